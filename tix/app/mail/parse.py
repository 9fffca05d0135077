"""One mail message, parsed: `parse(raw bytes) -> Parsed`. Pure (no disk).

Hostile and broken mail is the normal case here, so every step degrades
instead of raising: encoded words in any charset (utf-8, iso-8859-1/-2,
windows-1252, raw 8-bit headers), missing or repeated headers, broken MIME,
bad base64, HTML-only mail (turned into readable text with html.parser).
What comes out is safe to store: the subject is one line without control
or bidi characters (no header injection when it is put back into a mail),
texts have no NULs or other control characters, sizes are bounded.
Only a message without any sender address is refused (`MailProblem`).

The stdlib's `compat32` policy is used on purpose: it never raises while
reading headers (the modern policy's header objects can), and the decoding
is done here, with explicit fallbacks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


def _mail_errors() -> tuple[type[BaseException], ...]:
    import email.errors

    from tix.core.errors import UNTRUSTED_INPUT_ERRORS

    return (*UNTRUSTED_INPUT_ERRORS, email.errors.MessageError)


# What the standard library's mail and HTML parsers raise on a hostile message.
MAIL_ERRORS = _mail_errors()

MAX_BODY = 1_000_000    # characters of text kept from a message body (a longer one is stored as message.txt)
MAX_SUBJECT = 300       # the limit of `tix new --title`
MAX_DEPTH = 40          # MIME nesting deeper than this is hostile
MAX_PARTS = 500         # leaf parts looked at
TAG_RE = re.compile(r"\[\s*tix\s+([A-Za-z]{2,4})-(\d{1,9})\s*\]", re.I)
# Message-IDs tix puts on the mail it sends: <tix.AB-0042.<hash>@domain>
OWN_ID_RE = re.compile(r"^tix\.([A-Z]{2,4}-\d{4,9})\.[0-9a-f]+@", re.I)
_MSGID_RE = re.compile(r"<([^<>\s]{1,500})>")
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
_ADDR_RE = re.compile(r"^[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")


class MailProblem(ValueError):
    """A message tix cannot make a ticket of (it is reported and moved aside)."""


@dataclass(frozen=True)
class Attachment:
    name: str            # as the sender named it, decoded (NOT safe as a file name: see importer.safe_name)
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Parsed:
    message_id: str                  # without <>; made up from the content when the mail has none
    sender: str                      # the address, lower case
    sender_name: str
    subject: str                     # one line, may be ""
    tag: str | None                  # ticket ID from a `[tix AB-0042]` subject tag
    references: tuple[str, ...]      # In-Reply-To, then References newest first (without <>)
    body: str
    attachments: tuple[Attachment, ...]
    auto: str | None = None          # why this looks machine-made (auto-reply, bounce, list), else None
    language: str | None = None      # from Content-Language, if tix knows it
    defects: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()  # the To and Cc addresses, lower case
    x_loop: tuple[str, ...] = ()     # addresses in X-Loop headers, lower case
    spam: str | None = None          # the spam filter's verdict header when it says spam, else None


# ---------------------------------------------------------------- text helpers

def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset -> text; never raises. Labels are trusted
    only as far as they work: us-ascii or no label tries UTF-8 first, and
    iso-8859-1 is read as windows-1252 (its superset, as browsers do)."""
    import codecs

    cs = (charset or "").strip().strip("\"'").lower()
    if cs in ("", "unknown-8bit", "x-unknown", "unknown", "us-ascii", "ascii", "default", "x-user-defined"):
        return _utf8_or_1252(data)
    if cs in ("iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1", "latin1", "l1", "windows-1252", "cp1252",
              "x-cp1252"):
        return _cp1252(data)
    try:
        name = codecs.lookup(cs).name
    except (LookupError, ValueError, TypeError):
        return _utf8_or_1252(data)
    try:
        return data.decode(name)
    except UnicodeError:
        if name == "utf-8":  # mislabelled 8-bit text, a classic
            return _cp1252(data)
        try:
            return data.decode(name, errors="replace")
        except (UnicodeError, LookupError, ValueError, TypeError):
            return _utf8_or_1252(data)
    except (LookupError, ValueError, TypeError):  # not a text encoding (base64, rot13, ...)
        return _utf8_or_1252(data)


