"""tix report month | period: the monthly report with its trend, any period
(`--by month|week|team|org`), and the IT manager's view (`--org`)."""

from __future__ import annotations

from typing import Any

import typer

from tix.cli.boundary import warn

app = typer.Typer(
    add_completion=False, rich_markup_mode=None, no_args_is_help=True,
    help="Monthly and period reports, trends, the IT manager's view.\n\n"
    "Examples:\n\n"
    "  tix report month 2026-10\n\n"
    "  tix report month 2026-10 --org contoso -o contoso-2026-10.html\n\n"
    "  tix report period 2026-Q4 --by month\n\n"
    "  tix report period --since 2026-09-01 --until 2026-12-01 --by team --format csv",
)

OrgOpt = typer.Option(
    None, "--org", help="Only this organisation (a key under orgs: in policies.yaml): the IT manager's view, "
    "with each ticket's requester, work, rate, cost, SLA outcome and public history. Example: --org contoso")
FormatOpt = typer.Option(
    None, "--format", "-f", help="table, json, csv, markdown or html (default: table, or what -o's extension "
    "says). Example: --format json")
OutputOpt = typer.Option(
    None, "--output", "-o", metavar="FILE", help="Write to FILE; the extension picks the format (.txt, .json, "
    ".csv, .md, .html). Example: -o report.html")


@app.command("month")
def month(
    month: str | None = typer.Argument(
        None, metavar="[MONTH]", help="YYYY-MM, this-month or last-month (default: last-month). Example: 2026-10"),
    org: str | None = OrgOpt,
    format: str | None = FormatOpt,
    output: str | None = OutputOpt,
) -> None:
    """The monthly report: tickets opened, resolved, closed and the backlog at
    month end (with its age); counts by priority, team, category, channel,
    organisation and agent; hours worked and billed and the amounts (priced
    like `tix invoice`); response and resolve SLA met in percent and the
    breaches; median and 90th-percentile time to resolve in business hours;
    reopen rate; satisfaction; escalations by line; and a trend of the month
    against the twelve before it. docs/reports.md defines every figure.

    Examples:

      tix report month 2026-10

      tix report month last-month --format markdown > october.md

      tix report month 2026-10 --org contoso -o contoso-2026-10.html
    """
    from tix.render.report import render_month

    env, fmt = _setup(format, output)
    period = _month_period(env, month or "last-month")
    report = _monthly_cached(env, period) if org is None else _monthly_of(env, period, org)
    data = with_alerts(env, report.to_json(), period, org)
    _contract_fees(env, period, org, data)
    invoices = _invoices(env, data, org)
    if invoices is not None:
        data["invoices"] = invoices
    o = env.policy.orgs.get(org) if org else None
    text = render_month(data, fmt, o.language if o else None)  # with the alerts and recurring work, every form
    _emit(text, output, fmt)


def _invoices(env: Any, data: dict[str, Any], org: str | None) -> dict[str, Any] | None:
    """Invoiced, credited and net of the month and its trend, from the issued
    invoices and credit notes (tix.reports.invoiced); None when the desk has
    issued none (reports of desks that do not invoice stay as they were)."""
    from tix.reports.invoiced import section
    from tix.storage import ledger

    problems: list[Any] = []
    docs = ledger.totals(env.store, problems)  # per record file, cached while the file is unchanged
    for prob in problems:
        warn(f"{prob} (left out of the report's invoices; see `tix fsck`)")
    if not docs:
        return None
    return section(docs, data["month"], [t["month"] for t in data["trend"]], org=org)


def _month_period(env: Any, text: str) -> Any:
    """MONTH: YYYY-MM, this-month or last-month."""
    import re

    from tix.core.dates import parse_period
    from tix.core.errors import BadInput

    period = parse_period(text, now=env.now, tz=env.policy.tz, what="MONTH")
    if not re.fullmatch(r"\d{4}-\d{2}", period.label):
        raise BadInput(f"MONTH {text!r}: a monthly report covers a month: YYYY-MM, this-month or last-month "
                       f"(for other periods: tix report period)")
    return period


