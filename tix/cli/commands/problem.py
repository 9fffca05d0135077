"""tix problem: problem management (docs/processes.md). A problem
gathers the incidents that share a cause (links `causes` / `caused-by`),
documents the root cause and a workaround (a known error), and, once
solved, resolves or informs its open incidents in one step."""

from __future__ import annotations

import sys

import typer

from tix.app.problems import INCIDENT_ACTIONS
from tix.cli.boundary import warn
from tix.cli.commands.common import AtOpt, FormatOpt, text_arg

app = typer.Typer(add_completion=False, rich_markup_mode=None, no_args_is_help=True,
                  help="Problems: gather incidents, root cause, workaround, solve them all at once.\n\n"
                       "Example: pid=$(tix problem new --from AB-0042 --title 'Core switch fails' "
                       "--workaround 'patch to the spare switch')")


@app.command("new")
def new(
    title: str = typer.Option(..., "--title", "-t", help="What goes wrong, in one line."),
    from_: list[str] = typer.Option([], "--from", help="An incident this problem causes (repeatable)."),
    root_cause: str | None = typer.Option(None, "--root-cause", help="The root cause, when known."),
    workaround: str | None = typer.Option(None, "--workaround",
                                             help="How to get users working meanwhile (a known error)."),
    message: str | None = typer.Option(None, "-m", "--message", help="Description; '-' reads standard input."),
    team: str | None = typer.Option(None, "--team", help="Team that investigates (default: the first incident's)."),
    to: str | None = typer.Option(None, "--to", help="Agent who investigates."),
    impact: int | None = typer.Option(None, "--impact", help="Impact (default: the highest of its incidents)."),
    urgency: int | None = typer.Option(None, "--urgency", help="Urgency (default: the policy's)."),
    at: str | None = AtOpt,
) -> None:
    """Open a problem that gathers incidents: each --from incident is linked
    `caused-by` the problem, the problem `causes` each. Prints the new ID
    alone on the first line.

    Example:

      pid=$(tix problem new --from AB-0042 --from AB-0044 --title "Core switch rack 3 fails" \\
            --root-cause "failing power supply" --workaround "patch the order dept to the spare switch")
    """
    from tix.app.problems import open_problem
    from tix.cli.env import ctx_env

    env = ctx_env()
    pid, title, linked = open_problem(env, title, from_, team=team, to=to, impact=impact, urgency=urgency,
                                      description=text_arg(message, "-m"),
                                      root_cause=text_arg(root_cause, "--root-cause"),
                                      workaround=text_arg(workaround, "--workaround"), at=at)
    print(pid)
    sys.stdout.flush()
    if linked:
        print(f"{pid}: causes {', '.join(linked)}", file=sys.stderr)
    env.finish(f"tix problem new {pid}: {title}")


@app.command("add")
def add(
    id: str = typer.Argument(..., help="The problem."),
    incidents: list[str] = typer.Argument(..., help="Incidents it causes."),
    at: str | None = AtOpt,
) -> None:
    """Add incidents to a problem (links them `caused-by` the problem).

    Example: tix problem add AB-0050 AB-0061 AB-0063
    """
    from tix.app.problems import add_incidents
    from tix.cli.env import ctx_env

    env = ctx_env()
    pr, added = add_incidents(env, id, incidents, at)
    env.finish(f"tix problem add {pr.id} {' '.join(added)}")
    print(f"{pr.id}: causes {', '.join(added)}" if added else f"{pr.id}: already linked to all of them")


@app.command("list")
def list_(
    all_: bool = typer.Option(False, "--all", "-a", help="Also resolved and closed problems."),
    format: str = FormatOpt,
) -> None:
    """Problems with their incidents (open/total), affected organisations,
    age, and whether a workaround is known. Most open incidents first.

    Example: tix problem list --all
    """
    from tix.cli.env import ctx_env
    from tix.core.itil import problem_summaries
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    problems: list = []
    from tix.storage.index import load_all  # the index's query (tix.storage.index)
    tickets = load_all(env.store, problems)
    for prob in problems:
        warn(prob)
    rows = problem_summaries(tickets, env.now, include_done=all_)
    if format == "json":
        print(render.to_json([s.to_json() for s in rows]))
        return
    headers = ["id", "status", "incidents", "orgs", "age", "known error", "title"]
    out = [[s.id, s.status, f"{len(s.open_incidents)}/{len(s.incidents)}" if format == "table" else len(s.incidents),
            ", ".join(s.orgs), f"{s.age_days}d", "yes" if s.known_error else "no", s.title] for s in rows]
    if format == "csv":
        print(render.to_csv(out, headers), end="")
    elif out:
        print(render.table(out, headers))
    else:
        print("no problems" + ("" if all_ else " open (--all shows solved ones too)"), file=sys.stderr)


