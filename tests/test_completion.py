"""Shell completion: the scripts, and the answers of `tix __complete`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Desk


def _complete(desk: Desk, *words: str) -> list[str]:
    r = desk.run("__complete", *words)
    assert r.code == 0 and r.err == ""
    return r.out.split()


def test_scripts_for_each_shell(desk: Desk) -> None:
    for shell, marker in (("bash", "complete -o default -F _tix_complete tix"), ("zsh", "compdef _tix tix"),
                          ("fish", "complete -c tix")):
        out = desk.ok("completion", shell)
        assert marker in out and "__complete" in out
    r = desk.run("completion", "tcsh")
    assert r.code != 0 and "bash, zsh, fish" in r.err


def test_bash_script_is_valid_bash(desk: Desk) -> None:
    script = desk.ok("completion", "bash")
    p = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    assert p.returncode == 0, p.stderr


def test_commands_options_and_desk_values(desk: Desk) -> None:
    assert {"resolve", "reopen", "report", "reindex"} <= set(_complete(desk, "re"))
    assert "completion" in _complete(desk, "")
    assert "--team" in _complete(desk, "list", "--")
    assert "month" in _complete(desk, "report", "")
    assert _complete(desk, "list", "--org", "con") == ["contoso"]
    assert "anna" in _complete(desk, "assign", "AB-1", "--to", "")
    assert _complete(desk, "status", "AB-1", "") == ["new", "open", "waiting", "resolved", "closed"]
    assert _complete(desk, "completion", "") == ["bash", "zsh", "fish"]


def test_open_ids_come_first(desk: Desk) -> None:
    ids = [desk.new("--title", f"Printer {i}", "--org", "contoso") for i in range(12)]
    desk.ok("resolve", ids[0], "--solution", "fixed")
    desk.ok("close", ids[0])
    desk.ok("list")  # the index knows what is open
    got = _complete(desk, "show", "")
    assert got == ids[1:]  # open ones only, in number order, when nothing is typed
    got = _complete(desk, "show", "AB-00")
    assert set(got) == set(ids)
    assert got.index(ids[9]) < got.index(ids[0])  # open before closed
    assert _complete(desk, "show", "ab-00") == got
    assert _complete(desk, "show", "AB-001") == ids[9:]


def test_no_desk_no_values_and_never_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = subprocess.run([sys.executable, "-m", "tix", "__complete", "show", "AB"], capture_output=True, text=True,
                       cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert p.returncode == 0 and p.stderr == ""
