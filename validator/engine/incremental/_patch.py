"""The scenario's main RIBs and FIBs as the base's with the changed prefixes replaced: untouched
(node, VRF) tables are the base's own objects, changed FIBs are lazy and rebuilt on first lookup."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import TYPE_CHECKING

from validator.engine.bgp import SpeakerKey
from validator.engine.incremental._bgp_routes import _merged_at
from validator.engine.incremental._fib import LazyFib, clone_rib, set_prefix
from validator.engine.rib import MainRib
from validator.model.dataplane import Route

if TYPE_CHECKING:  # annotations only: _core imports this module
    from validator.engine.incremental._core import FibMap, Ribs, State


def patch_ribs(
    base_ribs: Ribs,
    new_igp: Ribs,
    changes: dict[tuple[str, str], set[IPv4Network]],
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]],
) -> Ribs:
    """Final main RIBs: base's, with the changed prefixes re-merged from the scenario's IGP and BGP."""
    out: Ribs = dict(base_ribs)
    by_node: dict[str, dict[str, set[IPv4Network]]] = {}
    for (n, v), nets in changes.items():
        by_node.setdefault(n, {}).setdefault(v, set()).update(nets)
    for n, per_vrf in by_node.items():
        vrfs = dict(out[n])
        for v, nets in per_vrf.items():
            old = vrfs.get(v)
            rib = clone_rib(old) if old is not None else MainRib()
            igp_rib = new_igp[n].get(v)
            bgp = main.get((n, v), {})
            for net in nets:
                ir = igp_rib.by_prefix.get(net, []) if igp_rib is not None else []
                set_prefix(rib, net, _merged_at(ir, bgp.get(net, [])))
            vrfs[v] = rib
        out[n] = vrfs
    return out


def patch_fibs(
    base: State, base_fibs: FibMap, ribs: Ribs, changes: dict[tuple[str, str], set[IPv4Network]], igp: bool
) -> FibMap:
    out: FibMap = dict(base_fibs)
    for (n, v), nets in changes.items():
        vrfs = dict(out[n])
        old = base_fibs.get(n, {}).get(v)
        new_rib = ribs[n].get(v)
        if new_rib is None:
            vrfs.pop(v, None)
        elif old is None:
            vrfs[v] = LazyFib(new_rib)
        else:
            vrfs[v] = LazyFib(new_rib, old, base.dep_index(n, v, igp=igp), frozenset(nets))
        out[n] = vrfs
    return out
