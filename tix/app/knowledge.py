"""The knowledge base (`tix kb`): standard solutions, and with `known_errors`
the workarounds of open problems, matched against a query."""

from __future__ import annotations

from typing import Any


def kb_entries(tickets: list[Any], query: list[str] | None, known_errors: bool) -> list[dict[str, Any]]:
    """The entries, best match first with a query, else standard solutions
    first and by title."""
    from tix.core.search import rank

    def wanted(t: Any) -> bool:
        if t.category != "problem" or t.merged_into:
            return False
        if t.f("standard_solution"):
            return True
        return known_errors and t.is_open and bool(t.f("workaround"))

    entries = [t for t in tickets if wanted(t)]
    if query:
        order = {h.id: n for n, h in enumerate(rank(entries, " ".join(query), limit=None))}
        entries = sorted((t for t in entries if t.id in order), key=lambda t: order[t.id])
    else:
        entries.sort(key=lambda t: (not t.f("standard_solution"), t.title.casefold(), t.id))
    by_id = {t.id: t for t in tickets}
    data = []
    for t in entries:
        incidents = [i for i in t.linked("causes") if i in by_id]
        data.append({"id": t.id, "title": t.title, "status": t.status,
                     "kind": "standard solution" if t.f("standard_solution") else "known error",
                     "solution": t.solution, "workaround": t.f("workaround"), "root_cause": t.f("root_cause"),
                     "incidents": len(incidents)})
    return data
