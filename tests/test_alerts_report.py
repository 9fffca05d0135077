"""The monthly report's alerts and recurring-work section in every form: the
long CSV (read back with the csv module), Markdown, the HTML page (parsed by
a real headless chromium: `--dump-dom`, and printed on A4), the IT manager's
view in the organisation's language, and the report mailed with an invoice."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.conftest import Desk
from tests.test_recurring import alerts_month_desk
from tests.test_report_html import chromium, needs_chromium

NOW = "2027-01-02T10:00:00+01:00"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return alerts_month_desk(tmp_path_factory.mktemp("alerts-month"))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def field(rows: list[dict[str, str]], section: str, row: str, name: str) -> str:
    [v] = [r["value"] for r in rows if (r["section"], r["row"], r["field"]) == (section, row, name)]
    return v


def test_csv_holds_the_alerts_and_the_recurring_work(month: Desk) -> None:
    rows = csv_rows(month.ok("report", "month", "2026-12", "--format", "csv", now=NOW))
    assert (field(rows, "alerts", "", "tickets"), field(rows, "alerts", "", "repeats")) == ("2", "2")
    assert float(field(rows, "alerts", "", "median_recovery_minutes")) == (88 + 45) / 2
    assert field(rows, "alerts_by_org", "contoso", "reports") == "4"
    assert float(field(rows, "alerts_by_host", "CON-DC01", "median_recovery_minutes")) == 88  # 03:12 -> 04:40
    assert float(field(rows, "alerts_by_host", "CON-FS01", "median_recovery_minutes")) == 45
    assert (field(rows, "recurring", "", "due"), field(rows, "recurring", "", "done")) == ("2", "1")
    assert field(rows, "recurring_by_org", "fabrikam", "open") == "1"
    occ = "patch-round/contoso/2026-12-07"
    assert field(rows, "recurring_work", occ, "status") == "resolved"
    assert field(rows, "recurring_checklist", f"{occ}#1", "by") == "anna"
    assert field(rows, "recurring_checklist", f"{occ}#2", "done") == "False"
    # everything the JSON holds
    data = json.loads(month.ok("report", "month", "2026-12", "--format", "json", now=NOW))
    work = {(r["row"], r["field"]) for r in rows if r["section"] == "recurring_work"}
    assert {(w["occurrence"], k) for w in data["recurring"]["work"] for k in w if k != "checklist"} == work
    # the IT manager's CSV: only the organisation's
    # (fabrikam's language is German: its CSV has `;` and German headers; the sections keep their names)
    text = month.ok("report", "month", "2026-12", "--org", "fabrikam", "--format", "csv", now=NOW)
    mine = [dict(zip(("section", "row", "field", "value"), r, strict=True))
            for r in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]]
    assert field(mine, "recurring", "", "due") == "1" and not [r for r in mine if r["section"].startswith("alerts")]


def test_a_month_without_alerts_or_recurring_work_has_no_such_rows(desk: Desk) -> None:
    desk.new("--title", "Printer")
    rows = csv_rows(desk.ok("report", "month", "2026-11", "--format", "csv"))
    assert not [r for r in rows if r["section"].startswith(("alerts", "recurring"))]
    assert "Alerts" not in desk.ok("report", "month", "2026-11", "--format", "html")


def test_markdown_has_the_sections(month: Desk) -> None:
    md = month.ok("report", "month", "2026-12", "--format", "markdown", now=NOW)
    assert "\n## Alerts: 2 alert tickets, 2 repeat reports, median time to recovery 1h06\n" in md
    assert "- CON-DC01: 1 tickets, 3 reports, 2 repeats, 0 missing reports, median time to recovery 1h28" in md
    assert "\n\n## Recurring work: 1 of 2 due done\n- contoso: 1 of 1 done" in md


def test_html_has_the_sections(month: Desk) -> None:
    page = month.ok("report", "month", "2026-12", "--format", "html", now=NOW)
    assert "<h2>Alerts</h2>" in page and "<h2>Recurring work: 1 of 2 due done</h2>" in page
    assert "<td>CON-DC01</td><td class=n>1</td><td class=n>3</td><td class=n>2</td>" in page
    assert "<td class=n>1h28</td>" in page
    assert "<script" not in page and page.count("<section>") == page.count("</section>")
    # the IT manager's view in Dutch: the occurrence with its checklist
    nl = month.ok("report", "month", "2026-12", "--org", "contoso", "--format", "html", now=NOW)
    assert '<html lang="nl">' in nl and "<h2>Alarmen</h2>" in nl and "Terugkerend werk: 1 van 1" in nl
    assert '<li class="done">[x] Windows updates on servers (anna 2026-12-07)</li>' in nl
    assert '<li class="todo">[ ] Firewall firmware</li>' in nl
    again = month.ok("report", "month", "2026-12", "--org", "contoso", "--format", "html", now=NOW)
    assert again == nl  # the same every run


@needs_chromium
def test_chromium_reads_the_sections_and_prints_them_on_a4(month: Desk, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    month.ok("report", "month", "2026-12", "-o", str(path), now=NOW)
    org = tmp_path / "contoso.html"
    month.ok("report", "month", "2026-12", "--org", "contoso", "-o", str(org), now=NOW)
    import subprocess

    from tests.test_report_html import CHROMIUM, FLAGS

    def dom(p: Path) -> str:
        r = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", p.as_uri()],
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout

    page = dom(path)  # as the browser parsed it: every section closed, the tables where they belong
    heads = re.findall(r"<h2>(.*?)</h2>", page)
    assert "Alerts" in heads and "Recurring work: 1 of 2 due done" in heads
    alerts = page[page.index("<h2>Alerts</h2>"):]
    alerts = alerts[:alerts.index("</section>")]
    assert alerts.count("<table>") == 3 and "<td>CON-FS01</td>" in alerts
    mine = dom(org)
    checklist = re.findall(r'<li class="(done|todo)">(.*?)</li>', mine)
    assert checklist == [("done", "[x] Windows updates on servers (anna 2026-12-07)"),
                         ("todo", "[ ] Firewall firmware"), ("todo", "[ ] Backups checked after reboot")]
    pdf = tmp_path / "contoso.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", org.as_uri(), profile=tmp_path / "profile")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)
