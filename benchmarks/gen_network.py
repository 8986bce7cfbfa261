"""Generate a large multi-AZ network in Batfish layout, to measure the engine at realistic sizes.

The fixtures are a handful of routers; a failure sweep over a real region has hundreds. This
script writes one deterministic snapshot per parameter set so that timings are reproducible and
comparable across engine versions (same parameters, byte-identical files).

Shape (per availability zone ``a``, AS ``65000 + a``)::

    az<a>-core<k>          route reflectors; eBGP to the cores of every other AZ over /31s
      |  (every spine to every core)
    az<a>-p<p>-spine<s>    RR clients of the cores, route reflectors for their pod's leaves
      |  (every leaf to every spine of its pod)
    az<a>-p<p>-leaf<l>     one host /24 each (``network ... mask``); some with an edge ACL
      |
    az<a>-p<p>-host        one host per pod, on leaf 1

OSPF area 0 inside each AZ (point-to-point /31s, loopbacks), iBGP over loopbacks, eBGP between AZ
cores: ``core1`` links are the primary inter-AZ path (local-preference 200 inbound), the links of
the other cores are backups (local-preference 50). Cores announce their AZ's host /24s and the AZ
loopback block (a Null0 static), and accept only other AZs' blocks, so an AZ never carries transit.

Addressing (AZ ``a`` in 1..15)::

    host subnets    10.<a>.<idx>.0/24           idx = (pod-1) * leaves + (leaf-1); gateway .1, host .10
    loopbacks       10.<100+a>.0.<k>/32         cores
                    10.<100+a>.<p>.<l>/32       leaves of pod p
                    10.<100+a>.<p>.<128+s>/32   spines of pod p
    intra-AZ /31s   172.<16+a>.0.0/16
    inter-AZ /31s   100.64.<pair>.<2k>/31       pair = index of the AZ pair, k = core

Usable from Python (``generate(out_dir, azs=3, ...) -> dict``) and from the command line::

    python benchmarks/gen_network.py OUT_DIR --azs 3 --pods 4 --leaves 8 --spines 4 --cores 2

``OUT_DIR/snapshot`` is the snapshot folder (``configs/``, ``hosts/``); ``OUT_DIR/policies/``
holds the matching policies (zones per AZ, inter-AZ reachability and redundancy, hygiene).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

MAX_AZS = 15  # 172.(16+a) must stay inside 172.16.0.0/12
BASE_AS = 65000
PRIMARY_LOCAL_PREF = 200
BACKUP_LOCAL_PREF = 50


@dataclass(frozen=True)
class Params:
    """The size of the generated network; every count is per parent (leaves per pod, ...)."""

    azs: int = 3
    pods: int = 4
    leaves: int = 8
    spines: int = 4
    cores: int = 2
    acl_every: int = 4  # every Nth leaf of a pod (starting with leaf 2) filters its host port; 0 = none

    def validate(self) -> None:
        limits = {
            "azs": (2, MAX_AZS),
            "pods": (1, 254),
            "leaves": (1, 127),
            "spines": (1, 126),
            "cores": (2, 126),
        }
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(f"{name} must be in {lo}..{hi}, got {value}")
        if self.pods * self.leaves > 256:
            raise ValueError(
                f"pods * leaves must be <= 256 (one /24 per leaf in 10.<az>.0.0/16), got {self.pods * self.leaves}"
            )
        if self.acl_every < 0:
            raise ValueError(f"acl_every must be >= 0, got {self.acl_every}")

    @property
    def routers_per_az(self) -> int:
        return self.cores + self.pods * (self.spines + self.leaves)

    @property
    def routers(self) -> int:
        return self.azs * self.routers_per_az


# Named sizes, so README figures and scripts agree on what "large" means.
PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2},  # 12 routers, for tests
    "small": {"azs": 3, "pods": 2, "leaves": 4, "spines": 2, "cores": 2},  # 42 routers
    "medium": {"azs": 3, "pods": 4, "leaves": 8, "spines": 4, "cores": 2},  # 150 routers (the defaults)
    "large": {"azs": 3, "pods": 6, "leaves": 24, "spines": 4, "cores": 2},  # 510 routers
}


# --- names and addresses ------------------------------------------------------------------------


def core_name(a: int, k: int) -> str:
    return f"az{a}-core{k}"


def spine_name(a: int, p: int, s: int) -> str:
    return f"az{a}-p{p}-spine{s}"


def leaf_name(a: int, p: int, lf: int) -> str:
    return f"az{a}-p{p}-leaf{lf}"


def host_name(a: int, p: int) -> str:
    return f"az{a}-p{p}-host"


def core_loopback(a: int, k: int) -> str:
    return f"10.{100 + a}.0.{k}"


def spine_loopback(a: int, p: int, s: int) -> str:
    return f"10.{100 + a}.{p}.{128 + s}"


def leaf_loopback(a: int, p: int, lf: int) -> str:
    return f"10.{100 + a}.{p}.{lf}"


def host_subnet_index(prm: Params, p: int, lf: int) -> int:
    return (p - 1) * prm.leaves + (lf - 1)


def host_subnet(prm: Params, a: int, p: int, lf: int) -> str:
    return f"10.{a}.{host_subnet_index(prm, p, lf)}.0"


def leaf_has_acl(prm: Params, lf: int) -> bool:
    return prm.acl_every > 0 and lf % prm.acl_every == 2 % prm.acl_every


def _link_addr(a: int, i: int) -> tuple[str, str]:
    """The two ends of the ``i``-th intra-AZ /31 of AZ ``a``."""
    third, fourth = divmod(2 * i, 256)
    return f"172.{16 + a}.{third}.{fourth}", f"172.{16 + a}.{third}.{fourth + 1}"


def _pairs(prm: Params) -> list[tuple[int, int]]:
    return list(combinations(range(1, prm.azs + 1), 2))


def _inter_az_addr(prm: Params, a: int, b: int, k: int) -> tuple[str, str]:
    """(address on AZ min(a,b), address on AZ max(a,b)) of core ``k``'s link between the two AZs."""
    pair = _pairs(prm).index((min(a, b), max(a, b)))
    return f"100.64.{pair}.{2 * (k - 1)}", f"100.64.{pair}.{2 * (k - 1) + 1}"


