"""policies.yaml -> a validated, frozen `Policy`. The core never sees raw YAML.

Every refusal names the file, the line and the reason."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tix.core import yamlio
from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.calendar import BusinessCalendar, HolidayTable, WallClock
    from tix.core.vat import Buyer, Seller

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUSES = ("new", "open", "waiting", "resolved", "closed")
CATEGORIES = ("incident", "problem", "change", "request")
CHANNELS = ("phone", "email", "portal", "monitoring", "backup-check", "project", "sales",
            "walk-in", "other")
CHANGE_KINDS = ("standard", "normal", "emergency")
LANGUAGES = ("en", "nl", "de", "cs", "no")


@dataclass(frozen=True)
class PriorityRule:
    name: str
    min_score: int
    response: int  # minutes
    resolve: int
    escalate: int
    clock: str  # "business" | "24x7"

    def target(self, clock: str) -> int:
        return {"response": self.response, "resolve": self.resolve, "escalate": self.escalate}[clock]


@dataclass(frozen=True)
class CalendarSpec:
    hours: dict[int, tuple[tuple[int, int], ...]]  # weekday -> minute ranges
    yearly: frozenset[tuple[int, int]]
    dates: frozenset[date]
    country: str | None


@dataclass(frozen=True)
class Team:
    name: str
    line: int
    members: tuple[str, ...]
    email: str | None = None


@dataclass(frozen=True)
class Billing:
    currency: str
    increment: int
    onsite_minimum: int
    default_rate: str
    rates: dict[str, Decimal]
    after_hours_multiplier: Decimal
    vat_percent: Decimal | None
    seller: Seller | None = None  # the shop's invoicing details (tix.core.vat)
    # each rate's prices as a dated list ((from, price), ...); `rates` holds the latest
    rate_history: dict[str, tuple[tuple[date | None, Decimal], ...]] = field(default_factory=dict)
    travel_fee: Decimal | None = None  # per on-site visit (a contract may set its own)


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    domains: tuple[str, ...]
    rate: str | None
    language: str
    email: str | None = None  # the IT manager's address, for reports
    mail_trust: str = "ticket"  # whose mail counts as the requester's: ticket | domains
    hosts: tuple[str, ...] = ()  # host-name patterns (alerts: `org: hosts`)
    buyer: Buyer | None = None  # invoicing details: country, VAT number, address... (tix.core.vat)
    contract: tuple[tuple[date | None, str | None], ...] = ()  # dated: the contract's name (tix.core.contracts)


@dataclass(frozen=True)
class Mail:
    """The desk's shared mail settings. The SMTP server and its login are
    not among them: they belong to each machine (tix.app.mail.smtp.settings)."""
    sender: str
    max_attachment: int  # bytes
    notify_per_address: int = 10  # at most this many notification mails to one address ...
    notify_per: int = 60  # ... within this many minutes (loop protection)


@dataclass(frozen=True)
class Policy:
    path: str
    text: str = field(repr=False)
    timezone: str
    tz: ZoneInfo
    calendar_spec: CalendarSpec
    impact: dict[int, str]
    urgency: dict[int, str]
    priorities: tuple[PriorityRule, ...]
    paused_statuses: frozenset[str]
    warn_percent: int
    warn_lead: int
    teams: dict[str, Team]
    billing: Billing
    orgs: dict[str, Org]
    mail: Mail
    autocommit: bool
    default_impact: int
    default_urgency: int
    default_team: str | None
    default_language: str
    approvers: tuple[str, ...]  # teams whose members may approve changes
    # The country's public holidays: a table of data (tix.core.calendar.HolidayTable)
    # that storage fills and saves; `with_holidays` hands one in. None: computed in memory.
    holidays: HolidayTable | None = field(default=None, repr=False, compare=False)
    # alerts and recurring work (tix.core.alerts, tix.core.recurrence)
    alerts: tuple[Any, ...] = ()
    recurring: tuple[Any, ...] = ()
    contracts: dict[str, Any] = field(default_factory=dict)  # name -> tix.core.contracts.Contract
    # entry id -> its billing.Line as invoiced: an invoiced entry keeps the price it was
    # invoiced at, whatever the rates say today (`with_invoiced`; reports and `show`)
    invoiced: Any = field(default_factory=dict, repr=False, compare=False)  # a mapping with .get()

    # ------------------------------------------------------------ derived
    @cached_property
    def agents(self) -> frozenset[str]:  # asked per ticket by the SLA clocks: made once per policy
        return frozenset(m for t in self.teams.values() for m in t.members)

    def with_holidays(self, table: HolidayTable) -> Policy:
        """This policy, its calendar reading country holidays from `table`."""
        from dataclasses import replace

        return replace(self, holidays=table)

    def with_invoiced(self, prices: Any) -> Policy:
        """This policy, pricing invoiced entries as they were invoiced."""
        from dataclasses import replace

        if not prices:
            return self
        p = replace(self, invoiced=prices)
        if "_calendar" in self.__dict__:  # keep the built calendar (and its cached days)
            p.__dict__["_calendar"] = self.__dict__["_calendar"]
        return p

    @cached_property
    def _calendar(self) -> BusinessCalendar:
        # built once per Policy (cached_property fills the instance's __dict__,
        # the fields stay frozen)
        from tix.core.calendar import BusinessCalendar

        spec = self.calendar_spec
        return BusinessCalendar(self.tz, spec.hours, spec.yearly, spec.dates, spec.country, holidays=self.holidays)

    def calendar(self) -> BusinessCalendar:
        return self._calendar

    def clock_for(self, rule: PriorityRule) -> BusinessCalendar | WallClock:
        if rule.clock == "24x7":
            from tix.core.calendar import WallClock

            return WallClock(self.tz)
        return self.calendar()

    def error(self, message: str, *path: Any) -> PolicyError:
        return PolicyError(message, path=self.path, line=yamlio.line_of(self.text, path))

    def team_for_line(self, line: int) -> Team | None:
        for t in self.teams.values():
            if t.line == line:
                return t
        return None

    def org_for_domain(self, domain: str) -> Org | None:
        domain = domain.lower()
        for o in self.orgs.values():
            if any(domain == d or domain.endswith("." + d) for d in o.domains):
                return o
        return None


# ---------------------------------------------------------------- loading

DEFAULT_POLICY = """\
# tix policy: service hours, priorities, SLA targets, teams, billing, customers.
# Every tix command reads this file; a mistake is refused with its line.

