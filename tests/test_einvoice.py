"""Seller, buyer and VAT, and the UBL e-invoice: a real desk, the real CLI,
and every UBL document checked by the official EN 16931 validation rules
(XSLT in ../shared/einvoice, run with saxonche): zero fatal findings.

Hand-computed invoice of the small desk below (November is +01:00, service
hours Mon-Fri 08:00-17:30, VAT 21 %):

  contoso  (NL, standard)       1h30m Tue 10:00 at PROGP85 85.00   = 127.50, VAT 26.775 -> 26.78, 154.28
  fabrikam (DE, reverse charge) 45m   Tue 11:00 at ONSITE  95.00   =  71.25, VAT 0
  fjordlys (NO, export)         20m   Sat 10:00 -> 30m x 1.5 x 85  =  63.75, VAT 0
  clinic   (NL, exempt by hand) 10m   Wed 09:00 -> 15m at 85.00    =  21.25, VAT 0
  total 283.75 net, VAT 26.78, 310.53"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk
from tix.core.policy import DEFAULT_POLICY
from tix.core.vat import Buyer, category_for

ROOT = Path(__file__).resolve().parent.parent
EINVOICE = ROOT.parent / "shared" / "einvoice"
if not EINVOICE.is_dir():
    EINVOICE = Path("/work/shared/einvoice")
DEC1 = "2026-12-01T09:00:00+01:00"
NOV2 = "2026-11-02T08:30:00+01:00"

SELLER = """  vat: "21"
  seller: {name: Kade IT B.V., address: [Wijnhaven 3, 3011 WG Rotterdam], country: NL,
           vat_id: NL004495445B01, coc: "24512345", iban: NL91ABNA0417164300, bic: ABNANL2A,
           payment_days: 14, email: billing@kade-it.nl}
"""
ORGS = """orgs:
  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85, language: nl, country: NL,
            vat_id: NL810433941B01, address: [Stationsplein 12, 3511 ED Utrecht], reference: PO-118}
  fabrikam: {name: Fabrikam GmbH, domains: [fabrikam.de], rate: ONSITE, language: de, country: DE,
             vat_id: DE136695976, address: [Industriestr. 5, 70565 Stuttgart], reference: PO-4711,
             peppol: "9930:de136695976"}
  fjordlys: {name: Fjordlys Sjømat AS, domains: [fjordlys.no], language: "no", country: "NO",
             vat_id: NO974760673MVA, address: [Strandkaien 4, 5013 Bergen]}
  clinic: {name: Kliniek Zuid, domains: [kliniekzuid.nl], language: nl, country: NL, vat: exempt,
           address: [Zuidplein 1, 3083 CW Rotterdam]}
