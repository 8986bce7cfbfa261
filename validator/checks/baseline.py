"""Pre-existing findings: what was already broken in the base does not block an unrelated change.

In diff mode, a state finding (reachability, redundancy, hygiene, ...) that the base has
identically is labelled ``status: "pre-existing"`` and becomes a warning (design.md §8), *unless*
the change touches an element on the finding's flow paths (either trace) or in its failure set:
a change on the only remaining path while the backup is already broken is exactly the outage, so
that finding stays an error. Diff findings (no_regression, blast_radius, unmodelled change) are
about the change itself and are never pre-existing. ``--strict`` keeps every finding an error.

"Identically" is compared on what a finding is about, not on its wording: policy, check, failure
set, zone pair and kind, and for findings without a pair the flow's end points or the message.
The base's findings are computed only when the head has a candidate error (one extra run of the
state policies on the base data plane).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

from validator.diff.units import Unit
from validator.engine.topology import bind_parent_name
from validator.model.verdict import Finding

PRE_EXISTING = "pre-existing"
# checks whose findings describe the change itself: never pre-existing
DIFF_CHECKS = frozenset({"no_regression", "blast_radius", "unmodelled", "policies", "note", "rollout"})


def _key(f: Finding) -> tuple[Any, ...]:
    """What a finding is about: every field of its example flow (ports, ICMP type, ingress) is
    part of it, so a change that breaks another port of the same group is a new finding.
    Known limit: a change that breaks *more* classes of a group whose example flow is unchanged
    keeps the base's key; ``no_regression`` on the pair catches that case."""
    pair = f.extra.get("pair")
    flow = f.flow or {}
    what: Any = tuple(sorted((k, str(v)) for k, v in flow.items())) if flow else f.message
    return (f.policy, f.check, tuple(sorted(f.failures)), pair, f.extra.get("kind"), what)


_SPEC = re.compile(r"^(node|interface|link):([^\[]+)(?:\[(.+)\])?$")


def _elements(f: Finding) -> tuple[set[str], set[tuple[str, str]]]:
    """Nodes and interfaces on the finding's paths and in its failure set."""
    nodes: set[str] = set()
    ifaces: set[tuple[str, str]] = set()
    for t in (*f.trace, *f.base_trace):
        for hop in t.get("hops", ()):
            node = hop.get("node")
            if not node:
                continue
            nodes.add(node)
            for step in hop.get("steps", ()):
                for k in ("interface", "input_interface", "output_interface"):
                    if isinstance(step.get(k), str):
                        ifaces.add((node, step[k]))
                        parent = bind_parent_name(step[k])  # a subinterface rides on its parent
                        if parent is not None:
                            ifaces.add((node, parent))
    for spec in f.failures:
        m = _SPEC.match(spec)
        if m is None:
            continue
        kind, node, iface = m.groups()
        nodes.add(node) if kind == "node" else ifaces.add((node, iface or ""))
    return nodes, ifaces


def touches(f: Finding, units: Iterable[Unit], device_files: dict[str, str]) -> bool:
    """Whether a change with ``units`` touches what finding ``f`` depends on: an interface unit
    on one of its path or failed interfaces (or on a failed node), any other unit on a node of
    its paths or failure set; for a finding without flows (hygiene), any unit on a device whose
    file the finding names."""
    nodes, ifaces = _elements(f)
    failed_nodes = _failed(f)
    loc_files = {loc.file for loc in f.locations}
    for u in units:
        if u.kind == "iface":
            if (u.node, u.detail) in ifaces or u.node in failed_nodes:
                return True
        elif u.node in nodes or any(n == u.node for n, _ in ifaces):
            return True
        if not (f.trace or f.base_trace) and device_files.get(u.node) in loc_files:
            return True
    return False


def _failed(f: Finding) -> set[str]:
    return {m.group(2) for spec in f.failures if (m := _SPEC.match(spec)) and m.group(1) == "node"}


def label(
    findings: Sequence[Finding], base_findings: Sequence[Finding], units: Sequence[Unit], device_files: dict[str, str]
) -> list[Finding]:
    """``findings`` with those present identically in ``base_findings`` and untouched by the change
    turned into pre-existing warnings."""
    # a base finding the engine could not decide proves nothing about the head's decided one
    before = {_key(f) for f in base_findings if f.severity == "error" and f.status != "undecided"}
    out: list[Finding] = []
    for f in findings:
        if (
            f.severity == "error"
            and f.check not in DIFF_CHECKS
            and f.status != "undecided"  # never lets a policy pass, pre-existing or not (design.md §8)
            and _key(f) in before
            and not touches(f, units, device_files)
        ):
            f = dataclasses.replace(
                f, severity="warning", status="pre-existing", extra={**f.extra, "status": PRE_EXISTING}
            )
        out.append(f)
    return out


def candidates(findings: Sequence[Finding]) -> bool:
    return any(f.severity == "error" and f.check not in DIFF_CHECKS for f in findings)


def base_findings(ctx: Any, names: Iterable[str] | None = None) -> list[Finding]:
    """The findings of the policies ``names`` (all: None) on the base data plane, memoised per
    policy on the context: only policies with a candidate finding are ever run on the base."""
    from dataclasses import replace

    from validator.checks.runner import CheckContext, run_policies

    cache: dict[str, list[Finding]] = ctx.__dict__.setdefault("_base_findings", {})
    wanted = [p for p in ctx.policies.policies if names is None or p.name in set(names)]
    missing = [p for p in wanted if p.name not in cache]
    if missing:
        bctx = CheckContext(
            head=ctx.base,
            policies=replace(ctx.policies, policies=tuple(missing)),
            compute=ctx.compute,
            engine=ctx.engine,
            scenario_fn=ctx.scenario_fn,
        )
        found, _ran = run_policies(bctx)
        ctx.scenarios += bctx.scenarios
        for p in missing:
            cache[p.name] = [f for f in found if f.policy == p.name]
    return [f for p in wanted for f in cache[p.name]]


def device_files(ctx: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for dp in (ctx.base, ctx.head):
        if dp is not None:
            out.update({n: node.file for n, node in dp.snapshot.nodes.items()})
    return out


def label_pre_existing(ctx: Any, findings: Sequence[Finding]) -> list[Finding]:
    """The call site for ``api.run`` (diff mode, not ``--strict``)."""
    if ctx.base is None or not candidates(findings):
        return list(findings)
    impact = getattr(ctx, "impact", None)
    units: list[Unit] = impact.units if impact is not None else []
    names = {f.policy for f in findings if f.severity == "error" and f.check not in DIFF_CHECKS}
    return label(findings, base_findings(ctx, names), units, device_files(ctx))
