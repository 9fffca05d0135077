#!/usr/bin/env python3
"""Joining a desk: what a new technician waits for. The desk
bench/out/desk-N (or --desk) is committed into a bare remote once
(bench/out/remote-N.git); then, per run, a fresh `git clone`, the first
`tix list`, the first `tix report month 2026-10` and the first `tix sync`
that pulls (ten local comments, the remote one commit ahead) are timed in
that clone, each a real subprocess (wall, CPU of it and its children, peak
memory as in run.py).

    python bench/join.py --sizes 10000,100000 --runs 2
    python bench/join.py --desk /path/to/desk --runs 1

Prints a markdown table and appends the raw numbers to
bench/out/join.json."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import NOW, OUT, ROOT, desk_for, measure

STEPS = ("git clone", "first tix list", "first tix report month", "first tix sync")


def _git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def remote_for(desk: Path, n: int) -> Path:
    remote = OUT / f"remote-{n}.git"
    if (remote / "HEAD").is_file():
        return remote
    work = Path(tempfile.mkdtemp(prefix="tix-join-"))
    try:
        shutil.copytree(desk, work / "desk", ignore=shutil.ignore_patterns(".git", ".tix"))
        d = work / "desk"
        _git("init", "-q", "-b", "main", cwd=d)
        _git("-c", "user.name=bench", "-c", "user.email=bench@example.org", "add", "-A", cwd=d)
        _git("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-qm", "desk", cwd=d)
        _git("clone", "-q", "--bare", str(d), str(remote))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return remote


def _env(clone: Path, user: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
    env.update({"TIX_DIR": str(clone), "TIX_USER": user, "TIX_NOW": NOW, "NO_COLOR": "1",
                "GIT_AUTHOR_NAME": user, "GIT_AUTHOR_EMAIL": f"{user}@example.org",
                "GIT_COMMITTER_NAME": user, "GIT_COMMITTER_EMAIL": f"{user}@example.org",
                "PYTHONPATH": str(ROOT)})
    return env


def _open_ids(clone: Path, env: dict[str, str], k: int) -> list[str]:
    p = subprocess.run([sys.executable, "-m", "tix", "list", "--format", "csv"], env=env, capture_output=True,
                       text=True, cwd=clone)
    return [line.split(",")[0] for line in p.stdout.splitlines()[1:k + 1]]


def one_run(remote: Path) -> dict[str, dict[str, float]]:
    base = Path(tempfile.mkdtemp(prefix="tix-join-"))
    tix = [sys.executable, "-m", "tix"]
    out: dict[str, dict[str, float]] = {}
    try:
        clone = base / "clone"
        s = measure(["git", "clone", "-q", str(remote), str(clone)], os.environ.copy())
        out["git clone"] = vars(s)
        env = _env(clone, "bert")
        out["first tix list"] = vars(measure([*tix, "list"], env, clone))
        out["first tix report month"] = vars(measure([*tix, "report", "month", "2026-10"], env, clone))
        # the remote moves on (a colleague's commit), and we comment on ten tickets
        other = base / "other"
        _git("clone", "-q", str(remote), str(other))
        ids = _open_ids(clone, env, 11)
        oenv = _env(other, "anna")
        if ids:
            subprocess.run([*tix, "comment", ids[-1], "-m", "from the other clone"], env=oenv, cwd=other,
                           capture_output=True)
        _git("-c", "user.name=anna", "-c", "user.email=anna@example.org", "commit", "-qam", "colleague", cwd=other)
        _git("push", "-q", "origin", "HEAD", cwd=other)
        for tid in ids[:10]:
            subprocess.run([*tix, "comment", tid, "-m", "joining the desk"], env=env, cwd=clone, capture_output=True)
        out["first tix sync"] = vars(measure([*tix, "sync"], env, clone))
        # leave the remote as it was for the next run
        _git("push", "-q", "--force", "origin", "HEAD~1:refs/heads/main", cwd=other)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return out


def _cell(x: dict[str, float]) -> str:
    return f"{x['wall']:.1f} s ({x['cpu']:.1f} cpu)" + (f", exit {x['code']:.0f}" if x["code"] else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--desk", type=Path, help="a desk folder instead of bench/out/desk-N")
    ap.add_argument("--remote", type=Path, help="a bare remote of the desk already made (with --desk: its size)")
    args = ap.parse_args()
    rows = []
    sizes = [0] if args.desk else [int(s) for s in args.sizes.split(",")]
    for n in sizes:
        desk = args.desk or desk_for(n, False)
        remote = args.remote or remote_for(desk, n or sum(1 for _ in (desk / "tickets").glob("*/*/*.yaml")))
        runs = []
        for _ in range(args.runs):
            load = os.getloadavg()[0]
            r = one_run(remote)
            runs.append({"load": load, **r})
            print(f"bench: join {n}: " + ", ".join(f"{k} {v['wall']:.1f} s" for k, v in r.items() if k in STEPS)
                  + f" (load {load:.1f})", file=sys.stderr, flush=True)
        rows.append((n, runs))
    print("| size | " + " | ".join(STEPS) + " | all three tix steps | peak | load |")
    print("|---:|" + "---:|" * (len(STEPS) + 3))
    for n, runs in rows:
        for r in runs:
            cells = [_cell(r[s]) if s in r else "-" for s in STEPS]
            total = sum(r[s]["wall"] for s in STEPS[1:] if s in r)
            peak = max(r[s]["rss_mb"] for s in STEPS[1:] if s in r)
            print(f"| {n:,} | " + " | ".join(cells) + f" | {total:.1f} s | {peak:.0f} MB | {r['load']:.1f} |")
    with open(OUT / "join.json", "a") as fh:
        fh.write(json.dumps({"at": time.strftime("%Y-%m-%d %H:%M"), "rows": rows}) + "\n")


if __name__ == "__main__":
    main()