def _utf8_or_1252(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _cp1252(data)


def _cp1252(data: bytes) -> str:
    return data.decode("cp1252", errors="replace")


_ESCAPED = re.compile("[\udc80-\udcff]")
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _unsurrogate(text: str) -> str:
    """Raw 8-bit bytes that the parser kept as surrogate escapes -> text."""
    if not _ESCAPED.search(text):
        return text
    return _utf8_or_1252(text.encode("utf-8", "surrogateescape"))


def decode_words(value: Any) -> str:
    """A header value (str or email.header.Header) with RFC 2047 encoded words -> text."""
    from email.errors import HeaderParseError
    from email.header import decode_header

    if value is None:
        return ""
    try:
        parts = decode_header(value)
    except (HeaderParseError, ValueError, LookupError, AssertionError, TypeError):
        return _unsurrogate(str(value))
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(_unsurrogate(chunk))
    return "".join(out)


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """A single safe line: control, line-break and bidi-override characters
    become spaces (no header injection, no Trojan-source tricks), runs of
    white space collapse, at most `limit` characters."""
    text = _unsurrogate(str(text)).translate(_BIDI)
    text = "".join(" " if (unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ch in "\ufffe\uffff")
                   else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_text(text: str, limit: int = MAX_BODY) -> str:
    """Multi-line text safe to store: CRLF -> LF, no control characters
    except tab and newline, no trailing blanks, at most two empty lines in
    a row, no leading/trailing empty lines, at most `limit` characters."""
    text = _unsurrogate(text).replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI)
    text = _NOT_TEXT.sub("", text)  # control characters (Cc) but tab and newline, surrogates (Cs), non-characters
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    lines = [ln.rstrip() for ln in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    if len(text) > limit:
        text = text[:limit].rstrip() + f"\n\n[... cut: the message was longer than {limit} characters]"
    return text


# ---------------------------------------------------------------- HTML -> text

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote", "pre",
          "section", "article", "header", "footer", "address", "dl", "dt", "dd", "form", "fieldset",
          "center", "main", "nav", "aside", "figure", "figcaption", "hr"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "object", "svg", "iframe"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr", "param",
         "track"}


def html_to_text(html: str) -> str:
    """Readable plain text from HTML mail: paragraphs and line breaks kept,
    lists as `- `, links as `text <url>`, scripts and styles dropped."""
    from html.parser import HTMLParser

    class _P(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.skip = 0
            self.pre = 0
            self.links: list[tuple[str, int]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in _SKIP:
                self.skip += 1
                return
            if self.skip:
                return
            if tag == "br":
                self.out.append("\n")
            elif tag == "li":
                self.out.append("\n- ")
            elif tag in ("td", "th"):
                self.out.append("  ")
            elif tag == "pre":
                self.pre += 1
                self.out.append("\n\x01")
            elif tag == "hr":
                self.out.append("\n----\n")
            elif tag in _BLOCK:
                self.out.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") else "\n")
            elif tag == "a":
                href = dict(attrs).get("href") or ""
                self.links.append((href, len(self.out)))
            elif tag == "img":
                alt = (dict(attrs).get("alt") or "").strip()
                if alt:
                    self.out.append(f"[{alt}]")

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in _SKIP:
                return
            self.handle_starttag(tag, attrs)
            if tag not in _VOID:
                self.handle_endtag(tag)

        def handle_endtag(self, tag: str) -> None:
            if tag in _SKIP:
                self.skip = max(0, self.skip - 1)
                return
            if self.skip:
                return
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
                self.out.append("\n")
            elif tag in _BLOCK:
                self.out.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") else "\n")
            elif tag == "a" and self.links:
                href, start = self.links.pop()
                text = "".join(self.out[start:]).strip()
                if href.startswith(("http://", "https://", "mailto:")):
                    shown = href[7:] if href.startswith("mailto:") else href
                    if shown and shown != text:
                        self.out.append(f" <{shown}>")

        def handle_data(self, data: str) -> None:
            if self.skip:
                return
            data = data.replace("\x01", "")
            if self.pre:  # \x01 marks a line whose indentation is kept
                self.out.append(data.replace("\r\n", "\n").replace("\n", "\n\x01"))
            else:
                self.out.append(re.sub(r"[ \t\r\n\f\v]+", " ", data))

    p = _P()
    try:
        p.feed(html)
        p.close()
    except MAIL_ERRORS:
        return clean_text(re.sub(r"<[^>]*>", " ", html))
    text = "".join(p.out).replace("\xa0", " ")
    lines = [ln[1:].rstrip() if ln.startswith("\x01") else re.sub(r" {2,}", " ", ln).strip()
             for ln in text.split("\n")]
    return clean_text("\n".join(lines))


# ---------------------------------------------------------------- replies

_ATTRIBUTION = re.compile(
    r"^(on .{4,200} wrote|op .{4,200} (schreef|geschreven)|am .{4,200} schrieb|.{0,200}\bschrieb"
    r"|dne .{4,200} (napsal|napsala|napsal\(a\))|den .{4,200} skrev|.{4,200} skrev)\s*.{0,80}:\s*$", re.I)
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(original message|ursprüngliche nachricht|oorspronkelijk bericht|původní zpráva|"
    r"opprinnelig melding|forwarded message|weitergeleitete nachricht|doorgestuurd bericht)\s*-{2,}|_{20,})\s*$",
    re.I)


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut the quoted message that mail clients put
    below (`> ...` lines with their `On ... wrote:` line, or an Outlook
    `-----Original Message-----` block). Returns the text unchanged when
    nothing new would be left."""
    lines = text.split("\n")
    cut = len(lines)
    for i, ln in enumerate(lines):
        if _FORWARD.match(ln):
            cut = i
            break
    # a trailing block of quoted lines (and blank ones)
    j = cut
    while j > 0 and (lines[j - 1].startswith(">") or not lines[j - 1].strip()):
        j -= 1
    if j < cut and any(ln.startswith(">") for ln in lines[j:cut]):
        cut = j
        # the attribution line(s) right above the quote; Gmail may wrap it over two lines
        for back in (1, 2):
            if cut - back >= 0 and _ATTRIBUTION.match(" ".join(s.strip() for s in lines[cut - back:cut])):
                cut -= back
                break
    new = "\n".join(lines[:cut]).strip("\n")
    return new if new.strip() else text


_SCORE = re.compile(r"^\s*(?:score\s*[:=]?\s*)?([1-5])\s*(?:/\s*5|von\s*5|z\s*5|av\s*5|van\s*5|out of 5)?\s*[.!]?\s*$",
                    re.I)


def feedback_score(text: str) -> tuple[int, str] | None:
    """A reply to the resolution mail whose first line is a lone score 1-5
    (`4`, `4/5`, `score: 4`) -> (score, the rest as comment); else None."""
    lines = text.strip().split("\n")
    if not lines:
        return None
    m = _SCORE.match(lines[0])
    if not m:
        return None
    return int(m.group(1)), "\n".join(lines[1:]).strip()


# ---------------------------------------------------------------- the message

def _headers(msg: Any, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except MAIL_ERRORS:
        return []
    out = []
    for v in values:
        if not isinstance(v, str):  # a Header object for raw 8-bit bytes
            v = decode_words(v)
        out.append(v)
    return out


def _first(msg: Any, name: str) -> str:
    vals = _headers(msg, name)
    return vals[0] if vals else ""


def _msgids(text: str) -> list[str]:
    return [one_line(m, 500) for m in _MSGID_RE.findall(_unsurrogate(text))]


def _sender(msg: Any) -> tuple[str, str]:
    from email.utils import getaddresses

    for header in ("From", "Sender", "Reply-To", "Return-Path"):
        for raw in _headers(msg, header):
            raw = _unsurrogate(raw)
            try:
                pairs = getaddresses([raw])
            except MAIL_ERRORS:
                pairs = []
            for name, addr in pairs:
                addr = one_line(addr, 300).strip("<>").strip()
                if _ADDR_RE.match(addr):
                    local, _, domain = addr.rpartition("@")
                    return one_line(decode_words(name), 100).strip("\"' "), f"{local}@{domain}".lower()
    return "", ""


# Subjects of out-of-office and other automatic replies that carry no header
# saying so (Exchange, Outlook and Gmail in the desk's languages). Only at the
# start, after any Re:/AW:/SV: prefixes: "Out of office supplies" is a request.
_AUTO_SUBJECT = re.compile(
    r"^(?:(?:re|aw|sv|vs|odp|antw|wg|fw|fwd|tr)\s*:\s*)*"
    r"(?:automatic reply|auto[- ]?reply|autoreply|auto-response|autoresponse|out of (?:the )?office"
    r"|abwesenheitsnotiz|automatische antwort|abwesend|automatisch antwoord|afwezigheidsbericht|afwezig"
    r"|fraværsmelding|automatisk svar|autosvar|ikke til stede|automatická odpověď|automaticka odpoved"
    r"|nepřítomnost|mimo kancelář)\s*(?::|$|\(|-|\[)", re.I)


def _auto(msg: Any, sender: str, ctype: str, subject: str = "") -> str | None:
    """Why a message looks machine-made (RFC 3834 and the usual habits of
    Exchange, Gmail and mailing lists)."""
    auto = _first(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {one_line(auto, 40)}"
    for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-MS-Exchange-Inbox-Rules-Loop",
              "X-Auto-Response-Suppress"):
        if _headers(msg, h):
            return h
    prec = _first(msg, "Precedence").strip().lower()
    if prec in ("bulk", "junk", "list", "auto_reply", "auto-reply"):
        return f"Precedence: {prec}"
    if _headers(msg, "List-Id"):
        return "List-Id (a mailing list)"
    if _AUTO_SUBJECT.match(unicodedata.normalize("NFC", subject)):
        return f"an automatic reply (subject {one_line(subject, 60)!r})"
    if ctype == "multipart/report":
        return "a delivery report (bounce)"
    local = sender.split("@")[0]
    if local in ("mailer-daemon", "postmaster", "mail-daemon"):
        return f"sent by {local} (bounce)"
    if _first(msg, "Return-Path").strip() == "<>":
        return "null sender (bounce)"
    return None


def _spam(msg: Any) -> str | None:
    """The spam filter's verdict, when it says spam (SpamAssassin, rspamd)."""
    for h in ("X-Spam-Flag", "X-Spam-Status", "X-Spam"):
        for v in _headers(msg, h):
            value = one_line(v, 60)
            if re.match(r"^\s*yes\b", value, re.I):
                return f"{h}: {value.split(' tests=')[0].strip()}"
    return None


def _addresses(msg: Any, *names: str) -> tuple[str, ...]:
    """The plausible addresses in these headers, lower case, each once."""
    from email.utils import getaddresses

    out: list[str] = []
    for name in names:
        for raw in _headers(msg, name):
            try:
                pairs = getaddresses([_unsurrogate(raw)])
            except MAIL_ERRORS:
                continue
            for _, addr in pairs:
                addr = one_line(addr, 300).strip("<>").strip().lower()
                if _ADDR_RE.match(addr) and addr not in out:
                    out.append(addr)
                if len(out) >= 100:
                    return tuple(out)
    return tuple(out)


def _language(msg: Any) -> str | None:
    lang = _first(msg, "Content-Language").strip().lower()[:5]
    code = lang.split("-")[0].split(",")[0].strip()
    return {"en": "en", "nl": "nl", "de": "de", "cs": "cs", "no": "no", "nb": "no", "nn": "no"}.get(code)


def _content_type(part: Any) -> str:
    try:
        return str(part.get_content_type()).lower()
    except MAIL_ERRORS:
        return "application/octet-stream"


def _payload(part: Any) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except MAIL_ERRORS:
        data = None
    if data is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return data


def _filename(part: Any) -> str:
    try:
        name = part.get_filename()
    except MAIL_ERRORS:
        name = None
    if not name:
        return ""
    if isinstance(name, tuple):  # (charset, language, value) of a broken RFC 2231 parameter
        name = name[2]
    return one_line(decode_words(_unsurrogate(str(name))), 500)


def _charset(part: Any) -> str | None:
    try:
        cs = part.get_content_charset()
    except MAIL_ERRORS:
        return None
    return cs if isinstance(cs, str) else None


def _walk(part: Any, body: list[str], atts: list[Attachment], defects: list[str], depth: int, count: list[int]) -> None:
    if depth > MAX_DEPTH:
        defects.append(f"MIME parts nested deeper than {MAX_DEPTH}: the rest is left out")
        return
    count[0] += 1
    if count[0] > MAX_PARTS:
        if count[0] == MAX_PARTS + 1:
            defects.append(f"more than {MAX_PARTS} MIME parts: the rest is left out")
        return
    ctype = _content_type(part)
    if ctype.startswith("message/") and ctype != "message/rfc822":  # delivery-status and the like: keep as text
        inner = part.get_payload()
        if isinstance(inner, list):
            try:
                data = b"\n".join(m.as_bytes() for m in inner)
            except MAIL_ERRORS:
                data = b""
        else:
            data = _payload(part)
        atts.append(Attachment(_filename(part) or ctype.split("/")[1] + ".txt", "text/plain", data))
        return
    if ctype.startswith("multipart/") and not part.is_multipart():
        # a multipart whose boundary never appears: what is in it is still worth reading
        text = decode_bytes(_payload(part), _charset(part)).strip("\n")
        if text.strip():
            body.append(text)
        return
    if ctype == "message/rfc822":
        inner = part.get_payload()
        data = b""
        try:
            from email import policy

            data = inner[0].as_bytes(policy=policy.compat32) if isinstance(inner, list) and inner else _payload(part)
        except MAIL_ERRORS:
            data = _payload(part)
        subject = ""
        if isinstance(inner, list) and inner:
            subject = one_line(decode_words(inner[0].get("Subject", "")), 80)
        atts.append(Attachment(_filename(part) or (subject or "forwarded message") + ".eml", "message/rfc822", data))
        return
    if part.is_multipart():
        subs = part.get_payload()
        if not isinstance(subs, list):
            return
        if ctype == "multipart/alternative":
            types = [_content_type(s) for s in subs]
            for wanted in ("text/plain", "text/html"):
                for s, t in zip(subs, types, strict=False):
                    if t == wanted and not _is_attachment(s):
                        _walk(s, body, atts, defects, depth + 1, count)
                        return
            for s in subs:
                if s.is_multipart():
                    _walk(s, body, atts, defects, depth + 1, count)
                    return
            return
        for s in subs:
            _walk(s, body, atts, defects, depth + 1, count)
        return
    if ctype in ("text/plain", "text/html", "text/enriched") and not _is_attachment(part):
        text = decode_bytes(_payload(part), _charset(part))
        if ctype == "text/html":
            text = html_to_text(text)
        elif ctype == "text/enriched":
            text = re.sub(r"<[^>]*>", "", text)
        text = text.strip("\n")
        if text.strip():
            body.append(text)
        return
    atts.append(Attachment(_filename(part), ctype, _payload(part)))


def _is_attachment(part: Any) -> bool:
    try:
        disp = part.get_content_disposition()
    except MAIL_ERRORS:
        disp = None
    return disp == "attachment" or bool(_filename(part))


def parse(raw: bytes) -> Parsed:
    """Raw message bytes -> Parsed. Raises MailProblem only when the message
    is empty or names no sender address."""
    import email
    import hashlib
    from email import policy

    if not raw or not raw.strip():
        raise MailProblem("empty message")
    if raw.startswith(b"From ") and b"\n" in raw[:1000]:  # an mbox From_ line left on a single message
        raw = raw.split(b"\n", 1)[1]
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except MAIL_ERRORS as err:
        raise MailProblem(f"not a mail message ({type(err).__name__})") from None
    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    name, sender = _sender(msg)
    if not sender:
        raise MailProblem("no sender address (From, Sender, Reply-To and Return-Path are missing or broken)")
    subject = one_line(decode_words(_first(msg, "Subject")))
    m = TAG_RE.search(subject)
    tag = f"{m.group(1).upper()}-{int(m.group(2)):04d}" if m else None
    refs: list[str] = []
    for r in _msgids(" ".join(_headers(msg, "In-Reply-To"))) + _msgids(" ".join(_headers(msg, "References")))[::-1]:
        if r not in refs:
            refs.append(r)
    body_parts: list[str] = []
    atts: list[Attachment] = []
    try:
        _walk(msg, body_parts, atts, defects, 0, [0])
    except RecursionError:
        defects.append("MIME structure too deep")
    body = clean_text("\n\n".join(body_parts))
    ids = _msgids(_first(msg, "Message-ID"))
    if ids:
        mid = ids[0]
    else:
        bare = one_line(_first(msg, "Message-ID"), 500).strip("<> ")
        if bare and " " not in bare and "@" in bare:
            mid = bare
        else:  # made up from what identifies the message, so that a second import finds it
            h = hashlib.sha256("\x00".join([sender, _first(msg, "Date"), subject, body]).encode("utf-8",
                                                                                              "replace"))
            mid = f"{h.hexdigest()[:32]}@tix.invalid"
    return Parsed(message_id=mid, sender=sender, sender_name=name, subject=subject, tag=tag,
                  references=tuple(refs), body=body, attachments=tuple(atts),
                  auto=_auto(msg, sender, _content_type(msg), subject), language=_language(msg),
                  defects=tuple(defects), recipients=_addresses(msg, "To", "Cc"), x_loop=_addresses(msg, "X-Loop"),
                  spam=_spam(msg))