# --- device builders ----------------------------------------------------------------------------


@dataclass
class _Device:
    """Text of one router being assembled: interfaces first, then routing, then filters."""

    name: str
    az: int
    loopback: str
    interfaces: list[str] = field(default_factory=list)
    bgp_head: list[str] = field(default_factory=list)
    bgp_af: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def p2p(self, name: str, address: str, description: str, ospf: bool = True) -> None:
        self.interfaces += [
            f"interface {name}",
            f" description {description}",
            f" ip address {address} 255.255.255.254",
        ]
        if ospf:
            self.interfaces += [" ip ospf network point-to-point", " ip ospf 1 area 0"]
        self.interfaces.append("!")

    def render(self) -> str:
        out = [
            "!",
            f"hostname {self.name}",
            "!",
            "interface Loopback0",
            " description router-id, iBGP endpoint",
            f" ip address {self.loopback} 255.255.255.255",
            " ip ospf 1 area 0",
            "!",
            *self.interfaces,
            "router ospf 1",
            f" router-id {self.loopback}",
            " passive-interface Loopback0",
            "!",
            f"router bgp {BASE_AS + self.az}",
            f" bgp router-id {self.loopback}",
            " bgp log-neighbor-changes",
            *self.bgp_head,
            " !",
            " address-family ipv4",
            *self.bgp_af,
            " exit-address-family",
            "!",
            *self.tail,
            "end",
        ]
        return "\n".join(out) + "\n"


