"""SLA clocks of a ticket (docs/sla.md): response, resolve and escalate.

`compute(ticket, policy, now) -> SlaState` gives each clock's target, due time,
state and business minutes taken; `timeline(...)` shows the working, row by
row; `escalation_due(...)` says whether a ticket must move to the next line.
Pure: the clock and the policy are arguments. All arithmetic runs on UTC
instants and integer microseconds (the calendar may return fold=1 datetimes);
results are turned into the policy's timezone at the edge.

The rules (docs/sla.md has worked examples):

* Clocks start at creation, in the business calendar unless the priority
  says `clock: 24x7`; the targets come from the CURRENT rating, so a
  re-rating recomputes every due time from creation and keeps every pause.
* Paused: time in a `paused_statuses` status, and time between a resolve
  (or close) and the reopen that followed it. A ticket that is resolved or
  closed now has stopped clocks: met or breached, never running.
* response is met by the first public comment by an agent or by `take`; a
  ticket resolved before any reply counts the resolve as its response (the
  solution goes to the requester).
* resolve is met by the (final) resolve or close.
* escalate runs while the ticket is unresolved and a next support line
  exists (a team with a higher `line`); it restarts at every escalation, so
  1st -> 2nd and later 2nd -> 3rd both happen, and `tix escalate --due` run
  twice escalates nothing twice. At the last line its state is `none`.
* Only `incident` and `request` tickets have SLA clocks; `problem` and
  `change` tickets have state `none` on all three (they run on plans and
  change windows, not on response targets).
* A due time is the instant at which the target's clock time has elapsed
  (a 0 target: the next opening moment); a clock is breached once `now` is
  past it unmet, or when it was met after it. While a clock is paused and
  not yet breached its due time is unknown (None): it depends on when the
  customer answers; `remaining` still says how much is left.
* at-risk: running, and `warn.percent` of the target used or less than
  `warn.lead` left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tix.core.errors import BadInput
from tix.core.frozen import make
from tix.core.priority import Rating, rate
from tix.core.ticket import response_at

if TYPE_CHECKING:
    from tix.core.policy import Policy, PriorityRule, Team
    from tix.core.ticket import Ticket

__all__ = [
    "CLOCKS",
    "SLA_CATEGORIES",
    "STATES",
    "Clock",
    "SlaState",
    "compute",
    "escalation_due",
    "next_line_team",
    "timeline",
]

UTC = UTC
_US = 60_000_000  # microseconds per minute
CLOCKS = ("response", "resolve", "escalate")
STATES = ("running", "paused", "at-risk", "met", "breached", "none")
SLA_CATEGORIES = ("incident", "request")  # problem/change tickets have no SLA clocks
STOPPED = ("resolved", "closed")


# ------------------------------------------------------------------ results

@dataclass(frozen=True)
class Clock:
    name: str                  # "response" | "resolve" | "escalate"
    target: int | None         # minutes of clock time
    due: datetime | None       # aware, policy tz
    done_at: datetime | None   # aware, policy tz
    state: str                 # running | paused | met | breached | at-risk | none
    taken: float               # clock minutes used (pauses excluded), up to done_at or now
    remaining: float | None    # target - taken; negative when breached

    @property
    def live(self) -> bool:
        """Still counting or waiting to count (not met, not stopped, not none)."""
        return self.done_at is None and self.state != "none"

    def to_json(self) -> dict[str, Any]:
        # taken rounds up and remaining down, so that target = taken + remaining
        # holds for the printed whole minutes and a breach by seconds shows as -1.
        return {
            "due": self.due.isoformat() if self.due else None,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "state": self.state,
            "remaining_minutes": math.floor(self.remaining + 1e-9) if self.remaining is not None else None,
            "taken_minutes": math.ceil(self.taken - 1e-9),
            "target_minutes": self.target,
        }


# most_urgent order: a live breach, then at-risk, then running by due, then paused,
# then a breach that is history (met late); met and none never.
_URGENCY = {"breached": 0, "at-risk": 1, "running": 2, "paused": 3}


@dataclass(frozen=True)
class SlaState:
    priority: str
    score: int
    clock: str  # "business" | "24x7"
    response: Clock
    resolve: Clock
    escalate: Clock
    contract: str | None = None  # the customer contract whose targets these are (tix.core.contracts)

    def clocks(self) -> tuple[Clock, Clock, Clock]:
        return (self.response, self.resolve, self.escalate)

    def to_json(self) -> dict[str, Any]:
        return {"priority": self.priority, "score": self.score, "clock": self.clock,
                **({"contract": self.contract} if self.contract else {}),
                **{c.name: c.to_json() for c in self.clocks()}}

    def most_urgent(self) -> Clock | None:
        """Breached first (live breaches before ones that are history), then
        at-risk, then the running clock due soonest, then a paused one; None
        when every clock is met or none."""
        best: tuple[Any, ...] | None = None
        pick: Clock | None = None
        for c in self.clocks():
            if c.state in ("met", "none"):
                continue
            rank = _URGENCY[c.state] if c.live else 4
            due = c.due.astimezone(UTC).timestamp() if c.due else math.inf
            key = (rank, due, c.remaining if c.remaining is not None else math.inf)
            if best is None or key < best:
                best, pick = key, c
        return pick

    @property
    def breached(self) -> bool:
        """A clock is breached now (not a breach that is history)."""
        return any(c.state == "breached" and c.live for c in self.clocks())

    @property
    def at_risk(self) -> bool:
        return any(c.state == "at-risk" for c in self.clocks())


# ------------------------------------------------------------------ helpers

def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _rating(policy: Policy, ticket: Ticket) -> Rating:
    _, impact, urgency = ticket.ratings[-1] if ticket.ratings else (None, 1, 1)
    return _rate(policy, impact, urgency)


def _rate(policy: Policy, impact: int, urgency: int) -> Rating:
    try:
        return rate(policy, impact, urgency)
    except BadInput:  # a factor from an older policy: the lowest priority, never a crash
        rule = policy.priorities[-1]
        return Rating(impact, urgency, impact * urgency, rule)


def next_line_team(policy: Policy, team: str | None) -> Team | None:
    """The team of the next support line after `team` (the lowest line above
    it; among teams on the same line, the first in policies.yaml), or None at
    the last line. A ticket without a team counts as the default team; an
    unknown team as line 0, so it goes to the 1st line."""
    name = team or policy.default_team
    current = policy.teams[name].line if name in policy.teams else 0
    best: Team | None = None
    for t in policy.teams.values():
        if t.line > current and (best is None or t.line < best.line):
            best = t
    return best


@dataclass
class _Pause:
    start: datetime          # UTC
    end: datetime | None     # UTC; None: still paused
    why: str                 # the status that paused it


class _Frame:
    """What the three clocks of one ticket share: rule, clock, pauses, stop."""

    def __init__(self, ticket: Ticket, policy: Policy, now: datetime):
        self.ticket, self.policy = ticket, policy
        self.now = _utc(now)
        self.created = _utc(ticket.created)
        from tix.core.contracts import sla_terms

        _, impact, urgency = ticket.ratings[-1] if ticket.ratings else (None, 1, 1)
        # the targets and service hours recorded on the ticket (else its contract's, else the desk's)
        self.rating, self.clock, self.contract = sla_terms(policy, ticket, impact, urgency)
        self.rule: PriorityRule = self.rating.rule
        self.has_sla = ticket.category in SLA_CATEGORIES
        self.pauses: list[_Pause] = []
        self._between: dict[tuple[datetime, datetime], int] = {}
        self.stop: datetime | None = None  # start of the final resolved/closed stretch
        self.first_stop: datetime | None = None
        log = ticket.status_log
        paused = policy.paused_statuses
        i, n = 0, len(log)
        # One pass over the status log: paused stretches, resolved-then-reopened
        # stretches (consecutive resolved/closed merged), and the final stop.
        while i < n:
            at, status = log[i]
            if status in STOPPED:
                j = i
                while j + 1 < n and log[j + 1][1] in STOPPED:
                    j += 1
                if self.first_stop is None:
                    self.first_stop = _utc(at)
                if j + 1 < n:
                    self._pause(_utc(at), _utc(log[j + 1][0]), status)
                else:
                    self.stop = _utc(at)
                i = j + 1
                continue
            if status in paused:
                self._pause(_utc(at), _utc(log[i + 1][0]) if i + 1 < n else None, status)
            i += 1

    def _pause(self, a: datetime, b: datetime | None, why: str) -> None:
        if b is not None and b <= a:
            return
        if self.pauses and self.pauses[-1].end is not None and self.pauses[-1].end >= a:
            last = self.pauses[-1]  # touching pauses (waiting -> resolved) merge
            last.end = b
            return
        self.pauses.append(_Pause(a, b, why))

    def paused_at(self, t: datetime) -> _Pause | None:
        for p in self.pauses:
            if p.start <= t and (p.end is None or t < p.end):
                return p
            if p.start > t:
                break
        return None

    # -- clock windows ----------------------------------------------------
    def segments(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Running (not paused) parts of [start, end), in order."""
        out: list[tuple[datetime, datetime]] = []
        cur = start
        for p in self.pauses:
            if cur >= end:
                break
            if p.end is not None and p.end <= cur:
                continue
            if p.start >= end:
                break
            if p.start > cur:
                out.append((cur, p.start))
            cur = end if p.end is None else max(cur, p.end)
        if cur < end:
            out.append((cur, end))
        return out

    def between_us(self, a: datetime, b: datetime) -> int:
        if b <= a:
            return 0
        key = (a, b)  # response and resolve share their stretches: count each once
        us = self._between.get(key)
        if us is None:
            us = self._between[key] = round(self.clock.minutes_between(a, b) * _US)
        return us

    def add(self, a: datetime, us: int) -> datetime:
        if us == 0:
            return _utc(self.clock.next_open(a))
        minutes: int | float = us // _US if us % _US == 0 else us / _US
        return _utc(self.clock.add(a, minutes))

    def walk(self, start: datetime, end: datetime, tail: bool, target: int | None
             ) -> tuple[int, datetime | None]:
        """(clock µs taken in [start, end), due) for a clock counting from
        `start`; `tail`: the clock runs on after `end` (not paused there), so a
        due time not reached by `end` lies ahead, with no further pause."""
        taken = 0
        due: datetime | None = None
        rem = None if target is None else target * _US
        for a, b in self.segments(start, end):
            avail = self.between_us(a, b)
            taken += avail
            if due is None and rem is not None:
                if rem == 0:
                    n = self.add(a, 0)
                    if n < b:
                        due = n
                elif rem <= avail:
                    due = self.add(a, rem)  # a target used up at a range's end: that end
                else:
                    rem -= avail
        if due is None and rem is not None and tail:
            due = self.add(end, rem)
        return taken, due

    # -- the three clocks -------------------------------------------------
    def escalate_start(self) -> datetime:
        if self.ticket.escalations:
            from tix.core.dates import parse_stamp

            return max(self.created, _utc(parse_stamp(self.ticket.escalations[-1]["at"])))
        return self.created

    def response_done(self) -> datetime | None:
        fr = response_at(self.ticket, self.policy.agents)
        cands = [x for x in (_utc(fr) if fr else None, self.first_stop) if x is not None]
        return min(cands) if cands else None

    def escalate_target(self) -> int | None:
        if not self.has_sla or next_line_team(self.policy, self.ticket.team) is None:
            return None
        return self.rule.escalate

    def make(self, name: str, start: datetime, target: int | None, done: datetime | None) -> Clock:
        tz = self.policy.tz
        if target is None:
            return make(Clock, {"name": name, "target": None, "due": None,
                                "done_at": done.astimezone(tz) if done else None, "state": "none", "taken": 0.0,
                                "remaining": None})
        end = done if done is not None else max(self.now, start)
        end = max(end, start)
        pause = None if done is not None else self.paused_at(end)
        taken_us, due = self.walk(start, end, tail=pause is None, target=target)
        taken = taken_us / _US
        remaining = target - taken
        if done is not None:
            state = "met" if due is not None and done <= due else "breached"
        elif due is not None and self.now > due:
            state = "breached"
        elif pause is not None:
            state = "paused"
        elif taken * 100 >= self.policy.warn_percent * target or remaining < self.policy.warn_lead:
            state = "at-risk"
        else:
            state = "running"
        return make(Clock, {"name": name, "target": target, "due": due.astimezone(tz) if due else None,
                            "done_at": done.astimezone(tz) if done else None, "state": state, "taken": taken,
                            "remaining": remaining})

    def response(self) -> Clock:
        return self.make("response", self.created, self.rule.response if self.has_sla else None,
                         self.response_done())

    def resolve(self) -> Clock:
        return self.make("resolve", self.created, self.rule.resolve if self.has_sla else None, self.stop)

    def escalate(self) -> Clock:
        return self.make("escalate", self.escalate_start(), self.escalate_target(), self.stop)


