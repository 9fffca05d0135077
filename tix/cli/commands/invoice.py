"""tix invoice: the monthly invoice (draft, --mark to issue), --list, --show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from tix.cli.boundary import warn
from tix.core.errors import TixError

if TYPE_CHECKING:
    from tix.core.billing import Invoice

INVOICE_FORMATS = ("table", "json", "csv", "markdown", "pdf", "ubl", "facturx")
DOCUMENT_FORMATS = ("pdf", "ubl", "facturx")
CSV_HEADERS = ["invoice", "month", "date", "at", "org", "org_name", "ticket", "title", "agent", "note",
               "minutes", "billed_minutes", "rate_name", "rate", "multiplier", "amount", "currency", "late",
               "after_hours", "onsite", "entry_id", "kind", "contract", "covered_minutes", "overage"]


def invoice(
    month: str | None = typer.Argument(
        None, metavar="[MONTH]",
        help="Bill work up to the end of this month: YYYY-MM, this-month or last-month. Example: 2026-11"),
    org: str | None = typer.Option(
        None, "--org", help="Only this organisation (a key under orgs: in policies.yaml). Example: --org contoso"),
    mark: bool = typer.Option(
        False, "--mark", help="Issue the invoice: record its entries under the next number (2026-11-001), "
        "so no later run bills them again. Example: tix invoice 2026-11 --mark"),
    format: str = typer.Option(
        "table", "--format", "-f", help="table, json, csv (one row per line, for a spreadsheet or accounting "
        "package), markdown, pdf (the invoice document), ubl (UBL 2.1 / Peppol BIS 3.0 e-invoice) or facturx "
        "(PDF/A-3 with CII XML). Example: --format csv > 2026-11.csv"),
    output: str | None = typer.Option(
        None, "--output", "-o", metavar="FILE|FOLDER/",
        help="Write pdf, ubl or facturx here: a file (one organisation) or a folder (one file per organisation). "
        "Example: --format pdf -o invoices-2026-11/"),
    list_: bool = typer.Option(False, "--list", help="List the issued invoices. Example: tix invoice --list"),
    show: str | None = typer.Option(
        None, "--show", metavar="NUMBER",
        help="Reprint an issued invoice (or credit note) exactly as issued. Example: tix invoice --show 2026-11-001"),
    credit: str | None = typer.Option(
        None, "--credit", metavar="NUMBER",
        help="Issue a credit note for an issued invoice (all its lines, or those given with --line); the credited "
        "work becomes billable again unless --write-off. Example: tix invoice --credit 2026-11-001 -m 'wrong rate'"),
    line: list[str] = typer.Option(
        [], "--line", metavar="ENTRY", help="With --credit: credit only this work entry (repeatable). "
        "Example: --line 01KZB4F7XGPHATKMKA1S45V3VB"),
    message: str | None = typer.Option(
        None, "--message", "-m", help="With --credit: why (printed on the credit note). Example: -m 'billed twice'"),
    write_off: bool = typer.Option(
        False, "--write-off", help="With --credit: the credited work is not billed again"),
    embed_pdf: bool = typer.Option(
        False, "--embed-pdf", help="With --format ubl: carry the PDF invoice inside the UBL file as an attachment. "
        "Example: --format ubl --embed-pdf -o out/"),
    checklist: bool = typer.Option(
        False, "--checklist", help="Print each ticket's ticked checklist items (who and when) on the note of its "
        "last line: what was done on a patch round or a quarterly check. Issued with --mark, they stay on the "
        "invoice. Example: tix invoice 2026-12 --checklist --format pdf -o out/"),
    send: bool = typer.Option(
        False, "--send", help="With --mark (or --show NUMBER): mail each organisation's billing contact its PDF "
        "(and UBL when it has ubl: true), once, over this machine's SMTP settings. "
        "Example: tix invoice 2026-11 --mark --send"),
) -> None:
    """Bill un-invoiced work up to the end of a month.

    Without --mark this is a draft: nothing is written. Every billable work
    entry up to the end of MONTH that no earlier --mark billed is on it, per
    organisation, with subtotals per ticket and organisation, VAT and total;
    entries from earlier months (logged late) are flagged `late`.

    Examples:

    \b
      tix invoice 2026-11                        draft of November, every organisation
      tix invoice 2026-11 --org contoso --mark   issue Contoso's invoice (2026-11-001)
      tix invoice 2026-11 --format csv > nov.csv
      tix invoice 2026-11 --org contoso --format pdf -o contoso-2026-11.pdf
      tix invoice 2026-11 --mark --format ubl -o out/   one UBL file per organisation
      tix invoice --list
      tix invoice --show 2026-11-001 --format markdown
      tix invoice --credit 2026-11-001 --line ENTRY -m "wrong rate"   credit note CN-2026-11-001
    """
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput

    env = ctx_env()
    _check_options(format, output, embed_pdf, send, mark, show, credit, line, message, write_off)
    if checklist and (credit is not None or list_ or show):
        raise BadInput("--checklist: only for a month's invoice (an issued one is reprinted as it was issued)")
    if credit is not None:
        if list_ or show or month or org or mark:
            raise BadInput("--credit NUMBER takes no MONTH, --org, --mark, --list or --show")
        return _credit(env, credit, list(line), message, write_off, format, output, embed_pdf)
    if list_ or show:
        if list_ and show:
            raise BadInput("--list and --show: give one of them")
        if month or org or mark:
            raise BadInput(f"{'--list' if list_ else '--show'} takes no MONTH, --org or --mark")
        return _list_or_show(env, show, format, output, embed_pdf, send)
    if not month:
        raise BadInput("invoice: give a MONTH like 2026-11 (or --list, --show NUMBER)")
    _month_invoice(env, month, org, mark, format, output, embed_pdf, send, checklist)


def _check_options(format: str, output: str | None, embed_pdf: bool, send: bool, mark: bool, show: str | None,
                   credit: str | None, line: list[str], message: str | None, write_off: bool) -> None:
    from tix.core.errors import BadInput
    from tix.render import table as render

    render.check_format(format, INVOICE_FORMATS)
    if output is not None and format not in DOCUMENT_FORMATS:
        raise BadInput(f"-o {output!r}: only for --format pdf, ubl or facturx (the others print; redirect them)")
    if embed_pdf and format != "ubl":
        raise BadInput("--embed-pdf: only with --format ubl")
    if send and not (mark or show):
        raise BadInput("--send: with --mark (issue and mail) or --show NUMBER (mail an issued invoice)")
    if send:
        from tix.app.mail.smtp import settings

        settings()  # a bad local SMTP config is refused before anything is issued
    if credit is None and (line or message or write_off):
        raise BadInput("--line, -m and --write-off belong to --credit NUMBER")


def _credit(env: Any, credit: str, line: list[str], message: str | None, write_off: bool, format: str,
            output: str | None, embed_pdf: bool) -> None:
    """Issue a credit note for an invoice (or some of its lines) and print or write it."""

    doc = format in DOCUMENT_FORMATS
    from tix.storage import credits

    note = credits.issue(env.store, credit, entries=line, reason=message or "", write_off=write_off,
                         user=env.user, now=env.now)
    if doc:
        _documents(note, format, output, embed_pdf)
    else:
        print(render_invoice(note, format), end="")
    n = len(note.lines)
    warn(f"issued credit note {note.number} for invoice {credit}: {n} entr{'y' if n == 1 else 'ies'}, "
          f"{note.currency} {note.total_incl_vat} incl. VAT; "
          f"{'written off' if write_off else 'billable again on the next invoice'}")
    env.finish(f"credit note {note.number}")


def _list_or_show(env: Any, show: str | None, format: str, output: str | None, embed_pdf: bool, send: bool) -> None:
    """Reprint one issued invoice or credit note (--show), or list them all (--list)."""
    from tix.core.errors import CheckFailed
    from tix.storage import ledger

    doc = format in DOCUMENT_FORMATS
    if show:
        from tix.storage import credits

        shown = credits.load(env.store, show) if show.strip().startswith("CN-") else ledger.load(env.store, show)
        if doc and shown.parties is None:  # issued before invoices kept the parties: today's details
            from dataclasses import replace

            from tix.core.billing import parties

            shown = replace(shown, parties=parties(env.policy, {o.org for o in shown.orgs if o.org}))
        if doc:
            _documents(shown, format, output, embed_pdf)
        else:
            print(render_invoice(shown, format), end="")
        if send:
            _send(env, shown)
        return
    from tix.storage import credits

    recs = ledger.list_invoices(env.store) + [ledger.Record(c.path, c.note) for c in credits.records(env.store)]
    print(render_list(recs, format), end="")
    if not recs:
        raise CheckFailed("no invoices issued yet")
    return


def _month_invoice(env: Any, month: str, org: str | None, mark: bool, format: str, output: str | None,
                   embed_pdf: bool, send: bool, checklist: bool = False) -> None:
    """The month's invoice: a draft, or issued with --mark (and mailed with --send)."""

    from tix.core.errors import BadInput, CheckFailed
    from tix.storage import ledger

    doc = format in DOCUMENT_FORMATS
    p = env.policy
    period = _month(month, env)
    entries, orgs, broken = _entries(env)
    known = set(p.orgs) | orgs
    if org is not None and org not in known:
        raise BadInput(f"--org {org!r}: not an organisation ({', '.join(sorted(known)) or 'none defined'})")
    _check_broken(broken, org, known)

    from tix.app.contracts import contract_inputs
    from tix.core.billing import invoice_from

    def build(ids: set[str]) -> Invoice:
        inv = invoice_from(entries(ids), p, period.end, period.label, ids, org,
                           contracts=contract_inputs(env.store, p, ids))
        if checklist:  # the ticked items on the notes (tix.app.invoicing); the totals stay as they are
            from tix.app.invoicing import with_checklists

            inv = with_checklists(inv, env.store, p, ids, period.end)
        return inv

    if mark and period.start > env.now:
        raise BadInput(f"--mark {period.label}: that month has not begun (now {env.local_now:%Y-%m-%d}); "
                       "an invoice is issued for a month that has started")
    if not mark or doc:
        inv = build(ledger.invoiced_ids(env.store))
        if not inv.lines:
            if not doc:
                print(render_invoice(inv, format), end="")
            raise CheckFailed(f"nothing to invoice up to the end of {period.label}")
        if not mark:
            if doc:
                _documents(inv, format, output, embed_pdf)
                return
            print(render_invoice(inv, format), end="")
            return
        from tix.app.invoicing import check_target

        check_target(len(inv.orgs), output, format)  # a bad -o refuses before anything is issued
    inv = ledger.issue(env.store, build, user=env.user, now=env.now,
                       org_names={k: o.name for k, o in p.orgs.items()})
    if doc and inv.number is not None:
        _documents(inv, format, output, embed_pdf)
    elif not doc:
        print(render_invoice(inv, format), end="")
    if inv.number is None:
        raise CheckFailed(f"nothing to invoice up to the end of {period.label}; no invoice issued")
    n = len(inv.lines)
    warn(f"issued invoice {inv.number}: {n} entr{'y' if n == 1 else 'ies'}, {inv.currency} {inv.total} "
          f"(incl. VAT {inv.total_incl_vat})")
    env.finish(f"invoice {inv.number}")
    if send:  # issued and recorded before any mail goes out
        _send(env, inv)


