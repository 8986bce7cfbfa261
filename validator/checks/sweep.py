"""Failure sweeps: ``redundancy``, ``reachability`` with ``max_failures``, ``blast_radius``, what-if.

Primary and backup must never fail together. A sweep enumerates every set of up to k failed
elements (links, nodes, interfaces, risk groups), smallest first, and reports only minimal failing
sets. It is incremental at two levels:

- data planes: each scenario's data plane comes from ``scenario_dataplane`` (the incremental
  engine when available), never by re-parsing the snapshot;
- flows: a flow whose no-failure traces depended on nothing the scenario changed (same FIB
  decisions, interfaces and adjacencies along its path, see :mod:`footprint`) keeps its traces;
  only the others are traced again, with header classes refined by the filters either run meets.

This module runs the sweep (``Sweeper``, ``changed_classes``, scenario batches) and the policy
entry points; the elements and scenario functions (``sweep_elements``), the pair baselines
(``sweep_pairs``) and the judges and findings (``sweep_findings``) live below it and are
re-exported here (``__all__``), so ``from validator.checks.sweep import ...`` keeps working.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from validator.checks import donors as donors_mod
from validator.checks.equivalence import Effect, Effects
from validator.checks.explore import ClassResult, Explorer, ScenarioPieces, scenario_pieces
from validator.checks.footprint import trace_donors, unchanged
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.sweep_elements import (
    Element,
    ScenarioFn,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    union,
)
from validator.checks.sweep_findings import (
    MAX_FINDINGS_PER_POLICY,
    Violation,
    _findings,
    _undecided_only,
    judge_expect,
    judge_redundancy,
    undecided_baseline,
    violation_finding,
)
from validator.checks.sweep_pairs import PairBaseline, _active_nodes, _in_scope, pair_baseline
from validator.engine.types import DataPlane, FailureSet
from validator.model.verdict import Finding

if TYPE_CHECKING:
    from validator.engine.dependencies import Relevance

# the names other modules and tests import from here (defined in the sweep_* modules below this one)
__all__ = [
    "MAX_FINDINGS_PER_POLICY",
    "PARALLEL_MIN_SCENARIOS",
    "ClassResult",
    "Element",
    "PairBaseline",
    "ScenarioFn",
    "SweepStats",
    "Sweeper",
    "Violation",
    "_account",
    "_active_nodes",
    "_baseline",
    "_findings",
    "_in_scope",
    "_sweeper",
    "_undecided_only",
    "changed_classes",
    "default_scenario_fn",
    "enumerate_elements",
    "from_scratch",
    "judge_expect",
    "judge_redundancy",
    "pair_baseline",
    "protected_baselines",
    "reachability_under_failures",
    "run_blast_radius",
    "run_redundancy",
    "undecided_baseline",
    "union",
    "violation_finding",
]

Progress = Callable[[str, int, int], None]
Hit = tuple[int, str, "ClassResult", int]  # a violated pair: index, kind, first violating class, count


def changed_classes(
    pb: PairBaseline,
    base: DataPlane,
    scenario: DataPlane,
    stats: SweepStats,
    donors: Sequence[DataPlane] = (),
    settled: Sequence[donors_mod.Settled] = (),
) -> Iterator[ClassResult]:
    """Classes (traced in base and scenario) whose traces the scenario may change; in-scope only.

    ``donors`` (sub-scenarios of ``scenario``, e.g. its single failures) lend their cached traces
    where every input of the tracer is provably the same (``footprint.TraceReuse``). ``settled``
    (``donors.settled``: per sub-scenario, the groups none of whose classes the caller's judge
    found violating there, with their footprints there) leaves out every group whose footprint in
    a sub-scenario the scenario leaves unchanged: each of its flows is treated as there, so none of
    its classes can be a violation either. Only a caller judging with that judge may pass it."""
    shared: tuple[Explorer, ScenarioPieces] | None = None  # one explorer and split per call
    for (source, piece), rs in pb.groups.items():
        if not _in_scope(source, piece[0], scenario):
            continue
        if unchanged(pb.footprints[(source, piece)], base, scenario):
            stats.reused += len(rs)
            continue
        if settled and _settled(settled, (source, piece), scenario):
            stats.settled += len(rs)
            continue
        members = rs[0].members or (piece,)
        if pb.dp is base:
            # the class is uniform in the base: split it by the scenario's own behaviour only
            # (explore.ScenarioPieces); its base traces are the cached ones of the no-failure run
            if shared is None:
                exp = Explorer([base, scenario], pb.constraints, donors={1: trace_donors(scenario, donors)})
                shared = (exp, scenario_pieces(base, scenario))
            found = shared[0].explore_groups(source, shared[1].groups(members))
        else:  # a baseline of another data plane: re-explore over both
            found = Explorer([base, scenario], pb.constraints).explore([source], Intervals.of(members))
        for r in found:
            stats.retraced += 1
            r.group = (source, piece)
            yield r
    if shared is not None:
        stats.donated += shared[0].reused


def _settled(settled: Sequence[donors_mod.Settled], group: donors_mod.Group, scenario: DataPlane) -> bool:
    for sub, footprints in settled:
        fp = footprints.get(group)
        if fp is not None and unchanged(fp, sub, scenario):
            return True
    return False


def _settle(dp: DataPlane, pb: PairBaseline, judge: object, found: dict[donors_mod.Group, list[ClassResult]]) -> None:
    """Record the groups of ``found`` (a kept single failure's re-traced classes, none judged a
    violation) for the sweep's larger sets (``donors.settle``)."""
    donors_mod.settle(dp, pb.groups, judge, found)


