"""The everyday commands end to end, as a technician runs them."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import Desk


def test_init_is_safe_to_run_again(tmp_path):
    root = tmp_path / "newdesk"
    d = Desk(root)
    r = d.run("init", str(root))
    assert r.code == 0 and "policies.yaml" in r.out
    for f in ("policies.yaml", ".gitattributes", ".gitignore"):
        assert (root / f).is_file()
    assert (root / "tickets").is_dir()
    assert "merge=tix" in (root / ".gitattributes").read_text()
    (root / "policies.yaml").write_text((root / "policies.yaml").read_text() + "# my edit\n")
    before = d.snapshot()
    r = d.run("init", str(root))
    assert r.code == 0 and "nothing to add" in r.out
    assert d.snapshot() == before


def test_init_in_git_registers_driver(tmp_path):
    root = tmp_path / "g"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    d = Desk(root)
    assert d.run("init", str(root)).code == 0
    cfg = subprocess.run(["git", "config", "--get", "merge.tix.driver"], cwd=root, capture_output=True, text=True)
    assert "merge-driver" in cfg.stdout
    assert (root / ".git" / "tix" / "clone.json").is_file()  # local state never in the work tree


def test_desk_discovery_walks_up_and_honours_dir(desk, tmp_path):
    tid = desk.new("--title", "found me")
    sub = desk.root / "tickets" / "AB"
    env = desk.env()
    env.pop("TIX_DIR")
    p = subprocess.run([sys.executable, "-m", "tix", "show", tid], cwd=sub, env=env, capture_output=True, text=True)
    assert p.returncode == 0 and "found me" in p.stdout
    p = subprocess.run([sys.executable, "-m", "tix", "--dir", str(desk.root), "show", tid], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0
    p = subprocess.run([sys.executable, "-m", "tix", "list"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert p.returncode == 2 and "not inside a tix desk" in p.stderr


def test_identity_order(desk):
    tid = desk.new("--title", "who")
    desk.ok("--as", "pieter", "take", tid)
    assert json.loads(desk.ok("show", tid, "--format", "json"))["assignee"] == "pieter"
    desk.ok("take", tid, user="anna")
    assert json.loads(desk.ok("show", tid, "--format", "json"))["assignee"] == "anna"


def test_new_prints_only_the_id_and_reads_stdin(desk):
    r = desk.sub("new", "--title", "Printer", "-m", "-", input="Paper jam\non floor 2\n")
    assert r.code == 0 and r.out == "AB-0001\n"
    data = json.loads(desk.ok("show", "AB-0001", "--format", "json"))
    assert data["description"] == "Paper jam\non floor 2"


def test_new_with_editor(desk, tmp_path):
    script = tmp_path / "ed.sh"
    script.write_text("#!/bin/sh\nprintf 'VPN drops every hour\\n\\nSince Monday.\\n' > \"$1\"\n")
    script.chmod(0o755)
    r = desk.sub("new", "--edit", EDITOR=str(script))
    assert r.code == 0
    data = json.loads(desk.ok("show", r.out.strip(), "--format", "json"))
    assert data["title"] == "VPN drops every hour" and data["description"] == "Since Monday."


def test_show_json_has_the_stable_keys_and_explains_priority(desk):
    tid = desk.new("--title", "Order dept offline", "--org", "contoso", "--impact", "4", "--urgency", "8",
                   "--requester", "Jan de Vries <jan@contoso.com>", "--phone", "+31 20 555 0100")
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    for key in ("id", "title", "status", "priority", "score", "impact", "urgency", "team", "assignee", "org",
                "requester", "created", "due", "sla", "time", "links", "events"):
        assert key in data
    assert (data["priority"], data["score"]) == ("high", 32)
    assert data["requester"] == {"name": "Jan de Vries", "email": "jan@contoso.com", "phone": "+31 20 555 0100"}
    for clock in ("response", "resolve", "escalate"):
        assert {"due", "done_at", "state", "remaining_minutes"} <= data["sla"][clock].keys()
    assert {"minutes", "billed_minutes", "amount"} <= data["time"].keys()
    text = desk.ok("show", tid)
    assert "impact 4 (several departments or a whole site) x urgency 8 (cannot wait) = 32: high" in text
    assert "\x1b[" not in text  # no colour when not on a terminal
    csv_out = desk.ok("show", tid, "--format", "csv")
    assert csv_out.splitlines()[0].startswith("id,title,status,priority")


def test_everyday_flow(desk):
    tid = desk.new("--title", "Mail stuck", "--org", "contoso", "--impact", "2", "--urgency", "4")
    desk.ok("assign", tid, "--team", "connectivity", "--to", "pieter")
    desk.ok("take", tid, user="pieter")
    desk.ok("comment", tid, "-m", "Looking into it", user="pieter")
    desk.ok("comment", tid, "--internal", "-m", "SECRET-NOTE queue full", user="pieter")
    desk.ok("status", tid, "waiting", "-m", "asked for headers", user="pieter")
    desk.ok("set", tid, "--urgency", "8", "--tag", "mail", "--agreed-due", "2026-11-24 12:00", user="pieter")
    desk.ok("work", tid, "45m", "-m", "cleared the queue", user="pieter")
    r = desk.run("resolve", tid)
    assert r.code == 2 and "never resolved without a solution" in r.err
    desk.ok("resolve", tid, "--solution", "Queue cleared, retention fixed", user="pieter")
    desk.ok("reopen", tid, "-m", "stuck again")
    desk.ok("resolve", tid, "--solution", "Replaced the relay", user="pieter")
    desk.ok("close", tid)
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    assert data["status"] == "closed" and data["reopens"] == 1 and data["team"] == "connectivity"
    assert data["priority"] == "high" and data["agreed_due"].startswith("2026-11-24T12:00")
    assert data["time"]["minutes"] == 45 and data["solution"] == "Replaced the relay"
    types = [e["type"] for e in data["events"]]
    assert types == ["opened", "assigned", "taken", "commented", "commented", "status", "set", "worked",
                     "resolved", "reopened", "resolved", "closed"]
    public = desk.ok("show", tid, "--public")
    assert "SECRET-NOTE" not in public and "SECRET-NOTE" in desk.ok("show", tid)


def test_at_places_an_event_earlier(desk):
    tid = desk.new("--title", "Phone call", "--at", "today 08:30")
    desk.ok("take", tid, "--at", "today 08:40")
    ev = json.loads(desk.ok("show", tid, "--format", "json"))["events"]
    assert [e["at"] for e in ev] == ["2026-11-23T08:30:00+01:00", "2026-11-23T08:40:00+01:00"]
    r = desk.run("comment", tid, "-m", "x", "--at", "tomorrow 09:00")
    assert r.code == 2 and "future" in r.err
    r = desk.run("comment", tid, "-m", "x", "--at", "today 07:00")
    assert r.code == 2 and "before" in r.err


def test_link_shows_on_both_and_split_lists_children(desk):
    a = desk.new("--title", "Outage", "--org", "contoso")
    b = desk.new("--title", "Replace switch", "--category", "change", "--change-kind", "standard")
    desk.ok("link", b, a, "--as", "fixes")
    assert {"kind": "fixes", "id": a} in json.loads(desk.ok("show", b, "--format", "json"))["links"]
    assert {"kind": "fixed-by", "id": b} in json.loads(desk.ok("show", a, "--format", "json"))["links"]
    child = desk.ok("split", a, "--title", "Check firewall logs", "--to", "pieter").strip()
    parent = json.loads(desk.ok("show", a, "--format", "json"))
    assert parent["children"][0]["id"] == child and parent["children"][0]["status"] == "new"
    assert "Check firewall logs" in desk.ok("show", a)
    r = desk.run("resolve", a, "--solution", "done")
    assert r.code == 2 and child in r.err
    desk.ok("resolve", child, "--solution", "logs clean", user="pieter")
    desk.ok("resolve", a, "--solution", "done")


def test_list_sorted_by_priority_then_age_with_filters(desk):
    low = desk.new("--title", "Mouse", "--impact", "1", "--urgency", "1", "--at", "today 08:00")
    hi1 = desk.new("--title", "Site down", "--impact", "4", "--urgency", "8", "--at", "today 09:00", "--org", "contoso")
    hi0 = desk.new("--title", "Grüntjens VPN", "--impact", "8", "--urgency", "2", "--at", "today 08:30")
    out = desk.ok("list", "--format", "json")
    assert [t["id"] for t in json.loads(out)] == [hi0, hi1, low]
    assert [t["id"] for t in json.loads(desk.ok("list", "--org", "contoso", "--format", "json"))] == [hi1]
    assert [t["id"] for t in json.loads(desk.ok("list", "gruntjens", "--format", "json"))] == [hi0]
    assert [t["id"] for t in json.loads(desk.ok("list", "--priority", "low", "--format", "json"))] == [low]
    desk.ok("take", low)
    assert [t["id"] for t in json.loads(desk.ok("list", "--mine", "--format", "json"))] == [low]
    csv_lines = desk.ok("list", "--format", "csv").splitlines()
    assert csv_lines[0] == "id,pri,status,team,assignee,org,age,sla,time,title" and len(csv_lines) == 4


def test_escalate_goes_to_the_next_line(desk):
    tid = desk.new("--title", "Router", "--team", "servicedesk")
    desk.ok("escalate", tid)
    data = json.loads(desk.ok("show", tid, "--format", "json"))
    assert data["team"] == "connectivity" and data["escalations"][0]["to_team"] == "connectivity"


BAD = [
    (["new", "--title", "x", "--impact", "3"], "--impact 3"),
    (["new", "--title", "x", "--team", "nope"], "--team 'nope'"),
    (["new", "--title", "x", "--org", "acme"], "--org 'acme'"),
    (["new", "--title", "x", "--category", "bug"], "--category 'bug'"),
    (["new", "--title", "x", "--due", "someday"], "--due"),
    (["new", "--title", "   "], "--title"),
    (["assign", "AB-0001", "--to", "nobody"], "--to 'nobody'"),
    (["status", "AB-0001", "done"], "status 'done'"),
    (["status", "AB-0001", "resolved"], "never resolved without a solution"),
    (["set", "AB-0001", "--urgency", "5"], "--urgency 5"),
    (["work", "AB-0001", "soon"], "duration 'soon'"),
    (["work", "AB-0001", "0"], "more than zero"),
    (["work", "AB-0001", "25h"], "24 h"),
    (["work", "AB-0001", "1h", "--rate", "CHEAP"], "--rate 'CHEAP'"),
    (["show", "AB-0099"], "not found"),
    (["take", "../../etc/passwd"], "expected an ID"),
    (["comment", "AB-0001"], "empty"),
    (["link", "AB-0001", "AB-0001"], "itself"),
    (["link", "AB-0001", "AB-0002", "--as", "blocks"], "--as 'blocks'"),
    (["reopen", "AB-0001"], "not resolved or closed"),
    (["feedback", "AB-0001", "9"], "1 to 5"),
    (["list", "--status", "later"], "--status 'later'"),
    (["list", "--format", "xml"], "--format xml"),
    (["new", "--title", "x", "--at", "2026-11-23T25:00"], "--at"),
]


@pytest.mark.parametrize("args, words", BAD)
def test_bad_input_one_line_exit_2_nothing_written(desk, args, words):
    desk.new("--title", "first")
    desk.new("--title", "second")
    before = desk.snapshot()
    r = desk.run(*args)
    assert r.code == 2, r
    assert words in r.err, r.err
    assert len(r.err.strip().splitlines()) <= 3 and "Traceback" not in r.err
    assert desk.snapshot() == before


def test_bad_tix_now_and_broken_policy(desk):
    r = desk.run("list", now="yesterday")
    assert r.code == 2 and "TIX_NOW" in r.err
    (desk.root / "policies.yaml").write_text("timezone: Mars/Olympus\ncalendar: {hours: {mon: ['08:00-17:00']}}\n"
                                             "priorities: []\n")
    r = desk.run("list")
    assert r.code == 2 and "policies.yaml:1: timezone" in r.err


def test_help_has_examples():
    from tix.cli.boundary import COMMANDS

    d = Desk(os.getcwd())
    top = d.run("--help")
    assert top.code == 0 and "Examples" in top.out
    for name in ("new", "show", "list", "assign", "take", "comment", "status", "set", "work", "resolve", "close",
                 "reopen", "link", "split", "escalate"):
        assert name in COMMANDS
        r = d.run(name, "--help")
        assert r.code == 0 and "Example" in r.out, name


def test_change_approval_rules_in_resolve_reopen_and_json(desk):
    ch = desk.new("--title", "Replace core switch", "--category", "change", "--change-kind", "normal")
    assert json.loads(desk.ok("show", ch, "--format", "json"))["approval"] == "pending"
    r = desk.run("resolve", ch, "--solution", "done")
    assert r.code == 2 and "approve" in r.err
    desk.ok("approve", ch)
    assert json.loads(desk.ok("show", ch, "--format", "json"))["approval"] == "approved"
    desk.ok("resolve", ch, "--solution", "switch replaced")
    dup = desk.new("--title", "Same outage")
    orig = desk.new("--title", "Outage")
    desk.ok("merge", dup, "--into", orig)
    r = desk.run("reopen", dup)
    assert r.code == 2 and "merged into" in r.err
