"""The monthly report's money against the issued documents, and the IT
manager's CSV in the organisation's language.

Hand-computed (the desk of tests/test_einvoice.py, VAT 21 %): November's work
is contoso 127.50 (VAT 26.78), fabrikam 71.25 (reverse charge), fjordlys 63.75
(export), clinic 21.25 (exempt): 283.75 net, 26.78 VAT, 310.53 in all.
Invoice 2026-11-001 bills all of it. Fabrikam's line is credited
(CN-2026-11-001, not written off) and billed again by 2026-11-002. So
November: invoiced 283.75 + 71.25 = 355.00 (VAT 26.78, 381.78 incl.),
credited 71.25, net 283.75 (VAT 26.78, 310.53), which is the month's work;
fabrikam: invoiced 142.50, credited 71.25, net 71.25."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tests.conftest import Desk, make_desk
from tests.test_einvoice import DEC1, NOV2, ORGS, policy, worked_desk


def _credit_and_rebill(d: Desk) -> dict:
    inv = json.loads(d.ok("invoice", "2026-11", "--mark", "--format", "json"))
    fab = next(x for x in inv["lines"] if x["org"] == "fabrikam")["event_id"]
    r = d.run("invoice", "--credit", "2026-11-001", "--line", fab, "-m", "wrong rate")
    assert r.code == 0, r.err
    again = json.loads(d.ok("invoice", "2026-11", "--mark", "--format", "json"))
    assert again["number"] == "2026-11-002" and again["total"] == "71.25"
    return inv


@pytest.fixture
def credited(tmp_path) -> Desk:
    d = worked_desk(tmp_path / "desk")
    _credit_and_rebill(d)
    return d


def ledger_totals(d: Desk, month: str, org: str | None = None) -> dict[str, Decimal]:
    """Invoiced and credited of `month`, from the documents themselves (`invoice --show`), not the report."""
    out = dict.fromkeys(("invoiced", "credited", "invoiced_incl", "credited_incl"), Decimal(0))
    for doc in json.loads(d.ok("invoice", "--list", "--format", "json")):
        full = json.loads(d.ok("invoice", "--show", doc["number"], "--format", "json"))
        if full["month"] != month:
            continue
        kind = "credited" if full.get("credit_of") else "invoiced"
        for o in full["orgs"]:
            if org is None or o["org"] == org:
                out[kind] += Decimal(o["amount"])
                out[f"{kind}_incl"] += Decimal(o["total_incl_vat"])
    return out


def test_report_nets_credit_notes_and_ties_to_the_ledger(credited):
    rep = json.loads(credited.ok("report", "month", "2026-11", "--format", "json"))
    sec = rep["invoices"]
    assert sec["invoices"] == ["2026-11-001", "2026-11-002"] and sec["credit_notes"] == ["CN-2026-11-001"]
    assert sec["invoiced"] == {"amount": "355.00", "vat": "26.78", "total_incl_vat": "381.78"}
    assert sec["credited"] == {"amount": "71.25", "vat": "0.00", "total_incl_vat": "71.25"}
    assert sec["net"] == {"amount": "283.75", "vat": "26.78", "total_incl_vat": "310.53"}
    # the net of the month's documents is the month's work, to the cent
    assert sec["net"]["amount"] == rep["amount"]
    # and each figure is the sum of the issued documents
    led = ledger_totals(credited, "2026-11")
    assert Decimal(sec["invoiced"]["amount"]) == led["invoiced"]
    assert Decimal(sec["credited"]["amount"]) == led["credited"]
    assert Decimal(sec["net"]["total_incl_vat"]) == led["invoiced_incl"] - led["credited_incl"]
    # per organisation
    assert sec["by_org"]["fabrikam"]["invoiced"]["amount"] == "142.50"
    assert sec["by_org"]["fabrikam"]["credited"]["amount"] == "71.25"
    assert sec["by_org"]["fabrikam"]["net"]["amount"] == "71.25" == rep["by_org"]["fabrikam"]["amount"]
    for org, row in sec["by_org"].items():
        led = ledger_totals(credited, "2026-11", org)
        assert (Decimal(row["invoiced"]["amount"]), Decimal(row["credited"]["amount"])) == \
            (led["invoiced"], led["credited"]), org
        assert row["net"]["amount"] == rep["by_org"][org]["amount"], org
    # per month: November in the trend of December's report
    dec = json.loads(credited.ok("report", "month", "2026-12", "--format", "json"))
    nov = next(m for m in dec["invoices"]["months"] if m["month"] == "2026-11")
    assert nov["net"] == sec["net"] and nov["credited"] == sec["credited"]
    assert dec["invoices"]["net"]["amount"] == "0.00" and dec["invoices"]["invoices"] == []
    # the desk's own text, Markdown, HTML and CSV carry it
    text = credited.ok("report", "month", "2026-11")
    assert "Invoices and credit notes (EUR, excl. VAT)" in text and "CN-2026-11-001" in text
    assert [ln.split() for ln in text.splitlines() if ln.startswith("fabrikam ") and "142.50" in ln] == \
        [["fabrikam", "142.50", "71.25", "71.25", "71.25"]]
    assert any(ln.split() == ["all", "355.00", "71.25", "283.75", "310.53"] for ln in text.splitlines())
    md = credited.ok("report", "month", "2026-11", "--format", "markdown")
    want = ["|", "2026-11", "|", "355.00", "|", "71.25", "|", "283.75", "|", "310.53", "|"]
    assert any(ln.split() == want for ln in md.splitlines())
    assert "CN-2026-11-001" in credited.ok("report", "month", "2026-11", "--format", "html")
    rows = list(csv.reader(io.StringIO(credited.ok("report", "month", "2026-11", "--format", "csv"))))
    assert ["invoices", "2026-11", "net.amount", "283.75"] in rows
    assert ["invoices_by_org", "fabrikam", "credited.amount", "71.25"] in rows


def test_the_documents_money_is_cached_per_record_file(credited):
    """The report reads each record once (ledger-totals.json, per file stat key); a
    damaged or stale cache changes nothing, a new credit note is seen."""
    from tix.storage.store import Store

    first = credited.ok("report", "month", "2026-11", "--format", "json")
    cache = Store(credited.root).state_dir / "ledger-totals.json"
    assert cache.is_file() and "CN-2026-11-001" in cache.read_text()
    cache.write_text("{not json")
    assert credited.ok("report", "month", "2026-11", "--format", "json") == first
    data = json.loads(cache.read_text())
    for v in data.values():
        v[1]["orgs"] = [["contoso", "999.99", "0.00", "999.99"]]
        v[0][0] += 1  # a stale stat key: not trusted
    cache.write_text(json.dumps(data))
    assert credited.ok("report", "month", "2026-11", "--format", "json") == first
    credited.ok("invoice", "--credit", "2026-11-002", "-m", "goodwill", "--write-off")
    sec = json.loads(credited.ok("report", "month", "2026-11", "--format", "json"))["invoices"]
    assert sec["credit_notes"] == ["CN-2026-11-001", "CN-2026-11-002"] and sec["net"]["amount"] == "212.50"


def test_it_manager_sees_only_its_own_documents(credited):
    fab = json.loads(credited.ok("report", "month", "2026-11", "--org", "fabrikam", "--format", "json"))["invoices"]
    assert list(fab["by_org"]) == ["fabrikam"]
    assert (fab["invoiced"]["amount"], fab["credited"]["amount"], fab["net"]["amount"]) == \
        ("142.50", "71.25", "71.25")
    con = json.loads(credited.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json"))["invoices"]
    assert con["credit_notes"] == [] and con["net"]["total_incl_vat"] == "154.28"
    text = credited.ok("report", "month", "2026-11", "--org", "contoso")  # Dutch
    assert "Facturen en creditnota's" in text and "€\u00a0127,50" in text and "€\u00a0154,28" in text
    de = credited.ok("report", "month", "2026-11", "--org", "fabrikam")
    assert "Rechnungen und Gutschriften" in de and "71,25\u00a0€" in de and "CN-2026-11-001" in de


def test_a_desk_without_invoices_has_no_invoice_section(tmp_path):
    d = worked_desk(tmp_path / "desk")
    rep = json.loads(d.ok("report", "month", "2026-11", "--format", "json"))
    assert "invoices" not in rep
    assert "Invoices and credit notes" not in d.ok("report", "month", "2026-11")


# ---------------------------------------------------------------- the IT manager's CSV in its language

CZ = ORGS + """  dvorak: {name: Vinařství Dvořák s.r.o., domains: [vinarstvi-dvorak.cz], rate: PROGP85, language: cs,
           country: CZ, vat_id: CZ25123891, address: [Náměstí 1, 692 01 Mikulov]}
