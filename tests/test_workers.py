"""Several worker processes on one database behave like one: a token created or revoked
through one worker counts at once on all, every worker gives a resource the same ETag and
sees a change made through another, and each request leaves one structured access line
under its request id."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import live

API = "/api/v1"
ROUNDS = 48  # requests per check, each on a new connection, spread over the workers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[live.LiveServer, str]]:
    tmp_path = tmp_path_factory.mktemp("workers")
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "migrate")
    national = live.token(database_url, "national")
    with live.serving(database_url, tmp_path / "server.log", workers=3) as server:
        yield server, national


def fan_out(
    base_url: str, request: Callable[[httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    """`ROUNDS` requests from six threads, each on a connection of its own."""

    def once(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, headers={"Connection": "close"}, timeout=30) as c:
            response = request(c)
            response.read()
            return response

    with ThreadPoolExecutor(6) as pool:
        return list(pool.map(once, range(ROUNDS)))


def test_tokens_agree_across_workers(server: tuple[live.LiveServer, str]) -> None:
    live_server, national = server
    nf = {"Authorization": f"Bearer {national}"}
    with httpx.Client(base_url=live_server.url, headers=nf) as client:
        created = client.post(
            f"{API}/tokens", json={"name": "ny kontakt", "role": "county", "counties": ["15"]}
        ).json()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    answers = fan_out(live_server.url, lambda c: c.get(f"{API}/me", headers=bearer))
    assert {r.json()["name"] for r in answers} == {"ny kontakt"}

    with httpx.Client(base_url=live_server.url, headers=nf) as client:
        token_url = f"{API}/tokens/{created['id']}"
        read = client.get(token_url)
        assert (
            client.delete(token_url, headers={"If-Match": read.headers["ETag"]}).status_code == 200
        )
    answers = fan_out(live_server.url, lambda c: c.get(f"{API}/me", headers=bearer))
    assert {r.status_code for r in answers} == {401}


def test_etags_and_changes_agree_across_workers(server: tuple[live.LiveServer, str]) -> None:
    live_server, national = server
    nf = {"Authorization": f"Bearer {national}"}
    with httpx.Client(base_url=live_server.url, headers=nf) as client:
        tour = client.post(
            f"{API}/tours",
            json={"name": "Arbeidere", "start_date": "2026-06-01", "end_date": "2026-06-30"},
        ).json()
        client.post(
            f"{API}/tours/{tour['id']}/counties",
            json={"number": "15", "start_date": "2026-06-01", "end_date": "2026-06-07"},
        )
        stage = client.post(
            f"{API}/tours/{tour['id']}/stages",
            json={
                "sequence": 1,
                "county": "15",
                "name": "Valldal – Stordal",
                "date": "2026-06-03",
                "start_place": "Valldal",
                "finish_place": "Stordal",
            },
        ).json()
    stage_url = f"{API}/stages/{stage['id']}"
    sheet_url = f"{API}/tours/{tour['id']}/run-sheet"

    stage_tags = {r.headers["ETag"] for r in fan_out(live_server.url, lambda c: c.get(stage_url))}
    sheet_tags = {r.headers["ETag"] for r in fan_out(live_server.url, lambda c: c.get(sheet_url))}
    assert len(stage_tags) == len(sheet_tags) == 1
    (stage_tag,), (sheet_tag,) = stage_tags, sheet_tags
    # A tag one worker gave is current on every other.
    not_modified = fan_out(
        live_server.url, lambda c: c.get(sheet_url, headers={"If-None-Match": sheet_tag})
    )
    assert {r.status_code for r in not_modified} == {304}

    with httpx.Client(base_url=live_server.url, headers=nf) as client:
        changed = client.patch(
            stage_url, json={"name": "Valldal – Linge"}, headers={"If-Match": stage_tag}
        )
        assert changed.status_code == 200
    after = fan_out(
        live_server.url, lambda c: c.get(sheet_url, headers={"If-None-Match": sheet_tag})
    )
    assert {r.status_code for r in after} == {200}
    assert {r.json()["stages"][0]["name"] for r in after} == {"Valldal – Linge"}
    assert len({r.headers["ETag"] for r in after}) == 1
    stale = fan_out(
        live_server.url,
        lambda c: c.patch(stage_url, json={"notes": "x"}, headers={"If-Match": stage_tag, **nf}),
    )
    assert {r.status_code for r in stale} == {412}


def test_access_lines_name_request_ids_and_workers(server: tuple[live.LiveServer, str]) -> None:
    live_server, _ = server
    answers = fan_out(live_server.url, lambda c: c.get(f"{API}/counties"))
    ids = {r.headers["X-Request-ID"] for r in answers}
    lines = live_server.access_lines(ids)
    assert lines.keys() == ids
    for line in lines.values():
        assert (line["method"], line["path"], line["status"]) == ("GET", f"{API}/counties", 200)
        assert line["duration_ms"] >= 0
    assert len({line["pid"] for line in lines.values()}) >= 2, "one worker served everything"
