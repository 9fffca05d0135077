"""Customer contracts and dated values (SPEC section 4, "Contracts and dated
values"; docs/billing.md and docs/sla.md have worked examples).

A contract gives an organisation its own service hours, its own priority
targets and a billing model (hourly, fixed monthly fee with included hours,
prepaid blocks of hours), and optionally a travel fee per on-site visit. A
rate, an organisation's contract and a contract's terms may be dated lists:
the entry in force at an instant is the last whose `from` (00:00 in the
policy's timezone) is not after it.

The past stays stable in two ways:
* a ticket records the terms it was opened (or re-rated) under -- contract,
  priority, targets and service hours -- on its `opened` / `set` event
  (`terms_for`), and the SLA clocks read them from there (`sla_terms`), so a
  later edit of the policy never moves a ticket's due times;
* an invoiced entry keeps the price it was invoiced at (the ledger's record;
  the reports read it from there).

Pure: the policy and the instants are arguments."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from tix.core.calendar import BusinessCalendar, WallClock
    from tix.core.policy import CalendarSpec, Policy, PriorityRule
    from tix.core.priority import Rating
    from tix.core.ticket import Ticket

MODELS = ("hourly", "fixed", "prepaid")

# A dated list: ((from, value), ...) sorted by from; from None = in force at all times.
Dated = tuple[tuple["date | None", Any], ...]


@dataclass(frozen=True)
class ContractBilling:
    model: str = "hourly"
    rate: str | None = None          # the contract's rate (hourly work, overage)
    fee: Decimal | None = None       # fixed: per month
    included: int = 0                # fixed: minutes included per month
    include_rates: tuple[str, ...] = ()       # fixed: only these rates count against the included hours
    include_categories: tuple[str, ...] = ()  # fixed: only these ticket categories
    overage_rate: str | None = None  # fixed/prepaid: the rate of billed time beyond included/balance
    warn_below: int | None = None    # prepaid: minutes; tell the contact once below this
    expires_after: int | None = None  # prepaid: months a block lasts
    rollover: bool = False           # prepaid: an expiring block's unused hours move to the next block
    travel_fee: Decimal | None = None  # per on-site visit (overrides billing.travel)


@dataclass(frozen=True)
class Terms:
    calendar: CalendarSpec | None    # None: the desk's calendar
    always: bool                     # calendar: 24x7
    priorities: tuple[PriorityRule, ...] | None  # None: the desk's priorities
    billing: ContractBilling


@dataclass(frozen=True)
class Contract:
    name: str
    versions: tuple[tuple[date | None, Terms], ...]


# ---------------------------------------------------------------- dated values

def start_of(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=tz)


def in_force(entries: Dated, at: datetime, tz: ZoneInfo) -> Any:
    """The value in force at `at`: the last entry whose `from` is not after it
    (None when `at` lies before the first `from`)."""
    found = None
    for frm, value in entries:
        if frm is None or start_of(frm, tz) <= at:
            found = value
        else:
            break
    return found


def is_dated(raw: Any) -> bool:
    return isinstance(raw, list) and bool(raw) and all(isinstance(x, dict) and "from" in x for x in raw)


def parse_dated(v: Any, raw: Any, keys: tuple[Any, ...], parse_one: Any, value_key: str | None) -> Dated:
    """A value, or a dated list [{from: DATE, <value_key>: VALUE} | {from: DATE, ...terms}, ...]."""
    where = ".".join(map(str, keys))
    if not isinstance(raw, list):
        return ((None, parse_one(raw, keys)),)
    if not raw:
        raise v.fail(f"{where}: an empty list; give a value or [{{from: 2027-01-01, ...}}, ...]", *keys)
    out: list[tuple[date | None, Any]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "from" not in item:
            raise v.fail(f"{where}[{i}]: expected {{from: YYYY-MM-DD, ...}} (a dated list)", *keys, i)
        frm = _date(v, item["from"], (*keys, i, "from"))
        if value_key is not None:
            extra = set(map(str, item)) - {"from", value_key}
            if extra or value_key not in item:
                raise v.fail(f"{where}[{i}]: expected {{from: YYYY-MM-DD, {value_key}: ...}}", *keys, i)
            out.append((frm, parse_one(item[value_key], (*keys, i, value_key))))
        else:
            rest = {k: val for k, val in item.items() if k != "from"}
            out.append((frm, parse_one(rest, (*keys, i))))
    froms = [f for f, _ in out if f is not None]
    if froms != sorted(froms) or len(set(froms)) != len(froms):
        raise v.fail(f"{where}: the dated entries must be in order of `from`, each date once", *keys)
    return tuple(out)


def _date(v: Any, raw: Any, keys: tuple[Any, ...]) -> date:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw
    s = str(raw).strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        try:
            return date.fromisoformat(s)
        except ValueError:
            pass
    raise v.fail(f"{'.'.join(map(str, keys))}: {raw!r} is not a date like 2027-01-01", *keys)


# ---------------------------------------------------------------- parsing (called by policy.parse_policy)

_BILLING_KEYS = {"model", "rate", "fee", "included", "include_rates", "include_categories", "overage_rate",
                 "warn_below", "expires_after", "rollover", "travel"}
_TERM_KEYS = {"calendar", "priorities", "billing"}


def parse_contracts(v: Any, raw: Any, rates: dict[str, Any], parse_calendar: Any, parse_priorities: Any,
                    categories: tuple[str, ...]) -> dict[str, Contract]:
    """`contracts:` -> {name: Contract}. `parse_calendar(raw, keys)` and
    `parse_priorities(raw, keys)` are the policy's own parsers."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise v.fail("contracts: expected a mapping of contract names to their terms", "contracts")
    out: dict[str, Contract] = {}
    for name, body in raw.items():
        key = str(name)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", key):
            raise v.fail(f"contracts: {key!r} is not a name (letters, digits, - _ .)", "contracts", name)

        def one(b: Any, keys: tuple[Any, ...]) -> Terms:
            return _terms(v, b, keys, rates, parse_calendar, parse_priorities, categories)

        out[key] = Contract(key, parse_dated(v, body if body is not None else {}, ("contracts", name), one, None))
    return out


