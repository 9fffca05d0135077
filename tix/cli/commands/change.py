"""tix change and tix approve: change management (docs/processes.md).
A change is a ticket of category `change` with a kind (standard: pre-approved;
normal: approved before work starts; emergency: may start at once, flagged
until approved afterwards), a planned window, a risk and a rollback plan, and
links `fixes` to the problem or incident it comes from."""

from __future__ import annotations

import sys

import typer

from tix.cli.commands.common import AtOpt, FormatOpt, check_choice, text_arg

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Changes: plan, approve and track them; the change calendar.\n\n"
                       "Example: cid=$(tix change new --from AB-0050 --title 'Replace core switch' --kind normal "
                       "--window-start 'fri 18:00' --window-end 'fri 20:00' --risk medium "
                       "--rollback 'put the old switch back')")



@app.command("new")
def new(
    title: str = typer.Option(..., "--title", "-t", help="What will be changed, in one line."),
    kind: str = typer.Option("normal", "--kind", help="standard (pre-approved), normal (approve first) or emergency."),
    from_: list[str] = typer.Option([], "--from", help="The problem or incident this change fixes (repeatable)."),
    window_start: str | None = typer.Option(None, "--window-start", help="Planned start, e.g. 'fri 18:00'."),
    window_end: str | None = typer.Option(None, "--window-end", help="Planned end."),
    risk: str | None = typer.Option(None, "--risk", help="low, medium or high."),
    rollback: str | None = typer.Option(None, "--rollback", help="How to undo it if it goes wrong."),
    message: str | None = typer.Option(None, "-m", "--message", help="Description; '-' reads standard input."),
    org: str | None = typer.Option(None, "--org", help="Customer organisation (default: that of --from)."),
    team: str | None = typer.Option(None, "--team", help="Team that carries it out (default: that of --from)."),
    to: str | None = typer.Option(None, "--to", help="Agent who carries it out."),
    impact: int | None = typer.Option(None, "--impact", help="Impact (default: the highest of --from)."),
    urgency: int | None = typer.Option(None, "--urgency", help="Urgency (default: the policy's)."),
    at: str | None = AtOpt,
) -> None:
    """Open a change. Each --from ticket is linked: the change `fixes` it.
    Prints the new ID alone on the first line. A normal change must be
    approved (`tix approve ID`) before anyone takes it.

    Example:

      cid=$(tix change new --from AB-0050 --from AB-0042 --title "Replace core switch rack 3" \\
            --kind normal --window-start "2026-11-27 18:00" --window-end "2026-11-27 20:00" \\
            --risk medium --rollback "re-patch to the old switch")
    """
    opts = {k: v for k, v in locals().items() if k not in ("message", "rollback")}  # the options as typed
    from tix.app.changes import open_change
    from tix.cli.env import ctx_env

    env = ctx_env()
    cid, title, notes = open_change(env, **opts, description=text_arg(message, "-m"),
                                    rollback=text_arg(rollback, "--rollback"))
    print(cid)
    sys.stdout.flush()
    for n in notes:
        print(f"{cid}: {n}", file=sys.stderr)
    env.finish(f"tix change new {cid}: {title}")


@app.command("list")
def list_(
    upcoming: bool = typer.Option(False, "--upcoming",
                                  help="The change calendar: open changes whose window has not ended."),
    all_: bool = typer.Option(False, "--all", "-a", help="Also done (resolved, closed) changes."),
    kind: str | None = typer.Option(None, "--kind", help="Only standard, normal or emergency changes."),
    format: str = FormatOpt,
) -> None:
    """Changes by planned window, with kind, approval state (approved,
    pending, flagged: an emergency change not approved yet, not needed),
    risk and what they fix.

    Examples:

      tix change list --upcoming

      tix change list --all --format csv
    """
    from tix.cli.env import ctx_env
    from tix.core.itil import change_calendar
    from tix.core.policy import CHANGE_KINDS
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    check_choice(kind, CHANGE_KINDS, "--kind")
    from tix.cli.commands.knowledge import load_tickets

    tickets = load_tickets(env, lambda row: row.category == "change")
    rows = [r for r in change_calendar(tickets, env.now, upcoming=upcoming, include_done=all_)
            if kind is None or r.kind == kind]
    if format == "json":
        print(render.to_json([r.to_json() for r in rows]))
        return
    tz = env.policy.tz

    def when(s: str | None, fmt: str) -> str:
        if not s:
            return ""
        from tix.core.dates import parse_stamp

        return parse_stamp(s).astimezone(tz).strftime(fmt) if format == "table" else s

    headers = ["id", "start", "end", "kind", "approval", "status", "risk", "fixes", "title"]
    out = [[r.id, when(r.window_start, "%a %Y-%m-%d %H:%M"), when(r.window_end, "%H:%M" if
            (r.window_start or "")[:10] == (r.window_end or "")[:10] else "%Y-%m-%d %H:%M"),
            r.kind, r.approval.upper() if r.approval == "flagged" else r.approval, r.status, r.risk or "",
            ", ".join(r.fixes), r.title] for r in rows]
    if format == "csv":
        print(render.to_csv(out, headers), end="")
    elif out:
        print(render.table(out, headers))
    else:
        print("no upcoming changes" if upcoming else "no changes", file=sys.stderr)


def approve(
    id: str = typer.Argument(..., help="The change to approve."),
    message: str | None = typer.Option(None, "-m", "--message", help="A note kept with the approval."),
    at: str | None = AtOpt,
) -> None:
    """Approve a normal or emergency change. Only members of a team that the
    policy names under `changes: {approvers: [...]}` may approve. A normal
    change cannot start before it is approved; an emergency change may be
    approved afterwards (it is flagged until then); a standard change needs
    no approval. Approving again is a no-op.

    Example: tix approve AB-0051 -m "CAB 2026-11-24: go, after 18:00"
    """
    from tix.app.desk import Desk
    from tix.cli.env import ctx_env
    from tix.core.itil import change_kind
    from tix.core.workflow import approving_teams

    env = ctx_env()
    t = env.store.ticket(id)
    teams = approving_teams(t, env.policy, env.user)
    if t.approvals:
        first = t.approvals[0]
        print(f"{t.id}: already approved by {first['by']} at {first['at'][:16].replace('T', ' ')}")
        return
    Desk(env).approve(t, text_arg(message, "-m"), at)
    late = " (afterwards: emergency change)" if change_kind(t) == "emergency" and t.status != "new" else ""
    print(f"{t.id}: approved by {env.user} ({', '.join(teams)}){late}")