def _send(env: Any, inv: Invoice) -> None:

    from tix.app.invoice_mail import send

    for line in send(env.store, inv, env.policy, env.now, extra=_report_for(env, inv)):
        warn(f"invoice {inv.number}: {line}")


def _report_for(env: Any, inv: Invoice) -> Any:
    """org -> [the organisation's IT-manager report of the invoice's month, HTML, in its language]."""
    def report(org: str) -> list[tuple[str, bytes, str]]:
        from tix.cli.commands.report import _monthly_of, with_alerts
        from tix.core.dates import parse_period
        from tix.render.report import render_month

        env.price_as_invoiced()  # the report's money is the invoice's
        period = parse_period(inv.month, now=env.now, tz=env.policy.tz, what="MONTH")
        data = with_alerts(env, _monthly_of(env, period, org).to_json(), period, org)
        o = env.policy.orgs.get(org)
        html = render_month(data, "html", o.language if o else None)
        return [(f"report-{inv.month}-{org}.html", html.encode("utf-8"), "text/html")]

    return report


def _documents(inv: Invoice, fmt: str, output: str | None, embed_pdf: bool = False) -> None:

    from tix.app.invoicing import write

    for path in write(inv, fmt, output, embed_pdf=embed_pdf):
        warn(f"wrote {path}")


