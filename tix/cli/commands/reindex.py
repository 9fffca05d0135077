"""tix reindex."""

from __future__ import annotations

from tix.cli.boundary import warn


def reindex() -> None:
    """Throw away the local index cache and rebuild it from the ticket files
    (both cores on a big desk). The report and invoice parts kept beside it
    are thrown away too; the next `tix report month` and `tix invoice` fold
    them again. Only speed depends on these caches, never a result.

    Example: tix reindex
    """
    import time

    from tix.cli.env import ctx_env
    from tix.storage.index import reindex as rebuild

    env = ctx_env()
    t0 = time.perf_counter()
    n, broken = rebuild(env.store)
    took = time.perf_counter() - t0
    print(f"indexed {n} tickets in {took:.2f} s" + (f"; {broken} broken files (see tix fsck)" if broken else ""))
    if broken:
        warn(f"{broken} ticket files could not be read; run `tix fsck`")
