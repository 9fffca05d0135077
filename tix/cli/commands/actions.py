"""The everyday event commands: assign, take, comment, status, set, work,
resolve, close, reopen, link, split, feedback. Each is: resolve the ID,
check the input against the ticket and the policy, append events, print."""

from __future__ import annotations

import typer

from tix.cli.commands.common import AtOpt, check_agent, check_team, text_arg

IdArg = typer.Argument(..., help="Ticket ID or a unique prefix of one (AB-0042, ab-42, AB-004).")


def _env_ticket(tid: str):  # type: ignore[no-untyped-def]
    from tix.cli.env import ctx_env

    env = ctx_env()
    t = env.store.ticket(tid)
    return env, t


def _when(env, t, at, *, status_change: bool = False):  # type: ignore[no-untyped-def]
    from tix.app.desk import Desk

    return Desk(env).event_time(t, at, status_change=status_change)


def _append(env, t, evs, message: str) -> None:  # type: ignore[no-untyped-def]
    from tix.app.desk import Desk

    Desk(env).append(t, evs, message)


def assign(
    id: str = IdArg,
    team: str | None = typer.Option(None, "--team", help="The team that handles it."),
    to: str | None = typer.Option(None, "--to", help="The agent who handles it ('' to unassign)."),
    at: str | None = AtOpt,
) -> None:
    """Give a ticket to a team and/or an agent.

    Example: tix assign AB-0042 --team connectivity --to pieter
    """
    from tix.core import events
    from tix.core.errors import BadInput

    env, t = _env_ticket(id)
    if team is None and to is None:
        raise BadInput("assign: give --team and/or --to")
    check_team(env.policy, team)
    if to:
        check_agent(env.policy, to)
    ev = events.make(env.ids, "assigned", env.user, _when(env, t, at), team=team,
                     **({"to": to} if to is not None else {}))
    if to == "":
        ev["to"] = ""
    _append(env, t, [ev], f"tix assign {t.id}")
    print(f"{t.id}: team {team or t.team}, assignee {to if to is not None else t.assignee or '-'}")


def take(id: str = IdArg, at: str | None = AtOpt) -> None:
    """Take a ticket: you own it now (whoever takes it owns it: the lock is the owner). Meets the response clock.

    Example: tix take AB-0042
    """
    from tix.core import events
    from tix.core.workflow import check_not_merged, check_start

    env, t = _env_ticket(id)
    check_not_merged(t, "take")
    check_agent(env.policy, env.user, "--as")
    check_start(t)
    if t.taken_by == env.user and t.assignee == env.user:
        print(f"{t.id} is already yours")
        return
    _append(env, t, [events.make(env.ids, "taken", env.user, _when(env, t, at, status_change=t.status == "new"))],
            f"tix take {t.id}")
    print(f"{t.id}: taken by {env.user}" + (f" (was {t.assignee})" if t.assignee and t.assignee != env.user else ""))


def comment(
    id: str = IdArg,
    message: str | None = typer.Option(None, "-m", "--message", help="The text; '-' reads standard input."),
    internal: bool = typer.Option(False, "--internal", help="An internal note: never shown to the customer."),
    template: str | None = typer.Option(None, "--template", help="Fill a canned answer from templates/."),
    at: str | None = AtOpt,
) -> None:
    """Add a public reply to the requester, or an --internal note for colleagues.

    Examples:

      tix comment AB-0042 -m "We are on our way."

      tix comment AB-0042 --internal -m "Switch in rack 3 smells burnt"
    """
    from tix.core import events
    from tix.core.errors import BadInput

    env, t = _env_ticket(id)
    text = text_arg(message, "-m")
    if template:
        from tix.app.templates import render_canned

        text = render_canned(env, t, template, extra=text)
    if not text or not text.strip():
        raise BadInput("comment: the text is empty (-m TEXT, or -m - to read standard input)")
    ev = events.make(env.ids, "commented", env.user, _when(env, t, at), text=text, internal=internal or None,
                     template=template)
    _append(env, t, [ev], f"tix comment {t.id}")
    print(f"{t.id}: {'internal note' if internal else 'public comment'} added")


