#!/usr/bin/env python3
"""Write the demo desk: `policies.yaml` and `tickets/` of Kade IT, a small Dutch
managed service provider, from 1 August to 20 November 2026 (the desk's
"today" is Monday 23 November 2026). About 190 tickets for seven customers in
five languages, Contoso's network outage of seed 000 among them, all written
through tix's own Store, so every command works on it straight after install:

    python scripts/make_demo.py                 # rewrites ./policies.yaml and ./tickets/
    python scripts/make_demo.py --out /tmp/demo --seed 2026

Deterministic: the same seed gives byte-identical files (tests/test_demo.py
checks the committed desk against a fresh run). `--out` defaults to the
repository root; there it replaces `tickets/` and `policies.yaml` and touches
nothing else. It refuses to overwrite a desk whose policies.yaml it did not
write, unless --force."""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import tempfile
import time as _time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import demo_model as M  # noqa: E402
import demo_vocab as V  # noqa: E402
from demo_model import TZ, Plan  # noqa: E402

from tix.core.dates import stamp  # noqa: E402
from tix.storage.store import Store  # noqa: E402

GENERATOR = "scripts/make_demo.py"
FIRST_DAY = date(2026, 8, 1)
LAST_DAY = date(2026, 11, 20)
CUTOFF = datetime(2026, 11, 20, 18, 0, tzinfo=TZ)  # Friday evening: nothing later is recorded
NEXT_WEEK = date(2026, 11, 23)
PREFIX_OF = {owner: prefix for prefix, owner in V.CLONES.items()}
CREATORS = {"sanne": 0.3, "daan": 0.4, "lotte": 0.3}  # who answers the phone and the mailbox


def at(day: str, hm: str, sec: int = 0) -> datetime:
    """at("2026-10-05", "08:31", 12) -> that wall time in Amsterdam."""
    h, m = map(int, hm.split(":"))
    return datetime.combine(date.fromisoformat(day), time(h, m, sec), TZ)


@dataclass
class Contoso:
    incident: Plan
    duplicate: Plan
    problem: Plan
    change: Plan


# ------------------------------------------------------------------ seed 000: Contoso's outage

