"""Rollout plans checked state by state: every intermediate state of a rollout must pass.

A rollout passes through states the head alone never shows: after waves 1..i, the devices of
those waves run their head configuration and every other device its base configuration. A change
that is safe only in one order (routers that set a community first, the filters that require it
second) is a region-wide outage in the other order. So the waves are ordered by a search over
those states:

- a state is the set of devices already changed; it is checked for real: its snapshot is built
  from the head files of those devices and the base files of the rest, its data plane computed,
  and every policy but ``blast_radius`` run on it against the base (pre-existing findings of the
  base do not fail it, see :mod:`validator.checks.baseline`), with the change's intent: flows the
  intent declares may have changed in part, everything else must be as in the base;
- the devices of one wave are changed concurrently, so any subset of them may have landed: each
  wave checks every such partial state (all subsets up to ``MAX_SUBSET_DEVICES`` new devices;
  beyond that each device alone, each all-but-one and the whole wave);
- depth-first over the orders of the waves, stopping at the first failing state, memoising every
  state; if no order of the waves works, the waves are split per device (a subset of a wave that
  fails nothing together still fails nothing) and searched again;
- the head itself (every wave applied) is the gate's own verdict and the base is where we start:
  neither is re-checked here. Side files (topology, runtime data) stay at the base until the end.

Outcomes: a safe order in which *every* order is safe (nothing to say); a safe order that other
orders are not (``ordered rollout required``, a warning naming the order); no safe order (block,
with the first failing intermediate state and its finding).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from validator.checks.sweep import Element
from validator.diff.units import Unit
from validator.model.snapshot import Snapshot
from validator.model.verdict import Finding

MAX_SUBSET_DEVICES = 4
MAX_STATES = 200  # a search that needs more states gives up (fail closed: no safe order proven)
ALL_ORDERS_WAVES = 5  # up to this many waves, every order is checked to tell "ordered" apart


@dataclass
class StateResult:
    devices: frozenset[str]
    passed: bool
    findings: list[Finding] = field(default_factory=list)  # error findings of a failing state


@dataclass
class RolloutResult:
    waves: list[list[Element]]  # in rollout order
    safe: bool
    ordered: bool = False  # some other order of the same waves fails
    failing: StateResult | None = None  # the first failing intermediate state
    states: int = 0
    seconds: float = 0.0
    exhausted: bool = False

    def devices_of(self, wave: Sequence[Element], units: dict[str, Unit]) -> list[str]:
        return sorted({units[e.spec].node for e in wave if e.spec in units})


def mixed_snapshot(base: Snapshot, head: Snapshot, files: Sequence[str]) -> Snapshot:
    """The base snapshot with ``files`` (snapshot paths) taken from the head."""
    from validator.snapshot.loader import load_snapshot_files

    raw: dict[str, bytes] = dict(base.raw_files) or {k: v.encode("utf-8") for k, v in base.files.items()}
    head_raw = head.raw_files or {k: v.encode("utf-8") for k, v in head.files.items()}
    for path in files:
        if path in head_raw:
            raw[path] = head_raw[path]
        else:
            raw.pop(path, None)
    return load_snapshot_files(raw, name=f"{head.name}-rollout", source=f"rollout of {head.source}", strict=False)


class StateChecker:
    """Checks intermediate states (memoised by the set of changed devices)."""

    def __init__(self, ctx: Any, device_files: dict[str, list[str]]) -> None:
        self.ctx = ctx
        self.device_files = device_files
        self.all_devices = frozenset(device_files)
        self.memo: dict[frozenset[str], StateResult] = {}
        self.order: list[frozenset[str]] = []  # states in the order they were checked

    def check(self, devices: frozenset[str]) -> StateResult:
        devices = devices & self.all_devices
        if not devices or devices == self.all_devices:
            return StateResult(devices, True)
        hit = self.memo.get(devices)
        if hit is None:
            if len(self.memo) >= MAX_STATES:
                raise _Exhausted
            hit = self._evaluate(devices)
            self.memo[devices] = hit
            self.order.append(devices)
        return hit

    def _evaluate(self, devices: frozenset[str]) -> StateResult:
        from validator.checks.baseline import base_findings, device_files, label
        from validator.checks.runner import CheckContext, run_policies

        ctx = self.ctx
        files = sorted({f for d in devices for f in self.device_files[d]})
        snap = mixed_snapshot(ctx.base.snapshot, ctx.head.snapshot, files)
        if snap.file_errors:
            fe = snap.file_errors[0]
            bad = Finding(policy="rollout", check="rollout", message=f"{fe.file}: {fe.message}")
            return StateResult(devices, False, [bad])
        compute = ctx.compute or _compute()
        dp = compute(snap)
        policies = replace(ctx.policies, policies=tuple(p for p in ctx.policies.policies if p.type != "blast_radius"))
        sctx = CheckContext(
            head=dp, base=ctx.base, policies=policies, compute=ctx.compute, engine=ctx.engine, intent=ctx.intent
        )
        found, _ran = run_policies(sctx)
        # the intent's own flows may hold in part in an intermediate state (some devices changed):
        # only "it does not hold yet" is dropped; flows outside the intent must still be unchanged
        found = [f for f in found if not _intent_not_yet(f)]
        ctx.scenarios += sctx.scenarios
        if any(f.severity == "error" for f in found):
            impact = getattr(ctx, "impact", None)
            units = [u for u in (impact.units if impact is not None else []) if u.node in devices]
            names = {f.policy for f in found if f.severity == "error"}
            found = label(found, base_findings(ctx, names), units, device_files(ctx))
        errors = [f for f in found if f.severity == "error"]
        return StateResult(devices, not errors, errors)


def _intent_not_yet(f: Finding) -> bool:
    return f.check == "no_regression" and (f.extra.get("kind") == "intent" or f.message.startswith("intent "))


class _Exhausted(Exception):
    pass


def _compute() -> Any:
    from validator.engine.dataplane import compute_dataplane

    return compute_dataplane


def _partial_states(prefix: frozenset[str], new: frozenset[str]) -> list[frozenset[str]]:
    """The states a concurrently applied wave passes through, smallest first."""
    ds = sorted(new)
    if len(ds) <= MAX_SUBSET_DEVICES:
        subsets = [frozenset(c) for k in range(1, len(ds) + 1) for c in itertools.combinations(ds, k)]
    else:
        subsets = [frozenset({d}) for d in ds] + [frozenset(ds) - {d} for d in ds] + [frozenset(ds)]
    return [prefix | s for s in subsets]


class _Search:
    def __init__(self, checker: StateChecker, waves: list[frozenset[str]]) -> None:
        self.checker = checker
        self.waves = waves
        self.dead: set[frozenset[int]] = set()
        self.first_fail: StateResult | None = None

    def wave_ok(self, prefix: frozenset[str], wave: frozenset[str]) -> bool:
        for state in _partial_states(prefix, wave - prefix):
            r = self.checker.check(state)
            if not r.passed:
                if self.first_fail is None:
                    self.first_fail = r
                return False
        return True

    def run(self, done: tuple[int, ...] = ()) -> tuple[int, ...] | None:
        if len(done) == len(self.waves):
            return done
        key = frozenset(done)
        if key in self.dead:
            return None
        prefix = frozenset().union(*(self.waves[i] for i in done)) if done else frozenset()
        for i in range(len(self.waves)):
            if i in done:
                continue
            if self.wave_ok(prefix, self.waves[i]):
                found = self.run((*done, i))
                if found is not None:
                    return found
        self.dead.add(key)
        return None


def search_order(ctx: Any, waves: list[list[Element]], units: dict[str, Unit]) -> RolloutResult:
    """An order of ``waves`` (split per device if needed) whose every intermediate state passes."""
    start = time.monotonic()
    change = getattr(ctx, "change", None)
    device_files: dict[str, list[str]] = {}
    for st in change.stanzas if change is not None else ():
        if st.device:
            device_files.setdefault(st.device, [])
            if st.file not in device_files[st.device]:
                device_files[st.device].append(st.file)
    # devices whose changes are all inert are in no wave: they stay at the base (equivalent)
    in_waves = {units[e.spec].node for w in waves for e in w if e.spec in units}
    checker = StateChecker(ctx, {d: fs for d, fs in device_files.items() if d in in_waves})

    def devs(w: list[Element]) -> frozenset[str]:
        return frozenset(units[e.spec].node for e in w if e.spec in units) & checker.all_devices

    attempts = [waves]
    per_device = _split_per_device(waves, units)
    if len(per_device) > len(waves):
        attempts.append(per_device)
    result: RolloutResult | None = None
    first_fail: StateResult | None = None
    try:
        for attempt in attempts:
            search = _Search(checker, [devs(w) for w in attempt])
            order = search.run()
            first_fail = first_fail or search.first_fail
            if order is not None:
                ordered = first_fail is not None or _some_order_fails(checker, [devs(w) for w in attempt])
                result = RolloutResult([attempt[i] for i in order], True, ordered)
                break
    except _Exhausted:
        result = RolloutResult(waves, False, failing=first_fail, exhausted=True)
    if result is None:
        result = RolloutResult(waves, False, failing=first_fail)
    result.states = len(checker.memo)
    result.seconds = time.monotonic() - start
    return result


def _split_per_device(waves: list[list[Element]], units: dict[str, Unit]) -> list[list[Element]]:
    out: list[list[Element]] = []
    for w in waves:
        by_dev: dict[str, list[Element]] = {}
        for e in w:
            by_dev.setdefault(units[e.spec].node if e.spec in units else "", []).append(e)
        out.extend(by_dev[d] for d in sorted(by_dev))
    return out


def _some_order_fails(checker: StateChecker, waves: list[frozenset[str]]) -> bool:
    """Whether any order of the waves passes through a failing state (small plans only)."""
    if len(waves) > ALL_ORDERS_WAVES:
        return False
    for k in range(1, len(waves)):
        for combo in itertools.combinations(range(len(waves)), k):
            prefix = frozenset().union(*(waves[i] for i in combo))
            if not checker.check(prefix).passed:
                return True
    return False


# --- findings (blast_radius policy) ----------------------------------------------------------------


def rollout_findings(ctx: Any, policy: str, plan: Any, units: list[Unit]) -> list[Finding]:
    """Check the plan's waves state by state (only when they span more than one device)."""
    result = rollout_of(ctx, plan, units)
    if result is None:
        return []
    return findings_of(policy, result, {u.name: u for u in units})


