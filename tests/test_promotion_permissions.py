"""Changes to partners, activities, press contacts, outreach and content: only the county
(and national) may make them."""

from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, if_match, make_stage, ok, tour_with_counties


def _targets(callers: Callers) -> list[tuple[str, dict[str, Any]]]:
    stage = make_stage(callers.county_15, tour_with_counties(callers.national)["id"])
    partner = ok(
        callers.county_15.post(
            f"{API}/partners", json={"county": "15", "name": "P", "kind": "other"}
        ),
        201,
    )
    contact = ok(
        callers.county_15.post(
            f"{API}/press-contacts", json={"county": "15", "outlet": "O", "kind": "paper"}
        ),
        201,
    )
    base = f"{API}/stages/{stage['id']}"
    activity = ok(
        callers.county_15.post(f"{base}/activities", json={"kind": "other", "title": "A"}), 201
    )
    outreach = ok(
        callers.county_15.post(
            f"{base}/outreach", json={"contacted_at": "2026-05-01T10:00:00Z", "channel": "email"}
        ),
        201,
    )
    content = ok(callers.county_15.post(f"{base}/content", json={"kind": "article"}), 201)
    return [
        (f"{API}/partners/{partner['id']}", {"notes": "x"}),
        (f"{API}/press-contacts/{contact['id']}", {"notes": "x"}),
        (f"{base}/activities/{activity['id']}", {"title": "B"}),
        (f"{base}/outreach/{outreach['id']}", {"outcome": "x"}),
        (f"{base}/content/{content['id']}", {"caption": "x"}),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("reader", 403), ("reader_personal", 403), ("county_50", 403)],
)
def test_only_the_county_changes_and_deletes(callers: Callers, who: str, status: int) -> None:
    client = getattr(callers, who)
    for url, change in _targets(callers):
        assert (
            client.patch(url, json=change, headers=if_match(client, url)).status_code == status
        ), url
        assert client.delete(url, headers=if_match(client, url)).status_code == status, url


def test_the_county_and_national_may(callers: Callers) -> None:
    targets = _targets(callers)
    for url, change in targets:
        assert (
            callers.county_15.patch(
                url, json=change, headers=if_match(callers.county_15, url)
            ).status_code
            == 200
        ), url
        assert (
            callers.national.delete(url, headers=if_match(callers.national, url)).status_code == 204
        ), url
