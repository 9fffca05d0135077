"""`tix sla` and `tix escalate` on a real desk (conftest's `desk`: prefix AB,
user anna, teams servicedesk line 1, connectivity line 2, security line 3).

Scenario, Mon 2026-11-23 (business hours 08:00-17:30):
  AB-0001 high (4x4) "Switch down", opened 08:00, no reply:
          response due 10:00, escalate due 11:00, resolve due 12:00.
  AB-0002 normal (1x2) "Printer", opened 08:00, waiting from 09:00 (paused).
"""

from __future__ import annotations

import json

import pytest


def at(hhmm: str, day: str = "2026-11-23") -> str:
    return f"{day}T{hhmm}:00+01:00"


@pytest.fixture
def scene(desk):  # type: ignore[no-untyped-def]
    a = desk.new("--title", "Switch down", "--impact", "4", "--urgency", "4", now=at("08:00"))
    b = desk.new("--title", "Printer", "--impact", "1", "--urgency", "2", now=at("08:00"))
    desk.ok("status", b, "waiting", now=at("09:00"))
    assert (a, b) == ("AB-0001", "AB-0002")
    return desk


def events_of(desk, tid: str, etype: str) -> list[dict]:  # type: ignore[no-untyped-def]
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    return [e for e in data["events"] if e["type"] == etype]


# ---------------------------------------------------------------- tix sla

def test_overview_most_urgent_first(scene) -> None:  # type: ignore[no-untyped-def]
    r = scene.run("sla", now=at("11:30"))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split()[:3] == ["id", "pri", "state"]
    row = lines[2].split()
    # AB-0001: the response clock was due 10:00 -> 1h30m over; escalation due
    assert row[:4] == ["AB-0001", "high", "breached", "response"]
    assert "1h30m" in lines[2] and "-> connectivity" in lines[2]
    assert "AB-0002" not in r.out  # paused, so on track: only with --all
    assert "2 open tickets with SLA clocks: 1 breached, 0 at risk, 1 escalation due, 1 on track (1 paused)" in r.out


def test_overview_all_and_json(scene) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(scene.ok("sla", "--all", "--format", "json", now=at("11:30")))
    assert [(d["id"], d["state"], d["clock"]) for d in data] == [
        ("AB-0001", "breached", "response"), ("AB-0002", "paused", "response")]
    a = data[0]
    assert a["due"] == "2026-11-23T10:00:00+01:00" and a["remaining_minutes"] == -90
    assert a["escalate_to"] == "connectivity"
    assert a["sla"]["resolve"] == {"due": "2026-11-23T12:00:00+01:00", "done_at": None, "state": "at-risk",
                                   "remaining_minutes": 30, "taken_minutes": 210, "target_minutes": 240}
    # AB-0002 paused since 09:00: 60 of 480 taken, due unknown
    assert data[1]["sla"]["response"]["due"] is None and data[1]["remaining_minutes"] == 420


def test_overview_csv_and_team_filter(scene) -> None:  # type: ignore[no-untyped-def]
    out = scene.ok("sla", "--all", "--format", "csv", now=at("11:30"))
    lines = out.splitlines()
    assert lines[0] == "id,pri,state,clock,due,remaining_minutes,escalate_to,team,assignee,title"
    assert out.count("\r\n") == 3
    assert all(ln.split(",")[5].lstrip("-").isdigit() or ln.split(",")[5] == "" for ln in lines[1:])  # numbers
    out = scene.ok("sla", "--team", "connectivity", now=at("11:30"))
    assert "0 open tickets" in out
    r = scene.run("sla", "--team", "nosuch")
    assert r.code == 2 and "--team 'nosuch'" in r.err


def test_ticket_timeline_json(scene) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(scene.ok("sla", "AB-0002", "--format", "json", now=at("10:00", "2026-11-24")))
    assert data["sla"]["response"]["state"] == "paused"
    assert data["escalate_to"] is None
    whats = [(r["at"], r["what"]) for r in data["timeline"]]
    assert whats == [(at("08:00"), "started"), (at("09:00"), "paused"), (at("10:00", "2026-11-24"), "now")]
    assert data["timeline"][1]["taken"] == {"response": 60, "resolve": 60, "escalate": 60}


