"""The engine behind the demo desk (scripts/make_demo.py) and the benchmark
desk (bench/generate.py): it turns the vocabulary of `demo_vocab` into ticket
stories -- intake, triage, escalation to the next support line, waiting for
the customer, on-site visits, splits, reopenings, problems and the changes
that fix them -- and writes them through tix's own writer (`Store.create`,
`Store.append`, `events.make`), so the files are exactly what technicians
typing `tix` commands would have produced.

Deterministic: everything random comes from one seeded `random.Random`, and
event ids come from `tix.core.ids.SeededIds` handed to `events.make` (ULIDs
whose time part is the event's own `at` and whose random part comes from a
second seeded RNG). Same seed, byte-identical files.

Generation only: `generation_mode(fsync=False)` turns `os.fsync` into a
no-op inside the generating process. A crash mid-run leaves a half-written
desk that one simply generates again; a technician's desk is never written
this way."""

from __future__ import annotations

import heapq
import json
import os
import random
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import demo_vocab as V

from tix.core import events as tix_events
from tix.core.dates import stamp
from tix.core.ids import SeededIds
from tix.core.policy import Policy, parse_policy
from tix.core.priority import rate
from tix.storage.store import Store

TZ = ZoneInfo("Europe/Amsterdam")
UTC = UTC
TEAM_OF = {m: team for team, (_line, members, _mail) in V.TEAMS.items() for m in members}
SERVICEDESK = V.TEAMS["servicedesk"][1]


# ------------------------------------------------------------------ the policy

# Invoicing details of the customers: country, VAT number, address, their
# purchase order or reference, and what they want by mail. VAT follows from
# the countries: the three Dutch customers pay 21 % (a dental practice's own
# care is VAT-exempt, but the IT support it buys is not), Fabrikam (DE) and
# Dvořák (CZ) are reverse-charged, Fjordlys (NO) and Northwind (UK, outside the
# EU since 2021) are outside the scope of Dutch VAT. De Linde has no VAT number:
# Peppol reaches it by its chamber-of-commerce (KVK) number, scheme 0106.
BUYERS = {
    "contoso": "country: NL, vat_id: NL810433941B01, address: [Stationsplein 12, 3511 ED Utrecht], reference: PO-2026-118",
    "fabrikam": "country: DE, vat_id: DE136695976, address: [Industriestr. 5, 70565 Stuttgart], reference: PO-4711, "
                "peppol: \"9930:de136695976\", ubl: true",
    "dvorak": "country: CZ, vat_id: CZ25123891, address: [Náměstí 1, 692 01 Mikulov]",
    "fjordlys": "country: \"NO\", vat_id: NO974760673MVA, address: [Strandkaien 4, 5013 Bergen]",
    "delinde": "country: NL, address: [Lindelaan 8, 2612 AB Delft], peppol: \"0106:27312345\"",
    "meulen": "country: NL, vat_id: NL853746333B01, address: [Dorpsstraat 21, 2871 AA Schoonhoven], ubl: true",
    "northwind": "country: GB, vat_id: GB980780684, address: [14 Wharf Road, London N1 7GR], reference: NWT-IT-2026",
}

def policy_text(generator: str, seed: int) -> str:
    """policies.yaml of the shop: seed 001's matrix and priorities (SPEC section 4)."""
    teams = "\n".join(
        f"  {name}: {{line: {line}, members: [{', '.join(members)}], email: {mail}}}"
        for name, (line, members, mail) in V.TEAMS.items())
    orgs = "\n".join(
        f"  {c.key}: {{name: {json.dumps(c.name, ensure_ascii=False)}, domains: [{c.domain}], rate: {c.rate}, "
        f"language: {c.language}, email: {email_of(c.manager, c.domain)},\n"
        f"    {BUYERS[c.key]}}}"
        for c in V.CUSTOMERS)
    return f"""\
# tix policy of {V.SHOP_NAME}, a small managed service provider in Rotterdam
# (the shop of seed 000, with seed 001's priority table).
# Written by {generator} --seed {seed}: change the generator, not this file.

timezone: Europe/Amsterdam      # SLA clocks and months are in this zone

calendar:
  hours:
    mon: ["08:00-17:30"]
    tue: ["08:00-17:30"]
    wed: ["08:00-17:30"]
    thu: ["08:00-17:30"]
    fri: ["08:00-12:00", "12:30-17:00"]   # Friday: lunch together, home a little earlier
  # Christmas Eve and New Year's Eve closed every year; 18 Sep 2026: company outing.
  holidays: ["12-24", "12-31", "2026-09-18"]
  country: NL                   # Dutch public holidays too

# Priority = impact x urgency (seed 001).
matrix:
  impact:  {{1: one or two workstations, 2: whole department, 4: several departments or a whole site, 8: several sites}}
  urgency: {{1: can wait several days, 2: until tomorrow (about 8 h), 4: until later today (about 4 h), 8: cannot wait}}

# The first entry whose min_score <= score applies; business time unless clock: 24x7.
priorities:
  - {{name: urgent, min_score: 64, response: 0m, resolve: 1h, escalate: 30m, clock: 24x7}}
  - {{name: high, min_score: 16, response: 2h, resolve: 4h, escalate: 3h}}
  - {{name: normal, min_score: 2, response: 8h, resolve: 12h, escalate: 10h}}
  - {{name: low, min_score: 1, response: 16h, resolve: 24h, escalate: 20h}}

paused_statuses: [waiting]        # waiting for the customer stops the clocks
warn: {{percent: 80, lead: 30m}}    # at-risk: 80% of a target used, or 30 min left

defaults: {{impact: 1, urgency: 2, team: servicedesk, language: nl}}

# Support lines (seed 001): the servicedesk is the 1st line; the specialist
# teams of seed 000 the 2nd; security the 3rd. Escalation goes to the first
# team listed on the next line.
teams:
{teams}

changes: {{approvers: [servicedesk]}}   # the incident manager (sanne) approves normal changes

billing:
  currency: EUR
  increment: 15m                  # seed 001: time is registered in units of 15 minutes
  onsite_minimum: 60m             # seed 001: an on-site visit counts at least 60 minutes
  default_rate: PROGP85           # seed 003's rate category
  rates: {{PROGP85: "85.00", ONSITE: "95.00", REMOTE: "75.00"}}
  after_hours: {{multiplier: "1.5"}}
  vat: "21"                       # the standard rate; orgs abroad follow from their country
  seller: {{name: {V.SHOP_NAME}, address: [Wijnhaven 3, 3011 WG Rotterdam], country: NL,
           vat_id: NL004495445B01, coc: "24512345", iban: NL91ABNA0417164300, bic: ABNANL2A,
           payment_days: 14, email: billing@{V.SHOP_DOMAIN}}}

orgs:
{orgs}

mail:
  from: "Servicedesk {V.SHOP_NAME.removesuffix(' B.V.')} <support@{V.SHOP_DOMAIN}>"
  max_attachment: 25MB

git: {{autocommit: false}}
"""


