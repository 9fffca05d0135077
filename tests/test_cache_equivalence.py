"""The index cache changes speed, never a result (issue 8).

Every data command (list with many filters, sla, escalate --due --dry-run,
invoice, report month, search, fsck) prints exactly the same with a warm
cache, a cold one, a corrupt one, the Python scanner instead of `find`, and
with no index at all (every file parsed by the store, the ground truth) - on
the demo desk and on a generated desk after rounds of random edits, some
through tix and some behind its back (same size and same mtime, deleted,
copied, broken, torn, touched)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk
from tix.core.errors import BrokenFile, NotFound
from tix.storage import derived, filescan, index
from tix.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-23T10:00:00+01:00"  # the demo's "today", a Monday


# ---------------------------------------------------------------- ground truth

def _no_index(store: Store, problems: list[BrokenFile] | None = None, where: Any = None, each: Any = None
              ) -> list[Any]:
    """What load_all must return, without any cache: the store parses each file."""
    out = []
    for path in sorted(store.ticket_paths(), key=lambda p: store.rel(p)):
        rel = store.rel(path)
        try:
            t = store.load_path(path)
        except (BrokenFile, NotFound) as err:
            if problems is not None:
                problems.append(BrokenFile(err.message, path=rel, line=getattr(err, "line", None)))
            continue
        if where is not None and not where(index.Row(*index._row(t))):
            continue
        t.events = []
        t.path = rel
        if each is None:
            out.append(t)
        elif (x := each(t)) is not None:
            out.append(x)
    return out


def _no_derive(store: Store, name: str, fold: Any, fp: Any, *, problems: list[BrokenFile] | None = None,
               quiet: Any = None, hot: Any = None) -> derived.Derived:
    """What derive must give, without any cache: one group of every resolved
    and closed ticket, folded now (whole: no group is quiet), and every open
    ticket (`hot` only spares decoding some)."""
    tickets = _no_index(store, problems)
    stable = [t for t in tickets if t.status not in index.HOT]
    hot = [t for t in tickets if t.status in index.HOT]
    return derived.Derived([fold(stable)], hot)


def _commands(desk: Desk) -> list[list[str]]:
    from tix.core.policy import load_policy

    p = load_policy(desk.root / "policies.yaml")
    team = sorted(p.teams)[-1]
    agent = next((m for t in p.teams.values() for m in t.members), "anna")
    org = sorted(p.orgs)[0] if p.orgs else "contoso"
    return [
        ["list"], ["list", "--all", "--format", "json"], ["list", "--format", "csv"],
        ["list", "--status", "waiting"], ["list", "--status", "resolved,closed", "--format", "csv"],
        ["list", "--team", team, "--all"], ["list", "--assignee", agent, "--all"], ["list", "--assignee", "none"],
        ["list", "--org", org, "--all", "--format", "json"], ["list", "--category", "request", "--all"],
        ["list", "--category", "change", "--all"], ["list", "--priority", p.priorities[1].name, "--all"],
        ["list", "--breached"], ["list", "--at-risk"], ["list", "--billing", "to-invoice"],
        ["list", "--period", "2026-10", "--all", "--format", "csv"], ["list", "printer", "--all"],
        ["list", "--mine", "--all"], ["list", "--all", "-n", "5"],
        ["sla", "--all", "--format", "json"], ["sla"], ["sla", "--team", team, "--all"],
        ["escalate", "--due", "--dry-run", "--format", "json"],
        ["invoice", "2026-10", "--format", "json"], ["invoice", "2026-11", "--org", org],
        ["report", "month", "2026-10", "--format", "json"], ["report", "month", "2026-11"],
        ["report", "month", "2026-10", "--org", org, "--format", "json"],
        ["report", "month", "2026-09", "--org", org], ["report", "month", "2026-10", "--org", "nosuchorg"],
        ["report", "period", "2026-Q3", "--by", "month"], ["report", "period", "2026", "--by", "org", "--format", "csv"],
        ["report", "period", "2026-10", "--org", org, "--by", "week", "--format", "json"],
        ["search", "printer"], ["search", "vpn", "--format", "json"],
        ["fsck", "--format", "json"],
    ]


def _outputs(desk: Desk, commands: list[list[str]], user: str) -> list[tuple[int, str, str]]:
    out = []
    for args in commands:
        r = desk.run(*args, user=user)
        out.append((r.code, r.out, r.err))
    return out


def _cache_files(desk: Desk) -> list[Path]:
    d = Store(desk.root).state_dir
    return [p for p in d.glob("index*")] if d.is_dir() else []


def _drop_cache(desk: Desk) -> None:
    for p in _cache_files(desk):
        p.unlink()


def _check_all_ways(desk: Desk, monkeypatch: pytest.MonkeyPatch, user: str, *, full: bool = True
                    ) -> list[tuple[int, str, str]]:
    """Outputs with no index (the truth), the cache as earlier runs left it, and
    (`full`) a cold cache, a warm one, a corrupt one and the Python scanner: all equal."""
    cmds = _commands(desk)
    with monkeypatch.context() as m:
        m.setattr(index, "load_all", _no_index)
        m.setattr(index, "iter_all", lambda store, problems=None, where=None: iter(_no_index(store, problems, where)))
        m.setattr(derived, "derive", _no_derive)
        truth = _outputs(desk, cmds, user)
    assert any(code == 0 and out for code, out, _ in truth)  # the commands did something

    def same(label: str, got: list[tuple[int, str, str]]) -> None:
        for args, want, have in zip(cmds, truth, got):
            assert have == want, f"tix {' '.join(args)}: {label} differs from the files"

    same("warm cache (as left by earlier runs)", _outputs(desk, cmds, user))
    if not full:
        return truth
    _drop_cache(desk)
    same("cold cache", _outputs(desk, cmds, user))
    same("warm cache", _outputs(desk, cmds, user))
    for p in _cache_files(desk):
        if p.name == index.NAME:
            data = p.read_bytes()
            p.write_bytes(data[: len(data) // 2] + b"\x00garbage")
        elif p.name.startswith(index.BLOBS) or p.name.startswith(index.DERIVED):
            data = bytearray(p.read_bytes())
            for i in range(0, len(data), 97):
                data[i] ^= 0x5A
            p.write_bytes(bytes(data))
    same("corrupt cache", _outputs(desk, cmds, user))
    with monkeypatch.context() as m:
        m.setenv("TIX_NO_FIND", "1")
        same("Python scanner", _outputs(desk, cmds, user))
    same("back to find", _outputs(desk, cmds, user))
    return truth


# ---------------------------------------------------------------- the desks

def _copy_demo(dst: Path) -> Desk:
    if not (ROOT / "policies.yaml").is_file() or not (ROOT / "tickets").is_dir():
        pytest.skip("no demo desk at the repository root")
    dst.mkdir(parents=True)
    shutil.copy(ROOT / "policies.yaml", dst / "policies.yaml")
    shutil.copytree(ROOT / "tickets", dst / "tickets")
    return Desk(dst, "sanne", NOW)


def test_demo_desk_same_with_and_without_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _copy_demo(tmp_path / "demo")
    _check_all_ways(desk, monkeypatch, "sanne")
    _random_edits(desk, random.Random(3), 10, "sanne")
    _check_all_ways(desk, monkeypatch, "sanne", full=False)


def _generated(dst: Path, n: int, seed: int) -> Desk:
    gen = ROOT / "bench" / "generate.py"
    if not gen.is_file():
        pytest.skip("bench/generate.py is not there")
    r = subprocess.run([sys.executable, str(gen), "--tickets", str(n), "--out", str(dst), "--seed", str(seed)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return Desk(dst, "sanne", NOW)


def _random_edits(desk: Desk, rng: random.Random, n: int, user: str) -> list[str]:
    """n edits, through tix and behind its back; returns what was done (for the failure message)."""
    store = Store(desk.root)
    done = []
    for _ in range(n):
        paths = sorted(store.ticket_paths())
        path = rng.choice(paths)
        tid = path.name[:-5]
        kind = rng.choice(["comment", "work", "status", "resolve", "take", "hand-title", "hand-append",
                           "delete", "copy", "break", "torn", "touch", "new"])
        done.append(f"{kind} {tid}")
        if kind == "comment":
            desk.run("comment", tid, "-m", f"note {rng.random():.6f}", user=user)
        elif kind == "work":
            desk.run("work", tid, rng.choice(["20m", "1h", "45m"]), "-m", "fixed", user=user)
        elif kind == "status":
            desk.run("status", tid, rng.choice(["waiting", "open"]), user=user)
        elif kind == "resolve":
            desk.run("resolve", tid, "--solution", "restarted the printer spooler", user=user)
        elif kind == "take":
            desk.run("take", tid, user=user)
        elif kind == "new":
            desk.run("new", "--title", f"VPN drops every hour {rng.randrange(1000)}", "--impact", "2",
                     "--urgency", "4", user=user)
        elif kind == "hand-title":  # same size, same mtime: only content (and ctime) differ
            st = path.stat()
            text = path.read_text(encoding="utf-8")
            i = text.find("title: ") + 7
            if i >= 7 and text[i] != "\n":
                c = text[i]
                swapped = "Q" if c != "Q" else "Z"
                path.write_text(text[:i] + swapped + text[i + 1:], encoding="utf-8")
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        elif kind == "hand-append":
            with open(path, "a", encoding="utf-8") as fh:
                fh.write('- {"id": "01HAND%020d", "at": "2026-11-20T11:00:00+01:00", "by": "pieter", '
                         '"type": "commented", "text": "by hand"}\n' % rng.randrange(10**19))
        elif kind == "delete":
            path.unlink()
        elif kind == "copy":  # a file that appears (git pull): a new ID in the same shard
            text = path.read_text(encoding="utf-8")
            prefix, num = tid.split("-")
            new_id = f"{prefix}-{int(num) + 50000:04d}"
            target = store.path_for(new_id)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text.replace(f"id: {tid}", f"id: {new_id}", 1), encoding="utf-8")
        elif kind == "break":
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("- {not json at all\n- {\"id\": \"x\"}\n")
        elif kind == "torn":  # a crash mid-append: readers ignore the torn last line
            with open(path, "ab") as fh:
                fh.write(b'- {"id": "01TORN", "at": "2026-11-2')
        elif kind == "touch":
            os.utime(path)
    return done


def _edit_rounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tickets: int, rounds: int, edits: int,
                 seed: int, full: bool) -> None:
    desk = _generated(tmp_path / "gen", tickets, seed=seed)
    rng = random.Random(seed)
    _check_all_ways(desk, monkeypatch, "sanne", full=full)
    for round_ in range(rounds):
        done = _random_edits(desk, rng, edits, "sanne")
        try:
            _check_all_ways(desk, monkeypatch, "sanne", full=full)
        except AssertionError as err:
            raise AssertionError(f"round {round_} after edits {done}: {err}") from None


def test_generated_desk_after_random_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit_rounds(tmp_path, monkeypatch, tickets=120, rounds=2, edits=12, seed=11, full=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_desk_after_many_random_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _edit_rounds(tmp_path, monkeypatch, tickets=600, rounds=4, edits=25, seed=seed, full=True)


# ---------------------------------------------------------------- the rules

def _with_ctimes(scan: dict[str, bytes], ctime_of: Any) -> dict[str, bytes]:
    """The same scan with every ctime (as find prints it) replaced by `ctime_of(ctime)`."""
    out = {}
    for shard, chunk in scan.items():
        head, *recs = chunk.decode("utf-8", "surrogateescape").split("\0")
        fixed = []
        for r in recs:
            path, _, key = r.rpartition("\t")
            size, mtime, ctime, ino = key.split(" ")
            fixed.append(f"{path}\t{size} {mtime} {ctime_of(ctime)} {ino}")
        out[shard] = "\0".join([head, *fixed]).encode("utf-8", "surrogateescape")
    return out


def _aged(scan: dict[str, bytes]) -> dict[str, bytes]:
    """The same scan with every ctime a few years back."""
    return _with_ctimes(scan, lambda ctime: "1600000000.0000000000")


def _whole_seconds(scan: dict[str, bytes]) -> dict[str, bytes]:
    """The same scan with every ctime cut to its second (a coarse file system's)."""
    return _with_ctimes(scan, lambda ctime: ctime.split(".")[0] + ".0000000000")


def test_racy_entry_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """File times tick coarsely: a second edit of the same size inside the tick
    of the first keeps size, mtime, ctime and inode. An entry parsed in the
    same tick of the file system's clock as its change is not trusted next
    run (git's "racily clean" entries)."""
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    path = sorted(store.ticket_paths())[5]
    rel = store.rel(path)
    ctime = path.stat().st_ctime_ns
    # the file system's clock read before the parse shows the tick of the copy (as when both fall in one tick)
    monkeypatch.setattr(index, "fs_clock", lambda folder: ctime)
    idx = index.Index(store)
    scan = filescan._scan_python(store)
    idx.refresh([], _scan=scan)
    assert rel in idx.racy
    idx.write()
    text = path.read_text(encoding="utf-8")
    i = text.index("title: ") + 7
    path.write_text(text[:i] + "Q" + text[i + 1:], encoding="utf-8")  # same size
    idx2 = index.Index(store)
    idx2.read()
    assert idx2.racy
    got = dict(idx2.refresh([], _scan=scan))  # the very same stat keys
    assert index._decode(idx2, rel, got[rel]).title.startswith("Q")


def test_files_changed_in_an_earlier_tick_are_trusted(tmp_path: Path) -> None:
    """A `git clone` or a big pull writes its files a moment before the first
    command: their changes fell in earlier ticks of the file system's clock
    than the parse, so none is parsed again on the next run."""
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    time.sleep(0.05)  # a tick is at most a few milliseconds on the file systems tests run on
    scan = filescan._scan_python(store)
    idx = index.Index(store)
    idx.refresh([], _scan=scan)
    assert idx.data and not idx.racy
    idx.write()
    idx2 = index.Index(store)
    idx2.read()
    idx2.refresh([], _scan=scan)
    assert not idx2.changed and not idx2.fresh  # nothing parsed, nothing written


def test_without_the_file_systems_clock_recent_files_stay_racy(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no file can be made in the local state to read the clock, a file
    changed less than RACY_NS before the scan is checked again next run."""
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    monkeypatch.setattr(index, "fs_clock", lambda folder: None)
    idx = index.Index(store)
    idx.refresh([], _scan=filescan._scan_python(store))
    assert idx.racy == set(idx.data)  # all copied just now
    assert filescan.fs_clock(tmp_path / "no such folder") is None


def test_whole_second_ctimes_get_the_coarse_tick(tmp_path: Path) -> None:
    """ctimes that are all whole seconds mean a coarse file system (FAT ticks
    in 2 s): a file changed within COARSE_NS of the clock is checked again."""
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    time.sleep(0.05)
    idx = index.Index(store)
    idx.refresh([], _scan=_whole_seconds(filescan._scan_python(store)))
    assert idx.racy == set(idx.data)


def test_a_key_printed_oddly_counts_as_coarse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`_settled` never fails on a stat key it cannot read: it assumes the coarse tick."""
    desk = _copy_demo(tmp_path / "demo")
    idx = index.Index(Store(desk.root))
    now = time.time_ns()
    monkeypatch.setattr(index, "fs_clock", lambda folder: now - 10**9)
    fine = idx._settled(now, ["10 1.5 1700000000.5000000000 7"])
    assert fine == now - 10**9
    coarse = now - index.COARSE_NS  # COARSE_NS before the scan (here later than the file system's clock)
    assert idx._settled(now, ["10 1.5 not-a-time 7"]) == coarse
    assert idx._settled(now, ["10 1.5 1700000000.0000000000 7"]) == coarse


def test_the_clock_is_the_file_systems_own(tmp_path: Path) -> None:
    """`fs_clock` gives the ctime a new file gets, not the process's clock,
    and leaves no file behind."""
    before = tmp_path / "before"
    before.write_text("x")
    t = filescan.fs_clock(tmp_path)
    assert t is not None and t >= before.stat().st_ctime_ns
    after = tmp_path / "after"
    after.write_text("x")
    assert after.stat().st_ctime_ns >= t
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after", "before"]


def test_old_entries_are_trusted(tmp_path: Path) -> None:
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    scan = _aged(filescan._scan_python(store))
    idx = index.Index(store)
    idx.refresh([], _scan=scan)
    assert not idx.racy and idx.changed
    idx.write()
    idx2 = index.Index(store)
    idx2.read()
    idx2.refresh([], _scan=scan)
    assert not idx2.changed and not idx2.fresh  # nothing parsed, nothing written


def test_find_and_python_scanners_see_the_same_files(tmp_path: Path) -> None:
    desk = _copy_demo(tmp_path / "demo")
    store = Store(desk.root)
    proc = filescan._start_find(store)
    if proc is None or filescan._finish_find(proc) is None:
        pytest.skip("no GNU find")
    t = desk.root / "tickets"
    some = sorted(store.ticket_paths())[0]
    (t / "SD" / "000" / "odd name with spaces.yaml").write_bytes(some.read_bytes())
    (t / "SD" / "000" / "tab\there.yaml").write_bytes(some.read_bytes())
    (t / "SD" / "000" / "new\nline.yaml").write_bytes(some.read_bytes())
    (t / "SD" / "000" / "link.yaml").symlink_to(some)
    (t / "SD" / "000" / "dir.yaml").mkdir()
    (t / "SD" / "000" / "notes.txt").write_text("x")
    (t / "lower").mkdir()
    (t / "lower" / "000").mkdir()
    (t / "lower" / "000" / "LO-0001.yaml").write_bytes(some.read_bytes())
    (t / "SD" / "deep" / "more").mkdir(parents=True)
    (t / "SD" / "deep" / "more" / "SD-0001.yaml").write_bytes(some.read_bytes())
    (t / "XY.yaml").write_bytes(some.read_bytes())
    (t / "SD" / "SD-0001.yaml").write_bytes(some.read_bytes())
    py = filescan.stat_keys(filescan._scan_python(store))
    raw = filescan._finish_find(filescan._start_find(store))
    assert raw is not None
    found = filescan.stat_keys(raw)
    assert found == py
    assert "tickets/SD/000/tab\there.yaml" in found and "tickets/SD/000/new\nline.yaml" in found
    problems: list[BrokenFile] = []
    index.load_all(store, problems)
    assert {p.path for p in problems} >= {"tickets/SD/000/odd name with spaces.yaml", "tickets/SD/000/link.yaml",
                                          "tickets/SD/000/dir.yaml"}


def test_compaction_keeps_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _copy_demo(tmp_path / "demo")
    cmds = [["list", "--all", "--format", "json"], ["report", "month", "2026-10", "--format", "json"]]
    first = _outputs(desk, cmds, "sanne")
    blobs = [p.name for p in _cache_files(desk) if p.name.startswith(index.BLOBS)]
    assert len(blobs) == 1
    store = Store(desk.root)
    monkeypatch.setattr(index, "COMPACT_MIN", 0)
    for _ in range(3):
        for p in sorted(store.ticket_paths())[::2]:
            os.utime(p)  # parsed again: their old blobs are dead
        assert _outputs(desk, cmds, "sanne") == first
    after = [p.name for p in _cache_files(desk) if p.name.startswith(index.BLOBS)]
    assert len(after) == 1 and after != blobs  # written anew, the old one removed
    assert _outputs(desk, cmds, "sanne") == first


def _head(desk: Desk) -> dict[str, Any]:
    import pickle

    return pickle.loads((Store(desk.root).state_dir / index.NAME).read_bytes())


def test_open_tickets_change_without_unpacking_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`list` names the statuses it needs (index.Where): the rows of resolved
    and closed tickets stay packed, and a comment on an open ticket writes
    them back byte for byte; resolving one moves it to the packed part."""
    desk = _copy_demo(tmp_path / "demo")
    monkeypatch.setattr(index, "RACY_NS", -10**15)  # the copies are seconds old: do not re-check them as racy
    cmds = [["list"], ["list", "--status", "waiting"], ["list", "--all", "--format", "json"], ["sla", "--all"]]
    desk.ok("list")
    cold = _head(desk)["cold"]
    open_id = desk.ok("list", "--format", "csv").splitlines()[1].split(",")[0]
    desk.ok("comment", open_id, "-m", "called back", user="sanne")
    unpacked = []
    real_full = index.Index.full

    def spy(self: index.Index) -> bool:
        if self.cold_raw is not None:
            unpacked.append(True)
        return real_full(self)

    with monkeypatch.context() as m:
        m.setattr(index.Index, "full", spy)
        desk.ok("list")
    assert not unpacked and _head(desk)["cold"] == cold
    assert index.Where({"open"})(index.Row("X-1", "open", 0.0, 0.0, None, None, None, "incident"))
    with monkeypatch.context() as m:
        m.setattr(index, "load_all", _no_index)
        truth = _outputs(desk, cmds, "sanne")
    assert _outputs(desk, cmds, "sanne") == truth
    desk.ok("resolve", open_id, "--solution", "replaced the cable", user="sanne")
    with monkeypatch.context() as m:
        m.setattr(index, "load_all", _no_index)
        truth = _outputs(desk, cmds, "sanne")
    assert _outputs(desk, cmds, "sanne") == truth
    assert _head(desk)["cold"] != cold


def test_a_fresh_clone_is_parsed_once(tmp_path: Path, git_env: None) -> None:
    """Real git: the first command after `git clone` parses every file, and
    the next one parses none (the clone wrote them before the first command's
    parse, in earlier ticks of the file system's clock)."""
    src = _copy_demo(tmp_path / "src")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "desk"]):
        subprocess.run(["git", *args], cwd=src.root, check=True, capture_output=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src.root), str(tmp_path / "remote.git")], check=True)
    subprocess.run(["git", "clone", "-q", str(tmp_path / "remote.git"), str(tmp_path / "clone")], check=True)
    desk = Desk(tmp_path / "clone", "sanne", NOW)
    first = desk.sub("list", "--all")
    assert first.code == 0, first.err
    store = Store(desk.root)
    head = store.state_dir / index.NAME
    idx = index.Index(store)
    idx.read()
    assert len(idx.data) == len(list(store.ticket_paths())) and not idx.racy
    before = head.stat().st_mtime_ns
    again = desk.sub("list", "--all")
    assert again.out == first.out
    assert head.stat().st_mtime_ns == before  # nothing parsed again, the head not written