"""


def policy(orgs: str = ORGS, seller: str = SELLER) -> str:
    text = DEFAULT_POLICY.replace("{user}", "anna")
    text = re.sub(r'  vat: "21".*\n', seller.replace("\\", "\\\\"), text)
    return text.replace("orgs: {}\n", orgs)


def worked_desk(root: Path) -> Desk:
    d = make_desk(root, policy=policy())
    d.now = DEC1
    for org, dur, at in (("contoso", "1h30m", "2026-11-24T10:00"), ("fabrikam", "45m", "2026-11-24T11:00"),
                         ("fjordlys", "20m", "2026-11-28T10:00"), ("clinic", "10m", "2026-11-25T09:00")):
        tid = d.new("--title", f"printer of {org}", "--org", org, now=NOV2)
        d.ok("work", tid, dur, "--at", at, "-m", f"fixed it for {org}")
    return d


@pytest.fixture
def vdesk(tmp_path: Path) -> Desk:
    return worked_desk(tmp_path / "desk")


@pytest.fixture(scope="session")
def ubl_rules():
    saxonche = pytest.importorskip("saxonche")
    if not (EINVOICE / "EN16931-UBL-validation.xslt").is_file():
        pytest.skip(f"the EN 16931 validation rules are not in {EINVOICE}")
    proc = saxonche.PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(EINVOICE / "EN16931-UBL-validation.xslt"))
    return proc, xslt


def peppol_xslt() -> Path | None:
    """The official Peppol BIS Billing 3.0 rules (OpenPEPPOL/peppol-bis-invoice-3,
    PEPPOL-EN16931-UBL.sch compiled to XSLT), where this machine has them:
    $TIX_PEPPOL_RULES, or beside the EN 16931 rules in ../shared/einvoice."""
    import os

    for p in (os.environ.get("TIX_PEPPOL_RULES"), EINVOICE / "PEPPOL-EN16931-UBL.xslt"):
        if p and Path(p).is_file():
            return Path(p)
    return None


@pytest.fixture(scope="session")
def peppol_rules():
    saxonche = pytest.importorskip("saxonche")
    path = peppol_xslt()
    if path is None:
        pytest.skip(f"the Peppol BIS Billing 3.0 rules are not here: put PEPPOL-EN16931-UBL.xslt in {EINVOICE} "
                    "or name it in TIX_PEPPOL_RULES")
    proc = saxonche.PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
    return proc, xslt


def fatal(rules, xml: bytes) -> list[str]:
    """The fatal findings of the EN 16931 rules for this document."""
    proc, xslt = rules
    node = proc.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = xslt.transform_to_string(xdm_node=node)
    assert "svrl:fired-rule" in svrl  # the rules did run
    return [m.group(0)[:400] for m in re.finditer(r"<svrl:failed-assert[^>]*flag=\"fatal\".*?</svrl:failed-assert>",
                                                 svrl, re.S)]


# ---------------------------------------------------------------- VAT categories

@pytest.mark.parametrize(("buyer", "want"), [
    (Buyer(country="NL", vat_id="NL810433941B01"), "standard"),
    (Buyer(country="DE", vat_id="DE136695976"), "reverse-charge"),
    (Buyer(country="CZ", vat_id="CZ25123891"), "reverse-charge"),
    (Buyer(country="DE"), "standard"),  # a consumer in another EU country pays Dutch VAT
    (Buyer(country="NO", vat_id="NO974760673MVA"), "export"),
    (Buyer(country="GB", vat_id="GB980780684"), "export"),
    (Buyer(country="DE", vat_id="DE136695976", vat="standard"), "standard"),  # set by hand wins
    (Buyer(country="NL", vat="exempt"), "exempt"),
    (None, "standard"),
])
def test_category_follows_from_the_countries(buyer, want):
    assert category_for("NL", buyer) == want


def test_invoice_vat_per_organisation(vdesk):
    d = json.loads(vdesk.ok("invoice", "2026-11", "--format", "json", now=DEC1))
    orgs = {o["org"]: o for o in d["orgs"]}
    assert orgs["contoso"] | {} == orgs["contoso"]
    assert (orgs["contoso"]["amount"], orgs["contoso"]["vat"], orgs["contoso"]["total_incl_vat"]) == \
        ("127.50", "26.78", "154.28")
    assert orgs["contoso"]["vat_category"] == "standard" and orgs["contoso"]["vat_percent"] == "21"
    assert (orgs["fabrikam"]["amount"], orgs["fabrikam"]["vat"], orgs["fabrikam"]["vat_category"]) == \
        ("71.25", "0.00", "reverse-charge")
    assert (orgs["fjordlys"]["amount"], orgs["fjordlys"]["vat"], orgs["fjordlys"]["vat_category"]) == \
        ("63.75", "0.00", "export")
    assert (orgs["clinic"]["amount"], orgs["clinic"]["vat"], orgs["clinic"]["vat_category"]) == \
        ("21.25", "0.00", "exempt")
    assert (d["total"], d["vat"], d["total_incl_vat"]) == ("283.75", "26.78", "310.53")


def test_issued_invoice_keeps_its_vat_when_the_policy_changes(vdesk):
    vdesk.ok("invoice", "2026-11", "--mark", now=DEC1)
    before = vdesk.ok("invoice", "--show", "2026-11-001", "--format", "json")
    pol = vdesk.root / "policies.yaml"
    pol.write_text(pol.read_text().replace("country: DE,", "country: NL,").replace('vat: "21"', 'vat: "19"'))
    assert vdesk.ok("invoice", "--show", "2026-11-001", "--format", "json") == before
    assert json.loads(before)["vat"] == "26.78"


@pytest.mark.parametrize(("change", "message"), [
    (("vat: exempt", "vat: zero"), "orgs.clinic.vat: 'zero' is not one of standard, reverse-charge, export, exempt"),
    (("country: DE,", "country: Germany,"), "orgs.fabrikam.country: 'Germany' is not a two-letter country code"),
    (("payment_days: 14", "payment_days: soon"), "billing.seller.payment_days: 'soon' is not a number of days"),
    (("bic: ABNANL2A,", "bank: ABNANL2A,"), "billing.seller.bank: unknown key"),
    (('peppol: "9930:de136695976"', "peppol: de136695976"), "orgs.fabrikam.peppol: 'de136695976' is not an endpoint"),
])
def test_bad_invoicing_keys_are_refused(tmp_path, change, message):
    d = worked_desk(tmp_path / "desk")
    pol = d.root / "policies.yaml"
    pol.write_text(pol.read_text().replace(*change))
    before = d.snapshot()
    r = d.run("invoice", "2026-11", now=DEC1)
    assert r.code == 2 and message in r.err and "Traceback" not in r.err
    assert r.err.count("\n") == 1
    assert d.snapshot() == before


def test_fsck_checks_vat_numbers_and_iban(vdesk):
    assert vdesk.run("fsck").code == 0
    pol = vdesk.root / "policies.yaml"
    text = pol.read_text()
    text = text.replace("NL91ABNA0417164300", "NL91ABNA0417164301").replace("DE136695976,", "DE136695975,")
    text = text.replace("vat_id: NO974760673MVA", "vat_id: DE136695976")
    pol.write_text(text)
    r = vdesk.run("fsck")
    assert r.code != 0
    lines = {ln for ln in r.out.splitlines() + r.err.splitlines() if "policies.yaml" in ln}
    iban_line = next(i for i, t in enumerate(text.splitlines(), 1) if "iban:" in t)
    assert any(ln.startswith(f"policies.yaml:{iban_line}: billing.seller.iban: 'NL91ABNA0417164301' is not a valid "
                             "IBAN") for ln in lines), lines
    assert any("orgs.fabrikam.vat_id: 'DE136695975' is not a valid VAT number" in ln for ln in lines), lines
    assert any("orgs.fjordlys.vat_id: 'DE136695976' is a DE VAT number, but the country is NO" in ln
               for ln in lines), lines


def test_reverse_charge_without_a_vat_number_is_reported(tmp_path):
    orgs = ORGS.replace("vat_id: DE136695976, ", "").replace("fabrikam: {", "fabrikam: {vat: reverse-charge, ")
    d = make_desk(tmp_path / "desk", policy=policy(orgs))
    r = d.run("fsck")
    assert r.code != 0
    assert "orgs.fabrikam: VAT reverse charge needs the buyer's VAT number (vat_id)" in r.out + r.err


def test_demo_policy_vat_for_its_seven_customers():
    from tix.core.billing import org_vat
    from tix.core.policy import load_policy
    from tix.core.vat import check_numbers

    p = load_policy(ROOT / "policies.yaml")
    got = {k: c for k, (c, _pct) in org_vat(p, p.orgs).items()}
    assert got == {"contoso": "standard", "delinde": "standard", "meulen": "standard",
                   "fabrikam": "reverse-charge", "dvorak": "reverse-charge",
                   "fjordlys": "export", "northwind": "export"}
    assert check_numbers(p) == []
    assert p.billing.seller is not None and p.billing.seller.iban == "NL91ABNA0417164300"


# ---------------------------------------------------------------- UBL

def test_ubl_of_every_demo_organisation_passes_en16931(tmp_path, ubl_rules):
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(ROOT / "policies.yaml", demo / "policies.yaml")
    shutil.copytree(ROOT / "tickets", demo / "tickets")
    shutil.copytree(ROOT / "invoices", demo / "invoices")
    d = Desk(demo, "sanne", DEC1)
    out = tmp_path / "ubl"
    r = d.run("invoice", "2026-11", "--format", "ubl", "-o", f"{out}/")
    assert r.code == 0, r.err
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"draft-2026-11-{o}.xml" for o in
                                       ("contoso", "delinde", "dvorak", "fabrikam", "fjordlys", "meulen", "northwind")]
    inv = json.loads(d.ok("invoice", "2026-11", "--format", "json"))
    for f in files:
        xml = f.read_bytes()
        assert fatal(ubl_rules, xml) == [], f.name
        org = f.stem.rsplit("-", 1)[1]
        o = next(x for x in inv["orgs"] if x["org"] == org)
        assert f'<cbc:PayableAmount currencyID="EUR">{o["total_incl_vat"]}</cbc:PayableAmount>'.encode() in xml
        assert f'<cbc:TaxExclusiveAmount currencyID="EUR">{o["amount"]}</cbc:TaxExclusiveAmount>'.encode() in xml
        assert xml.count(b"<cac:InvoiceLine>") == sum(1 for x in inv["lines"] if x["org"] == org)
    fab = (out / "draft-2026-11-fabrikam.xml").read_text()
    assert "<cbc:Note>Steuerschuldnerschaft des Leistungsempfängers</cbc:Note>" in fab
    assert "<cbc:ID>AE</cbc:ID>" in fab and "<cbc:CompanyID>DE136695976</cbc:CompanyID>" in fab
    assert '<cbc:EndpointID schemeID="9930">de136695976</cbc:EndpointID>' in fab
    assert "<cbc:Note>Daň odvede zákazník</cbc:Note>" in (out / "draft-2026-11-dvorak.xml").read_text()
    nw = (out / "draft-2026-11-northwind.xml").read_text()
    assert "<cbc:ID>O</cbc:ID>" in nw and "GB980780684" not in nw  # outside the scope: no VAT numbers


def test_ubl_edge_cases_pass_en16931(vdesk, ubl_rules, tmp_path):
    """Standard with half-up VAT, reverse charge, export, exempt, a multiplier line; issued numbers."""
    vdesk.ok("invoice", "2026-11", "--mark", now=DEC1)
    out = tmp_path / "out"
    r = vdesk.run("invoice", "--show", "2026-11-001", "--format", "ubl", "-o", f"{out}/")
    assert r.code == 0, r.err
    for f in sorted(out.iterdir()):
        assert fatal(ubl_rules, f.read_bytes()) == [], f.name
    con = (out / "2026-11-001-contoso.xml").read_text()
    assert "<cbc:ID>2026-11-001-contoso</cbc:ID>" in con and "<cbc:DueDate>2026-12-15</cbc:DueDate>" in con
    assert '<cbc:TaxAmount currencyID="EUR">26.78</cbc:TaxAmount>' in con
    assert '<cbc:InvoicedQuantity unitCode="HUR">1.5</cbc:InvoicedQuantity>' in con
    assert "<cbc:BuyerReference>PO-118</cbc:BuyerReference>" in con
    fj = (out / "2026-11-001-fjordlys.xml").read_text()
    assert '<cbc:PriceAmount currencyID="EUR">127.5</cbc:PriceAmount>' in fj  # 85.00 x 1.5 after hours
    assert '<cbc:LineExtensionAmount currencyID="EUR">63.75</cbc:LineExtensionAmount>' in fj
    assert "<cbc:ID>E</cbc:ID>" in (out / "2026-11-001-clinic.xml").read_text()


def test_ubl_with_the_pdf_embedded(vdesk, ubl_rules, tmp_path):
    import base64

    r = vdesk.run("invoice", "2026-11", "--org", "fabrikam", "--format", "ubl", "--embed-pdf")
    assert r.code == 0, r.err
    xml = r.out.encode()
    assert fatal(ubl_rules, xml) == []
    m = re.search(rb'<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="([^"]+)">([^<]+)<', xml)
    assert m and m.group(1) == b"DRAFT-2026-11.pdf"
    pdf = tmp_path / "embedded.pdf"
    pdf.write_bytes(base64.b64decode(m.group(2)))
    assert "Rechnung" in pdf_text(pdf) and "71,25 €" in pdf_text(pdf)
    assert vdesk.run("invoice", "2026-11", "--format", "pdf", "--embed-pdf", "-o", f"{tmp_path}/x/").code == 2


def test_ubl_rounding_at_many_lines(tmp_path, ubl_rules):
    """47 lines of 7 minutes at 0.85/h after hours: each 15 min x 0.85 x 1.5 / 60 = 0.31875 -> 0.32;
    net 47 x 0.32 = 15.04; VAT 21 % = 3.1584 -> 3.16; total 18.20."""
    orgs = ORGS.replace("rate: PROGP85, language: nl", "rate: DIME, language: nl")
    text = policy(orgs).replace('rates: {PROGP85: "85.00", ONSITE: "95.00"}',
                                'rates: {PROGP85: "85.00", ONSITE: "95.00", DIME: "0.85"}')
    d = make_desk(tmp_path / "desk", policy=text)
    d.now = DEC1
    tid = d.new("--title", "many small things", "--org", "contoso", now=NOV2)
    for k in range(47):
        d.ok("work", tid, "7m", "--at", f"2026-11-28T{8 + k // 6:02d}:{(k % 6) * 8:02d}")
    r = d.run("invoice", "2026-11", "--format", "ubl", now=DEC1)
    assert r.code == 0, r.err
    xml = r.out.encode()
    assert fatal(ubl_rules, xml) == []
    assert xml.count(b"<cac:InvoiceLine>") == 47
    assert b'<cbc:TaxExclusiveAmount currencyID="EUR">15.04</cbc:TaxExclusiveAmount>' in xml
    assert b'<cbc:TaxAmount currencyID="EUR">3.16</cbc:TaxAmount>' in xml
    assert b'<cbc:PayableAmount currencyID="EUR">18.20</cbc:PayableAmount>' in xml
    amounts = re.findall(rb'<cbc:LineExtensionAmount currencyID="EUR">([\d.]+)<', xml)[1:]  # [0]: the total
    assert len(amounts) == 47 and sum(Decimal(x.decode()) for x in amounts) == Decimal("15.04")


def test_ubl_passes_the_peppol_bis_billing_rules(tmp_path, ubl_rules, peppol_rules):
    """Peppol BIS Billing 3.0's own rules on top of EN 16931 (endpoint IDs and
    their schemes, the Dutch NL-R rules for a Dutch seller: street, city and
    post code, the KVK number as 0106, payment means; credit notes referencing
    their invoice): zero fatal findings for every demo organisation, an issued
    invoice with standard, reverse-charge, export and exempt customers and an
    after-hours line, the PDF embedded, and a whole and a partial credit note."""
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(ROOT / "policies.yaml", demo / "policies.yaml")
    shutil.copytree(ROOT / "tickets", demo / "tickets")
    shutil.copytree(ROOT / "invoices", demo / "invoices")
    d = Desk(demo, "sanne", DEC1)
    docs: dict[str, bytes] = {}
    assert d.run("invoice", "2026-11", "--format", "ubl", "-o", f"{tmp_path / 'demo-ubl'}/").code == 0
    docs.update({f"demo {f.name}": f.read_bytes() for f in sorted((tmp_path / "demo-ubl").iterdir())})
    assert len(docs) == 7
    v = worked_desk(tmp_path / "desk")
    inv = json.loads(v.ok("invoice", "2026-11", "--mark", "--format", "json"))
    assert v.run("invoice", "--show", "2026-11-001", "--format", "ubl", "-o", f"{tmp_path / 'inv'}/").code == 0
    docs.update({f"invoice {f.name}": f.read_bytes() for f in sorted((tmp_path / "inv").iterdir())})
    r = v.run("invoice", "--show", "2026-11-001", "--format", "ubl", "--embed-pdf", "-o", f"{tmp_path / 'pdf'}/")
    assert r.code == 0, r.err
    docs.update({f"with its PDF {f.name}": f.read_bytes() for f in sorted((tmp_path / "pdf").iterdir())})
    fab = next(x for x in inv["lines"] if x["org"] == "fabrikam")["event_id"]
    v.ok("invoice", "--credit", "2026-11-001", "--line", fab, "-m", "goodwill", "--write-off")
    v.ok("invoice", "--credit", "2026-11-001",
         *[a for x in inv["lines"] if x["org"] != "fabrikam" for a in ("--line", x["event_id"])], "-m", "wrong rate")
    for cn in ("CN-2026-11-001", "CN-2026-11-002"):
        assert v.run("invoice", "--show", cn, "--format", "ubl", "-o", f"{tmp_path / cn}/").code == 0
        docs.update({f"{cn} {f.name}": f.read_bytes() for f in sorted((tmp_path / cn).iterdir())})
    assert sum(1 for k in docs if k.startswith("CN-")) == 4
    for name, xml in docs.items():
        assert fatal(peppol_rules, xml) == [], name
        assert fatal(ubl_rules, xml) == [], name
    con = docs["invoice 2026-11-001-contoso.xml"].decode()
    assert "<cbc:CityName>Utrecht</cbc:CityName>" in con and "<cbc:PostalZone>3511 ED</cbc:PostalZone>" in con
    assert '<cbc:CompanyID schemeID="0106">24512345</cbc:CompanyID>' in con
    assert '<cbc:EndpointID schemeID="9944">nl810433941b01</cbc:EndpointID>' in con
    fj, dl = docs["invoice 2026-11-001-fjordlys.xml"].decode(), docs["demo draft-2026-11-delinde.xml"].decode()
    assert '<cbc:EndpointID schemeID="0192">974760673</cbc:EndpointID>' in fj  # the Norwegian organisation number
    assert '<cbc:EndpointID schemeID="0106">27312345</cbc:EndpointID>' in dl  # its KVK number, from the policy
    assert all(b'schemeID="EM"' not in x for x in docs.values())  # not an endpoint scheme of Peppol


@pytest.mark.parametrize(("lines", "country", "want"), [
    (["Wijnhaven 3", "3011 WG Rotterdam"], "NL", ("Wijnhaven 3", None, "3011 WG", "Rotterdam")),
    (["Industriestr. 5", "70565 Stuttgart"], "DE", ("Industriestr. 5", None, "70565", "Stuttgart")),
    (["Náměstí 1", "692 01 Mikulov"], "CZ", ("Náměstí 1", None, "692 01", "Mikulov")),
    (["Strandkaien 4", "5013 Bergen"], "NO", ("Strandkaien 4", None, "5013", "Bergen")),
    (["14 Wharf Road", "London N1 7GR"], "GB", ("14 Wharf Road", None, "N1 7GR", "London")),
    (["Postbus 12", "Gebouw B", "1000 AA Amsterdam"], "NL", ("Postbus 12", "Gebouw B", "1000 AA", "Amsterdam")),
    (["Main Street 1"], "NL", ("Main Street 1", None, None, None)),
    (["Main Street 1", "Somewhere"], "DE", ("Main Street 1", "Somewhere", None, None)),
])
def test_address_lines_as_street_post_code_and_city(lines, country, want):
    from tix.core.vat import postal_address

    a = postal_address(lines, country)
    assert (a.street, a.additional, a.zone, a.city) == want


def test_fsck_wants_a_peppol_endpoint_where_ubl_is_mailed(tmp_path):
    orgs = ORGS.replace("vat: exempt,", "vat: exempt, ubl: true,")
    d = make_desk(tmp_path / "desk", policy=policy(orgs))
    r = d.run("fsck")
    assert r.code != 0 and "orgs.clinic: its UBL e-invoice needs a Peppol endpoint" in r.out + r.err
    d2 = make_desk(tmp_path / "desk2", policy=policy(orgs.replace("ubl: true,", 'ubl: true, peppol: "0106:12345678",')))
    assert "Peppol endpoint" not in (r2 := d2.run("fsck")).out + r2.err


def test_document_formats_need_a_target(vdesk, tmp_path):
    before = vdesk.snapshot()
    r = vdesk.run("invoice", "2026-11", "--format", "ubl", now=DEC1)
    assert r.code == 2 and "the invoice has 4 organisations" in r.err
    r = vdesk.run("invoice", "2026-11", "--mark", "--format", "ubl", "-o", str(tmp_path / "one.xml"), now=DEC1)
    assert r.code == 2 and "give a folder" in r.err
    r = vdesk.run("invoice", "2026-11", "--format", "json", "-o", str(tmp_path / "x.json"), now=DEC1)
    assert r.code == 2 and "only for --format pdf, ubl or facturx" in r.err
    r = vdesk.run("invoice", "2026-11", "--format", "ubl", "-o", str(tmp_path / "no" / "such" / "x.xml"), now=DEC1)
    assert r.code == 2 and "does not exist" in r.err
    assert vdesk.snapshot() == before
    assert not (tmp_path / "one.xml").exists()


# ---------------------------------------------------------------- PDF

def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext (poppler) extracts it, spaces normalised."""
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \u00a0\u202f]+", " ", out)


