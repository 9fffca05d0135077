"""tix notify: send the notification mails that are due, record each one."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.main import warn


def notify(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the mails that are due; send and record nothing."),
    format: str = typer.Option("table", "--format", "-f", help="Output format: table, json or csv."),
    max_age: str = typer.Option("7d", "--max-age", help="Only what happened this recently is due (default 7d)."),
    ticket: str | None = typer.Option(None, "--ticket", help="Only this ticket."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but problems (for cron)."),
) -> None:
    """Send what is due over SMTP: to the requester the receipt confirmation,
    the named technician taking it, each public comment (internal notes
    never), the resolution with the solution and a feedback request, and
    planned visits; to the team's address escalations, SLA breaches and
    at-risk warnings. Tickets whose escalate clock ran out are escalated
    first (as `tix escalate --due` does).

    The SMTP server is this machine's, never the shared policy's: the local
    config ~/.config/tix/config.yaml (smtp: {host, port, security, user}) or
    TIX_SMTP_HOST, TIX_SMTP_PORT, TIX_SMTP_SECURITY, TIX_SMTP_USER; the
    password only from TIX_SMTP_PASSWORD. Default: 127.0.0.1:25, no login.

    Each mail goes once: a `notified` event is recorded on the ticket right
    after it was sent (a crash in between may send one twice, never lose
    one). Subjects carry [tix ID], so replies thread back through
    `tix mail import`. At most mail.notify_limit mails go to one address
    (default 10 an hour); the rest wait for a later run, with a warning.
    Prints one line per mail sent and nothing when none is due, so it suits
    cron. SMTP trouble: one line on stderr, exit 3, nothing recorded for
    what was not sent.

    Examples:

      tix notify --dry-run

      */5 * * * *  cd /srv/desk && TIX_SMTP_PASSWORD=... tix notify -q
    """
    import sys

    from tix.app.desk import Desk
    from tix.app.mail import notify as nt
    from tix.app.templates import load_templates
    from tix.cli.env import ctx_env
    from tix.core import events
    from tix.core.dates import parse_minutes
    from tix.render import table as render

    env = ctx_env()
    desk = Desk(env)
    render.check_format(format)
    age = parse_minutes(max_age, what="--max-age")
    p, store = env.policy, env.store
    templates = load_templates(env.root, p.default_language)  # a bad template is refused before anything goes out
    only = store.resolve_id(ticket) if ticket else None
    now = env.now
    user = env.user

    sent_recently: dict[str, int] = {}  # address -> mails sent to it within mail.notify_limit.per

    def load(*, count: bool = False) -> list[Any]:
        """The tickets that may have something due, with their events; with
        `count`, also what was sent to each address recently (all tickets)."""
        from datetime import timedelta

        from tix.core.errors import BrokenFile, NotFound

        if only and not count:
            return [store.ticket(only)]
        problems: list[Any] = []
        horizon = now - timedelta(minutes=age)
        since = now - timedelta(minutes=p.mail.notify_per)
        out = []
        for t in sorted(store.all_tickets(problems), key=lambda t: t.id):
            last = t.last_activity or t.created
            due_here = (t.is_open or last >= horizon) and (not only or t.id == only)
            recent = count and last >= since
            if not (due_here or recent):
                continue  # closed long ago: nothing can be due
            if not t.events:  # the index keeps tickets without their event log
                try:
                    t = store.load_path(store.root / t.path)
                except (BrokenFile, NotFound) as err:
                    problems.append(err)
                    continue
            if recent:
                for addr, n in nt.sent_since(t, since).items():
                    sent_recently[addr] = sent_recently.get(addr, 0) + n
            if due_here:
                out.append(t)
        for prob in problems:
            warn(f"warning: {prob}")
        if only and not out:
            return [store.ticket(only)]
        return out

    if dry_run:
        outs = []
        for t in load():
            e = desk.escalation_event(t, reason="escalate target reached")
            outs += nt.due(t, p, now, templates, max_age=age, pending=[e.event] if e else [])
        _show(outs, format, p, now)
        return

    from tix.app.mail.smtp import Connection, Refused, settings

    server = settings()  # a bad local config is refused before anything is sent
    sent: list[Any] = []
    refused: list[tuple[Any, str]] = []
    held: dict[str, int] = {}  # address -> mails held back by mail.notify_limit
    limit = p.mail.notify_per_address
    with store._lock("notify.lock"):  # two cron runs at once must not send twice
        try:
            outs = []
            for t in load(count=True):
                if desk.escalate_if_due(t) is not None:  # like `tix escalate --due`; the team then gets the mail
                    t = store.ticket(t.id)
                outs += nt.due(t, p, now, templates, max_age=age)
            to_send = []
            for o in outs:
                over = [a for a in o.to if sent_recently.get(a.lower(), 0) >= limit]
                if over:  # a mail loop, or a flood: the rest waits for a later run
                    for a in over:
                        held[a.lower()] = held.get(a.lower(), 0) + 1
                    continue
                for a in o.to:
                    sent_recently[a.lower()] = sent_recently.get(a.lower(), 0) + 1
                to_send.append(o)
            if to_send:
                sender = nt.sender_address(p)
                with Connection(server) as conn:
                    for o in to_send:
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
    if held:
        from tix.core.dates import fmt_minutes

        for addr, n in sorted(held.items()):
            warn(f"warning: {n} mail{'s' if n != 1 else ''} to {addr} held back: {limit} already went there "
                 f"in the last {fmt_minutes(p.mail.notify_per)} (mail.notify_limit; a mail loop?); "
                 f"{'they go' if n != 1 else 'it goes'} out on a later run")
    lines = [f"{o.ticket}: {o.kind} to {', '.join(o.to)} not sent: {why}; it is tried again on the next run "
             f"(fix the address with `tix set {o.ticket} --requester ...`)" for o, why in refused]
    if lines:  # one line each on stderr, exit 3; what was sent is recorded
        from tix.app.mail.smtp import MailError

        for line in lines[:-1]:
            warn(line)
        raise MailError(lines[-1])


CSV_HEADERS = ["ticket", "key", "kind", "to", "subject", "language", "message_id"]


def _csv(outs: list[Any]) -> str:
    from tix.render import table as render

    return render.to_csv([[o.ticket, o.key, o.kind, " ".join(o.to), o.subject, o.language, o.message_id]
                          for o in outs], CSV_HEADERS)


def _show(outs: list[Any], format: str, policy: Any, now: Any) -> None:
    from tix.render import table as render

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