@dataclass
class _Az:
    """All routers of one AZ, wired as the links are allocated."""

    devices: dict[str, _Device]
    links: int = 0

    def connect(self, a: int, left: tuple[str, str], right: tuple[str, str]) -> None:
        lo, hi = _link_addr(a, self.links)
        self.links += 1
        (ln, li), (rn, ri) = left, right
        self.devices[ln].p2p(li, lo, f"to {rn} {ri}")
        self.devices[rn].p2p(ri, hi, f"to {ln} {li}")


def _build_az(prm: Params, a: int) -> tuple[dict[str, _Device], int]:
    asn = BASE_AS + a
    devices: dict[str, _Device] = {}
    for k in range(1, prm.cores + 1):
        devices[core_name(a, k)] = _Device(core_name(a, k), a, core_loopback(a, k))
    for p in range(1, prm.pods + 1):
        for s in range(1, prm.spines + 1):
            devices[spine_name(a, p, s)] = _Device(spine_name(a, p, s), a, spine_loopback(a, p, s))
        for lf in range(1, prm.leaves + 1):
            devices[leaf_name(a, p, lf)] = _Device(leaf_name(a, p, lf), a, leaf_loopback(a, p, lf))
    az = _Az(devices)

    # cores: a full mesh among themselves (Gi0/<other core>)
    for k1, k2 in combinations(range(1, prm.cores + 1), 2):
        az.connect(a, (core_name(a, k1), f"GigabitEthernet0/{k2}"), (core_name(a, k2), f"GigabitEthernet0/{k1}"))
    for p in range(1, prm.pods + 1):
        for s in range(1, prm.spines + 1):
            sp = spine_name(a, p, s)
            # spine uplinks Gi2/<core>  <->  core Gi<p+1>/<spine>
            for k in range(1, prm.cores + 1):
                az.connect(a, (sp, f"GigabitEthernet2/{k}"), (core_name(a, k), f"GigabitEthernet{p + 1}/{s}"))
            # spine downlinks Gi1/<leaf>  <->  leaf Gi1/<spine>
            for lf in range(1, prm.leaves + 1):
                az.connect(a, (sp, f"GigabitEthernet1/{lf}"), (leaf_name(a, p, lf), f"GigabitEthernet1/{s}"))

    # iBGP: cores reflect to spines, spines reflect to their pod's leaves
    cores = [core_name(a, k) for k in range(1, prm.cores + 1)]
    for k, core in enumerate(cores, start=1):
        d = devices[core]
        # One cluster for all cores (redundant RRs): a core drops client routes reflected by its
        # twin, so the cores never prefer each other's copy of a client route over the client's.
        d.bgp_head += [
            f" bgp cluster-id {cluster_id(a)}",
            " neighbor RR-CLIENTS peer-group",
            f" neighbor RR-CLIENTS remote-as {asn}",
            " neighbor RR-CLIENTS update-source Loopback0",
            " neighbor CORES peer-group",
            f" neighbor CORES remote-as {asn}",
            " neighbor CORES update-source Loopback0",
        ]
        d.bgp_af += [
            f"  network {host_block_loopbacks(a)} mask 255.255.0.0",
            "  neighbor RR-CLIENTS route-reflector-client",
            "  neighbor RR-CLIENTS next-hop-self",
            "  neighbor CORES next-hop-self",
        ]
        for k2 in range(1, prm.cores + 1):
            if k2 != k:
                d.bgp_head.append(f" neighbor {core_loopback(a, k2)} peer-group CORES")
                d.bgp_af.append(f"  neighbor {core_loopback(a, k2)} activate")
        for p in range(1, prm.pods + 1):
            for s in range(1, prm.spines + 1):
                d.bgp_head.append(f" neighbor {spine_loopback(a, p, s)} peer-group RR-CLIENTS")
                d.bgp_af.append(f"  neighbor {spine_loopback(a, p, s)} activate")
        d.tail += [f"ip route {host_block_loopbacks(a)} 255.255.0.0 Null0", "!"]
    for p in range(1, prm.pods + 1):
        for s in range(1, prm.spines + 1):
            d = devices[spine_name(a, p, s)]
            d.bgp_head += [
                " neighbor CORES peer-group",
                f" neighbor CORES remote-as {asn}",
                " neighbor CORES update-source Loopback0",
                " neighbor LEAVES peer-group",
                f" neighbor LEAVES remote-as {asn}",
                " neighbor LEAVES update-source Loopback0",
            ]
            d.bgp_af.append("  neighbor LEAVES route-reflector-client")
            for k in range(1, prm.cores + 1):
                d.bgp_head.append(f" neighbor {core_loopback(a, k)} peer-group CORES")
                d.bgp_af.append(f"  neighbor {core_loopback(a, k)} activate")
            for lf in range(1, prm.leaves + 1):
                d.bgp_head.append(f" neighbor {leaf_loopback(a, p, lf)} peer-group LEAVES")
                d.bgp_af.append(f"  neighbor {leaf_loopback(a, p, lf)} activate")
        for lf in range(1, prm.leaves + 1):
            d = devices[leaf_name(a, p, lf)]
            net = host_subnet(prm, a, p, lf)
            gw = net.rsplit(".", 1)[0] + ".1"
            d.interfaces += [
                "interface GigabitEthernet0/0",
                " description host LAN",
                f" ip address {gw} 255.255.255.0",
            ]
            if leaf_has_acl(prm, lf):
                d.interfaces += [" ip access-group HOST-IN in", " ip access-group HOST-OUT out"]
                d.tail += [
                    "ip access-list extended HOST-IN",
                    " remark anti-spoofing: only the LAN's own sources",
                    f" permit ip {net} 0.0.0.255 any",
                    " deny   ip any any",
                    "ip access-list extended HOST-OUT",
                    " deny   tcp any any eq telnet",
                    " deny   udp any any eq snmp",
                    " permit ip any any",
                    "!",
                ]
            d.interfaces.append("!")
            d.bgp_head += [
                " neighbor SPINES peer-group",
                f" neighbor SPINES remote-as {asn}",
                " neighbor SPINES update-source Loopback0",
            ]
            d.bgp_af.append(f"  network {net} mask 255.255.255.0")
            for s in range(1, prm.spines + 1):
                d.bgp_head.append(f" neighbor {spine_loopback(a, p, s)} peer-group SPINES")
                d.bgp_af.append(f"  neighbor {spine_loopback(a, p, s)} activate")
    return devices, az.links