def _terms(v: Any, raw: Any, keys: tuple[Any, ...], rates: dict[str, Any], parse_calendar: Any,
           parse_priorities: Any, categories: tuple[str, ...]) -> Terms:
    body = v.mapping(raw, _TERM_KEYS, *keys)
    cal = body.get("calendar")
    always = cal == "24x7"
    spec = None
    if cal is not None and not always:
        if isinstance(cal, str):
            raise v.fail(f"{'.'.join(map(str, keys))}.calendar: {cal!r} is not 24x7 or {{hours: ..., holidays: "
                         f"...}}", *keys, "calendar")
        spec = parse_calendar(cal, (*keys, "calendar"))
    prios = parse_priorities(body["priorities"], (*keys, "priorities")) if "priorities" in body else None
    return Terms(spec, always, prios, _billing(v, body.get("billing"), (*keys, "billing"), rates, categories))


def _billing(v: Any, raw: Any, keys: tuple[Any, ...], rates: dict[str, Any],
             categories: tuple[str, ...]) -> ContractBilling:
    b = v.mapping(raw, _BILLING_KEYS, *keys)
    where = ".".join(map(str, keys))
    model = str(b.get("model", "hourly"))
    if model not in MODELS:
        raise v.fail(f"{where}.model: {model!r} is not one of {', '.join(MODELS)}", *keys, "model")

    def rate(name: str) -> str | None:
        r = b.get(name)
        if r is None:
            return None
        if str(r) not in rates:
            raise v.fail(f"{where}.{name}: {r!r} is not one of the rates ({', '.join(rates)})", *keys, name)
        return str(r)

    fee = v.decimal(b["fee"], *keys, "fee") if "fee" in b else None
    if model == "fixed" and fee is None:
        raise v.fail(f"{where}: a fixed contract needs a monthly fee (fee: \"450.00\")", *keys)
    included = v.minutes(b["included"], *keys, "included") if "included" in b else 0
    inc_rates = v.strings(b.get("include_rates"), *keys, "include_rates")
    for r in inc_rates:
        if r not in rates:
            raise v.fail(f"{where}.include_rates: {r!r} is not one of the rates ({', '.join(rates)})", *keys,
                         "include_rates")
    inc_cats = v.strings(b.get("include_categories"), *keys, "include_categories")
    for c in inc_cats:
        if c not in categories:
            raise v.fail(f"{where}.include_categories: {c!r} is not one of {', '.join(categories)}", *keys,
                         "include_categories")
    warn = v.minutes(b["warn_below"], *keys, "warn_below") if "warn_below" in b else None
    expires = None
    if "expires_after" in b:
        m = re.fullmatch(r"\s*([0-9]{1,3})\s*(?:m|months?)?\s*", str(b["expires_after"]))
        if not m or int(m.group(1)) == 0 or isinstance(b["expires_after"], bool):
            raise v.fail(f"{where}.expires_after: {b['expires_after']!r} is not a number of months like 12 or "
                         f"\"12 months\"", *keys, "expires_after")
        expires = int(m.group(1))
    rollover = b.get("rollover", False)
    if not isinstance(rollover, bool):
        raise v.fail(f"{where}.rollover: {rollover!r} is not true or false", *keys, "rollover")
    travel = b.get("travel")
    travel_fee = None
    if travel is not None:
        t = v.mapping(travel, {"fee"}, *keys, "travel", required={"fee"})
        travel_fee = v.decimal(t["fee"], *keys, "travel", "fee")
    for k, only in (("included", "fixed"), ("include_rates", "fixed"), ("include_categories", "fixed"),
                    ("warn_below", "prepaid"), ("expires_after", "prepaid"), ("rollover", "prepaid")):
        if k in b and model != only:
            raise v.fail(f"{where}.{k}: only for model {only} (this contract is {model})", *keys, k)
    if "fee" in b and model != "fixed":
        raise v.fail(f"{where}.fee: only for model fixed (this contract is {model})", *keys, "fee")
    return ContractBilling(model, rate("rate"), fee, included, inc_rates, inc_cats, rate("overage_rate"), warn,
                           expires, rollover, travel_fee)


