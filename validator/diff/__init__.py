"""Stanza-level change set between two snapshots: what changed, where, and which model objects."""

from validator.diff.changeset import (
    UNMODELLED_CHECK,
    UNMODELLED_POLICY,
    ChangeResult,
    TouchedElements,
    changed_lines,
    compute_changeset,
    file_kind,
    touched_elements,
    unmodelled_findings,
)
from validator.diff.stanzas import Stanza, canonical_interface_name, segment_ios
from validator.diff.unmodelled import Unmodelled

__all__ = [
    "UNMODELLED_CHECK",
    "UNMODELLED_POLICY",
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
    "unmodelled_findings",
]
