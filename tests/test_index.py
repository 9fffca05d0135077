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
