import pytest
from fastapi.testclient import TestClient

from tests.factories import API, ok, problem


class TestCounties:
    def test_both_sets_are_seeded(self, client: TestClient) -> None:
        everything = ok(client.get(f"{API}/counties", params={"limit": 100}))["items"]
        assert len(everything) == 18  # 11 + 15, with 8 counties in both sets

    @pytest.mark.parametrize(
        ("year", "count"), [(2020, 11), (2022, 11), (2023, 11), (2024, 15), (2026, 15)]
    )
    def test_sets_by_year(self, client: TestClient, year: int, count: int) -> None:
        items = ok(client.get(f"{API}/counties", params={"year": year}))["items"]
        assert len(items) == count
        assert [c["number"] for c in items] == sorted(c["number"] for c in items)

    @pytest.mark.parametrize(
        ("old", "new"), [("30", ["31", "32", "33"]), ("38", ["39", "40"]), ("54", ["55", "56"])]
    )
    def test_2024_split(self, client: TestClient, old: str, new: list[str]) -> None:
        county = ok(client.get(f"{API}/counties/{old}"))
        assert county["valid_to"] == 2023
        assert county["succeeded_by"] == new
        for number in new:
            successor = ok(client.get(f"{API}/counties/{number}"))
            assert successor["preceded_by"] == [old]
            assert successor["valid_from"] == 2024

    def test_unchanged_county(self, client: TestClient) -> None:
        agder = ok(client.get(f"{API}/counties/42"))
        assert agder == {
            "number": "42",
            "name": "Agder",
            "official_name": "Agder",
            "valid_from": 2020,
            "valid_to": None,
            "preceded_by": [],
            "succeeded_by": [],
        }

    def test_pages(self, client: TestClient) -> None:
        first = ok(client.get(f"{API}/counties", params={"limit": 10}))
        rest = ok(
            client.get(f"{API}/counties", params={"limit": 10, "cursor": first["next_cursor"]})
        )
        numbers = [c["number"] for c in first["items"] + rest["items"]]
        assert len(numbers) == 18
        assert len(set(numbers)) == 18
        assert rest["next_cursor"] is None

    def test_unknown_is_404(self, client: TestClient) -> None:
        problem(client.get(f"{API}/counties/99"), 404, "county_not_found")

    @pytest.mark.parametrize("number", ["4", "042", "ab"])
    def test_malformed_number_is_422(self, client: TestClient, number: str) -> None:
        problem(client.get(f"{API}/counties/{number}"), 422, "validation_failed")
