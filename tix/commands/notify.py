"""tix notify: send the notification mails that are due, record each one."""

from __future__ import annotations

from typing import Any, Optional

import typer


def notify(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the mails that are due; send and record nothing."),
    format: str = typer.Option("table", "--format", "-f", help="Output format: table, json or csv."),
    max_age: str = typer.Option("7d", "--max-age", help="Only what happened this recently is due (default 7d)."),
    ticket: Optional[str] = typer.Option(None, "--ticket", help="Only this ticket."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but problems (for cron)."),
) -> None:
    """Send what is due over SMTP (mail.smtp in the policy; the password from
    the environment variable mail.smtp.password_env): to the requester the
    receipt confirmation, the named technician taking it, each public
    comment (internal notes never), the resolution with the solution and a
    feedback request, and planned visits; to the team's address escalations,
    SLA breaches and at-risk warnings. Tickets whose escalate clock ran out
    are escalated first (as `tix escalate --due` does).

    Each mail goes once: a `notified` event is recorded on the ticket right
    after it was sent (a crash in between may send one twice, never lose
    one). Subjects carry [tix ID], so replies thread back through
    `tix mail import`. Prints one line per mail sent and nothing when none is
    due, so it suits cron. SMTP trouble: one line on stderr, exit 3, nothing
    recorded for what was not sent.

    Examples:

      tix notify --dry-run

      */5 * * * *  cd /srv/desk && TIX_SMTP_PASSWORD=... tix notify -q
    """
    import sys

    from tix import events, render
    from tix import sla as sla_mod
    from tix.context import ctx_env
    from tix.dates import parse_minutes
    from tix.mail import notify as nt
    from tix.templates import load_templates

    env = ctx_env()
    render.check_format(format)
    age = parse_minutes(max_age, what="--max-age")
    p, store = env.policy, env.store
    templates = load_templates(env.root, p.default_language)  # a bad template is refused before anything goes out
    only = store.resolve_id(ticket) if ticket else None
    now = env.now
    user = env.user

    def load() -> list[Any]:
        """The tickets that may have something due, with their events."""
        from datetime import timedelta

        from tix.errors import BrokenFile, NotFound

        if only:
            return [store.ticket(only)]
        problems: list[Any] = []
        horizon = now - timedelta(minutes=age)
        out = []
        for t in sorted(store.all_tickets(problems), key=lambda t: t.id):
            if not (t.is_open or (t.last_activity or t.created) >= horizon):
                continue  # closed long ago: nothing can be due
            if not t.events:  # the index keeps tickets without their event log
                try:
                    t = store.load_path(store.root / t.path)
                except (BrokenFile, NotFound) as err:
                    problems.append(err)
                    continue
            out.append(t)
        for prob in problems:
            print(f"tix: warning: {prob}", file=sys.stderr)
        return out

    if dry_run:
        outs = []
        for t in load():
            pending = []
            team = sla_mod.escalation_due(t, p, now)
            if team is not None:
                pending.append(events.make("escalated", user, now.astimezone(p.tz), to_team=team.name,
                                           from_team=t.team, line=team.line, auto=True,
                                           reason="escalate target reached"))
            outs += nt.due(t, p, now, templates, max_age=age, pending=pending)
        _show(outs, format, p, now)
        return

    from tix.mail.smtp import Connection, Refused

    sent: list[Any] = []
    refused: list[tuple[Any, str]] = []
    with store._lock("notify.lock"):  # two cron runs at once must not send twice
        try:
            outs = []
            for t in load():
                t = _escalate_if_due(env, t)
                outs += nt.due(t, p, now, templates, max_age=age)
            if outs:
                sender = nt.sender_address(p)
                with Connection(p.mail) as conn:
                    for o in outs:
                        try:
                            conn.send(o.to_email(p.mail.sender, now), sender, list(o.to))
                        except Refused as err:
                            refused.append((o, str(err)))
                            continue
                        # recorded right after the send: a crash here sends it again, never loses it
                        store.append(o.ticket, [events.make("notified", user, now.astimezone(p.tz), key=o.key,
                                                            kind=o.kind, to=list(o.to),
                                                            message_id=o.message_id)])
                        sent.append(o)
                        if format == "table" and not quiet:
                            print(f"{o.ticket}: sent {o.kind} to {', '.join(o.to)}: {o.subject}")
                            sys.stdout.flush()
        finally:
            env.finish(f"tix notify: {len(sent)} mail{'s' if len(sent) != 1 else ''} sent")
    if format == "json":
        print(render.to_json([o.to_json() for o in sent]))
    elif format == "csv":
        print(_csv(sent), end="")
    lines = [f"{o.ticket}: {o.kind} to {', '.join(o.to)} not sent: {why}; it is tried again on the next run "
             f"(fix the address with `tix set {o.ticket} --requester ...`)" for o, why in refused]
    if lines:  # one line each on stderr, exit 3; what was sent is recorded
        from tix.mail.smtp import MailError

        for line in lines[:-1]:
            print(f"tix: {line}", file=sys.stderr)
        raise MailError(lines[-1])


def _escalate_if_due(env: Any, t: Any) -> Any:
    """SPEC 5: when the escalate clock runs out, `tix notify` escalates (and
    records it) like `tix escalate --due`; the team then gets the mail."""
    from tix import events
    from tix import sla as sla_mod
    from tix.dates import fmt_minutes

    p, now = env.policy, env.now
    team = sla_mod.escalation_due(t, p, now)
    if team is None:
        return t
    t = env.store.ticket(t.id)  # read it again: a technician may have escalated it meanwhile
    team = sla_mod.escalation_due(t, p, now)
    if team is None:
        return t
    clock = sla_mod.compute(t, p, now).escalate
    why = (f"escalate target {fmt_minutes(clock.target)} reached at {clock.due.astimezone(p.tz):%Y-%m-%d %H:%M}"
           if clock.due else "escalate target reached")
    env.store.append(t.id, [events.make("escalated", env.user, now.astimezone(p.tz), to_team=team.name,
                                        from_team=t.team, line=team.line, auto=True, reason=why)])
    return env.store.ticket(t.id)


CSV_HEADERS = ["ticket", "key", "kind", "to", "subject", "language", "message_id"]


def _csv(outs: list[Any]) -> str:
    from tix import render

    return render.to_csv([[o.ticket, o.key, o.kind, " ".join(o.to), o.subject, o.language, o.message_id]
                          for o in outs], CSV_HEADERS)


def _show(outs: list[Any], format: str, policy: Any, now: Any) -> None:
    from tix import render

    if format == "json":
        print(render.to_json([o.to_json(with_body=True) for o in outs]))
        return
    if format == "csv":
        print(_csv(outs), end="")
        return
    for o in outs:
        to = ", ".join(o.to)
        print(f"=== {o.ticket} {o.key} ({o.language}) ===")
        print(f"From: {policy.mail.sender}")
        print(f"To: {o.to_name} <{to}>" if o.to_name else f"To: {to}")
        print(f"Subject: {o.subject}")
        print(f"Message-ID: <{o.message_id}>")
        if o.in_reply_to:
            print(f"In-Reply-To: <{o.in_reply_to}>")
        print()
        print(o.body.rstrip("\n"))
        print()
