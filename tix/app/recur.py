"""Recurring work: `tix recur run` creates every occurrence that is due,
exactly once per desk.

Once per clone: an occurrence's name (rule/org/nominal date) is looked up in
the clone's key map before it is created, under the key lock, so a second or
a concurrent run creates nothing. Once per desk: two clones that both created
it before they synced hold two tickets for one occurrence; the next run (on
any clone) merges the later one into the first (the earliest created, then
the smallest ID: every clone picks the same one), keeping the ticks and the
work of both; `tix sync` does the same right after it pulls (`merge_pulled`),
so the duplicate is merged before the push."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tix.core.ids import IdSource
    from tix.core.policy import Policy
    from tix.core.recurrence import Occurrence
    from tix.storage.store import Store


def due(policy: Policy, now: datetime) -> list[Occurrence]:
    from tix.core.recurrence import business_day_test, occurrences

    business = business_day_test(policy)
    out: list[Occurrence] = []
    for rule in policy.recurring:
        out += occurrences(rule, policy.tz, business, now)
    return out


def coming(policy: Policy, now: datetime, days: int) -> list[Occurrence]:
    from tix.core.recurrence import business_day_test, occurrences

    business = business_day_test(policy)
    out: list[Occurrence] = []
    for rule in policy.recurring:
        out += occurrences(rule, policy.tz, business, now + timedelta(days=days), since=now)
    out.sort(key=lambda o: (o.at, o.rule.name, o.org or ""))
    return out


def header_for(policy: Policy, occ: Occurrence) -> dict[str, Any]:
    r = occ.rule
    return {
        "title": occ.title(), "org": occ.org, "channel": "other", "category": r.category,
        "change_kind": r.change_kind if r.category == "change" else None,
        "impact": r.impact or policy.default_impact, "urgency": r.urgency or policy.default_urgency,
        "team": r.team or policy.default_team, "estimate": r.estimate, "description": r.description,
        "recurring": r.name, "occurrence": occ.name, "checklist": list(r.checklist) or None,
        "tags": ["recurring"],
    }


def run(store: Store, policy: Policy, now: datetime, user: str, *, new_id: IdSource,
        dry_run: bool = False) -> list[dict[str, Any]]:
    """Create each due occurrence not yet on the desk; merge duplicates from
    other clones. Returns one row per occurrence created or merged."""
    from tix.core import events
    from tix.storage.keys import KeyMap, locked

    out: list[dict[str, Any]] = []
    with locked(store):
        km = KeyMap(store)
        for occ in due(policy, now):
            ids = km.occurrence(occ.name)
            if ids:
                if len(ids) > 1 and not dry_run:
                    out += merge_duplicates(store, km, occ.name, ids, now, user, new_id)
                continue
            row = {"occurrence": occ.name, "at": occ.at.isoformat(), "action": "created", "ticket": None,
                   "title": occ.title(), "org": occ.org}
            if not dry_run:
                first = [events.make(new_id, "opened", user, occ.at)]
                if occ.rule.assignee:
                    first.append(events.make(new_id, "assigned", user, occ.at, to=occ.rule.assignee))
                tid = store.create(header_for(policy, occ), first, user)
                km.put(store.ticket(tid))
                row["ticket"] = tid
            else:
                row["action"] = "would create"
            out.append(row)
    return out


BROUGHT_MAX = 500  # pulled ticket files read to see whether any is an occurrence (more: the key map decides)


def merge_pulled(store: Store, now: datetime, user: str, new_id: IdSource,
                 brought: list[str] | None = None) -> list[dict[str, Any]]:
    """After `tix sync` pulled: merge every occurrence that two clones both
    made (as the next `recur run` would), so the pushed desk holds one ticket
    per occurrence. Reads only the key map (rebuilt after the fetch from the
    index's derived values) and the tickets of occurrences with two or more.
    `brought`: the desk files the pull brought; a duplicate needs one of them
    to be an occurrence, so when none is (a fresh clone's first sync) the key
    map is not rebuilt at all."""
    from tix.core.errors import TixError
    from tix.storage.keys import KeyMap, locked

    if brought is not None and len(brought) <= BROUGHT_MAX:
        mine = [r for r in brought if r.startswith("tickets/") and r.endswith(".yaml")]
        occurrences = False
        for rel in mine:
            try:
                occurrences = bool(store.load_rel(rel).fields.get("occurrence"))
            except TixError:
                continue  # gone, or broken: fsck's
            if occurrences:
                break
        if not occurrences:
            return []

    out: list[dict[str, Any]] = []
    with locked(store):
        km = KeyMap(store)
        for name, ids in sorted(km.load()["occ"].items()):
            if len(ids) > 1:
                out += merge_duplicates(store, km, name, ids, now, user, new_id)
    return out


def merge_duplicates(store: Store, km: Any, name: str, ids: list[str], now: datetime, user: str,
                     new_id: IdSource) -> list[dict[str, Any]]:
    """Two clones made the same occurrence before they synced: merge every
    later ticket into the first, bringing its checklist ticks along."""
    from tix.core import events
    from tix.core.checklist import checklist
    from tix.core.errors import TixError

    tickets = []
    for tid in ids:
        try:
            tickets.append(store.ticket(tid))
        except TixError:
            continue  # a ticket that cannot be read is left to fsck
    live = [t for t in tickets if not t.merged_into]
    if len(live) < 2:
        return []
    live.sort(key=lambda t: (t.created, t.id))
    keep, rows = live[0], []
    for dup in live[1:]:
        note = f"Duplicate {dup.id} of the recurring occurrence {name} (made on another clone before it synced)"
        kept = checklist(keep)
        ticks = []
        for n, (mine, theirs) in enumerate(zip(kept, checklist(dup), strict=False), 1):
            if theirs["done"] and not mine["done"]:
                ticks.append(events.make(new_id, "checked", theirs["by"] or user, now, item=n))
        store.append(dup.id, [events.make(new_id, "merged", user, now, into=keep.id),
                              events.make(new_id, "linked", user, now, link="duplicate-of", other=keep.id),
                              events.make(new_id, "closed", user, now, note=f"duplicate, merged into {keep.id}")])
        store.append(keep.id, [events.make(new_id, "absorbed", user, now, **{"from": dup.id}),
                               events.make(new_id, "linked", user, now, link="duplicated-by", other=dup.id),
                               events.make(new_id, "commented", user, now, text=note, internal=True), *ticks])
        rows.append({"occurrence": name, "at": keep.created.isoformat(), "action": "merged", "ticket": dup.id,
                     "into": keep.id, "title": dup.title, "org": dup.org})
    km.put(store.ticket(keep.id))
    return rows
