"""Customer contracts in use: what issued invoices already settled, the
prepaid blocks and their balance, and the contract lines of `tix show`
(tix.core.contracts and tix.core.settle hold the rules)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.core.billing import Line
    from tix.core.policy import Policy
    from tix.core.settle import Block, Prior, Wallet
    from tix.storage.store import Store


def settles(policy: Policy) -> bool:
    """Does any contract bill other than by the hour (a fee, included hours, prepaid blocks)?"""
    return any(t.billing.model != "hourly" for c in policy.contracts.values() for _, t in c.versions)


def issued(store: Store, invoiced_ids: set[str], *, strict: bool = True
           ) -> tuple[list[Line], set[tuple[str, str]], set[str]]:
    """One pass over the issued invoices (not credit notes): the lines still
    invoiced (no credit note gave them back), the (org, month) of every
    invoice, and the ids of the fee lines any of them billed. `strict`: a
    broken record raises (an invoice cannot know what it billed), else it is
    left out (a report: fsck names it)."""
    from tix.storage import ledger

    seen: set[str] = set()
    lines: list[Line] = []
    months: set[tuple[str, str]] = set()
    fees: set[str] = set()
    for r in ledger.records(store) if strict else ledger.records(store, problems=[]):
        inv = r.invoice
        for x in inv.lines:
            if x.event_id in invoiced_ids and x.event_id not in seen:
                seen.add(x.event_id)
                lines.append(x)
            if x.kind == "fee":
                fees.add(x.event_id)
        orgs = {x.org for x in inv.lines if x.org} | ({inv.org_filter} if inv.org_filter else set())
        months |= {(o, inv.month) for o in orgs}
    return lines, months, fees


def invoiced_lines(store: Store, invoiced_ids: set[str]) -> list[Line]:
    """The lines of the issued invoices that are still invoiced."""
    return issued(store, invoiced_ids)[0]


def contract_inputs(store: Store, policy: Policy, invoiced_ids: set[str]) -> tuple[Prior, list[Block]] | None:
    """(what issued invoices settled, the purchased blocks) for `invoice_from`,
    or None when no contract settles anything (nothing is read then)."""
    if not settles(policy):
        return None
    from tix.core.settle import Prior
    from tix.storage import prepaid

    lines, months, fees = issued(store, invoiced_ids)
    prior = Prior.from_lines(lines, policy)
    prior.months, prior.fees_billed = months, fees
    return prior, prepaid.blocks(store)


def org_wallet(store: Store, policy: Policy, org: str, work: list[Line], invoiced_ids: set[str],
               until: datetime) -> Wallet:
    from tix.core.settle import Prior, wallet
    from tix.storage import prepaid

    prior = Prior.from_lines(invoiced_lines(store, invoiced_ids), policy)
    return wallet(policy, org, prepaid.blocks(store), work, prior, invoiced_ids, until)


def org_work(store: Store, policy: Policy, org: str) -> list[Line]:
    """Every priced work line of the organisation (its tickets from the index)."""
    from tix.core.billing import lines
    from tix.core.errors import PolicyError
    from tix.storage import index

    def priced(t: Any) -> list[Line]:
        try:
            return [x for x in lines(t, policy) if x.kind == "work"]
        except PolicyError:  # a rate left the policy: fsck and the invoice say so
            return []

    return [x for group in index.load_all(store, [], where=lambda r: r.org == org, each=priced) for x in group]


def wallet_json(w: Wallet, policy: Policy, now: datetime) -> dict[str, Any]:
    from tix.core.dates import fmt_minutes

    led = w.ledger
    return {
        "balance_minutes": led.balance,
        "balance": fmt_minutes(led.balance) if led.balance >= 0 else "-" + fmt_minutes(-led.balance),
        "blocks": [{"id": s.block.id, "at": s.block.at.astimezone(policy.tz).isoformat(),
                    "minutes": s.block.minutes, "price": str(s.block.price), "note": s.block.note,
                    "used_minutes": s.used, "expired_minutes": s.expired, "rolled_in_minutes": s.rolled_in,
                    "rolled_out_minutes": s.rolled_out, "left_minutes": s.left,
                    "expires": s.expires.isoformat() if s.expires else None,
                    "expired": bool(s.expires and s.expires <= now)} for s in led.blocks],
        "deductions": [{"at": at.astimezone(policy.tz).isoformat(), "entry": e, "billed_minutes": want,
                        "covered_minutes": got, "overage_minutes": want - got}
                       for at, e, want, got in led.deductions],
    }


def month_used(w: Wallet, policy: Policy, now: datetime) -> int:
    month = now.astimezone(policy.tz).strftime("%Y-%m")
    return sum(got for at, _, _, got in w.ledger.deductions if at.astimezone(policy.tz).strftime("%Y-%m") == month)


def contract_summary(env: Any, t: Any, data: dict[str, Any]) -> str:
    """`tix show`'s Contract line: the name, its targets and billing, and for a
    prepaid contract the hours used this month and the balance left."""
    from tix.core.contracts import contract_at
    from tix.core.dates import fmt_minutes

    p = env.policy
    name = data.get("contract")
    sla = data.get("sla") or {}
    resolve = (sla.get("resolve") or {}).get("target_minutes")
    response = (sla.get("response") or {}).get("target_minutes")
    parts = [f"{name}: {sla.get('priority')} targets response {fmt_minutes(response or 0)}, resolve "
             f"{fmt_minutes(resolve or 0)}, {sla.get('clock')} clock"]
    cname, terms = contract_at(p, t.org, env.now)
    if terms is not None and cname:
        b = terms.billing
        if b.model == "fixed":
            parts.append(f"fixed fee {p.billing.currency} {b.fee} a month, {fmt_minutes(b.included)} included")
        elif b.model == "prepaid" and t.org:
            w = org_wallet(env.store, p, t.org, org_work(env.store, p, t.org), _invoiced(env), env.now)
            parts.append(f"prepaid: {fmt_minutes(month_used(w, p, env.now))} used this month, "
                         f"{fmt_minutes(max(w.ledger.balance, 0))} left")
        else:
            parts.append("billed by the hour")
        if cname != name:
            parts.append(f"the organisation is on {cname} now")
    return "; ".join(parts)


def _invoiced(env: Any) -> set[str]:
    from tix.storage import ledger

    return ledger.invoiced_ids(env.store)


def month_fees(store: Store, policy: Policy, month: str, org: str | None) -> list[Line]:
    """The month's contract money that is not work: each fixed contract's
    monthly fee and each prepaid block bought in the month, as invoiced
    (the ledger's line) or, not invoiced yet, as the next invoice would bill
    it. With the work's amounts this is what the month's invoices total."""
    from tix.core.settle import block_line, fee_line, month_of
    from tix.storage import ledger, prepaid

    if not settles(policy):
        return []
    prices = ledger.invoiced_prices(store)
    _, done, billed = issued(store, set(), strict=False)
    out: list[Line] = []
    for key, o in sorted(policy.orgs.items()):
        if (org is not None and key != org) or not o.contract:
            continue
        fid = f"fee:{key}:{month}"
        line = prices.get(fid) or (None if (key, month) in done and fid not in billed
                                   else fee_line(policy, key, month, late=False))
        if line is not None:
            out.append(line)
    for b in prepaid.blocks(store, problems=[]):
        if (org is None or b.org == org) and month_of(b.at.astimezone(policy.tz)) == month:
            out.append(prices.get(f"prepaid:{b.id}") or block_line(b, late=False, policy=policy))
    return out


def fees_json(lines: list[Line], policy: Policy) -> dict[str, Any]:
    from tix.core.billing import ZERO

    return {"amount": str(sum((x.amount for x in lines), ZERO)),
            "lines": [{"org": x.org, "kind": x.kind, "contract": x.contract, "title": x.title, "note": x.note,
                       "amount": str(x.amount), "invoiced": x.event_id in policy.invoiced} for x in lines]}


_LOW = {  # subject, body: the balance of prepaid hours fell below the contract's warning level
    "en": ("Prepaid hours: {left} left", "Dear customer,\n\nYour prepaid hours with us are running low: {left} "
           "left of the {bought} bought (warning level {level}).\nWork beyond the balance is billed at the "
           "overage rate. Reply to this mail to order a new block.\n"),
    "nl": ("Strippenkaart: nog {left}", "Beste klant,\n\nUw vooruitbetaalde uren raken op: nog {left} van de "
           "{bought} gekochte uren (waarschuwing bij {level}).\nWerk boven het saldo wordt tegen het "
           "meerwerktarief gefactureerd. Beantwoord deze mail om een nieuwe strippenkaart te bestellen.\n"),
    "de": ("Stundenkontingent: noch {left}", "Sehr geehrte Damen und Herren,\n\nIhr vorausbezahltes "
           "Stundenkontingent geht zur Neige: noch {left} von {bought} (Warnschwelle {level}).\nArbeit über das "
           "Guthaben hinaus wird zum Mehrarbeitssatz berechnet. Antworten Sie auf diese Mail, um ein neues "
           "Kontingent zu bestellen.\n"),
    "cs": ("Předplacené hodiny: zbývá {left}", "Vážený zákazníku,\n\nvaše předplacené hodiny docházejí: zbývá "
           "{left} z {bought} (upozornění při {level}).\nPráce nad zůstatek se účtuje sazbou za vícepráce. "
           "Odpovězte na tento e-mail a objednejte nový blok.\n"),
    "no": ("Forhåndsbetalte timer: {left} igjen", "Hei,\n\nDe forhåndsbetalte timene deres er snart brukt opp: "
           "{left} igjen av {bought} (varsel ved {level}).\nArbeid utover saldoen faktureres med overtidssats. "
           "Svar på denne e-posten for å bestille en ny blokk.\n"),
}


def low_balance_mails(store: Store, policy: Policy, now: datetime, sent_keys: Any) -> list[Any]:
    """One mail per organisation whose prepaid balance fell below its
    contract's `warn_below`, to its contact, once per purchase state (the key
    names the blocks bought, so a new block and a new drop warn again). The
    mail belongs to the ticket whose work crossed the level (it records the
    `notified` event). `sent_keys(ticket id)` gives that ticket's sent keys."""
    from tix.app.mail import notify as nt
    from tix.core.contracts import contract_at
    from tix.core.dates import fmt_minutes
    from tix.storage import ledger, prepaid

    if not any(t.billing.model == "prepaid" for c in policy.contracts.values() for _, t in c.versions):
        return []
    blocks = prepaid.blocks(store, problems=[])
    out: list[Any] = []
    invoiced: set[str] | None = None
    for key, o in sorted(policy.orgs.items()):
        _, terms = contract_at(policy, key, now.astimezone(policy.tz))
        if terms is None or terms.billing.model != "prepaid" or terms.billing.warn_below is None:
            continue
        mine = [b for b in blocks if b.org == key]
        to = nt.address((o.buyer.billing_email if o.buyer and o.buyer.billing_email else None) or o.email)
        if not mine or to is None:
            continue
        if invoiced is None:
            invoiced = ledger.invoiced_ids(store, problems=[])
        work = org_work(store, policy, key)
        w = org_wallet(store, policy, key, work, invoiced, now)
        level = terms.billing.warn_below
        if w.ledger.balance >= level:
            continue
        # the deduction that took the balance below the level: its ticket carries the mail
        crossing = None
        tickets = {x.event_id: x.ticket for x in work}
        used = 0
        for at, entry, _want, got in w.ledger.deductions:
            used += got
            if sum(b.minutes for b in mine if b.at <= at) - used < level and entry in tickets:
                crossing = tickets[entry]
                break
        if crossing is None:
            continue
        mkey = f"prepaid-low:{key}:{len(mine)}"
        if mkey in sent_keys(crossing):
            continue
        lang = o.language if o.language in _LOW else "en"
        subject, body = _LOW[lang]
        vals = {"left": fmt_minutes(max(w.ledger.balance, 0)), "bought": fmt_minutes(sum(b.minutes for b in mine)),
                "level": fmt_minutes(level)}
        out.append(nt.Outgoing(crossing, mkey, "prepaid-low", (to,), o.name, f"[{o.name}] " +
                               subject.format(**vals), body.format(**vals), lang,
                               nt.message_id(policy, crossing, mkey)))
    return out


