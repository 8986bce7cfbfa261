"""The executor seam: how a failure sweep's independent scenarios are spread over CPUs.

A sweep evaluates many scenarios that share one large, read-only state (the base data plane, the
incremental engine's reusable state, the pair baselines) and differ only in a small item each
(the failed elements). An executor maps a *pure* function over batches of those items:

    executor.map_batches(fn, shared, items)   # yields fn's results, one per item, in item order

``fn(shared, batch)`` must return one result per item of ``batch``, must not depend on anything
but its arguments, and must not mutate ``shared``: an executor may run it in this process, in
forked workers, or on other machines, and the results (and their order) are the same whichever
runs it. ``shared`` is a tuple of parts; an executor that ships state elsewhere ships each part
once per executor (by identity), however many batches and maps use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Shared = tuple[Any, ...]
BatchFn = Callable[[Shared, Sequence[T]], Sequence[R]]


class Executor(Protocol):
    """Runs a pure function over batches of items that share one read-only state."""

    @property
    def name(self) -> str:
        """``local`` or ``ray``: what the verdict and the benchmarks call it."""
        ...

    def distributes(self, items: int, *, min_parallel: int = 1) -> bool:
        """Whether a map of ``items`` items leaves this process (state worth building up front)."""
        ...

    def map_batches(
        self, fn: BatchFn[T, R], shared: Shared, items: Sequence[T], *, min_parallel: int = 1
    ) -> Iterator[R]:
        """``fn``'s results for every item, in item order. Fewer than ``min_parallel`` items run
        in this process (spreading them costs more than it saves)."""
        ...

    def close(self) -> None:
        """Release workers or a cluster connection this executor started (idempotent)."""
        ...


def run_here(fn: BatchFn[T, R], shared: Shared, items: Sequence[T]) -> Iterator[R]:
    """Every item in this process, one batch per item (a progress line moves per scenario)."""
    for item in items:
        yield from checked(fn(shared, [item]), 1)


def checked(results: Sequence[R], expected: int) -> Sequence[R]:
    """A batch function that loses or invents results would misattribute every later scenario."""
    if len(results) != expected:
        from validator.errors import EngineError

        raise EngineError(f"executor: a batch of {expected} scenarios returned {len(results)} results")
    return results


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive batches of ``size`` (the last may be shorter)."""
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)]
