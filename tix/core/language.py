"""The customer's language: one rule, and the day and month names every
message, notice and report uses (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix.core.policy import LANGUAGES

if TYPE_CHECKING:
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket

WEEKDAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "cs": ("pondělí", "úterý", "středa", "čtvrtek", "pátek", "sobota", "neděle"),
    "no": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
}
MONTH_NAMES = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    # Czech dates use the genitive: 24. listopadu 2026
    "cs": ("ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října",
           "listopadu", "prosince"),
    "no": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
}


def customer_language(ticket: Ticket, policy: Policy) -> str:
    """The language a customer reads: the ticket's own `language`, else its
    organisation's, else the desk's default, else English; always one of
    LANGUAGES."""
    for lang in (ticket.f("language"), _org_language(ticket, policy), policy.default_language):
        if lang in LANGUAGES:
            return str(lang)
    return "en"


def _org_language(ticket: Ticket, policy: Policy) -> str | None:
    org = policy.orgs.get(ticket.org or "")
    return org.language if org is not None else None
