from typing import Any

import icalendar
import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    add_rider,
    if_match,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
)


class TestCreatePerson:
    def test_ok_normalises_phone_and_email(self, callers: Callers) -> None:
        person = make_person(
            callers.county_15,
            email="Ola@Example.ORG",
            phone="930 12 345",
            pilot_trained=True,
            pilot_trained_on="2026-04-01",
            consent_given_at="2026-04-01T10:00:00+02:00",
            consent_purpose="Sykkelturen 2026",
        )
        assert person["phone"] == "+4793012345"
        assert person["email"] == "ola@example.org"
        assert person["consent_given_at"] == "2026-04-01T08:00:00Z"

    def test_same_email_in_county_is_409_naming_the_person(self, callers: Callers) -> None:
        first = make_person(callers.county_15)
        body = problem(
            callers.county_15.post(
                f"{API}/people", json={"county": "15", "name": "Ola N.", "email": "OLA@example.org"}
            ),
            409,
            "person_email_taken",
        )
        assert f"person {first['id']}" in body["detail"]
        make_person(callers.national, county="50")  # another county may have the same address

    @pytest.mark.parametrize(
        "change",
        [
            {"phone": "123"},
            {"phone": "not a phone"},
            {"email": "ola@"},
            {"name": ""},
            {"county": "5"},
            {"consent_given_at": "2026-04-01T10:00:00"},
            {"pilot_trained_on": "2026-04-01"},
            {"id": 4},
        ],
    )
    def test_bad_input_is_422(self, callers: Callers, change: dict[str, Any]) -> None:
        data = {"county": "15", "name": "Ola"} | change
        problem(callers.county_15.post(f"{API}/people", json=data), 422, "validation_failed")

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("reader", 403),
            ("reader_personal", 403),
            ("county_50", 403),
            ("national", 201),
        ],
    )
    def test_permissions(self, callers: Callers, who: str, status: int) -> None:
        response = getattr(callers, who).post(
            f"{API}/people", json={"county": "15", "name": "Kari"}
        )
        assert response.status_code == status


class TestReadPeople:
    @pytest.mark.parametrize(
        ("who", "status", "sees"),
        [
            ("anonymous", 401, None),
            ("reader", 403, None),
            ("reader_personal", 200, {"15", "50"}),
            ("county_15", 200, {"15"}),
            ("county_50", 200, {"50"}),
            ("national", 200, {"15", "50"}),
        ],
    )
    def test_who_sees_whom(
        self, callers: Callers, who: str, status: int, sees: set[str] | None
    ) -> None:
        kari = make_person(callers.county_15, name="Kari")
        make_person(callers.county_50, county="50", name="Per", email="per@example.org")
        client = getattr(callers, who)
        response = client.get(f"{API}/people")
        assert response.status_code == status
        if sees is None:
            assert "Kari" not in response.text
            assert client.get(f"{API}/people/{kari['id']}").status_code == status
            return
        assert {p["county"] for p in response.json()["items"]} == sees
        single = client.get(f"{API}/people/{kari['id']}")
        assert single.status_code == (200 if "15" in sees else 404)

    def test_filters_and_search(self, callers: Callers) -> None:
        make_person(
            callers.county_15,
            name="Kari Nordmann",
            organisation="Stordal frivilligsentral",
            email="k@example.org",
        )
        make_person(
            callers.county_15,
            name="Per Hansen",
            organisation="Sykkelklubben",
            email="p@example.org",
        )
        make_person(callers.county_15, name="50%_Percent", email="x@example.org")
        url = f"{API}/people"

        def names(**params: str) -> list[str]:
            return [p["name"] for p in ok(callers.national.get(url, params=params))["items"]]

        assert names(q="nord") == ["Kari Nordmann"]
        assert names(q="%") == ["50%_Percent"]
        assert names(organisation="stordal FRIVILLIGSENTRAL") == ["Kari Nordmann"]
        assert names(county="50") == []
        problem(callers.county_50.get(url, params={"county": "15"}), 403, "forbidden")

    def test_role_filter(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        pilot = make_person(
            callers.county_15, name="Pilot", email="pilot@example.org", pilot_trained=True
        )
        lead = make_person(callers.county_15, name="Leder", email="leder@example.org")
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={"person_id": pilot["id"], "role": "pilot"},
            ),
            201,
        )
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/team",
                json={"person_id": lead["id"], "role": "stage_leader"},
            ),
            201,
        )
        assert [
            p["name"]
            for p in ok(callers.national.get(f"{API}/people", params={"role": "pilot"}))["items"]
        ] == ["Pilot"]
        assert [
            p["name"]
            for p in ok(callers.national.get(f"{API}/people", params={"role": "stage_leader"}))[
                "items"
            ]
        ] == ["Leder"]