def test_pdf_per_organisation_in_its_language(vdesk, tmp_path):
    tid = vdesk.new("--title", "printer of contoso again", "--org", "contoso", now=NOV2)
    vdesk.ok("comment", tid, "--internal", "-m", "SECRET-INTERNAL-7f3a do not bill the toner")
    vdesk.ok("work", tid, "15m", "--at", "2026-11-26T14:00", "-m", "toner replaced")
    vdesk.ok("invoice", "2026-11", "--mark")
    inv = json.loads(vdesk.ok("invoice", "--show", "2026-11-001", "--format", "json"))
    out = tmp_path / "pdf"
    r = vdesk.run("invoice", "--show", "2026-11-001", "--format", "pdf", "-o", f"{out}/")
    assert r.code == 0, r.err
    assert sorted(p.name for p in out.iterdir()) == [f"2026-11-001-{o}.pdf" for o in
                                                     ("clinic", "contoso", "fabrikam", "fjordlys")]
    con = pdf_text(out / "2026-11-001-contoso.pdf")
    # Dutch: "€ 127,50", dates 24-11-2026, due 14 days after issue (2026-12-01 -> 15-12-2026)
    for s in ("Factuur", "Factuurnummer: 2026-11-001-contoso", "Factuurdatum: 01-12-2026", "Vervaldatum: 15-12-2026",
              "Contoso B.V.", "Stationsplein 12", "Btw-nummer: NL810433941B01", "Kade IT B.V.",
              "IBAN: NL91ABNA0417164300", "Uw referentie: PO-118", "24-11-2026 AB-0001 printer of contoso",
              "fixed it for contoso", "1,50 PROGP85 € 127,50", "toner replaced", "0,25 PROGP85 € 21,25",
              "Totaal excl. btw € 148,75", "Btw 21 % € 31,24", "Totaal € 179,99"):
        assert s in con, (s, con)
    assert "SECRET-INTERNAL" not in con and "toner replaced" in con
    assert "Factuur 2026-11-001-contoso · Pagina 1/1" in con
    c = next(o for o in inv["orgs"] if o["org"] == "contoso")
    assert (c["amount"], c["vat"], c["total_incl_vat"]) == ("148.75", "31.24", "179.99")  # 148.75 x 21 % = 31.2375
    fab = pdf_text(out / "2026-11-001-fabrikam.pdf")
    for s in ("Rechnung", "Rechnungsnummer: 2026-11-001-fabrikam", "USt-IdNr.: DE136695976",
              "Steuerschuldnerschaft des Leistungsempfängers", "Summe netto 71,25 €", "USt. 0 % 0,00 €",
              "Gesamtbetrag 71,25 €", "24.11.2026", "0,75 ONSITE 71,25 €"):
        assert s in fab, (s, fab)
    fj = pdf_text(out / "2026-11-001-fjordlys.pdf")
    for s in ("Faktura", "Fakturanummer: 2026-11-001-fjordlys", "Ikke avgiftspliktig: leveringssted utenfor EU",
              "28.11.2026", "0,50 PROGP85 63,75 €", "utenfor arbeidstid × 1,5", "Totalt 63,75 €"):
        assert s in fj, (s, fj)
    assert "Vrijgesteld van btw" in pdf_text(out / "2026-11-001-clinic.pdf")


