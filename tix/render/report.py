"""Rendering of reports: table (with sparklines and bars), JSON, CSV,
Markdown and a self-contained HTML page with inline SVG charts.

Every format is drawn from the report's JSON (`MonthlyReport.to_json()`,
`PeriodReport.to_json()`), never from tickets: what is not in the JSON cannot
leak into any format, and the IT manager's view is as private in HTML as it
is in JSON. Pure functions returning text."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "bar", "format_for_path", "render_month", "render_period", "sparkline"]

FORMATS = ("table", "json", "csv", "markdown", "html")
EXTENSIONS = {".txt": "table", ".text": "table", ".json": "json", ".csv": "csv", ".md": "markdown",
              ".markdown": "markdown", ".html": "html", ".htm": "html"}
SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"  # ▁▂▃▄▅▆▇█
MISSING = "\u00b7"  # ·
EIGHTHS = " \u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588"  # partial blocks, 0..8 eighths

DIM_TITLES = {"priority": "By priority", "team": "By team", "category": "By category",
              "channel": "By channel", "org": "By organisation", "agent": "By agent"}
EXTRA_TITLES = (("itil", "ITIL: problems, changes, incidents"), ("estimates", "Estimates against work, per team"))
ROW_HEADERS = ["opened", "resolved", "backlog", "worked h", "billed h", "amount"]

PERIOD_ROWS = [  # (key, label) of a period report's rows
    ("opened", "opened"), ("resolved", "resolved"), ("closed", "closed"), ("backlog", "backlog at end"),
    ("hours_worked", "hours worked"), ("hours_billed", "hours billed"), ("amount", "amount"),
    ("response_met_pct", "response met %"), ("resolve_met_pct", "resolve met %"),
    ("resolve_hours_median", "resolve h median"), ("resolve_hours_p90", "resolve h p90"),
    ("reopen_rate", "reopen rate %"), ("satisfaction", "satisfaction"), ("escalations", "escalations"),
]


def format_for_path(path: str) -> str | None:
    """The format an output file's extension asks for, or None."""
    import os

    return EXTENSIONS.get(os.path.splitext(path)[1].lower())


# ---------------------------------------------------------------- small charts

def sparkline(values: Sequence[float | None], top: float | None = None) -> str:
    """One character per value, scaled from 0 to `top` (default: the largest);
    a missing value is a dot (a space would be trimmed by table layout and
    shift the months)."""
    nums = [v for v in values if v is not None]
    hi = top if top is not None else (max(nums) if nums else 0)
    out = []
    for v in values:
        if v is None:
            out.append(MISSING)
        elif hi <= 0 or v <= 0:
            out.append(SPARKS[0])
        else:
            out.append(SPARKS[min(7, int(v / hi * 7 + 0.5))])
    return "".join(out)


def bar(value: float, top: float, width: int = 20) -> str:
    """A horizontal bar of up to `width` cells, in eighths of a cell."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(eighths, 8)
    return EIGHTHS[8] * full + (EIGHTHS[part] if part else "")


# ---------------------------------------------------------------- formatting

def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _pct(v: Any) -> str:
    return "-" if v is None else f"{v:.1f}%"


def _when(iso: str | None) -> str:
    return "" if not iso else iso[:16].replace("T", " ")


def _table(rows: list[list[Any]], headers: list[str], md: bool, right: Sequence[int] = ()) -> str:
    from tabulate import tabulate

    from tix.core.safe import inert, is_inert
    from tix.core.safe import md as md_cell

    esc = md_cell if md else inert  # one line per cell; Markdown: no HTML, no links
    cells = [["" if c is None else str(c) for c in r] for r in rows]
    if md or not is_inert("".join("".join(r) for r in cells) + "".join(headers)):
        cells = [[esc(c) for c in r] for r in cells]
        headers = [esc(h) for h in headers]
    align = ["right" if i in right else "left" for i in range(len(headers))]
    if not md:  # tabulate's layout without its per-cell type checks (the IT manager's view prints thousands)
        from tix.render.table import aligned

        fast = aligned(cells, None if not any(headers) else headers, align)
        if fast is not None and not any(headers):
            return "\n".join("  " + line.rstrip() for line in fast.splitlines())
        if fast is not None:
            return fast
    if not md and not any(headers):
        return "\n".join("  " + line.rstrip() for line in tabulate(
            cells, tablefmt="plain", disable_numparse=True, colalign=align).splitlines())
    return tabulate(cells, headers=headers, tablefmt="github" if md else "simple", disable_numparse=True,
                    colalign=align)


def _line(text: str, md: bool) -> str:
    """A heading or a line of a text or Markdown report: one line, inert (`tix.core.safe`)."""
    from tix.core.safe import inert
    from tix.core.safe import md as md_text

    return md_text(text) if md else inert(text)


def _stamp_text(iso: str) -> str:
    """'2026-10-01' for a midnight, else '2026-10-01 08:30'."""
    return iso[:10] if iso[11:16] == "00:00" else _when(iso)


def span_text(period: dict[str, Any], tz: str) -> str:
    """The half-open range, said in words."""
    a, b = _stamp_text(period["start"]), _stamp_text(period["end"])
    return f"[{a} .. {b}): from {a} up to but not including {b} ({tz})"


def contract_line(c: dict[str, Any], currency: str) -> str:
    """The IT manager's contract figures in one line (English)."""
    from tix.core.dates import fmt_minutes

    text = f"Contract {c['name']} ({c['model']})"
    if c["model"] == "fixed":
        text += (f": fee {currency} {c['fee']} a month with {fmt_minutes(c['included_minutes'])} included; "
                 f"{fmt_minutes(c['used_minutes'])} of them used this month, "
                 f"{fmt_minutes(c['beyond_minutes'])} billed beyond them")
    elif c["model"] == "prepaid":
        text += (f": {fmt_minutes(c['used_minutes'])} of prepaid hours used this month, "
                 f"{fmt_minutes(c['balance_minutes'])} left")
    return text


