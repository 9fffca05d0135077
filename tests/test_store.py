"""The ticket file format and safe writes, with real files and real processes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tix.core import events
from tix.core.ids import RandomIds
from tix.core.errors import BrokenFile, NotFound
from tix.storage.store import Store, encode_event, parse_ticket_text

IDS = RandomIds()


def test_file_is_block_yaml_header_plus_one_json_event_per_line(desk):
    tid = desk.new("--title", "Grüntjens: printer", "--org", "contoso", "-m", "line one\nline two",
                   "--requester", "Yoeri Grüntjens <yoeri@contoso.com>", "--tag", "printer")
    desk.ok("comment", tid, "-m", 'quote " and newline\nand \u2028 separator')
    path = desk.root / "tickets" / "AB" / "000" / f"{tid}.yaml"
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("events:\n")
    assert "description: |-\n  line one\n  line two\n" in head
    lines = tail.splitlines()
    assert len(lines) == 2 and all(ln.startswith("- {") for ln in lines)
    evs = [json.loads(ln[2:]) for ln in lines]
    assert [e["type"] for e in evs] == ["opened", "commented"]
    assert all({"id", "at", "by", "type"} <= e.keys() for e in evs)
    assert evs[1]["text"] == 'quote " and newline\nand \u2028 separator'
    # the whole file is also valid YAML, and the same data
    doc = yaml.safe_load(text)
    assert doc["id"] == tid and doc["events"][1]["text"] == evs[1]["text"]


def test_ids_are_sequential_per_prefix_and_map_to_files(desk):
    ids = [desk.new("--title", f"t{i}") for i in range(3)]
    assert ids == ["AB-0001", "AB-0002", "AB-0003"]
    store = Store(desk.root)
    assert store.path_for("AB-1234") == desk.root / "tickets/AB/001/AB-1234.yaml"
    assert store.resolve_id("ab-2") == "AB-0002"
    assert store.resolve_id("AB-0003") == "AB-0003"


def test_prefix_lookup_and_ambiguity(desk):
    for i in range(12):
        desk.new("--title", f"t{i}")
    r = desk.run("show", "AB-001")
    assert r.code == 2 and "ambiguous" in r.err and "AB-0010" in r.err and "AB-0011" in r.err
    assert desk.run("show", "AB-0012").code == 0


def test_torn_last_line_is_ignored_then_repaired(desk):
    tid = desk.new("--title", "torn")
    path = desk.root / "tickets/AB/000" / f"{tid}.yaml"
    with open(path, "ab") as fh:
        fh.write(b'- {"id": "01ABC", "at": "2026-11-23T10:0')  # a crash mid-write
    store = Store(desk.root)
    assert len(store.ticket(tid).events) == 1  # readers ignore the torn line
    desk.ok("comment", tid, "-m", "after the crash")
    data = path.read_bytes()
    assert b"01ABC" not in data and data.endswith(b"\n")
    assert [e["type"] for e in store.ticket(tid).events] == ["opened", "commented"]


def test_complete_last_line_without_newline_is_kept(desk):
    tid = desk.new("--title", "hand edit")
    path = desk.root / "tickets/AB/000" / f"{tid}.yaml"
    ev = events.make(IDS, "commented", "anna", events.parse_stamp("2026-11-23T10:00:00+01:00"), text="kept")
    with open(path, "ab") as fh:
        fh.write(encode_event(ev).rstrip(b"\n"))
    desk.ok("comment", tid, "-m", "next")
    texts = [e.get("text") for e in Store(desk.root).ticket(tid).events]
    assert texts == [None, "kept", "next"]


@pytest.mark.parametrize("content, problem", [
    (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not UTF-8"),
    (b"id: AB-0001\ntitle: [unclosed\nevents:\n", "not valid YAML"),
    (b"id: AB-0001\ntitle: x\n", "no `events:`"),
    (b"a: &a [x]\nb: *a\nevents:\n", "anchors and aliases"),
    (b"!!python/object/apply:os.system ['touch /tmp/pwned']\nevents:\n", "not valid YAML"),
    (b'id: AB-0001\nevents:\n- {"id": "1", "at": "2026-11-23T10:00:00+01:00", "by": "x", "type": "opened"}\n'
     b'- {"id": "2", "at": "2026-11-23T10:00:00+01:00", "by": "x", "type": "worked", "minutes": "lots"}\n'
     b'- {"id": "3", "at": "2026-11-23T10:00:00+01:00", "by": "x", "type": "opened"}\n', "wrong type"),
    (b'id: AB-0001\nevents:\n- {"id": "1", "at": "2026-11-23T10:00:00+01:00", "by": "x", "type": "hacked"}\n'
     b'- {"id": "2", "at": "2026-11-23T10:00:00+01:00", "by": "x", "type": "opened"}\n', "unknown event type"),
    (b"id: AB-0001\nevents:\n<<<<<<< ours\n", "conflict markers"),
])
def test_broken_files_are_refused_with_path_and_line(content, problem):
    with pytest.raises(BrokenFile) as exc:
        parse_ticket_text(content, "tickets/AB/000/AB-0001.yaml")
    assert problem in str(exc.value)
    assert str(exc.value).startswith("tickets/AB/000/AB-0001.yaml")


def test_a_broken_file_does_not_stop_the_others(desk):
    good = desk.new("--title", "good one")
    bad = desk.new("--title", "bad one")
    path = desk.root / "tickets/AB/000" / f"{bad}.yaml"
    path.write_text(path.read_text().replace("title: bad one", "title: [bad"))
    r = desk.run("show", bad)
    assert r.code == 2 and f"tickets/AB/000/{bad}.yaml:" in r.err and "Traceback" not in r.err
    assert desk.run("show", good).code == 0
    r = desk.run("list")
    assert r.code == 0 and good in r.out and bad not in r.out and bad in r.err


def test_symlink_outside_the_desk_is_never_followed(desk, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: AB-0009\ntitle: secret\nevents:\n")
    (desk.root / "tickets/AB/000").mkdir(parents=True, exist_ok=True)
    os.symlink(secret, desk.root / "tickets/AB/000/AB-0009.yaml")
    r = desk.run("show", "AB-0009")
    assert r.code == 2 and "symbolic link" in r.err
    r = desk.run("comment", "AB-0009", "-m", "x")
    assert r.code == 2 and secret.read_text().count("\n") == 3


def _writer(root: Path, tid: str, who: int, n: int) -> None:
    store = Store(root)
    for i in range(n):
        store.append(tid, [events.make(IDS, "commented", f"w{who}", events.parse_stamp("2026-11-23T10:00:00+01:00"),
                                       text=f"{who}-{i}")])


def test_concurrent_processes_lose_no_event(desk):
    tid = desk.new("--title", "busy ticket")
    code = ("import sys; from pathlib import Path; sys.path.insert(0, %r); from tests.test_store import _writer; "
            "_writer(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), 50)" % str(Path(__file__).parents[1]))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(desk.root), tid, str(w)]) for w in range(6)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    t = Store(desk.root).ticket(tid)
    texts = sorted(e["text"] for e in t.events if e["type"] == "commented")
    assert texts == sorted(f"{w}-{i}" for w in range(6) for i in range(50))
    assert len({e["id"] for e in t.events}) == len(t.events) == 301


def test_concurrent_new_tickets_get_distinct_ids(desk):
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "new", "--title", f"p{i}"], env=desk.env(),
                              stdout=subprocess.PIPE, text=True) for i in range(8)]
    ids = [p.communicate(timeout=120)[0].split()[0] for p in procs]
    assert sorted(ids) == [f"AB-{i:04d}" for i in range(1, 9)]


def test_sigkill_mid_writes_leaves_valid_files(desk):
    """Kill a writer process at random moments; every file stays readable and
    every acknowledged append is on disk."""
    tid = desk.new("--title", "crash target")
    ack = desk.root.parent / "acks.txt"
    code = ("import sys; from pathlib import Path; from tix.storage.store import Store; from tix.core import events\n"
            "from tix.core.ids import RandomIds; ids = RandomIds()\n"
            "s = Store(Path(sys.argv[1])); ack = open(sys.argv[3], 'a')\n"
            "for i in range(100000):\n"
            "    s.append(sys.argv[2], [events.make(ids, 'commented', 'k', events.parse_stamp('2026-11-23T10:00:00+01:00'), text='x' * 200 + str(i))])\n"
            "    ack.write(str(i) + '\\n'); ack.flush()\n")
    import random

    rng = random.Random(7)
    ack.write_text("")  # a writer killed before it opened the file acknowledged nothing
    for trial in range(15):
        p = subprocess.Popen([sys.executable, "-c", code, str(desk.root), tid, str(ack)])
        time.sleep(rng.uniform(0.15, 0.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        t = Store(desk.root).ticket(tid)  # never raises: a torn tail is ignored
        on_disk = {e["text"][200:] for e in t.events if e["type"] == "commented"}
        acked = {ln for ln in ack.read_text().split("\n") if ln}
        assert acked <= on_disk, f"trial {trial}: acknowledged but lost: {sorted(acked - on_disk)[:5]}"
        ack.write_text("")
    # the next writer repairs any torn tail; the file is valid YAML as a whole
    desk.ok("comment", tid, "-m", "survived")
    doc = yaml.safe_load((desk.root / "tickets/AB/000" / f"{tid}.yaml").read_text())
    assert doc["events"][-1]["text"] == "survived"


def test_not_found_and_bad_ids(desk):
    store = Store(desk.root)
    with pytest.raises(NotFound):
        store.resolve_id("ZZ-0001")
    for bad in ("../../etc/passwd", "AB-00/1", "", "AB-0001.yaml"):
        r = desk.run("show", bad)
        assert r.code == 2, bad


@pytest.mark.parametrize("text", ["two\nlines", "trailing  \nspaces", "a\n\ttab", "ends with newline\n",
                                  "  leading\nspaces", "Grüntjens\nü ø č"])
def test_descriptions_read_back_exactly(desk, text):
    tid = desk.new("--title", "exact", "-m", "-", input=text)
    import io
    import sys

    from tix.cli.commands.common import text_arg  # what -m - does to the text: CRLF and outer newlines only

    old = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        expected = text_arg("-", "-m")
    finally:
        sys.stdin = old
    assert Store(desk.root).ticket(tid).f("description") == expected
