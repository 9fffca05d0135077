"""Opening a change (`tix change new`) as a use case: the intake checked
against the policy, linked to what it fixes, and the notes on what it still
needs (approval, a rollback plan, a window)."""

from __future__ import annotations

from typing import Any

from tix.core.errors import BadInput

RISKS = ("low", "medium", "high")


def open_change(env: Any, *, title: str, kind: str, from_: list[str], window_start: str | None,
                window_end: str | None, risk: str | None, rollback: str | None, description: str | None,
                org: str | None, team: str | None, to: str | None, impact: int | None, urgency: int | None,
                at: str | None, **_: Any) -> tuple[str, str, list[str]]:
    """Create the change. Returns its ID, its title and the notes for the user."""
    from tix.app.problems import create_linked, gather
    from tix.core.checks import check_choice
    from tix.core.dates import stamp
    from tix.core.policy import CHANGE_KINDS
    from tix.core.priority import check_factor
    from tix.core.workflow import check_agent, check_org, check_team

    p = env.policy
    if not title.strip():
        raise BadInput("--title: a change needs a title")
    check_choice(kind, CHANGE_KINDS, "--kind")
    check_choice(risk, RISKS, "--risk")
    check_team(p, team)
    check_agent(p, to)
    check_org(p, org)
    sources = gather(env, from_)
    for t in sources:
        if t.category == "change":
            raise BadInput(f"--from {t.id}: is a change; a change fixes a problem, incident or request")
    ws = env.when(window_start, what="--window-start") if window_start else None
    we = env.when(window_end, what="--window-end") if window_end else None
    if ws and we and we <= ws:
        raise BadInput(f"--window-end {window_end}: must be after --window-start {window_start}")
    if we and not ws:
        raise BadInput("--window-end: give --window-start too")
    orgs = {t.org for t in sources if t.org}
    title = " ".join(title.split())
    header = {
        "title": title, "org": org or (orgs.pop() if len(orgs) == 1 else None),
        "channel": "other", "category": "change", "change_kind": kind,
        "impact": check_factor(p, "impact", impact) if impact is not None
        else max([t.impact for t in sources], default=p.default_impact),
        "urgency": check_factor(p, "urgency", urgency) if urgency is not None else p.default_urgency,
        "team": team or (sources[0].team if sources else None) or p.default_team,
        "description": description,
        "window_start": stamp(ws) if ws else None, "window_end": stamp(we) if we else None,
        "risk": risk, "rollback": rollback,
    }
    cid = create_linked(env, header, [("fixes", t) for t in sources], at, to)
    notes = []
    if kind == "normal":
        notes.append(f"needs approval before work starts: tix approve {cid}")
    elif kind == "emergency":
        notes.append(f"emergency change: flagged until approved (tix approve {cid})")
    if kind != "standard" and not rollback:
        notes.append("no rollback plan yet (tix set --rollback)")
    if kind != "standard" and not ws:
        notes.append("no window planned yet (tix set --window-start/--window-end)")
    return cid, title, notes
