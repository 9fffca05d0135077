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
