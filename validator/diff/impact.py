"""What a change can affect: each changed stanza's units and whether it is inert.

Blast radius, rollout plans and the pre-existing baseline all start here, so they agree on what
the change touches: the union of the units of the non-inert stanzas (and of the side files).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from validator.diff.inert import is_inert
from validator.diff.units import Unit, side_file_units, stanza_units
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangedStanza, ChangeSet


@dataclass(frozen=True)
class StanzaImpact:
    stanza: ChangedStanza
    units: frozenset[Unit]
    inert: bool


@dataclass(frozen=True)
class ChangeImpact:
    stanzas: tuple[StanzaImpact, ...] = ()
    side_units: frozenset[Unit] = frozenset()

    @property
    def units(self) -> list[Unit]:
        """Every unit a non-inert stanza can affect, sorted (the blast radius's elements)."""
        out: set[Unit] = set(self.side_units)
        for s in self.stanzas:
            if not s.inert:
                out |= s.units
        return sorted(out)

    @property
    def inert(self) -> list[ChangedStanza]:
        return [s.stanza for s in self.stanzas if s.inert]

    def devices(self, units: list[Unit] | None = None) -> list[str]:
        return sorted({u.node for u in (self.units if units is None else units)})

    def stanzas_of(self, unit: Unit) -> list[ChangedStanza]:
        return [s.stanza for s in self.stanzas if unit in s.units and not s.inert]

    def mark(self, change: ChangeSet) -> ChangeSet:
        """``change`` with its inert stanzas flagged (``"inert": true`` in the verdict JSON)."""
        inert = set(self.inert)
        return replace(change, stanzas=tuple(replace(st, inert=st in inert) for st in change.stanzas))


def analyse_change(change: ChangeSet, base: Snapshot, head: Snapshot) -> ChangeImpact:
    out: list[StanzaImpact] = []
    for st in change.stanzas:
        if not st.device:
            continue
        units = stanza_units(st, base, head)
        out.append(StanzaImpact(st, units, is_inert(st, base, head, units)))
    return ChangeImpact(tuple(out), side_file_units(change.stanzas, base, head))
