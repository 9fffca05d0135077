"""Numbers, money and dates in the customer's language, by Babel (CLDR data):
"€ 3.139,38" and "23-11-2026" for a Dutch customer, "3 139,38 €" and
"23. 11. 2026" for a Czech one. Babel is imported only when called."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

LOCALES = {"nl": "nl_NL", "de": "de_DE", "cs": "cs_CZ", "no": "nb_NO", "en": "en_GB"}
# The numeric date format each language writes on an invoice (CLDR "short" or "medium").
DATE_STYLE = {"nl": "short", "de": "medium", "cs": "medium", "no": "short", "en": "short"}


def money(value: Decimal, currency: str, lang: str) -> str:
    from babel.numbers import format_currency

    return str(format_currency(value, currency, locale=LOCALES.get(lang, "en_GB")))


def number(value: Decimal, lang: str, digits: int = 2) -> str:
    from babel.numbers import format_decimal

    fmt = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(value, format=fmt, locale=LOCALES.get(lang, "en_GB")))


def day(value: date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(value, DATE_STYLE.get(lang, "short"), locale=LOCALES.get(lang, "en_GB")))
