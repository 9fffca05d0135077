"""tix fsck: check the whole desk."""

from __future__ import annotations

import typer


def fsck(
    format: str = typer.Option("text", "--format", "-f", help="Output format: text (path:line: problem) or json."),
    history: bool = typer.Option(False, "--history",
        help="Also check the desk's whole git history: no commit may delete a ticket file, remove or edit an event "
             "or header, or change an issued invoice (unless acknowledged with `tix sync --accept-rewrite`)."),
) -> None:
    """Check every ticket file (YAML header, one valid event per line, known
    event types, unique event ids, ID matching the file name, links to
    existing tickets with a link back, no conflict markers), the ID prefix
    claims, every invoice record (no entry billed twice, no number issued
    twice) and the policy. Prints `path:line: problem` per finding; exit 1
    if there is any.

    With --history, every commit of the desk's git history is checked too:
    ticket files and invoice records are append-only across history, so a
    commit that deleted a ticket, removed or rewrote an event, edited a
    header or changed an issued invoice is reported (file, commit, author,
    date), unless a later `tix sync --accept-rewrite` acknowledged it.

    Example: tix fsck && tix sync
             tix fsck --history
    """
    import json
    import time

    from tix.cli.commands.common import check_choice
    from tix.cli.env import ctx_env
    from tix.core.errors import CheckFailed
    from tix.storage.fsck import check_desk

    check_choice(format, ("text", "json"), "--format")
    env = ctx_env()
    t0 = time.monotonic()
    findings, n = check_desk(env.store)
    if history:
        from tix.storage.fsck import check_history

        findings = sorted(set(findings) | set(check_history(env.store)),
                          key=lambda f: (f.path, f.line or 0, f.problem))
    _repricing(env)
    if format == "json":
        print(json.dumps({"tickets": n, "problems": [f._asdict() for f in findings]}, indent=2))
    else:
        from tix.core.safe import inert

        for f in findings:
            print(inert(str(f)))  # one line per finding, whatever a file name holds
    if findings:
        files = len({f.path for f in findings})
        raise CheckFailed(f"fsck: {len(findings)} problem{'s' if len(findings) != 1 else ''} in {files} "
                          f"file{'s' if files != 1 else ''}")
    if format == "text":
        print(f"ok: {n} ticket files, the policy, claims and invoice records checked in "
              f"{time.monotonic() - t0:.1f} s")


def _repricing(env: object) -> None:
    """A warning (stderr) when the newest committed policy change reprices
    un-invoiced work done before it (tix.app.contracts.repricing_note)."""
    from tix.app.contracts import last_policy_change, repricing_note
    from tix.cli.boundary import warn
    from tix.core.errors import TixError

    store = env.store  # type: ignore[attr-defined]
    try:
        change = last_policy_change(store)
        if change is None:
            return
        note = repricing_note(store, change[0], change[1], "policies.yaml", change[2])
    except TixError:
        return
    if note:
        warn(note.replace("the change", f"the change committed {change[2]:%Y-%m-%d %H:%M} UTC", 1))
