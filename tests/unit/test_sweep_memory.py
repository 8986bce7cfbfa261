"""What a sweep keeps for its whole run is compact (issue 15, "510 routers: memory and time"):
equal objects the base run records are one object, and the results stay the reference's."""

from __future__ import annotations

import random
from array import array
from ipaddress import IPv4Address
from typing import Any

from test_incremental import assert_same, link
from test_incremental_delta import _gen

from validator.engine.bgp import BgpRoute
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.fib import _ACTIONS, _action, build_fib
from validator.engine.incremental import base_state, fast_dataplane, scenario_dataplane
from validator.engine.incremental._fib import listing_keys, patched_listing
from validator.engine.rib import hop
from validator.engine.types import FailureSet
from validator.model.dataplane import FibAction, NextHop
from validator.snapshot.folder import load_snapshot

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}


def _tiny(tmp_path: Any) -> Any:
    return load_snapshot(_gen().generate(str(tmp_path), **TINY)["snapshot"])


def test_recorded_deliveries_keep_one_object_per_distinct_route(tmp_path: Any) -> None:
    """Every client of a route reflector imports its path as an equal route: the history (kept for
    the whole sweep) holds each distinct imported route once, and so do the final selections."""
    base = fast_dataplane(_tiny(tmp_path))
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    objs: dict[int, BgpRoute] = {}
    lists: dict[int, tuple[int, ...]] = {}
    refs = 0
    for per_in in st.bgp.history.inbox.values():
        for boxes in per_in.values():
            for entries in boxes.values():
                for _r, rec in entries:
                    lists[id(rec)] = tuple(map(id, rec))
                    for im in rec:
                        refs += 1
                        objs[id(im)] = im
    assert refs > len(objs)  # the network has reflected routes: equal deliveries to several clients
    assert len(objs) == len(set(objs.values()))
    assert len(lists) == len(set(lists.values()))  # equal delivered lists are one list too
    selected = {id(v[0]): v[0] for per in st.bgp.state.ribs.values() for v in per.values()}
    assert set(selected) <= set(objs) | {id(r) for r in selected.values() if r.protocol not in ("bgp", "ibgp")}


def test_interface_actions_are_shared_and_equal(tmp_path: Any) -> None:
    """A FIB's connected and IGP routes out of one interface share one action object (there are
    few distinct actions per network), equal to the one each route would get on its own."""
    base = fast_dataplane(_tiny(tmp_path))
    st = base_state(base)
    assert st is not None
    objs: dict[int, FibAction] = {}
    n = 0
    for vrfs in st.igp.values():
        for rib in vrfs.values():
            for e in build_fib(rib).entries():
                n += 1
                objs[id(e.action)] = e.action
                assert e.action == FibAction(e.action.interface, e.action.arp_ip, e.action.null_route)
    assert n > 2 * len(objs)
    assert len(objs) == len(set(objs.values()))
    a = _action("Ethernet1", None)
    assert _action("Ethernet1", None) is a and a == FibAction("Ethernet1", None)
    _ACTIONS.clear()
    assert _action("Ethernet1", None) == a  # a cleared table still gives equal actions


def test_scenarios_from_the_compact_base_equal_the_reference(tmp_path: Any) -> None:
    """The interned routes and actions change no result: a sample of link and node failures of the
    tiny network, from the incremental base, against the reference engine from scratch."""
    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    assert_same(base, compute_dataplane_python(snap))
    links = [link(base, e.node1, e.interface1) for e in base.edges if e.node1 < e.node2]
    nodes = [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes)]
    for fs in random.Random(3).sample(links, 6) + random.Random(3).sample(nodes, 3):
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))


def test_listing_keys_are_one_word_per_route_and_patch_like_a_rebuild(tmp_path: Any) -> None:
    """The per-(node, VRF) sort keys a sweep keeps are packed integers in the listing's order, and
    a listing patched with them equals the scenario RIB's own listing."""
    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None
    for fs in [link(base, e.node1, e.interface1) for e in base.edges if e.node1 < e.node2][:4]:
        scenario_dataplane(base, fs)
    assert st.listing_keys
    for (n, v), keys in st.listing_keys.items():
        assert isinstance(keys, array) and keys.itemsize == 8
        assert list(keys) == sorted(keys) and len(keys) == len(base.ribs[n][v])
    for (n, v), rib in ((k, st.merged[k[0]][k[1]]) for k in st.listing_keys):
        nets = list(rib.by_prefix)[:3]
        assert patched_listing(base.ribs[n][v], listing_keys(base.ribs[n][v]), rib, nets) == rib.routes()


