"""Calendars as calendar apps read them (icalendar, vobject, ics), personal calendars that
agree with the run sheet, and subscription URLs a phone can poll without a token."""

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject

from sykkelturen import ical
from tests.conftest import Callers
from tests.factories import (
    API,
    STALE,
    add_rider,
    etag,
    if_match,
    leg_keys,
    make_person,
    make_stage,
    ok,
    problem,
    tour_with_counties,
    upload,
)
from tests.readers import calendar_events, same_in_every_parser

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def plan(callers: Callers) -> dict[str, Any]:
    """Stage 1 at 10 km/h from 11:30 with a 20-minute rest at km 10 and a handover at km 15
    (so legs 1 and 2); stage 2 has a start time but no route; stage 3 no start time."""
    tour = tour_with_counties(callers.national)
    first = make_stage(callers.county_15, tour["id"], sequence=1, speeds_kmh=[10])
    second = make_stage(callers.county_15, tour["id"], sequence=2, date="2026-06-04")
    third = make_stage(
        callers.county_15, tour["id"], sequence=3, date="2026-06-05", start_time=None
    )
    upload(callers.county_15, first["id"], "stage_valldal_stordal.gpx")
    points = f"{API}/stages/{first['id']}/checkpoints"
    for body in (
        {"name": "Valldal stadion", "kind": "start", "km": 0},
        {"name": "Rast ved Linge", "kind": "rest", "km": 10, "dwell_minutes": 20},
        {"name": "Overlevering Norddal", "kind": "handover", "km": 15},
    ):
        ok(callers.county_15.post(points, json=body), 201)
    ok(
        callers.county_15.post(
            f"{API}/stages/{first['id']}/measures",
            json={"kind": "traffic_control", "title": "Vakt ved brua", "km": 12},
        ),
        201,
    )
    person = make_person(callers.county_15)
    ok(
        callers.county_15.post(
            f"{API}/stages/{first['id']}/team",
            json={"person_id": person["id"], "role": "stage_leader"},
        ),
        201,
    )
    add_rider(
        callers.county_15,
        first["id"],
        person_id=person["id"],
        role="pilot",
        legs=[leg_keys(callers.anonymous, first["id"])[1]],
        status="confirmed",
    )
    ok(
        callers.county_15.post(
            f"{API}/stages/{second['id']}/riders",
            json={"person_id": person["id"], "role": "cyclist"},
        ),
        201,
    )
    return tour | {"stages": [first, second, third], "person": person}


def at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def no_zero_length(events: list[tuple[str, Any, Any]]) -> None:
    for summary, start, end in events:
        assert end is None or end > start, summary
        if isinstance(start, dt.datetime):
            assert start.second == 0, summary


