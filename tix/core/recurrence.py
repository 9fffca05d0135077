"""Recurring work: rules in the policy -> the occurrences due in a span.
Pure: no disk, no clock (`now` and the business-day test are passed in).

An occurrence is named by its rule, its organisation and its nominal date
(the date the schedule gives, before a holiday moves it), so the same
occurrence has the same name on every clone and in every run."""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EVERY = ("day", "week", "month", "quarter", "year")
HOLIDAY = ("skip", "previous-business-day", "next-business-day", "keep")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_KEYS = {"name", "from", "until", "every", "on", "at", "holiday", "orgs", "org", "title", "category", "change_kind",
         "team", "assignee", "estimate", "checklist", "impact", "urgency", "description"}


@dataclass(frozen=True)
class RecurRule:
    name: str
    start: date
    every: str
    on: tuple[str, int] | None  # ("day", 15 or -1 for the last) | ("nth", n * 10 + weekday) | ("weekday", wd)
    at: time
    holiday: str
    orgs: tuple[str | None, ...]
    title: str
    category: str = "request"
    change_kind: str | None = None
    team: str | None = None
    assignee: str | None = None
    estimate: int | None = None
    checklist: tuple[str, ...] = ()
    impact: int | None = None
    urgency: int | None = None
    description: str | None = None
    until: date | None = None


@dataclass(frozen=True)
class Occurrence:
    rule: RecurRule
    org: str | None
    nominal: date  # the schedule's date: the occurrence's name
    at: datetime  # when it is due (moved off a holiday or weekend), aware

    @property
    def name(self) -> str:
        return f"{self.rule.name}/{self.org or '-'}/{self.nominal.isoformat()}"

    def title(self) -> str:
        values = {"year": self.nominal.year, "month": self.nominal.month, "day": self.nominal.day,
                  "quarter": (self.nominal.month - 1) // 3 + 1, "date": self.nominal.isoformat(),
                  "org": self.org or "", "week": self.nominal.isocalendar()[1]}
        try:
            return self.rule.title.format(**values)[:300]
        except (KeyError, ValueError, IndexError, AttributeError):
            return self.rule.title[:300]


def parse_on(text: str) -> tuple[str, int]:
    """'15' -> ('day', 15); 'last' / 'last day' -> ('day', -1); 'first monday' -> ('nth', 10);
    'last friday' -> ('nth', -6)...; 'monday' -> ('weekday', 0). ValueError if none."""
    s = " ".join(str(text).lower().split())
    if re.fullmatch(r"[0-9]{1,2}", s) and 1 <= int(s) <= 31:
        return ("day", int(s))
    if s in ("last", "last day"):
        return ("day", -1)
    if s in _DAYS:
        return ("weekday", _DAYS.index(s))
    parts = s.split(" ")
    if len(parts) == 2 and parts[0] in _NTH and parts[1] in _DAYS:
        n = _NTH[parts[0]]
        return ("nth", n * 10 + _DAYS.index(parts[1]) if n > 0 else -(10 + _DAYS.index(parts[1])))
    raise ValueError(s)


def parse_recurring(v: Any, raw: Any, teams: dict[str, Any], orgs: dict[str, Any],
                    axes: dict[str, dict[int, str]]) -> tuple[RecurRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise v.fail("recurring: expected a list of rules", "recurring")
    from tix.core.policy import CATEGORIES, CHANGE_KINDS

    out = []
    for i, r in enumerate(raw):
        r = v.mapping(r, _KEYS, "recurring", i, required={"name", "from", "every", "title"})

        def bad(msg: str, key: str) -> Exception:
            return v.fail(f"recurring[{i}].{key}: {msg}", "recurring", i, key)  # noqa: B023

        def day(value: Any, key: str) -> date:
            try:
                return value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                raise bad(f"{value!r} is not a date like 2026-12-01", key) from None

        every = str(r["every"])
        if every not in EVERY:
            raise bad(f"{every!r} is not one of {', '.join(EVERY)}", "every")
        on = None
        if r.get("on") is not None:
            try:
                on = parse_on(str(r["on"]))
            except ValueError:
                raise bad(f"{r['on']!r} is not like \"first monday\", \"last friday\", \"15\" or \"monday\"",
                          "on") from None
            if every == "day":
                raise bad("a daily rule takes no `on`", "on")
            if every == "week" and on[0] != "weekday":
                raise bad("a weekly rule takes a weekday, like \"monday\"", "on")
        at_raw = r.get("at", "09:00")
        if isinstance(at_raw, int) and not isinstance(at_raw, bool):  # YAML 1.1 read 09:00 as 540
            at_raw = f"{at_raw // 60:02}:{at_raw % 60:02}"
        m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", str(at_raw).strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise bad(f"{at_raw!r} is not a time like \"09:00\"", "at")
        holiday = str(r.get("holiday", "next-business-day"))
        if holiday not in HOLIDAY:
            raise bad(f"{holiday!r} is not one of {', '.join(HOLIDAY)}", "holiday")
        org_list = r.get("orgs", [r["org"]] if r.get("org") is not None else [])
        org_names = v.strings(org_list, "recurring", i, "orgs")
        for o in org_names:
            if orgs and o not in orgs:
                raise bad(f"{o!r} is not an organisation ({', '.join(orgs)})", "orgs")
        category = str(r.get("category", "request"))
        if category not in CATEGORIES:
            raise bad(f"{category!r} is not one of {', '.join(CATEGORIES)}", "category")
        kind = r.get("change_kind")
        if kind is not None and str(kind) not in CHANGE_KINDS:
            raise bad(f"{kind!r} is not one of {', '.join(CHANGE_KINDS)}", "change_kind")
        if category == "change" and kind is None:
            kind = "standard"
        team = r.get("team")
        if team is not None and str(team) not in teams:
            raise bad(f"{team!r} is not a team ({', '.join(teams)})", "team")
        factors = {}
        for axis in ("impact", "urgency"):
            val = r.get(axis)
            if val is not None and val not in axes[axis]:
                raise bad(f"{val!r} is not in the matrix ({', '.join(map(str, axes[axis]))})", axis)
            factors[axis] = val
        checklist = v.strings(r.get("checklist"), "recurring", i, "checklist")
        out.append(RecurRule(
            name=str(r["name"]), start=day(r["from"], "from"), every=every, on=on,
            at=time(int(m.group(1)), int(m.group(2))), holiday=holiday, orgs=tuple(org_names) or (None,),
            title=str(r["title"]), category=category, change_kind=str(kind) if kind else None,
            team=str(team) if team else None, assignee=str(r["assignee"]) if r.get("assignee") else None,
            estimate=v.minutes(r["estimate"], "recurring", i, "estimate") if r.get("estimate") is not None else None,
            checklist=checklist, impact=factors["impact"], urgency=factors["urgency"],
            description=str(r["description"]) if r.get("description") else None,
            until=day(r["until"], "until") if r.get("until") is not None else None))
    names = [r.name for r in out]
    if len(set(names)) != len(names):
        raise v.fail("recurring: two rules have the same name", "recurring")
    return tuple(out)


