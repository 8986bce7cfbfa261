"""Equivalent failure scenarios: element sets that take down exactly the same things, computed once.

Different sets of failed elements often fail exactly the same network: both interfaces of a link
and the ``link:`` element itself; a risk group and the links it names; a node together with an
interface or subinterface on it (a failed node has every interface inactive); a parent interface
with or without its subinterfaces (Batfish's BIND dependency takes them down with it, see
``engine/topology.without_unbound``); an interface that is shut or blacklisted anyway. The engine
sees a scenario only through its failed nodes and the interfaces left active
(``engine/topology.compute_active_interfaces``; the incremental and native engines take the base's
active interfaces less the failed ones, the same set), so two element sets with the same
:class:`Effect` have the same data plane and the same result for every checked class: the sweep
computes one of them and gives the other its answer (``SweepStats.equivalent``).

This is exact by construction; it does not try the wider "same effect on the checked flows" (two
different failures that happen to change the checked classes alike), which would need the
relevance closure of each scenario (docs/sweeps.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from validator.engine.topology import IfaceKey, bind_parent, never_active
from validator.engine.types import FailureSet
from validator.model.snapshot import Snapshot


@dataclass(frozen=True)
class Effect:
    """What a failure set really takes down: the failed nodes, and the interfaces it deactivates
    on the other nodes (subinterfaces of a failed parent included, never-active ones left out)."""

    nodes: frozenset[str]
    interfaces: frozenset[IfaceKey]


class Effects:
    """Normalises failure sets of one snapshot to their :class:`Effect`."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.children: dict[IfaceKey, list[IfaceKey]] = defaultdict(list)
        for name, node in snapshot.nodes.items():
            for iface_name in node.interfaces:
                key = (name, iface_name)
                parent = bind_parent(snapshot, key)
                if parent is not None:
                    self.children[parent].append(key)

    def of(self, failures: FailureSet) -> Effect:
        nodes = failures.nodes
        failed = {k for k in failures.interfaces if k[0] not in nodes and not never_active(self.snapshot, k)}
        # a failed parent takes its subinterfaces down: one level, as ``without_unbound`` does
        down = failed | {c for k in failed for c in self.children.get(k, ()) if not never_active(self.snapshot, c)}
        return Effect(nodes, frozenset(down))
