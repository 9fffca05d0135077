"""Reports (docs/reports.md): the monthly report with its twelve-month
trend, reports over any period (`--by month|week|team|org`) and the IT
manager's view of one organisation.

Pure, hledger-style: tickets, a period, the policy and `now` in, plain data
out (`MonthlyReport.to_json()` is the stable JSON of docs/reports.md and the
test oracle); `tix.render.report` turns it into table, CSV, Markdown or HTML.

One pass: every ticket is looked at once. Its facts (opened, resolved,
closed, reopened, work logged, SLA clocks decided, feedback, escalations,
open stretches for the backlog) are dropped into the bucket of the instant
they happened (a month of the trend, a week, ...) with a bisect; nothing
loops over days or over months times events.

Where a fact lands (the rules, docs/reports.md has them with examples):
* opened: the ticket's creation. resolved: a move from new/open/waiting to
  resolved or closed (a ticket counts once per bucket however often it was
  resolved there). closed: a move to closed. backlog: new, open or waiting
  just before the bucket's end (waiting for the customer counts).
* work: the entry's `at` (work belongs to the month it was done in), priced by
  `tix.core.billing.price`, so amounts match `tix invoice` to the cent.
* an SLA clock (response, resolve) is counted once, in the bucket where it was
  decided: met -> when it was met; breached -> when its due time passed.
* resolve time: business minutes of the policy calendar from creation to the
  (last, in that bucket) resolution, without paused stretches (waiting for
  the customer) and without stretches between a resolve and a reopen.
* reopen rate: of the tickets resolved in the bucket, the share reopened
  after that resolution (at any time up to now).
* Dimensions (priority, team, category, channel, org) are the ticket's
  current ones; the agent is the assignee for ticket counts and the author of
  the entry for hours.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tix.core.dates import Period, add_months, month_period, months_between, parse_stamp
from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

__all__ = [
    "BY_CHOICES",
    "DIMENSIONS",
    "TREND_MONTHS",
    "Figures",
    "MonthlyReport",
    "PeriodReport",
    "month_buckets",
    "monthly_report",
    "period_report",
    "week_buckets",
]

ZERO = Decimal("0.00")
STOPPED = ("resolved", "closed")
TREND_MONTHS = 12  # the month and the twelve before it
DIMENSIONS = ("priority", "team", "category", "channel", "org", "agent")
BY_CHOICES = ("month", "week", "team", "org")
NONE_KEY = "(none)"
UNASSIGNED = "(unassigned)"
AGE_BUCKETS = (("<1d", 1), ("1-7d", 7), ("7-30d", 30), (">30d", math.inf))

# Public history in the IT manager's view: only these event types, and of
# their fields only the ones named here. Internal notes, links to other
# tickets (maybe another organisation's), field changes, status notes and
# notification records never leave the desk.
PUBLIC_EVENTS = ("opened", "assigned", "taken", "commented", "status", "resolved", "closed", "reopened",
                 "escalated", "worked", "feedback")


# ---------------------------------------------------------------- figures

@dataclass
class Figures:
    """The numbers of one bucket (a month, a week, a team, a whole period)."""

    opened: int = 0
    resolved: int = 0
    closed: int = 0
    reopened: int = 0  # of `resolved`, reopened afterwards
    backlog: int = 0
    backlog_ages: list[float] = field(default_factory=list)  # days, at the bucket's end
    minutes_worked: int = 0
    minutes_billed: int = 0
    amount: Decimal = ZERO
    by_rate: dict[str, list[Any]] = field(default_factory=dict)  # rate -> [minutes, billed, amount]
    response_met: int = 0
    response_breached: int = 0
    resolve_met: int = 0
    resolve_breached: int = 0
    resolve_minutes: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)
    escalations: Counter[str] = field(default_factory=Counter)

    def add_work(self, minutes: int, billed: int, amount: Decimal, rate: str) -> None:
        self.minutes_worked += minutes
        self.minutes_billed += billed
        self.amount += amount
        r = self.by_rate.setdefault(rate, [0, 0, ZERO])
        r[0] += minutes
        r[1] += billed
        r[2] += amount

    # -- derived ------------------------------------------------------------
    @property
    def response_met_pct(self) -> float | None:
        return _pct(self.response_met, self.response_met + self.response_breached)

    @property
    def resolve_met_pct(self) -> float | None:
        return _pct(self.resolve_met, self.resolve_met + self.resolve_breached)

    @property
    def reopen_rate(self) -> float | None:
        return _pct(self.reopened, self.resolved)

    def resolve_hours(self) -> dict[str, Any]:
        v = sorted(self.resolve_minutes)
        return {"count": len(v), "median": _hours(statistics.median(v)) if v else None,
                "p90": _hours(percentile(v, 90)) if v else None}

    def backlog_age(self) -> dict[str, Any]:
        ages = sorted(self.backlog_ages)
        buckets = {name: 0 for name, _ in AGE_BUCKETS}
        for a in ages:
            for name, limit in AGE_BUCKETS:
                if a < limit:
                    buckets[name] += 1
                    break
        return {"median_days": round(statistics.median(ages), 1) if ages else None,
                "max_days": round(ages[-1], 1) if ages else None, "buckets": buckets}

    def satisfaction(self) -> dict[str, Any]:
        return {"responses": len(self.scores),
                "average": round(sum(self.scores) / len(self.scores), 2) if self.scores else None,
                "scores": {str(s): self.scores.count(s) for s in range(1, 6)}}

    def escalation_json(self) -> dict[str, Any]:
        return {"total": sum(self.escalations.values()),
                "by_line": {k: self.escalations[k] for k in sorted(self.escalations)}}

    def row(self) -> dict[str, Any]:
        """The short row of a breakdown (by_team, ...)."""
        return {"opened": self.opened, "resolved": self.resolved, "backlog": self.backlog,
                "hours_worked": _hours(self.minutes_worked), "hours_billed": _hours(self.minutes_billed),
                "amount": str(self.amount)}

    def column(self) -> dict[str, Any]:
        """Every figure of a bucket (a trend month, a period column)."""
        rh = self.resolve_hours()
        return {"opened": self.opened, "resolved": self.resolved, "closed": self.closed,
                "backlog": self.backlog, "hours_worked": _hours(self.minutes_worked),
                "hours_billed": _hours(self.minutes_billed), "amount": str(self.amount),
                "response_met_pct": self.response_met_pct, "resolve_met_pct": self.resolve_met_pct,
                "resolve_hours_median": rh["median"], "resolve_hours_p90": rh["p90"],
                "reopen_rate": self.reopen_rate,
                "satisfaction": self.satisfaction()["average"],
                "escalations": sum(self.escalations.values())}


COLUMN_KEYS = ("opened", "resolved", "closed", "backlog", "hours_worked", "hours_billed", "amount",
               "response_met_pct", "resolve_met_pct", "resolve_hours_median", "resolve_hours_p90",
               "reopen_rate", "satisfaction", "escalations")


def _pct(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    k = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[k - 1]


# ---------------------------------------------------------------- buckets

@dataclass(frozen=True)
class Bucket:
    key: str
    start: datetime
    end: datetime


def month_buckets(first: Period, count: int, tz: Any) -> list[Bucket]:
    """`count` consecutive months starting with the month `first` starts in."""
    y, m = first.start.year, first.start.month
    out = []
    for k in range(count):
        p = month_period(*add_months(y, m, k), tz)
        out.append(Bucket(p.label, p.start, p.end))
    return out


def months_in(period: Period, tz: Any) -> list[Bucket]:
    """The months of `period`, the first and last clipped to it."""
    out = []
    local = period.start.astimezone(tz)
    y, m = local.year, local.month
    while True:
        p = month_period(y, m, tz)
        if p.start >= period.end:
            break
        out.append(Bucket(p.label, max(p.start, period.start), min(p.end, period.end)))
        y, m = add_months(y, m, 1)
    return out


def week_buckets(period: Period, tz: Any) -> list[Bucket]:
    """ISO weeks (Monday 00:00) of `period`, the first and last clipped to it."""
    from tix.core.dates import localize

    out = []
    d = period.start.astimezone(tz).date()
    d -= timedelta(days=d.weekday())
    while True:
        start = localize(datetime.combine(d, datetime.min.time()), tz)
        end = localize(datetime.combine(d + timedelta(days=7), datetime.min.time()), tz)
        if start >= period.end:
            break
        iso = d.isocalendar()
        out.append(Bucket(f"{iso[0]}-W{iso[1]:02d}", max(start, period.start), min(end, period.end)))
        d += timedelta(days=7)
    return out


# ---------------------------------------------------------------- the pass

@dataclass
class _Scan:
    """The result of the one pass: figures per bucket, the whole window, and
    per dimension value (only for the `detail` bucket, or per `split`)."""

    buckets: list[Bucket]
    columns: list[Figures]
    total: Figures
    detail: dict[str, dict[str, Figures]]
    split: dict[str, Figures]
    breaches: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    detail_of: dict[int, dict[str, dict[str, Figures]]] = field(default_factory=dict)  # detail=ALL
    breaches_of: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _priority(policy: Policy, t: Ticket) -> str:
    from tix.core.errors import TixError
    from tix.core.priority import rate

    try:
        return rate(policy, t.impact, t.urgency).name
    except TixError:  # a score no priority covers: the policy check names it
        return policy.priorities[-1].name


def _dims(policy: Policy, t: Ticket) -> dict[str, str]:
    return {"priority": _priority(policy, t), "team": t.team or NONE_KEY, "category": t.category,
            "channel": str(t.f("channel") or NONE_KEY), "org": t.org or NONE_KEY,
            "agent": t.assignee or UNASSIGNED}


@dataclass
class Facts:
    """One ticket's facts, each at the instant it happened: what `_scan` drops
    into buckets. They do not depend on the buckets, so any period can be
    built from them; a resolved or closed ticket's facts do not depend on
    `now` either (its clocks have stopped)."""

    t: Ticket
    dims: dict[str, str]
    state: Any  # sla.SlaState, or None for categories without an SLA
    resolutions: list[datetime]
    running: dict[datetime, float]  # business minutes running up to each resolution
    reopens: list[datetime]
    closes: list[datetime]
    stretches: list[tuple[datetime, datetime | None]]
    work: list[tuple[datetime, Any]]  # (at, billing.Line), or (at, PolicyError) for an entry without a price
    clocks: list[tuple[datetime, Any]]  # (instant decided, sla.Clock): met when met, breached at its due time
    feedback: list[tuple[datetime, int]]
    escalations: list[tuple[datetime, str]]

    def instants(self) -> list[datetime]:
        """Every instant a fact of this ticket happened (open stretches: their start)."""
        out = [self.t.created, *self.resolutions, *self.reopens, *self.closes]
        out += [a for a, _ in self.stretches] + [b for _, b in self.stretches if b is not None]
        out += [x[0] for x in self.work] + [x[0] for x in self.clocks]
        out += [x[0] for x in self.feedback] + [x[0] for x in self.escalations]
        return out


def ticket_facts(t: Ticket, policy: Policy, now: datetime, cal: Any = None) -> Facts:
    from tix.core import billing
    from tix.core import sla as sla_mod
    from tix.core.errors import PolicyError

    cal = cal if cal is not None else policy.calendar()
    state = sla_mod.compute(t, policy, now) if t.category in sla_mod.SLA_CATEGORIES else None
    resolutions, reopens, closes, stretches = status_facts(t)
    running: dict[datetime, float] = {}
    if resolutions:
        wanted = list(resolutions)
        final = resolutions[-1]
        if (state is not None and state.clock == "business" and t.status in STOPPED
                and state.resolve.done_at is not None):
            # the resolve clock already walked this: business minutes from
            # creation to the final resolve, pauses and reopen gaps left out
            running[final] = round(state.resolve.taken, 2)
            wanted = [r for r in wanted if r != final]
        if wanted:
            running.update(_running_minutes(t, policy, cal, wanted))
    work: list[tuple[datetime, Any]] = []
    for e in t.work:
        try:
            work.append((parse_stamp(e["at"]), billing.price(e, t, policy)))
        except PolicyError as err:  # refused only if the report needs this entry
            work.append((parse_stamp(e["at"]), err))
    clocks: list[tuple[datetime, Any]] = []
    if state is not None:
        for c in (state.response, state.resolve):
            if c.state == "met" and c.done_at is not None:
                clocks.append((c.done_at, c))
            elif c.state == "breached" and c.due is not None:
                clocks.append((c.due, c))
    feedback = [(parse_stamp(e["at"]), int(e["score"])) for e in t.feedback]
    escalations = []
    for e in t.escalations:
        line_no = e.get("line")
        if line_no is None and e.get("to_team") in policy.teams:
            line_no = policy.teams[e["to_team"]].line
        escalations.append((parse_stamp(e["at"]), str(line_no) if line_no is not None else "?"))
    return Facts(t, _dims(policy, t), state, resolutions, running, reopens, closes, stretches, work, clocks,
                 feedback, escalations)


ALL = -1  # `detail`: every bucket


def _scan(tickets: Iterable[Ticket | Facts], policy: Policy, now: datetime, buckets: list[Bucket], *,
          org: str | None = None, detail: int | None = None, split: str | None = None,
          org_view: bool = False, errors: dict[int, tuple[str, str | None]] | None = None) -> _Scan:
    """The one pass over the tickets (or their facts). `errors`: where a work
    entry in bucket i has no price, note (message, path) there instead of
    raising it. `detail`: the bucket
    whose breakdowns (by priority, team, ...), breaches and ticket list are
    wanted (ALL: every bucket's, in `detail_of`). `split`: a dimension (team,
    org) whose values become the columns instead."""
    starts = [b.start.timestamp() for b in buckets]
    w_start, w_end = buckets[0].start, buckets[-1].end
    w_start_ts, w_end_ts = w_start.timestamp(), w_end.timestamp()
    n = len(buckets)
    columns = [Figures() for _ in buckets]
    total = Figures()
    det_all: dict[int, dict[str, dict[str, Figures]]] = {}
    det: dict[str, dict[str, Figures]] = {d: {} for d in DIMENSIONS} if detail is not None else {}
    spl: dict[str, Figures] = {}
    breaches: list[dict[str, Any]] = []
    breaches_all: dict[int, list[dict[str, Any]]] = {}
    listed: list[dict[str, Any]] = []
    cal = policy.calendar()
    tz = policy.tz

    def idx(t: datetime) -> int:
        """Bucket index of an instant, or -1 outside the window."""
        ts = t.timestamp()
        if ts < w_start_ts or ts >= w_end_ts:
            return -1
        return bisect_right(starts, ts) - 1

    def is_detail(i: int) -> bool:
        return i == detail or (detail == ALL and i >= 0)

    for x in tickets:
        t = x.t if isinstance(x, Facts) else x
        if org is not None and t.org != org:
            continue
        if t.created >= w_end:
            continue
        if not t.is_open and t.last_activity is not None and t.last_activity < w_start:
            continue  # done before the window: nothing of it can land in a bucket
        fx = x if isinstance(x, Facts) else ticket_facts(t, policy, now, cal)
        dims = fx.dims
        skey = dims[split] if split else None
        state = fx.state

        in_detail = False

        def targets(i: int, agent: str | None = None, with_total: bool = True,
                    skey: Any = skey, dims: Any = dims) -> list[Figures]:
            """Figures a fact in bucket i goes to: its column (or split
            column), the total, and in the detail bucket each dimension."""
            nonlocal in_detail
            out = [total] if with_total else []
            if i == detail:
                in_detail = True
            if split:
                f = spl.get(skey)  # type: ignore[arg-type]
                if f is None:
                    f = spl[skey] = Figures()  # type: ignore[index]
                out.append(f)
            else:
                out.append(columns[i])
            if is_detail(i):
                dd = det
                if detail == ALL:
                    dd = det_all.get(i)  # type: ignore[assignment]
                    if dd is None:
                        dd = det_all[i] = {d: {} for d in DIMENSIONS}
                for d in DIMENSIONS:
                    v = agent if (d == "agent" and agent is not None) else dims[d]
                    g = dd[d].get(v)
                    if g is None:
                        g = dd[d][v] = Figures()
                    out.append(g)
            return out

        in_detail = False
        i = idx(t.created)
        if i >= 0:
            for f in targets(i):
                f.opened += 1

        resolutions, reopens = fx.resolutions, fx.reopens

        # a ticket counts once per bucket (and once in the total) however
        # often it was resolved or closed there
        closed_in = {i for i in map(idx, fx.closes) if i >= 0}
        for i in closed_in:
            for f in targets(i, with_total=False):
                f.closed += 1
        if closed_in:
            total.closed += 1
        if resolutions:
            first: dict[int, datetime] = {}
            last: dict[int, datetime] = {}
            for r in resolutions:
                i = idx(r)
                if i >= 0:
                    first.setdefault(i, r)
                    last[i] = r
            if first:
                running = fx.running
                for i, r in first.items():
                    reopened = any(x > r for x in reopens)
                    for f in targets(i, with_total=False):
                        f.resolved += 1
                        f.reopened += reopened
                        f.resolve_minutes.append(running[last[i]])
                r0 = min(first.values())
                total.resolved += 1
                total.reopened += any(x > r0 for x in reopens)
                total.resolve_minutes.append(running[max(last.values())])

        # backlog: open just before a bucket's end, i.e. stretch [a, b) with a < end <= b
        in_backlog = False
        for a, b in fx.stretches:
            ia = 0 if a < w_start else idx(a)
            if ia < 0:
                continue  # opened after the window
            ib = n if b is None or b >= w_end else (idx(b) if b > w_start else 0)
            for i in range(ia, ib):  # buckets whose end lies in (a, b]
                end = buckets[i].end
                if not (a < end and (b is None or end <= b)):
                    continue
                in_backlog = in_backlog or i == detail
                age = (end - t.created).total_seconds() / 86400
                for f in targets(i, with_total=False):
                    f.backlog += 1
                    f.backlog_ages.append(age)

        # -- work, priced like the invoice
        work_rows = []
        for at, line in fx.work:
            i = idx(at)
            if i < 0:
                continue
            if isinstance(line, PolicyError):
                if errors is None:
                    raise line
                errors.setdefault(i, (line.message, line.path))
                continue
            for f in targets(i, agent=line.agent):
                f.add_work(line.minutes, line.billed_minutes, line.amount, line.rate_name)
            if org_view and i == detail:
                work_rows.append(line)

        # -- SLA clocks, counted where they were decided
        for when, c in fx.clocks:
            i = idx(when)
            if i < 0:
                continue
            for f in targets(i):
                if c.name == "response":
                    if c.state == "met":
                        f.response_met += 1
                    else:
                        f.response_breached += 1
                elif c.state == "met":
                    f.resolve_met += 1
                else:
                    f.resolve_breached += 1
            if c.state == "breached" and is_detail(i):
                (breaches if detail != ALL else breaches_all.setdefault(i, [])).append(
                    _breach(t, c, state.priority, tz))

        for at, score in fx.feedback:
            i = idx(at)
            if i >= 0:
                for f in targets(i):
                    f.scores.append(score)
        for at, line_no in fx.escalations:
            i = idx(at)
            if i >= 0:
                for f in targets(i):
                    f.escalations[line_no] += 1

        if org_view and detail is not None:
            bk = buckets[detail]
            hist = _public_history(t, bk.start, bk.end, tz, policy)
            if hist or work_rows or in_backlog or in_detail:
                listed.append(_ticket_entry(t, policy, tz, bk, state, work_rows, hist))

    # the total's backlog is the one at the window's end
    ends = list(spl.values()) if split else columns[-1:]
    total.backlog = sum(f.backlog for f in ends)
    total.backlog_ages = [a for f in ends for a in f.backlog_ages]
    breaches.sort(key=lambda x: (x["due"] or "", x["ticket"], x["clock"]))
    listed.sort(key=lambda x: x["id"])
    return _Scan(buckets, columns, total, det, spl, breaches, listed, det_all, breaches_all)


def status_facts(t: Ticket) -> tuple[list[datetime], list[datetime], list[datetime],
                                     list[tuple[datetime, datetime | None]]]:
    """From the status log: resolutions (new/open/waiting -> resolved/closed),
    reopens (resolved/closed -> anything else), closes, and the stretches
    [from, until) in which the ticket was open (until None: still open)."""
    log = t.status_log
    resolutions: list[datetime] = []
    reopens: list[datetime] = []
    closes: list[datetime] = []
    stretches: list[tuple[datetime, datetime | None]] = []
    open_from: datetime | None = log[0][0] if log else t.created
    for k in range(1, len(log)):
        at, cur = log[k]
        prev = log[k - 1][1]
        if cur in STOPPED and prev not in STOPPED:
            resolutions.append(at)
            if open_from is not None:
                stretches.append((open_from, at))
                open_from = None
        elif prev in STOPPED and cur not in STOPPED:
            reopens.append(at)
            open_from = at
        if cur == "closed":
            closes.append(at)
    if open_from is not None:
        stretches.append((open_from, None))
    return resolutions, reopens, closes, stretches


# ---------------------------------------------------------------- monthly parts
#
# The monthly report is built from "parts": a part is what a group of tickets
# contributes to each calendar month, as plain data (so the index can keep the
# parts of resolved and closed tickets between runs: `tix.storage.index.derive`).
# meta: {"2026-10": trend row}; value: {"2026-10": the month in detail}.
# Every figure of a month is a sum (or a list, or a count per key) over
# tickets, so the parts of disjoint groups add up to the report of them all.

FOLD_VERSION = 2  # of month_fold's plain data: bump on any change to it (the index keeps old parts otherwise)


def _cal_months(lo: datetime, hi: datetime, tz: Any) -> list[Bucket]:
    """The calendar months from the one holding `lo` to the one holding `hi`."""
    a, b = lo.astimezone(tz), hi.astimezone(tz)
    first = month_period(a.year, a.month, tz)
    return month_buckets(first, months_between(a.date(), b.date()) + 1, tz)


def month_fold(tickets: Iterable[Ticket], policy: Policy, now: datetime,
               window: tuple[datetime, datetime] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The part (meta, value) of these tickets: their figures per calendar
    month, over the months their facts span (or only those of `window`,
    a [start, end) of whole months; needed when a ticket is still open)."""
    from tix.core.planning import estimate_fact

    tz = policy.tz
    cal = policy.calendar()
    tickets = list(tickets)
    itil = [t for t in tickets if t.category in ("problem", "change", "incident") and not t.merged_into]
    if window is not None:
        w0, w1 = window
        tickets = [t for t in tickets
                   if t.created < w1 and (t.is_open or t.last_activity is None or t.last_activity >= w0)]
    facts = [ticket_facts(t, policy, now, cal) for t in tickets]
    meta: dict[str, Any] = {}
    val: dict[str, Any] = {}
    refs = [(t.id, tuple(t.linked("causes"))) for t in itil if t.category == "problem"]
    if refs:
        meta["~problems"] = refs  # every problem: incidents anywhere may link to it
    if not facts and (window is None or not itil):
        return meta, val
    if window is not None:
        buckets = _cal_months(window[0], window[1] - timedelta(microseconds=1), tz)
    else:
        inst = [x for f in facts for x in f.instants()]
        if any(b is None for f in facts for _, b in f.stretches):
            inst.append(now)
        buckets = _cal_months(min(inst), max(inst), tz)
    errors: dict[int, tuple[str, str | None]] = {}
    s = _scan(facts, policy, now, buckets, detail=ALL, errors=errors) if facts else None
    if s is None:  # only ITIL counts (open problems and changes of another period)
        s = _Scan(buckets, [Figures() for _ in buckets], Figures(), {}, {}, [], [])
    keys = [b.key for b in buckets]
    est: dict[str, list[Any]] = {}
    starts = [b.start for b in buckets]
    for t in tickets:
        e = estimate_fact(t)
        if e is not None and buckets[0].start <= e[0] < buckets[-1].end:
            est.setdefault(keys[bisect_right(starts, e[0]) - 1], []).append(e[1:])
    itil_of = {}
    if itil:
        from tix.core.itil import change_counts, incident_refs, problem_counts

        for b in buckets:
            x = (problem_counts(itil, b.start, b.end), change_counts(itil, b.start, b.end),
                 incident_refs(itil, b.start, b.end))
            if _nonzero(x):
                itil_of[b.key] = x
        if window is None:  # after its last month a group of stopped tickets counts the same every month
            after = month_buckets(month_period(buckets[-1].end.astimezone(tz).year,
                                               buckets[-1].end.astimezone(tz).month, tz), 1, tz)[0]
            tail = (problem_counts(itil, after.start, after.end), change_counts(itil, after.start, after.end))
            if _nonzero(tail):
                meta["~tail"] = (keys[-1], *tail)
    for i, key in enumerate(keys):
        f = s.columns[i]
        dd = s.detail_of.get(i)
        if not (dd or f.backlog or i in errors or key in est or key in itil_of):
            continue
        meta[key] = (*_row(f, TREND_FIELDS), errors.get(i))
        val[key] = {
            "month": _pack(f),
            "by": {d: {k: _row(g, ROW_FIELDS) for k, g in v.items()} for d, v in (dd or {}).items()},
            "breaches": s.breaches_of.get(i, []),
            "estimates": est.get(key, []),
            "itil": itil_of.get(key),
        }
    return meta, val


