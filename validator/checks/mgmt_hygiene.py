"""``hygiene`` requirements on the management plane and BGP limits (each opt-in by name).

They are the settings Batfish users read from ``nodeProperties``/``namedStructures`` and ANTA
checks on live devices, proven here before deployment:

- ``aaa_fallback_local``: every AAA login method list ends in a method that needs no server
  (``local``, ``enable``, ...), and every list a ``line`` names exists: when the TACACS+ servers
  are unreachable, operators can still log in;
- ``logging_configured`` / ``ntp_configured``: every router sends syslog to a host / syncs time
  from an NTP server (without them the operators' monitoring is blind);
- ``ssh_only``: no vty line admits telnet (a line without ``transport input`` admits it: the
  classic IOS default is ``all``);
- ``ebgp_max_prefix``: every eBGP session has ``maximum-prefix`` (a peer that floods routes
  takes the session down and back, the retry storm).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from validator.checks.evidence import loc
from validator.engine.types import DataPlane
from validator.model.config import Node
from validator.model.source import SourceRef
from validator.model.verdict import Finding, Location

MGMT_REQUIREMENTS = ("aaa_fallback_local", "logging_configured", "ntp_configured", "ssh_only", "ebgp_max_prefix")


def check_mgmt_hygiene(policy: str, dp: DataPlane, require: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    routers = [n for _, n in sorted(dp.snapshot.nodes.items()) if n.vendor != "host"]
    for node in routers:
        for message, src in _problems(node, require):
            where: tuple[Location, ...] = (loc(dp, src.file, src.line),) if src is not None else ()
            out.append(Finding(policy=policy, check="hygiene", message=f"{node.name}: {message}", locations=where))
    return out


def _problems(node: Node, require: Sequence[str]) -> Iterator[tuple[str, SourceRef | None]]:
    m = node.management
    head = SourceRef(node.file, 1)
    if "aaa_fallback_local" in require:
        yield from _aaa_fallback(node)
    if "logging_configured" in require and not m.targets_of("logging"):
        yield "no syslog host configured (logging host A.B.C.D)", head
    if "ntp_configured" in require and not m.targets_of("ntp"):
        yield "no NTP server configured (ntp server A.B.C.D)", head
    if "ssh_only" in require:
        for ln in m.vty_lines:
            if ln.admits("telnet"):
                how = (
                    "'transport input' admits telnet"
                    if ln.transport_input is not None
                    else "no 'transport input' (admits telnet by default)"
                )
                yield f"line vty {ln.first} {ln.last}: {how}", ln.transport_input_source or ln.source
    if "ebgp_max_prefix" in require and node.bgp is not None:
        for nb in node.bgp.neighbors:
            local_as = nb.local_as if nb.local_as is not None else node.bgp.local_as
            if nb.peer_ip is None or nb.remote_as is None or nb.remote_as == local_as:
                continue
            if nb.maximum_prefix is None:
                yield f"eBGP neighbor {nb.peer_ip} (AS {nb.remote_as}) has no maximum-prefix", nb.source


def _aaa_fallback(node: Node) -> Iterator[tuple[str, SourceRef | None]]:
    m = node.management
    if not m.aaa_new_model:
        return  # without aaa new-model, lines log in with their own password or local users
    for ml in m.method_lists:
        if ml.kind == "authentication login" and not ml.local_fallback:
            methods = " ".join(ml.methods)
            yield f"login method list {ml.name!r} ({methods}) has no local fallback", ml.source
    for ln in m.lines:
        if ln.login_list is not None and m.method_list("authentication login", ln.login_list) is None:
            yield (
                f"line {ln.kind} {ln.first} {ln.last}: login method list {ln.login_list!r} is not defined",
                ln.login_source,
            )
