"""Checks of typed-in values that several commands share (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from tix.core.errors import BadInput


def check_choice(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise BadInput(f"{what} {value!r}: allowed are {', '.join(allowed)}")
    return value


def check_tags(tags: list[str], what: str = "--tag") -> list[str]:
    """Free tags: each one visible text on one line (an empty `--tag ''` or a
    tag of blanks or control characters could not be seen, typed or removed)."""
    for tag in tags:
        if not tag.strip():
            raise BadInput(f"{what} {tag!r}: a tag cannot be empty")
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in tag):
            raise BadInput(f"{what} {tag!r}: control, line-break or bidi characters are not allowed in a tag")
        if len(tag) > 100:
            raise BadInput(f"{what} {tag[:20]!r}...: at most 100 characters")
    return tags
