"""Golden files for the everyday commands on the demo desk: `show`, `list`,
`sla` and `invoice`, as text and as JSON. The demo desk is the repository root
(policies.yaml, tickets/ and invoices/, written by scripts/make_demo.py); each
command runs as a user runs it (a subprocess, `TIX_NOW` fixed to the demo's
Monday morning, no colour) and its output is compared exactly with
`tests/golden/cli-<name>`.

Refresh after an intended change, then read the diff before committing:

    TIX_UPDATE_GOLDEN=1 python -m pytest tests/test_cli_golden.py

(the same switch as tests/test_report_golden.py). The outputs must not depend
on the machine: the same commands run again on a copy of the desk in a fresh
directory (no git, no index cache) must print the same bytes, and nothing may
name a local path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TIX_UPDATE_GOLDEN") == "1"
NOW = "2026-11-23T10:00:00+01:00"  # the demo's "today", a Monday

CASES = {
    # Contoso's network outage: closed, escalated, linked to its problem, change and duplicate
    "show-DV-0025.txt": ["show", "DV-0025"],
    "show-DV-0025.json": ["show", "DV-0025", "--format", "json"],
    # open, breached, work logged, planned for later this week
    "show-DV-0055.txt": ["show", "DV-0055"],
    "show-DV-0055.json": ["show", "DV-0055", "--format", "json"],
    "list.txt": ["list"],
    "list.json": ["list", "--format", "json"],
    "list-all-contoso.txt": ["list", "--all", "--org", "contoso"],
    "sla.txt": ["sla"],
    "sla.json": ["sla", "--format", "json"],
    "invoice-2026-11-contoso.txt": ["invoice", "2026-11", "--org", "contoso"],
    "invoice-2026-11-contoso.json": ["invoice", "2026-11", "--org", "contoso", "--format", "json"],
    "invoice-show-2026-09-001.txt": ["invoice", "--show", "2026-09-001"],
    "invoice-show-2026-09-001.json": ["invoice", "--show", "2026-09-001", "--format", "json"],
}


def run_tix(args: list[str], *, cwd: Path, desk: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_") and k not in ("COLUMNS", "LINES")}
    env.update(TIX_NOW=NOW, TIX_USER="sanne", NO_COLOR="1")
    if desk is not None:
        env["TIX_DIR"] = str(desk)
    r = subprocess.run([sys.executable, "-m", "tix", *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, f"tix {' '.join(args)}: exit {r.returncode}\n{r.stderr}"
    assert r.stderr == "", r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo desk copied into a new directory: no git, no local state."""
    d = tmp_path_factory.mktemp("fresh") / "desk"
    d.mkdir()
    shutil.copy2(ROOT / "policies.yaml", d / "policies.yaml")
    for sub in ("tickets", "invoices"):
        shutil.copytree(ROOT / sub, d / sub)
    return d


@pytest.mark.parametrize("name", list(CASES))
def test_cli_golden(name: str, fresh_copy: Path) -> None:
    got = run_tix(CASES[name], cwd=ROOT)
    path = GOLDEN / f"cli-{name}"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run TIX_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs (refresh with TIX_UPDATE_GOLDEN=1)"
    for local in (str(ROOT), str(fresh_copy), os.path.expanduser("~")):
        assert local not in got, f"{path.name} names a local path ({local})"
    # stable: the same bytes from a fresh copy elsewhere, read without any cache
    assert run_tix(CASES[name], cwd=fresh_copy.parent, desk=fresh_copy) == got, f"{path.name}: differs in a fresh copy"
