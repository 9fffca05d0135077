"""The vocabulary of the demo and benchmark desks: the shop (Kade IT, a small
Dutch managed service provider), its teams, its customers and their people,
and the ticket scenarios in the customers' languages (Dutch, German, Czech,
Norwegian, English). Pure data; `demo_model.py` turns it into event logs.

Texts may hold slots in braces ({room}, {server}, ...) that the model fills
per ticket; every scenario has all five languages."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGS = ("nl", "de", "cs", "no", "en")

SHOP_NAME = "Kade IT B.V."
SHOP_DOMAIN = "kade-it.nl"

# team -> (support line, members (login names), team mailbox). Order matters:
# `tix escalate` picks the first team of the next line (seed 001: 1st -> 2nd -> 3rd).
TEAMS: dict[str, tuple[int, tuple[str, ...], str]] = {
    "servicedesk": (1, ("sanne", "daan", "lotte"), "servicedesk@kade-it.nl"),
    "connectivity": (2, ("pieter", "yoeri", "radek"), "connectivity@kade-it.nl"),
    "cloud": (2, ("ingrid", "bram"), "cloud@kade-it.nl"),
    "modern-workplace": (2, ("fleur", "joost"), "workplace@kade-it.nl"),
    "backup": (2, ("emre", "noor"), "backup@kade-it.nl"),
    "security": (3, ("mila", "thomas"), "security@kade-it.nl"),
}
INCIDENT_MANAGER = "sanne"  # seed 000: the incident manager; also approves changes

# ID prefix of each technician's clone -> its owner (the agents who log tickets).
CLONES: dict[str, str] = {"SD": "sanne", "DV": "daan", "LO": "lotte", "PK": "pieter"}
# The benchmark desk has more clones.
BENCH_CLONES: dict[str, str] = {**CLONES, "RV": "radek", "IB": "ingrid", "FJ": "fleur", "EM": "emre"}


@dataclass(frozen=True)
class Person:
    name: str
    dept: str


@dataclass(frozen=True)
class Customer:
    key: str
    name: str
    domain: str
    language: str
    rate: str
    code: str  # prefix of its server names
    manager: str  # the IT manager (seed 003), one of `people`
    sites: tuple[str, ...]
    people: tuple[Person, ...]
    phone: str  # country prefix and area code
    weight: float  # share of the desk's tickets
    newhires: tuple[str, ...] = ()


def _p(*pairs: tuple[str, str]) -> tuple[Person, ...]:
    return tuple(Person(n, d) for n, d in pairs)


CUSTOMERS: tuple[Customer, ...] = (
    Customer("contoso", "Contoso B.V.", "contoso.com", "nl", "PROGP85", "CON", "Marloes Verbeek",
             ("Rotterdam", "Venlo"),
             _p(("Jan de Vries", "Orderverwerking"), ("Marloes Verbeek", "ICT"), ("Femke van den Bosch", "Financiën"),
                ("Sjoerd Hoekstra", "Logistiek"), ("Anouk Bakker", "Verkoop"), ("Ruud Jansen", "Logistiek"),
                ("Noël Smits", "Orderverwerking"), ("Chloë de Wit", "HR"), ("Thijs Verhoeven", "Verkoop"),
                ("Wessel Groeneveld", "Financiën"), ("Inge Hoogeveen", "Orderverwerking")),
             "+31 10 4", 0.24, ("Sophie Mertens", "Lars Dijkstra", "Fenna Postma")),
    Customer("fabrikam", "Fabrikam GmbH", "fabrikam.de", "de", "PROGP85", "FAB", "Matthias Köhler",
             ("Düsseldorf", "Köln"),
             _p(("Jürgen Müller", "Geschäftsführung"), ("Sabine Schäfer", "Buchhaltung"), ("Björn Weiß", "Lager"),
                ("Özlem Yılmaz", "Vertrieb"), ("Katrin Groß", "Einkauf"), ("Matthias Köhler", "IT"),
                ("Lena Bäumer", "Vertrieb"), ("Günter Fuß", "Lager")),
             "+49 211 5", 0.16, ("Jonas Krämer", "Mia Schröder", "Lukas Hoffmann")),
    Customer("dvorak", "Vinařství Dvořák s.r.o.", "vinarstvi-dvorak.cz", "cs", "REMOTE", "VDV", "Ondřej Kučera",
             ("Mikulov", "Brno"),
             _p(("Jiří Dvořák", "Vedení"), ("Petra Nováková", "Účetnictví"), ("Tomáš Černý", "Sklad"),
                ("Lucie Svobodová", "Obchod"), ("Martin Procházka", "Výroba"), ("Zdeňka Růžičková", "Obchod"),
                ("Ondřej Kučera", "IT")),
             "+420 519 3", 0.12, ("Jakub Horák", "Tereza Králová", "Eliška Marešová")),
    Customer("fjordlys", "Fjordlys Sjømat AS", "fjordlys.no", "no", "REMOTE", "FJL", "Øystein Hålien",
             ("Ålesund", "Måløy", "Florø"),
             _p(("Øystein Hålien", "Drift og IT"), ("Kari Bjørnstad", "Økonomi"), ("Åse Løvold", "Salg"),
                ("Håkon Næss", "Produksjon"), ("Sigrid Aasen", "Lager"), ("Bjørn Øvrebø", "Produksjon"),
                ("Solveig Sæther", "Salg")),
             "+47 70 1", 0.12, ("Eirik Solberg", "Ingvild Haugen", "Mathias Bråten")),
    Customer("delinde", "Tandartsenpraktijk De Linde", "tandartsdelinde.nl", "nl", "PROGP85", "DLI",
             "Mirjam de Groot", ("Utrecht",),
             _p(("Mirjam de Groot", "Praktijkmanagement"), ("Daniël Peeters", "Behandelkamers"), ("Iris Çelik", "Balie"),
                ("Loïs van Leeuwen", "Administratie"), ("René Brouwer", "Behandelkamers")),
             "+31 30 2", 0.11, ("Joris Kuipers", "Sophie Mertens")),
    Customer("meulen", "Bakkerij Van der Meulen B.V.", "bakkerijvandermeulen.nl", "nl", "PROGP85", "BVM",
             "Gerrit van der Meulen", ("Zwolle", "Kampen", "Deventer"),
             _p(("Gerrit van der Meulen", "Directie"), ("Loes Hendriks", "Kantoor"), ("Hüseyin Doğan", "Bakkerij"),
                ("Esmée Kok", "Winkels"), ("Joëlle Mulder", "Kantoor")),
             "+31 38 4", 0.14, ("Fenna Postma", "Lars Dijkstra")),
    Customer("northwind", "Northwind Traders Ltd", "northwindtraders.co.uk", "en", "PROGP85", "NWT", "Priya Raman",
             ("Manchester", "Leeds"),
             _p(("Aoife O'Brien", "Finance"), ("James Whitfield", "Operations"), ("Priya Raman", "IT"),
                ("Zoë Hartley", "Sales"), ("Siân Evans", "Warehouse")),
             "+44 161 4", 0.11, ("Oliver Bennett", "Niamh Walsh", "Ravi Patel")),
)
CUSTOMER = {c.key: c for c in CUSTOMERS}

# ------------------------------------------------------------------ phrases

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "cs": ("leden", "únor", "březen", "duben", "květen", "červen", "červenec", "srpen", "září", "říjen",
           "listopad", "prosinec"),
    "no": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

# Per language: slot values and the public replies, requester mails and feedback.
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "since": ("vanochtend", "gisteren", "maandag", "de update van gisteravond", "ongeveer 10:00"),
        "tried": ("opnieuw opgestart", "uit- en aangezet", "kabels gecontroleerd", "nog niets"),
        "folder": ("Offertes 2026", "Personeelszaken", "Inkoop", "Planning"),
        "ack": ("Dank voor uw melding. Wij hebben het ticket opgepakt en nemen vandaag nog contact met u op.",
                "Goedemorgen, we zijn ermee bezig. U hoort zo snel mogelijk van ons.",
                "Uw melding is ontvangen en ingepland; we laten weten zodra er nieuws is."),
        "ask": ("Om verder te kunnen zoeken hebben we wat extra informatie nodig: kunt u een schermafbeelding van "
                "de foutmelding sturen en laten weten wanneer u bereikbaar bent?",
                "Kunt u het serienummer of de naam van het apparaat doorgeven? Dan kunnen we verder.",
                "We hebben uw akkoord nodig om de werkplek op afstand over te nemen. Wanneer komt dat uit?"),
        "reply": ("Schermafbeelding bijgevoegd. Ik ben morgen de hele dag op kantoor.",
                  "Het serienummer staat hieronder, ik ben bereikbaar op mijn mobiel.",
                  "Akkoord, morgenochtend na 9 uur komt het goed uit."),
        "update": ("We hebben de oorzaak gevonden en werken aan de oplossing. We houden u op de hoogte.",
                   "Kleine update: het onderdeel is besteld en wordt naar verwachting morgen geleverd.",
                   "We hebben de leverancier ingeschakeld en wachten op hun reactie."),
        "onsite": ("Een collega komt ter plaatse om dit op te lossen; we melden ons bij de receptie.",
                   "We plannen een bezoek op locatie, de technicus belt vooraf even."),
        "thanks": ("Werkt weer, hartelijk dank!", "Top, alles doet het weer.", "Bedankt voor de snelle hulp."),
        "reopen": ("Helaas, het probleem is vanochtend teruggekomen.",
                   "Het ging een dag goed, maar nu krijg ik dezelfde melding weer."),
        "chase": ("Is er al nieuws over deze melding?", "Wanneer kunnen we een oplossing verwachten?"),
        "again": ("Na de heropening opnieuw gecontroleerd en de oorzaak definitief verholpen.",),
        "work": ("Analyse op afstand", "Oplossing doorgevoerd en getest", "Telefonisch contact met de aanmelder",
                 "Logboeken doorgenomen", "Configuratie aangepast en gedocumenteerd", "Voorbereiding en overleg"),
        "work_req": ("Aanvraag verwerkt en ingericht", "Afstemming met de aanvrager", "Voorbereiding en overleg",
                     "Ingericht en gecontroleerd met de gebruiker"),
        "triage": ("Intake en triage", "Eerste analyse en afstemming met de aanmelder"),
        "onsite_work": ("Ter plaatse: diagnose en herstel", "Bezoek op locatie, met de gebruiker getest"),
        "nobill": ("Nacontrole, niet gefactureerd", "Herstelwerk in garantie, niet gefactureerd"),
        "fb5": ("Snel en vriendelijk geholpen!", "Top, binnen een uur opgelost."),
        "fb4": ("Goed opgelost, duurde wel even.",),
        "fb3": ("Opgelost, maar ik moest zelf twee keer nabellen.",),
        "fb2": ("Duurde veel te lang, ondertussen konden we niet werken.",),
        "fb1": ("Het probleem is na een dag weer terug. Niet tevreden.",),
    },
    "de": {
        "since": ("heute Morgen", "gestern", "Montag", "dem Update gestern Abend", "etwa 10 Uhr"),
        "tried": ("neu gestartet", "aus- und eingeschaltet", "Kabel geprüft", "noch nichts"),
        "folder": ("Angebote 2026", "Personal", "Einkauf", "Planung"),
        "ack": ("Vielen Dank für Ihre Meldung. Wir haben das Ticket übernommen und melden uns heute noch bei Ihnen.",
                "Guten Morgen, wir sind dran und melden uns so schnell wie möglich.",
                "Ihre Meldung ist eingegangen und eingeplant; wir melden uns, sobald es Neuigkeiten gibt."),
        "ask": ("Für die weitere Analyse brauchen wir noch Informationen: Können Sie uns einen Screenshot der "
                "Fehlermeldung schicken und mitteilen, wann Sie erreichbar sind?",
                "Können Sie uns die Seriennummer oder den Gerätenamen durchgeben? Dann geht es weiter.",
                "Wir brauchen Ihr Einverständnis für eine Fernwartungssitzung. Wann passt es Ihnen?"),
        "reply": ("Screenshot anbei. Ich bin morgen den ganzen Tag im Büro.",
                  "Die Seriennummer steht unten, ich bin mobil erreichbar.",
                  "Einverstanden, morgen ab 9 Uhr passt es gut."),
        "update": ("Wir haben die Ursache gefunden und arbeiten an der Lösung. Wir halten Sie auf dem Laufenden.",
                   "Kurzes Update: Das Ersatzteil ist bestellt und kommt voraussichtlich morgen.",
                   "Wir haben den Hersteller eingeschaltet und warten auf dessen Rückmeldung."),
        "onsite": ("Ein Kollege kommt vor Ort, um das zu beheben; wir melden uns am Empfang.",
                   "Wir planen einen Termin vor Ort, der Techniker ruft vorher kurz an."),
        "thanks": ("Funktioniert wieder, vielen Dank!", "Super, alles läuft wieder.", "Danke für die schnelle Hilfe."),
        "reopen": ("Leider ist das Problem heute Morgen wieder aufgetreten.",
                   "Einen Tag lief es, jetzt kommt wieder dieselbe Meldung."),
        "chase": ("Gibt es schon Neuigkeiten zu dieser Meldung?", "Wann können wir mit einer Lösung rechnen?"),
        "again": ("Nach der Wiedereröffnung erneut geprüft und die Ursache endgültig behoben.",),
        "work": ("Analyse per Fernwartung", "Lösung umgesetzt und getestet", "Telefonat mit dem Melder",
                 "Protokolle ausgewertet", "Konfiguration angepasst und dokumentiert", "Vorbereitung und Abstimmung"),
        "work_req": ("Anfrage bearbeitet und eingerichtet", "Abstimmung mit dem Anfragenden",
                     "Vorbereitung und Abstimmung", "Eingerichtet und mit dem Benutzer geprüft"),
        "triage": ("Aufnahme und Vorklärung", "Erste Analyse und Rückfrage beim Melder"),
        "onsite_work": ("Vor Ort: Diagnose und Behebung", "Einsatz vor Ort, mit dem Benutzer getestet"),
        "nobill": ("Nachkontrolle, nicht berechnet", "Nacharbeit auf Gewährleistung, nicht berechnet"),
        "fb5": ("Schnell und freundlich geholfen!", "Super, innerhalb einer Stunde gelöst."),
        "fb4": ("Gut gelöst, hat aber etwas gedauert.",),
        "fb3": ("Gelöst, aber ich musste zweimal nachfragen.",),
        "fb2": ("Hat viel zu lange gedauert, in der Zeit konnten wir nicht arbeiten.",),
        "fb1": ("Das Problem ist nach einem Tag wieder da. Nicht zufrieden.",),
    },
    "cs": {
        "since": ("dnešního rána", "včerejška", "pondělí", "včerejší aktualizace", "zhruba 10:00"),
        "tried": ("restart", "vypnutí a zapnutí", "kontrola kabelů", "zatím nic"),
        "folder": ("Nabídky 2026", "Personální", "Nákup", "Plánování"),
        "ack": ("Děkujeme za nahlášení. Požadavek jsme převzali a ještě dnes se vám ozveme.",
                "Dobrý den, už na tom pracujeme a ozveme se co nejdříve.",
                "Požadavek jsme přijali a naplánovali; jakmile budeme něco vědět, dáme vědět."),
        "ask": ("Pro další postup potřebujeme doplňující informace: můžete nám poslat snímek obrazovky s chybovou "
                "hláškou a napsat, kdy jste k zastižení?",
                "Můžete nám poslat sériové číslo nebo název zařízení? Pak budeme pokračovat.",
                "Potřebujeme váš souhlas se vzdáleným připojením k počítači. Kdy se vám to hodí?"),
        "reply": ("Snímek obrazovky přikládám. Zítra jsem celý den v kanceláři.",
                  "Sériové číslo je níže, jsem k zastižení na mobilu.",
                  "Souhlasím, zítra po deváté se to hodí."),
        "update": ("Našli jsme příčinu a pracujeme na řešení. Budeme vás informovat.",
                   "Krátká aktualizace: díl je objednaný a měl by dorazit zítra.",
                   "Kontaktovali jsme výrobce a čekáme na jeho odpověď."),
        "onsite": ("Kolega přijede na místo, aby to vyřešil; ohlásíme se na recepci.",
                   "Plánujeme výjezd na místo, technik se předem ozve telefonicky."),
        "thanks": ("Už to funguje, moc děkujeme!", "Výborně, vše zase běží.", "Děkujeme za rychlou pomoc."),
        "reopen": ("Bohužel se problém dnes ráno vrátil.", "Den to fungovalo, teď se objevuje stejná hláška."),
        "chase": ("Je už k tomuto požadavku něco nového?", "Kdy můžeme očekávat řešení?"),
        "again": ("Po znovuotevření znovu zkontrolováno a příčina definitivně odstraněna.",),
        "work": ("Vzdálená analýza", "Řešení provedeno a otestováno", "Telefonát s uživatelem",
                 "Kontrola logů", "Úprava a dokumentace konfigurace", "Příprava a koordinace"),
        "work_req": ("Požadavek zpracován a nastaven", "Koordinace s žadatelem", "Příprava a koordinace",
                     "Nastaveno a zkontrolováno s uživatelem"),
        "triage": ("Příjem a třídění požadavku", "První analýza a doplnění informací s uživatelem"),
        "onsite_work": ("Na místě: diagnostika a oprava", "Výjezd na místo, otestováno s uživatelem"),
        "nobill": ("Následná kontrola, neúčtováno", "Oprava v rámci záruky, neúčtováno"),
        "fb5": ("Rychlá a ochotná pomoc!", "Výborně, vyřešeno do hodiny."),
        "fb4": ("Dobře vyřešeno, jen to chvíli trvalo.",),
        "fb3": ("Vyřešeno, ale museli jsme se dvakrát připomínat.",),
        "fb2": ("Trvalo to příliš dlouho, mezitím jsme nemohli pracovat.",),
        "fb1": ("Problém se po dni vrátil. Nejsme spokojeni.",),
    },
    "no": {
        "since": ("i morges", "i går", "mandag", "oppdateringen i går kveld", "rundt klokken 10"),
        "tried": ("startet på nytt", "skrudd av og på", "sjekket kablene", "ingenting ennå"),
        "folder": ("Tilbud 2026", "Personal", "Innkjøp", "Planlegging"),
        "ack": ("Takk for henvendelsen. Vi har tatt saken og tar kontakt med deg i dag.",
                "God morgen, vi jobber med saken og kommer tilbake så snart som mulig.",
                "Henvendelsen er mottatt og planlagt; vi gir beskjed så snart vi vet mer."),
        "ask": ("For å komme videre trenger vi litt mer informasjon: kan du sende et skjermbilde av feilmeldingen "
                "og si når du er tilgjengelig?",
                "Kan du sende oss serienummeret eller navnet på enheten? Da kan vi gå videre.",
                "Vi trenger ditt samtykke til å fjernstyre maskinen. Når passer det?"),
        "reply": ("Skjermbilde vedlagt. Jeg er på kontoret hele dagen i morgen.",
                  "Serienummeret står nedenfor, jeg kan nås på mobil.",
                  "Greit, i morgen etter klokken 9 passer fint."),
        "update": ("Vi har funnet årsaken og jobber med løsningen. Vi holder deg oppdatert.",
                   "Kort oppdatering: delen er bestilt og kommer etter planen i morgen.",
                   "Vi har koblet inn leverandøren og venter på svar fra dem."),
        "onsite": ("En kollega kommer på stedet for å løse dette; vi melder oss i resepsjonen.",
                   "Vi planlegger et besøk på stedet, teknikeren ringer på forhånd."),
        "thanks": ("Det virker igjen, tusen takk!", "Supert, alt fungerer igjen.", "Takk for rask hjelp."),
        "reopen": ("Dessverre kom problemet tilbake i morges.",
                   "Det gikk bra en dag, men nå får jeg samme melding igjen."),
        "chase": ("Er det noe nytt i denne saken?", "Når kan vi forvente en løsning?"),
        "again": ("Kontrollert på nytt etter gjenåpningen, og årsaken er nå endelig rettet.",),
        "work": ("Fjernanalyse", "Løsning gjennomført og testet", "Telefonsamtale med innmelder",
                 "Gjennomgang av logger", "Konfigurasjon endret og dokumentert", "Forberedelse og koordinering"),
        "work_req": ("Bestillingen behandlet og satt opp", "Avklaring med bestilleren", "Forberedelse og koordinering",
                     "Satt opp og kontrollert med brukeren"),
        "triage": ("Mottak og triage", "Første analyse og avklaring med innmelder"),
        "onsite_work": ("På stedet: feilsøking og utbedring", "Besøk på stedet, testet med brukeren"),
        "nobill": ("Etterkontroll, ikke fakturert", "Utbedring under garanti, ikke fakturert"),
        "fb5": ("Rask og hyggelig hjelp!", "Supert, løst på under en time."),
        "fb4": ("Godt løst, men det tok litt tid.",),
        "fb3": ("Løst, men jeg måtte purre to ganger.",),
        "fb2": ("Det tok altfor lang tid, og vi fikk ikke jobbet i mellomtiden.",),
        "fb1": ("Problemet kom tilbake etter en dag. Ikke fornøyd.",),
    },
    "en": {
        "since": ("this morning", "yesterday", "Monday", "last night's update", "about 10:00"),
        "tried": ("restarted", "switched it off and on", "checked the cables", "nothing yet"),
        "folder": ("Quotes 2026", "HR", "Purchasing", "Planning"),
        "ack": ("Thanks for reporting this. We have picked up the ticket and will get back to you today.",
                "Good morning, we are on it and will be in touch as soon as we can.",
                "Your request is in and scheduled; we will let you know as soon as there is news."),
        "ask": ("To continue we need a bit more information: could you send a screenshot of the error and let us "
                "know when you are available?",
                "Could you send us the serial number or the device name? Then we can carry on.",
                "We need your consent for a remote session on your computer. When suits you?"),
        "reply": ("Screenshot attached. I'm in the office all day tomorrow.",
                  "The serial number is below, you can reach me on my mobile.",
                  "Fine, tomorrow after 9 works well."),
        "update": ("We found the cause and are working on the fix. We will keep you posted.",
                   "Quick update: the part is ordered and should arrive tomorrow.",
                   "We have involved the vendor and are waiting for their reply."),
        "onsite": ("A colleague will come on site to fix this; we will report at reception.",
                   "We are planning an on-site visit; the engineer will call ahead."),
        "thanks": ("Working again, many thanks!", "Great, all good again.", "Thanks for the quick help."),
        "reopen": ("Unfortunately the problem came back this morning.",
                   "It was fine for a day, now I get the same message again."),
        "chase": ("Any news on this ticket?", "When can we expect a fix?"),
        "again": ("Checked again after the reopening and fixed the cause for good.",),
        "work": ("Remote analysis", "Fix applied and tested", "Phone call with the requester",
                 "Went through the logs", "Changed and documented the configuration", "Preparation and coordination"),
        "work_req": ("Request handled and set up", "Coordination with the requester", "Preparation and coordination",
                     "Set up and checked with the user"),
        "triage": ("Intake and triage", "First analysis and questions to the requester"),
        "onsite_work": ("On site: diagnosis and repair", "On-site visit, tested with the user"),
        "nobill": ("Follow-up check, not billed", "Warranty rework, not billed"),
        "fb5": ("Quick and friendly help!", "Great, fixed within the hour."),
        "fb4": ("Solved well, took a while though.",),
        "fb3": ("Solved, but I had to chase twice.",),
        "fb2": ("Took far too long; we could not work meanwhile.",),
        "fb1": ("The problem is back after a day. Not happy.",),
    },
}

# Internal notes: the technicians' own language (Dutch, now and then English).
# Some are sensitive on purpose: they must never reach a customer (SPEC 5).
INTERNAL_NOTES: tuple[str, ...] = (
    "Klant belde geïrriteerd terug; rustig uitgelegd wat we al gedaan hebben.",
    "Let op: derde melding van deze gebruiker deze maand, mogelijk hardwaredefect. Vervanging overwegen.",
    "Lokaal admin-wachtwoord tijdelijk gereset voor de diagnose; na afloop via LAPS geroteerd.",
    "Debiteur: twee facturen staan nog open. Meerwerk alleen na akkoord van finance.",
    "Gebruiker had privé-software (torrent-client) geïnstalleerd; verwijderd. Niet met de klant delen "
    "voordat de IT-manager is ingelicht.",
    "BitLocker-herstelsleutel opgezocht in Intune en pas na identiteitscontrole telefonisch doorgegeven.",
    "Leverancierscase geopend bij de fabrikant (case 5-{n}{n}7); wachten op terugkoppeling.",
    "Overlegd met {colleague}: zelfde oorzaak als vorige week bij een andere klant.",
    "Beheerderswachtwoord staat in de kluis onder Klanten/{org}; niet in het ticket zetten.",
    "Manager vraagt om de mailbox van een vertrokken medewerker door te sturen; alleen met schriftelijk "
    "akkoord van de directie.",
    "Checked with {colleague}: same firmware bug we saw at another customer last month.",
    "Offerte voor vervanging klaarzetten; contract loopt in het voorjaar af, kans voor sales.",
)
TRIAGE_NOTES: tuple[str, ...] = (
    "Triage: wie, waar, sinds wanneer en wat al geprobeerd is staat in de beschrijving. Prioriteit bevestigd.",
    "Triage gedaan; aanmelder is telefonisch bereikbaar tot 16:00.",
    "Klant heeft een contract met responstijd; op tijd reageren.",
)
ESCALATION_REASONS: tuple[str, ...] = (
    "Specialisme nodig: {team}",
    "Buiten de kennis van de 1e lijn; overgedragen na overleg met de incidentmanager",
    "Doorlooptijd te lang voor de servicedesk; overgedragen aan {team}",
)
CLOSE_NOTES: tuple[str, ...] = (
    "Geen reactie van de aanmelder; gesloten na vijf werkdagen.",
    "Bevestigd door de aanmelder.",
)

# ------------------------------------------------------------------ scenarios

Text = dict[str, tuple[str, str, str]]  # lang -> (title, description, solution)


def T(**langs: tuple[str, str, str]) -> Text:
    assert set(langs) == set(LANGS), sorted(langs)
    return langs


@dataclass(frozen=True)
class Child:
    team: str
    text: Text


@dataclass(frozen=True)
class Scenario:
    key: str
    team: str
    category: str
    ratings: tuple[tuple[int, int, float], ...]  # (impact, urgency, weight)
    channels: tuple[str, ...]
    tags: tuple[str, ...]
    weight: float
    text: Text
    onsite: float = 0.0  # chance of an on-site visit
    change_kind: str | None = None
    estimate: tuple[int, int] | None = None  # minutes, (min, max)
    split: float = 0.0  # chance the coordinator splits it (seed 004)
    children: tuple[Child, ...] = field(default=())
    problem: str | None = None  # recurring incidents of this kind lead to this problem


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("printer", "servicedesk", "incident", ((1, 2, 3), (1, 4, 2), (2, 4, 1)), ("phone", "email", "portal"),
             ("printer",), 8, T(
        nl=("Printer op kamer {room} drukt niet meer af",
            "Sinds {since} geeft de printer op kamer {room} de melding 'offline'. Afdrukken blijven in de wachtrij "
            "staan.\nAl geprobeerd: {tried}.",
            "Printerwachtrij op de printserver geleegd, driver opnieuw geïnstalleerd en de printer een vast "
            "IP-adres gegeven. Testpagina afgedrukt."),
        de=("Drucker in Raum {room} druckt nicht mehr",
            "Seit {since} meldet der Drucker in Raum {room} 'offline'. Druckaufträge bleiben in der Warteschlange "
            "hängen.\nBereits versucht: {tried}.",
            "Druckwarteschlange auf dem Druckserver geleert, Treiber neu installiert und dem Drucker eine feste "
            "IP-Adresse gegeben. Testseite gedruckt."),
        cs=("Tiskárna v kanceláři {room} netiskne",
            "Od {since} hlásí tiskárna v kanceláři {room} stav 'offline'. Tiskové úlohy zůstávají ve frontě.\n"
            "Už jsme zkusili: {tried}.",
            "Vyprázdněna tisková fronta na tiskovém serveru, přeinstalován ovladač a tiskárně přidělena pevná IP "
            "adresa. Zkušební stránka vytištěna."),
        no=("Skriveren på rom {room} skriver ikke ut",
            "Siden {since} viser skriveren på rom {room} 'frakoblet'. Utskriftene blir liggende i køen.\n"
            "Har allerede prøvd: {tried}.",
            "Tømte utskriftskøen på utskriftsserveren, installerte driveren på nytt og ga skriveren en fast "
            "IP-adresse. Testside skrevet ut."),
        en=("Printer in room {room} stopped printing",
            "Since {since} the printer in room {room} shows 'offline'. Print jobs stay stuck in the queue.\n"
            "Already tried: {tried}.",
            "Cleared the print queue on the print server, reinstalled the driver and gave the printer a fixed IP "
            "address. Test page printed."),
    ), onsite=0.25),
    Scenario("account", "servicedesk", "request", ((1, 4, 2), (1, 8, 1)), ("phone", "walk-in", "portal"),
             ("account",), 7, T(
        nl=("Account geblokkeerd, kan niet inloggen",
            "Na het wijzigen van mijn wachtwoord ben ik buitengesloten. Foutmelding: 'Uw account is geblokkeerd'. "
            "Ik moet vandaag nog facturen versturen.",
            "Account ontgrendeld in Active Directory; het oude wachtwoord in de mailapp op de telefoon bleek de "
            "oorzaak van de blokkades en is verwijderd. Gebruiker kan weer inloggen."),
        de=("Konto gesperrt, Anmeldung nicht möglich",
            "Nach der Passwortänderung bin ich ausgesperrt. Fehlermeldung: 'Ihr Konto wurde gesperrt'. Ich muss "
            "heute noch Rechnungen verschicken.",
            "Konto im Active Directory entsperrt; das alte Passwort in der Mail-App auf dem Handy war die Ursache "
            "der Sperren und wurde entfernt. Anmeldung funktioniert wieder."),
        cs=("Zablokovaný účet, nelze se přihlásit",
            "Po změně hesla se nemůžu přihlásit. Chybová hláška: 'Váš účet byl zablokován'. Dnes ještě musím odeslat "
            "faktury.",
            "Účet odemčen v Active Directory; příčinou blokací bylo staré heslo uložené v poštovní aplikaci "
            "v telefonu, bylo odstraněno. Přihlášení opět funguje."),
        no=("Kontoen er låst, får ikke logget inn",
            "Etter at jeg byttet passord er jeg utestengt. Feilmelding: 'Kontoen din er låst'. Jeg må sende "
            "fakturaer i dag.",
            "Låste opp kontoen i Active Directory; det gamle passordet i e-postappen på mobilen forårsaket "
            "sperringene og ble fjernet. Innlogging fungerer igjen."),
        en=("Account locked out, cannot sign in",
            "After changing my password I am locked out. Error: 'Your account has been locked'. I need to send "
            "invoices today.",
            "Unlocked the account in Active Directory; the old password stored in the phone's mail app caused the "
            "lockouts and was removed. Sign-in works again."),
    )),
    Scenario("outlook", "modern-workplace", "incident", ((1, 2, 2), (1, 4, 1)), ("email", "portal", "phone"),
             ("m365", "mail"), 6, T(
        nl=("Outlook synchroniseert niet, mailbox vol",
            "Sinds {since} komen er geen nieuwe mails binnen in Outlook. Melding: 'Uw postvak is bijna vol'. "
            "Webmail werkt wel.",
            "Archiefpostvak ingeschakeld en een bewaarbeleid van 2 jaar ingesteld; 18 GB verplaatst naar het "
            "archief. Outlook-profiel opnieuw aangemaakt, synchronisatie werkt."),
        de=("Outlook synchronisiert nicht, Postfach voll",
            "Seit {since} kommen in Outlook keine neuen Mails an. Meldung: 'Ihr Postfach ist fast voll'. Webmail "
            "funktioniert.",
            "Archivpostfach aktiviert und eine Aufbewahrungsrichtlinie von 2 Jahren eingerichtet; 18 GB ins Archiv "
            "verschoben. Outlook-Profil neu angelegt, Synchronisation läuft."),
        cs=("Outlook nesynchronizuje, plná schránka",
            "Od {since} nepřicházejí do Outlooku nové e-maily. Hláška: 'Vaše poštovní schránka je téměř plná'. "
            "Webmail funguje.",
            "Zapnuta archivní schránka a nastavena zásada uchovávání na 2 roky; 18 GB přesunuto do archivu. Profil "
            "Outlooku vytvořen znovu, synchronizace funguje."),
        no=("Outlook synkroniserer ikke, postkassen er full",
            "Siden {since} kommer det ingen nye e-poster i Outlook. Melding: 'Postkassen din er nesten full'. "
            "Webmail fungerer.",
            "Aktiverte arkivpostkasse og en oppbevaringspolicy på 2 år; 18 GB flyttet til arkivet. Outlook-profilen "
            "ble laget på nytt, synkroniseringen fungerer."),
        en=("Outlook not syncing, mailbox full",
            "Since {since} no new mail arrives in Outlook. Message: 'Your mailbox is almost full'. Webmail works.",
            "Enabled the archive mailbox with a 2-year retention policy; moved 18 GB to the archive. Recreated the "
            "Outlook profile, sync works."),
    )),
    Scenario("vpn", "connectivity", "incident", ((1, 4, 3), (2, 4, 1)), ("phone", "email", "portal"), ("vpn",), 7, T(
        nl=("VPN maakt geen verbinding vanuit thuiswerkplek",
            "Sinds {since} krijg ik bij het verbinden met de VPN de fout 'authenticatie mislukt'. Zonder VPN kan ik "
            "niet bij de gedeelde schijven.\nAl geprobeerd: {tried}.",
            "Verlopen certificaat van de VPN-client vernieuwd en de FortiClient-configuratie opnieuw uitgerold. "
            "Verbinding getest met de gebruiker."),
        de=("VPN verbindet nicht aus dem Homeoffice",
            "Seit {since} erhalte ich beim Verbinden mit dem VPN den Fehler 'Authentifizierung fehlgeschlagen'. "
            "Ohne VPN komme ich nicht an die Netzlaufwerke.\nBereits versucht: {tried}.",
            "Abgelaufenes Zertifikat des VPN-Clients erneuert und die FortiClient-Konfiguration neu verteilt. "
            "Verbindung mit dem Benutzer getestet."),
        cs=("VPN se nepřipojí z domova",
            "Od {since} dostávám při připojení k VPN chybu 'ověření selhalo'. Bez VPN se nedostanu ke sdíleným "
            "diskům.\nUž jsme zkusili: {tried}.",
            "Obnoven prošlý certifikát VPN klienta a znovu nasazena konfigurace FortiClientu. Připojení otestováno "
            "s uživatelem."),
        no=("VPN kobler ikke til fra hjemmekontoret",
            "Siden {since} får jeg feilen 'autentisering mislyktes' når jeg kobler til VPN. Uten VPN kommer jeg ikke "
            "til fellesområdene.\nHar allerede prøvd: {tried}.",
            "Fornyet det utløpte sertifikatet til VPN-klienten og rullet ut FortiClient-konfigurasjonen på nytt. "
            "Tilkoblingen testet sammen med brukeren."),
        en=("VPN does not connect from home office",
            "Since {since} the VPN fails with 'authentication failed'. Without VPN I cannot reach the shared drives.\n"
            "Already tried: {tried}.",
            "Renewed the VPN client's expired certificate and redeployed the FortiClient configuration. Tested the "
            "connection with the user."),
    ), problem="vpn"),
    Scenario("wifi", "connectivity", "incident", ((2, 2, 2), (2, 4, 1)), ("phone", "email"), ("wifi",), 4, T(
        nl=("Wifi valt steeds weg in vergaderzaal {room}",
            "In vergaderzaal {room} valt de wifi om de paar minuten weg; Teams-vergaderingen worden afgebroken. "
            "Bekabeld werkt prima.",
            "Access point in vergaderzaal {room} had een verouderde firmware en zat op een druk kanaal. Firmware "
            "bijgewerkt, kanaal en zendvermogen aangepast; meting ter plaatse zonder uitval."),
        de=("WLAN bricht im Besprechungsraum {room} ständig ab",
            "Im Besprechungsraum {room} bricht das WLAN alle paar Minuten ab, Teams-Besprechungen werden getrennt. "
            "Per Kabel läuft alles.",
            "Der Access Point im Besprechungsraum {room} hatte eine veraltete Firmware und lag auf einem überlasteten "
            "Kanal. Firmware aktualisiert, Kanal und Sendeleistung angepasst; Messung vor Ort ohne Abbrüche."),
        cs=("Wi-Fi v zasedačce {room} neustále vypadává",
            "V zasedací místnosti {room} vypadává Wi-Fi každých pár minut, schůzky v Teams se přerušují. Po kabelu "
            "vše funguje.",
            "Přístupový bod v zasedačce {room} měl zastaralý firmware a byl na přetíženém kanálu. Firmware "
            "aktualizován, upraven kanál a vysílací výkon; měření na místě bez výpadků."),
        no=("Wi-Fi faller ut hele tiden på møterom {room}",
            "På møterom {room} faller Wi-Fi ut med noen minutters mellomrom, og Teams-møter blir brutt. Med kabel "
            "fungerer alt.",
            "Tilgangspunktet på møterom {room} hadde utdatert fastvare og lå på en overbelastet kanal. Oppdaterte "
            "fastvaren og justerte kanal og sendeeffekt; måling på stedet uten brudd."),
        en=("Wi-Fi keeps dropping in meeting room {room}",
            "In meeting room {room} the Wi-Fi drops every few minutes and Teams calls are cut off. Wired works fine.",
            "The access point in meeting room {room} ran outdated firmware on a congested channel. Updated the "
            "firmware, adjusted channel and transmit power; on-site survey without drops."),
    ), onsite=0.5),
    Scenario("onboarding", "modern-workplace", "request", ((1, 1, 2), (1, 2, 1)), ("email", "portal"),
             ("onboarding",), 5, T(
        nl=("Nieuwe medewerker {newhire}: account en laptop",
            "Per de eerste van volgende maand start {newhire} op onze afdeling. Graag een account, mailbox, laptop "
            "en toegang tot de gedeelde schijven zoals de collega's.",
            "Account en mailbox aangemaakt, licentie toegewezen, laptop ingericht via Autopilot en met de "
            "medewerker doorgenomen. Toegang tot de gedeelde schijven gelijk aan de afdeling."),
        de=("Neuzugang {newhire}: Konto und Laptop",
            "Zum Ersten des nächsten Monats fängt {newhire} bei uns in der Abteilung an. Bitte Konto, Postfach, "
            "Laptop und Zugriff auf die Netzlaufwerke wie bei den Kollegen einrichten.",
            "Konto und Postfach angelegt, Lizenz zugewiesen, Laptop per Autopilot eingerichtet und mit {newhire} "
            "durchgegangen. Zugriff auf die Netzlaufwerke wie die Abteilung."),
        cs=("Nástup: {newhire}, účet a notebook",
            "Od prvního příštího měsíce u nás v oddělení nastupuje {newhire}. Prosíme o účet, poštovní schránku, "
            "notebook a přístup ke sdíleným diskům jako mají kolegové.",
            "Vytvořen účet a schránka, přidělena licence, notebook připraven přes Autopilot a předán. Přístup ke "
            "sdíleným diskům stejný jako oddělení."),
        no=("Ny medarbeider {newhire}: konto og bærbar PC",
            "Fra den første neste måned begynner {newhire} i avdelingen vår. Vi trenger konto, postkasse, bærbar PC "
            "og tilgang til fellesområdene som kollegene har.",
            "Opprettet konto og postkasse, tildelte lisens, klargjorde den bærbare PC-en med Autopilot og gikk "
            "gjennom den med medarbeideren. Tilgang til fellesområdene som resten av avdelingen."),
        en=("New starter {newhire}: account and laptop",
            "{newhire} joins our department on the first of next month. Please set up an account, mailbox, laptop "
            "and access to the shared drives like the colleagues have.",
            "Created account and mailbox, assigned a licence, prepared the laptop with Autopilot and walked the new "
            "starter through it. Shared drive access as the department."),
    ), estimate=(120, 240), split=0.45, children=(
        Child("servicedesk", T(
            nl=("Laptop voorbereiden voor {newhire}",
                "Laptop uit voorraad inrichten via Autopilot, Office installeren en klaarzetten op de werkplek.",
                "Laptop ingericht en op de werkplek klaargezet."),
            de=("Laptop für {newhire} vorbereiten",
                "Laptop aus dem Lager per Autopilot einrichten, Office installieren und am Arbeitsplatz bereitstellen.",
                "Laptop eingerichtet und am Arbeitsplatz bereitgestellt."),
            cs=("Příprava notebooku: {newhire}",
                "Připravit notebook ze skladu přes Autopilot, nainstalovat Office a připravit na pracoviště.",
                "Notebook připraven a předán na pracoviště."),
            no=("Klargjøre bærbar PC for {newhire}",
                "Klargjøre en bærbar PC fra lageret med Autopilot, installere Office og sette den på plass.",
                "PC-en er klargjort og satt på plass på arbeidsplassen."),
            en=("Prepare a laptop for {newhire}",
                "Set up a stock laptop with Autopilot, install Office and put it on the desk.",
                "Laptop set up and placed on the desk."),
        )),
        Child("cloud", T(
            nl=("Account, mailbox en licentie voor {newhire}",
                "Account aanmaken in Entra ID, Microsoft 365-licentie toewijzen en groepen gelijk aan de afdeling.",
                "Account, mailbox en licentie aangemaakt; groepslidmaatschap gelijk aan de afdeling."),
            de=("Konto, Postfach und Lizenz für {newhire}",
                "Konto in Entra ID anlegen, Microsoft-365-Lizenz zuweisen und Gruppen wie die Abteilung.",
                "Konto, Postfach und Lizenz angelegt; Gruppenmitgliedschaften wie die Abteilung."),
            cs=("Účet, schránka a licence: {newhire}",
                "Vytvořit účet v Entra ID, přidělit licenci Microsoft 365 a skupiny jako oddělení.",
                "Účet, schránka a licence vytvořeny; členství ve skupinách jako oddělení."),
            no=("Konto, postkasse og lisens for {newhire}",
                "Opprette konto i Entra ID, tildele Microsoft 365-lisens og grupper som avdelingen.",
                "Konto, postkasse og lisens opprettet; gruppemedlemskap som avdelingen."),
            en=("Account, mailbox and licence for {newhire}",
                "Create the Entra ID account, assign a Microsoft 365 licence and the department's groups.",
                "Account, mailbox and licence created; group memberships as the department."),
        )),
    )),
    Scenario("backup", "backup", "incident", ((2, 2, 3), (4, 2, 1)), ("backup-check", "monitoring"), ("backup",), 6, T(
        nl=("Back-up van {server} mislukt",
            "Bij de dagelijkse back-upcontrole bleek dat de back-up van {server} vannacht is mislukt (Veeam: "
            "'Failed to create VSS snapshot'). Vorige geslaagde back-up: eergisteren.",
            "VSS-writer van SQL Server hing; service herstart en schijfruimte voor schaduwkopieën vergroot. "
            "Back-up handmatig opnieuw gestart en geslaagd; restore-test van één bestand uitgevoerd."),
        de=("Backup von {server} fehlgeschlagen",
            "Bei der täglichen Backup-Kontrolle ist aufgefallen, dass die Sicherung von {server} heute Nacht "
            "fehlgeschlagen ist (Veeam: 'Failed to create VSS snapshot'). Letzte erfolgreiche Sicherung: vorgestern.",
            "Der VSS-Writer des SQL Servers hing; Dienst neu gestartet und den Speicher für Schattenkopien "
            "vergrößert. Sicherung manuell neu gestartet und erfolgreich; Wiederherstellungstest einer Datei."),
        cs=("Záloha serveru {server} selhala",
            "Při denní kontrole záloh jsme zjistili, že dnešní noční záloha serveru {server} selhala (Veeam: "
            "'Failed to create VSS snapshot'). Poslední úspěšná záloha: předevčírem.",
            "VSS writer SQL Serveru se zasekl; služba restartována a zvětšeno místo pro stínové kopie. Záloha ručně "
            "spuštěna znovu a proběhla úspěšně; proveden test obnovy jednoho souboru."),
        no=("Sikkerhetskopien av {server} feilet",
            "Ved den daglige backupkontrollen så vi at sikkerhetskopien av {server} feilet i natt (Veeam: 'Failed "
            "to create VSS snapshot'). Siste vellykkede kopi: i forgårs.",
            "VSS-writeren til SQL Server hadde hengt seg; startet tjenesten på nytt og økte plassen til "
            "skyggekopier. Kjørte sikkerhetskopien manuelt på nytt med suksess; testet gjenoppretting av én fil."),
        en=("Backup of {server} failed",
            "The daily backup check shows last night's backup of {server} failed (Veeam: 'Failed to create VSS "
            "snapshot'). Last successful backup: the day before yesterday.",
            "The SQL Server VSS writer was hung; restarted the service and enlarged the shadow copy storage. Re-ran "
            "the backup manually with success; did a single-file restore test."),
    ), problem="backup"),
    Scenario("restore", "backup", "request", ((1, 4, 3), (2, 4, 1)), ("phone", "email"), ("backup", "restore"), 4, T(
        nl=("Verwijderde map terugzetten op de gedeelde schijf",
            "Ik heb per ongeluk de map '{folder}' op de gedeelde schijf verwijderd. Kunnen jullie de versie van "
            "gisteren terugzetten?",
            "Map '{folder}' teruggezet uit de back-up van gisteravond 22:00 naar de oorspronkelijke locatie; rechten "
            "gecontroleerd. Gebruiker heeft de inhoud nagelopen."),
        de=("Gelöschten Ordner auf dem Netzlaufwerk wiederherstellen",
            "Ich habe versehentlich den Ordner '{folder}' auf dem Netzlaufwerk gelöscht. Könnt ihr den Stand von "
            "gestern wiederherstellen?",
            "Ordner '{folder}' aus der Sicherung von gestern 22:00 am ursprünglichen Ort wiederhergestellt; "
            "Berechtigungen geprüft. Der Benutzer hat den Inhalt kontrolliert."),
        cs=("Obnovit smazanou složku na sdíleném disku",
            "Omylem byla smazána složka '{folder}' na sdíleném disku. Můžete prosím obnovit stav ze včerejška?",
            "Složka '{folder}' obnovena ze včerejší zálohy z 22:00 na původní místo; zkontrolována oprávnění. "
            "Uživatel obsah zkontroloval."),
        no=("Gjenopprette slettet mappe på fellesområdet",
            "Jeg har ved et uhell slettet mappen '{folder}' på fellesområdet. Kan dere hente tilbake versjonen fra "
            "i går?",
            "Mappen '{folder}' ble gjenopprettet fra sikkerhetskopien i går kl. 22:00 til opprinnelig plassering; "
            "tilgangene kontrollert. Brukeren har sjekket innholdet."),
        en=("Restore deleted folder on the shared drive",
            "I accidentally deleted the folder '{folder}' on the shared drive. Can you restore yesterday's version?",
            "Restored '{folder}' from last night's 22:00 backup to its original location; checked permissions. The "
            "user verified the contents."),
    )),
    Scenario("sharepoint", "cloud", "request", ((1, 2, 3), (1, 1, 1)), ("email", "portal"), ("m365", "sharepoint"),
             4, T(
        nl=("Toegang tot SharePoint-site {spsite} voor collega",
            "Graag toegang (bewerken) tot de SharePoint-site {spsite} voor {newhire}; akkoord van de afdelingsmanager "
            "is bijgevoegd.",
            "{newhire} toegevoegd aan de groep Leden van de site {spsite}; toegang getest."),
        de=("Zugriff auf SharePoint-Seite {spsite} für {newhire}",
            "Bitte Zugriff (Bearbeiten) auf die SharePoint-Seite {spsite} für {newhire}; die Freigabe der "
            "Abteilungsleitung liegt bei.",
            "{newhire} zur Gruppe Mitglieder der Seite {spsite} hinzugefügt; Zugriff getestet."),
        cs=("Přístup k webu SharePoint {spsite} pro nového kolegu",
            "Prosíme o přístup (úpravy) k webu SharePoint {spsite} pro uživatele {newhire}; souhlas vedoucího oddělení "
            "přikládáme.",
            "Uživatel {newhire} přidán do skupiny Členové webu {spsite}; přístup otestován."),
        no=("Tilgang til SharePoint-området {spsite} for kollega",
            "Vi ønsker tilgang (redigere) til SharePoint-området {spsite} for {newhire}; godkjenning fra "
            "avdelingslederen er vedlagt.",
            "La til {newhire} i gruppen Medlemmer på området {spsite}; tilgangen er testet."),
        en=("Access to SharePoint site {spsite} for a colleague",
            "Please give {newhire} edit access to the SharePoint site {spsite}; the department manager's approval is "
            "attached.",
            "Added {newhire} to the Members group of the {spsite} site; access tested."),
    )),
    Scenario("phishing", "security", "incident", ((1, 8, 2), (2, 8, 2)), ("phone", "email"), ("phishing", "security"),
             3, T(
        nl=("Verdachte mail geopend, link aangeklikt",
            "Een medewerker heeft op een link in een mail 'Uw DHL-pakket' geklikt en mogelijk haar inloggegevens "
            "ingevoerd. De mail staat nog in meerdere postvakken.",
            "Wachtwoord gereset en alle sessies ingetrokken, MFA opnieuw geregistreerd. Phishingmail uit alle "
            "postvakken verwijderd en afzenderdomein geblokkeerd. Aanmeldlogboeken gecontroleerd: geen misbruik "
            "gevonden."),
        de=("Verdächtige Mail geöffnet, Link angeklickt",
            "Eine Mitarbeiterin hat auf einen Link in einer Mail 'Ihr DHL-Paket' geklickt und möglicherweise ihre "
            "Zugangsdaten eingegeben. Die Mail liegt noch in mehreren Postfächern.",
            "Passwort zurückgesetzt und alle Sitzungen widerrufen, MFA neu registriert. Phishing-Mail aus allen "
            "Postfächern entfernt und Absenderdomain gesperrt. Anmeldeprotokolle geprüft: kein Missbrauch gefunden."),
        cs=("Otevřený podezřelý e-mail, kliknutí na odkaz",
            "Zaměstnankyně klikla na odkaz v e-mailu 'Vaše zásilka DHL' a možná zadala své přihlašovací údaje. "
            "E-mail je stále v několika schránkách.",
            "Heslo resetováno a všechny relace zrušeny, MFA znovu zaregistrováno. Phishingový e-mail odstraněn ze "
            "všech schránek a doména odesílatele zablokována. Kontrola přihlašovacích protokolů: žádné zneužití."),
        no=("Mistenkelig e-post åpnet, lenke klikket",
            "En ansatt klikket på en lenke i en e-post 'Din DHL-pakke' og har muligens skrevet inn "
            "påloggingsopplysningene sine. E-posten ligger fortsatt i flere postkasser.",
            "Tilbakestilte passordet og trakk tilbake alle økter, registrerte MFA på nytt. Fjernet phishing-e-posten "
            "fra alle postkasser og blokkerte avsenderdomenet. Sjekket påloggingsloggene: ingen misbruk funnet."),
        en=("Suspicious email opened, link clicked",
            "A colleague clicked a link in an email 'Your DHL parcel' and may have entered her credentials. The mail "
            "is still in several mailboxes.",
            "Reset the password and revoked all sessions, re-registered MFA. Removed the phishing mail from all "
            "mailboxes and blocked the sender domain. Checked sign-in logs: no misuse found."),
    ), split=0.5, children=(
        Child("security", T(
            nl=("Controle aanmeldingen en doorstuurregels na phishing",
                "Aanmeldlogboeken van de afgelopen 30 dagen en doorstuurregels in de mailbox controleren.",
                "Logboeken en regels gecontroleerd; één verdachte doorstuurregel verwijderd."),
            de=("Anmeldungen und Weiterleitungsregeln nach Phishing prüfen",
                "Anmeldeprotokolle der letzten 30 Tage und Weiterleitungsregeln im Postfach prüfen.",
                "Protokolle und Regeln geprüft; eine verdächtige Weiterleitungsregel entfernt."),
            cs=("Kontrola přihlášení a pravidel přeposílání po phishingu",
                "Zkontrolovat přihlašovací protokoly za posledních 30 dní a pravidla přeposílání ve schránce.",
                "Protokoly a pravidla zkontrolovány; odstraněno jedno podezřelé pravidlo přeposílání."),
            no=("Sjekke pålogginger og videresendingsregler etter phishing",
                "Sjekke påloggingslogger for de siste 30 dagene og videresendingsregler i postkassen.",
                "Logger og regler sjekket; én mistenkelig videresendingsregel fjernet."),
            en=("Check sign-ins and forwarding rules after phishing",
                "Review sign-in logs for the last 30 days and the mailbox forwarding rules.",
                "Logs and rules reviewed; removed one suspicious forwarding rule."),
        )),
    )),
    Scenario("slow", "servicedesk", "incident", ((1, 1, 3), (1, 2, 1)), ("portal", "email", "phone"), ("laptop",), 6, T(
        nl=("Laptop erg traag bij opstarten",
            "Mijn laptop ({asset}) doet er 's ochtends ruim tien minuten over om op te starten en Excel loopt vaak "
            "vast.",
            "Schijf was voor 97% vol (oude Teams-cache en downloads). Opgeschoond, opstartprogramma's uitgeschakeld "
            "en SSD-status gecontroleerd (in orde). Opstarttijd nu ca. 1 minuut."),
        de=("Laptop startet sehr langsam",
            "Mein Laptop ({asset}) braucht morgens über zehn Minuten zum Starten und Excel hängt sich oft auf.",
            "Die Festplatte war zu 97 % voll (alter Teams-Cache und Downloads). Bereinigt, Autostart-Programme "
            "deaktiviert und den SSD-Zustand geprüft (in Ordnung). Startzeit jetzt etwa 1 Minute."),
        cs=("Notebook se velmi pomalu spouští",
            "Můj notebook ({asset}) se ráno spouští přes deset minut a Excel často zamrzá.",
            "Disk byl plný z 97 % (stará mezipaměť Teams a stažené soubory). Vyčištěno, vypnuty programy po spuštění "
            "a zkontrolován stav SSD (v pořádku). Spuštění nyní asi 1 minuta."),
        no=("Den bærbare PC-en er veldig treg ved oppstart",
            "Den bærbare PC-en min ({asset}) bruker over ti minutter på å starte om morgenen, og Excel henger seg "
            "ofte.",
            "Disken var 97 % full (gammel Teams-hurtigbuffer og nedlastinger). Ryddet opp, slo av oppstartsprogrammer "
            "og sjekket SSD-helsen (i orden). Oppstart tar nå rundt 1 minutt."),
        en=("Laptop very slow to start",
            "My laptop ({asset}) takes more than ten minutes to start in the morning and Excel often freezes.",
            "The disk was 97% full (old Teams cache and downloads). Cleaned up, disabled startup apps and checked "
            "SSD health (fine). Start-up now about 1 minute."),
    ), onsite=0.15),
    Scenario("disk", "cloud", "incident", ((4, 2, 2), (4, 4, 1)), ("monitoring",), ("monitoring", "server"), 4, T(
        nl=("Monitoring: schijf D: op {server} bijna vol (95%)",
            "Automatische melding van de monitoring: volume D: op {server} heeft nog 5% vrije ruimte. Groei de "
            "afgelopen week: 40 GB.",
            "Oorzaak: logbestanden van de applicatie werden na een update niet meer opgeschoond. Oude logs "
            "gearchiveerd, opschoontaak hersteld en de schijf met 100 GB uitgebreid. Vrije ruimte nu 38%."),
        de=("Monitoring: Laufwerk D: auf {server} fast voll (95 %)",
            "Automatische Meldung der Überwachung: Volume D: auf {server} hat nur noch 5 % freien Speicher. "
            "Wachstum in der letzten Woche: 40 GB.",
            "Ursache: Die Protokolldateien der Anwendung wurden nach einem Update nicht mehr bereinigt. Alte "
            "Protokolle archiviert, Bereinigungsaufgabe repariert und das Laufwerk um 100 GB erweitert. Freier "
            "Speicher jetzt 38 %."),
        cs=("Monitoring: disk D: na {server} téměř plný (95 %)",
            "Automatické hlášení monitoringu: svazek D: na {server} má volných jen 5 %. Nárůst za poslední týden: "
            "40 GB.",
            "Příčina: logy aplikace se po aktualizaci přestaly mazat. Staré logy archivovány, úloha pro čištění "
            "opravena a disk rozšířen o 100 GB. Volné místo nyní 38 %."),
        no=("Overvåking: disk D: på {server} nesten full (95 %)",
            "Automatisk varsel fra overvåkingen: volum D: på {server} har bare 5 % ledig plass. Vekst siste uke: "
            "40 GB.",
            "Årsak: applikasjonens loggfiler ble ikke lenger ryddet etter en oppdatering. Arkiverte gamle logger, "
            "reparerte oppryddingsjobben og utvidet disken med 100 GB. Ledig plass nå 38 %."),
        en=("Monitoring: drive D: on {server} almost full (95%)",
            "Automatic alert from monitoring: volume D: on {server} has 5% free space left. Growth last week: 40 GB.",
            "Cause: the application's log files were no longer cleaned up after an update. Archived old logs, "
            "repaired the cleanup task and extended the disk by 100 GB. Free space now 38%."),
    )),
    Scenario("licence", "servicedesk", "request", ((1, 1, 3), (1, 2, 1)), ("portal", "email"), ("licence",), 5, T(
        nl=("Adobe Acrobat Pro-licentie aanvragen",
            "Voor het bewerken van contracten heb ik Adobe Acrobat Pro nodig. Mijn leidinggevende heeft akkoord "
            "gegeven.",
            "Licentie Adobe Acrobat Pro toegewezen via de Admin Console en software geïnstalleerd. Kosten worden via "
            "de maandnota doorbelast."),
        de=("Adobe-Acrobat-Pro-Lizenz beantragen",
            "Zum Bearbeiten von Verträgen benötige ich Adobe Acrobat Pro. Meine Vorgesetzte hat zugestimmt.",
            "Lizenz für Adobe Acrobat Pro über die Admin Console zugewiesen und die Software installiert. Die Kosten "
            "erscheinen auf der Monatsrechnung."),
        cs=("Žádost o licenci Adobe Acrobat Pro",
            "Pro úpravy smluv potřebuji Adobe Acrobat Pro. Můj vedoucí to schválil.",
            "Licence Adobe Acrobat Pro přidělena přes Admin Console a software nainstalován. Náklady budou na "
            "měsíčním vyúčtování."),
        no=("Bestille lisens for Adobe Acrobat Pro",
            "Jeg trenger Adobe Acrobat Pro for å redigere kontrakter. Lederen min har godkjent det.",
            "Tildelte lisens for Adobe Acrobat Pro via Admin Console og installerte programvaren. Kostnaden kommer på "
            "månedsfakturaen."),
        en=("Request an Adobe Acrobat Pro licence",
            "I need Adobe Acrobat Pro to edit contracts. My manager has approved it.",
            "Assigned an Adobe Acrobat Pro licence in the Admin Console and installed the software. The cost appears "
            "on the monthly invoice."),
    ), estimate=(30, 45)),
    Scenario("firewall", "connectivity", "change", ((1, 2, 3), (1, 4, 1)), ("email", "portal"), ("firewall",), 3, T(
        nl=("Poort openzetten voor leverancier {vendor}",
            "Leverancier {vendor} heeft voor onderhoud op afstand toegang nodig tot de applicatieserver (TCP 443 en "
            "8443) vanaf hun vaste IP-adres.",
            "Standaardwijziging: firewallregel aangemaakt voor het IP-adres van {vendor} naar de applicatieserver "
            "(TCP 443, 8443), beperkt tot kantoortijden en gedocumenteerd. Verbinding door de leverancier "
            "bevestigd."),
        de=("Port für Lieferanten {vendor} freischalten",
            "Der Lieferant {vendor} braucht für die Fernwartung Zugriff auf den Applikationsserver (TCP 443 und 8443) "
            "von seiner festen IP-Adresse.",
            "Standard-Change: Firewallregel für die IP-Adresse von {vendor} zum Applikationsserver (TCP 443, 8443) "
            "angelegt, auf die Geschäftszeiten beschränkt und dokumentiert. Verbindung vom Lieferanten bestätigt."),
        cs=("Otevření portu pro dodavatele {vendor}",
            "Dodavatel {vendor} potřebuje pro vzdálenou údržbu přístup na aplikační server (TCP 443 a 8443) ze své "
            "pevné IP adresy.",
            "Standardní změna: vytvořeno pravidlo firewallu pro IP adresu dodavatele {vendor} na aplikační server "
            "(TCP 443, 8443), omezeno na pracovní dobu a zdokumentováno. Dodavatel spojení potvrdil."),
        no=("Åpne port for leverandøren {vendor}",
            "Leverandøren {vendor} trenger tilgang til applikasjonsserveren (TCP 443 og 8443) fra sin faste "
            "IP-adresse for fjernvedlikehold.",
            "Standardendring: opprettet brannmurregel for IP-adressen til {vendor} mot applikasjonsserveren (TCP 443, "
            "8443), begrenset til arbeidstid og dokumentert. Leverandøren har bekreftet tilkoblingen."),
        en=("Open a port for supplier {vendor}",
            "Supplier {vendor} needs remote maintenance access to the application server (TCP 443 and 8443) from "
            "their fixed IP address.",
            "Standard change: created a firewall rule from {vendor}'s IP address to the application server (TCP 443, "
            "8443), limited to office hours and documented. The supplier confirmed the connection."),
    ), change_kind="standard", estimate=(30, 60)),
    Scenario("patch", "modern-workplace", "change", ((2, 1, 1),), ("project",), ("patching",), 0, T(
        nl=("Maandelijkse patchronde werkplekken en servers ({month})",
            "Geplande patchronde: Windows-updates en updates van derde partijen op alle werkplekken en servers; "
            "servers herstarten in het onderhoudsvenster.",
            "Updates uitgerold op alle werkplekken en servers; servers in het onderhoudsvenster herstart. Twee "
            "werkplekken stonden uit en worden bij de volgende ronde meegenomen."),
        de=("Monatliche Patchrunde Arbeitsplätze und Server ({month})",
            "Geplante Patchrunde: Windows-Updates und Updates von Drittanbietern auf allen Arbeitsplätzen und "
            "Servern, Neustart der Server im Wartungsfenster.",
            "Updates auf allen Arbeitsplätzen und Servern verteilt; Server im Wartungsfenster neu gestartet. Zwei "
            "Arbeitsplätze waren ausgeschaltet und werden in der nächsten Runde nachgezogen."),
        cs=("Měsíční instalace záplat na stanice a servery ({month})",
            "Plánovaná instalace záplat: aktualizace Windows a aplikací třetích stran na všech stanicích a serverech, "
            "restart serverů v servisním okně.",
            "Aktualizace nasazeny na všechny stanice a servery; servery restartovány v servisním okně. Dvě stanice "
            "byly vypnuté, budou zahrnuty v příštím kole."),
        no=("Månedlig patching av arbeidsstasjoner og servere ({month})",
            "Planlagt patching: Windows-oppdateringer og tredjepartsoppdateringer på alle arbeidsstasjoner og "
            "servere, omstart av servere i vedlikeholdsvinduet.",
            "Oppdateringer rullet ut på alle arbeidsstasjoner og servere; serverne startet på nytt i "
            "vedlikeholdsvinduet. To arbeidsstasjoner var slått av og tas med i neste runde."),
        en=("Monthly patch round workstations and servers ({month})",
            "Planned patch round: Windows and third-party updates on all workstations and servers, server restarts "
            "in the maintenance window.",
            "Rolled out updates to all workstations and servers; restarted servers in the maintenance window. Two "
            "workstations were switched off and will be included next round."),
    ), change_kind="standard", estimate=(120, 180)),
    Scenario("mfa", "servicedesk", "request", ((1, 4, 3), (1, 8, 1)), ("phone", "walk-in"), ("mfa", "account"), 5, T(
        nl=("Nieuwe telefoon: Authenticator overzetten",
            "Ik heb een nieuwe telefoon gekregen en de Microsoft Authenticator-app werkt niet meer. Ik kan niet "
            "inloggen op mijn mail.",
            "Oude MFA-methode verwijderd, tijdelijke toegangspas (TAP) uitgegeven en Authenticator op de nieuwe "
            "telefoon samen met de gebruiker geregistreerd."),
        de=("Neues Handy: Authenticator übertragen",
            "Ich habe ein neues Handy bekommen und die Microsoft-Authenticator-App funktioniert nicht mehr. Ich komme "
            "nicht an meine Mails.",
            "Alte MFA-Methode entfernt, einen befristeten Zugriffspass (TAP) ausgestellt und den Authenticator auf "
            "dem neuen Handy gemeinsam mit dem Benutzer registriert."),
        cs=("Nový telefon: přenos aplikace Authenticator",
            "Mám nový telefon a aplikace Microsoft Authenticator nefunguje. Nemůžu se přihlásit do pošty.",
            "Odstraněna stará metoda MFA, vydán dočasný přístupový kód (TAP) a Authenticator zaregistrován na novém "
            "telefonu společně s uživatelem."),
        no=("Ny telefon: flytte Authenticator",
            "Jeg har fått ny telefon, og Microsoft Authenticator-appen virker ikke lenger. Jeg kommer ikke inn på "
            "e-posten.",
            "Fjernet den gamle MFA-metoden, utstedte et midlertidig tilgangspass (TAP) og registrerte Authenticator "
            "på den nye telefonen sammen med brukeren."),
        en=("New phone: move the Authenticator app",
            "I got a new phone and the Microsoft Authenticator app no longer works. I cannot get into my mail.",
            "Removed the old MFA method, issued a Temporary Access Pass and registered Authenticator on the new phone "
            "together with the user."),
    )),
    Scenario("drive", "servicedesk", "incident", ((2, 4, 3), (2, 2, 1)), ("phone", "email"), ("fileserver",), 3, T(
        nl=("Netwerkschijf H: ontbreekt voor de hele afdeling",
            "Sinds {since} zien de collega's van {dept} hun H:-schijf niet meer in de Verkenner. Foutmelding bij "
            "handmatig koppelen: 'Netwerkpad niet gevonden'.",
            "Groepsbeleid voor de schijfkoppeling verwees naar de oude fileserver. GPO aangepast naar de nieuwe "
            "DFS-naam en bij de gebruikers een gpupdate uitgevoerd; schijf is weer zichtbaar."),
        de=("Netzlaufwerk H: fehlt für die ganze Abteilung",
            "Seit {since} sehen die Kollegen aus {dept} ihr Laufwerk H: nicht mehr im Explorer. Fehlermeldung beim "
            "manuellen Verbinden: 'Netzwerkpfad nicht gefunden'.",
            "Die Gruppenrichtlinie für die Laufwerkszuordnung zeigte noch auf den alten Dateiserver. GPO auf den "
            "neuen DFS-Namen angepasst und bei den Benutzern gpupdate ausgeführt; Laufwerk ist wieder da."),
        cs=("Chybí síťový disk H: pro celé oddělení",
            "Od {since} kolegové z oddělení {dept} nevidí v Průzkumníku svůj disk H:. Chyba při ručním připojení: "
            "'Síťová cesta nebyla nalezena'.",
            "Zásada skupiny pro mapování disku odkazovala na starý souborový server. GPO upravena na nový název DFS "
            "a u uživatelů spuštěn gpupdate; disk je opět vidět."),
        no=("Nettverksstasjon H: mangler for hele avdelingen",
            "Siden {since} ser ikke kollegene i {dept} H:-stasjonen sin i Utforsker. Feilmelding ved manuell "
            "tilkobling: 'Finner ikke nettverksbanen'.",
            "Gruppepolicyen for stasjonstilordningen pekte fortsatt på den gamle filserveren. Endret GPO til det nye "
            "DFS-navnet og kjørte gpupdate hos brukerne; stasjonen er synlig igjen."),
        en=("Network drive H: missing for the whole department",
            "Since {since} the {dept} colleagues no longer see their H: drive in Explorer. Error when mapping it by "
            "hand: 'Network path not found'.",
            "The drive-mapping group policy still pointed at the old file server. Updated the GPO to the new DFS "
            "name and ran gpupdate for the users; the drive is back."),
    )),
    Scenario("erp", "cloud", "incident", ((4, 4, 3), (4, 8, 1)), ("phone",), ("erp", "server"), 2, T(
        nl=("ERP-systeem extreem traag voor alle gebruikers",
            "Sinds {since} duurt elke handeling in het ERP-systeem 20-30 seconden. Alle afdelingen hebben er last "
            "van; orders invoeren is bijna onmogelijk.",
            "De databaseserver draaide op een volle transactielog (herstelmodel FULL zonder logback-ups). "
            "Logback-up ingericht en log verkleind; onderhoudsplan voor indexen toegevoegd. Responstijden weer "
            "normaal (<1 s)."),
        de=("ERP-System für alle Benutzer extrem langsam",
            "Seit {since} dauert jede Aktion im ERP-System 20-30 Sekunden. Alle Abteilungen sind betroffen, Aufträge "
            "erfassen ist kaum möglich.",
            "Der Datenbankserver lief mit vollem Transaktionsprotokoll (Wiederherstellungsmodell FULL ohne "
            "Protokollsicherungen). Protokollsicherung eingerichtet und das Protokoll verkleinert; Wartungsplan für "
            "Indizes ergänzt. Antwortzeiten wieder normal (<1 s)."),
        cs=("ERP systém extrémně pomalý pro všechny uživatele",
            "Od {since} trvá každá akce v ERP systému 20-30 sekund. Týká se všech oddělení, zadávání objednávek je "
            "téměř nemožné.",
            "Databázový server běžel s plným transakčním logem (model obnovy FULL bez záloh logu). Nastaveny zálohy "
            "logu a log zmenšen; doplněn plán údržby indexů. Odezvy opět normální (<1 s)."),
        no=("ERP-systemet er ekstremt tregt for alle brukere",
            "Siden {since} tar hver handling i ERP-systemet 20-30 sekunder. Alle avdelinger er berørt, og det er "
            "nesten umulig å registrere ordrer.",
            "Databaseserveren gikk med full transaksjonslogg (gjenopprettingsmodell FULL uten loggsikkerhetskopier). "
            "Satte opp loggsikkerhetskopiering og krympet loggen; la til vedlikeholdsplan for indekser. Svartidene "
            "er normale igjen (<1 s)."),
        en=("ERP system extremely slow for all users",
            "Since {since} every action in the ERP system takes 20-30 seconds. All departments are affected; "
            "entering orders is nearly impossible.",
            "The database server ran with a full transaction log (FULL recovery model without log backups). Set up "
            "log backups and shrank the log; added an index maintenance plan. Response times back to normal (<1 s)."),
    )),
    Scenario("internet", "connectivity", "incident", ((4, 8, 3), (8, 8, 1)), ("phone", "monitoring"),
             ("internet", "outage"), 2, T(
        nl=("Geen internet op vestiging {site}",
            "Sinds {since} heeft de hele vestiging {site} geen internet. Telefonie (VoIP) ligt ook plat. Het modem "
            "van de provider knippert rood.",
            "Storing bij de provider (glasvezelbreuk in de wijk). Tijdelijk omgeschakeld naar de 4G-back-uplijn; na "
            "herstel door de provider teruggeschakeld en de verbinding 24 uur gemonitord."),
        de=("Kein Internet am Standort {site}",
            "Seit {since} hat der gesamte Standort {site} kein Internet. Die Telefonie (VoIP) ist ebenfalls "
            "ausgefallen. Das Modem des Providers blinkt rot.",
            "Störung beim Provider (Glasfaserbruch im Viertel). Vorübergehend auf die LTE-Backup-Leitung "
            "umgeschaltet; nach der Entstörung zurückgeschaltet und die Verbindung 24 Stunden überwacht."),
        cs=("Výpadek internetu na pobočce {site}",
            "Od {since} je celá pobočka {site} bez internetu. Nefunguje ani telefonie (VoIP). Modem poskytovatele "
            "bliká červeně.",
            "Porucha u poskytovatele (přerušené optické vlákno v okolí). Dočasně přepnuto na záložní LTE linku; po "
            "opravě poskytovatelem přepnuto zpět a spojení 24 hodin monitorováno."),
        no=("Ikke internett på avdelingen i {site}",
            "Siden {since} har hele avdelingen i {site} vært uten internett. Telefonien (VoIP) er også nede. Modemet "
            "fra leverandøren blinker rødt.",
            "Feil hos leverandøren (fiberbrudd i området). Byttet midlertidig til 4G-reservelinjen; byttet tilbake "
            "etter at leverandøren rettet feilen og overvåket forbindelsen i 24 timer."),
        en=("No internet at the {site} site",
            "Since {since} the whole {site} site has had no internet. Telephony (VoIP) is down as well. The "
            "provider's modem is blinking red.",
            "Provider outage (fibre cut in the area). Switched to the 4G backup line meanwhile; switched back after "
            "the provider's repair and monitored the link for 24 hours."),
    ), onsite=0.4),
    Scenario("certificate", "security", "change", ((4, 2, 1),), ("monitoring", "email"), ("certificate",), 1, T(
        nl=("SSL-certificaat webmail en portal verloopt over 14 dagen",
            "Het wildcardcertificaat voor *.{domain} verloopt binnenkort. Vernieuwen en uitrollen op de firewall, "
            "webmail en de reverse proxy.",
            "Nieuw wildcardcertificaat aangevraagd en gevalideerd, uitgerold op firewall, webmail en reverse proxy. "
            "Controle met externe SSL-test: A-rating, geen waarschuwingen."),
        de=("SSL-Zertifikat für Webmail und Portal läuft in 14 Tagen ab",
            "Das Wildcard-Zertifikat für *.{domain} läuft bald ab. Bitte erneuern und auf Firewall, Webmail und "
            "Reverse Proxy ausrollen.",
            "Neues Wildcard-Zertifikat beantragt und validiert, auf Firewall, Webmail und Reverse Proxy ausgerollt. "
            "Prüfung mit externem SSL-Test: Bewertung A, keine Warnungen."),
        cs=("SSL certifikát pro webmail a portál vyprší za 14 dní",
            "Wildcard certifikát pro *.{domain} brzy vyprší. Obnovit a nasadit na firewall, webmail a reverzní "
            "proxy.",
            "Nový wildcard certifikát vystaven a ověřen, nasazen na firewall, webmail a reverzní proxy. Kontrola "
            "externím SSL testem: hodnocení A, bez varování."),
        no=("SSL-sertifikatet for webmail og portal utløper om 14 dager",
            "Wildcard-sertifikatet for *.{domain} utløper snart. Det må fornyes og rulles ut på brannmuren, webmail "
            "og reverse proxy.",
            "Bestilte og validerte nytt wildcard-sertifikat, rullet ut på brannmur, webmail og reverse proxy. Sjekket "
            "med ekstern SSL-test: karakter A, ingen advarsler."),
        en=("SSL certificate for webmail and portal expires in 14 days",
            "The wildcard certificate for *.{domain} expires soon. Renew it and deploy it on the firewall, webmail "
            "and reverse proxy.",
            "Ordered and validated a new wildcard certificate, deployed it on the firewall, webmail and reverse "
            "proxy. Checked with an external SSL test: A rating, no warnings."),
    ), change_kind="normal", estimate=(60, 120)),
    Scenario("dock", "servicedesk", "incident", ((1, 2, 3), (1, 1, 1)), ("phone", "portal", "walk-in"),
             ("hardware",), 5, T(
        nl=("Tweede beeldscherm blijft zwart via dockingstation",
            "Op mijn werkplek ({asset}) geeft het tweede scherm via het dockingstation geen beeld meer. De laptop "
            "zelf werkt normaal.",
            "Firmware van het dockingstation en de grafische driver bijgewerkt; defecte DisplayPort-kabel vervangen. "
            "Beide schermen werken."),
        de=("Zweiter Bildschirm bleibt über die Dockingstation schwarz",
            "An meinem Arbeitsplatz ({asset}) zeigt der zweite Bildschirm über die Dockingstation kein Bild mehr. Der "
            "Laptop selbst funktioniert normal.",
            "Firmware der Dockingstation und Grafiktreiber aktualisiert; defektes DisplayPort-Kabel ersetzt. Beide "
            "Bildschirme funktionieren."),
        cs=("Druhý monitor přes dokovací stanici zůstává černý",
            "Na mém pracovišti ({asset}) druhý monitor připojený přes dokovací stanici nic nezobrazuje. Samotný "
            "notebook funguje normálně.",
            "Aktualizován firmware dokovací stanice a grafický ovladač; vyměněn vadný kabel DisplayPort. Oba "
            "monitory fungují."),
        no=("Den andre skjermen er svart via dokkingstasjonen",
            "På arbeidsplassen min ({asset}) viser ikke den andre skjermen bilde via dokkingstasjonen lenger. Selve "
            "PC-en fungerer normalt.",
            "Oppdaterte fastvaren på dokkingstasjonen og grafikkdriveren; byttet en defekt DisplayPort-kabel. Begge "
            "skjermene fungerer."),
        en=("Second monitor stays black on the docking station",
            "At my desk ({asset}) the second monitor shows no picture through the docking station. The laptop itself "
            "works normally.",
            "Updated the docking station firmware and the graphics driver; replaced a faulty DisplayPort cable. Both "
            "monitors work."),
    ), onsite=0.35),
    Scenario("scan", "modern-workplace", "incident", ((2, 2, 3), (2, 4, 1)), ("email", "phone"), ("printer", "mail"),
             3, T(
        nl=("Scannen naar e-mail werkt niet meer op de multifunctional",
            "Scans vanaf de multifunctional op de gang komen niet meer aan per mail. Het apparaat geeft "
            "'SMTP-verbinding mislukt'.",
            "Microsoft 365 had basisauthenticatie voor SMTP uitgeschakeld. Scannen naar e-mail omgezet naar een "
            "SMTP-relay via de connector met vast IP-adres; testscan ontvangen."),
        de=("Scan-to-Mail am Multifunktionsgerät funktioniert nicht mehr",
            "Scans vom Multifunktionsgerät im Flur kommen nicht mehr per Mail an. Das Gerät meldet "
            "'SMTP-Verbindung fehlgeschlagen'.",
            "Microsoft 365 hatte die Basisauthentifizierung für SMTP abgeschaltet. Scan-to-Mail auf ein SMTP-Relay "
            "über den Connector mit fester IP-Adresse umgestellt; Testscan angekommen."),
        cs=("Skenování do e-mailu na multifunkčním zařízení nefunguje",
            "Skeny z multifunkčního zařízení na chodbě už nechodí e-mailem. Zařízení hlásí 'Připojení SMTP selhalo'.",
            "Microsoft 365 vypnul základní ověřování pro SMTP. Skenování do e-mailu přepnuto na SMTP relay přes "
            "konektor s pevnou IP adresou; zkušební sken doručen."),
        no=("Skann til e-post virker ikke lenger på multifunksjonsmaskinen",
            "Skanninger fra multifunksjonsmaskinen i gangen kommer ikke lenger fram på e-post. Maskinen viser "
            "'SMTP-tilkobling mislyktes'.",
            "Microsoft 365 hadde slått av grunnleggende autentisering for SMTP. Endret skann-til-e-post til "
            "SMTP-relé via koblingen med fast IP-adresse; testskanning mottatt."),
        en=("Scan to email no longer works on the multifunction printer",
            "Scans from the multifunction printer in the hallway no longer arrive by email. The device says 'SMTP "
            "connection failed'.",
            "Microsoft 365 had turned off basic authentication for SMTP. Switched scan-to-mail to an SMTP relay "
            "through the connector with a fixed IP address; test scan received."),
    )),
    Scenario("move", "connectivity", "change", ((2, 1, 1),), ("project", "email"), ("move", "project"), 1, T(
        nl=("Verhuizing afdeling {dept} naar de tweede verdieping",
            "Volgende maand verhuist de afdeling {dept} (12 werkplekken) naar de tweede verdieping. Graag "
            "netwerkpunten patchen en telefoons en printers verhuizen.",
            "Netwerkpunten gepatcht en getest, werkplekken, telefoons en printer verhuisd en met de gebruikers "
            "gecontroleerd. Plattegrond en patchlijst in de documentatie bijgewerkt."),
        de=("Umzug der Abteilung {dept} in den zweiten Stock",
            "Nächsten Monat zieht die Abteilung {dept} (12 Arbeitsplätze) in den zweiten Stock. Bitte "
            "Netzwerkdosen patchen sowie Telefone und Drucker umziehen.",
            "Netzwerkdosen gepatcht und getestet, Arbeitsplätze, Telefone und Drucker umgezogen und mit den "
            "Benutzern geprüft. Raumplan und Patchliste in der Dokumentation aktualisiert."),
        cs=("Stěhování oddělení {dept} do druhého patra",
            "Příští měsíc se oddělení {dept} (12 pracovišť) stěhuje do druhého patra. Prosíme o přepojení síťových "
            "zásuvek a přestěhování telefonů a tiskáren.",
            "Síťové zásuvky přepojeny a otestovány, pracoviště, telefony a tiskárna přestěhovány a zkontrolovány "
            "s uživateli. Plánek a seznam zapojení v dokumentaci aktualizovány."),
        no=("Flytting av avdelingen {dept} til andre etasje",
            "Neste måned flytter avdelingen {dept} (12 arbeidsplasser) til andre etasje. Vi trenger omkobling av "
            "nettverkspunkter og flytting av telefoner og skrivere.",
            "Nettverkspunktene er koblet om og testet, arbeidsplasser, telefoner og skriver flyttet og kontrollert "
            "med brukerne. Plantegning og koblingsliste oppdatert i dokumentasjonen."),
        en=("Move of the {dept} department to the second floor",
            "Next month the {dept} department (12 desks) moves to the second floor. Please patch the network points "
            "and move phones and printers.",
            "Patched and tested the network points, moved desks, phones and the printer and checked them with the "
            "users. Floor plan and patch list updated in the documentation."),
    ), change_kind="normal", estimate=(360, 600), split=0.9, children=(
        Child("connectivity", T(
            nl=("Netwerkpunten patchen tweede verdieping",
                "Patchlijst maken, netwerkpunten op de tweede verdieping patchen en doormeten.",
                "Alle 12 netwerkpunten gepatcht en doorgemeten; patchlijst bijgewerkt."),
            de=("Netzwerkdosen im zweiten Stock patchen",
                "Patchliste erstellen, die Netzwerkdosen im zweiten Stock patchen und durchmessen.",
                "Alle 12 Netzwerkdosen gepatcht und durchgemessen; Patchliste aktualisiert."),
            cs=("Přepojení síťových zásuvek ve druhém patře",
                "Připravit seznam zapojení, přepojit a proměřit síťové zásuvky ve druhém patře.",
                "Všech 12 zásuvek přepojeno a proměřeno; seznam zapojení aktualizován."),
            no=("Koble om nettverkspunkter i andre etasje",
                "Lage koblingsliste, koble om og måle nettverkspunktene i andre etasje.",
                "Alle 12 nettverkspunkter koblet om og målt; koblingslisten oppdatert."),
            en=("Patch the network points on the second floor",
                "Make the patch list, patch and test the network points on the second floor.",
                "All 12 network points patched and tested; patch list updated."),
        )),
        Child("servicedesk", T(
            nl=("Telefoons en printer verhuizen", "Vaste toestellen en de afdelingsprinter verhuizen en testen.",
                "Toestellen en printer verhuisd en getest."),
            de=("Telefone und Drucker umziehen", "Tischtelefone und den Abteilungsdrucker umziehen und testen.",
                "Telefone und Drucker umgezogen und getestet."),
            cs=("Přestěhování telefonů a tiskárny", "Přestěhovat stolní telefony a tiskárnu oddělení a otestovat je.",
                "Telefony a tiskárna přestěhovány a otestovány."),
            no=("Flytte telefoner og skriver", "Flytte bordtelefonene og avdelingsskriveren og teste dem.",
                "Telefoner og skriver flyttet og testet."),
            en=("Move phones and printer", "Move the desk phones and the department printer and test them.",
                "Phones and printer moved and tested."),
        )),
    )),
    Scenario("quote", "servicedesk", "request", ((1, 1, 1),), ("sales",), ("sales", "laptop"), 2, T(
        nl=("Offerte voor {count} nieuwe laptops",
            "We willen in het vierde kwartaal {count} laptops vervangen die uit de garantie lopen. Graag een offerte "
            "inclusief inrichting en afvoer van de oude toestellen.",
            "Offerte verstuurd (Lenovo ThinkPad T14, incl. Autopilot-inrichting, 3 jaar garantie en gecertificeerde "
            "afvoer van de oude laptops). Akkoord ontvangen; levering ingepland."),
        de=("Angebot für {count} neue Laptops",
            "Wir möchten im vierten Quartal {count} Laptops ersetzen, deren Garantie abläuft. Bitte ein Angebot "
            "inklusive Einrichtung und Entsorgung der Altgeräte.",
            "Angebot verschickt (Lenovo ThinkPad T14, inkl. Autopilot-Einrichtung, 3 Jahre Garantie und "
            "zertifizierter Entsorgung der Altgeräte). Zusage erhalten; Lieferung eingeplant."),
        cs=("Nabídka na {count} nových notebooků",
            "Ve čtvrtém čtvrtletí chceme vyměnit {count} notebooků, kterým končí záruka. Prosíme o nabídku včetně "
            "nastavení a ekologické likvidace starých zařízení.",
            "Nabídka odeslána (Lenovo ThinkPad T14 vč. nastavení přes Autopilot, 3 roky záruky a certifikované "
            "likvidace starých notebooků). Souhlas přijat; dodávka naplánována."),
        no=("Tilbud på {count} nye bærbare PC-er",
            "Vi ønsker å bytte ut {count} bærbare PC-er som går ut av garantien i fjerde kvartal. Send gjerne et "
            "tilbud inkludert klargjøring og avhending av de gamle maskinene.",
            "Tilbud sendt (Lenovo ThinkPad T14, inkl. klargjøring med Autopilot, 3 års garanti og sertifisert "
            "avhending av de gamle maskinene). Godkjenning mottatt; levering planlagt."),
        en=("Quote for {count} new laptops",
            "In Q4 we want to replace {count} laptops that run out of warranty. Please quote including setup and "
            "disposal of the old devices.",
            "Sent the quote (Lenovo ThinkPad T14, incl. Autopilot setup, 3-year warranty and certified disposal of "
            "the old laptops). Approval received; delivery scheduled."),
    ), estimate=(60, 90)),
    Scenario("emergency", "security", "change", ((8, 4, 1),), ("monitoring", "email"), ("firewall", "security"), 0.5, T(
        nl=("Noodpatch firewall: kritieke kwetsbaarheid in SSL-VPN",
            "De fabrikant heeft een kritieke kwetsbaarheid in de SSL-VPN van de firewall gepubliceerd die actief "
            "wordt misbruikt. Patch vandaag buiten kantoortijd installeren.",
            "Firewall bijgewerkt naar de gepatchte firmware, configuratie vooraf geback-upt, VPN en doorverwijzingen "
            "getest. Op sporen van misbruik gecontroleerd: niets gevonden."),
        de=("Notfall-Patch Firewall: kritische Schwachstelle im SSL-VPN",
            "Der Hersteller hat eine kritische, aktiv ausgenutzte Schwachstelle im SSL-VPN der Firewall "
            "veröffentlicht. Patch heute nach Geschäftsschluss einspielen.",
            "Firewall auf die gepatchte Firmware aktualisiert, Konfiguration vorher gesichert, VPN und "
            "Portweiterleitungen getestet. Auf Anzeichen eines Angriffs geprüft: nichts gefunden."),
        cs=("Nouzová záplata firewallu: kritická zranitelnost SSL VPN",
            "Výrobce zveřejnil kritickou, aktivně zneužívanou zranitelnost v SSL VPN firewallu. Záplatu nainstalovat "
            "dnes po pracovní době.",
            "Firewall aktualizován na opravený firmware, konfigurace předem zazálohována, VPN a přesměrování portů "
            "otestovány. Kontrola známek zneužití: nic nenalezeno."),
        no=("Nødpatch brannmur: kritisk sårbarhet i SSL-VPN",
            "Leverandøren har publisert en kritisk sårbarhet i brannmurens SSL-VPN som aktivt utnyttes. Patchen må "
            "installeres i dag etter arbeidstid.",
            "Oppdaterte brannmuren til fastvaren med rettelsen, tok sikkerhetskopi av konfigurasjonen først, testet "
            "VPN og portvideresendinger. Sjekket etter tegn på misbruk: ingenting funnet."),
        en=("Emergency patch firewall: critical SSL-VPN vulnerability",
            "The vendor published a critical, actively exploited vulnerability in the firewall's SSL-VPN. Install "
            "the patch today after hours.",
            "Updated the firewall to the fixed firmware after backing up the configuration, tested VPN and port "
            "forwards. Checked for indicators of compromise: none found."),
    ), change_kind="emergency", estimate=(90, 150)),
)
SCENARIO = {s.key: s for s in SCENARIOS}


@dataclass(frozen=True)
class ProblemText:
    """A recurring kind of incident (seed 001, problem management) and the change that fixes it."""

    team: str
    title: Text  # (title, description, solution)
    cause: dict[str, tuple[str, str]]  # lang -> (root cause, workaround)
    change: Text  # the fixing change: (title, description, solution)
    rollback: dict[str, str]


PROBLEMS: dict[str, ProblemText] = {
    "vpn": ProblemText("connectivity", T(
        nl=("Terugkerende VPN-onderbrekingen bij thuiswerkers",
            "Meerdere meldingen van thuiswerkers bij wie de VPN-verbinding wegvalt of niet opkomt. Gezamenlijke "
            "oorzaak onderzoeken.",
            "Firmware van de firewall bijgewerkt naar 7.2.8 (wijziging gekoppeld). Twee weken gemonitord: geen "
            "nieuwe meldingen."),
        de=("Wiederkehrende VPN-Abbrüche im Homeoffice",
            "Mehrere Meldungen aus dem Homeoffice, bei denen die VPN-Verbindung abbricht oder nicht zustande kommt. "
            "Gemeinsame Ursache untersuchen.",
            "Firmware der Firewall auf 7.2.8 aktualisiert (Change verknüpft). Zwei Wochen überwacht: keine neuen "
            "Meldungen."),
        cs=("Opakované výpadky VPN u zaměstnanců na home office",
            "Několik hlášení zaměstnanců pracujících z domova, kterým VPN spojení padá nebo se nenaváže. Prošetřit "
            "společnou příčinu.",
            "Firmware firewallu aktualizován na 7.2.8 (navázaná změna). Dva týdny monitorováno: žádná nová hlášení."),
        no=("Gjentatte VPN-brudd for hjemmekontor",
            "Flere henvendelser fra ansatte på hjemmekontor der VPN-forbindelsen faller ut eller ikke kommer opp. "
            "Undersøke felles årsak.",
            "Brannmuren oppdatert til fastvare 7.2.8 (koblet endring). Overvåket i to uker: ingen nye henvendelser."),
        en=("Recurring VPN drops for home workers",
            "Several reports from home workers whose VPN drops or does not come up. Find the common cause.",
            "Updated the firewall firmware to 7.2.8 (linked change). Monitored for two weeks: no new reports."),
    ), {
        "nl": ("Bekende fout in firmware 7.2.4 van de firewall: SSL-VPN-sessies worden na een sleutelvernieuwing "
               "verbroken.", "Opnieuw verbinden; sessietimeout tijdelijk verhoogd naar 12 uur."),
        "de": ("Bekannter Fehler in Firmware 7.2.4 der Firewall: SSL-VPN-Sitzungen werden nach einer "
               "Schlüsselerneuerung getrennt.", "Neu verbinden; Sitzungs-Timeout vorübergehend auf 12 Stunden erhöht."),
        "cs": ("Známá chyba firmwaru 7.2.4 firewallu: relace SSL VPN se po obnově klíče přeruší.",
               "Znovu se připojit; časový limit relace dočasně zvýšen na 12 hodin."),
        "no": ("Kjent feil i fastvare 7.2.4 på brannmuren: SSL-VPN-økter brytes etter nøkkelfornyelse.",
               "Koble til på nytt; økttidsavbrudd midlertidig økt til 12 timer."),
        "en": ("Known bug in firewall firmware 7.2.4: SSL-VPN sessions drop after a rekey.",
               "Reconnect; session timeout raised to 12 hours for now."),
    }, T(
        nl=("Firmware-update firewall naar 7.2.8",
            "Firewall bijwerken naar firmware 7.2.8 om de SSL-VPN-fout te verhelpen. Buiten kantoortijd; "
            "configuratie vooraf back-uppen.",
            "Firmware 7.2.8 geïnstalleerd na een back-up van de configuratie; VPN, doorverwijzingen en site-to-site "
            "getest."),
        de=("Firmware-Update der Firewall auf 7.2.8",
            "Firewall auf Firmware 7.2.8 aktualisieren, um den SSL-VPN-Fehler zu beheben. Nach Geschäftsschluss; "
            "Konfiguration vorher sichern.",
            "Firmware 7.2.8 nach einer Sicherung der Konfiguration installiert; VPN, Portweiterleitungen und "
            "Site-to-Site getestet."),
        cs=("Aktualizace firmwaru firewallu na 7.2.8",
            "Aktualizovat firewall na firmware 7.2.8 kvůli chybě SSL VPN. Mimo pracovní dobu; konfiguraci předem "
            "zazálohovat.",
            "Firmware 7.2.8 nainstalován po záloze konfigurace; otestovány VPN, přesměrování portů a site-to-site."),
        no=("Fastvareoppdatering av brannmuren til 7.2.8",
            "Oppdatere brannmuren til fastvare 7.2.8 for å rette SSL-VPN-feilen. Etter arbeidstid; ta sikkerhetskopi "
            "av konfigurasjonen først.",
            "Fastvare 7.2.8 installert etter sikkerhetskopi av konfigurasjonen; testet VPN, portvideresending og "
            "site-to-site."),
        en=("Firewall firmware update to 7.2.8",
            "Update the firewall to firmware 7.2.8 to fix the SSL-VPN bug. After hours; back up the configuration "
            "first.",
            "Installed firmware 7.2.8 after backing up the configuration; tested VPN, port forwards and "
            "site-to-site."),
    ), {"nl": "Terug naar 7.2.4 met de configuratieback-up (15 minuten).",
        "de": "Zurück auf 7.2.4 mit der Konfigurationssicherung (15 Minuten).",
        "cs": "Návrat na 7.2.4 ze zálohy konfigurace (15 minut).",
        "no": "Tilbake til 7.2.4 med sikkerhetskopien av konfigurasjonen (15 minutter).",
        "en": "Roll back to 7.2.4 from the configuration backup (15 minutes)."}),
    "backup": ProblemText("backup", T(
        nl=("Back-ups van {server} mislukken structureel",
            "De back-up van {server} mislukt meerdere keren per maand met een VSS-fout. Structurele oorzaak zoeken.",
            "Indexonderhoud verplaatst naar 01:00 en het back-upvenster naar 22:00 (wijziging gekoppeld); sindsdien "
            "geen mislukte back-ups meer."),
        de=("Sicherungen von {server} schlagen regelmäßig fehl",
            "Die Sicherung von {server} schlägt mehrmals im Monat mit einem VSS-Fehler fehl. Strukturelle Ursache "
            "finden.",
            "Indexwartung auf 01:00 und Sicherungsfenster auf 22:00 verlegt (Change verknüpft); seitdem keine "
            "fehlgeschlagenen Sicherungen mehr."),
        cs=("Zálohy serveru {server} opakovaně selhávají",
            "Záloha serveru {server} selhává několikrát měsíčně s chybou VSS. Najít systémovou příčinu.",
            "Údržba indexů přesunuta na 01:00 a okno zálohy na 22:00 (navázaná změna); od té doby žádné neúspěšné "
            "zálohy."),
        no=("Sikkerhetskopier av {server} feiler gjentatte ganger",
            "Sikkerhetskopien av {server} feiler flere ganger i måneden med en VSS-feil. Finne den underliggende "
            "årsaken.",
            "Flyttet indeksvedlikeholdet til 01:00 og backupvinduet til 22:00 (koblet endring); ingen feilede kopier "
            "siden."),
        en=("Backups of {server} keep failing",
            "The backup of {server} fails several times a month with a VSS error. Find the structural cause.",
            "Moved index maintenance to 01:00 and the backup window to 22:00 (linked change); no failed backups "
            "since."),
    ), {
        "nl": ("De VSS-writer van SQL Server loopt vast wanneer de back-up samenvalt met het nachtelijke "
               "indexonderhoud.", "Back-up na een mislukte run handmatig opnieuw starten."),
        "de": ("Der VSS-Writer des SQL Servers hängt, wenn die Sicherung mit der nächtlichen Indexwartung "
               "zusammenfällt.", "Nach einem Fehlschlag die Sicherung manuell neu starten."),
        "cs": ("VSS writer SQL Serveru se zasekne, když se záloha kryje s noční údržbou indexů.",
               "Po selhání zálohu ručně spustit znovu."),
        "no": ("VSS-writeren til SQL Server henger når sikkerhetskopien overlapper med det nattlige "
               "indeksvedlikeholdet.", "Start sikkerhetskopien manuelt på nytt etter en feilet kjøring."),
        "en": ("The SQL Server VSS writer hangs when the backup overlaps the nightly index maintenance.",
               "Re-run the backup by hand after a failed run."),
    }, T(
        nl=("Back-up- en onderhoudsvensters van {server} scheiden",
            "Indexonderhoud van SQL Server naar 01:00 en het back-upvenster naar 22:00 verplaatsen.",
            "Onderhoudsplan en back-upschema aangepast; eerste drie nachten gecontroleerd, alles geslaagd."),
        de=("Sicherungs- und Wartungsfenster von {server} trennen",
            "Indexwartung des SQL Servers auf 01:00 und das Sicherungsfenster auf 22:00 verlegen.",
            "Wartungsplan und Sicherungszeitplan angepasst; die ersten drei Nächte geprüft, alles erfolgreich."),
        cs=("Oddělení oken zálohy a údržby na {server}",
            "Přesunout údržbu indexů SQL Serveru na 01:00 a okno zálohy na 22:00.",
            "Plán údržby a rozvrh záloh upraveny; první tři noci zkontrolovány, vše úspěšné."),
        no=("Skille backup- og vedlikeholdsvinduene på {server}",
            "Flytte indeksvedlikeholdet i SQL Server til 01:00 og backupvinduet til 22:00.",
            "Vedlikeholdsplan og backupplan endret; de tre første nettene kontrollert, alt vellykket."),
        en=("Separate the backup and maintenance windows of {server}",
            "Move SQL Server index maintenance to 01:00 and the backup window to 22:00.",
            "Changed the maintenance plan and backup schedule; checked the first three nights, all successful."),
    ), {"nl": "Oude schema's terugzetten (5 minuten).", "de": "Alte Zeitpläne wiederherstellen (5 Minuten).",
        "cs": "Obnovit původní rozvrhy (5 minut).", "no": "Sett tilbake de gamle planene (5 minutter).",
        "en": "Restore the old schedules (5 minutes)."}),
}

VENDORS = ("Exact", "Visma", "Datev", "Axians", "Siemens", "Bizerba")
SITES_SHAREPOINT = ("Projects", "QHSE", "Sales", "Management", "Planning")