def test_ticket_timeline_table_shows_the_working(scene) -> None:  # type: ignore[no-untyped-def]
    scene.ok("status", "AB-0002", "open", now=at("09:00", "2026-11-24"))
    out = scene.ok("sla", "ab-2", now=at("10:00", "2026-11-24"))
    assert "AB-0002  Printer" in out
    for word in ("started", "paused", "resumed", "now", "due"):
        assert word in out
    # 08-09 Mon + 09-10 Tue = 2h taken, response due Tue 09:00 + 7h = 16:00
    assert "response  running   target 8h, taken 2h, 6h left; due Tue 2026-11-24 16:00" in out


def test_ticket_timeline_csv(scene) -> None:  # type: ignore[no-untyped-def]
    out = scene.ok("sla", "AB-0001", "--format", "csv", now=at("11:30"))
    assert out.splitlines()[0] == "at,clocks,what,why,response,resolve,escalate"
    assert ",breached," in out and ",escalation due," in out


def test_sla_bad_input(scene) -> None:  # type: ignore[no-untyped-def]
    r = scene.run("sla", "AB-0099")
    assert r.code == 2 and "not found" in r.err
    r = scene.run("sla", "--format", "xml")
    assert r.code == 2 and "--format xml" in r.err
    r = scene.run("sla", "AB-0001", "--all")
    assert r.code == 2


def test_overview_survives_a_broken_file(scene) -> None:  # type: ignore[no-untyped-def]
    broken = scene.root / "tickets" / "AB" / "000" / "AB-0003.yaml"
    broken.write_text("id: AB-0003\ntitle: x\nevents:\n- {not json}\n- {\"also\": 1}\n", encoding="utf-8")
    r = scene.run("sla", now=at("11:30"))
    assert r.code == 0
    assert "AB-0001" in r.out
    assert r.err.startswith("tix: tickets/AB/000/AB-0003.yaml:4:")


# ---------------------------------------------------------------- tix escalate --due

def test_escalate_due_is_idempotent_and_climbs_the_lines(scene) -> None:  # type: ignore[no-untyped-def]
    # dry run first: says what it would do, writes nothing
    before = scene.snapshot()
    out = scene.ok("escalate", "--due", "--dry-run", now=at("11:30"))
    assert out.startswith("AB-0001: would escalate from servicedesk (line 1) to connectivity (line 2)")
    assert scene.snapshot() == before

    out = scene.ok("escalate", "--due", now=at("11:30"))
    assert out == ("AB-0001: escalated from servicedesk (line 1) to connectivity (line 2): "
                   "escalate target 3h reached at 2026-11-23 11:00\n")
    # the second run escalates nothing and writes nothing
    before = scene.snapshot()
    assert scene.ok("escalate", "--due", now=at("11:30")) == ""
    assert scene.ok("escalate", "--due", now=at("14:30")) == ""  # the 2nd line's 3h run to 14:30
    assert scene.snapshot() == before
    (ev,) = events_of(scene, "AB-0001", "escalated")
    assert ev["to_team"] == "connectivity" and ev["from_team"] == "servicedesk" and ev["line"] == 2
    assert ev["auto"] is True and ev["at"] == at("11:30")

    # the escalate clock restarted at 11:30: 3h later (14:30), past it -> 3rd line
    out = scene.ok("escalate", "--due", "--format", "json", now=at("14:31"))
    assert [(d["id"], d["to_team"], d["line"]) for d in json.loads(out)] == [("AB-0001", "security", 3)]
    # last line: never due again
    assert json.loads(scene.ok("escalate", "--due", "--format", "json", now=at("10:00", "2026-12-01"))) == []
    assert len(events_of(scene, "AB-0001", "escalated")) == 2
    data = json.loads(scene.ok("show", "AB-0001", "--format", "json", now=at("10:00", "2026-12-01")))
    assert data["team"] == "security" and data["sla"]["escalate"]["state"] == "none"


def test_escalate_due_skips_paused_and_resolved(scene) -> None:  # type: ignore[no-untyped-def]
    scene.ok("resolve", "AB-0001", "--solution", "replaced the switch", now=at("10:30"))
    # AB-0002 paused at 09:00 with 1h of 10h used: not due, however late
    assert scene.ok("escalate", "--due", now=at("10:00", "2026-12-20")) == ""


# ---------------------------------------------------------------- tix escalate ID

