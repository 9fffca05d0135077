"""tix notify against a real SMTP server (aiosmtpd on 127.0.0.1, started by
the test), and the templates behind the mails (issue 7): recipients, the
[tix ID] subject tag, the customer's language, exactly-once delivery, no
internal note text ever, STARTTLS/TLS with a login whose password comes
from the environment, and canned answers for `tix comment --template`."""

from __future__ import annotations

import email
import json
import socket
import subprocess
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, make_desk, policy_text

SECRET = "INTERNAL-MARKER-7f3a9"  # put in internal notes; must never reach a mail


# ---------------------------------------------------------------- the SMTP server

class Collector:
    """aiosmtpd handler: keeps every message; refuses recipients listed in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email_policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "msg": msg,
                              "raw": envelope.original_content or envelope.content})
        return "250 OK"

    # convenience for the tests
    def subjects(self) -> list[str]:
        return [m["msg"]["Subject"] for m in self.messages]

    def body(self, i: int) -> str:
        return self.messages[i]["msg"].get_body().get_content().replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(handler: Collector, **kw: Any) -> Any:
    from aiosmtpd.controller import Controller

    port = free_port()
    ctrl = Controller(handler, hostname="127.0.0.1", port=port, **kw)
    ctrl.start()
    ctrl.port = port
    return ctrl


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    handler = Collector()
    ctrl = start(handler)
    handler.port = ctrl.port  # type: ignore[attr-defined]
    yield handler
    ctrl.stop()


ORGS_EXTRA = """  connectica: {name: Connectica s.r.o., domains: [connectica.cz], language: cs}
  nordlys: {name: Nordlys AS, domains: [nordlys.no], language: "no"}
"""


def mail_policy() -> str:
    """The test policy with team addresses and two more customers. (The SMTP
    server is not in it: that is this machine's setting, see `local_smtp`.)"""
    text = policy_text("anna")
    text = text.replace("servicedesk: {line: 1, members: [anna]}",
                        "servicedesk: {line: 1, members: [anna], email: desk-team@example.com}")
    text = text.replace("connectivity: {line: 2, members: [pieter]}",
                        "connectivity: {line: 2, members: [pieter], email: net-team@example.com}")
    text = text.replace("  fabrikam:", ORGS_EXTRA + "  fabrikam:")
    assert "desk-team@" in text and "connectica" in text
    return text


def local_smtp(xdg: Path, port: int, security: str = "none", user: str | None = None) -> None:
    """This machine's SMTP settings: <xdg>/tix/config.yaml ($XDG_CONFIG_HOME is set to xdg for every test)."""
    (xdg / "tix").mkdir(parents=True, exist_ok=True)
    (xdg / "tix" / "config.yaml").write_text(
        f"smtp: {{host: 127.0.0.1, port: {port}, security: {security}" + (f", user: {user}" if user else "") + "}\n",
        encoding="utf-8")


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config home of this test's own (never the developer's ~/.config/tix)."""
    d = tmp_path / "xdg"
    d.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(d))
    return d


@pytest.fixture
def mdesk(tmp_path: Path, smtp: Collector, xdg: Path) -> Desk:
    """A desk whose machine sends to the test's SMTP server."""
    local_smtp(xdg, smtp.port)  # type: ignore[attr-defined]
    return make_desk(tmp_path / "desk", policy=mail_policy())