def _nonzero(x: Any) -> bool:
    """Any count above 0 (nested dicts and tuples of counts) or any list item."""
    if isinstance(x, dict):
        return any(map(_nonzero, x.values()))
    if isinstance(x, tuple):
        return any(map(_nonzero, x))
    return bool(x)


# The short rows a part keeps: a trend month (meta) and a breakdown value (`row()`)
TREND_FIELDS = ("opened", "resolved", "closed", "backlog", "minutes_worked", "minutes_billed", "amount",
                "response_met", "response_breached", "resolve_met", "resolve_breached")
ROW_FIELDS = ("opened", "resolved", "backlog", "minutes_worked", "minutes_billed", "amount")


def _row(f: Figures, fields: tuple[str, ...]) -> tuple[Any, ...]:
    """Those figures of `f` as plain data (the amount as a decimal string)."""
    return tuple(str(f.amount) if n == "amount" else getattr(f, n) for n in fields)


def _add_row(f: Figures, fields: tuple[str, ...], row: tuple[Any, ...]) -> None:
    """Add a `_row` into `f` (extra items after `fields` are ignored)."""
    for n, v in zip(fields, row, strict=False):
        setattr(f, n, getattr(f, n) + (Decimal(v) if n == "amount" else v))


def _pack(f: Figures) -> tuple[Any, ...]:
    return (f.opened, f.resolved, f.closed, f.reopened, f.backlog, f.backlog_ages, f.minutes_worked,
            f.minutes_billed, str(f.amount), {k: (v[0], v[1], str(v[2])) for k, v in f.by_rate.items()},
            f.response_met, f.response_breached, f.resolve_met, f.resolve_breached, f.resolve_minutes, f.scores,
            dict(f.escalations))


