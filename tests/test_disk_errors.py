"""Full disks, read-only disks and permission errors.

Three ways, from the most real to the most thorough:

* a real full disk: the desk on a small tmpfs (`mount -t tmpfs -o size=...`),
  filled up, then written to: ENOSPC from the kernel, including the short
  write that comes first when a long line only partly fits;
* a real read-only disk (the tmpfs remounted `ro`) and a real permission
  error (a read-only desk written by a process that `setpriv` stripped of
  root's permission override): these need root and are skipped with the
  reason otherwise;
* injected errors at every write point: for each command, the Nth call of
  `os.open` (for writing), `os.write`, `os.fsync`, `os.link`, `os.replace`,
  `os.rename`, `os.unlink`, `os.ftruncate`, `os.mkdir` or `open(..., "w")`
  fails with ENOSPC, EROFS or EACCES, for every N the command reaches (the
  way SQLite's I/O error tests walk every I/O call).

Every time: one clean `tix: ...` line on stderr (no traceback), exit code 3
(or 0 where only a cache could not be written, and then the command did its
work), and nothing half-written: the desk is byte for byte as before, or
holds the whole change, and `tix fsck` passes.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk

ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


# ----------------------------------------------------------------------------- injection

class Injector:
    """Fail the `at`-th write-like call (0: count only)."""

    def __init__(self, at: int = 0, err: int = errno.ENOSPC):
        self.at = at
        self.err = err
        self.n = 0
        self.fired: str | None = None

    def hit(self, what: str) -> None:
        self.n += 1
        if self.at and self.n == self.at:
            self.fired = what
            raise OSError(self.err, os.strerror(self.err))

    @contextmanager
    def active(self) -> Iterator[None]:
        saved: list[tuple[Any, str, Any]] = []

        def patch(mod: Any, name: str, wrapper: Any) -> None:
            saved.append((mod, name, getattr(mod, name)))
            setattr(mod, name, wrapper)

        def simple(name: str) -> None:
            real = getattr(os, name)

            def wrapper(*a: Any, **k: Any) -> Any:
                self.hit(name)
                return real(*a, **k)

            patch(os, name, wrapper)

        for name in ("write", "fsync", "link", "replace", "rename", "unlink", "ftruncate", "mkdir"):
            simple(name)
        real_os_open = os.open

        def os_open(path: Any, flags: int, *a: Any, **k: Any) -> int:
            if flags & WRITE_FLAGS:
                self.hit("os.open")
            return real_os_open(path, flags, *a, **k)

        patch(os, "open", os_open)
        real_open = builtins.open

        def open_(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
            if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+"):
                self.hit("open")
            return real_open(file, mode, *a, **k)

        patch(builtins, "open", open_)
        patch(io, "open", open_)
        try:
            yield
        finally:
            for mod, name, real in reversed(saved):
                setattr(mod, name, real)


def desk_files(desk: Desk) -> dict[str, bytes]:
    """The desk as shared (snapshot without the clone's local state)."""
    return desk.snapshot()


def assert_clean_error(r: Any, what: str) -> None:
    lines = r.err.strip().splitlines()
    assert r.code == 3, f"{what}: exit {r.code}, stderr {r.err!r}"
    assert len(lines) == 1 and lines[0].startswith("tix: "), f"{what}: {r.err!r}"
    assert "Traceback" not in r.err and "internal error" not in r.err, f"{what}: {r.err!r}"


def assert_sound(desk: Desk, what: str) -> None:
    r = desk.run("fsck")
    assert r.code == 0, f"{what}: fsck: {r.out}{r.err}"
    for p in (desk.root / "tickets").rglob("*"):
        assert not p.name.endswith(".tmp"), f"{what}: temp file {p} left in the desk"


# ----------------------------------------------------------------------------- commands

def _eml(tmp: Path) -> Path:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Jan <jan@contoso.com>"
    msg["To"] = "support@example.com"
    msg["Subject"] = "Printer jams"
    msg["Message-ID"] = "<disk-1@contoso.com>"
    msg.set_content("It jams.\n")
    msg.add_attachment(b"\x89PNG" + b"x" * 5000, maintype="image", subtype="png", filename="jam.png")
    p = tmp / "m.eml"
    p.write_bytes(bytes(msg))
    return p


def _setup(tmp: Path) -> tuple[Desk, list[str]]:
    desk = make_desk(tmp / "desk")
    a = desk.new("--title", "Printer", "--org", "contoso")
    desk.ok("work", a, "45m", "-m", "fuser")
    b = desk.new("--title", "VPN", "--org", "fabrikam")
    return desk, [a, b]


COMMANDS: dict[str, Any] = {
    "new": lambda ids, tmp: ["new", "--title", "Disk test", "--org", "contoso", "-m", "body"],
    "comment": lambda ids, tmp: ["comment", ids[0], "-m", "a long reply " + "y" * 9000],
    "note": lambda ids, tmp: ["comment", ids[1], "-m", "internal", "--internal"],
    "work": lambda ids, tmp: ["work", ids[0], "1h30m", "--onsite", "-m", "on site"],
    "status": lambda ids, tmp: ["status", ids[1], "waiting"],
    "resolve": lambda ids, tmp: ["resolve", ids[1], "--solution", "restarted"],
    "link": lambda ids, tmp: ["link", ids[0], ids[1], "--as", "relates"],
    "invoice --mark": lambda ids, tmp: ["invoice", "2026-11", "--mark"],
    "mail import": lambda ids, tmp: ["mail", "import", str(_eml(tmp))],
    "reindex": lambda ids, tmp: ["reindex"],
    "list": lambda ids, tmp: ["list", "--all"],
}


# Commands that write more than one file may stop between two: mail import keeps
# the messages it finished; link may have written one side. The retry completes them.
PARTIAL = ("mail import", "link")


def _base(tmp_path: Path) -> tuple[Path, list[str]]:
    base = tmp_path / "base"
    desk, ids = _setup(base)
    desk.ok("list", "--all")  # warm the cache
    return base, ids


def _copy(base: Path, dest: Path) -> Desk:
    shutil.copytree(base, dest, symlinks=True)
    return Desk(dest / "desk")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_error_at_every_write_point(tmp_path: Path, name: str) -> None:
    base, ids = _base(tmp_path)
    argv = COMMANDS[name](ids, tmp_path)
    # count the points of a clean run
    probe = _copy(base, tmp_path / "probe")
    inj = Injector()
    with inj.active():
        r = probe.run(*argv)
    assert r.code == 0, r.err
    points = inj.n
    assert points >= 1
    tried = 0
    for at in range(1, points + 1):
        err = ERRORS[at % len(ERRORS)]
        desk = _copy(base, tmp_path / f"t{at}")
        before = desk_files(desk)
        inj = Injector(at, err)
        with inj.active():
            r = desk.run(*argv)
        what = f"{name}: {os.strerror(err)} at point {at}/{points} ({inj.fired})"
        tried += 1
        if r.code == 0:
            # only a cache (or another optional file) failed: the command did all of its work
            after = desk_files(desk)
            assert after != before or name in ("reindex", "list"), what
        else:
            assert_clean_error(r, what)
            after = desk_files(desk)
            if name not in PARTIAL:
                assert after == before, f"{what}: the desk changed: " + \
                    str([k for k in set(after) | set(before) if after.get(k) != before.get(k)])
        if r.code == 0 or name not in PARTIAL:
            assert_sound(desk, what)
        # and the next run, with the disk back, does the job
        if r.code != 0 and name not in ("reindex", "list"):
            r2 = desk.run(*argv)
            assert r2.code == 0, f"{what}: the retry failed: {r2.err}"
            assert_sound(desk, what + " (retry)")
        shutil.rmtree(tmp_path / f"t{at}")
    print(json.dumps({"test": "disk-errors", "command": name, "points": points, "cases": tried}))
    _log({"test": "disk-errors", "command": name, "cases": tried, "failures": 0, "data_lost": 0})


def _log(line: dict[str, Any]) -> None:
    log = os.environ.get("TIX_RELIABILITY_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")


# ----------------------------------------------------------------------------- real file systems

@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(fs: Path) -> None:
    """Use up every free byte of the file system."""
    fd = os.open(fs / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (65536, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError as err:
                assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_full_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", "2m") as fs:
        desk, ids = _setup(fs)
        desk.ok("list", "--all")
        eml = _eml(tmp_path)
        _fill(fs)
        before = desk_files(desk)
        cases = 0
        for argv in (["comment", ids[0], "-m", "x" * 20000], ["comment", ids[1], "-m", "short"],
                     ["work", ids[0], "30m", "-m", "y" * 9000], ["new", "--title", "Full", "-m", "z" * 9000],
                     ["invoice", "2026-11", "--mark"], ["mail", "import", str(eml)]):
            r = desk.run(*argv)
            cases += 1
            if r.code == 0:  # it fitted into the slack of a page: then it is whole
                assert_sound(desk, f"full disk: {argv[0]}")
                before = desk_files(desk)
                continue
            if argv[0] == "mail":
                assert r.code in (2, 3), r.err
                assert "Traceback" not in r.err
            else:
                assert_clean_error(r, f"full disk: {argv[0]}")
                assert "disk is full" in r.err, r.err
            assert desk_files(desk) == before, f"full disk: {argv[0]} changed the desk"
            assert_sound(desk, f"full disk: {argv[0]}")
        # reading still works on a full disk (the cache simply is not written)
        assert desk.run("list", "--all").code == 0
        assert desk.run("show", ids[0]).code == 0
        assert desk.run("invoice", "2026-11").code in (0, 1)
        # free the space: the same commands work again
        (fs / "filler").unlink()
        desk.ok("comment", ids[0], "-m", "after the disk was freed")
        assert_sound(desk, "after freeing")
    _log({"test": "full-disk", "cases": cases, "failures": 0, "data_lost": 0})


def test_read_only_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", "4m") as fs:
        desk, ids = _setup(fs)
        desk.ok("list", "--all")
        p = subprocess.run(["mount", "-o", "remount,ro", str(fs)], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"cannot remount read-only: {p.stderr.strip()}")
        before = desk_files(desk)
        for argv in (["comment", ids[0], "-m", "x"], ["work", ids[0], "30m"], ["new", "--title", "RO"],
                     ["invoice", "2026-11", "--mark"], ["status", ids[1], "waiting"]):
            r = desk.run(*argv)
            assert_clean_error(r, f"read-only: {argv[0]}")
            assert "read-only" in r.err, r.err
        assert desk_files(desk) == before
        # reading works on a read-only disk
        for argv in (["list", "--all"], ["show", ids[0]], ["sla"], ["fsck"], ["invoice", "2026-11"]):
            r = desk.run(*argv)
            assert r.code in (0, 1), (argv, r.err)
            assert "Traceback" not in r.err
        subprocess.run(["mount", "-o", "remount,rw", str(fs)], check=True)
    _log({"test": "read-only-disk", "cases": 10, "failures": 0, "data_lost": 0})


def test_permission_denied(tmp_path: Path) -> None:
    """A desk whose files and folders are read-only (0444/0555), written by
    a process without the capabilities that let root ignore file modes."""
    setpriv = shutil.which("setpriv")
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to take away root's permission override")
    desk, ids = _setup(tmp_path)
    desk.ok("list", "--all")
    paths = [desk.root, *desk.root.rglob("*")]
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        before = desk_files(desk)
        cases = 0
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", sys.executable, "-m", "tix"]
        for argv in (["comment", ids[0], "-m", "x"], ["new", "--title", "Perm"], ["work", ids[0], "30m"],
                     ["invoice", "2026-11", "--mark"], ["status", ids[1], "waiting"]):
            p = subprocess.run([*cmd, *argv], env=desk.env(), cwd=desk.root, capture_output=True, text=True,
                               timeout=60)
            if "setpriv:" in p.stderr:
                pytest.skip(f"setpriv cannot drop capabilities here: {p.stderr.strip()}")
            cases += 1
            lines = p.stderr.strip().splitlines()
            assert p.returncode == 3, (argv, p.returncode, p.stderr)
            assert len(lines) == 1 and lines[0].startswith("tix: ") and "permission denied" in lines[0], p.stderr
        p = subprocess.run([*cmd, "show", ids[0]], env=desk.env(), cwd=desk.root, capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr  # reading works
        assert desk_files(desk) == before
        assert_sound(desk, "permissions")
    finally:
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)
    _log({"test": "permission-denied", "cases": cases, "failures": 0, "data_lost": 0})
