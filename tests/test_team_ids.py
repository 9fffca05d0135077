"""Clone-owned ID prefixes, self-healing offline clashes and the history
guard, with real git: a bare remote and several clones, as a shop has them.

Jan de Vries and Johan de Vos share the initials JV; Jan also works on two
machines. Clones are made with a plain `git clone` (nobody runs `tix init`)
unless a test says otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_sync import USERS, Desk, desk_files, git, make_shop

pytestmark = pytest.mark.usefixtures("git_env")

JAN, JOHAN = "Jan de Vries", "Johan de Vos"


def plain_clone(tmp_path: Path, remote: Path, name: str, user: str) -> Desk:
    root = tmp_path / name
    git(tmp_path, "clone", "-q", str(remote), str(root))
    return Desk(root, user)


def prefix_of(tid: str) -> str:
    return tid.split("-")[0]


def offline(d: Desk) -> None:
    git(d.root, "remote", "set-url", "origin", str(d.root.parent / "no-such-remote.git"))


def online(d: Desk, remote: Path) -> None:
    git(d.root, "remote", "set-url", "origin", str(remote))


def remote_prefixes(remote: Path) -> dict[str, list[str]]:
    out = subprocess.run(["git", "ls-tree", "-r", "--name-only", "main", "tickets/"], cwd=remote,
                         capture_output=True, text=True, check=True).stdout.split()
    claims: dict[str, list[str]] = {}
    for p in out:
        parts = p.split("/")
        if parts[-1].startswith(".claim-"):
            claims.setdefault(parts[1], []).append(parts[-1])
    return claims


def test_same_initials_and_two_machines_get_distinct_prefixes_online(tmp_path: Path) -> None:
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    shared = owner.new("--title", "Shared printer")
    owner.ok("sync")
    jan1 = plain_clone(tmp_path, remote, "jan-laptop", JAN)
    jan2 = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    johan = plain_clone(tmp_path, remote, "johan", JOHAN)
    ids = {}
    for d in (jan1, jan2, johan):  # each writes before any of them synced
        ids[d.root.name] = d.new("--title", f"made on {d.root.name}")
        d.ok("comment", shared, "-m", f"note from {d.root.name}")
    prefixes = {prefix_of(t) for t in ids.values()}
    assert len(prefixes) == 3, ids
    assert prefix_of(ids["jan-laptop"]) == "JV"  # initials first, while free
    assert prefix_of(ids["jan-desktop"]) == "JDV" and prefix_of(ids["johan"]) == "JVO", ids
    # each claim is on the remote before the clone relies on it
    claims = remote_prefixes(remote)
    assert all(len(claims[p]) == 1 for p in prefixes), claims
    for d in (jan1, jan2, johan, owner, jan1, jan2, johan):
        r = d.run("sync")
        assert r.code == 0, r.out + r.err
        assert "renumbered" not in r.out
    assert desk_files(owner) == desk_files(jan1) == desk_files(jan2) == desk_files(johan)
    text = (owner.root / "tickets/AB/000/AB-0001.yaml").read_text()
    for d in (jan1, jan2, johan):
        assert text.count(f"note from {d.root.name}") == 1
    for d in (owner, jan1, jan2, johan):
        assert d.run("fsck").code == 0


def test_tix_init_in_a_fresh_clone_claims_through_the_remote(tmp_path: Path) -> None:
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    root = tmp_path / "jan"
    git(tmp_path, "clone", "-q", str(remote), str(root))
    jan = Desk(root, JAN)
    out = jan.ok("init", str(root))
    assert "IDs JV-NNNN" in out
    assert "JV" in remote_prefixes(remote)
    state = json.loads((root / ".git/tix/clone.json").read_text())
    assert state["prefix"] == "JV" and state["confirmed"] is True
    # the claim commit is already in this clone (a fast-forward), nothing to merge by hand
    assert (root / "tickets/JV").is_dir()
    log = git(root, "log", "-1", "--format=%s").stdout
    assert "claims ID prefix JV" in log
    johan = plain_clone(tmp_path, remote, "johan", JOHAN)
    assert "IDs JDV-NNNN" in johan.ok("init", str(johan.root))


def test_claims_racing_at_once_never_share_a_prefix(tmp_path: Path) -> None:
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    clones = [plain_clone(tmp_path, remote, f"jan{i}", JAN) for i in range(4)]
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "new", "--title", f"race {i}"], cwd=d.root,
                              env=d.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, d in enumerate(clones)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    ids = [o[0].split()[0] for o in outs]
    assert len({prefix_of(t) for t in ids}) == 4, ids
    claims = remote_prefixes(remote)
    assert all(len(v) == 1 for v in claims.values()), claims


def _offline_clash(tmp_path: Path) -> tuple[Path, Desk, Desk, Desk, str, list[str]]:
    """Jan's laptop is online and claims JV; his desktop, cloned earlier and
    offline, claims JV too and works: two tickets, a link and a split to the
    shared ticket, a comment naming its own ticket, an invoice."""
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    shared = owner.new("--title", "Shared firewall", "--org", "contoso")
    owner.ok("sync")
    desktop = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    offline(desktop)
    laptop = plain_clone(tmp_path, remote, "jan-laptop", JAN)
    mine = laptop.new("--title", "Laptop ticket")
    assert mine == "JV-0001"
    laptop.ok("sync")
    a = desktop.new("--title", "Desktop ticket one", "--org", "contoso")
    b = desktop.new("--title", "Desktop ticket two")
    assert (a, b) == ("JV-0001", "JV-0002")  # provisional: it could not ask the remote
    desktop.ok("link", a, shared, "--as", "relates")
    desktop.ok("comment", shared, "-m", f"see {a} for the details")
    child = desktop.new_split = desktop.ok("split", shared, "--title", "Child from the desktop").split()[0]
    desktop.ok("work", a, "1h", "-m", "desktop work")
    r = desktop.run("sync")
    assert r.code == 1 and "cannot reach origin" in r.err, r.out + r.err
    state = json.loads((desktop.root / ".git/tix/clone.json").read_text())
    assert state["prefix"] == "JV" and state["confirmed"] is False
    return remote, owner, laptop, desktop, shared, [a, b, child]


def test_offline_clash_heals_itself_by_renumbering(tmp_path: Path) -> None:
    remote, owner, laptop, desktop, shared, made = _offline_clash(tmp_path)
    online(desktop, remote)
    r = desktop.run("sync")
    assert r.code == 0, r.out + r.err
    lines = [x for x in r.out.splitlines() if x.startswith("renumbered ")]
    assert len(lines) == 3, r.out
    new_prefix = lines[0].split(" -> ")[1].split("-")[0]
    assert new_prefix not in ("JV", "AB")
    for old in made:
        assert f"renumbered {old} -> {new_prefix}-{old.split('-')[1]}" in r.out
    for d in (owner, laptop, desktop):
        assert d.run("sync").code == 0
    assert desk_files(owner) == desk_files(laptop) == desk_files(desktop)
    # JV-0001 is the laptop's own ticket; the desktop's old IDs still find its tickets when free
    assert json.loads(desktop.ok("show", "JV-0001", "--format", "json"))["title"] == "Laptop ticket"
    two = json.loads(desktop.ok("show", "JV-0002", "--format", "json"))
    assert two["id"] == f"{new_prefix}-0002" and two["title"] == "Desktop ticket two"
    one = json.loads(owner.ok("show", f"{new_prefix}-0001", "--format", "json"))
    assert one["title"] == "Desktop ticket one"
    assert any(e["type"] == "renumbered" and e["from"] == "JV-0001" for e in one["events"])
    assert sum(e["minutes"] for e in one["events"] if e["type"] == "worked") == 60
    # references in the shared ticket's new events followed the renumbering
    sh = json.loads(owner.ok("show", shared, "--format", "json"))
    assert ["relates", f"{new_prefix}-0001"] in [list(x) for x in sh["links"]] or \
        {"kind": "relates", "id": f"{new_prefix}-0001"} in sh["links"] or f"{new_prefix}-0001" in json.dumps(sh["links"])
    assert f"see {new_prefix}-0001 for the details" in json.dumps(sh["events"])
    assert "JV-0001" not in json.dumps(sh["links"])
    for d in (owner, laptop, desktop):
        r = d.run("fsck")
        assert r.code == 0, r.out
        assert d.run("fsck", "--history").code == 0
    # the desktop is now on its new prefix, confirmed
    assert desktop.new("--title", "after").startswith(new_prefix + "-")


def test_renumbered_ticket_found_by_mail_tag(tmp_path: Path) -> None:
    remote, owner, laptop, desktop, shared, made = _offline_clash(tmp_path)
    online(desktop, remote)
    desktop.ok("sync")
    owner.ok("sync")
    mail = ("From: Jan Klant <jan@contoso.com>\nTo: support@example.com\n"
            "Subject: Re: [tix JV-0002] Desktop ticket two\nMessage-ID: <r1@contoso.com>\n"
            "Date: Mon, 23 Nov 2026 09:00:00 +0100\n\nThanks, any news?\n")
    f = tmp_path / "reply.eml"
    f.write_text(mail)
    owner.ok("mail", "import", str(f))
    new_id = desktop.ok("show", "JV-0002", "--format", "json")
    tid = json.loads(new_id)["id"]
    assert "any news" in json.dumps(json.loads(owner.ok("show", tid, "--format", "json"))["events"])


def test_offline_invoices_renumber_and_never_bill_twice(tmp_path: Path) -> None:
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    tid = owner.new("--title", "Contract work", "--org", "contoso")
    owner.ok("work", tid, "2h")
    owner.ok("sync")
    desktop = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    desktop.ok("comment", tid, "-m", "claim online first")
    desktop.ok("sync")
    offline(desktop)
    desktop.ok("work", tid, "1h", "-m", "desktop hour")
    owner.ok("sync")
    # both issue November while apart: the owner's 2h on both, the desktop's 1h on its own
    owner.ok("invoice", "2026-11", "--mark")
    owner.ok("sync")
    desktop.ok("invoice", "2026-11", "--mark")
    online(desktop, remote)
    r = desktop.run("sync")
    assert r.code == 0, r.out + r.err
    assert "invoice 2026-11-001 (not pushed yet): renumbered 2026-11-001 -> 2026-11-002" in r.out, r.out
    assert "1 line taken off" in r.out
    owner.ok("sync")
    assert desk_files(owner) == desk_files(desktop)
    for d in (owner, desktop):
        assert d.run("fsck").code == 0
        assert d.run("fsck", "--history").code == 0
    listing = owner.ok("invoice", "--list", "--format", "json")
    rows = json.loads(listing)
    totals = sorted(str(x["total"]) for x in rows)
    assert len(rows) == 2, listing
    assert totals == ["170.00", "85.00"] or sorted(totals) == sorted(["170.00", "85.00"]), totals


def test_offline_credit_notes_renumber_and_never_credit_twice(tmp_path: Path) -> None:
    """Invoice 2026-11-001 bills two hours. Apart, the owner credits the first
    (CN-2026-11-001, pushed first) and the desktop credits both: its own
    CN-2026-11-001. Its sync renumbers it to CN-2026-11-002 and takes off the
    first hour, which the owner's credit note already gave back."""
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    tid = owner.new("--title", "Contract work", "--org", "contoso")
    owner.ok("work", tid, "2h", "-m", "first")
    owner.ok("work", tid, "1h", "-m", "second")
    inv = json.loads(owner.ok("invoice", "2026-11", "--mark", "--format", "json"))
    first, second = (x["event_id"] for x in inv["lines"])
    owner.ok("sync")
    desktop = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    desktop.ok("comment", tid, "-m", "claim online first")
    desktop.ok("sync")
    offline(desktop)
    owner.ok("invoice", "--credit", "2026-11-001", "--line", first, "-m", "first hour was a test")
    owner.ok("sync")
    desktop.ok("invoice", "--credit", "2026-11-001", "-m", "wrong rate")  # both lines, offline
    assert len(list((desktop.root / "invoices/credits").glob("CN-2026-11-001.*.yaml"))) == 1
    online(desktop, remote)
    r = desktop.run("sync")
    assert r.code == 0, r.out + r.err
    assert ("credit note CN-2026-11-001 (not pushed yet): renumbered CN-2026-11-001 -> CN-2026-11-002 "
            "(CN-2026-11-001 was issued by another clone first); 1 line taken off (already credited by "
            "CN-2026-11-001); new total 85.00") in r.out, r.out
    owner.ok("sync")
    assert desk_files(owner) == desk_files(desktop)
    for d in (owner, desktop):
        assert d.run("fsck").code == 0, d.run("fsck").out
        assert d.run("fsck", "--history").code == 0
    notes = {x["number"]: x for x in json.loads(owner.ok("invoice", "--list", "--format", "json"))
             if x["kind"] == "credit note"}
    assert sorted(notes) == ["CN-2026-11-001", "CN-2026-11-002"]
    cn2 = json.loads(owner.ok("invoice", "--show", "CN-2026-11-002", "--format", "json"))
    assert [x["event_id"] for x in cn2["lines"]] == [second] and cn2["reason"] == "wrong rate"
    cn1 = json.loads(owner.ok("invoice", "--show", "CN-2026-11-001", "--format", "json"))
    assert [x["event_id"] for x in cn1["lines"]] == [first]
    assert "renumbered_from: CN-2026-11-001" in next(
        (owner.root / "invoices/credits").glob("CN-2026-11-002.*.yaml")).read_text().replace("'", "")
    # both hours are billable again, once each
    again = json.loads(owner.ok("invoice", "2026-11", "--format", "json"))
    assert sorted(x["event_id"] for x in again["lines"]) == sorted([first, second])