def _add_packed(f: Figures, p: tuple[Any, ...]) -> None:
    (opened, resolved, closed, reopened, backlog, ages, mw, mb, amount, by_rate, rm, rb, vm, vb, minutes,
     scores, esc) = p
    f.opened += opened
    f.resolved += resolved
    f.closed += closed
    f.reopened += reopened
    f.backlog += backlog
    f.backlog_ages += ages
    f.minutes_worked += mw
    f.minutes_billed += mb
    f.amount += Decimal(amount)
    for k, (m, b, a) in by_rate.items():
        r = f.by_rate.setdefault(k, [0, 0, ZERO])
        r[0] += m
        r[1] += b
        r[2] += Decimal(a)
    f.response_met += rm
    f.response_breached += rb
    f.resolve_met += vm
    f.resolve_breached += vb
    f.resolve_minutes += minutes
    f.scores += scores
    f.escalations.update(esc)


def monthly_from_parts(parts: Iterable[tuple[dict[str, Any], Any]], period: Period, policy: Policy,
                       now: datetime, *, extras: bool = True,
                       decode: Callable[[Any], Any] = lambda v: v) -> MonthlyReport:
    """The monthly report of `period` (a calendar month) from the parts of
    every ticket (`month_fold`); `decode` turns a part's stored value into
    the fold's (the index keeps them pickled: storage passes its decoder)."""
    from tix.core.errors import PolicyError

    tz = policy.tz
    buckets = month_buckets(_months_back(period, TREND_MONTHS, tz), TREND_MONTHS + 1, tz)
    keys = [b.key for b in buckets]
    last = keys[-1]
    trend = {k: Figures() for k in keys}
    month = trend[last]
    by: dict[str, dict[str, Figures]] = {d: {} for d in DIMENSIONS}
    breaches: list[dict[str, Any]] = []
    estimates: list[Any] = []
    itil: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
    for meta, v in parts:
        itil[3].extend(meta.get("~problems", ()))
        for k in keys:
            row = meta.get(k)
            if row is None:
                continue
            if row[11] is not None:
                raise PolicyError(row[11][0], path=row[11][1])
            if k != last:  # the month itself: in full below
                _add_row(trend[k], TREND_FIELDS, row)
        if last not in meta:
            tail = meta.get("~tail")
            if tail is not None and tail[0] < last:
                itil[0].append(tail[1])
                itil[1].append(tail[2])
            continue
        d = decode(v)[last]
        if d["itil"] is not None:
            itil[0].append(d["itil"][0])
            itil[1].append(d["itil"][1])
            itil[2].extend(d["itil"][2])
        _add_packed(month, d["month"])
        for dim, rows in d["by"].items():
            out = by[dim]
            for k, row in rows.items():
                g = out.get(k)
                if g is None:
                    g = out[k] = Figures()
                _add_row(g, ROW_FIELDS, row)
        breaches += d["breaches"]
        estimates += d["estimates"]
    breaches.sort(key=lambda x: (x["due"] or "", x["ticket"], x["clock"]))
    # a value with only an SLA clock decided in the month would be a row of zeros: left out
    by = {dim: {k: by[dim][k] for k in _dim_order(policy, dim, by[dim]) if _has_row(by[dim][k])}
          for dim in DIMENSIONS}
    ext = _month_extras(itil, estimates) if extras else {}
    return MonthlyReport(
        period=Period(buckets[-1].start, buckets[-1].end, period.label), org=None, org_name=None,
        currency=policy.billing.currency, timezone=policy.timezone, as_of=now.astimezone(tz), month=month,
        trend=[(b, trend[b.key]) for b in buckets], by=by, breaches=breaches, tickets=None, extras=ext)


