"""The native core computes exactly the Python engine's RIBs and FIBs (engine/native.py).

Differential: every fixture, every snapshot under ../shared/reference, generated networks of 12,
42 and 150 routers with failures, and a Hypothesis property over generator sizes and failure sets.
Snapshots with a feature the core does not implement (the feature check names it) must never be
computed natively as they are; they are compared with BGP stripped, so their IGP and FIBs still are.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from native_helpers import (
    FIXTURES,
    REFERENCE,
    assert_equal_dataplanes,
    first_difference,
    generated,
    require_core,
    snapshot_dirs,
    strip_bgp,
)

from validator.engine.native import compute_native, native_dataplane, unsupported_features
from validator.engine.types import FailureSet
from validator.snapshot.folder import load_snapshot

pytestmark = pytest.mark.usefixtures("core")


@pytest.fixture(scope="module")
def core() -> object:
    return require_core()


FIXTURE_DIRS = snapshot_dirs(FIXTURES)


@pytest.mark.parametrize("path", FIXTURE_DIRS, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_DIRS])
def test_fixture_equal(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = load_snapshot(path)
    if any(n.vendor not in ("cisco_ios", "host") for n in snapshot.nodes.values()):
        # EOS / Junos semantics are the Python engine's alone: never native, whatever is stripped
        monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "auto")
        assert native_dataplane(snapshot, FailureSet()) is None
        assert native_dataplane(strip_bgp(snapshot), FailureSet()) is None
        return
    if unsupported_features(snapshot):
        # never native as it is (auto sends it to Python) ...
        monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "auto")
        assert native_dataplane(snapshot, FailureSet()) is None
        # ... but its IGP and FIBs are still compared
        snapshot = strip_bgp(snapshot)
    else:
        assert_equal_dataplanes(strip_bgp(snapshot), label=f"{path} without BGP")
    assert_equal_dataplanes(snapshot, label=str(path))


def test_ospf_areas_fixture_covers_every_route_kind() -> None:
    """The hand-written OSPF fixture exercises what the generated networks lack (inter-area, E1,
    E2, recursive and VRF statics, ECMP): a port that skipped one of them could not pass."""
    dp = assert_equal_dataplanes(load_snapshot(FIXTURES / "native" / "ospf-areas"))
    protocols = {r.protocol for r in dp.routes()}
    assert {"ospf", "ospfIA", "ospfE1", "ospfE2", "static", "connected", "local"} <= protocols
    # r0 reaches area 1's LAN through r2 and r3 at equal cost
    assert len(dp.fibs["r0"]["default"].lookup(IPv4Address("192.168.10.9"))) == 2
    assert [str(r.network) for r in dp.ribs["r1"]["default"] if r.protocol == "static"] == ["172.40.0.0/16"]
    assert "MGMT" in dp.ribs["r0"]


REFERENCE_DIRS = snapshot_dirs(REFERENCE) if REFERENCE.is_dir() else []


@pytest.mark.skipif(not REFERENCE_DIRS, reason=f"no reference snapshots at {REFERENCE}")
@pytest.mark.parametrize("path", REFERENCE_DIRS, ids=[p.name for p in REFERENCE_DIRS])
def test_reference_snapshot_equal(path: Path) -> None:
    snapshot = load_snapshot(path)
    if unsupported_features(snapshot):
        snapshot = strip_bgp(snapshot)
    assert_equal_dataplanes(snapshot, label=str(path))


TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}  # 12 routers
SMALL = {"azs": 3, "pods": 2, "leaves": 4, "spines": 2, "cores": 2}  # 42 routers


@pytest.mark.parametrize("params", [TINY, SMALL], ids=["12-routers", "42-routers"])
def test_generated_network_equal(params: dict[str, int]) -> None:
    snapshot = generated(**params)
    assert unsupported_features(snapshot) == []  # iBGP with reflectors, eBGP, route-maps: all native
    dp = assert_equal_dataplanes(snapshot)
    assert any(r.protocol == "ibgp" for r in dp.routes()) and any(r.protocol == "bgp" for r in dp.routes())
    spine = next(n for n in sorted(snapshot.nodes) if "spine" in n)
    core = next(n for n in sorted(snapshot.nodes) if "core" in n)
    link = next(i for i in sorted(snapshot.nodes[core].interfaces) if i.startswith("GigabitEthernet"))
    failures = FailureSet(nodes=frozenset({spine}), interfaces=frozenset({(core, link)}))
    assert_equal_dataplanes(snapshot, failures)
    assert_equal_dataplanes(strip_bgp(snapshot), failures)


MEDIUM = {"azs": 3, "pods": 4, "leaves": 8, "spines": 4, "cores": 2}  # 150 routers, ~100,000 routes


def test_generated_150_routers_equal() -> None:
    """The issue's third size: every RIB and FIB of the 150-router network equal (about 15 s of CPU
    for the Python reference, so one data plane with a core link and a spine down, not a sweep)."""
    snapshot = generated(**MEDIUM)
    assert len([n for n in snapshot.nodes if snapshot.nodes[n].vendor != "host"]) == 150
    assert unsupported_features(snapshot) == []
    spine = "az2-p3-spine2"
    core = "az1-core1"
    link = next(i for i in sorted(snapshot.nodes[core].interfaces) if i.startswith("GigabitEthernet"))
    assert spine in snapshot.nodes
    dp = assert_equal_dataplanes(snapshot, FailureSet(nodes=frozenset({spine}), interfaces=frozenset({(core, link)})))
    assert sum(1 for _ in dp.routes()) > 90_000


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    azs=st.integers(2, 3),
    pods=st.integers(1, 2),
    leaves=st.integers(1, 3),
    spines=st.integers(1, 2),
    cores=st.integers(2, 3),
    data=st.data(),
)
def test_property_random_networks_and_failures(
    azs: int, pods: int, leaves: int, spines: int, cores: int, data: st.DataObject
) -> None:
    snapshot = generated(azs=azs, pods=pods, leaves=leaves, spines=spines, cores=cores)
    nodes = sorted(snapshot.nodes)
    ifaces = sorted((n, i) for n in nodes for i in snapshot.nodes[n].interfaces)
    failed_nodes = data.draw(st.frozensets(st.sampled_from(nodes), max_size=2), label="nodes")
    failed_ifaces = data.draw(st.frozensets(st.sampled_from(ifaces), max_size=4), label="interfaces")
    assert_equal_dataplanes(snapshot, FailureSet(nodes=failed_nodes, interfaces=failed_ifaces))


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_igp_iteration_limit_equal(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut short, both engines give up on the same round and name the same unstable prefixes."""
    import validator.engine.dataplane as dataplane_mod

    monkeypatch.setattr(dataplane_mod, "IGP_MAX_ITERATIONS", limit)
    snapshot = load_snapshot(FIXTURES / "native" / "ospf-areas")
    py = dataplane_mod.compute_dataplane_python(snapshot)
    nat = compute_native(snapshot, FailureSet(), igp_max_iterations=limit)
    assert not py.converged and py.oscillation is not None
    assert first_difference(py, nat) is None, first_difference(py, nat)


