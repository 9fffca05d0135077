"""Booking a slot for a ticket (`tix plan`) as a use case: the start, the
length, the agent and the clashes checked, then the `planned` event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.core.errors import BadInput


@dataclass
class Booking:
    ticket: Any
    who: str
    start: datetime
    end: datetime
    minutes: int
    replanned: bool  # the ticket had a slot before
    written: bool  # False: the same slot was planned already
    notice: str  # what `tix notify` will tell the requester


def readable_tickets(env: Any, warn: Callable[[str], None]) -> list[Any]:
    """Every readable ticket; a broken file is named as a warning (fsck says more)."""
    problems: list[Any] = []
    from tix.storage.index import load_all  # the index's query (tix.storage.index)
    tickets = load_all(env.store, problems)
    for prob in problems:
        warn(f"warning: {prob}")
    return list(tickets)


def parse_start(env: Any, words: list[str]) -> datetime:
    """WHEN, one or more words: a day alone is refused (it would mean midnight)."""
    import re

    from tix.core.dates import WHEN_HELP

    text = " ".join(words).strip()
    low = text.lower()
    first = low.split()[0] if low else ""
    days = ("today", "tomorrow", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday",
            "wednesday", "thursday", "friday", "saturday", "sunday")
    if not text:
        raise BadInput(f"WHEN: expected {WHEN_HELP}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", low) or (first in days and len(low.split()) == 1):
        # a date alone would mean midnight: ask for the time the work starts
        raise BadInput(f"WHEN {text!r}: give the time too, like '{text} 10:00'")
    start = env.when(text, what="WHEN")
    assert start is not None
    return start


def book(env: Any, tid: str, when: list[str], *, for_: str | None, agent: str | None, force: bool,
         at: str | None, warn: Callable[[str], None]) -> Booking:
    from tix.core import events, planning
    from tix.core.dates import fmt_minutes, parse_minutes, stamp
    from tix.core.language import customer_language
    from tix.core.workflow import check_after_opened, check_agent, check_not_merged

    t = env.store.ticket(tid)
    p = env.policy
    check_not_merged(t, "plan")
    if t.status not in planning.OPEN:
        raise BadInput(f"{t.id} is {t.status}; `tix reopen {t.id}` before planning work on it")
    start = parse_start(env, when)
    if for_ is not None:
        minutes = parse_minutes(for_, what="--for")
    else:
        minutes = planning.default_minutes(t)
        if minutes > planning.MAX_SLOT_MINUTES:
            raise BadInput(f"{t.id} has {fmt_minutes(minutes)} of its estimate left, more than one slot "
                           f"of at most {planning.MAX_SLOT_MINUTES // 60} h; give --for")
    who = agent if agent is not None else (t.assignee or env.user)
    if agent is None and p.agents and who not in p.agents:
        raise BadInput(f"{who!r} (the {'assignee' if t.assignee else 'acting user'}) is not a member of any "
                       f"team; give --agent ({', '.join(sorted(p.agents))})")
    check_agent(p, who, "--agent")
    end = planning.check_slot(start, minutes, now=env.now)
    start, end = start.astimezone(p.tz), end.astimezone(p.tz)
    cur = planning.current_slot(t, p.tz)
    notice = planning.pickup_notice(start, customer_language(t, p))
    if cur is not None and cur.same_as(who, start, end):
        return Booking(t, who, start, end, minutes, True, False, notice)
    problems = planning.slot_problems(readable_tickets(env, warn), t.id, who, start, end, p)
    if problems and not force:
        raise BadInput("; ".join(problems) + " (--force books it anyway)")
    for why in problems:
        warn(f"warning: {why} (booked with --force)")
    when_at = env.event_time(at)
    check_after_opened(t, when_at, at)
    env.store.append(t.id, [events.make(env.ids, "planned", env.user, when_at, start=stamp(start), end=stamp(end),
                                        agent=who)])
    env.finish(f"tix plan {t.id} {stamp(start)}")
    return Booking(t, who, start, end, minutes, cur is not None, True, notice)
