"""Delta BGP leaves out pairs whose changed inputs provably keep their selections
(``incremental/_scenario_bgp.py`` narrowing, ``_narrow.lost_matters`` / ``_narrow.selected_via``):
a lost session whose routes a receiver never selected, a next hop that only got worse and that a
pair never selected. On the generated 42-router network each rule is what keeps some scenario
equal to the reference (breaking it on purpose gives a different data plane), and each saves
every evaluation of scenarios it applies to."""

from __future__ import annotations

from typing import Any

import pytest
from test_incremental import assert_same, link
from test_incremental_delta import SMALL, _gen

import validator.engine.incremental._scenario_bgp as sb
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import fast_dataplane, scenario_with_stats
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("small-narrow")
    summary = _gen().generate(str(out), **SMALL)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _node(name: str) -> FailureSet:
    return FailureSet(nodes=frozenset({name}))


def _same(base: DataPlane, fs: FailureSet) -> tuple[bool, Any]:
    got, stats = scenario_with_stats(base, fs)
    try:
        assert_same(got, compute_dataplane(base.snapshot, fs))
    except AssertionError:
        return False, stats
    return True, stats


def test_lost_sessions_whose_routes_were_never_selected_need_no_evaluation(small: DataPlane) -> None:
    # spine2's reflected copies lose every tie-break to spine1's at the leaves, and the cores'
    # copies from spine2 lose to their own: losing spine2 changes no selection
    same, stats = _same(small, _node("az1-p1-spine2"))
    assert same and stats is not None
    assert stats.bgp_narrowed > 0 and stats.bgp_evaluations == 0


def test_the_lost_session_rule_keeps_a_core_failure_right(small: DataPlane, monkeypatch: Any) -> None:
    # core1's sessions carried the selected (local-preference 200) routes: their receivers must be
    # replayed; declaring the lost routes irrelevant gives a wrong data plane
    same, stats = _same(small, _node("az1-core1"))
    assert same and stats is not None and stats.bgp == "delta"
    monkeypatch.setattr(sb, "lost_matters", lambda *a: False)
    assert not _same(small, _node("az1-core1"))[0]


def test_a_dearer_next_hop_never_selected_needs_no_evaluation(small: DataPlane) -> None:
    # a core2 spine link: core2's loopback gets dearer for some speakers, which never selected a
    # route through core2 (local preference 50)
    same, stats = _same(small, link(small, "az1-core2", "GigabitEthernet2/1"))
    assert same and stats is not None
    assert stats.bgp_narrowed > 0 and stats.bgp_evaluations == 0


def test_the_worse_next_hop_rule_keeps_a_core1_link_failure_right(small: DataPlane, monkeypatch: Any) -> None:
    fs = link(small, "az1-core1", "GigabitEthernet2/2")
    same, stats = _same(small, fs)
    assert same and stats is not None and stats.bgp_evaluations > 0
    monkeypatch.setattr(sb, "selected_via", lambda *a: False)
    assert not _same(small, fs)[0]


def test_a_read_check_refusal_replays_without_narrowing(small: DataPlane, monkeypatch: Any) -> None:
    """core2 down: the narrowed pairs' base reads include core2's loopback (a next hop only the lost
    sessions delivered), which the loopback block's BGP route now covers. With their reads
    replaced by what is still delivered, the check passes; keeping the base's reads makes it
    refuse, and the scenario is replayed in full instead (still equal, never the reference's
    from-scratch fallback)."""
    same, stats = _same(small, _node("az1-core2"))
    assert same and stats is not None and stats.bgp_narrowed > 0 and not stats.bgp_widened
    monkeypatch.setattr(sb, "_narrowed_reads", lambda *a: None)
    same, stats = _same(small, _node("az1-core2"))
    assert same and stats is not None and stats.bgp_widened and stats.bgp == "delta"


def test_single_lookups_of_patched_fibs_equal_the_built_tables(small: DataPlane) -> None:
    """Every changed FIB of a core failure, probed at every RIB prefix's first and last address
    before it is built (``LazyFib._lookup_one``), answers as the built table does."""
    from ipaddress import IPv4Address

    from validator.engine.incremental._fib import LazyFib

    dp, _stats = scenario_with_stats(small, _node("az1-core1"))
    probed = 0
    for node, vrfs in dp.fibs.items():
        for vrf, fib in vrfs.items():
            if not isinstance(fib, LazyFib) or fib._ready or fib is small.fibs[node].get(vrf):
                continue
            ips = sorted(
                {IPv4Address(a) for r in dp.ribs[node][vrf] for a in (r.network.network_address, r.network[-1])}
            )
            one = [fib.lookup(ip) for ip in ips]
            assert not fib._ready
            fib._materialize()
            assert one == [fib.lookup(ip) for ip in ips], (node, vrf)
            probed += len(ips)
    assert probed > 1000


def test_main_routes_of_a_selection_are_shared_across_scenarios(small: DataPlane) -> None:
    """Delta BGP memoises a selection's main-RIB routes per pair (``_delta.Memo.main``): the same
    failure computed twice gives the very same BGP route objects, equal to the reference."""
    fs = link(small, "az1-core1", "GigabitEthernet2/2")
    one, _ = scenario_with_stats(small, fs)
    two, _ = scenario_with_stats(small, fs)
    assert_same(two, compute_dataplane(small.snapshot, fs))
    shared = 0
    for node, vrfs in one.ribs.items():
        for vrf, routes in vrfs.items():
            if routes is small.ribs[node].get(vrf):
                continue
            for a, b in zip(routes, two.ribs[node][vrf], strict=True):
                if a.protocol in ("bgp", "ibgp") and a not in small.ribs[node].get(vrf, []):
                    assert a is b
                    shared += 1
    assert shared > 0
