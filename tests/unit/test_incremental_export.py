"""A route reflector exports one path to all its clients alike: ``PrefixBgp._export`` computes
``export_route`` once per export class of the sender's edges (``_bgp.export_class``: everything the
export reads but the receiver's router id) and path, and applies the originator check per edge.
Every edge and every path a base run selected gives exactly ``export_route``'s result, asked in an
order where each class's other edges answered first (the shared entry is what is compared)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_incremental_delta import SMALL, _gen

from validator.engine.bgp import export_route
from validator.engine.incremental import base_state, fast_dataplane
from validator.engine.incremental._bgp_memos import ExportMemo, export_class
from validator.snapshot.folder import load_snapshot

REGION = Path(__file__).resolve().parents[2] / "fixtures" / "region" / "base"


def _snapshots(tmp: Path) -> list[str]:
    return [_gen().generate(str(tmp), **SMALL)["snapshot"], str(REGION)]


@pytest.mark.parametrize("which", [0, 1], ids=["small", "region"])
def test_shared_exports_equal_export_route_on_every_edge(which: int, tmp_path: Path) -> None:
    snap = load_snapshot(_snapshots(tmp_path)[which])
    st = base_state(fast_dataplane(snap))
    assert st is not None
    eng = st.bgp.engine
    eng.export_memo = ExportMemo()
    paths = {}
    for per in st.bgp.state.ribs.values():
        for best, mp in per.values():
            for r in (best, *mp):
                paths[id(r)] = r
    by_class: dict[tuple[object, ...], list[int]] = {}
    for i, e in enumerate(eng.edges):
        by_class.setdefault(export_class(e), []).append(i)
    shared = checked = 0
    for idxs in by_class.values():
        for i in idxs:
            e = eng.edges[i]
            sp = eng.spk[(e.sender.node, e.sender.vrf)]
            for r in paths.values():
                got = eng._export(sp.node, sp.proc, e, r)
                assert got == export_route(sp.node, sp.proc, e, r), (e, r)
                checked += 1
                shared += len(idxs) > 1
    assert checked > 500 and (shared > 0 or which == 1)  # the region has no class of two edges


def test_each_field_of_the_export_class_keeps_edges_apart(tmp_path: Path) -> None:
    """One iBGP edge and variants of it differing in one field ``export_route`` reads each: asked
    after the original (whose entry is then in the memo), every variant still gets its own export,
    so dropping a field from ``export_class`` fails here."""
    from dataclasses import replace
    from ipaddress import IPv4Address, IPv4Network
    from types import SimpleNamespace
    from typing import Any

    from validator.engine.bgp import BgpRoute
    from validator.engine.incremental._bgp import PrefixBgp

    snap = load_snapshot(_snapshots(tmp_path)[0])
    st = base_state(fast_dataplane(snap))
    assert st is not None
    eng = st.bgp.engine
    e = next(
        x for x in eng.edges if x.ibgp and x.sender.node.endswith("core1") and x.sender.neighbor.route_reflector_client
    )
    sp = eng.spk[(e.sender.node, e.sender.vrf)]
    net = IPv4Network("198.51.100.0/24")
    learned = BgpRoute(net, "bgp", IPv4Address("192.0.2.1"), (65099,), communities=frozenset({7}))
    reflected = BgpRoute(net, "ibgp", IPv4Address("192.0.2.1"), (65099,), originator_id=IPv4Address("10.9.9.9"))
    s, nb = e.sender, e.sender.neighbor

    def end(**kw: Any) -> Any:
        return replace(e, sender=replace(s, **kw))

    def nbr(**kw: Any) -> Any:
        return end(neighbor=replace(nb, **kw))

    variants = {
        "next_hop_self": (nbr(next_hop_self=not nb.next_hop_self), learned),
        "send_community": (nbr(send_community=not nb.send_community), learned),
        "route_map_out": (nbr(route_map_out="NO-SUCH-MAP"), learned),
        "prefix_list_out": (nbr(prefix_list_out="NO-SUCH-LIST"), learned),
        "route_reflector_client": (nbr(route_reflector_client=False), reflected),
        "router_id": (end(router_id=IPv4Address("10.250.0.1")), learned),
        "local_ip": (end(local_ip=IPv4Address("10.250.0.2")), learned),
        "ibgp": (replace(e, ibgp=False), learned),
        "local_as": (replace(e, ibgp=False, sender=replace(s, local_as=64999)), learned),
    }
    for name, (v, path) in variants.items():
        me = SimpleNamespace(export_memo=ExportMemo())
        first = replace(e, ibgp=False) if name == "local_as" else e
        PrefixBgp._export(me, sp.node, sp.proc, first, path)  # type: ignore[arg-type]
        want = export_route(sp.node, sp.proc, v, path)
        assert want != export_route(sp.node, sp.proc, first, path), name  # the field matters here
        assert PrefixBgp._export(me, sp.node, sp.proc, v, path) == want, name  # type: ignore[arg-type]