def status(
    id: str = IdArg,
    new_status: str = typer.Argument(..., metavar="STATUS", help="new, open, waiting, resolved or closed."),
    message: str | None = typer.Option(None, "-m", "--message", help="Why (kept with the change)."),
    at: str | None = AtOpt,
) -> None:
    """Set the status. `waiting` (waiting for the customer) pauses the SLA clocks.

    Example: tix status AB-0042 waiting -m "asked for the serial number"
    """
    from tix.app.desk import Desk

    env, t = _env_ticket(id)
    if not Desk(env).set_status(t, new_status, text_arg(message, "-m"), at):
        print(f"{t.id} is already {new_status}")
        return
    print(f"{t.id}: {t.status} -> {new_status}")


def set_(
    id: str = IdArg,
    impact: int | None = typer.Option(None, "--impact", help="Impact factor (re-rates the ticket)."),
    urgency: int | None = typer.Option(None, "--urgency", help="Urgency factor (re-rates the ticket)."),
    category: str | None = typer.Option(None, "--category", help="incident, problem, change or request."),
    channel: str | None = typer.Option(None, "--channel", help="How it reached us."),
    change_kind: str | None = typer.Option(None, "--change-kind", help="standard, normal or emergency."),
    title: str | None = typer.Option(None, "--title", help="A better title."),
    description: str | None = typer.Option(None, "--description", help="A new description ('-' reads stdin)."),
    org: str | None = typer.Option(None, "--org", help="Customer organisation."),
    dept: str | None = typer.Option(None, "--dept", help="Department."),
    requester: str | None = typer.Option(None, "--requester", help="'Name <mail>'."),
    phone: str | None = typer.Option(None, "--phone", help="Requester's phone."),
    due: str | None = typer.Option(None, "--due", help="The requester's wished due date ('' clears)."),
    agreed_due: str | None = typer.Option(None, "--agreed-due", help="The agreed due date ('' clears)."),
    tag: list[str] = typer.Option([], "--tag", help="Add a tag (repeatable)."),
    untag: list[str] = typer.Option([], "--untag", help="Remove a tag (repeatable)."),
    estimate: str | None = typer.Option(None, "--estimate", help="Expected work, e.g. 2h."),
    risk: str | None = typer.Option(None, "--risk", help="Changes: low, medium or high."),
    rollback: str | None = typer.Option(None, "--rollback", help="Changes: the rollback plan."),
    window_start: str | None = typer.Option(None, "--window-start", help="Changes: planned start."),
    window_end: str | None = typer.Option(None, "--window-end", help="Changes: planned end."),
    root_cause: str | None = typer.Option(None, "--root-cause", help="Problems: the root cause."),
    workaround: str | None = typer.Option(None, "--workaround", help="Problems: the workaround (known error)."),
    standard_solution: bool | None = typer.Option(None, "--standard-solution/--no-standard-solution",
                                                     help="Problems: list the solution in `tix kb`."),
    at: str | None = AtOpt,
) -> None:
    """Change intake fields. Changing impact or urgency re-rates the ticket and
    recomputes its SLA targets from its creation.

    Example: tix set AB-0042 --impact 4 --urgency 8 --agreed-due "fri 12:00"
    """
    opts = dict(locals())  # the options as typed, before anything else is named
    from tix.app.tickets import TEXT_FIELDS, field_changes
    from tix.core import events
    from tix.core.priority import explain, rate

    env, t = _env_ticket(id)
    for key in TEXT_FIELDS:
        opts[key] = text_arg(opts[key], "--" + key.replace("_", "-"))
    f = field_changes(env, t, **opts)
    from tix.core.contracts import stamp_rerate

    ev = events.make(env.ids, "set", env.user, _when(env, t, at), fields=f)
    stamp_rerate(env.policy, t, ev)  # a re-rating records the new targets (the contract's, today's rules)
    _append(env, t, [ev], f"tix set {t.id}")
    print(f"{t.id}: set {', '.join(f'{k}={v}' for k, v in f.items())}")
    if "impact" in f or "urgency" in f:
        from tix.app.tickets import recorded_rating

        terms = ev.get("terms") or {}
        r = recorded_rating(rate(env.policy, f.get("impact", t.impact), f.get("urgency", t.urgency)), terms)
        print(f"{t.id}: {explain(env.policy, r)}" + (f" (contract {terms['contract']})" if terms.get("contract")
                                                     else ""))


