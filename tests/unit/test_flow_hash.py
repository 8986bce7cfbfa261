"""``Flow`` keys every trace cache, so its hash is computed once (model/flow.py): equal flows must
hash equal and the cached value must never leak into equality, ordering, copies or pickles."""

from __future__ import annotations

import dataclasses
import pickle
from ipaddress import IPv4Address, IPv4Interface

from hypothesis import given
from hypothesis import strategies as st

from validator.model.flow import Flow
from validator.model.prefix import Address

flows = st.builds(
    Flow,
    ingress_node=st.sampled_from(["r1", "r2"]),
    src_ip=st.integers(0, 2**32 - 1).map(IPv4Address),
    dst_ip=st.integers(0, 2**32 - 1).map(IPv4Address),
    ingress_interface=st.sampled_from([None, "Gi0/0"]),
    ip_protocol=st.sampled_from([1, 6, 17]),
    dst_port=st.integers(0, 65535),
    tcp_syn=st.booleans(),
)


def _less(x: object, y: object) -> bool | None:
    """``x < y``, or None where the fields do not order (None against a name: a TypeError, as
    the generated ordering always raised)."""
    try:
        return bool(x < y)  # type: ignore[operator]
    except TypeError:
        return None


@given(flows, flows)
def test_equal_flows_hash_equal_and_the_cache_is_invisible(a: Flow, b: Flow) -> None:
    hash(a)  # fill a's cache only: equality and order must not see it
    if a == b:
        assert hash(a) == hash(b)
    assert (a == b) == (dataclasses.astuple(a) == dataclasses.astuple(b))
    assert _less(a, b) == _less(dataclasses.astuple(a), dataclasses.astuple(b))
    c = pickle.loads(pickle.dumps(a))
    assert c == a and hash(c) == hash(a)
    d = dataclasses.replace(a, dst_port=(a.dst_port + 1) % 65536)
    assert d != a and hash(d) == hash(dataclasses.replace(d))
    assert "_hash" not in dataclasses.asdict(a)
    assert "_hash" not in pickle.loads(pickle.dumps(a)).__dict__  # another process hashes str differently
    a == b  # noqa: B015 - equality caches nothing
    assert set(a.__dict__) <= {f.name for f in dataclasses.fields(a)} | {"_hash"}


@given(flows, st.sampled_from([IPv4Address, Address]), st.sampled_from([IPv4Address, Address]))
def test_equality_is_the_fields_equality(a: Flow, t1: type, t2: type) -> None:
    """The fast __eq__ (addresses compared as ints from a cached tuple) answers as the generated
    field-tuple comparison, for plain and cached-hash addresses and for addresses of another kind
    (an IPv4Interface, which it leaves to the fields' own equality)."""
    b = dataclasses.replace(a, src_ip=t1(int(a.src_ip)), dst_ip=t2(int(a.dst_ip)))
    assert a == b and hash(a) == hash(b) and (a != b) is False
    c = dataclasses.replace(b, dst_ip=IPv4Address((int(a.dst_ip) + 1) % 2**32))
    assert (a == c) is False and a != c
    d = dataclasses.replace(a, src_ip=IPv4Interface((int(a.src_ip), 24)))
    assert (a == d) == (dataclasses.astuple(a) == dataclasses.astuple(d))
    assert (d == d) and (d == dataclasses.replace(d))
    assert a.__eq__("not a flow") is NotImplemented