def _entries(env: Any) -> tuple[Any, set[str], list[tuple[Any, set[str] | None]]]:
    """(entries(invoiced ids) -> the desk's billable work entries that may be
    un-invoiced, the organisations of the desk's tickets, the ticket files
    that cannot be read with the organisations they may belong to). Resolved
    and closed tickets' entries come priced from the index
    (`tix.storage.derived.derive`), per group of tickets; a group is unpacked only if
    one of its entries is not invoiced yet. Open tickets are priced each run."""
    from tix.core import billing
    from tix.core.contracts import past_text
    from tix.storage import derived

    policy, store = env.policy, env.store
    problems: list[Any] = []
    d = derived.derive(store, "invoice", lambda ts: billing.invoice_fold(ts, policy),
                       lambda: derived.fingerprint(store, past_text(policy, env.now), "invoice",
                                                   billing.FOLD_VERSION),
                       problems=problems)
    broken = [(prob, broken_orgs(store, prob.path)) for prob in problems]
    orgs = {o for (_, group_orgs), _ in d.groups for o in group_orgs} | {t.org for t in d.hot if t.org}
    hot = [x for t in d.hot for x in billing.billable(t, policy)]

    def entries(invoiced: set[str]) -> list[Any]:
        out = list(hot)
        for (ids, _), blob in d.groups:
            if ids and not invoiced.issuperset(ids.split("\0")):
                out += billing.unpack_entries(derived.value(blob), policy)
        return out

    return entries, orgs, broken


