"""The period report (`tix report period`): a column per month, week, team or
organisation over any period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tix.core.dates import Period

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
from tix.reports.buckets import Bucket, months_in, week_buckets
from tix.reports.figures import BY_CHOICES, Figures
from tix.reports.monthly import _dim_order
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
