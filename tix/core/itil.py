"""Problem, change and incident management as figures (docs/processes.md): problem summaries, the change calendar, the
approval state of a change and the ITIL counts of a period for the monthly
report. Pure: tickets, `now` and periods in, plain data out; no disk, no clock.

A problem gathers incidents through links (`causes` on the problem,
`caused-by` on the incident); a change points at what it fixes (`fixes` on
the change, `fixed-by` on the problem or incident)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tix.core.dates import parse_stamp
from tix.core.ticket import Ticket

CHANGE_KINDS = ("standard", "normal", "emergency")
# The approval state of a change. ITIL: a standard change is
# pre-approved; a normal change waits for approval before work starts; an
# emergency change may start at once but is flagged until approved afterwards.
APPROVAL_STATES = ("not needed", "approved", "pending", "flagged")
DONE = ("resolved", "closed")


class PeriodLike(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


# ------------------------------------------------------------------ helpers
def change_kind(t: Ticket) -> str:
    """The kind of a change (`normal` when not recorded: the safe default)."""
    kind = t.f("change_kind") or "normal"
    return kind if kind in CHANGE_KINDS else "normal"


def approval_state(t: Ticket, at: datetime | None = None) -> str | None:
    """`not needed`, `approved`, `pending` or `flagged` (an emergency change
    not approved yet); None for a ticket that is not a change. With `at`,
    the state at that instant (approvals recorded later do not count)."""
    if t.category != "change":
        return None
    kind = change_kind(t)
    if kind == "standard":
        return "not needed"
    approvals = t.approvals if at is None else [a for a in t.approvals if parse_stamp(a["at"]) < at]
    if approvals:
        return "approved"
    return "flagged" if kind == "emergency" else "pending"


def change_flag(t: Ticket) -> str | None:
    """A short marker for lists: an emergency change that nobody approved yet
    is flagged until it is; a normal change waiting for approval says so."""
    state = approval_state(t)
    if state == "flagged":
        return "UNAPPROVED EMERGENCY"
    if state == "pending" and t.status not in DONE:
        return "awaiting approval"
    return None


def status_at(t: Ticket, when: datetime) -> str | None:
    """The status the ticket had at `when` (None: it did not exist yet)."""
    if t.created >= when:
        return None
    current = "new"
    for at, st in t.status_log:
        if at >= when:
            break
        current = st
    return current


def _index(tickets: Iterable[Ticket]) -> dict[str, Ticket]:
    return {t.id: t for t in tickets}


def problem_incidents(p: Ticket, caused_by: dict[str, list[str]] | None = None) -> list[str]:
    """IDs of the incidents a problem gathers: its `causes` links, plus any
    ticket that records `caused-by` the problem (one side may be missing
    after a half-synced clone). In link order."""
    out = list(dict.fromkeys(p.linked("causes")))
    for other in (caused_by or {}).get(p.id, []):
        if other not in out:
            out.append(other)
    return out


def _caused_by_index(tickets: Iterable[Ticket]) -> dict[str, list[str]]:
    idx: dict[str, list[str]] = {}
    for t in tickets:
        for other in t.linked("caused-by"):
            idx.setdefault(other, []).append(t.id)
    return idx


def problems_of(t: Ticket, by_id: dict[str, Ticket]) -> list[Ticket]:
    """The problem tickets an incident is linked to (`caused-by`)."""
    return [by_id[o] for o in t.linked("caused-by") if o in by_id and by_id[o].category == "problem"]


# ------------------------------------------------------------------ problems
@dataclass
class ProblemSummary:
    id: str
    title: str
    status: str
    created: datetime
    age_days: int
    incidents: list[str]
    open_incidents: list[str]
    orgs: list[str]
    root_cause: str | None
    workaround: str | None
    known_error: bool
    standard_solution: bool
    solution: str | None
    changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created"] = self.created.isoformat()
        d["incident_count"] = len(self.incidents)
        return d


def problem_summary(p: Ticket, by_id: dict[str, Ticket], now: datetime,
                    caused_by: dict[str, list[str]] | None = None) -> ProblemSummary:
    incidents = problem_incidents(p, caused_by)
    known = [by_id[i] for i in incidents if i in by_id]
    orgs = sorted({t.org for t in known if t.org} | ({p.org} if p.org else set()))
    return ProblemSummary(
        id=p.id, title=p.title, status=p.status, created=p.created,
        age_days=max(0, (now - p.created).days),
        incidents=incidents,
        open_incidents=[t.id for t in known if t.is_open and not t.merged_into],
        orgs=orgs,
        root_cause=p.f("root_cause"), workaround=p.f("workaround"),
        # a known error: the root cause or a workaround is documented (ITIL)
        known_error=bool(p.f("known_error") or p.f("workaround")),
        standard_solution=bool(p.f("standard_solution")),
        solution=p.solution,
        changes=list(dict.fromkeys(p.linked("fixed-by"))),
    )


def problem_summaries(tickets: Iterable[Ticket], now: datetime, *, include_done: bool = False) -> list[ProblemSummary]:
    """Every problem (open ones only unless `include_done`), most incidents
    first, then oldest first."""
    tickets = list(tickets)
    by_id = _index(tickets)
    caused_by = _caused_by_index(tickets)
    out = [problem_summary(t, by_id, now, caused_by) for t in tickets
           if t.category == "problem" and not t.merged_into and (include_done or t.status not in DONE)]
    out.sort(key=lambda s: (s.status in DONE, -len(s.open_incidents), -len(s.incidents), s.created, s.id))
    return out


# ------------------------------------------------------------------ changes
@dataclass
class ChangeRow:
    id: str
    title: str
    kind: str
    status: str
    approval: str
    approved_by: list[str]
    window_start: str | None
    window_end: str | None
    risk: str | None
    rollback: str | None
    fixes: list[str]
    assignee: str | None
    team: str | None
    org: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _window(t: Ticket, key: str) -> datetime | None:
    raw = t.f(key)
    if not raw:
        return None
    try:
        return parse_stamp(str(raw))
    except ValueError:
        return None


def change_row(t: Ticket) -> ChangeRow:
    return ChangeRow(
        id=t.id, title=t.title, kind=change_kind(t), status=t.status,
        approval=approval_state(t) or "", approved_by=[a["by"] for a in t.approvals],
        window_start=t.f("window_start") or None, window_end=t.f("window_end") or None,
        risk=t.f("risk"), rollback=t.f("rollback"), fixes=list(dict.fromkeys(t.linked("fixes"))),
        assignee=t.assignee, team=t.team, org=t.org,
    )


def change_calendar(tickets: Iterable[Ticket], now: datetime, *, upcoming: bool = False,
                    include_done: bool = False) -> list[ChangeRow]:
    """Changes sorted by their planned window (unplanned ones last).
    `upcoming`: not done, and the window has not ended yet (the change
    calendar). Otherwise open changes, or all with `include_done`."""
    rows: list[tuple[tuple[Any, ...], ChangeRow]] = []
    for t in tickets:
        if t.category != "change" or t.merged_into:
            continue
        start, end = _window(t, "window_start"), _window(t, "window_end")
        if upcoming:
            last = end or start
            if t.status in DONE or last is None or last < now:
                continue
        elif not include_done and t.status in DONE:
            continue
        key = (start is None, start.timestamp() if start else 0.0, t.created, t.id)
        rows.append((key, change_row(t)))
    rows.sort(key=lambda r: r[0])
    return [r for _, r in rows]


# ------------------------------------------------------------------ report
def _bounds(period: Any) -> tuple[datetime, datetime]:
    if isinstance(period, tuple):
        return period[0], period[1]
    return period.start, period.end


def itil_counts(tickets: Iterable[Ticket], period: PeriodLike | tuple[datetime, datetime]) -> dict[str, Any]:
    """The ITIL figures of a period [start, end) for the monthly report:

    - problems: opened and resolved in the period, open at its end, and how
      many of those open ones are known errors (workaround documented);
    - changes opened in the period, by kind and by approval state at the
      end of the period; changes done (resolved) in the period; emergency
      changes still unapproved at the end of the period;
    - incidents opened in the period, and how many of them are linked to a
      problem (`caused-by`), with the percentage as a decimal string.

    Merged duplicates are not counted."""
    start, end = _bounds(period)
    tickets = [t for t in tickets if not t.merged_into]
    refs = [(t.id, tuple(t.linked("causes"))) for t in tickets if t.category == "problem"]
    return combine_counts([problem_counts(tickets, start, end)], [change_counts(tickets, start, end)],
                          incident_refs(tickets, start, end), refs)


# The pieces of `itil_counts`, so that the monthly report can keep them per
# group of tickets (a sum over tickets each) and join them at the end: only
# the incidents' links to problems need every problem of the desk.

def problem_counts(tickets: Iterable[Ticket], start: datetime, end: datetime) -> dict[str, int]:
    """Problems opened and resolved in [start, end), open at its end, and known errors among those."""
    out = {"opened": 0, "resolved": 0, "open_at_end": 0, "known_errors": 0}
    for t in tickets:
        if t.category != "problem" or t.merged_into:
            continue
        if start <= t.created < end:
            out["opened"] += 1
        if t.resolved_at is not None and start <= t.resolved_at < end:
            out["resolved"] += 1
        st = status_at(t, end)
        if st is not None and st not in DONE:
            out["open_at_end"] += 1
            if t.f("workaround") or t.f("known_error"):
                out["known_errors"] += 1
    return out


def change_counts(tickets: Iterable[Ticket], start: datetime, end: datetime) -> dict[str, Any]:
    """Changes done and opened in [start, end) (by kind, by approval state at
    its end) and emergency changes unapproved at its end."""
    out: dict[str, Any] = {"opened": 0, "done": 0, "by_kind": dict.fromkeys(CHANGE_KINDS, 0),
                           "by_approval": dict.fromkeys(APPROVAL_STATES, 0), "emergency_unapproved": 0}
    for t in tickets:
        if t.category != "change" or t.merged_into:
            continue
        if t.resolved_at is not None and start <= t.resolved_at < end:
            out["done"] += 1
        if start <= t.created < end:
            out["opened"] += 1
            out["by_kind"][change_kind(t)] += 1
            state = approval_state(t, at=end) or "pending"
            out["by_approval"][state] += 1
        st = status_at(t, end)
        if st is not None and approval_state(t, at=end) == "flagged":
            out["emergency_unapproved"] += 1
    return out


def incident_refs(tickets: Iterable[Ticket], start: datetime, end: datetime) -> list[tuple[str, tuple[str, ...]]]:
    """(id, caused-by links) of the incidents opened in [start, end)."""
    return [(t.id, tuple(t.linked("caused-by"))) for t in tickets
            if t.category == "incident" and not t.merged_into and start <= t.created < end]


def add_counts(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Add `more` into `into` (nested dicts of counts), key by key."""
    for k, v in more.items():
        if isinstance(v, dict):
            add_counts(into.setdefault(k, {}), v)
        else:
            into[k] = into.get(k, 0) + v
    return into


