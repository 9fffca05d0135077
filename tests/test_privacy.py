"""Privacy: internal notes never reach a customer, and one organisation's
data never reaches another's.

A desk full of tickets of two customers, each with internal notes carrying
unique marker strings (also in replies by mail that were automatic or came
from an unknown sender, hence kept as internal notes), cross-organisation links, a split child and a
problem gathering incidents of both. Then every customer-facing output is
crawled:

* invoices: the draft and the issued one, in every format (`--org` and all);
* the IT manager's report, `tix report month --org`, in every format;
* notification mails: `tix notify --dry-run --format json` (with bodies) and
  the mails a real SMTP server (aiosmtpd on 127.0.0.1) receives, decoded;
* `tix show --public` in every format.

No internal marker may appear in any of them; no marker of organisation B
in anything made for organisation A.
"""

from __future__ import annotations

import email
import json
import re
import socket
from collections.abc import Iterator
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk, policy_text

INTERNAL = "INTERNAL-SECRET-{}-X"
ORG_MARK = {"contoso": "CONTOSO-ONLY-{}-Y", "fabrikam": "FABRIKAM-ONLY-{}-Z"}
INVOICE_FORMATS = ("table", "json", "csv", "markdown")
REPORT_FORMATS = ("table", "json", "csv", "markdown", "html")
SHOW_FORMATS = ("table", "json", "csv")


class Collector:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        raw = envelope.original_content or envelope.content
        self.messages.append({"to": list(envelope.rcpt_tos), "raw": raw,
                              "msg": email.message_from_bytes(raw, policy=email_policy.default)})
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collector()
    ctrl = Controller(handler, hostname="127.0.0.1", port=port)
    ctrl.start()
    try:
        yield handler, port
    finally:
        ctrl.stop()


def _policy() -> str:
    return policy_text("anna").replace("connectivity: {line: 2, members: [pieter]}",
                                       "connectivity: {line: 2, members: [pieter], email: net-team@example.com}")