def _header(data: dict[str, Any], kind: str) -> list[str]:
    p = data["period"]
    label = data.get("month") or p.get("label")
    who = ""
    if data.get("org"):
        name = data.get("org_name") or data["org"]
        who = f" \u2014 {name} ({data['org']})" if name != data["org"] else f" \u2014 {data['org']}"
    return [f"{kind} {label}{who}", f"Period {span_text(p, data['timezone'])}; as of {_when(data['as_of'])}"]


def _extra_rows(key: str, obj: Any) -> tuple[list[str], list[list[Any]]]:
    """ITIL counts and estimate accuracy (other modules' figures) as a table:
    one row per top-level key, nested values as `name value` pairs."""
    if key == "estimates" and isinstance(obj, dict) and obj and all(isinstance(v, dict) for v in obj.values()):
        fields = list(dict.fromkeys(f for v in obj.values() for f in v))
        # a row per figure, a column per team: narrow enough for A4
        return (["", *obj], [[f.replace("_", " "), *[_num(v.get(f)) for v in obj.values()]] for f in fields])
    rows = []
    for k, v in (obj.items() if isinstance(obj, dict) else [("", obj)]):
        if isinstance(v, dict):  # scalars on one row, each nested group on its own
            flat = [(a, b) for a, b in v.items() if not isinstance(b, (dict, list))]
            if flat:
                rows.append([k.replace("_", " "), ", ".join(f"{a.replace('_', ' ')} {_num(b)}" for a, b in flat)])
            for a, b in v.items():
                if isinstance(b, (dict, list)):
                    rows.append([f"{k} {a}".replace("_", " "), ", ".join(f"{x} {y}" for x, y in _flatten(b))])
        elif isinstance(v, list):
            rows.append([k.replace("_", " "), ", ".join(f"{x} {y}" for x, y in _flatten(v))])
        else:
            rows.append([k.replace("_", " "), _num(v)])
    return ["", ""], rows


# ---------------------------------------------------------------- monthly: text

