"""``hygiene``: configuration health that Batfish reports as init issues, undefined references,
BGP session status and forwarding loops."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network

from validator.checks.evidence import loc
from validator.checks.explore import forwarding_cuts
from validator.checks.mgmt_hygiene import MGMT_REQUIREMENTS, check_mgmt_hygiene
from validator.engine.topology import bind_parent
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.model.flow import Flow
from validator.model.verdict import Finding, Location

REQUIREMENTS = (
    "no_parse_errors",
    "no_undefined_references",
    "bgp_sessions_up",
    "no_forwarding_loops",
    "converges",
    *MGMT_REQUIREMENTS,
)
MAX_LISTED = 20


def check_hygiene(*, policy: str, dp: DataPlane, require: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    snap = dp.snapshot
    if "no_parse_errors" in require:
        for fe in snap.file_errors:
            findings.append(
                Finding(
                    policy=policy,
                    check="hygiene",
                    message=f"{fe.file}:{fe.line}: file does not parse: {fe.message}",
                    locations=(Location(fe.file, fe.line),),
                )
            )
        warnings = snap.warnings
        if warnings:
            findings.append(
                Finding(
                    policy=policy,
                    check="hygiene",
                    severity="warning",
                    message=f"{len(warnings)} configuration line(s) not modelled by the parser, first: {warnings[0]}",
                    locations=tuple(Location(w.file, w.line, w.text.strip()) for w in warnings[:MAX_LISTED]),
                )
            )
    if "no_undefined_references" in require:
        for name in sorted(snap.nodes):
            for kind, ref, src in snap.nodes[name].undefined_references:
                findings.append(
                    Finding(
                        policy=policy,
                        check="hygiene",
                        message=f"{name}: {kind} {ref!r} is referenced but not defined ({src})",
                        locations=(loc(dp, src.file, src.line),),
                    )
                )
    if "bgp_sessions_up" in require:
        failed = dp.failures
        for s in dp.bgp_sessions:
            if s.status == "ESTABLISHED":
                continue
            if isinstance(s.remote_ip, IPv4Network):
                continue  # a listen range with no compatible peer in the snapshot: nothing to be up
            if failed and _ends_failed(dp, s.node, s.remote_node, s.remote_ip, s.local_ip):
                continue  # a session to or from a failed element is expected down in a what-if
            node = snap.nodes.get(s.node)
            where: tuple[Location, ...] = ()
            if node is not None and node.bgp is not None:
                for nb in node.bgp.neighbors:
                    if nb.peer_ip is not None and str(nb.peer_ip) == str(s.remote_ip):
                        where = (loc(dp, nb.source.file, nb.source.line),)
                    elif _listens_for(nb.peer_prefix, s.remote_ip) and not where:
                        where = (loc(dp, nb.source.file, nb.source.line),)  # a listen range's row
            findings.append(
                Finding(
                    policy=policy,
                    check="hygiene",
                    message=(
                        f"{s.node}: BGP session to {s.remote_ip} (AS {s.remote_as}) is {s.status}"
                        + (f": {s.reason}" if s.reason else "")
                    ),
                    locations=where,
                )
            )
    if "no_forwarding_loops" in require:
        findings.extend(_loops(policy, dp))
    if "converges" in require:
        findings.extend(_converges(policy, dp))
    if any(r in MGMT_REQUIREMENTS for r in require):
        findings.extend(check_mgmt_hygiene(policy, dp, require))
    return findings


def _converges(policy: str, dp: DataPlane) -> list[Finding]:
    """Routing reached a fixed point (Batfish fails a snapshot whose data plane oscillates): a
    non-converged data plane is one round of an oscillation, named by prefix and speaker."""
    from validator.engine.convergence import oscillation_of

    osc = oscillation_of(dp)
    if osc is None:
        return []
    return [
        Finding(
            policy=policy,
            check="hygiene",
            message=f"routing does not converge: {osc.describe()}",
            extra={"oscillating_prefixes": list(osc.prefixes), "oscillating_speakers": list(osc.speakers)},
        )
    ]


def _ends_failed(dp: DataPlane, node: str, remote_node: str | None, remote_ip: object, local_ip: object = None) -> bool:
    """The session runs to or from a failed element: either end's node, the interface owning
    either end's address, or (single hop) a failed local interface whose subnet holds the peer."""
    failed = dp.failures
    if node in failed.nodes or (remote_node is not None and remote_node in failed.nodes):
        return True
    snap = dp.snapshot

    def down(key: tuple[str, str]) -> bool:
        # a failed interface, or a subinterface riding on one (engine.topology.bind_parent)
        return key in failed.interfaces or bind_parent(snap, key) in failed.interfaces

    try:
        remote = IPv4Address(str(remote_ip))
    except ValueError:
        return False
    for ip in (remote, local_ip):
        if not isinstance(ip, IPv4Address):
            continue
        owners = dp.ip_owners.get(ip, frozenset())
        if owners and all(n in failed.nodes or down((n, i)) for n, i in owners):
            return True
    local = dp.snapshot.nodes.get(node)
    if local is None:
        return False
    return any(
        down((node, name)) and any(remote in a.network for a in intf.addresses)
        for name, intf in local.interfaces.items()
    )


def _loops(policy: str, dp: DataPlane) -> list[Finding]:
    """Originate one flow per node per destination class and report the classes that loop."""
    cuts = sorted(forwarding_cuts([dp]))
    reps = [c for c in cuts if c <= 0xFFFFFFFF]
    found: dict[tuple[str, ...], Finding] = {}
    for node in sorted(dp.snapshot.nodes):
        src_ip = next(
            (
                a.ip
                for name, intf in sorted(dp.snapshot.nodes[node].interfaces.items())
                if (node, name) in dp.active_interfaces
                for a in intf.addresses
            ),
            None,
        )
        fib = dp.fibs.get(node, {}).get("default")
        if src_ip is None or fib is None:
            continue
        for rep in reps:
            dst = IPv4Address(rep)
            if not fib.lookup(dst):
                continue
            flow = Flow(ingress_node=node, src_ip=src_ip, dst_ip=dst)
            # loops are a property of the FIBs: trace over them in-process whatever computed them
            # (on Batfish the FIBs come from its routes; one remote traceroute per class would be slow)
            for t in trace(dp, flow):
                if t.disposition == "LOOP":
                    cycle = tuple(sorted(set(t.path)))
                    if cycle not in found:
                        found[cycle] = Finding(
                            policy=policy,
                            check="hygiene",
                            message=f"forwarding loop for {dst} among {', '.join(cycle)} (flow {flow})",
                            flow={"from": node, **flow.to_json()},
                            trace=(t.to_json(),),
                        )
                    break
    return list(found.values())


def _listens_for(prefix: IPv4Network | None, remote: IPv4Address | IPv4Network | None) -> bool:
    return prefix is not None and isinstance(remote, IPv4Address) and remote in prefix
