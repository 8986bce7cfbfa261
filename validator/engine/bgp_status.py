"""BGP session rows as Batfish's ``bgpSessionStatus`` answers them (BgpSessionStatusAnswerer).

Batfish compares two BGP topologies: the *configured* one, built from configurations alone (no
FIBs, so a peer whose local IP is not known statically has no edge there), and the *established*
one the data plane computed (local IPs inferred from the FIB, TCP reachability checked).

- An active peer (``neighbor IP``) is ESTABLISHED when it has exactly one established remote; it
  then shows the local IP the session actually uses. Otherwise it is NOT_ESTABLISHED when the
  configured topology gives it exactly one compatible remote (``UNIQUE_MATCH``), else
  NOT_COMPATIBLE; both show the statically configured local IP (none when unknown).
- A dynamic peer (``bgp listen range``) gives one row per compatible remote in the configured
  topology (ESTABLISHED when that session came up, else NOT_ESTABLISHED) with the session's local
  IP, remote IP, remote AS and type; with no compatible remote, one NOT_ESTABLISHED row naming the
  listen prefix. There is no "dynamic listen" status.

``reason`` carries Batfish's compatibility status (bgpSessionCompatibility) when the local IP is
the cause: LOCAL_IP_UNKNOWN_STATICALLY (iBGP or multihop eBGP without ``update-source`` and no
connected subnet towards the peer) or NO_LOCAL_IP (single-hop eBGP).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network

from validator.model.config import BgpNeighbor
from validator.model.dataplane import BgpSession

PeerKey = tuple[str, int]  # (node, id of the neighbour statement)


@dataclass
class PeerInfo:
    node: str
    vrf: str
    neighbor: BgpNeighbor
    local_as: int
    session_type: str


@dataclass
class SessionFacts:
    """What the topology computation learned, per neighbour statement (see module docstring)."""

    peers: dict[PeerKey, PeerInfo] = field(default_factory=dict)
    static_ip: dict[PeerKey, IPv4Address | None] = field(default_factory=dict)
    # configured topology: compatible remotes with statically known local IPs (both directions)
    configured: dict[PeerKey, set[PeerKey]] = field(default_factory=dict)
    # established topology: remote -> the local IP this side used
    established: dict[PeerKey, dict[PeerKey, IPv4Address]] = field(default_factory=dict)
    # compatible remotes whose ``neighbor password`` disagrees with this end (never established)
    auth_mismatch: set[PeerKey] = field(default_factory=set)

    def add_configured(self, a: PeerKey, b: PeerKey) -> None:
        self.configured.setdefault(a, set()).add(b)
        self.configured.setdefault(b, set()).add(a)

    def add_established(self, a: PeerKey, a_ip: IPv4Address, b: PeerKey, b_ip: IPv4Address) -> None:
        self.established.setdefault(a, {})[b] = a_ip
        self.established.setdefault(b, {})[a] = b_ip


def session_rows(key: PeerKey, info: PeerInfo, facts: SessionFacts) -> list[BgpSession]:
    """The bgpSessionStatus rows of one neighbour statement."""
    if info.neighbor.peer_ip is None:
        return _passive_rows(key, info, facts)
    return [_active_row(key, info, facts)]


def _active_row(key: PeerKey, info: PeerInfo, facts: SessionFacts) -> BgpSession:
    nb = info.neighbor
    static = facts.static_ip.get(key)
    established = facts.established.get(key, {})
    configured = facts.configured.get(key, set())
    local_ip = static
    remote_node: str | None = None
    reason = ""
    if nb.remote_as is None or not nb.active or nb.shutdown:
        status = "NOT_COMPATIBLE"  # Batfish does not convert such a neighbour at all
    elif len(established) == 1:
        status = "ESTABLISHED"
        ((remote, local_ip),) = established.items()
        remote_node = remote[0]
    elif static is not None and len(configured) == 1:
        status = "NOT_ESTABLISHED"
        remote_node = next(iter(configured))[0]
        if key in facts.auth_mismatch:
            reason = "AUTHENTICATION_MISMATCH"  # neighbor password differs (not a Batfish status)
    else:
        status = "NOT_COMPATIBLE"
        if static is None:
            multi = info.session_type in ("IBGP", "EBGP_MULTIHOP")
            reason = "LOCAL_IP_UNKNOWN_STATICALLY" if multi else "NO_LOCAL_IP"
    return BgpSession(
        node=info.node,
        vrf=info.vrf,
        local_as=info.local_as,
        local_ip=local_ip,
        remote_as=nb.remote_as,
        remote_ip=nb.peer_ip,
        remote_node=remote_node,
        session_type=info.session_type,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        reason=reason,
    )


def _passive_rows(key: PeerKey, info: PeerInfo, facts: SessionFacts) -> list[BgpSession]:
    nb = info.neighbor
    prefix: IPv4Network | None = nb.peer_prefix
    base = BgpSession(
        node=info.node,
        vrf=info.vrf,
        local_as=info.local_as,
        local_ip=None,
        remote_as=nb.remote_as,
        remote_ip=prefix,
        remote_node=None,
        session_type="UNSET",
        status="NOT_ESTABLISHED",
    )
    if nb.remote_as is None:
        return [replace(base, status="NOT_COMPATIBLE")]
    remotes = sorted(facts.configured.get(key, set()), key=lambda k: (k[0], str(facts.peers[k].neighbor.peer_ip)))
    if not remotes:
        return [base]
    established = facts.established.get(key, {})
    rows: list[BgpSession] = []
    for remote in remotes:
        r = facts.peers[remote]
        r_ip = facts.static_ip.get(remote)
        rows.append(
            BgpSession(
                node=info.node,
                vrf=info.vrf,
                local_as=info.local_as,
                local_ip=established.get(remote, r.neighbor.peer_ip),
                remote_as=r.local_as,
                remote_ip=r_ip,
                remote_node=r.node,
                session_type=r.session_type,  # type: ignore[arg-type]
                status="ESTABLISHED" if remote in established else "NOT_ESTABLISHED",
            )
        )
    return rows
