"""tix merge: fold a duplicate into the ticket that carries the case (seed
004: the coordinator keeps one case). The duplicate keeps its whole log,
readable with `tix show`; it is closed with a pointer to the target, and the
target records where the duplicate came from and who reported it."""

from __future__ import annotations

import typer

from tix.cli.commands.common import AtOpt, text_arg


def merge(
    id: str = typer.Argument(..., help="The duplicate."),
    into: str = typer.Option(..., "--into", help="The ticket that carries on."),
    message: str | None = typer.Option(None, "-m", "--message", help="Why (kept on both tickets)."),
    at: str | None = AtOpt,
) -> None:
    """Merge a duplicate into another ticket. The duplicate gets `merged` and
    is closed (its events stay as they are); the target gets `absorbed`, the
    links duplicate-of / duplicated-by, and an internal note naming the
    duplicate's requester, so both requesters are known. Refused: into
    itself, into a ticket that was itself merged, a ticket merged already.

    Example: tix merge AB-0044 --into AB-0042
    """
    from tix.app.desk import Desk
    from tix.cli.env import ctx_env

    env = ctx_env()
    dup, target = env.store.ticket(id), env.store.ticket(into)
    Desk(env).merge(dup, target, text_arg(message, "-m"), at)
    print(f"{dup.id}: merged into {target.id} and closed")
