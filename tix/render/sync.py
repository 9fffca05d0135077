"""What `tix sync` prints of a sync's result, and the error it stops with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def sync_lines(res: Any, where: Callable[[str], str], no_push: bool, seconds: float
               ) -> tuple[list[str], str | None]:
    """The lines to print, in order, and the message of the check that failed
    (exit 1) after them, if one did. `where(path)` names a file for the user."""
    out: list[str] = []
    if res.committed:
        out.append(f"committed {res.changed} file{'s' if res.changed != 1 else ''}: {res.committed}")
    for old, new in res.renumbered:
        out.append(f"renumbered {old} -> {new} (its prefix was claimed by another clone first; {old} still finds it)")
    out += list(res.healed)
    out += [f"pulled {line}" for line in res.policy]
    if res.offline:
        return out, (f"{res.offline}; the changes are committed in this clone: run `tix sync` again "
                     f"when the remote is reachable")
    if res.rewrites:
        out += [f"{where(r.path)}: {r.what} in commit {r.commit[:10]} by {r.author} on {r.date}" for r in res.rewrites]
        shas = " ".join(sorted({r.commit[:10] for r in res.rewrites}))
        return out, (f"nothing was merged or pushed: {len(res.rewrites)} pulled change"
                     f"{'s' if len(res.rewrites) != 1 else ''} rewrite the desk's history (above). "
                     f"If deliberate: tix sync --accept-rewrite {shas.split()[0]}"
                     f"{' (each of ' + shas + ')' if ' ' in shas else ''}; if not: ask the author to "
                     f"`git revert` it and push")
    if res.remote and res.pulled:
        merged = f": tix merged {res.merged} file{'s' if res.merged != 1 else ''}" if res.merged else ""
        out.append(f"pulled {res.remote}{merged}")
    out += list(getattr(res, "after_pull", ()))
    out += [f"{where(c.path)}: conflict: {c.reason}" for c in res.conflicts]
    out += [str(f) for f in res.blocked]
    if res.conflicts:
        return out, (f"{len(res.conflicts)} file{'s' if len(res.conflicts) != 1 else ''} need a hand merge: "
                     f"edit each (keep every event line once, drop the <<<<<<< ======= >>>>>>> lines), "
                     f"`git add` it, then run `tix sync` again; nothing was pushed")
    if res.blocked:
        return out, (f"nothing was pushed: {len(res.blocked)} problem{'s' if len(res.blocked) != 1 else ''} "
                     f"to fix first (see above and `tix fsck`)")
    if res.pushed:
        tries = f" (attempt {res.attempts})" if res.attempts > 1 else ""
        out.append(f"pushed to {res.remote}{tries} in {seconds:.1f} s")
    elif res.remote and not no_push:
        out.append("nothing to push" if res.pulled else f"up to date with {res.remote}")
    return out, None
