from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sykkelturen.clock import FixedClock
from tests.conftest import Callers
from tests.daylog.conftest import at, post_entry
from tests.factories import API, make_stage, ok, problem


def create(client: TestClient, stage_id: int | None, **fields: Any) -> Any:
    body = {"name": "Etappeleders telefon", "role": "stage_day", "stage_id": stage_id} | fields
    return client.post(f"{API}/tokens", json=body)


@pytest.fixture
def phone(app: FastAPI, callers: Callers, day: dict[str, Any]) -> TestClient:
    created = ok(create(callers.county_15, day["stage"]["id"]), 201)
    assert created["role"] == "stage_day"
    assert created["stage_id"] == day["stage"]["id"]
    return TestClient(app, headers={"Authorization": f"Bearer {created['token']}"})


class TestCreate:
    def test_who_may_create_a_stage_day_token(self, callers: Callers, day: dict[str, Any]) -> None:
        sid = day["stage"]["id"]
        problem(create(callers.anonymous, sid), 401, "unauthorized")
        problem(create(callers.reader, sid), 403, "forbidden")
        problem(create(callers.county_50, sid), 403, "forbidden")
        ok(create(callers.county_15, sid), 201)
        ok(create(callers.national, sid), 201)

    def test_a_county_contact_creates_no_other_kind_of_token(self, callers: Callers) -> None:
        body = {"name": "x", "role": "county", "counties": ["15"]}
        problem(callers.county_15.post(f"{API}/tokens", json=body), 403, "forbidden")

    def test_bad_input(self, callers: Callers, day: dict[str, Any]) -> None:
        problem(create(callers.county_15, None), 422, "validation_failed")
        problem(create(callers.national, 999_999), 422, "unknown_reference")
        problem(
            create(callers.national, day["stage"]["id"], role="reader"), 422, "validation_failed"
        )


class TestWhatItMayDo:
    def test_it_writes_its_stage_log_on_the_stage_date(
        self, phone: TestClient, callers: Callers, day: dict[str, Any]
    ) -> None:
        sid = day["stage"]["id"]
        entry = ok(post_entry(phone, sid, "1", kind="start", occurred_at=at("10:58")), 201)
        assert entry["author"] == "Etappeleders telefon"
        assert ok(phone.get(f"{API}/stages/{sid}/log"))["items"][0]["author"] is not None

    def test_not_another_stage(
        self, phone: TestClient, callers: Callers, day: dict[str, Any]
    ) -> None:
        other = make_stage(callers.county_15, day["tour"]["id"], sequence=2)
        problem(
            post_entry(phone, other["id"], "1", kind="start", occurred_at=at("10:58")),
            403,
            "forbidden",
        )

    def test_not_another_day(
        self, phone: TestClient, day: dict[str, Any], clock: FixedClock
    ) -> None:
        clock.advance(days=1)
        problem(
            post_entry(phone, day["stage"]["id"], "1", kind="start", occurred_at=at("10:58")),
            403,
            "not_this_stage_day",
        )

    def test_nothing_else(self, phone: TestClient, callers: Callers, day: dict[str, Any]) -> None:
        sid = day["stage"]["id"]
        tag = callers.county_15.get(f"{API}/stages/{sid}").headers["etag"]
        problem(
            phone.patch(f"{API}/stages/{sid}", json={"notes": "x"}, headers={"If-Match": tag}),
            403,
            "forbidden",
        )
        problem(
            phone.post(
                f"{API}/stages/{sid}/checkpoints", json={"name": "x", "kind": "rest", "km": 1}
            ),
            403,
            "forbidden",
        )
        problem(phone.get(f"{API}/people"), 403, "forbidden")
        problem(phone.get(f"{API}/audit"), 403, "forbidden")
        problem(create(phone, sid), 403, "forbidden")

    def test_revoked_like_any_token(
        self, phone: TestClient, callers: Callers, day: dict[str, Any]
    ) -> None:
        token_id = ok(phone.get(f"{API}/me"))["token_id"]
        assert ok(phone.get(f"{API}/me"))["role"] == "stage_day"
        url = f"{API}/tokens/{token_id}"
        read = callers.county_15.get(url)
        assert ok(read)["stage_id"] == day["stage"]["id"]
        tag = {"If-Match": read.headers["etag"]}
        problem(callers.county_50.delete(url, headers=tag), 403, "forbidden")
        problem(callers.county_15.delete(f"{API}/tokens/999", headers=tag), 403, "forbidden")
        ok(callers.county_15.delete(url, headers=tag))
        problem(
            post_entry(phone, day["stage"]["id"], "1", kind="start", occurred_at=at("10:58")),
            401,
            "unauthorized",
        )

    def test_county_contacts_manage_only_stage_day_tokens(self, callers: Callers) -> None:
        national_id = ok(callers.national.get(f"{API}/me"))["token_id"]
        problem(callers.county_15.get(f"{API}/tokens/{national_id}"), 403, "forbidden")
        problem(
            callers.county_15.delete(f"{API}/tokens/{national_id}", headers={"If-Match": "*"}),
            403,
            "forbidden",
        )
