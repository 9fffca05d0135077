"""Business-time arithmetic for SLA clocks (docs/sla.md).

This module owns one question: "how much clock time lies between two instants,
and when has a given amount of it elapsed?" -- for two kinds of clock:

* :class:`BusinessCalendar` counts only service hours: per-weekday ranges of
  local wall time in the policy's timezone, minus yearly holidays (MM-DD),
  one-time holidays and, optionally, a country's public holidays (via the
  ``holidays`` package, imported lazily).
* :class:`WallClock` is the ``clock: 24x7`` clock: real elapsed time.

It knows nothing about tickets, policies or YAML; callers pass parsed values.
It never reads the current time.

Design notes (why it looks the way it does):

* Python subtracts two aware datetimes that share a tzinfo by *wall clock*, and
  ``aware + timedelta`` is wall-clock too, which is wrong across a DST change.
  So every computation here runs on integer microseconds since the Unix epoch
  (a UTC quantity); datetimes are only built at the edges.  Integers also keep
  sums exact until the final division, so ``minutes_between(start,
  add(start, m)) == m`` holds exactly for whole minutes.
* A day's service ranges are turned into UTC instants once per date and cached,
  so a range 00:00-24:00 lasts 23 h on the spring-forward day and 25 h on the
  fall-back day.  Wall times that do not exist (inside the spring gap) are
  resolved with ``fold=0``, i.e. mapped forward by the size of the gap; times
  that occur twice use ``fold=0`` (the first occurrence).  24:00 is the next
  day's 00:00.
* Returned datetimes are in the calendar's zone and may carry ``fold=1``
  (second 02:30 on the fall-back night).  Callers must compare them via UTC:
  same-zone comparison is by wall clock (fold ignored) and, per PEP 495,
  ``==`` across zones is False for a time inside a fold.
* Work is O(days spanned): the engine walks day by day over precomputed
  ranges; closed days and holidays cost one cached dict lookup each.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["BusinessCalendar", "WallClock"]

_UTC = _dt.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_US = _dt.timedelta(microseconds=1)
_US_PER_MIN = 60_000_000
_MIN_PER_DAY = 1440

# How many consecutive days without any opening `add`/`next_open` tolerate
# before concluding the calendar never opens (e.g. every open day is a holiday).
_MAX_CLOSED_DAYS = 366 * 10

# Per-date interval cache bound; a few thousand dates is years of traffic.
_CACHE_LIMIT = 20_000

_Interval = tuple[int, int]  # [start, end) in epoch microseconds


def _to_us(t: _dt.datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch (UTC-based)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {t!r}")
    # Subtracting datetimes with different tzinfo objects goes through UTC.
    # (If t is itself in timezone.utc, wall-clock and UTC coincide anyway.)
    return (t - _EPOCH) // _US


def _minutes_to_us(minutes: int | float) -> int:
    if minutes < 0:
        raise ValueError(f"minutes must be >= 0, got {minutes!r}")
    if isinstance(minutes, int):
        return minutes * _US_PER_MIN
    return round(minutes * _US_PER_MIN)


def country_holidays(country: str, year: int) -> frozenset[_dt.date]:
    """A country's public holidays in one year, from the `holidays` package
    (imported here, so that calendars without a country, and the import of
    this module, never pay for it). ValueError for an unknown country."""
    import holidays as _holidays

    try:
        table = _holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ValueError(f"unknown holiday country {country!r}") from exc
    return frozenset(table.keys())


class HolidayTable:
    """Country public holidays per year, as data: `known` maps "NL-2026" to
    ISO dates (what storage loaded). A year it lacks is asked of `fill`
    (storage's: compute and save it), or computed with `country_holidays`
    and kept in memory only."""

    def __init__(self, known: Mapping[str, Any] | None = None,
                 fill: Callable[[str, int], frozenset[_dt.date]] | None = None) -> None:
        self._known = known if known is not None else {}
        self._fill = fill
        self._years: dict[tuple[str, int], frozenset[_dt.date]] = {}

    def year(self, country: str, year: int) -> frozenset[_dt.date]:
        got = self._years.get((country, year))
        if got is not None:
            return got
        stored = self._known.get(f"{country}-{year}")
        if isinstance(stored, list):
            try:
                got = frozenset(_dt.date.fromisoformat(x) for x in stored)
            except (TypeError, ValueError):
                got = None
        if got is None:
            got = self._fill(country, year) if self._fill is not None else country_holidays(country, year)
        self._years[(country, year)] = got
        return got


class BusinessCalendar:
    """Service hours in a timezone, with holidays; counts business minutes.

    ``hours`` maps weekday (0=Mon .. 6=Sun) to sorted, non-overlapping
    ``(start_minute, end_minute)`` ranges of local wall time with
    ``0 <= start < end <= 1440``; a missing weekday is closed.  Ranges are
    half-open: open at the start instant, closed at the end instant.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        hours: Mapping[int, Sequence[tuple[int, int]]],
        yearly_holidays: frozenset[tuple[int, int]] = frozenset(),
        dates: frozenset[_dt.date] = frozenset(),
        country: str | None = None,
        holidays: HolidayTable | None = None,
    ) -> None:
        self.tz = tz
        self.hours: tuple[tuple[tuple[int, int], ...], ...] = _normalise_hours(hours)
        if not any(self.hours):
            raise ValueError("calendar has no open hours at all")
        self.yearly_holidays = frozenset((int(m), int(d)) for m, d in yearly_holidays)
        self.dates = frozenset(dates)
        self.country = country or None
        # The country's public holidays per year: a table handed in (the CLI
        # hands in one that storage loaded from, and saves to, the clone's
        # local state, so only the first run of a year imports `holidays`).
        self._holidays = holidays if holidays is not None else HolidayTable()
        self._day_cache: dict[int, tuple[_Interval, ...]] = {}

    def __repr__(self) -> str:
        tz = getattr(self.tz, "key", self.tz)
        return (f"BusinessCalendar(tz={tz!r}, hours={self.hours!r}, "
                f"country={self.country!r})")

    # -- holidays ---------------------------------------------------------

    def is_holiday(self, d: _dt.date) -> bool:
        """True if ``d`` is a yearly, one-time or (if set) country holiday."""
        if isinstance(d, _dt.datetime):  # be forgiving: use its local date
            d = d.astimezone(self.tz).date() if d.tzinfo else d.date()
        if (d.month, d.day) in self.yearly_holidays or d in self.dates:
            return True
        if self.country is None:
            return False
        return d in self._country_holidays(d.year)

    def _country_holidays(self, year: int) -> frozenset[_dt.date]:
        assert self.country is not None
        return self._holidays.year(self.country, year)

    # -- per-day intervals --------------------------------------------------

    def _day(self, ordinal: int) -> tuple[_Interval, ...]:
        """Service intervals of the local date with this ordinal, as epoch µs."""
        cached = self._day_cache.get(ordinal)
        if cached is not None:
            return cached
        d = _dt.date.fromordinal(ordinal)
        ranges = self.hours[d.weekday()]
        result: tuple[_Interval, ...] = ()
        if ranges and not self.is_holiday(d):
            out: list[_Interval] = []
            prev_end = None
            for start_min, end_min in ranges:
                s = self._wall_to_us(d, start_min)
                e = self._wall_to_us(d, end_min)
                # fold=0 mapping of spring-gap times is not monotonic (02:30
                # maps past 03:15), so clip to keep intervals ordered/disjoint.
                if prev_end is not None and s < prev_end:
                    s = prev_end
                if e <= s:
                    continue
                if out and out[-1][1] == s:  # touching ranges: merge
                    s = out.pop()[0]
                out.append((s, e))
                prev_end = e
            result = tuple(out)
        if len(self._day_cache) >= _CACHE_LIMIT:
            self._day_cache.clear()
        self._day_cache[ordinal] = result
        return result

    def _wall_to_us(self, d: _dt.date, minute: int) -> int:
        if minute >= _MIN_PER_DAY:  # 24:00 is the next day's 00:00
            d = d + _dt.timedelta(days=1)
            minute -= _MIN_PER_DAY
        local = _dt.datetime(d.year, d.month, d.day, minute // 60, minute % 60,
                             tzinfo=self.tz)  # fold=0: see module docstring
        return _to_us(local)

    def _local_ordinal(self, us: int) -> int:
        return self._from_us(us).toordinal()

    def _from_us(self, us: int) -> _dt.datetime:
        return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(self.tz)

    def _intervals_from(self, us: int) -> Iterator[_Interval]:
        """Yield service intervals clipped to start at or after ``us``.

        Intervals come out ordered and disjoint.  Raises ValueError after
        _MAX_CLOSED_DAYS consecutive closed days, so a calendar that never
        opens (e.g. every open weekday is a holiday) cannot loop forever.
        """
        # Start one day early: a fold=0-mapped range may spill past midnight.
        ordinal = self._local_ordinal(us) - 1
        floor = us  # everything before this instant is already consumed
        closed = 0
        while True:
            day = self._day(ordinal)
            ordinal += 1
            if not day:
                closed += 1
                if closed > _MAX_CLOSED_DAYS:
                    raise ValueError("calendar has no opening within 10 years")
                continue
            closed = 0
            for s, e in day:
                if e <= floor:
                    continue
                yield (s if s > floor else floor, e)
                floor = e

    def _clipped(self, a: int, b: int) -> Iterator[_Interval]:
        """Service intervals intersected with [a, b), ordered and disjoint."""
        if b <= a:
            return
        ordinal = self._local_ordinal(a) - 1
        last = self._local_ordinal(b)
        floor = a
        while ordinal <= last:
            for s, e in self._day(ordinal):
                if e <= floor or s >= b:
                    continue
                if s < floor:
                    s = floor
                if e > b:
                    e = b
                yield (s, e)
                floor = e
            ordinal += 1

    # -- public API ---------------------------------------------------------

    def is_open(self, t: _dt.datetime) -> bool:
        """True if ``t`` lies inside a service range (start in, end out)."""
        us = _to_us(t)
        ordinal = self._local_ordinal(us)
        for o in (ordinal - 1, ordinal):
            for s, e in self._day(o):
                if s <= us < e:
                    return True
        return False

    def next_open(self, t: _dt.datetime) -> _dt.datetime:
        """``t`` (in tz) if open, else the next instant the desk opens."""
        for s, _e in self._intervals_from(_to_us(t)):
            return self._from_us(s)
        raise AssertionError("unreachable")  # _intervals_from never ends empty

    def add(self, start: _dt.datetime, minutes: int | float) -> _dt.datetime:
        """The instant at which ``minutes`` business minutes have elapsed.

        0 minutes gives ``next_open(start)``.  A target that is used up
        exactly at a range's end returns that end, not the next opening.
        """
        remaining = _minutes_to_us(minutes)
        if remaining == 0:
            return self.next_open(start)
        for s, e in self._intervals_from(_to_us(start)):
            avail = e - s
            if remaining <= avail:
                return self._from_us(s + remaining)
            remaining -= avail
        raise AssertionError("unreachable")

    def minutes_between(self, a: _dt.datetime, b: _dt.datetime) -> float:
        """Business minutes in [a, b); 0 if b <= a."""
        total = sum(e - s for s, e in self._clipped(_to_us(a), _to_us(b)))
        return total / _US_PER_MIN

    def open_intervals(self, a: _dt.datetime, b: _dt.datetime
                       ) -> Iterator[tuple[_dt.datetime, _dt.datetime]]:
        """Service intervals intersecting [a, b), clipped to it, in tz."""
        for s, e in self._clipped(_to_us(a), _to_us(b)):
            yield self._from_us(s), self._from_us(e)