def _local(t: datetime, tz: Any) -> datetime:
    return t.astimezone(tz)


# ------------------------------------------------------------------ public

def compute(ticket: Ticket, policy: Policy, now: datetime) -> SlaState:
    """The SLA state of one ticket at `now`: one pass over its status log,
    then each clock walks its running stretches (O(days), no minute loops)."""
    f = _Frame(ticket, policy, now)
    return make(SlaState, {"priority": f.rule.name, "score": f.rating.score, "clock": f.rule.clock,
                           "response": f.response(), "resolve": f.resolve(), "escalate": f.escalate(),
                           "contract": f.contract})


def escalation_due(ticket: Ticket, policy: Policy, now: datetime) -> Team | None:
    """The next line's team if the escalate clock ran out while the ticket is
    unresolved and it has not been escalated since (every escalation restarts
    the clock, which makes `tix escalate --due` idempotent); else None."""
    if not ticket.is_open or ticket.category not in SLA_CATEGORIES:
        return None
    nxt = next_line_team(policy, ticket.team)
    if nxt is None:
        return None
    f = _Frame(ticket, policy, now)
    c = f.escalate()
    if c.state == "breached" and c.done_at is None:
        return nxt
    return None


@dataclass(frozen=True)
class Escalation:
    """An escalation that is due: to which team, why (the text recorded with
    it), and when the escalate clock ran out."""

    team: Team
    reason: str
    due: datetime | None


