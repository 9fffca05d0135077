"""How long does `tix sync` take with 1,000 changed tickets?

A bare remote and two clones in a temp directory. Each measured `tix sync`
is the real command in a subprocess:

  1. anna creates 1,000 tickets and syncs        (commit 1,000 new files, push)
  2. bert syncs                                   (fast-forward pull of them)
  3. both append an event to all 1,000 tickets;
     anna syncs                                   (commit 1,000 changes, push)
  4. bert syncs                                   (commit 1,000, merge 1,000 files
                                                   both sides changed, check, push)

Usage: /work/venv/bin/python bench/bench_sync.py [N]     (default N = 1000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

NOW = "2026-11-23T10:00:00+01:00"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def tix(root: Path, user: str, *args: str) -> float:
    env = {**os.environ, "TIX_DIR": str(root), "TIX_USER": user, "TIX_NOW": NOW}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "tix", *args], cwd=root, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"tix {' '.join(args)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    from tix.core import events
    from tix.core.policy import DEFAULT_POLICY
    from tix.storage.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ.update({"HOME": str(base), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "bench",
                           "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
                           "GIT_COMMITTER_EMAIL": "bench@example.com"})
        remote, a, b = base / "remote.git", base / "anna", base / "bert"
        git(base, "init", "-q", "--bare", "-b", "main", str(remote))
        git(base, "init", "-q", "-b", "main", str(a))
        (a / "policies.yaml").write_text(DEFAULT_POLICY.replace("{user}", "anna"), encoding="utf-8")
        tix(a, "anna", "init", str(a), "--prefix", "AB")
        git(a, "remote", "add", "origin", str(remote))
        tix(a, "anna", "sync")
        git(base, "clone", "-q", str(remote), str(b))
        tix(b, "bert", "init", str(b), "--prefix", "BE")
        tix(b, "bert", "sync")
        tix(a, "anna", "sync")

        at = datetime(2026, 11, 23, 9, tzinfo=timezone(timedelta(hours=1)))
        from tix.core.ids import RandomIds

        ids = RandomIds()
        sa = Store(a)
        for i in range(n):
            sa.create({"title": f"Ticket {i}", "impact": 1, "urgency": 2, "org": "contoso"},
                      [events.make(ids, "opened", "anna", at)], "anna", prefix="AB")
        results = [("anna: commit and push %d new tickets" % n, tix(a, "anna", "sync")),
                   ("bert: pull them (fast-forward)", tix(b, "bert", "sync"))]
        for root, user in ((a, "anna"), (b, "bert")):
            s = Store(root)
            for p in s.ticket_paths():
                s.append(p.stem, [events.make(ids, "commented", user, at + timedelta(minutes=5),
                                              text=f"{user} was here")])
        results.append(("anna: commit and push %d changed tickets" % n, tix(a, "anna", "sync")))
        results.append(("bert: commit %d, merge %d both-changed, push" % (n, n), tix(b, "bert", "sync")))
        tix(a, "anna", "sync")
        same = subprocess.run(["diff", "-r", "-q", "-x", ".git", str(a), str(b)], capture_output=True)
        for what, took in results:
            print(f"{took:6.2f} s  {what}")
        print("clones identical afterwards:", same.returncode == 0)


if __name__ == "__main__":
    main()
