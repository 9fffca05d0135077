"""Billing: the price of every `worked` entry and the monthly invoice
(docs/billing.md). Pure: tickets, policy and invoiced entry ids in, values out; no
disk, no clock. `tix.storage.ledger` keeps the issued invoices on disk.

The rules (docs/billing.md, "The rules"):
* time is registered in units (15 minutes in the demo) -- every entry's minutes
  round up to `billing.increment`;
* an on-site visit counts a minimum (60 minutes in the demo) -- an `onsite` entry bills at least
  `billing.onsite_minimum` (then rounded up to the increment, so every billed
  figure stays a whole number of units);
* a rate category per intervention (like PROGP85) -- the entry's `rate`,
  else the organisation's, else `billing.default_rate`;
* after-hours work (flagged, or `at` outside the calendar's service hours:
  evenings, weekends, holidays) at `after_hours.multiplier` times the rate;
* `no_bill` entries are recorded and shown but bill 0 minutes and 0.00.

Money is `Decimal` throughout and rounded half-up to cents only once, at the
line amount: amount = billed minutes / 60 x rate x multiplier. Subtotals and
totals are exact sums of those rounded line amounts, so every cent on an
invoice adds up and traces back to one line of one ticket file."""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from tix.core import frozen
from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

CENT = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal("0.00")
NO_ORG = "(no organisation)"
LINE_KINDS = ("work", "travel", "fee", "prepaid")

