"""A clone's ID prefix: picked, claimed and confirmed through the git remote.

Why two clones cannot hold one prefix. A prefix is claimed by a claim file,
`tickets/<P>/.claim-<clone id>`. A clone that can reach its remote claims a
prefix like this:

  1. fetch the remote branch; the prefixes taken are those with a folder in
     the remote's tip, in this clone's work tree or in its last fetched tip;
  2. pick the first free readable choice (initials first: `JV`, then `JDV`,
     `JVR`, ... see `candidates`);
  3. make a commit whose parent is the fetched tip and whose tree is the tip's
     tree plus the claim file, and push it *without force*. The remote accepts
     that push only if its branch still points at the fetched tip: a push is an
     atomic compare-and-swap. If another clone pushed anything first (a claim
     or not), the push is rejected, and we fetch and pick again (bounded).

So a claim on the remote was checked against every claim the remote held when
it landed; two clones that can reach the remote never get the same prefix.
The clone records the result in its local state (`clone.json`: prefix, clone
id, `confirmed`).

A clone that cannot reach the remote (offline, or no commit on the remote yet)
claims *provisionally*: the claim file is written in its work tree and pushed
by its next `tix sync`. That sync first looks at the remote's tip: if the
prefix was taken meanwhile, it renumbers this clone's unpushed tickets
(`tix.storage.renumber`) to a prefix claimed as above. Nothing is ever merged by hand.

Only tix.storage.store calls `claim` (the first write of a clone); sync calls
`claim_remote` when it renumbers. All git calls go through tix.storage.gitops."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tix.core.errors import BadInput, StoreError

if TYPE_CHECKING:
    from tix.storage.store import Store

PREFIX_RE = re.compile(r"^[A-Z]{2,4}$")
FETCH_TIMEOUT = 30.0  # seconds: a remote that does not answer in time counts as unreachable
TRIES = 8  # claim pushes before giving up (each rejected one means someone else pushed first)


@dataclass
class Remote:
    """Where this clone shares: the remote's name, its branch and our branch."""

    name: str
    branch: str
    tracking: str  # refs/remotes/<name>/<branch>


def candidates(user: str) -> list[str]:
    """Readable prefixes for a person, best first: the initials of first and
    last name (`Jan de Vries` -> JV), all initials (JDV), initials plus the
    next letters of the last name (JVR, JVRI), then the first letter with
    each later letter (JA, JN, ...). Letters only, 2 to 4 of them."""
    plain = unicodedata.normalize("NFKD", user).encode("ascii", "ignore").decode().upper()
    words = [w for w in re.split(r"[^A-Z]+", plain) if w]
    out: list[str] = []
    if len(words) >= 2:
        first, last = words[0], words[-1]
        out.append(first[0] + last[0])
        out.append("".join(w[0] for w in words)[:4])
        out += [first[0] + last[0] + c for c in last[1:]]
        out += [first[0] + last[:3], first[:2] + last[0], first[:2] + last[:2]]
    if words:
        w = "".join(words)
        out += [w[:2], w[:3]] + [w[0] + c for c in w[1:]]
    seen: list[str] = []
    for c in out:
        if PREFIX_RE.match(c) and c not in seen:
            seen.append(c)
    return seen


def pick(user: str, taken: set[str]) -> str:
    for c in candidates(user):
        if c not in taken:
            return c
    # then two or three letters from the name's first letter on, then any
    import itertools

    letters = [chr(65 + i) for i in range(26)]
    start = (candidates(user) or ["X"])[0][0]
    for n in (2, 3):
        for tail in itertools.product(letters, repeat=n - 1):
            c = start + "".join(tail)
            if c not in taken:
                return c
    for tail in itertools.product(letters, repeat=3):
        c = "".join(tail)
        if c not in taken:
            return c
    raise StoreError("no free ID prefix left")


# ------------------------------------------------------------------ git helpers

