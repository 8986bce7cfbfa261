"""Random small IOS networks against relevance pruning: every pruned failure keeps the base result.

The generator mixes the features the closure reasons about (OSPF with uneven costs, eBGP between
ASes, iBGP full mesh or one route reflector between loopbacks, next-hop-self, inbound
local-preference, outbound AS-path prepending, shared prefixes null-routed by several originators,
aggregates with and without summary-only, maximum-paths, static routes to next hops, to interfaces
and floating, a shared LAN of three routers). For three random (source, destination LAN) pairs per
network, every pruned single failure (link, node, interface) and four random pruned double failures
are recomputed from scratch by the reference engine and must keep every checked class's footprint.
Networks where pruning is off (a documented reason) are skipped. The default run checks a few fixed
seeds; ``pytest -m fuzz`` runs 300 (about 1 s of CPU per network).
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from engine_helpers import snapshot
from test_relevance_hazards import Zone
from test_sweep_prune import assert_base_result

from validator.checks.headerspace import HeaderConstraints
from validator.checks.relevance import relevance
from validator.checks.sweep import enumerate_elements, pair_baseline
from validator.engine.dataplane import compute_dataplane

_ROUTE_MAPS = (
    "route-map LP1 permit 10\n set local-preference 200\n"
    "route-map LP2 permit 10\n set local-preference 50\n"
    "route-map PP permit 10\n set as-path prepend 65099 65099\n"
)


class _Net:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = rng.randint(4, 7)
        self.ases = [65001 + rng.randint(0, rng.choice([0, 1, 2])) for _ in range(self.n)]
        self.cfg: dict[int, list[str]] = {i: [f"hostname r{i}\n"] for i in range(self.n)}
        self.ifn = dict.fromkeys(range(self.n), 0)
        self.ospf = dict.fromkeys(range(self.n), False)
        self.bgp: dict[int, list[str]] = {i: [] for i in range(self.n)}
        self.extra: dict[int, list[str]] = {i: [] for i in range(self.n)}
        self.links: list[tuple[int, int, str, str, bool]] = []

    def lp(self, x: int, peer: str, p: float) -> None:
        if self.rng.random() < p:
            self.bgp[x].append(f" neighbor {peer} route-map LP{self.rng.randint(1, 2)} in\n")

    def build(self) -> list[str]:
        rng, n, ases = self.rng, self.n, self.ases
        edges = {(rng.randrange(i), i) for i in range(1, n)}
        for _ in range(rng.randint(0, n)):
            a, b = rng.sample(range(n), 2)
            edges.add((min(a, b), max(a, b)))
        for k, (a, b) in enumerate(sorted(edges)):
            ipa, ipb = f"10.0.{k}.1", f"10.0.{k}.2"
            same = ases[a] == ases[b]
            use_ospf = same and rng.random() < 0.8
            for x, ip in ((a, ipa), (b, ipb)):
                text = f"interface GigabitEthernet0/{self.ifn[x]}\n ip address {ip} 255.255.255.252\n"
                self.ifn[x] += 1
                if use_ospf:
                    cost = rng.choice([1, 1, 5, 10])
                    text += f" ip ospf network point-to-point\n ip ospf 1 area 0\n ip ospf cost {cost}\n"
                    self.ospf[x] = True
                self.cfg[x].append(text)
            self.links.append((a, b, ipa, ipb, same))
        self._lan()
        for i in range(n):
            lo = " ip ospf 1 area 0\n" if self.ospf[i] else ""
            self.cfg[i].append(f"interface Loopback0\n ip address 10.255.0.{i + 1} 255.255.255.255\n{lo}")
            lan = " ip ospf 1 area 0\n" if self.ospf[i] and rng.random() < 0.3 else ""
            self.cfg[i].append(f"interface GigabitEthernet9/0\n ip address 10.{100 + i}.0.1 255.255.255.0\n{lan}")
        self._sessions()
        for i in range(n):
            self._router(i)
        return ["".join(self.cfg[i]) for i in range(n)]

    def _lan(self) -> None:
        rng = self.rng
        if self.n < 3 or rng.random() >= 0.5:
            return
        lan = rng.sample(range(self.n), 3)
        one_as = len({self.ases[y] for y in lan}) == 1
        for j, x in enumerate(lan):
            text = f"interface GigabitEthernet5/0\n ip address 10.50.0.{j + 1} 255.255.255.0\n"
            if self.ospf[x] and one_as and rng.random() < 0.7:
                text += " ip ospf 1 area 0\n"
            self.cfg[x].append(text)
            for y in lan:
                if y != x and rng.random() < 0.3:
                    ad = rng.choice(["", " 200"])
                    self.extra[x].append(f"ip route 10.{100 + y}.0.0 255.255.255.0 10.50.0.{lan.index(y) + 1}{ad}\n")
            nxt = lan[(j + 1) % 3]
            if self.ases[x] != self.ases[nxt] and rng.random() < 0.5:
                self.bgp[x].append(f" neighbor 10.50.0.{(j + 1) % 3 + 1} remote-as {self.ases[nxt]}\n")
                self.bgp[nxt].append(f" neighbor 10.50.0.{j + 1} remote-as {self.ases[x]}\n")

    def _sessions(self) -> None:
        rng, ases = self.rng, self.ases
        for a, b, ipa, ipb, same in self.links:
            if not same:
                for x, peer, y in ((a, ipb, b), (b, ipa, a)):
                    self.bgp[x].append(f" neighbor {peer} remote-as {ases[y]}\n")
                    self.lp(x, peer, 0.3)
                    if rng.random() < 0.2:
                        self.bgp[x].append(f" neighbor {peer} route-map PP out\n")
            elif rng.random() < 0.3:  # iBGP over the link itself
                for x, peer in ((a, ipb), (b, ipa)):
                    self.bgp[x].append(f" neighbor {peer} remote-as {ases[x]}\n")
                    if rng.random() < 0.5:
                        self.bgp[x].append(f" neighbor {peer} next-hop-self\n")
                    self.lp(x, peer, 0.3)
        for asn in sorted(set(ases)):
            members = [i for i in range(self.n) if ases[i] == asn]
            if len(members) > 2 and rng.random() < 0.5:
                rr = rng.choice(members)
                pairs = [(rr, m, True) for m in members if m != rr]
            else:
                pairs = [(a, b, False) for a, b in itertools.combinations(members, 2) if rng.random() < 0.6]
            for a, b, reflect in pairs:
                for x, y in ((a, b), (b, a)):
                    peer = f"10.255.0.{y + 1}"
                    self.bgp[x].append(f" neighbor {peer} remote-as {asn}\n neighbor {peer} update-source Loopback0\n")
                    if reflect and x == a:
                        self.bgp[x].append(f" neighbor {peer} route-reflector-client\n")
                    if rng.random() < 0.5:
                        self.bgp[x].append(f" neighbor {peer} next-hop-self\n")
                    self.lp(x, peer, 0.2)

    def _router(self, i: int) -> None:
        rng = self.rng
        lines = [f"router bgp {self.ases[i]}\n bgp router-id 10.255.0.{i + 1}\n"]
        if rng.random() < 0.7:
            lines.append(f" network 10.{100 + i}.0.0 mask 255.255.255.0\n")
        if rng.random() < 0.25:
            lines.append(" network 10.200.0.0 mask 255.255.255.0\n")
            self.extra[i].append("ip route 10.200.0.0 255.255.255.0 Null0\n")
        if rng.random() < 0.15:
            lines.append(
                " aggregate-address 10.96.0.0 255.224.0.0" + (" summary-only\n" if rng.random() < 0.5 else "\n")
            )
        if rng.random() < 0.15:
            lines.append(" redistribute static\n")
        if rng.random() < 0.2:
            lines.append(" maximum-paths 2\n")
        if rng.random() < 0.2:
            lines.append(" maximum-paths ibgp 2\n")
        self.cfg[i].append("".join(lines + self.bgp[i]))
        if self.ospf[i]:
            text = f"router ospf 1\n router-id 10.255.0.{i + 1}\n"
            if rng.random() < 0.04:
                text += " redistribute static subnets\n"
            if rng.random() < 0.1:
                text += " redistribute connected subnets\n"
            self.cfg[i].append(text)
        nbrs = [(ipb if a == i else ipa) for a, b, ipa, ipb, _ in self.links if i in (a, b)]
        for _ in range(rng.randint(0, 2)):
            j = rng.randrange(self.n)
            ad = rng.choice(["", " 250", " 20"])
            if rng.random() < 0.2:
                out = f"GigabitEthernet0/{rng.randrange(self.ifn[i])}" if self.ifn[i] else None
                if out:
                    self.extra[i].append(f"ip route 10.{100 + j}.0.0 255.255.255.0 {out}{ad}\n")
                continue
            if not nbrs:
                continue
            pfx = rng.choice(
                [
                    f"10.{100 + j}.0.0 255.255.255.0",
                    f"10.{100 + j}.0.0 255.255.255.128",
                    "10.96.0.0 255.224.0.0",
                    f"10.255.0.{j + 1} 255.255.255.255",
                ]
            )
            self.extra[i].append(f"ip route {pfx} {rng.choice(nbrs)}{ad}\n")
        self.cfg[i] += self.extra[i]
        self.cfg[i].append(_ROUTE_MAPS)


def check_seed(seed: int) -> int:
    """Recompute the pruned scenarios of one random network; the number checked (0: pruning off)."""
    rng = random.Random(seed)
    net = _Net(rng)
    snap = snapshot(*net.build())
    base = compute_dataplane(snap)
    checked = 0
    for _ in range(3):
        src, dst = rng.sample(range(net.n), 2)
        dst_zone = Zone(f"r{dst}", interfaces=(f"r{dst}[GigabitEthernet9/0]",))
        pairs = [pair_baseline(base, Zone(f"r{src}", (f"r{src}",)), dst_zone, HeaderConstraints())]
        rel = relevance(base, pairs)
        if rel.everything:
            return checked
        pruned = [e for e in enumerate_elements(base, ["link", "node", "interface"]) if not rel.affected_by(e.failures)]
        combos: list[Any] = [(e,) for e in pruned]
        doubles = list(itertools.combinations(pruned, 2))
        combos += rng.sample(doubles, min(4, len(doubles)))
        for combo in combos:
            failures = combo[0].failures
            for e in combo[1:]:
                failures = failures.union(e.failures)
            scenario = compute_dataplane(snap, failures)
            assert_base_result(pairs, base, scenario, f"seed {seed}: " + " + ".join(e.spec for e in combo))
            checked += 1
    return checked


@pytest.mark.parametrize("seed", [0, 1, 5, 8, 11])
def test_random_networks_pruned_failures_keep_the_base_result(seed: int) -> None:
    assert check_seed(seed) > 0


@pytest.mark.fuzz
def test_many_random_networks(request: pytest.FixtureRequest) -> None:
    if "fuzz" not in (request.config.option.markexpr or ""):
        pytest.skip("long fuzz run: select it with pytest -m fuzz")
    for seed in range(1000, 1300):
        check_seed(seed)
