"""The ticket-file grammar (pure): a YAML header, an `events:` line, then
one event per line as `- {json}` (valid JSON and valid YAML flow), and the
git conflict-marker pattern. The store reads and writes files with it, the
merge driver merges them with it, fsck checks them with it.

    id: AB-0042
    title: Printer offline
    impact: 2
    urgency: 4
    events:
    - {"id": "...", "type": "opened", "by": "anna", "at": "2026-11-23T10:00:00+01:00"}
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from operator import methodcaller
from typing import Any

from tix.core import events as ev_mod
from tix.core import fasthead, yamlio
from tix.core.errors import BrokenFile
from tix.core.ticket import HEADER_FIELDS, SETTABLE

ID_RE = re.compile(r"^([A-Z]{2,4})-(\d{4,9})$")
MAX_FILE = 16 * 1024 * 1024  # a ticket file past this is refused, not read
# A line that git's merge left: <<<<<<< ours, ||||||| base, =======, >>>>>>> theirs.
CONFLICT = r"^(<<<<<<<|=======\r?$|>>>>>>>|\|\|\|\|\|\|\|)"
CONFLICT_RE = re.compile(CONFLICT, re.M)
CONFLICT_BYTES_RE = re.compile(CONFLICT.encode("ascii"), re.M)


def _maybe_conflict(text: str) -> bool:  # a cheap test before CONFLICT_RE (a substring search in C)
    return "<<<<<<<" in text or "=======" in text or ">>>>>>>" in text or "|||||||" in text


# Characters YAML does not allow raw in a document; JSON lets them through.
_NON_YAML = re.compile("[\x7f-\x84\x86-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


_loads_line = fasthead.json_line  # one event line's JSON (orjson where it gives json's values)


def parse_event_line(line: str) -> tuple[dict[str, Any], datetime]:
    """One `- {json}` line (stripped) -> the validated event and its `at`.
    Raises ValueError (an `events.EventProblem` for a bad event)."""
    if not line.startswith("- "):
        raise ValueError("not a `- {...}` list item")
    ev = _loads_line(line[2:])
    return ev, ev_mod.validate(ev)


def _event(line: str, plain: bool) -> tuple[dict[str, Any], datetime]:
    """`parse_event_line`, by orjson straight away when the file's event
    text is `plain` (no line needs json's reading: `fasthead.json_plain`)."""
    if plain and line.startswith("- "):
        try:
            ev = fasthead.json_fast(line[2:])
        except ValueError:  # json reads it again: NaN, or its words for the error
            return parse_event_line(line)
        return ev, ev_mod.validate(ev)
    return parse_event_line(line)


def encode_event(ev: Any) -> bytes:
    """One event (or any JSON value: an invoice record's line or entry) as
    one line: `- {json}\\n`, valid JSON and valid YAML flow."""
    text = json.dumps(ev, ensure_ascii=False, separators=(", ", ": "))
    text = _NON_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return ("- " + text + "\n").encode("utf-8")


def parse_ticket_text(data: bytes, path: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[datetime], bool]:
    """Bytes of a ticket file -> (header, events, ats, torn_tail). Raises BrokenFile."""
    if len(data) > MAX_FILE:
        raise BrokenFile(f"file is {len(data) // 1048576} MB, larger than the {MAX_FILE // 1048576} MB limit",
                         path=path)
    cut = False  # a torn last line cut inside a UTF-8 character: ignored like any torn line
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        nl = data.rfind(b"\n")
        try:
            if data.endswith(b"\n") or err.start <= nl:
                raise err
            text, cut = data[: nl + 1].decode("utf-8"), True
        except UnicodeDecodeError as err2:
            line = data[: err2.start].count(b"\n") + 1
            raise BrokenFile("not UTF-8 text (binary garbage?)", path=path, line=line) from None
    if "\x00" in text:
        raise BrokenFile("contains NUL bytes (binary garbage?)", path=path,
                         line=text[: text.index("\x00")].count("\n") + 1)
    m = CONFLICT_RE.search(text) if _maybe_conflict(text) else None
    if m:
        raise BrokenFile("git conflict markers: finish the merge with `tix sync` (see `tix fsck`)", path=path,
                         line=text[: m.start()].count("\n") + 1)
    marker = text.find("\nevents:")
    if text.startswith("events:"):
        marker = -1
        head_text, rest, ev_line0 = "", text[len("events:"):], 1
    elif marker < 0:
        raise BrokenFile("no `events:` section", path=path)
    else:
        head_text, rest = text[: marker + 1], text[marker + len("\nevents:"):]
        ev_line0 = head_text.count("\n") + 1
    try:
        # the canonical form tix writes is read without libyaml; anything else by it
        header = (fasthead.load(head_text) or yamlio.load(head_text)) if head_text.strip() else {}
    except yamlio.YamlProblem as err:
        raise BrokenFile(err.message, path=path, line=err.line) from None
    if not isinstance(header, dict):
        raise BrokenFile("the header is not a mapping of fields", path=path, line=1)
    tail = rest.split("\n")
    first = tail[0].strip()
    if first not in ("", "[]"):
        raise BrokenFile("`events:` must be followed by one event per line", path=path, line=ev_line0)
    # orjson for every line at once where no line could need json's reading (one check per file)
    plain = fasthead.json_plain(rest)
    whole = _events_at_once(tail, plain)
    if whole is not None:
        return header, whole[0], whole[1], cut
    events: list[dict[str, Any]] = []
    ats: list[datetime] = []
    seen: set[str] = set()
    torn = False
    last = len(tail) - 1
    for i, raw in enumerate(tail[1:], start=1):
        lineno = ev_line0 + i
        s = raw.strip()
        if not s:
            continue
        try:
            ev, at = _event(s, plain)
        except (ValueError, RecursionError) as err:
            if i == last:  # a torn last line (no newline) left by a crash: readers ignore it
                torn = True
                continue
            msg = str(err) if isinstance(err, ev_mod.EventProblem) else f"event line is not valid JSON ({err})"
            raise BrokenFile(msg, path=path, line=lineno) from None
        if ev["id"] in seen:
            raise BrokenFile(f"event id {ev['id']} appears twice", path=path, line=lineno)
        seen.add(ev["id"])
        events.append(ev)
        ats.append(at)
    return header, events, ats, torn or cut


def _events_at_once(tail: list[str], plain: bool) -> tuple[list[dict[str, Any]], list[datetime]] | None:
    """The event lines of a file as tix writes them (each `- {...}` on its
    own line, the file ending in a line break), read and checked as the line
    by line loop of `parse_ticket_text` reads them, with its per-line steps
    made for all lines at once (orjson and the type checks by `map`, in C);
    None where any line needs more (a blank or torn line, a float, an
    event that fails its check, an id twice): the loop reads the file then,
    and words what is wrong with the right line number."""
    lines = tail[1:]
    if not plain or len(lines) < 2 or lines[-1] != "":
        return None
    del lines[-1]
    if not (all(map(methodcaller("startswith", "- {"), lines)) and all(map(methodcaller("endswith", "}"), lines))):
        return None
    try:
        evs = list(map(fasthead.orjson_loads, [ln[2:] for ln in lines]))
    except ValueError:
        return None
    if fasthead.has_float(evs):  # json's to read, as `fasthead.json_fast` has it
        return None
    try:
        ats = list(map(ev_mod.validate, evs))
    except (ValueError, RecursionError):
        return None
    if len({e["id"] for e in evs}) != len(evs):
        return None
    return evs, ats


_HEADER_SET = frozenset(HEADER_FIELDS)
# header fields whose value of exactly this type needs no more checking (`events.field_problem`)
_PLAIN_TYPES = {k: t for k, t in SETTABLE.items() if t in (str, int)}


def check_header(header: dict[str, Any], path: str, expected_id: str | None) -> None:
    tid = header.get("id")
    if not isinstance(tid, str) or not ID_RE.match(tid):
        raise BrokenFile(f"header `id` {tid!r} is not a ticket ID like AB-0042", path=path, line=1)
    if expected_id is not None and tid != expected_id:
        raise BrokenFile(f"header `id` {tid} does not match the file name {expected_id}", path=path, line=1)
    for k in header:
        if k not in _HEADER_SET:
            raise BrokenFile(f"unknown header field {k!r}", path=path)
    for k in ("impact", "urgency"):
        if k in header and (not isinstance(header[k], int) or isinstance(header[k], bool)):
            raise BrokenFile(f"header `{k}` {header[k]!r} is not a whole number", path=path)
        if header.get(k) is None:
            raise BrokenFile(f"header `{k}` is missing (every ticket is rated: impact x urgency)", path=path)
    if not isinstance(header.get("title", ""), str):
        raise BrokenFile("header `title` is not text", path=path)
    for k, v in header.items():
        if _PLAIN_TYPES.get(k) is type(v):
            continue  # text where text is wanted, a whole number where one is: nothing to check
        problem = ev_mod.field_problem(k, v)
        if problem:
            raise BrokenFile(f"header {problem}", path=path)
