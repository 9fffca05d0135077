"""Mail templates (docs/mail.md, "Templates"):
the notifications `tix notify` sends and the canned answers of
`tix comment ID --template NAME`, in English, Dutch, German, Czech and
Norwegian, chosen by the organisation's `language` in the policy.

Files: `<desk>/templates/<lang>/<name>.txt` override the built-in defaults
in `tix/data/templates/<lang>/<name>.txt` (which `tix init` copies into the
desk). A notification template starts with a `Subject:` line and a blank
line; a canned answer is body only. Placeholders are a fixed list
(`PLACEHOLDERS`), written `{ticket.id}`; `{{` and `}}` are literal braces.
Every template is checked when the set is loaded, so an unknown placeholder
is refused with its file and line before any mail goes out, never while a
customer is waiting. Values are substituted as plain text; there is no
attribute access or formatting language to abuse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.core.errors import BadInput, TixError
from tix.core.language import MONTH_NAMES, WEEKDAY_NAMES, customer_language
from tix.core.policy import LANGUAGES  # en, nl, de, cs, no

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

# to the requester, in the customer's language
CUSTOMER_NOTIFICATIONS = ("received", "assigned", "comment", "resolved", "planned")
# to the team's address, in the desk's default language
TEAM_NOTIFICATIONS = ("escalated", "breached", "at-risk")
NOTIFICATIONS = CUSTOMER_NOTIFICATIONS + TEAM_NOTIFICATIONS
CANNED = ("need-info", "remote-session", "on-site-visit")  # the built-in canned answers

PLACEHOLDERS: dict[str, str] = {
    "ticket.id": "the ticket ID, e.g. AB-0042",
    "ticket.title": "the ticket's title",
    "ticket.status": "the status, in the template's language",
    "ticket.priority": "the priority name from the policy",
    "ticket.team": "the team handling it",
    "ticket.created": "when it was opened",
    "requester.name": "the requester's name (else the address)",
    "requester.email": "the requester's address",
    "org.name": "the customer's name from the policy",
    "agent": "the technician: assignee, author of the comment, planned agent, or who uses the canned answer",
    "solution": "the solution (resolved)",
    "comment": "the public comment (comment); the -m text (canned answers)",
    "when": "start of the planned visit, e.g. Tuesday 24 November 2026 at 10:00",
    "end": "end of the planned visit",
    "team": "the team escalated to (escalated)",
    "clock": "the SLA clock: response or resolution, in the template's language",
    "due": "when the SLA clock is or was due",
    "reason": "why it was escalated",
    "desk": "the desk's name (the display name of mail.from)",
}
# canned answers that use these refuse to render while they are empty
_REQUIRED = {"when": "the ticket has no planned visit (book one with `tix plan ID WHEN`)",
             "end": "the ticket has no planned visit (book one with `tix plan ID WHEN`)",
             "solution": "the ticket has no solution yet"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_TEMPLATE = 64 * 1024


@dataclass(frozen=True)
class Template:
    name: str
    lang: str
    path: str            # for messages: relative to the desk, or the built-in file
    subject: str | None  # notification templates only
    body: str
    fields: frozenset[str]

    def render(self, values: dict[str, str]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled."""
        subject = _fill(self.subject, values) if self.subject is not None else ""
        body = _fill(self.body, values)
        body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
        return subject, body


def _fill(text: str, values: dict[str, str]) -> str:
    from string import Formatter

    out = []
    for literal, name, _spec, _conv in Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def parse_template(text: str, path: str, name: str, lang: str) -> Template:
    """Check and split one template file; raises BadInput with file and line."""
    from string import Formatter

    fields: set[str] = set()
    lines = text.replace("\r\n", "\n").split("\n")
    for lineno, line in enumerate(lines, start=1):
        try:
            pieces = list(Formatter().parse(line))
        except ValueError as err:
            raise BadInput(f"{err} (write {{{{ and }}}} for a literal brace)", path=path, line=lineno) from None
        for _lit, field, spec, conv in pieces:
            if field is None:
                continue
            if field not in PLACEHOLDERS or spec or conv:
                shown = "{" + field + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
                raise BadInput(f"unknown placeholder {shown} (allowed: "
                               f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})", path=path, line=lineno)
            fields.add(field)
    subject = None
    body_lines = lines
    if lines and lines[0].lower().startswith("subject:"):
        subject = lines[0][len("subject:"):].strip()
        body_lines = lines[1:]
        if body_lines and body_lines[0].strip():
            raise BadInput("the Subject: line must be followed by an empty line", path=path, line=2)
        body_lines = body_lines[1:]
    if name in NOTIFICATIONS and subject is None:
        raise BadInput(f"a notification template ({name}) starts with a `Subject: ...` line", path=path, line=1)
    if name not in NOTIFICATIONS and subject is not None:
        raise BadInput(f"{name} is a canned answer (body only); only notification templates "
                       f"({', '.join(NOTIFICATIONS)}) have a Subject: line", path=path, line=1)
    body = "\n".join(body_lines)
    if not body.strip():
        raise BadInput("the template has no text", path=path, line=1)
    return Template(name, lang, path, subject, body, frozenset(fields))