def test_offline_credit_note_of_lines_already_credited_is_withdrawn(tmp_path: Path) -> None:
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    tid = owner.new("--title", "Contract work", "--org", "contoso")
    owner.ok("work", tid, "2h")
    owner.ok("invoice", "2026-11", "--mark")
    owner.ok("sync")
    desktop = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    desktop.ok("comment", tid, "-m", "claim online first")
    desktop.ok("sync")
    offline(desktop)
    owner.ok("invoice", "--credit", "2026-11-001", "-m", "goodwill", "--write-off")
    owner.ok("sync")
    desktop.ok("invoice", "--credit", "2026-11-001", "-m", "wrong rate")
    online(desktop, remote)
    r = desktop.run("sync")
    assert r.code == 0, r.out + r.err
    assert ("credit note CN-2026-11-001 (not pushed yet) withdrawn: another clone's credit note CN-2026-11-001 "
            "already credited all of its 1 line of invoice 2026-11-001") in r.out, r.out
    owner.ok("sync")
    assert desk_files(owner) == desk_files(desktop)
    assert [p.name for p in (owner.root / "invoices/credits").iterdir()] == ["CN-2026-11-001.AB.yaml"]
    for d in (owner, desktop):
        assert d.run("fsck").code == 0 and d.run("fsck", "--history").code == 0


