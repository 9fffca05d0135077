"""tix plan, unplan, agenda, ics: planning tickets into the technicians'
calendars (docs/planning.md). The rules live in tix/core/planning.py; these commands parse
options, check them, append `planned`/`unplanned` events and print."""

from __future__ import annotations

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import AtOpt, FormatOpt

IdArg = typer.Argument(..., help="Ticket ID or a unique prefix of one (AB-0042, ab-42).")
AgentOpt = typer.Option(None, "--agent", "-a", help="The technician (default: see below).")


def _tickets(env):  # type: ignore[no-untyped-def]
    from tix.app.planning import readable_tickets

    return readable_tickets(env, warn)


def plan(
    id: str = IdArg,
    when: list[str] = typer.Argument(..., metavar="WHEN",
                                     help="Start: 2026-11-25T10:00, 'tomorrow 10:00', 'mon 14:00' (policy timezone)."),
    for_: str | None = typer.Option(None, "--for", help="How long (default: the estimate left, else 1h; at most 12h)."),
    agent: str | None = AgentOpt,
    force: bool = typer.Option(False, "--force", help="Book it even outside service hours, across a break "
                               "or over another slot of the agent."),
    at: str | None = AtOpt,
) -> None:
    """Book a slot for a ticket in a technician's calendar and queue the
    requester's notice ("a technician will pick this up on ...") for `tix notify`.

    The slot must lie within one range of service hours and not overlap
    another slot of the same technician (--force books it anyway). Planning
    again replaces the slot; the old one stays in the history. Default
    technician: the assignee, else you. Default length: the estimate left
    (estimate - worked), else 1h.

    Examples:

      tix plan AB-0042 tomorrow 10:00 --for 2h

      tix plan AB-0042 "mon 14:00" --agent pieter

      tix plan AB-0042 2026-11-25T13:00
    """

    from tix.app.planning import book
    from tix.cli.env import ctx_env
    from tix.core.dates import fmt_minutes

    b = book(ctx_env(), id, when, for_=for_, agent=agent, force=force, at=at, warn=warn)
    t, span = b.ticket, f"{b.start:%a %Y-%m-%d %H:%M}-{b.end:%H:%M}"
    if not b.written:
        print(f"{t.id}: already planned {span} for {b.who}")
        return
    print(f"{t.id}: {'re-planned' if b.replanned else 'planned'} {span} ({fmt_minutes(b.minutes)}) for {b.who}")
    if t.assignee and t.assignee != b.who:
        print(f"{t.id}: note: the ticket is assigned to {t.assignee}")
    print(f"{t.id}: `tix notify` will tell the requester: {b.notice}")


def unplan(
    id: str = IdArg,
    message: str | None = typer.Option(None, "-m", "--message", help="Why (kept in the history)."),
    at: str | None = AtOpt,
) -> None:
    """Remove a ticket's planned slot (it disappears from the agenda and the
    calendar feed; the history keeps it).

    Example: tix unplan AB-0042 -m "customer is away this week"
    """
    from tix.cli.commands.common import text_arg
    from tix.cli.env import ctx_env
    from tix.core import events
    from tix.core.errors import BadInput
    from tix.core.workflow import check_after_opened

    env = ctx_env()
    t = env.store.ticket(id)
    if t.plan is None:
        raise BadInput(f"{t.id} has no planned slot")
    when_at = env.event_time(at)
    check_after_opened(t, when_at, at)
    env.store.append(t.id, [events.make(env.ids, "unplanned", env.user, when_at, note=text_arg(message, "-m"))])
    env.finish(f"tix unplan {t.id}")
    print(f"{t.id}: slot {t.plan['start'][:16].replace('T', ' ')}-{t.plan['end'][11:16]} "
          f"for {t.plan['agent']} removed")


def _agenda_period(env, day: bool, week: bool, date_: str | None, since: str | None,  # type: ignore[no-untyped-def]
                   until: str | None):
    from datetime import datetime, time, timedelta

    from tix.core.dates import localize
    from tix.core.errors import BadInput

    tz = env.policy.tz
    if day and week:
        raise BadInput("agenda: give --day or --week, not both")
    if (day or week) and (since or until):
        raise BadInput("agenda: --day/--week and --since/--until do not mix; use --date to pick the day or week")
    if date_ is not None and not (day or week):
        raise BadInput("--date: only with --day or --week")
    ref = (env.when(date_, what="--date") if date_ else env.local_now).astimezone(tz).date()
    if day or week:
        first = ref if day else ref - timedelta(days=ref.weekday())
        last = first + timedelta(days=1 if day else 7)
        return (localize(datetime.combine(first, time(0)), tz), localize(datetime.combine(last, time(0)), tz))
    start = env.when(since, what="--since") if since else localize(datetime.combine(ref, time(0)), tz)
    end = env.when(until, what="--until") if until else datetime(9999, 1, 1, tzinfo=tz)
    if end <= start:
        raise BadInput("--until: must be after --since")
    return start, end


