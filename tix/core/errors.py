"""The one error family of tix. Each error carries its exit code; only
`tix.cli.boundary.main` turns them into a message on stderr (ARCHITECTURE: one error
boundary, no per-command try/except ladders)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit code tix uses. Only `tix.cli.boundary` picks one for a run."""

    OK = 0
    CHECK_FAILED = 1  # a check (fsck, a filter that found nothing) failed
    BAD_INPUT = 2  # wrong input, an unknown ID, a broken file or policy: nothing written
    STORE = 3  # the disk refused (full, read-only, permissions)
    INTERNAL = 70  # a bug: `tix: internal error ...` (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C or an aborted prompt (128 + SIGINT)


class TixError(Exception):
    """Base class: `str(err)` is the message, `exit_code` the process exit code."""

    exit_code: ExitStatus = ExitStatus.BAD_INPUT

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        """`path:line: message` on one line, inert on a terminal: a file name
        or value with control characters or line breaks cannot fake output."""
        from tix.core.safe import inert

        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return inert(where + self.message)


class BadInput(TixError):
    """A value the user typed is wrong (exit 2, nothing written)."""


class NotFound(TixError):
    """An ID or name that does not exist (exit 2: it is bad input)."""


class BrokenFile(TixError):
    """A ticket or record file on disk cannot be trusted (exit 2)."""


class PolicyError(TixError):
    """policies.yaml is broken or inconsistent (exit 2)."""


class StoreError(TixError):
    """The disk refused (full, read-only, permissions): exit 3, nothing half-written."""

    exit_code = ExitStatus.STORE


class CheckFailed(TixError):
    """A check (fsck, a filter that found nothing) failed: exit 1."""

    exit_code = ExitStatus.CHECK_FAILED


# What parsing text from outside (a mail, a pulled file, a spreadsheet-bound
# value) can raise besides tix's own errors: caught by name where such input
# is parsed, so a bug elsewhere is never turned into "could not parse".
UNTRUSTED_INPUT_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, LookupError, AttributeError, AssertionError, UnicodeError, OverflowError)
