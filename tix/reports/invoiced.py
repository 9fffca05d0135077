"""What was invoiced, what was credited and what is left (net), per month and
per organisation, from the issued invoices and credit notes themselves (pure:
the records are read by tix.storage.ledger and tix.storage.credits).

A document belongs to the month it bills: an invoice to its `month`
(`2026-11-001` bills November), a credit note to the month of the invoice it
credits (`CN-2026-11-001` gives back work of a November invoice), so the net
of a month is what its invoices finally ask. Every figure is a sum of the
documents' own amounts (net, VAT and total per organisation, as issued), so
the section ties to the ledger to the cent: the monthly report's money is the
issued invoices, credit notes included."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
PARTS = ("amount", "vat", "total_incl_vat")


def _add(acc: dict[str, Decimal], amount: str, vat: str, total: str) -> None:
    acc["amount"] += Decimal(amount)
    acc["vat"] += Decimal(vat)
    acc["total_incl_vat"] += Decimal(total)


def _zero() -> dict[str, Decimal]:
    return dict.fromkeys(PARTS, ZERO)


def _money(acc: dict[str, Decimal]) -> dict[str, str]:
    return {k: str(acc[k].quantize(Decimal("0.01"))) for k in PARTS}


def section(docs: Iterable[dict[str, Any]], month: str, months: list[str], org: str | None = None) -> dict[str, Any]:
    """The report's `invoices` section for `month` (and the `months` of its
    trend, oldest first); with `org`, only that organisation's share. `docs`:
    the issued documents as tix.storage.ledger.totals gives them ({number,
    month, credit, orgs: [[org, amount, vat, total_incl_vat]]})."""
    want = set(months) | {month}
    per_month: dict[str, dict[str, dict[str, Decimal]]] = {
        m: {"invoiced": _zero(), "credited": _zero()} for m in want}
    by_org: dict[str, dict[str, dict[str, Decimal]]] = {}
    numbers: dict[str, list[str]] = {"invoiced": [], "credited": []}
    for doc in sorted(docs, key=lambda d: d["number"]):
        if doc["month"] not in want:
            continue
        kind = "credited" if doc["credit"] else "invoiced"
        shares = [o for o in doc["orgs"] if org is None or o[0] == org]
        if not shares:
            continue
        for key, amount, vat, total in shares:
            _add(per_month[doc["month"]][kind], amount, vat, total)
            if doc["month"] == month:
                acc = by_org.setdefault(key or "", {"invoiced": _zero(), "credited": _zero()})
                _add(acc[kind], amount, vat, total)
        if doc["month"] == month:
            numbers[kind].append(doc["number"])

    def three(x: dict[str, dict[str, Decimal]]) -> dict[str, Any]:
        net = {k: x["invoiced"][k] - x["credited"][k] for k in PARTS}
        return {"invoiced": _money(x["invoiced"]), "credited": _money(x["credited"]), "net": _money(net)}

    this = per_month[month]
    return {
        "month": month,
        **three(this),
        "invoices": numbers["invoiced"],
        "credit_notes": numbers["credited"],
        "by_org": {k: three(v) for k, v in sorted(by_org.items())},
        "months": [{"month": m, **three(per_month[m])} for m in sorted(want)],
    }
