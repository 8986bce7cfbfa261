"""The tracing side of a failure scenario costs what the scenario changed (issue 15 item 3):
``explore.ScenarioPieces`` cuts only at boundaries the base lacks and looks up only the FIBs the
scenario changed, inside their patched ranges, without building their interval maps;
``fibmap.changed_space`` compares a patched FIB without its map; ``sweep._in_scope`` reads the
scenario's nodes once. Each result equals the full computation it replaces.
"""

from __future__ import annotations

import random
from typing import Any

from test_incremental_delta import _scenarios, small  # noqa: F401  (module fixture)
from test_incremental_maps import _full_changed
from test_sweep_retrace import _tiny_pairs, _two_plane_groups, tiny  # noqa: F401  (module fixture)

from validator.checks import fibmap
from validator.checks.explore import ScenarioPieces, _Patched, forwarding_cuts
from validator.checks.fibmap import changed_space, patch_of
from validator.checks.sweep import _in_scope, enumerate_elements, union
from validator.engine.incremental import scenario_dataplane
from validator.engine.types import DataPlane

_MAP = fibmap._FIB_ATTR  # the per-process cache name (fibmap._NONCE)


def _changed_fibs(base: DataPlane, dp: DataPlane) -> list[Any]:
    return [
        fib
        for node, vrfs in dp.fibs.items()
        for vrf, fib in vrfs.items()
        if fib is not base.fibs.get(node, {}).get(vrf)
    ]


def test_pieces_of_every_single_failure_build_no_scenario_map_and_equal_the_two_plane_split(
    tiny: DataPlane,  # noqa: F811
) -> None:
    """Every k=1 scenario of the 12-router network: the patched FIBs' maps are never built, the
    cuts are only boundaries the base lacks, and every class groups as the two-plane explorer."""
    pairs = _tiny_pairs(tiny)
    base_cuts = forwarding_cuts([tiny])
    patched = classes = unasked = 0
    for e in enumerate_elements(tiny, ["link", "node"]):
        dp = scenario_dataplane(tiny, union((e,)))
        pieces = ScenarioPieces(tiny, dp)
        got = {}
        for pb in pairs:
            for key, rs in pb.groups.items():
                members = rs[0].members or (key[1],)
                got[(pb.label, key)] = pieces.groups(members)
        changed = _changed_fibs(tiny, dp)
        # classes cut into one piece that does not stand alone never ask the changed FIBs
        unasked += pieces._parts is None and bool(changed)
        # no changed FIB known as a patch of the base's had its interval map built
        built = [f for f in changed if patch_of(f) is not None and _MAP in f.__dict__]
        assert not built, e.spec
        patched += sum(isinstance(p, _Patched) for p in pieces.parts)
        assert not set(pieces.cuts) & base_cuts
        for pb in pairs:
            for key, rs in pb.groups.items():
                members = rs[0].members or (key[1],)
                assert got[(pb.label, key)] == _two_plane_groups(tiny, dp, members), (e.spec, pb.label)
                classes += 1
    assert patched > 0 and classes > 0  # (else the comparison proves nothing)
    assert unasked > 0


def test_a_patched_part_answers_as_the_scenario_fib_everywhere(tiny: DataPlane) -> None:  # noqa: F811
    """``_Patched.id_at`` equals the scenario FIB's own map at every boundary of it and of the
    base's, inside and outside the patched ranges."""
    from validator.checks.fibmap import _full_map, lookup_id

    checked = 0
    for e in enumerate_elements(tiny, ["node"]):
        dp = scenario_dataplane(tiny, union((e,)))
        for part in ScenarioPieces(tiny, dp).parts:
            if not isinstance(part, _Patched):
                continue
            full = _full_map(part.fib)
            for p in sorted({*full[0], *part.base_map[0], *(s + 1 for s in full[0])}):
                assert part.id_at(p) == lookup_id(full, p)
                checked += 1
    assert checked > 0


