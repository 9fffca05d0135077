"""render.table's own "simple" layout is tabulate's, byte for byte (it skips
tabulate's per-cell type checks: a 10,000-line invoice draft in a twentieth
of the time)."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from tix.core.safe import inert
from tix.render import table as render

CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=1500, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(CELLS, min_size=n, max_size=n), st.lists(st.lists(CELLS, min_size=n, max_size=n), max_size=5))))
def test_simple_table_is_tabulates(x: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = x
    cells = [[inert(c) for c in r] for r in rows]  # cells are made inert first (tix.core.safe)
    want = tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True)
    assert render.table(rows, headers) == want
    fast = render._simple(cells, headers)
    assert fast is None or fast == want


@pytest.mark.skipif(importlib.util.find_spec("wcwidth") is not None,
                    reason="with wcwidth installed tabulate measures wide characters, and tix leaves the layout to it")
def test_the_fast_path_is_taken_for_plain_text_and_not_for_line_breaks() -> None:
    rows = [["2026-10-01", "SD-0001", "Drukarna netiskne", "  42.50 "], ["2026-10-02", "SD-0002", "Müller", "7"]]
    fast = render._simple(rows, ["date", "ticket", "title", "amount"])
    assert fast == (
        "date        ticket    title              amount\n"
        "----------  --------  -----------------  --------\n"
        "2026-10-01  SD-0001   Drukarna netiskne  42.50\n"
        "2026-10-02  SD-0002   Müller             7")
    assert fast == tabulate(rows, headers=["date", "ticket", "title", "amount"], disable_numparse=True)
    assert render._simple([["a\nb"]], ["h"]) is None
    assert render._simple([["\x01"]], ["h"]) is None  # tabulate's separating-line marker
    # a line break in a cell never breaks the row: it is shown as a control picture
    assert render.table([["a\nb"]], ["h"]) == tabulate([["a\u240ab"]], headers=["h"], disable_numparse=True)


def test_the_fast_path_measures_wide_text_as_tabulate_does() -> None:
    rows = [["ab", "Müller 東京", "x\u0301y"], ["Ω", "z", "日本語テキスト"], ["SD-1", "plain", ""]]
    headers = ["id", "title", "t"]
    fast = render._simple(rows, headers)
    assert fast is not None
    assert fast == tabulate(rows, headers=headers, disable_numparse=True)


def test_text_of_one_column_characters_is_measured_by_its_length() -> None:
    """Letters of the desk's languages are one column wide: the table is laid
    out by length, as tabulate lays it out by wcwidth; a combining accent or a
    wide character sends it to the measured layout."""
    rows = [["DV-0001", "Vinařství Dvořák", "Sjømat på Ålesund"], ["SD-0002", "Müller GmbH", "Øst"]]
    headers = ["id", "org", "title"]
    joined = "".join("".join(r) for r in rows)
    if importlib.util.find_spec("wcwidth") is not None:  # without it tabulate (and tix) lay out by length anyway
        assert render._narrow(joined)
        assert not render._narrow(joined + "e\u0301") and not render._narrow(joined + "東")
    assert render._simple(rows, headers) == tabulate(rows, headers=headers, disable_numparse=True)
    wide = [*rows, ["SD-0003", "Cafe\u0301 東京", "x"]]
    assert render._simple(wide, headers) == tabulate(wide, headers=headers, disable_numparse=True)


@settings(max_examples=800, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(CELLS, min_size=n, max_size=n), st.lists(st.lists(CELLS, min_size=n, max_size=n), min_size=1, max_size=5),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n), st.booleans())))
def test_aligned_tables_are_tabulates(x: tuple[list[str], list[list[str]], list[str], bool]) -> None:
    headers, rows, align, plain = x
    cells = [[inert(c) for c in r] for r in rows]
    if plain:
        want = tabulate(cells, tablefmt="plain", disable_numparse=True, colalign=align)
    else:
        want = tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align)
    fast = render.aligned(cells, None if plain else headers, align)
    assert fast is None or fast == want


SPACED = st.text(alphabet=st.sampled_from("ab7,.€ \u00a0\u202f\u2009\u3000東"), max_size=8)


@settings(max_examples=600, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(SPACED, min_size=n, max_size=n),
    st.lists(st.lists(SPACED, min_size=n, max_size=n), min_size=1, max_size=5),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n), st.booleans())))
def test_aligned_tables_with_no_break_spaces_are_tabulates(x: tuple[list[str], list[list[str]], list[str], bool]
                                                          ) -> None:
    """Babel's money and numbers carry no-break spaces ("€ 3.139,38", "3 139,38 €"): laid out as tabulate does."""
    headers, rows, align, plain = x
    if plain:
        want = tabulate(rows, tablefmt="plain", disable_numparse=True, colalign=align)
    else:
        want = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align)
    fast = render.aligned(rows, None if plain else headers, align)
    assert fast == want


