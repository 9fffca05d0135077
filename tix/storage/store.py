"""The store: the only module that reads and writes the desk on disk.

It finds ticket files from their ID without scanning, allocates IDs
(a per-clone prefix plus a counter: `AB-0042`), appends events as single
fsynced lines under an flock, repairs a torn last line, creates files
atomically, and parses files defensively (size limit, UTF-8, no YAML aliases,
schema-checked events). Layout:

    policies.yaml
    tickets/<PREFIX>/<shard>/<PREFIX>-<NNNN>.yaml   shard = number // 1000, 3 digits
    tickets/<PREFIX>/.claim-<clone-id>              which clone owns the prefix
    <git-dir>/tix/ (or .tix/ without git)           local state: clone.json, locks, cache
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.core import events as ev_mod
from tix.core import yamlio
from tix.core.errors import BadInput, BrokenFile, NotFound, StoreError
from tix.core.grammar import CONFLICT_RE as CONFLICT_RE  # the ticket-file grammar, also for the store's callers
from tix.core.grammar import ID_RE, MAX_FILE, check_header, encode_event, parse_ticket_text
from tix.core.ticket import Ticket, replay
from tix.storage import places

if TYPE_CHECKING:
    from tix.core.calendar import HolidayTable

PREFIX_RE = re.compile(r"^[A-Z]{2,4}$")
# Writers stay well below the readers' limit, so no reader ever refuses a file
# tix wrote (even two clones' appends merged stay under MAX_FILE):
MAX_WRITE = 8 * 1024 * 1024  # an append that would take a ticket file past this is refused
MAX_TEXT = 1024 * 1024  # one text (comment, description, solution, note), UTF-8 bytes
MAX_EVENT = 2 * MAX_TEXT  # one event line as written (JSON escapes make a text longer)
SHARD = 1000


class TicketFull(BadInput):
    """An append would take the ticket file past MAX_WRITE: refused (exit 2), nothing written."""


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


_find_git_dir = places.find_git_dir


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _oserror(err: OSError, path: Path | str) -> StoreError:
    why = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
           errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EDQUOT: "the disk quota is exceeded"}.get(err.errno or 0, err.strerror or str(err))
    return StoreError(f"cannot write: {why}; nothing was changed", path=str(path))


def replace_file(path: Path, data: bytes, *, durable: bool = False, parents: bool = False) -> None:
    """The one temp file + rename: readers see the old or the new file, never
    half of one; `durable` also fsyncs the file and its directory. On an error
    the temp file is removed and the OSError raised. `parents` makes missing
    directories. (Ticket files and invoice records go through
    `Store.write_atomic`, which adds the symlink guard.)"""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except OSError:
        with suppress(OSError):
            tmp.unlink()
        raise


def _no_early_scan() -> None:
    """A file of the desk is about to change: a stat scan begun before it
    (`filescan.start_early`, for read-only commands) must not be used."""
    scanning = sys.modules.get("tix.storage.filescan")
    if scanning is not None:
        scanning.forget_early()


def write_local_cache(path: Path, data: bytes) -> None:
    """Best effort for derived caches in the clone's local state: `replace_file`
    without fsync (a lost cache costs only speed), and a failure is ignored for
    the same reason."""
    with suppress(OSError):
        replace_file(path, data, parents=True)


class HolidayCache:
    """Country holidays per year, kept in the clone's local state (a derived
    cache like the index: deleting it costs one import of `holidays`)."""

    def __init__(self, path: Path):
        self.path = path
        self._data: dict[str, list[str]] | None = None

    def _load(self) -> dict[str, list[str]]:
        if self._data is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._data = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._data = {}
        return self._data

    def get(self, key: str) -> list[str] | None:
        v = self._load().get(key)
        return v if isinstance(v, list) else None

    def __setitem__(self, key: str, value: list[str]) -> None:
        data = self._load()
        data[key] = value
        write_local_cache(self.path, json.dumps(data).encode("utf-8"))

    def table(self) -> HolidayTable:
        """The table to hand to the calendar: the years kept here, and a year
        it lacks computed once and saved here at once (index.fingerprint reads
        this file right after a fold)."""
        from tix.core.calendar import HolidayTable

        return HolidayTable(self._load(), fill=self._fill)

    def _fill(self, country: str, year: int) -> frozenset[date]:
        from tix.core.calendar import country_holidays

        days = country_holidays(country, year)
        import holidays

        # the version of the `holidays` tables: what derived values depend on (a year kept or
        # added later is the same data; `derived.fingerprint`), not which years are kept
        data = self._load()
        data["~version"] = [str(getattr(holidays, "__version__", "?"))]
        self[f"{country}-{year}"] = sorted(d.isoformat() for d in days)
        return days


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.tickets_dir = root / "tickets"
        self.written: list[Path] = []  # files this process changed (for autocommit / sync messages)
        self._stage: bool | None = None  # exclusive writes stage in the state dir (None: not tried yet)
        self._real_dirs: set[Path] = set()  # desk folders seen not to be symbolic links
        self._real_rels: set[str] = set()  # the same, as desk-relative text (`read_rel`)
        self._git = _find_git_dir(root)
        # called with (header, first events) before a new ticket is written: the app
        # records the SLA terms in force on the `opened` event (tix.core.contracts)
        self.stamp: Callable[[dict[str, Any], list[dict[str, Any]]], None] | None = None

    # -------------------------------------------------------------- places
    @property
    def git_root(self) -> Path | None:
        return self._git[0] if self._git else None

    @property
    def state_dir(self) -> Path:
        """Local, never shared: inside .git when there is one, else .tix/."""
        return places.state_dir(self.root, self._git)

    def ensure_state_dir(self) -> Path:
        d = self.state_dir
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _oserror(err, d) from None
        return d

    def rel(self, path: Path | str) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return str(path)

    def path_for(self, tid: str) -> Path:
        m = ID_RE.match(tid)
        if not m:
            raise BadInput(f"ticket ID {tid!r}: expected an ID like AB-0042")
        prefix, num = m.group(1), int(m.group(2))
        return self.tickets_dir / prefix / f"{num // SHARD:03d}" / f"{tid}.yaml"

    # -------------------------------------------------------------- IDs
    def resolve_id(self, text: str) -> str:
        """An ID, a unique prefix of one (AB-004), or a short number (ab-42) -> the full ID."""
        s = str(text).strip().upper()
        if not re.fullmatch(r"[A-Z]{1,4}(-\d{0,9})?", s):
            raise BadInput(f"ticket ID {text!r}: expected an ID like AB-0042 or a unique prefix of one")
        if ID_RE.match(s) and self.path_for(s).is_file():
            return s
        cands = self._candidates(s)
        if len(cands) == 1:
            return cands[0]
        if len(cands) > 1:
            shown = ", ".join(cands[:10]) + (" ..." if len(cands) > 10 else "")
            raise BadInput(f"ticket ID {text!r} is ambiguous: {shown}")
        m = re.fullmatch(r"([A-Z]{2,4})-(\d{1,3})", s)
        if m:  # "ab-42" is AB-0042 when no ID starts with AB-42
            padded = f"{m.group(1)}-{int(m.group(2)):04d}"
            if self.path_for(padded).is_file():
                return padded
        new = self.alias(s if ID_RE.match(s) else (f"{m.group(1)}-{int(m.group(2)):04d}" if m else s))
        if new is not None:
            return new
        raise NotFound(f"ticket {text!r} not found")

    def aliases_of(self, tid: str) -> list[str]:
        """The tickets an old ID was renumbered to by `tix sync` (tix.storage.renumber),
        following a ticket renumbered twice; usually one, two when two offline
        clones both used the ID."""
        from tix.storage.renumber import aliases

        table = aliases(self)
        out: list[str] = []
        todo = list(table.get(tid, []))
        for _ in range(20):
            if not todo:
                break
            new = todo.pop(0)
            if self.path_for(new).is_file():
                out.append(new)
            else:
                todo += table.get(new, [])
        return sorted(set(out))

    def alias(self, tid: str) -> str | None:
        """The one ticket an old ID was renumbered to, or None; an old ID that
        two clones used is ambiguous and lists both (like an ambiguous prefix)."""
        found = self.aliases_of(tid)
        if len(found) > 1:
            raise BadInput(f"ticket ID {tid} is ambiguous: it was renumbered to {', '.join(found)}")
        return found[0] if found else None

    def _candidates(self, s: str, limit: int = 11) -> list[str]:
        """IDs starting with `s`, listing only the shard folders that can hold one."""
        letters, _, digits = s.partition("-")
        out: list[str] = []
        if not self.tickets_dir.is_dir():
            return out
        for pdir in sorted(self.tickets_dir.iterdir()):
            name = pdir.name
            if not PREFIX_RE.match(name) or pdir.is_symlink() or not pdir.is_dir():
                continue
            if ("-" in s and name != letters) or not name.startswith(letters):
                continue
            for shard in sorted(pdir.iterdir()):
                if not shard.name.isdigit() or shard.is_symlink() or not shard.is_dir():
                    continue
                # numbers in shard k print as "0ddd" (k = 0) or str(k) + "ddd"
                key = "0" if int(shard.name) == 0 else str(int(shard.name))
                if digits and not (key.startswith(digits) if len(digits) <= len(key) else digits.startswith(key)):
                    continue
                for f in shard.iterdir():
                    stem = f.name[:-5]
                    if f.name.endswith(".yaml") and stem.startswith(s) and ID_RE.match(stem):
                        out.append(stem)
                if len(out) >= limit:
                    return sorted(out)
        return sorted(out)

    def approx_count(self) -> int:
        """About how many tickets the desk holds, without listing them all:
        full shards count 1,000, each prefix's last shard is listed."""
        total = 0
        if not self.tickets_dir.is_dir():
            return 0
        for pdir in os.scandir(self.tickets_dir):
            if not PREFIX_RE.match(pdir.name) or not pdir.is_dir(follow_symlinks=False):
                continue
            shards = sorted(int(d.name) for d in os.scandir(pdir.path)
                            if d.name.isdigit() and d.is_dir(follow_symlinks=False))
            if shards:
                last = self.tickets_dir / pdir.name / f"{shards[-1]:03d}"
                total += (len(shards) - 1) * SHARD + sum(1 for f in os.scandir(last) if f.name.endswith(".yaml"))
        return total

    def clone_info(self) -> dict[str, str] | None:
        p = self.state_dir / "clone.json"
        try:
            data = json.loads(p.read_text())
            if PREFIX_RE.match(data.get("prefix", "")):
                return data
        except (OSError, ValueError, AttributeError):
            pass
        return None

    def next_seeded_run(self) -> int:
        """The number of this run among the runs with TIX_SEED in this clone
        (0, 1, 2, ...; counted in the local state under a lock), so seeded
        event ids differ from run to run and reproduce from a fresh clone."""
        with self._lock("seed.lock"):
            path = self.state_dir / "seed-runs"
            try:
                run = int(path.read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                run = 0
            try:
                path.write_text(f"{run + 1}\n", encoding="ascii")
            except OSError as err:
                raise _oserror(err, path) from None
            return run

    def claims(self) -> dict[str, list[str]]:
        """prefix -> clone ids that claimed it (from tickets/<P>/.claim-<id> files)."""
        out: dict[str, list[str]] = {}
        if self.tickets_dir.is_dir():
            for pdir in self.tickets_dir.iterdir():
                if PREFIX_RE.match(pdir.name) and pdir.is_dir():
                    out[pdir.name] = sorted(c.name[7:] for c in pdir.glob(".claim-*"))
        return out

    def claim_prefix(self, user: str, wanted: str | None = None) -> str:
        """This clone's ID prefix, claimed through the git remote on the first
        write (see tix.storage.claim: why two clones cannot hold the same prefix)."""
        from tix.storage.claim import claim

        info = self.clone_info()
        if info and not wanted:
            return info["prefix"]
        with self._lock("claim.lock"):  # two first writes at once in one clone claim once
            return claim(self, user, wanted)

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        d = self.ensure_state_dir()
        try:
            fd = os.open(d / name, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise _oserror(err, d / name) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def no_links(self, path: Path) -> None:
        """Refuse a desk path whose folders pass through a symbolic link: a
        link committed by a hostile clone can point anywhere, and tix never
        reads or writes outside the desk. (The file itself is checked where
        it is opened.)"""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return
        cur = self.root
        for part in rel.parts[:-1]:
            cur = cur / part
            if cur in self._real_dirs:
                continue
            if cur.is_symlink():
                raise BrokenFile("is a symbolic link; tix never follows links in the desk", path=self.rel(cur))
            self._real_dirs.add(cur)

    def _next_number(self, prefix: str) -> int:
        pdir = self.tickets_dir / prefix
        self.no_links(pdir / "000")
        highest = 0
        shards = sorted((s for s in pdir.iterdir() if s.name.isdigit() and s.is_dir() and not s.is_symlink()),
                        key=lambda s: int(s.name)) if pdir.is_dir() else []
        for shard in reversed(shards):
            nums = [int(m.group(2)) for f in shard.iterdir()
                    if (m := ID_RE.match(f.name[:-5])) and m.group(1) == prefix]
            if nums:
                highest = max(nums)
                break
        return highest + 1

    # -------------------------------------------------------------- reading
    def read_bytes(self, path: Path) -> bytes:
        """A desk file's bytes (`read_rel` of its path in the desk)."""
        return self.read_rel(self.rel(path))

    def read_rel(self, rel: str) -> bytes:
        """A desk file's bytes by its path in the desk (as a scan gives
        them): refused if a folder on the way or the file itself is a
        symbolic link (the file opened once without following one; each
        folder checked once per process), is not a regular file, or is
        larger than MAX_FILE."""
        folder = rel.rpartition("/")[0]
        if folder not in self._real_rels:
            self.no_links(self.root / rel)
            self._real_rels.add(folder)
        try:
            fd = os.open(os.path.join(self.root, rel), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotFound(f"ticket file {rel} not found") from None
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise BrokenFile("is a symbolic link; tix never follows links in the desk", path=rel) from None
            raise BrokenFile(f"cannot read: {err.strerror}", path=rel) from None
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise BrokenFile("is a directory, not a ticket file", path=rel)
            if not stat.S_ISREG(st.st_mode):
                raise BrokenFile("is not a regular file", path=rel)
            if st.st_size > MAX_FILE:
                raise BrokenFile(f"file is {st.st_size:,} bytes, larger than the {MAX_FILE // 1048576} MB limit",
                                 path=rel)
            data = os.read(fd, st.st_size + 1)  # a short read: the whole file
            if len(data) > st.st_size:  # it grew since fstat: on to its end (the limit's byte past at most)
                parts, size = [data], len(data)
                while size <= MAX_FILE and (more := os.read(fd, 65536)):
                    parts.append(more)
                    size += len(more)
                data = b"".join(parts)
            return data[:MAX_FILE + 1]
        except OSError as err:
            raise BrokenFile(f"cannot read: {err.strerror}", path=rel) from None
        finally:
            os.close(fd)

    def load_rel(self, rel: str) -> Ticket:
        """`load_path` of a desk-relative path (the index's cold build: every file)."""
        return self._load(rel, self.read_rel(rel), rel.rpartition("/")[2])

    def load_path(self, path: Path) -> Ticket:
        return self._load(self.rel(path), self.read_bytes(path), path.name)

    def _load(self, rel: str, data: bytes, name: str) -> Ticket:
        header, events, ats, _ = parse_ticket_text(data, rel)
        stem = name[:-5] if name.endswith(".yaml") else name
        check_header(header, rel, stem)
        if not events or events[0]["type"] != "opened":
            text = data.decode("utf-8", "replace")
            line = text[: text.find("\nevents:")].count("\n") + 3 if "\nevents:" in text else None
            raise BrokenFile("the first event must be `opened`", path=rel, line=line)
        return replay(header, events, rel, ats)

    def ticket(self, text: str) -> Ticket:
        """The ticket for an ID or unique prefix (reads one file)."""
        return self.load_path(self.path_for(self.resolve_id(text)))

    def ticket_paths(self) -> Iterator[Path]:
        """Every ticket file, never following links."""
        if not self.tickets_dir.is_dir():
            return
        for pdir in sorted(os.scandir(self.tickets_dir), key=lambda e: e.name):
            if not pdir.is_dir(follow_symlinks=False) or not PREFIX_RE.match(pdir.name):
                continue
            for shard in sorted(os.scandir(pdir.path), key=lambda e: e.name):
                if not shard.is_dir(follow_symlinks=False):
                    continue
                for f in sorted(os.scandir(shard.path), key=lambda e: e.name):
                    if f.name.endswith(".yaml"):
                        yield Path(f.path)

    def holiday_cache(self) -> HolidayCache:
        return HolidayCache(self.state_dir / "holidays.json")

    # -------------------------------------------------------------- writing
    def _staging(self) -> Path | None:
        """Where exclusive writes stage their bytes: the clone's local state,
        so a crash leaves no temp file in the desk (for `tix fsck` to flag and
        `tix sync` to share). Leftovers older than a day are removed here."""
        if self._stage is False:
            return None
        d = self.state_dir / "tmp"
        try:
            d.mkdir(parents=True, exist_ok=True)
            if self._stage is None:
                import time

                old = time.time() - 86400
                for e in os.scandir(d):
                    if e.name.endswith(".tmp") and e.stat(follow_symlinks=False).st_mtime < old:
                        os.unlink(e.path)
        except OSError:
            self._stage = False
            return None
        self._stage = True
        return d

    def write_atomic(self, path: Path, data: bytes, *, exclusive: bool = False) -> None:
        """temp file + fsync + rename (or link, if `exclusive`: fails when it exists)."""
        _no_early_scan()
        self.no_links(path)
        stage = self._staging() if exclusive else None
        tmp = (stage or path.parent) / f".{path.name}.{os.getpid()}.tmp"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if exclusive:
                os.link(tmp, path)
                # the file is in place: a stale temp file in the local state is cleaned later
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            else:
                os.replace(tmp, path)
            fsync_dir(path.parent)
        except FileExistsError:
            os.unlink(tmp)
            raise
        except OSError as err:
            with suppress(OSError):
                os.unlink(tmp)
            if stage is not None and err.errno == errno.EXDEV:  # the state dir is on another file system
                self._stage = False
                return self.write_atomic(path, data, exclusive=exclusive)
            raise _oserror(err, self.rel(path)) from None

    def create(self, header: dict[str, Any], first_events: list[dict[str, Any]], user: str,
               prefix: str | None = None) -> str:
        """Write a new ticket file atomically; returns its new ID. `prefix` is for
        importers and generators that write on behalf of several clones."""
        if self.stamp is not None:
            self.stamp(header, first_events)
        prefix = prefix or self.claim_prefix(user)
        with self._lock(f"alloc-{prefix}.lock"):
            num = self._next_number(prefix)
            while True:
                tid = f"{prefix}-{num:04d}"
                path = self.path_for(tid)
                body = {"id": tid, **{k: v for k, v in header.items() if v not in (None, [], "")}}
                data = yamlio.dump(body).encode("utf-8") + b"events:\n" + b"".join(map(encode_event, first_events))
                try:
                    self.write_atomic(path, data, exclusive=True)
                    break
                except FileExistsError:
                    num += 1
        self.written.append(path)
        self._setup_clone()
        return tid

    def _setup_clone(self) -> None:
        """The first write in a clone made with a plain `git clone` registers
        the merge driver, so a later plain `git pull` merges ticket files too."""
        if self._git and not getattr(self, "_clone_ok", False):
            from tix.storage.gitops import ensure_driver_cheap

            ensure_driver_cheap(*self._git)
            self._clone_ok = True

    def append(self, tid: str, new_events: list[dict[str, Any]]) -> None:
        """Append events to a ticket: one write of whole lines, fsynced, under an flock.
        A torn last line left by a crash is repaired (cut) first."""
        _no_early_scan()
        path = self.path_for(tid)
        lines = [encode_event(ev) for ev in new_events]
        for line in lines:
            if len(line) > MAX_EVENT:
                raise BadInput(f"ticket {tid}: one event of {_mb(len(line))} is more than the {_mb(MAX_EVENT)} an "
                               f"event may take; nothing was written (keep big texts and logs as files)")
        data = b"".join(lines)
        try:
            self.no_links(path)
            if path.is_symlink():
                raise BrokenFile("is a symbolic link; tix never writes through links", path=self.rel(path))
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise NotFound(f"ticket {tid} not found") from None
        except OSError as err:
            raise _oserror(err, self.rel(path)) from None
        end = None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size:
                self._repair_tail(fd, size)
            end = os.lseek(fd, 0, os.SEEK_END)
            if data and end + len(data) > MAX_WRITE:
                raise TicketFull(f"ticket {tid} is {_mb(end)}; adding {_mb(len(data))} would take it past the "
                                 f"{MAX_WRITE // 1048576} MB a ticket file may grow to; nothing was written "
                                 f"(open a follow-up ticket: tix split {tid} --title ...)")
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except OSError as err:
            if end is not None:  # a full disk takes part of a line first: take it back, so nothing changed
                # (if that fails, the torn line is ignored by readers and cut by the next writer)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, end)
            raise _oserror(err, self.rel(path)) from None
        finally:
            os.close(fd)
        self.written.append(path)
        self._setup_clone()

    @staticmethod
    def _repair_tail(fd: int, size: int) -> None:
        """If the file does not end in a newline, its last line is torn: keep
        it if it is a complete event (a hand edit without newline), else cut it."""
        os.lseek(fd, max(0, size - 65536), os.SEEK_SET)
        chunk = os.read(fd, 65536)
        if chunk.endswith(b"\n"):
            return
        nl = chunk.rfind(b"\n")
        last = chunk[nl + 1:]
        try:
            s = last.decode("utf-8").strip()
            if s.startswith("- "):
                ev_mod.validate(json.loads(s[2:]))
                os.lseek(fd, 0, os.SEEK_END)
                os.write(fd, b"\n")
                return
        except (ValueError, UnicodeDecodeError):
            pass
        if nl < 0 and size > 65536:
            return  # a single line longer than 64 KiB: leave it to fsck
        os.ftruncate(fd, size - len(last))
