"""The index cache: per ticket file, the folded `Ticket` (without its event
list) and a few columns for filtering, kept in the clone's local state
(`.git/tix/`, or `.tix/` without git; never shared).

Two files:
- `index.pickle`, the head: per ticket file its stat key, its columns (`Row`)
  and where its encoded `Ticket` lies in the blob file (or why the file is
  broken). Small: 100,000 tickets load in about 0.1 s.
- `index.blobs.<tag>`, the blobs: tickets as `tix.storage.ticketcodec`
  writes them (a marshal tuple; a pickle where that cannot hold the
  ticket), appended only, never
  rewritten in place; when more than half of it is dead it is written anew
  under a new tag and the head names the new one. Commands that need a few
  tickets (`list` of open ones, `sla`) read only those.

Honesty rules:
- every run stats every ticket file and trusts an entry only if size,
  mtime_ns, ctime_ns and inode all match (ctime changes on any write, even
  one that restores the mtime), so edits by hand, `git pull` or another
  process are always seen; only changed files are parsed again;
- a file changed in the same tick of the file system's clock as the parse
  (or later) is not trusted on the next run either: file times tick
  coarsely, and a second edit in that tick, of the same size, would keep the
  same key (git's "racily clean" entries). The tick is read off the file
  system itself (`filescan.fs_clock`: the ctime of a file made in the local
  state just before the parse), so the files a `git clone` or a big pull
  wrote a moment before are trusted at once; where that clock cannot be
  read, anything changed less than `RACY_NS` before the scan is not, and
  where the desk's ctimes are whole seconds (a coarse file system) nothing
  changed within `COARSE_NS` of it;
- deleting or corrupting the cache changes no result, only speed: a blob that
  cannot be read or does not fit is parsed again from its file;
- writers take a lock, merge their changes into the head they find on disk,
  append blobs and rename a new head into place, so concurrent tix processes
  never see or leave a half-written cache and never drop each other's work;
- pickles are read with an allow-list unpickler (`ticketcodec.unpickle`):
  only plain data, `Ticket` and datetime classes can be built, nothing can
  run; a marshal blob must have the ticket's shape or it is parsed again.

Speed (100,000 tickets, 2 cores): the stat of every file runs in a `find`
process on the other core while this one loads the head (Python's own scan
is the fallback); the garbage collector is off while the cache's many small
objects are built; a cold build parses in 2+ processes."""

from __future__ import annotations

import contextlib
import fcntl
import gc
import mmap
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from tix.core.errors import BrokenFile, NotFound, StoreError

if TYPE_CHECKING:
    from tix.core.ticket import Ticket
    from tix.storage.store import Store
from tix.storage import ticketcodec
from tix.storage.filescan import _ctime_ns, _finish_find, _records, _scan_python, _start_find, fs_clock, scan

NAME = "index.pickle"
BLOBS = "index.blobs."  # + tag
LOCK = "index.lock"
DERIVED = "index.derived."  # + name: the derived values' files (tix.storage.derived)
OPEN_IDS = "index.open"  # the open tickets' IDs as text, for shell completion
PARALLEL_MIN = 1500  # files to parse before a second process helps
COMPACT_MIN = 4 << 20  # dead blob bytes before the blob file is written anew (and more dead than live)
HOT = frozenset(("new", "open", "waiting"))  # rows loaded first; resolved and closed ones only when asked
RACY_NS = 2_000_000_000  # without the file system's clock: changed this close to the scan, check again next run
COARSE_NS = 2_000_000_000  # the tick of the coarsest file times (FAT): where every ctime is a whole second


def _version() -> tuple[Any, ...]:
    """The cache format: bumped by hand, and keyed on the Ticket's fields so a
    new field in the fold never meets an old pickle."""
    from tix.core.ticket import Ticket

    return (6, Ticket.__module__, tuple(Ticket.__dataclass_fields__))  # a moved class must not meet old pickles


# What loading a damaged or foreign local cache file can raise: the cache is
# then rebuilt from the ticket files (it only ever costs time).
CACHE_ERRORS: tuple[type[BaseException], ...] = (
    pickle.UnpicklingError, EOFError, ImportError, MemoryError, ValueError, TypeError, LookupError, AttributeError,
    OverflowError)


class Row(NamedTuple):
    """Columns a command can filter on without decoding the ticket."""

    id: str
    status: str
    created: float  # epoch seconds
    last: float  # last activity, epoch seconds
    org: str | None
    team: str | None
    assignee: str | None
    category: str


