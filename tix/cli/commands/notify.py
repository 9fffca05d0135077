"""tix notify: send the notification mails that are due, record each one."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.boundary import warn


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

    from tix.app.mail.outbox import Outbox, refused_lines
    from tix.app.templates import load_templates
    from tix.cli.env import ctx_env
    from tix.core.dates import parse_minutes
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    age = parse_minutes(max_age, what="--max-age")
    templates = load_templates(env.root, env.policy.default_language)  # a bad template is refused before any mail
    outbox = Outbox(env, templates, age, env.store.resolve_id(ticket) if ticket else None, warn)
    if dry_run:
        _show(outbox.preview(), format, env.policy, env.now)
        return
    from tix.app.mail.smtp import MailError, settings

    def sent_one(o: Any) -> None:
        if format == "table" and not quiet:
            print(f"{o.ticket}: sent {o.kind} to {', '.join(o.to)}: {o.subject}")
            sys.stdout.flush()

    res = outbox.send(settings(), sent_one)  # a bad local config is refused before anything is sent
    if format == "json":
        print(render.to_json([o.to_json() for o in res.sent]))
    elif format == "csv":
        print(_csv(res.sent), end="")
    for line in outbox.held_warnings(res.held) + refused_lines(res.refused)[:-1]:
        warn(line)
    if res.refused:  # one line each on stderr, exit 3; what was sent is recorded
        raise MailError(refused_lines(res.refused)[-1])


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
