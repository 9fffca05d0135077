"""A ticket as the user sees it: the stable JSON shape of `tix show --format json`
(`id, title, status, priority, score, impact, urgency, team, assignee, org,
requester, created, due, sla, time, links, events`) and a few more fields.
Pure: ticket, policy and now in, plain data out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tix.core.policy import Policy
from tix.core.priority import rate
from tix.core.ticket import Ticket


def effective_due(t: Ticket, sla: Any) -> str | None:
    """The date the ticket is due: agreed (coordinator) > requested > SLA resolve."""
    for key in ("agreed_due", "due"):
        if t.f(key):
            return str(t.f(key))
    clock = getattr(sla, "resolve", None)
    due = getattr(clock, "due", None)
    return due.isoformat() if due else None


def ticket_json(t: Ticket, policy: Policy, now: datetime, *, with_events: bool = True,
                invoiced: set[str] | None = None, problems: list[Any] | None = None) -> dict[str, Any]:
    """A ticket as JSON. `problems`: a list of tickets (`tix list --format
    json`) passes one, and a ticket whose work has no price (its rate gone
    from the policy) is listed with its minutes and null billed minutes and
    amount, the PolicyError noted there; without it the error stops the
    caller (`tix show`, about that one ticket)."""
    from tix.core import billing
    from tix.core import sla as sla_mod
    from tix.core.checklist import checklist
    from tix.core.errors import PolicyError

    r = rate(policy, t.impact, t.urgency)
    sla = sla_mod.compute(t, policy, now)
    try:
        time = billing.ticket_time(t, policy)
    except PolicyError as err:
        if problems is None:
            raise
        from tix.core.planning import worked_minutes

        problems.append(err)
        time = {"minutes": worked_minutes(t), "billed_minutes": None, "amount": None}
    worked = time["minutes"]
    estimate = t.f("estimate")
    out: dict[str, Any] = {
        "id": t.id,
        "title": t.title,
        "status": t.status,
        "priority": sla.priority,
        "score": r.score,
        "impact": r.impact,
        "urgency": r.urgency,
        "team": t.team,
        "assignee": t.assignee,
        "org": t.org,
        "requester": t.requester,
        "created": t.created.isoformat(),
        "due": effective_due(t, sla),
        "sla": sla.to_json(),
        "time": {"minutes": worked, "billed_minutes": time["billed_minutes"],
                 "amount": None if time["amount"] is None else str(time["amount"]),
                 "estimate_minutes": estimate,
                 "left_minutes": (estimate - worked) if isinstance(estimate, int) else None},
        "links": [{"kind": k, "id": o} for k, o in t.links],
        "category": t.category,
        "channel": t.f("channel"),
        "dept": t.f("dept"),
        "change_kind": t.f("change_kind"),
        "tags": t.f("tags") or [],
        "requested_due": t.f("due"),
        "agreed_due": t.f("agreed_due"),
        "description": t.f("description"),
        "solution": t.solution,
        "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
        "closed_at": t.closed_at.isoformat() if t.closed_at else None,
        "reopens": t.reopens,
        "escalations": [{"at": e["at"], "by": e["by"], "from_team": e.get("from_team"), "to_team": e["to_team"],
                         "line": e.get("line")} for e in t.escalations],
        "feedback": [{"at": e["at"], "score": e["score"], "text": e.get("text")} for e in t.feedback],
        "merged_into": t.merged_into,
        "plan": ({"start": t.plan["start"], "end": t.plan["end"], "agent": t.plan["agent"]} if t.plan else None),
        "key": t.f("key"),
        "contract": sla.contract,
        # from the events: a ticket from the index cache (no events) leaves them out rather than miscount
        "checklist": checklist(t) if t.events else None,
    }
    if t.f("alert"):
        from tix.core.alerts import times_seen

        out["alert"] = {"rule": t.f("alert"), "times": times_seen(t.events) if t.events else None}
    if t.f("recurring"):
        out["recurring"] = {"rule": t.f("recurring"), "occurrence": t.f("occurrence")}
    if invoiced is not None:
        out["billing"] = billing.billing_state(t, invoiced)
    if t.category == "change":
        from tix.core.workflow import needs_approval, unapproved_emergency

        out["approval"] = ("approved" if t.approvals else "flagged: emergency, not yet approved"
                           if unapproved_emergency(t) else "pending" if needs_approval(t) else "not needed")
        out["approvals"] = [{"at": a["at"], "by": a["by"], "note": a.get("note")} for a in t.approvals]
    for k in ("window_start", "window_end", "risk", "rollback", "root_cause", "workaround"):
        if t.f(k):
            out[k] = t.f(k)
    if with_events:
        out["events"] = t.events
    return out


def flat_ticket(data: dict[str, Any]) -> tuple[list[list[Any]], list[str]]:
    """`show --format csv`: the one row and the headers of a ticket's JSON,
    without its lists, the SLA clocks and time as columns of their own."""
    flat = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    flat.update({"sla_" + c + "_" + k: v for c in ("response", "resolve", "escalate")
                 for k, v in data["sla"][c].items()})
    flat.update({"time_" + k: v for k, v in data["time"].items()})
    return [list(flat.values())], list(flat)