def repriced(store: Store, old: Policy, new: Policy, before: datetime) -> tuple[int, Any]:
    """How many un-invoiced billable work entries done before `before` the
    policy change from `old` to `new` prices differently, and by how much in
    all (new - old; the hourly prices with their travel fees: a contract's
    fees and included hours are settled on the invoice)."""
    from decimal import Decimal

    from tix.core.billing import price, travel_line
    from tix.core.dates import parse_stamp
    from tix.core.errors import PolicyError
    from tix.storage import index, ledger

    invoiced = ledger.invoiced_ids(store, problems=[])

    def each(t: Any) -> list[Decimal]:
        out = []
        for e in t.work:
            if e.get("no_bill") or e["id"] in invoiced or parse_stamp(e["at"]) >= before:
                continue
            try:
                a, b = price(e, t, old), price(e, t, new)
            except PolicyError:
                continue
            ta, tb = travel_line(a, old), travel_line(b, new)
            da = a.amount + (ta.amount if ta else 0)
            db = b.amount + (tb.amount if tb else 0)
            if da != db:
                out.append(db - da)
        return out

    diffs = [d for ds in index.load_all(store, [], each=each) for d in ds]
    return len(diffs), sum(diffs, Decimal("0.00"))


def repricing_note(store: Store, old_text: str | None, new_text: str, path: str, before: datetime) -> str | None:
    """The warning line of a policy change that reprices past work, or None."""
    from tix.core.errors import TixError
    from tix.core.policy import parse_policy

    if old_text is None:
        return None
    try:
        old, new = parse_policy(old_text, path), parse_policy(new_text, path)
    except TixError:
        return None
    table = store.holiday_cache().table()
    old, new = old.with_holidays(table), new.with_holidays(table)
    n, delta = repriced(store, old, new, before)
    if not n:
        return None
    sign = "+" if delta >= 0 else "-"
    return (f"warning: {path}: the change reprices {n} un-invoiced work entr{'y' if n == 1 else 'ies'} done "
            f"before it by {new.billing.currency} {sign}{abs(delta)} in all (the next invoice bills them at the "
            f"new prices; give the new price a `from:` date to keep the old one for earlier work)")


