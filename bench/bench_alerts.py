#!/usr/bin/env python3
"""Alert import against ordinary mail import on a big desk (bench/generate.py):
the key's ticket comes from the clone's key map, so an alert costs what any
imported mail costs.

    python bench/generate.py --tickets 100000 --out /tmp/bench --workers 2
    python bench/mail_ids.py /tmp/bench      # the Message-IDs a real desk's files carry
    python bench/bench_alerts.py /tmp/bench

`python -m tix` imports the `tix` of the current folder first: run it from
the checkout to measure, or from elsewhere with PYTHONPATH set
(docs/performance.md, "Mail and alert import").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALERTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "alerts"


def run(desk: Path, mail: bytes) -> float:
    with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as fh:
        fh.write(mail)
    env = {**os.environ, "TIX_DIR": str(desk), "TIX_USER": "bench", "TIX_NOW": "2026-11-23T23:00:00+01:00"}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "tix", "mail", "import", fh.name], env=env, capture_output=True,
                       text=True)
    dt = time.perf_counter() - t0
    os.unlink(fh.name)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    print(f"  {dt:6.2f} s  {p.stdout.strip()[:110]}")
    return dt


def ordinary(i: int) -> bytes:
    return (f"From: Jan <jan@example.org>\nTo: support@example.com\nSubject: Printer {i} offline\n"
            f"Message-ID: <bench-{i}-{time.time_ns()}@example.org>\nDate: Mon, 23 Nov 2026 22:00:00 +0100\n\n"
            f"It shows error 50.4.\n").encode()


def alert(name: str, i: int) -> bytes:
    raw = (ALERTS / name).read_bytes()
    head, _, body = raw.partition(b"\n\n")
    lines = [ln for ln in head.split(b"\n") if not ln.lower().startswith(b"message-id:")]
    lines.append(f"Message-ID: <alert-{i}-{time.time_ns()}@bench>".encode())
    return b"\n".join(lines) + b"\n\n" + body


def main() -> None:
    desk = Path(sys.argv[1])
    print("warm-up (index, key map):")
    run(desk, ordinary(0))
    run(desk, alert("zabbix-problem.eml", 0))
    print("ordinary mail:")
    a = [run(desk, ordinary(i)) for i in range(1, 4)]
    print("alert, repeat of an open key:")
    b = [run(desk, alert("zabbix-problem.eml", i)) for i in range(1, 4)]
    print("alert, new key:")
    c = [run(desk, alert(n, 9)) for n in ("nagios-problem.eml", "checkmk-problem.eml", "icinga2-problem.eml")]
    print(f"median: ordinary {sorted(a)[1]:.2f} s, repeat {sorted(b)[1]:.2f} s, new key {sorted(c)[1]:.2f} s")


if __name__ == "__main__":
    main()