def parse_org_contract(v: Any, raw: Any, org: str, contracts: dict[str, Contract]) -> Dated:
    def one(name: Any, keys: tuple[Any, ...]) -> str | None:
        if name is None or name == "":
            return None
        if str(name) not in contracts:
            known = ", ".join(contracts) or "none defined: add a contracts: section"
            raise v.fail(f"{'.'.join(map(str, keys))}: {name!r} is not a contract ({known})", *keys)
        return str(name)

    if raw is None:
        return ()
    return parse_dated(v, raw, ("orgs", org, "contract"), one, "name")


# ---------------------------------------------------------------- in force

def contract_at(policy: Policy, org: str | None, at: datetime) -> tuple[str | None, Terms | None]:
    """(contract name, its terms) of the organisation at `at`; (None, None) for
    the desk's own rules."""
    o = policy.orgs.get(org) if org else None
    if o is None or not o.contract:
        return None, None
    name = in_force(o.contract, at, policy.tz)
    if name is None:
        return None, None
    c = policy.contracts.get(name)
    if c is None:
        return None, None
    return name, in_force(c.versions, at, policy.tz)


def rate_price(policy: Policy, name: str, at: datetime) -> Decimal | None:
    """The price of rate `name` in force at `at` (None: not defined then)."""
    entries = policy.billing.rate_history.get(name)
    if entries is None:
        return None
    return in_force(entries, at, policy.tz)


def travel_fee(policy: Policy, terms: Terms | None) -> Decimal | None:
    if terms is not None and terms.billing.travel_fee is not None:
        return terms.billing.travel_fee
    return policy.billing.travel_fee


# ---------------------------------------------------------------- SLA terms recorded on the ticket

def _rule_dict(rule: PriorityRule, clock: str) -> dict[str, Any]:
    return {"priority": rule.name, "response": rule.response, "resolve": rule.resolve,
            "escalate": rule.escalate, "clock": clock}


def calendar_dict(spec: CalendarSpec) -> dict[str, Any]:
    from tix.core.policy import WEEKDAYS

    def hm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    return {"hours": {WEEKDAYS[d]: [f"{hm(a)}-{hm(b)}" for a, b in rs] for d, rs in sorted(spec.hours.items())},
            "holidays": sorted([f"{m:02d}-{d:02d}" for m, d in spec.yearly] + [d.isoformat() for d in spec.dates]),
            **({"country": spec.country} if spec.country else {})}


def terms_for(policy: Policy, org: str | None, impact: int, urgency: int, at: datetime,
              contract: str | bool | None = False) -> dict[str, Any]:
    """The terms a ticket records when opened or re-rated at `at`: the
    contract (that of `org` at `at`, or `contract` if given: a re-rating keeps
    the contract the ticket was opened under), the priority for the score, its
    targets and clock, and the service hours."""
    from tix.core.priority import rate

    if contract is False:
        name, terms = contract_at(policy, org, at)
    else:
        name = contract if isinstance(contract, str) else None
        c = policy.contracts.get(name) if name else None
        terms = in_force(c.versions, at, policy.tz) if c else None
        if c is None:
            name = None
    prios = terms.priorities if terms is not None and terms.priorities is not None else policy.priorities
    try:
        rule = rate(_with_priorities(policy, prios), impact, urgency).rule
    except Exception:  # a factor from an older policy: the lowest priority
        rule = prios[-1]
    clock = rule.clock
    if terms is not None and terms.always:
        clock = "24x7"
    out: dict[str, Any] = {}
    if name:
        out["contract"] = name
    out.update(_rule_dict(rule, clock))
    if clock != "24x7":
        spec = terms.calendar if terms is not None and terms.calendar is not None else policy.calendar_spec
        out["hours"] = calendar_dict(spec)
    return out