@dataclass
class SweepStats:
    scenarios: int = 0
    dataplanes: int = 0
    reused: int = 0  # header classes whose base traces were kept (footprint unchanged)
    retraced: int = 0
    seconds: float = 0.0
    pruned: int = 0  # scenarios proven not to touch any checked class (checks/relevance.py)
    equivalent: int = 0  # scenarios whose result is an equivalent scenario's (not computed again)
    donated: int = 0  # scenario traces taken from a sub-scenario's (footprint.TraceReuse), not traced
    settled: int = 0  # header classes of groups a sub-scenario settled (``changed_classes``), not traced

    def counts(self) -> tuple[int, int, int, int, int]:
        """What a worker reports back: data planes, reused and re-traced classes, donated traces,
        settled classes."""
        return (self.dataplanes, self.reused, self.retraced, self.donated, self.settled)


class Sweeper:
    """Evaluates failure scenarios against pair baselines, one data plane per scenario."""

    def __init__(
        self, base: DataPlane, scenario_fn: ScenarioFn, progress: Progress | None = None, prune: bool = False
    ) -> None:
        self.base = base
        self.scenario_fn = scenario_fn
        self.progress = progress
        self.stats = SweepStats()
        # relevance pruning (checks/relevance.py): only where scenario_fn computes the same
        # semantics as the builtin engine the closure reasons about
        self.prune = prune
        self.relevance_reason = ""  # why pruning was off for the last sweep ("" when it was on)
        # element sets with the same effect are computed once (checks/equivalence.py)
        self.equivalence = True

    def _relevance(self, pairs: Sequence[PairBaseline]) -> Relevance | None:
        from validator.checks.relevance import enabled, relevance

        if not self.prune or not enabled():
            return None
        rel = relevance(self.base, pairs)
        self.relevance_reason = rel.reason
        return None if rel.everything else rel

    def dataplane(self, failures: FailureSet) -> DataPlane:
        from validator.engine.convergence import require_converged
        from validator.engine.traceroute import release_scenarios

        release_scenarios(self.base)  # memory: the earlier scenarios are judged, free them first
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
        rel = self._relevance(pairs)
        donors_mod.start(self.base, keep=max_failures >= 2)  # single failures lend traces to larger sets
        effects = Effects(self.base.snapshot) if self.equivalence else None
        known: dict[Effect, dict[int, Hit | None]] = {}  # per computed effect: pair -> hit (None: none)
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
                if candidates and rel is not None and not rel.affected_by(union(combo)):
                    self.stats.pruned += 1  # proven: every checked class keeps its base result
                    candidates = []
                if candidates:
                    batch.append((combo, candidates))
                else:
                    done += 1
            if effects is None:
                results: Iterable[tuple[tuple[Element, ...], list[Hit]]] = self._run_batch(
                    pairs, batch, judge, label, done, total
                )
            else:
                results = self._run_equivalent(pairs, batch, judge, label, done, total, effects, known)
            for combo, hits in results:
                for i, kind, r, count in hits:
                    failing[i].append(frozenset(e.spec for e in combo))
                    found.append(Violation(pairs[i], combo, kind, r, count))
            done += len(batch)
        donors_mod.finish(self.base)
        from validator.engine.traceroute import release_scenarios

        release_scenarios(self.base)  # memory: no scenario outlives its sweep in the tracer cache
        self.stats.seconds += time.monotonic() - start
        return found

    def _run_equivalent(
        self,
        pairs: Sequence[PairBaseline],
        batch: list[tuple[tuple[Element, ...], list[int]]],
        judge: Callable[[PairBaseline, ClassResult], str | None],
        label: str,
        done: int,
        total: int,
        effects: Effects,
        known: dict[Effect, dict[int, Hit | None]],
    ) -> list[tuple[tuple[Element, ...], list[Hit]]]:
        """The batch in its order, computing one scenario per :class:`Effect` (checks/equivalence.py):
        a set whose effect was computed already, here or in an earlier batch, for every pair it
        asks about takes that answer (``SweepStats.equivalent``)."""
        entries = [(combo, candidates, effects.of(union(combo))) for combo, candidates in batch]
        todo: dict[Effect, tuple[tuple[Element, ...], set[int]]] = {}
        for combo, candidates, eff in entries:
            have = known.get(eff, {})
            if all(i in have for i in candidates):
                continue
            if eff in todo:
                todo[eff][1].update(candidates)  # computed with the first set of this effect
            else:
                todo[eff] = (combo, set(candidates))
        run = [(combo, sorted(cands)) for combo, cands in todo.values()]
        results = self._run_batch(pairs, run, judge, label, done, total)
        for eff, (_, cands), (_, hits) in zip(todo, run, results, strict=True):
            have = known.setdefault(eff, {})
            have.update(dict.fromkeys(cands))
            have.update((h[0], h) for h in hits)
        out: list[tuple[tuple[Element, ...], list[Hit]]] = []
        computed = {id(combo) for combo, _ in run}
        for combo, candidates, eff in entries:
            if id(combo) not in computed:
                self.stats.equivalent += 1
            have = known[eff]
            out.append((combo, [h for i in candidates if (h := have[i]) is not None]))
        return out

    def evaluate(
        self,
        pairs: Sequence[PairBaseline],
        combo: tuple[Element, ...],
        candidates: Sequence[int],
        judge: Callable[[PairBaseline, ClassResult], str | None],
    ) -> list[tuple[int, str, ClassResult, int]]:
        """One scenario: (pair index, kind, first violating class, count) per violated pair."""
        dp_s = self.dataplane(union(combo))
        subs = donors_mod.sub_scenarios(self.base, [e.failures for e in combo], dp_s)
        # a kept single failure records the groups it settles for its supersets (donors.settle)
        record = len(combo) == 1 and donors_mod.is_kept(self.base, dp_s)
        hits: list[tuple[int, str, ClassResult, int]] = []
        for i in candidates:
            pb = pairs[i]
            first: tuple[str, ClassResult] | None = None
            count = 0
            settled = donors_mod.settled(subs, pb.groups, judge) if subs else []
            found: dict[donors_mod.Group, list[ClassResult]] = {}
            loud: set[donors_mod.Group] = set()
            more = {"settled": settled} if settled else {}
            for r in changed_classes(pb, self.base, dp_s, self.stats, subs, **more):
                kind = judge(pb, r)
                if record and r.group is not None:
                    found.setdefault(r.group, []).append(r)
                    if kind is not None:
                        loud.add(r.group)
                if kind is None:
                    continue
                count += 1
                if first is None:
                    first = (kind, r)
            if first is not None:
                hits.append((i, first[0], first[1], count))
            if record:
                _settle(dp_s, pb, judge, {g: rs for g, rs in found.items() if g not in loud})
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
        from validator.executors import current_executor

        executor = current_executor()
        if executor.distributes(len(batch), min_parallel=PARALLEL_MIN_SCENARIOS):
            prepare = getattr(self.scenario_fn, "prepare", None)  # engine/native_scenario.py
            if prepare is not None:
                prepare(self.base)
            else:
                try:  # build the incremental engine's reusable state once, before it is shared
                    from validator.engine.incremental import base_state

                    base_state(self.base)
                except ImportError:  # pragma: no cover
                    pass
        # shipped to the workers: the base data plane (with that state), the scenario function,
        # the pair baselines and the judge; each worker evaluates with a Sweeper of its own
        # baselines of the base travel without it (a Ray worker unpickles each shared part on its
        # own, so ``pb.dp is base`` would fail there and the base would be shipped twice)
        shipped = tuple(replace(pb, dp=None) if pb.dp is self.base else pb for pb in pairs)
        on_base = frozenset(i for i, pb in enumerate(pairs) if pb.dp is self.base)
        shared = (self.base, self.scenario_fn, shipped, judge, on_base)
        results = executor.map_batches(_evaluate_batch, shared, batch, min_parallel=PARALLEL_MIN_SCENARIOS)
        for n, ((combo, _), (hits, stats)) in enumerate(zip(batch, results, strict=True), 1):
            self.stats.dataplanes += stats[0]
            self.stats.reused += stats[1]
            self.stats.retraced += stats[2]
            self.stats.donated += stats[3]
            self.stats.settled += stats[4]
            if self.progress is not None:
                self.progress(label, done + n, total)
            yield combo, hits