def contoso_outage(sim: M.Sim) -> Contoso:
    """Seed 000, told as the desk records it. Monday 5 October 2026, about 08:30:
    Contoso calls, the order-processing department has no network; 15 people
    cannot work and freight does not move.

    Rating: impact 4 x urgency 8 = 32, high (response 2h, resolve 4h, escalate
    3h). Impact 4, not 2: order processing is down *and* logistics is stuck
    (no orders, no waybills), so several departments are hit, at one site;
    8 would mean several sites. Urgency 8: it cannot wait. 8 x 8 = 64
    (urgent) would overstate it: one site, and a workaround is possible."""
    cust = V.CUSTOMER["contoso"]
    jan = next(p for p in cust.people if p.name == "Jan de Vries")
    noel = next(p for p in cust.people if p.name == "Noël Smits")
    marloes = next(p for p in cust.people if p.name == cust.manager)
    jan_mail = M.email_of(jan.name, cust.domain)

    t0 = at("2026-10-05", "08:31", 12)
    inc = sim.new_plan(t0, "daan", sim.header(
        "Afdeling orderverwerking heeft geen netwerkverbinding", M.requester_of(cust, jan, True), cust, jan.dept,
        "phone", "incident", None, 4, 8, "servicedesk",
        "Contoso belt met spoed: de afdeling orderverwerking heeft ineens geen netwerkverbinding meer.\n"
        "Wie: Jan de Vries, teamleider orderverwerking (belt zelf, mobiel bereikbaar).\n"
        "Waar: kantoor Rotterdam, eerste verdieping: alle 15 werkplekken van orderverwerking.\n"
        "Sinds wanneer: vanochtend ca. 08:15, bij de start van de dienst.\n"
        "Impact: 15 medewerkers kunnen niet werken; er gaan geen orders en vrachtbrieven de deur uit, dus het "
        "vrachtverkeer stroomt niet door (ook Logistiek staat stil).\n"
        "Al geprobeerd: pc's en de switch in de patchkast op de afdeling herstart, kabels gecontroleerd; de wifi "
        "werkt daar ook niet.", tags=("network", "outage")), "nl", cust, "contoso/incident", {})
    inc.add(t0, "daan", "opened")
    inc.add(t0, "daan", "taken")
    inc.add(at("2026-10-05", "08:33", 40), "daan", "commented", internal=True, text=(
        "Prioriteit: impact 4 (meerdere afdelingen: orderverwerking en daardoor logistiek/vrachtverkeer) x "
        "urgentie 8 (kan niet wachten) = 32, hoog. Geen 8x8: één vestiging, niet meerdere."))
    inc.add(at("2026-10-05", "08:36", 5), "daan", "commented", text=(
        "Beste Jan, dank voor je telefoontje. We hebben de storing met hoge prioriteit opgepakt en schakelen direct "
        "een Connectivity-specialist in. We houden je telefonisch op de hoogte."))
    inc.add(at("2026-10-05", "08:38", 30), "daan", "commented", internal=True, text=(
        "Overleg met de incidentmanager (sanne): direct naar Connectivity. Core switch SW-CORE-01 in de serverruimte "
        "reageert niet op ping; uplinks van VLAN 20 (orderverwerking) down. Wachtwoord van de switch staat in de "
        "kluis onder Klanten/Contoso, niet in het ticket."))
    t = at("2026-10-05", "08:39", 10)
    inc.add(t, "daan", "escalated", to_team="connectivity", from_team="servicedesk", line=2, auto=False,
            reason="Prioriteit hoog en specialisme netwerk; overgedragen in overleg met de incidentmanager")
    inc.add(t, "daan", "assigned", to="pieter")
    inc.add(at("2026-10-05", "08:40", 55), "daan", "worked", minutes=10, note="Telefonische intake en triage")
    inc.add(at("2026-10-05", "08:41", 2), "pieter", "taken")
    inc.add(at("2026-10-05", "09:02", 44), "pieter", "worked", minutes=20,
            note="Analyse op afstand: SW-CORE-01 onbereikbaar, VLAN 20 down; vermoedelijk hardwaredefect")
    inc.add(at("2026-10-05", "09:05", 15), "pieter", "commented", text=(
        "Kort telefonisch contact gehad met Jan: de core switch in jullie serverruimte is defect. Ik kom nu met een "
        "vervangende switch naar Rotterdam; verwachte aankomst 09:45."))
    inc.add(at("2026-10-05", "11:12"), "pieter", "worked", minutes=85, rate="ONSITE", onsite=True, note=(
        "Ter plaatse: defecte core switch (voeding) vervangen door een tijdelijke switch uit voorraad, configuratie "
        "uit de back-up teruggezet, VLAN 20 en uplinks getest"))
    inc.add(at("2026-10-05", "11:14", 20), "pieter", "commented", text=(
        "De afdeling orderverwerking is weer online: alle 15 werkplekken hebben netwerk en de orders lopen weer "
        "door. Wil je bevestigen dat alles werkt?"))
    inc.add(at("2026-10-05", "11:21", 3), jan_mail, "commented", requester=True,
            text="Bevestigd: iedereen kan weer werken en de vrachtbrieven komen er weer uit. Dank voor de snelle actie!")
    inc.add(at("2026-10-05", "11:26", 40), "pieter", "resolved", solution=(
        "Oorzaak: de voeding van core switch SW-CORE-01 was defect, waardoor VLAN 20 (orderverwerking) geen "
        "verbinding meer had. Ter plaatse een tijdelijke switch uit voorraad geplaatst, de configuratie uit de "
        "back-up teruggezet en alle 15 werkplekken samen met de aanmelder getest. De root cause analyse en de "
        "structurele vervanging van de core switch volgen in een apart probleem- en wijzigingsticket, gekoppeld "
        "aan dit incident."))

    # A second call about the same outage: a duplicate, closed against the main incident.
    t1 = at("2026-10-05", "08:44", 20)
    dup = sim.new_plan(t1, "lotte", sim.header(
        "Netwerk orderverwerking plat", M.requester_of(cust, noel, False), cust, noel.dept, "email", "incident",
        None, 2, 8, "servicedesk",
        "Hoi, bij ons op de afdeling doet het netwerk het niet meer, we kunnen geen orders invoeren. Kunnen jullie "
        "snel kijken?\nGroet, Noël"), "nl", cust, "contoso/duplicate", {})
    dup.add(t1, "lotte", "opened")
    dup.add(at("2026-10-05", "08:47", 5), "lotte", "taken")
    t = at("2026-10-05", "08:47", 50)
    dup.add(t, "lotte", "linked", link="duplicate-of", other=inc)
    inc.add(t, "lotte", "linked", link="duplicated-by", other=dup)
    dup.add(at("2026-10-05", "08:48", 30), "lotte", "commented", text=(
        "Dag Noël, dank voor je mail. Deze storing is al gemeld door Jan de Vries en wordt met hoge prioriteit "
        "opgepakt in het hoofdincident; je hoort van ons zodra het netwerk weer werkt."))
    dup.add(at("2026-10-05", "08:49", 5), "lotte", "closed", note="Dubbele melding; afgehandeld in het hoofdincident.")

    # Root cause analysis (problem) ...
    t2 = at("2026-10-05", "14:10", 33)
    prob = sim.new_plan(t2, "pieter", sim.header(
        "RCA: uitval core switch SW-CORE-01 Contoso", M.requester_of(cust, marloes, False), cust, marloes.dept,
        "other", "problem", None, 4, 2, "connectivity",
        "Root cause analyse na de storing van vanochtend bij orderverwerking (gekoppeld incident). Waarom faalde de "
        "switch, waarom was er geen redundantie, en hoe voorkomen we herhaling?", tags=("network", "rca")),
        "nl", cust, "contoso/problem", {})
    prob.add(t2, "pieter", "opened")
    prob.add(t2, "pieter", "taken")
    t = at("2026-10-05", "14:11", 5)
    prob.add(t, "pieter", "linked", link="causes", other=inc)
    inc.add(t, "pieter", "linked", link="caused-by", other=prob)
    prob.add(at("2026-10-05", "14:32", 18), "pieter", "commented", internal=True, text=(
        "Switch is een HPE 5130 uit 2018 met één voeding, firmware drie jaar oud. De logging toont spanningsdips "
        "sinds september. Leverancier (case 5-48213) bevestigt een defecte PSU. Contoso's contract dekt geen "
        "hardware: vervanging wordt meerwerk, eerst akkoord van Marloes."))
    t = at("2026-10-05", "16:22", 10)
    prob.add(t, "pieter", "worked", minutes=75, note="Root cause analyse: logboeken, leverancierscase, advies vervanging")
    prob.add(t, "pieter", "set", fields={
        "root_cause": ("Defecte voeding (PSU) van core switch SW-CORE-01 (HPE 5130 uit 2018, één voeding, geen "
                       "redundantie); na spanningsdips sinds september viel de voeding op 5 oktober volledig uit."),
        "workaround": "Tijdelijke switch uit voorraad met de geback-upte configuratie (geplaatst op 5 oktober).",
        "known_error": True})

    # ... and the change that replaces the failed component (a separate ticket, linked to the incident).
    t3 = at("2026-10-06", "08:55", 10)
    change = sim.new_plan(t3, "pieter", sim.header(
        "Core switch Contoso vervangen (SW-CORE-01)", M.requester_of(cust, marloes, False), cust, marloes.dept,
        "other", "change", "normal", 4, 2, "connectivity",
        "Structurele oplossing na de storing van 5 oktober (RCA gekoppeld): de tijdelijke switch vervangen door een "
        "nieuwe core switch met redundante voeding (Aruba CX 6300), configuratie overzetten en uplinks testen. "
        "Uitvoering buiten kantoortijd in overleg met Contoso (orderverwerking werkt tot 18:00).",
        tags=("network", "switch"), estimate=240), "nl", cust, "contoso/change", {})
    change.add(t3, "pieter", "opened")
    change.add(t3, "pieter", "linked", link="fixes", other=prob)
    prob.add(t3, "pieter", "linked", link="fixed-by", other=change)
    change.add(t3, "pieter", "linked", link="fixes", other=inc)
    inc.add(t3, "pieter", "linked", link="fixed-by", other=change)
    w0, w1 = at("2026-10-09", "18:00"), at("2026-10-09", "21:00")
    change.add(at("2026-10-06", "09:20", 41), "pieter", "set", fields={
        "risk": "medium", "rollback": "Tijdelijke switch terugplaatsen met de huidige configuratie (30 minuten).",
        "window_start": stamp(w0), "window_end": stamp(w1)})
    change.add(at("2026-10-06", "09:24", 2), "pieter", "commented", text=(
        "Beste Marloes, zoals besproken vervangen we de core switch op vrijdag 9 oktober vanaf 18:00, na sluiting "
        "van orderverwerking. Tijdens de werkzaamheden (ca. 2,5 uur) is het netwerk op de eerste verdieping niet "
        "beschikbaar."))
    change.add(at("2026-10-06", "11:40", 9), "sanne", "approved",
               note="Akkoord (CAB): risico medium, terugvalplan aanwezig, venster buiten kantoortijd met Contoso afgestemd.")
    t = at("2026-10-06", "11:45", 30)
    change.add(t, "pieter", "taken")
    change.add(t, "pieter", "planned", start=stamp(w0), end=stamp(w1), agent="pieter")
    change.add(at("2026-10-08", "14:30"), "pieter", "worked", minutes=60,
               note="Voorbereiding: nieuwe switch geconfigureerd en getest op de werkbank")
    change.add(at("2026-10-09", "20:45"), "pieter", "worked", minutes=165, rate="ONSITE", onsite=True,
               after_hours=True, note=("Ter plaatse: nieuwe core switch (Aruba CX 6300, dubbele voeding) geplaatst, "
                                       "configuratie overgezet, uplinks en alle VLAN's getest"))
    change.add(at("2026-10-09", "20:52", 11), "pieter", "commented", text=(
        "De nieuwe core switch is geplaatst en getest. Maandagochtend kijken we samen met orderverwerking of alles "
        "goed loopt."))
    change.add(at("2026-10-09", "20:55", 40), "pieter", "resolved", solution=(
        "Nieuwe core switch (Aruba CX 6300 met dubbele voeding) geplaatst ter vervanging van de defecte SW-CORE-01; "
        "configuratie overgezet, uplinks, VLAN's en alle werkplekken van orderverwerking getest. Tijdelijke switch "
        "terug in voorraad."))
    change.add(at("2026-10-12", "09:15", 27), M.email_of(marloes.name, cust.domain), "commented", requester=True,
               text="Maandagochtend alles in orde bij orderverwerking. Dank voor de nette afhandeling!")
    change.add(at("2026-10-12", "09:40", 3), "sanne", "closed")

    inc.add(at("2026-10-07", "10:15", 8), "daan", "feedback", score=5,
            text="Binnen vier uur weer aan het werk, heel fijn. (Jan de Vries, telefonisch)")
    inc.add(at("2026-10-12", "09:41", 30), "sanne", "closed",
            note="Structurele oplossing via de gekoppelde wijziging uitgevoerd op 9 oktober.")
    prob.add(at("2026-10-14", "10:05", 12), "pieter", "resolved", solution=(
        "Root cause: defecte voeding van een verouderde core switch zonder redundantie. Opgelost met de gekoppelde "
        "wijziging: nieuwe core switch met dubbele voeding geplaatst op 9 oktober; sindsdien stabiel (vier "
        "werkdagen gemonitord). Advies aan Contoso: jaarlijkse lifecycle-check van de netwerkapparatuur."))
    prob.add(at("2026-10-16", "16:02", 44), "sanne", "closed")
    return Contoso(inc, dup, prob, change)