def _month_text(d: dict[str, Any], md: bool) -> str:
    h1, h2 = ("# ", "## ") if md else ("", "")
    title, span = _header(d, "Monthly report")
    out = [h1 + _line(title, md), "", span, ""]
    if d.get("contract"):
        out += [contract_line(d["contract"], d["currency"]), ""]

    def section(name: str) -> None:
        name = _line(name, md)
        out.append(h2 + name if md else f"{name}\n{'-' * len(name)}")
        out.append("")

    cur = d["currency"]
    age = d["backlog_age"]
    section("Tickets")
    ages = ", ".join(f"{k} {v}" for k, v in age["buckets"].items())
    rows = [
        ["opened", d["opened"], ""],
        ["resolved", d["resolved"], ""],
        ["closed", d["closed"], ""],
        ["backlog at month end", d["backlog"],
         (f"age median {age['median_days']} d, oldest {age['max_days']} d ({ages})" if d["backlog"] else "")],
        ["reopen rate", _pct(d["reopen_rate"]), f"{d['reopened']} of {d['resolved']} resolved reopened later"],
    ]
    out += [_table(rows, ["", "", ""], md, right=[1]), ""]

    section(f"Time and money ({cur})")
    rows = [["all", _num(d["hours_worked"]), _num(d["hours_billed"]), d["amount"]]]
    rows += [[k, _num(v["hours_worked"]), _num(v["hours_billed"]), v["amount"]] for k, v in d["by_rate"].items()]
    if d.get("fees"):  # contract money that is not work: monthly fees, prepaid blocks bought
        rows += [[f"{x['kind']}: {x['org']}" + (f" ({x['contract']})" if x.get("contract") else ""), "", "",
                  x["amount"]] for x in d["fees"]["lines"]]
        rows += [["total", "", "", d["amount_total"]]]
    out += [_table(rows, ["rate", "worked h", "billed h", "amount"], md, right=[1, 2, 3]),
            "", "Work belongs to the month of its `at`; amounts are priced like `tix invoice`.", ""]

    s = d["sla"]
    section("Service levels")
    rh = d["resolve_hours"]
    sat = d["satisfaction"]
    esc = d["escalations"]
    rows = [
        ["response met", _pct(s["response_met_pct"]),
         f"{s['response']['met']} met, {s['response']['breached']} breached"],
        ["resolve met", _pct(s["resolve_met_pct"]), f"{s['resolve']['met']} met, {s['resolve']['breached']} breached"],
        ["time to resolve, median", "-" if rh["median"] is None else f"{rh['median']:.2f} h",
         f"business hours, {rh['count']} resolved"],
        ["time to resolve, 90th percentile", "-" if rh["p90"] is None else f"{rh['p90']:.2f} h", ""],
        ["satisfaction", "-" if sat["average"] is None else f"{sat['average']:.2f} / 5",
         f"{sat['responses']} responses" + (" (" + ", ".join(f"{k}: {v}" for k, v in sat["scores"].items() if v)
                                            + ")" if sat["responses"] else "")],
        ["escalations", str(esc["total"]), ", ".join(f"to line {k}: {v}" for k, v in esc["by_line"].items())],
    ]
    out += [_table(rows, ["", "", ""], md, right=[1]), ""]

    if s["breaches"]:
        section("Breaches")
        rows = [[b["ticket"], b["title"] if md else b["title"][:40], b["clock"], b["priority"], _when(b["due"]),
                 _when(b["done_at"]) or "not yet", _fmt_minutes(b["over_minutes"])] for b in s["breaches"]]
        out += [_table(rows, ["ticket", "title", "clock", "priority", "due", "done", "over by"], md, right=[6]), ""]

    for dim, name in DIM_TITLES.items():
        rows_d = d[f"by_{dim}"]
        if not rows_d:
            continue
        section(name)
        top = max((v["hours_worked"] for v in rows_d.values()), default=0)
        rows = [[k, v["opened"], v["resolved"], v["backlog"], _num(v["hours_worked"]), _num(v["hours_billed"]),
                 v["amount"]] + ([] if md else [bar(v["hours_worked"], top, 12)]) for k, v in rows_d.items()]
        heads = [dim, *ROW_HEADERS] + ([] if md else ["hours"])
        out += [_table(rows, heads, md, right=[1, 2, 3, 4, 5, 6]), ""]
    if d.get("by_contract"):  # money and SLA met rates per contract, against each contract's targets
        section("By contract")
        rows = [[k, v["opened"], v["resolved"], v["backlog"], _num(v["hours_worked"]), _num(v["hours_billed"]),
                 v["amount"], _pct(v["response_met_pct"]), _pct(v["resolve_met_pct"])]
                for k, v in d["by_contract"].items()]
        out += [_table(rows, ["contract", *ROW_HEADERS, "response met", "resolve met"], md,
                       right=[1, 2, 3, 4, 5, 6, 7, 8]), ""]

    trend = d["trend"]
    section("Trend: the month and the twelve before it")
    top = max((max(t["opened"], t["resolved"]) for t in trend), default=0)
    rows = [[t["month"], t["opened"], t["resolved"], t["backlog"], _num(t["hours_worked"]),
             _pct(t["response_met_pct"]), _pct(t["resolve_met_pct"])]
            + ([] if md else [bar(t["opened"], top, 16)]) for t in trend]
    heads = ["month", "opened", "resolved", "backlog", "worked h", "response", "resolve"]
    heads += [] if md else ["opened \u2502"]
    out += [_table(rows, heads, md, right=[1, 2, 3, 4, 5, 6]), ""]
    lines = [
        ("opened", [t["opened"] for t in trend], None, lambda v: str(v)),
        ("resolved", [t["resolved"] for t in trend], None, lambda v: str(v)),
        ("hours worked", [t["hours_worked"] for t in trend], None, lambda v: f"{v:.2f}"),
        ("response met %", [t["response_met_pct"] for t in trend], 100.0, _pct),
        ("resolve met %", [t["resolve_met_pct"] for t in trend], 100.0, _pct),
    ]
    spark = []
    for name, vals, top_v, fmt in lines:
        last = vals[-1]
        spark.append([name, sparkline(vals, top_v), "-" if last is None else fmt(last)])
    if md:
        out += [_table([[a, f"`{b}`", c] for a, b, c in spark], ["series", trend[0]["month"] + " \u2192 "
                                                                  + trend[-1]["month"], "this month"], md), ""]
    else:
        out += [_table(spark, ["series", f"{trend[0]['month']} .. {trend[-1]['month']}", "this month"], md), ""]

    for key, name in EXTRA_TITLES:
        if key in d:
            section(name)
            heads, rows = _extra_rows(key, d[key])
            out += [_table(rows, heads, md), ""] if rows else ["(nothing in this month)", ""]

    if "tickets" in d:
        section(f"Tickets of {d.get('org_name') or d['org']}")
        if not d["tickets"]:
            out += ["No tickets in this month.", ""]
        for t in d["tickets"]:
            out += _ticket_text(t, md, cur)
    return "\n".join(out).rstrip("\n") + "\n"


def _ticket_text(t: dict[str, Any], md: bool, cur: str) -> list[str]:
    h3 = "### " if md else ""
    req = t["requester"] + (f" <{t['requester_email']}>" if t["requester_email"] and
                            t["requester_email"] != t["requester"] else "")
    now = f" (now {t['status_now']})" if t["status_now"] != t["status"] else ""
    out = [h3 + _line(f"{t['id']}  {t['title']}", md), ""]
    facts = [
        ["requester", req or "-"],
        ["status at month end", t["status"] + now],
        ["priority / category", f"{t['priority']} / {t['category']}"],
        ["opened", _when(t["opened"])],
        ["resolved", _when(t["resolved_at"]) or "-"],
        ["SLA", f"response {t['sla']['response']}, resolve {t['sla']['resolve']}"],
        ["time this month", f"{_fmt_minutes(t['minutes_worked'])} worked, {_fmt_minutes(t['minutes_billed'])} "
                            f"billed, {cur} {t['amount']}"],
    ]
    out += [_table(facts, ["", ""], md), ""]
    if t["work"]:
        rows = [[_when(w["at"]), w["agent"], _fmt_minutes(w["minutes"]), _fmt_minutes(w["billed_minutes"]),
                 f"{w['rate_name']} {w['rate']}", w["multiplier"], w["amount"], _work_flags(w),
                 w["note"] if md else w["note"][:40]] for w in t["work"]]
        out += [_table(rows, ["when", "agent", "worked", "billed", "rate", "x", "amount", "", "note"], md,
                       right=[2, 3, 6]), ""]
    if t["history"]:
        rows = [[_when(e["at"]), e["by"], e["what"], e["text"] if md else _one_line(e["text"], 60)]
                for e in t["history"]]
        out += [_table(rows, ["when", "by", "what", "text"], md), ""]
    return out


