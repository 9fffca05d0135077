"""Secrets and servers are not set by the shared policy.

The attack: a clone pushes a `policies.yaml` whose `mail.smtp` points at
the attacker's host with `password_env: AWS_SECRET_ACCESS_KEY`; the next
`tix notify` logs in there with that variable. Now the SMTP server, port,
security and user come only from this machine (`$XDG_CONFIG_HOME/tix/
config.yaml` or `TIX_SMTP_*`), the password only from `TIX_SMTP_PASSWORD`,
and an `smtp` key in the policy is refused with its file and line.

Also here: `policy_changes`, the one-line-per-setting report of what a pull
changed in the policy's mail, billing, team and organisation settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_desk, policy_text
from tests.test_notify import Collector, free_port, import_mail, start

AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def auth_server(handler: Collector, password: bytes = b"s3cret pass") -> Any:
    """A plain SMTP server on 127.0.0.1 that asks for a login and records every password tried."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    handler.tried: list[bytes] = []  # type: ignore[misc]

    def auth(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        if isinstance(data, LoginPassword):
            handler.tried.append(data.password)  # type: ignore[attr-defined]
            ok = data.password == password
            if ok:
                handler.logins.append((mechanism, data.login.decode()))
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return start(handler, authenticator=auth, auth_required=True, auth_require_tls=False)


def local_config(root: Path, text: str) -> Path:
    """Write <root>/tix/config.yaml (root plays $XDG_CONFIG_HOME)."""
    (root / "tix").mkdir(parents=True, exist_ok=True)
    path = root / "tix" / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def hostile_policy(port: int) -> str:
    text = "".join(ln for ln in policy_text("anna").splitlines(keepends=True) if not ln.startswith("  smtp:"))
    return text.replace("  max_attachment: 25MB\n",
                        f"  smtp: {{host: 127.0.0.1, port: {port}, security: none, user: AKIAEXAMPLE,\n"
                        f"         password_env: AWS_SECRET_ACCESS_KEY}}\n  max_attachment: 25MB\n")


# ---------------------------------------------------------------- the attack

@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_pushed_smtp_block_never_reaches_the_attackers_server(tmp_path: Path) -> None:
    evil, good = Collector(), Collector()
    evil_ctrl = auth_server(evil)
    good_ctrl = start(good)
    try:
        desk = make_desk(tmp_path / "desk")
        tid = import_mail(desk)
        cfg = local_config(tmp_path / "xdg", f"smtp: {{host: 127.0.0.1, port: {good_ctrl.port}}}\n")
        # the clone's push: policies.yaml now names the attacker's server and a secret variable
        (desk.root / "policies.yaml").write_text(hostile_policy(evil_ctrl.port), encoding="utf-8")
        line = hostile_policy(evil_ctrl.port).splitlines().index(
            next(ln for ln in hostile_policy(evil_ctrl.port).splitlines() if ln.startswith("  smtp:"))) + 1
        r = desk.sub("notify", AWS_SECRET_ACCESS_KEY=AWS, XDG_CONFIG_HOME=str(cfg.parent.parent))
        assert r.code == 2, r.out + r.err
        assert r.err.count("\n") == 1 and "Traceback" not in r.err
        assert r.err.startswith(f"tix: {desk.root}/policies.yaml:{line}: mail.smtp: ")
        assert "local config" in r.err and "TIX_SMTP_PASSWORD" in r.err
        assert evil.tried == [] and evil.messages == [] and good.messages == []  # type: ignore[attr-defined]
        # every other command refuses the policy too, with the same line (nothing half-works)
        r = desk.run("list")
        assert r.code == 2 and r.err.startswith(f"tix: {desk.root}/policies.yaml:{line}: mail.smtp: ")
        # the shop moves it to the machine's config: mail goes to its own server, never the attacker's
        (desk.root / "policies.yaml").write_text(policy_text("anna"), encoding="utf-8")
        r = desk.sub("notify", AWS_SECRET_ACCESS_KEY=AWS, XDG_CONFIG_HOME=str(cfg.parent.parent))
        assert r.code == 0, r.err
        assert [m["to"] for m in good.messages] == [["jan@contoso.com"]]
        assert good.messages[0]["msg"]["Subject"].startswith(f"[tix {tid}]")
        assert evil.tried == [] and AWS.encode() not in b"".join(m["raw"] for m in good.messages)  # type: ignore
    finally:
        evil_ctrl.stop()
        good_ctrl.stop()


@pytest.mark.parametrize("snippet, where", [
    ("  smtp: {host: evil.example}\n", "mail.smtp"),
    ("smtp: {host: evil.example, password_env: HOME}\n", "smtp"),
])
def test_an_smtp_key_anywhere_in_the_policy_is_refused_with_its_line(tmp_path: Path, snippet: str,
                                                                     where: str) -> None:
    from tix.core.errors import PolicyError
    from tix.core.policy import parse_policy

    text = policy_text("anna")
    if snippet.startswith("  "):
        text = text.replace("  max_attachment: 25MB\n", "  max_attachment: 25MB\n" + snippet)
    else:
        text = text + snippet
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "policies.yaml")
    want = text.splitlines().index(next(ln for ln in text.splitlines() if ln.lstrip().startswith("smtp:"))) + 1
    assert exc.value.line == want and exc.value.message.startswith(f"{where}: ")
    assert "local config" in exc.value.message and "\n" not in exc.value.message


