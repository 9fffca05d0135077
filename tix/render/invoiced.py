"""The monthly report's `invoices` section (tix.reports.invoiced): invoiced,
credited and net per organisation and per month, as text, Markdown or HTML;
in the organisation's language for the IT manager's view (money by Babel),
in English with plain decimals for the desk's own report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

WORDS: dict[str, dict[str, str]] = {
    "Invoices and credit notes": {"nl": "Facturen en creditnota's", "de": "Rechnungen und Gutschriften",
                                  "cs": "Faktury a dobropisy", "no": "Fakturaer og kreditnotaer"},
    "invoiced": {"nl": "gefactureerd", "de": "berechnet", "cs": "fakturováno", "no": "fakturert"},
    "credited": {"nl": "gecrediteerd", "de": "gutgeschrieben", "cs": "dobropisováno", "no": "kreditert"},
    "net": {"nl": "netto", "de": "netto", "cs": "netto", "no": "netto"},
    "net incl. VAT": {"nl": "netto incl. btw", "de": "netto inkl. USt.", "cs": "netto vč. DPH",
                      "no": "netto inkl. mva"},
    "organisation": {"nl": "organisatie", "de": "Organisation", "cs": "organizace", "no": "organisasjon"},
    "month": {"nl": "maand", "de": "Monat", "cs": "měsíc", "no": "måned"},
    "all": {"nl": "totaal", "de": "gesamt", "cs": "celkem", "no": "totalt"},
    "documents": {"nl": "documenten", "de": "Belege", "cs": "doklady", "no": "dokumenter"},
    "excl. VAT": {"nl": "excl. btw", "de": "ohne USt.", "cs": "bez DPH", "no": "eks. mva"},
    "A document counts in the month it bills; a credit note in the month of the invoice it credits.": {
        "nl": "Een document telt in de maand die het factureert; een creditnota in de maand van de "
              "factuur die het crediteert.",
        "de": "Ein Beleg zählt im Monat, den er berechnet; eine Gutschrift im Monat der Rechnung, die sie "
              "gutschreibt.",
        "cs": "Doklad se počítá do měsíce, který fakturuje; dobropis do měsíce faktury, kterou dobropisuje.",
        "no": "Et dokument teller i måneden det fakturerer; en kreditnota i måneden til fakturaen den "
              "krediterer."},
}


def t(word: str, lang: str | None) -> str:
    return WORDS.get(word, {}).get(lang or "en", word)


def rows(sec: dict[str, Any], fmt_money: Any, fmt_month: Any, lang: str | None,
         names: dict[str, str] | None = None) -> tuple[list[list[Any]], list[str], list[list[Any]], list[str]]:
    """(by organisation rows, headers; by month rows, headers); amounts excl. VAT, the net also incl. VAT."""
    heads = [t("invoiced", lang), t("credited", lang), t("net", lang), t("net incl. VAT", lang)]

    def cells(x: dict[str, Any]) -> list[Any]:
        return [fmt_money(x["invoiced"]["amount"]), fmt_money(x["credited"]["amount"]),
                fmt_money(x["net"]["amount"]), fmt_money(x["net"]["total_incl_vat"])]

    org_rows = [[(names or {}).get(k, k) or "-", *cells(v)] for k, v in sec["by_org"].items()]
    if len(org_rows) != 1:
        org_rows.append([t("all", lang), *cells(sec)])
    month_rows = [[fmt_month(m["month"]), *cells(m)] for m in sec["months"]
                  if Decimal(m["invoiced"]["total_incl_vat"]) or Decimal(m["credited"]["total_incl_vat"])]
    return org_rows, [t("organisation", lang), *heads], month_rows, [t("month", lang), *heads]


def render(d: dict[str, Any], fmt: str, lang: str | None = None) -> str:
    """The section of report `d` (its `invoices`), '' when it has none."""
    from tix.render.report import _e, _html_table, _line, _table

    sec = d.get("invoices")
    if not sec:
        return ""
    cur = d["currency"]
    if lang:
        from datetime import date

        from babel.dates import format_date

        from tix.render import locale as L

        def money(v: str) -> str:
            return L.money(Decimal(v), cur, lang)

        def month(m: str) -> str:
            y, mm = map(int, m.split("-"))
            return str(format_date(date(y, mm, 1), "LLL y", locale=L.LOCALES.get(lang, "en_GB")))
    else:
        def money(v: str) -> str:
            return v

        def month(m: str) -> str:
            return m
    names = {d["org"]: d.get("org_name") or d["org"]} if d.get("org") else None
    org_rows, org_heads, month_rows, month_heads = rows(sec, money, month, lang, names)
    docs = ", ".join(sec["invoices"] + sec["credit_notes"]) or "-"
    head = t("Invoices and credit notes", lang) + ("" if lang else f" ({cur}, {t('excl. VAT', lang)})")
    note = t("A document counts in the month it bills; a credit note in the month of the invoice it credits.", lang)
    right = [1, 2, 3, 4]
    if fmt == "html":
        return (f"<section><h2>{_e(head)}</h2>\n<p class=\"meta\">{_e(t('documents', lang))}: {_e(docs)}</p>\n"
                f"{_html_table(org_rows, org_heads, right=right)}{_html_table(month_rows, month_heads, right=right)}"
                f"<p class=\"meta\">{_e(note)}</p></section>\n")
    md = fmt == "markdown"
    title = _line(head, md)
    out = ["", f"## {title}" if md else f"{title}\n{'-' * len(title)}", "",
           _line(f"{t('documents', lang)}: {docs}", md), "",
           _table(org_rows, org_heads, md, right=right), ""]
    if month_rows:
        out += [_table(month_rows, month_heads, md, right=right), ""]
    out += [_line(note, md), ""]
    return "\n".join(out)
