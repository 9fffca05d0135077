"""Self-healing of offline clashes, run by `tix sync` before it merges.

A clone that claimed its ID prefix while the remote was unreachable used it
provisionally (tix.storage.claim). When sync then finds that prefix claimed on the
remote by another clone, `renumber` moves this clone's tickets, none of them
pushed yet, to a fresh prefix claimed through the remote:

  - `tickets/JV/000/JV-0003.yaml` becomes `tickets/JVR/000/JVR-0003.yaml`
    (same number): its header `id` changes (the file was never shared, so
    this is not a rewrite of shared history), references to renumbered IDs in
    its events are rewritten, and a `renumbered` event records the old ID;
  - event lines this clone added to other tickets since it last synced
    (links, splits, merges, problems, text) get the same rewrite;
  - unpushed invoice records are renamed and their ticket IDs rewritten;
  - `tickets/JVR/.aliases` maps each old ID to its new one, so `tix show
    JV-0003` and a mail reply tagged `[tix JV-0003]` still find the ticket
    (a real JV-0003 of the clone that owns JV comes first);
  - all of it is one commit, which `tix fsck --history` recognises.

`heal_invoices` does the same for invoice records issued offline: a number
that another clone pushed first is replaced by the next free one, and lines
billing work that another clone's pushed invoice already billed are taken
off this clone's unpushed record (a record left with no line is withdrawn).
`heal_credit_notes` does the same for credit notes: a CN number another
clone pushed first is replaced by the next free one of its month, and lines
of an invoice that another clone's pushed credit note already credited are
taken off (nothing is credited twice). Each step prints one line."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core.errors import StoreError

if TYPE_CHECKING:
    from datetime import datetime

    from tix.core.ids import IdSource
    from tix.storage.store import Store

ALIASES = ".aliases"


@dataclass
class Healed:
    tickets: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id)
    notes: list[str] = field(default_factory=list)


def _git(root: Path, *args: str, check: bool = True, input: str | None = None):  # type: ignore[no-untyped-def]
    from tix.storage.gitops import git

    return git(root, *args, check=check, input=input, lock_retry=True, timeout=600)


def id_pattern(ids: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True)))
                      + r")(?![0-9])")


def _blob(root: Path, spec: str) -> bytes | None:
    from tix.storage.gitops import git_bytes

    try:
        return git_bytes(root, "cat-file", "blob", spec)
    except StoreError:
        return None


def aliases(store: Store) -> dict[str, list[str]]:
    """old ID -> new IDs, from every `tickets/<P>/.aliases` file (two offline
    clones may both have used one provisional ID)."""
    out: dict[str, list[str]] = {}
    top = store.tickets_dir
    if not top.is_dir():
        return out
    from tix.storage.store import ID_RE, PREFIX_RE

    for pdir in os.scandir(top):
        if not PREFIX_RE.match(pdir.name) or not pdir.is_dir(follow_symlinks=False):
            continue
        f = Path(pdir.path) / ALIASES
        try:
            if f.is_symlink():
                continue
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and ID_RE.match(parts[0]) and ID_RE.match(parts[1]) \
                    and parts[1] not in out.setdefault(parts[0], []):
                out[parts[0]].append(parts[1])
    return out


def _write_new(store: Store, path: Path, data: bytes) -> None:
    store.write_atomic(path, data, exclusive=True)
    store.written.append(path)


def renumber(store: Store, root: Path, base: str | None, old: str, new: str, clone_id: str, user: str,
             now: datetime, ids: IdSource) -> Healed:
    """Move every ticket of prefix `old` in this clone to prefix `new` (see the
    module docstring). `base`: the last commit shared with the remote (lines
    and files not in it were never pushed)."""
    from tix.core import events as ev_mod
    from tix.storage.claim import claim_text
    from tix.storage.store import ID_RE, encode_event

    res = Healed()
    pdir = store.tickets_dir / old
    files = sorted(p for p in pdir.glob("*/*.yaml") if ID_RE.match(p.name[:-5]) and not p.is_symlink()) \
        if pdir.is_dir() else []
    mapping = {p.name[:-5]: f"{new}-{p.name[:-5].split('-', 1)[1]}" for p in files
               if p.name[:-5].startswith(old + "-")}
    pat = id_pattern(list(mapping)) if mapping else None

    def fix(text: str) -> str:
        return pat.sub(lambda m: mapping[m.group(1)], text) if pat else text

    for p in files:
        old_id = p.name[:-5]
        new_id = mapping[old_id]
        text = p.read_bytes().decode("utf-8")
        if not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]  # a torn last line: cut, as the next append would
        cut = text.find("\nevents:")
        head, rest = text[: cut + 1], text[cut + 1:]
        head = re.sub(rf"(?m)^id: ['\"]?{re.escape(old_id)}['\"]?$", f"id: {new_id}", head, count=1)
        data = (head + fix(rest)).encode("utf-8")
        data += encode_event(ev_mod.make(ids, "renumbered", user, now, **{"from": old_id, "to": new_id}))
        target = store.path_for(new_id)
        _write_new(store, target, data)
        os.unlink(p)
        store.written.append(p)
        res.tickets.append((old_id, new_id))
    # this clone's claim moves with it
    for c in pdir.glob(".claim-*") if pdir.is_dir() else []:
        if c.name == f".claim-{clone_id}":
            os.unlink(c)
    claim = store.tickets_dir / new / f".claim-{clone_id}"
    if not claim.exists():
        claim.parent.mkdir(parents=True, exist_ok=True)
        claim.write_text(claim_text(clone_id, user), encoding="utf-8")
    for sub in sorted(pdir.glob("*"), reverse=True) if pdir.is_dir() else []:
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        pdir.rmdir()
    if mapping:
        alias_file = store.tickets_dir / new / ALIASES
        prior = alias_file.read_text(encoding="utf-8") if alias_file.exists() else ""
        store.write_atomic(alias_file, (prior + "".join(f"{a} {b}\n" for a, b in sorted(mapping.items())))
                           .encode("utf-8"))
    # event lines this clone added elsewhere since `base`, and its unpushed invoice records
    _fix_others(store, root, base, fix, pat, old, new)
    return res


def _changed_since(root: Path, base: str | None, paths: list[str]) -> list[str]:
    """Desk files that differ between `base` and HEAD (sync committed the work
    tree first). Tree against tree: no stat of 100,000 work-tree files."""
    if base is None:
        out = _git(root, "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *paths, check=False).stdout.split("\0")
    else:
        out = _git(root, "diff-tree", "-r", "--name-only", "--no-renames", "-z", base, "HEAD", "--",
                   *paths).stdout.split("\0")
    return [p for p in dict.fromkeys(out) if p]


def _fix_others(store: Store, root: Path, base: str | None, fix, pat, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    from tix.storage.claim import desk_prefix
    from tix.storage.sync import _Changed, _write

    dp = desk_prefix(store)
    for rel in _changed_since(root, base, [dp + "tickets", dp + "invoices"]):
        full = root / rel
        drel = rel[len(dp):]
        if not full.is_file() or full.is_symlink():
            continue
        if drel.startswith(f"tickets/{new}/"):
            continue  # just renumbered
        data = full.read_bytes()
        text = data.decode("utf-8", "replace")
        if (pat is None or not pat.search(text)) and \
                not (drel.startswith("invoices/") and drel.endswith(f".{old}.yaml")):
            continue
        if drel.startswith("invoices/"):
            if base is not None and _blob(root, f"{base}:{rel}") is not None:
                continue  # pushed: never changed
            target = full.with_name(full.name[: -len(f".{old}.yaml")] + f".{new}.yaml") \
                if full.name.endswith(f".{old}.yaml") else full
            out = fix(text).encode("utf-8")
            if target != full:
                _write_new(store, target, out)
                os.unlink(full)
                store.written.append(full)
            else:
                store.write_atomic(full, out)
                store.written.append(full)
            continue
        base_lines = set()
        if base is not None:
            b = _blob(root, f"{base}:{rel}")
            if b is not None:
                base_lines = set(b.decode("utf-8", "replace").splitlines())
        if pat is None:
            continue
        lines = text.split("\n")
        changed = False
        for i, line in enumerate(lines):
            if line.startswith("- {") and line not in base_lines and pat.search(line):
                lines[i] = fix(line)
                changed = True
        if changed:
            try:
                _write(full, "\n".join(lines).encode("utf-8"), data)
            except _Changed:
                raise StoreError("a tix command changed the file while tix sync renumbered; run tix sync again",
                                 path=store.rel(full)) from None
            store.written.append(full)


# ------------------------------------------------------------------ invoices

def heal_invoices(store: Store, root: Path, base: str | None, tip: str) -> list[str]:
    """Renumber or trim this clone's unpushed invoice records that clash with
    the remote's (see the module docstring); one note per change."""
    from tix.storage import ledger
    from tix.storage.claim import desk_prefix
    from tix.storage.history import _record_entries, is_record

    dp = desk_prefix(store)
    mine = [p for p in _changed_since(root, base, [dp + "invoices"]) if is_record(p, dp)
            and (root / p).is_file() and _blob(root, f"{tip}:{p}") is None]
    if not mine:
        return []
    theirs: dict[str, set[str]] = {}  # number -> entries, of the remote's records
    by_entry: dict[str, str] = {}
    listing = _git(root, "ls-tree", "-z", "--full-tree", tip, "--", dp + "invoices/", check=False).stdout
    for item in listing.split("\0"):
        if "\t" not in item:
            continue
        meta, p = item.split("\t", 1)
        if not is_record(p, dp):
            continue
        number = p.rsplit("/", 1)[-1].split(".", 1)[0]
        b = _blob(root, meta.split()[2]) or b""
        ents = _record_entries(b)
        theirs.setdefault(number, set()).update(ents)
        for e in ents:
            by_entry.setdefault(e, number)
    notes: list[str] = []
    taken = set(theirs) | {p.name.split(".", 1)[0] for p in ledger.invoices_dir(store).glob("*.yaml")}
    for rel in sorted(mine):
        full = root / rel
        rec = ledger._read(store, full)
        inv = rec.invoice
        number = rec.number
        clash_entries = {e for e in inv.entry_ids if e in by_entry}
        if number not in theirs and not clash_entries:
            continue
        lines = [x for x in inv.lines if x.event_id not in clash_entries]
        names = {o.org: o.name for o in inv.orgs if o.org is not None}
        if not lines:
            os.unlink(full)
            store.written.append(full)
            others = sorted({by_entry[e] for e in clash_entries})
            notes.append(f"invoice {number} (not pushed yet) withdrawn: another clone's invoice "
                         f"{', '.join(others)} already billed all of its {len(clash_entries)} entries")
            continue
        new_number = number
        if number in theirs:
            n = ledger.next_number(sorted(taken), inv.month)
            new_number = f"{inv.month}-{n:03d}"
        taken.add(new_number)
        org_vat = {o.org: (o.vat_category, o.vat_percent) for o in inv.orgs
                   if o.org is not None and o.vat_category is not None and o.vat_percent is not None}
        new_inv = ledger.assemble(lines, month=inv.month, org_filter=inv.org_filter, currency=inv.currency,
                                  vat_percent=inv.vat_percent, org_names=names, org_vat=org_vat)
        if inv.parties:  # the seller's and buyers' details as issued
            from dataclasses import replace

            new_inv = replace(new_inv, parties=inv.parties)
        assert inv.issued_at is not None and inv.issued_by is not None
        new_inv = new_inv.with_number(new_number, inv.issued_at, inv.issued_by)
        data = ledger.render_record(new_inv, names) + f"renumbered_from: '{number}'\n".encode()
        suffix = full.name.split(".", 1)[1]
        target = full.with_name(f"{new_number}.{suffix}")
        os.unlink(full)
        store.written.append(full)
        _write_new(store, target, data)
        what = []
        if new_number != number:
            what.append(f"renumbered {number} -> {new_number} ({number} was issued by another clone first)")
        if clash_entries:
            others = sorted({by_entry[e] for e in clash_entries})
            what.append(f"{len(clash_entries)} line{'s' if len(clash_entries) != 1 else ''} taken off "
                        f"(already billed on {', '.join(others)}); new total {new_inv.total}")
        notes.append(f"invoice {number} (not pushed yet): " + "; ".join(what))
    return notes


