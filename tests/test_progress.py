"""Progress of long work: on a terminal's stderr only, never in pipes or around JSON/CSV."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

from tests.conftest import Desk
from tix.cli.progress import TerminalProgress, wanted
from tix.core import progress


def _in_pty(desk: Desk, *args: str, **extra: str) -> tuple[str, str]:
    """Run tix with stderr on a pseudo-terminal, stdout on a pipe: (stdout, what the terminal got)."""
    master, slave = pty.openpty()
    env = desk.env(**{"TIX_PROGRESS_DELAY": "0", "TERM": "xterm", **extra})
    p = subprocess.Popen([sys.executable, "-m", "tix", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, env=env, cwd=desk.root)
    os.close(slave)
    chunks = []
    while True:
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out = ""
    if p.stdout:
        out = p.stdout.read().decode()
        p.stdout.close()
    p.wait(60)
    os.close(master)
    return out, b"".join(chunks).decode("utf-8", "replace")


def _desk_with_tickets(desk: Desk, n: int = 3) -> None:
    for i in range(n):
        desk.new("--title", f"Printer {i} jams", "--org", "contoso")


def test_reindex_on_a_terminal_shows_progress_on_stderr(desk: Desk) -> None:
    _desk_with_tickets(desk)
    out, term = _in_pty(desk, "reindex")
    assert "reading ticket files" in term
    assert "\r" in term  # redrawn in place, and wiped at the end
    assert "reading ticket files" not in out


def test_dumb_terminal_gets_plain_lines(desk: Desk) -> None:
    _desk_with_tickets(desk)
    _, term = _in_pty(desk, "reindex", TERM="dumb")
    assert "tix: reading ticket files (3)..." in term
    assert "\r" not in term.replace("\r\n", "\n")


def test_no_progress_in_a_pipe_or_around_machine_output(desk: Desk) -> None:
    _desk_with_tickets(desk)
    r = desk.sub("reindex", TIX_PROGRESS_DELAY="0")
    assert "reading ticket files" not in r.err + r.out
    out, term = _in_pty(desk, "list", "--all", "--format", "json")
    assert out.lstrip().startswith(("[", "{"))
    assert "reading" not in term and "computing" not in term
    assert wanted(_Tty(), ["list", "--format", "csv"]) is False
    assert wanted(_Tty(), ["list", "--format=json"]) is False
    assert wanted(_Tty(), ["list"]) is True


class _Tty:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass


def test_a_short_task_shows_nothing_and_a_long_one_is_wiped() -> None:
    tty = _Tty()
    progress.listen(TerminalProgress(tty, delay=3600))
    try:
        for _ in progress.counted("quick", range(1000), 1000):
            pass
        assert tty.text == ""
        progress.listen(TerminalProgress(tty, delay=0))
        for _ in progress.counted("slow", range(5), 5):
            pass
        assert "tix: slow: 1/5 (20%)" in tty.text
        assert tty.text.endswith("\r" + " " * 79 + "\r")
    finally:
        progress.listen(None)


def test_without_a_listener_nothing_is_reported() -> None:
    assert list(progress.counted("x", iter([1, 2]), 2)) == [1, 2]
    with progress.task("y", 3) as step:
        step(2)


def test_a_large_mail_import_shows_progress(desk: Desk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    box = tmp_path / "mails"
    box.mkdir()
    for i in range(3):
        (box / f"{i}.eml").write_text(
            f"From: Jan <jan@contoso.example>\nTo: desk@example.org\nSubject: printer {i} jams\n"
            f"Message-ID: <m{i}@contoso.example>\nDate: Mon, 23 Nov 2026 09:0{i}:00 +0100\n\nIt jams.\n")
    out, term = _in_pty(desk, "mail", "import", str(box))
    assert "importing mail" in term and "/3" in term
    assert "importing mail" not in out
    out, term = _in_pty(desk, "mail", "import", str(box), "--format", "json")
    assert "importing mail" not in term + out


def test_a_month_of_pdfs_shows_progress(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_einvoice import worked_desk

    d = worked_desk(tmp_path / "desk")
    out, term = _in_pty(d, "invoice", "2026-11", "--format", "pdf", "-o", f"{tmp_path}/pdf/")
    assert "writing PDF invoices" in term, term
    assert list((tmp_path / "pdf").glob("*.pdf"))


def test_the_first_sync_shows_its_checks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_sync import git, make_desk, shop_policy

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    first = tmp_path / "anna"
    git(tmp_path, "init", "-q", "-b", "main", str(first))
    d = make_desk(first, "anna", "AN", policy=shop_policy())
    git(first, "remote", "add", "origin", str(remote))
    for i in range(3):
        d.new("--title", f"Printer {i} jams", "--org", "contoso")
    out, term = _in_pty(d, "sync")
    assert "checking changed ticket files" in term, term
    assert "checking" not in out
