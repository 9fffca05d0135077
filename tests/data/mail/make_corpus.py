"""Writes the hostile and broken mail corpus in this folder (run it again to
refresh: `python tests/data/mail/make_corpus.py`). Raw bytes on purpose:
these messages are what real and malicious mailers send, not what the
stdlib would generate. test_mail_parse.py says what each must become."""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).parent


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data)


def ew(text: str, charset: str, enc: str = "B") -> bytes:
    raw = text.encode(charset)
    if enc == "B":
        return b"=?" + charset.encode() + b"?B?" + base64.b64encode(raw) + b"?="
    out = b"".join(bytes([c]) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else b"=%02X" % c
                   for c in raw)
    return b"=?" + charset.encode() + b"?Q?" + out + b"?="


MESSAGES: dict[str, bytes] = {}

MESSAGES["utf8-plain.eml"] = b"""From: Jan de Vries <jan@contoso.com>
To: support@example.com
Subject: =?utf-8?q?Printer_op_de_2e_verdieping_doet_niets_=E2=80=93_spoed?=
Date: Mon, 23 Nov 2026 08:41:00 +0100
Message-ID: <utf8-plain@contoso.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Goedemorgen,

De printer op de 2e verdieping geeft een foutmelding =E2=80=9Epapierstoring=E2=80=9D,
maar er zit geen papier vast. Caf=C3=A9 beneden werkt wel.

Groet, Jan
"""

MESSAGES["iso-8859-1.eml"] = b"""From: =?iso-8859-1?q?Fran=E7ois_M=FCller?= <francois@fabrikam.de>
To: support@example.com
Subject: """ + ew("Drucker im Büro außer Betrieb", "iso-8859-1", "Q") + b"""
Date: Mon, 23 Nov 2026 08:50:00 +0100
Message-ID: <iso-8859-1@fabrikam.de>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

""" + "Grüße aus dem Büro: der Drucker läuft nicht. Maß: 3 m².\n".encode("iso-8859-1")

MESSAGES["iso-8859-2-czech.eml"] = b"""From: """ + ew("Jiří Dvořák", "iso-8859-2") + b""" <jiri.dvorak@connectica.cz>
To: noc@connectica.cz
Subject: """ + ew("Nefunguje tiskárna v účtárně", "iso-8859-2") + b"""
Date: Mon, 23 Nov 2026 09:00:00 +0100
Message-ID: <iso-8859-2@connectica.cz>
MIME-Version: 1.0
Content-Type: text/plain; charset="ISO-8859-2"
Content-Transfer-Encoding: quoted-printable

""" + qp("Dobrý den,\nod včerejška nefunguje tiskárna v účtárně. Žluťoučký kůň úpěl ďábelské ódy.\n"
         .encode("iso-8859-2"))

MESSAGES["windows-1252.eml"] = b"""From: Pieter Smit <pieter@contoso.com>
To: support@example.com
Subject: """ + ew("Factuur \u20ac 250 \u201cdubbel\u201d", "windows-1252", "Q") + b"""
Date: Mon, 23 Nov 2026 09:10:00 +0100
Message-ID: <windows-1252@contoso.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: 8bit

""" + "De factuur van \u20ac 250 staat er \u201cdubbel\u201d in \u2013 graag nakijken.\n".encode("cp1252")

# labelled iso-8859-1 but written by Windows: 0x80 is the euro sign, 0x93/0x94 are quotes
MESSAGES["latin1-label-cp1252-bytes.eml"] = b"""From: pieter@contoso.com
To: support@example.com
Subject: =?iso-8859-1?q?Prijs_=80_10_=93ok=94?=
Message-ID: <latin1-cp1252@contoso.com>
Content-Type: text/plain; charset=iso-8859-1

Prijs \x80 10 \x93ok\x94
"""

MESSAGES["raw-8bit-headers.eml"] = ("From: Øystein Ås <oystein@nordlys.no>\n"
                                    "To: support@example.com\n"
                                    "Subject: Skriveren på kontoret virker ikke\n"
                                    "Message-ID: <raw-8bit@nordlys.no>\n"
                                    "Content-Type: text/plain; charset=utf-8\n"
                                    "Content-Transfer-Encoding: 8bit\n\n"
                                    "Hei, skriveren på kontoret skriver bare ut blanke ark. Hilsen Øystein\n").encode()

