"""Stage outcomes and press coverage: recording, defaults, ETags, who may, bad input; and
the report phase of the progress checklists."""

import datetime as dt
from typing import Any

import pytest

from sykkelturen.clock import today_in
from tests.conftest import Callers
from tests.factories import (
    API,
    add_county,
    make_stage,
    make_tour,
    ok,
    problem,
    tour_with_counties,
    upload,
)
from tests.report.world import World, build, outcome


@pytest.fixture
def world(callers: Callers) -> World:
    return build(callers)


@pytest.fixture
def bare(callers: Callers) -> World:
    return build(callers, with_outcomes=False)


class TestReadOutcome:
    def test_defaults_from_confirmed_riders_and_the_planned_route(
        self, callers: Callers, world: World
    ) -> None:
        s1 = world.stages[0]["id"]
        body = ok(callers.anonymous.get(f"{API}/stages/{s1}/outcome"))
        assert body["distance"] == {
            "km": round(world.planned_m[0] / 1000, 3),
            "source": "planned_route",
            "planned_km": round(world.planned_m[0] / 1000, 3),
        }
        assert body["pilots"] == {"count": 2, "source": "planned", "planned": 2}
        assert body["cyclists"] == {"count": 3, "source": "reported", "planned": 1}
        assert body["team_members"] == {"count": 1, "source": "planned", "planned": 1}
        assert body["volunteers"] == 2 + 3 + 1 + 4
        assert body["passengers"] == 10
        assert [(a["title"], a["expected"], a["came"]) for a in body["audience"]] == [
            ("Kaffe på torget", 100, 120),
            ("Konsert", 50, 40),
        ]
        assert body["audience_expected"] == 150
        assert body["audience_came"] == 160
        assert [c["partner"]["name"] for c in body["partner_contributions"]] == [
            "Fjord kommune",
            "Stordal bygdelag",
        ]
        assert [c["caption"] for c in body["content"]] == ["Passasjer på vei"]

    def test_cancelled_rode_nothing(self, callers: Callers, world: World) -> None:
        body = ok(callers.anonymous.get(f"{API}/stages/{world.stages[1]['id']}/outcome"))
        assert body["status"] == "cancelled"
        assert body["cancel_reason"] == "Storm"
        assert body["distance"]["km"] == 0
        assert body["distance"]["source"] == "cancelled"
        assert body["pilots"]["count"] == 0
        assert body["volunteers"] == 2

    def test_distance_by_hand_and_no_route(self, callers: Callers, world: World) -> None:
        s3 = ok(callers.anonymous.get(f"{API}/stages/{world.stages[2]['id']}/outcome"))
        assert s3["distance"] == {"km": 12.5, "source": "reported", "planned_km": None}

    def test_not_recorded_is_404(self, callers: Callers, world: World) -> None:
        problem(
            callers.anonymous.get(f"{API}/stages/{world.stages[3]['id']}/outcome"),
            404,
            "outcome_not_found",
        )
        problem(callers.anonymous.get(f"{API}/stages/4242/outcome"), 404, "stage_not_found")

    @pytest.mark.parametrize(
        ("who", "visible"),
        [
            ("anonymous", False),
            ("reader", False),
            ("county_50", False),
            ("county_15", True),
            ("national", True),
            ("reader_personal", True),
        ],
    )
    def test_notes_only_for_those_who_see_people(
        self, callers: Callers, world: World, who: str, visible: bool
    ) -> None:
        response = getattr(callers, who).get(f"{API}/stages/{world.stages[0]['id']}/outcome")
        body = ok(response)
        assert (body["notes"] == "Ola Nordmann sto for kaffen") is visible
        assert (body["lessons_learnt"] is not None) is visible
        if not visible:
            assert "Ola Nordmann" not in response.text

    def test_etag_and_304(self, callers: Callers, world: World) -> None:
        url = f"{API}/stages/{world.stages[0]['id']}/outcome"
        tag = callers.anonymous.get(url).headers["etag"]
        assert callers.anonymous.get(url, headers={"If-None-Match": tag}).status_code == 304
        assert callers.county_15.get(url).headers["etag"] != tag  # with the notes

    def test_etag_follows_the_confirmed_riders(self, callers: Callers, world: World) -> None:
        """Pilots default from confirmed riders: a rider confirmed later changes the body."""
        s1 = world.stages[0]["id"]
        url = f"{API}/stages/{s1}/outcome"
        before = callers.anonymous.get(url)
        invited = next(
            r
            for r in ok(callers.county_15.get(f"{API}/stages/{s1}/riders"))["items"]
            if r["status"] == "invited"
        )
        ok(
            callers.county_15.patch(
                f"{API}/stages/{s1}/riders/{invited['id']}",
                json={"status": "confirmed"},
                headers={
                    "If-Match": callers.county_15.get(
                        f"{API}/stages/{s1}/riders/{invited['id']}"
                    ).headers["etag"]
                },
            )
        )
        after = callers.anonymous.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.json()["pilots"]["count"] == 3
        assert after.json()["version"] == before.json()["version"]


