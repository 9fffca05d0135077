"""The buckets a report drops facts into: calendar months and ISO weeks of a period,
in the policy's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tix.core.dates import Period, add_months, month_period

if TYPE_CHECKING:
    pass



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


def _months_back(period: Period, k: int, tz: Any) -> Period:
    local = period.start.astimezone(tz)
    return month_period(*add_months(local.year, local.month, -k), tz)
