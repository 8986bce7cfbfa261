"""What-if: the operator's view before maintenance — what breaks if these elements go down,
and which protected zone pairs are then one more failure away from a cut."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.checks.runner import CHECKS, CheckContext
from validator.checks.sweep import (
    Sweeper,
    Violation,
    default_scenario_fn,
    enumerate_elements,
    judge_redundancy,
    protected_baselines,
    violation_finding,
)
from validator.engine.types import DataPlane, FailureSet
from validator.model.verdict import Finding


@dataclass
class WhatIfResult:
    findings: list[Finding] = field(default_factory=list)
    policies_run: list[tuple[str, str]] = field(default_factory=list)
    scenarios: int = 0
    at_risk: dict[str, list[str]] = field(default_factory=dict)  # pair -> single elements that would cut it


def what_if(
    *,
    base: DataPlane,
    failures: FailureSet,
    specs: Sequence[str],
    policies: Any,
    compute: Callable[..., DataPlane] | None = None,
    engine: str = "builtin",
    progress: Callable[[str, int, int], None] | None = None,
) -> WhatIfResult:
    from validator.engine.convergence import require_converged

    inner = default_scenario_fn(compute, engine)
    require_converged(base, "data plane")
    failed = inner(base, failures)
    require_converged(failed, "data plane")
    out = WhatIfResult()

    # 1. protected pairs cut by the maintenance itself
    sw0 = Sweeper(base, inner, progress)
    ctx0 = CheckContext(head=base, policies=policies, compute=compute, engine=engine)
    pairs = protected_baselines(ctx0, None)
    for pb in pairs:
        from validator.checks.sweep import changed_classes

        first: Violation | None = None
        for r in changed_classes(pb, base, failed, sw0.stats):
            if judge_redundancy(pb, r) == "broken":
                if first is None:
                    first = Violation(pb, (), "broken", r)
                else:
                    first.count += 1
        if first is not None:
            f = violation_finding("maintenance", "whatif", first, base)
            out.findings.append(
                Finding(
                    policy="maintenance",
                    check="whatif",
                    message=f"taking down {', '.join(specs)} cuts {pb.label}: " + f.message.split(": ", 1)[1],
                    failures=tuple(specs),
                    flow=f.flow,
                    trace=f.trace,
                    base_trace=f.base_trace,
                    locations=f.locations,
                    extra={"pair": pb.label},
                )
            )

    # 2. the state policies, evaluated with the elements down
    ctx = CheckContext(head=failed, policies=policies, compute=compute, engine=engine, progress=progress)
    for p in policies.policies:
        if p.type in ("reachability", "hygiene"):
            out.findings.extend(CHECKS[p.type](ctx, p))
            out.policies_run.append((p.name, p.type))

    # 3. pairs left one failure away from a cut
    def on_top(_base: DataPlane, extra: FailureSet) -> DataPlane:
        return inner(base, failures.union(extra))

    sw = Sweeper(failed, on_top, progress)
    ctx1 = CheckContext(head=failed, policies=policies, compute=compute, engine=engine)
    pairs1 = protected_baselines(ctx1, None)
    elements = enumerate_elements(failed, ("link", "node"), policies.risk_group_specs())
    violations = sw.sweep(pairs1, elements, 1, judge_redundancy, label="one more failure")
    for v in violations:
        out.at_risk.setdefault(v.pair.label, []).append(v.elements[0].spec)
    for pair, elems in sorted(out.at_risk.items()):
        out.findings.append(
            Finding(
                policy="maintenance",
                check="whatif",
                severity="warning",
                message=f"{pair} is one failure away from a cut: {', '.join(sorted(elems))}",
                failures=tuple(specs),
                extra={"pair": pair, "single_points_of_failure": sorted(elems)},
            )
        )
    out.scenarios = sw.stats.scenarios + 1
    return out
