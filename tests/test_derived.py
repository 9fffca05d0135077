"""Derived values in the index (issue 8): `report month` and `invoice` take the
figures of resolved and closed tickets from per-group parts kept in
`index.derived.<name>`. These tests check that the parts are reused when
nothing changed, folded again exactly where something did (through tix,
behind its back, in the policy), and that the numbers are those of the
tickets read whole: every month, the ITIL counts and estimates included."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, Desk, make_desk
from tix.core.dates import parse_period
from tix.core.itil import itil_counts
from tix.core.planning import estimate_accuracy
from tix.core.policy import load_policy
from tix.render.report import render_month
from tix.reports.monthly import monthly_report
from tix.storage import derived, filescan, index
from tix.storage.store import Store


def _truth(desk: Desk, month: str) -> str:
    """The report of every ticket read whole from its file, no cache at all."""
    store = Store(desk.root)
    policy = load_policy(desk.root / "policies.yaml")
    now = datetime.fromisoformat(NOW)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    period = parse_period(month, now=now, tz=policy.tz, what="MONTH")
    return render_month(monthly_report(tickets, period, policy, now).to_json(), "json")


def _itil_truth(desk: Desk, month: str) -> tuple[dict[str, Any], dict[str, Any]]:
    store = Store(desk.root)
    policy = load_policy(desk.root / "policies.yaml")
    now = datetime.fromisoformat(NOW)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    period = parse_period(month, now=now, tz=policy.tz, what="MONTH")
    return itil_counts(tickets, period), estimate_accuracy(tickets, period, policy)


class Folds:
    """Counts the groups `derive` folds (in-process runs only)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.groups = 0
        real = derived.derive

        def counting(store: Any, name: str, fold: Any, fp: Any, **kw: Any) -> Any:
            def counted(tickets: Any) -> Any:
                self.groups += 1
                return fold(tickets)

            return real(store, name, counted, fp, **kw)

        monkeypatch.setattr(derived, "derive", counting)

    def take(self) -> int:
        n, self.groups = self.groups, 0
        return n


@pytest.fixture
def itil_desk(tmp_path: Path) -> Desk:
    """A desk with the ITIL shapes the counts care about: an emergency change
    closed without approval (flagged every month after), a normal change
    approved, a problem with a workaround gathering incidents from both sides,
    estimates, and work."""
    d = make_desk(tmp_path / "desk")
    at = "--at"
    inc1 = d.new("--title", "Mail down", "--impact", "2", "--urgency", "2", "--category", "incident",
                 at, "2026-08-03 09:00")
    inc2 = d.new("--title", "Mail slow", "--impact", "1", "--urgency", "1", "--category", "incident",
                 at, "2026-09-14 10:00")
    d.ok("set", inc1, "--estimate", "90m", at, "2026-08-03 09:05")
    d.ok("work", inc1, "2h", "-m", "restored the mail relay", at, "2026-08-03 11:00")
    d.ok("resolve", inc1, "--solution", "relay restarted", at, "2026-08-03 12:00")
    d.ok("close", inc1, at, "2026-08-10 12:00")
    ch = d.ok("change", "new", "--title", "Block exploited port", "--kind", "emergency",
              at, "2026-08-04 09:00").splitlines()[0]
    d.ok("take", ch, at, "2026-08-04 09:10")
    d.ok("resolve", ch, "--solution", "port closed", at, "2026-08-04 12:00")
    d.ok("close", ch, at, "2026-08-05 12:00")
    ch2 = d.ok("change", "new", "--title", "Replace UPS battery", at, "2026-09-01 09:00").splitlines()[0]
    d.ok("approve", ch2, at, "2026-09-02 09:00")
    d.ok("resolve", ch2, "--solution", "battery replaced", at, "2026-09-03 12:00")
    d.ok("close", ch2, at, "2026-09-04 12:00")
    d.ok("problem", "new", "--title", "Mail relay crashes", "--from", inc2, "--workaround", "restart the relay",
         at, "2026-09-15 09:00")
    d.ok("resolve", inc2, "--solution", "relay restarted", at, "2026-09-15 11:00")
    d.ok("close", inc2, at, "2026-09-22 11:00")
    d.new("--title", "Printer jams", "--impact", "1", "--urgency", "1", "--category", "request",
          at, "2026-11-02 09:00")  # open: folded each run
    return d


MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2027-02"]


def test_every_month_is_the_report_of_the_whole_tickets(itil_desk: Desk) -> None:
    for _ in range(2):  # a cold cache, then a warm one
        for m in MONTHS:
            got = itil_desk.ok("report", "month", m, "--format", "json", now=NOW)
            assert got == _truth(itil_desk, m), m
            itil, estimates = _itil_truth(itil_desk, m)
            data = json.loads(got)
            assert data["itil"] == itil, m
            assert data["estimates"] == estimates, m
    # the emergency change closed unapproved counts in every month after it
    nov = json.loads(itil_desk.ok("report", "month", "2027-02", "--format", "json", now=NOW))
    assert nov["itil"]["changes"]["emergency_unapproved"] == 1
    sep = json.loads(itil_desk.ok("report", "month", "2026-09", "--format", "json", now=NOW))
    assert sep["itil"]["problems"]["open_at_end"] == 1 and sep["itil"]["problems"]["known_errors"] == 1
    assert sep["itil"]["incidents"] == {"opened": 1, "linked_to_problem": 1, "percent_linked": "100.0"}


def test_parts_are_folded_once_and_again_only_where_a_file_changed(
        itil_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    # the files were written just now: do not treat them as racy (tested in test_cache_equivalence)
    monkeypatch.setattr(index, "RACY_NS", 0)
    folds = Folds(monkeypatch)
    first = itil_desk.ok("report", "month", "2026-09", now=NOW)
    assert folds.take() >= 1
    assert itil_desk.ok("report", "month", "2026-09", now=NOW) == first
    assert folds.take() == 0  # nothing changed: every part from the cache
    itil_desk.ok("invoice", "2026-09")
    assert folds.take() >= 1
    itil_desk.ok("invoice", "2026-09")
    assert folds.take() == 0

    # an edit behind tix's back: same size, same mtime; only the content (and ctime) differ
    # (with the racy rule back on: it also covers file systems whose ctime ticks coarsely)
    monkeypatch.setattr(index, "RACY_NS", 2_000_000_000)
    path = next(p for p in Store(itil_desk.root).ticket_paths() if "Mail down" in p.read_text())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert '"minutes": 120' in text
    path.write_text(text.replace('"minutes": 120', '"minutes": 150'), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    aug = itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW)
    assert folds.take() == 1  # the one group holding that file
    assert json.loads(aug)["minutes_worked"] == 150
    assert aug == _truth(itil_desk, "2026-08")


def test_a_fresh_clone_folds_once_though_the_fold_fills_the_holiday_table(
        itil_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "RACY_NS", 0)
    state = Store(itil_desk.root).state_dir
    for p in [state / "holidays.json", *state.glob(index.DERIVED + "*")]:
        p.unlink(missing_ok=True)
    folds = Folds(monkeypatch)
    first = itil_desk.ok("report", "month", "2026-09", now=NOW)
    assert folds.take() >= 1 and (state / "holidays.json").is_file()
    assert itil_desk.ok("report", "month", "2026-09", now=NOW) == first
    assert folds.take() == 0


def test_a_policy_change_folds_every_part_again(itil_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    folds = Folds(monkeypatch)
    before = json.loads(itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW))
    folds.take()
    pol = itil_desk.root / "policies.yaml"
    text = pol.read_text(encoding="utf-8")
    assert "increment: 15" in text
    pol.write_text(text.replace("increment: 15", "increment: 45"), encoding="utf-8")
    after = json.loads(itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW))
    assert folds.take() >= 1
    assert after == json.loads(_truth(itil_desk, "2026-08"))
    assert before["minutes_billed"] != after["minutes_billed"]


