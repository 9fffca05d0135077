"""Resolving a problem with its incidents, as a use case: the checks first
(nothing is written on bad input), then the problem's events and one event
on each open incident (resolved with the solution, or a comment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.core.errors import BadInput

INCIDENT_ACTIONS = ("resolve", "comment", "leave")


@dataclass
class ProblemResolve:
    problem: Any  # the problem's Ticket
    solution: str
    already: bool  # resolved or closed before: only its incidents are finished
    when: datetime
    open_incidents: list[Any]


def gather(env: Any, ids: list[str], what: str = "--from") -> list[Any]:
    """The tickets named by `ids`, checked before anything is written."""
    from tix.core.workflow import check_not_merged

    out: list[Any] = []
    for raw in ids:
        t = env.store.ticket(raw)
        check_not_merged(t, label=what)
        if t.id not in {o.id for o in out}:
            out.append(t)
    return out


def create_linked(env: Any, header: dict[str, Any], links: list[tuple[str, Any]], at: str | None,
                  to: str | None = None) -> str:
    """Create a ticket whose log starts with its links, and record the
    opposite link on each other ticket. Returns the new ID."""
    from tix.core import events
    from tix.core.events import LINK_KINDS
    from tix.core.workflow import check_after_opened

    when = env.event_time(at)
    for _, other in links:
        check_after_opened(other, when, at)
    evs = [events.make(env.ids, "opened", env.user, when)]
    evs += [events.make(env.ids, "linked", env.user, when, link=kind, other=o.id) for kind, o in links]
    if to:
        evs.append(events.make(env.ids, "assigned", env.user, when, to=to))
    tid = env.store.create({k: v for k, v in header.items() if v not in (None, "", [])}, evs, env.user)
    for kind, o in links:
        env.store.append(o.id, [events.make(env.ids, "linked", env.user, when, link=LINK_KINDS[kind], other=tid)])
    return tid


def open_problem(env: Any, title: str, incident_ids: list[str], *, team: str | None, to: str | None,
                 impact: int | None, urgency: int | None, description: str | None, root_cause: str | None,
                 workaround: str | None, at: str | None) -> tuple[str, str, list[str]]:
    """Open a problem that the incidents `incident_ids` are caused by. Returns
    its ID, its title and the incidents linked."""
    from tix.core.priority import check_factor
    from tix.core.workflow import check_agent, check_team

    p = env.policy
    if not title.strip():
        raise BadInput("--title: a problem needs a title")
    incidents = gather(env, incident_ids)
    for t in incidents:
        if t.category in ("problem", "change"):
            raise BadInput(f"--from {t.id}: is a {t.category}; a problem gathers incidents and requests")
    check_team(p, team)
    check_agent(p, to)
    imp = check_factor(p, "impact", impact) if impact is not None else \
        max([t.impact for t in incidents], default=p.default_impact)
    urg = check_factor(p, "urgency", urgency) if urgency is not None else p.default_urgency
    orgs = {t.org for t in incidents if t.org}
    title = " ".join(title.split())
    header = {
        "title": title, "org": orgs.pop() if len(orgs) == 1 else None,
        "channel": "other", "category": "problem", "impact": imp, "urgency": urg,
        "team": team or (incidents[0].team if incidents else None) or p.default_team,
        "description": description, "root_cause": root_cause, "workaround": workaround,
        "known_error": True if workaround else None,
    }
    pid = create_linked(env, header, [("causes", t) for t in incidents], at, to)
    return pid, title, [t.id for t in incidents]


def add_incidents(env: Any, pid: str, ids: list[str], at: str | None) -> tuple[Any, list[str]]:
    """Link incidents to the problem they are caused by (`tix problem add`).
    Returns the problem and the incidents newly linked."""
    from tix.core import events
    from tix.core.workflow import check_after_opened

    pr = env.store.ticket(pid)
    if pr.category != "problem":
        raise BadInput(f"{pr.id} is a {pr.category}, not a problem")
    found = gather(env, ids, "incident")
    for t in found:
        if t.id == pr.id or t.category in ("problem", "change"):
            raise BadInput(f"{t.id}: is a {t.category}; a problem gathers incidents and requests")
    when = env.event_time(at)
    for t in (pr, *found):
        check_after_opened(t, when, at)
    added = []
    for t in found:
        if ("causes", t.id) in pr.links:
            continue
        env.store.append(pr.id, [events.make(env.ids, "linked", env.user, when, link="causes", other=t.id)])
        env.store.append(t.id, [events.make(env.ids, "linked", env.user, when, link="caused-by", other=pr.id)])
        added.append(t.id)
    return pr, added


def check_problem_resolve(env: Any, pid: str, incidents: str | None, solution: str | None, force: bool,
                          at: str | None) -> ProblemResolve:
    from tix.app.desk import Desk
    from tix.core.checks import check_choice
    from tix.core.workflow import check_after_opened, check_children_done, check_not_merged

    pr = env.store.ticket(pid)
    if pr.category != "problem":
        raise BadInput(f"{pr.id} is a {pr.category}, not a problem (use `tix resolve {pr.id}`)")
    check_choice(incidents, INCIDENT_ACTIONS, "--incidents")
    already = pr.status in ("resolved", "closed")
    if already:
        if solution:
            raise BadInput(f"{pr.id} is already {pr.status}; `tix reopen {pr.id}` to change its solution")
        if not incidents:
            raise BadInput(f"{pr.id} is already {pr.status}; give --incidents resolve|comment to finish its incidents")
        solution = pr.solution or ""
    elif not solution or not solution.strip():
        raise BadInput("--solution: a problem is never resolved without a solution")
    check_not_merged(pr, "resolve")
    when = env.event_time(at)
    check_after_opened(pr, when, at)
    desk = Desk(env)
    linked = list(desk.readable(pr.linked("causes")).values())
    open_ = [t for t in linked if t.is_open and not t.merged_into]
    if not already and not force:
        check_children_done(pr, desk.open_children(pr))
    return ProblemResolve(pr, solution or "", already, when, open_)


def resolve_problem(env: Any, r: ProblemResolve, incidents: str | None, root_cause: str | None,
                    standard: bool) -> tuple[list[str], list[str]]:
    """Record it. Returns the incidents finished and those left because they
    have child tickets of their own."""
    from tix.core import events

    pr, when, text = r.problem, r.when, r.solution
    if not r.already:
        fields: dict[str, Any] = {}
        if root_cause is not None and root_cause != pr.f("root_cause"):
            fields["root_cause"] = root_cause
        if standard and not pr.f("standard_solution"):
            fields["standard_solution"] = True
        evs = [events.make(env.ids, "set", env.user, when, fields=fields)] if fields else []
        evs.append(events.make(env.ids, "resolved", env.user, when, solution=text))
        env.store.append(pr.id, evs)
    done, skipped = [], []
    for t in r.open_incidents:
        if incidents == "resolve":
            if t.linked("parent-of"):
                skipped.append(t.id)
                continue
            ev = events.make(env.ids, "resolved", env.user, max(when, t.created), solution=f"{text} (problem {pr.id})")
        elif incidents == "comment":
            ev = events.make(env.ids, "commented", env.user, max(when, t.created),
                             text=f"The cause of this incident is solved under problem {pr.id}: {text}")
        else:
            continue
        env.store.append(t.id, [ev])
        done.append(t.id)
    return done, skipped
