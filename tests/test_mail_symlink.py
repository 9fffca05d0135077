"""One hostile file does not block a mailbox.

The attack: a clone commits a symbolic link at `attachments/<next ID>`.
The next mail with an attachment opens that ticket, tix refuses to write
through the link (rightly) but stopped the whole import with exit 3: that
message and every later one, plain ones included, stayed unimported, on
every run, for good. Now the message is imported, its attachments are
refused with a note on the ticket and a line in the summary (a copy of the
whole message is kept in `mail-failed/`), the rest of the mailbox is
imported, nothing is written outside the desk, and
`tix.storage.attachments.problems` (for `tix fsck`) names the link.

Real Maildir and mbox files built here, the real CLI."""

from __future__ import annotations

import base64
import json
import mailbox
from pathlib import Path

import pytest

from tests.conftest import Desk


def message(n: int, attachment: bytes | None = None, subject: str | None = None,
            frm: str = "Jan de Vries <jan@contoso.com>") -> bytes:
    head = (f"From: {frm}\r\nTo: support@example.com\r\nSubject: {subject or f'Problem {n}'}\r\n"
            f"Message-ID: <p{n}@contoso.com>\r\nDate: Mon, 23 Nov 2026 09:0{n % 10}:00 +0100\r\nMIME-Version: 1.0\r\n")
    if attachment is None:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\nPlain message {n}.\r\n").encode()
    return (head + "Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\n"
            f"Message {n}, see the screenshot.\r\n--BB\r\nContent-Type: image/png\r\nContent-Disposition: "
            f"attachment; filename=shot{n}.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(attachment).decode() + "--BB--\r\n").encode()


def tickets(desk: Desk) -> list[str]:
    return sorted(p.stem for p in desk.root.glob("tickets/*/*/*.yaml"))


def events(desk: Desk, tid: str) -> list[dict]:
    text = next(desk.root.glob(f"tickets/*/*/{tid}.yaml")).read_text(encoding="utf-8")
    return [json.loads(ln[2:]) for ln in text.split("\nevents:\n")[1].splitlines() if ln.startswith("- ")]


def files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "authorized_keys").write_text("ssh-ed25519 AAAA... admin\n")
    return d


def maildir(tmp_path: Path, msgs: list[bytes]) -> Path:
    md = tmp_path / "Maildir"
    box = mailbox.Maildir(str(md))
    for m in msgs:
        box.add(m)
    box.close()
    return md


# ---------------------------------------------------------------- the attack

def test_a_link_at_the_next_ids_attachment_folder_blocks_nothing(desk: Desk, tmp_path: Path, outside: Path) -> None:
    (desk.root / "attachments").mkdir()
    (desk.root / "attachments" / "AB-0002").symlink_to(outside)
    before = files(outside)
    md = maildir(tmp_path, [message(1), message(2, b"\x89PNG two"), message(3), message(4, b"\x89PNG four")])
    r = desk.run("mail", "import", str(md))
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    assert tickets(desk) == ["AB-0001", "AB-0002", "AB-0003", "AB-0004"]
    # one warning on stderr naming the link; the summary says what was refused
    [warning] = r.err.splitlines()
    assert warning.startswith(f"tix: warning: {md}/new/") and \
        "attachments/AB-0002 is a symbolic link; tix never writes attachments through links" in warning
    line = next(ln for ln in r.out.splitlines() if ln.startswith("AB-0002:"))
    assert "[refused: shot2.png: attachments/AB-0002 is a symbolic link" in line
    # the ticket says so, in an internal note; no attachment is listed
    evs = events(desk, "AB-0002")
    assert not [e for e in evs if e["type"] == "attached"]
    [note] = [e for e in evs if e["type"] == "commented"]
    assert note["internal"] is True and "shot2.png: attachments/AB-0002 is a symbolic link" in note["text"]
    kept = note["text"].split("the whole message is kept in ")[1].split()[0]
    assert kept.startswith("mail-failed/") and b"filename=shot2.png" in (desk.root / kept).read_bytes()
    # the next message with an attachment is stored as usual
    assert (desk.root / "attachments" / "AB-0004" / "shot4.png").read_bytes() == b"\x89PNG four"
    # nothing written outside the desk; every message marked as seen
    assert files(outside) == before
    assert list((md / "new").iterdir()) == [] and len(list((md / "cur").iterdir())) == 4
    # the next run has nothing to do and says nothing
    r = desk.run("mail", "import", "-q", str(md))
    assert (r.code, r.out, r.err) == (0, "", "")


