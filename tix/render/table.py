"""Output: tables (tabulate), JSON with stable keys, CSV, Markdown. Colour only
on a terminal and never with NO_COLOR. Pure functions returning text."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from typing import Any

from tix.core.errors import BadInput
from tix.core.safe import Inert, csv_cell, inert, is_inert, md

FORMATS = ("table", "json", "csv")
REPORT_FORMATS = ("table", "json", "csv", "markdown", "html")


def check_format(fmt: str, allowed: Sequence[str] = FORMATS) -> str:
    if fmt not in allowed:
        raise BadInput(f"--format {fmt}: allowed are {', '.join(allowed)}")
    return fmt


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


_JSON_INERT = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def to_json(obj: Any) -> str:
    """JSON with stable keys. The characters JSON itself leaves raw but a
    terminal obeys (DEL, C1 controls, bidi overrides, line separators) are
    written as \\u escapes: the same data, inert on a terminal."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=_default)
    if _JSON_INERT.search(text):
        text = _JSON_INERT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def cell(v: Any) -> str:
    """A table cell: one line, inert on a terminal (`tix.core.safe.inert`)."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(cell, v))
    return inert(v)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], *, fmt: str = "simple") -> str:
    # text cells are checked all at once (`is_inert` of them joined), each only when that fails
    rows = rows if isinstance(rows, list) else list(rows)
    cells: list[Any] = rows
    if not set(map(type, chain.from_iterable(rows))) <= {str}:  # all text already (a list's rows): as they are
        cells = [[c if type(c) is str else cell(c) for c in r] for r in rows]
    joined = "".join(map("".join, cells))
    clean = is_inert(joined)
    if not clean:
        cells = [[inert(c) for c in r] for r in cells]
    if fmt == "simple":
        fast = _simple(cells, list(headers), joined if clean else None)
        if fast is not None:
            return fast
    from tabulate import tabulate

    return tabulate(cells, headers=list(headers), tablefmt=fmt, disable_numparse=True)


def _simple(rows: list[list[str]], headers: list[str], joined: str | None = None) -> str | None:
    """tabulate's "simple" table of text cells (as `disable_numparse` gives),
    byte for byte, without its per-cell type checks: an invoice draft of
    10,000 lines in 0.05 s instead of 0.9. None where tabulate does more
    than pad (control characters in a cell: line breaks, tabs, ANSI codes,
    its separator marker; ragged rows; a character wcwidth cannot measure):
    then tabulate itself renders. With wcwidth installed tabulate measures
    text by its width on a terminal; so does this, for the cells that are not
    plain ASCII."""
    n = len(headers)
    for r in rows:
        if len(r) != n:
            return None
    joined = ("".join(map("".join, rows)) if joined is None else joined) + "".join(headers)  # the caller's, if made
    if not joined.isprintable():  # control characters: line breaks, ANSI, separators
        return None
    width_of: Any = len
    if not joined.isascii() and _wide_mode() and not _narrow(joined):
        width_of = _wide_width

    rows = [list(map(str.strip, r)) for r in rows]
    try:
        widths = [width_of(h) + 2 for h in headers]  # tabulate's MIN_PADDING for headers
        if width_of is len:
            # per column, in C (a list of 24,000 rows: 30 ms instead of 120)
            if rows:
                widths = [max(w, max(map(len, col))) for w, col in zip(widths, zip(*rows, strict=True), strict=True)]
            seen = None
        else:
            seen = [[width_of(c) for c in r] for r in rows]
            for ws in seen:
                for i, w in enumerate(ws):
                    if w > widths[i]:
                        widths[i] = w
    except ValueError:
        return None
    if seen is None:
        out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip(),
               "  ".join("-" * w for w in widths)]
        # each cell left-aligned to its column's width (`%-Ns` pads by length, as str.ljust)
        line = "  ".join(f"%-{w}s" for w in widths)
        out += [(line % tuple(r)).rstrip() for r in rows]
        return "\n".join(out)
    out = ["  ".join(h + " " * (w - width_of(h)) for h, w in zip(headers, widths, strict=False)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c + " " * (w - cw) for c, cw, w in zip(r, ws, widths, strict=False)).rstrip()
            for r, ws in zip(rows, seen, strict=False)]
    return "\n".join(out)


def aligned(rows: list[list[str]], headers: list[str] | None, align: Sequence[str]) -> str | None:
    """tabulate's "simple" table (or "plain" when `headers` is None) of text
    cells with `colalign` left or right, as `disable_numparse` gives, byte for
    byte, without its per-cell type checks; None where tabulate must do it
    (as `_simple`)."""
    n = len(align)
    if any(len(r) != n for r in rows) or (headers is not None and len(headers) != n) or not rows:
        return None
    joined = "".join("".join(r) for r in rows) + "".join(headers or ())
    if not _printable(joined) or any(a not in ("left", "right") for a in align):
        return None
    width_of: Any = len
    if not joined.isascii() and _wide_mode() and not _narrow(joined):
        width_of = _wide_width

    rows = [[c.strip() for c in r] for r in rows]
    try:
        widths = [width_of(h) + 2 for h in headers] if headers is not None else [0] * n
        seen = [[width_of(c) for c in r] for r in rows]
        head_w = [width_of(h) for h in headers] if headers is not None else []
    except ValueError:
        return None
    for ws in seen:
        for i, w in enumerate(ws):
            if w > widths[i]:
                widths[i] = w
    right = [a == "right" for a in align]
    if width_of is len:  # a cell's width is its length: str.ljust and str.rjust pad it
        pads = [str.rjust if r else str.ljust for r in right]

        def line(cells: list[str], ws: list[int]) -> str:
            return "  ".join([p(c, w) for p, c, w in zip(pads, cells, widths, strict=True)])
    else:
        def line(cells: list[str], ws: list[int]) -> str:
            return "  ".join(" " * (w - cw) + c if r else c + " " * (w - cw)
                             for c, cw, w, r in zip(cells, ws, widths, right, strict=False))

    out = []
    if headers is not None:
        out = [line(list(headers), head_w).rstrip(), "  ".join("-" * w for w in widths)]
    out += [line(r, ws).rstrip() for r, ws in zip(rows, seen, strict=False)]
    return "\n".join(out)


def _printable(text: str) -> bool:
    """Printable, or only spaces of other widths besides (the no-break
    spaces Babel puts in money and numbers: "€ 3.139,38", "3 139,38 €"),
    which tabulate pads and strips like any character."""
    if text.isprintable() or text.replace("\u00a0", " ").replace("\u202f", " ").isprintable():
        return True
    import unicodedata

    return all(c.isprintable() or unicodedata.category(c) == "Zs" for c in set(text))


@lru_cache(maxsize=1)
def _wide_mode() -> bool:
    """tabulate measures with wcwidth when that package is installed."""
    import importlib.util

    return importlib.util.find_spec("wcwidth") is not None


def _narrow(text: str) -> bool:
    """Is every character of `text` one column wide on a terminal (as wcwidth
    measures: no wide, combining or zero-width ones)? Then a cell's width is
    its length, as for ASCII (one check of the few distinct characters).
    Latin letters with their accents (the desk's names: é, ø, ř, ß) are
    known to be (a test asks wcwidth about each): wcwidth is imported only
    for other characters."""
    rest = set(_ASCII_RUNS.sub("", text))
    if not rest or _LATIN_NARROW.issuperset(rest):
        return True
    from wcwidth import wcwidth

    return all(wcwidth(ch) == 1 for ch in rest)


# Latin-1's signs and letters and Latin Extended-A and -B: one column each
# (no soft hyphen, U+00AD, which wcwidth may count as zero)
_LATIN_NARROW = frozenset(map(chr, (*range(0xA0, 0xAD), *range(0xAE, 0x250))))


_ASCII_RUNS = re.compile("[\x00-\x7f]+")  # cut out in C: the set of what is left is built twice as fast


@lru_cache(maxsize=65536)
def _wide_width(c: str) -> int:
    """A cell's width on a terminal as tabulate measures it (wcwidth; cached:
    a report repeats its amounts, days and names); ValueError where wcwidth
    cannot tell."""
    if c.isascii():
        return len(c)
    from wcwidth import wcswidth

    w = wcswidth(c)
    if w < 0:
        raise ValueError(c)
    return int(w)


def to_csv(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """CSV a spreadsheet opens safely: text that could start a formula gets a
    leading `'`; numbers (int, Decimal) stay numbers (`tix.core.safe.csv_cell`)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in headers])
    for r in rows:
        w.writerow([c.isoformat() if isinstance(c, datetime) else
                    csv_cell(cell(c) if isinstance(c, (bool, list, tuple)) else c) for c in r])
    return buf.getvalue()


def to_markdown(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A GitHub table; every cell escaped (`tix.core.safe.md`): no HTML, no links."""
    from tabulate import tabulate

    cells = [[md(cell(c)) for c in r] for r in rows]
    return tabulate(cells, headers=[md(h) for h in headers], tablefmt="github", disable_numparse=True)


def paint(text: str, style: str, enabled: bool) -> str:
    if not enabled:
        return inert(text)
    codes = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}
    return Inert(f"\x1b[{codes[style]}m{inert(text)}\x1b[0m")
