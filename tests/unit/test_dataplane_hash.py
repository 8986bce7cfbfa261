"""FIB actions and next hops hash through their address (model/dataplane.py keeps the generated
hashes): the address is an ``Address`` that hashes once (model/prefix.py), so the per-object hash
cache that was tried here bought nothing on objects built once per resolution and cost ~100 bytes
per hashed object (a materialised ``__dict__`` plus the int), ~10 MB per 100 k FIB entries.

What must hold: an action or next hop made with an ``Address`` equals and hashes like the one made
with the plain ``IPv4Address`` (mixed sets and dicts keep working), hashing stores nothing on the
object, and pickles rehash in the receiving process (a ``str`` hash differs between processes)."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from ipaddress import IPv4Address

from hypothesis import given
from hypothesis import strategies as st

from validator.model.dataplane import FibAction, FibEntry, NextHop, Route
from validator.model.prefix import Address, prefix

ints = st.one_of(st.none(), st.integers(0, 2**32 - 1))
names = st.sampled_from([None, "Gi0/0", "Gi0/1", "Null0"])


def _addr(kind: type, v: int | None) -> IPv4Address | None:
    return None if v is None else kind(v)


@given(names, ints, st.booleans(), names, ints, st.booleans(), st.sampled_from([IPv4Address, Address]))
def test_actions_and_hops_with_cached_hash_addresses_mix_with_plain_ones(
    i1: str | None, v1: int | None, n1: bool, i2: str | None, v2: int | None, n2: bool, kind: type
) -> None:
    a, b = FibAction(i1, _addr(Address, v1), n1), FibAction(i2, _addr(kind, v2), n2)
    plain_a = FibAction(i1, _addr(IPv4Address, v1), n1)
    assert a == plain_a and hash(a) == hash(plain_a) and {plain_a: 1}[a] == 1
    assert (a == b) == ((i1, v1, n1) == (i2, v2, n2))
    if a == b:
        assert hash(a) == hash(b) and len({a, b, plain_a}) == 1
    h1 = NextHop("ip", i1, _addr(Address, v1))
    h2 = NextHop("ip", i1, _addr(IPv4Address, v1))
    assert h1 == h2 and hash(h1) == hash(h2) and not (h1 < h2) and not (h2 < h1)
    hash(a)
    hash(h1)
    # nothing cached on the object (slotted: it has no __dict__ to cache in)
    assert set(getattr(a, "__dict__", ())) <= {f.name for f in dataclasses.fields(a)}
    assert set(getattr(h1, "__dict__", ())) <= {f.name for f in dataclasses.fields(h1)}


def test_a_worker_process_hashes_its_own_way() -> None:
    """Unpickled in processes with other hash seeds, actions, next hops and FIB entries are found
    in that process's own sets (a hash carried over from this process would miss them)."""
    objs = [
        FibAction("GigabitEthernet0/0", Address("10.0.0.1")),
        FibAction(None, None, null_route=True),
        NextHop("interface", "Loopback0"),
        NextHop("ip", None, Address("192.0.2.1")),
    ]
    for o in objs:
        hash(o)
    route = Route("r1", "default", prefix("10.0.0.0/24"), "static", objs[3], 1, 0)  # type: ignore[arg-type]
    entry = FibEntry(route, objs[0])  # type: ignore[arg-type]
    code = (
        "import pickle, sys\n"
        "from ipaddress import IPv4Address\n"
        "from validator.model.dataplane import FibAction, NextHop\n"
        "objs, entry = pickle.loads(sys.stdin.buffer.read())\n"
        "fresh = [FibAction('GigabitEthernet0/0', IPv4Address('10.0.0.1')), FibAction(None, None, null_route=True),\n"
        "         NextHop('interface', 'Loopback0'), NextHop('ip', None, IPv4Address('192.0.2.1'))]\n"
        "assert all(o in set(fresh) and hash(o) == hash(f) for o, f in zip(objs, fresh))\n"
        "assert entry.action in set(fresh) and entry.route.next_hop in set(fresh)\n"
        "assert {entry.route.network: 1}[__import__('ipaddress').IPv4Network('10.0.0.0/24')] == 1\n"
        "print('ok')\n"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=pickle.dumps((objs, entry)),
            capture_output=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert out.stdout.strip() == b"ok", out.stderr