def due_escalation(ticket: Ticket, policy: Policy, now: datetime, note: str | None = None) -> Escalation | None:
    """The one escalation-due rule (`tix escalate --due` and `tix notify`):
    `escalation_due`, with the reason recorded on the event (`note` appended)."""
    team = escalation_due(ticket, policy, now)
    if team is None:
        return None
    clock = compute(ticket, policy, now).escalate
    why = (f"escalate target {_fmt(clock.target)} reached at {clock.due.astimezone(policy.tz):%Y-%m-%d %H:%M}"
           if clock.due else "escalate target reached")
    if note:
        why += f"; {note}"
    return Escalation(team, why, clock.due)


def _fmt(minutes: float | None) -> str:
    from tix.core.dates import fmt_minutes

    return fmt_minutes(minutes)


def _rate_at(policy: Policy, ticket: Ticket, k: int) -> Rating:
    """The k-th rating of the ticket with the terms recorded with it (else the policy's)."""
    at, impact, urgency = ticket.ratings[k]
    rec = [terms for when, terms in ticket.terms if when <= at]
    if rec and isinstance(rec[-1], dict):
        from tix.core.contracts import _recorded

        got = _recorded(policy, rec[-1])
        if got is not None:
            return Rating(impact, urgency, impact * urgency, got[0])
    return _rate(policy, impact, urgency)


