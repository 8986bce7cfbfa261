"""Sweeps re-trace only the scenario side of a changed class (``sweep.changed_classes``,
``explore.ScenarioPieces``): the class results equal the two-data-plane re-exploration they
replace, class by class (members, header classes, flows, traces in both data planes), and the
sweep's findings equal it too. On a generated 12-router network (every k=1 scenario, a sample of
k=2); ``tests/conformance/test_sweep_retrace_live.py`` does the same on Batfish's example.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterator, Sequence
from ipaddress import IPv4Network
from typing import Any

import pytest
from test_incremental_delta import _gen, _host_pairs

from validator.checks import donors
from validator.checks import sweep as sweep_mod
from validator.checks.explore import ClassResult, Explorer, ScenarioPieces, scenario_pieces
from validator.checks.fibmap import DstClassifier
from validator.checks.footprint import unchanged
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.sweep import (
    Element,
    PairBaseline,
    Sweeper,
    SweepStats,
    _in_scope,
    changed_classes,
    default_scenario_fn,
    enumerate_elements,
    judge_redundancy,
    pair_baseline,
    union,
)
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}


def reference_changed(
    pb: PairBaseline,
    base: DataPlane,
    scenario: DataPlane,
    stats: SweepStats,
    donors: Sequence[DataPlane] = (),
    settled: Sequence[Any] = (),
) -> Iterator[ClassResult]:
    """``changed_classes`` as it was: every changed class re-explored over both data planes (and
    traced in the scenario: no donors, no settled groups)."""
    for (source, piece), rs in pb.groups.items():
        if not _in_scope(source, piece[0], scenario):
            continue
        if unchanged(pb.footprints[(source, piece)], base, scenario):
            stats.reused += len(rs)
            continue
        exp = Explorer([base, scenario], pb.constraints)
        for r in exp.explore([source], Intervals.of(rs[0].members or (piece,))):
            stats.retraced += 1
            r.group = (source, piece)
            yield r


def _key(r: ClassResult) -> tuple[Any, ...]:
    return (r.source, r.dst, r.header, r.flow, r.members, r.group, r.traces)


def assert_same_classes(
    pairs: Sequence[PairBaseline], base: DataPlane, combos: Sequence[tuple[Element, ...]]
) -> tuple[int, int]:
    """Both ways give the same class results for every pair of every scenario (double failures
    with their single failures, when listed too, as trace donors); returns how many classes and
    how many traces were donated."""
    n = donated = 0
    singles: dict[Element, DataPlane] = {}
    for combo in sorted(combos, key=len):
        dp = scenario_dataplane(base, union(combo))
        if len(combo) == 1:
            singles[combo[0]] = dp
        donors = [singles[e] for e in combo if e in singles and len(combo) > 1]
        for pb in pairs:
            s_new, s_ref = SweepStats(), SweepStats()
            got = [_key(r) for r in changed_classes(pb, base, dp, s_new, donors)]
            # the reference traces on a fresh copy of the scenario (no traces cached by the above)
            fresh = scenario_dataplane(base, union(combo))
            want = [_key(r) for r in reference_changed(pb, base, fresh, s_ref)]
            assert got == want, f"{[e.spec for e in combo]} {pb.label}: class results differ"
            assert (s_new.reused, s_new.retraced) == (s_ref.reused, s_ref.retraced)
            n += len(got)
            donated += s_new.donated
    return n, donated


def sweep_findings(base: DataPlane, pairs: Sequence[PairBaseline], elements: list[Element], k: int) -> Any:
    sw = Sweeper(base, default_scenario_fn(None))
    found = sw.sweep(pairs, elements, k, judge_redundancy)
    return [(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, _key(v.result)) for v in found], sw.stats


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("tiny")
    summary = _gen().generate(str(out), **TINY)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _tiny_pairs(base: DataPlane) -> list[PairBaseline]:
    return _host_pairs(base, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))


def test_tiny_changed_classes_equal_two_plane_exploration(tiny: DataPlane) -> None:
    pairs = _tiny_pairs(tiny)
    elements = enumerate_elements(tiny, ["link", "node"])
    doubles = random.Random(3).sample(list(itertools.combinations(elements, 2)), 12)
    n, donated = assert_same_classes(pairs, tiny, [(e,) for e in elements] + doubles)
    assert n > 0 and donated > 0  # (else the comparison proves nothing)


def test_tiny_sweep_findings_equal(tiny: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _tiny_pairs(tiny)
    elements = enumerate_elements(tiny, ["link", "node"])
    got, st = sweep_findings(tiny, pairs, elements, 1)
    monkeypatch.setattr(sweep_mod, "changed_classes", reference_changed)
    want, st_ref = sweep_findings(tiny, pairs, elements, 1)
    assert got == want
    assert got  # the tiny network has single points of failure between its AZs' hosts
    assert (st.reused, st.retraced) == (st_ref.reused, st_ref.retraced)


def test_tiny_double_failure_sweep_findings_equal(tiny: DataPlane, monkeypatch: Any) -> None:
    """k=2: single failures lend their traces to the doubles; findings as without."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _tiny_pairs(tiny)
    elements = random.Random(5).sample(enumerate_elements(tiny, ["link", "node"]), 14)
    got, st = sweep_findings(tiny, pairs, elements, 2)
    monkeypatch.setattr(sweep_mod, "changed_classes", reference_changed)
    want, st_ref = sweep_findings(tiny, pairs, elements, 2)
    assert got == want
    assert st.reused == st_ref.reused and st.retraced < st_ref.retraced
    assert st.settled > 0 and st_ref.settled == 0  # groups a single failure settled are not traced
    assert st_ref.donated == 0
    assert "_validator_sub_scenarios" not in tiny.__dict__  # the sweep let its single failures go


