"""What may happen to a ticket, and why not (pure: no disk, no clock).

Every command that changes a ticket asks here: a merged ticket is worked on
through the ticket it was merged into; nothing happens before a ticket was
opened; a ticket is never resolved without a solution nor while its child
tickets are open; a resolved or closed ticket is reopened first; a normal
change is approved before work starts; organisations and agents are the
policy's. Each check raises `BadInput` with the one message users see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from tix.core.errors import BadInput
from tix.core.policy import STATUSES, Policy
from tix.core.ticket import Ticket


def check_not_merged(t: Ticket, verb: str = "use", *, label: str | None = None, instead: bool = False) -> None:
    """A merged ticket is worked on through the one it was merged into (closing it stays allowed)."""
    if t.merged_into:
        where = f"{label} {t.id}:" if label else t.id
        raise BadInput(f"{where} was merged into {t.merged_into}; {verb} that ticket{' instead' if instead else ''}")


def check_after_opened(t: Ticket, when: datetime, at: str | None, tz: tzinfo | None = None) -> None:
    """An event (given with `--at`) cannot happen before its ticket was opened."""
    if when < t.created:
        opened = t.created.astimezone(tz) if tz is not None else t.created
        raise BadInput(f"--at {at}: before {t.id} was opened ({opened.isoformat()})")


def check_status_not_before(t: Ticket, when: datetime, at: str | None, tz: tzinfo) -> None:
    """A status change given with `--at` cannot go back before the last one."""
    if at is not None and t.status_log and when < t.status_log[-1][0]:
        last_at, last = t.status_log[-1]
        raise BadInput(f"--at {at}: before {t.id}'s last status change ({last} at "
                       f"{last_at.astimezone(tz):%Y-%m-%d %H:%M}); a status change cannot go back in time")


def open_children(t: Ticket, is_open: Callable[[str], bool | None]) -> list[str]:
    """The IDs of `t`'s child tickets that are still open. `is_open(id)` reads
    a child (None: it cannot be read, and does not hold the parent back)."""
    return [c for c in t.linked("parent-of") if is_open(c)]


def check_children_done(t: Ticket, still_open: Iterable[str], force: bool = False) -> None:
    """A parent is resolved after its children (or with --force)."""
    still = list(still_open)
    if still and not force:
        raise BadInput(f"{t.id} has open child tickets ({', '.join(still)}); resolve them or use --force")


def check_merge(dup: Ticket, target: Ticket, still_open_children: Iterable[str]) -> None:
    """A duplicate is merged once, into a ticket that is not itself merged,
    never in a cycle, and not while its own children are open."""
    if dup.id == target.id:
        raise BadInput(f"merge: {dup.id} cannot be merged into itself")
    if dup.merged_into:
        raise BadInput(f"{dup.id} was already merged into {dup.merged_into}")
    if target.merged_into:
        raise BadInput(f"--into {target.id}: was itself merged into {target.merged_into}; "
                       f"merge into {target.merged_into}")
    # a target that points back at the duplicate would make a cycle
    if ("duplicate-of", dup.id) in target.links:
        raise BadInput(f"--into {target.id}: is recorded as a duplicate of {dup.id}; merge the other way round")
    still = list(still_open_children)
    if still:
        raise BadInput(f"{dup.id} has open child tickets ({', '.join(still)}); resolve them or move them first")


def approving_teams(t: Ticket, policy: Policy, user: str) -> list[str]:
    """Who may approve a change: a member of an approving team (changes.approvers),
    of a change that needs approval (not a standard one). Returns the user's
    approving teams."""
    from tix.core.itil import change_kind

    if t.category != "change":
        raise BadInput(f"{t.id} is {'an' if t.category[0] in 'aeiou' else 'a'} {t.category}, not a change; "
                       "only changes are approved")
    check_not_merged(t, "approve")
    if change_kind(t) == "standard":
        raise BadInput(f"{t.id} is a standard change: pre-approved, it needs no approval")
    teams = [name for name in policy.approvers if user in policy.teams[name].members]
    if not teams:
        if not policy.approvers:
            raise BadInput("nobody may approve changes: the policy names no approving teams "
                           "(changes: {approvers: [...]})")
        raise BadInput(f"{user} may not approve changes: only members of {', '.join(policy.approvers)} "
                       "(changes.approvers in policies.yaml)")
    return teams


def check_not_done(t: Ticket) -> None:
    """A resolved or closed ticket is reopened before it is resolved again."""
    if t.status in ("resolved", "closed"):
        raise BadInput(f"{t.id} is already {t.status}; `tix reopen {t.id}` first")


def check_open(t: Ticket, doing: str) -> None:
    """Only an unresolved ticket is escalated (and the like)."""
    if not t.is_open:
        raise BadInput(f"{t.id} is {t.status}: reopen it before {doing}")


def check_not_closed(t: Ticket) -> None:
    if t.status == "closed":
        raise BadInput(f"{t.id} is already closed")


def check_reopenable(t: Ticket) -> None:
    check_not_merged(t, "reopen", instead=True)
    if t.status not in ("resolved", "closed"):
        raise BadInput(f"{t.id} is {t.status}, not resolved or closed")


def check_resolve(t: Ticket, solution: str | None) -> None:
    """Resolving: a solution, a ticket not yet done, not merged, an approved change."""
    if not solution or not solution.strip():
        raise BadInput("--solution: a ticket is never resolved without a solution")
    check_not_done(t)
    check_not_merged(t, "resolve")
    if needs_approval(t):
        raise BadInput(f"{t.id} is a normal change that was never approved; `tix approve {t.id}` first")


def check_org(policy: Policy, org: str | None, what: str = "--org") -> str | None:
    """An organisation must be one of the policy's (when it lists any)."""
    if org is not None and policy.orgs and org not in policy.orgs:
        raise BadInput(f"{what} {org!r}: not an organisation in the policy ({', '.join(policy.orgs)})")
    return org


