"""Priority = impact x urgency (docs/sla.md); the first rule whose min_score <= score."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tix.core.errors import BadInput
from tix.core.policy import Policy, PriorityRule


@dataclass(frozen=True)
class Rating:
    impact: int
    urgency: int
    score: int
    rule: PriorityRule

    @property
    def name(self) -> str:
        return self.rule.name


def rate(policy: Policy, impact: int, urgency: int) -> Rating:
    score = impact * urgency
    for rule in policy.priorities:
        if rule.min_score <= score:
            return Rating(impact, urgency, score, rule)
    # parse_policy refuses a policy that leaves a score uncovered
    raise BadInput(f"score {score} is covered by no priority in {policy.path}")


def explain(policy: Policy, r: Rating) -> str:
    """'impact 4 (several departments or a whole site) x urgency 8 (cannot wait) = 32: high'"""
    return (f"impact {r.impact} ({policy.impact.get(r.impact, '?')}) x urgency {r.urgency} "
            f"({policy.urgency.get(r.urgency, '?')}) = {r.score}: {r.name}")


def check_factor(policy: Policy, axis: str, value: object) -> int:
    table = policy.impact if axis == "impact" else policy.urgency
    text = str(value).strip()
    n = int(text) if re.fullmatch(r"[0-9]{1,9}", text) else -1  # digits 0-9 only: int() also takes "٤" and "1_0"
    if n not in table:
        allowed = ", ".join(f"{k} ({d})" for k, d in sorted(table.items()))
        raise BadInput(f"--{axis} {value}: allowed are {allowed}")
    return n


def priority_rank(policy: Policy, name: str) -> int:
    """0 for the most urgent priority; for sorting."""
    for i, r in enumerate(policy.priorities):
        if r.name == name:
            return i
    return len(policy.priorities)
