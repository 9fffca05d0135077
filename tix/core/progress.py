"""Progress of long work, reported to whoever listens: nobody by default.

Lower layers say what they do (`with progress.task("reading tickets", n) as
step: ... step(k)`); the command line installs a listener that draws on a
terminal (`tix.cli.progress`). Nothing here prints: a test, a library
caller or a pipe sees nothing and pays one function call per step."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (label, done, total) while a task runs; (label, -1, total) when it ends
Listener = Callable[[str, int, int], None]
_listener: Listener | None = None


def listen(fn: Listener | None) -> None:
    global _listener
    _listener = fn


def _noop(_n: int = 1) -> None:
    return None


@contextmanager
def task(label: str, total: int = 0) -> Iterator[Callable[..., None]]:
    """A task of `total` steps (0: unknown); the step function adds `n` done."""
    fn = _listener
    if fn is None:
        yield _noop
        return
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        fn(label, done, total)

    fn(label, 0, total)
    try:
        yield step
    finally:
        fn(label, -1, total)


def counted(label: str, items: Any, total: int) -> Iterator[Any]:
    """`items` as they come, counted in a task."""
    with task(label, total) as step:
        for item in items:
            yield item
            step()
