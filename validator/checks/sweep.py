"""Failure sweeps: ``redundancy``, ``reachability`` with ``max_failures``, ``blast_radius``, what-if.

Primary and backup must never fail together. A sweep enumerates every set of up to k failed
elements (links, nodes, interfaces, risk groups), smallest first, and reports only minimal failing
sets. It is incremental at two levels:

- data planes: each scenario's data plane comes from ``scenario_dataplane`` (the incremental
  engine when available), never by re-parsing the snapshot;
- flows: a flow whose no-failure traces depended on nothing the scenario changed (same FIB
  decisions, interfaces and adjacencies along its path, see :mod:`footprint`) keeps its traces;
  only the others are traced again, with header classes refined by the filters either run meets.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.checks.evidence import describe, trace_locations
from validator.checks.explore import ClassResult, Explorer
from validator.checks.footprint import Footprint, footprint, merge, unchanged
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.soundness import undecided_finding
from validator.checks.zones import Source, ZoneLike, zone_destination, zone_nodes, zone_sources
from validator.engine.types import DataPlane, FailureSet
from validator.model.verdict import Finding

MAX_FINDINGS_PER_POLICY = 25
Progress = Callable[[str, int, int], None]


# --- elements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One thing that can fail, with its failure spec (design.md §4) and what it takes down."""

    kind: str  # link, node, interface, risk_group
    spec: str
    failures: FailureSet
    specs: tuple[str, ...] = ()  # the failure specs it stands for, when ``spec`` is a label

    @property
    def fail_specs(self) -> tuple[str, ...]:
        return self.specs or (self.spec,)

    @property
    def nodes(self) -> frozenset[str]:
        return self.failures.nodes


def enumerate_elements(
    dp: DataPlane, kinds: Sequence[str], risk_groups: dict[str, list[str]] | None = None
) -> list[Element]:
    from validator.engine.failspec import parse_fail_spec

    out: list[Element] = []
    snap = dp.snapshot
    if "link" in kinds:
        seen: set[frozenset[tuple[str, str]]] = set()
        by_iface: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for e in dp.edges:
            by_iface.setdefault((e.node1, e.interface1), set()).add((e.node2, e.interface2))
        for end in sorted(by_iface):
            members = frozenset({end, *by_iface[end]})
            if members in seen:
                continue
            seen.add(members)
            out.append(Element("link", f"link:{end[0]}[{end[1]}]", FailureSet(interfaces=members)))
    if "node" in kinds:
        for name in sorted(snap.nodes):
            if snap.nodes[name].vendor == "host":
                continue  # hosts forward nothing; they only matter as endpoints
            out.append(Element("node", f"node:{name}", FailureSet(nodes=frozenset({name}))))
    if "interface" in kinds:
        for node, iface in sorted(dp.active_interfaces):
            intf = snap.nodes[node].interfaces[iface]
            if intf.kind == "loopback" or snap.nodes[node].vendor == "host":
                continue
            out.append(
                Element("interface", f"interface:{node}[{iface}]", FailureSet(interfaces=frozenset({(node, iface)})))
            )
    if "risk_group" in kinds and risk_groups:
        for name in sorted(risk_groups):
            fs = parse_fail_spec(f"group:{name}", snap, dp.edges, risk_groups)
            out.append(Element("risk_group", f"group:{name}", fs))
    return out


def union(elements: Sequence[Element]) -> FailureSet:
    fs = FailureSet()
    for e in elements:
        fs = fs.union(e.failures)
    return fs


# --- scenario data planes ------------------------------------------------------------------------


ScenarioFn = Callable[[DataPlane, FailureSet], DataPlane]


def from_scratch(compute: Callable[..., DataPlane]) -> ScenarioFn:
    """The reference method: recompute the whole data plane for the scenario."""

    def run(base: DataPlane, failures: FailureSet) -> DataPlane:
        return compute(base.snapshot, failures)

    return run


