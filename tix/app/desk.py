"""The Desk façade: the use cases commands call, built from the command's
environment (store, policy, now, user). A command parses its options, calls
one method here and renders what comes back; the rules themselves live in
`tix.core.workflow` (what may happen to a ticket) and `tix.core.sla`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tix.core import workflow
from tix.core.errors import BrokenFile, NotFound, TixError

if TYPE_CHECKING:
    from tix.core.ids import IdSource
    from tix.core.policy import Policy
    from tix.core.sla import Escalation
    from tix.core.ticket import Ticket
    from tix.storage.store import Store


OTHER_ORG = "(a ticket of another organisation)"


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
    @property
    def ids(self) -> IdSource: ...
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

    def ticket_data(self, t: Ticket, public: bool) -> dict[str, Any]:
        """What `tix show` shows of `t` (its JSON, with its children); `public`:
        what the customer may see (no internal notes, no other customer's tickets)."""
        from tix.render.view import ticket_json

        # invoiced entries looked up in place, not loaded: a broken record is fsck's to report, not show's
        from tix.storage.ledger import invoiced_lookup

        data = ticket_json(t, self.policy, self.env.now, invoiced=invoiced_lookup(self.store))
        if public:
            data["events"] = [e for e in data["events"] if not e.get("internal")]
        data["children"] = self.related(t.linked("parent-of"), t.org if public else None)
        return data

    def related(self, ids: list[str], public_org: str | None = None) -> list[dict[str, Any]]:
        """Linked tickets in a few fields; a missing or broken one as `(missing)`
        (`tix fsck` says why), another customer's as OTHER_ORG when `public_org`."""
        out: list[dict[str, Any]] = []
        for cid in ids:
            try:
                c = self.store.ticket(cid)
            except TixError:
                out.append({"id": cid, "title": "(missing)", "status": "?", "assignee": None, "solution": None})
                continue
            if public_org and c.org and c.org != public_org:  # --public: another customer's ticket
                out.append({"id": c.id, "title": OTHER_ORG, "status": "?", "assignee": None, "solution": None})
                continue
            out.append({"id": c.id, "title": c.title, "status": c.status, "assignee": c.assignee,
                        "solution": c.solution})
        return out

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
        ev = events.make(self.env.ids, "escalated", self.env.user, now.astimezone(p.tz), to_team=esc.team.name,
                         from_team=t.team,
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

    # ------------------------------------------------------------ use cases
    def set_status(self, t: Ticket, new_status: str, note: str | None, at: str | None) -> bool:
        """Move `t` to `new_status` (a reopen first when it was done). False
        when it already has that status: nothing is written."""
        from tix.core import events

        workflow.check_status(t, new_status)
        if new_status == t.status:
            return False
        when, user = self.event_time(t, at, status_change=True), self.env.user
        evs = []
        if t.status in ("resolved", "closed") and new_status != "closed":
            evs.append(events.make(self.env.ids, "reopened", user, when, reason=note))
            if new_status != "open":
                evs.append(events.make(self.env.ids, "status", user, when, status=new_status))
        elif new_status == "closed":
            evs.append(events.make(self.env.ids, "closed", user, when, note=note))
        else:
            evs.append(events.make(self.env.ids, "status", user, when, status=new_status, note=note))
        self.append(t, evs, f"tix status {t.id} {new_status}")
        return True

    def log_work(self, t: Ticket, duration: str, *, rate: str | None, onsite: bool, after_hours: bool,
                 no_bill: bool, note: str | None, at: str | None) -> tuple[int, Any]:
        """Record time worked on `t`. Returns the minutes and the priced entry."""
        from tix.core import events
        from tix.core.billing import price
        from tix.core.dates import fmt_minutes, parse_minutes
        from tix.core.errors import BadInput

        minutes = parse_minutes(duration, what="duration")
        if minutes > 24 * 60:
            raise BadInput(f"duration {duration!r}: more than 24 h in one entry; log each day separately")
        rates = self.policy.billing.rates
        if rate is not None and rate not in rates:
            raise BadInput(f"--rate {rate!r}: not a rate in the policy ({', '.join(rates)})")
        # a no-bill entry is recorded as given (--onsite, --rate...) and never charged
        ev = events.make(self.env.ids, "worked", self.env.user, self.event_time(t, at), minutes=minutes, note=note,
                         rate=rate,
                         onsite=onsite or None, after_hours=after_hours or None, no_bill=no_bill or None)
        self.append(t, [ev], f"tix work {t.id} {fmt_minutes(minutes)}")
        return minutes, price(ev, t, self.policy)  # the entry just written, priced without reading the file again

    def link(self, t: Ticket, other: str, kind: str, at: str | None) -> tuple[Ticket, bool]:
        """Link `t` to `other` both ways. Returns the other ticket and whether
        anything was written (each side only if missing: a link cut short by
        a disk error is completed by running it again)."""
        from tix.core import events
        from tix.core.checks import check_choice
        from tix.core.errors import BadInput
        from tix.core.events import LINK_KINDS

        check_choice(kind, list(LINK_KINDS), "--as")
        o = self.store.ticket(other)
        if o.id == t.id:
            raise BadInput("link: a ticket cannot link to itself")
        here, there = (kind, o.id) not in t.links, (LINK_KINDS[kind], t.id) not in o.links
        if not here and not there:
            return o, False
        when, user = max(self.event_time(t, at), self.event_time(o, at)), self.env.user
        if here:
            self.store.append(t.id, [events.make(self.env.ids, "linked", user, when, link=kind, other=o.id)])
        if there:
            self.store.append(o.id, [events.make(self.env.ids, "linked", user, when, link=LINK_KINDS[kind],
                                                 other=t.id)])
        self.env.finish(f"tix link {t.id} {kind} {o.id}")
        return o, True

    def split(self, t: Ticket, title: str, *, to: str | None, team: str | None, description: str | None,
              at: str | None) -> str:
        """Open a child ticket of `t` (the parent lists it). Returns its ID;
        the caller commits (`env.finish`) once it has shown it."""
        from tix.core import events
        from tix.core.errors import BadInput

        workflow.check_agent(self.policy, to)
        workflow.check_team(self.policy, team)
        if not title.strip():
            raise BadInput("--title: cannot be empty")
        when, user = self.event_time(t, at), self.env.user
        header = {"title": " ".join(title.split()), "requester": t.f("requester"), "org": t.org,
                  "dept": t.f("dept"), "channel": t.f("channel"),
                  "category": t.category if t.category != "problem" else "incident",
                  "change_kind": t.f("change_kind"), "impact": t.impact, "urgency": t.urgency,
                  "team": team or t.team, "tags": t.f("tags"), "description": description}
        evs = [events.make(self.env.ids, "opened", user, when),
               events.make(self.env.ids, "linked", user, when, link="child-of", other=t.id)]
        if to:
            evs.append(events.make(self.env.ids, "assigned", user, when, to=to))
        child = self.store.create(header, evs, user)
        self.store.append(t.id, [events.make(self.env.ids, "linked", user, when, link="parent-of", other=child)])
        return child

    def approve(self, t: Ticket, note: str | None, at: str | None) -> None:
        """Record the acting user's approval of the change `t` (`workflow.approving_teams` first)."""
        from tix.core import events

        when = self.env.event_time(at)
        workflow.check_after_opened(t, when, at)
        self.append(t, [events.make(self.env.ids, "approved", self.env.user, when, note=note)], f"tix approve {t.id}")

    def merge(self, dup: Ticket, target: Ticket, note: str | None, at: str | None) -> None:
        """Merge the duplicate `dup` into `target`: `dup` is closed with a
        pointer, `target` keeps an internal note with the duplicate's requester."""
        from tix.core import events

        workflow.check_merge(dup, target, self.open_children(dup))
        when, user = self.env.event_time(at), self.env.user
        for t in (dup, target):
            workflow.check_after_opened(t, when, at)
        dup_evs = [events.make(self.env.ids, "merged", user, when, into=target.id)]
        if ("duplicate-of", target.id) not in dup.links:
            dup_evs.append(events.make(self.env.ids, "linked", user, when, link="duplicate-of", other=target.id))
        if dup.status != "closed":
            dup_evs.append(events.make(self.env.ids, "closed", user, when,
                                       note=f"duplicate, merged into {target.id}" + (f": {note}" if note else "")))
        tgt_evs = [events.make(self.env.ids, "absorbed", user, when, **{"from": dup.id})]
        if ("duplicated-by", dup.id) not in target.links:
            tgt_evs.append(events.make(self.env.ids, "linked", user, when, link="duplicated-by", other=dup.id))
        who, target_who = _who(dup.requester), _who(target.requester)
        text = f"Duplicate {dup.id} merged in: {dup.title}"
        if who:
            text += f"\nAlso reported by {who}" + (f" ({dup.org})" if dup.org else "") \
                + (" (same requester)" if who == target_who else "")
        if note:
            text += f"\n{note}"
        tgt_evs.append(events.make(self.env.ids, "commented", user, when, text=text, internal=True))
        self.store.append(dup.id, dup_evs)
        self.store.append(target.id, tgt_evs)
        self.env.finish(f"tix merge {dup.id} --into {target.id}")

    def escalate(self, t: Ticket, to: str | None, reason: str | None, at: str | None) -> dict[str, Any]:
        """Move `t` to the next support line (or to team `to`) by hand. Returns
        what was recorded: id, from_team, to_team, line, at, auto, reason."""
        from tix.core import events
        from tix.core.errors import BadInput
        from tix.core.sla import next_line_team

        p = self.policy
        workflow.check_open(t, "escalating")
        workflow.check_not_merged(t, "escalate")
        if to is not None:
            workflow.check_team(p, to, "--to")
            target = p.teams[to]
        else:
            nxt = next_line_team(p, t.team)
            if nxt is None:
                raise BadInput(f"{t.id} is with {support_line(p, t.team)}, the last support line; "
                               f"name a team with --to ({', '.join(p.teams)})")
            target = nxt
        if target.name == t.team:
            raise BadInput(f"--to {target.name}: {t.id} is already with {target.name}")
        when = self.env.event_time(at)
        workflow.check_after_opened(t, when, at)
        self.append(t, [events.make(self.env.ids, "escalated", self.env.user, when, to_team=target.name,
                                    from_team=t.team,
                                    line=target.line, auto=False, reason=reason)],
                    f"tix escalate {t.id} to {target.name}")
        return {"id": t.id, "from_team": t.team, "to_team": target.name, "line": target.line,
                "at": when.isoformat(), "auto": False, "reason": reason}


def _who(req: dict[str, Any]) -> str:
    """A requester as `Name <mail> phone`."""
    return " ".join(x for x in (req.get("name"), f"<{req['email']}>" if req.get("email") else None,
                                req.get("phone")) if x)


def support_line(policy: Policy, team: str | None) -> str:
    """`connectivity (line 2)`, as messages name a team."""
    if team and team in policy.teams:
        return f"{team} (line {policy.teams[team].line})"
    return team or "no team"