# ------------------------------------------------------------------ the months

def poisson(rng: random.Random, lam: float) -> int:
    n, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def creation_time(sim: M.Sim, rng: random.Random, day: date, channel: str) -> datetime:
    """When a ticket comes in: mornings are busiest; mail and monitoring also at night."""
    if channel == "backup-check":  # the morning backup check
        return at(day.isoformat(), f"08:{rng.randint(5, 45):02d}", rng.randint(0, 59))
    if channel == "monitoring" and rng.random() < 0.3:
        return at(day.isoformat(), f"{rng.choice((0, 2, 3, 5, 6, 22, 23)):02d}:{rng.randint(0, 59):02d}",
                  rng.randint(0, 59))
    if channel in ("email", "portal") and rng.random() < 0.1:
        return at(day.isoformat(), f"{rng.randint(18, 22)}:{rng.randint(0, 59):02d}", rng.randint(0, 59))
    hour = rng.choices((8, 9, 10, 11, 13, 14, 15, 16), (22, 20, 16, 11, 11, 9, 7, 4))[0]
    t = at(day.isoformat(), f"{hour:02d}:{rng.randint(0, 59):02d}", rng.randint(0, 59))
    return M._tidy(sim.cal.next_open(t)).astimezone(TZ)


def pick_creator(rng: random.Random, sc: V.Scenario) -> str:
    if sc.category == "change":
        return "pieter" if sc.team == "connectivity" else "sanne"
    if sc.team == "connectivity" and rng.random() < 0.35:
        return "pieter"  # customers who call their network specialist directly
    return rng.choices(list(CREATORS), list(CREATORS.values()))[0]


