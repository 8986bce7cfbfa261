"""Blast radius: the change's units failing together must cut no protected pair (no masking).

A change is the outage pattern when it touches the primary and the backup of a protected pair at
once. The units (``validator.diff.units``) are failed as a rollout wave would fail them, with two
rules that keep the check from being slipped past:

- per protected pair, a unit that alone cuts the pair is *unavoidable* for it (every path crosses
  it: a single point of failure, reported as a warning). It is held **up** for that pair, and the
  remaining touched units are failed together: if that cuts the pair, the change blocks. Nothing
  else is set aside, so an unavoidable AZ core cannot hide a plane A + plane B cut;
- inert stanzas (``validator.diff.inert``) are not units and fail nothing.

Failing an interface or a node is a failure set. A session or a process has no failure spec, so
it is failed by removing it from the head model (the BGP neighbour, the OSPF or BGP process) and
recomputing that scenario's data plane from scratch: a neighbour that is not configured on one
side is exactly a session that does not come up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from validator.checks.evidence import describe
from validator.checks.explore import ClassResult
from validator.checks.soundness import named
from validator.checks.sweep import (
    MAX_FINDINGS_PER_POLICY,
    Element,
    PairBaseline,
    Sweeper,
    Violation,
    _account,
    _baseline,
    _sweeper,
    changed_classes,
    judge_redundancy,
    union,
    violation_finding,
)
from validator.diff.units import Unit
from validator.engine.dependencies import Relevance
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot
from validator.model.verdict import Finding

# --- units as failure elements -------------------------------------------------------------------


def unit_element(u: Unit) -> Element:
    """The failure element of a change unit; sessions and processes carry no failure set."""
    if u.kind == "iface":
        return Element(
            "interface",
            u.name,
            FailureSet(interfaces=frozenset({(u.node, u.detail)})),
            (f"interface:{u.node}[{u.detail}]",),
        )
    if u.kind == "node":
        return Element("node", u.name, FailureSet(nodes=frozenset({u.node})), (f"node:{u.node}",))
    return Element(u.kind, u.name, FailureSet(), (u.name,))


def units_of(ctx: Any) -> list[Unit]:
    """The change's units: from the change impact, or (callers that only know the touched
    devices, e.g. unit tests) one node unit per touched device."""
    impact = getattr(ctx, "impact", None)
    if impact is not None:
        units: list[Unit] = impact.units
    else:
        touched = getattr(ctx, "touched", None)
        units = [Unit("node", d) for d in sorted(touched.devices)] if touched is not None else []
    nodes = ctx.head.snapshot.nodes
    # removed devices (and units on them) cannot fail in the head
    return [u for u in units if u.node in nodes]


def without_units(snap: Snapshot, units: Sequence[Unit]) -> Snapshot:
    """``snap`` with the sessions and processes of ``units`` removed (how they are failed)."""
    nodes = dict(snap.nodes)
    for u in units:
        node = nodes.get(u.node)
        if node is None:
            continue
        if u.kind == "session" and node.bgp is not None:
            kept = tuple(n for n in node.bgp.neighbors if str(n.peer_ip) != u.detail)
            bgp = dataclasses.replace(node.bgp, neighbors=kept)
            nodes[u.node] = dataclasses.replace(node, bgp=bgp)
        elif u.kind == "process" and u.detail.startswith("bgp"):
            nodes[u.node] = dataclasses.replace(node, bgp=None)
        elif u.kind == "process" and u.detail.startswith("ospf"):
            pid = u.detail.split(" ", 1)[1] if " " in u.detail else ""
            ifaces = {
                k: dataclasses.replace(i, ospf=None) if i.ospf is not None and i.ospf.process_id == pid else i
                for k, i in node.interfaces.items()
            }
            ospf = tuple(p for p in node.ospf if p.process_id != pid)
            nodes[u.node] = dataclasses.replace(node, ospf=ospf, interfaces=ifaces)
    return dataclasses.replace(snap, nodes=nodes)


def _default_compute() -> Callable[..., DataPlane]:
    from validator.engine.dataplane import compute_dataplane

    return compute_dataplane


# --- the no-masking wave plan ----------------------------------------------------------------------


ClassKey = tuple[str, object]  # (pair label, no-failure class group)
Broken = list[tuple[ClassKey, PairBaseline, ClassResult]]


class GroupJudge:
    """Which no-failure flow groups a set of units, failing together, cuts (memoised)."""

    def __init__(
        self,
        sw: Sweeper,
        pairs: Sequence[PairBaseline],
        units: dict[str, Unit] | None = None,
        compute: Callable[..., DataPlane] | None = None,
    ) -> None:
        self.sw = sw
        self.pairs = list(pairs)
        self.units = units or {}
        self.compute = compute
        self.cache: dict[frozenset[str], Broken] = {}
        self._relevance: Relevance | bool | None = False  # False: not computed yet

    def _pruned(self, group: Sequence[Element]) -> bool:
        """Relevance pruning (checks/relevance.py), as the sweeps do: a group of interface and node
        units that fails nothing in the protected pairs' dependency closure ``D`` leaves every
        pair's classes as they were (none broken), so no data plane is computed for it. Only
        where the sweeper prunes (its scenario function is the builtin engine's, whose semantics
        the closure reasons about: ``sweep._sweeper``). Sessions and processes are failed by
        removing configuration, which the closure does not reason about: a group holding one is
        always computed."""
        if any(e.kind in ("session", "process") for e in group):
            return False
        if self._relevance is False:
            self._relevance = self.sw._relevance(self.pairs)  # None: pruning off, or everything
        rel = self._relevance
        return isinstance(rel, Relevance) and not rel.affected_by(union(group))

    def dataplane(self, group: Sequence[Element]) -> DataPlane:
        removed = [self.units[e.spec] for e in group if e.spec in self.units and e.kind in ("session", "process")]
        if not removed:
            return self.sw.dataplane(union(group))
        self.sw.stats.dataplanes += 1
        compute = self.compute or _default_compute()
        return compute(without_units(self.sw.base.snapshot, removed), union(group))

    def broken(self, group: Sequence[Element]) -> Broken:
        key = frozenset(e.spec for e in group)
        hit = self.cache.get(key)
        if hit is None:
            hit = []
            self.sw.stats.scenarios += 1
            if self._pruned(group):
                self.sw.stats.pruned += 1  # proven: every protected class keeps its head result
                self.cache[key] = hit
                return hit
            dp_s = self.dataplane(group)
            for pb in self.pairs:
                for r in changed_classes(pb, self.sw.base, dp_s, self.sw.stats):
                    if judge_redundancy(pb, r) == "broken":
                        hit.append(((pb.label, r.group), pb, r))
            self.cache[key] = hit
        return hit

    def cuts(self, group: Sequence[Element], held: dict[str, frozenset[str]] | None = None) -> list[Violation]:
        """One violation per pair cut by ``group``, with the pair's unavoidable units held up."""
        held = held or {}
        out: list[Violation] = []
        for pb in self.pairs:
            sub = [e for e in group if e.spec not in held.get(pb.label, frozenset())]
            if not sub:
                continue
            v: Violation | None = None
            for _ck, p, r in self.broken(sub):
                if p.label != pb.label:
                    continue
                if v is None:
                    v = Violation(pb, tuple(sub), "broken", r)
                else:
                    v.count += 1
            if v is not None:
                out.append(v)
        return out

    def minimal(self, v: Violation, limit: int = 10) -> Violation:
        """Shrink the failed units of ``v`` to a minimal set that still cuts its pair."""
        units = list(v.elements)
        if len(units) > limit:
            return v
        best = v
        for e in list(units):
            trial = [x for x in units if x is not e]
            if not trial:
                continue
            hit = [vv for vv in self.cuts(trial) if vv.pair.label == v.pair.label]
            if hit:
                units = trial
                best = hit[0]
        return best


