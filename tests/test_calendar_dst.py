"""BusinessCalendar against a minute-by-minute oracle, around DST changes.

The oracle is the rule of docs/sla.md ("Daylight-saving changes") spelled out
naively: walk UTC minute by minute, read each minute's wall clock in the
calendar's zone, and call the minute business time when that reading lies
inside a range of its wall date's weekday and the date is not a holiday.
Every offset and every transition of the zones below falls on a whole
minute, so a UTC minute is wholly in or wholly out, and minute-aligned
answers are exact.  Prefix sums over the minutes answer `minutes_between`,
`add` and `next_open`; runs of open minutes are `open_intervals`.

Zones: Europe/Amsterdam and Europe/London (changes at 01:00Z), America/
New_York (02:00 local), Australia/Sydney (southern DST), America/Santiago
(changes at local midnight: Saturday 23:00-24:00 read twice, Sunday 00:00-
00:59 never read), Australia/Lord_Howe (a 30-minute change at 02:00) and
Pacific/Chatham (+12:45/+13:45, changes at 02:45/03:45).  Calendars: night
service, 24x7 with exceptions, office hours, ranges that start or end in the
gap or the repeated hour, ranges ending at 24:00, random ones; some with a
holiday on or next to the day of the change.  Randomness is seeded.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_desk, policy_text
from tix.core.calendar import BusinessCalendar

UTC = dt.UTC
MIN = dt.timedelta(minutes=1)
ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Europe/London",
         "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham"]
OTHER = ZoneInfo("Asia/Tokyo")  # inputs given in an unrelated zone must convert
BEFORE_DAYS, AFTER_DAYS = 4, 24  # each window around a change, in days


def hhmm(text: str) -> tuple[int, int]:
    a, b = (int(x[:2]) * 60 + int(x[3:]) for x in text.split("-"))
    return a, b


def every_day(*ranges: str) -> dict[int, list[tuple[int, int]]]:
    return {d: [hhmm(r) for r in ranges] for d in range(7)}


TEMPLATES: dict[str, dict[int, list[tuple[int, int]]]] = {
    "gap-late 02:30-05:00": every_day("02:30-05:00"),
    "gap-early 01:00-02:30": every_day("01:00-02:30"),
    "night 00:00-03:30": every_day("00:00-03:30"),
    "night across midnight": every_day("00:00-06:00", "22:00-24:00"),
    "24x7 minus 02:30-03:30": every_day("00:00-02:30", "03:30-24:00"),
    "24x7 minus Sunday 02:00-03:00": {**every_day("00:00-24:00"), 6: [hhmm("00:00-02:00"), hhmm("03:00-24:00")]},
    "office Mon-Fri": {d: [hhmm("08:00-17:30")] for d in range(5)},
    "weekend midnight": {5: [hhmm("23:00-24:00")], 6: [hhmm("00:00-01:30")]},
    "half hours": every_day("01:45-02:15", "02:45-03:15", "03:40-03:50"),
    "around midnight": every_day("00:00-00:30", "23:30-24:00"),
}

# Minutes of the day where ranges are worth starting or ending: every quarter
# hour of the night, the evening before, and the zones' odd change times.
INTERESTING = sorted({*range(0, 5 * 60 + 1, 15), *range(21 * 60, 1441, 15), 165, 225, 44, 46, 119, 121})


def random_hours(rnd: random.Random) -> dict[int, list[tuple[int, int]]]:
    hours: dict[int, list[tuple[int, int]]] = {}
    for day in range(7):
        k = rnd.choice([0, 1, 1, 2, 2, 3])
        points: set[int] = set()
        while len(points) < 2 * k:
            points.add(rnd.choice(INTERESTING) if rnd.random() < 0.8 else rnd.randrange(1441))
        p = sorted(points)
        if p:
            hours[day] = list(zip(p[::2], p[1::2], strict=True))
    if not any(hours.values()):
        hours[6] = [(60, 180)]
    return hours


@cache
def transitions(zone: str, year: int = 2026) -> tuple[int, ...]:
    """UTC epoch minutes at which the zone's offset changes in `year`."""
    tz = ZoneInfo(zone)

    def off(minute: int) -> dt.timedelta | None:
        return dt.datetime.fromtimestamp(minute * 60, tz).utcoffset()

    lo = int(dt.datetime(year, 1, 1, tzinfo=UTC).timestamp()) // 60
    hi = int(dt.datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) // 60
    out = []
    for a in range(lo, hi, 60):
        if off(a) != off(a + 60):
            b, c = a, a + 60  # off(b) != off(c): find the minute it changes
            while c - b > 1:
                m = (b + c) // 2
                b, c = (m, c) if off(m) == off(b) else (b, m)
            out.append(c)
    return tuple(out)