def default_scenario_fn(compute: Callable[..., DataPlane] | None, engine: str = "builtin") -> ScenarioFn:
    """The builtin engine recomputes incrementally from the no-failure data plane; other backends
    (Batfish forks a snapshot per scenario) recompute through their own ``dataplane``."""
    if engine == "builtin":
        try:
            from validator.engine.incremental import scenario_dataplane
        except ImportError:  # pragma: no cover - the incremental engine is optional
            pass
        else:
            return scenario_dataplane
    if compute is None:
        from validator.engine.dataplane import compute_dataplane

        compute = compute_dataplane
    return from_scratch(compute)


# --- per-pair baseline ---------------------------------------------------------------------------


@dataclass
class PairBaseline:
    """The no-failure classes of one zone pair, with their footprints."""

    label: str
    src: ZoneLike
    dst: ZoneLike
    constraints: HeaderConstraints
    sources: list[Source]
    space: Intervals
    endpoints: set[str]
    results: list[ClassResult]
    groups: dict[tuple[Source, tuple[int, int]], list[ClassResult]] = field(default_factory=dict)
    footprints: dict[tuple[Source, tuple[int, int]], Footprint] = field(default_factory=dict)


def pair_baseline(
    dp: DataPlane, src: ZoneLike, dst: ZoneLike, constraints: HeaderConstraints, *, assigned_only: bool = True
) -> PairBaseline:
    sources = zone_sources(dp, src)
    space = zone_destination(dp, dst, assigned_only=assigned_only)
    results = list(Explorer([dp], constraints).explore(sources, space))
    pb = PairBaseline(
        label=f"{src.name} -> {dst.name}",
        src=src,
        dst=dst,
        constraints=constraints,
        sources=sources,
        space=space,
        endpoints=zone_nodes(dp, src) | zone_nodes(dp, dst),
        results=results,
    )
    for r in results:
        pb.groups.setdefault((r.source, r.dst), []).append(r)
    for key, rs in pb.groups.items():
        pb.footprints[key] = merge(footprint(r.traces[0], r.flow.dst_ip, r.members) for r in rs)
    return pb


def _in_scope(source: Source, dst_lo: int, scenario: DataPlane) -> bool:
    """A flow whose own start or end point failed is out of the scenario's scope."""
    if source.node in scenario.failures.nodes:
        return False
    if source.interface is not None and (source.node, source.interface) not in scenario.active_interfaces:
        return False
    if source.interface is None and not any(n == source.node for n, _ in scenario.active_interfaces):
        return False
    owners = scenario.ip_owners.get(_ip(dst_lo))
    return not (owners and not any(o in scenario.active_interfaces for o in owners))


def _ip(value: int) -> Any:
    from ipaddress import IPv4Address

    return IPv4Address(value)


def changed_classes(pb: PairBaseline, base: DataPlane, scenario: DataPlane, stats: SweepStats) -> Iterator[ClassResult]:
    """Classes (traced in base and scenario) whose traces the scenario may change; in-scope only."""
    for (source, piece), rs in pb.groups.items():
        if not _in_scope(source, piece[0], scenario):
            continue
        if unchanged(pb.footprints[(source, piece)], base, scenario):
            stats.reused += len(rs)
            continue
        exp = Explorer([base, scenario], pb.constraints)
        members = rs[0].members or (piece,)
        for r in exp.explore([source], Intervals.of(members)):
            stats.retraced += 1
            r.group = (source, piece)
            yield r


@dataclass
class SweepStats:
    scenarios: int = 0
    dataplanes: int = 0
    reused: int = 0
    retraced: int = 0
    seconds: float = 0.0


@dataclass
class Violation:
    pair: PairBaseline
    elements: tuple[Element, ...]
    kind: str  # broken | opened | violated
    result: ClassResult
    count: int = 1