timezone: Europe/Amsterdam      # IANA name; SLA clocks and months are in this zone

calendar:
  # Service hours per weekday; several ranges a day are fine (lunch breaks).
  hours:
    mon: ["08:00-17:30"]
    tue: ["08:00-17:30"]
    wed: ["08:00-17:30"]
    thu: ["08:00-17:30"]
    fri: ["08:00-17:30"]
  holidays: ["01-01", "12-25", "12-26"]   # yearly MM-DD or one-time YYYY-MM-DD
  country: NL                             # optional: that country's public holidays too

# Priority = impact x urgency.
matrix:
  impact:  {1: one or two workstations, 2: whole department, 4: several departments or a whole site, 8: several sites}
  urgency: {1: can wait several days, 2: until tomorrow (about 8 h), 4: until later today (about 4 h), 8: cannot wait}

# The first entry whose min_score <= score applies. Targets are business time
# unless clock: 24x7.
priorities:
  - {name: urgent, min_score: 64, response: 0m, resolve: 1h, escalate: 30m, clock: 24x7}
  - {name: high, min_score: 16, response: 2h, resolve: 4h, escalate: 3h}
  - {name: normal, min_score: 2, response: 8h, resolve: 12h, escalate: 10h}
  - {name: low, min_score: 1, response: 16h, resolve: 24h, escalate: 20h}

paused_statuses: [waiting]        # SLA clocks stop while waiting for the customer
warn: {percent: 80, lead: 30m}    # at-risk: 80% of a target used, or 30 min left

defaults: {impact: 1, urgency: 2, team: servicedesk, language: en}

teams:                            # line: 1st, 2nd, 3rd support line (escalation order)
  servicedesk: {line: 1, members: [{user}]}
  connectivity: {line: 2, members: []}
  security: {line: 3, members: []}

changes: {approvers: [servicedesk]}   # members of these teams approve normal changes

billing:
  currency: EUR
  increment: 15m                  # each work entry rounds up to this
  onsite_minimum: 60m             # an on-site visit bills at least this
  default_rate: PROGP85
  rates: {PROGP85: "85.00", ONSITE: "95.00"}
  after_hours: {multiplier: "1.5"}   # work outside the service hours
  vat: "21"                       # percent; remove for no VAT line

orgs: {}
  # contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85, language: nl}

