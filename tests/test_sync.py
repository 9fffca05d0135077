"""tix sync with real git: a bare remote in a temp directory and clones of
it, as a shop has them. Scripted rounds of concurrent work that must
converge; a clone without the merge driver and a plain `git pull`; a push
race of two real `tix sync` processes; a hand-edited old event."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import Desk, policy_text
from tix.storage.store import CONFLICT_RE, parse_ticket_text

USERS = (("anna", "AB"), ("bert", "BE"), ("carla", "CA"))


pytestmark = pytest.mark.usefixtures("git_env")  # conftest: real git, no global config


class Desk(Desk):  # type: ignore[no-redef]
    """conftest's Desk, keeping the test's environment (HOME, GIT_*, PATH) in
    in-process runs too: `Desk.run` builds its environment after clearing
    os.environ, so git would find no identity."""

    def __init__(self, root: Path, user: str = "anna"):
        super().__init__(root, user)
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.base_env, **super().env(**extra)}


def make_desk(root: Path, user: str = "anna", prefix: str = "AB", policy: str | None = None) -> Desk:
    desk = Desk(root, user)
    root.mkdir(parents=True, exist_ok=True)
    (root / "policies.yaml").write_text(policy or policy_text(user), encoding="utf-8")
    (root / "tickets").mkdir(exist_ok=True)
    desk.ok("init", str(root), "--prefix", prefix)
    return desk


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
    return p


def shop_policy() -> str:
    return policy_text("anna", "pieter, bert, carla, dora")


def make_shop(tmp_path: Path, users: tuple[tuple[str, str], ...] = USERS) -> tuple[Path, list[Desk]]:
    """A bare remote and one clone per user; the first made the desk."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    first = tmp_path / users[0][0]
    git(tmp_path, "init", "-q", "-b", "main", str(first))
    desks = [make_desk(first, users[0][0], users[0][1], policy=shop_policy())]
    git(first, "remote", "add", "origin", str(remote))
    desks[0].ok("sync")
    for user, prefix in users[1:]:
        root = tmp_path / user
        git(tmp_path, "clone", "-q", str(remote), str(root))
        d = Desk(root, user)
        d.ok("init", str(root), "--prefix", prefix)
        d.ok("sync")
        desks.append(d)
    for d in desks[:-1]:
        d.ok("sync")  # everyone sees every claim
    return remote, desks


def ticket_files(root: Path) -> list[Path]:
    return sorted((root / "tickets").glob("*/*/*.yaml"))


def event_ids(root: Path) -> Counter[str]:
    c: Counter[str] = Counter()
    for p in ticket_files(root):
        _, events, _, _ = parse_ticket_text(p.read_bytes(), str(p))
        c.update(e["id"] for e in events)
    return c


def assert_no_markers(root: Path) -> None:
    for p in [*ticket_files(root), *(root / "invoices").glob("*.yaml")]:
        assert not CONFLICT_RE.search(p.read_text()), f"conflict markers in {p}"


def desk_files(d: Desk) -> dict[str, bytes]:
    return {k: v for k, v in d.snapshot().items() if not k.startswith(".git")}


# ---------------------------------------------------------------- rounds