def test_escalate_by_hand(scene) -> None:  # type: ignore[no-untyped-def]
    out = scene.ok("escalate", "AB-0002", "-m", "needs a driver rollout", now=at("09:30"))
    assert out == "AB-0002: escalated from servicedesk (line 1) to connectivity (line 2)\n"
    (ev,) = events_of(scene, "AB-0002", "escalated")
    assert ev["reason"] == "needs a driver rollout" and "auto" not in ev and ev["by"] == "anna"
    out = scene.ok("escalate", "AB-0002", "--to", "security", "--at", at("09:45"), now=at("10:00"))
    assert "to security (line 3)" in out
    data = json.loads(scene.ok("sla", "AB-0002", "--format", "json", now=at("10:00")))
    assert [r["what"] for r in data["timeline"]].count("escalated") == 2


@pytest.mark.parametrize("args, message", [
    (["escalate", "AB-0001", "--to", "nosuch"], "--to 'nosuch': not a team"),
    (["escalate", "AB-0001", "--to", "servicedesk"], "already with servicedesk"),
    (["escalate"], "give a ticket ID, or --due"),
    (["escalate", "AB-0001", "--due"], "takes no ID"),
    (["escalate", "AB-0001", "--dry-run"], "--dry-run goes with --due"),
    (["escalate", "AB-0099"], "not found"),
    (["escalate", "AB-0001", "--at", "2026-11-23T07:00:00+01:00"], "before AB-0001 was opened"),
])
def test_escalate_bad_input_writes_nothing(scene, args, message) -> None:  # type: ignore[no-untyped-def]
    before = scene.snapshot()
    r = scene.run(*args, now=at("11:30"))
    assert r.code == 2, r.out
    assert message in r.err and r.err.startswith("tix: ") and len(r.err.splitlines()) == 1
    assert scene.snapshot() == before


def test_escalate_at_the_last_line_or_resolved_is_refused(scene) -> None:  # type: ignore[no-untyped-def]
    scene.ok("escalate", "AB-0001", "--to", "security", now=at("09:00"))
    r = scene.run("escalate", "AB-0001", now=at("09:30"))
    assert r.code == 2 and "the last support line" in r.err
    scene.ok("resolve", "AB-0001", "--solution", "done", now=at("10:00"))
    r = scene.run("escalate", "AB-0001", "--to", "connectivity", now=at("10:30"))
    assert r.code == 2 and "reopen it" in r.err


def test_real_subprocess_cron_run(scene) -> None:  # type: ignore[no-untyped-def]
    first = scene.sub("escalate", "--due", TIX_NOW=at("11:30"))
    assert first.code == 0 and first.out.startswith("AB-0001: escalated") and first.err == ""
    second = scene.sub("escalate", "--due", TIX_NOW=at("11:31"))
    assert (second.code, second.out, second.err) == (0, "", "")
    overview = scene.sub("sla", "--format", "json", TIX_NOW=at("11:31"))
    assert overview.code == 0
    (row,) = json.loads(overview.out)
    assert row["id"] == "AB-0001" and row["escalate_to"] is None and row["team"] == "connectivity"


def test_help_has_examples(desk) -> None:  # type: ignore[no-untyped-def]
    for cmd in ("sla", "escalate"):
        out = desk.ok(cmd, "--help")
        assert "Example" in out and f"tix {cmd}" in out


def test_response_is_met_only_by_an_agent(desk):
    """SPEC 5: the first public comment *by an agent*; a customer's comment does not count."""
    import json

    tid = desk.new("--title", "VPN", "--requester", "Jan <jan@contoso.com>")
    desk.ok("comment", tid, "-m", "any news?", user="jan@contoso.com", now="2026-11-23T10:05:00+01:00")
    desk.ok("comment", tid, "-m", "a colleague of Jan", user="someone else", now="2026-11-23T10:06:00+01:00")
    sla = json.loads(desk.ok("show", tid, "--format", "json", now="2026-11-23T10:10:00+01:00"))["sla"]
    assert sla["response"]["done_at"] is None and sla["response"]["state"] != "met"
    desk.ok("comment", tid, "-m", "we are on it", user="pieter", now="2026-11-23T10:20:00+01:00")
    sla = json.loads(desk.ok("show", tid, "--format", "json", now="2026-11-23T10:30:00+01:00"))["sla"]
    assert sla["response"]["done_at"].startswith("2026-11-23T10:20") and sla["response"]["state"] == "met"
    r = desk.run("take", tid, user="jan@contoso.com")
    assert r.code == 2 and "not a member of any team" in r.err
