"""Where the relevance closure's argument does not hold, pruning is off for the whole sweep (every
scenario is computed) and the reason is given; never the other way round."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from test_relevance_hazards import _pairs, more_specific_network, session_path_network

from validator.checks.relevance import relevance
from validator.checks.sweep import _sweeper
from validator.engine.dataplane import compute_dataplane
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]


def test_partial_configuration_turns_pruning_off() -> None:
    snap = load_snapshot(str(ROOT / "fixtures" / "soundness" / "routemap-partial"))
    base = compute_dataplane(snap)
    nodes = sorted(snap.nodes)
    rel = relevance(base, _pairs(base, nodes[0], nodes[-1]))
    assert rel.everything and "partial" in rel.reason


def test_a_base_that_did_not_converge_turns_pruning_off() -> None:
    snap = load_snapshot(str(ROOT / "benchmarks" / "repro" / "ibgp-rr-oscillation"))
    base = compute_dataplane(snap)
    assert not base.converged
    nodes = sorted(snap.nodes)
    rel = relevance(base, _pairs(base, nodes[0], nodes[-1]))
    assert rel.everything and rel.reason


def test_default_originate_turns_pruning_off() -> None:
    base = more_specific_network()
    nodes = dict(base.snapshot.nodes)
    x = nodes["x"]
    assert x.bgp is not None
    nb = replace(x.bgp.neighbors[0], default_originate=True)
    nodes["x"] = replace(x, bgp=replace(x.bgp, neighbors=(nb,)))
    snap = replace(base.snapshot, nodes=nodes)
    dp = compute_dataplane(snap)
    rel = relevance(dp, _pairs(dp, "r1", "d"))
    assert rel.everything and "default-originate" in rel.reason


def test_only_the_builtin_engine_prunes() -> None:
    base = session_path_network()

    def ctx(engine: str) -> Any:
        return SimpleNamespace(head=base, scenario_fn=lambda b, f: b, compute=None, engine=engine, progress=None)

    assert _sweeper(ctx("builtin")).prune
    assert not _sweeper(ctx("batfish")).prune


def test_an_unknown_vendor_turns_pruning_off() -> None:
    base = session_path_network()
    nodes = dict(base.snapshot.nodes)
    nodes["r9"] = replace(nodes["r9"], vendor="juniper")
    dp = compute_dataplane(replace(base.snapshot, nodes=nodes))
    rel = relevance(dp, _pairs(dp, "r1", "d"))
    assert rel.everything and rel.reason
