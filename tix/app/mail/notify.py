"""Which notification mails are due for a ticket: `due(ticket, policy, now,
templates) -> [Outgoing]`. Pure: the ticket, the policy, the clock and the
loaded templates in, rendered messages out; `tix notify` sends them and
records a `notified` event with each one's key right after it went out.

Each notification has a stable key, so it goes exactly once:

    received                  the receipt confirmation (sent by the next run: within minutes)
    assigned:<event id>       a named technician now handles it (assigned --to, or taken)
    comment:<event id>        each public comment by an agent (internal notes: never)
    resolved:<event id>       the solution and a request for feedback (1-5)
    planned:<event id>        "a technician will pick this up on <date>" (each new plan)
    escalated:<event id>      to the new team's address
    breached:<clock>:r<n>     to the team: response/resolve target missed (n = reopens)
    at-risk:<clock>:r<n>      to the team: the target is close

Requester mails go in the customer's language, team mails in the desk's
default language. Only what happened in the last `max_age` minutes is due
(default 7 days), so the first run on a desk with history does not mail
the past, and an address that keeps refusing is retried only that long.
Tickets split off as children, problem records and merged tickets send the
customer nothing (they are the desk's own bookkeeping)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tix.core.dates import parse_stamp

if TYPE_CHECKING:
    from email.message import Message

    from tix.app.templates import Templates
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

MAX_AGE = 7 * 24 * 60  # minutes
_ADDR = re.compile(r"^[^@\s<>,;:\"\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")
_NO_MAIL = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply")


@dataclass(frozen=True)
class Outgoing:
    ticket: str
    key: str
    kind: str
    to: tuple[str, ...]
    to_name: str
    subject: str
    body: str
    language: str
    message_id: str                 # without <>
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    def to_email(self, sender: str, now: datetime) -> Message:
        """The mail, built with the stdlib's compat32 classes: its header
        folding keeps RFC 2047 words short and never breaks a subject that
        starts with `[tix ...]` onto a line of its own (the modern policy does)."""
        from email import charset as email_charset
        from email.header import Header
        from email.mime.text import MIMEText
        from email.utils import format_datetime, formataddr, parseaddr

        cs = email_charset.Charset("utf-8")
        cs.body_encoding = email_charset.QP  # readable in the raw mail, 7-bit clean for any server
        m = MIMEText(self.body, "plain", cs)  # type: ignore[arg-type]  # a Charset is what sets QP

        def text(value: str) -> Header:
            return Header(value, "us-ascii" if value.isascii() else "utf-8", maxlinelen=76)

        name, addr = parseaddr(sender)
        m["From"] = formataddr((name, addr), charset="utf-8") if name else addr
        if len(self.to) == 1 and self.to_name:
            m["To"] = formataddr((self.to_name, self.to[0]), charset="utf-8")
        else:
            m["To"] = ", ".join(self.to)
        m["Subject"] = text(self.subject)  # type: ignore[assignment]  # a Header folds non-ASCII right
        m["Date"] = format_datetime(now)
        m["Message-ID"] = f"<{self.message_id}>"
        if self.in_reply_to:
            m["In-Reply-To"] = f"<{self.in_reply_to}>"
        if self.references:
            m["References"] = " ".join(f"<{r}>" for r in self.references)
        # RFC 3834: autoresponders must not answer; no mail loops with out-of-office replies
        # (Exchange ignores Auto-Submitted but honours X-Auto-Response-Suppress; X-Loop marks our own mail)
        m["Auto-Submitted"] = "auto-generated"
        m["X-Auto-Response-Suppress"] = "All"
        if addr:
            m["X-Loop"] = addr
        m["X-Tix-Ticket"] = self.ticket
        m["X-Tix-Notification"] = self.key
        m["Content-Language"] = self.language
        return m

    def to_json(self, with_body: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ticket": self.ticket, "key": self.key, "kind": self.kind, "to": list(self.to),
                               "subject": self.subject, "language": self.language, "message_id": self.message_id}
        if with_body:
            out["body"] = self.body
        return out


def address(text: str | None) -> str | None:
    """A plain, plausible recipient address, else None (no loops to daemons)."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    if not _ADDR.match(text):
        return None
    if text.split("@")[0].lower() in _NO_MAIL:
        return None
    return text


def sender_address(policy: Policy) -> str:
    from email.utils import parseaddr

    return parseaddr(policy.mail.sender)[1].lower()


def message_id(policy: Policy, tid: str, key: str) -> str:
    """Stable per notification: a resend after a crash carries the same
    Message-ID, so mail clients show it once; replies find the ticket by it."""
    domain = sender_address(policy).rpartition("@")[2] or "tix.invalid"
    return f"tix.{tid}.{hashlib.sha256(key.encode()).hexdigest()[:16]}@{domain}"


def sent_since(t: Ticket, since: datetime) -> dict[str, int]:
    """How many notification mails `t` sent to each address (lower case) from `since` on."""
    out: dict[str, int] = {}
    for e in t.events:
        if e.get("type") != "notified" or not isinstance(e.get("to"), list):
            continue
        try:
            if parse_stamp(e["at"]) < since:
                continue
        except (KeyError, ValueError):
            continue
        for a in e["to"]:
            if isinstance(a, str):
                out[a.lower()] = out.get(a.lower(), 0) + 1
    return out


