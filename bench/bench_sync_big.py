"""`tix sync` on a big desk with a few changed tickets.

A generated desk of N tickets (bench/generate.py, reused from bench/out/),
committed into a bare remote and cloned twice, as a shop has it. Each
measured `tix sync` is the real command in a subprocess:

  1. clone A: 10 tickets commented and 10 worked on; sync     (commit, fetch, push)
  2. clone B: 10 other changes; sync                         (commit, fetch, history guard
                                                              of A's commits, merge, check, push)
  3. clone A: sync again                                      (fast-forward pull)
  4. clone A: sync with nothing to do

Usage: python bench/bench_sync_big.py [N]      (default N = 100000)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-23T10:00:00+01:00"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def tix(root: Path, user: str, *args: str) -> tuple[float, str]:
    env = {**os.environ, "TIX_DIR": str(root), "TIX_USER": user, "TIX_NOW": NOW}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "tix", *args], cwd=root, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"tix {' '.join(args)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return took, p.stdout


def open_ids(root: Path, n: int) -> list[str]:
    _, out = tix(root, "bench", "list", "--format", "csv")
    ids = [line.split(",", 1)[0] for line in out.splitlines()[1:]]
    return ids[:n]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    src = ROOT / "bench" / "out" / f"desk-{n}"
    if not (src / "policies.yaml").is_file():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--tickets", str(n), "--out", str(src),
                        "--workers", "2", "--force", "--invoices"], check=True)
    with tempfile.TemporaryDirectory(prefix="tix-sync-big-") as tmp:
        t = Path(tmp)
        seed = t / "seed"
        shutil.copytree(src, seed, ignore=shutil.ignore_patterns(".tix", ".git"))
        env_git = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "bench",
                   "GIT_COMMITTER_EMAIL": "b@x"}
        os.environ.update(env_git)
        git(seed, "init", "-q", "-b", "main")
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "desk")
        remote = t / "remote.git"
        git(t, "clone", "-q", "--bare", str(seed), str(remote))
        shutil.rmtree(seed)
        a, b = t / "a", t / "b"
        t0 = time.perf_counter()
        git(t, "clone", "-q", str(remote), str(a))
        clone_s = time.perf_counter() - t0
        git(t, "clone", "-q", str(remote), str(b))
        ids = open_ids(a, 20)
        tix(b, "bench", "list")  # B's index, as a working clone has it
        for tid in ids[:10]:
            tix(a, "Anna Alders", "comment", tid, "-m", "from A")
            tix(a, "Anna Alders", "work", tid, "15m", "-m", "A's work")
        s1, _ = tix(a, "Anna Alders", "sync")
        for tid in ids[10:20]:
            tix(b, "Bert Bos", "comment", tid, "-m", "from B")
        s2, out2 = tix(b, "Bert Bos", "sync")
        s3, _ = tix(a, "Anna Alders", "sync")
        s4, _ = tix(a, "Anna Alders", "sync")
        print(f"desk of {n:,} tickets; git clone {clone_s:.1f} s")
        print(f"| A: 10 tickets changed, commit and push               | {s1:.2f} s |")
        print(f"| B: 10 changed, pull A's (history guard), merge, push | {s2:.2f} s |")
        print(f"| A: pull B's (fast-forward)                           | {s3:.2f} s |")
        print(f"| A: nothing to do                                     | {s4:.2f} s |")


if __name__ == "__main__":
    main()
