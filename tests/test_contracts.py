"""Customer contracts and dated values, end to end through the CLI (issue 17).

Every amount and due time below is computed by hand in the comments. The desk:
service hours Mon-Fri 08:00-17:30 Europe/Amsterdam, 15-minute units, on-site
at least 60 minutes, PROGP85 85.00/h until 2026-12-31 and 89.25/h from
2027-01-01, ONSITE 95.00/h, a travel fee of 35.00 per on-site visit."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk
from tix.core.policy import DEFAULT_POLICY

CONTRACTS = """
contracts:
  standard: {}
  premium:
    calendar: 24x7
    priorities:
      - {name: urgent, min_score: 64, response: 0m, resolve: 1h, escalate: 30m}
      - {name: high,   min_score: 16, response: 1h, resolve: 2h, escalate: 90m}
      - {name: normal, min_score: 2,  response: 2h, resolve: 8h, escalate: 6h}
      - {name: low,    min_score: 1,  response: 4h, resolve: 16h, escalate: 12h}
    billing: {model: fixed, fee: "450.00", included: 10h}
  blocks:
    billing: {model: prepaid, rate: PROGP85, warn_below: 2h, overage_rate: ONSITE, expires_after: 12}
  roll:
    billing: {model: prepaid, rate: PROGP85, expires_after: 12 months, rollover: true}
"""

ORGS = """orgs:
  contoso: {name: Contoso B.V., contract: premium}
  fabrikam: {name: Fabrikam GmbH, contract: [{from: 2024-01-01, name: standard}, {from: 2026-11-16, name: premium}]}
  delinde: {name: De Linde, contract: blocks}
  meulen: {name: Bakkerij Van der Meulen, contract: standard}
  rolling: {name: Rolling B.V., contract: roll}
