from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, if_match, make_person, make_stage, ok, problem, tour_with_counties


def add(client: Any, **data: Any) -> dict[str, Any]:
    return ok(
        client.post(
            f"{API}/partners",
            json={"county": "15", "name": "Fjord kommune", "kind": "municipality"} | data,
        ),
        201,
    )


class TestPartners:
    def test_create_list_update_delete(self, callers: Callers) -> None:
        person = make_person(callers.county_15)
        partner = add(
            callers.county_15, contact_person_id=person["id"], contributes="Stenger vegen"
        )
        assert partner["contact_person"]["name"] == "Ola Nordmann"
        add(callers.county_15, name="Stordal sykkelklubb", kind="association")
        add(
            callers.county_50,
            county="50",
            name="Steinkjer frivilligsentral",
            kind="volunteer_centre",
        )
        url = f"{API}/partners"
        assert [
            p["name"] for p in ok(callers.anonymous.get(url, params={"county": "15"}))["items"]
        ] == [
            "Fjord kommune",
            "Stordal sykkelklubb",
        ]
        assert [
            p["name"]
            for p in ok(callers.anonymous.get(url, params={"kind": "volunteer_centre"}))["items"]
        ] == ["Steinkjer frivilligsentral"]
        assert [
            p["name"] for p in ok(callers.anonymous.get(url, params={"q": "KLUBB"}))["items"]
        ] == ["Stordal sykkelklubb"]
        item = f"{url}/{partner['id']}"
        updated = ok(
            callers.county_15.patch(
                item, json={"contributes": "Vakter"}, headers=if_match(callers.county_15, item)
            )
        )
        assert updated["contributes"] == "Vakter"
        problem(
            callers.county_50.patch(
                item, json={"notes": "x"}, headers=if_match(callers.county_50, item)
            ),
            403,
            "forbidden",
        )
        assert (
            callers.county_15.delete(item, headers=if_match(callers.county_15, item)).status_code
            == 204
        )
        problem(callers.anonymous.get(item), 404, "partner_not_found")

    def test_contact_is_personal_data(self, callers: Callers) -> None:
        person = make_person(callers.county_15)
        partner = add(
            callers.county_15, contact_person_id=person["id"], contact_name="Ola på kontoret"
        )
        for who in ("anonymous", "reader", "county_50"):
            response = getattr(callers, who).get(f"{API}/partners/{partner['id']}")
            assert response.json()["contact_person"] is None
            assert "Ola" not in response.text

    @pytest.mark.parametrize(
        ("data", "status", "code"),
        [
            ({"kind": "club"}, 422, "validation_failed"),
            ({"name": ""}, 422, "validation_failed"),
            ({"county": "99"}, 422, "unknown_reference"),
            ({"contact_person_id": 999}, 422, "unknown_reference"),
        ],
    )
    def test_bad_input(
        self, callers: Callers, data: dict[str, Any], status: int, code: str
    ) -> None:
        body = {"county": "15", "name": "Fjord kommune", "kind": "municipality"} | data
        problem(callers.national.post(f"{API}/partners", json=body), status, code)

    def test_contact_of_another_county_is_422(self, callers: Callers) -> None:
        other = make_person(callers.county_50, county="50")
        problem(
            callers.national.post(
                f"{API}/partners",
                json={
                    "county": "15",
                    "name": "x",
                    "kind": "other",
                    "contact_person_id": other["id"],
                },
            ),
            422,
            "unknown_reference",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(self, callers: Callers, who: str, status: int) -> None:
        response = getattr(callers, who).post(
            f"{API}/partners", json={"county": "15", "name": "x", "kind": "school"}
        )
        assert response.status_code == status


def test_a_partner_can_be_responsible_for_a_measure(callers: Callers) -> None:
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
    partner = add(callers.county_15)
    measure = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/measures",
            json={
                "kind": "traffic_control",
                "title": "Vakt",
                "responsible_partner_id": partner["id"],
            },
        ),
        201,
    )
    assert measure["responsible_partner"] == {
        "id": partner["id"],
        "name": "Fjord kommune",
        "kind": "municipality",
    }
    assert measure["responsible_name"] == "Fjord kommune"
    elsewhere = add(callers.county_50, county="50", name="Steinkjer kommune")
    problem(
        callers.national.post(
            f"{API}/stages/{stage['id']}/measures",
            json={"kind": "other", "title": "x", "responsible_partner_id": elsewhere["id"]},
        ),
        422,
        "partner_of_other_county",
    )
    assert (
        callers.county_15.delete(
            f"{API}/partners/{partner['id']}",
            headers=if_match(callers.county_15, f"{API}/partners/{partner['id']}"),
        ).status_code
        == 204
    )
    assert (
        ok(callers.anonymous.get(f"{API}/measures/{measure['id']}"))["responsible_partner"] is None
    )


def test_a_partners_delete_moves_the_version_of_its_measures(callers: Callers) -> None:
    """The partner is cleared from each measure through the ORM, so a client holding the
    measure's old ETag gets 412, not a silent overwrite."""
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
    partner_id = add(callers.county_15)["id"]
    body = {"kind": "other", "title": "Vakt", "responsible_partner_id": partner_id}
    measure = ok(callers.county_15.post(f"{API}/stages/{stage['id']}/measures", json=body), 201)
    url, partner = f"{API}/measures/{measure['id']}", f"{API}/partners/{partner_id}"
    stale = if_match(callers.county_15, url)
    gone = callers.county_15.delete(partner, headers=if_match(callers.county_15, partner))
    assert gone.status_code == 204
    after = ok(callers.anonymous.get(url))
    assert after["responsible_partner"] is None
    assert after["version"] > measure["version"]
    problem(
        callers.county_15.patch(url, json={"title": "Ny"}, headers=stale),
        412,
        "precondition_failed",
    )
