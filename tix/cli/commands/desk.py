"""tix init."""

from __future__ import annotations

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
    from tix.app.setup import init_desk
    from tix.cli.env import ctx_env, find_desk
    from tix.core.errors import StoreError

    env = ctx_env()
    root = Path(path or env.dir_opt or ".").expanduser().resolve()
    chosen, done = init_desk(root, env.user, prefix)
    if find_desk(root) != root:  # pragma: no cover - defensive
        raise StoreError("the desk could not be made", path=str(root))
    what = ", ".join(done) if done else "nothing to add"
    print(f"tix desk at {root} (IDs {chosen}-NNNN): {what}")