MESSAGES["no-subject-no-id.eml"] = b"""From: someone@contoso.com
To: support@example.com

There is no subject, no date and no Message-ID on this one.
"""

MESSAGES["duplicate-headers.eml"] = b"""From: First Sender <first@contoso.com>
From: Second Sender <second@evil.example>
To: support@example.com
Subject: The first subject
Subject: A second subject
Message-ID: <dup-1@contoso.com>
Message-ID: <dup-2@contoso.com>
Content-Type: text/plain; charset=utf-8
Content-Type: text/html; charset=utf-8

Two of everything.
"""

MESSAGES["no-sender.eml"] = b"""To: support@example.com
Subject: Who sent this?
Message-ID: <no-sender@nowhere>

Nobody knows.
"""

MESSAGES["from-without-address.eml"] = b"""From: just a name, no address
Subject: Broken From
Message-ID: <no-address@nowhere>

The From header has no address in it.
"""

MESSAGES["empty.eml"] = b""

MESSAGES["garbage.eml"] = bytes((i * 37 + 11) % 256 for i in range(4096))

MESSAGES["broken-mime.eml"] = b"""From: mime@contoso.com
To: support@example.com
Subject: Broken MIME
Message-ID: <broken-mime@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

VGhpcyBib2R5IGlzIGZpbmUu!!!not base64 at all***
--outer
Content-Type: multipart/alternative; boundary="inner-that-never-appears"

--wrong-boundary
Content-Type: text/plain

lost text
--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4K
"""  # and the closing boundary never comes

MESSAGES["header-injection.eml"] = b"""From: attacker@evil.example
To: support@example.com
Subject: =?utf-8?q?Help_me=0D=0ABcc:_victim@target.example=0D=0A=0D=0Ainjected_body?=
 =?utf-8?b?IOKArsKgZXZpbA==?=
Message-ID: <injection@evil.example>
Content-Type: text/plain; charset=utf-8

Nothing to see.
"""

MESSAGES["html-only.eml"] = b"""From: Marketing <html@contoso.com>
To: support@example.com
Subject: HTML only
Message-ID: <html-only@contoso.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<!DOCTYPE html><html><head><title>ignored title</title>
<style>p { color: red }</style><script>alert("xss")</script></head>
<body><p>Hello&nbsp;team,</p><p>The VPN &amp; the <b>mail</b> are down since 08:00.<br>Error:&lt;timeout&gt;</p>
<ul><li>laptop 1</li><li>laptop 2</li></ul>
<p>See <a href="https://status.contoso.com/x">the status page</a>.</p>
<table><tr><td>a</td><td>b</td></tr></table></body></html>
"""

MESSAGES["alternative.eml"] = b"""From: alt@contoso.com
To: support@example.com
Subject: Alternative parts
Message-ID: <alternative@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Plain version wins.
--b1
Content-Type: text/html; charset=utf-8

<p>HTML version loses.</p>
--b1--
"""

_pdf = b"%PDF-1.4\n%fake\n"
MESSAGES["evil-attachment-names.eml"] = b"""From: names@contoso.com
To: support@example.com
Subject: Evil attachment names
Message-ID: <evil-names@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: text/plain; charset=utf-8

See the attached files.
""" + b"".join(
    b"--zz\nContent-Type: application/octet-stream\n" + disp + b"\nContent-Transfer-Encoding: base64\n\n"
    + b64(data) for disp, data in [
        (b'Content-Disposition: attachment; filename="../../.bashrc"', b"echo pwned\n"),
        (b'Content-Disposition: attachment; filename="CON"', b"con\n"),
        (b'Content-Disposition: attachment; filename="aux.txt"', b"aux\n"),
        (b'Content-Disposition: attachment; filename="..\\\\..\\\\Windows\\\\System32\\\\evil.dll"', b"MZ\n"),
        (b'Content-Disposition: attachment; filename=".htaccess"', b"Deny from all\n"),
        (b'Content-Disposition: attachment; filename="' + b"x" * 300 + b'.pdf"', _pdf),
        (b"Content-Disposition: attachment; filename*=utf-8''Faktura%20%C4%8D.%205.pdf", _pdf + b"5"),
        (b'Content-Disposition: attachment; filename="=?utf-8?b?2KzYr9mI2YQg4oCuZ3BqLmV4ZQ==?="', b"bidi\n"),
        (b'Content-Disposition: attachment; filename="tab\tnew\rline.txt"', b"ctl\n"),
        (b'Content-Disposition: attachment; filename="report.pdf"', _pdf + b"1"),
        (b'Content-Disposition: attachment; filename="report.pdf"', _pdf + b"2"),
        (b'Content-Disposition: attachment; filename="lpt1.tar.gz"', b"lpt\n"),
        (b'Content-Disposition: attachment; filename="...."', b"dots\n"),
        (b"Content-Disposition: attachment", b"no name at all\n"),
    ]) + b"--zz--\n"

