"""Safe YAML for tix: libyaml's C loader and dumper (pure-Python fallback with a
warning), YAML 1.1 traps removed, anchors and aliases refused.

YAML 1.1 would read `country: NO` as false and `17:30` as the integer 1050;
tix's loader resolves only `true`/`false` as booleans, has no base-60 numbers
and no timestamps (dates stay strings; the callers parse them), so a policy
and a ticket header mean what they say."""

from __future__ import annotations

import re
from typing import Any

import yaml

LIBYAML = True  # False: PyYAML was built without libyaml (the environment warns once)
try:
    _BaseLoader = yaml.CSafeLoader
    _BaseDumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on the build of PyYAML
    LIBYAML = False
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc,assignment]
    _BaseDumper = yaml.SafeDumper  # type: ignore[misc,assignment]


class Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader with YAML 1.2-like scalars."""


def _construct_mapping(loader: Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """A key given twice is an error (YAML would silently keep the last one)."""
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark) from None
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


Loader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: _construct_yaml_map(loader, node))  # type: ignore[arg-type]


def _construct_yaml_map(loader: Loader, node: yaml.MappingNode):  # type: ignore[no-untyped-def]
    data: dict = {}
    yield data
    data.update(_construct_mapping(loader, node))


Loader.yaml_implicit_resolvers = {}
for _first, _resolvers in _BaseLoader.yaml_implicit_resolvers.items():
    kept = [
        (tag, rx)
        for tag, rx in _resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")
    ]
    if kept:
        Loader.yaml_implicit_resolvers[_first] = kept
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*))$"), list("-+0123456789")
)


class Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Block-style dumper: multi-line strings as `|` blocks, key order kept."""


def _str_representer(dumper: yaml.Dumper, value: str) -> yaml.Node:
    # A `|` block reads best in `git log -p`, but it cannot carry trailing
    # spaces, tabs or a final newline exactly; such text stays double-quoted,
    # so what is read back is always exactly what was written.
    if "\n" in value and "\t" not in value and not value.endswith("\n") and \
            all(line == line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


Dumper.add_representer(str, _str_representer)  # type: ignore[arg-type]


class YamlProblem(Exception):
    """Raised with a message and a 1-based line number (or None)."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


MAX_DEPTH = 64  # policies nest about five levels; a header two


def _check_no_aliases(text: str) -> None:
    """Refuse anchors and aliases (alias bombs) and deep nesting before
    constructing anything: libyaml's composer recurses in C, and some 30,000
    nested `[` crash the process. The event parser does not recurse, and it
    only runs when the text has anchors or enough characters to nest deep."""
    deep = sum(text.count(c) for c in "[{-:?") > 2000
    if not deep and "&" not in text and "*" not in text:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None or isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise YamlProblem("anchors and aliases are not allowed", line)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", line)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def load(text: str) -> Any:
    """Parse YAML safely; raise YamlProblem(message, line) on anything wrong."""
    try:
        _check_no_aliases(text)
        return yaml.load(text, Loader=Loader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {err.problem or err.context}", line) from None
    except (yaml.YAMLError, ValueError, RecursionError) as err:
        raise YamlProblem(f"not valid YAML: {err}", None) from None


def line_of(text: str, path: tuple[Any, ...]) -> int | None:
    """1-based line of the node at `path` (keys and list indexes), for error messages.
    Falls back to the deepest node found on the way."""
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(key):
                    line = k.start_mark.line + 1
                    node = v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
