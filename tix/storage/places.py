"""Where a desk keeps its local state, found without importing the store
(shell completion reads the index's open-ID list on every keystroke)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def find_git_dir(start: Path) -> tuple[Path, Path] | None:
    """(work tree root, git dir) for `start`, without running git."""
    for d in (start, *start.parents):
        g = d / ".git"
        if g.is_dir():
            return d, g
        if g.is_file():
            text = g.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                p = Path(text[7:].strip())
                return d, (p if p.is_absolute() else (d / p)).resolve()
    return None


def state_dir(root: Path, git: tuple[Path, Path] | None) -> Path:
    """Local, never shared: inside .git when there is one, else .tix/."""
    if git:
        work, gitdir = git
        rel = os.path.relpath(root, work)
        return gitdir / "tix" if rel == "." else gitdir / "tix" / re.sub(r"[^A-Za-z0-9_.-]", "_", rel)
    return root / ".tix"
