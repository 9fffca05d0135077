"""The desk's consistency checks behind `tix fsck` (and the gate before
`tix sync` pushes): every problem becomes a `Finding(path, line, problem)`,
printed `path:line: problem`.

Checked: the policy; every ticket file (readable UTF-8, no conflict markers,
a YAML header, one valid event per line, known event types, unique event
ids, header `id` matching the file name and place, first event `opened`, no
torn last line); across files (one ticket ID in two files, one event id in
two tickets, links to missing tickets, one-sided links); ID prefix claims
(two clones that claimed one prefix create colliding IDs); stray files under
tickets/; the invoice ledger (`tix.storage.ledger.clashes`: an entry billed twice, an
invoice number issued twice); and in a git clone an unfinished merge or a
merge driver registration that can no longer run.

Files are read only through the Store (`read_bytes`, `parse_ticket_text`)."""

from __future__ import annotations

import gc
import importlib.util
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tix.core import events as ev_mod
from tix.core.errors import BrokenFile, NotFound, TixError

if TYPE_CHECKING:
    from tix.storage.store import Store

MARKER_HINT = ("unfinished git merge (conflict markers): run `tix sync` to finish it with tix's merge driver, "
               "or edit the file by hand (keep every event line once) and `git add` it")


class Finding(NamedTuple):
    path: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}" if self.line else f"{self.path}: {self.problem}"


def _from_error(err: TixError, path: str) -> Finding:
    return Finding(err.path or path, err.line, err.message)


def _line_of(data: bytes, needle: str) -> int | None:
    i = data.find(needle.encode("utf-8"))
    return None if i < 0 else data.count(b"\n", 0, i) + 1


class _Seen:
    """What the per-file pass learns for the cross-file checks."""

    def __init__(self) -> None:
        self.ticket_files: dict[str, list[str]] = {}  # ticket ID -> files whose header says so
        self.unreadable: set[str] = set()  # IDs (from file names) of files that did not parse
        self.event_ids: dict[str, str] = {}  # event id -> first file
        self.links: dict[str, set[tuple[str, str]]] = {}  # ticket ID -> its current links
        self.refs: list[tuple[str, str, str, str]] = []  # (file, ticket, what, other ID) to resolve
        self.data: dict[str, bytes] = {}  # file -> bytes, read again for line numbers of link problems
        self.work_ids: set[str] = set()  # ids of work entries, for the ledger's "billed entry no ticket holds"


# ----------------------------------------------------------------- one file

class _FileFacts(NamedTuple):
    """What one file tells the cross-file checks (made in a worker process on big desks)."""

    rel: str
    stem: str
    parsed: bool  # the header and event lines parsed
    tid: str | None  # the header's ticket ID
    event_ids: list[str]
    folded: bool  # the ticket could be folded (links and work below are known)
    links: list[tuple[str, str]]
    refs: list[tuple[str, str, str, str]]
    work_ids: list[str]


def check_ticket_file(store: Store, path: Path, seen: _Seen | None = None) -> list[Finding]:
    """Every problem of one ticket file (and, given `seen`, what the cross-file checks need)."""
    out, facts = _check_one(store, path)
    if seen is not None:
        out += _learn(store, seen, facts)
    return out