def test_route_next_hops_are_shared_and_equal(tmp_path: Any) -> None:
    """OSPF and BGP main-RIB routes of one node through one neighbour share their next hop object."""
    base = fast_dataplane(_tiny(tmp_path))
    hops: dict[int, NextHop] = {}
    n = 0
    for vrfs in base.ribs.values():
        for routes in vrfs.values():
            for r in routes:
                if r.protocol in ("ospf", "ibgp", "bgp"):
                    n += 1
                    hops[id(r.next_hop)] = r.next_hop
    assert n > 2 * len(hops) and len(hops) == len(set(hops.values()))
    assert hop("ip", None, IPv4Address("10.0.0.1")) is hop("ip", None, IPv4Address("10.0.0.1"))
    assert hop("interface", "e0", None) == NextHop("interface", "e0")


def test_main_fibs_share_the_igp_fibs_entries_and_equal_a_plain_build(tmp_path: Any) -> None:
    """The base's main FIBs take the IGP FIBs' entry objects for the IGP routes both RIBs hold,
    and each equals ``build_fib`` of its RIB without a donor, entry for entry."""
    base = fast_dataplane(_tiny(tmp_path))
    st = base_state(base)
    assert st is not None
    shared = 0
    for n, vrfs in st.merged.items():
        for v, rib in vrfs.items():
            fib = st.fibs[n][v]
            plain = build_fib(rib)
            assert fib.entries() == plain.entries(), (n, v)
            igp_fib = st.igp_fibs[n].get(v)
            if igp_fib is not None and getattr(igp_fib, "_ready", True):
                ids = {id(e) for e in igp_fib.entries()}
                shared += sum(1 for e in fib.entries() if id(e) in ids)
    assert shared > 100


def test_memo_keeps_one_object_per_distinct_delivered_route(tmp_path: Any) -> None:
    """What delta BGP memoises across a sweep's scenarios (what an edge delivers for a best path)
    holds each distinct imported route once; the scenarios still equal the reference."""
    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    cores = [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes) if "core" in n or "spine" in n]
    for fs in cores:
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))
    memo = st.bgp.history.__dict__["_memo"]
    objs = {id(im): im for _best, rec in memo.received.values() for im in rec}
    refs = sum(len(rec) for _best, rec in memo.received.values())
    assert refs > len(objs) and len(objs) == len(set(objs.values()))


def test_adding_to_a_main_fib_leaves_the_igp_fib_alone(tmp_path: Any) -> None:
    """Main FIBs hold the IGP FIBs' entry lists themselves: an entry added to a main FIB is
    copied on write, so the IGP FIB (a scenario's starting point) does not change."""
    base = fast_dataplane(_tiny(tmp_path))
    st = base_state(base)
    assert st is not None
    for n, vrfs in st.igp_fibs.items():
        for v, igp_fib in vrfs.items():
            if not getattr(igp_fib, "_ready", True) or not igp_fib.entries():
                continue
            main = st.fibs[n][v]
            e = igp_fib.entries()[0]
            net = e.route.network
            before = list(igp_fib.entries())
            main.add(net.prefixlen, int(net.network_address), e)
            assert igp_fib.entries() == before
            return
    raise AssertionError("no built IGP FIB")


def test_scenario_data_planes_are_freed_without_the_cyclic_collector() -> None:
    """A sweep's caches on a scenario (its FIB differences, its pieces) used to point back at the
    scenario, so every computed data plane (FIBs, RIBs, traces) was cyclic garbage: at 510 routers
    a third of the sweep went to full collections, or, with the command's higher thresholds, the
    garbage piled up (peak RSS 2.5 -> 4.2 GB). Reference counting alone must free them."""
    import gc
    import weakref

    from test_sweep_equivalence import SUBIF, _pairs

    from validator.checks.sweep import Sweeper, default_scenario_fn, enumerate_elements, judge_redundancy

    base = fast_dataplane(load_snapshot(str(SUBIF)))
    inner = default_scenario_fn(None)
    made: list[weakref.ref[Any]] = []

    def fn(b: Any, failures: FailureSet) -> Any:
        dp = inner(b, failures)
        made.append(weakref.ref(dp))
        return dp

    elements = enumerate_elements(base, ["link", "interface", "node"])
    pairs = _pairs(base)
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        sw = Sweeper(base, fn, prune=False)
        found = sw.sweep(pairs, elements, 2, judge_redundancy)
        assert found and sw.stats.dataplanes > 10  # single failures were kept (donors) for the doubles
        del sw, found
        from validator.engine import traceroute

        traceroute._TRACERS.clear()  # the bounded tracer cache keeps the last few alive by design
        assert len(made) > 10
        alive = [r() for r in made if r() is not None]
        assert not alive, f"{len(alive)} of {len(made)} scenario data planes need the cyclic collector"
    finally:
        if was:
            gc.enable()


