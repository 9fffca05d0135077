"""tix mail import (mail -> tickets) and tix mail templates (check the templates)."""

from __future__ import annotations

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import FormatOpt

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Mail into the desk: import messages as tickets and replies; check the mail templates.")


@app.command("import")
def import_(
    sources: list[str] | None = typer.Argument(None, metavar="SOURCE...",
                                                  help=".eml files, a directory of them, an mbox, a Maildir, "
                                                       "or - for one message on standard input."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would happen; write and move nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but problems (for cron and MDAs)."),
    format: str = FormatOpt,
) -> None:
    """Import mail: a new message opens a ticket (requester from From,
    organisation from the sender's domain, title from the subject); a reply
    with [tix AB-0042] in the subject, or answering a mail of the ticket,
    becomes a public comment from the requester when it comes from an
    address on the ticket (the requester, the To/Cc of the first mail,
    `tix mail cc`; or the organisation's domains with orgs.X.mail_trust:
    domains); from anyone else it is an internal note "from an unknown
    sender" until `tix mail accept`. Attachments go to attachments/<ID>/.
    A message imported before (same Message-ID) is skipped, so running it
    again is safe.

    Automatic mail (auto-replies, bounces, mailing lists) never opens or
    reopens a ticket. Mail marked as spam (X-Spam-Flag: YES) is set aside:
    a Maildir's .tix-spam folder, <desk>/mail-spam/ for standard input and
    mbox, counted in the summary.

    A message that cannot be imported is reported on stderr and moved aside
    (a Maildir's .tix-failed folder; <desk>/mail-failed/ for standard input
    and mbox); the others are imported, and the exit code is 2. In a Maildir,
    imported messages are marked as seen and not read again.

    Examples:

      tix mail import ~/Maildir

      tix mail import message.eml saved/*.eml

      fetchmail --mda "tix -C /srv/desk mail import -q -"
    """
    import sys

    from tix.app.mail.importer import Importer, check_source, import_sources
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    if not sources:
        raise BadInput("tix mail import: give .eml files, an mbox, a Maildir, or - for standard input")
    if sources.count("-") > 1:
        raise BadInput("tix mail import: standard input (-) can be read only once")
    kinds = [(check_source(s), s) for s in sources]   # all checked before anything is written
    store, policy = env.store, env.policy
    imp = Importer(store, policy, env.now, env.user, ids=env.ids, dry_run=dry_run)
    if dry_run:
        results = import_sources(imp, kinds, sys.stdin)
    else:
        with store._lock("mail-import.lock"):  # two MDAs delivering at once must not both open the ticket
            try:
                results = import_sources(imp, kinds, sys.stdin)
            finally:  # what was imported before a disk error is committed too (git.autocommit)
                env.finish("tix mail import")
    _print(results, format, quiet, dry_run)
    for r in results:  # problems of the desk met on the way: the message itself was imported
        if r.warning:
            warn(f"warning: {r.source}: {r.warning}")
    lines = [f"{r.source}: not imported: {r.detail}" + (f"; moved to {r.moved_to}" if r.moved_to else "")
             for r in results if r.action == "failed"]
    if lines:  # one line each on stderr, exit 2 (the others were imported)
        for line in lines[:-1]:
            warn(line)
        raise BadInput(lines[-1])


def _print(results, format: str, quiet: bool, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    from tix.render import table as render

    if format == "json":
        print(render.to_json([r.to_json() for r in results]))
        return
    headers = ["source", "action", "ticket", "from", "subject", "attachments", "detail"]
    rows = [[r.source, r.action, r.ticket, r.sender, r.subject, r.attachments,
             r.detail + (f"; refused: {'; '.join(r.refused)}" if r.refused else "")] for r in results]
    if format == "csv":
        print(render.to_csv(rows, headers), end="")
        return
    if quiet:
        return
    for r in results:
        if r.action == "failed":
            continue
        who = r.sender or "?"
        subject = f' "{r.subject}"' if r.subject else ""
        att = f" ({r.attachments} attachment{'s' if r.attachments != 1 else ''})" if r.attachments else ""
        refused = f" [refused: {'; '.join(r.refused)}]" if r.refused else ""
        if r.action == "created":
            print(f"{r.ticket or '(new)'}: {r.detail} from {who}:{subject}{att}{refused}")
        elif r.action == "commented":
            print(f"{r.ticket}: {r.detail}{att}{refused}")
        else:
            print(f"{r.ticket or '-'}: {r.action}: {r.detail} ({r.source})")
    spam = [r for r in results if r.action == "spam"]
    if spam:
        where = sorted({(r.moved_to.rsplit("/", 1)[0] + "/") if r.moved_to else "left where it is" for r in spam})
        print(f"{len(spam)} message{'s' if len(spam) != 1 else ''} {'would be ' if dry_run else ''}set aside as "
              f"spam ({', '.join(where)})")


@app.command("accept")
def accept_(
    id: str = typer.Argument(..., metavar="ID", help="The ticket."),
    event: str = typer.Argument(..., metavar="EVENT", help="The id of the note (from the note or the import)."),
    cc: bool = typer.Option(False, "--cc", help="Also put the sender on the ticket: their later mail counts "
                                                "as the requester's."),
) -> None:
    """Accept mail from an unknown sender as the requester's reply. Mail
    into a ticket from an address that is not on it (not the requester, not
    in the first mail's To/Cc, not added with `tix mail cc`) is kept as an
    internal note; this turns it into a public comment, lists its
    attachments on the ticket and, if the ticket was waiting, sets it open.
    It never records feedback (only the requester's own mail does).

    Example: tix mail accept AB-0042 01JDQ3Z8XK --cc
    """
    from tix.app.mail.importer import accept
    from tix.cli.env import ctx_env

    env = ctx_env()
    t = env.store.ticket(env.store.resolve_id(id))
    new, note = accept(t, event, env.user, env.event_time(None), env.ids, add_cc=cc)
    env.store.append(t.id, new)
    env.finish(f"tix mail accept {t.id} {note['id']}")
    print(f"{t.id}: the mail from {note['by']} is now a reply from the requester"
          + (f"; {note['by']} is on the ticket" if cc else ""))


@app.command("cc")
def cc_(
    id: str = typer.Argument(..., metavar="ID", help="The ticket."),
    add: list[str] | None = typer.Argument(None, metavar="[ADDRESS...]", help="Addresses to put on the ticket."),
    remove: list[str] = typer.Option([], "--remove", help="Take this address off the ticket (repeatable)."),
) -> None:
    """The addresses on a ticket besides the requester: their mail into the
    ticket counts as the requester's (a public comment). The To and Cc of
    the mail that opened a ticket are on it from the start. Without
    addresses, lists them.

    Examples:

      tix mail cc AB-0042 piet@contoso.com

      tix mail cc AB-0042 --remove old@contoso.com
    """
    from tix.app.mail.importer import ticket_cc
    from tix.cli.env import ctx_env
    from tix.core import events
    from tix.core.errors import BadInput

    env = ctx_env()
    t = env.store.ticket(env.store.resolve_id(id))
    current = ticket_cc(t)
    if not add and not remove:
        req = t.requester.get("email")
        print(f"{t.id}: requester {req or '(no address)'}; cc: {', '.join(current) if current else '(none)'}")
        return
    adds = [_address(a, "ADDRESS") for a in add or []]
    drops = [_address(a, "--remove") for a in remove]
    for a in drops:
        if a not in current:
            raise BadInput(f"--remove {a}: not on {t.id} (on it: {', '.join(current) or 'nobody but the requester'})")
    new = [a for a in current if a not in drops] + [a for a in dict.fromkeys(adds) if a not in current]
    if new == current:
        raise BadInput(f"tix mail cc: nothing to change ({', '.join(adds)} on {t.id} already)")
    env.store.append(t.id, [events.make(env.ids, "set", env.user, env.event_time(None), fields={"cc": new})])
    env.finish(f"tix mail cc {t.id}")
    print(f"{t.id}: cc: {', '.join(new) if new else '(none)'}")


def _address(text: str, what: str) -> str:
    """'Name <a@b.example>' or a@b.example -> a@b.example (lower case). Raises BadInput."""
    from email.utils import parseaddr

    from tix.app.mail.parse import _ADDR_RE
    from tix.core.errors import BadInput

    if not text.isprintable() or len(text) > 300:
        raise BadInput(f"{what} {text!r}: not a mail address like jan@contoso.com")
    addr = parseaddr(text)[1].strip().lower()
    if not _ADDR_RE.match(addr):
        raise BadInput(f"{what} {text!r}: not a mail address like jan@contoso.com")
    return addr


@app.command("templates")
def templates_(
    format: str = FormatOpt,
) -> None:
    """Check every mail template (the desk's templates/ and the built-in
    defaults) and list which name exists in which language. A template with
    an unknown placeholder is refused with its file and line (exit 2).

    Example: tix mail templates
    """
    from tix.app.templates import LANGUAGES, NOTIFICATIONS, load_templates
    from tix.cli.env import ctx_env
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    ts = load_templates(env.root, env.policy.default_language)
    rows = []
    for name in ts.names():
        where = []
        for lang in LANGUAGES:
            t = ts.by_key.get((lang, name))
            where.append("desk" if t and t.path.startswith("templates/") else ("built-in" if t else "-"))
        rows.append([name, "notification" if name in NOTIFICATIONS else "canned", *where])
    headers = ["name", "kind", *LANGUAGES]
    if format == "json":
        print(render.to_json([dict(zip(headers, r, strict=False)) for r in rows]))
    elif format == "csv":
        print(render.to_csv(rows, headers), end="")
    else:
        print(render.table(rows, headers))