def _work_flags(w: dict[str, Any]) -> str:
    return " ".join(f for f, on in (("on-site", w["onsite"]), ("after hours", w["after_hours"]),
                                    ("no bill", w["no_bill"])) if on)


def _one_line(text: str, n: int) -> str:
    s = " ".join(text.split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _fmt_minutes(m: int | None) -> str:
    from tix.core.dates import fmt_minutes

    return fmt_minutes(m)


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested data -> (dotted.key, value) rows, for sections the report only shows."""
    if isinstance(obj, dict):
        out: list[tuple[str, str]] = []
        for k, v in obj.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(obj, list):
        out = []
        for i, v in enumerate(obj):
            out += _flatten(v, f"{prefix}[{i}]")
        return out
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return [(prefix, obj)]  # a number stays a number (CSV)
    return [(prefix, "" if obj is None else str(obj))]


# ---------------------------------------------------------------- monthly: csv

def _csv(rows: list[tuple[str, str, str, Any]]) -> str:
    """Safe to open in a spreadsheet: text that could start a formula gets a
    leading `'`, numbers stay numbers (`tix.core.safe.csv_cell`)."""
    from tix.core.safe import csv_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["section", "row", "field", "value"])
    for r in rows:
        w.writerow([csv_cell(c) for c in r])
    return buf.getvalue()


def _month_csv(d: dict[str, Any]) -> str:
    """Long format (section, row, field, value): one file a spreadsheet can
    pivot, holding everything the JSON holds."""
    rows: list[tuple[str, str, str, Any]] = []
    scalar = [k for k, v in d.items() if not isinstance(v, (dict, list))]
    for k in scalar:
        rows.append(("report", "", k, d[k]))
    rows += [("report", "period", k, v) for k, v in d["period"].items()]
    for k, v in _flatten(d["backlog_age"]):
        rows.append(("backlog_age", "", k, v))
    for dim in ("priority", "team", "category", "channel", "org", "agent", "rate", "contract"):
        for key, vals in (d.get(f"by_{dim}") or {}).items():
            rows += [(f"by_{dim}", key, f, v) for f, v in vals.items()]
    s = d["sla"]
    rows += [("sla", "", k, s[k]) for k in ("response_met_pct", "resolve_met_pct")]
    rows += [("sla", c, k, s[c][k]) for c in ("response", "resolve") for k in ("met", "breached")]
    for n, b in enumerate(s["breaches"], 1):
        rows += [("breach", str(n), k, v) for k, v in b.items()]
    rows += [("resolve_hours", "", k, v) for k, v in d["resolve_hours"].items()]
    rows += [("satisfaction", "", k, v) for k, v in _flatten(d["satisfaction"])]
    rows += [("escalations", "", k, v) for k, v in _flatten(d["escalations"])]
    for t in d["trend"]:
        rows += [("trend", t["month"], k, v) for k, v in t.items() if k != "month"]
    for key in ("itil", "estimates"):
        if key in d:
            rows += [(key, "", k, v) for k, v in _flatten(d[key])]
    if "invoices" in d:
        inv = d["invoices"]
        rows += [("invoices", inv["month"], f"{k}.{p}", v) for k in ("invoiced", "credited", "net")
                 for p, v in inv[k].items()]
        rows += [("invoices", inv["month"], k, " ".join(inv[k])) for k in ("invoices", "credit_notes")]
        rows += [("invoices_by_org", org, f"{k}.{p}", v) for org, x in inv["by_org"].items()
                 for k in ("invoiced", "credited", "net") for p, v in x[k].items()]
        rows += [("invoices_by_month", m["month"], f"{k}.{p}", v) for m in inv["months"]
                 for k in ("invoiced", "credited", "net") for p, v in m[k].items()]
    for t in d.get("tickets") or []:
        rows += [("ticket", t["id"], k, v) for k, v in _flatten({k: v for k, v in t.items()
                                                                   if k not in ("work", "history")})]
        for n, w in enumerate(t["work"], 1):
            rows += [("work", f"{t['id']}#{n}", k, v) for k, v in w.items()]
        for n, e in enumerate(t["history"], 1):
            rows += [("history", f"{t['id']}#{n}", k, v) for k, v in e.items()]
    if "alerts" in d or "recurring" in d:
        from tix.render.alerts import csv_rows

        rows += csv_rows(d)
    return _csv(rows)


# ---------------------------------------------------------------- html

CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #1a202c;
       background: #fff; margin: 0 auto; padding: 16px; max-width: 186mm; font-size: 10pt; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 4px; }
h2 { font-size: 12pt; margin: 18px 0 6px; border-bottom: 1px solid #cbd5e0; padding-bottom: 2px; }
h3 { font-size: 10.5pt; margin: 12px 0 4px; }
p.meta { color: #4a5568; margin: 0 0 10px; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #edf2f7; }
td:first-child { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
.kpis { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.kpi { border: 1px solid #cbd5e0; border-radius: 4px; padding: 4px 8px; min-width: 27mm; }
.kpi b { display: block; font-size: 13pt; }
.kpi span { color: #4a5568; font-size: 8pt; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 14px; }
figure { margin: 4px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 8.5pt; color: #4a5568; }
svg { width: 100%; height: auto; }
section, .ticket { break-inside: avoid-page; }
.ticket { border-top: 1px solid #cbd5e0; margin-top: 8px; }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; } }
"""

C_OPENED, C_RESOLVED = "#2b6cb0", "#2f855a"
C_RESPONSE, C_RESOLVE = "#2b6cb0", "#c05621"
C_HOURS = "#6b46c1"


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _html_table(rows: list[list[Any]], headers: list[str], right: Sequence[int] = ()) -> str:
    th = "".join(f'<th{" class=n" if i in right else ""}>{_e(h)}</th>' for i, h in enumerate(headers))
    head = f"<thead><tr>{th}</tr></thead>" if any(headers) else ""
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in right else ""}>{_e(c)}</td>'
                                    for i, c in enumerate(r)) + "</tr>\n" for r in rows)
    return f"<table>{head}<tbody>\n{body}</tbody></table>\n"


