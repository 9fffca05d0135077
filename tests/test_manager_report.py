"""The IT manager's report (`tix report month --org O`) in the organisation's
language, with its number, money and date conventions (Babel), on the demo
desk; the JSON stays the machine form, English organisations the desk's report."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Desk

ROOT = Path(__file__).resolve().parent.parent
DEC1 = "2026-12-01T09:00:00+01:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    root = tmp_path_factory.mktemp("demo") / "desk"
    root.mkdir()
    shutil.copy(ROOT / "policies.yaml", root / "policies.yaml")
    shutil.copytree(ROOT / "tickets", root / "tickets")
    shutil.copytree(ROOT / "invoices", root / "invoices")
    return Desk(root, "sanne", DEC1)


def money_nl(v: str) -> str:
    whole, cents = f"{Decimal(v):,.2f}".split(".")
    return f"€\u00a0{whole.replace(',', '.')},{cents}"


def test_dutch_it_manager_report(demo: Desk) -> None:
    data = json.loads(demo.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json"))
    text = demo.ok("report", "month", "2026-11", "--org", "contoso")
    assert text.startswith("Maandrapport november 2026 \u2014 Contoso B.V.\n")
    assert "Periode: 01-11-2026 \u2013 30-11-2026" in text
    for word in ("Tijd en kosten", "Serviceniveaus", "Tickets van Contoso B.V.", "uren gewerkt", "aanvrager"):
        assert word in text
    assert money_nl(data["amount"]) in text and "EUR" not in text
    t = next(x for x in data["tickets"] if x["work"])
    assert money_nl(t["amount"]) in text
    assert data["report"] and "amount" in data  # the JSON keeps its English field names and "." decimals
    assert "." in data["amount"]


def test_czech_and_norwegian_conventions(demo: Desk) -> None:
    data = json.loads(demo.ok("report", "month", "2026-11", "--org", "dvorak", "--format", "json"))
    text = demo.ok("report", "month", "2026-11", "--org", "dvorak")
    assert text.startswith("Měsíční zpráva listopad 2026 \u2014 Vinařství Dvořák s.r.o.")
    amount = Decimal(data["amount"])
    assert f"{amount:.2f}".replace(".", ",") + "\u00a0€" in text
    assert "Období: 1. 11. 2026 \u2013 30. 11. 2026" in text
    no = demo.ok("report", "month", "2026-11", "--org", "fjordlys", "--format", "markdown")
    assert no.startswith("# Månedsrapport november 2026 \u2014 Fjordlys Sjømat AS")
    html = demo.ok("report", "month", "2026-11", "--org", "fabrikam", "--format", "html")
    assert '<html lang="de">' in html and "Monatsbericht November 2026" in html


def test_english_organisation_keeps_the_desk_report(demo: Desk) -> None:
    text = demo.ok("report", "month", "2026-11", "--org", "northwind")
    assert text.startswith("Monthly report 2026-11")
