"""Git plumbing for the desk: running git, registering the merge driver, and
autocommit. (The sync loop lives in tix/sync.py, the merge itself in
tix/merge.py.) Every git call goes through `git()`.

The merge driver is registered in `.git/config` as

    if [ -x /path/to/python ]; then /path/to/python -m tix merge-driver %O %A %B %P;
    else tix merge-driver %O %A %B %P; fi

i.e. the interpreter that ran `tix init`, so a plain `git pull` merges ticket
files even when `tix` is not on git's PATH (a GUI client, a cron job, a venv
that is not activated), with `tix` on PATH as the fallback when that
interpreter is gone. `tix init` rewrites it when it changes; `tix sync` does
not depend on it at all (it passes its own settings with `git -c`)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core.errors import StoreError

if TYPE_CHECKING:
    from tix.storage.store import Store

GITATTRIBUTES = """\
# tix: ticket files and invoice records merge with tix's own driver
# (union of events by id; a hand edit becomes a visible conflict).
tickets/**/*.yaml merge=tix
invoices/*.yaml merge=tix
"""
DRIVER_NAME = "tix ticket merge (union of events by id)"
DRIVER_CMD = "tix merge-driver %O %A %B %P"  # the PATH form, also the fallback
ATTRIBUTE_PATTERNS = ("tickets/**/*.yaml", "invoices/*.yaml")


def driver_command(python: str | None = None) -> str:
    """The command registered in .git/config (see the module docstring)."""
    py = shlex.quote(python or sys.executable)
    return f"if [ -x {py} ]; then {py} -m tix merge-driver %O %A %B %P; else {DRIVER_CMD}; fi"


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")  # never hang on a password prompt
    env["LC_ALL"] = "C"  # messages we recognise (rejected pushes) are English
    return env


def git(cwd: Path, *args: str, check: bool = True, timeout: float = 120, input: str | None = None,
        lock_retry: bool = False) -> subprocess.CompletedProcess[str]:
    """Run git in `cwd`. `check`: a failure raises StoreError with git's last
    message line. `lock_retry`: wait (up to ~5 s) while another git or tix
    process holds `index.lock`."""
    for _attempt in range(50 if lock_retry else 1):
        try:
            proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, encoding="utf-8",
                                  errors="surrogateescape", timeout=timeout, input=input, env=_git_env())
        except FileNotFoundError:
            raise StoreError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise StoreError(f"git {args[0]} timed out after {timeout:.0f} s") from None
        if proc.returncode != 0 and lock_retry and "index.lock" in proc.stderr:
            time.sleep(0.1)
            continue
        break
    if check and proc.returncode != 0:
        msg = [x for x in (proc.stderr or proc.stdout).strip().splitlines() if x.strip()]
        raise StoreError(f"git {' '.join(args[:2])} failed: {_last_error(msg) if msg else proc.returncode}")
    return proc


def _last_error(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1]


def git_bytes(cwd: Path, *args: str, input: bytes | None = None, timeout: float = 300) -> bytes:
    """Run git and return its raw standard output (blobs, -z lists)."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, input=input, timeout=timeout,
                              env=_git_env())
    except FileNotFoundError:
        raise StoreError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise StoreError(f"git {args[0]} timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StoreError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else proc.returncode}")
    return proc.stdout


def register_driver(work_tree: Path) -> bool:
    """Register the merge driver in .git/config (idempotent). True if changed."""
    want = driver_command()
    cur = git(work_tree, "config", "--local", "--get", "merge.tix.driver", check=False).stdout.strip()
    if cur == want:
        return False
    git(work_tree, "config", "--local", "merge.tix.name", DRIVER_NAME)
    git(work_tree, "config", "--local", "merge.tix.driver", want)
    return True


def ensure_driver(work_tree: Path) -> None:
    """Register the merge driver if this clone has none (a plain `git clone`):
    the first tix command that writes or syncs sets the clone up. A driver
    registered by hand (another command) is left alone."""
    try:
        if not registered_driver(work_tree):
            register_driver(work_tree)
    except StoreError:
        pass  # git missing or the config not writable: `tix sync` does not need the driver


def ensure_driver_cheap(work_tree: Path, git_dir: Path) -> None:
    """`ensure_driver` for every write: a look at the clone's config file
    first (no subprocess when the driver is there)."""
    try:
        if '[merge "tix"]' in (git_dir / "config").read_text(errors="replace"):
            return
    except OSError:
        pass
    ensure_driver(work_tree)


def registered_driver(work_tree: Path) -> str | None:
    """The merge driver command in this clone's config, if any."""
    out = git(work_tree, "config", "--get", "merge.tix.driver", check=False).stdout.strip()
    return out or None


def driver_problem(work_tree: Path) -> str | None:
    """Why the registered driver would not run (for fsck), or None."""
    cmd = registered_driver(work_tree)
    if not cmd:
        return None
    if cmd == driver_command() or cmd == DRIVER_CMD:
        return None
    try:
        words = shlex.split(cmd)
    except ValueError:
        return f"merge.tix.driver {cmd!r} is not a valid command; run `tix init` to fix it"
    if len(words) > 3 and words[:2] == ["if", "["]:
        py = words[3]
        if not os.access(py, os.X_OK):
            return (f"merge.tix.driver runs {py}, which no longer exists; run `tix init` "
                    f"to register the current tix")
    return None


def in_merge(work_tree: Path) -> bool:
    """Is a merge in progress (MERGE_HEAD present)?"""
    return git(work_tree, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0


def autocommit(store: Store, message: str) -> str | None:
    """Commit exactly the files this command wrote (policy `git: {autocommit: true}`),
    like `pass` does. Other staged or changed files are left alone (`--only`).
    A failure never undoes the command: the change is on disk, and the next
    autocommit or `tix sync` commits it; the warning that says why is returned."""
    root = store.git_root
    if root is None or not store.written:
        return None
    paths = sorted({os.path.relpath(p, root) for p in store.written})
    try:
        if in_merge(root):
            raise StoreError("a merge is in progress (run `tix sync` to finish it)")
        git(root, "add", "--", *paths, lock_retry=True)
        proc = git(root, "commit", "-q", "--no-verify", "-F", "-", "--only", "--", *paths, check=False,
                   input=message.strip() + "\n", lock_retry=True)
        if proc.returncode != 0 and "nothing to commit" not in proc.stdout + proc.stderr:
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            raise StoreError(msg[-1] if msg else f"git commit exited {proc.returncode}")
    except StoreError as err:
        return f"warning: autocommit skipped: {err.message}; the change is saved, `tix sync` will commit it"
    return None
