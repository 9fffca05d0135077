"""Credit notes: an issued invoice is never edited; a mistake on it is put
right by a credit note, its own append-only record:

    invoices/credits/CN-<YYYY-MM>-<NNN>.<PREFIX>.yaml

numbered per month of the credited invoice (CN-2026-11-001 credits work of
an invoice of November), written once with an atomic, exclusive creation
under the invoice lock, like an invoice. It lists the credited lines (all of
the invoice's, or the ones asked for) with their amounts and the VAT as
issued, the number of the invoice it credits, the reason, and `write_off`.

A credited entry is billable again (the next `tix invoice` bills it, at the
price then in force) unless the credit note writes it off. An entry is
invoiced while the invoices that billed it outnumber the credit notes that
gave it back; `check` (run by `tix fsck`) reports an entry credited more
often than invoiced, a credit note of an unknown invoice, and a credit of a
line the invoice does not hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core.errors import BadInput, BrokenFile, NotFound
from tix.storage import ledger

if TYPE_CHECKING:
    from tix.core.billing import Invoice
    from tix.storage.store import Store

SUBDIR = "credits"


@dataclass(frozen=True)
class CreditRecord:
    path: str
    note: Invoice

    @property
    def number(self) -> str:
        assert self.note.number is not None
        return self.note.number


def credits_dir(store: Store) -> Path:
    return ledger.invoices_dir(store) / SUBDIR


def _paths(store: Store) -> list[Path]:
    d = credits_dir(store)
    if not d.is_dir() or d.is_symlink():
        return []
    return sorted(p for p in d.iterdir() if p.name.endswith(".yaml") and not p.name.startswith("."))


def _read(store: Store, path: Path) -> CreditRecord:
    rel = store.rel(path)
    try:
        if path.is_symlink():
            raise BrokenFile("is a symbolic link; tix never follows links in the desk", path=rel)
        if path.stat().st_size > ledger.MAX_RECORD:
            raise BrokenFile("too large for a credit note record", path=rel)
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BrokenFile("not UTF-8 text", path=rel) from None
    except OSError as err:
        raise BrokenFile(f"cannot read: {err.strerror}", path=rel) from None
    note = ledger.parse_record(text, rel, credit=True)
    assert note.number is not None
    if not path.name.startswith(note.number + "."):
        raise BrokenFile(f"file name does not start with its number {note.number}", path=rel, line=1)
    return CreditRecord(rel, note)


def records(store: Store, problems: list[BrokenFile] | None = None) -> list[CreditRecord]:
    out = []
    for p in _paths(store):
        try:
            out.append(_read(store, p))
        except BrokenFile as err:
            if problems is None:
                raise
            problems.append(err)
    return sorted(out, key=lambda r: (r.number, r.path))


def stat_keys(store: Store) -> list[list[object]]:
    """The credit note files' stat keys (for caches of the invoiced ids)."""
    keys: list[list[object]] = []
    for p in _paths(store):
        try:
            st = p.stat()
        except OSError:
            continue
        keys.append([store.rel(p), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return keys


def released(store: Store, problems: list[BrokenFile] | None = None) -> Counter[str]:
    """How often each work entry was given back (credited without write-off)."""
    out: Counter[str] = Counter()
    for r in records(store, problems):
        if not r.note.write_off:
            out.update(set(r.note.entry_ids))
    return out


def load(store: Store, number: str) -> Invoice:
    n = str(number).strip()
    found = [r for r in records(store) if r.number == n]
    if not found:
        raise NotFound(f"credit note {n} not found (see `tix invoice --list`)")
    return found[0].note


def issue(store: Store, number: str, *, entries: list[str], reason: str, write_off: bool, user: str,
          now: datetime) -> Invoice:
    """Credit invoice `number` (its lines `entries`, or all of them when empty)."""
    from tix.core.billing import assemble
    from tix.core.dates import stamp

    if not reason or not reason.strip():
        raise BadInput("--credit: say why with -m REASON (it is printed on the credit note)")
    with store._lock("invoice.lock"):
        inv = ledger.load(store, number)
        if inv.credit_of:
            raise BadInput(f"--credit {number}: a credit note is not credited again")
        have = {x.event_id for x in inv.lines}
        unknown = [e for e in entries if e not in have]
        if unknown:
            raise BadInput(f"--line {unknown[0]}: not a line of invoice {number} (its entries: "
                           f"{', '.join(sorted(have)[:5])}{', ...' if len(have) > 5 else ''})")
        if len(set(entries)) != len(entries):
            raise BadInput("--line: an entry is given twice")
        done: dict[str, str] = {}
        for r in records(store):
            if r.note.credit_of == inv.number:
                for e in r.note.entry_ids:
                    done[e] = r.number
        want = set(entries) or have
        again = sorted(e for e in want if e in done)
        if again:
            raise BadInput(f"--credit {number}: entry {again[0]} was already credited by {done[again[0]]}; "
                           f"nothing is credited twice")
        lines = [x for x in inv.lines if x.event_id in want]
        org_vat = {o.org: (o.vat_category, o.vat_percent) for o in inv.orgs
                   if o.org is not None and o.vat_category is not None and o.vat_percent is not None}
        names = {o.org: o.name for o in inv.orgs if o.org is not None}
        note = assemble([replace(x, late=False) for x in lines], month=inv.month, org_filter=inv.org_filter,
                        currency=inv.currency, vat_percent=inv.vat_percent, org_names=names, org_vat=org_vat)
        note = replace(note, parties=inv.parties, credit_of=inv.number, reason=reason.strip(), write_off=write_off)
        clone = store.clone_info()
        suffix = clone["prefix"] if clone else store.claim_prefix(user)
        taken = [p.name.split(".", 1)[0].removeprefix("CN-") for p in _paths(store)]
        n = ledger.next_number(taken, inv.month)
        credits_dir(store).mkdir(parents=True, exist_ok=True)
        while True:
            cn = f"CN-{inv.month}-{n:03d}"
            issued = note.with_number(cn, stamp(now), user)
            path = credits_dir(store) / f"{cn}.{suffix}.yaml"
            try:
                store.write_atomic(path, ledger.render_record(issued, names), exclusive=True)
                break
            except FileExistsError:
                n += 1
        store.written.append(path)
        return issued


def check(store: Store, invoiced: dict[str, list[str]]) -> list[str]:
    """fsck: broken credit notes, credits of unknown invoices or lines, and an
    entry credited more often than it was invoiced (`invoiced`: the ids per
    invoice record, as `ledger.ids_by_record`)."""
    problems: list[BrokenFile] = []
    recs = records(store, problems)
    out = [str(p) for p in problems]
    by_number: dict[str, set[str]] = {}
    billed: Counter[str] = Counter()
    for rel, ids in invoiced.items():
        by_number.setdefault(rel.rsplit("/", 1)[-1].split(".", 1)[0], set()).update(ids)
        billed.update(set(ids))
    numbers: dict[str, str] = {}
    for r in recs:
        if r.number in numbers:
            out.append(f"{r.path}: credit note number {r.number} was also issued in {numbers[r.number]} "
                       f"(two clones issued it before syncing; `tix sync` renumbers the one not yet pushed)")
        numbers.setdefault(r.number, r.path)
    credited: Counter[str] = Counter()
    first: dict[str, str] = {}
    for r in recs:
        of = r.note.credit_of or ""
        lines = by_number.get(of)
        if lines is None:
            out.append(f"{r.path}: credit note {r.number} credits invoice {of}, which does not exist")
            continue
        for e in r.note.entry_ids:
            if e not in lines:
                out.append(f"{r.path}: credit note {r.number} credits work entry {e}, which is not on invoice {of}")
            credited[e] += 1
            if credited[e] > billed[e]:
                out.append(f"{r.path}: work entry {e} is credited twice: by {first.get(e, '?')} and by {r.number} "
                           f"(it was invoiced {billed[e]} time{'s' if billed[e] != 1 else ''})")
            first.setdefault(e, r.number)
    return out
