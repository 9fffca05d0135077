"""tix search and tix kb: find how we solved it last time (docs/processes.md,
"Knowledge": past solutions and standard solutions). The ranking lives in tix.core.search."""

from __future__ import annotations

import sys

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import FormatOpt
from tix.core.errors import TixError


def _short(text: str | None, width: int = 70) -> str:
    s = " ".join((text or "").split())
    return s if len(s) <= width else s[: width - 1] + "…"


def load_tickets(env, where=None) -> list:  # type: ignore[no-untyped-def]
    """Tickets through the index cache; with `where` (a test on the index's
    columns: status, category, org, ...) only those are decoded, which makes
    searching 10,000 tickets cheap. Broken files are reported on stderr."""
    from tix.storage import index

    problems: list = []
    tickets = index.load_all(env.store, problems, where=where)
    for prob in problems:
        warn(prob)
    return tickets


def searchable_row(row) -> bool:  # type: ignore[no-untyped-def]
    """The index columns of a ticket that tix.core.search may return."""
    return row.status in ("resolved", "closed") or row.category == "problem"


def search(
    text: list[str] = typer.Argument(..., help="Words to look for (accents and case do not matter)."),
    limit: int = typer.Option(10, "--limit", "-n", help="Show at most N hits."),
    format: str = FormatOpt,
) -> None:
    """Search resolved and closed tickets and problems: titles, descriptions,
    solutions, workarounds, root causes and public comments (never internal
    notes). Best match first; the title weighs most, then the solution and
    workaround. Exit code 1 when nothing matches.

    Examples:

      tix search switch orderverwerking

      tix search "Grüntjens" --format json
    """
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput, CheckFailed
    from tix.core.search import query_terms, rank
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    query = " ".join(text)
    if limit < 1:
        raise BadInput(f"--limit {limit}: must be 1 or more")
    if not query_terms(query):
        raise BadInput(f"search {query!r}: no words to look for (letters or digits)")
    hits = rank(load_tickets(env, searchable_row), query, limit=limit)
    if format == "json":
        print(render.to_json([h.to_json() for h in hits]))
    else:
        headers = ["id", "score", "status", "category", "title", "answer"]
        rows = []
        for h in hits:
            t = h.ticket
            answer = t.solution or (f"workaround: {t.f('workaround')}" if t.f("workaround") else "")
            rows.append([t.id, f"{h.score:.2f}", t.status, t.category,
                         t.title if format == "csv" else _short(t.title, 50),
                         answer if format == "csv" else _short(answer)])
        if format == "csv":
            print(render.to_csv(rows, headers), end="")
        elif rows:
            print(render.table(rows, headers))
    if not hits:
        raise CheckFailed(f"search {query!r}: nothing found")


def kb(
    query: list[str] | None = typer.Argument(None, help="Only entries matching these words."),
    known_errors: bool = typer.Option(False, "--known-errors", help="Also open problems with a documented workaround."),
    format: str = FormatOpt,
) -> None:
    """The knowledge base: standard solutions (problems marked with
    `tix set ID --standard-solution`), and with --known-errors the open
    problems whose workaround is known.

    Examples:

      tix kb

      tix kb printer --known-errors
    """
    from tix.app.knowledge import kb_entries
    from tix.cli.env import ctx_env
    from tix.core.errors import CheckFailed
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    tickets = load_tickets(env, lambda row: row.category in ("problem", "incident", "request"))
    data = kb_entries(tickets, query, known_errors)
    if format == "json":
        print(render.to_json(data))
        if not data:
            raise CheckFailed("no standard solutions match")
        return
    headers = ["id", "kind", "incidents", "title", "solution / workaround"]
    rows = [[d["id"], d["kind"], d["incidents"], d["title"] if format == "csv" else _short(d["title"], 50),
             (d["solution"] or f"workaround: {d['workaround'] or '-'}") if format == "csv"
             else _short(d["solution"] or f"workaround: {d['workaround'] or '-'}")] for d in data]
    if format == "csv":
        print(render.to_csv(rows, headers), end="")
    elif rows:
        print(render.table(rows, headers))
    if not rows:
        if query:
            raise CheckFailed(f"no standard solutions match {' '.join(query)!r}")
        raise CheckFailed("no standard solutions yet (mark a solved problem with `tix set ID --standard-solution`)")


SIMILAR_MAX_TICKETS = 2000  # above this, `tix new` skips the hint unless asked (--similar)


def print_similar(env, tid: str, title: str, description: str | None,  # type: ignore[no-untyped-def]
                  force: bool | None = None) -> None:
    """For `tix new`: up to three similar past tickets with their solutions,
    on standard error (standard output carries only the new ID). A hint, so
    it never fails the command: a desk it cannot read is skipped silently.
    `new` touches one file: on a desk of more than SIMILAR_MAX_TICKETS the
    hint (which reads every solved ticket) runs only with --similar."""
    import os

    if force is False or (force is None and os.environ.get("TIX_NO_SIMILAR")):
        return
    if force is None and env.store.approx_count() > SIMILAR_MAX_TICKETS:
        return
    try:
        from tix.core.search import similar
        from tix.storage import index

        hits = similar(index.load_all(env.store, [], where=searchable_row), title, description, exclude=(tid,))
    except (TixError, OSError):  # a hint only: an unreadable desk shows none
        return
    if not hits:
        return
    print("similar past tickets:", file=sys.stderr)
    for h in hits:
        t = h.ticket
        answer = t.solution or f"workaround: {t.f('workaround')}"
        print(f"  {t.id}  {_short(t.title, 60)}\n    -> {_short(answer, 100)}", file=sys.stderr)
