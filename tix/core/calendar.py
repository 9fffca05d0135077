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
* The rule (docs/sla.md, "Daylight-saving changes"): an instant is business
  time exactly when its *wall-clock reading* in the calendar's zone lies
  inside a range of that wall date (and the date is no holiday).  So a range
  00:00-24:00 lasts 23 h on the spring-forward day and 25 h on the fall-back
  day; a range starting or ending inside the spring gap opens or closes when
  the gap ends (02:30-05:00 opens at 03:00 CEST, 01:00-02:30 closes at 02:00
  CET = 03:00 CEST); and a reading in the repeated hour counts both times it
  occurs (02:30-05:00 is open at the first 02:30-02:59, closed at the second
  02:00-02:29, open again from the second 02:30).  24:00 ends the wall date.
* The engine works per *UTC* day: the service intervals of each UTC day are
  computed once and cached.  Within a UTC day the zone's offset changes at
  most once (no zone in tzdata changes it twice within three days), so the
  day is one or two stretches of constant offset, found by probing the
  offset at both ends and bisecting to the second if they differ.  On a
  stretch with offset ``o``, wall time is UTC + ``o``, so each range of each
  wall date it touches maps to one UTC interval, clipped to the stretch.
  Walking UTC days keeps intervals ordered even where a wall date is read
  twice or not at all, and finding an instant's day is an integer division.
* Returned datetimes are in the calendar's zone and may carry ``fold=1``
  (second 02:30 on the fall-back night).  Callers must compare them via UTC:
  same-zone comparison is by wall clock (fold ignored) and, per PEP 495,
  ``==`` across zones is False for a time inside a fold.
* Work is O(days spanned): the engine walks UTC day by UTC day over
  precomputed intervals; closed days and holidays cost one cached dict
  lookup each.
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
_US_PER_S = 1_000_000
_US_PER_MIN = 60_000_000
_US_PER_DAY = 86_400_000_000
_MIN_PER_DAY = 1440
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()

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
    ``0 <= start < end <= 1440``; a missing weekday is closed.  An instant
    is open when its wall-clock reading lies in a range of its wall date:
    ranges are half-open (a reading of the start is open, of the end
    closed), a reading that never occurs (spring gap) is never open, and a
    reading that occurs twice (repeated hour) is open both times.
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

    # -- per-UTC-day intervals ----------------------------------------------

    def _day(self, k: int) -> tuple[_Interval, ...]:
        """Service intervals within UTC day ``k`` (epoch µs ``[k*DAY, (k+1)*DAY)``),
        ordered, disjoint and merged where they touch."""
        cached = self._day_cache.get(k)
        if cached is not None:
            return cached
        out: list[_Interval] = []
        for lo, hi, off in self._stretches(k * _US_PER_DAY, (k + 1) * _US_PER_DAY):
            # On [lo, hi) wall time reads UTC + off: wall dates first..last.
            for n in range((lo + off) // _US_PER_DAY, (hi + off - 1) // _US_PER_DAY + 1):
                base = n * _US_PER_DAY - off  # the UTC instant reading n's 00:00
                for start_min, end_min in self._ranges(n):
                    s = base + start_min * _US_PER_MIN
                    e = base + end_min * _US_PER_MIN
                    if s < lo:
                        s = lo
                    if e > hi:
                        e = hi
                    if s >= e:
                        continue
                    if out and out[-1][1] == s:  # touching (e.g. 24:00 | 00:00): merge
                        s = out.pop()[0]
                    out.append((s, e))
        result = tuple(out)
        if len(self._day_cache) >= _CACHE_LIMIT:
            self._day_cache.clear()
        self._day_cache[k] = result
        return result

    def _ranges(self, n: int) -> tuple[tuple[int, int], ...]:
        """Service ranges of the wall date ``n`` days after 1970-01-01 (a Thursday)."""
        ranges = self.hours[(n + 3) % 7]
        if ranges and self.is_holiday(_dt.date.fromordinal(_EPOCH_ORDINAL + n)):
            return ()
        return ranges

    def _offset(self, second: int) -> int:
        """The zone's UTC offset at this epoch second, in µs."""
        off = _dt.datetime.fromtimestamp(second, self.tz).utcoffset()
        assert off is not None
        return off // _US

    def _stretches(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """``[lo, hi)`` (µs, whole seconds) cut where the zone's offset changes:
        ``(from, to, offset)`` stretches.  Transitions fall on whole seconds;
        a change and its reversal between the two probes would be missed, and
        tzdata has none within a day."""
        a, z = lo // _US_PER_S, hi // _US_PER_S - 1  # the first and last second
        oa, oz = self._offset(a), self._offset(z)
        out = []
        while oa != oz:  # bisect: the first second after a whose offset is not oa
            x, y = a, z
            while y - x > 1:
                m = (x + y) // 2
                if self._offset(m) == oa:
                    x = m
                else:
                    y = m
            out.append((lo, y * _US_PER_S, oa))
            lo, a, oa = y * _US_PER_S, y, self._offset(y)
        out.append((lo, hi, oa))
        return out

    def _from_us(self, us: int) -> _dt.datetime:
        return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(self.tz)

    def _intervals_from(self, us: int) -> Iterator[_Interval]:
        """Yield service intervals clipped to start at or after ``us``.

        Intervals come out ordered and disjoint (cut at UTC midnight).  Raises
        ValueError after _MAX_CLOSED_DAYS consecutive closed days, so a
        calendar that never opens (e.g. every open weekday is a holiday)
        cannot loop forever.
        """
        k = us // _US_PER_DAY
        closed = 0
        while True:
            day = self._day(k)
            k += 1
            if not day:
                closed += 1
                if closed > _MAX_CLOSED_DAYS:
                    raise ValueError("calendar has no opening within 10 years")
                continue
            closed = 0
            for s, e in day:
                if e <= us:
                    continue
                yield (s if s > us else us, e)

    def _clipped(self, a: int, b: int) -> Iterator[_Interval]:
        """Service intervals intersected with [a, b), ordered, disjoint and
        merged where they touch (also across UTC midnight)."""
        if b <= a:
            return
        pending: _Interval | None = None
        for k in range(a // _US_PER_DAY, (b - 1) // _US_PER_DAY + 1):
            for s, e in self._day(k):
                if e <= a or s >= b:
                    continue
                if s < a:
                    s = a
                if e > b:
                    e = b
                if pending is None:
                    pending = (s, e)
                elif pending[1] == s:
                    pending = (pending[0], e)
                else:
                    yield pending
                    pending = (s, e)
        if pending is not None:
            yield pending

    # -- public API ---------------------------------------------------------

    def is_open(self, t: _dt.datetime) -> bool:
        """True if ``t``'s wall-clock reading lies inside a service range."""
        us = _to_us(t)
        return any(s <= us < e for s, e in self._day(us // _US_PER_DAY))

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
        ua, ub = _to_us(a), _to_us(b)
        total = 0
        if ub > ua:
            for k in range(ua // _US_PER_DAY, (ub - 1) // _US_PER_DAY + 1):
                for s, e in self._day(k):
                    if s < ua:
                        s = ua
                    if e > ub:
                        e = ub
                    if e > s:
                        total += e - s
        return total / _US_PER_MIN

    def open_intervals(self, a: _dt.datetime, b: _dt.datetime
                       ) -> Iterator[tuple[_dt.datetime, _dt.datetime]]:
        """The open stretches intersecting [a, b), clipped to it, in tz:
        maximal, so a night range 22:00-24:00 followed by 00:00-06:00 is one."""
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