# Enough digits that minutes x rate x multiplier / 60 is exact before the one rounding.
_CTX = decimal.Context(prec=50, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One work entry, priced."""

    event_id: str
    ticket: str
    org: str | None
    title: str
    at: datetime  # in the policy timezone
    agent: str
    note: str
    minutes: int  # actually worked
    billed_minutes: int  # after increment and on-site minimum; 0 when no_bill
    rate_name: str
    rate: Decimal  # per hour, before the multiplier
    multiplier: Decimal  # 1, or after_hours.multiplier
    amount: Decimal  # rounded half-up to cents
    after_hours: bool
    onsite: bool
    no_bill: bool
    late: bool = False  # on an invoice: the entry belongs to an earlier month
    # contracts (tix.core.contracts): what kind of line, the contract in force at `at`, the
    # billed minutes the contract covers (a fixed fee's included hours, prepaid blocks),
    # and whether the rest is overage (beyond the included hours or the prepaid balance)
    kind: str = "work"  # work | travel | fee | prepaid
    contract: str | None = None
    covered_minutes: int = 0
    overage: bool = False
    category: str = field(default="", compare=False)  # the ticket's category (a fixed fee may include only some)

    @property
    def month(self) -> str:
        return self.at.strftime("%Y-%m")

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (amounts as decimal strings, never floats)."""
        return {
            "ticket": self.ticket,
            "org": self.org,
            "at": self.at.isoformat(),
            "agent": self.agent,
            "note": self.note,
            "minutes": self.minutes,
            "billed_minutes": self.billed_minutes,
            "rate": str(self.rate),
            "multiplier": str(self.multiplier),
            "amount": str(self.amount),
            "late": self.late,
            "title": self.title,
            "date": self.at.date().isoformat(),
            "rate_name": self.rate_name,
            "after_hours": self.after_hours,
            "onsite": self.onsite,
            "event_id": self.event_id,
        } | ({"kind": self.kind} if self.kind != "work" else {}) \
          | ({"contract": self.contract} if self.contract else {}) \
          | ({"covered_minutes": self.covered_minutes} if self.covered_minutes else {}) \
          | ({"overage": True} if self.overage else {})

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Line:
        """Inverse of `to_json` (for invoice records). Raises KeyError/ValueError/TypeError."""
        return _line({
            "event_id": _text(d["event_id"]), "ticket": _text(d["ticket"]),
            "org": None if d.get("org") is None else _text(d["org"]), "title": _text(d.get("title", "")),
            "at": _stamp(d["at"]), "agent": _text(d["agent"]), "note": _text(d.get("note", "")),
            "minutes": _int(d["minutes"]), "billed_minutes": _int(d["billed_minutes"]),
            "rate_name": _text(d["rate_name"]), "rate": _money(d["rate"]), "multiplier": _money(d["multiplier"]),
            "amount": _money(d["amount"]), "after_hours": _bool(d.get("after_hours", False)),
            "onsite": _bool(d.get("onsite", False)), "no_bill": False, "late": _bool(d.get("late", False)),
            "kind": _kind(d.get("kind", "work")),
            "contract": None if d.get("contract") is None else _text(d["contract"]),
            "covered_minutes": _int(d.get("covered_minutes", 0)), "overage": _bool(d.get("overage", False)),
            "category": "",
        })

    @property
    def charged_minutes(self) -> int:
        """Billed minutes the customer pays for on this line (billed - covered)."""
        return self.billed_minutes - self.covered_minutes


def _line(fields: dict[str, Any]) -> Line:
    """`Line(**fields)` in one update (`tix.core.frozen`): every field, in order."""
    return frozen.make(Line, fields)


# ---------------------------------------------------------------- the rules

def billed_minutes(minutes: int, *, onsite: bool, no_bill: bool, increment: int, onsite_minimum: int) -> int:
    """Minutes charged for one entry."""
    if no_bill:
        return 0
    if onsite:
        minutes = max(minutes, onsite_minimum)  # on-site: at least the minimum
    units = -(-minutes // increment)  # ceiling division: whole units only
    return units * increment


def amount(billed: int, rate: Decimal, multiplier: Decimal) -> Decimal:
    """billed minutes / 60 x rate x multiplier, rounded half-up to cents (once, here)."""
    exact = _CTX.divide(_CTX.multiply(_CTX.multiply(Decimal(billed), rate), multiplier), Decimal(60))
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_for(entry: dict[str, Any], ticket: Ticket, policy: Policy, at: datetime | None = None,
             terms: Any = False) -> tuple[str, Decimal]:
    """The entry's rate, else the contract's in force at the work's `at`, else
    the organisation's, else the default; priced as in force at `at`.
    `terms`: the contract terms in force then, when the caller has them."""
    from tix.core.contracts import contract_at, rate_price

    b = policy.billing
    if at is None:
        from tix.core.dates import parse_stamp

        at = parse_stamp(entry["at"]).astimezone(policy.tz)
    name = entry.get("rate")
    if not name:
        if terms is False:
            _, terms = contract_at(policy, ticket.org, at)
        name = terms.billing.rate if terms is not None else None
    if not name:
        org = policy.orgs.get(ticket.org) if ticket.org else None
        name = org.rate if org and org.rate else b.default_rate
    if name not in b.rates:
        # The rate was removed from policies.yaml after the work was logged: refuse
        # to guess a price rather than bill a wrong one.
        raise PolicyError(f"billing.rates: rate {name!r} used by ticket {ticket.id} (work entry "
                          f"{entry.get('id')}) is not defined (known: {', '.join(b.rates)})",
                          path=policy.path)
    price_ = rate_price(policy, name, at)
    if price_ is None:
        first = b.rate_history[name][0][0]
        raise PolicyError(f"billing.rates.{name}: no price in force on {at:%Y-%m-%d} (ticket {ticket.id}, work "
                          f"entry {entry.get('id')}); its first `from` is {first}", path=policy.path)
    return name, price_


def price(entry: dict[str, Any], ticket: Ticket, policy: Policy) -> Line:
    """One `worked` event -> its priced Line (the rate in force at its `at`)."""
    from tix.core.dates import parse_stamp

    b = policy.billing
    at = parse_stamp(entry["at"]).astimezone(policy.tz)
    onsite = bool(entry.get("onsite"))
    no_bill = bool(entry.get("no_bill"))
    # After hours: flagged by the technician, or logged outside service hours
    # (evenings, weekends and holidays are all "not open" in the calendar).
    after = bool(entry.get("after_hours")) or not policy.calendar().is_open(at)
    from tix.core.contracts import contract_at

    contract, terms = contract_at(policy, ticket.org, at)  # once per entry: the rate needs it too
    rate_name, rate = rate_for(entry, ticket, policy, at, terms)
    mult = b.after_hours_multiplier if after else ONE
    billed = billed_minutes(int(entry["minutes"]), onsite=onsite, no_bill=no_bill,
                            increment=b.increment, onsite_minimum=b.onsite_minimum)
    line = _line({
        "event_id": str(entry["id"]), "ticket": ticket.id, "org": ticket.org, "title": ticket.title, "at": at,
        "agent": str(entry["by"]), "note": str(entry.get("note") or ""), "minutes": int(entry["minutes"]),
        "billed_minutes": billed, "rate_name": rate_name, "rate": rate, "multiplier": mult,
        "amount": amount(billed, rate, mult) if not no_bill else ZERO,
        "after_hours": after, "onsite": onsite, "no_bill": no_bill, "late": False, "kind": "work",
        "contract": contract, "covered_minutes": 0, "overage": False, "category": ticket.category,
    })
    return as_invoiced(line, policy)


# what an invoiced entry keeps of the line it was invoiced as (the rest is the ticket's as it is now)
INVOICED_FIELDS = ("billed_minutes", "rate_name", "rate", "multiplier", "amount", "after_hours", "covered_minutes",
                   "overage", "contract")


def as_invoiced(line: Line, policy: Policy) -> Line:
    """An invoiced entry keeps the price it was invoiced at (`Policy.with_invoiced`)."""
    prices = policy.invoiced
    if not prices:
        return line
    # the ledger's index says, without building the invoiced line, whether it is
    # not invoiced (None) or invoiced just as priced now (True): the line as it is
    same = getattr(prices, "same", None)
    if same is not None and same(line.event_id, line) in (None, True):
        return line
    inv = prices.get(line.event_id)
    if inv is None:
        return line
    return frozen.replace(line, {n: getattr(inv, n) for n in INVOICED_FIELDS})


def travel_line(work: Line, policy: Policy) -> Line | None:
    """The travel fee of an on-site visit (a billable `--onsite` work entry),
    when the policy or the contract in force sets one."""
    if not work.onsite or work.no_bill:
        return None
    if policy.invoiced:  # as invoiced
        inv = policy.invoiced.get(f"travel:{work.event_id}")
        if inv is not None:
            return replace(inv, at=work.at, title=work.title, ticket=work.ticket, org=work.org)
    from tix.core.contracts import contract_at, travel_fee

    _, terms = contract_at(policy, work.org, work.at)
    fee = travel_fee(policy, terms)
    if fee is None or fee == 0:
        return None
    return as_invoiced(replace(work, event_id=f"travel:{work.event_id}", kind="travel", minutes=0, billed_minutes=0,
                               rate_name="travel", rate=fee, multiplier=ONE,
                               amount=fee.quantize(CENT, rounding=ROUND_HALF_UP), after_hours=False,
                               covered_minutes=0, overage=False), policy)


def lines(ticket: Ticket, policy: Policy) -> list[Line]:
    """Every work entry of the ticket, priced, in time order (no_bill ones with
    billed_minutes 0 and amount 0.00), each on-site visit followed by its
    travel fee when there is one."""
    out = []
    for e in ticket.work:
        x = price(e, ticket, policy)
        out.append(x)
        tr = travel_line(x, policy)
        if tr is not None:
            out.append(tr)
    return out


def ticket_time(ticket: Ticket, policy: Policy) -> dict[str, Any]:
    """{"minutes": worked, "billed_minutes": charged, "amount": Decimal}."""
    ls = lines(ticket, policy)
    return {"minutes": sum(x.minutes for x in ls), "billed_minutes": sum(x.billed_minutes for x in ls),
            "amount": sum((x.amount for x in ls), ZERO)}


def billing_state(ticket: Ticket, invoiced_ids: set[str]) -> str:
    """Seed 003's billing state of a ticket:
    "none"       no billable time at all;
    "open"       the ticket is still open (new, open, waiting) and has billable time;
    "to invoice" resolved or closed, with billable time no invoice covers yet;
    "invoiced"   resolved or closed, every billable entry invoiced ("done")."""
    billable = [e["id"] for e in ticket.work if not e.get("no_bill")]
    if not billable:
        return "none"
    if ticket.is_open:
        return "open"
    if any(i not in invoiced_ids for i in billable):
        return "to invoice"
    return "invoiced"


# ---------------------------------------------------------------- the invoice

@dataclass(frozen=True)
class TicketTotal:
    ticket: str
    org: str | None
    title: str
    minutes: int
    billed_minutes: int
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "org": self.org, "title": self.title, "minutes": self.minutes,
                "billed_minutes": self.billed_minutes, "amount": str(self.amount)}


@dataclass(frozen=True)
class OrgTotal:
    org: str | None
    name: str
    minutes: int
    billed_minutes: int
    amount: Decimal  # net: the sum of its lines
    vat: Decimal
    total_incl_vat: Decimal
    vat_category: str | None = None  # standard | reverse-charge | export | exempt (None: no VAT charged)
    vat_percent: Decimal | None = None  # the rate applied to this organisation

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "name": self.name, "minutes": self.minutes,
                "billed_minutes": self.billed_minutes, "amount": str(self.amount), "vat": str(self.vat),
                "total_incl_vat": str(self.total_incl_vat), "vat_category": self.vat_category,
                "vat_percent": None if self.vat_percent is None else str(self.vat_percent)}


