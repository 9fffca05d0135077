"""UBL 2.1 e-invoices (EN 16931, Peppol BIS Billing 3.0) of an invoice, one
document per organisation (each organisation is its own buyer).

Built with the standard library's ElementTree: the output is plain XML, no
template engine or schema library is needed to write it. Every amount comes
from the invoice as computed by tix.core.billing (rounded once per line, sums
exact), so the UBL carries the same cents as the JSON, CSV and PDF."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from tix.core import vat
from tix.core.vat import EN16931_CODE, EXEMPTION_CODE, LEGAL_NOTE

if TYPE_CHECKING:
    from tix.core.billing import Invoice, Line, OrgTotal

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


def document_id(inv: Invoice, org: str | None) -> str:
    """The number of one organisation's document: the invoice number when the
    invoice is for one organisation, else number-org; a draft says DRAFT."""
    base = inv.number or f"DRAFT-{inv.month}"
    if inv.org_filter is not None or org is None or len({o.org for o in inv.orgs}) == 1:
        return base
    return f"{base}-{org}"


def issue_date(inv: Invoice) -> date:
    if inv.issued_at:
        return date.fromisoformat(inv.issued_at[:10])
    # a draft: dated the last day of its month
    y, m = map(int, inv.month.split("-"))
    return date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)


def _el(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    ns = CBC if tag.startswith("cbc:") else CAC
    e = ET.SubElement(parent, f"{{{ns}}}{tag.split(':', 1)[1]}", attrs)
    if text is not None:
        e.text = str(text)
    return e


def _money(parent: ET.Element, tag: str, value: Decimal, currency: str) -> None:
    _el(parent, tag, f"{value:.2f}", currencyID=currency)


def _party(parent: ET.Element, d: dict[str, Any], *, seller: bool, vat_on: bool, endpoint: str | None) -> None:
    party = _el(parent, "cac:Party")
    ep = vat.endpoint(d.get("country"), d.get("vat_id"), endpoint)
    if ep:  # Peppol's electronic address (PEPPOL-EN16931-R010/R020), never a mail address (CL008)
        _el(party, "cbc:EndpointID", ep[1], schemeID=ep[0])
    country = d.get("country") or "NL"
    pa = vat.postal_address(tuple(d.get("address") or ()), country)
    addr = _el(party, "cac:PostalAddress")
    for tag, value in (("cbc:StreetName", pa.street), ("cbc:AdditionalStreetName", pa.additional),
                       ("cbc:CityName", pa.city), ("cbc:PostalZone", pa.zone)):
        if value:
            _el(addr, tag, value)
    _el(_el(addr, "cac:Country"), "cbc:IdentificationCode", country)
    if vat_on and d.get("vat_id"):
        tax = _el(party, "cac:PartyTaxScheme")
        _el(tax, "cbc:CompanyID", _vat_id(d["vat_id"]))
        _el(_el(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _el(party, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", d.get("name") or "")
    if seller and d.get("coc"):
        # a Dutch chamber-of-commerce number is a KVK number, ICD 0106 (Peppol NL-R-003)
        _el(legal, "cbc:CompanyID", d["coc"], **({"schemeID": "0106"} if country == "NL" else {}))
    if d.get("email"):
        _el(_el(party, "cac:Contact"), "cbc:ElectronicMail", d["email"])


def _vat_id(v: str) -> str:
    """A VAT number as EN 16931 wants it: compact, with its country prefix."""
    v = "".join(ch for ch in v if ch.isalnum()).upper()
    return v


def to_ubl(inv: Invoice, org: str | None, *, credit_of: str | None = None, reason: str | None = None,
           attachment: bytes | None = None) -> bytes:
    """One organisation's UBL 2.1 Invoice (or CreditNote when `credit_of`
    names the credited invoice; amounts are then given as positive values
    of the credit)."""
    o = next(x for x in inv.orgs if x.org == org)
    lines = inv.org_lines(org)
    kind = "CreditNote" if credit_of else "Invoice"
    cur = inv.currency
    parties = inv.parties or {}
    seller = dict(parties.get("seller") or {"name": "Seller", "country": "NL"})
    buyer = dict((parties.get("buyers") or {}).get(org or "", {}) or {"name": o.name})
    buyer.setdefault("name", o.name)
    lang = buyer.get("language") or "en"
    cat = o.vat_category or "standard"
    pct = o.vat_percent if o.vat_percent is not None else Decimal("0")
    code = EN16931_CODE[cat] if o.vat_category else "O"
    vat_on = code != "O"  # outside the scope of VAT: no VAT numbers on the document (BR-O-02)

    root = ET.Element(f"{{{NS[kind]}}}{kind}")
    _el(root, "cbc:CustomizationID", CUSTOMIZATION)
    _el(root, "cbc:ProfileID", PROFILE)
    _el(root, "cbc:ID", document_id(inv, org))
    issued = issue_date(inv)
    _el(root, "cbc:IssueDate", issued.isoformat())
    days = int(seller.get("payment_days") or 14)
    if kind == "Invoice":
        _el(root, "cbc:DueDate", (issued + timedelta(days=days)).isoformat())
        _el(root, "cbc:InvoiceTypeCode", "380")
    else:
        _el(root, "cbc:CreditNoteTypeCode", "381")
    note = LEGAL_NOTE.get(cat, {}).get(lang) if o.vat_category else None
    text = "\n".join(x for x in (note, reason) if x)
    if text:  # one note on the document (PEPPOL-EN16931-R002): the legal note, then the reason
        _el(root, "cbc:Note", text)
    _el(root, "cbc:DocumentCurrencyCode", cur)
    _el(root, "cbc:BuyerReference", buyer.get("reference") or org or "n/a")
    y, m = map(int, inv.month.split("-"))
    period = _el(root, "cac:InvoicePeriod")
    _el(period, "cbc:StartDate", date(y, m, 1).isoformat())
    _el(period, "cbc:EndDate", (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)).isoformat())
    if credit_of:
        _el(_el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference"), "cbc:ID", credit_of)
    if attachment is not None:
        import base64

        ref = _el(root, "cac:AdditionalDocumentReference")
        _el(ref, "cbc:ID", document_id(inv, org))
        _el(ref, "cbc:DocumentDescription", "Invoice PDF")
        att = _el(ref, "cac:Attachment")
        _el(att, "cbc:EmbeddedDocumentBinaryObject", base64.b64encode(attachment).decode("ascii"),
            mimeCode="application/pdf", filename=f"{document_id(inv, org)}.pdf")
    _el(root, "cac:AccountingSupplierParty").append(_party_el(seller, seller=True, vat_on=vat_on))
    _el(root, "cac:AccountingCustomerParty").append(
        _party_el(buyer, seller=False, vat_on=vat_on, endpoint=buyer.get("peppol")))
    if kind == "Invoice" and seller.get("iban"):
        pm = _el(root, "cac:PaymentMeans")
        _el(pm, "cbc:PaymentMeansCode", "58" if str(seller["iban"])[:2] in _SEPA else "30")
        _el(pm, "cbc:PaymentID", document_id(inv, org))
        acct = _el(pm, "cac:PayeeFinancialAccount")
        _el(acct, "cbc:ID", "".join(str(seller["iban"]).split()))
        if seller.get("bic"):
            _el(_el(acct, "cac:FinancialInstitutionBranch"), "cbc:ID", seller["bic"])
        terms = _el(root, "cac:PaymentTerms")
        _el(terms, "cbc:Note", f"{days} days")
    _tax_total(root, o, cur, code, pct, cat, lang)
    mt = _el(root, "cac:LegalMonetaryTotal")
    _money(mt, "cbc:LineExtensionAmount", o.amount, cur)
    _money(mt, "cbc:TaxExclusiveAmount", o.amount, cur)
    _money(mt, "cbc:TaxInclusiveAmount", o.amount + o.vat, cur)
    _money(mt, "cbc:PayableAmount", o.amount + o.vat, cur)
    for k, x in enumerate(lines, 1):
        _line(root, kind, k, x, cur, code, pct)
    ET.register_namespace("", NS[kind])  # the document's own namespace as the default one
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


_SEPA = {"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IS",
         "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM"}


def _party_el(d: dict[str, Any], *, seller: bool, vat_on: bool, endpoint: str | None = None) -> ET.Element:
    holder = ET.Element("x")
    _party(holder, d, seller=seller, vat_on=vat_on, endpoint=endpoint)
    return holder[0]


def _tax_total(root: ET.Element, o: OrgTotal, cur: str, code: str, pct: Decimal, cat: str, lang: str) -> None:
    tt = _el(root, "cac:TaxTotal")
    _money(tt, "cbc:TaxAmount", o.vat, cur)
    sub = _el(tt, "cac:TaxSubtotal")
    _money(sub, "cbc:TaxableAmount", o.amount, cur)
    _money(sub, "cbc:TaxAmount", o.vat, cur)
    tc = _el(sub, "cac:TaxCategory")
    _el(tc, "cbc:ID", code)
    if code != "O":  # outside the scope of VAT has no rate
        _el(tc, "cbc:Percent", _pct(pct))
    if code in ("AE", "O", "E"):
        _el(tc, "cbc:TaxExemptionReasonCode", EXEMPTION_CODE.get(cat, "VATEX-EU-O"))
        _el(tc, "cbc:TaxExemptionReason", LEGAL_NOTE.get(cat, LEGAL_NOTE["export"]).get(lang, "VAT exempt"))
    _el(_el(tc, "cac:TaxScheme"), "cbc:ID", "VAT")


def _pct(p: Decimal) -> str:
    return f"{p:.2f}"


def _line(root: ET.Element, kind: str, k: int, x: Line, cur: str, code: str, pct: Decimal) -> None:
    line = _el(root, f"cac:{kind}Line")
    _el(line, "cbc:ID", k)
    if x.note:
        _el(line, "cbc:Note", x.note[:1000])
    # work in hours; a monthly fee, a travel fee or a prepaid block: one piece (C62)
    qty, unit_code = (Decimal(x.billed_minutes) / Decimal(60), "HUR") if x.kind == "work" else (Decimal(1), "C62")
    _el(line, "cbc:InvoicedQuantity" if kind == "Invoice" else "cbc:CreditedQuantity", _qty(qty),
        unitCode=unit_code)
    _money(line, "cbc:LineExtensionAmount", x.amount, cur)
    item = _el(line, "cac:Item")
    _el(item, "cbc:Description", f"{x.at.date().isoformat()} {x.agent}: {x.title}"[:1000])
    _el(item, "cbc:Name", f"{x.ticket} {x.title}"[:200])
    _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", x.rate_name)
    tc = _el(item, "cac:ClassifiedTaxCategory")
    _el(tc, "cbc:ID", code)
    if code != "O":
        _el(tc, "cbc:Percent", _pct(pct))
    _el(_el(tc, "cac:TaxScheme"), "cbc:ID", "VAT")
    price = _el(line, "cac:Price")
    # the line amount is billed hours x rate x multiplier rounded once; an exact unit
    # price would need many digits, so the price is the line amount per 1 line (base quantity)
    unit = x.rate * x.multiplier
    if (qty * unit).quantize(Decimal("0.01")) == x.amount and unit == unit.quantize(Decimal("0.0001")):
        _el(price, "cbc:PriceAmount", _qty(unit), currencyID=cur)
    else:
        _el(price, "cbc:PriceAmount", f"{x.amount:.2f}", currencyID=cur)
        _el(price, "cbc:BaseQuantity", _qty(qty), unitCode=unit_code)


def _qty(q: Decimal) -> str:
    s = f"{q.quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return s or "0"
