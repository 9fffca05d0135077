"""Values for shell completion, read cheaply: ticket IDs from the index
cache's head (open tickets first) and the shard folders, never by building
or refreshing the index; teams, agents, organisations and rates from the
policy file as plain YAML (no validation)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

_ID = re.compile(r"([A-Z]{2,4})-?(\d*)$")
LIMIT = 200


def open_ids(root: Path, prefix: str = "") -> list[str]:
    """IDs of the open tickets as the index saw them at its last run (its
    `index.open` list; nothing before the first index build), matching `prefix`."""
    from tix.storage import places

    try:  # (not through the index or the store module: their imports cost more than the whole answer)
        text = (places.state_dir(root, places.find_git_dir(root)) / "index.open").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    return sorted((t for t in text.split() if t.startswith(prefix) and _ID.match(t)), key=_id_order)


def _id_order(tid: str) -> tuple[str, int]:
    p, _, n = tid.partition("-")
    return (p, int(n) if n.isdigit() else 0)


def all_ids(root: Path, prefix: str = "", limit: int = LIMIT) -> list[str]:
    """IDs from the file names, for a prefix with its letters (`SD-12`): only the
    shard folders that can hold a match are listed."""
    tickets = root / "tickets"
    m = _ID.match(prefix.upper())
    if not m:
        try:
            return sorted(f"{d.name}-" for d in os.scandir(tickets) if d.is_dir() and d.name.startswith(prefix))
        except OSError:
            return []
    letters, digits = m.groups()
    base = tickets / letters
    try:
        shards = sorted(d.name for d in os.scandir(base) if d.is_dir())
    except OSError:
        return []
    if digits:
        # a number whose decimal form starts with `digits` lies in shard n // 1000 for n in
        # [d, d+1) * 10^k; keep the shards of those ranges only
        wanted: set[str] = set()
        d = int(digits)
        top = (int(shards[-1]) + 1) * 1000 if shards and shards[-1].isdigit() else 0
        lo, hi = d, d + 1
        if digits.startswith("0"):  # zero-padded to four digits: below 10,000
            lo, hi, top = 0, 10_000, min(top, 10_000)
            wanted.update(f"{s:03d}" for s in range(10))
        while 0 < lo < top:
            wanted.update(f"{s:03d}" for s in range(lo // 1000, (hi - 1) // 1000 + 1))
            lo, hi = lo * 10, hi * 10
        shards = [s for s in shards if s in wanted]
    out: list[str] = []
    want = f"{letters}-{digits}"
    for s in shards:
        try:
            names = [f.name[:-5] for f in os.scandir(base / s) if f.name.endswith(".yaml")]
        except OSError:
            continue
        out += [n for n in names if n.startswith(want)]
        if len(out) > limit * 4:
            break
    return sorted(out, key=_id_order)[:limit]


def ticket_ids(root: Path, prefix: str = "") -> list[str]:
    """Open tickets first, then the others matching `prefix`."""
    first = open_ids(root, prefix.upper())
    seen = set(first)
    rest = [t for t in all_ids(root, prefix) if t not in seen] if prefix else []
    return first + rest


def policy_values(root: Path) -> dict[str, list[str]]:
    """teams, agents, orgs, rates from policies.yaml (empty where unreadable)."""
    from tix.core import yamlio

    out: dict[str, list[str]] = {"teams": [], "agents": [], "orgs": [], "rates": []}
    try:
        doc: Any = yamlio.load((root / "policies.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yamlio.YamlProblem):
        return out
    if not isinstance(doc, dict):
        return out
    teams = doc.get("teams")
    if isinstance(teams, dict):
        out["teams"] = [str(k) for k in teams]
        agents: list[str] = []
        for t in teams.values():
            members = t.get("members") if isinstance(t, dict) else None
            if isinstance(members, list):
                agents += [str(a) for a in members if str(a) not in agents]
        out["agents"] = agents
    orgs = doc.get("orgs")
    if isinstance(orgs, dict):
        out["orgs"] = [str(k) for k in orgs]
    billing = doc.get("billing")
    rates = billing.get("rates") if isinstance(billing, dict) else None
    if isinstance(rates, dict):
        out["rates"] = [str(k) for k in rates]
    return out
