"""Numbers, money and dates in the customer's language, by Babel (CLDR data):
"€ 3.139,38" and "23-11-2026" for a Dutch customer, "3 139,38 €" and
"23. 11. 2026" for a Czech one. Babel is imported only when called."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

LOCALES = {"nl": "nl_NL", "de": "de_DE", "cs": "cs_CZ", "no": "nb_NO", "en": "en_GB"}
# The numeric date format each language writes on an invoice (CLDR "short" or "medium").
DATE_STYLE = {"nl": "short", "de": "medium", "cs": "medium", "no": "short", "en": "short"}


def money(value: Decimal, currency: str, lang: str) -> str:
    return _money(str(value), currency, lang)  # str(Decimal) gives back the very value: cached by it


def number(value: Decimal, lang: str, digits: int = 2) -> str:
    return _number(str(value), lang, digits)


@lru_cache(maxsize=8192)
def _money(value: str, currency: str, lang: str) -> str:
    from babel.numbers import format_currency

    return str(format_currency(Decimal(value), currency, locale=LOCALES.get(lang, "en_GB")))


@lru_cache(maxsize=8192)
def _number(value: str, lang: str, digits: int) -> str:
    from babel.numbers import format_decimal

    fmt = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(Decimal(value), format=fmt, locale=LOCALES.get(lang, "en_GB")))


def day(value: date, lang: str) -> str:
    if type(value) is date:  # cached: a report writes the same days over and over
        return _day(value, lang)
    return _format_day(value, lang)  # a datetime: equal instants of other zones are other days


@lru_cache(maxsize=8192)
def _day(value: date, lang: str) -> str:
    return _format_day(value, lang)


def _format_day(value: date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(value, DATE_STYLE.get(lang, "short"), locale=LOCALES.get(lang, "en_GB")))