def _svg_open(cid: str, w: int, h: int, label: str) -> str:
    return (f'<svg id="{cid}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" aria-label="{_e(label)}"><title>{_e(label)}</title>'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>')


def _nice_top(v: float) -> float:
    if v <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if v <= step * 4:
            return float(step * 4) if v > step * 2 else float(step * 2) if v > step else float(step)
    return float(v)


def svg_trend(trend: list[dict[str, Any]]) -> str:
    """Grouped bars: opened vs resolved per month."""
    w, h, left, bottom, top_pad = 340, 190, 30, 34, 22
    n = max(1, len(trend))
    top = _nice_top(max((max(t["opened"], t["resolved"]) for t in trend), default=0))
    plot_h = h - bottom - top_pad
    slot = (w - left - 6) / n
    bw = max(2.0, slot * 0.36)
    parts = [_svg_open("chart-trend", w, h, "Opened and resolved tickets per month")]
    for k in range(5):  # grid lines
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 4}" y2="{y:.1f}" stroke="#e2e8f0" stroke-width="1"/>'
                     f'<text x="{left - 3}" y="{y + 3:.1f}" font-size="8" text-anchor="end" fill="#4a5568">'
                     f'{_num_label(top * k / 4)}</text>')
    for i, t in enumerate(trend):
        x = left + i * slot + slot * 0.12
        for j, (key, color) in enumerate((("opened", C_OPENED), ("resolved", C_RESOLVED))):
            v = t[key]
            bh = plot_h * v / top
            parts.append(f'<rect x="{x + j * bw:.1f}" y="{top_pad + plot_h - bh:.1f}" width="{bw:.1f}" '
                         f'height="{bh:.1f}" fill="{color}"><title>{_e(t["month"])} {key}: {v}</title></rect>')
        parts.append(f'<text x="{x + bw:.1f}" y="{h - bottom + 11}" font-size="7" text-anchor="middle" '
                     f'fill="#4a5568">{_e(t["month"][2:])}</text>')
    parts.append(_legend([("opened", C_OPENED), ("resolved", C_RESOLVED)], left, 12))
    parts.append("</svg>")
    return "".join(parts)


def svg_sla(trend: list[dict[str, Any]]) -> str:
    """Lines: response and resolve met % per month (0..100); no dot where no clock was decided."""
    w, h, left, bottom, top_pad = 340, 190, 30, 34, 22
    n = max(1, len(trend))
    plot_h = h - bottom - top_pad
    slot = (w - left - 6) / n
    parts = [_svg_open("chart-sla", w, h, "SLA met per month, percent")]
    for k in range(5):
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 4}" y2="{y:.1f}" stroke="#e2e8f0" stroke-width="1"/>'
                     f'<text x="{left - 3}" y="{y + 3:.1f}" font-size="8" text-anchor="end" fill="#4a5568">'
                     f'{25 * k}%</text>')
    for i, t in enumerate(trend):
        x = left + i * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{h - bottom + 11}" font-size="7" text-anchor="middle" '
                     f'fill="#4a5568">{_e(t["month"][2:])}</text>')
    for key, color in (("response_met_pct", C_RESPONSE), ("resolve_met_pct", C_RESOLVE)):
        pts: list[tuple[float, float]] = []
        for i, t in enumerate(trend):
            v = t[key]
            if v is None:
                if len(pts) > 1:
                    parts.append(_polyline(pts, color))
                pts = []
                continue
            x = left + i * slot + slot / 2
            y = top_pad + plot_h - plot_h * v / 100
            pts.append((x, y))
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                         f'<title>{_e(t["month"])} {key[:-8]}: {v}%</title></circle>')
        if len(pts) > 1:
            parts.append(_polyline(pts, color))
    parts.append(_legend([("response met", C_RESPONSE), ("resolve met", C_RESOLVE)], left, 12))
    parts.append("</svg>")
    return "".join(parts)