def _with_priorities(policy: Policy, prios: tuple[PriorityRule, ...]) -> Policy:
    if prios is policy.priorities:
        return policy
    from dataclasses import replace

    return replace(policy, priorities=prios)


def stamp_new(policy: Policy, header: dict[str, Any], evs: list[dict[str, Any]]) -> None:
    """Record the terms on a new ticket's `opened` event (in place), unless it
    has them already or is not an SLA ticket."""
    for ev in evs:
        if ev.get("type") == "opened" and "terms" not in ev:
            from tix.core.dates import parse_stamp

            at = parse_stamp(ev["at"]).astimezone(policy.tz)
            ev["terms"] = terms_for(policy, header.get("org"), int(header.get("impact") or policy.default_impact),
                                    int(header.get("urgency") or policy.default_urgency), at)
            return


def stamp_rerate(policy: Policy, ticket: Ticket, ev: dict[str, Any]) -> None:
    """Record the new terms on a `set` event that changes impact or urgency:
    today's rules of the contract the ticket was opened under."""
    fields = ev.get("fields") or {}
    if "impact" not in fields and "urgency" not in fields and "org" not in fields:
        return
    from tix.core.dates import parse_stamp

    at = parse_stamp(ev["at"]).astimezone(policy.tz)
    impact = int(fields.get("impact", ticket.fields.get("impact", policy.default_impact)))
    urgency = int(fields.get("urgency", ticket.fields.get("urgency", policy.default_urgency)))
    org = fields.get("org", ticket.org)
    contract: str | bool | None = False
    if "org" in fields and fields["org"] != ticket.org:  # another customer: its contract when the ticket was opened
        contract = contract_at(policy, org, ticket.created.astimezone(policy.tz))[0]
    elif ticket.terms:
        contract = ticket.terms[0][1].get("contract") if isinstance(ticket.terms[0][1], dict) else None
    elif ticket.org:
        contract = contract_at(policy, ticket.org, ticket.created.astimezone(policy.tz))[0]
    ev["terms"] = terms_for(policy, org, impact, urgency, at, contract=contract)


# ---------------------------------------------------------------- reading them back

_cache: dict[str, Any] = {}


def _recorded(policy: Policy, terms: dict[str, Any]) -> tuple[PriorityRule, BusinessCalendar | WallClock] | None:
    """A recorded terms dict -> (rule, clock); None if it is not well formed
    (a hand-edited file: the policy's rules apply then, fsck says so)."""
    from tix.core.policy import PriorityRule

    try:
        clock = terms["clock"]
        if clock not in ("business", "24x7"):
            return None
        vals = [terms[k] for k in ("response", "resolve", "escalate")]
        if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 10_000_000 for x in vals):
            return None
        rule = PriorityRule(str(terms["priority"]), 0, vals[0], vals[1], vals[2], clock)
    except (KeyError, TypeError):
        return None
    if clock == "24x7":
        from tix.core.calendar import WallClock

        return rule, WallClock(policy.tz)
    hours = terms.get("hours")
    if not isinstance(hours, dict):
        return None
    key = policy.timezone + json.dumps(hours, sort_keys=True)
    cal = _cache.get(key)
    if cal is None:
        cal = _calendar_from(policy, hours)
        if cal is None:
            return None
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = cal
    return rule, cal


def _calendar_from(policy: Policy, hours: dict[str, Any]) -> BusinessCalendar | None:
    from tix.core.calendar import BusinessCalendar
    from tix.core.policy import _V, _parse_holidays, _parse_hours

    v = _V("(ticket terms)", "")
    try:
        spec_hours = _parse_hours(v, hours.get("hours"))
        yearly, dates = _parse_holidays(v, hours.get("holidays"))
        country = hours.get("country")
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?",
                                                                                   country)):
            return None
        if spec_hours == policy.calendar_spec.hours and yearly == policy.calendar_spec.yearly and \
                dates == policy.calendar_spec.dates and country == policy.calendar_spec.country:
            return policy.calendar()
        return BusinessCalendar(policy.tz, spec_hours, yearly, dates, country,
                                holidays=policy.holidays if country == policy.calendar_spec.country else None)
    except (PolicyError, ValueError, TypeError, AttributeError):
        return None


