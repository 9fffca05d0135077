"""The context every command gets: where the desk is, who acts, what time it
is, the store and the policy (httpie's `Environment`). Built once per run by
the typer callback; tests swap it by setting the environment variables."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tix.core.errors import BadInput, NotFound

if TYPE_CHECKING:
    from tix.core.ids import IdSource
    from tix.core.policy import Policy
    from tix.storage.store import Store


def is_desk(d: Path) -> bool:
    """Does folder `d` hold a tix desk (policies.yaml and tickets/)?"""
    return (d / "policies.yaml").is_file() and (d / "tickets").is_dir()


def find_desk(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if is_desk(d):
            return d
    return None


class Env:
    def __init__(self, dir_opt: str | None = None, user_opt: str | None = None):
        self.dir_opt = dir_opt
        self.user_opt = user_opt

    # -------------------------------------------------------------- where
    @cached_property
    def root(self) -> Path:
        if self.dir_opt:
            d = Path(self.dir_opt).expanduser()
            if not is_desk(d):
                raise NotFound(f"--dir {self.dir_opt}: not a tix desk (no policies.yaml and tickets/); "
                               f"run `tix init {self.dir_opt}`")
            return d.resolve()
        env = os.environ.get("TIX_DIR")
        if env:
            d = Path(env).expanduser()
            if not is_desk(d):
                raise NotFound(f"TIX_DIR={env}: not a tix desk (no policies.yaml and tickets/)")
            return d.resolve()
        found = find_desk(Path.cwd())
        if found is None:
            raise NotFound("not inside a tix desk (no policies.yaml and tickets/ here or above); "
                           "run `tix init` or pass --dir")
        return found

    @cached_property
    def store(self) -> Store:
        from tix.storage.store import Store

        store = Store(self.root)

        def stamp(header: dict, evs: list) -> None:  # record the SLA terms in force on a new ticket
            from tix.core.contracts import stamp_new

            stamp_new(self.policy, header, evs)

        store.stamp = stamp
        return store

    @cached_property
    def policy(self) -> Policy:
        from tix.core.policy import load_policy

        policy = load_policy(self.root / "policies.yaml")
        from tix.core import yamlio

        if not yamlio.LIBYAML:  # pragma: no cover - depends on the build of PyYAML
            from tix.cli.boundary import warn

            warn("warning: libyaml is missing; using the slow pure-Python YAML")
        country = policy.calendar_spec.country
        if country:
            cache = self.store.holiday_cache()
            # Checked once per clone (importing `holidays` costs start-up time).
            if cache.get(f"checked-{country}") is None:
                import holidays

                if country.split("-")[0] not in holidays.list_supported_countries():
                    raise policy.error(f"calendar.country: {country!r} has no public holiday table "
                                       "(use an ISO code like NL, DE, CZ, NO, or remove the line)",
                                       "calendar", "country")
                cache[f"checked-{country}"] = ["ok"]
            policy = policy.with_holidays(cache.table())
        return policy

    def price_as_invoiced(self) -> None:
        """Reports and `show`: an invoiced entry keeps the price it was invoiced
        at, whatever the policy's rates say today (tix.core.billing.as_invoiced)."""
        from tix.storage import ledger

        prices: Any = ledger.invoiced_prices(self.store)
        self.draft_digest = "-"
        if self.policy.contracts:  # un-invoiced work of fixed and prepaid contracts: as the invoice will settle it
            from tix.app.contracts import PriceLayers, draft_prices

            draft, self.draft_digest = draft_prices(self.store, self.policy)
            if draft:
                prices = PriceLayers(prices, draft)
        self.__dict__["policy"] = self.policy.with_invoiced(prices)

    # -------------------------------------------------------------- who
    @cached_property
    def user(self) -> str:
        name = self.user_opt or os.environ.get("TIX_USER")
        if not name:
            name = git_user_name(Path.cwd())
        if not name:
            try:
                name = getpass.getuser()
            except (OSError, KeyError):  # no login name (a container without a passwd entry)
                name = "unknown"
        name = " ".join(str(name).split())
        if not name or len(name) > 100:
            raise BadInput(f"--as {name!r}: expected a name of 1 to 100 characters")
        return name

    # -------------------------------------------------------------- when
    @cached_property
    def now(self) -> datetime:
        raw = os.environ.get("TIX_NOW")
        if raw:
            try:
                dt = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            except ValueError:
                raise BadInput(f"TIX_NOW={raw!r}: expected ISO 8601 with offset, "
                               f"like 2026-11-24T08:40:00+01:00") from None
            if dt.tzinfo is None:
                raise BadInput(f"TIX_NOW={raw!r}: needs a UTC offset, like 2026-11-24T08:40:00+01:00")
            return dt.replace(microsecond=0)
        return datetime.now(UTC).replace(microsecond=0)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.policy.tz)

    def when(self, text: str | None, *, what: str = "--at", default_now: bool = True) -> datetime | None:
        from tix.core.dates import parse_when

        if text is None:
            return self.local_now if default_now else None
        return parse_when(text, now=self.now, tz=self.policy.tz, what=what)

    def when_required(self, text: str, *, what: str) -> datetime:
        """`when` for a value the user gave: always a time."""
        t = self.when(text, what=what)
        assert t is not None
        return t

    def event_time(self, at: str | None) -> datetime:
        """The `at` of an event: --at if given (not in the future), else now.
        A date alone is refused: midnight would silently become after-hours work."""
        from tix.core.dates import has_clock

        if at is not None and not has_clock(at):
            raise BadInput(f"--at {at}: give a time of day too, e.g. 08:30, 'today 08:30' or '{at} 08:30'")
        t = self.when(at, what="--at")
        assert t is not None
        if at is not None and t > self.now:
            raise BadInput(f"--at {at}: lies in the future (now is {self.local_now.isoformat()})")
        return t

    # -------------------------------------------------------------- ids
    @cached_property
    def ids(self) -> IdSource:
        """Where new event ids come from (tix.core.ids): random ULIDs, their
        time part from the wall clock; with TIX_SEED a reproducible source,
        seeded by that text, who acts, this clone's ID prefix (unique among
        clones, and the same in a rebuilt desk) and a run counter kept in the
        clone's local state (so runs with one TIX_NOW do not repeat ids)."""
        seed = os.environ.get("TIX_SEED")
        if not seed:
            import time

            from tix.core.ids import RandomIds

            return RandomIds(clock=time.time_ns)
        from tix.core.ids import SeededIds

        run = self.store.next_seeded_run()
        prefix = (self.store.clone_info() or {}).get("prefix", "")
        return SeededIds(f"{seed}:{self.user}:{prefix}:{run}")

    # -------------------------------------------------------------- output
    @cached_property
    def color(self) -> bool:
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def finish(self, message: str) -> None:
        """After a successful write: commit it if the policy asks for that."""
        if self.store.written and self.policy.autocommit:
            from tix.storage.gitops import autocommit

            problem = autocommit(self.store, message)
            if problem:
                from tix.cli.boundary import warn

                warn(problem)


def git_user_name(cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


_current: Env | None = None


def set_env(env: Env) -> None:
    global _current
    _current = env


def ctx_env() -> Env:
    """The Env of the running command (set by the root callback)."""
    global _current
    if _current is None:
        _current = Env()
    return _current
