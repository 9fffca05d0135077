"""tix mail import on a real desk: .eml files, the hostile corpus, real mbox
and Maildir files built here, standard input, replies that thread back,
attachments (safe names, the size limit), dedupe, and nothing ever written
outside the desk."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import Desk

CORPUS = Path(__file__).parent / "data" / "mail"


def mail(frm: str = "Jan de Vries <jan@contoso.com>", subject: str = "Printer on floor 2 is offline",
         body: str = "It shows error 50.4 since this morning.", mid: str | None = "<m1@contoso.com>",
         attachments: list[tuple[str, bytes]] = (), **headers: str) -> bytes:  # type: ignore[assignment]
    m = EmailMessage()
    m["From"] = frm
    m["To"] = "support@example.com"
    m["Subject"] = subject
    if mid:
        m["Message-ID"] = mid
    m.set_content(body)
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    for k, v in headers.items():  # after set_content, which drops Content-* headers
        m[k.replace("_", "-")] = v
    return m.as_bytes()


def write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


def show(desk: Desk, tid: str) -> dict:
    return json.loads(desk.ok("show", tid, "--format", "json"))


def ticket_text(desk: Desk, tid: str) -> str:
    return next(desk.root.glob(f"tickets/*/*/{tid}.yaml")).read_text(encoding="utf-8")


def events(desk: Desk, tid: str) -> list[dict]:
    lines = ticket_text(desk, tid).split("\nevents:\n")[1].splitlines()
    return [json.loads(ln[2:]) for ln in lines if ln.startswith("- ")]


def tickets(desk: Desk) -> list[str]:
    return sorted(p.stem for p in desk.root.glob("tickets/*/*/*.yaml"))


def outside(tmp: Path, desk: Desk) -> set[str]:
    """Every file under tmp that is not in the desk (to prove nothing escaped)."""
    return {str(p.relative_to(tmp)) for p in tmp.rglob("*")
            if p.is_file() and desk.root not in p.parents}


# ---------------------------------------------------------------- new tickets

def test_a_new_message_opens_a_ticket(desk: Desk, tmp_path: Path) -> None:
    f = write(tmp_path, "m.eml", mail())
    r = desk.run("mail", "import", str(f))
    assert r.code == 0, r.err
    assert r.out.startswith("AB-0001: new ticket for contoso from jan@contoso.com")
    t = show(desk, "AB-0001")
    assert t["title"] == "Printer on floor 2 is offline"
    assert t["requester"] == {"name": "Jan de Vries", "email": "jan@contoso.com"}
    assert t["org"] == "contoso" and t["channel"] == "email" and t["category"] == "incident"
    assert (t["impact"], t["urgency"], t["team"]) == (1, 2, "servicedesk")   # the policy's defaults
    assert t["description"] == "It shows error 50.4 since this morning."
    [opened] = events(desk, "AB-0001")
    assert opened["type"] == "opened" and opened["by"] == "jan@contoso.com"
    assert opened["message_id"] == "m1@contoso.com"
    assert desk.run("fsck").code == 0


def test_importing_the_same_message_twice_does_nothing(desk: Desk, tmp_path: Path) -> None:
    f = write(tmp_path, "m.eml", mail(attachments=[("log.txt", b"line\n")]))
    desk.ok("mail", "import", str(f))
    before = desk.snapshot()
    r = desk.run("mail", "import", str(f))
    assert r.code == 0 and "duplicate: already imported (AB-0001)" in r.out
    assert desk.snapshot() == before


def test_dedupe_survives_losing_the_cache(desk: Desk, tmp_path: Path) -> None:
    import shutil

    f = write(tmp_path, "m.eml", mail())
    desk.ok("mail", "import", str(f))
    desk.ok("list")  # builds the index cache
    for d in (desk.root / ".git" / "tix", desk.root / ".tix"):
        if d.is_dir():
            for p in d.iterdir():
                if p.name != "clone.json":
                    (shutil.rmtree if p.is_dir() else os.unlink)(p)
    desk.ok("mail", "import", str(f))
    assert tickets(desk) == ["AB-0001"]


def test_fabrikam_by_domain_and_unknown_domain_without_org(desk: Desk, tmp_path: Path) -> None:
    a = write(tmp_path, "a.eml", mail(frm="anna@sub.fabrikam.de", mid="<a@x>"))
    b = write(tmp_path, "b.eml", mail(frm="x@elsewhere.example", mid="<b@x>", Content_Language="cs"))
    desk.ok("mail", "import", str(a), str(b))
    assert show(desk, "AB-0001")["org"] == "fabrikam"
    t2 = show(desk, "AB-0002")
    assert t2["org"] is None and t2["requester"] == {"email": "x@elsewhere.example"}
    assert "language: cs" in ticket_text(desk, "AB-0002")  # from Content-Language, as it has no org


def test_no_subject_gets_a_placeholder_title(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(CORPUS / "no-subject-no-id.eml"))
    assert show(desk, "AB-0001")["title"] == "(no subject)"


# ---------------------------------------------------------------- replies

def test_reply_with_the_subject_tag_is_a_public_comment_from_the_requester(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", mail())))
    reply = mail(subject="Re: [tix AB-0001] Printer on floor 2 is offline", mid="<r1@contoso.com>",
                 body="It works again after a restart.\n\nOn Mon, 23 Nov 2026, Servicedesk wrote:\n> Hello\n> old")
    r = desk.run("mail", "import", str(write(tmp_path, "r.eml", reply)))
    assert r.code == 0, r.err
    assert r.out.startswith("AB-0001: reply from the requester")
    ev = events(desk, "AB-0001")[-1]
    assert ev["type"] == "commented" and ev["requester"] is True and not ev.get("internal")
    assert ev["text"] == "It works again after a restart."   # the quote is cut off
    assert ev["by"] == "jan@contoso.com" and ev["message_id"] == "r1@contoso.com"
    t = show(desk, "AB-0001")
    assert t["sla"]["response"]["done_at"] is None   # a requester's reply is no response by the desk


def test_reply_by_in_reply_to_a_notification_or_by_references(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", mail())))
    # In-Reply-To the Message-ID tix puts on its notifications, no tag in the subject
    a = mail(subject="Re: your request", mid="<r1@x>", In_Reply_To="<tix.AB-0001.0123456789abcdef@example.com>")
    # a colleague answers the original message (References only)
    b = mail(frm="Piet <piet@contoso.com>", subject="Re: Printer", mid="<r2@x>",
             References="<other@x> <m1@contoso.com>")
    desk.ok("mail", "import", str(write(tmp_path, "a.eml", a)), str(write(tmp_path, "b.eml", b)))
    assert tickets(desk) == ["AB-0001"]
    evs = events(desk, "AB-0001")
    assert [e["by"] for e in evs if e["type"] == "commented"] == ["jan@contoso.com", "piet@contoso.com"]


def test_tag_of_a_missing_ticket_or_another_customer_opens_a_new_ticket(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", mail())))          # AB-0001, contoso
    missing = mail(subject="[tix AB-0999] hello", mid="<x1@x>")
    foreign = mail(frm="eve@fabrikam.de", subject="Re: [tix AB-0001] let me in", mid="<x2@x>")
    desk.ok("mail", "import", str(write(tmp_path, "a.eml", missing)), str(write(tmp_path, "b.eml", foreign)))
    assert tickets(desk) == ["AB-0001", "AB-0002", "AB-0003"]
    assert [e["type"] for e in events(desk, "AB-0001")] == ["opened"]
    assert show(desk, "AB-0003")["org"] == "fabrikam"


def test_reply_while_waiting_reopens_the_clock_and_score_reply_is_feedback(desk: Desk, tmp_path: Path) -> None:
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", mail())))
    desk.ok("status", "AB-0001", "waiting", "-m", "asked for the model")
    desk.ok("mail", "import", str(write(tmp_path, "r1.eml", mail(subject="[tix AB-0001]", mid="<r1@x>",
                                                                  body="It is an HP M404."))))
    assert show(desk, "AB-0001")["status"] == "open"
    desk.ok("resolve", "AB-0001", "--solution", "Replaced the fuser")
    desk.ok("mail", "import", str(write(tmp_path, "r2.eml", mail(subject="Re: [tix AB-0001] resolved",
                                                                  mid="<r2@x>", body="5\nQuick and friendly"))))
    fb = [e for e in events(desk, "AB-0001") if e["type"] == "feedback"]
    assert fb and fb[0]["score"] == 5 and fb[0]["text"] == "Quick and friendly"
    assert show(desk, "AB-0001")["status"] == "resolved"


def test_automatic_mail_never_opens_a_ticket_but_is_noted_on_a_known_one(desk: Desk, tmp_path: Path) -> None:
    r = desk.run("mail", "import", str(CORPUS / "auto-reply.eml"), str(CORPUS / "bounce.eml"))
    assert r.code == 0 and tickets(desk) == []
    assert r.out.count("ignored: automatic mail") == 2
    desk.ok("mail", "import", str(write(tmp_path, "m.eml", mail())))
    ooo = mail(subject="Automatic reply: [tix AB-0001]", mid="<ooo@x>", body="I am away until Friday.",
               Auto_Submitted="auto-replied")
    desk.ok("mail", "import", str(write(tmp_path, "o.eml", ooo)))
    ev = events(desk, "AB-0001")[-1]
    assert ev["internal"] is True and "I am away until Friday." in ev["text"]


def test_mail_from_the_desk_itself_is_ignored(desk: Desk, tmp_path: Path) -> None:
    r = desk.run("mail", "import", str(write(tmp_path, "m.eml", mail(frm="Servicedesk <support@example.com>"))))
    assert r.code == 0 and "mail loop" in r.out and tickets(desk) == []


# ---------------------------------------------------------------- attachments

def test_attachments_get_safe_names_beside_the_desk(desk: Desk, tmp_path: Path) -> None:
    src = tmp_path / "corpus"
    src.mkdir()
    (src / "evil.eml").write_bytes((CORPUS / "evil-attachment-names.eml").read_bytes())
    r = desk.run("mail", "import", str(src / "evil.eml"))
    assert r.code == 0, r.err
    files = sorted(p.name for p in (desk.root / "attachments" / "AB-0001").iterdir())
    assert files == sorted([
        "bashrc", "_CON", "_aux.txt", "evil.dll", "htaccess", "x" * 116 + ".pdf", "Faktura č. 5.pdf",
        "جدول gpj.exe", "_tab new", "report.pdf", "report-2.pdf", "_lpt1.tar.gz", "attachment.bin",
        "attachment-2.bin"])
    att = [e for e in events(desk, "AB-0001") if e["type"] == "attached"]
    assert len(att) == 14
    assert att[0]["name"] == "../../.bashrc" and att[0]["path"] == "attachments/AB-0001/bashrc"
    for e in att:
        p = desk.root / e["path"]
        assert p.is_file() and p.resolve().parent == (desk.root / "attachments" / "AB-0001").resolve()
        assert len(p.read_bytes()) == e["size"]
    assert outside(tmp_path, desk) == {"corpus/evil.eml"}
    assert not (desk.root / ".bashrc").exists() and not (tmp_path / ".bashrc").exists()
    assert desk.run("fsck").code == 0


def test_same_file_is_stored_once_per_ticket(desk: Desk, tmp_path: Path) -> None:
    logo = b"\x89PNG fake logo"
    desk.ok("mail", "import", str(write(tmp_path, "a.eml", mail(attachments=[("logo.png", logo)]))))
    desk.ok("mail", "import", str(write(tmp_path, "b.eml", mail(subject="[tix AB-0001] more", mid="<b@x>",
                                                                 attachments=[("logo.png", logo),
                                                                              ("photo.jpg", b"jpeg")]))))
    assert sorted(p.name for p in (desk.root / "attachments/AB-0001").iterdir()) == ["logo.png", "photo.jpg"]
    c = [e for e in events(desk, "AB-0001") if e["type"] == "commented"][-1]
    assert c["attachments"] == ["attachments/AB-0001/logo.png", "attachments/AB-0001/photo.jpg"]


def test_a_50_mb_attachment_is_refused_with_a_note_the_rest_is_kept(desk: Desk, tmp_path: Path) -> None:
    import base64

    big = os.urandom(1024) * (50 * 1024)   # 50 MB, over the default 25MB limit
    raw = (b"From: jan@contoso.com\nSubject: big\nMessage-ID: <big@x>\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n"
           b"--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
           b"Content-Disposition: attachment; filename=disk-image.iso\n\n" + base64.encodebytes(big)
           + b"--B\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n"
           b"Content-Disposition: attachment; filename=screenshot.png\n\n" + base64.encodebytes(b"png")
           + b"--B--\n")
    f = write(tmp_path, "big.eml", raw)
    r = desk.run("mail", "import", str(f))
    assert r.code == 0, r.err
    assert "refused: disk-image.iso (50.0 MB)" in r.out
    assert [p.name for p in (desk.root / "attachments/AB-0001").iterdir()] == ["screenshot.png"]
    note = [e for e in events(desk, "AB-0001") if e["type"] == "commented"][0]
    assert note["internal"] is True
    assert "disk-image.iso (50.0 MB): larger than the limit of 25.0 MB (mail.max_attachment)" in note["text"]
    assert sum(p.stat().st_size for p in desk.root.rglob("*") if p.is_file()) < 5 * 1024 * 1024


def test_missing_attachments_are_stored_when_an_import_was_cut_short(desk: Desk, tmp_path: Path) -> None:
    # the ticket was created, then the process died before the attachments were written
    cut = write(tmp_path, "cut.eml", mail())
    full = write(tmp_path, "full.eml", mail(attachments=[("log.txt", b"the log")]))
    desk.ok("mail", "import", str(cut))
    r = desk.run("mail", "import", str(full))
    assert r.code == 0 and "1 missing attachment stored" in r.out
    assert (desk.root / "attachments/AB-0001/log.txt").read_bytes() == b"the log"
    before = desk.snapshot()
    desk.ok("mail", "import", str(full))
    assert desk.snapshot() == before


def test_attachments_never_written_through_a_symlink(desk: Desk, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (desk.root / "attachments").symlink_to(elsewhere)
    r = desk.run("mail", "import", str(write(tmp_path, "m.eml", mail(attachments=[("x.txt", b"x")]))))
    # the message is imported, its attachment refused with a note (tests/test_mail_symlink.py has the rest)
    assert r.code == 0 and "symbolic link" in r.err and "Traceback" not in r.err
    assert tickets(desk) == ["AB-0001"] and "refused: x.txt: attachments is a symbolic link" in r.out
    assert list(elsewhere.iterdir()) == []


# ---------------------------------------------------------------- hostile corpus

FAILING = {"empty.eml", "no-sender.eml", "from-without-address.eml", "garbage.eml"}
IGNORED = {"auto-reply.eml", "bounce.eml"}


def test_the_hostile_corpus_never_crashes_and_never_escapes(desk: Desk, tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "corpus"
    shutil.copytree(CORPUS, src)
    names = sorted(p.name for p in src.glob("*.eml"))
    r = desk.run("mail", "import", str(src))
    assert r.code == 2, r.out + r.err
    assert "Traceback" not in r.err
    failed = {ln.split(": not imported")[0].rsplit("/", 1)[1] for ln in r.err.splitlines()}
    assert failed == FAILING
    assert all(ln.startswith("tix: ") for ln in r.err.splitlines())
    created = len(names) - len(FAILING) - len(IGNORED)
    assert len(tickets(desk)) == created
    # the broken ones are left where they are (files given by name); nothing written outside the desk
    assert outside(tmp_path, desk) == {f"corpus/{n}" for n in os.listdir(src)}
    for p in desk.root.rglob("*"):
        assert desk.root.resolve() in p.resolve().parents or p.resolve() == desk.root.resolve()
    assert desk.run("fsck").code == 0
    for tid in tickets(desk):
        t = show(desk, tid)
        assert "\n" not in t["title"] and "\r" not in t["title"]
    inj = [show(desk, t) for t in tickets(desk) if "Help me" in show(desk, t)["title"]][0]
    assert inj["title"].startswith("Help me Bcc: victim@target.example")
    # a second run adds nothing
    before = desk.snapshot()
    assert desk.run("mail", "import", str(src)).code == 2
    assert desk.snapshot() == before


def test_one_bad_file_among_good_ones(desk: Desk, tmp_path: Path) -> None:
    good1 = write(tmp_path, "1.eml", mail(mid="<1@x>"))
    good2 = write(tmp_path, "3.eml", mail(mid="<3@x>"))
    r = desk.run("mail", "import", str(good1), str(CORPUS / "no-sender.eml"), str(good2))
    assert r.code == 2
    assert r.err.strip() == (f"tix: {CORPUS / 'no-sender.eml'}: not imported: no sender address "
                             f"(From, Sender, Reply-To and Return-Path are missing or broken)")
    assert tickets(desk) == ["AB-0001", "AB-0002"]


# ---------------------------------------------------------------- mbox, Maildir, stdin

def test_mbox_built_by_the_test(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(mail(mid="<1@x>", body="From the start of a line: mbox must escape this"))
    box.add((CORPUS / "iso-8859-2-czech.eml").read_bytes())
    box.add(b"Subject: no sender here\n\nbody\n")
    box.add(mail(frm="piet@contoso.com", mid="<3@x>", subject="[tix AB-0001] me too"))
    box.flush()
    box.close()
    mbox_before = path.read_bytes()
    r = desk.run("mail", "import", str(path))
    assert r.code == 2
    assert r.err.startswith(f"tix: {path}#3: not imported: no sender address")
    assert "moved to mail-failed/" in r.err
    assert tickets(desk) == ["AB-0001", "AB-0002"]
    assert show(desk, "AB-0002")["title"] == "Nefunguje tiskárna v účtárně"
    assert [e["by"] for e in events(desk, "AB-0001") if e["type"] == "commented"] == ["piet@contoso.com"]
    [kept] = list((desk.root / "mail-failed").iterdir())
    assert b"no sender here" in kept.read_bytes()
    assert path.read_bytes() == mbox_before  # the mbox itself is never changed
    assert desk.run("mail", "import", str(path)).code == 2 and tickets(desk) == ["AB-0001", "AB-0002"]


def test_maildir_built_by_the_test(desk: Desk, tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    box = mailbox.Maildir(str(md))
    k1 = box.add(mail(mid="<1@x>"))
    bad = box.add((CORPUS / "garbage.eml").read_bytes())
    seen = mailbox.MaildirMessage(mail(mid="<read@x>", subject="read by a human already"))
    seen.set_subdir("cur")
    seen.add_flag("S")
    box.add(seen)
    k3 = box.add((CORPUS / "html-only.eml").read_bytes())
    box.close()
    r = desk.run("mail", "import", str(md))
    assert r.code == 2, r.err
    assert f"moved to {md}/.tix-failed/new/{bad}" in r.err
    assert tickets(desk) == ["AB-0001", "AB-0002"]
    assert list((md / "new").iterdir()) == []
    cur = sorted(p.name for p in (md / "cur").iterdir())
    assert f"{k1}:2,S" in cur and f"{k3}:2,S" in cur
    assert (md / ".tix-failed" / "maildirfolder").exists()
    assert mailbox.Maildir(str(md)).get_folder("tix-failed").keys() == [bad]
    r = desk.run("mail", "import", str(md))   # cron runs it again: nothing new
    assert r.code == 0 and r.out == "" and tickets(desk) == ["AB-0001", "AB-0002"]


def run_bytes(desk: Desk, data: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tix", "mail", "import", *args], input=data, capture_output=True,
                          env=desk.env(), cwd=desk.root, timeout=120)


def test_stdin_as_a_mail_server_pipes_it(desk: Desk) -> None:
    raw = (CORPUS / "iso-8859-2-czech.eml").read_bytes()
    p = run_bytes(desk, raw, "-q", "-")
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b""
    assert show(desk, "AB-0001")["requester"]["name"] == "Jiří Dvořák"


def test_bad_message_on_stdin_is_kept_and_exits_2(desk: Desk) -> None:
    before = set(desk.snapshot())
    p = run_bytes(desk, b"\x00\x01 not a mail", "-")
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith("tix: stdin: not imported: no sender address") and "moved to mail-failed/" in err
    assert "Traceback" not in err
    new = set(desk.snapshot()) - before
    assert len(new) == 1 and next(iter(new)).startswith("mail-failed/")


def test_stdin_in_process(desk: Desk) -> None:
    r = desk.run("mail", "import", "-", input=mail().decode())
    assert r.code == 0 and tickets(desk) == ["AB-0001"]


def test_two_deliveries_of_one_message_at_once_make_one_ticket(desk: Desk) -> None:
    raw = mail()
    procs = [subprocess.Popen([sys.executable, "-m", "tix", "mail", "import", "-q", "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=desk.env(), cwd=desk.root)
             for _ in range(4)]
    for p in procs:
        p.stdin.write(raw)
        p.stdin.close()
    results = []
    for p in procs:
        results.append((p.stdout.read(), p.stderr.read()))
        p.stdout.close()
        p.stderr.close()
        p.wait(timeout=120)
    assert [p.returncode for p in procs] == [0] * 4, results
    assert tickets(desk) == ["AB-0001"]


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("args, msg", [
    ((), "tix: tix mail import: give .eml files, an mbox, a Maildir, or - for standard input"),
    (("nope.eml",), "tix: nope.eml: no such file or directory"),
    (("-", "-"), "tix: tix mail import: standard input (-) can be read only once"),
    (("--format", "xml", "-"), "tix: --format xml: allowed are table, json, csv"),
])
def test_bad_usage_writes_nothing(desk: Desk, args: tuple[str, ...], msg: str) -> None:
    before = desk.snapshot()
    r = desk.run("mail", "import", *args)
    assert r.code == 2 and r.err.startswith(msg)
    assert desk.snapshot() == before


def test_a_missing_source_among_good_ones_imports_nothing(desk: Desk, tmp_path: Path) -> None:
    before = desk.snapshot()
    r = desk.run("mail", "import", str(write(tmp_path, "m.eml", mail())), str(tmp_path / "missing.mbox"))
    assert r.code == 2 and desk.snapshot() == before


def test_dry_run_writes_and_moves_nothing(desk: Desk, tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    box = mailbox.Maildir(str(md))
    box.add(mail())
    box.add(b"garbage")
    box.close()
    before, files = desk.snapshot(), sorted(p.name for p in (md / "new").iterdir())
    r = desk.run("mail", "import", "--dry-run", str(md))
    assert r.code == 2 and r.out.startswith("(new): would open a new ticket for contoso from jan@contoso.com")
    assert desk.snapshot() == before and sorted(p.name for p in (md / "new").iterdir()) == files


def test_json_output(desk: Desk, tmp_path: Path) -> None:
    r = desk.run("mail", "import", "--format", "json", str(write(tmp_path, "m.eml", mail())))
    [row] = json.loads(r.out)
    assert row["action"] == "created" and row["ticket"] == "AB-0001" and row["from"] == "jan@contoso.com"
