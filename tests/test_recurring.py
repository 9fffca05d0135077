"""Recurring work: schedules (hand-computed dates across month ends, the
31st, February, both DST changes, weekends and holidays), `tix recur run`
exactly once per desk (twice, late, two clones before they sync), `tix recur
list`, and checklists on the occurrences."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk, policy_text
from tix.core.policy import parse_policy


def policy_with(rules: str) -> str:
    return policy_text() + "recurring:\n" + rules


def occ(rules: str, upto: str, since: str | None = None) -> list[str]:
    from tix.core.recurrence import business_day_test, occurrences

    p = parse_policy(policy_with(rules))
    out = []
    for r in p.recurring:
        out += occurrences(r, p.tz, business_day_test(p), datetime.fromisoformat(upto),
                           since=datetime.fromisoformat(since) if since else None)
    return [f"{o.at.isoformat()} {o.org or '-'}" for o in sorted(out, key=lambda o: (o.at, o.org or ""))]


PATCH = """  - name: patch-round
    from: 2026-12-01
    every: month
    on: first monday
    at: "09:00"
    holiday: next-business-day
    orgs: [contoso, fabrikam]
    title: "Patch round {year}-{month:02}"
    category: change
    change_kind: standard
    team: servicedesk
    estimate: 2h
    checklist: [Windows updates on servers, Firewall firmware, Backups checked after reboot]
"""


def test_first_monday_of_the_month_per_org() -> None:
    # Dec 2026 starts on a Tuesday: the 7th; Jan 2027 on a Friday: the 4th; Feb 2027 on a Monday: the 1st
    assert occ(PATCH, "2027-02-28T00:00:00+01:00") == [
        "2026-12-07T09:00:00+01:00 contoso", "2026-12-07T09:00:00+01:00 fabrikam",
        "2027-01-04T09:00:00+01:00 contoso", "2027-01-04T09:00:00+01:00 fabrikam",
        "2027-02-01T09:00:00+01:00 contoso", "2027-02-01T09:00:00+01:00 fabrikam"]


def test_the_31st_falls_on_the_last_day_of_shorter_months_and_february() -> None:
    rule = """  - {name: month-end, from: 2027-01-01, every: month, on: "31", at: "16:00", holiday: keep,
     title: "Month end {month}"}
"""
    got = [x[:10] for x in occ(rule, "2027-05-01T00:00:00+02:00")]
    assert got == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    leap = [x[:10] for x in occ(rule.replace("2027-01-01", "2028-02-01"), "2028-03-01T00:00:00+01:00")]
    assert leap == ["2028-02-29"]


def test_a_yearly_rule_from_the_29th_of_february() -> None:
    rule = """  - {name: licence, from: 2028-02-29, every: year, at: "10:00", holiday: keep, title: "Licences {year}"}
"""
    assert [x[:10] for x in occ(rule, "2031-01-01T00:00:00+01:00")] == ["2028-02-29", "2029-02-28", "2030-02-28"]


def test_quarterly_and_weekly_and_last_friday() -> None:
    q = """  - {name: q, from: 2026-01-15, every: quarter, on: "15", at: "09:00", holiday: keep, title: "Q"}
"""
    assert [x[:10] for x in occ(q, "2026-12-31T00:00:00+01:00")] == ["2026-01-15", "2026-04-15", "2026-07-15",
                                                                       "2026-10-15"]
    w = """  - {name: w, from: 2026-11-01, every: week, on: wednesday, at: "08:00", title: "W"}
"""
    assert [x[:10] for x in occ(w, "2026-11-30T00:00:00+01:00")] == ["2026-11-04", "2026-11-11", "2026-11-18",
                                                                       "2026-11-25"]
    lf = """  - {name: lf, from: 2026-10-01, every: month, on: last friday, at: "15:00", holiday: keep, title: "L"}
"""
    assert [x[:10] for x in occ(lf, "2026-12-31T00:00:00+01:00")] == ["2026-10-30", "2026-11-27", "2026-12-25"]


@pytest.mark.parametrize("how,expected", [
    ("keep", ["2026-12-25T15:00:00+01:00"]),
    ("skip", []),
    ("previous-business-day", ["2026-12-24T15:00:00+01:00"]),   # Christmas Friday -> Thursday
    ("next-business-day", ["2026-12-28T15:00:00+01:00"]),       # over the 26th and the weekend -> Monday
])
def test_a_holiday_moves_or_skips_the_occurrence(how: str, expected: list[str]) -> None:
    rule = f"""  - {{name: lf, from: 2026-12-01, every: month, on: last friday, at: "15:00", holiday: {how},
     title: "L"}}