def _check_one(store: Store, path: Path) -> tuple[list[Finding], _FileFacts]:
    """The problems of one file on its own, and its facts for the cross-file checks."""
    from tix.core.grammar import CONFLICT_RE, check_header, parse_ticket_text
    from tix.core.ticket import replay

    rel = store.rel(path)
    out: list[Finding] = []
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    unparsed = _FileFacts(rel, stem, False, None, [], False, [], [], [])
    try:
        data = store.read_bytes(path)
    except (BrokenFile, NotFound) as err:
        return [_from_error(err, rel)], unparsed
    try:
        header, events, ats, torn = parse_ticket_text(data, rel)
    except BrokenFile as err:
        if CONFLICT_RE.search(data.decode("utf-8", "replace")):
            text = data.decode("utf-8", "replace")
            starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^<<<<<<<", text, re.M)]
            return [Finding(rel, n, MARKER_HINT) for n in starts] or [Finding(rel, err.line, MARKER_HINT)], unparsed
        return [_from_error(err, rel)], unparsed
    try:
        check_header(header, rel, stem)
    except BrokenFile as err:
        out.append(_from_error(err, rel))
    tid = header.get("id") if isinstance(header.get("id"), str) else None
    if torn:
        out.append(Finding(rel, data.count(b"\n") + 1, "torn last line (a write was interrupted): it is "
                           "ignored, and the next tix command on this ticket cuts it"))
    if not events:
        out.append(Finding(rel, None, "no events: a ticket starts with an `opened` event"))
    elif events[0]["type"] != "opened":
        out.append(Finding(rel, _line_of(data, events[0]["id"]), "the first event must be `opened`"))
    opened = [e for e in events if e["type"] == "opened"]
    if len(opened) > 1:
        out.append(Finding(rel, _line_of(data, opened[1]["id"]), "a second `opened` event"))
    for e in events:  # recorded SLA terms that do not parse are ignored by the clocks: say so
        if "terms" in e:
            from tix.core.contracts import terms_problem

            problem = terms_problem(e["terms"])
            if problem:
                out.append(Finding(rel, _line_of(data, e["id"]), f"event {e['id']}: terms: {problem}; the clocks "
                                   f"follow the policy instead"))
    if tid and tid == stem:
        try:
            want = store.path_for(tid)
            if os.path.abspath(want) != os.path.abspath(path):
                out.append(Finding(rel, 1, f"in the wrong folder: {tid} belongs in {store.rel(want)}"))
        except TixError:
            pass
    event_ids = [e["id"] for e in events]
    if not tid:
        return out, _FileFacts(rel, stem, True, None, event_ids, False, [], [], [])
    try:
        t = replay(header, events, rel, ats)
    except (ValueError, TypeError, KeyError):  # a broken header, already reported above
        return out, _FileFacts(rel, stem, True, tid, event_ids, False, [], [], [])
    refs: list[tuple[str, str, str, str]] = []
    if any(e["type"] in ("linked", "unlinked", "merged", "absorbed") for e in events):
        for kind, other in t.links:
            refs.append((rel, tid, kind, other))
        for e in events:
            if e["type"] == "merged":
                refs.append((rel, tid, "merged into", e["into"]))
            elif e["type"] == "absorbed":
                refs.append((rel, tid, "absorbed", e["from"]))
    return out, _FileFacts(rel, stem, True, tid, event_ids, True, list(t.links), refs, [e["id"] for e in t.work])


def _learn(store: Store, seen: _Seen, f: _FileFacts) -> list[Finding]:
    """Add one file's facts to what the cross-file checks know (in path
    order); returns the event ids this file repeats from an earlier one."""
    out: list[Finding] = []
    if not f.parsed:
        seen.unreadable.add(f.stem)  # links to it are not "missing": its own finding says what is wrong
        return out
    if f.tid:
        seen.ticket_files.setdefault(f.tid, []).append(f.rel)
    data: bytes | None = None
    for eid in f.event_ids:
        first = seen.event_ids.setdefault(eid, f.rel)
        if first != f.rel:
            if data is None:
                data = _data(store, f.rel)
            out.append(Finding(f.rel, _line_of(data, eid), f"event id {eid} is also in {first} (a copied file?)"))
    if not f.folded or not f.tid:
        return out
    seen.work_ids.update(f.work_ids)  # not the ticket: 100,000 of them would not fit in memory
    seen.links[f.tid] = set(f.links)
    if f.refs:
        seen.refs += f.refs
    return out


def _data(store: Store, rel: str) -> bytes:
    try:
        return store.read_bytes(store.root / rel)
    except TixError:
        return b""


# ----------------------------------------------------------------- the desk

def _stray(store: Store) -> list[Finding]:
    """Files under tickets/ that are not ticket files, claims or .gitkeep."""
    from tix.storage.store import ID_RE, PREFIX_RE

    out: list[Finding] = []
    top = store.tickets_dir
    if not top.is_dir():
        return [Finding("tickets", None, "missing: a desk has a tickets/ folder")]

    def stray(p: str, what: str) -> None:
        out.append(Finding(store.rel(p), None, what))

    for e in os.scandir(top):
        if e.name in (".gitkeep", ".gitignore"):
            continue
        if not (e.is_dir(follow_symlinks=False) and PREFIX_RE.match(e.name)):
            stray(e.path, "not part of the desk (tickets/ holds one folder per ID prefix, like tickets/AB/)")
            continue
        for s in os.scandir(e.path):
            if (s.name.startswith(".claim-") or s.name == ".aliases") and s.is_file(follow_symlinks=False):
                continue
            if not (s.is_dir(follow_symlinks=False) and re.fullmatch(r"\d{3,}", s.name)):
                stray(s.path, f"not part of the desk (tickets/{e.name}/ holds shard folders like 000/ "
                              f"and .claim-* files)")
                continue
            for f in os.scandir(s.path):
                if f.name.endswith(".yaml") and f.is_file(follow_symlinks=False):
                    continue  # checked as a ticket file
                if f.name.endswith(".tmp") and f.name.startswith("."):
                    stray(f.path, "leftover temp file of an interrupted write: delete it")
                elif f.is_symlink():
                    stray(f.path, "a symbolic link: tix never follows links in the desk")
                elif f.name.endswith(".yaml"):
                    stray(f.path, "not a regular file")
                else:
                    stem = f.name.split(".")[0]
                    hint = " (a merge leftover?)" if ID_RE.match(stem) else ""
                    stray(f.path, f"not a ticket file{hint}: ticket files are named like AB-0042.yaml")
    return out


