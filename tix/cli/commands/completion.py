"""`tix completion SHELL`: print the shell's completion script."""

from __future__ import annotations

import typer


def completion(
    shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish."),
) -> None:
    """Print a completion script for bash, zsh or fish: commands, options and
    the desk's values (open ticket IDs first, teams, agents, organisations,
    rates, statuses).

    Examples:

      eval "$(tix completion bash)"       # in ~/.bashrc

      eval "$(tix completion zsh)"        # in ~/.zshrc, after compinit

      tix completion fish > ~/.config/fish/completions/tix.fish
    """
    from tix.cli.complete import SCRIPTS
    from tix.core.errors import BadInput

    if shell not in SCRIPTS:
        raise BadInput(f"SHELL {shell!r}: one of bash, zsh, fish")
    print(SCRIPTS[shell], end="")
