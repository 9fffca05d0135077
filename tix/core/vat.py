"""Seller, buyer and VAT (pure): who sends the invoice, who receives it, and
which VAT category applies to each organisation.

`billing.seller` and the per-organisation keys `country`, `vat_id`,
`address`, `reference`, `vat`, `peppol`, `billing_email` and `ubl` of
policies.yaml are read here (the policy loader hands over the raw mappings).

The VAT category of an organisation is its `vat`, else it follows from the
countries:

* same country as the seller: `standard` (the seller's `billing.vat` rate);
* another EU country, with a VAT number: `reverse-charge` (0 %, the buyer
  accounts for the VAT; its VAT number is on the invoice);
* outside the EU: `export` (outside the scope of the seller's VAT, 0 %);
* another EU country without a VAT number (a consumer): `standard`.

`exempt` is only ever chosen by hand. Each category has its EN 16931 code
(S, AE, O, E), its exemption reason code and a legal note in the customer's
language, printed on every invoice form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tix.core.errors import PolicyError

if TYPE_CHECKING:
    from tix.core.policy import Policy

CATEGORIES = ("standard", "reverse-charge", "export", "exempt")
# The member states of the European Union (ISO 3166-1 alpha-2; Greece's VAT prefix is EL).
EU = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"))
EN16931_CODE = {"standard": "S", "reverse-charge": "AE", "export": "O", "exempt": "E"}
EXEMPTION_CODE = {"reverse-charge": "VATEX-EU-AE", "export": "VATEX-EU-O", "exempt": "VATEX-EU-132"}

LEGAL_NOTE = {
    "reverse-charge": {
        "en": "VAT reverse charge",
        "nl": "BTW verlegd",
        "de": "Steuerschuldnerschaft des Leistungsempfängers",
        "cs": "Daň odvede zákazník",
        "no": "Omvendt avgiftsplikt",
    },
    "export": {
        "en": "Not subject to VAT: place of supply outside the EU",
        "nl": "Niet belast met btw: plaats van dienst buiten de EU",
        "de": "Nicht steuerbar: Leistungsort außerhalb der EU",
        "cs": "Nepodléhá DPH: místo plnění mimo EU",
        "no": "Ikke avgiftspliktig: leveringssted utenfor EU",
    },
    "exempt": {
        "en": "Exempt from VAT",
        "nl": "Vrijgesteld van btw",
        "de": "Steuerfrei",
        "cs": "Osvobozeno od DPH",
        "no": "Fritatt for merverdiavgift",
    },
}


@dataclass(frozen=True)
class Seller:
    name: str
    address: tuple[str, ...]
    country: str
    vat_id: str | None
    coc: str | None  # chamber of commerce (legal registration) number
    iban: str | None
    bic: str | None
    payment_days: int
    email: str | None


@dataclass(frozen=True)
class Buyer:
    """An organisation's invoicing details (all optional in the policy)."""
    country: str | None = None
    vat_id: str | None = None
    address: tuple[str, ...] = ()
    reference: str | None = None  # the buyer's reference or purchase order number
    vat: str | None = None  # a category set by hand; None: derived from the countries
    peppol: str | None = None  # endpoint "scheme:id", e.g. 9944:nl123456789b01
    billing_email: str | None = None  # where invoices go (else the org's email)
    ubl: bool = False  # also mail the UBL e-invoice


@dataclass(frozen=True)
class VatTreatment:
    category: str  # one of CATEGORIES
    percent: Decimal  # 0 unless standard

    @property
    def code(self) -> str:
        return EN16931_CODE[self.category]

    def note(self, language: str) -> str:
        """The legal note for the invoice, in the customer's language ('' for standard)."""
        notes = LEGAL_NOTE.get(self.category)
        return notes.get(language, notes["en"]) if notes else ""


def category_for(seller_country: str | None, buyer: Buyer | None) -> str:
    """The organisation's VAT category: set by hand, else from the countries."""
    if buyer is not None and buyer.vat:
        return buyer.vat
    if buyer is None or not buyer.country or not seller_country or buyer.country == seller_country:
        return "standard"
    if buyer.country in EU:
        return "reverse-charge" if buyer.vat_id else "standard"
    return "export"


def treatment(policy: Policy, org: str | None) -> VatTreatment | None:
    """The VAT treatment of an organisation's invoice; None when the desk
    charges no VAT at all (no `billing.vat`)."""
    percent = policy.billing.vat_percent
    if percent is None:
        return None
    o = policy.orgs.get(org) if org else None
    seller = policy.billing.seller
    cat = category_for(seller.country if seller else None, o.buyer if o else None)
    return VatTreatment(cat, percent if cat == "standard" else Decimal("0"))


# ---------------------------------------------------------------- Peppol addresses

