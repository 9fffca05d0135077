"""Planning work into the technicians' calendars (docs/planning.md):
team members plan the expected time straight into their own calendar from
the ticket system and tell the requester when it will be picked up.

This module owns the planned slot of a ticket: checking a new slot against
the service hours and the agent's other slots, the agenda rows, the iCalendar
(RFC 5545) feed, the sentence that tells the requester when, and the estimate
accuracy the monthly report shows per team. Pure: tickets, policy and `now`
are arguments; nothing here reads the clock or the disk.

The rules (docs/planning.md shows them at work):

* A ticket has at most one slot: the last `planned` event, unless an
  `unplanned` came after it. Re-planning replaces the slot; the old ones stay
  in the log (`Ticket.plan_history`).
* Only slots of unresolved tickets (new, open, waiting) block an agent's
  time and show in the agenda by default: a resolved ticket frees its slot.
* The calendar feed holds the slots of unresolved tickets, and the slots of
  resolved or closed tickets that began before the ticket was done (the work
  happened in them, so they stay as history); a slot that was removed,
  replaced, or lies after the resolve disappears from the feed.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tix.core.dates import parse_stamp
from tix.core.errors import BadInput
from tix.core.language import MONTH_NAMES, WEEKDAY_NAMES

if TYPE_CHECKING:
    from tix.core.dates import Period
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

__all__ = [
    "DEFAULT_SLOT_MINUTES",
    "MAX_SLOT_MINUTES",
    "AgendaRow",
    "Slot",
    "accuracy_of",
    "agenda",
    "build_ics",
    "check_slot",
    "current_slot",
    "default_minutes",
    "estimate_accuracy",
    "estimate_fact",
    "feed_slots",
    "hours_problem",
    "overlapping",
    "pickup_notice",
    "worked_minutes",
]

UTC = UTC
MAX_SLOT_MINUTES = 12 * 60   # one slot is at most a long working day; plan more days separately
DEFAULT_SLOT_MINUTES = 60    # --for when the ticket has no estimate (left)
ACCURATE_WITHIN = 0.20       # an estimate is "accurate" when the work took within +-20% of it
OPEN = ("new", "open", "waiting")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# ------------------------------------------------------------------ the slot

@dataclass(frozen=True)
class Slot:
    ticket: str
    agent: str
    start: datetime    # policy timezone
    end: datetime
    event_id: str      # the `planned` event
    at: datetime       # when it was planned (DTSTAMP in the feed)
    by: str
    sequence: int      # how often this ticket was (re/un)planned before: SEQUENCE in the feed

    # Arithmetic and comparisons run in UTC: two datetimes sharing a ZoneInfo
    # subtract and compare by wall clock, which is wrong across a DST change.
    @property
    def minutes(self) -> int:
        return int((self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() // 60)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # half-open ranges: 10:00-11:00 and 11:00-12:00 touch but do not overlap
        return self.start.astimezone(UTC) < end.astimezone(UTC) and start.astimezone(UTC) < self.end.astimezone(UTC)

    def same_as(self, agent: str, start: datetime, end: datetime) -> bool:
        return (self.agent == agent and self.start.astimezone(UTC) == start.astimezone(UTC)
                and self.end.astimezone(UTC) == end.astimezone(UTC))


def current_slot(t: Ticket, tz: Any) -> Slot | None:
    """The ticket's planned slot, in the policy timezone, or None."""
    ev = t.plan
    if ev is None:
        return None
    # Every re-plan or unplan moved the previous slot into plan_history (the
    # fold keeps it even when the index cache drops the event list).
    return Slot(ticket=t.id, agent=ev["agent"], start=parse_stamp(ev["start"]).astimezone(tz),
                end=parse_stamp(ev["end"]).astimezone(tz), event_id=ev["id"],
                at=parse_stamp(ev["at"]), by=ev["by"], sequence=len(t.plan_history))


def worked_minutes(t: Ticket) -> int:
    """Actual minutes worked (billable or not)."""
    return sum(int(e["minutes"]) for e in t.work)


