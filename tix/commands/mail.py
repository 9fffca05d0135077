"""tix mail import (mail -> tickets) and tix mail templates (check the templates)."""

from __future__ import annotations

from typing import List, Optional

import typer

from tix.commands.common import FormatOpt

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Mail into the desk: import messages as tickets and replies; check the mail templates.")


@app.command("import")
def import_(
    sources: Optional[List[str]] = typer.Argument(None, metavar="SOURCE...",
                                                  help=".eml files, a directory of them, an mbox, a Maildir, "
                                                       "or - for one message on standard input."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would happen; write and move nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but problems (for cron and MDAs)."),
    format: str = FormatOpt,
) -> None:
    """Import mail: a new message opens a ticket (requester from From,
    organisation from the sender's domain, title from the subject); a reply
    with [tix AB-0042] in the subject, or answering a mail of the ticket,
    becomes a public comment from the requester. Attachments go to
    attachments/<ID>/. A message imported before (same Message-ID) is
    skipped, so running it again is safe.

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

    from tix import render
    from tix.context import ctx_env
    from tix.errors import BadInput
    from tix.mail.importer import Importer, check_source, import_sources

    env = ctx_env()
    render.check_format(format)
    if not sources:
        raise BadInput("tix mail import: give .eml files, an mbox, a Maildir, or - for standard input")
    if sources.count("-") > 1:
        raise BadInput("tix mail import: standard input (-) can be read only once")
    kinds = [(check_source(s), s) for s in sources]   # all checked before anything is written
    store, policy = env.store, env.policy
    imp = Importer(store, policy, env.now, env.user, dry_run=dry_run)
    if dry_run:
        results = import_sources(imp, kinds, sys.stdin)
    else:
        with store._lock("mail-import.lock"):  # two MDAs delivering at once must not both open the ticket
            try:
                results = import_sources(imp, kinds, sys.stdin)
            finally:  # what was imported before a disk error is committed too (git.autocommit)
                env.finish("tix mail import")
    _print(results, format, quiet, dry_run)
    lines = [f"{r.source}: not imported: {r.detail}" + (f"; moved to {r.moved_to}" if r.moved_to else "")
             for r in results if r.action == "failed"]
    if lines:  # one line each on stderr, exit 2 (the others were imported)
        for line in lines[:-1]:
            print(f"tix: {line}", file=sys.stderr)
        raise BadInput(lines[-1])


def _print(results, format: str, quiet: bool, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    from tix import render

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


@app.command("templates")
def templates_(
    format: str = FormatOpt,
) -> None:
    """Check every mail template (the desk's templates/ and the built-in
    defaults) and list which name exists in which language. A template with
    an unknown placeholder is refused with its file and line (exit 2).

    Example: tix mail templates
    """
    from tix import render
    from tix.context import ctx_env
    from tix.templates import LANGUAGES, NOTIFICATIONS, load_templates

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
        print(render.to_json([dict(zip(headers, r)) for r in rows]))
    elif format == "csv":
        print(render.to_csv(rows, headers), end="")
    else:
        print(render.table(rows, headers))