def combine_counts(problems: Iterable[dict[str, int]], changes: Iterable[dict[str, Any]],
                   opened_incidents: Iterable[tuple[str, tuple[str, ...]]],
                   problem_refs: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    """`itil_counts` from its pieces: problem and change counts (summed),
    the incidents opened in the period and every problem of the desk as
    (id, links)."""
    p: dict[str, Any] = {"opened": 0, "resolved": 0, "open_at_end": 0, "known_errors": 0}
    for x in problems:
        add_counts(p, x)
    c: dict[str, Any] = {"opened": 0, "done": 0, "by_kind": dict.fromkeys(CHANGE_KINDS, 0),
                         "by_approval": dict.fromkeys(APPROVAL_STATES, 0), "emergency_unapproved": 0}
    for x in changes:
        add_counts(c, x)
    refs = list(problem_refs)
    problem_ids = {i for i, _ in refs}
    gathered = {i for _, links in refs for i in links}  # incidents a problem gathers, seen from its side too
    incidents: dict[str, Any] = {"opened": 0, "linked_to_problem": 0, "percent_linked": "0.0"}
    for i, caused_by in opened_incidents:
        incidents["opened"] += 1
        if any(o in problem_ids for o in caused_by) or i in gathered:
            incidents["linked_to_problem"] += 1
    if incidents["opened"]:
        pct = 100 * incidents["linked_to_problem"] / incidents["opened"]
        incidents["percent_linked"] = f"{pct:.1f}"
    return {"problems": p, "changes": c, "incidents": incidents}