def default_minutes(t: Ticket) -> int:
    """`--for` by default: the estimate left (estimate - worked) if there is
    some left, else an hour."""
    est = t.f("estimate")
    if isinstance(est, int) and est > 0:
        left = est - worked_minutes(t)
        if left > 0:
            return left
    return DEFAULT_SLOT_MINUTES


def _done_at(t: Ticket) -> datetime | None:
    if t.status in OPEN:
        return None
    return t.resolved_at or t.closed_at


def blocks(t: Ticket) -> bool:
    """Does this ticket's slot hold the agent's time? Only while unresolved."""
    return t.status in OPEN and t.plan is not None


def in_feed(t: Ticket, slot: Slot) -> bool:
    """Unresolved tickets' slots, and slots that began before the ticket was done."""
    done = _done_at(t)
    return done is None or slot.start < done


# ------------------------------------------------------------------ checks

def _hm(t: datetime) -> str:
    return t.strftime("%H:%M")


def _day(t: datetime) -> str:
    return f"{_DAYS[t.weekday()]} {t:%Y-%m-%d}"


def _ranges_text(policy: Policy, d: date) -> str:
    ranges = policy.calendar_spec.hours.get(d.weekday(), ())
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)


def hours_problem(start: datetime, end: datetime, policy: Policy) -> str | None:
    """None when [start, end) lies inside ONE service-hours range; else why
    not, in words. A slot across a lunch break is refused too: the technician
    would be planned into the break (plan two slots, or --force)."""
    cal = policy.calendar()
    tz = policy.tz
    s, e = start.astimezone(tz), end.astimezone(tz)
    ivs = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in cal.open_intervals(start, end)]
    su, eu = start.astimezone(UTC), end.astimezone(UTC)
    if len(ivs) == 1 and ivs[0] == (su, eu):
        return None
    when = f"{_day(s)} {_hm(s)}-{_hm(e)}"
    if not ivs:
        if cal.is_holiday(s.date()):
            return f"{when}: {_day(s)} is a holiday"
        hours = _ranges_text(policy, s.date())
        if not hours:
            return f"{when}: the desk is closed on {_DAYS[s.weekday()]}"
        return f"{when} lies outside the service hours ({_DAYS[s.weekday()]} {hours})"
    why = []
    if su < ivs[0][0]:
        a = ivs[0][0].astimezone(tz)
        midnight = datetime.combine(a.date(), datetime.min.time(), tzinfo=tz)
        before = list(cal.open_intervals(midnight, a))  # earlier ranges that day: start is in a break
        if before:
            why.append(f"starts in the break {_hm(before[-1][1].astimezone(tz))}-{_hm(a)}")
        else:
            why.append(f"starts before the desk opens at {_hm(a)}")
    for (_a1, b1), (a2, _b2) in itertools.pairwise(ivs):
        b, a = b1.astimezone(tz), a2.astimezone(tz)
        if b.date() == a.date():
            why.append(f"spans the break {_hm(b)}-{_hm(a)}")
        else:
            why.append(f"spans the closed time from {_day(b)} {_hm(b)} to {_day(a)} {_hm(a)}")
    if eu > ivs[-1][1]:
        b = ivs[-1][1].astimezone(tz)
        reopen = cal.next_open(b).astimezone(tz)
        if reopen.date() == b.date():
            why.append(f"runs into the break {_hm(b)}-{_hm(reopen)}")
        else:
            why.append(f"runs past closing time {_hm(b)}")
    hours = _ranges_text(policy, s.date())
    return f"{when} {' and '.join(why)} (service hours {_DAYS[s.weekday()]} {hours})"


def overlapping(tickets: Iterable[Ticket], agent: str, start: datetime, end: datetime,
                exclude: str | None, tz: Any) -> list[Slot]:
    """The agent's other slots (of unresolved tickets) that overlap [start, end)."""
    out = []
    for t in tickets:
        if t.id == exclude or not blocks(t):
            continue
        slot = current_slot(t, tz)
        if slot is not None and slot.agent == agent and slot.overlaps(start, end):
            out.append(slot)
    return sorted(out, key=lambda x: (x.start.astimezone(UTC), x.ticket))


