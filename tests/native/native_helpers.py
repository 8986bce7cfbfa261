"""Shared helpers of the native-core differential tests: build both data planes, compare them,
and on a difference name the first differing routes (what a person debugging the port needs)."""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.native import compute_native, load_core
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
REFERENCE = ROOT.parent / "shared" / "reference"
BENCH = ROOT / "benchmarks"


def require_core() -> ModuleType:
    """The extension, or a skip naming it. The differential tests call the core directly
    (``compute_native``) whatever ``VALIDATOR_ENGINE_CORE`` says, since comparing both cores is
    their job: under ``python`` they still run, and only a missing extension skips them."""
    core = load_core()
    if core is None:
        pytest.skip("the extension validator._core is not built (pip install -e . builds it; needs cargo)")
    return core


def snapshot_dirs(root: Path) -> list[Path]:
    """Every snapshot folder (one holding configs/) under root, sorted."""
    return sorted(p.parent for p in root.rglob("configs") if p.is_dir())


def strip_bgp(snapshot: Snapshot) -> Snapshot:
    """The snapshot without BGP and without OSPF redistribution route-maps: what the native core
    computes, so BGP fixtures still test its IGP and FIBs (both engines see the same input)."""
    nodes = {}
    for name, node in snapshot.nodes.items():
        procs = tuple(
            dataclasses.replace(
                p, redistributions=tuple(dataclasses.replace(r, route_map=None) for r in p.redistributions)
            )
            for p in node.ospf
        )
        nodes[name] = dataclasses.replace(node, bgp=None, ospf=procs)
    return dataclasses.replace(snapshot, nodes=nodes, bgp_announcements=())


def _route_lines(routes: list[Any]) -> list[str]:
    return [
        f"{r.network} {r.protocol} {r.next_hop} ad={r.admin_distance} metric={r.metric} tag={r.tag}" for r in routes
    ]


def _fib_lines(dp: DataPlane, node: str, vrf: str) -> list[str]:
    fib = dp.fibs.get(node, {}).get(vrf)
    if fib is None:
        return ["<no FIB>"]
    return [
        f"{e.route.network} {e.route.next_hop} -> {e.action} via {[str(r.network) for r in e.resolution]}"
        for e in fib.entries()
    ]


def first_difference(py: DataPlane, nat: DataPlane) -> str | None:
    """None when equal; else a description of the first differing node/VRF and its first differing routes."""
    for what in ("active_interfaces", "edges", "bgp_sessions", "converged", "oscillation"):
        if getattr(py, what) != getattr(nat, what):
            return f"{what} differ: python={getattr(py, what)!r} native={getattr(nat, what)!r}"
    if list(py.ribs) != list(nat.ribs) or list(py.fibs) != list(nat.fibs):
        return f"node sets differ: python={sorted(py.ribs)} native={sorted(nat.ribs)}"
    for node in py.ribs:
        if list(py.ribs[node]) != list(nat.ribs[node]):
            return f"{node}: VRFs differ: python={list(py.ribs[node])} native={list(nat.ribs[node])}"
        for vrf in py.ribs[node]:
            a, b = _route_lines(py.ribs[node][vrf]), _route_lines(nat.ribs[node][vrf])
            if py.ribs[node][vrf] != nat.ribs[node][vrf]:
                i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
                return (
                    f"{node}/{vrf} RIB differs at route {i}: python={a[i : i + 3]} native={b[i : i + 3]} "
                    f"(python {len(a)} routes, native {len(b)})"
                )
        if list(py.fibs[node]) != list(nat.fibs[node]):
            return f"{node}: FIB VRFs differ: python={list(py.fibs[node])} native={list(nat.fibs[node])}"
        for vrf in py.fibs[node]:
            a, b = _fib_lines(py, node, vrf), _fib_lines(nat, node, vrf)
            if py.fibs[node][vrf].entries() != nat.fibs[node][vrf].entries():
                i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
                return f"{node}/{vrf} FIB differs at entry {i}: python={a[i : i + 2]} native={b[i : i + 2]}"
    return None


_NO_FAILURES = FailureSet()


def assert_equal_dataplanes(snapshot: Snapshot, failures: FailureSet = _NO_FAILURES, label: str = "") -> DataPlane:
    py = compute_dataplane_python(snapshot, failures)
    nat = compute_native(snapshot, failures)
    if nat is None:
        # the core declines only what did not converge, which the Python engine then explains
        assert not py.converged, f"{label or snapshot.name} {failures}: native declined a converging snapshot"
        return py
    diff = first_difference(py, nat)
    assert diff is None, f"{label or snapshot.name} {failures}: {diff}"
    return nat


def _gen_module() -> ModuleType:
    if "gen_network" in sys.modules:
        return sys.modules["gen_network"]
    spec = importlib.util.spec_from_file_location("gen_network", BENCH / "gen_network.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_network"] = mod
    spec.loader.exec_module(mod)
    return mod


_GEN_DIR = tempfile.TemporaryDirectory(prefix="native-gen-")


@functools.lru_cache(maxsize=16)
def generated(**params: int) -> Snapshot:
    """A gen_network.py network (cached per parameter set for the session)."""
    out = Path(_GEN_DIR.name) / "-".join(f"{k}{v}" for k, v in sorted(params.items()))
    _gen_module().generate(out, **params)
    return load_snapshot(out / "snapshot")
