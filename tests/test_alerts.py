"""Alerts from monitoring and backup systems, imported as real mail files
written from each system's documented default notification format: one
ticket per key, repeats appended, recoveries resolve, flapping reopens,
storms are capped, silent keys open a ticket once; `tix new --key` and
`tix resolve --key` for systems that call a command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from email import message_from_bytes
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk, policy_text

ALERTS = Path(__file__).parent / "data" / "alerts"
EVENING = "2026-11-23T23:00:00+01:00"


def shop_policy(alerts: str = "") -> str:
    text = policy_text()
    text = text.replace("language: nl}", 'language: nl, hosts: ["CON-*", "*.contoso.com"]}')
    text = text.replace("language: de}", 'language: de, hosts: ["fab-*"]}')
    return text + alerts


@pytest.fixture
def shop(tmp_path: Path) -> Desk:
    d = make_desk(tmp_path / "desk", policy=shop_policy())
    d.now = EVENING
    return d


def variant(name: str, tmp: Path, *, mid: str, date: str | None = None, subject: str | None = None) -> Path:
    """A sample mail sent again: a new Message-ID (and Date, subject)."""
    msg = message_from_bytes((ALERTS / name).read_bytes())
    msg.replace_header("Message-ID", f"<{mid}@test>")
    if date:
        msg.replace_header("Date", format_datetime(datetime.fromisoformat(date)))
    if subject:
        msg.replace_header("Subject", subject)
    p = tmp / f"{mid}.eml"
    p.write_bytes(msg.as_bytes())
    return p


def imp(desk: Desk, path: Path | str, now: str | None = None) -> str:
    r = desk.run("mail", "import", str(path), now=now or desk.now)
    assert r.code == 0, r.err
    return r.out


def show(desk: Desk, tid: str) -> dict:
    return json.loads(desk.ok("show", tid, "--format", "json"))


def tickets(desk: Desk) -> list[str]:
    return sorted(p.stem for p in desk.root.glob("tickets/**/*.yaml"))


SYSTEMS = [  # sample, key, org, channel, opened at (the mail's Date), recovered at
    ("nagios", "CON-DC01/Disk D:", "contoso", "monitoring", "03:12", "04:40"),
    ("icinga2", "fab-fw01/ping4", "fabrikam", "monitoring", "09:15", "09:31"),
    ("zabbix", "CON-SQL01/High CPU utilization (over 90% for 5m)", "contoso", "monitoring", "08:05", "08:30"),
    ("checkmk", "CON-FS01/Filesystem E:/", "contoso", "monitoring", "07:00", "07:45"),
    ("uptime-kuma", "shop.contoso.com", "contoso", "monitoring", "10:02", "10:09"),
]


@pytest.mark.parametrize("system,key,org,channel,opened,recovered", SYSTEMS)
def test_each_system_problem_opens_and_recovery_resolves(shop: Desk, system: str, key: str, org: str,
                                                         channel: str, opened: str, recovered: str) -> None:
    out = imp(shop, ALERTS / f"{system}-problem.eml")
    tid = out.split(":")[0]
    assert "new ticket" in out
    t = show(shop, tid)
    assert (t["key"], t["org"], t["channel"], t["status"]) == (key, org, channel, "new")
    assert t["created"][11:16] == opened  # when the monitor sent it, not when the mail was fetched
    assert t["alert"]["times"] == 1
    out = imp(shop, ALERTS / f"{system}-recovery.eml")
    assert out.startswith(f"{tid}:") and "recovered" in out
    t = show(shop, tid)
    assert t["status"] == "resolved"
    assert t["solution"].startswith("Recovered:") and recovered in t["solution"]
    assert t["resolved_at"][11:16] == recovered
    assert tickets(shop) == [tid]


def test_veeam_failed_job_opens_a_backup_ticket_and_the_next_success_resolves_it(shop: Desk) -> None:
    out = imp(shop, ALERTS / "veeam-failed.eml", now="2026-11-23T23:00:00+01:00")
    tid = out.split(":")[0]
    t = show(shop, tid)
    assert (t["key"], t["org"], t["channel"], t["title"]) == ("CON-FS01 Daily", "contoso", "backup-check",
                                                              "Backup Failed: CON-FS01 Daily")
    imp(shop, ALERTS / "veeam-success.eml", now="2026-11-24T23:00:00+01:00")
    assert show(shop, tid)["status"] == "resolved"


def test_repeats_append_to_the_one_open_ticket(shop: Desk, tmp_path: Path) -> None:
    tid = imp(shop, ALERTS / "nagios-problem.eml").split(":")[0]
    for n, hhmm in enumerate(("03:42", "04:12", "04:30"), 2):
        out = imp(shop, variant("nagios-problem.eml", tmp_path, mid=f"r{n}", date=f"2026-11-23T{hhmm}:00+01:00"))
        assert out.startswith(f"{tid}:")
        assert f"{n}{'nd' if n == 2 else 'rd' if n == 3 else 'th'} time" in out
    t = show(shop, tid)
    alerted = [e for e in t["events"] if e["type"] == "alerted"]
    assert [e["text"][:14] for e in alerted] == ["again at 03:42", "again at 04:12", "again at 04:30"]
    assert "4th time" in alerted[-1]["text"] and t["alert"]["times"] == 4
    assert tickets(shop) == [tid]
    # the same mail imported twice is a duplicate, not a fifth time
    out = imp(shop, tmp_path / "r4.eml")
    assert "already imported" in out and show(shop, tid)["alert"]["times"] == 4


def test_a_recovery_without_an_open_ticket_is_only_logged(shop: Desk) -> None:
    out = imp(shop, ALERTS / "nagios-recovery.eml")
    assert "no open ticket (logged only)" in out
    assert tickets(shop) == []
    out = imp(shop, ALERTS / "nagios-flapping.eml")  # FLAPPINGSTART: information, nothing open to add it to
    assert "logged only" in out and tickets(shop) == []


def test_a_problem_within_the_flap_window_reopens_the_same_ticket(shop: Desk, tmp_path: Path) -> None:
    tid = imp(shop, ALERTS / "nagios-problem.eml").split(":")[0]           # 03:12
    imp(shop, ALERTS / "nagios-recovery.eml")                               # 04:40
    out = imp(shop, variant("nagios-problem.eml", tmp_path, mid="f1", date="2026-11-23T05:05:00+01:00"))
    assert out.startswith(f"{tid}:") and "reopened (flapping)" in out       # 25 minutes: within 30m
    t = show(shop, tid)
    assert t["status"] == "open" and t["reopens"] == 1
    imp(shop, variant("nagios-recovery.eml", tmp_path, mid="f2", date="2026-11-23T05:10:00+01:00"))
    assert show(shop, tid)["status"] == "resolved"
    out = imp(shop, variant("nagios-problem.eml", tmp_path, mid="f3", date="2026-11-23T05:41:00+01:00"))
    new = out.split(":")[0]                                                  # 31 minutes: a new problem
    assert new != tid and "new ticket" in out
    assert tickets(shop) == sorted([tid, new])


def test_flapping_notice_is_added_to_the_open_ticket(shop: Desk) -> None:
    tid = imp(shop, ALERTS / "nagios-problem.eml").split(":")[0]
    out = imp(shop, ALERTS / "nagios-flapping.eml")
    assert out.startswith(f"{tid}:")
    ev = [e for e in show(shop, tid)["events"] if e["type"] == "alerted"]
    assert ev[0]["state"] == "FLAPPINGSTART"


def test_an_alert_storm_is_capped_to_one_event_per_interval(shop: Desk, tmp_path: Path) -> None:
    tid = imp(shop, ALERTS / "nagios-problem.eml").split(":")[0]           # 03:12:04
    # 20 mails, 03:13 .. 03:17:45
    files = [variant("nagios-problem.eml", tmp_path, mid=f"s{i}",
                     date=f"2026-11-23T03:{13 + i // 4:02}:{(i % 4) * 15:02}+01:00") for i in range(20)]
    for f in files:
        out = imp(shop, f)
        assert "rate cap" in out
    t = show(shop, tid)
    assert [e["type"] for e in t["events"]] == ["opened"]                    # nothing written during the storm
    out = imp(shop, variant("nagios-problem.eml", tmp_path, mid="after", date="2026-11-23T03:30:00+01:00"))
    assert "22nd time" in out                                                # 1 + 20 held back + this one
    t = show(shop, tid)
    ev = [e for e in t["events"] if e["type"] == "alerted"]
    assert len(ev) == 1 and ev[0]["suppressed"] == 20 and t["alert"]["times"] == 22
    assert tickets(shop) == [tid]


def test_alert_tickets_send_no_receipt_to_the_monitoring_sender(shop: Desk) -> None:
    tid = imp(shop, ALERTS / "nagios-problem.eml", now="2026-11-23T03:20:00+01:00").split(":")[0]
    normal = shop.new("--title", "Printer broken", "--requester", "Jan <jan@contoso.com>",
                      now="2026-11-23T03:20:00+01:00")
    r = shop.run("notify", "--dry-run", "--format", "json", now="2026-11-23T03:25:00+01:00")
    assert r.code == 0, r.err
    mails = json.loads(r.out)
    to = {(m["ticket"], tuple(m["to"])) for m in mails}
    assert (normal, ("jan@contoso.com",)) in to
    assert not any(m["ticket"] == tid for m in mails)
    assert "nagios@" not in r.out


def test_two_imports_at_once_open_one_ticket_for_one_key(shop: Desk, tmp_path: Path) -> None:
    files = [variant("zabbix-problem.eml", tmp_path, mid=f"c{i}", date=f"2026-11-23T08:{10 + i:02}:00+01:00")
             for i in range(2)]
    env = shop.env()
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "mail", "import", str(f)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len(tickets(shop)) == 1


def test_policy_rules_with_a_header_a_fixed_org_and_bad_rules(tmp_path: Path) -> None:
    rules = """alerts:
  - name: prtg
    from: '@prtg\\.fabrikam\\.de$'
    header: {X-PRTG-Sensor: '^(?P<sensor>.+)$'}
    subject: '^\\[PRTG\\] (?P<state>Down|Up|Warning)'
    key: "prtg/{sensor}"
    open: [Down, Warning]
    resolve: [Up]
    org: fabrikam
    impact: 4
    urgency: 4
    team: connectivity
  - use: veeam
    org: contoso
    expect_every: 26h