class Sweeper:
    """Evaluates failure scenarios against pair baselines, one data plane per scenario."""

    def __init__(self, base: DataPlane, scenario_fn: ScenarioFn, progress: Progress | None = None) -> None:
        self.base = base
        self.scenario_fn = scenario_fn
        self.progress = progress
        self.stats = SweepStats()

    def dataplane(self, failures: FailureSet) -> DataPlane:
        from validator.engine.convergence import require_converged

        self.stats.dataplanes += 1
        dp = self.scenario_fn(self.base, failures)
        require_converged(dp, "failure scenario data plane")  # an oscillating scenario proves nothing
        return dp

    def sweep(
        self,
        pairs: Sequence[PairBaseline],
        elements: Sequence[Element],
        max_failures: int,
        judge: Callable[[PairBaseline, ClassResult], str | None],
        label: str = "sweep",
    ) -> list[Violation]:
        """Every set of up to ``max_failures`` elements, smallest first; minimal failing sets only.

        Sets of one size never contain each other, so each size is one batch of independent
        scenarios: large batches are spread over the CPUs (forked workers), then merged in order.
        """
        start = time.monotonic()
        found: list[Violation] = []
        failing: dict[int, list[frozenset[str]]] = {i: [] for i in range(len(pairs))}
        max_failures = min(max_failures, len(elements))  # no set is larger than the elements
        total = sum(_n_choose(len(elements), k) for k in range(1, max_failures + 1))
        done = 0
        for k in range(1, max_failures + 1):
            batch: list[tuple[tuple[Element, ...], list[int]]] = []
            for combo in itertools.combinations(elements, k):
                self.stats.scenarios += 1
                specs = frozenset(e.spec for e in combo)
                candidates = [
                    i
                    for i, pb in enumerate(pairs)
                    if not any(n in pb.endpoints for e in combo if e.kind in ("node", "risk_group") for n in e.nodes)
                    and not any(prev <= specs for prev in failing[i])  # a failing subset: not minimal
                ]
                if candidates:
                    batch.append((combo, candidates))
                else:
                    done += 1
            for combo, hits in self._run_batch(pairs, batch, judge, label, done, total):
                for i, kind, r, count in hits:
                    failing[i].append(frozenset(e.spec for e in combo))
                    found.append(Violation(pairs[i], combo, kind, r, count))
            done += len(batch)
        self.stats.seconds += time.monotonic() - start
        return found

    def evaluate(
        self,
        pairs: Sequence[PairBaseline],
        combo: tuple[Element, ...],
        candidates: Sequence[int],
        judge: Callable[[PairBaseline, ClassResult], str | None],
    ) -> list[tuple[int, str, ClassResult, int]]:
        """One scenario: (pair index, kind, first violating class, count) per violated pair."""
        dp_s = self.dataplane(union(combo))
        hits: list[tuple[int, str, ClassResult, int]] = []
        for i in candidates:
            pb = pairs[i]
            first: tuple[str, ClassResult] | None = None
            count = 0
            for r in changed_classes(pb, self.base, dp_s, self.stats):
                kind = judge(pb, r)
                if kind is None:
                    continue
                count += 1
                if first is None:
                    first = (kind, r)
            if first is not None:
                hits.append((i, first[0], first[1], count))
        return hits

    def _run_batch(
        self,
        pairs: Sequence[PairBaseline],
        batch: list[tuple[tuple[Element, ...], list[int]]],
        judge: Callable[[PairBaseline, ClassResult], str | None],
        label: str,
        done: int,
        total: int,
    ) -> Iterator[tuple[tuple[Element, ...], list[tuple[int, str, ClassResult, int]]]]:
        workers = _workers(len(batch))
        if workers <= 1:
            for n, (combo, candidates) in enumerate(batch, 1):
                if self.progress is not None:
                    self.progress(label, done + n, total)
                yield combo, self.evaluate(pairs, combo, candidates, judge)
            return
        import multiprocessing

        try:  # build the incremental engine's reusable state once, before the workers fork
            from validator.engine.incremental import base_state

            base_state(self.base)
        except ImportError:  # pragma: no cover
            pass
        global _BATCH
        _BATCH = (self, pairs, batch, judge)
        try:
            ctx = multiprocessing.get_context("fork")
            chunk = max(1, len(batch) // (workers * 8))
            from validator.limits import worker_signals

            with ctx.Pool(workers, initializer=worker_signals) as pool:
                for n, (idx, hits, stats) in enumerate(
                    pool.imap(_evaluate_in_worker, range(len(batch)), chunksize=chunk), 1
                ):
                    self.stats.dataplanes += stats[0]
                    self.stats.reused += stats[1]
                    self.stats.retraced += stats[2]
                    if self.progress is not None:
                        self.progress(label, done + n, total)
                    yield batch[idx][0], hits
        finally:
            _BATCH = None


# --- parallel batches (fork: the workers inherit the base data plane and the baselines) ---------

PARALLEL_MIN_SCENARIOS = 24
_BATCH: Any = None


def _n_choose(n: int, k: int) -> int:
    import math

    return math.comb(n, k)


def _workers(scenarios: int) -> int:
    import multiprocessing
    import os

    if scenarios < PARALLEL_MIN_SCENARIOS or os.environ.get("VALIDATOR_WORKERS") == "1":
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    wanted = os.environ.get("VALIDATOR_WORKERS")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(int(wanted) if wanted and wanted.isdigit() else cpus, 8))