MESSAGES["deep-nesting.eml"] = (b"From: deep@contoso.com\nSubject: Deep\nMessage-ID: <deep@contoso.com>\n"
                                + b"".join(b"Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d\n" % (i, i)
                                           for i in range(200))
                                + b"Content-Type: text/plain\n\ndeep down\n")

MESSAGES["auto-reply.eml"] = b"""From: Jan de Vries <jan@contoso.com>
To: support@example.com
Subject: Automatisch antwoord: Afwezig
Auto-Submitted: auto-replied
Message-ID: <auto-reply@contoso.com>
Content-Type: text/plain; charset=utf-8

Ik ben tot en met vrijdag afwezig.
"""

MESSAGES["bounce.eml"] = b"""From: Mail Delivery System <MAILER-DAEMON@mx.contoso.com>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce@mx.contoso.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

The mail could not be delivered.
--r
Content-Type: message/delivery-status

Status: 5.1.1
--r--
"""

MESSAGES["unknown-charsets.eml"] = b"""From: charset@contoso.com
Subject: =?x-klingon?q?Qapla=27?= and =?utf-8?b?!!broken!!?=
Message-ID: <unknown-charsets@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="c"

--c
Content-Type: text/plain; charset="x-klingon"

unknown charset, utf-8 bytes: \xc3\xa9t\xc3\xa9
--c
Content-Type: text/plain; charset="base64"

a codec that is not a text encoding
--c
Content-Type: text/plain; charset="utf-8"

mislabelled: caf\xe9
--c--
"""

MESSAGES["utf-16.eml"] = b"""From: utf16@contoso.com
Subject: UTF-16 body
Message-ID: <utf16@contoso.com>
Content-Type: text/plain; charset=utf-16
Content-Transfer-Encoding: base64

""" + b64("Hallo in UTF-16: \u00e4\u00f6\u00fc\n".encode("utf-16"))

MESSAGES["long-subject.eml"] = (b"From: long@contoso.com\nMessage-ID: <long@contoso.com>\nSubject: "
                                + b"very long subject " * 600 + b"\n\nbody\n")

MESSAGES["nul-and-controls.eml"] = (b"From: ctl@contoso.com\nSubject: Controls\x07 in\x1b[31m subject\n"
                                    b"Message-ID: <controls@contoso.com>\nContent-Type: text/plain\n\n"
                                    b"NUL\x00byte, bell\x07, escape\x1b[2J, delete\x7f, ok\n")

MESSAGES["forwarded.eml"] = b"""From: fw@contoso.com
Subject: Fwd: original problem
Message-ID: <forwarded@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="f"

--f
Content-Type: text/plain

See below.
--f
Content-Type: message/rfc822

From: orig@contoso.com
Subject: Original problem
Message-ID: <orig@contoso.com>

The original text.
--f--
"""

MESSAGES["uuencode-and-winmail.eml"] = b"""From: outlook@contoso.com
Subject: winmail
Message-ID: <winmail@contoso.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="w"

--w
Content-Type: text/plain
Content-Transfer-Encoding: x-uuencode

begin 644 broken
this is not uuencode
--w
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Transfer-Encoding: base64

eJ8+IgAAAQaQCAAEAAAAAAABAAEAAQeQBgAIAAAA5AQAAAAAAADoAAEIgAcAGAAAAElQTS5NaWNy
--w--
"""

if __name__ == "__main__":
    for name, data in MESSAGES.items():
        (HERE / name).write_bytes(data)
    print(f"{len(MESSAGES)} messages written to {HERE}")
