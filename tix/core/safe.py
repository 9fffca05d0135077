"""Text from outside (titles, comments, names, file names, mail) made inert
where it is shown: on a terminal, in a Markdown document, in a spreadsheet.

* `inert(text)`: for a terminal. Control characters (C0 including ESC, NUL,
  CR and LF; DEL; C1 including the one-byte CSI 0x9b), the bidi overrides and
  isolates U+202A-U+202E and U+2066-U+2069, the line and paragraph
  separators U+2028/U+2029 and lone surrogates are made visible: C0 and DEL
  as their control pictures (ESC -> "␛", LF -> "␊"), the others as
  "[U+202E]". Nothing in the result moves the cursor, sets a window title,
  makes a hyperlink, reorders text or breaks a table row. `lines=True`
  keeps line feeds and tabs (for multi-line texts such as comments).
* `InertStream`: wraps standard output and error for the whole run (set up
  by `tix.cli.boundary`), so any text a command prints passes through `inert` with
  line breaks kept; tix's own colour codes pass only when colour is on.
* `md(text)`: for a Markdown document: inert, one line (line feeds become
  spaces), no HTML (`<`, `>`,
  `&` as entities), no link or image syntax (`[`, `]` escaped), no
  `javascript:`-style scheme, `|` escaped for table cells.
* `csv_cell(value)`: for a spreadsheet: a text cell that starts with `=`,
  `+`, `-`, `@`, tab or CR gets a leading `'`, so no spreadsheet reads it
  as a formula; numbers tix writes (int, Decimal, float, or text that is
  exactly a plain ASCII number like `-12.50`) stay numbers.
"""

from __future__ import annotations

import re
from typing import Any

_CTRL = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff"
_ONE_LINE = re.compile(f"[{_CTRL}]")
_CTRL_LF_TAB = "[" + _CTRL.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f") + "]"  # line feed and tab kept
_LINES = re.compile("\r\n|" + _CTRL_LF_TAB)
# in a stream: also CR LF (CSV, iCalendar) and, when colour is on, tix's own colour codes
_COLOUR = "\x1b\\[(?:0|1|2|3[1236])m"
_STREAM = re.compile(f"({_COLOUR})|\r\n|{_CTRL_LF_TAB}")
# the character every match of _STREAM starts with (ESC and CR are in it): a search for it alone is
# five times faster than _STREAM's on text with no match (a list of 24,000 rows: 22 ms against 122)
_STREAM_FIRST = re.compile(_CTRL_LF_TAB)


class Inert(str):
    """Text already made safe by tix (its own colour codes, a wrapped
    multi-line cell): shown as it is."""


def shown(ch: str) -> str:
    """One dangerous character, made visible."""
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)  # the control pictures: ␀ ... ␛ ... ␟
    if o == 0x7F:
        return "\u2421"  # ␡
    return f"[U+{o:04X}]"


def _sub_lines(m: re.Match[str]) -> str:
    s = m.group()
    return "\n" if s == "\r\n" else shown(s)


def inert(text: Any, *, lines: bool = False) -> str:
    """`text` safe to print: see the module. One line unless `lines`."""
    s = text if isinstance(text, str) else str(text)
    if isinstance(s, Inert):
        return s
    if lines:
        return _LINES.sub(_sub_lines, s) if _LINES.search(s) else s
    if not _ONE_LINE.search(s):
        return s
    return _ONE_LINE.sub(lambda m: " " if m.group() == "\t" else shown(m.group()), s)


def is_inert(text: str) -> bool:
    """`inert(text)` would give `text` itself: one line, nothing a terminal obeys
    (one test for many cells: join them, as no match spans two characters)."""
    return not _ONE_LINE.search(text)


class InertStream:
    """A text stream that makes everything written to it inert (line feeds,
    tabs and CR LF kept; tix's colour codes kept if `colour`)."""

    def __init__(self, stream: Any, colour: bool = False):
        self._stream = stream
        self._colour = colour
        self._cr = False  # a CR at the end of the last write: is the next character LF?

    def _sub(self, m: re.Match[str]) -> str:
        s = m.group()
        if m.group(1) is not None:
            return s if self._colour else "".join(map(shown, s[:1])) + s[1:]
        return s if s == "\r\n" else shown(s)

    def write(self, s: str) -> int:
        n = len(s)
        if self._cr:
            s, self._cr = "\r" + s, False
        if s.endswith("\r"):
            s, self._cr = s[:-1], True
        if _STREAM_FIRST.search(s):
            s = _STREAM.sub(self._sub, s)
        self._stream.write(s)
        return n

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._cr:
            self._cr = False
            self._stream.write(shown("\r"))
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# ---------------------------------------------------------------- Markdown

_MD = re.compile(r"[\\\[\]<>&|]")
_MD_MAP = {"\\": "\\\\", "[": "\\[", "]": "\\]", "<": "&lt;", ">": "&gt;", "&": "&amp;", "|": "\\|"}
_SCHEME = re.compile(r"\b(javascript|vbscript|data|file)\s*:", re.I)


def md(text: Any) -> str:
    """`text` for a Markdown document (a table cell or a heading): see the module."""
    s = "" if text is None else str(text)
    s = inert(s.replace("\r\n", " ").replace("\n", " "))  # a table row or heading is one line
    s = _MD.sub(lambda m: _MD_MAP[m.group()], s)
    return _SCHEME.sub(lambda m: m.group(1) + "&#58;", s)


# ---------------------------------------------------------------- spreadsheets

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def csv_cell(value: Any) -> Any:
    """A CSV cell no spreadsheet evaluates: see the module. Multi-line text
    keeps its line feeds; other control characters are made visible."""
    if value is None:
        return ""
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or type(value).__name__ == "Decimal":
        return value
    s = inert(value, lines=True)
    if s.startswith(_FORMULA_START) and s not in ("-", "+") and not _PLAIN_NUMBER.fullmatch(s):
        return "'" + s
    return s
