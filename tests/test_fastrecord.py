"""The fast reader of invoice records (tix.core.fasthead.load_record) gives
exactly what libyaml gives (it hands anything else to libyaml itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tix.core import fasthead, yamlio

ROOT = Path(__file__).resolve().parent.parent
RECORDS = sorted((ROOT / "invoices").rglob("*.yaml"))


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_the_demo_desk_records_read_as_libyaml_reads_them(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert fasthead.load_record(text) == yamlio.load(text)


BASE = """# tix invoice record
number: 2026-11-001
entries:
- 01AAA
- 01BBB
lines:
- ticket: AB-0001
  org: contoso
  at: '2026-11-03T09:00:00+01:00'
  note: 'it''s fixed: really'
  minutes: 45
  late: false
  event_id: 01AAA
- ticket: AB-0002
  org: null
  note: two words
  minutes: 60
  event_id: 01BBB
parties:
  seller:
    address:
    - Wijnhaven 3
"""


@pytest.mark.parametrize("edit", [
    ("", ""),  # as written
    ("  note: two words\n", "  note: two words # a comment\n"),
    ("  minutes: 60\n", "  minutes: 60\n    nested: deeper\n"),
    ("- 01BBB\n", "- {a: 1}\n"),
    ("  note: two words\n", "  note: &x two words\n"),
    ("  minutes: 45\n", "  minutes: 0x2d\n"),
    ("  minutes: 45\n", "  minutes: 4.5\n"),
    ("- ticket: AB-0002\n", "- ticket: AB-0002\n\n"),
    ("  org: null\n", "  org: ~\n"),
    ("  late: false\n", "  late: no\n"),
    ("- 01BBB\n", "- key: value\n"),
])
def test_fast_or_fallback_never_a_different_answer(edit: tuple[str, str]) -> None:
    text = BASE.replace(edit[0], edit[1])
    assert text != BASE or edit == ("", "")
    def read(fn: object) -> object:
        try:
            return fn(text)  # type: ignore[operator]
        except yamlio.YamlProblem:
            return "error"

    assert read(fasthead.load_record) == read(yamlio.load)