def _ordered(t: Ticket) -> list[tuple[datetime, dict[str, Any]]]:
    out = []
    for i, ev in enumerate(t.events):
        try:
            out.append((parse_stamp(ev["at"]), i, ev))
        except (KeyError, ValueError):
            continue
    out.sort(key=lambda x: (x[0], x[1]))
    return [(at, ev) for at, _, ev in out]


def due(t: Ticket, policy: Policy, now: datetime, templates: Templates, *, max_age: int = MAX_AGE,
        pending: list[dict[str, Any]] | None = None) -> list[Outgoing]:
    """The notifications due for `t` now that it has not sent yet. `pending`:
    events about to be recorded (a dry run's escalations) counted as if they were."""
    from tix.app import templates as tpl_mod
    from tix.app.mail.parse import one_line
    from tix.core import sla as sla_mod
    from tix.core.language import customer_language

    if t.merged_into:
        return []
    horizon = now - timedelta(minutes=max_age)
    evs = _ordered(t)
    if pending:
        evs += [(parse_stamp(e["at"]), e) for e in pending]
    sent = t.notified
    out: list[Outgoing] = []
    own = sender_address(policy)

    # ------------------------------------------------ to the requester
    to = address(t.requester.get("email"))
    if to and to.lower() == own:
        to = None
    customer = to is not None and t.category != "problem" and not t.linked("child-of") \
        and not t.f("alert") and t.f("channel") not in ("monitoring", "backup-check")  # never mail a monitor
    lang = customer_language(t, policy)
    opened_mid = next((e.get("message_id") for _, e in evs if e["type"] == "opened" and e.get("message_id")), None)

    def customer_mail(kind: str, key: str, **extra: str | None) -> None:
        if key in sent:
            return
        tpl = templates.get(kind, lang)
        if tpl is None:
            return
        subject, body = tpl.render(tpl_mod.values(t, policy, tpl.lang, **extra))
        refs = [opened_mid] if opened_mid else []
        if key != "received" and "received" in sent:
            refs.append(message_id(policy, t.id, "received"))
        assert to is not None
        out.append(Outgoing(t.id, key, kind, (to,), one_line(t.requester.get("name") or "", 100),
                            _subject(t.id, subject), body, tpl.lang, message_id(policy, t.id, key),
                            refs[-1] if refs else None, tuple(refs)))

    if customer:
        if t.created >= horizon:
            customer_mail("received", "received")
        # the technician now in charge: the last change of assignee to a named person
        assignee, change = None, None
        for at, e in evs:
            if e["type"] == "assigned" and "to" in e:
                new = e["to"] or None
            elif e["type"] == "taken":
                new = e["by"]
            else:
                continue
            if new != assignee:
                assignee = new
                change = (at, e) if new else None
        if change and t.is_open and change[0] >= horizon:
            customer_mail("assigned", f"assigned:{change[1]['id']}", agent=assignee)
        for at, e in evs:
            if e["type"] != "commented" or e.get("internal") or t.is_requester(e) or at < horizon:
                continue
            customer_mail("comment", f"comment:{e['id']}", agent=e["by"], comment=e["text"])
        if t.status in ("resolved", "closed") and t.solution:
            last = next((x for x in reversed(evs) if x[1]["type"] == "resolved"), None)
            if last and last[0] >= horizon:
                customer_mail("resolved", f"resolved:{last[1]['id']}", solution=last[1]["solution"],
                              agent=last[1]["by"])
        plan = t.plan
        if plan and t.is_open:
            try:
                start = parse_stamp(plan["start"]).astimezone(policy.tz)
                end = parse_stamp(plan["end"]).astimezone(policy.tz)
                at = parse_stamp(plan["at"])
            except (KeyError, ValueError, TypeError):
                start = None
            if start is not None and start > now and at >= horizon:
                customer_mail("planned", f"planned:{plan['id']}", agent=plan.get("agent"),
                              when=tpl_mod.format_when(start, lang), end=tpl_mod.format_end(start, end, lang))

    # ------------------------------------------------ to the team
    team_lang = policy.default_language

    def team_mail(kind: str, key: str, to_team: str | None, **extra: str | None) -> None:
        if key in sent or not to_team or to_team not in policy.teams:
            return
        addr = address(policy.teams[to_team].email)
        tpl = templates.get(kind, team_lang)
        if not addr or tpl is None:
            return
        subject, body = tpl.render(tpl_mod.values(t, policy, tpl.lang, **extra))
        out.append(Outgoing(t.id, key, kind, (addr,), "", _subject(t.id, subject), body, tpl.lang,
                            message_id(policy, t.id, key)))

    for at, e in evs:
        if e["type"] == "escalated" and at >= horizon:
            team_mail("escalated", f"escalated:{e['id']}", e["to_team"], team=e["to_team"],
                      reason=e.get("reason"))
    if t.is_open:
        state = sla_mod.compute(t, policy, now)
        for clock in (state.response, state.resolve):
            if not clock.live or clock.due is None or clock.due < horizon:
                continue
            if clock.state not in ("breached", "at-risk"):
                continue
            team_mail(clock.state, f"{clock.state}:{clock.name}:r{t.reopens}", t.team,
                      clock=tpl_mod.clock_word(clock.name, team_lang),
                      due=tpl_mod.format_when(clock.due.astimezone(policy.tz), team_lang))
    return out


def _subject(tid: str, subject: str) -> str:
    from tix.app.mail.parse import one_line

    return one_line(f"[tix {tid}] {subject}", 250)