def svg_hbars(cid: str, label: str, rows: list[tuple[str, float]]) -> str:
    """Horizontal bars (hours by team, by organisation)."""
    w, left, row_h = 340, 110, 18
    h = max(40, 14 + row_h * max(1, len(rows)) + 6)
    top = max((v for _, v in rows), default=0) or 1.0
    parts = [_svg_open(cid, w, h, label)]
    if not rows:
        parts.append(f'<text x="{w / 2}" y="{h / 2 + 3}" font-size="9" text-anchor="middle" fill="#4a5568">'
                     f'no hours this month</text>')
    for i, (name, v) in enumerate(rows):
        y = 10 + i * row_h
        bw = (w - left - 50) * v / top
        short = name if len(name) <= 18 else name[:17] + "\u2026"
        parts.append(f'<text x="{left - 4}" y="{y + 11}" font-size="8.5" text-anchor="end" fill="#1a202c">'
                     f'{_e(short)}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{max(bw, 1.5 if v > 0 else 0):.1f}" height="{row_h - 6}" '
                     f'fill="{C_HOURS}"><title>{_e(name)}: {v:.2f} h</title></rect>'
                     f'<text x="{left + bw + 4:.1f}" y="{y + 11}" font-size="8" fill="#4a5568">{v:.2f} h</text>')
    parts.append("</svg>")
    return "".join(parts)


def _polyline(pts: list[tuple[float, float]], color: str) -> str:
    p = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    return f'<polyline points="{p}" fill="none" stroke="{color}" stroke-width="2"/>'


def _legend(items: list[tuple[str, str]], x: int, y: int) -> str:
    out = []
    for name, color in items:
        out.append(f'<rect x="{x}" y="{y - 8}" width="9" height="9" fill="{color}"/>'
                   f'<text x="{x + 12}" y="{y}" font-size="8.5" fill="#1a202c">{_e(name)}</text>')
        x += 14 + 6 * len(name) + 10
    return "".join(out)


