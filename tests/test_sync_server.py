"""tix sync against a real git server: `git daemon` on 127.0.0.1, the desk
shared over git:// (issue 15, point 6). The owner makes the desk; three plain
`git clone`s (Jan de Vries and Johan de Vos share the initials JV, Pieter
does not) claim their prefixes through the server, open tickets and comment
on one shared ticket, syncing one after the other and then all at once.

`git daemon` is part of Debian's `git` package (/usr/lib/git-core/git-daemon);
the test skips when this git has none."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, Result, policy_text

pytestmark = pytest.mark.usefixtures("git_env")  # conftest: real git, no global config, HOME in tmp

NOW = "2026-11-24T10:00:00+01:00"  # a Tuesday


def git(cwd: Path, *args: str) -> str:
    p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
    return p.stdout


def has_git_daemon() -> bool:
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=False).stdout.strip()
    return os.access(os.path.join(exec_path, "git-daemon"), os.X_OK)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A bare repository served read-write by `git daemon`; yields its URL."""
    if not has_git_daemon():
        pytest.skip("`git daemon` is not available (Debian: part of the `git` package, "
                    "/usr/lib/git-core/git-daemon)")
    base = tmp_path / "srv"
    base.mkdir()
    git(base, "init", "-q", "--bare", "-b", "main", "remote.git")
    port = free_port()
    log = (tmp_path / "daemon.log").open("w")
    proc = subprocess.Popen(["git", "daemon", "--reuseaddr", f"--base-path={base}", "--export-all",
                             "--enable=receive-pack", "--listen=127.0.0.1", f"--port={port}", "--informative-errors",
                             str(base)], stdout=log, stderr=subprocess.STDOUT)
    url = f"git://127.0.0.1:{port}/remote.git"
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["git", "ls-remote", url], capture_output=True, check=False).returncode != 0:
            assert proc.poll() is None, f"git daemon exited: {(tmp_path / 'daemon.log').read_text()}"
            assert time.monotonic() < deadline, "git daemon did not answer within 15 s"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class Clone(Desk):
    """A clone of the served desk; in-process runs from inside it, with the
    test's git environment and this technician as git author."""

    def __init__(self, root: Path, user: str):
        super().__init__(root, user, NOW)
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.base_env, "GIT_AUTHOR_NAME": self.user, "GIT_COMMITTER_NAME": self.user,
                "GIT_TERMINAL_PROMPT": "0", **super().env(**extra)}

    def run(self, *args: str, **kw: Any) -> Result:
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            return super().run(*args, **kw)
        finally:
            os.chdir(cwd)

    def sync(self) -> None:
        r = self.run("sync")
        assert r.code == 0, f"{self.user}: tix sync -> {r.code}\n{r.out}{r.err}"

    def show(self, tid: str) -> dict[str, Any]:
        return json.loads(self.ok("show", tid, "--format", "json"))


def sync_at_once(clones: list[Clone]) -> list[Result]:
    """`tix sync` in every clone at the same moment, as real processes."""
    results: dict[int, Result] = {}
    start = threading.Barrier(len(clones))

    def go(i: int) -> None:
        start.wait()
        results[i] = clones[i].sub("sync")

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(clones))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return [results[i] for i in range(len(clones))]


def test_shop_shares_a_desk_through_git_daemon(tmp_path: Path, server: str) -> None:
    owner = Clone(tmp_path / "anna", "Anna Bakker")
    git(tmp_path, "init", "-q", "-b", "main", str(owner.root))
    git(owner.root, "remote", "add", "origin", server)
    (owner.root / "policies.yaml").write_text(
        policy_text("Anna Bakker", "Jan de Vries, Johan de Vos, Pieter Smit"), encoding="utf-8")
    owner.ok("init")
    shared = owner.new("--title", "Mail server down", "--org", "contoso")
    owner.sync()

    techs = [Clone(tmp_path / d, u) for d, u in
             (("jan", "Jan de Vries"), ("johan", "Johan de Vos"), ("pieter", "Pieter Smit"))]
    for c in techs:
        git(tmp_path, "clone", "-q", server, str(c.root))  # no `tix init` in these
    everyone = [owner, *techs]
    made: dict[str, str] = {}  # ticket -> who made it
    said: list[str] = []
    for c in techs:  # every first write, before anybody syncs
        made[c.new("--title", f"{c.user}'s first ticket")] = c.user
    for rnd in range(2):
        for c in everyone:
            said.append(f"{c.user} on the mail server, round {rnd}")
            c.ok("comment", shared, "-m", said[-1])
            c.ok("work", shared, "15m", "-m", said[-1])
            made[c.new("--title", f"{c.user}, round {rnd}")] = c.user
        if rnd == 0:
            for c in everyone:
                c.sync()
        else:
            for c, r in zip(everyone, sync_at_once(everyone)):
                assert r.code == 0, f"{c.user}: concurrent tix sync -> {r.code}\n{r.out}{r.err}"
    made[owner.ok("split", shared, "--title", "Check the spam filter").splitlines()[0]] = owner.user
    for _ in range(2):
        for c in everyone:
            c.sync()

    # one desk everywhere, and it is the server's
    listing = owner.ok("list", "--all", "--format", "json")
    tip = git(owner.root, "ls-remote", server, "refs/heads/main").split()[0]
    for c in everyone:
        assert c.ok("list", "--all", "--format", "json") == listing, f"{c.user}'s desk differs"
        assert git(c.root, "rev-parse", "HEAD").strip() == tip, f"{c.user} is not at the server's tip"
    ids = [t["id"] for t in json.loads(listing)]
    assert len(ids) == len(set(ids)) == len(made) + 1  # every ticket made, plus the shared one
    # IDs are distinct by prefix: one prefix per clone, even for equal initials
    prefixes: dict[str, set[str]] = {}
    for tid, user in made.items():
        assert tid in ids, f"{tid} ({user}) is missing"
        prefixes.setdefault(tid.rsplit("-", 1)[0], set()).add(user)
    assert all(len(users) == 1 for users in prefixes.values()), prefixes
    jan, johan = ({p for p, users in prefixes.items() if who in users} for who in ("Jan de Vries", "Johan de Vos"))
    assert len(jan) == len(johan) == 1 and jan != johan, prefixes  # same initials, two prefixes
    # every comment and every work entry exactly once
    events = owner.show(shared)["events"]
    comments = Counter(e["text"] for e in events if e["type"] == "commented")
    notes = Counter(e.get("note") for e in events if e["type"] == "worked")
    for text in said:
        assert comments[text] == 1 and notes[text] == 1, text
    assert owner.show(shared)["time"]["minutes"] == 15 * len(said)
    for c in everyone:
        assert c.show(shared) == owner.show(shared)
        r = c.run("fsck")
        assert r.code == 0, f"{c.user}: tix fsck\n{r.out}{r.err}"
