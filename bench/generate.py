#!/usr/bin/env python3
"""Write a big, realistic desk for benchmarks: the demo desk's shop, customers,
teams and ticket stories (scripts/demo_model.py, one source of truth), spread
over --years up to 20 November 2026, written through tix's own writer
(Store.create / Store.append, events.make). 3 to 30 events per ticket, 1-3 KB
files: intake, escalations, time entries (on site, after hours, no-bill, logged
late), waiting periods, reopenings, splits, problems and changes.

    python bench/generate.py --tickets 100000 --out /tmp/bench --workers 2
    python bench/generate.py --tickets 200 --out /tmp/small --seed 7
    python bench/generate.py --tickets 100000 --out /tmp/bench --workers 2 --invoices

Each clone's ID prefix (SD, DV, LO, PK, RV, IB, FJ, EM) is generated on its own
from its own seed, so the output does not depend on --workers: the workers
split the prefixes between them and never write the same folder.

Generation only: fsync is switched off inside this process (a crash means
running it again; --fsync keeps it on), and ticket numbers come from a counter
per prefix instead of a directory listing per create (demo_model.GenerationStore)."""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import sys
import time as _time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import demo_model as M  # noqa: E402
import demo_vocab as V  # noqa: E402
from demo_model import TZ  # noqa: E402

from tix.storage.store import Store  # noqa: E402

GENERATOR = "bench/generate.py"
END = datetime(2026, 11, 20, 18, 0, tzinfo=TZ)


def spread(sim: M.Sim, rng: random.Random, n: int, start: datetime, end: datetime) -> list[datetime]:
    """n creation instants, uniform over the business time between start and end."""
    total = sim.biz_minutes(start, end)
    offsets = sorted(rng.uniform(0, total) for _ in range(n))
    out, prev, last = [], start, 0.0
    for off in offsets:
        prev = sim.cal.add(prev, off - last) if off > last else prev
        last = off
        out.append(M._tidy(prev).astimezone(TZ))
    return out


def build_prefix(job: tuple[str, str, int, int, float, str, bool]) -> dict[str, object]:
    """Generate one clone's tickets (runs in a worker process)."""
    prefix, owner, n, seed, years, out_dir, fsync = job
    started = _time.perf_counter()
    out = Path(out_dir)
    policy = M.load_policy_text((out / "policies.yaml").read_text(encoding="utf-8"))
    rng = random.Random(f"{seed}:{prefix}")
    ids = M.Ids(f"{seed}:{prefix}")
    start = END - timedelta(days=round(365.25 * years))
    customers = list(V.CUSTOMERS)
    cust_w = [c.weight for c in customers]
    scenarios = [s for s in V.SCENARIOS if s.weight > 0]
    sc_w = [s.weight for s in scenarios]
    with M.generation_mode(fsync=fsync):
        writer = M.Writer(M.GenerationStore(out), ids, one_append=True)
        driver = M.Driver(writer)
        sim = M.Sim(policy, rng, END, lambda creator: prefix)
        produced = skip = 0
        for created in spread(sim, rng, n, start, END):
            if produced >= n:
                break
            if skip:  # extra tickets (children, problems) took this slot of the timeline
                skip -= 1
                continue
            driver.release(created)
            cust = rng.choices(customers, cust_w)[0]
            sc = rng.choices(scenarios, sc_w)[0]
            room = n - produced - 1
            if sc.category == "change":
                plans = sim.change_ticket(created, cust, sc, owner, max_extra=room)
            else:
                plans = sim.service_ticket(created, cust, sc, owner, max_extra=room)
                hit = sim.note_incident(plans[0], sc) if sc.category == "incident" else None
                if hit and n - produced - len(plans) >= 1:
                    plans += sim.problem_ticket(hit[0], hit[1], owner, writer.extend,
                                                max_extra=n - produced - len(plans))
            for p in plans:
                driver.push(p)
            produced += len(plans)
            skip += len(plans) - 1
        driver.release()
        if writer.unfinished():
            raise RuntimeError(f"{prefix}: links to tickets that were never written")
    return {"prefix": prefix, "tickets": writer.tickets, "events": writer.events,
            "seconds": round(_time.perf_counter() - started, 2)}


