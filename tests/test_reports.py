"""Reports on a small desk whose numbers are computed by hand (issue 5).

The desk (policy: Mon-Fri 08:00-17:30, Europe/Amsterdam, summer time ends
Sun 2026-10-25; normal = 8h response / 12h resolve, high = 2h / 4h; PROGP85
85.00, ONSITE 95.00, 15-minute increments, on-site at least 60 minutes,
after hours x 1.5):

A  contoso normal  opened Thu 10-29 14:00, taken 14:30, 1h worked Thu 15:00,
   resolved Mon 11-02 10:00: opened in October, resolved in November.
   Running: Thu 14:00-17:30 3.5h + Fri 9.5h + Mon 08:00-10:00 2h = 15h.
   Resolve due: 12h from Thu 14:00 = Thu 3.5h + Fri 8.5h -> Fri 10-30 16:30,
   passed in October: a resolve breach of October.
B  contoso high    opened Mon 10-05 09:00, taken 09:15, 30m worked 09:30,
   resolved 10:00, reopened Tue 10-06 09:00, 20m worked 09:10 (bills 30m),
   resolved 10:00; 15m on Sat 10-10 10:00 (after hours: 15m x 85 x 1.5 =
   31.875 -> 31.88); feedback 4. Running: 1h + 1h = 2h (the night between
   resolve and reopen does not count). Resolved once in October (counted
   once), reopened after it.
C  contoso normal  opened Wed 10-28 09:00, taken 09:10, waiting 10:00 ..
   Mon 11-02 09:00 (the customer; across the month end), resolved 11:00.
   Running: 1h + 2h = 3h. In October's backlog (waiting counts).
D  contoso normal  opened Tue 10-20 10:00, taken 10:05, resolved 13:00,
   closed Wed 10-21 09:00; 50m logged on Tue 11-03 with --at 10-20 11:00
   (work logged late: it belongs to October; bills 60m = 85.00). Running 3h.
E  fabrikam normal opened Mon 10-12 10:00, never taken; 30m on site 13:00
   (bills 60m at ONSITE = 95.00); escalated to connectivity (line 2) Tue
   10-13 09:00; still open. Response due 8h: Mon 7.5h + Tue 0.5h -> Tue
   08:30; resolve due 12h -> Tue 12:30: both breached in October.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest

from .conftest import Desk, make_desk

NOW = "2026-11-23T10:00:00+01:00"
INTERNAL = "INTERNAL-MARKER-7731"  # internal notes: never in the --org view
FABRIKAM = "FABRIKAM-MARKER-4410"  # another organisation: never in contoso's view


def _at(s: str) -> str:
    """'10-05 09:00' -> ISO with the right offset (summer time until 10-25)."""
    month, day = int(s[:2]), int(s[3:5])
    off = "+02:00" if (month, day) < (10, 25) else "+01:00"
    return f"2026-{s[:5]}T{s[6:]}:00{off}"


def act(desk: Desk, when: str, *args: str) -> str:
    return desk.ok(*args, "--at", _at(when), now=_at(when))


def build_small_desk(root: Path) -> Desk:
    d = make_desk(root)

    def new(when: str, *args: str) -> str:
        return d.ok("new", *args, "--at", _at(when), now=_at(when)).splitlines()[0]

    a = new("10-29 14:00", "--title", "Mail client crashes", "--org", "contoso",
            "--requester", "Jan de Vries <jan@contoso.com>", "--channel", "email")
    b = new("10-05 09:00", "--title", "Order department has no network", "--org", "contoso", "--impact", "2",
            "--urgency", "8", "--requester", "Piet <piet@contoso.com>")
    c = new("10-28 09:00", "--title", "New laptop for Anouk", "--org", "contoso", "--category", "request",
            "--channel", "portal", "--requester", "Anouk <anouk@contoso.com>")
    dd = new("10-20 10:00", "--title", "Printer floor 2 jams", "--org", "contoso")
    e = new("10-12 10:00", "--title", f"Plant Hamburg VPN down {FABRIKAM}", "--org", "fabrikam",
            "--requester", "Klaus <klaus@fabrikam.de>", "-m", f"description {FABRIKAM}")
    assert [a, b, c, dd, e] == ["AB-0001", "AB-0002", "AB-0003", "AB-0004", "AB-0005"]

    act(d, "10-29 14:30", "take", a)
    act(d, "10-29 15:00", "work", a, "1h", "-m", "rebuilt the mail profile")
    act(d, "10-29 15:30", "comment", a, "--internal", "-m", f"{INTERNAL} customer is difficult")
    act(d, "11-02 10:00", "resolve", a, "--solution", "new profile")

    act(d, "10-05 09:15", "take", b)
    act(d, "10-05 09:30", "work", b, "30m", "-m", "replaced the patch cable")
    act(d, "10-05 10:00", "resolve", b, "--solution", "patch cable")
    act(d, "10-06 09:00", "reopen", b, "-m", f"{INTERNAL} reason")
    act(d, "10-06 09:10", "work", b, "20m", "-m", "replaced the switch port")
    act(d, "10-06 10:00", "resolve", b, "--solution", "switch port")
    act(d, "10-06 11:00", "feedback", b, "4")
    act(d, "10-10 10:00", "work", b, "15m", "-m", "checked the logs")

    act(d, "10-28 09:10", "take", c)
    act(d, "10-28 09:20", "comment", c, "-m", "Which model would you like?")
    act(d, "10-28 10:00", "status", c, "waiting", "-m", f"{INTERNAL} status note")
    act(d, "11-02 09:00", "status", c, "open")
    act(d, "11-02 11:00", "resolve", c, "--solution", "laptop delivered")

    act(d, "10-20 10:05", "take", dd)
    act(d, "10-20 13:00", "resolve", dd, "--solution", "cleaned the rollers")
    act(d, "10-21 09:00", "close", dd)
    d.ok("work", dd, "50m", "-m", "rollers (logged late)", "--at", _at("10-20 11:00"), now=_at("11-03 09:00"))

    act(d, "10-12 13:00", "work", e, "30m", "--onsite", "-m", f"on site {FABRIKAM}")
    act(d, "10-12 13:30", "comment", e, "--internal", "-m", f"{INTERNAL} {FABRIKAM}")
    act(d, "10-13 09:00", "escalate", e, "--to", "connectivity")
    return d


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return build_small_desk(tmp_path_factory.mktemp("reports") / "desk")


def report(desk: Desk, *args: str) -> dict:
    return json.loads(desk.ok("report", *args, "--format", "json", now=NOW))


# ---------------------------------------------------------------- October, by hand

def test_october_counts(small: Desk) -> None:
    r = report(small, "month", "2026-10")
    assert r["month"] == "2026-10"
    assert r["period"] == {"start": "2026-10-01T00:00:00+02:00", "end": "2026-11-01T00:00:00+01:00",
                           "half_open": True}
    assert (r["opened"], r["resolved"], r["closed"]) == (5, 2, 1)  # resolved: B (twice, once) and D
    assert r["backlog"] == 3  # A open, C waiting, E open
    # ages at 11-01 00:00: A 2d10h = 2.4, C 3d15h = 3.6, E 19d15h = 19.6
    assert r["backlog_age"] == {"median_days": 3.6, "max_days": 19.6,
                                "buckets": {"<1d": 0, "1-7d": 2, "7-30d": 1, ">30d": 0}}
    assert r["by_priority"] == {
        "high": {"opened": 1, "resolved": 1, "backlog": 0, "hours_worked": 1.08, "hours_billed": 1.25,
                 "amount": "116.88"},
        "normal": {"opened": 4, "resolved": 1, "backlog": 3, "hours_worked": 2.33, "hours_billed": 3.0,
                   "amount": "265.00"},
    }
    assert list(r["by_team"]) == ["servicedesk", "connectivity"]  # policy order; E was escalated
    assert r["by_team"]["connectivity"]["opened"] == 1 and r["by_team"]["connectivity"]["amount"] == "95.00"
    assert {k: v["opened"] for k, v in r["by_category"].items()} == {"incident": 4, "request": 1}
    assert {k: v["opened"] for k, v in r["by_channel"].items()} == {"email": 1, "phone": 3, "portal": 1}
    assert {k: (v["opened"], v["amount"]) for k, v in r["by_org"].items()} == {
        "contoso": (4, "286.88"), "fabrikam": (1, "95.00")}
    # tickets by assignee (E has none); hours by who logged them (anna, all of them)
    assert {k: v["opened"] for k, v in r["by_agent"].items()} == {"anna": 4, "(unassigned)": 1}
    assert r["by_agent"]["anna"]["hours_worked"] == 3.42


def test_october_time_and_money(small: Desk) -> None:
    r = report(small, "month", "2026-10")
    # A 60 + B 30+20+15 + D 50 (late, but at 10-20) + E 30 = 205 min; billed 60+30+30+15+60+60 = 255
    assert (r["minutes_worked"], r["minutes_billed"]) == (205, 255)
    assert (r["hours_worked"], r["hours_billed"]) == (3.42, 4.25)
    # 85.00 + 42.50 + 42.50 + 31.88 + 85.00 + 95.00
    assert r["amount"] == "381.88"
    assert r["by_rate"] == {
        "ONSITE": {"hours_worked": 0.5, "hours_billed": 1.0, "amount": "95.00"},
        "PROGP85": {"hours_worked": 2.92, "hours_billed": 3.25, "amount": "286.88"},
    }


def test_october_sla(small: Desk) -> None:
    s = report(small, "month", "2026-10")["sla"]
    # response: A, B, C, D met, E breached (due Tue 08:30); resolve: B, D met, A and E breached
    assert (s["response"], s["resolve"]) == ({"met": 4, "breached": 1}, {"met": 2, "breached": 2})
    assert (s["response_met_pct"], s["resolve_met_pct"]) == (80.0, 50.0)
    got = [(b["ticket"], b["clock"], b["due"], b["done_at"]) for b in s["breaches"]]
    assert got == [
        ("AB-0005", "response", "2026-10-13T08:30:00+02:00", None),
        ("AB-0005", "resolve", "2026-10-13T12:30:00+02:00", None),
        ("AB-0001", "resolve", "2026-10-30T16:30:00+01:00", "2026-11-02T10:00:00+01:00"),
    ]
    # A: 15h taken of 12h -> 3h over (business time)
    assert s["breaches"][2]["over_minutes"] == 180


def test_october_resolve_times_reopens_feedback_escalations(small: Desk) -> None:
    r = report(small, "month", "2026-10")
    # B 2h (the night between resolve and reopen does not count), D 3h
    assert r["resolve_hours"] == {"count": 2, "median": 2.5, "p90": 3.0}
    assert (r["reopened"], r["reopen_rate"]) == (1, 50.0)  # B of B and D
    assert r["satisfaction"] == {"responses": 1, "average": 4.0,
                                 "scores": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    assert r["escalations"] == {"total": 1, "by_line": {"2": 1}}


def test_november_and_trend(small: Desk) -> None:
    r = report(small, "month", "2026-11")
    assert (r["opened"], r["resolved"], r["backlog"]) == (0, 2, 1)  # A and C resolved; E left
    # A 15h, C 3h (the waiting across the month end does not count)
    assert r["resolve_hours"] == {"count": 2, "median": 9.0, "p90": 15.0}
    # only C's resolve was decided in November (A's breach belongs to October)
    assert (r["sla"]["response_met_pct"], r["sla"]["resolve_met_pct"]) == (None, 100.0)
    assert r["hours_worked"] == 0.0  # D's late entry belongs to October
    assert [t["month"] for t in r["trend"]] == [f"2025-{m:02d}" for m in range(11, 13)] + [
        f"2026-{m:02d}" for m in range(1, 12)]
    october = r["trend"][-2]
    assert october == {"month": "2026-10", "opened": 5, "resolved": 2, "closed": 1, "backlog": 3,
                       "hours_worked": 3.42, "hours_billed": 4.25, "amount": "381.88",
                       "response_met_pct": 80.0, "resolve_met_pct": 50.0}
    assert all(t["opened"] == 0 and t["backlog"] == 0 for t in r["trend"][:-2])


def test_amount_matches_invoice_to_the_cent(small: Desk) -> None:
    rep = report(small, "month", "2026-10")
    inv = json.loads(small.ok("invoice", "2026-10", "--format", "json", now=NOW))
    assert Decimal(inv["total"]) == Decimal(rep["amount"])
    assert inv["billed_minutes"] == rep["minutes_billed"]
    for org, row in rep["by_org"].items():
        assert next(o for o in inv["orgs"] if o["org"] == org)["amount"] == row["amount"]
    # November's invoice bills October's entries again as `late` (nothing was
    # --marked): they are exactly October's report amount; November's own are 0
    nov = json.loads(small.ok("invoice", "2026-11", "--format", "json", now=NOW))
    late = sum((Decimal(x["amount"]) for x in nov["lines"] if x["late"]), Decimal(0))
    own = sum((Decimal(x["amount"]) for x in nov["lines"] if not x["late"]), Decimal(0))
    assert (late, own) == (Decimal(rep["amount"]), Decimal(report(small, "month", "2026-11")["amount"]))


def test_period_by_month_week_team(small: Desk) -> None:
    r = report(small, "period", "2026-Q4", "--by", "month")
    assert r["period"]["label"] == "2026-Q4" and r["period"]["half_open"]
    assert [c["key"] for c in r["columns"]] == ["2026-10", "2026-11", "2026-12"]
    assert [c["opened"] for c in r["columns"]] == [5, 0, 0]
    assert [c["resolved"] for c in r["columns"]] == [2, 2, 0]
    # the total counts each ticket once: A, B, C, D; its backlog is the one at the end (E)
    assert (r["total"]["opened"], r["total"]["resolved"], r["total"]["backlog"]) == (5, 4, 1)
    assert r["total"]["amount"] == "381.88"

    w = report(small, "period", "--since", "2026-10-26", "--until", "2026-11-09", "--by", "week")
    assert [c["key"] for c in w["columns"]] == ["2026-W44", "2026-W45"]
    assert [(c["opened"], c["resolved"], c["backlog"]) for c in w["columns"]] == [(2, 0, 3), (0, 2, 1)]

    t = report(small, "period", "2026-10", "--by", "team")
    assert {c["key"]: c["opened"] for c in t["columns"]} == {"servicedesk": 4, "connectivity": 1}
    assert t["total"]["opened"] == 5 and t["total"]["backlog"] == 3

    o = report(small, "period", "2026-10", "--by", "org")
    assert {c["key"]: c["amount"] for c in o["columns"]} == {"contoso": "286.88", "fabrikam": "95.00"}


def test_period_without_by_equals_month(small: Desk) -> None:
    m = report(small, "month", "2026-10")
    p = report(small, "period", "--since", "2026-10-01", "--until", "2026-11-01")
    assert p["columns"] == []
    for k in ("opened", "resolved", "closed", "backlog", "hours_worked", "amount"):
        assert p["total"][k] == m[k]
    assert p["total"]["response_met_pct"] == m["sla"]["response_met_pct"]


# ---------------------------------------------------------------- the IT manager's view

def test_org_view_lists_that_orgs_tickets_with_work_and_public_history(small: Desk) -> None:
    r = report(small, "month", "2026-10", "--org", "contoso")
    assert r["org"] == "contoso" and r["org_name"] == "Contoso B.V."
    assert r["opened"] == 4 and r["amount"] == "286.88" and list(r["by_org"]) == ["contoso"]
    assert [t["id"] for t in r["tickets"]] == ["AB-0001", "AB-0002", "AB-0003", "AB-0004"]
    b = r["tickets"][1]
    assert b["requester"] == "Piet" and b["status"] == "resolved" and b["sla"] == {"response": "met",
                                                                                   "resolve": "met"}
    assert [(w["agent"], w["minutes"], w["billed_minutes"], w["rate_name"], w["multiplier"], w["amount"])
            for w in b["work"]] == [("anna", 30, 30, "PROGP85", "1", "42.50"), ("anna", 20, 30, "PROGP85", "1", "42.50"),
                                    ("anna", 15, 15, "PROGP85", "1.5", "31.88")]
    assert [h["what"] for h in b["history"]] == [
        "opened", "taken", "worked 30m", "resolved", "reopened", "worked 20m", "resolved", "feedback 4/5",
        "worked 15m"]
    c = r["tickets"][2]
    assert c["status"] == "waiting" and c["status_now"] == "resolved"
    assert [h["what"] for h in c["history"]] == ["opened", "taken", "reply", "status waiting"]
    d = r["tickets"][3]  # work logged late shows in October, where it belongs
    assert d["minutes_worked"] == 50 and d["amount"] == "85.00"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_org_view_privacy_in_every_format(small: Desk, fmt: str) -> None:
    for month in ("2026-10", "2026-11"):
        out = small.ok("report", "month", month, "--org", "contoso", "--format", fmt, now=NOW)
        assert "AB-0001" in out  # the view is not empty
        assert INTERNAL not in out  # no internal note, status note or reopen reason
        assert FABRIKAM not in out and "fabrikam" not in out.lower() and "AB-0005" not in out
        assert "klaus" not in out.lower() and "connectivity" not in out  # nothing of E at all


def test_org_view_of_the_other_org_shows_only_it(small: Desk) -> None:
    r = report(small, "month", "2026-10", "--org", "fabrikam")
    assert [t["id"] for t in r["tickets"]] == ["AB-0005"]
    text = json.dumps(r)
    assert "contoso" not in text.lower() and "Mail client" not in text and INTERNAL not in text
    assert r["tickets"][0]["work"][0]["billed_minutes"] == 60  # on site: at least 60 minutes
    assert [h["what"] for h in r["tickets"][0]["history"]] == [
        "opened", "worked 30m", "escalated to connectivity (line 2)"]


def test_desk_report_has_no_internal_notes(small: Desk) -> None:
    for fmt in ("table", "json", "csv", "markdown", "html"):
        out = small.ok("report", "month", "2026-10", "--format", fmt, now=NOW)
        assert INTERNAL not in out


# ---------------------------------------------------------------- formats and the command

def test_output_file_picks_format_from_extension(small: Desk, tmp_path: Path) -> None:
    for ext, check in ((".json", lambda s: json.loads(s)["month"] == "2026-10"),
                       (".csv", lambda s: s.startswith("section,row,field,value")),
                       (".md", lambda s: s.startswith("# Monthly report 2026-10")),
                       (".html", lambda s: s.startswith("<!DOCTYPE html>") and "<svg" in s),
                       (".txt", lambda s: s.startswith("Monthly report 2026-10"))):
        path = tmp_path / f"r{ext}"
        r = small.run("report", "month", "2026-10", "-o", str(path), now=NOW)
        assert r.code == 0 and r.out == "" and f"wrote {path}" in r.err
        assert check(path.read_text(encoding="utf-8")), ext
    # an explicit --format wins over the extension
    path = tmp_path / "x.txt"
    small.ok("report", "month", "2026-10", "-o", str(path), "--format", "json", now=NOW)
    assert json.loads(path.read_text())["opened"] == 5


def test_csv_is_long_format_with_everything(small: Desk) -> None:
    out = small.ok("report", "month", "2026-10", "--format", "csv", now=NOW)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["section", "row", "field", "value"]
    assert ["report", "", "amount", "381.88"] in rows
    assert ["by_org", "fabrikam", "amount", "95.00"] in rows
    assert ["trend", "2026-10", "opened", "5"] in rows
    assert ["breach", "1", "ticket", "AB-0005"] in rows


def test_table_has_trend_with_sparklines_and_bars(small: Desk) -> None:
    out = small.ok("report", "month", "2026-11", now=NOW)
    assert out.startswith("Monthly report 2026-11\n")
    assert "[2026-11-01 .. 2026-12-01): from 2026-11-01 up to but not including 2026-12-01" in out
    assert "Trend: the month and the twelve before it" in out
    assert "\u2588" in out  # bars
    spark = next(line for line in out.splitlines() if line.startswith("opened   "))
    assert any(ch in spark for ch in "\u2581\u2588")


def test_period_header_says_half_open(small: Desk) -> None:
    out = small.ok("report", "period", "--since", "2026-10-05 12:00", "--until", "2026-10-20", now=NOW)
    assert "[2026-10-05 12:00 .. 2026-10-20): from 2026-10-05 12:00 up to but not including 2026-10-20" in out


@pytest.mark.parametrize("args, says", [
    (["month", "2026-13"], "month must be 01..12"),
    (["month", "2026-Q3"], "covers a month"),
    (["month", "someday"], "MONTH 'someday'"),
    (["month", "2026-10", "--org", "nope"], "--org 'nope'"),
    (["month", "2026-10", "--format", "pdf"], "--format pdf"),
    (["period", "2026", "--by", "day"], "--by 'day'"),
    (["period"], "PERIOD"),
    (["period", "--since", "2026-11-01", "--until", "2026-10-01"], "--until must be after --since"),
])
def test_bad_input_exit_2_and_nothing_written(small: Desk, args: list[str], says: str) -> None:
    before = small.snapshot()
    r = small.run("report", *args, now=NOW)
    assert r.code == 2 and says in r.err and r.out == ""
    assert "Traceback" not in r.err
    assert small.snapshot() == before


def test_unknown_output_extension_is_refused(small: Desk, tmp_path: Path) -> None:
    r = small.run("report", "month", "2026-10", "-o", str(tmp_path / "r.pdf"), now=NOW)
    assert r.code == 2 and "extension" in r.err and not (tmp_path / "r.pdf").exists()


def test_default_month_is_last_month(small: Desk) -> None:
    assert report(small, "month")["month"] == "2026-10"  # now is 2026-11-23
    assert report(small, "month", "this-month")["month"] == "2026-11"


def test_help_has_examples(small: Desk) -> None:
    for sub in ("month", "period"):
        out = small.ok("report", sub, "--help")
        assert "Examples:" in out and "tix report" in out


# ---------------------------------------------------------------- extras from other modules

def test_itil_and_estimates_included_when_available(small: Desk) -> None:
    r = report(small, "month", "2026-10")
    try:
        import tix.core.itil  # noqa: F401
    except ImportError:
        assert "itil" not in r
    else:
        assert r["itil"]["incidents"]["opened"] == 4  # A, B, D, E (C is a request)
    try:
        from tix.core.planning import estimate_accuracy  # noqa: F401
    except ImportError:
        assert "estimates" not in r
    else:
        assert isinstance(r["estimates"], dict)


def test_extras_only_see_the_orgs_tickets(small: Desk) -> None:
    pytest.importorskip("tix.core.itil")
    r = report(small, "month", "2026-10", "--org", "fabrikam")
    assert r["itil"]["incidents"]["opened"] == 1


# ---------------------------------------------------------------- the pure parts

@pytest.mark.parametrize("values, top, expected", [
    ([0, 1, 2, 3, 4, 5, 6, 7], None, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"),
    ([0, 0, 0], None, "\u2581\u2581\u2581"),  # all zero: flat, not blank
    ([None, 50.0, 100.0], 100.0, "\u00b7\u2585\u2588"),  # no clock decided: a dot; 50% -> 4/8 rounded up
    ([], None, ""),
])
def test_sparkline(values: list, top: float | None, expected: str) -> None:
    from tix.render.report import sparkline

    assert sparkline(values, top) == expected


@pytest.mark.parametrize("value, top, width, expected", [
    (10, 10, 4, "\u2588" * 4),
    (5, 10, 4, "\u2588" * 2),
    (1, 10, 4, "\u258d"),  # 0.4 cell = 3.2 eighths -> 3 eighths
    (0, 10, 4, ""),
    (0.001, 10, 4, "\u258f"),  # anything above zero shows
])
def test_bar(value: float, top: float, width: int, expected: str) -> None:
    from tix.render.report import bar

    assert bar(value, top, width) == expected


@pytest.mark.parametrize("values, p, expected", [
    ([1.0], 90, 1.0),
    ([2.0, 3.0], 90, 3.0),  # ceil(0.9 * 2) = 2nd
    ([float(x) for x in range(1, 11)], 90, 9.0),  # ceil(0.9 * 10) = 9th
    ([float(x) for x in range(1, 12)], 90, 10.0),  # ceil(9.9) = 10th
    ([float(x) for x in range(1, 11)], 50, 5.0),
])
def test_percentile_nearest_rank(values: list[float], p: float, expected: float) -> None:
    from tix.reports.figures import percentile

    assert percentile(values, p) == expected


def test_buckets_weeks_and_months_clip_to_the_period() -> None:
    from zoneinfo import ZoneInfo

    from tix.core.dates import parse_period
    from tix.reports.buckets import month_buckets, months_in, week_buckets

    tz = ZoneInfo("Europe/Amsterdam")
    now = __import__("datetime").datetime.fromisoformat(NOW)
    p = parse_period(None, since="2026-12-24", until="2027-01-13", now=now, tz=tz)
    weeks = week_buckets(p, tz)
    # Thu 12-24 is in 2026-W52; Mon 12-28 starts 2026-W53; Mon 2027-01-04 is 2027-W01
    assert [(b.key, b.start.date().isoformat(), b.end.date().isoformat()) for b in weeks] == [
        ("2026-W52", "2026-12-24", "2026-12-28"), ("2026-W53", "2026-12-28", "2027-01-04"),
        ("2027-W01", "2027-01-04", "2027-01-11"), ("2027-W02", "2027-01-11", "2027-01-13")]
    assert [(b.key, b.start.day, b.end.day) for b in months_in(p, tz)] == [("2026-12", 24, 1), ("2027-01", 1, 13)]
    oct_ = parse_period("2026-10", now=now, tz=tz)
    m = month_buckets(oct_, 2, tz)
    # summer time ends 10-25: October starts at +02:00, November at +01:00
    assert [b.start.isoformat() for b in m] == ["2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"]


def test_status_facts_and_running_minutes_agree_with_the_resolve_clock(small: Desk) -> None:
    """The report reuses the resolve clock's walk for a final resolution and
    walks the status log itself otherwise: both must give the same minutes."""
    from tix.core import sla
    from tix.core.policy import load_policy
    from tix.reports.scan import _running_minutes, status_facts
    from tix.storage.store import Store

    store = Store(small.root)
    policy = load_policy(small.root / "policies.yaml")
    now = __import__("datetime").datetime.fromisoformat(NOW)
    b = store.ticket("AB-0002")
    resolutions, reopens, closes, stretches = status_facts(b)
    assert [r.isoformat() for r in resolutions] == ["2026-10-05T10:00:00+02:00", "2026-10-06T10:00:00+02:00"]
    assert [r.isoformat() for r in reopens] == ["2026-10-06T09:00:00+02:00"] and closes == []
    assert len(stretches) == 2 and stretches[-1][1] == resolutions[-1]
    # B: 1h to the first resolve, 2h to the second (the night in between is not counted)
    got = _running_minutes(b, policy, policy.calendar(), resolutions)
    assert got == {resolutions[0]: 60.0, resolutions[1]: 120.0}
    for tid in ("AB-0001", "AB-0002", "AB-0003", "AB-0004"):
        t = store.ticket(tid)
        final = status_facts(t)[0][-1]
        assert _running_minutes(t, policy, policy.calendar(), [final])[final] == pytest.approx(
            sla.compute(t, policy, now).resolve.taken), tid


# ---------------------------------------------------------------- one pass, and its speed

def synthetic_tickets(n: int, seed: int = 5) -> list:
    """n tickets over a year, folded in memory (no disk): opened, taken, work,
    waiting, resolved, some reopened, closed or still open, feedback."""
    import random
    from datetime import datetime, timedelta

    from tix.core.ticket import replay

    rnd = random.Random(seed)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        t = start + timedelta(minutes=rnd.randrange(390 * 1440))
        evs = [{"id": f"E{i}-0", "at": t.isoformat(), "by": "anna", "type": "opened"}]

        def add(etype: str, lo: int, hi: int, **f: object) -> None:
            nonlocal t
            t += timedelta(minutes=rnd.randrange(lo, hi))
            evs.append({"id": f"E{i}-{len(evs)}", "at": t.isoformat(), "by": rnd.choice(["anna", "pieter"]),
                        "type": etype, **f})

        add("taken", 5, 300)
        for _ in range(rnd.randrange(0, 4)):
            add("worked", 10, 600, minutes=rnd.choice([10, 30, 45, 60, 90]), onsite=rnd.random() < 0.1)
        if rnd.random() < 0.3:
            add("status", 10, 600, status="waiting")
            add("status", 60, 4000, status="open")
        if rnd.random() < 0.8:
            add("resolved", 30, 3000, solution="fixed")
            if rnd.random() < 0.1:
                add("reopened", 60, 3000)
                add("resolved", 30, 3000, solution="fixed again")
            if rnd.random() < 0.3:
                add("feedback", 30, 600, score=rnd.randint(1, 5))
            if rnd.random() < 0.5:
                add("closed", 1440, 8000)
        header = {"id": f"SY-{i:05d}", "title": f"ticket {i}", "impact": rnd.choice([1, 2, 4]),
                  "urgency": rnd.choice([1, 2, 4, 8]), "team": "servicedesk",
                  "org": rnd.choice(["contoso", "fabrikam", None]), "channel": "phone",
                  "category": rnd.choice(["incident", "incident", "request", "change"])}
        out.append(replay(header, evs))
    return out


def _policy():  # type: ignore[no-untyped-def]
    from tix.core.policy import parse_policy

    from .conftest import policy_text

    return parse_policy(policy_text())


def test_one_pass_sla_once_per_ticket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thirteen months of trend, yet every ticket's SLA state is computed at
    most once, and the figures of each month add up to the period's."""
    from datetime import datetime

    from tix.core import sla
    from tix.core.dates import parse_period
    from tix.reports.monthly import monthly_report
    from tix.reports.period import period_report

    tickets = synthetic_tickets(400)
    policy = _policy()
    now = datetime.fromisoformat("2026-12-15T12:00:00+01:00")
    calls: list[str] = []
    real = sla.compute
    monkeypatch.setattr(sla, "compute", lambda t, p, n: calls.append(t.id) or real(t, p, n))
    r = monthly_report(tickets, parse_period("2026-11", now=now, tz=policy.tz), policy, now, extras=False)
    assert len(calls) == len(set(calls)) <= len(tickets)
    by_month = period_report(tickets, parse_period(None, since="2025-11-01", until="2026-12-01", now=now,
                                                  tz=policy.tz), policy, now, by="month")
    trend = r.to_json()["trend"]
    assert [c["key"] for c in by_month.to_json()["columns"]] == [t["month"] for t in trend]
    for col, t in zip(by_month.to_json()["columns"], trend):
        for k in ("opened", "resolved", "closed", "backlog", "hours_worked", "amount", "response_met_pct",
                  "resolve_met_pct"):
            assert col[k] == t[k], (t["month"], k)
    lo, hi = datetime.fromisoformat("2025-11-01T00:00:00+01:00"), datetime.fromisoformat("2026-12-01T00:00:00+01:00")
    assert sum(t["opened"] for t in trend) == sum(1 for t in tickets if lo <= t.created < hi)


