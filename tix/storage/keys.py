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
from typing import TYPE_CHECKING, Any

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
        """From the index: every ticket with a key or an occurrence (the open
        ticket of a key wins over closed ones, then the newest)."""
        from tix.storage.index import load_all

        keys: dict[str, list[Any]] = {}
        occ: dict[str, list[str]] = {}

        def each(t: Ticket) -> None:
            key, o = t.fields.get("key"), t.fields.get("occurrence")
            if isinstance(key, str) and not t.merged_into:
                old = keys.get(key)
                new = _entry(t)
                if old is None or _better(new, old):
                    keys[key] = new
            if isinstance(o, str):
                occ.setdefault(o, []).append(t.id)

        load_all(self.store, [], each=each)
        data = {"keys": keys, "occ": {k: sorted(v) for k, v in occ.items()}}
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