def issue_invoices(root: Path, through: str) -> list[str]:
    """Issue the monthly invoice of every month up to `through` (YYYY-MM), the
    way a shop does at each month's start: `tix invoice MONTH --mark`'s own
    code (tix.storage.ledger.issue), issued on the 1st at 09:00. Returns the numbers."""
    from datetime import timedelta

    from tix.core import billing
    from tix.core.dates import month_period
    from tix.core.policy import load_policy
    from tix.storage import ledger

    store = Store(root)
    policy = load_policy(root / "policies.yaml")
    from tix.storage.index import load_all  # the index's query (tix.storage.index)
    tickets = load_all(store, [])
    entries = [x for t in tickets for x in billing.billable(t, policy)]
    months = sorted({x[4].month for x in entries if isinstance(x[4], billing.Line)})
    owner = next(iter(V.BENCH_CLONES.values()))
    names = {k: o.name for k, o in policy.orgs.items()}
    out = []
    for m in months:
        if m > through:
            break
        per = month_period(int(m[:4]), int(m[5:]), policy.tz)
        inv = ledger.issue(store, lambda ids: billing.invoice_from(entries, policy, per.end, m, ids, None),
                           user=owner, now=per.end + timedelta(hours=9), org_names=names)
        if inv.number:
            out.append(inv.number)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, help="how many tickets (exactly)")
    ap.add_argument("--out", type=Path, required=True, help="the desk directory to write")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--years", type=float, default=2.0, help="spread over this many years up to 2026-11-20")
    ap.add_argument("--workers", type=int, default=1, help="processes; each writes its own ID prefixes")
    ap.add_argument("--prefixes", type=int, default=len(V.BENCH_CLONES),
                    help=f"clones (ID prefixes), 1..{len(V.BENCH_CLONES)} (default all)")
    ap.add_argument("--fsync", action="store_true", help="keep fsync on (slow; measures the real writer)")
    ap.add_argument("--force", action="store_true", help="replace the tickets of an existing desk at --out")
    ap.add_argument("--invoices", metavar="YYYY-MM", nargs="?", const="2026-09",
                    help="also issue the monthly invoices up to this month (default 2026-09: October is "
                    "the open draft, as on the demo desk)")
    ap.add_argument("--invoices-only", action="store_true",
                    help="write no tickets: only issue the invoices (--invoices) on the desk at --out")
    args = ap.parse_args(argv)
    if args.invoices_only:
        if not (args.out / "policies.yaml").is_file():
            ap.error(f"--invoices-only: no desk at {args.out}")
        started = _time.perf_counter()
        nums = issue_invoices(args.out.resolve(), args.invoices or "2026-09")
        print(f"{len(nums)} invoices issued ({nums[0] if nums else '-'} .. {nums[-1] if nums else '-'}) in "
              f"{_time.perf_counter() - started:.1f} s")
        return 0
    if args.tickets is None or args.tickets < 1:
        ap.error("--tickets: at least 1")
    if not 1 <= args.prefixes <= len(V.BENCH_CLONES):
        ap.error(f"--prefixes: 1..{len(V.BENCH_CLONES)}")
    if args.years <= 0:
        ap.error("--years: more than 0")
    out: Path = args.out.resolve()
    tickets = out / "tickets"
    if tickets.exists() and any(tickets.iterdir()):
        if not args.force:
            print(f"generate: {tickets} is not empty; use --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(tickets)
    out.mkdir(parents=True, exist_ok=True)
    tickets.mkdir(exist_ok=True)
    (out / "policies.yaml").write_text(M.policy_text(GENERATOR, args.seed), encoding="utf-8")

    started = _time.perf_counter()
    clones = dict(list(V.BENCH_CLONES.items())[: args.prefixes])
    claim_ids = M.Ids(f"{args.seed}:claims")
    with M.generation_mode():
        M.write_claims(Store(out), claim_ids, clones)
    share, extra = divmod(args.tickets, len(clones))
    jobs = [(prefix, owner, share + (i < extra), args.seed, args.years, str(out), args.fsync)
            for i, (prefix, owner) in enumerate(clones.items())]
    jobs = [j for j in jobs if j[2] > 0]
    if args.workers > 1:
        with multiprocessing.get_context("fork").Pool(min(args.workers, len(jobs))) as pool:
            results = pool.map(build_prefix, jobs, chunksize=1)
    else:
        results = [build_prefix(j) for j in jobs]
    seconds = _time.perf_counter() - started
    n = sum(int(r["tickets"]) for r in results)
    events = sum(int(r["events"]) for r in results)
    size = sum(p.stat().st_size for p in tickets.rglob("*.yaml"))
    print(f"{n} tickets, {events} events ({events / max(n, 1):.1f} per ticket, {size / max(n, 1) / 1024:.1f} KB "
          f"per file) in {seconds:.1f} s ({n / seconds:.0f} tickets/s, {args.workers} worker"
          f"{'s' if args.workers != 1 else ''}) -> {out}")
    for r in results:
        print(f"  {r['prefix']}: {r['tickets']} tickets, {r['events']} events, {r['seconds']} s")
    if args.invoices:
        nums = issue_invoices(out, args.invoices)
        print(f"{len(nums)} invoices issued ({nums[0] if nums else '-'} .. {nums[-1] if nums else '-'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
