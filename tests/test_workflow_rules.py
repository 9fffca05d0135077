"""What may happen to a ticket (tix.core.workflow), through the real CLI: each
rule refuses the same way in every command that meets it, with one
`tix: ...` line, exit 2, and nothing written.

The desk (built once, refusals write nothing): now is Mon 2026-11-23 10:00
CET and every ticket was opened then, so `--at 09:00` lies before it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_desk


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    desk = make_desk(tmp_path_factory.mktemp("rules") / "desk")
    ids = {
        "t": desk.new("--title", "Printer offline", "--org", "contoso"),
        "dup": desk.new("--title", "Printer offline again", "--org", "contoso"),
        "target": desk.new("--title", "Printer offline (main)", "--org", "contoso"),
        "parent": desk.new("--title", "Office move", "--org", "contoso"),
        "done": desk.new("--title", "Password reset", "--org", "contoso"),
        "closed": desk.new("--title", "Old request", "--org", "contoso"),
        "change": desk.ok("change", "new", "--title", "Firewall firmware", "--kind", "normal").splitlines()[0],
        "change_dup": desk.ok("change", "new", "--title", "Firewall firmware (dup)").splitlines()[0],
    }
    ids["problem"] = desk.ok("problem", "new", "--title", "Switch fails", "--from", ids["t"]).splitlines()[0]
    ids["child"] = desk.ok("split", ids["parent"], "--title", "Move the rack").splitlines()[0]
    ids["pchild"] = desk.ok("split", ids["problem"], "--title", "Check the logs").splitlines()[0]
    ids["mchild"] = desk.ok("split", ids["target"], "--title", "Order toner").splitlines()[0]
    desk.ok("merge", ids["dup"], "--into", ids["target"])
    desk.ok("merge", ids["change_dup"], "--into", ids["change"])
    desk.ok("resolve", ids["done"], "--solution", "reset it")
    desk.ok("close", ids["closed"])
    desk.ok("plan", ids["t"], "tomorrow 10:00")
    return desk, ids


MERGED = [  # a merged ticket is worked on through the one it was merged into
    (["take", "{dup}"], "{dup} was merged into {target}; take that ticket"),
    (["resolve", "{dup}", "--solution", "x"], "{dup} is already closed; `tix reopen {dup}` first"),
    (["reopen", "{dup}"], "{dup} was merged into {target}; reopen that ticket instead"),
    (["status", "{dup}", "open"], "{dup} was merged into {target}; work on that ticket"),
    (["plan", "{dup}", "tomorrow 11:00"], "{dup} was merged into {target}; plan that ticket"),
    (["approve", "{change_dup}"], "{change_dup} was merged into {change}; approve that ticket"),
    (["problem", "new", "--title", "x", "--from", "{dup}"], "--from {dup}: was merged into {target}; use that ticket"),
]

BEFORE_OPENED = [  # nothing happens before the ticket was opened
    (["comment", "{t}", "-m", "hi", "--at", "09:00"], "--at 09:00: before {t} was opened (2026-11-23T10:00:00+01:00)"),
    (["work", "{t}", "30m", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["assign", "{t}", "--team", "connectivity", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["status", "{t}", "waiting", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["feedback", "{t}", "5", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["close", "{t}", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["escalate", "{t}", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["approve", "{change}", "--at", "09:00"], "--at 09:00: before {change} was opened"),
    (["unplan", "{t}", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["plan", "{t}", "tomorrow 11:00", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["merge", "{t}", "--into", "{target}", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["problem", "new", "--title", "x", "--from", "{t}", "--at", "09:00"], "--at 09:00: before {t} was opened"),
    (["problem", "resolve", "{problem}", "--solution", "x", "--force", "--at", "09:00"],
     "--at 09:00: before {problem} was opened"),
]

OPEN_CHILDREN = [  # a parent is finished after its children
    (["resolve", "{parent}", "--solution", "x"],
     "{parent} has open child tickets ({child}); resolve them or use --force"),
    (["problem", "resolve", "{problem}", "--solution", "x"],
     "{problem} has open child tickets ({pchild}); resolve them or use --force"),
    (["merge", "{target}", "--into", "{t}"], "{target} has open child tickets ({mchild}); resolve them or move them"),
]

DONE = [  # resolved and closed tickets
    (["resolve", "{done}", "--solution", "x"], "{done} is already resolved; `tix reopen {done}` first"),
    (["close", "{closed}"], "{closed} is already closed"),
    (["reopen", "{t}"], "{t} is new, not resolved or closed"),
    (["escalate", "{done}"], "{done} is resolved: reopen it before escalating"),
    (["status", "{t}", "resolved"], "a ticket is never resolved without a solution"),
    (["resolve", "{t}", "--solution", " "], "--solution: a ticket is never resolved without a solution"),
]

ORGS = [  # organisations are the policy's
    (["new", "--title", "x", "--org", "nope"], "--org 'nope': not an organisation in the policy (contoso, fabrikam)"),
    (["set", "{t}", "--org", "nope"], "--org 'nope': not an organisation in the policy (contoso, fabrikam)"),
    (["list", "--org", "nope"], "--org 'nope': not an organisation in the policy (contoso, fabrikam)"),
    (["change", "new", "--title", "x", "--org", "nope"], "--org 'nope': not an organisation in the policy"),
    (["report", "month", "2026-11", "--org", "nope"], "--org 'nope': not an organisation (contoso, fabrikam)"),
]

AGENTS = [  # agents are members of a team
    (["new", "--title", "x", "--to", "nobody"], "--to 'nobody': not a member of any team (agents: anna, pieter)"),
    (["assign", "{t}", "--to", "nobody"], "--to 'nobody': not a member of any team"),
    (["split", "{t}", "--title", "x", "--to", "nobody"], "--to 'nobody': not a member of any team"),
    (["--as", "nobody", "take", "{t}"], "--as 'nobody': not a member of any team"),
    (["plan", "{t}", "tomorrow 11:00", "--agent", "nobody"], "--agent 'nobody': not a member of any team"),
    (["assign", "{t}", "--team", "nope"], "--team 'nope': not a team (teams: servicedesk, connectivity"),
]


def _refused(world, argv: list[str], says: str) -> None:  # type: ignore[no-untyped-def]
    desk, ids = world
    before = desk.snapshot()
    r = desk.run(*[a.format(**ids) for a in argv])
    assert r.code == 2, (argv, r.code, r.out, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tix: "), r.err
    assert says.format(**ids) in lines[0], (says.format(**ids), lines[0])
    assert r.out == ""
    assert desk.snapshot() == before, f"{argv} wrote something"


@pytest.mark.parametrize(("argv", "says"), MERGED, ids=[" ".join(a[:2]) for a, _ in MERGED])
def test_merged_tickets(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


@pytest.mark.parametrize(("argv", "says"), BEFORE_OPENED, ids=[" ".join(a[:2]) for a, _ in BEFORE_OPENED])
def test_nothing_before_the_ticket_was_opened(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


@pytest.mark.parametrize(("argv", "says"), OPEN_CHILDREN, ids=[" ".join(a[:2]) for a, _ in OPEN_CHILDREN])
def test_open_children_hold_the_parent(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


@pytest.mark.parametrize(("argv", "says"), DONE, ids=[" ".join(a[:2]) for a, _ in DONE])
def test_resolved_and_closed_tickets(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


@pytest.mark.parametrize(("argv", "says"), ORGS, ids=[" ".join(a[:2]) for a, _ in ORGS])
def test_organisations_are_the_policys(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


@pytest.mark.parametrize(("argv", "says"), AGENTS, ids=[" ".join(a[:2]) for a, _ in AGENTS])
def test_agents_and_teams_are_the_policys(world, argv, says):  # type: ignore[no-untyped-def]
    _refused(world, argv, says)


def test_force_resolves_a_parent_with_open_children(tmp_path):  # type: ignore[no-untyped-def]
    desk = make_desk(tmp_path / "desk")
    parent = desk.new("--title", "Office move")
    child = desk.ok("split", parent, "--title", "Move the rack").splitlines()[0]
    desk.ok("resolve", parent, "--solution", "moved", "--force")
    assert json.loads(desk.ok("show", child, "--format", "json"))["status"] == "new"
    desk.ok("resolve", child, "--solution", "moved")
    desk.ok("reopen", parent)
    desk.ok("resolve", parent, "--solution", "moved again")  # children done: no --force needed


def test_the_rules_are_pure_and_name_the_ticket():  # type: ignore[no-untyped-def]
    """The workflow module decides without a disk: the same messages from the core."""
    from datetime import datetime, timedelta

    from tix.core import workflow
    from tix.core.errors import BadInput
    from tix.core.ticket import replay

    opened = datetime.fromisoformat("2026-11-23T10:00:00+01:00")
    header = {"id": "AB-0001", "title": "x", "impact": 2, "urgency": 2}
    evs = [{"id": "e1", "type": "opened", "by": "anna", "at": opened.isoformat()},
           {"id": "e2", "type": "merged", "by": "anna", "at": opened.isoformat(), "into": "AB-0002"}]
    t = replay(header, evs)
    with pytest.raises(BadInput, match="AB-0001 was merged into AB-0002; take that ticket"):
        workflow.check_not_merged(t, "take")
    with pytest.raises(BadInput, match="before AB-0001 was opened"):
        workflow.check_after_opened(t, opened - timedelta(minutes=1), "09:59")
    workflow.check_after_opened(t, opened, None)
    with pytest.raises(BadInput, match="open child tickets"):
        workflow.check_children_done(t, ["AB-0003"])
    workflow.check_children_done(t, ["AB-0003"], force=True)
    assert workflow.open_children(t, lambda cid: True) == []
