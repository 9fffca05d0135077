"""Sending mail over SMTP with the policy's `mail.smtp` settings: plain,
STARTTLS or implicit TLS (certificates verified against the system's trust
store, or $SSL_CERT_FILE), and a login whose password comes only from the
environment variable named by `password_env`, never from a tracked file.

`Connection` is used as a context manager for one `tix notify` run. A
problem with the server or the connection raises `MailError` (exit 3);
a message the server refuses for good (5xx: a bad recipient address, a
message it will never take) raises `Refused`, so the caller can go on with
the others."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tix.errors import BadInput, TixError

if TYPE_CHECKING:
    from email.message import Message

    from tix.policy import Mail

TIMEOUT = 30  # seconds per SMTP command


class MailError(TixError):
    """The SMTP server cannot be reached or refuses us: exit 3, try again later."""

    exit_code = 3


class Refused(Exception):
    """The server refused this one message for good (5xx)."""


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def password(mail: Mail, environ: dict[str, str] | Any = None) -> str | None:
    """The SMTP password from the environment (None when no login is configured)."""
    if not mail.user:
        return None
    environ = os.environ if environ is None else environ
    pw = environ.get(mail.password_env)
    if not pw:
        raise BadInput(f"mail.smtp.user is {mail.user!r} but ${mail.password_env} is not set: put the SMTP "
                       f"password in that environment variable (never in a tracked file)")
    if mail.security == "none" and not _loopback(mail.host):
        raise BadInput(f"mail.smtp: refusing to send the password for {mail.user!r} unencrypted to {mail.host}; "
                       f"set mail.smtp.security to starttls or tls")
    return pw


def _why(err: BaseException) -> str:
    import smtplib

    if isinstance(err, smtplib.SMTPResponseException):
        msg = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
        return f"{err.smtp_code} {' '.join(msg.split())}"
    text = " ".join(str(err).split()) or type(err).__name__
    return text


class Connection:
    def __init__(self, mail: Mail, environ: dict[str, str] | Any = None):
        self.mail = mail
        self.password = password(mail, environ)
        self.smtp: Any = None

    @property
    def where(self) -> str:
        return f"{self.mail.host}:{self.mail.port} ({self.mail.security})"

    def __enter__(self) -> Connection:
        import smtplib
        import ssl

        m = self.mail
        try:
            if m.security == "tls":
                self.smtp = smtplib.SMTP_SSL(m.host, m.port, timeout=TIMEOUT, context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(m.host, m.port, timeout=TIMEOUT)
            self.smtp.ehlo_or_helo_if_needed()
            if m.security == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
                self.smtp.ehlo()
            if m.user:
                self.smtp.login(m.user, self.password or "")
        except smtplib.SMTPAuthenticationError as err:
            self._close()
            raise MailError(f"SMTP login as {m.user!r} at {self.where} refused: {_why(err)} "
                            f"(check ${m.password_env})") from None
        except smtplib.SMTPNotSupportedError as err:
            self._close()
            raise MailError(f"cannot send mail via {self.where}: the server does not support it: {_why(err)}") from None
        except (OSError, smtplib.SMTPException, ssl.SSLError) as err:
            self._close()
            raise MailError(f"cannot send mail via {self.where}: {_why(err)}") from None
        return self

    def send(self, msg: Message, sender: str, to: list[str]) -> None:
        import smtplib

        try:
            refused = self.smtp.send_message(msg, from_addr=sender, to_addrs=to)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [c for c, _ in err.recipients.values()]
            detail = "; ".join(f"{a}: {_why(smtplib.SMTPResponseException(c, m))}"
                               for a, (c, m) in err.recipients.items())
            if codes and all(c >= 500 for c in codes):
                raise Refused(f"recipient refused: {detail}") from None
            raise MailError(f"sending via {self.where} failed: recipient refused for now: {detail}") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
            if err.smtp_code >= 500:
                raise Refused(f"message refused: {_why(err)}") from None
            raise MailError(f"sending via {self.where} failed: {_why(err)}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise MailError(f"sending via {self.where} failed: {_why(err)}") from None
        if refused:  # some recipients refused, the others got it: it counts as sent
            pass

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except Exception:  # noqa: BLE001
                pass
            self.smtp = None

    def __exit__(self, *exc: Any) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001 - the mail is out; a rude goodbye does not matter
                pass
            self._close()
