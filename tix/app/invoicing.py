"""Invoice documents: the UBL, PDF and Factur-X files of an invoice, one per
organisation, and where they go (`-o FILE` or `-o FOLDER`); and the ticked
checklist items on the invoice lines' notes (`tix invoice --checklist`).

The heavy libraries (fpdf2, babel, factur-x) are imported only here, and only
when such a document is asked for, so everyday commands stay fast."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core.errors import BadInput

if TYPE_CHECKING:
    from tix.core.billing import Invoice
    from tix.core.policy import Policy
    from tix.storage.store import Store

DOCUMENT_FORMATS = {"ubl": "xml", "pdf": "pdf", "facturx": "pdf"}


def file_name(inv: Invoice, org: str | None, fmt: str) -> str:
    base = inv.number or f"draft-{inv.month}"
    suffix = ".facturx" if fmt == "facturx" else ""
    return f"{base}-{org or 'none'}{suffix}.{DOCUMENT_FORMATS[fmt]}"


def document(inv: Invoice, org: str | None, fmt: str, *, embed_pdf: bool = False) -> bytes:
    """One organisation's document in `fmt` (ubl, pdf or facturx); a UBL with
    `embed_pdf` carries the PDF invoice as an attachment."""
    of, why = inv.credit_of, inv.reason  # a credit note has its own form of each
    if fmt == "ubl":
        from tix.render.ubl import to_ubl

        pdf = None
        if embed_pdf:
            from tix.render.invoice_pdf import to_pdf

            pdf = to_pdf(inv, org, credit_of=of, reason=why)
        return to_ubl(inv, org, attachment=pdf, credit_of=of, reason=why)
    if fmt == "pdf":
        from tix.render.invoice_pdf import to_pdf

        return to_pdf(inv, org, credit_of=of, reason=why)
    from tix.render.facturx import to_facturx

    return to_facturx(inv, org, credit_of=of, reason=why)


def check_target(inv_orgs: int | None, out: str | None, fmt: str) -> Path | None:
    """Refuse a bad `-o` before anything is issued or written: a PDF needs a
    file or folder; several organisations need a folder."""
    if out is None:
        if fmt in ("pdf", "facturx"):
            raise BadInput(f"--format {fmt}: give -o FILE (one organisation) or -o FOLDER/ (one file per "
                           f"organisation); a PDF is not printed to the terminal")
        return None
    p = Path(out)
    if p.is_dir() or out.endswith(("/", "\\")):
        if not p.is_dir() and not p.parent.is_dir():
            raise BadInput(f"-o {out!r}: the folder's parent {str(p.parent)!r} does not exist")
        return p
    if not p.parent.is_dir():
        raise BadInput(f"-o {out!r}: the folder {str(p.parent)!r} does not exist")
    if inv_orgs is not None and inv_orgs > 1:
        raise BadInput(f"-o {out!r}: the invoice has {inv_orgs} organisations, one {fmt} file each: give a folder "
                       f"(-o {out.rstrip('/')}/) or one organisation (--org)")
    return p


def write(inv: Invoice, fmt: str, out: str | None, *, embed_pdf: bool = False) -> list[Path]:
    """Write the invoice's documents; returns the paths written (stdout: none)."""
    import sys

    target = check_target(len(inv.orgs), out, fmt)
    from tix.core import progress

    docs = [(o.org, document(inv, o.org, fmt, embed_pdf=embed_pdf))
            for o in progress.counted(f"writing {fmt.upper()} invoices", inv.orgs, len(inv.orgs))]
    if target is None:  # UBL of one organisation to stdout
        if len(docs) != 1:
            raise BadInput(f"--format {fmt}: the invoice has {len(docs)} organisations: give -o FOLDER/ "
                           f"(one file each) or one organisation (--org)")
        sys.stdout.write(docs[0][1].decode("utf-8"))  # UBL is UTF-8 text
        sys.stdout.flush()
        return []
    written: list[Path] = []
    if target.is_dir() or (out or "").endswith(("/", "\\")):
        target.mkdir(exist_ok=True)
        for org, data in docs:
            p = target / file_name(inv, org, fmt)
            p.write_bytes(data)
            written.append(p)
    else:
        target.write_bytes(docs[0][1])
        written.append(target)
    return written


# ---------------------------------------------------------------- checklists on the invoice

def checklist_text(items: list[dict[str, object]], policy: Policy) -> str:
    """`checklist: [x] TEXT (who YYYY-MM-DD HH:MM) [x] ...`, in the policy's timezone."""
    from tix.core.dates import parse_stamp

    return "checklist: " + " ".join(
        f"[x] {' '.join(str(it['text']).split())} ({it['by']} "
        f"{parse_stamp(str(it['at'])).astimezone(policy.tz):%Y-%m-%d %H:%M})" for it in items)


def with_checklists(inv: Invoice, store: Store, policy: Policy, invoiced: set[str], period_end: datetime) -> Invoice:
    """`inv` with each ticket's ticked checklist items (who and when) on the
    note of its last line on the invoice: the items ticked before the end of
    the invoiced month, less those an earlier invoice of the ticket's work
    already carried (ticked before the end of the month of the ticket's
    latest entry billed earlier). A ticket merged into another is left to
    the one it was merged into, which carries its ticks. The totals do not
    change; only notes do. Reads only the files of the invoice's tickets that
    hold a tick."""
    from dataclasses import replace

    from tix.core.checklist import checklist
    from tix.core.dates import add_months, localize, parse_stamp
    from tix.core.errors import TixError

    rows: dict[str, list[int]] = {}
    for i, x in enumerate(inv.lines):
        rows.setdefault(x.ticket, []).append(i)
    lines = list(inv.lines)
    for tid, idxs in rows.items():
        try:
            if b'"checked"' not in store.path_for(tid).read_bytes():
                continue  # no item was ever ticked: the file is not parsed
            t = store.ticket(tid)
        except (OSError, TixError):
            continue  # an unreadable ticket keeps its plain notes (fsck reports the file)
        if t.merged_into:
            continue
        here = {lines[i].event_id for i in idxs}
        earlier = [parse_stamp(e["at"]).astimezone(policy.tz) for e in t.work
                   if not e.get("no_bill") and e["id"] in invoiced and e["id"] not in here]
        since = None
        if earlier:
            last = max(earlier)
            y, m = add_months(last.year, last.month, 1)
            since = localize(datetime(y, m, 1), policy.tz)
        done = [it for it in checklist(t) if it["done"] and parse_stamp(it["at"]) < period_end
                and (since is None or parse_stamp(it["at"]) >= since)]
        if not done:
            continue
        k = max(idxs, key=lambda i: (lines[i].at, lines[i].event_id))
        note = lines[k].note
        text = checklist_text(done, policy)
        lines[k] = replace(lines[k], note=f"{note}; {text}" if note else text)
    return replace(inv, lines=tuple(lines))
