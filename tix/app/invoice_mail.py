"""Mailing an issued invoice: each organisation's billing contact gets its
PDF invoice (and its UBL e-invoice when the organisation has `ubl: true`),
in its language, over this machine's SMTP settings (tix.app.mail.smtp).

Once: what was sent is kept in the clone's local state
(`invoices-sent.json`: number -> organisation -> address and time), so a
second `--send` (after a failed run, say) mails only the organisations that
did not get theirs. The Message-ID is stable per invoice and organisation,
so even a resend shows once in the customer's mailbox.

`tix notify` mails the invoices and credit notes issued with `--mark` (or
`--credit`) and not sent yet, the same way and into the same record (`due`):
`tix invoice 2026-11 --mark` and a `tix notify` run after it mail each
organisation once, as `--mark --send` does."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.core.billing import Invoice
    from tix.core.policy import Policy
    from tix.storage.store import Store

SUBJECT = {
    "en": "Invoice {number} from {seller}", "nl": "Factuur {number} van {seller}",
    "de": "Rechnung {number} von {seller}", "cs": "Faktura {number} od {seller}",
    "no": "Faktura {number} fra {seller}",
}
CREDIT_SUBJECT = {
    "en": "Credit note {number} from {seller}", "nl": "Creditnota {number} van {seller}",
    "de": "Gutschrift {number} von {seller}", "cs": "Dobropis {number} od {seller}",
    "no": "Kreditnota {number} fra {seller}",
}
BODY = {
    "en": "Dear {name},\n\nPlease find attached invoice {number} for {month}: {total}, due on {due}.\n\n"
          "Kind regards,\n{seller}\n",
    "nl": "Beste {name},\n\nIn de bijlage vindt u factuur {number} over {month}: {total}, te voldoen vóór {due}.\n\n"
          "Met vriendelijke groet,\n{seller}\n",
    "de": "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Rechnung {number} für {month}: {total}, "
          "fällig am {due}.\n\nMit freundlichen Grüßen\n{seller}\n",
    "cs": "Dobrý den,\n\nv příloze zasíláme fakturu {number} za {month}: {total}, splatnou {due}.\n\n"
          "S pozdravem\n{seller}\n",
    "no": "Hei,\n\nvedlagt følger faktura {number} for {month}: {total}, forfall {due}.\n\n"
          "Med vennlig hilsen\n{seller}\n",
}


def _sent_path(store: Store) -> Any:
    return store.state_dir / "invoices-sent.json"


def sent(store: Store) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_sent_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remember(store: Store, number: str, org: str, to: str, now: datetime) -> None:
    data = sent(store)
    data.setdefault(number, {})[org] = {"to": to, "at": now.isoformat()}
    store.ensure_state_dir()  # durable (fsync): a lost log would mail the customer again
    store.write_atomic(_sent_path(store), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def message(inv: Invoice, org: str, policy: Policy, to: str,
            extra: list[tuple[str, bytes, str]] | None = None) -> Any:
    """The mail of one organisation's invoice, its documents attached (and
    `extra`: (file name, data, MIME type), e.g. the month's IT-manager report)."""
    from datetime import timedelta
    from email.message import EmailMessage
    from email.utils import formataddr, parseaddr

    from tix.app.invoicing import document, file_name
    from tix.render import locale as L
    from tix.render.ubl import document_id, issue_date

    o = next(x for x in inv.orgs if x.org == org)
    parties = inv.parties or {}
    seller = parties.get("seller") or {}
    buyer = (parties.get("buyers") or {}).get(org) or {}
    lang = buyer.get("language") or "en"
    number = document_id(inv, org)
    seller_name = seller.get("name") or parseaddr(policy.mail.sender)[0] or "tix"
    subject = (CREDIT_SUBJECT if inv.credit_of else SUBJECT)[lang].format(number=number, seller=seller_name)
    issued = issue_date(inv)
    due = issued + timedelta(days=int(seller.get("payment_days") or 14))
    y, m = map(int, inv.month.split("-"))
    from babel.dates import format_date

    month = format_date(datetime(y, m, 1).date(), "LLLL y", locale=L.LOCALES.get(lang, "en_GB"))
    body = BODY[lang].format(name=buyer.get("name") or o.name, number=number, month=month,
                             total=L.money(o.total_incl_vat, inv.currency, lang), due=L.day(due, lang),
                             seller=seller_name)
    msg = EmailMessage()
    sender = seller.get("email") or parseaddr(policy.mail.sender)[1]
    msg["From"] = formataddr((seller_name, sender))
    msg["To"] = to
    msg["Subject"] = subject
    domain = sender.rpartition("@")[2] or "tix.invalid"
    msg["Message-ID"] = f"<tix.invoice.{hashlib.sha256(f'{number}/{org}'.encode()).hexdigest()[:16]}@{domain}>"
    msg.set_content(body)
    msg.add_attachment(document(inv, org, "pdf"), maintype="application", subtype="pdf",
                       filename=file_name(inv, org, "pdf"))
    if buyer.get("ubl"):
        msg.add_attachment(document(inv, org, "ubl"), maintype="application", subtype="xml",
                           filename=file_name(inv, org, "ubl"))
    for name, data, mime in extra or []:
        main, sub = mime.split("/", 1)
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    msg["Content-Language"] = lang  # last: set_content and add_attachment move Content-* headers into the parts
    return msg, sender


