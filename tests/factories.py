"""Small builders of test data through the API, with sensible defaults."""

from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from sykkelturen.gpx.geometry import GEOD

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
    return upload_bytes(client, stage_id, sample(name), status, **params)


def upload_bytes(
    client: TestClient, stage_id: int, data: bytes, status: int = 201, **params: Any
) -> dict[str, Any]:
    response = client.put(
        f"{API}/stages/{stage_id}/route",
        content=data,
        params=params,
        headers={"Content-Type": "application/gpx+xml"},
    )
    return ok(response, status)


def track_gpx(points: list[tuple[float, float]], waypoints: str = "") -> bytes:
    """A GPX 1.1 file of one track through `points` (lat, lon), 7 decimals."""
    trkpts = "".join(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"/>' for lat, lon in points)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{waypoints}<trk><name>generated</name><trkseg>{trkpts}</trkseg></trk></gpx>"
    ).encode()


def forward(lat: float, lon: float, azimuth: float, metres: float) -> tuple[float, float]:
    """The place `metres` from (lat, lon) along the geodesic leaving at `azimuth`."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(lat2), float(lon2)


def out_and_back(
    start: tuple[float, float] = (62.30, 7.20), out_m: float = 31_000, step_m: float = 500
) -> list[tuple[float, float]]:
    """East along a road for `out_m`, back the same way, then 5 km north: every place on
    the road is passed twice (km x and 2 * out_m / 1000 - x)."""
    out = [forward(*start, 90, d) for d in np.arange(0, out_m + 1, step_m)]
    return [*out, *reversed(out[:-1]), forward(*start, 0, 5_000)]


def make_person(client: TestClient, county: str = "15", **fields: Any) -> dict[str, Any]:
    data = {
        "county": county,
        "name": "Ola Nordmann",
        "phone": "930 12 345",
        "email": "ola@example.org",
    } | fields
    return ok(client.post(f"{API}/people", json=data), 201)


def leg_keys(client: TestClient, stage_id: int) -> list[str]:
    """The stage's legs by key, in route order (`GET …/legs`)."""
    return [leg["key"] for leg in ok(client.get(f"{API}/stages/{stage_id}/legs"))["items"]]


def add_rider(client: TestClient, stage_id: int, expect: int = 200, **data: Any) -> dict[str, Any]:
    """A rider invited, then moved to `data["status"]` if given (a rider enters invited);
    `expect` is the status that move answers."""
    answer = data.pop("status", None)
    rider = ok(client.post(f"{API}/stages/{stage_id}/riders", json=data), 201)
    if answer is None or answer == "invited":
        return rider
    url = f"{API}/stages/{stage_id}/riders/{rider['id']}"
    return ok(client.patch(url, json={"status": answer}, headers=if_match(client, url)), expect)
