from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, if_match, make_stage, ok, problem, tour_with_counties


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    return make_stage(callers.county_15, tour_with_counties(callers.national)["id"])


def nrk(client: Any, **data: Any) -> dict[str, Any]:
    body = {
        "county": "15",
        "outlet": "NRK Møre og Romsdal",
        "kind": "tv",
        "contact_name": "Per Journalist",
        "email": "per@nrk.example",
        "phone": "95012345",
    } | data
    return ok(client.post(f"{API}/press-contacts", json=body), 201)


class TestPressContacts:
    def test_crud_and_personal_data(self, callers: Callers) -> None:
        contact = nrk(callers.county_15)
        assert contact["phone"] == "+4795012345"
        url = f"{API}/press-contacts/{contact['id']}"
        for who in ("anonymous", "reader", "county_50"):
            response = getattr(callers, who).get(url)
            assert response.json()["outlet"] == "NRK Møre og Romsdal"
            assert "Per Journalist" not in response.text
            assert "nrk.example" not in response.text
        listed = ok(
            callers.anonymous.get(f"{API}/press-contacts", params={"county": "15", "kind": "tv"})
        )["items"]
        assert [c["outlet"] for c in listed] == ["NRK Møre og Romsdal"]
        updated = ok(
            callers.county_15.patch(
                url, json={"notes": "Ring før 10"}, headers=if_match(callers.county_15, url)
            )
        )
        assert updated["notes"] == "Ring før 10"
        assert (
            callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code
            == 204
        )
        problem(callers.anonymous.get(url), 404, "press_contact_not_found")

    @pytest.mark.parametrize(
        "data", [{"kind": "magazine"}, {"email": "x@"}, {"phone": "1"}, {"outlet": ""}]
    )
    def test_bad_input_is_422(self, callers: Callers, data: dict[str, Any]) -> None:
        body = {"county": "15", "outlet": "Sunnmørsposten", "kind": "paper"} | data
        problem(
            callers.county_15.post(f"{API}/press-contacts", json=body), 422, "validation_failed"
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(self, callers: Callers, who: str, status: int) -> None:
        response = getattr(callers, who).post(
            f"{API}/press-contacts", json={"county": "15", "outlet": "x", "kind": "radio"}
        )
        assert response.status_code == status


class TestOutreach:
    def test_log_and_due_follow_ups(self, callers: Callers, stage: dict[str, Any]) -> None:
        contact = nrk(callers.county_15)
        url = f"{API}/stages/{stage['id']}/outreach"
        entry = ok(
            callers.county_15.post(
                url,
                json={
                    "press_contact_id": contact["id"],
                    "contacted_at": "2026-05-01T10:00:00+02:00",
                    "channel": "phone",
                    "offered": "Intervju med en passasjer",
                    "follow_up_on": "2026-05-05",
                },
            ),
            201,
        )
        assert entry["outlet"] == "NRK Møre og Romsdal"
        assert entry["follow_up_due"] is True  # 5 May 2026 has passed
        done = ok(
            callers.county_15.patch(
                f"{url}/{entry['id']}",
                json={"follow_up_done": True, "outcome": "Sak på Kveldsnytt"},
                headers=if_match(callers.county_15, f"{url}/{entry['id']}"),
            )
        )
        assert done["follow_up_due"] is False
        assert [e["outcome"] for e in ok(callers.anonymous.get(url))["items"]] == [
            "Sak på Kveldsnytt"
        ]

    def test_bad_input(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = f"{API}/stages/{stage['id']}/outreach"
        problem(
            callers.county_15.post(
                url, json={"contacted_at": "2026-05-01T10:00:00", "channel": "phone"}
            ),
            422,
            "validation_failed",
        )
        problem(
            callers.county_15.post(
                url, json={"contacted_at": "2026-05-01T10:00:00Z", "channel": "fax"}
            ),
            422,
            "validation_failed",
        )
        other = nrk(callers.county_50, county="50", outlet="NRK Trøndelag")
        problem(
            callers.national.post(
                url,
                json={
                    "contacted_at": "2026-05-01T10:00:00Z",
                    "channel": "email",
                    "press_contact_id": other["id"],
                },
            ),
            422,
            "press_contact_of_other_county",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/outreach",
            json={"contacted_at": "2026-05-01T10:00:00Z", "channel": "email"},
        )
        assert response.status_code == status
