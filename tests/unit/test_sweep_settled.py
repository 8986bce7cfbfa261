"""The second pass on a sweep's tracing side (benchmarks/README.md, "Tracing side, second pass"):

- a double failure skips the class groups one of its single failures *settled* (``donors.settle``:
  no class of the group was a violation there, and the double leaves the group's footprint there
  unchanged): checked group by group against re-exploring the group over both data planes;
- ``fibmap.changed_space`` between two scenarios (both FIBs patches of one base FIB, or one of
  them the base's) equals the comparison of their full interval maps;
- ``footprint.unchanged`` refuses a scenario whose undecided routes differ (a Routing step lists
  them, so the traces would differ with the same forwarding decisions);
- ``footprint.footprint`` with a hop memo equals it without.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Sequence
from ipaddress import IPv4Network
from typing import Any

import pytest
from test_incremental_delta import _gen, _host_pairs

from validator.checks import donors
from validator.checks import sweep as sweep_mod
from validator.checks.explore import Explorer
from validator.checks.fibmap import _full_map, changed_space, patch_of
from validator.checks.footprint import footprint, unchanged
from validator.checks.ipspace import MAX_IP, Intervals
from validator.checks.sweep import (
    PairBaseline,
    Sweeper,
    default_scenario_fn,
    enumerate_elements,
    judge_redundancy,
    union,
)
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.traceroute import Tracer
from validator.engine.types import DataPlane, Fib
from validator.model.dataplane import UndecidedRoutes
from validator.model.source import SourceRef
from validator.snapshot.folder import load_snapshot

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("tiny-settled")
    summary = _gen().generate(str(out), **TINY)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _pairs(base: DataPlane) -> list[PairBaseline]:
    return _host_pairs(base, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))


def test_every_settled_group_has_no_violating_class_in_the_double(tiny: DataPlane, monkeypatch: Any) -> None:
    """Each group a double failure skips as settled, re-explored over (base, double), has no class
    the judge calls a violation; and a sweep that settled nothing finds the same."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(tiny)
    elements = random.Random(5).sample(enumerate_elements(tiny, ["link", "node"]), 14)
    real = sweep_mod._settled
    checked: list[int] = []

    def spy(settled: Sequence[donors.Settled], group: donors.Group, scenario: DataPlane) -> bool:
        out = real(settled, group, scenario)
        if out:
            pb = next(p for p in pairs if group in p.groups)
            members = pb.groups[group][0].members or (group[1],)
            found = list(Explorer([tiny, scenario], pb.constraints).explore([group[0]], Intervals.of(members)))
            assert found and not any(judge_redundancy(pb, r) for r in found), group
            checked.append(len(found))
        return out

    monkeypatch.setattr(sweep_mod, "_settled", spy)
    got = Sweeper(tiny, default_scenario_fn(None)).sweep(pairs, elements, 2, judge_redundancy)
    assert len(checked) > 20  # (else the check proves little)
    monkeypatch.setattr(donors, "settled", lambda *a, **kw: [])
    sw = Sweeper(tiny, default_scenario_fn(None))
    want = sw.sweep(pairs, elements, 2, judge_redundancy)
    assert sw.stats.settled == 0
    key = [(v.pair.label, [e.spec for e in v.elements], v.kind, v.count, v.result.flow) for v in got]
    assert key == [(v.pair.label, [e.spec for e in v.elements], v.kind, v.count, v.result.flow) for v in want]


def test_a_group_with_a_violation_is_not_settled(tiny: DataPlane, monkeypatch: Any) -> None:
    """Only groups none of whose classes the judge called a violation are recorded, per judge."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(tiny)
    sw = Sweeper(tiny, default_scenario_fn(None))

    def always(pb: PairBaseline, r: Any) -> str:
        return "broken"  # every class a violation

    donors.start(tiny, keep=True)
    try:
        for e in enumerate_elements(tiny, ["link", "node"]):
            before = list(tiny.__dict__[donors._ATTR].values())
            sw.evaluate(pairs, (e,), range(len(pairs)), judge_redundancy)
            dp = next(d for d in tiny.__dict__[donors._ATTR].values() if not any(d is b for b in before))
            if donors.settled([dp], pairs[0].groups, judge_redundancy):
                break
        else:
            raise AssertionError("no single failure settled a group")
        assert not donors.settled([dp], pairs[0].groups, always)  # another judge's record is not this one
        donors.start(tiny, keep=True)
        sw.evaluate(pairs, (e,), range(len(pairs)), always)
        (dp2,) = tiny.__dict__[donors._ATTR].values()
        assert not donors.settled([dp2], pairs[0].groups, always)  # every group had a violation
    finally:
        donors.finish(tiny)


def _by_maps(fa: Fib | None, fb: Fib | None) -> Intervals:
    """Where two FIBs' full interval maps (built from their entries, no patch used) differ."""
    a = _full_map(fa) if fa is not None else ([0], [0])
    b = _full_map(fb) if fb is not None else ([0], [0])
    points = sorted(set(a[0]) | set(b[0]))
    spans = []
    for k, p in enumerate(points):
        ia = a[1][max(i for i, s in enumerate(a[0]) if s <= p)]
        ib = b[1][max(i for i, s in enumerate(b[0]) if s <= p)]
        if ia != ib:
            spans.append((p, points[k + 1] - 1 if k + 1 < len(points) else MAX_IP))
    return Intervals.of(spans)


