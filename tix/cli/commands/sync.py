"""tix sync and tix merge-driver: sharing the desk through git."""

from __future__ import annotations

import typer

from tix.cli.boundary import warn


def sync(
    remote: str | None = typer.Option(None, "--remote",
        help="The git remote (default: the branch's upstream, else origin)."),
    branch: str | None = typer.Option(None, "--branch",
        help="The remote branch (default: the upstream's, else the current one)."),
    no_push: bool = typer.Option(False, "--no-push", help="Commit and pull only; do not push."),
    message: str | None = typer.Option(None, "-m", "--message",
        help="Commit message (default: which tickets changed and how)."),
    retries: int = typer.Option(8, "--retries", min=0, max=50,
        help="Times to pull and retry when someone pushed first."),
    accept_rewrite: list[str] | None = typer.Option(None, "--accept-rewrite", metavar="COMMIT",
        help="Acknowledge a pulled commit that deleted or rewrote ticket files or invoice records (after a "
             "deliberate clean-up); repeatable."),
) -> None:
    """Commit the desk's changes, pull with tix's merge (the events of both
    sides, each once), check the result and push; when someone pushed first,
    pull and try again. Only the desk's files are committed (tickets/,
    invoices/, policies.yaml, templates/, attachments/). Exit 1 when a file
    needs a hand merge (someone edited an old event) or when a collision (one
    ID prefix in two clones, an invoice number issued twice) keeps it from
    pushing; `tix fsck` explains. A desk that is not in a git work tree has
    nothing to sync.

    Tickets made offline under a prefix that another clone claimed first are
    renumbered to a fresh prefix before the push, one line each (the old ID
    keeps working). When both clones ran `tix recur run` before syncing, the
    later ticket of each occurrence is merged into the first right after the
    pull (its ticks and work kept), one line each. Pulled commits that delete
    a ticket file, remove or edit an event or header, or change an issued
    invoice are reported (file, commit, author, date) and not merged until
    acknowledged with --accept-rewrite COMMIT. Exit 1 when the remote cannot be reached (the
    changes stay committed in this clone).

    Example: tix sync            (every morning, and whenever you like)
             tix sync --accept-rewrite 3f2c9d1   (after a deliberate clean-up)
    """
    import time

    from tix.cli.env import ctx_env
    from tix.core.errors import CheckFailed
    from tix.render.sync import sync_lines
    from tix.storage.sync import sync as run_sync

    env = ctx_env()
    store = env.store
    t0 = time.monotonic()

    def after_pull(brought: list[str] | None) -> tuple[list[str], str]:
        """Duplicate recurring occurrences (two clones ran `tix recur run`
        before they synced) are merged into the first, before the push."""
        from tix.app.recur import merge_pulled

        rows = merge_pulled(store, env.now, env.user, env.ids, brought)
        lines = [f"{r['ticket']}: merged into {r['into']} (the same occurrence {r['occurrence']}, made on two "
                 f"clones)" for r in rows]
        n = len(rows)
        msg = (f"tix sync: merged {n} duplicate recurring occurrence{'s' if n != 1 else ''} into the first\n\n"
               + "".join(f"{r['ticket']} -> {r['into']} ({r['occurrence']})\n" for r in rows))
        return lines, msg

    res = run_sync(store, user=env.user, remote=remote, branch=branch, push=not no_push, retries=retries,
                   message=message, accept=accept_rewrite or [], now=env.now,
                   ids=env.ids, after_pull=after_pull)
    for note in res.notes:
        print(note)
    if not res.git:
        return
    root = store.git_root
    lines, failed = sync_lines(res, lambda path: store.rel(root / path) if root else path, no_push,
                               time.monotonic() - t0)
    for line in lines:
        print(line)
    if res.policy_texts is not None:  # a pulled rate change must not reprice past work unnoticed
        from tix.app.contracts import repricing_note

        reprice = repricing_note(store, res.policy_texts[0], res.policy_texts[1], "policies.yaml", env.now)
        if reprice:
            warn(reprice)
    if failed:
        raise CheckFailed(failed)


def merge_driver(
    base: str = typer.Argument(..., help="The common ancestor's version (git's %O; empty when both added the file)."),
    ours: str = typer.Argument(..., help="Our version (git's %A); the result is written here."),
    theirs: str = typer.Argument(..., help="Their version (git's %B)."),
    path: str | None = typer.Argument(None, help="The file's path in the repository (git's %P)."),
) -> None:
    """Git merge driver for ticket files and invoice records: the union of
    both event logs by event id, the shared start untouched, new events in
    time order; the same bytes whichever side is "ours". A changed header or
    an edited or removed old event is a hand edit: the file is left with
    conflict markers around just those lines, every other event merged, and
    the exit status is 1. `tix init` registers it; `tix sync` does not need it.

    Example: git config merge.tix.driver 'tix merge-driver %O %A %B %P'
    """
    from pathlib import Path

    from tix.core.errors import CheckFailed, StoreError
    from tix.core.merge import MergeConflict, merge_file

    def read(p: str) -> bytes:
        try:
            return Path(p).read_bytes()
        except OSError as err:
            raise StoreError(f"cannot read: {err.strerror}", path=p) from None

    b, o, t = read(base), read(ours), read(theirs)
    try:
        result = merge_file(path, b or None, o, t)
        conflict = None
    except MergeConflict as err:
        result, conflict = err.marked, err.reason
    try:
        with open(ours, "wb") as fh:
            fh.write(result)
    except OSError as err:
        raise StoreError(f"cannot write: {err.strerror}", path=ours) from None
    if conflict:
        raise CheckFailed(f"{path or ours}: not merged automatically: {conflict}; the file shows the disputed "
                          f"lines between conflict markers")