def check_slot(start: datetime, minutes: int, *, now: datetime, what_when: str = "WHEN",
               what_for: str = "--for") -> datetime:
    """The hard rules (never overridden by --force); returns the end."""
    if minutes > MAX_SLOT_MINUTES:
        raise BadInput(f"{what_for} {minutes} min: a slot is at most {MAX_SLOT_MINUTES // 60} h; "
                       f"plan the rest as another slot")
    if minutes <= 0:
        raise BadInput(f"{what_for}: must be more than zero")
    if start.astimezone(UTC) < now.astimezone(UTC):
        raise BadInput(f"{what_when} {start.isoformat()}: lies in the past (now is {now.isoformat()})")
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def slot_problems(tickets: Iterable[Ticket], ticket_id: str, agent: str, start: datetime,
                  end: datetime, policy: Policy) -> list[str]:
    """The soft rules (--force books anyway): service hours and the agent's other slots."""
    problems = []
    why = hours_problem(start, end, policy)
    if why:
        problems.append(why)
    for o in overlapping(tickets, agent, start, end, ticket_id, policy.tz):
        problems.append(f"{agent} already has {o.ticket} planned {_day(o.start)} {_hm(o.start)}-{_hm(o.end)}")
    return problems


# ------------------------------------------------------------------ agenda

@dataclass(frozen=True)
class AgendaRow:
    slot: Slot
    title: str
    org: str | None
    org_name: str | None
    priority: str
    status: str
    due: datetime | None      # the SLA resolve due time (None: paused or no SLA)
    late: bool                # the slot ends after the resolve due time
    overlaps: tuple[str, ...]  # other tickets of the same agent booked at the same time (--force)

    def to_json(self) -> dict[str, Any]:
        s = self.slot
        return {"agent": s.agent, "ticket": s.ticket, "title": self.title, "org": self.org,
                "org_name": self.org_name, "priority": self.priority, "status": self.status,
                "start": s.start.isoformat(), "end": s.end.isoformat(), "minutes": s.minutes,
                "due": self.due.isoformat() if self.due else None, "late": self.late,
                "overlaps": list(self.overlaps), "planned_by": s.by, "event": s.event_id}


def agenda(tickets: Iterable[Ticket], policy: Policy, now: datetime, *, start: datetime, end: datetime,
           agent: str | None = None, include_done: bool = False) -> list[AgendaRow]:
    """Slots overlapping [start, end), by agent then time. Resolved and closed
    tickets only with `include_done`."""
    from tix.core import sla as sla_mod
    from tix.core.priority import rate

    tz = policy.tz
    chosen: list[tuple[Ticket, Slot]] = []
    for t in tickets:
        slot = current_slot(t, tz)
        if slot is None or (agent is not None and slot.agent != agent):
            continue
        if not include_done and t.status not in OPEN:
            continue
        if slot.overlaps(start, end):
            chosen.append((t, slot))
    rows = []
    for t, slot in chosen:
        state = sla_mod.compute(t, policy, now)
        clock = state.resolve
        due = clock.due.astimezone(tz) if clock.due is not None else None
        live = clock.done_at is None and clock.state != "none"
        late = bool(due is not None and live and slot.end.astimezone(UTC) > due.astimezone(UTC))
        others = tuple(o.ticket for ot, o in chosen
                       if o.ticket != t.id and o.agent == slot.agent and ot.status in OPEN
                       and t.status in OPEN and o.overlaps(slot.start, slot.end))
        org = policy.orgs.get(t.org) if t.org else None
        rows.append(AgendaRow(slot=slot, title=t.title, org=t.org, org_name=org.name if org else t.org,
                              priority=rate(policy, t.impact, t.urgency).name, status=t.status, due=due,
                              late=late, overlaps=others))
    rows.sort(key=lambda r: (r.slot.agent, r.slot.start.astimezone(UTC), r.slot.ticket))
    return rows


# ------------------------------------------------------------------ iCalendar

_LINK = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|mailto:\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
DESCRIPTION_LIMIT = 1000


def link_free(text: str) -> str:
    """Remove everything a calendar app would turn into a link (URLs, mail
    addresses): a feed on a share or a web server is no place for them."""
    return _LINK.sub("[link removed]", text)


