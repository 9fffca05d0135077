"""The rows of `tix list`: one line per ticket (table/CSV) or its JSON, and
the printed list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tix.core.dates import fmt_minutes

HEADERS = ["id", "pri", "status", "team", "assignee", "org", "age", "sla", "time", "title"]


def clock_text(sla: Any) -> str:
    """The most urgent SLA clock in a few words."""
    c = sla.most_urgent()
    if c is None:
        return ""
    if c.state == "breached":
        return f"{c.name} BREACHED {fmt_minutes(abs(c.remaining or 0))}"
    if c.state == "paused":
        return f"{c.name} paused"
    return f"{c.name} {fmt_minutes(c.remaining)} left" + (" !" if c.state == "at-risk" else "")


def time_text(t: Any) -> str:
    """Time worked, against the estimate when there is one: the minutes of
    its work entries, billable or not, whatever their price (`billing.lines`
    keeps each entry's minutes as they are; a list needs no price, so an
    entry whose rate is gone from the policy does not stop it)."""
    from tix.core.planning import worked_minutes

    worked = worked_minutes(t)
    est = t.f("estimate")
    if est:
        return f"{fmt_minutes(worked)}/{fmt_minutes(est)}"
    return fmt_minutes(worked) if worked else ""


def list_row(t: Any, policy: Any, now: datetime, sla: Any, priority: str, fmt: str,
             invoiced: set[str] | None = None, problems: list[Any] | None = None) -> Any:
    """One ticket as `tix list` prints it: a JSON object, or a row of HEADERS.
    `problems`: where a ticket's unpriced work is noted (`view.ticket_json`)."""
    if fmt == "json":
        from tix.render.view import ticket_json

        return ticket_json(t, policy, now, with_events=False, invoiced=invoiced,
                           problems=[] if problems is None else problems)
    title = shown_title(t)
    return [t.id, priority, t.status, t.team or "", t.assignee or "", t.org or "", age_text(now, t.created),
            clock_text(sla), time_text(t), title if fmt == "csv" else title[:60]]


def age_text(now: datetime, created: datetime) -> str:
    return age_from_us(epoch_us(now), epoch_us(created))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def epoch_us(t: datetime) -> int:
    """An aware instant as whole microseconds since the epoch (exact)."""
    return (t - _EPOCH) // _ONE_US


def age_from_us(now_us: int, created_us: int) -> str:
    """`age_text` of two `epoch_us` instants: the same text, to the bit
    (`timedelta.total_seconds` is the µs divided by 10**6, as here)."""
    age_min = (now_us - created_us) / 1_000_000 / 60
    return f"{int(age_min // 1440)}d" if age_min >= 1440 else fmt_minutes(age_min)


def shown_title(t: Any) -> str:
    """The title as the list shows it: an unapproved emergency change stays visible."""
    title: str = t.title
    if t.category == "change":
        from tix.core.itil import change_flag

        flag = change_flag(t)
        title = f"[{flag}] {title}" if flag else title
    return title


def print_list(rows: list[Any], fmt: str, color: bool) -> None:
    """Print the rows `list_row` made, in order."""
    from tix.render import table as render

    if fmt == "json":
        print(render.to_json(rows))
        return
    if fmt == "csv":
        print(render.to_csv(rows, HEADERS), end="")
        return
    if rows:
        if color:
            for row in rows:
                if "BREACHED" in row[7]:
                    row[7] = render.paint(row[7], "red", True)
                elif row[7].endswith("!"):
                    row[7] = render.paint(row[7], "yellow", True)
        print(render.table(rows, HEADERS))
