"""Numbers are ASCII, and odd input is refused rather than stored mangled.

The attacks: Python's int(), Decimal() and the regex `\\d` take any Unicode
digit, so `tix work ID 1٥m` (Arabic-Indic five), `feedback ID ٥`,
`--impact ٤`, `report month ٢٠٢٦-١٠`, full-width `４５m` and mathematical
`𝟒` were accepted and written: a ticket no one can read back by eye, a
month nobody typed. Each parser of durations, dates, periods, scores and
factors now takes the digits 0-9 only: one line naming the value, exit 2,
nothing written. Also refused: an empty `--tag ''`, a requester like
`@SUM(1) <x@evil.com>` (which the mail-address parser turned into the name
"1" and the address "@SUM") or with control characters; negative values
of `--estimate`, `plan --for` and `notify --max-age` get the same one-line
error as `work`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk

ARABIC_5, FULL_4, MATH_4, SUPER_2 = "\u0665", "\uff14", "\U0001d7d2", "\u00b2"


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    d = make_desk(tmp_path / "desk")
    d.new("--title", "Printer jams", "--org", "contoso")
    d.new("--title", "Old one", "--org", "contoso")
    d.ok("resolve", "AB-0002", "--solution", "done")
    return d


BAD = [
    ["work", "AB-0001", f"1{ARABIC_5}m"],
    ["work", "AB-0001", f"{FULL_4}5m"],
    ["work", "AB-0001", f"{MATH_4}h"],
    ["work", "AB-0001", f"1h{SUPER_2}"],
    ["work", "AB-0001", "1h", "--at", f"today 0{FULL_4}:30"],
    ["feedback", "AB-0002", ARABIC_5],
    ["feedback", "AB-0002", FULL_4],
    ["new", "--title", "x", "--impact", "\u0664"],
    ["new", "--title", "x", "--urgency", MATH_4],
    ["new", "--title", "x", "--impact", "1_0"],
    ["new", "--title", "x", "--estimate", f"{ARABIC_5}h"],
    ["new", "--title", "x", "--due", "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0663\u0660"],
    ["set", "AB-0001", "--impact", FULL_4],
    ["set", "AB-0001", "--agreed-due", f"2026-12-0{ARABIC_5}"],
    ["plan", "AB-0001", f"2026-11-2{ARABIC_5}T10:00"],
    ["plan", "AB-0001", "2026-11-25T10:00", "--for", f"{FULL_4}h"],
    ["report", "month", "\u0662\u0660\u0662\u0666-\u0661\u0660"],
    ["report", "period", f"2026-Q{FULL_4}"],
    ["report", "period", "--since", f"2026-1{ARABIC_5}-01"],
    ["invoice", f"2026-1{MATH_4}"],
    ["list", "--limit", FULL_4],
    ["list", "--since", f"2026-11-0{ARABIC_5}"],
    ["agenda", "--since", f"2026-11-0{ARABIC_5}"],
    ["notify", "--dry-run", "--max-age", f"{ARABIC_5}d"],
]


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_non_ascii_digits_are_refused(desk: Desk, args: list[str]) -> None:
    before = desk.snapshot()
    r = desk.run(*args)
    assert r.code == 2, (args, r.code, r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tix: "), r.err
    assert "digits 0-9" in r.err, r.err
    assert "Traceback" not in r.err
    assert desk.snapshot() == before


def test_ascii_digits_still_work(desk: Desk) -> None:
    desk.ok("work", "AB-0001", "1h30m")
    desk.ok("feedback", "AB-0002", "5")
    desk.ok("set", "AB-0001", "--impact", "4", "--urgency", "8", "--estimate", "2h")
    desk.ok("plan", "AB-0001", "2026-11-25T10:00", "--for", "1h")
    desk.ok("report", "month", "2026-11")
    desk.ok("list", "--limit", "1")


def test_an_empty_tag_is_refused(desk: Desk) -> None:
    before = desk.snapshot()
    for args in (["new", "--title", "x", "--tag", ""], ["new", "--title", "x", "--tag", "  "],
                 ["set", "AB-0001", "--tag", ""], ["new", "--title", "x", "--tag", "a\x1b[2Jb"],
                 ["new", "--title", "x", "--tag", "a\nb"], ["list", "--tag", ""]):
        r = desk.run(*args)
        assert r.code == 2 and "--tag" in r.err and len(r.err.strip().splitlines()) == 1, (args, r.err)
    assert desk.snapshot() == before
    desk.ok("new", "--title", "x", "--tag", "vip")


@pytest.mark.parametrize("requester", ["@SUM(1) <x@evil.com>", "=1+1 <x@evil.com", "Jan <jan>", "x@@evil.com",
                                       "Jan\x1b]0;x\x07 <jan@contoso.com>", "Jan\u202e <jan@contoso.com>",
                                       "Jan <jan@contoso.com>\nBcc: x@evil.com", "jan@contoso",
                                       "Jan <a@b.com> <c@d.com>"])
def test_a_requester_that_would_be_mangled_is_refused(desk: Desk, requester: str) -> None:
    before = desk.snapshot()
    for args in (["new", "--title", "x", "--requester", requester], ["set", "AB-0001", "--requester", requester]):
        r = desk.run(*args)
        assert r.code == 2 and "--requester" in r.err and len(r.err.strip().splitlines()) == 1, (args, r.err)
    assert desk.snapshot() == before


def test_good_requesters_are_stored_as_typed(desk: Desk) -> None:
    import json

    for text, want in (("Jan de Vries <Jan@Contoso.com>", {"name": "Jan de Vries", "email": "jan@contoso.com"}),
                       ('"de Vries, Jan" <jan@contoso.com>', {"name": "de Vries, Jan", "email": "jan@contoso.com"}),
                       ("jan@contoso.com", {"email": "jan@contoso.com"}),
                       ("Øystein Ødegård (IT) <oystein@fabrikam.no>",
                        {"name": "Øystein Ødegård (IT)", "email": "oystein@fabrikam.no"}),
                       ("Jan de Vries", {"name": "Jan de Vries"})):
        tid = desk.new("--title", "x", "--requester", text)
        assert json.loads(desk.ok("show", tid, "--format", "json"))["requester"] == want


@pytest.mark.parametrize("args", [["work", "AB-0001", "--", "-30m"], ["work", "AB-0001", "--", "-30"],
                                  ["new", "--title", "x", "--estimate=-2h"], ["new", "--title", "x", "--estimate=-90"],
                                  ["set", "AB-0001", "--estimate=-1h"],
                                  ["plan", "AB-0001", "2026-11-25T10:00", "--for=-1h"],
                                  ["plan", "AB-0001", "2026-11-25T10:00", "--for=-60"],
                                  ["notify", "--dry-run", "--max-age=-1h"], ["notify", "--dry-run", "--max-age=-5"]])
def test_negative_durations_get_the_same_error(desk: Desk, args: list[str]) -> None:
    before = desk.snapshot()
    r = desk.run(*args)
    assert r.code == 2, (args, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("must be more than zero"), (args, r.err)
    assert desk.snapshot() == before
