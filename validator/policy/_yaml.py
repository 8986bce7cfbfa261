"""YAML with line numbers, strict about what silent YAML would accept.

PyYAML's constructors forget where values came from, so the loader walks the composed node graph
itself and records the line of every mapping key and sequence item by key path. Duplicate keys
(which plain YAML silently resolves to the last one) and non-string keys (``on:``/``no:`` become
booleans in YAML 1.1) are errors, because a policy that means something else than it says is
worse than one that does not load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from validator.policy.diagnostics import Diagnostic, KeyPath, PolicyValidationError, render_key

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAX_NODES = 200_000  # alias expansion ("billion laughs") must not hang the gate
_MAX_DEPTH = 64
_SHOWN_DEPTH = 6


@dataclass(frozen=True)
class LocatedDocument:
    """Plain data (dicts, lists, scalars) plus the 1-based line of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int:
        """Line of ``path`` or of its nearest existing ancestor (a missing key points at its parent)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def key(self, path: KeyPath) -> str:
        return render_key(tuple(path), self.data)

    def diag(self, path: KeyPath, message: str) -> Diagnostic:
        return Diagnostic(self.file, self.line_of(path), self.key(path), message)


# libyaml's C parser composes the node graph (with the same marks) about ten times faster than the
# pure-Python one: a 27 MB policy file lints in seconds instead of a minute. The constructor and
# resolver stay PyYAML's safe ones either way.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader (no arbitrary tags); a subclass so nothing leaks into PyYAML's global registry."""


class _Walker:
    def __init__(self, loader: _Loader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.count = 0

    def fail(self, node: yaml.Node, path: KeyPath, message: str) -> PolicyValidationError:
        shown = render_key(path[:_SHOWN_DEPTH]) + ("..." if len(path) > _SHOWN_DEPTH else "")
        return PolicyValidationError([Diagnostic(self.file, node.start_mark.line + 1, shown, message)])

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise self.fail(node, path, f"document too large (more than {_MAX_NODES} values after aliases)")
        if len(path) > _MAX_DEPTH:
            raise self.fail(node, path, "document nested too deeply (recursive alias?)")
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise self.fail(node, path, f"malformed YAML: unsupported tag {node.tag!r} on a mapping")
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.fail(node, path, f"malformed YAML: unsupported tag {node.tag!r} on a list")
            out: list[Any] = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                out.append(self.convert(item, (*path, i)))
            return out
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        own = sum(1 for k, _ in node.value if k.tag != _MERGE_TAG)
        self.loader.flatten_mapping(node)
        merged = node.value[: len(node.value) - own]
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value[len(node.value) - own :]:
            key = self._key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in out:
                raise self.fail(key_node, (*path, key), f"duplicate key (first at line {first_line[key]})")
            first_line[key] = line
            self.lines[(*path, key)] = line
            out[key] = self.convert(value_node, (*path, key))
        # merge keys: explicit keys win; among merged mappings the first listed wins (YAML merge spec),
        # and PyYAML lists later mappings first, hence reversed()
        for key_node, value_node in reversed(merged):
            key = self._key(key_node, path)
            if key not in out:
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self.convert(value_node, (*path, key))
        return out

    def _key(self, key_node: yaml.Node, path: KeyPath) -> str:
        if not isinstance(key_node, yaml.ScalarNode):
            raise self.fail(key_node, path, "mapping keys must be plain strings")
        key = self.loader.construct_object(key_node)
        if not isinstance(key, str):
            raise self.fail(
                key_node,
                (*path, str(key_node.value)),
                f"key {key_node.value!r} is read as {type(key).__name__}, not a string; quote it",
            )
        return key


def _line_at(data: bytes, position: int) -> int:
    return data[: max(position, 0)].count(b"\n") + 1


def load_yaml(data: bytes, file: str) -> LocatedDocument:
    """Parse one YAML document; any YAML problem becomes a :class:`PolicyValidationError` with its line."""
    try:
        loader = _Loader(data)
    except yaml.reader.ReaderError as exc:
        msg = f"unreadable: {exc.reason} (byte {exc.position})"
        raise PolicyValidationError([Diagnostic(file, _line_at(data, exc.position), "yaml", msg)]) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = exc.problem or exc.context or "malformed YAML"
            raise PolicyValidationError([Diagnostic(file, line, "yaml", f"malformed YAML: {problem}")]) from None
        except yaml.reader.ReaderError as exc:
            msg = f"unreadable: {exc.reason} (byte {exc.position})"
            raise PolicyValidationError([Diagnostic(file, _line_at(data, exc.position), "yaml", msg)]) from None
        except yaml.YAMLError as exc:
            msg = f"malformed YAML: {exc}"
            raise PolicyValidationError([Diagnostic(file, 1, "yaml", msg)]) from None
        if root is None:
            return LocatedDocument(file, None, {(): 1})
        walker = _Walker(loader, file)
        walker.lines[()] = root.start_mark.line + 1
        try:
            value = walker.convert(root, ())
        except yaml.MarkedYAMLError as exc:  # bad merge key, bad timestamp, ...
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise PolicyValidationError([Diagnostic(file, line, "yaml", f"malformed YAML: {exc.problem}")]) from None
        return LocatedDocument(file, value, walker.lines)
    finally:
        loader.dispose()
