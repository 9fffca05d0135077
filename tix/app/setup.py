"""`tix init` as a use case: make a desk (policy, tickets/, git attributes
and ignore rules, mail templates, the merge driver, this clone's ID prefix);
safe to run again: it adds only what is missing."""

from __future__ import annotations

import json
from pathlib import Path


def init_desk(root: Path, user: str, prefix: str | None) -> tuple[str, list[str]]:
    """Returns the clone's ID prefix and what was added."""
    from tix.core.errors import StoreError
    from tix.core.policy import DEFAULT_POLICY
    from tix.storage.gitops import GITATTRIBUTES, register_driver
    from tix.storage.store import Store, _find_git_dir

    done: list[str] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        pol = root / "policies.yaml"
        if not pol.exists():
            pol.write_text(DEFAULT_POLICY.replace("{user}", json.dumps(user, ensure_ascii=False)), encoding="utf-8")
            done.append("policies.yaml")
        (root / "tickets").mkdir(exist_ok=True)
        keep = root / "tickets" / ".gitkeep"
        if not any((root / "tickets").iterdir()):
            keep.write_text("")
            done.append("tickets/")
        ga = root / ".gitattributes"
        text = ga.read_text() if ga.exists() else ""
        if "merge=tix" not in text:
            ga.write_text(text + ("\n" if text and not text.endswith("\n") else "") + GITATTRIBUTES)
            done.append(".gitattributes")
        gi = root / ".gitignore"
        text = gi.read_text() if gi.exists() else ""
        if ".tix/" not in text.split():
            gi.write_text(text + ("\n" if text and not text.endswith("\n") else "") + "# tix's local cache\n.tix/\n")
            done.append(".gitignore")
        from tix.app.templates import install_defaults  # the mail templates, to edit per desk

        if install_defaults(root):
            done.append("templates/")
    except OSError as err:
        raise StoreError(f"cannot write: {err.strerror}", path=str(err.filename or root)) from None
    git = _find_git_dir(root)
    if git and register_driver(git[0]):
        done.append("merge driver in .git/config")
    store = Store(root)
    had = store.clone_info()
    chosen = store.claim_prefix(user, prefix)
    if not had or (prefix and had.get("prefix") != chosen):
        done.append(f"ID prefix {chosen}")
    return chosen, done
