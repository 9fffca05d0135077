"""Terminal output is inert: text from tickets, mail, other clones and file
names never reaches a terminal as control sequences.

The attack: a clone pushes a ticket whose title, comments, names, tags,
attachment names and work notes carry ESC sequences (OSC window title and
hyperlink, CSI clear screen), a one-byte C1 CSI, NUL, CR/LF and bidi
overrides and isolates; a ticket file's own name carries ESC and a line
feed. Every text command (`list`, `show`, `sla`, `report`, `agenda`,
`fsck`, `search`, `invoice`) and every error message must print them made
visible (control pictures, `[U+202E]`), keep each table row on one line,
and Markdown must carry no HTML and no `javascript:` link.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk

EVIL = ("T\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ \x9b31m C1 \x00 nul "
        "\u202eexe.txt\u2066 \u2028 \r fake\nAB-9999  urgent  new")
OPENED = {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B60", "at": "2026-11-02T08:30:00+01:00", "by": "eve", "type": "opened"}
TID = "ZZ-0001"
PATH = "tickets/ZZ/000/ZZ-0001.yaml"


def _bad_chars(text: str, *, csv: bool = False) -> list[str]:
    if csv:
        text = text.replace("\r\n", "\n")
    return sorted({repr(c) for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
                   or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 or c in "\u2028\u2029"
                   or 0xD800 <= ord(c) <= 0xDFFF})


def assert_inert(r: Any, what: str, *, csv: bool = False) -> None:
    assert "Traceback" not in r.err and "internal error" not in r.err, f"{what}: {r.err[-800:]}"
    for name, text in (("stdout", r.out), ("stderr", r.err)):
        bad = _bad_chars(text, csv=csv and name == "stdout")
        assert not bad, f"{what}: {name} carries {bad}: {text[-600:]!r}"


def _ev(n: int, **kw: Any) -> dict[str, Any]:
    return {"id": f"01JDQ3Z8XK1V7T3M0Q9W2Y4B{n:02d}", "at": f"2026-11-02T{9 + n // 10:02d}:{n % 10 * 5:02d}:00+01:00",
            "by": EVIL, **kw}


def hostile_desk(tmp_path: Path) -> Desk:
    desk = make_desk(tmp_path / "desk")
    desk.new("--title", "Printer jams", "--org", "contoso")
    events = [OPENED,
              _ev(1, type="set", fields={"title": EVIL, "requester": {"name": EVIL, "email": "eve@contoso.com"},
                                        "tags": [EVIL], "dept": EVIL}),
              _ev(2, type="commented", text=EVIL),
              _ev(3, type="assigned", to=EVIL),
              _ev(4, type="worked", minutes=60, note=EVIL),
              _ev(5, type="attached", name=EVIL, path="attachments/ZZ-0001/\x1b[2Jx\n.txt", size=3),
              _ev(6, type="planned", start="2026-11-24T09:00:00+01:00", end="2026-11-24T10:00:00+01:00",
                  agent=EVIL)]
    path = desk.root / PATH
    path.parent.mkdir(parents=True)
    path.write_text("id: ZZ-0001\ntitle: Hostile\norg: contoso\nimpact: 8\nurgency: 8\nevents:\n"
                    + "".join("- " + json.dumps(e) + "\n" for e in events), encoding="utf-8")
    # a broken file whose name itself is hostile: fsck, list and report name it
    (desk.root / "tickets" / "ZZ" / "000" / "ZZ-0002\x1b]0;x\x07\n.yaml").write_text("garbage: [\n")
    return desk


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return hostile_desk(tmp_path)


TEXT_COMMANDS = [
    ["list"], ["list", "--all"], ["show", TID], ["show", TID, "--public"], ["sla"], ["sla", TID],
    ["report", "month", "2026-11"], ["report", "month", "2026-11", "--org", "contoso"],
    ["report", "period", "2026-11", "--by", "org"], ["report", "month", "2026-11", "--format", "markdown"],
    ["agenda", "--since", "2026-11-01"], ["fsck"], ["invoice", "2026-11", "--org", "contoso"],
    ["search", "printer"], ["problem", "list", "--all"], ["change", "list"],
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=[" ".join(a) for a in TEXT_COMMANDS])
def test_text_output_is_inert(desk: Desk, args: list[str]) -> None:
    r = desk.run(*args)
    assert_inert(r, f"tix {' '.join(args)}")


def test_the_hostile_text_is_shown_not_lost(desk: Desk) -> None:
    out = desk.ok("show", TID)
    assert "\u241b]0;pwned\u2407" in out  # ESC and BEL as control pictures
    assert "[U+202E]exe.txt[U+2066]" in out
    assert "[U+009B]31m" in out
    # JSON keeps the exact text (escaped), so nothing is lost for a program
    data = json.loads(desk.ok("show", TID, "--format", "json"))
    assert data["title"] == EVIL
    assert [e["text"] for e in data["events"] if e["type"] == "commented"] == [EVIL]


def test_a_line_break_never_breaks_a_table_row(desk: Desk) -> None:
    out = desk.ok("list", "--all")
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 2 + 2, out  # header, rule, two tickets
    assert all(re.match(r"(AB|ZZ)-\d{4} ", ln) for ln in lines[2:]), out
    assert not any(ln.startswith("AB-9999") for ln in lines)
    out = desk.ok("sla")
    assert not any(ln.startswith("AB-9999") for ln in out.split("\n")), out
    r = desk.run("fsck")
    assert r.code == 1
    finding = [ln for ln in r.out.split("\n") if "ZZ-0002" in ln]
    assert len(finding) == 1 and finding[0].startswith("tickets/ZZ/000/ZZ-0002\u241b]0;x\u2407\u240a.yaml"), r.out


def _without_broken_file(desk: Desk) -> None:
    """The invoice refuses while a file it cannot read may hold billable work: take it away."""
    for f in (desk.root / "tickets" / "ZZ" / "000").glob("ZZ-0002*"):
        f.unlink()


def test_invoice_output_is_inert(desk: Desk) -> None:
    _without_broken_file(desk)
    for fmt in ("table", "markdown"):
        r = desk.run("invoice", "2026-11", "--format", fmt)
        assert r.code == 0, r.err
        assert "U+202E" in r.out and "\u241b]0;pwned" in r.out.replace("\\", "")
        assert_inert(r, f"invoice --format {fmt}")


def test_json_and_csv_are_inert_and_exact(desk: Desk) -> None:
    _without_broken_file(desk)
    for args in (["list", "--all", "--format", "json"], ["show", TID, "--format", "json"], ["sla", "--format", "json"],
                 ["report", "month", "2026-11", "--org", "contoso", "--format", "json"], ["fsck", "--format", "json"],
                 ["invoice", "2026-11", "--org", "contoso", "--format", "json"]):
        r = desk.run(*args)
        assert_inert(r, " ".join(args))
        json.loads(r.out)
    for args in (["list", "--all", "--format", "csv"], ["sla", "--format", "csv"],
                 ["invoice", "2026-11", "--org", "contoso", "--format", "csv"],
                 ["report", "month", "2026-11", "--org", "contoso", "--format", "csv"]):
        r = desk.run(*args)
        assert_inert(r, " ".join(args), csv=True)


def test_error_messages_are_one_inert_line(desk: Desk) -> None:
    for args in (["show", "AB\x1b]0;x\x07"], ["show", "ZZ-0002"], ["list", "--status", "x\x1b[2J\nfake"],
                 ["new", "--title", "t", "--team", "x\x1b[2J\u202e"], ["report", "month", "\x1b[2J"],
                 ["list", "--no-such-\x1b[2J"], ["work", "AB-0001", "1\x1b[2Jh"],
                 ["mail", "import", "/nonexistent/\x1b]0;x\x07\nfake"],
                 ["report", "month", "2026-11", "-o", "/nonexistent\x1b[2J\n/r.txt"]):
        r = desk.run(*args)
        assert r.code in (2, 3), (args, r.err)
        assert_inert(r, " ".join(args))
        lines = [ln for ln in r.err.splitlines() if ln.strip()]
        if "--no-such-\x1b[2J" in args:  # click's usage error: usage, hint, then the one error line
            assert len(lines) == 3 and lines[-1].startswith("Error: No such option"), (args, r.err)
        else:  # one line per message (a report first names the broken file it leaves out)
            assert all(ln.startswith("tix: ") for ln in lines) and len(lines) <= 2, (args, r.err)


def test_markdown_carries_no_html_and_no_links(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk")
    html = '<img src=x onerror="alert(1)"> [click](javascript:alert(1)) <javascript:alert(2)> a|b'
    tid = desk.new("--title", html, "--org", "contoso", "--requester", "Eve <eve@contoso.com>")
    desk.ok("comment", tid, "-m", "![x](javascript:alert(3))\n[r]: javascript:alert(4)\n<script>alert(5)</script>")
    desk.ok("work", tid, "1h", "-m", "[pay](JavaScript:alert(6))")
    outs = [desk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "markdown"),
            desk.ok("report", "month", "2026-11", "--format", "markdown"),
            desk.ok("invoice", "2026-11", "--format", "markdown")]
    for out in outs:
        assert "<img" not in out and "<script" not in out and "<javascript" not in out, out
        assert not re.search(r"(?<!\\)\]\(", out), out  # no link or image syntax left: every ] is escaped
        assert not re.search(r"javascript\s*:", out, re.I), out
        assert "a\\|b" in out or "a|b" not in out  # a pipe never splits a table cell
    html_out = desk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "html")
    assert "<img src=x" not in html_out and "<script>alert" not in html_out


def test_colour_stays_but_hostile_sequences_do_not(desk: Desk) -> None:
    """On a terminal tix colours breached clocks; a title's own ESC codes are still shown, not obeyed."""
    import pty

    master, slave = pty.openpty()
    env = desk.env()
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm"
    p = subprocess.run([sys.executable, "-m", "tix", "list", "--all"], stdout=slave, stderr=subprocess.PIPE,
                       env=env, timeout=120)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert p.returncode == 0, p.stderr
    assert "\x1b[31m" in out  # tix's own colour: the breached clock in red
    assert re.findall(r"\x1b\[[0-9;]*[A-Za-z]", out) and all(
        re.fullmatch(r"\x1b\[(0|1|2|31|32|33|36)m", s) for s in re.findall(r"\x1b[^m]*m?", out)), out
    assert "\x1b]" not in out and "\x9b" not in out and "\x1b[2J" not in out