def test_changed_space_between_scenarios_equals_the_full_maps(tiny: DataPlane) -> None:
    elements = enumerate_elements(tiny, ["link", "node"])
    combos = random.Random(1).sample(list(itertools.combinations(elements, 2)), 10)
    patched = nonempty = 0
    for a, b in combos:
        single = scenario_dataplane(tiny, union((a,)))
        double = scenario_dataplane(tiny, union((a, b)))
        for ref, dp in ((single, double), (double, single), (single, tiny), (tiny, single)):
            for node in sorted(set(ref.fibs) | set(dp.fibs)):
                for vrf in sorted(set(ref.fibs.get(node, {})) | set(dp.fibs.get(node, {}))):
                    fa, fb = ref.fibs.get(node, {}).get(vrf), dp.fibs.get(node, {}).get(vrf)
                    got = changed_space(ref, dp, node, vrf)
                    assert got == _by_maps(fa, fb), (a.spec, b.spec, node, vrf)
                    both = fa is not None and fb is not None and fa is not fb
                    patched += both and patch_of(fa) is not None and patch_of(fb) is not None  # type: ignore[arg-type]
                    nonempty += bool(got.spans)
    assert patched > 0 and nonempty > 0  # the two-patch path ran, and found differences


def test_unchanged_refuses_other_undecided_routes(tiny: DataPlane) -> None:
    """Same forwarding decisions, but the scenario's undecided routes cover the class's
    destination: its trace there is undecided, so the base's decided trace must not be kept."""
    pb = _pairs(tiny)[0]
    group, rs = next(iter(pb.groups.items()))
    fp = pb.footprints[group]
    far = next(
        e for e in enumerate_elements(tiny, ["link"]) if unchanged(fp, tiny, scenario_dataplane(tiny, e.failures))
    )
    dp = scenario_dataplane(tiny, far.failures)
    assert unchanged(fp, tiny, dp)
    r = rs[0]
    node = r.traces[0][0].hops[0].node  # any node: undecided routes count network-wide
    lo = r.members[0][0] if r.members else group[1][0]
    undecided = UndecidedRoutes({(node, IPv4Network((lo, 32))): (SourceRef("x.cfg", 1),)})
    marked = scenario_dataplane(tiny, far.failures)
    marked.undecided_routes = undecided
    assert not unchanged(fp, tiny, marked)
    assert any(t.undecided for t in Tracer(marked).trace(r.flow))  # what reusing would have hidden
    assert not any(t.undecided for t in r.traces[0])
    # equal undecided routes (content, not the object) are the same
    other = scenario_dataplane(tiny, far.failures)
    other.undecided_routes = UndecidedRoutes(dict(undecided.by_node))
    assert unchanged(fp, marked, other) == unchanged(fp, tiny, dp)


def test_footprint_with_a_hop_memo_equals_without(tiny: DataPlane) -> None:
    memo: dict[int, Any] = {}
    for pb in _pairs(tiny):
        for r in pb.results:
            a = footprint(r.traces[0], r.flow.dst_ip, r.members)
            b = footprint(r.traces[0], r.flow.dst_ip, r.members, memo)
            assert a == b
    assert memo


def test_changed_neighbourhoods_are_exactly_the_interfaces_whose_neighbours_differ(tiny: DataPlane) -> None:
    """``unchanged`` reads layer-3 neighbour differences off the edges both data planes do not
    share (by identity, then by value): exactly the interfaces whose neighbour sets differ."""
    from validator.checks.footprint import _changed_hoods, neighbours

    elements = enumerate_elements(tiny, ["link", "node"])
    combos = random.Random(2).sample(list(itertools.combinations(elements, 2)), 8)
    found = 0
    for a, b in combos:
        single = scenario_dataplane(tiny, union((a,)))
        double = scenario_dataplane(tiny, union((a, b)))
        copied = dataclasses.replace(single, edges=tuple(dataclasses.replace(e) for e in single.edges))
        for ref, dp in ((tiny, single), (single, double), (double, tiny), (single, copied), (copied, double)):
            n0, n1 = neighbours(ref), neighbours(dp)
            want = {k for k in set(n0) | set(n1) if n0.get(k, frozenset()) != n1.get(k, frozenset())}
            assert _changed_hoods(ref, dp) == want, (a.spec, b.spec)
            found += bool(want)
    assert found


def test_footprint_of_classes_equals_the_merged_footprints(tiny: DataPlane) -> None:
    """One pass over a group's classes gives the merge of their footprints (scenario classes
    split into several members each, and the base's)."""
    from validator.checks.footprint import footprint_of_classes, merge

    e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec.endswith("az1-core1"))
    dp = scenario_dataplane(tiny, union((e,)))
    groups = 0
    for pb in _pairs(tiny):
        by_group: dict[Any, list[Any]] = {}
        for r in sweep_mod.changed_classes(pb, tiny, dp, sweep_mod.SweepStats()):
            by_group.setdefault(r.group, []).append((r.traces[1], r.flow.dst_ip, r.members))
        for rs in [
            *by_group.values(),
            *([(r.traces[0], r.flow.dst_ip, r.members) for r in v] for v in pb.groups.values()),
        ]:
            want = merge(footprint(*c) for c in rs)
            assert footprint_of_classes(rs) == want
            assert footprint_of_classes(rs, {}) == want
            groups += 1
    assert groups