# Peppol's Electronic Address Scheme (EAS) for a VAT number as the endpoint, per
# country (the codes 99xx of the EAS code list that Peppol BIS Billing 3.0 accepts).
VAT_ENDPOINT_SCHEME = {
    "AD": "9922", "AL": "9923", "AT": "9914", "BA": "9924", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928",
    "CZ": "9929", "DE": "9930", "EE": "9931", "GB": "9932", "GR": "9933", "HR": "9934", "HU": "9910", "IE": "9935",
    "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942", "MT": "9943",
    "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948", "SI": "9949", "SK": "9950", "SM": "9951",
    "TR": "9952", "VA": "9953", "ES": "9920", "FR": "9957",
}


def endpoint(country: str | None, vat_id: str | None, peppol: str | None = None) -> tuple[str, str] | None:
    """A party's Peppol endpoint (scheme, id): `peppol` when set, else one that
    follows from its VAT number (Norway: the organisation number, scheme 0192);
    None when neither gives one."""
    if peppol:
        given, ident = peppol.split(":", 1)
        return given, ident
    if not vat_id:
        return None
    v = "".join(ch for ch in vat_id if ch.isalnum()).upper()
    prefix = v[:2]
    c = "GR" if prefix == "EL" else prefix if prefix.isalpha() else (country or "")
    if c == "NO":
        digits = "".join(ch for ch in v if ch.isdigit())
        return ("0192", digits) if len(digits) == 9 else None
    scheme = VAT_ENDPOINT_SCHEME.get(c)
    return (scheme, v.lower()) if scheme else None


@dataclass(frozen=True)
class PostalAddress:
    street: str | None
    additional: str | None
    zone: str | None  # the post code
    city: str | None


# The last address line as post code and city: "3011 WG Rotterdam", "70565 Stuttgart",
# "692 01 Mikulov", "5013 Bergen", "A-1010 Wien"; Britain and Ireland put the code last
# ("London N1 7GR").
_ZONE_FIRST = re.compile(r"^(?P<zone>(?:[A-Z]{1,2}-)?\d[\dA-Z]*(?:[ -]\d?[\dA-Z]{1,4})?)\s+(?P<city>\D.*)$")
_NL_ZONE = re.compile(r"^(?P<zone>\d{4}\s?[A-Z]{2})\s+(?P<city>.+)$")
_ZONE_LAST = re.compile(r"^(?P<city>.*?\D)\s+(?P<zone>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]\d{2}\s?[A-Z\d]{4})$")


def postal_address(lines: tuple[str, ...] | list[str], country: str | None) -> PostalAddress:
    """The policy's address lines ([street, ..., "post code city"]) split as an
    e-invoice wants them; a last line that is not "post code city" stays a line."""
    lines = [x.strip() for x in lines if x and x.strip()]
    if not lines:
        return PostalAddress(None, None, None, None)
    zone: str | None = None
    city: str | None = None
    if len(lines) > 1:
        last = lines[-1]
        pats = (_ZONE_LAST,) if country in ("GB", "IE") else (_NL_ZONE, _ZONE_FIRST) if country == "NL" \
            else (_ZONE_FIRST, _ZONE_LAST)
        for pat in pats:
            m = pat.match(last)
            if m:
                zone, city = m.group("zone").strip(), m.group("city").strip()
                lines = lines[:-1]
                break
    return PostalAddress(lines[0], ", ".join(lines[1:]) or None, zone, city)


# ---------------------------------------------------------------- policy keys

def _text(v: Any, where: str, path: str) -> str:
    if not isinstance(v, str | int) or isinstance(v, bool) or not str(v).strip():
        raise PolicyError(f"{where}: {v!r} must be text", path=path)
    return str(v).strip()


def _opt(d: dict[str, Any], key: str, where: str, path: str) -> str | None:
    return _text(d[key], f"{where}.{key}", path) if d.get(key) is not None else None


def _address(d: dict[str, Any], where: str, path: str) -> tuple[str, ...]:
    a = d.get("address")
    if a is None:
        return ()
    if isinstance(a, str):
        a = [a]
    if not isinstance(a, list):
        raise PolicyError(f"{where}.address: a list of lines like [Wijnhaven 3, 3011 WG Rotterdam]", path=path)
    return tuple(_text(x, f"{where}.address", path) for x in a)


def _country(d: dict[str, Any], where: str, path: str) -> str | None:
    c = d.get("country")
    if c is None:
        return None
    if c is False:
        raise PolicyError(f"{where}.country: false: write \"NO\" in quotes for Norway (YAML reads NO as false)",
                          path=path)
    if not isinstance(c, str) or len(c) != 2 or not c.isascii() or not c.isalpha():
        raise PolicyError(f"{where}.country: {c!r} is not a two-letter country code like NL", path=path)
    return c.upper()


