"""The demo desk at the repository root (policies.yaml and tickets/, written by
scripts/make_demo.py) and the benchmark generator (bench/generate.py).

The committed demo must be exactly what the script writes today (byte for
byte), load cleanly, tell seed 000's Contoso story, and exercise what the
SPEC promises a realistic desk holds. If the first test fails after a change
to the writer or the generator, regenerate: `python scripts/make_demo.py`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tix.core.events import LINK_KINDS
from tix.core.policy import load_policy
from tix.core.priority import rate
from tix.core.ticket import Ticket
from tix.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-23T10:00:00+01:00"  # the demo's "today", a Monday
CUTOFF = datetime.fromisoformat("2026-11-20T18:00:00+01:00")


def desk_files(root: Path) -> dict[str, bytes]:
    """policies.yaml and everything under tickets/ (claim files included)."""
    out = {"policies.yaml": (root / "policies.yaml").read_bytes()}
    for p in sorted((root / "tickets").rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def tickets() -> list[Ticket]:
    store = Store(ROOT)
    return [store.load_path(p) for p in store.ticket_paths()]


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    return load_policy(ROOT / "policies.yaml")


@pytest.fixture(scope="module")
def by_id(tickets: list[Ticket]) -> dict[str, Ticket]:
    return {t.id: t for t in tickets}


@pytest.fixture(scope="module")
def contoso(tickets: list[Ticket], by_id: dict[str, Ticket]) -> dict[str, Ticket]:
    inc = [t for t in tickets if t.org == "contoso" and t.category == "incident"
           and t.created.date().isoformat() == "2026-10-05" and (t.impact, t.urgency) == (4, 8)]
    assert len(inc) == 1, "Contoso's outage of Monday 5 October 2026 (impact 4 x urgency 8) is missing"
    t = inc[0]
    return {"incident": t, "change": by_id[t.linked("fixed-by")[0]], "problem": by_id[t.linked("caused-by")[0]],
            "duplicate": by_id[t.linked("duplicated-by")[0]]}


def run_tix(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
    env.update(TIX_NOW=NOW, TIX_USER="sanne", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "tix", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


# ------------------------------------------------------------------ the committed desk is the script's output

def test_demo_regenerates_byte_identically(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo.py"), "--out", str(tmp_path), "--quiet"],
                   check=True, timeout=300)
    fresh, committed = desk_files(tmp_path), desk_files(ROOT)
    assert sorted(fresh) == sorted(committed), "file lists differ: run `python scripts/make_demo.py`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"{len(changed)} files differ, e.g. {changed[:3]}: run `python scripts/make_demo.py`"


def test_make_demo_refuses_a_desk_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text("timezone: Europe/Amsterdam\n")
    (tmp_path / "tickets").mkdir()
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo.py"), "--out", str(tmp_path), "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "refusing" in r.stderr
    assert (tmp_path / "policies.yaml").read_text() == "timezone: Europe/Amsterdam\n"


# ------------------------------------------------------------------ it loads

def test_policy_loads_with_teams_orgs_and_seed_001_table(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy.timezone == "Europe/Amsterdam" and policy.calendar_spec.country == "NL"
    assert [(r.name, r.min_score, r.response, r.resolve, r.escalate, r.clock) for r in policy.priorities] == [
        ("urgent", 64, 0, 60, 30, "24x7"), ("high", 16, 120, 240, 180, "business"),
        ("normal", 2, 480, 720, 600, "business"), ("low", 1, 960, 1440, 1200, "business")]
    assert {t: policy.teams[t].line for t in policy.teams} == {
        "servicedesk": 1, "connectivity": 2, "cloud": 2, "modern-workplace": 2, "backup": 2, "security": 3}
    assert all(t.members and t.email for t in policy.teams.values())
    assert str(policy.billing.rates["PROGP85"]) == "85.00" and policy.billing.increment == 15
    assert policy.billing.onsite_minimum == 60 and str(policy.billing.after_hours_multiplier) == "1.5"
    assert len(policy.orgs) >= 5
    assert {o.language for o in policy.orgs.values()} == {"nl", "de", "cs", "no", "en"}
    assert policy.orgs["contoso"].name == "Contoso B.V." and policy.orgs["fabrikam"].name == "Fabrikam GmbH"


def test_every_ticket_loads_and_there_are_enough(tickets: list[Ticket]) -> None:
    assert len(tickets) >= 150
    assert len({t.id for t in tickets}) == len(tickets)
    ids = [e["id"] for t in tickets for e in t.events]
    assert len(ids) == len(set(ids)), "event ids must be unique across the desk"


def test_prefixes_are_claimed_once() -> None:
    claims = Store(ROOT).claims()
    assert 3 <= len(claims) <= 4 and all(len(c) == 1 for c in claims.values())


def test_time_span_and_nothing_after_friday(tickets: list[Ticket]) -> None:
    months = Counter(t.created.strftime("%Y-%m") for t in tickets)
    assert set(months) == {"2026-08", "2026-09", "2026-10", "2026-11"}
    last = max(datetime.fromisoformat(e["at"]) for t in tickets for e in t.events)
    assert last <= CUTOFF
    old = [t for t in tickets if t.created.strftime("%Y-%m") < "2026-11"]
    assert sum(not t.is_open for t in old) / len(old) > 0.95  # August to October: nearly all done


def test_links_are_mutual(tickets: list[Ticket], by_id: dict[str, Ticket]) -> None:
    for t in tickets:
        for kind, other in t.links:
            assert (LINK_KINDS[kind], t.id) in by_id[other].links, f"{t.id} {kind} {other} has no inverse"


# ------------------------------------------------------------------ seed 000: Contoso

def test_contoso_outage_is_told_and_linked(contoso: dict[str, Ticket], policy) -> None:  # type: ignore[no-untyped-def]
    from tix.core import sla

    inc, change, problem, dup = contoso["incident"], contoso["change"], contoso["problem"], contoso["duplicate"]
    assert inc.f("channel") == "phone" and inc.created.strftime("%H:%M") == "08:31"
    assert "15 medewerkers" in inc.f("description") and inc.f("dept") == "Orderverwerking"
    assert rate(policy, inc.impact, inc.urgency).name == "high"
    assert inc.created_by in policy.teams["servicedesk"].members
    assert [e["to_team"] for e in inc.escalations] == ["connectivity"] and inc.team == "connectivity"
    assert inc.status == "closed" and "core switch" in (inc.solution or "")
    assert any(w.get("onsite") and w.get("rate") == "ONSITE" for w in inc.work)
    clocks = sla.compute(inc, policy, datetime.fromisoformat(NOW))
    assert (clocks.response.state, clocks.resolve.state, clocks.escalate.state) == ("met", "met", "met")
    # The root cause: a problem, and the change that replaces the failed switch.
    assert problem.category == "problem" and problem.f("known_error") and problem.f("root_cause")
    assert change.category == "change" and change.f("change_kind") == "normal" and change.approvals
    assert change.status == "closed" and "core switch" in change.title.lower()
    assert change.id in problem.linked("fixed-by") and inc.id in change.linked("fixes")
    assert inc.id in problem.linked("causes")
    assert dup.linked("duplicate-of") == [inc.id] and dup.status == "closed"
    after = [w for w in change.work if w.get("onsite") and w.get("after_hours")]
    assert after, "the switch is replaced on site, after hours"


# ------------------------------------------------------------------ a realistic shop

def test_orgs_teams_people_languages(tickets: list[Ticket], policy) -> None:  # type: ignore[no-untyped-def]
    assert len({t.org for t in tickets}) >= 5
    assert {t.team for t in tickets} == set(policy.teams)
    names = {t.requester.get("name", "") for t in tickets}
    for name in ("Jürgen Müller", "Jiří Dvořák", "Øystein Hålien", "Petra Nováková"):
        assert name in names
    assert sum(not n.isascii() for n in names) >= 15
    langs = {policy.orgs[t.org].language for t in tickets if t.org}
    assert langs == {"nl", "de", "cs", "no", "en"}
    assert set(Counter(t.f("channel") for t in tickets)) >= {"phone", "email", "portal", "monitoring",
                                                              "backup-check", "project", "sales", "walk-in"}


def test_the_shape_of_the_work(tickets: list[Ticket], policy) -> None:  # type: ignore[no-untyped-def]
    cats = Counter(t.category for t in tickets)
    assert cats["incident"] > cats["request"] > cats["change"] > cats["problem"] >= 2
    assert {t.f("change_kind") for t in tickets if t.category == "change"} == {"standard", "normal", "emergency"}
    assert {rate(policy, t.impact, t.urgency).name for t in tickets} == {"urgent", "high", "normal", "low"}
    events = [e for t in tickets for e in t.events]
    kinds = Counter(e["type"] for e in events)
    for etype in ("taken", "commented", "status", "worked", "resolved", "closed", "reopened", "linked",
                  "escalated", "assigned", "feedback", "approved", "planned", "set"):
        assert kinds[etype] > 0, etype
    assert sum(1 for t in tickets if t.reopens) >= 3
    assert sum(1 for t in tickets if any(s == "waiting" for _, s in t.status_log)) >= 10
    assert sum(1 for t in tickets if t.linked("parent-of")) >= 3
    assert {e["line"] for t in tickets for e in t.escalations} == {2, 3}
    assert any(e.get("auto") for t in tickets for e in t.escalations)
    work = [w for t in tickets for w in t.work]
    assert all(1 <= w["minutes"] <= 240 for w in work)
    assert sum(1 for w in work if w.get("onsite")) >= 10
    assert any(w.get("no_bill") for w in work) and any(w.get("after_hours") for w in work)
    assert sum(1 for e in events if e["type"] == "commented" and e.get("internal")) >= 20
    assert sum(1 for e in events if e["type"] == "commented" and e.get("requester")) >= 20
    assert sum(1 for t in tickets if t.f("estimate")) >= 10
    assert any(t.f("agreed_due") and t.f("agreed_due") != t.f("due") for t in tickets)


def test_work_logged_late(tickets: list[Ticket]) -> None:
    """Some entries were recorded in the next month with --at (they sit after later events in the file)."""
    late = [w for t in tickets for i, w in enumerate(t.events)
            if w["type"] == "worked" and any(x["at"] > w["at"] for x in t.events[:i])]
    assert len(late) >= 3


def test_today_has_open_work(tickets: list[Ticket], policy) -> None:  # type: ignore[no-untyped-def]
    from tix.core import sla

    now = datetime.fromisoformat(NOW)
    open_ = [t for t in tickets if t.is_open]
    assert 5 <= len(open_) <= 40
    states = Counter()
    for t in open_:
        s = sla.compute(t, policy, now)
        states.update(c.state for c in (s.response, s.resolve, s.escalate))
    assert states["breached"] >= 2 and states["at-risk"] >= 1
    planned = [t for t in open_ if t.plan and t.plan["start"] >= "2026-11-23"]
    assert len(planned) >= 2
    assert any(t.status == "new" for t in open_) and any(t.status == "waiting" for t in open_)


# ------------------------------------------------------------------ the real CLI from the repository root

def test_cli_works_from_the_repository_root(contoso: dict[str, Ticket]) -> None:
    inc = contoso["incident"]
    r = run_tix("list")
    assert r.returncode == 0, r.stderr
    r = run_tix("show", inc.id, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["id"] == inc.id and data["priority"] == "high" and data["org"] == "contoso"
    r = run_tix("sla")
    assert r.returncode == 0, r.stderr


def test_internal_notes_stay_out_of_the_customer_view(tickets: list[Ticket], contoso: dict[str, Ticket]) -> None:
    notes = [e["text"] for t in tickets if t.org == "contoso" for e in t.events
             if e["type"] == "commented" and e.get("internal")]
    assert notes
    r = run_tix("show", contoso["incident"].id, "--public")
    assert r.returncode == 0, r.stderr
    assert not any(n in r.stdout for n in notes)
    from tix.cli.boundary import _available

    for args in (("report", "month", "2026-10", "--org", "contoso"), ("invoice", "2026-10", "--org", "contoso")):
        if not _available(args[0]):
            continue
        r = run_tix(*args)
        assert r.returncode == 0, r.stderr
        assert not any(n in r.stdout for n in notes), f"an internal note leaks into `tix {' '.join(args)}`"


# ------------------------------------------------------------------ the benchmark generator

def _bench(out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--tickets", "200", "--out", str(out),
                    "--seed", "7", *extra], check=True, capture_output=True, timeout=300)


def test_bench_generator_writes_a_loadable_desk(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    _bench(one)
    store = Store(one)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    assert len(tickets) == 200
    load_policy(one / "policies.yaml")
    assert all(3 <= len(t.events) <= 30 for t in tickets)
    assert len({t.org for t in tickets}) >= 5
    assert min(t.created for t in tickets).year <= 2025  # spread over two years
    by_id = {t.id: t for t in tickets}
    for t in tickets:
        for kind, other in t.links:
            assert (LINK_KINDS[kind], t.id) in by_id[other].links
    sizes = [p.stat().st_size for p in store.ticket_paths()]
    assert 1024 <= sum(sizes) / len(sizes) <= 3 * 1024
    # The prefixes are generated independently: the output does not depend on --workers.
    _bench(two, "--workers", "2")
    assert desk_files(one) == desk_files(two)
