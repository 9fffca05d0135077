"""Shared test helpers: a real desk in a temp dir and two ways to run the real
CLI on it, in-process (fast) and as a subprocess (what a user runs)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tix.core.policy import DEFAULT_POLICY

NOW = "2026-11-23T10:00:00+01:00"  # a Monday

ORGS = """orgs:
  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85, language: nl}
  fabrikam: {name: Fabrikam GmbH, domains: [fabrikam.de], rate: ONSITE, language: de}
"""


def policy_text(user: str = "anna", extra_members: str = "pieter") -> str:
    text = DEFAULT_POLICY.replace("{user}", user)
    text = text.replace("connectivity: {line: 2, members: []}", f"connectivity: {{line: 2, members: [{extra_members}]}}")
    return text.replace("orgs: {}\n", ORGS)


@dataclass
class Result:
    code: int
    out: str
    err: str


class Desk:
    def __init__(self, root: Path, user: str = "anna", now: str = NOW):
        self.root = root
        self.user = user
        self.now = now

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}
        env.update({"TIX_DIR": str(self.root), "TIX_USER": self.user, "TIX_NOW": self.now, "NO_COLOR": "1"})
        env.update(extra)
        return env

    def run(self, *args: str, input: str | None = None, user: str | None = None, now: str | None = None) -> Result:
        """Run tix in this process (fast); environment as a user would set it."""
        from tix.cli.boundary import run

        saved = dict(os.environ)
        env = self.env(**({"TIX_USER": user} if user else {}), **({"TIX_NOW": now} if now else {}))
        os.environ.clear()
        os.environ.update(env)
        out, err = io.StringIO(), io.StringIO()
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(input or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run([str(a) for a in args])
        finally:
            sys.stdin = old_stdin
            os.environ.clear()
            os.environ.update(saved)
        return Result(code, out.getvalue(), err.getvalue())

    def sub(self, *args: str, input: str | None = None, **extra: str) -> Result:
        """Run the installed command in a subprocess."""
        p = subprocess.run([sys.executable, "-m", "tix", *map(str, args)], input=input, capture_output=True,
                           text=True, env=self.env(**extra), cwd=self.root, timeout=120)
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args: str, **kw: str) -> str:
        r = self.run(*args, **kw)
        assert r.code == 0, f"tix {' '.join(args)} -> {r.code}\n{r.err}"
        return r.out

    def new(self, *args: str, **kw: str) -> str:
        return self.ok("new", *args, **kw).splitlines()[0]

    def snapshot(self) -> dict[str, bytes]:
        """Every file of the desk (to prove that nothing was written)."""
        out = {}
        for p in sorted(self.root.rglob("*")):
            if p.is_file() and ".git" not in p.parts and ".tix" not in p.parts:
                out[str(p.relative_to(self.root))] = p.read_bytes()
        return out


def make_desk(root: Path, user: str = "anna", prefix: str = "AB", policy: str | None = None) -> Desk:
    desk = Desk(root, user)
    root.mkdir(parents=True, exist_ok=True)
    (root / "policies.yaml").write_text(policy or policy_text(user), encoding="utf-8")
    (root / "tickets").mkdir(exist_ok=True)
    r = desk.run("init", str(root), "--prefix", prefix)
    assert r.code == 0, r.err
    return desk


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """A fresh desk (prefix AB, user anna, now Mon 2026-11-23 10:00 CET) with orgs contoso and fabrikam."""
    return make_desk(tmp_path / "desk")


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real git with no global config: identity from the environment, HOME in
    tmp, and this interpreter's `tix` first on PATH (git runs the merge driver)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for k in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{k}_NAME", "Tix Test")
        monkeypatch.setenv(f"GIT_{k}_EMAIL", "tix@example.com")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
