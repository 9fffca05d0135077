"""Where new event ids come from: a source handed to `events.make`, so the
core reads neither the clock nor the random device by itself.

An event id is a ULID: 48 bits of milliseconds, then 80 bits that make it
unique, written as 26 characters of Crockford base32. Two sources:

- `RandomIds` (the default of every command): the 80 bits come from
  `os.urandom`, so clones that never talk to each other still mint distinct
  ids (2^-80 per pair within one millisecond), also when many commands run
  with one `TIX_NOW`. The time part comes from the clock the caller hands in
  (the CLI passes the wall clock), or from the event's `at` without one.
- `SeededIds` (only when asked for: `TIX_SEED`, the demo and bench
  generators): the time part is the event's `at`, the 80 bits come from a
  random stream seeded by the seed text, so the same seed gives the same ids.
  Every call draws the next number of the stream, so ids still differ per
  call; the CLI puts the user, the clone's ID prefix and a per-clone run
  counter into the seed text, so runs and clones do not repeat each other
  (see docs/architecture.md, "Time and ids")."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as in ULID


class IdSource(Protocol):
    def __call__(self, at: datetime) -> str: ...


def ulid(ms: int, bits80: int) -> str:
    """The 26-character ULID of a millisecond count and 80 further bits."""
    n = ((ms & (2 ** 48 - 1)) << 80) | (bits80 & (2 ** 80 - 1))
    out = []
    for _ in range(26):
        out.append(_B32[n & 31])
        n >>= 5
    return "".join(reversed(out))


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class RandomIds:
    """ULIDs with 80 random bits. `clock` gives nanoseconds since the epoch
    (the CLI hands in `time.time_ns`); without one the event's `at` is the
    time part."""

    def __init__(self, clock: Callable[[], int] | None = None):
        self.clock = clock

    def __call__(self, at: datetime) -> str:
        ms = self.clock() // 1_000_000 if self.clock is not None else _ms(at)
        return ulid(ms, int.from_bytes(os.urandom(10), "big"))


class SeededIds:
    """Reproducible ULIDs: time part from the event's `at`, 80 bits drawn in
    turn from a stream seeded by `seed` (the same seed, the same ids in the
    same order). Never the default: two clones with one seed would repeat
    each other's ids."""

    def __init__(self, seed: int | str):
        self.rng = random.Random(f"ids:{seed}")

    def __call__(self, at: datetime) -> str:
        return ulid(_ms(at), self.rng.getrandbits(80))