def _evaluate_in_worker(idx: int) -> tuple[int, list[tuple[int, str, ClassResult, int]], tuple[int, int, int]]:
    sweeper, pairs, batch, judge = _BATCH
    before = (sweeper.stats.dataplanes, sweeper.stats.reused, sweeper.stats.retraced)
    combo, candidates = batch[idx]
    hits = sweeper.evaluate(pairs, combo, candidates, judge)
    after = (sweeper.stats.dataplanes, sweeper.stats.reused, sweeper.stats.retraced)
    return idx, hits, (after[0] - before[0], after[1] - before[1], after[2] - before[2])


def judge_redundancy(pb: PairBaseline, r: ClassResult) -> str | None:
    if r.all_success(0) and not r.all_success(1):
        return "broken"
    if not r.any_success(0) and r.any_success(1):
        return "opened"
    return None


def judge_expect(expect: str) -> Callable[[PairBaseline, ClassResult], str | None]:
    def judge(pb: PairBaseline, r: ClassResult) -> str | None:
        ok_before = r.all_success(0) if expect == "allow" else not r.any_success(0)
        ok_after = r.all_success(1) if expect == "allow" else not r.any_success(1)
        return "violated" if ok_before and not ok_after else None

    return judge


def _undecided_only(v: Violation) -> bool:
    """The scenario's result is a violation only through undecided traces (soundness rule)."""
    r = v.result
    if not r.undecided(1):
        return False
    if v.kind == "broken":
        return not r.decided_failure(1)
    if v.kind == "opened":
        return not r.decided_success(1)
    return not r.decided_failure(1) and not r.decided_success(1)


def violation_finding(policy: str, check: str, v: Violation, dp: DataPlane) -> Finding:
    r = v.result
    specs = tuple(s for e in v.elements for s in e.fail_specs)
    what = {
        "broken": "is delivered with no failure but not with",
        "opened": "is denied with no failure but delivered with",
        "violated": "breaks the policy with",
    }[v.kind]
    if _undecided_only(v):
        return undecided_finding(
            policy=policy,
            check=check,
            dp=dp,
            refs=r.undecided(1),
            what=(
                f"{v.pair.label}: {r.flow} cannot be judged with {', '.join(specs)} down: {describe(r.traces[1])}"
                f" ({v.count} header class{'es' if v.count != 1 else ''})"
            ),
            failures=specs,
            flow={"from": r.source.label, **r.flow.to_json()},
            trace=r.traces[1],
            base_trace=r.traces[0],
            locations=trace_locations(dp, r.flow, r.traces[1]),
            extra={"kind": v.kind, "pair": v.pair.label, "classes": v.count},
        )
    return Finding(
        policy=policy,
        check=check,
        message=(
            f"{v.pair.label}: {r.flow} {what} {', '.join(specs)} down: {describe(r.traces[1])}"
            f" ({v.count} header class{'es' if v.count != 1 else ''})"
        ),
        failures=specs,
        flow={"from": r.source.label, **r.flow.to_json()},
        trace=tuple(t.to_json() for t in r.traces[1]),
        base_trace=tuple(t.to_json() for t in r.traces[0]),
        locations=tuple(trace_locations(dp, r.flow, r.traces[1])),
        extra={"kind": v.kind, "pair": v.pair.label, "classes": v.count},
    )