def test_kept_single_failures_are_bounded_by_network_size(tiny: DataPlane, monkeypatch: Any) -> None:
    """A k >= 2 sweep keeps at most ``max_kept`` single failures (nodes x kept <= the budget)."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    monkeypatch.setattr(donors, "KEPT_NODE_BUDGET", 3 * len(tiny.snapshot.nodes))
    assert donors.max_kept(tiny) == 3
    kept: list[int] = []
    real = donors.sub_scenarios

    def spy(base: DataPlane, elements: Sequence[FailureSet], dp: DataPlane) -> list[DataPlane]:
        out = real(base, elements, dp)
        kept.append(len(base.__dict__.get("_validator_sub_scenarios", {})))
        return out

    monkeypatch.setattr(donors, "sub_scenarios", spy)
    elements = enumerate_elements(tiny, ["link", "node"])[:8]
    sweep_findings(tiny, _tiny_pairs(tiny), elements, 2)
    assert max(kept) == 3


def assert_donations_exact(base: DataPlane, combos: Sequence[tuple[Element, Element]]) -> tuple[int, int]:
    """Whenever ``TraceReuse`` accepts a single failure's traces for its double, tracing the double
    gives exactly them; returns (accepted, refused) over every flow the singles traced."""
    from validator.checks.footprint import TraceReuse
    from validator.engine.traceroute import trace

    pairs = _tiny_pairs(base) if "az1-core1" in base.snapshot.nodes else _live_pairs(base)
    accepted = refused = 0
    for a, b in combos:
        double = scenario_dataplane(base, union((a, b)))
        for e in (a, b):
            single = scenario_dataplane(base, union((e,)))
            for pb in pairs:
                list(changed_classes(pb, base, single, SweepStats()))  # fills the single's traces
            cached = single.__dict__.get("_validator_traces", {})
            check = TraceReuse(single, double)
            for flow, ts in cached.items():
                if check.same(flow.dst_ip, ts):
                    assert trace(double, flow) == ts, f"{a.spec} + {b.spec}: {flow} accepted but differs"
                    accepted += 1
                else:
                    refused += 1
    return accepted, refused


def _live_pairs(base: DataPlane) -> list[PairBaseline]:
    return _host_pairs(base, ("/^as1/", "/^as3/"), ("/host/",))


def test_trace_reuse_is_exact_on_tiny_doubles(tiny: DataPlane) -> None:
    elements = enumerate_elements(tiny, ["link", "node"])
    combos = random.Random(9).sample(list(itertools.combinations(elements, 2)), 30)
    accepted, refused = assert_donations_exact(tiny, combos)
    assert accepted > 0 and refused > 0


def test_trace_reuse_refuses_another_snapshot_and_a_changed_lookup(tiny: DataPlane) -> None:
    """The whole-data-plane inputs must be the same objects or equal; a FIB answer that changed
    at a hop (here: the failed node's own lookups) refuses the donor's trace."""
    from validator.checks.footprint import TraceReuse

    core = next(e for e in enumerate_elements(tiny, ["node"]) if e.spec.endswith("az1-core1"))
    down = scenario_dataplane(tiny, union((core,)))
    assert not TraceReuse(tiny, fast_dataplane(load_snapshot(str(_snapshot_dir(tiny))))).ok
    pb = _tiny_pairs(tiny)[0]
    through = [r for r in pb.results if any(h.node == "az1-core1" for t in r.traces[0] for h in t.hops)]
    assert through
    check = TraceReuse(tiny, down)
    assert check.ok and not any(check.same(r.flow.dst_ip, r.traces[0]) for r in through)


def _snapshot_dir(dp: DataPlane) -> Any:
    return dp.snapshot.source


def _two_plane_groups(
    base: DataPlane, scenario: DataPlane, members: Sequence[tuple[int, int]]
) -> list[tuple[tuple[int, int], ...]]:
    """How ``Explorer([base, scenario]).explore`` splits and groups a class's members."""
    from validator.checks.explore import forwarding_cuts

    classifier = DstClassifier([base, scenario])
    out: dict[Any, list[tuple[int, int]]] = {}
    for lo, hi in Intervals.of(members).split(forwarding_cuts([base, scenario])):
        out.setdefault(classifier.signature(lo, hi), []).append((lo, hi))
    return [tuple(g) for g in out.values()]


def test_scenario_pieces_equal_the_two_plane_split_on_every_single_failure(tiny: DataPlane) -> None:
    """Only the routes and FIBs a scenario changed cut and group (the rest are the base's, constant
    inside a class); equal to the two-data-plane split for every class of every single failure."""
    pairs = _tiny_pairs(tiny)
    split = 0
    for e in enumerate_elements(tiny, ["link", "node"]):
        dp = scenario_dataplane(tiny, union((e,)))
        pieces = ScenarioPieces(tiny, dp)
        assert len(pieces.parts) < len(DstClassifier([dp]).maps)  # the shared maps are skipped
        for pb in pairs:
            for (_source, piece), rs in pb.groups.items():
                members = rs[0].members or (piece,)
                want = _two_plane_groups(tiny, dp, members)
                assert pieces.groups(members) == want, e.spec
                split += len(want) > 1 or len(want[0]) != len(members)
    assert split == 0  # (tiny and live never split a class: the next test builds one that does)


class _Prefixes:
    def __init__(self, name: str, nodes: tuple[str, ...] = (), prefixes: tuple[IPv4Network, ...] = ()) -> None:
        self.name, self.nodes, self.interfaces, self.prefixes = name, nodes, (), prefixes


# r1's /24 and /25 forward alike (one class, two members); with r1-r2 down the /24 has no route
# and the /25 falls back to a floating Null0 route: the scenario groups the two members apart.
SPLIT = (
    "ip route 192.0.2.0 255.255.255.0 10.0.12.2\n"
    "ip route 192.0.2.0 255.255.255.128 10.0.12.2\n"
    "ip route 192.0.2.0 255.255.255.128 Null0 250\n"
    "ip route 198.51.100.0 255.255.255.0 10.0.12.2\n"
)


def test_a_class_the_scenario_splits_has_the_two_plane_groups_and_results() -> None:
    from test_incremental import link, triangle

    base = fast_dataplane(triangle(r1_extra=SPLIT))
    nets = (IPv4Network("192.0.2.0/24"), IPv4Network("198.51.100.0/24"))
    src, dst = _Prefixes("r1", nodes=("r1",)), _Prefixes("net", prefixes=nets)
    pb = pair_baseline(base, src, dst, HeaderConstraints(), assigned_only=False)
    halves, whole = ((0xC0000200, 0xC000027F), (0xC0000280, 0xC00002FF)), (0xC6336400, 0xC63364FF)
    members = (*halves, whole)
    assert [rs[0].members for rs in pb.groups.values()] == [members]  # one class: all alike in the base
    dp = scenario_dataplane(base, link(base, "r1", "GigabitEthernet0/0"))
    groups = ScenarioPieces(base, dp).groups(members)
    assert groups == _two_plane_groups(base, dp, members) == [(halves[0],), (halves[1], whole)]
    # a prefix no node had in the base cuts a member where the base had no boundary (failures
    # rarely create one; here r1's routes and FIB come from a config with an extra /26, the rest
    # of the data plane is the base's, as in a scenario that changed r1 only)
    other = fast_dataplane(triangle(r1_extra=SPLIT + "ip route 198.51.100.0 255.255.255.192 Null0\n"))
    fake = dataclasses.replace(
        base, ribs={**base.ribs, "r1": other.ribs["r1"]}, fibs={**base.fibs, "r1": other.fibs["r1"]}
    )
    want = [(*halves, (0xC6336440, 0xC63364FF)), ((0xC6336400, 0xC633643F),)]
    assert ScenarioPieces(base, fake).groups(members) == _two_plane_groups(base, fake, members) == want
    got = [_key(r) for r in changed_classes(pb, base, dp, SweepStats())]
    fresh = scenario_dataplane(base, link(base, "r1", "GigabitEthernet0/0"))
    assert got == [_key(r) for r in reference_changed(pb, base, fresh, SweepStats())]
    assert {r.traces[1][0].disposition for r in changed_classes(pb, base, dp, SweepStats())} >= {
        "NO_ROUTE",
        "NULL_ROUTED",
    }


def test_scenario_pieces_keep_member_boundaries_and_are_shared(tiny: DataPlane) -> None:
    """Adjacent members of one class stay apart even where the scenario has no cut between them
    (the base had one), and one split serves every pair and class of a scenario."""
    e = enumerate_elements(tiny, ["node"])[0]
    dp = scenario_dataplane(tiny, union((e,)))
    pieces = scenario_pieces(tiny, dp)
    assert scenario_pieces(tiny, dp) is pieces
    gap = next(c for c in range(1, 1 << 32) if c not in set(pieces.cuts))
    groups = ScenarioPieces(tiny, dp).groups(((gap - 1, gap - 1), (gap, gap)))
    assert [p for g in groups for p in g] == [(gap - 1, gap - 1), (gap, gap)]


def test_baseline_of_another_data_plane_is_explored_over_both(tiny: DataPlane) -> None:
    """A baseline explored on another data plane (not uniform in ``base``) is not re-split."""
    pairs = _tiny_pairs(tiny)
    e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec.endswith("core1"))
    dp = scenario_dataplane(tiny, union((e,)))
    other = fast_dataplane(tiny.snapshot)
    for pb in pairs:
        got = [_key(r) for r in changed_classes(pb, other, dp, SweepStats())]
        want = [_key(r) for r in reference_changed(pb, other, dp, SweepStats())]
        assert got == want


