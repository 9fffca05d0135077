"""`tix sync`: commit the desk, pull with tix's merge, check, push, retry.

    commit   the desk's pending files (tickets/, invoices/, policies.yaml, the
             desk's .gitattributes/.gitignore; nothing else of the repository)
             with a message naming the tickets and what happened to them
    fetch    the remote branch
    merge    `git merge` with `-c merge.tix.driver=...` set to a stub that
             defers every ticket file both sides changed; tix then merges
             them all in this one process (tix.core.merge.merge_file on the index
             stages 1/2/3, read with one `git cat-file --batch`) and stages
             the results. Same result as the registered driver, without
             starting a Python per file (1,000 merged tickets: one process).
             A merge left unfinished by a plain `git pull` (conflict markers
             in a clone without the driver) is finished the same way.
    check    the files that differ from the remote, ID prefix claims and the
             invoice ledger (tix.storage.fsck.check_for_push): a collision is never
             pushed
    push     and when the remote moved on meanwhile (someone pushed first),
             fetch, merge and check again, up to `retries` times.

A desk outside a git work tree has nothing to sync; that is not an error.
All git calls go through tix.storage.gitops.git."""

from __future__ import annotations

import fcntl
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.core.errors import StoreError, TixError
from tix.storage import gitops
from tix.storage.gitops import git, git_bytes

if TYPE_CHECKING:
    from tix.core.ids import IdSource
    from tix.storage.fsck import Finding
    from tix.storage.history import Rewrite
    from tix.storage.store import Store

# In `tix sync`'s own merges the driver only marks a file as "both changed";
# tix merges those files afterwards, all in one process (see the docstring).
DEFER_DRIVER = "false"  # no shell metacharacters: git execs it directly, no `sh -c` per file
REJECTED = ("[rejected]", "rejected", "fetch first", "non-fast-forward", "failed to update ref",
            "cannot lock ref", "stale info", "failed to lock")


@dataclass
class Conflict:
    path: str  # relative to the repository root
    reason: str


@dataclass
class SyncResult:
    git: bool = True  # False: the desk is not in a git work tree
    committed: str | None = None  # subject of the commit tix made
    changed: int = 0  # desk files in that commit
    remote: str | None = None  # "origin/main"
    merged: int = 0  # files tix merged
    pulled: bool = False  # the remote had commits we did not
    pushed: bool = False
    attempts: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    blocked: list[Finding] = field(default_factory=list)  # why nothing was pushed
    notes: list[str] = field(default_factory=list)
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id) of this clone's tickets
    healed: list[str] = field(default_factory=list)  # invoice records renumbered or trimmed
    rewrites: list[Rewrite] = field(default_factory=list)  # pulled commits that rewrite history: not merged
    offline: str | None = None  # why the remote could not be reached
    policy: list[str] = field(default_factory=list)  # pulled changes to mail, billing, team settings
    policy_texts: tuple[str | None, str] | None = None  # (before, after) the pull, when the policy changed
    after_pull: list[str] = field(default_factory=list)  # what the after-pull step did (duplicates merged)

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.blocked and not self.rewrites and not self.offline


