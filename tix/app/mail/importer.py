"""Mail into the desk: a new message opens a ticket, a reply joins its
ticket as a public comment from the requester. All writing goes through the
Store (ticket files, and `write_atomic` for attachments).

* New ticket: requester from `From`, organisation from the sender's domain
  (`orgs.*.domains`), title from the subject, description from the text,
  channel `email`, the policy's default impact, urgency and team.
* Reply: the subject's `[tix AB-0042]` tag, else `In-Reply-To`/`References`
  naming a message of the ticket (the one that opened it, an imported reply,
  or a notification tix sent: `<tix.AB-0042.…@…>`). A reply from someone
  whose domain belongs to a *different* organisation than the ticket's
  opens a new ticket instead (no comments slipped into another customer's
  ticket). The quoted old message is cut off.
* Who may write into a ticket: a tag or a Message-ID is easy to guess, so
  a reply counts as the requester's (a public comment, in the customer's
  report) only from an address on the ticket: the requester, the To and Cc
  of the mail that opened it, and those added with `tix mail cc`; or, when
  the organisation's `mail_trust` is `domains`, from its domains. Mail from
  anyone else is kept as an internal note flagged "from an unknown
  sender" (its attachments stored but not listed on the ticket) until a
  technician accepts it (`accept`); it never changes the status. A reply to
  a ticket that is `waiting` (for the customer) sets it back to `open`; a
  reply to a resolved ticket whose first line is a score 1-5 records the
  feedback, from the requester's own address only.
* Dedupe: the Message-ID is recorded on the `opened` or `commented` event,
  and the set of known IDs is rebuilt from the ticket files on every run, so
  importing a message twice does nothing even after the cache is lost.
* Attachments: `<desk>/attachments/<ID>/<safe name>`, listed on the ticket
  by `attached` events (name, path, size, sha256); a file the ticket already
  has (same sha256: the logo in every signature) is stored once. Anything
  over `mail.max_attachment` is refused with an internal note on the ticket.
* Automatic mail (auto-replies, bounces, mailing lists: see parse._auto)
  never opens a ticket and never reopens one: that is how mail loops start.
  On a known ticket it is kept as an internal note. Mail whose X-Loop names
  the desk's own address is dropped. Mail the spam filter marked is set
  aside (a Maildir's `.tix-spam` folder, `<desk>/mail-spam/` for standard
  input and mbox), never imported.
* A hostile desk never blocks the mailbox: when `attachments/<ID>` is a
  symbolic link (or not a folder) the message is still imported, its
  attachments refused with a note, and a copy of the whole message kept in
  `<desk>/mail-failed/`; `tix.storage.attachments.problems` lets `tix fsck` name it.

Sources (`import_sources`): `.eml` files, a directory of them, an mbox, a
Maildir, or `-` for standard input. A message that cannot be imported is
reported and moved aside: to the Maildir's `.tix-failed` folder, and for
standard input and mbox to `<desk>/mail-failed/` (files given by name stay
where they are); the others are imported. Spam goes the same way to
`.tix-spam` and `<desk>/mail-spam/`."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.app.mail.parse import MAIL_ERRORS
from tix.core.errors import BrokenFile, NotFound, StoreError, TixError
from tix.storage.store import TicketFull

if TYPE_CHECKING:
    from datetime import datetime

    from tix.app.mail.parse import Attachment, Parsed
    from tix.core.ids import IdSource
    from tix.core.policy import Policy
    from tix.core.ticket import Ticket
    from tix.storage.store import Store

MAX_ATTACHMENTS = 50          # per message; the rest is refused with a note
MAX_CC = 20                   # addresses taken from the To and Cc of a mail that opens a ticket
MAX_NAME_BYTES = 120          # attachment file names, UTF-8 bytes
MAX_MAIL_TEXT = 32_000        # characters of a mail's text kept in its event; a longer one becomes message.txt
EXCERPT = 2_000               # characters of such a text shown in the event
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
                     *(f"COM{i}" for i in "123456789¹²³"), *(f"LPT{i}" for i in "123456789¹²³")}
_BAD_CHARS = set('<>:"/\\|?*')


# ---------------------------------------------------------------- file names

def safe_name(name: str, content_type: str = "application/octet-stream") -> str:
    """A file name that stays where it is put on any system: no path
    separators or `..`, no dot-files, no control or bidi characters, no
    Windows reserved names (CON, aux.txt, LPT1), no trailing dots or spaces,
    at most MAX_NAME_BYTES bytes with the extension kept."""
    import mimetypes

    from tix.app.mail.parse import one_line

    n = unicodedata.normalize("NFC", one_line(name or "", 1000))
    n = re.split(r"[/\\]", n)[-1]                       # the last path component only
    n = "".join("_" if (ch in _BAD_CHARS or not ch.isprintable()) else ch for ch in n)
    n = re.sub(r"\s+", " ", n).strip(" .")               # no dot-files; Windows drops trailing dots
    n = n.lstrip("-~") or n                              # not an option or a home directory to a shell
    if not n.strip(" ._-"):
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        n = "attachment" + ext
    stem, dot, ext = n.rpartition(".")
    if not dot:
        stem, ext = n, ""
    if len(ext) > 16 or not ext:
        stem, ext = n, ""
    base = n.split(".")[0].strip().upper()
    if base in _WINDOWS_RESERVED:
        n, stem = "_" + n, "_" + stem
    if len(n.encode("utf-8")) > MAX_NAME_BYTES:
        tail = ("." + ext) if ext else ""
        room = MAX_NAME_BYTES - len(tail.encode("utf-8"))
        cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
        n = cut + tail
    return n


def numbered(name: str, n: int) -> str:
    """report.pdf -> report-2.pdf (collisions)."""
    if n == 1:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        return f"{name}-{n}"
    return f"{stem}-{n}.{ext}"


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1048576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


# ---------------------------------------------------------------- results

@dataclass
class Outcome:
    source: str
    action: str                 # created | commented | duplicate | ignored | failed
    ticket: str | None = None
    message_id: str | None = None
    sender: str | None = None
    subject: str | None = None
    detail: str = ""
    attachments: int = 0
    refused: list[str] = field(default_factory=list)
    moved_to: str | None = None
    warning: str | None = None  # a problem of the desk met on the way (printed on stderr)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "action": self.action, "ticket": self.ticket,
                "message_id": self.message_id, "from": self.sender, "subject": self.subject,
                "detail": self.detail, "attachments": self.attachments, "refused": self.refused,
                "moved_to": self.moved_to, "warning": self.warning}


def big_body(text: str, atts: tuple[Attachment, ...]) -> tuple[str, tuple[Attachment, ...]]:
    """A text longer than MAX_MAIL_TEXT is kept whole as the attachment
    `message.txt` and the event holds its start: a ticket never grows by a
    whole long mail per reply."""
    if len(text) <= MAX_MAIL_TEXT:
        return text, atts
    from tix.app.mail.parse import Attachment

    note = f"\n\n[... the whole text ({len(text):,} characters) is in the attachment message.txt]"
    return text[:EXCERPT].rstrip() + note, (Attachment("message.txt", "text/plain", text.encode("utf-8")), *atts)


class _NoPlace(Exception):
    """The folder an attachment would go to cannot be written safely (a link, not a folder)."""


# ---------------------------------------------------------------- the importer

class Importer:
    """Applies parsed messages to the desk. One per run: it learns the known
    Message-IDs from the ticket files once, then keeps them up to date."""

    def __init__(self, store: Store, policy: Policy, now: datetime, user: str, *, ids: IdSource,
                 dry_run: bool = False):
        self.store = store
        self.ids = ids
        self.policy = policy
        self.now = now.astimezone(policy.tz)
        self.user = user
        self.dry_run = dry_run
        self.seen: dict[str, str] = {}     # Message-ID of an imported message -> ticket
        self.sent: dict[str, str] = {}     # Message-ID of a notification tix sent -> ticket
        self._loaded = False
        from email.utils import parseaddr

        self.own = parseaddr(policy.mail.sender)[1].lower()
        self.team_addresses = {t.email.lower() for t in policy.teams.values() if t.email}
        self.raw = b""  # the message being imported (a copy is kept when its attachments are refused)
        self.problem: str | None = None  # why this message's attachments had no safe place, if so
        self.subject = ""
        self.via: set[str] = set()  # addresses on the tickets merged into the one a reply goes to

    def _load(self) -> None:
        """Every Message-ID the desk knows, from the ticket files (through the
        index cache and its derived values, which re-read only what changed)."""
        from tix.app.mail.parse import OWN_ID_RE

        if self._loaded:
            return
        from tix.storage.keys import desk_ids  # kept per group of files beside the index: no ticket decoded

        seen, sent, own = self.seen, self.sent, OWN_ID_RE.match
        for mid, tid in desk_ids(self.store).mids.items():
            (sent if own(mid) else seen)[mid] = tid
        self._loaded = True

    # ------------------------------------------------------------ one message
    def import_bytes(self, raw: bytes, source: str) -> Outcome:
        """Import one message. Problems with the message itself come back as
        a `failed` Outcome; problems of the desk (disk full) raise."""
        from tix.app.mail.parse import MailProblem, parse

        try:
            p = parse(raw)
        except MailProblem as err:
            return Outcome(source, "failed", detail=str(err))
        except (RecursionError, MemoryError) as err:
            return Outcome(source, "failed", detail=f"cannot parse the message ({type(err).__name__})")
        except MAIL_ERRORS as err:
            return Outcome(source, "failed", detail=f"cannot parse the message ({type(err).__name__}: {err})")
        base = Outcome(source, "", message_id=p.message_id, sender=p.sender, subject=p.subject)
        self.raw, self.problem, self.subject, self.via = raw, None, p.subject or "(no subject)", set()
        try:
            return self._apply(p, base)
        except StoreError:
            raise
        except TicketFull as err:  # the ticket reached its size limit: this message is set aside, the rest go on
            base.action, base.detail = "failed", str(err)
            return base
        except (BrokenFile, NotFound) as err:
            base.action, base.detail = "failed", f"the ticket it belongs to cannot be read: {err}"
            return base

    def _apply(self, p: Parsed, out: Outcome) -> Outcome:
        self._load()
        if p.message_id in self.seen:
            tid = self.seen[p.message_id]
            out.action, out.ticket = "duplicate", tid
            out.detail = f"already imported ({tid})"
            if not self.dry_run:
                n = self._recover(tid, p)
                if n:
                    out.detail += f"; {n} missing attachment{'s' if n != 1 else ''} stored"
                    out.attachments = n
            return out
        if p.message_id in self.sent:
            out.action, out.ticket, out.detail = "ignored", self.sent[p.message_id], "a mail tix sent came back"
            return out
        if p.sender == self.own:
            out.action, out.detail = "ignored", f"sent from the desk's own address {self.own} (mail loop)"
            return out
        if self.own and self.own in p.x_loop:
            out.action, out.detail = "ignored", f"X-Loop names the desk's own address {self.own} (mail loop)"
            return out
        if p.spam:
            out.action, out.detail = "spam", f"marked as spam by the mail filter ({p.spam})"
            return out
        if self.policy.alerts and not p.tag:  # monitoring and backup mail: one ticket per alert key
            from tix.app.alerts import from_mail

            alert = from_mail(self, p, out)
            if alert is not None:
                return alert
        t = self._target(p)
        if p.auto and t is None:
            out.action, out.detail = "ignored", f"automatic mail ({p.auto}): no ticket opened"
            return out
        if t is not None:
            return self._comment(t, p, out)
        return self._create(p, out)

    # ------------------------------------------------------------ which ticket
    def _target(self, p: Parsed) -> Ticket | None:
        from tix.app.mail.parse import OWN_ID_RE
        from tix.storage.store import ID_RE

        cands: list[str] = []
        if p.tag:
            cands.append(p.tag)
        for ref in p.references:
            if ref in self.seen:
                cands.append(self.seen[ref])
            elif ref in self.sent:
                cands.append(self.sent[ref])
            else:
                m = OWN_ID_RE.match(ref)
                if m:
                    cands.append(m.group(1).upper())
        sender_org = self.policy.org_for_domain(p.sender.rpartition("@")[2])
        for tid in dict.fromkeys(cands):
            if ID_RE.match(tid) and not self.store.path_for(tid).is_file():
                # renumbered by `tix sync`: the old tag still finds it (the first
                # one the sender may write into, when two clones used the old ID)
                alts = self.store.aliases_of(tid)
                tid = alts[0] if alts else tid
            if not ID_RE.match(tid) or not self.store.path_for(tid).is_file():
                continue
            t = self.store.ticket(tid)
            via: set[str] = set()  # the addresses of the merged tickets on the way count too
            for _ in range(5):  # a merged ticket's mail goes to the one it was merged into
                if not t.merged_into or not self.store.path_for(t.merged_into).is_file():
                    break
                via |= on_ticket(t)
                t = self.store.ticket(t.merged_into)
            if sender_org and t.org and sender_org.key != t.org and p.sender not in on_ticket(t) | via:
                continue  # another customer's address: not a reply to this ticket
            self.via = via
            return t
        return None

    # ------------------------------------------------------------ new ticket
    def _create(self, p: Parsed, out: Outcome) -> Outcome:
        from tix.core import events

        org = self.policy.org_for_domain(p.sender.rpartition("@")[2])
        requester = {"email": p.sender}
        if p.sender_name and p.sender_name.lower() != p.sender:
            requester = {"name": p.sender_name, "email": p.sender}
        header: dict[str, Any] = {
            "title": p.subject or "(no subject)",
            "requester": requester,
            "org": org.key if org else None,
            "channel": "email",
            "category": "incident",
            "impact": self.policy.default_impact,
            "urgency": self.policy.default_urgency,
            "team": self.policy.default_team,
            "description": None,
        }
        header["description"], body_atts = big_body(p.body or "", p.attachments)
        header["description"] = header["description"] or None
        if org is None and p.language and p.language != self.policy.default_language:
            header["language"] = p.language
        out.action = "created"
        if self.dry_run:
            out.detail = "would open a new ticket" + (f" for {org.key}" if org else "")
            out.attachments = sum(1 for a in p.attachments if a.size <= self.policy.mail.max_attachment)
            return out
        skip = {self.own, p.sender, *self.team_addresses}
        cc = [a for a in p.recipients if a not in skip][:MAX_CC]
        opened = events.make(self.ids, "opened", p.sender, self.now, message_id=p.message_id, cc=cc or None)
        tid = self.store.create(header, [opened], self.user)
        self.seen[p.message_id] = tid
        out.ticket = tid
        out.detail = "new ticket" + (f" for {org.key}" if org else "")
        extra, paths, refused = self._attachments(tid, body_atts, [])
        if extra:
            self.store.append(tid, extra)
        out.attachments, out.refused, out.warning = len(paths), refused, self.problem
        return out

    # ------------------------------------------------------------ reply
    def trust(self, t: Ticket, sender: str) -> str | None:
        """Why `sender` may write into `t` as the requester, or None."""
        req = (t.requester.get("email") or "").lower()
        if sender and sender == req:
            return "the requester"
        if sender in on_ticket(t) or sender in self.via:
            return "on the ticket"
        org = self.policy.orgs.get(t.org or "")
        if org is not None and org.mail_trust == "domains":
            domain = sender.rpartition("@")[2]
            if any(domain == d or domain.endswith("." + d) for d in org.domains):
                return f"at {org.key}'s domain"
        return None

    def _comment(self, t: Ticket, p: Parsed, out: Outcome) -> Outcome:
        from tix.app.mail.parse import feedback_score, strip_quoted
        from tix.core import events

        text = strip_quoted(p.body) if p.body else ""
        why = self.trust(t, p.sender)
        requester = why == "the requester"
        # feedback only from the requester's own address, never from automatic mail
        fb = feedback_score(text) if t.status in ("resolved", "closed") and requester and not p.auto else None
        out.ticket = t.id
        out.action = "commented"
        if self.dry_run:
            out.detail = "would add " + ("an internal note (automatic mail)" if p.auto else
                                         "an internal note (from an unknown sender)" if why is None else "a reply")
            return out
        listed = why is not None or p.auto is not None
        text, body_atts = big_body(text, p.attachments)
        evs, paths, refused = self._attachments(t.id, body_atts, t.attachments)
        files = [{k: e[k] for k in ("name", "path", "size", "sha256") if k in e}
                 for e in evs if e["type"] == "attached"]
        if not listed:  # a stranger's files are stored, not listed on the ticket, until the mail is accepted
            evs = [e for e in evs if e["type"] != "attached"]
        if not text.strip():
            text = f"(sent {len(paths)} attachment{'s' if len(paths) != 1 else ''})" if paths else "(empty message)"
        if p.auto:
            note = f"Automatic mail from {p.sender} ({p.auto}):\n\n{text}"
            ev = events.make(self.ids, "commented", self.user, self.now, text=note, internal=True,
                             message_id=p.message_id, attachments=paths or None)
            out.detail = "internal note (automatic mail)"
        elif why is None:
            ev = events.make(self.ids, "commented", p.sender, self.now, text=text, internal=True, unknown_sender=True,
                             message_id=p.message_id, attachments=paths or None, files=files or None)
            ev["text"] = unknown_note(p.sender, t.id, ev["id"]) + text
            out.detail = (f"internal note: from an unknown sender (not the requester, not on the ticket); "
                          f"accept it with `tix mail accept {t.id} {ev['id']}`")
        else:
            ev = events.make(self.ids, "commented", p.sender, self.now, text=text, requester=True,
                             message_id=p.message_id, attachments=paths or None)
            out.detail = "reply from the requester" if requester else f"reply from {p.sender} ({why})"
        new = [ev, *evs]
        if t.status == "waiting" and why is not None and not p.auto:
            # we were waiting for the customer; the answer is here: the SLA clocks run again
            new.append(events.make(self.ids, "status", self.user, self.now, status="open",
                                   note=f"reply by mail from {p.sender}"))
            out.detail += "; waiting -> open"
        if fb is not None:
            new.append(events.make(self.ids, "feedback", p.sender, self.now, score=fb[0], text=fb[1] or None))
            out.detail += f"; feedback {fb[0]}/5"
        self.store.append(t.id, new)
        self.seen[p.message_id] = t.id
        out.attachments, out.refused, out.warning = len(paths), refused, self.problem
        return out

    # ------------------------------------------------------------ attachments
    def _attachments(self, tid: str, atts: tuple[Attachment, ...], existing: list[dict[str, Any]]
                     ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        """Store what fits; -> (attached events + a refusal note, stored paths, refused descriptions)."""
        from tix.app.mail.parse import one_line
        from tix.core import events

        limit = self.policy.mail.max_attachment
        known = {a.get("sha256"): a["path"] for a in existing if a.get("sha256")}
        evs: list[dict[str, Any]] = []
        paths: list[str] = []
        refused: list[str] = []
        no_place: str | None = None
        for i, a in enumerate(atts):
            shown = one_line(a.name, 200) or "(no name)"
            if i >= MAX_ATTACHMENTS:
                refused.append(f"{shown}: more than {MAX_ATTACHMENTS} attachments in one message")
                continue
            if a.size > limit:
                refused.append(f"{shown} ({human_size(a.size)}): larger than the limit of {human_size(limit)} "
                               f"(mail.max_attachment)")
                continue
            sha = hashlib.sha256(a.data).hexdigest()
            if sha in known:
                paths.append(known[sha])
                continue
            if no_place is None:
                try:
                    rel = self._write(tid, safe_name(a.name, a.content_type), a.data, sha)
                except _NoPlace as err:
                    no_place = str(err)
            if no_place is not None:
                refused.append(f"{shown}: {no_place}")
                continue
            known[sha] = rel
            paths.append(rel)
            evs.append(events.make(self.ids, "attached", self.user, self.now, name=shown, path=rel, size=a.size,
                                   sha256=sha))
        if no_place is not None:
            kept = self._keep_copy()
            self.problem = (f"{no_place}; the attachments of {one_line(self.subject, 80)!r} were refused"
                            + (f", the whole message is kept in {kept}" if kept else ""))
            if kept:
                refused.append(f"the whole message is kept in {kept}")
        if refused:
            text = ("Attachment" + ("s" if len(refused) > 1 else "") + " refused on import; ask the sender for "
                    "another way to share:\n" + "\n".join(f"- {r}" for r in refused))
            evs.append(events.make(self.ids, "commented", self.user, self.now, text=text, internal=True))
        return evs, paths, refused

    def _keep_copy(self) -> str | None:
        """A copy of the message being imported in <desk>/mail-failed/ (None if that cannot be done safely)."""
        try:
            return _keep(self.store, self.raw, self.now, "mail-failed")
        except _NoPlace:
            return None

    def _attach_dir(self, tid: str) -> Path:
        """attachments/<ID>, or _NoPlace when a link or a file is in the way
        (tix never writes through links: a clone may have planted one)."""
        root = self.store.root
        d = root / "attachments"
        for p in (d, d / tid):
            if p.is_symlink():
                raise _NoPlace(f"{self.store.rel(p)} is a symbolic link; tix never writes attachments through "
                               f"links (`tix fsck` names it; remove it)")
            if p.exists() and not p.is_dir():
                raise _NoPlace(f"{self.store.rel(p)} is not a folder (`tix fsck` names it; remove it)")
        return d / tid

    def _write(self, tid: str, name: str, data: bytes, sha: str) -> str:
        d = self._attach_dir(tid)
        for n in range(1, 10_000):
            path = d / numbered(name, n)
            try:
                self.store.write_atomic(path, data, exclusive=True)
            except FileExistsError:
                # the same bytes already there (an import cut short by a crash): use that file
                try:
                    if not path.is_symlink() and path.is_file() and path.stat().st_size == len(data) \
                            and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
                        break
                except OSError:
                    pass
                continue
            except BrokenFile as err:  # a link in the way, planted between the check and the write
                raise _NoPlace(f"{err.path}: {err.message}") from None
            self.store.written.append(path)
            break
        else:  # pragma: no cover - ten thousand files of one name
            raise StoreError(f"too many attachments named {name}", path=self.store.rel(d))
        return path.relative_to(self.store.root).as_posix()

    def _recover(self, tid: str, p: Parsed) -> int:
        """A message already imported whose attachments are not all on the
        ticket (a crash between creating the ticket and storing them): store
        the missing ones."""
        from tix.app.mail.parse import one_line
        from tix.core import events

        if not p.attachments:
            return 0
        try:
            t = self.store.ticket(tid)
        except (BrokenFile, NotFound):
            return 0
        opened = t.events[0] if t.events else {}
        if opened.get("message_id") != p.message_id:
            return 0  # a reply: its comment and attachments were written in one go
        if any(e.get("type") == "commented" and e.get("internal") and "refused on import" in e.get("text", "")
               for e in t.events):
            return 0  # refused when it was imported, with a note: not stored behind the technician's back
        have = {a.get("sha256") for a in t.attachments}
        limit = self.policy.mail.max_attachment
        evs = []
        for a in p.attachments[:MAX_ATTACHMENTS]:
            if a.size > limit:
                continue
            sha = hashlib.sha256(a.data).hexdigest()
            if sha in have:
                continue
            try:
                rel = self._write(tid, safe_name(a.name, a.content_type), a.data, sha)
            except _NoPlace:
                break
            have.add(sha)
            evs.append(events.make(self.ids, "attached", self.user, self.now, name=one_line(a.name, 200) or "(no name)",
                                   path=rel, size=a.size, sha256=sha))
        if evs:
            self.store.append(tid, evs)
        return len(evs)


# ---------------------------------------------------------------- who is on a ticket

def ticket_cc(t: Ticket) -> list[str]:
    """The addresses on the ticket besides the requester: the To and Cc of
    the mail that opened it (`opened.cc`), as changed by `tix mail cc` (a
    `set` event of `cc`; the fold leaves that field to mail)."""
    cc: list[str] = []
    for e in sorted(t.events, key=lambda e: e.get("at", "")):
        if e.get("type") == "opened":
            value = e.get("cc")
        elif e.get("type") == "set" and isinstance(e.get("fields"), dict) and "cc" in e["fields"]:
            value = e["fields"]["cc"]
        else:
            continue
        if isinstance(value, list):
            cc = [a.lower() for a in value if isinstance(a, str)]
    return cc


def on_ticket(t: Ticket) -> set[str]:
    """The requester's address and the ticket's cc addresses, lower case."""
    out = set(ticket_cc(t))
    req = t.requester.get("email")
    if isinstance(req, str) and req:
        out.add(req.lower())
    return out


def unknown_note(sender: str, tid: str, event_id: str) -> str:
    """The first paragraph of the internal note a stranger's mail becomes."""
    return (f"From an unknown sender: {sender} is not the requester and not on the ticket, so this mail is an "
            f"internal note the customer does not see. If it belongs to the ticket, accept it: "
            f"tix mail accept {tid} {event_id}\n\n")


