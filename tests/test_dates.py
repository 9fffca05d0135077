from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tix.core.dates import fmt_minutes, parse_minutes, parse_period, parse_when
from tix.core.errors import BadInput

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime.fromisoformat("2026-11-23T10:00:00+01:00")  # Monday


@pytest.mark.parametrize("text, minutes", [
    ("45m", 45), ("1h30m", 90), ("1.5h", 90), ("90", 90), ("2h", 120), ("1d", 1440), ("0.25h", 15), ("1h 5m", 65),
])
def test_durations(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "-5", "0", "0m", "1x", "h", "1h-5m", "1e3"])
def test_bad_durations(text):
    with pytest.raises(BadInput):
        parse_minutes(text)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-24", "2026-11-24T00:00:00+01:00"),
    ("2026-11-24T08:30", "2026-11-24T08:30:00+01:00"),
    ("2026-11-24 08:30", "2026-11-24T08:30:00+01:00"),
    ("2026-07-01T08:30", "2026-07-01T08:30:00+02:00"),          # summer time
    ("2026-03-29T02:30", "2026-03-29T03:30:00+02:00"),          # in the spring-forward gap: moved forward
    ("2026-11-24T08:30+00:00", "2026-11-24T08:30:00+00:00"),
    ("now", "2026-11-23T10:00:00+01:00"),
    ("today 08:30", "2026-11-23T08:30:00+01:00"),
    ("tomorrow 10:00", "2026-11-24T10:00:00+01:00"),
    ("yesterday 17:00", "2026-11-22T17:00:00+01:00"),
    ("mon 14:00", "2026-11-23T14:00:00+01:00"),                 # later today is the next Monday 14:00
    ("mon 09:00", "2026-11-30T09:00:00+01:00"),                 # already past today: next week
    ("fri 12:00", "2026-11-27T12:00:00+01:00"),
])
def test_when(text, expected):
    assert parse_when(text, now=NOW, tz=TZ).isoformat() == expected


@pytest.mark.parametrize("text", ["soon", "2026-13-01", "tomorrow 25:00", "mon 14:00 extra", "2026-11-24T8"])
def test_bad_when(text):
    with pytest.raises(BadInput):
        parse_when(text, now=NOW, tz=TZ)


@pytest.mark.parametrize("text, start, end", [
    ("2026-10", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"),
    ("2026-Q3", "2026-07-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"),
    ("2026", "2026-01-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00"),
    ("last-month", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"),
    ("this-month", "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"),
])
def test_periods(text, start, end):
    p = parse_period(text, now=NOW, tz=TZ)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_since_until_half_open():
    p = parse_period(None, since="2026-10-01", until="2026-10-15", now=NOW, tz=TZ)
    assert p.contains(datetime.fromisoformat("2026-10-01T00:00:00+02:00"))
    assert not p.contains(datetime.fromisoformat("2026-10-15T00:00:00+02:00"))


def test_fmt_minutes():
    assert [fmt_minutes(m) for m in (0, 45, 60, 90, -45, 1500)] == ["0m", "45m", "1h", "1h30m", "-45m", "25h"]