def test_bgp_policy_fixture_exercises_the_ported_policy() -> None:
    """Route-map continue, prepend, additive communities with send-community, tag match, metric,
    local-preference and weight, prefix-list deny, an undefined outbound route-map (denies), route
    reflection with next-hop-self: equal, and visibly applied (a port that ignored one would differ
    from these routes even where both engines were equally wrong elsewhere)."""
    snapshot = load_snapshot(FIXTURES / "native" / "bgp-policy")
    assert unsupported_features(snapshot) == []
    dp = assert_equal_dataplanes(snapshot)
    c1 = {str(r.network): r for r in dp.ribs["c1"]["default"] if r.protocol == "bgp"}
    assert c1["198.51.100.0/24"].local_preference == 300 and c1["198.51.100.0/24"].as_path == (65001, 65001)
    assert c1["203.0.113.0/24"].metric == 50 and c1["203.0.113.0/24"].communities == ("65001:10",)
    c2 = {str(r.network): r for r in dp.ribs["c2"]["default"] if r.protocol in ("bgp", "ibgp")}
    assert c2["192.0.2.0/24"].protocol == "ibgp"  # its own eBGP copy was denied by PL-IN
    assert c2["203.0.113.0/24"].communities == ()  # e1 does not send communities to c2
    e1 = [str(r.network) for r in dp.ribs["e1"]["default"] if r.protocol == "bgp"]
    assert e1 == ["172.16.0.0/24"]  # from c1 only: c2's outbound route-map is undefined
