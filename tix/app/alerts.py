"""Alerts: mail from monitoring and backup systems into one ticket per key,
`tix new --key` from scripts, and the check for keys that went silent.

The key's ticket is found through the clone's key map (tix.storage.keys),
never by scanning the desk; one writer at a time holds the key lock, so two
imports running at once still open one ticket per key."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tix.core.dates import parse_stamp, stamp

if TYPE_CHECKING:
    from tix.app.mail.importer import Importer, Outcome
    from tix.app.mail.parse import Parsed
    from tix.core.alerts import Match
    from tix.core.ids import IdSource
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
    from tix.storage.store import Store

MISSING = "missing:"  # key prefix of the ticket opened for a silent key


def _headers(raw: bytes) -> dict[str, list[str]]:
    from email.parser import BytesHeaderParser

    from tix.app.mail.parse import MAIL_ERRORS

    try:
        msg = BytesHeaderParser().parsebytes(raw)
    except MAIL_ERRORS:
        return {}
    out: dict[str, list[str]] = {}
    for k, v in msg.items():
        out.setdefault(k.lower(), []).append(" ".join(str(v).split()))
    return out


def _hhmm(t: datetime, policy: Policy) -> str:
    return t.astimezone(policy.tz).strftime("%H:%M")


def _known(t: Ticket | None, seen: dict[str, Any]) -> Any:
    from tix.core.alerts import Known

    last = seen.get("last_event")
    return Known(ticket=t.id if t else None, is_open=bool(t and t.is_open),
                 resolved_at=t.resolved_at if t else None,
                 last_event=parse_stamp(last) if isinstance(last, str) else None)


def from_mail(imp: Importer, p: Parsed, out: Outcome) -> Outcome | None:
    """Apply an alert mail; None if no alert rule matches it."""
    from tix.core.alerts import match

    m = match(imp.policy.alerts, p.sender, p.subject or "", _headers(imp.raw), p.body or "")
    if m is None:
        return None
    if imp.dry_run:
        out.action, out.detail = "alert", f"alert {m.rule.name}: {m.state or 'report'} for {m.key}"
        return out
    from tix.storage.keys import KeyMap, Seen, locked

    with locked(imp.store):
        return _apply(imp, p, out, m, KeyMap(imp.store), Seen(imp.store), _sent_at(imp))


def _sent_at(imp: Importer) -> datetime:
    """When the monitoring system sent the alert (its Date header), if that is
    within the last two days and not in the future; else the import time."""
    from datetime import timedelta
    from email.utils import parsedate_to_datetime

    date = _headers(imp.raw).get("date")
    try:
        at = parsedate_to_datetime(date[0]) if date else None
    except (TypeError, ValueError, IndexError):
        at = None
    if at is None or at.tzinfo is None or not imp.now - timedelta(days=2) <= at <= imp.now:
        return imp.now
    return at.astimezone(imp.policy.tz).replace(microsecond=0)


def _apply(imp: Importer, p: Parsed, out: Outcome, m: Match, km: Any, seen: Any, now: datetime) -> Outcome:
    from tix.core import events
    from tix.core.alerts import decide, ordinal, org_for, times_seen, title_for

    store, policy = imp.store, imp.policy
    rule, key = m.rule, m.key
    info = seen.get(key)
    t = km.get(key)
    action = decide(m, _known(t, info), now)
    seen.update(key, seen=stamp(now), rule=rule.name, state=m.state or None)
    returned = _report_returned(store, policy, km, key, now, p.sender, imp.ids)
    subject = " ".join((p.subject or "").split())
    when = _hhmm(now, policy)
    out.ticket = t.id if t else None
    if action == "new":
        org = org_for(policy, m)
        header: dict[str, Any] = {
            "title": title_for(m, subject),
            "requester": {"name": p.sender_name or rule.name, "email": p.sender},
            "org": org, "channel": rule.channel, "category": rule.category,
            "impact": rule.impact or policy.default_impact, "urgency": rule.urgency or policy.default_urgency,
            "team": rule.team or policy.default_team, "key": key, "alert": rule.name,
            "tags": [f"host:{m.host}"[:60]] if m.host and _tag_ok(m.host) else None,
            "description": (p.body or "").strip()[:20_000] or None,
        }
        opened = events.make(imp.ids, "opened", p.sender, now, message_id=p.message_id)
        tid = store.create(header, [opened], imp.user)
        km.put(store.ticket(tid))
        seen.update(key, last_event=stamp(now), suppressed=None)
        out.action, out.ticket = "created", tid
        out.detail = f"alert {rule.name}: new ticket for {key}" + (f" ({org})" if org else "")
    elif action in ("append", "reopen"):
        assert t is not None
        n = times_seen(t.events) + 1 + int(info.get("suppressed", 0))
        held = int(info.get("suppressed", 0))
        evs = []
        if action == "reopen":
            evs.append(events.make(imp.ids, "reopened", p.sender, now,
                                   reason=f"{m.state} again at {when}, within {rule.flap} minutes of the recovery "
                                          f"(flapping)"))
        text = f"again at {when}, {ordinal(n)} time: {subject}" if m.kind == "open" else f"{when}: {subject}"
        evs.append(events.make(imp.ids, "alerted", p.sender, now, state=m.state or "report", text=text[:2000],
                               rule=rule.name, suppressed=held or None, message_id=p.message_id))
        store.append(t.id, evs)
        km.put(store.ticket(t.id))
        seen.update(key, last_event=stamp(now), suppressed=None)
        out.action, out.ticket = "commented", t.id
        out.detail = (f"alert {rule.name}: {key} reopened (flapping)" if action == "reopen"
                      else f"alert {rule.name}: {key} {m.state or 'report'} again ({ordinal(n)} time)")
    elif action == "resolve":
        assert t is not None
        solution = f"Recovered: {m.state} at {when} ({subject})"[:2000]
        ev = events.make(imp.ids, "resolved", p.sender, now, solution=solution, message_id=p.message_id)
        store.append(t.id, [ev])
        km.put(store.ticket(t.id))
        seen.update(key, last_event=None, suppressed=None)
        out.action, out.ticket = "commented", t.id
        out.detail = f"alert {rule.name}: {key} recovered, ticket resolved"
    elif action == "capped":
        seen.update(key, suppressed=int(info.get("suppressed", 0)) + 1)
        out.action = "ignored"
        out.detail = (f"alert {rule.name}: {key} again within the rate cap of {rule.rate} minutes "
                      f"(counted on {t.id if t else '-'})")
    else:
        out.action = "ignored"
        what = "recovery" if m.kind == "resolve" else (m.state or "report")
        out.detail = f"alert {rule.name}: {what} for {key}, no open ticket (logged only)"
    if returned:
        out.detail += f"; the missing report ticket {returned} was resolved"
    seen.save()
    if out.ticket and out.action in ("created", "commented"):
        imp.seen[p.message_id] = out.ticket
    return out


def _tag_ok(host: str) -> bool:
    import re

    return bool(re.fullmatch(r"[A-Za-z0-9_.:-]{1,50}", host))


def _report_returned(store: Store, policy: Policy, km: Any, key: str, now: datetime, by: str,
                     ids: IdSource) -> str | None:
    """A report came for a key that had gone silent: resolve the silence ticket."""
    from tix.core import events

    t = km.get(MISSING + key)
    if t is None or not t.is_open:
        return None
    store.append(t.id, [events.make(ids, "resolved", by, now,
                                    solution=f"The report came in again at {_hhmm(now, policy)}.")])
    km.put(store.ticket(t.id))
    return t.id


# ---------------------------------------------------------------- silent keys

def check_silent(store: Store, policy: Policy, now: datetime, user: str, ids: IdSource) -> list[dict[str, Any]]:
    """Open one ticket per key whose rule expects a report every N hours and
    that has been silent longer (weekends and holidays not counted for rules
    with `expect_on: business-days`). Returns what was done, per key."""
    from tix.core import events
    from tix.core.alerts import org_for_host, silent_deadline
    from tix.storage.keys import KeyMap, Seen, locked

    rules = {r.name: r for r in policy.alerts if r.expect_every}
    if not rules:
        return []
    from tix.core.recurrence import business_day_test

    business = business_day_test(policy)
    out = []
    with locked(store):
        seen, km = Seen(store), KeyMap(store)
        for key in sorted(seen.data):
            info = seen.get(key)
            rule = rules.get(str(info.get("rule")))
            last = info.get("seen")
            if rule is None or not isinstance(last, str):
                continue
            last_at = parse_stamp(last).astimezone(policy.tz)
            deadline = silent_deadline(last_at, rule.expect_every, rule.expect_on == "business-days", business)
            if now < deadline:
                continue
            t = km.get(MISSING + key)
            if t is not None and (t.is_open or (t.created >= last_at)):
                out.append({"key": key, "action": "open already" if t.is_open else "reported", "ticket": t.id,
                            "silent_since": last})
                continue
            org = rule.org if rule.org not in (None, "hosts") else org_for_host(policy, key)
            hours_silent = int((now - last_at).total_seconds() // 3600)
            header = {
                "title": f"No report from {key} since {last_at.strftime('%a %Y-%m-%d %H:%M')}"[:300],
                "org": org, "channel": "backup-check" if rule.channel == "backup-check" else "monitoring",
                "category": rule.category, "impact": rule.impact or policy.default_impact,
                "urgency": rule.urgency or policy.default_urgency, "team": rule.team or policy.default_team,
                "key": MISSING + key, "alert": rule.name,
                "description": (f"The rule {rule.name} expects a report from {key} every "
                                f"{rule.expect_every // 60}h{rule.expect_every % 60:02}; the last one came "
                                f"{last_at.isoformat()} ({hours_silent} hours ago)."),
            }
            tid = store.create(header, [events.make(ids, "opened", user, now)], user)
            km.put(store.ticket(tid))
            out.append({"key": key, "action": "opened", "ticket": tid, "silent_since": last})
    return out


# ---------------------------------------------------------------- tix new --key

def keyed_ticket(store: Store, key: str) -> Ticket | None:
    """The open ticket with this key, or None (through the key map)."""
    from tix.storage.keys import KeyMap

    t = KeyMap(store).get(key)
    return t if t is not None and t.is_open else None


def new_or_append(store: Store, key: str, header: dict[str, Any], first: list[dict[str, Any]], user: str,
                  now: datetime, note: str | None, ids: IdSource) -> tuple[str, bool]:
    """(ID, created): open a ticket with `key`, or append a note to the open one."""
    from tix.core import events
    from tix.storage.keys import KeyMap, locked

    with locked(store):
        km = KeyMap(store)
        t = km.get(key)
        if t is not None and t.is_open:
            from tix.core.alerts import ordinal, times_seen

            n = times_seen(t.events) + 1
            text = f"again at {now.strftime('%H:%M')}, {ordinal(n)} time: {header.get('title')}"
            if note:
                text += f"\n{note}"
            store.append(t.id, [events.make(ids, "alerted", user, now, state="again", text=text[:4000])])
            km.put(store.ticket(t.id))
            return t.id, False
        tid = store.create({**header, "key": key}, first, user)
        km.put(store.ticket(tid))
        return tid, True