@app.command("show")
def show(
    id: str = typer.Argument(..., help="The problem."),
    format: str = FormatOpt,
) -> None:
    """A problem with its root cause, workaround, changes and every incident
    it causes (state, organisation, requester).

    Example: tix problem show AB-0050
    """
    from tix.app.desk import Desk
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput
    from tix.core.itil import problem_summary
    from tix.render import table as render

    env = ctx_env()
    render.check_format(format)
    pr = env.store.ticket(id)
    if pr.category != "problem":
        raise BadInput(f"{pr.id} is a {pr.category}, not a problem (try `tix show {pr.id}`)")
    related = Desk(env).readable(pr.linked("causes") + pr.linked("fixed-by"))
    s = problem_summary(pr, related, env.now)
    incidents = [{"id": i, "status": related[i].status if i in related else "?",
                  "org": related[i].org if i in related else None,
                  "requester": related[i].requester.get("name") if i in related else None,
                  "title": related[i].title if i in related else "(missing)"} for i in s.incidents]
    if format == "json":
        print(render.to_json({**s.to_json(), "incident_rows": incidents}))
        return
    rows = [[d["id"], d["status"], d["org"] or "", d["requester"] or "", d["title"]] for d in incidents]
    if format == "csv":
        print(render.to_csv(rows, ["id", "status", "org", "requester", "title"]), end="")
        return
    print(f"{s.id}  {s.title}")
    print(f"  Status     {s.status}, {s.age_days}d old, {len(s.open_incidents)} of {len(s.incidents)} incidents open")
    for label, value in (("Orgs", ", ".join(s.orgs)), ("Root cause", s.root_cause), ("Workaround", s.workaround),
                         ("Solution", s.solution), ("Changes", ", ".join(
                             f"{c} [{related[c].status}]" if c in related else c for c in s.changes))):
        if value:
            print(f"  {label:<11}{value}")
    if rows:
        print("  Incidents")
        print("\n".join("    " + ln for ln in render.table(rows, ["id", "status", "org", "requester",
                                                                 "title"]).splitlines()))


@app.command("resolve")
def resolve(
    id: str = typer.Argument(..., help="The problem."),
    solution: str | None = typer.Option(None, "--solution", "-s", help="What removed the cause ('-' reads stdin)."),
    incidents: str | None = typer.Option(None, "--incidents", help="What to do with its open incidents: resolve "
                                            "(with this solution), comment (tell the requester) or leave."),
    root_cause: str | None = typer.Option(None, "--root-cause", help="Record the root cause as well."),
    standard: bool = typer.Option(False, "--standard-solution", help="Also list the solution in `tix kb`."),
    force: bool = typer.Option(False, "--force", help="Resolve even while child tickets are open."),
    at: str | None = AtOpt,
) -> None:
    """Resolve a problem and, in the same step, resolve (or comment on) its
    open incidents with the solution. Without --incidents you are asked on a
    terminal; in a script the incidents are left and the command to finish
    them is printed. On a problem already resolved, only --incidents is done
    (with the problem's solution).

    Examples:

      tix problem resolve AB-0050 --solution "Replaced the core switch (change AB-0051)" --incidents resolve

      tix problem resolve AB-0050 --incidents comment
    """
    from tix.app.problems import check_problem_resolve, resolve_problem
    from tix.cli.commands.common import check_choice
    from tix.cli.env import ctx_env

    env = ctx_env()
    r = check_problem_resolve(env, id, incidents, text_arg(solution, "--solution"), force, at)
    pr, open_ = r.problem, r.open_incidents
    if incidents is None and open_ and not r.already and sys.stdin.isatty() and sys.stdout.isatty():
        incidents = typer.prompt(f"{len(open_)} open incidents ({', '.join(t.id for t in open_)}): "
                                 "resolve, comment or leave?", default="resolve")
        check_choice(incidents, INCIDENT_ACTIONS, "answer")
    done, skipped = resolve_problem(env, r, incidents, text_arg(root_cause, "--root-cause"), standard)
    if not r.already:
        print(f"{pr.id}: resolved")
    for tid in skipped:
        print(f"{tid}: has child tickets; resolve it by hand", file=sys.stderr)
    if done:
        print(f"{'resolved' if incidents == 'resolve' else 'commented on'}: {', '.join(done)}")
    elif open_ and incidents in (None, "leave"):
        print(f"{pr.id}: {len(open_)} incidents still open ({', '.join(t.id for t in open_)}); "
              f"`tix problem resolve {pr.id} --incidents resolve` resolves them with this solution", file=sys.stderr)
    env.finish(f"tix problem resolve {pr.id}")