def _check_broken(broken: list[tuple[Any, set[str] | None]], org: str | None, known: set[str]) -> None:
    """An invoice that silently skipped a ticket file it cannot read would bill
    too little: refuse the invoice that file may belong to (its organisation,
    or every invoice when that cannot be told), naming it; the other
    organisations' invoices go on, with a note."""

    from tix.core.errors import BadInput

    for prob, orgs in broken:
        if orgs is None or org is None or org in orgs:
            whose = ("of an organisation that cannot be told" if orgs is None else
                     f"of {', '.join(sorted(orgs))}" if orgs else "without an organisation")
            scope = f"of {org}" if org else "of every organisation"
            others = sorted(known - (orgs or known) - {org})
            hint = f"; the other organisations can be invoiced one by one (--org {', '.join(others)})" if others else ""
            raise BadInput(f"{prob}; this ticket {whose} cannot be read, so the invoice {scope} would be incomplete: "
                           f"fix it first (see `tix fsck`){hint}")
        whose = f"a ticket of {', '.join(sorted(orgs))}" if orgs else "a ticket without an organisation"
        warn(f"{prob} ({whose}: not part of this invoice; see `tix fsck`)")


def broken_orgs(store: Any, rel: str | None) -> set[str] | None:
    """The organisations a ticket file that cannot be read may bill to: its
    header's `org` and every `org` a `set` event gives it (a file past the
    size limit still says whose it is). None when that cannot be told: the
    header does not parse, or a line that mentions an org does not."""
    import json

    from tix.core import yamlio

    if not rel:
        return None
    path = store.root / rel
    orgs: set[str] = set()
    try:
        store.no_links(path)
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, "rb") as fh:
            head = b""
            while True:  # the header, up to the `events:` line
                line = fh.readline(1 << 20)
                if not line:
                    return None
                if line.rstrip(b"\r\n") == b"events:":
                    break
                head += line
                if len(head) > 16 << 20:
                    return None
            header = yamlio.load(head.decode("utf-8"))
            if not isinstance(header, dict):
                return None
            if isinstance(header.get("org"), str):
                orgs.add(header["org"])
            elif header.get("org") is not None:
                return None
            for line in iter(lambda: fh.readline(4 << 20), b""):
                if b'"org"' not in line:
                    continue
                ev = json.loads(line.decode("utf-8")[2:])
                if isinstance(ev, dict) and ev.get("type") == "set" and isinstance(ev.get("fields"), dict) \
                        and "org" in ev["fields"]:
                    value = ev["fields"]["org"]
                    if value is not None and not isinstance(value, str):
                        return None
                    if value:
                        orgs.add(value)
    except (OSError, ValueError, TypeError, LookupError, AttributeError, RecursionError, TixError,
            yamlio.YamlProblem):  # unreadable: its organisation cannot be told
        return None
    return orgs


