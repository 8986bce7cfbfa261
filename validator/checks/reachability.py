"""``reachability``: every flow the policy leaves open must be delivered (allow) or stopped (deny)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from validator.checks.evidence import describe, trace_locations
from validator.checks.explore import ClassResult, Explorer
from validator.checks.headerspace import HeaderConstraints
from validator.checks.zones import ZoneLike, zone_destination, zone_sources
from validator.engine.types import DataPlane
from validator.model.verdict import Finding

MAX_FINDINGS_PER_POLICY = 25


@dataclass
class ReachabilityOutcome:
    findings: list[Finding]
    classes: int
    violating: int


def violates(r: ClassResult, expect: str, i: int = 0) -> bool:
    """Allow: every ECMP branch must succeed. Deny: no branch may succeed."""
    return not r.all_success(i) if expect == "allow" else r.any_success(i)


def check_reachability(
    *,
    policy: str,
    dp: DataPlane,
    src: ZoneLike,
    dst: ZoneLike,
    constraints: HeaderConstraints,
    expect: str,
    failures: Sequence[str] = (),
    check: str = "reachability",
) -> ReachabilityOutcome:
    sources = zone_sources(dp, src)
    space = zone_destination(dp, dst, assigned_only=(expect == "allow"))
    explorer = Explorer([dp], constraints)
    groups: dict[tuple[str, tuple[str, ...]], tuple[ClassResult, int]] = {}
    classes = violating = 0
    for r in explorer.explore(sources, space):
        classes += 1
        if not violates(r, expect):
            continue
        violating += 1
        key = (r.source.label, tuple(sorted({t.disposition for t in r.traces[0]})))
        first, n = groups.get(key, (r, 0))
        groups[key] = (first, n + 1)
    findings: list[Finding] = []
    if not sources:
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=f"zone {src.name!r} yields no flow start location in this snapshot",
                failures=tuple(failures),
            )
        )
    if not space and expect == "allow":
        findings.append(
            Finding(policy=policy, check=check, message=f"zone {dst.name!r} holds no address in this snapshot")
        )
    for (label, _disp), (r, n) in sorted(groups.items())[:MAX_FINDINGS_PER_POLICY]:
        verb = "is not delivered" if expect == "allow" else "is delivered although the policy denies it"
        scenario = f" with {', '.join(failures)} down" if failures else ""
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=(
                    f"{src.name} -> {dst.name}: {r.flow} {verb}{scenario}: {describe(r.traces[0])}"
                    f" ({n} header class{'es' if n != 1 else ''} from {label})"
                ),
                failures=tuple(failures),
                flow={"from": label, **r.flow.to_json()},
                trace=tuple(t.to_json() for t in r.traces[0]),
                locations=tuple(trace_locations(dp, r.flow, r.traces[0])),
                extra={"classes_violating": n},
            )
        )
    if len(groups) > MAX_FINDINGS_PER_POLICY:
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=f"{len(groups) - MAX_FINDINGS_PER_POLICY} more violating source/disposition groups not shown",
                failures=tuple(failures),
            )
        )
    return ReachabilityOutcome(findings, classes, violating)
