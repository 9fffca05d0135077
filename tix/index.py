"""Loading every ticket of the desk. (The index cache lives here: see issue 8.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tix.errors import BrokenFile, NotFound

if TYPE_CHECKING:
    from tix.store import Store
    from tix.ticket import Ticket


def load_all(store: Store, problems: list[BrokenFile] | None = None) -> list[Ticket]:
    out = []
    for path in store.ticket_paths():
        try:
            out.append(store.load_path(path))
        except (BrokenFile, NotFound) as err:
            if problems is not None:
                problems.append(err if isinstance(err, BrokenFile) else BrokenFile(err.message, path=str(path)))
    return out
