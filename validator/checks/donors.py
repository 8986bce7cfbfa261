"""Single-failure data planes kept as trace donors while a k >= 2 sweep runs.

A double failure's re-traced classes mostly follow the paths of one of its single failures; the
sweep lets it take a single failure's cached traces where ``footprint.TraceReuse`` proves them
exact. This module only keeps those data planes: a registry on the base data plane, opened by
``Sweeper.sweep`` for sweeps of two or more elements and dropped at its end, bounded by the
network's size. It is a cache: a worker that did not compute a single failure simply traces.

It also keeps, per kept single failure and pair, the *settled* groups: no-failure class groups
whose re-traced classes were all judged fine there, with the footprint of those traces. A double
failure that leaves such a footprint unchanged (``footprint.unchanged`` against the single
failure) treats every flow of the group as the single failure did, so none of its classes can be
a violation either: the sweep skips the group (``SweepStats.settled``) instead of re-tracing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from validator.checks.footprint import Footprint, footprint_of_classes, process_local
from validator.engine.types import DataPlane, FailureSet

_ATTR = "_validator_sub_scenarios"
_SETTLED = "_validator_settled_groups"
Group = tuple[Any, tuple[int, int]]  # a pair baseline's class group: (source, destination piece)
Settled = tuple[DataPlane, "SettledGroups"]
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


def is_kept(base: DataPlane, dp: DataPlane) -> bool:
    """Whether ``dp`` is one of the single failures the open registry keeps as a donor."""
    kept: dict[FailureSet, DataPlane] | None = base.__dict__.get(_ATTR)
    return kept is not None and any(d is dp for d in kept.values())


class SettledGroups:
    """One pair's settled groups in one kept single failure: each group's footprint there, from
    its re-traced class results, computed on first ask (a double failure asks only about groups
    its own change touched)."""

    __slots__ = ("_found", "_fps", "_memo")

    def __init__(self, found: Mapping[Group, Sequence[Any]], memo: dict[int, Any]) -> None:
        self._found = found
        self._memo = memo
        self._fps: dict[Group, Footprint] = {}

    def __bool__(self) -> bool:
        return bool(self._found)

    def get(self, group: Group) -> Footprint | None:
        hit = self._fps.get(group)
        if hit is None:
            rs = self._found.get(group)
            if rs is None:
                return None
            classes = ((r.traces[1], r.flow.dst_ip, r.members) for r in rs)
            hit = self._fps[group] = footprint_of_classes(classes, self._memo)
        return hit


def settle(dp: DataPlane, groups: object, judge: object, found: Mapping[Group, Sequence[Any]]) -> None:
    """Record that under ``judge`` no re-traced class (``found``: class results by group) of these
    groups (of the pair whose ``PairBaseline.groups`` is ``groups``) was a violation in ``dp``.
    Keyed by object identities (kept with the objects): never shipped to a worker."""
    memo = process_local(dp, "_validator_hop_footprints")  # hops are shared between classes and pairs
    process_local(dp, _SETTLED)[(id(groups), id(judge))] = (groups, judge, SettledGroups(found, memo))


def settled(subs: Sequence[DataPlane], groups: object, judge: object) -> list[Settled]:
    """The settled groups each of ``subs`` recorded for this pair and judge."""
    out: list[Settled] = []
    for d in subs:
        hit = d.__dict__.get(_SETTLED, {}).get((id(groups), id(judge)))
        if hit is not None and hit[0] is groups and hit[1] is judge and hit[2]:
            out.append((d, hit[2]))
    return out
