"""The `tix` entry point: a lazy command registry and the one error boundary.

Commands live in `tix.cli.commands.*` and are imported only when run, so
`tix --help` and `tix show ID` load neither the report engine nor the mail
code. `main()` is the only place where errors become messages and exit codes."""

import contextlib
import importlib
import importlib.util
import os
import sys

# name -> (module in tix.cli.commands, attribute, one-line help). Keep sorted by use.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("desk", "init", "Make a desk here or at PATH (safe to run again)."),
    "new": ("tickets", "new", "Open a ticket; prints the new ID on the first line."),
    "show": ("show", "show", "Show one ticket: fields, priority, SLA clocks, time, history."),
    "list": ("listing", "list_", "List tickets, most urgent first, with filters."),
    "assign": ("actions", "assign", "Give a ticket to a team and/or an agent."),
    "take": ("actions", "take", "Take a ticket: you own it now."),
    "comment": ("actions", "comment", "Add a public reply or an --internal note."),
    "status": ("actions", "status", "Set the status: new, open, waiting, resolved, closed."),
    "set": ("actions", "set_", "Change intake fields (impact, urgency, category, due, ...)."),
    "work": ("actions", "work", "Log time worked on a ticket."),
    "resolve": ("actions", "resolve", "Resolve a ticket with its solution."),
    "close": ("actions", "close", "Close a ticket."),
    "reopen": ("actions", "reopen", "Reopen a resolved or closed ticket."),
    "link": ("actions", "link", "Link two tickets (both show the link)."),
    "split": ("actions", "split", "Split off a child ticket linked to its parent."),
    "escalate": ("escalate", "escalate", "Move a ticket to the next support line (or all that are due)."),
    "feedback": ("actions", "feedback", "Record the requester's satisfaction score (1-5)."),
    "sla": ("sla", "sla", "SLA overview of the desk, or the timeline of one ticket."),
    "report": ("report", "app", "Monthly and period reports, trends, the IT manager's view."),
    "invoice": ("invoice", "invoice", "Bill un-invoiced work up to the end of a month."),
    "credit": ("credit", "credit", "Prepaid hours: record a purchased block, or show the balance."),
    "sync": ("sync", "sync", "Commit, pull (with tix's merge driver) and push the desk."),
    "fsck": ("fsck", "fsck", "Check every ticket file, invoice record and the policy."),
    "merge-driver": ("sync", "merge_driver", "Git merge driver for ticket files (used by git)."),
    "mail": ("mail", "app", "Import mail into tickets."),
    "notify": ("notify", "notify", "Send the notification mails that are due."),
    "plan": ("planning", "plan", "Book a slot for a ticket in an agent's calendar."),
    "unplan": ("planning", "unplan", "Remove a ticket's planned slot."),
    "agenda": ("planning", "agenda", "Each agent's planned slots."),
    "ics": ("planning", "ics", "Write planned slots as an iCalendar file."),
    "search": ("knowledge", "search", "Search resolved tickets and problems."),
    "kb": ("knowledge", "kb", "List standard solutions (the knowledge base)."),
    "problem": ("problem", "app", "Problems: gather incidents, root cause, workaround."),
    "change": ("change", "app", "Changes: the change calendar."),
    "approve": ("change", "approve", "Approve a change."),
    "merge": ("coordination", "merge", "Merge a duplicate ticket into another."),
    "reindex": ("reindex", "reindex", "Rebuild the local index cache."),
    "alerts": ("alerts", "app", "Monitoring and backup alerts: check for silent keys, show the rules."),
    "recur": ("recur", "app", "Recurring work: create what is due, list what is coming."),
    "check": ("check", "check", "Tick a ticket's checklist item, or add one."),
    "completion": ("completion", "completion", "Print a shell completion script (bash, zsh, fish)."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0]
    return importlib.util.find_spec(f"tix.cli.commands.{module}") is not None