class TestPutOutcome:
    def test_replace_needs_if_match(self, callers: Callers, world: World) -> None:
        s1 = world.stages[0]["id"]
        url = f"{API}/stages/{s1}/outcome"
        body = {"status": "ridden", "pilots": 5}
        problem(outcome(callers.county_15, s1, body), 428, "if_match_required")
        problem(
            outcome(callers.county_15, s1, body, **{"If-Match": '"99"'}), 412, "precondition_failed"
        )
        problem(
            outcome(callers.county_15, s1, body, **{"If-None-Match": "*"}),
            412,
            "precondition_failed",
        )
        tag = callers.county_15.get(url).headers["etag"]
        replaced = outcome(callers.county_15, s1, body, **{"If-Match": tag})
        assert replaced.status_code == 200
        assert replaced.headers["etag"] == callers.county_15.get(url).headers["etag"]
        new = replaced.json()
        assert new["pilots"] == {"count": 5, "source": "reported", "planned": 2}
        assert new["cyclists"]["source"] == "planned"
        assert new["partner_contributions"] == []  # a PUT replaces everything
        assert new["audience"] == []
        assert new["version"] == 2
        problem(
            outcome(callers.county_15, s1, body, **{"If-Match": tag}), 412, "precondition_failed"
        )

    def test_first_recording_is_201_with_location(self, callers: Callers, world: World) -> None:
        s4 = world.stages[3]["id"]
        created = outcome(callers.county_50, s4, {"status": "ridden"}, **{"If-None-Match": "*"})
        assert created.status_code == 201, created.text
        assert created.headers["location"].endswith(f"/stages/{s4}/outcome")
        assert created.json()["distance"]["source"] == "no_route"
        assert created.json()["distance"]["km"] is None
        audit = ok(callers.national.get(f"{API}/audit", params={"resource_type": "outcome"}))[
            "items"
        ]
        assert {e["resource_id"] for e in audit} >= {str(s4)}

    def test_national_may_correct(self, callers: Callers, world: World) -> None:
        s3 = world.stages[2]["id"]
        tag = callers.national.get(f"{API}/stages/{s3}/outcome").headers["etag"]
        corrected = outcome(
            callers.national, s3, {"status": "ridden", "distance_km": 11}, **{"If-Match": tag}
        )
        assert ok(corrected)["distance"]["km"] == 11

    def test_delete(self, callers: Callers, world: World) -> None:
        url = f"{API}/stages/{world.stages[2]['id']}/outcome"
        tag = callers.county_50.get(url).headers["etag"]
        problem(callers.county_15.delete(url, headers={"If-Match": tag}), 403, "forbidden")
        assert callers.county_50.delete(url, headers={"If-Match": tag}).status_code == 204
        problem(callers.anonymous.get(url), 404, "outcome_not_found")

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("county_15", 201)],
    )
    def test_who_may_record(self, callers: Callers, bare: World, who: str, status: int) -> None:
        response = outcome(getattr(callers, who), bare.stages[0]["id"], {"status": "ridden"})
        assert response.status_code == status, response.text

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"status": "cancelled"}, 422, "validation_failed"),
            ({"status": "ridden", "cancel_reason": "x"}, 422, "validation_failed"),
            (
                {"status": "cancelled", "cancel_reason": "x", "distance_km": 3},
                422,
                "validation_failed",
            ),
            ({"status": "flown"}, 422, "validation_failed"),
            ({"status": "ridden", "pilots": -1}, 422, "validation_failed"),
            ({"status": "ridden", "pilots": "2"}, 422, "validation_failed"),
            ({"status": "ridden", "version": 7}, 422, "validation_failed"),
            (
                {
                    "status": "ridden",
                    "passengers_by_leg": [{"leg": "start-end", "passengers": 1}] * 2,
                },
                422,
                "validation_failed",
            ),
            (
                {"status": "ridden", "passengers_by_leg": [{"leg": "start-end", "passengers": 13}]},
                422,
                "passengers_over_seats",
            ),
            (
                {"status": "ridden", "passengers_by_leg": [{"leg": "start-99", "passengers": 1}]},
                422,
                "unknown_leg",
            ),
            (
                {"status": "ridden", "passengers_by_leg": [{"leg": 1, "passengers": 1}]},
                422,
                "validation_failed",
            ),
            (
                {
                    "status": "ridden",
                    "partner_contributions": [{"partner_id": 1, "what": "x"}],
                },
                422,
                "validation_failed",
            ),
            (
                {
                    "status": "ridden",
                    "partner_contributions": [{"partner_id": 4242, "what": "x", "hours": 1}],
                },
                422,
                "unknown_reference",
            ),
            (
                {"status": "ridden", "audience": [{"activity_id": 4242, "came": 3}]},
                422,
                "unknown_reference",
            ),
        ],
    )
    def test_bad_body(
        self, callers: Callers, bare: World, body: dict[str, Any], status: int, code: str
    ) -> None:
        problem(outcome(callers.county_15, bare.stages[0]["id"], body), status, code)
        problem(
            callers.anonymous.get(f"{API}/stages/{bare.stages[0]['id']}/outcome"),
            404,
            "outcome_not_found",
        )

    def test_references_of_other_county_or_stage(self, callers: Callers, bare: World) -> None:
        s1 = bare.stages[0]["id"]
        other_partner = bare.partners[2]["id"]
        other_activity = bare.activities[2]["id"]  # on stage 3
        problem(
            outcome(
                callers.county_15,
                s1,
                {
                    "status": "ridden",
                    "partner_contributions": [
                        {"partner_id": other_partner, "what": "x", "hours": 1}
                    ],
                },
            ),
            422,
            "partner_of_other_county",
        )
        problem(
            outcome(
                callers.county_15,
                s1,
                {"status": "ridden", "audience": [{"activity_id": other_activity, "came": 1}]},
            ),
            422,
            "activity_of_other_stage",
        )

    def test_a_deleted_partner_leaves_the_outcome(self, callers: Callers, world: World) -> None:
        s1 = world.stages[0]["id"]
        url = f"{API}/stages/{s1}/outcome"
        tag = callers.anonymous.get(url).headers["etag"]
        p2 = world.partners[1]
        deleted = callers.county_15.delete(f"{API}/partners/{p2['id']}", headers={"If-Match": "*"})
        assert deleted.status_code == 204
        after = callers.anonymous.get(url, headers={"If-None-Match": tag})
        assert after.status_code == 200
        assert [c["partner"]["name"] for c in after.json()["partner_contributions"]] == [
            "Fjord kommune"
        ]


