"""tix recur: recurring work from the policy's `recurring:` rules."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.commands.common import FormatOpt

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Recurring work: `tix recur run` (from cron) creates what is due; `tix recur list`.")


@app.command("run")
def run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be created; write nothing."),
    format: str = FormatOpt,
) -> None:
    """Create every occurrence that is due (since each rule's `from`), exactly
    once per desk: running it twice, late, or on two clones is safe.

    Example (cron, every hour): tix recur run
    """
    from tix.app.recur import run as run_
    from tix.cli.commands.common import check_choice
    from tix.cli.env import ctx_env
    from tix.render import table as render

    check_choice(format, ("table", "json", "csv"), "--format")
    env = ctx_env()
    rows = run_(env.store, env.policy, env.now, env.user, new_id=env.ids, dry_run=dry_run)
    if not dry_run and rows:
        env.finish(f"tix recur run: {len(rows)} occurrence(s)")
    if format == "json":
        print(render.to_json(rows))
        return
    if format == "csv":
        print(render.to_csv([[r["ticket"], r["action"], r["occurrence"], r["at"], r["title"]] for r in rows],
                            ["ticket", "action", "occurrence", "at", "title"]), end="")
        return
    if not rows:
        print("nothing due")
    for r in rows:
        if r["action"] == "merged":
            print(f"{r['ticket']}: merged into {r['into']} (the same occurrence {r['occurrence']})")
        else:
            print(f"{r['ticket'] or '-'}: {r['action']}: {r['title']} ({r['occurrence']}, {r['at'][:16]})")


@app.command("list")
def list_(
    days: int = typer.Option(31, "--days", help="How far ahead, in days."),
    format: str = FormatOpt,
) -> None:
    """The coming occurrences of the recurring rules.

    Example: tix recur list --days 90
    """
    from tix.app.recur import coming
    from tix.cli.commands.common import check_choice
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput
    from tix.render import table as render

    check_choice(format, ("table", "json", "csv"), "--format")
    if not 1 <= days <= 3660:
        raise BadInput(f"--days {days}: expected 1..3660")
    env = ctx_env()
    occs = coming(env.policy, env.now, days)
    rows: list[dict[str, Any]] = [{"at": o.at.isoformat(), "rule": o.rule.name, "org": o.org, "title": o.title(),
                                   "occurrence": o.name, "checklist": list(o.rule.checklist)} for o in occs]
    if format == "json":
        print(render.to_json(rows))
        return
    headers = ["at", "rule", "org", "title"]
    cells = [[r["at"][:16].replace("T", " "), r["rule"], r["org"] or "", r["title"]] for r in rows]
    if format == "csv":
        print(render.to_csv(cells, headers), end="")
        return
    if not rows:
        print(f"no occurrences in the next {days} days")
        return
    print(render.table(cells, headers))