"""


@pytest.fixture
def big(tmp_path) -> Desk:
    """Contoso (nl) and Dvořák (cs) with 20 h each at 85.00 = 1700.00 (thousands), and a credit note."""
    d = make_desk(tmp_path / "desk", policy=policy(CZ))
    d.now = DEC1
    for org in ("contoso", "dvorak"):
        tid = d.new("--title", f"migration for {org}", "--org", org, now=NOV2)
        d.ok("work", tid, "20h", "--at", "2026-11-24T08:00", "-m", "moved the mail")
    inv = json.loads(d.ok("invoice", "2026-11", "--mark", "--format", "json"))
    cz = next(x for x in inv["lines"] if x["org"] == "dvorak")["event_id"]
    d.ok("invoice", "--credit", "2026-11-001", "--line", cz, "-m", "goodwill", "--write-off")
    return d


def manager_csv(d: Desk, org: str) -> tuple[list[str], dict[tuple[str, str, str], str]]:
    text = d.ok("report", "month", "2026-11", "--org", org, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert all(len(r) == 4 for r in rows), text
    return rows[0], {(a, b, c): v for a, b, c, v in rows[1:]}


def test_dutch_it_manager_csv(big):
    head, cells = manager_csv(big, "contoso")
    assert head == ["onderdeel", "regel", "veld", "waarde"]
    assert cells[("Rapport", "", "organisatie")] == "Contoso B.V."
    assert cells[("Rapport", "", "Periode van")] == "01-11-2026"
    assert cells[("Tijd en kosten", "totaal", "bedrag (EUR)")] == "1700,00"  # decimal comma, no grouping
    assert cells[("Tijd en kosten", "totaal", "uren gewerkt")] == "20,00"
    assert cells[("Facturen", "2026-11", "gefactureerd (EUR)")] == "1700,00"
    assert cells[("Facturen", "2026-11", "gefactureerd, btw (EUR)")] == "357,00"
    assert cells[("Facturen", "2026-11", "netto, incl. btw (EUR)")] == "2057,00"
    assert cells[("Facturen", "2026-11", "facturen")] == "2026-11-001"
    assert cells[("Facturen", "2026-11", "creditnota's")] == ""  # Dvořák's credit note is not Contoso's
    work = {k[2]: v for k, v in cells.items() if k[0] == "Werk"}
    assert work["wanneer"] == "24-11-2026 08:00" and work["technicus"] == "anna" and work["notitie"] == \
        "moved the mail"
    assert work["gefactureerd (uren)"] == "20,00" and work["bedrag (EUR)"] == "1700,00"
    # the JSON keeps its field names and machine values
    data = json.loads(big.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json"))
    assert data["amount"] == "1700.00" and data["invoices"]["net"]["amount"] == "1700.00"
    assert data["tickets"][0]["work"][0]["at"].startswith("2026-11-24T08:00:00")


def test_czech_it_manager_csv(big):
    head, cells = manager_csv(big, "dvorak")
    assert head == ["oddíl", "řádek", "pole", "hodnota"]
    assert cells[("Zpráva", "", "Období od")] == "1. 11. 2026"
    assert cells[("Čas a náklady", "celkem", "částka (EUR)")] == "1700,00"
    assert cells[("Faktury", "2026-11", "fakturováno (EUR)")] == "1700,00"
    assert cells[("Faktury", "2026-11", "dobropisováno (EUR)")] == "1700,00"
    assert cells[("Faktury", "2026-11", "netto (EUR)")] == "0,00"  # written off: nothing left to pay
    assert cells[("Faktury", "2026-11", "dobropisy")] == "CN-2026-11-001"
    work = {k[2]: v for k, v in cells.items() if k[0] == "Práce"}
    assert work["kdy"] == "24. 11. 2026 08:00" and work["částka (EUR)"] == "1700,00"
    assert json.loads(big.ok("report", "month", "2026-11", "--org", "dvorak", "--format", "json"))[
        "invoices"]["credited"]["amount"] == "1700.00"


def test_english_organisations_and_the_desk_keep_the_machine_csv(big):
    text = big.ok("report", "month", "2026-11", "--format", "csv")
    assert text.startswith("section,row,field,value\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["invoices", "2026-11", "credited.amount", "1700.00"] in rows
