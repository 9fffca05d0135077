"""The IT manager's view (`report month --org`) keeps what it lists of each
resolved or closed ticket (`derived.Memo`, per month and organisation) and
finds those tickets, and the month's alert tickets, in the month parts: these
tests check that the view is the one of the tickets read whole, cold and
warm, at another `now`, after a change through tix and behind its back, after
a policy change and with a damaged file; and that a warm run reads only the
open tickets whole."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, Desk, make_desk
from tests.test_derived import _truth as _whole_month  # the report of every ticket read whole
from tix.core.dates import parse_period
from tix.core.policy import load_policy
from tix.render.report import render_month
from tix.reports import monthly
from tix.reports.monthly import monthly_report
from tix.storage import index
from tix.storage.store import Store


def _truth(desk: Desk, month: str, org: str, now: str = NOW, fmt: str = "json") -> str:
    """The view of every ticket read whole from its file, no cache at all."""
    store = Store(desk.root)
    policy = load_policy(desk.root / "policies.yaml")
    at = datetime.fromisoformat(now)
    tickets = [store.load_path(p) for p in store.ticket_paths()]
    period = parse_period(month, now=at, tz=policy.tz, what="MONTH")
    o = policy.orgs.get(org)
    return render_month(monthly_report(tickets, period, policy, at, org=org).to_json(), fmt,
                        o.language if o else None)


def _memos(desk: Desk) -> list[Path]:
    return sorted(Store(desk.root).state_dir.glob(index.DERIVED + "memo.*"))


class Reads:
    """Counts the tickets whose list entries are computed (in-process runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.ids: list[str] = []
        real = monthly.org_entries

        def counting(tickets: Any, *a: Any, **kw: Any) -> Any:
            tickets = list(tickets)
            self.ids += [t.id for t in tickets]
            return real(tickets, *a, **kw)

        monkeypatch.setattr(monthly, "org_entries", counting)

    def take(self) -> list[str]:
        ids, self.ids = sorted(self.ids), []
        return ids


@pytest.fixture
def org_desk(tmp_path: Path) -> Desk:
    """contoso and fabrikam over September to November: work, public and
    internal comments, resolved, closed, reopened, one resolved in
    September and commented on in October, two still open."""
    d = make_desk(tmp_path / "desk")
    at = "--at"
    made = []
    for i, (org, day) in enumerate([("contoso", "2026-09-03"), ("contoso", "2026-09-28"), ("fabrikam", "2026-10-01"),
                                    ("contoso", "2026-10-06"), ("contoso", "2026-10-20"), ("contoso", "2026-11-02")]):
        t = d.new("--title", f"Ticket {i}", "--org", org, "--impact", "2", "--urgency", "2", at, f"{day} 09:00")
        d.ok("work", t, "45m", "-m", f"work {i}", at, f"{day} 10:00")
        d.ok("comment", t, "-m", f"public reply {i}", at, f"{day} 11:00")
        d.ok("comment", t, "-m", f"internal note {i}", "--internal", at, f"{day} 11:30")
        if i not in (4, 5):
            d.ok("resolve", t, "--solution", f"fixed {i}", at, f"{day} 12:00")
        made.append(t)
    d.ok("comment", made[0], "-m", "thanks, all good", at, "2026-10-02 09:00")  # active in October by a reply only
    d.ok("close", made[1], at, "2026-10-05 09:00")
    d.ok("reopen", made[3], "-m", "back again", at, "2026-10-08 09:00")
    d.ok("work", made[3], "1h", "-m", "second visit", at, "2026-10-08 10:00")
    d.ok("resolve", made[3], "--solution", "fixed for good", at, "2026-10-08 12:00")
    return d


MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11"]


def test_the_view_from_kept_entries_is_the_tickets_read_whole(tmp_path: Path) -> None:
    from tests.test_cache_equivalence import _generated

    desk = _generated(tmp_path / "gen", 300, 7)
    orgs = sorted(load_policy(desk.root / "policies.yaml").orgs)[:3]
    cold: dict[tuple[str, str, str], str] = {}
    for rnd in range(2):  # no entry kept yet, then every closed ticket's entry from the memo
        for m in MONTHS:
            for org in orgs:
                for fmt in ("json", "table", "csv", "markdown"):
                    got = desk.ok("report", "month", m, "--org", org, "--format", fmt, now=NOW)
                    if rnd == 0:
                        cold[m, org, fmt] = got
                        if fmt in ("json", "table"):
                            assert got == _truth(desk, m, org, fmt=fmt), (m, org, fmt)
                    else:
                        assert got == cold[m, org, fmt], (m, org, fmt)
    assert _memos(desk)
    # a month later: the closed tickets' entries are the same, the open ones' are made anew
    later = "2026-12-21T10:00:00+01:00"
    for m in MONTHS[1:]:
        for org in orgs:
            assert desk.ok("report", "month", m, "--org", org, "--format", "json", now=later) == \
                _truth(desk, m, org, now=later), (m, org)


def test_a_warm_view_reads_only_the_open_tickets_whole(org_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "RACY_NS", 0)  # the files were written just now
    reads = Reads(monkeypatch)
    first = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    assert len(reads.take()) == 4
    assert first == _truth(org_desk, "2026-10", "contoso")
    tickets = {t["id"]: t for t in json.loads(first)["tickets"]}
    assert len(tickets) == 4  # 0 by its reply, 1 closed, 3 reopened and resolved, 4 open
    reads.take()
    assert org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json") == first
    [open_one] = [i for i, t in tickets.items() if t["status_now"] in ("new", "open", "waiting")]
    assert reads.take() == [open_one]


def test_a_change_shows_in_the_next_view(org_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "RACY_NS", 0)
    reads = Reads(monkeypatch)
    org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    reads.take()
    data = json.loads(org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json"))
    closed = next(t["id"] for t in data["tickets"] if t["status_now"] == "closed")
    # through tix: a public reply in October to a closed ticket
    org_desk.ok("comment", closed, "-m", "one more question", "--at", "2026-10-30 09:00")
    got = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    assert closed in reads.take()
    assert got == _truth(org_desk, "2026-10", "contoso")
    assert "one more question" in got
    # behind tix's back: same size, same mtime; only the content (and ctime) differ
    monkeypatch.setattr(index, "RACY_NS", 2_000_000_000)
    path = next(p for p in Store(org_desk.root).ticket_paths() if "one more question" in p.read_text())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("one more question", "one more QUESTION"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    got = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    assert "one more QUESTION" in got and got == _truth(org_desk, "2026-10", "contoso")
    # resolved now: out of the open ones, into the parts and the memo
    open_one = next(t["id"] for t in data["tickets"] if t["status_now"] in ("new", "open", "waiting"))
    org_desk.ok("resolve", open_one, "--solution", "done", "--at", "2026-10-31 09:00")
    for _ in range(2):
        got = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
        assert got == _truth(org_desk, "2026-10", "contoso")
        assert json.loads(got)["tickets"][-1]["status"] in ("resolved", "open")
    # a ticket deleted: gone from the list
    victim = Store(org_desk.root).ticket(closed).path
    (org_desk.root / victim).unlink()
    got = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    assert closed not in got and got == _truth(org_desk, "2026-10", "contoso")


def test_a_policy_change_or_a_damaged_memo_changes_no_result(org_desk: Desk,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "RACY_NS", 0)
    before = json.loads(org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json"))
    org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    pol = org_desk.root / "policies.yaml"
    text = pol.read_text(encoding="utf-8")
    assert "increment: 15" in text
    pol.write_text(text.replace("increment: 15", "increment: 45"), encoding="utf-8")
    after = org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json")
    assert after == _truth(org_desk, "2026-10", "contoso")
    assert [t["minutes_billed"] for t in before["tickets"]] != [t["minutes_billed"]
                                                                for t in json.loads(after)["tickets"]]
    memos = _memos(org_desk)
    assert memos
    for p in memos:  # one flipped byte: the checksum refuses the file
        data = bytearray(p.read_bytes())
        data[len(data) // 2] ^= 0x01
        p.write_bytes(bytes(data))
    assert org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json") == after
    import pickle

    from tix.storage import derived

    for p in memos:  # a well-formed pickle of the wrong shape, with a right checksum
        raw = pickle.dumps({"version": derived.DERIVED_VERSION, "fp": b"x", "values": {"tickets/x": 1}})
        p.write_bytes(derived._hash(raw) + raw)
    assert org_desk.ok("report", "month", "2026-10", "--org", "contoso", "--format", "json") == after
    # the whole desk's month and the period report, from the same parts, are the tickets' too
    assert org_desk.ok("report", "month", "2026-10", "--format", "json") == _whole_month(org_desk, "2026-10")

