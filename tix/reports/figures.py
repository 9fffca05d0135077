"""What a report adds up: the report's constants, `Figures` (one bucket's counts, hours,
money and SLA tallies) and the small arithmetic on them (percentages, hours, percentiles)."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass



ZERO = Decimal("0.00")
STOPPED = ("resolved", "closed")
TREND_MONTHS = 12  # the month and the twelve before it
DIMENSIONS = ("priority", "team", "category", "channel", "org", "agent", "contract")
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


def _has_row(f: Figures) -> bool:
    return bool(f.opened or f.resolved or f.backlog or f.minutes_worked or f.minutes_billed or f.amount)