"""
    assert [x.split()[0] for x in occ(rule, "2027-01-10T00:00:00+01:00")] == expected


def test_a_weekend_moves_to_the_next_business_day() -> None:
    rule = """  - {name: first, from: 2026-08-01, every: month, on: "1", at: "09:00", title: "F"}
"""
    # 1 Aug 2026 is a Saturday -> Monday 3 Aug (summer time)
    assert occ(rule, "2026-08-31T00:00:00+02:00") == ["2026-08-03T09:00:00+02:00 -"]


def test_both_dst_changes() -> None:
    rule = """  - {name: nightly, from: 2026-10-24, every: day, at: "02:30", holiday: keep, title: "N"}
"""
    got = [x.split()[0] for x in occ(rule, "2026-10-26T12:00:00+01:00")]
    # 25 Oct 2026: 02:30 happens twice; the first (summer time) is the one
    assert got == ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    spring = rule.replace("2026-10-24", "2027-03-27")
    got = [x.split()[0] for x in occ(spring, "2027-03-29T12:00:00+02:00")]
    # 28 Mar 2027: 02:00 -> 03:00, 02:30 does not exist: 03:30 summer time
    assert got == ["2027-03-27T02:30:00+01:00", "2027-03-28T03:30:00+02:00", "2027-03-29T02:30:00+02:00"]


def test_bad_rules_are_refused_with_their_line() -> None:
    from tix.core.errors import PolicyError

    for bad, why in (("on: first monday", "on: fifth monday"), ("every: month", "every: fortnight"),
                     ("holiday: next-business-day", "holiday: never"), ("orgs: [contoso, fabrikam]", "orgs: [acme]")):
        with pytest.raises(PolicyError) as err:
            parse_policy(policy_with(PATCH.replace(bad, why)))
        assert err.value.line is not None and err.value.line > 1, str(err.value)


# ---------------------------------------------------------------- tix recur run / list

@pytest.fixture
def rdesk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path / "desk", policy=policy_with(PATCH))


def tickets(desk: Desk) -> list[str]:
    return sorted(p.stem for p in desk.root.glob("tickets/**/*.yaml"))


def test_run_creates_due_occurrences_once_and_catches_up_late(rdesk: Desk) -> None:
    assert "nothing due" in rdesk.ok("recur", "run", now="2026-12-07T08:59:00+01:00")
    out = rdesk.ok("recur", "run", now="2026-12-07T09:00:00+01:00")
    assert out.count("created") == 2 and "Patch round 2026-12" in out
    assert "nothing due" in rdesk.ok("recur", "run", now="2026-12-07T09:05:00+01:00")
    assert len(tickets(rdesk)) == 2
    # the machine was off all January: the February run makes January's too, dated when they were due
    out = rdesk.ok("recur", "run", "--format", "json", now="2027-02-02T07:00:00+01:00")
    rows = json.loads(out)
    assert [(r["occurrence"], r["at"]) for r in rows] == [
        ("patch-round/contoso/2027-01-04", "2027-01-04T09:00:00+01:00"),
        ("patch-round/fabrikam/2027-01-04", "2027-01-04T09:00:00+01:00"),
        ("patch-round/contoso/2027-02-01", "2027-02-01T09:00:00+01:00"),
        ("patch-round/fabrikam/2027-02-01", "2027-02-01T09:00:00+01:00")]
    assert len(tickets(rdesk)) == 6
    t = json.loads(rdesk.ok("show", rows[0]["ticket"], "--format", "json"))
    assert t["created"] == "2027-01-04T09:00:00+01:00" and t["category"] == "change" and t["org"] == "contoso"
    assert t["title"] == "Patch round 2027-01" and t["time"]["estimate_minutes"] == 120
    assert [c["text"] for c in t["checklist"]] == ["Windows updates on servers", "Firewall firmware",
                                                  "Backups checked after reboot"]
    assert t["recurring"] == {"rule": "patch-round", "occurrence": "patch-round/contoso/2027-01-04"}
    # the key map lost: still once
    for p in rdesk.root.rglob("keys.json"):
        p.unlink()
    assert "nothing due" in rdesk.ok("recur", "run", now="2027-02-02T08:00:00+01:00")


def test_checklist_on_an_occurrence_and_resolve_needs_it_done(rdesk: Desk) -> None:
    rdesk.ok("recur", "run", now="2026-12-07T09:00:00+01:00")
    tid = tickets(rdesk)[0]
    r = rdesk.run("resolve", tid, "-s", "done", now="2026-12-07T12:00:00+01:00")
    assert r.code == 2 and "open checklist items (1, 2, 3)" in r.err
    rdesk.ok("check", tid, "1", now="2026-12-07T10:00:00+01:00")
    rdesk.ok("check", tid, "3", now="2026-12-07T10:30:00+01:00", user="pieter")
    rdesk.ok("check", tid, "3", "--undo", now="2026-12-07T10:31:00+01:00")
    rdesk.ok("check", "add", tid, "Reboot the firewall", now="2026-12-07T10:40:00+01:00")
    t = json.loads(rdesk.ok("show", tid, "--format", "json", now="2026-12-07T11:00:00+01:00"))
    assert [(c["done"], c["by"], c["at"]) for c in t["checklist"]] == [
        (True, "anna", "2026-12-07T10:00:00+01:00"), (False, None, None), (False, None, None), (False, None, None)]
    assert t["checklist"][3]["text"] == "Reboot the firewall"
    text = rdesk.ok("show", tid, now="2026-12-07T11:00:00+01:00")
    assert "1. [x] Windows updates on servers" in text and "4. [ ] Reboot the firewall" in text
    for n in ("2", "3", "4"):
        rdesk.ok("check", tid, n, now="2026-12-07T11:30:00+01:00")
    assert rdesk.ok("resolve", tid, "-s", "done", now="2026-12-07T12:00:00+01:00").startswith(f"{tid}: resolved")
    other = tickets(rdesk)[1]
    assert rdesk.ok("resolve", other, "-s", "skipped", "--force", now="2026-12-07T12:00:00+01:00")
    r = rdesk.run("check", tid, "9")
    assert r.code == 2 and "1..4" in r.err


def test_recur_list_shows_the_coming_occurrences(rdesk: Desk) -> None:
    rows = json.loads(rdesk.ok("recur", "list", "--days", "60", "--format", "json",
                               now="2026-12-07T09:00:00+01:00"))
    assert [(r["at"], r["org"]) for r in rows] == [
        ("2027-01-04T09:00:00+01:00", "contoso"), ("2027-01-04T09:00:00+01:00", "fabrikam"),
        ("2027-02-01T09:00:00+01:00", "contoso"), ("2027-02-01T09:00:00+01:00", "fabrikam")]
    assert rows[0]["title"] == "Patch round 2027-01" and rows[0]["checklist"][1] == "Firewall firmware"
    assert tickets(rdesk) == []  # list writes nothing


def two_clones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Any]:
    """A bare remote and two clones of one desk (anna AB, pieter PV), both synced; (anna, pieter, git)."""
    from tests.test_sync import Desk as GitDesk
    from tests.test_sync import git

    for k, v in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1"}.items():
        monkeypatch.setenv(k, v)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    a_root = tmp_path / "anna"
    git(tmp_path, "init", "-q", "-b", "main", str(a_root))
    a = GitDesk(a_root, "anna")
    a_root.mkdir(exist_ok=True)
    (a_root / "policies.yaml").write_text(policy_with(PATCH), encoding="utf-8")
    (a_root / "tickets").mkdir()
    a.ok("init", str(a_root), "--prefix", "AB")
    git(a_root, "remote", "add", "origin", str(remote))
    a.ok("sync")
    b_root = tmp_path / "pieter"
    git(tmp_path, "clone", "-q", str(remote), str(b_root))
    b = GitDesk(b_root, "pieter")
    b.ok("init", str(b_root), "--prefix", "PV")
    b.ok("sync")
    a.ok("sync")
    return a, b, git


def test_two_clones_run_before_they_sync_and_sync_merges_the_duplicate(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, git = two_clones(tmp_path, monkeypatch)
    # both machines run cron before either syncs
    a.ok("recur", "run", now="2026-12-07T09:00:00+01:00")
    b.ok("recur", "run", now="2026-12-07T09:01:00+01:00")
    b.ok("check", "PV-0001", "2", now="2026-12-07T09:30:00+01:00")  # work done on the duplicate is kept
    b.ok("work", "PV-0001", "20m", "-m", "firmware", now="2026-12-07T09:40:00+01:00")
    b.ok("comment", "PV-0001", "-m", "firewall rebooted at 09:35", now="2026-12-07T09:41:00+01:00")
    a.ok("sync")
    # pieter's sync pulls anna's tickets and merges his duplicates into hers before it pushes
    out = b.ok("sync", now="2026-12-07T10:00:00+01:00")
    assert "PV-0001: merged into AB-0001 (the same occurrence patch-round/contoso/2026-12-07" in out, out
    assert "PV-0002: merged into AB-0002" in out
    assert git(b.root, "status", "--porcelain").stdout == ""  # committed, and pushed
    log = git(b.root, "log", "-1", "--format=%B").stdout
    assert log.startswith("tix sync: merged 2 duplicate recurring occurrences into the first")
    assert "PV-0001 -> AB-0001" in log
    assert git(b.root, "rev-parse", "HEAD").stdout == git(b.root, "rev-parse", "origin/main").stdout
    # anna's next sync brings the merge; nothing is left to merge or create on either clone
    assert "merged into" not in a.ok("sync", now="2026-12-07T10:05:00+01:00")
    for d in (a, b):
        assert "nothing due" in d.ok("recur", "run", now="2026-12-07T11:00:00+01:00")
        keep = json.loads(d.ok("show", "AB-0001", "--format", "json", now="2026-12-07T11:00:00+01:00"))
        assert keep["status"] != "closed" and keep["checklist"][1]["done"] and keep["checklist"][1]["by"] == "pieter"
        dup = json.loads(d.ok("show", "PV-0001", "--format", "json", now="2026-12-07T11:00:00+01:00"))
        assert dup["merged_into"] == "AB-0001" and dup["status"] == "closed"
        # nothing lost: the duplicate's work and comment are on the desk, and the survivor links to it
        assert dup["time"]["minutes"] == 20 and any("firewall rebooted" in (e.get("text") or "")
                                                     for e in dup["events"])
        assert "PV-0001" in json.dumps(keep["links"]), keep["links"]
        assert d.run("fsck").code == 0


def test_a_plain_git_pull_leaves_the_merge_to_the_next_recur_run(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, git = two_clones(tmp_path, monkeypatch)
    a.ok("recur", "run", now="2026-12-07T09:00:00+01:00")
    b.ok("recur", "run", now="2026-12-07T09:01:00+01:00")
    b.ok("check", "PV-0001", "2", now="2026-12-07T09:30:00+01:00")
    for d in (a, b):
        git(d.root, "add", "-A")
        git(d.root, "commit", "-q", "-m", "by hand")
    git(a.root, "pull", "-q", "--no-rebase", "--no-edit", str(b.root), "main")  # not through tix sync
    out = a.ok("recur", "run", now="2026-12-07T10:00:00+01:00")
    assert "PV-0001: merged into AB-0001" in out and "PV-0002: merged into AB-0002" in out
    keep = json.loads(a.ok("show", "AB-0001", "--format", "json", now="2026-12-07T10:00:00+01:00"))
    assert keep["checklist"][1]["done"] and keep["checklist"][1]["by"] == "pieter"
    assert "nothing due" in a.ok("recur", "run", now="2026-12-07T11:00:00+01:00")


def alerts_month_desk(tmp_path: Path) -> Desk:
    """December 2026 with alert tickets (Nagios three times then recovered,
    Checkmk recovered) and the patch round for contoso (one item ticked,
    resolved) and fabrikam (open); also used by tests/test_alerts_report.py."""
    from tests.test_alerts import shop_policy, variant

    d = make_desk(tmp_path / "desk", policy=shop_policy() + "recurring:\n" + PATCH)
    # December 2026: one Nagios problem reported 3 times, recovered after 1h28; Checkmk 45 minutes
    d.ok("mail", "import", str(variant("nagios-problem.eml", tmp_path, mid="n1", date="2026-12-08T03:12:00+01:00")),
         now="2026-12-08T03:13:00+01:00")
    d.ok("mail", "import", str(variant("nagios-problem.eml", tmp_path, mid="n2", date="2026-12-08T03:42:00+01:00")),
         now="2026-12-08T03:43:00+01:00")
    d.ok("mail", "import", str(variant("nagios-problem.eml", tmp_path, mid="n3", date="2026-12-08T04:12:00+01:00")),
         now="2026-12-08T04:13:00+01:00")
    d.ok("mail", "import", str(variant("nagios-recovery.eml", tmp_path, mid="n4", date="2026-12-08T04:40:00+01:00")),
         now="2026-12-08T04:41:00+01:00")
    d.ok("mail", "import", str(variant("checkmk-problem.eml", tmp_path, mid="c1", date="2026-12-09T07:00:00+01:00")),
         now="2026-12-09T07:01:00+01:00")
    d.ok("mail", "import", str(variant("checkmk-recovery.eml", tmp_path, mid="c2", date="2026-12-09T07:45:00+01:00")),
         now="2026-12-09T07:46:00+01:00")
    rows = json.loads(d.ok("recur", "run", "--format", "json", now="2026-12-07T09:00:00+01:00"))
    tid = next(r["ticket"] for r in rows if r["org"] == "contoso")
    d.ok("check", tid, "1", now="2026-12-07T10:00:00+01:00")
    d.ok("resolve", tid, "-s", "done", "--force", now="2026-12-07T11:00:00+01:00")
    return d


def test_monthly_report_counts_alerts_and_recurring_work(tmp_path: Path) -> None:
    d = alerts_month_desk(tmp_path)
    rep = json.loads(d.ok("report", "month", "2026-12", "--format", "json", now="2027-01-02T10:00:00+01:00"))
    a = rep["alerts"]
    assert (a["tickets"], a["repeats"]) == (2, 2)
    assert a["by_org"]["contoso"]["tickets"] == 2 and a["by_org"]["contoso"]["reports"] == 4
    assert a["by_host"]["CON-DC01"]["median_recovery_minutes"] == 88      # 03:12 -> 04:40
    assert a["by_host"]["CON-FS01"]["median_recovery_minutes"] == 45
    assert a["median_recovery_minutes"] == (88 + 45) / 2
    r = rep["recurring"]
    assert (r["due"], r["done"]) == (2, 1)                                  # 7 Dec, contoso and fabrikam
    assert r["by_org"]["fabrikam"] == {"due": 1, "done": 0, "open": 1, "missing": 0}
    text = d.ok("report", "month", "2026-12", "--org", "contoso", now="2027-01-02T10:00:00+01:00")
    assert "Terugkerend werk: 1 van 1 geplande gedaan" in text  # contoso reads its report in Dutch
    assert "[x] Windows updates on servers (anna 2026-12-07)" in text and "[ ] Firewall firmware" in text
    listed = d.ok("list", "--alerts", "--all", "--format", "json", now="2027-01-02T10:00:00+01:00")
    assert len(json.loads(listed)) == 2
    assert len(json.loads(d.ok("list", "--recurring", "--format", "json", now="2027-01-02T10:00:00+01:00"))) == 1
    keyed = json.loads(d.ok("list", "--all", "--key", "CON-DC01/Disk D:", "--format", "json",
                            now="2027-01-02T10:00:00+01:00"))
    assert [t["key"] for t in keyed] == ["CON-DC01/Disk D:"]


def test_two_runs_at_once_in_one_clone_create_each_occurrence_once(rdesk: Desk) -> None:
    import subprocess
    import sys

    env = rdesk.env(TIX_NOW="2027-02-02T07:00:00+01:00")
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "recur", "run"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len(tickets(rdesk)) == 6  # Dec, Jan, Feb for two organisations
    assert sum(o.count("created") for o, _ in outs) == 6


def test_a_pull_without_occurrences_leaves_the_key_map_alone(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A duplicate occurrence needs one that the pull brought: a pull of plain
    tickets (a fresh clone's first sync) does not rebuild the key map, which
    on a big desk reads every ticket."""
    from tix.storage import keys
    from tix.storage.store import Store

    a, b, git = two_clones(tmp_path, monkeypatch)
    a.ok("new", "--title", "Printer jams", now="2026-12-07T09:00:00+01:00")
    a.ok("sync", now="2026-12-07T09:05:00+01:00")
    b.ok("new", "--title", "Mail slow", now="2026-12-07T09:10:00+01:00")
    path = Store(b.root).state_dir / keys.NAME
    path.unlink(missing_ok=True)
    out = b.ok("sync", now="2026-12-07T10:00:00+01:00")
    assert "pulled" in out, out
    assert not path.exists()  # not rebuilt: nothing pulled is an occurrence
    # an occurrence pulled: the key map is read, and the duplicates merged as before
    a.ok("recur", "run", now="2026-12-07T11:00:00+01:00")
    b.ok("recur", "run", now="2026-12-07T11:01:00+01:00")
    a.ok("sync", now="2026-12-07T11:05:00+01:00")
    out = b.ok("sync", now="2026-12-07T11:10:00+01:00")
    assert "merged into AB-" in out, out
