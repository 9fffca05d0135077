"""tix.core.merge: the union of two ticket logs by event id. Tables for the
cases a clone meets, hypothesis for the laws: the merge is commutative (the
same bytes whichever side is "ours"), never loses or duplicates an event,
and keeps the shared start of the file untouched."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tix.core.merge import MergeConflict, merge_file, merge_record, merge_ticket
from tix.storage.store import CONFLICT_RE, encode_event, parse_ticket_text

HEAD = b"id: AB-0001\ntitle: Printer on floor 2 offline\ndescription: |\n  It beeps.\n  events: no\nevents:\n"


def ev(n: int, minute: int = 0, etype: str = "commented", by: str = "anna", **fields: object) -> bytes:
    """Event number n at 10:mm; ids sort like n."""
    e: dict[str, object] = {"id": f"01JD{n:022d}", "at": f"2026-11-23T10:{minute:02d}:00+01:00", "by": by,
                            "type": etype}
    if etype == "commented":
        e["text"] = fields.pop("text", f"note {n}")
    e.update(fields)
    return encode_event(e)


OPEN = ev(0, 0, "opened")


def ticket(*events: bytes, head: bytes = HEAD) -> bytes:
    return head + b"".join(events)


def ids(data: bytes) -> list[str]:
    _, events, _, _ = parse_ticket_text(data, "t.yaml")
    return [e["id"] for e in events]


def n(i: int) -> str:
    return f"01JD{i:022d}"


# ---------------------------------------------------------------- clean merges

CLEAN = [
    # (name, base, ours, theirs, expected event numbers in file order)
    ("one side appended", [0], [0, 1], [0], [0, 1]),
    ("both appended, theirs earlier", [0], [0, 2], [0, 1], [0, 1, 2]),
    ("both appended, interleaved by time", [0], [0, 1, 3], [0, 2, 4], [0, 1, 2, 3, 4]),
    ("the same event on both sides (an earlier merge)", [0], [0, 1, 2], [0, 1, 3], [0, 1, 2, 3]),
    ("shared event in different places: shared start kept", [0, 5], [0, 5, 1], [0, 5, 2, 1], [0, 5, 1, 2]),
    ("base lost its ordering (--at earlier)", [0], [0, 9, 1], [0, 2], [0, 2, 9, 1]),
    ("both sides added the file, same header", None, [0, 1], [0, 2], [0, 1, 2]),
    ("both removed the same event: they agree", [0, 1], [0, 2], [0, 3], [0, 2, 3]),
]


@pytest.mark.parametrize("name, base, ours, theirs, expected", CLEAN, ids=[c[0] for c in CLEAN])
def test_clean_merges(name: str, base: list[int] | None, ours: list[int], theirs: list[int],
                      expected: list[int]) -> None:
    def f(nums: list[int]) -> bytes:
        return ticket(*(ev(i, i, "opened" if i == 0 else "commented") for i in nums))

    b = f(base) if base is not None else None
    merged = merge_ticket(b, f(ours), f(theirs))
    assert ids(merged) == [n(i) for i in expected]
    assert merged == merge_ticket(b, f(theirs), f(ours)), "not the same bytes when the sides swap"
    assert merged.startswith(HEAD)
    assert not CONFLICT_RE.search(merged.decode())


def test_shared_start_is_untouched_byte_for_byte() -> None:
    # The base spells an event with odd spacing (a hand-written file): the merge keeps it as is.
    odd = b'-   {"id": "01JD0000000000000000000007", "at": "2026-11-23T09:00:00+01:00", "by": "x", "type": "taken"}\n'
    base = ticket(OPEN, odd)
    merged = merge_ticket(base, base + ev(1, 1), base + ev(2, 2))
    assert merged.startswith(base)
    assert ids(merged)[-2:] == [n(1), n(2)]


def test_torn_last_line_is_dropped_a_whole_one_kept() -> None:
    base = ticket(OPEN)
    torn = base + ev(1, 1) + b'- {"id": "01JD00000000000000000000'  # crash mid-append
    whole = base + ev(2, 2).rstrip(b"\n")  # a hand edit without the final newline
    merged = merge_ticket(base, torn, whole)
    assert ids(merged) == [n(0), n(1), n(2)]
    assert merged.endswith(b"\n")
    assert merged == merge_ticket(base, whole, torn)


def test_same_event_spelled_two_ways_is_one_event() -> None:
    base = ticket(OPEN)
    one = ev(1, 1)
    other = one.replace(b", ", b",  ")  # same JSON, other spacing
    merged = merge_ticket(base, base + one, base + other + ev(2, 2))
    assert ids(merged) == [n(0), n(1), n(2)]
    assert merged == merge_ticket(base, base + other + ev(2, 2), base + one)


def test_identical_sides_are_returned_as_they_are() -> None:
    x = ticket(OPEN, ev(1, 1))
    assert merge_ticket(ticket(OPEN), x, x) is x


# ---------------------------------------------------------------- conflicts

CONFLICTS = [
    # (name, base, ours, theirs, words in the reason)
    ("ours edited an old event", ticket(OPEN, ev(1, 1)), ticket(OPEN, ev(1, 1, text="EDITED"), ev(2, 2)),
     ticket(OPEN, ev(1, 1), ev(3, 3)), "changed on ours"),
    ("theirs removed an old event", ticket(OPEN, ev(1, 1)), ticket(OPEN, ev(1, 1), ev(2, 2)),
     ticket(OPEN, ev(3, 3)), "removed on theirs"),
    ("theirs changed the header", ticket(OPEN), ticket(OPEN, ev(1, 1)),
     ticket(OPEN, ev(2, 2), head=HEAD.replace(b"Printer", b"Scanner")), "header was changed on theirs"),
    ("both added the file with other headers (one prefix, two clones)", None, ticket(OPEN),
     ticket(ev(9, 0, "opened"), head=HEAD.replace(b"Printer", b"Laptop")), "header"),
    ("garbage in the middle", ticket(OPEN), ticket(OPEN, b"- {not json\n", ev(1, 1)), ticket(OPEN, ev(2, 2)),
     "ours line"),
    ("markers already in a side", ticket(OPEN), ticket(OPEN, b"<<<<<<< HEAD\n", ev(1, 1)),
     ticket(OPEN, ev(2, 2)), "conflict markers"),
    ("one event id twice", ticket(OPEN), ticket(OPEN, ev(1, 1), ev(1, 1)), ticket(OPEN, ev(2, 2)), "twice"),
]


@pytest.mark.parametrize("name, base, ours, theirs, words", CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_conflicts_never_guess_and_lose_nothing(name: str, base: bytes | None, ours: bytes, theirs: bytes,
                                                words: str) -> None:
    with pytest.raises(MergeConflict) as info:
        merge_ticket(base, ours, theirs)
    err = info.value
    assert words in err.reason
    assert CONFLICT_RE.search(err.marked.decode()), "a conflict must be visible"
    for side in (ours, theirs):  # every event line of both sides survives in the marked file
        for line in side.split(b"\n"):
            if line.startswith(b"- {") and line.endswith(b"}"):
                assert line in err.marked, line


def test_conflict_marks_only_the_disputed_event() -> None:
    base = ticket(OPEN, ev(1, 1))
    ours = ticket(OPEN, ev(1, 1, text="EDITED"), ev(2, 2))
    theirs = ticket(OPEN, ev(1, 1), ev(3, 3))
    with pytest.raises(MergeConflict) as info:
        merge_ticket(base, ours, theirs)
    text = info.value.marked.decode()
    block = text[text.index("<<<<<<<"): text.index(">>>>>>>")]
    assert "EDITED" in block and "note 1" in block
    assert n(2) not in block and n(3) not in block  # the new events merged normally
    assert text.count(n(2)) == 1 and text.count(n(3)) == 1


# ---------------------------------------------------------------- invoice records

def test_invoice_records_identical_or_conflict() -> None:
    rec = b"number: 2026-11-001\ntotal: '85.00'\n"
    assert merge_file("invoices/2026-11-001.AB.yaml", None, rec, rec) == rec
    assert merge_record(rec, rec, rec + b"# note\n") == rec + b"# note\n"  # one side only: git's own rule
    with pytest.raises(MergeConflict) as info:
        merge_file("desk/invoices/2026-11-001.AB.yaml", rec, rec.replace(b"85", b"95"), rec.replace(b"85", b"75"))
    assert "never edited" in info.value.reason
    assert b"95.00" in info.value.marked and b"75.00" in info.value.marked


def test_merge_file_routes_tickets_to_the_union() -> None:
    base = ticket(OPEN)
    merged = merge_file("tickets/AB/000/AB-0001.yaml", base, base + ev(1, 1), base + ev(2, 2))
    assert ids(merged) == [n(0), n(1), n(2)]


# ---------------------------------------------------------------- laws (hypothesis)

_EVENT = st.builds(lambda i, m: (i, m), st.integers(1, 40), st.integers(0, 59))


@st.composite
def histories(draw: st.DrawFn) -> tuple[bytes, bytes, bytes, set[str]]:
    """A base log and two sides that each appended events (some shared, e.g.
    from an earlier merge with a third clone), in any time order."""
    pool = draw(st.lists(_EVENT, min_size=0, max_size=25, unique_by=lambda x: x[0]))
    base_n = draw(st.integers(0, len(pool)))
    base = [OPEN] + [ev(i, m) for i, m in pool[:base_n]]
    rest = pool[base_n:]
    ours_new = [x for x in rest if draw(st.booleans())]
    theirs_new = [x for x in rest if x not in ours_new or draw(st.booleans())]
    ours_new = draw(st.permutations(ours_new))
    theirs_new = draw(st.permutations(theirs_new))
    all_ids = {n(0)} | {n(i) for i, _ in pool[:base_n]} | {n(i) for i, _ in ours_new} | {n(i) for i, _ in theirs_new}
    return (ticket(*base), ticket(*base, *(ev(i, m) for i, m in ours_new)),
            ticket(*base, *(ev(i, m) for i, m in theirs_new)), all_ids)


@settings(max_examples=300, deadline=None)
@given(histories(), st.booleans())
def test_merge_is_commutative_and_loses_nothing(h: tuple[bytes, bytes, bytes, set[str]], no_base: bool) -> None:
    base, ours, theirs, expected = h
    b = None if no_base else base
    merged = merge_ticket(b, ours, theirs)
    assert merged == merge_ticket(b, theirs, ours)
    got = ids(merged)
    assert len(got) == len(set(got)), "an event twice"
    assert set(got) == expected, "an event lost or invented"
    assert merged.startswith(base), "the shared start was rewritten"


@settings(max_examples=150, deadline=None)
@given(histories())
def test_merging_again_changes_nothing(h1: tuple[bytes, bytes, bytes, set[str]]) -> None:
    base, ours, theirs, _ids = h1
    merged = merge_ticket(base, ours, theirs)
    # A clone that already has the merge merges it with either side: nothing changes.
    assert merge_ticket(ours, merged, ours) == merged
    assert set(ids(merge_ticket(theirs, merged, theirs + ev(99, 59)))) == set(ids(merged)) | {n(99)}


def test_events_are_json_objects_one_per_line() -> None:
    base = ticket(OPEN)
    merged = merge_ticket(base, base + ev(1, 1), base + ev(2, 2))
    for line in merged.split(b"events:\n", 1)[1].splitlines():
        assert json.loads(line[2:])["id"]
