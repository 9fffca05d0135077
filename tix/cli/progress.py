"""The terminal listener for `tix.core.progress`: on stderr, only when stderr
is a terminal, only for a task that has run for `DELAY` seconds (fast
commands never flash anything), redrawn at most ten times a second and wiped
when the task ends. `NO_COLOR` is honoured (nothing here has colour);
`TERM=dumb` gets one plain line per long task instead of a redrawn one."""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

DELAY = 2.0
EVERY = 0.1


class TerminalProgress:
    def __init__(self, stream: TextIO, *, dumb: bool = False, delay: float = DELAY):
        self.stream = stream
        self.dumb = dumb
        self.delay = delay
        self.started: dict[str, float] = {}
        self.drawn_at = 0.0
        self.shown = False  # a line is on screen and must be wiped
        self.said: set[str] = set()

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == 0 and label not in self.started:
            self.started[label] = now
            return
        if done < 0:
            self.started.pop(label, None)
            if self.shown:
                self._write("\r" + " " * 79 + "\r")
                self.shown = False
            return
        t0 = self.started.setdefault(label, now)
        if now - t0 < self.delay or now - self.drawn_at < EVERY:
            return
        self.drawn_at = now
        if self.dumb:
            if label not in self.said:
                self.said.add(label)
                self._write(f"tix: {label}{f' ({total:,})' if total else ''}...\n")
            return
        if total:
            pct = min(100, done * 100 // max(total, 1))
            text = f"tix: {label}: {done:,}/{total:,} ({pct}%)"
        else:
            text = f"tix: {label}: {done:,}"
        self._write("\r" + text[:79].ljust(79) + "\r")
        self.shown = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass


def wanted(stream: Any, argv: list[str]) -> bool:
    """Progress only for a person at a terminal, never around machine output."""
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError, OSError):
        return False
    if os.environ.get("TIX_NO_PROGRESS"):
        return False
    for i, a in enumerate(argv):
        if a in ("--json", "--csv") or a.startswith(("--format=json", "--format=csv")):
            return False
        if a in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1] in ("json", "csv"):
            return False
    return True


def install(argv: list[str], stream: Any = None) -> None:
    from tix.core import progress

    stream = stream or sys.stderr
    if wanted(stream, argv):
        try:  # TIX_PROGRESS_DELAY: seconds before a task shows (tests use 0)
            delay = float(os.environ.get("TIX_PROGRESS_DELAY", DELAY))
        except ValueError:
            delay = DELAY
        progress.listen(TerminalProgress(stream, dumb=os.environ.get("TERM") == "dumb", delay=delay))