def work(
    id: str = IdArg,
    duration: str = typer.Argument(..., help="How long: 45m, 1h30m, 1.5h or 90 (minutes)."),
    rate: str | None = typer.Option(None, "--rate",
        help="Rate name from the policy (default: the org's, else default_rate)."),
    onsite: bool = typer.Option(False, "--onsite", help="On-site visit: bills at least billing.onsite_minimum."),
    after_hours: bool = typer.Option(False, "--after-hours", help="Bill at the after-hours multiplier."),
    no_bill: bool = typer.Option(False, "--no-bill", help="Record the time but do not charge it."),
    message: str | None = typer.Option(None, "-m", "--message", help="What was done (shown on the invoice)."),
    at: str | None = AtOpt,
) -> None:
    """Log time worked. Each entry bills rounded up to billing.increment (15m).

    Examples:

      tix work AB-0042 45m -m "replaced the switch"

      tix work AB-0042 1h30m --onsite --at "today 08:30" -m "on site at Contoso"
    """
    from tix.app.desk import Desk
    from tix.core.dates import fmt_minutes

    env, t = _env_ticket(id)
    minutes, line = Desk(env).log_work(t, duration, rate=rate, onsite=onsite, after_hours=after_hours,
                                       no_bill=no_bill, note=text_arg(message, "-m"), at=at)
    print(f"{t.id}: {fmt_minutes(minutes)} logged, billed {fmt_minutes(line.billed_minutes)} = {line.amount}")


def resolve(
    id: str | None = typer.Argument(None, help="Ticket ID or a unique prefix of one (or give --key)."),
    solution: str | None = typer.Option(None, "--solution", "-s", help="What fixed it (required; '-' reads stdin)."),
    force: bool = typer.Option(False, "--force", help="Resolve even while child tickets or checklist items are open."),
    key: str | None = typer.Option(None, "--key", help="Resolve the open ticket with this correlation key."),
    at: str | None = AtOpt,
) -> None:
    """Resolve a ticket with its solution (never without one). Stops the resolve clock.

    Example: tix resolve AB-0042 --solution "Replaced the failed core switch"
    """
    from tix.app.desk import Desk
    from tix.core import events
    from tix.core.errors import BadInput
    from tix.core.workflow import check_children_done, check_resolve

    if (id is None) == (key is None):
        raise BadInput("resolve: give a ticket ID or --key KEY (one of them)")
    if key is not None:
        from tix.app.alerts import keyed_ticket
        from tix.cli.env import ctx_env
        from tix.core.alerts import check_key
        from tix.core.errors import NotFound

        found = keyed_ticket(ctx_env().store, check_key(key))
        if found is None:
            raise NotFound(f"--key {key!r}: no open ticket has this key")
        id = found.id
    assert id is not None
    env, t = _env_ticket(id)
    text = text_arg(solution, "--solution")
    check_resolve(t, text)
    if not force:
        check_children_done(t, Desk(env).open_children(t))
        from tix.core.checklist import open_items

        left = open_items(t)
        if left:
            raise BadInput(f"{t.id} has open checklist items ({', '.join(map(str, left))}); "
                           f"`tix check {t.id} N` ticks one, or use --force")
    _append(env, t, [events.make(env.ids, "resolved", env.user, _when(env, t, at, status_change=True), solution=text)],
            f"tix resolve {t.id}")
    print(f"{t.id}: resolved")