def _month_extras(itil: tuple[list[Any], list[Any], list[Any], list[Any]], estimates: list[Any]
                  ) -> dict[str, Any]:
    """ITIL counts and estimate accuracy of the month (as `_extras`, from the parts' pieces)."""
    from tix.core.itil import combine_counts
    from tix.core.planning import accuracy_of

    return {"itil": combine_counts(*itil), "estimates": accuracy_of(estimates)}


def month_window(period: Period, policy: Policy) -> tuple[datetime, datetime]:
    """[start, end) of the months a monthly report of `period` covers (the
    month and the twelve before it)."""
    first = _months_back(period, TREND_MONTHS, policy.tz)
    return first.start, period.end


def _breach(t: Ticket, c: Any, priority: str, tz: Any) -> dict[str, Any]:
    return {"ticket": t.id, "title": t.title, "clock": c.name, "priority": priority, "team": t.team,
            "org": t.org, "assignee": t.assignee,
            "due": c.due.astimezone(tz).isoformat() if c.due else None,
            "done_at": c.done_at.astimezone(tz).isoformat() if c.done_at else None,
            "over_minutes": math.ceil(-(c.remaining or 0) - 1e-9)}


def _running_minutes(t: Ticket, policy: Policy, cal: Any, at: list[datetime]) -> dict[datetime, float]:
    """Business minutes the ticket was running (not paused, not resolved)
    from creation up to each instant of `at` (resolutions)."""
    paused = policy.paused_statuses
    log = t.status_log
    want = sorted(set(at))
    out: dict[datetime, float] = {}
    total = 0.0
    k = 0
    for j, (a, status) in enumerate(log):
        b = log[j + 1][0] if j + 1 < len(log) else None
        while k < len(want) and want[k] <= a:
            out[want[k]] = total
            k += 1
        if k >= len(want):
            break
        if status in paused or status in STOPPED:
            continue
        end = b if b is not None else want[-1]
        total += cal.minutes_between(a, end)  # the stretch [a, b)
    while k < len(want):
        out[want[k]] = total
        k += 1
    return {x: round(v, 2) for x, v in out.items()}