_new_row = tuple.__new__


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


class Where:
    """A `where` test that says which statuses can pass at all, so the index
    need not even unpack the rows of the others:
    `Where(OPEN_STATUSES, lambda r: r.team == "backup")`."""

    def __init__(self, statuses: Any, test: Callable[[Row], bool] | None = None):
        self.statuses = frozenset(statuses)
        self.test = test

    def __call__(self, row: Row) -> bool:
        # a Row from a plain tuple at C speed (the head stores plain tuples)
        return row.status in self.statuses and (self.test is None or self.test(row))


def load_cache(raw: bytes) -> Any:
    """A local cache's pickled document, or None when it is damaged or
    foreign (then it is rebuilt: a cache only ever costs time). The collector
    is off meanwhile: millions of small objects and no cycles."""
    gc.disable()
    try:
        return ticketcodec.unpickle(raw)
    except CACHE_ERRORS:
        return None
    finally:
        gc.enable()


def _intern(s: Any) -> Any:
    return sys.intern(s) if type(s) is str else s


def _row(t: Ticket) -> tuple[Any, ...]:
    # interned: equal strings pickle once (the pickler memoizes by identity)
    return (t.id, _intern(t.status), t.created.timestamp(), (t.last_activity or t.created).timestamp(),
            _intern(t.org), _intern(t.team), _intern(t.assignee), _intern(t.category))


_worker_store: Any = None
_worker_root: str | None = None


def _workers() -> int:
    return min(os.cpu_count() or 1, 4)


def fork_map(fn: Callable[[Any], list[Any]], chunks: list[Any]) -> Any:
    """`fn(chunk)` for each chunk in forked worker processes (they inherit
    what the caller set up), the items of the results streamed in chunk order;
    None where that cannot help or start (one core, no fork): work serially."""
    if _workers() < 2 or len(chunks) < 2:
        return None
    import multiprocessing

    try:
        pool = multiprocessing.get_context("fork").Pool(_workers())
    except (OSError, ValueError):
        return None

    def results() -> Any:
        with pool:
            for part in pool.imap(fn, chunks):
                yield from part

    return results()


def _parse(root: str, rel: str) -> tuple[Any, ...]:
    """Parse one file -> ("ok", row, blob) or ("err", message, line). Runs in workers too."""
    global _worker_store, _worker_root
    if _worker_store is None or _worker_root != root:
        from pathlib import Path

        from tix.storage.store import Store

        _worker_store, _worker_root = Store(Path(root)), root
    store = _worker_store
    try:
        t = store.load_rel(rel)
    except BrokenFile as err:
        return ("err", err.message, err.line)
    except NotFound as err:
        return ("err", err.message, None)
    t.events = []
    return ("ok", _row(t), ticketcodec.dumps(t))


def _parse_many(args: tuple[str, list[str]]) -> list[tuple[Any, ...]]:
    root, rels = args
    gc.disable()
    return [_parse(root, rel) for rel in rels]


# ------------------------------------------------------------------ the cache