def close(
    id: str = IdArg,
    message: str | None = typer.Option(None, "-m", "--message", help="A closing note."),
    at: str | None = AtOpt,
) -> None:
    """Close a ticket (after it is resolved, or to drop it).

    Example: tix close AB-0042
    """
    from tix.core import events
    from tix.core.workflow import check_not_closed

    env, t = _env_ticket(id)
    check_not_closed(t)
    _append(env, t, [events.make(env.ids, "closed", env.user, _when(env, t, at, status_change=True),
                                 note=text_arg(message, "-m"))],
            f"tix close {t.id}")
    print(f"{t.id}: closed")


def reopen(
    id: str = IdArg,
    message: str | None = typer.Option(None, "-m", "--message", help="Why it is reopened."),
    at: str | None = AtOpt,
) -> None:
    """Reopen a resolved or closed ticket; the resolve clock runs again.

    Example: tix reopen AB-0042 -m "the printer jams again"
    """
    from tix.core import events
    from tix.core.workflow import check_reopenable

    env, t = _env_ticket(id)
    check_reopenable(t)
    _append(env, t, [events.make(env.ids, "reopened", env.user, _when(env, t, at, status_change=True),
                                 reason=text_arg(message, "-m"))],
            f"tix reopen {t.id}")
    print(f"{t.id}: reopened")


def link(
    id: str = IdArg,
    other: str = typer.Argument(..., help="The other ticket."),
    kind: str = typer.Option("relates", "--as",
        help="relates, caused-by, causes, duplicate-of, parent-of, child-of, fixes, fixed-by."),
    at: str | None = AtOpt,
) -> None:
    """Link two tickets; both show the link (A caused-by B shows B causes A).

    Example: tix link AB-0043 AB-0042 --as fixes
    """
    from tix.app.desk import Desk

    env, t = _env_ticket(id)
    o, written = Desk(env).link(t, other, kind, at)
    print(f"{t.id} {kind} {o.id}" + ("" if written else ": already linked"))


def split(
    id: str = IdArg,
    title: str = typer.Option(..., "--title", "-t", help="Title of the child task."),
    to: str | None = typer.Option(None, "--to", help="Agent who does this part."),
    team: str | None = typer.Option(None, "--team", help="Team of the child (default: the parent's)."),
    message: str | None = typer.Option(None, "-m", "--message", help="What the child must find out or do."),
    at: str | None = AtOpt,
) -> None:
    """Split off a child ticket (a coordinator splits a case over handlers; docs/processes.md). The
    parent lists its children and their states. Prints the child's ID.

    Example: child=$(tix split AB-0042 --title "Check the firewall logs" --to pieter)
    """
    from tix.app.desk import Desk

    env, t = _env_ticket(id)
    child = Desk(env).split(t, title, to=to, team=team, description=text_arg(message, "-m"), at=at)
    print(child)
    env.finish(f"tix split {t.id} -> {child}")


def feedback(
    id: str = IdArg,
    score: int = typer.Argument(..., help="Satisfaction from 1 (bad) to 5 (excellent)."),
    message: str | None = typer.Option(None, "-m", "--message", help="What the requester said."),
    at: str | None = AtOpt,
) -> None:
    """Record the requester's satisfaction (1-5); counted in the monthly report.

    Example: tix feedback AB-0042 5 -m "Snel en vriendelijk geholpen"
    """
    from tix.core import events
    from tix.core.errors import BadInput

    env, t = _env_ticket(id)
    if not 1 <= score <= 5:
        raise BadInput(f"score {score}: allowed are 1 to 5")
    _append(env, t, [events.make(env.ids, "feedback", env.user, _when(env, t, at), score=score,
                                 text=text_arg(message, "-m"))],
            f"tix feedback {t.id}")
    print(f"{t.id}: feedback {score}/5 recorded")
