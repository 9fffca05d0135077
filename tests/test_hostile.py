"""Hostile files from a remote: whatever a clone pushes, tix refuses it with
`path: problem`, keeps working for every other ticket, runs nothing, never
reads a whole huge file and never follows a link out of the desk.

Each case puts one hostile file (or link) into a desk holding three sound
tickets, then runs `list`, `show` (of a good ticket and of the bad one),
`fsck`, `sla`, `report month`, `search` and `invoice`:

* every command exits normally (no traceback, no internal error);
* the reading commands still show every good ticket and name the bad file
  on stderr (`list`, `sla`, `report`), `show BAD` refuses it in one line,
  `fsck` names it and exits 1;
* `invoice` refuses to bill while a ticket file is unreadable (it could hold
  billable work: an invoice that silently skipped it would bill too little),
  naming the file; another customer's invoice (`--org`) goes on when the
  file still says whose it is (tests/test_attack_size.py);
* nothing outside the desk is read (a marker in the outside file never
  appears in any output) or written (the outside files are unchanged).
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk

SECRET = "OUTSIDE-SECRET-7731"
OPENED = '- {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B6C", "at": "2026-11-02T08:30:00+01:00", "by": "eve", "type": "opened"}\n'
HEADER = "id: ZZ-0001\ntitle: Hostile\norg: contoso\nimpact: 2\nurgency: 2\n"
BAD = "tickets/ZZ/000/ZZ-0001.yaml"


def ev(**kw: Any) -> str:
    base = {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B7" + kw.pop("n", "A"), "at": "2026-11-02T09:00:00+01:00", "by": "eve"}
    base.update(kw)
    return "- " + json.dumps(base) + "\n"


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "id: ZZ-0001\n" + "\n".join(lines) + "\ntitle: *j\nevents:\n" + OPENED


def python_tag(tmp: Path) -> str:
    return (f"id: ZZ-0001\ntitle: !!python/object/apply:os.system [\"touch {tmp}/pwned\"]\n"
            f"org: !!python/name:os.system\nevents:\n" + OPENED)


CASES: dict[str, Callable[[Path], str | bytes]] = {
    "alias bomb": lambda tmp: alias_bomb(),
    "python object tag": python_tag,
    "nested yaml": lambda tmp: "id: ZZ-0001\ntitle: " + "[" * 50000 + "]" * 50000 + "\nevents:\n" + OPENED,
    "nested yaml mapping": lambda tmp: "id: ZZ-0001\ntitle: " + "{a: " * 20000 + "1" + "}" * 20000 +
    "\nevents:\n" + OPENED,
    "nested json event": lambda tmp: HEADER + "events:\n" + OPENED +
    '- {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B7A", "at": "2026-11-02T09:00:00+01:00", "by": "eve", "type": "commented", '
    '"text": "x", "attachments": ' + "[" * 100000 + "]" * 100000 + "}\n" + ev(type="taken", n="B"),
    "binary garbage": lambda tmp: random.Random(7).randbytes(20000),
    "nul bytes": lambda tmp: HEADER + "events:\n" + OPENED.replace("eve", "e\x00ve"),
    "conflict markers": lambda tmp: HEADER + "events:\n" + OPENED + "<<<<<<< ours\n" + ev(type="taken") +
    "=======\n" + ev(type="taken", n="B") + ">>>>>>> theirs\n",
    "not utf-8": lambda tmp: (HEADER + "events:\n" + OPENED).encode() + b"- \xff\xfe\n" + ev(type="taken").encode(),
    "no events line": lambda tmp: HEADER,
    "header is a list": lambda tmp: "- a\n- b\nevents:\n" + OPENED,
    "header id mismatch": lambda tmp: HEADER.replace("ZZ-0001", "AB-0001") + "events:\n" + OPENED,
    "header id with ..": lambda tmp: HEADER.replace("ZZ-0001", "../../../etc/passwd") + "events:\n" + OPENED,
    "minutes as text": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="worked", minutes="lots") +
    ev(type="taken", n="B"),
    "minutes negative": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="worked", minutes=-90) +
    ev(type="taken", n="B"),
    "minutes huge": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="worked", minutes=10 ** 12) +
    ev(type="taken", n="B"),
    "minutes float": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="worked", minutes=1e308) +
    ev(type="taken", n="B"),
    "date far in the future": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="worked", minutes=60, at="9999-12-31T23:59:59+01:00") + ev(type="taken", n="B"),
    "date without offset": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="taken", at="2026-11-02T09:00:00") + ev(type="taken", n="B"),
    "date not a date": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="taken", at="yesterday") +
    ev(type="taken", n="B"),
    "unknown event type": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="exploded") + ev(type="taken", n="B"),
    "event id not text": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="taken", id=5) +
    ev(type="taken", n="B"),
    "event is a list": lambda tmp: HEADER + "events:\n" + OPENED + "- [1, 2, 3]\n" + ev(type="taken", n="B"),
    "duplicate event id": lambda tmp: HEADER + "events:\n" + OPENED + OPENED + ev(type="taken", n="B"),
    "feedback score 99": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="feedback", score=99) +
    ev(type="taken", n="B"),
    "first event not opened": lambda tmp: HEADER + "events:\n" + ev(type="taken") + OPENED,
    "status not text": lambda tmp: HEADER + "events:\n" + OPENED + ev(type="status", status={"a": 1}) +
    ev(type="taken", n="B"),
    "impact as text in header": lambda tmp: HEADER.replace("impact: 2", "impact: eight") + "events:\n" + OPENED,
    "no impact in header": lambda tmp: HEADER.replace("impact: 2\n", "") + "events:\n" + OPENED,
    "set impact as text": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"impact": "eight"}) + ev(type="taken", n="B"),
    "set title as a list": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"title": ["a", "b"]}) + ev(type="taken", n="B"),
    "set requester as a number": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"requester": 5}) + ev(type="taken", n="B"),
    "set tags as text": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"tags": 7}) + ev(type="taken", n="B"),
    "status unknown": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="status", status="exploded") + ev(type="taken", n="B"),
    "header requester a list": lambda tmp: HEADER + "requester: [1, 2]\nevents:\n" + OPENED,
    "header tags a mapping": lambda tmp: HEADER + "tags: {a: 1}\nevents:\n" + OPENED,
    "header title a mapping": lambda tmp: HEADER.replace("title: Hostile", "title: {a: 1}") + "events:\n" + OPENED,
    "planned start garbage": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="planned", start="soon", end="later", agent="anna") + ev(type="taken", n="B"),
    "unknown header field": lambda tmp: HEADER + "exec: rm -rf /\nevents:\n" + OPENED,
}

# Odd but harmless: values whose meaning depends on the policy (an impact the matrix
# does not list, a rate it does not define) or text fields tix only shows. They
# are read; no command may crash on them.
ACCEPTED: dict[str, Callable[[Path], str | bytes]] = {
    "impact outside the matrix": lambda tmp: HEADER.replace("impact: 2", "impact: 3") + "events:\n" + OPENED,
    "impact huge": lambda tmp: HEADER.replace("impact: 2", "impact: 99999999999999999999") + "events:\n" + OPENED,
    "set impact outside the matrix": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"urgency": 5}) + ev(type="taken", n="B"),
    "set due garbage": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"due": "next blue moon"}) + ev(type="taken", n="B"),
    "set unknown field": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"__class__": "x"}) + ev(type="taken", n="B"),
    "header due garbage": lambda tmp: HEADER + "due: whenever\nevents:\n" + OPENED,
    "dates decades ahead": lambda tmp: HEADER + "events:\n" + OPENED.replace("2026-11-02", "2150-11-02") +
    ev(type="worked", minutes=60, at="2150-11-03T09:00:00+01:00") +
    ev(type="resolved", solution="x", at="2150-11-04T09:00:00+01:00", n="B"),
    "worked rate unknown": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="worked", minutes=30, rate="NOPE") + ev(type="taken", n="B"),
    # shown made visible, never obeyed by a terminal (tests/test_attack_terminal.py)
    "escape sequences in text": lambda tmp: HEADER + "events:\n" + OPENED +
    ev(type="set", fields={"title": "\x1b]0;x\x07\x1b[2J\u202e\x9b\r\nAB-9999"}) +
    ev(type="commented", text="\x00\x1b[31m=cmd|' /C calc'!A0", n="B"),
}


def good_desk(tmp_path: Path) -> tuple[Desk, list[str]]:
    desk = make_desk(tmp_path / "desk")
    a = desk.new("--title", "Printer on floor 2", "--org", "contoso", "--impact", "2", "--urgency", "4")
    desk.ok("work", a, "45m", "-m", "fuser")
    b = desk.new("--title", "VPN drops", "--org", "fabrikam")
    desk.ok("comment", b, "-m", "checking the tunnel")
    c = desk.new("--title", "New laptop", "--org", "contoso", "--category", "request")
    desk.ok("resolve", c, "--solution", "delivered")
    return desk, [a, b, c]


def no_crash(r: Any, what: str) -> None:
    assert "Traceback" not in r.err and "internal error" not in r.err, f"{what}: {r.err[-2000:]}"
    assert r.code in (0, 1, 2, 3), f"{what}: exit {r.code}: {r.err[-500:]}"


def check_desk(desk: Desk, ids: list[str], bad: str, case: str, secret: str | None = None) -> None:
    """Every command keeps working for the good tickets and names `bad`."""
    outputs = []

    def run(*args: str) -> Any:
        r = desk.run(*args)
        no_crash(r, f"{case}: tix {' '.join(args)}")
        outputs.append(r.out + r.err)
        return r

    r = run("list", "--all", "--format", "json")
    assert r.code == 0, f"{case}: list: {r.err}"
    assert {t["id"] for t in json.loads(r.out)} >= set(ids), case
    assert bad in r.err, f"{case}: list does not name {bad}: {r.err!r}"
    for tid in ids:
        assert run("show", tid).code == 0, case
    r = run("fsck")
    assert r.code == 1 and bad in r.out, f"{case}: fsck: {r.out!r}"
    r = run("sla")
    assert r.code in (0, 1) and bad in r.err, f"{case}: sla: {r.err!r}"
    r = run("report", "month", "2026-11")
    assert r.code == 0 and bad in r.err, f"{case}: report: {r.err!r}"
    r = run("report", "month", "2026-11", "--org", "contoso", "--format", "json")
    assert r.code == 0, f"{case}: report --org: {r.err!r}"
    r = run("search", "printer")
    assert r.code in (0, 1), case
    r = run("invoice", "2026-11")
    assert r.code == 2 and bad in r.err and len(r.err.strip().splitlines()) == 1, f"{case}: invoice: {r.err!r}"
    r = run("invoice", "2026-11", "--mark")
    assert r.code == 2 and bad in r.err, f"{case}: invoice --mark: {r.err!r}"
    assert not (desk.root / "invoices").exists() or not list((desk.root / "invoices").glob("*.yaml")), case
    # writing to a good ticket still works
    r = run("comment", ids[1], "-m", "still working")
    assert r.code == 0, f"{case}: comment: {r.err}"
    if secret:
        for out in outputs:
            assert secret not in out, f"{case}: read outside the desk"


def test_the_control_file_is_read(tmp_path: Path) -> None:
    """The hostile cases are this file with one thing wrong."""
    desk, ids = good_desk(tmp_path)
    path = desk.root / BAD
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "events:\n" + OPENED + ev(type="worked", minutes=30) + ev(type="taken", n="B"))
    assert desk.run("fsck").code == 0
    assert "Hostile" in desk.ok("show", "ZZ-0001")


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_ticket_file(tmp_path: Path, case: str) -> None:
    desk, ids = good_desk(tmp_path)
    content = CASES[case](tmp_path)
    path = desk.root / BAD
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    check_desk(desk, ids, BAD, case)
    r = desk.run("show", "ZZ-0001")
    no_crash(r, case)
    assert r.code == 2 and BAD in r.err and len(r.err.strip().splitlines()) == 1, f"{case}: show: {r.err!r}"
    r = desk.run("comment", "ZZ-0001", "-m", "x")
    assert r.code == 2 and BAD in r.err, f"{case}: comment on the bad file: {r.err!r}"
    assert path.read_bytes() == (content.encode() if isinstance(content, str) else content), case
    assert not (tmp_path / "pwned").exists(), "a YAML tag ran code"


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_odd_values_never_crash_a_command(tmp_path: Path, case: str) -> None:
    desk, ids = good_desk(tmp_path)
    content = ACCEPTED[case](tmp_path)
    path = desk.root / BAD
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    for args in (["list", "--all"], ["show", "ZZ-0001"], ["show", "ZZ-0001", "--format", "json"], ["sla"],
                 ["sla", "ZZ-0001"], ["report", "month", "2026-11"], ["report", "month", "2026-11", "--org",
                 "contoso", "--format", "json"], ["invoice", "2026-11"], ["fsck"], ["agenda"], ["ics"],
                 ["notify", "--dry-run"], ["search", "hostile"], ["escalate", "--due", "--dry-run"],
                 ["comment", "ZZ-0001", "-m", "x"], ["show", ids[0]]):
        r = desk.run(*args)
        no_crash(r, f"{case}: tix {' '.join(args)}")
        if r.code == 2:  # a refusal names the ticket and says why, in one line
            assert "ZZ-0001" in r.err and len(r.err.strip().splitlines()) == 1, (case, args, r.err)


def test_a_file_name_with_dots_is_not_a_ticket(tmp_path: Path) -> None:
    desk, ids = good_desk(tmp_path)
    shard = desk.root / "tickets" / "AB" / "000"
    (shard / "..yaml").write_text("id: AB-0009\n")
    (shard / "AB-0001..yaml").write_text("junk\n")
    (shard / "...AB-0002.yaml").write_text("junk\n")
    r = desk.run("list", "--all", "--format", "json")
    no_crash(r, "dots")
    assert {t["id"] for t in json.loads(r.out)} == set(ids)
    r = desk.run("fsck")
    assert r.code == 1 and "..yaml" in r.out
    for text in ("../AB-0001", "AB-0001/../AB-0002", "..", "AB-0001/..", "../../etc/passwd"):
        r = desk.run("show", text)
        no_crash(r, text)
        assert r.code == 2 and len(r.err.strip().splitlines()) == 1, (text, r.err)


def test_event_fields_pointing_outside_are_never_opened(tmp_path: Path) -> None:
    """An `attached` path or a `linked` ticket that points out of the desk is
    only text: nothing reads or writes what it names."""
    desk, ids = good_desk(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET)
    rel = os.path.relpath(outside, desk.root)
    path = desk.root / "tickets" / "ZZ" / "000" / "ZZ-0001.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "events:\n" + OPENED + ev(type="attached", name="x", path=rel, size=5) +
                    ev(type="linked", link="relates", other="../../etc/passwd", n="B") +
                    ev(type="merged", into="../../../tmp/x", n="C"))
    outs = []
    for args in (("show", "ZZ-0001"), ("show", "ZZ-0001", "--format", "json"), ("list", "--all"), ("fsck",),
                 ("report", "month", "2026-11"), ("sla",), ("notify", "--dry-run")):
        r = desk.run(*args)
        no_crash(r, str(args))
        outs.append(r.out + r.err)
    assert all(SECRET not in o for o in outs)
    assert outside.read_text() == SECRET


# ----------------------------------------------------------------------------- a huge file

def test_a_100_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    desk, ids = good_desk(tmp_path)
    path = desk.root / BAD
    path.parent.mkdir(parents=True)
    with open(path, "wb") as fh:  # sparse: 100 MB that take no disk
        fh.write((HEADER + "events:\n" + OPENED).encode())
        fh.truncate(100 * 1024 * 1024)
    check_desk(desk, ids, BAD, "100 MB")
    r = desk.run("show", "ZZ-0001")
    assert r.code == 2 and "limit" in r.err, r.err
    # and in a real process the memory stays far below the file's size
    for args in (["list", "--all"], ["fsck"], ["show", "ZZ-0001"], ["report", "month", "2026-11"]):
        code = (
            "import resource, sys, runpy\n"
            "sys.argv = ['tix'] + sys.argv[1:]\n"
            "try:\n"
            "    runpy.run_module('tix', run_name='__main__')\n"
            "except SystemExit:\n"
            "    pass\n"
            # VmHWM: this process's own peak (ru_maxrss would carry the parent's peak over fork+exec)
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
            "print(int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
            " file=sys.stderr)\n"
        )
        p = subprocess.run([sys.executable, "-c", code, *args], env=desk.env(), capture_output=True, text=True,
                           timeout=120)
        kb = int(p.stderr.strip().splitlines()[-1])
        assert kb < 90 * 1024, f"tix {args[0]} used {kb // 1024} MB on a 100 MB file"
    assert resource  # ru_maxrss is in KB on Linux


# ----------------------------------------------------------------------------- links out of the desk

def _outside_ticket(tid: str) -> str:
    return (f"id: {tid}\ntitle: {SECRET}\norg: contoso\ndescription: {SECRET}\nevents:\n" + OPENED +
            ev(type="worked", minutes=600, note=SECRET))


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


LINKS: dict[str, Callable[[Desk, Path], tuple[str, str]]] = {}


def link_case(name: str) -> Callable[[Callable[[Desk, Path], tuple[str, str]]], Callable[[Desk, Path], tuple[str, str]]]:
    def deco(f: Callable[[Desk, Path], tuple[str, str]]) -> Callable[[Desk, Path], tuple[str, str]]:
        LINKS[name] = f
        return f
    return deco


@link_case("prefix folder")
def _prefix(desk: Desk, out: Path) -> tuple[str, str]:
    (out / "zz" / "000").mkdir(parents=True)
    (out / "zz" / "000" / "ZZ-0001.yaml").write_text(_outside_ticket("ZZ-0001"))
    (desk.root / "tickets" / "ZZ").symlink_to(out / "zz")
    return "tickets/ZZ", "ZZ-0001"


@link_case("shard folder")
def _shard(desk: Desk, out: Path) -> tuple[str, str]:
    (out / "shard").mkdir()
    (out / "shard" / "AB-1001.yaml").write_text(_outside_ticket("AB-1001"))
    (desk.root / "tickets" / "AB" / "001").symlink_to(out / "shard")
    return "tickets/AB/001", "AB-1001"


@link_case("ticket file")
def _file(desk: Desk, out: Path) -> tuple[str, str]:
    (out / "AB-0004.yaml").write_text(_outside_ticket("AB-0004"))
    (desk.root / "tickets" / "AB" / "000" / "AB-0004.yaml").symlink_to(out / "AB-0004.yaml")
    return "tickets/AB/000/AB-0004.yaml", "AB-0004"


@link_case("ticket file to /etc/passwd")
def _passwd(desk: Desk, out: Path) -> tuple[str, str]:
    (desk.root / "tickets" / "AB" / "000" / "AB-0005.yaml").symlink_to("/etc/passwd")
    return "tickets/AB/000/AB-0005.yaml", "AB-0005"


@link_case("invoices folder")
def _invoices(desk: Desk, out: Path) -> tuple[str, str]:
    (out / "inv").mkdir()
    (desk.root / "invoices").symlink_to(out / "inv")
    return "invoices", ""


@link_case("attachments folder")
def _attachments(desk: Desk, out: Path) -> tuple[str, str]:
    (out / "att").mkdir()
    (desk.root / "attachments").symlink_to(out / "att")
    return "attachments", ""


@pytest.mark.parametrize("case", list(LINKS))
def test_links_out_of_the_desk_are_never_followed(tmp_path: Path, case: str) -> None:
    desk, ids = good_desk(tmp_path)
    out = tmp_path / "outside"
    out.mkdir()
    where, tid = LINKS[case](desk, out)
    before = _snapshot(out)
    outputs = []

    def run(*args: str) -> Any:
        r = desk.run(*args)
        no_crash(r, f"{case}: tix {' '.join(args)}")
        outputs.append(r.out + r.err)
        return r

    r = run("list", "--all", "--format", "json")
    assert r.code == 0 and {t["id"] for t in json.loads(r.out)} == set(ids), case
    for args in (("fsck",), ("sla",), ("report", "month", "2026-11"), ("search", "secret"),
                 ("invoice", "2026-11"), ("agenda",), ("notify", "--dry-run")):
        run(*args)
    if where.startswith("tickets"):
        assert where in outputs[1], f"{case}: fsck does not name {where}"
    if tid:
        r = run("show", tid)
        assert r.code == 2 and "symbolic link" in r.err, f"{case}: show: {r.err}"
        r = run("comment", tid, "-m", "through the link")
        assert r.code == 2, f"{case}: comment through the link: {r.err}"
        run("work", tid, "1h")
    # writes that could go through the link
    for _ in range(3):
        run("new", "--title", "Another")
    run("invoice", "2026-11", "--mark")
    eml = tmp_path / "m.eml"
    eml.write_bytes(b"From: Jan <jan@contoso.com>\r\nTo: support@example.com\r\nSubject: Screenshot\r\n"
                    b"Message-ID: <h1@contoso.com>\r\nMIME-Version: 1.0\r\n"
                    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n"
                    b"See attached.\r\n--XX\r\nContent-Type: image/png\r\nContent-Disposition: attachment; "
                    b"filename=\"shot.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--XX--\r\n")
    run("mail", "import", str(eml))
    assert _snapshot(out) == before, f"{case}: wrote outside the desk"
    for o in outputs:
        assert SECRET not in o, f"{case}: read outside the desk: {o[:300]}"