def base_days(sim: M.Sim, rng: random.Random) -> list[tuple[datetime, V.Customer, V.Scenario, str]]:
    """The everyday flow: Poisson arrivals per business day (August: holidays, quieter)."""
    customers = list(V.CUSTOMERS)
    scenarios = [s for s in V.SCENARIOS if s.weight > 0]
    out = []
    d = FIRST_DAY
    while d <= LAST_DAY:
        if d.weekday() < 5 and not sim.cal.is_holiday(d):
            for _ in range(poisson(rng, 1.2 if d.month == 8 else 1.75)):
                cust = rng.choices(customers, [c.weight for c in customers])[0]
                sc = rng.choices(scenarios, [s.weight for s in scenarios])[0]
                channel = rng.choice(sc.channels)
                out.append((creation_time(sim, rng, d, channel), cust, sc, channel))
        elif rng.random() < 0.25:  # weekend and holiday alerts from monitoring
            cust = rng.choices(customers, [c.weight for c in customers])[0]
            sc = V.SCENARIO[rng.choice(("disk", "backup"))]
            channel = "monitoring"
            out.append((creation_time(sim, rng, d, channel), cust, sc, channel))
        d += timedelta(days=1)
    return out


@dataclass
class Special:
    created: datetime
    cust: str
    scenario: str
    creator: str
    channel: str | None = None
    rating: tuple[int, int] | None = None
    resolve_factor: float | None = None
    respond: float | None = None  # business minutes until someone takes it