def accept(t: Ticket, event: str, user: str, now: datetime, ids: IdSource, *, add_cc: bool = False
           ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events that accept the unknown sender's mail `event` (an event id,
    or a unique start or end of one, at least 6 characters) on `t` as the
    requester's reply: a public comment with its text, its attachments
    listed, `waiting` back to `open`, and with `add_cc` the sender on the
    ticket. -> (events, the note). Raises BadInput."""
    from tix.core import events
    from tix.core.errors import BadInput

    key = event.strip().upper()
    if len(key) < 6:
        raise BadInput(f"{event!r}: give the event id from the note (at least its first or last 6 characters)")
    found = [e for e in t.events if e.get("id", "").upper().startswith(key) or e.get("id", "").upper().endswith(key)]
    if not found:
        raise BadInput(f"{t.id} has no event {event!r}")
    if len(found) > 1:
        raise BadInput(f"{event!r} names {len(found)} events of {t.id}: give more of the id")
    note = found[0]
    if note.get("type") != "commented" or not note.get("unknown_sender"):
        raise BadInput(f"event {note['id']} of {t.id} is not mail from an unknown sender; only such a note can be "
                       f"accepted")
    done = next((e for e in t.events if e.get("accepts") == note["id"]), None)
    if done is not None:
        raise BadInput(f"the mail of event {note['id']} was accepted already (event {done['id']})")
    sender = note["by"]
    text = note["text"].split("\n\n", 1)[1] if note["text"].startswith("From an unknown sender:") \
        and "\n\n" in note["text"] else note["text"]
    at = now
    new = [events.make(ids, "commented", sender, at, text=text, requester=True, accepts=note["id"],
                       attachments=note.get("attachments") or None)]
    have = {a.get("sha256") for a in t.attachments}
    for f in note.get("files") or []:
        if isinstance(f, dict) and isinstance(f.get("path"), str) and f.get("sha256") not in have:
            new.append(events.make(ids, "attached", user, at, name=str(f.get("name") or f["path"].rsplit("/", 1)[-1]),
                                   path=f["path"], size=f.get("size") if isinstance(f.get("size"), int) else None,
                                   sha256=f.get("sha256") if isinstance(f.get("sha256"), str) else None))
    if t.status == "waiting":
        new.append(events.make(ids, "status", user, at, status="open", note=f"reply by mail from {sender} accepted"))
    if add_cc and sender not in on_ticket(t):
        new.append(events.make(ids, "set", user, at, fields={"cc": [*ticket_cc(t), sender]}))
    return new, note


# ---------------------------------------------------------------- sources

@dataclass
class Message:
    """One message of a source, with how to mark it done or move it aside."""
    source: str
    raw: bytes
    kind: str                       # file | stdin | mbox | maildir
    path: Path | None = None        # the Maildir file, or the .eml file


def check_source(text: str) -> str:
    """What a source argument is: stdin | maildir | dir | mbox | file. Raises BadInput."""
    from tix.core.errors import BadInput

    if text == "-":
        return "stdin"
    p = Path(text).expanduser()
    if p.is_dir():
        if (p / "cur").is_dir() and (p / "new").is_dir():
            return "maildir"
        return "dir"
    if not p.exists():
        raise BadInput(f"{text}: no such file or directory (give .eml files, an mbox, a Maildir or - for "
                       f"standard input)")
    if not p.is_file():
        raise BadInput(f"{text}: not a file or directory")
    try:
        with open(p, "rb") as fh:
            head = fh.read(5)
    except OSError as err:
        raise BadInput(f"{text}: cannot read: {err.strerror}") from None
    return "mbox" if head == b"From " else "file"


def _maildir_files(root: Path) -> Iterator[Path]:
    for sub in ("new", "cur"):
        d = root / sub
        for entry in sorted(os.scandir(d), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.name.partition(":2,")[2]
            if sub == "cur" and ("S" in info or "T" in info):
                continue  # seen (imported before) or trashed
            yield Path(entry.path)


def _mark_seen(path: Path) -> None:
    """Maildir: new/<name> or cur/<name>:2,<flags> -> cur/<name>:2,<flags>S."""
    name, sep, info = path.name.partition(":2,")
    flags = "".join(sorted(set(info) | {"S"})) if sep else "S"
    dest = path.parent.parent / "cur" / f"{name}:2,{flags}"
    os.rename(path, dest)


def _move_maildir(root: Path, path: Path, folder: str) -> Path:
    """Move a Maildir message into the subfolder `folder` (.tix-failed, .tix-spam)."""
    import mailbox

    box = mailbox.Maildir(str(root), factory=None, create=False)
    try:
        box.get_folder(folder)
    except mailbox.NoSuchMailboxError:
        box.add_folder(folder)
    name = path.name.partition(":2,")[0]
    dest = root / f".{folder}" / "new" / name
    os.rename(path, dest)
    return dest


def messages(kind: str, text: str, stdin: Any = None) -> Iterator[Message]:
    """The messages of one source, read lazily."""
    import mailbox

    if kind == "stdin":
        buf = getattr(stdin, "buffer", None)
        raw = buf.read() if buf is not None else stdin.read().encode("utf-8", "surrogateescape")
        yield Message("stdin", raw, "stdin")
        return
    p = Path(text).expanduser()
    if kind == "file":
        yield Message(text, p.read_bytes(), "file", p)
    elif kind == "dir":
        for f in sorted(p.iterdir(), key=lambda x: x.name):
            if f.name.endswith(".eml") and f.is_file() and not f.is_symlink():
                yield Message(str(f), f.read_bytes(), "file", f)
    elif kind == "mbox":
        box = mailbox.mbox(str(p), factory=None, create=False)
        try:
            for i, key in enumerate(box.iterkeys(), start=1):
                yield Message(f"{text}#{i}", box.get_bytes(key), "mbox")
        finally:
            box.close()
    elif kind == "maildir":
        for f in _maildir_files(p):
            try:
                raw = f.read_bytes()
            except FileNotFoundError:  # taken by another reader meanwhile
                continue
            yield Message(str(f), raw, "maildir", f)


def import_sources(importer: Importer, sources: list[tuple[str, str]], stdin: Any = None) -> list[Outcome]:
    """Import every message of every (kind, text) source; failed ones are moved aside."""
    from tix.core import progress

    results: list[Outcome] = []
    with progress.task("importing mail", _count(sources)) as step:
        for kind, text in sources:
            for msg in messages(kind, text, stdin):
                out = importer.import_bytes(msg.raw, msg.source)
                if not importer.dry_run:
                    _settle(importer, msg, out, text)
                results.append(out)
                step()
    return results


def _count(sources: list[tuple[str, str]]) -> int:
    """How many messages the sources hold, for the progress line; 0 (not
    known) where counting would mean reading a mailbox twice."""
    n = 0
    for kind, text in sources:
        p = Path(text).expanduser()
        try:
            if kind in ("stdin", "file"):
                n += 1
            elif kind == "dir":
                n += sum(1 for e in os.scandir(p) if e.name.endswith(".eml"))
            elif kind == "maildir":
                n += sum(1 for sub in ("new", "cur") if (p / sub).is_dir() for _ in os.scandir(p / sub))
            else:
                return 0
        except OSError:
            return 0
    return n


def _settle(importer: Importer, msg: Message, out: Outcome, source_root: str) -> None:
    """After a message: mark it seen (Maildir), or move it aside when it
    failed (`.tix-failed`, mail-failed/) or is spam (`.tix-spam`, mail-spam/)."""
    aside = {"failed": ("tix-failed", "mail-failed"), "spam": ("tix-spam", "mail-spam")}.get(out.action)
    try:
        if msg.kind == "maildir" and msg.path is not None:
            if aside:
                out.moved_to = str(_move_maildir(Path(source_root).expanduser(), msg.path, aside[0]))
            else:
                _mark_seen(msg.path)
        elif aside and msg.kind in ("stdin", "mbox"):
            try:
                out.moved_to = _keep(importer.store, msg.raw, importer.now, aside[1])
            except _NoPlace as err:
                out.warning = f"{err}; the message is not kept"
    except TixError:
        raise
    except OSError as err:
        out.detail += f" (could not move it aside: {err.strerror})"
    if out.action == "spam":
        out.detail += f"; set aside in {out.moved_to}" if out.moved_to else "; left where it is"


def _keep(store: Store, raw: bytes, now: datetime, folder: str) -> str:
    """A copy of a message in <desk>/<folder>/ (local: `tix sync` does not share it). _NoPlace on a link."""
    d = store.root / folder
    if d.is_symlink() or (d.exists() and not d.is_dir()):
        raise _NoPlace(f"{folder} is {'a symbolic link' if d.is_symlink() else 'not a folder'}; tix never writes "
                       f"through links (remove it)")
    name = f"{now:%Y%m%dT%H%M%S}-{hashlib.sha256(raw).hexdigest()[:12]}.eml"
    path = d / name
    try:
        store.write_atomic(path, raw, exclusive=True)
        store.written.append(path)
    except FileExistsError:
        pass  # the same message, kept before
    except BrokenFile as err:
        raise _NoPlace(f"{err.path}: {err.message}") from None
    return store.rel(path)
