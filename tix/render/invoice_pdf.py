"""The PDF invoice of one organisation, in its language.

Made with fpdf2: pure Python (no C library to build), small, maintained, and
it embeds a subset of a TrueType font, so every letter of the five languages
prints (ř, ů, ø, ß). The font is DejaVu Sans, shipped in tix/data/fonts.
Numbers, money and dates are formatted by Babel (tix.render.locale).

Only what the customer may read is printed: the ticket titles, technicians,
hours, rates and the work notes (`tix work -m`), never internal comments
(they are not on the invoice at all)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

from tix.core.vat import LEGAL_NOTE
from tix.render import locale as L
from tix.render.ubl import document_id, issue_date

if TYPE_CHECKING:
    from tix.core.billing import Invoice

LABELS: dict[str, dict[str, str]] = {
    "en": {"invoice": "Invoice", "credit": "Credit note", "number": "Invoice number", "date": "Invoice date",
           "due": "Due date", "period": "Period", "reference": "Your reference", "vat_id": "VAT number",
           "coc": "Company reg. no.", "col_date": "Date", "col_ticket": "Ticket", "col_title": "Description",
           "col_agent": "Technician", "col_hours": "Hours", "col_rate": "Rate", "col_amount": "Amount",
           "subtotal": "Subtotal", "net": "Total excl. VAT", "vat": "VAT", "total": "Total",
           "pay": "Please pay {total} by {due} to IBAN {iban}{bic}, quoting {number}.",
           "after_hours": "after hours", "credits": "Credits invoice {number}", "page": "Page",
           "covered": "{hours} h covered by the contract", "overage": "beyond the contract (overage)"},
    "nl": {"invoice": "Factuur", "credit": "Creditnota", "number": "Factuurnummer", "date": "Factuurdatum",
           "due": "Vervaldatum", "period": "Periode", "reference": "Uw referentie", "vat_id": "Btw-nummer",
           "coc": "KvK-nummer", "col_date": "Datum", "col_ticket": "Ticket", "col_title": "Omschrijving",
           "col_agent": "Technicus", "col_hours": "Uren", "col_rate": "Tarief", "col_amount": "Bedrag",
           "subtotal": "Subtotaal", "net": "Totaal excl. btw", "vat": "Btw", "total": "Totaal",
           "pay": "Graag {total} vóór {due} overmaken naar IBAN {iban}{bic} o.v.v. {number}.",
           "after_hours": "buiten kantooruren", "credits": "Crediteert factuur {number}", "page": "Pagina",
           "covered": "{hours} u valt onder het contract", "overage": "boven het contract (meerwerk)"},
    "de": {"invoice": "Rechnung", "credit": "Gutschrift", "number": "Rechnungsnummer", "date": "Rechnungsdatum",
           "due": "Fällig am", "period": "Leistungszeitraum", "reference": "Ihre Referenz", "vat_id": "USt-IdNr.",
           "coc": "Handelsregister-Nr.", "col_date": "Datum", "col_ticket": "Ticket", "col_title": "Beschreibung",
           "col_agent": "Techniker", "col_hours": "Stunden", "col_rate": "Satz", "col_amount": "Betrag",
           "subtotal": "Zwischensumme", "net": "Summe netto", "vat": "USt.", "total": "Gesamtbetrag",
           "pay": "Bitte überweisen Sie {total} bis {due} auf IBAN {iban}{bic}, Verwendungszweck {number}.",
           "after_hours": "außerhalb der Geschäftszeiten", "credits": "Gutschrift zu Rechnung {number}",
           "page": "Seite", "covered": "{hours} Std. durch den Vertrag gedeckt",
           "overage": "über den Vertrag hinaus (Mehraufwand)"},
    "cs": {"invoice": "Faktura", "credit": "Dobropis", "number": "Číslo faktury", "date": "Datum vystavení",
           "due": "Datum splatnosti", "period": "Období", "reference": "Vaše reference", "vat_id": "DIČ",
           "coc": "IČO", "col_date": "Datum", "col_ticket": "Tiket", "col_title": "Popis", "col_agent": "Technik",
           "col_hours": "Hodiny", "col_rate": "Sazba", "col_amount": "Částka", "subtotal": "Mezisoučet",
           "net": "Celkem bez DPH", "vat": "DPH", "total": "Celkem",
           "pay": "Prosíme uhraďte {total} do {due} na IBAN {iban}{bic}, variabilní symbol {number}.",
           "after_hours": "mimo pracovní dobu", "credits": "Dobropis k faktuře {number}", "page": "Strana",
           "covered": "{hours} h hrazeno smlouvou", "overage": "nad rámec smlouvy (vícepráce)"},
    "no": {"invoice": "Faktura", "credit": "Kreditnota", "number": "Fakturanummer", "date": "Fakturadato",
           "due": "Forfallsdato", "period": "Periode", "reference": "Deres referanse", "vat_id": "MVA-nummer",
           "coc": "Org.nr.", "col_date": "Dato", "col_ticket": "Sak", "col_title": "Beskrivelse",
           "col_agent": "Tekniker", "col_hours": "Timer", "col_rate": "Sats", "col_amount": "Beløp",
           "subtotal": "Delsum", "net": "Sum eks. mva.", "vat": "MVA", "total": "Totalt",
           "pay": "Vennligst betal {total} innen {due} til IBAN {iban}{bic}, merk betalingen {number}.",
           "after_hours": "utenfor arbeidstid", "credits": "Krediterer faktura {number}", "page": "Side",
           "covered": "{hours} t dekket av avtalen", "overage": "utover avtalen (tilleggsarbeid)"},
}


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def hours(minutes: int) -> Decimal:
    return Decimal(minutes) / Decimal(60)


def to_pdf(inv: Invoice, org: str | None, *, credit_of: str | None = None, reason: str | None = None,
           pdfa: bool = False) -> bytes:
    """One organisation's invoice (or credit note) as PDF bytes; `pdfa` adds
    the sRGB output intent PDF/A wants (for Factur-X)."""
    from fpdf import FPDF

    o = next(x for x in inv.orgs if x.org == org)
    parties = inv.parties or {}
    seller: dict[str, Any] = dict(parties.get("seller") or {})
    buyer: dict[str, Any] = dict((parties.get("buyers") or {}).get(org or "", {}) or {})
    lang = buyer.get("language") or "en"
    t = labels(lang)
    cur = inv.currency

    def m(v: Decimal) -> str:
        return L.money(v, cur, lang)

    class Doc(FPDF):  # type: ignore[misc]
        """Each further page repeats the column heads; every page says its number."""
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.heads: list[tuple[str, int, str]] = []

        def header(self) -> None:
            if self.page_no() > 1 and self.heads:
                _heads(self, self.heads)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{title} {number} · {t['page']} {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    title = t["credit"] if credit_of else t["invoice"]
    number = document_id(inv, org)
    pdf = Doc(format="A4")
    issued = issue_date(inv)
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day))
    fonts = resources.files("tix") / "data" / "fonts"
    with resources.as_file(fonts / "DejaVuSans.ttf") as regular, \
            resources.as_file(fonts / "DejaVuSans-Bold.ttf") as bold:
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(f"{title} {number}")
    pdf.set_author(seller.get("name") or "")
    if pdfa:
        _srgb_intent(pdf)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)

    # seller (top right) and buyer (left)
    y0 = pdf.get_y()
    pdf.set_xy(120, y0)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(75, 5, seller.get("name") or "", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    for line in [*seller.get("address", []), seller.get("email")]:
        if line:
            pdf.cell(75, 4, str(line), new_x="LEFT", new_y="NEXT")
    if seller.get("vat_id"):
        pdf.cell(75, 4, f"{t['vat_id']}: {seller['vat_id']}", new_x="LEFT", new_y="NEXT")
    if seller.get("coc"):
        pdf.cell(75, 4, f"{t['coc']}: {seller['coc']}", new_x="LEFT", new_y="NEXT")
    if seller.get("iban"):
        pdf.cell(75, 4, f"IBAN: {seller['iban']}" + (f"  BIC: {seller['bic']}" if seller.get("bic") else ""),
                 new_x="LEFT", new_y="NEXT")
    pdf.set_xy(15, y0 + 10)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(95, 5, buyer.get("name") or o.name, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in buyer.get("address") or []:
        pdf.cell(95, 4.5, str(line), new_x="LEFT", new_y="NEXT")
    if buyer.get("vat_id"):
        pdf.cell(95, 4.5, f"{t['vat_id']}: {buyer['vat_id']}", new_x="LEFT", new_y="NEXT")

    # title and invoice facts
    pdf.set_xy(15, max(pdf.get_y(), y0 + 40) + 6)
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    y, mo = map(int, inv.month.split("-"))
    start = datetime(y, mo, 1).date()
    end = datetime(y + mo // 12, mo % 12 + 1, 1).date() - timedelta(days=1)
    facts = [(t["number"], number), (t["date"], L.day(issued, lang))]
    if not credit_of:
        facts.append((t["due"], L.day(issued + timedelta(days=int(seller.get("payment_days") or 14)), lang)))
    facts.append((t["period"], f"{L.day(start, lang)} – {L.day(end, lang)}"))
    if buyer.get("reference"):
        facts.append((t["reference"], str(buyer["reference"])))
    if credit_of:
        facts.append(("", t["credits"].format(number=credit_of)))
    for k, v in facts:
        pdf.cell(40, 5, f"{k}:" if k else "")
        pdf.cell(0, 5, v, new_x="LMARGIN", new_y="NEXT")
    if reason:
        pdf.multi_cell(0, 5, reason, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    # the lines, per ticket
    cols: list[tuple[str, int, str]] = [(t["col_date"], 20, "L"), (t["col_ticket"], 20, "L"), (t["col_title"], 62, "L"),
            (t["col_agent"], 20, "L"), (t["col_hours"], 14, "R"), (t["col_rate"], 20, "R"),
            (t["col_amount"], 24, "R")]
    _heads(pdf, cols)
    pdf.heads = cols
    for tt in inv.ticket_totals(org):
        for x in (x for x in inv.org_lines(org) if x.ticket == tt.ticket):
            pdf.set_font("DejaVu", "", 8)
            rate = f"{x.rate_name}"
            cells = [L.day(x.at.date(), lang), x.ticket, _fit(pdf, x.title, 61), _fit(pdf, x.agent, 19),
                     L.number(hours(x.billed_minutes), lang), rate, m(x.amount)]
            for (_, w, align), text in zip(cols, cells, strict=True):
                pdf.cell(w, 5, text, align=align)
            pdf.ln(5)
            extra = []
            if x.note:
                extra.append(x.note)
            if x.multiplier != 1:
                extra.append(f"{t['after_hours']} × {L.number(x.multiplier, lang, 1)}")
            if x.covered_minutes:  # a fixed fee's included hours, or a prepaid block
                extra.append(t["covered"].format(hours=L.number(hours(x.covered_minutes), lang)))
            if x.overage:
                extra.append(t["overage"])
            if extra:
                pdf.set_font("DejaVu", "", 7)
                pdf.set_text_color(90, 90, 90)
                pdf.set_x(55)
                pdf.multi_cell(100, 3.5, " · ".join(extra), new_x="LMARGIN", new_y="NEXT")
                pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "B", 8)
        pdf.cell(122, 5, "")
        pdf.cell(34, 5, f"{t['subtotal']} {tt.ticket}", align="R")
        pdf.cell(24, 5, m(tt.amount), align="R", border="T")
        pdf.ln(7)

    # totals and VAT
    pdf.heads = []
    pdf.ln(2)
    pct = o.vat_percent if o.vat_percent is not None else Decimal(0)
    rows = [(t["net"], m(o.amount))]
    if o.vat_category is not None:
        rows.append((f"{t['vat']} {L.number(pct, lang, 0)} %", m(o.vat)))
    rows.append((t["total"], m(o.total_incl_vat)))
    for i, (label, value) in enumerate(rows):
        pdf.set_font("DejaVu", "B" if i == len(rows) - 1 else "", 10)
        pdf.cell(126, 6, "")
        pdf.cell(30, 6, label, align="R")
        pdf.cell(24, 6, value, align="R")
        pdf.ln(6)
    note = LEGAL_NOTE.get(o.vat_category or "", {}).get(lang) if o.vat_category else None
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 9)
    if note:
        pdf.multi_cell(0, 5, note, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    if not credit_of and seller.get("iban"):
        due = L.day(issued + timedelta(days=int(seller.get("payment_days") or 14)), lang)
        bic = f" (BIC {seller['bic']})" if seller.get("bic") else ""
        pdf.multi_cell(0, 5, t["pay"].format(total=m(o.total_incl_vat), due=due, iban=seller["iban"], bic=bic,
                                             number=number), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heads(pdf: Any, cols: list[tuple[str, int, str]]) -> None:
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(230, 230, 230)
    for name, w, align in cols:
        pdf.cell(w, 6, name, align=align, fill=True)
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 8)


def _srgb_intent(pdf: Any) -> None:
    from fpdf.enums import OutputIntentSubType
    from fpdf.output import PDFICCProfile
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pdf.add_output_intent(OutputIntentSubType.PDFA, "sRGB", "IEC 61966-2-1:1999", "http://www.color.org",
                          PDFICCProfile(contents=icc, n=3, alternate="DeviceRGB"), "sRGB")


def _fit(pdf: Any, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