def test_a_scenario_with_the_sweeps_caches_pickles_without_them() -> None:
    """The caches a sweep keeps on a scenario hold it weakly (no cycle) and hold identities: they
    pickle empty, so a data plane shipped to a worker carries neither (it used to carry its pieces,
    and with them the base)."""
    import pickle

    from test_sweep_equivalence import SUBIF

    from validator.checks.explore import scenario_pieces
    from validator.checks.footprint import _fib_diff, trace_donors

    base = fast_dataplane(load_snapshot(str(SUBIF)))
    v100, v200 = ("r1", "GigabitEthernet0/1.100"), ("r1", "GigabitEthernet0/1.200")
    single = scenario_dataplane(base, FailureSet(interfaces=frozenset({v100})))
    scen = scenario_dataplane(base, FailureSet(interfaces=frozenset({v100, v200})))
    pieces = scenario_pieces(base, scen)
    assert pieces.scenario is scen and scenario_pieces(base, scen) is pieces
    trace_donors(scen, [single])
    _fib_diff(base, scen)
    back = pickle.loads(pickle.dumps(scen))
    assert back.fibs.keys() == scen.fibs.keys() and back.failures == scen.failures
    for name in ("_validator_scenario_pieces", "_validator_trace_donors", "_validator_fib_diffs"):
        assert not back.__dict__.get(name), name
    assert scenario_pieces(base, back).scenario is back


def test_a_judged_scenario_is_freed_before_the_next_one_is_computed() -> None:
    """The tracer cache (``traceroute._TRACERS``) held the last four traced data planes: at 510
    routers four whole scenarios (RIBs, FIBs, interval maps, pieces) stayed alive while the next
    one was computed, a core-node scenario's included. A k=1 sweep releases them: when a scenario
    is computed no earlier one is alive, and none outlives the sweep (reference counting alone)."""
    import gc
    import weakref

    from test_sweep_equivalence import SUBIF, _pairs

    from validator.checks.sweep import Sweeper, default_scenario_fn, enumerate_elements, judge_redundancy
    from validator.engine import traceroute

    base = fast_dataplane(load_snapshot(str(SUBIF)))
    other = fast_dataplane(load_snapshot(str(SUBIF)))  # another snapshot (a check's base revision)
    kept = traceroute.tracer_for(other)
    inner = default_scenario_fn(None)
    made: list[weakref.ref[Any]] = []
    alive_at_start: list[int] = []

    def fn(b: Any, failures: FailureSet) -> Any:
        alive_at_start.append(sum(1 for r in made if r() is not None))
        dp = inner(b, failures)
        made.append(weakref.ref(dp))
        return dp

    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        sw = Sweeper(base, fn, prune=False)
        sw.sweep(_pairs(base), enumerate_elements(base, ["link", "interface", "node"]), 1, judge_redundancy)
        assert sw.stats.dataplanes > 5 and len(made) == sw.stats.dataplanes
        assert not any(alive_at_start), alive_at_start
        assert not [r for r in made if r() is not None]
        assert traceroute.tracer_for(other) is kept  # other snapshots' tracers stay cached
    finally:
        if was:
            gc.enable()


def test_scenario_pieces_keep_the_base_networks_not_every_route_identity(tmp_path: Any) -> None:
    """``ScenarioPieces`` skips the routes whose network object is one of the base's (their bounds
    are base cuts): the base keeps one entry per distinct network for the sweep, where a frozenset
    of every base route's identity per node was 112 MB at 510 routers. The cuts equal those of
    every scenario route the base lacks a cut for."""
    from validator.checks.explore import ScenarioPieces, forwarding_cuts
    from validator.checks.sweep import enumerate_elements, union

    base = fast_dataplane(_tiny(tmp_path))
    routes = [r for vrfs in base.ribs.values() for rs in vrfs.values() for r in rs]
    base_cuts = forwarding_cuts([base])
    for e in enumerate_elements(base, ["link", "node"]):
        dp = scenario_dataplane(base, union((e,)))
        pieces = ScenarioPieces(base, dp)
        want = {
            c
            for vrfs in dp.ribs.values()
            for rs in vrfs.values()
            for r in rs
            for c in (int(r.network.network_address), int(r.network.broadcast_address) + 1)
            if c not in base_cuts
        }
        assert set(pieces.cuts) == want, e.spec
    held = base.__dict__["_validator_route_networks"]
    assert "_validator_route_ids" not in base.__dict__
    assert 0 < len(held["nets"]) <= len({r.network for r in routes}) < len(routes) // 4


