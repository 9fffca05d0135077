"""The Message-IDs and keys a mail import looks up come from the derived
values beside the index (`index.derived.ids`, per group of up to 100 ticket
files), never from decoding every ticket: a warm import decodes no ticket, a
changed file costs its group only, and edits behind tix's back, a lost or
damaged cache and a fetch from another clone are all seen."""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk
from tests.test_alerts import ALERTS, shop_policy, variant
from tests.test_mail_import import events, mail, tickets, write


def many_mails(tmp: Path, n: int) -> Path:
    md = tmp / "Maildir"
    box = mailbox.Maildir(str(md))
    for i in range(n):
        box.add(mail(frm=f"user{i}@contoso.com", subject=f"Printer {i} offline", mid=f"<m{i}@contoso.com>"))
    box.close()
    return md


def owner(desk: Desk, mid: str) -> str:
    """The ticket whose file holds this Message-ID (the Maildir's order is its own)."""
    [p] = [p for p in desk.root.glob("tickets/*/*/*.yaml") if f'"message_id": "{mid}"' in p.read_text("utf-8")]
    return p.stem


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ticket the index decodes (for a fold or a query), by path."""
    import tix.storage.derived as derived
    import tix.storage.index as index

    seen: list[str] = []
    real = index._decode

    def counting(idx: Any, rel: str, e: Any) -> Any:
        seen.append(rel)
        return real(idx, rel, e)

    monkeypatch.setattr(index, "_decode", counting)
    monkeypatch.setattr(derived, "_decode", counting)
    monkeypatch.setattr(index, "RACY_NS", 0)  # files written just now count as settled (see test_derived)
    return seen


def test_a_warm_import_decodes_no_ticket_and_a_change_costs_its_group_only(desk: Desk, tmp_path: Path,
                                                                           counted: list[str]) -> None:
    desk.ok("mail", "import", str(many_mails(tmp_path, 130)))
    assert len(tickets(desk)) == 130  # AB-0001..AB-0130: two groups of files (AB-00xx, AB-01xx)
    dup = write(tmp_path, "dup.eml", mail(frm="user7@contoso.com", mid="<m7@contoso.com>"))
    seven = owner(desk, "m7@contoso.com")
    assert f"duplicate: already imported ({seven})" in desk.ok("mail", "import", str(dup))
    counted.clear()
    assert f"duplicate: already imported ({seven})" in desk.ok("mail", "import", str(dup))
    assert counted == []  # warm: the Message-IDs come from the derived values, no ticket is decoded
    # a reply that threads by References: found through the map, and written
    target = next(f"m{i}@contoso.com" for i in range(130) if owner(desk, f"m{i}@contoso.com") >= "AB-0100")
    tid = owner(desk, target)
    reply = write(tmp_path, "reply.eml", mail(frm=f"{target.split('@')[0].replace('m', 'user')}@contoso.com",
                                              subject="Re: Printer offline", mid="<r1@contoso.com>",
                                              In_Reply_To=f"<{target}>"))
    assert desk.ok("mail", "import", str(reply)).startswith(f"{tid}: reply from the requester")
    counted.clear()
    assert f"duplicate: already imported ({tid})" in desk.ok("mail", "import", str(reply))
    assert counted and all("/AB-01" in rel for rel in counted), counted  # only the changed file's group
    assert len(counted) == 31  # AB-0100..AB-0130


def test_edits_behind_tix_back_and_a_lost_or_damaged_cache(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(many_mails(tmp_path, 5)))
    desk.ok("mail", "import", str(write(tmp_path, "warm.eml", mail(mid="<m0@contoso.com>"))))  # warm
    # a Message-ID that arrives in a ticket file by hand (another clone's import, pulled with plain git)
    path = next(desk.root.glob("tickets/*/*/AB-0003.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"type": "opened"', '"type": "opened", "message_id": "elsewhere@x"', 1)
                    if '"message_id"' not in text else
                    text.rstrip("\n") + '\n- {"id": "01KZZZZZZZZZZZZZZZZZZZZZZZ", "at": "2026-11-23T10:00:00+01:00", '
                    '"by": "piet@contoso.com", "type": "commented", "text": "hand", "message_id": "elsewhere@x"}\n',
                    encoding="utf-8")
    other = write(tmp_path, "other.eml", mail(frm="piet@contoso.com", mid="<elsewhere@x>"))
    assert "duplicate: already imported (AB-0003)" in desk.ok("mail", "import", str(other))
    state = next(p for p in (desk.root / ".git" / "tix", desk.root / ".tix") if p.is_dir())
    ids = state / "index.derived.ids"
    assert ids.is_file()
    ids.write_bytes(b"\0" * 40 + ids.read_bytes()[40:])  # damaged: folded again, same answer
    assert "duplicate: already imported (AB-0003)" in desk.ok("mail", "import", str(other))
    ids.unlink()
    assert "duplicate: already imported (AB-0003)" in desk.ok("mail", "import", str(other))
    assert tickets(desk) == [f"AB-000{i}" for i in range(1, 6)]
    assert [e["type"] for e in events(desk, "AB-0001")] == ["opened"]


def test_an_alert_key_is_found_without_decoding_the_desk_after_the_key_map_is_lost(
        tmp_path: Path, counted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    shop = make_desk(tmp_path / "desk", policy=shop_policy())
    shop.now = "2026-11-23T23:00:00+01:00"
    shop.ok("mail", "import", str(many_mails(tmp_path, 130)))
    first = shop.ok("mail", "import", str(ALERTS / "nagios-problem.eml"))
    tid = first.split(":")[0]
    import tix.storage.index as index

    def no_load_all(*args: object, **kw: object) -> list[object]:
        raise AssertionError("the whole desk was loaded")

    monkeypatch.setattr(index, "load_all", no_load_all)
    for p in shop.root.rglob("keys.json"):
        p.unlink()  # as after a fetch: rebuilt from the derived values
    counted.clear()
    again = shop.ok("mail", "import", str(variant("nagios-problem.eml", tmp_path, mid="again1",
                                                          date="2026-11-24T04:59:00+01:00")),
                    now="2026-11-24T05:00:00+01:00")
    assert again.startswith(f"{tid}: ") and "2nd time" in again
    # only the group of the alert ticket (AB-01xx: its file changed) was folded again, not AB-00xx
    assert tid == "AB-0131" and counted and all("/AB-01" in rel for rel in counted), counted


def test_a_new_ticket_beside_closed_ones_reads_them_from_their_files_not_the_whole_cold_part(
        desk: Desk, tmp_path: Path, counted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    desk.ok("mail", "import", str(many_mails(tmp_path, 12)))
    for tid in tickets(desk)[:10]:
        desk.ok("resolve", tid, "-s", "done")
        desk.ok("close", tid)
    desk.ok("list")  # the index: the closed tickets' rows packed in its cold part
    dup = write(tmp_path, "dup.eml", mail(frm="user3@contoso.com", mid="<m3@contoso.com>"))
    closed = owner(desk, "m3@contoso.com")
    assert f"duplicate: already imported ({closed})" in desk.ok("mail", "import", str(dup))
    import tix.storage.index as index

    unpacked: list[int] = []
    real_full = index.Index.full

    def full(self: index.Index) -> bool:
        unpacked.append(1)
        return real_full(self)

    monkeypatch.setattr(index.Index, "full", full)
    desk.ok("mail", "import", str(write(tmp_path, "new.eml", mail(frm="x@contoso.com", mid="<new1@contoso.com>"))))
    counted.clear()
    # the group of the new ticket changed: its closed members come from their files, the cold part stays packed
    assert f"duplicate: already imported ({closed})" in desk.ok("mail", "import", str(dup))
    assert unpacked == [] and len(counted) == 3  # the two open ones and the new one, decoded from the index
    state = next(p for p in (desk.root / ".git" / "tix", desk.root / ".tix") if p.is_dir())
    (state / "index.derived.ids").unlink()  # and the same answer when every group is folded from the index
    assert f"duplicate: already imported ({closed})" in desk.ok("mail", "import", str(dup))