def _git(root: Path, *args: str, check: bool = True, timeout: float = 120, input: str | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    from tix.storage.gitops import git

    if env is None:
        return git(root, *args, check=check, timeout=timeout, input=input, lock_retry=True)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return git(root, *args, check=check, timeout=timeout, input=input, lock_retry=True)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def remote_of(root: Path) -> Remote | None:
    """The remote this clone shares through (the branch's upstream, else
    origin, else the only remote), or None."""
    cur = _git(root, "symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.strip()
    if not cur:
        return None
    cfg_remote = _git(root, "config", f"branch.{cur}.remote", check=False).stdout.strip()
    cfg_merge = _git(root, "config", f"branch.{cur}.merge", check=False).stdout.strip()
    remotes = _git(root, "remote").stdout.split()
    name = cfg_remote if cfg_remote in remotes else ("origin" if "origin" in remotes else
                                                      (remotes[0] if len(remotes) == 1 else ""))
    if not name:
        return None
    branch = cfg_merge.removeprefix("refs/heads/") if cfg_merge and name == cfg_remote else cur
    return Remote(name, branch, f"refs/remotes/{name}/{branch}")


class Unreachable(Exception):
    """The remote did not answer (offline, wrong URL, no permission)."""


def fetch(root: Path, remote: Remote) -> str | None:
    """Fetch the remote branch into its tracking ref; its tip, or None when
    the remote has no such branch yet. Raises Unreachable."""
    try:
        f = _git(root, "fetch", "-q", "--no-tags", remote.name, f"+refs/heads/{remote.branch}:{remote.tracking}",
                 check=False, timeout=FETCH_TIMEOUT)
    except StoreError as err:  # timed out
        raise Unreachable(err.message) from None
    if f.returncode != 0:
        if "couldn't find remote ref" in f.stderr.lower():
            return None
        lines = [x for x in f.stderr.strip().splitlines() if x.strip()]
        raise Unreachable(lines[-1] if lines else f"git fetch exited {f.returncode}")
    return _git(root, "rev-parse", "-q", "--verify", remote.tracking).stdout.strip() or None


def prefixes_in(root: Path, rev: str, desk_prefix: str) -> set[str]:
    """The prefixes with a folder under tickets/ in `rev` (one tree listing,
    not the whole tree: cheap at 100,000 tickets)."""
    p = _git(root, "ls-tree", "-z", "--name-only", rev, "--", f"{desk_prefix}tickets/", check=False)
    out = set()
    for path in p.stdout.split("\0"):
        name = path.rsplit("/", 1)[-1]
        if PREFIX_RE.match(name):
            out.add(name)
    return out


def claims_in(root: Path, rev: str, desk_prefix: str, prefix: str) -> tuple[set[str], bool]:
    """(clone ids with a claim file, has ticket shards) of one prefix in `rev`."""
    p = _git(root, "ls-tree", "-z", "--name-only", rev, "--", f"{desk_prefix}tickets/{prefix}/", check=False)
    ids, shards = set(), False
    for path in p.stdout.split("\0"):
        name = path.rsplit("/", 1)[-1]
        if name.startswith(".claim-"):
            ids.add(name[7:])
        elif name.isdigit():
            shards = True
    return ids, shards


def desk_prefix(store: Store) -> str:
    root = store.git_root
    assert root is not None
    rel = os.path.relpath(store.root, root)
    return "" if rel == "." else rel.replace(os.sep, "/") + "/"


def claim_text(clone_id: str, user: str) -> str:
    return f"clone {clone_id} of {' '.join(user.split())}\n"


def push_claim(store: Store, remote: Remote, tip: str, prefix: str, clone_id: str, user: str) -> str | None:
    """Push a commit that adds our claim file on top of `tip`. The sha of the
    claim commit, or None when the push was rejected (someone pushed first).
    Raises Unreachable when the remote cannot be reached."""
    root = store.git_root
    assert root is not None
    dp = desk_prefix(store)
    path = f"{dp}tickets/{prefix}/.claim-{clone_id}"
    blob = _git(root, "hash-object", "-w", "--stdin", input=claim_text(clone_id, user)).stdout.strip()
    if not blob:
        raise StoreError("git hash-object failed while claiming an ID prefix")
    idx = store.ensure_state_dir() / f"claim-index.{os.getpid()}"
    env = {"GIT_INDEX_FILE": str(idx)}
    try:
        _git(root, "read-tree", tip, env=env)
        _git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = _git(root, "write-tree", env=env).stdout.strip()
    finally:
        with contextlib.suppress(OSError):
            idx.unlink()
    msg = f"tix: clone {clone_id} of {' '.join(user.split())} claims ID prefix {prefix}\n"
    sha = _git(root, "commit-tree", tree, "-p", tip, "-m", msg.strip()).stdout.strip()
    try:
        p = _git(root, "push", "-q", "--porcelain", remote.name, f"{sha}:refs/heads/{remote.branch}",
                 check=False, timeout=FETCH_TIMEOUT * 2)
    except StoreError as err:
        raise Unreachable(err.message) from None
    if p.returncode == 0:
        _git(root, "update-ref", remote.tracking, sha, check=False)
        return sha
    from tix.storage.sync import _rejected

    if _rejected(p.stderr + p.stdout):
        return None
    lines = [x for x in (p.stderr or p.stdout).strip().splitlines() if x.strip() and not x.startswith("To ")]
    raise Unreachable(lines[-1] if lines else f"git push exited {p.returncode}")


def _fast_forward(store: Store, sha: str) -> None:
    """Bring our just-pushed claim commit into this clone when that is a plain
    fast-forward (the usual fresh clone); otherwise the next `tix sync` merges it."""
    from tix.storage import gitops

    root = store.git_root
    assert root is not None
    head = _git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).stdout.strip()
    if not head or gitops.in_merge(root):
        return
    if _git(root, "merge-base", "--is-ancestor", head, sha, check=False).returncode != 0:
        return
    _git(root, "merge", "-q", "--ff-only", sha, check=False)


def local_taken(store: Store) -> set[str]:
    taken = set(store.claims())
    if store.tickets_dir.is_dir():
        taken |= {p.name for p in store.tickets_dir.iterdir() if PREFIX_RE.match(p.name)}
    return taken


def claim_remote(store: Store, user: str, remote: Remote, *, clone_id: str, avoid: set[str] = frozenset(),  # type: ignore[assignment]
                 wanted: str | None = None) -> tuple[str, str | None]:
    """Claim a free prefix through the remote: (prefix, claim commit). Raises
    Unreachable when the remote cannot be reached or has no branch yet."""
    root = store.git_root
    assert root is not None
    dp = desk_prefix(store)
    for _ in range(TRIES):
        tip = fetch(root, remote)
        if tip is None:
            raise Unreachable(f"{remote.name}/{remote.branch} has no commits yet")
        remote_claims = prefixes_in(root, tip, dp)
        taken = set(remote_claims) | local_taken(store) | set(avoid)
        if wanted:
            if wanted in remote_claims and claims_in(root, tip, dp, wanted)[0] != {clone_id}:
                raise BadInput(f"--prefix {wanted}: already claimed on {remote.name} by another clone "
                               f"(taken: {', '.join(sorted(remote_claims))})")
            choice = wanted
        else:
            choice = pick(user, taken)
        sha = push_claim(store, remote, tip, choice, clone_id, user)
        if sha is not None:
            _fast_forward(store, sha)
            return choice, sha
    raise StoreError(f"could not claim an ID prefix: {remote.name} kept moving ({TRIES} tries); "
                     f"try again in a moment")


def save(store: Store, prefix: str, clone_id: str, user: str, confirmed: bool) -> None:
    store.ensure_state_dir()
    store.write_atomic(store.state_dir / "clone.json",
                       json.dumps({"prefix": prefix, "clone": clone_id, "user": user,
                                   "confirmed": confirmed}).encode())


def write_claim_file(store: Store, prefix: str, clone_id: str, user: str) -> None:
    from tix.storage.store import _oserror

    pdir = store.tickets_dir / prefix
    f = pdir / f".claim-{clone_id}"
    try:
        store.no_links(f)
        pdir.mkdir(parents=True, exist_ok=True)
        if not f.exists():
            f.write_text(claim_text(clone_id, user), encoding="utf-8")
            store.written.append(f)
    except OSError as err:
        raise _oserror(err, pdir) from None


def claim(store: Store, user: str, wanted: str | None = None) -> str:
    """This clone's prefix: the one it has, or a new claim (see the module
    docstring). `wanted`: a prefix asked for with `tix init --prefix`."""
    from tix.core.ids import ulid
    from tix.storage.gitops import ensure_driver

    info = store.clone_info()
    if wanted:
        wanted = wanted.upper()
        if not PREFIX_RE.match(wanted):
            raise BadInput(f"--prefix {wanted!r}: expected 2 to 4 letters A-Z")
        if info and info["prefix"] == wanted:
            return wanted
        claims = store.claims()
        if claims.get(wanted) or (store.tickets_dir / wanted).exists():
            raise BadInput(f"--prefix {wanted}: already used by another clone (taken: {', '.join(sorted(claims))})")
    elif info:
        return info["prefix"]
    clone_id = (info or {}).get("clone") or ulid(0, int.from_bytes(os.urandom(10), "big"))[-10:].lower()
    root = store.git_root
    remote = remote_of(root) if root is not None else None
    if root is not None:
        ensure_driver(root)
    if remote is not None:
        try:
            prefix, _sha = claim_remote(store, user, remote, clone_id=clone_id, wanted=wanted)
            if not (store.tickets_dir / prefix / f".claim-{clone_id}").exists():
                # not fast-forwarded: the next sync merges the claim commit; the
                # folder shows locally that the prefix is ours meanwhile
                (store.tickets_dir / prefix).mkdir(parents=True, exist_ok=True)
            save(store, prefix, clone_id, user, confirmed=True)
            return prefix
        except Unreachable:
            pass  # provisional, below
    taken = local_taken(store)
    if root is not None and remote is not None:
        tip = _git(root, "rev-parse", "-q", "--verify", remote.tracking, check=False).stdout.strip()
        if tip:
            taken |= set(prefixes_in(root, tip, desk_prefix(store)))
    prefix = wanted or pick(user, taken)
    write_claim_file(store, prefix, clone_id, user)
    save(store, prefix, clone_id, user, confirmed=remote is None and root is None)
    return prefix