class _Repo:
    """The desk inside its git work tree."""

    def __init__(self, store: Store):
        root = store.git_root
        assert root is not None
        self.store = store
        self.root = root
        rel = os.path.relpath(store.root, root)
        self.prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"

    def run(self, *args: str, check: bool = True, input: str | None = None):  # type: ignore[no-untyped-def]
        return git(self.root, *args, check=check, input=input, lock_retry=True)

    # ------------------------------------------------------------ paths
    def desk_paths(self) -> list[str]:
        """Pathspecs (repository-relative) of everything tix shares."""
        names = ["tickets", "invoices", "policies.yaml", ".gitattributes", ".gitignore",
                 "templates", "attachments"]  # mail templates and attachments are desk data too
        out = []
        for n in names:
            p = self.store.root / n
            if p.exists() or self._tracked(self.prefix + n):
                out.append(self.prefix + n)
        if not out:
            raise StoreError("no desk files to sync", path=str(self.store.root))
        return out

    def _tracked(self, path: str) -> bool:
        return bool(self.run("ls-files", "--", path).stdout.strip())

    def is_desk_file(self, path: str) -> bool:
        """A ticket file or invoice record (the files tix merges)."""
        if not path.startswith(self.prefix) or not path.endswith(".yaml"):
            return False
        parts = path[len(self.prefix):].split("/")
        return (parts[0] == "tickets" and len(parts) >= 3) or (parts[0] == "invoices" and len(parts) == 2)

    def desk_rel(self, path: str) -> str:
        return path[len(self.prefix):] if path.startswith(self.prefix) else path

    # ------------------------------------------------------------ config
    def merge_config(self) -> list[str]:
        """`git -c` settings for tix's merges: the deferring driver, and the
        attributes that route desk files to it even if .gitattributes is missing."""
        attrs = self.store.ensure_state_dir() / "sync.attributes"
        want = "".join(f"{self.prefix}{p} merge=tix\n" for p in gitops.ATTRIBUTE_PATTERNS)
        try:
            if not attrs.exists() or attrs.read_text() != want:
                self.store.write_atomic(attrs, want.encode())
        except OSError as err:
            raise StoreError(f"cannot write: {err.strerror}", path=str(attrs)) from None
        return ["-c", f"merge.tix.name={gitops.DRIVER_NAME}", "-c", f"merge.tix.driver={DEFER_DRIVER}",
                "-c", f"core.attributesFile={attrs}", "-c", "merge.conflictStyle=merge"]


# ------------------------------------------------------------------ describe

def describe(repo: _Repo, paths: list[str], user: str) -> str:
    """A commit message for the staged desk changes: which tickets, what happened."""
    import json

    raw = repo.run("diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames", "-U0", "--",
                   *paths).stdout
    items: dict[str, dict[str, object]] = {}
    cur: dict[str, object] | None = None
    for line in raw.splitlines():
        if line.startswith("diff --git "):
            path = line.split(" b/", 1)[-1]
            cur = items.setdefault(path, {"new": False, "gone": False, "types": []})
        elif cur is None:
            continue
        elif line.startswith("new file mode"):
            cur["new"] = True
        elif line.startswith("deleted file mode"):
            cur["gone"] = True
        elif line.startswith("+- {"):
            try:
                cur["types"].append(json.loads(line[3:]).get("type", "?"))  # type: ignore[attr-defined]
            except ValueError:
                cur["types"].append("edit")  # type: ignore[attr-defined]
    labels: list[str] = []
    counts: Counter[str] = Counter()
    tickets = new = 0
    for path, it in sorted(items.items()):
        rel = repo.desk_rel(path)
        name = rel.rsplit("/", 1)[-1]
        types: list[str] = it["types"]  # type: ignore[assignment]
        state = " deleted" if it["gone"] else " new" if it["new"] else ""
        if rel.startswith("tickets/") and name.endswith(".yaml"):
            tickets += 1
            kinds = list(dict.fromkeys(t for t in types if t != "opened"))
            counts.update(t for t in types if t != "opened")
            new += bool(it["new"])
            what = ", ".join(kinds) if kinds else ("" if state else "edited")
            labels.append(f"{name[:-5]}{state}" + (f" ({what})" if state and what else f" {what}" if what else ""))
        elif rel.startswith("invoices/"):
            labels.append(f"invoice {name.split('.')[0]}{state}")
        elif "/.claim-" in rel:
            labels.append(f"prefix {rel.split('/')[1]} claimed" if not it["gone"] else f"claim {rel} deleted")
        else:
            labels.append(f"{rel}{state or ' changed'}")
    if len(labels) <= 3:
        subject = "; ".join(labels) or "desk changes"
    elif tickets:
        top = ", ".join(f"{k} {v}" for k, v in counts.most_common(4))
        rest = len(labels) - tickets
        subject = f"{tickets} tickets ({new} new" + (f"; {top}" if top else "") + ")" + \
            (f" and {rest} other file{'s' if rest != 1 else ''}" if rest else "")
    else:
        subject = f"{len(labels)} files: " + "; ".join(labels[:3]) + "; ..."
    body = "\n".join(labels) if len(labels) > 3 else ""
    msg = f"tix sync ({user}): {subject}\n"
    if body:
        msg += "\n" + body + "\n"
    return msg