def test_money_cells_take_the_fast_layout() -> None:
    rows = [["all", "1,50", "\u20ac\u00a03.139,38"], ["PROGP85", "12,00", "3\u202f139,38\u00a0\u20ac"]]
    fast = render.aligned(rows, ["rate", "hours", "amount"], ["left", "right", "right"])
    assert fast is not None
    assert fast == tabulate(rows, headers=["rate", "hours", "amount"], disable_numparse=True,
                            colalign=["left", "right", "right"])


@settings(max_examples=500, deadline=None)
@given(st.datetimes(), st.datetimes(), st.integers(-14 * 60, 14 * 60), st.integers(-14 * 60, 14 * 60))
def test_list_ages_from_whole_microseconds_are_the_ages_of_instants(a, b, off_a, off_b) -> None:
    """The kept rows of `tix list` hold instants as µs since the epoch; the
    age they print, and their sort key, are those of the datetimes, to the bit."""
    from datetime import timedelta, timezone

    from tix.core.dates import fmt_minutes
    from tix.render.listing import age_from_us, age_text, epoch_us

    now = a.replace(tzinfo=timezone(timedelta(minutes=off_a)))
    created = b.replace(tzinfo=timezone(timedelta(minutes=off_b)))
    if created > now:
        now, created = created, now
    age_min = (now - created).total_seconds() / 60  # the formula the list used before
    want = f"{int(age_min // 1440)}d" if age_min >= 1440 else fmt_minutes(age_min)
    assert age_from_us(epoch_us(now), epoch_us(created)) == want == age_text(now, created)
    assert epoch_us(created) / 1_000_000 == created.timestamp()


@pytest.mark.skipif(importlib.util.find_spec("wcwidth") is None, reason="the set is wcwidth's answer to check")
def test_the_latin_letters_taken_as_narrow_are_one_column_for_wcwidth() -> None:
    from wcwidth import wcwidth

    assert all(wcwidth(ch) == 1 for ch in render._LATIN_NARROW)
    assert "\u00ad" not in render._LATIN_NARROW


LATIN = st.text(alphabet=st.sampled_from("aZ7 .-éøřßÅŁœǅɏ\u00a0\u00ad\u0301東"), max_size=10)


@settings(max_examples=600, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(LATIN, min_size=n, max_size=n), st.lists(st.lists(st.one_of(LATIN, st.integers(0, 99), st.none()),
                                                                min_size=n, max_size=n), max_size=6),
    st.booleans())))
def test_tables_of_the_desks_languages_are_tabulates(x: tuple[list[str], list[list[object]], bool]) -> None:
    """Accented Latin text (known narrow without asking wcwidth), a soft
    hyphen, a combining accent or a wide character (asked), cells that are
    not text, rows as tuples: the table is tabulate's, byte for byte."""
    headers, rows, as_tuples = x
    cells = [[inert(render.cell(c)) for c in r] for r in rows]
    want = tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True)
    assert render.table([tuple(r) for r in rows] if as_tuples else rows, headers) == want