def load_policy_text(text: str) -> Policy:
    return parse_policy(text, "policies.yaml")


# ------------------------------------------------------------------ people

_ASCII = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ı": "i", "ł": "l", "'": ""})
_LOCAL = {  # how people of these countries spell their names in mail addresses
    "de": str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"}),
    "no": str.maketrans({"å": "aa", "ø": "o", "æ": "ae"}),
}


def email_of(name: str, domain: str) -> str:
    """'Jürgen Müller' -> 'juergen.mueller@fabrikam.de'; 'Jiří Dvořák' -> 'jiri.dvorak@...'."""
    lang = {"de": "de", "no": "no"}.get(domain.rsplit(".", 1)[-1], "")
    low = name.lower().translate(_LOCAL.get(lang, {})).translate(_ASCII)
    plain = unicodedata.normalize("NFKD", low).encode("ascii", "ignore").decode()
    return ".".join(plain.split()) + "@" + domain


def phone_of(cust: V.Customer, name: str) -> str:
    n = sum(map(ord, name)) * 7919 % 10_000_000
    digits = f"{n:07d}"
    return f"{cust.phone}{digits[:2]} {digits[2:5]} {digits[5:]}"


def requester_of(cust: V.Customer, person: V.Person, with_phone: bool) -> dict[str, str]:
    r = {"name": person.name, "email": email_of(person.name, cust.domain)}
    if with_phone:
        r["phone"] = phone_of(cust, person.name)
    return r


# ------------------------------------------------------------------ event ids

class Ids(SeededIds):
    """tix's seeded event ids (time part: the event's `at`; 80 bits from a
    seeded RNG), plus the clone ids of claim files drawn from the same stream."""

    def clone_id(self) -> str:
        """A claim file's clone id (Store.claim_prefix: the last 10 chars of a ULID, lower case)."""
        return self(datetime.fromtimestamp(0, UTC))[-10:].lower()

    def make(self, etype: str, by: str, at: datetime, **fields: Any) -> dict[str, Any]:
        return tix_events.make(self, etype, by, at, **fields)


@contextmanager
def generation_mode(fsync: bool = False) -> Iterator[None]:
    """Inside: os.fsync is a no-op unless `fsync`. For generators only (see the module docstring)."""
    saved_fsync = os.fsync
    if not fsync:
        os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        yield
    finally:
        os.fsync = saved_fsync


class GenerationStore(Store):
    """Store for bulk generation into a fresh desk with one writer per prefix:
    the next ticket number comes from a counter (seeded once from the disk)
    instead of listing the prefix's last shard on every create, which costs
    O(files in the shard). Everything else is Store's own code path."""

    def __init__(self, root: Any):
        super().__init__(root)
        self._counters: dict[str, int] = {}

    def _next_number(self, prefix: str) -> int:
        n = self._counters.get(prefix) or super()._next_number(prefix)
        self._counters[prefix] = n + 1
        return n


def write_claims(store: Store, ids: Ids, clones: dict[str, str]) -> None:
    """tickets/<P>/.claim-<clone id>, as Store.claim_prefix writes them."""
    for prefix, owner in clones.items():
        pdir = store.tickets_dir / prefix
        pdir.mkdir(parents=True, exist_ok=True)
        cid = ids.clone_id()
        (pdir / f".claim-{cid}").write_text(f"clone {cid} of {owner}\n", encoding="utf-8")


# ------------------------------------------------------------------ plans

@dataclass(eq=False)
class Raw:
    """An event before it has an id: `fields` may hold Plans (ticket IDs not known yet)."""

    at: datetime
    by: str
    type: str
    fields: dict[str, Any]
    written: datetime  # when it was recorded: `at`, or later for work logged late


@dataclass(eq=False)
class Plan:
    """One ticket to write: header, events, and where it comes from."""

    created: datetime
    creator: str
    prefix: str
    header: dict[str, Any]
    lang: str
    org: str | None = None
    scenario: str = ""
    slots: dict[str, str] = field(default_factory=dict)
    events: list[Raw] = field(default_factory=list)
    tid: str | None = None
    seq: int = 0
    pending: list[list[Raw]] = field(default_factory=list)
    cutoff: datetime | None = None

    def add(self, at: datetime, by: str, etype: str, written: datetime | None = None, **fields: Any) -> Raw | None:
        """Record an event; events recorded after the cutoff (the story's future) are dropped."""
        w = written or at
        if self.cutoff is not None and w > self.cutoff:
            return None
        r = Raw(at, by, etype, {k: v for k, v in fields.items() if v is not None}, w)
        self.events.append(r)
        return r

    def has(self, etype: str) -> bool:
        return any(e.type == etype for e in self.events)

    def last_at(self) -> datetime:
        return max(e.written for e in self.events)


