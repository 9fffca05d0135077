"""Options and small helpers shared by the commands."""

from __future__ import annotations

import typer

from tix.core.checks import check_choice, check_tags
from tix.core.errors import BadInput
from tix.core.workflow import check_agent, check_team

FormatOpt = typer.Option("table", "--format", "-f", help="Output format: table, json or csv.")
__all__ = ["AtOpt", "FormatOpt", "check_agent", "check_choice", "check_tags", "check_team", "check_text_size",
           "text_arg"]

AtOpt = typer.Option(None, "--at", help="When it happened (default now), e.g. 08:30, 'today 08:30', 2026-11-24T08:30.")


def text_arg(value: str | None, what: str) -> str | None:
    """`-m -` reads standard input. A text is at most `store.MAX_TEXT` (1 MB):
    a bigger one is refused before anything is written (standard input is
    read no further than that)."""
    from tix.storage.store import MAX_TEXT

    if value == "-":
        import sys

        value = sys.stdin.read(MAX_TEXT + 1)
        if len(value) > MAX_TEXT:
            raise BadInput(f"{what} -: standard input holds more than the {MAX_TEXT // 1048576} MB a text may "
                           f"take; nothing was written (keep big logs as files)")
    if value is not None:
        check_text_size(value, what)
        value = value.replace("\r\n", "\n").strip("\n")
        if "\x00" in value:
            raise BadInput(f"{what}: contains a NUL byte")
    return value


def check_text_size(value: str, what: str) -> str:
    """Refuse a text above `store.MAX_TEXT` (1 MB of UTF-8), naming its size."""
    from tix.storage.store import MAX_TEXT

    if len(value) > MAX_TEXT // 4:  # characters take at most 4 bytes: shorter texts need no count
        n = len(value.encode("utf-8", "surrogatepass"))
        if n > MAX_TEXT:
            raise BadInput(f"{what}: the text is {n / 1048576:.1f} MB, more than the {MAX_TEXT // 1048576} MB a "
                           f"text may take; nothing was written (keep big logs as files)")
    return value
