"""Small builders of test data through the API, with sensible defaults."""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def etag(client: TestClient, url: str) -> str:
    """The ETag of a resource as this caller reads it now."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def if_match(client: TestClient, url: str) -> dict[str, str]:
    """Headers for a write based on the resource as this caller reads it now."""
    return {"If-Match": etag(client, url)}


def act(client: TestClient, resource: str, action: str, **kwargs: Any) -> Any:
    """POST an action (`submit`, `report` …) on a resource, based on its ETag as read now."""
    return client.post(f"{resource}/{action}", headers=if_match(client, resource), **kwargs)


# A strong ETag no representation has: what a client holding an old version sends.
STALE = {"If-Match": '"0000000000000000000000000000dead"'}


def make_tour(national: TestClient, **fields: Any) -> dict[str, Any]:
    data = {
        "name": "Sykkelturen 2026",
        "start_date": "2026-05-20",
        "end_date": "2026-08-20",
    } | fields
    return ok(national.post(f"{API}/tours", json=data), 201)


def add_county(national: TestClient, tour_id: int, number: str, **fields: Any) -> dict[str, Any]:
    data = {"number": number, "start_date": "2026-06-01", "end_date": "2026-06-07"} | fields
    return ok(national.post(f"{API}/tours/{tour_id}/counties", json=data), 201)


def make_stage(client: TestClient, tour_id: int, **fields: Any) -> dict[str, Any]:
    data = {
        "sequence": 1,
        "county": "15",
        "name": "Valldal – Stordal",
        "date": "2026-06-03",
        "start_time": "11:30",
        "start_place": "Valldal stadion",
        "finish_place": "Stordal sentrum",
    } | fields
    return ok(client.post(f"{API}/tours/{tour_id}/stages", json=data), 201)


def tour_with_counties(national: TestClient) -> dict[str, Any]:
    """A 2026 tour with Møre og Romsdal (1–7 June) and Trøndelag (8–14 June)."""
    tour = make_tour(national)
    add_county(
        national,
        tour["id"],
        "15",
        contacts=[{"name": "Kari Nordmann", "email": "kari@example.org", "phone": "91234567"}],
    )
    add_county(national, tour["id"], "50", start_date="2026-06-08", end_date="2026-06-14")
    return tour


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert {"type", "title", "status", "code"} <= body.keys()
    return body


SAMPLES = Path(__file__).resolve().parent / "data" / "gpx"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload(
    client: TestClient, stage_id: int, name: str, status: int = 201, **params: Any
) -> dict[str, Any]:
    response = client.put(
        f"{API}/stages/{stage_id}/route",
        content=sample(name),
        params=params,
        headers={"Content-Type": "application/gpx+xml"},
    )
    return ok(response, status)


def make_person(client: TestClient, county: str = "15", **fields: Any) -> dict[str, Any]:
    data = {
        "county": county,
        "name": "Ola Nordmann",
        "phone": "930 12 345",
        "email": "ola@example.org",
    } | fields
    return ok(client.post(f"{API}/people", json=data), 201)
