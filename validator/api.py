"""The one orchestration entry: load snapshots → diff → data planes → checks → Verdict.

The CLI, CI and deployment scripts all come through :func:`check`, so they cannot disagree.
Policies come from the base revision in git mode (a change cannot weaken its own guard).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from validator.backends import get_backend
from validator.backends.base import Backend
from validator.checks.budget import DEFAULT_MAX_SCENARIOS, check_budget
from validator.checks.evidence import snapshot_location
from validator.checks.no_regression import IntentScope
from validator.checks.runner import CheckContext, constraints_of, run_policies
from validator.checks.zones import zone_destination, zone_sources
from validator.engine.convergence import require_converged
from validator.engine.types import DataPlane
from validator.errors import ConfigParseError, NotConverged, PolicyError
from validator.executors import Executor, executor_scope
from validator.inputs import Inputs, load_folder, load_policies_path, resolve_inputs
from validator.limits import RunTimeout, check_deadline, deadline, timeout_handled
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangeSet, Finding, Location, Verdict
from validator.phases import phase

# snapshot files the builtin engine reads but does not model; a change to one is never analysed
ENGINE_UNMODELLED_FILES = {
    "batfish/isp_config.json": "ISP modelling (Batfish isp_config) is not modelled by the builtin engine",
}


def _intent_scopes(intent: Any, pset: Any, head: DataPlane) -> list[IntentScope]:
    from validator.policy import resolve_zone

    scopes: list[IntentScope] = []
    if intent is None:
        return scopes
    for i, ch in enumerate(intent.changes, 1):
        src = resolve_zone(ch.from_zone, pset)
        dst = resolve_zone(ch.to_zone, pset)
        scopes.append(
            IntentScope(
                label=f"#{i} ({src.name} -> {dst.name} {ch.expect}, {ch.source})",
                sources=tuple(zone_sources(head, src)),
                dst=zone_destination(head, dst, assigned_only=(ch.expect == "allow")),
                constraints=constraints_of(ch.headers),
                expect=ch.expect,
            )
        )
    return scopes


def prepare(inputs: Inputs, backend: Backend, progress: Any = None) -> tuple[CheckContext, Verdict]:
    """Validate the policies, diff the change, compute the data planes: everything but the checks.

    Findings that need no policy (unmodelled changes, edited policies) are already on the verdict.
    """
    from validator.checks.soundness import foreign_vendor_findings
    from validator.diff import compute_changeset, touched_elements, unmodelled_findings
    from validator.diff.impact import analyse_change
    from validator.diff.unmodelled import state_findings
    from validator.diff.unread import unread_changes, unread_findings
    from validator.policy import validate_against, validate_intent

    verdict = Verdict(head=inputs.head_side, base=inputs.base_side, engine=backend.name)
    try:
        validate_against(inputs.policies, inputs.head)
    except PolicyError as exc:
        malformed = [fe for fe in inputs.head.file_errors if fe.vendor is None]
        if malformed:
            # the policies name a device whose configuration did not parse: that is the real error
            fe = malformed[0]
            raise ConfigParseError(fe.message, file=fe.file, line=fe.line or None) from None
        foreign = [fe.file for fe in inputs.head.file_errors if fe.vendor is not None]
        if foreign:  # the policies may name a device of an unsupported vendor: say which files
            raise PolicyError(
                f"{exc.message} (not read, unsupported vendor: {', '.join(foreign)})", file=exc.file, line=exc.line
            ) from None
        raise
    if inputs.intent is not None:
        validate_intent(inputs.intent, inputs.policies, inputs.head)
    if inputs.base is None:
        # state mode: every line the parser could not read blocks (never a silent pass)
        verdict.findings.extend(state_findings(inputs.head))
    touched = None
    impact = None
    if inputs.base is not None:
        with phase("diff"):
            result = compute_changeset(inputs.base, inputs.head)
        cs: ChangeSet = replace(result.changeset, policies_changed=inputs.policies_changed)
        verdict.change = cs
        touched = touched_elements(result.changeset, inputs.base, inputs.head)
        impact = analyse_change(result.changeset, inputs.base, inputs.head)
        cs = impact.mark(cs)
        verdict.change = cs
        verdict.findings.extend(unmodelled_findings(result))
        for path in result.changeset.files:
            if path in ENGINE_UNMODELLED_FILES:
                verdict.findings.append(
                    Finding(
                        policy="change",
                        check="unmodelled",
                        message=f"unmodelled change at {path}:1: {ENGINE_UNMODELLED_FILES[path]}",
                        locations=(Location(path, 1),),
                    )
                )
        # changed files the loader never reads: listed and blocking unless declared not state
        unread = unread_changes(inputs.base, inputs.head, inputs.ignore_paths)
        if unread and verdict.change is not None:
            verdict.change = replace(verdict.change, unread=tuple(unread))
        verdict.findings.extend(unread_findings(unread, inputs.base, inputs.head))
        if inputs.policies_changed:
            verdict.findings.append(
                Finding(
                    policy="change",
                    check="policies",
                    severity="warning",
                    message="the change edits the policies; it was checked against the base revision's policies",
                )
            )
    elif any(fe.vendor is None for fe in inputs.head.file_errors):
        fe = next(fe for fe in inputs.head.file_errors if fe.vendor is None)
        raise ConfigParseError(f"configuration does not parse: {fe.message}", file=fe.file, line=fe.line or None)
    verdict.findings.extend(foreign_vendor_findings(inputs.head))
    with phase("data plane (head)"):
        head_dp = backend.dataplane(inputs.head)
    base_dp = None
    if inputs.base is not None:
        with phase("data plane (base)"):
            base_dp = backend.dataplane(inputs.base)
    ctx = CheckContext(
        head=head_dp,
        base=base_dp,
        policies=inputs.policies,
        intent=_intent_scopes(inputs.intent, inputs.policies, head_dp),
        touched=touched,
        compute=backend.dataplane,
        engine=backend.name,
        change=verdict.change,
        progress=progress,
        impact=impact,
    )
    return ctx, verdict


def _with_changed_lines(f: Finding, change: ChangeSet, head: Snapshot) -> Finding:
    """A finding whose traces name no responsible line points at the change's stanzas on the
    devices its flows crossed: in a blocked change those are the lines to look at first."""
    if f.locations or not (f.trace or f.base_trace):
        return f
    nodes = {h.get("node") for t in (*f.trace, *f.base_trace) for h in t.get("hops", ())}
    stanzas = [st for st in change.stanzas if st.op != "removed"]
    on_path = [st for st in stanzas if st.device in nodes]
    # a route the change withheld elsewhere (NO_ROUTE) leaves no trace on the path: then every
    # changed stanza is a suspect
    locs = []
    for st in (on_path or stanzas)[:10]:
        locs.append(snapshot_location(head, st.file, st.line))
    return replace(f, locations=tuple(locs)) if locs else f


def _edited_lines(inputs: Inputs) -> dict[str, set[int]]:
    """The head lines the change edits, per snapshot file (empty in state mode)."""
    from validator.diff import changed_lines

    if inputs.base is None:
        return {}
    out: dict[str, set[int]] = {}
    for path in set(inputs.base.files) | set(inputs.head.files):
        b, h = inputs.base.files.get(path), inputs.head.files.get(path)
        if b != h and h is not None:
            out[path] = changed_lines(b, h)[0]
    return out


def run(
    inputs: Inputs,
    backend: Backend,
    progress: Any = None,
    *,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
) -> Verdict:
    """Analyse resolved inputs; fail closed on anything the model does not cover.

    Nothing checked is not a pass: an empty policy set is bad input and a run whose every policy
    was skipped blocks, unless ``allow_empty``. A sweep above ``max_scenarios`` is refused before
    any scenario runs. A data plane that did not converge, or a run past ``timeout`` seconds,
    makes the verdict ``error``. In diff mode, findings the base already had (and the change does
    not touch) are labelled pre-existing warnings (``validator.checks.baseline``) unless ``strict``.
    """
    start = time.monotonic()
    require_policies(inputs.policies, allow_empty)
    verdict: Verdict | None = None
    try:
        with deadline(timeout):
            ctx, verdict = prepare(inputs, backend, progress)
            require_converged(ctx.head, "head data plane")
            if ctx.base is not None:
                require_converged(ctx.base, "base data plane")
            check_budget(ctx.head, ctx.policies, max_scenarios)
            check_deadline()
            with phase(f"checking {len(ctx.policies.policies)} policies (header classes, sweeps)"):
                policy_findings, ran = run_policies(ctx)
            check_deadline()
            if verdict.change is not None and not strict:
                from validator.checks.baseline import label_pre_existing

                policy_findings = label_pre_existing(ctx, policy_findings)
                check_deadline()
    except (NotConverged, RunTimeout) as exc:
        if isinstance(exc, RunTimeout):
            timeout_handled()  # the error verdict is the answer: no second alarm while it is rendered
        failed = verdict or Verdict(head=inputs.head_side, base=inputs.base_side, engine=backend.name)
        failed.error = exc.one_line() if isinstance(exc, NotConverged) else str(exc)
        failed.seconds = time.monotonic() - start
        return failed
    edited = _edited_lines(inputs)
    if verdict.change is not None:
        from validator.checks.cause_evidence import cite_changed_lines

        policy_findings = [_with_changed_lines(f, verdict.change, inputs.head) for f in policy_findings]
        policy_findings = cite_changed_lines(
            policy_findings, change=verdict.change, head=inputs.head, edited=edited, impact=ctx.impact
        )
    verdict.findings.extend(policy_findings)
    skipped: list[str] = []
    for note in ctx.notes:
        name, _, text = note.partition(": ")
        if text.startswith("skipped"):
            skipped.append(name)
        verdict.findings.append(Finding(policy=name, check="note", severity="info", message=text or note))
    if ran and {name for name, _ in ran} <= set(skipped):
        verdict.findings.append(nothing_checked(ran, allow_empty))
    if inputs.waivers and not strict:  # --strict: every finding an error, waived or not
        from validator.policy.waivers import apply_waivers

        verdict.findings[:] = apply_waivers(verdict.findings, inputs.waivers, changed=edited)
    from validator.checks.grouping import group_findings

    verdict.findings[:], verdict.groups = group_findings(verdict.findings, edited)  # one group per root cause
    verdict.policies_run = ran
    verdict.policy_seconds = dict(ctx.policy_seconds)
    verdict.scenarios = ctx.scenarios
    sweeper = getattr(ctx, "_sweeper", None)  # one per run: its stats count every sweep of the run
    verdict.pruned = sweeper.stats.pruned if sweeper is not None else 0
    verdict.seconds = time.monotonic() - start
    return verdict


def require_policies(policies: Any, allow_empty: bool) -> None:
    """Zero policies would pass any change (even one removing the edge ACL): bad input."""
    if allow_empty or policies is None or len(getattr(policies, "policies", ())) > 0:
        return
    raise PolicyError(
        "no policies to check (none defined): a gate that checks nothing would pass any change; "
        "add policies or pass --allow-empty (library: allow_empty=True)",
        file=getattr(policies, "file", None),
    )


def nothing_checked(ran: list[tuple[str, str]], allow_empty: bool) -> Finding:
    """Every policy was skipped (say, only diff policies and no base): the verdict says so and,
    unless empty runs are allowed, does not pass."""
    names = ", ".join(name for name, _ in ran)
    return Finding(
        policy="run",
        check="nothing_checked",
        severity="warning" if allow_empty else "error",
        message=(
            f"every policy was skipped ({names}): nothing was checked"
            + ("" if allow_empty else "; give a base snapshot, or pass --allow-empty to accept an unchecked change")
        ),
    )


def check(
    head: str | Path | Snapshot | None = None,
    base: str | Path | Snapshot | None = None,
    policies: str | Path | Any = "policies",
    engine: str = "builtin",
    *,
    intent: str | Path | None = None,
    ignore_paths: Sequence[str] = (),
    repo: str | Path | None = None,
    head_rev: str | None = None,
    base_rev: str | None = None,
    snapshot_path: str = ".",
    batfish_host: str | None = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
    executor: str | Executor | None = None,
) -> Verdict:
    """Run the gate.

    Folder mode: ``check(head="snap/proposed", base="snap/live", policies="policies/")``.
    Git mode: ``check(repo=".", base_rev="main", head_rev="HEAD", snapshot_path="network")``;
    policies are then a path inside the repository, read from the base revision.
    ``ignore_paths``: globs of snapshot files that are not network state (``--ignore-path``); any
    other changed file the loader does not read blocks as unread.
    ``allow_empty`` accepts a run that checks nothing; ``max_scenarios`` bounds every failure
    sweep (None: no bound); ``timeout`` (seconds) makes an unfinished run an ``error`` verdict.
    ``executor``: where sweep scenarios run, ``"local"``, ``"ray"``, ``"ray:ADDRESS"`` or an
    :class:`~validator.executors.Executor` (None: ``$VALIDATOR_EXECUTOR``, else local).
    """
    backend = get_backend(engine, batfish_host=batfish_host)
    try:
        inputs = resolve_inputs(
            head=head,
            base=base,
            policies=policies,
            intent=intent,
            ignore_paths=ignore_paths,
            repo=repo,
            head_rev=head_rev,
            base_rev=base_rev,
            snapshot_path=snapshot_path,
        )
        with executor_scope(executor):
            return run(
                inputs, backend, allow_empty=allow_empty, max_scenarios=max_scenarios, timeout=timeout, strict=strict
            )
    finally:
        backend.close()


def _snapshot_arg(snapshot: str | Path | Snapshot) -> Snapshot:
    return snapshot if isinstance(snapshot, Snapshot) else load_folder(snapshot, strict=False)


def whatif(
    snapshot: str | Path | Snapshot,
    *,
    fail: Sequence[str] = (),
    drain: Sequence[str] = (),
    policies: str | Path | Any = "policies",
    engine: str = "builtin",
    batfish_host: str | None = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
    executor: str | Executor | None = None,
) -> Verdict:
    """Before maintenance: is it safe to take ``fail`` (failure specs) and ``drain`` (``NODE``,
    ``NODE[IFACE]`` or a failure spec) down? ``verdict.passed`` is the answer; ``verdict.whatif``
    holds the pairs that break and the single points of failure the maintenance creates, apart
    from those that existed before (:mod:`validator.maintenance`)."""
    from validator.maintenance import run_whatif

    snap = _snapshot_arg(snapshot)
    pset = load_policies_path(policies) if isinstance(policies, (str, Path)) else policies
    backend = get_backend(engine, batfish_host=batfish_host)
    try:
        with executor_scope(executor):  # as in check()
            return run_whatif(
                snap,
                backend,
                policies=pset,
                fail=fail,
                drain=drain,
                allow_empty=allow_empty,
                max_scenarios=max_scenarios,
                timeout=timeout,
                strict=strict,
            )
    finally:
        backend.close()


def routes(
    snapshot: str | Path | Snapshot,
    *,
    node: str | None = None,
    engine: str = "builtin",
    batfish_host: str | None = None,
) -> list[Any]:
    """Main-RIB routes (Batfish's routes question) of the nodes ``node`` selects (name or /regex/)."""
    from validator.lookup import routes as lookup_routes

    backend = get_backend(engine, batfish_host=batfish_host)
    try:
        return lookup_routes(_snapshot_arg(snapshot), backend, node)[1]
    finally:
        backend.close()


def trace(
    snapshot: str | Path | Snapshot,
    *,
    src: str,
    dst: str,
    protocol: str = "udp",
    dst_port: int | None = None,
    fail: Sequence[str] = (),
    engine: str = "builtin",
    batfish_host: str | None = None,
) -> list[tuple[Any, list[Any]]]:
    """Batfish-style traceroute: ``(flow, traces)`` per start location of ``src``."""
    from validator.lookup import traces

    backend = get_backend(engine, batfish_host=batfish_host)
    try:
        return traces(
            _snapshot_arg(snapshot), backend, src=src, dst=dst, protocol=protocol, dst_port=dst_port, fail=fail
        )[1]
    finally:
        backend.close()


def plan(
    head: str | Path | Snapshot | None = None,
    base: str | Path | Snapshot | None = None,
    policies: str | Path | Any = "policies",
    engine: str = "builtin",
    *,
    intent: str | Path | None = None,
    repo: str | Path | None = None,
    head_rev: str | None = None,
    base_rev: str | None = None,
    snapshot_path: str = ".",
    batfish_host: str | None = None,
    ignore_paths: Sequence[str] = (),
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    executor: str | Executor | None = None,
) -> dict[str, Any]:
    """The rollout plan of a change (``validator plan``): waves, single points of failure, the
    order of waves (``ordered_rollout_required``) and ``safe``; same inputs as :func:`check`."""
    from validator.planning import run_plan

    backend = get_backend(engine, batfish_host=batfish_host)
    try:
        inputs = resolve_inputs(
            head=head,
            base=base,
            policies=policies,
            intent=intent,
            ignore_paths=ignore_paths,
            repo=repo,
            head_rev=head_rev,
            base_rev=base_rev,
            snapshot_path=snapshot_path,
        )
        with executor_scope(executor):  # as in check()
            return run_plan(inputs, backend, allow_empty=allow_empty, max_scenarios=max_scenarios)
    finally:
        backend.close()
