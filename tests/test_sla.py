"""SLA clocks, computed by hand (tix.core.sla; rules in docs/sla.md).

Policy: the default (Europe/Amsterdam, Mon-Fri 08:00-17:30 = 570 min a day,
holidays 01-01, 12-25, 12-26 plus NL public holidays) with seed 001's
priorities:
    urgent (8x8)  response 0     resolve 1h (60)    escalate 30m   24x7
    high   (4x4)  response 2h    resolve 4h (240)   escalate 3h (180)
    normal (1x2)  response 8h    resolve 12h (720)  escalate 10h (600)
warn: at-risk at 80 % used or less than 30 min left.

Dates in 2026: Jan 1 is a Thursday, so Tue 6, Thu 8, Fri 9, Sat 10, Mon 12,
Tue 13 Jan. DST: Sun 03-29 02:00 CET -> 03:00 CEST; Sun 10-25 03:00 CEST ->
02:00 CET. Christmas Fri 12-25, Sat 12-26; King's Day Mon 04-27 (NL).
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tix.core import sla
from tix.core.policy import DEFAULT_POLICY, parse_policy
from tix.core.ticket import Ticket, replay

AMS = ZoneInfo("Europe/Amsterdam")
UTC = UTC
TEXT = DEFAULT_POLICY.replace("{user}", "anna")
POLICY = parse_policy(TEXT)
LUNCH = parse_policy(TEXT.replace('["08:00-17:30"]', '["08:00-12:00", "13:00-17:00"]'))
# a business-hours priority with a 0-minute response target
ZERO = parse_policy(TEXT.replace("{name: high, min_score: 16, response: 2h,", "{name: high, min_score: 16, response: 0m,"))
POLICIES = {"std": POLICY, "lunch": LUNCH, "zero": ZERO}

NORMAL = (1, 2)
HIGH = (4, 4)
URGENT = (8, 8)

_ids = itertools.count()


# ---------------------------------------------------------------- builders

def t(text: str) -> datetime:
    """'2026-01-12 10:00' (Amsterdam wall time) or a full ISO string with offset."""
    if "+" in text[10:] or text.endswith("Z"):
        return datetime.fromisoformat(text)
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def ev(etype: str, when: str, by: str = "anna", **fields: Any) -> dict[str, Any]:
    return {"id": f"E{next(_ids):05d}", "at": t(when).isoformat(), "by": by, "type": etype, **fields}


def status(when: str, s: str) -> dict[str, Any]:
    return ev("status", when, status=s)


def waiting(when: str) -> dict[str, Any]:
    return status(when, "waiting")


def open_(when: str) -> dict[str, Any]:
    return status(when, "open")


def take(when: str) -> dict[str, Any]:
    return ev("taken", when)


def reply(when: str, by: str = "anna", internal: bool = False) -> dict[str, Any]:
    return ev("commented", when, by=by, text="...", **({"internal": True} if internal else {}))


def resolve(when: str) -> dict[str, Any]:
    return ev("resolved", when, solution="fixed")


def close(when: str) -> dict[str, Any]:
    return ev("closed", when)


def reopen(when: str) -> dict[str, Any]:
    return ev("reopened", when)


def rerate(when: str, impact: int, urgency: int) -> dict[str, Any]:
    return ev("set", when, fields={"impact": impact, "urgency": urgency})


def escalated(when: str, to: str, frm: str, line: int, auto: bool = True) -> dict[str, Any]:
    return ev("escalated", when, by="cron", to_team=to, from_team=frm, line=line, **({"auto": True} if auto else {}))


def ticket(opened: str, *events: dict[str, Any], rating: tuple[int, int] = NORMAL, category: str = "incident",
           team: str | None = "servicedesk") -> Ticket:
    header: dict[str, Any] = {"id": "AB-0001", "title": "test", "impact": rating[0], "urgency": rating[1],
                              "category": category, "requester": {"name": "Jan de Vries", "email": "jan@contoso.com"}}
    if team is not None:
        header["team"] = team
    return replay(header, [ev("opened", opened), *events])


def utc(d: datetime | None) -> datetime | None:
    return d.astimezone(UTC) if d is not None else None


def check(clock: sla.Clock, exp: dict[str, Any], label: str) -> None:
    for key, want in exp.items():
        if key == "due":
            assert utc(clock.due) == utc(t(want) if want else None), f"{label}: due {clock.due}"
        elif key == "done":
            assert utc(clock.done_at) == utc(t(want) if want else None), f"{label}: done_at {clock.done_at}"
        elif key == "offset":  # the UTC offset of the due time (DST cases)
            assert clock.due is not None and clock.due.utcoffset() is not None
            assert clock.due.utcoffset().total_seconds() / 3600 == want, f"{label}: offset {clock.due}"
        elif key == "taken":
            assert clock.taken == pytest.approx(want, abs=1e-9), f"{label}: taken {clock.taken}"
        elif key == "remaining":
            assert clock.remaining == pytest.approx(want, abs=1e-9), f"{label}: remaining {clock.remaining}"
        else:
            assert getattr(clock, key) == want, f"{label}: {key} {getattr(clock, key)!r}"


# ---------------------------------------------------------------- the table
# (case, policy, ticket, now, {clock: {field: expected}}); each says how.

CASES = [
    ("inside hours", "std",
     # Tue 10:00-17:30 = 450 business min. response 480: 30 left -> Wed 08:30;
     # resolve 720: 270 left -> Wed 12:30; escalate 600: 150 left -> Wed 10:30.
     ticket("2026-01-06 10:00"), "2026-01-06 12:00",
     {"response": {"state": "running", "due": "2026-01-07 08:30", "taken": 120, "remaining": 360, "target": 480},
      "resolve": {"state": "running", "due": "2026-01-07 12:30", "taken": 120, "remaining": 600},
      "escalate": {"state": "running", "due": "2026-01-07 10:30", "taken": 120}}),

    ("late Friday into Monday", "std",
     # high, Fri 16:30: Fri 16:30-17:30 = 60, 60 left -> Mon 08:00+60 = 09:00.
     # Mon 08:45: taken 60 + 45 = 105 of 120 = 87.5 % >= 80 % -> at-risk.
     # resolve 240: 180 left Mon -> 11:00 (105/240, 135 left: running).
     ticket("2026-01-09 16:30", rating=HIGH), "2026-01-12 08:45",
     {"response": {"state": "at-risk", "due": "2026-01-12 09:00", "taken": 105, "remaining": 15},
      "resolve": {"state": "running", "due": "2026-01-12 11:00", "taken": 105, "remaining": 135},
      "escalate": {"state": "running", "due": "2026-01-12 10:00", "remaining": 75}}),

    ("opened at a weekend", "std",
     # Sat 10:00: the clock starts at the next opening, Mon 08:00; +2h = 10:00.
     ticket("2026-01-10 10:00", rating=HIGH), "2026-01-11 12:00",
     {"response": {"state": "running", "due": "2026-01-12 10:00", "taken": 0, "remaining": 120},
      "resolve": {"due": "2026-01-12 12:00"}, "escalate": {"due": "2026-01-12 11:00"}}),

    ("opened on a holiday", "std",
     # Fri 12-25 Christmas, Sat 12-26, Sun: counting starts Mon 12-28 08:00.
     # Mon 09:00: taken 60, 60 left (50 %, not < 30 left) -> running.
     ticket("2026-12-25 09:00", rating=HIGH), "2026-12-28 09:00",
     {"response": {"state": "running", "due": "2026-12-28 10:00", "taken": 60, "remaining": 60}}),

    ("opened on King's Day (NL country holiday)", "std",
     # Mon 04-27 is a public holiday in NL: counting starts Tue 08:00 -> 10:00.
     ticket("2026-04-27 10:00", rating=HIGH), "2026-04-27 18:00",
     {"response": {"state": "running", "due": "2026-04-28 10:00", "taken": 0}}),

    ("the day before a holiday", "std",
     # Thu 12-24 16:30-17:30 = 60; Fri 12-25, Sat, Sun closed; Mon 08:00+60 = 09:00.
     # Mon 08:30: taken 90, 30 left (75 %, and 30 is not less than 30) -> running.
     ticket("2026-12-24 16:30", rating=HIGH), "2026-12-28 08:30",
     {"response": {"state": "running", "due": "2026-12-28 09:00", "taken": 90, "remaining": 30},
      "resolve": {"due": "2026-12-28 11:00"}}),

    ("a lunch break", "lunch",
     # hours 08-12, 13-17. Mon 11:00: 11-12 = 60, lunch, 13:00+60 = 14:00.
     # resolve 240: 60 + 180 -> 16:00. At 13:30: taken 60 + 30 = 90.
     ticket("2026-01-12 11:00", rating=HIGH), "2026-01-12 13:30",
     {"response": {"state": "running", "due": "2026-01-12 14:00", "taken": 90, "remaining": 30},
      "resolve": {"due": "2026-01-12 16:00"}}),

    ("spring DST, business clock", "std",
     # Fri 03-27 16:30-17:30 = 60 (CET); Mon 03-30 08:00 CEST + 60 = 09:00+02:00 (07:00Z).
     ticket("2026-03-27 16:30", rating=HIGH), "2026-03-30 08:30",
     {"response": {"state": "running", "due": "2026-03-30T09:00:00+02:00", "offset": 2, "taken": 90},
      "resolve": {"due": "2026-03-30T11:00:00+02:00"}}),

    ("autumn DST, business clock", "std",
     # Fri 10-23 16:30-17:30 = 60 (CEST); Mon 10-26 08:00 CET + 60 = 09:00+01:00 (08:00Z).
     ticket("2026-10-23 16:30", rating=HIGH), "2026-10-25 12:00",
     {"response": {"state": "running", "due": "2026-10-26T09:00:00+01:00", "offset": 1, "taken": 60}}),

    ("spring DST, 24x7 clock", "std",
     # urgent, Sun 03-29 01:30+01:00 = 00:30Z. Now 03:10+02:00 = 01:10Z: 40 real
     # minutes (wall clock would say 100). response 0 -> due at creation, no
     # reply: breached by 40. resolve 60 -> 01:30Z = 03:30+02:00, 20 left (< 30)
     # -> at-risk. escalate 30 -> 01:00Z = 03:00+02:00, breached by 10.
     ticket("2026-03-29T01:30:00+01:00", rating=URGENT), "2026-03-29T03:10:00+02:00",
     {"response": {"state": "breached", "due": "2026-03-29T01:30:00+01:00", "taken": 40, "remaining": -40,
                   "target": 0},
      "resolve": {"state": "at-risk", "due": "2026-03-29T03:30:00+02:00", "taken": 40, "remaining": 20},
      "escalate": {"state": "breached", "due": "2026-03-29T03:00:00+02:00", "remaining": -10}}),

    ("autumn DST, 24x7 clock", "std",
     # urgent, Sun 10-25 02:30+02:00 (first 02:30) = 00:30Z. resolve +60 -> 01:30Z =
     # 02:30+01:00, the SECOND 02:30. Now 02:20+01:00 = 01:20Z: 50 taken, 10 left.
     # escalate +30 -> 01:00Z = 02:00+01:00: breached by 20.
     ticket("2026-10-25T02:30:00+02:00", rating=URGENT), "2026-10-25T02:20:00+01:00",
     {"resolve": {"state": "at-risk", "due": "2026-10-25T02:30:00+01:00", "offset": 1, "taken": 50,
                  "remaining": 10},
      "escalate": {"state": "breached", "due": "2026-10-25T02:00:00+01:00", "remaining": -20}}),

    ("0-minute target, 24x7, taken at once", "std",
     # urgent response 0 is due at creation; a take in the same second meets it.
     ticket("2026-01-12 10:00", take("2026-01-12 10:00"), rating=URGENT), "2026-01-12 10:20",
     {"response": {"state": "met", "due": "2026-01-12 10:00", "done": "2026-01-12 10:00", "taken": 0,
                   "remaining": 0}}),

    ("0-minute business target, opened Saturday, at the opening instant", "zero",
     # response 0m in business hours: due at the next opening, Mon 08:00. At
     # exactly 08:00 nothing has run: 0 left -> at-risk, not yet breached.
     ticket("2026-01-10 10:00", rating=HIGH), "2026-01-12 08:00",
     {"response": {"state": "at-risk", "due": "2026-01-12 08:00", "taken": 0, "remaining": 0}}),

    ("0-minute business target, one minute after opening", "zero",
     ticket("2026-01-10 10:00", rating=HIGH), "2026-01-12 08:01",
     {"response": {"state": "breached", "due": "2026-01-12 08:00", "taken": 1, "remaining": -1}}),

    ("target ending exactly at closing time", "std",
     # high, Mon 15:30 + 2h = 17:30 sharp: due Mon 17:30, NOT Tue 08:00. At 18:00
     # it is breached though no business minute has passed since: remaining 0.
     ticket("2026-01-12 15:30", rating=HIGH), "2026-01-12 18:00",
     {"response": {"state": "breached", "due": "2026-01-12 17:30", "taken": 120, "remaining": 0}}),

    ("met exactly at closing time", "std",
     # a take at the due instant itself meets the clock.
     ticket("2026-01-12 15:30", take("2026-01-12 17:30"), rating=HIGH), "2026-01-13 09:00",
     {"response": {"state": "met", "due": "2026-01-12 17:30", "done": "2026-01-12 17:30", "remaining": 0}}),

    ("pause spanning a night and a weekend", "std",
     # normal, Thu 01-08 10:00; waiting Thu 16:00 -> Mon 01-12 10:00. Before: Thu
     # 10-16 = 360. The pause hides Thu 90 + Fri 570 + Mon 120 business min.
     # response 480: 120 left from Mon 10:00 -> 12:00 (without the pause: Fri 10:00).
     # Mon 11:00: taken 360 + 60 = 420 (87.5 %) -> at-risk. resolve: 360 left ->
     # Mon 16:00. escalate: 240 left -> Mon 14:00.
     ticket("2026-01-08 10:00", waiting("2026-01-08 16:00"), open_("2026-01-12 10:00")), "2026-01-12 11:00",
     {"response": {"state": "at-risk", "due": "2026-01-12 12:00", "taken": 420, "remaining": 60},
      "resolve": {"state": "running", "due": "2026-01-12 16:00", "taken": 420},
      "escalate": {"due": "2026-01-12 14:00"}}),

    ("pause spanning a night", "std",
     # Tue 14:00, waiting 16:00 -> Wed 09:00. Before: 120; after 09:00: 360 left
     # -> Wed 15:00. Wed 10:00: taken 120 + 60 = 180.
     ticket("2026-01-13 14:00", waiting("2026-01-13 16:00"), open_("2026-01-14 09:00")), "2026-01-14 10:00",
     {"response": {"state": "running", "due": "2026-01-14 15:00", "taken": 180, "remaining": 300}}),

    ("still paused: due unknown", "std",
     # waiting since Mon 09:00: 60 taken, 420 left, no due until the customer answers.
     ticket("2026-01-12 08:00", waiting("2026-01-12 09:00")), "2026-01-13 12:00",
     {"response": {"state": "paused", "due": None, "taken": 60, "remaining": 420},
      "resolve": {"state": "paused", "due": None}, "escalate": {"state": "paused"}}),

    ("several pauses", "std",
     # Mon 08:00; waiting 09-10 and 11-13; now 14:00: run 08-09, 10-11, 13-14 = 180.
     # response: 300 left from 14:00: Mon 210, 90 left -> Tue 09:30.
     # resolve: 540 left: Mon 210, Tue 330 -> 13:30. escalate: 420: 210 + 210 -> Tue 11:30.
     ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), open_("2026-01-12 10:00"),
            waiting("2026-01-12 11:00"), open_("2026-01-12 13:00")), "2026-01-12 14:00",
     {"response": {"state": "running", "due": "2026-01-13 09:30", "taken": 180, "remaining": 300},
      "resolve": {"due": "2026-01-13 13:30"}, "escalate": {"due": "2026-01-13 11:30"}}),

    ("breached before a pause stays breached", "std",
     # high Mon 08:00, no reply; due 10:00; waiting from 10:30: taken 150.
     ticket("2026-01-12 08:00", waiting("2026-01-12 10:30"), rating=HIGH), "2026-01-13 12:00",
     {"response": {"state": "breached", "due": "2026-01-12 10:00", "taken": 150, "remaining": -30},
      "resolve": {"state": "paused", "due": None, "remaining": 90}}),

    ("reopen after a resolve", "std",
     # high Mon 08:00; take 08:30; resolved 10:00; reopened Tue 09:00; now 09:45.
     # response met at 08:30 (30 taken, 90 to spare). resolve: Mon 08-10 = 120 +
     # Tue 09:00-09:45 = 45 -> 165; resolved->reopened does not count; 120 left
     # at Tue 09:00 -> due 11:00. escalate 180: 60 left at 09:00 -> 10:00; 15 left -> at-risk.
     ticket("2026-01-12 08:00", take("2026-01-12 08:30"), resolve("2026-01-12 10:00"),
            reopen("2026-01-13 09:00"), rating=HIGH), "2026-01-13 09:45",
     {"response": {"state": "met", "done": "2026-01-12 08:30", "due": "2026-01-12 10:00", "taken": 30,
                   "remaining": 90},
      "resolve": {"state": "running", "due": "2026-01-13 11:00", "done": None, "taken": 165, "remaining": 75},
      "escalate": {"state": "at-risk", "due": "2026-01-13 10:00", "remaining": 15}}),

    ("reopened, then resolved again", "std",
     # as above, resolved again Tue 10:30: resolve 120 + 90 = 210 <= 240 -> met;
     # escalate was due Tue 10:00, unresolved then and never escalated -> breached.
     ticket("2026-01-12 08:00", take("2026-01-12 08:30"), resolve("2026-01-12 10:00"),
            reopen("2026-01-13 09:00"), resolve("2026-01-13 10:30"), rating=HIGH), "2026-01-14 12:00",
     {"resolve": {"state": "met", "done": "2026-01-13 10:30", "due": "2026-01-13 11:00", "taken": 210,
                  "remaining": 30},
      "escalate": {"state": "breached", "done": "2026-01-13 10:30", "due": "2026-01-13 10:00", "remaining": -30}}),

    ("re-rating mid-way", "std",
     # normal Mon 08:00; waiting 09-10; re-rated to high (4x4=16) at 11:00. High
     # targets from creation, pause kept: response 120 = 08-09 + 10-11 -> due 11:00,
     # breached at 11:30 by 30 (taken 150). resolve 240 -> 13:00, 90 left.
     # escalate 180 -> 12:00, 30 left, 83 % -> at-risk.
     ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), open_("2026-01-12 10:00"),
            rerate("2026-01-12 11:00", 4, 4)), "2026-01-12 11:30",
     {"response": {"state": "breached", "due": "2026-01-12 11:00", "taken": 150, "remaining": -30, "target": 120},
      "resolve": {"state": "running", "due": "2026-01-12 13:00", "remaining": 90},
      "escalate": {"state": "at-risk", "due": "2026-01-12 12:00", "remaining": 30}}),

    ("re-rated down", "std",
     # high Mon 08:00, re-rated to normal (1x2) at 09:00: normal targets from
     # creation: response 8h -> Mon 16:00; at 11:00 taken 180 -> running.
     ticket("2026-01-12 08:00", rerate("2026-01-12 09:00", 1, 2), rating=HIGH), "2026-01-12 11:00",
     {"response": {"state": "running", "due": "2026-01-12 16:00", "taken": 180, "target": 480}}),

    ("an internal note is no response", "std",
     # an internal note by an agent and a reply by the requester do not meet it.
     ticket("2026-01-12 08:00", reply("2026-01-12 09:00", internal=True),
            reply("2026-01-12 09:30", by="Jan de Vries")), "2026-01-12 10:00",
     {"response": {"state": "running", "done": None, "taken": 120, "remaining": 360}}),

    ("a public reply by an agent is", "std",
     ticket("2026-01-12 08:00", reply("2026-01-12 09:00", internal=True), reply("2026-01-12 10:30")),
     "2026-01-12 12:00",
     {"response": {"state": "met", "done": "2026-01-12 10:30", "taken": 150, "remaining": 330}}),

    ("a reply during a pause meets the clock; the pause still does not count", "std",
     # waiting 09:00-11:00, reply 10:00 inside it: taken stops at 60.
     ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), reply("2026-01-12 10:00"),
            open_("2026-01-12 11:00")), "2026-01-12 12:00",
     {"response": {"state": "met", "done": "2026-01-12 10:00", "taken": 60},
      "resolve": {"state": "running", "taken": 120}}),

    ("resolved without a reply: the solution is the response", "std",
     ticket("2026-01-12 08:00", resolve("2026-01-12 09:00")), "2026-01-13 09:00",
     {"response": {"state": "met", "done": "2026-01-12 09:00", "taken": 60},
      "resolve": {"state": "met", "done": "2026-01-12 09:00", "taken": 60, "remaining": 660},
      "escalate": {"state": "met", "done": "2026-01-12 09:00"}}),

    ("closed without a resolve", "std",
     # high Mon 08:00, closed Tue 09:00: resolve stopped at 570 - 0 ... Mon 570 +
     # Tue 60 = 630 > 240 -> breached (due Mon 12:00), remaining -390.
     ticket("2026-01-12 08:00", close("2026-01-13 09:00"), rating=HIGH), "2026-01-14 09:00",
     {"resolve": {"state": "breached", "done": "2026-01-13 09:00", "due": "2026-01-12 12:00", "taken": 630,
                  "remaining": -390}}),

    ("resolved then closed: the resolve counts", "std",
     ticket("2026-01-12 08:00", resolve("2026-01-12 09:00"), close("2026-01-14 09:00")), "2026-01-15 09:00",
     {"resolve": {"state": "met", "done": "2026-01-12 09:00", "taken": 60}}),

    ("a problem has no SLA clocks", "std",
     ticket("2026-01-12 08:00", category="problem"), "2026-01-20 08:00",
     {"response": {"state": "none", "due": None, "target": None, "remaining": None},
      "resolve": {"state": "none"}, "escalate": {"state": "none"}}),

    ("a change has no SLA clocks", "std",
     ticket("2026-01-12 08:00", category="change"), "2026-01-20 08:00",
     {"resolve": {"state": "none"}}),

    ("a request has", "std",
     ticket("2026-01-12 08:00", category="request"), "2026-01-12 09:00",
     {"resolve": {"state": "running", "taken": 60}}),

    ("escalate target reached: at the due instant not yet breached", "std",
     # normal Mon 08:00: escalate 600 = Mon 570 + 30 -> Tue 08:30.
     ticket("2026-01-12 08:00"), "2026-01-13 08:30",
     {"escalate": {"state": "at-risk", "due": "2026-01-13 08:30", "remaining": 0}}),

    ("escalate target passed", "std",
     ticket("2026-01-12 08:00"), "2026-01-13 08:31",
     {"escalate": {"state": "breached", "due": "2026-01-13 08:30", "remaining": -1}}),

    ("escalated: the clock restarts for the next line", "std",
     # escalated Tue 08:31: 600 from there: Tue 08:31-17:30 = 539, 61 left -> Wed 09:01.
     # resolve is not restarted: 720 = Mon 570 + 150 -> Tue 10:30.
     ticket("2026-01-12 08:00", escalated("2026-01-13 08:31", "connectivity", "servicedesk", 2)),
     "2026-01-13 09:31",
     {"escalate": {"state": "running", "due": "2026-01-14 09:01", "taken": 60, "remaining": 540},
      "resolve": {"due": "2026-01-13 10:30"}}),

    ("at the last line there is nothing to escalate to", "std",
     ticket("2026-01-12 08:00", escalated("2026-01-13 08:31", "connectivity", "servicedesk", 2),
            escalated("2026-01-14 09:02", "security", "connectivity", 3)), "2026-01-20 09:00",
     {"escalate": {"state": "none", "due": None},
      "resolve": {"state": "breached"}}),
]


@pytest.mark.parametrize("case,pol,tk,now,expected", CASES, ids=[c[0] for c in CASES])
def test_clocks(case: str, pol: str, tk: Ticket, now: str, expected: dict[str, dict[str, Any]]) -> None:
    state = sla.compute(tk, POLICIES[pol], t(now))
    for name, exp in expected.items():
        check(getattr(state, name), exp, f"{case} / {name}")
    for c in state.clocks():
        if c.due is not None:
            assert c.due.tzinfo is not None
        if c.remaining is not None:
            assert c.remaining == pytest.approx(c.target - c.taken)


def test_priority_and_clock_kind() -> None:
    s = sla.compute(ticket("2026-01-12 08:00", rating=URGENT), POLICY, t("2026-01-12 08:00"))
    assert (s.priority, s.score, s.clock) == ("urgent", 64, "24x7")
    s = sla.compute(ticket("2026-01-12 08:00", rerate("2026-01-12 09:00", 4, 4)), POLICY, t("2026-01-12 10:00"))
    assert (s.priority, s.score, s.clock) == ("high", 16, "business")


def test_re_rating_to_a_24x7_priority_recomputes_in_real_time() -> None:
    # normal Fri 16:00, re-rated to urgent (8x8) Sat 10:00: 24x7 from creation:
    # resolve 60 real min -> Fri 17:00; breached by Sat 10:00 (taken 18 h = 1080).
    s = sla.compute(ticket("2026-01-09 16:00", rerate("2026-01-10 10:00", 8, 8)), POLICY, t("2026-01-10 10:00"))
    check(s.resolve, {"state": "breached", "due": "2026-01-09 17:00", "taken": 1080, "remaining": -1020}, "24x7")


def test_due_is_in_policy_timezone_and_json() -> None:
    tk = ticket("2026-01-12 08:00", take("2026-01-12 08:30"))
    s = sla.compute(tk, POLICY, t("2026-01-12T10:00:20+01:00").astimezone(UTC))
    assert s.resolve.due is not None and s.resolve.due.tzinfo == AMS
    j = s.to_json()
    assert set(j) == {"priority", "score", "clock", "response", "resolve", "escalate"}
    assert set(j["resolve"]) == {"due", "done_at", "state", "remaining_minutes", "taken_minutes", "target_minutes"}
    assert j["response"] == {"due": "2026-01-12T16:00:00+01:00", "done_at": "2026-01-12T08:30:00+01:00",
                             "state": "met", "remaining_minutes": 450, "taken_minutes": 30, "target_minutes": 480}
    # 120 min 20 s taken: taken rounds up (121), remaining down (720 - 121 = 599)
    assert j["resolve"]["taken_minutes"] == 121 and j["resolve"]["remaining_minutes"] == 599
    none = sla.compute(ticket("2026-01-12 08:00", category="problem"), POLICY, t("2026-01-12 09:00")).to_json()
    assert none["resolve"] == {"due": None, "done_at": None, "state": "none", "remaining_minutes": None,
                               "taken_minutes": 0, "target_minutes": None}


def test_breached_by_seconds_shows_minus_one() -> None:
    s = sla.compute(ticket("2026-01-12 08:00", rating=HIGH), POLICY, t("2026-01-12T10:00:10+01:00"))
    assert s.response.state == "breached"
    assert s.response.to_json()["remaining_minutes"] == -1


def test_now_before_creation_counts_nothing() -> None:
    s = sla.compute(ticket("2026-01-12 08:00"), POLICY, t("2026-01-11 08:00"))
    assert s.response.taken == 0 and s.response.state == "running"


def test_factor_outside_the_matrix_falls_back_to_the_lowest_priority() -> None:
    # a ticket rated under an older policy must not crash the overview
    policy = parse_policy(TEXT.replace("  - {name: low, min_score: 1,", "  - {name: low, min_score: 0,"))
    s = sla.compute(ticket("2026-01-12 08:00", rating=(0, 2)), policy, t("2026-01-12 09:00"))
    assert s.priority == "low"


# ---------------------------------------------------------------- most urgent

def test_most_urgent_prefers_a_live_breach() -> None:
    tk = ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), open_("2026-01-12 10:00"),
                rerate("2026-01-12 11:00", 4, 4))
    c = sla.compute(tk, POLICY, t("2026-01-12 11:30")).most_urgent()
    assert c is not None and c.name == "response" and c.state == "breached"


def test_most_urgent_at_risk_before_running() -> None:
    c = sla.compute(ticket("2026-01-09 16:30", rating=HIGH), POLICY, t("2026-01-12 08:45")).most_urgent()
    assert c is not None and (c.name, c.state) == ("response", "at-risk")


def test_most_urgent_running_due_soonest() -> None:
    # response due Wed 08:30, escalate Wed 10:30, resolve Wed 12:30
    c = sla.compute(ticket("2026-01-06 10:00"), POLICY, t("2026-01-06 12:00")).most_urgent()
    assert c is not None and c.name == "response"


def test_most_urgent_skips_a_breach_that_is_history_while_others_run() -> None:
    # response met late (take at 10:15, due 10:00); escalate (due 11:00, 45 left)
    # and resolve (due 12:00) still running: the live escalate clock comes first
    tk = ticket("2026-01-12 08:00", take("2026-01-12 10:15"), rating=HIGH)
    s = sla.compute(tk, POLICY, t("2026-01-12 10:15"))
    assert s.response.state == "breached" and not s.breached
    c = s.most_urgent()
    assert c is not None and (c.name, c.state) == ("escalate", "running")


def test_most_urgent_none_when_all_met() -> None:
    s = sla.compute(ticket("2026-01-12 08:00", resolve("2026-01-12 09:00")), POLICY, t("2026-01-13 09:00"))
    assert s.most_urgent() is None


def test_most_urgent_resolved_late_shows_the_breach() -> None:
    tk = ticket("2026-01-12 08:00", close("2026-01-13 09:00"), rating=HIGH)
    c = sla.compute(tk, POLICY, t("2026-01-14 09:00")).most_urgent()
    assert c is not None and c.state == "breached" and c.done_at is not None


def test_most_urgent_paused() -> None:
    s = sla.compute(ticket("2026-01-12 08:00", waiting("2026-01-12 09:00")), POLICY, t("2026-01-13 12:00"))
    c = s.most_urgent()
    assert c is not None and c.state == "paused"
    assert sla.compute(ticket("2026-01-12 08:00", category="problem"), POLICY,
                       t("2026-01-13 12:00")).most_urgent() is None


# ---------------------------------------------------------------- escalation

ESC = [
    ("not yet at the due instant", ticket("2026-01-12 08:00"), "2026-01-13 08:30", None),
    ("past due: to the 2nd line", ticket("2026-01-12 08:00"), "2026-01-13 08:31", "connectivity"),
    ("escalated: not due again", ticket("2026-01-12 08:00",
                                        escalated("2026-01-13 08:31", "connectivity", "servicedesk", 2)),
     "2026-01-14 09:01", None),
    ("2nd line clock ran out: to the 3rd", ticket("2026-01-12 08:00",
                                                  escalated("2026-01-13 08:31", "connectivity", "servicedesk", 2)),
     "2026-01-14 09:02", "security"),
    ("a manual escalation restarts the clock too",
     ticket("2026-01-12 08:00", escalated("2026-01-12 09:00", "connectivity", "servicedesk", 2, auto=False)),
     "2026-01-13 08:31", None),
    ("last line: never due", ticket("2026-01-12 08:00", team="security"), "2026-02-01 08:00", None),
    ("resolved: never due", ticket("2026-01-12 08:00", resolve("2026-01-14 08:00")), "2026-01-15 08:00", None),
    ("waiting, breached before the pause: still due",
     ticket("2026-01-12 08:00", waiting("2026-01-13 09:00")), "2026-01-13 10:00", "connectivity"),
    ("paused before the due time: not due",
     ticket("2026-01-12 08:00", waiting("2026-01-13 08:00")), "2026-01-14 10:00", None),
    ("a problem: never due", ticket("2026-01-12 08:00", category="problem"), "2026-02-01 08:00", None),
    ("no team: counts as the default team (servicedesk)", ticket("2026-01-12 08:00", team=None),
     "2026-01-13 08:31", "connectivity"),
    ("unknown team: goes to the 1st line", ticket("2026-01-12 08:00", team="helpdesk-old"),
     "2026-01-13 08:31", "servicedesk"),
]


@pytest.mark.parametrize("case,tk,now,expected", ESC, ids=[c[0] for c in ESC])
def test_escalation_due(case: str, tk: Ticket, now: str, expected: str | None) -> None:
    team = sla.escalation_due(tk, POLICY, t(now))
    assert (team.name if team else None) == expected, case


def test_next_line_team() -> None:
    assert sla.next_line_team(POLICY, "servicedesk").name == "connectivity"  # type: ignore[union-attr]
    assert sla.next_line_team(POLICY, "connectivity").name == "security"  # type: ignore[union-attr]
    assert sla.next_line_team(POLICY, "security") is None
    # lines need not be consecutive: 1 -> 3
    gap = parse_policy(TEXT.replace("connectivity: {line: 2,", "connectivity: {line: 3,")
                       .replace("security: {line: 3,", "security: {line: 5,"))
    assert sla.next_line_team(gap, "servicedesk").name == "connectivity"  # type: ignore[union-attr]


# ---------------------------------------------------------------- timeline

def _rows(tk: Ticket, now: str) -> list[tuple[str, str, list[str], dict[str, Any]]]:
    return [(r["at"].strftime("%a %d %H:%M"), r["what"], r["clocks"], r["taken"])
            for r in sla.timeline(tk, POLICY, t(now))]


def test_timeline_pause_across_a_weekend() -> None:
    tk = ticket("2026-01-08 10:00", waiting("2026-01-08 16:00"), open_("2026-01-12 10:00"))
    rows = _rows(tk, "2026-01-12 11:00")
    assert [(at, what) for at, what, _, _ in rows] == [
        ("Thu 08 10:00", "started"),
        ("Thu 08 16:00", "paused"),
        ("Mon 12 10:00", "resumed"),
        ("Mon 12 11:00", "now"),
        ("Mon 12 12:00", "due"),       # response
        ("Mon 12 14:00", "due"),       # escalate
        ("Mon 12 16:00", "due"),       # resolve
    ]
    # running totals: 360 before the pause, unchanged across it, 420 now
    assert rows[1][3] == {"response": 360, "resolve": 360, "escalate": 360}
    assert rows[2][3]["response"] == 360
    assert rows[3][3]["response"] == 420
    assert rows[4][2] == ["response"] and rows[4][3]["response"] == 480


def test_timeline_re_rating_and_breach() -> None:
    tk = ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), open_("2026-01-12 10:00"),
                rerate("2026-01-12 11:00", 4, 4))
    rows = sla.timeline(tk, POLICY, t("2026-01-12 11:30"))
    whats = [(r["at"].strftime("%H:%M"), r["what"]) for r in rows]
    assert whats == [("08:00", "started"), ("09:00", "paused"), ("10:00", "resumed"), ("11:00", "re-rated"),
                     ("11:00", "breached"), ("11:30", "now"), ("12:00", "due"), ("13:00", "due")]
    assert "high" in rows[3]["why"] and "from creation" in rows[3]["why"]
    assert "normal" in rows[0]["why"] and "current rating (high)" in rows[0]["why"]
    assert rows[4]["clocks"] == ["response"] and rows[4]["taken"]["response"] == 120
    assert "response breached by 30m" in rows[5]["why"]


def test_timeline_reopen_escalation_and_met() -> None:
    tk = ticket("2026-01-12 08:00", take("2026-01-12 08:30"), resolve("2026-01-12 10:00"),
                reopen("2026-01-13 09:00"),
                escalated("2026-01-13 10:05", "connectivity", "servicedesk", 2),
                resolve("2026-01-13 10:30"), rating=HIGH)
    rows = sla.timeline(tk, POLICY, t("2026-01-14 12:00"))
    whats = [(r["at"].strftime("%a %H:%M"), r["what"], tuple(r["clocks"])) for r in rows]
    assert ("Mon 08:30", "met", ("response",)) in whats
    assert ("Mon 10:00", "paused", ("resolve", "escalate")) in whats
    assert ("Tue 09:00", "resumed", ("resolve", "escalate")) in whats
    assert ("Tue 10:00", "escalation due", ("escalate",)) in whats
    assert ("Tue 10:05", "escalated", ("escalate",)) in whats
    assert ("Tue 10:30", "stopped", ("resolve", "escalate")) in whats
    stop = next(r for r in rows if r["what"] == "stopped")
    # resolve: Mon 08-10 (120) + Tue 09:00-10:30 (90); escalate restarted at 10:05: 25
    assert stop["taken"] == {"response": 30, "resolve": 210, "escalate": 25}
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)


def test_timeline_opened_outside_hours_says_when_counting_starts() -> None:
    rows = sla.timeline(ticket("2026-01-10 10:00", rating=HIGH), POLICY, t("2026-01-12 09:00"))
    assert "counting starts Mon 2026-01-12 08:00" in rows[0]["why"]


def test_timeline_no_clocks() -> None:
    rows = sla.timeline(ticket("2026-01-12 08:00", category="change"), POLICY, t("2026-01-12 09:00"))
    assert [r["what"] for r in rows] == ["no clocks", "now"]


# ---------------------------------------------------------------- edges

def test_status_log_touching_pauses_merge() -> None:
    # waiting straight into resolved then reopened: one pause 09:00 - Tue 09:00
    tk = ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), resolve("2026-01-12 10:00"),
                reopen("2026-01-13 09:00"))
    s = sla.compute(tk, POLICY, t("2026-01-13 10:00"))
    assert s.resolve.taken == 120  # Mon 08-09 + Tue 09-10
    assert s.resolve.state == "running"


def test_pause_exactly_at_due_is_breached_at_that_instant() -> None:
    # high Mon 08:00, waiting at 10:00 sharp (the due instant): the 2 h were used
    # up when the pause began, so it is breached by 0 (due 10:00).
    s = sla.compute(ticket("2026-01-12 08:00", waiting("2026-01-12 10:00"), rating=HIGH), POLICY,
                    t("2026-01-12 11:00"))
    check(s.response, {"state": "breached", "due": "2026-01-12 10:00", "taken": 120, "remaining": 0}, "edge")


def test_compute_is_pure() -> None:
    tk = ticket("2026-01-12 08:00", waiting("2026-01-12 09:00"), open_("2026-01-12 10:00"))
    a = sla.compute(tk, POLICY, t("2026-01-12 12:00"))
    b = sla.compute(tk, POLICY, t("2026-01-12 12:00"))
    assert a == b
    assert not math.isnan(a.resolve.taken)


def test_timeline_late_response_and_stop() -> None:
    # high Mon 08:00: response due 10:00, taken 10:15 -> breached at 10:00, met late
    # at 10:15; resolved 11:00: resolve (due 12:00) met with 1h to spare; escalate
    # (180 -> due 11:00) met at its due instant, 0 to spare.
    tk = ticket("2026-01-12 08:00", take("2026-01-12 10:15"), resolve("2026-01-12 11:00"), rating=HIGH)
    rows = [(r["at"].strftime("%H:%M"), r["what"], r["why"]) for r in sla.timeline(tk, POLICY, t("2026-01-12 12:00"))]
    assert [(a, w) for a, w, _ in rows] == [("08:00", "started"), ("10:00", "breached"), ("10:15", "met late"),
                                            ("11:00", "stopped"), ("12:00", "now")]
    assert rows[3][2] == "status resolved: resolve met; escalate met"
    assert rows[4][2] == "response breached by 15m; resolve met with 1h to spare; escalate met with 0m to spare"


def test_clocks_and_states_are_what_their_constructors_make() -> None:
    """compute builds Clock and SlaState in one update (`tix.core.frozen`):
    every field present, in declaration order, equal and hashed as the
    dataclass's own constructor makes them, and still frozen."""
    import dataclasses
    import pickle

    for tk, now in ((ticket("2026-01-12 08:00", take("2026-01-12 08:30")), "2026-01-12 10:00"),
                    (ticket("2026-01-12 08:00", category="problem"), "2026-01-12 09:00"),
                    (ticket("2026-01-09 16:00", resolve("2026-01-12 09:00")), "2026-01-13 09:00")):
        s = sla.compute(tk, POLICY, t(now))
        for obj in (s, *s.clocks()):
            cls = type(obj)
            made = cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})
            assert obj == made and hash(obj) == hash(made)
            assert list(vars(obj).items()) == list(vars(made).items())
            assert pickle.loads(pickle.dumps(obj)) == made
            with pytest.raises(dataclasses.FrozenInstanceError):
                obj.state = "x"  # type: ignore[misc,union-attr]
