"""Resolving what a run reads: a head and base snapshot, the policies and the intent, from folders
or from git objects (git mode reads the base revision's policies and waivers, so a change cannot
weaken its own guard). Split from ``api`` so the orchestration there stays readable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import InputError, PolicyError
from validator.model.snapshot import Snapshot
from validator.model.verdict import Side
from validator.phases import phase

INTENT_PATH = ".validator/intent.yaml"
WAIVERS_PATH = ".validator/waivers.yaml"  # = validator.policy.waivers.WAIVERS_PATH


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


def load_folder(path: str | Path, *, strict: bool) -> Snapshot:
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(path, strict=strict)


def load_policies_path(path: str | Path) -> Any:
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
        head_snap = head if isinstance(head, Snapshot) else load_folder(head, strict=False)
    base_snap = None
    if base is not None:
        with phase("parse base snapshot"):
            base_snap = base if isinstance(base, Snapshot) else load_folder(base, strict=False)
    with phase("load policies"):
        pset = load_policies_path(policies) if isinstance(policies, (str, Path)) else policies
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
    pset = load_policies_from_bytes({f"{policies}/{k}" if k else policies: v for k, v in base_policy_files.items()})
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