def _contract_fees(env: Any, period: Any, org: str | None, data: dict[str, Any]) -> None:
    """Fixed fees and prepaid blocks of the month (tix.app.contracts.month_fees):
    with the work's amount, what the month's invoices total."""
    from decimal import Decimal

    from tix.app.contracts import fees_json, month_fees

    if org is not None and env.policy.contracts:
        from tix.app.contracts import org_contract_json

        c = org_contract_json(env.store, env.policy, org, period.start, period.end, env.now)
        if c is not None:
            data["contract"] = c
    fees = month_fees(env.store, env.policy, period.label, org)
    if fees:
        data["fees"] = fees_json(fees, env.policy)
        data["amount_total"] = str(Decimal(data["amount"]) + Decimal(data["fees"]["amount"]))


def _ledger_digest(env: Any) -> str:
    """The folds price invoiced entries as invoiced: they depend on the ledger."""
    from tix.storage import ledger

    return (ledger.stat_digest(env.store) if env.policy.invoiced else "-") + getattr(env, "draft_digest", "-")


def _monthly_of(env: Any, period: Any, org: str) -> Any:
    """The IT manager's view: the organisation's parts of the month report
    (kept per group of files like the whole desk's), and its ticket list: the
    entries of resolved and closed tickets kept per file (`derived.Memo`),
    computed anew only for files changed since and for open tickets (read
    whole, for their public history)."""
    from tix.core.workflow import check_known_org
    from tix.reports.monthly import ACTIVE, month_window, org_entries, org_month_report, org_parts
    from tix.storage import derived

    d, hot = _month_parts(env, month_window(period, env.policy))
    check_known_org(org, _known_orgs(env, d))
    parts, dec = org_parts([*d.groups, hot], org, derived.value)
    store, key = env.store, period.label
    done = _paths_of(d, ACTIVE, key, org)
    memo = derived.Memo(store, f"memo.org.{key}.{_digest(org)}", _month_fp(env) + b"org-list", d.stat)
    entries: list[tuple[str, str, Any]] = []  # (id, path, entry): the list by ID, as one pass in path order gives
    todo: list[str] = []
    for rel in done:
        e = memo.get(rel)
        if e is derived.Memo.MISSING or not (e is None or (type(e) is dict and type(e.get("id")) is str)):
            todo.append(rel)
        elif e is not None:
            entries.append((e["id"], rel, e))
    hi = period.end
    live = [t.path for t in d.hot if t.org == org and t.created < hi]
    for rels, keep in ((todo, True), (live, False)):
        if not rels:
            continue
        tickets = [store.load_rel(rel) for rel in rels]  # read whole: the public history
        if len({t.id for t in tickets}) == len(tickets):
            by_id = {e["id"]: e for e in org_entries(tickets, period, env.policy, env.now, org)}
            got = [by_id.get(t.id) for t in tickets]
        else:  # two files of one ID (`tix fsck` names them): each on its own
            got = [next(iter(org_entries([t], period, env.policy, env.now, org)), None) for t in tickets]
        entries += [(t.id, rel, e) for rel, t, e in zip(rels, tickets, got, strict=True) if e is not None]
        if keep:  # kept for the next run (an open ticket's entry changes with the time)
            for rel, e in zip(rels, got, strict=True):
                memo.put(rel, e)
    memo.save()
    entries.sort(key=lambda x: (x[0], x[1]))
    return org_month_report(parts, dec, [e for _, _, e in entries], period, env.policy, env.now, org)


def _known_orgs(env: Any, d: Any) -> set[str]:
    """The organisations a report can name: the policy's and any a ticket has
    (the open ones, the month parts', the quiet groups')."""
    return (set(env.policy.orgs) | {t.org for t in d.hot if t.org}
            | {o for metas, _ in d.groups for o in metas if o} | d.quiet_orgs)


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def _paths_of(d: Any, name: str, month: str, org: str | None) -> list[str]:
    """The paths the month parts keep under `name` (`ACTIVE`, `ALERTS`) for
    `month`, of `org` or every organisation, in path order."""
    from tix.storage import derived

    out: list[str] = []
    for metas, blob in d.groups:
        val = None
        for o, meta in metas.items():
            if (org is None or o == org) and month in meta.get(name, ()):
                if val is None:
                    val = derived.value(blob)
                out += val[o][name][month]
    out.sort()
    return out


