"""The event vocabulary of a ticket log: types, their fields, validation, and
new events (their ids come from the `tix.core.ids` source the caller hands in).

Events stay the plain dicts that `json.loads` returns (a million of them are
folded on a cold reindex; dataclasses would triple that cost); `validate`
checks each against `SCHEMA`, so the fold can trust every field it reads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tix.core.dates import parse_stamp
from tix.core.ticket import SETTABLE

if TYPE_CHECKING:
    from tix.core.ids import IdSource

LINK_KINDS = {  # kind -> the kind recorded on the other ticket
    "relates": "relates",
    "caused-by": "causes",
    "causes": "caused-by",
    "duplicate-of": "duplicated-by",
    "duplicated-by": "duplicate-of",
    "parent-of": "child-of",
    "child-of": "parent-of",
    "fixes": "fixed-by",
    "fixed-by": "fixes",
}

# type -> {field: (python types, required)}
_STR, _INT, _BOOL, _DICT, _LIST = (str,), (int,), (bool,), (dict,), (list,)
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    # terms: the contract, priority, targets and service hours in force (tix.core.contracts)
    "opened": {"message_id": (_STR, False), "terms": (_DICT, False)},  # message_id: `tix mail import`
    "set": {"fields": (_DICT, True), "terms": (_DICT, False)},
    "assigned": {"team": (_STR, False), "to": (_STR, False)},
    "taken": {},
    "commented": {"text": (_STR, True), "internal": (_BOOL, False), "requester": (_BOOL, False),
                  "message_id": (_STR, False), "template": (_STR, False), "attachments": (_LIST, False)},
    "status": {"status": (_STR, True), "note": (_STR, False)},
    "worked": {"minutes": (_INT, True), "note": (_STR, False), "rate": (_STR, False), "onsite": (_BOOL, False),
               "after_hours": (_BOOL, False), "no_bill": (_BOOL, False)},
    "resolved": {"solution": (_STR, True)},
    "closed": {"note": (_STR, False)},
    "reopened": {"reason": (_STR, False)},
    "linked": {"link": (_STR, True), "other": (_STR, True)},
    "unlinked": {"link": (_STR, True), "other": (_STR, True)},
    "escalated": {"to_team": (_STR, True), "from_team": (_STR, False), "line": (_INT, False),
                  "auto": (_BOOL, False), "reason": (_STR, False)},
    "feedback": {"score": (_INT, True), "text": (_STR, False)},
    "approved": {"note": (_STR, False)},
    "planned": {"start": (_STR, True), "end": (_STR, True), "agent": (_STR, True)},
    "unplanned": {"note": (_STR, False)},
    "notified": {"key": (_STR, True), "kind": (_STR, False), "to": (_LIST, False), "message_id": (_STR, False)},
    "attached": {"name": (_STR, True), "path": (_STR, True), "size": (_INT, False), "sha256": (_STR, False)},
    "merged": {"into": (_STR, True)},
    "absorbed": {"from": (_STR, True)},
    # `tix sync` moved a ticket made offline under a prefix another clone had claimed
    "renumbered": {"from": (_STR, True), "to": (_STR, False)},
    # alerts and checklists
    "alerted": {"state": (_STR, True), "text": (_STR, True), "rule": (_STR, False), "suppressed": (_INT, False),
                "message_id": (_STR, False)},
    "check_added": {"text": (_STR, True)},
    "checked": {"item": (_INT, True), "undo": (_BOOL, False)},
}
EVENT_TYPES = tuple(SCHEMA)
STATUSES = ("new", "open", "waiting", "resolved", "closed")
_COMMON = ("id", "at", "by", "type")
MAX_MINUTES = 24 * 60


class EventProblem(ValueError):
    pass


def validate(ev: Any) -> datetime:
    """Check one event; return its parsed `at`. Raises EventProblem."""
    if not isinstance(ev, dict):
        raise EventProblem("an event must be a JSON object")
    for k in _COMMON:
        if not isinstance(ev.get(k), str) or not ev[k]:
            raise EventProblem(f"event field {k!r} is missing or not text")
    etype = ev["type"]
    schema = SCHEMA.get(etype)
    if schema is None:
        raise EventProblem(f"unknown event type {etype!r} (known: {', '.join(EVENT_TYPES)})")
    try:
        at = parse_stamp(ev["at"])
    except ValueError:
        raise EventProblem(f"event {ev['id']}: 'at' {ev['at']!r} is not ISO 8601 with an offset") from None
    if not 1990 <= at.year <= 2200:
        raise EventProblem(f"event {ev['id']}: 'at' {ev['at']!r} is not a plausible date")
    for name, (types, required) in schema.items():
        if name not in ev:
            if required:
                raise EventProblem(f"event {ev['id']} ({etype}): field {name!r} is missing")
            continue
        value = ev[name]
        if not isinstance(value, types) or (types == _INT and isinstance(value, bool)):
            raise EventProblem(f"event {ev['id']} ({etype}): field {name!r} has the wrong type "
                               f"({type(value).__name__}, expected {types[0].__name__})")
    if etype == "set":
        for name, value in ev["fields"].items():
            problem = field_problem(name, value)
            if problem:
                raise EventProblem(f"event {ev['id']} (set): {problem}")
    if etype == "status" and ev["status"] not in STATUSES:
        raise EventProblem(f"event {ev['id']} (status): status {ev['status']!r} unknown (known: "
                           f"{', '.join(STATUSES)})")
    if etype == "planned":
        for name in ("start", "end"):
            try:
                parse_stamp(ev[name])
            except ValueError:
                raise EventProblem(f"event {ev['id']} (planned): {name!r} {ev[name]!r} is not ISO 8601 with an "
                                   f"offset") from None
    if etype == "worked" and not 0 < ev["minutes"] <= MAX_MINUTES:
        raise EventProblem(f"event {ev['id']} (worked): minutes {ev['minutes']} outside 1..{MAX_MINUTES}")
    if etype == "feedback" and not 1 <= ev["score"] <= 5:
        raise EventProblem(f"event {ev['id']} (feedback): score {ev['score']} outside 1..5")
    if etype in ("linked", "unlinked") and ev["link"] not in LINK_KINDS:
        raise EventProblem(f"event {ev['id']}: link kind {ev['link']!r} unknown")
    return at


def field_problem(name: str, value: Any) -> str | None:
    """What is wrong with an intake field's value (header or `set` event), or
    None. Types as `ticket.SETTABLE` says, so the fold can trust them; fields
    tix does not know are ignored by the fold."""
    want = SETTABLE.get(name)
    if want is None:
        return None
    if value is None:
        return f"field {name!r} is empty" if name in ("impact", "urgency") else None
    types = want if isinstance(want, tuple) else (want,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if ok and isinstance(value, list):
        ok = all(isinstance(x, str) for x in value)
    if ok and isinstance(value, dict):
        ok = all(isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
                 for k, v in value.items())
    if not ok:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        return f"field {name!r} {shown} is not {_TYPE_NAMES.get(types[0], types[0].__name__)}"
    return None


_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list of text",
               dict: "a mapping of text"}


def make(ids: IdSource, etype: str, by: str, at: datetime, /, **fields: Any) -> dict[str, Any]:
    """Build a new event dict, its id from `ids` (fields with value None are left out)."""
    from tix.core.dates import stamp

    ev: dict[str, Any] = {"id": ids(at), "at": stamp(at), "by": by, "type": etype}
    for k, v in fields.items():
        if v is not None and v is not False:
            ev[k] = v
    validate(ev)
    return ev