mail:                             # the SMTP server is set on each machine, not here (docs/mail.md)
  from: "Servicedesk <support@example.com>"
  max_attachment: 25MB
  notify_limit: {per_address: 10, per: 1h}   # loop protection: at most 10 mails an hour to one address

git: {autocommit: false}

# Alert mail from monitoring and backup systems becomes one ticket per problem
# (docs/alerts.md). While there is no `alerts:` key the shipped rules for Nagios,
# Icinga 2, Zabbix, Checkmk, Uptime Kuma and Veeam are in force (`tix alerts
# rules` lists them); `alerts: []` turns alert handling off. An `alerts:` list
# replaces them: name each shipped rule you keep with `use:`. First match wins.
# `org: hosts` takes the organisation whose host patterns (shell wildcards, any
# case) match the alert's host: give it `hosts: ["CON-*", "*.contoso.local"]`.
# alerts:
#   - use: nagios-service                # a shipped rule as it is
#   - use: veeam                         # a shipped rule, with changes
#     org: contoso
#     expect_every: 26h                  # silent longer than this: `tix alerts check` opens a ticket
#     expect_on: business-days           # weekends and holidays do not count
#   - name: prtg                         # your own rule: regular expressions, named groups
#     from: '@prtg\\.contoso\\.com$'        # the sender address (optional)
#     subject: '^\\[PRTG\\] (?P<state>Down|Up|Warning) (?P<host>[^/ ]+)/(?P<sensor>.+)$'
#     key: "{host}/{sensor}"             # one open ticket per key
#     open: [Down, Warning]              # values of the group `state`
#     resolve: [Up]
#     flap: 30m                          # a problem this soon after the recovery reopens the ticket
#     rate: 10m                          # an alert storm writes one event per 10 minutes
#     org: hosts                         # or an organisation's key
#     impact: 2
#     urgency: 4
#     team: servicedesk

# Recurring work: `tix recur run` (from cron) creates each occurrence once, with
# its checklist; `tix recur list` shows the coming ones (docs/alerts.md).
# recurring:
#   - name: patch-round
#     from: 2027-01-01                   # the first day an occurrence may fall on
#     every: month                       # day | week | month | quarter | year
#     on: first monday                   # "first monday", "last friday", "15", "monday"
#     at: "09:00"
#     holiday: next-business-day         # skip | previous-business-day | next-business-day
#     orgs: [contoso]                    # one ticket per organisation
#     title: "Patch round {year}-{month:02}"
#     category: change
#     change_kind: standard
#     team: servicedesk
#     estimate: 2h
#     checklist: [Windows updates on servers, Firewall firmware, Backups checked after reboot]
"""

MAIL_TRUST = ("ticket", "domains")
LOCAL_SMTP = ("the SMTP server and its login are set on each machine, never in the shared policy (a clone could "
              "send the mail, and a password, anywhere): move them to the local config "
              "~/.config/tix/config.yaml (smtp: {host, port, security, user}) or TIX_SMTP_HOST, TIX_SMTP_PORT, "
              "TIX_SMTP_SECURITY, TIX_SMTP_USER, and the password to TIX_SMTP_PASSWORD")

_ALLOWED_TOP = {"timezone", "calendar", "matrix", "priorities", "paused_statuses", "warn",
                "teams", "billing", "orgs", "mail", "git", "defaults", "changes",
                "alerts", "recurring", "contracts"}


class _V:
    """Validation helpers that raise PolicyError with file and line."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text

    def fail(self, message: str, *keys: Any) -> PolicyError:
        return PolicyError(message, path=self.path, line=yamlio.line_of(self.text, keys))

    def mapping(self, value: Any, allowed: set[str] | None, *keys: Any,
                required: frozenset[str] | set[str] = frozenset()) -> dict:
        where = ".".join(map(str, keys)) or "top level"
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(f"{where}: expected a mapping", *keys)
        for k in value:
            if allowed is not None and str(k) not in allowed:
                raise self.fail(f"{where}: unknown key {k!r} (allowed: {', '.join(sorted(allowed))})",
                                *keys, k)
        for k in sorted(required):
            if k not in value:
                raise self.fail(f"{where}: missing key {k!r}", *keys)
        return value

    def minutes(self, value: Any, *keys: Any, allow_zero: bool = True) -> int:
        from tix.core.dates import parse_minutes
        from tix.core.errors import BadInput

        try:
            return parse_minutes(value, what=".".join(map(str, keys)), allow_zero=allow_zero)
        except BadInput as err:
            raise self.fail(str(err), *keys) from None

    def decimal(self, value: Any, *keys: Any) -> Decimal:
        try:  # digits 0-9 only: Decimal() also takes "٨٥"
            d = Decimal(str(value)) if re.fullmatch(r"\s*[+-]?[0-9_.eE+-]+\s*", str(value)) else Decimal("NaN")
        except InvalidOperation:
            d = Decimal("NaN")
        if isinstance(value, bool) or not d.is_finite() or d < 0:
            raise self.fail(f"{'.'.join(map(str, keys))}: {value!r} is not a decimal amount like \"85.00\"", *keys)
        return d

    def integer(self, value: Any, *keys: Any, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{'.'.join(map(str, keys))}: {value!r} is not a whole number", *keys)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.fail(f"{'.'.join(map(str, keys))}: {value} is outside {lo}..{hi}", *keys)
        return value

    def strings(self, value: Any, *keys: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in value):
            raise self.fail(f"{'.'.join(map(str, keys))}: expected a list of names", *keys)
        return tuple(str(x) for x in value)


_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)


