"""Event lines are decoded by orjson where it gives exactly what the json
module gives (tix.core.grammar._loads_line): checked on random JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tix.core.grammar import _loads_line

SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(VALUES, st.booleans())
def test_the_fast_decoder_gives_what_json_gives(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert repr(_loads_line(text)) == repr(json.loads(text))


def test_long_numbers_and_json_only_spellings() -> None:
    for text in ['{"n": 18446744073709551616}', '{"n": -9223372036854775809}', '{"n": NaN}', '{"n": 1e400}',
                 '{"s": "\\ud800"}', '{"a": 1, "a": 2}', '[1.0, -0.0, 100000000000000000000.5]']:
        assert repr(_loads_line(text)) == repr(json.loads(text)), text
