"""What-if: the operator's question before maintenance — "can I take these elements down now?".

Three answers, kept apart because they ask for different actions:

- **breaks now** (errors, honouring the protecting policies' ``severity``): protected pairs the
  maintenance itself cuts, and state policies (reachability, hygiene) that fail with the elements
  down;
- **one more failure during the window** (warnings): single points of failure that exist *because
  of* the maintenance, that is with the elements down but not before;
- **pre-existing** (info): single points of failure the network already had without the
  maintenance (a single-homed host's access link, a backup already broken), and state findings the
  network has identically without the maintenance and whose paths the maintenance does not touch.

A cut pair names the pre-existing single points of failure on its no-maintenance path: a backup
that is drained while its primary is already broken is exactly that pair's outage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.checks.runner import CHECKS, CheckContext
from validator.checks.sweep import (
    Element,
    PairBaseline,
    Sweeper,
    Violation,
    changed_classes,
    default_scenario_fn,
    enumerate_elements,
    judge_redundancy,
    protected_baselines,
    violation_finding,
)
from validator.engine.topology import bind_parent_name
from validator.engine.types import DataPlane, FailureSet
from validator.model.verdict import Finding

POLICY = "maintenance"
CHECK = "whatif"
SWEEP_KINDS = ("link", "node", "risk_group")
STATE_TYPES = ("reachability", "hygiene", "management")  # management: the way back in (checks/management.py)


@dataclass
class WhatIfResult:
    """What the maintenance breaks, what it leaves one failure away, and what was already so."""

    findings: list[Finding] = field(default_factory=list)
    policies_run: list[tuple[str, str]] = field(default_factory=list)
    scenarios: int = 0
    pruned: int = 0  # scenarios of the two sweeps proven not to change a protected pair (not computed)
    broken: list[str] = field(default_factory=list)  # pairs the maintenance cuts
    at_risk: dict[str, list[str]] = field(default_factory=dict)  # pair -> SPOFs the maintenance creates
    pre_existing: dict[str, list[str]] = field(default_factory=dict)  # pair -> SPOFs it already had

    @property
    def safe(self) -> bool:
        return not any(f.blocking for f in self.findings)


def pair_severity(policies: Any) -> dict[str, str]:
    """``"a -> b"`` -> the strictest severity among the policies that protect the pair (a
    redundancy pair, or an allow reachability): a pair only a ``severity: warning`` policy
    protects warns when cut, as it does in ``check``."""
    out: dict[str, str] = {}
    for p in policies.policies:
        pairs: Sequence[tuple[str, str]] = ()
        if p.type == "redundancy":
            pairs = p.pairs
        elif p.type == "reachability" and p.expect == "allow":
            pairs = ((p.from_zone, p.to_zone),)
        for a, b in pairs:
            label = f"{policies.zones[a].name} -> {policies.zones[b].name}" if a in policies.zones else f"{a} -> {b}"
            if out.get(label) != "error":
                out[label] = p.severity
    return out


def with_severity(findings: list[Finding], severity: str) -> list[Finding]:
    """A ``severity: warning`` policy warns instead of blocking, except where undecided (as in
    ``check``: the soundness rule lets no policy pass on lines the gate could not read)."""
    if severity == "error":
        return findings
    return [
        dataclasses.replace(f, severity="warning") if f.severity == "error" and f.status != "undecided" else f
        for f in findings
    ]


def _subject(specs: Sequence[str]) -> str:
    return ", ".join(specs) if specs else "(nothing)"


def _on_path(e: Element, f: Finding) -> bool:
    """Whether element ``e`` lies on the no-maintenance path of finding ``f`` (its base traces)."""
    nodes: set[str] = set()
    ifaces: set[tuple[str, str]] = set()
    for t in f.base_trace:
        for hop in t.get("hops", ()):
            node = hop.get("node")
            if not node:
                continue
            nodes.add(node)
            for step in hop.get("steps", ()):
                for k in ("interface", "input_interface", "output_interface"):
                    if isinstance(step.get(k), str):
                        ifaces.add((node, step[k]))
                        # a subinterface rides on its parent (engine.topology.bind_parent)
                        parent = bind_parent_name(step[k])
                        if parent is not None:
                            ifaces.add((node, parent))
    if e.failures.nodes & nodes:
        return True
    return bool(set(e.failures.interfaces) & ifaces)


def _cut_findings(
    pairs: Sequence[PairBaseline],
    base: DataPlane,
    failed: DataPlane,
    specs: Sequence[str],
    sweeper: Sweeper,
    severity: dict[str, str],
    before: dict[str, list[Element]],
) -> list[Finding]:
    elements = tuple(Element("maintenance", s, FailureSet()) for s in specs)
    out: list[Finding] = []
    for pb in pairs:
        first: Violation | None = None
        for r in changed_classes(pb, base, failed, sweeper.stats):
            kind = judge_redundancy(pb, r)
            if kind is None:
                continue
            if first is None:
                first = Violation(pb, elements, kind, r)
            else:
                first.count += 1
        if first is None:
            continue
        f = violation_finding(POLICY, CHECK, first, base)
        verb = {"broken": "cuts", "opened": "opens"}.get(first.kind, "changes")
        body = f.message.removeprefix(f"{pb.label}: ")
        if f.status == "undecided":
            message = f"taking down {_subject(specs)}: {f.message}"
        else:
            message = f"taking down {_subject(specs)} {verb} {pb.label}: {body}"
        spofs = sorted(e.spec for e in before.get(pb.label, ()) if _on_path(e, f))
        extra = {**f.extra, "pair": pb.label}
        if spofs:
            message += (
                f"; before the maintenance its path already depended on {', '.join(spofs)} alone"
                " (pre-existing single point of failure)"
            )
            extra["pre_existing_single_points_of_failure"] = spofs
        sev = "warning" if severity.get(pb.label) == "warning" and f.status != "undecided" else f.severity
        out.append(dataclasses.replace(f, message=message, failures=tuple(specs), severity=sev, extra=extra))
    return out


def _spofs(
    sweeper: Sweeper, pairs: Sequence[PairBaseline], elements: Sequence[Element], label: str
) -> dict[str, list[Element]]:
    """pair label -> the single elements whose failure cuts it (one-failure sweep)."""
    out: dict[str, list[Element]] = {}
    for v in sweeper.sweep(pairs, elements, 1, judge_redundancy, label=label):
        out.setdefault(v.pair.label, []).append(v.elements[0])
    return out


def _state_findings(
    policies: Any,
    failed: DataPlane,
    base: DataPlane,
    failures: FailureSet,
    ctx_args: dict[str, Any],
    strict: bool,
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """Reachability and hygiene with the elements down; findings the network has identically
    without the maintenance, on paths it does not touch, are pre-existing (``check``'s rule)."""
    ctx = CheckContext(head=failed, policies=policies, **ctx_args)
    found: list[Finding] = []
    ran: list[tuple[str, str]] = []
    state = [p for p in policies.policies if p.type in STATE_TYPES]
    for p in state:
        found.extend(with_severity(CHECKS[p.type](ctx, p), p.severity))
        ran.append((p.name, p.type))
    from validator.checks.baseline import DIFF_CHECKS, PRE_EXISTING, label

    # warnings (``severity: warning`` policies) are labelled too: a warning the network already
    # had is no news about this maintenance
    wanted = {f.policy for f in found if f.severity in ("error", "warning") and f.check not in DIFF_CHECKS}
    if strict or not wanted:
        return found, ran
    from validator.diff.units import Unit

    base_args = {k: v for k, v in ctx_args.items() if k != "scenario_fn"}
    bctx = CheckContext(head=base, policies=policies, **base_args)
    before: list[Finding] = []
    for p in state:
        if p.name in wanted:
            before.extend(with_severity(CHECKS[p.type](bctx, p), p.severity))
    units = [Unit("node", n) for n in sorted(failures.nodes)]
    units += [Unit("iface", n, i) for n, i in sorted(failures.interfaces)]
    files = {n: node.file for n, node in base.snapshot.nodes.items()}
    promoted = [dataclasses.replace(f, severity="error") if f.severity == "warning" else f for f in found]
    before = [dataclasses.replace(f, severity="error") if f.severity == "warning" else f for f in before]
    labelled = label(promoted, before, units, files)
    out = [
        dataclasses.replace(new, severity="warning") if new.extra.get("status") == PRE_EXISTING else old
        for old, new in zip(found, labelled, strict=True)
    ]
    return out, ran


def what_if(
    *,
    base: DataPlane,
    failures: FailureSet,
    specs: Sequence[str],
    policies: Any,
    compute: Callable[..., DataPlane] | None = None,
    engine: str = "builtin",
    progress: Callable[[str, int, int], None] | None = None,
    strict: bool = False,
) -> WhatIfResult:
    """Evaluate the maintenance that takes ``failures`` (given as ``specs``) down on ``base``."""
    from validator.engine.convergence import require_converged

    inner = default_scenario_fn(compute, engine)
    require_converged(base, "data plane")
    failed = inner(base, failures)
    require_converged(failed, "data plane with the maintenance")
    out = WhatIfResult()
    severity = pair_severity(policies)
    risk_groups = policies.risk_group_specs()

    # relevance pruning (checks/relevance.py) where the sweeps compute the builtin engine's
    # semantics, as check's sweeps do (sweep._sweeper). Sound for both sweeps: sweep 0 is a plain
    # sweep from ``base``; sweep 3's scenario ``on_top(failed, X)`` is ``inner(base, F | X)``,
    # which is exactly ``compute_dataplane(snapshot, F | X)``, and ``failed`` is
    # ``compute_dataplane(snapshot, F)``: the closure, computed on ``failed`` (its own incremental
    # state, built for ``F``), reasons about precisely that pair of data planes -- a scenario
    # that fails nothing of D on top of F keeps ``failed``'s result for every checked class.
    prune = engine == "builtin"

    # 0. the single points of failure the network has without the maintenance
    sw0 = Sweeper(base, inner, progress, prune=prune)
    pairs = protected_baselines(CheckContext(head=base, policies=policies, compute=compute, engine=engine), None)
    before = _spofs(sw0, pairs, enumerate_elements(base, SWEEP_KINDS, risk_groups), "before the maintenance")

    # 1. protected pairs cut by the maintenance itself
    out.findings.extend(_cut_findings(pairs, base, failed, specs, sw0, severity, before))
    out.broken = sorted({str(f.extra["pair"]) for f in out.findings})

    # 2. the state policies, evaluated with the elements down
    def on_top(_dp: DataPlane, extra: FailureSet) -> DataPlane:
        return inner(base, failures.union(extra))

    ctx_args: dict[str, Any] = {"compute": compute, "engine": engine, "scenario_fn": on_top}
    state, ran = _state_findings(policies, failed, base, failures, ctx_args, strict)
    out.findings.extend(state)
    out.policies_run.extend(ran)

    # 3. one more failure during the window: created by the maintenance, or already there
    sw1 = Sweeper(failed, on_top, progress, prune=prune)
    pairs1 = protected_baselines(CheckContext(head=failed, policies=policies, compute=compute, engine=engine), None)
    after = _spofs(sw1, pairs1, enumerate_elements(failed, SWEEP_KINDS, risk_groups), "one more failure")
    for pair in sorted(after):
        old = {e.spec for e in before.get(pair, ())}
        now = sorted({e.spec for e in after[pair]})
        new = [s for s in now if s not in old]
        kept = [s for s in now if s in old]
        if new:
            out.at_risk[pair] = new
            out.findings.append(
                Finding(
                    policy=POLICY,
                    check=CHECK,
                    severity="warning",
                    message=(
                        f"{pair}: with {_subject(specs)} down, one more failure cuts it: {', '.join(new)}"
                        " (a single point of failure the maintenance creates)"
                    ),
                    failures=tuple(specs),
                    extra={"pair": pair, "single_points_of_failure": new, "cause": "maintenance"},
                )
            )
        if kept:
            out.pre_existing[pair] = kept
            out.findings.append(
                Finding(
                    policy=POLICY,
                    check=CHECK,
                    severity="info",
                    status="pre-existing",
                    message=f"{pair}: already one failure away from a cut without the maintenance: {', '.join(kept)}",
                    extra={"pair": pair, "single_points_of_failure": kept},
                )
            )
    out.scenarios = sw0.stats.scenarios + sw1.stats.scenarios + 1
    out.pruned = sw0.stats.pruned + sw1.stats.pruned
    return out
