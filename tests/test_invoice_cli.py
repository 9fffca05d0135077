"""`tix invoice` end to end: the real CLI in a subprocess, in a fresh desk made
by `tix init`, with TIX_DIR, TIX_USER and TIX_NOW set.

The desk: seed-001 defaults (15-minute units, on-site at least 60 min,
PROGP85 85.00/h, ONSITE 95.00/h, after hours x1.5, VAT 21 %, Mon-Fri
08:00-17:30 Europe/Amsterdam), organisations contoso (rate PROGP85) and
fabrikam (rate ONSITE), and two test rates CHEAP 0.40/h and DIME 0.80/h.
Dates: Tue 2026-11-24, Wed 2026-11-25, Sat 2026-11-28; November is +01:00."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

DEC1 = "2026-12-01T09:00:00+01:00"  # when the November invoice is run
SECRET = "SECRET-INTERNAL-7f3a"


class Desk:
    def __init__(self, root: Path, user: str = "anna"):
        self.root, self.user = root, user

    def run(self, *args: str, now: str = DEC1, user: str | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
        env.update(TIX_DIR=str(self.root), TIX_USER=user or self.user, TIX_NOW=now, NO_COLOR="1")
        return subprocess.run([sys.executable, "-m", "tix", *args], capture_output=True, text=True, env=env,
                              cwd=self.root if self.root.is_dir() else self.root.parent, timeout=60)

    def ok(self, *args: str, **kw: str) -> str:
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"tix {' '.join(args)} -> {r.returncode}\n{r.stderr}"
        assert "Traceback" not in r.stderr
        return r.stdout

    def new(self, title: str, org: str | None = "contoso") -> str:
        return self.ok("new", "--title", title, *(["--org", org] if org else []),
                       now="2026-10-01T09:00:00+02:00").splitlines()[0]

    def work(self, tid: str, duration: str, at: str, *flags: str) -> None:
        self.ok("work", tid, duration, "--at", at, *flags)

    def invoice_json(self, *args: str, now: str = DEC1) -> dict:
        r = self.run("invoice", *args, "--format", "json", now=now)
        assert r.returncode in (0, 1), r.stderr
        return json.loads(r.stdout)

    def snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*"))
                if p.is_file() and ".tix" not in p.parts and ".git" not in p.parts}

    def records(self) -> list[Path]:
        return sorted((self.root / "invoices").glob("*.yaml")) if (self.root / "invoices").is_dir() else []


def make(root: Path, user: str = "anna") -> Desk:
    d = Desk(root, user)
    d.ok("init", str(root), now="2026-10-01T09:00:00+02:00")
    pol = root / "policies.yaml"
    text = pol.read_text()
    text = text.replace("orgs: {}", "orgs:\n  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85}\n"
                                    "  fabrikam: {name: Fabrikam GmbH, domains: [fabrikam.de], rate: ONSITE}")
    text = text.replace('ONSITE: "95.00"}', 'ONSITE: "95.00", CHEAP: "0.40", DIME: "0.80"}')
    assert "fabrikam" in text and "CHEAP" in text
    pol.write_text(text)
    return d


@pytest.fixture
def bdesk(tmp_path: Path) -> Desk:
    return make(tmp_path / "desk")


def november(d: Desk) -> tuple[str, str]:
    """Two organisations' work in November, hand-priced:
    AB-0001 contoso (PROGP85 85.00):
      Tue 24 10:00  50m "replaced fuser"        -> 60 min          = 85.00
      Sat 28 10:00  20m on-site, after hours    -> 60 min x1.5     = 127.50
      Tue 24 11:00  30m no-bill                 -> not on the invoice
      contoso: 212.50, VAT 21 % = 44.625 -> 44.63, incl. 257.13
    AB-0002 fabrikam (ONSITE 95.00):
      Wed 25 19:00  1h30m, evening              -> 90 min x1.5: 1.5 x 95 x 1.5 = 213.75
      fabrikam: 213.75, VAT 44.8875 -> 44.89, incl. 258.64
    total 426.25, VAT 44.63 + 44.89 = 89.52, incl. 515.77"""
    a = d.new("Printer offline")
    b = d.new("Core switch down", org="fabrikam")
    d.work(a, "50m", "2026-11-24T10:00", "-m", "replaced fuser")
    d.work(a, "20m", "2026-11-28T10:00", "--onsite", "-m", "on site, Saturday")
    d.work(a, "30m", "2026-11-24T11:00", "--no-bill", "-m", "courtesy call")
    d.work(b, "1h30m", "2026-11-25T19:00", "-m", "swapped the switch")
    d.ok("comment", a, "--internal", "-m", f"{SECRET} the admin password is hunter2")
    return a, b


def test_draft_hand_computed_and_writes_nothing(bdesk: Desk) -> None:
    a, b = november(bdesk)
    before = bdesk.snapshot()
    inv = bdesk.invoice_json("2026-11")
    assert bdesk.snapshot() == before  # a draft writes nothing
    assert inv["month"] == "2026-11" and inv["number"] is None
    got = [(x["ticket"], x["org"], x["minutes"], x["billed_minutes"], x["rate"], x["multiplier"], x["amount"],
            x["late"]) for x in inv["lines"]]
    assert got == [
        (a, "contoso", 50, 60, "85.00", "1", "85.00", False),
        (a, "contoso", 20, 60, "85.00", "1.5", "127.50", False),
        (b, "fabrikam", 90, 90, "95.00", "1.5", "213.75", False),
    ]
    assert inv["lines"][0]["note"] == "replaced fuser" and inv["lines"][0]["agent"] == "anna"
    assert inv["lines"][0]["at"] == "2026-11-24T10:00:00+01:00"
    assert [(o["org"], o["amount"], o["vat"], o["total_incl_vat"]) for o in inv["orgs"]] == [
        ("contoso", "212.50", "44.63", "257.13"), ("fabrikam", "213.75", "44.89", "258.64")]
    assert [(t["ticket"], t["amount"]) for t in inv["tickets"]] == [(a, "212.50"), (b, "213.75")]
    assert (inv["total"], inv["vat"], inv["total_incl_vat"]) == ("426.25", "89.52", "515.77")
    table = bdesk.ok("invoice", "2026-11")
    for s in ("Contoso B.V.", "Fabrikam GmbH", "212.50", "213.75", "426.25", "515.77", "replaced fuser", "draft"):
        assert s in table
    assert "courtesy call" not in table  # no-bill entries are not invoiced


def test_mark_twice_bills_nothing_twice_and_late_entries_once(bdesk: Desk) -> None:
    a, b = november(bdesk)
    out = bdesk.ok("invoice", "2026-11", "--mark")
    assert "Invoice 2026-11-001" in out
    assert len(bdesk.records()) == 1
    again = bdesk.run("invoice", "2026-11", "--mark")
    assert again.returncode == 1 and "nothing to invoice" in again.stderr.lower()
    assert len(bdesk.records()) == 1
    # Work of 20 November, logged on 2 December: billed by the next run, once, flagged late there.
    bdesk.work(a, "16m", "2026-11-20T10:00", "-m", "forgot to log this")
    dec = bdesk.invoice_json("2026-12", now="2027-01-04T09:00:00+01:00")
    assert [(x["note"], x["billed_minutes"], x["amount"], x["late"]) for x in dec["lines"]] == [
        ("forgot to log this", 30, "42.50", True)]  # 16 -> 30 min x 85 = 42.50
    nov = bdesk.invoice_json("2026-11", "--mark")
    assert nov["number"] == "2026-11-002" and [x["note"] for x in nov["lines"]] == ["forgot to log this"]
    assert nov["lines"][0]["late"] is False  # it is November's own work on a November invoice
    assert bdesk.invoice_json("2026-12", now="2027-01-04T09:00:00+01:00")["lines"] == []
    listing = bdesk.ok("invoice", "--list")
    assert "2026-11-001" in listing and "2026-11-002" in listing
    rows = json.loads(bdesk.ok("invoice", "--list", "--format", "json"))
    assert [(r["number"], r["lines"], r["total"]) for r in rows] == [("2026-11-001", 3, "426.25"),
                                                                     ("2026-11-002", 1, "42.50")]


def test_show_reprints_identically_after_more_work(bdesk: Desk) -> None:
    a, b = november(bdesk)
    issued = bdesk.ok("invoice", "2026-11", "--mark")
    issued_json = bdesk.ok("invoice", "--show", "2026-11-001", "--format", "json")
    # Later: more work, a new title, a changed rate in the policy.
    bdesk.work(a, "45m", "2026-11-26T10:00")
    bdesk.ok("set", a, "--title", "Printer replaced", now="2026-12-02T09:00:00+01:00")
    pol = bdesk.root / "policies.yaml"
    pol.write_text(pol.read_text().replace('PROGP85: "85.00"', 'PROGP85: "99.00"'))
    assert bdesk.ok("invoice", "--show", "2026-11-001", now="2027-03-01T09:00:00+01:00") == issued
    assert bdesk.ok("invoice", "--show", "2026-11-001", "--format", "json") == issued_json
    shown = json.loads(issued_json)
    assert shown["number"] == "2026-11-001" and shown["total"] == "426.25"
    assert shown["lines"][0]["title"] == "Printer offline"
    # the new work is billed (at the new rate) by the next run
    nxt = bdesk.invoice_json("2026-11")
    assert [(x["minutes"], x["amount"]) for x in nxt["lines"]] == [(45, "74.25")]  # 0.75 h x 99.00


def test_show_unknown_number(bdesk: Desk) -> None:
    r = bdesk.run("invoice", "--show", "2026-11-009")
    assert r.returncode == 2 and "2026-11-009" in r.stderr and "Traceback" not in r.stderr


def test_org_filter_keeps_organisations_apart(bdesk: Desk) -> None:
    a, b = november(bdesk)
    c = bdesk.invoice_json("2026-11", "--org", "contoso", "--mark")
    assert c["number"] == "2026-11-001" and {x["org"] for x in c["lines"]} == {"contoso"}
    assert c["total"] == "212.50" and c["vat"] == "44.63"
    f = bdesk.invoice_json("2026-11", "--mark")
    assert f["number"] == "2026-11-002" and {x["org"] for x in f["lines"]} == {"fabrikam"}
    assert f["total"] == "213.75"


def test_csv_imports_without_editing(bdesk: Desk) -> None:
    november(bdesk)
    out = bdesk.ok("invoice", "2026-11", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3  # one row per line: no subtotal or total rows to delete before importing
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("426.25")
    assert [r["amount"] for r in rows] == ["85.00", "127.50", "213.75"]
    assert {"date", "ticket", "title", "agent", "note", "minutes", "billed_minutes", "rate", "multiplier",
            "amount", "late", "org", "currency"} <= set(rows[0])
    assert rows[0]["date"] == "2026-11-24" and rows[0]["currency"] == "EUR"
    assert out.splitlines()[0].startswith("invoice,month,date")


def test_markdown(bdesk: Desk) -> None:
    november(bdesk)
    out = bdesk.ok("invoice", "2026-11", "--format", "markdown")
    assert out.startswith("# Invoice draft for 2026-11")
    assert "## Contoso B.V. (contoso)" in out and "| 2026-11-24 |" in out
    assert "Total incl. VAT: EUR 515.77" in out


def test_internal_notes_never_leak(bdesk: Desk) -> None:
    november(bdesk)
    outs = [bdesk.ok("invoice", "2026-11", "--format", f) for f in ("table", "json", "csv", "markdown")]
    outs.append(bdesk.ok("invoice", "2026-11", "--mark"))
    outs += [bdesk.ok("invoice", "--show", "2026-11-001", "--format", f) for f in ("table", "json", "csv",
                                                                                   "markdown")]
    outs += [p.read_text() for p in bdesk.records()]
    for text in outs:
        assert SECRET not in text and "hunter2" not in text
        assert "replaced fuser" in text  # work notes do appear


def test_money_that_float_gets_wrong(bdesk: Desk) -> None:
    t = bdesk.new("Cheap work")
    bdesk.work(t, "15m", "2026-11-24T10:00", "--rate", "CHEAP")  # 0.25 h x 0.40 = 0.10
    bdesk.work(t, "15m", "2026-11-24T10:30", "--rate", "DIME")  # 0.25 h x 0.80 = 0.20
    inv = bdesk.invoice_json("2026-11")
    assert inv["total"] == "0.30"  # float: 0.1 + 0.2 = 0.30000000000000004
    for i in range(8):
        bdesk.work(t, "15m", f"2026-11-25T1{i}:00", "--rate", "CHEAP")
    inv = bdesk.invoice_json("2026-11")
    assert inv["total"] == "1.10" and inv["vat"] == "0.23"  # 0.30 + 8 x 0.10; 21 % of 1.10 = 0.231


def test_nothing_to_invoice(bdesk: Desk) -> None:
    r = bdesk.run("invoice", "2026-11")
    assert r.returncode == 1 and "Nothing to invoice" in r.stdout
    r = bdesk.run("invoice", "--list")
    assert r.returncode == 1
    r = bdesk.run("invoice", "2026-11", "--mark")
    assert r.returncode == 1 and bdesk.records() == []


def test_ticket_billing_state_to_invoice_then_invoiced(bdesk: Desk) -> None:
    a, b = november(bdesk)
    bdesk.ok("resolve", a, "--solution", "new fuser", now="2026-11-30T10:00:00+01:00")
    todo = bdesk.ok("list", "--billing", "to-invoice")
    assert a in todo and b not in todo  # b is still open
    assert json.loads(bdesk.ok("show", a, "--format", "json"))["billing"] == "to invoice"
    bdesk.ok("invoice", "2026-11", "--mark")
    assert json.loads(bdesk.ok("show", a, "--format", "json"))["billing"] == "invoiced"
    assert a in bdesk.ok("list", "--billing", "invoiced")
    assert bdesk.run("list", "--billing", "to-invoice").stdout.count(a) == 0


BAD = [
    ["2026-13"],
    ["2026"],
    ["november"],
    ["2026-11", "--org", "nope"],
    ["2026-11", "--format", "html"],
    ["2026-11", "--mark", "--format", "xml"],
    [],
    ["--show", "bogus"],
    ["--show", "2026-11-001", "--mark"],
    ["--list", "2026-11"],
    ["--list", "--show", "2026-11-001"],
    ["2026-11", "--mark", "--bogus"],
]


@pytest.mark.parametrize("args", BAD, ids=lambda a: " ".join(a) or "no-args")
def test_bad_input_exit_2_and_nothing_written(bdesk: Desk, args: list[str]) -> None:
    november(bdesk)
    before = bdesk.snapshot()
    r = bdesk.run("invoice", *args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.strip()
    assert bdesk.snapshot() == before


def test_broken_record_is_reported_not_a_traceback(bdesk: Desk) -> None:
    november(bdesk)
    bdesk.ok("invoice", "2026-11", "--mark")
    (rec,) = bdesk.records()
    rec.write_text(rec.read_text().replace("total: '426.25'", "total: '999.99'"))
    before = bdesk.snapshot()
    for args in (["2026-11"], ["2026-11", "--mark"], ["--show", "2026-11-001"], ["--list"]):
        r = bdesk.run("invoice", *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert f"invoices/{rec.name}:" in r.stderr and "does not add up" in r.stderr
    assert bdesk.snapshot() == before


def test_concurrent_marks_bill_each_entry_once(bdesk: Desk) -> None:
    november(bdesk)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
    env.update(TIX_DIR=str(bdesk.root), TIX_USER="anna", TIX_NOW=DEC1)
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "invoice", "2026-11", "--mark"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        p.communicate(timeout=60)
    assert sorted(p.returncode for p in procs) == [0, 1, 1]
    assert len(bdesk.records()) == 1


def _git(cwd: Path, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"})
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_clones_issue_the_same_number_clash_found_after_sync(tmp_path: Path) -> None:
    """Two clones bill the same month while offline. Their records have
    different file names (the clone's ID prefix), so git merges them without a
    conflict; afterwards the ledger reports the duplicate number and the entry
    billed twice."""
    from tix.storage import ledger
    from tix.storage.store import Store

    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "-q", "--bare", str(origin))
    a_root = tmp_path / "a"
    _git(tmp_path, "clone", "-q", str(origin), str(a_root))
    a = make(a_root, "anna")
    t = a.new("Printer offline")
    a.work(t, "50m", "2026-11-24T10:00")
    _git(a_root, "add", "-A")
    _git(a_root, "commit", "-q", "-m", "desk")
    _git(a_root, "push", "-q", "origin", "HEAD")
    b_root = tmp_path / "b"
    _git(tmp_path, "clone", "-q", str(origin), str(b_root))
    b = Desk(b_root, "bert")
    b.ok("new", "--title", "B's own ticket", now="2026-11-02T09:00:00+01:00")  # gives clone b its prefix
    a.ok("invoice", "2026-11", "--mark")
    b.ok("invoice", "2026-11", "--mark", user="bert")
    for root in (a_root, b_root):
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "invoice")
    _git(a_root, "pull", "-q", "--no-rebase", "--no-edit", "origin", "HEAD")  # b's prefix claim
    _git(a_root, "push", "-q", "origin", "HEAD")
    _git(b_root, "pull", "-q", "--no-rebase", "--no-edit", "origin", "HEAD")  # by hand: no healing
    assert len(b.records()) == 2
    problems = ledger.clashes(Store(b_root))
    assert any("invoice number 2026-11-001 was also issued" in p for p in problems), problems
    assert any("is billed twice" in p for p in problems), problems
    r = b.run("invoice", "--show", "2026-11-001")
    assert r.returncode == 2 and "issued twice" in r.stderr
    import importlib.util

    if importlib.util.find_spec("tix.cli.commands.fsck") is not None:  # tix fsck reports it too
        r = b.run("fsck")
        assert r.returncode == 1 and "invoice number 2026-11-001 was also issued" in r.stdout
    # `tix sync` finishes it: b's record, never pushed, is renumbered and loses the entry a billed first
    r = b.run("sync")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "invoice 2026-11-001 (not pushed yet)" in r.stdout and "withdrawn" in r.stdout, r.stdout
    assert ledger.clashes(Store(b_root)) == []
    assert b.run("fsck").returncode == 0


def test_invoiced_ids_cache_sees_a_hand_edited_record(tmp_path):
    """The billed-ids cache is trusted only while the record file is unchanged."""
    from pathlib import Path

    from tests.conftest import make_desk
    from tix.storage import ledger
    from tix.storage.store import Store

    desk = make_desk(tmp_path / "d")
    tid = desk.new("--title", "billed", "--org", "contoso")
    desk.ok("work", tid, "30m")
    desk.ok("invoice", "2026-11", "--mark")
    store = Store(desk.root)
    first = ledger.invoiced_ids(store)
    assert len(first) == 1 and (store.state_dir / "invoiced.json").is_file()
    assert ledger.invoiced_ids(store) == first  # from the cache
    rec = next(Path(desk.root, "invoices").glob("*.yaml"))
    rec.write_text(rec.read_text().replace("entries:", "entries_broken:"))
    problems: list = []
    assert ledger.invoiced_ids(store, problems) == set() and problems  # re-read, reported, not cached
