"""The Desk façade: the use cases commands call, built from the command's
environment (store, policy, now, user). A command parses its options, calls
one method here and renders what comes back; the rules themselves live in
`tix.core.workflow` (what may happen to a ticket) and `tix.core.sla`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tix.core import workflow
from tix.core.errors import BrokenFile, NotFound

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.sla import Escalation
    from tix.core.ticket import Ticket
    from tix.storage.store import Store


class Environment(Protocol):
    """What a Desk needs of the command's environment (`tix.cli.env.Env`)."""

    @property
    def store(self) -> Store: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def now(self) -> datetime: ...
    @property
    def user(self) -> str: ...
    def event_time(self, at: str | None) -> datetime: ...
    def finish(self, message: str) -> None: ...


@dataclass
class Escalated:
    """An automatic escalation, recorded (or, in a dry run, about to be)."""

    ticket: Ticket  # the ticket as it is after the escalation
    from_team: str | None
    escalation: Escalation
    event: dict[str, Any]


class Desk:
    def __init__(self, env: Environment):
        self.env = env

    @property
    def store(self) -> Store:
        return self.env.store

    @property
    def policy(self) -> Policy:
        return self.env.policy

    # ------------------------------------------------------------ reading
    def ticket(self, tid: str) -> Ticket:
        return self.store.ticket(tid)

    def readable(self, ids: list[str]) -> dict[str, Ticket]:
        """The tickets of `ids` that can be read, by ID (a missing or broken
        one is left out: `tix fsck` reports it)."""
        out: dict[str, Ticket] = {}
        for tid in dict.fromkeys(ids):
            try:
                out[tid] = self.store.ticket(tid)
            except (NotFound, BrokenFile):
                continue
        return out

    def open_children(self, t: Ticket) -> list[str]:
        """`t`'s child tickets that are still open (one that cannot be read does not count)."""

        def is_open(cid: str) -> bool | None:
            try:
                return self.store.ticket(cid).is_open
            except (NotFound, BrokenFile):
                return None

        return workflow.open_children(t, is_open)

    # ------------------------------------------------------------ writing
    def event_time(self, t: Ticket, at: str | None, *, status_change: bool = False) -> datetime:
        """When an event on `t` happens: `--at` or now, never before `t` was
        opened, and a status change never before the last one."""
        tz = self.policy.tz
        when = self.env.event_time(at)
        workflow.check_after_opened(t, when, at, tz)
        if status_change:
            workflow.check_status_not_before(t, when, at, tz)
        return when

    def append(self, t: Ticket, evs: list[dict[str, Any]], message: str) -> None:
        """Record events on `t` and commit them if the policy asks for that."""
        self.store.append(t.id, evs)
        self.env.finish(message)

    # ------------------------------------------------------------ escalation
    def escalation_event(self, t: Ticket, note: str | None = None, *, reason: str | None = None
                         ) -> Escalated | None:
        """The automatic escalation of `t` if its escalate clock ran out (not recorded)."""
        from tix.core import events
        from tix.core.sla import due_escalation

        p, now = self.policy, self.env.now
        esc = due_escalation(t, p, now, note)
        if esc is None:
            return None
        ev = events.make("escalated", self.env.user, now.astimezone(p.tz), to_team=esc.team.name, from_team=t.team,
                         line=esc.team.line, auto=True, reason=reason or esc.reason)
        return Escalated(t, t.team, esc, ev)

    def escalate_if_due(self, t: Ticket, note: str | None = None) -> Escalated | None:
        """Escalate `t` (and record it) when its escalate clock ran out. The file
        is read again right before writing: another run (cron and a technician)
        may have escalated it meanwhile; then nothing is due."""
        if self.escalation_event(t, note) is None:
            return None
        t = self.store.ticket(t.id)
        done = self.escalation_event(t, note)
        if done is None:
            return None
        self.store.append(t.id, [done.event])
        return done
