"""Opening a ticket and changing its intake fields, as use cases: the values
as typed (already read from standard input or an editor by the command),
checked against the policy, turned into events."""

from __future__ import annotations

import re
from typing import Any

from tix.core.errors import BadInput

_ADDR = re.compile(r"[A-Za-z0-9.!#$%&*+/=?^_`{}~'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def parse_requester(text: str | None, phone: str | None) -> dict | None:
    """'Jan de Vries <jan@contoso.com>' -> {name, email}; a bare address or a
    name alone works too. Anything that would be stored other than typed is
    refused: a name with control or bidi characters, `<`, `>` or `@` (as in
    `@SUM(1) <x@evil.com>`), an address that is not plain `local@domain`."""
    import unicodedata

    if text is None and phone is None:
        return None
    out: dict[str, str] = {}
    shape = "expected 'Name <mail@example.com>', a bare address or a name"
    if text:
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in text):
            raise BadInput(f"--requester {text!r}: control, line-break or bidi characters are not allowed; {shape}")
        s = " ".join(text.split())
        m = re.fullmatch(r"(.*?)\s*<([^<>]*)>", s)
        if m:
            name, addr = m.group(1).strip(), m.group(2).strip()
            if len(name) >= 2 and name[0] == name[-1] == '"':
                name = name[1:-1].strip()
        elif "@" in s and " " not in s:
            name, addr = "", s
        else:
            name, addr = s, ""
        if any(c in name for c in '<>@"'):
            raise BadInput(f"--requester {text!r}: the name may not hold <, >, @ or quotes; {shape}")
        if (m or addr) and not _ADDR.fullmatch(addr):
            raise BadInput(f"--requester {text!r}: {addr!r} is not a mail address like jan@contoso.com; {shape}")
        if name:
            out["name"] = name
        if addr:
            out["email"] = addr.lower()
    if phone:
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in phone) or not phone.strip():
            raise BadInput(f"--phone {phone!r}: expected a phone number on one line")
        out["phone"] = phone.strip()
    return out