def test_three_clones_converge_after_rounds_of_concurrent_work(tmp_path: Path) -> None:
    remote, desks = make_shop(tmp_path)
    written: set[str] = set()
    for rnd in range(4):
        now = f"2026-11-{23 + rnd}T{9 + rnd:02d}:{rnd * 7:02d}:00+01:00"
        for i, d in enumerate(desks):
            d.now = now
            d.new("--title", f"{d.user} round {rnd}", "--org", "contoso")
            tickets = [p.stem for p in ticket_files(d.root)]
            # everyone works on the same oldest tickets, and on the newest one here
            for tid in dict.fromkeys(tickets[:2] + tickets[-1:]):
                d.ok("comment", tid, "-m", f"{d.user} in round {rnd}")
                d.ok("work", tid, "15m", "-m", f"{d.user} worked")
                d.ok("status", tid, "waiting" if (rnd + i) % 2 else "open")
            written |= set(event_ids(d.root))
        # sync in a different order every round
        order = list(itertools.permutations(range(3)))[rnd * 2 % 6]
        for i in order:
            r = desks[i].run("sync")
            assert r.code == 0, r.out + r.err
            assert_no_markers(desks[i].root)
    for d in [*desks, *desks[:2]]:  # the last one to sync pushed everything; the others pull it
        assert d.run("sync").code == 0
    snapshots = [desk_files(d) for d in desks]
    assert snapshots[0] == snapshots[1] == snapshots[2], "the clones differ"
    counts = event_ids(desks[0].root)
    assert set(counts) == written, "an event was lost or invented"
    assert max(counts.values()) == 1, "an event is present twice"
    for d in desks:
        r = d.run("fsck")
        assert r.code == 0, r.out + r.err
    # no commit anywhere ever held a conflict marker
    revs = git(remote, "rev-list", "--all").stdout.split()
    grep = git(remote, "grep", "-I", "-l", "-E", "^(<<<<<<<|>>>>>>>)", *revs, check=False)
    assert grep.returncode == 1, grep.stdout
    # meaningful commit messages: which tickets, which actions
    log = git(desks[0].root, "log", "--format=%s", "-n", "40").stdout
    assert "tix sync (anna): " in log and "commented" in log


# ---------------------------------------------------------------- plain git pull

def test_registered_clone_plain_git_pull_uses_the_driver(tmp_path: Path) -> None:
    _, (a, b) = make_shop(tmp_path, USERS[:2])
    tid = a.new("--title", "Printer")
    a.ok("sync")
    b.ok("sync")
    a.ok("comment", tid, "-m", "from anna")
    a.ok("sync")
    b.ok("comment", tid, "-m", "from bert")
    git(b.root, "commit", "-q", "-am", "bert's comment")
    p = git(b.root, "pull", "--no-rebase", "-q", "origin", "main", check=False)
    assert p.returncode == 0, p.stderr  # git ran `python -m tix merge-driver` and it merged
    text = (b.root / "tickets/AB/000/AB-0001.yaml").read_text()
    assert "from anna" in text and "from bert" in text and not CONFLICT_RE.search(text)
    assert b.run("fsck").code == 0


def test_driver_falls_back_to_tix_on_path_when_its_python_is_gone(tmp_path: Path) -> None:
    from tix.storage.gitops import driver_command

    _, (a, b) = make_shop(tmp_path, USERS[:2])
    tid = a.new("--title", "Printer")
    a.ok("sync")
    b.ok("sync")
    git(b.root, "config", "merge.tix.driver", driver_command("/gone/venv/bin/python"))
    r = b.run("fsck")
    assert r.code == 1 and ".git/config: merge.tix.driver runs /gone/venv/bin/python" in r.out
    a.ok("comment", tid, "-m", "from anna")
    a.ok("sync")
    b.ok("comment", tid, "-m", "from bert")
    git(b.root, "commit", "-q", "-am", "bert's comment")
    p = git(b.root, "pull", "--no-rebase", "-q", "origin", "main", check=False)
    assert p.returncode == 0, p.stderr  # `tix merge-driver` from PATH did it
    assert "from anna" in (b.root / "tickets/AB/000/AB-0001.yaml").read_text()
    b.ok("init", str(b.root))  # re-registers the running interpreter
    assert b.run("fsck").code == 0


def test_merge_driver_command(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "desk")
    tid = d.new("--title", "Printer")
    path = d.root / "tickets/AB/000/AB-0001.yaml"
    base = path.read_bytes()
    d.ok("comment", tid, "-m", "ours")
    ours = path.read_bytes()
    path.write_bytes(base)
    d.ok("comment", tid, "-m", "theirs")
    theirs = path.read_bytes()
    files = {}
    for name, data in (("O", base), ("A", ours), ("B", theirs)):
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    r = d.run("merge-driver", str(files["O"]), str(files["A"]), str(files["B"]), "tickets/AB/000/AB-0001.yaml")
    assert r.code == 0, r.err
    merged = files["A"].read_text()
    assert '"ours"' in merged and '"theirs"' in merged
    files["A"].write_bytes(ours.replace(b'"ours"', b'"edited"'))
    files["B"].write_bytes(ours)
    files["O"].write_bytes(ours)
    r = d.run("merge-driver", str(files["O"]), str(files["A"]), str(files["B"]), "tickets/AB/000/AB-0001.yaml")
    assert r.code == 1 and "not merged automatically" in r.err
    assert CONFLICT_RE.search(files["A"].read_text())


