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
    from tix.core.checklist import can_add, can_tick, checklist
    from tix.core.errors import BadInput

    env = ctx_env()
    if args and args[0] == "add":
        if len(args) != 3:
            raise BadInput("check add: expected `tix check add ID TEXT` (quote the text)")
        if undo:
            raise BadInput("check add: --undo is for ticking, not for adding")
        t = env.store.ticket(args[1])
        text = can_add(t, args[2])
        env.store.append(t.id, [events.make(env.ids, "check_added", env.user, _when(env, t, at), text=text)])
        env.finish(f"tix check add {t.id}")
        print(f"{t.id}: item {len(checklist(t)) + 1} added: {text}")
        return
    if len(args) != 2:
        raise BadInput("check: expected `tix check ID N [--undo]` or `tix check add ID TEXT`")
    t = env.store.ticket(args[0])
    n, items = can_tick(t, args[1], undo)
    item = items[n - 1]
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
