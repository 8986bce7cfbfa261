"""Runs a policy set against the analysed snapshots: one registered function per policy type.

Checks never know which backend computed the data planes; they only see ``DataPlane`` objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.checks.headerspace import HeaderConstraints
from validator.checks.hygiene import check_hygiene
from validator.checks.ipspace import Intervals
from validator.checks.no_regression import IntentScope, check_no_regression
from validator.checks.reachability import check_reachability
from validator.engine.types import DataPlane
from validator.errors import PolicyError
from validator.model.verdict import Finding
from validator.policy.model import (
    HeaderSpec,
    HygienePolicy,
    NoRegressionPolicy,
    PolicySet,
    ReachabilityPolicy,
    Zone,
)


@dataclass
class CheckContext:
    """Everything a check may look at. ``base`` is None without a base revision (state checks only)."""

    head: DataPlane
    policies: PolicySet
    base: DataPlane | None = None
    intent: Sequence[IntentScope] = ()
    touched: Any = None  # the change's touched elements (blast radius)
    compute: Callable[..., DataPlane] | None = None  # backend data-plane function, for failure scenarios
    engine: str = "builtin"
    scenario_fn: Callable[[DataPlane, Any], DataPlane] | None = None  # override (benchmarks, tests)
    progress: Callable[[str, int, int], None] | None = None
    change: Any = None  # the ChangeSet (blast radius uses its stanza kinds)
    impact: Any = None  # validator.diff.impact.ChangeImpact: the change's units and inert stanzas
    scenarios: int = 0
    notes: list[str] = field(default_factory=list)
    # wall-clock seconds per (policy name, check type): the JUnit report's real test-case times
    policy_seconds: dict[tuple[str, str], float] = field(default_factory=dict)

    def zone(self, name: str) -> Zone:
        try:
            return self.policies.zones[name]
        except KeyError:
            raise PolicyError(f"undefined zone {name!r}", file=self.policies.file) from None


def constraints_of(h: HeaderSpec) -> HeaderConstraints:
    return HeaderConstraints(
        protocols=frozenset(h.protocols) if h.protocols else None,
        dst_ports=Intervals.of(h.dst_ports) if h.dst_ports else Intervals.full(65535),
        src_ports=Intervals.of(h.src_ports) if h.src_ports else Intervals.full(65535),
    )


def _severity(findings: list[Finding], severity: str) -> list[Finding]:
    if severity == "error":
        return findings
    from dataclasses import replace

    # an undecided finding stays an error: the soundness rule lets no policy pass on it
    return [
        replace(f, severity="warning") if f.severity == "error" and f.status != "undecided" else f for f in findings
    ]


def run_reachability(ctx: CheckContext, p: Any) -> list[Finding]:
    assert isinstance(p, ReachabilityPolicy)
    out = check_reachability(
        policy=p.name,
        dp=ctx.head,
        src=ctx.zone(p.from_zone),
        dst=ctx.zone(p.to_zone),
        constraints=constraints_of(p.headers),
        expect=p.expect,
    )
    findings = out.findings
    if p.max_failures > 0:
        from validator.checks.sweep import reachability_under_failures

        findings = findings + reachability_under_failures(ctx, p)
    return findings


def run_no_regression(ctx: CheckContext, p: Any) -> list[Finding]:
    assert isinstance(p, NoRegressionPolicy)
    if ctx.base is None:
        ctx.notes.append(f"{p.name}: skipped, no base snapshot (state checks only)")
        return []
    out = check_no_regression(
        policy=p.name,
        base=ctx.base,
        head=ctx.head,
        src=ctx.zone(p.from_zone),
        dst=ctx.zone(p.to_zone),
        constraints=constraints_of(p.headers),
        intent=ctx.intent,
    )
    from validator.checks.routing import differential

    # routes newly announced to / withdrawn from BGP peers outside the snapshot (issue 18)
    return out.findings + differential(p.name, ctx.base, ctx.head)


def run_hygiene(ctx: CheckContext, p: Any) -> list[Finding]:
    assert isinstance(p, HygienePolicy)
    return check_hygiene(policy=p.name, dp=ctx.head, require=p.require)


def _load_sweep(name: str) -> Callable[[CheckContext, Any], list[Finding]]:
    def run(ctx: CheckContext, p: Any) -> list[Finding]:
        from validator.checks import sweep

        fn: Callable[[CheckContext, Any], list[Finding]] = getattr(sweep, name)
        return fn(ctx, p)

    return run


CHECKS: dict[str, Callable[[CheckContext, Any], list[Finding]]] = {
    "reachability": run_reachability,
    "no_regression": run_no_regression,
    "hygiene": run_hygiene,
    "redundancy": _load_sweep("run_redundancy"),
    "blast_radius": _load_sweep("run_blast_radius"),
    "management": lambda ctx, p: _run_management(ctx, p),
    "routing": lambda ctx, p: _run_routing(ctx, p),
}


def _run_routing(ctx: CheckContext, p: Any) -> list[Finding]:
    from validator.checks.routing import run_routing

    return run_routing(ctx, p)


def _run_management(ctx: CheckContext, p: Any) -> list[Finding]:
    from validator.checks.management import run_management

    return run_management(ctx, p)


def run_policies(ctx: CheckContext) -> tuple[list[Finding], list[tuple[str, str]]]:
    findings: list[Finding] = []
    ran: list[tuple[str, str]] = []
    for p in ctx.policies.policies:
        fn = CHECKS[p.type]
        start = time.monotonic()
        findings.extend(_severity(fn(ctx, p), p.severity))
        ctx.policy_seconds[(p.name, p.type)] = time.monotonic() - start
        ran.append((p.name, p.type))
    return findings, ran