def with_alerts(env: Any, data: dict[str, Any], period: Any, org: str | None) -> dict[str, Any]:
    """The month's report data with `alerts` and `recurring` added, only when
    the month had any (reports of other desks stay as they were)."""
    extra = _alerts_recurring(env, period, org)
    if extra["alerts"]["tickets"]:
        data["alerts"] = extra["alerts"]
    if extra["recurring"]["due"]:
        data["recurring"] = extra["recurring"]
    return data


def _alerts_recurring(env: Any, period: Any, org: str | None) -> dict[str, Any]:
    """Alert tickets and recurring work of the month (tix.reports.alerts):
    the month parts name the resolved and closed ones opened in the month,
    the open ones are at hand; only those are read whole."""
    from tix.reports.alerts import month_section
    from tix.reports.monthly import ALERTS

    d = _month_derived(env, period.start)
    lo, hi = period.start, period.end
    rels = _paths_of(d, ALERTS, period.label, org)
    rels += [t.path for t in d.hot if lo <= t.created < hi and (org is None or t.org == org)
             and (t.f("alert") or t.f("recurring"))]
    store = env.store
    tickets = [store.load_rel(rel) for rel in sorted(rels)]
    return month_section(tickets, period.start, period.end, env.policy, env.now, org=org)


def _month_fp(env: Any) -> bytes:
    """What the month parts depend on besides the ticket files."""
    from tix.core.contracts import past_text
    from tix.reports.monthly import FOLD_VERSION
    from tix.storage import derived

    return derived.fingerprint(env.store, past_text(env.policy, env.now), "month", FOLD_VERSION, _ledger_digest(env))


def _month_parts(env: Any, window: tuple[Any, Any]) -> tuple[Any, Any]:
    """The month report's parts per organisation (`month_fold_orgs`): of the
    resolved and closed tickets per group of files from the index's derived
    values (folded once, and again only when their files or the policy
    change: `derived.Derived`, with the open tickets decoded); of the open
    ones, whose clocks still run, folded now over the report's months
    (`window`). The derived values are looked up once per command."""
    from tix.reports.monthly import month_fold_orgs

    d = _month_derived(env, window[0])
    return d, month_fold_orgs(d.hot, env.policy, env.now, window=window)


def _month_derived(env: Any, since: Any) -> Any:
    """The month parts of the resolved and closed tickets and the open
    tickets (`derived.Derived`) for months from `since` on, looked up once
    per command. A group of tickets all done before `since` adds to those
    months only the ITIL counts of its problems and changes (`month_quiet`):
    it is folded whole only when a report reaches back to it."""
    from tix.reports.monthly import month_fold_orgs, month_quiet
    from tix.storage import derived

    got = getattr(env, "_month_derived", None)
    if got is None or got[0] > since:
        policy, now = env.policy, env.now
        problems: list[Any] = []
        d = derived.derive(env.store, "month", lambda ts: month_fold_orgs(ts, policy, now),
                           lambda: _month_fp(env), problems=problems,
                           quiet=derived.Quiet(since.timestamp(), _stopped, _itil_row,
                                               lambda ts: month_quiet(ts, policy)))
        for prob in problems:
            warn(f"{prob} (left out of the report; see `tix fsck`)")
        got = env._month_derived = (since, d)
    return got[1]


def _stopped(row: Any) -> bool:
    from tix.storage.index import HOT

    return row[1] not in HOT


def _itil_row(row: Any) -> bool:
    return row[7] in ("problem", "change")


def _monthly_cached(env: Any, period: Any) -> Any:
    """The whole desk's monthly report: every organisation's parts added."""
    from tix.reports.monthly import month_window, monthly_from_parts, org_parts
    from tix.storage import derived

    d, hot = _month_parts(env, month_window(period, env.policy))
    parts, dec = org_parts([*d.groups, hot], None, derived.value)
    return monthly_from_parts(parts, period, env.policy, env.now, decode=dec)


