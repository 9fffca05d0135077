"""`tix invoice --checklist`: a ticket's ticked checklist items (who and
when) on the note of its last invoice line, in every form (JSON, CSV,
Markdown, PDF), kept by --mark and --show, never twice across invoices, and
the totals unchanged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk
from tests.test_recurring import PATCH, policy_with

DEC = "2026-12-31T18:00:00+01:00"
FIRST = ("checklist: [x] Windows updates on servers (anna 2026-12-07 09:30) "
         "[x] Firewall firmware (pieter 2026-12-07 10:40)")


@pytest.fixture
def cdesk(tmp_path: Path) -> Desk:
    d = make_desk(tmp_path / "desk", policy=policy_with(PATCH))
    rows = json.loads(d.ok("recur", "run", "--format", "json", now="2026-12-07T09:00:00+01:00"))
    tid = {r["org"]: r["ticket"] for r in rows}
    assert tid == {"contoso": "AB-0001", "fabrikam": "AB-0002"}
    d.ok("check", "AB-0001", "1", now="2026-12-07T09:30:00+01:00")
    d.ok("check", "AB-0001", "2", now="2026-12-07T10:40:00+01:00", user="pieter")
    d.ok("check", "AB-0001", "3", now="2026-12-07T10:41:00+01:00")
    d.ok("check", "AB-0001", "3", "--undo", now="2026-12-07T10:42:00+01:00")  # not done after all
    d.ok("work", "AB-0001", "15m", "--at", "2026-12-07T09:05", "-m", "preparation", now="2026-12-07T09:05:00+01:00")
    d.ok("work", "AB-0001", "2h", "-m", "patching", now="2026-12-07T11:00:00+01:00")
    d.ok("work", "AB-0002", "1h", "-m", "patching", now="2026-12-07T13:00:00+01:00")  # nothing ticked
    other = d.new("--title", "Printer", "--org", "contoso", now="2026-12-08T09:00:00+01:00")
    d.ok("work", other, "30m", "-m", "toner", now="2026-12-08T09:30:00+01:00")
    return d


def notes(d: Desk, *args: str) -> dict[tuple[str, str], str]:
    inv = json.loads(d.ok("invoice", "2026-12", "--format", "json", *args, now=DEC))
    return {(x["ticket"], x["note"].split(";")[0]): x["note"] for x in inv["lines"]}


def test_the_ticked_items_go_on_the_last_line_of_the_ticket(cdesk: Desk) -> None:
    plain = json.loads(cdesk.ok("invoice", "2026-12", "--format", "json", now=DEC))
    assert {x["note"] for x in plain["lines"]} == {"preparation", "patching", "toner"}  # without --checklist
    withc = json.loads(cdesk.ok("invoice", "2026-12", "--format", "json", "--checklist", now=DEC))
    assert {k: v for k, v in withc.items() if k != "lines"} == {k: v for k, v in plain.items() if k != "lines"}
    assert [(x["ticket"], x["note"]) for x in withc["lines"]] == [
        ("AB-0001", "preparation"), ("AB-0001", f"patching; {FIRST}"), ("AB-0003", "toner"),
        ("AB-0002", "patching")]
    for a, b in zip(plain["lines"], withc["lines"], strict=True):  # only the note differs
        assert {k: v for k, v in a.items() if k != "note"} == {k: v for k, v in b.items() if k != "note"}
    rows = list(csv.DictReader(io.StringIO(cdesk.ok("invoice", "2026-12", "--format", "csv", "--checklist", now=DEC))))
    assert [r["note"] for r in rows if r["ticket"] == "AB-0001"] == ["preparation", f"patching; {FIRST}"]
    md = cdesk.ok("invoice", "2026-12", "--format", "markdown", "--checklist", now=DEC)
    assert f"patching; {FIRST}".replace("[", "\\[").replace("]", "\\]") in md  # Markdown-escaped


def test_the_pdf_prints_them(cdesk: Desk, tmp_path: Path) -> None:
    from tests.test_einvoice import pdf_text

    out = tmp_path / "contoso.pdf"
    r = cdesk.run("invoice", "2026-12", "--org", "contoso", "--checklist", "--format", "pdf", "-o", str(out), now=DEC)
    assert r.code == 0, r.err
    text = " ".join(pdf_text(out).split())
    assert "Windows updates on servers (anna 2026-12-07 09:30)" in text and "Firewall firmware (pieter" in text
    assert "Backups checked after reboot" not in text


def test_issued_with_the_notes_and_never_twice(cdesk: Desk) -> None:
    cdesk.ok("invoice", "2026-12", "--org", "contoso", "--mark", "--checklist", now=DEC)
    shown = json.loads(cdesk.ok("invoice", "--show", "2026-12-001", "--format", "json", now=DEC))
    assert f"patching; {FIRST}" in [x["note"] for x in shown["lines"]]
    # January: more work on the same ticket and one more item ticked; December's items are not printed again
    cdesk.ok("check", "AB-0001", "3", now="2027-01-05T10:00:00+01:00", user="pieter")
    cdesk.ok("work", "AB-0001", "30m", "-m", "reboot check", now="2027-01-05T10:30:00+01:00")
    jan = json.loads(cdesk.ok("invoice", "2027-01", "--org", "contoso", "--format", "json", "--checklist",
                              now="2027-01-31T18:00:00+01:00"))
    assert [x["note"] for x in jan["lines"]] == [
        "reboot check; checklist: [x] Backups checked after reboot (pieter 2027-01-05 10:00)"]


def test_a_merged_duplicate_leaves_its_ticks_to_the_survivor(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "desk", policy=policy_with(PATCH))
    d.ok("recur", "run", now="2026-12-07T09:00:00+01:00")
    dup = d.new("--title", "Patch round again", "--org", "contoso", now="2026-12-07T09:10:00+01:00")
    d.ok("check", "add", dup, "Switch firmware", now="2026-12-07T09:11:00+01:00")
    d.ok("check", dup, "1", now="2026-12-07T09:12:00+01:00")
    d.ok("work", dup, "15m", "-m", "switches", now="2026-12-07T09:20:00+01:00")
    d.ok("merge", dup, "--into", "AB-0001", now="2026-12-07T09:30:00+01:00")
    inv = json.loads(d.ok("invoice", "2026-12", "--format", "json", "--checklist", now=DEC))
    assert [x["note"] for x in inv["lines"] if x["ticket"] == dup] == ["switches"]


@pytest.mark.parametrize("args", [("--list",), ("--show", "2026-12-001"), ("--credit", "2026-12-001", "-m", "x")])
def test_checklist_belongs_to_a_month_invoice(cdesk: Desk, args: tuple[str, ...]) -> None:
    r = cdesk.run("invoice", *args, "--checklist", now=DEC)
    assert r.code == 2 and r.err.startswith("tix: --checklist: only for a month's invoice") and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1
