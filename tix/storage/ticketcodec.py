"""A folded `Ticket` as bytes for the index's blob file, and back.

A ticket's values are plain data (text, numbers, lists, dicts, sets) except
its instants, which are aware datetimes with fixed offsets (`parse_stamp`).
`dumps` writes the fields in dataclass order as one `marshal` tuple, each
datetime as its 10-byte state and its offset in seconds; `loads` reads it
back. That costs a third of pickling a ticket and half of unpickling one
(pickle writes each datetime's timezone, and its timedelta, as objects of
their own), and the decoded tickets share one timezone object per offset.

A ticket marshal cannot hold as it is (an instant without an offset, or with
a named zone or fractions of a second in it, an attribute the dataclass does
not declare) is pickled instead; `loads` tells the two apart by the
first bytes. Both are local caches the clone wrote itself: pickles go through
an allow-list unpickler, and a marshal tuple must have the ticket's shape or
it is refused like a damaged pickle (the file is parsed again)."""

from __future__ import annotations

import io
import marshal
import pickle
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from tix.core.ticket import Ticket

MAGIC = b"TX1\n"  # a pickle starts with b"\x80"
_NAMES = tuple(f.name for f in fields(Ticket))
_N = len(_NAMES)
_ONE = tuple(i for i, n in enumerate(_NAMES) if n in ("created", "first_response", "resolved_at", "closed_at",
                                                      "last_activity"))
_PAIRS = tuple(i for i, n in enumerate(_NAMES) if n in ("status_log", "ratings", "terms", "responders"))
_SECS: dict[Any, tuple[int, str]] = {}  # timezone -> (offset in seconds, its name)
_ZONES: dict[int, timezone] = {}  # offset in seconds -> one shared timezone
_FROM_STATE: Any = datetime  # datetime(state, tz): how pickle builds one (not in the type stubs)


class _Unfit(Exception):
    """This ticket is pickled instead."""


def _secs(tz: Any) -> int:
    # keyed by equality, which ignores a zone's name: the name is checked too
    got = _SECS.get(tz)
    if got is not None and tz.tzname(None) == got[1]:
        return got[0]
    if type(tz) is not timezone:
        raise _Unfit  # no zone: pickle keeps it as it is
    d = tz.utcoffset(None)
    name = tz.tzname(None)
    if d.microseconds or name != timezone(d).tzname(None):
        raise _Unfit  # a named zone, or fractions of a second
    s = d.days * 86400 + d.seconds
    _SECS[tz] = (s, name)
    return s


def _zone(s: int) -> timezone:
    z = _ZONES.get(s)
    if z is None:
        z = _ZONES[s] = timezone(timedelta(seconds=s))
    return z


def _dt(d: Any) -> tuple[Any, int]:
    if type(d) is not datetime:
        raise _Unfit
    return d.__reduce_ex__(4)[1][0], _secs(d.tzinfo)


def dumps(t: Ticket) -> bytes:
    d = t.__dict__
    if type(t) is not Ticket or len(d) != _N:
        return pickle.dumps(t, protocol=5)
    try:
        v = [d[n] for n in _NAMES]
        for i in _ONE:
            x = v[i]
            if x is not None:
                v[i] = _dt(x)
        for i in _PAIRS:
            v[i] = [(*_dt(x[0]), *x[1:]) for x in v[i]]
        return MAGIC + marshal.dumps(tuple(v), 4)
    except (_Unfit, KeyError, ValueError, TypeError, IndexError):
        return pickle.dumps(t, protocol=5)


class _SafeUnpickler(pickle.Unpickler):
    ALLOWED: ClassVar[frozenset[tuple[str, str]]] = frozenset({
        ("tix.core.ticket", "Ticket"), ("datetime", "datetime"), ("datetime", "timezone"),
        ("datetime", "timedelta"), ("copyreg", "_reconstructor"), ("builtins", "object"), ("builtins", "set"),
        ("builtins", "frozenset"),
    })

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the index")


def unpickle(data: bytes) -> Any:
    """A local cache's pickle, through the allow-list."""
    return _SafeUnpickler(io.BytesIO(data)).load()


def loads(data: bytes) -> Any:
    """`dumps` read back. Raises what a damaged pickle raises (pickle.UnpicklingError,
    ValueError, EOFError, TypeError, ...)."""
    if data[:4] != MAGIC:
        return unpickle(data)
    v = marshal.loads(memoryview(data)[4:])
    if type(v) is not tuple or len(v) != _N or type(v[0]) is not str:
        raise ValueError("not a ticket")
    v = list(v)
    for i in _ONE:
        x = v[i]
        if x is not None:
            v[i] = _FROM_STATE(x[0], _zone(x[1]))
    for i in _PAIRS:
        v[i] = [(_FROM_STATE(x[0], _zone(x[1])), *x[2:]) for x in v[i]]
    t = object.__new__(Ticket)
    t.__dict__.update(zip(_NAMES, v, strict=True))
    return t