def _claims(store: Store) -> list[Finding]:
    out = []
    for prefix, clones in sorted(store.claims().items()):
        if len(clones) > 1:
            out.append(Finding(f"tickets/{prefix}/.claim-{clones[1]}", None,
                               f"ID prefix {prefix} is claimed by {len(clones)} clones ({', '.join(clones)}): "
                               f"their new tickets get the same IDs. On all but one of them run "
                               f"`tix init --prefix XY` (a free prefix) and `git rm` its old claim file"))
    return out


def _cross(store: Store, seen: _Seen) -> list[Finding]:
    out = []
    for tid, files in sorted(seen.ticket_files.items()):
        if len(files) > 1:
            for f in files[1:]:
                out.append(Finding(f, 1, f"ticket ID {tid} is also used by {files[0]}: two files, one ID"))
    known = seen.ticket_files
    for rel, tid, kind, other in seen.refs:
        if other in seen.unreadable:
            continue  # that file's own finding says what is wrong
        line = _line_of(seen.data[rel] if rel in seen.data else seen.data.setdefault(rel, _data(store, rel)),
                        f'"{other}"')
        if other not in known:
            out.append(Finding(rel, line, f"{tid} {kind} {other}, which does not exist"))
            continue
        back = ev_mod.LINK_KINDS.get(kind)
        if back is not None and (back, tid) not in seen.links.get(other, set()):
            out.append(Finding(rel, line, f"one-sided link: {tid} {kind} {other}, but {other} has no "
                               f"`{back} {tid}` link back (run `tix link {other} {tid} --as {back}`)"))
    return out


def _ledger(store: Store, work_ids: set[str] | None) -> list[Finding]:
    if importlib.util.find_spec("tix.storage.ledger") is None:
        return []
    from tix.storage import ledger

    if not (store.root / getattr(ledger, "DIR", "invoices")).exists():
        return []
    try:
        lines = ledger.clashes(store, work_ids)
    except TixError as err:
        return [_from_error(err, "invoices")]
    return [_parse_line(x) for x in lines]


def _parse_line(text: str) -> Finding:
    m = re.match(r"^(\S[^:]*?)(?::(\d+))?: (.*)$", text, re.S)
    if not m:
        return Finding("invoices", None, text)
    return Finding(m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3))


def _policy(store: Store) -> list[Finding]:
    from tix.core.policy import load_policy

    try:
        policy = load_policy(store.root / "policies.yaml")
    except TixError as err:
        return [Finding(store.rel(err.path) if err.path else "policies.yaml", err.line, err.message)]
    from tix.core import yamlio
    from tix.core.vat import check_numbers

    out = []
    for problem in check_numbers(policy):  # VAT numbers per country, IBAN checksum (python-stdnum)
        keys = tuple(problem.split(":", 1)[0].split("."))
        out.append(Finding("policies.yaml", yamlio.line_of(policy.text, keys), problem))
    return out


def _git(store: Store, markers: bool) -> list[Finding]:
    root = store.git_root
    if root is None:
        return []
    from tix.storage import gitops

    out = []
    try:
        problem = gitops.driver_problem(root)
        if problem:
            out.append(Finding(".git/config", None, problem))
        if gitops.in_merge(root):
            out.append(Finding(".git/MERGE_HEAD", None, "a merge is in progress: run `tix sync` to finish it"))
        if markers and not gitops.registered_driver(root):
            out.append(Finding(".git/config", None, "this clone has no tix merge driver, so `git pull` left "
                               "conflict markers: run `tix sync` now, and `tix init` once so that plain "
                               "`git pull` merges ticket files too"))
    except TixError:
        pass  # git missing or broken: the files are what fsck checks
    return out