# ---------------------------------------------------------------- schedules

def _in_month(year: int, month: int, on: tuple[str, int]) -> date:
    last = _cal.monthrange(year, month)[1]
    kind, n = on
    if kind == "day":
        return date(year, month, last if n == -1 else min(n, last))  # the 31st in a short month: its last day
    if kind == "weekday":  # "monday" in a monthly rule: the first one
        n = 10 + n
    if n > 0:
        nth, wd = divmod(n, 10)
        first = date(year, month, 1)
        d = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        return d if d.month == month else date(year, month, last) - timedelta(days=(date(year, month, last).weekday()
                                                                                     - wd) % 7)
    wd = -n - 10
    d = date(year, month, last)
    return d - timedelta(days=(d.weekday() - wd) % 7)


def nominal_dates(rule: RecurRule, upto: date) -> Iterator[date]:
    """The schedule's dates from the rule's `from` up to and including `upto`."""
    start, end = rule.start, min(upto, rule.until) if rule.until else upto
    if rule.every == "day":
        d = start
        while d <= end:
            yield d
            d += timedelta(days=1)
        return
    if rule.every == "week":
        wd = rule.on[1] if rule.on else start.weekday()
        d = start + timedelta(days=(wd - start.weekday()) % 7)
        while d <= end:
            yield d
            d += timedelta(days=7)
        return
    step = {"month": 1, "quarter": 3, "year": 12}[rule.every]
    on = rule.on or ("day", start.day)
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        d = _in_month(y, m, on)
        if start <= d <= end:
            yield d
        m += step
        while m > 12:
            y, m = y + 1, m - 12


def local_time(d: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on day `d` in `tz`: a time the spring change skips moves forward
    by the gap (02:30 -> 03:30); one the autumn change repeats is the first."""
    naive = datetime.combine(d, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    return back  # in the gap, the wall time read with the offset before the change: moved forward by the gap


def shift(d: date, how: str, is_business_day: Callable[[date], bool]) -> date | None:
    if how == "keep" or is_business_day(d):
        return d
    if how == "skip":
        return None
    step = timedelta(days=-1 if how == "previous-business-day" else 1)
    for _ in range(60):
        d += step
        if is_business_day(d):
            return d
    return None


def occurrences(rule: RecurRule, tz: ZoneInfo, is_business_day: Callable[[date], bool], upto: datetime,
                since: datetime | None = None) -> list[Occurrence]:
    """The occurrences due at or before `upto` (and after `since`, if given), oldest first."""
    out = []
    last_day = upto.astimezone(tz).date() + timedelta(days=60)  # a nominal date may move back before `upto`
    for nominal in nominal_dates(rule, last_day):
        d = shift(nominal, rule.holiday, is_business_day)
        if d is None:
            continue
        at = local_time(d, rule.at, tz)
        if at > upto or (since is not None and at <= since):
            continue
        for org in rule.orgs:
            out.append(Occurrence(rule, org, nominal, at))
    out.sort(key=lambda o: (o.at, o.rule.name, o.org or ""))
    return out


def business_day_test(policy: Any) -> Callable[[date], bool]:
    """A day with service hours that is not a holiday."""
    cal = policy.calendar()
    hours = policy.calendar_spec.hours

    def business(d: date) -> bool:
        return d.weekday() in hours and not cal.is_holiday(d)

    return business


def due_between(policy: Any, since: datetime, upto: datetime) -> list[Occurrence]:
    """Every rule's occurrences due in (since - 1 microsecond, upto]: [since, upto]."""
    business = business_day_test(policy)
    out: list[Occurrence] = []
    for rule in policy.recurring:
        out += occurrences(rule, policy.tz, business, upto, since=since - timedelta(microseconds=1))
    out.sort(key=lambda o: (o.at, o.rule.name, o.org or ""))
    return out