@app.command("period")
def period(
    period: str | None = typer.Argument(
        None, metavar="[PERIOD]", help="2026-10, 2026-Q3, 2026, this-month, last-month, this-year or last-year; "
        "or leave out and give --since/--until. Example: 2026-Q4"),
    since: str | None = typer.Option(None, "--since", help="From this day or time on (inclusive). "
                                        "Example: --since 2026-09-01"),
    until: str | None = typer.Option(None, "--until", help="Up to this day or time (exclusive: half-open). "
                                        "Example: --until 2026-12-01"),
    by: str | None = typer.Option(None, "--by", help="A column per month, week, team or org (like "
                                     "`hledger balance -M`). Example: --by month"),
    org: str | None = OrgOpt,
    format: str | None = FormatOpt,
    output: str | None = OutputOpt,
) -> None:
    """Figures of any period, optionally in columns: `--by month` or `week`
    (the first and last clipped to the period), `--by team` or `org`. The
    total column covers the whole period; periods are half-open [since,
    until), and the header says so.

    Examples:

      tix report period 2026-Q4 --by month

      tix report period --since 2026-11-01 --until 2026-12-01 --by week

      tix report period 2026 --by org --format csv > 2026-by-org.csv
    """
    from tix.cli.commands.common import check_choice
    from tix.core.dates import parse_period
    from tix.render.report import render_period
    from tix.reports.figures import BY_CHOICES
    from tix.reports.period import period_report, whole_months

    env, fmt = _setup(format, output)
    check_choice(by, BY_CHOICES, "--by")
    per = parse_period(period, since=since, until=until, now=env.now, tz=env.policy.tz, what="PERIOD")
    months = whole_months(per, env.policy.tz) if by in (None, "month") else None
    if months is not None:  # from the month parts the index keeps
        report = _period_cached(env, per, (months[0].start, months[-1].end), org, by)
    else:
        report = period_report(_tickets(env, org, per.start, per.end), per, env.policy, env.now, org=org, by=by)
    _emit(render_period(report.to_json(), fmt), output, fmt)


def _period_cached(env: Any, per: Any, window: tuple[Any, Any], org: str | None, by: str | None) -> Any:
    """A period of whole months from the month report's parts (all
    organisations', or `org`'s)."""
    from tix.reports.monthly import org_parts
    from tix.reports.period import period_from_parts
    from tix.storage import derived

    d, hot = _month_parts(env, window)
    if org is not None:
        from tix.core.workflow import check_known_org

        check_known_org(org, _known_orgs(env, d))
    parts, dec = org_parts([*d.groups, hot], org, derived.value)
    return period_from_parts(parts, per, env.policy, env.now, org=org, by=by, decode=dec)


# ---------------------------------------------------------------- helpers

def _setup(format: str | None, output: str | None) -> tuple[Any, str]:
    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput
    from tix.render import table as render
    from tix.render.report import FORMATS, format_for_path

    env = ctx_env()
    env.price_as_invoiced()  # an invoiced month keeps the money it was invoiced at
    if format is not None:
        fmt = render.check_format(format, FORMATS)
    elif output and output != "-":
        found = format_for_path(output)
        if found is None:
            raise BadInput(f"-o {output}: cannot tell the format from the extension; use .txt, .json, .csv, .md "
                           f"or .html, or give --format")
        fmt = found
    else:
        fmt = "table"
    env.policy  # noqa: B018 - a broken policy is refused before any work
    return env, fmt


def _tickets(env: Any, org: str | None, start: Any, end: Any) -> Any:
    """The tickets a report of [start, end) can need, one at a time from the
    index: created before the end and open, or active since the start (the
    others cannot land in any bucket); `org`: only that organisation's.
    An unknown `org` is refused once the pass has seen every ticket's."""

    from tix.storage import index

    lo, hi = start.timestamp(), end.timestamp()
    seen_orgs: set[str] = set()

    def where(r: Any) -> bool:
        if r.org:
            seen_orgs.add(r.org)
        if org is not None and r.org != org:
            return False
        if r.created >= hi:
            return False
        return r.status in index.HOT or r.last >= lo

    problems: list[Any] = []
    tickets = index.iter_all(env.store, problems, where)
    for prob in problems:
        warn(f"{prob} (left out of the report; see `tix fsck`)")

    def checked() -> Any:
        yield from tickets
        from tix.core.workflow import check_known_org

        check_known_org(org, set(env.policy.orgs) | seen_orgs)

    return checked()


def _emit(text: str, output: str | None, fmt: str) -> None:
    import sys

    if not output or output == "-":
        sys.stdout.write(text)
        return
    from pathlib import Path

    from tix.storage.store import replace_file

    replace_file(Path(output), text.encode("utf-8"))
    warn(f"wrote {output} ({fmt})")