class Index:
    """The cache in memory. `chunks`: shard -> its scan chunk of the last run;
    `data`: rel -> (row, offset, length) for a good file or (None, message,
    line) for a broken one, in path order; offset -1: the blob is only in
    `fresh` (parsed this run, not yet written); `racy`: files changed too
    close to the scan that parsed them, parsed again next run."""

    def __init__(self, store: Store):
        self.store = store
        self.dir = store.state_dir
        self.path = self.dir / NAME
        self.chunks: dict[str, bytes] = {}
        self.data: dict[str, tuple[Any, ...]] = {}
        self.racy: set[str] = set()
        self.blob_name: str | None = None
        self.blobs: Any = None  # mmap (or b"") of the blob file
        self.head_key: Any = None
        self.cold_raw: bytes | None = None  # the packed rows of resolved and closed tickets
        self.count = self.hot_count = self.cold_live = 0
        self.fresh: dict[str, bytes] = {}  # rel -> blob parsed this run
        self.gone: set[str] = set()
        self.changed = False

    # -------------------------------------------------------------- reading
    def read(self, hot_only: bool = False) -> None:
        """Load the head; `hot_only`: leave the rows of resolved and closed
        tickets packed until something needs them (`full()`)."""
        for _ in range(2):  # a writer may compact between our reading the head and opening its blobs
            if self._read_once(hot_only):
                return
        self.chunks, self.data, self.racy, self.blob_name, self.blobs = {}, {}, set(), None, None

    def _read_once(self, hot_only: bool) -> bool:
        self.chunks, self.data, self.racy, self.blob_name, self.blobs = {}, {}, set(), None, None
        self.cold_raw = None
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                raw = fh.read()
        except OSError:
            return True
        self.head_key = (st.st_size, st.st_mtime_ns, st.st_ino)
        doc = load_cache(raw)
        if not (isinstance(doc, dict) and doc.get("version") == _version() and isinstance(doc.get("chunks"), dict)
                and isinstance(doc.get("hot"), dict) and isinstance(doc.get("cold"), bytes)
                and isinstance(doc.get("racy"), set) and isinstance(doc.get("count"), int)):
            return True
        name = doc.get("blobs")
        if isinstance(name, str) and name.startswith(BLOBS) and "/" not in name:
            try:
                with open(self.dir / name, "rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    self.blobs = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            except (OSError, ValueError):
                return False
            self.blob_name = name
        self.chunks, self.data, self.racy, self.count = doc["chunks"], doc["hot"], doc["racy"], doc["count"]
        self.cold_raw, self.hot_count, self.cold_live = doc["cold"], len(doc["hot"]), doc.get("cold_live", 0)
        if not hot_only and not self.full():
            self.chunks, self.data, self.racy, self.blob_name, self.blobs = {}, {}, set(), None, None
        return True

    def full(self) -> bool:
        """Unpack the rows of resolved and closed tickets too (path order kept)."""
        if self.cold_raw is None:
            return True
        raw, self.cold_raw = self.cold_raw, None
        cold = load_cache(raw)
        if not isinstance(cold, dict) or len(cold) != self.count - self.hot_count:
            return False
        self.data = dict(sorted((*self.data.items(), *cold.items()), key=_first))
        return True

    def blob(self, rel: str, entry: tuple[Any, ...]) -> bytes | None:
        b = self.fresh.get(rel)
        if b is not None:
            return b
        off, n = entry[1], entry[2]
        if self.blobs is None or type(off) is not int or type(n) is not int or off < 0:
            return None
        data = self.blobs[off:off + n]
        return data if len(data) == n else None

    # -------------------------------------------------------------- scanning
    def refresh(self, problems: list[BrokenFile] | None = None, *, _scan: dict[str, bytes] | None = None
                ) -> list[tuple[str, tuple[Any, ...]]]:
        """Stat every ticket file; re-parse what changed. Returns (rel, entry)
        of the good files (only the hot ones if the cold part is still
        packed), sorted by path; broken ones go to `problems`."""
        scan_ns = time.time_ns()
        new = _scan if _scan is not None else scan(self.store)
        old = self.chunks
        gc.disable()
        try:
            keys: dict[str, str] = {}  # of the files in changed shards
            stale: list[str] = []
            existed: set[str] = set()  # stale files the cache knew (in `data` or in the packed cold part)
            for shard, chunk in new.items():
                if old.get(shard) == chunk:
                    continue
                now_keys = _records(chunk)
                before = _records(old[shard]) if shard in old else {}
                keys.update(now_keys)
                for rel, key in now_keys.items():
                    k = before.get(rel)
                    if k != key:
                        stale.append(rel)
                        if k is not None:
                            existed.add(rel)
                self.gone.update(rel for rel in before if rel not in now_keys)
            for shard in old.keys() - new.keys():
                self.gone.update(_records(old[shard]))
            listed = set(stale)
            for rel in self.racy:  # parsed too close to their change: parse again
                if rel not in keys:
                    shard = rel[8:rel.rindex("/")]
                    if shard in new:
                        keys.update(_records(new[shard]))
                if rel in keys and rel not in listed:
                    stale.append(rel)
                    listed.add(rel)
                    existed.add(rel)
            racy = {r for r in self.racy if r in keys}
            self.gone -= keys.keys()
            if stale or self.gone or racy != self.racy or old.keys() != new.keys():
                self.changed = True
            settled = self._settled(scan_ns, [keys[rel] for rel in stale]) if stale else scan_ns
            results = self._parse_all(stale)
            if self.cold_raw is not None:
                hot = self.data
                # a change that touches a resolved or closed ticket needs the cold part unpacked
                touches_cold = (any(rel not in hot for rel in existed) or any(rel not in hot for rel in self.gone)
                                or any(res[0] == "ok" and res[1][1] not in HOT for res in results))
                if touches_cold and not self.full():  # a damaged cold part: start again from nothing
                    self.chunks, self.data, self.racy, self.gone = {}, {}, set(), set()
                    gc.enable()
                    return self.refresh(problems, _scan=new)
            data = self.data
            added = False
            for rel, res in zip(stale, results, strict=False):
                try:
                    if _ctime_ns(keys[rel]) >= settled:
                        racy.add(rel)  # changed just now: the same key may hide a second change next run
                    else:
                        racy.discard(rel)
                except (ValueError, IndexError):
                    racy.add(rel)
                if rel not in data:
                    added = True
                if res[0] == "ok":
                    data[rel] = (res[1], -1, len(res[2]))
                    self.fresh[rel] = res[2]
                else:
                    data[rel] = (None, res[1], res[2])
            for rel in self.gone:
                data.pop(rel, None)
                racy.discard(rel)
            self.racy = racy
            self.chunks = new
            if added:  # kept in path order, so that a run that finds nothing new needs no sort
                self.data = data = {r: data[r] for r in sorted(data)}
            out = []
            for rel, e in data.items():
                if e[0] is not None:
                    out.append((rel, e))
                elif problems is not None:
                    problems.append(BrokenFile(e[1], path=rel, line=e[2]))
        finally:
            gc.enable()
        return out

    def _settled(self, scan_ns: int, keys: list[str]) -> int:
        """The ctime from which a file about to be parsed is racy: the file
        system's clock now (read before the parse; a change in an earlier
        tick happened before it), never later than this process's clock;
        where that clock cannot be read, `RACY_NS` before the scan; on a
        file system whose ctimes are whole seconds, `COARSE_NS` earlier."""
        line = scan_ns - RACY_NS
        try:
            self.store.ensure_state_dir()
            fs_now = fs_clock(self.dir)
        except (OSError, StoreError):
            fs_now = None
        if fs_now is not None:
            line = max(line, min(fs_now, time.time_ns()))
        try:
            coarse = not any(_ctime_ns(k) % 1_000_000_000 for k in keys[:1000])
        except (ValueError, IndexError):  # a key find printed oddly: assume the worst
            coarse = True
        if coarse:  # COARSE_NS before the later of the scan and the clock read above
            line = min(line, max(scan_ns, line) - COARSE_NS)
        return line

    def _parse_all(self, rels: list[str]) -> list[tuple[Any, ...]]:
        from tix.core import progress

        root = str(self.store.root)
        if len(rels) >= PARALLEL_MIN:
            size = max(100, min(2000, len(rels) // (_workers() * 8)))
            results = fork_map(_parse_many, [(root, rels[i:i + size]) for i in range(0, len(rels), size)])
            if results is not None:
                return list(progress.counted("reading ticket files", results, len(rels)))
        return list(progress.counted("reading ticket files", (_parse(root, rel) for rel in rels), len(rels)))

    # -------------------------------------------------------------- writing
    def write(self) -> None:
        """Write the cache (merging what another process wrote meanwhile), under its lock."""
        if not self.changed:
            return
        gc.disable()
        try:
            self.store.ensure_state_dir()
            fd = os.open(self.dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._write_locked()
            finally:
                os.close(fd)
        except (OSError, StoreError, ValueError, TypeError, pickle.PicklingError):
            pass  # a cache we cannot write only costs speed
        finally:
            gc.enable()

    def _write_locked(self) -> None:
        try:
            st = os.stat(self.path)
            on_disk: Any = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            on_disk = None
        merge = on_disk is not None and on_disk != self.head_key
        if merge and not self.full():
            self.chunks, self.data = {}, {}  # our cold part is damaged: keep nothing of ours
        chunks, data, racy, blob_name, blobs = self.chunks, self.data, self.racy, self.blob_name, self.blobs
        if merge:
            # Another process wrote the cache since we read it. Our scan is as
            # recent as its; keep its blobs for the files we did not parse and
            # add ours. Where it parsed a file later than we did, the stat keys
            # decide on the next run (a chunk that differs is looked at again).
            other = Index(self.store)
            other.read()  # in full
            if other.data and other.blobs is not None:
                blob_name, blobs = other.blob_name, other.blobs
                merged = {}
                for rel, e in data.items():
                    if rel in self.fresh or e[0] is None:
                        merged[rel] = e
                        continue
                    shard = rel[8:rel.rindex("/")]
                    theirs = other.data.get(rel)
                    if (theirs is not None and theirs[0] is not None and rel not in other.racy
                            and other.chunks.get(shard) == chunks.get(shard)):
                        merged[rel] = theirs  # parsed from the same file version, its blob is in their file
                    else:
                        merged[rel] = (e[0], -2, e[2])  # our blob is not in their file: parse again next run
                data = merged
        live = sum(e[2] for e in data.values() if e[0] is not None and e[1] >= 0)
        if self.cold_raw is not None:
            live += self.cold_live
        dead = (len(blobs) if blobs is not None else 0) - live
        if (blob_name is None or blobs is None or not (self.dir / blob_name).exists()
                or dead > max(live, COMPACT_MIN)):
            if self.cold_raw is not None:  # (no merge: that unpacked it) every blob is copied
                if not self.full():
                    self.chunks, self.data = {}, {}
                chunks, data = self.chunks, self.data
            blob_name = self._compact(data, blobs, racy)
        else:
            mine = [rel for rel, e in data.items() if e[0] is not None and e[1] == -1 and rel in self.fresh]
            if mine:
                with open(self.dir / blob_name, "ab") as fh:
                    off = fh.seek(0, os.SEEK_END)
                    parts = []
                    for rel in mine:
                        b = self.fresh[rel]
                        data[rel] = (data[rel][0], off, len(b))
                        parts.append(b)
                        off += len(b)
                    fh.write(b"".join(parts))
        lost = [rel for rel, e in data.items() if e[0] is not None and e[1] < 0]
        if lost:  # entries without a blob: their shards are looked at again next run
            chunks = dict(chunks)
            for rel in lost:
                chunks.pop(rel[8:rel.rindex("/")], None)
        if self.cold_raw is not None:  # no cold entry changed: its packed bytes go back as they were
            hot, cold_raw, count = data, self.cold_raw, self.count - self.hot_count + len(data)
        else:
            hot, cold = {}, {}
            for rel, e in data.items():
                if e[0] is None or e[0][1] in HOT:
                    hot[rel] = e
                else:
                    cold[rel] = e
            cold_raw, count = pickle.dumps(cold, protocol=5), len(data)
        cold_live = sum(e[2] for e in data.values() if e[0] is not None and e[1] >= 0 and e[0][1] not in HOT)
        head = {"version": _version(), "blobs": blob_name, "chunks": chunks, "hot": hot, "cold": cold_raw,
                "cold_live": self.cold_live if self.cold_raw is not None else cold_live,
                "racy": racy, "count": count}
        raw = pickle.dumps(head, protocol=5)
        tmp = self.dir / f".{NAME}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, self.path)
        # the open tickets' IDs, one a line, for shell completion (which must not load the head)
        ids = sorted(e[0][0] for e in hot.values() if e[0] is not None and e[0][1] in HOT)
        with contextlib.suppress(OSError):
            tmp = self.dir / f".{OPEN_IDS}.{os.getpid()}.tmp"
            tmp.write_text("".join(f"{t}\n" for t in ids), encoding="utf-8")
            os.replace(tmp, self.dir / OPEN_IDS)
        for p in self.dir.glob(BLOBS + "*"):  # blob files no head names any more
            if p.name != blob_name and (p.name == self.blob_name or time.time() - p.stat().st_mtime > 600):
                _unlink(p)

    def _compact(self, data: dict[str, tuple[Any, ...]], blobs: Any, racy: set[str]) -> str:
        """Write every live blob to a new blob file; returns its name."""
        name = f"{BLOBS}{os.getpid()}.{time.time_ns()}"
        off = 0
        with open(self.dir / name, "wb") as fh:
            buf: list[bytes] = []
            for rel, e in data.items():
                if e[0] is None:
                    continue
                b = self.fresh.get(rel)
                if b is None and blobs is not None and e[1] >= 0:
                    b = blobs[e[1]:e[1] + e[2]]
                if b is None or len(b) != e[2]:
                    continue  # no blob: left with offset < 0, parsed again next run
                data[rel] = (e[0], off, len(b))
                buf.append(b)
                off += len(b)
                if len(buf) >= 4096:
                    fh.write(b"".join(buf))
                    buf = []
            fh.write(b"".join(buf))
        return name


def _unlink(p: Any) -> None:
    with contextlib.suppress(OSError):
        os.unlink(p)


def _decode(idx: Index, rel: str, e: tuple[Any, ...]) -> Ticket | None:
    from tix.core.ticket import Ticket

    b = idx.blob(rel, e)
    t = None
    if b is not None:
        try:
            t = ticketcodec.loads(b)
        except CACHE_ERRORS:
            t = None
    if not isinstance(t, Ticket) or t.id != e[0][0]:
        res = _parse(str(idx.store.root), rel)
        if res[0] != "ok":
            return None
        t = ticketcodec.loads(res[2])
    t.path = rel
    return t


def _refreshed(store: Store, problems: list[BrokenFile] | None, where: Callable[[Row], bool] | None
               ) -> tuple[Index, list[tuple[str, tuple[Any, ...]]], dict[str, bytes]]:
    """The cache brought up to date with the files: (index, its good entries in
    path order, the scan). `where` names the statuses it needs (`Where`): if
    only open ones, the rows of the others stay packed."""
    proc = _start_find(store)  # stats in parallel with our reading the head
    idx = Index(store)
    statuses = getattr(where, "statuses", None)
    idx.read(hot_only=isinstance(statuses, frozenset) and statuses <= HOT)
    seen = _finish_find(proc) if proc is not None else None
    if seen is None:
        seen = _scan_python(store)
    mark = len(problems) if problems is not None else 0
    try:
        items = idx.refresh(problems, _scan=seen)
    except (TypeError, IndexError, ValueError, AttributeError, KeyError):
        # a cache of the wrong shape (never written by tix): throw it away and do without it
        if problems is not None:
            del problems[mark:]
        _unlink(store.state_dir / NAME)
        idx = Index(store)
        items = idx.refresh(problems, _scan=seen)
    if not idx.changed and idx.head_key is not None and not (idx.dir / OPEN_IDS).exists():
        idx.changed = True  # a cache from before the open-ID list: write it once
    return idx, items, seen


def load_all(store: Store, problems: list[BrokenFile] | None = None,
             where: Callable[[Row], bool] | None = None, each: Callable[[Ticket], Any] | None = None) -> list[Any]:
    """Every readable ticket (without its event list: use `store.ticket(id)` for
    that), filtered on the index columns by `where` before decoding. `each`:
    what to keep of each ticket instead of the ticket (None: nothing), so that
    a command going through tens of thousands holds only what it prints."""
    idx, items, _ = _refreshed(store, problems, where)
    out = []
    gc.disable()
    try:
        for rel, e in items:
            if where is not None and not where(_new_row(Row, e[0])):
                continue
            t = _decode(idx, rel, e)
            if t is None:
                continue
            if each is None:
                out.append(t)
            else:
                x = each(t)
                if x is not None:
                    out.append(x)
    finally:
        gc.enable()
    idx.write()
    return out


def iter_all(store: Store, problems: list[BrokenFile] | None = None,
             where: Callable[[Row], bool] | None = None) -> Any:
    """`load_all` as a generator: one ticket at a time, so a pass over tens of
    thousands (a year's report) never holds them all. Broken files are in
    `problems` before the first ticket comes; the cache is written when the
    pass ends (or stops)."""
    idx, items, _ = _refreshed(store, problems, where)
    return _iter(idx, items, where)


def _iter(idx: Index, items: list[tuple[str, tuple[Any, ...]]], where: Callable[[Row], bool] | None) -> Any:
    try:
        for rel, e in items:
            if where is not None and not where(_new_row(Row, e[0])):
                continue
            t = _decode(idx, rel, e)
            if t is not None:
                yield t
    finally:
        idx.write()


def reindex(store: Store) -> tuple[int, int]:
    """Throw the cache away (derived values too: the next report or invoice
    folds them again) and rebuild it. Returns (tickets, broken files)."""
    d = store.state_dir
    for p in [d / NAME, *(d.glob(BLOBS + "*") if d.is_dir() else []), *(d.glob(DERIVED + "*") if d.is_dir() else [])]:
        _unlink(p)
    problems: list[BrokenFile] = []
    idx = Index(store)
    items = idx.refresh(problems)
    idx.changed = True
    idx.write()
    return len(items), len(problems)