def test_pdf_czech_number_and_date_formats(tmp_path):
    orgs = ORGS.replace("fabrikam: {name: Fabrikam GmbH,", "fabrikam: {name: Vinařství Dvořák s.r.o.,").replace(
        "language: de, country: DE", "language: cs, country: CZ").replace("DE136695976", "CZ25123891")
    d = make_desk(tmp_path / "desk", policy=policy(orgs))
    d.now = DEC1
    tid = d.new("--title", "Tiskárna netiskne", "--org", "fabrikam", now=NOV2)
    d.ok("work", tid, "9h", "--at", "2026-11-23T08:00", "-m", "Řešení provedeno")
    inv = json.loads(d.ok("invoice", "2026-11", "--org", "fabrikam", "--format", "json"))
    out = tmp_path / "cz.pdf"
    r = d.run("invoice", "2026-11", "--org", "fabrikam", "--format", "pdf", "-o", str(out))
    assert r.code == 0, r.err
    text = pdf_text(out)
    total = Decimal(inv["orgs"][0]["total_incl_vat"])
    assert total == Decimal("855.00")  # 9 h at ONSITE 95.00 inside hours, reverse-charged
    for s in ("Faktura", "Vinařství Dvořák s.r.o.", "DIČ: CZ25123891", "Daň odvede zákazník", "23. 11. 2026",
              "Celkem 855,00 €", "9,00 ONSITE 855,00 €", "Řešení provedeno",
              "Datum vystavení: 30. 11. 2026", "Datum splatnosti: 14. 12. 2026"):  # a draft: its month's last day
        assert s in text, (s, text)


def test_pdf_renders_to_an_image(vdesk, tmp_path):
    import subprocess

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out = tmp_path / "c.pdf"
    assert vdesk.run("invoice", "2026-11", "--org", "contoso", "--format", "pdf", "-o", str(out)).code == 0
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- Factur-X

