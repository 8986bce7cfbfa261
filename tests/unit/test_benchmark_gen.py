"""The benchmark generator's networks are clean input and route correctly at a tiny size.

A benchmark on a network that does not parse cleanly, or that silently black-holes traffic, would
time the wrong thing; these checks keep the generator honest as the parser and engine evolve.
"""

from __future__ import annotations

import importlib.util
import sys
from ipaddress import IPv4Address
from pathlib import Path
from types import ModuleType

import pytest

from validator.engine.dataplane import compute_dataplane
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane, FailureSet
from validator.model.flow import Flow
from validator.policy import load_policies, semantic_diagnostics
from validator.snapshot.folder import load_snapshot

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}
THREE_AZ = {"azs": 3, "pods": 1, "leaves": 3, "spines": 2, "cores": 2}


def _host_flow(dp: DataPlane, host: str, dst: str) -> Flow:
    src = dp.snapshot.nodes[host].interfaces["eth0"].addresses[0].ip
    return Flow(host, src, IPv4Address(dst), ip_protocol=6, dst_port=443)


def _module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _module("gen_network")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _module("bench_dataplane")


def test_counts_and_zero_parse_warnings(gen: ModuleType, tmp_path: Path) -> None:
    summary = gen.generate(tmp_path, **THREE_AZ)
    snap = load_snapshot(summary["snapshot"])
    # 3 AZs x (2 cores + 1 pod x (2 spines + 3 leaves)) routers, one host per pod
    assert summary["routers"] == 21
    assert len(snap.nodes) == summary["nodes"] == 24
    assert sum(n.vendor == "host" for n in snap.nodes.values()) == 3
    assert snap.warnings == []
    assert snap.file_errors == ()
    assert [n.undefined_references for n in snap.nodes.values() if n.undefined_references] == []
    # every third leaf (leaf 2) filters its host port
    acl_ports = sorted(n for n, node in snap.nodes.items() for i in node.interfaces.values() if i.acl_in)
    assert acl_ports == ["az1-p1-leaf2", "az2-p1-leaf2", "az3-p1-leaf2"]


def test_deterministic_and_replaces_stale_files(gen: ModuleType, tmp_path: Path) -> None:
    first = dict(gen.network_files(gen.Params(**TINY)))
    assert dict(gen.network_files(gen.Params(**TINY))) == first
    gen.generate(tmp_path, **THREE_AZ)
    summary = gen.generate(tmp_path, **TINY)
    on_disk = {
        p.relative_to(summary["snapshot"]).as_posix(): p.read_text()
        for p in Path(summary["snapshot"]).rglob("*")
        if p.is_file()
    }
    assert on_disk == first


def test_rejects_sizes_outside_the_address_plan(gen: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pods \\* leaves"):
        gen.generate(tmp_path, azs=2, pods=20, leaves=20)
    with pytest.raises(ValueError, match="azs"):
        gen.generate(tmp_path, azs=16)


def test_inter_az_reachability_and_sessions(gen: ModuleType, bench: ModuleType, tmp_path: Path) -> None:
    summary = gen.generate(tmp_path, **THREE_AZ)
    dp = compute_dataplane(load_snapshot(summary["snapshot"]))
    assert dp.converged
    assert {s.status for s in dp.bgp_sessions} == {"ESTABLISHED"}
    assert len(dp.bgp_sessions) == 2 * summary["bgp_peerings"]
    result = bench.check_inter_az(dp)
    # 3 hosts, each to the 3 host subnets of each of the 2 other AZs
    assert result["flows"] == 18
    assert result["failed"] == 0, result["examples"]
    # the primary path: az1 traffic to az2 leaves over the core1 link
    flow = _host_flow(dp, "az1-p1-host", "10.2.0.10")
    paths = {tuple(t.path) for t in trace(dp, flow)}
    assert all("az1-core1" in p and "az2-core1" in p for p in paths), paths


def test_backup_path_carries_traffic_when_the_primary_fails(gen: ModuleType, bench: ModuleType, tmp_path: Path) -> None:
    summary = gen.generate(tmp_path, **TINY)
    snap = load_snapshot(summary["snapshot"])
    dp = compute_dataplane(snap, FailureSet(nodes=frozenset({"az1-core1"})))
    assert dp.converged
    result = bench.check_inter_az(dp)
    assert result["flows"] == 4 and result["failed"] == 0, result["examples"]
    flow = _host_flow(dp, "az1-p1-host", "10.2.0.10")
    paths = {tuple(t.path) for t in trace(dp, flow)}
    assert all("az1-core2" in p and "az2-core2" in p for p in paths), paths


def test_generated_policies_resolve_against_the_snapshot(gen: ModuleType, tmp_path: Path) -> None:
    summary = gen.generate(tmp_path, **TINY)
    policies = load_policies(summary["policies"])
    assert semantic_diagnostics(policies, load_snapshot(summary["snapshot"])) == []
    names = {p.name for p in policies.policies}
    assert {"az1-to-az2", "az2-to-az1", "inter-az", "hygiene"} <= names
