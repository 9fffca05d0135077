"""tix alerts: the alert rules, and the check for keys that went silent."""

from __future__ import annotations

import typer

from tix.cli.commands.common import FormatOpt

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Monitoring and backup alerts: `tix alerts check` (from cron), `tix alerts rules`.")


@app.command("check")
def check(format: str = FormatOpt) -> None:
    """Open a ticket for each key that has been silent longer than its rule's
    expect_every (once), and list them. A report that comes in again resolves it.

    Example (cron, every hour): tix alerts check
    """
    from tix.app.alerts import check_silent
    from tix.cli.commands.common import check_choice
    from tix.cli.env import ctx_env
    from tix.render import table as render

    check_choice(format, ("table", "json", "csv"), "--format")
    env = ctx_env()
    rows = check_silent(env.store, env.policy, env.now, env.user, env.ids)
    if any(r["action"] == "opened" for r in rows):
        env.finish("tix alerts check")
    if format == "json":
        print(render.to_json(rows))
        return
    if format == "csv":
        print(render.to_csv([[r["key"], r["action"], r["ticket"], r["silent_since"]] for r in rows],
                            ["key", "action", "ticket", "silent_since"]), end="")
        return
    if not rows:
        print("no silent keys")
    for r in rows:
        print(f"{r['ticket']}: {r['action']}: no report from {r['key']} since {r['silent_since'][:16]}")


@app.command("rules")
def rules() -> None:
    """The alert rules in force (the policy's, or the shipped ones), first match wins."""
    from tix.cli.env import ctx_env

    env = ctx_env()
    for r in env.policy.alerts:
        pats = " ".join(f"{n}={p.pattern!r}" for n, p in (("from", r.sender), ("subject", r.subject),
                                                           ("body", r.body)) if p is not None)
        print(f"{r.name}: key {r.key!r}; open {', '.join(r.open) or '-'}; resolve {', '.join(r.resolve) or '-'}"
              + (f"; flap {r.flap}m" if r.flap else "") + (f"; rate {r.rate}m" if r.rate else "")
              + (f"; expect every {r.expect_every}m" if r.expect_every else "") + f"\n    {pats}")