@pytest.fixture(scope="session")
def cii_rules():
    saxonche = pytest.importorskip("saxonche")
    if not (EINVOICE / "EN16931-CII-validation.xslt").is_file():
        pytest.skip(f"the EN 16931 validation rules are not in {EINVOICE}")
    proc = saxonche.PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(EINVOICE / "EN16931-CII-validation.xslt"))
    return proc, xslt


def embedded_cii(pdf: bytes) -> bytes:
    from facturx import get_xml_from_pdf

    name, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    return xml


def assert_pdfa3(data: bytes) -> None:
    """PDF/A-3 markers: the XMP says part 3, an sRGB output intent, the XML as an associated file."""
    import io

    import pypdf

    root = pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert root["/AF"][0].get_object()["/F"] == "factur-x.xml"


def test_facturx_pdfa3_with_cii_passing_en16931(vdesk, tmp_path, cii_rules):
    vdesk.ok("invoice", "2026-11", "--mark")
    out = tmp_path / "fx"
    r = vdesk.run("invoice", "--show", "2026-11-001", "--format", "facturx", "-o", f"{out}/")
    assert r.code == 0, r.err
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"2026-11-001-{o}.facturx.pdf" for o in
                                       ("clinic", "contoso", "fabrikam", "fjordlys")]
    inv = json.loads(vdesk.ok("invoice", "--show", "2026-11-001", "--format", "json"))
    for f in files:
        data = f.read_bytes()
        assert data.startswith(b"%PDF-")
        assert_pdfa3(data)
        xml = embedded_cii(data)
        assert fatal(cii_rules, xml) == [], f.name
        org = f.name.split("-", 3)[3].split(".")[0]
        o = next(x for x in inv["orgs"] if x["org"] == org)
        assert f"<ram:GrandTotalAmount>{o['total_incl_vat']}</ram:GrandTotalAmount>".encode() in xml
        assert f"<ram:TaxBasisTotalAmount>{o['amount']}</ram:TaxBasisTotalAmount>".encode() in xml
        assert f"<ram:ID>{'2026-11-001-' + org}</ram:ID>".encode() in xml
    fab = embedded_cii((out / "2026-11-001-fabrikam.facturx.pdf").read_bytes()).decode()
    assert "<ram:CategoryCode>AE</ram:CategoryCode>" in fab and "Steuerschuldnerschaft" in fab
    assert '<ram:ID schemeID="VA">DE136695976</ram:ID>' in fab
    assert "Rechnung" in pdf_text(out / "2026-11-001-fabrikam.facturx.pdf")


def pdfa3_problems(data: bytes) -> list[str]:
    """What this machine can check of PDF/A-3b (ISO 19005-3) and Factur-X without a
    full validator (veraPDF is in neither Debian's archive nor PyPI here): the
    clauses a generator most often breaks, each a line when broken."""
    import io
    from xml.etree import ElementTree as ET

    import pypdf

    out: list[str] = []
    head = data[:64].split(b"\n")
    if not re.fullmatch(rb"%PDF-1\.[4-7]", head[0].rstrip(b"\r")):
        out.append(f"6.1.2 header {head[0]!r}")
    if not (head[1].startswith(b"%") and sum(1 for b in head[1][1:5] if b > 127) == 4):
        out.append("6.1.2 no binary comment after the header")
    r = pypdf.PdfReader(io.BytesIO(data))
    if r.is_encrypted or "/Encrypt" in r.trailer:
        out.append("6.1.3 encrypted")
    ids = r.trailer.get("/ID")
    if not ids or len(ids) != 2:
        out.append("6.1.3 no file identifier (trailer /ID)")
    root = r.trailer["/Root"]
    for key in ("/AA", "/JavaScript"):
        if key in root or key in root.get("/Names", {}):
            out.append(f"6.5 {key} in the catalog")
    # metadata: well-formed XMP, the PDF/A identification, every extension property declared
    meta = root["/Metadata"].get_object()
    xmp = meta.get_data()
    if b"bytes=" in xmp[:200] or b"encoding=" in xmp[:200]:
        out.append("6.6.2.1 xpacket with bytes or encoding")
    ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
          "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#", "dc": "http://purl.org/dc/elements/1.1/",
          "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#", "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
          "xmp": "http://ns.adobe.com/xap/1.0/"}
    x = ET.fromstring(xmp.decode("utf-8").split("?>", 1)[1].rsplit("<?xpacket", 1)[0])
    if (x.findtext(".//pdfaid:part", namespaces=ns), x.findtext(".//pdfaid:conformance", namespaces=ns)) != ("3", "B"):
        out.append("6.6.4 pdfaid is not part 3, conformance B")
    fx = {e.tag.split("}")[1]: e.text for e in x.iter() if e.tag.startswith("{" + ns["fx"])}
    if fx != {"DocumentType": "INVOICE", "DocumentFileName": "factur-x.xml", "Version": "1.0",
              "ConformanceLevel": "EN 16931"}:
        out.append(f"Factur-X XMP {fx}")
    declared = {(e.findtext("pdfaSchema:namespaceURI", namespaces=ns), p.text)
                for e in x.iter() if e.find("pdfaSchema:namespaceURI", ns) is not None
                for p in e.iter("{http://www.aiim.org/pdfa/ns/property#}name")}
    for name in fx:
        if (ns["fx"], name) not in declared:
            out.append(f"6.6.2.3 fx:{name} is not declared in a pdfaExtension schema")
    info = r.metadata or {}
    pairs = (("/Title", x.findtext(".//dc:title//rdf:li", namespaces=ns)),
             ("/Author", x.findtext(".//dc:creator//rdf:li", namespaces=ns)),
             ("/Subject", x.findtext(".//dc:description//rdf:li", namespaces=ns)),
             ("/Creator", x.findtext(".//xmp:CreatorTool", namespaces=ns)))
    for key, value in pairs:
        if key in info and info[key] != value:
            out.append(f"Info {key} {info[key]!r} differs from its XMP {value!r}")
    # colour: one PDF/A output intent with an RGB ICC profile
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if [i["/S"] for i in intents] != ["/GTS_PDFA1"]:
        out.append(f"6.2.3 output intents {[i.get('/S') for i in intents]}")
    else:
        icc = intents[0]["/DestOutputProfile"].get_object()
        prof = icc.get_data()
        if icc.get("/N") != 3 or prof[36:40] != b"acsp" or prof[16:20] != b"RGB ":
            out.append("6.2.3 the output intent's profile is not an RGB ICC profile")
    # fonts: every font of every page embedded
    for k, page in enumerate(r.pages, 1):
        for name, ref in (page["/Resources"].get("/Font") or {}).items():
            f = ref.get_object()
            desc = f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f
            fd = desc.get("/FontDescriptor")
            if fd is None or not any(k2 in fd.get_object() for k2 in ("/FontFile", "/FontFile2", "/FontFile3")):
                out.append(f"6.2.11.4 page {k}: font {name} {f.get('/BaseFont')} is not embedded")
    # the XML: an associated file of the document (PDF/A-3 6.8), listed, with its MIME type and date
    af = [a.get_object() for a in root.get("/AF", [])]
    if len(af) != 1:
        out.append(f"6.8 {len(af)} associated files")
    else:
        spec = af[0]
        if (spec.get("/F"), spec.get("/UF")) != ("factur-x.xml", "factur-x.xml"):
            out.append("6.8 the file specification lacks /F or /UF")
        if spec.get("/AFRelationship") not in ("/Data", "/Alternative", "/Source"):
            out.append(f"6.8 AFRelationship {spec.get('/AFRelationship')}")
        ef = spec["/EF"]["/F"].get_object()
        if ef.get("/Subtype") != "/text/xml" or "/ModDate" not in ef.get("/Params", {}):
            out.append("6.8 the embedded file has no MIME type or no modification date")
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
        if names[0] != "factur-x.xml" or names[1].get_object() != spec:
            out.append("the XML is not in the EmbeddedFiles name tree")
    return out


