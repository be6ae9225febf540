"""Integrators can build on the committed OpenAPI document: a client generated from it by
openapi-python-client plans a tour end to end against a real server on loopback."""

import csv
import importlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import gpxpy
import pytest
from icalendar import Calendar

from tests import live
from tests.factories import sample

ROOT = Path(__file__).parents[1]
PACKAGE = "sykkelturen_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the client from `openapi/openapi.json` exactly as the README says."""
    out = tmp_path_factory.mktemp("client")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            bin_dir / "openapi-python-client",
            "generate",
            "--path",
            ROOT / "openapi" / "openapi.json",
            "--config",
            ROOT / "openapi" / "openapi-python-client.yaml",
            "--meta",
            "none",
            "--output-path",
            out / PACKAGE,
        ],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation, request body and response the document declares is generated.
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class Api:
    """Calls an operation of the generated client by tag and operation id; checks status."""

    def __init__(self, package: ModuleType, base_url: str, token: str) -> None:
        self.package = package
        self.client = package.AuthenticatedClient(base_url=base_url, token=token, timeout=60)

    def model(self, name: str, data: dict[str, Any]) -> Any:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name).from_dict(data)

    def __call__(self, tag: str, operation: str, status: int = 200, **kwargs: Any) -> Any:
        module = importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")
        response = module.sync_detailed(client=self.client, **kwargs)
        assert response.status_code == status, (operation, response.status_code, response.content)
        return response


def test_a_generated_client_plans_a_tour(generated: ModuleType, tmp_path: Path) -> None:
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "migrate")
    national_token = live.token(database_url, "national")
    county_token = live.token(database_url, "county", "15")
    with live.serving(database_url, tmp_path / "server.log") as server:
        nf = Api(generated, server.url, national_token)
        county = Api(generated, server.url, county_token)
        with nf.client, county.client:
            plan_a_tour(generated, nf, county)


def plan_a_tour(generated: ModuleType, nf: Api, county: Api) -> None:

    tour = nf(
        "tours",
        "create_tour",
        201,
        body=nf.model(
            "TourCreate",
            {"name": "Sykkelturen 2026", "start_date": "2026-06-01", "end_date": "2026-06-30"},
        ),
    ).parsed
    for number, start, end in (
        ("15", "2026-06-01", "2026-06-07"),
        ("50", "2026-06-08", "2026-06-14"),
    ):
        nf(
            "tours",
            "add_tour_county",
            201,
            tour_id=tour.id,
            body=nf.model(
                "TourCountyCreate", {"number": number, "start_date": start, "end_date": end}
            ),
        )

    stage = county(
        "stages",
        "create_stage",
        201,
        tour_id=tour.id,
        body=county.model(
            "StageCreate",
            {
                "sequence": 1,
                "county": "15",
                "name": "Valldal – Stordal",
                "date": "2026-06-03",
                "start_time": "11:30",
                "start_place": "Valldal stadion",
                "finish_place": "Stordal sentrum",
            },
        ),
    ).parsed
    read = county("stages", "read_stage", stage_id=stage.id)
    county(
        "stages",
        "update_stage",
        stage_id=stage.id,
        if_match=read.headers["ETag"],
        body=county.model("StageUpdate", {"notes": "Ferje fra Linge kl. 13:10"}),
    )

    upload = county(
        "routes",
        "upload_route",
        201,
        stage_id=stage.id,
        body=generated.types.File(payload=io.BytesIO(sample("stage_valldal_stordal.gpx"))),
    ).parsed
    assert (upload.created, upload.version) == (True, 1)
    county(
        "checkpoints",
        "create_checkpoint",
        201,
        stage_id=stage.id,
        body=county.model(
            "CheckpointCreate", {"name": "Linge ferjekai", "kind": "rest", "km": 5.0}
        ),
    )

    pilot = county(
        "people",
        "create_person",
        201,
        body=county.model(
            "PersonCreate",
            {"county": "15", "name": "Ola Pilot", "phone": "93012345", "pilot_trained": True},
        ),
    ).parsed
    county(
        "riders",
        "add_rider",
        201,
        stage_id=stage.id,
        body=county.model("RiderCreate", {"person_id": pilot.id, "role": "pilot"}),
    )

    created = county(
        "measures",
        "create_measure",
        201,
        stage_id=stage.id,
        body=county.model(
            "MeasureCreate",
            {"kind": "traffic_control", "title": "Trafikkvakt ved Linge", "km": 5.0},
        ),
    )
    measure = created.parsed
    # Actions are versioned writes: each names the ETag the previous answer gave.
    submitted = county(
        "measures", "submit_measure", measure_id=measure.id, if_match=created.headers["ETag"]
    )
    accepted = nf(
        "measures", "accept_measure", measure_id=measure.id, if_match=submitted.headers["ETag"]
    ).parsed
    assert str(accepted.status) == "accepted"

    sheet = nf("run_sheet", "tour_run_sheet", tour_id=tour.id).parsed
    assert [s.name for s in sheet.stages] == ["Valldal – Stordal"]
    assert sheet.stages[0].measures[0].measure.title == "Trafikkvakt ved Linge"
    # A generated client parses a response as its first declared type (JSON); the other
    # formats of the same operation come through the client's own httpx client.
    http = nf.client.get_httpx_client()
    path = f"/api/v1/tours/{tour.id}/run-sheet"

    def pull(format_: str) -> bytes:
        response = http.get(path, params={"format": format_})
        assert response.status_code == 200, response.text
        content: bytes = response.content
        return content

    assert next(csv.DictReader(io.StringIO(pull("csv").decode())))["stage"] == "1"
    assert Calendar.from_ical(pull("ics")).walk("VEVENT")
    assert json.loads(pull("geojson"))["type"] == "FeatureCollection"
    assert gpxpy.parse(pull("gpx").decode()).tracks