class TestCoverage:
    def test_outlet_from_the_outreach_and_partners(self, callers: Callers, world: World) -> None:
        first = world.coverage[0]
        assert first["outlet"] == "Sunnmørsposten"
        assert first["outreach_id"] == world.outreach["id"]
        assert [p["name"] for p in first["partners"]] == ["Fjord kommune"]
        listed = ok(callers.anonymous.get(f"{API}/stages/{world.stages[0]['id']}/coverage"))
        assert [i["published_on"] for i in listed["items"]] == ["2026-06-03", "2026-06-04"]

    def test_read_update_delete(self, callers: Callers, world: World) -> None:
        s1 = world.stages[0]["id"]
        item = world.coverage[1]
        url = f"{API}/stages/{s1}/coverage/{item['id']}"
        read = callers.anonymous.get(url)
        tag = read.headers["etag"]
        assert callers.anonymous.get(url, headers={"If-None-Match": tag}).status_code == 304
        problem(callers.county_15.patch(url, json={"headline": "Ny"}), 428, "if_match_required")
        problem(
            callers.county_50.patch(url, json={"headline": "Ny"}, headers={"If-Match": tag}),
            403,
            "forbidden",
        )
        updated = callers.county_15.patch(
            url,
            json={"headline": "Ny tittel", "partner_ids": [world.partners[1]["id"]]},
            headers={"If-Match": tag},
        )
        body = ok(updated)
        assert body["headline"] == "Ny tittel"
        assert [p["name"] for p in body["partners"]] == ["Stordal bygdelag"]
        assert updated.headers["etag"] == callers.anonymous.get(url).headers["etag"]
        problem(
            callers.county_15.patch(url, json={"headline": "x"}, headers={"If-Match": tag}),
            412,
            "precondition_failed",
        )
        national = ok(
            callers.national.patch(
                url, json={"kind": "interview"}, headers={"If-Match": updated.headers["etag"]}
            )
        )
        assert national["kind"] == "interview"
        gone = callers.county_15.delete(
            url, headers={"If-Match": callers.county_15.get(url).headers["etag"]}
        )
        assert gone.status_code == 204
        problem(callers.anonymous.get(url), 404, "coverage_not_found")

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("anonymous", 401),
            ("reader", 403),
            ("county_50", 403),
            ("county_15", 201),
            ("national", 201),
        ],
    )
    def test_who_may_log(self, callers: Callers, world: World, who: str, status: int) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{world.stages[0]['id']}/coverage",
            json={
                "outlet": "Vikebladet",
                "published_on": "2026-06-05",
                "kind": "article",
                "headline": "x",
            },
        )
        assert response.status_code == status, response.text

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"published_on": "2026-06-05", "kind": "article", "headline": "x"}, "outlet_unknown"),
            (
                {"outlet": "x", "published_on": "5 June", "kind": "article", "headline": "x"},
                "validation_failed",
            ),
            (
                {"outlet": "x", "published_on": "2026-06-05", "kind": "rumour", "headline": "x"},
                "validation_failed",
            ),
            (
                {"outlet": "x", "published_on": "2026-06-05", "kind": "article", "headline": ""},
                "validation_failed",
            ),
            (
                {
                    "outlet": "x",
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                    "link": "javascript:alert(1)",
                },
                "validation_failed",
            ),
            (
                {
                    "outlet": "x",
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                    "outreach_id": 4242,
                },
                "unknown_reference",
            ),
            (
                {
                    "outlet": "x",
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                    "partner_ids": [4242],
                },
                "unknown_reference",
            ),
            (
                {
                    "outlet": "x",
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                    "link": "https://example.org/" + "a" * 2000,
                },
                "validation_failed",
            ),
            (
                {
                    "outlet": "x",
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                    "partner_ids": [2**40],
                },
                "validation_failed",
            ),
        ],
    )
    def test_bad_body(
        self, callers: Callers, world: World, body: dict[str, Any], code: str
    ) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{world.stages[0]['id']}/coverage", json=body),
            422,
            code,
        )

    def test_outreach_of_another_stage(self, callers: Callers, world: World) -> None:
        problem(
            callers.county_15.post(
                f"{API}/stages/{world.stages[1]['id']}/coverage",
                json={
                    "outreach_id": world.outreach["id"],
                    "published_on": "2026-06-05",
                    "kind": "article",
                    "headline": "x",
                },
            ),
            422,
            "outreach_of_other_stage",
        )

    def test_update_naming_a_partner_of_another_county_is_422(
        self, callers: Callers, world: World
    ) -> None:
        s1 = world.stages[0]["id"]
        url = f"{API}/stages/{s1}/coverage/{world.coverage[0]['id']}"
        read = callers.anonymous.get(url)
        problem(
            callers.county_15.patch(
                url,
                json={"partner_ids": [world.partners[2]["id"]]},  # county 50's
                headers={"If-Match": read.headers["etag"]},
            ),
            422,
            "partner_of_other_county",
        )
        assert callers.anonymous.get(url).json() == read.json()

    def test_a_deleted_outreach_unlinks(self, callers: Callers, world: World) -> None:
        s1 = world.stages[0]["id"]
        deleted = callers.county_15.delete(
            f"{API}/stages/{s1}/outreach/{world.outreach['id']}", headers={"If-Match": "*"}
        )
        assert deleted.status_code == 204
        item = ok(callers.anonymous.get(f"{API}/stages/{s1}/coverage/{world.coverage[0]['id']}"))
        assert item["outreach_id"] is None
        assert item["outlet"] == "Sunnmørsposten"