def test_pulled_history_rewrite_is_reported_and_not_merged(tmp_path: Path) -> None:
    remote, (a, b) = make_shop(tmp_path, USERS[:2])
    keep = a.new("--title", "Server room", "--org", "contoso")
    gone = a.new("--title", "To be deleted", "--org", "contoso")
    for h in ("09", "10", "11"):
        a.ok("work", keep, "1h", "-m", f"work {h}")
    a.ok("sync")
    b.ok("sync")
    before = b.ok("invoice", "2026-11", "--format", "json")
    # a hostile (or careless) clone drops two worked events and deletes a ticket, by hand
    path = a.root / "tickets/AB/000/AB-0001.yaml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(x for x in lines if '"work 09"' not in x and '"work 10"' not in x))
    (a.root / "tickets/AB/000/AB-0002.yaml").unlink()
    git(a.root, "commit", "-q", "-am", "tidy up")
    bad = git(a.root, "rev-parse", "HEAD").stdout.strip()
    git(a.root, "push", "-q", "origin", "main")
    b.ok("comment", keep, "-m", "meanwhile on b")
    r = b.run("sync")
    assert r.code == 1, r.out + r.err
    assert f"tickets/AB/000/AB-0001.yaml: 2 event lines removed in commit {bad[:10]} by Tix Test" in r.out
    assert f"tickets/AB/000/AB-0002.yaml: ticket file deleted in commit {bad[:10]}" in r.out
    assert "--accept-rewrite" in r.err
    # nothing merged, nothing lost here: the invoice still has the three hours
    assert (b.root / "tickets/AB/000/AB-0002.yaml").exists()
    assert b.ok("invoice", "2026-11", "--format", "json") == before
    assert git(b.root, "rev-parse", "origin/main").stdout.strip() == bad
    assert b.run("sync").code == 1  # still refused
    r = b.run("fsck", "--history")
    assert r.code == 0  # b's own history is clean: it never merged the rewrite
    r = a.run("fsck", "--history")
    assert r.code == 1 and "history: ticket file deleted in commit" in r.out and "AB-0001.yaml" in r.out
    # a deliberate clean-up: acknowledged once, then everyone goes on
    r = b.run("sync", "--accept-rewrite", bad[:8])
    assert r.code == 0, r.out + r.err
    assert not (b.root / "tickets/AB/000/AB-0002.yaml").exists()
    assert b.run("fsck", "--history").code == 0
    assert a.run("sync").code == 0
    assert a.run("fsck", "--history").code == 0