def test_the_default_and_the_demo_policy_have_no_server_settings(tmp_path: Path) -> None:
    from tix.core import yamlio
    from tix.core.policy import DEFAULT_POLICY, load_policy

    mail = yamlio.load(DEFAULT_POLICY)["mail"]
    assert set(mail) == {"from", "max_attachment", "notify_limit"}
    demo = Path(__file__).resolve().parents[1] / "policies.yaml"
    p = load_policy(demo)
    assert (p.mail.notify_per_address, p.mail.notify_per) == (10, 60)
    desk = make_desk(tmp_path / "d")
    assert desk.run("fsck").code == 0


# ---------------------------------------------------------------- where the settings come from

@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_local_config_file_with_the_password_only_in_the_environment(tmp_path: Path) -> None:
    good = Collector()
    ctrl = auth_server(good)
    try:
        desk = make_desk(tmp_path / "desk")
        import_mail(desk)
        xdg = tmp_path / "xdg"
        local_config(xdg, f"# this machine's mail server\nsmtp:\n  host: 127.0.0.1\n  port: {ctrl.port}\n"
                          f"  security: none\n  user: desk\n")
        before = desk.snapshot()
        r = desk.sub("notify", XDG_CONFIG_HOME=str(xdg))   # no password: refused before connecting
        assert r.code == 2 and r.err == (
            f"tix: {xdg}/tix/config.yaml: smtp.user is 'desk' but $TIX_SMTP_PASSWORD is not set: put the SMTP "
            f"password in that environment variable (never in a file)\n")
        assert good.tried == [] and desk.snapshot() == before  # type: ignore[attr-defined]
        r = desk.sub("notify", XDG_CONFIG_HOME=str(xdg), TIX_SMTP_PASSWORD="s3cret pass")
        assert r.code == 0, r.err
        assert good.logins == [("LOGIN", "desk")] or good.logins[0][1] == "desk"
        assert len(good.messages) == 1
        assert "s3cret" not in "".join(p.read_text(errors="replace") for p in desk.root.rglob("*") if p.is_file()
                                       and ".git" not in p.parts)
    finally:
        ctrl.stop()


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    good = Collector()
    ctrl = start(good)
    try:
        desk = make_desk(tmp_path / "desk")
        import_mail(desk)
        xdg = tmp_path / "xdg"
        local_config(xdg, f"smtp: {{host: 127.0.0.1, port: {free_port()}}}\n")   # nobody listens there
        r = desk.sub("notify", XDG_CONFIG_HOME=str(xdg), TIX_SMTP_PORT=str(ctrl.port), TIX_SMTP_HOST="127.0.0.1",
                     TIX_SMTP_SECURITY="none")
        assert r.code == 0, r.err
        assert len(good.messages) == 1
    finally:
        ctrl.stop()


def test_settings_resolution(tmp_path: Path) -> None:
    from tix.app.mail.smtp import settings

    s = settings({"XDG_CONFIG_HOME": str(tmp_path / "none"), "HOME": str(tmp_path)})
    assert (s.host, s.port, s.security, s.user) == ("127.0.0.1", 25, "none", None)
    home = tmp_path / "home"
    local_config(home / ".config", "smtp: {host: smtp.example.com, port: 587, security: starttls, user: desk}\n")
    s = settings({"HOME": str(home)})   # no XDG_CONFIG_HOME: ~/.config
    assert (s.host, s.port, s.security, s.user) == ("smtp.example.com", 587, "starttls", "desk")
    assert s.source == f"{home}/.config/tix/config.yaml"
    s = settings({"HOME": str(home), "TIX_SMTP_SECURITY": "tls", "TIX_SMTP_PORT": "465", "TIX_SMTP_USER": ""})
    assert (s.host, s.port, s.security, s.user) == ("smtp.example.com", 465, "tls", None)


