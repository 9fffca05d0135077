"""Derived values kept beside the index: what a monthly report or an invoice
needs of each group of up to 100 neighbouring ticket files, folded once and
reused while the group's files, the policy text and tix's version are the same
(docs/performance.md)."""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from tix.core.errors import BrokenFile, StoreError

if TYPE_CHECKING:
    from tix.core.ticket import Ticket
    from tix.storage.store import Store
from tix.storage import index as _index
from tix.storage import ticketcodec
from tix.storage.filescan import _records
from tix.storage.index import (
    DERIVED,
    HOT,
    NAME,
    Index,
    Row,
    Where,
    _decode,
    _new_row,
    _parse,
    _refreshed,
    _unlink,
    _version,
    _workers,
    fork_map,
    load_cache,
)

# ------------------------------------------------------------------ derived values
#
# Reports and invoices need, per ticket, figures that cost far more than
# decoding it (SLA clocks walked through business hours, every work entry
# priced). A resolved or closed ticket's figures do not depend on `now`, only
# on its file and the policy, so they are folded once per group of files
# (tickets/AB/000/AB-00xx.yaml: up to 100 neighbours, opened within days of
# each other) and kept in `index.derived.<name>`, valid while
# - every stat key of the group's files is the one it was folded from
#   (checked per shard on the chunk `find` printed, per group where a shard
#   changed; a group holding a racy file is folded again next run), and
# - the fingerprint is the same (the policy file, the holiday table, the fold's
#   code version).
# Open tickets (new, open, waiting) are never folded into a group: their
# figures depend on `now`, and there are few of them; the command gets them
# decoded each run. Deleting or corrupting the file changes no result: every
# group is folded again. Concurrent writers each rename a whole, consistent
# file into place; a group is trusted only for the stat keys it names, so the
# last writer's file is right whichever wins.

DERIVED_VERSION = 1
FEW_STALE = 20  # changed groups up to which their packed members are read from their files (see _derive)


def _group_key(rel: str) -> str:
    """"tickets/AB/012/AB-12345.yaml" -> "AB/012\\0AB-123": the files of one
    shard whose names differ only in the last two digits."""
    cut = rel.rindex("/")
    return rel[8:cut] + "\0" + rel[cut + 1:-7]


