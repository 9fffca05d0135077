"""The monthly report (`tix report month`, and with `--org` the IT manager's view):
the month and the twelve before it, from per-month parts that the index keeps
for resolved and closed tickets (`month_fold`, `monthly_from_parts`)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tix.core.dates import Period, month_period, months_between
from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
from tix.reports.buckets import Bucket, _months_back, month_buckets
from tix.reports.figures import DIMENSIONS, NONE_KEY, TREND_MONTHS, UNASSIGNED, ZERO, Figures, _has_row, _hours
from tix.reports.scan import ALL, _Scan, _scan, ticket_facts

# ---------------------------------------------------------------- monthly parts
#
# The monthly report is built from "parts": a part is what a group of tickets
# contributes to each calendar month, as plain data (so the index can keep the
# parts of resolved and closed tickets between runs: `tix.storage.index.derive`).
# meta: {"2026-10": trend row}; value: {"2026-10": the month in detail}.
# Every figure of a month is a sum (or a list, or a count per key) over
# tickets, so the parts of disjoint groups add up to the report of them all.

FOLD_VERSION = 5  # of month_fold's plain data: bump on any change to it (the index keeps old parts otherwise)
ACTIVE = "~active"  # meta: the months with resolved or closed tickets active in them; value: month -> their paths
ALERTS = "~alerts"  # meta: the months with alert or recurring-work tickets opened then; value: month -> their paths


def _cal_months(lo: datetime, hi: datetime, tz: Any) -> list[Bucket]:
    """The calendar months from the one holding `lo` to the one holding `hi`."""
    a, b = lo.astimezone(tz), hi.astimezone(tz)
    first = month_period(a.year, a.month, tz)
    return month_buckets(first, months_between(a.date(), b.date()) + 1, tz)


def month_fold(tickets: Iterable[Ticket], policy: Policy, now: datetime,
               window: tuple[datetime, datetime] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The part (meta, value) of these tickets: their figures per calendar
    month, over the months their facts span (or only those of `window`,
    a [start, end) of whole months; needed when a ticket is still open)."""
    from tix.core.planning import estimate_fact

    tz = policy.tz
    cal = policy.calendar()
    tickets = list(tickets)
    itil = [t for t in tickets if t.category in ("problem", "change", "incident") and not t.merged_into]
    if window is not None:
        w0, w1 = window
        tickets = [t for t in tickets
                   if t.created < w1 and (t.is_open or t.last_activity is None or t.last_activity >= w0)]
    facts = [ticket_facts(t, policy, now, cal) for t in tickets]
    meta: dict[str, Any] = {}
    val: dict[str, Any] = {}
    refs = [(t.id, tuple(t.linked("causes")), t.created.timestamp()) for t in itil if t.category == "problem"]
    if refs:
        meta["~problems"] = refs  # every problem: incidents anywhere may link to it
    _paths_by_month(tickets, tz, meta, val)
    if not facts and (window is None or not itil):
        return meta, val
    if window is not None:
        buckets = _cal_months(window[0], window[1] - timedelta(microseconds=1), tz)
    else:
        inst = [x for f in facts for x in f.instants()]
        if any(b is None for f in facts for _, b in f.stretches):
            inst.append(now)
        buckets = _cal_months(min(inst), max(inst), tz)
    errors: dict[int, tuple[str, str | None]] = {}
    s = _scan(facts, policy, now, buckets, detail=ALL, errors=errors) if facts else None
    if s is None:  # only ITIL counts (open problems and changes of another period)
        s = _Scan(buckets, [Figures() for _ in buckets], Figures(), {}, {}, [], [])
    keys = [b.key for b in buckets]
    est: dict[str, list[Any]] = {}
    starts = [b.start for b in buckets]
    for t in tickets:
        e = estimate_fact(t)
        if e is not None and buckets[0].start <= e[0] < buckets[-1].end:
            est.setdefault(keys[bisect_right(starts, e[0]) - 1], []).append(e[1:])
    itil_of = {}
    if itil:
        from tix.core.itil import change_counts, incident_refs, problem_counts

        for b in buckets:
            x = (problem_counts(itil, b.start, b.end), change_counts(itil, b.start, b.end),
                 incident_refs(itil, b.start, b.end))
            if _nonzero(x):
                itil_of[b.key] = x
        if window is None:  # after its last month a group of stopped tickets counts the same every month
            after = month_buckets(month_period(buckets[-1].end.astimezone(tz).year,
                                               buckets[-1].end.astimezone(tz).month, tz), 1, tz)[0]
            tail = (problem_counts(itil, after.start, after.end), change_counts(itil, after.start, after.end))
            if _nonzero(tail):
                meta["~tail"] = (keys[-1], *tail)
    multi = _multi_month(facts, buckets)
    for i, key in enumerate(keys):
        f = s.columns[i]
        dd = s.detail_of.get(i)
        if not (dd or f.backlog or i in errors or key in est or key in itil_of):
            continue
        meta[key] = (*_row(f, TREND_FIELDS), errors.get(i))
        val[key] = {
            "month": _pack(f),
            "by": {d: {k: _row(g, ROW_FIELDS) for k, g in v.items()} for d, v in (dd or {}).items()},
            "breaches": s.breaches_of.get(i, []),
            "estimates": est.get(key, []),
            "itil": itil_of.get(key),
            "multi": multi.get(i, []),
        }
    return meta, val


