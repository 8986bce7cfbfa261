"""Stanza-level change set between two snapshots: what changed, where, and which model objects."""

from validator.diff.changeset import (
    ChangeResult,
    TouchedElements,
    Unmodelled,
    changed_lines,
    compute_changeset,
    file_kind,
    touched_elements,
)
from validator.diff.stanzas import Stanza, canonical_interface_name, segment_ios

__all__ = [
    "ChangeResult",
    "Stanza",
    "TouchedElements",
    "Unmodelled",
    "canonical_interface_name",
    "changed_lines",
    "compute_changeset",
    "file_kind",
    "segment_ios",
    "touched_elements",
]
