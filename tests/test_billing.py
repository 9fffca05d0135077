"""Tests for tix.core.billing (pure core) and tix.storage.ledger (invoice records).

Every expected amount is computed by hand; the comment beside it says how.
The policy is the seed-001 default: increment 15 min, on-site minimum 60 min,
PROGP85 = 85.00/h, ONSITE = 95.00/h, after-hours x1.5, VAT 21 %, service
hours Mon-Fri 08:00-17:30 Europe/Amsterdam, holidays 01-01, 12-25, 12-26 and
the Dutch public holidays. Reference dates: Tue 2026-11-24, Sat 2026-11-28,
Fri 2026-12-25 (Christmas), Mon 2026-04-27 (King's Day, NL only)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tix.core import billing
from tix.core.billing import billing_state, build_invoice, lines, ticket_time
from tix.core.errors import BrokenFile, PolicyError
from tix.core.policy import DEFAULT_POLICY, parse_policy
from tix.core.ticket import Ticket, replay
from tix.storage import ledger

POLICY_TEXT = DEFAULT_POLICY.replace("{user}", "anna").replace(
    'rates: {PROGP85: "85.00", ONSITE: "95.00"}',
    'rates: {PROGP85: "85.00", ONSITE: "95.00", CHEAP: "0.40", DIME: "0.80", ODD: "84.98", TEN: "10.01", THIRD: "33.33"}',
).replace(
    "orgs: {}",
    "orgs:\n  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85}\n"
    "  fabrikam: {name: Fabrikam GmbH, domains: [fabrikam.de], rate: ONSITE}\n"
    "  penny: {name: Penny Ltd, rate: CHEAP}",
)
POLICY = parse_policy(POLICY_TEXT, "policies.yaml")
NO_VAT = parse_policy(POLICY_TEXT.replace('  vat: "21"', ""), "policies.yaml")

_ids = itertools.count(1)


def work(at: str, minutes: int, **kw: object) -> dict:
    """A `worked` event; `at` is local Amsterdam time (November: +01:00)."""
    if "+" not in at[10:]:
        at += "+02:00" if at[5:7] in ("04", "05", "06", "07", "08", "09") else "+01:00"
    return {"id": f"W{next(_ids):04d}", "at": at, "by": kw.pop("by", "anna"), "type": "worked",
            "minutes": minutes, **kw}


def ticket(*evs: dict, org: str | None = "contoso", tid: str = "AB-0001", title: str = "Printer offline",
           status: str | None = None) -> Ticket:
    events = [{"id": f"O{tid}", "at": "2026-04-01T09:00:00+02:00", "by": "anna", "type": "opened"}, *evs]
    if status == "resolved":
        events.append({"id": f"R{tid}", "at": "2026-12-31T09:00:00+01:00", "by": "anna", "type": "resolved",
                       "solution": "fixed"})
    elif status == "closed":
        events.append({"id": f"C{tid}", "at": "2026-12-31T09:00:00+01:00", "by": "anna", "type": "closed"})
    header = {"id": tid, "title": title, **({"org": org} if org else {})}
    return replay(header, events)


def one(ev: dict, policy=POLICY, **kw: object) -> billing.Line:
    (line,) = lines(ticket(ev, **kw), policy)  # type: ignore[arg-type]
    return line


TUE = "2026-11-24T10:00"  # inside service hours


# ------------------------------------------------------------------ rounding and on-site minimum
ROUNDING = [
    # (minutes, onsite, billed, amount at 85.00/h: billed/60 x 85)
    (1, False, 15, "21.25"),  # 1 min -> one 15-min unit: 0.25 h x 85 = 21.25
    (14, False, 15, "21.25"),  # still one unit
    (15, False, 15, "21.25"),  # exactly one unit, no rounding
    (16, False, 30, "42.50"),  # one minute over -> two units: 0.5 h x 85
    (59, False, 60, "85.00"),  # four units
    (60, False, 60, "85.00"),  # exactly 1 h
    (61, False, 75, "106.25"),  # five units: 1.25 h x 85
    (1440, False, 1440, "2040.00"),  # 24 h x 85
    (1, True, 60, "85.00"),  # on-site minimum: 60 min
    (14, True, 60, "85.00"),
    (45, True, 60, "85.00"),  # below the minimum
    (59, True, 60, "85.00"),
    (60, True, 60, "85.00"),  # at the minimum
    (61, True, 75, "106.25"),  # above it: normal rounding, 5 units
    (90, True, 90, "127.50"),  # 1.5 h x 85
]


@pytest.mark.parametrize("minutes, onsite, billed, amount", ROUNDING)
def test_rounding_and_onsite_minimum(minutes: int, onsite: bool, billed: int, amount: str) -> None:
    line = one(work(TUE, minutes, **({"onsite": True} if onsite else {})))
    assert (line.minutes, line.billed_minutes, line.amount) == (minutes, billed, Decimal(amount))
    assert line.multiplier == 1 and not line.after_hours and line.onsite == onsite


@pytest.mark.parametrize("minutes, increment, minimum, onsite, billed", [
    (40, 15, 50, True, 60),  # minimum first (50), then up to whole units (60)
    (7, 10, 60, False, 10),
    (61, 60, 60, False, 120),
    (0 + 1, 1, 0, True, 1),  # increment 1 minute, no minimum: exact
])
def test_billed_minutes_other_settings(minutes: int, increment: int, minimum: int, onsite: bool,
                                       billed: int) -> None:
    assert billing.billed_minutes(minutes, onsite=onsite, no_bill=False, increment=increment,
                                  onsite_minimum=minimum) == billed


# ------------------------------------------------------------------ after hours
AFTER_HOURS = [
    # (at local, flagged, after_hours, amount for 60 min at 85: x1.5 -> 127.50)
    ("2026-11-24T10:00", False, False, "85.00"),  # Tue morning: open
    ("2026-11-24T08:00", False, False, "85.00"),  # opening minute is inside
    ("2026-11-24T17:29", False, False, "85.00"),  # last minute inside
    ("2026-11-24T17:30", False, True, "127.50"),  # closing instant is outside
    ("2026-11-24T07:59", False, True, "127.50"),  # early morning
    ("2026-11-24T19:00", False, True, "127.50"),  # evening
    ("2026-11-28T10:00", False, True, "127.50"),  # Saturday
    ("2026-11-29T10:00", False, True, "127.50"),  # Sunday
    ("2026-12-25T10:00", False, True, "127.50"),  # Christmas (yearly holiday), a Friday
    ("2026-04-27T10:00", False, True, "127.50"),  # King's Day: NL public holiday, a Monday
    ("2026-11-24T10:00", True, True, "127.50"),  # flagged --after-hours inside service hours
]


@pytest.mark.parametrize("at, flagged, after, amount", AFTER_HOURS)
def test_after_hours(at: str, flagged: bool, after: bool, amount: str) -> None:
    line = one(work(at, 60, **({"after_hours": True} if flagged else {})))
    assert line.after_hours is after
    assert line.multiplier == (Decimal("1.5") if after else 1)
    assert line.amount == Decimal(amount)


def test_after_hours_rounds_half_up_once() -> None:
    # 15 min Saturday: 0.25 h x 85 x 1.5 = 31.875 -> 31.88 (half-up, at the line only)
    assert one(work("2026-11-28T10:00", 15)).amount == Decimal("31.88")
    # on-site Saturday 20 min -> 60 min x 85 x 1.5 = 127.50
    assert one(work("2026-11-28T10:00", 20, onsite=True)).amount == Decimal("127.50")


def test_work_entry_in_other_offset_is_placed_in_policy_time() -> None:
    # 09:30 UTC is 10:30 in Amsterdam (open); 17:00 UTC is 18:00 (closed).
    assert not one(work("2026-11-24T09:30:00+00:00", 60)).after_hours
    late = one(work("2026-11-24T17:00:00+00:00", 60))
    assert late.after_hours and late.at.hour == 18


# ------------------------------------------------------------------ rates
RATES = [
    # (entry rate, ticket org, rate name, amount for 60 min)
    (None, "contoso", "PROGP85", "85.00"),  # contoso's rate is PROGP85
    (None, "fabrikam", "ONSITE", "95.00"),  # fabrikam overrides: ONSITE 95.00
    ("PROGP85", "fabrikam", "PROGP85", "85.00"),  # the entry's rate beats the org's
    ("ONSITE", "contoso", "ONSITE", "95.00"),
    (None, "unknown-org", "PROGP85", "85.00"),  # org not in the policy -> default rate
    (None, None, "PROGP85", "85.00"),  # no org -> default rate
    (None, "penny", "CHEAP", "0.40"),
]


@pytest.mark.parametrize("rate, org, name, amount", RATES)
def test_rate_lookup(rate: str | None, org: str | None, name: str, amount: str) -> None:
    line = one(work(TUE, 60, **({"rate": rate} if rate else {})), org=org)
    assert (line.rate_name, line.amount) == (name, Decimal(amount))


def test_unknown_rate_is_refused_not_guessed() -> None:
    with pytest.raises(PolicyError, match="GONE"):
        one(work(TUE, 60, rate="GONE"))


def test_half_up_not_bankers_rounding() -> None:
    # ODD = 84.98/h, 15 min: 84.98 / 4 = 21.245 -> half-up 21.25 (half-even would give 21.24)
    assert one(work(TUE, 15, rate="ODD")).amount == Decimal("21.25")
    # TEN = 10.01/h, 30 min: 10.01 / 2 = 5.005 -> 5.01 (half-even and float both give 5.00)
    assert one(work(TUE, 30, rate="TEN")).amount == Decimal("5.01")
    assert round(10.01 * 30 / 60, 2) == 5.0  # what float arithmetic would print
    # THIRD = 33.33/h, 20 min -> 30 min: 16.665 -> 16.67
    assert one(work(TUE, 20, rate="THIRD")).amount == Decimal("16.67")


def test_no_bill_is_recorded_but_not_charged() -> None:
    line = one(work(TUE, 45, no_bill=True))
    assert (line.minutes, line.billed_minutes, line.amount, line.no_bill) == (45, 0, Decimal("0.00"), True)
    assert str(line.amount) == "0.00"


def test_ticket_time_sums_actual_and_billed() -> None:
    t = ticket(work(TUE, 10), work(TUE, 50, onsite=True), work(TUE, 30, no_bill=True),
               work("2026-11-28T10:00", 16))
    # actual 10+50+30+16 = 106; billed 15+60+0+30 = 105;
    # amounts 21.25 + 85.00 + 0 + (0.5 h x 85 x 1.5 = 63.75) = 170.00
    assert ticket_time(t, POLICY) == {"minutes": 106, "billed_minutes": 105, "amount": Decimal("170.00")}
    assert ticket_time(ticket(), POLICY) == {"minutes": 0, "billed_minutes": 0, "amount": Decimal("0.00")}


def test_float_would_get_the_sum_wrong() -> None:
    # CHEAP 0.40/h and DIME 0.80/h, 15 min each: 0.10 + 0.20 = 0.30 exactly
    t = ticket(work(TUE, 15, rate="CHEAP"), work(TUE, 15, rate="DIME"))
    assert ticket_time(t, POLICY)["amount"] == Decimal("0.30")
    assert 0.10 + 0.20 != 0.30  # float gets it wrong
    # ten lines of 0.10: 1.00 exactly (float: 0.9999999999999999)
    t10 = ticket(*[work(TUE, 15, rate="CHEAP") for _ in range(10)])
    inv = build_invoice([t10], POLICY, _end("2026-11"), "2026-11", set(), None)
    assert inv.total == Decimal("1.00") and str(inv.total) == "1.00"
    assert sum([0.1] * 10) != 1.0


# ------------------------------------------------------------------ billing state (seed 003)
def _state_cases() -> list:
    a, b = work(TUE, 30), work(TUE, 30)
    nb = work(TUE, 30, no_bill=True)
    return [
        # (ticket, invoiced ids, state)
        (ticket(), set(), "none"),  # no work at all
        (ticket(nb, status="resolved"), set(), "none"),  # only no-bill time
        (ticket(a), set(), "open"),  # still open, has billable time
        (ticket(a), {a["id"]}, "open"),  # open wins: more work may come
        (ticket(a, status="resolved"), set(), "to invoice"),
        (ticket(a, b, status="resolved"), {a["id"]}, "to invoice"),  # one of two billed
        (ticket(a, b, status="resolved"), {a["id"], b["id"]}, "invoiced"),
        (ticket(a, nb, status="closed"), {a["id"]}, "invoiced"),  # no-bill entries never wait
    ]


@pytest.mark.parametrize("case", range(8))
def test_billing_state(case: int) -> None:
    t, ids, state = _state_cases()[case]
    assert billing_state(t, ids) == state


# ------------------------------------------------------------------ the invoice
def _end(month: str) -> datetime:
    from tix.core.dates import month_period

    y, m = map(int, month.split("-"))
    return month_period(y, m, POLICY.tz).end


def test_invoice_two_orgs_kept_apart_with_vat_per_org() -> None:
    c1 = ticket(work("2026-11-03T09:00", 50, note="replaced fuser"), work("2026-11-28T10:00", 60),
                tid="AB-0001", org="contoso")
    c2 = ticket(work("2026-11-05T11:00", 10), tid="AB-0002", org="contoso", title="Mail")
    f1 = ticket(work("2026-11-04T10:00", 50, onsite=True), tid="AB-0003", org="fabrikam", title="Switch")
    inv = build_invoice([f1, c2, c1], POLICY, _end("2026-11"), "2026-11", set(), None)
    # contoso: AB-0001 50->60 min 85.00 + Sat 60 min x1.5 127.50 = 212.50; AB-0002 10->15 min 21.25
    # contoso net 233.75, VAT 21% = 49.0875 -> 49.09
    # fabrikam (ONSITE 95.00): 50 min on-site -> 60 min = 95.00, VAT 19.95
    assert [(o.org, o.amount, o.vat, o.total_incl_vat) for o in inv.orgs] == [
        ("contoso", Decimal("233.75"), Decimal("49.09"), Decimal("282.84")),
        ("fabrikam", Decimal("95.00"), Decimal("19.95"), Decimal("114.95")),
    ]
    assert [(t.ticket, t.amount) for t in inv.tickets] == [
        ("AB-0001", Decimal("212.50")), ("AB-0002", Decimal("21.25")), ("AB-0003", Decimal("95.00"))]
    assert inv.total == Decimal("328.75")  # 233.75 + 95.00
    assert inv.vat == Decimal("69.04")  # 49.09 + 19.95
    assert inv.total_incl_vat == Decimal("397.79")
    assert [x.ticket for x in inv.lines] == ["AB-0001", "AB-0001", "AB-0002", "AB-0003"]
    assert inv.orgs[0].name == "Contoso B.V."
    # one organisation only
    only = build_invoice([f1, c2, c1], POLICY, _end("2026-11"), "2026-11", set(), "fabrikam")
    assert [x.org for x in only.lines] == ["fabrikam"] and only.total == Decimal("95.00")


def test_invoice_json_shape() -> None:
    t = ticket(work("2026-11-03T09:00", 50, note="replaced fuser"))  # 50 -> 60 min = 85.00
    j = build_invoice([t], POLICY, _end("2026-11"), "2026-11", set(), None).to_json()
    assert j["month"] == "2026-11" and j["total"] == "85.00" and j["number"] is None
    (line,) = j["lines"]
    assert {k: line[k] for k in ("ticket", "org", "at", "agent", "note", "minutes", "billed_minutes", "rate",
                                 "multiplier", "amount", "late")} == {
        "ticket": "AB-0001", "org": "contoso", "at": "2026-11-03T09:00:00+01:00", "agent": "anna",
        "note": "replaced fuser", "minutes": 50, "billed_minutes": 60, "rate": "85.00", "multiplier": "1",
        "amount": "85.00", "late": False}
    assert j["vat"] == "17.85" and j["total_incl_vat"] == "102.85"  # 85.00 x 21 %


def test_invoice_no_vat_policy() -> None:
    t = ticket(work(TUE, 60))
    inv = build_invoice([t], NO_VAT, _end("2026-11"), "2026-11", set(), None)
    assert (inv.vat_percent, inv.vat, inv.total_incl_vat) == (None, Decimal("0.00"), Decimal("85.00"))


def test_invoice_window_late_and_already_invoiced() -> None:
    oct_ = work("2026-10-30T10:00", 60)  # last month, never invoiced -> late
    nov = work("2026-11-24T10:00", 60)
    billed = work("2026-11-02T10:00", 60)  # covered by an earlier invoice
    dec = work("2026-12-01T10:00", 60)  # next month: not yet
    nobill = work("2026-11-24T11:00", 60, no_bill=True)
    edge = work("2026-11-30T23:59:59+01:00", 15)  # last second of November: in
    t = ticket(oct_, nov, billed, dec, nobill, edge)
    inv = build_invoice([t], POLICY, _end("2026-11"), "2026-11", {billed["id"]}, None)
    assert [(x.event_id, x.late) for x in inv.lines] == [
        (oct_["id"], True), (nov["id"], False), (edge["id"], False)]
    # 85.00 + 85.00 + Sunday-night 15 min after hours (0.25 x 85 x 1.5 = 31.875 -> 31.88)
    assert inv.total == Decimal("201.88")
    # the next month's run bills December only; October and November are on the earlier invoice
    nxt = build_invoice([t], POLICY, _end("2026-12"), "2026-12", {billed["id"], *inv.entry_ids}, None)
    assert [x.event_id for x in nxt.lines] == [dec["id"]]


def test_invoice_empty() -> None:
    inv = build_invoice([ticket()], POLICY, _end("2026-11"), "2026-11", set(), None)
    assert inv.lines == () and inv.total == Decimal("0.00") and inv.to_json()["total"] == "0.00"


def test_internal_notes_never_reach_the_invoice() -> None:
    secret = {"id": "C1", "at": "2026-11-24T09:00:00+01:00", "by": "anna", "type": "commented",
              "text": "SECRET-INTERNAL-MARKER password is hunter2", "internal": True}
    t = ticket(secret, work(TUE, 30, note="public work note"))
    text = repr(build_invoice([t], POLICY, _end("2026-11"), "2026-11", set(), None).to_json())
    assert "public work note" in text and "SECRET-INTERNAL-MARKER" not in text


# ------------------------------------------------------------------ ledger records
def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tix.storage.store import Store

    (tmp_path / "tickets").mkdir()
    (tmp_path / "policies.yaml").write_text(POLICY_TEXT)
    return Store(tmp_path)


def _issue(store, tickets, month="2026-11", user="anna"):  # type: ignore[no-untyped-def]
    from tix.core.dates import parse_stamp

    return ledger.issue(store, lambda ids: build_invoice(tickets, POLICY, _end(month), month, ids, None),
                        user=user, now=parse_stamp("2026-12-01T09:00:00+01:00"),
                        org_names={k: o.name for k, o in POLICY.orgs.items()})


def test_ledger_issue_roundtrip_and_numbers(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a, b = work("2026-11-03T09:00", 45, note="fuser"), work("2026-11-28T10:00", 61)
    t = ticket(a, b)
    inv = _issue(store, [t])
    assert inv.number == "2026-11-001" and inv.issued_by == "anna"
    assert ledger.invoiced_ids(store) == {a["id"], b["id"]}
    assert ledger.load(store, "2026-11-001") == inv  # reprinted identically
    assert _issue(store, [t]).number is None  # nothing left: nothing issued
    c = work("2026-11-29T10:00", 15)  # logged after the first run
    inv2 = _issue(store, [ticket(a, b, c)])
    assert inv2.number == "2026-11-002" and inv2.entry_ids == [c["id"]]
    assert [r.number for r in ledger.list_invoices(store)] == ["2026-11-001", "2026-11-002"]
    assert ledger.clashes(store, {e["id"] for e in ticket(a, b, c).work}) == []
    assert len(list((tmp_path / "invoices").glob("*.yaml"))) == 2


def test_ledger_clashes_after_two_clones_issue_the_same_number(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a = work("2026-11-03T09:00", 45)
    _issue(store, [ticket(a)])
    # The other clone's record, arriving by `git pull`: same number, same entry.
    (f,) = (tmp_path / "invoices").glob("*.yaml")
    (tmp_path / "invoices" / "2026-11-001.ZZ.yaml").write_text(f.read_text().replace("anna", "bert"))
    problems = ledger.clashes(store)
    assert any("invoice number 2026-11-001 was also issued" in p for p in problems)
    assert any(f"work entry {a['id']} of AB-0001 is billed twice" in p for p in problems)
    assert ledger.clashes(store, {e["id"] for e in ticket().work})[-1].endswith("which no ticket holds")


BROKEN = [
    # (edit of a good record, expected message part)
    (lambda s: s.replace("total: '85.00'", "total: '86.00'"), "total 86.00 does not add up"),
    (lambda s: s.replace('"amount": "85.00"', '"amount": "84.00"'), "lines[0]: amount 84.00 is not"),
    (lambda s: s.replace("number: 2026-11-001", "number: nope"), "is not an invoice number"),
    (lambda s: s + "bogus: 1\n", "unknown field 'bogus'"),
    (lambda s: s.replace("issued_by: anna\n", ""), "field 'issued_by' is missing"),
    (lambda s: "<<<<<<< HEAD\n" + s, "git conflict markers"),
    (lambda s: s + "  - [unclosed\n", "not valid YAML"),
    (lambda s: "- just a list\n", "must be a mapping"),
    (lambda s: s.replace('"minutes": 50', '"minutes": -5'), "lines[0]: expected a whole number"),
]


@pytest.mark.parametrize("edit, message", BROKEN)
def test_ledger_broken_records_are_reported_with_line(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    store = _store(tmp_path)
    _issue(store, [ticket(work("2026-11-03T09:00", 50))])  # 50 -> 60 min = 85.00
    (f,) = (tmp_path / "invoices").glob("*.yaml")
    f.write_text(edit(f.read_text()))
    with pytest.raises(BrokenFile) as err:
        ledger.invoiced_ids(store)
    assert message in str(err.value) and str(err.value).startswith("invoices/2026-11-001.")
    problems = ledger.clashes(store)
    assert len(problems) == 1 and message in problems[0]


def test_the_fast_line_constructors_make_what_the_dataclass_makes() -> None:
    """`billing._line` and `frozen.replace` skip the frozen dataclass's
    per-field setattr: the same fields, in the same order, equal and hashed
    alike, as `Line(...)` and `dataclasses.replace` make them."""
    import dataclasses
    import pickle
    from datetime import datetime, timezone
    from decimal import Decimal

    from tix.core.billing import Line, _line
    from tix.core.frozen import replace as _replace

    at = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)
    kw = dict(event_id="01K", ticket="AB-0001", org=None, title="t", at=at, agent="anna", note="", minutes=30,
              billed_minutes=30, rate_name="PROGP85", rate=Decimal("85.00"), multiplier=Decimal("1"),
              amount=Decimal("42.50"), after_hours=False, onsite=False, no_bill=False)
    made = Line(**kw)
    fast = _line({**kw, "late": False, "kind": "work", "contract": None, "covered_minutes": 0, "overage": False,
                  "category": ""})
    assert fast == made and hash(fast) == hash(made)
    assert list(vars(fast).items()) == list(vars(made).items())
    assert pickle.loads(pickle.dumps(fast)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.minutes = 1  # type: ignore[misc]
    changes = {"rate": Decimal("95.00"), "amount": Decimal("47.50"), "covered_minutes": 15, "contract": "c1"}
    a, b = _replace(made, changes), dataclasses.replace(made, **changes)
    assert a == b and list(vars(a).items()) == list(vars(b).items())
    assert made.rate == Decimal("85.00")  # the original is untouched
    # the names `price` gives a line are Line's own fields, in order
    fields = [f.name for f in dataclasses.fields(Line)]
    line = one(work(TUE, 20))
    assert list(vars(line)) == fields
    assert list(vars(Line.from_json(line.to_json()))) == fields
