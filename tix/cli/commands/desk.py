"""tix init."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def init(
    path: str | None = typer.Argument(None, help="Where to make the desk (default: here)."),
    prefix: str | None = typer.Option(None, "--prefix",
        help="This clone's ID prefix, 2-4 letters (default: from your initials)."),
) -> None:
    """Make a desk: a commented policies.yaml, tickets/, .gitattributes routing
    ticket files to tix's merge driver, a .gitignore for the local cache, and
    (inside a git work tree) the merge driver registered in .git/config.
    Safe to run again: it only adds what is missing.

    Example: tix init ~/desk && cd ~/desk && tix new --title "First ticket"
    """
    from tix.cli.env import ctx_env, find_desk
    from tix.core.errors import StoreError
    from tix.core.policy import DEFAULT_POLICY
    from tix.storage.gitops import GITATTRIBUTES, register_driver
    from tix.storage.store import Store, _find_git_dir

    env = ctx_env()
    root = Path(path or env.dir_opt or ".").expanduser().resolve()
    done: list[str] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        pol = root / "policies.yaml"
        if not pol.exists():
            pol.write_text(DEFAULT_POLICY.replace("{user}", json.dumps(env.user, ensure_ascii=False)), encoding="utf-8")
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
        from tix.app.templates import install_defaults  # the mail templates, to edit per desk (docs/mail.md)

        if install_defaults(root):
            done.append("templates/")
    except OSError as err:
        raise StoreError(f"cannot write: {err.strerror}", path=str(err.filename or root)) from None
    git = _find_git_dir(root)
    if git and register_driver(git[0]):
        done.append("merge driver in .git/config")
    store = Store(root)
    had = store.clone_info()
    chosen = store.claim_prefix(env.user, prefix)
    if not had or (prefix and had.get("prefix") != chosen):
        done.append(f"ID prefix {chosen}")
    if find_desk(root) != root:  # pragma: no cover - defensive
        raise StoreError("the desk could not be made", path=str(root))
    what = ", ".join(done) if done else "nothing to add"
    print(f"tix desk at {root} (IDs {chosen}-NNNN): {what}")