def cluster_id(a: int) -> str:
    return f"10.{100 + a}.0.255"


def host_block(a: int) -> str:
    return f"10.{a}.0.0"


def host_block_loopbacks(a: int) -> str:
    return f"10.{100 + a}.0.0"


def _wire_inter_az(prm: Params, azs: dict[int, dict[str, _Device]]) -> int:
    """eBGP between the cores of every AZ pair: core1 is primary, every other core a backup."""
    links = 0
    for a in range(1, prm.azs + 1):
        others = [b for b in range(1, prm.azs + 1) if b != a]
        for k in range(1, prm.cores + 1):
            d = azs[a][core_name(a, k)]
            role = "PRIMARY" if k == 1 else "BACKUP"
            d.bgp_head += [f" neighbor {role}-AZ peer-group"]
            d.bgp_af += [
                f"  neighbor {role}-AZ route-map FROM-{role}-AZ in",
                f"  neighbor {role}-AZ route-map TO-PEER-AZ out",
            ]
            for b in others:
                mine, theirs = _inter_az_addr(prm, a, b, k)
                if a > b:
                    mine, theirs = theirs, mine
                d.p2p(f"GigabitEthernet1/{b}", mine, f"{role.lower()} inter-AZ link to {core_name(b, k)}", ospf=False)
                d.bgp_head += [
                    f" neighbor {theirs} peer-group {role}-AZ",
                    f" neighbor {theirs} remote-as {BASE_AS + b}",
                ]
                d.bgp_af.append(f"  neighbor {theirs} activate")
                if a < b:
                    links += 1
            lp = PRIMARY_LOCAL_PREF if k == 1 else BACKUP_LOCAL_PREF
            d.tail += [
                f"ip prefix-list OWN-AZ seq 5 permit {host_block(a)}/16 ge 24 le 24",
                f"ip prefix-list OWN-AZ seq 10 permit {host_block_loopbacks(a)}/16",
                *[
                    line
                    for i, b in enumerate(others)
                    for line in (
                        f"ip prefix-list PEER-AZS seq {10 * i + 5} permit {host_block(b)}/16 ge 24 le 24",
                        f"ip prefix-list PEER-AZS seq {10 * i + 10} permit {host_block_loopbacks(b)}/16",
                    )
                ],
                "!",
                "route-map TO-PEER-AZ permit 10",
                " match ip address prefix-list OWN-AZ",
                "!",
                f"route-map FROM-{role}-AZ permit 10",
                " match ip address prefix-list PEER-AZS",
                f" set local-preference {lp}",
                "!",
            ]
    return links


