"""Where the truth is: the target a plan lands on, as ``verify-plan`` and ``record-apply`` see it.

In the clone-and-push layout a pipeline's local ``main`` never moves when another pipeline lands
its change on ``origin``: comparing against it says "nothing moved" when everything did. So:

- a remote-tracking target (``origin/main``) is accepted, and ``--fetch`` updates it first;
- a local branch with an upstream is compared against the *upstream*, and refused when the
  upstream has commits the local branch lacks (it is behind: something landed);
- when the registry is another repository (the shared bare repository ``origin`` points at), its
  own branch of the same name is checked too: that catches a landed change without any fetch;
- ``record-apply`` records the tree each applied plan leaves on its target
  (``refs/validator/targets/<branch>``), so a plan applied to the devices but never pushed to git
  still moves the base for every later plan.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from validator.coord.common import iso
from validator.errors import EngineError, InputError
from validator.snapshot import gitrefs

TARGET_PREFIX = "refs/validator/targets/"
_SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_TARGETS = ("refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master")


@dataclass(frozen=True)
class Target:
    """The target as resolved: ``name`` as given, ``ref``/``commit`` compared, ``branch`` its name."""

    name: str
    ref: str
    commit: str
    branch: str | None

    @property
    def short_ref(self) -> str:
        """``ref`` as a person types it (origin/main, main)."""
        return self.ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def short(oid: object) -> str:
    return str(oid)[:12] if oid else "(absent)"


def default_target(repo: str, token: Mapping[str, Any]) -> str:
    if isinstance(token.get("target"), str):
        return str(token["target"])
    for ref in DEFAULT_TARGETS:
        if gitrefs.resolve_commit(repo, ref) is not None:
            return ref
    raise InputError(
        "no target branch: the token names none and there is no origin/HEAD, main or master; pass --target"
    )


def resolve_target(repo: str, rev: str, *, fetch: bool = False) -> tuple[Target, list[str]]:
    """The commit ``rev`` should be compared at, and the reasons it is already known stale."""
    gitrefs.check_rev(rev)
    full = gitrefs.full_ref(repo, rev)
    if full == "refs/remotes/origin/HEAD" or (full or "").endswith("/HEAD"):
        full = gitrefs.full_ref(repo, f"{rev}^{{}}") or full
    reasons: list[str] = []
    branch: str | None = None
    compare = full or rev
    if full is not None and full.startswith("refs/remotes/"):
        rb = gitrefs.remote_branch(repo, full)
        if rb is not None:
            branch = rb[1]
            if fetch:
                gitrefs.fetch_branch(repo, *rb)
        elif fetch:
            raise InputError(f"--fetch: {rev} is not a branch of a configured remote")
    elif full is not None and full.startswith("refs/heads/"):
        branch = full.removeprefix("refs/heads/")
        upstream = gitrefs.upstream_of(repo, branch)
        if upstream is None:
            if fetch:
                raise InputError(f"--fetch: {rev} has no upstream to fetch; pass --target <remote>/{branch}")
        else:
            rb = gitrefs.remote_branch(repo, upstream)
            if fetch and rb is not None:
                gitrefs.fetch_branch(repo, *rb)
            local = _commit(repo, full, "target")
            up = gitrefs.resolve_commit(repo, upstream)
            if up is not None:
                compare = upstream
                behind = gitrefs.count_commits(repo, local, up)
                if behind:
                    up_name = upstream.removeprefix("refs/remotes/")
                    reasons.append(
                        f"target {rev} is behind its upstream {up_name} by {behind} commit(s): another change "
                        f"landed there; the truth is {up_name}"
                    )
    elif fetch:
        raise InputError(f"--fetch: {rev} is not a branch; pass --target <remote>/<branch>")
    return Target(rev, compare, _commit(repo, compare, "target"), branch), reasons


def _commit(repo: str, rev: str, what: str) -> str:
    oid = gitrefs.resolve_commit(repo, rev)
    if oid is None:
        raise InputError(f"{what} {rev!r} is not a commit of {repo}")
    return oid


def base_reason(repo: str, data: Mapping[str, Any], snap: str, where: str, commit: str, *, head_ok: bool) -> str | None:
    """``base moved: ...`` when the snapshot at ``commit`` is not the plan's base tree.

    ``head_ok``: the target may already be exactly the plan's head (record-apply after the merge).
    """
    tree = gitrefs.tree_at(repo, commit, snap)
    base_tree = data["base"].get("tree")
    head_tree = data["head"].get("tree")
    if tree == base_tree or (head_ok and head_tree is not None and tree == head_tree):
        return None
    already = (
        " (it already has the plan's head tree: was this plan applied already?)"
        if (tree == head_tree and head_tree is not None)
        else ""
    )
    return (
        f"base moved: {where} ({short(commit)}) has snapshot tree {short(tree)} at "
        f"{snap or '/'!r}, the plan was validated on base tree {short(base_tree)} "
        f"({short(data['base']['commit'])}){already}"
    )


def registry_reason(
    registry: str, repo: str, data: Mapping[str, Any], snap: str, target: Target, *, head_ok: bool
) -> str | None:
    """The same check on the registry's own branch, when the registry is another repository."""
    if target.branch is None or gitrefs.same_repository(repo, registry):
        return None
    commit = gitrefs.resolve_commit(registry, f"refs/heads/{target.branch}")
    if commit is None:
        return None
    return base_reason(registry, data, snap, f"{target.branch} in the registry {registry}", commit, head_ok=head_ok)