@dataclass
class WavePlan:
    units: list[Element]
    waves: list[list[Element]]
    # per unit spec: the pairs it alone cuts (unavoidable for them: held up, reported as warnings)
    single_points: dict[str, list[Violation]]
    cuts: list[Violation]  # what failing the avoidable units together cuts
    held: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)  # pair -> unavoidable specs

    @property
    def safe_together(self) -> bool:
        return not self.cuts

    @property
    def unstageable(self) -> list[Element]:
        return [u for u in self.units if u.spec in self.single_points]


def plan_waves(
    sw: Sweeper,
    pairs: Sequence[PairBaseline],
    units: Sequence[Element],
    *,
    unit_map: dict[str, Unit] | None = None,
    compute: Callable[..., DataPlane] | None = None,
) -> WavePlan:
    """The fewest waves such that no wave, failing together, cuts a protected pair."""
    judge = GroupJudge(sw, pairs, unit_map, compute)
    units = list(units)
    single: dict[str, list[Violation]] = {}
    held: dict[str, set[str]] = {}
    for u in units:
        alone = judge.cuts([u])
        if alone:
            single[u.spec] = alone
            for v in alone:
                held.setdefault(v.pair.label, set()).add(u.spec)
    frozen = {k: frozenset(v) for k, v in held.items()}
    cuts = [judge.minimal(v) for v in judge.cuts(units, frozen)] if units else []
    if not cuts:
        return WavePlan(units, [units] if units else [], single, [], frozen)
    best: list[list[Element]] | None = None
    for m in range(2, len(units) + 1):
        groups: list[list[Element]] = [[] for _ in range(m)]

        def place(i: int, groups: list[list[Element]] = groups) -> bool:
            if i == len(units):
                return all(g for g in groups)
            for g in groups:
                g.append(units[i])
                if not judge.cuts(g, frozen) and place(i + 1):
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
    return WavePlan(units, waves, single, cuts, frozen)


