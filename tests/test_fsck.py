"""tix fsck: one finding per problem, as `path:line: problem`, exit 1 if any.
Each case breaks a sound desk in one way a real desk breaks (a hand edit,
a copied file, an unfinished merge, a crash) and names where."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk
from tix.storage.store import Store, encode_event

T1 = "tickets/AB/000/AB-0001.yaml"
T2 = "tickets/AB/000/AB-0002.yaml"


@pytest.fixture
def two(tmp_path: Path) -> Desk:
    """A sound desk: AB-0001 relates AB-0002 (both sides), a comment on AB-0001."""
    d = make_desk(tmp_path / "desk")
    d.new("--title", "Printer offline", "--org", "contoso")
    d.new("--title", "Scanner offline", "--org", "contoso")
    d.ok("comment", "AB-0001", "-m", "called the customer")
    d.ok("link", "AB-0001", "AB-0002", "--as", "relates")
    return d


def edit(d: Desk, rel: str, fn: Callable[[str], str]) -> None:
    p = d.root / rel
    p.write_text(fn(p.read_text()))


def line_no(d: Desk, rel: str, needle: str) -> int:
    lines = (d.root / rel).read_text().splitlines()
    return next(i for i, x in enumerate(lines, 1) if needle in x)


def event(**kw: object) -> str:
    e = {"id": "01JDZZZZZZZZZZZZZZZZZZZZZZ", "at": "2026-11-23T10:05:00+01:00", "by": "anna", "type": "taken"}
    e.update(kw)
    return encode_event(e).decode()


def test_a_sound_desk_passes(two: Desk) -> None:
    r = two.run("fsck")
    assert r.code == 0, r.out + r.err
    assert r.out.startswith("ok: 2 ticket files")


def _comment_line(d: Desk) -> int:
    return line_no(d, T1, "\"chatted\"")


BREAKS = [
    # (name, how to break the desk, expected (path, line or a function of the desk, words))
    ("conflict markers",
     lambda d: edit(d, T1, lambda s: s + "<<<<<<< HEAD\n" + event() + "=======\n>>>>>>> theirs\n"),
     (T1, lambda d: line_no(d, T1, "<<<<<<<"), "unfinished git merge")),
    ("an event line that is not JSON",
     lambda d: edit(d, T1, lambda s: s.replace('- {"id"', '- {"id" oops', 1)),
     (T1, lambda d: line_no(d, T1, "oops"), "not valid JSON")),
    ("an unknown event type",
     lambda d: edit(d, T1, lambda s: s.replace('"type": "commented"', '"type": "chatted"')),
     (T1, _comment_line, "unknown event type 'chatted'")),
    ("one event id twice",
     lambda d: edit(d, T1, lambda s: s + s.splitlines(keepends=True)[-1]),
     (T1, lambda d: len((d.root / T1).read_text().splitlines()), "appears twice")),
    ("header id does not match the file name",
     lambda d: edit(d, T1, lambda s: s.replace("id: AB-0001", "id: AB-0003", 1)),
     (T1, 1, "does not match the file name AB-0001")),
    ("a link to a missing ticket",
     lambda d: edit(d, T1, lambda s: s + event(type="linked", link="relates", other="AB-0099")),
     (T1, lambda d: line_no(d, T1, "AB-0099"), "AB-0001 relates AB-0099, which does not exist")),
    ("a one-sided link",
     lambda d: edit(d, T2, lambda s: s + event(type="unlinked", link="relates", other="AB-0001")),
     (T1, lambda d: line_no(d, T1, '"AB-0002"'), "one-sided link: AB-0001 relates AB-0002")),
    ("a torn last line",
     lambda d: edit(d, T2, lambda s: s + '- {"id": "01JDQ'),
     (T2, lambda d: len((d.root / T2).read_text().splitlines()), "torn last line")),
    ("first event not opened",
     lambda d: edit(d, T2, lambda s: s.replace("events:\n", "events:\n" + event(at="2026-11-23T09:00:00+01:00"))),
     (T2, lambda d: line_no(d, T2, "ZZZZ"), "first event must be `opened`")),
    ("a file in the wrong shard",
     lambda d: (d.root / "tickets/AB/001").mkdir() or shutil.move(str(d.root / T2), d.root / "tickets/AB/001"),
     ("tickets/AB/001/AB-0002.yaml", 1, "belongs in tickets/AB/000/AB-0002.yaml")),
    ("two claims for one prefix",
     lambda d: (d.root / "tickets/AB/.claim-zzzzzzzzzz").write_text("clone zzzzzzzzzz of bert\n"),
     ("tickets/AB/.claim-zzzzzzzzzz", None, "ID prefix AB is claimed by 2 clones")),
    ("a leftover temp file",
     lambda d: (d.root / "tickets/AB/000/.AB-0001.yaml.4711.tmp").write_text("half"),
     ("tickets/AB/000/.AB-0001.yaml.4711.tmp", None, "leftover temp file")),
    ("a merge leftover",
     lambda d: (d.root / "tickets/AB/000/AB-0001.yaml.orig").write_text("x"),
     ("tickets/AB/000/AB-0001.yaml.orig", None, "a merge leftover")),
    ("a broken policy",
     lambda d: edit(d, "policies.yaml", lambda s: s.replace("timezone: Europe/Amsterdam", "timezone: Mars/Base")),
     ("policies.yaml", lambda d: line_no(d, "policies.yaml", "Mars/Base"), "Mars/Base")),
]


@pytest.mark.parametrize("name, breaks, expected", BREAKS, ids=[b[0] for b in BREAKS])
def test_each_problem_is_named_with_its_place(two: Desk, name: str, breaks: Callable[[Desk], object],
                                              expected: tuple) -> None:
    breaks(two)
    path, line, words = expected
    line = line(two) if callable(line) else line
    r = two.run("fsck")
    assert r.code == 1, r.out
    where = f"{path}:{line}: " if line else f"{path}: "
    hits = [x for x in r.out.splitlines() if x.startswith(where) and words in x]
    assert hits, f"expected {where!r} ... {words!r} in:\n{r.out}"
    assert "problem" in r.err and "Traceback" not in r.err


def test_same_ticket_in_two_files(two: Desk) -> None:
    shutil.copy(two.root / T1, two.root / "tickets/AB/000/AB-0003.yaml")
    r = two.run("fsck")
    assert r.code == 1
    assert "tickets/AB/000/AB-0003.yaml:1: ticket ID AB-0001 is also used by tickets/AB/000/AB-0001.yaml" in r.out
    assert "does not match the file name AB-0003" in r.out
    assert "is also in tickets/AB/000/AB-0001.yaml (a copied file?)" in r.out  # the events too


def test_invoice_billed_twice_and_number_issued_twice(two: Desk) -> None:
    two.ok("work", "AB-0001", "30m")
    r = two.run("invoice", "2026-11", "--mark", now="2026-12-01T09:00:00+01:00")
    assert r.code == 0, r.err
    (rec,) = sorted((two.root / "invoices").glob("*.yaml"))
    shutil.copy(rec, rec.with_name(rec.name.replace(".AB.", ".BE.")))  # a second clone issued the same
    r = two.run("fsck")
    assert r.code == 1
    assert "was also issued in" in r.out and "billed twice" in r.out


def test_json_format_and_exit_codes(two: Desk) -> None:
    r = two.run("fsck", "--format", "json")
    assert r.code == 0 and json.loads(r.out) == {"tickets": 2, "problems": []}
    edit(two, T1, lambda s: s.replace('"type": "commented"', '"type": "chatted"'))
    r = two.run("fsck", "--format", "json")
    data = json.loads(r.out)
    assert r.code == 1 and data["problems"][0]["path"] == T1 and data["problems"][0]["line"] == _comment_line(two)
    assert two.run("fsck", "--format", "xml").code == 2


def test_fsck_writes_nothing(two: Desk) -> None:
    edit(two, T2, lambda s: s + '- {"id": "01JDQ')
    before = two.snapshot()
    assert two.run("fsck").code == 1
    assert two.snapshot() == before


@pytest.mark.slow
def test_ten_thousand_tickets_in_a_few_seconds(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from tix.core import events, yamlio
    from tix.core.ids import RandomIds

    ids = RandomIds()

    d = make_desk(tmp_path / "big")
    store = Store(d.root)
    at = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=1)))
    for i in range(1, 10_001):
        p = store.path_for(f"AB-{i:04d}")
        p.parent.mkdir(parents=True, exist_ok=True)
        evs = [events.make(ids, "opened", "anna", at), events.make(ids, "taken", "anna", at),
               events.make(ids, "commented", "anna", at, text="on my way"),
               events.make(ids, "worked", "anna", at, minutes=30), events.make(ids, "resolved", "anna", at, solution="ok")]
        head = yamlio.dump({"id": f"AB-{i:04d}", "title": f"Ticket {i}", "org": "contoso", "impact": 2, "urgency": 2})
        p.write_bytes(head.encode() + b"events:\n" + b"".join(map(encode_event, evs)))
    t0 = time.process_time()
    r = d.run("fsck")
    took = time.process_time() - t0
    assert r.code == 0, r.out[:2000]
    assert took < 10, f"fsck of 10,000 tickets took {took:.1f} s of CPU"


def test_parallel_check_finds_what_the_serial_one_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big desks are checked file by file in worker processes and merged in
    path order: the same findings (copied files' repeated event ids, broken,
    torn and misplaced files, links) as one process."""
    import random

    from tests.test_cache_equivalence import _generated, _random_edits
    from tix.storage import fsck

    desk = _generated(tmp_path / "gen", 300, 8)
    _random_edits(desk, random.Random(12), 25, "sanne")
    serial = desk.run("fsck", "--format", "json")
    monkeypatch.setattr(fsck, "PARALLEL_MIN", 1)
    if (os.cpu_count() or 1) < 2:
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parallel = desk.run("fsck", "--format", "json")
    assert json.loads(serial.out)["problems"] and serial.code == 1
    assert (parallel.code, parallel.out) == (serial.code, serial.out)