class Oracle:
    """Open minutes of one calendar over one UTC window, minute by minute."""

    def __init__(self, hours: dict[int, list[tuple[int, int]]], holidays: frozenset[dt.date],
                 w0: int, walls: list[tuple[int, int]]) -> None:
        self.w0 = w0  # window start, UTC epoch minute
        masks: dict[int, bytes] = {}
        for ordinal in {o for o, _ in walls}:
            d = dt.date.fromordinal(ordinal)
            mask = bytearray(1440)
            if d not in holidays:
                for a, b in hours.get(d.weekday(), ()):
                    mask[a:b] = b"\x01" * (b - a)
            masks[ordinal] = bytes(mask)
        self.open = [masks[o][m] for o, m in walls]
        self.prefix = [0, *itertools.accumulate(self.open)]

    def index(self, t: dt.datetime) -> int:
        i = int(t.timestamp()) // 60 - self.w0
        assert 0 <= i < len(self.open), "outside the oracle's window"
        return i

    def at(self, i: int) -> dt.datetime:
        return dt.datetime.fromtimestamp((self.w0 + i) * 60, UTC)

    def is_open(self, i: int) -> bool:
        return bool(self.open[i])

    def between(self, i: int, j: int) -> int:
        return self.prefix[j] - self.prefix[i] if j > i else 0

    def add(self, i: int, m: int) -> int | None:
        """Index at which m open minutes from i are used up; None past the window."""
        if m == 0:
            j = bisect.bisect_right(self.prefix, self.prefix[i]) - 1  # first open minute >= i
            return j if j < len(self.open) else None
        j = bisect.bisect_left(self.prefix, self.prefix[i] + m)
        return j if j < len(self.prefix) else None

    def runs(self, i: int, j: int) -> Iterator[tuple[int, int]]:
        k = i
        while k < j:
            if self.open[k]:
                s = k
                while k < j and self.open[k]:
                    k += 1
                yield s, k
            else:
                k += 1


@cache
def wall_readings(zone: str, w0: int, n: int) -> list[tuple[int, int]]:
    """(wall date ordinal, wall minute of day) of each UTC minute in the window."""
    tz = ZoneInfo(zone)
    out = []
    for i in range(n):
        w = dt.datetime.fromtimestamp((w0 + i) * 60, tz)
        out.append((w.toordinal(), w.hour * 60 + w.minute))
    return out


def windows(zone: str) -> Iterator[tuple[int, int, int]]:
    """(window start minute, minutes in it, change minute) per DST change."""
    for change in transitions(zone):
        w0 = (change // 1440 - BEFORE_DAYS) * 1440
        yield w0, (BEFORE_DAYS + AFTER_DAYS) * 1440, change


def calendars(zone: str, rnd: random.Random, n_random: int, change: int
              ) -> Iterator[tuple[str, dict[int, list[tuple[int, int]]], frozenset[dt.date]]]:
    tz = ZoneInfo(zone)
    day = dt.datetime.fromtimestamp(change * 60, tz).date()
    for name, hours in TEMPLATES.items():
        yield name, hours, frozenset()
    for k in range(n_random):
        hol = frozenset({day + dt.timedelta(days=rnd.choice([-1, 0, 1]))}) if rnd.random() < 0.4 else frozenset()
        yield f"random-{k}", random_hours(rnd), hol


def as_input(t: dt.datetime, tz: ZoneInfo, rnd: random.Random) -> dt.datetime:
    """The same instant, in UTC, the calendar's zone (fold set) or another zone."""
    return rnd.choice([t, t.astimezone(tz), t.astimezone(OTHER)])


def check_zone(zone: str, seed: int, cases: int, n_random: int) -> tuple[int, int]:
    """Compare tix with the oracle; returns (cases compared, `add`s past the window)."""
    rnd = random.Random(f"{zone}/{seed}")
    tz = ZoneInfo(zone)
    compared = skipped = 0
    for w0, n, change in windows(zone):
        walls = wall_readings(zone, w0, n)
        for name, hours, hols in calendars(zone, rnd, n_random, change):
            cal = BusinessCalendar(tz, hours, dates=hols)
            orc = Oracle(hours, hols, w0, walls)
            c = change - w0
            for _ in range(cases):
                # Mostly around the change, the rest anywhere in the first days.
                i = rnd.randrange(max(0, c - 2160), c + 2160) if rnd.random() < 0.7 else rnd.randrange(10 * 1440)
                start = orc.at(i)
                what = f"{zone} {name} {hours} hol={sorted(hols)} start={start.astimezone(tz).isoformat()}"
                t = as_input(start, tz, rnd)
                assert cal.is_open(t) == orc.is_open(i), f"is_open: {what}"
                j = orc.add(i, 0)
                if j is not None:
                    got = cal.next_open(t)
                    assert got.tzinfo is tz
                    assert got.astimezone(UTC) == orc.at(j), f"next_open: {what}: {got.isoformat()}"
                m = rnd.choice([0, rnd.randrange(1, 180), rnd.randrange(1, 180), rnd.randrange(180, 3000)])
                j = orc.add(i, m)
                if j is None:
                    skipped += 1
                else:
                    got = cal.add(t, m)
                    assert got.astimezone(UTC) == orc.at(j), f"add {m}: {what}: {got.isoformat()}"
                e = min(n - 1, i + rnd.randrange(0, 4000))
                end = as_input(orc.at(e), tz, rnd)
                assert cal.minutes_between(t, end) == orc.between(i, e), f"between to {orc.at(e)}: {what}"
                if rnd.random() < 0.25:
                    got_iv = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in cal.open_intervals(t, end)]
                    assert got_iv == [(orc.at(a), orc.at(b)) for a, b in orc.runs(i, e)], f"intervals: {what}"
                compared += 1
    return compared, skipped


