"""The native data plane's lazy views (engine/native_views.py) behave exactly as plain dicts,
lists and Fibs: equality either way round, order, len, copies, pickling, DataPlane equality; and
they build only what is read, from the right node and VRF."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from ipaddress import IPv4Address
from typing import Any

import pytest
from native_helpers import FIXTURES, generated, require_core

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import scenario_with_stats
from validator.engine.native import compute_native
from validator.engine.native_views import Converter, LazyVrfRibs, NativeFib
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.dataplane import FibEntry, Route
from validator.snapshot.folder import load_snapshot

pytestmark = pytest.mark.usefixtures("core")

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}  # 12 routers, iBGP + eBGP
SMALL = {"azs": 3, "pods": 2, "leaves": 4, "spines": 2, "cores": 2}  # 42 routers


@pytest.fixture(scope="module")
def core() -> object:
    return require_core()


@pytest.fixture(scope="module")
def py_tiny() -> DataPlane:
    return compute_dataplane_python(generated(**TINY), FailureSet())


def _native_tiny() -> DataPlane:
    dp = compute_native(generated(**TINY), FailureSet())
    assert dp is not None
    return dp


def _native(path: str) -> tuple[DataPlane, DataPlane]:
    snapshot = load_snapshot(FIXTURES / path)
    nat = compute_native(snapshot, FailureSet())
    assert nat is not None
    return compute_dataplane_python(snapshot, FailureSet()), nat


def _built(dp: DataPlane) -> int:
    return sum(v.materialized() for v in dp.ribs.values() if isinstance(v, LazyVrfRibs))


def test_nothing_is_built_until_read(py_tiny: DataPlane) -> None:
    nat = _native_tiny()
    assert all(isinstance(v, LazyVrfRibs) for v in nat.ribs.values())
    assert _built(nat) == 0
    # keys, len, membership and order need no routes
    assert list(nat.ribs) == sorted(nat.ribs) == list(py_tiny.ribs)
    node = sorted(nat.ribs)[3]
    assert len(nat.ribs[node]) == len(py_tiny.ribs[node]) and "default" in nat.ribs[node]
    assert _built(nat) == 0
    # one list read builds that list only (and, in the core, that VRF's order and FIB arrays)
    tables = nat.fibs[node]["default"]._view.tables  # type: ignore[attr-defined]
    core_built = tables.built()
    assert nat.ribs[node]["default"] == py_tiny.ribs[node]["default"]
    assert _built(nat) == 1 and tables.built() - core_built <= 1
    assert nat.ribs[node]["default"] is nat.ribs[node]["default"]  # built once, then a plain value
    # a FIB lookup builds the one row it hits (the session checks looked up a few already)
    fib = nat.fibs[node]["default"]
    assert isinstance(fib, NativeFib)
    before = len(fib._rows)
    assert before < len(py_tiny.ribs[node]["default"]) // 4
    dst = py_tiny.ribs[node]["default"][-1].network.network_address
    assert fib.lookup(dst) == py_tiny.fibs[node]["default"].lookup(dst) != []
    assert fib._full is None and len(fib._rows) - before <= 1


def test_lookups_equal_python_before_and_after_materialising(py_tiny: DataPlane) -> None:
    nat = _native_tiny()
    probes = {IPv4Address("0.0.0.0"), IPv4Address("255.255.255.255"), IPv4Address("203.0.113.9")}
    for routes in py_tiny.ribs[sorted(py_tiny.ribs)[0]].values():
        for r in routes:
            probes |= {r.network.network_address, r.network.broadcast_address}
    for node in sorted(py_tiny.fibs):
        for vrf, fib in py_tiny.fibs[node].items():
            lazy = nat.fibs[node][vrf]
            for ip in sorted(probes):
                assert lazy.lookup(ip) == fib.lookup(ip), (node, vrf, ip)
            assert lazy.entries() == fib.entries()  # materialised: Fib's own lookup from here on
            for ip in sorted(probes):
                assert lazy.lookup(ip) == fib.lookup(ip), (node, vrf, ip)
            assert lazy._lens == fib._lens and lazy._by_len == fib._by_len


def test_dict_behaviour_equals_plain_dicts(py_tiny: DataPlane) -> None:
    # each comparison on a fresh data plane, so it meets unbuilt values
    assert _native_tiny().ribs == py_tiny.ribs
    assert py_tiny.ribs == _native_tiny().ribs
    assert (py_tiny.ribs != _native_tiny().ribs) is False
    assert _native_tiny().ribs == _native_tiny().ribs  # two lazy ones
    node = sorted(py_tiny.ribs)[1]
    plain = py_tiny.ribs[node]
    for op in (
        lambda d: dict(d),
        lambda d: {**d},
        lambda d: d.copy(),
        lambda d: dict(d.items()),
        lambda d: list(d.values()),
        lambda d: d.get("default"),
        lambda d: d.get("no-such-vrf", 7),
        lambda d: d | {},
        lambda d: {} | d,
        lambda d: repr(d),
        lambda d: sorted(d),
        lambda d: len(d),
        lambda d: copy.deepcopy(d),
        lambda d: d.setdefault("default", []),
        lambda d: d.pop("default"),
    ):
        assert op(_native_tiny().ribs[node]) == op(dict(plain))  # a copy: pop mutates
    other = dict(py_tiny.ribs[node])
    merged = _native_tiny().ribs[node]
    merged.update(other)
    assert merged == other
    with pytest.raises(KeyError):
        _native_tiny().ribs[node]["no-such-vrf"]
    changed = _native_tiny()
    changed.ribs[node]["default"] = changed.ribs[node]["default"][1:]
    assert changed.ribs != py_tiny.ribs and py_tiny.ribs != changed.ribs
    assert _native_tiny().routes() == py_tiny.routes()


def test_views_return_their_own_node_and_vrf() -> None:
    # r0 has a second VRF (MGMT): reading in reverse order catches a view wired to another
    # node's or VRF's tables, which equal lengths or a lucky first read would hide
    py, nat = _native("native/ospf-areas")
    assert any(len(v) > 1 for v in nat.ribs.values())
    for node in reversed(list(py.ribs)):
        for vrf in reversed(list(py.ribs[node])):
            routes = nat.ribs[node][vrf]
            assert all(r.node == node and r.vrf == vrf for r in routes), (node, vrf)
            assert routes == py.ribs[node][vrf], (node, vrf)
    for node in reversed(list(py.fibs)):
        assert list(nat.fibs[node]) == list(py.fibs[node])
        for vrf in reversed(list(py.fibs[node])):
            entries = nat.fibs[node][vrf].entries()
            assert all(e.route.node == node and e.route.vrf == vrf for e in entries)
            assert entries == py.fibs[node][vrf].entries(), (node, vrf)


def test_pickle_gives_plain_equal_data_plane(py_tiny: DataPlane) -> None:
    for restored in (pickle.loads(pickle.dumps(_native_tiny())), copy.deepcopy(_native_tiny())):
        assert type(restored.ribs[sorted(restored.ribs)[0]]) is dict
        assert restored.ribs == py_tiny.ribs
        for node, vrfs in py_tiny.fibs.items():
            for vrf, fib in vrfs.items():
                got = restored.fibs[node][vrf]
                assert type(got) is Fib and got.entries() == fib.entries()
                assert got._lens == fib._lens
    # a lazy FIB that was only looked up still pickles whole
    nat = _native_tiny()
    node = sorted(nat.fibs)[0]
    nat.fibs[node]["default"].lookup(IPv4Address("0.0.0.0"))
    assert pickle.loads(pickle.dumps(nat.fibs[node]["default"])).entries() == py_tiny.fibs[node]["default"].entries()


def test_dataplane_equality(py_tiny: DataPlane) -> None:
    nat = _native_tiny()
    assert nat == nat
    plain = {n: dict(v) for n, v in py_tiny.ribs.items()}
    assert dataclasses.replace(nat, ribs=plain) == _replace_fibs(_native_tiny(), nat)
    assert _replace_fibs(_native_tiny(), nat) == dataclasses.replace(nat, ribs=plain)
    node = sorted(plain)[0]
    plain[node] = {**plain[node], "default": plain[node]["default"][:-1]}
    assert dataclasses.replace(nat, ribs=plain) != _replace_fibs(_native_tiny(), nat)


def _replace_fibs(dp: DataPlane, like: DataPlane) -> DataPlane:
    """``dp`` with ``like``'s FIB objects (Fib compares by identity, as in the Python engine)."""
    return dataclasses.replace(dp, fibs=like.fibs)