def _findings(policy: str, check: str, violations: Sequence[Violation], dp: DataPlane) -> list[Finding]:
    out = [violation_finding(policy, check, v, dp) for v in violations[:MAX_FINDINGS_PER_POLICY]]
    if len(violations) > MAX_FINDINGS_PER_POLICY:
        out.append(
            Finding(
                policy=policy,
                check=check,
                message=f"{len(violations) - MAX_FINDINGS_PER_POLICY} more minimal failing sets not shown",
            )
        )
    return out


# --- policy entry points (called from checks.runner) ---------------------------------------------


def _sweeper(ctx: Any) -> Sweeper:
    sw: Sweeper | None = getattr(ctx, "_sweeper", None)
    if sw is None:
        fn = ctx.scenario_fn or default_scenario_fn(ctx.compute, getattr(ctx, "engine", "builtin"))
        sw = Sweeper(ctx.head, fn, getattr(ctx, "progress", None))
        ctx._sweeper = sw
    return sw


def _baseline(
    ctx: Any, a: str, b: str, constraints: HeaderConstraints, *, assigned_only: bool = True
) -> PairBaseline:
    """Pair baselines are shared by every sweep of one run (redundancy, blast radius, ...)."""
    cache: dict[tuple[Any, ...], PairBaseline] | None = getattr(ctx, "_baselines", None)
    if cache is None:
        cache = {}
        ctx._baselines = cache
    key = (id(ctx.head), a, b, constraints, assigned_only)
    hit = cache.get(key)
    if hit is None:
        hit = pair_baseline(ctx.head, ctx.zone(a), ctx.zone(b), constraints, assigned_only=assigned_only)
        cache[key] = hit
    return hit


def undecided_baseline(policy: str, check: str, pb: PairBaseline, dp: DataPlane) -> list[Finding]:
    """Classes whose no-failure delivery is undecided: the sweep cannot judge them (it never
    counts them as delivered nor as denied), so the policy is undecided for them."""
    bad = [r for r in pb.results if r.undecided(0)]
    if not bad:
        return []
    refs = tuple(sorted({ref for r in bad for ref in r.undecided(0)}))
    r = bad[0]
    return [
        undecided_finding(
            policy=policy,
            check=check,
            dp=dp,
            refs=refs,
            what=(
                f"{pb.label}: {r.flow} with no failure: {describe(r.traces[0])}"
                f" ({len(bad)} header class{'es' if len(bad) != 1 else ''} cannot be judged under failures)"
            ),
            flow={"from": r.source.label, **r.flow.to_json()},
            trace=r.traces[0],
            extra={"pair": pb.label, "classes": len(bad)},
        )
    ]


def _account(ctx: Any, sw: Sweeper, before: int) -> None:
    ctx.scenarios += sw.stats.scenarios - before


def run_redundancy(ctx: Any, p: Any) -> list[Finding]:
    from validator.checks.runner import constraints_of

    sw = _sweeper(ctx)
    constraints = constraints_of(p.headers)
    pairs = [_baseline(ctx, a, b, constraints) for a, b in p.pairs]
    findings: list[Finding] = []
    for pb in pairs:
        if not pb.sources or not pb.space:
            findings.append(
                Finding(
                    policy=p.name, check="redundancy", message=f"{pb.label}: the pair has no flows in this snapshot"
                )
            )
        findings.extend(undecided_baseline(p.name, "redundancy", pb, ctx.head))
    elements = enumerate_elements(ctx.head, p.elements, ctx.policies.risk_group_specs())
    before = sw.stats.scenarios
    violations = sw.sweep(pairs, elements, p.max_failures, judge_redundancy, label=p.name)
    _account(ctx, sw, before)
    return findings + _findings(p.name, "redundancy", violations, ctx.head)


def reachability_under_failures(ctx: Any, p: Any) -> list[Finding]:
    from validator.checks.runner import constraints_of

    sw = _sweeper(ctx)
    pb = pair_baseline(
        ctx.head,
        ctx.zone(p.from_zone),
        ctx.zone(p.to_zone),
        constraints_of(p.headers),
        assigned_only=(p.expect == "allow"),
    )
    kinds = p.elements or ("link", "node")
    elements = enumerate_elements(ctx.head, kinds, ctx.policies.risk_group_specs())
    before = sw.stats.scenarios
    violations = sw.sweep([pb], elements, p.max_failures, judge_expect(p.expect), label=p.name)
    _account(ctx, sw, before)
    return _findings(p.name, "reachability", violations, ctx.head)


