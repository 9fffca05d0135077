"""The index cache only ever changes speed, never a result."""

import json
import os
import pickle
import subprocess
import sys

from tix.storage.index import NAME, _version, load_all
from tix.storage.store import Store


def _fill(desk, n=12):
    ids = []
    for i in range(n):
        tid = desk.new("--title", f"Ticket {i}", "--org", "contoso" if i % 2 else "fabrikam",
                       "--impact", "2", "--urgency", str([1, 2, 4, 8][i % 4]))
        ids.append(tid)
        if i % 3 == 0:
            desk.ok("take", tid)
            desk.ok("work", tid, "20m")
        if i % 4 == 0:
            desk.ok("resolve", tid, "--solution", "done")
    return ids


def _outputs(desk):
    return [desk.ok(*args) for args in (["list", "--all", "--format", "json"], ["list", "--format", "csv"],
                                        ["sla", "--format", "json"], ["invoice", "2026-11", "--format", "json"])]


def test_same_results_with_and_without_cache(desk):
    _fill(desk)
    cache = Store(desk.root).state_dir / NAME
    first = _outputs(desk)  # builds the cache
    assert cache.is_file()
    assert _outputs(desk) == first  # warm
    cache.unlink()
    assert _outputs(desk) == first  # deleted
    cache.write_bytes(b"garbage\x00\x01")
    assert _outputs(desk) == first  # corrupt
    cache.write_bytes(pickle.dumps({"version": _version(), "entries": {"x": ("evil",)}}))
    assert _outputs(desk) == first  # wrong shape


def test_edit_behind_tix_back_same_size_same_mtime_is_seen(desk):
    ids = _fill(desk, 3)
    desk.ok("list")  # cache built
    path = desk.root / "tickets/AB/000" / f"{ids[1]}.yaml"
    st = path.stat()
    text = path.read_text()
    edited = text.replace("title: Ticket 1", "title: Ticket X")
    assert len(edited) == len(text)
    path.write_text(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size == st.st_size
    titles = {t["id"]: t["title"] for t in json.loads(desk.ok("list", "--all", "--format", "json"))}
    assert titles[ids[1]] == "Ticket X"


def test_removed_and_added_files_are_seen(desk):
    ids = _fill(desk, 4)
    desk.ok("list", "--all")
    (desk.root / "tickets/AB/000" / f"{ids[0]}.yaml").unlink()
    new = desk.new("--title", "fresh")
    got = {t["id"] for t in json.loads(desk.ok("list", "--all", "--format", "json"))}
    assert ids[0] not in got and new in got


def test_cache_is_never_trusted_to_run_code(desk, tmp_path):
    _fill(desk, 2)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (Store(desk.root).state_dir / NAME).write_bytes(pickle.dumps({"version": _version(), "entries": Evil()}))
    assert desk.run("list").code == 0
    assert not marker.exists()


def test_where_filters_before_decoding(desk):
    ids = _fill(desk, 8)
    store = Store(desk.root)
    open_ = load_all(store, where=lambda r: r.status in ("new", "open", "waiting"))
    assert {t.id for t in open_} == {i for n, i in enumerate(ids) if n % 4 != 0}


def test_concurrent_processes_updating_the_cache(desk):
    _fill(desk, 6)
    code = ("import sys\nfrom tix.cli.boundary import run\n"
            "for i in range(15):\n"
            "    assert run(['new', '--title', f'{sys.argv[1]}-{i}']) == 0\n"
            "    assert run(['list', '--all', '--format', 'json']) == 0\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, f"p{w}"], env=desk.env(), stdout=subprocess.DEVNULL)
             for w in range(4)]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    cached = json.loads(desk.ok("list", "--all", "--format", "json"))
    (Store(desk.root).state_dir / NAME).unlink()
    fresh = json.loads(desk.ok("list", "--all", "--format", "json"))
    assert cached == fresh and len(fresh) == 6 + 60


def test_reindex_command(desk):
    _fill(desk, 5)
    r = desk.run("reindex")
    assert r.code == 0 and "indexed 5 tickets" in r.out


def test_old_cache_shape_is_ignored(desk):
    ids = _fill(desk, 3)
    first = desk.ok("list", "--all", "--format", "json")
    cache = Store(desk.root).state_dir / NAME
    doc = pickle.loads(cache.read_bytes())
    doc["version"] = (doc["version"][0], doc["version"][1][:-1])  # a Ticket with one field fewer
    cache.write_bytes(pickle.dumps(doc))
    assert desk.ok("list", "--all", "--format", "json") == first


# ---- the stat scan begun before the command is imported (filescan.start_early)

def _ids(store):
    return sorted((t.id, len(t.work), t.status) for t in load_all(store))


def test_an_early_scan_is_used_once_and_gives_what_a_scan_gives(desk):
    from tix.storage import filescan

    _fill(desk)
    store = Store(desk.root)
    truth = _ids(store)
    filescan.start_early(os.fspath(store.tickets_dir))
    (procs,) = filescan._EARLY.values()
    assert _ids(store) == truth
    assert filescan._EARLY == {} and all(p.returncode is not None for p in procs)  # taken, and waited for


def test_a_write_drops_an_early_scan_so_the_index_sees_it(desk):
    """A scan begun before a ticket file changes would keep its old stat key:
    any write through the store drops it (its find processes stopped)."""
    from tix.storage import filescan

    tid = _fill(desk, 3)[1]
    store = Store(desk.root)
    before = dict((i, w) for i, w, _ in _ids(store))
    filescan.start_early(os.fspath(store.tickets_dir))
    (procs,) = filescan._EARLY.values()
    for p in procs:
        p.wait()  # the scan is done before the write: its keys are the old ones
    desk.ok("work", tid, "15m")
    assert filescan._EARLY == {}
    assert dict((i, w) for i, w, _ in _ids(store))[tid] == before[tid] + 1


def test_an_early_scan_of_another_folder_is_stopped_not_used(desk, tmp_path):
    from tix.storage import filescan

    _fill(desk, 4)
    other = tmp_path / "other" / "tickets" / "AB" / "000"
    other.mkdir(parents=True)
    (other / "AB-0001.yaml").write_text("id: AB-0001\n")
    store = Store(desk.root)
    truth = _ids(store)
    filescan.start_early(os.fspath(tmp_path / "other" / "tickets"))
    (procs,) = filescan._EARLY.values()
    assert _ids(store) == truth
    assert filescan._EARLY == {} and all(p.returncode is not None for p in procs)


def test_commands_with_the_early_scan_print_what_the_python_scan_gives(desk):
    """End to end, in real processes: list, report and sla start find first
    thing; the same output as with no find at all (TIX_NO_FIND)."""
    _fill(desk)
    env = {k: v for k, v in os.environ.items() if k != "TIX_NO_FIND"}
    env.update(desk.env())
    cmds = (["list", "--all"], ["list", "--org", "contoso", "--all"], ["sla", "--all"],
            ["report", "month", "2026-11", "--format", "json"])

    def outs(extra):
        return [subprocess.run([sys.executable, "-m", "tix", *c], env={**env, **extra}, capture_output=True,
                               text=True, cwd=desk.root).stdout for c in cmds]

    with_find = outs({})
    assert all(with_find) and with_find == outs({"TIX_NO_FIND": "1"})
