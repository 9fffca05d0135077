"""tix show."""

from __future__ import annotations

import typer

from tix.app.desk import OTHER_ORG
from tix.cli.commands.common import FormatOpt
from tix.core.errors import TixError


def show(
    id: str = typer.Argument(..., help="Ticket ID or a unique prefix."),
    format: str = FormatOpt,
    public: bool = typer.Option(False, "--public", help="Leave out internal notes (what the customer may see)."),
) -> None:
    """Show one ticket: fields, priority and why, SLA clocks, time, links, history.

    Examples:

      tix show AB-0042

      tix show ab-42 --format json | jq .sla.resolve
    """
    from tix.app.desk import Desk
    from tix.cli.env import ctx_env
    from tix.render import table as render
    from tix.render.view import flat_ticket

    env = ctx_env()
    render.check_format(format)
    env.price_as_invoiced()  # its invoiced work at the price it was invoiced at
    t = env.store.ticket(id)
    data = Desk(env).ticket_data(t, public)
    if format == "json":
        print(render.to_json(data))
    elif format == "csv":
        print(render.to_csv(*flat_ticket(data)), end="")
    else:
        print(text_view(env, t, data, public))


def text_view(env, t, data, public: bool) -> str:  # type: ignore[no-untyped-def]
    from tix.core.billing import lines
    from tix.core.dates import fmt_minutes
    from tix.core.priority import explain, rate
    from tix.render import table as render

    p = env.policy
    c = env.color
    b = lambda s: render.paint(s, "bold", c)  # noqa: E731
    out = [b(f"{t.id}  {t.title}")]

    def row(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            first, *rest = str(value).splitlines() or [""]
            out.append(f"  {label:<11}{render.cell(first)}")
            out.extend(f"  {'':<11}{render.cell(ln)}" for ln in rest)

    row("Status", f"{t.status}" + (f" (merged into {t.merged_into})" if t.merged_into else "")
        + (f", billing: {data['billing']}" if data.get("billing") not in (None, "none") else ""))
    r = rate(p, t.impact, t.urgency)
    sla_ = data["sla"]
    if sla_.get("priority") and sla_["priority"] != r.name:  # the contract's own priorities
        from dataclasses import replace

        r = replace(r, rule=replace(r.rule, name=sla_["priority"]))
    row("Priority", explain(p, r))
    if data.get("contract"):
        from tix.app.contracts import contract_summary

        row("Contract", contract_summary(env, t, data))
    row("Team", t.team)
    row("Assignee", t.assignee or "-")
    req = t.requester
    row("Requester", " ".join(x for x in (req.get("name"), f"<{req['email']}>" if req.get("email") else None,
                                            req.get("phone")) if x))
    org = p.orgs.get(t.org) if t.org else None
    row("Org", (f"{org.name} ({t.org})" if org else t.org) + (f", dept {t.f('dept')}" if t.f("dept") else "")
        if t.org else (f"dept {t.f('dept')}" if t.f("dept") else None))
    kind = f" ({t.f('change_kind')} change)" if t.category == "change" else ""
    row("Category", f"{t.category}{kind}, via {t.f('channel') or '-'}")
    row("Tags", ", ".join(t.f("tags") or []))
    row("Key", t.f("key"))
    if t.f("alert"):
        from tix.core.alerts import times_seen

        row("Alert", f"rule {t.f('alert')}, reported {times_seen(t.events)} time(s)")
    if t.f("recurring"):
        row("Recurring", f"{t.f('recurring')}, occurrence {t.f('occurrence')}")
    items = data.get("checklist") or []
    row("Checklist", "\n".join(f"{i}. [{'x' if it['done'] else ' '}] {it['text']}"
                               + (f"  ({it['by']} {it['at'][:16].replace('T', ' ')})" if it["done"] else "")
                               for i, it in enumerate(items, 1)))
    row("Created", f"{t.created.astimezone(p.tz):%Y-%m-%d %H:%M} by {t.created_by}")
    if t.f("due") or t.f("agreed_due"):
        row("Due", ", ".join(x for x in (f"requested {t.f('due')}" if t.f("due") else "",
                                           f"agreed {t.f('agreed_due')}" if t.f("agreed_due") else "") if x))
    for k, label in (("window_start", "Window"), ("risk", "Risk"), ("rollback", "Rollback"),
                     ("root_cause", "Root cause"), ("workaround", "Workaround")):
        if k == "window_start" and t.f(k):
            row(label, f"{t.f('window_start')} .. {t.f('window_end') or '?'}")
        elif k != "window_start":
            row(label, t.f(k))
    if t.category == "change":
        if t.approvals:
            row("Approved", ", ".join(f"{a['by']} {a['at'][:16]}" for a in t.approvals))
        else:
            row("Approved", "no" + (" (emergency change: flagged until approved)"
                                    if t.f("change_kind") == "emergency" else ""))
    # SLA
    sla = data["sla"]
    out.append("  SLA        " + f"{sla.get('priority', '')} targets, {sla.get('clock', 'business')} clock")
    for name in ("response", "resolve", "escalate"):
        cl = sla[name]
        state = cl["state"]
        col = {"breached": "red", "at-risk": "yellow", "met": "green"}.get(state)
        st = render.paint(f"{state:<9}", col, c) if col else f"{state:<9}"
        due = (cl["due"] or "")[:16].replace("T", " ")
        extra = ""
        if cl.get("done_at"):
            extra = f" done {cl['done_at'][:16].replace('T', ' ')}"
        if cl.get("remaining_minutes") is not None and state in ("running", "at-risk", "paused", "breached"):
            rem = cl["remaining_minutes"]
            extra += f" ({fmt_minutes(abs(rem))} {'left' if rem >= 0 else 'over'})"
        out.append(f"    {name:<9} {st} due {due or '-'}{extra}")
    # time
    tm = data["time"]
    cur = p.billing.currency
    est = f", estimate {fmt_minutes(tm['estimate_minutes'])}, left {fmt_minutes(tm['left_minutes'])}" \
        if tm.get("estimate_minutes") else ""
    row("Time", f"worked {fmt_minutes(tm['minutes'])}, billed {fmt_minutes(tm['billed_minutes'])}, "
        f"{cur} {tm['amount']}{est}")
    entries = lines(t, p)
    if entries:
        rows = [[e.at.astimezone(p.tz), e.agent, fmt_minutes(e.minutes), fmt_minutes(e.billed_minutes),
                 e.rate_name + (f" x{e.multiplier}" if e.multiplier != 1 else "")
                 + (" onsite" if e.onsite else "") + (" no-bill" if e.no_bill else ""), e.amount, e.note]
                for e in entries]
        out.append("  Work")
        out.extend("    " + ln for ln in render.table(rows, ["at", "agent", "actual", "billed", "rate", "amount",
                                                            "note"]).splitlines())
    if t.plan:
        row("Planned", f"{t.plan['start'][:16].replace('T', ' ')} .. {t.plan['end'][11:16]} for {t.plan['agent']}")
    if t.links:
        out.append("  Links")
        for k, o in t.links:
            try:
                ot = env.store.ticket(o)
                desc = f"{render.cell(ot.title)} [{ot.status}]"
                if public and t.org and ot.org and ot.org != t.org:  # what the customer may see
                    desc = OTHER_ORG
                if k == "caused-by" and ot.category == "problem" and ot.f("workaround"):
                    desc += f"\n{'':16}workaround: {render.cell(ot.f('workaround'))}"
            except TixError:
                desc = "(missing)"
            out.append(f"    {k:<14}{o}  {desc}")
    if data["children"]:
        out.append("  Children")
        for ch in data["children"]:
            line = f"    {ch['id']}  [{ch['status']}] {render.cell(ch['title'])}" + (
                f" ({render.cell(ch['assignee'])})" if ch["assignee"] else "")
            if ch.get("solution"):
                line += f"\n{'':16}answer: {render.cell(ch['solution'])}"
            out.append(line)
    if t.attachments:
        out.append("  Attachments")
        for a in t.attachments:
            size = f"{a['size']:,} bytes" if isinstance(a.get("size"), int) else ""
            out.append(f"    {render.cell(a['path'])}  {size}" + (
                f"  (sent as {a['name']!r})" if a["name"] != a["path"].rsplit("/", 1)[-1] else ""))
    if t.solution:
        row("Solution", t.solution)
    if t.f("description"):
        out.append("  Description")
        out.extend("    " + ln for ln in str(t.f("description")).splitlines())
    out.append("  History")
    for e in sorted(t.events, key=lambda e: e["at"]):
        if public and e.get("internal"):
            continue
        out.append("    " + describe(e, p.tz))
    return "\n".join(out)


def describe(e: dict, tz) -> str:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from tix.core.dates import fmt_minutes

    at = datetime.fromisoformat(e["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    ty = e["type"]
    what = {
        "opened": lambda: "opened",
        "set": lambda: "set " + ", ".join(f"{k}={v}" for k, v in e["fields"].items()),
        "assigned": lambda: "assigned" + (f" to team {e['team']}" if e.get("team") else "")
        + (f" to {e['to']}" if e.get("to") else (" (unassigned)" if "to" in e else "")),
        "taken": lambda: "took it",
        "commented": lambda: ("internal note: " if e.get("internal") else
                              ("requester wrote: " if e.get("requester") else "replied: ")) + e["text"],
        "status": lambda: f"status {e['status']}" + (f": {e['note']}" if e.get("note") else ""),
        "worked": lambda: f"worked {fmt_minutes(e['minutes'])}" + (" on site" if e.get("onsite") else "")
        + (f": {e['note']}" if e.get("note") else ""),
        "resolved": lambda: f"resolved: {e['solution']}",
        "closed": lambda: "closed" + (f": {e['note']}" if e.get("note") else ""),
        "reopened": lambda: "reopened" + (f": {e['reason']}" if e.get("reason") else ""),
        "linked": lambda: f"linked {e['link']} {e['other']}",
        "unlinked": lambda: f"unlinked {e['link']} {e['other']}",
        "escalated": lambda: f"escalated to {e['to_team']}" + (f" (line {e['line']})" if e.get("line") else "")
        + (" automatically" if e.get("auto") else ""),
        "feedback": lambda: f"feedback {e['score']}/5" + (f": {e['text']}" if e.get("text") else ""),
        "approved": lambda: "approved the change" + (f": {e['note']}" if e.get("note") else ""),
        "planned": lambda: f"planned {e['start'][:16]} .. {e['end'][11:16]} for {e['agent']}",
        "unplanned": lambda: "removed the planned slot",
        "notified": lambda: f"mail sent: {e.get('kind', e['key'])}",
        "attached": lambda: f"attached {e['name']}",
        "merged": lambda: f"merged into {e['into']}",
        "absorbed": lambda: f"absorbed duplicate {e['from']}",
        "alerted": lambda: f"alert {e['state']}: {e['text']}"
        + (f" (+{e['suppressed']} within the rate cap)" if e.get("suppressed") else ""),
        "check_added": lambda: f"checklist item added: {e['text']}",
        "checked": lambda: f"{'unticked' if e.get('undo') else 'ticked'} checklist item {e['item']}",
    }.get(ty, lambda: ty)()
    first, *rest = str(what).splitlines() or [""]
    from tix.core.safe import inert

    text = f"{at}  {inert(e['by']):<12} {inert(first)}"
    for ln in rest:
        text += f"\n{'':36}{inert(ln)}"
    return text