# ------------------------------------------------------------------ merging

def _cat_blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    if not shas:
        return {}
    out = git_bytes(root, "cat-file", "--batch", input="".join(s + "\n" for s in shas).encode())
    blobs: dict[str, bytes] = {}
    i = 0
    for sha in shas:
        nl = out.index(b"\n", i)
        head = out[i:nl].split()
        if len(head) < 3 or head[1] == b"missing":
            raise StoreError(f"git object {sha} is missing")
        size = int(head[2])
        blobs[sha] = out[nl + 1: nl + 1 + size]
        i = nl + 1 + size + 1
    return blobs


class _Changed(Exception):
    """A tix command changed the file while sync was merging it."""


def _write(path: Path, data: bytes, expect: bytes | None) -> None:
    """Write a merge result into the work tree, under the ticket file's lock
    (the one `Store.append` takes). Lines a tix command appended since we read
    `expect` are kept after the result; any other change raises _Changed.
    No fsync, like git's own checkout: until `git add`, the index stages still
    hold both sides, and a crash here only means the next `tix sync` merges
    again (a torn result is recognised as a prefix of the merge)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        raise StoreError(f"cannot write: {err.strerror}", path=str(path)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        cur = b"".join(chunks)
        if expect is not None and cur != expect:
            if not (cur.startswith(expect) and (not expect or expect.endswith(b"\n"))):
                raise _Changed(str(path))
            data += cur[len(expect):]
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as err:
        raise StoreError(f"cannot write: {err.strerror}", path=str(path)) from None
    finally:
        os.close(fd)


def unmerged(root: Path) -> dict[str, dict[int, str]]:
    """Paths git left unmerged -> {stage: blob sha} (1 base, 2 ours, 3 theirs)."""
    out: dict[str, dict[int, str]] = {}
    for rec in git_bytes(root, "ls-files", "-u", "-z").split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        _mode, sha, stage = meta.decode().split()
        out.setdefault(path.decode("utf-8", "surrogateescape"), {})[int(stage)] = sha
    return out


def _take_theirs(base: bytes | None, ours: bytes, theirs: bytes, record: bool) -> bytes:
    """An acknowledged rewrite: their version wins, with the event lines only
    we added since the merge base appended (nothing of ours is lost)."""
    if record:
        return theirs
    from tix.storage.history import split_ticket

    have = set(split_ticket(theirs)[1]) | (set(split_ticket(base)[1]) if base is not None else set())
    extra = [x for x in split_ticket(ours)[1] if x not in have]
    out = theirs if theirs.endswith(b"\n") else theirs[: theirs.rfind(b"\n") + 1]
    return out + b"".join(x + b"\n" for x in extra)


def resolve(repo: _Repo, accept_theirs: bool = False) -> tuple[int, list[Conflict]]:
    """Merge every unmerged ticket file and invoice record in this process.
    A file the user already resolved by hand (no markers, not git's "ours")
    is kept if it is sound. Returns (files merged, conflicts left)."""
    from tix.core.grammar import CONFLICT_RE
    from tix.core.merge import MergeConflict, is_record, merge_file
    from tix.storage.fsck import check_ticket_file

    stages = unmerged(repo.root)
    if not stages:
        return 0, []
    mine = {p: s for p, s in stages.items() if repo.is_desk_file(p)}
    conflicts = [Conflict(p, "not a desk file: resolve it with git as usual")
                 for p in sorted(stages) if p not in mine]
    blobs = _cat_blobs(repo.root, sorted({sha for s in mine.values() for sha in s.values()}))
    done: list[str] = []
    for path, s in sorted(mine.items()):
        if 2 not in s or 3 not in s:
            side = "ours" if 2 not in s else "theirs"
            conflicts.append(Conflict(path, f"deleted on {side}, changed on the other side: keep or delete "
                                            f"it with git (tix never deletes tickets)"))
            continue
        base = blobs[s[1]] if 1 in s else None
        ours, theirs = blobs[s[2]], blobs[s[3]]
        full = repo.root / path
        try:
            work = full.read_bytes() if not full.is_symlink() else None
        except OSError:
            work = None
        try:
            merged: bytes | None = merge_file(path, base, ours, theirs)
            marked, reason = None, ""
        except MergeConflict as err:
            merged, marked, reason = None, err.marked, err.reason
            if accept_theirs:  # the user acknowledged the pulled rewrite
                merged = _take_theirs(base, ours, theirs, is_record(path))
        result = merged if merged is not None else marked
        assert result is not None
        torn = merged is not None and work is not None and merged.startswith(work)
        hand = (work is not None and work not in (ours, result) and not torn
                and not CONFLICT_RE.search(work.decode("utf-8", "replace")))
        if hand and merged is not None and work is not None and not is_record(path):
            # A crash while writing the result, then a tix command that cut its torn
            # last line and appended: `work` lacks merged events. Union it with the result.
            try:
                union = merge_file(path, None, merged, work)
            except MergeConflict:
                union = None
            if union is not None and union != work:
                merged = result = union
                hand = False
        if hand:
            # Resolved by hand (not git's "ours", not our result or a torn
            # write of it, no markers left): keep it if it is a sound file.
            problems = [] if is_record(path) else check_ticket_file(repo.store, full)
            if problems:
                conflicts.append(Conflict(path, f"resolved by hand, but: {problems[0]}"))
            else:
                done.append(path)
            continue
        if work != result:
            try:
                _write(full, result, work)
            except _Changed:
                conflicts.append(Conflict(path, "changed by a tix command while tix sync ran: run tix sync again"))
                continue
        if merged is None:
            if base is None and not is_record(path):
                reason += "; both clones created this ticket ID: two clones use one ID prefix (see `tix fsck`)"
            conflicts.append(Conflict(path, reason))
        else:
            done.append(path)
    for i in range(0, len(done), 500):
        repo.run("add", "--", *done[i:i + 500])
    return len(done), conflicts


# ------------------------------------------------------------------ the loop

def _rejected(stderr: str) -> bool:
    low = stderr.lower()
    return any(x in low for x in REJECTED)


def _upstream(repo: _Repo, remote: str | None, branch: str | None) -> tuple[str, str, str, bool] | None:
    """(current branch, remote, remote branch, has upstream) or None without a remote."""
    cur = repo.run("symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.strip()
    if not cur:
        raise StoreError("HEAD is detached: check out the desk's branch first (git switch main)")
    cfg_remote = repo.run("config", f"branch.{cur}.remote", check=False).stdout.strip()
    cfg_merge = repo.run("config", f"branch.{cur}.merge", check=False).stdout.strip()
    remotes = repo.run("remote").stdout.split()
    r = remote or cfg_remote or ("origin" if "origin" in remotes else (remotes[0] if len(remotes) == 1 else ""))
    if not r:
        if remotes:
            raise StoreError(f"several git remotes ({', '.join(remotes)}) and no upstream: pass --remote")
        return None
    if r not in remotes and not remote:
        return None
    b = branch or (cfg_merge.removeprefix("refs/heads/") if cfg_merge and r == cfg_remote else cur)
    return cur, r, b, bool(cfg_merge and cfg_remote)


def _commit_pending(repo: _Repo, user: str, message: str | None, res: SyncResult) -> None:
    from tix.storage.fsck import check_files

    paths = repo.desk_paths()
    repo.run("add", "-A", "--", *paths)
    staged = repo.run("diff", "--cached", "--name-only", "--no-renames", "-z", "--", *paths).stdout
    files = [p for p in staged.split("\0") if p]
    if not files:
        return
    found = check_files(repo.store, [repo.desk_rel(p) for p in files])
    torn = [f for f in found if f.problem.startswith("torn last line")]
    if torn:
        # A crash mid-append left half a line: cut it the way the next append
        # would (the store does it under the ticket's lock), then look again.
        from tix.storage.store import ID_RE

        for f in torn:
            tid = f.path.rsplit("/", 1)[-1][:-5]
            if ID_RE.match(tid) and repo.store.rel(repo.store.path_for(tid)) == f.path:
                repo.store.append(tid, [])
        repo.run("add", "-A", "--", *paths)
        found = check_files(repo.store, [repo.desk_rel(p) for p in files])
    if found:
        res.blocked = found
        res.notes.append("nothing was committed or pushed: fix these files first (see `tix fsck`)")
        return
    msg = message.strip() + "\n" if message else describe(repo, paths, user)
    proc = repo.run("commit", "-q", "--no-verify", "-F", "-", "--", *paths, input=msg, check=False)
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        raise StoreError(f"git commit failed: {err[-1] if err else proc.returncode}")
    res.committed = msg.splitlines()[0]
    res.changed = len(files)


def _finish_merge(repo: _Repo, res: SyncResult, accept_theirs: bool = False) -> bool:
    """Resolve what git left unmerged; commit the merge if nothing is left. True if done."""
    n, conflicts = resolve(repo, accept_theirs)
    res.merged += n
    if conflicts:
        res.conflicts = conflicts
        return False
    if gitops.in_merge(repo.root):
        repo.run("add", "-A", "--", *repo.desk_paths())
        repo.run("commit", "-q", "--no-edit", "--no-verify")
    return True


def _is_ancestor(repo: _Repo, a: str, b: str) -> bool:
    return repo.run("merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def accept_full(repo: _Repo, accept: list[str]) -> set[str]:
    """`--accept-rewrite` values as full commit ids (an unknown one is bad input)."""
    from tix.core.errors import BadInput

    out = set()
    for a in accept:
        p = repo.run("rev-parse", "-q", "--verify", f"{a}^{{commit}}", check=False)
        if p.returncode != 0 or not p.stdout.strip():
            raise BadInput(f"--accept-rewrite {a}: no such commit (give the commit `tix sync` reported)")
        out.add(p.stdout.strip())
    return out


def _acknowledged(repo: _Repo, tip: str, head: str, accept: list[str]) -> set[str]:
    from tix.storage.history import accepted

    return accepted(repo.root, [tip, head]) | accept_full(repo, accept)


def _local_rewrites(repo: _Repo, res: SyncResult, head: str, tip: str, accept: list[str]) -> bool:
    """This clone's own unpushed commits must not rewrite history either (a
    hand edit of an old event, a deleted ticket file): reported and not
    pushed unless acknowledged; an acknowledgement goes out as an empty commit
    with a `Tix-Accepted-Rewrite:` trailer. True when blocked."""
    from tix.storage.history import ACCEPT_TRAILER, accepted, scan

    given = accept_full(repo, accept)
    acks = accepted(repo.root, [head]) | given
    found = scan(repo.root, [head, f"^{tip}"], repo.prefix, acks)
    if found:
        res.rewrites = found
        return True
    mine = set(repo.run("rev-list", head, f"^{tip}").stdout.split())
    new = sorted((given & mine) - accepted(repo.root, [head]))
    if new:
        msg = "tix sync: history rewrite acknowledged\n\n" + "".join(f"{ACCEPT_TRAILER} {a}\n" for a in new)
        repo.run("commit", "-q", "--allow-empty", "--no-verify", "-F", "-", input=msg)
    return False


def _confirm(store: Store, repo: _Repo) -> None:
    """After a push: a provisional prefix whose claim file went out is confirmed."""
    info = store.clone_info()
    if not info or info.get("confirmed", True):
        return
    path = f"{repo.prefix}tickets/{info['prefix']}/.claim-{info.get('clone', '')}"
    if repo.run("cat-file", "-e", f"HEAD:{path}", check=False).returncode == 0:
        from tix.storage.claim import save

        save(store, info["prefix"], info["clone"], info.get("user", ""), confirmed=True)


def _heal(store: Store, repo: _Repo, res: SyncResult, user: str, tip: str, head: str, now: Any,
          rname: str, rbranch: str, event_ids: IdSource) -> str:
    """Before merging `tip`: renumber this clone's tickets when its provisional
    prefix was claimed on the remote by another clone, and renumber or trim
    its unpushed invoice records that clash with the remote's (tix.storage.renumber).
    Commits what it changed; returns the remote tip to merge (a new prefix
    claim moves it)."""
    from datetime import datetime

    from tix.storage import claim
    from tix.storage.renumber import renumber

    base = repo.run("merge-base", head, tip, check=False).stdout.strip() or None
    when = now or datetime.now(UTC).replace(microsecond=0)
    info = store.clone_info()
    if info and info.get("clone"):
        ids, shards = claim.claims_in(repo.root, tip, repo.prefix, info["prefix"])
        if info["clone"] in ids:
            if not info.get("confirmed", True):
                claim.save(store, info["prefix"], info["clone"], info.get("user", user), confirmed=True)
        elif (ids or shards) and not info.get("confirmed", True):
            old = info["prefix"]
            remote = claim.Remote(rname, rbranch, f"refs/remotes/{rname}/{rbranch}")
            try:
                new, _sha = claim.claim_remote(store, user, remote, clone_id=info["clone"], avoid={old})
            except claim.Unreachable as err:
                raise StoreError(f"cannot claim a new ID prefix on {rname}: {err}") from None
            done = renumber(store, repo.root, base, old, new, info["clone"], user, when, event_ids)
            claim.save(store, new, info["clone"], info.get("user", user), confirmed=True)
            res.renumbered += done.tickets
            tip = repo.run("rev-parse", "-q", "--verify", f"refs/remotes/{rname}/{rbranch}").stdout.strip()
            listing = "".join(f"{a} -> {b}\n" for a, b in done.tickets)
            _commit_desk(repo, f"tix sync: renumbered {len(done.tickets)} ticket"
                               f"{'s' if len(done.tickets) != 1 else ''} of this clone from {old} to {new} "
                               f"({old} was claimed by another clone first)\n\n{listing}")
    return tip


def _heal_invoices(store: Store, repo: _Repo, res: SyncResult, tip: str, base: str | None) -> None:
    """After merging `tip`: this clone's unpushed invoice records and credit
    notes that clash with the remote's are renumbered or trimmed
    (tix.storage.renumber), one commit."""
    from tix.storage.renumber import heal_credit_notes, heal_invoices

    healed = heal_invoices(store, repo.root, base, tip)
    healed += heal_credit_notes(store, repo.root, base, tip)
    if healed:
        res.healed += healed
        _commit_desk(repo, "tix sync: invoice records issued offline healed\n\n" + "\n".join(healed) + "\n")


def _policy_notes(repo: _Repo, res: SyncResult, before: str | None) -> None:
    """One line per pulled change to the policy's mail, billing, team or
    contract settings (a rate or a mail server changed by another clone
    must never go unnoticed)."""
    if before is None:
        return
    from tix.core.policy_diff import policy_changes

    path = f"{repo.prefix}policies.yaml"
    old = repo.run("show", f"{before}:{path}", check=False)
    new = repo.run("show", f"HEAD:{path}", check=False)
    if new.returncode != 0 or (old.returncode == 0 and old.stdout == new.stdout):
        return
    res.policy_texts = (old.stdout if old.returncode == 0 else None, new.stdout)
    try:
        res.policy = policy_changes(old.stdout if old.returncode == 0 else None, new.stdout)
    except (TixError, ValueError, TypeError, LookupError, AttributeError) as err:
        res.policy = [f"policies.yaml: changed, but cannot be compared ({err})"]


def _commit_desk(repo: _Repo, msg: str) -> None:
    paths = repo.desk_paths()
    repo.run("add", "-A", "--", *paths)
    if repo.run("diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
        return
    proc = repo.run("commit", "-q", "--no-verify", "-F", "-", "--", *paths, input=msg, check=False)
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        raise StoreError(f"git commit failed: {err[-1] if err else proc.returncode}")


def _head(repo: _Repo) -> str | None:
    p = repo.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return p.stdout.strip() if p.returncode == 0 else None


def sync(store: Store, *, user: str, remote: str | None = None, branch: str | None = None, push: bool = True,
         retries: int = 8, message: str | None = None, accept: list[str] | None = None,
         now: Any = None, ids: IdSource | None = None,
         after_pull: Callable[[list[str] | None], tuple[list[str], str]] | None = None) -> SyncResult:
    """The whole `tix sync` (see the module docstring). Never raises for a
    conflict or a refused push: they are in the result (`ok` is False).
    `after_pull(brought)`: run after each pull that merged something, before
    the push, with the desk files the pull brought (None: not known; the
    commands' layer uses it to merge the duplicate recurring occurrences two
    clones made); it returns (lines for the user, a commit message), and
    what it wrote is committed with that message."""
    res = SyncResult()
    if store.git_root is None:
        res.git = False
        res.notes.append("the desk is not in a git work tree: nothing to sync (tix works without git; "
                         "`git init` and a remote make it shared)")
        return res
    from tix.core.ids import RandomIds

    with store._lock("sync.lock"):  # one sync at a time in a clone (a cron job and a technician)
        return _sync(store, _Repo(store), res, user=user, remote=remote, branch=branch, push=push,
                     retries=retries, message=message, accept=accept or [], now=now,
                     ids=ids if ids is not None else RandomIds(clock=time.time_ns), after_pull=after_pull)


def _sync(store: Store, repo: _Repo, res: SyncResult, *, user: str, remote: str | None, branch: str | None,
          push: bool, retries: int, message: str | None, accept: list[str], now: Any,
          ids: IdSource, after_pull: Callable[[list[str] | None], tuple[list[str], str]] | None = None) -> SyncResult:
    from tix.storage.fsck import check_collisions, check_for_push

    for what in ("rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD"):
        p = repo.run("rev-parse", "--git-path", what).stdout.strip()
        if (repo.root / p).exists():
            raise StoreError(f"git is in the middle of a {'rebase' if 'rebase' in what else 'cherry-pick'}: "
                             f"finish or abort it first")
    gitops.ensure_driver(repo.root)  # a plain `git clone` gets the driver for its own `git pull`
    if gitops.in_merge(repo.root):
        res.notes.append("finishing the merge in progress")
        if not _finish_merge(repo, res):
            return res
    elif unmerged(repo.root):
        raise StoreError("the git index has unmerged files but no merge in progress: resolve them with git")
    _commit_pending(repo, user, message, res)
    if res.blocked:
        return res
    up = _upstream(repo, remote, branch)
    if up is None:
        res.notes.append("no git remote: the desk is committed locally only "
                         "(add one: git remote add origin URL; see docs/sharing.md)")
        return res
    _cur, rname, rbranch, has_upstream = up
    res.remote = f"{rname}/{rbranch}"
    tracking = f"refs/remotes/{rname}/{rbranch}"
    cfg = repo.merge_config()
    for attempt in range(1, retries + 2):
        res.attempts = attempt
        f = repo.run("fetch", "-q", "--no-tags", rname, f"+refs/heads/{rbranch}:{tracking}", check=False)
        if f.returncode != 0:
            if "couldn't find remote ref" in f.stderr.lower():
                tip = None  # an empty remote, or a new branch: the push creates it
            else:
                err = [x for x in f.stderr.strip().splitlines() if x.strip()]
                why = gitops._last_error(err) if err else f"git fetch exited {f.returncode}"
                res.offline = f"cannot reach {rname}: {why}"
                return res
        else:
            tip = repo.run("rev-parse", "-q", "--verify", tracking).stdout.strip()
        head = _head(repo)
        if tip and head is None:
            raise StoreError("this repository has no commits yet, but the remote has: clone the shop's remote "
                             "instead (git clone URL) and run `tix init` in the clone")
        if tip and head and tip != head and not _is_ancestor(repo, tip, head):
            # what we pull must not rewrite history; an offline clash heals before merging
            acks = _acknowledged(repo, tip, head, accept)
            from tix.storage.history import scan

            res.rewrites = scan(repo.root, [tip, f"^{head}"], repo.prefix, acks)
            if res.rewrites:
                return res
            pull_base = repo.run("merge-base", head, tip, check=False).stdout.strip() or None
            tip = _heal(store, repo, res, user, tip, head, now, rname, rbranch, ids)
            head = _head(repo)
            accepted = sorted(accept_full(repo, accept))
        else:
            accepted = []
            pull_base = ""  # nothing pulled: no invoice of ours can clash with a new one
        merged_now = False
        before = head  # what we had before the pull: `after_pull` gets the desk files it brought
        if tip and head and tip != head:
            if _is_ancestor(repo, tip, head):
                pass  # we are ahead: nothing to pull
            elif not accepted and _is_ancestor(repo, head, tip):
                repo.run("merge", "-q", "--ff-only", tip)
                res.pulled = merged_now = True
            else:
                msg = f"tix sync: merge {rname}/{rbranch}"
                if accepted:  # the acknowledgement travels with the merge: every clone and fsck see it
                    from tix.storage.history import ACCEPT_TRAILER

                    msg += "\n\n" + "".join(f"{ACCEPT_TRAILER} {a}\n" for a in accepted)
                m = git(repo.root, *cfg, "merge", "-q", "--no-ff", "--no-edit", "--no-verify", "-X", "no-renames",
                        "-m", msg, tip, check=False, timeout=600)
                res.pulled = merged_now = True
                if m.returncode != 0 and not gitops.in_merge(repo.root):
                    err = [x for x in (m.stderr or m.stdout).strip().splitlines() if x.strip()]
                    raise StoreError(f"git merge failed: {gitops._last_error(err) if err else m.returncode}")
                if gitops.in_merge(repo.root) and not _finish_merge(repo, res, bool(accepted)):
                    res.blocked = check_collisions(store)  # a shared prefix: the usual cause of add/add conflicts
                    return res
        if tip and pull_base != "":
            _policy_notes(repo, res, head)
        if tip:  # also after a plain `git pull` by hand brought in a clashing record
            now_head = _head(repo)
            base = pull_base or (repo.run("merge-base", now_head, tip, check=False).stdout.strip() or None
                                 if now_head else None)
            _heal_invoices(store, repo, res, tip, base)
        if merged_now and after_pull is not None:
            brought: list[str] | None = None
            base = repo.run("merge-base", before, tip, check=False).stdout.strip() if before and tip else ""
            if base and tip:
                diff = repo.run("diff", "--name-only", "--no-renames", "-z", base, tip, "--", *repo.desk_paths())
                brought = [repo.desk_rel(p) for p in diff.stdout.split("\0") if p]
            lines, msg = after_pull(brought)
            if lines:
                res.after_pull += lines
                _commit_desk(repo, msg)
        if not push:
            return res
        head = _head(repo)
        if head is None or head == tip:
            return res  # nothing to push
        if tip and _local_rewrites(repo, res, head, tip, accept):
            return res
        head = _head(repo) or head
        since = tip or repo.run("hash-object", "-t", "tree", "--stdin", input="").stdout.strip()  # empty tree
        changed = repo.run("diff", "--name-only", "--no-renames", "-z", since, head, "--",
                           *repo.desk_paths()).stdout
        blocked = check_for_push(store, [repo.desk_rel(p) for p in changed.split("\0") if p])
        if blocked:
            res.blocked = blocked
            res.notes.append("nothing was pushed: fix these first (`tix fsck` explains), then `tix sync` again")
            return res
        args = ["push", "-q", "--porcelain"] + ([] if has_upstream else ["-u"]) + [rname, f"HEAD:refs/heads/{rbranch}"]
        p = repo.run(*args, check=False)
        if p.returncode == 0:
            res.pushed = True
            _confirm(store, repo)
            return res
        if not _rejected(p.stderr + p.stdout):
            err = [x for x in (p.stderr or p.stdout).strip().splitlines() if x.strip() and not x.startswith("To ")]
            raise StoreError(f"git push to {rname} failed: {err[-1] if err else p.returncode}"
                             + (f" (after {attempt} attempts)" if attempt > 1 else ""))
        if attempt > retries:
            raise StoreError(f"git push to {rname} was rejected {attempt} times: others kept pushing first "
                             f"(the remote keeps moving); your changes are committed in this clone, "
                             f"run `tix sync` again in a moment")
        time.sleep(random.uniform(0.05, 0.25) * attempt)  # someone pushed first: pull again and retry
    return res
