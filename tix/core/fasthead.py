"""A fast reader for the ticket header as tix writes it (`yamlio.dump`:
block style, two-space indents, one level of nesting, plain, single-quoted
and `|-` scalars, lists of scalars). It gives exactly what `yamlio.load`
would, or None as soon as the text has anything else in it (comments, flow
collections, anchors, tags, escapes, tabs, odd indents, duplicate keys...),
and the caller falls back to libyaml: a header edited by hand is still read
by the real parser, with its error messages. About ten times faster than
libyaml on the headers of a desk, where reading every file is the cost of a
first index build."""

from __future__ import annotations

import json
import re
from itertools import chain, repeat
from operator import methodcaller
from typing import Any

from tix.core import yamlio

# characters libyaml reads as line breaks or refuses, or that need care (tabs, BOM, CR): leave those to it
# (the same set written as what it holds, not as what it leaves out: compiled in 1 ms instead of 10; a test
# compares the two over every code point)
_ODD = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_RESOLVERS = yamlio.Loader.yaml_implicit_resolvers
_BOOLS = {"true": True, "false": False}


class _Fallback(Exception):
    pass


try:  # 4x faster than the json module on event lines; it reads integers past 64 bits as floats
    from orjson import JSONDecodeError as _OrjsonError
    from orjson import dumps as _orjson_dumps
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is a dependency; without it the json module does all
    _orjson_loads = None  # type: ignore[assignment]
_LONG_DIGITS = re.compile(r"\d{19}")  # a number orjson might not give back exactly: json reads that line


def _few_brackets(text: str) -> bool:
    """Under 256 brackets: orjson may read it (json refuses deep nesting; some orjson versions build it)."""
    return text.count("[") + text.count("{") < 256


def json_plain(text: str) -> bool:
    """May the JSON lines of `text` go to orjson as they are (`json_fast`)?
    The bracket check `json_line` makes per line, made once for a whole file's lines."""
    return _orjson_loads is not None and _few_brackets(text)


def deep_float(v: Any) -> bool:
    """Is there a float anywhere in this JSON value?"""
    t = type(v)
    if t is float:
        return True
    if t is dict:
        return any(map(deep_float, v.values()))
    if t is list:
        return any(map(deep_float, v))
    return False


def value_types(objects: Any) -> set[type]:
    """The types of the values of these JSON objects (one level down)."""
    return set(map(type, chain.from_iterable(map(dict.values, objects))))


def has_float(objects: Any) -> bool:
    """Is there a float in any of these JSON objects, at any depth? (orjson
    gives an integer past 64 bits as a float: json must read such a text.)"""
    return _float_in(value_types(objects), objects)


def _float_in(kinds: set[type], objects: Any) -> bool:
    """`has_float`, given the types of the objects' values."""
    return float in kinds or ((dict in kinds or list in kinds) and any(map(deep_float, objects)))


def json_fast(text: str) -> Any:
    """One JSON line of a `json_plain` text by orjson, or by `json_line`
    where that could differ: orjson gives an integer past 64 bits as a float,
    so a value with a float in it is read again by json."""
    v = _orjson_loads(text)
    if type(v) is dict:
        if _float_in(set(map(type, v.values())), (v,)):
            return json.loads(text)
    elif deep_float(v):
        return json.loads(text)
    return v


orjson_loads = _orjson_loads if _orjson_loads is not None else json.loads


def _json_dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      default=lambda o: o.isoformat()).encode("utf-8")


json_dumps = _orjson_dumps if _orjson_loads is not None else _json_dumps  # compact JSON bytes


def json_line(text: str) -> Any:
    """json.loads of one line (an event, an invoice record's line), by orjson
    where that gives the same value (no run of 19 digits; anything orjson
    refuses, NaN, lone surrogates, goes to json, which also words the error)."""
    if _orjson_loads is not None and not _LONG_DIGITS.search(text) and _few_brackets(text):
        try:
            return _orjson_loads(text)
        except _OrjsonError:
            pass
    return json.loads(text)


