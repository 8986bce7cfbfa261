"""Policy diagnostics: every problem names file, line and the offending key.

``policies lint`` shows all problems at once, so loaders collect :class:`Diagnostic` objects and
raise one :class:`PolicyValidationError` carrying them; callers that only want "is it valid" catch
the ordinary :class:`~validator.errors.PolicyError` it derives from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from validator.errors import PolicyError

PathItem = str | int
KeyPath = tuple[PathItem, ...]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a policy or intent file; ``str()`` is the lint line ``file:line: key: message``."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}".replace("\n", " ")


class PolicyValidationError(PolicyError):
    """One or more diagnostics; the exception's own line is the first of them (sorted by file, line)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        unique = sorted(set(diagnostics))
        if not unique:
            raise ValueError("PolicyValidationError needs at least one diagnostic")
        self.diagnostics: tuple[Diagnostic, ...] = tuple(unique)
        first = unique[0]
        more = len(unique) - 1
        suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{first.key}: {first.message}{suffix}", file=first.file, line=first.line)


def render_key(path: KeyPath, data: object = None) -> str:
    """Dotted key with list indices; a list item that has a ``name`` is shown by name (``policies[web-open]``)
    because users know their policies by name, not by position."""
    if not path:
        return "(root)"
    out = ""
    node = data
    for item in path:
        if isinstance(item, int):
            label: str = str(item)
            if isinstance(node, list) and 0 <= item < len(node):
                entry = node[item]
                name = entry.get("name") if isinstance(entry, dict) else None
                if isinstance(name, str) and name:
                    label = name
                node = entry
            else:
                node = None
            out += f"[{label}]"
        else:
            out += f".{item}" if out else item
            node = node.get(item) if isinstance(node, dict) else None
    return out