@pytest.mark.slow
def test_ten_thousand_tickets(capsys: pytest.CaptureFixture[str]) -> None:
    import time
    from datetime import datetime

    from tix.core.dates import parse_period
    from tix.reports.monthly import monthly_report
    from tix.reports.period import period_report

    tickets = synthetic_tickets(10_000)
    policy = _policy()
    now = datetime.fromisoformat("2026-12-15T12:00:00+01:00")
    t0 = time.perf_counter()
    r = monthly_report(tickets, parse_period("2026-11", now=now, tz=policy.tz), policy, now, extras=False)
    t1 = time.perf_counter()
    period_report(tickets, parse_period("2026", now=now, tz=policy.tz), policy, now, by="week")
    t2 = time.perf_counter()
    with capsys.disabled():
        print(f"\n10,000 tickets: monthly report {t1 - t0:.2f} s, period by week {t2 - t1:.2f} s")
    assert r.month.opened > 500
    assert t1 - t0 < 60 and t2 - t1 < 60  # generous: CI machines are slow and shared


def test_extras_rendered_in_every_format(small: Desk) -> None:
    pytest.importorskip("tix.core.itil")
    text = small.ok("report", "month", "2026-10", now=NOW)
    assert "ITIL: problems, changes, incidents" in text and "changes by kind" in text
    assert "incidents            opened 4" in text
    md = small.ok("report", "month", "2026-10", "--format", "markdown", now=NOW)
    assert "## ITIL: problems, changes, incidents" in md
    csv_ = small.ok("report", "month", "2026-10", "--format", "csv", now=NOW)
    assert "itil,,incidents.opened,4" in csv_
    html_ = small.ok("report", "month", "2026-10", "--format", "html", now=NOW)
    assert "<h2>ITIL: problems, changes, incidents</h2>" in html_
