"""Git plumbing for the desk: merge-driver registration and autocommit.
(Sync lives in tix/sync.py.) Every git call goes through `git()`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tix.errors import StoreError

if TYPE_CHECKING:
    from tix.store import Store

GITATTRIBUTES = """\
# tix: ticket files and invoice records merge with tix's own driver
# (union of events by id; a hand edit becomes a visible conflict).
tickets/**/*.yaml merge=tix
invoices/*.yaml merge=tix
"""
DRIVER_NAME = "tix ticket merge (union of events by id)"
DRIVER_CMD = "tix merge-driver %O %A %B %P"


def git(cwd: Path, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise StoreError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise StoreError(f"git {args[0]} timed out after {timeout:.0f} s") from None
    if check and proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise StoreError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else proc.returncode}")
    return proc


def register_driver(work_tree: Path) -> bool:
    """Register the merge driver in .git/config (idempotent). True if changed."""
    cur = git(work_tree, "config", "--local", "--get", "merge.tix.driver", check=False).stdout.strip()
    if cur == DRIVER_CMD:
        return False
    git(work_tree, "config", "--local", "merge.tix.name", DRIVER_NAME)
    git(work_tree, "config", "--local", "merge.tix.driver", DRIVER_CMD)
    return True


def autocommit(store: Store, message: str) -> None:
    """Commit the files this command wrote (policy `git: {autocommit: true}`)."""
    root = store.git_root
    if root is None or not store.written:
        return
    paths = sorted({str(p) for p in store.written})
    git(root, "add", "--", *paths)
    git(root, "commit", "-q", "-m", message, "--", *paths, check=False)
