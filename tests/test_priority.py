"""Seed 001's table: Impact x Urgentie = Prioriteit, all 16 combinations."""

import pytest

from tix.core.policy import DEFAULT_POLICY, parse_policy
from tix.core.priority import explain, rate

POLICY = parse_policy(DEFAULT_POLICY.replace("{user}", "anna"))

# seed 001: 64 SPOED; 32 and 16 HOOG; 2, 4 and 8 NORMAAL; 1 LAAG
TABLE = [
    (1, 1, 1, "low"), (1, 2, 2, "normal"), (1, 4, 4, "normal"), (1, 8, 8, "normal"),
    (2, 1, 2, "normal"), (2, 2, 4, "normal"), (2, 4, 8, "normal"), (2, 8, 16, "high"),
    (4, 1, 4, "normal"), (4, 2, 8, "normal"), (4, 4, 16, "high"), (4, 8, 32, "high"),
    (8, 1, 8, "normal"), (8, 2, 16, "high"), (8, 4, 32, "high"), (8, 8, 64, "urgent"),
]


@pytest.mark.parametrize("impact, urgency, score, name", TABLE)
def test_seed_001_table(impact, urgency, score, name):
    r = rate(POLICY, impact, urgency)
    assert (r.score, r.name) == (score, name)


@pytest.mark.parametrize("name, response, resolve, escalate, clock", [
    # seed 001: SPOED direct / 1 uur / 30 minuten; HOOG 2/4/3 uur; NORMAAL 8/12/10; LAAG 16/24/20
    ("urgent", 0, 60, 30, "24x7"),
    ("high", 120, 240, 180, "business"),
    ("normal", 480, 720, 600, "business"),
    ("low", 960, 1440, 1200, "business"),
])
def test_seed_001_targets(name, response, resolve, escalate, clock):
    rule = next(r for r in POLICY.priorities if r.name == name)
    assert (rule.response, rule.resolve, rule.escalate, rule.clock) == (response, resolve, escalate, clock)


def test_explain_says_why():
    assert explain(POLICY, rate(POLICY, 4, 8)) == (
        "impact 4 (several departments or a whole site) x urgency 8 (cannot wait) = 32: high")