def test_scenario_from_a_native_base_equals_python() -> None:
    # the incremental engine reads the whole base (FIB tables, RIB listings) through the views
    snapshot = generated(**TINY)
    base = _native_tiny()
    spine = next(n for n in sorted(snapshot.nodes) if "spine" in n)
    failures = FailureSet(nodes=frozenset({spine}))
    scenario, stats = scenario_with_stats(base, failures)
    assert stats is not None  # computed from the base's state, not from scratch
    ref = compute_dataplane_python(snapshot, failures)
    # as tests/unit/test_incremental.py assert_same: a patched FIB may hold its prefixes of one
    # length in another order (the incremental engine's own property, with a Python base too)
    assert scenario.ribs == ref.ribs and scenario.bgp_sessions == ref.bgp_sessions
    for node, vrfs in ref.fibs.items():
        assert list(scenario.fibs[node]) == list(vrfs)
        for vrf, fib in vrfs.items():
            assert _content(scenario.fibs[node][vrf]) == _content(fib), (node, vrf)
    assert base.ribs == compute_dataplane_python(snapshot, FailureSet()).ribs  # the base is intact


def _content(fib: Fib) -> dict[tuple[int, int], list[FibEntry]]:
    fib.entries()  # builds a lazy FIB's tables (the incremental engine's LazyFib, NativeFib)
    return {(plen, net): es for plen in fib._lens for net, es in fib._by_len[plen].items() if es}


def test_topology_rounds_build_few_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    # every topology round used to convert every route into a Python Route (twice the data
    # plane's routes over two rounds); now only the FIB rows the session checks look up are built
    built = 0
    make = Converter.route

    def counting(self: Converter, node: str, vrf: str, t: tuple[Any, ...]) -> Route:
        nonlocal built
        built += 1
        return make(self, node, vrf, t)

    monkeypatch.setattr(Converter, "route", counting)
    dp = compute_native(generated(**SMALL), FailureSet())
    assert dp is not None
    during = built
    total = len(dp.routes())
    assert built > during  # the count sees the routes built (reading them all here)
    # (none at all once the session walk in the core answers every plain session)
    assert during < total // 5, (during, total)
