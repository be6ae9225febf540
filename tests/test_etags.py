"""An ETag changes whenever the body does, and only a strong, current tag satisfies If-Match.

Each case changes one input of a resource's body that is not its own row (an embedded
person or partner, a time computed from the stage, who is asking) and proves the tag moves
and no stale 304 is served.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Callers
from tests.factories import (
    API,
    act,
    etag,
    if_match,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)

World = dict[str, Any]


@pytest.fixture
def world(callers: Callers) -> World:
    county = callers.county_15
    tour = tour_with_counties(callers.national)
    stage = make_stage(county, tour["id"])
    upload(county, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    person = make_person(county)
    base = f"{API}/stages/{stage['id']}"
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
    contact = ok(
        county.post(
            f"{API}/press-contacts",
            json={"county": "15", "outlet": "Sunnmørsposten", "kind": "paper"},
        ),
        201,
    )
    member = ok(county.post(f"{base}/team", json={"person_id": person["id"], "role": "host"}), 201)
    rider = ok(
        county.post(f"{base}/riders", json={"person_id": person["id"], "role": "pilot"}), 201
    )
    activity = ok(
        county.post(
            f"{base}/activities",
            json={
                "kind": "activity",
                "title": "Kaffe",
                "km": 3,
                "minutes_from_passage": 0,
                "person_ids": [person["id"]],
                "partner_ids": [partner["id"]],
            },
        ),
        201,
    )
    measure = ok(
        county.post(
            f"{base}/measures",
            json={
                "kind": "first_aid",
                "title": "Førstehjelp",
                "responsible_person_id": person["id"],
            },
        ),
        201,
    )
    by_partner = ok(
        county.post(
            f"{base}/measures",
            json={"kind": "other", "title": "Vakt", "responsible_partner_id": partner["id"]},
        ),
        201,
    )
    outreach = ok(
        county.post(
            f"{base}/outreach",
            json={
                "press_contact_id": contact["id"],
                "contacted_at": "2026-05-20T10:00:00+02:00",
                "channel": "email",
            },
        ),
        201,
    )
    return {
        "stage": f"{base}",
        "person": f"{API}/people/{person['id']}",
        "partner": f"{API}/partners/{partner['id']}",
        "contact": f"{API}/press-contacts/{contact['id']}",
        "member": f"{base}/team/{member['id']}",
        "rider": f"{base}/riders/{rider['id']}",
        "activity": f"{base}/activities/{activity['id']}",
        "measure": f"{API}/measures/{measure['id']}",
        "by_partner": f"{API}/measures/{by_partner['id']}",
        "outreach": f"{base}/outreach/{outreach['id']}",
    }


def patch(client: TestClient, url: str, body: dict[str, Any]) -> None:
    ok(client.patch(url, json=body, headers=if_match(client, url)))


Change = Callable[[Callers, World], None]

# (resource read, what changes, how): none of these touches the resource's own row.
CASES: list[tuple[str, str, Change]] = [
    ("member", "person name", lambda c, w: patch(c.county_15, w["person"], {"name": "Kari"})),
    ("member", "person phone", lambda c, w: patch(c.county_15, w["person"], {"phone": "41234567"})),
    ("rider", "person e-mail", lambda c, w: patch(c.county_15, w["person"], {"email": "k@x.no"})),
    (
        "rider",
        "warning from the person",
        lambda c, w: patch(c.county_15, w["person"], {"pilot_trained": True}),
    ),
    ("partner", "contact's name", lambda c, w: patch(c.county_15, w["person"], {"name": "Per"})),
    ("activity", "person's name", lambda c, w: patch(c.county_15, w["person"], {"name": "Per"})),
    ("activity", "partner's name", lambda c, w: patch(c.county_15, w["partner"], {"name": "Lag"})),
    (
        "activity",
        "computed time (stage start)",
        lambda c, w: patch(c.county_15, w["stage"], {"start_time": "13:00"}),
    ),
    (
        "measure",
        "responsible's name",
        lambda c, w: patch(c.county_15, w["person"], {"name": "Per"}),
    ),
    (
        "by_partner",
        "responsible partner's name",
        lambda c, w: patch(c.county_15, w["partner"], {"name": "Lag"}),
    ),
    (
        "outreach",
        "press contact's outlet",
        lambda c, w: patch(c.county_15, w["contact"], {"outlet": "NRK"}),
    ),
]


@pytest.mark.parametrize(
    ("resource", "change"), [(r, c) for r, _, c in CASES], ids=[f"{r}: {n}" for r, n, _ in CASES]
)
def test_the_tag_moves_with_what_the_body_embeds(
    callers: Callers, world: World, resource: str, change: Change
) -> None:
    url = world[resource]
    before = callers.county_15.get(url)
    tag = before.headers["ETag"]
    change(callers, world)
    after = callers.county_15.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200, "a stale 304 for a body that changed"
    assert after.json() != before.json()
    assert after.headers["ETag"] != tag
    again = callers.county_15.get(url, headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("resource", ["member", "rider", "partner", "activity", "measure"])
def test_who_may_see_what_is_part_of_the_tag(callers: Callers, world: World, resource: str) -> None:
    url = world[resource]
    full = callers.county_15.get(url)
    public = callers.anonymous.get(url, headers={"If-None-Match": full.headers["ETag"]})
    assert public.status_code == 200
    assert public.headers["ETag"] != full.headers["ETag"]
    assert public.headers["Vary"] == "Authorization, Accept-Encoding"


def test_a_write_answers_with_the_tag_a_following_get_gives(callers: Callers, world: World) -> None:
    county = callers.county_15
    person = ok(county.get(world["person"]))
    created = county.post(
        world["stage"] + "/team", json={"person_id": person["id"], "role": "scout"}
    )
    assert created.status_code == 201
    assert created.headers["ETag"] == etag(county, created.headers["Location"])
    for resource, body in [
        ("member", {"role": "sweep"}),
        ("rider", {"status": "confirmed"}),
        ("activity", {"title": "Vafler"}),
        ("measure", {"title": "Hjertestarter"}),
        ("partner", {"notes": "Takk"}),
    ]:
        url = world[resource]
        response = county.patch(url, json=body, headers=if_match(county, url))
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == etag(county, url), resource
    submitted = act(county, world["measure"], "submit")
    assert submitted.headers["ETag"] == etag(county, world["measure"])
    reported = act(county, world["stage"] + "/route", "report")
    assert reported.headers["ETag"] == etag(county, world["stage"] + "/route")


@pytest.mark.parametrize(
    "header",
    [
        "W/{tag}",  # weak: never satisfies If-Match (RFC 9110 §13.1.1)
        "{bare}",  # unquoted
        '"{bare}',  # unterminated
        "{tag}; x",  # junk after the tag
        '"1"',  # a row version, not this representation
    ],
)
def test_weak_malformed_and_version_tags_never_match(
    callers: Callers, world: World, header: str
) -> None:
    url = world["member"]
    tag = etag(callers.county_15, url)
    sent = header.format(tag=tag, bare=tag.strip('"'))
    problem(
        callers.county_15.patch(url, json={"role": "sweep"}, headers={"If-Match": sent}),
        412,
        "precondition_failed",
    )
    # The strong tag itself, alone or in a list, does.
    listed = f'"other", {tag}'
    ok(callers.county_15.patch(url, json={"role": "sweep"}, headers={"If-Match": listed}))
