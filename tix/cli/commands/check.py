"""tix check: a ticket's checklist. `tix check add ID TEXT` adds an item,
`tix check ID N [--undo]` ticks (or unticks) item N."""

from __future__ import annotations

import typer

from tix.cli.commands.common import AtOpt


def check(
    args: list[str] = typer.Argument(..., metavar="ID N | add ID TEXT",
                                     help="ID and the item number to tick, or `add ID TEXT`."),
    undo: bool = typer.Option(False, "--undo", help="Untick the item instead."),
    at: str | None = AtOpt,
) -> None:
    """Tick a checklist item (an event: who and when), or add one.

    Examples:

      tix check add AB-0042 "Firewall firmware"

      tix check AB-0042 2

      tix check AB-0042 2 --undo
    """
    from tix.cli.env import ctx_env
    from tix.core import events
    from tix.core.checklist import checklist
    from tix.core.errors import BadInput

    env = ctx_env()
    if args and args[0] == "add":
        if len(args) != 3:
            raise BadInput("check add: expected `tix check add ID TEXT` (quote the text)")
        if undo:
            raise BadInput("check add: --undo is for ticking, not for adding")
        t = env.store.ticket(args[1])
        text = " ".join(args[2].split())
        if not text or len(text) > 300:
            raise BadInput("check add TEXT: expected one line of 1 to 300 characters")
        if t.merged_into:
            raise BadInput(f"{t.id} was merged into {t.merged_into}; use that ticket")
        if len(checklist(t)) >= 200:
            raise BadInput(f"{t.id}: a checklist holds at most 200 items")
        env.store.append(t.id, [events.make(env.ids, "check_added", env.user, _when(env, t, at), text=text)])
        env.finish(f"tix check add {t.id}")
        print(f"{t.id}: item {len(checklist(t)) + 1} added: {text}")
        return
    if len(args) != 2:
        raise BadInput("check: expected `tix check ID N [--undo]` or `tix check add ID TEXT`")
    t = env.store.ticket(args[0])
    if not args[1].isascii() or not args[1].isdigit():
        raise BadInput(f"check N: {args[1]!r} is not an item number")
    n = int(args[1])
    items = checklist(t)
    if not items:
        raise BadInput(f"{t.id} has no checklist; `tix check add {t.id} TEXT` adds an item")
    if not 1 <= n <= len(items):
        raise BadInput(f"check N: {n} is not an item of {t.id} (1..{len(items)})")
    item = items[n - 1]
    if item["done"] and not undo:
        raise BadInput(f"{t.id}: item {n} is already ticked ({item['by']} {item['at'][:16]}); --undo unticks it")
    if not item["done"] and undo:
        raise BadInput(f"{t.id}: item {n} is not ticked")
    env.store.append(t.id, [events.make(env.ids, "checked", env.user, _when(env, t, at), item=n, undo=undo)])
    env.finish(f"tix check {t.id} {n}")
    left = sum(1 for i, it in enumerate(items, 1) if not it["done"] and i != n) + (1 if undo else 0)
    print(f"{t.id}: item {n} {'unticked' if undo else 'ticked'}: {item['text']} ({left} open)")


def _when(env, t, at):  # type: ignore[no-untyped-def]
    from tix.core.errors import BadInput

    when = env.event_time(at)
    if when < t.created:
        raise BadInput(f"--at {at}: before {t.id} was opened")
    return when
