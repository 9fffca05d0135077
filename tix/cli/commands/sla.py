"""tix sla: the desk's SLA overview, or the timeline of one ticket."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import FormatOpt

# overview order: breached, at risk, escalation due, then (with --all) running, paused
_RANK = {"breached": 0, "at-risk": 1, "escalation-due": 2, "running": 3, "paused": 4}


def sla(
    id: str | None = typer.Argument(None, help="A ticket ID (or unique prefix): show its SLA timeline."),
    all_: bool = typer.Option(False, "--all", "-a", help="Overview: also the tickets whose clocks are on track."),
    team: str | None = typer.Option(None, "--team", help="Overview: only this team's tickets."),
    format: str = FormatOpt,
) -> None:
    """SLA overview of the desk, most urgent first: breached clocks, clocks at
    risk, escalations due, with the time left in clock (business) time. With
    an ID: the timeline of that ticket, showing when each clock ran, paused
    and stopped and why, with running totals, so anyone can check the sums.

    Examples:

      tix sla

      tix sla --all --team servicedesk --format csv

      tix sla AB-0042

      tix sla ab-42 --format json | jq .sla.resolve
    """
    from tix.cli.env import ctx_env
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    if id is not None:
        if all_ or team:
            from tix.core.errors import BadInput

            raise BadInput("tix sla ID: --all and --team belong to the overview (tix sla without an ID)")
        _one(env, id, format)
    else:
        _overview(env, all_, team, format)


# ---------------------------------------------------------------- overview

def _overview(env: Any, all_: bool, team: str | None, format: str) -> None:

    from tix.cli.commands.common import check_team
    from tix.core import sla as sla_mod
    from tix.core.dates import fmt_minutes
    from tix.render import table as render

    p = env.policy
    check_team(p, team)
    problems: list = []
    from tix.core.ticket import OPEN_STATUSES

    # index columns first: only open incidents and requests are decoded
    from tix.storage.index import (
        Where,
        load_all,  # the index's query (tix.storage.index)
    )
    tickets = load_all(env.store, problems, where=Where(OPEN_STATUSES, lambda r: r.category in sla_mod.SLA_CATEGORIES
                                                          and (team is None or r.team == team)))
    for prob in problems:  # a broken file is reported but does not stop the overview
        warn(prob)
    counts = dict.fromkeys(("breached", "at-risk", "escalation-due", "running", "paused"), 0)
    items: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    open_count = 0
    for t in tickets:
        if not t.is_open or t.category not in sla_mod.SLA_CATEGORIES:
            continue
        if team and t.team != team:
            continue
        st = sla_mod.compute(t, p, env.now)
        live = [c for c in st.clocks() if c.live]
        if not live:
            continue
        open_count += 1
        c = st.most_urgent()
        esc = sla_mod.escalation_due(t, p, env.now)
        state = c.state if c is not None else "running"
        kind = state
        if esc is not None and state not in ("breached", "at-risk"):
            kind = "escalation-due"
        if kind not in counts:  # a breach that is history: on track now
            kind = "running"
        counts[kind] += 1
        if esc is not None and kind != "escalation-due":
            counts["escalation-due"] += 1
        if not all_ and kind in ("running", "paused") and esc is None:
            continue
        due = c.due if c is not None else None
        row = {
            "id": t.id, "title": t.title, "status": t.status, "priority": st.priority, "team": t.team,
            "assignee": t.assignee, "org": t.org, "clock": c.name if c else None, "state": kind,
            "due": due, "remaining_minutes": c.to_json()["remaining_minutes"] if c else None,
            "escalate_to": esc.name if esc else None, "sla": st.to_json(),
        }
        key = (_RANK[kind], due.timestamp() if due else float("inf"), t.id)
        items.append((key, row))
    items.sort(key=lambda x: x[0])
    rows = [r for _, r in items]
    if format == "json":
        print(render.to_json([{**r, "due": r["due"].isoformat() if r["due"] else None} for r in rows]))
        return
    headers = ["id", "pri", "state", "clock", "due", "left", "escalate", "team", "assignee", "title"]

    def left(r: dict[str, Any]) -> str:
        m = r["remaining_minutes"]
        if m is None:
            return ""
        return f"{fmt_minutes(-m)} over" if m < 0 else fmt_minutes(m)

    table_rows = [[r["id"], r["priority"], r["state"], r["clock"] or "",
                   r["due"].astimezone(p.tz) if r["due"] else "", left(r),
                   f"-> {r['escalate_to']}" if r["escalate_to"] else "", r["team"] or "", r["assignee"] or "",
                   r["title"] if format == "csv" else r["title"][:50]] for r in rows]
    if format == "csv":  # numbers for a spreadsheet: minutes left (negative: over), escalation team
        csv_rows = [[r["id"], r["priority"], r["state"], r["clock"] or "",
                     r["due"].astimezone(p.tz).isoformat() if r["due"] else "",
                     "" if r["remaining_minutes"] is None else r["remaining_minutes"], r["escalate_to"] or "",
                     r["team"] or "", r["assignee"] or "", r["title"]] for r in rows]
        print(render.to_csv(csv_rows, [*headers[:5], "remaining_minutes", "escalate_to", *headers[7:]]), end="")
        return
    if table_rows:
        if env.color:
            for tr in table_rows:
                colour = {"breached": "red", "at-risk": "yellow", "escalation-due": "cyan"}.get(tr[2])
                if colour:
                    tr[2] = render.paint(tr[2], colour, True)
        print(render.table(table_rows, headers))
    on_track = counts["running"] + counts["paused"]
    print(f"{open_count} open ticket{'s' if open_count != 1 else ''} with SLA clocks: "
          f"{counts['breached']} breached, {counts['at-risk']} at risk, "
          f"{counts['escalation-due']} escalation{'s' if counts['escalation-due'] != 1 else ''} due, "
          f"{on_track} on track ({counts['paused']} paused)"
          + ("" if all_ or not on_track else "; --all lists them")
          + ("; run `tix escalate --due`" if counts["escalation-due"] else ""))


# ---------------------------------------------------------------- one ticket

def _one(env: Any, tid: str, format: str) -> None:
    from tix.core import sla as sla_mod
    from tix.core.dates import fmt_minutes
    from tix.core.priority import explain
    from tix.render import table as render

    p = env.policy
    t = env.store.ticket(tid)
    st = sla_mod.compute(t, p, env.now)
    rows = sla_mod.timeline(t, p, env.now)
    esc = sla_mod.escalation_due(t, p, env.now)
    if format == "json":
        print(render.to_json({
            "id": t.id, "title": t.title, "status": t.status, "category": t.category, "team": t.team,
            "now": env.now.astimezone(p.tz).isoformat(), "sla": st.to_json(),
            "escalate_to": esc.name if esc else None,
            "timeline": [{**r, "at": r["at"].isoformat()} for r in rows],
        }))
        return
    headers = ["at", "clocks", "what", "why", "response", "resolve", "escalate"]

    def taken(v: int | None) -> str:
        return "" if v is None else fmt_minutes(v)

    table_rows = [[r["at"], ", ".join(r["clocks"]), r["what"], r["why"],
                   *(taken(r["taken"].get(n)) for n in ("response", "resolve", "escalate"))] for r in rows]
    if format == "csv":
        print(render.to_csv(table_rows, headers), end="")
        return
    from tix.core.priority import rate

    r = rate(p, t.impact, t.urgency) if t.ratings else None
    print(render.cell(f"{t.id}  {t.title}"))
    print(f"status {t.status}, category {t.category}, team {t.team or '-'}; "
          + (explain(p, r) if r else st.priority)
          + f"; {'24x7' if st.clock == '24x7' else 'business hours'} clock;"
          + f" now {env.now.astimezone(p.tz):%a %Y-%m-%d %H:%M}")
    print()
    # the `why` column is long: wrap it so the table fits a terminal
    import textwrap

    from tix.core.safe import Inert, inert

    for tr in table_rows:
        tr[3] = Inert("\n".join(textwrap.wrap(inert(tr[3]), 60)) or "")
        tr[0] = tr[0].strftime("%a %Y-%m-%d %H:%M")
    print(render.table(table_rows, headers))
    print()
    for c in st.clocks():
        if c.state == "none":
            print(f"  {c.name:<9} none")
            continue
        due = c.due.strftime("%a %Y-%m-%d %H:%M") if c.due else "- (paused: moves out by the pause)"
        done = f", done {c.done_at:%a %Y-%m-%d %H:%M}" if c.done_at else ""
        rem = c.remaining or 0.0
        left = f"{fmt_minutes(-rem)} over" if rem < 0 else f"{fmt_minutes(rem)} left"
        print(f"  {c.name:<9} {c.state:<9} target {fmt_minutes(c.target)}, taken {fmt_minutes(c.taken)}, {left}; "
              f"due {due}{done}")
    if esc is not None:
        print(f"  escalation due: to {esc.name} (line {esc.line}); `tix escalate --due` or `tix escalate {t.id}`")