# --- blast radius and rollout waves ----------------------------------------------------------------


def touched_units(ctx: Any) -> list[Element]:
    """The change's units of failure: a device whose change is interface-level only fails those
    interfaces; any other touched device fails whole (design.md §3 "finer, the interfaces")."""
    touched = ctx.touched
    if touched is None:
        return []
    per_device: dict[str, set[tuple[str, str]]] = {}
    for node, iface in touched.interfaces:
        per_device.setdefault(node, set()).add((node, iface))
    process_nodes = {n for n, _ in touched.processes}
    interface_only: set[str] = set()
    change = getattr(ctx, "change", None)
    if change is not None:
        kinds: dict[str, set[str]] = {}
        for st in change.stanzas:
            kinds.setdefault(st.device, set()).add(st.kind)
        interface_only = {d for d, ks in kinds.items() if ks <= {"interface", "acl"}}
    units: list[Element] = []
    for device in sorted(touched.devices):
        if device not in ctx.head.snapshot.nodes:
            continue  # removed devices cannot fail in the head
        ifaces = per_device.get(device)
        if ifaces and device in interface_only and device not in process_nodes:
            label = ", ".join(f"{n}[{i}]" for n, i in sorted(ifaces))
            specs = tuple(f"interface:{n}[{i}]" for n, i in sorted(ifaces))
            units.append(
                Element("interface", f"{device} ({label})", FailureSet(interfaces=frozenset(ifaces)), specs)
            )
        else:
            units.append(Element("node", f"node:{device}", FailureSet(nodes=frozenset({device}))))
    return units


@dataclass
class WavePlan:
    units: list[Element]
    waves: list[list[Element]]
    # units that alone cut a protected pair: a single point of failure no staging can avoid
    single_points: dict[str, list[Violation]]
    cuts: list[Violation]  # what failing every unit together cuts, beyond the single points

    @property
    def safe_together(self) -> bool:
        return not self.cuts

    @property
    def unstageable(self) -> list[Element]:
        return [u for u in self.units if u.spec in self.single_points]


ClassKey = tuple[str, object]  # (pair label, no-failure class group)


class _GroupJudge:
    """Which no-failure flow groups a set of touched units, failing together, cuts."""

    def __init__(self, sw: Sweeper, pairs: Sequence[PairBaseline]) -> None:
        self.sw = sw
        self.pairs = list(pairs)
        self.cache: dict[frozenset[str], list[tuple[ClassKey, PairBaseline, ClassResult]]] = {}

    def broken(self, group: Sequence[Element]) -> list[tuple[ClassKey, PairBaseline, ClassResult]]:
        key = frozenset(e.spec for e in group)
        hit = self.cache.get(key)
        if hit is None:
            hit = []
            self.sw.stats.scenarios += 1
            dp_s = self.sw.dataplane(union(group))
            for pb in self.pairs:
                for r in changed_classes(pb, self.sw.base, dp_s, self.sw.stats):
                    if judge_redundancy(pb, r) == "broken":
                        hit.append(((pb.label, r.group), pb, r))
            self.cache[key] = hit
        return hit

    def cuts(self, group: Sequence[Element], ignore: frozenset[ClassKey] = frozenset()) -> list[Violation]:
        """One violation per pair, over the flow groups not in ``ignore``."""
        out: dict[str, Violation] = {}
        for ck, pb, r in self.broken(group):
            if ck in ignore:
                continue
            v = out.get(pb.label)
            if v is None:
                out[pb.label] = Violation(pb, tuple(group), "broken", r)
            else:
                v.count += 1
        return list(out.values())


