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


# ---- records as tix writes them now: `entries:` and `lines:` one JSON item a line

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tix.core.grammar import encode_event  # noqa: E402


def _json_record(lines: list[dict], entries: list[str]) -> str:
    head = "# tix invoice record\nnumber: 2026-11-001\nmonth: 2026-11\nparties:\n  seller:\n    name: Kade IT\n"
    return (head + "entries:\n" + "".join(encode_event(e).decode() for e in entries)
            + "lines:\n" + "".join(encode_event(x).decode() for x in lines))


def _read_both(text: str) -> tuple[object, object]:
    def read(fn: object) -> object:
        try:
            return fn(text)  # type: ignore[operator]
        except yamlio.YamlProblem as err:
            return ("error", err.line)
    return read(fasthead.load_record), read(yamlio.load)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
                    st.sampled_from(['a": b', "x: y", "\\/", "1e3", "null", "'q'", '"', "\u2028", "\x85", "\t"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), _scalar, max_size=6),
                min_size=65, max_size=80),
       st.lists(st.text(max_size=12), min_size=65, max_size=70))
def test_json_lines_read_as_libyaml_reads_them(lines: list[dict], entries: list[str]) -> None:
    fast, slow = _read_both(_json_record(lines, entries))
    assert fast == slow
    assert repr(fast) == repr(slow)


_ITEM = '{"ticket": "AB-0001", "minutes": 45, "note": "fine", "late": false, "org": null}'


@pytest.mark.parametrize("item", [
    _ITEM,
    '{"ticket": "AB-0001", "ticket": "AB-0002"}',  # a key twice: libyaml refuses
    '{"minutes": 1e3}',  # a float in JSON, text in YAML 1.1
    '{"minutes": 4.5}',
    '{"note": "a\\/b"}',
    '{"note": "\\ud83d\\ude00"}',  # a surrogate pair
    '{"note": "x": "y"}',  # not JSON
    '{"note":"compact"}',
    '{"a": {"b": 1}}',  # nested
    '{"a": [1, 2]}',
    '{"minutes": 12345678901234567890123}',
    '"text"',
    '"a\\tb"',
    '{"a": "b", }',
    '{"a": *x}',
])
def test_a_json_line_edited_by_hand_reads_as_libyaml_reads_it(item: str) -> None:
    base = [{"ticket": f"AB-{i:04d}", "minutes": i} for i in range(70)]
    text = _json_record(base, [f"01E{i}" for i in range(70)]).replace(encode_event(base[30]).decode(),
                                                                       f"- {item}\n")
    assert item in text
    fast, slow = _read_both(text)
    assert fast == slow
    assert repr(fast) == repr(slow)


def test_a_record_tix_writes_reads_back_fast_and_whole(tmp_path: Path) -> None:
    """render_record writes the long lists as JSON lines; parse_record gives
    the same Invoice back, and the fast reader did the long lists."""
    from decimal import Decimal
    from datetime import datetime, timezone

    from tix.core.billing import Line, assemble
    from tix.storage import ledger

    at = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)
    lines = [Line(event_id=f"01K{i:05d}", ticket=f"AB-{i:04d}", org="contoso", title=f'Printer "{i}": kaput',
                  at=at, agent="anna", note="it's fixed: really\nnext line é€ \u2028", minutes=30,
                  billed_minutes=30, rate=Decimal("85.00"), multiplier=Decimal("1"),
                  amount=Decimal("42.50"), late=False, rate_name="PROGP85", after_hours=False, onsite=False,
                  no_bill=False)
             for i in range(100)]
    inv = assemble(lines, month="2026-11", org_filter=None, currency="EUR", vat_percent=Decimal("21"),
                   org_names={"contoso": "Contoso B.V."})
    inv = inv.with_number("2026-11-001", "2026-12-01T09:00:00+01:00", "sanne")
    text = ledger.render_record(inv, {"contoso": "Contoso B.V."}).decode()
    assert '\nlines:\n- {"ticket": "AB-0000", ' in text
    assert fasthead.load_record(text) == yamlio.load(text)
    back = ledger.parse_record(text, "invoices/2026-11-001.AB.yaml")
    assert back.lines == inv.lines
    assert back.entry_ids == inv.entry_ids
    assert back.total == inv.total