class Writer:
    """Writes plans through Store.create/append in creation order. A plan's
    later events wait until every ticket they link to has its ID."""

    def __init__(self, store: Store, ids: Ids, one_append: bool = False):
        self.store, self.ids, self.one_append = store, ids, one_append
        self.waiters: dict[Plan, list[Plan]] = {}
        self.tickets = 0
        self.events = 0

    def create(self, plan: Plan) -> str:
        if not plan.events or plan.events[0].type != "opened":
            raise ValueError(f"plan {plan.header.get('title')!r} ({plan.created}) does not start with `opened`")
        evs = sorted(plan.events, key=lambda e: e.written)
        first = [e for e in evs if e.written == evs[0].written]
        rest = evs[len(first):]
        tid = self.store.create(plan.header, [self._event(e) for e in first], user=plan.creator, prefix=plan.prefix)
        plan.tid = tid
        self.tickets += 1
        self.events += len(first)
        self._queue(plan, rest)
        for w in self.waiters.pop(plan, []):
            self._flush(w)
        return tid

    def extend(self, plan: Plan, raws: list[Raw]) -> None:
        """More events for a plan (links recorded later by another ticket's story)."""
        if plan.tid is None:
            plan.events.extend(raws)
        else:
            self._queue(plan, sorted(raws, key=lambda e: e.written))

    def _queue(self, plan: Plan, rest: list[Raw]) -> None:
        if not rest:
            return
        if self.one_append:
            plan.pending.append(rest)
        else:  # one append per command, as a technician's session records them
            group: list[Raw] = []
            for e in rest:
                if group and e.written != group[-1].written:
                    plan.pending.append(group)
                    group = []
                group.append(e)
            plan.pending.append(group)
        self._flush(plan)

    def _flush(self, plan: Plan) -> None:
        while plan.pending:
            group = plan.pending[0]
            for e in group:
                for v in e.fields.values():
                    if isinstance(v, Plan) and v.tid is None:
                        self.waiters.setdefault(v, []).append(plan)
                        return
            assert plan.tid is not None
            self.store.append(plan.tid, [self._event(e) for e in group])
            self.events += len(group)
            plan.pending.pop(0)

    def _event(self, e: Raw) -> dict[str, Any]:
        # Fields in the order tix's own commands pass them (the schema's order).
        order = list(tix_events.SCHEMA[e.type])
        fields = {k: (v.tid if isinstance(v, Plan) else v)
                  for k, v in sorted(e.fields.items(), key=lambda kv: order.index(kv[0]))}
        return self.ids.make(e.type, e.by, e.at, **fields)

    def unfinished(self) -> int:
        return sum(len(ws) for ws in self.waiters.values())


class Driver:
    """Feeds plans to the Writer in creation order (IDs count up with time)."""

    def __init__(self, writer: Writer):
        self.writer = writer
        self.heap: list[tuple[datetime, int, Plan]] = []
        self.seq = 0

    def push(self, plan: Plan) -> None:
        self.seq += 1
        plan.seq = self.seq
        heapq.heappush(self.heap, (plan.created.astimezone(UTC), self.seq, plan))

    def release(self, until: datetime | None = None) -> None:
        while self.heap and (until is None or self.heap[0][0] <= until.astimezone(UTC)):
            self.writer.create(heapq.heappop(self.heap)[2])


# ------------------------------------------------------------------ stories

def _tidy(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def pick_weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights)[0]


