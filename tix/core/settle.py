"""Contract billing on top of the hourly prices (docs/billing.md, "Contracts").

`settle` takes an invoice's priced work lines and returns them with what each
organisation's contract in force at the work's `at` changes:

* `fixed`: a fee line once per month (`fee:<org>:<YYYY-MM>`, pro rata for the
  days of the month the contract is in force), the month's included minutes
  consumed by the month's eligible billed minutes in time order (what issued
  invoices already consumed first), and only the excess billed -- at the
  contract's `overage_rate` when it has one, else at the line's own rate;
* `prepaid`: billed minutes deducted from the organisation's purchased blocks
  (oldest expiring first; a block's unused hours expire after
  `expires_after` months, or move to the next block bought before then with
  `rollover: true`), the excess billed at the overage rate (else the
  contract's rate, else the line's) and flagged `overage`; each purchase is a
  line of its own (`prepaid:<block id>`) on the first invoice after it;
* `hourly`: nothing changes.

A covered line keeps its billed minutes and says how many of them the
contract covers (`covered_minutes`); its amount is the rest's price. Pure:
what earlier invoices settled (`Prior`) and the purchased blocks are handed in."""

from __future__ import annotations

import calendar as _cal
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from tix.core.billing import CENT, ONE, Line, amount

if TYPE_CHECKING:
    from tix.core.contracts import Terms
    from tix.core.policy import Policy


@dataclass(frozen=True)
class Block:
    """A purchased block of prepaid hours (`tix credit`)."""
    id: str
    org: str
    at: datetime
    minutes: int
    price: Decimal
    note: str = ""
    by: str = ""


@dataclass
class Prior:
    """What issued invoices already settled: included minutes consumed per
    (org, month), prepaid deductions (at, org, minutes), fee months billed."""
    covered: dict[tuple[str, str], int] = field(default_factory=dict)
    deductions: list[tuple[datetime, str, int]] = field(default_factory=list)
    # (org, month) pairs an issued invoice of that month covered: their fee is what was
    # billed then (or none), whatever contract the policy gives the organisation today
    months: set[tuple[str, str]] = field(default_factory=set)
    fees_billed: set[str] = field(default_factory=set)  # fee line ids on any issued invoice (credited or not)

    @classmethod
    def from_lines(cls, lines: list[Line], policy: Policy) -> Prior:
        """From the lines of the issued invoices (those still invoiced): a
        covered line under a prepaid contract is a deduction, else it used
        included minutes of its month."""
        from tix.core.contracts import contract_at

        p = cls()
        for x in lines:
            if x.kind != "work" or not x.covered_minutes or x.org is None:
                continue
            _, terms = contract_at(policy, x.org, x.at)
            if terms is not None and terms.billing.model == "prepaid":
                p.deductions.append((x.at, x.org, x.covered_minutes))
            else:
                key = (x.org, x.at.strftime("%Y-%m"))
                p.covered[key] = p.covered.get(key, 0) + x.covered_minutes
        return p


def month_of(at: datetime) -> str:
    return at.strftime("%Y-%m")


def _month_bounds(month: str, tz: Any) -> tuple[datetime, datetime]:
    y, m = map(int, month.split("-"))
    start = datetime(y, m, 1, tzinfo=tz)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=tz)
    return start, end


def _prev_months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fixed_days(policy: Policy, org: str, month: str) -> tuple[int, int, str | None, Terms | None]:
    """(days of `month` the organisation is under a fixed contract, days in the
    month, that contract's name and terms -- those of the first such day)."""
    from tix.core.contracts import contract_at

    start, _ = _month_bounds(month, policy.tz)
    n = _cal.monthrange(start.year, start.month)[1]
    days, name, terms = 0, None, None
    for d in range(n):
        day = (start.date() + timedelta(days=d))
        at = datetime(day.year, day.month, day.day, 12, tzinfo=policy.tz)
        c, t = contract_at(policy, org, at)
        if t is not None and t.billing.model == "fixed":
            days += 1
            if name is None:
                name, terms = c, t
    return days, n, name, terms


def included_for(policy: Policy, org: str, month: str) -> int:
    days, n, _, terms = fixed_days(policy, org, month)
    if terms is None:
        return 0
    return terms.billing.included * days // n


def fee_line(policy: Policy, org: str, month: str, late: bool) -> Line | None:
    days, n, name, terms = fixed_days(policy, org, month)
    if terms is None or terms.billing.fee is None or days == 0:
        return None
    fee = terms.billing.fee
    amt = (fee * days / n).quantize(CENT, rounding=ROUND_HALF_UP) if days < n else fee.quantize(CENT)
    start, _ = _month_bounds(month, policy.tz)
    note = f"fixed fee {month}" + (f", pro rata {days}/{n} days" if days < n else "")
    return Line(event_id=f"fee:{org}:{month}", ticket="", org=org, title=f"contract {name}: monthly fee",
                at=start, agent="", note=note, minutes=0, billed_minutes=0, rate_name="fee", rate=fee,
                multiplier=ONE, amount=amt, after_hours=False, onsite=False, no_bill=False, late=late,
                kind="fee", contract=name, category="")


