"""``management``: the way back in (operator access, AAA, monitoring) proven before deployment.

Per device: the NOC zone reaches its management addresses on each access protocol and the
device's own filters admit it (vty ``access-class``, SNMP community ACL); every configured AAA,
syslog, NTP and SNMP-trap server is reachable from the configured source interface's address,
and back; the login method list keeps a server-less fallback when asked. With ``max_failures``
the same under every set of up to k failed elements, enumerated and computed by the sweep
machinery of ``redundancy`` (``checks/sweep.py``: elements, the shared Sweeper's scenario data
planes), reporting minimal failing sets only.

A device whose management plane is partial (lines the parser could not read) or whose flows
cross a partial filter is *undecided*: the policy cannot pass on it (the soundness rule).
"""

from __future__ import annotations

import itertools
from typing import Any

from validator.checks.evidence import loc
from validator.checks.mgmt_paths import Problem, access_problems, service_problems
from validator.checks.soundness import undecided_finding
from validator.checks.zones import ZoneLike, zone_nodes
from validator.engine.types import DataPlane
from validator.model.config import Node
from validator.model.verdict import Finding
from validator.policy.model import ManagementPolicy

MAX_FINDINGS = 25
CHECK = "management"


def devices_of(dp: DataPlane, p: ManagementPolicy) -> list[Node]:
    nodes = [n for _, n in sorted(dp.snapshot.nodes.items()) if n.vendor != "host"]
    if p.devices:
        nodes = [n for n in nodes if any(spec.matches(n.name) for spec in p.devices)]
    return nodes


def management_problems(
    dp: DataPlane, p: ManagementPolicy, zone: ZoneLike, skip: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every problem of every device of ``p`` in ``dp`` (devices in ``skip`` are failed)."""
    out: list[Problem] = []
    for node in devices_of(dp, p):
        if node.name in skip:
            continue
        m = node.management
        if m.unparsed:
            out.append(Problem(node.name, "config", "", "management plane partly unparsed", undecided=m.unparsed))
            continue
        out.extend(access_problems(dp, node, zone, p.access, p.address))
        out.extend(service_problems(dp, node, p.services))
        if p.require_local_fallback:
            out.extend(_fallback_problems(dp, node))
    return out


def _fallback_problems(dp: DataPlane, node: Node) -> list[Problem]:
    """The login list of each vty line ends in a server-less method (``local``, ``enable``...):
    with the TACACS+/RADIUS servers unreachable, operators can still log in."""
    m = node.management
    if not m.aaa_new_model:
        return []  # lines authenticate with their own password / local users, no AAA servers
    out: list[Problem] = []
    for ln in m.vty_lines:
        name = ln.login_list or "default"
        ml = m.method_list("authentication login", name)
        where = [loc(dp, ln.login_source.file, ln.login_source.line)] if ln.login_source is not None else []
        if ml is None:
            if name != "default":
                msg = f"line vty {ln.first} {ln.last}: login method list {name!r} is not defined"
                out.append(Problem(node.name, "login", name, msg, tuple(where)))
            continue  # no default list with aaa new-model: IOS uses the local user database
        if not ml.local_fallback:
            msg = (
                f"line vty {ln.first} {ln.last}: login method list {name!r} ({' '.join(ml.methods)}) "
                "has no local fallback: with the AAA servers unreachable nobody can log in"
            )
            out.append(Problem(node.name, "login", name, msg, (loc(dp, ml.source.file, ml.source.line), *where)))
    return out


def _finding(policy: str, dp: DataPlane, prob: Problem, failures: tuple[str, ...]) -> Finding:
    where = f" with {', '.join(failures)} failed" if failures else ""
    extra = {"device": prob.device, "service": prob.service, "server": prob.server, **prob.extra}
    flow = {"from": prob.flow.ingress_node, **prob.flow.to_json()} if prob.flow is not None else None
    if prob.undecided:
        return undecided_finding(
            policy=policy,
            check=CHECK,
            dp=dp,
            refs=prob.undecided,
            what=f"{prob.device}: {prob.service}{where}: {prob.message}",
            failures=failures,
            flow=flow,
            trace=prob.traces,
            locations=prob.locations,
            extra=extra,
        )
    server = f" ({prob.server})" if prob.server else ""
    return Finding(
        policy=policy,
        check=CHECK,
        message=f"{prob.device}: {prob.service}{server}{where}: {prob.message}",
        failures=failures,
        flow=flow,
        trace=tuple(t.to_json() for t in prob.traces),
        locations=prob.locations,
        extra=extra,
    )


def run_management(ctx: Any, p: ManagementPolicy) -> list[Finding]:
    zone = ctx.zone(p.from_zone)
    problems = management_problems(ctx.head, p, zone)
    findings = [_finding(p.name, ctx.head, prob, ()) for prob in problems]
    if p.max_failures > 0 and not ctx.head.failures:
        # a what-if data plane (elements already down) is judged as it stands: "one more
        # failure" is the what-if's own analysis
        findings.extend(_under_failures(ctx, p, zone, {prob.key for prob in problems}))
    return findings[:MAX_FINDINGS] if len(findings) > MAX_FINDINGS else findings


def _under_failures(ctx: Any, p: ManagementPolicy, zone: ZoneLike, known: set[tuple[str, str, str]]) -> list[Finding]:
    """Every set of up to ``max_failures`` elements, smallest first; a (device, service, server)
    already failing with no failure, or under a subset, is not reported again (minimal sets)."""
    from validator.checks.sweep import _sweeper, enumerate_elements, union

    sw = _sweeper(ctx)
    elements = enumerate_elements(ctx.head, p.elements or ("link", "node"), ctx.policies.risk_group_specs())
    noc = zone_nodes(ctx.head, zone)
    failing: dict[tuple[str, str, str], list[frozenset[str]]] = {k: [frozenset()] for k in known}
    out: list[Finding] = []
    for k in range(1, min(p.max_failures, len(elements)) + 1):
        for combo in itertools.combinations(elements, k):
            fs = union(combo)
            if fs.nodes & noc:
                continue  # the NOC itself failed: nothing to reach from
            specs = frozenset(e.spec for e in combo)
            ctx.scenarios += 1
            dp = sw.dataplane(fs)
            for prob in management_problems(dp, p, zone, skip=fs.nodes):
                if any(prev <= specs for prev in failing.get(prob.key, ())):
                    continue
                failing.setdefault(prob.key, []).append(specs)
                out.append(_finding(p.name, dp, prob, tuple(sorted(specs))))
                if len(out) >= MAX_FINDINGS:
                    return out
    return out
