"""tix.app.mail.parse on the hostile and broken corpus in tests/data/mail/
(written by tests/data/mail/make_corpus.py), and the small pure helpers:
charsets, HTML to text, quoted replies, feedback scores, safe file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tix.app.mail.importer import numbered, safe_name
from tix.app.mail.parse import (
    MailProblem,
    clean_text,
    decode_bytes,
    feedback_score,
    html_to_text,
    one_line,
    parse,
    strip_quoted,
)

CORPUS = Path(__file__).parent / "data" / "mail"


def load(name: str):  # type: ignore[no-untyped-def]
    return parse((CORPUS / name).read_bytes())


def test_the_corpus_is_what_the_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, data in mod.MESSAGES.items():
        assert (CORPUS / name).read_bytes() == data, f"{name}: run python tests/data/mail/make_corpus.py"
    assert len(mod.MESSAGES) >= 25


@pytest.mark.parametrize("name, sender, sender_name, subject, body_has", [
    ("utf8-plain.eml", "jan@contoso.com", "Jan de Vries", "Printer op de 2e verdieping doet niets – spoed",
     "foutmelding „papierstoring”"),
    ("iso-8859-1.eml", "francois@fabrikam.de", "François Müller", "Drucker im Büro außer Betrieb",
     "Grüße aus dem Büro: der Drucker läuft nicht. Maß: 3 m²."),
    # Czech in iso-8859-2: every diacritic survives
    ("iso-8859-2-czech.eml", "jiri.dvorak@connectica.cz", "Jiří Dvořák", "Nefunguje tiskárna v účtárně",
     "Žluťoučký kůň úpěl ďábelské ódy."),
    ("windows-1252.eml", "pieter@contoso.com", "Pieter Smit", "Factuur € 250 “dubbel”",
     "De factuur van € 250 staat er “dubbel” in – graag nakijken."),
    # labelled iso-8859-1, written by Windows: 0x80 is €, read as windows-1252 like browsers do
    ("latin1-label-cp1252-bytes.eml", "pieter@contoso.com", "", "Prijs € 10 “ok”", "Prijs € 10 “ok”"),
    # raw UTF-8 bytes in headers, no encoded words at all
    ("raw-8bit-headers.eml", "oystein@nordlys.no", "Øystein Ås", "Skriveren på kontoret virker ikke",
     "Hilsen Øystein"),
    ("utf-16.eml", "utf16@contoso.com", "", "UTF-16 body", "Hallo in UTF-16: äöü"),
    # the first of duplicate headers counts
    ("duplicate-headers.eml", "first@contoso.com", "First Sender", "The first subject", "Two of everything."),
    ("alternative.eml", "alt@contoso.com", "", "Alternative parts", "Plain version wins."),
    ("unknown-charsets.eml", "charset@contoso.com", "", "Qapla'", "mislabelled: café"),
])
def test_charsets_and_headers(name: str, sender: str, sender_name: str, subject: str, body_has: str) -> None:
    p = load(name)
    assert p.sender == sender
    assert p.sender_name == sender_name
    assert p.subject.startswith(subject)
    assert body_has in p.body
    assert "\ufffd" not in p.subject + p.body or name == "unknown-charsets.eml"


def test_alternative_prefers_plain_text() -> None:
    assert "HTML version" not in load("alternative.eml").body


def test_unknown_and_non_text_charsets_fall_back_to_utf8_then_1252() -> None:
    body = load("unknown-charsets.eml").body
    assert "unknown charset, utf-8 bytes: été" in body
    assert "a codec that is not a text encoding" in body


@pytest.mark.parametrize("data, charset, expected", [
    ("Žluťoučký".encode("iso-8859-2"), "iso-8859-2", "Žluťoučký"),
    ("Žluťoučký".encode("cp1250"), "windows-1250", "Žluťoučký"),
    ("Grüße".encode("latin-1"), "ISO-8859-1", "Grüße"),
    (b"\x80 \x93x\x94", "iso-8859-1", "€ “x”"),          # windows-1252 bytes under a latin-1 label
    ("Grüße".encode(), None, "Grüße"),             # no label: UTF-8 first
    ("Grüße".encode("cp1252"), "us-ascii", "Grüße"),      # a wrong label: UTF-8 fails, windows-1252
    ("café".encode("latin-1"), "utf-8", "café"),          # mislabelled as UTF-8
    (b"abc", "rot13", "abc"),                             # not a text encoding
    (b"abc", "no-such-charset", "abc"),
    (b"abc", "\x00", "abc"),
])
def test_decode_bytes(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_header_injection_gives_one_line() -> None:
    p = load("header-injection.eml")
    assert "\n" not in p.subject and "\r" not in p.subject
    assert p.subject.startswith("Help me Bcc: victim@target.example injected body")
    assert "\u202e" not in p.subject  # the bidi override is gone too


def test_html_only_mail_becomes_readable_text() -> None:
    body = load("html-only.eml").body
    assert body == ("Hello team,\n\nThe VPN & the mail are down since 08:00.\nError:<timeout>\n\n"
                    "- laptop 1\n- laptop 2\n\nSee the status page <https://status.contoso.com/x>.\n\na b")
    assert "alert" not in body and "color" not in body and "ignored title" not in body


@pytest.mark.parametrize("html, text", [
    ("<p>a</p><p>b</p>", "a\n\nb"),
    ("line1<br>line2<br/>line3", "line1\nline2\nline3"),
    ("<a href='https://x.example'>https://x.example</a>", "https://x.example"),
    ("<a href='mailto:a@b.example'>mail us</a>", "mail us <a@b.example>"),
    ("<a href='javascript:evil()'>click</a>", "click"),
    ("<pre>  keep\n    indent</pre>", "  keep\n    indent"),
    ("&lt;script&gt; &amp; &#x20AC; &euro;", "<script> & € €"),
    ("<script>never closed", ""),
    ("<img src=x alt='diagram'>", "[diagram]"),
    ("unclosed <b>bold <i>italic", "unclosed bold italic"),
])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_missing_subject_and_message_id_get_stable_stand_ins() -> None:
    a, b = load("no-subject-no-id.eml"), load("no-subject-no-id.eml")
    assert a.subject == ""
    assert a.message_id == b.message_id and a.message_id.endswith("@tix.invalid")


@pytest.mark.parametrize("name, why", [
    ("empty.eml", "empty message"),
    ("no-sender.eml", "no sender address"),
    ("from-without-address.eml", "no sender address"),
    ("garbage.eml", "no sender address"),
])
def test_what_cannot_become_a_ticket_is_refused_cleanly(name: str, why: str) -> None:
    with pytest.raises(MailProblem, match=why):
        load(name)


def test_broken_mime_keeps_what_it_can() -> None:
    p = load("broken-mime.eml")
    assert p.body.startswith("This body is fine.")
    assert "lost text" in p.body                     # a multipart whose boundary never came
    assert [a.name for a in p.attachments] == ["report.pdf"]
    assert p.attachments[0].data.startswith(b"%PDF-1.4")
    assert "CloseBoundaryNotFoundDefect" in p.defects


def test_deep_nesting_is_cut_off() -> None:
    p = load("deep-nesting.eml")
    assert any("nested deeper" in d for d in p.defects)


def test_controls_and_nul_bytes_are_removed() -> None:
    p = load("nul-and-controls.eml")
    assert p.subject == "Controls in [31m subject"
    assert p.body == "NULbyte, bell, escape[2J, delete, ok"


def test_long_subject_is_cut() -> None:
    p = load("long-subject.eml")
    assert len(p.subject) == 300 and p.subject.endswith("…")


def test_automatic_mail_is_recognised() -> None:
    assert load("auto-reply.eml").auto == "Auto-Submitted: auto-replied"
    assert "bounce" in (load("bounce.eml").auto or "")
    assert load("utf8-plain.eml").auto is None


def test_forwarded_message_is_an_eml_attachment() -> None:
    p = load("forwarded.eml")
    assert p.body == "See below."
    [a] = p.attachments
    assert a.name == "Original problem.eml" and b"The original text." in a.data


def test_attachment_names_are_decoded() -> None:
    names = [a.name for a in load("evil-attachment-names.eml").attachments]
    assert names[:5] == ["../../.bashrc", "CON", "aux.txt", "..\\..\\Windows\\System32\\evil.dll", ".htaccess"]
    assert "Faktura č. 5.pdf" in names        # RFC 2231
    assert names[-1] == ""                    # no name at all


def test_tag_and_references() -> None:
    raw = (b"From: a@contoso.com\nSubject: Re: [tix ab-42] printer\nMessage-ID: <r1@contoso.com>\n"
           b"In-Reply-To: <tix.AB-0042.0123456789abcdef@example.com>\nReferences: <first@x> <second@x>\n\nok\n")
    p = parse(raw)
    assert p.tag == "AB-0042"
    assert p.references == ("tix.AB-0042.0123456789abcdef@example.com", "second@x", "first@x")


@pytest.mark.parametrize("text, expected", [
    ("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Servicedesk <s@x> wrote:\n> old\n> text\n", "Thanks!"),
    ("Danke\n\nAm 23.11.2026 um 10:00 schrieb Servicedesk <s@x>:\n> alt\n", "Danke"),
    ("Díky\n\nDne 23. 11. 2026 v 10:00 Servicedesk <s@x> napsal(a):\n> staré\n", "Díky"),
    ("Bedankt\n\nOp ma 23 nov. 2026 om 10:00 schreef Servicedesk <s@x>:\n> oud\n", "Bedankt"),
    ("Takk\n\nDen man. 23. nov. 2026 kl. 10:00 skrev Servicedesk <s@x>:\n> gammel\n", "Takk"),
    ("It works now.\n\n-----Original Message-----\nFrom: Servicedesk\nSubject: x\n", "It works now."),
    ("> only a quote\n", "> only a quote\n"),          # nothing new: keep everything
    ("inline > not a quote\nsecond line", "inline > not a quote\nsecond line"),
    ("> a quote first\n\nthen my answer", "> a quote first\n\nthen my answer"),
])
def test_strip_quoted(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("5", (5, "")),
    ("4/5\nQuick and friendly", (4, "Quick and friendly")),
    ("Score: 3", (3, "")),
    ("  2 .", (2, "")),
    ("1 more thing: it is still broken", None),
    ("6", None),
    ("Thanks, all good", None),
    ("", None),
])
def test_feedback_score(text: str, expected: tuple[int, str] | None) -> None:
    assert feedback_score(text) == expected


@pytest.mark.parametrize("name, safe", [
    ("../../.bashrc", "bashrc"),
    ("..\\..\\Windows\\System32\\evil.dll", "evil.dll"),
    ("CON", "_CON"),
    ("aux.txt", "_aux.txt"),
    ("lpt1.tar.gz", "_lpt1.tar.gz"),
    ("com1", "_com1"),
    ("console.txt", "console.txt"),
    (".htaccess", "htaccess"),
    ("....", "attachment.bin"),
    ("", "attachment.bin"),
    ("report. ", "report"),
    ("a:b*c?.txt", "a_b_c_.txt"),
    ("tab\tnew\nline.txt", "tab new line.txt"),
    ("\u202egpj.exe", "gpj.exe"),
    ("-rf", "rf"),
    ("Faktura č. 5.pdf", "Faktura č. 5.pdf"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ("ž" * 100 + ".pdf", "ž" * 58 + ".pdf"),
])
def test_safe_name(name: str, safe: str) -> None:
    out = safe_name(name)
    assert out == safe
    assert "/" not in out and "\\" not in out and not out.startswith(".")
    assert len(out.encode()) <= 120


def test_safe_name_for_a_nameless_part_uses_the_type() -> None:
    assert safe_name("", "application/pdf") == "attachment.pdf"


def test_numbered() -> None:
    assert [numbered("report.pdf", n) for n in (1, 2, 3)] == ["report.pdf", "report-2.pdf", "report-3.pdf"]
    assert numbered("README", 2) == "README-2"


def test_one_line_and_clean_text() -> None:
    assert one_line("a\r\nBcc: x\u2028y\x00z") == "a Bcc: x y z"
    assert clean_text("a\r\n\r\n\r\n\r\nb  \n\x00c") == "a\n\nb\nc"
    assert clean_text("x" * 10, limit=5).startswith("xxxxx\n\n[... cut")


def test_parse_never_raises_anything_but_mailproblem_on_fuzz() -> None:
    import random

    rnd = random.Random(7)
    seeds = [(CORPUS / n).read_bytes() for n in ("evil-attachment-names.eml", "broken-mime.eml",
                                                  "iso-8859-2-czech.eml", "html-only.eml")]
    for i in range(300):
        data = bytearray(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 30)):
            pos = rnd.randrange(len(data))
            data[pos] = rnd.randrange(256)
        try:
            p = parse(bytes(data))
        except MailProblem:
            continue
        assert "\n" not in p.subject and "\x00" not in p.body
