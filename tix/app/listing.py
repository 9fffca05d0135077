"""`tix list` as a use case: the filters, checked against the policy, and the
matching tickets, most urgent first (priority, then age)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tix.core.errors import BadInput

BILLING_STATES = ("to-invoice", "invoiced", "open", "none")


@dataclass
class ListQuery:
    """What `tix list` filters on; `check` refuses what the policy does not know."""

    words: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    team: str | None = None
    assignee: str | None = None
    org: str | None = None
    priority: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    breached: bool = False
    at_risk: bool = False
    billing: str | None = None
    period: Any = None  # a dates.Period, or None
    all: bool = False
    limit: int | None = None
    key: str | None = None  # alert / --key correlation key
    alerts: bool = False  # only tickets opened by monitoring or backup alerts
    recurring: bool = False  # only occurrences of recurring work
    contract: str | None = None  # only tickets under this customer contract (tix.core.contracts)
    statuses: set[str] = field(default_factory=set)

    def check(self, policy: Any, now: datetime, *, period: str | None = None, since: str | None = None,
              until: str | None = None) -> ListQuery:
        from tix.core.checks import check_choice, check_tags
        from tix.core.dates import parse_period
        from tix.core.policy import CATEGORIES, STATUSES
        from tix.core.textnorm import fold
        from tix.core.workflow import check_org, check_team

        for s in self.status:
            for part in s.split(","):
                part = part.strip()
                if part == "all":
                    self.all = True
                elif part:
                    check_choice(part, STATUSES, "--status")
                    self.statuses.add(part)
        if not self.statuses and not self.all:
            self.statuses = {"new", "open", "waiting"}
        if self.billing is not None:
            self.billing = check_choice(self.billing, BILLING_STATES, "--billing")
            if not self.status:
                self.all = True
        check_team(policy, self.team)
        check_tags(self.tags)
        check_choice(self.category, CATEGORIES, "--category")
        names = list(dict.fromkeys([r.name for r in policy.priorities] + [  # the contracts' own too
            r.name for c in policy.contracts.values() for _, terms in c.versions for r in (terms.priorities or ())]))
        if self.priority is not None and self.priority not in names:
            raise BadInput(f"--priority {self.priority!r}: allowed are {', '.join(names)}")
        check_org(policy, self.org)
        if self.contract is not None and self.contract not in policy.contracts:
            raise BadInput(f"--contract {self.contract!r}: not a contract of the policy "
                           f"({', '.join(policy.contracts) or 'none defined'})")
        if period or since or until:
            self.period = parse_period(period, since=since, until=until, now=now, tz=policy.tz)
        self.words = [fold(w) for w in self.words]
        return self


def list_tickets(env: Any, q: ListQuery, fmt: str) -> tuple[list[Any], list[Any]]:
    """The rows (as `render.listing.list_row` makes them) of the tickets that
    match `q`, most urgent first, and the problems met on the way (broken
    files, left out). Only the rows are kept, not the tickets: `list --all`
    of a big customer goes through tens of thousands."""
    from tix.core import sla as sla_mod
    from tix.core.priority import priority_rank, rate
    from tix.core.textnorm import fold
    from tix.render.listing import list_row

    p, now = env.policy, env.now
    problems: list[Any] = []
    ledger_problems: list[Any] = []

    def columns(row: Any) -> bool:  # index columns: skip decoding what cannot match
        return ((q.all or row.status in q.statuses) and (q.team is None or row.team == q.team)
                and (q.org is None or row.org == q.org) and (q.category is None or row.category == q.category)
                and (q.assignee is None or (row.assignee or "none") == q.assignee))

    where: Any = columns
    if not q.all:  # the index need not unpack the rows of other statuses at all
        from tix.storage.index import Where

        where = Where(q.statuses, columns)
    invoiced = None
    if q.billing:
        from tix.storage.ledger import invoiced_ids

        invoiced = invoiced_ids(env.store, problems=ledger_problems)

    def row_of(t: Any) -> Any:
        """The sort key and the row of a ticket that passes every filter; None for the others."""
        if not q.all and t.status not in q.statuses:
            return None
        if q.team and t.team != q.team:
            return None
        if q.assignee is not None and (t.assignee or "none") != q.assignee:
            return None
        if q.org and t.org != q.org:
            return None
        if q.category and t.category != q.category:
            return None
        if q.tags and not set(q.tags) <= set(t.f("tags") or []):
            return None
        if (q.key is not None and t.f("key") != q.key) or (q.alerts and not t.f("alert")) \
                or (q.recurring and not t.f("recurring")):
            return None
        if q.period and not q.period.contains(t.created):
            return None
        if q.contract is not None:
            from tix.core.contracts import ticket_contract

            if ticket_contract(p, t) != q.contract:
                return None
        sla = sla_mod.compute(t, p, now)  # its priority: the contract's when it has one
        r = rate(p, t.impact, t.urgency)
        if q.priority and sla.priority != q.priority:
            return None
        if q.words:
            req = t.requester
            hay = fold(" ".join(str(x) for x in (t.id, t.title, t.f("description") or "", req.get("name", ""),
                                                 req.get("email", ""), t.org or "", " ".join(t.f("tags") or []))))
            if not all(w in hay for w in q.words):
                return None
        if q.billing:
            from tix.core.billing import billing_state

            if billing_state(t, invoiced or set()).replace(" ", "-") != q.billing:
                return None
        states = {c.state for c in sla.clocks()}
        if q.breached and "breached" not in states:
            return None
        if q.at_risk and "at-risk" not in states:
            return None
        name = sla.priority or r.name
        return ((priority_rank(p, name), t.created.timestamp(), t.id),
                list_row(t, p, now, sla, name, fmt, invoiced, problems))

    from tix.storage.index import HOT, load_all  # the index's query (tix.storage.index)

    if fmt != "json" and (q.all or q.statuses - HOT) and not (
            q.words or q.tags or q.key is not None or q.alerts or q.recurring or q.billing):
        rows = _stopped_rows(env, q, fmt, problems, row_of, columns)  # resolved and closed: their rows as kept
    else:
        rows = load_all(env.store, problems, where=where, each=row_of)
    rows.sort(key=lambda x: x[0])
    if q.limit is not None:
        rows = rows[: q.limit]
    return [x[1] for x in rows], problems + ledger_problems


LIST_FOLD_VERSION = 2  # of _list_fold's plain data: bump on any change to it (2: marshal, instants in µs)


def _stopped_row(t: Any, policy: Any, now: datetime) -> tuple[Any, ...]:
    """What `tix list` shows and filters on of a resolved or closed ticket;
    none of it changes with `now` (its clocks have stopped) but the age,
    which is added when the row is printed. Plain values only (the creation
    instant as whole µs since the epoch: exact, and marshal keeps it)."""
    from tix.core import sla as sla_mod
    from tix.core.priority import priority_rank, rate
    from tix.render.listing import clock_text, epoch_us, shown_title, time_text

    sla = sla_mod.compute(t, policy, now)
    name = sla.priority or rate(policy, t.impact, t.urgency).name
    contract = None
    if policy.contracts:
        from tix.core.contracts import ticket_contract

        contract = ticket_contract(policy, t)
    return (t.id, t.status, t.team, t.assignee, t.org, t.category, epoch_us(t.created), sla.priority, name,
            priority_rank(policy, name), frozenset(c.state for c in sla.clocks()), contract, clock_text(sla),
            time_text(t), shown_title(t))


def _list_fold(tickets: list[Any], policy: Any, now: datetime) -> tuple[Any, Any]:
    """A group's rows per organisation ("" for none): (the organisations,
    {organisation: its rows, marshalled}), so that `list --org X` reads only X's."""
    import marshal

    by_org: dict[str, list[tuple[Any, ...]]] = {}
    for t in tickets:
        by_org.setdefault(t.org or "", []).append(_stopped_row(t, policy, now))
    return tuple(sorted(by_org)), {o: marshal.dumps(rows, 4) for o, rows in by_org.items()}


