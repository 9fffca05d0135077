"""The fold: `replay(header, events) -> Ticket`. One `match` over event types
(git-bug's `op.apply(snapshot)`), events taken in time order (`at`, then file
order), so a phone call recorded later with `--at 08:30` lands where it
happened. Pure: no disk, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tix.core.dates import parse_stamp

# Intake fields that `set` events may change, with their types.
SETTABLE: dict[str, type | tuple[type, ...]] = {
    "title": str, "description": str, "requester": dict, "org": str, "dept": str, "channel": str,
    "category": str, "change_kind": str, "impact": int, "urgency": int, "team": str, "due": str,
    "agreed_due": str, "tags": list, "estimate": int, "window_start": str, "window_end": str,
    "risk": str, "rollback": str, "root_cause": str, "workaround": str, "known_error": bool,
    "standard_solution": bool, "language": str,
    # alerts and recurring work: the correlation key, the alert rule, the recurring rule and occurrence
    "key": str, "alert": str, "recurring": str, "occurrence": str, "checklist": list,
}
HEADER_FIELDS = ("id", *SETTABLE)
OPEN_STATUSES = ("new", "open", "waiting")
MAX_RESPONDERS = 50


@dataclass
class Ticket:
    id: str
    path: str
    created: datetime
    created_by: str
    fields: dict[str, Any]  # current intake fields (header + `set` events)
    status: str = "new"
    status_log: list[tuple[datetime, str]] = field(default_factory=list)
    ratings: list[tuple[datetime, int, int]] = field(default_factory=list)  # (from, impact, urgency)
    terms: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)  # recorded SLA terms (from, terms)
    assignee: str | None = None
    taken_by: str | None = None  # who took it last, until it is assigned elsewhere
    first_response: datetime | None = None  # first take or public comment by anyone but the requester
    responders: list[tuple[datetime, str]] = field(default_factory=list)  # the first few (at, by) of those
    resolved_at: datetime | None = None
    solution: str | None = None
    closed_at: datetime | None = None
    reopens: int = 0
    work: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    plan_history: list[dict[str, Any]] = field(default_factory=list)
    notified: set[str] = field(default_factory=set)
    message_ids: set[str] = field(default_factory=set)  # of mail imported or sent (tix mail: dedupe, threading)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    merged_into: str | None = None
    aliases: list[str] = field(default_factory=list)  # IDs it had before `tix sync` renumbered it
    last_activity: datetime | None = None
    public_comments: int = 0
    public_texts: list[str] = field(default_factory=list)  # public comment texts: searched, kept in the index
    events: list[dict[str, Any]] = field(default_factory=list)  # as recorded, file order

    # -------------------------------------------------------------- fields
    def f(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    @property
    def title(self) -> str:
        return str(self.fields.get("title", ""))

    @property
    def org(self) -> str | None:
        return self.fields.get("org")

    @property
    def team(self) -> str | None:
        return self.fields.get("team")

    @property
    def category(self) -> str:
        return str(self.fields.get("category", "incident"))

    @property
    def impact(self) -> int:
        return int(self.fields["impact"])

    @property
    def urgency(self) -> int:
        return int(self.fields["urgency"])

    @property
    def requester(self) -> dict[str, str]:
        r = self.fields.get("requester") or {}
        return r if isinstance(r, dict) else {"name": str(r)}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def linked(self, kind: str) -> list[str]:
        return [o for k, o in self.links if k == kind]

    def is_requester(self, ev: dict[str, Any]) -> bool:
        """Did the requester (not an agent) write this event?"""
        if ev.get("requester"):
            return True
        r = self.requester
        return bool(ev["by"]) and ev["by"] in (r.get("email"), r.get("name"))


def replay(header: dict[str, Any], events: list[dict[str, Any]], path: str = "",
           ats: list[datetime] | None = None) -> Ticket:
    """Fold validated events into a Ticket. `ats` are the parsed `at`s, if known."""
    if ats is None:
        ats = [parse_stamp(e["at"]) for e in events]
    order = sorted(range(len(events)), key=lambda i: (ats[i], i))
    first = order[0] if order else None
    created = ats[first] if first is not None else datetime.fromisoformat("1970-01-01T00:00:00+00:00")
    fields = {k: header[k] for k in SETTABLE if k in header and header[k] is not None}
    t = Ticket(id=str(header.get("id", "")), path=path, created=created,
               created_by=events[first]["by"] if first is not None else "", fields=fields, events=events)
    t.status_log.append((created, "new"))
    t.ratings.append((created, int(fields.get("impact", 1)), int(fields.get("urgency", 1))))
    for i in order:
        ev, at = events[i], ats[i]
        t.last_activity = at
        if "message_id" in ev:
            t.message_ids.add(ev["message_id"])
        match ev["type"]:
            case "opened":
                if "terms" in ev:
                    t.terms.append((at, ev["terms"]))
            case "set":
                changed = ev["fields"]
                t.fields.update({k: v for k, v in changed.items() if k in SETTABLE})
                if "impact" in changed or "urgency" in changed:
                    t.ratings.append((at, int(t.fields.get("impact", 1)), int(t.fields.get("urgency", 1))))
                if "terms" in ev:
                    t.terms.append((at, ev["terms"]))
            case "assigned":
                if "team" in ev:
                    t.fields["team"] = ev["team"]
                if "to" in ev:
                    t.assignee = ev["to"] or None
                    if t.assignee != t.taken_by:
                        t.taken_by = None
            case "taken":
                t.assignee = t.taken_by = ev["by"]
                if t.first_response is None:
                    t.first_response = at
                if len(t.responders) < MAX_RESPONDERS:
                    t.responders.append((at, ev["by"]))
                if t.status == "new":
                    _status(t, at, "open")
            case "commented":
                if not ev.get("internal"):
                    t.public_comments += 1
                    t.public_texts.append(ev["text"])
                    if not t.is_requester(ev):
                        if t.first_response is None:
                            t.first_response = at
                        if len(t.responders) < MAX_RESPONDERS:
                            t.responders.append((at, ev["by"]))
            case "status":
                _status(t, at, ev["status"])
            case "worked":
                t.work.append(ev)
            case "resolved":
                t.resolved_at, t.solution = at, ev["solution"]
                _status(t, at, "resolved")
            case "closed":
                t.closed_at = at
                _status(t, at, "closed")
            case "reopened":
                t.reopens += 1
                t.resolved_at = t.closed_at = None
                _status(t, at, "open")
            case "linked":
                if (ev["link"], ev["other"]) not in t.links:
                    t.links.append((ev["link"], ev["other"]))
            case "unlinked":
                if (ev["link"], ev["other"]) in t.links:
                    t.links.remove((ev["link"], ev["other"]))
            case "escalated":
                t.escalations.append(ev)
                t.fields["team"] = ev["to_team"]
            case "feedback":
                t.feedback.append(ev)
            case "approved":
                t.approvals.append(ev)
            case "planned":
                if t.plan is not None:
                    t.plan_history.append(t.plan)
                t.plan = ev
            case "unplanned":
                if t.plan is not None:
                    t.plan_history.append(t.plan)
                t.plan = None
            case "notified":
                t.notified.add(ev["key"])
            case "attached":
                t.attachments.append(ev)
            case "merged":
                t.merged_into = ev["into"]
            case "absorbed":
                pass
            case "renumbered":
                t.aliases.append(ev["from"])
    return t


def _status(t: Ticket, at: datetime, status: str) -> None:
    if status != t.status:
        t.status = status
        t.status_log.append((at, status))


def response_at(t: Ticket, agents: frozenset[str]) -> datetime | None:
    """When an agent first responded (the first public comment by an
    agent, or `take`; docs/sla.md). Agents are the team members of the policy; a policy
    that names no members counts anyone but the requester."""
    if not agents:
        return t.first_response
    for at, by in t.responders:
        if by in agents:
            return at
    return None
