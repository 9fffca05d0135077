"""The merge of two versions of a desk file: pure, no git, no disk.

`merge_ticket(base, ours, theirs)` unions two ticket logs by event `id`:
the lines both sides share at the start stay as they are, byte for byte;
the rest of the two logs is merged like two sorted runs (heads compared by
`at`, then `id`), so every side keeps its own order and a new event lands
where it happened. The result depends only on the three inputs as a set,
never on which side is "ours", so every clone that merges the same two
commits writes the same bytes and all clones converge.

It never guesses. When a side changed the header, changed or removed an
event that the base holds, or two sides hold different versions of one
event, it raises `MergeConflict` carrying a conflict-marked file in which
every event of both sides is present: the merged events once, the disputed
ones in a `<<<<<<< ours / ||||||| base / ======= / >>>>>>> theirs` block.
Invoice records (`invoices/*.yaml`) are written once and never changed:
identical versions merge, different ones conflict.

`merge_file(path, ...)` picks the right one of the two from the path."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tix.core.grammar import CONFLICT_BYTES_RE, parse_event_line

_EVENTS_LINE = re.compile(rb"^events:[ \t]*(\[\])?[ \t]*\r?$", re.M)


class MergeConflict(Exception):
    """The two versions cannot be merged without a guess. `reason` says why
    (one line), `marked` is the file to leave in the work tree: every line of
    both sides, the disputed part between conflict markers."""

    def __init__(self, reason: str, marked: bytes):
        super().__init__(reason)
        self.reason = reason
        self.marked = marked


class _Unmergeable(Exception):
    """A side is not a well-formed ticket log (markers, garbage, duplicate ids)."""


@dataclass
class _Side:
    label: str
    head: bytes  # the header, up to the `events:` line
    events_line: bytes  # the `events:` line itself, with its newline
    order: list[str] = field(default_factory=list)  # event ids in file order
    line: dict[str, bytes] = field(default_factory=dict)  # id -> the line, without newline
    value: dict[str, Any] = field(default_factory=dict)  # id -> the parsed event
    key: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # id -> (at, id)


def _parse(data: bytes, label: str) -> _Side:
    """A ticket file -> its header and its events by id. A torn last line
    (a crash mid-append: no newline, not a whole event) is dropped, as every
    reader ignores it; a torn line that is a whole event is kept."""
    if CONFLICT_BYTES_RE.search(data):
        raise _Unmergeable(f"{label} already contains conflict markers")
    m = _EVENTS_LINE.search(data)
    if m is None:
        raise _Unmergeable(f"{label} has no `events:` line")
    end = m.end()
    if data[end:end + 1] == b"\n":
        end += 1
    side = _Side(label, data[: m.start()], data[m.start():end].rstrip(b"\r\n") + b"\n")
    raw = data[end:].split(b"\n")
    last = len(raw) - 1  # raw[last] is b"" when the file ends with a newline
    lineno0 = data[:end].count(b"\n") + 1
    for i, line in enumerate(raw):
        s = line.strip()
        if not s:
            continue
        try:
            ev, at = parse_event_line(s.decode("utf-8"))
        except (ValueError, RecursionError) as err:
            if i == last:
                continue  # torn last line
            raise _Unmergeable(f"{label} line {lineno0 + i}: {err}") from None
        eid = ev["id"]
        if eid in side.line:
            raise _Unmergeable(f"{label} holds event {eid} twice")
        side.order.append(eid)
        side.line[eid] = line.rstrip(b"\r")
        side.value[eid] = ev
        side.key[eid] = (at, eid)
    return side


def _block(ours: bytes, base: bytes | None, theirs: bytes) -> bytes:
    out = b"<<<<<<< ours\n" + ours
    if base is not None:
        out += b"||||||| base\n" + base
    return out + b"=======\n" + theirs + b">>>>>>> theirs\n"


def _nl(lines: list[bytes]) -> bytes:
    return b"".join(x + b"\n" for x in lines)


def _whole_file_conflict(reason: str, base: bytes | None, ours: bytes, theirs: bytes) -> MergeConflict:
    def ended(b: bytes) -> bytes:
        return b if not b or b.endswith(b"\n") else b + b"\n"

    return MergeConflict(reason, _block(ended(ours), ended(base) if base is not None else None, ended(theirs)))


def _interleave(a: list[str], b: list[str], key: dict[str, tuple[datetime, str]]) -> list[str]:
    """Merge two runs of ids like the merge step of a merge sort: take the
    smaller head by (at, id). Symmetric in a and b; keeps each run's order;
    an id in both runs is taken once."""
    out: list[str] = []
    taken: set[str] = set()
    i = j = 0
    while i < len(a) or j < len(b):
        while i < len(a) and a[i] in taken:
            i += 1
        while j < len(b) and b[j] in taken:
            j += 1
        if i == len(a) and j == len(b):
            break
        pick = a[i] if j == len(b) or (i < len(a) and key[a[i]] <= key[b[j]]) else b[j]
        taken.add(pick)
        out.append(pick)
    return out


def merge_ticket(base: bytes | None, ours: bytes, theirs: bytes) -> bytes:
    """Merge two versions of a ticket file (see the module docstring).
    `base` is None (or empty) when both sides added the file. Raises MergeConflict."""
    if ours == theirs:
        return ours
    try:
        o = _parse(ours, "ours")
        t = _parse(theirs, "theirs")
    except _Unmergeable as err:
        raise _whole_file_conflict(str(err), base, ours, theirs) from None
    b: _Side | None = None
    if base:
        try:
            b = _parse(base, "base")
        except _Unmergeable:
            # A base tix cannot read (e.g. git's virtual base of a criss-cross
            # merge holding markers): merge without it, as if both added the file.
            b = None

    reasons: list[str] = []
    # The header is written once; a change on one side only is a hand edit.
    # (Both sides making the same change agree: nothing to guess.)
    head_conflict = o.head != t.head
    if head_conflict:
        who = "" if b is None else " on theirs" if o.head == b.head else " on ours" if t.head == b.head else ""
        reasons.append(f"the header was changed{who or ' (the sides differ)'}; tix never edits a header")

    # Decide every event: the line to write, or None when it is disputed.
    key: dict[str, tuple[datetime, str]] = {}
    chosen: dict[str, bytes | None] = {}
    for eid in {*o.line, *t.line}:
        key[eid] = min(s.key[eid] for s in (o, t) if eid in s.key)
        ol, tl = o.line.get(eid), t.line.get(eid)
        bl = b.line.get(eid) if b is not None else None
        if ol is not None and tl is not None:
            if ol == tl:
                chosen[eid] = ol
            elif o.value[eid] == t.value[eid]:  # one event, spelled two ways: pick one, symmetrically
                same_as_base = b is not None and bl is not None and b.value[eid] == o.value[eid]
                chosen[eid] = bl if same_as_base else min(ol, tl)
            else:
                chosen[eid] = None
                if b is not None and bl is not None and b.value[eid] in (o.value[eid], t.value[eid]):
                    who = "theirs" if b.value[eid] == o.value[eid] else "ours"
                    reasons.append(f"event {eid} was changed on {who} (a hand edit)")
                else:
                    reasons.append(f"event {eid} differs between the two sides (a hand edit)")
        else:
            mine, other = (o, t) if ol is not None else (t, o)
            if b is None or bl is None:
                chosen[eid] = mine.line[eid]  # new on one side: the normal case
            else:
                chosen[eid] = None
                changed = "" if mine.value[eid] == b.value[eid] else f", and changed on {mine.label}"
                reasons.append(f"event {eid} was removed on {other.label}{changed} (a hand edit)")
    # An event of the base that neither side holds was removed by both: they agree.

    # The shared start stays untouched; the rest is interleaved.
    n = 0
    limit = min(len(o.order), len(t.order))
    while n < limit and o.order[n] == t.order[n] and chosen[o.order[n]] is not None:
        n += 1
    order = o.order[:n] + _interleave(o.order[n:], t.order[n:], key)

    events_line = o.events_line if o.events_line == t.events_line else b"events:\n"
    if not reasons:
        return o.head + events_line + _nl([chosen[e] for e in order])  # type: ignore[misc]

    # A conflict: keep every line of both sides, disputed ones between markers.
    out = _block(o.head, b.head if b is not None else None, t.head) if head_conflict else o.head
    out += events_line
    for eid in order:
        line = chosen[eid]
        if line is not None:
            out += line + b"\n"
        else:
            ol, tl = o.line.get(eid), t.line.get(eid)
            bl = b.line.get(eid) if b is not None else None
            out += _block(_nl([ol] if ol is not None else []), _nl([bl] if bl is not None else []),
                          _nl([tl] if tl is not None else []))
    reason = reasons[0] + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else "")
    raise MergeConflict(reason, out)


def merge_record(base: bytes | None, ours: bytes, theirs: bytes) -> bytes:
    """Invoice records are written once and never changed: equal versions
    merge, anything else is a conflict (tix cannot know which bill is right)."""
    if ours == theirs:
        return ours
    if base and base == ours:
        return theirs
    if base and base == theirs:
        return ours
    raise _whole_file_conflict("the invoice record differs between the two sides (records are never edited)",
                               base or None, ours, theirs)


def is_record(path: str | None) -> bool:
    """Is this repository path an invoice record (else a ticket file)?"""
    if not path:
        return False
    parts = path.replace("\\", "/").split("/")
    return len(parts) >= 2 and parts[-2] == "invoices"


def merge_file(path: str | None, base: bytes | None, ours: bytes, theirs: bytes) -> bytes:
    """Merge one desk file by its kind. Raises MergeConflict."""
    if is_record(path):
        return merge_record(base, ours, theirs)
    return merge_ticket(base or None, ours, theirs)
