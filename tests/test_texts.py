"""Public-facing texts speak bokmål or nynorsk: every enum value has both words, the
language is negotiated, and no English enum value leaks into what the public reads."""

import re
from enum import StrEnum
from typing import Any

import pytest

from sykkelturen.activities.models import ActivityKind, ActivityStatus
from sykkelturen.checkpoints.models import CheckpointKind
from sykkelturen.measures.models import MeasureKind
from sykkelturen.riders.models import RiderRole, RiderStatus
from sykkelturen.routes.models import RouteStatus
from sykkelturen.stages.models import TeamRole
from sykkelturen.texts import LABELS, Lang, from_accept_language
from tests.conftest import Callers
from tests.factories import (
    API,
    add_rider,
    if_match,
    leg_keys,
    make_person,
    make_stage,
    ok,
    tour_with_counties,
    upload,
)

ENUMS: dict[str, type[StrEnum]] = {
    "team_role": TeamRole,
    "rider_role": RiderRole,
    "rider_status": RiderStatus,
    "checkpoint_kind": CheckpointKind,
    "activity_kind": ActivityKind,
    "activity_status": ActivityStatus,
    "measure_kind": MeasureKind,
    "route_status": RouteStatus,
}
NORWEGIAN = {
    word.casefold() for table in LABELS.values() for pair in table.values() for word in pair
}
# English values that are not also the Norwegian word (pilot, start, media … are both).
ENGLISH = sorted(
    {v.value for enum in ENUMS.values() for v in enum} - NORWEGIAN,
    key=len,
    reverse=True,
)


@pytest.mark.parametrize("group", sorted(ENUMS))
def test_every_value_has_bokmal_and_nynorsk(group: str) -> None:
    assert set(LABELS[group]) == {v.value for v in ENUMS[group]}
    for bokmal, nynorsk in LABELS[group].values():
        assert bokmal
        assert nynorsk


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, None),
        ("nn", Lang.nn),
        ("nn-NO,nb;q=0.8", Lang.nn),
        ("nb;q=0.5, nn;q=0.9", Lang.nn),
        ("no", Lang.nb),
        ("en-GB,en;q=0.9", None),
        ("en, nn;q=0", None),
        ("de, nb-NO;q=0.3", Lang.nb),
    ],
)
def test_accept_language(header: str | None, lang: Lang | None) -> None:
    assert from_accept_language(header) == lang


@pytest.fixture
def everything(callers: Callers) -> dict[str, Any]:
    """A stage with a place of every kind, every team role, riders of every status and
    role, every activity kind (public), a measure of every kind."""
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    route = upload(callers.county_15, stage["id"], "stage_valldal_stordal.gpx")
    points = f"{API}/stages/{stage['id']}/checkpoints"
    for number, kind in enumerate(v.value for v in CheckpointKind):
        km = route["distance_m"] / 1000 if kind == "finish" else number * 1.5
        ok(
            callers.county_15.post(points, json={"name": f"Sted {number}", "kind": kind, "km": km}),
            201,
        )
    person = make_person(callers.county_15)
    for role in (v.value for v in TeamRole):
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/team", json={"person_id": person["id"], "role": role}
            ),
            201,
        )
    # The person: an invited pilot and a confirmed cyclist; others hold the other places.
    riders = [(person, "pilot", "invited"), (person, "cyclist", "confirmed")]
    for number, (role, status) in enumerate(
        [
            ("pilot", "confirmed"),
            ("cyclist", "invited"),
            ("passenger", "invited"),
            ("passenger", "confirmed"),
        ]
    ):
        other = make_person(callers.county_15, name=f"Rytter {number}", email=f"r{number}@x.no")
        riders.append((other, role, status))
    first_leg = leg_keys(callers.anonymous, stage["id"])[0]
    for who, role, status in riders:
        add_rider(
            callers.county_15,
            stage["id"],
            person_id=who["id"],
            role=role,
            status=status,
            legs=[first_leg],
        )
    for number, activity_kind in enumerate(v.value for v in ActivityKind):
        activity = ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/activities",
                json={
                    "kind": activity_kind,
                    "title": f"Arrangement {number}",
                    "public": True,
                    "km": 1 + number,
                    "minutes_from_passage": 5,
                },
            ),
            201,
        )
        url = f"{API}/stages/{stage['id']}/activities/{activity['id']}"
        ok(
            callers.county_15.patch(
                url, json={"status": "planned"}, headers=if_match(callers.county_15, url)
            )
        )
    for number, measure_kind in enumerate(v.value for v in MeasureKind):
        ok(
            callers.county_15.post(
                f"{API}/stages/{stage['id']}/measures",
                json={"kind": measure_kind, "title": f"Tiltak {number}", "km": 2 + number},
            ),
            201,
        )
    return {"tour": tour, "stage": stage, "person": person}


def leaks(text: str) -> list[str]:
    # Machine ids in calendars (UID:activity-3@…) are not text anyone reads.
    readable = "\n".join(line for line in text.splitlines() if not line.startswith("UID:"))
    return [
        word for word in ENGLISH if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", readable)
    ]


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_no_english_enum_value_leaks(
    callers: Callers, everything: dict[str, Any], lang: str
) -> None:
    stage, tour = everything["stage"], everything["tour"]
    params = {"lang": lang}
    subscription = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/team/calendar-subscriptions", json={"lang": lang}
        ),
        201,
    )
    person_feed = ok(
        callers.county_15.post(
            f"{API}/people/{everything['person']['id']}/calendar-subscriptions", json={"lang": lang}
        ),
        201,
    )
    outputs = {
        "press sheet (md)": callers.anonymous.get(
            f"{API}/stages/{stage['id']}/press-sheet", params=params
        ),
        "press sheet (html)": callers.anonymous.get(
            f"{API}/stages/{stage['id']}/press-sheet", params={**params, "format": "html"}
        ),
        "stage calendar": callers.anonymous.get(
            f"{API}/stages/{stage['id']}/run-sheet.ics", params=params
        ),
        "national calendar": callers.anonymous.get(
            f"{API}/tours/{tour['id']}/run-sheet.ics", params={**params, "checkpoints": True}
        ),
        "events calendar": callers.anonymous.get(
            f"{API}/tours/{tour['id']}/events.ics", params=params
        ),
        "team feed": callers.anonymous.get(subscription["url"]),
        "person feed": callers.anonymous.get(person_feed["url"]),
        "profile": callers.anonymous.get(
            f"{API}/stages/{stage['id']}/route/profile.svg", params=params
        ),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        assert response.headers["content-language"] == lang, name
        assert leaks(response.text) == [], name
    events = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/events", params=params))["items"]
    assert len(events) == len(ActivityKind)
    for event in events:
        assert leaks(event["kind_label"] + " " + event["status_label"]) == []
