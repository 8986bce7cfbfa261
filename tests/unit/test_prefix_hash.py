"""``Prefix`` (model/prefix.py) is an ``IPv4Network`` whose hash is computed once: it must be
indistinguishable from the ``IPv4Network`` of the same value as a dict/set key, in comparisons and
orderings, in renderings, and through pickle (another process recomputes, never inherits, its
cached values)."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from hypothesis import given
from hypothesis import strategies as st

from validator.model.prefix import Address, InterfaceAddress, Prefix, prefix, prefix_of

networks = st.builds(
    lambda a, n: IPv4Network((a, n), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


def _less(x: object, y: object) -> bool | str:
    try:
        return bool(x < y)  # type: ignore[operator]
    except TypeError as e:
        return f"TypeError {e}"


@given(networks, networks)
def test_prefix_equals_orders_and_hashes_like_ipv4network(a: IPv4Network, b: IPv4Network) -> None:
    pa, pb = prefix(a), prefix(b)
    assert type(pa) is Prefix and type(pb) is Prefix
    assert hash(pa) == hash(a) and hash(pb) == hash(b)
    for x, y in ((pa, pb), (pa, b), (a, pb)):
        assert (x == y) == (a == b)
        assert (x != y) == (a != b)
        assert _less(x, y) == _less(a, b)
        assert _less(y, x) == _less(b, a)
        assert (x <= y) == (a <= b) and (x >= y) == (a >= b) and (x > y) == (a > b)
    assert sorted([pb, pa, b, a]) == sorted([b, a, b, a])
    assert (pa == a) and (a == pa) and (pa != a) is False and (a != pa) is False
    assert pa.compare_networks(pb) == a.compare_networks(b)
    assert pa.overlaps(pb) == a.overlaps(b) and pa.subnet_of(pb) == a.subnet_of(b)
    assert (pa == "x") is False and pa != 3  # not a network: unequal, as IPv4Network


@given(st.lists(networks, max_size=20), st.lists(networks, max_size=20))
def test_mixed_dict_and_set_keys(plain: list[IPv4Network], other: list[IPv4Network]) -> None:
    d: dict[IPv4Network, int] = {n: i for i, n in enumerate(plain)}
    dp: dict[IPv4Network, int] = {prefix(n): i for i, n in enumerate(plain)}
    for n in plain + other:
        assert d.get(prefix(n)) == dp.get(n) == d.get(n)
        assert (prefix(n) in set(plain)) == (n in set(plain)) == (n in set(dp))
    assert set(map(prefix, plain)) == set(plain)
    assert set(map(prefix, plain)) | set(plain) == set(plain)


@given(networks)
def test_renderings_and_interning(a: IPv4Network) -> None:
    p = prefix(a)
    assert str(p) == str(a) and repr(p) == repr(a) and format(p) == format(a)
    assert json.dumps({"n": str(p)}) == json.dumps({"n": str(a)})
    assert p.with_prefixlen == a.with_prefixlen and p.with_netmask == a.with_netmask
    assert p is prefix(a) is prefix(str(a)) is prefix_of(int(a.network_address), a.prefixlen) is prefix(p)
    assert p.key == (int(a.network_address) << 6) | a.prefixlen
    assert p.broadcast_address == a.broadcast_address and p.hostmask == a.hostmask
    assert p.supernet() == a.supernet() and hash(p.supernet()) == hash(a.supernet())


@given(networks)
def test_pickle_copy_round_trip(a: IPv4Network) -> None:
    p = prefix(a)
    hash(p)
    for q in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert type(q) is Prefix and q == a and hash(q) == hash(a) and q is p  # re-interned
    blob = pickle.dumps(p)
    assert b"_hash" not in blob and b"_key" not in blob  # the cached values never travel
    assert pickle.loads(pickle.dumps(a)) == p


def test_prefix_does_not_need_interning() -> None:
    """A ``Prefix`` made directly (or by ``supernet()``) is another equal object: equality and
    hashing never rely on identity."""
    a, b = Prefix("10.1.0.0/16"), Prefix("10.1.0.0/16")
    assert a is not b and a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert {a: 1}[b] == 1
    assert prefix("10.1.0.0/16") == a


def test_strict_and_errors_are_ipv4networks() -> None:
    assert prefix("10.1.2.3/16", strict=False) == IPv4Network("10.1.0.0/16")
    for bad in ("10.1.2.3/16", "10.0.0.0/33", "nope"):
        try:
            prefix(bad)
        except ValueError as e:
            try:
                IPv4Network(bad)
            except ValueError as e2:
                assert str(e) == str(e2)
        else:  # pragma: no cover - the assertion message names the input
            raise AssertionError(bad)


def test_pickled_prefixes_hash_right_in_another_process() -> None:
    """Unpickling in a fresh interpreter (another hash seed) gives prefixes equal to and hashing
    like that process's own IPv4Networks."""
    nets = [prefix("10.0.0.0/24"), prefix("0.0.0.0/0"), prefix("192.168.1.1/32")]
    code = (
        "import pickle, sys\n"
        "from ipaddress import IPv4Network\n"
        "ps = pickle.loads(sys.stdin.buffer.read())\n"
        "d = {IPv4Network(str(p)): str(p) for p in ps}\n"
        "assert all(d[p] == str(p) and hash(p) == hash(IPv4Network(str(p))) for p in ps)\n"
        "assert all(type(p).__name__ == 'Prefix' for p in ps)\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(nets),
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert out.stdout.strip() == b"ok"


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_interface_address_is_an_ipv4interface_with_a_prefix(ip: int, plen: int) -> None:
    a, b = InterfaceAddress((ip, plen)), IPv4Interface((ip, plen))
    assert type(a.network) is Prefix and a.network is prefix(b.network)
    assert a == b and b == a and hash(a) == hash(b) and str(a) == str(b) and repr(a) == repr(b)
    assert a.ip == b.ip and int(a) == int(b) and a.netmask == b.netmask and a.network == b.network
    assert a.ip == IPv4Address(ip) and type(a.ip) is Address and a.ip is a.ip
    c = pickle.loads(pickle.dumps(a))
    assert type(c) is InterfaceAddress and c == b and c.network is a.network
    # an address never equals an interface, whichever of the stdlib or our types stand on either side
    for addr in (IPv4Address(ip), Address(ip)):
        for iface in (a, b):
            assert (addr == iface) is False and (iface == addr) is False
            assert addr != iface and iface != addr


addresses = st.integers(0, 2**32 - 1)


@given(addresses, addresses)
def test_address_equals_orders_and_hashes_like_ipv4address(x: int, y: int) -> None:
    a, b = IPv4Address(x), IPv4Address(y)
    ca, cb = Address(x), Address(y)
    assert hash(ca) == hash(a) and str(ca) == str(a) and repr(ca) == repr(a) and int(ca) == x
    for u, v in ((ca, cb), (ca, b), (a, cb)):
        assert (u == v) == (a == b) and (u != v) == (a != b)
        assert (u < v) == (a < b) and (u <= v) == (a <= b) and (u > v) == (a > b)
    assert {a: 1}.get(ca) == 1 and {ca: 1}.get(a) == 1 and len({a, ca}) == 1
    assert (ca == "x") is False and ca != IPv4Network("0.0.0.0/0")
    assert ca in IPv4Network((x, 24), strict=False) and ca + 0 == a


@given(addresses)
def test_address_pickles_as_its_int(x: int) -> None:
    ca = Address(x)
    for c in (pickle.loads(pickle.dumps(ca)), copy.copy(ca), copy.deepcopy(ca)):
        assert type(c) is Address and c == ca and hash(c) == hash(ca)
    assert b"_hash" not in pickle.dumps(ca)


def test_pickled_addresses_rehash_in_another_process() -> None:
    """``IPv4Address.__hash__`` hashes a ``str``: another hash seed gives another value, so an
    address's cached hash must be recomputed where it is unpickled."""
    objs = [Address("10.0.0.1"), InterfaceAddress("10.0.0.1/24").ip, InterfaceAddress("192.0.2.5/30")]
    for o in objs:
        hash(o)
    code = (
        "import pickle, sys\n"
        "from ipaddress import IPv4Address, IPv4Interface\n"
        "a, b, c = pickle.loads(sys.stdin.buffer.read())\n"
        "assert a in {IPv4Address('10.0.0.1')} and b in {IPv4Address('10.0.0.1')}\n"
        "assert c in {IPv4Interface('192.0.2.5/30')} and c.ip in {IPv4Address('192.0.2.5')}\n"
        "print('ok')\n"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=pickle.dumps(objs),
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert out.stdout.strip() == b"ok", out.stderr
