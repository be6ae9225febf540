"""The README's tour, run as a reader would paste it: every ```sh block in order, in one
shell, against a live server on a fresh demo database (what `make run` serves).

Each curl must answer 2xx unless its command says otherwise with `# expect NNN` (on its
last line); a transport error, a non-zero exit or an unannounced status fails the test.
Blocks the reader does not paste into the tour (quick start, Docker) are ```console.
"""

import os
import re
import subprocess
from pathlib import Path

from tests import live

FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
EXPECT = re.compile(r"#\s*expect\s+(\d{3})\b")
CURL_COMMAND = re.compile(r"(^|[;|&(]\s*|\$\(\s*)curl ", re.M)
README_BASE = "http://127.0.0.1:8000"

# What the test puts around the reader's commands: `curl` records every status it got.
PREAMBLE = r"""
set -euo pipefail
curl() {
  local headers status
  headers=$(mktemp)
  if ! command curl -sS -D "$headers" "$@"; then
    echo "TRANSPORT $*" >> "$README_LOG"; rm -f "$headers"; return 1
  fi
  status=$(awk '/^HTTP\//{s=$2} END{print s}' "$headers")
  rm -f "$headers"
  set -- "${*//$'\n'/ }"  # one log line per call
  if [[ -n "${EXPECT:-}" ]]; then
    if [[ "$status" != "$EXPECT" ]]; then
      echo "UNEXPECTED $status (wanted $EXPECT) $*" >> "$README_LOG"; return 1
    fi
  else
    [[ "$status" == 2* ]] || { echo "UNEXPECTED $status $*" >> "$README_LOG"; return 1; }
  fi
  echo "OK $status $*" >> "$README_LOG"
}
"""


def shell_blocks(readme: str) -> list[str]:
    return [match.group(1) for match in FENCE.finditer(readme)]


def announce_expected_statuses(block: str) -> str:
    """`curl … # expect 412` (the comment on the command's last line) becomes
    `EXPECT=412 curl …`: the nearest curl before the comment that starts a command."""
    for expected in reversed(list(EXPECT.finditer(block))):
        starts = list(CURL_COMMAND.finditer(block, 0, expected.start()))
        assert starts, f"no curl before {expected.group(0)!r}"
        at = starts[-1].end() - len("curl ")
        block = f"{block[:at]}EXPECT={expected.group(1)} {block[at:]}"
    return block


def test_the_readme_tour_runs_top_to_bottom(repo_root: Path, tmp_path: Path) -> None:
    readme = (repo_root / "README.md").read_text("utf-8")
    blocks = shell_blocks(readme)
    assert len(blocks) >= 8
    script = PREAMBLE + "\n".join(
        f"echo '--- README block {n}' >> \"$README_LOG\"\n" + announce_expected_statuses(block)
        for n, block in enumerate(blocks, start=1)
    )
    database_url = live.live_database_url(tmp_path)
    live.command(database_url, "demo")
    # The reader's working copy: commands name files relative to the repository root,
    # and whatever they write lands here, not in the repository.
    workdir = tmp_path / "reader"
    workdir.mkdir()
    for name in (".venv", "tests"):
        (workdir / name).symlink_to(repo_root / name)
    log = tmp_path / "readme.log"  # what each call answered
    with live.serving(database_url, tmp_path / "server.log") as server:
        result = subprocess.run(
            ["/bin/bash", "-c", script.replace(README_BASE, server.url)],
            cwd=workdir,
            env={**os.environ, "DATABASE_URL": database_url, "README_LOG": str(log)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    calls = log.read_text("utf-8") if log.exists() else ""
    failures = [line for line in calls.splitlines() if not line.startswith(("OK", "---"))]
    report = f"{failures}\n--- stderr\n{result.stderr[-4000:]}\n--- calls\n{calls[-4000:]}"
    assert not failures, report
    assert result.returncode == 0, report
    assert calls.count("\nOK ") >= 60, calls
