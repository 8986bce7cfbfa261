"""Live tests against a real Batfish service (``BATFISH_HOST``), on the example network's live and
candidate snapshots: the Batfish backend must give the builtin engine's routes and traces, and
the gate's policies (reachability, no_regression, a k=1 redundancy sweep, hygiene) must reach the
same verdicts on both engines. Run with::

    BATFISH_HOST=localhost .venv/bin/python -m pytest -m batfish tests/live
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from validator.backends.batfish import BatfishBackend
from validator.backends.builtin import BuiltinBackend
from validator.engine.dataplane import compute_dataplane
from validator.engine.locations import flows_for
from validator.engine.traceroute import trace
from validator.model.snapshot import Snapshot

pytestmark = pytest.mark.batfish

HOST = os.environ.get("BATFISH_HOST")
EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "batfish-example"

POLICIES = """version: 1
zones:
  host1: {nodes: [host1]}
  host2: {nodes: [host2]}
policies:
  - {name: web, type: reachability, from: host2, to: host1, protocol: tcp, ports: [80], expect: allow}
  - {name: no-regress, type: no_regression, from: host2, to: host1, protocol: tcp, ports: [80]}
  - {name: redundant, type: redundancy, between: [[host2, host1]], max_failures: 1, elements: [node],
     protocol: tcp, ports: [80]}
  - {name: health, type: hygiene, require: [no_parse_errors, no_undefined_references, bgp_sessions_up]}
"""


@pytest.fixture(scope="module")
def backend() -> Iterator[BatfishBackend]:
    if not HOST:
        pytest.skip("BATFISH_HOST is not set: no Batfish service to test against")
    if not (EXAMPLE / "live").is_dir():
        pytest.skip(f"Batfish reference example missing: {(EXAMPLE / 'live').resolve()}")
    b = BatfishBackend(HOST)
    yield b
    b.close()


def _load(name: str) -> Snapshot:
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(EXAMPLE / name)


@pytest.fixture(scope="module")
def live() -> Snapshot:
    return _load("live")


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policies") / "policies.yaml"
    path.write_text(POLICIES)
    return path


def _findings(verdict: Any) -> list[tuple[str, str, str, str]]:
    return sorted((f.policy, f.check, f.severity, f.message) for f in verdict.findings)


def test_routes_and_edges_equal_builtin(backend: BatfishBackend, live: Snapshot) -> None:
    builtin = compute_dataplane(live)
    ours = sorted(str(r.to_json()) for r in builtin.routes())
    assert sorted(str(r.to_json()) for r in backend.routes(live)) == ours
    assert set(backend.edges(live)) == set(builtin.edges)


@pytest.mark.parametrize(("start", "dst"), [("@enter(as1core1)", "host1"), ("host2", "1.0.1.1")])
def test_traces_equal_builtin(backend: BatfishBackend, live: Snapshot, start: str, dst: str) -> None:
    builtin = compute_dataplane(live)
    dp = backend.dataplane(live)
    for flow in flows_for(builtin, start, dst):
        got = [(t.disposition, t.path) for t in backend.trace(dp, flow)]
        assert got == [(t.disposition, t.path) for t in trace(builtin, flow)], str(flow)


def test_reachability_question_and_policy(backend: BatfishBackend, live: Snapshot, policies: Path) -> None:
    from validator.api import run
    from validator.inputs import resolve_folder_inputs
    from validator.policy import load_policies

    pset = load_policies(policies)
    policy = pset.policy("web")
    results = backend.reachability(live, pset.zones["host2"], pset.zones["host1"], policy.headers)
    assert results and all(r.flow.ingress_node == "host2" and r.flow.ip_protocol == 6 for r in results)
    inputs = resolve_folder_inputs(EXAMPLE / "live", None, policies, None)
    assert _findings(run(inputs, backend)) == _findings(run(inputs, BuiltinBackend()))


def test_no_regression_and_redundancy_sweep(backend: BatfishBackend, policies: Path) -> None:
    from validator.api import run
    from validator.inputs import resolve_folder_inputs

    inputs = resolve_folder_inputs(EXAMPLE / "candidate", EXAMPLE / "live", policies, None)
    batfish = run(inputs, backend)
    assert ("redundant", "redundancy") in batfish.policies_run and (
        "no-regress",
        "no_regression",
    ) in batfish.policies_run
    assert batfish.scenarios > 0
    assert _findings(batfish) == _findings(run(inputs, BuiltinBackend()))


def test_differential_reachability(backend: BatfishBackend, live: Snapshot) -> None:
    from validator.policy import load_policies_from_bytes

    pset = load_policies_from_bytes({"p.yaml": POLICIES.encode()})
    diffs = backend.differential_reachability(live, _load("candidate"), pset.zones["host2"], pset.zones["host1"])
    for d in diffs:
        assert {t.success for t in d.head} != {t.success for t in d.base} or d.head != d.base


def test_hygiene(backend: BatfishBackend, live: Snapshot) -> None:
    report = backend.hygiene(live)
    assert report.parse_status and not any(s.failed for s in report.parse_status)
    assert {r.ref_name for r in report.undefined_references} >= {"filter-bogons"}
    assert report.bgp_sessions and report.loops == ()
