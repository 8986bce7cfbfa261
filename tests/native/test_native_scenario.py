"""Failure scenarios on the native core (engine/native_scenario.py) equal the reference engine.

Every k=1 link and node scenario of the generated tiny network and of a BGP-sessions fixture is
compared with ``compute_dataplane_python`` (RIBs, FIBs, sessions, convergence); a sweep's findings
equal the Python incremental path's; the FIBs shared with the base are exactly the equal ones; an
unsupported snapshot falls back to Python.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from native_helpers import FIXTURES, REFERENCE, first_difference, generated, require_core

from validator.checks import sweep
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import Sweeper, enumerate_elements, judge_redundancy, pair_baseline
from validator.engine import native_scenario
from validator.engine.dataplane import compute_dataplane, compute_dataplane_python
from validator.engine.incremental import scenario_dataplane
from validator.engine.native import compute_native, native_tables
from validator.engine.native_scenario import native_scenario_dataplane, native_state
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.dataplane import FibEntry
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot

pytestmark = pytest.mark.usefixtures("core")

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}  # 12 routers, iBGP + eBGP
BGP_SESSIONS = FIXTURES / "native" / "bgp-sessions"
LIVE = REFERENCE / "batfish-example" / "live"


@pytest.fixture(scope="module")
def core() -> object:
    return require_core()


@pytest.fixture(autouse=True)
def _auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "auto")


@dataclass(frozen=True)
class _Zone:
    name: str
    nodes: tuple[str, ...] = ()
    interfaces: tuple[object, ...] = ()
    prefixes: tuple[object, ...] = ()


def _host_pairs(base: DataPlane) -> list[sweep.PairBaseline]:
    """AZ1 hosts <-> AZ2 hosts, both ways."""
    a, b = _Zone("a", nodes=("/^az1-.*-host$/",)), _Zone("b", nodes=("/^az2-.*-host$/",))
    hc = HeaderConstraints()
    return [pair_baseline(base, a, b, hc), pair_baseline(base, b, a, hc)]


_REFS: dict[tuple[int, FailureSet], DataPlane] = {}


def _reference(snapshot: Snapshot, failures: FailureSet) -> DataPlane:
    """compute_dataplane_python, once per (snapshot, failures) for the module (the slow part)."""
    key = (id(snapshot), failures)
    hit = _REFS.get(key)
    if hit is None:
        hit = _REFS[key] = compute_dataplane_python(snapshot, failures)
    return hit


def _content(fib: Fib) -> dict[tuple[int, int], list[FibEntry]]:
    fib.entries()  # builds a lazy FIB's tables
    return {(plen, net): es for plen in fib._lens for net, es in fib._by_len[plen].items() if es}


def _assert_scenarios_equal(base: DataPlane) -> int:
    """Every k=1 link and node scenario: native scenario == reference; returns how many were native."""
    st = native_state(base)
    assert st is not None, "this snapshot must take the native scenario path"
    before = st.computed
    for element in enumerate_elements(base, ["link", "node"]):
        failures = element.failures
        scenario = native_scenario_dataplane(base, failures)
        ref = _reference(base.snapshot, failures)
        diff = first_difference(ref, scenario)
        assert diff is None, f"{element.spec}: {diff}"
        assert scenario.ip_owners == ref.ip_owners and scenario.failures == failures
    return st.computed - before


def test_tiny_every_k1_scenario_equals_reference() -> None:
    base = compute_dataplane(generated(**TINY))
    assert _assert_scenarios_equal(base) > 0


def test_bgp_sessions_fixture_every_k1_scenario_equals_reference() -> None:
    base = compute_dataplane(load_snapshot(BGP_SESSIONS))
    assert _assert_scenarios_equal(base) > 0


def test_python_base_gives_the_same_scenarios() -> None:
    # a base computed by Python (no core tables to share): the base is computed again natively
    snapshot = generated(**TINY)
    base = compute_dataplane_python(snapshot)
    assert _assert_scenarios_equal(base) > 0


def test_shared_fibs_are_exactly_the_unchanged_ones() -> None:
    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    ref_base = _reference(snapshot, FailureSet())
    shared_some = changed_some = False
    for element in enumerate_elements(base, ["link", "node"]):
        scenario = native_scenario_dataplane(base, element.failures)
        ref = _reference(snapshot, element.failures)
        for node, vrfs in scenario.fibs.items():
            for vrf, fib in vrfs.items():
                equal = _content(ref.fibs[node][vrf]) == _content(ref_base.fibs[node][vrf])
                same_order = ref.fibs[node][vrf].entries() == ref_base.fibs[node][vrf].entries()
                if fib is base.fibs[node][vrf]:
                    shared_some = True
                    assert equal, f"{element.spec}: {node}/{vrf} shares the base's FIB but it changed"
                else:
                    changed_some = True
                    # an unshared FIB is one whose rows really differ (the diff is exact)
                    assert not (equal and same_order), f"{element.spec}: {node}/{vrf} equal to the base's, not shared"
            for vrf, routes in scenario.ribs[node].items():
                if routes is base.ribs[node][vrf]:
                    assert ref.ribs[node][vrf] == ref_base.ribs[node][vrf]
    assert shared_some and changed_some


def test_unchanged_fib_answers_nothing_changed_by_identity() -> None:
    from validator.checks.fibmap import changed_space

    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    host = next(n for n in sorted(snapshot.nodes) if snapshot.nodes[n].vendor == "host")
    link = next(e for e in enumerate_elements(base, ["link"]) if any(n == host for n, _ in e.failures.interfaces))
    scenario = native_scenario_dataplane(base, link.failures)
    far = next(n for n in sorted(snapshot.nodes) if scenario.fibs[n]["default"] is base.fibs[n]["default"])
    assert not changed_space(base, scenario, far)


def test_patched_interval_maps_equal_full_maps() -> None:
    # a changed FIB's interval map is patched from the base's inside the core's changed prefixes:
    # it must equal the map built from scratch (a missed changed prefix would keep a base answer)
    from validator.checks.fibmap import _full_map, changed_space, map_of_fib

    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    ref_base = _reference(snapshot, FailureSet())
    patched = 0
    for element in enumerate_elements(base, ["link", "node"]):
        scenario = native_scenario_dataplane(base, element.failures)
        ref = _reference(snapshot, element.failures)
        for node, vrfs in scenario.fibs.items():
            for vrf, fib in vrfs.items():
                if isinstance(fib, native_scenario.PatchedFib):
                    patch = fib.patched_from()
                    assert patch is not None and patch[0] is base.fibs[node][vrf]
                    patched += 1
                assert map_of_fib(fib) == _full_map(ref.fibs[node][vrf]), (element.spec, node, vrf)
                want = _full_map(ref.fibs[node][vrf]) != _full_map(ref_base.fibs[node][vrf])
                assert bool(changed_space(base, scenario, node, vrf)) == want, (element.spec, node, vrf)
    assert patched


def test_route_prefixes_are_the_ribs_networks() -> None:
    # explore.py's destination cuts read them instead of the routes: they must be exactly the
    # networks of every RIB route, for the base and for scenarios (shared and own lists alike)
    from validator.engine.native import route_prefixes

    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    dps = [base] + [native_scenario_dataplane(base, e.failures) for e in enumerate_elements(base, ["node"])[:4]]
    for dp in dps:
        want = sorted(
            {
                (int(r.network.network_address), r.network.prefixlen)
                for vrfs in dp.ribs.values()
                for rs in vrfs.values()
                for r in rs
            }
        )
        assert route_prefixes(dp) == want
    assert route_prefixes(compute_dataplane_python(snapshot)) is None


def test_scenario_of_a_scenario_shares_only_its_own_equal_fibs() -> None:
    # what-if: a native scenario used as the base of further scenarios; its FIBs are partly its
    # own base's objects, so sharing must compare against the tables it was computed as
    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    nodes = enumerate_elements(base, ["node"])
    first = native_scenario_dataplane(base, nodes[0].failures)
    st = native_state(first)
    assert st is not None and st.base_tables is native_tables(first) is not native_tables(base)
    for element in nodes[1:] + enumerate_elements(base, ["link"])[:6]:
        failures = first.failures.union(element.failures)
        second = native_scenario_dataplane(first, failures)
        ref = _reference(snapshot, failures)
        assert first_difference(ref, second) is None, element.spec
        for node, vrfs in second.fibs.items():
            for vrf, fib in vrfs.items():
                if fib is first.fibs[node][vrf]:
                    assert _content(fib) == _content(ref.fibs[node][vrf]), (element.spec, node, vrf)


def test_native_mode_without_the_extension_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.errors import EngineError

    base = compute_dataplane_python(generated(**TINY))
    monkeypatch.setattr(native_scenario, "load_core", lambda: None)
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "native")
    with pytest.raises(EngineError, match="not built"):
        native_scenario_dataplane(base, enumerate_elements(base, ["node"])[0].failures)


def test_sweep_findings_equal_python_incremental() -> None:
    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    assert sweep.default_scenario_fn(None) is native_scenario_dataplane

    pairs = _host_pairs(base)
    elements = enumerate_elements(base, ["link", "node"])

    def keys(fn: sweep.ScenarioFn) -> set[tuple[object, ...]]:
        found = Sweeper(base, fn).sweep(pairs, elements, 1, judge_redundancy)
        return {(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in found}

    native = keys(native_scenario_dataplane)
    assert native == keys(scenario_dataplane)
    assert native  # the tiny network has single points of failure: the comparison is not vacuous


def test_state_is_rebuilt_after_pickling() -> None:
    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    assert native_state(base) is not None
    copy = pickle.loads(pickle.dumps(base))  # what a Ray worker receives
    st = native_state(copy)
    assert st is not None and st is not native_state(base)
    failures = enumerate_elements(base, ["node"])[0].failures
    ref = compute_dataplane_python(snapshot, failures)
    assert first_difference(ref, native_scenario_dataplane(copy, failures)) is None


def test_python_mode_and_unsupported_snapshots_take_the_python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = generated(**TINY)
    base = compute_dataplane_python(snapshot)
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "python")
    assert native_state(base) is None
    calls: list[FailureSet] = []
    real = native_scenario.scenario_dataplane
    monkeypatch.setattr(native_scenario, "scenario_dataplane", lambda b, f: calls.append(f) or real(b, f))
    failures = enumerate_elements(base, ["node"])[0].failures
    native_scenario_dataplane(base, failures)
    assert calls == [failures]
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "auto")
    assert native_state(base) is not None  # the decision follows the mode


@pytest.mark.skipif(not (LIVE / "configs").is_dir(), reason=f"Batfish's example is not at {LIVE}")
def test_unsupported_snapshot_falls_back_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = load_snapshot(LIVE)
    base = compute_dataplane(snapshot)
    assert native_state(base) is None  # live uses features the core does not port
    calls: list[FailureSet] = []
    real = native_scenario.scenario_dataplane
    monkeypatch.setattr(native_scenario, "scenario_dataplane", lambda b, f: calls.append(f) or real(b, f))
    element = enumerate_elements(base, ["link"])[0]
    scenario = native_scenario_dataplane(base, element.failures)
    assert calls == [element.failures]
    assert scenario.ribs == compute_dataplane_python(snapshot, element.failures).ribs


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_failure_sets_equal_reference(data: st.DataObject) -> None:
    snapshot = generated(**TINY)
    base = _tiny_base()
    elements = enumerate_elements(base, ["link", "node"])
    picked = data.draw(st.lists(st.sampled_from(elements), min_size=1, max_size=3, unique_by=lambda e: e.spec))
    failures = sweep.union(picked)
    scenario = native_scenario_dataplane(base, failures)
    ref = compute_dataplane_python(snapshot, failures)
    assert first_difference(ref, scenario) is None, [e.spec for e in picked]


_BASE: list[DataPlane] = []


def _tiny_base() -> DataPlane:
    if not _BASE:
        _BASE.append(compute_native(generated(**TINY), FailureSet()) or compute_dataplane(generated(**TINY)))
    return _BASE[0]


def test_auto_mode_takes_the_python_delta_once_its_state_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pruned sweep builds the Python incremental state of the base for its relevance closure;
    from then on ``auto`` computes scenarios with the Python delta (cheaper than a whole native BGP
    run, benchmarks/README.md), ``native`` mode still with the core. Equal to the reference both ways."""
    from validator.engine.incremental import base_state

    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    st = native_state(base)
    assert st is not None
    failures = enumerate_elements(base, ["link"])[0].failures
    ref = compute_dataplane_python(snapshot, failures)
    before = st.computed
    assert first_difference(ref, native_scenario_dataplane(base, failures)) is None
    assert st.computed == before + 1  # no Python state yet: the core computes it
    assert base_state(base) is not None  # what the relevance closure builds
    _assert_same_content(ref, native_scenario_dataplane(base, failures))
    assert st.computed == before + 1  # the Python delta did
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "native")
    assert first_difference(ref, native_scenario_dataplane(base, failures)) is None
    assert native_state(base) is not None and native_state(base).computed >= 1  # type: ignore[union-attr]