def _resolve(s: str) -> Any:
    """A plain scalar as the loader resolves it (str, int, bool, None)."""
    for tag, rx in _RESOLVERS.get(s[:1], ()):
        if rx.match(s):
            if tag == "tag:yaml.org,2002:null":
                return None
            if tag == "tag:yaml.org,2002:bool":
                return _BOOLS[s.lower()]
            if tag == "tag:yaml.org,2002:int":
                return int(s.replace("_", ""))
            raise _Fallback  # float, merge, value, ...
    return s


def _plain_ok(s: str) -> bool:
    return not (s[:1] in _PLAIN_START or ": " in s or " #" in s or s.endswith(":"))


def _fold(parts: list[str]) -> str:
    """Flow folding: a line break is a space, each empty line a newline."""
    out: list[str] = [parts[0]]
    blanks = 0
    for p in parts[1:]:
        if not p:
            blanks += 1
            continue
        out.append("\n" * blanks if blanks else " ")
        out.append(p)
        blanks = 0
    if blanks:
        raise _Fallback
    return "".join(out)


def _scalar(first: str, cont: list[str], indent: int) -> Any:
    """The value after `key: ` (first) and its continuation lines (more
    indented than `indent`, the key's column; empty lines kept as '')."""
    if first == "|-":
        body = cont
        if not body or not body[0]:
            raise _Fallback
        lead = len(body[0]) - len(body[0].lstrip(" "))
        if lead <= indent:
            raise _Fallback
        pad = " " * lead
        lines = []
        for ln in body:
            if not ln:
                lines.append("")
            elif ln.startswith(pad):
                lines.append(ln[lead:])
            else:
                raise _Fallback
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)
    if first[:1] == "'":
        parts = [first[1:]] + [ln.lstrip(" ") for ln in cont]
        if not parts[0]:
            raise _Fallback
        text = _fold(parts) if len(parts) > 1 else parts[0]
        if not text.endswith("'"):
            raise _Fallback
        inner = text[:-1]
        if "'" in inner.replace("''", ""):
            raise _Fallback
        return inner.replace("''", "'")
    if first[:1] == '"':
        if cont or len(first) < 2 or not first.endswith('"') or "\\" in first or '"' in first[1:-1]:
            raise _Fallback
        return first[1:-1]
    if first in ("[]", "{}"):
        if cont:
            raise _Fallback
        return [] if first == "[]" else {}
    if not _plain_ok(first):
        raise _Fallback
    if not cont:
        return _resolve(first)
    parts = [first]
    for ln in cont:
        s = ln.lstrip(" ")
        if s and (s[0] in _PLAIN_START or ": " in s or " #" in s or s.endswith(":")):
            raise _Fallback
        parts.append(s)
    return _resolve(_fold(parts))


def _block(lines: list[str], i: int, indent: int) -> tuple[list[str], int]:
    """The continuation lines after line i (indented more than `indent`, or empty)."""
    cont: list[str] = []
    n = len(lines)
    j = i + 1
    while j < n:
        ln = lines[j]
        if ln and len(ln) - len(ln.lstrip(" ")) <= indent:
            break
        cont.append(ln)
        j += 1
    while cont and not cont[-1]:  # trailing empty lines belong to what follows
        cont.pop()
        j -= 1
    return cont, j


def _key(s: str, seen: dict[str, Any]) -> str:
    if s not in _GOOD_KEYS:
        if not _KEY.fullmatch(s) or _resolve(s) is not s:
            raise _Fallback
        if len(_GOOD_KEYS) < 1000:
            _GOOD_KEYS.add(s)
    if s in seen:
        raise _Fallback
    return s


_NOT_FAST = _PLAIN_START | {" ", ""}
_GOOD_KEYS: set[str] = set()  # keys seen to be plain words that resolve to themselves