def feed_slots(tickets: Iterable[Ticket], tz: Any, agent: str | None = None,
               since: datetime | None = None) -> list[tuple[Ticket, Slot]]:
    out = []
    for t in tickets:
        slot = current_slot(t, tz)
        if slot is None or (agent is not None and slot.agent != agent) or not in_feed(t, slot):
            continue
        if since is not None and slot.end.astimezone(UTC) <= since.astimezone(UTC):
            continue
        out.append((t, slot))
    out.sort(key=lambda x: (x[1].start.astimezone(UTC), x[1].ticket))
    return out


def uid_of(t: Ticket) -> str:
    """One UID per ticket, for ever: its ID (unique across clones by
    construction) plus the instant it was opened (so two desks that both have
    an AB-0001 do not collide in one calendar app). Re-planning updates the
    same calendar entry (SEQUENCE goes up); it never duplicates it."""
    return f"{t.id}-{t.created.astimezone(UTC):%Y%m%dT%H%M%SZ}@tix"


def _description(t: Ticket, slot: Slot, policy: Policy) -> str:
    from tix.core.dates import fmt_minutes
    from tix.core.priority import rate

    lines = [f"{t.id}: {t.title}"]
    org = policy.orgs.get(t.org) if t.org else None
    if t.org:
        lines.append(f"Organisation: {org.name if org else t.org}" + (f", {t.f('dept')}" if t.f("dept") else ""))
    name = t.requester.get("name")
    if name:
        lines.append(f"Requester: {name}")
    lines.append(f"Priority: {rate(policy, t.impact, t.urgency).name}, category: {t.category}")
    lines.append(f"Planned for: {slot.agent}, {fmt_minutes(slot.minutes)}")
    est = t.f("estimate")
    if isinstance(est, int) and est > 0:
        lines.append(f"Estimate: {fmt_minutes(est)}")
    desc = str(t.f("description") or "").strip()
    if desc:
        if len(desc) > DESCRIPTION_LIMIT:
            desc = desc[:DESCRIPTION_LIMIT].rstrip() + " ..."
        lines += ["", desc]
    return link_free("\n".join(lines))


