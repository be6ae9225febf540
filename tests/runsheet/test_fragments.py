"""The national run sheet is built from per-stage fragments kept per worker: every kind of
change must change the sheet and its ETag, and what is served must equal a build from
nothing (no kept fragment or body), so nothing stale is ever served."""

import datetime as dt
import gzip
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sykkelturen import compression
from sykkelturen.clock import FixedClock, SystemClock, today_in
from sykkelturen.runsheet import fragments, gather, service
from tests.conftest import Callers
from tests.factories import API, add_rider, if_match, make_person, make_stage, ok, upload
from tests.runsheet import test_router
from tests.test_compression import count_deflates

tour = test_router.tour  # the two-stage tour, as a fixture here too
Change = Callable[[Callers, dict[str, Any]], object]


def pull(client: TestClient, tour_id: int) -> tuple[str, dict[str, Any]]:
    response = ok_response(client.get(f"{API}/tours/{tour_id}/run-sheet"))
    body = response.json()
    body.pop("generated_at")
    return response.headers["etag"], body


def ok_response(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response


def forget_everything() -> None:
    """Drop what a worker keeps between sheets: bodies, fragments, rows and route stats."""
    fragments._fragments.values.clear()
    service._bodies.values.clear()
    gather._rows.values.clear()
    gather._stats.values.clear()


def from_nothing(client: TestClient, tour_id: int) -> dict[str, Any]:
    """The sheet as a worker that has kept nothing builds it."""
    forget_everything()
    return pull(client, tour_id)[1]


def patch(client: TestClient, url: str, body: dict[str, Any]) -> None:
    ok(client.patch(url, json=body, headers=if_match(client, url)))


def delete(client: TestClient, url: str) -> None:
    response = client.delete(url, headers=if_match(client, url))
    assert response.status_code == 204, response.text


def first(t: dict[str, Any]) -> str:
    return f"{API}/stages/{t['first']['id']}"


def second(t: dict[str, Any]) -> str:
    return f"{API}/stages/{t['second']['id']}"


def items(client: TestClient, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(client.get(url))["items"]
    return found


def measure_url(c: Callers, t: dict[str, Any]) -> str:
    return f"{API}/measures/{items(c.county_15, f'{first(t)}/measures')[0]['id']}"


def _partner_measure(c: Callers, t: dict[str, Any]) -> None:
    partner = ok(
        c.county_15.post(
            f"{API}/partners",
            json={"county": "15", "name": "Fjord kommune", "kind": "municipality"},
        ),
        201,
    )
    ok(
        c.county_15.post(
            f"{first(t)}/measures",
            json={
                "kind": "first_aid",
                "title": "Førstehjelp",
                "responsible_partner_id": partner["id"],
            },
        ),
        201,
    )


def _rename_partner(c: Callers, t: dict[str, Any]) -> None:
    (partner,) = items(c.national, f"{API}/partners")
    patch(c.county_15, f"{API}/partners/{partner['id']}", {"name": "Fjord kommune (ny)"})


def _person_measure(c: Callers, t: dict[str, Any]) -> None:
    person = make_person(c.county_15, name="Per Vakt", email="per@example.org")
    ok(
        c.county_15.post(
            f"{first(t)}/measures",
            json={
                "kind": "road_crossing",
                "title": "Kryssing",
                "responsible_person_id": person["id"],
            },
        ),
        201,
    )


def _team_person(c: Callers, t: dict[str, Any]) -> None:
    (member,) = items(c.county_15, f"{first(t)}/team")
    patch(c.county_15, f"{API}/people/{member['person']['id']}", {"phone": "+4791234567"})


CHANGES: dict[str, Change] = {
    "stage edited": lambda c, t: patch(c.national, second(t), {"name": "Nytt navn"}),
    "stage start time": lambda c, t: patch(c.county_15, first(t), {"start_time": "12:00"}),
    "stage deleted": lambda c, t: delete(c.national, second(t)),
    "new route version": lambda c, t: upload(
        c.county_15, t["first"]["id"], "stage_with_waypoints.gpx"
    ),
    "route reported": lambda c, t: ok(
        c.county_15.post(
            f"{first(t)}/route/report", headers=if_match(c.county_15, f"{first(t)}/route")
        )
    ),
    "checkpoint added": lambda c, t: ok(
        c.county_15.post(f"{first(t)}/checkpoints", json={"name": "Kafé", "kind": "rest", "km": 5}),
        201,
    ),
    "checkpoint dwell": lambda c, t: patch(
        c.county_15,
        f"{first(t)}/checkpoints/{items(c.county_15, f'{first(t)}/checkpoints')[1]['id']}",
        {"dwell_minutes": 45},
    ),
    "checkpoint deleted": lambda c, t: delete(
        c.county_15,
        f"{first(t)}/checkpoints/{items(c.county_15, f'{first(t)}/checkpoints')[1]['id']}",
    ),
    "measure added": lambda c, t: ok(
        c.county_15.post(f"{first(t)}/measures", json={"kind": "other", "title": "Ny", "km": 3}),
        201,
    ),
    "measure edited": lambda c, t: patch(
        c.county_15,
        f"{API}/measures/{items(c.county_15, f'{first(t)}/measures')[0]['id']}",
        {"title": "Vakt ved den nye brua"},
    ),
    "measure submitted": lambda c, t: ok(
        c.county_15.post(f"{(m := measure_url(c, t))}/submit", headers=if_match(c.county_15, m))
    ),
    "measure deleted": lambda c, t: delete(
        c.county_15, f"{API}/measures/{items(c.county_15, f'{first(t)}/measures')[0]['id']}"
    ),
    "measure with a partner": _partner_measure,
    "measure with a person": _person_measure,
    "team member added": lambda c, t: ok(
        c.county_15.post(
            f"{first(t)}/team",
            json={
                "person_id": make_person(c.county_15, name="Kari", email="kari@example.org")["id"],
                "role": "safety_lead",
            },
        ),
        201,
    ),
    "team member deleted": lambda c, t: delete(
        c.county_15, f"{first(t)}/team/{items(c.county_15, f'{first(t)}/team')[0]['id']}"
    ),
    "team member's person edited": _team_person,
    "rider invited": lambda c, t: add_rider(
        c.county_15,
        t["first"]["id"],
        person_id=make_person(c.county_15, email="pilot@example.org")["id"],
        role="pilot",
    ),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_every_change_changes_the_sheet_and_nothing_stale_is_served(
    callers: Callers, tour: dict[str, Any], change: str
) -> None:
    tag, before = pull(callers.national, tour["id"])
    pull(callers.anonymous, tour["id"])  # both visibilities kept
    CHANGES[change](callers, tour)
    new_tag, after = pull(callers.national, tour["id"])
    assert new_tag != tag
    assert after != before
    assert after == from_nothing(callers.national, tour["id"])


@pytest.mark.parametrize(
    "then",
    [
        _rename_partner,
        lambda c, t: delete(
            c.national, f"{API}/partners/{items(c.national, f'{API}/partners')[0]['id']}"
        ),
    ],
    ids=["partner renamed", "partner deleted"],
)
def test_a_partner_named_by_a_measure_changes_the_sheet(
    callers: Callers, tour: dict[str, Any], then: Change
) -> None:
    _partner_measure(callers, tour)
    tag, before = pull(callers.national, tour["id"])
    then(callers, tour)
    new_tag, after = pull(callers.national, tour["id"])
    assert new_tag != tag
    assert after != before
    assert after == from_nothing(callers.national, tour["id"])


def test_each_caller_sees_the_contacts_it_may_and_no_other_callers_fragments(
    callers: Callers, tour: dict[str, Any]
) -> None:
    _person_measure(callers, tour)
    pulled = {
        who: pull(getattr(callers, who), tour["id"])
        for who in ("national", "anonymous", "county_15", "county_50")
    }
    for who, (_, body) in pulled.items():
        assert body == from_nothing(getattr(callers, who), tour["id"]), who
    by_stage = {
        who: {s["sequence"]: s["contacts"] is not None for s in body["stages"]}
        for who, (_, body) in pulled.items()
    }
    assert by_stage == {
        "national": {1: True, 2: True},
        "anonymous": {1: False, 2: False},
        "county_15": {1: True, 2: False},
        "county_50": {1: False, 2: True},
    }
    named = {
        who: [m["measure"]["responsible_person"] is not None for m in body["stages"][0]["measures"]]
        for who, (_, body) in pulled.items()
    }
    assert named["national"] == named["county_15"] != named["anonymous"] == named["county_50"]
    assert len({tag for tag, _ in pulled.values()}) == 4


def test_a_measure_turns_overdue_at_midnight(
    callers: Callers, tour: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    today = today_in(tour["time_zone"])
    ok(
        callers.county_15.post(
            f"{first(tour)}/measures",
            json={"kind": "police_notice", "title": "Melding", "due_date": today.isoformat()},
        ),
        201,
    )
    tag, before = pull(callers.national, tour["id"])
    assert before["overdue_measures"] == []
    monkeypatch.setattr(service, "today_in", lambda zone, now=None: today + dt.timedelta(days=1))
    new_tag, after = pull(callers.national, tour["id"])
    assert new_tag != tag
    assert [m["title"] for m in after["overdue_measures"]] == ["Melding"]
    assert after == from_nothing(callers.national, tour["id"])


@pytest.fixture
def riding(app: FastAPI) -> Any:
    clock = FixedClock(dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC))  # 11:00 in Oslo
    app.state.clock = clock
    yield clock
    app.state.clock = SystemClock()


def test_a_log_entry_and_the_clock_change_the_sheet_of_the_day(
    callers: Callers, tour: dict[str, Any], riding: FixedClock
) -> None:
    # A second stage the same day after the first: the finish is carried into its start.
    later = make_stage(callers.county_15, tour["id"], sequence=3, start_time="15:00", name="Etter")
    upload(callers.county_15, later["id"], "stage_valldal_stordal.gpx")
    tag, _ = pull(callers.national, tour["id"])
    riding.advance(hours=3, minutes=40)  # 14:40: the first stage's bikes have not started
    moved_tag, moved = pull(callers.national, tour["id"])
    assert moved_tag != tag
    assert moved == from_nothing(callers.national, tour["id"])
    start = items(callers.county_15, f"{first(tour)}/checkpoints")[0]
    ok(
        callers.county_15.post(
            f"{first(tour)}/log",
            json={
                "kind": "start",
                "occurred_at": "2026-06-03T11:38:00+02:00",
                "checkpoint_id": start["id"],
            },
            headers={"Idempotency-Key": "start-1"},
        ),
        201,
    )
    logged_tag, logged = pull(callers.national, tour["id"])
    assert logged_tag != moved_tag
    assert logged != moved
    assert logged["stages"][0]["day"]["started_at"] == "2026-06-03T11:38:00+02:00"
    # The third stage rides the same day and waits for the bikes: the entry on the first
    # moves its expected times too, so its kept fragment was not reused.
    assert logged["stages"][2]["day"] != moved["stages"][2]["day"]
    assert logged == from_nothing(callers.national, tour["id"])


@pytest.mark.parametrize("sheet", ["national", "stage", "national, stage's county"])
def test_a_past_stage_logged_and_never_finished_is_never_served_stale(
    callers: Callers, tour: dict[str, Any], riding: FixedClock, sheet: str
) -> None:
    """Its expected times move with the clock although no stage rides today: the ETag and
    the kept body follow the clock, so a 304 or a kept body never outlives them."""
    riding.advance(hours=1)  # 12:00 in Oslo
    start = items(callers.county_15, f"{first(tour)}/checkpoints")[0]
    ok(
        callers.county_15.post(
            f"{first(tour)}/log",
            json={
                "kind": "start",
                "occurred_at": "2026-06-03T11:38:00+02:00",
                "checkpoint_id": start["id"],
            },
            headers={"Idempotency-Key": "start-past"},
        ),
        201,
    )
    riding.advance(days=2)  # 5 June: no stage rides; the first was never finished
    url, params = {
        "national": (f"{API}/tours/{tour['id']}/run-sheet", {}),
        "stage": (f"{first(tour)}/run-sheet", {}),
        "national, stage's county": (f"{API}/tours/{tour['id']}/run-sheet", {"county": "15"}),
    }[sheet]

    def day_of_first(response: Any) -> Any:
        body = response.json()
        return body["day"] if sheet == "stage" else body["stages"][0]["day"]

    before = ok_response(callers.national.get(url, params=params))
    riding.advance(minutes=30)
    after = callers.national.get(
        url, params=params, headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200, after.text
    assert after.headers["etag"] != before.headers["etag"]
    assert day_of_first(after)["finish_expected"] != day_of_first(before)["finish_expected"]
    forget_everything()
    assert day_of_first(callers.national.get(url, params=params)) == day_of_first(after)


def test_a_sheet_without_expected_times_keeps_its_etag_as_the_clock_moves(
    callers: Callers, tour: dict[str, Any], riding: FixedClock
) -> None:
    riding.advance(days=2)  # no stage rides, none has a log
    url = f"{API}/tours/{tour['id']}/run-sheet"
    tag = ok_response(callers.national.get(url)).headers["etag"]
    riding.advance(minutes=30)
    assert callers.national.get(url, headers={"If-None-Match": tag}).status_code == 304


# The clock alone: the first stage's log, (kind, time it happened in Oslo, the entry it
# supersedes by index) in the order written at 13:30 (11:30 UTC), and what 30 minutes more
# on the clock do to its sheets: "304", the forecast is settled (finished) and the ETag
# stays; "moves", both the sheet and its ETag change; "new tag", the forecast could still
# move (under way), so the ETag changes though these 30 minutes happen to change nothing.
ENTRIES = list[tuple[str, str, int | None]]
SETTLED, MOVES, NEW_TAG = "304", "moves", "new tag"
CLOCK_CASES: dict[str, tuple[ENTRIES, str]] = {
    "started and arrived": ([("start", "11:38", None), ("arrive", "13:10", None)], SETTLED),
    "cancelled": ([("cancel", "11:20", None)], SETTLED),
    "cancelled after its start": ([("start", "11:38", None), ("cancel", "12:00", None)], SETTLED),
    "started, not arrived": ([("start", "11:38", None)], MOVES),
    "arrived without a start": ([("arrive", "13:10", None)], MOVES),
    "arrival retracted": (
        [("start", "11:38", None), ("arrive", "13:10", None), ("retract", "13:20", 1)],
        MOVES,
    ),
    "arrival corrected by a pass": (
        [("start", "11:38", None), ("arrive", "13:10", None), ("pass", "13:20", 1)],
        NEW_TAG,
    ),
    "arrival happened after the clock (a phone ahead)": (
        [("start", "11:38", None), ("arrive", "13:33", None)],
        NEW_TAG,
    ),
}


def _write_log(c: Callers, t: dict[str, Any], entries: ENTRIES) -> None:
    handover = items(c.county_15, f"{first(t)}/checkpoints")[2]
    written: list[int] = []
    for n, (kind, at, supersedes) in enumerate(entries):
        body: dict[str, Any] = {"kind": kind, "occurred_at": f"2026-06-03T{at}:00+02:00"}
        if kind == "pass":
            body["checkpoint_id"] = handover["id"]
        if supersedes is not None:
            body["supersedes"] = written[supersedes]
        entry = ok(
            c.county_15.post(
                f"{first(t)}/log", json=body, headers={"Idempotency-Key": f"clock-{n}"}
            ),
            201,
        )
        written.append(entry["id"])


@pytest.mark.parametrize("case", list(CLOCK_CASES), ids=list(CLOCK_CASES))
@pytest.mark.parametrize("sheet", ["national", "stage"])
def test_the_clock_changes_the_etag_exactly_when_it_changes_the_sheet(
    callers: Callers, tour: dict[str, Any], riding: FixedClock, case: str, sheet: str
) -> None:
    """A finished stage shows actual times only: its sheets answer 304 as the clock moves,
    and what a worker that kept nothing builds later is the same. A stage still under way
    may move with the clock: the ETag changes with it."""
    entries, outcome = CLOCK_CASES[case]
    riding.advance(hours=2, minutes=30)  # 13:30 in Oslo
    _write_log(callers, tour, entries)
    url = (
        f"{API}/tours/{tour['id']}/run-sheet" if sheet == "national" else f"{first(tour)}/run-sheet"
    )

    def pulled() -> tuple[str, dict[str, Any]]:
        response = ok_response(callers.national.get(url))
        body = response.json()
        body.pop("generated_at", None)
        return response.headers["etag"], body

    tag, before = pulled()
    riding.advance(minutes=30)
    again = callers.national.get(url, headers={"If-None-Match": tag})
    forget_everything()
    new_tag, after = pulled()
    if outcome == SETTLED:
        assert again.status_code == 304
        assert (new_tag, after) == (tag, before)
    else:
        assert again.status_code == 200, again.text
        assert new_tag != tag
        assert (after != before) == (outcome == MOVES)


def test_an_arrival_not_yet_received_by_the_clock_changes_the_etag_when_it_is(
    callers: Callers, tour: dict[str, Any], riding: FixedClock
) -> None:
    """A clock set back before an entry was received shows the log without it; moving on
    past its receipt shows it, and the ETag changes with it though nothing was written."""
    riding.advance(hours=2, minutes=30)  # 13:30 in Oslo: start and arrival received
    _write_log(callers, tour, CLOCK_CASES["started and arrived"][0])
    riding.advance(minutes=-20)  # 13:10: the arrival (received at 13:30) not yet
    url = f"{API}/tours/{tour['id']}/run-sheet"
    before = ok_response(callers.national.get(url))
    riding.advance(minutes=30)  # 13:40: received
    after = callers.national.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200, after.text
    assert after.json()["stages"][0]["day"]["status"] == "arrived"
    assert before.json()["stages"][0]["day"]["status"] != "arrived"


def test_the_gzip_sheet_is_stitched_from_kept_fragments_and_is_the_same_sheet(
    callers: Callers, tour: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The national sheet's gzip compresses only what is not kept: after one stage changed,
    its new fragment and the envelope; the other stage's compressed fragment is reused.
    What the client decodes is the identity body, byte for byte, under the gzip tag."""
    client = callers.national
    url = f"{API}/tours/{tour['id']}/run-sheet"

    def both() -> tuple[Any, bytes, Any, bytes]:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as packed:
            packed_bytes = b"".join(packed.iter_raw())
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        return packed, packed_bytes, plain, plain.content

    packed, packed_bytes, plain, plain_bytes = both()
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.headers["etag"] == compression.gzip_etag(plain.headers["etag"])
    assert gzip.decompress(packed_bytes) == plain_bytes
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)  # as httpx and requests read it
    assert decoder.decompress(packed_bytes) + decoder.flush() == plain_bytes
    assert decoder.eof
    assert decoder.unused_data == b""

    made = count_deflates(monkeypatch)
    patch(client, first(tour), {"name": "Valldal – Stordal (ny)"})
    again, again_bytes, plain_again, plain_again_bytes = both()
    assert again.headers["etag"] == compression.gzip_etag(plain_again.headers["etag"])
    assert again.headers["etag"] != packed.headers["etag"]
    assert again_bytes != packed_bytes
    assert gzip.decompress(again_bytes) == plain_again_bytes
    assert "Valldal – Stordal (ny)" in plain_again_bytes.decode()
    # Compressed again: the envelope before and after the stages, and the changed stage.
    assert len(made) == 3
    assert made[0].startswith(b'{"tour_id"')
    assert made[2].startswith(b"],")
    assert "Valldal – Stordal (ny)".encode() in made[1]


@pytest.mark.parametrize(
    "then",
    [
        lambda c, t, person: patch(c.county_15, f"{API}/people/{person}", {"phone": "+4799887766"}),
        lambda c, t, person: delete(c.county_15, f"{API}/people/{person}"),
    ],
    ids=["person edited", "person deleted"],
)
def test_a_person_named_by_a_measure_changes_the_sheet(
    callers: Callers, tour: dict[str, Any], then: Callable[[Callers, dict[str, Any], int], None]
) -> None:
    """The measure's own row does not change (a deleted person is set null in it without a
    version bump): the kept measure rows must not be reused."""
    _person_measure(callers, tour)
    (named,) = [
        m["responsible_person"]["id"]
        for m in items(callers.county_15, f"{first(tour)}/measures")
        if m["responsible_person"] is not None
    ]
    tag, before = pull(callers.national, tour["id"])
    then(callers, tour, named)
    new_tag, after = pull(callers.national, tour["id"])
    assert new_tag != tag
    assert after != before
    assert after == from_nothing(callers.national, tour["id"])


def statements_of(engine: Engine, request: pytest.FixtureRequest) -> list[str]:
    """The SQL of every statement run on the engine from now on (until the test ends), but
    SQLite's BEGIN."""
    run: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement != "BEGIN":
            run.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    request.addfinalizer(lambda: sa.event.remove(engine, "before_cursor_execute", record))
    return run


def test_the_versions_are_read_in_two_statements_however_many_stages(
    callers: Callers, tour: dict[str, Any], engine: Engine, request: pytest.FixtureRequest
) -> None:
    """Every statement is a round trip on PostgreSQL: the versions of every stage (their
    rows, current routes and every part) in two, and the stats of a route version once per
    worker."""
    forget_everything()
    run = statements_of(engine, request)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        first_read = gather.versions(session, tour["id"], now)
        assert len(run) == 3  # stages and routes, the routes' stats, the parts
        stats = [v.route.stats for v in first_read.values() if v.route is not None]
        assert len(stats) == 2
        assert all(s is not None and s["distance_m"] > 0 for s in stats)
        run.clear()
        assert gather.versions(session, tour["id"], now) == first_read
        assert len(run) == 2
    for n in range(3, 6):
        make_stage(callers.county_15, tour["id"], sequence=n, name=f"Etappe {n}")
    with Session(engine) as session:
        run.clear()
        assert len(gather.versions(session, tour["id"], now)) == 5
        assert len(run) == 2


def test_the_current_route_versions_are_read_without_reading_a_route_row(
    engine: Engine,
) -> None:
    """On SQLite a route row's columns after the original file are reached through the file's
    pages: the read is answered from `ix_route_version_current` alone."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    sql = str(gather._STAGES_AND_ROUTES.compile(engine))
    with engine.connect() as connection:
        plan = " | ".join(
            row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1,))
        )
    assert "route_version USING COVERING INDEX ix_route_version_current" in plan, plan


def test_a_stage_rebuilt_for_its_own_row_reuses_its_kept_checkpoints_and_measures(
    callers: Callers, tour: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming a stage rebuilds its fragment (and the others of its day) from its stage row
    alone; the sheet is still the one built from nothing."""
    pull(callers.national, tour["id"])
    read: list[object] = []
    records = gather._records

    def spy(result: Any) -> Any:
        read.append(result)
        return records(result)

    monkeypatch.setattr(gather, "_records", spy)
    patch(callers.national, second(tour), {"name": "Nytt navn"})
    _, after = pull(callers.national, tour["id"])
    assert [s["name"] for s in after["stages"]][1] == "Nytt navn"
    assert read == []  # neither checkpoint nor measure rows
    assert after == from_nothing(callers.national, tour["id"])
    assert len(read) == 2  # from nothing: both
