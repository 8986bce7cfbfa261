"""``validator compare-engines``: the builtin engine against Batfish on the same snapshot.

Routes, layer-3 edges and, with ``--policies``, the traces of the policies' flows (every header
class the checks would trace, from the builtin's exploration) are compared and every difference
is listed. Exit 0 when the engines agree, 1 when they differ, 3 when Batfish cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.cli.common import add_snapshot_dir
from validator.engine.types import DataPlane
from validator.model.dataplane import Edge, Route
from validator.model.flow import Flow, Trace

SCHEMA = "validator.compare-engines/1"
DEFAULT_MAX_FLOWS = 500


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compare-engines",
        help="compare the builtin engine with Batfish on one snapshot (exit 0 same, 1 different, 3 Batfish unusable)",
    )
    add_snapshot_dir(p)
    p.add_argument("--batfish-host", metavar="HOST", help="Batfish service HOST[:PORT] (default: $BATFISH_HOST)")
    p.add_argument("--policies", metavar="PATH", help="also compare the traces of these policies' flows")
    p.add_argument(
        "--max-flows",
        type=int,
        default=DEFAULT_MAX_FLOWS,
        metavar="N",
        help=f"stop comparing traces after N flows (default {DEFAULT_MAX_FLOWS}; each is one Batfish traceroute)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=_compare_engines)


def _route_key(r: Route) -> str:
    return json.dumps({**r.to_json(), "tag": r.tag}, sort_keys=True)


def _normalised(traces: Sequence[Trace]) -> str:
    """Traces as comparable JSON: the routes a Routing step lists are a set, not a sequence."""
    out = []
    for t in traces:
        doc = t.to_json()
        for hop in doc["hops"]:
            for step in hop["steps"]:
                if isinstance(step.get("routes"), list):
                    step["routes"] = sorted(step["routes"], key=lambda r: json.dumps(r, sort_keys=True))
        out.append(doc)
    return json.dumps(out, sort_keys=True)


def _summary(traces: Sequence[Trace]) -> list[str]:
    return [f"{t.disposition} via {' -> '.join(t.path)}" for t in traces]


@dataclass(frozen=True)
class TraceDifference:
    policy: str
    flow: Flow
    builtin: tuple[Trace, ...]
    batfish: tuple[Trace, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "flow": self.flow.to_json(),
            "builtin": [t.to_json() for t in self.builtin],
            "batfish": [t.to_json() for t in self.batfish],
        }


@dataclass
class Comparison:
    """Everything compare-engines found; ``differences`` counts what makes it exit 1."""

    routes_builtin: int = 0
    routes_batfish: int = 0
    routes_only_builtin: list[Route] = field(default_factory=list)
    routes_only_batfish: list[Route] = field(default_factory=list)
    edges_only_builtin: list[Edge] = field(default_factory=list)
    edges_only_batfish: list[Edge] = field(default_factory=list)
    flows_compared: int = 0
    flows_truncated: bool = False
    policies_traced: list[str] = field(default_factory=list)
    traces: list[TraceDifference] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return (
            len(self.routes_only_builtin)
            + len(self.routes_only_batfish)
            + len(self.edges_only_builtin)
            + len(self.edges_only_batfish)
            + len(self.traces)
        )


def compare_dataplanes(builtin: DataPlane, batfish: DataPlane, out: Comparison | None = None) -> Comparison:
    """Routes (every field Batfish reports, tag included) and layer-3 edges, as sets."""
    cmp = out or Comparison()
    ours = {_route_key(r): r for r in builtin.routes()}
    theirs = {_route_key(r): r for r in batfish.routes()}
    cmp.routes_builtin, cmp.routes_batfish = len(ours), len(theirs)
    cmp.routes_only_builtin = [ours[k] for k in sorted(ours.keys() - theirs.keys())]
    cmp.routes_only_batfish = [theirs[k] for k in sorted(theirs.keys() - ours.keys())]
    cmp.edges_only_builtin = sorted(set(builtin.edges) - set(batfish.edges))
    cmp.edges_only_batfish = sorted(set(batfish.edges) - set(builtin.edges))
    return cmp


def compare_traces(
    policy: str, results: Iterable[tuple[Flow, Sequence[Trace], Sequence[Trace]]], cmp: Comparison, limit: int
) -> None:
    """(flow, builtin traces, Batfish traces) triples; stops at ``limit`` flows in total."""
    for flow, ours, theirs in results:
        if cmp.flows_compared >= limit:
            cmp.flows_truncated = True
            return
        cmp.flows_compared += 1
        if _normalised(ours) != _normalised(theirs):
            cmp.traces.append(TraceDifference(policy, flow, tuple(ours), tuple(theirs)))


def _policy_pairs(pset: Any) -> list[tuple[str, str, str, Any]]:
    """(policy name, from zone, to zone, HeaderSpec) of every policy that traces flows."""
    from validator.policy.model import NoRegressionPolicy, ReachabilityPolicy, RedundancyPolicy

    out: list[tuple[str, str, str, Any]] = []
    for p in pset.policies:
        if isinstance(p, ReachabilityPolicy | NoRegressionPolicy):
            out.append((p.name, p.from_zone, p.to_zone, p.headers))
        elif isinstance(p, RedundancyPolicy):
            out.extend((p.name, a, b, p.headers) for a, b in p.pairs)
    return out


def _explore_policies(builtin: DataPlane, batfish: DataPlane, pset: Any, cmp: Comparison, limit: int) -> None:
    from validator.checks.explore import Explorer
    from validator.checks.runner import constraints_of
    from validator.checks.zones import zone_destination, zone_sources
    from validator.errors import PolicyError

    for name, src_name, dst_name, headers in _policy_pairs(pset):
        if cmp.flows_compared >= limit:
            cmp.flows_truncated = True
            return
        try:
            src, dst = pset.zones[src_name], pset.zones[dst_name]
        except KeyError as exc:
            raise PolicyError(f"policy {name!r}: undefined zone {exc.args[0]!r}", file=pset.file) from None
        explorer = Explorer([builtin, batfish], constraints_of(headers))
        results = (
            (r.flow, r.traces[0], r.traces[1])
            for r in explorer.explore(zone_sources(builtin, src), zone_destination(builtin, dst, assigned_only=True))
        )
        cmp.policies_traced.append(name)
        compare_traces(name, results, cmp, limit)


def _text(cmp: Comparison, snapshot: str, where: str, version: str) -> str:
    lines = [f"compare-engines: {snapshot}: builtin vs Batfish {version} at {where}"]
    lines.append(
        f"routes: {cmp.routes_builtin} builtin, {cmp.routes_batfish} Batfish, "
        f"{len(cmp.routes_only_builtin) + len(cmp.routes_only_batfish)} different"
    )
    for r in cmp.routes_only_builtin:
        lines.append(
            f"  - only builtin: {r.node} {r.vrf} {r.network} {r.protocol} {r.next_hop} {r.admin_distance}/{r.metric}"
        )
    for r in cmp.routes_only_batfish:
        lines.append(
            f"  + only Batfish: {r.node} {r.vrf} {r.network} {r.protocol} {r.next_hop} {r.admin_distance}/{r.metric}"
        )
    lines.append(f"edges: {len(cmp.edges_only_builtin) + len(cmp.edges_only_batfish)} different")
    lines.extend(f"  - only builtin: {e}" for e in cmp.edges_only_builtin)
    lines.extend(f"  + only Batfish: {e}" for e in cmp.edges_only_batfish)
    if cmp.policies_traced:
        more = " (stopped at --max-flows)" if cmp.flows_truncated else ""
        n_policies = len(cmp.policies_traced)
        lines.append(f"traces: {cmp.flows_compared} flows of {n_policies} policies{more}, {len(cmp.traces)} different")
        for d in cmp.traces:
            lines.append(f"  * {d.policy}: {d.flow}")
            lines.append(f"      builtin: {'; '.join(_summary(d.builtin)) or 'no trace'}")
            lines.append(f"      Batfish: {'; '.join(_summary(d.batfish)) or 'no trace'}")
    else:
        lines.append("traces: not compared (pass --policies to trace the policies' flows)")
    lines.append("engines agree" if cmp.differences == 0 else f"{cmp.differences} difference(s)")
    return "\n".join(lines)


def _json(cmp: Comparison, snapshot: str, where: str, version: str) -> str:
    doc = {
        "schema": SCHEMA,
        "snapshot": snapshot,
        "batfish": {"host": where, "version": version},
        "differences": cmp.differences,
        "routes": {
            "builtin": cmp.routes_builtin,
            "batfish": cmp.routes_batfish,
            "only_builtin": [r.to_json() for r in cmp.routes_only_builtin],
            "only_batfish": [r.to_json() for r in cmp.routes_only_batfish],
        },
        "edges": {
            "only_builtin": [str(e) for e in cmp.edges_only_builtin],
            "only_batfish": [str(e) for e in cmp.edges_only_batfish],
        },
        "traces": {
            "compared": cmp.flows_compared,
            "truncated": cmp.flows_truncated,
            "policies": cmp.policies_traced,
            "differences": [d.to_json() for d in cmp.traces],
        },
    }
    return json.dumps(doc, indent=1)


def _compare_engines(args: argparse.Namespace) -> int:
    from validator.backends import get_backend
    from validator.engine.dataplane import compute_dataplane
    from validator.errors import InputError
    from validator.snapshot.folder import load_snapshot

    if args.max_flows < 0:
        raise InputError("--max-flows must be 0 or more")
    snapshot = load_snapshot(args.snapshot)
    pset = None
    if args.policies is not None:
        from validator.policy import load_policies

        pset = load_policies(args.policies)
    backend = get_backend("batfish", batfish_host=args.batfish_host)
    try:
        batfish = backend.dataplane(snapshot)
        version = backend.version
        builtin = compute_dataplane(snapshot)
        cmp = compare_dataplanes(builtin, batfish)
        if pset is not None:
            _explore_policies(builtin, batfish, pset, cmp, args.max_flows)
        where = str(getattr(backend, "where", args.batfish_host or ""))
    finally:
        backend.close()
    render = _json if args.format == "json" else _text
    sys.stdout.write(render(cmp, str(args.snapshot), where, version) + "\n")
    return 0 if cmp.differences == 0 else 1
