"""Schemathesis finds nothing: no 5xx, every status, header, content type and body as the
committed document says, bad input refused and good input accepted. Runs with `make fuzz`
(and in .ci/run), a few minutes per database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import live

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")


# The national run leaves out revoking tokens: it would revoke its own and spend the rest of
# the run on 401s. The county run calls it (and is refused).
RUNS = [("national", [], ["--exclude-operation-id", "revoke_token"]), ("county", ["15"], [])]


@pytest.mark.parametrize(("role", "counties", "options"), RUNS)
def test_schemathesis_finds_nothing(
    role: str, counties: list[str], options: list[str], tmp_path: Path
) -> None:
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "demo")
    token = live.token(database_url, role, *counties)
    with live.serving(database_url, tmp_path / "server.log", workers=2) as server:
        result = subprocess.run(
            [
                Path(sys.executable).with_name("schemathesis"),
                "--config-file",
                str(CONFIG),
                "run",
                str(ROOT / "openapi" / "openapi.json"),
                "--url",
                server.url,
                "--checks",
                "all",
                "--seed",
                "20221",
                *options,
            ],
            cwd=ROOT,
            env={**os.environ, "SYKKELTUREN_FUZZ_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        errors = [e for e in server.log() if e["level"] in ("error", "critical")]
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr, "utf-8")
    assert result.returncode == 0, result.stdout[-30000:] + result.stderr[-5000:]
    assert errors == []