# ---------------------------------------------------------------- org view

def _public_history(t: Ticket, start: datetime, end: datetime, tz: Any, policy: Policy) -> list[dict[str, Any]]:
    """The ticket's public events in [start, end), oldest first: what the
    customer may see. Texts only from public replies, the solution and work
    notes (which are on the invoice anyway)."""
    rows: list[tuple[datetime, int, dict[str, Any]]] = []
    for n, e in enumerate(t.events):
        typ = e.get("type")
        if typ not in PUBLIC_EVENTS:
            continue
        if typ == "commented" and e.get("internal"):
            continue  # internal notes never appear in anything a customer sees
        at = parse_stamp(e["at"])
        if not start <= at < end:
            continue
        text = ""
        if typ == "opened":
            what = "opened"
        elif typ == "assigned":
            parts = []
            if e.get("team"):
                parts.append(f"team {e['team']}")
            if "to" in e:
                parts.append(f"agent {e['to'] or '(none)'}")
            what = "assigned to " + (", ".join(parts) or "-")
        elif typ == "taken":
            what = "taken"
        elif typ == "commented":
            what = "requester wrote" if t.is_requester(e) else "reply"
            text = str(e.get("text", ""))
        elif typ == "status":
            what = f"status {e['status']}"
        elif typ == "resolved":
            what = "resolved"
            text = str(e.get("solution", ""))
        elif typ == "closed":
            what = "closed"
        elif typ == "reopened":
            what = "reopened"
        elif typ == "escalated":
            line = f" (line {e['line']})" if e.get("line") else ""
            what = f"escalated to {e['to_team']}{line}"
        elif typ == "worked":
            from tix.core.dates import fmt_minutes

            what = f"worked {fmt_minutes(int(e['minutes']))}"
            text = str(e.get("note") or "")
        else:  # feedback
            what = f"feedback {e['score']}/5"
        rows.append((at, n, {"at": at.astimezone(tz).isoformat(), "by": str(e.get("by", "")), "what": what,
                             "text": text}))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def _ticket_entry(t: Ticket, policy: Policy, tz: Any, b: Bucket, state: Any, work: list[Any],
                  history: list[dict[str, Any]]) -> dict[str, Any]:
    req = t.requester
    status_end = "new"
    for at, s in t.status_log:
        if at < b.end:
            status_end = s
    return {
        "id": t.id,
        "title": t.title,
        "requester": req.get("name") or req.get("email") or "",
        "requester_email": req.get("email") or "",
        "status": status_end,
        "status_now": t.status,
        "priority": _priority(policy, t),
        "category": t.category,
        "opened": t.created.astimezone(tz).isoformat(),
        "resolved_at": t.resolved_at.astimezone(tz).isoformat() if t.resolved_at else None,
        "sla": {"response": state.response.state if state else "none",
                "resolve": state.resolve.state if state else "none"},
        "minutes_worked": sum(x.minutes for x in work),
        "minutes_billed": sum(x.billed_minutes for x in work),
        "amount": str(sum((x.amount for x in work), ZERO)),
        "work": [{"at": x.at.isoformat(), "agent": x.agent, "minutes": x.minutes,
                  "billed_minutes": x.billed_minutes, "rate_name": x.rate_name, "rate": str(x.rate),
                  "multiplier": str(x.multiplier), "amount": str(x.amount), "after_hours": x.after_hours,
                  "onsite": x.onsite, "no_bill": x.no_bill, "note": x.note}
                 for x in sorted(work, key=lambda x: (x.at, x.event_id))],
        "history": history,
    }


