"""Text folding for matching: case and accents folded, so "Grüntjens" finds
"gruntjens" and "Øystein" finds "oystein" (Dutch, German, Czech, Norwegian)."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "Ł": "l",
                          "ı": "i", "œ": "oe", "Œ": "oe"})
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    text = str(text).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))
