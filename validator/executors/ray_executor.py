"""Scenario batches as Ray tasks, on a local Ray instance or an existing cluster.

What runs where:
- the driver (this process) puts each part of the shared state into Ray's object store once
  (``ray.put``, cached by identity for the executor's life: the base data plane of one run is
  shipped once however many sweeps use it), then submits one task per batch of scenarios;
- each task names the shared parts by reference; a worker process fetches and unpickles a part the
  first time it needs it and keeps it for the next tasks (:func:`_fetch`), so a worker holds one
  copy of the base state, not one per task;
- results come back in submission order, so findings are identical, and identically ordered, to
  the local executor's.
- a batch smaller than :data:`MIN_SCENARIOS` runs as with the local executor (and Ray is only
  started when the first large one comes).

Failures are never a pass: a task that raised one of the project's errors re-raises it here
(a scenario that does not converge is still :class:`~validator.errors.NotConverged`); anything
else a task or the cluster does wrong is an :class:`~validator.errors.EngineError` of one line
(exit 3). ``import ray`` happens only when this executor is used; without Ray installed it says
which extra to install.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

from validator.errors import EngineError, ValidatorError
from validator.executors.base import BatchFn, R, Shared, T, checked, chunks
from validator.executors.local import LocalExecutor

INSTALL_HINT = "pip install 'netchange-validator[ray]'"
# a map of fewer scenarios runs as with --executor local: shipping the base state and warming
# cold workers costs more than it saves (measured: a 28-scenario whatif sweep on the region fixture
# took 54 s on a local 2-CPU Ray instance, 24 s for the whole whatif locally)
MIN_SCENARIOS = 64
TASKS_PER_CPU = 4  # batches per cluster CPU: enough to even out uneven scenarios, few enough to amortise a task
PUT_CACHE = 8  # shared parts kept in the object store (driver) and unpickled (per worker)
# Ray >= 2.x resolves "127.0.0.1" to the machine's routable address and binds its servers to every
# interface, unless it is told this is a single-machine instance (read when ``ray`` is imported)
_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def ray_available() -> bool:
    return importlib.util.find_spec("ray") is not None


class RayExecutor:
    """``--executor ray`` (a local single-machine instance, loopback only) or ``ray:ADDRESS``
    (``auto``, ``HOST:PORT`` of a head node, or ``ray://HOST:10001`` for Ray Client)."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        init_options: dict[str, Any] | None = None,
        min_scenarios: int | None = None,
    ) -> None:
        if not ray_available():
            raise EngineError(f"the ray executor needs Ray, which is not installed: {INSTALL_HINT}")
        self.address = address
        self.min_scenarios = min_scenarios  # None: MIN_SCENARIOS
        self._local = LocalExecutor()
        self._init_options = dict(init_options or {})
        self._ray: Any = None
        self._started = False  # this executor called ray.init (and so calls ray.shutdown)
        self._task: Any = None
        self._puts: OrderedDict[int, tuple[Any, Any]] = OrderedDict()  # id(part) -> (part, ObjectRef)
        self.put_ids: list[int] = []  # id() of every part put into the object store, in order
        self.tasks_submitted = 0

    # --- cluster ---------------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self._ray is not None:
            return self._ray
        local = self.address is None and not os.environ.get("RAY_ADDRESS")
        if local:
            os.environ.setdefault(_LOOPBACK_ENV, "0")  # before the import: servers on 127.0.0.1 only
        import logging

        import ray

        if not ray.is_initialized():  # a library caller's own ray.init() is used as it is
            options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
            if local:
                _loopback_only()
                # "local": a new instance, never a cluster found running on the machine (Ray's
                # default for no address, through /tmp/ray/ray_current_cluster, even a stale one)
                options.update(address="local", include_dashboard=False, _node_ip_address="127.0.0.1")
            else:
                options["address"] = self.address  # None: RAY_ADDRESS, as Ray itself reads it
                options["runtime_env"] = {"py_modules": [_package_dir()]}  # the driver's own code
            options.update(self._init_options)
            # ray.init replaces the SIGTERM handler with sys.exit(15): the run's own handler
            # (validator.limits: exit 3, workers ended, no partial verdict) is put back
            main = threading.current_thread() is threading.main_thread()
            previous = signal.getsignal(signal.SIGTERM) if main else None
            try:
                ray.init(**options)
            except Exception as exc:  # ConnectionError, ValueError, RuntimeError: Ray varies
                where = self.address or os.environ.get("RAY_ADDRESS") or "a local Ray instance"
                raise EngineError(f"ray executor: cannot start or reach {where}: {_one_line(exc)}") from None
            finally:
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)
            self._started = True
        self._ray = ray
        self._task = ray.remote(_ray_task).options(num_cpus=1)
        return ray

    def cpus(self) -> int:
        ray = self._connect()
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def close(self) -> None:
        self._puts.clear()
        if self._ray is not None and self._started:
            self._ray.shutdown()
        self._ray = None
        self._task = None
        self._started = False

    # --- maps ------------------------------------------------------------------------------------

    def _on_ray(self, items: int, min_parallel: int) -> bool:
        threshold = MIN_SCENARIOS if self.min_scenarios is None else self.min_scenarios
        return items >= max(min_parallel, threshold, 1)

    def distributes(self, items: int, *, min_parallel: int = 1) -> bool:
        return self._on_ray(items, min_parallel) or self._local.distributes(items, min_parallel=min_parallel)

    def map_batches(
        self, fn: BatchFn[T, R], shared: Shared, items: Sequence[T], *, min_parallel: int = 1
    ) -> Iterator[R]:
        if not self._on_ray(len(items), min_parallel):
            yield from self._local.map_batches(fn, shared, items, min_parallel=min_parallel)
            return
        ray = self._connect()
        refs = [self._put(part) for part in shared]
        batches = chunks(items, len(items) // (self.cpus() * TASKS_PER_CPU))
        try:
            pending = [self._task.remote(fn, refs, batch) for batch in batches]
            self.tasks_submitted += len(pending)
        except Exception as exc:
            raise EngineError(f"ray executor: cannot submit the scenario batches: {_one_line(exc)}") from None
        # no ray.cancel() of the rest on an error: cancelling a task that just finished aborts the
        # driver (Ray 2.60: "Tried to complete task that was not pending"); they end on their own,
        # and close() ends a local instance with everything in it
        for batch, ref in zip(batches, pending, strict=True):
            yield from checked(self._get(ray, ref), len(batch))

    def _put(self, part: Any) -> Any:
        key = id(part)
        hit = self._puts.get(key)
        if hit is not None and hit[0] is part:
            self._puts.move_to_end(key)
            return hit[1]
        try:
            ref = self._ray.put(part)
        except Exception as exc:
            raise EngineError(f"ray executor: cannot ship the sweep's state to Ray: {_one_line(exc)}") from None
        self._puts[key] = (part, ref)  # holding ``part`` keeps its id from being reused
        self.put_ids.append(key)
        while len(self._puts) > PUT_CACHE:
            self._puts.popitem(last=False)
        return ref

    @staticmethod
    def _get(ray: Any, ref: Any) -> Sequence[Any]:
        from ray.exceptions import RayError, RayTaskError

        try:
            result: Sequence[Any] = ray.get(ref)
        except RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, ValidatorError):
                raise cause from None  # the same error (and exit code) the local executor gives
            raise EngineError(f"ray executor: a scenario task failed: {_one_line(cause or exc)}") from None
        except RayError as exc:
            raise EngineError(f"ray executor: {_one_line(exc)}") from None
        return result