@pytest.mark.parametrize("what", ["invoice", "credit note"])
def test_facturx_pdfa3_structure(vdesk, tmp_path, what):
    """A full PDF/A validation (veraPDF) is not run; this checks the PDF/A-3b and
    Factur-X clauses that can be read with pypdf, for an invoice and a credit note."""
    vdesk.ok("invoice", "2026-11", "--mark")
    number = "2026-11-001"
    if what == "credit note":
        vdesk.ok("invoice", "--credit", number, "-m", "wrong rate")
        number = "CN-2026-11-001"
    out = tmp_path / "fx"
    assert vdesk.run("invoice", "--show", number, "--format", "facturx", "-o", f"{out}/").code == 0
    files = sorted(out.iterdir())
    assert len(files) == 4
    for f in files:
        assert pdfa3_problems(f.read_bytes()) == [], f.name
    # and the checks do catch what they look for
    data = files[0].read_bytes()
    assert "6.2.3 output intents ['/GTS_PDFX']" in pdfa3_problems(data.replace(b"/GTS_PDFA1", b"/GTS_PDFX"))
    other = data.replace(b"/AFRelationship /Data", b"/AFRelationship /Other")
    assert "6.8 AFRelationship /Other" in pdfa3_problems(other)
    assert any(p.startswith("6.1.2") for p in pdfa3_problems(data.replace(b"%PDF-1.4\n%", b"%PDF-1.4\n ", 1)))


def test_facturx_of_every_demo_organisation_passes_en16931(tmp_path, cii_rules):
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(ROOT / "policies.yaml", demo / "policies.yaml")
    shutil.copytree(ROOT / "tickets", demo / "tickets")
    shutil.copytree(ROOT / "invoices", demo / "invoices")
    d = Desk(demo, "sanne", DEC1)
    out = tmp_path / "fx"
    assert d.run("invoice", "2026-11", "--format", "facturx", "-o", f"{out}/").code == 0
    files = sorted(out.iterdir())
    assert len(files) == 7
    for f in files:
        assert fatal(cii_rules, embedded_cii(f.read_bytes())) == [], f.name


# ---------------------------------------------------------------- one invoice, five forms, the same cents

