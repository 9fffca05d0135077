"""tix escalate: move a ticket to the next support line (1st -> 2nd -> 3rd,
the first team listed on the next line), by hand or, with --due, every ticket whose escalate clock has run
out (idempotent, for cron)."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.boundary import warn
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
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    reason = text_arg(message, "-m")
    _check_mode(id, to, at, due, dry_run)
    if due:
        _due(env, dry_run, reason, format)
    else:
        _one(env, id, to, reason, at, format)


def _check_mode(id: str | None, to: str | None, at: str | None, due: bool, dry_run: bool) -> None:
    """One ticket by hand, or --due (with --dry-run): options of the other mode are refused."""
    from tix.core.errors import BadInput

    if due:
        if id is not None or to is not None or at is not None:
            raise BadInput("tix escalate --due: takes no ID, --to or --at (it escalates every ticket that is due, now)")
        return
    if dry_run:
        raise BadInput("--dry-run goes with --due")
    if id is None:
        raise BadInput("tix escalate: give a ticket ID, or --due for every ticket whose escalate clock ran out")


def _line(policy: Any, team: str | None) -> str:
    from tix.app.desk import support_line

    return support_line(policy, team)


def _one(env: Any, tid: str | None, to: str | None, reason: str | None, at: str | None, format: str) -> None:
    from tix.app.desk import Desk
    from tix.render import table as render

    assert tid is not None  # _check_mode refused a missing ID
    result = Desk(env).escalate(env.store.ticket(tid), to, reason, at)
    if format == "json":
        print(render.to_json(result))
    elif format == "csv":
        print(render.to_csv([list(result.values())], list(result)), end="")
    else:
        print(f"{result['id']}: escalated from {_line(env.policy, result['from_team'])} to "
              f"{_line(env.policy, result['to_team'])}")


def _due(env: Any, dry_run: bool, reason: str | None, format: str) -> None:
    from tix.app.desk import Desk
    from tix.core import sla as sla_mod
    from tix.core.ticket import OPEN_STATUSES
    from tix.render import table as render
    from tix.storage.index import Where

    p, desk, now = env.policy, Desk(env), env.now
    problems: list = []
    # index columns first: only open incidents and requests can be due (sla.escalation_due)
    from tix.storage.index import load_all  # the index's query (tix.storage.index)
    tickets = load_all(env.store, problems, where=Where(OPEN_STATUSES,
                                                          lambda r: r.category in sla_mod.SLA_CATEGORIES))
    for prob in problems:
        warn(prob)
    done: list[dict[str, Any]] = []
    for t in sorted(tickets, key=lambda x: x.id):
        e = desk.escalation_event(t, reason) if dry_run else desk.escalate_if_due(t, reason)
        if e is None:
            continue
        done.append({"id": e.ticket.id, "from_team": e.from_team, "to_team": e.escalation.team.name,
                     "line": e.escalation.team.line, "due": e.escalation.due.isoformat() if e.escalation.due else None,
                     "reason": e.escalation.reason, "dry_run": dry_run})
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