def _targets(policy: Policy, r: Rating) -> str:
    rule = r.rule
    clock = "24x7" if rule.clock == "24x7" else "business hours"
    return (f"targets response {_fmt(rule.response)}, resolve {_fmt(rule.resolve)}, "
            f"escalate {_fmt(rule.escalate)} ({clock})")


def timeline(ticket: Ticket, policy: Policy, now: datetime) -> list[dict[str, Any]]:
    """The working behind `compute`, for `tix sla ID`: rows in time order, each
    {"at", "clocks": [names], "what", "why", "taken": {clock: minutes so far}}.

    `what` is one of started, paused, resumed, re-rated, met, met late,
    stopped, breached, escalation due, escalated, due (a future due time),
    none, no clocks and now."""
    from tix.core.dates import parse_stamp

    f = _Frame(ticket, policy, now)
    state = SlaState(f.rule.name, f.rating.score, f.rule.clock, f.response(), f.resolve(), f.escalate())
    tz = policy.tz
    rows: list[tuple[datetime, int, list[str], str, str]] = []
    seq = 0

    def row(at: datetime, clocks: list[str], what: str, why: str) -> None:
        nonlocal seq
        seq += 1
        rows.append((_utc(at), seq, clocks, what, why))

    first = _rate_at(policy, ticket, 0) if len(ticket.ratings) > 1 else f.rating
    if not f.has_sla:
        row(f.created, [], "no clocks",
            f"category {ticket.category}: only {' and '.join(SLA_CATEGORIES)} tickets have SLA clocks")
        return _finish(rows, f, state, tz)
    why = f"priority {first.name} ({first.impact} x {first.urgency} = {first.score}): {_targets(policy, first)}"
    if f.contract:
        why = f"contract {f.contract}; " + why
    if len(ticket.ratings) > 1:
        why += f"; the current rating ({f.rating.name}) sets the targets, counted from here"
    opens = _utc(f.clock.next_open(f.created))
    if opens > f.created:
        why += f"; opened outside service hours, counting starts {_local(opens, tz):%a %Y-%m-%d %H:%M}"
    row(f.created, ["response", "resolve", "escalate"], "started", why)

    for k, (at, impact, urgency) in enumerate(ticket.ratings[1:], start=1):
        r = f.rating if k == len(ticket.ratings) - 1 else _rate_at(policy, ticket, k)
        row(at, ["response", "resolve", "escalate"], "re-rated",
            f"to {r.name} ({impact} x {urgency} = {r.score}): {_targets(policy, r)}; due times recomputed "
            f"from creation, pauses kept")

    resp_done = f.response_done()
    log = ticket.status_log
    for i, (at, status) in enumerate(log[1:], start=1):
        prev = log[i - 1][1]
        at_u = _utc(at)
        live = [n for n, done in (("response", resp_done), ("resolve", None), ("escalate", None))
                if done is None or done > at_u]
        if status in STOPPED and prev not in STOPPED:
            if f.stop is not None and at_u == f.stop:
                row(at, ["resolve", "escalate"], "stopped",
                    f"status {status}: resolve {state.resolve.state}; escalate {state.escalate.state}")
            else:
                row(at, live, "paused", f"status {status}; the time until the reopen does not count")
        elif status not in STOPPED and prev in STOPPED:
            if status in policy.paused_statuses:
                row(at, live, "paused", f"reopened into status {status} (a paused status)")
            else:
                row(at, live, "resumed", f"reopened (status {status})")
        elif status in policy.paused_statuses and prev not in policy.paused_statuses:
            row(at, live, "paused", f"status {status} (waiting for the customer): clocks do not count")
        elif status not in policy.paused_statuses and prev in policy.paused_statuses and status not in STOPPED:
            row(at, live, "resumed", f"status {status}")

    if resp_done is not None:
        fr = response_at(ticket, policy.agents)
        how = ("first public reply or take by an agent" if fr is not None and _utc(fr) == resp_done
               else "resolved before any reply: the solution is the response")
        row(resp_done, ["response"], "met" if state.response.state == "met" else "met late", how)

    # escalate clock: one run per line; each escalation restarts it
    starts = [f.created]
    for ev in ticket.escalations:
        t = _utc(parse_stamp(ev["at"]))
        auto = " (automatic)" if ev.get("auto") else " (by hand)"
        reason = f": {ev['reason']}" if ev.get("reason") else ""
        line = f" (line {ev['line']})" if ev.get("line") else ""
        row(t, ["escalate"], "escalated",
            f"from {ev.get('from_team') or '-'} to {ev['to_team']}{line} by {ev['by']}{auto}{reason}; the "
            f"escalate clock restarts for the next line")
        starts.append(max(t, f.created))
    for k, s in enumerate(starts[:-1]):
        _, due = f.walk(s, starts[k + 1], tail=False, target=f.rule.escalate)
        if due is not None and due < starts[k + 1]:
            row(due, ["escalate"], "escalation due", f"escalate target {_fmt(f.rule.escalate)} used up")

    for c in state.clocks():
        if c.due is None or c.target is None:
            continue
        due = _utc(c.due)
        end = _utc(c.done_at) if c.done_at else f.now
        if due < end:
            what = "escalation due" if c.name == "escalate" else "breached"
            row(c.due, [c.name], what, f"target {_fmt(c.target)} used up at this instant")
        elif c.done_at is None and due >= f.now:
            row(c.due, [c.name], "due", f"if it keeps running: {_fmt(c.remaining)} of clock time left")
    if state.escalate.state == "none" and ticket.is_open:
        row(f.now, ["escalate"], "none", f"{ticket.team or '-'} is the last support line: no escalation")
    return _finish(rows, f, state, tz)