def _month(text: str, env: Any) -> Any:
    import re

    from tix.core.dates import parse_period
    from tix.core.errors import BadInput

    period = parse_period(text, now=env.now, tz=env.policy.tz, what="MONTH")
    if not re.fullmatch(r"\d{4}-\d{2}", period.label):
        raise BadInput(f"MONTH {text!r}: an invoice covers a month: YYYY-MM, this-month or last-month")
    return period


# ---------------------------------------------------------------- rendering

def _title(inv: Invoice) -> str:
    scope = f", {inv.org_filter} only" if inv.org_filter else ""
    if inv.credit_of:
        return (f"Credit note {inv.number} for invoice {inv.credit_of}{scope}, issued "
                f"{(inv.issued_at or '')[:16].replace('T', ' ')} by {inv.issued_by}: {inv.reason}"
                f"{' (written off)' if inv.write_off else ''}")
    if inv.number:
        return (f"Invoice {inv.number} for {inv.month}{scope}, issued {(inv.issued_at or '')[:16].replace('T', ' ')}"
                f" by {inv.issued_by}")
    return f"Invoice draft for {inv.month}{scope} (not issued: --mark issues it)"


def _line_row(x: Any, short: bool, covered: bool = False) -> list[str]:
    def cut(s: str, n: int) -> str:
        return s if not short or len(s) <= n else s[: n - 1] + "\u2026"

    flags = ", ".join(f for f, on in (("late", x.late), ("overage", x.overage)) if on)
    return [x.at.strftime("%Y-%m-%d"), x.ticket, cut(x.title, 30), x.agent, cut(x.note, 40), str(x.minutes),
            str(x.billed_minutes), *([str(x.covered_minutes) if x.covered_minutes else ""] if covered else []),
            f"{x.rate_name} {x.rate}", str(x.multiplier), str(x.amount), flags]


LINE_HEADERS = ["date", "ticket", "title", "agent", "note", "min", "billed", "rate", "mult", "amount", "late"]
COVERED_HEADERS = ["date", "ticket", "title", "agent", "note", "min", "billed", "covered", "rate", "mult", "amount",
                   "flags"]


def _contract_summary(lines: list[Any]) -> list[str]:
    """Per contract on an organisation's invoice: included (or prepaid) hours
    used and the hours billed beyond them."""
    from tix.core.dates import fmt_minutes

    out = []
    by: dict[str, list[Any]] = {}
    for x in lines:
        if x.kind == "work" and x.contract and (x.covered_minutes or x.overage):
            by.setdefault(x.contract, []).append(x)
    for name, xs in sorted(by.items()):
        cov = sum(x.covered_minutes for x in xs)
        over = sum(x.billed_minutes - x.covered_minutes for x in xs)
        used = sum(x.billed_minutes for x in xs)
        out.append(f"Contract {name}: {fmt_minutes(used)} used, {fmt_minutes(cov)} covered by the contract, "
                   f"{fmt_minutes(over)} billed")
    return out


