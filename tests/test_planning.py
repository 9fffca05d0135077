"""Planning (issue 11): tix plan / unplan / agenda / ics, estimates, estimate
accuracy. CLI tests run the real command on a fresh desk whose clock stands at
Mon 2026-11-23 10:00 CET (conftest); service hours Mon-Fri 08:00-17:30
unless a test installs a lunch break."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.conftest import make_desk, policy_text
from tix.core.dates import Period
from tix.core.policy import parse_policy
from tix.core.ticket import replay

AMS = ZoneInfo("Europe/Amsterdam")
UTC = UTC

# Tuesdays and Fridays with a lunch break; Christmas is a yearly holiday.
LUNCH = (policy_text()
         .replace('tue: ["08:00-17:30"]', 'tue: ["08:00-12:00", "13:00-17:30"]')
         .replace('fri: ["08:00-17:30"]', 'fri: ["08:00-12:00", "13:00-16:00"]'))


def ams(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def plan_json(desk, tid: str) -> dict | None:
    return json.loads(desk.ok("show", tid, "--format", "json"))["plan"]


def read_ics(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)), "a UID appears twice"
    return {str(e["summary"]).split()[0]: e for e in events}


@pytest.fixture
def lunch_desk(tmp_path: Path):
    return make_desk(tmp_path / "lunch", policy=LUNCH)


# ====================================================================== pure core

@pytest.fixture(scope="module")
def lunch_policy():
    return parse_policy(LUNCH)


@pytest.mark.parametrize("start, end, expected", [
    # Tue 2026-11-24 has 08:00-12:00 and 13:00-17:30
    ("2026-11-24T10:00", "2026-11-24T11:00", None),
    ("2026-11-24T08:00", "2026-11-24T12:00", None),            # exactly the morning range
    ("2026-11-24T13:00", "2026-11-24T17:30", None),            # ends at closing time: fine
    ("2026-11-24T11:30", "2026-11-24T13:30", "spans the break 12:00-13:00"),
    ("2026-11-24T11:30", "2026-11-24T12:30", "runs into the break 12:00-13:00"),
    ("2026-11-24T12:30", "2026-11-24T13:30", "starts in the break 12:00-13:00"),
    ("2026-11-24T12:15", "2026-11-24T12:45", "outside the service hours"),
    ("2026-11-24T07:30", "2026-11-24T08:30", "starts before the desk opens at 08:00"),
    ("2026-11-24T17:00", "2026-11-24T18:00", "runs past closing time 17:30"),
    ("2026-11-24T18:00", "2026-11-24T19:00", "outside the service hours (Tue 08:00-12:00, 13:00-17:30)"),
    ("2026-11-28T10:00", "2026-11-28T11:00", "the desk is closed on Sat"),
    ("2026-12-25T10:00", "2026-12-25T11:00", "Fri 2026-12-25 is a holiday"),
    ("2026-11-23T17:00", "2026-11-24T08:30", "spans the closed time from Mon 2026-11-23 17:30 to Tue 2026-11-24 08:00"),
])
def test_hours_problem(lunch_policy, start, end, expected):
    from tix.core.planning import hours_problem

    why = hours_problem(ams(start), ams(end), lunch_policy)
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why, why


def test_slot_end_is_real_time_across_dst():
    # 2026-10-25 03:00 CEST -> 02:00 CET. 01:30 CEST = 23:30Z; + 2 h = 01:30Z = 02:30 CET
    # (wall-clock arithmetic would say 03:30).
    from tix.core.planning import check_slot

    start = ams("2026-10-25T01:30")
    end = check_slot(start, 120, now=ams("2026-10-01T00:00"))
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert end.astimezone(AMS).strftime("%H:%M%z") == "02:30+0100"


@pytest.mark.parametrize("lang, expected", [
    ("en", "A technician will pick this up on Wednesday 25 November 2026 at 10:00."),
    ("nl", "Een technicus pakt uw melding op woensdag 25-11-2026 om 10:00 op."),
    ("de", "Ein Techniker wird sich am Mittwoch, 25.11.2026 um 10:00 Uhr darum kümmern."),
    ("cs", "Technik se vaším požadavkem začne zabývat 25. 11. 2026 (středa) v 10:00."),
    ("no", "En tekniker tar tak i saken onsdag 25.11.2026 kl. 10:00."),
    ("xx", "A technician will pick this up on Wednesday 25 November 2026 at 10:00."),
])
def test_pickup_notice(lang, expected):
    from tix.core.planning import pickup_notice

    assert pickup_notice(ams("2026-11-25T10:00"), lang) == expected


def test_link_free():
    from tix.core.planning import link_free

    text = "see https://x.example/a?b=1, www.example.com, ftp://h/f or mail jan@contoso.com; mailto:a@b.c"
    out = link_free(text)
    for bit in ("http", "www.", "ftp:", "@", "mailto"):
        assert bit not in out
    assert out.startswith("see [link removed]")


def _ticket(tid: str, team: str, *, estimate: int | None, worked: list[int], resolved: str | None):
    """A ticket built straight from events (the fold, no disk)."""
    evs = [{"id": f"{tid}-1", "at": "2026-10-01T09:00:00+02:00", "by": "anna", "type": "opened"}]
    for i, m in enumerate(worked):
        evs.append({"id": f"{tid}-w{i}", "at": "2026-10-01T10:00:00+02:00", "by": "anna", "type": "worked",
                    "minutes": m})
    if resolved:
        evs.append({"id": f"{tid}-r", "at": resolved, "by": "anna", "type": "resolved", "solution": "done"})
    header = {"id": tid, "title": tid, "impact": 1, "urgency": 2, "team": team}
    if estimate is not None:
        header["estimate"] = estimate
    return replay(header, evs)


def test_estimate_accuracy_per_team():
    from tix.core.planning import estimate_accuracy

    nov = Period(ams("2026-11-01T00:00"), ams("2026-12-01T00:00"), "2026-11")
    tickets = [
        # servicedesk, resolved in November:
        _ticket("AB-0001", "servicedesk", estimate=120, worked=[90, 40], resolved="2026-11-10T12:00:00+01:00"),
        #   130 of 120 = 1.083: within 20% -> accurate
        _ticket("AB-0002", "servicedesk", estimate=60, worked=[90], resolved="2026-11-11T12:00:00+01:00"),
        #   90 of 60 = 1.5 -> over
        _ticket("AB-0003", "servicedesk", estimate=None, worked=[30], resolved="2026-11-12T12:00:00+01:00"),
        #   no estimate: counts as resolved, not as estimated
        _ticket("AB-0004", "servicedesk", estimate=60, worked=[60], resolved="2026-10-30T12:00:00+01:00"),
        #   resolved in October: not in the period
        _ticket("AB-0005", "servicedesk", estimate=60, worked=[10], resolved=None),  # still open
        # connectivity: 120 of 240 = 0.5 -> under
        _ticket("AB-0006", "connectivity", estimate=240, worked=[120], resolved="2026-11-20T09:00:00+01:00"),
    ]
    got = estimate_accuracy(tickets, nov, parse_policy(policy_text()))
    assert list(got) == ["connectivity", "servicedesk"]
    assert got["servicedesk"] == {
        "resolved": 3, "estimated": 2, "coverage_percent": 66.7,
        "estimate_minutes": 180, "worked_minutes": 220,
        "ratio": 1.22,          # 220 / 180
        "median_ratio": 1.29,   # median(1.083, 1.5) = 1.2917
        "accurate": 1, "over": 1, "under": 0, "accuracy_percent": 50.0,
    }
    assert got["connectivity"] == {
        "resolved": 1, "estimated": 1, "coverage_percent": 100.0,
        "estimate_minutes": 240, "worked_minutes": 120, "ratio": 0.5, "median_ratio": 0.5,
        "accurate": 0, "over": 0, "under": 1, "accuracy_percent": 0.0,
    }


def test_estimate_accuracy_without_estimates_and_empty_period():
    from tix.core.planning import estimate_accuracy

    nov = Period(ams("2026-11-01T00:00"), ams("2026-12-01T00:00"), "2026-11")
    t = _ticket("AB-0001", "servicedesk", estimate=None, worked=[], resolved="2026-11-10T12:00:00+01:00")
    got = estimate_accuracy([t], nov, parse_policy(policy_text()))
    assert got["servicedesk"]["ratio"] is None and got["servicedesk"]["accuracy_percent"] is None
    assert got["servicedesk"]["coverage_percent"] == 0.0
    dec = Period(ams("2026-12-01T00:00"), ams("2027-01-01T00:00"), "2026-12")
    assert estimate_accuracy([t], dec, parse_policy(policy_text())) == {}


# ====================================================================== estimates in show and list

def test_estimate_worked_left_in_show_and_list(desk):
    tid = desk.new("--title", "Laptop reinstall", "--org", "contoso")
    desk.ok("set", tid, "--estimate", "2h")
    desk.ok("work", tid, "45m")
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    assert data["time"]["minutes"] == 45
    assert data["time"]["estimate_minutes"] == 120
    assert data["time"]["left_minutes"] == 75                      # 120 - 45
    assert "estimate 2h, left 1h15m" in desk.ok("show", tid)
    row = next(ln for ln in desk.ok("list").splitlines() if ln.startswith(tid))
    assert "45m/2h" in row
    bad = desk.run("set", tid, "--estimate", "soon")
    assert bad.code == 2 and "--estimate 'soon'" in bad.err


# ====================================================================== tix plan

def test_plan_default_length_is_estimate_left_and_agent_is_me(desk):
    tid = desk.new("--title", "Printer offline", "--org", "contoso")
    desk.ok("set", tid, "--estimate", "2h")
    desk.ok("work", tid, "45m")
    out = desk.ok("plan", tid, "tomorrow", "10:00")          # WHEN may be two words
    assert "planned Tue 2026-11-24 10:00-11:15 (1h15m) for anna" in out
    # contoso speaks Dutch: the notice tix notify will send
    assert "Een technicus pakt uw melding op dinsdag 24-11-2026 om 10:00 op." in out
    assert plan_json(desk, tid) == {"start": "2026-11-24T10:00:00+01:00", "end": "2026-11-24T11:15:00+01:00",
                                    "agent": "anna"}
    assert "Planned    2026-11-24 10:00 .. 11:15 for anna" in desk.ok("show", tid)


def test_plan_defaults_without_estimate_and_to_the_assignee(desk):
    tid = desk.new("--title", "VPN flaky", "--org", "fabrikam")
    desk.ok("assign", tid, "--team", "connectivity", "--to", "pieter")
    out = desk.ok("plan", tid, "mon 14:00")                  # later today counts: Mon 23 14:00
    assert "planned Mon 2026-11-23 14:00-15:00 (1h) for pieter" in out
    assert "Ein Techniker wird sich am Montag, 23.11.2026 um 14:00 Uhr darum kümmern." in out
    assert plan_json(desk, tid)["agent"] == "pieter"


def test_plan_when_estimate_is_used_up_takes_an_hour(desk):
    tid = desk.new("--title", "x")
    desk.ok("set", tid, "--estimate", "30m")
    desk.ok("work", tid, "45m")
    assert "(1h)" in desk.ok("plan", tid, "2026-11-25T09:00")


def test_plan_iso_and_explicit_length_and_agent(desk):
    tid = desk.new("--title", "Switch")
    out = desk.ok("plan", tid, "2026-11-25T13:00", "--for", "1h30m", "--agent", "pieter")
    assert "planned Wed 2026-11-25 13:00-14:30 (1h30m) for pieter" in out
    assert "English" not in out and "A technician will pick this up on Wednesday 25 November 2026 at 13:00." in out


def test_replan_replaces_the_slot_and_keeps_history(desk):
    tid = desk.new("--title", "Printer offline")
    desk.ok("plan", tid, "2026-11-24T10:00")
    out = desk.ok("plan", tid, "2026-11-24T10:30")              # overlaps only its own old slot: fine
    assert "re-planned Tue 2026-11-24 10:30-11:30" in out
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    assert data["plan"]["start"] == "2026-11-24T10:30:00+01:00"
    planned = [e for e in data["events"] if e["type"] == "planned"]
    assert [e["start"] for e in planned] == ["2026-11-24T10:00:00+01:00", "2026-11-24T10:30:00+01:00"]
    rows = json.loads(desk.ok("agenda", "--format", "json"))
    assert [(r["ticket"], r["start"]) for r in rows] == [(tid, "2026-11-24T10:30:00+01:00")]


def test_plan_same_slot_again_writes_nothing(desk):
    tid = desk.new("--title", "x")
    desk.ok("plan", tid, "2026-11-24T10:00")
    before = desk.snapshot()
    assert "already planned" in desk.ok("plan", tid, "2026-11-24T10:00")
    assert desk.snapshot() == before


def test_overlap_with_the_same_agent_is_refused_unless_forced(desk):
    a = desk.new("--title", "A")
    b = desk.new("--title", "B")
    desk.ok("plan", a, "2026-11-24T10:00", "--for", "2h")        # anna 10:00-12:00
    before = desk.snapshot()
    r = desk.run("plan", b, "2026-11-24T11:00")                  # anna 11:00-12:00
    assert r.code == 2
    assert f"anna already has {a} planned Tue 2026-11-24 10:00-12:00" in r.err and "--force" in r.err
    assert r.err.count("\n") == 1
    assert desk.snapshot() == before
    desk.ok("plan", b, "2026-11-24T12:00")                       # touching is fine
    desk.ok("plan", b, "2026-11-24T11:00", "--agent", "pieter")  # another agent is fine
    r = desk.run("plan", b, "2026-11-24T11:00", "--force")
    assert r.code == 0 and "warning" in r.err and a in r.err
    rows = json.loads(desk.ok("agenda", "--format", "json"))
    assert {r["ticket"]: r["overlaps"] for r in rows} == {a: [b], b: [a]}
    assert "overlaps" in desk.ok("agenda")


def test_a_resolved_tickets_slot_does_not_block(desk):
    a = desk.new("--title", "A")
    b = desk.new("--title", "B")
    desk.ok("plan", a, "2026-11-24T10:00")
    desk.ok("resolve", a, "--solution", "fixed by phone")
    desk.ok("plan", b, "2026-11-24T10:00")


def test_slot_outside_service_hours_is_refused_unless_forced(desk):
    tid = desk.new("--title", "x")
    before = desk.snapshot()
    for when, why in [("2026-11-24T17:00", "runs past closing time 17:30"),
                      ("2026-11-28T10:00", "the desk is closed on Sat"),
                      ("2026-11-24T06:00", "outside the service hours (Tue 08:00-17:30)"),
                      ("2026-12-25T10:00", "is a holiday")]:
        r = desk.run("plan", tid, when)
        assert r.code == 2 and why in r.err, (when, r.err)
    assert desk.snapshot() == before
    r = desk.run("plan", tid, "2026-11-28T10:00", "--force")
    assert r.code == 0 and "closed on Sat" in r.err
    assert plan_json(desk, tid)["start"] == "2026-11-28T10:00:00+01:00"


def test_slot_across_lunch_break_is_refused_and_says_why(lunch_desk):
    tid = lunch_desk.new("--title", "x")
    before = lunch_desk.snapshot()
    r = lunch_desk.run("plan", tid, "tue 11:30", "--for", "2h")
    assert r.code == 2
    assert "Tue 2026-11-24 11:30-13:30 spans the break 12:00-13:00" in r.err
    r = lunch_desk.run("plan", tid, "tue 11:30", "--for", "1h")
    assert r.code == 2 and "runs into the break 12:00-13:00" in r.err
    assert lunch_desk.snapshot() == before
    lunch_desk.ok("plan", tid, "tue 11:00", "--for", "1h")            # 11:00-12:00 fits the morning
    r = lunch_desk.run("plan", tid, "tue 11:30", "--for", "2h", "--force")
    assert r.code == 0 and "spans the break" in r.err


@pytest.mark.parametrize("args, message", [
    (["next week"], "WHEN 'next week': expected"),
    (["2026-13-40T10:00"], "WHEN '2026-13-40T10:00'"),
    (["tomorrow"], "give the time too"),
    (["2026-11-25"], "give the time too"),
    (["2026-11-20T10:00"], "lies in the past"),
    (["today 09:00"], "lies in the past"),
    (["2026-11-25T08:00", "--for", "13h"], "a slot is at most 12 h"),
    (["2026-11-25T08:00", "--for", "0"], "must be more than zero"),
    (["2026-11-25T08:00", "--for", "a while"], "--for 'a while'"),
    (["2026-11-25T08:00", "--agent", "bob"], "--agent 'bob': not a member of any team"),
])
def test_plan_bad_input_exit_2_nothing_written(desk, args, message):
    tid = desk.new("--title", "x")
    desk.ok("plan", tid, "2026-11-24T10:00")
    before = desk.snapshot()
    r = desk.run("plan", tid, *args)
    assert r.code == 2, r
    assert message in r.err and r.err.startswith("tix: ") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err
    assert desk.snapshot() == before


def test_plan_refuses_unknown_ticket_resolved_ticket_huge_estimate_and_non_agent(desk):
    before = desk.snapshot()
    assert desk.run("plan", "AB-0999", "2026-11-25T10:00").code == 2
    tid = desk.new("--title", "x")
    desk.ok("set", tid, "--estimate", "20h")
    before = desk.snapshot()
    r = desk.run("plan", tid, "2026-11-25T08:00")
    assert r.code == 2 and "20h of its estimate left" in r.err and "--for" in r.err
    r = desk.run("plan", tid, "2026-11-25T08:00", "--for", "1h", user="bob")  # bob acts, nobody assigned
    assert r.code == 2 and "'bob' (the acting user) is not a member of any team" in r.err
    assert desk.snapshot() == before
    desk.ok("resolve", tid, "--solution", "done")
    before = desk.snapshot()
    r = desk.run("plan", tid, "2026-11-25T08:00", "--for", "1h")
    assert r.code == 2 and "is resolved" in r.err and "tix reopen" in r.err
    assert desk.snapshot() == before


# ====================================================================== tix unplan

def test_unplan(desk):
    tid = desk.new("--title", "x")
    desk.ok("plan", tid, "2026-11-24T10:00")
    assert "slot 2026-11-24 10:00-11:00 for anna removed" in desk.ok("unplan", tid, "-m", "customer away")
    assert plan_json(desk, tid) is None
    assert json.loads(desk.ok("agenda", "--format", "json")) == []
    before = desk.snapshot()
    r = desk.run("unplan", tid)
    assert r.code == 2 and "has no planned slot" in r.err
    assert desk.snapshot() == before


# ====================================================================== tix agenda

@pytest.fixture
def planned(desk):
    """Three slots. Priorities and SLA resolve due (created Mon 23 10:00, business hours 08:00-17:30):
    high (impact 4 x urgency 4 = 16): 4 h  -> Mon 14:00
    normal (impact 2 x urgency 4 = 8): 12 h -> Mon 10:00-17:30 = 7.5 h, Tue 08:00 + 4.5 h = Tue 12:30
    """
    hi = desk.new("--title", "Order desk offline", "--org", "contoso", "--impact", "4", "--urgency", "4")
    lo = desk.new("--title", "New mouse", "--org", "fabrikam", "--impact", "2", "--urgency", "4")
    vpn = desk.new("--title", "VPN for new hire", "--impact", "2", "--urgency", "4")
    desk.ok("plan", hi, "today 13:00", "--for", "2h")       # 13:00-15:00, due 14:00 -> LATE
    desk.ok("plan", lo, "tomorrow 11:00", "--for", "1h")    # 11:00-12:00, due 12:30 -> in time
    desk.ok("plan", vpn, "thu 09:00", "--agent", "pieter")  # Thu 26 09:00-10:00
    return desk, hi, lo, vpn


def test_agenda_rows_due_and_late_flag(planned):
    desk, hi, lo, vpn = planned
    rows = json.loads(desk.ok("agenda", "--format", "json"))
    assert [(r["agent"], r["ticket"]) for r in rows] == [("anna", hi), ("anna", lo), ("pieter", vpn)]
    first, second, third = rows
    assert first == {
        "agent": "anna", "ticket": hi, "title": "Order desk offline", "org": "contoso",
        "org_name": "Contoso B.V.", "priority": "high", "status": "new",
        "start": "2026-11-23T13:00:00+01:00", "end": "2026-11-23T15:00:00+01:00", "minutes": 120,
        "due": "2026-11-23T14:00:00+01:00", "late": True, "overlaps": [], "planned_by": "anna",
        "event": first["event"],
    }
    assert second["priority"] == "normal" and second["due"] == "2026-11-24T12:30:00+01:00"
    assert second["late"] is False
    assert third["org"] is None and third["minutes"] == 60
    text = desk.ok("agenda")
    assert "anna: 2 slots, 3h" in text and "pieter: 1 slot, 1h" in text
    line = next(ln for ln in text.splitlines() if hi in ln)
    assert "Mon 23-11 13:00-15:00" in line and "Contoso B.V." in line and "high" in line
    assert "Mon 23-11 14:00" in line and "LATE" in line
    assert "LATE" not in next(ln for ln in text.splitlines() if lo in ln)
    csv = desk.ok("agenda", "--format", "csv").splitlines()
    assert csv[0] == "agent,start,end,minutes,ticket,org,priority,status,due,late,overlaps,title"
    assert len(csv) == 4 and csv[1].startswith(f"anna,2026-11-23T13:00:00+01:00,2026-11-23T15:00:00+01:00,120,{hi},")


def test_agenda_periods_and_agent(planned):
    desk, hi, lo, vpn = planned

    def tickets(*args):
        return [r["ticket"] for r in json.loads(desk.ok("agenda", "--format", "json", *args))]

    assert tickets("--day") == [hi]
    assert tickets("--day", "--date", "tomorrow") == [lo]
    assert tickets("--week") == [hi, lo, vpn]
    assert tickets("--week", "--date", "2026-11-30") == []
    assert tickets("--agent", "pieter") == [vpn]
    assert tickets("--mine") == [hi, lo]
    assert tickets("--since", "tue 00:00", "--until", "wed 00:00") == [lo]
    # a slot that is running at --since counts
    assert tickets("--since", "today 14:00", "--until", "today 14:30") == [hi]
    # tomorrow's agenda, seen from Tuesday: Monday's slot is in the past
    assert [r["ticket"] for r in json.loads(desk.ok("agenda", "--format", "json",
                                                    now="2026-11-24T08:00:00+01:00"))] == [lo, vpn]
    for bad, msg in [(["--day", "--week"], "not both"), (["--agent", "bob"], "'bob'"),
                     (["--day", "--since", "today"], "do not mix"), (["--date", "tomorrow"], "only with"),
                     (["--since", "wed", "--until", "tue"], "after --since"), (["--format", "xml"], "--format xml"),
                     (["--since", "whenever"], "--since 'whenever'")]:
        r = desk.run("agenda", *bad)
        assert r.code == 2 and msg in r.err, (bad, r.err)


def test_agenda_leaves_out_resolved_unless_all(planned):
    desk, hi, lo, vpn = planned
    desk.ok("resolve", lo, "--solution", "sent a mouse")
    rows = json.loads(desk.ok("agenda", "--format", "json"))
    assert lo not in [r["ticket"] for r in rows]
    rows = json.loads(desk.ok("agenda", "--format", "json", "--all"))
    row = next(r for r in rows if r["ticket"] == lo)
    assert row["status"] == "resolved" and row["late"] is False
    assert "resolved" in next(ln for ln in desk.ok("agenda", "--all").splitlines() if lo in ln)


def test_empty_agenda(desk):
    r = desk.run("agenda")
    assert r.code == 1 and r.out == "" and "no planned slots" in r.err  # SPEC: 1 = found nothing


# ====================================================================== tix ics

def test_ics_reads_back_with_icalendar(planned, tmp_path):
    desk, hi, lo, vpn = planned
    desk.ok("comment", hi, "--internal", "-m", "SECRET: switch password is hunter2")
    desk.ok("set", hi, "--dept", "Orders", "--description",
            "15 people cannot work. Details on https://intranet.contoso.com/outage or ask it@contoso.com")
    out = tmp_path / "anna.ics"
    assert "2 events for anna" in desk.ok("ics", "--agent", "anna", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\n" in data
    events = read_ics(data)
    assert set(events) == {hi, lo}                      # pieter's slot is not in anna's file
    ev = events[hi]
    assert str(ev["summary"]) == f"{hi} Order desk offline"
    assert ev.decoded("dtstart") == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)   # 13:00 CET
    assert ev.decoded("dtend") == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert ev.decoded("dtstamp") == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)    # planned at 10:00 CET
    assert str(ev["location"]) == "Contoso B.V., Orders"
    assert str(ev["uid"]) == f"{hi}-20261123T090000Z@tix" and int(ev["sequence"]) == 0
    desc = str(ev["description"])
    assert desc.startswith(f"{hi}: Order desk offline\nOrganisation: Contoso B.V., Orders")
    assert "Priority: high" in desc and "15 people cannot work." in desc
    for secret in ("SECRET", "hunter2", "http", "intranet", "@"):
        assert secret not in desc
    assert b"hunter2" not in data and b"https://" not in data
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0" and str(cal["x-wr-calname"]) == "tix: anna"


def test_ics_whole_desk_to_stdout_names_the_agent(planned):
    desk, hi, lo, vpn = planned
    events = read_ics(desk.ok("ics").encode())
    assert set(events) == {hi, lo, vpn}
    assert str(events[vpn]["summary"]) == f"{vpn} VPN for new hire (pieter)"
    assert "location" not in events[vpn]                 # no organisation, no location
    assert list(events) == [hi, lo, vpn]                  # in time order


def test_ics_is_byte_identical_and_an_unchanged_file_is_not_rewritten(planned, tmp_path):
    desk, *_ = planned
    out = tmp_path / "cal" / "anna.ics"
    desk.ok("ics", "--agent", "anna", "-o", str(out))
    first = out.read_bytes()
    stat = out.stat()
    # later, on another day: nothing changed in the desk
    r = desk.ok("ics", "--agent", "anna", "-o", str(out), now="2026-11-25T09:00:00+01:00")
    assert "up to date (2 events)" in r
    assert out.read_bytes() == first and out.stat().st_mtime_ns == stat.st_mtime_ns
    assert desk.ok("ics", "--agent", "anna").encode() == first
    assert not [p for p in out.parent.iterdir() if p.name != "anna.ics"]   # no temp files left


def test_ics_replan_updates_unplan_removes_resolve_keeps_history(planned, tmp_path):
    desk, hi, lo, vpn = planned
    out = tmp_path / "all.ics"
    desk.ok("ics", "-o", str(out))
    before = read_ics(out.read_bytes())
    uid_lo = str(before[lo]["uid"])

    desk.ok("plan", lo, "wed 09:00")                      # re-plan: same UID, later SEQUENCE
    desk.ok("unplan", vpn)                                 # removed: disappears
    desk.ok("ics", "-o", str(out))
    after = read_ics(out.read_bytes())
    assert set(after) == {hi, lo}
    assert str(after[lo]["uid"]) == uid_lo and int(after[lo]["sequence"]) == 1
    assert after[lo].decoded("dtstart") == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert out.read_bytes().count(b"BEGIN:VEVENT") == 2

    # hi is resolved at 14:30, inside its 13:00-15:00 slot: the slot stays as history;
    # lo is resolved before its Wednesday slot began: the slot is freed and leaves the feed.
    later = "2026-11-23T14:30:00+01:00"
    desk.ok("resolve", hi, "--solution", "replaced switch", now=later)
    desk.ok("resolve", lo, "--solution", "sent a mouse", now=later)
    desk.ok("ics", "-o", str(out), now=later)
    assert set(read_ics(out.read_bytes())) == {hi}


def test_ics_since_and_bad_input(planned, tmp_path):
    desk, hi, lo, vpn = planned
    assert set(read_ics(desk.ok("ics", "--since", "tue 00:00").encode())) == {lo, vpn}
    out = tmp_path / "x.ics"
    before = desk.snapshot()
    for args, msg in [(["--agent", "bob"], "'bob'"), (["--since", "someday"], "--since 'someday'")]:
        r = desk.run("ics", *args, "-o", str(out))
        assert r.code == 2 and msg in r.err
    r = desk.run("ics", "-o", str(tmp_path))
    assert r.code == 2 and "is a directory" in r.err
    assert not out.exists() and desk.snapshot() == before


def test_ics_of_an_empty_desk_is_a_valid_calendar(desk):
    cal = icalendar.Calendar.from_ical(desk.ok("ics").encode())
    assert list(cal.walk("VEVENT")) == []


# ====================================================================== the requester is told

def test_notify_dry_run_lists_the_planned_notice_once(desk):
    import importlib.util

    if importlib.util.find_spec("tix.cli.commands.notify") is None:
        pytest.skip("tix/commands/notify.py (the mail engineer's `tix notify`) does not exist yet")
    tid = desk.new("--title", "Printer offline", "--org", "contoso", "--requester", "Jan Jansen <jan@contoso.com>")
    desk.ok("plan", tid, "2026-11-24T10:00")
    ev = next(e for e in json.loads(desk.ok("show", tid, "--format", "json"))["events"] if e["type"] == "planned")
    before = desk.snapshot()
    r = desk.run("notify", "--dry-run")
    assert r.code == 0, r.err
    hits = [ln for ln in r.out.splitlines()
            if f"planned:{ev['id']}" in ln or (tid in ln and "plan" in ln.lower())]
    assert len(hits) == 1, r.out
    assert desk.snapshot() == before                     # a dry run writes nothing


def test_ics_as_a_real_process_writes_the_same_bytes(planned, tmp_path):
    import subprocess
    import sys

    desk, hi, lo, vpn = planned
    desk.ok("set", hi, "--title", "Orderafdeling zonder netwerk – café")   # non-ASCII survives any locale
    out = tmp_path / "anna.ics"
    r = desk.sub("ics", "--agent", "anna", "-o", str(out))
    assert r.code == 0, r.err
    p = subprocess.run([sys.executable, "-m", "tix", "ics", "--agent", "anna"], capture_output=True,
                       env=desk.env(LC_ALL="C", LANG="C", PYTHONIOENCODING="ascii"), cwd=desk.root, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == out.read_bytes()
    assert "café" in str(read_ics(p.stdout)[hi]["summary"])


@pytest.mark.parametrize("command", ["plan", "unplan", "agenda", "ics"])
def test_help_has_an_example(desk, command):
    r = desk.run(command, "--help")
    assert r.code == 0 and f"tix {command} " in r.out


def test_a_broken_ticket_file_is_named_not_fatal(planned):
    desk, hi, lo, vpn = planned
    broken = desk.root / "tickets" / "AB" / "000" / "AB-0099.yaml"
    broken.write_text("id: AB-0099\nevents:\n- {not json\n", encoding="utf-8")
    r = desk.run("agenda", "--format", "json")
    assert r.code == 0 and "AB-0099" in r.err and "warning" in r.err
    assert [x["ticket"] for x in json.loads(r.out)] == [hi, lo, vpn]
    r = desk.run("ics")
    assert r.code == 0 and set(read_ics(r.out.encode())) == {hi, lo, vpn}
