"""Parsing and formatting of the times a technician types: durations (`45m`,
`1h30m`, `1.5h`, `90`), instants (ISO 8601 with or without time and offset,
`now`, `today`, `yesterday`, `tomorrow 10:00`, `mon 14:00`) and periods
(`2026-10`, `2026-Q3`, `2026`, `last-month`, `this-month`, `--since/--until`).

Everything takes `now` and the policy's timezone as arguments; nothing here
reads the clock. Periods are half-open: [start, end)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from tix.core.errors import BadInput

_DUR_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|min)", re.I | re.A)
_DUR_FULL = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:d|h|m|min)\s*)+$", re.I | re.A)

DURATION_HELP = "a duration like 45m, 1h30m, 1.5h or 90 (minutes)"
ASCII_DIGITS = "written with the digits 0-9"


def ascii_digits(text: object, what: str, expected: str) -> None:
    """Refuse a number written with other digits than 0-9 (Arabic-Indic ٥,
    full-width ５, mathematical 𝟓, superscripts): Python's int(), Decimal()
    and `\\d` accept them, a technician reading the ticket would not.
    Raises BadInput naming `what` and what is `expected`."""
    s = str(text)
    if not s.isascii() and any(ch.isnumeric() and not ch.isascii() for ch in s):
        raise BadInput(f"{what} {text!r}: expected {expected}, {ASCII_DIGITS}")


def parse_minutes(text: str | int | float, *, what: str = "duration", allow_zero: bool = False) -> int:
    """Duration text -> whole minutes. Raises BadInput naming `what`."""
    if isinstance(text, bool):
        raise BadInput(f"{what} {text!r}: expected {DURATION_HELP}")
    if isinstance(text, (int, float)):
        value = Decimal(str(text))
    else:
        s = str(text).strip()
        ascii_digits(s, what, DURATION_HELP)
        if re.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?", s):
            value = Decimal(s)
        elif _DUR_FULL.match(s):
            value = Decimal(0)
            for num, unit in _DUR_PART.findall(s):
                factor = {"d": 1440, "h": 60}.get(unit.lower(), 1)
                value += Decimal(num) * factor
        elif re.fullmatch(r"-\s*[0-9].*", s) and _DUR_FULL.match(s.lstrip("- ")):
            raise BadInput(f"{what} {text!r}: must be more than zero")
        else:
            raise BadInput(f"{what} {text!r}: expected {DURATION_HELP}")
    if value < 0 or (value == 0 and not allow_zero):
        raise BadInput(f"{what} {text!r}: must be more than zero")
    if value > 10 ** 12:  # past a million years; and past Decimal's 28 digits rounding fails
        raise BadInput(f"{what} {text!r}: too large")
    if value != value.to_integral_value():
        # 1.5h is exact; 1.33h is not a whole minute: round to the nearest minute.
        value = value.quantize(Decimal(1))
        if value == 0 and not allow_zero:
            raise BadInput(f"{what} {text!r}: less than a minute; the smallest entry is 1m")
    return int(value)


def fmt_minutes(minutes: float | int | None) -> str:
    """120 -> '2h', 90 -> '1h30m', -45 -> '-45m'."""
    if minutes is None:
        return "-"
    m = round(minutes)
    sign = "-" if m < 0 else ""
    m = abs(m)
    h, r = divmod(m, 60)
    if h and r:
        return f"{sign}{h}h{r:02d}m"
    if h:
        return f"{sign}{h}h"
    return f"{sign}{r}m"


_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
             "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
             "saturday": 5, "sunday": 6}
WHEN_HELP = ("an ISO 8601 date or time (2026-11-24, 2026-11-24T08:30, 2026-11-24 08:30+01:00), "
             "08:30, now, today, yesterday, tomorrow 10:00 or mon 14:00")


def has_clock(text: str) -> bool:
    """Does the text name a time of day (not only a date)?"""
    s = str(text).strip().lower()
    return s == "now" or bool(re.search(r"\d:\d\d", s))  # any digits: parse_when then refuses all but 0-9


def _parse_clock(text: str) -> time:
    m = re.fullmatch(r"([0-9]{1,2})(?::([0-9]{2}))?", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise ValueError(text)
    return time(int(m.group(1)), int(m.group(2) or 0))


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """Attach `tz` to a wall time; a time in the spring-forward gap moves forward."""
    aware = naive.replace(tzinfo=tz)
    roundtrip = aware.astimezone(UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != naive:  # nonexistent wall time
        return (aware.astimezone(UTC)).astimezone(tz)
    return aware


def parse_when(text: str, *, now: datetime, tz: tzinfo, what: str = "time",
               default_time: time = time(0, 0)) -> datetime:
    """Parse an instant. Naive values are in the policy timezone `tz`."""
    s = str(text).strip()
    ascii_digits(s, what, WHEN_HELP)
    low = s.lower()
    today = now.astimezone(tz).date()
    try:
        if low == "now":
            return now.astimezone(tz)
        if re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", low):  # "08:30": today at 08:30
            return localize(datetime.combine(today, _parse_clock(low)), tz)
        words = low.split()
        if words and (words[0] in ("today", "tomorrow", "yesterday") or words[0] in _WEEKDAYS):
            if len(words) > 2:
                raise ValueError(s)
            clock = _parse_clock(words[1]) if len(words) == 2 else default_time
            w = words[0]
            if w == "today":
                d = today
            elif w == "tomorrow":
                d = today + timedelta(days=1)
            elif w == "yesterday":
                d = today - timedelta(days=1)
            else:
                # "mon 14:00" is the next Monday at 14:00 (later today counts if still ahead).
                ahead = (_WEEKDAYS[w] - today.weekday()) % 7
                d = today + timedelta(days=ahead)
                if ahead == 0 and localize(datetime.combine(d, clock), tz) <= now:
                    d += timedelta(days=7)
            return localize(datetime.combine(d, clock), tz)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
            return localize(datetime.combine(date.fromisoformat(s), default_time), tz)
        iso = s.replace(" ", "T", 1) if re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]", s) else s
        if iso.endswith("Z") or iso.endswith("z"):
            iso = iso[:-1] + "+00:00"
        dt = datetime.fromisoformat(iso)
        if dt.tzinfo is None:
            return localize(dt, tz)
        return dt
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01 moved into another time zone
        raise BadInput(f"{what} {text!r}: expected {WHEN_HELP}") from None


def parse_stamp(text: str) -> datetime:
    """Parse a stored `at` (ISO 8601 with offset). Raises ValueError."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return dt