# ------------------------------------------------------------------ credit notes

def heal_credit_notes(store: Store, root: Path, base: str | None, tip: str) -> list[str]:
    """Renumber or trim this clone's unpushed credit notes that clash with the
    remote's, like `heal_invoices`: a number another clone pushed first is
    replaced by the next free one of its month (`renumbered_from` keeps the
    old one); lines of the same invoice that another clone's pushed credit
    note already credited are taken off (nothing is credited twice), and a
    credit note left with no line is withdrawn. One note per change."""
    from dataclasses import replace

    from tix.storage import credits, ledger
    from tix.storage.claim import desk_prefix
    from tix.storage.history import _record_entries, is_credit

    dp = desk_prefix(store)
    sub = f"{dp}invoices/{credits.SUBDIR}"
    mine = [p for p in _changed_since(root, base, [sub]) if is_credit(p, dp)
            and (root / p).is_file() and _blob(root, f"{tip}:{p}") is None]
    if not mine:
        return []
    theirs: set[str] = set()  # the remote's credit note numbers
    credited: dict[str, dict[str, str]] = {}  # credited invoice -> entry -> the remote's credit note
    listing = _git(root, "ls-tree", "-z", "--full-tree", tip, "--", sub + "/", check=False).stdout
    for item in listing.split("\0"):
        if "\t" not in item:
            continue
        meta, p = item.split("\t", 1)
        if not is_credit(p, dp):
            continue
        number = p.rsplit("/", 1)[-1].split(".", 1)[0]
        theirs.add(number)
        b = _blob(root, meta.split()[2]) or b""
        m = re.search(rb"^credit_of: '?([0-9-]+)'?\s*$", b, re.M)
        if m:
            of = credited.setdefault(m.group(1).decode(), {})
            for e in _record_entries(b):
                of.setdefault(e, number)
    notes: list[str] = []
    taken = {n.removeprefix("CN-") for n in theirs} | {
        p.name.split(".", 1)[0].removeprefix("CN-") for p in credits.credits_dir(store).glob("*.yaml")}
    for rel in sorted(mine):
        full = root / rel
        rec = credits._read(store, full)
        note, number = rec.note, rec.number
        done = credited.get(note.credit_of or "", {})
        clash = {e for e in note.entry_ids if e in done}
        if number not in theirs and not clash:
            continue
        if len(clash) == len(note.entry_ids):
            os.unlink(full)
            store.written.append(full)
            notes.append(f"credit note {number} (not pushed yet) withdrawn: another clone's credit note "
                         f"{', '.join(sorted({done[e] for e in clash}))} already credited all of its "
                         f"{len(clash)} line{'s' if len(clash) != 1 else ''} of invoice {note.credit_of}")
            continue
        new_number = number
        if number in theirs:
            new_number = f"CN-{note.month}-{ledger.next_number(sorted(taken), note.month):03d}"
        taken.add(new_number.removeprefix("CN-"))
        names = {o.org: o.name for o in note.orgs if o.org is not None}
        new_note = note
        if clash:
            org_vat = {o.org: (o.vat_category, o.vat_percent) for o in note.orgs
                       if o.org is not None and o.vat_category is not None and o.vat_percent is not None}
            new_note = ledger.assemble([x for x in note.lines if x.event_id not in clash], month=note.month,
                                       org_filter=note.org_filter, currency=note.currency,
                                       vat_percent=note.vat_percent, org_names=names, org_vat=org_vat)
            new_note = replace(new_note, parties=note.parties, credit_of=note.credit_of, reason=note.reason,
                               write_off=note.write_off)
        assert note.issued_at is not None and note.issued_by is not None
        new_note = new_note.with_number(new_number, note.issued_at, note.issued_by)
        data = ledger.render_record(new_note, names) + f"renumbered_from: '{number}'\n".encode()
        target = full.with_name(f"{new_number}.{full.name.split('.', 1)[1]}")
        os.unlink(full)
        store.written.append(full)
        _write_new(store, target, data)
        what = []
        if new_number != number:
            what.append(f"renumbered {number} -> {new_number} ({number} was issued by another clone first)")
        if clash:
            what.append(f"{len(clash)} line{'s' if len(clash) != 1 else ''} taken off (already credited by "
                        f"{', '.join(sorted({done[e] for e in clash}))}); new total {new_note.total}")
        notes.append(f"credit note {number} (not pushed yet): " + "; ".join(what))
    return notes
