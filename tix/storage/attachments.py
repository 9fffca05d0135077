"""The desk's attachments/ folder as tix expects it: one plain folder per
ticket holding plain files. What is not (a symbolic link a hostile clone
committed, an odd file) is named by `tix fsck`, and the mail importer
refuses to write through it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tix.storage.store import Store


def problems(store: Store) -> list[tuple[str, str]]:
    """What under attachments/ tix will not write through or cannot use:
    symbolic links (a folder or a file), a ticket's entry that is not a
    folder, anything there that is not a plain file. -> [(path, problem)]."""
    root = store.root / "attachments"
    link = "a symbolic link: tix never follows links in the desk, and mail for that ticket keeps its attachments " \
           "aside until it is removed (`git rm` it)"
    if root.is_symlink():
        return [("attachments", link.replace("mail for that ticket keeps its", "mail keeps"))]
    if not root.exists():
        return []
    if not root.is_dir():
        return [("attachments", "not a folder: attachments/ holds one folder per ticket")]
    out: list[tuple[str, str]] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as err:
        return [("attachments", f"cannot be read: {err.strerror}")]
    for e in entries:
        rel = f"attachments/{e.name}"
        if e.is_symlink():
            out.append((rel, link))
        elif not e.is_dir(follow_symlinks=False):
            if e.name not in (".gitkeep", ".gitignore"):
                out.append((rel, "not a folder: attachments/ holds one folder per ticket"))
        else:
            try:
                files = sorted(os.scandir(e.path), key=lambda f: f.name)
            except OSError as err:
                out.append((rel, f"cannot be read: {err.strerror}"))
                continue
            for f in files:
                if f.is_symlink():
                    out.append((f"{rel}/{f.name}", "a symbolic link: tix never follows links in the desk "
                                                   "(`git rm` it)"))
                elif not f.is_file(follow_symlinks=False):
                    out.append((f"{rel}/{f.name}", "not a plain file: attachments are files"))
    return out