def _num_label(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.1f}"


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def _month_html(d: dict[str, Any]) -> str:
    title, span = _header(d, "Monthly report")
    cur = d["currency"]
    s = d["sla"]
    rh = d["resolve_hours"]
    b: list[str] = [f"<h1>{_e(title)}</h1>\n<p class=\"meta\">{_e(span)}</p>\n"]
    if d.get("contract"):
        b.append(f"<p class=\"meta\">{_e(contract_line(d['contract'], d['currency']))}</p>\n")

    def kpi(value: str, label: str) -> str:
        return f'<div class="kpi"><b>{_e(value)}</b><span>{_e(label)}</span></div>'

    b.append('<div class="kpis">' + "".join([
        kpi(str(d["opened"]), "opened"), kpi(str(d["resolved"]), "resolved"), kpi(str(d["closed"]), "closed"),
        kpi(str(d["backlog"]), "backlog at month end"),
        kpi(f"{d['hours_worked']:.2f} h", f"worked ({d['hours_billed']:.2f} h billed)"),
        kpi(f"{cur} {d['amount']}", "amount"),
        kpi(_pct(s["response_met_pct"]), "response SLA met"), kpi(_pct(s["resolve_met_pct"]), "resolve SLA met"),
        kpi("-" if rh["median"] is None else f"{rh['median']:.2f} h", "median time to resolve"),
        kpi("-" if rh["p90"] is None else f"{rh['p90']:.2f} h", "90th percentile"),
        kpi(_pct(d["reopen_rate"]), "reopen rate"),
        kpi("-" if d["satisfaction"]["average"] is None else f"{d['satisfaction']['average']:.2f} / 5",
            f"satisfaction ({d['satisfaction']['responses']})"),
        kpi(str(d["escalations"]["total"]), "escalations"),
    ]) + "</div>\n")

    trend = d["trend"]
    b.append("<section><h2>Charts</h2>\n<div class=\"charts\">\n")
    b.append(f"<figure>{svg_trend(trend)}<figcaption>Opened vs resolved, {_e(trend[0]['month'])} to "
             f"{_e(trend[-1]['month'])}</figcaption></figure>\n")
    b.append(f"<figure>{svg_sla(trend)}<figcaption>Response and resolve SLA met, percent per month"
             f"</figcaption></figure>\n")
    team = [(k, v["hours_worked"]) for k, v in d["by_team"].items() if v["hours_worked"]]
    org = [(k, v["hours_worked"]) for k, v in d["by_org"].items() if v["hours_worked"]]
    b.append(f"<figure>{svg_hbars('chart-team', 'Hours worked by team', team)}"
             f"<figcaption>Hours worked by team, {_e(d['month'])}</figcaption></figure>\n")
    b.append(f"<figure>{svg_hbars('chart-org', 'Hours worked by organisation', org)}"
             f"<figcaption>Hours worked by organisation, {_e(d['month'])}</figcaption></figure>\n")
    b.append("</div></section>\n")

    age = d["backlog_age"]
    b.append("<section><h2>Tickets</h2>\n")
    b.append(_html_table([
        ["opened", d["opened"]], ["resolved", d["resolved"]], ["closed", d["closed"]],
        ["backlog at month end", d["backlog"]],
        ["backlog age, median days", "-" if age["median_days"] is None else age["median_days"]],
        ["backlog age, oldest days", "-" if age["max_days"] is None else age["max_days"]],
        *[[f"backlog aged {k}", v] for k, v in age["buckets"].items()],
        ["reopen rate", f"{_pct(d['reopen_rate'])} ({d['reopened']} of {d['resolved']})"],
    ], ["", ""], right=[1]))
    b.append("</section>\n<section><h2>Time and money</h2>\n")
    rows = [["all", _num(d["hours_worked"]), _num(d["hours_billed"]), f"{cur} {d['amount']}"]]
    rows += [[k, _num(v["hours_worked"]), _num(v["hours_billed"]), f"{cur} {v['amount']}"]
             for k, v in d["by_rate"].items()]
    if d.get("fees"):
        rows += [[f"{x['kind']}: {x['org']}" + (f" ({x['contract']})" if x.get("contract") else ""), "", "",
                  f"{cur} {x['amount']}"] for x in d["fees"]["lines"]]
        rows += [["total", "", "", f"{cur} {d['amount_total']}"]]
    b.append(_html_table(rows, ["rate", "worked h", "billed h", "amount"], right=[1, 2, 3]))
    b.append("</section>\n<section><h2>Service levels</h2>\n")
    b.append(_html_table([
        ["response met", _pct(s["response_met_pct"]), s["response"]["met"], s["response"]["breached"]],
        ["resolve met", _pct(s["resolve_met_pct"]), s["resolve"]["met"], s["resolve"]["breached"]],
    ], ["clock", "met %", "met", "breached"], right=[1, 2, 3]))
    sat = d["satisfaction"]
    b.append(_html_table([
        ["time to resolve, median (business hours)", _num(rh["median"])],
        ["time to resolve, 90th percentile", _num(rh["p90"])],
        ["tickets resolved", rh["count"]],
        ["satisfaction, average of " + str(sat["responses"]), _num(sat["average"])],
        *[[f"escalations to line {k}", v] for k, v in d["escalations"]["by_line"].items()],
    ], ["", ""], right=[1]))
    if s["breaches"]:
        b.append("<h3>Breaches</h3>\n")
        b.append(_html_table([[x["ticket"], x["title"], x["clock"], x["priority"], _when(x["due"]),
                               _when(x["done_at"]) or "not yet", _fmt_minutes(x["over_minutes"])]
                              for x in s["breaches"]],
                             ["ticket", "title", "clock", "priority", "due", "done", "over by"], right=[6]))
    b.append("</section>\n")
    for dim, name in DIM_TITLES.items():
        rows_d = d[f"by_{dim}"]
        if not rows_d:
            continue
        b.append(f"<section><h2>{_e(name)}</h2>\n")
        b.append(_html_table([[k, v["opened"], v["resolved"], v["backlog"], _num(v["hours_worked"]),
                               _num(v["hours_billed"]), v["amount"]] for k, v in rows_d.items()],
                             [dim, *ROW_HEADERS], right=[1, 2, 3, 4, 5, 6]))
        b.append("</section>\n")
    if d.get("by_contract"):
        b.append("<section><h2>By contract</h2>\n")
        b.append(_html_table([[k, v["opened"], v["resolved"], v["backlog"], _num(v["hours_worked"]),
                               _num(v["hours_billed"]), v["amount"], _pct(v["response_met_pct"]),
                               _pct(v["resolve_met_pct"])] for k, v in d["by_contract"].items()],
                             ["contract", *ROW_HEADERS, "response met", "resolve met"],
                             right=[1, 2, 3, 4, 5, 6, 7, 8]))
        b.append("</section>\n")
    b.append("<section><h2>Trend</h2>\n")
    b.append(_html_table([[t["month"], t["opened"], t["resolved"], t["backlog"], _num(t["hours_worked"]),
                           t["amount"], _pct(t["response_met_pct"]), _pct(t["resolve_met_pct"])] for t in trend],
                         ["month", "opened", "resolved", "backlog", "worked h", "amount", "response", "resolve"],
                         right=[1, 2, 3, 4, 5, 6, 7]))
    b.append("</section>\n")
    for key, name in EXTRA_TITLES:
        if key in d:
            heads, rows = _extra_rows(key, d[key])
            b.append(f"<section><h2>{name}</h2>\n"
                     + (_html_table(rows, heads) if rows else "<p>(nothing in this month)</p>\n") + "</section>\n")
    if "alerts" in d or "recurring" in d:
        from tix.render.alerts import html as alerts_html

        b.append(alerts_html(d, it_manager=bool(d.get("org"))))
    if "tickets" in d:
        b.append(f"<section><h2>Tickets of {_e(d.get('org_name') or d['org'])}</h2>\n")
        if not d["tickets"]:
            b.append("<p>No tickets in this month.</p>\n")
        for t in d["tickets"]:
            req = t["requester"] + (f" <{t['requester_email']}>" if t["requester_email"] and
                                    t["requester_email"] != t["requester"] else "")
            now = f" (now {t['status_now']})" if t["status_now"] != t["status"] else ""
            b.append(f'<div class="ticket"><h3>{_e(t["id"])} {_e(t["title"])}</h3>\n')
            b.append(_html_table([
                ["requester", req or "-"], ["status at month end", t["status"] + now],
                ["priority / category", f"{t['priority']} / {t['category']}"], ["opened", _when(t["opened"])],
                ["resolved", _when(t["resolved_at"]) or "-"],
                ["SLA", f"response {t['sla']['response']}, resolve {t['sla']['resolve']}"],
                ["time this month", f"{_fmt_minutes(t['minutes_worked'])} worked, "
                                    f"{_fmt_minutes(t['minutes_billed'])} billed, {cur} {t['amount']}"],
            ], ["", ""]))
            if t["work"]:
                b.append(_html_table([[_when(w["at"]), w["agent"], _fmt_minutes(w["minutes"]),
                                       _fmt_minutes(w["billed_minutes"]), f"{w['rate_name']} {w['rate']}",
                                       w["multiplier"], w["amount"], _work_flags(w), w["note"]] for w in t["work"]],
                                     ["when", "agent", "worked", "billed", "rate", "x", "amount", "", "note"],
                                     right=[2, 3, 6]))
            if t["history"]:
                b.append(_html_table([[_when(e["at"]), e["by"], e["what"], e["text"]] for e in t["history"]],
                                     ["when", "by", "what", "text"]))
            b.append("</div>\n")
        b.append("</section>\n")
    return _page(title, "".join(b))


