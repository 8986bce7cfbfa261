"""Delta BGP (``engine/incremental/_delta``) equals the reference engine, and does less work.

The generated *small* preset (42 routers, route reflectors, eBGP between AZs) exercises next-hop
cost changes, lost iBGP and eBGP sessions and isolated speakers. The default run checks a fixed
random sample of its k=1 scenarios; ``-m slow`` checks every one of them. Sweep findings with the
incremental engine equal those of per-scenario recomputation (``from_scratch``) on the same
sample (``tests/conformance/test_sweep_equality_live.py``: on ``live``, every double link failure).
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_incremental import assert_same, link, triangle

from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import (
    Element,
    Sweeper,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
    pair_baseline,
    union,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, fast_dataplane, scenario_with_stats
from validator.engine.incremental._delta import compact
from validator.engine.types import DataPlane
from validator.snapshot.folder import load_snapshot

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
SMALL = {"azs": 3, "pods": 2, "leaves": 4, "spines": 2, "cores": 2}


def opt_in(request: pytest.FixtureRequest) -> None:
    """Slow tests run when asked for (``-m slow`` or VALIDATOR_SLOW=1), not in the default suite."""
    expr = str(request.config.getoption("markexpr") or "")
    if os.environ.get("VALIDATOR_SLOW") != "1" and (expr.strip() != "slow"):
        pytest.skip("slow: run with -m slow (or VALIDATOR_SLOW=1)")


def _gen() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("gen_network", BENCH / "gen_network.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_network", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("small")
    summary = _gen().generate(str(out), **SMALL)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _scenarios(base: DataPlane) -> list[tuple[Element, ...]]:
    return [(e,) for e in enumerate_elements(base, ["link", "node"])]


def _check(base: DataPlane, combos: list[tuple[Element, ...]]) -> dict[str, int]:
    used: dict[str, int] = {}
    for combo in combos:
        fs = union(combo)
        got, stats = scenario_with_stats(base, fs)
        try:
            assert_same(got, compute_dataplane(base.snapshot, fs))
        except AssertionError as exc:
            raise AssertionError(f"scenario {[e.spec for e in combo]} differs: {exc}") from exc
        key = stats.bgp if stats is not None else "scratch"
        used[key] = used.get(key, 0) + 1
    return used


def test_small_sample_of_single_failures_equals_reference(small: DataPlane) -> None:
    combos = random.Random(15).sample(_scenarios(small), 8)
    used = _check(small, combos)
    assert "scratch" not in used and "partial" not in used and "full" not in used
    assert used.get("delta", 0) >= 6  # the replay applied (a test fails if it silently stops)


@pytest.mark.slow
def test_small_every_single_failure_equals_reference(small: DataPlane, request: pytest.FixtureRequest) -> None:
    opt_in(request)
    used = _check(small, _scenarios(small))
    assert set(used) <= {"delta", "reused"}


def test_delta_evaluates_a_fraction_of_the_base_run(small: DataPlane) -> None:
    st = base_state(small)
    assert st is not None and st.bgp.history is not None
    base_work = sum(len(ev) for ev in compact(st.bgp.history).evals)  # (the history's own went to it)
    spine = next(e for e in _scenarios(small) if e[0].spec == "node:az2-p1-spine1")
    _dp, stats = scenario_with_stats(small, union(spine))
    assert stats is not None and stats.bgp == "delta"
    # 324 of 2 376: deliveries equal to the base's schedule nobody; spine1's reflected copies were
    # the leaves' best paths, so their receivers are replayed (spine2's never were: it needs none,
    # test_incremental_narrow)
    assert 0 < stats.bgp_evaluations < base_work // 6


def test_lost_session_replays_only_its_receivers() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    # r3-r4 down: the eBGP session and the prefix it carried are lost; r1 loses it through r3
    fs = link(base, "r3", "GigabitEthernet0/2")
    got, stats = scenario_with_stats(base, fs)
    assert_same(got, compute_dataplane(snap, fs))
    assert stats is not None and stats.bgp in ("delta", "reused")


def _findings(base: DataPlane, fn: Any, pairs: Any, elements: list[Element], k: int) -> set[tuple[Any, ...]]:
    sw = Sweeper(base, fn)
    found = sw.sweep(pairs, elements, k, judge_redundancy)
    return {(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in found}


class _Zone:
    def __init__(self, name: str, nodes: tuple[str, ...] = (), interfaces: tuple[str, ...] = (), prefixes: Any = ()):
        self.name, self.nodes, self.interfaces, self.prefixes = name, nodes, interfaces, prefixes


def _host_pairs(base: DataPlane, a: tuple[str, ...], b: tuple[str, ...]) -> list[Any]:
    za, zb = _Zone("a", a), _Zone("b", b)
    hc = HeaderConstraints()
    return [pair_baseline(base, za, zb, hc), pair_baseline(base, zb, za, hc)]


def test_small_sweep_findings_equal_recompute_on_a_sample(small: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _host_pairs(small, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))
    elements = random.Random(7).sample(enumerate_elements(small, ["link", "node"]), 16)
    inc = _findings(small, default_scenario_fn(None), pairs, elements, 1)
    ref = _findings(small, from_scratch(compute_dataplane), pairs, elements, 1)
    assert inc == ref


@pytest.mark.slow
def test_small_sweep_findings_equal_recompute_every_single_failure(
    small: DataPlane, monkeypatch: Any, request: pytest.FixtureRequest
) -> None:
    opt_in(request)
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _host_pairs(small, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))
    elements = enumerate_elements(small, ["link", "node"])
    inc = _findings(small, default_scenario_fn(None), pairs, elements, 1)
    assert inc  # the primary/backup design has single points of failure at the hosts' leaves
    assert inc == _findings(small, from_scratch(compute_dataplane), pairs, elements, 1)
