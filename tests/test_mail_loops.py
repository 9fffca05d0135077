"""No mail loops, no spam tickets.

The attacks: an out-of-office reply that does not say it is automatic
(Exchange and Gmail habits: `X-MS-Exchange-Inbox-Rules-Loop`, `X-Autoreply`,
"Automatic reply:" subjects in six languages), a mailing list (`Precedence:
list`, `List-Id`) or our own mail coming back (`X-Loop`) opened tickets or
reopened waiting ones, and every new ticket and reply made `tix notify`
answer, which the autoresponder answered again. Now such mail never opens
or reopens a ticket and never makes a notification (on a known ticket it
is kept as an internal note); `tix notify` marks everything it sends
(`Auto-Submitted`, `X-Auto-Response-Suppress`, `X-Loop`) and sends at most
`mail.notify_limit` mails to one address an hour. Mail the shop's spam
filter marked (`X-Spam-Flag: YES`, `X-Spam-Status: Yes`) is set aside,
never a ticket.

Real mail files (bytes) and a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from tests.conftest import Desk, make_desk, policy_text
from tests.test_notify import Collector, start

NOW = "2026-11-23T10:00:00+01:00"


def raw_mail(subject: str = "Printer on floor 2 is offline", mid: str = "<m1@contoso.com>",
             frm: str = "Jan de Vries <jan@contoso.com>", body: str = "It shows error 50.4.",
             headers: tuple[str, ...] = ()) -> bytes:
    lines = [f"From: {frm}", "To: Servicedesk <support@example.com>", f"Subject: {subject}",
             f"Message-ID: {mid}", "Date: Mon, 23 Nov 2026 09:58:00 +0100", *headers, "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", body, ""]
    return "\r\n".join(lines).encode("utf-8")


def write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


def tickets(desk: Desk) -> list[str]:
    return sorted(p.stem for p in desk.root.glob("tickets/*/*/*.yaml"))


def events(desk: Desk, tid: str) -> list[dict]:
    text = next(desk.root.glob(f"tickets/*/*/{tid}.yaml")).read_text(encoding="utf-8")
    return [json.loads(ln[2:]) for ln in text.split("\nevents:\n")[1].splitlines() if ln.startswith("- ")]


def status(desk: Desk, tid: str) -> str:
    return json.loads(desk.ok("show", tid, "--format", "json"))["status"]


# Exchange's out-of-office reply: no Auto-Submitted, but its own headers
EXCHANGE_OOF = ("Thread-Topic: Printer on floor 2 is offline", "X-MS-Exchange-Inbox-Rules-Loop: jan@contoso.com",
                "X-MS-Has-Attach:", "X-Auto-Response-Suppress: All")
LOOPY: dict[str, tuple[str, tuple[str, ...]]] = {
    "Precedence: list": ("Weekly newsletter", ("Precedence: list",)),
    "Precedence: bulk": ("Our spring offers", ("Precedence: bulk",)),
    "Precedence: junk": ("You won", ("Precedence: junk",)),
    "List-Id": ("[printers] new firmware", ("List-Id: Printer users <printers.lists.example.org>",)),
    "X-Loop (ours)": ("Fwd: received", ("X-Loop: support@example.com",)),
    "Auto-Submitted: auto-replied": ("Re: hello", ("Auto-Submitted: auto-replied",)),
    "Auto-Submitted: auto-generated": ("Report", ("Auto-Submitted: auto-generated",)),
    "Exchange inbox rule": ("RE: Printer on floor 2 is offline", EXCHANGE_OOF[:2]),
    "X-Autoreply": ("Re: Printer", ("X-Autoreply: yes",)),
    "X-Autorespond": ("Re: Printer", ("X-Autorespond: Printer",)),
    "X-Auto-Response-Suppress": ("Re: Printer", ("X-Auto-Response-Suppress: All",)),
    "Automatic reply:": ("Automatic reply: Printer on floor 2 is offline", ()),
    "Out of Office": ("Out of Office: Printer on floor 2 is offline", ()),
    "Out of office (Gmail)": ("Out of office", ()),
    "Abwesenheitsnotiz": ("Abwesenheitsnotiz: Drucker", ()),
    "Automatische Antwort": ("Automatische Antwort: Drucker", ()),
    "Automatisch antwoord": ("Automatisch antwoord: Printer", ()),
    "Fraværsmelding": ("Fraværsmelding: Skriver", ()),
    "Automatisk svar": ("Automatisk svar: Skriver", ()),
    "Automatická odpověď": ("Automatická odpověď: Tiskárna", ()),
    "encoded Automatic reply": ("=?utf-8?q?Automatick=C3=A1_odpov=C4=9B=C4=8F=3A?= Tiskárna", ()),
}


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "xdg"
    (d / "tix").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(d))
    return d


@pytest.fixture
def smtp(xdg: Path):  # type: ignore[no-untyped-def]
    handler = Collector()
    ctrl = start(handler)
    (xdg / "tix" / "config.yaml").write_text(f"smtp: {{host: 127.0.0.1, port: {ctrl.port}}}\n", encoding="utf-8")
    yield handler
    ctrl.stop()


# ---------------------------------------------------------------- never a new ticket

@pytest.mark.parametrize("case", list(LOOPY))
def test_automatic_or_list_mail_never_opens_a_ticket(desk: Desk, tmp_path: Path, case: str) -> None:
    subject, headers = LOOPY[case]
    f = write(tmp_path, "m.eml", raw_mail(subject=subject, mid="<auto@x>", headers=headers))
    r = desk.run("mail", "import", str(f))
    assert r.code == 0, r.err
    assert tickets(desk) == [], f"{case}: {r.out}"
    assert "ignored" in r.out
    assert desk.run("notify", "--dry-run").out == ""


def test_a_normal_subject_that_mentions_office_still_opens_a_ticket(desk: Desk, tmp_path: Path) -> None:
    for i, subject in enumerate(["Printer out of office supplies", "Re: Out of Office setting does not work",
                                 "Automatic replies stopped working in Outlook"]):
        desk.ok("mail", "import", str(write(tmp_path, f"{i}.eml", raw_mail(subject=subject, mid=f"<n{i}@x>"))))
    assert len(tickets(desk)) == 3


# ---------------------------------------------------------------- a known ticket

@pytest.mark.parametrize("case", [c for c in LOOPY if c != "X-Loop (ours)"])
def test_automatic_mail_on_a_known_ticket_is_an_internal_note_and_reopens_nothing(desk: Desk, tmp_path: Path,
                                                                                   case: str) -> None:
    subject, headers = LOOPY[case]
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", raw_mail())))
    desk.ok("status", "AB-0001", "waiting", "-m", "which model?")
    before = len(events(desk, "AB-0001"))
    auto = raw_mail(subject=f"{subject} [tix AB-0001]", mid="<ooo@x>", body="5\nI am away until Friday.",
                    headers=headers)
    r = desk.run("mail", "import", str(write(tmp_path, "a.eml", auto)))
    assert r.code == 0, r.err
    assert tickets(desk) == ["AB-0001"] and status(desk, "AB-0001") == "waiting"
    new = events(desk, "AB-0001")[before:]
    assert [e["type"] for e in new] == ["commented"] and new[0]["internal"] is True, (case, new)
    assert "I am away until Friday." in new[0]["text"]
    # resolved: still no reopening, and the "5" is no feedback
    desk.ok("resolve", "AB-0001", "--solution", "New fuser")
    again = raw_mail(subject=f"{subject} [tix AB-0001]", mid="<ooo2@x>", body="5", headers=headers)
    desk.ok("mail", "import", str(write(tmp_path, "b.eml", again)))
    assert status(desk, "AB-0001") == "resolved"
    assert not [e for e in events(desk, "AB-0001") if e["type"] in ("feedback", "reopened")]


def test_our_own_mail_coming_back_through_a_forward_is_dropped(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", raw_mail())))
    back = raw_mail(subject="Fwd: [tix AB-0001] Uw melding is ontvangen", mid="<fw@x>",
                    headers=("X-Loop: Servicedesk <SUPPORT@example.com>",))
    r = desk.run("mail", "import", str(write(tmp_path, "f.eml", back)))
    assert r.code == 0 and "mail loop" in r.out
    assert [e["type"] for e in events(desk, "AB-0001")] == ["opened"]


# ---------------------------------------------------------------- the loop, end to end

def test_an_exchange_autoresponder_and_the_desk_do_not_ping_pong(desk: Desk, tmp_path: Path,
                                                                  smtp: Collector) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", raw_mail())))
    for rnd in range(4):
        r = desk.run("notify")
        assert r.code == 0, r.err
        # the customer's Exchange answers whatever the desk sent, as Exchange does: no Auto-Submitted
        last = smtp.messages[-1]["msg"]
        oof = raw_mail(subject=f"Automatic reply: {last['Subject']}", mid=f"<oof{rnd}@contoso.com>",
                       body="I am out of the office until Monday.",
                       headers=(f"In-Reply-To: {last['Message-ID']}", *EXCHANGE_OOF))
        r = desk.run("mail", "import", str(write(tmp_path, f"oof{rnd}.eml", oof)))
        assert r.code == 0, r.err
    assert len(smtp.messages) == 1  # the receipt, once; no answer to any auto-reply
    assert tickets(desk) == ["AB-0001"]
    notes = [e for e in events(desk, "AB-0001") if e["type"] == "commented"]
    assert len(notes) == 4 and all(e["internal"] for e in notes)


def test_everything_tix_sends_is_marked_automatic(desk: Desk, tmp_path: Path, smtp: Collector) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", raw_mail())))
    desk.ok("notify")
    [m] = smtp.messages
    msg = m["msg"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Loop"] == "support@example.com"
    # and it is recognised when it comes back
    r = desk.run("mail", "import", "-", input=m["raw"].decode("utf-8"))
    assert r.code == 0 and "ignored" in r.out and [e["type"] for e in events(desk, "AB-0001")] == \
        ["opened", "notified"]


# ---------------------------------------------------------------- at most N mails per address

def test_notify_sends_at_most_the_limit_per_address_per_hour(desk: Desk, tmp_path: Path, smtp: Collector) -> None:
    # a robot that writes a fresh message (no auto headers, a new subject) for every mail it gets
    for i in range(13):
        desk.ok("mail", "import", str(write(tmp_path, f"{i}.eml", raw_mail(subject=f"Ticket {i}", mid=f"<r{i}@x>",
                                                                             frm="robot@fabrikam.de"))))
    desk.ok("mail", "import", str(write(tmp_path, "jan.eml", raw_mail(mid="<jan@x>"))))
    r = desk.run("notify")
    assert r.code == 0, r.err
    to_robot = [m for m in smtp.messages if m["to"] == ["robot@fabrikam.de"]]
    assert len(to_robot) == 10
    assert [m["to"] for m in smtp.messages].count(["jan@contoso.com"]) == 1   # others are not held up
    assert r.err == ("tix: warning: 3 mails to robot@fabrikam.de held back: 10 already went there in the last 1h "
                     "(mail.notify_limit; a mail loop?); they go out on a later run\n")
    # within the hour: nothing more to that address
    r = desk.run("notify", now="2026-11-23T10:30:00+01:00")
    assert r.code == 0 and len(smtp.messages) == 11 and "3 mails to robot@fabrikam.de held back" in r.err
    # an hour later the rest goes out, each once
    r = desk.run("notify", now="2026-11-23T11:01:00+01:00")
    assert r.code == 0 and r.err == "" and len(smtp.messages) == 14
    assert len({m["msg"]["Message-ID"] for m in smtp.messages}) == 14


def test_the_limit_is_the_policys(tmp_path: Path, smtp: Collector) -> None:
    text = policy_text("anna").replace("notify_limit: {per_address: 10, per: 1h}",
                                       "notify_limit: {per_address: 2, per: 1d}")
    desk = make_desk(tmp_path / "d", policy=text)
    for i in range(3):
        desk.ok("mail", "import", str(write(tmp_path, f"{i}.eml", raw_mail(subject=f"T{i}", mid=f"<t{i}@x>"))))
    r = desk.run("notify")
    assert len(smtp.messages) == 2 and "1 mail to jan@contoso.com held back: 2 already went there in the last " \
                                      "24h" in r.err
    assert desk.run("notify", now="2026-11-23T20:00:00+01:00").code == 0 and len(smtp.messages) == 2


@pytest.mark.parametrize("value, msg", [
    ("{per_address: 0, per: 1h}", "mail.notify_limit.per_address: 0 is outside 1..100000"),
    ("{per_address: ten, per: 1h}", "mail.notify_limit.per_address: 'ten' is not a whole number"),
    ("{per_address: 10, per: 0m}", "mail.notify_limit.per"),
    ("{per_address: 10, every: 1h}", "mail.notify_limit: unknown key 'every'"),
])
def test_a_bad_limit_is_refused_with_its_line(tmp_path: Path, value: str, msg: str) -> None:
    from tix.core.errors import PolicyError
    from tix.core.policy import parse_policy

    text = policy_text("anna").replace("notify_limit: {per_address: 10, per: 1h}", f"notify_limit: {value}")
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "policies.yaml")
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "notify_limit" in ln)) + 1
    assert exc.value.line == line and exc.value.message.startswith(msg), exc.value.message


# ---------------------------------------------------------------- spam

SPAM = {
    "X-Spam-Flag": ("X-Spam-Flag: YES", "X-Spam-Status: Yes, score=9.1 required=5.0 tests=BAYES_99"),
    "X-Spam-Status": ("X-Spam-Status: Yes, score=6.2 required=5.0",),
    "X-Spam (rspamd)": ("X-Spam: Yes",),
}


@pytest.mark.parametrize("case", list(SPAM))
def test_spam_is_set_aside_never_a_ticket(desk: Desk, tmp_path: Path, case: str) -> None:
    spam = raw_mail(subject="Cheap printer toner", mid="<spam@x>", frm="offers@spam.example",
                    headers=SPAM[case])
    ham = raw_mail(mid="<ham@x>", headers=("X-Spam-Flag: NO", "X-Spam-Status: No, score=0.1 required=5.0"))
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(spam)
    box.add(ham)
    box.close()
    r = desk.run("mail", "import", str(path))
    assert r.code == 0, r.err
    assert tickets(desk) == ["AB-0001"]
    assert f"-: spam: marked as spam by the mail filter ({SPAM[case][0]}); set aside in mail-spam/" in r.out
    assert r.out.endswith("1 message set aside as spam (mail-spam/)\n")
    [kept] = list((desk.root / "mail-spam").iterdir())
    assert b"Cheap printer toner" in kept.read_bytes()
    data = json.loads(desk.ok("mail", "import", "--format", "json", str(path)))
    assert [row["action"] for row in data] == ["spam", "duplicate"]


def test_spam_in_a_maildir_goes_to_its_spam_folder_and_a_spam_reply_is_not_added(desk: Desk,
                                                                                 tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", raw_mail())))
    md = tmp_path / "Maildir"
    box = mailbox.Maildir(str(md))
    key = box.add(raw_mail(subject="Re: [tix AB-0001] click here", mid="<s2@x>", body="5",
                           headers=("X-Spam-Flag: YES",)))
    box.close()
    r = desk.run("mail", "import", "-q", str(md))
    assert r.code == 0 and r.out == "" and r.err == ""
    assert [e["type"] for e in events(desk, "AB-0001")] == ["opened"]
    assert list((md / "new").iterdir()) == [] and mailbox.Maildir(str(md)).get_folder("tix-spam").keys() == [key]
    assert not (desk.root / "mail-spam").exists()
