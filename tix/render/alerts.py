"""The monthly report's alerts and recurring-work section in every form:
text and Markdown (`section`), HTML (`html`) and the long CSV's rows
(`csv_rows`); the JSON carries `alerts` and `recurring` as they are. The IT
manager's view (`--org`) also lists each occurrence with its checklist; in
the organisation's language when `t` translates (tix.render.manager_report)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Translate = Callable[[str], str]
LIST_STYLE = "margin: 0; padding-left: 0; list-style: none"  # inline: the page's stylesheet stays as it was


def _same(word: str) -> str:
    return word


def _mins(v: Any) -> str:
    if v is None:
        return "-"
    v = round(v)
    return f"{v // 60}h{v % 60:02}" if v >= 60 else f"{v}m"


def _present(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    a, r = data.get("alerts") or {}, data.get("recurring") or {}
    if not a.get("tickets") and not r.get("due"):
        return None
    return a, r


def _item(it: dict[str, Any]) -> str:
    mark = "x" if it["done"] else " "
    who = f" ({it['by']} {str(it['at'])[:10]})" if it["done"] else ""
    return f"[{mark}] {it['text']}{who}"


def section(data: dict[str, Any], md: bool = False, it_manager: bool = False, t: Translate = _same) -> str:
    from tix.render.table import cell

    found = _present(data)
    if found is None:
        return ""
    a, r = found
    h = "## " if md else ""
    out = [""]
    if a.get("tickets"):
        out.append(f"{h}{t('Alerts')}: {a['tickets']} {t('alert tickets')}, {a['repeats']} {t('repeat reports')}, "
                   f"{t('median time to recovery')} {_mins(a['median_recovery_minutes'])}")
        for title, table in (("organisation", a["by_org"]), ("host", a["by_host"])):
            out.append(f"  {t('per ' + title)}:" if not md else f"\n{t('per ' + title).capitalize()}:\n")
            for name, row in table.items():
                line = (f"{cell(name)}: {row['tickets']} {t('tickets')}, {row['reports']} {t('reports')}, "
                        f"{row['repeats']} {t('repeats')}, {row['missing_reports']} {t('missing reports')}, "
                        f"{t('median time to recovery')} {_mins(row['median_recovery_minutes'])}")
                out.append(f"- {line}" if md else f"    {line}")
    if r.get("due"):
        if md and len(out) > 1:
            out.append("")
        out.append(f"{h}{t('Recurring work')}: {r['done']} {t('of')} {r['due']} {t('due done')}")
        for name, row in r["by_org"].items():
            line = (f"{cell(name)}: {row['done']} {t('of')} {row['due']} {t('done')}, {row['open']} {t('open')}, "
                    f"{row['missing']} {t('not created')}")
            out.append(f"- {line}" if md else f"    {line}")
        if it_manager:
            for w in r["work"]:
                out.append(("- " if md else "    ") + f"{w['due'][:10]} {cell(w['title'])} ({w['ticket'] or '-'}, "
                           f"{t(_status(w['status']))})")
                for it in w["checklist"]:
                    out.append(("    - " if md else "        ") + cell(_item(it)))
    return "\n".join(out) + "\n"


def _status(s: str) -> str:
    return "not created" if s == "missing" else s


def html(data: dict[str, Any], it_manager: bool = False, t: Translate = _same) -> str:
    """The section as HTML (`<section>`s for tix.render.report's page)."""
    from tix.render.report import _e, _html_table

    found = _present(data)
    if found is None:
        return ""
    a, r = found
    b: list[str] = []
    if a.get("tickets"):
        b.append(f"<section><h2>{_e(t('Alerts'))}</h2>\n")
        b.append(_html_table([[t("alert tickets"), a["tickets"]], [t("repeat reports"), a["repeats"]],
                              [t("median time to recovery"), _mins(a["median_recovery_minutes"])]],
                             ["", ""], right=[1]))
        heads = [t("tickets"), t("reports"), t("repeats"), t("missing reports"), t("open"),
                 t("median time to recovery")]
        for title, table in (("organisation", a["by_org"]), ("host", a["by_host"])):
            b.append(f"<h3>{_e(t('per ' + title).capitalize())}</h3>\n")
            b.append(_html_table([[name, row["tickets"], row["reports"], row["repeats"], row["missing_reports"],
                                   row["open"], _mins(row["median_recovery_minutes"])]
                                  for name, row in table.items()], [t(title), *heads], right=[1, 2, 3, 4, 5, 6]))
        b.append("</section>\n")
    if r.get("due"):
        b.append(f"<section><h2>{_e(t('Recurring work'))}: {r['done']} {_e(t('of'))} {r['due']} "
                 f"{_e(t('due done'))}</h2>\n")
        b.append(_html_table([[name, row["due"], row["done"], row["open"], row["missing"]]
                              for name, row in r["by_org"].items()],
                             [t("organisation"), t("scheduled"), t("done"), t("open"), t("not created")],
                             right=[1, 2, 3, 4]))
        if it_manager and r["work"]:
            heads = [t("due"), t("title"), t("ticket"), t("status"), t("checklist")]
            rows = []
            for w in r["work"]:
                items = "".join(f'<li class="{"done" if it["done"] else "todo"}">{_e(_item(it))}</li>'
                                for it in w["checklist"])
                rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in (
                    w["due"][:16].replace("T", " "), w["title"], w["ticket"] or "-", t(_status(w["status"]))))
                            + f'<td><ul class="checklist" style="{LIST_STYLE}">{items}</ul></td></tr>\n')
            th = "".join(f"<th>{_e(x)}</th>" for x in heads)
            b.append(f"<table class=\"recurring\"><thead><tr>{th}</tr></thead><tbody>\n{''.join(rows)}"
                     f"</tbody></table>\n")
        b.append("</section>\n")
    return "".join(b)


def csv_rows(data: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(section, row, field, value) rows for the monthly report's long CSV:
    everything the JSON's `alerts` and `recurring` hold."""
    out: list[tuple[str, str, str, Any]] = []
    a, r = data.get("alerts"), data.get("recurring")
    if a:
        out += [("alerts", "", k, a[k]) for k in ("tickets", "repeats", "median_recovery_minutes")]
        for dim in ("org", "host"):
            for name, row in a[f"by_{dim}"].items():
                out += [(f"alerts_by_{dim}", name, k, v) for k, v in row.items()]
    if r:
        out += [("recurring", "", k, r[k]) for k in ("due", "done")]
        for name, row in r["by_org"].items():
            out += [("recurring_by_org", name, k, v) for k, v in row.items()]
        for w in r["work"]:
            out += [("recurring_work", w["occurrence"], k, v) for k, v in w.items() if k != "checklist"]
            for n, it in enumerate(w["checklist"], 1):
                out += [("recurring_checklist", f"{w['occurrence']}#{n}", k, v) for k, v in it.items()]
    return out
