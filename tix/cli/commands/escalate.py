"""tix escalate: move a ticket to the next support line (1st -> 2nd -> 3rd,
the first team listed on the next line), by hand or, with --due, every ticket whose escalate clock has run
out (idempotent, for cron)."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.commands.common import AtOpt, FormatOpt


def escalate(
    id: str | None = typer.Argument(None, help="Ticket ID or a unique prefix (leave out with --due)."),
    to: str | None = typer.Option(None, "--to", help="The team to escalate to (default: the next line's team)."),
    message: str | None = typer.Option(None, "-m", "--message", help="Why (kept with the escalation)."),
    due: bool = typer.Option(False, "--due", help="Escalate every ticket whose escalate clock has run out."),
    dry_run: bool = typer.Option(False, "--dry-run", help="With --due: show what would be escalated, write nothing."),
    at: str | None = AtOpt,
    format: str = FormatOpt,
) -> None:
    """Move a ticket to the next support line (its team's line + 1), or to
    --to TEAM. With --due, escalate every unresolved ticket whose escalate
    clock has run out and record it; running it again escalates nothing twice
    (each escalation restarts the clock for the next line), so it suits cron.
    Prints one line per escalation and nothing when none is due.

    Examples:

      tix escalate AB-0042 -m "needs a switch config change"

      tix escalate AB-0042 --to security

      tix escalate --due --dry-run

      */5 7-18 * * 1-5  cd /srv/desk && tix escalate --due
    """
    from tix.cli.commands.common import text_arg
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    reason = text_arg(message, "-m")
    if due:
        if id is not None or to is not None or at is not None:
            raise BadInput("tix escalate --due: takes no ID, --to or --at (it escalates every ticket that is due, now)")
        _due(env, dry_run, reason, format)
        return
    if dry_run:
        raise BadInput("--dry-run goes with --due")
    if id is None:
        raise BadInput("tix escalate: give a ticket ID, or --due for every ticket whose escalate clock ran out")
    _one(env, id, to, reason, at, format)


def _line(policy: Any, team: str | None) -> str:
    if team and team in policy.teams:
        return f"{team} (line {policy.teams[team].line})"
    return team or "no team"


def _one(env: Any, tid: str, to: str | None, reason: str | None, at: str | None, format: str) -> None:
    from tix.cli.commands.common import check_team
    from tix.core import events
    from tix.core.errors import BadInput
    from tix.core.sla import next_line_team
    from tix.render import table as render

    p = env.policy
    t = env.store.ticket(tid)
    if not t.is_open:
        raise BadInput(f"{t.id} is {t.status}: reopen it before escalating")
    if t.merged_into:
        raise BadInput(f"{t.id} was merged into {t.merged_into}; escalate that ticket")
    if to is not None:
        check_team(p, to, "--to")
        target = p.teams[to]
    else:
        nxt = next_line_team(p, t.team)
        if nxt is None:
            raise BadInput(f"{t.id} is with {_line(p, t.team)}, the last support line; "
                           f"name a team with --to ({', '.join(p.teams)})")
        target = nxt
    if target.name == t.team:
        raise BadInput(f"--to {target.name}: {t.id} is already with {target.name}")
    when = env.event_time(at)
    if when < t.created:
        raise BadInput(f"--at {at}: before {t.id} was opened ({t.created.isoformat()})")
    ev = events.make(env.ids, "escalated", env.user, when, to_team=target.name, from_team=t.team, line=target.line,
                     auto=False, reason=reason)
    env.store.append(t.id, [ev])
    env.finish(f"tix escalate {t.id} to {target.name}")
    result = {"id": t.id, "from_team": t.team, "to_team": target.name, "line": target.line,
              "at": when.isoformat(), "auto": False, "reason": reason}
    if format == "json":
        print(render.to_json(result))
    elif format == "csv":
        print(render.to_csv([list(result.values())], list(result)), end="")
    else:
        print(f"{t.id}: escalated from {_line(p, t.team)} to {_line(p, target.name)}")


def _due(env: Any, dry_run: bool, reason: str | None, format: str) -> None:
    import sys

    from tix.core import events
    from tix.core import sla as sla_mod
    from tix.core.dates import fmt_minutes
    from tix.render import table as render

    p = env.policy
    now = env.now
    problems: list = []
    from tix.core.ticket import OPEN_STATUSES
    from tix.storage.index import Where

    # index columns first: only open incidents and requests can be due (sla.escalation_due)
    tickets = env.store.all_tickets(problems, where=Where(OPEN_STATUSES,
                                                          lambda r: r.category in sla_mod.SLA_CATEGORIES))
    for prob in problems:
        print(f"tix: {prob}", file=sys.stderr)
    done: list[dict[str, Any]] = []
    for t in sorted(tickets, key=lambda x: x.id):
        team = sla_mod.escalation_due(t, p, now)
        if team is None:
            continue
        if not dry_run:
            # Read the file again right before writing: another run (cron and a
            # technician) may have escalated it meanwhile; then it is not due.
            t = env.store.ticket(t.id)
            team = sla_mod.escalation_due(t, p, now)
            if team is None:
                continue
        clock = sla_mod.compute(t, p, now).escalate
        why = (f"escalate target {fmt_minutes(clock.target)} reached at "
               f"{clock.due.astimezone(p.tz):%Y-%m-%d %H:%M}" if clock.due else "escalate target reached")
        if reason:
            why += f"; {reason}"
        if not dry_run:
            ev = events.make(env.ids, "escalated", env.user, now.astimezone(p.tz), to_team=team.name, from_team=t.team,
                             line=team.line, auto=True, reason=why)
            env.store.append(t.id, [ev])
        done.append({"id": t.id, "from_team": t.team, "to_team": team.name, "line": team.line,
                     "due": clock.due.isoformat() if clock.due else None, "reason": why, "dry_run": dry_run})
    silent = []
    if not dry_run and any(r.expect_every for r in p.alerts):  # keys gone silent too, as `tix alerts check`
        from tix.app.alerts import check_silent

        silent = [r for r in check_silent(env.store, p, now, env.user, env.ids) if r["action"] == "opened"]
    if (done or silent) and not dry_run:
        env.finish(f"tix escalate --due: {len(done)} ticket{'s' if len(done) != 1 else ''}")
    if format == "table":
        for r in silent:
            print(f"{r['ticket']}: opened: no report from {r['key']} since {r['silent_since'][:16]}")
    if format == "json":
        print(render.to_json(done))
        return
    headers = ["id", "from_team", "to_team", "line", "due", "reason", "dry_run"]
    if format == "csv":
        print(render.to_csv([[d[h] for h in headers] for d in done], headers), end="")
        return
    for d in done:
        verb = "would escalate" if dry_run else "escalated"
        print(f"{d['id']}: {verb} from {_line(p, d['from_team'])} to {_line(p, d['to_team'])}: {d['reason']}")
