"""The executor seam (issue 15, item 5) without Ray: choosing one (--executor, VALIDATOR_EXECUTOR),
the local executor's order and batching, and fail-closed errors (tests/integration/test_executor_ray.py
runs Ray itself)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from validator.cli import build_parser, main
from validator.errors import EngineError, InputError
from validator.executors import (
    ENV,
    ExecutorSpec,
    LocalExecutor,
    current_executor,
    executor_from_args,
    executor_scope,
    parse_executor_spec,
    ray_executor,
)

ROOT = Path(__file__).resolve().parents[2]
LATENT = ROOT / "fixtures" / "region" / "latent-fault"
POLICIES = ROOT / "fixtures" / "region" / "policies" / "region.yaml"
CHECK = ["check", "--head-dir", str(LATENT), "--policies", str(POLICIES)]


# --- choosing an executor ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("local", ExecutorSpec("local")),
        ("ray", ExecutorSpec("ray")),
        ("ray:auto", ExecutorSpec("ray", "auto")),
        ("ray:ray://head:10001", ExecutorSpec("ray", "ray://head:10001")),
        ("ray:10.0.0.5:6379", ExecutorSpec("ray", "10.0.0.5:6379")),
        ("ray:[::1]:6379", ExecutorSpec("ray", "[::1]:6379")),
    ],
)
def test_executor_values(text: str, spec: ExecutorSpec) -> None:
    assert parse_executor_spec(text) == spec
    assert str(spec) == text


@pytest.mark.parametrize("text", ["", "spark", "Local", "ray:", "ray:ray://", "ray:a b", "ray:http://x:1", "ray:a:b"])
def test_bad_executor_values_are_bad_input(text: str) -> None:
    with pytest.raises(InputError, match="expected local, ray or ray:ADDRESS"):
        parse_executor_spec(text)


def test_bad_flag_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*CHECK, "--executor", "spark"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--executor" in err and "expected local, ray or ray:ADDRESS" in err and len(err.splitlines()) == 1


def test_bad_env_value_is_bad_usage(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV, "ray:not an address")
    assert main(CHECK) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"validator: error: {ENV}: ") and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", ["check", "plan", "whatif"])
def test_the_sweeping_commands_take_the_flag(command: str) -> None:
    args = build_parser().parse_args(
        [command, "--snapshot" if command == "whatif" else "--head-dir", "x", "--executor", "ray:auto"]
        + (["--fail", "node:a"] if command == "whatif" else [])
    )
    assert args.executor == ExecutorSpec("ray", "auto")


def test_flag_wins_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "spark")  # would be bad usage if it were read
    args = build_parser().parse_args([*CHECK, "--executor", "local"])
    with executor_from_args(args) as ex:
        assert ex.name == "local" and current_executor() is ex


def test_env_chooses_when_no_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ray_executor, "ray_available", lambda: True)
    monkeypatch.setenv(ENV, "ray:auto")
    with executor_from_args(build_parser().parse_args(CHECK)) as ex:
        assert isinstance(ex, ray_executor.RayExecutor) and ex.address == "auto"
        assert ex._ray is None  # nothing is started before a sweep needs it


def test_commands_without_sweeps_ignore_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "spark")
    with executor_from_args(build_parser().parse_args(["routes", "--snapshot", "x"])) as ex:
        assert ex is None


@pytest.mark.parametrize("how", ["flag", "env"])
def test_missing_ray_is_an_engine_error_naming_the_extra(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ray_executor, "ray_available", lambda: False)
    if how == "env":
        monkeypatch.setenv(ENV, "ray")
    assert main(CHECK + (["--executor", "ray"] if how == "flag" else [])) == 3
    err = capsys.readouterr().err
    assert "pip install 'netchange-validator[ray]'" in err and len(err.splitlines()) == 1


def test_library_validates_the_executor() -> None:
    import validator
    import validator.api

    with pytest.raises(InputError, match="unknown executor 'spark'"):
        validator.check(head=LATENT, policies=POLICIES, executor="spark")
    with pytest.raises(InputError, match="unknown executor 'spark'"):
        validator.whatif(LATENT, drain=["az1-r2"], policies=POLICIES, executor="spark")
    with pytest.raises(InputError, match="not a Ray address"):
        validator.api.plan(head=LATENT, base=LATENT, policies=POLICIES, executor="ray:a b")


# --- scopes --------------------------------------------------------------------------------------


class Recording(LocalExecutor):
    def __init__(self) -> None:
        super().__init__(workers=1)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_scopes_nest_and_only_close_what_they_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "spark")  # an enclosing scope is kept: the env is not read again
    given = Recording()
    with executor_scope(given) as outer:
        assert outer is given and current_executor() is given
        with executor_scope(None) as inner:
            assert inner is given
        with executor_scope("local") as own:
            assert own is not given and current_executor() is own
        assert current_executor() is given
    assert given.closed == 0  # the caller's executor stays open
    assert isinstance(current_executor(), LocalExecutor)


# --- the local executor --------------------------------------------------------------------------


def _square_all(shared: tuple[Any, ...], batch: Sequence[int]) -> list[tuple[int, int]]:
    (offset,) = shared
    return [(x, x * x + offset) for x in batch]


def _lose_one(shared: tuple[Any, ...], batch: Sequence[int]) -> list[int]:
    return list(batch[1:]) if 7 in batch else list(batch)


needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=needs_fork)])
def test_local_results_in_item_order(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VALIDATOR_WORKERS", raising=False)
    ex = LocalExecutor(workers=workers)
    assert ex.distributes(100, min_parallel=24) is (workers > 1)
    assert not ex.distributes(23, min_parallel=24)
    got = list(ex.map_batches(_square_all, (5,), list(range(100)), min_parallel=24))
    assert got == [(x, x * x + 5) for x in range(100)]


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=needs_fork)])
def test_a_batch_that_loses_results_is_an_engine_error(workers: int) -> None:
    with pytest.raises(EngineError, match=r"a batch of \d+ scenarios returned \d+ results"):
        list(LocalExecutor(workers=workers).map_batches(_lose_one, (), list(range(40))))


def test_validator_workers_one_stays_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    assert LocalExecutor().workers(1000) == 1
    monkeypatch.setenv("VALIDATOR_WORKERS", "3")
    assert LocalExecutor().workers(1000) in (1, 3)  # 1 only where fork is missing


def test_small_maps_on_the_ray_executor_run_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below MIN_SCENARIOS a map runs as with --executor local: Ray is not even started."""
    monkeypatch.setattr(ray_executor, "ray_available", lambda: True)
    ex = ray_executor.RayExecutor()

    def no_cluster() -> None:
        raise AssertionError("Ray started for a small map")

    monkeypatch.setattr(ex, "_connect", no_cluster)
    n = ray_executor.MIN_SCENARIOS - 1
    assert list(ex.map_batches(_square_all, (1,), list(range(n)), min_parallel=24)) == [
        (x, x * x + 1) for x in range(n)
    ]
    assert not ex.distributes(5, min_parallel=24)