# --- hosts and policies ---------------------------------------------------------------------------


def _host_json(prm: Params, a: int, p: int) -> str:
    net = host_subnet(prm, a, p, 1).rsplit(".", 1)[0]
    doc = {
        "hostname": host_name(a, p),
        "hostInterfaces": {"eth0": {"name": "eth0", "prefix": f"{net}.10/24", "gateway": f"{net}.1"}},
    }
    return json.dumps(doc, indent=2) + "\n"


def _policies(prm: Params) -> str:
    azs = range(1, prm.azs + 1)
    lines = [
        "version: 1",
        "description: >",
        f"  Generated by benchmarks/gen_network.py ({_describe(prm)}). Each AZ owns its host",
        "  subnets and its loopback block; hosts sit on leaf 1 of every pod; core1 carries the",
        "  primary inter-AZ path, the other cores the backups.",
        "",
        "zones:",
    ]
    for a in azs:
        leaf_blocks = [f"10.{100 + a}.{p}.0/25" for p in range(1, prm.pods + 1)]
        lines += [
            f"  az{a}: {{prefixes: [{host_block(a)}/16, {host_block_loopbacks(a)}/16]}}",
            f'  az{a}-hosts: {{nodes: ["/^az{a}-p[0-9]+-host$/"]}}',
            f'  az{a}-leaves: {{nodes: ["/^az{a}-p[0-9]+-leaf[0-9]+$/"]}}',
            f"  az{a}-leaf-loopbacks: {{prefixes: [{', '.join(leaf_blocks)}]}}",
        ]
    acl_leaves = [lf for lf in range(1, prm.leaves + 1) if leaf_has_acl(prm, lf)]
    if acl_leaves:
        # the upper half of each filtered LAN: the gateway (.1) is the leaf itself, which accepts
        # telnet to its own address before the egress filter could see it
        protected = [
            host_subnet(prm, a, p, lf)[:-1] + "128/25" for a in azs for p in range(1, prm.pods + 1) for lf in acl_leaves
        ]
        lines.append(f"  filtered-lans: {{prefixes: [{', '.join(protected)}]}}")
    lines += ["", "policies:"]
    for a in azs:
        for b in azs:
            if a != b:
                lines.append(
                    f"  - {{name: az{a}-to-az{b}, type: reachability, from: az{a}-hosts, to: az{b},"
                    " protocol: tcp, ports: [443], expect: allow}"
                )
    if acl_leaves:
        lines.append(
            "  - {name: no-telnet-to-filtered, type: reachability, from: az1-hosts, to: filtered-lans,"
            " protocol: tcp, ports: [23], expect: deny}"
        )
    lines += [
        "  - name: inter-az",
        "    type: redundancy",
        "    description: leaves of one AZ keep reaching the leaves of every other AZ after any single failure",
        "    between:",
        *[f"      - [az{a}-leaves, az{b}-leaf-loopbacks]" for a in azs for b in azs if a != b],
        "    max_failures: 1",
        "    elements: [link, node]",
        "  - {name: hygiene, type: hygiene, require: [no_parse_errors, no_undefined_references, bgp_sessions_up,"
        " no_forwarding_loops]}",
    ]
    return "\n".join(lines) + "\n"