# ---------------------------------------------------------------- reports

def _dim_order(policy: Policy, dim: str, keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    if dim == "priority":
        rank = {r.name: k for k, r in enumerate(policy.priorities)}
        return sorted(keys, key=lambda k: (rank.get(k, 99), k))
    if dim == "team":
        rank = {name: k for k, name in enumerate(policy.teams)}
        return sorted(keys, key=lambda k: (k in (NONE_KEY,), rank.get(k, 99), k))
    return sorted(keys, key=lambda k: (k in (NONE_KEY, UNASSIGNED), k))


def _extras(tickets: list[Ticket], period: Period, policy: Policy) -> dict[str, Any]:
    """ITIL counts and estimate accuracy, when those modules exist (issues by
    other engineers): the report shows them, it does not compute them."""
    out: dict[str, Any] = {}
    try:
        from tix.core.itil import itil_counts  # type: ignore[attr-defined]
    except ImportError:
        pass
    else:
        out["itil"] = itil_counts(tickets, period)
    try:
        from tix.core.planning import estimate_accuracy  # type: ignore[attr-defined]
    except ImportError:
        pass
    else:
        out["estimates"] = estimate_accuracy(tickets, period, policy)
    return out


@dataclass
class MonthlyReport:
    period: Period
    org: str | None
    org_name: str | None
    currency: str
    timezone: str
    as_of: datetime
    month: Figures
    trend: list[tuple[Bucket, Figures]]
    by: dict[str, dict[str, Figures]]
    breaches: list[dict[str, Any]]
    tickets: list[dict[str, Any]] | None
    extras: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        m = self.month
        out: dict[str, Any] = {
            "report": "month",
            "month": self.period.label,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                       "half_open": True},
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "org": self.org,
            "org_name": self.org_name,
            "currency": self.currency,
            "opened": m.opened,
            "resolved": m.resolved,
            "closed": m.closed,
            "backlog": m.backlog,
            "backlog_age": m.backlog_age(),
        }
        for dim in DIMENSIONS:
            out[f"by_{dim}"] = {k: v.row() for k, v in self.by[dim].items()}
        out.update({
            "hours_worked": _hours(m.minutes_worked),
            "hours_billed": _hours(m.minutes_billed),
            "minutes_worked": m.minutes_worked,
            "minutes_billed": m.minutes_billed,
            "amount": str(m.amount),
            "by_rate": {k: {"hours_worked": _hours(v[0]), "hours_billed": _hours(v[1]), "amount": str(v[2])}
                        for k, v in sorted(m.by_rate.items())},
            "sla": {
                "response_met_pct": m.response_met_pct,
                "resolve_met_pct": m.resolve_met_pct,
                "response": {"met": m.response_met, "breached": m.response_breached},
                "resolve": {"met": m.resolve_met, "breached": m.resolve_breached},
                "breaches": self.breaches,
            },
            "resolve_hours": m.resolve_hours(),
            "reopened": m.reopened,
            "reopen_rate": m.reopen_rate,
            "satisfaction": m.satisfaction(),
            "escalations": m.escalation_json(),
            "trend": [{"month": b.key, "opened": f.opened, "resolved": f.resolved, "closed": f.closed,
                       "backlog": f.backlog, "hours_worked": _hours(f.minutes_worked),
                       "hours_billed": _hours(f.minutes_billed), "amount": str(f.amount),
                       "response_met_pct": f.response_met_pct, "resolve_met_pct": f.resolve_met_pct}
                      for b, f in self.trend],
        })
        if self.tickets is not None:
            out["tickets"] = self.tickets
        out.update(self.extras)
        return out