def _normalise_hours(hours: Mapping[int, Sequence[tuple[int, int]]]
                     ) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Validate ``hours`` and return a 7-tuple of range tuples (Mon..Sun)."""
    week: list[tuple[tuple[int, int], ...]] = [()] * 7
    for weekday, ranges in hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {weekday!r}")
        clean: list[tuple[int, int]] = []
        for rng in ranges:
            start, end = (int(x) for x in rng)
            if not 0 <= start < end <= _MIN_PER_DAY:
                raise ValueError(f"bad range {rng!r} on weekday {weekday}: "
                                 f"need 0 <= start < end <= 1440")
            if clean and start < clean[-1][1]:
                raise ValueError(f"ranges on weekday {weekday} overlap or are "
                                 f"not sorted: {clean[-1]!r}, {rng!r}")
            clean.append((start, end))
        week[weekday] = tuple(clean)
    return tuple(week)


class WallClock:
    """The ``clock: 24x7`` clock: always open, counts real elapsed minutes."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def __repr__(self) -> str:
        return f"WallClock(tz={getattr(self.tz, 'key', self.tz)!r})"

    def _from_us(self, us: int) -> _dt.datetime:
        return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(self.tz)

    def is_holiday(self, d: _dt.date) -> bool:
        return False

    def is_open(self, t: _dt.datetime) -> bool:
        _to_us(t)  # same input contract as BusinessCalendar: aware only
        return True

    def next_open(self, t: _dt.datetime) -> _dt.datetime:
        return self._from_us(_to_us(t))

    def add(self, start: _dt.datetime, minutes: int | float) -> _dt.datetime:
        # Arithmetic on UTC microseconds: 60 min after 01:30+01:00 on the
        # spring-forward night is 03:30+02:00, not a wall-clock 02:30.
        return self._from_us(_to_us(start) + _minutes_to_us(minutes))

    def minutes_between(self, a: _dt.datetime, b: _dt.datetime) -> float:
        ua, ub = _to_us(a), _to_us(b)
        return (ub - ua) / _US_PER_MIN if ub > ua else 0.0

    def open_intervals(self, a: _dt.datetime, b: _dt.datetime
                       ) -> Iterator[tuple[_dt.datetime, _dt.datetime]]:
        ua, ub = _to_us(a), _to_us(b)
        if ub > ua:
            yield self._from_us(ua), self._from_us(ub)