@pytest.mark.parametrize("zone", ZONES)
def test_calendar_agrees_with_the_minute_oracle(zone: str) -> None:
    compared, skipped = check_zone(zone, seed=1, cases=22, n_random=4)
    assert compared == 2 * 14 * 22 and skipped < compared // 4


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 6))
@pytest.mark.parametrize("zone", ZONES)
def test_calendar_agrees_with_the_minute_oracle_long(zone: str, seed: int) -> None:
    compared, skipped = check_zone(zone, seed=seed, cases=60, n_random=16)
    assert compared == 2 * 26 * 60 and skipped < compared // 4


def test_the_oracle_sees_the_changes() -> None:
    # Two changes a year in every zone, so every window straddles one.
    for zone in ZONES:
        assert len(transitions(zone)) == 2, zone


OFFICE_HOURS = """    mon: ["08:00-17:30"]
    tue: ["08:00-17:30"]
    wed: ["08:00-17:30"]
    thu: ["08:00-17:30"]
    fri: ["08:00-17:30"]
  holidays: ["01-01", "12-25", "12-26"]   # yearly MM-DD or one-time YYYY-MM-DD
  country: NL                             # optional: that country's public holidays too
"""


def test_night_service_through_the_cli(tmp_path: Path) -> None:
    # Every night 01:00-02:30, Amsterdam; a high ticket (response 2h, escalate
    # 3h, resolve 4h) opened Sun 29 March 2026 01:00 CET, the spring-forward
    # night: Sunday gives 01:00-02:00 CET = 60 minutes (02:00-02:29 never
    # happens, 03:00-03:29 CEST reads after the close); every later night 90.
    assert OFFICE_HOURS in policy_text()
    nights = "".join(f'    {d}: ["01:00-02:30"]\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    desk = make_desk(tmp_path / "desk", policy=policy_text().replace(OFFICE_HOURS, nights))
    tid = desk.new("--title", "Night job failed", "--impact", "4", "--urgency", "4",
                   now="2026-03-29T01:00:00+01:00")
    data = json.loads(desk.ok("sla", "--all", "--format", "json", now="2026-03-29T03:10:00+02:00"))
    clocks = data[0]["sla"]
    assert clocks["response"]["due"] == "2026-03-30T02:00:00+02:00"   # 60 + Mon 01:00-02:00
    assert clocks["escalate"]["due"] == "2026-03-31T01:30:00+02:00"   # 60 + 90 + Tue 30
    assert clocks["resolve"]["due"] == "2026-03-31T02:30:00+02:00"    # 60 + 90 + Tue 90
    assert clocks["response"]["taken_minutes"] == 60                  # nothing after 03:00 CEST
    # After-hours billing asks the same question: 01:45 CET is in hours,
    # 03:15 CEST is not (rate 85.00, after hours x 1.5).
    inside = desk.ok("work", tid, "30m", "--at", "2026-03-29T01:45:00+01:00", now="2026-03-29T04:00:00+02:00")
    outside = desk.ok("work", tid, "30m", "--at", "2026-03-29T03:15:00+02:00", now="2026-03-29T04:00:00+02:00")
    assert "= 42.50" in inside and "= 63.75" in outside
