"""Event ids come from a source handed to `events.make` (tix.core.ids): random
by default, reproducible only with TIX_SEED; and the core stays pure (no
clock, no random device, no writes through a "frozen" policy)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from tix.core import events
from tix.core.ids import RandomIds, SeededIds, ulid

from .conftest import make_desk

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
ROOT = Path(__file__).resolve().parents[1]


def test_ulid_layout() -> None:
    assert ulid(0, 0) == "0" * 26
    assert ulid(1, 0) == "0" * 9 + "1" + "0" * 16  # milliseconds first: ids sort by their time part
    assert ULID_RE.match(ulid(2 ** 48 - 1, 2 ** 80 - 1))


def test_random_ids_are_unique_with_one_at() -> None:
    ids = RandomIds()
    got = {ids(AT) for _ in range(5000)}
    assert len(got) == 5000 and all(ULID_RE.match(x) for x in got)
    assert all(x[:10] == ulid(int(AT.timestamp() * 1000), 0)[:10] for x in got)  # time part from `at`
    clocked = RandomIds(clock=lambda: 1_000_000 * 5)(AT)
    assert clocked[:10] == ulid(5, 0)[:10]


def test_seeded_ids_repeat_per_seed_and_differ_per_call() -> None:
    a, b, c = SeededIds("x"), SeededIds("x"), SeededIds("y")
    one = [a(AT) for _ in range(100)]
    assert one == [b(AT) for _ in range(100)]
    assert len(set(one)) == 100
    assert not set(one) & {c(AT) for _ in range(100)}


def test_make_takes_its_ids_from_the_source() -> None:
    ev = events.make(lambda at: "01KANY0000000000000000000Z", "commented", "anna", AT, text="hi")
    assert ev["id"] == "01KANY0000000000000000000Z" and ev["at"] == "2026-11-23T09:00:00+00:00"


def _event_ids(root: Path) -> list[str]:
    out = []
    for p in sorted((root / "tickets").rglob("*.yaml")):
        out += re.findall(r'"id": "([0-9A-Z]{26})"', p.read_text(encoding="utf-8"))
    return out


def _ticket_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((root / "tickets").rglob("*.yaml"))}


def _story(d, seed: str | None) -> None:  # type: ignore[no-untyped-def]
    if seed:
        base = d.env
        d.env = lambda **extra: {**base(**extra), "TIX_SEED": seed}
    for _ in range(2):  # the same commands twice, one TIX_NOW: ids must still differ
        tid = d.new("--title", "Printer offline")
        d.ok("comment", tid, "-m", "on it")
        d.ok("comment", tid, "-m", "on it")


def test_tix_seed_reproduces_whole_desks_and_never_repeats(tmp_path: Path) -> None:
    one, two, plain = make_desk(tmp_path / "one"), make_desk(tmp_path / "two"), make_desk(tmp_path / "plain")
    _story(one, "42")
    _story(two, "42")
    _story(plain, None)
    assert _ticket_files(one.root) == _ticket_files(two.root)
    for d in (one, plain):
        ids = _event_ids(d.root)
        assert len(ids) == 6 and len(set(ids)) == 6
        assert d.run("fsck").code == 0
    assert not set(_event_ids(one.root)) & set(_event_ids(plain.root))


def test_the_core_keeps_no_mutable_state_in_a_frozen_policy() -> None:
    hits = [p for p in (ROOT / "tix").rglob("*.py") if "object.__setattr__" in p.read_text(encoding="utf-8")]
    assert hits == []
    for p in (ROOT / "tix" / "core").rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "time.time_ns()" not in text and "datetime.now(" not in text, f"{p.name} reads the clock"