def _mapping(lines: list[str], indent: int, nested: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pad = " " * indent
    deeper = pad + " "
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        nxt = lines[i + 1] if i + 1 < n else "x"
        colon = ln.find(": ", indent)
        if colon > indent and nxt and not nxt.startswith(deeper) and ln.startswith(pad) and ln[indent] != " ":
            # the common line: `key: value` on one line
            key = ln[indent:colon]
            v = ln[colon + 2:]
            if key in _GOOD_KEYS and key not in out and v[:1] not in _NOT_FAST and ": " not in v \
                    and v[-1:] != ":":
                out[key] = _resolve(v) if v[:1] in _RESOLVERS else v
                i += 1
                continue
        if not ln.startswith(pad) or ln[indent:indent + 1] in (" ", ""):
            raise _Fallback
        colon = ln.find(":", indent)
        if colon < 0:
            raise _Fallback
        key = _key(ln[indent:colon], out)
        rest = ln[colon + 1:]
        cont, j = _block(lines, i, indent)
        if rest:
            if rest[0] != " " or rest[1:2] == " ":
                raise _Fallback
            out[key] = _scalar(rest[1:], cont, indent)
            i = j
            continue
        # `key:` alone: a nested mapping, a list, or null
        k = i + 1
        if not nested and k < n and lines[k].startswith("- ") and indent == 0:
            items, i = _items(lines, k, 0, maps=True)
            out[key] = items
            continue
        if not cont:
            out[key] = None
            i = j
            continue
        if nested or "" in cont:
            raise _Fallback
        sub = indent + 2
        if cont[0].startswith(" " * sub + "- "):
            items, end = _items(cont, 0, sub)
            if end != len(cont):
                raise _Fallback
            out[key] = items
        else:
            out[key] = _mapping(cont, sub, True)
        i = j
    return out


def _items(lines: list[str], i: int, indent: int, maps: bool = False) -> tuple[list[Any], int]:
    """A list of scalars `- x` at `indent`, from line i; -> (items, next line).
    With `maps`, an item may also be a flat mapping (`- key: value` and more
    `key: value` lines two columns in: an invoice record's lines)."""
    pad = " " * indent + "- "
    items: list[Any] = []
    n = len(lines)
    while i < n and lines[i].startswith(pad):
        first = lines[i][len(pad):]
        if not first or first[0] == " " or first == "|-":
            raise _Fallback
        if i + 1 < n and lines[i + 1] and len(lines[i + 1]) - len(lines[i + 1].lstrip(" ")) > indent:
            if not maps:
                raise _Fallback  # continued or nested items: leave to libyaml
            j = i + 1
            while j < n and lines[j] and len(lines[j]) - len(lines[j].lstrip(" ")) > indent:
                j += 1
            if j < n and not lines[j]:
                raise _Fallback
            sub = [" " * (indent + 2) + first, *lines[i + 1:j]]
            if ":" not in first or first[:1] in ("'", '"'):
                raise _Fallback
            items.append(_mapping(sub, indent + 2, True))
            i = j
            continue
        if maps and ": " in first and first[:1] not in ("'", '"'):
            raise _Fallback  # a one-key mapping item: leave to libyaml
        items.append(_scalar(first, [], indent))
        i += 1
    return items, i


def load(text: str) -> dict[str, Any] | None:
    """The header `text` as `yamlio.load` would read it, or None: not sure, ask libyaml."""
    if _ODD.search(text) or " \n" in text or " #" in text or text.endswith(" "):
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or any(not ln for ln in lines[:1]):
        return None
    try:
        return _mapping(lines, 0, False)
    except (_Fallback, ValueError, KeyError):
        return None


def load_record(text: str) -> Any:
    """A big YAML document as tix writes it (an invoice record: a few small
    fields, then long lists of scalars or of flat mappings at the top level)
    as `yamlio.load` reads it: the long lists by this reader, the rest by
    libyaml. Anything this reader is not sure of goes to libyaml whole."""
    if _ODD.search(text) or " \n" in text or text.endswith(" "):
        return yamlio.load(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # top-level sections: a key line at column 0, then its more indented lines or `- ` items
    fast: dict[str, Any] = {}
    rest: list[str] = []
    order: list[str] = []
    i, n = 0, len(lines)
    try:
        while i < n:
            ln = lines[i]
            j = i + 1
            while j < n and (lines[j][:1] in (" ", "-") or not lines[j]):
                j += 1
            if ln.endswith(":") and j - i > 64 and lines[i + 1].startswith("- ") and _KEY.fullmatch(ln[:-1]):
                key = ln[:-1]
                fast[key] = _long_list(lines[i + 1:j])
                order.append(key)
            else:
                rest.extend(lines[i:j])
                if ln[:1] not in ("#", "") and ":" in ln:
                    order.append(ln[:ln.index(":")])
            i = j
    except (_Fallback, ValueError, KeyError):
        return yamlio.load(text)
    if not fast:
        return yamlio.load(text)
    doc = yamlio.load("\n".join(rest) + "\n") if rest else {}
    if not isinstance(doc, dict) or doc.keys() & fast.keys() or len(order) != len(doc) + len(fast):
        return yamlio.load(text)  # duplicate keys, or not a mapping: libyaml says what it says
    if set(order) != doc.keys() | fast.keys():
        return yamlio.load(text)
    return {k: fast[k] if k in fast else doc[k] for k in order}


_JSON_SCALARS = frozenset((str, int, bool, type(None)))
# escapes where JSON and YAML 1.1 may differ (surrogate pairs, `\/`): libyaml reads such an item
_JSON_ODD = re.compile(r"\\(?:u[dD][89a-fA-F]|/)")


def _json_item(body: str) -> Any:
    """One list item written as JSON on one line (`{"key": "value", ...}` or
    `"text"`: how tix writes an invoice record's lines and entries), as
    libyaml reads it: by orjson when it is a string or a flat mapping of
    strings, integers, booleans and nulls with no key twice and no escape
    the two read differently; anything else by libyaml, this item alone."""
    if _orjson_loads is not None and not ("\\" in body and _JSON_ODD.search(body)) and _few_brackets(body):
        try:  # a float (or an integer past 64 bits, which orjson gives as a float) is not taken: libyaml reads it
            v = _orjson_loads(body)
        except ValueError:
            v = None
        if type(v) is str:
            return v
        if type(v) is dict and body.count('": ') == len(v) and _JSON_SCALARS.issuperset(map(type, v.values())):
            return v  # as many `": ` as keys: no key twice (a value with `": ` in it goes to libyaml)
    try:
        return yamlio.load(body)
    except yamlio.YamlProblem:
        raise _Fallback from None  # libyaml on the whole text: its message, with the right line


def _json_run(lines: list[str]) -> list[Any] | None:
    """A list whose every item is one line of JSON of one kind (`- {...}`
    lines, or `- "..."` lines: how tix writes an invoice record's lines and
    entries), read as `_json_item` reads each one, with the checks made on
    all the items at once; None where any item needs more (the caller reads
    them one by one)."""
    if _orjson_loads is None or not lines:
        return None
    start = lines[0][:3]
    if start not in ('- {', '- "') or not all(map(methodcaller("startswith", start), lines)):
        return None
    bodies = [ln[2:] for ln in lines]
    if any(map(_JSON_ODD.search, filter(methodcaller("__contains__", "\\"), bodies))):
        return None
    try:
        items = list(map(_orjson_loads, bodies))
    except ValueError:
        return None
    kinds = set(map(type, items))
    if kinds == {str}:
        return items
    if kinds != {dict}:
        return None
    # as many `": ` as keys (no key twice), and only scalars as values
    if list(map(len, items)) != list(map(str.count, bodies, repeat('": '))):
        return None
    if not _JSON_SCALARS.issuperset(value_types(items)):
        return None
    return items


def _long_list(lines: list[str]) -> list[Any]:
    """`- x` items at column 0: scalars (one line each), flat mappings
    (`- key: value` and `  key: value` lines), or either written as JSON on
    one line (`- {"key": "value"}`, `- "text"`)."""
    run = _json_run(lines)
    if run is not None:
        return run
    items: list[Any] = []
    i, n = 0, len(lines)
    while i < n:
        first = lines[i]
        if not first.startswith("- ") or first[2:3] in (" ", ""):
            raise _Fallback
        j = i + 1
        while j < n and not lines[j].startswith("- "):
            j += 1
        body = first[2:]
        if body[:1] in ('{', '"') and j == i + 1:
            items.append(_json_item(body))
            i = j
            continue
        colon = body.find(": ")
        if (colon > 0 and _KEY.fullmatch(body[:colon])) or body.endswith(":"):
            items.append(_mapping(["  " + body, *lines[i + 1:j]], 2, True))
        elif j == i + 1:
            items.append(_scalar(body, [], 0))
        else:
            raise _Fallback
        i = j
    return items
