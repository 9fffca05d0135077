"""The IT manager's monthly report (`tix report month --org O`) in the
organisation's language: headings, labels and the words for states in nl,
de, cs, no (English: the desk's own report, tix.render.report), money,
numbers and dates by Babel (tix.render.locale): "€ 3.139,38" and
"23-11-2026" for a Dutch customer, "3 139,38 €" and "23. 11. 2026" for a
Czech one. Text, Markdown and HTML here; the CSV in the language too
(tix.render.manager_csv: `;`, decimal comma, the language's dates); the JSON
stays the machine form (stable field names, ISO dates, `.` decimals) for
every language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from tix.render import locale as L
from tix.render.report import _e, _html_table, _line, _page, _table

WORDS: dict[str, dict[str, str]] = {
    "Monthly report": {"nl": "Maandrapport", "de": "Monatsbericht", "cs": "Měsíční zpráva", "no": "Månedsrapport"},
    "Period": {"nl": "Periode", "de": "Zeitraum", "cs": "Období", "no": "Periode"},
    "as of": {"nl": "stand per", "de": "Stand", "cs": "stav k", "no": "per"},
    "Tickets": {"nl": "Tickets", "de": "Tickets", "cs": "Tikety", "no": "Saker"},
    "opened": {"nl": "geopend", "de": "eröffnet", "cs": "otevřeno", "no": "åpnet"},
    "resolved": {"nl": "opgelost", "de": "gelöst", "cs": "vyřešeno", "no": "løst"},
    "closed": {"nl": "gesloten", "de": "geschlossen", "cs": "uzavřeno", "no": "lukket"},
    "backlog at month end": {"nl": "openstaand aan het eind van de maand", "de": "offen am Monatsende",
                             "cs": "otevřené na konci měsíce", "no": "åpne ved månedsslutt"},
    "reopen rate": {"nl": "heropend", "de": "wiedereröffnet", "cs": "znovu otevřeno", "no": "gjenåpnet"},
    # customer contracts (tix.core.contracts)
    "Contract": {"nl": "Contract", "de": "Vertrag", "cs": "Smlouva", "no": "Avtale"},
    "monthly fee": {"nl": "maandbedrag", "de": "Monatspauschale", "cs": "měsíční paušál", "no": "månedsbeløp"},
    "hours included": {"nl": "uren inbegrepen", "de": "Stunden inklusive", "cs": "hodiny v ceně",
                       "no": "timer inkludert"},
    "of them used this month": {"nl": "daarvan gebruikt deze maand", "de": "davon diesen Monat genutzt",
                                "cs": "z toho využito tento měsíc", "no": "av dem brukt denne måneden"},
    "hours beyond them": {"nl": "uren daarboven", "de": "Stunden darüber hinaus", "cs": "hodiny nad rámec",
                          "no": "timer utover"},
    "prepaid hours used this month": {"nl": "strippenkaart: uren gebruikt deze maand",
                                      "de": "Stundenkontingent: diesen Monat genutzt",
                                      "cs": "předplacené hodiny využité tento měsíc",
                                      "no": "forhåndsbetalte timer brukt denne måneden"},
    "prepaid hours left": {"nl": "strippenkaart: saldo", "de": "Stundenkontingent: Restguthaben",
                           "cs": "zbývající předplacené hodiny", "no": "forhåndsbetalte timer igjen"},
    "fee": {"nl": "maandbedrag", "de": "Pauschale", "cs": "paušál", "no": "fast beløp"},
    "prepaid": {"nl": "strippenkaart", "de": "Stundenkontingent", "cs": "předplacené hodiny",
                "no": "forhåndsbetalte timer"},
    "total": {"nl": "totaal", "de": "gesamt", "cs": "celkem", "no": "totalt"},
    "Time and costs": {"nl": "Tijd en kosten", "de": "Zeit und Kosten", "cs": "Čas a náklady",
                       "no": "Tid og kostnader"},
    "rate": {"nl": "tarief", "de": "Satz", "cs": "sazba", "no": "sats"},
    "hours worked": {"nl": "uren gewerkt", "de": "Stunden gearbeitet", "cs": "odpracované hodiny",
                     "no": "timer arbeidet"},
    "hours billed": {"nl": "uren gefactureerd", "de": "Stunden berechnet", "cs": "účtované hodiny",
                     "no": "timer fakturert"},
    "amount": {"nl": "bedrag", "de": "Betrag", "cs": "částka", "no": "beløp"},
    "all": {"nl": "totaal", "de": "gesamt", "cs": "celkem", "no": "totalt"},
    "Service levels": {"nl": "Serviceniveaus", "de": "Service-Level", "cs": "Úroveň služeb", "no": "Servicenivå"},
    "response in time": {"nl": "reactie op tijd", "de": "Reaktion rechtzeitig", "cs": "reakce včas",
                         "no": "respons i tide"},
    "resolved in time": {"nl": "opgelost op tijd", "de": "rechtzeitig gelöst", "cs": "vyřešeno včas",
                         "no": "løst i tide"},
    "time to resolve, median": {"nl": "oplostijd, mediaan", "de": "Lösungszeit, Median", "cs": "doba řešení, medián",
                                "no": "løsningstid, median"},
    "business hours": {"nl": "kantooruren", "de": "Geschäftsstunden", "cs": "pracovní hodiny",
                       "no": "arbeidstimer"},
    "satisfaction": {"nl": "tevredenheid", "de": "Zufriedenheit", "cs": "spokojenost", "no": "tilfredshet"},
    "Tickets of": {"nl": "Tickets van", "de": "Tickets von", "cs": "Tikety –", "no": "Saker for"},
    "No tickets in this month.": {"nl": "Geen tickets deze maand.", "de": "Keine Tickets in diesem Monat.",
                                  "cs": "Tento měsíc žádné tikety.", "no": "Ingen saker denne måneden."},
    "requester": {"nl": "aanvrager", "de": "Anfragender", "cs": "žadatel", "no": "innmelder"},
    "status at month end": {"nl": "status aan het eind van de maand", "de": "Status am Monatsende",
                            "cs": "stav na konci měsíce", "no": "status ved månedsslutt"},
    "now": {"nl": "nu", "de": "jetzt", "cs": "nyní", "no": "nå"},
    "priority / category": {"nl": "prioriteit / categorie", "de": "Priorität / Kategorie",
                            "cs": "priorita / kategorie", "no": "prioritet / kategori"},
    "SLA": {"nl": "SLA", "de": "SLA", "cs": "SLA", "no": "SLA"},
    "response": {"nl": "reactie", "de": "Reaktion", "cs": "reakce", "no": "respons"},
    "resolve": {"nl": "oplossing", "de": "Lösung", "cs": "vyřešení", "no": "løsning"},
    "time this month": {"nl": "tijd deze maand", "de": "Zeit in diesem Monat", "cs": "čas tento měsíc",
                        "no": "tid denne måneden"},
    "worked": {"nl": "gewerkt", "de": "gearbeitet", "cs": "odpracováno", "no": "arbeidet"},
    "billed": {"nl": "gefactureerd", "de": "berechnet", "cs": "účtováno", "no": "fakturert"},
    "when": {"nl": "wanneer", "de": "wann", "cs": "kdy", "no": "når"},
    "technician": {"nl": "technicus", "de": "Techniker", "cs": "technik", "no": "tekniker"},
    "note": {"nl": "notitie", "de": "Notiz", "cs": "poznámka", "no": "notat"},
    "by": {"nl": "door", "de": "von", "cs": "kdo", "no": "av"},
    "what": {"nl": "wat", "de": "was", "cs": "co", "no": "hva"},
    "text": {"nl": "tekst", "de": "Text", "cs": "text", "no": "tekst"},
    "on-site": {"nl": "op locatie", "de": "vor Ort", "cs": "na místě", "no": "på stedet"},
    "after hours": {"nl": "buiten kantooruren", "de": "außerhalb der Geschäftszeiten", "cs": "mimo pracovní dobu",
                    "no": "utenfor arbeidstid"},
    "no bill": {"nl": "niet gefactureerd", "de": "nicht berechnet", "cs": "neúčtováno", "no": "ikke fakturert"},
    "Breaches": {"nl": "Overschrijdingen", "de": "Überschreitungen", "cs": "Překročení", "no": "Brudd"},
    "ticket": {"nl": "ticket", "de": "Ticket", "cs": "tiket", "no": "sak"},
    "title": {"nl": "titel", "de": "Titel", "cs": "název", "no": "tittel"},
    "clock": {"nl": "klok", "de": "Uhr", "cs": "lhůta", "no": "klokke"},
    "priority": {"nl": "prioriteit", "de": "Priorität", "cs": "priorita", "no": "prioritet"},
    "due": {"nl": "uiterlijk", "de": "fällig", "cs": "termín", "no": "frist"},
    "done": {"nl": "gedaan", "de": "erledigt", "cs": "hotovo", "no": "utført"},
    "not yet": {"nl": "nog niet", "de": "noch nicht", "cs": "dosud ne", "no": "ikke ennå"},
    "over by": {"nl": "te laat", "de": "überschritten um", "cs": "překročeno o", "no": "over med"},
    "Trend": {"nl": "Verloop", "de": "Verlauf", "cs": "Vývoj", "no": "Utvikling"},
    "month": {"nl": "maand", "de": "Monat", "cs": "měsíc", "no": "måned"},
    "backlog": {"nl": "openstaand", "de": "offen", "cs": "otevřené", "no": "åpne"},
    # states and outcomes
    "new": {"nl": "nieuw", "de": "neu", "cs": "nový", "no": "ny"},
    "open": {"nl": "open", "de": "offen", "cs": "otevřený", "no": "åpen"},
    "waiting": {"nl": "wachtend", "de": "wartend", "cs": "čeká", "no": "venter"},
    "met": {"nl": "gehaald", "de": "eingehalten", "cs": "splněno", "no": "oppfylt"},
    "breached": {"nl": "overschreden", "de": "überschritten", "cs": "překročeno", "no": "brutt"},
    "running": {"nl": "loopt", "de": "läuft", "cs": "běží", "no": "løper"},
    "paused": {"nl": "gepauzeerd", "de": "pausiert", "cs": "pozastaveno", "no": "pauset"},
    "at-risk": {"nl": "in gevaar", "de": "gefährdet", "cs": "ohroženo", "no": "i fare"},
    "none": {"nl": "geen", "de": "keine", "cs": "žádné", "no": "ingen"},
    "urgent": {"nl": "urgent", "de": "dringend", "cs": "naléhavá", "no": "haster"},
    "high": {"nl": "hoog", "de": "hoch", "cs": "vysoká", "no": "høy"},
    "normal": {"nl": "normaal", "de": "normal", "cs": "normální", "no": "normal"},
    "low": {"nl": "laag", "de": "niedrig", "cs": "nízká", "no": "lav"},
    "incident": {"nl": "storing", "de": "Störung", "cs": "incident", "no": "hendelse"},
    "problem": {"nl": "probleem", "de": "Problem", "cs": "problém", "no": "problem"},
    "change": {"nl": "wijziging", "de": "Änderung", "cs": "změna", "no": "endring"},
    "request": {"nl": "verzoek", "de": "Anfrage", "cs": "požadavek", "no": "forespørsel"},
    "reply": {"nl": "antwoord", "de": "Antwort", "cs": "odpověď", "no": "svar"},
    "taken": {"nl": "opgepakt", "de": "übernommen", "cs": "převzato", "no": "tatt"},
    "reopened": {"nl": "heropend", "de": "wiedereröffnet", "cs": "znovu otevřeno", "no": "gjenåpnet"},
    # alerts and recurring work (tix.render.alerts)
    "Alerts": {"nl": "Alarmen", "de": "Alarme", "cs": "Výstrahy", "no": "Varsler"},
    "alert tickets": {"nl": "alarmtickets", "de": "Alarm-Tickets", "cs": "tikety z výstrah", "no": "varselsaker"},
    "repeat reports": {"nl": "herhaalde meldingen", "de": "wiederholte Meldungen", "cs": "opakovaná hlášení",
                       "no": "gjentatte meldinger"},
    "median time to recovery": {"nl": "mediane hersteltijd", "de": "Median der Wiederherstellungszeit",
                                "cs": "medián doby obnovy", "no": "median tid til gjenoppretting"},
    "per organisation": {"nl": "per organisatie", "de": "pro Organisation", "cs": "podle organizace",
                         "no": "per organisasjon"},
    "per host": {"nl": "per host", "de": "pro Host", "cs": "podle hostitele", "no": "per vert"},
    "organisation": {"nl": "organisatie", "de": "Organisation", "cs": "organizace", "no": "organisasjon"},
    "host": {"nl": "host", "de": "Host", "cs": "hostitel", "no": "vert"},
    "tickets": {"nl": "tickets", "de": "Tickets", "cs": "tikety", "no": "saker"},
    "reports": {"nl": "meldingen", "de": "Meldungen", "cs": "hlášení", "no": "meldinger"},
    "repeats": {"nl": "herhalingen", "de": "Wiederholungen", "cs": "opakování", "no": "gjentakelser"},
    "missing reports": {"nl": "ontbrekende meldingen", "de": "fehlende Meldungen", "cs": "chybějící hlášení",
                        "no": "manglende meldinger"},
    "Recurring work": {"nl": "Terugkerend werk", "de": "Wiederkehrende Arbeiten", "cs": "Opakovaná práce",
                       "no": "Gjentakende arbeid"},
    "of": {"nl": "van", "de": "von", "cs": "z", "no": "av"},
    "due done": {"nl": "geplande gedaan", "de": "geplanten erledigt", "cs": "naplánovaných hotovo",
                 "no": "planlagte utført"},
    "scheduled": {"nl": "gepland", "de": "geplant", "cs": "naplánováno", "no": "planlagt"},
    "not created": {"nl": "niet aangemaakt", "de": "nicht angelegt", "cs": "nevytvořeno", "no": "ikke opprettet"},
    "checklist": {"nl": "checklist", "de": "Checkliste", "cs": "kontrolní seznam", "no": "sjekkliste"},
    "status": {"nl": "status", "de": "Status", "cs": "stav", "no": "status"},
}


def translator(lang: str) -> Callable[[str], str]:
    """The words of `lang` (the English word where it has none)."""
    mine = {word: by_lang[lang] for word, by_lang in WORDS.items() if lang in by_lang}

    def t(word: str) -> str:
        return mine.get(word, word)

    return t


def localised(lang: str) -> bool:
    return lang in ("nl", "de", "cs", "no")


def render(d: dict[str, Any], fmt: str, lang: str) -> str:
    """The IT manager's report `d` (monthly_report(...).to_json() with an org) in `lang`,
    with its alerts and recurring work (tix.render.alerts) when it has them."""
    from tix.render import alerts

    t = translator(lang)

    cur = d["currency"]

    def money(v: Any) -> str:
        return L.money(Decimal(str(v)), cur, lang)

    def num(v: Any, digits: int = 2) -> str:
        return "-" if v is None else L.number(Decimal(str(v)), lang, digits)

    def pct(v: Any) -> str:
        return "-" if v is None else f"{L.number(Decimal(str(v)), lang, 1)} %"

    days: dict[str, str] = {}

    def when(iso: str | None) -> str:
        if not iso:
            return ""
        if len(iso) >= 19 and iso[10] == "T" and iso[13] == ":" and iso[16] == ":":  # isoformat(): day, time
            d = days.get(iso[:10])
            if d is None:
                d = days[iso[:10]] = L.day(datetime.fromisoformat(iso).date(), lang)
            return f"{d} {iso[11:16]}"
        x = datetime.fromisoformat(iso)
        return f"{L.day(x.date(), lang)} {x:%H:%M}"

    def mins(m: int | None) -> str:
        return "-" if m is None else f"{L.number(Decimal(m) / 60, lang)} h"

    from babel.dates import format_date

    y, m = map(int, d["month"].split("-"))
    month = format_date(datetime(y, m, 1).date(), "LLLL y", locale=L.LOCALES[lang])
    name = d.get("org_name") or d["org"]
    title = f"{t('Monthly report')} {month} \u2014 {name}"
    p = d["period"]
    end = datetime.fromisoformat(p["end"])
    from datetime import timedelta

    span = (f"{t('Period')}: {L.day(datetime.fromisoformat(p['start']).date(), lang)} \u2013 "
            f"{L.day((end - timedelta(seconds=1)).date(), lang)}; {t('as of')} {when(d['as_of'])}")
    s = d["sla"]
    rh = d["resolve_hours"]
    sections: list[tuple[str, list[list[Any]], list[str], list[int]]] = [
        (t("Tickets"), [[t("opened"), d["opened"]], [t("resolved"), d["resolved"]], [t("closed"), d["closed"]],
                        [t("backlog at month end"), d["backlog"]], [t("reopen rate"), pct(d["reopen_rate"])]],
         ["", ""], [1]),
        (t("Time and costs"),
         [[t("all"), num(d["hours_worked"]), num(d["hours_billed"]), money(d["amount"])]]
         + [[k, num(v["hours_worked"]), num(v["hours_billed"]), money(v["amount"])] for k, v in d["by_rate"].items()]
         + ([[t(x["kind"]), "", "", money(x["amount"])] for x in d["fees"]["lines"]]
            + [[t("total"), "", "", money(d["amount_total"])]] if d.get("fees") else []),
         [t("rate"), t("hours worked"), t("hours billed"), t("amount")], [1, 2, 3]),
        (t("Service levels"),
         [[t("response in time"), pct(s["response_met_pct"])], [t("resolved in time"), pct(s["resolve_met_pct"])],
          [f"{t('time to resolve, median')} ({t('business hours')})",
           "-" if rh["median"] is None else f"{num(rh['median'])} h"],
          [t("satisfaction"), "-" if d["satisfaction"]["average"] is None
           else f"{num(d['satisfaction']['average'])} / 5"]],
         ["", ""], [1]),
    ]

    c = d.get("contract")
    if c:  # the customer's contract and its hours: the figure customers ask for most
        rows: list[list[Any]] = [[t("Contract"), c["name"]]]
        if c["model"] == "fixed":
            rows += [[t("monthly fee"), money(c["fee"])], [t("hours included"), mins(c["included_minutes"])],
                     [t("of them used this month"), mins(c["used_minutes"])],
                     [t("hours beyond them"), mins(c["beyond_minutes"])]]
        elif c["model"] == "prepaid":
            rows += [[t("prepaid hours used this month"), mins(c["used_minutes"])],
                     [t("prepaid hours left"), mins(c["balance_minutes"])]]
        sections.insert(0, (t("Contract"), rows, ["", ""], [1]))
    if s["breaches"]:
        sections.append((t("Breaches"), [[x["ticket"], x["title"], t(x["clock"]), t(x["priority"]), when(x["due"]),
                                          when(x["done_at"]) or t("not yet"), mins(x["over_minutes"])]
                                         for x in s["breaches"]],
                         [t("ticket"), t("title"), t("clock"), t("priority"), t("due"), t("done"), t("over by")], [6]))
    sections.append((t("Trend"), [[format_date(datetime.strptime(x["month"], "%Y-%m").date(), "LLL y",
                                               locale=L.LOCALES[lang]), x["opened"], x["resolved"], x["backlog"],
                                   num(x["hours_worked"]), pct(x["response_met_pct"]), pct(x["resolve_met_pct"])]
                                  for x in d["trend"]],
                     [t("month"), t("opened"), t("resolved"), t("backlog"), t("hours worked"), t("response in time"),
                      t("resolved in time")], [1, 2, 3, 4, 5, 6]))

    def flags(w: dict[str, Any]) -> str:
        return ", ".join(t(f) for f, on in (("on-site", w["onsite"]), ("after hours", w["after_hours"]),
                                            ("no bill", w["no_bill"])) if on)

    def what(text: str) -> str:
        head, _, rest = text.partition(" ")
        return (t(head) + (" " + rest if rest else "")) if head in WORDS else text

    tickets = []
    for tk in d.get("tickets", []):
        req = tk["requester"] + (f" <{tk['requester_email']}>" if tk["requester_email"] and
                                 tk["requester_email"] != tk["requester"] else "")
        now = f" ({t('now')} {t(tk['status_now'])})" if tk["status_now"] != tk["status"] else ""
        facts = [
            [t("requester"), req or "-"], [t("status at month end"), t(tk["status"]) + now],
            [t("priority / category"), f"{t(tk['priority'])} / {t(tk['category'])}"],
            [t("opened"), when(tk["opened"])], [t("resolved"), when(tk["resolved_at"]) or "-"],
            [t("SLA"), f"{t('response')}: {t(tk['sla']['response'])}, {t('resolve')}: {t(tk['sla']['resolve'])}"],
            [t("time this month"), f"{mins(tk['minutes_worked'])} {t('worked')}, {mins(tk['minutes_billed'])} "
                                   f"{t('billed')}, {money(tk['amount'])}"],
        ]
        work = [[when(w["at"]), w["agent"], mins(w["minutes"]), mins(w["billed_minutes"]), w["rate_name"],
                 money(w["amount"]), flags(w), w["note"]] for w in tk["work"]]
        hist = [[when(e["at"]), e["by"], what(e["what"]), e["text"]] for e in tk["history"]]
        tickets.append((f"{tk['id']}  {tk['title']}", facts, work, hist))
    work_heads = [t("when"), t("technician"), t("worked"), t("billed"), t("rate"), t("amount"), "", t("note")]
    hist_heads = [t("when"), t("by"), t("what"), t("text")]

    if fmt == "html":
        b = [f"<h1>{_e(title)}</h1>\n<p class=\"meta\">{_e(span)}</p>\n"]
        for head, rows, heads, right in sections:
            b.append(f"<section><h2>{_e(head)}</h2>\n{_html_table(rows, heads, right=right)}</section>\n")
        b.append(alerts.html(d, it_manager=True, t=t))
        b.append(f"<section><h2>{_e(t('Tickets of'))} {_e(name)}</h2>\n")
        if not tickets:
            b.append(f"<p>{_e(t('No tickets in this month.'))}</p>\n")
        for head, facts, work, hist in tickets:
            b.append(f'<div class="ticket"><h3>{_e(head)}</h3>\n{_html_table(facts, ["", ""])}')
            if work:
                b.append(_html_table(work, work_heads, right=[2, 3, 5]))
            if hist:
                b.append(_html_table(hist, hist_heads))
            b.append("</div>\n")
        b.append("</section>\n")
        return _page(title, "".join(b)).replace('<html lang="en">', f'<html lang="{lang}">', 1)

    md = fmt == "markdown"
    h1, h2, h3 = ("# ", "## ", "### ") if md else ("", "", "")
    out = [h1 + _line(title, md), "", _line(span, md), ""]

    def section(head: str) -> None:
        head = _line(head, md)  # names and titles are the customer's text: inert, no Markdown
        out.extend([h2 + head if md else f"{head}\n{'-' * len(head)}", ""])

    for head, rows, heads, right in sections:
        section(head)
        out += [_table(rows, heads, md, right=right), ""]
    section(f"{t('Tickets of')} {name}")
    if not tickets:
        out += [t("No tickets in this month."), ""]
    for head, facts, work, hist in tickets:
        out += [h3 + _line(head, md), "", _table(facts, ["", ""], md), ""]
        if work:
            out += [_table(work, work_heads, md, right=[2, 3, 5]), ""]
        if hist:
            rows = [[*r[:3], r[3] if md else " ".join(r[3].split())[:60]] for r in hist]
            out += [_table(rows, hist_heads, md), ""]
    return "\n".join(out).rstrip("\n") + "\n" + alerts.section(d, md, it_manager=True, t=t)
