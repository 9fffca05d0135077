"""Frozen dataclasses made and copied without their per-field setattr.

A frozen dataclass's `__init__` sets each field through the base
object's setattr (it refuses its own): about 0.35 µs a field. The folds
of a big desk make hundreds of thousands of priced lines and SLA clocks,
so those few places build the instance's `__dict__` in one update
instead. The caller gives every field, in the order the class declares
them (tests compare the result with the class's own constructor): the
object is the one `cls(**fields)` would make, equal, hashed and pickled
alike."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def make(cls: type[T], fields: dict[str, Any]) -> T:
    """`cls(**fields)`, every field given, in declaration order."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def replace(obj: T, changes: dict[str, Any]) -> T:
    """`dataclasses.replace(obj, **changes)`; the fields keep their order."""
    new = object.__new__(type(obj))
    d = new.__dict__
    d.update(obj.__dict__)
    d.update(changes)
    return new