# Storylines beyond chance: recurring VPN drops at Fabrikam (a problem and its
# change follow), recurring backup failures at the bakery, a company-wide
# Norwegian outage (urgent, 24x7 clock), and the last days before "today".
SPECIALS = (
    Special(at("2026-09-08", "09:12", 31), "fabrikam", "vpn", "daan", "email"),
    Special(at("2026-09-17", "08:47", 2), "fabrikam", "vpn", "lotte", "phone"),
    Special(at("2026-09-29", "10:03", 55), "fabrikam", "vpn", "pieter", "phone"),
    Special(at("2026-10-06", "08:21", 17), "meulen", "backup", "sanne", "backup-check"),
    Special(at("2026-10-14", "08:16", 40), "meulen", "backup", "daan", "backup-check"),
    Special(at("2026-10-27", "08:33", 9), "meulen", "backup", "lotte", "backup-check"),
    Special(at("2026-09-22", "06:52", 14), "fjordlys", "internet", "daan", "monitoring", (8, 8)),
    Special(at("2026-11-18", "10:40", 12), "dvorak", "onboarding", "lotte", "email", (1, 2), 2.5),
    Special(at("2026-11-19", "16:20", 45), "meulen", "internet", "daan", "phone", (4, 8), 2.5),
    Special(at("2026-11-20", "08:40", 20), "contoso", "outlook", "sanne", "email", (1, 4), 1.6, 25),
    Special(at("2026-11-20", "15:20", 8), "fabrikam", "erp", "daan", "phone", (4, 4), 1.8, 4),
    Special(at("2026-11-20", "15:12", 51), "northwind", "printer", "lotte", "portal", (2, 4), 1.4),
    Special(at("2026-11-20", "17:36", 4), "dvorak", "vpn", "lotte", "email", (1, 4)),
    Special(at("2026-11-20", "17:52", 40), "fjordlys", "licence", "sanne", "portal", (1, 1)),
)