def _month_keys(a: datetime, b: datetime, tz: Any) -> list[str]:
    """The keys ("2026-10") of the calendar months from the one holding `a`
    to the one holding `b` (none when `b` is in an earlier month)."""
    a, b = a.astimezone(tz), b.astimezone(tz)
    y, m = a.year, a.month
    out = []
    while (y, m) <= (b.year, b.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _paths_by_month(tickets: list[Ticket], tz: Any, meta: dict[str, Any], val: dict[str, Any]) -> None:
    """Which resolved and closed tickets a month's IT manager's view and
    alerts section need (`ACTIVE`, `ALERTS`), so that a report finds them in
    the parts instead of going through every ticket's index row: the
    tickets created before the month's end and last active in it or later
    (the view's ticket list is made of them), and the alert and
    recurring-work tickets opened in it. Open tickets are the command's
    (they are decoded each run anyway)."""
    active: dict[str, list[str]] = {}
    alerts: dict[str, list[str]] = {}
    for t in tickets:
        if t.is_open or not t.path:
            continue
        path = str(t.path)
        for k in _month_keys(t.created, t.last_activity or t.created, tz):
            active.setdefault(k, []).append(path)
        if t.f("alert") or t.f("recurring"):
            alerts.setdefault(_month_keys(t.created, t.created, tz)[0], []).append(path)
    for name, got in ((ACTIVE, active), (ALERTS, alerts)):
        if got:
            meta[name] = tuple(sorted(got))
            val[name] = got


def _multi_month(facts: list[Any], buckets: list[Bucket]) -> dict[int, list[tuple[str, bool, Any]]]:
    """Per bucket, the tickets resolved or closed in two or more of the
    buckets: (id, closed in it, (reopened after its first resolution in it,
    running minutes at its last one) or None). A month counts such a ticket
    once each; a span of months (`period_from_parts`) once in its total,
    which these records correct."""
    starts = [b.start for b in buckets]
    w0, w1 = buckets[0].start, buckets[-1].end
    out: dict[int, list[tuple[str, bool, Any]]] = {}
    for fx in facts:
        if len(fx.resolutions) + len(fx.closes) < 2:
            continue
        res: dict[int, list[datetime]] = {}
        for r in fx.resolutions:
            if w0 <= r < w1:
                res.setdefault(bisect_right(starts, r) - 1, []).append(r)
        closed = {bisect_right(starts, c) - 1 for c in fx.closes if w0 <= c < w1}
        if len(res) < 2 and len(closed) < 2:
            continue
        for i in sorted(res.keys() | closed):
            rs = res.get(i)
            out.setdefault(i, []).append((fx.t.id, i in closed, None if rs is None else (
                any(x > rs[0] for x in fx.reopens), fx.running[rs[-1]])))
    return out


def month_fold_orgs(tickets: Iterable[Ticket], policy: Policy, now: datetime,
                    window: tuple[datetime, datetime] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """`month_fold` per organisation ("" for tickets without one):
    ({org: meta}, {org: value}). The whole desk's report adds every
    organisation's parts, the IT manager's view one organisation's."""
    by_org: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_org.setdefault(t.org or "", []).append(t)
    metas: dict[str, Any] = {}
    vals: dict[str, Any] = {}
    for o in sorted(by_org):
        m, v = month_fold(by_org[o], policy, now, window)
        if m or v:
            metas[o], vals[o] = m, v
    return metas, vals


def month_quiet(tickets: Iterable[Ticket], policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a group of tickets all resolved or closed before a report's
    months adds to them (`derive`'s quiet fold), per organisation like
    `month_fold_orgs`: only ITIL counts carry on after a ticket stops, so
    `tickets` are the group's problems and changes, and the part is every
    problem's links (`~problems`) and the counts of any month after their
    last activity (`~tail`: the same every month from then on)."""
    from tix.core.itil import change_counts, problem_counts

    tz = policy.tz
    by_org: dict[str, list[Ticket]] = {}
    for t in tickets:
        if not t.merged_into:
            by_org.setdefault(t.org or "", []).append(t)
    metas: dict[str, Any] = {}
    for o in sorted(by_org):
        ts = by_org[o]
        meta: dict[str, Any] = {}
        refs = [(t.id, tuple(t.linked("causes")), t.created.timestamp()) for t in ts if t.category == "problem"]
        if refs:
            meta["~problems"] = refs
        last = max(t.last_activity or t.created for t in ts).astimezone(tz)
        month = month_period(last.year, last.month, tz)
        after = month_buckets(month_period(month.end.astimezone(tz).year, month.end.astimezone(tz).month, tz), 1,
                              tz)[0]
        tail = (problem_counts(ts, after.start, after.end), change_counts(ts, after.start, after.end))
        if _nonzero(tail):
            meta["~tail"] = (f"{last.year:04d}-{last.month:02d}", *tail)
        if meta:
            metas[o] = meta
    return metas, {o: {} for o in metas}


def org_parts(parts: Iterable[tuple[dict[str, Any], Any]], org: str | None = None,
              decode: Callable[[Any], Any] = lambda v: v
              ) -> tuple[list[tuple[dict[str, Any], Any]], Callable[[Any], Any]]:
    """The parts `month_fold_orgs` made (per group of tickets) as the parts of
    each organisation (only `org`'s, when given), with the decoder
    `monthly_from_parts` needs for them (a group's value decoded once)."""
    out: list[tuple[dict[str, Any], Any]] = []
    for metas, v in parts:
        if org is None:
            out.extend((m, (v, o)) for o, m in metas.items())
        elif org in metas:
            out.append((metas[org], (v, org)))
    last: list[Any] = [None, None]

    def dec(x: Any) -> Any:
        if last[0] is not x[0]:
            last[0], last[1] = x[0], decode(x[0])
        return last[1][x[1]]

    return out, dec


def _nonzero(x: Any) -> bool:
    """Any count above 0 (nested dicts and tuples of counts) or any list item."""
    if isinstance(x, dict):
        return any(map(_nonzero, x.values()))
    if isinstance(x, tuple):
        return any(map(_nonzero, x))
    return bool(x)


# The short rows a part keeps: a trend month (meta) and a breakdown value (`row()`)
TREND_FIELDS = ("opened", "resolved", "closed", "backlog", "minutes_worked", "minutes_billed", "amount",
                "response_met", "response_breached", "resolve_met", "resolve_breached")
ROW_FIELDS = ("opened", "resolved", "backlog", "minutes_worked", "minutes_billed", "amount", "response_met",
              "response_breached", "resolve_met", "resolve_breached")


def _row(f: Figures, fields: tuple[str, ...]) -> tuple[Any, ...]:
    """Those figures of `f` as plain data (the amount as a decimal string)."""
    return tuple(str(f.amount) if n == "amount" else getattr(f, n) for n in fields)


def _add_row(f: Figures, fields: tuple[str, ...], row: tuple[Any, ...]) -> None:
    """Add a `_row` into `f` (extra items after `fields` are ignored)."""
    for n, v in zip(fields, row, strict=False):
        setattr(f, n, getattr(f, n) + (Decimal(v) if n == "amount" else v))


def _pack(f: Figures) -> tuple[Any, ...]:
    return (f.opened, f.resolved, f.closed, f.reopened, f.backlog, f.backlog_ages, f.minutes_worked,
            f.minutes_billed, str(f.amount), {k: (v[0], v[1], str(v[2])) for k, v in f.by_rate.items()},
            f.response_met, f.response_breached, f.resolve_met, f.resolve_breached, f.resolve_minutes, f.scores,
            dict(f.escalations))


def _add_packed(f: Figures, p: tuple[Any, ...]) -> None:
    (opened, resolved, closed, reopened, backlog, ages, mw, mb, amount, by_rate, rm, rb, vm, vb, minutes,
     scores, esc) = p
    f.opened += opened
    f.resolved += resolved
    f.closed += closed
    f.reopened += reopened
    f.backlog += backlog
    f.backlog_ages += ages
    f.minutes_worked += mw
    f.minutes_billed += mb
    f.amount += Decimal(amount)
    for k, (m, b, a) in by_rate.items():
        r = f.by_rate.setdefault(k, [0, 0, ZERO])
        r[0] += m
        r[1] += b
        r[2] += Decimal(a)
    f.response_met += rm
    f.response_breached += rb
    f.resolve_met += vm
    f.resolve_breached += vb
    f.resolve_minutes += minutes
    f.scores += scores
    f.escalations.update(esc)


def monthly_from_parts(parts: Iterable[tuple[dict[str, Any], Any]], period: Period, policy: Policy,
                       now: datetime, *, extras: bool = True,
                       decode: Callable[[Any], Any] = lambda v: v, problems_before: float | None = None
                       ) -> MonthlyReport:
    """The monthly report of `period` (a calendar month) from the parts of
    every ticket (`month_fold`); `decode` turns a part's stored value into
    the fold's (the index keeps them pickled: storage passes its decoder).
    `problems_before`: link incidents only to problems opened before then
    (the IT manager's view counts its tickets of the month)."""

    tz = policy.tz
    buckets = month_buckets(_months_back(period, TREND_MONTHS, tz), TREND_MONTHS + 1, tz)
    keys = [b.key for b in buckets]
    last = keys[-1]
    trend = {k: Figures() for k in keys}
    month = trend[last]
    by: dict[str, dict[str, Figures]] = {d: {} for d in DIMENSIONS}
    breaches: list[dict[str, Any]] = []
    estimates: list[Any] = []
    itil: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
    for meta, v in parts:
        itil[3].extend((i, links) for i, links, created in meta.get("~problems", ())
                       if problems_before is None or created < problems_before)
        for k in keys:
            row = meta.get(k)
            if row is None:
                continue
            if row[11] is not None:
                raise PolicyError(row[11][0], path=row[11][1])
            if k != last:  # the month itself: in full below
                _add_row(trend[k], TREND_FIELDS, row)
        if last not in meta:
            tail = meta.get("~tail")
            if tail is not None and tail[0] < last:
                itil[0].append(tail[1])
                itil[1].append(tail[2])
            continue
        d = decode(v)[last]
        if d["itil"] is not None:
            itil[0].append(d["itil"][0])
            itil[1].append(d["itil"][1])
            itil[2].extend(d["itil"][2])
        _add_packed(month, d["month"])
        for dim, rows in d["by"].items():
            out = by[dim]
            for k, row in rows.items():
                g = out.get(k)
                if g is None:
                    g = out[k] = Figures()
                _add_row(g, ROW_FIELDS, row)
        breaches += d["breaches"]
        estimates += d["estimates"]
    breaches.sort(key=lambda x: (x["due"] or "", x["ticket"], x["clock"]))
    # a value with only an SLA clock decided in the month would be a row of zeros: left out
    by = {dim: {k: by[dim][k] for k in _dim_order(policy, dim, by[dim]) if _has_row(by[dim][k])}
          for dim in DIMENSIONS}
    ext = _month_extras(itil, estimates) if extras else {}
    return MonthlyReport(
        period=Period(buckets[-1].start, buckets[-1].end, period.label), org=None, org_name=None,
        currency=policy.billing.currency, timezone=policy.timezone, as_of=now.astimezone(tz), month=month,
        trend=[(b, trend[b.key]) for b in buckets], by=by, breaches=breaches, tickets=None, extras=ext)


def _month_extras(itil: tuple[list[Any], list[Any], list[Any], list[Any]], estimates: list[Any]
                  ) -> dict[str, Any]:
    """ITIL counts and estimate accuracy of the month (as `_extras`, from the parts' pieces)."""
    from tix.core.itil import combine_counts
    from tix.core.planning import accuracy_of

    return {"itil": combine_counts(*itil), "estimates": accuracy_of(estimates)}


def month_window(period: Period, policy: Policy) -> tuple[datetime, datetime]:
    """[start, end) of the months a monthly report of `period` covers (the
    month and the twelve before it)."""
    first = _months_back(period, TREND_MONTHS, policy.tz)
    return first.start, period.end


# ---------------------------------------------------------------- reports

def _dim_order(policy: Policy, dim: str, keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    if dim == "priority":
        rank = {r.name: k for k, r in enumerate(policy.priorities)}
        return sorted(keys, key=lambda k: (rank.get(k, 99), k))
    if dim == "team":
        rank = {name: k for k, name in enumerate(policy.teams)}
        return sorted(keys, key=lambda k: (k in (NONE_KEY,), rank.get(k, 99), k))
    return sorted(keys, key=lambda k: (k in (NONE_KEY, UNASSIGNED), k))


@dataclass
class MonthlyReport:
    period: Period
    org: str | None
    org_name: str | None
    currency: str
    timezone: str
    as_of: datetime
    month: Figures
    trend: list[tuple[Bucket, Figures]]
    by: dict[str, dict[str, Figures]]
    breaches: list[dict[str, Any]]
    tickets: list[dict[str, Any]] | None
    extras: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        m = self.month
        out: dict[str, Any] = {
            "report": "month",
            "month": self.period.label,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                       "half_open": True},
            "timezone": self.timezone,
            "as_of": self.as_of.isoformat(),
            "org": self.org,
            "org_name": self.org_name,
            "currency": self.currency,
            "opened": m.opened,
            "resolved": m.resolved,
            "closed": m.closed,
            "backlog": m.backlog,
            "backlog_age": m.backlog_age(),
        }
        for dim in DIMENSIONS:
            if dim == "contract":  # only where contracts are in use; with each contract's SLA met rates
                if set(self.by[dim]) - {NONE_KEY}:
                    out["by_contract"] = {k: {**v.row(), "response_met_pct": v.response_met_pct,
                                              "resolve_met_pct": v.resolve_met_pct}
                                          for k, v in self.by[dim].items()}
                continue
            out[f"by_{dim}"] = {k: v.row() for k, v in self.by[dim].items()}
        out.update({
            "hours_worked": _hours(m.minutes_worked),
            "hours_billed": _hours(m.minutes_billed),
            "minutes_worked": m.minutes_worked,
            "minutes_billed": m.minutes_billed,
            "amount": str(m.amount),
            "by_rate": {k: {"hours_worked": _hours(v[0]), "hours_billed": _hours(v[1]), "amount": str(v[2])}
                        for k, v in sorted(m.by_rate.items())},
            "sla": {
                "response_met_pct": m.response_met_pct,
                "resolve_met_pct": m.resolve_met_pct,
                "response": {"met": m.response_met, "breached": m.response_breached},
                "resolve": {"met": m.resolve_met, "breached": m.resolve_breached},
                "breaches": self.breaches,
            },
            "resolve_hours": m.resolve_hours(),
            "reopened": m.reopened,
            "reopen_rate": m.reopen_rate,
            "satisfaction": m.satisfaction(),
            "escalations": m.escalation_json(),
            "trend": [{"month": b.key, "opened": f.opened, "resolved": f.resolved, "closed": f.closed,
                       "backlog": f.backlog, "hours_worked": _hours(f.minutes_worked),
                       "hours_billed": _hours(f.minutes_billed), "amount": str(f.amount),
                       "response_met_pct": f.response_met_pct, "resolve_met_pct": f.resolve_met_pct}
                      for b, f in self.trend],
        })
        if self.tickets is not None:
            out["tickets"] = self.tickets
        out.update(self.extras)
        return out


def monthly_report(tickets: Iterable[Ticket], period: Period, policy: Policy, now: datetime,
                   org: str | None = None, *, extras: bool = True) -> MonthlyReport:
    """The month `period` (a calendar month) and the twelve months before it.
    `org`: only that organisation's tickets, plus its ticket list with work and
    public history (the IT manager's view); for that history the tickets must
    carry their events (`Store.load_path`; the index cache drops them).
    `extras`: include ITIL counts and estimate accuracy when those modules exist."""
    tickets = list(tickets)
    window = month_window(period, policy)
    if org is None:
        part = month_fold(tickets, policy, now, window=window)
        return monthly_from_parts([part], period, policy, now, extras=extras)
    mine = [t for t in tickets if t.org == org]
    parts, dec = org_parts([month_fold_orgs(mine, policy, now, window=window)], org)
    return org_month_report(parts, dec, org_entries(mine, period, policy, now, org), period, policy, now, org,
                            extras=extras)


def _month_bucket(period: Period, policy: Policy) -> Bucket:
    """The month of a monthly report as `monthly_from_parts` makes it."""
    first = _months_back(period, 0, policy.tz)
    b = month_buckets(first, 1, policy.tz)[0]
    return Bucket(period.label, b.start, b.end)


def org_entries(tickets: Iterable[Ticket], period: Period, policy: Policy, now: datetime, org: str
                ) -> list[dict[str, Any]]:
    """The IT manager's view's ticket list of the month `period`: an entry
    (requester, status, SLA outcome, work and public history in the month)
    per ticket of `org` active in it, by ID. The tickets must carry their
    events; those created before the month's end and open or active since
    its start are enough. A ticket's entry depends on the ticket alone (and
    the policy, and `now` while it is open), so entries computed apart and
    put together (sorted by ID) are the list."""
    return _scan(tickets, policy, now, [_month_bucket(period, policy)], org=org, detail=0, org_view=True).tickets


def org_month_report(parts: Iterable[tuple[dict[str, Any], Any]], decode: Callable[[Any], Any],
                     entries: list[dict[str, Any]], period: Period, policy: Policy, now: datetime, org: str, *,
                     extras: bool = True) -> MonthlyReport:
    """The IT manager's view: the organisation's monthly report from its parts
    (`org_parts`), with its ticket list `entries` (`org_entries`)."""
    tz = policy.tz
    r = monthly_from_parts(parts, period, policy, now, extras=extras, decode=decode,
                           problems_before=period.end.timestamp())
    o = policy.orgs.get(org)
    r.org, r.org_name, r.tickets = org, (o.name if o else org), entries
    r.as_of = now.astimezone(tz)
    return r
