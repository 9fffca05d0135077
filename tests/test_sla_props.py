"""Property tests (hypothesis) for the SLA invariants of tix.core.sla:

* a pause never moves a due time earlier;
* due times are monotonic in the target;
* business minutes between two instants add up across any split point
  (for the calendar, and for a ticket's clock with its pauses);
* at its due instant a clock has used exactly its target, and
  taken + remaining = target always.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tix.core import sla
from tix.core.calendar import WallClock
from tix.core.policy import DEFAULT_POLICY, Policy, parse_policy
from tix.core.ticket import Ticket, replay

UTC = UTC
TEXT = DEFAULT_POLICY.replace("{user}", "anna")
STD = parse_policy(TEXT)
LUNCH = parse_policy(TEXT.replace('["08:00-17:30"]', '["08:00-12:00", "13:00-17:00"]'))
BASE = datetime(2026, 1, 1, tzinfo=UTC)
RATINGS = [(1, 1), (1, 2), (4, 4), (8, 8)]  # low, normal, high, urgent (24x7)
SETTINGS = settings(max_examples=150, deadline=None)

policies = st.sampled_from([STD, LUNCH])
# instants anywhere in 2026, to the second, so DST changes and holidays are hit
instants = st.integers(0, 364 * 1440 * 60).map(lambda s: BASE + timedelta(seconds=s))
pause_specs = st.lists(st.tuples(st.integers(1, 4 * 1440), st.integers(1, 4 * 1440)), max_size=4)


def build(created: datetime, pauses: list[tuple[datetime, datetime]], rating: tuple[int, int]) -> Ticket:
    evs: list[dict[str, Any]] = [{"id": "E0", "at": created.isoformat(), "by": "anna", "type": "opened"}]
    for i, (a, b) in enumerate(pauses):
        evs.append({"id": f"W{i}", "at": a.isoformat(), "by": "anna", "type": "status", "status": "waiting"})
        evs.append({"id": f"O{i}", "at": b.isoformat(), "by": "anna", "type": "status", "status": "open"})
    header = {"id": "AB-0001", "title": "p", "impact": rating[0], "urgency": rating[1], "team": "servicedesk"}
    return replay(header, evs)


def lay_out(created: datetime, specs: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    """(gap, length) minutes -> disjoint pauses after `created`."""
    out, cur = [], created
    for gap, length in specs:
        a = cur + timedelta(minutes=gap)
        b = a + timedelta(minutes=length)
        out.append((a, b))
        cur = b
    return out


def utc(d: datetime | None) -> datetime | None:
    return d.astimezone(UTC) if d is not None else None


def with_targets(policy: Policy, minutes: int) -> Policy:
    rules = tuple(dataclasses.replace(r, response=minutes, resolve=minutes, escalate=minutes)
                  for r in policy.priorities)
    return dataclasses.replace(policy, priorities=rules)


@SETTINGS
@given(policies, instants, pause_specs, st.sampled_from(RATINGS), st.data())
def test_a_pause_never_moves_a_due_time_earlier(policy: Policy, created: datetime, specs: list[tuple[int, int]],
                                               rating: tuple[int, int], data: st.DataObject) -> None:
    pauses = lay_out(created, specs)
    now = (pauses[-1][1] if pauses else created) + timedelta(days=60)  # running again, long after
    with_all = sla.compute(build(created, pauses, rating), policy, now)
    # drop any subset of the pauses: every due time is the same or earlier
    keep = data.draw(st.lists(st.booleans(), min_size=len(pauses), max_size=len(pauses)))
    fewer = [p for p, k in zip(pauses, keep) if k]
    with_fewer = sla.compute(build(created, fewer, rating), policy, now)
    for a, b in zip(with_fewer.clocks(), with_all.clocks()):
        assert a.due is not None and b.due is not None
        assert utc(a.due) <= utc(b.due), (a.name, a.due, b.due)  # type: ignore[operator]


@SETTINGS
@given(policies, instants, pause_specs, st.sampled_from(RATINGS), st.integers(0, 3000), st.integers(0, 3000))
def test_due_times_are_monotonic_in_the_target(policy: Policy, created: datetime, specs: list[tuple[int, int]],
                                              rating: tuple[int, int], m1: int, m2: int) -> None:
    lo, hi = sorted((m1, m2))
    pauses = lay_out(created, specs)
    tk = build(created, pauses, rating)
    now = (pauses[-1][1] if pauses else created) + timedelta(days=90)
    a = sla.compute(tk, with_targets(policy, lo), now)
    b = sla.compute(tk, with_targets(policy, hi), now)
    for ca, cb in zip(a.clocks(), b.clocks()):
        assert utc(ca.due) <= utc(cb.due), (ca.name, lo, hi, ca.due, cb.due)  # type: ignore[operator]


@SETTINGS
@given(policies, instants, st.integers(0, 20 * 1440 * 60), st.integers(0, 20 * 1440 * 60))
def test_business_minutes_add_up_across_any_split_point(policy: Policy, a: datetime, s1: int, s2: int) -> None:
    lo, hi = sorted((s1, s2))
    b, c = a + timedelta(seconds=lo), a + timedelta(seconds=hi)
    for clock in (policy.calendar(), WallClock(policy.tz)):
        whole = clock.minutes_between(a, c)
        assert abs(whole - (clock.minutes_between(a, b) + clock.minutes_between(b, c))) < 1e-6


def _running_minutes(policy: Policy, pauses: list[tuple[datetime, datetime]], a: datetime, b: datetime,
                     rule_clock: str) -> float:
    """Independent oracle: business minutes in [a, b) minus the pauses."""
    clock = WallClock(policy.tz) if rule_clock == "24x7" else policy.calendar()
    total = clock.minutes_between(a, b)
    for pa, pb in pauses:
        lo, hi = max(a, pa), min(b, pb)
        if hi > lo:
            total -= clock.minutes_between(lo, hi)
    return total


@SETTINGS
@given(policies, instants, pause_specs, st.sampled_from(RATINGS), st.integers(0, 25 * 1440 * 60),
       st.integers(0, 25 * 1440 * 60))
def test_clock_minutes_add_up_across_any_split_point(policy: Policy, created: datetime,
                                                    specs: list[tuple[int, int]], rating: tuple[int, int],
                                                    s1: int, s2: int) -> None:
    lo, hi = sorted((s1, s2))
    b, c = created + timedelta(seconds=lo), created + timedelta(seconds=hi)
    pauses = lay_out(created, specs)
    tk = build(created, pauses, rating)
    kind = sla.compute(tk, policy, c).clock
    at_b = sla.compute(tk, policy, b).resolve
    at_c = sla.compute(tk, policy, c).resolve
    between = _running_minutes(policy, pauses, b, c, kind)
    assert abs(at_c.taken - (at_b.taken + between)) < 1e-6
    assert abs(at_b.taken - _running_minutes(policy, pauses, created, b, kind)) < 1e-6


@SETTINGS
@given(policies, instants, pause_specs, st.sampled_from(RATINGS))
def test_at_its_due_instant_a_clock_has_used_its_target(policy: Policy, created: datetime,
                                                       specs: list[tuple[int, int]], rating: tuple[int, int]) -> None:
    pauses = lay_out(created, specs)
    tk = build(created, pauses, rating)
    later = (pauses[-1][1] if pauses else created) + timedelta(days=60)
    state = sla.compute(tk, policy, later)
    for c in state.clocks():
        assert c.due is not None and c.target is not None
        assert c.remaining is not None and abs(c.taken + c.remaining - c.target) < 1e-9
        at_due = getattr(sla.compute(tk, policy, c.due), c.name)
        assert abs(at_due.taken - c.target) < 1e-6, (c.name, c.due, at_due.taken, c.target)
        assert at_due.state != "breached"  # breached only once past the due instant
        # the due time does not depend on `now` once it is known
        assert utc(at_due.due) == utc(c.due) or at_due.state == "paused"
