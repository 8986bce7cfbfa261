"""``NextHop`` and ``FibAction`` cache their hash (model/dataplane.py): equal objects must hash
equal, and the cached value must never leak into equality, ordering, copies, ``asdict`` or
pickles (it hashes a ``str``, which another process hashes differently)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from ipaddress import IPv4Address

from hypothesis import given
from hypothesis import strategies as st

from validator.model.dataplane import FibAction, FibEntry, NextHop, Route
from validator.model.prefix import prefix

ips = st.one_of(st.none(), st.integers(0, 2**32 - 1).map(IPv4Address))
names = st.sampled_from([None, "Gi0/0", "Gi0/1", "Null0"])
actions = st.builds(FibAction, interface=names, arp_ip=ips, null_route=st.booleans())
hops = st.builds(NextHop, type=st.sampled_from(["ip", "interface", "discard"]), interface=names, ip=ips)


def _generated_hash(obj: object) -> int:
    """What the dataclass-generated ``__hash__`` computed: the hash of the field tuple."""
    return hash(dataclasses.astuple(obj))  # type: ignore[call-overload]


def _less(x: object, y: object) -> bool | None:
    try:
        return bool(x < y)  # type: ignore[operator]
    except TypeError:
        return None


@given(st.one_of(st.tuples(actions, actions), st.tuples(hops, hops)))
def test_cached_hash_agrees_with_equality(pair: tuple[object, object]) -> None:
    a, b = pair
    hash(a)  # fill a's cache only
    assert (a == b) == (dataclasses.astuple(a) == dataclasses.astuple(b))  # type: ignore[call-overload]
    if a == b:
        assert hash(a) == hash(b)
        # an equal copy made from scratch, uncached, hashes the same
        assert hash(dataclasses.replace(a)) == hash(a)  # type: ignore[type-var]
        # a set or dict of the old generated hash's objects finds the same members
        assert {a: 1}.get(b) == 1 and len({a, b}) == 1
    if isinstance(a, NextHop) and isinstance(b, NextHop):
        assert _less(a, b) == _less(dataclasses.astuple(a), dataclasses.astuple(b))
    assert "_hash" not in dataclasses.asdict(a)  # type: ignore[call-overload]
    assert repr(a) == repr(dataclasses.replace(a))  # type: ignore[type-var]


@given(st.one_of(actions, hops))
def test_cached_hash_is_not_pickled_or_copied(a: FibAction | NextHop) -> None:
    h = hash(a)
    assert a.__dict__.get("_hash") == h  # cached on the object
    for c in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert c == a and hash(c) == h
    assert "_hash" not in pickle.loads(pickle.dumps(a)).__dict__
    assert b"_hash" not in pickle.dumps(a)
    assert "_hash" not in copy.copy(a).__dict__


def test_generated_hash_changed_only_in_value() -> None:
    """Sanity of the reference: the old generated hash is a function of the fields too, so both
    partition objects the same way (equal fields <-> equal hashes on these samples)."""
    a = FibAction("Gi0/0", IPv4Address("10.0.0.1"))
    b = FibAction("Gi0/0", IPv4Address("10.0.0.1"))
    c = FibAction("Gi0/0", IPv4Address("10.0.0.2"))
    assert (hash(a) == hash(b)) == (_generated_hash(a) == _generated_hash(b)) is True
    assert hash(a) != hash(c)


def test_a_worker_process_hashes_its_own_way() -> None:
    """Unpickled in a process with another hash seed, actions and next hops rehash there: they
    are found in that process's own sets (a hash carried over would miss them)."""
    objs = [
        FibAction("GigabitEthernet0/0", IPv4Address("10.0.0.1")),
        FibAction(None, None, null_route=True),
        NextHop("interface", "Loopback0"),
        NextHop("ip", None, IPv4Address("192.0.2.1")),
    ]
    for o in objs:
        hash(o)
    route = Route("r1", "default", prefix("10.0.0.0/24"), "static", objs[3], 1, 0)
    entry = FibEntry(route, objs[0])
    code = (
        "import pickle, sys\n"
        "from ipaddress import IPv4Address\n"
        "from validator.model.dataplane import FibAction, NextHop\n"
        "objs, entry = pickle.loads(sys.stdin.buffer.read())\n"
        "fresh = [FibAction('GigabitEthernet0/0', IPv4Address('10.0.0.1')), FibAction(None, None, null_route=True),\n"
        "         NextHop('interface', 'Loopback0'), NextHop('ip', None, IPv4Address('192.0.2.1'))]\n"
        "assert all(o in set(fresh) and hash(o) == hash(f) for o, f in zip(objs, fresh))\n"
        "assert entry.action in set(fresh) and entry.route.next_hop in set(fresh)\n"
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
