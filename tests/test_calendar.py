"""Tests for tix.core.calendar: hand-computed tables plus property tests.

Calendars used (all Europe/Amsterdam, the seed-001 timezone):
  STD    Mon-Fri 08:00-17:30 (570 min/day), holidays 12-25, 12-26 yearly,
         2026-04-06 one-time, country NL.
  LUNCH  Mon-Thu 08:00-12:00,13:00-17:00 (480 min/day), Fri 08:00-12:00,
         13:00-16:00 (420 min), same holidays and country.
  ALLDAY every day 00:00-24:00, no holidays (real time, but through the
         business engine, to show 23 h / 25 h DST days).
  NIGHT  Sunday 01:00-04:00 only: a range that contains the DST switch.
  LATE   every day 02:30-05:00: opens inside the spring gap / the repeated hour.
  EARLY  every day 01:00-02:30: closes inside the spring gap.
  MAINT  every day 00:00-02:30, 03:30-24:00 (24x7 but a maintenance hour):
         closes inside the repeated hour.

Reference dates in 2026: Jan 1 is a Thursday, so Mon 5, Fri 9, Mon 12 Jan.
DST: Sun 2026-03-29 02:00 CET -> 03:00 CEST; Sun 2026-10-25 03:00 CEST ->
02:00 CET.  NL public holidays per the `holidays` package include Good
Friday 04-03, Easter Monday 04-06, King's Day Mon 04-27.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tix.core.calendar import BusinessCalendar, WallClock

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
HOLS = frozenset({(12, 25), (12, 26)})
ONE_TIME = frozenset({dt.date(2026, 4, 6)})


def hm(h: int, m: int = 0) -> int:
    return h * 60 + m


STD = BusinessCalendar(AMS, {d: [(hm(8), hm(17, 30))] for d in range(5)},
                       HOLS, ONE_TIME, country="NL")
LUNCH = BusinessCalendar(
    AMS,
    {**{d: [(hm(8), hm(12)), (hm(13), hm(17))] for d in range(4)},
     4: [(hm(8), hm(12)), (hm(13), hm(16))]},
    HOLS, ONE_TIME, country="NL")
ALLDAY = BusinessCalendar(AMS, {d: [(0, 1440)] for d in range(7)})
NIGHT = BusinessCalendar(AMS, {6: [(hm(1), hm(4))]})
LATE = BusinessCalendar(AMS, {d: [(hm(2, 30), hm(5))] for d in range(7)})
EARLY = BusinessCalendar(AMS, {d: [(hm(1), hm(2, 30))] for d in range(7)})
MAINT = BusinessCalendar(AMS, {d: [(0, hm(2, 30)), (hm(3, 30), 1440)] for d in range(7)})
NO_COUNTRY = BusinessCalendar(AMS, {d: [(hm(8), hm(17, 30))] for d in range(5)},
                              HOLS, ONE_TIME)
WALL = WallClock(AMS)

CALS = {"STD": STD, "LUNCH": LUNCH, "ALLDAY": ALLDAY, "NIGHT": NIGHT,
        "NO_COUNTRY": NO_COUNTRY, "LATE": LATE, "EARLY": EARLY, "MAINT": MAINT}


def ams(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0,
        fold: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=AMS, fold=fold)


def utc(t: dt.datetime) -> dt.datetime:
    # Aware datetimes must be compared in UTC: same-zone comparison is by
    # wall clock (fold ignored), inter-zone `==` is False inside a fold.
    return t.astimezone(UTC)


def same_instant(a: dt.datetime, b: dt.datetime) -> bool:
    """Compare in UTC *and* check the offset, so wall-clock bugs show up."""
    return a.astimezone(UTC) == b.astimezone(UTC) and a.utcoffset() == b.utcoffset()


# --------------------------------------------------------------------------
# add(): (calendar, start, minutes, expected, how it was computed)
ADD_CASES = [
    ("STD", ams(2026, 1, 6, 10), 120, ams(2026, 1, 6, 12),
     "inside hours: Tue 10:00 + 2 h, no boundary crossed"),
    ("STD", ams(2026, 1, 9, 16, 30), 120, ams(2026, 1, 12, 9),
     "late Friday: 16:30-17:30 = 60 on Fri, 60 left -> Mon 08:00+60 = 09:00"),
    ("LUNCH", ams(2026, 1, 9, 15, 30), 120, ams(2026, 1, 12, 9, 30),
     "late Friday, LUNCH (Fri closes 16:00): 30 on Fri, 90 left -> Mon 09:30"),
    ("STD", ams(2026, 1, 10, 10), 60, ams(2026, 1, 12, 9),
     "weekend: Sat 10:00 -> counting starts Mon 08:00, +60 = 09:00"),
    ("STD", ams(2026, 12, 24, 17), 60, ams(2026, 12, 28, 8, 30),
     "holiday: Thu 12-24 17:00-17:30 = 30; Fri 12-25 holiday; Sat 12-26, "
     "Sun closed; Mon 12-28 08:00 + 30 = 08:30"),
    ("NO_COUNTRY", ams(2026, 4, 2, 17), 60, ams(2026, 4, 3, 8, 30),
     "day before Good Friday without country: Thu 30 min, Fri 08:00+30"),
    ("STD", ams(2026, 4, 2, 17), 60, ams(2026, 4, 7, 8, 30),
     "day before holidays: Thu 30 min; Fri 04-03 Good Friday (NL), Sat, Sun, "
     "Mon 04-06 one-time holiday -> Tue 04-07 08:00+30"),
    ("NO_COUNTRY", ams(2026, 4, 3, 17), 60, ams(2026, 4, 7, 8, 30),
     "day before a one-time holiday: Fri 30; Sat, Sun, Mon 04-06 -> Tue 08:30"),
    ("LUNCH", ams(2026, 1, 12, 11, 30), 60, ams(2026, 1, 12, 13, 30),
     "lunch break: 11:30-12:00 = 30, lunch 12-13 not counted, 13:00+30"),
    ("LUNCH", ams(2026, 1, 12, 12, 15), 30, ams(2026, 1, 12, 13, 30),
     "start during lunch: counting starts 13:00"),
    ("STD", ams(2026, 3, 27, 17), 60, ams(2026, 3, 30, 8, 30),
     "spring DST weekend: Fri 30 + Mon 08:00+30; Mon is +02:00 (06:30Z)"),
    ("STD", ams(2026, 10, 23, 17), 60, ams(2026, 10, 26, 8, 30),
     "autumn DST weekend: Fri 30 + Mon 08:00+30; Mon is +01:00 (07:30Z)"),
    ("ALLDAY", ams(2026, 3, 29, 0), 1380, ams(2026, 3, 30, 0),
     "spring-forward day is 23 h = 1380 min; ends exactly at 24:00"),
    ("ALLDAY", ams(2026, 3, 29, 1, 30), 60, ams(2026, 3, 29, 3, 30),
     "01:30 CET + 60 real min = 03:30 CEST (02:xx does not exist)"),
    ("ALLDAY", ams(2026, 10, 25, 0), 1500, ams(2026, 10, 26, 0),
     "fall-back day is 25 h = 1500 min"),
    ("ALLDAY", ams(2026, 10, 25, 2, 30), 60, ams(2026, 10, 25, 2, 30, fold=1),
     "02:30 CEST (first) + 60 = 02:30 CET (second occurrence)"),
    ("NIGHT", ams(2026, 3, 29, 1), 120, ams(2026, 3, 29, 4),
     "Sun 01:00-04:00 on spring day = 01:00+01 (00Z)..04:00+02 (02Z) = 120"),
    ("NIGHT", ams(2026, 10, 25, 1), 240, ams(2026, 10, 25, 4),
     "Sun 01:00-04:00 on fall day = 23:00Z..03:00Z = 240"),
    ("STD", ams(2026, 1, 6, 10), 0, ams(2026, 1, 6, 10),
     "0 minutes inside hours -> start itself"),
    ("STD", ams(2026, 1, 10, 10), 0, ams(2026, 1, 12, 8),
     "0 minutes on Saturday -> next opening Mon 08:00"),
    ("STD", ams(2026, 1, 12, 17, 30), 0, ams(2026, 1, 13, 8),
     "0 minutes exactly at closing (end exclusive) -> Tue 08:00"),
    ("LUNCH", ams(2026, 1, 12, 12, 30), 0, ams(2026, 1, 12, 13),
     "0 minutes during lunch -> 13:00"),
    ("STD", ams(2026, 1, 12, 16, 30), 60, ams(2026, 1, 12, 17, 30),
     "target ends exactly at closing: Mon 17:30, NOT Tue 08:00"),
    ("LUNCH", ams(2026, 1, 12, 11), 60, ams(2026, 1, 12, 12),
     "target ends exactly at lunch: 12:00, NOT 13:00"),
    ("STD", ams(2026, 1, 12, 8), 1440, ams(2026, 1, 14, 13),
     "24 h business from Mon 08:00: Mon 570 + Tue 570 = 1140, 300 left -> "
     "Wed 08:00 + 5 h = 13:00"),
    ("STD", ams(2026, 1, 15, 12), 1440, ams(2026, 1, 19, 17),
     "24 h from Thu 12:00: Thu 330 + Fri 570 = 900, 540 left -> Mon 17:00"),
    ("STD", ams(2026, 4, 24, 17), 60, ams(2026, 4, 28, 8, 30),
     "King's Day: Fri 30; Sat, Sun, Mon 04-27 (NL) closed -> Tue 08:30"),
    ("NO_COUNTRY", ams(2026, 4, 24, 17), 60, ams(2026, 4, 27, 8, 30),
     "same without country: Mon 04-27 is a working day -> Mon 08:30"),
    ("STD", ams(2026, 1, 6, 10), 0.5, ams(2026, 1, 6, 10, 0, 30),
     "fractional minutes: half a minute is 30 s"),
    ("STD", ams(2026, 1, 6, 10, 0, 17), 60, ams(2026, 1, 6, 11, 0, 17),
     "seconds in the start survive: due time exact to the second"),
]


@pytest.mark.parametrize("cal,start,minutes,expected,why", ADD_CASES,
                         ids=[c[4][:40] for c in ADD_CASES])
def test_add_table(cal: str, start: dt.datetime, minutes: float,
                   expected: dt.datetime, why: str) -> None:
    got = CALS[cal].add(start, minutes)
    assert got.tzinfo is AMS
    assert same_instant(got, expected), f"{why}: got {got.isoformat()}"


def test_add_dst_offsets_explicit() -> None:
    # The same cases as in the table, spelled as UTC instants for clarity.
    assert STD.add(ams(2026, 3, 27, 17), 60) == dt.datetime(2026, 3, 30, 6, 30, tzinfo=UTC)
    assert STD.add(ams(2026, 10, 23, 17), 60) == dt.datetime(2026, 10, 26, 7, 30, tzinfo=UTC)


# --------------------------------------------------------------------------
# minutes_between(): (calendar, a, b, expected, how)
BETWEEN_CASES = [
    ("STD", ams(2026, 1, 9, 16, 30), ams(2026, 1, 12, 9), 120.0,
     "Fri 16:30-17:30 (60) + Mon 08:00-09:00 (60)"),
    ("STD", ams(2026, 12, 24, 17), ams(2026, 12, 28, 8, 30), 60.0,
     "Thu 30 + holiday + weekend + Mon 30"),
    ("LUNCH", ams(2026, 1, 12, 11, 30), ams(2026, 1, 12, 13, 30), 60.0,
     "lunch hour is not counted"),
    ("STD", ams(2026, 1, 12), ams(2026, 1, 19), 2850.0,
     "a full week: 5 x 570"),
    ("LUNCH", ams(2026, 1, 12), ams(2026, 1, 19), 2340.0,
     "LUNCH week: 4 x 480 + 420"),
    ("STD", ams(2026, 1, 6, 10), ams(2026, 1, 6, 10, 0, 30), 0.5,
     "seconds give fractional minutes"),
    ("STD", ams(2026, 1, 6, 12), ams(2026, 1, 6, 10), 0.0,
     "b before a -> 0"),
    ("STD", ams(2026, 1, 6, 10), ams(2026, 1, 6, 10), 0.0,
     "empty interval -> 0"),
    ("STD", ams(2026, 1, 10), ams(2026, 1, 12), 0.0,
     "weekend only -> 0"),
    ("STD", ams(2026, 4, 24, 17), ams(2026, 4, 28, 8, 30), 60.0,
     "across King's Day"),
    ("ALLDAY", ams(2026, 3, 29), ams(2026, 3, 30), 1380.0,
     "spring-forward day = 23 h"),
    ("ALLDAY", ams(2026, 10, 25), ams(2026, 10, 26), 1500.0,
     "fall-back day = 25 h"),
    ("ALLDAY", ams(2026, 3, 28), ams(2026, 3, 30), 2820.0,
     "Sat 24 h + Sun 23 h"),
    ("NIGHT", ams(2026, 3, 22), ams(2026, 3, 30), 180.0 + 120.0,
     "two Sundays: normal 180 + spring 120"),
]


@pytest.mark.parametrize("cal,a,b,expected,why", BETWEEN_CASES,
                         ids=[c[4][:40] for c in BETWEEN_CASES])
def test_minutes_between_table(cal: str, a: dt.datetime, b: dt.datetime,
                               expected: float, why: str) -> None:
    assert CALS[cal].minutes_between(a, b) == expected, why


def test_inputs_in_other_zones_are_converted() -> None:
    # 2026-01-12 15:30Z is Mon 16:30 CET; +60 -> 17:30 CET, returned in AMS.
    got = STD.add(dt.datetime(2026, 1, 12, 15, 30, tzinfo=UTC), 60)
    assert got.tzinfo is AMS and same_instant(got, ams(2026, 1, 12, 17, 30))
    ny = ZoneInfo("America/New_York")
    # Mon 08:00 CET = 02:00 EST; Mon 09:00 CET = 03:00 EST.
    assert STD.minutes_between(dt.datetime(2026, 1, 12, 2, tzinfo=ny),
                               dt.datetime(2026, 1, 12, 3, tzinfo=ny)) == 60.0
    # Same tzinfo, different offsets: must not subtract by wall clock.
    assert ALLDAY.minutes_between(ams(2026, 3, 29, 1), ams(2026, 3, 29, 4)) == 120.0


def test_is_open_and_next_open() -> None:
    assert STD.is_open(ams(2026, 1, 12, 8))            # start inclusive
    assert not STD.is_open(ams(2026, 1, 12, 17, 30))   # end exclusive
    assert STD.is_open(ams(2026, 1, 12, 17, 29, 59))
    assert not STD.is_open(ams(2026, 1, 10, 10))       # Saturday
    assert not STD.is_open(ams(2026, 4, 27, 10))       # King's Day
    assert NO_COUNTRY.is_open(ams(2026, 4, 27, 10))
    assert not LUNCH.is_open(ams(2026, 1, 12, 12, 30))
    t = ams(2026, 1, 12, 10, 15)
    assert STD.next_open(t) == t
    assert same_instant(STD.next_open(ams(2026, 12, 24, 18)), ams(2026, 12, 28, 8))
    # next_open of a UTC input comes back in the calendar's zone
    assert STD.next_open(dt.datetime(2026, 1, 12, 9, tzinfo=UTC)).tzinfo is AMS


def test_is_holiday() -> None:
    assert STD.is_holiday(dt.date(2026, 12, 25))       # yearly
    assert STD.is_holiday(dt.date(2031, 12, 26))       # yearly, any year
    assert STD.is_holiday(dt.date(2026, 4, 6))         # one-time
    assert not NO_COUNTRY.is_holiday(dt.date(2027, 4, 6))  # one-time is one time
    assert STD.is_holiday(dt.date(2026, 4, 27))        # NL King's Day
    assert not NO_COUNTRY.is_holiday(dt.date(2026, 4, 27))
    assert not STD.is_holiday(dt.date(2026, 12, 24))
    assert not WALL.is_holiday(dt.date(2026, 12, 25))


def test_open_intervals() -> None:
    got = list(STD.open_intervals(ams(2026, 1, 9, 12), ams(2026, 1, 12, 10)))
    assert got == [(ams(2026, 1, 9, 12), ams(2026, 1, 9, 17, 30)),
                   (ams(2026, 1, 12, 8), ams(2026, 1, 12, 10))]
    got = list(LUNCH.open_intervals(ams(2026, 1, 12, 11), ams(2026, 1, 12, 14)))
    assert got == [(ams(2026, 1, 12, 11), ams(2026, 1, 12, 12)),
                   (ams(2026, 1, 12, 13), ams(2026, 1, 12, 14))]
    assert list(STD.open_intervals(ams(2026, 1, 12, 10), ams(2026, 1, 12, 9))) == []
    assert all(a.tzinfo is AMS and b.tzinfo is AMS for a, b in got)


# --------------------------------------------------------------------------
# Daylight-saving changes (issue 17, point 7; docs/sla.md "Daylight-saving
# changes").  The rule: an instant is business time exactly when its
# wall-clock reading in the calendar's zone lies inside a range of that
# wall date.  Wall times in the spring gap never occur, so a range starting
# or ending there opens or closes at the gap's end (03:00 CEST); in the
# repeated hour a reading inside a range counts both times it occurs.
#
# Amsterdam 2026: Sun 29 Mar 01:00Z: 02:00 CET -> 03:00 CEST (02:00-02:59
# never shown); Sun 25 Oct 01:00Z: 03:00 CEST -> 02:00 CET (02:00-02:59
# shown twice: 00:00Z-01:00Z as CEST, 01:00Z-02:00Z as CET).
# Every expectation is a UTC instant plus the wall clock it reads as.

def z(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=UTC)


# (calendar, operation, input instant, minutes or end, expected, expected wall, why)
DST_CASES = [
    # 1. Spring gap, 02:30-05:00: readings 02:30-02:59 never occur, the day's
    #    first reading inside the range is 03:00 CEST (01:00Z).
    ("LATE", "next_open", z(2026, 3, 28, 23), None, z(2026, 3, 29, 1),
     "2026-03-29T03:00:00+02:00", "opens 03:00 CEST, not 03:30"),
    ("LATE", "is_open", z(2026, 3, 29, 1), None, True, None,
     "03:00 CEST reads 03:00, inside 02:30-05:00"),
    ("LATE", "is_open", z(2026, 3, 29, 0, 59), None, False, None,
     "01:59 CET is before the range"),
    ("LATE", "add", z(2026, 3, 28, 23), 30, z(2026, 3, 29, 1, 30),
     "2026-03-29T03:30:00+02:00", "00:00 CET + 30: 03:00-03:30 CEST"),
    ("LATE", "between", z(2026, 3, 28, 23), z(2026, 3, 29, 22), 120.0, None,
     "the whole Sunday: 03:00-05:00 CEST = 120 (150 on other days)"),
    # 2. Spring gap, 01:00-02:30: the range closes when the gap starts; 03:00-
    #    03:29 CEST read after 02:30 and are closed.  Every day, so a 90-minute
    #    target from Sun 01:00 CET takes 01:00-02:00 CET (60) and Monday's
    #    01:00-01:30 CEST (30).
    ("EARLY", "add", z(2026, 3, 29, 0), 90, z(2026, 3, 29, 23, 30),
     "2026-03-30T01:30:00+02:00", "90 from Sun 01:00: due Mon 01:30, not Sun 03:30"),
    ("EARLY", "is_open", z(2026, 3, 29, 0, 59), None, True, None,
     "01:59 CET is inside 01:00-02:30"),
    ("EARLY", "is_open", z(2026, 3, 29, 1), None, False, None,
     "03:00 CEST reads after 02:30: closed"),
    ("EARLY", "is_open", z(2026, 3, 29, 1, 29), None, False, None,
     "03:29 CEST: closed"),
    ("EARLY", "next_open", z(2026, 3, 29, 1), None, z(2026, 3, 29, 23),
     "2026-03-30T01:00:00+02:00", "from 03:00 CEST the next opening is Mon 01:00"),
    ("EARLY", "between", z(2026, 3, 28, 23), z(2026, 3, 29, 22), 60.0, None,
     "the whole Sunday: 01:00-02:00 CET = 60"),
    # 3. October fold, a range starting at 02:30 (02:30-05:00): open at the
    #    first 02:30 (00:30Z), closed for the second 02:00-02:29 (01:00Z-
    #    01:30Z), open again from the second 02:30 (01:30Z) to 05:00 CET.
    ("LATE", "next_open", z(2026, 10, 24, 22), None, z(2026, 10, 25, 0, 30),
     "2026-10-25T02:30:00+02:00", "opens at the first 02:30"),
    ("LATE", "is_open", z(2026, 10, 25, 0, 59), None, True, None,
     "02:59 CEST: inside"),
    ("LATE", "is_open", z(2026, 10, 25, 1), None, False, None,
     "the second 02:00 (CET) reads before 02:30: closed"),
    ("LATE", "is_open", z(2026, 10, 25, 1, 29), None, False, None,
     "the second 02:29: closed"),
    ("LATE", "next_open", z(2026, 10, 25, 1), None, z(2026, 10, 25, 1, 30),
     "2026-10-25T02:30:00+01:00", "reopens at the second 02:30"),
    ("LATE", "add", z(2026, 10, 24, 22), 60, z(2026, 10, 25, 2),
     "2026-10-25T03:00:00+01:00", "30 (first 02:30-03:00) + 30 (second 02:30-03:00)"),
    ("LATE", "between", z(2026, 10, 24, 22), z(2026, 10, 25, 23), 180.0, None,
     "the whole Sunday: 30 CEST + 150 CET = 180"),
    # 4. October fold, a range ending at 02:30 (MAINT: 00:00-02:30 and
    #    03:30-24:00): readings 02:00-02:29 are inside and occur twice, so
    #    both passes count; 02:30-03:29 is closed each time it is read.
    ("MAINT", "is_open", z(2026, 10, 25, 0, 29), None, True, None,
     "the first 02:29 (CEST)"),
    ("MAINT", "is_open", z(2026, 10, 25, 0, 30), None, False, None,
     "the first 02:30: closed"),
    ("MAINT", "is_open", z(2026, 10, 25, 1), None, True, None,
     "the second 02:00 (CET) reads inside 00:00-02:30 again: open"),
    ("MAINT", "is_open", z(2026, 10, 25, 1, 30), None, False, None,
     "the second 02:30: closed until 03:30 CET"),
    ("MAINT", "next_open", z(2026, 10, 25, 0, 30), None, z(2026, 10, 25, 1),
     "2026-10-25T02:00:00+01:00", "from the first 02:30 the next opening is the second 02:00"),
    ("MAINT", "add", z(2026, 10, 25, 0), 60, z(2026, 10, 25, 1, 30),
     "2026-10-25T02:30:00+01:00", "02:00 CEST + 60: 30 (first pass) + 30 (second pass)"),
    ("MAINT", "add", z(2026, 10, 25, 0), 61, z(2026, 10, 25, 2, 31),
     "2026-10-25T03:31:00+01:00", "one more minute waits for 03:30 CET"),
    ("MAINT", "between", z(2026, 10, 24, 22), z(2026, 10, 25, 23), 1410.0, None,
     "the 25-hour Sunday minus 02:30-03:30 read twice (90): 1500 - 90"),
    # Ranges that contain the whole change are unaffected (regressions).
    ("NIGHT", "between", z(2026, 10, 24, 22), z(2026, 10, 25, 23), 240.0, None,
     "01:00-04:00 on the fall-back day: both passes of 02:xx, 240"),
    ("NIGHT", "between", z(2026, 3, 28, 23), z(2026, 3, 29, 22), 120.0, None,
     "01:00-04:00 on the spring day: 120"),
]


@pytest.mark.parametrize("cal,op,at,arg,expected,wall,why", DST_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[6][:30]}" for c in DST_CASES])
def test_dst_table(cal: str, op: str, at: dt.datetime, arg: object, expected: object,
                   wall: str | None, why: str) -> None:
    c = CALS[cal]
    for t in (at, at.astimezone(AMS)):  # the same instant, given in UTC and in the zone
        if op == "is_open":
            assert c.is_open(t) is expected, why
            continue
        if op == "between":
            assert isinstance(arg, dt.datetime)
            assert c.minutes_between(t, arg) == expected, why
            continue
        got = c.next_open(t) if op == "next_open" else c.add(t, arg)  # type: ignore[arg-type]
        assert got.tzinfo is AMS
        assert got.astimezone(UTC) == expected, f"{why}: got {got.isoformat()}"
        assert got.isoformat() == wall, why


def test_dst_between_inverts_add_through_the_changes() -> None:
    # Minute by minute across both nights: what `add` hands out, `minutes_between` takes back.
    for cal in (LATE, EARLY, MAINT):
        for start in (z(2026, 3, 28, 22), z(2026, 10, 24, 21)):
            for m in range(0, 400, 7):
                due = cal.add(start, m)
                assert cal.minutes_between(start, due) == m
                assert cal.is_open(due) or m > 0


def test_dst_open_intervals_name_the_real_stretches() -> None:
    got = [(a.astimezone(UTC), b.astimezone(UTC))
           for a, b in MAINT.open_intervals(z(2026, 10, 24, 22), z(2026, 10, 25, 3))]
    assert got == [(z(2026, 10, 24, 22), z(2026, 10, 25, 0, 30)),
                   (z(2026, 10, 25, 1), z(2026, 10, 25, 1, 30)),
                   (z(2026, 10, 25, 2, 30), z(2026, 10, 25, 3))]
    # A night range across midnight stays one stretch (no cut at 00:00Z).
    night = BusinessCalendar(AMS, {d: [(0, hm(6)), (hm(22), 1440)] for d in range(7)})
    got = list(night.open_intervals(ams(2026, 1, 12, 21), ams(2026, 1, 13, 7)))
    assert got == [(ams(2026, 1, 12, 22), ams(2026, 1, 13, 6))]


# --------------------------------------------------------------------------
# WallClock ("clock: 24x7")

def test_wallclock_spring_forward() -> None:
    # 01:30 +01:00 + 60 real minutes = 03:30 +02:00 (00:30Z -> 01:30Z).
    got = WALL.add(ams(2026, 3, 29, 1, 30), 60)
    assert got.tzinfo is AMS
    assert same_instant(got, ams(2026, 3, 29, 3, 30))
    assert got.utcoffset() == dt.timedelta(hours=2)
    assert WALL.minutes_between(ams(2026, 3, 29), ams(2026, 3, 30)) == 1380.0


def test_wallclock_fall_back() -> None:
    # 02:30 CEST (00:30Z) + 60 = 02:30 CET (01:30Z), the second 02:30.
    got = WALL.add(ams(2026, 10, 25, 2, 30), 60)
    # Compare via UTC: PEP 495 makes `==` between zones False for a time in
    # a fold, and same-zone comparison ignores fold (wall clock).
    assert got.astimezone(UTC) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert got.utcoffset() == dt.timedelta(hours=1) and got.fold == 1
    assert WALL.minutes_between(ams(2026, 10, 25), ams(2026, 10, 26)) == 1500.0


def test_wallclock_basics() -> None:
    t = dt.datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    assert WALL.is_open(t)
    assert WALL.next_open(t) == t and WALL.next_open(t).tzinfo is AMS
    assert WALL.add(t, 0) == t
    assert WALL.add(t, 0.5) == t + dt.timedelta(seconds=30)
    assert WALL.minutes_between(t, t - dt.timedelta(hours=1)) == 0.0
    assert list(WALL.open_intervals(t, t + dt.timedelta(hours=1))) == [
        (t, t + dt.timedelta(hours=1))]
    assert list(WALL.open_intervals(t, t)) == []


# --------------------------------------------------------------------------
# Errors and guards

def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError):
        STD.add(dt.datetime(2026, 1, 12, 9), 10)
    with pytest.raises(ValueError):
        WALL.add(dt.datetime(2026, 1, 12, 9), 10)


def test_negative_minutes_rejected() -> None:
    with pytest.raises(ValueError):
        STD.add(ams(2026, 1, 12, 9), -1)


@pytest.mark.parametrize("hours", [
    {},                                  # never open
    {0: []},
    {0: [(600, 500)]},                   # start after end
    {0: [(0, 1441)]},                    # past 24:00
    {0: [(480, 720), (700, 900)]},       # overlap
    {0: [(780, 900), (480, 720)]},       # unsorted
    {7: [(480, 720)]},                   # no such weekday
])
def test_bad_hours_rejected(hours: dict) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(AMS, hours)


def test_calendar_that_never_opens_raises() -> None:
    every_day = frozenset((m, d) for m in range(1, 13) for d in range(1, 32))
    cal = BusinessCalendar(AMS, {0: [(480, 1020)]}, yearly_holidays=every_day)
    with pytest.raises(ValueError):
        cal.add(ams(2026, 1, 12, 9), 60)
    with pytest.raises(ValueError):
        cal.next_open(ams(2026, 1, 12, 9))
    assert cal.minutes_between(ams(2026, 1, 1), ams(2027, 1, 1)) == 0.0


def test_unknown_country_raises_value_error() -> None:
    cal = BusinessCalendar(AMS, {0: [(480, 1020)]}, country="XX")
    with pytest.raises(ValueError):
        cal.is_holiday(dt.date(2026, 1, 1))


def test_country_yaml_no_is_norway() -> None:
    # 17 May (Constitution Day) is a Norwegian public holiday.
    cal = BusinessCalendar(ZoneInfo("Europe/Oslo"), {d: [(480, 960)] for d in range(5)},
                           country="NO")
    assert cal.is_holiday(dt.date(2027, 5, 17))


def test_holidays_package_imported_lazily() -> None:
    root = Path(__file__).resolve().parents[1]
    code = ("import sys, datetime as dt, zoneinfo\n"
            "from tix.core.calendar import BusinessCalendar\n"
            "c = BusinessCalendar(zoneinfo.ZoneInfo('Europe/Amsterdam'), {0: [(480, 1020)]})\n"
            "c.add(dt.datetime(2026, 1, 12, 9, tzinfo=dt.timezone.utc), 600)\n"
            "assert 'holidays' not in sys.modules\n")
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)


def test_long_span_is_not_per_minute() -> None:
    # Ten years of business time; would take ages with a per-minute loop.
    start = ams(2026, 1, 12, 8)
    due = STD.add(start, 10 * 250 * 570)
    assert STD.minutes_between(start, due) == 10 * 250 * 570
    assert due.year in (2035, 2036)


# --------------------------------------------------------------------------
# Property tests

instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                        timezones=st.sampled_from([UTC, AMS, ZoneInfo("Asia/Tokyo")]))
calendars = st.sampled_from(["STD", "LUNCH", "ALLDAY", "NIGHT", "NO_COUNTRY"])


@settings(max_examples=300, deadline=None, database=None)
@given(cal=calendars, start=instants, m=st.integers(0, 10_000))
def test_between_inverts_add(cal: str, start: dt.datetime, m: int) -> None:
    c = CALS[cal]
    due = c.add(start, m)
    assert due.tzinfo is AMS
    assert c.minutes_between(start, due) == m
    assert utc(due) >= utc(start)
    if m > 0:
        # Inside a range or exactly at its end: just before `due` is open.
        assert c.is_open(due.astimezone(UTC) - dt.timedelta(microseconds=1))
    else:
        assert utc(due) == utc(c.next_open(start)) and c.is_open(due)


@settings(max_examples=200, deadline=None, database=None)
@given(cal=calendars, start=instants, m1=st.integers(0, 10_000), m2=st.integers(0, 10_000))
def test_add_is_monotonic(cal: str, start: dt.datetime, m1: int, m2: int) -> None:
    c = CALS[cal]
    lo, hi = sorted((m1, m2))
    assert utc(c.add(start, lo)) <= utc(c.add(start, hi))


@settings(max_examples=300, deadline=None, database=None)
@given(cal=calendars, ts=st.lists(instants, min_size=3, max_size=3))
def test_between_is_additive(cal: str, ts: list[dt.datetime]) -> None:
    c = CALS[cal]
    a, b, d = sorted(ts)
    whole = c.minutes_between(a, d)
    assert whole == pytest.approx(c.minutes_between(a, b) + c.minutes_between(b, d),
                                  abs=1e-6)
    # and it agrees with the intervals it is made of
    parts = sum((utc(y) - utc(x)).total_seconds() / 60 for x, y in c.open_intervals(a, d))
    assert whole == pytest.approx(parts, abs=1e-6)


@settings(max_examples=200, deadline=None, database=None)
@given(cal=calendars, t=instants)
def test_next_open_is_open_and_skips_nothing(cal: str, t: dt.datetime) -> None:
    c = CALS[cal]
    n = c.next_open(t)
    assert c.is_open(n) and utc(n) >= utc(t)
    assert c.minutes_between(t, n) == 0
    assert (utc(n) == utc(t)) == c.is_open(t)


@settings(max_examples=200, deadline=None, database=None)
@given(start=instants, m=st.integers(0, 10_000))
def test_wallclock_matches_real_time(start: dt.datetime, m: int) -> None:
    due = WALL.add(start, m)
    assert due.astimezone(UTC) == start.astimezone(UTC) + dt.timedelta(minutes=m)
    assert WALL.minutes_between(start, due) == m