def check_known_org(org: str | None, known: Iterable[str], what: str = "--org") -> str | None:
    """A filter on an organisation: the policy's, or one that tickets name."""
    names = set(known)
    if org is not None and org not in names:
        raise BadInput(f"{what} {org!r}: not an organisation ({', '.join(sorted(names)) or 'none defined'})")
    return org


def check_team(policy: Policy, team: str | None, what: str = "--team") -> str | None:
    if team is None:
        return None
    if team not in policy.teams:
        raise BadInput(f"{what} {team!r}: not a team (teams: {', '.join(policy.teams)})")
    return team


def check_agent(policy: Policy, agent: str | None, what: str = "--to") -> str | None:
    """An agent must be a member of a team (when the policy lists members)."""
    if agent is None:
        return None
    agents = policy.agents
    if agents and agent not in agents:
        raise BadInput(f"{what} {agent!r}: not a member of any team (agents: {', '.join(sorted(agents))})")
    return agent


def needs_approval(t: Ticket) -> bool:
    """A normal change that nobody has approved yet."""
    return t.category == "change" and (t.f("change_kind") or "normal") == "normal" and not t.approvals


def unapproved_emergency(t: Ticket) -> bool:
    """An emergency change may start before approval but is flagged until approved."""
    return t.category == "change" and t.f("change_kind") == "emergency" and not t.approvals


def check_start(t: Ticket) -> None:
    """Work may start (take, status open): refused for an unapproved normal change."""
    if needs_approval(t):
        raise BadInput(f"{t.id} is a normal change that is not approved yet; run `tix approve {t.id}` first "
                       "(a member of an approving team)")


def check_status(t: Ticket, target: str) -> None:
    if target not in STATUSES:
        raise BadInput(f"status {target!r}: allowed are {', '.join(STATUSES)}")
    if target == "resolved":
        raise BadInput(f"a ticket is never resolved without a solution: use `tix resolve {t.id} --solution TEXT`")
    if t.merged_into and target != "closed":
        raise BadInput(f"{t.id} was merged into {t.merged_into}; work on that ticket")
    if target == "open" and t.status in ("new", "waiting"):
        check_start(t)
