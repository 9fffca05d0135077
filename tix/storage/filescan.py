"""Finding every ticket file and its stat key (size, mtime, ctime, inode) fast:
GNU `find` in one or two processes over the shard folders, or a Python walk
where there is no `find`. The index compares these keys with the ones it kept."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.storage.store import Store



_PREFIX_RE = re.compile(r"^[A-Z]{2,4}$")  # as store.PREFIX_RE, without importing the store


# ------------------------------------------------------------------ scanning
#
# A scan is {shard: chunk}: per shard folder ("AB/000"), one bytes string
#   b"AB/000\0tickets/AB/000/AB-0001.yaml\t<size> <mtime> <ctime> <inode>\0..."
# as GNU find prints it (or the same made by Python where there is no find).
# The head keeps the chunks of the last run: a shard whose chunk is the same
# byte for byte has no changed file, and is not looked at record by record.

_REC = "tickets/%p\t%s %T@ %C@ %i\\0"


def _scan_python(store: Store) -> dict[str, bytes]:
    """The scan without find: the same chunks, stat keys printed like find's."""
    out: dict[str, bytes] = {}
    tickets_dir = store.tickets_dir
    if not tickets_dir.is_dir():
        return out
    for pdir in os.scandir(tickets_dir):
        if not _PREFIX_RE.match(pdir.name) or not pdir.is_dir(follow_symlinks=False):
            continue
        for shard in os.scandir(pdir.path):
            if not shard.is_dir(follow_symlinks=False):
                continue
            name = f"{pdir.name}/{shard.name}"
            parts = [name]
            for f in os.scandir(shard.path):
                if not f.name.endswith(".yaml"):
                    continue
                try:
                    st = f.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone while we looked
                m, c = st.st_mtime_ns, st.st_ctime_ns
                parts.append(f"tickets/{name}/{f.name}\t{st.st_size} {m // 10**9}.{m % 10**9:09d}0 "
                             f"{c // 10**9}.{c % 10**9:09d}0 {st.st_ino}")
            out[name] = "\0".join(parts).encode("utf-8", "surrogateescape")
    return out


def _shard_dirs(tickets_dir: Any) -> list[str]:
    """Every shard folder ("AB/000"), as the Python scan finds them."""
    out = []
    try:
        for pdir in os.scandir(tickets_dir):
            if _PREFIX_RE.match(pdir.name) and pdir.is_dir(follow_symlinks=False):
                out += [f"{pdir.name}/{d.name}" for d in os.scandir(pdir.path) if d.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    return sorted(out)


# find processes started at the very start of a command (`start_early`), by tickets folder
_EARLY: dict[str, list[Any]] = {}


def start_early(tickets_dir: str) -> None:
    """Start the scan of a desk's tickets folder now, before the command is
    even imported: for the commands that read the index and write no ticket
    file (list, report, sla), find then stats while Python imports and reads
    the policy, and the index finds the scan done. It is used once, by the
    first scan of that folder; `forget_early` drops it."""
    if _EARLY:
        return
    procs = _find_in(tickets_dir)
    if procs is not None:
        _EARLY[tickets_dir] = procs


def forget_early() -> None:
    """Drop a scan `start_early` began and no one used (or that a ticket
    file written since would make stale): its processes are stopped."""
    for procs in _EARLY.values():
        _abandon(procs)
    _EARLY.clear()


def _start_find(store: Store) -> list[Any] | None:
    """`find` stats the files in C, in two processes on big desks, on the other
    core(s) while we load the head (or since the command started: `start_early`)."""
    early = _EARLY.pop(os.fspath(store.tickets_dir), None)
    forget_early()  # one begun for another folder is of no use
    if early is not None:
        return early
    return _find_in(store.tickets_dir)


def _find_in(tickets_dir: Any) -> list[Any] | None:
    if os.environ.get("TIX_NO_FIND") or not os.path.isdir(tickets_dir):
        return None
    shards = _shard_dirs(tickets_dir)
    if not shards:
        return None
    import tempfile

    n = 2 if len(shards) >= 8 and (os.cpu_count() or 1) >= 2 else 1
    procs: list[Any] = []
    for k in range(n):
        try:
            # into a file, not a pipe: a full pipe would stop find until we read it
            out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to a running `find`, closed by _abandon/the reader
        except OSError:
            return _abandon(procs)
        try:
            # each shard folder (a start point, depth 0) prints a marker before its files
            proc = subprocess.Popen(
                ["find", *shards[k::n], "-mindepth", "0", "-maxdepth", "1",
                 "(", "-type", "d", "-printf", "\\0D%d %p", ")", ",",
                 "(", "-path", "*/*/*", "-name", "*.yaml", "-printf", "\\0" + _REC[:-2], ")"],
                cwd=tickets_dir, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        except OSError:
            out.close()
            return _abandon(procs)  # no find here: scan in Python
        proc.tix_out = out  # type: ignore[attr-defined]
        procs.append(proc)
    return procs


def _abandon(procs: list[Any]) -> Any:
    """Stop the `find` processes started so far; None: scan in Python instead."""
    for p in procs:
        p.kill()
        p.wait()
        p.tix_out.close()
    return None


def _finish_find(procs: list[Any]) -> dict[str, bytes] | None:
    """The chunks find printed, or None if find failed or is not GNU find (a
    scan in Python follows)."""
    out: dict[str, bytes] = {}
    ok = True
    for proc in procs:
        fh = proc.tix_out
        try:
            code = proc.wait()
            fh.seek(0)
            raw = fh.read()
        except OSError:
            ok = False
            continue
        finally:
            fh.close()
        if code != 0 or (raw and not raw.startswith(b"\0D0 ")):
            ok = False
            continue
        for part in raw[4:].split(b"\0D0 ") if raw else ():
            i = part.find(b"\0")
            out[(part if i < 0 else part[:i]).decode("utf-8", "surrogateescape")] = part
    return out if ok else None


def _records(chunk: bytes) -> dict[str, str]:
    """rel path -> stat key of one chunk."""
    recs = chunk.decode("utf-8", "surrogateescape").split("\0")[1:]
    if any(r[:1] == "D" for r in recs):  # a folder inside a shard prints a marker too
        recs = [r for r in recs if r.startswith("tickets/")]
    try:
        return dict(map(str.split, recs, repeat("\t", len(recs))))
    except ValueError:  # a tab in a file name: split each record from the right
        return dict(r.rsplit("\t", 1) for r in recs)


def stat_keys(scan: dict[str, bytes]) -> dict[str, str]:
    """rel path -> stat key of every file of a scan."""
    out: dict[str, str] = {}
    for chunk in scan.values():
        out.update(_records(chunk))
    return out


def fs_clock(folder: Any) -> int | None:
    """The file system's own clock, read the only way it can be: the ctime
    (ns) of a file made now in `folder` (made, stat'ed and removed); None
    where none can be made. File times come from this clock, ticking as
    coarsely as the file system keeps them, not from `time.time_ns()`."""
    name = os.path.join(folder, f".clock.{os.getpid()}.tmp")
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        return os.fstat(fd).st_ctime_ns
    except OSError:
        return None
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)


def _ctime_ns(key: str) -> int:
    sec, _, frac = key.split(" ")[2].partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])


def scan(store: Store) -> dict[str, bytes]:
    procs = _start_find(store)
    found = _finish_find(procs) if procs is not None else None
    return _scan_python(store) if found is None else found