# --- scenario batches (validator.executors: forked local workers, or Ray tasks) -----------------

PARALLEL_MIN_SCENARIOS = 24


def _n_choose(n: int, k: int) -> int:
    import math

    return math.comb(n, k)


ScenarioHits = list[tuple[int, str, ClassResult, int]]


def _evaluate_batch(
    shared: tuple[Any, ...], batch: Sequence[tuple[tuple[Element, ...], list[int]]]
) -> list[tuple[ScenarioHits, tuple[int, ...]]]:
    """A batch of scenarios on a fresh Sweeper over the shared state: the hits of each scenario
    and what it computed (``SweepStats.counts``). Pure: runs anywhere."""
    from validator.engine.incremental import collector_paused

    base, scenario_fn, shipped, judge, on_base = shared
    pairs = tuple(replace(pb, dp=base) if i in on_base else pb for i, pb in enumerate(shipped))
    sweeper = Sweeper(base, scenario_fn)
    out: list[tuple[ScenarioHits, tuple[int, ...]]] = []
    for combo, candidates in batch:
        before = sweeper.stats.counts()
        with collector_paused():  # one scenario's data plane and traces: no collection inside
            hits = sweeper.evaluate(pairs, combo, candidates, judge)
        after = sweeper.stats.counts()
        out.append((hits, tuple(a - b for a, b in zip(after, before, strict=True))))
    return out


# --- policy entry points (called from checks.runner) ---------------------------------------------


def _sweeper(ctx: Any) -> Sweeper:
    sw: Sweeper | None = getattr(ctx, "_sweeper", None)
    if sw is None:
        engine = getattr(ctx, "engine", "builtin")
        fn = ctx.scenario_fn or default_scenario_fn(ctx.compute, engine)
        sw = Sweeper(ctx.head, fn, getattr(ctx, "progress", None), prune=engine == "builtin")
        ctx._sweeper = sw
    return sw


def _baseline(ctx: Any, a: str, b: str, constraints: HeaderConstraints, *, assigned_only: bool = True) -> PairBaseline:
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


# --- blast radius and rollout waves: validator.checks.blast (units, no masking) and rollout -------


def run_blast_radius(ctx: Any, p: Any) -> list[Finding]:
    from validator.checks.blast import run_blast_radius as run

    return run(ctx, p)


def protected_baselines(ctx: Any, p: Any) -> list[PairBaseline]:
    from validator.checks.blast import protected_baselines as baselines

    return baselines(ctx, p)
