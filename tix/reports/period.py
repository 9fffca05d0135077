"""The period report (`tix report period`): a column per month, week, team or
organisation over any period."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tix.core.dates import Period

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
from tix.reports.buckets import Bucket, month_buckets, months_in, week_buckets
from tix.reports.figures import BY_CHOICES, Figures
from tix.reports.monthly import _add_packed, _dim_order, _pack
from tix.reports.scan import _scan


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


def whole_months(period: Period, tz: Any) -> list[Bucket] | None:
    """The calendar months of `period` when it is made of whole months (None otherwise)."""
    months = months_in(period, tz)
    if not months:
        return None
    full = month_buckets(Period(months[0].start, months[0].end, months[0].key), len(months), tz)
    return months if [(b.start, b.end) for b in months] == [(b.start, b.end) for b in full] else None


def period_from_parts(parts: Iterable[tuple[dict[str, Any], Any]], period: Period, policy: Policy, now: datetime,
                      org: str | None = None, by: str | None = None,
                      decode: Callable[[Any], Any] = lambda v: v) -> PeriodReport:
    """`period_report` of a period of whole months (`whole_months`), `by`
    month or None, from the monthly parts (`tix.reports.monthly.month_fold`,
    folded over at least these months): each month's figures are its parts
    added; the total counts a ticket resolved or closed in several of the
    months once, as `period_report` does, from the parts' records of such
    tickets."""
    from tix.core.errors import PolicyError

    tz = policy.tz
    buckets = whole_months(period, tz)
    if buckets is None or by not in (None, "month"):
        raise ValueError("period_from_parts: whole months, by month or nothing")
    keys = [b.key for b in buckets]
    cols = {k: Figures() for k in keys}
    multi: dict[str, list[tuple[str, bool, Any]]] = {}
    for meta, v in parts:
        mine = [k for k in keys if k in meta]
        if not mine:
            continue
        for k in mine:
            if meta[k][11] is not None:
                raise PolicyError(meta[k][11][0], path=meta[k][11][1])
        d = decode(v)
        for k in mine:
            _add_packed(cols[k], d[k]["month"])
            for tid, closed, res in d[k]["multi"]:
                multi.setdefault(tid, []).append((k, closed, res))
    total = Figures()
    for k in keys:
        _add_packed(total, _pack(cols[k]))
    last = cols[keys[-1]]
    total.backlog, total.backlog_ages = last.backlog, list(last.backlog_ages)
    for recs in multi.values():  # counted once in the total: the first resolution, the last one's minutes
        recs.sort(key=lambda r: r[0])
        closes = sum(1 for r in recs if r[1])
        if closes > 1:
            total.closed -= closes - 1
        res = [r[2] for r in recs if r[2] is not None]
        if len(res) > 1:
            total.resolved -= len(res) - 1
            total.reopened -= sum(1 for x in res[1:] if x[0])
            for x in res[:-1]:
                total.resolve_minutes.remove(x[1])
    cols_out = [(b.key, cols[b.key]) for b in buckets] if by == "month" else []
    return PeriodReport(period=period, by=by, org=org, currency=policy.billing.currency,
                        timezone=policy.timezone, as_of=now.astimezone(tz), columns=cols_out, total=total)
