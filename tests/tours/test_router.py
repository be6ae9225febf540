from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import (
    API,
    add_county,
    etag,
    if_match,
    make_stage,
    make_tour,
    ok,
    problem,
    tour_with_counties,
)


class TestCreateTour:
    def test_ok_with_defaults(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours",
            json={"name": "Sykkelturen 2026", "start_date": "2026-05-20", "end_date": "2026-08-20"},
        )
        tour = ok(response, 201)
        assert response.headers["ETag"] == etag(callers.national, f"{API}/tours/{tour['id']}")
        assert response.headers["Location"].endswith(f"/api/v1/tours/{tour['id']}")
        assert tour["year"] == 2026
        assert tour["time_zone"] == "Europe/Oslo"
        assert tour["speeds_kmh"] == [8.0, 10.0, 12.0]

    @pytest.mark.parametrize(
        ("who", "status", "code"),
        [
            ("county_15", 403, "forbidden"),
            ("reader", 403, "forbidden"),
            ("anonymous", 401, "unauthorized"),
        ],
    )
    def test_only_national(self, callers: Callers, who: str, status: int, code: str) -> None:
        response = getattr(callers, who).post(
            f"{API}/tours", json={"name": "x", "start_date": "2026-05-20", "end_date": "2026-08-20"}
        )
        body = problem(response, status, code)
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "detail" in body

    def test_same_name_is_409(self, callers: Callers) -> None:
        make_tour(callers.national)
        problem(
            callers.national.post(
                f"{API}/tours",
                json={
                    "name": "Sykkelturen 2026",
                    "start_date": "2026-05-20",
                    "end_date": "2026-08-20",
                },
            ),
            409,
            "tour_name_taken",
        )

    @pytest.mark.parametrize(
        "change",
        [
            {"end_date": "2026-05-01"},
            {"time_zone": "Mars/Olympus"},
            {"speeds_kmh": [8, 10, 12, 14, 16, 18]},
            {"year": 2026},
            {"id": 1},
            {"name": "x" * 201},
        ],
    )
    def test_bad_input_is_422(self, callers: Callers, change: dict[str, Any]) -> None:
        data = {"name": "x", "start_date": "2026-05-20", "end_date": "2026-08-20"} | change
        problem(callers.national.post(f"{API}/tours", json=data), 422, "validation_failed")

    def test_wrong_content_type_is_422(self, callers: Callers) -> None:
        response = callers.national.post(
            f"{API}/tours", content=b"name=x", headers={"Content-Type": "text/plain"}
        )
        problem(response, 422, "validation_failed")