def _summary(c: Clock) -> str:
    """'resolve running, 2h10m left' / 'response breached by 25m' / 'escalate met'."""
    if c.remaining is None:
        return f"{c.name} {c.state}"
    if c.state == "met":
        return f"{c.name} met with {_fmt(c.remaining)} to spare"
    if c.remaining < 0:
        return f"{c.name} {c.state} by {_fmt(-c.remaining)}"
    return f"{c.name} {c.state}, {_fmt(c.remaining)} left"


def _finish(rows: list[tuple[datetime, int, list[str], str, str]], f: _Frame, state: SlaState,
            tz: Any) -> list[dict[str, Any]]:
    rows.append((f.now, 1 << 30, [c.name for c in state.clocks() if c.state != "none"], "now",
                 "; ".join(_summary(c) for c in state.clocks() if c.state != "none") or "no clocks"))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = []
    esc_starts = [f.created]
    from tix.core.dates import parse_stamp

    for ev in f.ticket.escalations:
        esc_starts.append(max(_utc(parse_stamp(ev["at"])), f.created))
    resp_done = f.response_done()
    for at, _, clocks, what, why in rows:
        taken: dict[str, int | None] = {}
        for c in state.clocks():
            if c.target is None and not (c.name == "escalate" and f.has_sla):
                taken[c.name] = None
                continue
            if c.name == "escalate":
                start = max(s for s in esc_starts if s <= at) if at >= f.created else f.created
                done = f.stop
            else:
                start = f.created
                done = resp_done if c.name == "response" else f.stop
            end = min(at, done) if done is not None else at
            us = sum(f.between_us(a, b) for a, b in f.segments(start, max(end, start)))
            taken[c.name] = math.ceil(us / _US - 1e-9)
        out.append({"at": _local(at, tz), "clocks": clocks, "what": what, "why": why, "taken": taken})
    return out