def rollout_of(ctx: Any, plan: Any, units: list[Unit]) -> RolloutResult | None:
    """The rollout search of ``plan`` (memoised per set of waves on the context)."""
    if len({u.node for u in units}) < 2 or ctx.base is None:
        return None
    cache: dict[tuple[tuple[str, ...], ...], RolloutResult] = ctx.__dict__.setdefault("_rollouts", {})
    key = tuple(tuple(e.spec for e in w) for w in plan.waves)
    if key not in cache:
        cache[key] = search_order(ctx, plan.waves, {u.name: u for u in units})
    return cache[key]


def wave_docs(result: RolloutResult, units: dict[str, Unit]) -> list[dict[str, Any]]:
    """The plan token's and JSON's form of the ordered waves: units and the devices they change
    (a device is listed in the first wave that changes it)."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for w in result.waves:
        devs = [d for d in result.devices_of(w, units) if d not in seen]
        seen.update(devs)
        out.append({"units": [e.spec for e in w], "devices": devs})
    return out


def findings_of(policy: str, result: RolloutResult, units: dict[str, Unit]) -> list[Finding]:
    waves = wave_docs(result, units)
    order = "; ".join(f"wave {i}: {', '.join(w['units'])}" for i, w in enumerate(waves, 1))
    extra: dict[str, Any] = {"waves": [w["units"] for w in waves], "rollout": waves, "states_checked": result.states}
    if not result.safe:
        f = result.failing
        why = "the search gave up (too many states)" if result.exhausted else "every order passes a failing state"
        if f is None:
            return [Finding(policy=policy, check="blast_radius", message=f"no safe rollout order: {why}", extra=extra)]
        first = f.findings[0]
        state = ", ".join(sorted(f.devices))
        return [
            replace(
                first,
                policy=policy,
                check="blast_radius",
                severity="error",
                message=(
                    f"no safe rollout order ({why}): the intermediate state with the head configuration on "
                    f"{state} and the base on every other device fails {first.policy}: {first.message}"
                ),
                extra={**first.extra, **extra, "failing_state": sorted(f.devices), "state_policy": first.policy},
            )
        ]
    if result.ordered:
        return [
            Finding(
                policy=policy,
                check="blast_radius",
                severity="warning",
                message=f"ordered rollout required: {order} (another order passes through a failing state)",
                extra={**extra, "ordered_rollout_required": True},
            )
        ]
    return []
