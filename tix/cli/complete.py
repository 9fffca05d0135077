"""Shell completion: `tix completion bash|zsh|fish` prints a script that calls
`tix __complete WORD...` (the words after `tix`, the last one being
completed) on each TAB. That call is answered before the command line is
built: command names from the registry; values from the desk (open ticket
IDs first, then other IDs from the shard folders; teams, agents,
organisations, rates from the policy file; statuses); only options and
subcommands build the one command asked about."""

from __future__ import annotations

import os
import sys
from pathlib import Path

STATUSES = ("new", "open", "waiting", "resolved", "closed")
GLOBAL = ("--dir", "-C", "--as", "--version", "--help")
# option -> what it takes from the desk
VALUES = {
    "--team": "teams", "--to-team": "teams", "--agent": "agents", "--to": "agents", "--as": "agents",
    "--assignee": "agents", "--for": "agents", "--org": "orgs", "--rate": "rates", "--status": "statuses",
    "--format": "formats", "-f": "formats", "--by": "by",
}
FLAGS_WITH_VALUE = {"--dir", "-C", "--as"}
GROUPS = {"report", "mail", "problem", "change"}

SCRIPTS = {
    "bash": """# tix completion for bash: eval "$(tix completion bash)" in ~/.bashrc
_tix_complete() {
    local IFS=$'\\n'
    COMPREPLY=( $(tix __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _tix_complete tix
""",
    "zsh": """#compdef tix
# tix completion for zsh: eval "$(tix completion zsh)" in ~/.zshrc (after compinit)
_tix() {
    local -a cands
    cands=("${(@f)$(tix __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    [[ -n "$cands" ]] && compadd -Q -V tix -- $cands
}
compdef _tix tix
""",
    "fish": """# tix completion for fish: tix completion fish > ~/.config/fish/completions/tix.fish
function __tix_complete
    set -l words (commandline -opc)
    set -e words[1]
    tix __complete $words (commandline -ct) 2>/dev/null
end
complete -c tix -f -k -a '(__tix_complete)'
""",
}


def _desk(words: list[str]) -> Path | None:
    for i, w in enumerate(words[:-1]):
        if w in ("--dir", "-C"):
            return Path(words[i + 1]).expanduser()
        if w.startswith("--dir="):
            return Path(w[6:]).expanduser()
    start = Path(os.environ["TIX_DIR"]) if os.environ.get("TIX_DIR") else Path.cwd()
    for d in (start, *start.parents):
        if (d / "policies.yaml").is_file() and (d / "tickets").is_dir():
            return d
    return None


def _values(kind: str, words: list[str], cur: str) -> list[str]:
    if kind == "statuses":
        return list(STATUSES)
    if kind == "formats":
        return ["table", "json", "csv"]
    if kind == "by":
        return ["month", "week", "team", "org"]
    root = _desk(words)
    if root is None:
        return []
    from tix.storage import complete

    if kind == "ids":
        return complete.ticket_ids(root, cur)
    return complete.policy_values(root).get(kind, [])


def _command(name: str):  # type: ignore[no-untyped-def]
    from tix.cli.boundary import _build_app

    group = _build_app()
    return group.get_command(None, name)


def _options(cmd) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    for p in getattr(cmd, "params", []):
        if p.param_type_name == "option" and not getattr(p, "hidden", False):
            out += [o for o in p.opts if o.startswith("--")] + [o for o in p.secondary_opts if o.startswith("--")]
    return [*out, "--help"]


def candidates(words: list[str]) -> list[str]:
    """What can stand for the last word."""
    from tix.cli.boundary import COMMANDS

    if not words:
        words = [""]
    cur, before = words[-1], words[:-1]
    rest: list[str] = []
    i = 0
    while i < len(before):  # global options and their values come before the command
        w = before[i]
        if w in FLAGS_WITH_VALUE:
            i += 2
            continue
        if w.startswith("-"):
            i += 1
            continue
        rest = before[i:]
        break
    prev = before[-1] if before else ""
    if prev in VALUES and (rest or prev in FLAGS_WITH_VALUE):
        return _values(VALUES[prev], words, cur)
    if prev in ("--dir", "-C"):
        return []  # the shell completes directories
    if not rest:
        return list(GLOBAL) if cur.startswith("-") else list(COMMANDS)
    name = rest[0]
    if name == "completion":
        return list(SCRIPTS) if len(rest) == 1 else []
    if name not in COMMANDS:
        return []
    positional = [w for w in rest[1:] if not w.startswith("-")]
    if cur.startswith("-"):
        cmd = _command(name)
        if name in GROUPS and positional and cmd is not None:
            cmd = cmd.get_command(None, positional[0]) if hasattr(cmd, "get_command") else None
        return _options(cmd) if cmd is not None else ["--help"]
    if name in GROUPS:
        if not positional:
            cmd = _command(name)
            return sorted(getattr(cmd, "commands", {})) if cmd is not None else []
        return _values("ids", words, cur) if name in ("problem", "change") else []
    if name == "status" and len(positional) == 1:
        return list(STATUSES)
    if name in ("init", "sync", "fsck", "reindex", "list", "sla", "invoice", "notify", "agenda", "ics", "kb",
                "search", "new", "merge-driver"):
        return []
    return _values("ids", words, cur)


def main(words: list[str]) -> int:
    cur = words[-1] if words else ""
    try:
        found = candidates(words)
    except Exception:  # completion never prints a traceback into a shell prompt
        return 0
    up = cur.upper()
    seen = set()
    lines = []
    for c in found:
        if (c.startswith(cur) or (c[:1].isupper() and c.startswith(up))) and c not in seen:
            seen.add(c)
            lines.append(c)
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