class TestReadAndListTours:
    def test_public_read_with_304(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        response = callers.anonymous.get(f"{API}/tours/{tour['id']}")
        assert ok(response) == tour
        assert (
            callers.anonymous.get(
                f"{API}/tours/{tour['id']}", headers={"If-None-Match": response.headers["ETag"]}
            ).status_code
            == 304
        )

    def test_list_pages_and_filters_by_year(self, callers: Callers) -> None:
        for year in (2022, 2024, 2026):
            make_tour(
                callers.national,
                name=f"Tour {year}",
                start_date=f"{year}-05-01",
                end_date=f"{year}-08-01",
            )
        first = ok(callers.anonymous.get(f"{API}/tours", params={"limit": 2}))
        second = ok(
            callers.anonymous.get(
                f"{API}/tours", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        )
        assert [t["name"] for t in first["items"] + second["items"]] == [
            "Tour 2022",
            "Tour 2024",
            "Tour 2026",
        ]
        assert [
            t["year"]
            for t in ok(callers.anonymous.get(f"{API}/tours", params={"year": 2024}))["items"]
        ] == [2024]

    def test_unknown_is_404(self, callers: Callers) -> None:
        problem(callers.anonymous.get(f"{API}/tours/77"), 404, "tour_not_found")


class TestUpdateTour:
    def test_ok(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        url = f"{API}/tours/{tour['id']}"
        before = etag(callers.national, url)
        response = callers.national.patch(
            url, json={"speeds_kmh": [9, 11], "description": "Ny tur"}, headers={"If-Match": before}
        )
        updated = ok(response)
        assert updated["speeds_kmh"] == [9.0, 11.0]
        assert updated["version"] == 2
        assert response.headers["ETag"] == etag(callers.national, url) != before

    def test_stale_is_412_and_missing_is_428(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        url = f"{API}/tours/{tour['id']}"
        problem(
            callers.national.patch(url, json={"description": "a"}, headers={"If-Match": '"9"'}),
            412,
            "precondition_failed",
        )
        problem(callers.national.patch(url, json={"description": "a"}), 428, "if_match_required")

    def test_county_is_403(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.county_15.patch(
                f"{API}/tours/{tour['id']}", json={"description": "a"}, headers={"If-Match": '"1"'}
            ),
            403,
            "forbidden",
        )

    def test_end_before_start_is_422(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.national.patch(
                f"{API}/tours/{tour['id']}",
                json={"end_date": "2026-01-01"},
                headers=if_match(callers.national, f"{API}/tours/{tour['id']}"),
            ),
            422,
            "invalid_date_range",
        )

    def test_shrinking_past_a_county_window_is_409(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        body = problem(
            callers.national.patch(
                f"{API}/tours/{tour['id']}",
                json={"end_date": "2026-06-10"},
                headers=if_match(callers.national, f"{API}/tours/{tour['id']}"),
            ),
            409,
            "county_windows_outside",
        )
        assert "50" in body["detail"]

    def test_time_zone_is_fixed(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.national.patch(
                f"{API}/tours/{tour['id']}", json={"time_zone": "UTC"}, headers={"If-Match": '"1"'}
            ),
            422,
            "validation_failed",
        )


class TestDeleteTour:
    def test_ok_with_counties(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        assert (
            callers.national.delete(
                f"{API}/tours/{tour['id']}",
                headers=if_match(callers.national, f"{API}/tours/{tour['id']}"),
            ).status_code
            == 204
        )
        problem(callers.anonymous.get(f"{API}/tours/{tour['id']}"), 404, "tour_not_found")

    def test_with_stages_is_409(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        make_stage(callers.county_15, tour["id"])
        problem(
            callers.national.delete(
                f"{API}/tours/{tour['id']}",
                headers=if_match(callers.national, f"{API}/tours/{tour['id']}"),
            ),
            409,
            "tour_has_stages",
        )

    def test_county_is_403(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.county_15.delete(f"{API}/tours/{tour['id']}", headers={"If-Match": '"1"'}),
            403,
            "forbidden",
        )


class TestTourCounties:
    def test_add_and_list(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        listing = ok(callers.national.get(f"{API}/tours/{tour['id']}/counties"))
        assert [(c["number"], c["name"]) for c in listing["items"]] == [
            ("15", "Møre og Romsdal"),
            ("50", "Trøndelag"),
        ]
        assert listing["items"][0]["contacts"] == [
            {
                "name": "Kari Nordmann",
                "email": "kari@example.org",
                "phone": "+4791234567",
                "role": None,
            }
        ]

    @pytest.mark.parametrize(
        ("who", "sees"),
        [
            ("anonymous", False),
            ("reader", False),
            ("county_50", False),
            ("county_15", True),
            ("reader_personal", True),
            ("national", True),
        ],
    )
    def test_contacts_only_to_those_allowed(self, callers: Callers, who: str, sees: bool) -> None:
        tour = tour_with_counties(callers.national)
        client = getattr(callers, who)
        one = client.get(f"{API}/tours/{tour['id']}/counties/15")
        listed = ok(client.get(f"{API}/tours/{tour['id']}/counties"))["items"][0]
        for body in (ok(one), listed):
            assert (body["contacts"] is not None) is sees
        if not sees:
            assert "Kari" not in one.text
            assert "91234567" not in one.text
        # the two representations never share an ETag
        other = callers.anonymous if sees else callers.national
        assert one.headers["ETag"] != etag(other, f"{API}/tours/{tour['id']}/counties/15")

    def test_county_invalid_in_tour_year_is_422_with_successors(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        body = problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={"number": "30", "start_date": "2026-06-01", "end_date": "2026-06-07"},
            ),
            422,
            "county_not_valid_in_year",
        )
        assert "31, 32, 33" in body["detail"]

    def test_2024_county_in_2022_tour_is_422(self, callers: Callers) -> None:
        tour = make_tour(callers.national, start_date="2022-05-21", end_date="2022-08-15")
        problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={"number": "55", "start_date": "2022-06-01", "end_date": "2022-06-07"},
            ),
            422,
            "county_not_valid_in_year",
        )

    def test_unknown_county_is_422(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={"number": "99", "start_date": "2026-06-01", "end_date": "2026-06-07"},
            ),
            422,
            "unknown_reference",
        )

    def test_twice_is_409(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={"number": "15", "start_date": "2026-06-01", "end_date": "2026-06-07"},
            ),
            409,
            "tour_county_exists",
        )

    @pytest.mark.parametrize(
        ("window", "code"),
        [
            (("2026-05-01", "2026-05-30"), "outside_tour_dates"),
            (("2026-06-07", "2026-06-01"), "validation_failed"),
        ],
    )
    def test_bad_window_is_422(self, callers: Callers, window: tuple[str, str], code: str) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={"number": "15", "start_date": window[0], "end_date": window[1]},
            ),
            422,
            code,
        )

    @pytest.mark.parametrize(
        "contact",
        [{"name": "A", "email": "not-an-email"}, {"name": "A", "phone": "12"}, {"name": ""}],
    )
    def test_bad_contact_is_422(self, callers: Callers, contact: dict[str, Any]) -> None:
        tour = make_tour(callers.national)
        problem(
            callers.national.post(
                f"{API}/tours/{tour['id']}/counties",
                json={
                    "number": "15",
                    "start_date": "2026-06-01",
                    "end_date": "2026-06-07",
                    "contacts": [contact],
                },
            ),
            422,
            "validation_failed",
        )

    def test_only_national_adds(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        data = {"number": "15", "start_date": "2026-06-01", "end_date": "2026-06-07"}
        problem(
            callers.county_15.post(f"{API}/tours/{tour['id']}/counties", json=data),
            403,
            "forbidden",
        )
        problem(
            callers.anonymous.post(f"{API}/tours/{tour['id']}/counties", json=data),
            401,
            "unauthorized",
        )

    def test_update_window_and_contacts(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        url = f"{API}/tours/{tour['id']}/counties/15"
        first = if_match(callers.national, url)
        updated = ok(
            callers.national.patch(
                url, json={"end_date": "2026-06-06", "contacts": []}, headers=first
            )
        )
        assert updated["end_date"] == "2026-06-06"
        assert updated["contacts"] == []
        problem(
            callers.national.patch(url, json={"end_date": "2026-06-05"}, headers=first),
            412,
            "precondition_failed",
        )
        problem(
            callers.county_15.patch(
                url, json={"end_date": "2026-06-05"}, headers={"If-Match": '"2"'}
            ),
            403,
            "forbidden",
        )

    def test_window_that_strands_a_stage_is_409(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        make_stage(callers.county_15, tour["id"], date="2026-06-07")
        problem(
            callers.national.patch(
                f"{API}/tours/{tour['id']}/counties/15",
                json={"end_date": "2026-06-06"},
                headers=if_match(callers.national, f"{API}/tours/{tour['id']}/counties/15"),
            ),
            409,
            "tour_county_has_stages",
        )

    def test_remove(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        make_stage(callers.county_15, tour["id"])
        url = f"{API}/tours/{tour['id']}/counties"
        problem(
            callers.national.delete(f"{url}/15", headers=if_match(callers.national, f"{url}/15")),
            409,
            "tour_county_has_stages",
        )
        removed = callers.national.delete(
            f"{url}/50", headers=if_match(callers.national, f"{url}/50")
        )
        assert removed.status_code == 204
        problem(callers.anonymous.get(f"{url}/50"), 404, "tour_county_not_found")

    def test_add_county_helper_accepts_overrides(self, callers: Callers) -> None:
        tour = make_tour(callers.national)
        assert (
            add_county(
                callers.national, tour["id"], "42", start_date="2026-08-10", end_date="2026-08-20"
            )["number"]
            == "42"
        )