def render_invoice(inv: Invoice, fmt: str) -> str:
    from tix.render import table as render

    if fmt == "json":
        return render.to_json(inv.to_json()) + "\n"
    if fmt == "csv":
        names = {o.org: o.name for o in inv.orgs}
        rows: list[list[Any]] = [[inv.number or "", inv.month, x.at.strftime("%Y-%m-%d"), x.at.isoformat(), x.org or "",
                 names.get(x.org, ""), x.ticket, x.title, x.agent, x.note, x.minutes, x.billed_minutes,
                 x.rate_name, str(x.rate), str(x.multiplier), str(x.amount), inv.currency,
                 "yes" if x.late else "no", "yes" if x.after_hours else "no", "yes" if x.onsite else "no",
                 x.event_id, x.kind, x.contract or "", x.covered_minutes, "yes" if x.overage else "no"]
                for x in inv.lines]
        return render.to_csv(rows, CSV_HEADERS)
    md = fmt == "markdown"
    cur = inv.currency
    vat = f"VAT {inv.vat_percent}%" if inv.vat_percent is not None else "VAT"
    out = [("# " if md else "") + _title(inv), ""]
    if not inv.lines:
        out.append("Nothing to invoice: no un-invoiced billable work up to the end of the month.")
        return "\n".join(out) + "\n"
    out.append(f"Amounts in {cur}: billed minutes / 60 x rate x multiplier, rounded half-up to cents.")
    out.append("")
    for o in inv.orgs:
        head = f"{o.name} ({o.org})" if o.org and o.name != o.org else o.name
        out += [("## " if md else "") + head, ""]
        covered = any(x.covered_minutes or x.overage for x in inv.org_lines(o.org))
        heads = COVERED_HEADERS if covered else LINE_HEADERS
        rows = [_line_row(x, not md, covered) for x in inv.org_lines(o.org)]
        out.append(render.to_markdown(rows, heads) if md else render.table(rows, heads))
        out.append("")
        for ln in _contract_summary(inv.org_lines(o.org)):
            out += [("- " if md else "  ") + ln]
        if covered:
            out.append("")
        trows = [[t.ticket, t.title if md else t.title[:40], str(t.minutes), str(t.billed_minutes), str(t.amount)]
                 for t in inv.ticket_totals(o.org)]
        theads = ["ticket", "title", "min", "billed", "subtotal"]
        out.append(render.to_markdown(trows, theads) if md else render.table(trows, theads))
        out.append("")
        summary = [("Subtotal " + head, str(o.amount))]
        if inv.vat_percent is not None:
            summary += [(_org_vat_label(o, vat), str(o.vat)), ("Total incl. VAT", str(o.total_incl_vat))]
        out += [("- " if md else "  ") + f"{k}: {cur} {v}" for k, v in summary]
        out.append("")
    totals = [("Total", str(inv.total))]
    if any(o.vat_category not in (None, "standard") for o in inv.orgs):
        vat = "VAT"  # several VAT categories: each organisation's is above
    if inv.vat_percent is not None:
        totals += [(vat, str(inv.vat)), ("Total incl. VAT", str(inv.total_incl_vat))]
    if md:
        out += [f"- **{k}: {cur} {v}**" if k.startswith("Total") else f"- {k}: {cur} {v}" for k, v in totals]
    else:
        out += [f"{k}: {cur} {v}" for k, v in totals]
    late = sum(1 for x in inv.lines if x.late)
    if late:
        out += ["", f"{late} late entr{'y' if late == 1 else 'ies'} from earlier months (marked `late`)."]
    return "\n".join(out) + "\n"


def _org_vat_label(o: Any, standard: str) -> str:
    """`VAT 21%`, or the organisation's other category: `VAT 0% (VAT reverse charge)`."""
    if o.vat_category in (None, "standard"):
        return standard
    from tix.core.vat import LEGAL_NOTE

    return f"VAT 0% ({LEGAL_NOTE[o.vat_category]['en']})"


def render_list(recs: list[Any], fmt: str) -> str:
    from tix.render import table as render

    rows = [{"number": r.number, "kind": "credit note" if r.invoice.credit_of else "invoice",
             "credit_of": r.invoice.credit_of, "month": r.invoice.month, "org": r.invoice.org_filter,
             "issued_at": r.invoice.issued_at, "issued_by": r.invoice.issued_by, "lines": len(r.invoice.lines),
             "currency": r.invoice.currency, "total": str(r.invoice.total), "vat": str(r.invoice.vat),
             "total_incl_vat": str(r.invoice.total_incl_vat), "path": r.path} for r in recs]
    if fmt == "json":
        return render.to_json(rows) + "\n"
    headers = ["number", "month", "org", "issued_at", "issued_by", "lines", "currency", "total", "vat",
               "total_incl_vat"]
    if any(r["credit_of"] for r in rows):  # credit notes beside the invoices
        headers.append("credit_of")
    table = [[d[h] if d[h] is not None else "" for h in headers] for d in rows]
    if fmt == "csv":
        return render.to_csv(table, headers)
    if fmt == "markdown":
        return render.to_markdown(table, headers) + "\n"
    if not rows:
        return ""
    for row in table:
        row[3] = str(row[3])[:16].replace("T", " ")
    return render.table(table, headers) + "\n"