class TestTimeZone:
    def test_rules_not_dates(self) -> None:
        zone = ical.vtimezone("Europe/Oslo")
        assert zone is not None
        text = zone.to_ical().decode()
        assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
        assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
        assert "RDATE" not in text

    @pytest.mark.parametrize(
        ("moment", "offset"),
        [
            (dt.datetime(2026, 6, 3, 11, 30, tzinfo=OSLO), 2),  # summer
            (dt.datetime(2026, 1, 3, 11, 30, tzinfo=OSLO), 1),  # winter
            (dt.datetime(2026, 3, 29, 3, 30, tzinfo=OSLO), 2),  # just after the change
            (dt.datetime(2026, 10, 25, 3, 30, tzinfo=OSLO), 1),  # just after the change back
        ],
    )
    def test_every_parser_reads_summer_and_winter_right(
        self, moment: dt.datetime, offset: int
    ) -> None:
        start = moment
        body = ical.calendar(
            name="Prøve",
            zone_key="Europe/Oslo",
            events=[
                ical.CalendarEvent(
                    uid="x@test",
                    summary="Prøve",
                    start=start,
                    end=start + dt.timedelta(hours=1),
                    changed=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            ],
            lang="nb",
        )
        ((_, begins, _),) = same_in_every_parser(body)
        assert isinstance(begins, dt.datetime)
        assert begins.utcoffset() == dt.timedelta(hours=offset)
        # vobject resolves TZID through the VTIMEZONE itself, not through zoneinfo.
        (event,) = vobject.readOne(body.decode()).vevent_list
        assert event.dtstart.value.utcoffset() == dt.timedelta(hours=offset)


class TestRunSheetCalendars:
    def test_stage_calendar_with_places_and_their_stops(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        first = plan["stages"][0]
        response = callers.anonymous.get(
            f"{API}/stages/{first['id']}/run-sheet", params={"format": "ics"}
        )
        assert response.headers["content-type"].startswith("text/calendar")
        assert "attachment" in response.headers["content-disposition"]
        events = same_in_every_parser(response.content)
        no_zero_length(events)
        by_name = {summary: (start, end) for summary, start, end in events}
        assert by_name["Sykkelturen etappe 1: Valldal – Stordal"] == (at(3, 11, 30), at(3, 14, 21))
        # The 20-minute rest is a 20-minute block, not 12:30–12:30.
        assert by_name["Rast ved Linge (pause, etappe 1)"] == (at(3, 12, 30), at(3, 12, 50))
        # A place passed without a stop at one speed: a moment, not a zero-length block.
        assert by_name["Overlevering Norddal (overlevering, etappe 1)"] == (at(3, 13, 20), None)
        assert (
            callers.anonymous.get(f"{API}/stages/{first['id']}/run-sheet.ics").content
            == response.content
        )

    def test_national_calendar_has_no_zero_length_events(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        url = f"{API}/tours/{plan['id']}/run-sheet.ics"
        events = same_in_every_parser(
            callers.anonymous.get(url, params={"checkpoints": True}).content
        )
        no_zero_length(events)
        stages = [e for e in events if e[0].startswith("Sykkelturen etappe")]
        # No route: the start without an end; no start time: the whole day.
        assert stages[1][1:] == (at(4, 11, 30), None)
        assert stages[2][1:] == (dt.date(2026, 6, 5), dt.date(2026, 6, 6))

    def test_unchanged_calendar_is_byte_for_byte_the_same(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        url = f"{API}/stages/{plan['stages'][0]['id']}/run-sheet.ics"
        assert callers.anonymous.get(url).content == callers.reader.get(url).content

    def test_nynorsk(self, callers: Callers, plan: dict[str, Any]) -> None:
        url = f"{API}/stages/{plan['stages'][0]['id']}/run-sheet.ics"
        response = callers.anonymous.get(url, headers={"Accept-Language": "nn-NO, nb;q=0.5"})
        assert response.headers["content-language"] == "nn"
        assert "Tidsvindauge" in response.text or "pause" in response.text


class TestPersonalCalendar:
    def test_agrees_with_the_run_sheet_and_the_legs(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        first = plan["stages"][0]
        sheet = ok(callers.county_15.get(f"{API}/stages/{first['id']}/run-sheet"))
        finish = dt.datetime.fromisoformat(sheet["finish"][0]["arrive"])
        leg_two = sheet["legs"][1]["times"][0]
        response = callers.county_15.get(f"{API}/people/{plan['person']['id']}/calendar.ics")
        events = same_in_every_parser(response.content)
        no_zero_length(events)
        assert [summary for summary, _, _ in events] == [
            "Etappeleder – Etappe 1: Valldal – Stordal",
            "Pilot (bekreftet) – Etappe 1: Valldal – Stordal, "
            "deletappe 2: Overlevering Norddal – Stordal sentrum",
            "Syklist (invitert) – Etappe 2: Valldal – Stordal",
        ]
        leader, pilot, cyclist = events
        assert leader[1:] == (at(3, 11, 30), finish)  # the run sheet's 14:21, stops included
        assert pilot[1:] == (
            dt.datetime.fromisoformat(leg_two["start"]),
            dt.datetime.fromisoformat(leg_two["end"]),
        )
        assert pilot[1] == at(3, 13, 20)  # leg 2, not the stage start
        assert cyclist[1:] == (at(4, 11, 30), None)  # no route yet: no made-up end
        for raw in ("stage_leader", "invited", "confirmed", "pilot (", ":00:00"):
            assert raw not in response.text.replace("T113000", "")

    def test_needs_a_token(self, callers: Callers, plan: dict[str, Any]) -> None:
        url = f"{API}/people/{plan['person']['id']}/calendar.ics"
        problem(callers.anonymous.get(url), 401, "unauthorized")
        problem(callers.county_50.get(url), 404, "person_not_found")


class TestSubscriptions:
    def subscribe(self, callers: Callers, plan: dict[str, Any], **body: Any) -> dict[str, Any]:
        url = f"{API}/people/{plan['person']['id']}/calendar-subscriptions"
        response = callers.county_15.post(url, json={"label": "Karis mobil"} | body)
        created = ok(response, 201)
        assert response.headers["Location"].endswith(f"/calendar-subscriptions/{created['id']}")
        assert response.headers["ETag"] == etag(
            callers.county_15, f"{url}/{created['id']}"
        )  # what its GET gives
        return created

    def test_a_phone_reads_the_feed_without_a_token(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        created = self.subscribe(callers, plan)
        assert created["url"].startswith("http://testserver/api/v1/calendar-feeds/cal_")
        assert created["webcal_url"] == created["url"].replace("http://", "webcal://")
        feed = callers.anonymous.get(created["url"])
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        with_token = callers.county_15.get(f"{API}/people/{plan['person']['id']}/calendar.ics")
        assert calendar_events(feed.content) == calendar_events(with_token.content)
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in feed.text
        again = callers.anonymous.get(
            created["url"], headers={"If-None-Match": feed.headers["ETag"]}
        )
        assert again.status_code == 304
        assert callers.anonymous.head(created["url"]).status_code == 200

    def test_listed_without_secrets_and_revoked(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        created = self.subscribe(callers, plan, lang="nn")
        secret = created["url"].rsplit("/", 1)[1].removesuffix(".ics")
        url = f"{API}/people/{plan['person']['id']}/calendar-subscriptions"
        listed = callers.county_15.get(url)
        (item,) = ok(listed)["items"]
        assert (item["label"], item["lang"], item["kind"]) == ("Karis mobil", "nn", "person")
        assert secret not in listed.text
        assert secret[:10] == item["prefix"]
        assert "Etappeleiar" in callers.anonymous.get(created["url"]).text  # its language
        one = f"{url}/{created['id']}"
        problem(callers.county_15.delete(one), 428, "if_match_required")
        assert (
            callers.county_15.delete(one, headers=if_match(callers.county_15, one)).status_code
            == 204
        )
        problem(callers.anonymous.get(created["url"]), 404, "calendar_feed_not_found")
        assert ok(callers.county_15.get(url))["items"] == []

    def test_secret_never_logged(
        self, callers: Callers, plan: dict[str, Any], caplog: pytest.LogCaptureFixture
    ) -> None:
        created = self.subscribe(callers, plan)
        secret = created["url"].rsplit("/", 1)[1].removesuffix(".ics")
        with caplog.at_level(logging.INFO, logger="sykkelturen"):
            callers.anonymous.get(created["url"])
            callers.anonymous.get(created["url"].replace(secret, secret[:-3] + "xyz"))
        lines = [r for r in caplog.records if r.name == "sykkelturen.access"]
        assert len(lines) == 2
        for record in caplog.records:
            assert secret[4:20] not in record.getMessage()
            assert secret[4:20] not in str(vars(record))
        assert lines[0].path == "/api/v1/calendar-feeds/<secret>"  # type: ignore[attr-defined]
        audit = callers.national.get(
            f"{API}/audit", params={"resource_type": "calendar_subscription"}
        )
        assert secret[4:20] not in audit.text
        assert len(ok(audit)["items"]) == 1

    def test_who_may_create(self, callers: Callers, plan: dict[str, Any]) -> None:
        url = f"{API}/people/{plan['person']['id']}/calendar-subscriptions"
        problem(callers.anonymous.post(url, json={}), 401, "unauthorized")
        problem(callers.county_50.post(url, json={}), 404, "person_not_found")
        problem(callers.reader.post(url, json={}), 403, "forbidden")
        ok(callers.reader_personal.post(url, json={}), 201)  # may see the person
        problem(
            callers.anonymous.get(f"{API}/calendar-feeds/cal_{'x' * 43}.ics"),
            404,
            "calendar_feed_not_found",
        )
        problem(callers.anonymous.get(f"{API}/calendar-feeds/nope.ics"), 422, "validation_failed")

    def test_erasure_ends_the_feed(self, callers: Callers, plan: dict[str, Any]) -> None:
        created = self.subscribe(callers, plan)
        person = f"{API}/people/{plan['person']['id']}"
        exported = ok(callers.county_15.get(f"{person}/export"))
        assert [s["label"] for s in exported["calendar_subscriptions"]] == ["Karis mobil"]
        etag = callers.county_15.get(person).headers["ETag"]
        assert callers.county_15.delete(person, headers={"If-Match": etag}).status_code == 204
        problem(callers.anonymous.get(created["url"]), 404, "calendar_feed_not_found")

    def test_stage_team_feed(self, callers: Callers, plan: dict[str, Any]) -> None:
        first = plan["stages"][0]
        url = f"{API}/stages/{first['id']}/team/calendar-subscriptions"
        problem(callers.reader.post(url, json={}), 403, "forbidden")
        problem(callers.county_50.post(url, json={}), 403, "forbidden")
        response = callers.county_15.post(url, json={"label": "Etappeteamet"})
        created = ok(response, 201)
        assert created["kind"] == "stage_team"
        assert response.headers["Location"] == f"http://testserver{url}/{created['id']}"
        feed = callers.anonymous.get(created["url"])
        events = same_in_every_parser(feed.content)
        no_zero_length(events)
        summaries = [summary for summary, _, _ in events]
        assert summaries[0] == "Sykkelturen etappe 1: Valldal – Stordal"
        assert "Trafikkvakt: Vakt ved brua (etappe 1)" in summaries
        assert "Ola" not in feed.text  # no names or phone numbers
        (item,) = ok(callers.county_15.get(url))["items"]
        one = f"{url}/{item['id']}"
        assert (
            callers.county_15.delete(one, headers=if_match(callers.county_15, one)).status_code
            == 204
        )
        problem(callers.anonymous.get(created["url"]), 404, "calendar_feed_not_found")

    def test_a_subscription_answers_only_under_its_owner(
        self, callers: Callers, plan: dict[str, Any]
    ) -> None:
        """Each path names one owner (a person or a stage's team): the team check guards a
        team's list, read and revoke, and an id answers only under the owner it is for."""
        team = f"{API}/stages/{plan['stages'][0]['id']}/team/calendar-subscriptions"
        person = f"{API}/people/{plan['person']['id']}/calendar-subscriptions"
        of_team = ok(callers.county_15.post(team, json={}), 201)
        of_person = self.subscribe(callers, plan)
        one = f"{team}/{of_team['id']}"
        problem(callers.county_50.get(team), 403, "forbidden")
        problem(callers.county_50.get(one), 403, "forbidden")
        problem(callers.county_50.delete(one, headers=STALE), 403, "forbidden")
        for url in (f"{team}/{of_person['id']}", f"{person}/{of_team['id']}"):
            problem(callers.county_15.get(url), 404, "calendar_subscription_not_found")
        assert [s["id"] for s in ok(callers.county_15.get(team))["items"]] == [of_team["id"]]
        assert [s["id"] for s in ok(callers.county_15.get(person))["items"]] == [of_person["id"]]
