"""`tix work` and the time shown by `tix show`, end to end (real CLI in a
subprocess, fresh desk from `tix init`).

Seed-001 defaults: 15-minute units, on-site at least 60 minutes, PROGP85
85.00/h (the default rate), ONSITE 95.00/h, after hours x1.5, service hours
Mon-Fri 08:00-17:30 Europe/Amsterdam. Tue 2026-11-24 10:00 is inside them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOW = "2026-11-24T16:00:00+01:00"  # a Tuesday afternoon
TUE = "2026-11-24T10:00"


class Desk:
    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str, now: str = NOW) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
        env.update(TIX_DIR=str(self.root), TIX_USER="anna", TIX_NOW=now, NO_COLOR="1")
        return subprocess.run([sys.executable, "-m", "tix", *args], capture_output=True, text=True, env=env,
                              cwd=self.root if self.root.is_dir() else self.root.parent, timeout=60)

    def ok(self, *args: str, **kw: str) -> str:
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"tix {' '.join(args)} -> {r.returncode}\n{r.stderr}"
        return r.stdout

    def show(self, tid: str) -> dict:
        return json.loads(self.ok("show", tid, "--format", "json"))

    def worked(self, tid: str) -> list[dict]:
        return [e for e in self.show(tid)["events"] if e["type"] == "worked"]

    def snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*"))
                if p.is_file() and ".tix" not in p.parts and ".git" not in p.parts}


@pytest.fixture
def wdesk(tmp_path: Path) -> tuple[Desk, str]:
    d = Desk(tmp_path / "desk")
    d.ok("init", str(d.root), now="2026-11-01T09:00:00+01:00")
    tid = d.ok("new", "--title", "Printer offline", now="2026-11-02T09:00:00+01:00").splitlines()[0]
    return d, tid


@pytest.mark.parametrize("duration, minutes", [("45m", 45), ("1h30m", 90), ("1.5h", 90), ("90", 90), ("24h", 1440),
                                               ("1", 1), ("2h", 120)])
def test_durations(wdesk: tuple[Desk, str], duration: str, minutes: int) -> None:
    d, tid = wdesk
    d.ok("work", tid, duration, "--at", TUE)
    (ev,) = d.worked(tid)
    assert ev["minutes"] == minutes


@pytest.mark.parametrize("args", [
    ["0"], ["0m"], ["-5"], ["-1h"], ["24h1m"], ["25h"], ["abc"], ["1x"], ["h"], [""],
    ["45m", "--rate", "NOPE"],
    ["45m", "--at", "2027-01-01T10:00"],  # in the future
    ["45m", "--at", "2026-10-01T10:00"],  # before the ticket was opened
    ["45m", "--at", "not a time"],
])
def test_refused_with_exit_2_and_nothing_written(wdesk: tuple[Desk, str], args: list[str]) -> None:
    d, tid = wdesk
    before = d.snapshot()
    r = d.run("work", tid, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and r.stderr.strip()
    assert d.snapshot() == before


def test_unknown_ticket_refused(wdesk: tuple[Desk, str]) -> None:
    d, _ = wdesk
    before = d.snapshot()
    r = d.run("work", "ZZ-9999", "45m")
    assert r.returncode == 2 and d.snapshot() == before


def test_flags_are_recorded(wdesk: tuple[Desk, str]) -> None:
    d, tid = wdesk
    d.ok("work", tid, "20m", "--onsite", "--rate", "ONSITE", "--at", TUE, "-m", "on site")
    d.ok("work", tid, "15m", "--after-hours", "--at", TUE)
    d.ok("work", tid, "30m", "--no-bill", "--at", TUE, "-m", "goodwill")
    a, b, c = d.worked(tid)
    assert (a["minutes"], a["onsite"], a["rate"], a["note"], a["by"]) == (20, True, "ONSITE", "on site", "anna")
    assert a["at"] == "2026-11-24T10:00:00+01:00"
    assert b["after_hours"] is True and "onsite" not in b
    assert c["no_bill"] is True and c["note"] == "goodwill"


def test_default_at_is_now(wdesk: tuple[Desk, str]) -> None:
    d, tid = wdesk
    d.ok("work", tid, "15m")
    (ev,) = d.worked(tid)
    assert ev["at"] == NOW


# Rounding edges through the real command: (duration, billed minutes, amount at 85.00/h)
EDGES = [("1m", 15, "21.25"), ("14m", 15, "21.25"), ("15m", 15, "21.25"), ("16m", 30, "42.50"),
         ("59m", 60, "85.00"), ("60m", 60, "85.00"), ("61m", 75, "106.25")]


def test_show_lists_actual_and_billed(wdesk: tuple[Desk, str]) -> None:
    d, tid = wdesk
    for dur, _, _ in EDGES:
        d.ok("work", tid, dur, "--at", TUE)
    d.ok("work", tid, "45m", "--onsite", "--at", TUE)  # on-site: 60 min = 85.00
    d.ok("work", tid, "30m", "--no-bill", "--at", TUE)  # 0
    d.ok("work", tid, "60m", "--at", "2026-11-23T19:00")  # Monday evening: 85 x 1.5 = 127.50
    time = d.show(tid)["time"]
    # actual: 1+14+15+16+59+60+61 = 226, +45 +30 +60 = 361
    # billed: 15+15+15+30+60+60+75 = 270, +60 +0 +60 = 390
    # amount: 21.25 x 3 + 42.50 + 85 + 85 + 106.25 = 382.50; + 85.00 + 0 + 127.50 = 595.00
    assert time["minutes"] == 361 and time["billed_minutes"] == 390 and time["amount"] == "595.00"
    text = d.ok("show", tid)
    assert "billed" in text and "1h01m" in text and "1h15m" in text and "127.50" in text


@pytest.mark.parametrize("duration, billed, amount", EDGES)
def test_work_prints_billed(wdesk: tuple[Desk, str], duration: str, billed: int, amount: str) -> None:
    d, tid = wdesk
    out = d.ok("work", tid, duration, "--at", TUE)
    assert amount in out
    (ev,) = d.worked(tid)
    assert d.show(tid)["time"]["billed_minutes"] == billed


def test_negative_durations_are_refused_and_nothing_written(tmp_path):
    """click reads "-5" as an option: refused with exit 2 either way (never help, never a write)."""
    from tests.conftest import make_desk

    desk = make_desk(tmp_path / "d")
    tid = desk.new("--title", "x")
    before = desk.snapshot()
    for bad in ("-5", "-1h", "-90m"):
        r = desk.run("work", tid, bad)
        assert r.code == 2 and "Traceback" not in r.err, (bad, r)
    r = desk.run("work", tid, "30m", "--onsit")
    assert r.code == 2 and "--onsit" in r.err
    assert desk.snapshot() == before
