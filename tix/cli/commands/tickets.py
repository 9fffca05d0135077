"""tix new."""

from __future__ import annotations

import re
import sys

import typer

from tix.cli.commands.common import AtOpt, check_agent, check_choice, check_tags, check_team, check_text_size, text_arg

_ADDR = re.compile(r"[A-Za-z0-9.!#$%&*+/=?^_`{}~'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def parse_requester(text: str | None, phone: str | None) -> dict | None:
    """'Jan de Vries <jan@contoso.com>' -> {name, email}; a bare address or a
    name alone works too. Anything that would be stored other than typed is
    refused: a name with control or bidi characters, `<`, `>` or `@` (as in
    `@SUM(1) <x@evil.com>`), an address that is not plain `local@domain`."""
    import unicodedata

    from tix.core.errors import BadInput

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


def edit_text(initial: str) -> str:
    import os
    import shlex
    import subprocess
    import sys
    import tempfile

    from tix.core.errors import BadInput

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        if not sys.stdin.isatty():
            raise BadInput("--edit: set $EDITOR (no terminal to run vi in); or give --title and -m")
        editor = "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write(initial)
        name = fh.name
    try:
        try:
            rc = subprocess.call([*shlex.split(editor), name])
        except OSError as err:
            raise BadInput(f"$EDITOR {editor!r} cannot be run ({err.strerror}); nothing was written") from None
        if rc != 0:
            raise BadInput(f"$EDITOR ({editor}) exited with {rc}; nothing was written")
        with open(name, encoding="utf-8") as fh:
            return check_text_size(fh.read(), "--edit")
    finally:
        os.unlink(name)


def new(
    title: str | None = typer.Option(None, "--title", "-t", help="One line that says what is wrong."),
    requester: str | None = typer.Option(None, "--requester", "-r", help="'Name <mail>' of who reported it."),
    phone: str | None = typer.Option(None, "--phone", help="The requester's phone number."),
    org: str | None = typer.Option(None, "--org", help="Customer organisation (a key of orgs in the policy)."),
    dept: str | None = typer.Option(None, "--dept", help="Department of the requester."),
    impact: int | None = typer.Option(None, "--impact", help="Impact factor from the policy matrix (1, 2, 4, 8)."),
    urgency: int | None = typer.Option(None, "--urgency", help="Urgency factor from the policy matrix (1, 2, 4, 8)."),
    team: str | None = typer.Option(None, "--team", help="Team that handles it (default from the policy)."),
    category: str = typer.Option("incident", "--category", help="incident, problem, change or request."),
    channel: str = typer.Option("phone", "--channel",
        help="phone, email, portal, monitoring, backup-check, project, sales, walk-in, other."),
    change_kind: str | None = typer.Option(None, "--change-kind", help="For changes: standard, normal or emergency."),
    due: str | None = typer.Option(None, "--due", help="The requester's wished due date."),
    agreed_due: str | None = typer.Option(None, "--agreed-due", help="The due date the coordinator agreed."),
    tag: list[str] = typer.Option([], "--tag", help="A free tag (repeatable)."),
    estimate: str | None = typer.Option(None, "--estimate", help="Expected work, e.g. 2h."),
    to: str | None = typer.Option(None, "--to", help="Assign to this agent right away."),
    message: str | None = typer.Option(None, "-m", "--message", help="Description; '-' reads standard input."),
    edit: bool = typer.Option(False, "--edit", help="Write title and description in $EDITOR."),
    similar: bool | None = typer.Option(None, "--similar/--no-similar",
                                           help="Show similar solved tickets on stderr (default: on desks of up "
                                                "to 2,000 tickets; bigger desks use `tix search`)."),
    at: str | None = AtOpt,
) -> None:
    """Open a ticket. Prints the new ID alone on the first line of output.

    Example:

      id=$(tix new --title "Order dept has no network" --org contoso --impact 4 --urgency 8 \\
           --requester "Jan de Vries <jan@contoso.com>" --channel phone -m "15 people cannot work")
    """
    from tix.cli.env import ctx_env
    from tix.core import events
    from tix.core.dates import parse_minutes, stamp
    from tix.core.errors import BadInput
    from tix.core.policy import CATEGORIES, CHANGE_KINDS, CHANNELS
    from tix.core.priority import check_factor, explain, rate
    from tix.core.workflow import check_org

    env = ctx_env()
    policy = env.policy
    if edit and message is not None:
        raise BadInput("-m and --edit: give the description one way, not both")
    description = text_arg(message, "-m")
    if edit:
        text = edit_text(f"{title or ''}\n\n{description or ''}\n# First line: title. Then the description.\n")
        lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            raise BadInput("--edit: the text is empty; nothing was written")
        title = lines[0].strip()
        description = "\n".join(lines[1:]).strip("\n") or None
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
        "due": stamp(env.when(due, what="--due")) if due else None,
        "agreed_due": stamp(env.when(agreed_due, what="--agreed-due")) if agreed_due else None,
        "tags": sorted(set(check_tags(tag))) or None,
        "estimate": parse_minutes(estimate, what="--estimate") if estimate else None,
        "description": description,
    }
    evs = [events.make("opened", env.user, when)]
    if to:
        evs.append(events.make("assigned", env.user, when, to=to))
    tid = env.store.create(header, evs, env.user)
    print(tid)
    sys.stdout.flush()
    r = rate(policy, imp, urg)
    print(f"{tid}: {explain(policy, r)}", file=sys.stderr)
    env.finish(f"tix new {tid}: {title}")
    from tix.cli.commands.knowledge import print_similar  # issue 9: similar past tickets, on stderr

    print_similar(env, tid, title, description, force=similar)
