"""Erasure is complete: after `DELETE /people/{id}` no column of any table (the audit log
included) and no export holds any of the person's personal values; the audit keeps who did
what, when, to which resource id."""

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sykkelturen.models import metadata
from tests.conftest import Callers
from tests.factories import (
    API,
    act,
    if_match,
    make_person,
    make_stage,
    ok,
    tour_with_counties,
    upload,
)

# One unique marker per personal field (phone: digits a phone number can have).
MARKERS = {
    "name": "Markørnavn Qxzv",
    "email": "markor.qxzv@example.org",
    "phone": "41977531",
    "organisation": "Markørlaget Qxzv",
    "notes": "Markørnotat Qxzv",
    "consent_purpose": "Markørsamtykke Qxzv",
}
RENAMED = "Omdøpt Markør Qxzv"  # a later name: its before and after are personal too
NEEDLES = [*MARKERS.values(), RENAMED, "qxzv"]


def _found(text: str) -> list[str]:
    return [n for n in NEEDLES if n.lower() in text.lower()]


def _patch(client: Any, url: str, body: dict[str, Any]) -> None:
    ok(client.patch(url, json=body, headers=if_match(client, url)))


def test_nothing_of_an_erased_person_is_left(callers: Callers, engine: Engine) -> None:
    county = callers.county_15
    tour = tour_with_counties(callers.national)
    stage = make_stage(county, tour["id"])
    base = f"{API}/stages/{stage['id']}"
    upload(county, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    person = make_person(
        county,
        **MARKERS,
        pilot_trained=True,
        consent_given_at="2026-03-01T10:00:00+01:00",
    )
    other = make_person(county, name="Anne Annen", email="anne@example.org", phone="41000001")
    person_url = f"{API}/people/{person['id']}"
    _patch(county, person_url, {"name": RENAMED})
    _patch(county, person_url, {"name": MARKERS["name"]})

    ok(county.post(f"{base}/team", json={"person_id": person["id"], "role": "stage_leader"}), 201)
    rider = ok(
        county.post(f"{base}/riders", json={"person_id": person["id"], "role": "pilot"}), 201
    )
    _patch(county, f"{base}/riders/{rider['id']}", {"status": "confirmed"})
    activity = ok(
        county.post(
            f"{base}/activities",
            json={"kind": "activity", "title": "Kaffe", "person_ids": [person["id"], other["id"]]},
        ),
        201,
    )
    _patch(county, f"{base}/activities/{activity['id']}", {"title": "Kaffe og vafler"})
    measure = ok(
        county.post(
            f"{base}/measures",
            json={"kind": "first_aid", "title": "Vakt", "responsible_person_id": person["id"]},
        ),
        201,
    )
    measure_url = f"{API}/measures/{measure['id']}"
    ok(act(county, measure_url, "submit"))
    _patch(county, measure_url, {"responsible_person_id": other["id"]})  # reassigned from them
    partner = ok(
        county.post(
            f"{API}/partners",
            json={
                "county": "15",
                "name": "Bygdelaget",
                "kind": "association",
                "contact_person_id": person["id"],
            },
        ),
        201,
    )
    _patch(county, f"{API}/partners/{partner['id']}", {"contact_person_id": other["id"]})
    assert _found(callers.national.get(f"{API}/audit").text)  # the markers are there to find

    assert county.delete(person_url, headers=if_match(county, person_url)).status_code == 204

    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    if isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    assert not _found(text), (table.name, column, text[:300])

    sheet = f"{API}/tours/{tour['id']}/run-sheet"
    exports = [
        *(f"{sheet}?format={f}" for f in ("json", "csv", "ics", "geojson", "gpx")),
        f"{sheet}?format=ics&checkpoints=true",
        f"{base}/run-sheet",
        f"{base}/press-sheet",
        f"{base}/press-sheet?format=html",
        f"{API}/tours/{tour['id']}/events?format=ics",
        f"{API}/people/{other['id']}/export",
        f"{API}/people/{other['id']}/calendar.ics",
        f"{API}/audit?limit=500",
        f"{base}/team",
        f"{base}/riders",
        f"{base}/activities",
        f"{base}/measures",
        f"{base}/staffing",
        f"{API}/partners?county=15",
        f"{API}/people?county=15",
    ]
    for url in exports:
        response = callers.national.get(url)
        assert response.status_code == 200, (url, response.text)
        assert not _found(response.text), url

    # Who did what, when, to which resource is kept.
    entries = ok(callers.national.get(f"{API}/audit", params={"resource_type": "person"}))
    erasure = next(e for e in entries["items"] if e["action"] == "erase")
    assert erasure["resource_id"] == str(person["id"])
    assert erasure["actor_name"] == "Møre og Romsdal contact"
    kept = [e for e in entries["items"] if e["resource_id"] == str(person["id"])]
    assert [e["action"] for e in kept] == ["erase", "update", "update", "create"]
    # The placeholders keep the staffing counts.
    team = ok(callers.national.get(f"{base}/team"))["items"]
    assert [(m["erased"], m["person"]) for m in team] == [(True, None)]
