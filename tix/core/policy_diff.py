"""What a change to policies.yaml means for money and mail, in one line per
setting: `policy_changes(old_text, new_text) -> [line]`. Pure (two texts in,
lines out), for `tix sync` to print after a pull, so that a rate, a
recipient address, a team member or an organisation's trusted domains
changed by another clone never goes unnoticed.

Watched: everything under `mail`, `billing`, `teams` and `contracts`, and
under `orgs` each organisation's rate, contract, domains, mail trust and
report address (the rest of an organisation, its name and language, is
not money and not mail). Every changed value is one line (a list is one
value); a setting, team, organisation or section that appears or
disappears is one line with all it holds. Values are shown on one line with
control and bidi characters made visible, never sent to the terminal."""

from __future__ import annotations

from typing import Any

WATCHED = ("billing", "contracts", "mail", "orgs", "teams")
ORG_KEYS = ("contract", "domains", "email", "mail_trust", "rate")
_MISSING = object()


def policy_changes(old_text: str | None, new_text: str, *, path: str = "policies.yaml") -> list[str]:
    """One human line per changed mail, billing, team, contract or
    organisation-billing setting, sorted by setting, like
    `policies.yaml: billing.rates.PROGP85 changed from 85.00 to 95.00`.
    A setting (or a whole team, organisation, section) that appears or
    disappears is one line too. `old_text` None: there was no policy before."""
    new = _load(new_text)
    if new is None:
        return [f"{path}: the new version cannot be read as YAML, so its mail, billing and team settings cannot "
                f"be compared: run `tix fsck`"]
    old = _load(old_text) if old_text is not None else {}
    out: list[str] = []
    for top in WATCHED:
        a, b = (old or {}).get(top, _MISSING), new.get(top, _MISSING)
        if top == "orgs" and isinstance(a, dict) and isinstance(b, dict):
            for org in sorted(set(a) | set(b), key=str):
                oa, ob = a.get(org, _MISSING), b.get(org, _MISSING)
                if isinstance(oa, dict) and isinstance(ob, dict):  # in both: only its money and mail settings
                    oa = {k: v for k, v in oa.items() if str(k) in ORG_KEYS}
                    ob = {k: v for k, v in ob.items() if str(k) in ORG_KEYS}
                _diff(f"orgs.{_key(org)}", oa, ob, out)
        else:
            _diff(top, a, b, out)
    return [f"{path}: {line}" for line in out]


def _load(text: str) -> dict[str, Any] | None:
    from tix.core import yamlio

    try:
        raw = yamlio.load(text)
    except (yamlio.YamlProblem, ValueError, RecursionError):
        return None
    if raw is None:
        return {}
    return raw if isinstance(raw, dict) else None


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=False))
    return bool(a == b)


def _diff(key: str, a: Any, b: Any, out: list[str]) -> None:
    if (a is _MISSING and b is _MISSING) or _same(a, b):
        return
    if a is _MISSING:
        out.append(f"{key} added: {_fmt(b)}")
    elif b is _MISSING:
        out.append(f"{key} removed (was {_fmt(a)})")
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            _diff(f"{key}.{_key(k)}", a.get(k, _MISSING), b.get(k, _MISSING), out)
    else:
        out.append(f"{key} changed from {_fmt(a)} to {_fmt(b)}")


def _key(k: Any) -> str:
    return _visible(str(k))


def _fmt(value: Any) -> str:
    """A YAML-like one-line rendering: strings bare unless they hold blanks
    or punctuation that would blur the line, lists [a, b], mappings {k: v}."""
    if isinstance(value, str):
        text = _visible(value)
        if not text or any(ch.isspace() or ch in ",:{}[]\"#" for ch in text):
            return '"' + text.replace('"', '\\"') + '"'
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_fmt(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) \
            + "}"
    return _visible(str(value))


def _visible(text: str) -> str:
    """Control, bidi and other invisible characters made visible (\\x1b, \\u202e):
    a pulled value must not reach the terminal as an escape sequence."""
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)