def test_a_future_dated_value_folds_nothing_again(itil_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a price from next year (or a comment) cannot change any past
    figure: the cached parts stay valid; a price in force today refolds."""
    monkeypatch.setattr(index, "RACY_NS", 0)  # the files were written just now
    folds = Folds(monkeypatch)
    pol = itil_desk.root / "policies.yaml"
    text = pol.read_text(encoding="utf-8")
    old = 'rates: {PROGP85: "85.00", ONSITE: "95.00"}'
    assert old in text
    dated = 'rates:\n    PROGP85: [{from: 2020-01-01, price: "85.00"}]\n    ONSITE: "95.00"'
    text = text.replace(old, dated)
    pol.write_text(text, encoding="utf-8")
    itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW)
    itil_desk.ok("invoice", "2026-08", "--format", "json", now=NOW)
    folds.take()
    old = dated
    future = ('rates:\n    PROGP85: [{from: 2020-01-01, price: "85.00"}, {from: 2027-01-01, price: "89.25"}]  # 2027\n'
              '    ONSITE: "95.00"')
    pol.write_text(text.replace(old, future), encoding="utf-8")
    before = itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW)
    itil_desk.ok("invoice", "2026-08", "--format", "json", now=NOW)
    assert folds.take() == 0
    assert before == _truth(itil_desk, "2026-08")
    pol.write_text(text.replace(old, future.replace("2027-01-01", "2026-01-01")), encoding="utf-8")
    after = json.loads(itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW))
    assert folds.take() >= 1
    assert after["amount"] != json.loads(before)["amount"]


def test_a_damaged_or_foreign_derived_file_changes_no_result(itil_desk: Desk) -> None:
    want = itil_desk.ok("report", "month", "2026-09", "--format", "json", now=NOW)
    inv = itil_desk.ok("invoice", "2026-09", "--format", "json")
    d = Store(itil_desk.root).state_dir
    files = sorted(d.glob(index.DERIVED + "*"))
    assert {p.name for p in files} == {index.DERIVED + "month", index.DERIVED + "invoice"}
    for p in files:  # one flipped byte in the middle: the checksum refuses the file
        data = bytearray(p.read_bytes())
        data[len(data) // 2] ^= 0x01
        p.write_bytes(bytes(data))
    assert itil_desk.ok("report", "month", "2026-09", "--format", "json", now=NOW) == want
    assert itil_desk.ok("invoice", "2026-09", "--format", "json") == inv
    import pickle

    for p in files:  # a well-formed pickle of the wrong shape, with a right checksum
        raw = pickle.dumps({"version": derived.DERIVED_VERSION, "fp": b"x", "shards": {}, "groups": {"g": 1}})
        p.write_bytes(derived._hash(raw) + raw)
    assert itil_desk.ok("report", "month", "2026-09", "--format", "json", now=NOW) == want
    assert itil_desk.ok("invoice", "2026-09", "--format", "json") == inv


def test_an_unpriced_entry_is_refused_only_where_it_is_needed(itil_desk: Desk) -> None:
    """A rate removed from policies.yaml: the months without that entry still
    work (as they did before the cache), the ones with it name it."""
    pol = itil_desk.root / "policies.yaml"
    text = pol.read_text(encoding="utf-8")
    assert 'ONSITE: "95.00"}' in text
    pol.write_text(text.replace('ONSITE: "95.00"}', 'ONSITE: "95.00", SPECIAL: "120.00"}'), encoding="utf-8")
    inc = itil_desk.new("--title", "Server visit", "--impact", "1", "--urgency", "1", "--at", "2026-10-05 09:00")
    itil_desk.ok("work", inc, "1h", "--rate", "SPECIAL", "-m", "visit", "--at", "2026-10-05 10:00")
    itil_desk.ok("resolve", inc, "--solution", "done", "--at", "2026-10-05 11:00")
    assert "SPECIAL" in itil_desk.ok("report", "month", "2026-10", now=NOW)
    pol.write_text(text, encoding="utf-8")  # the rate is gone again
    aug = itil_desk.ok("report", "month", "2026-08", "--format", "json", now=NOW)
    assert aug == _truth(itil_desk, "2026-08")
    # an invoice refuses any un-invoiced entry it cannot price (as it did before the cache)
    r = itil_desk.run("invoice", "2026-09")
    assert r.code == 2 and "SPECIAL" in r.err
    r = itil_desk.run("report", "month", "2026-10", now=NOW)
    assert r.code == 2 and "SPECIAL" in r.err and "Traceback" not in r.err
    r = itil_desk.run("invoice", "2026-10")
    assert r.code == 2 and "SPECIAL" in r.err
    # a list needs no price: it shows the hour worked, resolved or not
    listed = itil_desk.ok("list", "--all", "--format", "csv", now=NOW)
    assert any(row.startswith(f"{inc},") and ",1h," in row for row in listed.splitlines())
    # nor does its JSON: the ticket is listed with its minutes, its money null, the reason on stderr
    r = itil_desk.run("list", "--all", "--format", "json", now=NOW)
    assert r.code == 0 and "SPECIAL" in r.err and inc in r.err and "Traceback" not in r.err
    (row,) = [x for x in json.loads(r.out) if x["id"] == inc]
    assert row["time"]["minutes"] == 60 and row["time"]["amount"] is None and row["time"]["billed_minutes"] is None
    assert len(json.loads(r.out)) > 1 and all(x["time"]["amount"] is not None for x in json.loads(r.out)
                                              if x["id"] != inc)
    # `show` is about that ticket: it still names the missing rate and stops
    r = itil_desk.run("show", inc, "--format", "json", now=NOW)
    assert r.code == 2 and "SPECIAL" in r.err
    itil_desk.ok("reopen", inc, "-m", "again", now=NOW)
    assert f"{inc} " in itil_desk.ok("list", now=NOW) and "1h" in itil_desk.ok("list", now=NOW)


def test_concurrent_reports_invoices_and_writes_leave_true_parts(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Real processes: two fold and write the derived values (report month,
    invoice) over and over while two others append work, comments and
    resolutions. Every run exits 0 with whole output, and afterwards the
    cached numbers are those of the files."""
    import random
    import subprocess
    import sys

    from tests.test_cache_equivalence import _generated, _no_derive, _no_index

    desk = _generated(tmp_path / "gen", 400, 11)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TIX_")},
           "TIX_DIR": str(desk.root), "TIX_USER": "sanne", "TIX_NOW": NOW, "NO_COLOR": "1"}
    ids = sorted(p.name[:-5] for p in Store(desk.root).ticket_paths())
    rng = random.Random(5)
    readers = [["report", "month", "2026-10", "--format", "json"], ["invoice", "2026-10", "--format", "json"]]
    script = []
    for _ in range(12):
        tid = rng.choice(ids)
        script.append(rng.choice([["work", tid, "30m", "-m", "more"], ["comment", tid, "-m", "hello"],
                                  ["resolve", tid, "--solution", "fixed"]]))
    procs = []
    for k in range(2):
        loop = "\n".join(f"r = subprocess.run([sys.executable, '-m', 'tix', *{a!r}], capture_output=True, text=True)\n"
                         f"assert r.returncode in (0, 1), r.stderr\n"
                         f"json.loads(r.stdout)" for a in readers * 4)
        procs.append(subprocess.Popen([sys.executable, "-c", f"import json, subprocess, sys\n{loop}"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for k in range(2):
        mine = script[k::2]
        loop = "\n".join(f"subprocess.run([sys.executable, '-m', 'tix', *{a!r}], capture_output=True)" for a in mine)
        procs.append(subprocess.Popen([sys.executable, "-c", f"import subprocess, sys\n{loop}"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    got = [desk.ok(*a) for a in readers]
    with monkeypatch.context() as m:
        m.setattr(index, "load_all", _no_index)
        m.setattr(derived, "derive", _no_derive)
        truth = [desk.ok(*a) for a in readers]
    assert got == truth


def test_show_looks_billed_ids_up_in_place(itil_desk: Desk) -> None:
    """`tix show` answers "is this entry invoiced?" from a sorted file searched
    in place (its time must not grow with years of invoices): the same answers
    as the full set, rebuilt when a record changes, refused when damaged."""
    from tix.storage import ledger

    store = Store(itil_desk.root)
    slow = next(p.name[:-5] for p in store.ticket_paths() if "Mail slow" in p.read_text())
    itil_desk.ok("work", slow, "30m", "-m", "looked", "--at", "2026-09-14 10:30")
    assert ledger.invoiced_lookup(store) == set()  # no invoices yet
    itil_desk.ok("invoice", "2026-08", "--mark")
    work_ids = [e["id"] for p in store.ticket_paths() for e in store.load_path(p).work]
    billed = ledger.invoiced_ids(store)
    assert billed and set(work_ids) - billed
    first = ledger.invoiced_lookup(store)  # builds invoiced.idx, answers from the set
    again = ledger.invoiced_lookup(store)  # from the file
    assert isinstance(again, ledger._SortedIds)
    for i in work_ids + ["", "x", "0" * 26, "Z" * 26, "ü" * 26]:
        assert (i in again) == (i in billed) == (i in first), i
    idx = store.state_dir / "invoiced.idx"
    data = bytearray(idx.read_bytes())
    data[-3] ^= 0x01  # one id changed: the checksum refuses the file
    idx.write_bytes(bytes(data))
    assert isinstance(ledger.invoiced_lookup(store), set)
    itil_desk.ok("invoice", "2026-09", "--mark")  # a new record: rebuilt
    billed = ledger.invoiced_ids(store)
    ledger.invoiced_lookup(store)
    now = ledger.invoiced_lookup(store)
    assert isinstance(now, ledger._SortedIds)
    assert [i in now for i in work_ids] == [i in billed for i in work_ids]
    assert json.loads(itil_desk.ok("show", slow, "--format", "json"))["billing"] == "invoiced"


def test_a_big_fold_in_worker_processes_gives_the_same_numbers(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The first report after a policy change folds every group; on a big desk
    in worker processes (forked). Forced here on a small generated desk."""
    from tests.test_cache_equivalence import _generated

    desk = _generated(tmp_path / "gen", 300, 4)
    args = [["report", "month", "2026-10", "--format", "json"], ["invoice", "2026-10", "--format", "json"]]
    serial = [desk.ok(*a, now=NOW) for a in args]
    for p in Store(desk.root).state_dir.glob(index.DERIVED + "*"):
        p.unlink()
    monkeypatch.setattr(index, "PARALLEL_MIN", 1)
    if (os.cpu_count() or 1) < 2:
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parallel = [desk.ok(*a, now=NOW) for a in args]
    assert parallel == serial
    assert [desk.ok(*a, now=NOW) for a in args] == serial  # and from the cache they wrote


def test_periods_of_whole_months_from_the_parts_are_the_tickets_read_whole(tmp_path: Path) -> None:
    """`report period` of whole months (`--by month` or none) adds the month
    parts; a ticket resolved or closed in several of the months counts once
    in the total, as when every ticket is read whole (`period_report`)."""
    from tests.test_cache_equivalence import _generated
    from tix.render.report import render_period
    from tix.reports.period import period_report

    desk = _generated(tmp_path / "gen", 300, 5)
    at = "--at"
    # resolved in August, reopened and resolved in September, reopened and closed in October
    t = desk.new("--title", "Keeps coming back", "--impact", "2", "--urgency", "2", "--org",
                 sorted(load_policy(desk.root / "policies.yaml").orgs)[0], at, "2026-08-20 09:00")
    desk.ok("work", t, "1h", "-m", "first fix", at, "2026-08-20 10:00")
    desk.ok("resolve", t, "--solution", "fixed", at, "2026-08-21 09:00")
    desk.ok("reopen", t, "-m", "back again", at, "2026-09-02 09:00")
    desk.ok("resolve", t, "--solution", "fixed again", at, "2026-09-03 09:00")
    desk.ok("close", t, at, "2026-09-10 09:00")
    desk.ok("reopen", t, "-m", "and again", at, "2026-10-01 09:00")
    desk.ok("resolve", t, "--solution", "for good", at, "2026-10-02 09:00")
    desk.ok("close", t, at, "2026-10-05 09:00")
    store = Store(desk.root)
    policy = load_policy(desk.root / "policies.yaml")
    now = datetime.fromisoformat(NOW)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    orgs = [None, *sorted(policy.orgs)[:2]]
    for spec in ["2026-Q3", "2026-08", "2026", "2025", "2026-Q4"]:
        for by in (None, "month"):
            for org in orgs:
                args = ["report", "period", spec, "--format", "json"] + (["--by", by] if by else []) + (
                    ["--org", org] if org else [])
                period = parse_period(spec, now=now, tz=policy.tz, what="PERIOD")
                want = render_period(period_report(tickets, period, policy, now, org=org, by=by).to_json(), "json")
                assert desk.ok(*args, now=NOW) == want, args
    got = json.loads(desk.ok("report", "period", "--since", "2026-08-01", "--until", "2026-11-01", "--format",
                             "json", now=NOW))
    assert got["total"]["closed"] >= 1


def test_a_first_report_folds_whole_only_the_groups_its_months_can_see(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone's first `report month` folds whole only the groups of
    tickets active in its 13 months; the older groups give only what carries
    on after them (their problems' and changes' ITIL counts) until a report
    reaches back to them. Every report is still the tickets read whole."""
    import subprocess
    import sys

    gen = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
    dst = tmp_path / "gen"
    r = subprocess.run([sys.executable, str(gen), "--tickets", "700", "--out", str(dst), "--seed", "3",
                        "--prefixes", "1", "--years", "3"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    desk = Desk(dst, "sanne", NOW)
    monkeypatch.setattr(index, "RACY_NS", 0)
    folds = Folds(monkeypatch)
    first = desk.ok("report", "month", "2026-10", "--format", "json", now=NOW)
    whole = folds.take()
    state = Store(desk.root).state_dir
    doc = index.load_cache((state / (index.DERIVED + "month")).read_bytes()[16:])
    quiet = [g for g, e in doc["groups"].items() if derived._quiet(e[2])]
    assert quiet and whole == len(doc["groups"]) - len(quiet)  # the old groups were not folded whole
    assert first == _truth(desk, "2026-10")
    assert json.loads(first)["itil"] == _itil_truth(desk, "2026-10")[0]
    assert desk.ok("report", "month", "2026-10", "--format", "json", now=NOW) == first
    assert folds.take() == 0
    # a command that adds an old year to the holiday table (the SLA of a ticket of 2023)
    # changes no part: the parts depend on the holidays' version, not on the years kept
    oldest = min(Store(desk.root).ticket_paths()).name[:-5]
    years = set(json.loads((state / "holidays.json").read_text()))
    desk.ok("show", oldest, now=NOW)
    assert set(json.loads((state / "holidays.json").read_text())) > years
    assert desk.ok("report", "month", "2026-10", "--format", "json", now=NOW) == first
    assert folds.take() == 0
    # reaching back: the old groups are folded whole now, and every month is the truth
    for m in ["2024-01", "2025-03", "2026-10"]:
        assert desk.ok("report", "month", m, "--format", "json", now=NOW) == _truth(desk, m), m
    assert folds.take() >= len(quiet)
    from tix.render.report import render_period
    from tix.reports.period import period_report

    store = Store(desk.root)
    policy = load_policy(desk.root / "policies.yaml")
    now = datetime.fromisoformat(NOW)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    for p in [*state.glob(index.DERIVED + "*")]:
        p.unlink()
    desk.ok("report", "month", "2026-10", now=NOW)  # quiet groups again
    for spec in ["2024", "2025-Q2"]:
        period = parse_period(spec, now=now, tz=policy.tz, what="PERIOD")
        want = render_period(period_report(tickets, period, policy, now, by="month").to_json(), "json")
        assert desk.ok("report", "period", spec, "--by", "month", "--format", "json", now=NOW) == want, spec


def test_the_records_read_in_worker_processes_give_the_same_prices_and_caches(
        itil_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The price index reads every invoice record; with several records it
    reads them in worker processes (forced here on a small desk). The
    report, `show` and the local caches are what one process reading them
    gives, and the records are parsed once for all three caches."""
    from tix.storage import ledger

    for m in ("2026-08", "2026-09", "2026-10"):  # three records
        t = itil_desk.new("--title", f"Work of {m}", "--org", "contoso", "--at", f"{m}-05 09:00")
        itil_desk.ok("work", t, "1h", "-m", "fixed", "--at", f"{m}-05 10:00")
        itil_desk.ok("invoice", m, "--mark", now=NOW)
    state = Store(itil_desk.root).state_dir
    args = [["report", "month", "2026-10", "--format", "json"], ["report", "month", "2026-09", "--format", "json"],
            ["list", "--all", "--format", "json"]]

    def fresh() -> None:
        for p in [*state.glob(index.DERIVED + "*"), state / ledger.LOCAL_PRICES, state / "invoiced.json",
                  state / "ledger-totals.json"]:
            p.unlink(missing_ok=True)
        ledger._READ.clear()

    fresh()
    serial = [itil_desk.ok(*a, now=NOW) for a in args]
    caches = {n: json.loads((state / n).read_text()) for n in ("invoiced.json", "ledger-totals.json")}
    fresh()
    monkeypatch.setattr(ledger, "FIRST_READ_MIN", 1)
    if (os.cpu_count() or 1) < 2:
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parsed: list[str] = []
    real = ledger.parse_record
    monkeypatch.setattr(ledger, "parse_record", lambda text, path, **kw: parsed.append(path) or real(text, path, **kw))
    assert [itil_desk.ok(*a, now=NOW) for a in args] == serial
    assert {n: json.loads((state / n).read_text()) for n in ("invoiced.json", "ledger-totals.json")} == caches
    assert ledger.PriceIndex.open(state / ledger.LOCAL_PRICES, (ledger.PRICES_VERSION, ledger.stat_digest(
        Store(itil_desk.root)))) is not None
    assert parsed == []  # in this process: none (the workers parsed each record once)
    # a broken record: the workers leave it, this process reads it and reports it, as one process does
    rec = sorted((itil_desk.root / "invoices").glob("2026-09-*.yaml"))[0]
    rec.write_text(rec.read_text().replace('"minutes": 60', '"minutes": -60', 1))
    broken = []
    for parallel in (False, True):
        fresh()
        monkeypatch.setattr(ledger, "FIRST_READ_MIN", 1 if parallel else 10**6)
        broken.append([itil_desk.run(*a, now=NOW) for a in args])
    assert broken[0] == broken[1]
    assert "invoices/2026-09-001" in broken[1][0].err


def test_price_index_same_compares_every_kept_field_without_building_the_line(tmp_path: Path) -> None:
    """`PriceIndex.same(id, line)`: None for an entry not invoiced; True only
    where every field an invoiced entry keeps (`billing.INVOICED_FIELDS`) is
    what the line has now, to the last digit and type; False otherwise, and
    where the stored row is damaged (the caller reads the records then)."""
    from dataclasses import replace
    from datetime import datetime, timezone
    from decimal import Decimal

    from tix.core.billing import INVOICED_FIELDS, Line
    from tix.storage import ledger

    at = datetime(2026, 10, 5, 10, 0, tzinfo=timezone.utc)
    base = Line(event_id="E1", ticket="AB-0001", org="contoso", title="Printer", at=at, agent="anna", note="fixed",
                minutes=50, billed_minutes=60, rate_name="PROGP85", rate=Decimal("85.00"), multiplier=Decimal("1"),
                amount=Decimal("85.00"), after_hours=False, onsite=False, no_bill=False, contract=None)
    other = replace(base, event_id="E2", contract="C-1", covered_minutes=30, overage=True)
    key = ("v", "k")
    path = tmp_path / "prices.idx"
    path.write_bytes(ledger.PriceIndex.build(key, {"E1": base, "E2": other}))
    idx = ledger.PriceIndex.open(path, key)
    assert idx is not None
    assert idx.same("E1", base) is True and idx.same("E2", other) is True
    assert idx.same("E3", base) is None
    assert idx.same("E1", replace(base, title="Printer (renamed)", note="other")) is True  # kept from the ticket
    changes = {"billed_minutes": 45, "rate_name": "ONSITE", "rate": Decimal("85.0"), "multiplier": Decimal("1.5"),
               "amount": Decimal("85.01"), "after_hours": True, "covered_minutes": 10, "overage": True,
               "contract": "C-2"}
    assert set(changes) == set(INVOICED_FIELDS)
    for name, value in changes.items():
        assert idx.same("E1", replace(base, **{name: value})) is False, name
    assert idx.same("E1", replace(base, billed_minutes=60.0)) is False  # a float is not the int invoiced
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x20  # the last row's bytes: its CRC fails
    path.write_bytes(bytes(raw))
    damaged = ledger.PriceIndex.open(path, key)
    assert damaged is not None and damaged.same("E2", other) is False and damaged.same("E1", base) is True
    path.write_bytes(ledger.PriceIndex.build_blobs(key, {"E1": b'["E1", 1]', "E2": b'{"a": 1}'}))
    foreign = ledger.PriceIndex.open(path, key)  # rows of another shape (a CRC that holds): not the same
    assert foreign is not None and foreign.same("E1", base) is False and foreign.same("E2", other) is False
