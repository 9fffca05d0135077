"""A broken policy is refused with file, line and reason; YAML 1.1 traps are avoided."""

import pytest

from tix.core.errors import PolicyError
from tix.core.policy import DEFAULT_POLICY, parse_policy

BASE = DEFAULT_POLICY.replace("{user}", "anna")


def test_default_policy_loads():
    p = parse_policy(BASE)
    assert p.calendar_spec.hours[0] == ((480, 1050),)  # 08:00-17:30 in minutes
    assert p.calendar_spec.country == "NL"
    assert p.billing.increment == 15 and p.billing.onsite_minimum == 60
    assert str(p.billing.rates["PROGP85"]) == "85.00"


def test_yaml_11_traps():
    # country: NO is Norway, not false; 17:30 unquoted is a time, not 1050
    text = BASE.replace("country: NL", "country: NO").replace('fri: ["08:00-17:30"]', "fri: [08:00-17:30]")
    p = parse_policy(text)
    assert p.calendar_spec.country == "NO"
    assert p.calendar_spec.hours[4] == ((480, 1050),)


@pytest.mark.parametrize("old, new, line, words", [
    ('fri: ["08:00-17:30"]', 'fri: ["08:00-12:00", "11:00-13:00"]', 13, "overlap"),
    ('fri: ["08:00-17:30"]', 'fri: ["17:30-08:00"]', 13, "ends before it starts"),
    ('fri: ["08:00-17:30"]', 'fry: ["08:00-17:30"]', 13, "unknown key 'fry'"),
    ("timezone: Europe/Amsterdam", "timezone: Europe/Atlantis", 4, "IANA"),
    ('"12-25"', '"12-45"', 14, "not a date"),
    ("min_score: 1,", "min_score: 3,", 24, "covered by no priority"),
    ("git: {autocommit: false}", "gti: {autocommit: false}", 59, "unknown key 'gti'"),
    ('default_rate: PROGP85', 'default_rate: NOPE', 46, "not one of the rates"),
    ("warn: {percent: 80, lead: 30m}", "warn: {percent: 180, lead: 30m}", 31, "outside"),
    ("response: 2h,", "response: soon,", 26, "duration"),
])
def test_bad_policy_names_line_and_reason(old, new, line, words):
    assert old in BASE
    with pytest.raises(PolicyError) as exc:
        parse_policy(BASE.replace(old, new, 1), "desk/policies.yaml")
    msg = str(exc.value)
    assert msg.startswith(f"desk/policies.yaml:{line}:"), msg
    assert words in msg


def test_impact_outside_matrix_in_defaults():
    with pytest.raises(PolicyError, match="defaults.impact"):
        parse_policy(BASE.replace("defaults: {impact: 1,", "defaults: {impact: 3,"))


def test_alias_bomb_refused():
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(PolicyError, match="anchors and aliases"):
        parse_policy(bomb)


def test_python_tag_refused():
    with pytest.raises(PolicyError):
        parse_policy("!!python/object/apply:os.system ['echo hi']\n")
