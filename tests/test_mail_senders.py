"""Who may write into a ticket by mail.

The attack: a reply with `[tix AB-0001]` in the subject, or a guessed
`In-Reply-To`, from any address (a free-mail one included) became a public
requester reply, appeared in the customer's IT-manager report, set a
waiting ticket open, and a body "1/5" on a resolved ticket was recorded as
the customer's satisfaction score.

Now a reply counts as the requester's only from the requester, the
addresses on the ticket (the To and Cc of the mail that opened it, and
those added with `tix mail cc`) or, when the policy says
`orgs.X.mail_trust: domains`, the organisation's domains. Anything else is
an internal note flagged "from an unknown sender" that a technician can
accept (`tix mail accept ID EVENT`); it never changes the status and is
never feedback. Feedback comes only from the requester's own address.

Real mail files (bytes), the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk, policy_text

ORIGINAL = (b"From: Jan de Vries <jan@contoso.com>\r\n"
            b"To: Servicedesk <support@example.com>, Piet Bakker <Piet@Contoso.com>\r\n"
            b"Cc: facilities@contoso.com, Servicedesk <support@example.com>\r\n"
            b"Subject: Printer on floor 2 is offline\r\n"
            b"Message-ID: <orig-1@contoso.com>\r\n"
            b"Date: Mon, 23 Nov 2026 09:40:00 +0100\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            b"It shows error 50.4 since this morning.\r\n")


def reply(frm: str, body: str, mid: str, subject: str = "Re: [tix AB-0001] Printer on floor 2 is offline",
          in_reply_to: str | None = None) -> bytes:
    lines = [f"From: {frm}", "To: support@example.com", f"Subject: {subject}", f"Message-ID: <{mid}>",
             "Date: Mon, 23 Nov 2026 09:55:00 +0100"]
    if in_reply_to:
        lines.append(f"In-Reply-To: <{in_reply_to}>")
    lines += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode("utf-8")


def imp(desk: Desk, tmp: Path, data: bytes, name: str = "m.eml") -> str:
    f = tmp / name
    f.write_bytes(data)
    r = desk.run("mail", "import", str(f))
    assert r.code == 0, r.err
    return r.out


def events(desk: Desk, tid: str = "AB-0001") -> list[dict]:
    text = next(desk.root.glob(f"tickets/*/*/{tid}.yaml")).read_text(encoding="utf-8")
    return [json.loads(ln[2:]) for ln in text.split("\nevents:\n")[1].splitlines() if ln.startswith("- ")]


def show(desk: Desk, *args: str) -> dict:
    return json.loads(desk.ok("show", "AB-0001", "--format", "json", *args))


def report(desk: Desk) -> str:
    return desk.ok("report", "month", "2026-11", "--org", "contoso", "--format", "json")


@pytest.fixture
def opened(desk: Desk, tmp_path: Path) -> Desk:
    imp(desk, tmp_path, ORIGINAL, "orig.eml")
    return desk


# ---------------------------------------------------------------- the attack

@pytest.mark.parametrize("how", ["subject tag", "guessed In-Reply-To"])
def test_a_strangers_reply_is_an_internal_note_not_the_customers_word(opened: Desk, tmp_path: Path,
                                                                       how: str) -> None:
    desk = opened
    desk.ok("status", "AB-0001", "waiting", "-m", "asked for the model")
    lie = "MARKER-EVE-7731: I am Jan's manager. Close this and send the admin password to me."
    data = (reply("Eve <eve.attacker@gmail.com>", lie, "eve1@gmail.com") if how == "subject tag" else
            reply("eve.attacker@gmail.com", lie, "eve1@gmail.com", subject="Re: printer",
                  in_reply_to="orig-1@contoso.com"))
    out = imp(desk, tmp_path, data, "eve.eml")
    [ev] = [e for e in events(desk) if e.get("message_id") == "eve1@gmail.com"]
    assert ev["type"] == "commented" and ev["internal"] is True and ev["unknown_sender"] is True
    assert not ev.get("requester")
    assert ev["text"].startswith("From an unknown sender: eve.attacker@gmail.com is not the requester")
    assert f"tix mail accept AB-0001 {ev['id']}" in ev["text"] and lie in ev["text"]
    assert f"accept it with `tix mail accept AB-0001 {ev['id']}`" in out
    # nothing the customer sees: not in the report, not in show --public, no mail about it
    assert "MARKER-EVE" not in report(desk)
    assert "MARKER-EVE" not in desk.ok("show", "AB-0001", "--public")
    assert "MARKER-EVE" not in desk.ok("notify", "--dry-run", "--format", "json")
    # and the waiting ticket stays waiting (the SLA clock is the customer's, not Eve's)
    assert show(desk)["status"] == "waiting"
    assert show(desk)["sla"]["response"]["done_at"] is None


def test_a_stranger_scores_nothing_and_reopens_nothing(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    desk.ok("resolve", "AB-0001", "--solution", "New fuser")
    imp(desk, tmp_path, reply("eve@fabrikam-lookalike.example", "1/5\nWorst service ever", "eve2@x"), "e.eml")
    assert not [e for e in events(desk) if e["type"] in ("feedback", "reopened", "status")]
    assert show(desk)["status"] == "resolved"
    assert "Worst service" not in report(desk)


def test_only_the_requester_gives_feedback(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    desk.ok("resolve", "AB-0001", "--solution", "New fuser")
    # Piet was in To of the first mail: his reply is public, but his "1/5" is no score
    out = imp(desk, tmp_path, reply("piet@contoso.com", "1/5\nstill slow", "p1@x"), "p.eml")
    assert out.startswith("AB-0001: reply from piet@contoso.com (on the ticket)")
    last = events(desk)[-1]
    assert last["type"] == "commented" and last["requester"] is True and not last.get("internal")
    assert last["text"] == "1/5\nstill slow"
    assert not [e for e in events(desk) if e["type"] == "feedback"]
    # the requester's own score counts
    imp(desk, tmp_path, reply("Jan de Vries <JAN@contoso.com>", "4/5\nthanks", "j1@x"), "j.eml")
    [fb] = [e for e in events(desk) if e["type"] == "feedback"]
    assert (fb["score"], fb["by"]) == (4, "jan@contoso.com")


# ---------------------------------------------------------------- who is on the ticket

def test_to_and_cc_of_the_first_mail_are_on_the_ticket(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    [first] = events(desk)
    assert first["cc"] == ["piet@contoso.com", "facilities@contoso.com"]  # not the desk's own address
    assert desk.ok("mail", "cc", "AB-0001") == ("AB-0001: requester jan@contoso.com; cc: piet@contoso.com, "
                                                "facilities@contoso.com\n")
    desk.ok("status", "AB-0001", "waiting")
    out = imp(desk, tmp_path, reply("facilities@contoso.com", "MARKER-FAC: the printer is on the UPS", "f1@x"))
    assert "reply from facilities@contoso.com (on the ticket); waiting -> open" in out
    assert "MARKER-FAC" in report(desk) and show(desk)["status"] == "open"


def test_tix_mail_cc_adds_and_removes_addresses(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    imp(desk, tmp_path, reply("anna.it@contoso-partner.example", "first", "a1@x"), "a1.eml")
    assert events(desk)[-1]["internal"] is True
    assert desk.ok("mail", "cc", "AB-0001", "Anna <Anna.IT@contoso-partner.example>") == \
        "AB-0001: cc: piet@contoso.com, facilities@contoso.com, anna.it@contoso-partner.example\n"
    imp(desk, tmp_path, reply("anna.it@contoso-partner.example", "MARKER-ANNA second", "a2@x"), "a2.eml")
    assert events(desk)[-1]["requester"] is True and "MARKER-ANNA" in report(desk)
    desk.ok("mail", "cc", "AB-0001", "--remove", "piet@contoso.com")
    imp(desk, tmp_path, reply("piet@contoso.com", "after removal", "p2@x"), "p2.eml")
    assert events(desk)[-1].get("unknown_sender") is True
    # the changes are events of the ticket, shown in its history
    assert "set cc=" in desk.ok("show", "AB-0001")


@pytest.mark.parametrize("args, msg", [
    (("not-an-address",), "tix: ADDRESS 'not-an-address': not a mail address like jan@contoso.com"),
    (("a@b.example\r\nBcc: x@y.example",), "tix: ADDRESS 'a@b.example\\r\\nBcc: x@y.example': not a mail address"),
    (("--remove", "nobody@contoso.com"), "tix: --remove nobody@contoso.com: not on AB-0001"),
    (("piet@contoso.com",), "tix: tix mail cc: nothing to change (piet@contoso.com on AB-0001 already)"),
])
def test_bad_cc_input_is_one_line_exit_2(opened: Desk, args: tuple[str, ...], msg: str) -> None:
    before = opened.snapshot()
    r = opened.run("mail", "cc", "AB-0001", *args)
    assert r.code == 2 and r.err.startswith(msg) and r.err.count("\n") == 1, r.err
    assert opened.snapshot() == before


def test_the_requester_of_a_merged_duplicate_still_writes_in(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    dup = reply("Karin <karin@contoso.com>", "Same printer here", "k0@contoso.com", subject="Printer broken")
    imp(desk, tmp_path, dup, "dup.eml")
    desk.ok("merge", "AB-0002", "--into", "AB-0001")
    out = imp(desk, tmp_path, reply("karin@contoso.com", "MARKER-KARIN works again", "k1@x",
                                    subject="Re: [tix AB-0002] Printer broken"), "k1.eml")
    assert out.startswith("AB-0001: reply from karin@contoso.com (on the ticket)")
    assert "MARKER-KARIN" in report(desk)


# ---------------------------------------------------------------- accepting a stranger's mail

def test_a_technician_accepts_the_mail(opened: Desk, tmp_path: Path) -> None:
    desk = opened
    desk.ok("status", "AB-0001", "waiting")
    msg = (b"From: Jan (home) <jan.devries@gmail.com>\r\nTo: support@example.com\r\n"
           b"Subject: Re: [tix AB-0001] Printer\r\nMessage-ID: <home1@gmail.com>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
           b"MARKER-HOME: from my phone, the model is HP M404\r\n--B\r\nContent-Type: image/png\r\n"
           b"Content-Disposition: attachment; filename=label.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"iVBORw0KGgo=\r\n--B--\r\n")
    imp(desk, tmp_path, msg, "home.eml")
    note = events(desk)[-1]
    assert note["unknown_sender"] and note["attachments"] == ["attachments/AB-0001/label.png"]
    assert (desk.root / "attachments/AB-0001/label.png").is_file()
    assert not [e for e in events(desk) if e["type"] == "attached"]   # stored, not listed on the ticket
    assert "label.png" not in desk.ok("show", "AB-0001", "--public")
    r = desk.run("mail", "accept", "AB-0001", note["id"][-8:].lower(), "--cc")   # the end of the id will do
    assert r.code == 0, r.err
    assert r.out == ("AB-0001: the mail from jan.devries@gmail.com is now a reply from the requester; "
                     "jan.devries@gmail.com is on the ticket\n")
    evs = events(desk)
    acc = next(e for e in evs if e.get("accepts") == note["id"])
    assert acc["type"] == "commented" and acc["requester"] is True and not acc.get("internal")
    assert acc["text"] == "MARKER-HOME: from my phone, the model is HP M404" and acc["by"] == "jan.devries@gmail.com"
    assert [e["path"] for e in evs if e["type"] == "attached"] == ["attachments/AB-0001/label.png"]
    assert "attachments/AB-0001/label.png" in desk.ok("show", "AB-0001", "--public")
    assert show(desk)["status"] == "open" and "MARKER-HOME" in report(desk)
    assert "jan.devries@gmail.com" in desk.ok("mail", "cc", "AB-0001")
    # twice: refused; a note that is no stranger's mail: refused
    before = desk.snapshot()
    r = desk.run("mail", "accept", "AB-0001", note["id"])
    assert r.code == 2 and r.err.startswith(f"tix: the mail of event {note['id']} was accepted already")
    r = desk.run("mail", "accept", "AB-0001", evs[0]["id"])
    assert r.code == 2 and "is not mail from an unknown sender" in r.err
    r = desk.run("mail", "accept", "AB-0001", "ZZZZZZZZ")
    assert r.code == 2 and r.err == "tix: AB-0001 has no event 'ZZZZZZZZ'\n"
    r = desk.run("mail", "accept", "AB-0001", "01")
    assert r.code == 2 and "at least its first or last 6 characters" in r.err
    assert desk.snapshot() == before


# ---------------------------------------------------------------- the organisation's domains

def test_mail_trust_domains_lets_colleagues_write(tmp_path: Path) -> None:
    text = policy_text("anna").replace("rate: PROGP85, language: nl}", "rate: PROGP85, language: nl, "
                                                                       "mail_trust: domains}")
    desk = make_desk(tmp_path / "desk", policy=text)
    imp(desk, tmp_path, ORIGINAL, "orig.eml")
    desk.ok("resolve", "AB-0001", "--solution", "New fuser")
    out = imp(desk, tmp_path, reply("boss@it.contoso.com", "2/5\nMARKER-BOSS too slow", "b1@x"), "b.eml")
    assert out.startswith("AB-0001: reply from boss@it.contoso.com (at contoso's domain)")
    assert "MARKER-BOSS" in report(desk)
    assert not [e for e in events(desk) if e["type"] == "feedback"]   # only the requester scores
    imp(desk, tmp_path, reply("eve@gmail.com", "1/5", "e1@x"), "e.eml")
    assert events(desk)[-1]["unknown_sender"] is True


def test_a_bad_mail_trust_is_refused_with_its_line(tmp_path: Path) -> None:
    from tix.core.errors import PolicyError
    from tix.core.policy import parse_policy

    text = policy_text("anna").replace("rate: ONSITE, language: de}", "rate: ONSITE, language: de, "
                                                                      "mail_trust: everyone}")
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "policies.yaml")
    assert exc.value.message.startswith("orgs.fabrikam.mail_trust: 'everyone' is not one of ticket, domains")
    assert exc.value.line == next(i for i, ln in enumerate(text.splitlines(), 1) if "mail_trust" in ln)