def test_a_pruned_auto_sweep_computes_its_scenarios_with_the_python_delta() -> None:
    snapshot = generated(**TINY)
    base = compute_dataplane(snapshot)
    st = native_state(base)
    assert st is not None
    elements = enumerate_elements(base, ["link", "node"])
    pairs = _host_pairs(base)
    sw = Sweeper(base, native_scenario_dataplane, prune=True)
    found = sw.sweep(pairs, elements, 1, judge_redundancy)
    assert sw.stats.dataplanes > 0 and st.computed == 0
    ref = Sweeper(base, sweep.from_scratch(compute_dataplane_python)).sweep(pairs, elements, 1, judge_redundancy)
    assert {(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count) for v in found} == {
        (v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count) for v in ref
    }


def _assert_same_content(ref: DataPlane, dp: DataPlane) -> None:
    """RIBs equal; FIBs equal entry for entry per prefix (the Python delta's patched FIBs list their
    prefixes in another order than ``first_difference`` walks)."""
    assert dp.ribs == ref.ribs
    assert dp.active_interfaces == ref.active_interfaces and dp.converged
    for node, vrfs in ref.fibs.items():
        assert set(dp.fibs[node]) == set(vrfs)
        for vrf, fib in vrfs.items():
            assert _content(dp.fibs[node][vrf]) == _content(fib), (node, vrf)
