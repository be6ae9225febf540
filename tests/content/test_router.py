"""Content for marketing a stage (phase 4): photos, videos, articles and social posts, each
with a link, a caption, a credit and where it was published."""

from typing import Any

import pytest

from tests.conftest import Callers
from tests.factories import API, etag, if_match, make_stage, ok, problem, tour_with_counties


@pytest.fixture
def stage(callers: Callers) -> dict[str, Any]:
    return make_stage(callers.county_15, tour_with_counties(callers.national)["id"])


def add(client: Any, stage_id: int, **data: Any) -> dict[str, Any]:
    return ok(client.post(f"{API}/stages/{stage_id}/content", json={"kind": "photo"} | data), 201)


class TestContent:
    def test_crud(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = f"{API}/stages/{stage['id']}/content"
        item = ok(
            callers.county_15.post(
                url,
                json={
                    "kind": "photo",
                    "link": "https://example.org/valldal.jpg",
                    "caption": "Start i Valldal",
                    "credit": "Foto: Fjord frivilligsentral",
                    "consent_confirmed": True,
                },
            ),
            201,
        )
        assert item["link"] == "https://example.org/valldal.jpg"
        published = ok(
            callers.county_15.patch(
                f"{url}/{item['id']}",
                json={
                    "published_at": "2026-06-03T18:00:00+02:00",
                    "published_where": "Sunnmørsposten",
                },
                headers=if_match(callers.county_15, f"{url}/{item['id']}"),
            )
        )
        assert published["published_where"] == "Sunnmørsposten"
        assert [c["kind"] for c in ok(callers.anonymous.get(url))["items"]] == ["photo"]
        assert (
            callers.county_15.delete(
                f"{url}/{item['id']}", headers=if_match(callers.county_15, f"{url}/{item['id']}")
            ).status_code
            == 204
        )
        problem(callers.anonymous.get(f"{url}/{item['id']}"), 404, "content_not_found")

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "poster"},
            {"kind": "photo", "link": "not a url"},
            {"kind": "video", "published_at": "2026-06-03T18:00:00"},
        ],
    )
    def test_bad_input_is_422(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any]
    ) -> None:
        problem(
            callers.county_15.post(f"{API}/stages/{stage['id']}/content", json=data),
            422,
            "validation_failed",
        )

    @pytest.mark.parametrize(
        ("who", "status"),
        [("anonymous", 401), ("reader", 403), ("county_50", 403), ("national", 201)],
    )
    def test_create_permissions(
        self, callers: Callers, stage: dict[str, Any], who: str, status: int
    ) -> None:
        response = getattr(callers, who).post(
            f"{API}/stages/{stage['id']}/content", json={"kind": "article"}
        )
        assert response.status_code == status


class TestReadAndList:
    def test_created_is_where_location_says_with_its_etag(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        response = callers.county_15.post(
            f"{API}/stages/{stage['id']}/content", json={"kind": "article"}
        )
        assert response.status_code == 201
        read = callers.anonymous.get(response.headers["location"])
        assert read.json() == response.json()
        assert read.headers["etag"] == response.headers["etag"]
        again = callers.anonymous.get(
            response.headers["location"], headers={"If-None-Match": read.headers["etag"]}
        )
        assert again.status_code == 304

    def test_a_stage_lists_its_own_content_in_order(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        other = make_stage(callers.county_15, stage["tour_id"], sequence=2)
        first = add(callers.county_15, stage["id"], kind="video")
        add(callers.county_15, other["id"])
        second = add(callers.county_15, stage["id"], kind="social_post")
        listed = ok(callers.anonymous.get(f"{API}/stages/{stage['id']}/content"))
        assert [c["id"] for c in listed["items"]] == [first["id"], second["id"]]
        assert listed["next_cursor"] is None

    def test_content_of_another_stage_is_not_found(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        other = make_stage(callers.county_15, stage["tour_id"], sequence=2)
        item = add(callers.county_15, other["id"])
        problem(
            callers.anonymous.get(f"{API}/stages/{stage['id']}/content/{item['id']}"),
            404,
            "content_not_found",
        )

    def test_unknown_stage_is_404(self, callers: Callers) -> None:
        problem(callers.anonymous.get(f"{API}/stages/999999/content"), 404, "stage_not_found")


class TestUpdate:
    def url(self, stage: dict[str, Any], item: dict[str, Any]) -> str:
        return f"{API}/stages/{stage['id']}/content/{item['id']}"

    def test_null_clears_texts_but_keeps_kind_and_consent(
        self, callers: Callers, stage: dict[str, Any]
    ) -> None:
        item = add(
            callers.county_15,
            stage["id"],
            link="https://example.org/a.jpg",
            caption="Start",
            consent_confirmed=True,
        )
        url = self.url(stage, item)
        updated = ok(
            callers.county_15.patch(
                url,
                json={"link": None, "caption": None, "kind": None, "consent_confirmed": None},
                headers=if_match(callers.county_15, url),
            )
        )
        assert (updated["link"], updated["caption"]) == (None, None)
        assert (updated["kind"], updated["consent_confirmed"]) == ("photo", True)
        assert updated["version"] == item["version"] + 1

    def test_stale_etag_is_412(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = self.url(stage, add(callers.county_15, stage["id"]))
        read = if_match(callers.county_15, url)
        ok(callers.county_15.patch(url, json={"caption": "first"}, headers=read))
        problem(
            callers.county_15.patch(url, json={"caption": "second"}, headers=read),
            412,
            "precondition_failed",
        )
        assert ok(callers.anonymous.get(url))["caption"] == "first"

    def test_missing_if_match_is_428(self, callers: Callers, stage: dict[str, Any]) -> None:
        url = self.url(stage, add(callers.county_15, stage["id"]))
        problem(callers.county_15.patch(url, json={"caption": "x"}), 428, "if_match_required")
        problem(callers.county_15.delete(url), 428, "if_match_required")

    @pytest.mark.parametrize("method", ["patch", "delete"])
    def test_other_county_is_403(
        self, callers: Callers, stage: dict[str, Any], method: str
    ) -> None:
        url = self.url(stage, add(callers.county_15, stage["id"]))
        headers = {"If-Match": etag(callers.county_50, url)}
        kwargs: dict[str, Any] = {"json": {"caption": "x"}} if method == "patch" else {}
        problem(
            getattr(callers.county_50, method)(url, headers=headers, **kwargs), 403, "forbidden"
        )
        assert ok(callers.anonymous.get(url))["caption"] is None

    @pytest.mark.parametrize(
        "data",
        [{"id": 5}, {"stage_id": 2}, {"version": 9}, {"caption": "x" * 2001}],
        ids=["id", "stage_id", "version", "long caption"],
    )
    def test_fields_a_client_may_not_set_are_422(
        self, callers: Callers, stage: dict[str, Any], data: dict[str, Any]
    ) -> None:
        url = self.url(stage, add(callers.county_15, stage["id"]))
        problem(
            callers.county_15.patch(url, json=data, headers=if_match(callers.county_15, url)),
            422,
            "validation_failed",
        )


def test_deleting_the_stage_takes_its_content(callers: Callers, stage: dict[str, Any]) -> None:
    item = add(callers.county_15, stage["id"])
    url = f"{API}/stages/{stage['id']}"
    assert (
        callers.county_15.delete(url, headers=if_match(callers.county_15, url)).status_code == 204
    )
    problem(callers.anonymous.get(f"{url}/content/{item['id']}"), 404, "stage_not_found")
