from typing import Any

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from sykkelturen.security import system_actor
from sykkelturen.stages import service
from sykkelturen.stages.models import Stage, StageUpdate
from sykkelturen.stages.router import DEPENDENTS
from sykkelturen.tours.service import get_tour
from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    etag,
    if_match,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
)


@pytest.fixture
def tour(callers: Callers) -> dict[str, Any]:
    return tour_with_counties(callers.national)


class TestCreateStage:
    def test_own_county_creates(self, callers: Callers, tour: dict[str, Any]) -> None:
        response = callers.county_15.post(
            f"{API}/tours/{tour['id']}/stages",
            json={
                "sequence": 38,
                "county": "15",
                "name": "Valldal – Stordal",
                "date": "2026-06-03",
                "start_time": "11:30",
            },
        )
        stage = ok(response, 201)
        assert response.headers["ETag"] == etag(callers.county_15, f"{API}/stages/{stage['id']}")
        assert response.headers["Location"].endswith(f"/api/v1/stages/{stage['id']}")
        assert stage["tour_id"] == tour["id"]
        assert stage["county"] == "15"
        assert stage["speeds_kmh"] == [8.0, 10.0, 12.0]  # the tour's
        assert stage["start_time"] == "11:30:00"
        assert stage["starts_at"] == "2026-06-03T11:30:00+02:00"
        assert stage["bikes"] == 6
        assert stage["needs"] == {"pilots": 6, "cyclists": 0, "passengers": 0, "team": {}}

    def test_national_creates_anywhere(self, callers: Callers, tour: dict[str, Any]) -> None:
        make_stage(callers.national, tour["id"], county="50", date="2026-06-10")

    def test_other_county_is_403(self, callers: Callers, tour: dict[str, Any]) -> None:
        response = callers.county_50.post(
            f"{API}/tours/{tour['id']}/stages",
            json={"sequence": 1, "county": "15", "name": "x", "date": "2026-06-03"},
        )
        problem(response, 403, "forbidden")

    @pytest.mark.parametrize(
        ("who", "status", "code"),
        [("reader", 403, "forbidden"), ("anonymous", 401, "unauthorized")],
    )
    def test_reader_and_anonymous_may_not(
        self, callers: Callers, tour: dict[str, Any], who: str, status: int, code: str
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/tours/{tour['id']}/stages",
            json={"sequence": 1, "county": "15", "name": "x", "date": "2026-06-03"},
        )
        problem(response, status, code)

    def test_date_outside_window_is_422(self, callers: Callers, tour: dict[str, Any]) -> None:
        response = callers.county_15.post(
            f"{API}/tours/{tour['id']}/stages",
            json={"sequence": 1, "county": "15", "name": "x", "date": "2026-06-08"},
        )
        body = problem(response, 422, "stage_date_outside_window")
        assert "2026-06-01–2026-06-07" in body["detail"]

    def test_county_not_in_tour_is_422(self, callers: Callers, tour: dict[str, Any]) -> None:
        response = callers.national.post(
            f"{API}/tours/{tour['id']}/stages",
            json={"sequence": 1, "county": "42", "name": "x", "date": "2026-06-03"},
        )
        problem(response, 422, "county_not_in_tour")

    def test_taken_sequence_is_409(self, callers: Callers, tour: dict[str, Any]) -> None:
        make_stage(callers.county_15, tour["id"], sequence=5)
        response = callers.county_50.post(
            f"{API}/tours/{tour['id']}/stages",
            json={"sequence": 5, "county": "50", "name": "x", "date": "2026-06-10"},
        )
        problem(response, 409, "stage_sequence_taken")

    def test_more_passengers_than_seats_is_422(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        response = callers.county_15.post(
            f"{API}/tours/{tour['id']}/stages",
            json={
                "sequence": 1,
                "county": "15",
                "name": "x",
                "date": "2026-06-03",
                "bikes": 2,
                "needs": {"passengers": 5},
            },
        )
        problem(response, 422, "too_many_passengers")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", 99),
            ("version", 7),
            ("sequence", 0),
            ("sequence", "first"),
            ("county", "1"),
            ("date", "2026-02-30"),
            ("start_time", "25:00"),
            ("start_time", "11:30+02:00"),
            ("speeds_kmh", []),
            ("speeds_kmh", [100]),
            ("bikes", 0),
            ("needs", {"pilots": -1}),
            ("needs", {"team": {"juggler": 1}}),
            ("needs", {"team": {"stage_leader": -1}}),
            ("transfer_after", {"mode": "helicopter"}),
            ("name", ""),
        ],
    )
    def test_bad_field_is_422(
        self, callers: Callers, tour: dict[str, Any], field: str, value: Any
    ) -> None:
        data = {"sequence": 1, "county": "15", "name": "x", "date": "2026-06-03"} | {field: value}
        response = callers.county_15.post(f"{API}/tours/{tour['id']}/stages", json=data)
        body = problem(response, 422, "validation_failed")
        assert body["errors"], body
        assert any(field in error["field"] for error in body["errors"]), body

    def test_unknown_tour_is_404(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours/999/stages",
            json={"sequence": 1, "county": "15", "name": "x", "date": "2026-06-03"},
        )
        problem(response, 404, "tour_not_found")


