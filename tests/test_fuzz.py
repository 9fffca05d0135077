"""Property-based tests (hypothesis) over the parts of tix that take input
from people, remotes and mailboxes:

* the event fold: any log of valid events folds without an error, the same
  set of events folds the same whatever the file order, and the time worked
  is the sum of the work entries;
* the SLA calculator: never fails, states are from the documented set,
  taken + remaining = target, and a breach never heals as time goes on;
* the billing rules: rounding up to the increment, the on-site minimum,
  no-bill entries, amounts in cents, and marking invoices month after month
  bills every billable entry exactly once;
* the duration and date parsers: round trips, and anything else typed is
  refused as bad input (never another exception);
* the merge driver: merging is commutative, idempotent, never loses or
  duplicates an event, and its result is a sound ticket file;
* the mail parser: any bytes give a parsed message or a MailProblem, and
  generated messages round-trip.

Examples per property: 60 by default. The long run:

    TIX_FUZZ_EXAMPLES=5000 pytest -m slow tests/test_fuzz.py   (or any size)

and, with atheris installed (optional), coverage-guided fuzzing of the
parsers: `python tests/test_fuzz.py mail|ticket|duration|when -runs=100000`.
`TIX_RELIABILITY_LOG=path` records how many inputs each property tried.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tix.core import events as ev_mod
from tix.core.ids import RandomIds
from tix.core.billing import amount, billed_minutes, build_invoice
from tix.core.dates import fmt_minutes, parse_minutes, parse_period, parse_stamp, parse_when, stamp
from tix.core.errors import BadInput
from tix.core.policy import DEFAULT_POLICY, parse_policy
from tix.core.ticket import replay
from tix.storage.store import encode_event, parse_ticket_text

# ----------------------------------------------------------------------------- profiles

EXAMPLES = int(os.environ.get("TIX_FUZZ_EXAMPLES") or 0)
settings.register_profile("tix-fuzz", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("tix-fuzz-long", max_examples=EXAMPLES or 5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings(settings.get_profile("tix-fuzz-long" if EXAMPLES else "tix-fuzz"))
TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_figures() -> Iterator[None]:
    yield
    log = os.environ.get("TIX_RELIABILITY_LOG")
    if log and TRIED:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": "fuzz", "examples_setting": EXAMPLES or 60, "inputs": dict(TRIED),
                                 "total": sum(TRIED.values()), "failures": 0}) + "\n")


# ----------------------------------------------------------------------------- building blocks

POLICY = parse_policy(DEFAULT_POLICY.replace("{user}", "anna").replace(
    "orgs: {}\n", "orgs:\n  contoso: {name: Contoso, domains: [contoso.com], rate: ONSITE}\n"))
TZ = POLICY.tz
UTC = UTC
BASE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
AGENTS = ["anna", "pieter", "jan@contoso.com"]
FACTORS = [1, 2, 4, 8]

offsets = st.integers(0, 120 * 24 * 60)  # minutes after BASE: four months, DST change included


def _at(minutes: int) -> str:
    return stamp((BASE + timedelta(minutes=minutes)).astimezone(TZ))


_counter = iter(range(10 ** 12))
_IDS = RandomIds()


def _eid() -> str:
    return _IDS(BASE)


@st.composite
def an_event(draw: Any, after: int = 1) -> dict[str, Any]:
    """A valid event of any type (but `opened`), at least `after` minutes after BASE."""
    kind = draw(st.sampled_from([t for t in ev_mod.EVENT_TYPES if t != "opened"]))
    ev: dict[str, Any] = {"id": _eid(), "at": _at(draw(st.integers(after, after + 60 * 24 * 60))),
                          "by": draw(st.sampled_from(AGENTS)), "type": kind}
    text = st.text(max_size=20)
    if kind == "set":
        ev["fields"] = draw(st.fixed_dictionaries({}, optional={
            "impact": st.sampled_from(FACTORS), "urgency": st.sampled_from(FACTORS), "title": text,
            "category": st.sampled_from(["incident", "request"]), "tags": st.lists(text, max_size=3)}))
    elif kind == "assigned":
        ev.update(draw(st.fixed_dictionaries({}, optional={"team": st.sampled_from(["servicedesk", "connectivity"]),
                                                           "to": st.sampled_from(AGENTS + [""])})))
    elif kind == "commented":
        ev["text"] = draw(text)
        if draw(st.booleans()):
            ev["internal"] = True
    elif kind == "status":
        ev["status"] = draw(st.sampled_from(["new", "open", "waiting"]))
    elif kind == "worked":
        ev["minutes"] = draw(st.integers(1, ev_mod.MAX_MINUTES))
        for flag in ("onsite", "after_hours", "no_bill"):
            if draw(st.booleans()):
                ev[flag] = True
    elif kind == "resolved":
        ev["solution"] = draw(text)
    elif kind in ("linked", "unlinked"):
        ev["link"] = draw(st.sampled_from(sorted(ev_mod.LINK_KINDS)))
        ev["other"] = "AB-0002"
    elif kind == "escalated":
        ev["to_team"] = "connectivity"
    elif kind == "feedback":
        ev["score"] = draw(st.integers(1, 5))
    elif kind == "planned":
        start = draw(st.integers(0, 200 * 24 * 60))
        ev.update(start=_at(start), end=_at(start + draw(st.integers(15, 480))), agent="anna")
    elif kind == "notified":
        ev["key"] = draw(st.sampled_from(["received", "resolved", "comment:x"]))
    elif kind == "attached":
        ev.update(name="a.png", path="attachments/AB-0001/a.png", size=draw(st.integers(0, 10 ** 6)))
    elif kind == "merged":
        ev["into"] = "AB-0002"
    elif kind == "absorbed":
        ev["from"] = "AB-0003"
    elif kind == "renumbered":
        ev.update({"from": "XY-0001", "to": "AB-0001"})
    elif kind == "alerted":
        ev.update(state=draw(st.sampled_from(["PROBLEM", "CRIT", "again"])), text=draw(text))
    elif kind == "check_added":
        ev["text"] = draw(text)
    elif kind == "checked":
        ev["item"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            ev["undo"] = True
    ev_mod.validate(ev)
    return ev


def opened(at: int = 0) -> dict[str, Any]:
    return {"id": _eid(), "at": _at(at), "by": "anna", "type": "opened"}


@st.composite
def a_log(draw: Any, max_size: int = 25) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {"id": "AB-0001", "title": "Fuzz", "org": draw(st.sampled_from([None, "contoso"])),
              "impact": draw(st.sampled_from(FACTORS)), "urgency": draw(st.sampled_from(FACTORS)),
              "team": "servicedesk", "category": draw(st.sampled_from(["incident", "request", "change"]))}
    evs = [opened()] + draw(st.lists(an_event(), max_size=max_size))
    return header, evs


def ticket_file(header: dict[str, Any], evs: list[dict[str, Any]]) -> bytes:
    from tix.core import yamlio

    body = {k: v for k, v in header.items() if v is not None}
    return yamlio.dump(body).encode() + b"events:\n" + b"".join(map(encode_event, evs))


def ids_of(data: bytes) -> list[str]:
    _, evs, _, torn = parse_ticket_text(data, "t.yaml")
    assert not torn
    return [e["id"] for e in evs]


# ----------------------------------------------------------------------------- the fold

@FUZZ
@given(a_log())
def test_fold_never_fails_and_sums_work(log: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    TRIED["fold"] += 1
    header, evs = log
    t = replay(header, evs)
    assert t.status in ev_mod.STATUSES
    assert sum(e["minutes"] for e in t.work) == sum(e["minutes"] for e in evs if e["type"] == "worked")
    assert t.created == parse_stamp(evs[0]["at"])
    assert t.last_activity is None or t.last_activity >= t.created


@FUZZ
@given(a_log(), st.randoms(use_true_random=False))
def test_fold_does_not_depend_on_file_order(log: tuple[dict[str, Any], list[dict[str, Any]]],
                                            rnd: random.Random) -> None:
    """Events are folded in time order: the same set of events, written in
    another order (two clones, a merge), gives the same ticket."""
    TRIED["fold order"] += 1
    header, evs = log
    ats = [e["at"] for e in evs]
    assume(len(set(ats)) == len(ats))  # equal times fold in file order, by design
    shuffled = evs[:1] + rnd.sample(evs[1:], len(evs) - 1)
    a, b = replay(header, evs), replay(header, shuffled)
    for attr in ("status", "assignee", "team", "resolved_at", "closed_at", "reopens", "first_response",
                 "fields", "merged_into", "plan", "last_activity", "public_comments"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert sorted(a.links) == sorted(b.links)
    assert [e["id"] for e in sorted(a.work, key=lambda e: e["at"])] == \
        [e["id"] for e in sorted(b.work, key=lambda e: e["at"])]


# ----------------------------------------------------------------------------- SLA

@FUZZ
@given(a_log(), st.integers(0, 200 * 24 * 60), st.integers(1, 30 * 24 * 60))
def test_sla_never_fails_and_a_breach_never_heals(log: tuple[dict[str, Any], list[dict[str, Any]]],
                                                  now_min: int, later: int) -> None:
    from tix.core import sla

    TRIED["sla"] += 1
    header, evs = log
    t = replay(header, evs)
    now = BASE + timedelta(minutes=now_min)
    s1 = sla.compute(t, POLICY, now)
    s2 = sla.compute(t, POLICY, now + timedelta(minutes=later))
    for c1, c2 in zip(s1.clocks(), s2.clocks()):
        assert c1.state in sla.STATES and c2.state in sla.STATES
        if c1.target is not None and c1.remaining is not None:
            assert abs(c1.taken + c1.remaining - c1.target) < 1e-6
        assert c1.taken >= 0
        assert c2.taken >= c1.taken - 1e-6  # time used never shrinks as now moves on
        if c1.state == "breached" and c1.done_at is None:
            assert c2.state == "breached"
        c1.to_json()
    s1.to_json()


# ----------------------------------------------------------------------------- billing

B = POLICY.billing


@FUZZ
@given(st.integers(1, ev_mod.MAX_MINUTES), st.booleans(), st.booleans())
def test_billed_minutes_rules(minutes: int, onsite: bool, no_bill: bool) -> None:
    TRIED["billed minutes"] += 1
    billed = billed_minutes(minutes, onsite=onsite, no_bill=no_bill, increment=B.increment,
                            onsite_minimum=B.onsite_minimum)
    if no_bill:
        assert billed == 0
        return
    assert billed % B.increment == 0
    floor = max(minutes, B.onsite_minimum) if onsite else minutes
    assert floor <= billed < floor + B.increment


@FUZZ
@given(st.integers(0, 10 ** 6), st.decimals(min_value=0, max_value=10 ** 4, places=2),
       st.sampled_from([Decimal(1), Decimal("1.5"), Decimal(2)]))
def test_amount_is_exact_cents(billed: int, rate: Decimal, mult: Decimal) -> None:
    TRIED["amount"] += 1
    a = amount(billed, rate, mult)
    assert a == a.quantize(Decimal("0.01"))
    exact = Decimal(billed) * rate * mult / Decimal(60)
    assert abs(a - exact) <= Decimal("0.005")
    assert a == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@FUZZ
@given(st.lists(a_log(max_size=12), min_size=1, max_size=4))
def test_invoices_month_after_month_bill_every_entry_once(logs: list[Any]) -> None:
    from tix.core.dates import month_period

    TRIED["invoice months"] += 1
    tickets = []
    for i, (header, evs) in enumerate(logs):
        header = {**header, "id": f"AB-{i + 1:04d}"}
        tickets.append(replay(header, evs))
    billed: list[str] = []
    for month in range(1, 9):  # January to August 2026
        p = month_period(2026, month, TZ)
        inv = build_invoice(tickets, POLICY, p.end, p.label, set(billed), None)
        assert all(x.at < p.end for x in inv.lines)
        assert not set(inv.entry_ids) & set(billed), "billed twice"
        assert inv.total == sum((x.amount for x in inv.lines), Decimal(0))
        billed += inv.entry_ids
    billable = [e["id"] for t in tickets for e in t.work if not e.get("no_bill")]
    assert sorted(billed) == sorted(billable)


# ----------------------------------------------------------------------------- parsers

@FUZZ
@given(st.integers(1, 10 ** 7))
def test_duration_round_trip(n: int) -> None:
    TRIED["duration round trip"] += 1
    assert parse_minutes(fmt_minutes(n)) == n
    assert parse_minutes(str(n)) == n


@FUZZ
@given(st.one_of(st.text(max_size=30), st.from_regex(r"[0-9.hHmMdD ]{0,12}", fullmatch=True),
                 st.from_regex(r"[0-9]{1,40}(\.[0-9]{1,20})?[hmd]?", fullmatch=True)))
def test_duration_parser_refuses_cleanly(text: str) -> None:
    TRIED["duration text"] += 1
    try:
        n = parse_minutes(text)
    except BadInput as err:
        assert "\n" not in str(err)[:200] or "\n" in text
        return
    assert isinstance(n, int) and n >= 1


WHEN_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"(today|tomorrow|yesterday|mon|fri|now)( [0-9]{1,2}:[0-9]{2})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?)?",
                  fullmatch=True),
)


@FUZZ
@given(WHEN_TEXT, st.integers(0, 365 * 24 * 60))
def test_date_parser_refuses_cleanly(text: str, now_min: int) -> None:
    TRIED["dates"] += 1
    now = BASE + timedelta(minutes=now_min)
    try:
        dt = parse_when(text, now=now, tz=TZ)
    except BadInput:
        return
    assert dt.tzinfo is not None and dt.utcoffset() is not None


@FUZZ
@given(st.one_of(st.text(max_size=20), st.from_regex(r"[0-9]{4}(-[0-9]{2}|-Q[0-9]|-W[0-9]{2})?", fullmatch=True),
                 st.sampled_from(["this-month", "last-month", "2026-13", "2026-00", "0000-01"])))
def test_period_parser_refuses_cleanly(text: str) -> None:
    TRIED["periods"] += 1
    try:
        p = parse_period(text, now=BASE, tz=TZ)
    except BadInput:
        return
    assert p.start < p.end


@FUZZ
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.sampled_from([UTC, TZ, timezone(timedelta(hours=-5, minutes=-30))])))
def test_stamp_round_trip(dt: datetime) -> None:
    TRIED["stamps"] += 1
    s = stamp(dt)
    want = dt.replace(microsecond=0).timestamp()  # instants: == across zones is False in a DST fold (PEP 495)
    assert parse_stamp(s).timestamp() == want
    ev = {"id": "X", "at": s, "by": "a", "type": "taken"}
    assert ev_mod.validate(ev).timestamp() == want


@FUZZ
@given(st.dictionaries(st.sampled_from(["id", "at", "by", "type", "minutes", "text", "fields", "status", "score"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                      st.integers(), max_size=3))))
def test_event_validation_refuses_cleanly(ev: dict[str, Any]) -> None:
    TRIED["event validation"] += 1
    try:
        ev_mod.validate(ev)
    except ev_mod.EventProblem:
        return


@FUZZ
@given(st.binary(max_size=3000))
def test_ticket_parser_refuses_cleanly(data: bytes) -> None:
    from tix.core.errors import BrokenFile

    TRIED["ticket bytes"] += 1
    try:
        parse_ticket_text(data, "t.yaml")
    except BrokenFile:
        return


# ----------------------------------------------------------------------------- the merge

@st.composite
def diverged(draw: Any) -> tuple[bytes, bytes, bytes, bytes]:
    """A base log, two clones that each appended (some events reached both), and a third."""
    header, evs = draw(a_log(max_size=6))
    shared = draw(st.lists(an_event(after=61 * 24 * 60), max_size=3))
    mine = draw(st.lists(an_event(after=61 * 24 * 60), max_size=5))
    theirs = draw(st.lists(an_event(after=61 * 24 * 60), max_size=5))
    third = draw(st.lists(an_event(after=61 * 24 * 60), max_size=3))
    rnd = draw(st.randoms(use_true_random=False))
    a = shared + mine
    b = shared + theirs
    rnd.shuffle(a)
    rnd.shuffle(b)
    return (ticket_file(header, evs), ticket_file(header, evs + a), ticket_file(header, evs + b),
            ticket_file(header, evs + third))


@FUZZ
@given(diverged())
def test_merge_is_commutative_and_loses_nothing(sides: tuple[bytes, bytes, bytes, bytes]) -> None:
    from tix.core.merge import merge_ticket

    TRIED["merge"] += 1
    base, a, b, c = sides
    ab, ba = merge_ticket(base, a, b), merge_ticket(base, b, a)
    assert ab == ba  # every clone writes the same bytes
    ids = ids_of(ab)
    assert len(ids) == len(set(ids)), "an event twice"
    assert set(ids) == set(ids_of(a)) | set(ids_of(b)), "an event lost"
    assert merge_ticket(base, a, a) == a
    assert merge_ticket(base, base, a) == a
    assert merge_ticket(base, ab, a) == ab  # merging again changes nothing
    # on sets of events, merging three clones in any grouping gives the same log
    left = merge_ticket(base, ab, c)
    right = merge_ticket(base, a, merge_ticket(base, b, c))
    assert set(ids_of(left)) == set(ids_of(right)) == set(ids_of(a)) | set(ids_of(b)) | set(ids_of(c))
    header, evs, ats, _ = parse_ticket_text(ab, "t.yaml")
    replay(header, evs, "t.yaml", ats)  # and it folds


@FUZZ
@given(diverged(), st.integers(1, 200))
def test_merge_of_a_torn_side_keeps_every_whole_event(sides: tuple[bytes, bytes, bytes, bytes], cut: int) -> None:
    """A side with a torn last line (a crash mid-append): the torn event is
    dropped as every reader drops it, every whole one is kept."""
    from tix.core.merge import merge_ticket

    TRIED["merge torn"] += 1
    base, a, b, _ = sides
    assume(len(a) - len(base) > cut)
    torn = a[:-cut]
    assume(not torn.endswith(b"\n"))
    out = merge_ticket(base, torn, b)
    whole = {e["id"] for e in parse_ticket_text(torn, "t.yaml")[1]}  # what every reader reads of it
    assert set(ids_of(out)) == whole | set(ids_of(b))


# ----------------------------------------------------------------------------- the mail parser

@FUZZ
@given(st.binary(max_size=4000))
def test_mail_parser_takes_any_bytes(raw: bytes) -> None:
    from tix.app.mail.parse import MailProblem, parse

    TRIED["mail bytes"] += 1
    try:
        parse(raw)
    except MailProblem:
        return


HEADERS = st.sampled_from([b"From", b"To", b"Subject", b"Message-ID", b"In-Reply-To", b"References",
                           b"Content-Type", b"Content-Transfer-Encoding", b"MIME-Version", b"Reply-To",
                           b"Auto-Submitted", b"Content-Disposition", b"Date", b"Sender"])
VALUES = st.one_of(st.binary(max_size=80), st.sampled_from([
    b"multipart/mixed; boundary=XX", b"text/html; charset=utf-8", b"text/plain; charset=x-unknown",
    b"base64", b"quoted-printable", b"=?utf-8?b?w6TDtsO8?=", b"=?iso-8859-1?q?=E4?=", b"<a@b>", b"jan@contoso.com",
    b"attachment; filename*=utf-8''%E2%80%AE.exe", b"auto-replied"]))


@FUZZ
@given(st.lists(st.tuples(HEADERS, VALUES), max_size=12), st.binary(max_size=1000))
def test_mail_parser_takes_any_header_soup(headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    from tix.app.mail.parse import MailProblem, parse

    TRIED["mail headers"] += 1
    raw = b"".join(k + b": " + v + b"\r\n" for k, v in headers) + b"\r\n" + body
    try:
        p = parse(raw)
    except MailProblem:
        return
    assert "\n" not in p.subject and p.message_id


@FUZZ
@given(st.text(min_size=1, max_size=60), st.text(max_size=300), st.binary(max_size=300),
       st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True))
def test_mail_round_trip(subject: str, body: str, attachment: bytes, local: str) -> None:
    from email.message import EmailMessage

    from tix.app.mail.parse import one_line, parse

    TRIED["mail round trip"] += 1
    msg = EmailMessage()
    msg["From"] = f"Jan <{local}@contoso.com>"
    msg["To"] = "support@example.com"
    try:
        msg["Subject"] = subject
    except (ValueError, TypeError):
        assume(False)
    msg["Message-ID"] = f"<{local}.1@contoso.com>"
    msg.set_content(body)
    msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="x.bin")
    raw = bytes(msg)
    import email as email_mod

    # the generator itself lets a subject of "\n" end the headers early: not a message worth round-tripping
    assume(email_mod.message_from_bytes(raw)["Message-ID"] == f"<{local}.1@contoso.com>")
    p = parse(raw)
    assert p.sender == f"{local}@contoso.com"
    assert p.message_id == f"{local}.1@contoso.com"
    assert p.subject == one_line(subject) or not subject.strip()
    assert [a.data for a in p.attachments] == [attachment]


# ----------------------------------------------------------------------------- the long run

@pytest.mark.slow
def test_long_run_is_configured() -> None:
    """`pytest -m slow tests/test_fuzz.py` with TIX_FUZZ_EXAMPLES set runs every
    property above with that many examples (the profile tix-fuzz-long)."""
    assert settings.get_profile("tix-fuzz-long").max_examples >= 60


# ----------------------------------------------------------------------------- atheris (optional)

SEEDS = {
    "mail": [b"From: Jan <jan@contoso.com>\nTo: support@example.com\nSubject: [tix AB-0042] Re: printer\n"
             b"Message-ID: <a@b>\nIn-Reply-To: <tix.AB-0042.x@example.com>\nContent-Type: multipart/mixed; "
             b"boundary=XX\n\n--XX\nContent-Type: text/html; charset=utf-8\n\n<p>Hi &amp; <b>bye</b></p>\n--XX\n"
             b"Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"../a.pdf\"\n"
             b"Content-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n",
             b"From: =?utf-8?b?w6TDtsO8?= <x@y.z>\nSubject: =?iso-8859-1?q?=E4?=\nAuto-Submitted: auto-replied\n\n"
             b"> quoted\nOn Mon, Jan wrote:\n"],
    "ticket": [b"id: AB-0001\ntitle: T\nimpact: 2\nurgency: 2\ndescription: |-\n  a\n  b\nevents:\n"
               b'- {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B6C", "at": "2026-10-05T08:30:00+02:00", "by": "s", "type": "opened"}\n'
               b'- {"id": "01JDQ3Z8XK1V7T3M0Q9W2Y4B6D", "at": "2026-10-05T08:35:00+02:00", "by": "s", "type": "set", '
               b'"fields": {"impact": 4, "tags": ["a"]}}\n- {"id": "01JD'],
    "duration": [b"1h30m", b"1.5h", b"90", b"2d 3h"],
    "when": [b"2026-11-24T08:30+01:00", b"tomorrow 10:00", b"mon 14:00", b"2026-03-29 02:30"],
}


def _atheris_main(argv: list[str]) -> None:  # pragma: no cover - a manual, long-running tool
    """Coverage-guided fuzzing of one parser with atheris:
    python tests/test_fuzz.py mail|ticket|duration|when [-runs=N] [libFuzzer options]."""
    import tempfile

    import atheris

    from tix.app.mail.parse import MailProblem, parse
    from tix.core.errors import BrokenFile
    from tix.storage.store import parse_ticket_text as ptt

    atheris.instrument_all()
    target = argv[1] if len(argv) > 1 else "mail"
    def one(data: bytes) -> None:  # libFuzzer prints how many inputs it tried ("Done N runs")
        try:
            if target == "mail":
                parse(data)
            elif target == "ticket":
                ptt(data, "t.yaml")
            elif target == "duration":
                parse_minutes(data.decode("utf-8", "replace"))
            else:
                parse_when(data.decode("utf-8", "replace"), now=BASE, tz=TZ)
        except (MailProblem, BrokenFile, BadInput):
            pass

    corpus = tempfile.mkdtemp(prefix=f"tix-fuzz-{target}-")
    for i, seed in enumerate(SEEDS[target]):
        with open(os.path.join(corpus, f"seed{i}"), "wb") as fh:
            fh.write(seed)
    atheris.Setup([argv[0], *argv[2:], corpus], one)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _atheris_main(sys.argv)


# ----------------------------------------------------------------------------- event lines at once

_LINE_EDITS = [
    lambda ln: ln,
    lambda ln: ln.replace('"by": ', '"minutes": 1.5, "by": ', 1),  # a float: json's reading
    lambda ln: ln.replace('"by": ', '"minutes": 123456789012345678901234, "by": ', 1),  # past 64 bits
    lambda ln: ln.replace('"by": ', '"extra": {"x": [1, 2.5]}, "by": ', 1),  # a float deep inside
    lambda ln: ln.replace('"by": ', '"extra": {"x": [1, 2]}, "by": ', 1),  # nested, no float
    lambda ln: ln.replace('"type": "', '"type": "no', 1),  # an unknown type
    lambda ln: ln.replace('"at": "', '"at": "x', 1),  # a bad instant
    lambda ln: ln + "  ",  # trailing spaces
    lambda ln: "  " + ln,  # leading spaces
    lambda ln: ln + "\r",
    lambda ln: "",  # a blank line
    lambda ln: ln[:-1],  # cut short: not JSON
    lambda ln: ln[: len(ln) // 2],
    lambda ln: ln + ", {}",  # two values on one line
    lambda ln: ln.replace("{", "[", 1),
    lambda ln: ln + "\n" + ln,  # an event twice: its id twice
]


@FUZZ
@given(a_log(max_size=8), st.lists(st.tuples(st.integers(0, 40), st.integers(0, len(_LINE_EDITS) - 1)),
                                   max_size=3), st.booleans())
def test_event_lines_read_at_once_as_line_by_line(log: tuple[dict[str, Any], list[dict[str, Any]]],
                                                   edits: list[tuple[int, int]], end_cut: bool) -> None:
    """`grammar._events_at_once` (every line of a file at once) gives what
    the line-by-line loop gives: the same events and instants, the same torn
    tail, or the same BrokenFile with the same line number."""
    TRIED["event lines at once"] += 1
    lines = ticket_file(*log).decode().split("\n")
    start = lines.index("events:") + 1
    for where, k in edits:
        i = start + where % max(1, len(lines) - 1 - start)
        lines[i] = _LINE_EDITS[k](lines[i])
    data = "\n".join(lines).encode()
    if end_cut:
        data = data.rstrip(b"\n")

    fast, slow = _read_both_ways(data)
    assert fast == slow


def _read_both_ways(data: bytes) -> tuple[str, str]:
    from unittest import mock

    from tix.core import grammar
    from tix.core.errors import BrokenFile

    def read() -> str:
        try:
            return repr(parse_ticket_text(data, "t.yaml"))
        except BrokenFile as err:
            return repr(("broken", err.message, err.line))

    fast = read()
    with mock.patch.object(grammar, "_events_at_once", lambda tail, plain: None):
        return fast, read()


@pytest.mark.parametrize("k", range(len(_LINE_EDITS)))
@pytest.mark.parametrize("end_cut", [False, True])
def test_each_line_edit_reads_at_once_as_line_by_line(k: int, end_cut: bool) -> None:
    evs = [opened(), {"id": "01B", "at": "2026-01-05T10:00:00+01:00", "by": "anna", "type": "taken"},
           {"id": "01C", "at": "2026-01-05T11:00:00+01:00", "by": "anna", "type": "worked", "minutes": 30,
            "note": "x"}]
    header = {"id": "AB-0001", "title": "Edits", "team": "servicedesk"}
    for line_no in (1, 2):
        lines = ticket_file(header, evs).decode().split("\n")
        i = lines.index("events:") + 1 + line_no
        lines[i] = _LINE_EDITS[k](lines[i])
        data = "\n".join(lines).encode()
        fast, slow = _read_both_ways(data.rstrip(b"\n") if end_cut else data)
        assert fast == slow