def test_changed_space_of_a_patched_fib_builds_no_scenario_map(small: DataPlane) -> None:  # noqa: F811
    combos = random.Random(11).sample(_scenarios(small), 8)
    seen = 0
    for combo in combos:
        scen = scenario_dataplane(small, union(combo))
        for node, vrfs in scen.fibs.items():
            for vrf, fib in vrfs.items():
                if fib is small.fibs.get(node, {}).get(vrf) or patch_of(fib) is None:
                    continue
                got = changed_space(small, scen, node, vrf)
                assert _MAP not in fib.__dict__, (combo, node)
                assert got == _full_changed(small, scen, node, vrf), (combo, node, vrf)
                seen += 1
    assert seen > 10


class _CountingActive(frozenset[tuple[str, str]]):
    iterations = 0

    def __iter__(self) -> Any:
        type(self).iterations += 1
        return super().__iter__()


def test_in_scope_reads_the_scenario_nodes_once(tiny: DataPlane) -> None:  # noqa: F811
    """Sources without an interface ask whether their node has an active interface: the set of
    such nodes is computed once per scenario, not scanned per class; answers as the scan did."""
    import dataclasses

    e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec.endswith("az1-core1"))
    dp = scenario_dataplane(tiny, union((e,)))
    counted = dataclasses.replace(dp, active_interfaces=_CountingActive(dp.active_interfaces))
    _CountingActive.iterations = 0
    asked = 0
    for pb in _tiny_pairs(tiny) * 3:  # (as many classes as a sweep asks about, again and again)
        for source, piece in pb.groups:
            want = (
                source.node not in dp.failures.nodes
                and (
                    (source.node, source.interface) in dp.active_interfaces
                    if source.interface is not None
                    else any(n == source.node for n, _ in dp.active_interfaces)
                )
                and not (
                    (owners := dp.ip_owners.get(_ip(piece[0]))) and not any(o in dp.active_interfaces for o in owners)
                )
            )
            assert _in_scope(source, piece[0], counted) == want
            asked += 1
    assert any(s.interface is None for pb in _tiny_pairs(tiny) for s, _ in pb.groups)
    assert asked > 2 and _CountingActive.iterations <= 1


def _ip(v: int) -> Any:
    from ipaddress import IPv4Address

    return IPv4Address(v)


def test_scenario_neighbours_are_read_off_the_base(tiny: DataPlane) -> None:  # noqa: F811
    """A scenario whose edges are base edge objects answers each interface's neighbours from the
    base's index without building its own table; another data plane's edges build their own."""
    from validator.checks.footprint import neighbours, scenario_neighbours
    from validator.engine.dataplane import compute_dataplane

    keys = sorted({(e.node1, e.interface1) for e in tiny.edges})
    derived = 0
    for e in enumerate_elements(tiny, ["link", "node"]):
        dp = scenario_dataplane(tiny, union((e,)))
        got = scenario_neighbours(tiny, dp)
        assert "_validator_neighbours" not in dp.__dict__
        want = neighbours(scenario_dataplane(tiny, union((e,))))
        assert all(got.get(k, frozenset()) == want.get(k, frozenset()) for k in keys), e.spec
        derived += 1
    other = compute_dataplane(tiny.snapshot, union((enumerate_elements(tiny, ["node"])[0],)))
    got = scenario_neighbours(tiny, other)
    assert got is neighbours(other)  # its own edges: its own table
    assert derived > 0


def test_identity_caches_on_the_base_pickle_empty(tiny: DataPlane) -> None:  # noqa: F811
    """The base's caches holding object identities (route networks, edge ids) never travel to another
    process with it (a Ray worker): there those identities would name other objects."""
    import pickle

    from validator.checks.footprint import scenario_neighbours

    e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec.endswith("az1-core1"))
    dp = scenario_dataplane(tiny, union((e,)))
    ScenarioPieces(tiny, dp)
    scenario_neighbours(tiny, dp)
    for name in ("_validator_route_networks", "_validator_edge_index"):
        assert tiny.__dict__[name], name
        assert not pickle.loads(pickle.dumps(tiny.__dict__[name])), name
