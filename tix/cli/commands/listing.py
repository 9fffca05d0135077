"""tix list."""

from __future__ import annotations

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import FormatOpt


def list_(
    query: list[str] | None = typer.Argument(None,
        help="Words that must all appear (title, description, requester, org, ID)."),
    status: list[str] = typer.Option([], "--status", "-s",
        help="new, open, waiting, resolved, closed, or 'all' (repeatable; default: new, open, waiting)."),
    team: str | None = typer.Option(None, "--team", help="Only this team."),
    assignee: str | None = typer.Option(None, "--assignee",
        help="Only tickets assigned to this agent ('none' for unassigned)."),
    mine: bool = typer.Option(False, "--mine", help="Only tickets assigned to me."),
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    priority: str | None = typer.Option(None, "--priority", help="Only this priority (urgent, high, ...)."),
    category: str | None = typer.Option(None, "--category", help="incident, problem, change or request."),
    tag: list[str] = typer.Option([], "--tag", help="Only tickets with this tag (repeatable: all must match)."),
    breached: bool = typer.Option(False, "--breached", help="Only tickets with a breached SLA clock."),
    at_risk: bool = typer.Option(False, "--at-risk", help="Only tickets with a clock at risk."),
    billing: str | None = typer.Option(None, "--billing", help="to-invoice, invoiced, open or none."),
    period: str | None = typer.Option(None, "--period",
        help="Opened in this period: 2026-10, 2026-Q3, 2026, last-month."),
    since: str | None = typer.Option(None, "--since", help="Opened at or after this time."),
    until: str | None = typer.Option(None, "--until", help="Opened before this time."),
    key_: str | None = typer.Option(None, "--key", help="Only the tickets with this correlation key."),
    alerts: bool = typer.Option(False, "--alerts", help="Only tickets opened by monitoring or backup alerts."),
    recurring: bool = typer.Option(False, "--recurring", help="Only occurrences of recurring work."),
    contract: str | None = typer.Option(None, "--contract", help="Only tickets under this customer contract "
                                        "(the one they were opened under). Example: --contract premium"),
    all_: bool = typer.Option(False, "--all", "-a", help="All statuses."),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Show at most N tickets."),
    format: str = FormatOpt,
) -> None:
    """List tickets, most urgent first (priority, then age). By default the
    unresolved ones (new, open, waiting).

    Examples:

      tix list --mine

      tix list --team connectivity --breached

      tix list --billing to-invoice --org contoso --format csv

      tix list printer floor 2 --all
    """

    from tix.app.listing import ListQuery, list_tickets
    from tix.cli.env import ctx_env
    from tix.render import table as render
    from tix.render.listing import print_list

    env = ctx_env()
    render.check_format(format)
    q = ListQuery(list(query or []), status, team, env.user if mine else assignee, org, priority, category, tag,
                  breached, at_risk, billing, all=all_, limit=limit, key=key_, alerts=alerts,
                  recurring=recurring, contract=contract)
    rows, problems = list_tickets(env, q.check(env.policy, env.now, period=period, since=since, until=until), format)
    for prob in problems:
        warn(prob)
    print_list(rows, format, env.color)
    _found_nothing(rows)


def _found_nothing(rows: list) -> None:  # type: ignore[type-arg]
    """Exit 1 when no ticket matches (exit 1 = found nothing, like grep), after the output."""
    if not rows:
        from tix.core.errors import CheckFailed

        raise CheckFailed("no tickets match")