def test_invoice_record_change_is_a_rewrite(tmp_path: Path) -> None:
    remote, (a, b) = make_shop(tmp_path, USERS[:2])
    tid = a.new("--title", "Billing", "--org", "contoso")
    a.ok("work", tid, "1h")
    a.ok("invoice", "2026-11", "--mark")
    a.ok("sync")
    b.ok("sync")
    rec = next((a.root / "invoices").glob("2026-11-001.*.yaml"))
    rec.write_text(rec.read_text().replace("issued_by: anna", "issued_by: mallory"))
    git(a.root, "commit", "-q", "-am", "who issued it")
    git(a.root, "push", "-q", "origin", "main")
    r = b.run("sync")
    assert r.code == 1 and "issued invoice record changed in commit" in r.out, r.out + r.err


def test_many_syncs_at_once_all_succeed(tmp_path: Path) -> None:
    users = (("anna", "AB"), ("bert", "BE"), ("carla", "CA"), ("dora", "DO"), ("emil", "EM"))
    remote, desks = make_shop(tmp_path, users)
    tid = desks[0].new("--title", "Everyone comments")
    desks[0].ok("sync")
    for d in desks:
        d.ok("sync")
    for rnd in range(2):
        for d in desks:
            d.ok("comment", tid, "-m", f"{d.user} round {rnd}")
            d.new("--title", f"{d.user} {rnd}")
        procs = [subprocess.Popen([sys.executable, "-m", "tix", "sync"], cwd=d.root, env=d.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in desks]
        outs = [p.communicate(timeout=180) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, out + err
    for d in desks:
        d.ok("sync")
    files = [desk_files(d) for d in desks]
    assert all(f == files[0] for f in files)
    text = (desks[0].root / "tickets/AB/000/AB-0001.yaml").read_text()
    for d in desks:
        for rnd in range(2):
            assert text.count(f'"{d.user} round {rnd}"') == 1


def test_push_keeps_being_rejected_gives_a_clear_message(tmp_path: Path) -> None:
    remote, (a, b) = make_shop(tmp_path, USERS[:2])
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'remote busy' >&2\nexit 1\n")
    hook.chmod(0o755)
    a.new("--title", "x")
    r = a.run("sync", "--retries", "2")
    assert r.code != 0 and "push" in r.err and "Traceback" not in r.err, r.out + r.err


def test_pulled_policy_change_to_money_is_reported(tmp_path: Path) -> None:
    remote, (a, b) = make_shop(tmp_path, USERS[:2])
    pol = a.root / "policies.yaml"
    text = pol.read_text()
    assert 'PROGP85: "85.00"' in text
    pol.write_text(text.replace('PROGP85: "85.00"', 'PROGP85: "95.00"'))
    a.ok("sync")
    r = b.run("sync")
    assert r.code == 0, r.out + r.err
    assert "pulled policies.yaml: billing.rates.PROGP85 changed from 85.00 to 95.00" in r.out, r.out


def test_invoice_issued_offline_under_a_provisional_prefix_moves_with_it(tmp_path: Path) -> None:
    """No ticket made offline, only an invoice: its file name carries the
    provisional prefix, which the laptop owns; renumbering renames it."""
    remote, (owner,) = make_shop(tmp_path, USERS[:1])
    tid = owner.new("--title", "Work", "--org", "contoso")
    owner.ok("sync")
    desktop = plain_clone(tmp_path, remote, "jan-desktop", JAN)
    offline(desktop)
    laptop = plain_clone(tmp_path, remote, "jan-laptop", JAN)
    laptop.new("--title", "laptop")
    laptop.ok("work", tid, "1h")
    laptop.ok("invoice", "2026-11", "--mark")  # invoices/2026-11-001.JV.yaml
    laptop.ok("sync")
    desktop.ok("work", tid, "30m", "-m", "desktop half hour")
    desktop.ok("invoice", "2026-11", "--mark")  # provisional JV too: the same file name
    assert (desktop.root / "invoices/2026-11-001.JV.yaml").exists()
    online(desktop, remote)
    r = desktop.run("sync")
    assert r.code == 0, r.out + r.err
    assert "renumbered 2026-11-001 -> 2026-11-002" in r.out, r.out
    for d in (owner, laptop, desktop):
        assert d.run("sync").code == 0
    assert desk_files(owner) == desk_files(laptop) == desk_files(desktop)
    for d in (owner, laptop, desktop):
        assert d.run("fsck").code == 0
        assert d.run("fsck", "--history").code == 0