def _hash(data: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(data, digest_size=16).digest()


def _group_sigs(chunk: bytes) -> dict[str, bytes]:
    """group key -> hash of its files' (path, stat key) records, for one shard's chunk."""
    groups: dict[str, list[str]] = {}
    for rel, key in _records(chunk).items():
        groups.setdefault(_group_key(rel), []).append(f"{rel}\t{key}")
    return {g: _hash("\0".join(sorted(recs)).encode("utf-8", "surrogateescape")) for g, recs in groups.items()}


class Derived(NamedTuple):
    """What `derive` gives a command: per group of resolved and closed tickets
    the `meta` and the pickled `blob` its fold made (`value(blob)` unpickles
    one), and the open tickets, decoded. `quiet_orgs`: the organisations of
    the groups that only a `Quiet` fold saw (the caller's window cannot see
    the rest of them)."""

    groups: list[tuple[Any, bytes]]
    hot: list[Ticket]
    quiet_orgs: frozenset[str] = frozenset()
    stat: Callable[[str], str | None] = lambda rel: None  # a file's stat key in this run's scan (`_stat_of`)


class Quiet(NamedTuple):
    """`derive`'s `quiet`: a group whose members are all `stopped(row)` with
    their last activity before `since` (a timestamp) is not folded but given
    to `fold` with only its members that are `wanted(row)`: what such a
    group adds to a window from `since` on (for the month report: the ITIL
    counts its problems and changes carry on with). It is kept so until a
    caller whose window reaches back before its last activity folds it whole."""

    since: float
    stopped: Callable[[Any], bool]
    wanted: Callable[[Any], bool]
    fold: Callable[[list[Any]], tuple[Any, Any]]


# A group folded by a `Quiet` fold: its entry's meta is (QUIET, the last activity
# of its members as a timestamp, the quiet fold's meta, the members' organisations).
QUIET = "~quiet"


def _quiet(meta: Any) -> bool:
    return type(meta) is tuple and len(meta) == 4 and meta[0] == QUIET


def value(blob: Any) -> Any:
    """A group's blob as the fold made it (plain data only; a value that is
    not bytes was never pickled and is given back as it is)."""
    return ticketcodec.unpickle(blob) if isinstance(blob, bytes) else blob


def fingerprint(store: Store, policy_text: str, *parts: Any) -> bytes:
    """What derived values depend on besides the ticket files: the policy (the
    text the command's `Policy` was parsed from, so a file edited while the
    command runs cannot pass for the one its fold used), the version of the
    holiday tables kept in local state, the cache format, tix's version, the caller's parts
    (the fold's own version)."""
    from tix import __version__

    raw = [repr((DERIVED_VERSION, _version(), __version__, parts)).encode(), policy_text.encode("utf-8")]
    raw.append(_holidays_key(store))
    return _hash(b"\0\0".join(raw))


def _holidays_key(store: Store) -> bytes:
    """What the folds' holiday table depends on: the version of the `holidays`
    tables that filled it (a year added later is data of that same version, so
    it changes no part already folded); a table from before tix kept the
    version: its bytes."""
    import json

    try:
        raw = (store.state_dir / "holidays.json").read_bytes()
    except OSError:
        return b"-"
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    version = data.get("~version") if isinstance(data, dict) else None
    return b"holidays " + repr(version).encode("utf-8") if isinstance(version, list) else raw


def derive(store: Store, name: str, fold: Callable[[list[Ticket]], tuple[Any, Any]], fp: Callable[[], bytes], *,
           problems: list[BrokenFile] | None = None, open_too: bool = False, quiet: Quiet | None = None,
           hot: Callable[[Any], bool] | None = None) -> Derived:
    """`fold(tickets)` of every group of resolved and closed tickets, from the
    cache where the group's files and the fingerprint `fp()` are unchanged,
    folded anew where not; plus the open tickets, decoded.
    `fold` returns (meta, value): `meta` is loaded for every group on every
    run, so keep it small; `value` is kept pickled until `value(blob)`.
    `open_too`: a fold that does not depend on `now` (the Message-IDs and
    keys of tix.storage.keys) folds the open tickets into their groups too,
    so no ticket is decoded on a run where no file changed (`hot` is empty).
    `hot`: a test of an open ticket's index row (`index.Row`): only those
    that pass are decoded (`list --org X` needs X's open tickets only).
    `quiet`: groups the caller's window cannot see are given to a cheap
    fold instead (`Quiet`): a fresh clone's first month report folds the
    last 13 months whole, not every year."""
    idx, items, seen = _refreshed(store, problems, Where(HOT))
    if hot is not None:  # the open tickets the caller cannot use are not decoded
        items = [(rel, e) for rel, e in items if e[0][1] not in HOT or hot(_new_row(Row, e[0]))]
    return _derive(store, idx, items, seen, name, fold, fp, open_too, quiet)


def _read_checked(path: Any, fp: bytes) -> dict[str, Any] | None:
    """A file `_write_derived` wrote, of this format and fingerprint `fp`;
    None when it is missing, damaged (the pickle could still load, with
    other numbers: its checksum fails) or of another format or fingerprint."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    if len(raw) < 16 or _hash(raw[16:]) != raw[:16]:
        return None
    doc = load_cache(raw[16:])
    if isinstance(doc, dict) and doc.get("version") == DERIVED_VERSION and doc.get("fp") == fp:
        return doc
    return None


def _read_derived(path: Any, fp: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = _read_checked(path, fp)
    if doc is None or not (isinstance(doc.get("shards"), dict) and isinstance(doc.get("groups"), dict)):
        return {}, {}  # fold again
    groups = doc["groups"]
    for g, e in groups.items():  # the shape we wrote, or nothing of it
        if not (type(g) is str and type(e) is tuple and len(e) == 4 and type(e[0]) is str
                and (e[1] is None or type(e[1]) is bytes) and type(e[3]) is bytes):
            return {}, {}
    return doc["shards"], groups


def _derive(store: Store, idx: Index, items: list[tuple[str, tuple[Any, ...]]], seen: dict[str, bytes], name: str,
            fold: Callable[[list[Ticket]], tuple[Any, Any]], fp_fn: Callable[[], bytes],
            open_too: bool = False, quiet: Quiet | None = None) -> Derived:
    path = store.state_dir / (DERIVED + name)
    fp = fp_fn()
    old_shards, old_groups = _read_derived(path, fp)
    racy_groups = {_group_key(rel) for rel in idx.racy}
    shards: dict[str, Any] = {}
    groups: dict[str, tuple[Any, ...]] = {}
    stale: dict[str, bytes | None] = {}  # group -> its signature (None: racy, fold again next run)
    gc.disable()
    try:
        for shard, chunk in seen.items():
            shards[shard] = _hash(chunk)
        # groups by shard, from the old cache
        by_shard: dict[str, list[str]] = {}
        for g, e in old_groups.items():
            by_shard.setdefault(e[0], []).append(g)
        for shard, chunk in seen.items():
            h = shards[shard]
            mine = by_shard.get(shard, ())
            if (old_shards.get(shard) == h and not any(g in racy_groups for g in mine)
                    and all(old_groups[g][1] is not None for g in mine)):
                for g in mine:  # the shard is as it was: so is every group in it
                    groups[g] = old_groups[g]
                continue
            for g, sig in _group_sigs(chunk).items():
                e = old_groups.get(g)
                if g in racy_groups:
                    stale[g] = None
                    shards[shard] = None
                elif e is not None and e[0] == shard and e[1] == sig:
                    groups[g] = e
                else:
                    stale[g] = sig
    finally:
        gc.enable()
    if quiet is not None:  # groups left unfolded that this caller's window reaches: fold them now
        for g, e in list(groups.items()):
            if _quiet(e[2]) and e[2][1] >= quiet.since:
                stale[g] = e[1]
                del groups[g]
    few = len(stale) <= FEW_STALE
    if stale and not few:  # the resolved and closed tickets of many groups are needed: unpack them all
        if idx.cold_raw is not None and not idx.full():
            # a damaged index: start again without it
            _unlink(store.state_dir / NAME)
            idx = Index(store)
            items = idx.refresh(None, _scan=seen)
        data = idx.data
    else:
        data = dict(items)
    hot: list[Ticket] = []
    members: dict[str, list[tuple[str, tuple[Any, ...] | None]]] = {}
    gc.disable()
    try:
        for rel, e in (data.items() if stale and not few else items):
            row = e[0]
            if row is None:
                continue
            if row[1] in HOT and not open_too:
                t = _decode(idx, rel, e)
                if t is not None:
                    hot.append(t)
            elif stale and not few:
                g = _group_key(rel)
                if g in stale:
                    members.setdefault(g, []).append((rel, e))
        if stale and few:
            # A few groups changed (a ticket written since the last run): their
            # members come from the scan of their shards; a resolved or closed
            # one whose row is still packed (`index.cold_raw`) is read from its
            # file, so the cold part is neither unpacked nor written anew.
            cold_packed = idx.cold_raw is not None
            shards_of: dict[str, set[str]] = {}
            for g in stale:
                shards_of.setdefault(g[:g.index("\0")], set()).add(g)
            for shard, gs in shards_of.items():
                for rel in sorted(_records(seen[shard])):
                    g = _group_key(rel)
                    if g not in gs:
                        continue
                    e = idx.data.get(rel)
                    if e is None:
                        if cold_packed:
                            members.setdefault(g, []).append((rel, None))
                    elif e[0] is not None and (open_too or e[0][1] not in HOT):
                        members.setdefault(g, []).append((rel, e))
    finally:
        gc.enable()
    if quiet is not None:
        for g in list(stale):
            ms = members.get(g, ())
            if stale[g] is None or not ms or any(e is None or not quiet.stopped(e[0]) for _, e in ms):
                continue
            last = max(e[0][3] for _, e in ms)  # type: ignore[index]
            if last >= quiet.since:
                continue
            tickets = [t for rel, e in ms if e is not None and quiet.wanted(e[0])
                       and (t := _decode(idx, rel, e)) is not None]
            meta, val = quiet.fold(tickets)
            orgs = frozenset(e[0][4] for _, e in ms if e[0][4])  # type: ignore[index]
            groups[g] = (g[:g.index("\0")], stale[g], (QUIET, last, meta, orgs), pickle.dumps(val, protocol=5))
            del stale[g]
    for g, meta, blob in _fold_all(idx, members, list(stale), fold):
        groups[g] = (g[:g.index("\0")], stale[g], meta, blob)
    idx.write()
    if stale or old_shards != shards:
        # the fingerprint as it is now: a fold may have added a year to the holiday table;
        # a group folded earlier needed no year it lacked then (it would have added it)
        after = fp_fn() if stale else fp
        _write_derived(store, path, {"version": DERIVED_VERSION, "fp": after, "shards": shards, "groups": groups})
    return Derived([(e[2][2] if _quiet(e[2]) else e[2], e[3]) for e in groups.values()], hot,
                   frozenset(o for e in groups.values() if _quiet(e[2]) for o in e[2][3]), _stat_of(seen, idx.racy))


def _stat_of(seen: dict[str, bytes], racy: set[str]) -> Callable[[str], str | None]:
    """rel -> the file's stat key in the scan `seen`; None for a file not in
    it, or changed too close to the scan to tell a later change by its key."""
    shards: dict[str, dict[str, str]] = {}

    def stat(rel: str) -> str | None:
        if rel in racy or not rel.startswith("tickets/") or "/" not in rel[8:]:
            return None
        shard = rel[8:rel.rindex("/")]
        recs = shards.get(shard)
        if recs is None:
            chunk = seen.get(shard)
            recs = shards[shard] = _records(chunk) if chunk is not None else {}
        return recs.get(rel)

    return stat


# ------------------------------------------------------------------ values per file
#
# What a command computes of one ticket file that costs more than reading a
# cached row (the IT manager's view's entry of a closed ticket: its public
# history, work and SLA outcome in a month, which needs the file's events),
# kept per file while the file's stat key and the fingerprint are unchanged:
# `index.derived.<name>`, one small file per name (a month and organisation).

MEMO_KEEP = 64  # memo files kept (the least recently written go first)


class Memo:
    """Values per ticket file: `get(rel)` gives the value kept for the file
    as it is now (per `stat`, the run's scan), or `MISSING`; `put` keeps one
    (not for a file the scan cannot vouch for); `save` writes the file when
    anything changed. A damaged or foreign file is an empty memo."""

    MISSING: Any = object()

    def __init__(self, store: Store, name: str, fp: bytes, stat: Callable[[str], str | None]):
        self.store, self.path, self.fp, self.stat = store, store.state_dir / (DERIVED + name), fp, stat
        self.old: dict[str, tuple[str, Any]] = {}
        self.new: dict[str, tuple[str, Any]] = {}
        self.dirty = False
        doc = _read_checked(self.path, fp)
        if doc is not None and isinstance(doc.get("values"), dict):
            self.old = doc["values"]

    def get(self, rel: str) -> Any:
        e = self.old.get(rel)
        if type(e) is not tuple or len(e) != 2:
            return self.MISSING
        key = self.stat(rel)
        if key is None or e[0] != key:
            return self.MISSING
        self.new[rel] = e
        return e[1]

    def put(self, rel: str, value: Any) -> None:
        key = self.stat(rel)
        if key is not None:
            self.new[rel] = (key, value)
            self.dirty = True

    def save(self) -> None:
        """Keep the values got or put this run (the others are of files gone
        or changed, or no longer asked for)."""
        if not self.dirty and self.new.keys() == self.old.keys():
            return
        _write_derived(self.store, self.path, {"version": DERIVED_VERSION, "fp": self.fp, "values": self.new})
        _prune(self.store, self.path.name)


def _prune(store: Store, keep: str) -> None:
    """At most MEMO_KEEP memo files: the least recently written go."""
    try:
        memos = [p for p in store.state_dir.glob(DERIVED + "memo.*") if p.name != keep]
        if len(memos) < MEMO_KEEP:
            return
        memos.sort(key=lambda p: p.stat().st_mtime)
        for p in memos[:len(memos) - MEMO_KEEP + 1]:
            _unlink(p)
    except OSError:
        pass


_FOLD_JOB: Any = None  # (index, members, fold) for the worker processes of a big fold (inherited by fork)


def _member(idx: Index, rel: str, e: tuple[Any, ...] | None) -> Ticket | None:
    """A group member: decoded from the index, or (its row still packed in the
    cold part) parsed from its file."""
    if e is not None:
        return _decode(idx, rel, e)
    res = _parse(str(idx.store.root), rel)
    if res[0] != "ok":
        return None
    t: Ticket = ticketcodec.loads(res[2])
    t.path = rel
    return t


def _fold_some(keys: list[str]) -> list[tuple[str, Any, bytes]]:
    idx, members, fold = _FOLD_JOB
    gc.disable()
    out = []
    for g in keys:
        tickets = [t for t in (_member(idx, rel, e) for rel, e in members.get(g, ())) if t is not None]
        meta, val = fold(tickets)
        out.append((g, meta, pickle.dumps(val, protocol=5)))
    return out


def _fold_all(idx: Index, members: dict[str, list[tuple[str, tuple[Any, ...] | None]]], keys: list[str],
              fold: Callable[[list[Ticket]], tuple[Any, Any]]) -> list[tuple[str, Any, bytes]]:
    """fold() of each group; in 2+ processes when there are many tickets to
    fold (the first report after a policy change, or after `tix reindex`)."""
    from tix.core import progress

    global _FOLD_JOB
    _FOLD_JOB = (idx, members, fold)
    try:
        n = sum(len(members.get(g, ())) for g in keys)
        label = f"computing figures of {n:,} closed tickets"
        size = max(1, len(keys) // (_workers() * 8)) if n >= _index.PARALLEL_MIN else max(1, len(keys) // 20)
        chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
        results = fork_map(_fold_some, chunks) if n >= _index.PARALLEL_MIN else None
        if results is None:
            results = (item for chunk in chunks for item in _fold_some(chunk))
        return list(progress.counted(label, results, len(keys)))
    finally:
        _FOLD_JOB = None
        gc.enable()


def _write_derived(store: Store, path: Any, doc: dict[str, Any]) -> None:
    try:
        store.ensure_state_dir()
        raw = pickle.dumps(doc, protocol=5)
        raw = _hash(raw) + raw  # a checksum: a damaged file is never read as numbers
        tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except (OSError, StoreError, pickle.PicklingError):
        pass  # a cache we cannot write only costs speed