@pytest.mark.parametrize("text, line, msg", [
    ("smtp: {host: 127.0.0.1, security: ssl}\n", 1, "smtp.security: 'ssl' is not none, starttls or tls"),
    ("smtp:\n  host: 127.0.0.1\n  port: lots\n", 3, "smtp.port: 'lots' is not a port number (1-65535)"),
    ("smtp:\n  host: x\n  password: hunter2\n", 3, "smtp.password: the password is read only from "
                                                  "$TIX_SMTP_PASSWORD, never from a file"),
    ("smtp:\n  password_env: AWS_SECRET_ACCESS_KEY\n", 2, "smtp.password_env: the password is read only from "
                                                         "$TIX_SMTP_PASSWORD"),
    ("smtp: [a, b]\n", 1, "smtp: expected a mapping"),
    ("smtp: {host: 'a b'}\n", 1, "smtp.host: 'a b' is not a host name"),
    ("smtp: {host: x\n", None, ""),
])
def test_a_bad_local_config_is_one_line_exit_2(tmp_path: Path, text: str, line: int | None, msg: str) -> None:
    desk = make_desk(tmp_path / "desk")
    import_mail(desk)
    xdg = tmp_path / "xdg"
    cfg = local_config(xdg, text)
    before = desk.snapshot()
    r = desk.sub("notify", XDG_CONFIG_HOME=str(xdg))
    assert r.code == 2 and r.err.count("\n") == 1 and "Traceback" not in r.err, r.err
    where = f"tix: {cfg}:{line}: " if line else f"tix: {cfg}:"
    assert r.err.startswith(where + msg), r.err
    assert desk.snapshot() == before
    assert desk.sub("notify", "--dry-run", XDG_CONFIG_HOME=str(xdg)).code == 0  # a dry run needs no server


@pytest.mark.parametrize("var, value, msg", [
    ("TIX_SMTP_PORT", "0", "TIX_SMTP_PORT: '0' is not a port number (1-65535)"),
    ("TIX_SMTP_PORT", "٢٥", "TIX_SMTP_PORT: '٢٥' is not a port number (1-65535)"),
    ("TIX_SMTP_SECURITY", "SSL", "TIX_SMTP_SECURITY: 'SSL' is not none, starttls or tls"),
    ("TIX_SMTP_HOST", "evil\r\nRCPT TO:<x@y>", "TIX_SMTP_HOST: 'evil\\r\\nRCPT TO:<x@y>' is not a host name"),
])
def test_bad_environment_values(tmp_path: Path, var: str, value: str, msg: str) -> None:
    desk = make_desk(tmp_path / "desk")
    import_mail(desk)
    r = desk.sub("notify", XDG_CONFIG_HOME=str(tmp_path / "none"), **{var: value})
    assert r.code == 2 and r.err == f"tix: {msg}\n", r.err


# ---------------------------------------------------------------- what a pull changed

OLD = """\
teams:
  servicedesk: {line: 1, members: [anna]}
billing:
  currency: EUR
  rates: {PROGP85: "85.00", ONSITE: "95.00"}
orgs:
  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85}
mail:
  from: "Servicedesk <support@example.com>"
  max_attachment: 25MB
timezone: Europe/Amsterdam
"""