def agenda(
    agent: str | None = AgentOpt,
    mine: bool = typer.Option(False, "--mine", help="Only my slots."),
    day: bool = typer.Option(False, "--day", help="One day: today (or --date)."),
    week: bool = typer.Option(False, "--week", help="One week, Monday to Sunday: this week (or --date's)."),
    date_: str | None = typer.Option(None, "--date", help="The day or week to show with --day/--week, e.g. tomorrow."),
    since: str | None = typer.Option(None, "--since", help="From this time (default: today 00:00)."),
    until: str | None = typer.Option(None, "--until", help="Up to this time (default: no end)."),
    all_: bool = typer.Option(False, "--all", help="Also slots of resolved and closed tickets."),
    format: str = FormatOpt,
) -> None:
    """Each technician's planned slots, with ticket, organisation, priority and
    the SLA resolve due time; a slot that ends after that due time is flagged
    LATE. By default from today on, unresolved tickets only.

    Examples:

      tix agenda --day --mine

      tix agenda --week --agent pieter

      tix agenda --day --date tomorrow --format json
    """

    from tix.cli.env import ctx_env
    from tix.core import planning
    from tix.core.errors import CheckFailed
    from tix.core.workflow import check_agent
    from tix.render import table as render
    from tix.render.agenda import agenda_csv, agenda_text

    env = ctx_env()
    render.check_format(format)
    agent = (agent or env.user) if mine else agent
    check_agent(env.policy, agent, "--agent")
    start, end = _agenda_period(env, day, week, date_, since, until)
    rows = planning.agenda(_tickets(env), env.policy, env.now, start=start, end=end, agent=agent, include_done=all_)
    if format == "json":
        print(render.to_json([r.to_json() for r in rows]))
    elif format == "csv":
        print(agenda_csv(rows), end="")
    elif not rows:
        raise CheckFailed(f"no planned slots{f' for {agent}' if agent else ''}")  # exit 1 = found nothing
    else:
        print(agenda_text(rows, env.policy.tz, env.color))


def ics(
    agent: str | None = AgentOpt,
    mine: bool = typer.Option(False, "--mine", help="Only my slots."),
    output: str | None = typer.Option(None, "-o", "--output", help="Write to FILE (atomically) instead of stdout."),
    since: str | None = typer.Option(None, "--since", help="Leave out slots that ended before this time."),
) -> None:
    """Write planned slots as an iCalendar (RFC 5545) file, one event per slot,
    for the technicians' calendar apps to subscribe to. UIDs are stable:
    re-exporting updates the events, never duplicates them, and a removed
    slot disappears. An unchanged desk gives a byte-identical file (an
    unchanged -o FILE is not rewritten).

    Examples:

      tix ics --agent anna -o /srv/share/calendars/anna.ics

      tix ics > all-technicians.ics
    """
    import sys
    from pathlib import Path

    from tix.cli.commands.common import check_agent
    from tix.cli.env import ctx_env
    from tix.core import planning

    env = ctx_env()
    p = env.policy
    if mine:
        agent = agent or env.user
    check_agent(p, agent, "--agent")
    since_at = env.when(since, what="--since") if since else None
    tickets = _tickets(env)
    data = planning.build_ics(tickets, p, agent=agent, since=since_at)
    count = data.count(b"BEGIN:VEVENT")
    if output is None or output == "-":
        raw = getattr(sys.stdout, "buffer", None)
        if raw is None:  # a text-only stdout (tests, embedding)
            sys.stdout.write(data.decode("utf-8"))
        else:  # bytes as built: UTF-8 with CRLF line ends, whatever the locale says
            sys.stdout.flush()
            raw.write(data)
            raw.flush()
        return
    path = Path(output).expanduser()
    if path.is_dir():
        from tix.core.errors import BadInput

        raise BadInput(f"-o {output}: is a directory; give a file name like {output.rstrip('/')}/anna.ics")
    try:
        same = path.read_bytes() == data
    except OSError:
        same = False
    if same:
        print(f"{output}: up to date ({count} event{'s' if count != 1 else ''})")
        return
    env.store.write_atomic(path, data)
    print(f"{output}: {count} event{'s' if count != 1 else ''}" + (f" for {agent}" if agent else ""))
