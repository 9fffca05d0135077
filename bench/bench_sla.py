"""Benchmark: the SLA state of 10,000 tickets (issue 3, point 8).

Builds 10,000 synthetic tickets in memory with `tix.core.ticket.replay` -- spread
over a year, every priority, a mix of open, waiting (paused), reopened,
re-rated, escalated and resolved ones -- then times `tix.core.sla.compute` for all
of them at one `now`. Run:

    /work/venv/bin/python bench/bench_sla.py [N]

It prints the total and the per-ticket time. `compute` makes one pass over a
ticket's status log and walks business days (not minutes), so the cost grows
with the days a ticket spans, not with its minutes.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tix.core import sla
from tix.core.policy import DEFAULT_POLICY, parse_policy
from tix.core.ticket import Ticket, replay

UTC = UTC
RATINGS = [(1, 1), (1, 2), (2, 2), (2, 4), (4, 4), (4, 8), (8, 8)]


def synth(n: int, seed: int = 42) -> tuple[list[Ticket], datetime]:
    rnd = random.Random(seed)
    now = datetime(2026, 12, 15, 11, 0, tzinfo=UTC)
    start = now - timedelta(days=365)
    tickets = []
    for i in range(n):
        created = start + timedelta(minutes=rnd.randrange(365 * 1440))
        impact, urgency = rnd.choice(RATINGS)
        cur = created
        evs: list[dict[str, Any]] = [{"id": "E0", "at": cur.isoformat(), "by": "anna", "type": "opened"}]

        def add(etype: str, minutes: int, **fields: Any) -> None:
            nonlocal cur
            cur = min(cur + timedelta(minutes=minutes), now)
            evs.append({"id": f"E{len(evs)}", "at": cur.isoformat(), "by": "anna", "type": etype, **fields})

        if rnd.random() < 0.8:
            add("taken", rnd.randrange(5, 600))
        for _ in range(rnd.randrange(0, 4)):  # waiting for the customer, then back
            add("status", rnd.randrange(10, 3000), status="waiting")
            add("status", rnd.randrange(10, 4000), status="open")
        if rnd.random() < 0.2:
            add("set", rnd.randrange(10, 600), fields={"impact": rnd.choice([1, 2, 4, 8]), "urgency": 4})
        if rnd.random() < 0.15:
            add("escalated", rnd.randrange(10, 900), to_team="connectivity", from_team="servicedesk", line=2,
                auto=True)
        fate = rnd.random()
        if fate < 0.6 or created < now - timedelta(days=60):
            add("resolved", rnd.randrange(30, 5000), solution="fixed")
            if rnd.random() < 0.1:
                add("reopened", rnd.randrange(60, 3000))
                add("resolved", rnd.randrange(30, 3000), solution="fixed again")
            if rnd.random() < 0.5:
                add("closed", rnd.randrange(1440, 10000))
        elif fate < 0.7:
            add("status", rnd.randrange(10, 600), status="waiting")
        header = {"id": f"BE-{i + 1:05d}", "title": f"ticket {i}", "impact": impact, "urgency": urgency,
                  "team": "servicedesk", "category": "request" if rnd.random() < 0.2 else "incident"}
        tickets.append(replay(header, evs))
    return tickets, now


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    policy = parse_policy(DEFAULT_POLICY.replace("{user}", "anna"))
    t0 = time.perf_counter()
    tickets, now = synth(n)
    t1 = time.perf_counter()
    states = [sla.compute(t, policy, now) for t in tickets]  # cold: holiday tables, day cache
    t2 = time.perf_counter()
    states = [sla.compute(t, policy, now) for t in tickets]  # warm (what a second `tix list` costs)
    t3 = time.perf_counter()
    open_ = sum(1 for t in tickets if t.is_open)
    breached = sum(1 for s in states if s.breached)
    print(f"built {n} tickets in {t1 - t0:.2f} s ({open_} open, {breached} with a live breach)")
    print(f"sla.compute, cold: {t2 - t1:.3f} s for {n} tickets = {(t2 - t1) / n * 1e6:.0f} µs/ticket")
    print(f"sla.compute, warm: {t3 - t2:.3f} s for {n} tickets = {(t3 - t2) / n * 1e6:.0f} µs/ticket")


if __name__ == "__main__":
    main()
