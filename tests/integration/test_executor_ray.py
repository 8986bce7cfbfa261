"""The Ray executor (issue 15, item 5) on a local two-CPU Ray instance, loopback only: the same
findings as the local executor, the base shipped once, task errors fail closed.

One Ray start for the module (it takes most of this file's time); skipped, naming the extra, only
where Ray is not installed.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import validator.api
from validator.checks import sweep
from validator.checks.sweep import enumerate_elements
from validator.cli import main
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, scenario_dataplane
from validator.engine.types import DataPlane
from validator.errors import EngineError, NotConverged
from validator.executors import LocalExecutor, executor_scope, ray_executor
from validator.executors.ray_executor import RayExecutor, ray_available
from validator.snapshot.folder import load_snapshot

if not ray_available():
    pytest.skip("ray is not installed: pip install 'netchange-validator[ray]'", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
LATENT = ROOT / "fixtures" / "region" / "latent-fault"
POLICIES = ROOT / "fixtures" / "region" / "policies" / "region.yaml"


@pytest.fixture(scope="module")
def ray_ex() -> Iterator[RayExecutor]:
    # min_scenarios=1: the fixtures' small sweeps go to Ray too (by default they stay local)
    ex = RayExecutor(init_options={"num_cpus": 2, "object_store_memory": 200 * 1024 * 1024}, min_scenarios=1)
    try:
        assert ex.cpus() == 2
        yield ex
    finally:
        ex.close()


def _listening(pids: set[int]) -> set[str]:
    """Local addresses of the TCP sockets these processes listen on (from /proc, Linux)."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
        except OSError:
            continue  # a worker that ended meanwhile
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as fh:
            for line in fh.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                    found.add(cols[1].split(":")[0])
    return found


def _ray_pids() -> set[int]:
    """This process and all its descendants (the Ray instance it started: GCS, raylet, workers)."""
    children: dict[int, set[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), set()).add(int(entry))  # fields[1]: the parent pid
    found, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads /proc (Linux)")
def test_local_instance_listens_on_loopback_only(ray_ex: RayExecutor) -> None:
    import ray

    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    pids = _ray_pids()
    assert len(pids) >= 3  # the GCS, the raylet and workers are ours
    addresses = _listening(pids)
    assert addresses  # they listen somewhere
    loopback = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}
    assert addresses <= loopback, addresses


def test_ray_leaves_the_sigterm_handler_alone(ray_ex: RayExecutor) -> None:
    """ray.init installs sys.exit(15) for SIGTERM; a run's SIGTERM must stay exit 3 (limits)."""
    handler = signal.getsignal(signal.SIGTERM)
    assert not getattr(handler, "__module__", "").startswith("ray")


def _findings(verdict: Any) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(verdict.to_json())["findings"]
    return findings


def test_check_through_ray_equals_local(
    ray_ex: RayExecutor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The region's latent fault (a redundancy sweep over links and nodes): the same findings, in
    the same order, whichever executor ran the scenarios: the library with a RayExecutor (every
    part of the state shipped once), and ``validator check --executor ray``, which finds the
    module's instance running, uses it and leaves it running, with nothing on stderr."""
    monkeypatch.setattr(sweep, "PARALLEL_MIN_SCENARIOS", 1)  # every batch through the executor
    monkeypatch.setattr(ray_executor, "MIN_SCENARIOS", 1)  # the CLI's own RayExecutor too
    monkeypatch.setenv("VALIDATOR_EXECUTOR", "spark")  # the flag wins
    local = validator.api.check(head=LATENT, policies=POLICIES, executor=LocalExecutor(workers=1))
    assert not local.passed and local.findings  # the latent fault is found at all

    before = ray_ex.tasks_submitted
    on_ray = validator.api.check(head=LATENT, policies=POLICIES, executor=ray_ex)
    assert ray_ex.tasks_submitted > before  # the scenarios did run as Ray tasks
    assert len(ray_ex.put_ids) == len(set(ray_ex.put_ids))  # put once, however many tasks
    assert _findings(on_ray) == _findings(local)
    assert on_ray.scenarios == local.scenarios

    puts = len(ray_ex.put_ids)
    args = ["check", "--head-dir", str(LATENT), "--policies", str(POLICIES), "--format", "json"]
    assert main([*args, "--executor", "ray"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["findings"] == _findings(local)
    assert len(ray_ex.put_ids) == puts  # the CLI had an executor of its own...
    import ray

    assert ray.is_initialized()  # ...which did not shut down an instance it did not start


def test_base_state_survives_pickling() -> None:
    """Ray pickles the base data plane with the incremental engine's state once; scenarios
    computed from the unpickled copy equal those from the original (the IGP state keyed a map by
    object ids, which unpickling changes)."""
    from ray import cloudpickle

    dp = compute_dataplane(load_snapshot(LATENT))
    assert base_state(dp) is not None
    copy = pickle.loads(cloudpickle.dumps(dp))
    elements = enumerate_elements(dp, ["link", "node"])
    assert len(elements) > 10
    for e in elements:
        a, b = scenario_dataplane(dp, e.failures), scenario_dataplane(copy, e.failures)
        assert a.routes() == b.routes(), e.spec
        assert _fib_entries(a) == _fib_entries(b), e.spec
        assert a.bgp_sessions == b.bgp_sessions, e.spec


def _fib_entries(dp: DataPlane) -> dict[tuple[str, str], list[Any]]:
    return {(n, v): f.entries() for n in dp.fibs for v, f in dp.fibs[n].items()}


def test_results_in_item_order(ray_ex: RayExecutor) -> None:
    def square(shared: tuple[Any, ...], batch: Sequence[int]) -> list[int]:
        return [x * x + shared[0] for x in batch]

    with executor_scope(ray_ex):
        assert list(ray_ex.map_batches(square, (3,), list(range(50)))) == [x * x + 3 for x in range(50)]


def test_task_errors_fail_closed(ray_ex: RayExecutor) -> None:
    def crash(shared: tuple[Any, ...], batch: Sequence[int]) -> list[int]:
        if 5 in batch:
            raise ValueError("boom\nsecond line")
        return list(batch)

    def oscillate(shared: tuple[Any, ...], batch: Sequence[int]) -> list[int]:
        raise NotConverged("failure scenario data plane with link:a[x] down: bgp did not converge")

    with pytest.raises(EngineError, match=r"^ray executor: a scenario task failed: ValueError: boom$"):
        list(ray_ex.map_batches(crash, (), list(range(8))))
    # the project's own errors keep their type (a non-converged scenario is an error verdict)
    with pytest.raises(NotConverged, match="bgp did not converge"):
        list(ray_ex.map_batches(oscillate, (), [1, 2]))
