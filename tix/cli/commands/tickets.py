"""tix new."""

from __future__ import annotations

import sys

import typer

from tix.cli.commands.common import AtOpt, check_text_size, text_arg


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


def _title_and_description(title: str | None, message: str | None, edit: bool) -> tuple[str | None, str | None]:
    """-m TEXT (or - for standard input), or both written in $EDITOR with --edit."""
    from tix.app.tickets import title_from_edit
    from tix.core.errors import BadInput

    if edit and message is not None:
        raise BadInput("-m and --edit: give the description one way, not both")
    description = text_arg(message, "-m")
    if not edit:
        return title, description
    return title_from_edit(edit_text(f"{title or ''}\n\n{description or ''}\n"
                                     "# First line: title. Then the description.\n"))


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
    key: str | None = typer.Option(None, "--key", help="Correlation key: if an open ticket has it, append to that "
                                                          "ticket and print its ID instead of opening another."),
    at: str | None = AtOpt,
) -> None:
    """Open a ticket. Prints the new ID alone on the first line of output.

    Example:

      id=$(tix new --title "Order dept has no network" --org contoso --impact 4 --urgency 8 \\
           --requester "Jan de Vries <jan@contoso.com>" --channel phone -m "15 people cannot work")
    """
    opts = dict(locals(), tags=tag)  # the options as typed, before anything else is named
    from tix.app.tickets import open_ticket
    from tix.cli.env import ctx_env
    from tix.core.priority import explain

    env = ctx_env()
    opts["title"], opts["description"] = _title_and_description(title, message, edit)
    tid, title, rating, created = open_ticket(env, **opts)
    print(tid)
    if not created:
        print(f"{tid}: an open ticket has the key {key!r}; the report was added to it", file=sys.stderr)
        env.finish(f"tix new --key: {tid} again")
        return
    sys.stdout.flush()
    print(f"{tid}: {explain(env.policy, rating)}", file=sys.stderr)
    env.finish(f"tix new {tid}: {title}")
    from tix.cli.commands.knowledge import print_similar  # similar past tickets, on stderr (docs/processes.md)

    print_similar(env, tid, title, opts["description"], force=similar)