def test_shared_parts_shipped_one_by_one_keep_the_base_baselines(tiny: DataPlane, monkeypatch: Any) -> None:
    """Ray unpickles each shared part of a batch on its own: the pair baselines travel without the
    base (not a second copy of it) and are re-linked to the worker's base, so the scenario-side
    split still applies; the donor registry travels empty. Results equal the in-process batch."""
    import pickle

    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _tiny_pairs(tiny)
    assert all(pb.dp is tiny for pb in pairs)
    elements = enumerate_elements(tiny, ["link", "node"])[:6]
    batch = [((e,), list(range(len(pairs)))) for e in elements]
    captured: dict[str, Any] = {}

    class Capture:
        def distributes(self, items: int, *, min_parallel: int = 1) -> bool:
            return False

        def map_batches(self, fn: Any, shared: Any, items: Any, *, min_parallel: int = 1) -> Any:
            captured["shared"] = shared
            return iter(fn(shared, items))

    monkeypatch.setattr("validator.executors.current_executor", lambda: Capture())
    sw = Sweeper(tiny, default_scenario_fn(None))
    donors.start(tiny, keep=True)
    try:
        here = list(sw._run_batch(pairs, batch, judge_redundancy, "t", 0, len(batch)))
        shipped = captured["shared"]
        assert all(pb.dp is None for pb in shipped[2])  # no second copy of the base
        assert not pickle.loads(pickle.dumps(tiny.__dict__["_validator_sub_scenarios"]))
        parts = [pickle.loads(pickle.dumps(p)) for p in (shipped[2], shipped[3], shipped[4])]
        away = sweep_mod._evaluate_batch((tiny, shipped[1], *parts), batch)
    finally:
        donors.finish(tiny)
    assert [[(i, k, c) for i, k, _r, c in hits] for _combo, hits in here] == [
        [(i, k, c) for i, k, _r, c in hits] for hits, _stats in away
    ]