def _loopback_only() -> None:
    """A local instance listens on 127.0.0.1 only, even when ``ray`` was imported before
    :envvar:`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER` was set: Ray then reads its import-time constant
    when it resolves ``_node_ip_address="127.0.0.1"`` to the machine's routable address. The
    processes it starts read the environment variable themselves."""
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None and getattr(constants, "ENABLE_RAY_CLUSTER", False):
        constants.ENABLE_RAY_CLUSTER = False  # type: ignore[attr-defined]


def _package_dir() -> str:
    import validator

    return os.path.dirname(os.path.abspath(validator.__file__))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# --- in the Ray worker ---------------------------------------------------------------------------

_FETCHED: OrderedDict[str, Any] = OrderedDict()  # ObjectRef hex -> the unpickled shared part


def _fetch(ref: Any) -> Any:
    """A shared part, unpickled once per worker process and kept for the following tasks."""
    key = ref.hex()
    if key in _FETCHED:
        _FETCHED.move_to_end(key)
        return _FETCHED[key]
    import ray

    value = ray.get(ref)
    _FETCHED[key] = value
    while len(_FETCHED) > PUT_CACHE:
        _FETCHED.popitem(last=False)
    return value


def _ray_task(fn: BatchFn[Any, Any], refs: list[Any], batch: Sequence[Any]) -> list[Any]:
    """One batch; ``refs`` arrive as a list so Ray hands over references, not copies."""
    shared = tuple(_fetch(r) for r in refs)
    return list(fn(shared, batch))
