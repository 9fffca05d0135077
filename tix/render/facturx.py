"""Factur-X / ZUGFeRD (EN 16931 profile): the PDF invoice with its UN/CEFACT
CII D16B XML embedded, as a PDF/A-3 made by the `factur-x` library (it
checks the XML against the CII schema, adds the XML as an associated file and
writes the PDF/A-3 and Factur-X metadata).

The CII carries the same amounts as every other form of the invoice: they
come from tix.core.billing, rounded once per line, summed exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from tix.core.vat import EN16931_CODE, EXEMPTION_CODE, LEGAL_NOTE
from tix.render.ubl import _qty, _vat_id, document_id, issue_date

if TYPE_CHECKING:
    from tix.core.billing import Invoice

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
GUIDELINE = "urn:cen.eu:en16931:2017"
_NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _el(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    prefix, name = tag.split(":", 1)
    e = ET.SubElement(parent, f"{{{_NS[prefix]}}}{name}", attrs)
    if text is not None:
        e.text = str(text)
    return e


def _date(parent: ET.Element, tag: str, d: date) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", d.strftime("%Y%m%d"), format="102")


def _amount(v: Decimal) -> str:
    return f"{v:.2f}"


def _party(parent: ET.Element, tag: str, d: dict[str, Any], *, seller: bool, vat_on: bool) -> None:
    p = _el(parent, tag)
    _el(p, "ram:Name", d.get("name") or "")
    if seller and d.get("coc"):
        _el(_el(p, "ram:SpecifiedLegalOrganization"), "ram:ID", d["coc"])
    addr = _el(p, "ram:PostalTradeAddress")
    lines = list(d.get("address") or [])
    if lines:
        _el(addr, "ram:LineOne", lines[0])
    if len(lines) > 1:
        _el(addr, "ram:LineTwo", ", ".join(lines[1:]))
    _el(addr, "ram:CountryID", d.get("country") or "NL")
    if d.get("email"):
        _el(_el(p, "ram:URIUniversalCommunication"), "ram:URIID", d["email"], schemeID="EM")
    if vat_on and d.get("vat_id"):
        _el(_el(p, "ram:SpecifiedTaxRegistration"), "ram:ID", _vat_id(d["vat_id"]), schemeID="VA")


def to_cii(inv: Invoice, org: str | None, *, credit_of: str | None = None, reason: str | None = None) -> bytes:
    """One organisation's invoice (or credit note) as CII D16B XML (EN 16931)."""
    o = next(x for x in inv.orgs if x.org == org)
    parties = inv.parties or {}
    seller = dict(parties.get("seller") or {"name": "Seller", "country": "NL"})
    buyer = dict((parties.get("buyers") or {}).get(org or "", {}) or {"name": o.name})
    buyer.setdefault("name", o.name)
    lang = buyer.get("language") or "en"
    cat = o.vat_category or "export"
    code = EN16931_CODE[cat] if o.vat_category else "O"
    pct = o.vat_percent if o.vat_percent is not None else Decimal(0)
    vat_on = code != "O"
    cur = inv.currency
    number = document_id(inv, org)
    issued = issue_date(inv)

    root = ET.Element(f"{{{RSM}}}CrossIndustryInvoice")
    ctx = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(ctx, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    doc = _el(root, "rsm:ExchangedDocument")
    _el(doc, "ram:ID", number)
    _el(doc, "ram:TypeCode", "381" if credit_of else "380")
    _date(doc, "ram:IssueDateTime", issued)
    note = LEGAL_NOTE.get(cat, {}).get(lang) if o.vat_category else None
    for text in (note, reason):
        if text:
            _el(_el(doc, "ram:IncludedNote"), "ram:Content", text)
    tx = _el(root, "rsm:SupplyChainTradeTransaction")
    for k, x in enumerate(inv.org_lines(org), 1):
        item = _el(tx, "ram:IncludedSupplyChainTradeLineItem")
        line_doc = _el(item, "ram:AssociatedDocumentLineDocument")
        _el(line_doc, "ram:LineID", k)
        if x.note:
            _el(_el(line_doc, "ram:IncludedNote"), "ram:Content", x.note[:1000])
        prod = _el(item, "ram:SpecifiedTradeProduct")
        _el(prod, "ram:SellerAssignedID", x.rate_name)
        _el(prod, "ram:Name", f"{x.ticket} {x.title}"[:200])
        _el(prod, "ram:Description", f"{x.at.date().isoformat()} {x.agent}: {x.title}"[:1000])
        # work in hours; a monthly fee, a travel fee or a prepaid block: one piece (C62)
        qty, unit_code = (Decimal(x.billed_minutes) / Decimal(60), "HUR") if x.kind == "work" else (Decimal(1), "C62")
        unit = x.rate * x.multiplier
        price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        if (qty * unit).quantize(Decimal("0.01")) == x.amount and unit == unit.quantize(Decimal("0.0001")):
            _el(price, "ram:ChargeAmount", _qty(unit))
        else:
            _el(price, "ram:ChargeAmount", _amount(x.amount))
            _el(price, "ram:BasisQuantity", _qty(qty), unitCode=unit_code)
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", _qty(qty), unitCode=unit_code)
        settle = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settle, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", code)
        if code != "O":
            _el(tax, "ram:RateApplicablePercent", f"{pct:.2f}")
        _el(_el(settle, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
            _amount(x.amount))
    agreement = _el(tx, "ram:ApplicableHeaderTradeAgreement")
    _el(agreement, "ram:BuyerReference", buyer.get("reference") or org or "n/a")
    _party(agreement, "ram:SellerTradeParty", seller, seller=True, vat_on=vat_on)
    _party(agreement, "ram:BuyerTradeParty", buyer, seller=False, vat_on=vat_on)
    _el(tx, "ram:ApplicableHeaderTradeDelivery")
    st = _el(tx, "ram:ApplicableHeaderTradeSettlement")
    if not credit_of:
        _el(st, "ram:PaymentReference", number)
    _el(st, "ram:InvoiceCurrencyCode", cur)
    if not credit_of and seller.get("iban"):
        pm = _el(st, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(pm, "ram:TypeCode", "58")
        _el(_el(pm, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", "".join(str(seller["iban"]).split()))
        if seller.get("bic"):
            _el(_el(pm, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", seller["bic"])
    tax = _el(st, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", _amount(o.vat))
    _el(tax, "ram:TypeCode", "VAT")
    if code in ("AE", "O", "E"):
        _el(tax, "ram:ExemptionReason", LEGAL_NOTE.get(cat, LEGAL_NOTE["export"]).get(lang, "VAT exempt"))
    _el(tax, "ram:BasisAmount", _amount(o.amount))
    _el(tax, "ram:CategoryCode", code)
    if code in ("AE", "O", "E"):
        _el(tax, "ram:ExemptionReasonCode", EXEMPTION_CODE.get(cat, "VATEX-EU-O"))
    if code != "O":
        _el(tax, "ram:RateApplicablePercent", f"{pct:.2f}")
    y, m = map(int, inv.month.split("-"))
    period = _el(st, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", date(y, m, 1))
    _date(period, "ram:EndDateTime", date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1))
    if not credit_of:
        terms = _el(st, "ram:SpecifiedTradePaymentTerms")
        days = int(seller.get("payment_days") or 14)
        _el(terms, "ram:Description", f"{days} days")
        _date(terms, "ram:DueDateDateTime", issued + timedelta(days=days))
    sums = _el(st, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", _amount(o.amount))
    _el(sums, "ram:TaxBasisTotalAmount", _amount(o.amount))
    _el(sums, "ram:TaxTotalAmount", _amount(o.vat), currencyID=cur)
    _el(sums, "ram:GrandTotalAmount", _amount(o.amount + o.vat))
    _el(sums, "ram:DuePayableAmount", _amount(o.amount + o.vat))
    if credit_of:
        _el(_el(st, "ram:InvoiceReferencedDocument"), "ram:IssuerAssignedID", credit_of)
    for prefix, uri in _NS.items():
        ET.register_namespace(prefix, uri)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def to_facturx(inv: Invoice, org: str | None, *, credit_of: str | None = None, reason: str | None = None) -> bytes:
    """The PDF invoice with its CII XML embedded (Factur-X EN 16931, PDF/A-3)."""
    import logging

    from facturx import generate_from_binary

    from tix.render.invoice_pdf import to_pdf

    pdf = to_pdf(inv, org, credit_of=credit_of, reason=reason, pdfa=True)
    xml = to_cii(inv, org, credit_of=credit_of, reason=reason)
    logging.getLogger("factur-x").setLevel(logging.ERROR)  # its progress messages are not the user's business
    return bytes(generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=True,
                                      lang=None))