def check_desk(store: Store, *, with_git: bool = True) -> tuple[list[Finding], int]:
    """Every finding of the desk, sorted; and the number of ticket files checked."""
    out: list[Finding] = []
    out += _policy(store)
    seen = _Seen()
    paths = list(store.ticket_paths())
    n = len(paths)
    gc.disable()  # 10,000 files make millions of small objects and no cycles: ~20% faster
    try:
        from tix.core import progress

        for found, facts in progress.counted("checking ticket files", _check_all(store, paths), n):  # path order
            out += found
            out += _learn(store, seen, facts)
    finally:
        gc.enable()
    out += _cross(store, seen)
    out += _claims(store)
    out += _stray(store)
    from tix.storage.attachments import problems as attachment_problems  # links and odd files there

    out += [Finding(path, None, problem) for path, problem in attachment_problems(store)]
    out += _ledger(store, seen.work_ids)
    markers = any(f.problem == MARKER_HINT for f in out)
    if with_git:
        out += _git(store, markers)
    return sorted(set(out), key=lambda f: (f.path, f.line or 0, f.problem)), n


PARALLEL_MIN = 2000  # files before a second process pays for itself
_JOB: Any = None  # the store, for worker processes (inherited by fork)


def _check_some(paths: list[Path]) -> list[tuple[list[Finding], _FileFacts]]:
    gc.disable()
    return [_check_one(_JOB, p) for p in paths]


def _check_all(store: Store, paths: list[Path]) -> Any:
    """Each file checked on its own, in 2+ processes on a big desk; results in path order."""
    global _JOB
    if len(paths) >= PARALLEL_MIN:
        from tix.storage.index import _workers, fork_map

        size = max(100, min(2000, len(paths) // (_workers() * 8)))
        _JOB = store  # the workers fork with it
        try:
            results = fork_map(_check_some, [paths[i:i + size] for i in range(0, len(paths), size)])
        finally:
            _JOB = None
        if results is not None:
            return results  # streamed: merged while the next chunks are checked
    return (_check_one(store, p) for p in paths)


def check_files(store: Store, rel_paths: Iterable[str]) -> list[Finding]:
    """The problems of these ticket files (paths relative to the desk)."""
    from tix.core import progress

    out: list[Finding] = []
    rels = [rel for rel in sorted(set(rel_paths)) if rel.startswith("tickets/") and rel.endswith(".yaml")
            and rel.count("/") >= 2]
    for rel in progress.counted("checking changed ticket files", rels, len(rels)):
        p = store.root / rel
        if p.exists() or p.is_symlink():
            out += check_ticket_file(store, p)
    return out


def check_history(store: Store) -> list[Finding]:
    """Every commit of the desk's history that rewrote a ticket file or an
    invoice record (tix.storage.history), one finding each."""
    root = store.git_root
    if root is None:
        return []
    from tix.storage import gitops
    from tix.storage.claim import desk_prefix
    from tix.storage.history import scan

    if gitops.git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).returncode != 0:
        return []
    dp = desk_prefix(store)
    return [Finding(r.path[len(dp):] if r.path.startswith(dp) else r.path, None,
                    f"history: {r.what} in commit {r.commit[:10]} by {r.author} on {r.date} "
                    f"(acknowledge a deliberate clean-up with `tix sync --accept-rewrite {r.commit[:10]}`)")
            for r in scan(root, ["HEAD"], dp)]


def check_collisions(store: Store) -> list[Finding]:
    """What must never be shared: one ID prefix claimed by two clones, an
    invoice number issued twice or an entry billed twice."""
    return _claims(store) + _ledger(store, None)


def check_for_push(store: Store, rel_paths: Iterable[str]) -> list[Finding]:
    """The gate before `tix sync` pushes: the changed desk files must be
    sound, and no ID prefix or invoice may collide. Cheap: only changed
    ticket files are parsed."""
    paths = sorted(set(rel_paths))
    out = check_files(store, paths) + _claims(store)
    from tix.storage import ledger

    try:
        out += [_parse_line(x) for x in ledger.push_clashes(store, paths)]
    except TixError as err:
        out.append(_from_error(err, "invoices"))
    return sorted(set(out), key=lambda f: (f.path, f.line or 0, f.problem))