def send(store: Store, inv: Invoice, policy: Policy, now: datetime,
         extra: Any = None, sent_one: Any = None) -> list[str]:
    """Mail each organisation of the invoice that has not had it yet; returns
    one line per organisation (sent, already sent, or no address). `extra(org)`
    gives more attachments for an organisation (its IT-manager report);
    `sent_one(org, to, message)` is called right after each mail is recorded."""
    from tix.app.mail.notify import address
    from tix.app.mail.smtp import Connection, Refused, settings

    assert inv.number is not None
    done = sent(store).get(inv.number, {})
    todo = []
    out = []
    for o in inv.orgs:
        if o.org is None:
            continue
        if o.org in done:
            out.append(f"{o.org}: already sent to {done[o.org].get('to')} on {str(done[o.org].get('at'))[:16]}")
            continue
        buyer = ((inv.parties or {}).get("buyers") or {}).get(o.org) or {}
        to = address(buyer.get("email"))
        if not to:
            out.append(f"{o.org}: not sent: no billing address (orgs.{o.org}.billing_email or email)")
            continue
        todo.append((o.org, to))
    if not todo:
        return out
    server = settings()
    with Connection(server) as conn:
        for org, to in todo:
            msg, sender = message(inv, org, policy, to, extra(org) if extra else [])
            try:
                conn.send(msg, sender, [to])
            except Refused as err:
                out.append(f"{org}: not sent to {to}: {err}")
                continue
            _remember(store, inv.number, org, to, now)
            out.append(f"{org}: sent to {to}")
            if sent_one is not None:
                sent_one(org, to, msg)
    return out


# ---------------------------------------------------------------- tix notify

def due(store: Store, policy: Policy, now: datetime, max_age_minutes: int,
        problems: list[Any] | None = None) -> list[tuple[Invoice, list[str]]]:
    """The issued invoices and credit notes that `tix notify` mails: issued
    within `max_age_minutes` of `now` (as its other mails: what happened this
    recently), with an organisation that has not had its mail yet (the same
    record as `--send`: `invoices-sent.json`). Each with those organisations;
    broken records go to `problems`."""
    from dataclasses import replace
    from datetime import timedelta

    from tix.core.billing import parties
    from tix.storage import credits, ledger

    bad: list[Any] = []
    docs = [r.invoice for r in ledger.records(store, bad)] + [r.note for r in credits.records(store, bad)]
    if problems is not None:
        problems += bad
    done = sent(store)
    since = now - timedelta(minutes=max_age_minutes)
    out = []
    for inv in docs:
        if not inv.number or not inv.issued_at:
            continue
        try:
            at = datetime.fromisoformat(inv.issued_at)
        except ValueError:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if not since <= at <= now:
            continue
        todo = [o.org for o in inv.orgs if o.org is not None and o.org not in done.get(inv.number, {})]
        if not todo:
            continue
        if inv.parties is None:  # issued before records kept the parties: today's details
            inv = replace(inv, parties=parties(policy, {o.org for o in inv.orgs if o.org}))
        out.append((inv, todo))
    return out
