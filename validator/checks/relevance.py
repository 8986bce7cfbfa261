"""Relevance pruning for failure sweeps: skip scenarios that provably cannot change a checked pair.

A sweep judges each scenario by re-tracing the header classes whose footprint the scenario may
change (``sweep.changed_classes``); a class whose footprint is unchanged keeps its base traces and
is never a violation. This module proves, once per sweep and before any scenario is computed, that
whole scenarios leave every footprint unchanged: it turns the footprints of every checked class
(nodes, interfaces, layer-3 neighbourhoods and the destinations whose FIB decision mattered at each
node, see :mod:`footprint`) into queries for :mod:`validator.engine.dependencies`, which closes
them over routing (connected, static, OSPF shortest paths, BGP sessions and next hops, the BGP
sessions' own reachability) into the set ``D`` of nodes and interfaces whose failure could change
any of those decisions. A scenario that fails nothing in ``D`` is *pruned*: its result is the
base's for every checked class (no violation), so no data plane is computed for it. The soundness
argument, including the non-monotone hazards, is in :mod:`validator.engine.dependencies`; what it
does not cover turns pruning off for the whole sweep (``Relevance.everything``), never on.

The neighbourhood rule mirrors ``footprint.unchanged``: a class that left a node by an interface
depended on the interface's layer-3 neighbours and, for proxy ARP, on those neighbours' FIBs (in
the neighbour interface's VRF) for the destinations looked up at that node.

``VALIDATOR_PRUNE=0`` turns pruning off (docs/sweeps.md): findings are identical either way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from validator.engine.dependencies import Closure, Relevance, closure, everything
from validator.engine.types import DataPlane


def enabled() -> bool:
    """Pruning is on unless ``VALIDATOR_PRUNE`` is ``0`` (or ``off``/``false``/``no``)."""
    return os.environ.get("VALIDATOR_PRUNE", "1").strip().lower() not in ("0", "off", "false", "no")


def relevance(base: DataPlane, pairs: Sequence[Any]) -> Relevance:
    """``D`` for the checked classes of ``pairs`` (``sweep.PairBaseline``) on ``base``."""
    try:  # building the closure's inputs too: a failure anywhere only turns pruning off (sound)
        c = closure(base)
        if isinstance(c, Relevance):
            return c
        _add_footprints(c, pairs)
        return c.run()
    except Exception as exc:
        return everything(f"relevance closure failed: {exc!r}")


def _add_footprints(c: Closure, pairs: Sequence[Any]) -> None:
    for pb in pairs:
        for fp in pb.footprints.values():
            c.nodes |= fp.nodes
            c.ifaces |= fp.interfaces
            for (node, vrf), space in fp.lookups.items():
                c.fib(node, vrf, space.spans)
            for node, iface in fp.neighbourhoods:
                c.neighbourhood(node, iface)
                for nb_node, nb_iface in c.neighbours.get((node, iface), ()):
                    # proxy ARP: the neighbour's FIB in its own interface's VRF (which need not
                    # be the sender's), for the addresses looked up at the sender in any VRF
                    nb_vrf = c.snapshot.nodes[nb_node].interfaces[nb_iface].vrf  # edges join configured interfaces
                    for (n, _vrf), space in fp.lookups.items():
                        if n == node:
                            c.fib(nb_node, nb_vrf, space.spans)
