"""A ticket's checklist, folded from its header (`checklist`: the items a
recurring rule gave it) and its `check_added` / `checked` events. Pure."""

from __future__ import annotations

from typing import Any

from tix.core.dates import parse_stamp


def checklist(t: Any) -> list[dict[str, Any]]:
    """[{"text", "done", "by", "at"}] in item order (1-based numbers in the commands)."""
    items: list[dict[str, Any]] = [{"text": str(x), "done": False, "by": None, "at": None}
                                   for x in (t.fields.get("checklist") or [])]
    evs = sorted(((parse_stamp(e["at"]), i, e) for i, e in enumerate(t.events)
                  if e["type"] in ("check_added", "checked")), key=lambda x: (x[0], x[1]))
    for _, _, e in evs:
        if e["type"] == "check_added":
            items.append({"text": e["text"], "done": False, "by": None, "at": None})
        else:
            n = e["item"]
            if 1 <= n <= len(items):
                if e.get("undo"):
                    items[n - 1].update(done=False, by=None, at=None)
                else:
                    items[n - 1].update(done=True, by=e["by"], at=e["at"])
    return items


def open_items(t: Any) -> list[int]:
    return [i for i, it in enumerate(checklist(t), 1) if not it["done"]]


def can_add(t: Any, raw: str) -> str:
    """The item text `tix check add` may add to `t` (one line, 1 to 300
    characters, at most 200 items, not on a merged ticket). Raises BadInput."""
    from tix.core.errors import BadInput

    text = " ".join(raw.split())
    if not text or len(text) > 300:
        raise BadInput("check add TEXT: expected one line of 1 to 300 characters")
    if t.merged_into:
        raise BadInput(f"{t.id} was merged into {t.merged_into}; use that ticket")
    if len(checklist(t)) >= 200:
        raise BadInput(f"{t.id}: a checklist holds at most 200 items")
    return text


def can_tick(t: Any, raw: str, undo: bool) -> tuple[int, list[dict[str, Any]]]:
    """(item number, the checklist) for `tix check ID N [--undo]`. Raises BadInput."""
    from tix.core.errors import BadInput

    if not raw.isascii() or not raw.isdigit():
        raise BadInput(f"check N: {raw!r} is not an item number")
    n = int(raw)
    items = checklist(t)
    if not items:
        raise BadInput(f"{t.id} has no checklist; `tix check add {t.id} TEXT` adds an item")
    if not 1 <= n <= len(items):
        raise BadInput(f"check N: {n} is not an item of {t.id} (1..{len(items)})")
    item = items[n - 1]
    if item["done"] and not undo:
        raise BadInput(f"{t.id}: item {n} is already ticked ({item['by']} {item['at'][:16]}); --undo unticks it")
    if not item["done"] and undo:
        raise BadInput(f"{t.id}: item {n} is not ticked")
    return n, items
