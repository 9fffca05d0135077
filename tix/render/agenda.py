"""`tix agenda` as text (one block per agent) and CSV."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

HEADERS = ["agent", "start", "end", "minutes", "ticket", "org", "priority", "status", "due", "late",
           "overlaps", "title"]


def agenda_csv(rows: list[Any]) -> str:
    from tix.render import table as render

    data = [r.to_json() for r in rows]
    return render.to_csv([[d[h] for h in HEADERS] for d in data], HEADERS)


def agenda_text(rows: list[Any], tz: tzinfo, color: bool) -> str:
    """Each agent's slots: a bold head with the count and the time, then a table."""
    from tix.core import planning
    from tix.core.dates import fmt_minutes
    from tix.render import table as render

    by_agent: dict[str, list[Any]] = {}
    for r in rows:
        by_agent.setdefault(r.slot.agent, []).append(r)
    blocks = []
    for name, rs in by_agent.items():
        total = sum(r.slot.minutes for r in rs)
        table_rows = []
        for r in rs:
            s, e = r.slot.start.astimezone(tz), r.slot.end.astimezone(tz)
            when = f"{s:%a %d-%m %H:%M}-{e:%H:%M}" if s.date() == e.date() else f"{s:%a %d-%m %H:%M}-{e:%a %H:%M}"
            due = r.due.astimezone(tz).strftime("%a %d-%m %H:%M") if r.due else ""
            flags = []
            if r.late:
                flags.append(render.paint("LATE", "red", color))
            if r.overlaps:
                flags.append("overlaps " + ", ".join(r.overlaps))
            if r.status not in planning.OPEN:
                flags.append(r.status)
            table_rows.append([when, r.slot.ticket, r.org_name or "", r.priority, due,
                               render.Inert(" ".join(render.cell(f) for f in flags)),
                               r.title[:50]])
        head = render.paint(f"{name}: {len(rs)} slot{'s' if len(rs) != 1 else ''}, {fmt_minutes(total)}",
                            "bold", color)
        body = render.table(table_rows, ["when", "ticket", "org", "pri", "resolve due", "flag", "title"])
        blocks.append(head + "\n" + "\n".join("  " + ln for ln in body.splitlines()))
    return "\n\n".join(blocks)
