"""Sending mail over SMTP: plain, STARTTLS or implicit TLS (certificates
verified against the system's trust store, or $SSL_CERT_FILE).

The server, port, security and login name belong to the machine that
sends, never to the shared desk (a clone could otherwise point the mail,
and a password, at any host): `settings()` reads them from the local config
file `$XDG_CONFIG_HOME/tix/config.yaml` (default `~/.config/tix/config.yaml`)

    smtp: {host: smtp.example.com, port: 587, security: starttls, user: support}

and from `TIX_SMTP_HOST`, `TIX_SMTP_PORT`, `TIX_SMTP_SECURITY`,
`TIX_SMTP_USER`, which override the file. The password is read only from
`TIX_SMTP_PASSWORD`, and never sent unencrypted to anything but localhost.
Without any of them: 127.0.0.1:25, no encryption, no login (a local MTA).

`Connection` is used as a context manager for one `tix notify` run. A
problem with the server or the connection raises `MailError` (exit 3);
a message the server refuses for good (5xx: a bad recipient address, a
message it will never take) raises `Refused`, so the caller can go on with
the others."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tix.core.errors import BadInput, ExitStatus, TixError

if TYPE_CHECKING:
    from email.message import Message

TIMEOUT = 30  # seconds per SMTP command
PASSWORD_VAR = "TIX_SMTP_PASSWORD"
SECURITY = ("none", "starttls", "tls")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_IP_RE = re.compile(r"\[?[0-9A-Fa-f:.]{2,45}\]?")
_MAX_CONFIG = 64 * 1024


class MailError(TixError):
    """The SMTP server cannot be reached or refuses us: exit 3, try again later."""

    exit_code = ExitStatus.STORE


class Refused(Exception):
    """The server refused this one message for good (5xx)."""


@dataclass(frozen=True)
class Smtp:
    """Where this machine sends mail. `source`: the config file it came from, if any."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls
    user: str | None = None
    source: str | None = None