class TestReportPhase:
    def items(self, callers: Callers, stage_id: int) -> dict[str, bool]:
        progress = ok(callers.anonymous.get(f"{API}/stages/{stage_id}/progress"))
        report = next(p for p in progress["phases"] if p["phase"] == "report")
        return {i["key"]: i["done"] for i in report["items"]}

    def test_outcome_coverage_and_partners_told(self, callers: Callers, world: World) -> None:
        s1, s2, s3, s4 = (s["id"] for s in world.stages)
        # Stage 1: outcome, coverage; Fjord kommune (contributed, named by activities) not thanked.
        assert self.items(callers, s1) == {
            "outcome_recorded": True,
            "coverage_logged": True,
            "partners_told": False,
        }
        assert self.items(callers, s2) == {
            "outcome_recorded": True,
            "coverage_logged": False,
            "partners_told": True,
        }
        assert self.items(callers, s4) == dict.fromkeys(
            ("outcome_recorded", "coverage_logged", "partners_told"), False
        )
        tag = callers.county_50.get(f"{API}/stages/{s3}/outcome").headers["etag"]
        ok(
            outcome(
                callers.county_50,
                s3,
                {
                    "status": "ridden",
                    "partner_contributions": [
                        {
                            "partner_id": world.partners[2]["id"],
                            "what": "Vertskap",
                            "hours": 3.5,
                            "thanked_on": "2026-06-15",
                        }
                    ],
                },
                **{"If-Match": tag},
            )
        )
        assert self.items(callers, s3) == dict.fromkeys(
            ("outcome_recorded", "coverage_logged", "partners_told"), True
        )
        tour = ok(callers.anonymous.get(f"{API}/tours/{world.tour['id']}/progress"))
        assert {c["county"]: c["percent_by_phase"]["report"] for c in tour["counties"]} == {
            "15": round(100 * 4 / 6, 1),
            "50": 50.0,
        }

    def test_report_items_never_put_a_coming_stage_at_risk(self, callers: Callers) -> None:
        tour = tour_with_counties(callers.national)
        make_stage(callers.county_15, tour["id"])
        progress = ok(callers.anonymous.get(f"{API}/tours/{tour['id']}/progress"))
        for risk in progress["deadlines_at_risk"]:
            assert not {"outcome_recorded", "coverage_logged", "partners_told"} & set(
                risk["open_items"]
            )