def stamp(dt: datetime) -> str:
    """Format an instant for storage: seconds precision, with offset."""
    return dt.replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    """A half-open range [start, end) in the policy timezone, with a label."""

    start: datetime
    end: datetime
    label: str

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def header(self) -> str:
        return f"{self.label} [{self.start.date().isoformat()} .. {self.end.date().isoformat()})"


PERIOD_HELP = "YYYY-MM, YYYY-Qn, YYYY, this-month, last-month, this-year, last-year or --since/--until"


def add_months(year: int, month: int, k: int) -> tuple[int, int]:
    """The (year, month) `k` months after `year`-`month` (before it for k < 0)."""
    from dateutil.relativedelta import relativedelta  # lazily: start-up time of commands that need no months

    d = date(year, month, 1) + relativedelta(months=k)
    return d.year, d.month


def months_between(a: date, b: date) -> int:
    """Whole calendar months from the month of `a` to the month of `b` (0 for the same month)."""
    from dateutil.relativedelta import relativedelta

    r = relativedelta(b.replace(day=1), a.replace(day=1))
    return r.years * 12 + r.months


def _month_start(y: int, m: int, tz: tzinfo) -> datetime:
    if not 1 <= m <= 12:  # month + 1 of December, month - 1 of January, a quarter's end
        y, m = add_months(y, 1, m - 1)
    return localize(datetime(y, m, 1), tz)


def month_period(year: int, month: int, tz: tzinfo) -> Period:
    start = _month_start(year, month, tz)
    return Period(start, _month_start(year, month + 1, tz), f"{year:04d}-{month:02d}")


def parse_period(text: str | None, *, now: datetime, tz: tzinfo, since: str | None = None,
                 until: str | None = None, what: str = "period") -> Period:
    """The one period grammar of tix."""
    try:
        return _parse_period(text, now=now, tz=tz, since=since, until=until, what=what)
    except (ValueError, OverflowError):  # year 0000 or 9999-12: past what a datetime holds
        shown = text if text is not None else f"--since {since!r} --until {until!r}"
        raise BadInput(f"{what} {shown!r}: outside the years tix can count in") from None


def _parse_period(text: str | None, *, now: datetime, tz: tzinfo, since: str | None,
                  until: str | None, what: str) -> Period:
    if text is None and since is None and until is None:
        raise BadInput(f"{what}: expected {PERIOD_HELP}")
    if text is not None:
        s = text.strip().lower()
        ascii_digits(s, what, PERIOD_HELP)
        local = now.astimezone(tz)
        if s in ("this-month", "last-month", "next-month"):
            shift = {"this-month": 0, "last-month": -1, "next-month": 1}[s]
            start = _month_start(local.year, local.month + shift, tz)
            p = month_period(start.year, start.month, tz)
        elif s in ("this-year", "last-year"):
            y = local.year - (s == "last-year")
            p = Period(_month_start(y, 1, tz), _month_start(y + 1, 1, tz), str(y))
        elif m := re.fullmatch(r"([0-9]{4})-([0-9]{2})", s):
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise BadInput(f"{what} {text!r}: month must be 01..12")
            p = month_period(y, mo, tz)
        elif m := re.fullmatch(r"([0-9]{4})-q([1-4])", s):
            y, q = int(m.group(1)), int(m.group(2))
            p = Period(_month_start(y, 3 * q - 2, tz), _month_start(y, 3 * q + 1, tz), f"{y}-Q{q}")
        elif re.fullmatch(r"[0-9]{4}", s):
            y = int(s)
            p = Period(_month_start(y, 1, tz), _month_start(y + 1, 1, tz), s)
        else:
            raise BadInput(f"{what} {text!r}: expected {PERIOD_HELP}")
        if since is None and until is None:
            return p
        start, end = p.start, p.end
    else:
        start = datetime(1970, 1, 1, tzinfo=UTC).astimezone(tz)
        end = datetime(9999, 1, 1, tzinfo=UTC).astimezone(tz)
    if since is not None:
        start = max(start, parse_when(since, now=now, tz=tz, what="--since"))
    if until is not None:
        end = min(end, parse_when(until, now=now, tz=tz, what="--until"))
    if end <= start:
        raise BadInput(f"{what}: --until must be after --since")
    lo = start.date().isoformat() if since is not None or text else "start"
    hi = end.date().isoformat() if until is not None or text else "now"
    return Period(start, end, f"{lo}..{hi}")


def parse_money(text: str, *, what: str) -> Decimal:
    ascii_digits(text, what, "a decimal amount like 85.00")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise BadInput(f"{what} {text!r}: expected a decimal amount like 85.00") from None
    if not value.is_finite() or value < 0:
        raise BadInput(f"{what} {text!r}: expected a non-negative decimal amount")
    return value