def block_line(b: Block, late: bool, policy: Policy) -> Line:
    from tix.core.dates import fmt_minutes

    return Line(event_id=f"prepaid:{b.id}", ticket="", org=b.org, title=f"prepaid hours: {fmt_minutes(b.minutes)}",
                at=b.at.astimezone(policy.tz), agent=b.by, note=b.note, minutes=0, billed_minutes=0,
                rate_name="prepaid", rate=b.price, multiplier=ONE, amount=b.price.quantize(CENT), after_hours=False,
                onsite=False, no_bill=False, late=late, kind="prepaid", contract=None, category="")


def _eligible(line: Line, terms: Terms) -> bool:
    b = terms.billing
    if b.include_rates and line.rate_name not in b.include_rates:
        return False
    return not (b.include_categories and line.category and line.category not in b.include_categories)


def _overage_price(policy: Policy, terms: Terms, line: Line) -> tuple[str, Decimal]:
    from tix.core.contracts import rate_price

    name = terms.billing.overage_rate or (terms.billing.rate if terms.billing.model == "prepaid" else None)
    if name:
        p = rate_price(policy, name, line.at)
        if p is not None:
            return name, p
    return line.rate_name, line.rate


def _charge(line: Line, covered: int, policy: Policy, terms: Terms, overage: bool) -> Line:
    rest = line.billed_minutes - covered
    rate_name, rate = (line.rate_name, line.rate)
    if overage and rest > 0:
        rate_name, rate = _overage_price(policy, terms, line)
    return replace(line, covered_minutes=covered, rate_name=rate_name, rate=rate,
                   amount=amount(rest, rate, line.multiplier), overage=overage and rest > 0)


# ---------------------------------------------------------------- prepaid blocks

@dataclass
class BlockState:
    block: Block
    expires: datetime | None
    left: int
    used: int = 0
    expired: int = 0
    rolled_in: int = 0
    rolled_out: int = 0


@dataclass
class Ledger:
    """A prepaid organisation's blocks and deductions, walked in time order."""
    blocks: list[BlockState]
    deductions: list[tuple[datetime, str, int, int]] = field(default_factory=list)  # (at, entry, wanted, covered)

    @property
    def balance(self) -> int:
        return sum(b.left for b in self.blocks)


def _expiry(b: Block, terms: Terms | None, tz: Any) -> datetime | None:
    months = terms.billing.expires_after if terms is not None else None
    if not months:
        return None
    at = b.at.astimezone(tz)
    y, m = at.year + (at.month - 1 + months) // 12, (at.month - 1 + months) % 12 + 1
    d = min(at.day, _cal.monthrange(y, m)[1])
    return at.replace(year=y, month=m, day=d)


class Wallet:
    """The blocks of one organisation; `take(at, minutes)` deducts (oldest
    expiring first) after expiring what has expired by `at`."""

    def __init__(self, policy: Policy, org: str, blocks: list[Block]):
        from tix.core.contracts import contract_at

        self.policy = policy
        self.states: list[BlockState] = []
        self.pending = sorted(blocks, key=lambda b: (b.at, b.id))
        self.contract_at = contract_at
        self.org = org
        self.ledger = Ledger(self.states)

    def _advance(self, at: datetime) -> None:
        while self.pending and self.pending[0].at <= at:
            b = self.pending.pop(0)
            _, terms = self.contract_at(self.policy, self.org, b.at)
            self.states.append(BlockState(b, _expiry(b, terms, self.policy.tz), b.minutes))
        for s in self.states:
            if s.left > 0 and s.expires is not None and s.expires <= at:
                _, terms = self.contract_at(self.policy, self.org, s.expires)
                roll = terms is not None and terms.billing.rollover
                nxt = None
                if roll:  # the newest block bought before the expiry that is still valid
                    live = [o for o in self.states if o is not s and o.block.at <= s.expires
                            and (o.expires is None or o.expires > s.expires)]
                    nxt = live[-1] if live else None
                if nxt is not None:
                    nxt.left += s.left
                    nxt.rolled_in += s.left
                    s.rolled_out += s.left
                else:
                    s.expired += s.left
                s.left = 0

    def take(self, at: datetime, minutes: int, entry: str, *, force: bool = False) -> int:
        """Deduct up to `minutes` at `at` (all of them with `force`: what an issued
        invoice already deducted); returns the minutes covered."""
        self._advance(at)
        want = minutes
        live = sorted((s for s in self.states if s.left > 0),
                      key=lambda s: (s.expires is None, s.expires or s.block.at, s.block.at))
        for s in live:
            if want == 0:
                break
            n = min(want, s.left)
            s.left -= n
            s.used += n
            want -= n
        covered = minutes - want
        if force and want:  # more than the blocks held then: recorded as issued
            covered = minutes
        self.ledger.deductions.append((at, entry, minutes, covered))
        return covered

    def until(self, at: datetime) -> Ledger:
        self._advance(at)
        return self.ledger