def incoming(frm: str = "Jan de Vries <jan@contoso.com>", subject: str = "Printer on floor 2 is offline",
             mid: str = "<m1@contoso.com>", body: str = "Error 50.4 since this morning.", **headers: str) -> str:
    lines = [f"From: {frm}", "To: support@example.com", f"Subject: {subject}", f"Message-ID: {mid}",
             *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
             "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\n".join(lines)


def import_mail(desk: Desk, **kw: str) -> str:
    r = desk.run("mail", "import", "-", input=incoming(**kw))
    assert r.code == 0, r.err
    return r.out.split(":")[0]


def events(desk: Desk, tid: str) -> list[dict]:
    text = next(desk.root.glob(f"tickets/*/*/{tid}.yaml")).read_text(encoding="utf-8")
    return [json.loads(ln[2:]) for ln in text.split("\nevents:\n")[1].splitlines() if ln.startswith("- ")]


def all_mail_text(server: Collector) -> str:
    return "\n".join(m["raw"].decode("utf-8", "replace") + "\n" + str(m["msg"]) +
                     "\n" + m["msg"].get_body().get_content() for m in server.messages)


# ---------------------------------------------------------------- the life of a ticket

def test_a_ticket_by_mail_gets_every_notification_once_in_dutch(mdesk: Desk, smtp: Collector) -> None:
    tid = import_mail(mdesk)
    r = mdesk.run("notify")
    assert r.code == 0, r.err
    assert r.out == f"{tid}: sent received to jan@contoso.com: [tix {tid}] Uw melding is ontvangen: " \
                    f"Printer on floor 2 is offline\n"
    [m] = smtp.messages
    assert m["to"] == ["jan@contoso.com"] and m["from"] == "support@example.com"
    msg = m["msg"]
    assert msg["Subject"] == f"[tix {tid}] Uw melding is ontvangen: Printer on floor 2 is offline"
    assert msg["To"] == "Jan de Vries <jan@contoso.com>"
    assert msg["In-Reply-To"] == "<m1@contoso.com>"  # threads under the customer's own mail
    assert msg["Message-ID"].startswith(f"<tix.{tid}.") and msg["Auto-Submitted"] == "auto-generated"
    assert "Beste Jan de Vries," in smtp.body(0) and "geregistreerd onder nummer AB-0001" in smtp.body(0)
    notified = [e for e in events(mdesk, tid) if e["type"] == "notified"]
    assert [(e["key"], e["kind"], e["to"]) for e in notified] == [("received", "received", ["jan@contoso.com"])]
    assert notified[0]["message_id"] == msg["Message-ID"].strip("<>")

    # nothing new: nothing sent, nothing printed (cron stays quiet)
    before = mdesk.snapshot()
    r = mdesk.run("notify")
    assert (r.code, r.out, r.err) == (0, "", "") and len(smtp.messages) == 1 and mdesk.snapshot() == before

    # the named technician takes it (seed 003: a second confirmation naming the technician)
    mdesk.ok("assign", tid, "--to", "pieter")
    mdesk.ok("take", tid, user="pieter")           # the same technician: no third mail
    mdesk.ok("comment", tid, "--internal", "-m", f"{SECRET}: the switch in rack 3 smells burnt")
    mdesk.ok("comment", tid, "-m", "We replaced the toner; please try again.")
    mdesk.ok("comment", tid, "-m", f"{SECRET} also internal", "--internal")
    mdesk.ok("notify")
    assert [s.split("] ")[1] for s in smtp.subjects()[1:]] == [
        "Een technicus werkt aan uw melding: Printer on floor 2 is offline",
        "Nieuw antwoord op uw melding: Printer on floor 2 is offline"]
    assert "wordt nu behandeld door pieter" in smtp.body(1)
    assert "We replaced the toner; please try again." in smtp.body(2) and "anna heeft gereageerd" in smtp.body(2)

    mdesk.ok("resolve", tid, "--solution", "New toner cartridge installed")
    mdesk.ok("notify")
    assert smtp.subjects()[3] == f"[tix {tid}] Uw melding is opgelost: Printer on floor 2 is offline"
    body = smtp.body(3)
    assert "Oplossing:\nNew toner cartridge installed" in body
    assert "cijfer van 1 (ontevreden) tot 5 (zeer tevreden)" in body

    # internal notes never leave the desk
    assert SECRET not in all_mail_text(smtp)
    assert all(m["to"] == ["jan@contoso.com"] for m in smtp.messages)
    assert len({m["msg"]["Message-ID"] for m in smtp.messages}) == 4
    assert mdesk.run("notify").out == "" and len(smtp.messages) == 4

    # the customer answers the resolution mail with a score: it threads back and counts as feedback
    reply = incoming(subject="Re: your request", mid="<fb@contoso.com>", body="4\nFast, thanks!",
                     In_Reply_To=smtp.messages[3]["msg"]["Message-ID"])
    assert mdesk.run("mail", "import", "-", input=reply).code == 0
    fb = [e for e in events(mdesk, tid) if e["type"] == "feedback"]
    assert fb and fb[0]["score"] == 4 and fb[0]["text"] == "Fast, thanks!"
    # and the customer's own comment is not mailed back to them
    assert mdesk.run("notify").out == ""


@pytest.mark.parametrize("sender, subject_start, greeting", [
    ("hans@fabrikam.de", "Ihre Anfrage ist eingegangen", "Guten Tag hans@fabrikam.de,"),
    ("Jiří Dvořák <jiri@connectica.cz>", "Váš požadavek jsme přijali", "Dobrý den,"),
    ("Øystein <oystein@nordlys.no>", "Vi har mottatt henvendelsen din", "Hei Øystein,"),
    ("someone@elsewhere.example", "We have received your request", "Hello someone@elsewhere.example,"),
])
def test_the_customer_gets_their_organisations_language(mdesk: Desk, smtp: Collector, sender: str,
                                                        subject_start: str, greeting: str) -> None:
    tid = import_mail(mdesk, frm=sender)
    mdesk.ok("notify")
    [m] = smtp.messages
    assert m["msg"]["Subject"] == f"[tix {tid}] {subject_start}: Printer on floor 2 is offline"
    assert smtp.body(0).startswith(greeting)
    assert m["msg"]["Content-Language"] in ("de", "cs", "no", "en")


def test_planned_visit_is_announced_in_the_customers_language(mdesk: Desk, smtp: Collector) -> None:
    tid = import_mail(mdesk, frm="hans@fabrikam.de")
    mdesk.ok("notify")
    r = mdesk.run("plan", tid, "2026-11-24T10:00", "--for", "1h30m", "--agent", "pieter")
    assert r.code == 0, r.err
    mdesk.ok("notify")
    assert smtp.subjects()[-1] == f"[tix {tid}] Termin für Ihre Anfrage: Printer on floor 2 is offline"
    assert ("ein Techniker (pieter) wird Ihre Anfrage AB-0001 („Printer on floor 2 is offline“) am "
            "Dienstag, 24. November 2026 um 10:00 Uhr bearbeiten (bis etwa 11:30 Uhr).") in smtp.body(-1)
    plan_id = [e for e in events(mdesk, tid) if e["type"] == "planned"][-1]["id"]
    assert [e["key"] for e in events(mdesk, tid) if e["type"] == "notified"][-1] == f"planned:{plan_id}"
    # a new plan is announced again; the same plan never twice
    mdesk.ok("notify")
    n = len(smtp.messages)
    mdesk.ok("plan", tid, "2026-11-25T14:00", "--for", "1h", "--agent", "pieter")
    mdesk.ok("notify")
    assert len(smtp.messages) == n + 1 and "Mittwoch, 25. November 2026 um 14:00 Uhr" in smtp.body(-1)


# ---------------------------------------------------------------- the team

def test_team_gets_at_risk_breached_and_escalated(mdesk: Desk, smtp: Collector) -> None:
    # impact 4 x urgency 4 = 16: high, response 2h, resolve 4h, escalate 3h (business time from Mon 10:00)
    tid = mdesk.new("--title", "Order dept offline", "--org", "contoso", "--impact", "4", "--urgency", "4")
    # 11:40: 100 of 120 response minutes used (over 80%): at risk
    r = mdesk.run("notify", now="2026-11-23T11:40:00+01:00")
    assert r.code == 0, r.err
    [m] = smtp.messages
    assert m["to"] == ["desk-team@example.com"]
    assert m["msg"]["Subject"] == f"[tix {tid}] SLA at risk (response): Order dept offline"
    assert "The response target of ticket AB-0001 is due on Monday 23 November 2026 at 12:00." in smtp.body(0)
    assert mdesk.run("notify", now="2026-11-23T11:50:00+01:00").out == ""
    # 12:30: response breached
    mdesk.ok("notify", now="2026-11-23T12:30:00+01:00")
    assert smtp.subjects()[1] == f"[tix {tid}] SLA breached (response): Order dept offline"
    # 13:10: the escalate clock (3h) ran out: notify escalates to line 2 and tells that team
    r = mdesk.run("notify", now="2026-11-23T13:10:00+01:00")
    assert r.code == 0, r.err
    esc = [e for e in events(mdesk, tid) if e["type"] == "escalated"]
    assert len(esc) == 1 and esc[0]["to_team"] == "connectivity" and esc[0]["auto"] is True
    assert smtp.messages[2]["to"] == ["net-team@example.com"]
    assert smtp.subjects()[2] == f"[tix {tid}] Escalated to connectivity: Order dept offline"
    assert "Reason:    escalate target 3h reached at 2026-11-23 13:00" in smtp.body(2)
    assert len(smtp.messages) == 3
    # 13:15: 195 of 240 resolve minutes used (over 80%): the team that has it now hears about it
    mdesk.ok("notify", now="2026-11-23T13:15:00+01:00")
    assert smtp.messages[3]["to"] == ["net-team@example.com"]
    assert smtp.subjects()[3] == f"[tix {tid}] SLA at risk (resolution): Order dept offline"
    assert mdesk.run("notify", now="2026-11-23T13:20:00+01:00").out == ""


def test_team_mail_in_the_desks_default_language(tmp_path: Path, smtp: Collector, xdg: Path) -> None:
    local_smtp(xdg, smtp.port)  # type: ignore[attr-defined]
    text = mail_policy().replace("language: en}", "language: de}")
    desk = make_desk(tmp_path / "de", policy=text)
    tid = desk.new("--title", "Server down", "--impact", "4", "--urgency", "4")
    desk.ok("escalate", tid)
    desk.ok("notify")
    assert smtp.subjects() == [f"[tix {tid}] Eskaliert an connectivity: Server down"]


# ---------------------------------------------------------------- what is never sent

def test_children_problems_old_tickets_and_internal_notes_send_nothing(mdesk: Desk, smtp: Collector) -> None:
    old = mdesk.new("--title", "Old", "--requester", "a@contoso.com", now="2026-11-10T10:00:00+01:00")
    tid = mdesk.new("--title", "Parent", "--requester", "b@contoso.com")
    r = mdesk.run("notify")

    def customer_mail() -> list[list[str]]:
        return [m["to"] for m in smtp.messages if not m["to"][0].endswith("-team@example.com")]

    assert customer_mail() == [["b@contoso.com"]]   # the old one is past --max-age
    # (its escalate clock ran out long ago: notify escalated it, and told that team)
    assert r.out.count("sent escalated to net-team@example.com") == 1
    child = mdesk.ok("split", tid, "--title", "Check the firewall").splitlines()[0]
    mdesk.ok("comment", child, "-m", "public text on a child ticket")
    mdesk.ok("comment", tid, "--internal", "-m", SECRET)
    mdesk.ok("notify")
    assert customer_mail() == [["b@contoso.com"]]
    assert f"{old}: sent received" in mdesk.run("notify", "--max-age", "30d").out
    assert SECRET not in all_mail_text(smtp)


def test_header_injection_in_a_subject_stays_one_header(mdesk: Desk, smtp: Collector) -> None:
    subject = "=?utf-8?q?Help=0D=0ABcc:_victim@target.example=0D=0A=0D=0Abody?="
    tid = import_mail(mdesk, frm="eve@evil.example", subject=subject)
    mdesk.ok("notify")
    [m] = smtp.messages
    assert m["to"] == ["eve@evil.example"]
    assert m["msg"]["Bcc"] is None and "victim@target.example" not in m["to"]
    assert m["msg"]["Subject"] == f"[tix {tid}] We have received your request: Help Bcc: victim@target.example body"


# ---------------------------------------------------------------- dry run, output

def test_dry_run_prints_and_sends_nothing(mdesk: Desk, smtp: Collector) -> None:
    tid = import_mail(mdesk)
    mdesk.ok("comment", tid, "--internal", "-m", SECRET)
    before = mdesk.snapshot()
    r = mdesk.run("notify", "--dry-run")
    assert r.code == 0, r.err
    assert r.out.startswith(f"=== {tid} received (nl) ===\nFrom: Servicedesk <support@example.com>\n"
                            f"To: Jan de Vries <jan@contoso.com>\nSubject: [tix {tid}] Uw melding is ontvangen")
    assert "Beste Jan de Vries," in r.out and SECRET not in r.out
    assert smtp.messages == [] and mdesk.snapshot() == before
    data = json.loads(mdesk.ok("notify", "--dry-run", "--format", "json"))
    assert data[0]["key"] == "received" and data[0]["to"] == ["jan@contoso.com"] and "Beste" in data[0]["body"]


def test_json_and_quiet(mdesk: Desk, smtp: Collector) -> None:
    import_mail(mdesk)
    import_mail(mdesk, mid="<m2@contoso.com>", subject="Second")
    assert mdesk.run("notify", "-q").out == "" and len(smtp.messages) == 2
    import_mail(mdesk, mid="<m3@contoso.com>", subject="Third")
    [row] = json.loads(mdesk.ok("notify", "--format", "json"))
    assert row["ticket"] == "AB-0003" and row["kind"] == "received" and row["subject"].startswith("[tix AB-0003]")
    import_mail(mdesk, frm="Jiří Dvořák <jiri@connectica.cz>", mid="<m4@x>", subject="Čtvrtý")
    out = mdesk.ok("notify", "--dry-run")
    assert "To: Jiří Dvořák <jiri@connectica.cz>\nSubject: [tix AB-0004] Váš požadavek jsme přijali: Čtvrtý" in out
    lines = mdesk.ok("notify", "--format", "csv").splitlines()
    assert lines[0] == "ticket,key,kind,to,subject,language,message_id"
    assert lines[1].startswith("AB-0004,received,received,jiri@connectica.cz,[tix AB-0004] Váš požadavek") \
        and ",cs,tix.AB-0004." in lines[1]


# ---------------------------------------------------------------- failures

def test_smtp_down_is_one_line_exit_3_and_nothing_recorded(tmp_path: Path, xdg: Path) -> None:
    local_smtp(xdg, free_port())
    desk = make_desk(tmp_path / "desk", policy=mail_policy())
    tid = import_mail(desk)
    before = desk.snapshot()
    r = desk.run("notify")
    assert r.code == 3
    assert r.err.startswith("tix: cannot send mail via 127.0.0.1:") and r.err.count("\n") == 1
    assert "Traceback" not in r.err
    assert desk.snapshot() == before
    assert not [e for e in events(desk, tid) if e["type"] == "notified"]


def test_a_crash_between_send_and_record_sends_twice_never_loses(mdesk: Desk, smtp: Collector,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tix.core.errors import StoreError
    from tix.storage.store import Store

    tid = import_mail(mdesk)
    real = Store.append

    def crash(self: Store, t: str, evs: list[dict]) -> None:
        if any(e["type"] == "notified" for e in evs):
            raise StoreError("simulated crash after the send")
        real(self, t, evs)

    monkeypatch.setattr(Store, "append", crash)
    assert mdesk.run("notify").code == 3
    monkeypatch.setattr(Store, "append", real)
    assert len(smtp.messages) == 1 and not [e for e in events(mdesk, tid) if e["type"] == "notified"]
    mdesk.ok("notify")
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["msg"]["Message-ID"] == smtp.messages[1]["msg"]["Message-ID"]  # clients show it once
    mdesk.ok("notify")
    assert len(smtp.messages) == 2


def test_a_refused_recipient_does_not_stop_the_others(mdesk: Desk, smtp: Collector) -> None:
    import_mail(mdesk, frm="gone@contoso.com", mid="<1@x>")
    import_mail(mdesk, frm="jan@contoso.com", mid="<2@x>")
    smtp.refuse.add("gone@contoso.com")
    r = mdesk.run("notify")
    assert r.code == 3
    assert r.out.startswith("AB-0002: sent received to jan@contoso.com")
    assert r.err.startswith("tix: AB-0001: received to gone@contoso.com not sent: recipient refused: "
                            "gone@contoso.com: 550 5.1.1 no such user")
    assert [m["to"] for m in smtp.messages] == [["jan@contoso.com"]]
    smtp.refuse.clear()   # the address is fixed: the next run sends it
    assert mdesk.run("notify").out.startswith("AB-0001: sent received to gone@contoso.com")


def test_a_bad_template_is_refused_before_anything_is_sent(mdesk: Desk, smtp: Collector) -> None:
    import_mail(mdesk)
    bad = mdesk.root / "templates" / "de" / "received.txt"
    bad.write_text("Subject: Eingang\n\nGuten Tag {requester.name},\nIhr Ticket {ticket.foo}.\n", encoding="utf-8")
    before = mdesk.snapshot()
    r = mdesk.run("notify")
    assert r.code == 2
    assert r.err.startswith("tix: templates/de/received.txt:4: unknown placeholder {ticket.foo} (allowed: {ticket.id},")
    assert smtp.messages == [] and mdesk.snapshot() == before
    assert mdesk.run("mail", "templates").code == 2
    assert mdesk.run("comment", "AB-0001", "--template", "need-info").code == 2


def test_password_only_from_the_environment(tmp_path: Path, smtp: Collector, xdg: Path) -> None:
    local_smtp(xdg, smtp.port, user="desk")  # type: ignore[attr-defined]
    desk = make_desk(tmp_path / "desk", policy=mail_policy())
    import_mail(desk)
    before = desk.snapshot()
    r = desk.run("notify")
    assert r.code == 2
    assert r.err == (f"tix: {xdg}/tix/config.yaml: smtp.user is 'desk' but $TIX_SMTP_PASSWORD is not set: put "
                     f"the SMTP password in that environment variable (never in a file)\n")
    assert smtp.messages == [] and desk.snapshot() == before


# ---------------------------------------------------------------- TLS and login

@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(crt), "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, timeout=60)
    if p.returncode != 0:
        pytest.skip(f"openssl cannot make a test certificate: {p.stderr.decode()[:200]}")
    return key, crt


def tls_server(cert: tuple[Path, Path], handler: Collector, mode: str) -> Any:
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[1]), str(cert[0]))

    def auth(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        ok = isinstance(data, LoginPassword) and data.login == b"desk" and data.password == b"s3cret pass"
        if ok:
            handler.logins.append((mechanism, data.login.decode()))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    kw: dict[str, Any] = {"authenticator": auth, "auth_required": True}
    if mode == "starttls":
        kw.update(tls_context=ctx, require_starttls=True)
    else:  # implicit TLS: the whole connection is encrypted, AUTH may be offered at once
        kw.update(ssl_context=ctx, auth_require_tls=False)
    return start(handler, **kw)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_starttls_and_tls_with_login(tmp_path: Path, cert: tuple[Path, Path], mode: str, xdg: Path) -> None:
    handler = Collector()
    ctrl = tls_server(cert, handler, mode)
    try:
        local_smtp(xdg, ctrl.port, security=mode, user="desk")
        desk = make_desk(tmp_path / "desk", policy=mail_policy())
        tid = import_mail(desk)
        # the certificate is trusted through SSL_CERT_FILE; the password only in the environment
        r = desk.sub("notify", TIX_SMTP_PASSWORD="s3cret pass", SSL_CERT_FILE=str(cert[1]))
        assert r.code == 0, r.err
        assert len(handler.messages) == 1 and handler.logins and handler.logins[0][1] == "desk"
        assert handler.messages[0]["msg"]["Subject"].startswith(f"[tix {tid}] Uw melding is ontvangen")
        assert "s3cret" not in (desk.root / "policies.yaml").read_text()
        # a wrong password: one line, exit 3, nothing recorded
        import_mail(desk, mid="<m2@x>")
        before = desk.snapshot()
        r = desk.sub("notify", TIX_SMTP_PASSWORD="wrong", SSL_CERT_FILE=str(cert[1]))
        assert r.code == 3 and r.err.startswith("tix: SMTP login as 'desk' at 127.0.0.1:") and "Traceback" not in r.err
        assert desk.snapshot() == before
    finally:
        ctrl.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_an_untrusted_certificate_is_refused(tmp_path: Path, cert: tuple[Path, Path], xdg: Path) -> None:
    handler = Collector()
    ctrl = tls_server(cert, handler, "tls")
    try:
        local_smtp(xdg, ctrl.port, security="tls", user="desk")
        desk = make_desk(tmp_path / "desk", policy=mail_policy())
        import_mail(desk)
        r = desk.sub("notify", TIX_SMTP_PASSWORD="s3cret pass")
        assert r.code == 3 and "certificate verify failed" in r.err.lower() and handler.messages == []
    finally:
        ctrl.stop()


def test_password_never_sent_in_clear_to_a_remote_host() -> None:
    from tix.app.mail.smtp import Smtp, password
    from tix.core.errors import BadInput

    pw = {"TIX_SMTP_PASSWORD": "x"}
    with pytest.raises(BadInput, match="refusing to send the password"):
        password(Smtp("smtp.example.com", 25, "none", "desk"), pw)
    assert password(Smtp("127.0.0.1", 25, "none", "desk"), pw) == "x"
    assert password(Smtp("smtp.example.com", 587, "starttls", "desk"), pw) == "x"
    assert password(Smtp("smtp.example.com", 587, "starttls", None), {}) is None
    assert password(Smtp("smtp.example.com", 587, "starttls", "desk"), {"PW": "x", **pw}) == "x"


# ---------------------------------------------------------------- templates and canned answers

def test_canned_answer_in_the_customers_language(mdesk: Desk) -> None:
    tid = import_mail(mdesk, frm="Jiří Dvořák <jiri@connectica.cz>")
    r = mdesk.run("comment", tid, "--template", "need-info", "-m", "Který model tiskárny to je?")
    assert r.code == 0, r.err
    ev = events(mdesk, tid)[-1]
    assert ev["template"] == "need-info" and not ev.get("internal")
    assert ev["text"].startswith("Dobrý den,\n\nabychom Vám mohli s požadavkem AB-0001")
    assert "Který model tiskárny to je?" in ev["text"] and ev["text"].endswith("S pozdravem\nanna\nServicedesk")


def test_canned_answer_needing_a_plan_is_refused_without_one(mdesk: Desk) -> None:
    tid = import_mail(mdesk)
    before = mdesk.snapshot()
    r = mdesk.run("comment", tid, "--template", "on-site-visit")
    assert r.code == 2 and r.err == ("tix: --template on-site-visit: uses {when}, but the ticket has no planned "
                                     "visit (book one with `tix plan ID WHEN`)\n")
    assert mdesk.snapshot() == before
    mdesk.ok("plan", tid, "2026-11-24T10:00", "--for", "1h", "--agent", "pieter")
    mdesk.ok("comment", tid, "--template", "on-site-visit")
    assert "komt er op dinsdag 24 november 2026 om 10:00 een technicus bij u langs" in events(mdesk, tid)[-1]["text"]


@pytest.mark.parametrize("name, msg", [
    ("nope", "tix: --template 'nope': no such canned answer in templates/ (available: need-info, "
             "on-site-visit, remote-session)"),
    ("received", "tix: --template received: that is a notification `tix notify` sends"),
])
def test_unknown_or_notification_template_is_refused(mdesk: Desk, name: str, msg: str) -> None:
    tid = import_mail(mdesk)
    r = mdesk.run("comment", tid, "--template", name)
    assert r.code == 2 and r.err.startswith(msg)


def test_desk_templates_override_and_custom_canned_answers(mdesk: Desk) -> None:
    tid = import_mail(mdesk)
    (mdesk.root / "templates" / "nl" / "printer-reset.txt").write_text(
        "Beste {requester.name},\n\nZet de printer even uit en weer aan. {{geen placeholder}}\n\n{agent}\n",
        encoding="utf-8")
    mdesk.ok("comment", tid, "--template", "printer-reset", "-m", "Daarna werkt hij weer.")
    text = events(mdesk, tid)[-1]["text"]
    assert text == ("Beste Jan de Vries,\n\nZet de printer even uit en weer aan. {geen placeholder}\n\nanna\n\n"
                    "Daarna werkt hij weer.")
    out = mdesk.ok("mail", "templates")
    assert "printer-reset" in out and "desk" in out


def test_every_builtin_template_loads_and_renders_in_every_language() -> None:
    from tix.app.templates import CANNED, LANGUAGES, NOTIFICATIONS, builtin_dir, load_templates

    ts = load_templates(Path("/nonexistent-desk"))
    for lang in LANGUAGES:
        for name in (*NOTIFICATIONS, *CANNED):
            t = ts.by_key[(lang, name)]
            assert t.path.endswith(f"{lang}/{name}.txt")
            subject, body = t.render({k: f"<{k}>" for k in t.fields})
            assert (subject != "") == (name in NOTIFICATIONS)
            assert "{" not in body and "}" not in body
    assert (builtin_dir() / "README.md").is_file()
    # Czech with its diacritics, Norwegian bokmål
    assert "Vaši" in (builtin_dir() / "cs" / "received.txt").read_text(encoding="utf-8")
    assert "Vennlig hilsen" in (builtin_dir() / "no" / "received.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, line, msg", [
    ("Subject: x\n\nHello {ticket.foo}\n", 3, "unknown placeholder {ticket.foo}"),
    ("Subject: x\n\n{ticket.id!r}\n", 3, "unknown placeholder {ticket.id!r}"),
    ("Subject: x\n\n{ticket.id:>30}\n", 3, "unknown placeholder {ticket.id:>30}"),
    ("Subject: x\n\n{ticket.__class__}\n", 3, "unknown placeholder {ticket.__class__}"),
    ("Subject: {0}\n\nbody\n", 1, "unknown placeholder {0}"),
    ("Subject: x\n\nunclosed {ticket.id\n", 3, "expected '}' before end of string"),
    ("Subject: x\n\nstray } brace\n", 3, "Single '}' encountered"),
    ("Hello\n", 1, "starts with a `Subject: ...` line"),
    ("Subject: x\nno blank line\n", 2, "must be followed by an empty line"),
])
def test_template_checks_name_file_and_line(text: str, line: int, msg: str) -> None:
    from tix.app.templates import parse_template
    from tix.core.errors import BadInput

    with pytest.raises(BadInput) as exc:
        parse_template(text, "templates/en/received.txt", "received", "en")
    assert exc.value.line == line and msg in exc.value.message


def test_templates_refuse_links_and_unknown_languages(mdesk: Desk, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Subject: s\n\nthe server's secrets\n")
    (mdesk.root / "templates" / "en" / "received.txt").unlink()
    (mdesk.root / "templates" / "en" / "received.txt").symlink_to(secret)
    r = mdesk.run("mail", "templates")
    assert r.code == 2 and "templates/en/received.txt: is not a plain file" in r.err
    (mdesk.root / "templates" / "en" / "received.txt").unlink()
    (mdesk.root / "templates" / "fr").mkdir()
    r = mdesk.run("mail", "templates")
    assert r.code == 2 and "templates/fr: unknown language folder 'fr'" in r.err


def test_init_copies_the_templates_only_when_missing(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "d")
    t = desk.root / "templates" / "en" / "received.txt"
    assert t.is_file()
    t.write_text("Subject: mine\n\nmine\n")
    desk.ok("init", str(desk.root))
    assert t.read_text() == "Subject: mine\n\nmine\n"
