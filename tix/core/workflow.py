"""Which status changes are allowed, and why not (pure). Seed 001: a ticket
is never resolved without a solution; ITIL: a normal change is approved
before work starts."""

from __future__ import annotations

from tix.core.errors import BadInput
from tix.core.policy import STATUSES
from tix.core.ticket import Ticket


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