def _parse_hours(v: _V, raw: Any, keys: tuple[Any, ...] = ("calendar",)) -> dict[int, tuple[tuple[int, int], ...]]:
    where = ".".join(map(str, keys))
    raw = v.mapping(raw, set(WEEKDAYS), *keys, "hours")
    hours: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, ranges in raw.items():
        if ranges is None:
            ranges = []
        if isinstance(ranges, str):
            ranges = [ranges]
        if not isinstance(ranges, list):
            raise v.fail(f"{where}.hours.{day}: expected a list like [\"08:00-17:30\"]", *keys, "hours", day)
        out = []
        for i, r in enumerate(ranges):
            m = _RANGE.match(str(r))
            if not m:
                raise v.fail(f"{where}.hours.{day}: {r!r} is not a range like \"08:00-17:30\"",
                             *keys, "hours", day, i)
            h1, m1, h2, m2 = map(int, m.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if h1 > 23 or m1 > 59 or m2 > 59 or end > 1440:
                raise v.fail(f"{where}.hours.{day}: {r!r} is not a valid time range", *keys, "hours", day, i)
            if start >= end:
                raise v.fail(f"{where}.hours.{day}: {r!r} ends before it starts", *keys, "hours", day, i)
            out.append((start, end))
        out.sort()
        for (_a1, b1), (a2, _b2) in itertools.pairwise(out):
            if a2 < b1:
                raise v.fail(f"{where}.hours.{day}: ranges overlap", *keys, "hours", day)
        if out:
            hours[WEEKDAYS.index(day)] = tuple(out)
    if not hours:
        raise v.fail(f"{where}.hours: no service hours at all", *keys, "hours")
    return hours


def _parse_holidays(v: _V, raw: Any, keys: tuple[Any, ...] = ("calendar",)
                    ) -> tuple[frozenset[tuple[int, int]], frozenset[date]]:
    where = ".".join(map(str, keys))
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise v.fail(f"{where}.holidays: expected a list of MM-DD or YYYY-MM-DD", *keys, "holidays")
    yearly, dates = set(), set()
    for i, h in enumerate(raw):
        s = str(h).strip()
        try:
            if re.fullmatch(r"[0-9]{2}-[0-9]{2}", s):
                mo, d = int(s[:2]), int(s[3:])
                date(2024, mo, d)  # a leap year: 02-29 is a valid yearly holiday
                yearly.add((mo, d))
            elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
                dates.add(date.fromisoformat(s))
            else:
                raise ValueError
        except ValueError:
            raise v.fail(f"{where}.holidays: {h!r} is not a date (MM-DD yearly or YYYY-MM-DD once)",
                         *keys, "holidays", i) from None
    return frozenset(yearly), frozenset(dates)


def _parse_size(v: _V, raw: Any, *keys: Any) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", str(raw), re.ASCII)
    if not m:
        raise v.fail(f"{'.'.join(map(str, keys))}: {raw!r} is not a size like 25MB", *keys)
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    return int(Decimal(m.group(1)) * factor)


def _parse_calendar(v: _V, raw: Any, keys: tuple[Any, ...], check_country: bool = False) -> CalendarSpec:
    where = ".".join(map(str, keys))
    cal = v.mapping(raw, {"hours", "holidays", "country"}, *keys, required={"hours"})
    yearly, dates = _parse_holidays(v, cal.get("holidays"), keys)
    country = cal.get("country")
    if country is not None:
        country = str(country).upper()
        if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", country):
            raise v.fail(f"{where}.country: {country!r} is not a country code like NL", *keys, "country")
        if check_country:
            import holidays

            if country.split("-")[0] not in holidays.list_supported_countries():
                raise v.fail(f"{where}.country: {country!r} has no public holiday table", *keys, "country")
    return CalendarSpec(_parse_hours(v, cal["hours"], keys), yearly, dates, country)


def _parse_priorities(v: _V, rules_raw: Any, keys: tuple[Any, ...],
                      axes: dict[str, dict[int, str]]) -> tuple[PriorityRule, ...]:
    where = ".".join(map(str, keys))
    if not isinstance(rules_raw, list) or not rules_raw:
        raise v.fail(f"{where}: expected a list of {{name, min_score, response, resolve, escalate}}", *keys)
    rules = []
    for i, r in enumerate(rules_raw):
        r = v.mapping(r, {"name", "min_score", "response", "resolve", "escalate", "clock"}, *keys, i,
                      required={"name", "min_score", "response", "resolve", "escalate"})
        clock = str(r.get("clock", "business"))
        if clock not in ("business", "24x7"):
            raise v.fail(f"{where}[{i}].clock: {clock!r} is not business or 24x7", *keys, i, "clock")
        rules.append(PriorityRule(
            name=str(r["name"]),
            min_score=v.integer(r["min_score"], *keys, i, "min_score", lo=0),
            response=v.minutes(r["response"], *keys, i, "response"),
            resolve=v.minutes(r["resolve"], *keys, i, "resolve"),
            escalate=v.minutes(r["escalate"], *keys, i, "escalate"),
            clock=clock,
        ))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise v.fail(f"{where}: two entries have the same name", *keys)
    for imp in axes["impact"]:
        for urg in axes["urgency"]:
            if not any(r.min_score <= imp * urg for r in rules):
                raise v.fail(f"{where}: score {imp * urg} (impact {imp} x urgency {urg}) is covered by no priority",
                             *keys)
    return tuple(rules)


def parse_policy(text: str, path: str = "policies.yaml", *, check_country: bool = False) -> Policy:
    v = _V(path, text)
    try:
        raw = yamlio.load(text)
    except yamlio.YamlProblem as err:
        raise PolicyError(err.message, path=path, line=err.line) from None
    if isinstance(raw, dict) and "smtp" in raw:
        raise v.fail(f"smtp: {LOCAL_SMTP}", "smtp")
    raw = v.mapping(raw, _ALLOWED_TOP, required={"priorities", "calendar"})

    tzname = str(raw.get("timezone", "Europe/Amsterdam"))
    try:
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", tzname) or ".." in tzname:
            raise ValueError
        tz = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise v.fail(f"timezone: {tzname!r} is not an IANA time zone like Europe/Amsterdam", "timezone") from None

    spec = _parse_calendar(v, raw["calendar"], ("calendar",), check_country)

    matrix = v.mapping(raw.get("matrix"), {"impact", "urgency"}, "matrix", required={"impact", "urgency"})
    axes: dict[str, dict[int, str]] = {}
    for axis in ("impact", "urgency"):
        table = matrix[axis]
        if not isinstance(table, dict) or not table:
            raise v.fail(f"matrix.{axis}: expected a mapping of factors to descriptions", "matrix", axis)
        axes[axis] = {}
        for k, desc in table.items():
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise v.fail(f"matrix.{axis}: factor {k!r} must be a positive whole number", "matrix", axis, k)
            axes[axis][k] = str(desc)

    rules = _parse_priorities(v, raw["priorities"], ("priorities",), axes)
    paused = v.strings(raw.get("paused_statuses", ["waiting"]), "paused_statuses")
    for s in paused:
        if s not in STATUSES:
            raise v.fail(f"paused_statuses: {s!r} is not a status ({', '.join(STATUSES)})", "paused_statuses")

    warn = v.mapping(raw.get("warn", {}), {"percent", "lead"}, "warn")
    warn_percent = v.integer(warn.get("percent", 80), "warn", "percent", lo=1, hi=100)
    warn_lead = v.minutes(warn.get("lead", "30m"), "warn", "lead")

    teams: dict[str, Team] = {}
    for name, t in v.mapping(raw.get("teams", {}), None, "teams").items():
        t = v.mapping(t, {"line", "members", "email"}, "teams", name, required={"line"})
        teams[str(name)] = Team(str(name), v.integer(t["line"], "teams", name, "line", lo=1, hi=9),
                                v.strings(t.get("members"), "teams", name, "members"),
                                str(t["email"]) if t.get("email") else None)
    if not teams:
        raise v.fail("teams: at least one team is needed", "teams")

    b = v.mapping(raw.get("billing", {}), {"currency", "increment", "onsite_minimum", "default_rate", "rates",
                                           "after_hours", "vat", "seller", "travel"}, "billing")
    rates_raw = v.mapping(b.get("rates", {"PROGP85": "85.00"}), None, "billing", "rates")
    from tix.core.contracts import parse_dated

    rate_history = {str(k): parse_dated(v, val, ("billing", "rates", k), lambda x, ks: v.decimal(x, *ks), "price")
                    for k, val in rates_raw.items()}
    rates = {k: h[-1][1] for k, h in rate_history.items()}  # the latest price of each (for display)
    travel = b.get("travel")
    travel_fee = None
    if travel is not None:
        tr = v.mapping(travel, {"fee"}, "billing", "travel", required={"fee"})
        travel_fee = v.decimal(tr["fee"], "billing", "travel", "fee")
    default_rate = str(b.get("default_rate", next(iter(rates), "")))
    if default_rate not in rates:
        raise v.fail(f"billing.default_rate: {default_rate!r} is not one of the rates ({', '.join(rates)})",
                     "billing", "default_rate")
    ah = v.mapping(b.get("after_hours", {}), {"multiplier"}, "billing", "after_hours")
    vat = b.get("vat")
    billing = Billing(
        currency=str(b.get("currency", "EUR")),
        increment=v.minutes(b.get("increment", "15m"), "billing", "increment", allow_zero=False),
        onsite_minimum=v.minutes(b.get("onsite_minimum", "60m"), "billing", "onsite_minimum"),
        default_rate=default_rate,
        rates=rates,
        after_hours_multiplier=v.decimal(ah.get("multiplier", "1.5"), "billing", "after_hours", "multiplier"),
        vat_percent=v.decimal(vat, "billing", "vat") if vat is not None else None,
        seller=_seller(v, b.get("seller")),
        rate_history=rate_history,
        travel_fee=travel_fee,
    )
    from tix.core.contracts import parse_contracts, parse_org_contract

    contracts = parse_contracts(v, raw.get("contracts"), rates, lambda r, ks: _parse_calendar(v, r, ks),
                                lambda r, ks: _parse_priorities(v, r, ks, axes), CATEGORIES)

    orgs: dict[str, Org] = {}
    for key, o in v.mapping(raw.get("orgs", {}), None, "orgs").items():
        o = v.mapping(o, {"name", "domains", "rate", "language", "email", "mail_trust", "hosts", "contract"}
                      | _buyer_keys(),
                      "orgs", key)
        rate = o.get("rate")
        if rate is not None and str(rate) not in rates:
            raise v.fail(f"orgs.{key}.rate: {rate!r} is not one of the rates ({', '.join(rates)})", "orgs", key, "rate")
        lang = str(o.get("language", "en"))
        if lang not in LANGUAGES:
            raise v.fail(f"orgs.{key}.language: {lang!r} is not one of {', '.join(LANGUAGES)}", "orgs", key, "language")
        trust = str(o.get("mail_trust", "ticket"))
        if trust not in MAIL_TRUST:
            raise v.fail(f"orgs.{key}.mail_trust: {trust!r} is not one of {', '.join(MAIL_TRUST)} (ticket: only "
                         f"the requester and the addresses on the ticket; domains: anyone at the organisation's "
                         f"domains)", "orgs", key, "mail_trust")
        orgs[str(key)] = Org(str(key), str(o.get("name", key)),
                             tuple(d.lower() for d in v.strings(o.get("domains"), "orgs", key, "domains")),
                             str(rate) if rate is not None else None, lang,
                             str(o["email"]) if o.get("email") else None, trust,
                             hosts=v.strings(o.get("hosts"), "orgs", key, "hosts"), buyer=_buyer(v, str(key), o),
                             contract=parse_org_contract(v, o.get("contract"), str(key), contracts))

    m = raw.get("mail", {})
    if isinstance(m, dict) and "smtp" in m:
        raise v.fail(f"mail.smtp: {LOCAL_SMTP}", "mail", "smtp")
    m = v.mapping(m, {"from", "max_attachment", "notify_limit"}, "mail")
    limit = v.mapping(m.get("notify_limit", {}), {"per_address", "per"}, "mail", "notify_limit")
    mail = Mail(str(m.get("from", "Servicedesk <support@example.com>")),
                _parse_size(v, m.get("max_attachment", "25MB"), "mail", "max_attachment"),
                v.integer(limit.get("per_address", 10), "mail", "notify_limit", "per_address", lo=1, hi=100_000),
                v.minutes(limit.get("per", "1h"), "mail", "notify_limit", "per", allow_zero=False))

    g = v.mapping(raw.get("git", {}), {"autocommit"}, "git")
    autocommit = g.get("autocommit", False)
    if not isinstance(autocommit, bool):
        raise v.fail(f"git.autocommit: {autocommit!r} is not true or false", "git", "autocommit")

    d = v.mapping(raw.get("defaults", {}), {"impact", "urgency", "team", "language"}, "defaults")
    d_imp = d.get("impact", min(axes["impact"]))
    d_urg = d.get("urgency", min(axes["urgency"]))
    if d_imp not in axes["impact"]:
        raise v.fail(f"defaults.impact: {d_imp!r} is not in the matrix ({', '.join(map(str, axes['impact']))})",
                     "defaults", "impact")
    if d_urg not in axes["urgency"]:
        raise v.fail(f"defaults.urgency: {d_urg!r} is not in the matrix ({', '.join(map(str, axes['urgency']))})",
                     "defaults", "urgency")
    d_team = d.get("team")
    if d_team is not None and str(d_team) not in teams:
        raise v.fail(f"defaults.team: {d_team!r} is not a team ({', '.join(teams)})", "defaults", "team")
    d_lang = str(d.get("language", "en"))
    if d_lang not in LANGUAGES:
        raise v.fail(f"defaults.language: {d_lang!r} is not one of {', '.join(LANGUAGES)}", "defaults", "language")

    ch = v.mapping(raw.get("changes", {}), {"approvers"}, "changes")
    approvers = v.strings(ch.get("approvers", []), "changes", "approvers")
    for t in approvers:
        if t not in teams:
            raise v.fail(f"changes.approvers: {t!r} is not a team ({', '.join(teams)})", "changes", "approvers")

    # alerts and recurring work
    from tix.core.alerts import parse_rules
    from tix.core.recurrence import parse_recurring

    alert_rules = parse_rules(v, raw.get("alerts"), teams, orgs, axes)
    recurring = parse_recurring(v, raw.get("recurring"), teams, orgs, axes)

    return Policy(path=path, text=text, timezone=tzname, tz=tz, calendar_spec=spec, impact=axes["impact"],
                  urgency=axes["urgency"], priorities=tuple(rules), paused_statuses=frozenset(paused),
                  warn_percent=warn_percent, warn_lead=warn_lead, teams=teams, billing=billing, orgs=orgs,
                  mail=mail, autocommit=autocommit, default_impact=d_imp, default_urgency=d_urg,
                  default_team=str(d_team) if d_team else None, default_language=d_lang, approvers=approvers,
                  alerts=alert_rules, recurring=recurring, contracts=contracts)


# ---------------------------------------------------------------- seller, buyer and VAT (tix.core.vat)

def _buyer_keys() -> set[str]:
    from tix.core.vat import BUYER_KEYS

    return BUYER_KEYS


def _seller(v: _V, raw: Any) -> Seller | None:
    from tix.core.vat import parse_seller

    try:
        return parse_seller(raw, v.path)
    except PolicyError as err:
        raise v.fail(err.message, "billing", "seller") from None


def _buyer(v: _V, key: str, raw: dict[str, Any]) -> Buyer | None:
    from tix.core.vat import parse_buyer

    try:
        return parse_buyer(key, raw, v.path)
    except PolicyError as err:
        raise v.fail(err.message, "orgs", key) from None


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", path=str(path)) from None
    except OSError as err:
        raise PolicyError(f"cannot read: {err.strerror}", path=str(path)) from None
    return parse_policy(text, str(path))