def last_policy_change(store: Store) -> tuple[str | None, str, datetime] | None:
    """(the policy before, after, when) of the newest commit that changed
    policies.yaml, or None (no git, no such commit)."""
    from datetime import UTC

    from tix.storage.gitops import git

    root = store.git_root
    if root is None:
        return None
    rel = str((store.root / "policies.yaml").relative_to(root))
    log = git(root, "log", "-1", "--format=%H %ct", "--", rel, check=False)
    if log.returncode != 0 or not log.stdout.strip():
        return None
    sha, ct = log.stdout.split()
    new = git(root, "show", f"{sha}:{rel}", check=False)
    old = git(root, "show", f"{sha}^:{rel}", check=False)
    if new.returncode != 0:
        return None
    return (old.stdout if old.returncode == 0 else None), new.stdout, datetime.fromtimestamp(int(ct), UTC)


def org_contract_json(store: Store, policy: Policy, org: str, period_start: datetime, period_end: datetime,
                      now: datetime) -> dict[str, Any] | None:
    """The IT manager's contract figures for a month: the contract in force at
    the month's end (or now), its model; for a fixed fee the included hours
    and those the month used; for prepaid hours the hours the month used and
    the balance left (customers' most requested figure)."""
    from tix.core.contracts import contract_at
    from tix.core.settle import included_for
    from tix.storage import ledger

    until = min(period_end, now)
    name, terms = contract_at(policy, org, until.astimezone(policy.tz))
    if name is None or terms is None:
        return None
    b = terms.billing
    out: dict[str, Any] = {"name": name, "model": b.model}
    month = period_start.astimezone(policy.tz).strftime("%Y-%m")
    if b.model == "fixed":
        out.update(fee=str(b.fee), included_minutes=included_for(policy, org, month))
    if b.model in ("fixed", "prepaid"):
        invoiced = ledger.invoiced_ids(store, problems=[])
        work = org_work(store, policy, org)
        if b.model == "prepaid":
            w = org_wallet(store, policy, org, work, invoiced, until)
            used = sum(got for at, _e, _w, got in w.ledger.deductions if period_start <= at < period_end)
            out.update(used_minutes=used, balance_minutes=max(w.ledger.balance, 0),
                       warn_below_minutes=b.warn_below)
        else:
            billed = sum(x.billed_minutes for x in work if period_start <= x.at < period_end and not x.no_bill)
            out.update(used_minutes=min(billed, out["included_minutes"]),
                       beyond_minutes=max(0, billed - out["included_minutes"]))
    return out