def monthly_report(tickets: Iterable[Ticket], period: Period, policy: Policy, now: datetime,
                   org: str | None = None, *, extras: bool = True) -> MonthlyReport:
    """The month `period` (a calendar month) and the twelve months before it.
    `org`: only that organisation's tickets, plus its ticket list with work and
    public history (the IT manager's view); for that history the tickets must
    carry their events (`Store.load_path`; the index cache drops them).
    `extras`: include ITIL counts and estimate accuracy when those modules exist."""
    tz = policy.tz
    tickets = list(tickets)
    if org is None:
        part = month_fold(tickets, policy, now, window=month_window(period, policy))
        return monthly_from_parts([part], period, policy, now, extras=extras)
    buckets = month_buckets(_months_back(period, TREND_MONTHS, tz), TREND_MONTHS + 1, tz)
    last = len(buckets) - 1
    s = _scan(tickets, policy, now, buckets, org=org, detail=last, org_view=True)
    # a value with only an SLA clock decided in the month would be a row of zeros: left out
    by = {d: {k: s.detail[d][k] for k in _dim_order(policy, d, s.detail[d]) if _has_row(s.detail[d][k])}
          for d in DIMENSIONS}
    o = policy.orgs.get(org)
    mine = [t for t in tickets if t.org == org]
    return MonthlyReport(
        period=Period(buckets[last].start, buckets[last].end, period.label), org=org,
        org_name=(o.name if o else org), currency=policy.billing.currency, timezone=policy.timezone,
        as_of=now.astimezone(tz), month=s.columns[last], trend=list(zip(buckets, s.columns, strict=False)), by=by,
        breaches=s.breaches, tickets=s.tickets, extras=_extras(mine, period, policy) if extras else {})


