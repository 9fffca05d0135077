"""Benchmark: the business-calendar primitives the SLA clocks are made of.

Times `BusinessCalendar.add`, `minutes_between`, `is_open` and `next_open`
on the default policy's calendar (Europe/Amsterdam, Mon-Fri 08:00-17:30, NL
holidays) and on a night-service calendar (every day 22:00-24:00 and
00:00-06:00, across both DST changes), 20,000 random calls each, warm (the
per-day cache filled) and cold (a fresh calendar). Prints the best of
`REPEAT` runs, in µs per call, so a busy machine disturbs it less. Run:

    /work/venv/bin/python bench/bench_calendar.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tix.core.calendar import BusinessCalendar

AMS = ZoneInfo("Europe/Amsterdam")
REPEAT = 5


def calendars() -> dict[str, Callable[[], BusinessCalendar]]:
    return {
        "office": lambda: BusinessCalendar(AMS, {d: [(480, 1050)] for d in range(5)},
                                           frozenset({(12, 25), (12, 26)}), country="NL"),
        "night": lambda: BusinessCalendar(AMS, {d: [(0, 360), (1320, 1440)] for d in range(7)}),
    }


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rnd = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rnd.randrange(365 * 1440)) for _ in range(n)]
    ends = [s + timedelta(minutes=rnd.randrange(1, 20 * 1440)) for s in starts]
    mins = [rnd.randrange(0, 3000) for _ in range(n)]
    for name, make in calendars().items():
        cal = make()
        cal.add(base, 400 * 1440)  # warm the per-day cache over the year
        ops: dict[str, Callable[[], object]] = {
            "add": lambda c=cal: [c.add(s, m) for s, m in zip(starts, mins, strict=True)],
            "minutes_between": lambda c=cal: [c.minutes_between(a, b) for a, b in zip(starts, ends, strict=True)],
            "is_open": lambda c=cal: [c.is_open(s) for s in starts],
            "next_open": lambda c=cal: [c.next_open(s) for s in starts],
            "cold add": lambda mk=make: [c.add(s, m) for c in [mk()] for s, m in zip(starts, mins, strict=True)],
        }
        for op, fn in ops.items():
            print(f"{name:7s} {op:16s} {best(fn) / n * 1e6:6.2f} µs/call")


if __name__ == "__main__":
    main()