"""


def contract_policy() -> str:
    text = DEFAULT_POLICY.replace("{user}", "anna")
    # the desk's own urgent priority runs in business hours here (the premium contract's runs 24x7)
    text = text.replace("resolve: 1h, escalate: 30m, clock: 24x7}", "resolve: 1h, escalate: 30m}")
    text = text.replace('rates: {PROGP85: "85.00", ONSITE: "95.00"}',
                        'rates:\n    PROGP85: [{from: 2024-01-01, price: "85.00"}, {from: 2027-01-01, price: "89.25"}]\n'
                        '    ONSITE: "95.00"\n  travel: {fee: "35.00"}')
    text = text.replace("orgs: {}\n", ORGS)
    return text + CONTRACTS


@pytest.fixture
def cdesk(tmp_path: Path) -> Desk:
    return make_desk(tmp_path / "desk", policy=contract_policy())


def show(d: Desk, tid: str, now: str) -> dict:
    return json.loads(d.ok("show", tid, "--format", "json", now=now))


def invoice(d: Desk, month: str, now: str, *extra: str) -> dict:
    return json.loads(d.ok("invoice", month, "--format", "json", *extra, now=now))


# ---------------------------------------------------------------- SLA per contract

SUN_2AM = "2026-11-08T02:00:00+01:00"


@pytest.mark.parametrize("org, expect", [
    # premium: 24x7, urgent = response 0m, resolve 1h, escalate 30m from Sun 02:00
    ("contoso", {"contract": "premium", "clock": "24x7", "response": "2026-11-08T02:00:00+01:00",
                 "resolve": "2026-11-08T03:00:00+01:00", "escalate": "2026-11-08T02:30:00+01:00"}),
    # standard: the desk's urgent in business hours: counting starts Mon 08:00
    ("meulen", {"contract": "standard", "clock": "business", "response": "2026-11-09T08:00:00+01:00",
                "resolve": "2026-11-09T09:00:00+01:00", "escalate": "2026-11-09T08:30:00+01:00"}),
])
def test_urgent_ticket_at_2am_on_a_sunday(cdesk: Desk, org: str, expect: dict) -> None:
    tid = cdesk.new("--title", "Server down", "--org", org, "--impact", "8", "--urgency", "8", now=SUN_2AM)
    data = show(cdesk, tid, SUN_2AM)
    assert data["contract"] == expect["contract"]
    assert data["priority"] == "urgent"
    assert data["sla"]["clock"] == expect["clock"]
    for clock in ("response", "resolve", "escalate"):
        assert data["sla"][clock]["due"] == expect[clock], clock
    text = cdesk.ok("show", tid, now=SUN_2AM)
    assert f"Contract   {expect['contract']}" in text


def test_targets_are_recorded_and_survive_a_policy_edit(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "Mail slow", "--org", "contoso", "--impact", "4", "--urgency", "4",
                    now="2026-11-10T10:00:00+01:00")
    opened = show(cdesk, tid, "2026-11-10T10:00:00+01:00")["events"][0]
    assert opened["terms"] == {"contract": "premium", "priority": "high", "response": 60, "resolve": 120,
                               "escalate": 90, "clock": "24x7"}
    cdesk.ok("resolve", tid, "--solution", "restarted", now="2026-11-10T11:30:00+01:00")
    before = show(cdesk, tid, "2026-12-01T10:00:00+01:00")["sla"]
    assert before["resolve"]["state"] == "met"
    # tighten premium's high targets to 30m / 1h, without a date: the resolved ticket keeps its verdict
    pol = cdesk.root / "policies.yaml"
    pol.write_text(pol.read_text().replace("{name: high,   min_score: 16, response: 1h, resolve: 2h, escalate: 90m}",
                                           "{name: high, min_score: 16, response: 30m, resolve: 1h, escalate: 45m}"))
    after = show(cdesk, tid, "2026-12-01T10:00:00+01:00")["sla"]
    assert after == before
    # a new ticket gets the new targets
    t2 = cdesk.new("--title", "again", "--org", "contoso", "--impact", "4", "--urgency", "4",
                   now="2026-12-01T10:00:00+01:00")
    assert show(cdesk, t2, "2026-12-01T10:00:00+01:00")["sla"]["resolve"]["due"] == "2026-12-01T11:00:00+01:00"


def test_rerating_keeps_the_contract_with_todays_rules(cdesk: Desk) -> None:
    # fabrikam is on standard until 2026-11-15: a ticket opened on the 10th stays standard when re-rated on the 20th
    tid = cdesk.new("--title", "VPN", "--org", "fabrikam", "--impact", "1", "--urgency", "2",
                    now="2026-11-10T10:00:00+01:00")
    cdesk.ok("set", tid, "--impact", "4", "--urgency", "4", now="2026-11-20T10:00:00+01:00")
    data = show(cdesk, tid, "2026-11-20T10:00:00+01:00")
    assert data["contract"] == "standard"
    assert data["priority"] == "high"
    # desk high: response 2h business from Tue 10 Nov 10:00 -> 12:00
    assert data["sla"]["response"]["due"] == "2026-11-10T12:00:00+01:00"
    t2 = cdesk.new("--title", "VPN 2", "--org", "fabrikam", "--impact", "4", "--urgency", "4",
                   now="2026-11-20T10:00:00+01:00")
    assert show(cdesk, t2, "2026-11-20T10:00:00+01:00")["contract"] == "premium"
    out = cdesk.ok("list", "--contract", "premium", "--format", "json", now="2026-11-20T10:00:00+01:00")
    assert [r["id"] for r in json.loads(out)] == [t2]
    r = cdesk.run("list", "--contract", "gold", now="2026-11-20T10:00:00+01:00")
    assert r.code == 2 and "--contract 'gold'" in r.err


# ---------------------------------------------------------------- prices and billing models

def test_price_change_on_1_january(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "Backup", "--org", "meulen", now="2026-12-14T09:00:00+01:00")
    cdesk.ok("work", tid, "2h", "--at", "2026-12-15 10:00", now="2026-12-15T12:00:00+01:00")
    # December's work invoiced on 2 January: the old price, 2h x 85.00 = 170.00
    dec = invoice(cdesk, "2026-12", "2027-01-02T09:00:00+01:00", "--mark", "--org", "meulen")
    assert dec["total"] == "170.00" and dec["lines"][0]["rate"] == "85.00"
    cdesk.ok("work", tid, "2h", "--at", "2027-01-05 10:00", now="2027-01-05T12:00:00+01:00")
    # January's work at the new price: 2h x 89.25 = 178.50
    jan = invoice(cdesk, "2027-01", "2027-01-20T09:00:00+01:00", "--org", "meulen")
    assert jan["total"] == "178.50" and [x["rate"] for x in jan["lines"]] == ["89.25"]
    shown = json.loads(cdesk.ok("invoice", "--show", dec["number"], "--format", "json"))
    assert shown["total"] == "170.00"


def test_contract_change_mid_month(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "Laptops", "--org", "fabrikam", now="2026-11-09T09:00:00+01:00")
    # Tue 10 Nov, standard (hourly): 2h x 85.00 = 170.00
    cdesk.ok("work", tid, "2h", "--at", "2026-11-10 10:00", now="2026-11-30T12:00:00+01:00")
    # Fri 20 Nov, premium from the 16th: fee and included hours pro rata 15/30 days:
    # fee 450.00 x 15/30 = 225.00; included 10h x 15/30 = 5h; 6h worked -> 1h x 85.00 = 85.00
    cdesk.ok("work", tid, "6h", "--at", "2026-11-20 10:00", now="2026-11-30T12:00:00+01:00")
    inv = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--org", "fabrikam")
    by = {x["event_id"].split(":")[0] if ":" in x["event_id"] else x["date"]: x for x in inv["lines"]}
    assert by["fee"]["amount"] == "225.00"
    assert (by["2026-11-10"]["amount"], by["2026-11-10"]["contract"]) == ("170.00", "standard")
    assert by["2026-11-20"]["covered_minutes"] == 300 and by["2026-11-20"]["amount"] == "85.00"
    assert inv["total"] == "480.00"


def test_fixed_fee_with_10_included_hours_and_12_25_worked(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "Migration", "--org", "contoso", now="2026-11-02T09:00:00+01:00")
    for day, d in (("03", "4h"), ("04", "4h"), ("05", "4h15m")):
        cdesk.ok("work", tid, d, "--at", f"2026-11-{day} 10:00", now="2026-11-06T12:00:00+01:00")
    draft = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--org", "contoso")
    rep = json.loads(cdesk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json",
                              now="2026-12-01T09:00:00+01:00"))
    assert rep["amount_total"] == draft["total"] == "641.25"  # before the invoice too
    inv = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--mark", "--org", "contoso")
    work = [x for x in inv["lines"] if x.get("kind", "work") == "work"]
    # 735 billed minutes; 600 included, consumed in time order: 240, 240, 120; 135 min x 85.00/60 = 191.25
    assert [x["covered_minutes"] for x in work] == [240, 240, 120]
    assert [x["amount"] for x in work] == ["0.00", "0.00", "191.25"]
    assert [x["amount"] for x in inv["lines"] if x.get("kind") == "fee"] == ["450.00"]
    assert inv["total"] == "641.25"
    table = cdesk.ok("invoice", "--show", inv["number"])
    assert "12h15m used, 10h covered by the contract, 2h15m billed" in table
    # the month's report: work 191.25 + fee 450.00 = the invoice, to the cent
    rep = json.loads(cdesk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json",
                              now="2026-12-01T09:00:00+01:00"))
    assert rep["amount"] == "191.25" and rep["amount_total"] == "641.25"
    assert rep["contract"] == {"name": "premium", "model": "fixed", "fee": "450.00", "included_minutes": 600,
                               "used_minutes": 600, "beyond_minutes": 135}
    # a second draft bills neither the fee nor the included hours again
    r = cdesk.run("invoice", "2026-11", "--org", "contoso", "--format", "json", now="2026-12-01T09:00:00+01:00")
    assert r.code == 1


def test_prepaid_blocks_with_a_deduction_that_crosses_zero(cdesk: Desk) -> None:
    out = cdesk.ok("credit", "delinde", "10", "--price", "850.00", "--at", "2026-11-01 09:00", "-m", "order 7",
                   now="2026-11-02T09:00:00+01:00")
    assert out.startswith("delinde.2026-11-01.AB-1")
    tid = cdesk.new("--title", "Chairside PCs", "--org", "delinde", now="2026-11-02T09:00:00+01:00")
    cdesk.ok("work", tid, "6h", "--at", "2026-11-03 09:00", now="2026-11-04T18:00:00+01:00")
    cdesk.ok("work", tid, "5h", "--at", "2026-11-04 09:00", now="2026-11-04T18:00:00+01:00")
    bal = json.loads(cdesk.ok("credit", "delinde", "--format", "json", now="2026-11-05T09:00:00+01:00"))
    # 600 minutes bought; 360 then 240 of the 300 deducted; 60 beyond the balance
    assert bal["balance_minutes"] == 0
    assert [(d["covered_minutes"], d["overage_minutes"]) for d in bal["deductions"]] == [(360, 0), (240, 60)]
    assert bal["blocks"][0]["expires"].startswith("2027-11-01")
    inv = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--org", "delinde")
    lines = {x.get("kind", "work") + ":" + str(x["covered_minutes"] if "covered_minutes" in x else 0): x
             for x in inv["lines"]}
    assert lines["prepaid:0"]["amount"] == "850.00"
    over = [x for x in inv["lines"] if x.get("overage")]
    # the overage hour at the contract's overage rate: 60 min x 95.00 = 95.00
    assert [(x["rate_name"], x["amount"]) for x in over] == [("ONSITE", "95.00")]
    assert inv["total"] == "945.00"
    rep = json.loads(cdesk.ok("report", "month", "2026-11", "--org", "delinde", "--format", "json",
                              now="2026-12-01T09:00:00+01:00"))
    assert (rep["contract"]["used_minutes"], rep["contract"]["balance_minutes"]) == (600, 0)
    assert "10h of prepaid hours used this month, 0m left" in cdesk.ok(
        "report", "month", "2026-11", "--org", "delinde", now="2026-12-01T09:00:00+01:00")
    text = cdesk.ok("show", tid, now="2026-11-05T09:00:00+01:00")
    assert "prepaid: 10h used this month, 0m left" in text


def test_prepaid_block_expires_and_the_expired_hours_are_shown(cdesk: Desk) -> None:
    cdesk.ok("credit", "delinde", "5", "--price", "425.00", "--at", "2025-10-01 09:00", now="2025-10-01T10:00:00+02:00")
    tid = cdesk.new("--title", "x", "--org", "delinde", now="2025-10-02T09:00:00+02:00")
    cdesk.ok("work", tid, "1h", "--at", "2025-10-02 10:00", now="2025-10-02T12:00:00+02:00")
    bal = json.loads(cdesk.ok("credit", "delinde", "--format", "json", now="2026-11-05T09:00:00+01:00"))
    b = bal["blocks"][0]
    # bought 5h, used 1h, 12 months later the other 4h expired (shown, not lost silently)
    assert (b["used_minutes"], b["expired_minutes"], b["left_minutes"], b["expired"]) == (60, 240, 0, True)
    assert bal["balance_minutes"] == 0


def test_prepaid_rollover_moves_unused_hours_to_the_next_block(cdesk: Desk) -> None:
    cdesk.ok("credit", "rolling", "5", "--price", "425.00", "--at", "2025-10-01 09:00", now="2025-10-01T10:00:00+02:00")
    tid = cdesk.new("--title", "x", "--org", "rolling", now="2025-10-02T09:00:00+02:00")
    cdesk.ok("work", tid, "1h", "--at", "2025-10-02 10:00", now="2025-10-02T12:00:00+02:00")
    cdesk.ok("credit", "rolling", "5", "--price", "425.00", "--at", "2026-09-01 09:00", now="2026-09-01T10:00:00+02:00")
    bal = json.loads(cdesk.ok("credit", "rolling", "--format", "json", now="2026-11-05T09:00:00+01:00"))
    first, second = bal["blocks"]
    # on 1 October 2026 the first block's 4 unused hours move to the second (bought before that, valid until
    # 1 September 2027): nothing expires; 5h + 4h left
    assert (first["used_minutes"], first["rolled_out_minutes"], first["expired_minutes"], first["left_minutes"]) == \
        (60, 240, 0, 0)
    assert (second["rolled_in_minutes"], second["left_minutes"]) == (240, 540)
    assert bal["balance_minutes"] == 540


def test_travel_fee_per_onsite_visit(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "Printer", "--org", "meulen", now="2026-11-09T09:00:00+01:00")
    # 30 min on site: billed the 60-minute minimum, 60 x 85.00 = 85.00, plus the travel fee 35.00
    cdesk.ok("work", tid, "30m", "--onsite", "--at", "2026-11-10 10:00", now="2026-11-10T12:00:00+01:00")
    inv = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--org", "meulen")
    assert [(x.get("kind", "work"), x["amount"]) for x in inv["lines"]] == [("work", "85.00"), ("travel", "35.00")]
    assert inv["total"] == "120.00"
    assert show(cdesk, tid, "2026-11-10T12:00:00+01:00")["time"]["amount"] == "120.00"


# ---------------------------------------------------------------- the past is stable

EDITS = [
    ('PROGP85: [{from: 2024-01-01, price: "85.00"}, {from: 2027-01-01, price: "89.25"}]', 'PROGP85: "99.00"'),
    ('ONSITE: "95.00"', 'ONSITE: "120.00"'),
    ('travel: {fee: "35.00"}', 'travel: {fee: "50.00"}'),
    ('multiplier: "1.5"', 'multiplier: "2"'),
    ("increment: 15m", "increment: 30m"),
    ("onsite_minimum: 60m", "onsite_minimum: 90m"),
    ('fee: "450.00", included: 10h', 'fee: "600.00", included: 5h'),
    ("{name: high,   min_score: 16, response: 1h, resolve: 2h, escalate: 90m}",
     "{name: high,   min_score: 16, response: 10m, resolve: 20m, escalate: 15m}"),
    ("{name: high, min_score: 16, response: 2h, resolve: 4h, escalate: 3h}",
     "{name: high, min_score: 16, response: 15m, resolve: 30m, escalate: 20m}"),
    ('mon: ["08:00-17:30"]', 'mon: ["12:00-13:00"]'),
    ("calendar: 24x7", 'calendar: {hours: {mon: ["09:00-10:00"]}}'),
    ("contoso: {name: Contoso B.V., contract: premium}", "contoso: {name: Contoso B.V., contract: standard}"),
    ("meulen: {name: Bakkerij Van der Meulen, contract: standard}",
     "meulen: {name: Bakkerij Van der Meulen, contract: premium}"),
]


def test_a_policy_edit_does_not_move_last_months_report_or_invoices(cdesk: Desk) -> None:
    nov = "2026-11-{}T{}:00+01:00"
    a = cdesk.new("--title", "Server", "--org", "contoso", "--impact", "4", "--urgency", "4", now=nov.format("02", "09:00"))
    b = cdesk.new("--title", "Printer", "--org", "meulen", "--impact", "4", "--urgency", "4",
                  now=nov.format("02", "09:00"))
    c = cdesk.new("--title", "Chairs", "--org", "delinde", now=nov.format("02", "09:00"))
    cdesk.ok("credit", "delinde", "2", "--price", "170.00", "--at", "2026-11-01 09:00", now=nov.format("02", "09:00"))
    for tid in (a, b, c):
        cdesk.ok("take", tid, now=nov.format("02", "09:30"))
        cdesk.ok("work", tid, "6h10m", "--at", "2026-11-03 09:00", now=nov.format("04", "09:00"))
        cdesk.ok("work", tid, "50m", "--onsite", "--at", "2026-11-03 19:00", now=nov.format("04", "09:00"))
        cdesk.ok("resolve", tid, "--solution", "done", now=nov.format("04", "10:00"))
    cdesk.ok("work", b, "5h", "--at", "2026-11-05 09:00", now=nov.format("06", "09:00"))
    issued = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--mark")
    dec = "2026-12-01T09:00:00+01:00"
    rep = json.loads(cdesk.ok("report", "month", "2026-11", "--format", "json", now=dec))
    assert Decimal(rep["amount_total"]) == Decimal(issued["total"])
    manager = json.loads(cdesk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json", now=dec))
    shown = cdesk.ok("invoice", "--show", issued["number"], "--format", "json")
    pol = cdesk.root / "policies.yaml"
    for old, new in EDITS:
        text = pol.read_text()
        assert old in text, old
        pol.write_text(text.replace(old, new))
        again = json.loads(cdesk.ok("report", "month", "2026-11", "--format", "json", now=dec))
        for k in ("amount", "amount_total", "hours_billed", "sla", "by_rate", "by_contract", "by_org"):
            assert again[k] == rep[k], (old, k)
        m2 = json.loads(cdesk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json", now=dec))
        assert (m2["amount"], m2["sla"]) == (manager["amount"], manager["sla"]), old
        assert cdesk.ok("invoice", "--show", issued["number"], "--format", "json") == shown
        assert cdesk.run("invoice", "2026-11", now=dec).code == 1  # nothing left to bill, and nothing billed twice


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("edit, message", [
    (("contoso: {name: Contoso B.V., contract: premium}", "contoso: {name: Contoso B.V., contract: gold}"),
     "orgs.contoso.contract: 'gold' is not a contract"),
    (('PROGP85: [{from: 2024-01-01, price: "85.00"}, {from: 2027-01-01, price: "89.25"}]',
      'PROGP85: [{from: 2027-01-01, price: "89.25"}, {from: 2024-01-01, price: "85.00"}]'),
     "in order of `from`"),
    (("model: prepaid", "model: monthly"), "'monthly' is not one of hourly, fixed, prepaid"),
    (('fee: "450.00", included: 10h', "included: 10h"), "a fixed contract needs a monthly fee"),
    (("{from: 2024-01-01, name: standard}", "{from: 2024-13-01, name: standard}"), "is not a date"),
])
def test_bad_contract_policy_is_refused_with_its_line(cdesk: Desk, edit: tuple[str, str], message: str) -> None:
    pol = cdesk.root / "policies.yaml"
    pol.write_text(pol.read_text().replace(*edit))
    r = cdesk.run("list")
    assert r.code == 2
    assert message in r.err and "policies.yaml" in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["credit", "delinde", "10"], "--price"),
    (["credit", "delinde", "10", "--price", "8,50"], "expected an amount"),
    (["credit", "delinde", "-3", "--price", "10"], "HOURS"),
    (["credit", "nobody", "10", "--price", "10"], "not an organisation"),
    (["credit", "delinde", "10", "--price", "10", "--at", "2030-01-01 09:00"], "future"),
])
def test_credit_bad_input(cdesk: Desk, args: list[str], message: str) -> None:
    before = cdesk.snapshot()
    r = cdesk.run(*args)
    assert r.code == 2 and message in r.err
    assert cdesk.snapshot() == before


# ---------------------------------------------------------------- the low-balance mail (real SMTP server)

def test_notify_tells_the_contact_once_when_the_balance_falls_below_the_level(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_notify import Collector, local_smtp, start

    handler = Collector()
    ctrl = start(handler)
    try:
        xdg = tmp_path / "xdg"
        xdg.mkdir()
        monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
        local_smtp(xdg, ctrl.port)
        policy = contract_policy().replace("delinde: {name: De Linde, contract: blocks}",
                                           "delinde: {name: De Linde, contract: blocks, language: nl, "
                                           "email: mirjam@delinde.nl}")
        d = make_desk(tmp_path / "desk", policy=policy)
        d.ok("credit", "delinde", "5", "--price", "425.00", "--at", "2026-11-01 09:00", now="2026-11-02T09:00:00+01:00")
        tid = d.new("--title", "PCs", "--org", "delinde", now="2026-11-02T09:00:00+01:00")
        d.ok("work", tid, "2h", "--at", "2026-11-03 09:00", now="2026-11-03T12:00:00+01:00")
        d.ok("notify", now="2026-11-03T12:00:00+01:00")
        assert not [m for m in handler.messages if "mirjam@delinde.nl" in m["to"]]  # 3h left: above the 2h level
        d.ok("work", tid, "1h30m", "--at", "2026-11-04 09:00", now="2026-11-04T12:00:00+01:00")
        d.ok("notify", now="2026-11-04T12:00:00+01:00")
        d.ok("notify", now="2026-11-04T13:00:00+01:00")
        low = [m for m in handler.messages if "mirjam@delinde.nl" in m["to"]]
        assert len(low) == 1  # once
        assert "Strippenkaart: nog 1h30m" in low[0]["msg"]["Subject"]
        assert any(e["type"] == "notified" and e["key"] == "prepaid-low:delinde:1"
                   for e in show(d, tid, "2026-11-04T13:00:00+01:00")["events"])
    finally:
        ctrl.stop()


# ---------------------------------------------------------------- e-invoices of contract invoices

def test_contract_invoice_e_invoices_pass_en16931(tmp_path: Path) -> None:
    """A fixed fee, covered and overage lines, a travel fee and a prepaid block in
    UBL and Factur-X: zero fatal findings of the official EN 16931 rules; the
    same totals as the JSON."""
    import re as _re

    from tests import test_einvoice as te

    saxonche = pytest.importorskip("saxonche")
    if not (te.EINVOICE / "EN16931-UBL-validation.xslt").is_file():
        pytest.skip("the EN 16931 rules are not here")
    proc = saxonche.PySaxonProcessor(license=False)
    ubl = (proc, proc.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(te.EINVOICE / "EN16931-UBL-validation.xslt")))
    orgs = te.ORGS.replace("rate: PROGP85, language: nl, country: NL,", "contract: premium, language: nl, country: NL,")
    orgs = orgs.replace("clinic: {name: Kliniek Zuid,", "clinic: {name: Kliniek Zuid, contract: blocks,")
    text = te.policy(orgs=orgs) + CONTRACTS
    text = text.replace('rates: {PROGP85: "85.00", ONSITE: "95.00"}',
                        'rates: {PROGP85: "85.00", ONSITE: "95.00"}\n  travel: {fee: "35.00"}')
    d = make_desk(tmp_path / "desk", policy=text)
    d.ok("credit", "clinic", "2", "--price", "170.00", "--at", "2026-11-01 09:00", now=te.NOV2)
    a = d.new("--title", "Server", "--org", "contoso", now=te.NOV2)
    d.ok("work", a, "9h", "--at", "2026-11-03T09:00", now=te.DEC1)
    d.ok("work", a, "1h20m", "--onsite", "--at", "2026-11-04T10:00", now=te.DEC1)
    c = d.new("--title", "Chairs", "--org", "clinic", now=te.NOV2)
    d.ok("work", c, "2h30m", "--at", "2026-11-05T10:00", now=te.DEC1)
    inv = json.loads(d.ok("invoice", "2026-11", "--mark", "--format", "json", now=te.DEC1))
    out = tmp_path / "out"
    d.ok("invoice", "--show", inv["number"], "--format", "ubl", "-o", f"{out}/", now=te.DEC1)
    for org in ("contoso", "clinic"):
        xml = (out / f"{inv['number']}-{org}.xml").read_bytes()
        assert te.fatal(ubl, xml) == [], org
        total = next(o for o in inv["orgs"] if o["org"] == org)["amount"]
        assert f'<cbc:LineExtensionAmount currencyID="EUR">{total}</cbc:LineExtensionAmount>' in \
            _re.sub(r"\s+", " ", xml.decode()).split("<cac:LegalMonetaryTotal>")[1]
    cii = (proc, proc.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(te.EINVOICE / "EN16931-CII-validation.xslt")))
    d.ok("invoice", "--show", inv["number"], "--format", "facturx", "-o", f"{out}/", now=te.DEC1)
    for org in ("contoso", "clinic"):
        xml = te.embedded_cii((out / f"{inv['number']}-{org}.facturx.pdf").read_bytes())
        assert te.fatal(cii, xml) == [], org
        assert b'unitCode="C62"' in xml  # the fee, the travel fee, the block: one piece each
    contoso = next(o for o in inv["orgs"] if o["org"] == "contoso")
    # fee 450.00; 9h + 1h30m (on site: 1h20m -> 90 min) = 630 billed, 600 included -> 30 min x 85.00 = 42.50;
    # travel 35.00
    assert contoso["amount"] == "527.50"
    clinic = next(o for o in inv["orgs"] if o["org"] == "clinic")
    # block 170.00; 150 billed, 120 from the block, 30 min overage at ONSITE 95.00 = 47.50
    assert clinic["amount"] == "217.50"


# ---------------------------------------------------------------- a pulled price change (real git, bare remote)

@pytest.mark.usefixtures("git_env")
def test_sync_and_fsck_warn_when_a_pulled_policy_change_reprices_past_work(tmp_path: Path) -> None:
    from tests.test_sync import git, make_shop

    _, (anna, bert) = make_shop(tmp_path, (("anna", "AN"), ("bert", "BE")))
    tid = anna.new("--title", "Printer", "--org", "contoso", now="2026-11-02T09:00:00+01:00")
    anna.ok("work", tid, "2h", "--at", "2026-11-03 10:00", now="2026-11-04T09:00:00+01:00")
    anna.ok("work", tid, "30m", "--at", "2026-11-04 10:00", now="2026-11-04T11:00:00+01:00")
    anna.ok("sync", now="2026-11-04T11:00:00+01:00")
    bert.ok("sync", now="2026-11-04T11:00:00+01:00")
    pol = bert.root / "policies.yaml"
    pol.write_text(pol.read_text().replace('PROGP85: "85.00"', 'PROGP85: "95.00"'))
    git(bert.root, "commit", "-qam", "raise PROGP85 to 95.00")
    bert.ok("sync", now="2026-11-05T09:00:00+01:00")
    r = anna.run("sync", now="2026-11-05T10:00:00+01:00")
    assert r.code == 0, r.err
    # 2h30m of un-invoiced work: 2.5 x (95.00 - 85.00) = +25.00, two entries
    assert "reprices 2 un-invoiced work entries done before it by EUR +25.00" in r.err
    f = anna.run("fsck", now="2026-11-05T10:00:00+01:00")
    assert "reprices 2 un-invoiced work entries" in f.err and f.code == 0
    # dated instead: 85.00 until the end of the year, 95.00 from 2027: the past goes back to 85.00
    text = pol.read_text().replace('PROGP85: "95.00"', 'PROGP85: [{from: 2024-01-01, price: "85.00"}, '
                                   '{from: 2027-01-01, price: "95.00"}]')
    bert.ok("sync", now="2026-11-05T11:00:00+01:00")
    pol.write_text(text)
    git(bert.root, "commit", "-qam", "PROGP85: 95.00 from 2027")
    bert.ok("sync", now="2026-11-05T11:00:00+01:00")
    r = anna.run("sync", now="2026-11-05T12:00:00+01:00")
    assert r.code == 0 and "reprices 2 un-invoiced work entries done before it by EUR -25.00" in r.err
    # a change that only adds a future price reprices nothing done before it: no warning
    pol.write_text(pol.read_text().replace('ONSITE: "95.00"', 'ONSITE: [{from: 2024-01-01, price: "95.00"}, '
                                           '{from: 2027-01-01, price: "99.00"}]'))
    git(bert.root, "commit", "-qam", "ONSITE: 99.00 from 2027")
    bert.ok("sync", now="2026-11-05T13:00:00+01:00")
    r = anna.run("sync", now="2026-11-05T14:00:00+01:00")
    assert r.code == 0 and "pulled policies.yaml: billing.rates.ONSITE" in r.out and "reprices" not in r.err


def test_hand_edited_terms_are_reported_and_the_policy_applies(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "x", "--org", "contoso", "--impact", "4", "--urgency", "4",
                    now="2026-11-10T10:00:00+01:00")
    path = next(cdesk.root.glob(f"tickets/*/*/{tid}.yaml"))
    text = path.read_text()
    assert '"resolve": 120' in text
    path.write_text(text.replace('"resolve": 120', '"resolve": "two hours"'))
    r = cdesk.run("fsck", now="2026-11-10T10:00:00+01:00")
    assert r.code == 1 and "terms: resolve 'two hours' is not a whole number of minutes" in r.out
    data = show(cdesk, tid, "2026-11-10T10:00:00+01:00")  # still shown: premium's high targets from the policy
    assert data["sla"]["resolve"]["due"] == "2026-11-10T12:00:00+01:00"


def test_a_credited_fee_is_billed_again_and_never_twice(cdesk: Desk) -> None:
    tid = cdesk.new("--title", "x", "--org", "contoso", now="2026-11-02T09:00:00+01:00")
    cdesk.ok("work", tid, "1h", "--at", "2026-11-03 10:00", now="2026-11-04T09:00:00+01:00")
    inv = invoice(cdesk, "2026-11", "2026-12-01T09:00:00+01:00", "--mark", "--org", "contoso")
    assert inv["total"] == "450.00"  # the fee; the hour is included
    cdesk.ok("invoice", "--credit", inv["number"], "--line", "fee:contoso:2026-11", "-m", "wrong fee",
             now="2026-12-02T09:00:00+01:00")
    again = invoice(cdesk, "2026-11", "2026-12-03T09:00:00+01:00", "--mark", "--org", "contoso")
    assert [(x["event_id"], x["amount"]) for x in again["lines"]] == [("fee:contoso:2026-11", "450.00")]
    assert cdesk.run("invoice", "2026-11", "--org", "contoso", now="2026-12-04T09:00:00+01:00").code == 1


def test_the_it_managers_report_in_dutch_shows_the_prepaid_balance(tmp_path: Path) -> None:
    policy = contract_policy().replace("delinde: {name: De Linde, contract: blocks}",
                                       "delinde: {name: De Linde, contract: blocks, language: nl}")
    d = make_desk(tmp_path / "desk", policy=policy)
    d.ok("credit", "delinde", "10", "--price", "850.00", "--at", "2026-11-01 09:00", now="2026-11-02T09:00:00+01:00")
    tid = d.new("--title", "PCs", "--org", "delinde", now="2026-11-02T09:00:00+01:00")
    d.ok("work", tid, "2h30m", "--at", "2026-11-03 09:00", now="2026-11-04T09:00:00+01:00")
    for fmt in ("table", "html"):
        text = d.ok("report", "month", "2026-11", "--org", "delinde", "--format", fmt, now="2026-12-01T09:00:00+01:00")
        assert "strippenkaart: uren gebruikt deze maand" in text and "2,50 h" in text
        assert "strippenkaart: saldo" in text and "7,50 h" in text
        assert "850,00" in text  # the block bought in the month, in the Time and costs section
    # before the invoice: the report's money is what the draft invoice bills (the hours come off the block)
    rep = json.loads(d.ok("report", "month", "2026-11", "--org", "delinde", "--format", "json",
                          now="2026-12-01T09:00:00+01:00"))
    draft = invoice(d, "2026-11", "2026-12-01T09:00:00+01:00", "--org", "delinde")
    assert rep["amount"] == "0.00" and rep["amount_total"] == draft["total"] == "850.00"


def test_the_pdf_invoice_says_what_the_contract_covers_and_flags_overage(cdesk: Desk, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    cdesk.ok("credit", "delinde", "1", "--price", "85.00", "--at", "2026-11-01 09:00", now="2026-11-02T09:00:00+01:00")
    tid = cdesk.new("--title", "Chairs", "--org", "delinde", now="2026-11-02T09:00:00+01:00")
    cdesk.ok("work", tid, "1h30m", "--at", "2026-11-03 09:00", now="2026-11-04T09:00:00+01:00")
    out = tmp_path / "delinde.pdf"
    cdesk.ok("invoice", "2026-11", "--org", "delinde", "--format", "pdf", "-o", str(out), now="2026-12-01T09:00:00+01:00")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    # 90 billed minutes: 60 from the block, 30 beyond it at ONSITE 95.00 = 47.50
    assert "1.00 h covered by the contract" in text and "beyond the contract (overage)" in text
    assert "47.50" in text and "85.00" in text