def test_unregistered_clone_plain_git_pull_conflicts_visibly_and_sync_finishes(tmp_path: Path) -> None:
    """A plain `git clone` where no tix command ran yet: a plain `git pull`
    with a clash leaves visible conflict markers (never a silent corruption),
    and `tix sync` finishes the merge."""
    remote, (a,) = make_shop(tmp_path, USERS[:1])
    tid = a.new("--title", "Switch in the basement beeps")
    a.ok("sync")
    root = tmp_path / "dora"
    git(tmp_path, "clone", "-q", str(remote), str(root))  # nobody runs `tix init` here
    d = Desk(root, "dora")
    assert git(root, "config", "--get", "merge.tix.driver", check=False).returncode == 1
    a.ok("comment", tid, "-m", "from anna")
    a.ok("sync")
    path = root / "tickets/AB/000/AB-0001.yaml"
    with path.open("a") as fh:  # an edit by hand: no tix command ran in this clone
        fh.write(path.read_text().splitlines()[-1].replace("opened", "taken").replace('"id": "', '"id": "X') + "\n")
    git(root, "commit", "-q", "-am", "dora's edit")
    p = git(root, "pull", "--no-rebase", "origin", "main", check=False)
    assert p.returncode != 0 and "CONFLICT" in p.stdout + p.stderr  # visible, never silent
    assert CONFLICT_RE.search(path.read_text())
    r = d.run("fsck")
    assert r.code == 1
    assert "tickets/AB/000/AB-0001.yaml:" in r.out and "tix sync" in r.out
    r = d.run("sync")
    assert r.code == 0, r.out + r.err
    text = path.read_text()
    assert not CONFLICT_RE.search(text)
    assert text.count("from anna") == 1
    assert d.run("fsck").code == 0
    a.ok("sync")
    assert desk_files(a) == desk_files(d)
    # sync set the clone up: from now on a plain `git pull` merges ticket files too
    assert git(root, "config", "--get", "merge.tix.driver", check=False).returncode == 0
    a.ok("comment", tid, "-m", "anna again")
    a.ok("sync")
    d.ok("comment", tid, "-m", "dora again")
    git(root, "commit", "-q", "-am", "dora again")
    p = git(root, "pull", "--no-rebase", "origin", "main", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    text = path.read_text()
    assert text.count("anna again") == 1 and text.count("dora again") == 1
    assert d.run("fsck").code == 0
    d.ok("sync")
    a.ok("sync")
    assert desk_files(a) == desk_files(d)


def test_first_write_in_a_plain_clone_registers_the_driver(tmp_path: Path) -> None:
    remote, (a,) = make_shop(tmp_path, USERS[:1])
    tid = a.new("--title", "Printer")
    a.ok("sync")
    root = tmp_path / "dora"
    git(tmp_path, "clone", "-q", str(remote), str(root))
    d = Desk(root, "dora")
    d.ok("comment", tid, "-m", "from dora")  # the first tix write in this clone
    assert git(root, "config", "--get", "merge.tix.driver", check=False).returncode == 0
    a.ok("comment", tid, "-m", "from anna")
    a.ok("sync")
    git(root, "commit", "-q", "-am", "dora's comment")
    p = git(root, "pull", "--no-rebase", "origin", "main", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    text = (root / "tickets/AB/000/AB-0001.yaml").read_text()
    assert text.count("from anna") == 1 and text.count("from dora") == 1
    assert d.run("fsck").code == 0


# ---------------------------------------------------------------- push race

def test_push_race_two_real_syncs_at_once(tmp_path: Path) -> None:
    _, (a, b) = make_shop(tmp_path, USERS[:2])
    tid = a.new("--title", "Mail down")
    a.ok("sync")
    b.ok("sync")
    for rnd in range(2):
        for d in (a, b):
            d.ok("comment", tid, "-m", f"{d.user} {rnd}")
            d.new("--title", f"{d.user} {rnd}")
        procs = [subprocess.Popen([sys.executable, "-m", "tix", "sync"], cwd=d.root, env=d.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in (a, b)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, out + err
    a.ok("sync")
    b.ok("sync")
    assert desk_files(a) == desk_files(b)
    text = (a.root / "tickets/AB/000/AB-0001.yaml").read_text()
    for who in ("anna 0", "bert 0", "anna 1", "bert 1"):
        assert text.count(f'"{who}"') == 1
    assert a.run("fsck").code == 0


# ---------------------------------------------------------------- hand edits

def test_hand_edited_old_event_conflicts_and_nothing_is_lost(tmp_path: Path) -> None:
    _, (a, b) = make_shop(tmp_path, USERS[:2])
    tid = a.new("--title", "VPN drops")
    a.ok("comment", tid, "-m", "the original words")
    a.ok("sync")
    b.ok("sync")
    path_a = a.root / "tickets/AB/000/AB-0001.yaml"
    path_a.write_text(path_a.read_text().replace("the original words", "words edited by hand"))
    a.ok("comment", tid, "-m", "anna later")
    r = a.run("sync")  # a valid file, but an old event was rewritten: not pushed quietly
    assert r.code == 1 and "AB-0001.yaml: 1 event line removed or rewritten in commit" in r.out, r.out + r.err
    sha = git(a.root, "rev-parse", "HEAD").stdout.strip()
    assert a.run("sync").code == 1  # still refused
    r = a.run("sync", "--accept-rewrite", sha[:10])  # deliberate: acknowledged, pushed
    assert r.code == 0 and "pushed" in r.out, r.out + r.err
    assert "Tix-Accepted-Rewrite: " + sha in git(a.root, "log", "-1", "--format=%B").stdout
    b.ok("comment", tid, "-m", "bert meanwhile")
    before = set(event_ids(a.root)) | set(event_ids(b.root))
    r = b.run("sync")
    assert r.code == 1
    assert "AB-0001.yaml: conflict:" in r.out and "changed on theirs" in r.out
    path_b = b.root / "tickets/AB/000/AB-0001.yaml"
    text = path_b.read_text()
    assert CONFLICT_RE.search(text)
    for words in ("the original words", "words edited by hand", "anna later", "bert meanwhile"):
        assert words in text  # nothing lost
    assert "tix sync" in b.run("fsck").out
    # the technician keeps the edited version, then syncs
    lines, keep, out = text.splitlines(keepends=True), True, []
    for line in lines:
        if line.startswith("<<<<<<<"):
            keep = False
        elif line.startswith("=======") or line.startswith(">>>>>>>"):
            keep = True
        elif keep and not line.startswith("|||||||"):
            out.append(line)
    path_b.write_text("".join(out))
    git(b.root, "add", str(path_b))
    r = b.run("sync")
    assert r.code == 0, r.out + r.err
    assert set(event_ids(b.root)) == before
    assert "words edited by hand" in path_b.read_text() and "the original words" not in path_b.read_text()
    a.ok("sync")
    assert desk_files(a) == desk_files(b)


# ---------------------------------------------------------------- refusals

def test_sync_refuses_to_push_when_two_clones_claim_one_prefix(tmp_path: Path) -> None:
    _, (a, b) = make_shop(tmp_path, USERS[:2])
    (b.root / "tickets/AB/.claim-0123456789").write_text("clone 0123456789 of bert\n")  # a reused prefix
    r = b.run("sync")
    assert r.code == 1
    assert "prefix AB is claimed by 2 clones" in r.out and "nothing was pushed" in r.err
    remote_log = git(a.root, "ls-remote", "origin", "main").stdout.split()[0]
    assert git(b.root, "rev-parse", "HEAD").stdout.strip() != remote_log  # committed locally, not pushed
    assert b.run("fsck").code == 1


def test_sync_refuses_to_commit_a_broken_file(tmp_path: Path) -> None:
    _, (a,) = make_shop(tmp_path, USERS[:1])
    a.new("--title", "x")
    p = a.root / "tickets/AB/000/AB-0001.yaml"
    p.write_text(p.read_text() + "- {broken\n- {}\n")
    r = a.run("sync")
    assert r.code == 1 and "AB-0001.yaml:" in r.out
    assert "AB-0001" not in git(a.root, "log", "--format=%s").stdout


def test_sync_cuts_a_torn_last_line_before_committing(tmp_path: Path) -> None:
    _, (a,) = make_shop(tmp_path, USERS[:1])
    a.new("--title", "x")
    p = a.root / "tickets/AB/000/AB-0001.yaml"
    whole = p.read_bytes()
    p.write_bytes(whole + b'- {"id": "01JDQ3')  # a crash mid-append
    r = a.run("sync")
    assert r.code == 0, r.out + r.err
    assert p.read_bytes() == whole
    assert git(a.root, "show", "HEAD:tickets/AB/000/AB-0001.yaml").stdout.encode() == whole


# ---------------------------------------------------------------- plain desks and setup

def test_desk_without_git_syncs_nothing_and_succeeds(tmp_path: Path) -> None:
    d = make_desk(tmp_path / "plain")
    d.new("--title", "x")
    r = d.run("sync")
    assert r.code == 0 and "not in a git work tree" in r.out


def test_desk_in_a_subfolder_commits_only_desk_files(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    git(repo, "remote", "add", "origin", str(remote))
    (repo / "notes.txt").write_text("not the desk's\n")
    d = make_desk(repo / "desk", policy=shop_policy())
    d.new("--title", "x")
    r = d.run("sync")
    assert r.code == 0, r.err
    files = git(repo, "ls-files").stdout.split()
    assert "desk/tickets/AB/000/AB-0001.yaml" in files and "notes.txt" not in files
    # a second clone of the subfolder desk merges through the same attributes
    git(tmp_path, "clone", "-q", str(remote), str(tmp_path / "repo2"))
    d2 = Desk(tmp_path / "repo2" / "desk", "bert")
    d2.ok("init", str(d2.root), "--prefix", "BE")
    d.ok("comment", "AB-0001", "-m", "one")
    d.ok("sync")
    d2.ok("comment", "AB-0001", "-m", "two")
    r = d2.run("sync")
    assert r.code == 0, r.out + r.err
    assert "tix merged 1 file" in r.out


def test_init_registers_the_driver_idempotently(tmp_path: Path) -> None:
    root = tmp_path / "a"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    d = make_desk(root)
    cmd = git(root, "config", "--get", "merge.tix.driver").stdout.strip()
    assert f"{sys.executable} -m tix merge-driver %O %A %B %P" in cmd and "tix merge-driver" in cmd
    config = (root / ".git/config").read_text()
    d.ok("init", str(root))
    assert (root / ".git/config").read_text() == config
    assert "merge=tix" in (root / ".gitattributes").read_text()


def test_autocommit_commits_only_what_the_command_wrote(tmp_path: Path) -> None:
    root = tmp_path / "a"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    d = make_desk(root, policy=shop_policy().replace("git: {autocommit: false}", "git: {autocommit: true}"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "desk")
    (root / "draft.txt").write_text("staged by the user\n")
    git(root, "add", "draft.txt")
    tid = d.new("--title", "Printer")
    d.ok("comment", tid, "-m", "hello")
    log = git(root, "log", "--format=%s").stdout.splitlines()
    assert log[0] == f"tix comment {tid}" and log[1].startswith(f"tix new {tid}")
    shown = git(root, "show", "--name-only", "--format=", "HEAD~1").stdout.split()
    assert "draft.txt" not in shown and f"tickets/AB/000/{tid}.yaml" in shown
    assert "A  draft.txt" in git(root, "status", "--porcelain").stdout  # still staged, not committed


def test_merge_result_keeps_lines_a_tix_command_appended_meanwhile(tmp_path: Path) -> None:
    from tix.storage.sync import _Changed, _write

    p = tmp_path / "AB-0001.yaml"
    read = b"id: AB-0001\nevents:\n- {a}\n"
    p.write_bytes(read + b"- {appended meanwhile}\n")
    _write(p, b"id: AB-0001\nevents:\n- {a}\n- {merged}\n", read)
    assert p.read_bytes() == b"id: AB-0001\nevents:\n- {a}\n- {merged}\n- {appended meanwhile}\n"
    p.write_bytes(b"rewritten\n")
    with pytest.raises(_Changed):
        _write(p, b"x\n", read)
    assert p.read_bytes() == b"rewritten\n"
