import pytest

from tests.conftest import Callers
from tests.factories import API, if_match, make_stage, ok, problem, tour_with_counties


class TestAudit:
    def test_every_write_is_recorded_with_before_and_after(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        stage = make_stage(callers.county_15, tour["id"])
        ok(
            callers.county_15.patch(
                f"{API}/stages/{stage['id']}",
                json={"name": "Ny"},
                headers=if_match(callers.county_15, f"{API}/stages/{stage['id']}"),
            )
        )
        assert (
            callers.county_15.delete(
                f"{API}/stages/{stage['id']}",
                headers=if_match(callers.county_15, f"{API}/stages/{stage['id']}"),
            ).status_code
            == 204
        )

        entries = ok(callers.national.get(f"{API}/audit", params={"resource_type": "stage"}))[
            "items"
        ]
        assert [e["action"] for e in entries] == ["delete", "update", "create"]  # newest first
        deleted, updated, created = entries
        assert updated["changes"]["name"] == {"before": "Valldal – Stordal", "after": "Ny"}
        assert updated["changes"]["version"] == {"before": 1, "after": 2}
        assert "county" not in updated["changes"]
        assert created["changes"]["name"] == {"after": "Valldal – Stordal"}
        assert deleted["changes"]["name"] == {"before": "Ny"}
        assert {e["actor_name"] for e in entries} == {"Møre og Romsdal contact"}
        assert {e["county"] for e in entries} == {"15"}
        assert all(e["request_id"] for e in entries)

    def test_filters_and_pages(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        everything = ok(callers.national.get(f"{API}/audit", params={"limit": 500}))["items"]
        assert [e["resource_type"] for e in everything] == [
            "tour_county",
            "tour_county",
            "tour",
        ] + ["token"] * 5
        first = ok(callers.national.get(f"{API}/audit", params={"limit": 2}))
        second = ok(
            callers.national.get(
                f"{API}/audit", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        )
        assert [e["id"] for e in first["items"] + second["items"]] == [
            e["id"] for e in everything[:4]
        ]
        by_tour = ok(
            callers.national.get(f"{API}/audit", params={"tour_id": tour["id"], "county": "50"})
        )["items"]
        assert [e["resource_id"] for e in by_tour] == [f"{tour['id']}/50"]
        at = everything[0]["at"]
        assert (
            ok(callers.national.get(f"{API}/audit", params={"until": "2000-01-01T00:00:00Z"}))[
                "items"
            ]
            == []
        )
        assert (
            ok(callers.national.get(f"{API}/audit", params={"since": at}))["items"][0]["id"]
            == everything[0]["id"]
        )

    def test_naive_time_is_400(self, callers: Callers) -> None:
        problem(
            callers.national.get(f"{API}/audit", params={"since": "2026-01-01T00:00:00"}),
            400,
            "bad_request",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("reader_personal", 403), ("county_15", 403)],
    )
    def test_only_national(self, callers: Callers, who: str, status: int) -> None:
        assert getattr(callers, who).get(f"{API}/audit").status_code == status

    def test_failed_write_leaves_no_entry(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        before = len(ok(callers.national.get(f"{API}/audit", params={"limit": 500}))["items"])
        problem(
            callers.county_15.post(
                f"{API}/tours/{tour['id']}/stages",
                json={"sequence": 1, "county": "15", "name": "x", "date": "2026-09-01"},
            ),
            422,
            "stage_date_outside_window",
        )
        assert (
            len(ok(callers.national.get(f"{API}/audit", params={"limit": 500}))["items"]) == before
        )
