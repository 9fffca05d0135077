"""The month's alerts and recurring work, for the monthly report and the IT
manager's view. Pure: tickets, the policy and `now` in, plain data out.

Alerts: tickets opened by an alert rule in the month, per organisation and
per host, with how often each problem was reported (the repeats) and the
time from the first report to the recovery. Recurring work: the occurrences
due in the month (up to now) per organisation, done (resolved or closed) or
not, and for the IT manager each occurrence with its checklist."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tix.core.checklist import checklist


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def _host(t: Any) -> str:
    for tag in t.fields.get("tags") or []:
        if tag.startswith("host:"):
            return str(tag[5:])
    key = str(t.fields.get("key") or "")
    return key.split("/")[0] if key else "-"


def month_section(tickets: Iterable[Any], start: datetime, end: datetime, policy: Any, now: datetime, *,
                  org: str | None = None) -> dict[str, Any]:
    """{"alerts": {...}, "recurring": {...}} for the month [start, end)."""
    from tix.core.alerts import times_seen

    per_org: dict[str, dict[str, Any]] = {}
    per_host: dict[str, dict[str, Any]] = {}
    recovery: list[float] = []
    occ_tickets: dict[str, Any] = {}
    total = repeats = 0
    for t in tickets:
        if t.fields.get("recurring") and not t.merged_into:
            occ_tickets.setdefault(str(t.fields.get("occurrence")), t)
        if not t.fields.get("alert") or not start <= t.created < end or (org and t.org != org):
            continue
        kind = "missing" if str(t.fields.get("key") or "").startswith("missing:") else "alert"
        n = times_seen(t.events) if t.events else 1
        total += 1
        repeats += n - 1
        mins = (t.resolved_at - t.created).total_seconds() / 60 if t.resolved_at else None
        if mins is not None:
            recovery.append(mins)
        for table, name in ((per_org, t.org or "-"), (per_host, _host(t))):
            row = table.setdefault(name, {"tickets": 0, "reports": 0, "repeats": 0, "missing_reports": 0,
                                          "open": 0, "_rec": []})
            row["tickets"] += 1
            row["reports"] += n
            row["repeats"] += n - 1
            row["missing_reports"] += kind == "missing"
            row["open"] += t.is_open
            if mins is not None:
                row["_rec"].append(mins)
    for table in (per_org, per_host):
        for row in table.values():
            row["median_recovery_minutes"] = _median(row.pop("_rec"))
    alerts = {"tickets": total, "repeats": repeats, "median_recovery_minutes": _median(recovery),
              "by_org": dict(sorted(per_org.items())), "by_host": dict(sorted(per_host.items()))}

    # recurring work due in the month, up to now
    from tix.core.recurrence import due_between

    per: dict[str, dict[str, Any]] = {}
    work = []
    for occ in due_between(policy, start, min(end, now)):
        if org and occ.org != org:
            continue
        row = per.setdefault(occ.org or "-", {"due": 0, "done": 0, "open": 0, "missing": 0})
        row["due"] += 1
        t = occ_tickets.get(occ.name)
        if t is None:
            row["missing"] += 1
        elif t.status in ("resolved", "closed"):
            row["done"] += 1
        else:
            row["open"] += 1
        items = checklist(t) if t is not None else [{"text": x, "done": False, "by": None, "at": None}
                                                     for x in occ.rule.checklist]
        work.append({"occurrence": occ.name, "rule": occ.rule.name, "org": occ.org, "due": occ.at.isoformat(),
                     "ticket": t.id if t is not None else None, "title": t.title if t is not None else occ.title(),
                     "status": t.status if t is not None else "missing",
                     "done_at": t.resolved_at.isoformat() if t is not None and t.resolved_at else None,
                     "checklist": items})
    recurring = {"due": sum(r["due"] for r in per.values()), "done": sum(r["done"] for r in per.values()),
                 "by_org": dict(sorted(per.items())), "work": work}
    return {"alerts": alerts, "recurring": recurring}
