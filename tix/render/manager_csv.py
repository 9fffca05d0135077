"""The IT manager's monthly report as CSV in the organisation's language
(`tix report month --org O --format csv` for an organisation whose language
is nl, de, cs or no): the long form of the machine CSV (section, row, field,
value: one file a spreadsheet can pivot), with the headers, section and field
names in that language and its conventions for numbers and dates, so the
customer's spreadsheet reads it as it is:

* the separator is `;` and numbers have a decimal comma and no thousands
  separator ("3139,38"), as a spreadsheet set to Dutch, German, Czech or
  Norwegian reads them (it splits on `;` when `,` is the decimal mark);
* dates and times are the language's numeric dates ("23-11-2026 10:00",
  "23. 11. 2026 10:00", Babel, like the PDF invoice);
* money is a number in a field that names the currency ("bedrag (EUR)").

It holds what the localised text, Markdown and HTML hold: the month's counts,
time and costs per rate, invoiced/credited/net, service levels, breaches, the
trend, and per ticket its facts, work and public history. Text cells are made
inert like every CSV of tix (tix.core.safe.csv_cell); numbers are written as
numbers. JSON stays the machine form in every language (docs/reports.md)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tix.render import locale as L
from tix.render.manager_report import WORDS

MORE: dict[str, dict[str, str]] = {
    "section": {"nl": "onderdeel", "de": "Abschnitt", "cs": "oddíl", "no": "del"},
    "row": {"nl": "regel", "de": "Zeile", "cs": "řádek", "no": "rad"},
    "field": {"nl": "veld", "de": "Feld", "cs": "pole", "no": "felt"},
    "value": {"nl": "waarde", "de": "Wert", "cs": "hodnota", "no": "verdi"},
    "Report": {"nl": "Rapport", "de": "Bericht", "cs": "Zpráva", "no": "Rapport"},
    "organisation": {"nl": "organisatie", "de": "Organisation", "cs": "organizace", "no": "organisasjon"},
    "from": {"nl": "van", "de": "von", "cs": "od", "no": "fra"},
    "to": {"nl": "tot en met", "de": "bis", "cs": "do", "no": "til og med"},
    "Invoices": {"nl": "Facturen", "de": "Rechnungen", "cs": "Faktury", "no": "Fakturaer"},
    "invoiced": {"nl": "gefactureerd", "de": "berechnet", "cs": "fakturováno", "no": "fakturert"},
    "credited": {"nl": "gecrediteerd", "de": "gutgeschrieben", "cs": "dobropisováno", "no": "kreditert"},
    "net": {"nl": "netto", "de": "netto", "cs": "netto", "no": "netto"},
    "VAT": {"nl": "btw", "de": "USt.", "cs": "DPH", "no": "mva"},
    "incl. VAT": {"nl": "incl. btw", "de": "inkl. USt.", "cs": "vč. DPH", "no": "inkl. mva"},
    "invoices": {"nl": "facturen", "de": "Rechnungen", "cs": "faktury", "no": "fakturaer"},
    "credit notes": {"nl": "creditnota's", "de": "Gutschriften", "cs": "dobropisy", "no": "kreditnotaer"},
    "Work": {"nl": "Werk", "de": "Arbeit", "cs": "Práce", "no": "Arbeid"},
    "History": {"nl": "Geschiedenis", "de": "Verlauf", "cs": "Historie", "no": "Historikk"},
    "Ticket": {"nl": "Ticket", "de": "Ticket", "cs": "Tiket", "no": "Sak"},
    "hours worked": WORDS["hours worked"],
    "minutes over": {"nl": "minuten te laat", "de": "Minuten überschritten", "cs": "minut překročeno",
                     "no": "minutter over"},
    "average": {"nl": "gemiddelde", "de": "Durchschnitt", "cs": "průměr", "no": "gjennomsnitt"},
    "flags": {"nl": "kenmerken", "de": "Merkmale", "cs": "příznaky", "no": "merknader"},
    "percent": {"nl": "procent", "de": "Prozent", "cs": "procent", "no": "prosent"},
    "hours": {"nl": "uren", "de": "Stunden", "cs": "hodiny", "no": "timer"},
    "category": {"nl": "categorie", "de": "Kategorie", "cs": "kategorie", "no": "kategori"},
}


def render(d: dict[str, Any], lang: str) -> str:
    """Report `d` (monthly_report(...).to_json() with an org) as CSV in `lang`."""
    def t(word: str) -> str:
        return (MORE.get(word) or WORDS.get(word) or {}).get(lang, word)

    loc = L.LOCALES[lang]
    cur = d["currency"]

    def num(v: Any, digits: int = 2) -> _Num | str:
        if v is None:
            return ""
        from babel.numbers import format_decimal

        return _Num(format_decimal(Decimal(str(v)), format="0." + "0" * digits if digits else "0", locale=loc))

    def when(iso: str | None) -> str:
        if not iso:
            return ""
        x = datetime.fromisoformat(iso)
        return f"{L.day(x.date(), lang)} {x:%H:%M}"

    def day(iso: str) -> str:
        return L.day(date.fromisoformat(iso[:10]), lang)

    def hours(m: int | None) -> _Num | str:
        return "" if m is None else num(Decimal(m) / 60)

    money = f"{t('amount')} ({cur})"
    rows: list[list[Any]] = []

    def add(section: str, row: str, field: str, value: Any) -> None:
        rows.append([section, row, field, value])

    rep, p = t("Report"), d["period"]
    add(rep, "", t("organisation"), d.get("org_name") or d["org"])
    add(rep, "", t("month"), d["month"])
    add(rep, "", f"{t('Period')} {t('from')}", day(p["start"]))
    add(rep, "", f"{t('Period')} {t('to')}", day((datetime.fromisoformat(p["end"]) - timedelta(seconds=1)).isoformat()))
    add(rep, "", t("as of"), when(d["as_of"]))
    sec = t("Tickets")
    for k in ("opened", "resolved", "closed"):
        add(sec, "", t(k), _Num(str(d[k])))
    add(sec, "", t("backlog at month end"), _Num(str(d["backlog"])))
    add(sec, "", f"{t('reopen rate')} (%)", num(d["reopen_rate"], 1))
    sec = t("Time and costs")
    for key, v in [(t("all"), {"hours_worked": d["hours_worked"], "hours_billed": d["hours_billed"],
                               "amount": d["amount"]}), *d["by_rate"].items()]:
        add(sec, key, t("hours worked"), num(v["hours_worked"]))
        add(sec, key, t("hours billed"), num(v["hours_billed"]))
        add(sec, key, money, num(v["amount"]))
    inv = d.get("invoices")
    if inv:
        sec = t("Invoices")

        def three(row: str, x: dict[str, Any]) -> None:
            for k in ("invoiced", "credited", "net"):
                add(sec, row, f"{t(k)} ({cur})", num(x[k]["amount"]))
                add(sec, row, f"{t(k)}, {t('VAT')} ({cur})", num(x[k]["vat"]))
                add(sec, row, f"{t(k)}, {t('incl. VAT')} ({cur})", num(x[k]["total_incl_vat"]))

        three(d["month"], inv)
        add(sec, d["month"], t("invoices"), " ".join(inv["invoices"]))
        add(sec, d["month"], t("credit notes"), " ".join(inv["credit_notes"]))
        for m in inv["months"]:
            if m["month"] != d["month"] and (Decimal(m["invoiced"]["total_incl_vat"])
                                             or Decimal(m["credited"]["total_incl_vat"])):
                three(m["month"], m)
    s, rh = d["sla"], d["resolve_hours"]
    sec = t("Service levels")
    add(sec, "", f"{t('response in time')} (%)", num(s["response_met_pct"], 1))
    add(sec, "", f"{t('resolved in time')} (%)", num(s["resolve_met_pct"], 1))
    add(sec, "", f"{t('time to resolve, median')} ({t('business hours')})", num(rh["median"]))
    add(sec, "", f"{t('satisfaction')} ({t('average')})", num(d["satisfaction"]["average"]))
    for n, b in enumerate(s["breaches"], 1):
        sec = t("Breaches")
        for field, value in ((t("ticket"), b["ticket"]), (t("title"), b["title"]), (t("clock"), t(b["clock"])),
                             (t("priority"), t(b["priority"])), (t("due"), when(b["due"])),
                             (t("done"), when(b["done_at"]) or t("not yet")),
                             (t("minutes over"), "" if b["over_minutes"] is None else _Num(str(b["over_minutes"])))):
            add(sec, str(n), field, value)
    sec = t("Trend")
    for x in d["trend"]:
        for field, value in ((t("opened"), _Num(str(x["opened"]))), (t("resolved"), _Num(str(x["resolved"]))),
                             (t("backlog"), _Num(str(x["backlog"]))), (t("hours worked"), num(x["hours_worked"])),
                             (f"{t('response in time')} (%)", num(x["response_met_pct"], 1)),
                             (f"{t('resolved in time')} (%)", num(x["resolve_met_pct"], 1))):
            add(sec, x["month"], field, value)
    for tk in d.get("tickets") or []:
        sec, row = t("Ticket"), tk["id"]
        for field, value in ((t("title"), tk["title"]), (t("requester"), tk["requester"]),
                             (t("status at month end"), t(tk["status"])), (t("now"), t(tk["status_now"])),
                             (t("priority"), t(tk["priority"])), (t("category"), t(tk["category"])),
                             (t("opened"), when(tk["opened"])), (t("resolved"), when(tk["resolved_at"])),
                             (f"SLA {t('response')}", t(tk["sla"]["response"])),
                             (f"SLA {t('resolve')}", t(tk["sla"]["resolve"])),
                             (f"{t('worked')} ({t('hours')})", hours(tk["minutes_worked"])),
                             (f"{t('billed')} ({t('hours')})", hours(tk["minutes_billed"])),
                             (money, num(tk["amount"]))):
            add(sec, row, field, value)
        for n, w in enumerate(tk["work"], 1):
            flags = ", ".join(t(f) for f, on in (("on-site", w["onsite"]), ("after hours", w["after_hours"]),
                                                 ("no bill", w["no_bill"])) if on)
            for field, value in ((t("when"), when(w["at"])), (t("technician"), w["agent"]),
                                 (f"{t('worked')} ({t('hours')})", hours(w["minutes"])),
                                 (f"{t('billed')} ({t('hours')})", hours(w["billed_minutes"])),
                                 (t("rate"), w["rate_name"]), (money, num(w["amount"])), (t("flags"), flags),
                                 (t("note"), w["note"])):
                add(t("Work"), f"{row}#{n}", field, value)
        for n, e in enumerate(tk["history"], 1):
            head, _, rest = e["what"].partition(" ")
            what = (t(head) + (" " + rest if rest else "")) if head in WORDS else e["what"]
            for field, value in ((t("when"), when(e["at"])), (t("by"), e["by"]), (t("what"), what),
                                 (t("text"), e["text"])):
                add(t("History"), f"{row}#{n}", field, value)
    if "alerts" in d or "recurring" in d:  # the recurring work done for them (and their alerts): the machine rows
        from tix.render.alerts import csv_rows

        for sec, row, field, value in csv_rows(d):
            add(sec, row, field, value)
    return _write([t("section"), t("row"), t("field"), t("value")], rows)


class _Num(str):
    """A number already in the customer's notation: written as it is."""


def _write(header: list[str], rows: list[list[Any]]) -> str:
    from tix.core.safe import csv_cell

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([csv_cell(c) for c in header])
    for r in rows:
        w.writerow([str(c) if isinstance(c, _Num) else csv_cell(c) for c in r])
    return buf.getvalue()
