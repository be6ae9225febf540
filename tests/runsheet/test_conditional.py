"""The run sheets' conditional requests (their busiest): the ETag is worked out from a few
Core statements without loading the tour or building, and answers 304 only while nothing
the sheet shows has changed: the tour's version, any write (an audit entry), and the clock
for a sheet that shows a stage whose forecast still moves."""

from typing import Any

import pytest

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.factories import API, if_match, ok, problem
from tests.runsheet import test_fragments, test_router
from tests.runsheet.test_fragments import ok_response

tour = test_router.tour  # the two-stage tour: county 15 rides 3 June, county 50 on 10 June
riding = test_fragments.riding  # 3 June, 11:00 in Oslo: the first stage rides today


def sheets(t: dict[str, Any]) -> list[str]:
    national = f"{API}/tours/{t['id']}/run-sheet"
    stage = f"{API}/stages/{t['first']['id']}/run-sheet"
    return [
        national,
        f"{national}.csv",
        f"{national}.ics",
        f"{national}.xlsx",  # never compressed: its Vary has no Accept-Encoding, nor its 304's
        stage,
        f"{stage}.gpx",
        f"{stage}.xlsx",
    ]


def test_every_sheet_answers_304_with_the_tag_and_vary_of_its_200(
    callers: Callers, tour: dict[str, Any]
) -> None:
    for url in sheets(tour):
        full = ok_response(callers.national.get(url))
        again = callers.national.get(url, headers={"If-None-Match": full.headers["etag"]})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == full.headers["etag"]
        assert again.headers["vary"] == full.headers["vary"]


@pytest.mark.parametrize(
    "accept",
    ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"],
)
def test_a_negotiated_sheet_answers_304_with_the_vary_of_its_200(
    callers: Callers, tour: dict[str, Any], accept: str
) -> None:
    url = f"{API}/tours/{tour['id']}/run-sheet"
    headers = {"Accept": accept, "Accept-Encoding": "gzip"}
    full = ok_response(callers.national.get(url, headers=headers))
    again = callers.national.get(url, headers={**headers, "If-None-Match": full.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["vary"] == full.headers["vary"]


def test_the_tag_changes_with_the_tour_version_and_with_any_write(
    callers: Callers, tour: dict[str, Any]
) -> None:
    held = {url: callers.national.get(url).headers["etag"] for url in sheets(tour)}
    tour_url = f"{API}/tours/{tour['id']}"
    response = callers.national.patch(
        tour_url, json={"description": "Ny tekst"}, headers=if_match(callers.national, tour_url)
    )
    ok(response)
    for url, tag in held.items():
        again = callers.national.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 200, url
        assert again.headers["etag"] != tag
        held[url] = again.headers["etag"]
    # A write to the other stage is an audit entry: every sheet's tag moves with it.
    other = f"{API}/stages/{tour['second']['id']}"
    ok(
        callers.national.patch(
            other, json={"name": "Nytt navn"}, headers=if_match(callers.national, other)
        )
    )
    for url, tag in held.items():
        again = callers.national.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 200, url
        assert again.headers["etag"] != tag


# (query of the national sheet or which stage's sheet, whether it shows the first stage,
# which rides today and has not finished, so its expected times move with the clock)
NARROWED: dict[str, tuple[str | dict[str, str], bool]] = {
    "national": ({}, True),
    "county 15": ({"county": "15"}, True),
    "county 50": ({"county": "50"}, False),
    "from 4 June": ({"date_from": "2026-06-04"}, False),
    "to 3 June": ({"date_to": "2026-06-03"}, True),
    "3 June, county 50": (
        {"date_from": "2026-06-03", "date_to": "2026-06-03", "county": "50"},
        False,
    ),
    "3 June only": ({"date_from": "2026-06-03", "date_to": "2026-06-03"}, True),
    "first stage": ("first", True),
    "second stage": ("second", False),
}


@pytest.mark.parametrize("case", list(NARROWED), ids=list(NARROWED))
def test_the_clock_is_in_the_tag_of_exactly_the_sheets_that_show_a_moving_stage(
    callers: Callers, tour: dict[str, Any], riding: FixedClock, case: str
) -> None:
    asked, moves = NARROWED[case]
    params: dict[str, str] = {}
    if isinstance(asked, str):
        url = f"{API}/stages/{tour[asked]['id']}/run-sheet"
    else:
        url, params = f"{API}/tours/{tour['id']}/run-sheet", asked
    tag = ok_response(callers.national.get(url, params=params)).headers["etag"]
    again = callers.national.get(url, params=params, headers={"If-None-Match": tag})
    assert again.status_code == 304
    riding.advance(minutes=30)
    later = callers.national.get(url, params=params, headers={"If-None-Match": tag})
    assert later.status_code == (200 if moves else 304), later.text


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_a_missing_tour_or_stage_is_404_also_when_any_tag_is_held(
    callers: Callers, suffix: str
) -> None:
    for url, code in [
        (f"{API}/tours/999999/run-sheet{suffix}", "tour_not_found"),
        (f"{API}/stages/999999/run-sheet{suffix}", "stage_not_found"),
    ]:
        problem(callers.national.get(url), 404, code)
        problem(callers.national.get(url, headers={"If-None-Match": "*"}), 404, code)
