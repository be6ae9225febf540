import datetime as dt
from typing import Any

import pytest

from sykkelturen.clock import today_in
from tests.conftest import Callers
from tests.factories import (
    API,
    act,
    add_county,
    if_match,
    make_person,
    make_stage,
    make_tour,
    ok,
    problem,
    tour_with_counties,
    upload,
)


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
    upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    return stage


def add(client: Any, stage_id: int, **data: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/stages/{stage_id}/measures", json=data), 201)


class TestMeasures:
    def test_places_by_km_lat_lon_and_checkpoint(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        by_km = add(callers.county_15, stage["id"], kind="traffic_control", title="Vakt", km=9.5)
        assert by_km["lat"] is not None
        by_point = add(
            callers.county_15,
            stage["id"],
            kind="road_crossing",
            title="Kryss",
            lat=by_km["lat"],
            lon=by_km["lon"],
        )
        assert by_point["km"] == pytest.approx(9.5, abs=0.01)
        checkpoint = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Rast", "kind": "rest", "km": 12},
            ),
            201,
        )
        at_checkpoint = add(
            callers.county_15,
            stage["id"],
            kind="rest_stop",
            title="Kaffe",
            checkpoint_id=checkpoint["id"],
        )
        assert at_checkpoint["km"] == pytest.approx(12, abs=0.01)

    def test_police_notice_is_due_before_the_stage(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        notice = add(
            callers.county_15, stage["id"], kind="police_notice", title="Melding til politiet"
        )
        assert notice["due_date"] == "2026-05-13"  # 21 days before 3 June

    def test_overdue_until_accepted(self, callers: Callers, stage: dict[str, Any]) -> None:
        late = add(
            callers.county_15,
            stage["id"],
            kind="escort_vehicle",
            title="Følgebil",
            due_date="2020-01-01",
        )
        assert late["overdue"] is True
        ok(act(callers.county_15, f"{API}/measures/{late['id']}", "submit"))
        accepted = ok(act(callers.national, f"{API}/measures/{late['id']}", "accept"))
        assert accepted["overdue"] is False

    @pytest.mark.parametrize(
        ("zone", "days_before_today", "overdue"),
        [
            # Kiritimati (UTC+14) is a day ahead of Oslo from 10:00 to 23:00 UTC: a measure due
            # yesterday there is overdue, even while it is still that day in Oslo.
            ("Pacific/Kiritimati", 1, True),
            # Pago Pago (UTC-11) is a day behind Oslo from 23:00 to 11:00 UTC: a measure due
            # today there is not overdue, even after midnight in Oslo.
            ("Pacific/Pago_Pago", 0, False),
        ],
    )
    def test_overdue_counts_the_day_in_the_tours_zone(
        self, callers: Callers, zone: str, days_before_today: int, overdue: bool
    ) -> None:
        tour = make_tour(callers.national, name=f"Tur i {zone}", time_zone=zone)
        add_county(callers.national, tour["id"], "15")
        stage = make_stage(callers.county_15, tour["id"])
        due = today_in(zone) - dt.timedelta(days=days_before_today)
        measure = add(
            callers.county_15, stage["id"], kind="other", title="Skilt", due_date=due.isoformat()
        )
        assert measure["overdue"] is overdue

    def test_review_workflow(self, callers: Callers, stage: dict[str, Any]) -> None:
        measure = add(callers.county_15, stage["id"], kind="first_aid", title="Førstehjelp")
        url = f"{API}/measures/{measure['id']}"
        problem(act(callers.national, url, "accept"), 409, "illegal_measure_transition")
        assert ok(act(callers.county_15, url, "submit"))["status"] == "submitted"
        problem(act(callers.county_15, url, "submit"), 409, "illegal_measure_transition")
        problem(act(callers.county_15, url, "accept"), 403, "forbidden")
        returned = ok(
            act(callers.national, url, "return", json={"comment": "Mangler vakt ved brua"})
        )
        assert (returned["status"], returned["review_comment"]) == (
            "returned",
            "Mangler vakt ved brua",
        )
        problem(act(callers.national, url, "accept"), 409, "illegal_measure_transition")
        edited = ok(
            callers.county_15.patch(
                url,
                json={"description": "Vakt ved brua"},
                headers=if_match(callers.county_15, url),
            )
        )
        assert edited["status"] == "returned"
        ok(act(callers.county_15, url, "submit"))
        accepted = ok(act(callers.national, url, "accept"))
        assert accepted["status"] == "accepted"
        again = ok(
            callers.county_15.patch(
                url,
                json={"title": "Førstehjelp og hjertestarter"},
                headers=if_match(callers.county_15, url),
            )
        )
        assert again["status"] == "submitted"
        audit = ok(callers.national.get(f"{API}/audit", params={"resource_type": "measure"}))[
            "items"
        ]
        assert [e["action"] for e in audit][:4] == ["update", "accept", "submit", "update"]

    def test_return_needs_a_comment(self, callers: Callers, stage: dict[str, Any]) -> None:
        measure = add(callers.county_15, stage["id"], kind="media", title="NRK")
        ok(act(callers.county_15, f"{API}/measures/{measure['id']}", "submit"))
        problem(
            act(callers.national, f"{API}/measures/{measure['id']}", "return", json={}),
            422,
            "validation_failed",
        )

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "party", "title": "x"},
            {"kind": "other", "title": ""},
            {"kind": "other", "title": "x", "km": 1, "checkpoint_id": 1},
            {"kind": "other", "title": "x", "lat": 62},
            {"kind": "other", "title": "x", "starts_at": "2026-06-03T12:00:00"},
            {
                "kind": "other",
                "title": "x",
                "starts_at": "2026-06-03T12:00:00+02:00",
                "ends_at": "2026-06-03T11:00:00+02:00",
            },
            {"kind": "other", "title": "x", "status": "accepted"},
        ],
    )
    def test_bad_input_is_422(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any]
    ) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/measures", json=data),
            422,
            "validation_failed",
        )

    def test_checkpoint_and_person_must_belong_to_the_stage(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{stage['id']}/measures"
        problem(
            callers.county_15.post(url, json={"kind": "other", "title": "x", "checkpoint_id": 999}),
            422,
            "checkpoint_of_other_stage",
        )
        other = make_person(callers.county_50, county="50")
        problem(
            callers.national.post(
                url, json={"kind": "other", "title": "x", "responsible_person_id": other["id"]}
            ),
            422,
            "unknown_reference",
        )

    def test_responsible_person_is_personal_data(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        person = make_person(callers.county_15)
        measure = add(
            callers.county_15,
            stage["id"],
            kind="first_aid",
            title="Førstehjelp",
            responsible_person_id=person["id"],
        )
        assert measure["responsible_name"] == "Ola Nordmann"
        public = ok(callers.anonymous.get(f"{API}/measures/{measure['id']}"))
        assert public["responsible_person"] is None
        assert public["responsible_name"] is None

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/measures", json={"kind": "other", "title": "x"}
        )
        assert response.status_code == status

    @pytest.mark.parametrize(
        ("who", "status"), [("anonymous", 401), ("reader", 403), ("county_50", 403)]
    )
    def test_change_and_review_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        measure = add(callers.county_15, stage["id"], kind="other", title="x")
        client = getattr(callers, who)
        url = f"{API}/measures/{measure['id']}"
        assert (
            client.patch(url, json={"title": "y"}, headers=if_match(client, url)).status_code
            == status
        )
        assert act(client, url, "submit").status_code == status
        assert client.delete(url, headers=if_match(client, url)).status_code == status
        ok(act(callers.county_15, url, "submit"))
        assert act(client, url, "accept").status_code == status

    def test_delete(self, callers: Callers, stage: dict[str, Any]) -> None:
        measure = add(callers.county_15, stage["id"], kind="other", title="x")
        assert (
            callers.county_15.delete(
                f"{API}/measures/{measure['id']}",
                headers=if_match(callers.county_15, f"{API}/measures/{measure['id']}"),
            ).status_code
            == 204
        )
        problem(callers.anonymous.get(f"{API}/measures/{measure['id']}"), 404, "measure_not_found")


class TestPlaceFollowsTheCheckpoint:
    """Issue 12: a measure placed at a checkpoint stayed at the old km when it moved."""

    def _at_checkpoint(self, callers: Callers, stage: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        checkpoint = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/checkpoints",
                json={"name": "Overlevering", "kind": "handover", "km": 12},
            ),
            201,
        )
        measure = add(
            callers.county_15,
            stage["id"],
            kind="handover",
            title="Vakt ved overleveringen",
            checkpoint_id=checkpoint["id"],
        )
        return f"{API}/stages/{stage['id']}/checkpoints/{checkpoint['id']}", measure

    def test_moving_the_checkpoint_moves_the_measure(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        checkpoint_url, measure = self._at_checkpoint(callers, stage)
        moved = ok(
            callers.county_15.patch(
                checkpoint_url,
                json={"km": 16.5},
                headers=if_match(callers.county_15, checkpoint_url),
            )
        )
        after = ok(callers.anonymous.get(f"{API}/measures/{measure['id']}"))
        assert after["km"] == 16.5
        assert (after["lat"], after["lon"]) == (moved["lat"], moved["lon"])
        sheet = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/run-sheet"))
        (line,) = sheet["lines"]
        (row,) = sheet["measures"]
        assert row["measure"]["km"] == 16.5
        assert row["times"][0]["arrive"] == line["times"][0]["arrive"]

    def test_a_checkpoint_with_measures_cannot_be_deleted(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        checkpoint_url, measure = self._at_checkpoint(callers, stage)
        body = problem(
            callers.county_15.delete(
                checkpoint_url, headers=if_match(callers.county_15, checkpoint_url)
            ),
            409,
            "checkpoint_in_use",
        )
        assert f"measure {measure['id']}" in body["detail"].lower()
        ok(
            callers.county_15.patch(
                f"{API}/measures/{measure['id']}",
                json={"km": 12},
                headers=if_match(callers.county_15, f"{API}/measures/{measure['id']}"),
            )
        )
        assert (
            callers.county_15.delete(
                checkpoint_url, headers=if_match(callers.county_15, checkpoint_url)
            ).status_code
            == 204
        )

    @pytest.mark.parametrize("km", [40, 25.2])
    def test_km_past_the_route_is_422(
        self, callers: Callers, stage: dict[str, Any], km: float
    ) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/measures",
                json={"kind": "traffic_control", "title": "Vakt", "km": km},
            ),
            422,
            "km_beyond_route",
        )
        measure = add(callers.county_15, stage["id"], kind="traffic_control", title="Vakt", km=3)
        problem(
            callers.county_15.patch(
                f"{API}/measures/{measure['id']}",
                json={"km": km},
                headers=if_match(callers.county_15, f"{API}/measures/{measure['id']}"),
            ),
            422,
            "km_beyond_route",
        )