def test_pdf_ubl_facturx_json_csv_agree_to_the_cent(vdesk, tmp_path):
    import csv
    import io

    vdesk.ok("invoice", "2026-11", "--mark")
    show = ("invoice", "--show", "2026-11-001")
    inv = json.loads(vdesk.ok(*show, "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(vdesk.ok(*show, "--format", "csv"))))
    for fmt in ("pdf", "ubl", "facturx"):
        assert vdesk.run(*show, "--format", fmt, "-o", f"{tmp_path / fmt}/").code == 0
    for o in inv["orgs"]:
        org = o["org"]
        lines = [x for x in inv["lines"] if x["org"] == org]
        csv_lines = [r for r in rows if r["org"] == org]
        # CSV: the same lines and amounts
        assert [(r["entry_id"], r["amount"]) for r in csv_lines] == [(x["event_id"], x["amount"]) for x in lines]
        assert sum(Decimal(r["amount"]) for r in csv_lines) == Decimal(o["amount"])
        # UBL: the line amounts, net, VAT and total
        ubl = (tmp_path / "ubl" / f"2026-11-001-{org}.xml").read_text()
        amounts = re.findall(r'<cbc:LineExtensionAmount currencyID="EUR">([\d.]+)<', ubl)
        assert amounts == [o["amount"]] + [x["amount"] for x in lines]
        assert re.findall(r'<cbc:TaxAmount currencyID="EUR">([\d.]+)<', ubl) == [o["vat"], o["vat"]]
        assert f'<cbc:PayableAmount currencyID="EUR">{o["total_incl_vat"]}<' in ubl
        # Factur-X: the same in CII
        cii = embedded_cii((tmp_path / "facturx" / f"2026-11-001-{org}.facturx.pdf").read_bytes()).decode()
        assert re.findall(r"<ram:LineTotalAmount>([\d.]+)<", cii) == [x["amount"] for x in lines] + [o["amount"]]
        assert f'<ram:TaxTotalAmount currencyID="EUR">{o["vat"]}<' in cii
        assert f"<ram:DuePayableAmount>{o['total_incl_vat']}<" in cii
        # PDF: every line amount and the totals, in the organisation's number format
        from tix.render.locale import money

        lang = {"contoso": "nl", "fabrikam": "de", "fjordlys": "no", "clinic": "nl"}[org]
        text = pdf_text(tmp_path / "pdf" / f"2026-11-001-{org}.pdf")

        def fmt(v: str) -> str:
            return re.sub(r"[\u00a0\u202f]", " ", money(Decimal(v), "EUR", lang))  # noqa: B023

        for x in lines:
            assert fmt(x["amount"]) in text
        for v in (o["amount"], o["vat"], o["total_incl_vat"]):
            assert fmt(v) in text, (v, text)
    assert sum(Decimal(o["total_incl_vat"]) for o in inv["orgs"]) == Decimal(inv["total_incl_vat"]) == \
        Decimal("310.53")


# ---------------------------------------------------------------- credit notes

def test_credit_note_whole_invoice_makes_the_work_billable_again(vdesk, tmp_path, ubl_rules):
    vdesk.ok("invoice", "2026-11", "--mark")
    record = next((vdesk.root / "invoices").glob("2026-11-001.*.yaml"))
    issued = record.read_bytes()
    r = vdesk.run("invoice", "--credit", "2026-11-001", "-m", "wrong rate for Fabrikam", "--format", "json")
    assert r.code == 0, r.err
    cn = json.loads(r.out)
    assert cn["number"] == "CN-2026-11-001" and cn["credit_of"] == "2026-11-001" and cn["write_off"] is False
    assert (cn["total"], cn["vat"], cn["total_incl_vat"]) == ("283.75", "26.78", "310.53")
    assert record.read_bytes() == issued  # the invoice itself is never edited
    assert list((vdesk.root / "invoices" / "credits").glob("CN-2026-11-001.*.yaml"))
    # the credited work is billed again by the next invoice, once
    again = json.loads(vdesk.ok("invoice", "2026-11", "--mark", "--format", "json"))
    assert again["number"] == "2026-11-002" and again["total_incl_vat"] == "310.53"
    assert vdesk.run("invoice", "2026-11", "--mark").code == 1
    listing = json.loads(vdesk.ok("invoice", "--list", "--format", "json"))
    assert [(x["number"], x["kind"], x["credit_of"]) for x in listing] == [
        ("2026-11-001", "invoice", None), ("2026-11-002", "invoice", None),
        ("CN-2026-11-001", "credit note", "2026-11-001")]
    assert "CN-2026-11-001" in vdesk.ok("invoice", "--list")
    assert vdesk.run("fsck").code == 0  # billed on two invoices, but given back once in between
    # its UBL is a CreditNote referencing the invoice, valid under EN 16931
    out = tmp_path / "cn"
    assert vdesk.run("invoice", "--show", "CN-2026-11-001", "--format", "ubl", "-o", f"{out}/").code == 0
    for f in sorted(out.iterdir()):
        xml = f.read_bytes()
        assert xml.count(b"<CreditNote ") == 1 or b"CreditNote-2" in xml
        assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml
        assert b"<cbc:ID>2026-11-001</cbc:ID>" in xml  # BillingReference
        assert fatal(ubl_rules, xml) == [], f.name
    pdf = tmp_path / "cn.pdf"
    assert vdesk.run("invoice", "--show", "CN-2026-11-001", "--format", "pdf", "-o", f"{tmp_path}/cnpdf/").code == 0
    text = pdf_text(tmp_path / "cnpdf" / "CN-2026-11-001-contoso.pdf")
    assert "Creditnota" in text and "Crediteert factuur 2026-11-001" in text and "wrong rate for Fabrikam" in text
    assert not pdf.exists()


def test_credit_some_lines_with_write_off(vdesk, cii_rules, tmp_path):
    inv = json.loads(vdesk.ok("invoice", "2026-11", "--mark", "--format", "json"))
    fab = next(x for x in inv["lines"] if x["org"] == "fabrikam")["event_id"]
    r = vdesk.run("invoice", "--credit", "2026-11-001", "--line", fab, "-m", "goodwill", "--write-off",
                  "--format", "json")
    assert r.code == 0, r.err
    cn = json.loads(r.out)
    assert [x["event_id"] for x in cn["lines"]] == [fab] and cn["total_incl_vat"] == "71.25" and cn["write_off"]
    assert vdesk.run("invoice", "2026-11", "--mark").code == 1  # written off: not billed again
    # nothing is credited twice
    before = vdesk.snapshot()
    r = vdesk.run("invoice", "--credit", "2026-11-001", "--line", fab, "-m", "again")
    assert r.code == 2 and f"entry {fab} was already credited by CN-2026-11-001" in r.err
    r = vdesk.run("invoice", "--credit", "2026-11-001", "-m", "all")  # the whole invoice includes it
    assert r.code == 2 and "already credited" in r.err
    r = vdesk.run("invoice", "--credit", "2026-11-001", "--line", "01NOSUCHENTRY", "-m", "x")
    assert r.code == 2 and "--line 01NOSUCHENTRY: not a line of invoice 2026-11-001" in r.err
    r = vdesk.run("invoice", "--credit", "2026-11-001")
    assert r.code == 2 and "say why with -m REASON" in r.err
    assert vdesk.run("invoice", "--credit", "2026-11-099", "-m", "x").code == 2
    assert vdesk.snapshot() == before
    out = tmp_path / "fx"
    assert vdesk.run("invoice", "--show", "CN-2026-11-001", "--format", "facturx", "-o", f"{out}/").code == 0
    xml = embedded_cii((out / "CN-2026-11-001-fabrikam.facturx.pdf").read_bytes())
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and fatal(cii_rules, xml) == []


def test_fsck_reports_an_entry_credited_twice(vdesk):
    inv = json.loads(vdesk.ok("invoice", "2026-11", "--mark", "--format", "json"))
    vdesk.ok("invoice", "--credit", "2026-11-001", "-m", "first")
    credits = vdesk.root / "invoices" / "credits"
    first = next(credits.glob("CN-2026-11-001.*.yaml"))
    # a second clone credited the same invoice before syncing
    (credits / first.name.replace("CN-2026-11-001", "CN-2026-11-002")).write_text(
        first.read_text().replace("CN-2026-11-001", "CN-2026-11-002"))
    r = vdesk.run("fsck")
    assert r.code != 0
    eid = inv["lines"][0]["event_id"]
    assert f"work entry {eid} is credited twice: by CN-2026-11-001 and by CN-2026-11-002" in r.out + r.err
    # and two clones that both issued CN-2026-11-001
    (credits / first.name.replace(".AB.", ".CD.")).write_text(first.read_text())
    r = vdesk.run("fsck")
    assert "credit note number CN-2026-11-001 was also issued in invoices/credits/CN-2026-11-001.AB.yaml" \
        in r.out + r.err


# ---------------------------------------------------------------- sending

def test_mark_send_mails_each_organisation_once(tmp_path, monkeypatch):
    import email
    from email import policy as email_policy

    from tests.test_notify import Collector, local_smtp, start

    handler = Collector()
    ctrl = start(handler)
    try:
        xdg = tmp_path / "xdg"
        xdg.mkdir()
        monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
        local_smtp(xdg, ctrl.port)
        orgs = ORGS.replace("reference: PO-118}", "reference: PO-118, email: finance@contoso.com}")
        orgs = orgs.replace('peppol: "9930:de136695976"}',
                            'peppol: "9930:de136695976", billing_email: rechnung@fabrikam.de, ubl: true}')
        d = make_desk(tmp_path / "desk", policy=policy(orgs))
        d.now = DEC1
        for org, dur, at in (("contoso", "1h30m", "2026-11-24T10:00"), ("fabrikam", "45m", "2026-11-24T11:00"),
                             ("fjordlys", "20m", "2026-11-28T10:00")):
            tid = d.new("--title", f"printer of {org}", "--org", org, now=NOV2)
            d.ok("work", tid, dur, "--at", at, "-m", f"fixed it for {org}")
        r = d.run("invoice", "2026-11", "--mark", "--send")
        assert r.code == 0, r.err
        assert "contoso: sent to finance@contoso.com" in r.err and "fabrikam: sent to rechnung@fabrikam.de" in r.err
        assert "fjordlys: not sent: no billing address" in r.err
        msgs = {m["to"][0]: email.message_from_bytes(m["raw"], policy=email_policy.default) for m in handler.messages}
        assert sorted(msgs) == ["finance@contoso.com", "rechnung@fabrikam.de"]
        con = msgs["finance@contoso.com"]
        assert con["Subject"] == "Factuur 2026-11-001-contoso van Kade IT B.V."
        assert "€\u00a0154,28" in con.get_body().get_content() and "november 2026" in con.get_body().get_content()
        atts = {a.get_filename(): a.get_content() for a in con.iter_attachments()}
        assert list(atts) == ["2026-11-001-contoso.pdf", "report-2026-11-contoso.html"]
        assert atts["2026-11-001-contoso.pdf"][:5] == b"%PDF-"
        assert "Maandrapport november 2026" in atts["report-2026-11-contoso.html"]  # the IT manager's, in Dutch
        fab = msgs["rechnung@fabrikam.de"]
        assert fab["Subject"] == "Rechnung 2026-11-001-fabrikam von Kade IT B.V."
        names = sorted(a.get_filename() for a in fab.iter_attachments())
        assert names == ["2026-11-001-fabrikam.pdf", "2026-11-001-fabrikam.xml", "report-2026-11-fabrikam.html"]
        # once: a second --send mails nobody again
        r = d.run("invoice", "--show", "2026-11-001", "--send")
        assert r.code == 0 and "contoso: already sent to finance@contoso.com" in r.err
        assert len(handler.messages) == 2
    finally:
        ctrl.stop()


def test_notify_mails_marked_invoices_once(tmp_path, monkeypatch):
    """`tix invoice --mark` without --send, then `tix notify`: each organisation's
    billing contact gets its invoice (PDF, UBL where wanted, its IT-manager
    report) once, in the record --send keeps; a credit note the same way; an
    invoice issued longer ago than --max-age is not mailed."""
    import email
    from email import policy as email_policy

    from tests.test_notify import Collector, local_smtp, start

    handler = Collector()
    ctrl = start(handler)
    try:
        xdg = tmp_path / "xdg"
        xdg.mkdir()
        monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
        local_smtp(xdg, ctrl.port)
        orgs = ORGS.replace("reference: PO-118}", "reference: PO-118, email: finance@contoso.com}")
        orgs = orgs.replace('peppol: "9930:de136695976"}',
                            'peppol: "9930:de136695976", billing_email: rechnung@fabrikam.de, ubl: true}')
        d = make_desk(tmp_path / "desk", policy=policy(orgs))
        d.now = DEC1
        for org, dur, at in (("contoso", "1h30m", "2026-11-24T10:00"), ("fabrikam", "45m", "2026-11-24T11:00"),
                             ("fjordlys", "20m", "2026-11-28T10:00")):
            tid = d.new("--title", f"printer of {org}", "--org", org, now=NOV2)
            d.ok("work", tid, dur, "--at", at, "-m", f"fixed it for {org}")
        inv = json.loads(d.ok("invoice", "2026-11", "--mark", "--format", "json"))
        assert inv["number"] == "2026-11-001"

        def invoice_mails() -> list:
            out = []
            for m in handler.messages:
                msg = email.message_from_bytes(m["raw"], policy=email_policy.default)
                if msg["X-Tix-Ticket"] is None:  # not a ticket's notification
                    out.append((m["to"][0], msg))
            return out

        # longer ago than --max-age (7 days): not mailed
        later = "2026-12-09T09:00:00+01:00"
        r = d.run("notify", now=later)
        assert r.code == 0, r.err
        assert invoice_mails() == [] and "2026-11-001" not in r.out
        # a dry run shows them and sends nothing
        r = d.run("notify", "--dry-run", now="2026-12-01T10:00:00+01:00")
        assert r.code == 0, r.err
        assert "=== invoice 2026-11-001 contoso (nl) ===" in r.out and "Subject: Factuur 2026-11-001-contoso" in r.out
        assert "Attachments: 2026-11-001-fabrikam.pdf, 2026-11-001-fabrikam.xml, report-2026-11-fabrikam.html" \
            in r.out
        assert invoice_mails() == []
        # the run after marking mails each organisation with an address
        r = d.run("notify", now="2026-12-01T10:00:00+01:00")
        assert r.code == 0, r.err
        assert "invoice 2026-11-001: sent to contoso <finance@contoso.com>: Factuur 2026-11-001-contoso van " \
            "Kade IT B.V." in r.out
        assert "invoice 2026-11-001: sent to fabrikam <rechnung@fabrikam.de>" in r.out
        assert "invoice 2026-11-001: fjordlys: not sent: no billing address" in r.err
        mails = dict(invoice_mails())
        assert sorted(mails) == ["finance@contoso.com", "rechnung@fabrikam.de"]
        con = mails["finance@contoso.com"]
        assert con["Subject"] == "Factuur 2026-11-001-contoso van Kade IT B.V." and con["Content-Language"] == "nl"
        assert "€\u00a0154,28" in con.get_body().get_content()
        atts = {a.get_filename(): a.get_content() for a in con.iter_attachments()}
        assert list(atts) == ["2026-11-001-contoso.pdf", "report-2026-11-contoso.html"]
        assert atts["2026-11-001-contoso.pdf"][:5] == b"%PDF-"
        assert "Maandrapport november 2026" in atts["report-2026-11-contoso.html"]
        fab = mails["rechnung@fabrikam.de"]
        assert sorted(a.get_filename() for a in fab.iter_attachments()) == [
            "2026-11-001-fabrikam.pdf", "2026-11-001-fabrikam.xml", "report-2026-11-fabrikam.html"]
        # exactly once: notify again, and --send, mail nobody again
        r = d.run("notify", now="2026-12-01T10:05:00+01:00")
        assert r.code == 0 and "2026-11-001" not in r.out
        r = d.run("invoice", "--show", "2026-11-001", "--send", now="2026-12-01T10:06:00+01:00")
        assert r.code == 0 and "contoso: already sent to finance@contoso.com" in r.err
        assert len(invoice_mails()) == 2
        # and what --send mailed, notify does not mail again: a credit note
        fab_line = next(x for x in inv["lines"] if x["org"] == "fabrikam")["event_id"]
        d.ok("invoice", "--credit", "2026-11-001", "--line", fab_line, "-m", "Kulanz",
             now="2026-12-02T09:00:00+01:00")
        r = d.run("notify", "--format", "json", now="2026-12-02T09:10:00+01:00")
        assert r.code == 0, r.err
        sent = [x for x in json.loads(r.out) if x["ticket"] is None]
        assert [(x["kind"], x["to"], x["subject"]) for x in sent] == [
            ("credit note", ["rechnung@fabrikam.de"], "Gutschrift CN-2026-11-001 von Kade IT B.V.")]
        assert len(invoice_mails()) == 3
        assert d.run("notify", now="2026-12-02T09:20:00+01:00").out.count("CN-2026-11-001") == 0
        assert len(invoice_mails()) == 3
    finally:
        ctrl.stop()


# ---------------------------------------------------------------- start-up

@pytest.mark.parametrize("args", [["--help"], ["list"], ["show", "AB-0001"]])
def test_everyday_commands_do_not_import_the_document_libraries(vdesk, args):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "tix", *args], capture_output=True, text=True,
                       env=vdesk.env(), cwd=vdesk.root, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]
    heavy = [ln for ln in p.stderr.splitlines()
             if re.search(r"\| +(fpdf|babel|stdnum|lxml|facturx|saxonche|PIL|pypdf)(\.|$)", ln)]
    assert heavy == []


