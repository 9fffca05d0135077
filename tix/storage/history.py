"""The append-only guard over git history: ticket files and invoice records
are created once and then only appended to (tickets) or never changed
(invoice records), across every commit, not only in the work tree.

A commit *rewrites history* when, against its parent, it
  - deletes a ticket file (unless the same commit renumbered it: a new file
    holds a `renumbered` event from that ID and every event of the old one),
  - removes or changes an event line of a ticket file, or changes its header,
  - changes an issued invoice record, or deletes one whose billed entries are
    not all billed by another record of the same commit (a renumbered record).

A merge commit is judged against each parent; a line or file that the merge
lacks is its own doing unless the other parent dropped it from the merge base
(then that parent's commit is the one reported).

`tix sync` runs `scan` over the commits it pulls and does not merge them until
each reported commit is acknowledged (`tix sync --accept-rewrite COMMIT`: the
acknowledgement is written into the merge commit as a `Tix-Accepted-Rewrite:`
trailer, so every clone and `tix fsck --history` see it); `tix fsck --history`
runs it over the whole history."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tix.core.errors import StoreError

ACCEPT_TRAILER = "Tix-Accepted-Rewrite:"
_ACCEPT_RE = re.compile(r"^Tix-Accepted-Rewrite:\s*([0-9a-f]{7,40})\s*$", re.M)
_RENUM_RE = re.compile(r'"type": "renumbered"')


@dataclass(frozen=True, order=True)
class Rewrite:
    path: str  # repository-relative
    commit: str
    author: str
    date: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what} in commit {self.commit[:10]} by {self.author} on {self.date}"


def _git(root: Path, *args: str, check: bool = True, input: str | None = None):  # type: ignore[no-untyped-def]
    from tix.storage.gitops import git

    return git(root, *args, check=check, input=input, timeout=600)


class _Blobs:
    """Blob contents through one long `git cat-file --batch` process."""

    def __init__(self, root: Path):
        import subprocess

        from tix.storage.gitops import _git_env

        self.proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=_git_env())
        self.cache: dict[str, bytes | None] = {}

    def get(self, spec: str) -> bytes | None:
        """A blob by sha or `rev:path`; None when missing."""
        if spec in self.cache:
            return self.cache[spec]
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        self.proc.stdin.flush()
        head = self.proc.stdout.readline().split()
        if len(head) < 3 or head[-1] == b"missing":
            data = None
        else:
            size = int(head[2])
            data = self.proc.stdout.read(size)
            self.proc.stdout.read(1)
            if head[1] != b"blob":
                data = None
        if len(self.cache) < 4096:
            self.cache[spec] = data
        return data

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
            if self.proc.stdout:
                self.proc.stdout.close()
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.proc.kill()


def split_ticket(data: bytes) -> tuple[bytes, list[bytes]]:
    """(header bytes, event lines) of a ticket file; a torn last line is left out."""
    cut = data.find(b"\nevents:")
    head, rest = (data[: cut + 1], data[cut + 8:]) if cut >= 0 else (b"", data)
    lines = rest.split(b"\n")
    if not data.endswith(b"\n"):
        lines = lines[:-1]  # a torn last line: readers ignore it and the next writer cuts it
    return head, [x.strip() for x in lines if x.strip().startswith(b"- {")]


def _event_ids(lines: Iterable[bytes]) -> set[str]:
    out = set()
    for x in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            out.add(json.loads(x[2:])["id"])
    return out


def _ticket_id(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-5]


def is_ticket(path: str, prefix: str) -> bool:
    parts = path[len(prefix):].split("/") if path.startswith(prefix) else []
    return len(parts) >= 3 and parts[0] == "tickets" and path.endswith(".yaml")


def is_record(path: str, prefix: str) -> bool:
    parts = path[len(prefix):].split("/") if path.startswith(prefix) else []
    return len(parts) == 2 and parts[0] == "invoices" and path.endswith(".yaml")


def is_credit(path: str, prefix: str) -> bool:
    """A credit note record (tix.storage.credits): append-only like an invoice."""
    parts = path[len(prefix):].split("/") if path.startswith(prefix) else []
    return len(parts) == 3 and parts[:2] in (["invoices", "credits"], ["invoices", "prepaid"]) and \
        path.endswith(".yaml")


def _record_entries(data: bytes) -> set[str]:
    """The billed entry ids of an invoice record (cheap: the `entries:` list)."""
    out: set[str] = set()
    grab = False
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("entries:"):
            grab = True
            inline = line[8:].strip()
            if inline.startswith("["):
                out |= {x.strip().strip("'\"") for x in inline.strip("[]").split(",") if x.strip()}
                grab = False
            continue
        if grab:
            if line.startswith("- "):
                out.add(line[2:].strip().strip("'\""))
            elif line.strip() and not line.startswith(" "):
                grab = False
    return out


def _diff(root: Path, a: str, b: str, paths: list[str]) -> list[tuple[str, str, str, str]]:
    """(status, path, old blob, new blob) between two commits, desk paths only."""
    raw = _git(root, "diff-tree", "-r", "--no-renames", "--no-abbrev", "-z", a, b, "--", *paths).stdout
    out = []
    items = raw.split("\0")
    i = 0
    while i + 1 < len(items):
        meta = items[i]
        if not meta.startswith(":"):
            i += 1
            continue
        _om, _nm, old, new, status = meta[1:].split(" ")
        out.append((status[0], items[i + 1], old, new))
        i += 2
    return out


class _Judge:
    def __init__(self, root: Path, prefix: str):
        self.root = root
        self.prefix = prefix
        self.blobs = _Blobs(root)
        self.paths = [prefix + "tickets", prefix + "invoices"]
        self._alias_cache: dict[str, dict[str, list[str]]] = {}

    def commit_findings(self, sha: str, parents: list[str]) -> list[tuple[str, str]]:
        """(path, what) for each rewrite that commit `sha` made."""
        if not parents:
            return []
        if len(parents) == 1:
            return self._against(sha, parents[0], None, None)
        base = _git(self.root, "merge-base", parents[0], parents[1], check=False).stdout.strip() or None
        out: list[tuple[str, str]] = []
        for i, p in enumerate(parents[:2]):
            other = parents[1 - i]
            out += self._against(sha, p, other, base)
        return sorted(set(out))

    def _against(self, sha: str, parent: str, other: str | None, base: str | None) -> list[tuple[str, str]]:
        changes = _diff(self.root, parent, sha, self.paths)
        added = [(p, new) for st, p, _old, new in changes if st == "A"]
        out: list[tuple[str, str]] = []
        for st, path, old, new in changes:
            ticket, record = is_ticket(path, self.prefix), is_record(path, self.prefix)
            if is_credit(path, self.prefix):
                if st == "D" and self._recredited(path, old, sha):
                    continue  # renumbered or trimmed by `tix sync` (tix.storage.renumber.heal_credit_notes)
                if st in ("D", "M", "T") and not (other is not None and base is not None
                                                  and self._dropped_by_other(path, other, base)):
                    how = "deleted" if st == "D" else "changed"
                    if st == "D" or self.blobs.get(old) != self.blobs.get(new):
                        kind = "purchased prepaid block" if "/prepaid/" in path else "issued credit note"
                        out.append((path, f"{kind} {how}"))
                continue
            if not (ticket or record) or st not in ("D", "M", "T"):
                continue
            if st == "D":
                if other is not None and base is not None and self._dropped_by_other(path, other, base):
                    continue
                if ticket and self._renumbered(path, old, added):
                    continue
                if record and self._rebilled(path, old, sha):
                    continue
                out.append((path, "ticket file deleted" if ticket else "issued invoice record deleted"))
                continue
            old_data, new_data = self.blobs.get(old), self.blobs.get(new)
            if old_data is None or new_data is None:
                continue
            if record:
                if old_data != new_data:
                    if other is not None and base is not None and self._changed_by_other(path, other, base,
                                                                                          new_data):
                        continue
                    out.append((path, "issued invoice record changed"))
                continue
            if new_data.startswith(old_data):
                continue  # appended to: the usual case, no parsing
            oh, ol = split_ticket(old_data)
            nh, nl = split_ticket(new_data)
            what = []
            if oh != nh and not (other is not None and base is not None
                                 and self._header_by_other(path, other, base, nh)):
                what.append("header edited")
            missing = set(ol) - set(nl)
            if missing and other is not None and base is not None:
                missing -= self._lines_dropped_by_other(path, other, base)
            if missing:
                missing = self._not_renumbered(sha, missing, set(nl))
            if missing:
                gone_ids = _event_ids(missing) - _event_ids(nl)
                n = len(missing)
                if gone_ids and len(gone_ids) == n:
                    what.append(f"{n} event line{'s' if n != 1 else ''} removed")
                else:
                    what.append(f"{n} event line{'s' if n != 1 else ''} removed or rewritten")
            if what:
                out.append((path, ", ".join(what)))
        return out

    # --------------------------------------------------- explanations
    def _aliases(self, sha: str) -> dict[str, list[str]]:
        """old ID -> new IDs from the `.aliases` files in commit `sha` (tix.storage.renumber)."""
        if sha in self._alias_cache:
            return self._alias_cache[sha]
        out: dict[str, list[str]] = {}
        listing = _git(self.root, "ls-tree", "-z", "--name-only", sha, "--", self.prefix + "tickets/",
                       check=False).stdout
        for d in listing.split("\0"):
            if not d:
                continue
            data = self.blobs.get(f"{sha}:{d}/.aliases")
            for line in (data or b"").decode("utf-8", "replace").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] not in out.setdefault(parts[0], []):
                    out[parts[0]].append(parts[1])
        self._alias_cache[sha] = out
        return out

    def _not_renumbered(self, sha: str, missing: set[bytes], new_lines: set[bytes]) -> set[bytes]:
        """Leave out lines whose only change is a renumbered ticket ID (tix.storage.renumber).
        An old ID two clones both used has two candidates: each is tried."""
        import itertools

        table = self._aliases(sha)
        if not table:
            return missing
        from tix.storage.renumber import id_pattern

        pat = id_pattern(list(table))
        out = set()
        for line in missing:
            text = line.decode("utf-8", "replace")
            olds = sorted(set(pat.findall(text)))
            choices = itertools.islice(itertools.product(*(table[o] for o in olds)), 64)

            def renamed(pick: dict[str, str], text: str = text) -> bytes:
                return pat.sub(lambda m: pick[m.group(1)], text).encode("utf-8")

            if not any(renamed(dict(zip(olds, c, strict=True))) in new_lines for c in choices):
                out.add(line)
        return out

    def _dropped_by_other(self, path: str, other: str, base: str) -> bool:
        return self.blobs.get(f"{base}:{path}") is not None and self.blobs.get(f"{other}:{path}") is None

    def _changed_by_other(self, path: str, other: str, base: str, merged: bytes) -> bool:
        return self.blobs.get(f"{other}:{path}") == merged and self.blobs.get(f"{base}:{path}") != merged

    def _header_by_other(self, path: str, other: str, base: str, merged_head: bytes) -> bool:
        o = self.blobs.get(f"{other}:{path}")
        return o is not None and split_ticket(o)[0] == merged_head

    def _lines_dropped_by_other(self, path: str, other: str, base: str) -> set[bytes]:
        b = self.blobs.get(f"{base}:{path}")
        if b is None:
            return set()
        o = self.blobs.get(f"{other}:{path}")
        base_lines = set(split_ticket(b)[1])
        return base_lines - (set(split_ticket(o)[1]) if o is not None else set())

    def _renumbered(self, path: str, old: str, added: list[tuple[str, str]]) -> bool:
        old_id = _ticket_id(path)
        data = self.blobs.get(old)
        if data is None:
            return False
        want = _event_ids(split_ticket(data)[1])
        needle = f'"from": "{old_id}"'.encode()
        for p, new in added:
            if not is_ticket(p, self.prefix):
                continue
            nd = self.blobs.get(new)
            if nd is None or needle not in nd or not _RENUM_RE.search(nd.decode("utf-8", "replace")):
                continue
            if want <= _event_ids(split_ticket(nd)[1]):
                return True
        return False

    def _rebilled(self, path: str, old: str, sha: str) -> bool:
        data = self.blobs.get(old)
        if data is None:
            return False
        want = _record_entries(data)
        listing = _git(self.root, "ls-tree", "-z", "--full-tree", sha, "--", self.prefix + "invoices/",
                       check=False).stdout
        have: set[str] = set()
        for item in listing.split("\0"):
            if not item or "\t" not in item:
                continue
            meta, p = item.split("\t", 1)
            if is_record(p, self.prefix):
                blob = self.blobs.get(meta.split()[2])
                if blob is not None:
                    have |= _record_entries(blob)
            if want <= have:
                return True
        return want <= have


    def _recredited(self, path: str, old: str, sha: str) -> bool:
        """A credit note removed by the commit whose lines its other credit
        notes still credit (sync renumbered it, or took off lines another
        clone's credit note had credited first)."""
        data = self.blobs.get(old)
        if data is None:
            return False
        want = _record_entries(data)
        listing = _git(self.root, "ls-tree", "-z", "--full-tree", sha, "--", self.prefix + "invoices/credits/",
                       check=False).stdout
        have: set[str] = set()
        for item in listing.split("\0"):
            if not item or "\t" not in item:
                continue
            meta, p = item.split("\t", 1)
            if is_credit(p, self.prefix) and p != path:
                blob = self.blobs.get(meta.split()[2])
                if blob is not None:
                    have |= _record_entries(blob)
        return bool(want) and want <= have


def accepted(root: Path, revs: list[str]) -> set[str]:
    """Commits acknowledged by a `Tix-Accepted-Rewrite:` trailer in `revs`' history."""
    out = _git(root, "log", "--format=%B%x00", "--grep", ACCEPT_TRAILER, "-F", *revs, "--", check=False).stdout
    return {m.group(1) for m in _ACCEPT_RE.finditer(out)}


def _is_accepted(sha: str, acks: set[str]) -> bool:
    return any(sha.startswith(a) for a in acks)


def scan(root: Path, revs: list[str], prefix: str = "", acks: set[str] | None = None) -> list[Rewrite]:
    """Every rewrite made by the commits `git rev-list revs` lists, oldest
    first, leaving out acknowledged commits."""
    listing = _git(root, "rev-list", "--reverse", "--topo-order", "--parents", *revs, "--", check=False)
    if listing.returncode != 0:
        raise StoreError(f"git rev-list {' '.join(revs)} failed: {listing.stderr.strip()[:200]}")
    commits = [line.split() for line in listing.stdout.splitlines() if line.strip()]
    if not commits:
        return []
    if acks is None:
        acks = accepted(root, [c for c in revs if not c.startswith("^")] or ["HEAD"])
    # Commits that touched no desk file are skipped without a diff.
    touched = set(_git(root, "rev-list", "--full-history", *revs, "--", prefix + "tickets", prefix + "invoices",
                       check=False).stdout.split())
    from tix.core import progress

    judge = _Judge(root, prefix)
    found: list[tuple[str, str, str]] = []
    try:
        for sha, *parents in progress.counted("checking the history pulled", commits, len(commits)):
            if _is_accepted(sha, acks):
                continue
            if sha not in touched and len(parents) < 2:
                continue
            for path, what in judge.commit_findings(sha, parents):
                found.append((sha, path, what))
    finally:
        judge.blobs.close()
    if not found:
        return []
    shas = sorted({s for s, _, _ in found})
    meta = {}
    out = _git(root, "show", "-s", "--format=%H%x1f%an <%ae>%x1f%aI", *shas).stdout
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 3:
            meta[parts[0]] = (parts[1], parts[2])
    return [Rewrite(path, sha, *meta.get(sha, ("?", "?")), what) for sha, path, what in found]