SELLER_KEYS = {"name", "address", "country", "vat_id", "coc", "iban", "bic", "payment_days", "email"}
BUYER_KEYS = {"country", "vat_id", "address", "reference", "vat", "peppol", "billing_email", "ubl"}


def parse_seller(raw: Any, path: str) -> Seller | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise PolicyError("billing.seller: a mapping like {name: Kade IT B.V., country: NL, ...}", path=path)
    extra = sorted(str(k) for k in raw if k not in SELLER_KEYS)
    if extra:
        raise PolicyError(f"billing.seller.{extra[0]}: unknown key (allowed: {', '.join(sorted(SELLER_KEYS))})",
                          path=path)
    w = "billing.seller"
    if not raw.get("name"):
        raise PolicyError("billing.seller.name: the shop's legal name is needed", path=path)
    country = _country(raw, w, path)
    if country is None:
        raise PolicyError("billing.seller.country: the shop's country (two letters, like NL) is needed", path=path)
    days = raw.get("payment_days", 14)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
        raise PolicyError(f"billing.seller.payment_days: {days!r} is not a number of days (0-365)", path=path)
    return Seller(name=_text(raw["name"], f"{w}.name", path), address=_address(raw, w, path), country=country,
                  vat_id=_opt(raw, "vat_id", w, path), coc=_opt(raw, "coc", w, path),
                  iban=_opt(raw, "iban", w, path), bic=_opt(raw, "bic", w, path), payment_days=days,
                  email=_opt(raw, "email", w, path))


def parse_buyer(key: str, raw: dict[str, Any], path: str) -> Buyer | None:
    """The invoicing keys of `orgs.KEY` (None when it has none)."""
    if not any(k in raw for k in BUYER_KEYS):
        return None
    w = f"orgs.{key}"
    vat = raw.get("vat")
    if vat is not None and vat not in CATEGORIES:
        raise PolicyError(f"{w}.vat: {vat!r} is not one of {', '.join(CATEGORIES)}", path=path)
    peppol = _opt(raw, "peppol", w, path)
    if peppol is not None and (":" not in peppol or not all(peppol.split(":", 1))):
        raise PolicyError(f"{w}.peppol: {peppol!r} is not an endpoint like 9944:nl123456789b01 (scheme:id)",
                          path=path)
    ubl = raw.get("ubl", False)
    if not isinstance(ubl, bool):
        raise PolicyError(f"{w}.ubl: {ubl!r} is not true or false", path=path)
    return Buyer(country=_country(raw, w, path), vat_id=_opt(raw, "vat_id", w, path),
                 address=_address(raw, w, path), reference=_opt(raw, "reference", w, path), vat=vat,
                 peppol=peppol, billing_email=_opt(raw, "billing_email", w, path), ubl=ubl)


# ---------------------------------------------------------------- fsck

def check_numbers(policy: Policy) -> list[str]:
    """Problems with the VAT numbers (per country) and IBAN (checksum) of the
    policy, one line each, checked with python-stdnum."""
    out: list[str] = []
    s = policy.billing.seller
    if s is not None:
        if s.vat_id:
            out += _vat_problem("billing.seller.vat_id", s.vat_id, s.country)
        if s.iban:
            from stdnum import iban

            if not iban.is_valid(s.iban):
                out.append(f"billing.seller.iban: {s.iban!r} is not a valid IBAN (country, length or checksum)")
        if s.bic:
            from stdnum import bic

            if not bic.is_valid(s.bic):
                out.append(f"billing.seller.bic: {s.bic!r} is not a valid BIC")
    for key, o in policy.orgs.items():
        b = o.buyer
        if b is None:
            continue
        if b.vat_id:
            out += _vat_problem(f"orgs.{key}.vat_id", b.vat_id, b.country)
        cat = category_for(s.country if s else None, b)
        if cat == "reverse-charge" and not b.vat_id:
            out.append(f"orgs.{key}: VAT reverse charge needs the buyer's VAT number (vat_id)")
        if b.ubl and endpoint(b.country, b.vat_id, b.peppol) is None:
            out.append(f"orgs.{key}: its UBL e-invoice needs a Peppol endpoint: set peppol (scheme:id, e.g. "
                       "0106 and a KVK number) or a vat_id it follows from")
    return out


def _vat_problem(where: str, number: str, country: str | None) -> list[str]:
    from stdnum import vatin
    from stdnum.exceptions import ValidationError

    try:
        vatin.validate(number)
    except ValidationError as err:
        msg = str(getattr(err, "message", "") or err.__class__.__name__)
        return [f"{where}: {number!r} is not a valid VAT number ({msg})"]
    prefix = vatin.compact(number)[:2].upper()
    want = "EL" if country == "GR" else country
    if want and prefix != want and prefix.isalpha():
        return [f"{where}: {number!r} is a {prefix} VAT number, but the country is {country}"]
    return []