@dataclass(frozen=True)
class Invoice:
    """An invoice (a draft until `number` is set by `tix invoice --mark`).

    Lines are grouped by organisation, then ticket, then time. `total` is the
    net sum of the line amounts; VAT is computed per organisation (each is
    its own customer) on its net amount, rounded half-up to cents."""

    month: str
    org_filter: str | None
    currency: str
    vat_percent: Decimal | None
    lines: tuple[Line, ...]
    tickets: tuple[TicketTotal, ...]
    orgs: tuple[OrgTotal, ...]
    minutes: int
    billed_minutes: int
    total: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    number: str | None = None
    issued_at: str | None = None
    issued_by: str | None = None
    # The seller's and each organisation's invoicing details as plain data
    # ({"seller": {...}, "buyers": {org: {...}}}, see `parties`), kept in the record
    # so an issued invoice prints the same however the policy changes later.
    parties: dict[str, Any] | None = None
    # A credit note: the invoice it credits, why, and whether its entries are written
    # off (else they are billable again). Its amounts are the credited ones, positive.
    credit_of: str | None = None
    reason: str | None = None
    write_off: bool = False

    @property
    def entry_ids(self) -> list[str]:
        return [x.event_id for x in self.lines]

    def org_lines(self, org: str | None) -> list[Line]:
        return [x for x in self.lines if x.org == org]

    def ticket_totals(self, org: str | None) -> list[TicketTotal]:
        return [t for t in self.tickets if t.org == org]

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "number": self.number,
            "issued_at": self.issued_at,
            "issued_by": self.issued_by,
            "org": self.org_filter,
            "currency": self.currency,
            "lines": [x.to_json() for x in self.lines],
            "tickets": [t.to_json() for t in self.tickets],
            "orgs": [o.to_json() for o in self.orgs],
            "minutes": self.minutes,
            "billed_minutes": self.billed_minutes,
            "total": str(self.total),
            "vat_percent": None if self.vat_percent is None else str(self.vat_percent),
            "vat": str(self.vat),
            "total_incl_vat": str(self.total_incl_vat),
        } | ({"credit_of": self.credit_of, "reason": self.reason, "write_off": self.write_off}
             if self.credit_of else {})

    def with_number(self, number: str, issued_at: str, issued_by: str) -> Invoice:
        return replace(self, number=number, issued_at=issued_at, issued_by=issued_by)