def target_reasons(
    repo: str,
    registry: str,
    data: Mapping[str, Any],
    snap: str,
    tgt: Target,
    behind: list[str],
    *,
    head_ok: bool,
) -> list[str]:
    """Every way the target says the plan's base is gone (the same texts for verify and apply).

    A local branch behind its upstream is reported only with the base check on the upstream that
    it explains: commits that do not touch the snapshot do not move the base.
    """
    where = (
        tgt.name
        if tgt.ref in (tgt.name, f"refs/heads/{tgt.name}", f"refs/remotes/{tgt.name}")
        else (f"{tgt.name} (compared at {tgt.ref.removeprefix('refs/remotes/')})")
    )
    moved = base_reason(repo, data, snap, where, tgt.commit, head_ok=head_ok)
    out: list[str | None] = [*behind, moved] if moved else []
    out.append(registry_reason(registry, repo, data, snap, tgt, head_ok=head_ok))
    out.append(applied_reason(registry, data, tgt.branch))
    return [r for r in out if r]


def target_ref(branch: str) -> str:
    """``refs/validator/targets/<branch>``; a branch name that is not a safe ref component is hashed."""
    key = branch if _SAFE.match(branch) else "h-" + hashlib.sha256(branch.encode()).hexdigest()[:32]
    return TARGET_PREFIX + key


def applied_record(registry: str, branch: str) -> tuple[str | None, dict[str, Any] | None]:
    """(blob id, record) of the last plan applied to ``branch``, (None, None) when none."""
    oid = gitrefs.read_ref(registry, target_ref(branch))
    if oid is None:
        return None, None
    try:
        rec = json.loads(gitrefs.read_blob(registry, oid))
        if not isinstance(rec, dict):
            raise ValueError
    except ValueError:
        raise EngineError(f"{target_ref(branch)} holds an unreadable apply record ({oid[:12]})") from None
    return oid, rec


def applied_reason(registry: str, data: Mapping[str, Any], branch: str | None) -> str | None:
    """``base moved: plan X was applied to main ...`` when another applied plan left a different tree."""
    if branch is None:
        return None
    _oid, rec = applied_record(registry, branch)
    if rec is None or rec.get("plan_digest") == data["digest"] or rec.get("tree") == data["base"].get("tree"):
        return None
    return (
        f"base moved: plan {str(rec.get('plan_digest'))[:19]} was applied to {branch} by {rec.get('owner')} at "
        f"{rec.get('applied_at')} (snapshot tree {short(rec.get('tree'))}), the plan was validated on base tree "
        f"{short(data['base'].get('tree'))} ({short(data['base']['commit'])})"
    )


def applied_update(registry: str, data: Mapping[str, Any], branch: str, owner: str, at: datetime) -> gitrefs.RefUpdate:
    """The CAS update recording that ``data`` was applied to ``branch``."""
    oid, _rec = applied_record(registry, branch)
    record = {
        "target": branch,
        "tree": data["head"].get("tree"),
        "base_tree": data["base"].get("tree"),
        "plan_digest": data["digest"],
        "head_commit": data["head"]["commit"],
        "owner": owner,
        "applied_at": iso(at),
    }
    new = gitrefs.write_blob(registry, json.dumps(record, sort_keys=True, indent=1).encode() + b"\n")
    return gitrefs.RefUpdate(target_ref(branch), new, oid)


__all__ = [
    "TARGET_PREFIX",
    "Target",
    "applied_reason",
    "applied_record",
    "applied_update",
    "base_reason",
    "default_target",
    "registry_reason",
    "resolve_target",
    "short",
    "target_reasons",
    "target_ref",
]
