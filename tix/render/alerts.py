"""Text and Markdown for the monthly report's alerts and recurring-work section."""

from __future__ import annotations

from typing import Any


def _mins(v: Any) -> str:
    if v is None:
        return "-"
    v = round(v)
    return f"{v // 60}h{v % 60:02}" if v >= 60 else f"{v}m"


def section(data: dict[str, Any], md: bool = False, it_manager: bool = False) -> str:
    from tix.render.table import cell

    a, r = data.get("alerts") or {}, data.get("recurring") or {}
    if not a.get("tickets") and not r.get("due"):
        return ""
    h = "## " if md else ""
    out = [""]
    if a.get("tickets"):
        out.append(f"{h}Alerts: {a['tickets']} ticket(s), {a['repeats']} repeat report(s), median time to recovery "
                   f"{_mins(a['median_recovery_minutes'])}")
        for title, table in (("organisation", a["by_org"]), ("host", a["by_host"])):
            out.append(f"  per {title}:" if not md else f"\nPer {title}:\n")
            for name, row in table.items():
                line = (f"{cell(name)}: {row['tickets']} ticket(s), {row['reports']} report(s), "
                        f"{row['repeats']} repeat(s), {row['missing_reports']} missing report(s), "
                        f"median recovery {_mins(row['median_recovery_minutes'])}")
                out.append(f"- {line}" if md else f"    {line}")
    if r.get("due"):
        out.append(f"{h}Recurring work: {r['done']} of {r['due']} due done")
        for name, row in r["by_org"].items():
            line = f"{cell(name)}: {row['done']} of {row['due']} done, {row['open']} open, {row['missing']} not created"
            out.append(f"- {line}" if md else f"    {line}")
        if it_manager:
            for w in r["work"]:
                out.append(("- " if md else "    ") + f"{w['due'][:10]} {cell(w['title'])} ({w['ticket'] or '-'}, "
                           f"{w['status']})")
                for it in w["checklist"]:
                    mark = "x" if it["done"] else " "
                    who = f" ({cell(it['by'])} {it['at'][:10]})" if it["done"] else ""
                    out.append(("    - " if md else "        ") + f"[{mark}] {cell(it['text'])}{who}")
    return "\n".join(out) + "\n"