def builtin_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "templates"


def _read_dir(base: Path, shown: str, out: dict[tuple[str, str], Template], strict: bool) -> None:
    if not base.is_dir():
        return
    if base.is_symlink():
        raise BadInput("is a symbolic link; tix does not follow links for templates", path=shown)
    for ldir in sorted(base.iterdir(), key=lambda p: p.name):
        if not ldir.is_dir():
            continue  # README and the like
        rel_l = f"{shown}/{ldir.name}"
        if ldir.name.startswith("."):
            continue
        if ldir.name not in LANGUAGES:
            if strict:
                raise BadInput(f"unknown language folder {ldir.name!r} (languages: {', '.join(LANGUAGES)})",
                               path=rel_l)
            continue
        if ldir.is_symlink():
            raise BadInput("is a symbolic link; tix does not follow links for templates", path=rel_l)
        for f in sorted(ldir.iterdir(), key=lambda p: p.name):
            if not f.name.endswith(".txt") or f.name.startswith("."):
                continue
            rel = f"{rel_l}/{f.name}"
            name = f.name[:-4]
            if not _NAME_RE.match(name):
                raise BadInput("a template name is lower-case letters, digits and dashes, like need-info.txt",
                               path=rel)
            if f.is_symlink() or not f.is_file():
                raise BadInput("is not a plain file (tix does not follow links for templates)", path=rel)
            try:
                data = f.read_bytes()
            except OSError as err:
                raise BadInput(f"cannot read: {err.strerror}", path=rel) from None
            if len(data) > MAX_TEMPLATE:
                raise BadInput(f"larger than {MAX_TEMPLATE // 1024} KB", path=rel)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise BadInput("not UTF-8 text", path=rel, line=data[: err.start].count(b"\n") + 1) from None
            out[(ldir.name, name)] = parse_template(text, rel, name, ldir.name)


@dataclass(frozen=True)
class Templates:
    by_key: dict[tuple[str, str], Template]   # (lang, name) -> template
    default_language: str

    def get(self, name: str, lang: str) -> Template | None:
        """The template in `lang`, else in the desk's default language, else English."""
        for lg in (lang, self.default_language, "en"):
            t = self.by_key.get((lg, name))
            if t is not None:
                return t
        return None

    def names(self) -> list[str]:
        return sorted({n for _, n in self.by_key})

    def canned(self) -> list[str]:
        return [n for n in self.names() if n not in NOTIFICATIONS]


def load_templates(root: Path, default_language: str = "en") -> Templates:
    """Every template, built-in then the desk's; the first bad one is refused
    (BadInput with file and line)."""
    out: dict[tuple[str, str], Template] = {}
    _read_dir(builtin_dir(), "tix/data/templates", out, strict=False)
    _read_dir(root / "templates", "templates", out, strict=True)
    return Templates(out, default_language)


def install_defaults(root: Path) -> bool:
    """Copy the built-in templates into `<desk>/templates/` when it is missing
    (`tix init`). Returns True when it copied them."""
    import shutil

    dest = root / "templates"
    if dest.exists() or dest.is_symlink():
        return False
    tmp = root / ".templates.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(builtin_dir(), tmp)
    tmp.rename(dest)
    return True


# ---------------------------------------------------------------- values

_STATUS = {
    "en": {"new": "new", "open": "in progress", "waiting": "waiting for your reply", "resolved": "resolved",
           "closed": "closed"},
    "nl": {"new": "nieuw", "open": "in behandeling", "waiting": "wacht op uw reactie", "resolved": "opgelost",
           "closed": "gesloten"},
    "de": {"new": "neu", "open": "in Bearbeitung", "waiting": "wartet auf Ihre Antwort", "resolved": "gelöst",
           "closed": "geschlossen"},
    "cs": {"new": "nový", "open": "v řešení", "waiting": "čeká na Vaši odpověď", "resolved": "vyřešený",
           "closed": "uzavřený"},
    "no": {"new": "ny", "open": "under behandling", "waiting": "venter på svar fra deg", "resolved": "løst",
           "closed": "lukket"},
}
_CLOCKS = {
    "en": {"response": "response", "resolve": "resolution"},
    "nl": {"response": "reactietijd", "resolve": "oplostijd"},
    "de": {"response": "Reaktionszeit", "resolve": "Lösungszeit"},
    "cs": {"response": "reakce", "resolve": "vyřešení"},
    "no": {"response": "responstid", "resolve": "løsningstid"},
}