def test_the_same_message_again_adds_no_second_note(desk: Desk, tmp_path: Path, outside: Path) -> None:
    (desk.root / "attachments").mkdir()
    (desk.root / "attachments" / "AB-0001").symlink_to(outside)
    box_path = tmp_path / "in.mbox"
    box = mailbox.mbox(str(box_path))
    box.add(message(1, b"png"))
    box.add(message(2))
    box.close()
    assert desk.run("mail", "import", str(box_path)).code == 0
    n = len(events(desk, "AB-0001"))
    r = desk.run("mail", "import", str(box_path))
    assert r.code == 0 and "duplicate" in r.out and len(events(desk, "AB-0001")) == n
    assert tickets(desk) == ["AB-0001", "AB-0002"] and list(outside.iterdir()) == [outside / "authorized_keys"]


@pytest.mark.parametrize("what", ["folder link", "file", "link to a file", "attachments is a link"])
def test_a_reply_is_imported_whatever_is_in_the_way(desk: Desk, tmp_path: Path, outside: Path, what: str) -> None:
    (tmp_path / "m1.eml").write_bytes(message(1))
    desk.ok("mail", "import", str(tmp_path / "m1.eml"))
    att = desk.root / "attachments"
    att.mkdir()
    if what == "folder link":
        (att / "AB-0001").symlink_to(outside)
    elif what == "file":
        (att / "AB-0001").write_text("not a folder")
    elif what == "link to a file":
        (att / "AB-0001").symlink_to(outside / "authorized_keys")
    else:
        att.rmdir()
        att.symlink_to(outside)
    before = files(outside)
    (tmp_path / "r.eml").write_bytes(message(5, b"png", subject="Re: [tix AB-0001] Problem 1"))
    (tmp_path / "n.eml").write_bytes(message(6))
    r = desk.run("mail", "import", str(tmp_path / "r.eml"), str(tmp_path / "n.eml"))
    assert r.code == 0, r.err
    assert r.out.startswith("AB-0001: reply from the requester") and "refused: shot5.png: attachments" in r.out
    assert tickets(desk) == ["AB-0001", "AB-0002"]
    reply = [e for e in events(desk, "AB-0001") if e["type"] == "commented"]
    assert reply[0]["requester"] is True and "Message 5" in reply[0]["text"] and "attachments" not in reply[0]
    assert reply[1]["internal"] is True and "refused on import" in reply[1]["text"]
    assert files(outside) == before
    assert r.err.count("\n") == 1 and r.err.startswith("tix: warning: ")


def test_a_linked_mail_failed_folder_does_not_stop_the_import(desk: Desk, tmp_path: Path, outside: Path) -> None:
    (desk.root / "mail-failed").symlink_to(outside)
    before = files(outside)
    box_path = tmp_path / "in.mbox"
    box = mailbox.mbox(str(box_path))
    box.add(b"Subject: no sender at all\r\n\r\nbody\r\n")
    box.add(message(2))
    box.close()
    r = desk.run("mail", "import", str(box_path))
    assert r.code == 2 and tickets(desk) == ["AB-0001"]
    assert "mail-failed is a symbolic link" in r.err and "Traceback" not in r.err
    assert files(outside) == before


# ---------------------------------------------------------------- fsck's view

def test_attachment_problems_names_every_link(desk: Desk, tmp_path: Path, outside: Path) -> None:
    from tix.storage.attachments import problems as attachment_problems
    from tix.storage.store import Store

    store = Store(desk.root)
    assert attachment_problems(store) == []
    (tmp_path / "m.eml").write_bytes(message(1, b"png"))
    desk.ok("mail", "import", str(tmp_path / "m.eml"))
    assert attachment_problems(store) == []   # what tix writes is fine
    att = desk.root / "attachments"
    (att / "AB-0002").symlink_to(outside)
    (att / "AB-0001" / "passwd.txt").symlink_to("/etc/passwd")
    (att / "AB-0003").write_text("x")
    (att / "AB-0001" / "sub").mkdir()
    assert attachment_problems(store) == [
        ("attachments/AB-0001/passwd.txt", "a symbolic link: tix never follows links in the desk (`git rm` it)"),
        ("attachments/AB-0001/sub", "not a plain file: attachments are files"),
        ("attachments/AB-0002", "a symbolic link: tix never follows links in the desk, and mail for that ticket "
                                "keeps its attachments aside until it is removed (`git rm` it)"),
        ("attachments/AB-0003", "not a folder: attachments/ holds one folder per ticket"),
    ]
    for p in (att / "AB-0002", att / "AB-0003", att / "AB-0001" / "passwd.txt"):
        p.unlink()
    (att / "AB-0001" / "sub").rmdir()
    import shutil

    shutil.rmtree(att)
    att.symlink_to(outside)
    [(path, problem)] = attachment_problems(store)
    assert path == "attachments" and problem.startswith("a symbolic link: tix never follows links in the desk")


def test_fsck_reports_the_link(desk: Desk, outside: Path) -> None:
    (desk.root / "attachments").mkdir()
    (desk.root / "attachments" / "AB-0002").symlink_to(outside)
    r = desk.run("fsck")
    assert r.code == 1 and "attachments/AB-0002: a symbolic link" in r.out + r.err