"""
    d = make_desk(tmp_path / "d", policy=shop_policy(rules))
    d.now = EVENING
    raw = (b"From: PRTG <alerts@prtg.fabrikam.de>\nTo: support@example.com\nSubject: [PRTG] Down Core switch\n"
           b"X-PRTG-Sensor: Core switch ping\nMessage-ID: <p1@prtg>\nDate: Mon, 23 Nov 2026 22:00:00 +0100\n\n"
           b"Sensor down\n")
    (tmp_path / "p.eml").write_bytes(raw)
    tid = imp(d, tmp_path / "p.eml").split(":")[0]
    t = show(d, tid)
    assert (t["key"], t["org"], t["impact"], t["urgency"], t["team"]) == ("prtg/Core switch ping", "fabrikam",
                                                                          4, 4, "connectivity")
    # the shipped nagios rule is not in force here: an ordinary automatic mail, no ticket
    out = imp(d, ALERTS / "nagios-problem.eml")
    assert "automatic mail" in out and "alert nagios" not in out
    for bad, why in ((rules.replace("'^(?P<sensor>.+)$'", "'^(?P<sensor>.+$'"), "not a regular expression"),
                     (rules.replace('"prtg/{sensor}"', '"prtg/{nope}"'), "not a named group"),
                     (rules.replace("use: veeam", "use: vbr"), "not a shipped rule"),
                     (rules.replace("impact: 4", "impact: 3"), "not in the matrix")):
        (d.root / "policies.yaml").write_text(shop_policy(bad), encoding="utf-8")
        r = d.run("list")
        assert r.code == 2 and why in r.err and re.search(r"policies\.yaml:\d+", r.err), r.err


# ---------------------------------------------------------------- tix new --key / resolve --key

def test_new_with_a_key_appends_while_open_and_resolve_by_key(shop: Desk) -> None:
    a = shop.new("--title", "UPS on battery", "--key", "ups/con-01", "--channel", "monitoring")
    b = shop.new("--title", "UPS on battery", "--key", "ups/con-01", "-m", "still on battery")
    assert a == b and tickets(shop) == [a]
    t = show(shop, a)
    assert t["key"] == "ups/con-01"
    assert [e["type"] for e in t["events"]] == ["opened", "alerted"]
    assert "2nd time" in t["events"][1]["text"] and "still on battery" in t["events"][1]["text"]
    assert shop.ok("resolve", "--key", "ups/con-01", "--solution", "power back").startswith(f"{a}: resolved")
    r = shop.run("resolve", "--key", "ups/con-01", "--solution", "again")
    assert r.code == 2 and "no open ticket has this key" in r.err
    c = shop.new("--title", "UPS on battery", "--key", "ups/con-01")
    assert c != a
    r = shop.run("resolve", a, "--key", "ups/con-01", "--solution", "x")
    assert r.code == 2 and "one of them" in r.err
    r = shop.run("new", "--title", "x", "--key", "two\nlines")
    assert r.code == 2 and "--key" in r.err


def test_the_key_is_found_without_scanning_the_desk(shop: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    a = shop.new("--title", "Disk full", "--key", "srv/disk")
    for i in range(30):
        shop.new("--title", f"other {i}")
    import tix.storage.index as index

    def no_scan(*args: object, **kw: object) -> list[object]:
        raise AssertionError("the desk was scanned")

    monkeypatch.setattr(index, "load_all", no_scan)
    assert shop.new("--title", "Disk full", "--key", "srv/disk") == a
    assert shop.ok("resolve", "--key", "srv/disk", "-s", "cleaned").startswith(a)


def test_the_key_map_is_rebuilt_when_it_is_lost(shop: Desk) -> None:
    a = shop.new("--title", "Disk full", "--key", "srv/disk")
    for p in shop.root.rglob("keys.json"):
        p.unlink()
    assert shop.new("--title", "Disk full", "--key", "srv/disk") == a


# ---------------------------------------------------------------- silent keys

SILENT = """alerts:
  - use: veeam
    org: contoso
    expect_every: 26h
    expect_on: business-days