def test_legs_from_handovers(callers: Callers) -> None:
    tour = tour_with_counties(callers.national)
    stage = make_stage(callers.county_15, tour["id"])
    upload(callers.county_15, stage["id"], "stage_with_waypoints.gpx", waypoints="import")
    legs = [
        leg["key"] for leg in ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/legs"))["items"]
    ]
    assert len(legs) > 1
    given = [{"leg": key, "passengers": 2} for key in reversed(legs)]
    body = {"status": "ridden", "passengers_by_leg": given}
    response = outcome(callers.county_15, stage["id"], body)
    recorded = ok(response, 201)
    assert recorded["passengers"] == 2 * len(legs)
    assert [p["leg"] for p in recorded["passengers_by_leg"]] == legs  # in route order
    # A stretch over two legs names no one leg: passengers are counted per leg
    stretch = f"{legs[0].split('-')[0]}-{legs[1].split('-')[1]}"
    body = {"status": "ridden", "passengers_by_leg": [{"leg": stretch, "passengers": 2}]}
    tag = response.headers["etag"]
    problem(outcome(callers.county_15, stage["id"], body, **{"If-Match": tag}), 422, "unknown_leg")


def test_a_coming_stage_has_no_outcome_yet(callers: Callers) -> None:
    soon = today_in("Europe/Oslo") + dt.timedelta(days=3)  # in Oslo, as the service counts days
    tour = make_tour(
        callers.national,
        start_date=today_in("Europe/Oslo").isoformat(),
        end_date=(soon + dt.timedelta(days=5)).isoformat(),
    )
    for day, county in ((today_in("Europe/Oslo"), "15"), (soon, "50")):
        add_county(
            callers.national,
            tour["id"],
            county,
            start_date=day.isoformat(),
            end_date=day.isoformat(),
        )
    coming = make_stage(
        callers.national, tour["id"], sequence=2, county="50", date=soon.isoformat()
    )
    problem(
        outcome(callers.national, coming["id"], {"status": "ridden"}), 409, "stage_not_ridden_yet"
    )
    on_the_day = make_stage(
        callers.county_15, tour["id"], sequence=1, date=today_in("Europe/Oslo").isoformat()
    )
    ok(outcome(callers.county_15, on_the_day["id"], {"status": "ridden"}), 201)


def test_deleting_an_activity_or_the_stage_takes_its_report_along(
    callers: Callers, world: World
) -> None:
    s1, s3 = world.stages[0]["id"], world.stages[2]["id"]
    a1 = world.activities[0]
    gone = callers.county_15.delete(
        f"{API}/stages/{s1}/activities/{a1['id']}", headers={"If-Match": "*"}
    )
    assert gone.status_code == 204
    body = ok(callers.anonymous.get(f"{API}/stages/{s1}/outcome"))
    assert [a["title"] for a in body["audience"]] == ["Konsert"]
    assert (
        callers.county_50.delete(f"{API}/stages/{s3}", headers={"If-Match": "*"}).status_code == 204
    )
    report = ok(callers.anonymous.get(f"{API}/tours/{world.tour['id']}/report"))
    assert report["totals"]["stages"] == 3
    assert report["totals"]["press_items"] == 2
    assert report["totals"]["audience"] == 40