def _mail(frm: str, subject: str, mid: str, body: str, **headers: str) -> str:
    lines = [f"From: {frm}", "To: support@example.com", f"Subject: {subject}", f"Message-ID: {mid}",
             *(f"{k}: {v}" for k, v in headers.items()), "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\n".join(lines)


class World:
    """The desk and every marker put into it."""

    def __init__(self, desk: Desk):
        self.desk = desk
        self.internal: list[str] = []
        self.org_marks: dict[str, list[str]] = {"contoso": [], "fabrikam": []}
        self.ids: dict[str, list[str]] = {"contoso": [], "fabrikam": []}
        self.n = 0

    def mark(self, org: str | None = None) -> str:
        self.n += 1
        m = (ORG_MARK[org] if org else INTERNAL).format(self.n)
        (self.org_marks[org] if org else self.internal).append(m)
        return m

    def note(self, tid: str) -> None:
        self.desk.ok("comment", tid, "-m", f"do not tell the customer: {self.mark()}", "--internal")


def build(desk: Desk) -> World:
    w = World(desk)
    d = desk
    people = {"contoso": ("Jan de Vries", "jan@contoso.com"), "fabrikam": ("Uwe Berger", "uwe@fabrikam.de")}
    for org in ("contoso", "fabrikam"):
        name, mail = people[org]
        for i in range(3):
            tid = d.new("--title", f"Issue {i} {w.mark(org)}", "--org", org, "--requester", f"{name} <{mail}>",
                        "--impact", "2", "--urgency", "4", "-m", f"Description {w.mark(org)}")
            w.ids[org].append(tid)
            w.note(tid)
            d.ok("take", tid)
            d.ok("comment", tid, "-m", f"We are on it {w.mark(org)}")
            w.note(tid)
            d.ok("work", tid, "45m", "-m", f"Diagnosis {w.mark(org)}")
            d.ok("work", tid, "1h", "--onsite", "-m", f"On site {w.mark(org)}")
            if i == 0:
                d.ok("status", tid, "waiting")
                w.note(tid)
            if i == 1:
                d.ok("resolve", tid, "--solution", f"Fixed it {w.mark(org)}")
                w.note(tid)
        # an automatic reply by mail is kept as an internal note
        r = d.run("mail", "import", "-", input=_mail(
            f"{name} <{mail}>", f"Re: [tix {w.ids[org][0]}] Out of office", f"<ooo-{org}@x>",
            f"I am away. {w.mark()}", **{"Auto-Submitted": "auto-replied"}))
        assert r.code == 0, r.err
        # a stranger's reply with the ticket's tag is kept as an internal note (tests/test_mail_senders.py)
        r = d.run("mail", "import", "-", input=_mail(
            "Eve <eve@freemail.example>", f"Re: [tix {w.ids[org][1]}] about this", f"<eve-{org}@x>",
            f"Send the invoice to me instead. {w.mark()}"))
        assert r.code == 0 and "unknown sender" in r.out, r.out + r.err
        # and a real reply from the requester is public
        r = d.run("mail", "import", "-", input=_mail(
            f"{name} <{mail}>", f"Re: [tix {w.ids[org][2]}] still broken", f"<re-{org}@x>",
            f"Still broken here {w.mark(org)}"))
        assert r.code == 0, r.err
    c, f = w.ids["contoso"], w.ids["fabrikam"]
    d.ok("link", c[0], f[0], "--as", "relates")  # one outage, two customers
    d.ok("link", c[1], f[1], "--as", "caused-by")
    child = d.new_child = d.ok("split", c[2], "--title", f"Check the switch {w.mark('contoso')}").splitlines()[0]
    w.ids["contoso"].append(child)
    w.note(child)
    r = d.run("problem", "new", "--title", "Flapping uplink", c[0], f[0])
    if r.code == 0:
        pid = r.out.splitlines()[0]
        w.note(pid)
    return w


@pytest.fixture
def world(tmp_path: Path, smtp: tuple[Collector, int], monkeypatch: pytest.MonkeyPatch) -> World:
    # the SMTP server is this machine's setting (never the shared policy's): a config home of the test's own
    (tmp_path / "xdg" / "tix").mkdir(parents=True)
    (tmp_path / "xdg" / "tix" / "config.yaml").write_text(f"smtp: {{host: 127.0.0.1, port: {smtp[1]}}}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return build(make_desk(tmp_path / "desk", policy=_policy()))


def _decoded(messages: list[dict[str, Any]]) -> list[tuple[list[str], str]]:
    out = []
    for m in messages:
        msg = m["msg"]
        parts = [m["raw"].decode("utf-8", "replace"), str(msg["Subject"])]
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts.append(part.get_content())
        out.append((m["to"], "\n".join(parts)))
    return out


def _no(markers: list[str], text: str, where: str) -> None:
    found = [m for m in markers if m in text]
    assert not found, f"{where}: {found[:3]}"


def _org_of_address(addrs: list[str]) -> str | None:
    for a in addrs:
        if a.endswith("@contoso.com"):
            return "contoso"
        if a.endswith("@fabrikam.de"):
            return "fabrikam"
    return None


def test_internal_notes_never_reach_a_customer(world: World, smtp: tuple[Collector, int]) -> None:
    d = world.desk
    assert len(world.internal) >= 15
    seen = 0
    # the markers really are in the desk
    all_text = "".join(p.read_text() for p in (d.root / "tickets").rglob("*.yaml"))
    assert all(m in all_text for m in world.internal)
    # invoices: drafts, in every format, per organisation and for all
    for org in (None, "contoso", "fabrikam"):
        for fmt in INVOICE_FORMATS:
            r = d.run("invoice", "2026-11", "--format", fmt, *(["--org", org] if org else []))
            assert r.code == 0, r.err
            _no(world.internal, r.out, f"invoice draft {org} {fmt}")
            seen += 1
    # issued invoices, reprinted in every format
    for org in ("contoso", "fabrikam"):
        r = d.run("invoice", "2026-11", "--org", org, "--mark")
        assert r.code == 0, r.err
        number = re.search(r"issued invoice (\S+):", r.err).group(1)  # type: ignore[union-attr]
        for fmt in INVOICE_FORMATS:
            out = d.ok("invoice", "--show", number, "--format", fmt)
            _no(world.internal, out, f"invoice {number} {fmt}")
            seen += 1
    # the IT manager's report, every format
    for org in ("contoso", "fabrikam"):
        for fmt in REPORT_FORMATS:
            r = d.run("report", "month", "2026-11", "--org", org, "--format", fmt)
            assert r.code == 0, r.err
            _no(world.internal, r.out, f"report --org {org} {fmt}")
            seen += 1
    # show --public, every format, every ticket
    for tid in world.ids["contoso"] + world.ids["fabrikam"]:
        for fmt in SHOW_FORMATS:
            r = d.run("show", tid, "--public", "--format", fmt)
            assert r.code == 0, r.err
            _no(world.internal, r.out, f"show --public {tid} {fmt}")
            seen += 1
    # notification mails: what would go, with bodies, then what really goes
    r = d.run("notify", "--dry-run", "--format", "json")
    assert r.code == 0, r.err
    due = json.loads(r.out)
    assert due, "no notifications due: the crawl would prove nothing"
    _no(world.internal, r.out, "notify --dry-run")
    r = d.run("notify", "--dry-run")
    _no(world.internal, r.out, "notify --dry-run (table)")
    r = d.run("notify")
    assert r.code == 0, r.err
    server = smtp[0]
    assert len(server.messages) >= len(world.ids["contoso"])
    for to, text in _decoded(server.messages):
        _no(world.internal, text, f"mail to {to}")
        seen += 1
    print(json.dumps({"test": "privacy", "outputs": seen, "internal_markers": len(world.internal),
                      "mails": len(server.messages), "leaks": 0}))
    _log({"test": "privacy-internal", "outputs": seen, "markers": len(world.internal),
          "mails": len(server.messages), "failures": 0})


def test_no_organisation_sees_another(world: World, smtp: tuple[Collector, int]) -> None:
    d = world.desk
    seen = 0
    for org, other in (("contoso", "fabrikam"), ("fabrikam", "contoso")):
        theirs = world.org_marks[other]
        assert theirs
        for fmt in REPORT_FORMATS:
            out = d.ok("report", "month", "2026-11", "--org", org, "--format", fmt)
            assert any(m in out for m in world.org_marks[org]) or fmt == "csv", f"{org} {fmt}: own data missing"
            _no(theirs, out, f"report --org {org} {fmt}")
            seen += 1
        for fmt in INVOICE_FORMATS:
            out = d.ok("invoice", "2026-11", "--org", org, "--format", fmt)
            _no(theirs, out, f"invoice --org {org} {fmt}")
            seen += 1
        for tid in world.ids[org]:
            for fmt in SHOW_FORMATS:
                out = d.ok("show", tid, "--public", "--format", fmt)
                _no(theirs, out, f"show --public {tid} ({org}) {fmt}")
                seen += 1
    d.ok("notify")
    for to, text in _decoded(smtp[0].messages):
        org = _org_of_address(to)
        if org is None:
            continue  # the shop's own team addresses
        other = "fabrikam" if org == "contoso" else "contoso"
        _no(world.org_marks[other], text, f"mail to {to}")
        seen += 1
    _log({"test": "privacy-orgs", "outputs": seen, "failures": 0})


def _log(line: dict[str, Any]) -> None:
    import os

    log = os.environ.get("TIX_RELIABILITY_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