def build_ics(tickets: Iterable[Ticket], policy: Policy, *, agent: str | None = None,
              since: datetime | None = None) -> bytes:
    """An RFC 5545 calendar, one VEVENT per slot. Deterministic: the same desk
    gives the same bytes (DTSTAMP is when the slot was planned, times in UTC,
    events in time order), so a re-export of an unchanged desk is identical."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//tix//planning//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"tix: {agent}" if agent else "tix: planned tickets"
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    # RFC 7986: ask subscribed calendar apps to refresh every 15 minutes
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for t, slot in feed_slots(tickets, policy.tz, agent, since):
        ev = icalendar.Event()
        ev.add("uid", uid_of(t))
        ev.add("dtstamp", slot.at.astimezone(UTC))
        ev.add("last-modified", slot.at.astimezone(UTC))
        ev.add("sequence", slot.sequence)
        ev.add("dtstart", slot.start.astimezone(UTC))
        ev.add("dtend", slot.end.astimezone(UTC))
        summary = f"{t.id} {t.title}" + ("" if agent else f" ({slot.agent})")
        ev.add("summary", link_free(summary))
        org = policy.orgs.get(t.org) if t.org else None
        if t.org:
            ev.add("location", (org.name if org else t.org) + (f", {t.f('dept')}" if t.f("dept") else ""))
        ev.add("description", _description(t, slot, policy))
        ev.add("categories", ["tix"])
        ev.add("status", "CONFIRMED")
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    return bytes(cal.to_ical())


# ------------------------------------------------------------------ telling the requester

_PICKUP = {
    "en": "A technician will pick this up on {day} at {time}.",
    "nl": "Een technicus pakt uw melding op {day} om {time} op.",
    "de": "Ein Techniker wird sich am {day} um {time} Uhr darum kümmern.",
    "cs": "Technik se vaším požadavkem začne zabývat {day} v {time}.",
    "no": "En tekniker tar tak i saken {day} kl. {time}.",
}


def pickup_notice(start: datetime, language: str) -> str:
    """'A technician will pick this up on Wednesday 25 November 2026 at 10:00.'
    in the given language; `start` in the policy timezone. The mail engineer's
    `tix notify` sends it for each `planned` event (key `planned:<event id>`)."""
    lang = language if language in _PICKUP else "en"
    wd = WEEKDAY_NAMES[lang][start.weekday()]
    day = {
        "en": f"{wd} {start.day} {MONTH_NAMES['en'][start.month - 1]} {start.year}",
        "nl": f"{wd} {start.day}-{start.month}-{start.year}",
        "de": f"{wd}, {start.day}.{start.month}.{start.year}",
        "cs": f"{start.day}. {start.month}. {start.year} ({wd})",
        "no": f"{wd} {start.day}.{start.month}.{start.year}",
    }[lang]
    return _PICKUP[lang].format(day=day, time=start.strftime("%H:%M"))


# ------------------------------------------------------------------ estimate accuracy

def estimate_accuracy(tickets: Iterable[Ticket], period: Period, policy: Policy) -> dict[str, dict[str, Any]]:
    """Per team: how well did the estimates of the tickets resolved in
    `period` match the work actually logged on them?

    For each team that resolved a ticket in the period (its current resolve,
    so a reopened ticket counts when it is resolved again), sorted by name:

    * `resolved`: tickets resolved; `estimated`: of those, with an estimate;
      `coverage_percent` = estimated / resolved.
    * `estimate_minutes`, `worked_minutes`: sums over the estimated tickets
      (worked = every minute logged, billable or not).
    * `ratio` = worked / estimate summed (1.25: 25% more work than estimated).
    * `median_ratio`: the median of the per-ticket ratios.
    * `accurate`: tickets whose work came within +-20% of the estimate;
      `over`: took more, `under`: took less; `accuracy_percent` = accurate /
      estimated.

    Tickets without a team count under "(none)". Ratios are rounded to 2
    decimals, percentages to 1; None where there is nothing to divide by."""
    facts = [f for f in map(estimate_fact, tickets) if f is not None and period.contains(f[0])]
    return accuracy_of([f[1:] for f in facts])


def estimate_fact(t: Ticket) -> tuple[datetime, str, int | None, int] | None:
    """What estimate accuracy needs of one ticket: (its current resolve, its
    team or "(none)", its estimate if it is a positive whole number of
    minutes, minutes worked); None if it is not resolved. Plain data, so the
    monthly report can keep it with a ticket's other figures."""
    if t.resolved_at is None:
        return None
    est = t.f("estimate")
    if not isinstance(est, int) or isinstance(est, bool) or est <= 0:
        est = None
    return (t.resolved_at, t.team or "(none)", est, worked_minutes(t))


def accuracy_of(facts: Iterable[tuple[str, int | None, int]]) -> dict[str, dict[str, Any]]:
    """`estimate_accuracy` from (team, estimate, worked) of the tickets resolved in the period."""
    groups: dict[str, list[tuple[int | None, int]]] = {}
    for team, est, worked in facts:
        groups.setdefault(team, []).append((est, worked))
    out: dict[str, dict[str, Any]] = {}
    for team in sorted(groups):
        ts = groups[team]
        est_total = worked_total = accurate = over = under = 0
        ratios = []
        for est, worked in ts:
            if est is None:
                continue
            est_total += est
            worked_total += worked
            ratios.append(worked / est)
            if abs(worked - est) <= ACCURATE_WITHIN * est + 1e-9:
                accurate += 1
            elif worked > est:
                over += 1
            else:
                under += 1
        n = len(ratios)
        out[team] = {
            "resolved": len(ts),
            "estimated": n,
            "coverage_percent": round(100 * n / len(ts), 1),
            "estimate_minutes": est_total,
            "worked_minutes": worked_total,
            "ratio": round(worked_total / est_total, 2) if est_total else None,
            "median_ratio": round(statistics.median(ratios), 2) if ratios else None,
            "accurate": accurate,
            "over": over,
            "under": under,
            "accuracy_percent": round(100 * accurate / n, 1) if n else None,
        }
    return out
