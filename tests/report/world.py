"""A small tour whose report is worked out by hand in the tests.

Møre og Romsdal (15): stage 1 ridden on its planned route, stage 2 cancelled.
Trøndelag (50): stage 3 ridden without a route (distance given by hand), stage 4 not
reported yet. Partners, activities, riders, team, coverage and content around them.
"""

from dataclasses import dataclass
from typing import Any

from tests.conftest import Callers
from tests.factories import (
    API,
    add_rider,
    if_match,
    make_person,
    make_stage,
    ok,
    tour_with_counties,
    upload,
)


@dataclass
class World:
    tour: dict[str, Any]
    stages: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    planned_m: list[float]  # of stages 1 and 2
    outreach: dict[str, Any]
    coverage: list[dict[str, Any]]


def partner(client: Any, county: str, name: str) -> dict[str, Any]:
    return ok(
        client.post(
            f"{API}/partners", json={"county": county, "name": name, "kind": "association"}
        ),
        201,
    )


def activity(client: Any, stage_id: int, title: str, **fields: Any) -> dict[str, Any]:
    """An activity entered as an idea, then moved to `status` (planned unless given)."""
    status = fields.pop("status", "planned")
    data = {"kind": "activity", "title": title} | fields
    created = ok(client.post(f"{API}/stages/{stage_id}/activities", json=data), 201)
    url = f"{API}/stages/{stage_id}/activities/{created['id']}"
    return ok(client.patch(url, json={"status": status}, headers=if_match(client, url)))


def outcome(client: Any, stage_id: int, body: dict[str, Any], **headers: str) -> Any:
    return client.put(f"{API}/stages/{stage_id}/outcome", json=body, headers=headers)


def build(callers: Callers, *, with_outcomes: bool = True) -> World:
    m, t = callers.county_15, callers.county_50
    tour = tour_with_counties(callers.national)
    s1 = make_stage(m, tour["id"], sequence=1, date="2026-06-03")
    s2 = make_stage(m, tour["id"], sequence=2, date="2026-06-04", name="Stordal – Ålesund")
    s3 = make_stage(t, tour["id"], sequence=3, county="50", date="2026-06-09", name="Levanger")
    s4 = make_stage(t, tour["id"], sequence=4, county="50", date="2026-06-10", name="Verdal")
    r1 = upload(m, s1["id"], "stage_valldal_stordal.gpx")
    r2 = upload(m, s2["id"], "stage_valldal_stordal.gpx")
    p1, p2 = partner(m, "15", "Fjord kommune"), partner(m, "15", "Stordal bygdelag")
    p3 = partner(t, "50", "Levanger frivilligsentral")
    a1 = activity(m, s1["id"], "Kaffe på torget", partner_ids=[p1["id"]], expected_audience=100)
    a2 = activity(m, s1["id"], "Konsert", partner_ids=[p1["id"], p2["id"]], expected_audience=50)
    activity(m, s2["id"], "Avlyst quiz", status="cancelled", expected_audience=500)
    a4 = activity(t, s3["id"], "Velkomst", partner_ids=[p3["id"]], expected_audience=30)
    activity(t, s4["id"], "Vafler", expected_audience=20)
    for n, role in enumerate(["pilot", "pilot", "cyclist"]):
        person = make_person(m, name=f"Rider {n}", email=f"rider{n}@example.org")
        add_rider(m, s1["id"], person_id=person["id"], role=role, status="confirmed")
    invited = make_person(m, name="Invited Rider", email="invited@example.org")
    ok(
        m.post(
            f"{API}/stages/{s1['id']}/riders", json={"person_id": invited["id"], "role": "pilot"}
        ),
        201,
    )
    leader = make_person(m, name="Stage Leader", email="leader@example.org")
    ok(
        m.post(
            f"{API}/stages/{s1['id']}/team",
            json={"person_id": leader["id"], "role": "stage_leader"},
        ),
        201,
    )
    contact = ok(
        m.post(
            f"{API}/press-contacts",
            json={"county": "15", "outlet": "Sunnmørsposten", "kind": "paper"},
        ),
        201,
    )
    outreach = ok(
        m.post(
            f"{API}/stages/{s1['id']}/outreach",
            json={
                "press_contact_id": contact["id"],
                "contacted_at": "2026-05-20T10:00:00+02:00",
                "channel": "email",
            },
        ),
        201,
    )
    for consent in (True, False):
        ok(
            m.post(
                f"{API}/stages/{s1['id']}/content",
                json={
                    "kind": "photo",
                    "link": "https://example.org/foto.jpg",
                    "caption": "Passasjer på vei" if consent else "Uten samtykke",
                    "credit": "Foto: Fjord frivilligsentral",
                    "consent_confirmed": consent,
                },
            ),
            201,
        )
    coverage = [
        ok(
            m.post(
                f"{API}/stages/{s1['id']}/coverage",
                json={
                    "outreach_id": outreach["id"],
                    "published_on": "2026-06-04",
                    "kind": "article",
                    "link": "https://smp.example.no/rickshaw",
                    "headline": "Rickshawene kom til Valldal",
                    "partner_ids": [p1["id"]],
                },
            ),
            201,
        ),
        ok(
            m.post(
                f"{API}/stages/{s1['id']}/coverage",
                json={
                    "outlet": "NRK Møre og Romsdal",
                    "published_on": "2026-06-03",
                    "kind": "radio_segment",
                    "headline": "Sykkelturen i Valldal",
                },
            ),
            201,
        ),
        ok(
            t.post(
                f"{API}/stages/{s3['id']}/coverage",
                json={
                    "outlet": "Innherred",
                    "published_on": "2026-06-10",
                    "kind": "article",
                    "headline": "Levanger tok imot",
                    "partner_ids": [p3["id"]],
                },
            ),
            201,
        ),
    ]
    if with_outcomes:
        ok(
            outcome(
                m,
                s1["id"],
                {
                    "status": "ridden",
                    "passengers_by_leg": [{"leg": "start-end", "passengers": 10}],
                    "cyclists": 3,
                    "other_volunteers": 4,
                    "partner_contributions": [
                        {"partner_id": p1["id"], "what": "Vakter", "hours": 6},
                        {
                            "partner_id": p2["id"],
                            "what": "Servering",
                            "in_kind": "Kaffe",
                            "thanked_on": "2026-06-20",
                        },
                    ],
                    "audience": [
                        {"activity_id": a1["id"], "came": 120},
                        {"activity_id": a2["id"], "came": 40},
                    ],
                    "notes": "Ola Nordmann sto for kaffen",
                    "lessons_learnt": "Flere passasjerer neste gang",
                },
            ),
            201,
        )
        ok(
            outcome(
                m,
                s2["id"],
                {"status": "cancelled", "cancel_reason": "Storm", "other_volunteers": 2},
            ),
            201,
        )
        ok(
            outcome(
                t,
                s3["id"],
                {
                    "status": "ridden",
                    "distance_km": 12.5,
                    "passengers_by_leg": [{"leg": "start-end", "passengers": 4}],
                    "pilots": 1,
                    "cyclists": 0,
                    "team_members": 2,
                    "partner_contributions": [
                        {"partner_id": p3["id"], "what": "Vertskap", "hours": 3.5}
                    ],
                    "audience": [{"activity_id": a4["id"], "came": 25}],
                },
            ),
            201,
        )
    return World(
        tour=tour,
        stages=[s1, s2, s3, s4],
        partners=[p1, p2, p3],
        activities=[a1, a2, a4],
        planned_m=[r1["distance_m"], r2["distance_m"]],
        outreach=outreach,
        coverage=coverage,
    )