def _upper_metavars(cmd) -> None:  # type: ignore[no-untyped-def]
    """Usage lines say `tix work ID DURATION`, not `{id} {duration}`."""
    for param in getattr(cmd, "params", []):
        if param.param_type_name == "argument" and not getattr(param, "metavar", None):
            param.metavar = (param.name or "").upper()
    for sub in getattr(cmd, "commands", {}).values():
        _upper_metavars(sub)


def _ascii_numbers(cmd) -> None:  # type: ignore[no-untyped-def]
    """Whole-number options and arguments (`--impact 4`, `feedback ID 5`,
    `--limit 20`) take the digits 0-9 only: click's int() also takes "٤",
    "４", "𝟒" and "1_0". Refused like any bad input: one line, exit 2."""
    from typer import _click as click

    for param in getattr(cmd, "params", []):
        if isinstance(param.type, click.types.IntParamType) and not isinstance(param.type, _AsciiInt):
            param.type = _AsciiInt(param.type)
    for sub in getattr(cmd, "commands", {}).values():
        _ascii_numbers(sub)


class _AsciiInt:
    """Wraps click's int type (or IntRange): plain ASCII digits first, then its own checks."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def __call__(self, value, param=None, ctx=None):  # type: ignore[no-untyped-def]
        return self.convert(value, param, ctx)

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        import re

        if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
            from tix.core.errors import BadInput

            name = (param.opts[0] if param is not None and param.param_type_name == "option" and param.opts
                    else (param.metavar or param.name or "").upper() if param is not None else "value")
            raise BadInput(f"{name} {value!r}: expected a whole number written with the digits 0-9")
        return self.inner.convert(value, param, ctx)


def _build_app():  # type: ignore[no-untyped-def]
    import typer
    from typer.core import TyperGroup

    class LazyGroup(TyperGroup):
        def list_commands(self, ctx):  # type: ignore[no-untyped-def]
            return [n for n in COMMANDS if _available(n)]

        def get_command(self, ctx, name):  # type: ignore[no-untyped-def]
            if name not in COMMANDS or not _available(name):
                return None
            module, attr, short = COMMANDS[name]
            obj = getattr(importlib.import_module(f"tix.cli.commands.{module}"), attr)
            if isinstance(obj, typer.Typer):
                cmd = typer.main.get_command(obj)
                cmd.name = name
            else:
                sub = typer.Typer(add_completion=False, rich_markup_mode=None)
                sub.command(name=name, short_help=short)(obj)
                cmd = typer.main.get_command(sub)
            _upper_metavars(cmd)
            _ascii_numbers(cmd)
            return cmd

        def format_commands(self, ctx, formatter):  # type: ignore[no-untyped-def]
            rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx)]
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    app = typer.Typer(
        cls=LazyGroup,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="tix: a service desk that lives in a git repository.\n\n"
        "\b\nExamples:\n"
        "  id=$(tix new --title 'Printer offline' --org contoso --impact 2 --urgency 4)\n"
        "  tix take $id\n"
        "  tix work $id 45m -m 'replaced the fuser'\n"
        "  tix resolve $id --solution 'new fuser unit'\n"
        "  tix list --mine;  tix sla;  tix report month 2026-10;  tix invoice 2026-10 --mark\n\n"
        "Run `tix COMMAND --help` for a command's options and examples.",
    )

    def _version(value: bool) -> None:
        if value:
            from tix import __version__
            from tix.core.errors import ExitStatus

            print(f"tix {__version__}")
            raise typer.Exit(ExitStatus.OK)

    @app.callback()
    def root(
        ctx: typer.Context,
        dir: str = typer.Option(None, "--dir", "-C", help="The desk directory (else $TIX_DIR, else search upwards)."),
        as_: str = typer.Option(None, "--as", help="Act as this person (else $TIX_USER, git user.name, login)."),
        version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True,
                                     callback=_version),
    ) -> None:
        from tix.cli.env import Env, set_env

        ctx.obj = Env(dir, as_)
        set_env(ctx.obj)
        if os.environ.get("TIX_NOW"):
            _ = ctx.obj.now  # a malformed TIX_NOW is refused by every command, not only by those that read the clock

    return typer.main.get_command(app)


def warn(message: object) -> None:
    """The warning channel: a command reports something that does not stop it
    (a broken file left out, a mail held back) and goes on. The boundary
    formats it as one `tix: ...` line on stderr (inert on a terminal, like all output)."""
    print(f"tix: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    code = run(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.exit(code)


def run(argv: list[str]) -> int:
    """Run one command. Everything it prints passes through `tix.core.safe.InertStream`:
    text from tickets, mail or file names never reaches the terminal as
    control sequences."""
    if argv[:1] == ["__complete"]:  # a shell's TAB: answered without building the command line
        from tix.cli.complete import main as complete

        return complete(argv[1:])
    from tix.core.safe import InertStream

    out, err = sys.stdout, sys.stderr
    if _isatty(err):  # progress of long work, drawn on the real stderr (the inert one would show its \r)
        from tix.cli.progress import install

        install(argv, err)
    colour = _isatty(out) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    sys.stdout, sys.stderr = InertStream(out, colour), InertStream(err)
    early = _scan_early(argv)
    try:
        return _run(argv)
    finally:
        if early:
            from tix.storage.filescan import forget_early

            forget_early()
        for wrapped in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                wrapped.flush()
        sys.stdout, sys.stderr = out, err


# commands that read the index and never write a ticket file: their scan may start first thing
_EARLY_SCAN = frozenset(("list", "report", "sla"))


def _scan_early(argv: list[str]) -> bool:
    """Start the stat scan of the desk's ticket files before the command is
    imported (`filescan.start_early`), where the desk is where `Env` will
    find it (TIX_DIR, else the folder the command runs in or above; not
    with global options before the command)."""
    if not argv or argv[0] not in _EARLY_SCAN or "--help" in argv:
        return False
    from pathlib import Path

    from tix.cli.env import find_desk, is_desk

    try:
        env = os.environ.get("TIX_DIR")
        if env:
            d = Path(env).expanduser()
            root = d.resolve() if is_desk(d) else None
        else:
            root = find_desk(Path.cwd())
    except (OSError, RuntimeError):
        return False
    if root is None:
        return False
    from tix.storage.filescan import start_early

    start_early(str(root / "tickets"))
    return True


def _isatty(stream) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _run(argv: list[str]) -> int:
    from typer import _click as click  # typer 0.28 vendors click (pinned in pyproject)
    from typer.exceptions import Abort, Exit

    from tix.core.errors import ExitStatus, TixError
    from tix.core.safe import inert

    try:
        command = _build_app()
        command.main(args=argv, prog_name="tix", standalone_mode=False)
        return ExitStatus.OK
    except TixError as err:
        print(f"tix: {inert(err)}", file=sys.stderr)  # one line, whatever a value or file name holds
        return err.exit_code
    except Exit as err:
        return err.exit_code
    except Abort:
        print("tix: aborted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except click.ClickException as err:
        err.show()
        if err.exit_code == ExitStatus.BAD_INPUT or isinstance(err, click.UsageError):  # type: ignore[attr-defined]
            return ExitStatus.BAD_INPUT
        return err.exit_code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.OK
    except KeyboardInterrupt:
        print("tix: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except RecursionError:
        print("tix: input nested too deeply", file=sys.stderr)
        return ExitStatus.BAD_INPUT
    except OSError as err:
        print(f"tix: {inert(getattr(err, 'filename', '') or '')}: {inert(err.strerror or err)}", file=sys.stderr)
        return ExitStatus.STORE
    except Exception as err:  # the last line of defence: never a traceback for a user
        if os.environ.get("TIX_DEBUG"):
            raise
        print(f"tix: internal error: {type(err).__name__}: {inert(err)} (set TIX_DEBUG=1 for details)",
              file=sys.stderr)
        return ExitStatus.INTERNAL