# ---------------------------------------------------------------- entry points

def render_month(data: dict[str, Any], fmt: str, language: str | None = None) -> str:
    """`language`: the organisation's, for the IT manager's view (`--org`): its text,
    Markdown and HTML are then in that language (tix.render.manager_report).
    `alerts` and `recurring` in `data` (tix.reports.alerts) add their section
    to every form (tix.render.alerts); `invoices` (tix.reports.invoiced) the
    invoiced, credited and net money."""
    if fmt == "json":
        return _json(data)
    lang = None
    if data.get("org") and language:
        from tix.render import manager_report

        lang = language if manager_report.localised(language) else None
    if fmt == "csv":
        if lang:
            from tix.render import manager_csv

            return manager_csv.render(data, lang)
        return _month_csv(data)
    if lang:
        text = manager_report.render(data, fmt, lang)  # its alerts section in the language too
    elif fmt == "html":
        text = _month_html(data)
    else:
        text = _month_text(data, md=fmt == "markdown")
        if "alerts" in data or "recurring" in data:
            from tix.render.alerts import section

            text += section(data, md=fmt == "markdown", it_manager=bool(data.get("org")))
    if data.get("invoices"):  # invoiced, credited and net, from the issued documents
        from tix.render import invoiced

        sec = invoiced.render(data, fmt, lang)
        text = text.replace("</body>", sec + "</body>", 1) if fmt == "html" else text + sec
    return text


def _json(data: dict[str, Any]) -> str:
    from tix.render.table import to_json  # control and bidi characters as \u escapes: inert on a terminal

    return to_json(data) + "\n"


def _period_cell(key: str, v: Any) -> str:
    if key.endswith("_pct") or key == "reopen_rate":
        return _pct(v)
    return _num(v)


def render_period(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return _json(data)
    cols = data["columns"]
    tot = data["total"]
    keys = [c["key"] for c in cols]
    if fmt == "csv":
        rows: list[tuple[str, str, str, Any]] = [("report", "", k, v) for k, v in data.items()
                                                 if not isinstance(v, (dict, list))]
        rows += [("report", "period", k, v) for k, v in data["period"].items()]
        for c in cols:
            rows += [("column", c["key"], k, v) for k, v in c.items() if k != "key"]
        rows += [("total", "", k, v) for k, v in _flatten(tot)]
        return _csv(rows)
    by = f", by {data['by']}" if data["by"] else ""
    title, span = _header(data, "Report")
    title += by
    table_rows = [[label, *[_period_cell(k, c[k]) for c in cols], _period_cell(k, tot[k])]
                  for k, label in PERIOD_ROWS]
    heads = ["", *keys, "total"]
    right = list(range(1, len(heads)))
    notes = [f"Amounts in {data['currency']}. The total is the whole period (a ticket counts once); its backlog is "
             f"the one at the period's end."]
    if fmt == "html":
        body = (f"<h1>{_e(title)}</h1>\n<p class=\"meta\">{_e(span)}</p>\n"
                + _html_table(table_rows, heads, right=right) + f"<p class=\"meta\">{_e(notes[0])}</p>\n")
        if data["by"] in ("month", "week") and cols:
            trend = [{"month": c["key"], **c} for c in cols]
            body += ("<div class=\"charts\">"
                     f"<figure>{svg_trend(trend)}<figcaption>Opened vs resolved</figcaption></figure>"
                     f"<figure>{svg_sla(trend)}<figcaption>SLA met, percent</figcaption></figure></div>\n")
        elif data["by"] in ("team", "org") and cols:
            bars = [(c["key"], c["hours_worked"]) for c in cols]
            body += (f"<figure>{svg_hbars('chart-' + data['by'], 'Hours worked by ' + data['by'], bars)}"
                     f"<figcaption>Hours worked by {_e(data['by'])}</figcaption></figure>\n")
        return _page(title, body)
    md = fmt == "markdown"
    out = [("# " if md else "") + _line(title, md), "", span, "", _table(table_rows, heads, md, right=right), ""]
    if data["by"] in ("month", "week") and len(cols) > 1 and not md:
        spark = [[label, sparkline([None if c[k] is None else float(c[k]) for c in cols],
                                   100.0 if k.endswith("_pct") else None)]
                 for k, label in PERIOD_ROWS[:7] + PERIOD_ROWS[7:9]]
        out += [_table(spark, ["series", f"{keys[0]} .. {keys[-1]}"], md), ""]
    out += notes
    return "\n".join(out).rstrip("\n") + "\n"
