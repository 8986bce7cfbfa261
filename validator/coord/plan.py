"""Plan tokens: a verdict bound to exactly what it validated, and the check run before pushing.

``validator check --plan-out`` issues a token naming the base and head commits, the git tree ids
of the snapshot folder at both (content hashes: equal ids, identical snapshots), the digest of the
policies and intent, the engine, the touched devices and their apply generations. A deployment
script calls :func:`verify_plan` right before it pushes: if anything the verdict depended on has
moved since, the plan is refused and the gate must run again on the new base, which is what a
merge queue does.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from validator.coord.common import (
    CLOCK_SKEW,
    PlanRefused,
    iso,
    parse_duration,
    parse_iso,
    utcnow,
    validate_device,
    validate_owner,
)
from validator.coord.generations import read_generations
from validator.coord.lease import list_leases
from validator.coord.plans import check_origin, pass_reasons, registry_of
from validator.coord.target import default_target, resolve_target, short, target_reasons
from validator.coord.token import TOKEN_SCHEMA, key_from_env, load_plan_token, seal
from validator.errors import InputError
from validator.snapshot import gitrefs

DEFAULT_MAX_AGE = timedelta(hours=1)
_VERDICTS = ("pass", "block", "error")


def _digest_entries(entries: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for rel, oid in sorted(entries):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0" + oid.encode() + b"\n")
    return "sha256:" + h.hexdigest()


def policies_digest_at(repo: str | os.PathLike[str], commit: str, policies_path: str) -> str:
    """sha256 over the sorted (path relative to ``policies_path``, git blob id) of the policy files.

    ``policies_path`` is a folder or a single file inside the repository, read at ``commit`` (any
    revision). A missing path digests as the empty set, so removing the policies is a change.
    Equal to :func:`policies_digest_dir` of the same files checked out.
    """
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    oid = gitrefs.resolve_commit(repo_s, commit)
    if oid is None:
        raise InputError(f"{commit!r} is not a commit of {repo_s}")
    return _digest_entries(gitrefs.list_blobs(repo_s, oid, policies_path))


def policies_digest_dir(path: str | os.PathLike[str]) -> str:
    """The same digest as :func:`policies_digest_at`, from files on disk (folder mode)."""
    root = Path(path)
    if root.is_file():
        return _digest_entries([(root.name, gitrefs.git_blob_id(root.read_bytes()))])
    if not root.is_dir():
        raise InputError(f"policies path {root} does not exist")
    entries = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".git" not in p.relative_to(root).parts:
            entries.append((p.relative_to(root).as_posix(), gitrefs.git_blob_id(p.read_bytes())))
    return _digest_entries(entries)


def _commit(repo: str, rev: str, what: str) -> str:
    oid = gitrefs.resolve_commit(repo, rev)
    if oid is None:
        raise InputError(f"{what} {rev!r} is not a commit of {repo}")
    return oid


def _snapshot_path(path: str) -> str:
    p = path.replace("\\", "/").strip()
    if p.startswith("/") or ".." in p.split("/"):
        raise InputError(f"snapshot path {path!r} must be a path inside the repository")
    return "/".join(x for x in p.split("/") if x not in ("", "."))


def make_plan_token(
    *,
    repo: str | os.PathLike[str],
    base_commit: str,
    head_commit: str,
    snapshot_path: str,
    policies_digest: str,
    intent_digest: str | None,
    engine: str,
    engine_version: str,
    devices: list[str],
    verdict: str,
    now: datetime | None = None,
    policies_path: str | None = None,
    target: str | None = None,
    key: bytes | None = None,
    waves: list[dict[str, Any]] | None = None,
    registry: str | os.PathLike[str] | None = None,
    units: list[str] | None = None,
) -> dict[str, Any]:
    """Issue a plan token for a verdict on ``base_commit``..``head_commit`` (revisions accepted).

    Reads the snapshot trees and the current apply generation of every device from ``repo``.
    ``policies_path`` (inside the repository) lets :func:`verify_plan` recompute the policies
    digest at the target; ``target`` is the branch the change goes to (verify's default target).
    Signed with ``key`` or ``VALIDATOR_PLAN_KEY`` when set. ``waves`` (ordered ``{"units": [...],
    "devices": [...]}``, from the blast radius's rollout search) let ``verify_plan(wave=N)`` refuse a
    wave applied out of order.
    """
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    if verdict not in _VERDICTS:
        raise InputError(f"verdict {verdict!r}: expected one of {', '.join(_VERDICTS)}")
    snap = _snapshot_path(snapshot_path)
    base = _commit(repo_s, base_commit, "base")
    head = _commit(repo_s, head_commit, "head")
    names = sorted({validate_device(d) for d in devices})
    if target is not None:
        gitrefs.check_rev(target)
    gens = read_generations(os.fspath(registry) if registry is not None else repo_s, names) if names else {}
    body: dict[str, Any] = {
        "schema": TOKEN_SCHEMA,
        "verdict": verdict,
        "base": {"commit": base, "tree": gitrefs.tree_at(repo_s, base, snap)},
        "head": {"commit": head, "tree": gitrefs.tree_at(repo_s, head, snap)},
        "snapshot_path": snap,
        "target": target,
        "policies": {"digest": policies_digest, "path": policies_path},
        "intent_digest": intent_digest,
        "engine": {"name": engine, "version": engine_version},
        "devices": names,
        "generations": {d: g.generation for d, g in gens.items()},
        "created_at": iso(utcnow(now)),
        "nonce": uuid.uuid4().hex,
    }
    if units is not None:
        body["units"] = sorted({str(u) for u in units})
    if waves is not None:
        body["waves"] = [
            {
                "units": [str(u) for u in w.get("units", ())],
                "devices": sorted({validate_device(d) for d in w["devices"]}),
            }
            for w in waves
        ]
    return seal(body, key if key is not None else key_from_env())


def write_plan_token(token: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the token atomically (a reader never sees half a token)."""
    target = Path(path)
    text = json.dumps(dict(token), indent=2, sort_keys=True) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".plan-", dir=target.parent if str(target.parent) else ".")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write plan token: {exc.strerror or exc}", file=str(target)) from None


def verify_plan(
    token: str | os.PathLike[str] | Mapping[str, Any],
    *,
    repo: str | os.PathLike[str] = ".",
    target: str | None = None,
    head: str | None = None,
    max_age: timedelta | str | None = DEFAULT_MAX_AGE,
    now: datetime | None = None,
    key: bytes | None = None,
    lease_owner: str | None = None,
    wave: int | None = None,
    wave_devices: list[str] | None = None,
    registry: str | os.PathLike[str] | None = None,
    fetch: bool = False,
) -> dict[str, Any]:
    """Refuse (PlanRefused, exit 1) a plan that no longer describes what would be pushed.

    Checked: integrity, and that the gate issued it (recorded in the registry or signed); the
    verdict was pass and it names devices; age within ``max_age``; the snapshot
    tree of ``target`` is still the token's base tree; the head (``head`` if given: the commit
    about to be pushed, e.g. after a rebase) has the validated head tree; the policies at the
    target digest as at check time; no touched device was applied past the generation the plan
    saw; with ``lease_owner``, every touched device is under a live lease of that owner. Every
    reason is reported, not just the first. The target is resolved by
    :func:`validator.coord.target.resolve_target` (upstreams, ``fetch``), and also checked in the
    registry (its branch, and the tree the last applied plan left). Returns the token on success.
    """
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    reg = registry_of(repo_s, registry)
    data = load_plan_token(token)
    check_origin(data, reg, key)
    at = utcnow(now)
    age_limit = parse_duration(max_age, what="max age") if max_age is not None else None

    reasons: list[str] = pass_reasons(data)
    remedies: list[str] = ["fix the change until the gate passes"] if reasons else []
    created = parse_iso(data["created_at"], what="plan token created_at")
    if created > at + CLOCK_SKEW:
        reasons.append(f"token was issued in the future ({iso(created)}, now {iso(at)})")
    elif age_limit is not None and at - created > age_limit:
        reasons.append(f"token is {_age(at - created)} old, older than the allowed {_age(age_limit)}")
        remedies.append("re-run the gate for a fresh plan")

    snap = _snapshot_path(data["snapshot_path"])
    tgt, behind = resolve_target(repo_s, target or default_target(repo_s, data), fetch=fetch)
    target_ref, target_commit = tgt.name, tgt.commit
    moved = target_reasons(repo_s, reg, data, snap, tgt, behind, head_ok=False)
    if moved:
        reasons.extend(moved)
        remedies.append(f"re-run the gate on the new base: validator check --base {tgt.short_ref} --head <your change>")

    head_tree = data["head"].get("tree")
    head_rev = head or str(data["head"]["commit"])
    head_commit = gitrefs.resolve_commit(repo_s, head_rev)
    if head_commit is None:
        reasons.append(f"head {head_rev!r} is not a commit of {repo_s} (fetch it, or wrong repository)")
    else:
        now_head_tree = gitrefs.tree_at(repo_s, head_commit, snap)
        if now_head_tree != head_tree:
            reasons.append(
                f"head changed: {short(head_commit)} has snapshot tree {short(now_head_tree)}, "
                f"the plan validated head tree {short(head_tree)}"
            )
            remedies.append("re-run the gate on the head you are pushing")

    pol = data["policies"]
    if isinstance(pol.get("path"), str):
        now_digest = policies_digest_at(repo_s, target_commit, pol["path"])
        if now_digest != pol.get("digest"):
            reasons.append(f"policies changed: {pol['path']!r} at {target_ref} differs from the policies validated")
            remedies.append("re-run the gate against the current policies")

    devices = [validate_device(d) for d in data["devices"]]
    current = read_generations(reg, devices)
    applied_before: set[str] = set()
    if wave is not None:
        applied_before = _check_wave(data, wave, wave_devices, current, reasons, remedies)
    for d in devices:
        if d in applied_before:
            continue  # an earlier wave: _check_wave required it to be applied already
        seen = data["generations"].get(d)
        if seen is None:
            reasons.append(f"token records no apply generation for device {d}")
        elif current[d].generation != seen:
            itself = " (by this very plan: it was applied already)" if current[d].plan_digest == data["digest"] else ""
            reasons.append(
                f"superseded: {d} is at apply generation {current[d].generation} "
                f"(plan {current[d].plan_digest or '?'}){itself}, this plan was validated at generation {seen}"
            )
            remedies.append("re-run the gate on the current base: a newer plan has been applied")

    if lease_owner is not None:
        validate_owner(lease_owner)
        leases = list_leases(reg)
        for d in devices:
            held = leases.get(d)
            if held is None or held.owner != lease_owner or held.expired(at):
                who = "nobody" if held is None else f"{held.owner}{' (expired)' if held.expired(at) else ''}"
                reasons.append(f"{d} is not leased by {lease_owner} (held by {who})")
                remedies.append(f"acquire the lease first: validator lease acquire --plan TOKEN --owner {lease_owner}")

    if reasons:
        unique = list(dict.fromkeys(remedies)) or ["re-run the gate (validator check --plan-out) on the new base"]
        raise PlanRefused(reasons, remedy="; ".join(unique))
    return data


def plan_waves_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The token's ordered waves; a token without waves is one wave of every touched device."""
    waves = data.get("waves")
    if isinstance(waves, list) and waves:
        return [dict(w) for w in waves]
    return [{"units": [], "devices": list(data["devices"])}]


def _check_wave(
    data: Mapping[str, Any],
    wave: int,
    wave_devices: list[str] | None,
    current: Mapping[str, Any],
    reasons: list[str],
    remedies: list[str],
) -> set[str]:
    """Refuse wave ``wave`` (1-based) applied out of order; returns the earlier waves' devices."""
    waves = plan_waves_of(data)
    if not 1 <= wave <= len(waves):
        reasons.append(f"the plan has {len(waves)} wave(s); there is no wave {wave}")
        return set()
    expected = sorted(waves[wave - 1]["devices"])
    if wave_devices is not None:
        given = sorted({validate_device(d) for d in wave_devices})
        if given != expected:
            owner = next((i for i, w in enumerate(waves, 1) if set(given) & set(w["devices"])), None)
            hint = f" (those belong to wave {owner})" if owner is not None and owner != wave else ""
            reasons.append(
                f"out of order: wave {wave} of the plan changes {', '.join(expected) or '(no device)'}, "
                f"not {', '.join(given) or '(no device)'}{hint}"
            )
            remedies.append("apply the plan's waves in order: validator verify-plan TOKEN --wave N --devices ...")
    earlier: set[str] = set()
    for i, w in enumerate(waves[: wave - 1], 1):
        pending = [d for d in w["devices"] if d not in current or current[d].generation == data["generations"].get(d)]
        if pending:
            reasons.append(
                f"out of order: wave {i} ({', '.join(pending)}) has not been applied yet; wave {wave} must wait"
            )
            remedies.append(f"apply and record wave {i} first")
        earlier.update(w["devices"])
    return earlier


def _age(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s % 86400 == 0 and s >= 86400:
        return f"{s // 86400}d"
    if s % 3600 == 0 and s >= 3600:
        return f"{s // 3600}h"
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


__all__ = [
    "DEFAULT_MAX_AGE",
    "load_plan_token",
    "make_plan_token",
    "policies_digest_at",
    "policies_digest_dir",
    "verify_plan",
    "write_plan_token",
]