class Sim:
    """Turns scenarios into ticket stories. `cutoff`: nothing after it is
    recorded (the desk's "today"); tickets still running then stay open."""

    def __init__(self, policy: Policy, rng: random.Random, cutoff: datetime,
                 prefix_of: Callable[[str], str]):
        self.policy, self.rng, self.cutoff = policy, rng, cutoff
        self.cal = policy.calendar()
        self.prefix_of = prefix_of
        self.recent: dict[tuple[str, str], list[Plan]] = {}  # recurring incidents -> problems
        self.problem_since: dict[tuple[str, str], datetime] = {}

    # -------------------------------------------------------------- time
    def adv(self, t: datetime, minutes: float, wall: bool = False) -> datetime:
        """`minutes` of business time (or wall time) after t, inside service hours."""
        minutes = max(minutes, 1.0)
        if wall:
            return _tidy((t.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(TZ))
        r = _tidy(self.cal.add(t, minutes)).astimezone(TZ)
        if not self.cal.is_open(r):  # landed on the end of a range
            r = r - timedelta(minutes=1)
        return r

    def customer_time(self, t: datetime, lo_h: float, hi_h: float) -> datetime:
        """When a requester answers: some hours later, mostly in office hours."""
        r = t.astimezone(UTC) + timedelta(hours=self.rng.uniform(lo_h, hi_h))
        r = r.astimezone(TZ)
        if self.rng.random() < 0.85 and not (r.weekday() < 5 and 8 <= r.hour < 17):
            d = r.date() + timedelta(days=1) if r.hour >= 17 else r.date()
            while d.weekday() >= 5:
                d += timedelta(days=1)
            r = datetime.combine(d, time(8), TZ) + timedelta(minutes=self.rng.randint(5, 240))
        return _tidy(r + timedelta(seconds=self.rng.randint(0, 59)))

    def biz_minutes(self, a: datetime, b: datetime) -> float:
        return self.cal.minutes_between(a, b)

    # -------------------------------------------------------------- people
    def member(self, team: str, lang: str | None = None) -> str:
        members = V.TEAMS[team][1]
        if team == "connectivity" and lang == "cs" and self.rng.random() < 0.7:
            return "radek"  # he answers the Czech customers
        return self.rng.choice(members)

    def person(self, cust: V.Customer) -> V.Person:
        return self.rng.choice(cust.people)

    def slots(self, cust: V.Customer, person: V.Person, created: datetime) -> dict[str, str]:
        rng, lang = self.rng, cust.language
        ph = V.PHRASES[lang]
        return {
            "since": rng.choice(ph["since"]),
            "tried": rng.choice(ph["tried"]),
            "folder": rng.choice(ph["folder"]),
            "room": f"{rng.randint(0, 3)}.{rng.randint(1, 24):02d}",
            "asset": f"LT-{rng.randint(100, 480)}",
            "server": f"{cust.code}-{rng.choice(('FS01', 'SQL01', 'APP01', 'DC01', 'RDS01'))}",
            "site": rng.choice(cust.sites),
            "spsite": rng.choice(V.SITES_SHAREPOINT),
            "vendor": rng.choice(V.VENDORS),
            "month": V.MONTHS[lang][created.month - 1],
            "count": str(rng.choice((8, 10, 12, 15, 20, 25))),
            "newhire": rng.choice(cust.newhires),
            "dept": person.dept,
            "domain": cust.domain,
        }

    def fill(self, text: tuple[str, ...], slots: dict[str, str]) -> tuple[str, ...]:
        return tuple(s.format_map(slots) for s in text)

    def internal_note(self, cust: V.Customer | None, by: str) -> str:
        note = self.rng.choice(V.INTERNAL_NOTES)
        others = [m for m in TEAM_OF if m != by]
        return note.format(n=self.rng.randint(1, 9), colleague=self.rng.choice(others),
                           org=cust.name if cust else "intern")

    # -------------------------------------------------------------- plans
    def new_plan(self, created: datetime, creator: str, header: dict[str, Any], lang: str,
                 cust: V.Customer | None, scenario: str, slots: dict[str, str]) -> Plan:
        return Plan(created=created, creator=creator, prefix=self.prefix_of(creator), header=header, lang=lang,
                    org=cust.key if cust else None, scenario=scenario, slots=slots, cutoff=self.cutoff)

    def header(self, title: str, requester: dict[str, str] | None, cust: V.Customer | None, dept: str | None,
               channel: str, category: str, change_kind: str | None, impact: int, urgency: int, team: str,
               description: str, due: datetime | None = None, agreed_due: datetime | None = None,
               tags: tuple[str, ...] = (), estimate: int | None = None) -> dict[str, Any]:
        """The intake fields in the order `tix new` writes them."""
        return {"title": title, "requester": requester, "org": cust.key if cust else None, "dept": dept,
                "channel": channel, "category": category, "change_kind": change_kind, "impact": impact,
                "urgency": urgency, "team": team, "due": stamp(due) if due else None,
                "agreed_due": stamp(agreed_due) if agreed_due else None, "tags": sorted(tags) or None,
                "estimate": estimate, "description": description}

    # -------------------------------------------------------------- incidents and requests
    def service_ticket(self, created: datetime, cust: V.Customer, sc: V.Scenario, creator: str, *,
                       person: V.Person | None = None, channel: str | None = None,
                       rating: tuple[int, int] | None = None, max_extra: int = 99,
                       slots: dict[str, str] | None = None, resolve_factor: float | None = None,
                       response_minutes: float | None = None) -> list[Plan]:
        """One incident or request from intake to closure; returns it and any split-off children."""
        rng, lang = self.rng, cust.language
        ph = V.PHRASES[lang]
        person = person or self.person(cust)
        channel = channel or rng.choice(sc.channels)
        if rating is None:
            impact, urgency, _ = pick_weighted(rng, list(sc.ratings), [w for *_, w in sc.ratings])
        else:
            impact, urgency = rating
        slots = slots or self.slots(cust, person, created)
        title, desc, solution = self.fill(sc.text[lang], slots)
        rule = rate(self.policy, impact, urgency).rule
        urgent = rule.clock == "24x7"
        creator_team = TEAM_OF.get(creator)
        if sc.team == "servicedesk" or creator_team == sc.team:
            intake_team = sc.team
        elif channel in ("monitoring", "backup-check") or (sc.category == "request" and rng.random() < 0.5):
            intake_team = sc.team  # routed straight to the specialists at intake
        else:
            intake_team = "servicedesk"
        due = agreed = None
        if sc.category == "request" and rng.random() < 0.3:
            due = datetime.combine(self.adv(created, rng.randint(2, 6) * 540).date(), time(17), TZ)
            agreed = due if rng.random() < 0.5 else due + timedelta(days=rng.choice((1, 2, 3, 7)))
        estimate = None
        if sc.estimate and rng.random() < 0.7:
            estimate = rng.randrange(sc.estimate[0], sc.estimate[1] + 1, 15)
        header = self.header(title, requester_of(cust, person, channel in ("phone", "walk-in")), cust, person.dept,
                             channel, sc.category, None, impact, urgency, intake_team, desc, due, agreed,
                             sc.tags if rng.random() < 0.8 else (), estimate)
        p = self.new_plan(created, creator, header, lang, cust, sc.key, slots)
        out = [p]
        p.add(created, creator, "opened")

        # -- response: seed 001, "lock = owner"; on the phone the ticket is taken at once
        first = creator if creator_team == intake_team else self.member(intake_team, lang)
        if response_minutes is not None:
            t = self.adv(created, response_minutes, urgent)
        elif (urgent or channel in ("phone", "walk-in")) and first == creator:
            t = created  # logged and taken while the requester is on the line
        elif urgent:
            t = self.adv(created, rng.uniform(3, 15), wall=True)
        else:
            f = rng.uniform(0.03, 0.6) if rng.random() < 0.9 else rng.uniform(1.05, 1.5)
            t = self.adv(created, max(2.0, rule.response * f) + rng.random())
        p.add(t, first, "taken")
        if channel not in ("phone", "walk-in") and rng.random() < 0.6:
            t = self.adv(t, rng.uniform(1, 4), urgent)
            p.add(t, first, "commented", text=rng.choice(ph["ack"]))
        if rng.random() < 0.2:
            t = self.adv(t, rng.uniform(2, 10), urgent)
            p.add(t, first, "commented", text=rng.choice(V.TRIAGE_NOTES), internal=True)
        owner = first

        # -- resolve budget: most within the target, some not (breaches happen)
        target = rule.resolve
        f = rng.uniform(0.15, 0.9) if rng.random() < 0.8 else rng.uniform(1.05, 2.6)
        if resolve_factor is not None:
            f = resolve_factor
        used = (t - created).total_seconds() / 60 if urgent else self.biz_minutes(created, t)
        budget = max(30.0, target * f - used)

        # -- escalation to the next support line (seed 000: specialism, priority, lead time)
        team = intake_team
        if team != sc.team:
            manual = True
            if not urgent and V.TEAMS[sc.team][0] == 2 and rng.random() < 0.12:
                manual = False
                # Nobody moved it in time: `tix escalate --due` (cron, as the incident manager) did.
                due_esc = self.adv(created, rule.escalate)
                esc_at = self.adv(due_esc, rng.uniform(1, 5))
                to = next(n for n, (line, _m, _e) in V.TEAMS.items() if line == 2)
                p.add(esc_at, V.INCIDENT_MANAGER, "escalated", to_team=to, from_team=team, line=2, auto=True,
                      reason=f"escalate target {rule.escalate // 60}h reached at {due_esc:%Y-%m-%d %H:%M}")
                t = max(t, esc_at)
                if to != sc.team:
                    t = self.adv(t, rng.uniform(10, 60))
                    p.add(t, self.member(to, lang), "assigned", team=sc.team)
                budget = max(30.0, budget - (self.biz_minutes(created, t) - used))
            else:
                t = self.adv(t, rng.uniform(3, 30), urgent)
                line = V.TEAMS[sc.team][0]
                reason = rng.choice(V.ESCALATION_REASONS).format(team=sc.team)
                p.add(t, first, "escalated", to_team=sc.team, from_team=team, line=line, auto=False, reason=reason)
            team = sc.team
            owner = self.member(team, lang)
            if rng.random() < 0.5:
                t = self.adv(t, 1, urgent)
                p.add(t, first if manual else V.INCIDENT_MANAGER, "assigned", to=owner)
            t = self.adv(t, rng.uniform(5, 45) if not urgent else rng.uniform(2, 10), urgent)
            p.add(t, owner, "taken")

        # -- a 2nd-line ticket that turns out to touch security goes to the 3rd line
        if team in ("connectivity", "cloud") and rng.random() < 0.04:
            t = self.adv(t, rng.uniform(15, 90), urgent)
            p.add(t, owner, "escalated", to_team="security", from_team=team, line=3, auto=False,
                  reason="Mogelijk beveiligingsincident; security kijkt mee")
            p.add(t, owner, "commented", internal=True,
                  text="Verdachte aanmeldingen in de firewall-logs van dit segment; security ingeschakeld.")
            team, owner = "security", self.member("security")
            t = self.adv(t, rng.uniform(5, 30), urgent)
            p.add(t, owner, "taken")

        # -- the interior of the story
        steps: list[str] = []
        if rng.random() < 0.3:
            steps.append("triage-work")
        if not urgent and rng.random() < 0.22:
            steps.append("waiting")
        if sc.children and rng.random() < sc.split and max_extra > 0:
            steps.append("split")
        steps += ["work"] * rng.choice((1, 1, 1, 2, 2, 3))
        if rng.random() < 0.3:
            steps.insert(rng.randint(0, len(steps)), "update")
        if rng.random() < 0.22:
            steps.insert(rng.randint(0, len(steps)), "note")
        if rng.random() < sc.onsite:
            steps.append("onsite")
        if rng.random() < (0.35 if rule.name in ("urgent", "high") else 0.03):
            steps.append("after-hours")
        if budget > 1200 and rng.random() < 0.4:
            steps.insert(rng.randint(0, len(steps)), "chase")
        shares = [rng.uniform(0.5, 1.5) for _ in steps] + [rng.uniform(0.2, 0.6)]
        unit = budget / sum(shares)
        children: list[Plan] = []
        for step, share in zip(steps, shares):
            delta = unit * share
            if step == "waiting":
                t = self.adv(t, delta * 0.3, urgent)
                p.add(t, owner, "commented", text=rng.choice(ph["ask"]))
                p.add(t, owner, "status", status="waiting")
                back = self.customer_time(t, 1.5, 60)
                p.add(back, header["requester"]["email"], "commented", text=rng.choice(ph["reply"]), requester=True)
                t = self.adv(back, rng.uniform(5, 90))
                p.add(t, owner, "status", status="open")
                continue
            if step == "onsite":
                t = self.adv(t, delta * 0.2, urgent)
                p.add(t, owner, "commented", text=rng.choice(ph["onsite"]))
                visit = rng.choice((30, 45, 60, 75, 90, 120, 150, 180))
                start = self.adv(t, rng.uniform(30, 400))
                t = self.adv(start, visit)
                p.add(t, owner, "worked", minutes=visit + rng.randint(0, 9), note=rng.choice(ph["onsite_work"]),
                      rate="ONSITE", onsite=True)
                continue
            if step == "after-hours":
                local = t.astimezone(TZ)
                evening = datetime.combine(local.date(), time(rng.randint(18, 21), rng.choice((0, 15, 30, 45))), TZ)
                if evening <= local:
                    evening += timedelta(days=1)
                mins = rng.choice((30, 45, 60, 90, 120))
                at = _tidy(evening + timedelta(minutes=mins))
                p.add(at, owner, "worked", minutes=mins, note=rng.choice(ph["work"]),
                      after_hours=True if rng.random() < 0.5 else None)
                t = max(t, self.adv(at, 1))
                continue
            t = self.adv(t, delta, urgent)
            if step == "triage-work":
                p.add(t, first, "worked", minutes=rng.choice((10, 15, 15, 20)), note=rng.choice(ph["triage"]))
            elif step == "work":
                self.work(p, t, owner, ph, urgent)
            elif step == "update":
                p.add(t, owner, "commented", text=rng.choice(ph["update"]))
            elif step == "note":
                p.add(t, owner, "commented", text=self.internal_note(cust, owner), internal=True)
            elif step == "chase":
                p.add(self.customer_time(t, 0, 4), header["requester"]["email"], "commented",
                      text=rng.choice(ph["chase"]), requester=True)
            elif step == "split":
                children = self.split(p, t, sc, cust, lang, slots, max_extra)
        if children:  # seed 004: the coordinator sums up once every part is answered
            done = [e.at for c in children for e in c.events if e.type == "resolved"]
            if len(done) == len(children):
                t = max(t, self.adv(max(done), rng.uniform(10, 120)))
            else:
                return out + children  # a part is still open at the cutoff: so is the parent
        t = self.adv(t, unit * shares[-1], urgent)
        if not p.has("worked"):
            self.work(p, t, owner, ph, urgent)
            t = self.adv(t, 2, urgent)
        p.add(t, owner, "resolved", solution=solution)
        self.after_resolve(p, t, owner, cust, ph, solution)
        return out + children

    def work(self, p: Plan, t: datetime, owner: str, ph: dict[str, tuple[str, ...]], urgent: bool) -> None:
        rng = self.rng
        mins = rng.choice((15, 20, 25, 30, 40, 45, 60, 75, 90, 120))
        if rng.random() < 0.07:
            p.add(t, owner, "worked", minutes=mins, note=rng.choice(ph["nobill"]), no_bill=True)
            return
        written = None
        local = t.astimezone(TZ)
        nxt = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        if not urgent and rng.random() < 0.15 and (nxt - local.date()).days <= 7:
            # Logged late: recorded in the next month with --at (SPEC 5: the invoice flags it).
            written = self.adv(datetime.combine(nxt, time(8), TZ), rng.uniform(10, 180))
        notes = ph["work_req"] if p.header.get("category") == "request" else ph["work"]
        p.add(t, owner, "worked", written=written, minutes=mins, note=rng.choice(notes))

    def split(self, parent: Plan, t: datetime, sc: V.Scenario, cust: V.Customer, lang: str,
              slots: dict[str, str], max_extra: int) -> list[Plan]:
        """seed 004: split the case over several handlers, linked to the original."""
        rng = self.rng
        coordinator = parent.creator
        kids: list[Plan] = []
        if t > self.cutoff:
            return kids
        for child in sc.children[:max_extra]:
            title, desc, solution = self.fill(child.text[lang], slots)
            h = dict(parent.header)
            h.update(title=title, team=child.team, description=desc, due=None, agreed_due=None, estimate=None)
            c = self.new_plan(t, coordinator, h, lang, cust, sc.key + "/child", slots)
            who = self.member(child.team, lang)
            c.add(t, coordinator, "opened")
            c.add(t, coordinator, "linked", link="child-of", other=parent)
            c.add(t, coordinator, "assigned", to=who)
            parent.add(t, coordinator, "linked", link="parent-of", other=c)
            ct = self.adv(t, rng.uniform(20, 300))
            c.add(ct, who, "taken")
            ct = self.adv(ct, rng.uniform(60, 600))
            mins = rng.choice((30, 45, 60, 90))
            c.add(ct, who, "worked", minutes=mins, note=V.PHRASES[lang]["work"][1])
            ct = self.adv(ct, rng.uniform(5, 60))
            c.add(ct, who, "resolved", solution=solution)
            if rng.random() < 0.8:
                c.add(self.adv(ct, rng.uniform(540, 2700)), V.INCIDENT_MANAGER, "closed")
            kids.append(c)
        return kids

    def after_resolve(self, p: Plan, t: datetime, owner: str, cust: V.Customer,
                      ph: dict[str, tuple[str, ...]], solution: str) -> None:
        rng = self.rng
        email = p.header["requester"]["email"] if p.header.get("requester") else None
        if email and rng.random() < 0.3:
            p.add(self.customer_time(t, 0.2, 20), email, "commented", text=rng.choice(ph["thanks"]), requester=True)
        if email and rng.random() < 0.07:
            back = self.customer_time(t, 16, 70)
            why = rng.choice(ph["reopen"])
            p.add(back, email, "commented", text=why, requester=True)
            t = self.adv(back, rng.uniform(10, 120))
            p.add(t, owner, "reopened", reason=why)
            t = self.adv(t, rng.uniform(30, 400))
            self.work(p, t, owner, ph, False)
            t = self.adv(t, rng.uniform(5, 60))
            p.add(t, owner, "resolved", solution=solution + " " + ph["again"][0])
            score = rng.choice((2, 3, 3, 4))
        else:
            score = pick_weighted(rng, [5, 4, 3, 2, 1], [45, 30, 13, 7, 5])
        if email and rng.random() < 0.3:
            fb_at = self.adv(self.customer_time(t, 0.5, 48), 1)
            p.add(fb_at, owner, "feedback", score=score, text=rng.choice(ph[f"fb{score}"]))
        if rng.random() < 0.9:
            closer = V.INCIDENT_MANAGER if rng.random() < 0.6 else owner
            note = rng.choice(V.CLOSE_NOTES) if rng.random() < 0.3 else None
            p.add(self.adv(t, rng.uniform(3, 7) * 570), closer, "closed", note=note)

    # -------------------------------------------------------------- changes
    def change_ticket(self, created: datetime, cust: V.Customer, sc: V.Scenario | None, creator: str, *,
                      text: tuple[str, str, str] | None = None, kind: str | None = None,
                      team: str | None = None, rating: tuple[int, int] | None = None,
                      channel: str | None = None, person: V.Person | None = None,
                      window: tuple[datetime, datetime] | None = None, rollback: str | None = None,
                      slots: dict[str, str] | None = None, owner: str | None = None,
                      max_extra: int = 99) -> list[Plan]:
        """A change (seed 001, wijzigingsbeheer): standard ones just run; normal ones
        are assessed, approved by the incident manager, planned and done in a window;
        emergency ones are done at once and approved afterwards."""
        rng, lang = self.rng, cust.language
        ph = V.PHRASES[lang]
        if person is None:  # the customer's IT manager signs off maintenance; staff ask for the rest
            asks = sc is not None and sc.key in ("firewall", "move")
            person = self.person(cust) if asks else next(x for x in cust.people if x.name == cust.manager)
        slots = slots or self.slots(cust, person, created)
        if sc is not None:
            text = text or sc.text[lang]
            kind = kind or sc.change_kind
            team = team or sc.team
            rating = rating or pick_weighted(rng, [(i, u) for i, u, _ in sc.ratings], [w for *_, w in sc.ratings])
            channel = channel or rng.choice(sc.channels)
        assert text and kind and team and rating and channel
        title, desc, solution = self.fill(text, slots)
        est = rng.randrange(sc.estimate[0], sc.estimate[1] + 1, 15) if sc and sc.estimate else None
        header = self.header(title, requester_of(cust, person, False), cust, person.dept, channel, "change", kind,
                             rating[0], rating[1], team, desc, tags=sc.tags if sc else (), estimate=est)
        p = self.new_plan(created, creator, header, lang, cust, sc.key if sc else "change", slots)
        p.add(created, creator, "opened")
        owner = owner or (creator if TEAM_OF.get(creator) == team else self.member(team, lang))
        if kind == "emergency":
            t = self.adv(created, rng.uniform(2, 15), wall=True)
            p.add(t, owner, "taken")
            p.add(t, owner, "commented", internal=True,
                  text="Noodwijziging: actief misbruikt lek, wachten op het CAB kan niet. Achteraf laten goedkeuren.")
            start = datetime.combine(created.astimezone(TZ).date(), time(19, 30), TZ)
            if start < t:
                start = t + timedelta(minutes=30)
            mins = rng.choice((60, 75, 90, 120))
            end = _tidy(start + timedelta(minutes=mins))
            p.add(end, owner, "worked", minutes=mins, note=ph["work"][1], after_hours=True)
            p.add(end + timedelta(minutes=4), owner, "resolved", solution=solution)
            appr = self.adv(end, rng.uniform(10, 90))
            p.add(appr, V.INCIDENT_MANAGER, "approved", note="Achteraf goedgekeurd (noodwijziging, CAB op de hoogte).")
            p.add(self.adv(appr, rng.uniform(600, 2400)), V.INCIDENT_MANAGER, "closed")
            return [p]
        t = self.adv(created, rng.uniform(30, 480))
        kids: list[Plan] = []
        if kind == "normal":
            risk = rng.choice(("low", "medium", "medium", "high"))
            splits = bool(sc and sc.children and rng.random() < sc.split and max_extra > 0)
            if window is None:
                day = self.adv(t, rng.uniform(6, 9) * 570 if splits else rng.uniform(2, 7) * 570).date()
                start = datetime.combine(day, time(rng.choice((18, 19))), TZ)
                window = (start, start + timedelta(hours=rng.choice((2, 3))))
            fields: dict[str, Any] = {"risk": risk, "rollback": rollback or "Configuratieback-up terugzetten.",
                                      "window_start": stamp(window[0]), "window_end": stamp(window[1])}
            p.add(t, owner, "set", fields=fields)
            t = self.adv(t, rng.uniform(30, 600))
            p.add(t, V.INCIDENT_MANAGER, "approved", note=f"Akkoord: risico {risk}, terugvalplan aanwezig.")
            t = self.adv(t, rng.uniform(10, 240))
            p.add(t, owner, "taken")
            p.add(t, owner, "planned", start=stamp(window[0]), end=stamp(window[1]), agent=owner)
            if splits and sc is not None:  # the parts (network points, phones) done before the window
                kids = self.split(p, self.adv(t, rng.uniform(5, 60)), sc, cust, lang, slots, max_extra)
            prep = rng.choice((30, 45, 60))
            t = self.adv(t, rng.uniform(60, 600))
            if t < window[0]:
                p.add(t, owner, "worked", minutes=prep, note=ph["work"][5])
            mins = int((window[1] - window[0]).total_seconds() // 60) - rng.choice((0, 15, 30))
            onsite = rng.random() < 0.5
            p.add(window[1], owner, "worked", minutes=mins, note=ph["onsite_work"][0] if onsite else ph["work"][1],
                  rate="ONSITE" if onsite else None, onsite=onsite or None,
                  after_hours=True if not self.cal.is_open(window[0]) else None)
            t = window[1] + timedelta(minutes=rng.randint(3, 20))
        else:  # standard: pre-approved, just done (and planned, when it has a window)
            p.add(t, owner, "taken")
            if window is not None:
                p.add(t, owner, "planned", start=stamp(window[0]), end=stamp(window[1]), agent=owner)
                mins = int((window[1] - window[0]).total_seconds() // 60)
                t = window[1]
                p.add(t, owner, "worked", minutes=mins, note=ph["work"][1],
                      after_hours=True if not self.cal.is_open(window[0]) else None)
            else:
                t = self.adv(t, rng.uniform(30, 900))
                p.add(t, owner, "worked", minutes=rng.choice((15, 30, 45)), note=ph["work"][4])
            t = t + timedelta(minutes=rng.randint(2, 15))
        if any(not k.has("resolved") for k in kids):
            return [p, *kids]  # a part is still open at the cutoff
        p.add(t, owner, "resolved", solution=solution)
        p.add(self.adv(t, rng.uniform(2, 5) * 570), V.INCIDENT_MANAGER, "closed")
        return [p, *kids]

    # -------------------------------------------------------------- problems
    def note_incident(self, plan: Plan, sc: V.Scenario) -> tuple[str, list[Plan]] | None:
        """Remember a recurring incident; the third of a kind within 45 days for one
        customer (seed 001: "als dezelfde storingen vaak optreden") starts a problem."""
        if not sc.problem or plan.org is None:
            return None
        key = (plan.org, sc.key)
        seen = [x for x in self.recent.get(key, []) if (plan.created - x.created).days <= 45] + [plan]
        self.recent[key] = seen
        since = self.problem_since.get(key)
        if len(seen) >= 3 and (since is None or (plan.created - since).days > 120):
            self.problem_since[key] = plan.created
            self.recent[key] = []
            return sc.problem, seen
        return None

    def problem_ticket(self, kind: str, incidents: list[Plan], creator: str, writer_extend: Callable[..., None],
                       max_extra: int = 2) -> list[Plan]:
        """A problem for recurring incidents, linked to them (they are caused by it),
        with the change that fixes it (fixes/fixed-by)."""
        rng = self.rng
        pt = V.PROBLEMS[kind]
        first = incidents[0]
        cust = V.CUSTOMER[first.org or ""]
        lang = cust.language
        slots = dict(first.slots)
        created = self.adv(incidents[-1].created, rng.uniform(120, 900))
        if created > self.cutoff or max_extra < 1:
            return []
        title, desc, solution = self.fill(pt.title[lang], slots)
        owner = creator if TEAM_OF.get(creator) == pt.team else self.member(pt.team, lang)
        manager = next(x for x in cust.people if x.name == cust.manager)
        header = self.header(title, requester_of(cust, manager, False), cust, manager.dept, "other", "problem", None,
                             2, 2, pt.team, desc, tags=(kind, "problem"))
        p = self.new_plan(created, creator, header, lang, cust, "problem/" + kind, slots)
        p.add(created, creator, "opened")
        p.add(created, creator, "commented", internal=True,
              text=f"{len(incidents)} vergelijkbare incidenten in korte tijd bij {cust.name}; probleemonderzoek gestart.")
        for inc in incidents:
            p.add(created, creator, "linked", link="causes", other=inc)
            writer_extend(inc, [Raw(created, creator, "linked", {"link": "caused-by", "other": p}, created)])
        t = self.adv(created, rng.uniform(20, 240))
        p.add(t, owner, "taken")
        t = self.adv(t, rng.uniform(240, 1500))
        p.add(t, owner, "worked", minutes=rng.choice((60, 90, 120)), note=V.PHRASES[lang]["work"][3])
        cause, workaround = pt.cause[lang]
        p.add(t, owner, "set", fields={"root_cause": cause, "workaround": workaround, "known_error": True})
        out = [p]
        ct = self.adv(t, rng.uniform(30, 300))
        if max_extra >= 2 and ct <= self.cutoff:
            change = self.change_ticket(ct, cust, None, creator, text=self.fill(pt.change[lang], slots),
                                        kind="normal", team=pt.team, rating=(2, 2), channel="other",
                                        person=manager, rollback=pt.rollback[lang], slots=slots, owner=owner)[0]
            change.add(ct, creator, "linked", link="fixes", other=p)
            p.add(ct, creator, "linked", link="fixed-by", other=change)
            out.append(change)
            done = next((e.at for e in change.events if e.type == "resolved"), None)
            if done is None:
                return out
            t = self.adv(done, rng.uniform(5, 10) * 570)  # watch it for a week or two
        else:
            t = self.adv(t, rng.uniform(3, 10) * 570)
        p.add(t, owner, "set", fields={"standard_solution": True})
        p.add(t, owner, "resolved", solution=solution)
        p.add(self.adv(t, rng.uniform(1, 3) * 570), V.INCIDENT_MANAGER, "closed")
        return out

    # -------------------------------------------------------------- the coming week
    def plan_slot(self, p: Plan, next_week: date) -> None:
        """An open ticket gets a slot in its owner's calendar for next week (seed 000:
        the specialists plan the expected time in their own agenda)."""
        owner = next((e.by for e in reversed(p.events) if e.type == "taken"), None)
        if owner is None or not p.events or p.has("resolved") or p.has("planned"):
            return
        rng = self.rng
        day = next_week + timedelta(days=rng.randint(0, 4))
        start = datetime.combine(day, time(rng.choice((9, 10, 13, 14, 15)), rng.choice((0, 30))), TZ)
        end = start + timedelta(minutes=rng.choice((60, 90, 120)))
        at = max(p.last_at() + timedelta(minutes=5), self.cutoff - timedelta(hours=rng.uniform(2, 6)))
        if at <= self.cutoff:
            p.add(_tidy(at), owner, "planned", start=stamp(start), end=stamp(end), agent=owner)
