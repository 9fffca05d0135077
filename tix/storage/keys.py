"""The clone's map from correlation keys (alert keys, `tix new --key`) and
recurring occurrences to ticket IDs, plus what the alert rules remember about
each key (last seen, last event, storm counts). Local state, never shared:
the map is derived from the ticket files and rebuilt from the index when it
is missing, or when a fetch may have brought tickets from other clones; the
"last seen" times are this clone's own record of the reports it imported.

A key is looked up in one small file, never by scanning the desk."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from tix.core.errors import TixError

if TYPE_CHECKING:
    from tix.core.ticket import Ticket
    from tix.storage.store import Store

NAME = "keys.json"
SEEN = "alerts-seen.json"
LOCK = "keys.lock"


@contextmanager
def locked(store: Store) -> Iterator[None]:
    """One writer of keyed tickets at a time in this clone (so two mail
    imports or two `tix new --key` never open two tickets for one key)."""
    with store._lock(LOCK):
        yield


def _entry(t: Ticket) -> list[Any]:
    return [t.id, t.status, t.created.isoformat(), t.resolved_at.isoformat() if t.resolved_at else None]


class KeyMap:
    def __init__(self, store: Store):
        self.store = store
        self.path = store.state_dir / NAME
        self.data: dict[str, Any] | None = None

    def _stale(self) -> bool:
        gr = self.store.git_root
        if gr is None or self.store._git is None:
            return False
        gitdir = self.store._git[1]
        try:
            mine = self.path.stat().st_mtime_ns
        except OSError:
            return True
        for name in ("FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD"):
            try:
                if (gitdir / name).stat().st_mtime_ns > mine:
                    return True
            except OSError:
                continue
        return False

    def load(self) -> dict[str, Any]:
        if self.data is not None:
            return self.data
        data = None
        if not self._stale():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or not isinstance(data.get("keys"), dict) \
                        or not isinstance(data.get("occ"), dict):
                    data = None
            except (OSError, ValueError):
                data = None
        if data is None:
            data = self.rebuild()
        self.data = data
        return data

    def rebuild(self) -> dict[str, Any]:
        """From the desk's IDs kept beside the index (`desk_ids`): every
        ticket with a key or an occurrence (the open ticket of a key wins over
        closed ones, then the newest). Only the groups of files that changed
        since the last rebuild are read again."""
        d = desk_ids(self.store)
        data = {"keys": d.keys, "occ": d.occ}
        self.data = data
        self.save()
        return data

    def save(self) -> None:
        from tix.storage.store import write_local_cache

        if self.data is not None:
            self.store.ensure_state_dir()
            write_local_cache(self.path, json.dumps(self.data, sort_keys=True).encode("utf-8"))

    # ---------------------------------------------------------------- keys
    def get(self, key: str) -> Ticket | None:
        """The ticket of `key` (open, or the last one), read fresh from its file; None if none."""
        entry = self.load()["keys"].get(key)
        if not entry:
            return None
        try:
            t = self.store.ticket(entry[0])
        except TixError:
            return None
        if t.fields.get("key") != key:
            return None
        while t.merged_into:
            try:
                t = self.store.ticket(t.merged_into)
            except TixError:
                return None
        return t

    def put(self, t: Ticket) -> None:
        key = t.fields.get("key")
        if isinstance(key, str):
            self.load()["keys"][key] = _entry(t)
        o = t.fields.get("occurrence")
        if isinstance(o, str):
            ids = self.load()["occ"].setdefault(o, [])
            if t.id not in ids:
                ids.append(t.id)
                ids.sort()
        self.save()

    # ---------------------------------------------------------------- occurrences
    def occurrence(self, name: str) -> list[str]:
        return list(self.load()["occ"].get(name, []))


# ---------------------------------------------------------------- the desk's IDs
#
# Per group of up to 100 neighbouring ticket files (tix.storage.derived), the
# Message-IDs its tickets hold, their correlation keys and recurring
# occurrences; kept in `index.derived.ids` and valid while the group's files
# are unchanged. So the mail import's Message-ID map and the key map's rebuild
# read one small file and fold only the groups that changed, instead of
# decoding every ticket of the desk (100,000 tickets: 15 s -> well under 1 s).

IDS_VERSION = 1


class DeskIds(NamedTuple):
    mids: dict[str, str]  # Message-ID (imported or sent) -> ticket ID
    keys: dict[str, list[Any]]  # key -> the entry of its ticket (see `_entry`)
    occ: dict[str, list[str]]  # recurring occurrence -> its ticket IDs, sorted


def _ids_fold(tickets: list[Ticket]) -> tuple[Any, None]:
    mids: dict[str, str] = {}
    keys: dict[str, list[Any]] = {}
    occ: dict[str, list[str]] = {}
    first = ""
    for t in tickets:
        first = min(first, t.id) if first else t.id
        for m in getattr(t, "message_ids", None) or ():
            mids[m] = t.id
        key, o = t.fields.get("key"), t.fields.get("occurrence")
        if isinstance(key, str) and not t.merged_into:
            old, new = keys.get(key), _entry(t)
            if old is None or _better(new, old):
                keys[key] = new
        if isinstance(o, str):
            occ.setdefault(o, []).append(t.id)
    return (first, mids, keys, occ), None


def _ids_fingerprint() -> bytes:
    import hashlib

    from tix import __version__
    from tix.storage.index import _version

    return hashlib.blake2b(repr(("ids", IDS_VERSION, _version(), __version__)).encode(), digest_size=16).digest()


def desk_ids(store: Store) -> DeskIds:
    """Every Message-ID, key and occurrence on the desk, through the derived
    values beside the index (open tickets too: none of it depends on `now`)."""
    import gc

    from tix.storage.derived import derive

    d = derive(store, "ids", _ids_fold, _ids_fingerprint, problems=[], open_too=True)
    metas = sorted((m for m, _ in d.groups if type(m) is tuple and len(m) == 4), key=lambda m: m[0])
    mids: dict[str, str] = {}
    keys: dict[str, list[Any]] = {}
    occ: dict[str, list[str]] = {}
    gc.disable()
    try:
        for _, m, k, o in metas:
            mids.update(m)
            for key, new in k.items():
                old = keys.get(key)
                if old is None or _better(new, old):
                    keys[key] = new
            for name, ids in o.items():
                occ.setdefault(name, []).extend(ids)
    finally:
        gc.enable()
    return DeskIds(mids, keys, {k: sorted(v) for k, v in occ.items()})


def _better(new: list[Any], old: list[Any]) -> bool:
    open_new, open_old = new[1] in ("new", "open", "waiting"), old[1] in ("new", "open", "waiting")
    if open_new != open_old:
        return open_new
    return bool(new[2] > old[2])


class Seen:
    """Per key: when a report last came in, when an alert last wrote an event,
    reports held back by the rate cap, and the ticket of a silence."""

    def __init__(self, store: Store):
        self.store = store
        self.path = store.state_dir / SEEN
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, dict[str, Any]] = data if isinstance(data, dict) else {}

    def get(self, key: str) -> dict[str, Any]:
        v = self.data.get(key)
        return v if isinstance(v, dict) else {}

    def update(self, key: str, **values: Any) -> None:
        entry = self.data.setdefault(key, {})
        for k, v in values.items():
            if v is None:
                entry.pop(k, None)
            else:
                entry[k] = v

    def save(self) -> None:
        self.store.ensure_state_dir()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
