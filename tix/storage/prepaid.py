"""Prepaid blocks of hours (`tix credit ORG HOURS --price AMOUNT`): each
purchase is its own append-only record, like an invoice:

    invoices/prepaid/<ORG>.<YYYY-MM-DD>.<PREFIX>-<N>.yaml

written once with an atomic, exclusive creation (two clones never pick the
same name: the clone's prefix is in it). `tix sync`'s history guard holds a
pulled commit that changes or deletes one. A mistake is put right by a
credit note of the invoice that billed the purchase, never by editing."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core import yamlio
from tix.core.errors import BrokenFile

if TYPE_CHECKING:
    from tix.core.settle import Block
    from tix.storage.store import Store

SUBDIR = "prepaid"
MAX_RECORD = 64 * 1024
HEADER = ("# tix: a purchased block of prepaid hours. Append-only: never edit or delete it;\n"
          "# a mistake is put right with a credit note of the invoice that billed it.\n")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.[0-9]{4}-[0-9]{2}-[0-9]{2}\.[A-Z]{1,8}-[0-9]{1,6}\.yaml$")


def prepaid_dir(store: Store) -> Path:
    from tix.storage import ledger

    return ledger.invoices_dir(store) / SUBDIR


def _paths(store: Store) -> list[Path]:
    d = prepaid_dir(store)
    if not d.is_dir() or d.is_symlink():
        return []
    return sorted(p for p in d.iterdir() if p.name.endswith(".yaml") and not p.name.startswith("."))


def parse(text: str, rel: str) -> Block:
    from tix.core.dates import parse_stamp
    from tix.core.settle import Block

    def fail(msg: str) -> BrokenFile:
        return BrokenFile(msg, path=rel)

    try:
        raw = yamlio.load(text)
    except yamlio.YamlProblem as err:
        raise BrokenFile(err.message, path=rel, line=err.line) from None
    if not isinstance(raw, dict):
        raise fail("not a prepaid block record (expected a mapping)")
    for k in ("id", "org", "at", "minutes", "price"):
        if k not in raw:
            raise fail(f"field {k!r} is missing")
    minutes = raw["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= 100_000 * 60:
        raise fail(f"minutes: {minutes!r} is not a whole number of minutes")
    try:
        price = Decimal(str(raw["price"]))
        if not price.is_finite() or price < 0 or not isinstance(raw["price"], str):
            raise InvalidOperation
    except InvalidOperation:
        raise fail(f"price: {raw['price']!r} is not a decimal string like \"850.00\"") from None
    try:
        at = parse_stamp(str(raw["at"]))
    except ValueError:
        raise fail(f"at: {raw['at']!r} is not ISO 8601 with an offset") from None
    return Block(id=str(raw["id"]), org=str(raw["org"]), at=at, minutes=minutes, price=price,
                 note=str(raw.get("note") or ""), by=str(raw.get("by") or ""))


def blocks(store: Store, problems: list[BrokenFile] | None = None) -> list[Block]:
    """Every purchased block, oldest first. A broken record raises BrokenFile,
    or goes to `problems` when a list is given."""
    out = []
    for p in _paths(store):
        rel = store.rel(p)
        try:
            if p.is_symlink():
                raise BrokenFile("is a symbolic link; tix never follows links in the desk", path=rel)
            if p.stat().st_size > MAX_RECORD:
                raise BrokenFile("too large for a prepaid block record", path=rel)
            try:
                text = p.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                raise BrokenFile("not UTF-8 text", path=rel) from None
            b = parse(text, rel)
            if not p.name.startswith(b.org + ".") or b.id != p.name[: -len(".yaml")]:
                raise BrokenFile(f"file name does not match its id {b.id!r}", path=rel, line=1)
            out.append(b)
        except OSError as err:
            e = BrokenFile(f"cannot read: {err.strerror}", path=rel)
            if problems is None:
                raise e from None
            problems.append(e)
        except BrokenFile as err:
            if problems is None:
                raise
            problems.append(err)
    return sorted(out, key=lambda b: (b.at, b.id))


def record(store: Store, *, org: str, at: datetime, minutes: int, price: Decimal, note: str, user: str,
           now: datetime) -> Block:
    """Write a new block record (exclusive creation; the next free number)."""
    from tix.core.dates import stamp
    from tix.core.settle import Block

    clone = store.clone_info()
    prefix = clone["prefix"] if clone else store.claim_prefix(user)
    d = prepaid_dir(store)
    d.mkdir(parents=True, exist_ok=True)
    day = at.date().isoformat()
    n = 1
    while True:
        bid = f"{org}.{day}.{prefix}-{n}"
        path = d / f"{bid}.yaml"
        body = {"id": bid, "org": org, "at": stamp(at), "minutes": minutes, "price": str(price),
                "note": note or None, "by": user, "recorded_at": stamp(now)}
        data = (HEADER + yamlio.dump({k: v for k, v in body.items() if v is not None})).encode("utf-8")
        try:
            store.write_atomic(path, data, exclusive=True)
            break
        except FileExistsError:
            n += 1
    store.written.append(path)
    return Block(id=bid, org=org, at=at, minutes=minutes, price=price, note=note, by=user)
