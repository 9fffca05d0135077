#!/usr/bin/env python3
"""How long is each command's body? Counts, for every function registered as
a command (named in `tix.cli.boundary.COMMANDS`, or decorated `@<app>.command(...)`
in `tix/cli/commands/`), the lines of its body after the signature and the
docstring, without blank and comment-only lines. Prints the largest first,
then the median and the largest.

    python scripts/command_sizes.py [PACKAGE_DIR] [--top N] [--max-median 15] [--max 40]

With --max-median / --max it exits 1 when a limit is exceeded (for CI)."""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
from pathlib import Path


def registered(main_py: Path) -> set[tuple[str, str]]:
    """(module, function) pairs from the COMMANDS table of tix/cli/main.py."""
    tree = ast.parse(main_py.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "COMMANDS" for t in targets) and node.value is not None:
                table = ast.literal_eval(node.value)
                return {(module, attr) for module, attr, _ in table.values()}
    return set()


def is_command_decorator(dec: ast.expr) -> bool:
    target = dec.func if isinstance(dec, ast.Call) else dec
    return isinstance(target, ast.Attribute) and target.attr == "command"


def body_lines(fn: ast.FunctionDef, source: list[str]) -> int:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if not body:
        return 0
    first, last = body[0].lineno, body[-1].end_lineno or body[-1].lineno
    return sum(1 for line in source[first - 1:last] if line.strip() and not line.strip().startswith("#"))


def sizes(package: Path) -> list[tuple[int, str]]:
    commands_dir = package / "cli" / "commands"
    table = registered(package / "cli" / "boundary.py")
    out = []
    for path in sorted(commands_dir.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            if (path.stem, node.name) in table or any(is_command_decorator(d) for d in node.decorator_list):
                out.append((body_lines(node, lines), f"{path.stem}.{node.name}"))
    return sorted(out, reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package", nargs="?", default=str(Path(__file__).resolve().parent.parent / "tix"))
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--max-median", type=float)
    ap.add_argument("--max", type=int)
    args = ap.parse_args()
    found = sizes(Path(args.package))
    if not found:
        print("no commands found", file=sys.stderr)
        return 1
    for n, name in found[: args.top]:
        print(f"{n:5}  {name}")
    counts = [n for n, _ in found]
    median = statistics.median(counts)
    print(f"{len(counts)} commands; median {median:g} lines, largest {counts[0]} ({found[0][1]}); "
          f"over 40: {sum(1 for n in counts if n > 40)}")
    bad = (args.max_median is not None and median > args.max_median) or (args.max is not None and counts[0] > args.max)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