# ---------------------------------------------------------------- the settlement

def settle(lines: list[Line], policy: Policy, *, month_label: str, period_end: datetime, invoiced_ids: set[str],
           prior: Prior, blocks: list[Block], orgs: set[str] | None) -> list[Line]:
    """The invoice's lines with contract billing applied, plus fee and
    prepaid-purchase lines (see the module's text). `orgs`: the organisations
    the invoice covers (None: all)."""
    from tix.core.contracts import contract_at

    if not policy.contracts:
        return lines
    out: list[Line] = []
    fixed: dict[tuple[str, str], list[Line]] = defaultdict(list)
    prepaid: dict[str, list[Line]] = defaultdict(list)
    terms_of: dict[str, Terms] = {}
    for x in lines:
        if x.kind != "work" or x.org is None or x.no_bill:
            out.append(x)
            continue
        _, terms = contract_at(policy, x.org, x.at)
        model = terms.billing.model if terms is not None else "hourly"
        if model == "fixed" and terms is not None:
            fixed[(x.org, month_of(x.at))].append(x)
            terms_of[x.event_id] = terms
        elif model == "prepaid" and terms is not None:
            prepaid[x.org].append(x)
            terms_of[x.event_id] = terms
        else:
            out.append(x)

    # fixed: the month's included minutes, what issued invoices used first
    for (org, month), group in sorted(fixed.items()):
        left = max(0, included_for(policy, org, month) - prior.covered.get((org, month), 0))
        for x in sorted(group, key=lambda y: (y.at, y.event_id)):
            terms = terms_of[x.event_id]
            if not _eligible(x, terms):
                out.append(x)
                continue
            covered = min(x.billed_minutes, left)
            left -= covered
            out.append(_charge(x, covered, policy, terms, overage=covered < x.billed_minutes))
    # fixed: the fee of each month (the invoice's month, and the months of late work on it)
    fee_orgs = {org for org, o in policy.orgs.items() if o.contract and (orgs is None or org in orgs)}
    for org in sorted(fee_orgs):
        months = {month_label} | {m for (o, m) in fixed if o == org}
        for m in sorted(months):
            fid = f"fee:{org}:{m}"
            if m > month_label or fid in invoiced_ids:
                continue
            if (org, m) in prior.months and fid not in prior.fees_billed:
                continue  # invoiced without a fee then: the month stays as it was invoiced
            # (a fee a credit note gave back is billed again)
            fl = fee_line(policy, org, m, late=m < month_label)
            if fl is not None:
                out.append(fl)

    # prepaid: purchases on the first invoice after them; deductions in time order
    for b in blocks:
        if (orgs is None or b.org in orgs) and f"prepaid:{b.id}" not in invoiced_ids and b.at < period_end:
            out.append(block_line(b, late=month_of(b.at.astimezone(policy.tz)) < month_label, policy=policy))
    for org, group in sorted(prepaid.items()):
        w = Wallet(policy, org, [b for b in blocks if b.org == org])
        events: list[tuple[datetime, int, str, Any]] = [(at, 0, "", n) for at, o, n in prior.deductions if o == org]
        events += [(x.at, 1, x.event_id, x) for x in group]
        for at, kind, eid, x in sorted(events, key=lambda e: (e[0], e[1], e[2])):
            if kind == 0:
                w.take(at, x, "(invoiced)", force=True)
                continue
            covered = w.take(at, x.billed_minutes, eid)
            out.append(_charge(x, covered, policy, terms_of[eid], overage=covered < x.billed_minutes))
    return out


def wallet(policy: Policy, org: str, blocks: list[Block], work: list[Line], prior: Prior, invoiced_ids: set[str],
           until: datetime) -> Wallet:
    """The organisation's prepaid blocks walked up to `until`: issued
    deductions as issued, the rest of its prepaid work in time order (what
    the next invoice would deduct)."""
    from tix.core.contracts import contract_at

    w = Wallet(policy, org, [b for b in blocks if b.org == org])
    events: list[tuple[datetime, int, str, int]] = [(at, 0, "(invoiced)", n) for at, o, n in prior.deductions
                                                    if o == org and at < until]
    for x in work:
        if x.org != org or x.kind != "work" or x.no_bill or x.event_id in invoiced_ids or x.at >= until:
            continue
        _, terms = contract_at(policy, org, x.at)
        if terms is not None and terms.billing.model == "prepaid":
            events.append((x.at, 1, x.event_id, x.billed_minutes))
    for at, kind, eid, n in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        w.take(at, n, eid, force=kind == 0)
    w.until(until)
    return w