def vat_of(net: Decimal, percent: Decimal | None) -> Decimal:
    if percent is None:
        return ZERO
    return (_CTX.multiply(net, percent) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def assemble(lines_: Iterable[Line], *, month: str, org_filter: str | None, currency: str,
             vat_percent: Decimal | None, org_names: dict[str, str],
             org_vat: dict[str, tuple[str, Decimal]] | None = None) -> Invoice:
    """Group priced lines into an invoice with its subtotals (also used to
    rebuild an issued invoice from its record). `org_vat` gives an
    organisation's VAT category and percent (tix.core.vat); an organisation
    not in it is charged `vat_percent` (standard)."""
    def org_key(o: str | None) -> tuple[int, str]:
        return (o is None, o or "")

    ls = sorted(lines_, key=lambda x: (org_key(x.org), x.ticket, x.at, x.event_id))
    tickets: list[TicketTotal] = []
    orgs: list[OrgTotal] = []
    k = 0
    while k < len(ls):  # runs of one ticket (of one org): summed once, not line by line
        x = ls[k]
        j = k
        while j < len(ls) and ls[j].ticket == x.ticket and ls[j].org == x.org:
            j += 1
        run = ls[k:j]
        tickets.append(TicketTotal(x.ticket, x.org, x.title, sum(y.minutes for y in run),
                                   sum(y.billed_minutes for y in run), sum((y.amount for y in run), ZERO)))
        k = j
    k = 0
    while k < len(ls):
        o = ls[k].org
        j = k
        while j < len(ls) and ls[j].org == o:
            j += 1
        run = ls[k:j]
        name = org_names.get(o, o) if o is not None else NO_ORG
        orgs.append(OrgTotal(o, name, sum(y.minutes for y in run), sum(y.billed_minutes for y in run),
                             sum((y.amount for y in run), ZERO), ZERO, ZERO))
        k = j
    def treated(o: OrgTotal) -> OrgTotal:
        if vat_percent is None:
            return o
        cat, pct = (org_vat or {}).get(o.org or "", ("standard", vat_percent))
        v = vat_of(o.amount, pct)
        return replace(o, vat=v, total_incl_vat=o.amount + v, vat_category=cat, vat_percent=pct)

    orgs = [treated(o) for o in orgs]
    total = sum((x.amount for x in ls), ZERO)
    vat = sum((o.vat for o in orgs), ZERO)
    return Invoice(month=month, org_filter=org_filter, currency=currency, vat_percent=vat_percent,
                   lines=tuple(ls), tickets=tuple(tickets), orgs=tuple(orgs),
                   minutes=sum(x.minutes for x in ls), billed_minutes=sum(x.billed_minutes for x in ls),
                   total=total, vat=vat, total_incl_vat=total + vat)


def build_invoice(tickets: Iterable[Ticket], policy: Policy, period_end: datetime, month_label: str,
                  invoiced_ids: set[str], org: str | None) -> Invoice:
    """Every billable entry with `at` before `period_end` that no issued invoice
    covers (of organisation `org`, if given). Entries from months before
    `month_label` (logged or billed late) are flagged `late`."""
    entries = [x for t in tickets if org is None or t.org == org for x in billable(t, policy)]
    return invoice_from(entries, policy, period_end, month_label, invoiced_ids, org)


# An entry of `billable`: (entry id, ticket id, org, position in the ticket's
# work, the priced Line or the PolicyError that kept it from a price).
Entry = tuple[str, str, "str | None", int, "Line | PolicyError"]


def billable(t: Ticket, policy: Policy) -> list[Entry]:
    """The ticket's billable (not no_bill) work entries, priced. An entry
    without a price (its rate left policies.yaml) carries the error, raised
    only if an invoice needs that entry."""
    out: list[Entry] = []
    for k, e in enumerate(t.work):
        if e.get("no_bill"):
            continue
        try:
            line: Line | PolicyError = price(e, t, policy)
        except PolicyError as err:
            line = err
        out.append((str(e["id"]), t.id, t.org, k, line))
        if isinstance(line, Line):
            tr = travel_line(line, policy)
            if tr is not None:
                out.append((tr.event_id, t.id, t.org, k, tr))
    return out


def invoice_from(entries: Iterable[Entry], policy: Policy, period_end: datetime, month_label: str,
                 invoiced_ids: set[str], org: str | None, *, contracts: Any = None) -> Invoice:
    """The invoice of these billable entries (as `build_invoice`). `contracts`:
    (Prior, blocks) for contract billing (tix.core.settle), None when the
    policy has no fixed or prepaid contract."""
    out: list[Line] = []
    errors: list[tuple[str, int, PolicyError]] = []
    for eid, ticket, t_org, k, line in entries:
        if (org is not None and t_org != org) or eid in invoiced_ids:
            continue
        if isinstance(line, PolicyError):
            errors.append((ticket, k, line))
            continue
        if line.at >= period_end:
            continue
        out.append(replace(line, late=True) if line.month < month_label else line)
    if errors:  # refuse to guess a price rather than bill a wrong one (the first, in ticket order)
        raise min(errors, key=lambda x: (x[0], x[1]))[2]
    if contracts is not None:
        from tix.core.settle import settle

        prior, blocks = contracts
        out = settle(out, policy, month_label=month_label, period_end=period_end, invoiced_ids=invoiced_ids,
                     prior=prior, blocks=blocks, orgs=None if org is None else {org})
    names = {k: o.name for k, o in policy.orgs.items()}
    inv = assemble(out, month=month_label, org_filter=org, currency=policy.billing.currency,
                    vat_percent=policy.billing.vat_percent, org_names=names,
                    org_vat=org_vat(policy, {x.org for x in out if x.org}))
    return replace(inv, parties=parties(policy, {x.org for x in out if x.org}))


def parties(policy: Policy, orgs: Iterable[str]) -> dict[str, Any]:
    """The seller's and the organisations' invoicing details, as plain data."""
    s = policy.billing.seller
    seller = None if s is None else {
        "name": s.name, "address": list(s.address), "country": s.country, "vat_id": s.vat_id, "coc": s.coc,
        "iban": s.iban, "bic": s.bic, "payment_days": s.payment_days, "email": s.email}
    buyers: dict[str, Any] = {}
    for key in sorted(orgs):
        o = policy.orgs.get(key)
        if o is None:
            buyers[key] = {"name": key, "language": policy.default_language}
            continue
        b = o.buyer
        buyers[key] = {"name": o.name, "language": o.language, "email": (b and b.billing_email) or o.email,
                       "country": b.country if b else None, "vat_id": b.vat_id if b else None,
                       "address": list(b.address) if b else [], "reference": b.reference if b else None,
                       "peppol": b.peppol if b else None, "ubl": bool(b and b.ubl)}
    return {"seller": seller, "buyers": buyers}


def org_vat(policy: Policy, orgs: Iterable[str]) -> dict[str, tuple[str, Decimal]]:
    """Each organisation's VAT (category, percent) under the policy."""
    from tix.core.vat import treatment

    out = {}
    for o in orgs:
        t = treatment(policy, o)
        if t is not None:
            out[o] = (t.category, t.percent)
    return out


FOLD_VERSION = 2  # of invoice_fold's plain data: bump on any change to it


def invoice_fold(tickets: Iterable[Ticket], policy: Policy) -> tuple[tuple[str, tuple[str, ...]], list[Any]]:
    """A group of tickets' billable entries as plain data, for the index to
    keep (`tix.storage.index.derive`): meta (the entry ids joined by NUL, the
    organisations), value (the packed entries, `unpack_entries` reads them)."""
    entries = [x for t in tickets for x in billable(t, policy)]
    ids = "\0".join(x[0] for x in entries)
    orgs = tuple(sorted({t.org for t in tickets if t.org}))
    packed: list[tuple[Any, ...]] = []
    for eid, ticket, org, k, line in entries:
        if isinstance(line, PolicyError):
            packed.append((eid, ticket, org, k, None, (line.message, line.path)))
        else:
            packed.append((eid, ticket, org, k, (
                line.event_id, line.ticket, line.org, line.title, line.at.isoformat(), line.agent, line.note,
                line.minutes, line.billed_minutes, line.rate_name, str(line.rate), str(line.multiplier),
                str(line.amount), line.after_hours, line.onsite, line.no_bill, line.kind, line.contract,
                line.category), None))
    return (ids, orgs), packed


def unpack_entries(packed: list[Any], policy: Policy) -> list[Entry]:
    """`invoice_fold`'s value back into billable entries."""
    tz = policy.tz
    out: list[Entry] = []
    for eid, ticket, org, k, x, err in packed:
        if x is None:
            out.append((eid, ticket, org, k, PolicyError(err[0], path=err[1])))
            continue
        out.append((eid, ticket, org, k, Line(
            event_id=x[0], ticket=x[1], org=x[2], title=x[3], at=datetime.fromisoformat(x[4]).astimezone(tz),
            agent=x[5], note=x[6], minutes=x[7], billed_minutes=x[8], rate_name=x[9], rate=Decimal(x[10]),
            multiplier=Decimal(x[11]), amount=Decimal(x[12]), after_hours=x[13], onsite=x[14], no_bill=x[15],
            kind=x[16], contract=x[17], category=x[18])))
    return out


# ---------------------------------------------------------------- record parsing helpers

def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"expected text, got {v!r}")
    return v


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise TypeError(f"expected a whole number, got {v!r}")
    return v


def _kind(v: Any) -> str:
    if v not in LINE_KINDS:
        raise ValueError(f"expected a line kind ({', '.join(LINE_KINDS)}), got {v!r}")
    return str(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"expected true or false, got {v!r}")
    return v


def _money(v: Any) -> Decimal:
    if not isinstance(v, str):
        raise TypeError(f"expected a decimal string like \"85.00\", got {v!r}")
    try:
        d = Decimal(v)
    except decimal.InvalidOperation:
        raise ValueError(f"expected a decimal string like \"85.00\", got {v!r}") from None
    if not d.is_finite():
        raise ValueError(f"expected a decimal string like \"85.00\", got {v!r}")
    return d


def _stamp(v: Any) -> datetime:
    from tix.core.dates import parse_stamp

    return parse_stamp(_text(v))