def plan_waves(sw: Sweeper, pairs: Sequence[PairBaseline], units: Sequence[Element]) -> WavePlan:
    """Order the touched units into the fewest waves such that no wave alone cuts a protected pair.

    Flows that one unit alone already cuts have no redundancy at that unit (a single-homed host,
    say): no staging can protect them, so they are reported apart and left out of the wave
    search; the rest of the same zone pair still counts.
    """
    judge = _GroupJudge(sw, pairs)
    units = list(units)
    single: dict[str, list[Violation]] = {}
    unavoidable_keys: set[ClassKey] = set()
    for u in units:
        alone = judge.cuts([u])
        if alone:
            single[u.spec] = alone
            unavoidable_keys.update(ck for ck, _pb, _r in judge.broken([u]))
    unavoidable = frozenset(unavoidable_keys)
    cuts = judge.cuts(units, unavoidable) if units else []
    if not cuts:
        return WavePlan(units, [units] if units else [], single, [])
    best: list[list[Element]] | None = None
    for m in range(2, len(units) + 1):
        groups: list[list[Element]] = [[] for _ in range(m)]

        def place(i: int, groups: list[list[Element]] = groups) -> bool:
            if i == len(units):
                return all(g for g in groups)
            for g in groups:
                g.append(units[i])
                if not judge.cuts(g, unavoidable) and place(i + 1):
                    return True
                g.pop()
                if not g:
                    break  # symmetric: the other empty groups are equivalent
            return False

        if place(0):
            best = [sorted(g, key=lambda e: e.spec) for g in groups]
            break
    waves = best or [[u] for u in units]
    waves.sort(key=lambda g: (-len(g), g[0].spec if g else ""))
    return WavePlan(units, waves, single, cuts)


def protected_baselines(ctx: Any, p: Any) -> list[PairBaseline]:
    from validator.checks.headerspace import HeaderConstraints

    pairs = ctx.policies.protected_pairs() if p is None or p.protect_all else p.pairs
    return [_baseline(ctx, a, b, HeaderConstraints()) for a, b in pairs]


def _unit_name(e: Element) -> str:
    return e.spec.removeprefix("node:")


def waves_text(plan: WavePlan) -> str:
    return "; ".join(f"wave {i}: {', '.join(_unit_name(e) for e in w)}" for i, w in enumerate(plan.waves, 1))


def run_blast_radius(ctx: Any, p: Any) -> list[Finding]:
    if ctx.base is None or ctx.touched is None:
        ctx.notes.append(f"{p.name}: skipped, no base snapshot (no change to stage)")
        return []
    units = touched_units(ctx)
    if not units:
        return []
    sw = _sweeper(ctx)
    before = sw.stats.scenarios
    plan = plan_waves(sw, protected_baselines(ctx, p), units)
    _account(ctx, sw, before)
    findings: list[Finding] = []
    names = ", ".join(_unit_name(u) for u in plan.units)
    waves = [[_unit_name(e) for e in w] for w in plan.waves]
    for v in plan.cuts[:MAX_FINDINGS_PER_POLICY]:
        f = violation_finding(p.name, "blast_radius", v, ctx.head)
        findings.append(
            Finding(
                policy=f.policy,
                check=f.check,
                message=(
                    f"the change touches {names}; failing them together cuts {v.pair.label}, "
                    f"which each alone does not: {v.result.flow} {describe(v.result.traces[1])}. "
                    f"Proposed rollout: {waves_text(plan)}"
                ),
                failures=f.failures,
                flow=f.flow,
                trace=f.trace,
                base_trace=f.base_trace,
                locations=f.locations,
                extra={
                    "pair": v.pair.label,
                    "waves": waves,
                    "unstageable": [_unit_name(u) for u in plan.unstageable],
                },
            )
        )
    for spec, vs in sorted(plan.single_points.items()):
        unit = next(u for u in plan.units if u.spec == spec)
        pairs = ", ".join(sorted({v.pair.label for v in vs}))
        findings.append(
            Finding(
                policy=p.name,
                check="blast_radius",
                severity="warning",
                message=(
                    f"{_unit_name(unit)} alone cuts {pairs}: a single point of failure the change touches "
                    "(no redundancy there, so no rollout order protects it; change it in a maintenance window)"
                ),
                failures=unit.fail_specs,
                extra={"single_point_of_failure": _unit_name(unit), "pairs": sorted({v.pair.label for v in vs})},
            )
        )
    return findings
