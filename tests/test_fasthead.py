"""The fast header reader gives exactly what libyaml gives, or steps aside."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tix.core import yamlio
from tix.core import fasthead

_chars = st.characters(blacklist_categories=("Cs",), max_codepoint=0x2100)
_texty = st.text(alphabet=st.sampled_from(list("ab yz:#-'\"|>\n\t.,019+~*&![]{}%@`_\\ é€\u2028")), max_size=40)
_value = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), _texty, st.text(_chars, max_size=150),
    st.sampled_from(["null", "true", "False", "1.5", "0x1F", "1_000", "2026-05-12", "+31 10 406", "~", "<<", "=",
                     "NO", "17:30", "-", "a: b", "x #y", "", " lead", "trail ", "|-", "a\n\nb"]),
)
_key = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_header = st.dictionaries(
    _key,
    st.one_of(_value, st.lists(_value, max_size=4), st.dictionaries(_key, _value, max_size=4)),
    max_size=10,
)


def _same(text: str) -> None:
    fast = fasthead.load(text)
    if fast is None:
        return
    slow = yamlio.load(text)  # must not raise where the fast reader accepted the text
    assert fast == slow
    assert repr(fast) == repr(slow)  # types too: 1 is not True, "1" is not 1


@settings(max_examples=600, deadline=None)
@given(_header)
def test_dumped_headers_read_the_same(header: dict) -> None:
    text = yamlio.dump(header)
    _same(text)


@settings(max_examples=600, deadline=None)
@given(_header, st.lists(st.tuples(st.integers(0, 10**4), st.sampled_from(list(" :#-'\"\n|>&*!\t[{}]\\ab1.")) ),
                         min_size=1, max_size=4))
def test_edited_headers_read_the_same_or_fall_back(header: dict, edits: list) -> None:
    text = yamlio.dump(header) if header else "id: X\n"
    for pos, ch in edits:
        pos %= len(text) + 1
        text = text[:pos] + ch + text[pos:]
    try:
        slow = yamlio.load(text)
    except yamlio.YamlProblem:
        assert fasthead.load(text) is None
        return
    fast = fasthead.load(text)
    if fast is not None:
        assert repr(fast) == repr(slow)


def test_a_typical_header_takes_the_fast_path() -> None:
    text = yamlio.dump({
        "id": "SD-0042", "title": "Printer on the 2nd floor: paper jam", "requester": {"name": "Anna de Vries",
        "email": "anna@example.org", "phone": "+31 10 406 668 93"}, "org": "contoso", "impact": 2, "urgency": 1,
        "tags": ["printer", "m"], "description": " ".join(["A long text"] * 20) + "\nwith a second line",
        "estimate": 45,
        "due": None, "flag": True,
    })
    fast = fasthead.load(text)
    assert fast is not None
    assert repr(fast) == repr(yamlio.load(text))


def test_what_it_does_not_know_goes_to_libyaml() -> None:
    for text in ("id: X # a comment\n", "a: &x 1\nb: *x\n", "a: 1.5\n", "a: {b: 1}\n", "a: 1\na: 2\n",
                 "---\na: 1\n", "a: \"x\\ty\"\n", "a:\n  - b: 1\n"):
        assert fasthead.load(text) is None, text


# ---------------------------------------------------------------- long records (invoice records)

_flat = st.dictionaries(_key, _value, min_size=2, max_size=5)
_record = st.fixed_dictionaries({}, optional={
    "number": _value, "org_names": st.dictionaries(_key, _value, max_size=3),
    "entries": st.lists(_value, min_size=65, max_size=70), "lines": st.lists(_flat, min_size=33, max_size=36),
    "parties": st.dictionaries(_key, st.dictionaries(_key, st.one_of(_value, st.lists(_value, max_size=3)),
                                                     max_size=3), max_size=2),
    "total": _value})


def _same_record(text: str) -> None:
    try:
        slow = yamlio.load(text)
    except yamlio.YamlProblem as err:
        try:
            fasthead.load_record(text)
        except yamlio.YamlProblem as err2:
            assert (err2.message, err2.line) == (err.message, err.line)
            return
        raise AssertionError("the fast reader accepted what libyaml refuses") from None
    assert repr(fasthead.load_record(text)) == repr(slow)


@settings(max_examples=50, deadline=None)
@given(_record)
def test_dumped_records_read_the_same(record: dict) -> None:
    _same_record("# a comment line\n" + yamlio.dump(record))


@settings(max_examples=50, deadline=None)
@given(_record, st.lists(st.tuples(st.integers(0, 10**5), st.sampled_from(list(" :#-'\"\n|>&*!\t[{}]\\ab1."))),
                         min_size=1, max_size=4))
def test_edited_records_read_the_same(record: dict, edits: list) -> None:
    text = yamlio.dump(record) if record else "id: X\n"
    for pos, ch in edits:
        pos %= len(text) + 1
        text = text[:pos] + ch + text[pos:]
    _same_record(text)


def test_a_record_takes_the_fast_path(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    record = {"number": "2026-10-001", "entries": [f"01ABC{i:04d}" for i in range(100)],
              "lines": [{"ticket": f"AB-{i:04d}", "at": "2026-10-01T09:00:00+02:00", "minutes": 30,
                         "rate": "85.00", "late": False, "note": "a note: with a colon"} for i in range(50)],
              "parties": {"seller": {"name": "Kade IT", "address": ["Wijnhaven 3", "Rotterdam"]}}}
    text = yamlio.dump(record)
    calls: list[int] = []
    real = yamlio.load
    monkeypatch.setattr(yamlio, "load", lambda t: calls.append(len(t)) or real(t))
    assert fasthead.load_record(text) == record
    assert calls and max(calls) < len(text) // 10  # libyaml read only the small fields


def test_the_odd_characters_are_those_outside_what_the_fast_reader_takes() -> None:
    """`fasthead._ODD` names what libyaml treats as a break or refuses (and
    what needs care): everything but line feed, printable ASCII and the
    printable planes. Written as the set it holds; here against its complement
    over every code point."""
    import re
    import sys

    from tix.core import fasthead

    takes = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
    assert all(bool(fasthead._ODD.match(chr(i))) == bool(takes.match(chr(i))) for i in range(sys.maxunicode + 1))
