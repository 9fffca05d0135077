"""Alert rules: mail from monitoring and backup systems -> a correlation key
and what to do with the ticket of that key. Pure: no disk, no clock.

A rule matches the sender, the subject and optionally one header and one body
line with regular expressions; their named groups (host, service, state, job,
...) fill the key. The group `state` says whether the mail opens (or appends
to) the key's ticket, resolves it, or is only information. `decide` turns a
match and what is known about the key into one action."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.core.policy import Policy

# Rules for the default mail formats, used when the policy has no `alerts:` key
# (and by `- use: NAME` entries). Written from each system's documented default
# notification text.
SHIPPED: dict[str, dict[str, Any]] = {
    # Nagios Core: notify-service-by-email / notify-host-by-email in commands.cfg
    "nagios-service": {
        "subject": r"^\*\* (?P<state>PROBLEM|RECOVERY|ACKNOWLEDGEMENT|FLAPPINGSTART|FLAPPINGSTOP|FLAPPINGDISABLED|"
                   r"DOWNTIMESTART|DOWNTIMEEND|DOWNTIMECANCELLED|CUSTOM) Service Alert: (?P<host>[^/]+)/"
                   r"(?P<service>.+?) is (?P<status>\w+) \*\*$",
        "key": "{host}/{service}", "open": ["PROBLEM"], "resolve": ["RECOVERY"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring"},
    "nagios-host": {
        "subject": r"^\*\* (?P<state>PROBLEM|RECOVERY|ACKNOWLEDGEMENT|FLAPPINGSTART|FLAPPINGSTOP|FLAPPINGDISABLED|"
                   r"DOWNTIMESTART|DOWNTIMEEND|DOWNTIMECANCELLED|CUSTOM) Host Alert: (?P<host>.+?) is "
                   r"(?P<status>\w+) \*\*$",
        "key": "{host}", "open": ["PROBLEM"], "resolve": ["RECOVERY"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring", "impact": 2},
    # Icinga 2: scripts/mail-service-notification.sh and mail-host-notification.sh
    "icinga2-service": {
        "subject": r"^\[(?P<state>PROBLEM|RECOVERY|ACKNOWLEDGEMENT|CUSTOM|FLAPPINGSTART|FLAPPINGEND|DOWNTIMESTART|"
                   r"DOWNTIMEEND|DOWNTIMEREMOVED)\] (?P<service>.+?) on (?P<host>\S+) is (?P<status>\w+)!$",
        "key": "{host}/{service}", "open": ["PROBLEM"], "resolve": ["RECOVERY"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring"},
    "icinga2-host": {
        "subject": r"^\[(?P<state>PROBLEM|RECOVERY|ACKNOWLEDGEMENT|CUSTOM|FLAPPINGSTART|FLAPPINGEND|DOWNTIMESTART|"
                   r"DOWNTIMEEND|DOWNTIMEREMOVED)\] Host (?P<host>\S+) is (?P<status>\w+)!$",
        "key": "{host}", "open": ["PROBLEM"], "resolve": ["RECOVERY"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring", "impact": 2},
    # Zabbix 5.0-7.x default media type messages ("Problem: ...", "Resolved in 1m 5s: ...", older "Resolved: ...")
    "zabbix": {
        "subject": r"^(?P<state>Problem|Resolved|Updated problem)(?: in [^:]+)?: (?P<problem>.+)$",
        "body": r"^Host: (?P<host>.+?)\s*$",
        "key": "{host}/{problem}", "open": ["Problem"], "resolve": ["Resolved"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring"},
    # Checkmk: the HTML mail plugin's default subjects, $EVENT_TXT$ like "OK -> CRIT"
    "checkmk-service": {
        "subject": r"^Check_MK: (?P<host>[^/\s]+)/(?P<service>.+) (?:(?P<from>OK|WARN|CRIT|UNKN|PEND) -> "
                   r"(?P<state>OK|WARN|CRIT|UNKN)|(?P<event>Started Flapping|Stopped Flapping|Acknowledged|"
                   r"Downtime \w+|Custom Notification))$",
        "key": "{host}/{service}", "open": ["WARN", "CRIT", "UNKN"], "resolve": ["OK"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring"},
    "checkmk-host": {
        "subject": r"^Check_MK: (?P<host>\S+) - (?:(?P<from>UP|DOWN|UNREACH|PEND) -> (?P<state>UP|DOWN|UNREACH)|"
                   r"(?P<event>Started Flapping|Stopped Flapping|Acknowledged|Downtime \w+|Custom Notification))$",
        "key": "{host}", "open": ["DOWN", "UNREACH"], "resolve": ["UP"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring", "impact": 2},
    # Uptime Kuma: the default subject is the notification message "[name] [🔴 Down] reason"
    "uptime-kuma": {
        "subject": r"^\[(?P<host>[^\]]+)\] \[(?:\S+ )?(?P<state>Down|Up)\]",
        "key": "{host}", "open": ["Down"], "resolve": ["Up"], "flap": "30m", "rate": "10m",
        "org": "hosts", "channel": "monitoring"},
    # Veeam Backup & Replication job report: "[%JobResult%] %JobName% (%ObjectCount% machines) %Issues%"
    "veeam": {
        "subject": r"^\[(?P<state>Success|Warning|Failed)\] (?P<job>.+?)(?: \(\d+ (?:VM|machine|object)s?\).*)?$",
        "key": "{job}", "open": ["Failed", "Warning"], "resolve": ["Success"], "rate": "1h",
        "org": "hosts", "channel": "backup-check", "title": "Backup {state}: {job}"},
}
SHIPPED_ORDER = tuple(SHIPPED)
_RULE_KEYS = {"name", "use", "from", "subject", "header", "body", "key", "open", "resolve", "flap", "rate",
              "expect_every", "expect_on", "org", "impact", "urgency", "team", "category", "channel", "title"}
EXPECT_ON = ("every-day", "business-days")


@dataclass(frozen=True)
class AlertRule:
    name: str
    key: str
    sender: re.Pattern[str] | None = None
    subject: re.Pattern[str] | None = None
    header: tuple[str, re.Pattern[str]] | None = None
    body: re.Pattern[str] | None = None
    open: tuple[str, ...] = ()
    resolve: tuple[str, ...] = ()
    flap: int = 0  # minutes
    rate: int = 0  # minutes: at most one event per key in this interval
    expect_every: int = 0  # minutes: silent longer than this opens a ticket
    expect_on: str = "every-day"
    org: str | None = None  # an org key, or "hosts"
    impact: int | None = None
    urgency: int | None = None
    team: str | None = None
    category: str = "incident"
    channel: str = "monitoring"
    title: str | None = None


@dataclass(frozen=True)
class Match:
    rule: AlertRule
    key: str
    state: str
    kind: str  # open | resolve | info
    groups: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str | None:
        return self.groups.get("host")


def parse_rules(v: Any, raw: Any, teams: dict[str, Any], orgs: dict[str, Any], axes: dict[str, dict[int, str]]
                ) -> tuple[AlertRule, ...]:
    """The policy's `alerts:` list (v: the policy loader's validator). Absent:
    the shipped rules; `[]`: none."""
    if raw is None:
        raw = [{"use": name} for name in SHIPPED_ORDER]
    if not isinstance(raw, list):
        raise v.fail("alerts: expected a list of rules", "alerts")
    rules: list[AlertRule] = []
    for i, r in enumerate(raw):
        r = v.mapping(r, _RULE_KEYS, "alerts", i)
        if "use" in r:
            base = SHIPPED.get(str(r["use"]))
            if base is None:
                raise v.fail(f"alerts[{i}].use: {r['use']!r} is not a shipped rule ({', '.join(SHIPPED_ORDER)})",
                             "alerts", i, "use")
            r = {**base, "name": str(r["use"]), **{k: val for k, val in r.items() if k != "use"}}
        if "name" not in r or "key" not in r or not ("subject" in r or "from" in r):
            raise v.fail(f"alerts[{i}]: a rule needs name, key and a subject or from pattern", "alerts", i)

        def rx(text: Any, *keys: Any, flags: int = 0, i: int = i) -> re.Pattern[str]:
            try:
                return re.compile(str(text), flags)
            except re.error as err:
                raise v.fail(f"alerts[{i}].{keys[-1]}: {text!r} is not a regular expression ({err})",
                             "alerts", i, *keys) from None

        header = None
        if r.get("header") is not None:
            h = r["header"]
            if not isinstance(h, dict) or len(h) != 1:
                raise v.fail(f"alerts[{i}].header: expected one header name and its pattern, like "
                             "{X-Monitor: '^prod'}", "alerts", i, "header")
            ((hname, hpat),) = h.items()
            header = (str(hname).lower(), rx(hpat, "header"))
        groups: set[str] = set()
        subject = rx(r["subject"], "subject") if r.get("subject") is not None else None
        body = rx(r["body"], "body", flags=re.MULTILINE) if r.get("body") is not None else None
        sender = rx(r["from"], "from", flags=re.IGNORECASE) if r.get("from") is not None else None
        for p in (subject, body, sender, header[1] if header else None):
            if p is not None:
                groups |= set(p.groupindex)
        key = str(r["key"])
        for name in re.findall(r"{(\w+)[^}]*}", key):
            if name not in groups:
                raise v.fail(f"alerts[{i}].key: {{{name}}} is not a named group of the rule's patterns "
                             f"({', '.join(sorted(groups)) or 'none'})", "alerts", i, "key")
        org = r.get("org")
        if org is not None and str(org) != "hosts" and orgs and str(org) not in orgs:
            raise v.fail(f"alerts[{i}].org: {org!r} is not an organisation or `hosts`", "alerts", i, "org")
        team = r.get("team")
        if team is not None and str(team) not in teams:
            raise v.fail(f"alerts[{i}].team: {team!r} is not a team ({', '.join(teams)})", "alerts", i, "team")
        factors = {}
        for axis in ("impact", "urgency"):
            val = r.get(axis)
            if val is not None and val not in axes[axis]:
                raise v.fail(f"alerts[{i}].{axis}: {val!r} is not in the matrix "
                             f"({', '.join(map(str, axes[axis]))})", "alerts", i, axis)
            factors[axis] = val
        expect_on = str(r.get("expect_on", "every-day"))
        if expect_on not in EXPECT_ON:
            raise v.fail(f"alerts[{i}].expect_on: {expect_on!r} is not one of {', '.join(EXPECT_ON)}",
                         "alerts", i, "expect_on")
        category = str(r.get("category", "incident"))
        from tix.core.policy import CATEGORIES, CHANNELS

        if category not in CATEGORIES:
            raise v.fail(f"alerts[{i}].category: {category!r} is not one of {', '.join(CATEGORIES)}",
                         "alerts", i, "category")
        channel = str(r.get("channel", "monitoring"))
        if channel not in CHANNELS:
            raise v.fail(f"alerts[{i}].channel: {channel!r} is not one of {', '.join(CHANNELS)}",
                         "alerts", i, "channel")
        rules.append(AlertRule(
            name=str(r["name"]), key=key, sender=sender, subject=subject, header=header, body=body,
            open=v.strings(r.get("open"), "alerts", i, "open"),
            resolve=v.strings(r.get("resolve"), "alerts", i, "resolve"),
            flap=v.minutes(r.get("flap", 0), "alerts", i, "flap"),
            rate=v.minutes(r.get("rate", 0), "alerts", i, "rate"),
            expect_every=v.minutes(r.get("expect_every", 0), "alerts", i, "expect_every"),
            expect_on=expect_on, org=str(org) if org is not None else None,
            impact=factors["impact"], urgency=factors["urgency"], team=str(team) if team else None,
            category=category, channel=channel, title=str(r["title"]) if r.get("title") else None))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise v.fail("alerts: two rules have the same name", "alerts")
    return tuple(rules)


class _Missing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, groups: dict[str, str]) -> str:
    try:
        return " ".join(template.format_map(_Missing(groups)).split())
    except (ValueError, IndexError, KeyError, AttributeError):
        return template


def match(rules: tuple[AlertRule, ...], sender: str, subject: str, headers: dict[str, list[str]], body: str
          ) -> Match | None:
    """The first rule that matches the mail, with its key and state."""
    for rule in rules:
        groups: dict[str, str] = {}
        if rule.sender is not None:
            m = rule.sender.search(sender)
            if not m:
                continue
            groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        if rule.subject is not None:
            m = rule.subject.search(subject)
            if not m:
                continue
            groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        if rule.header is not None:
            hname, hpat = rule.header
            hm = next((x for x in (hpat.search(h) for h in headers.get(hname, [])) if x), None)
            if hm is None:
                continue
            groups.update({k: v for k, v in hm.groupdict().items() if v is not None})
        if rule.body is not None:
            m = rule.body.search(body[:100_000])
            if not m:
                continue
            groups.update({k: v for k, v in m.groupdict().items() if v is not None})
        groups = {k: " ".join(v.split()) for k, v in groups.items()}
        key = fill(rule.key, groups)
        if not key:
            continue
        state = groups.get("state") or groups.get("event") or ""
        kind = "open" if state in rule.open else "resolve" if state in rule.resolve else "info"
        return Match(rule, key[:200], state, kind, groups)
    return None


def org_for_host(policy: Policy, host: str | None) -> str | None:
    """The organisation whose `hosts` patterns (shell wildcards, any case) match `host`."""
    if not host:
        return None
    h = host.lower()
    for o in policy.orgs.values():
        if any(fnmatch.fnmatchcase(h, p.lower()) for p in getattr(o, "hosts", ())):
            return o.key
    return None


def org_for(policy: Policy, m: Match) -> str | None:
    rule = m.rule
    if rule.org is None:
        return None
    if rule.org == "hosts":
        return org_for_host(policy, m.host) or org_for_host(policy, m.key)
    return rule.org


def title_for(m: Match, subject: str) -> str:
    if m.rule.title:
        t = fill(m.rule.title, {**m.groups, "key": m.key})
        if t:
            return t[:300]
    return (" ".join(subject.split()) or m.key)[:300]


@dataclass(frozen=True)
class Known:
    """What the desk knows about a key: its last ticket and when the key last wrote an event."""
    ticket: str | None = None
    is_open: bool = False
    resolved_at: datetime | None = None
    last_event: datetime | None = None  # the last event an alert wrote (for the rate cap)


def decide(m: Match, known: Known, now: datetime) -> str:
    """new | append | reopen | resolve | capped | log."""
    rule = m.rule
    if m.kind == "open":
        if known.ticket and known.is_open:
            if rule.rate and known.last_event and now - known.last_event < timedelta(minutes=rule.rate):
                return "capped"
            return "append"
        if (known.ticket and rule.flap and known.resolved_at is not None
                and timedelta(0) <= now - known.resolved_at <= timedelta(minutes=rule.flap)):
            return "reopen"
        return "new"
    if m.kind == "resolve":
        return "resolve" if known.ticket and known.is_open else "log"
    if known.ticket and known.is_open:
        if rule.rate and known.last_event and now - known.last_event < timedelta(minutes=rule.rate):
            return "capped"
        return "append"
    return "log"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def times_seen(events: list[dict[str, Any]]) -> int:
    """How often the problem was reported: the opening mail, each repeat and each capped one."""
    n = 1
    for e in events:
        if e["type"] == "alerted":
            n += 1 + int(e.get("suppressed", 0))
    return n


def silent_deadline(last_seen: datetime, minutes: int, business_days: bool, is_business_day: Any) -> datetime:
    """When a key that last reported at `last_seen` counts as silent. With
    `business_days`, the hours of weekends and holidays are not counted (a
    job that runs Monday to Friday is not missing on Saturday)."""
    if not business_days:
        return last_seen + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    t = last_seen
    for _ in range(3660):
        day_end = datetime.combine(t.date() + timedelta(days=1), datetime.min.time(), t.tzinfo)
        if is_business_day(t.date()):
            span = day_end - t
            if span >= left:
                return t + left
            left -= span
        t = day_end
    return t


def check_key(key: str) -> str:
    """A correlation key: one line of printable text, at most 200 characters."""
    from tix.core.errors import BadInput

    k = " ".join(key.split())
    if not k or len(k) > 200 or not key.isprintable():
        raise BadInput(f"--key {key!r}: expected one line of 1 to 200 printable characters")
    return k
