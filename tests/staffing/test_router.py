import io
from typing import Any

import openpyxl

from tests.conftest import Callers
from tests.factories import (
    API,
    add_rider,
    leg_keys,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)


def roles(staffing: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {
        r["role"]: (r["needed"], r["confirmed"], r["invited"], r["missing"])
        for r in staffing["roles"]
    }


def test_needs_against_confirmed_and_invited(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(
        callers.county_15,
        tour["id"],
        bikes=2,
        needs={"cyclists": 3, "passengers": 4, "team": {"stage_leader": 1, "first_aid": 1}},
    )
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    people = [
        make_person(
            callers.county_15, name=f"P{n}", email=f"p{n}@example.org", pilot_trained=n != 1
        )
        for n in range(6)
    ]
    riders = f"{API}/stages/{stage['id']}/riders"
    first, second = leg_keys(callers.anonymous, stage["id"])
    add_rider(
        callers.county_15, stage["id"], person_id=people[0]["id"], role="pilot", status="confirmed"
    )
    ok(
        callers.county_15.post(
            riders, json={"person_id": people[1]["id"], "role": "pilot", "legs": [second]}
        ),
        201,
    )
    add_rider(
        callers.county_15,
        stage["id"],
        person_id=people[2]["id"],
        role="cyclist",
        status="confirmed",
    )
    add_rider(
        callers.county_15,
        stage["id"],
        person_id=people[3]["id"],
        role="passenger",
        status="confirmed",
        legs=[first],
    )
    ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/team",
            json={"person_id": people[4]["id"], "role": "stage_leader"},
        ),
        201,
    )

    staffing = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/staffing"))
    assert roles(staffing) == {
        "pilot": (2, 1, 1, 1),
        "cyclist": (3, 1, 0, 2),
        "passenger": (4, 1, 0, 3),
        "first_aid": (1, 0, 0, 1),
        "stage_leader": (1, 1, 0, 0),
    }
    leg_two = next(leg for leg in staffing["legs"] if leg["key"] == second)
    assert leg_two["number"] == 2
    assert {r["role"]: (r["confirmed"], r["invited"]) for r in leg_two["roles"]} == {
        "pilot": (1, 1),
        "cyclist": (1, 0),
        "passenger": (0, 0),
    }
    assert f"passenger (leg {second})" in {g["role"] for g in staffing["gaps"]}
    assert [w["code"] for w in staffing["warnings"]] == ["pilot_not_trained"]
    assert "P1" not in str(staffing)

    tour_view = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/staffing"))
    (county,) = tour_view["counties"]
    assert county["county"] == "15"
    assert county["needed"] == 11
    assert county["confirmed"] == 4
    assert county["percent_staffed"] == round(100 * 4 / 11, 1)


def test_unknown_stage_and_tour(callers: Callers) -> None:
    problem(callers.anonymous.get(f"{API}/stages/999/staffing"), 404, "stage_not_found")
    problem(callers.anonymous.get(f"{API}/tours/999/staffing"), 404, "tour_not_found")


def test_staffing_lists_as_workbooks(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"], needs={"cyclists": 2, "team": {"host": 1}})
    person = make_person(callers.county_15, name="=Kari Formel")
    add_rider(
        callers.county_15, stage["id"], person_id=person["id"], role="cyclist", status="confirmed"
    )
    url = f"{API}/stages/{stage['id']}/staffing.xlsx"
    response = callers.county_15.get(url)
    assert "bemanning etappe 1" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Behov", "Deletapper", "Mannskap"]
    needs = {row[1]: row for row in book["Behov"].iter_rows(min_row=2, values_only=True)}
    assert needs["cyclist"][:6] == ("syklist", "cyclist", 2, 1, 0, 1)
    assert needs["host"][0] == "vert i mål"
    (crew,) = book["Mannskap"].iter_rows(min_row=2)
    assert [c.value for c in crew][4] == "=Kari Formel"
    assert crew[4].data_type == "s"  # a name, never a formula
    public = openpyxl.load_workbook(io.BytesIO(callers.anonymous.get(url).content))
    assert [c.value for c in public["Mannskap"][1]] == ["rolle", "role", "legs", "status"]
    tour_book = openpyxl.load_workbook(
        io.BytesIO(callers.anonymous.get(f"{API}/tours/{tour['id']}/staffing.xlsx").content)
    )
    assert tour_book.sheetnames == ["Fylker", "Etapper"]