class PriceLayers:
    """What the reports price an entry at: as invoiced (the ledger's index),
    else, for work of a fixed or prepaid contract not invoiced yet, as the
    next invoice would settle it (included hours, the prepaid balance)."""

    def __init__(self, invoiced: Any, draft: dict[str, Line]):
        self.invoiced, self.draft = invoiced, draft

    def __bool__(self) -> bool:
        return bool(self.invoiced) or bool(self.draft)

    def __contains__(self, key: object) -> bool:
        return key in self.invoiced or key in self.draft

    def same(self, key: str, line: Line) -> bool | None:
        """As `ledger.PriceIndex.same`: None where neither layer has it."""
        same = getattr(self.invoiced, "same", None)
        got = same(key, line) if same is not None else (None if key not in self.invoiced else False)
        if got is not None:
            return got
        return False if key in self.draft else None

    def get(self, key: str) -> Line | None:
        inv = self.invoiced.get(key) if self.invoiced else None
        return inv if inv is not None else self.draft.get(key)


def draft_prices(store: Store, policy: Policy) -> tuple[dict[str, Line], str]:
    """The un-invoiced work of organisations on a fixed or prepaid contract,
    settled as the next invoice would (tix.core.settle), where that differs
    from the hourly price; and a digest of those of resolved and closed
    tickets (what the cached report parts depend on: open tickets are folded
    every run anyway)."""
    import hashlib

    if not settles(policy):
        return {}, "-"
    from tix.core.billing import lines
    from tix.core.errors import PolicyError
    from tix.core.settle import settle
    from tix.storage import index, ledger

    orgs = {k for k, o in policy.orgs.items() if o.contract}
    invoiced = ledger.invoiced_ids(store, problems=[])

    def each(t: Any) -> list[tuple[bool, Line]]:
        try:
            return [(t.is_open, x) for x in lines(t, policy)
                    if x.kind == "work" and not x.no_bill and x.event_id not in invoiced]
        except PolicyError:
            return []

    found = [x for group in index.load_all(store, [], where=lambda r: r.org in orgs, each=each) for x in group]
    if not found:
        return {}, "-"
    inputs = contract_inputs(store, policy, invoiced)
    assert inputs is not None
    prior, blocks = inputs
    gross = {x.event_id: (hot, x) for hot, x in found}
    far = max(x.at for _, x in found)
    settled = settle([x for _, x in found], policy, month_label=far.strftime("%Y-%m"), period_end=far,
                     invoiced_ids=invoiced,
                     prior=prior, blocks=blocks, orgs=orgs)  # (its fee and block lines are not work: left out)
    out: dict[str, Line] = {}
    h = hashlib.sha256()
    for x in sorted((y for y in settled if y.kind == "work" and y.event_id in gross), key=lambda y: y.event_id):
        hot, g = gross[x.event_id]
        if (x.amount, x.covered_minutes, x.rate) != (g.amount, g.covered_minutes, g.rate):
            out[x.event_id] = x
            if not hot:
                h.update(f"{x.event_id}\t{x.amount}\t{x.covered_minutes}\n".encode())
    return out, h.hexdigest()[:32]
