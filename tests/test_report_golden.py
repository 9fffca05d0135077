"""Golden files for every report format (hledger's shell tests, git-bug's
`-update`): a fixture desk is built with the real CLI at fixed times, each
report is run and compared exactly with `tests/golden/<name>`.

Refresh after an intended change, then read the diff before committing:

    TIX_UPDATE_GOLDEN=1 python -m pytest tests/test_report_golden.py

(pytest options can only be added from the root conftest or a plugin, so the
switch is an environment variable.) The ITIL and estimate sections come from
other modules and have their own tests; they are left out here so that their
changes do not churn these files."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .conftest import Desk, make_desk

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TIX_UPDATE_GOLDEN") == "1"
NOW = "2026-11-23T10:00:00+01:00"
INTERNAL = "GOLDEN-INTERNAL-NOTE"

PEOPLE = {
    "contoso": ["Jan de Vries <jan@contoso.com>", "Anouk Bakker <anouk@contoso.com>", "Piet Jansen <piet@contoso.com>"],
    "fabrikam": ["Klaus Weber <klaus@fabrikam.de>", "Jana Novak <jana@fabrikam.de>"],
    None: ["Front desk <desk@example.org>"],
}
TITLES = ["Printer offline", "VPN drops every hour", "Mailbox full", "New starter account", "Laptop will not boot",
          "Switch port flapping", "Backup job failed", "Teams calls choppy", "Password reset", "Shared drive slow"]


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M")


def _workday(t: datetime) -> datetime:
    while t.weekday() >= 5:
        t += timedelta(days=1)
    return t


def build_golden_desk(root: Path) -> Desk:
    """About sixty tickets over twelve months, from a fixed random seed."""
    d = make_desk(root)
    rng = random.Random(2026)

    def run(*args: str) -> str:
        return d.ok(*args, now=NOW)

    months = [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]
    for y, m in months:
        for _ in range(rng.randint(3, 7)):
            t = _workday(datetime(y, m, rng.randint(1, 26), rng.choice([8, 9, 10, 11, 13, 14, 15]),
                                  rng.choice([0, 15, 30, 45])))
            org = rng.choice(["contoso", "contoso", "fabrikam", None])
            args = ["new", "--title", rng.choice(TITLES), "--requester", rng.choice(PEOPLE[org]),
                    "--impact", str(rng.choice([1, 1, 2, 4])), "--urgency", str(rng.choice([1, 2, 2, 4, 8])),
                    "--channel", rng.choice(["phone", "email", "portal", "monitoring"]),
                    "--category", rng.choice(["incident", "incident", "incident", "request"]), "--at", _fmt(t)]
            if org:
                args += ["--org", org]
            tid = run(*args).splitlines()[0]

            def step(lo: int, hi: int) -> str:
                nonlocal t
                t += timedelta(minutes=rng.randint(lo, hi))
                return _fmt(t)

            if rng.random() < 0.85:
                run("take", tid, "--at", step(5, 200))
            run("comment", tid, "-m", "We are looking into it.", "--at", step(5, 60))
            if rng.random() < 0.4:
                run("comment", tid, "--internal", "-m", f"{INTERNAL} {tid}", "--at", step(1, 30))
            for _ in range(rng.randint(0, 3)):
                flags = rng.choice([[], [], ["--onsite"], ["--after-hours"], ["--no-bill"]])
                run("work", tid, f"{rng.choice([10, 20, 30, 45, 60, 90])}m", *flags, "-m", "work", "--at",
                    step(10, 120))
            if rng.random() < 0.2:
                run("escalate", tid, "--at", step(10, 60))
            if rng.random() < 0.25:
                run("status", tid, "waiting", "--at", step(5, 60))
                t += timedelta(days=rng.randint(1, 6))
                run("status", tid, "open", "--at", step(5, 60))
            if (y, m) == (2026, 10) and rng.random() < 0.5:
                continue  # left open: the backlog
            t = _workday(t + timedelta(hours=rng.choice([0, 1, 3, 20, 48])))
            run("resolve", tid, "--solution", "Fixed.", "--at", step(5, 120))
            if rng.random() < 0.15:
                run("reopen", tid, "-m", "still broken", "--at", step(60, 600))
                run("resolve", tid, "--solution", "Fixed again.", "--at", step(30, 300))
            if rng.random() < 0.5:
                run("feedback", tid, str(rng.choice([3, 4, 4, 5, 5])), "--at", step(30, 600))
            if rng.random() < 0.6:
                run("close", tid, "--at", step(600, 5000))
    return d


@pytest.fixture(scope="module")
def golden_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return build_golden_desk(tmp_path_factory.mktemp("golden") / "desk")


@pytest.fixture(autouse=True)
def _no_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    import tix.reports.monthly

    monkeypatch.setattr(tix.reports.monthly, "_month_extras", lambda *a, **k: {})  # the IT manager's view too


CASES = [
    ("report-2026-10.txt", ["month", "2026-10"]),
    ("report-2026-10.json", ["month", "2026-10", "--format", "json"]),
    ("report-2026-10.csv", ["month", "2026-10", "--format", "csv"]),
    ("report-2026-10.md", ["month", "2026-10", "--format", "markdown"]),
    ("report-2026-10.html", ["month", "2026-10", "--format", "html"]),
    ("report-2026-10-contoso.txt", ["month", "2026-10", "--org", "contoso"]),
    ("report-2026-10-contoso.json", ["month", "2026-10", "--org", "contoso", "--format", "json"]),
    ("report-2026-10-contoso.csv", ["month", "2026-10", "--org", "contoso", "--format", "csv"]),
    ("report-2026-10-contoso.md", ["month", "2026-10", "--org", "contoso", "--format", "markdown"]),
    ("report-2026-10-contoso.html", ["month", "2026-10", "--org", "contoso", "--format", "html"]),
    ("period-2026-by-month.txt", ["period", "2026", "--by", "month"]),
    ("period-2026-by-month.json", ["period", "2026", "--by", "month", "--format", "json"]),
    ("period-2026-by-month.html", ["period", "2026", "--by", "month", "--format", "html"]),
    ("period-2026-Q3-by-week.md", ["period", "2026-Q3", "--by", "week", "--format", "markdown"]),
    ("period-2026-10-by-team.txt", ["period", "2026-10", "--by", "team"]),
    ("period-2026-by-org.csv", ["period", "2026", "--by", "org", "--format", "csv"]),
    ("period-since-until.txt", ["period", "--since", "2026-09-15", "--until", "2026-10-15"]),
]


@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_golden(golden_desk: Desk, name: str, args: list[str]) -> None:
    out = golden_desk.ok("report", *args, now=NOW)
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8", newline="")
        return
    assert path.exists(), f"{path} is missing: run TIX_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    expected = path.read_bytes().decode("utf-8")  # exact: CSV lines end in \r\n
    assert out == expected, f"{name} differs from the golden file; if intended, refresh with TIX_UPDATE_GOLDEN=1"


def test_goldens_are_private(golden_desk: Desk) -> None:
    """The fixture has internal notes and two organisations: the contoso
    goldens hold neither the notes nor anything of fabrikam."""
    for name, _ in CASES:
        text = (GOLDEN / name).read_text(encoding="utf-8")
        assert INTERNAL not in text, name
        if "contoso" in name:
            assert "fabrikam" not in text.lower() and "klaus" not in text.lower(), name


def test_the_fixture_is_rich_enough(golden_desk: Desk) -> None:
    """Guard against a seed change that would leave a section empty."""
    import json

    r = json.loads((GOLDEN / "report-2026-10.json").read_text(encoding="utf-8"))
    assert r["opened"] >= 3 and r["backlog"] >= 2 and r["sla"]["breaches"]
    assert len(r["by_org"]) >= 2 and r["amount"] != "0.00"
    assert sum(1 for t in r["trend"] if t["opened"]) >= 12
    c = json.loads((GOLDEN / "report-2026-10-contoso.json").read_text(encoding="utf-8"))
    assert c["tickets"] and any(t["work"] for t in c["tickets"]) and any(t["history"] for t in c["tickets"])
