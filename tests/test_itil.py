"""Problems, changes, approvals, merges (issue 9), through the real CLI on a
fixture desk, and the pure figures of tix.core.itil.

The desk: anna (servicedesk, the approving team), pieter (connectivity);
now is Mon 2026-11-23 10:00 CET."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tix.core.dates import parse_stamp


def show_json(desk, tid: str) -> dict:
    return json.loads(desk.ok("show", tid, "--format", "json"))


def links(desk, tid: str) -> set[tuple[str, str]]:
    return {(ln["kind"], ln["id"]) for ln in show_json(desk, tid)["links"]}


def refused(desk, *args: str, user: str | None = None, says: str = "") -> str:
    """The command exits 2 with one line on stderr and writes nothing."""
    before = desk.snapshot()
    r = desk.run(*args, user=user)
    assert r.code == 2, (r.code, r.out, r.err)
    assert r.err.startswith("tix: ") and says in r.err, r.err
    assert desk.snapshot() == before
    return r.err


# ---------------------------------------------------------------- seed 000
def test_contoso_story_end_to_end(desk):
    """Seed 000: Contoso's order department loses its network at 08:30; the
    servicedesk logs it and hands it to Connectivity; the root cause (a
    failed switch) becomes a problem; the replacement is a separate change,
    approved and done, linked to the original incident; the incident is
    resolved with the solution; `tix show` tells the whole story."""
    inc = desk.new("--title", "Orderverwerking heeft géén netwerkverbinding", "--org", "contoso",
                   "--dept", "orderverwerking", "--impact", "4", "--urgency", "8", "--channel", "phone",
                   "--requester", "Jan de Vries <jan@contoso.com>", "--at", "today 08:30",
                   "-m", "15 medewerkers kunnen niet werken, vrachtverkeer stroomt niet door")
    desk.ok("take", inc, "--at", "today 08:32")
    desk.ok("comment", inc, "--internal", "-m", "In overleg met de Incident Manager naar Connectivity",
            "--at", "today 08:35")
    desk.ok("escalate", inc, "--to", "connectivity", "--at", "today 08:36")
    desk.ok("assign", inc, "--to", "pieter", "--at", "today 08:36")
    desk.ok("take", inc, "--at", "today 08:40", user="pieter")
    desk.ok("comment", inc, "-m", "Gebeld met Jan: poort omgezet, afdeling werkt weer", "--at", "today 09:10",
            user="pieter")
    desk.ok("work", inc, "1h", "--onsite", "--at", "today 09:15", "-m", "storing verholpen", user="pieter")

    # root cause analysis: a problem that gathers the incident
    pr = desk.ok("problem", "new", "--from", inc, "--title", "Core switch rack 3 faalt",
                 "--root-cause", "defecte voeding in de core switch",
                 "--workaround", "orderverwerking omgepatcht naar de reserve-switch",
                 user="pieter").splitlines()[0]
    assert links(desk, pr) == {("causes", inc)}
    assert ("caused-by", pr) in links(desk, inc)
    text = desk.ok("show", inc)
    assert f"caused-by     {pr}" in text and "workaround: orderverwerking omgepatcht" in text

    # the replacement: a separate change, linked to the problem and to the original incident
    ch = desk.ok("change", "new", "--from", pr, "--from", inc, "--title", "Vervang core switch rack 3",
                 "--kind", "normal", "--window-start", "2026-11-27 18:00", "--window-end", "2026-11-27 20:00",
                 "--risk", "medium", "--rollback", "oude switch terugplaatsen", user="pieter").splitlines()[0]
    data = show_json(desk, ch)
    assert data["category"] == "change" and data["change_kind"] == "normal" and data["org"] == "contoso"
    assert data["risk"] == "medium" and data["rollback"] == "oude switch terugplaatsen"
    assert data["window_start"] == "2026-11-27T18:00:00+01:00"
    assert {("fixes", pr), ("fixes", inc)} == links(desk, ch)
    assert ("fixed-by", ch) in links(desk, inc) and ("fixed-by", ch) in links(desk, pr)

    # not approved: work cannot start; pieter may not approve; anna (servicedesk) may
    refused(desk, "take", ch, user="pieter", says="not approved")
    refused(desk, "approve", ch, user="pieter", says="may not approve")
    cal = desk.ok("change", "list", "--upcoming")
    assert ch in cal and "pending" in cal
    assert "approved by anna" in desk.ok("approve", ch, "-m", "CAB: go")
    assert "approved" in desk.ok("change", "list", "--upcoming")
    desk.ok("take", ch, user="pieter", now="2026-11-27T18:00:00+01:00")
    desk.ok("work", ch, "1h30m", "--after-hours", "-m", "switch vervangen", user="pieter",
            now="2026-11-27T19:30:00+01:00")
    desk.ok("resolve", ch, "--solution", "Core switch vervangen, config teruggezet, getest", user="pieter",
            now="2026-11-27T19:45:00+01:00")
    assert ch not in desk.ok("change", "list", "--upcoming", now="2026-11-27T20:00:00+01:00")

    # solving the problem resolves its incident with the solution, in one step
    out = desk.ok("problem", "resolve", pr, "--solution", f"Core switch vervangen via change {ch}",
                  "--incidents", "resolve", user="pieter", now="2026-11-27T20:00:00+01:00")
    assert f"resolved: {inc}" in out
    i = show_json(desk, inc)
    assert i["status"] == "resolved" and f"Core switch vervangen via change {ch}" in i["solution"]
    assert show_json(desk, pr)["status"] == "resolved"

    # the history, readable in tix show
    text = desk.ok("show", inc, now="2026-11-27T20:00:00+01:00")
    for expected in ("escalated to connectivity", "took it", f"linked caused-by {pr}", f"linked fixed-by {ch}",
                     "resolved: Core switch vervangen", "Links", "Solution"):
        assert expected in text, expected
    assert text.index("opened") < text.index("escalated") < text.index(f"linked caused-by {pr}") \
        < text.index("resolved: Core switch")
    public = desk.ok("show", inc, "--public")
    assert "Incident Manager" not in public
    change_text = desk.ok("show", ch)
    assert "Approved   anna" in change_text and f"fixes         {pr}" in change_text

    # the problem and the change now appear in the knowledge search
    hits = json.loads(desk.ok("search", "core switch", "--format", "json"))
    assert {h["id"] for h in hits} == {inc, pr, ch}


# ---------------------------------------------------------------- approvals
def test_normal_change_needs_approval_before_it_starts(desk):
    ch = desk.ok("change", "new", "--title", "Upgrade firewall firmware", "--kind", "normal").splitlines()[0]
    refused(desk, "take", ch, says="not approved")
    refused(desk, "status", ch, "open", says="not approved")
    desk.ok("approve", ch)
    desk.ok("take", ch)
    assert show_json(desk, ch)["status"] == "open"


def test_change_kind_defaults_to_normal(desk):
    ch = desk.ok("change", "new", "--title", "New VLAN for guests").splitlines()[0]
    assert show_json(desk, ch)["change_kind"] == "normal"
    refused(desk, "take", ch, says="not approved")


def test_standard_change_needs_no_approval(desk):
    ch = desk.ok("change", "new", "--title", "New user account", "--kind", "standard").splitlines()[0]
    desk.ok("take", ch)
    refused(desk, "approve", ch, says="standard change")
    assert "not needed" in desk.ok("change", "list")


def test_emergency_change_starts_at_once_and_is_flagged_until_approved(desk):
    ch = desk.ok("change", "new", "--title", "Block exploited VPN port", "--kind", "emergency").splitlines()[0]
    desk.ok("take", ch)  # no approval needed to start
    assert "UNAPPROVED EMERGENCY" in desk.ok("list")
    assert "flagged until approved" in desk.ok("show", ch)
    assert "FLAGGED" in desk.ok("change", "list")
    rows = json.loads(desk.ok("change", "list", "--format", "json"))
    assert rows[0]["approval"] == "flagged"
    desk.ok("resolve", ch, "--solution", "port closed")
    # approved afterwards: the flag goes
    assert "afterwards" in desk.ok("approve", ch)
    assert json.loads(desk.ok("change", "list", "--all", "--format", "json"))[0]["approval"] == "approved"
    assert "flagged" not in desk.ok("show", ch)


def test_only_members_of_approving_teams_approve(desk):
    ch = desk.ok("change", "new", "--title", "Replace UPS battery").splitlines()[0]
    refused(desk, "approve", ch, user="pieter", says="only members of servicedesk")
    refused(desk, "approve", ch, user="mallory", says="may not approve")


def test_approve_refused_on_non_changes_and_twice_is_a_no_op(desk):
    inc = desk.new("--title", "Printer offline")
    refused(desk, "approve", inc, says="not a change")
    ch = desk.ok("change", "new", "--title", "Replace UPS battery").splitlines()[0]
    desk.ok("approve", ch)
    before = desk.snapshot()
    out = desk.ok("approve", ch)
    assert "already approved by anna" in out and desk.snapshot() == before
    assert len(show_json(desk, ch)["events"]) == 2  # opened, approved


def test_change_new_bad_input_writes_nothing(desk):
    refused(desk, "change", "new", "--title", "x", "--kind", "urgent", says="--kind")
    refused(desk, "change", "new", "--title", "x", "--risk", "extreme", says="--risk")
    refused(desk, "change", "new", "--title", "x", "--window-start", "2026-11-27 18:00",
            "--window-end", "2026-11-27 17:00", says="--window-end")
    refused(desk, "change", "new", "--title", "x", "--from", "AB-0099", says="not found")


def test_change_calendar_upcoming(desk):
    past = desk.ok("change", "new", "--title", "Past window", "--kind", "standard",
                   "--window-start", "2026-11-20 18:00", "--window-end", "2026-11-20 19:00").splitlines()[0]
    later = desk.ok("change", "new", "--title", "Later window", "--kind", "standard",
                    "--window-start", "2026-12-04 18:00", "--window-end", "2026-12-04 19:00").splitlines()[0]
    soon = desk.ok("change", "new", "--title", "Soon window", "--kind", "standard",
                   "--window-start", "2026-11-24 18:00", "--window-end", "2026-11-24 19:00").splitlines()[0]
    done = desk.ok("change", "new", "--title", "Done already", "--kind", "standard",
                   "--window-start", "2026-11-25 18:00", "--window-end", "2026-11-25 19:00").splitlines()[0]
    unplanned = desk.ok("change", "new", "--title", "Some day", "--kind", "standard").splitlines()[0]
    desk.ok("resolve", done, "--solution", "done early")
    rows = json.loads(desk.ok("change", "list", "--upcoming", "--format", "json"))
    assert [r["id"] for r in rows] == [soon, later]
    rows = json.loads(desk.ok("change", "list", "--format", "json"))
    assert [r["id"] for r in rows] == [past, soon, later, unplanned]
    text = desk.ok("change", "list", "--upcoming")
    assert "Tue 2026-11-24 18:00" in text and "19:00" in text


# ---------------------------------------------------------------- problems
def test_problem_list_counts_incidents_orgs_and_age(desk):
    a = desk.new("--title", "Outlook hangs", "--org", "contoso")
    b = desk.new("--title", "Outlook hangs too", "--org", "fabrikam")
    c = desk.new("--title", "Outlook slow", "--org", "contoso")
    pr = desk.ok("problem", "new", "--from", a, "--from", b, "--from", a,  # a twice: linked once
                 "--title", "Mail server disk full").splitlines()[0]
    out = desk.ok("problem", "add", pr, c)
    assert c in out
    desk.ok("resolve", c, "--solution", "restarted outlook")
    rows = json.loads(desk.ok("problem", "list", "--format", "json", now="2026-11-26T10:00:00+01:00"))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == pr and row["incident_count"] == 3 and row["incidents"] == [a, b, c]
    assert row["open_incidents"] == [a, b] and row["orgs"] == ["contoso", "fabrikam"]
    assert row["age_days"] == 3 and row["known_error"] is False
    text = desk.ok("problem", "list", now="2026-11-26T10:00:00+01:00")
    assert "2/3" in text and "contoso, fabrikam" in text and "3d" in text


def test_problem_new_refuses_problems_and_changes_as_incidents(desk):
    pr = desk.ok("problem", "new", "--title", "Proactive: old firmware").splitlines()[0]
    refused(desk, "problem", "new", "--from", pr, "--title", "x", says="is a problem")
    ch = desk.ok("change", "new", "--title", "x", "--kind", "standard").splitlines()[0]
    refused(desk, "problem", "new", "--from", ch, "--title", "x", says="is a change")


def test_problem_workaround_shown_on_incident(desk):
    inc = desk.new("--title", "VPN drops every hour")
    pr = desk.ok("problem", "new", "--from", inc, "--title", "VPN concentrator leaks memory").splitlines()[0]
    desk.ok("set", pr, "--workaround", "reconnect; or use the backup gateway")
    assert "workaround: reconnect; or use the backup gateway" in desk.ok("show", inc)
    assert json.loads(desk.ok("problem", "list", "--format", "json"))[0]["known_error"] is True


def test_problem_resolve_comment_then_leave_then_resolve_later(desk):
    a = desk.new("--title", "Scanner fails", "--requester", "Jan <jan@contoso.com>")
    b = desk.new("--title", "Scanner fails again")
    pr = desk.ok("problem", "new", "--from", a, "--from", b, "--title", "Scan share permissions").splitlines()[0]
    refused(desk, "problem", "resolve", pr, says="never resolved without a solution")
    refused(desk, "problem", "resolve", a, "--solution", "x", says="not a problem")
    # a script that gives no --incidents leaves them and says how to finish
    r = desk.run("problem", "resolve", pr, "--solution", "fixed share ACL", "--standard-solution")
    assert r.code == 0 and "2 incidents still open" in r.err
    assert show_json(desk, a)["status"] == "new"
    assert "Standard solution" not in r.out
    kb = json.loads(desk.ok("kb", "--format", "json"))
    assert [k["id"] for k in kb] == [pr] and kb[0]["solution"] == "fixed share ACL" and kb[0]["incidents"] == 2
    # later: comment on them (the requester is told), then resolve them
    out = desk.ok("problem", "resolve", pr, "--incidents", "comment")
    assert f"commented on: {a}, {b}" in out
    ev = show_json(desk, a)["events"][-1]
    assert ev["type"] == "commented" and not ev.get("internal") and "fixed share ACL" in ev["text"]
    desk.ok("problem", "resolve", pr, "--incidents", "resolve")
    assert show_json(desk, b)["solution"] == f"fixed share ACL (problem {pr})"
    refused(desk, "problem", "resolve", pr, "--solution", "other", says="already resolved")


# ---------------------------------------------------------------- split
def test_split_children_block_the_parent_until_resolved(desk):
    parent = desk.new("--title", "New office: network, phones, printers")
    c1 = desk.ok("split", parent, "--title", "Network", "--to", "pieter").strip()
    c2 = desk.ok("split", parent, "--title", "Printers").strip()
    refused(desk, "resolve", parent, "--solution", "all done", says="open child tickets")
    desk.ok("resolve", c1, "--solution", "switch installed", user="pieter")
    text = desk.ok("show", parent)
    assert "answer: switch installed" in text and f"{c2}  [new] Printers" in text
    desk.ok("resolve", c2, "--solution", "printers installed")
    desk.ok("resolve", parent, "--solution", "office ready")


# ---------------------------------------------------------------- merge
def test_merge_closes_the_duplicate_with_a_pointer_and_keeps_both_requesters(desk):
    target = desk.new("--title", "No network in order dept", "--org", "contoso",
                      "--requester", "Jan de Vries <jan@contoso.com>")
    dup = desk.new("--title", "Network down (orders)", "--org", "contoso",
                   "--requester", "Els Bakker <els@contoso.com>", "-m", "since 08:25")
    desk.ok("comment", dup, "-m", "We are looking into it")
    out = desk.ok("merge", dup, "--into", target, "-m", "same outage")
    assert f"{dup}: merged into {target}" in out
    d, t = show_json(desk, dup), show_json(desk, target)
    assert d["status"] == "closed" and d["merged_into"] == target
    assert [e["type"] for e in d["events"]][:2] == ["opened", "commented"]  # its events stay as recorded
    assert ("duplicate-of", target) in links(desk, dup) and ("duplicated-by", dup) in links(desk, target)
    assert t["requester"] == {"name": "Jan de Vries", "email": "jan@contoso.com"}
    absorbed = [e for e in t["events"] if e["type"] == "absorbed"]
    assert absorbed and absorbed[0]["from"] == dup
    note = [e for e in t["events"] if e["type"] == "commented"][-1]
    assert note["internal"] and "Els Bakker <els@contoso.com>" in note["text"]
    assert t["status"] == "new"
    assert f"merged into {target}" in desk.ok("show", dup)
    assert f"absorbed duplicate {dup}" in desk.ok("show", target)
    # the duplicate is out of the way
    refused(desk, "take", dup, says="merged into")
    refused(desk, "resolve", dup, "--solution", "x", says="")


def test_merge_refusals(desk):
    a = desk.new("--title", "A")
    b = desk.new("--title", "B")
    c = desk.new("--title", "C")
    refused(desk, "merge", a, "--into", a, says="into itself")
    refused(desk, "merge", a, "--into", "AB-0099", says="not found")
    desk.ok("merge", b, "--into", a)
    refused(desk, "merge", c, "--into", b, says=f"merged into {a}")  # into a merged ticket
    refused(desk, "merge", b, "--into", c, says="already merged")
    refused(desk, "merge", a, "--into", b, says="")  # a cycle: b points at a
    desk.ok("link", c, a, "--as", "duplicate-of")
    refused(desk, "merge", a, "--into", c, says="merge the other way round")
    desk.ok("merge", c, "--into", a)


# ---------------------------------------------------------------- pure figures
def _ticket(tid, category="incident", events=(), **fields):
    from tix.core.ticket import replay

    evs = [{"id": f"{tid}-0", "at": fields.pop("at", "2026-10-05T10:00:00+02:00"), "by": "anna", "type": "opened"}]
    for n, (at, etype, extra) in enumerate(events, 1):
        evs.append({"id": f"{tid}-{n}", "at": at, "by": "anna", "type": etype, **extra})
    return replay({"id": tid, "title": tid, "category": category, "impact": 1, "urgency": 1, **fields}, evs)


def test_itil_counts_of_a_month():
    from tix.core.dates import Period
    from tix.core.itil import itil_counts

    oct_ = Period(parse_stamp("2026-10-01T00:00:00+02:00"), parse_stamp("2026-11-01T00:00:00+01:00"), "2026-10")
    link = lambda kind, other: ("2026-10-06T10:00:00+02:00", "linked", {"link": kind, "other": other})  # noqa: E731
    tickets = [
        _ticket("AB-0001", events=[link("caused-by", "AB-0010")]),
        _ticket("AB-0002"),
        _ticket("AB-0003"),  # gathered by the problem, link only on the problem's side
        _ticket("AB-0004", at="2026-09-30T10:00:00+02:00", events=[link("caused-by", "AB-0010")]),  # september
        _ticket("AB-0010", "problem", workaround="reboot",
                events=[link("causes", "AB-0001"), link("causes", "AB-0003")]),
        _ticket("AB-0011", "problem", events=[("2026-10-20T10:00:00+02:00", "resolved", {"solution": "x"})]),
        _ticket("AB-0012", "problem", at="2026-11-02T10:00:00+01:00"),  # november
        _ticket("AB-0020", "change", change_kind="normal",
                events=[("2026-10-07T10:00:00+02:00", "approved", {}),
                        ("2026-10-09T10:00:00+02:00", "resolved", {"solution": "done"})]),
        _ticket("AB-0021", "change", change_kind="normal"),
        _ticket("AB-0022", "change", change_kind="emergency",
                events=[("2026-11-03T10:00:00+01:00", "approved", {})]),  # approved only in november
        _ticket("AB-0023", "change", change_kind="standard"),
        _ticket("AB-0024", "change", change_kind="standard", events=[("2026-10-08T10:00:00+02:00", "merged",
                                                                      {"into": "AB-0023"})]),
    ]
    got = itil_counts(tickets, oct_)
    assert got == {
        "problems": {"opened": 2, "resolved": 1, "open_at_end": 1, "known_errors": 1},
        "changes": {"opened": 4, "done": 1,
                    "by_kind": {"standard": 1, "normal": 2, "emergency": 1},
                    "by_approval": {"not needed": 1, "approved": 1, "pending": 1, "flagged": 1},
                    "emergency_unapproved": 1},
        # 3 incidents opened in october, 2 of them linked to a problem: 66.7 %
        "incidents": {"opened": 3, "linked_to_problem": 2, "percent_linked": "66.7"},
    }
    # a (start, end) tuple works too
    assert itil_counts(tickets, (oct_.start, oct_.end)) == got


@pytest.mark.parametrize("kind, approvals, expected", [
    ("standard", [], "not needed"),
    ("normal", [], "pending"),
    ("normal", [("2026-10-07T10:00:00+02:00", "approved", {})], "approved"),
    ("emergency", [], "flagged"),
    ("emergency", [("2026-10-07T10:00:00+02:00", "approved", {})], "approved"),
])
def test_approval_state(kind, approvals, expected):
    from tix.core.itil import approval_state

    assert approval_state(_ticket("AB-0001", "change", approvals, change_kind=kind)) == expected
    assert approval_state(_ticket("AB-0002")) is None


def test_change_calendar_sorts_by_window():
    from tix.core.itil import change_calendar

    now = datetime.fromisoformat("2026-11-23T10:00:00+01:00")
    tickets = [
        _ticket("AB-0001", "change", window_start="2026-11-30T18:00:00+01:00", window_end="2026-11-30T19:00:00+01:00"),
        _ticket("AB-0002", "change", window_start="2026-11-24T18:00:00+01:00", window_end="2026-11-24T19:00:00+01:00"),
        _ticket("AB-0003", "change", window_start="2026-11-23T08:00:00+01:00", window_end="2026-11-23T11:00:00+01:00"),
        _ticket("AB-0004", "change"),
        _ticket("AB-0005"),
    ]
    assert [r.id for r in change_calendar(tickets, now, upcoming=True)] == ["AB-0003", "AB-0002", "AB-0001"]
    assert [r.id for r in change_calendar(tickets, now)] == ["AB-0003", "AB-0002", "AB-0001", "AB-0004"]