def _describe(prm: Params) -> str:
    return f"azs={prm.azs} pods={prm.pods} leaves={prm.leaves} spines={prm.spines} cores={prm.cores}"


# --- entry points ---------------------------------------------------------------------------------


def network_files(prm: Params) -> Iterator[tuple[str, str]]:
    """(snapshot-relative path, text) of every file, in a fixed order."""
    prm.validate()
    azs: dict[int, dict[str, _Device]] = {}
    for a in range(1, prm.azs + 1):
        azs[a], _ = _build_az(prm, a)
    _wire_inter_az(prm, azs)
    for a in sorted(azs):
        for name, dev in azs[a].items():
            yield f"configs/{name}.cfg", dev.render()
        for p in range(1, prm.pods + 1):
            yield f"hosts/{host_name(a, p)}.json", _host_json(prm, a, p)


def generate(out_dir: str | Path, **params: Any) -> dict[str, Any]:
    """Write the snapshot to ``out_dir/snapshot`` and the policies to ``out_dir/policies``.

    ``params`` are the fields of :class:`Params`. Anything already in ``out_dir/snapshot`` is
    replaced, so a smaller network never inherits stale configs from a bigger one.
    Returns a summary (paths, counts) for scripts and tests.
    """
    prm = Params(**params)
    prm.validate()
    out = Path(out_dir)
    snap = out / "snapshot"
    if snap.exists():
        shutil.rmtree(snap)
    (snap / "configs").mkdir(parents=True)
    (snap / "hosts").mkdir()
    files = 0
    for rel, text in network_files(prm):
        (snap / rel).write_text(text)
        files += 1
    pol_dir = out / "policies"
    pol_dir.mkdir(exist_ok=True)
    policies = pol_dir / "benchmark.yaml"
    policies.write_text(_policies(prm))
    intra_links = prm.azs * (prm.cores * (prm.cores - 1) // 2 + prm.pods * prm.spines * (prm.cores + prm.leaves))
    inter_links = len(_pairs(prm)) * prm.cores
    ibgp = prm.azs * (prm.cores * (prm.cores - 1) // 2 + prm.pods * prm.spines * (prm.cores + prm.leaves))
    return {
        "params": asdict(prm),
        "snapshot": str(snap),
        "policies": str(policies),
        "files": files,
        "routers": prm.routers,
        "hosts": prm.azs * prm.pods,
        "nodes": prm.routers + prm.azs * prm.pods,
        "links": intra_links + inter_links + prm.azs * prm.pods,  # + host links
        "inter_az_links": inter_links,
        "bgp_peerings": ibgp + inter_links,  # undirected: each peering is two sessions
        "host_subnets": prm.azs * prm.pods * prm.leaves,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", help="output folder (snapshot/ and policies/ are written inside)")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="a named size; explicit options override it")
    fields = ("azs", "pods", "leaves", "spines", "cores", "acl_every")
    for name in fields:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
    args = parser.parse_args(argv)
    params: dict[str, int] = dict(PRESETS[args.preset]) if args.preset else {}
    params.update({k: getattr(args, k) for k in fields if getattr(args, k) is not None})
    try:
        summary = generate(args.out_dir, **params)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"{summary['nodes']} nodes ({summary['routers']} routers, {summary['hosts']} hosts), "
        f"{summary['links']} links, {summary['bgp_peerings']} BGP peerings -> {summary['snapshot']}"
    )
    print(f"policies -> {summary['policies']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