def _stopped_rows(env: Any, q: ListQuery, fmt: str, problems: list[Any], row_of: Any,
                  columns: Any = None) -> list[Any]:
    """The list's rows from the rows the index keeps of resolved and closed
    tickets per group of files (`tix.storage.derived`, folded once, again
    when a file or the policy changes); open tickets folded now (`row_of`)."""
    import marshal

    from tix.core.contracts import past_text
    from tix.render.listing import age_from_us, epoch_us
    from tix.storage import derived

    p, now, store = env.policy, env.now, env.store
    d = derived.derive(store, "list", lambda ts: _list_fold(ts, p, now),
                       lambda: derived.fingerprint(store, past_text(p, now), "list", LIST_FOLD_VERSION),
                       problems=problems, hot=columns)
    out = [x for x in map(row_of, d.hot) if x is not None]
    want = None if q.org is None else q.org or ""
    period, short, now_us = q.period, fmt != "csv", epoch_us(now)
    lo, hi = (epoch_us(period.start), epoch_us(period.end)) if period else (0, 0)
    # no test but the organisation (the IT manager's `--org X --all`): every row is shown
    every = q.all and not (q.team or q.assignee is not None or q.category or period or q.contract is not None
                           or q.priority or q.breached or q.at_risk)
    for orgs, blob in d.groups:
        if want is not None and want not in orgs:
            continue
        v = derived.value(blob)
        for o in orgs if want is None else (want,):
            for (tid, status, team, assignee, org, category, created, spri, name, rank, states, contract, clock,
                 ttext, title) in marshal.loads(v[o]):
                if not every and (
                        (not q.all and status not in q.statuses) or (q.team and team != q.team)
                        or (q.assignee is not None and (assignee or "none") != q.assignee)
                        or (q.category and category != q.category) or (period and not lo <= created < hi)
                        or (q.contract is not None and contract != q.contract)
                        or (q.priority and spri != q.priority) or (q.breached and "breached" not in states)
                        or (q.at_risk and "at-risk" not in states)):
                    continue
                # the key as the open rows' (`t.created.timestamp()`: the same float, µs / 10**6)
                out.append(((rank, created / 1_000_000, tid), [tid, name, status, team or "", assignee or "",
                                                              org or "", age_from_us(now_us, created), clock, ttext,
                                                              title[:60] if short else title]))
    return out