def _has_row(f: Figures) -> bool:
    return bool(f.opened or f.resolved or f.backlog or f.minutes_worked or f.minutes_billed or f.amount)


def _months_back(period: Period, k: int, tz: Any) -> Period:
    local = period.start.astimezone(tz)
    return month_period(*add_months(local.year, local.month, -k), tz)


@dataclass
class PeriodReport:
    period: Period
    by: str | None
    org: str | None
    currency: str
    timezone: str
    as_of: datetime
    columns: list[tuple[str, Figures]]
    total: Figures

    def to_json(self) -> dict[str, Any]:
        t = self.total
        return {
            "report": "period",
            "period": {"label": self.period.label, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat(), "half_open": True},
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "org": self.org,
            "currency": self.currency,
            "by": self.by,
            "columns": [{"key": k, **f.column()} for k, f in self.columns],
            "total": {**t.column(), "backlog_age": t.backlog_age(),
                      "resolve_count": t.resolve_hours()["count"],
                      "satisfaction_responses": len(t.scores),
                      "escalations_by_line": t.escalation_json()["by_line"]},
        }


def period_report(tickets: Iterable[Ticket], period: Period, policy: Policy, now: datetime,
                  org: str | None = None, by: str | None = None) -> PeriodReport:
    """Figures of any half-open period; `by` month or week gives a column per
    month or ISO week (clipped to the period), team or org one per value
    (hledger's `balance -M`). The total column is the whole period; its
    backlog is the one at the period's end."""
    tz = policy.tz
    if by not in (None, *BY_CHOICES):
        raise ValueError(f"by={by!r}")
    if by == "month":
        buckets = months_in(period, tz)
    elif by == "week":
        buckets = week_buckets(period, tz)
    else:
        buckets = [Bucket(period.label, period.start, period.end)]
    split = by if by in ("team", "org") else None
    s = _scan(tickets, policy, now, buckets, org=org, split=split)
    if split:
        cols = [(k, s.split[k]) for k in _dim_order(policy, split, s.split)]
        total = s.total
    elif by:
        cols = [(b.key, f) for b, f in zip(buckets, s.columns, strict=False)]
        total = s.total
    else:
        cols = []
        total = s.columns[0]
    return PeriodReport(period=period, by=by, org=org, currency=policy.billing.currency,
                        timezone=policy.timezone, as_of=now.astimezone(tz), columns=cols, total=total)