"""


def test_a_missing_backup_report_across_a_weekend_and_a_holiday(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "d", policy=shop_policy(SILENT))
    # Thursday 24 Dec 22:30 the last report; Fri 25 Dec is a holiday (the policy's 12-25), then the weekend.
    # 26 business hours: 1.5 h of Thursday, then Monday 28 from 00:00: 24.5 h -> Tuesday 29 Dec 00:30.
    ok = variant("veeam-success.eml", tmp_path, mid="thu", date="2026-12-24T22:30:00+01:00")
    imp(d, ok, now="2026-12-24T22:31:00+01:00")
    for quiet in ("2026-12-25T12:00:00+01:00", "2026-12-27T23:59:00+01:00", "2026-12-29T00:29:00+01:00"):
        r = d.run("alerts", "check", now=quiet)
        assert r.code == 0 and "no silent keys" in r.out, (quiet, r.out)
    assert tickets(d) == []
    r = d.run("alerts", "check", now="2026-12-29T00:31:00+01:00")
    tid = r.out.split(":")[0]
    assert "opened" in r.out and "CON-FS01 Daily" in r.out
    t = show(d, tid)
    assert t["key"] == "missing:CON-FS01 Daily" and t["org"] == "contoso" and t["channel"] == "backup-check"
    assert "since Thu 2026-12-24 22:30" in t["title"]
    r = d.run("alerts", "check", now="2026-12-29T06:00:00+01:00")  # once
    assert "open already" in r.out and tickets(d) == [tid]
    # the report returns: a success only records "last seen", and closes the silence ticket
    back = variant("veeam-success.eml", tmp_path, mid="tue", date="2026-12-29T22:30:00+01:00")
    out = imp(d, back, now="2026-12-29T22:31:00+01:00")
    assert "no open ticket (logged only)" in out and f"missing report ticket {tid} was resolved" in out
    assert show(d, tid)["status"] == "resolved" and len(tickets(d)) == 1
    assert "no silent keys" in d.ok("alerts", "check", now="2026-12-30T10:00:00+01:00")


def test_a_silent_key_on_every_day_counts_the_weekend(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "d", policy=shop_policy(SILENT.replace("business-days", "every-day")))
    imp(d, variant("veeam-success.eml", tmp_path, mid="fri", date="2026-12-04T22:30:00+01:00"),
        now="2026-12-04T22:31:00+01:00")                                    # Friday
    assert "no silent keys" in d.ok("alerts", "check", now="2026-12-06T00:29:00+01:00")
    assert "opened" in d.ok("alerts", "check", now="2026-12-06T00:31:00+01:00")  # Sunday 00:30


def test_escalate_due_checks_silent_keys_too(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "d", policy=shop_policy(SILENT.replace("business-days", "every-day")))
    imp(d, variant("veeam-success.eml", tmp_path, mid="mon", date="2026-11-23T22:30:00+01:00"),
        now="2026-11-23T22:31:00+01:00")
    assert d.ok("escalate", "--due", now="2026-11-25T00:29:00+01:00") == ""
    out = d.ok("escalate", "--due", now="2026-11-25T00:31:00+01:00")
    assert "opened: no report from CON-FS01 Daily since 2026-11-23T22:30" in out
    assert len(tickets(d)) == 1
    assert d.ok("escalate", "--due", now="2026-11-25T01:31:00+01:00") == ""


# ---------------------------------------------------------------- the default policy's examples

def uncommented(text: str) -> str:
    """The default policy with its example organisation, alert rules and
    recurring rule switched on, as a shop would: `# ` taken off those lines,
    and the organisation given host patterns as the comment says."""
    out, on = [], False
    for line in text.splitlines():
        if line.startswith(("# alerts:", "# recurring:")):
            on = True
        elif not line.startswith("#  "):
            on = False
        if on or line.lstrip().startswith("# contoso:"):
            line = line.replace("# ", "", 1)
        out.append(line)
    text = "\n".join(out).replace("orgs: {}\n", "orgs:\n")
    return text.replace("language: nl}", 'language: nl, hosts: ["CON-*", "*.contoso.local"]}', 1) + "\n"


def test_the_default_policy_shows_an_alert_rule_and_a_recurring_rule_that_work(tmp_path: Path) -> None:
    from tix.core.alerts import match
    from tix.core.policy import DEFAULT_POLICY, parse_policy

    text = DEFAULT_POLICY.replace("{user}", "anna")
    assert "# alerts:\n" in text and "# recurring:\n" in text
    plain = parse_policy(text)  # as written by `tix init`: examples off, the shipped rules in force
    assert not plain.recurring and [r.name for r in plain.alerts][:2] == ["nagios-service", "nagios-host"]
    p = parse_policy(uncommented(text))
    assert [r.name for r in p.alerts] == ["nagios-service", "veeam", "prtg"]
    assert [r.name for r in p.recurring] == ["patch-round"]
    m = match(p.alerts, "prtg@prtg.contoso.com", "[PRTG] Down con-sw01/Ping", {}, "")
    assert m is not None and (m.rule.name, m.key, m.state) == ("prtg", "con-sw01/Ping", "Down")
    from tix.core.alerts import org_for

    assert org_for(p, m) == "contoso"
    # `tix init` writes it; the desk works with the examples switched on
    root = tmp_path / "desk"
    root.mkdir()
    d = Desk(root)
    assert d.run("init", str(root), "--prefix", "AB").code == 0
    written = (root / "policies.yaml").read_text(encoding="utf-8")
    assert "# recurring:" in written
    (root / "policies.yaml").write_text(uncommented(written), encoding="utf-8")
    rules = d.ok("alerts", "rules")
    assert "prtg" in rules and "veeam" in rules
    coming = json.loads(d.ok("recur", "list", "--days", "40", "--format", "json", now="2026-12-20T10:00:00+01:00"))
    assert [(r["at"][:16], r["org"], r["title"]) for r in coming] == [
        ("2027-01-04T09:00", "contoso", "Patch round 2027-01")]