def format_when(dt: datetime, lang: str) -> str:
    """A date and time as people write it in each language."""
    lang = lang if lang in WEEKDAY_NAMES else "en"
    wd, mon = WEEKDAY_NAMES[lang][dt.weekday()], MONTH_NAMES[lang][dt.month - 1]
    hm = f"{dt.hour:02d}:{dt.minute:02d}"
    return {
        "en": f"{wd} {dt.day} {mon} {dt.year} at {hm}",
        "nl": f"{wd} {dt.day} {mon} {dt.year} om {hm}",
        "de": f"{wd}, {dt.day}. {mon} {dt.year} um {hm} Uhr",
        "cs": f"{dt.day}. {mon} {dt.year} ({wd}) v {hm}",
        "no": f"{wd} {dt.day}. {mon} {dt.year} kl. {hm}",
    }[lang]


def format_end(start: datetime, end: datetime, lang: str) -> str:
    """The end of a slot: only the time when it ends the same day."""
    if end.date() == start.date():
        return f"{end.hour:02d}:{end.minute:02d}" + (" Uhr" if lang == "de" else "")
    return format_when(end, lang)


def status_word(status: str, lang: str) -> str:
    return _STATUS.get(lang, _STATUS["en"]).get(status, status)


def clock_word(clock: str, lang: str) -> str:
    return _CLOCKS.get(lang, _CLOCKS["en"]).get(clock, clock)


def desk_name(policy: Policy) -> str:
    from email.utils import parseaddr

    name, addr = parseaddr(policy.mail.sender)
    return name or addr or "Servicedesk"


def values(ticket: Ticket, policy: Policy, lang: str, **extra: str | None) -> dict[str, str]:
    """The placeholder values for a ticket (plain strings, never objects)."""
    from tix.app.mail.parse import one_line
    from tix.core.priority import rate

    req = ticket.requester
    org = policy.orgs.get(ticket.org or "")
    try:
        priority = rate(policy, ticket.impact, ticket.urgency).name
    except TixError:  # a score no priority covers: the policy check names it
        priority = ""
    out = {
        "ticket.id": ticket.id,
        "ticket.title": one_line(ticket.title),
        "ticket.status": status_word(ticket.status, lang),
        "ticket.priority": priority,
        "ticket.team": ticket.team or "",
        "ticket.created": format_when(ticket.created.astimezone(policy.tz), lang),
        "requester.name": one_line(req.get("name") or req.get("email") or "", 100),
        "requester.email": one_line(req.get("email") or "", 300),
        "org.name": org.name if org else (ticket.org or ""),
        "desk": desk_name(policy),
    }
    for k, v in extra.items():
        out[k] = v or ""
    return out


def render_canned(env: Any, ticket: Ticket, name: str, extra: str | None = None) -> str:
    """The text of canned answer `name` for `ticket`, in the customer's
    language, for `tix comment ID --template NAME [-m EXTRA]`. `extra` fills
    `{comment}`; a template without `{comment}` gets it appended."""
    from tix.core.dates import parse_stamp

    policy = env.policy
    ts = load_templates(env.root, policy.default_language)
    if name in NOTIFICATIONS:
        raise BadInput(f"--template {name}: that is a notification `tix notify` sends; canned answers: "
                       f"{', '.join(ts.canned()) or 'none'}")
    lang = customer_language(ticket, policy)
    tpl = ts.get(name, lang)
    if tpl is None:
        raise BadInput(f"--template {name!r}: no such canned answer in templates/ "
                       f"(available: {', '.join(ts.canned()) or 'none'})")
    when = end = None
    plan = ticket.plan
    if plan:
        try:
            start_dt = parse_stamp(plan["start"]).astimezone(policy.tz)
            end_dt = parse_stamp(plan["end"]).astimezone(policy.tz)
            when, end = format_when(start_dt, lang), format_end(start_dt, end_dt, lang)
        except (KeyError, ValueError, TypeError):
            pass
    vals = values(ticket, policy, tpl.lang, agent=env.user, comment=(extra or "").strip(), when=when, end=end,
                  solution=ticket.solution)
    for field in sorted(tpl.fields):
        if field in _REQUIRED and not vals.get(field):
            raise BadInput(f"--template {name}: uses {{{field}}}, but {_REQUIRED[field]}")
    _, body = tpl.render(vals)
    if extra and extra.strip() and "comment" not in tpl.fields:
        body = body.rstrip("\n") + "\n\n" + extra.strip() + "\n"
    return body.rstrip("\n")
