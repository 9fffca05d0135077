"""tix list."""

from __future__ import annotations

import typer

from tix.cli.commands.common import FormatOpt
from tix.cli.main import warn


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

    from tix.cli.commands.common import check_choice, check_tags, check_team
    from tix.cli.env import ctx_env
    from tix.core.dates import fmt_minutes, parse_period
    from tix.core.errors import BadInput
    from tix.core.policy import CATEGORIES, STATUSES
    from tix.core.priority import priority_rank, rate
    from tix.core.textnorm import fold
    from tix.core.workflow import check_org
    from tix.render import table as render

    env = ctx_env()
    p = env.policy
    render.check_format(format)
    statuses = set()
    for s in status:
        for part in s.split(","):
            part = part.strip()
            if part == "all":
                all_ = True
            elif part:
                statuses.add(check_choice(part, STATUSES, "--status"))
    if not statuses and not all_:
        statuses = {"new", "open", "waiting"}
    if billing is not None:
        billing = check_choice(billing, ("to-invoice", "invoiced", "open", "none"), "--billing")
        if not status:
            all_ = True
    check_team(p, team)
    check_tags(tag)
    check_choice(category, CATEGORIES, "--category")
    if priority is not None and priority not in [r.name for r in p.priorities]:
        raise BadInput(f"--priority {priority!r}: allowed are {', '.join(r.name for r in p.priorities)}")
    check_org(p, org)
    per = parse_period(period, since=since, until=until, now=env.now, tz=p.tz) if (period or since or until) else None
    if mine:
        assignee = env.user
    words = [fold(w) for w in (query or [])]

    def where(row) -> bool:  # type: ignore[no-untyped-def]  # index columns: skip decoding what cannot match
        return ((all_ or row.status in statuses) and (team is None or row.team == team)
                and (org is None or row.org == org) and (category is None or row.category == category)
                and (assignee is None or (row.assignee or "none") == assignee))

    problems: list = []
    if not all_:  # the index need not unpack the rows of other statuses at all
        from tix.storage.index import Where

        where = Where(statuses, where)
    invoiced = None
    if billing:
        from tix.storage.ledger import invoiced_ids

        ledger_problems: list = []
        invoiced = invoiced_ids(env.store, problems=ledger_problems)

    from tix.core import sla as sla_mod

    def clock_text(sla) -> str:  # type: ignore[no-untyped-def]
        c = sla.most_urgent()
        if c is None:
            return ""
        if c.state == "breached":
            return f"{c.name} BREACHED {fmt_minutes(abs(c.remaining or 0))}"
        if c.state == "paused":
            return f"{c.name} paused"
        return f"{c.name} {fmt_minutes(c.remaining)} left" + (" !" if c.state == "at-risk" else "")

    def time_text(t) -> str:  # type: ignore[no-untyped-def]
        from tix.core.billing import ticket_time

        worked = ticket_time(t, p)["minutes"]
        est = t.f("estimate")
        if est:
            return f"{fmt_minutes(worked)}/{fmt_minutes(est)}"
        return fmt_minutes(worked) if worked else ""

    def row_of(t):  # type: ignore[no-untyped-def]
        """The sort key and the printed row (or JSON) of a ticket that passes
        every filter; None for the others. Only this is kept, not the ticket:
        `list --all` of a big customer goes through tens of thousands."""
        if not all_ and t.status not in statuses:
            return None
        if team and t.team != team:
            return None
        if assignee is not None and (t.assignee or "none") != assignee:
            return None
        if org and t.org != org:
            return None
        if category and t.category != category:
            return None
        if tag and not set(tag) <= set(t.f("tags") or []):
            return None
        if per and not per.contains(t.created):
            return None
        r = rate(p, t.impact, t.urgency)
        if priority and r.name != priority:
            return None
        if words:
            req = t.requester
            hay = fold(" ".join(str(x) for x in (t.id, t.title, t.f("description") or "", req.get("name", ""),
                                                 req.get("email", ""), t.org or "", " ".join(t.f("tags") or []))))
            if not all(w in hay for w in words):
                return None
        if billing:
            from tix.core.billing import billing_state

            if billing_state(t, invoiced or set()).replace(" ", "-") != billing:
                return None
        sla = sla_mod.compute(t, p, env.now)
        states = {c.state for c in sla.clocks()}
        if breached and "breached" not in states:
            return None
        if at_risk and "at-risk" not in states:
            return None
        key = (priority_rank(p, r.name), t.created, t.id)
        if format == "json":
            from tix.render.view import ticket_json

            return key, ticket_json(t, p, env.now, with_events=False, invoiced=invoiced)
        age_min = (env.now - t.created).total_seconds() / 60
        age = f"{int(age_min // 1440)}d" if age_min >= 1440 else fmt_minutes(age_min)
        title = t.title
        if t.category == "change":  # issue 9: an unapproved emergency change stays visible
            from tix.core.itil import change_flag

            flag = change_flag(t)
            title = f"[{flag}] {title}" if flag else title
        return key, [t.id, r.name, t.status, t.team or "", t.assignee or "", t.org or "", age, clock_text(sla),
                     time_text(t), title if format == "csv" else title[:60]]

    rows = env.store.all_tickets(problems, where=where, each=row_of)
    for prob in problems:
        warn(prob)
    if billing:
        for prob in ledger_problems:
            warn(prob)
    rows.sort(key=lambda x: x[0])
    if limit is not None:
        rows = rows[:limit]
    if format == "json":
        print(render.to_json([x[1] for x in rows]))
        _found_nothing(rows)
        return
    headers = ["id", "pri", "status", "team", "assignee", "org", "age", "sla", "time", "title"]
    out_rows = [x[1] for x in rows]
    if format == "csv":
        print(render.to_csv(out_rows, headers), end="")
        _found_nothing(rows)
        return
    _found_nothing(rows)
    if out_rows:
        if env.color:
            for row in out_rows:
                if "BREACHED" in row[7]:
                    row[7] = render.paint(row[7], "red", True)
                elif row[7].endswith("!"):
                    row[7] = render.paint(row[7], "yellow", True)
        print(render.table(out_rows, headers))


def _found_nothing(rows: list) -> None:  # type: ignore[type-arg]
    """Exit 1 when no ticket matches (SPEC: 1 = found nothing), after the output."""
    if not rows:
        from tix.core.errors import CheckFailed

        raise CheckFailed("no tickets match")