def test_a_record_issued_before_parties_were_kept_still_makes_documents(vdesk, tmp_path, ubl_rules):
    """Old records have no org_vat or parties: the VAT stays as issued (21 % for all:
    26.78 + 14.96 + 13.39 + 4.46 = 59.59), the parties come from today's policy."""
    vdesk.ok("invoice", "2026-11", "--mark")
    rec = next((vdesk.root / "invoices").glob("2026-11-001.*.yaml"))
    text = rec.read_text()
    text = text[:text.index("org_vat:")] + text[text.index("\nentries:") + 1:]  # no org_vat, no parties
    text = re.sub(r"^vat: .*$", "vat: '59.59'", text, flags=re.M)
    rec.write_text(re.sub(r"^total_incl_vat: .*$", "total_incl_vat: '343.34'", text, flags=re.M))
    assert json.loads(vdesk.ok("invoice", "--show", "2026-11-001", "--format", "json"))["vat"] == "59.59"
    out = tmp_path / "ubl"
    assert vdesk.run("invoice", "--show", "2026-11-001", "--format", "ubl", "-o", f"{out}/").code == 0
    fab = (out / "2026-11-001-fabrikam.xml").read_bytes()
    assert fatal(ubl_rules, fab) == []
    assert b"<cbc:RegistrationName>Kade IT B.V.</cbc:RegistrationName>" in fab
    assert b'<cbc:TaxAmount currencyID="EUR">14.96</cbc:TaxAmount>' in fab  # as issued: 71.25 x 21 %


def test_history_guard_covers_credit_notes(tmp_path, git_env):
    import subprocess

    d = worked_desk(tmp_path / "desk")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=d.root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "desk")
    d.ok("invoice", "2026-11", "--mark")
    d.ok("invoice", "--credit", "2026-11-001", "-m", "wrong rate")
    git("add", "-A")
    git("commit", "-qm", "invoice and credit note")
    assert d.run("fsck", "--history").code == 0
    cn = next((d.root / "invoices" / "credits").glob("CN-2026-11-001.*.yaml"))
    cn.write_text(cn.read_text().replace("reason: wrong rate", "reason: something else"))
    git("commit", "-qam", "edit the credit note")
    r = d.run("fsck", "--history")
    assert r.code != 0 and "history: issued credit note changed" in r.out + r.err
