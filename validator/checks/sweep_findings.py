"""Failure sweeps, judged and reported: violations, the judges, and the findings they become.

Split from ``checks/sweep.py`` (which re-exports every name). A violation is a minimal failing set
of elements for one pair, with the first violating class and how many classes violate; the
soundness rule turns a violation that rests only on undecided traces into an undecided finding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from validator.checks.evidence import describe, trace_locations
from validator.checks.explore import ClassResult
from validator.checks.soundness import undecided_finding
from validator.checks.sweep_elements import Element
from validator.checks.sweep_pairs import PairBaseline
from validator.engine.types import DataPlane
from validator.model.verdict import Finding

MAX_FINDINGS_PER_POLICY = 25


@dataclass
class Violation:
    pair: PairBaseline
    elements: tuple[Element, ...]
    kind: str  # broken | opened | violated
    result: ClassResult
    count: int = 1


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
