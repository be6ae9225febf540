"""Every state change is a versioned write like PATCH: 428 without If-Match, 412 when the
resource changed since it was read, and the new ETag in the answer."""

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


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    return stage


def _measure(callers: Callers, stage: dict[str, Any], *steps: str) -> str:
    measure = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/measures", json={"kind": "first_aid", "title": "Vakt"}
        ),
        201,
    )
    url = f"{API}/measures/{measure['id']}"
    for step in steps:
        client = callers.county_15 if step == "submit" else callers.national
        ok(act(client, url, step))
    return url


Setup = Callable[[Callers, dict[str, Any]], tuple[TestClient, str, str, dict[str, Any] | None]]

# (name, setup) -> the caller, the resource, the action's URL and its body
ACTIONS: dict[str, Setup] = {
    "submit": lambda c, s: (c.county_15, u := _measure(c, s), f"{u}/submit", None),
    "accept": lambda c, s: (c.national, u := _measure(c, s, "submit"), f"{u}/accept", None),
    "return": lambda c, s: (
        c.national,
        u := _measure(c, s, "submit"),
        f"{u}/return",
        {"comment": "Mangler vakt"},
    ),
    "report": lambda c, s: (
        c.county_15,
        u := f"{API}/stages/{s['id']}/route",
        f"{u}/report",
        None,
    ),
}


def _stale_write(callers: Callers, name: str, resource: str) -> None:
    """Somebody else changes the resource after it was read."""
    if name == "report":
        upload(callers.county_15, int(resource.split("/")[-2]), "stage_valldal_stordal.gpx")
    else:
        ok(
            callers.county_15.patch(
                resource, json={"notes": "endret"}, headers=if_match(callers.county_15, resource)
            )
        )
        if name != "submit":  # an edit of a submitted measure leaves it submitted
            assert ok(callers.national.get(resource))["status"] == "submitted"


@pytest.mark.parametrize("name", ACTIONS)
def test_without_if_match_is_428(callers: Callers, stage: dict[str, Any], name: str) -> None:
    client, _, url, body = ACTIONS[name](callers, stage)
    problem(client.post(url, json=body), 428, "if_match_required")


@pytest.mark.parametrize("name", ACTIONS)
def test_stale_is_412_and_changes_nothing(
    callers: Callers, stage: dict[str, Any], name: str
) -> None:
    client, resource, url, body = ACTIONS[name](callers, stage)
    read = if_match(client, resource)
    _stale_write(callers, name, resource)
    now = ok(client.get(resource))
    problem(client.post(url, json=body, headers=read), 412, "precondition_failed")
    assert ok(client.get(resource)) == now


@pytest.mark.parametrize("name", ACTIONS)
def test_current_succeeds_with_the_new_etag(
    callers: Callers, stage: dict[str, Any], name: str
) -> None:
    client, resource, url, body = ACTIONS[name](callers, stage)
    read = if_match(client, resource)
    response = client.post(url, json=body, headers=read)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == etag(client, resource) != read["If-Match"]
    problem(client.post(url, json=body, headers=read), 412, "precondition_failed")


def test_finalize_is_versioned(callers: Callers, stage: dict[str, Any]) -> None:
    route = f"{API}/stages/{stage['id']}/route"
    reported = act(callers.county_15, route, "report")
    problem(callers.national.post(f"{route}/finalize"), 428, "if_match_required")
    # Checkpoints were imported from the file's waypoints: start and finish are there.
    final = callers.national.post(
        f"{route}/finalize", headers={"If-Match": reported.headers["ETag"]}
    )
    assert ok(final)["status"] == "final"
    assert final.headers["ETag"] == etag(callers.national, route)


def test_rider_status_change_is_versioned(callers: Callers, stage: dict[str, Any]) -> None:
    person = make_person(callers.county_15)
    rider = ok(
        callers.county_15.post(
            f"{API}/stages/{stage['id']}/riders",
            json={"person_id": person["id"], "role": "cyclist"},
        ),
        201,
    )
    url = f"{API}/stages/{stage['id']}/riders/{rider['id']}"
    read = if_match(callers.county_15, url)
    problem(callers.county_15.patch(url, json={"status": "confirmed"}), 428, "if_match_required")
    confirmed = callers.county_15.patch(url, json={"status": "confirmed"}, headers=read)
    assert ok(confirmed)["status"] == "confirmed"
    assert confirmed.headers["ETag"] == etag(callers.county_15, url)
    problem(
        callers.county_15.patch(url, json={"status": "declined"}, headers=read),
        412,
        "precondition_failed",
    )


def test_token_revocation_is_versioned(callers: Callers) -> None:
    created = ok(callers.national.post(f"{API}/tokens", json={"name": "x", "role": "reader"}), 201)
    url = f"{API}/tokens/{created['id']}"
    read = if_match(callers.national, url)
    problem(callers.national.delete(url), 428, "if_match_required")
    revoked = callers.national.delete(url, headers=read)
    assert ok(revoked)["revoked_at"] is not None
    assert revoked.headers["ETag"] == etag(callers.national, url)
    # Revoked since it was read: 412; with the tag of the revoked token, harmless.
    problem(callers.national.delete(url, headers=read), 412, "precondition_failed")
    again = callers.national.delete(url, headers={"If-Match": revoked.headers["ETag"]})
    assert ok(again)["revoked_at"] == ok(revoked)["revoked_at"]
