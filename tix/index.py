"""The index cache: per ticket file, the folded `Ticket` (without its event
list) and a few columns for filtering, kept in the clone's local state
(`.git/tix/index.pickle`, or `.tix/` without git; never shared).

Honesty rules:
- every run stats every ticket file and trusts an entry only if size,
  mtime_ns, ctime_ns and inode all match (ctime changes on any write, even
  one that restores the mtime), so edits by hand, `git pull` or another
  process are always seen; only changed files are parsed again;
- deleting or corrupting the cache changes no result, only speed;
- the cache is written whole to a temp file and renamed, so concurrent tix
  processes never see or leave a half-written cache (last writer wins);
- it is a pickle read with an allow-list unpickler: only plain data,
  `Ticket` and datetime classes can be built, nothing can run.

Tickets are decoded lazily: `load_all(where=...)` filters on the columns
first, so `list` of open tickets decodes only the open ones."""

from __future__ import annotations

import gc
import io
import os
import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from tix.errors import BrokenFile, NotFound, StoreError

if TYPE_CHECKING:
    from tix.store import Store
    from tix.ticket import Ticket

NAME = "index.pickle"


def _version() -> tuple[Any, ...]:
    """The cache format: bumped by hand, and keyed on the Ticket's fields so a
    new field in the fold never meets an old pickle."""
    from tix.ticket import Ticket

    return (4, tuple(Ticket.__dataclass_fields__))
PARALLEL_MIN = 1500  # files to parse before a second process helps


@dataclass(frozen=True)
class Row:
    """Columns a command can filter on without decoding the ticket."""

    id: str
    status: str
    created: float  # epoch seconds
    last: float  # last activity, epoch seconds
    org: str | None
    team: str | None
    assignee: str | None
    category: str


class _SafeUnpickler(pickle.Unpickler):
    ALLOWED = {
        ("tix.ticket", "Ticket"), ("tix.index", "Row"), ("datetime", "datetime"), ("datetime", "timezone"),
        ("datetime", "timedelta"), ("copyreg", "_reconstructor"), ("builtins", "object"), ("builtins", "set"),
        ("builtins", "frozenset"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the index")


def _loads(data: bytes) -> Any:
    return _SafeUnpickler(io.BytesIO(data)).load()


def _row(t: Ticket) -> Row:
    return Row(t.id, t.status, t.created.timestamp(), (t.last_activity or t.created).timestamp(), t.org, t.team,
               t.assignee, t.category)


def _parse(root: str, rel: str) -> tuple[Any, ...]:
    """Parse one file -> ("ok", row, blob) or ("err", message, line). Runs in workers too."""
    from pathlib import Path

    from tix.store import Store

    store = Store(Path(root))
    try:
        t = store.load_path(Path(root) / rel)
    except BrokenFile as err:
        return ("err", err.message, err.line)
    except NotFound as err:
        return ("err", err.message, None)
    t.events = []
    return ("ok", _row(t), pickle.dumps(t, protocol=5))


def _parse_many(args: tuple[str, list[str]]) -> list[tuple[Any, ...]]:
    root, rels = args
    return [_parse(root, rel) for rel in rels]


class Index:
    def __init__(self, store: Store):
        self.store = store
        self.path = store.state_dir / NAME
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.changed = False

    # -------------------------------------------------------------- cache file
    def read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
            gc.disable()
            try:
                doc = _loads(data)
            finally:
                gc.enable()
            if isinstance(doc, dict) and doc.get("version") == _version() and isinstance(doc.get("entries"), dict):
                self.entries = doc["entries"]
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError,
                KeyError, MemoryError, RecursionError):
            self.entries = {}  # no cache, or a corrupt one: rebuild, same results

    def write(self) -> None:
        if not self.changed:
            return
        try:
            self.store.ensure_state_dir()
            data = pickle.dumps({"version": _version(), "entries": self.entries}, protocol=5)
            tmp = self.path.with_name(f".{NAME}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except (OSError, StoreError):
            pass  # a cache we cannot write only costs speed

    # -------------------------------------------------------------- scanning
    def refresh(self, problems: list[BrokenFile] | None = None) -> list[tuple[str, Row, bytes]]:
        """Stat every ticket file; re-parse what changed. Returns (rel, row, blob) of good files."""
        root = self.store.root
        seen: dict[str, tuple[int, int, int, int]] = {}
        tickets_dir = self.store.tickets_dir
        prefix_len = len(str(root)) + 1
        if tickets_dir.is_dir():
            from tix.store import PREFIX_RE

            for pdir in os.scandir(tickets_dir):
                if not PREFIX_RE.match(pdir.name) or not pdir.is_dir(follow_symlinks=False):
                    continue
                for shard in os.scandir(pdir.path):
                    if not shard.is_dir(follow_symlinks=False):
                        continue
                    for f in os.scandir(shard.path):
                        if not f.name.endswith(".yaml"):
                            continue
                        st = f.stat(follow_symlinks=False)
                        seen[f.path[prefix_len:]] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        stale = [rel for rel, key in seen.items() if (e := self.entries.get(rel)) is None or e[0] != key]
        gone = [rel for rel in self.entries if rel not in seen]
        for rel in gone:
            del self.entries[rel]
            self.changed = True
        if stale:
            self.changed = True
            for rel, res in zip(stale, self._parse_all(stale)):
                self.entries[rel] = (seen[rel], *res)
        out = []
        for rel in sorted(seen):
            e = self.entries[rel]
            if e[1] == "ok":
                out.append((rel, e[2], e[3]))
            elif problems is not None:
                problems.append(BrokenFile(e[2], path=rel, line=e[3]))
        return out

    def _parse_all(self, rels: list[str]) -> list[tuple[Any, ...]]:
        root = str(self.store.root)
        if len(rels) < PARALLEL_MIN or (os.cpu_count() or 1) < 2:
            return [_parse(root, rel) for rel in rels]
        import multiprocessing

        workers = min(os.cpu_count() or 2, 4)
        size = max(200, len(rels) // (workers * 8))
        chunks = [(root, rels[i:i + size]) for i in range(0, len(rels), size)]
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                return [r for part in pool.map(_parse_many, chunks) for r in part]
        except (OSError, ValueError):
            return [_parse(root, rel) for rel in rels]


def load_all(store: Store, problems: list[BrokenFile] | None = None,
             where: Callable[[Row], bool] | None = None) -> list[Ticket]:
    """Every readable ticket (without its event list: use `store.ticket(id)` for
    that), filtered on the index columns by `where` before decoding."""
    idx = Index(store)
    idx.read()
    items = idx.refresh(problems)
    idx.write()
    out = []
    gc.disable()
    try:
        for rel, row, blob in items:
            if where is not None and not where(row):
                continue
            t = _loads(blob)
            t.path = rel
            out.append(t)
    finally:
        gc.enable()
    return out


def reindex(store: Store) -> tuple[int, int]:
    """Throw the cache away and rebuild it. Returns (tickets, broken files)."""
    try:
        os.unlink(store.state_dir / NAME)
    except OSError:
        pass
    problems: list[BrokenFile] = []
    idx = Index(store)
    items = idx.refresh(problems)
    idx.changed = True
    idx.write()
    return len(items), len(problems)
