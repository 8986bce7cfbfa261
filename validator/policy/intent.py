"""A change's declared intent (design.md §3): the flows it means to open or close.

``no_regression`` uses it to tell intended differences from regressions and exposures. Endpoints
are zone names from the (base) policies or inline zones; names are resolved late, with
:func:`resolve_zone`, because the intent comes from the head revision and the policies from the base.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.errors import PolicyError
from validator.fileio import read_regular_file
from validator.model.snapshot import Snapshot
from validator.policy._build import Builder
from validator.policy._schema import schema_diagnostics
from validator.policy._yaml import load_yaml
from validator.policy.diagnostics import Diagnostic, KeyPath, PolicyValidationError
from validator.policy.model import Expect, HeaderSpec, PolicySet, PolicySource, Zone
from validator.policy.semantic import zone_diagnostics

ZoneRef = str | Zone  # a zone name, or an inline zone named after its key (``changes[0].to``)


@dataclass(frozen=True)
class IntentChange:
    from_zone: ZoneRef
    to_zone: ZoneRef
    expect: Expect
    source: PolicySource
    headers: HeaderSpec = field(default_factory=HeaderSpec)
    description: str | None = None


@dataclass(frozen=True)
class Intent:
    """``digest`` is the sha256 of the file bytes, so a plan can bind to the intent it was checked with."""

    changes: tuple[IntentChange, ...]
    file: str
    digest: str
    description: str | None = None


def _endpoint(b: Builder, path: KeyPath, value: Any) -> ZoneRef:
    if isinstance(value, str):
        return value
    prefixes, nodes, interfaces = b.selectors(path, value)
    return Zone(b.doc.key(path), b.source(path), prefixes, nodes, interfaces)


def load_intent(source: str | os.PathLike[str] | bytes, *, file: str | None = None) -> Intent:
    """Load an intent file from a path, or from bytes (``file`` names it in diagnostics)."""
    if isinstance(source, bytes):
        data, name = source, file or "<intent>"
    else:
        name = file or str(source)
        if not Path(source).exists() and not Path(source).is_symlink():
            raise PolicyError("no such intent file", file=name)
        # a regular file within the size cap only: a FIFO or a device must not hang or exhaust memory
        data = read_regular_file(source, error=PolicyError)
    doc = load_yaml(data, name)
    found = schema_diagnostics(doc, "intent")
    if found:
        raise PolicyValidationError(found)
    b = Builder(doc)
    changes: list[IntentChange] = []
    for i, c in enumerate(doc.data["changes"]):
        path: KeyPath = ("changes", i)
        changes.append(
            IntentChange(
                from_zone=_endpoint(b, (*path, "from"), c["from"]),
                to_zone=_endpoint(b, (*path, "to"), c["to"]),
                expect=c["expect"],
                source=b.source(path),
                headers=b.headers(path, c),
                description=c.get("description"),
            )
        )
    if b.diagnostics:
        raise PolicyValidationError(b.diagnostics)
    return Intent(tuple(changes), name, hashlib.sha256(data).hexdigest(), doc.data.get("description"))


def resolve_zone(ref: ZoneRef, policies: PolicySet) -> Zone:
    """The zone an endpoint denotes; an unknown name is a PolicyError (run :func:`validate_intent` first
    to get all of them with lines)."""
    if isinstance(ref, Zone):
        return ref
    try:
        return policies.zones[ref]
    except KeyError:
        raise PolicyError(f"intent uses undefined zone {ref!r}") from None


def intent_diagnostics(intent: Intent, policies: PolicySet, snapshot: Snapshot | None = None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for change in intent.changes:
        for side, ref in (("from", change.from_zone), ("to", change.to_zone)):
            if isinstance(ref, str):
                if ref not in policies.zones:
                    known = ", ".join(sorted(policies.zones)) or "none defined"
                    key = f"{change.source.key}.{side}"
                    message = f"undefined zone {ref!r} (zones: {known})"
                    out.append(Diagnostic(change.source.file, change.source.line, key, message))
            elif snapshot is not None:
                out.extend(zone_diagnostics(ref, snapshot))
    return sorted(set(out))


def validate_intent(intent: Intent, policies: PolicySet, snapshot: Snapshot | None = None) -> None:
    """Zone names must exist in ``policies``; with a snapshot, inline zones must select something."""
    found = intent_diagnostics(intent, policies, snapshot)
    if found:
        raise PolicyValidationError(found)