def sla_terms(policy: Policy, ticket: Ticket, impact: int, urgency: int, at: datetime | None = None
              ) -> tuple[Rating, BusinessCalendar | WallClock, str | None]:
    """The rating, clock and contract of the ticket's current rating: the
    terms recorded on the ticket when it has them, else those of the
    organisation's contract in force when it was opened (else the desk's)."""
    from tix.core.priority import Rating, rate

    rec = ticket.terms[-1][1] if ticket.terms else None
    if rec is not None and ticket.ratings and ticket.terms[-1][0] < ticket.ratings[-1][0]:
        # re-rated without recording terms (an older tix): the opening contract, today's rules
        c = rec.get("contract") if isinstance(rec, dict) else None
        rec = None
        if isinstance(c, str) and c in policy.contracts:
            terms_now = terms_for(policy, ticket.org, impact, urgency, ticket.ratings[-1][0], contract=c)
            rec = terms_now
    if isinstance(rec, dict):
        got = _recorded(policy, rec)
        if got is not None:
            rule, clock = got
            c = rec.get("contract")
            return Rating(impact, urgency, impact * urgency, rule), clock, c if isinstance(c, str) else None
    name, terms = contract_at(policy, ticket.org, ticket.created)
    prios = terms.priorities if terms is not None and terms.priorities is not None else policy.priorities
    try:
        r = rate(_with_priorities(policy, prios), impact, urgency)
    except Exception:
        rule = prios[-1]
        r = Rating(impact, urgency, impact * urgency, rule)
    if (terms is not None and terms.always) or r.rule.clock == "24x7":
        from dataclasses import replace

        from tix.core.calendar import WallClock

        return Rating(r.impact, r.urgency, r.score, replace(r.rule, clock="24x7")), WallClock(policy.tz), name
    if terms is not None and terms.calendar is not None:
        key = f"contract:{policy.timezone}:{json.dumps(calendar_dict(terms.calendar), sort_keys=True)}"
        cal = _cache.get(key)
        if cal is None:
            from tix.core.calendar import BusinessCalendar

            s = terms.calendar
            cal = _cache[key] = BusinessCalendar(policy.tz, s.hours, s.yearly, s.dates, s.country,
                                                 holidays=policy.holidays if s.country == policy.calendar_spec.country
                                                 else None)
        return r, cal, name
    return r, policy.calendar(), name


def ticket_contract(policy: Policy, ticket: Ticket) -> str | None:
    """The contract the ticket runs under (recorded, else the org's at creation)."""
    if ticket.terms and isinstance(ticket.terms[-1][1], dict):
        c = ticket.terms[-1][1].get("contract")
        return c if isinstance(c, str) else None
    return contract_at(policy, ticket.org, ticket.created)[0]


def past_text(policy: Policy, now: datetime) -> str:
    """The policy as far as anything up to `now` can see it: its text with
    every dated entry whose `from` lies after today left out, canonical. A
    change that only adds a future-dated value leaves it unchanged, so the
    derived values of the past (the index's folds) stay valid."""
    from tix.core import yamlio

    today = now.astimezone(policy.tz).date()
    try:
        raw = yamlio.load(policy.text)
    except yamlio.YamlProblem:
        return policy.text

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): walk(v) for k, v in x.items()}
        if isinstance(x, list):
            if is_dated(x):
                kept = []
                for item in x:
                    frm = item.get("from")
                    d = frm if isinstance(frm, date) and not isinstance(frm, datetime) else None
                    if d is None:
                        try:
                            d = date.fromisoformat(str(frm)[:10])
                        except ValueError:
                            d = None
                    if d is None or d <= today:
                        kept.append(walk(item))
                return kept
            return [walk(v) for v in x]
        return x

    return json.dumps(walk(raw), sort_keys=True, default=str)


def terms_problem(terms: Any) -> str | None:
    """What is wrong with a recorded terms dict (a hand-edited file), or None."""
    if not isinstance(terms, dict):
        return "not a mapping"
    if terms.get("clock") not in ("business", "24x7"):
        return f"clock {terms.get('clock')!r} is not business or 24x7"
    for k in ("response", "resolve", "escalate"):
        v = terms.get(k)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10_000_000:
            return f"{k} {v!r} is not a whole number of minutes"
    if not isinstance(terms.get("priority"), str):
        return "priority is missing"
    if terms["clock"] == "business":
        from tix.core.policy import _V, _parse_holidays, _parse_hours

        hours = terms.get("hours")
        if not isinstance(hours, dict):
            return "hours are missing for a business-hours clock"
        try:
            _parse_hours(_V("(terms)", ""), hours.get("hours"))
            _parse_holidays(_V("(terms)", ""), hours.get("holidays"))
        except PolicyError as err:
            return err.message
    return None
