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
    from tix.core import events
    from tix.core.errors import BadInput
    from tix.core.workflow import check_after_opened

    env = ctx_env()
    dup = env.store.ticket(id)
    target = env.store.ticket(into)
    if dup.id == target.id:
        raise BadInput(f"merge: {dup.id} cannot be merged into itself")
    if dup.merged_into:
        raise BadInput(f"{dup.id} was already merged into {dup.merged_into}")
    if target.merged_into:
        raise BadInput(f"--into {target.id}: was itself merged into {target.merged_into}; "
                       f"merge into {target.merged_into}")
    # a target that points back at the duplicate would make a cycle
    if ("duplicate-of", dup.id) in target.links:
        raise BadInput(f"--into {target.id}: is recorded as a duplicate of {dup.id}; merge the other way round")
    open_children = Desk(env).open_children(dup)
    if open_children:
        raise BadInput(f"{dup.id} has open child tickets ({', '.join(open_children)}); "
                       "resolve them or move them first")
    when = env.event_time(at)
    for t in (dup, target):
        check_after_opened(t, when, at)
    note = text_arg(message, "-m")
    dup_evs = [events.make("merged", env.user, when, into=target.id)]
    if ("duplicate-of", target.id) not in dup.links:
        dup_evs.append(events.make("linked", env.user, when, link="duplicate-of", other=target.id))
    if dup.status != "closed":
        dup_evs.append(events.make("closed", env.user, when,
                                   note=f"duplicate, merged into {target.id}" + (f": {note}" if note else "")))
    tgt_evs = [events.make("absorbed", env.user, when, **{"from": dup.id})]
    if ("duplicated-by", dup.id) not in target.links:
        tgt_evs.append(events.make("linked", env.user, when, link="duplicated-by", other=dup.id))
    req = dup.requester
    who = " ".join(x for x in (req.get("name"), f"<{req['email']}>" if req.get("email") else None,
                               req.get("phone")) if x)
    text = f"Duplicate {dup.id} merged in: {dup.title}"
    if who:
        same = who == " ".join(x for x in (target.requester.get("name"),
                                            f"<{target.requester['email']}>" if target.requester.get("email")
                                            else None, target.requester.get("phone")) if x)
        text += f"\nAlso reported by {who}" + (f" ({dup.org})" if dup.org else "") \
            + (" (same requester)" if same else "")
    if note:
        text += f"\n{note}"
    tgt_evs.append(events.make("commented", env.user, when, text=text, internal=True))
    env.store.append(dup.id, dup_evs)
    env.store.append(target.id, tgt_evs)
    env.finish(f"tix merge {dup.id} --into {target.id}")
    print(f"{dup.id}: merged into {target.id} and closed")