def patch_rounds(sim: M.Sim) -> list[list[Plan]]:
    """The monthly patch round (a standard change) for the three biggest customers:
    announced on the Wednesday after Patch Tuesday, done Thursday evening."""
    out = []
    for month in (8, 9, 10, 11):
        first = date(2026, month, 1)
        tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
        for i, key in enumerate(("contoso", "fabrikam", "meulen")):
            cust = V.CUSTOMER[key]
            created = at((tuesday + timedelta(days=1)).isoformat(), f"09:{10 + 7 * i:02d}", 30 + i)
            start = datetime.combine(tuesday + timedelta(days=2), time(19 + (i > 0)), TZ)
            window = (start, start + timedelta(hours=2, minutes=30))
            out.append(sim.change_ticket(created, cust, V.SCENARIO["patch"], "sanne", window=window,
                                         owner=("fleur", "joost")[(month + i) % 2]))
    return out


def build(sim: M.Sim, rng: random.Random, writer: M.Writer) -> tuple[list[Plan], Contoso]:
    """Every plan of the demo desk, in no particular order."""
    plans: list[Plan] = []
    story = contoso_outage(sim)
    plans += [story.incident, story.duplicate, story.problem, story.change]
    for ps in patch_rounds(sim):
        plans += ps
    arrivals = [(t, cust, sc, ch, pick_creator(rng, sc), None, None, None)
                for t, cust, sc, ch in base_days(sim, rng) if t <= CUTOFF]
    arrivals += [(s.created, V.CUSTOMER[s.cust], V.SCENARIO[s.scenario], s.channel, s.creator, s.rating,
                  s.resolve_factor, s.respond) for s in SPECIALS]
    arrivals.sort(key=lambda a: a[0])
    for created, cust, sc, channel, creator, rating, factor, respond in arrivals:
        if sc.category == "change":
            new = sim.change_ticket(created, cust, sc, creator, channel=channel)
        else:
            new = sim.service_ticket(created, cust, sc, creator, channel=channel, rating=rating,
                                     resolve_factor=factor, response_minutes=respond)
            hit = sim.note_incident(new[0], sc) if sc.category == "incident" else None
            if hit:
                kind, incidents = hit
                creator = "pieter" if V.PROBLEMS[kind].team == "connectivity" else "sanne"
                new += sim.problem_ticket(kind, incidents, creator, writer.extend)
        plans += new
    for p in plans:  # the coming week: slots in the owners' agendas
        if rng.random() < 0.6:
            sim.plan_slot(p, NEXT_WEEK)
    return plans, story


# ------------------------------------------------------------------ writing

INVOICED_MONTHS = ("2026-08", "2026-09")  # October is left as the draft a user tries first


