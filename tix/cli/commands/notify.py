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
    first (as `tix escalate --due` does). Invoices issued with `tix invoice
    --mark` (and credit notes) within --max-age and not mailed yet go to each
    organisation's billing contact, with its PDF (UBL where it wants it) and
    its IT-manager report of the month, once: as `tix invoice --send`, into
    the same record.

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
    invoices = [] if ticket else _due_invoices(env, age)
    if dry_run:
        _show(outbox.preview(), format, env.policy, env.now, _invoice_previews(env, invoices))
        return
    from tix.app.mail.smtp import MailError, settings

    def sent_one(o: Any) -> None:
        if format == "table" and not quiet:
            print(f"{o.ticket}: sent {o.kind} to {', '.join(o.to)}: {o.subject}")
            sys.stdout.flush()

    res = outbox.send(settings(), sent_one)  # a bad local config is refused before anything is sent
    mailed = _send_invoices(env, invoices, print_each=format == "table" and not quiet)
    if format == "json":
        print(render.to_json([o.to_json() for o in res.sent] + mailed))
    elif format == "csv":
        print(_csv(res.sent, mailed), end="")
    for line in outbox.held_warnings(res.held) + refused_lines(res.refused)[:-1]:
        warn(line)
    if res.refused:  # one line each on stderr, exit 3; what was sent is recorded
        raise MailError(refused_lines(res.refused)[-1])


# ---------------------------------------------------------------- invoices

def _due_invoices(env: Any, age: int) -> list[Any]:
    """The invoices and credit notes issued within --max-age that an
    organisation has not had by mail yet (tix.app.invoice_mail.due)."""
    from tix.app.invoice_mail import due

    problems: list[Any] = []
    out = due(env.store, env.policy, env.now, age, problems)
    for prob in problems:
        warn(f"{prob} (not mailed; see `tix fsck`)")
    return out


def _invoice_json(inv: Any, org: str, to: str, msg: Any) -> dict[str, Any]:
    kind = "credit note" if inv.credit_of else "invoice"
    return {"ticket": None, "key": f"{kind.replace(' ', '-')}:{inv.number}:{org}", "kind": kind, "to": [to],
            "subject": str(msg["Subject"]), "language": str(msg["Content-Language"] or ""),
            "message_id": str(msg["Message-ID"]).strip("<>")}


def _invoice_previews(env: Any, invoices: list[Any]) -> list[tuple[dict[str, Any], Any]]:
    """What --dry-run shows of the invoice mails: (json, message) per organisation with an address."""
    from tix.app.invoice_mail import message
    from tix.app.mail.notify import address

    out = []
    for inv, orgs in invoices:
        for org in orgs:
            buyer = ((inv.parties or {}).get("buyers") or {}).get(org) or {}
            to = address(buyer.get("email"))
            if not to:
                warn(f"{_label(inv)}: {org}: not sent: no billing address (orgs.{org}.billing_email or email)")
                continue
            extra = None if inv.credit_of else _report(env, inv)(org)
            msg, _sender = message(inv, org, env.policy, to, extra)
            out.append((_invoice_json(inv, org, to, msg), msg))
    return out


def _report(env: Any, inv: Any) -> Any:
    """org -> its IT-manager report of the invoice's month, as `tix invoice --send` attaches it."""
    from tix.cli.commands.invoice import _report_for

    return _report_for(env, inv)


def _label(inv: Any) -> str:
    return f"{'credit note' if inv.credit_of else 'invoice'} {inv.number}"


def _send_invoices(env: Any, invoices: list[Any], print_each: bool) -> list[dict[str, Any]]:
    """Mail each due invoice (with the organisation's IT-manager report of the
    month) and credit note, recorded as `tix invoice --send` records it."""
    import sys

    from tix.app.invoice_mail import send

    mailed: list[dict[str, Any]] = []
    for inv, _orgs in invoices:
        def one(org: str, to: str, msg: Any, inv: Any = inv) -> None:
            mailed.append(_invoice_json(inv, org, to, msg))
            if print_each:
                print(f"{_label(inv)}: sent to {org} <{to}>: {msg['Subject']}")
                sys.stdout.flush()

        extra = None if inv.credit_of else _report(env, inv)
        for line in send(env.store, inv, env.policy, env.now, extra=extra, sent_one=one):
            if " sent to " not in line and "already sent" not in line:
                warn(f"{_label(inv)}: {line}")
    return mailed


CSV_HEADERS = ["ticket", "key", "kind", "to", "subject", "language", "message_id"]


def _csv(outs: list[Any], invoices: list[dict[str, Any]] | None = None) -> str:
    from tix.render import table as render

    rows = [[o.ticket, o.key, o.kind, " ".join(o.to), o.subject, o.language, o.message_id] for o in outs]
    rows += [[x["ticket"], x["key"], x["kind"], " ".join(x["to"]), x["subject"], x["language"], x["message_id"]]
             for x in invoices or []]
    return render.to_csv(rows, CSV_HEADERS)


def _show(outs: list[Any], format: str, policy: Any, now: Any,
          invoices: list[tuple[dict[str, Any], Any]] | None = None) -> None:
    from tix.render import table as render

    invoices = invoices or []
    if format == "json":
        print(render.to_json([o.to_json(with_body=True) for o in outs]
                             + [x | {"body": m.get_body().get_content()} for x, m in invoices]))
        return
    if format == "csv":
        print(_csv(outs, [x for x, _ in invoices]), end="")
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
    for x, m in invoices:
        print(f"=== {x['kind']} {x['key'].split(':')[1]} {x['key'].split(':')[2]} ({x['language']}) ===")
        for h in ("From", "To", "Subject", "Message-ID"):
            print(f"{h}: {m[h]}")
        print("Attachments: " + ", ".join(str(a.get_filename()) for a in m.iter_attachments()))
        print()
        print(m.get_body().get_content().rstrip("\n"))
        print()
