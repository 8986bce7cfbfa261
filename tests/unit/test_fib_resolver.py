"""``fib.Resolver`` (a next hop's resolution computed once per RIB) equals ``resolve_route`` route by
route, including routes whose own network lies on their next hop's resolution path (the loop
check then answers differently for them, so a shared tree would be wrong)."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network

from validator.engine.fib import Resolver, build_fib, resolve_route
from validator.engine.rib import MainRib
from validator.engine.types import Fib
from validator.model.dataplane import NextHop, Route


def _r(net: str, nh: NextHop, ad: int = 1) -> Route:
    return Route("n", "default", IPv4Network(net), "static", nh, ad, 0)


def _ip(a: str) -> NextHop:
    return NextHop("ip", None, IPv4Address(a))


def _rib(routes: list[Route]) -> MainRib:
    rib = MainRib()
    rib.merge_all(routes)
    return rib


def test_route_on_its_own_next_hops_path_is_resolved_on_its_own() -> None:
    # 20/8 resolves 10.1.1.1 through 10.1/16, which resolves the same next hop through itself:
    # the loop check skips to 10/8. For 10.1/16 itself the first lookup already hits its own
    # network, so its chain differs from the tree 20/8 built for 10.1.1.1.
    a = _r("20.0.0.0/8", _ip("10.1.1.1"))
    c = _r("10.1.0.0/16", _ip("10.1.1.1"))
    wide = _r("10.0.0.0/8", NextHop("interface", "eth1"))
    rib = _rib([a, c, wide])
    for order in ([a, c, wide], [c, a, wide], [wide, c, a]):
        resolver = Resolver(rib)
        for route in order:
            assert list(resolver.resolve(route)) == resolve_route(rib, route), route.network
    got_c = Resolver(rib)
    got_c.resolve(a)  # the tree of 10.1.1.1 is built for 20/8 first
    assert [e.resolution for e in got_c.resolve(c)] == [(wide,)]
    assert [e.resolution for e in resolve_route(rib, a)] == [(c, wide)]


def test_ecmp_and_duplicate_actions_keep_the_reference_order() -> None:
    routes = [
        _r("10.9.0.0/16", _ip("10.0.0.5")),
        _r("10.0.0.0/24", _ip("192.168.0.1")),
        _r("10.0.0.0/24", _ip("192.168.1.1")),
        _r("192.168.0.0/23", NextHop("interface", "eth0")),
        _r("192.168.1.0/24", NextHop("interface", "eth0", IPv4Address("192.168.1.1"))),
        _r("172.16.0.0/12", NextHop("discard")),
        _r("172.16.5.0/24", _ip("172.16.9.9")),
    ]
    rib = _rib(routes)
    resolver = Resolver(rib)
    for route in routes:
        assert resolver.resolve(route) == resolve_route(rib, route)


def test_random_ribs_equal_route_by_route() -> None:
    rnd = random.Random(15)
    for _ in range(60):
        routes: list[Route] = []
        for _j in range(rnd.randint(3, 14)):
            plen = rnd.choice([8, 16, 16, 24, 24, 32])
            addr = IPv4Address(rnd.choice([0x0A000000, 0x0A010000, 0x0A010100, 0xC0A80000]) | rnd.randint(0, 3))
            net = IPv4Network(f"{addr}/{plen}", strict=False)
            kind = rnd.random()
            if kind < 0.6:
                nh = _ip(str(IPv4Address(rnd.choice([0x0A010101, 0x0A000001, 0xC0A80001, 0x0A010001]))))
            elif kind < 0.9:
                nh = NextHop("interface", rnd.choice(["e0", "e1"]))
            else:
                nh = NextHop("discard")
            routes.append(_r(str(net), nh))
        rib = _rib(routes)
        resolver = Resolver(rib)
        for net, rs in rnd.sample(list(rib.by_prefix.items()), len(rib.by_prefix)):
            for route in rs:
                assert resolver.resolve(route) == resolve_route(rib, route), (net, routes)
        ref = Fib()
        for net, rs in rib.by_prefix.items():
            for route in rs:
                for e in resolve_route(rib, route):
                    ref.add(net.prefixlen, int(net.network_address), e)
        assert build_fib(rib).entries() == ref.entries()