def protected_baselines(ctx: Any, p: Any) -> list[PairBaseline]:
    from validator.checks.headerspace import HeaderConstraints

    pairs = ctx.policies.protected_pairs() if p is None or p.protect_all else p.pairs
    return [_baseline(ctx, a, b, HeaderConstraints()) for a, b in pairs]


def unit_name(e: Element) -> str:
    return e.spec


def waves_text(waves: Sequence[Sequence[str]]) -> str:
    return "; ".join(f"wave {i}: {', '.join(w)}" for i, w in enumerate(waves, 1))


def plan_for(ctx: Any, p: Any) -> tuple[WavePlan, list[Unit]]:
    """The wave plan of the change in ``ctx`` against the pairs ``p`` protects (all: ``p`` None)."""
    units = units_of(ctx)
    sw = _sweeper(ctx)
    before = sw.stats.scenarios
    elements = [unit_element(u) for u in units]
    plan = plan_waves(
        sw,
        protected_baselines(ctx, p),
        elements,
        unit_map={u.name: u for u in units},
        compute=getattr(ctx, "compute", None),
    )
    _account(ctx, sw, before)
    return plan, units


# --- the policy ------------------------------------------------------------------------------------


def run_blast_radius(ctx: Any, p: Any) -> list[Finding]:
    if ctx.base is None or (ctx.touched is None and getattr(ctx, "impact", None) is None):
        ctx.notes.append(f"{p.name}: skipped, no base snapshot (no change to stage)")
        return []
    plan, units = plan_for(ctx, p)
    if not units:
        return []
    findings = cut_findings(p.name, plan, ctx.head)
    findings += single_point_findings(p.name, plan)
    from validator.checks.sweep import undecided_baseline

    for pb in protected_baselines(ctx, p):  # soundness: a pair whose delivery is undecided cannot be judged
        findings += undecided_baseline(p.name, "blast_radius", pb, ctx.head)
    if not plan.cuts:
        from validator.checks.rollout import rollout_findings

        findings += rollout_findings(ctx, p.name, plan, units)
    return findings


def cut_findings(policy: str, plan: WavePlan, head: DataPlane) -> list[Finding]:
    names = ", ".join(u.spec for u in plan.units)
    waves = [[e.spec for e in w] for w in plan.waves]
    out: list[Finding] = []
    for v in plan.cuts[:MAX_FINDINGS_PER_POLICY]:
        f = violation_finding(policy, "blast_radius", v, head)
        cut = [e.spec for e in v.elements]
        held = sorted(plan.held.get(v.pair.label, ()))
        held_text = f" (held up as unavoidable for the pair: {', '.join(held)})" if held else ""
        out.append(
            dataclasses.replace(
                f,
                message=(
                    (
                        f"undecided: depends on unparsed lines {named(v.result.undecided(1))}: "
                        if f.status == "undecided"
                        else ""
                    )
                    + f"the change touches {names}; failing {', '.join(cut)} together cuts {v.pair.label}, "
                    f"which each alone does not{held_text}: {v.result.flow} {describe(v.result.traces[1])}. "
                    f"Proposed rollout: {waves_text(waves)}"
                ),
                extra={
                    "pair": v.pair.label,
                    "waves": waves,
                    "cut_units": cut,
                    "unavoidable": held,
                    "unstageable": [u.spec for u in plan.unstageable],
                    "classes": v.count,
                },
            )
        )
    return out


def single_point_findings(policy: str, plan: WavePlan) -> list[Finding]:
    out: list[Finding] = []
    for spec, vs in sorted(plan.single_points.items()):
        unit = next(u for u in plan.units if u.spec == spec)
        pairs = sorted({v.pair.label for v in vs})
        out.append(
            Finding(
                policy=policy,
                check="blast_radius",
                severity="warning",
                message=(
                    f"{spec} alone cuts {', '.join(pairs)}: unavoidable, a single point of failure the change "
                    "touches (every path of the pair crosses it, so no rollout order protects it; change it in a "
                    "maintenance window). It is held up while the other touched units are failed together."
                ),
                failures=unit.fail_specs,
                extra={"single_point_of_failure": spec, "unavoidable": spec, "pairs": pairs},
            )
        )
    return out
