"""The one orchestration entry: load snapshots → diff → data planes → checks → Verdict.

The CLI, CI and deployment scripts all come through :func:`check`, so they cannot disagree.
Policies come from the base revision in git mode (a change cannot weaken its own guard).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from validator.errors import ConfigParseError, InputError, NotConverged, PolicyError
from validator.executors import Executor, executor_scope
from validator.limits import RunTimeout, check_deadline, deadline, timeout_handled
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangeSet, Finding, Location, Side, Verdict
from validator.phases import phase

INTENT_PATH = ".validator/intent.yaml"
WAIVERS_PATH = ".validator/waivers.yaml"  # = validator.policy.waivers.WAIVERS_PATH
# snapshot files the builtin engine reads but does not model; a change to one is never analysed
ENGINE_UNMODELLED_FILES = {
    "batfish/isp_config.json": "ISP modelling (Batfish isp_config) is not modelled by the builtin engine",
}


@dataclass
class Inputs:
    """Everything a run reads, resolved: what plan tokens bind to."""

    head: Snapshot
    head_side: Side
    base: Snapshot | None = None
    base_side: Side | None = None
    policies: Any = None  # PolicySet
    intent: Any = None  # Intent
    intent_digest: str | None = None
    policies_changed: bool = False
    repo: str | None = None
    base_commit: str | None = None
    head_commit: str | None = None
    snapshot_path: str = "."
    policies_path: str = "policies"
    target: str | None = None  # the branch the change lands on (default branch, or --base as given)
    # globs of snapshot files that are not network state (--ignore-path): their changes do not block
    ignore_paths: tuple[str, ...] = ()
    # .validator/waivers.yaml of the base side (validator.policy.waivers): never the change's own
    waivers: tuple[Any, ...] = ()


def _load_folder(path: str | Path, *, strict: bool) -> Snapshot:
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(path, strict=strict)


def _load_policies_path(path: str | Path) -> Any:
    from validator.policy import load_policies

    return load_policies(path)


def _load_intent_file(path: str | Path) -> tuple[Any, str]:
    from validator.policy import load_intent

    intent = load_intent(path)
    return intent, intent.digest


def resolve_folder_inputs(
    head: str | Path | Snapshot,
    base: str | Path | Snapshot | None,
    policies: str | Path | Any,
    intent: str | Path | None,
    ignore_paths: Sequence[str] = (),
) -> Inputs:
    with phase("parse head snapshot"):
        head_snap = head if isinstance(head, Snapshot) else _load_folder(head, strict=False)
    base_snap = None
    if base is not None:
        with phase("parse base snapshot"):
            base_snap = base if isinstance(base, Snapshot) else _load_folder(base, strict=False)
    with phase("load policies"):
        pset = _load_policies_path(policies) if isinstance(policies, (str, Path)) else policies
    intent_obj, intent_digest = None, None
    if intent is not None:
        intent_obj, intent_digest = _load_intent_file(intent)
    elif not isinstance(head, Snapshot):
        candidate = Path(head) / INTENT_PATH
        if candidate.is_file():
            intent_obj, intent_digest = _load_intent_file(candidate)
    own: list[str] = []
    if not isinstance(head, Snapshot):
        # policies or an intent file kept inside the snapshot folder are read, just not as state
        for extra in (policies, intent):
            rel = _inside(Path(head), extra)
            if rel is not None:
                own.append(rel)
    waivers: tuple[Any, ...] = ()
    if base is not None and not isinstance(base, Snapshot) and (Path(base) / WAIVERS_PATH).is_file():
        from validator.policy.waivers import load_waivers

        waiver_file = Path(base) / WAIVERS_PATH
        waivers = load_waivers(waiver_file.read_bytes(), file=str(waiver_file))
    return Inputs(
        waivers=waivers,
        head=head_snap,
        head_side=Side(head_snap.source),
        base=base_snap,
        base_side=Side(base_snap.source) if base_snap else None,
        policies=pset,
        intent=intent_obj,
        intent_digest=intent_digest,
        ignore_paths=(*ignore_paths, *own),
    )


def _inside(root: Path, path: object) -> str | None:
    """``path`` relative to ``root`` (POSIX) when it lies inside it, else None."""
    if not isinstance(path, (str, Path)):
        return None
    try:
        rel = Path(path).resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return rel.as_posix() if str(rel) != "." else None


def resolve_git_inputs(
    *,
    repo: str | Path = ".",
    base: str | None = None,
    head: str | None = None,
    snapshot_path: str = ".",
    policies: str = "policies",
    intent: str | Path | None = None,
    ignore_paths: Sequence[str] = (),
) -> Inputs:
    from validator.policy import load_intent, load_policies_from_bytes
    from validator.snapshot import git as g

    r = g.open_repo(repo)
    head_rev = g.validate_rev(head or "HEAD")
    head_commit = g.resolve_commit(r, head_rev)
    if base is None:
        target = g.default_branch(r)
        base_commit = g.merge_base(r, g.resolve_commit(r, target), head_commit)
    else:
        target = g.validate_rev(base)
        base_commit = g.resolve_commit(r, target)
    source = f"{Path(repo).resolve()}:{snapshot_path}"
    with phase("parse head snapshot"):
        head_snap = g.load_snapshot_at(r, head_commit, snapshot_path, strict=False)
    with phase("parse base snapshot"):
        base_snap = g.load_snapshot_at(r, base_commit, snapshot_path, strict=False)
    base_policy_files = g.read_tree_files(r, base_commit, policies, missing_ok=True)
    if not base_policy_files:
        raise PolicyError(f"no policies at {policies!r} in the base revision {base_commit[:12]}")
    pset = load_policies_from_bytes(
        {f"{policies}/{k}" if k else policies: v for k, v in base_policy_files.items()}
    )
    head_policy_files = g.read_tree_files(r, head_commit, policies, missing_ok=True)
    intent_obj, intent_digest = None, None
    if intent is not None:
        intent_obj, intent_digest = _load_intent_file(intent)
    else:
        blob = None
        for candidate in dict.fromkeys((f"{snapshot_path.rstrip('/')}/{INTENT_PATH}", INTENT_PATH)):
            candidate = candidate.removeprefix("./")
            blob = g.read_file(r, head_commit, candidate)
            if blob is not None:
                break
        if blob is not None:
            intent_obj = load_intent(blob, file=f"{INTENT_PATH}@{head_commit[:12]}")
            intent_digest = intent_obj.digest
    from validator.policy.waivers import load_waivers

    waiver_blob = g.read_file(r, base_commit, WAIVERS_PATH)  # the base's: a change cannot waive itself
    waivers = load_waivers(waiver_blob, file=f"{WAIVERS_PATH}@{base_commit[:12]}") if waiver_blob else ()
    r.close()  # its `git cat-file` readers end here, not at some later GC (or in a forked worker)
    return Inputs(
        waivers=waivers,
        head=head_snap,
        head_side=Side(source, head_commit),
        base=base_snap,
        base_side=Side(source, base_commit),
        policies=pset,
        intent=intent_obj,
        intent_digest=intent_digest,
        policies_changed=head_policy_files != base_policy_files,
        repo=str(repo),
        base_commit=base_commit,
        head_commit=head_commit,
        snapshot_path=snapshot_path,
        policies_path=policies,
        target=target,
        ignore_paths=(*ignore_paths, *_repo_own_paths(snapshot_path, policies)),
    )


def _repo_own_paths(snapshot_path: str, policies: str) -> list[str]:
    """The policies folder, relative to the snapshot folder when inside it: read from the base
    revision as policies (a change to them is reported separately), so not unread state."""
    snap = "/".join(p for p in snapshot_path.replace("\\", "/").split("/") if p not in ("", "."))
    pol = "/".join(p for p in policies.replace("\\", "/").split("/") if p not in ("", "."))
    if not snap:
        return [pol] if pol else []
    if pol.startswith(snap + "/"):
        return [pol[len(snap) + 1 :]]
    return []


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


def resolve_inputs(
    *,
    head: str | Path | Snapshot | None,
    base: str | Path | Snapshot | None,
    policies: str | Path | Any,
    intent: str | Path | None,
    ignore_paths: Sequence[str],
    repo: str | Path | None,
    head_rev: str | None,
    base_rev: str | None,
    snapshot_path: str,
) -> Inputs:
    """Git mode when ``repo`` is given, folder mode otherwise: the one place the library's entry
    points (``check``, ``plan``) pick how to read their inputs."""
    if repo is not None:
        return resolve_git_inputs(
            repo=repo,
            base=base_rev,
            head=head_rev,
            snapshot_path=snapshot_path,
            policies=str(policies),
            intent=intent,
            ignore_paths=ignore_paths,
        )
    if head is None:
        raise InputError("no head snapshot given")
    return resolve_folder_inputs(head, base, policies, intent, ignore_paths)


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
    return snapshot if isinstance(snapshot, Snapshot) else _load_folder(snapshot, strict=False)


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
    pset = _load_policies_path(policies) if isinstance(policies, (str, Path)) else policies
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
