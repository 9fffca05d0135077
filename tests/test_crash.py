"""Crash safety: real tix processes killed with SIGKILL at random points.

Each trial starts a driver process that runs a plan of tix commands (through
`tix.cli.boundary.run`, exactly what `python -m tix` runs) and writes an
acknowledgement line to a side file after each command that returned. The
harness kills the driver's whole process group (git children included) with
SIGKILL, either

* after a random delay (`delay`), or
* at an injected fault point: the Nth call of `os.write`, `os.fsync`,
  `os.link`, `os.replace`, `os.rename`, `os.unlink`, `os.ftruncate`,
  `fcntl.flock` or `open(..., "w")`, or the start of a git subprocess, killed
  just `before` or just `after` the call, or (`torn`) with only part of the
  bytes of an `os.write` written, as a crash in the middle of a multi-page
  write or a power cut would leave them.

After each trial:

* `tix fsck` passes, except for the two leftovers an interrupted write is
  allowed to leave (a torn last line that readers ignore, a temp file), and
  those heal: after one more write to that ticket fsck passes outright;
* every command acknowledged before the kill is on disk, exactly once (its
  marker text appears once in the desk; an invoice it issued is there);
  an unacknowledged command is there once or not at all, never in part;
* no file is half-written: every ticket file and invoice record parses,
  every attachment matches its sha256, and the index cache agrees with the
  files (`tix list --format json` with the cache equals a cold rebuild);
* recovery needs no hand work: the next `tix invoice --mark`, `tix mail
  import` or `tix sync` finishes what the killed one began, and then every
  work entry is billed once, every message imported once, every
  acknowledged change on the remote.

Default: 50 trials over the seven commands (< 60 s). The long run:

    TIX_CRASH_TRIALS=60 pytest -m slow tests/test_crash.py    # 60 per command

`TIX_RELIABILITY_LOG=path` appends each test's figures as a JSON line.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Desk, policy_text

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("new", "comment", "work", "invoice", "reindex", "mail", "sync")
DEFAULT_TRIALS = {"new": 8, "comment": 8, "work": 7, "invoice": 7, "reindex": 6, "mail": 7, "sync": 7}  # 50
MODES = ("before", "after", "torn", "delay")


class EnvDesk(Desk):
    """conftest's Desk keeping the test's environment (HOME, GIT_*) in
    in-process runs too (`Desk.run` clears os.environ before it builds one)."""

    def __init__(self, root: Path, user: str = "anna"):
        super().__init__(root, user)
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("TIX_")}

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.base_env, **super().env(**extra)}


def make_desk(root: Path, user: str = "anna", prefix: str = "AB") -> EnvDesk:
    desk = EnvDesk(root, user)
    root.mkdir(parents=True, exist_ok=True)
    (root / "policies.yaml").write_text(policy_text(user), encoding="utf-8")
    (root / "tickets").mkdir(exist_ok=True)
    desk.ok("init", str(root), "--prefix", prefix)
    return desk


# ----------------------------------------------------------------------------- the driver

DRIVER = r'''
import builtins, contextlib, fcntl, io, json, os, random, signal, subprocess, sys, time

AT = int(os.environ.get("CRASH_AT") or 0)       # kill at this fault point (0: never)
MODE = os.environ.get("CRASH_MODE", "before")   # before | after | torn
ACK = os.environ["CRASH_ACK"]
rng = random.Random(int(os.environ.get("CRASH_SEED") or 0))
_write, _open_fd, _close = os.write, os.open, os.close
state = {"n": 0, "kinds": {}}
ack_fd = _open_fd(ACK, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

def ack(obj):
    _write(ack_fd, (json.dumps(obj) + "\n").encode())

def die():
    os.killpg(0, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)

KIND = os.environ.get("CRASH_KIND") or None     # count only this kind of point (torn: "write")

def point(kind):
    state["n"] += 1
    state["kinds"][kind] = state["kinds"].get(kind, 0) + 1
    if KIND:
        return AT and kind == KIND and state["kinds"][kind] == AT
    return AT and state["n"] == AT

def hook(mod, name):
    real = getattr(mod, name)
    def wrapper(*a, **k):
        if point(name):
            if MODE == "torn" and name == "write" and len(a) >= 2 and len(a[1]) > 1:
                real(a[0], bytes(a[1])[: rng.randrange(1, len(a[1]))])
                die()
            if MODE in ("after", "torn"):
                real(*a, **k)
            die()
        return real(*a, **k)
    setattr(mod, name, wrapper)

for name in ("write", "fsync", "link", "replace", "rename", "unlink", "ftruncate", "mkdir"):
    hook(os, name)
hook(fcntl, "flock")
_real_open = builtins.open
def _open(file, mode="r", *a, **k):
    if any(c in mode for c in "wax+") and point("open"):
        if MODE in ("after", "torn"):
            _real_open(file, mode, *a, **k)
        die()
    return _real_open(file, mode, *a, **k)
builtins.open = io.open = _open
_Popen_init = subprocess.Popen.__init__
def _popen(self, *a, **k):
    if point("spawn"):
        if MODE in ("after", "torn"):
            _Popen_init(self, *a, **k)
        die()
    _Popen_init(self, *a, **k)
subprocess.Popen.__init__ = _popen

from tix.cli.boundary import run
plan = json.loads(os.environ["CRASH_PLAN"])
ack({"ready": True})
t0 = time.monotonic()
for i, step in enumerate(plan):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(step["argv"])
    ack({"i": i, "code": code, "out": out.getvalue(), "err": err.getvalue()[-2000:]})
ack({"done": True, "points": state["n"], "kinds": state["kinds"], "elapsed": time.monotonic() - t0})
'''


@dataclass
class Figures:
    family: str
    trials: int = 0
    killed: int = 0  # the kill landed before the plan finished
    acked: int = 0  # commands acknowledged before a kill
    by_mode: dict[str, int] = field(default_factory=dict)
    torn_tails: int = 0  # fsck found a torn last line (healed by the next write)
    temp_files: int = 0  # fsck found a leftover temp file
    merges_left: int = 0  # fsck found a merge in progress (sync killed mid-merge; the next sync finishes it)
    git_locks: int = 0  # a killed git left its lock file: removed by hand before the next sync
    merge_results_cut: int = 0  # a merge result cut short by the kill (the next sync rewrites it)
    failures: list[str] = field(default_factory=list)  # invariants broken
    data_lost: int = 0  # acknowledged commands not on disk
    seconds: float = 0.0

    def record(self) -> None:
        line = {"test": "crash", "family": self.family, "trials": self.trials, "killed": self.killed,
                "acked": self.acked, "by_mode": self.by_mode, "torn_tails": self.torn_tails,
                "temp_files": self.temp_files, "merges_left": self.merges_left,
                "git_locks": self.git_locks, "merge_results_cut": self.merge_results_cut, "failures": len(self.failures), "data_lost": self.data_lost,
                "seconds": round(self.seconds, 1)}
        print(json.dumps(line))
        log = os.environ.get("TIX_RELIABILITY_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")


class Harness:
    """One accumulating desk per command family; trials stack on each other."""

    def __init__(self, tmp: Path, family: str, seed: int):
        self.tmp = tmp
        self.family = family
        self.rng = random.Random(seed)
        self.fig = Figures(family)
        self.points = 0  # fault points of one plan (calibrated)
        self.writes = 0  # os.write calls among them
        self.duration = 0.0  # seconds of one plan (calibrated)
        self.trial = 0
        self.acked_markers: list[str] = []  # comment/work notes, titles: each once in the desk
        self.maybe_markers: list[str] = []  # sent but not acknowledged: at most once
        self.acked_invoices: list[str] = []
        self.desk: Desk
        self.env_extra: dict[str, str] = {}

    # ---------------------------------------------------------------- running
    def drive(self, plan: list[dict[str, Any]], crash_at: int = 0, mode: str = "before",
              delay: float | None = None, desk: Desk | None = None, kind: str = "") -> list[dict[str, Any]]:
        desk = desk or self.desk
        ackf = self.tmp / f"ack-{self.family}-{self.trial}-{time.monotonic_ns()}"
        env = desk.env(CRASH_AT=str(crash_at), CRASH_MODE=mode, CRASH_ACK=str(ackf), CRASH_KIND=kind,
                       CRASH_PLAN=json.dumps(plan), CRASH_SEED=str(self.rng.randrange(1 << 30)),
                       PYTHONPATH=str(ROOT), **self.env_extra)
        p = subprocess.Popen([sys.executable, "-c", DRIVER], env=env, cwd=desk.root, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        try:
            if delay is not None:
                while time.monotonic() < deadline and p.poll() is None:
                    if ackf.exists() and b"ready" in ackf.read_bytes():
                        break
                    time.sleep(0.002)
                time.sleep(delay)
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            try:  # a git child that outlived the driver belongs to the crash too
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        stderr = p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
        if p.stderr:
            p.stderr.close()
        acks = [json.loads(x) for x in ackf.read_text().splitlines() if x.strip()] if ackf.exists() else []
        if p.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"driver exited {p.returncode}: {stderr[-3000:]}")
        if p.returncode == 0 and not any(a.get("done") for a in acks):
            raise AssertionError(f"driver finished without its last line: {stderr[-3000:]}")
        return acks

    def calibrate(self, plan: list[dict[str, Any]]) -> None:
        acks = self.drive(plan)
        done = [a for a in acks if a.get("done")]
        assert done, acks
        self.duration = done[0]["elapsed"]
        self.points = done[0]["points"]
        self.writes = done[0]["kinds"].get("write", 0)
        steps = [a for a in acks if "i" in a]
        bad = [a for a in steps if a["code"] != 0 and not plan[a["i"]].get("may_fail")]
        assert not bad, bad
        self.after_plan(plan, steps)

    def run_trial(self, plan: list[dict[str, Any]]) -> None:
        mode = MODES[self.trial % len(MODES)]
        self.fig.by_mode[mode] = self.fig.by_mode.get(mode, 0) + 1
        if mode == "delay":
            acks = self.drive(plan, delay=self.rng.uniform(0.0, self.duration))
        elif mode == "torn":  # a write cut short: only the os.write calls are candidates
            acks = self.drive(plan, crash_at=self.rng.randint(1, max(1, self.writes)), mode=mode, kind="write")
        else:
            acks = self.drive(plan, crash_at=self.rng.randint(1, max(1, int(self.points * 1.05))), mode=mode)
        steps = [a for a in acks if "i" in a]
        finished = any(a.get("done") for a in acks)
        for a in acks:  # the kill came too late: aim with what this run counted
            if a.get("done"):
                self.points, self.duration = a["points"], a["elapsed"]
                self.writes = a["kinds"].get("write", 0)
        self.fig.trials += 1
        self.fig.killed += not finished
        ok_steps = [a for a in steps if a["code"] == 0]
        if not finished:
            self.fig.acked += len(ok_steps)
        for a in steps:
            if a["code"] != 0 and not plan[a["i"]].get("may_fail"):
                self.fail(f"trial {self.trial} ({mode}): step {plan[a['i']]['argv']} exited {a['code']}: "
                          f"{a['err'].strip()[-300:]}")
        for i, step in enumerate(plan):
            if step.get("marker"):
                acked = any(a["i"] == i and a["code"] == 0 for a in steps)
                (self.acked_markers if acked else self.maybe_markers).append(step["marker"])
        self.after_plan(plan, steps)
        self.check(f"trial {self.trial} ({mode})")

    def fail(self, msg: str) -> None:
        self.fig.failures.append(msg)

    # ---------------------------------------------------------------- checks
    def after_plan(self, plan: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        """Family-specific bookkeeping of what was acknowledged."""

    def recover(self) -> None:
        """Family-specific: what the next ordinary run does after a crash."""

    def fsck(self, label: str) -> None:
        r = self.desk.run("fsck")
        if r.code == 0:
            return
        lines = [x for x in r.out.splitlines() if x.strip()]
        torn = [x for x in lines if "torn last line" in x]
        temp = [x for x in lines if "leftover temp file" in x]
        merging = [x for x in lines if x.startswith(".git/MERGE_HEAD:")]  # the next `tix sync` finishes it
        other = [x for x in lines if x not in torn and x not in temp and x not in merging]
        if merging:
            # sync writes a merge result in place, under the ticket's lock (a rename would lose an
            # append racing for that lock); killed in the middle, the file is cut short until the
            # next `tix sync` writes it again from git's index, which holds both sides
            results = [x for x in other if x.startswith("tickets/")]
            self.fig.merge_results_cut += len(results)
            other = [x for x in other if x not in results]
            torn = []  # and no hand-healing in the middle of a merge: the recovery sync does it
        self.fig.torn_tails += len(torn)
        self.fig.temp_files += len(temp)
        self.fig.merges_left += len(merging)
        if other:
            self.fail(f"{label}: fsck: {other[:3]}")
        # heal: one more write to each torn ticket cuts its tail; temp files are deleted like fsck says
        for x in torn:
            tid = Path(x.split(":", 1)[0]).name[:-5]
            self.desk.ok("comment", tid, "-m", "heal", "--internal")
        for x in temp:
            (self.desk.root / x.split(":", 1)[0]).unlink()
        r = self.desk.run("fsck")
        if r.code != 0 and not merging:
            self.fail(f"{label}: fsck after healing: {r.out.strip()[:500]}")

    def desk_text(self) -> str:
        parts = []
        for p in sorted((self.desk.root / "tickets").rglob("*.yaml")):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def check_markers(self, label: str) -> None:
        text = self.desk_text()
        for m in self.acked_markers:
            n = len(re.findall(re.escape(m) + r"(?![0-9])", text))
            if n != 1:
                self.fail(f"{label}: acknowledged marker {m!r} found {n} times")
                if n == 0:
                    self.fig.data_lost += 1
        for m in self.maybe_markers:
            n = len(re.findall(re.escape(m) + r"(?![0-9])", text))
            if n > 1:
                self.fail(f"{label}: unacknowledged marker {m!r} found {n} times")

    def check_cache(self, label: str) -> None:
        warm = self.desk.run("list", "--status", "all", "--format", "json")
        state = self.desk.root / ".tix"
        if (self.desk.root / ".git").exists():
            state = self.desk.root / ".git" / "tix"
        for f in state.iterdir():  # every cache; keep the clone's identity and its locks
            if f.name != "clone.json" and not f.name.endswith(".lock"):
                shutil.rmtree(f) if f.is_dir() else f.unlink()
        cold = self.desk.run("list", "--status", "all", "--format", "json")
        if warm.code != cold.code or warm.out != cold.out:
            self.fail(f"{label}: the index cache disagrees with the files")

    def check(self, label: str) -> None:
        # first as a technician who carries on: fsck, then one more write to a
        # ticket with a torn tail; then the family's next ordinary run
        self.fsck(label)
        self.recover()
        self.fsck(label + " after recovery")
        r = self.desk.run("fsck")
        if r.code != 0:
            self.fail(f"{label}: fsck after recovery: {r.out.strip()[:500]}")
        self.check_markers(label)
        self.check_cache(label)


def tok(h: Harness, i: int) -> str:
    return f"{h.family}-m{h.trial}x{i}-"


# ----------------------------------------------------------------------------- families

class NewHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")

    def plan(self) -> list[dict[str, Any]]:
        out = []
        for i in range(5):
            m = tok(self, i)
            out.append({"argv": ["new", "--title", f"Crash {m}", "--org", "contoso", "--impact", "2",
                                 "-m", f"line one\nline two {m}"], "marker": f"Crash {m}"})
        return out

    def after_plan(self, plan: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        for a in steps:
            if a["code"] == 0:
                tid = a["out"].splitlines()[0]
                r = self.desk.run("show", tid, "--format", "json")
                if r.code != 0 or json.loads(r.out)["title"] != plan[a["i"]]["marker"]:
                    self.fail(f"acknowledged {tid} is not readable: {r.err}")


class CommentHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")
        self.ids = [self.desk.new("--title", f"Ticket {i}", "--org", "contoso") for i in range(3)]

    def plan(self) -> list[dict[str, Any]]:
        out = []
        for i in range(8):
            m = tok(self, i)
            # non-ASCII, so that a torn write can cut a character in two; and a multi-page line
            text = f"Grüße, één € {m}" if i % 3 else "long note " + "x€" * 4500 + f" {m}"
            argv = ["comment", self.ids[i % 3], "-m", text] + (["--internal"] if i % 2 else [])
            out.append({"argv": argv, "marker": m})
        return out


class WorkHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")
        self.ids = [self.desk.new("--title", f"Ticket {i}", "--org", "fabrikam") for i in range(3)]

    def plan(self) -> list[dict[str, Any]]:
        out = []
        for i in range(7):
            m = tok(self, i)
            argv = ["work", self.ids[i % 3], ["45m", "1h30m", "1.5h", "90"][i % 4], "-m", f"work {m}"]
            argv += [["--onsite"], ["--after-hours"], ["--no-bill"], []][i % 4]
            out.append({"argv": argv, "marker": m})
        return out


class InvoiceHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")
        self.ids = [self.desk.new("--title", f"Ticket {i}", "--org", org) for i, org in
                    enumerate(("contoso", "fabrikam", "contoso"))]

    def plan(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(3):
            for j in range(2):
                m = tok(self, 2 * i + j)
                out.append({"argv": ["work", self.ids[(i + j) % 3], "30m", "-m", f"billable {m}"], "marker": m})
            org = ["--org", "contoso"] if i == 1 else []
            out.append({"argv": ["invoice", "2026-11", "--mark", *org], "may_fail": True, "invoice": True})
        return out

    def after_plan(self, plan: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        for a in steps:
            if plan[a["i"]].get("invoice") and a["code"] == 0:
                m = re.search(r"issued invoice (\S+):", a["err"])
                if not m:
                    self.fail(f"invoice --mark acknowledged without a number: {a['err']}")
                else:
                    self.acked_invoices.append(m.group(1))

    def recover(self) -> None:
        r = self.desk.run("invoice", "2026-11", "--mark")
        if r.code not in (0, 1):
            self.fail(f"recovery invoice --mark exited {r.code}: {r.err}")

    def check(self, label: str) -> None:
        super().check(label)
        from tix.storage import ledger
        from tix.storage.store import Store

        store = Store(self.desk.root)
        recs = ledger.records(store)  # raises on a broken record
        numbers = [r.number for r in recs]
        for n in self.acked_invoices:
            if n not in numbers:
                self.fail(f"{label}: acknowledged invoice {n} is gone")
                self.fig.data_lost += 1
        # after recovery every billable entry is billed exactly once (fsck checks "billed twice")
        billed = [i for r in recs for i in r.invoice.entry_ids]
        if len(billed) != len(set(billed)):
            self.fail(f"{label}: an entry is billed twice")
        work = [e["id"] for tid in self.ids for e in store.ticket(tid).work if not e.get("no_bill")]
        missing = set(work) - set(billed)
        if missing:
            self.fail(f"{label}: {len(missing)} work entries never billed")


class ReindexHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")
        self.ids = [self.desk.new("--title", f"Ticket {i}", "--org", "contoso") for i in range(20)]

    def plan(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(4):
            m = tok(self, i)
            out.append({"argv": ["comment", self.ids[self.rng.randrange(20)], "-m", f"c {m}"], "marker": m})
            out.append({"argv": ["reindex"]})
            out.append({"argv": ["status", self.ids[self.rng.randrange(20)], ["open", "waiting"][i % 2]],
                        "may_fail": True})
            out.append({"argv": ["list", "--status", "all", "--format", "json"], "may_fail": True})
        return out


def _mail(mid: str, subject: str, body: str, attach: bytes | None = None, sender: str = "jan@contoso.com") -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = f"Jan <{sender}>"
    msg["To"] = "support@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = mid
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    msg.set_content(body)
    if attach is not None:
        msg.add_attachment(attach, maintype="application", subtype="octet-stream", filename="log.bin")
    return bytes(msg)


class MailHarness(Harness):
    def setup(self) -> None:
        self.desk = make_desk(self.tmp / "desk")
        self.maildir = self.tmp / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        self.mids: list[str] = []
        self.first = self.desk.new("--title", "Printer", "--org", "contoso")

    def drop(self) -> None:
        for i in range(3):
            m = tok(self, i)
            mid = f"<{m}@contoso.com>"
            self.mids.append(mid)
            att = hashlib.sha256(m.encode()).digest() * 3000 if i == 1 else None  # ~96 KB attachment
            subject = f"[tix {self.first}] still broken {m}" if i == 2 else f"Outage {m}"
            raw = _mail(mid, subject, f"Hello,\n\nbody {m}\n", att)
            (self.maildir / "new" / f"{time.time_ns()}.{m}.host").write_bytes(raw)

    def plan(self) -> list[dict[str, Any]]:
        self.drop()
        m = tok(self, 9)
        return [{"argv": ["mail", "import", str(self.maildir)]},
                {"argv": ["comment", self.first, "-m", f"after {m}"], "marker": m},
                {"argv": ["mail", "import", str(self.maildir)]}]

    def recover(self) -> None:
        r = self.desk.run("mail", "import", str(self.maildir))
        if r.code != 0:
            self.fail(f"recovery mail import exited {r.code}: {r.err}")

    def check(self, label: str) -> None:
        super().check(label)
        text = self.desk_text()
        for mid in self.mids:
            n = text.count(json.dumps(mid.strip("<>")))
            if n != 1:
                self.fail(f"{label}: message {mid} imported {n} times")
                self.fig.data_lost += n == 0
        left = list((self.maildir / "new").iterdir())
        if left:
            self.fail(f"{label}: {len(left)} messages left in new/ after recovery")
        if (self.maildir / ".tix-failed").exists() and any((self.maildir / ".tix-failed").rglob("*.host")):
            self.fail(f"{label}: a message was moved to .tix-failed")
        # every attachment matches the sha256 its event records
        for tid_file in (self.desk.root / "tickets").rglob("*.yaml"):
            for line in tid_file.read_text().splitlines():
                if '"type": "attached"' in line:
                    ev = json.loads(line[2:])
                    data = (self.desk.root / ev["path"]).read_bytes()
                    if hashlib.sha256(data).hexdigest() != ev["sha256"]:
                        self.fail(f"{label}: attachment {ev['path']} is half-written")


class SyncHarness(Harness):
    def setup(self) -> None:
        bare = self.tmp / "remote.git"
        self.bare = bare
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
        a = self.tmp / "a"
        subprocess.run(["git", "init", "-q", "-b", "main", str(a)], check=True)
        self.desk = make_desk(a, prefix="AB")
        subprocess.run(["git", "-C", str(a), "remote", "add", "origin", str(bare)], check=True)
        self.ids = [self.desk.new("--title", f"Shared {i}", "--org", "contoso") for i in range(2)]
        self.desk.ok("sync")
        b = self.tmp / "b"
        subprocess.run(["git", "clone", "-q", str(bare), str(b)], check=True, capture_output=True)
        self.other = EnvDesk(b, "pieter")
        r = self.other.run("init", str(b), "--prefix", "PK")
        assert r.code == 0, r.err
        self.other.ok("sync")

    def plan(self) -> list[dict[str, Any]]:
        # the other clone moves on first, so the crashed sync has something to merge
        m = tok(self, 8)
        self.other.ok("comment", self.ids[self.trial % 2], "-m", f"other {m}")
        self.other.ok("sync")
        self.acked_remote.append(m)
        out: list[dict[str, Any]] = []
        for i in range(2):
            m = tok(self, i)
            out.append({"argv": ["comment", self.ids[i], "-m", f"mine {m}"], "marker": m})
            out.append({"argv": ["sync"], "sync": True, "markers": [m]})
        return out

    acked_remote: list[str]

    def after_plan(self, plan: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
        # a marker whose comment and a later sync were both acknowledged must be on the remote
        pending: list[str] = []
        for i, step in enumerate(plan):
            acked = any(a["i"] == i and a["code"] == 0 for a in steps)
            if step.get("marker") and acked:
                pending.append(step["marker"])
            if step.get("sync") and acked:
                self.acked_remote += pending
                pending = []

    def remote_text(self) -> str:
        p = subprocess.run(["git", "--git-dir", str(self.bare), "grep", "-h", "-e", "mine ", "-e", "other ",
                            "main", "--", "tickets"], capture_output=True, text=True)
        return p.stdout

    def recover(self) -> None:
        for d in (self.desk, self.other):
            r = d.run("sync")
            for _ in range(3):
                # A git killed mid-update leaves its lock file (index.lock, ORIG_HEAD.lock). Git never
                # removes one by itself (it cannot know the other git is dead) and neither does tix:
                # the user deletes it, as git's message says. Counted, then done here like a user would.
                m = re.search(r"Unable to create '([^']+\.lock)': File exists", r.err)
                if r.code == 0 or not m:
                    break
                self.fig.git_locks += 1
                Path(m.group(1)).unlink()
                r = d.run("sync")
            if r.code != 0:
                self.fail(f"recovery sync in {d.root.name} exited {r.code}: {r.err.strip()}")

    def check(self, label: str) -> None:
        super().check(label)
        text = self.remote_text()
        for m in self.acked_remote:
            if text.count(m) != 1:
                self.fail(f"{label}: acknowledged {m!r} is {text.count(m)} times on the remote")
                self.fig.data_lost += m not in text
        r = self.other.run("fsck")
        if r.code != 0:
            self.fail(f"{label}: fsck in the other clone: {r.out.strip()[:300]}")


HARNESSES = {"new": NewHarness, "comment": CommentHarness, "work": WorkHarness, "invoice": InvoiceHarness,
             "reindex": ReindexHarness, "mail": MailHarness, "sync": SyncHarness}


def _run_family(tmp_path: Path, family: str, trials: int, seed: int) -> Figures:
    h = HARNESSES[family](tmp_path, family, seed)
    if isinstance(h, SyncHarness):
        h.acked_remote = []
    t0 = time.monotonic()
    h.setup()  # type: ignore[attr-defined]
    h.calibrate(h.plan())  # type: ignore[attr-defined]
    h.check("calibration")
    for _ in range(trials):
        h.trial += 1
        h.run_trial(h.plan())  # type: ignore[attr-defined]
    h.fig.seconds = time.monotonic() - t0
    h.fig.record()
    return h.fig


def _assert_clean(fig: Figures) -> None:
    assert not fig.failures, "\n".join(fig.failures[:20])
    assert fig.data_lost == 0
    assert fig.killed > 0  # the harness really crashed something


@pytest.mark.parametrize("family", FAMILIES)
def test_sigkill_during(tmp_path: Path, family: str, git_env: None) -> None:
    if family == "sync" and shutil.which("git") is None:
        pytest.skip("git is not installed")
    fig = _run_family(tmp_path, family, DEFAULT_TRIALS[family], seed=FAMILIES.index(family))
    _assert_clean(fig)


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_sigkill_during_long(tmp_path: Path, family: str, git_env: None) -> None:
    if family == "sync" and shutil.which("git") is None:
        pytest.skip("git is not installed")
    trials = int(os.environ.get("TIX_CRASH_TRIALS") or 60)
    seed = int(os.environ.get("TIX_CRASH_SEED") or 1000 + FAMILIES.index(family))
    fig = _run_family(tmp_path, family, trials, seed)
    _assert_clean(fig)


def test_driver_counts_fault_points(tmp_path: Path) -> None:
    """The harness itself: an uncrashed plan reports its fault points, and a
    crash at point 1 acknowledges nothing and leaves the desk as it was."""
    h = CommentHarness(tmp_path, "comment", 0)
    h.setup()
    before = h.desk.snapshot()
    acks = h.drive([{"argv": ["comment", h.ids[0], "-m", "x"]}], crash_at=1, mode="before")
    assert not any("i" in a for a in acks)
    assert h.desk.snapshot() == before
    acks = h.drive([{"argv": ["comment", h.ids[0], "-m", "x"]}])
    done = [a for a in acks if a.get("done")][0]
    assert done["points"] >= 2 and done["kinds"].get("fsync", 0) >= 1


def test_sync_after_a_torn_merge_result_and_a_comment_keeps_every_event(tmp_path: Path, git_env: None) -> None:
    """Found by the harness: `tix sync` killed while writing a merge result
    leaves a torn file; a `tix comment` before the next sync cuts the torn
    line and appends. The next sync took that file as "resolved by hand"
    and dropped the cut event from the merge (data lost). It must union it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    from tix.core.merge import merge_file

    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    a_root = tmp_path / "a"
    subprocess.run(["git", "init", "-q", "-b", "main", str(a_root)], check=True)
    a = make_desk(a_root)
    subprocess.run(["git", "-C", str(a_root), "remote", "add", "origin", str(bare)], check=True)
    tid = a.new("--title", "Shared", "--org", "contoso")
    a.ok("sync")
    b_root = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(bare), str(b_root)], check=True)
    b = EnvDesk(b_root, "pieter")
    b.ok("init", str(b_root), "--prefix", "PK")
    b.ok("comment", tid, "-m", "theirs one")
    b.ok("sync")
    a.ok("comment", tid, "-m", "ours one")
    a.ok("comment", tid, "-m", "ours two")

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-C", str(a_root), *args], check=False, capture_output=True).stdout

    git("add", "-A")
    git("commit", "-q", "-m", "ours")
    git("fetch", "-q", "origin")
    git("-c", "merge.tix.driver=false", "-c", "merge.tix.name=defer", "merge", "-q", "--no-edit", "origin/main")
    rel = next(p for p in git("diff", "--name-only", "--diff-filter=U").decode().split() if tid in p)
    base, ours, theirs = (git("show", f":{n}:{rel}") for n in (1, 2, 3))
    merged = merge_file(rel, base, ours, theirs)
    assert b"ours two" in merged and b"theirs one" in merged
    cut = merged.rindex(b"ours two") if merged.index(b"ours two") > merged.index(b"theirs one") else \
        merged.rindex(b"theirs one")
    (a_root / rel).write_bytes(merged[:cut])  # the crash: a torn merge result
    a.ok("comment", tid, "-m", "after the crash")  # cuts the torn line, appends
    a.ok("sync")
    text = (a_root / rel).read_text()
    for m in ("ours one", "ours two", "theirs one", "after the crash"):
        assert text.count(m) == 1, (m, text)
    assert a.run("fsck").code == 0


def test_a_tear_inside_a_utf8_character_is_a_torn_line(tmp_path: Path) -> None:
    """Found by the fuzz tests: a write torn inside a multi-byte character
    made the whole file "not UTF-8" (every reader refused the ticket)
    instead of a torn last line that readers ignore and the next write cuts."""
    desk = make_desk(tmp_path / "desk")
    tid = desk.new("--title", "Café")
    desk.ok("comment", tid, "-m", "eerste")
    path = next((desk.root / "tickets").rglob(f"{tid}.yaml"))
    whole = path.read_bytes()
    desk.ok("comment", tid, "-m", "Grüße €")
    data = path.read_bytes()
    cut = data.rindex("€".encode()) + 1  # inside the three bytes of €
    path.write_bytes(data[:cut])
    assert json.loads(desk.ok("show", tid, "--format", "json"))["events"][-1]["text"] == "eerste"
    r = desk.run("fsck")
    assert r.code == 1 and "torn last line" in r.out, r.out
    desk.ok("comment", tid, "-m", "daarna")
    assert path.read_bytes().startswith(whole) and desk.run("fsck").code == 0