def config_path(environ: Any = None) -> str:
    """$XDG_CONFIG_HOME/tix/config.yaml, else ~/.config/tix/config.yaml."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        home = environ.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".config")
    return os.path.join(base, "tix", "config.yaml")


def _shown(value: Any) -> str:
    """A value for an error message: quoted, control and bidi characters made visible."""
    if not isinstance(value, str):
        text = repr(value)
    else:
        text = "'" + "".join(ch if ch.isprintable() else {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(
            ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}") for ch in value) + "'"
    return text if len(text) <= 80 else text[:77] + "..."


def _port(value: Any, what: str, fail: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isascii()
                                                                  and value.strip().isdigit())):
        raise fail(f"{what}: {_shown(value)} is not a port number (1-65535)")
    n = int(value)
    if not 1 <= n <= 65535:
        raise fail(f"{what}: {_shown(value)} is not a port number (1-65535)")
    return n


def _host(value: Any, what: str, fail: Any) -> str:
    ok = isinstance(value, str) and 0 < len(value) <= 253 and value.isascii()
    if ok and not _IP_RE.fullmatch(value):
        ok = all(_LABEL_RE.fullmatch(label) for label in value.removesuffix(".").split("."))
    if not ok:
        raise fail(f"{what}: {_shown(value)} is not a host name")
    return value


def _security(value: Any, what: str, fail: Any) -> str:
    if value not in SECURITY:
        raise fail(f"{what}: {_shown(value)} is not none, starttls or tls")
    return str(value)


def _user(value: Any, what: str, fail: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).isprintable() \
            or len(str(value)) > 256:
        raise fail(f"{what}: {_shown(value)} is not a login name")
    return str(value)


def _read_config(path: str) -> dict[str, Any]:
    """The `smtp` mapping of the local config file ({} when there is none)."""
    from tix.core import yamlio

    def fail_at(keys: tuple[Any, ...], text: str) -> Any:
        def fail(message: str) -> BadInput:
            return BadInput(message, path=path, line=yamlio.line_of(text, keys) or 1)
        return fail

    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_CONFIG + 1)
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise BadInput(f"cannot read the local config: {err.strerror}", path=path) from None
    if len(data) > _MAX_CONFIG:
        raise BadInput(f"larger than {_MAX_CONFIG // 1024} KB: not a tix config file", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("not UTF-8 text", path=path) from None
    try:
        raw = yamlio.load(text)
    except yamlio.YamlProblem as err:
        raise BadInput(err.message, path=path, line=err.line) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise fail_at((), text)("expected a mapping like smtp: {host: smtp.example.com, port: 587}")
    for k in raw:
        if str(k) != "smtp":
            raise fail_at((k,), text)(f"unknown key {_shown(k)} (allowed: smtp)")
    smtp = raw.get("smtp")
    if smtp is None:
        return {}
    if not isinstance(smtp, dict):
        raise fail_at(("smtp",), text)("smtp: expected a mapping like {host: smtp.example.com, port: 587, "
                                       "security: starttls, user: support}")
    out: dict[str, Any] = {}
    for k, value in smtp.items():
        fail = fail_at(("smtp", k), text)
        key = str(k)
        if key in ("password", "password_env", "pass", "secret"):
            raise fail(f"smtp.{key}: the password is read only from ${PASSWORD_VAR}, never from a file or "
                       f"another variable")
        if key == "host":
            out[key] = _host(value, "smtp.host", fail)
        elif key == "port":
            out[key] = _port(value, "smtp.port", fail)
        elif key == "security":
            out[key] = _security(value, "smtp.security", fail)
        elif key == "user":
            out[key] = _user(value, "smtp.user", fail)
        else:
            raise fail(f"smtp: unknown key {_shown(k)} (allowed: host, port, security, user)")
    return out


def settings(environ: Any = None) -> Smtp:
    """This machine's SMTP settings: TIX_SMTP_* over the local config file over
    the defaults. Bad values: BadInput naming the file and line, or the variable."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    found = _read_config(path)
    source = path if found else None
    for var, key, check in (("TIX_SMTP_HOST", "host", _host), ("TIX_SMTP_PORT", "port", _port),
                            ("TIX_SMTP_SECURITY", "security", _security), ("TIX_SMTP_USER", "user", _user)):
        if var in environ:
            found[key] = check(environ[var], var, BadInput)
    return Smtp(host=found.get("host", "127.0.0.1"), port=found.get("port", 25),
                security=found.get("security", "none"), user=found.get("user"), source=source)


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


def password(smtp: Smtp, environ: dict[str, str] | Any = None) -> str | None:
    """The SMTP password from $TIX_SMTP_PASSWORD (None when no login is configured)."""
    if not smtp.user:
        return None
    environ = os.environ if environ is None else environ
    pw = environ.get(PASSWORD_VAR)
    if not pw:
        raise BadInput(f"smtp.user is {smtp.user!r} but ${PASSWORD_VAR} is not set: put the SMTP password in that "
                       f"environment variable (never in a file)", path=smtp.source)
    if smtp.security == "none" and not _loopback(smtp.host):
        raise BadInput(f"smtp: refusing to send the password for {smtp.user!r} unencrypted to {smtp.host}; "
                       f"set smtp.security to starttls or tls", path=smtp.source)
    return pw


def _why(err: BaseException) -> str:
    import smtplib

    if isinstance(err, smtplib.SMTPResponseException):
        msg = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
        return f"{err.smtp_code} {' '.join(msg.split())}"
    text = " ".join(str(err).split()) or type(err).__name__
    return text


class Connection:
    def __init__(self, smtp: Smtp, environ: dict[str, str] | Any = None):
        self.mail = smtp
        self.password = password(smtp, environ)
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
                            f"(check ${PASSWORD_VAR})") from None
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
            with contextlib.suppress(Exception):
                self.smtp.close()
            self.smtp = None

    def __exit__(self, *exc: Any) -> None:
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.quit()
            self._close()