class TestUpdatePerson:
    def test_ok_and_conflicts(self, callers: Callers) -> None:
        person = make_person(callers.county_15)
        make_person(callers.county_15, name="Kari", email="kari@example.org")
        url = f"{API}/people/{person['id']}"
        updated = ok(
            callers.county_15.patch(
                url,
                json={"phone": "+47 98765432", "pilot_trained": True},
                headers=if_match(callers.county_15, url),
            )
        )
        assert updated["phone"] == "+4798765432"
        problem(
            callers.county_15.patch(url, json={"name": "x"}, headers=STALE),
            412,
            "precondition_failed",
        )
        problem(
            callers.county_15.patch(
                url, json={"email": "kari@example.org"}, headers=if_match(callers.county_15, url)
            ),
            409,
            "person_email_taken",
        )
        problem(
            callers.county_50.patch(url, json={"name": "x"}, headers=STALE),
            404,
            "person_not_found",
        )
        problem(
            callers.county_15.patch(
                url, json={"phone": "1"}, headers=if_match(callers.county_15, url)
            ),
            422,
            "validation_failed",
        )


class TestExportAndErasure:
    def test_export_holds_record_assignments_and_audit(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        person = make_person(callers.county_15)
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/riders",
                json={"person_id": person["id"], "role": "cyclist"},
            ),
            201,
        )
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/team",
                json={"person_id": person["id"], "role": "sweep"},
            ),
            201,
        )
        exported = ok(callers.county_15.get(f"{API}/people/{person['id']}/export"))
        assert exported["person"]["email"] == "ola@example.org"
        assert [r["role"] for r in exported["riders"]] == ["cyclist"]
        assert [t["role"] for t in exported["team"]] == ["sweep"]
        assert {(e["resource_type"], e["action"]) for e in exported["audit"]} == {
            ("person", "create"),
            ("rider", "create"),
            ("team_member", "create"),
        }
        problem(callers.reader.get(f"{API}/people/{person['id']}/export"), 403, "forbidden")
        problem(
            callers.county_50.get(f"{API}/people/{person['id']}/export"), 404, "person_not_found"
        )

    def test_erasure_keeps_placeholders_and_scrubs_history(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        person = make_person(callers.county_15, pilot_trained=True)
        add_rider(
            callers.county_15, stage["id"], person_id=person["id"], role="pilot", status="confirmed"
        )
        assert (
            callers.county_15.delete(
                f"{API}/people/{person['id']}",
                headers=if_match(callers.county_15, f"{API}/people/{person['id']}"),
            ).status_code
            == 204
        )
        problem(callers.national.get(f"{API}/people/{person['id']}"), 404, "person_not_found")
        (rider,) = ok(callers.national.get(f"{API}/stages/{stage['id']}/riders"))["items"]
        assert rider["erased"] is True
        assert rider["person"] is None
        staffing = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/staffing"))
        assert next(r for r in staffing["roles"] if r["role"] == "pilot")["confirmed"] == 1
        audit = callers.national.get(f"{API}/audit", params={"limit": 500})
        assert "Ola" not in audit.text
        assert "93012345" not in audit.text
        assert "ola@example.org" not in audit.text

    def test_erasure_needs_if_match_and_own_county(self, callers: Callers) -> None:
        person = make_person(callers.county_15)
        problem(callers.county_15.delete(f"{API}/people/{person['id']}"), 428, "if_match_required")
        problem(
            callers.county_50.delete(
                f"{API}/people/{person['id']}",
                headers=STALE,
            ),
            404,
            "person_not_found",
        )
        problem(
            callers.reader_personal.delete(
                f"{API}/people/{person['id']}",
                headers=if_match(callers.reader_personal, f"{API}/people/{person['id']}"),
            ),
            403,
            "forbidden",
        )


def test_calendar_lists_assignments_in_oslo_time(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"], start_time="11:30")
    person = make_person(callers.county_15)
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/riders",
            json={"person_id": person["id"], "role": "cyclist"},
        ),
        201,
    )
    response = callers.county_15.get(f"{API}/people/{person['id']}/calendar.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.isoformat() == "2026-06-03T11:30:00+02:00"
    assert str(start.tzinfo) == "Europe/Oslo"
    assert "Valldal – Stordal" in str(event["summary"])
    assert calendar.walk("VTIMEZONE")
    problem(callers.anonymous.get(f"{API}/people/{person['id']}/calendar.ics"), 401, "unauthorized")
