"""tix credit: prepaid hours -- record a purchased block, or show the balance."""

from __future__ import annotations

import re

import typer

from tix.cli.boundary import warn
from tix.cli.commands.common import FormatOpt


def credit(
    org: str = typer.Argument(..., help="The organisation (its key in policies.yaml). Example: contoso"),
    hours: str | None = typer.Argument(None, help="Hours bought: 10, 7.5, or a duration like 10h30m. Leave out to "
                                       "show the balance. Example: 10"),
    price: str | None = typer.Option(None, "--price", help="What the customer pays for the block, before VAT. "
                                     "Example: --price 850.00"),
    at: str | None = typer.Option(None, "--at", help="When it was bought (default: now). Example: --at 2026-11-02"),
    message: str | None = typer.Option(None, "-m", "--message", help="A note on the purchase (on the invoice line). "
                                       "Example: -m 'order 4711'"),
    format: str = FormatOpt,
) -> None:
    """Prepaid hours (a "strippenkaart"): record a purchased block, or show the
    organisation's balance, its blocks and what was deducted from them.

    A block is an append-only record (invoices/prepaid/); its price is a line
    on the next invoice. Work of an organisation under a `prepaid` contract is
    deducted in billed minutes, oldest expiring block first; work beyond the
    balance is billed at the contract's overage rate and flagged.

    Examples:

      tix credit contoso 10 --price 850.00 -m "order 4711"

      tix credit contoso

      tix credit contoso --format json | jq .balance_minutes
    """
    from decimal import Decimal, InvalidOperation

    from tix.cli.env import ctx_env
    from tix.core.errors import BadInput

    env = ctx_env()
    p = env.policy
    if org not in p.orgs:
        raise BadInput(f"credit {org!r}: not an organisation ({', '.join(sorted(p.orgs)) or 'none defined'})")
    if hours is None:
        if price is not None or at is not None or message is not None:
            raise BadInput("credit ORG: --price, --at and -m go with HOURS (recording a block)")
        _show(env, org, format)
        return
    minutes = _hours(hours)
    if price is None:
        raise BadInput("credit ORG HOURS: give --price AMOUNT (what the block costs, before VAT), e.g. --price 850.00")
    try:
        amount = Decimal(price) if re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", price.strip()) else None
    except InvalidOperation:
        amount = None
    if amount is None:
        raise BadInput(f"--price {price!r}: expected an amount like 850.00 (digits, at most two decimals)")
    when = env.now if at is None else env.when(at, what="--at")
    assert when is not None
    if when > env.now:
        raise BadInput(f"--at {at}: in the future; a block is recorded when it is bought")
    from tix.core.contracts import contract_at

    _, terms = contract_at(p, org, when.astimezone(p.tz))
    from tix.cli.commands.common import text_arg
    from tix.storage import prepaid

    note = text_arg(message, "-m") if message is not None else ""
    b = prepaid.record(env.store, org=org, at=when.astimezone(p.tz), minutes=minutes, price=amount.quantize(
        Decimal("0.01")), note=note or "", user=env.user, now=env.now)
    print(b.id)
    from tix.core.dates import fmt_minutes

    warn(f"recorded {fmt_minutes(minutes)} of prepaid hours for {org} ({p.billing.currency} {b.price}); "
         f"billed on the next invoice")
    if terms is None or terms.billing.model != "prepaid":
        warn(f"note: {org}'s contract is not prepaid on {when.astimezone(p.tz):%Y-%m-%d}; its work is not "
             f"deducted from blocks until it is")
    env.finish(f"credit {org} {fmt_minutes(minutes)}")


def _hours(text: str) -> int:
    from tix.core.dates import parse_minutes
    from tix.core.errors import BadInput

    t = text.strip()
    if re.fullmatch(r"[0-9]{1,5}(\.[0-9]{1,2})?", t):
        from decimal import Decimal

        minutes = Decimal(t) * 60
        if minutes != minutes.to_integral_value():
            raise BadInput(f"HOURS {text!r}: not a whole number of minutes")
        m = int(minutes)
    else:
        m = parse_minutes(t, what="HOURS")
    if not 0 < m <= 10_000 * 60:
        raise BadInput(f"HOURS {text!r}: expected 0.25 to 10000 hours")
    return m


def _show(env: object, org: str, format: str) -> None:
    from tix.app.contracts import month_used, org_wallet, org_work, wallet_json
    from tix.core.dates import fmt_minutes
    from tix.render import table as render
    from tix.storage import ledger

    e = env  # type: ignore[assignment]
    p = e.policy  # type: ignore[attr-defined]
    render.check_format(format)
    now = e.now  # type: ignore[attr-defined]
    store = e.store  # type: ignore[attr-defined]
    w = org_wallet(store, p, org, org_work(store, p, org), ledger.invoiced_ids(store), now)
    data = {"org": org, **wallet_json(w, p, now), "used_this_month_minutes": month_used(w, p, now)}
    from tix.core.contracts import contract_at

    cname, terms = contract_at(p, org, now.astimezone(p.tz))
    data["contract"] = cname
    data["warn_below_minutes"] = terms.billing.warn_below if terms is not None else None
    if format == "json":
        print(render.to_json(data))
        return
    blocks = [[b["id"], b["at"][:10], fmt_minutes(b["minutes"]), b["price"], fmt_minutes(b["used_minutes"]),
               fmt_minutes(b["expired_minutes"]) if b["expired_minutes"] else "",
               fmt_minutes(b["left_minutes"]), (b["expires"] or "")[:10]] for b in data["blocks"]]
    heads = ["block", "bought", "hours", "price", "used", "expired", "left", "expires"]
    deds = [[d["at"][:16].replace("T", " "), d["entry"], fmt_minutes(d["billed_minutes"]),
             fmt_minutes(d["covered_minutes"]), fmt_minutes(d["overage_minutes"]) if d["overage_minutes"] else ""]
            for d in data["deductions"]]
    dheads = ["at", "entry", "billed", "from blocks", "overage"]
    if format == "csv":
        print(render.to_csv(blocks, heads), end="")
        return
    bal = data["balance_minutes"]
    print(f"{org}: contract {cname or '(none)'}; balance {fmt_minutes(max(bal, 0))}, used this month "
          f"{fmt_minutes(data['used_this_month_minutes'])}"
          + (f" (below the warning level of {fmt_minutes(data['warn_below_minutes'])})"
             if data["warn_below_minutes"] is not None and bal < data["warn_below_minutes"] else ""))
    print()
    print(render.table(blocks, heads) if blocks else "no blocks bought yet")
    if deds:
        print()
        print(render.table(deds, dheads))