def title_from_edit(text: str) -> tuple[str, str | None]:
    """The text written in $EDITOR: first line the title, then the description."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise BadInput("--edit: the text is empty; nothing was written")
    return lines[0].strip(), "\n".join(lines[1:]).strip("\n") or None


def open_ticket(env: Any, *, title: str | None, requester: str | None, phone: str | None, org: str | None,
                dept: str | None, impact: int | None, urgency: int | None, team: str | None, category: str,
                channel: str, change_kind: str | None, due: str | None, agreed_due: str | None, tags: list[str],
                estimate: str | None, to: str | None, description: str | None, at: str | None,
                key: str | None = None, **_: Any) -> tuple[str, str, Any, bool]:
    """Check the intake against the policy and create the ticket. Returns its
    ID, the title as stored, its rating, and whether it is new (False: `key`
    named an open ticket, which the report was added to). Nothing is written
    on bad input."""
    from tix.core import events
    from tix.core.checks import check_choice, check_tags
    from tix.core.dates import parse_minutes, stamp
    from tix.core.policy import CATEGORIES, CHANGE_KINDS, CHANNELS
    from tix.core.priority import check_factor, rate
    from tix.core.workflow import check_agent, check_org, check_team

    policy = env.policy
    if not title or not title.strip():
        raise BadInput("--title: a ticket needs a title")
    title = " ".join(title.split())
    if len(title) > 300:
        raise BadInput("--title: at most 300 characters")
    check_choice(category, CATEGORIES, "--category")
    check_choice(channel, CHANNELS, "--channel")
    check_choice(change_kind, CHANGE_KINDS, "--change-kind")
    if change_kind and category != "change":
        raise BadInput("--change-kind: only for --category change")
    if category == "change" and not change_kind:
        change_kind = "normal"
    imp = check_factor(policy, "impact", impact) if impact is not None else policy.default_impact
    urg = check_factor(policy, "urgency", urgency) if urgency is not None else policy.default_urgency
    check_team(policy, team)
    check_agent(policy, to)
    check_org(policy, org)
    req = parse_requester(requester, phone)
    when = env.event_time(at)
    header = {
        "title": title,
        "requester": req,
        "org": org,
        "dept": dept,
        "channel": channel,
        "category": category,
        "change_kind": change_kind,
        "impact": imp,
        "urgency": urg,
        "team": team or policy.default_team,
        "due": stamp(env.when_required(due, what="--due")) if due else None,
        "agreed_due": stamp(env.when_required(agreed_due, what="--agreed-due")) if agreed_due else None,
        "tags": sorted(set(check_tags(tags))) or None,
        "estimate": parse_minutes(estimate, what="--estimate") if estimate else None,
        "description": description,
    }
    evs = [events.make(env.ids, "opened", env.user, when)]
    if to:
        evs.append(events.make(env.ids, "assigned", env.user, when, to=to))
    if key is not None:
        from tix.app.alerts import new_or_append
        from tix.core.alerts import check_key

        tid, created = new_or_append(env.store, check_key(key), header, evs, env.user, when, description, env.ids)
        return tid, title, rate(policy, imp, urg), created
    tid = env.store.create(header, evs, env.user)
    return tid, title, recorded_rating(rate(policy, imp, urg), evs[0].get("terms")), True


def recorded_rating(r: Any, terms: Any) -> Any:
    """The rating with the priority and targets recorded on the ticket (its
    contract's), when they differ from the desk's."""
    if not isinstance(terms, dict) or terms.get("priority") in (None, r.name):
        return r
    from dataclasses import replace

    try:
        rule = replace(r.rule, name=str(terms["priority"]), response=int(terms["response"]),
                       resolve=int(terms["resolve"]), escalate=int(terms["escalate"]), clock=str(terms["clock"]))
    except (KeyError, TypeError, ValueError):
        return r
    return replace(r, rule=rule)


TEXT_FIELDS = ("description", "rollback", "root_cause", "workaround")  # read by the command (`-` is stdin)


def field_changes(env: Any, t: Any, *, impact: int | None = None, urgency: int | None = None,
                  category: str | None = None, channel: str | None = None, change_kind: str | None = None,
                  title: str | None = None, description: str | None = None, org: str | None = None,
                  dept: str | None = None, requester: str | None = None, phone: str | None = None,
                  due: str | None = None, agreed_due: str | None = None, tag: list[str] | None = None,
                  untag: list[str] | None = None, estimate: str | None = None, risk: str | None = None,
                  rollback: str | None = None, window_start: str | None = None, window_end: str | None = None,
                  root_cause: str | None = None, workaround: str | None = None,
                  standard_solution: bool | None = None, **_: Any) -> dict[str, Any]:
    """The intake fields of `t` that change (`tix set`), checked against the
    policy; refused when nothing would change."""
    from tix.core.checks import check_choice, check_tags
    from tix.core.dates import parse_minutes, stamp
    from tix.core.policy import CATEGORIES, CHANGE_KINDS, CHANNELS
    from tix.core.priority import check_factor
    from tix.core.workflow import check_org

    p = env.policy
    f: dict[str, Any] = {}
    if impact is not None:
        f["impact"] = check_factor(p, "impact", impact)
    if urgency is not None:
        f["urgency"] = check_factor(p, "urgency", urgency)
    if category is not None:
        f["category"] = check_choice(category, CATEGORIES, "--category")
    if channel is not None:
        f["channel"] = check_choice(channel, CHANNELS, "--channel")
    if change_kind is not None:
        f["change_kind"] = check_choice(change_kind, CHANGE_KINDS, "--change-kind")
        if (category or t.category) != "change":
            raise BadInput("--change-kind: only for changes (--category change)")
    if title is not None:
        if not title.strip():
            raise BadInput("--title: cannot be empty")
        f["title"] = " ".join(title.split())
    if description is not None:
        f["description"] = description
    if org is not None:
        f["org"] = check_org(p, org)
    if dept is not None:
        f["dept"] = dept
    if requester is not None or phone is not None:
        req = dict(t.requester)
        req.update(parse_requester(requester, phone) or {})
        f["requester"] = req
    for key, val in (("due", due), ("agreed_due", agreed_due), ("window_start", window_start),
                     ("window_end", window_end)):
        if val is not None:
            f[key] = stamp(env.when(val, what="--" + key.replace("_", "-"))) if val else ""
    if tag or untag:
        tags = (set(t.f("tags") or []) | set(check_tags(tag or []))) - set(untag or [])
        f["tags"] = sorted(tags)
    if estimate is not None:
        f["estimate"] = parse_minutes(estimate, what="--estimate")
    if risk is not None:
        f["risk"] = check_choice(risk, ("low", "medium", "high"), "--risk")
    for key, val in (("rollback", rollback), ("root_cause", root_cause), ("workaround", workaround)):
        if val is not None:
            f[key] = val
    if standard_solution is not None:
        f["standard_solution"] = standard_solution
    if "window_start" in f or "window_end" in f:
        ws, we = f.get("window_start", t.f("window_start")), f.get("window_end", t.f("window_end"))
        if ws and we and we <= ws and env.when(we) <= env.when(ws):
            raise BadInput("--window-end: must be after --window-start")
    f = {k: v for k, v in f.items() if t.f(k) != v}
    if not f:
        raise BadInput("set: nothing to change (the values given are the current ones)")
    return f
