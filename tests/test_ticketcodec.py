"""The index's blobs (`tix.storage.ticketcodec`): a ticket read back is the
ticket written, field for field and type for type, whichever of the two
encodings it took; a damaged blob is refused, and the file parsed again."""

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tix.storage import index, ticketcodec
from tix.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent  # the bundled demo desk


def _same(a, b):
    assert type(a) is type(b)
    assert a.__dict__ == b.__dict__
    for name, x in a.__dict__.items():  # equal is not enough: a date must stay a date, a tuple a tuple
        y = b.__dict__[name]
        assert type(x) is type(y), name
        if isinstance(x, datetime):
            assert x.tzinfo == y.tzinfo and x.utcoffset() == y.utcoffset() and x.fold == y.fold
        if isinstance(x, list):
            for p, q in zip(x, y, strict=True):
                assert type(p) is type(q), name
                if isinstance(p, tuple) and p and isinstance(p[0], datetime):
                    assert p[0].utcoffset() == q[0].utcoffset()


def _demo_tickets():
    store = Store(ROOT)
    return [store.load_path(p) for p in store.ticket_paths()]


def test_every_demo_ticket_round_trips_by_marshal():
    tickets = _demo_tickets()
    assert len(tickets) > 100
    for t in tickets:
        blob = ticketcodec.dumps(t)
        assert blob.startswith(ticketcodec.MAGIC), t.id
        _same(t, ticketcodec.loads(blob))
        t.events = []  # as the index keeps them
        _same(t, ticketcodec.loads(ticketcodec.dumps(t)))


def test_offsets_of_every_kind_round_trip():
    t = _demo_tickets()[0]
    zones = [timezone.utc, timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(hours=14)),
             timezone(timedelta(seconds=3600 + 17))]
    for z in zones:
        t.created = datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=z)
        t.status_log = [(t.created, "new"), (datetime(2026, 10, 25, 2, 30, tzinfo=z, fold=1), "open")]
        back = ticketcodec.loads(ticketcodec.dumps(t))
        _same(t, back)
        assert back.status_log[1][0].fold == 1


@pytest.mark.parametrize("change", ["named zone", "extra attribute", "no zone", "fractional offset"])
def test_what_marshal_cannot_hold_is_pickled_and_read_back_the_same(change):
    t = _demo_tickets()[1]
    if change == "named zone":
        t.closed_at = datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=1), "CET"))
    elif change == "extra attribute":
        t.scratch = 1  # type: ignore[attr-defined]
    elif change == "no zone":
        t.resolved_at = datetime(2026, 1, 5, 10)
    else:
        t.last_activity = datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(seconds=1, microseconds=5)))
    blob = ticketcodec.dumps(t)
    assert not blob.startswith(ticketcodec.MAGIC)
    _same(t, ticketcodec.loads(blob))
    if change == "named zone":
        assert ticketcodec.loads(blob).closed_at.tzname() == "CET"


@pytest.mark.parametrize("blob", [
    ticketcodec.MAGIC,  # nothing after the mark
    ticketcodec.MAGIC + b"\x00\x01garbage",
    ticketcodec.MAGIC + __import__("marshal").dumps(("only", "two")),
    ticketcodec.MAGIC + __import__("marshal").dumps(tuple(range(40))),
])
def test_a_damaged_blob_is_refused(blob):
    with pytest.raises(index.CACHE_ERRORS):
        ticketcodec.loads(blob)


def test_a_damaged_blob_file_changes_no_output(desk):
    for i in range(6):
        tid = desk.new("--title", f"Ticket {i}", "--org", "contoso", "--impact", "2", "--urgency", "4")
        desk.ok("work", tid, "20m")
    before = [desk.ok("list", "--all", "--format", "json"), desk.ok("report", "month", "2026-11", "--format", "json")]
    state = Store(desk.root).state_dir
    blobs = [p for p in state.iterdir() if p.name.startswith(index.BLOBS)]
    assert blobs
    for p in blobs:
        raw = bytearray(p.read_bytes())
        marks = {k + j for k in range(len(raw)) if raw.startswith(ticketcodec.MAGIC, k) for j in range(4)}
        assert len(marks) >= 4 * 6
        for k in range(len(raw)):  # every byte but the marks flipped: no blob reads as a ticket
            if k not in marks:
                raw[k] ^= 0x5A
        p.write_bytes(bytes(raw))
        os.utime(p)
    after = [desk.ok("list", "--all", "--format", "json"), desk.ok("report", "month", "2026-11", "--format", "json")]
    assert after == before
