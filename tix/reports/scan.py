"""The one pass over tickets every report shares: each ticket's facts (opened,
resolved, closed, work, SLA verdicts, backlog stretches) dropped into the bucket
of the instant they happened (docs/reports.md has the rules), and the public
history the IT manager's view shows."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tix.core.dates import parse_stamp
from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
from tix.reports.buckets import Bucket
from tix.reports.figures import DIMENSIONS, NONE_KEY, PUBLIC_EVENTS, STOPPED, UNASSIGNED, ZERO, Figures

# ---------------------------------------------------------------- the pass

@dataclass
class _Scan:
    """The result of the one pass: figures per bucket, the whole window, and
    per dimension value (only for the `detail` bucket, or per `split`)."""

    buckets: list[Bucket]
    columns: list[Figures]
    total: Figures
    detail: dict[str, dict[str, Figures]]
    split: dict[str, Figures]
    breaches: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    detail_of: dict[int, dict[str, dict[str, Figures]]] = field(default_factory=dict)  # detail=ALL
    breaches_of: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _priority(policy: Policy, t: Ticket) -> str:
    from tix.core.errors import TixError
    from tix.core.priority import rate

    try:
        return rate(policy, t.impact, t.urgency).name
    except TixError:  # a score no priority covers: the policy check names it
        return policy.priorities[-1].name


def _dims(policy: Policy, t: Ticket, state: Any = None) -> dict[str, str]:
    if policy.contracts:  # the contract's own priorities
        from tix.core.contracts import ticket_contract

        contract = ticket_contract(policy, t) or NONE_KEY
        priority = state.priority if state is not None else _priority(policy, t)
    else:
        contract, priority = NONE_KEY, _priority(policy, t)
    return {"priority": priority, "team": t.team or NONE_KEY, "category": t.category,
            "channel": str(t.f("channel") or NONE_KEY), "org": t.org or NONE_KEY,
            "agent": t.assignee or UNASSIGNED, "contract": contract}


@dataclass
class Facts:
    """One ticket's facts, each at the instant it happened: what `_scan` drops
    into buckets. They do not depend on the buckets, so any period can be
    built from them; a resolved or closed ticket's facts do not depend on
    `now` either (its clocks have stopped)."""

    t: Ticket
    dims: dict[str, str]
    state: Any  # sla.SlaState, or None for categories without an SLA
    resolutions: list[datetime]
    running: dict[datetime, float]  # business minutes running up to each resolution
    reopens: list[datetime]
    closes: list[datetime]
    stretches: list[tuple[datetime, datetime | None]]
    work: list[tuple[datetime, Any]]  # (at, billing.Line), or (at, PolicyError) for an entry without a price
    clocks: list[tuple[datetime, Any]]  # (instant decided, sla.Clock): met when met, breached at its due time
    feedback: list[tuple[datetime, int]]
    escalations: list[tuple[datetime, str]]

    def instants(self) -> list[datetime]:
        """Every instant a fact of this ticket happened (open stretches: their start)."""
        out = [self.t.created, *self.resolutions, *self.reopens, *self.closes]
        out += [a for a, _ in self.stretches] + [b for _, b in self.stretches if b is not None]
        out += [x[0] for x in self.work] + [x[0] for x in self.clocks]
        out += [x[0] for x in self.feedback] + [x[0] for x in self.escalations]
        return out


def ticket_facts(t: Ticket, policy: Policy, now: datetime, cal: Any = None) -> Facts:
    from tix.core import billing
    from tix.core import sla as sla_mod
    from tix.core.errors import PolicyError

    cal = cal if cal is not None else policy.calendar()
    state = sla_mod.compute(t, policy, now) if t.category in sla_mod.SLA_CATEGORIES else None
    resolutions, reopens, closes, stretches = status_facts(t)
    running: dict[datetime, float] = {}
    if resolutions:
        wanted = list(resolutions)
        final = resolutions[-1]
        if (state is not None and state.clock == "business" and t.status in STOPPED
                and state.resolve.done_at is not None):
            # the resolve clock already walked this: business minutes from
            # creation to the final resolve, pauses and reopen gaps left out
            running[final] = round(state.resolve.taken, 2)
            wanted = [r for r in wanted if r != final]
        if wanted:
            running.update(_running_minutes(t, policy, cal, wanted))
    work: list[tuple[datetime, Any]] = []
    for e in t.work:
        try:
            line = billing.price(e, t, policy)
            work.append((line.at, line))
            tr = billing.travel_line(line, policy)  # an on-site visit's travel fee
            if tr is not None:
                work.append((tr.at, tr))
        except PolicyError as err:  # refused only if the report needs this entry
            work.append((parse_stamp(e["at"]), err))
    clocks: list[tuple[datetime, Any]] = []
    if state is not None:
        for c in (state.response, state.resolve):
            if c.state == "met" and c.done_at is not None:
                clocks.append((c.done_at, c))
            elif c.state == "breached" and c.due is not None:
                clocks.append((c.due, c))
    feedback = [(parse_stamp(e["at"]), int(e["score"])) for e in t.feedback]
    escalations = []
    for e in t.escalations:
        line_no = e.get("line")
        if line_no is None and e.get("to_team") in policy.teams:
            line_no = policy.teams[e["to_team"]].line
        escalations.append((parse_stamp(e["at"]), str(line_no) if line_no is not None else "?"))
    return Facts(t, _dims(policy, t, state), state, resolutions, running, reopens, closes, stretches, work, clocks,
                 feedback, escalations)


ALL = -1  # `detail`: every bucket


def _scan(tickets: Iterable[Ticket | Facts], policy: Policy, now: datetime, buckets: list[Bucket], *,
          org: str | None = None, detail: int | None = None, split: str | None = None,
          org_view: bool = False, errors: dict[int, tuple[str, str | None]] | None = None) -> _Scan:
    """The one pass over the tickets (or their facts). `errors`: where a work
    entry in bucket i has no price, note (message, path) there instead of
    raising it. `detail`: the bucket
    whose breakdowns (by priority, team, ...), breaches and ticket list are
    wanted (ALL: every bucket's, in `detail_of`). `split`: a dimension (team,
    org) whose values become the columns instead."""
    starts = [b.start.timestamp() for b in buckets]
    w_start, w_end = buckets[0].start, buckets[-1].end
    w_start_ts, w_end_ts = w_start.timestamp(), w_end.timestamp()
    n = len(buckets)
    columns = [Figures() for _ in buckets]
    total = Figures()
    det_all: dict[int, dict[str, dict[str, Figures]]] = {}
    det: dict[str, dict[str, Figures]] = {d: {} for d in DIMENSIONS} if detail is not None else {}
    spl: dict[str, Figures] = {}
    breaches: list[dict[str, Any]] = []
    breaches_all: dict[int, list[dict[str, Any]]] = {}
    listed: list[dict[str, Any]] = []
    cal = policy.calendar()
    tz = policy.tz

    def idx(t: datetime) -> int:
        """Bucket index of an instant, or -1 outside the window."""
        ts = t.timestamp()
        if ts < w_start_ts or ts >= w_end_ts:
            return -1
        return bisect_right(starts, ts) - 1

    def is_detail(i: int) -> bool:
        return i == detail or (detail == ALL and i >= 0)

    for x in tickets:
        t = x.t if isinstance(x, Facts) else x
        if org is not None and t.org != org:
            continue
        if t.created >= w_end:
            continue
        if not t.is_open and t.last_activity is not None and t.last_activity < w_start:
            continue  # done before the window: nothing of it can land in a bucket
        fx = x if isinstance(x, Facts) else ticket_facts(t, policy, now, cal)
        dims = fx.dims
        skey = dims[split] if split else None
        state = fx.state

        in_detail = False
        memo: dict[tuple[int, str | None, bool], list[Figures]] = {}  # a ticket's facts share their buckets

        def targets(i: int, agent: str | None = None, with_total: bool = True,
                    skey: Any = skey, dims: Any = dims, memo: Any = memo) -> list[Figures]:
            """Figures a fact in bucket i goes to: its column (or split
            column), the total, and in the detail bucket each dimension."""
            nonlocal in_detail
            if i == detail:
                in_detail = True
            key = (i, agent, with_total)
            got = memo.get(key)
            if got is not None:
                return got
            out = memo[key] = [total] if with_total else []
            if split:
                f = spl.get(skey)  # type: ignore[arg-type]
                if f is None:
                    f = spl[skey] = Figures()  # type: ignore[index]
                out.append(f)
            else:
                out.append(columns[i])
            if is_detail(i):
                dd = det
                if detail == ALL:
                    dd = det_all.get(i)  # type: ignore[assignment]
                    if dd is None:
                        dd = det_all[i] = {d: {} for d in DIMENSIONS}
                for d in DIMENSIONS:
                    v = agent if (d == "agent" and agent is not None) else dims[d]
                    g = dd[d].get(v)
                    if g is None:
                        g = dd[d][v] = Figures()
                    out.append(g)
            return out

        in_detail = False
        i = idx(t.created)
        if i >= 0:
            for f in targets(i):
                f.opened += 1

        resolutions, reopens = fx.resolutions, fx.reopens

        # a ticket counts once per bucket (and once in the total) however
        # often it was resolved or closed there
        closed_in = {i for i in map(idx, fx.closes) if i >= 0}
        for i in closed_in:
            for f in targets(i, with_total=False):
                f.closed += 1
        if closed_in:
            total.closed += 1
        if resolutions:
            first: dict[int, datetime] = {}
            last: dict[int, datetime] = {}
            for r in resolutions:
                i = idx(r)
                if i >= 0:
                    first.setdefault(i, r)
                    last[i] = r
            if first:
                running = fx.running
                for i, r in first.items():
                    reopened = any(x > r for x in reopens)
                    for f in targets(i, with_total=False):
                        f.resolved += 1
                        f.reopened += reopened
                        f.resolve_minutes.append(running[last[i]])
                r0 = min(first.values())
                total.resolved += 1
                total.reopened += any(x > r0 for x in reopens)
                total.resolve_minutes.append(running[max(last.values())])

        # backlog: open just before a bucket's end, i.e. stretch [a, b) with a < end <= b
        in_backlog = False
        for a, b in fx.stretches:
            ia = 0 if a < w_start else idx(a)
            if ia < 0:
                continue  # opened after the window
            ib = n if b is None or b >= w_end else (idx(b) if b > w_start else 0)
            for i in range(ia, ib):  # buckets whose end lies in (a, b]
                end = buckets[i].end
                if not (a < end and (b is None or end <= b)):
                    continue
                in_backlog = in_backlog or i == detail
                age = (end - t.created).total_seconds() / 86400
                for f in targets(i, with_total=False):
                    f.backlog += 1
                    f.backlog_ages.append(age)

        # -- work, priced like the invoice
        work_rows = []
        for at, line in fx.work:
            i = idx(at)
            if i < 0:
                continue
            if isinstance(line, PolicyError):
                if errors is None:
                    raise line
                errors.setdefault(i, (line.message, line.path))
                continue
            for f in targets(i, agent=line.agent):
                f.add_work(line.minutes, line.billed_minutes, line.amount, line.rate_name)
            if org_view and i == detail:
                work_rows.append(line)

        # -- SLA clocks, counted where they were decided
        for when, c in fx.clocks:
            i = idx(when)
            if i < 0:
                continue
            for f in targets(i):
                if c.name == "response":
                    if c.state == "met":
                        f.response_met += 1
                    else:
                        f.response_breached += 1
                elif c.state == "met":
                    f.resolve_met += 1
                else:
                    f.resolve_breached += 1
            if c.state == "breached" and is_detail(i):
                (breaches if detail != ALL else breaches_all.setdefault(i, [])).append(
                    _breach(t, c, state.priority, tz))

        for at, score in fx.feedback:
            i = idx(at)
            if i >= 0:
                for f in targets(i):
                    f.scores.append(score)
        for at, line_no in fx.escalations:
            i = idx(at)
            if i >= 0:
                for f in targets(i):
                    f.escalations[line_no] += 1

        if org_view and detail is not None:
            bk = buckets[detail]
            hist = _public_history(t, bk.start, bk.end, tz, policy)
            if hist or work_rows or in_backlog or in_detail:
                listed.append(_ticket_entry(t, policy, tz, bk, state, work_rows, hist))

    # the total's backlog is the one at the window's end
    ends = list(spl.values()) if split else columns[-1:]
    total.backlog = sum(f.backlog for f in ends)
    total.backlog_ages = [a for f in ends for a in f.backlog_ages]
    breaches.sort(key=lambda x: (x["due"] or "", x["ticket"], x["clock"]))
    listed.sort(key=lambda x: x["id"])
    return _Scan(buckets, columns, total, det, spl, breaches, listed, det_all, breaches_all)


def status_facts(t: Ticket) -> tuple[list[datetime], list[datetime], list[datetime],
                                     list[tuple[datetime, datetime | None]]]:
    """From the status log: resolutions (new/open/waiting -> resolved/closed),
    reopens (resolved/closed -> anything else), closes, and the stretches
    [from, until) in which the ticket was open (until None: still open)."""
    log = t.status_log
    resolutions: list[datetime] = []
    reopens: list[datetime] = []
    closes: list[datetime] = []
    stretches: list[tuple[datetime, datetime | None]] = []
    open_from: datetime | None = log[0][0] if log else t.created
    for k in range(1, len(log)):
        at, cur = log[k]
        prev = log[k - 1][1]
        if cur in STOPPED and prev not in STOPPED:
            resolutions.append(at)
            if open_from is not None:
                stretches.append((open_from, at))
                open_from = None
        elif prev in STOPPED and cur not in STOPPED:
            reopens.append(at)
            open_from = at
        if cur == "closed":
            closes.append(at)
    if open_from is not None:
        stretches.append((open_from, None))
    return resolutions, reopens, closes, stretches


def _breach(t: Ticket, c: Any, priority: str, tz: Any) -> dict[str, Any]:
    return {"ticket": t.id, "title": t.title, "clock": c.name, "priority": priority, "team": t.team,
            "org": t.org, "assignee": t.assignee,
            "due": c.due.astimezone(tz).isoformat() if c.due else None,
            "done_at": c.done_at.astimezone(tz).isoformat() if c.done_at else None,
            "over_minutes": math.ceil(-(c.remaining or 0) - 1e-9)}


def _running_minutes(t: Ticket, policy: Policy, cal: Any, at: list[datetime]) -> dict[datetime, float]:
    """Business minutes the ticket was running (not paused, not resolved)
    from creation up to each instant of `at` (resolutions)."""
    paused = policy.paused_statuses
    log = t.status_log
    want = sorted(set(at))
    out: dict[datetime, float] = {}
    total = 0.0
    k = 0
    for j, (a, status) in enumerate(log):
        b = log[j + 1][0] if j + 1 < len(log) else None
        while k < len(want) and want[k] <= a:
            out[want[k]] = total
            k += 1
        if k >= len(want):
            break
        if status in paused or status in STOPPED:
            continue
        end = b if b is not None else want[-1]
        total += cal.minutes_between(a, end)  # the stretch [a, b)
    while k < len(want):
        out[want[k]] = total
        k += 1
    return {x: round(v, 2) for x, v in out.items()}


# ---------------------------------------------------------------- org view

def _public_history(t: Ticket, start: datetime, end: datetime, tz: Any, policy: Policy) -> list[dict[str, Any]]:
    """The ticket's public events in [start, end), oldest first: what the
    customer may see. Texts only from public replies, the solution and work
    notes (which are on the invoice anyway)."""
    rows: list[tuple[datetime, int, dict[str, Any]]] = []
    for n, e in enumerate(t.events):
        typ = e.get("type")
        if typ not in PUBLIC_EVENTS:
            continue
        if typ == "commented" and e.get("internal"):
            continue  # internal notes never appear in anything a customer sees
        at = parse_stamp(e["at"])
        if not start <= at < end:
            continue
        text = ""
        if typ == "opened":
            what = "opened"
        elif typ == "assigned":
            parts = []
            if e.get("team"):
                parts.append(f"team {e['team']}")
            if "to" in e:
                parts.append(f"agent {e['to'] or '(none)'}")
            what = "assigned to " + (", ".join(parts) or "-")
        elif typ == "taken":
            what = "taken"
        elif typ == "commented":
            what = "requester wrote" if t.is_requester(e) else "reply"
            text = str(e.get("text", ""))
        elif typ == "status":
            what = f"status {e['status']}"
        elif typ == "resolved":
            what = "resolved"
            text = str(e.get("solution", ""))
        elif typ == "closed":
            what = "closed"
        elif typ == "reopened":
            what = "reopened"
        elif typ == "escalated":
            line = f" (line {e['line']})" if e.get("line") else ""
            what = f"escalated to {e['to_team']}{line}"
        elif typ == "worked":
            from tix.core.dates import fmt_minutes

            what = f"worked {fmt_minutes(int(e['minutes']))}"
            text = str(e.get("note") or "")
        else:  # feedback
            what = f"feedback {e['score']}/5"
        rows.append((at, n, {"at": at.astimezone(tz).isoformat(), "by": str(e.get("by", "")), "what": what,
                             "text": text}))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def _ticket_entry(t: Ticket, policy: Policy, tz: Any, b: Bucket, state: Any, work: list[Any],
                  history: list[dict[str, Any]]) -> dict[str, Any]:
    req = t.requester
    status_end = "new"
    for at, s in t.status_log:
        if at < b.end:
            status_end = s
    return {
        "id": t.id,
        "title": t.title,
        "requester": req.get("name") or req.get("email") or "",
        "requester_email": req.get("email") or "",
        "status": status_end,
        "status_now": t.status,
        "priority": _priority(policy, t),
        "category": t.category,
        "opened": t.created.astimezone(tz).isoformat(),
        "resolved_at": t.resolved_at.astimezone(tz).isoformat() if t.resolved_at else None,
        "sla": {"response": state.response.state if state else "none",
                "resolve": state.resolve.state if state else "none"},
        "minutes_worked": sum(x.minutes for x in work),
        "minutes_billed": sum(x.billed_minutes for x in work),
        "amount": str(sum((x.amount for x in work), ZERO)),
        "work": [{"at": x.at.isoformat(), "agent": x.agent, "minutes": x.minutes,
                  "billed_minutes": x.billed_minutes, "rate_name": x.rate_name, "rate": str(x.rate),
                  "multiplier": str(x.multiplier), "amount": str(x.amount), "after_hours": x.after_hours,
                  "onsite": x.onsite, "no_bill": x.no_bill, "note": x.note}
                 for x in sorted(work, key=lambda x: (x.at, x.event_id))],
        "history": history,
    }
