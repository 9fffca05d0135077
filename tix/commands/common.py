"""Options and small helpers shared by the commands."""

from __future__ import annotations

from typing import Optional

import typer

from tix.errors import BadInput

FormatOpt = typer.Option("table", "--format", "-f", help="Output format: table, json or csv.")
AtOpt = typer.Option(None, "--at", help="When it happened (default now), e.g. 08:30, 'today 08:30', 2026-11-24T08:30.")


def check_choice(value: Optional[str], allowed: tuple[str, ...] | list[str], what: str) -> Optional[str]:
    if value is None:
        return None
    if value not in allowed:
        raise BadInput(f"{what} {value!r}: allowed are {', '.join(allowed)}")
    return value


def check_team(policy, team: Optional[str], what: str = "--team") -> Optional[str]:  # type: ignore[no-untyped-def]
    if team is None:
        return None
    if team not in policy.teams:
        raise BadInput(f"{what} {team!r}: not a team (teams: {', '.join(policy.teams)})")
    return team


def check_agent(policy, agent: Optional[str], what: str = "--to") -> Optional[str]:  # type: ignore[no-untyped-def]
    """An agent must be a member of a team (when the policy lists members)."""
    if agent is None:
        return None
    agents = policy.agents
    if agents and agent not in agents:
        raise BadInput(f"{what} {agent!r}: not a member of any team (agents: {', '.join(sorted(agents))})")
    return agent


def text_arg(value: Optional[str], what: str) -> Optional[str]:
    """`-m -` reads standard input."""
    if value == "-":
        import sys

        value = sys.stdin.read()
    if value is not None:
        value = value.replace("\r\n", "\n").strip("\n")
        if "\x00" in value:
            raise BadInput(f"{what}: contains a NUL byte")
    return value