class TestListStages:
    def test_national_order_filters_and_pages(self, callers: Callers, tour: dict[str, Any]) -> None:
        make_stage(callers.national, tour["id"], sequence=3, county="50", date="2026-06-09")
        make_stage(callers.national, tour["id"], sequence=1, date="2026-06-02")
        make_stage(callers.national, tour["id"], sequence=2, date="2026-06-05")
        url = f"{API}/tours/{tour['id']}/stages"

        everything = ok(callers.anonymous.get(url))
        assert [s["sequence"] for s in everything["items"]] == [1, 2, 3]
        assert everything["next_cursor"] is None

        first = ok(callers.anonymous.get(url, params={"limit": 2}))
        assert [s["sequence"] for s in first["items"]] == [1, 2]
        second = ok(callers.anonymous.get(url, params={"limit": 2, "cursor": first["next_cursor"]}))
        assert [s["sequence"] for s in second["items"]] == [3]
        assert second["next_cursor"] is None

        assert [
            s["sequence"] for s in ok(callers.anonymous.get(url, params={"county": "50"}))["items"]
        ] == [3]
        by_date = ok(
            callers.anonymous.get(url, params={"date_from": "2026-06-03", "date_to": "2026-06-09"})
        )
        assert [s["sequence"] for s in by_date["items"]] == [2, 3]

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 501}, {"county": "abc"}, {"date_from": "yesterday"}]
    )
    def test_bad_query_is_422(
        self, callers: Callers, tour: dict[str, Any], params: dict[str, Any]
    ) -> None:
        problem(
            callers.anonymous.get(f"{API}/tours/{tour['id']}/stages", params=params),
            422,
            "validation_failed",
        )

    def test_bad_cursor_is_400(self, callers: Callers, tour: dict[str, Any]) -> None:
        problem(
            callers.anonymous.get(
                f"{API}/tours/{tour['id']}/stages", params={"cursor": "not-ours"}
            ),
            400,
            "invalid_cursor",
        )

    @pytest.mark.parametrize(
        "params", [{}, {"cursor": "not-ours"}, {"date_from": "2030-01-01"}, {"phase": "plan"}]
    )
    def test_unknown_tour_is_404_whatever_else_is_asked(
        self, callers: Callers, params: dict[str, Any]
    ) -> None:
        problem(
            callers.anonymous.get(f"{API}/tours/999/stages", params=params), 404, "tour_not_found"
        )

    def test_no_stage_matching_is_an_empty_page(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        make_stage(callers.national, tour["id"])
        url = f"{API}/tours/{tour['id']}/stages"
        assert ok(callers.anonymous.get(url, params={"county": "50"})) == {
            "items": [],
            "next_cursor": None,
        }


class TestReadStage:
    def test_ok_with_etag_and_304(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        response = callers.anonymous.get(f"{API}/stages/{stage['id']}")
        assert ok(response) == stage
        tag = response.headers["ETag"]
        again = callers.anonymous.get(f"{API}/stages/{stage['id']}", headers={"If-None-Match": tag})
        assert again.status_code == 304
        assert again.content == b""
        changed = callers.anonymous.get(
            f"{API}/stages/{stage['id']}", headers={"If-None-Match": STALE["If-Match"]}
        )
        assert changed.status_code == 200

    def test_unknown_is_404(self, callers: Callers) -> None:
        problem(callers.anonymous.get(f"{API}/stages/12345"), 404, "stage_not_found")

    def test_bad_id_is_422(self, callers: Callers) -> None:
        problem(callers.anonymous.get(f"{API}/stages/abc"), 422, "validation_failed")


class TestUpdateStage:
    def test_ok(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        response = callers.county_15.patch(
            url,
            json={"start_time": "12:15", "date": "2026-06-04", "speeds_kmh": [12, 9]},
            headers=if_match(callers.county_15, url),
        )
        updated = ok(response)
        assert response.headers["ETag"] == etag(callers.county_15, url)
        assert updated["version"] == 2
        assert updated["starts_at"] == "2026-06-04T12:15:00+02:00"
        assert updated["speeds_kmh"] == [9.0, 12.0]
        assert updated["name"] == stage["name"]

    def test_null_clears_optional_and_keeps_required(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        updated = ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}",
                json={"start_time": None, "notes": None, "name": None},
                headers=if_match(callers.county_15, f"{API}/stages/{stage['id']}"),
            )
        )
        assert updated["start_time"] is None
        assert updated["starts_at"] is None
        assert updated["name"] == stage["name"]

    def test_stale_etag_is_412(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        read = if_match(callers.county_15, url)
        ok(callers.county_15.patch(url, json={"name": "first"}, headers=read))
        body = problem(
            callers.county_15.patch(url, json={"name": "second"}, headers=read),
            412,
            "precondition_failed",
        )
        assert "changed since you read it" in body["detail"]
        assert ok(callers.anonymous.get(url))["name"] == "first"

    def test_missing_if_match_is_428(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        problem(
            callers.county_15.patch(f"{API}/stages/{stage['id']}", json={"name": "x"}),
            428,
            "if_match_required",
        )

    def test_other_county_is_403(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        response = callers.county_50.patch(
            f"{API}/stages/{stage['id']}", json={"name": "mine now"}, headers={"If-Match": '"1"'}
        )
        problem(response, 403, "forbidden")

    def test_moving_to_a_county_not_on_the_token_is_403(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        response = callers.county_15.patch(
            f"{API}/stages/{stage['id']}",
            json={"county": "50", "date": "2026-06-10"},
            headers=if_match(callers.county_15, f"{API}/stages/{stage['id']}"),
        )
        problem(response, 403, "forbidden")

    def test_national_moves_between_counties(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        moved = ok(
            callers.national.patch(
                f"{API}/stages/{stage['id']}",
                json={"county": "50", "date": "2026-06-10"},
                headers=if_match(callers.national, f"{API}/stages/{stage['id']}"),
            )
        )
        assert moved["county"] == "50"

    def test_moving_with_people_of_the_county_is_409_naming_them(
        self, callers: Callers, tour: dict[str, Any]
    ) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        person = make_person(callers.county_15, name="Ola Nordmann")
        member = ok(
            callers.county_15.post(
                f"{url}/team", json={"person_id": person["id"], "role": "stage_leader"}
            ),
            201,
        )
        move = {"county": "50", "date": "2026-06-10"}
        body = problem(
            callers.national.patch(url, json=move, headers=if_match(callers.national, url)),
            409,
            "stage_has_people_of_county",
        )
        assert f"Ola Nordmann (team member {member['id']})" in body["detail"]
        # Nothing moved: the old county still sees and edits its people, the new one not.
        assert ok(callers.county_15.get(f"{url}/team"))["items"][0]["person"]["name"] == (
            "Ola Nordmann"
        )
        assert ok(callers.county_50.get(f"{url}/team"))["items"][0]["person"] is None
        problem(
            callers.county_50.patch(
                url, json={"notes": "x"}, headers=if_match(callers.county_50, url)
            ),
            403,
            "forbidden",
        )

        # Without them it moves; then the new county owns it, the old one no longer.
        member_url = f"{url}/team/{member['id']}"
        callers.county_15.delete(member_url, headers=if_match(callers.county_15, member_url))
        moved = ok(callers.national.patch(url, json=move, headers=if_match(callers.national, url)))
        assert moved["county"] == "50"
        ok(
            callers.county_50.patch(
                url, json={"notes": "vår"}, headers=if_match(callers.county_50, url)
            )
        )
        problem(
            callers.county_15.patch(
                url, json={"notes": "x"}, headers=if_match(callers.county_15, url)
            ),
            403,
            "forbidden",
        )
        other = make_person(callers.county_15, name="Kari", email="kari@example.org")
        problem(
            callers.county_50.post(f"{url}/team", json={"person_id": other["id"], "role": "host"}),
            422,
            "unknown_reference",
        )

    def test_rules_hold_on_update(self, callers: Callers, tour: dict[str, Any]) -> None:
        make_stage(callers.county_15, tour["id"], sequence=1)
        stage = make_stage(callers.county_15, tour["id"], sequence=2)
        url = f"{API}/stages/{stage['id']}"
        read = if_match(callers.county_15, url)
        problem(
            callers.county_15.patch(url, json={"sequence": 1}, headers=read),
            409,
            "stage_sequence_taken",
        )
        problem(
            callers.county_15.patch(url, json={"date": "2026-07-01"}, headers=read),
            422,
            "stage_date_outside_window",
        )
        problem(
            callers.county_15.patch(
                url, json={"bikes": 1, "needs": {"passengers": 3}}, headers=read
            ),
            422,
            "too_many_passengers",
        )
        assert ok(callers.anonymous.get(url))["version"] == 1

    @pytest.mark.parametrize("who", ["reader", "anonymous"])
    def test_reader_and_anonymous_may_not(
        self, callers: Callers, tour: dict[str, Any], who: str
    ) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        response = getattr(callers, who).patch(
            f"{API}/stages/{stage['id']}", json={"name": "x"}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == (403 if who == "reader" else 401)

    def test_unknown_field_is_422(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        body = problem(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}", json={"tour_id": 5}, headers={"If-Match": '"1"'}
            ),
            422,
            "validation_failed",
        )
        assert body["errors"][0]["field"] == "body.tour_id"


class TestConcurrentWriters:
    def test_only_one_of_two_racing_writers_wins(
        self, callers: Callers, tour: dict[str, Any], session: Session
    ) -> None:
        """Both writers read version 1 and pass If-Match; the compare-and-set UPDATE lets only
        the first win."""
        stage = make_stage(callers.county_15, tour["id"])
        read = etag(callers.county_15, f"{API}/stages/{stage['id']}")
        actor = system_actor("tests")
        engine = session.get_bind()
        with (
            Session(engine, expire_on_commit=False) as first,
            Session(engine, expire_on_commit=False) as second,
        ):
            first_stage = first.get(Stage, stage["id"])
            second_stage = second.get(Stage, stage["id"])
            assert first_stage is not None
            assert second_stage is not None
            first_tour = get_tour(first, tour["id"])
            second_tour = get_tour(second, tour["id"])
            # The second writer keeps what it read (version 1) but ends its read transaction,
            # as a request would between reading and writing.
            second.commit()
            service.update_stage(
                first,
                actor=actor,
                tour=first_tour,
                stage=first_stage,
                data=StageUpdate(name="first"),
                if_match=read,
                dependents=DEPENDENTS,
            )
            first.commit()
            with pytest.raises(StaleDataError):
                service.update_stage(
                    second,
                    actor=actor,
                    tour=second_tour,
                    stage=second_stage,
                    data=StageUpdate(name="second"),
                    if_match=read,
                    dependents=DEPENDENTS,
                )
        assert ok(callers.anonymous.get(f"{API}/stages/{stage['id']}"))["name"] == "first"


class TestDeleteStage:
    def test_ok(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        url = f"{API}/stages/{stage['id']}"
        response = callers.county_15.delete(url, headers=if_match(callers.county_15, url))
        assert response.status_code == 204
        problem(callers.anonymous.get(f"{API}/stages/{stage['id']}"), 404, "stage_not_found")

    def test_stale_etag_is_412(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        problem(
            callers.county_15.delete(f"{API}/stages/{stage['id']}", headers=STALE),
            412,
            "precondition_failed",
        )

    def test_other_county_is_403(self, callers: Callers, tour: dict[str, Any]) -> None:
        stage = make_stage(callers.county_15, tour["id"])
        problem(
            callers.county_50.delete(f"{API}/stages/{stage['id']}", headers={"If-Match": '"1"'}),
            403,
            "forbidden",
        )
