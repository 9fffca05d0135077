"""`tix notify` as a use case: find the tickets that may have mail due,
escalate those whose escalate clock ran out, send what is due (at most
mail.notify_limit to one address) and record each mail right after it went."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tix.app.desk import Desk


@dataclass
class Sent:
    """What a run sent, held back (address -> count) and could not send (mail, why)."""

    sent: list[Any] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[Any, str]] = field(default_factory=list)


class Outbox:
    def __init__(self, env: Any, templates: Any, max_age: int, only: str | None,
                 warn: Callable[[str], None]):
        self.env, self.templates, self.age, self.only, self.warn = env, templates, max_age, only, warn
        self.desk = Desk(env)
        self.sent_recently: dict[str, int] = {}  # address -> mails sent to it within mail.notify_limit.per

    def load(self, *, count: bool = False) -> list[Any]:
        """The tickets that may have something due, with their events; with
        `count`, also what was sent to each address recently (all tickets)."""
        from tix.app.mail import notify as nt
        from tix.core.errors import BrokenFile, NotFound

        store, p, now, only = self.env.store, self.env.policy, self.env.now, self.only
        if only and not count:
            return [store.ticket(only)]
        problems: list[Any] = []
        horizon = now - timedelta(minutes=self.age)
        since = now - timedelta(minutes=p.mail.notify_per)
        out = []
        from tix.storage.index import load_all  # the index's query (tix.storage.index)
        for t in sorted(load_all(store, problems), key=lambda t: t.id):
            last = t.last_activity or t.created
            due_here = (t.is_open or last >= horizon) and (not only or t.id == only)
            recent = count and last >= since
            if not (due_here or recent):
                continue  # closed long ago: nothing can be due
            if not t.events:  # the index keeps tickets without their event log
                try:
                    t = store.load_path(store.root / t.path)
                except (BrokenFile, NotFound) as err:
                    problems.append(err)
                    continue
            if recent:
                for addr, n in nt.sent_since(t, since).items():
                    self.sent_recently[addr] = self.sent_recently.get(addr, 0) + n
            if due_here:
                out.append(t)
        for prob in problems:
            self.warn(f"warning: {prob}")
        if only and not out:
            return [store.ticket(only)]
        return out

    def preview(self) -> list[Any]:
        """The mails that are due, escalations counted as if recorded; nothing is written."""
        from tix.app.mail import notify as nt

        outs = []
        for t in self.load():
            e = self.desk.escalation_event(t, reason="escalate target reached")
            outs += nt.due(t, self.env.policy, self.env.now, self.templates, max_age=self.age,
                           pending=[e.event] if e else [])
        return outs + self._prepaid_low()

    def _prepaid_low(self) -> list[Any]:
        """Prepaid balances below their warning level (tix.app.contracts), once each."""
        if self.only:
            return []
        from tix.app.contracts import low_balance_mails

        store = self.env.store
        return low_balance_mails(store, self.env.policy, self.env.now, lambda tid: store.ticket(tid).notified)

    def send(self, server: Any, on_sent: Callable[[Any], None]) -> Sent:
        """Escalate what is due, then send and record each mail (`on_sent` after each)."""
        from tix.app.mail import notify as nt
        from tix.app.mail.smtp import Connection, Refused
        from tix.core import events

        env, store, p, now = self.env, self.env.store, self.env.policy, self.env.now
        res = Sent()
        limit = p.mail.notify_per_address
        with store._lock("notify.lock"):  # two cron runs at once must not send twice
            try:
                outs = []
                for t in self.load(count=True):
                    if self.desk.escalate_if_due(t) is not None:  # like `tix escalate --due`: the team gets the mail
                        t = store.ticket(t.id)
                    outs += nt.due(t, p, now, self.templates, max_age=self.age)
                outs += self._prepaid_low()
                to_send = []
                for o in outs:
                    over = [a for a in o.to if self.sent_recently.get(a.lower(), 0) >= limit]
                    if over:  # a mail loop, or a flood: the rest waits for a later run
                        for a in over:
                            res.held[a.lower()] = res.held.get(a.lower(), 0) + 1
                        continue
                    for a in o.to:
                        self.sent_recently[a.lower()] = self.sent_recently.get(a.lower(), 0) + 1
                    to_send.append(o)
                if to_send:
                    sender = nt.sender_address(p)
                    with Connection(server) as conn:
                        for o in to_send:
                            try:
                                conn.send(o.to_email(p.mail.sender, now), sender, list(o.to))
                            except Refused as err:
                                res.refused.append((o, str(err)))
                                continue
                            # recorded right after the send: a crash here sends it again, never loses it
                            store.append(o.ticket, [events.make(self.env.ids, "notified", env.user,
                                                                now.astimezone(p.tz),
                                                                key=o.key, kind=o.kind, to=list(o.to),
                                                                message_id=o.message_id)])
                            res.sent.append(o)
                            on_sent(o)
            finally:
                env.finish(f"tix notify: {len(res.sent)} mail{'s' if len(res.sent) != 1 else ''} sent")
        return res

    def held_warnings(self, held: dict[str, int]) -> list[str]:
        from tix.core.dates import fmt_minutes

        p = self.env.policy
        return [f"warning: {n} mail{'s' if n != 1 else ''} to {addr} held back: {p.mail.notify_per_address} already "
                f"went there in the last {fmt_minutes(p.mail.notify_per)} (mail.notify_limit; a mail loop?); "
                f"{'they go' if n != 1 else 'it goes'} out on a later run" for addr, n in sorted(held.items())]


def refused_lines(refused: list[tuple[Any, str]]) -> list[str]:
    return [f"{o.ticket}: {o.kind} to {', '.join(o.to)} not sent: {why}; it is tried again on the next run "
            f"(fix the address with `tix set {o.ticket} --requester ...`)" for o, why in refused]