def test_delta_memo_stays_within_its_bounds_inside_one_scenario(tmp_path: Any, monkeypatch: Any) -> None:
    """Delta BGP's sweep-wide memo was bounded only between scenarios: one core-node scenario at
    510 routers added ~800,000 deliveries (~350 MB at the sweep's peak; later scenarios hit ~5 %
    of them). It is bounded at every insertion now, and a memo cleared mid-scenario changes no
    result (only speed depends on it)."""
    from validator.engine.incremental._delta import Memo

    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    monkeypatch.setattr(Memo, "RECEIVED_LIMIT", 40)
    monkeypatch.setattr(Memo, "MAIN_LIMIT", 15)
    cores = [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes) if "core" in n or "spine" in n]
    sizes: list[tuple[int, int]] = []
    for fs in cores:
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))
        memo = st.bgp.history.__dict__["_memo"]
        sizes.append((len(memo.received), len(memo.main)))
        assert len(memo.received) <= 40 and len(memo.main) <= 15, sizes
        assert len(memo.routes) <= sum(len(rec) for _b, rec in memo.received.values())
    assert max(sizes) > (0, 0)


def test_prefix_keys_are_one_object_per_distinct_prefix(tmp_path: Any) -> None:
    """The BGP prefix keys a sweep keeps per speaker (``ReadCheck._pk``: every speaker holds
    nearly every BGP prefix) share one key object per distinct prefix; scenarios stay equal."""
    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None
    for fs in [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes) if "core" in n or "spine" in n]:
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))
    objs: dict[tuple[int, int], set[int]] = {}
    entries = 0
    for keys in st.prefix_keys.values():
        for key in keys:
            entries += 1
            objs.setdefault(key, set()).add(id(key))
    assert entries > 2 * len(objs) > 0
    assert all(len(ids) == 1 for ids in objs.values())


def test_compact_history_shares_its_round_sequences(tmp_path: Any) -> None:
    """Delta BGP's ``Compact`` keeps, per (speaker, prefix), the rounds the base run evaluated it
    in: a handful of distinct sequences for every pair, one tuple each (not a list per pair);
    the rounds are the history's own and scenarios stay equal."""
    from validator.engine.incremental._delta import compact

    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    hist = st.bgp.history
    evals = hist.evals
    c = compact(hist)
    assert c.rounds and len({id(v) for v in c.rounds.values()}) == len(set(c.rounds.values())) < len(c.rounds)
    assert all(isinstance(v, tuple) for v in c.rounds.values())
    want: dict[int, list[int]] = {}
    for r, ev in enumerate(evals, 1):
        for k, ps in ev.items():
            for p in ps:
                want.setdefault(c.pair(k, p), []).append(r)
    assert {x: list(v) for x, v in c.rounds.items()} == want
    for fs in [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes) if "spine" in n][:2]:
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))


def test_the_history_drops_what_its_compact_duplicates(tmp_path: Any) -> None:
    """Once delta BGP's ``Compact`` exists, the history's own per-round ``evals`` / ``changers``
    and its outer ``values`` / ``inbox`` dicts are duplicates (~60 MB for a 510-router sweep):
    they are dropped, a read fails loudly, and the compact still holds every recorded entry
    (the same objects); scenarios stay equal to the reference."""
    import pytest

    from validator.engine.incremental._delta import compact

    snap = _tiny(tmp_path)
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    hist = st.bgp.history
    entries = {id(ent) for per in hist.values.values() for ent in per.values()}
    boxes = {id(box) for per in hist.inbox.values() for box in per.values()}
    n_changers = sum(len(ch) for ch in hist.changers)
    c = compact(hist)
    for name in ("values", "inbox", "evals", "changers"):
        assert name not in hist.__dict__, name
        with pytest.raises(AttributeError):
            getattr(hist, name)
    assert {id(e) for e in c.values.values()} == entries
    assert {id(b) for b in c.inbox.values()} == boxes
    assert sum(len(ch) for ch in c.changers) == n_changers
    assert compact(hist) is c
    for fs in [FailureSet(nodes=frozenset({n})) for n in sorted(snap.nodes) if "core" in n or "spine" in n]:
        assert_same(scenario_dataplane(base, fs), compute_dataplane_python(snap, fs))