def test_policy_changes_one_line_per_setting() -> None:
    from tix.core.policy_diff import policy_changes

    new = (OLD.replace('PROGP85: "85.00"', 'PROGP85: "95.00"')
           .replace("members: [anna]}", "members: [anna, eve], email: eve@evil.example}")
           .replace("support@example.com", "support@evil.example")
           .replace("domains: [contoso.com]", "domains: [contoso.com, gmail.com], mail_trust: domains")
           .replace("name: Contoso B.V.", "name: Contoso AG")  # not money, not mail: not reported
           .replace("timezone: Europe/Amsterdam", "timezone: Europe/Prague")   # likewise
           .replace("  max_attachment: 25MB\n", "  notify_limit: {per_address: 1000, per: 1h}\n"))
    assert policy_changes(OLD, new) == [
        "policies.yaml: billing.rates.PROGP85 changed from 85.00 to 95.00",
        'policies.yaml: mail.from changed from "Servicedesk <support@example.com>" to '
        '"Servicedesk <support@evil.example>"',
        "policies.yaml: mail.max_attachment removed (was 25MB)",
        "policies.yaml: mail.notify_limit added: {per: 1h, per_address: 1000}",
        "policies.yaml: orgs.contoso.domains changed from [contoso.com] to [contoso.com, gmail.com]",
        "policies.yaml: orgs.contoso.mail_trust added: domains",
        "policies.yaml: teams.servicedesk.email added: eve@evil.example",
        "policies.yaml: teams.servicedesk.members changed from [anna] to [anna, eve]",
    ]
    assert policy_changes(OLD, OLD) == []
    assert policy_changes(OLD, OLD.replace("rates: {", "rates:   {")) == []   # layout is no change


def test_policy_changes_whole_entries_new_desks_and_broken_text() -> None:
    from tix.core.policy_diff import policy_changes

    new = (OLD.replace("orgs:\n  contoso: {name: Contoso B.V., domains: [contoso.com], rate: PROGP85}\n",
                       "orgs:\n  evil: {name: Evil, domains: [gmail.com], mail_trust: domains}\n")
           .replace("  max_attachment: 25MB\n", "  max_attachment: 25MB\n  smtp: {host: evil.example}\n")
           .replace("teams:\n", "teams:\n  shadow: {line: 1, members: [eve]}\n"))
    assert policy_changes(OLD, new, path="desk/policies.yaml") == [
        "desk/policies.yaml: mail.smtp added: {host: evil.example}",
        'desk/policies.yaml: orgs.contoso removed (was {domains: [contoso.com], name: "Contoso B.V.", rate: PROGP85})',
        "desk/policies.yaml: orgs.evil added: {domains: [gmail.com], mail_trust: domains, name: Evil}",
        "desk/policies.yaml: teams.shadow added: {line: 1, members: [eve]}",
    ]
    # no policy before: one line per section
    assert policy_changes(None, OLD) == [
        "policies.yaml: billing added: {currency: EUR, rates: {ONSITE: 95.00, PROGP85: 85.00}}",
        'policies.yaml: mail added: {from: "Servicedesk <support@example.com>", max_attachment: 25MB}',
        'policies.yaml: orgs added: {contoso: {domains: [contoso.com], name: "Contoso B.V.", rate: PROGP85}}',
        "policies.yaml: teams added: {servicedesk: {line: 1, members: [anna]}}",
    ]
    assert policy_changes(OLD, "billing: [unclosed\n") == [
        "policies.yaml: the new version cannot be read as YAML, so its mail, billing and team settings cannot "
        "be compared: run `tix fsck`"]
    assert policy_changes("billing: [unclosed\n", OLD)[0].startswith("policies.yaml: billing added: ")
    # control characters in a pulled value are shown, never sent to the terminal
    evil = OLD.replace("currency: EUR", 'currency: "EUR\\e[2J\\u202e"')
    assert policy_changes(OLD, evil) == ['policies.yaml: billing.currency changed from EUR to "EUR\\x1b[2J\\u202e"']


def test_policy_changes_rates_with_dates_and_contracts() -> None:
    from tix.core.policy_diff import policy_changes

    old = OLD + "contracts:\n  premium: {billing: {model: fixed, fee: \"450.00\"}}\n"
    new = (old.replace('PROGP85: "85.00"', 'PROGP85: [{from: 2024-01-01, price: "85.00"}, '
                                           '{from: 2027-01-01, price: "89.25"}]')
           .replace('fee: "450.00"', 'fee: "1.00"')
           .replace("rate: PROGP85}", "rate: ONSITE, contract: premium}"))
    assert policy_changes(old, new) == [
        "policies.yaml: billing.rates.PROGP85 changed from 85.00 to "
        "[{from: 2024-01-01, price: 85.00}, {from: 2027-01-01, price: 89.25}]",
        "policies.yaml: contracts.premium.billing.fee changed from 450.00 to 1.00",
        "policies.yaml: orgs.contoso.contract added: premium",
        "policies.yaml: orgs.contoso.rate changed from PROGP85 to ONSITE",
    ]
