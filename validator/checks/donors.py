"""Single-failure data planes kept as trace donors while a k >= 2 sweep runs.

A double failure's re-traced classes mostly follow the paths of one of its single failures; the
sweep lets it take a single failure's cached traces where ``footprint.TraceReuse`` proves them
exact. This module only keeps those data planes: a registry on the base data plane, opened by
``Sweeper.sweep`` for sweeps of two or more elements and dropped at its end, bounded by the
network's size. It is a cache: a worker that did not compute a single failure simply traces.
"""

from __future__ import annotations

from collections.abc import Sequence

from validator.engine.types import DataPlane, FailureSet

_ATTR = "_validator_sub_scenarios"
MAX_KEPT = 256
KEPT_NODE_BUDGET = 4096  # kept single failures x nodes: memory stays bounded on large networks


def max_kept(base: DataPlane) -> int:
    """How many single-failure data planes a k >= 2 sweep keeps."""
    return min(MAX_KEPT, KEPT_NODE_BUDGET // max(1, len(base.snapshot.nodes)))


class _Kept(dict[FailureSet, DataPlane]):
    """The registry: pickles empty, so shipping the base to a Ray worker never ships up to
    ``MAX_KEPT`` data planes with it (a worker that has none simply traces)."""

    def __reduce__(self) -> tuple[type[_Kept], tuple[()]]:
        return (_Kept, ())


def start(base: DataPlane, keep: bool) -> None:
    """A sweep begins: drop a registry left by a sweep that raised, open one when ``keep``."""
    base.__dict__.pop(_ATTR, None)
    if keep:
        base.__dict__[_ATTR] = _Kept()


def finish(base: DataPlane) -> None:
    base.__dict__.pop(_ATTR, None)


def sub_scenarios(base: DataPlane, elements: Sequence[FailureSet], dp: DataPlane) -> list[DataPlane]:
    """Keep ``dp`` when it is a single failure (``elements``: what each element of the scenario
    fails); for a larger set, the kept data planes of its elements."""
    kept: dict[FailureSet, DataPlane] | None = base.__dict__.get(_ATTR)
    if kept is None:
        return []
    if len(elements) == 1:
        if len(kept) < max_kept(base):
            kept[elements[0]] = dp
        return []
    return [d for d in (kept.get(e) for e in elements) if d is not None]