def issue_invoices(store: Store, policy) -> list[str]:  # type: ignore[no-untyped-def]
    """Issue the August and September invoices through the real ledger, as the
    servicedesk clone (SD, sanne) did on the 2nd of the next month at 09:00."""
    import json
    from datetime import datetime

    from tix.core.billing import build_invoice
    from tix.core.dates import month_period
    from tix.storage import ledger

    sd_claim = next((store.tickets_dir / "SD").glob(".claim-*")).name[len(".claim-"):]
    store.ensure_state_dir()
    (store.state_dir / "clone.json").write_text(json.dumps({"prefix": "SD", "clone": sd_claim, "user": "sanne"}))
    from tix.storage.index import load_all  # the index's query (tix.storage.index)
    tickets = load_all(store)
    names = {k: o.name for k, o in policy.orgs.items()}
    numbers = []
    for label in INVOICED_MONTHS:
        y, m = map(int, label.split("-"))
        period = month_period(y, m, policy.tz)
        now = datetime(period.end.year, period.end.month, 2, 9, 0, tzinfo=policy.tz)
        inv = ledger.issue(store, lambda ids, period=period: build_invoice(tickets, policy, period.end, period.label,
                                                                          ids, None),
                           user="sanne", now=now, org_names=names)
        numbers.append(inv.number)
    return numbers


def generate(out: Path, seed: int, force: bool = False, quiet: bool = False) -> dict[str, object]:
    started = _time.perf_counter()
    text = M.policy_text(GENERATOR, seed)
    policy = M.load_policy_text(text)
    pol_path = out / "policies.yaml"
    if pol_path.exists() and GENERATOR not in pol_path.read_text(encoding="utf-8", errors="replace") and not force:
        raise SystemExit(f"make_demo: {pol_path} was not written by {GENERATOR}; refusing to replace that desk "
                         "(use --force)")
    rng = random.Random(seed)
    ids = M.Ids(seed)
    with tempfile.TemporaryDirectory(prefix="tix-demo-") as tmp:
        root = Path(tmp)
        store = Store(root)
        with M.generation_mode():
            M.write_claims(store, ids, V.CLONES)
            writer = M.Writer(store, ids)
            sim = M.Sim(policy, rng, CUTOFF, PREFIX_OF.__getitem__)
            plans, story = build(sim, rng, writer)
            driver = M.Driver(writer)
            for p in plans:
                driver.push(p)
            driver.release()
            if writer.unfinished():
                raise SystemExit("make_demo: some links point at tickets that were never written")
            issued = issue_invoices(store, policy)
        out.mkdir(parents=True, exist_ok=True)
        tickets = out / "tickets"
        if tickets.exists():
            shutil.rmtree(tickets)
        shutil.copytree(root / "tickets", tickets)
        invoices = out / "invoices"
        if invoices.exists():
            shutil.rmtree(invoices)
        shutil.copytree(root / "invoices", invoices)
        tmp_pol = out / ".policies.yaml.make_demo.tmp"
        tmp_pol.write_text(text, encoding="utf-8")
        tmp_pol.replace(pol_path)
    stats = {
        "tickets": writer.tickets,
        "events": writer.events,
        "orgs": len({p.org for p in plans if p.org}),
        "by_prefix": dict(sorted(Counter(p.prefix for p in plans).items())),
        "by_category": dict(sorted(Counter(p.header["category"] for p in plans).items())),
        "contoso": {"incident": story.incident.tid, "duplicate": story.duplicate.tid,
                    "problem": story.problem.tid, "change": story.change.tid},
        "invoices": issued,
        "seconds": round(_time.perf_counter() - started, 2),
    }
    if not quiet:
        print(f"demo desk written to {out}: {stats['tickets']} tickets, {stats['events']} events, "
              f"{stats['orgs']} organisations in {stats['seconds']} s")
        print(f"  prefixes: {stats['by_prefix']}")
        print(f"  categories: {stats['by_category']}")
        c = stats["contoso"]
        print(f"  Contoso outage: incident {c['incident']}, duplicate {c['duplicate']}, problem {c['problem']}, "
              f"change {c['change']}")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT, help="the desk directory (default: the repository root)")
    ap.add_argument("--seed", type=int, default=2026, help="random seed (default 2026, the committed demo)")
    ap.add_argument("--force", action="store_true", help="replace a desk this script did not write")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    args = ap.parse_args(argv)
    generate(args.out.resolve(), args.seed, force=args.force, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
