"""The plan registry: every token ``check --plan-out`` issues, recorded under ``refs/validator/plans/``.

Why record them: without ``VALIDATOR_PLAN_KEY`` a token's digest only detects accidental edits;
anyone can change ``"verdict": "block"`` to ``"pass"`` and recompute the sha256. A token is
therefore trusted only when the *registry* (the configuration repository the automations share)
holds exactly that token, written there by the gate itself, or when its HMAC verifies.

A record is a commit whose tree holds ``token.json`` and whose parents are the plan's head and
base commits. The commit keeps the snapshot objects of the change reachable (so a later in-flight
check can rebuild the change), and creating it in another repository with ``git push`` carries
those objects along. Creation is compare-and-swap (the ref must not exist yet), so a record is
never overwritten.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from validator.coord.common import PlanRefused, canonical_json, iso, utcnow
from validator.coord.token import TAMPER_REMEDY, body_of, check_integrity, key_from_env
from validator.errors import EngineError, InputError
from validator.snapshot import gitrefs

PLAN_PREFIX = "refs/validator/plans/"
REGISTRY_ENV = "VALIDATOR_REGISTRY"
_DIGEST = re.compile(r"^sha256:([0-9a-f]{64})$")


def registry_of(repo: str | os.PathLike[str], registry: str | os.PathLike[str] | None = None) -> str:
    """Where coordination state lives: ``registry``, else ``$VALIDATOR_REGISTRY``, else ``repo``.

    In the clone-and-push layout each pipeline has its own clone, so leases, plans and
    generations must live in the one repository they all share (the bare repository ``origin``
    points at); in the shared-clone layout that is the clone itself.
    """
    chosen = registry if registry is not None else (os.environ.get(REGISTRY_ENV) or None)
    if chosen is None:
        path = os.fspath(repo)
        gitrefs.repo_root(path)
        return path
    path = os.fspath(chosen)
    try:
        gitrefs.repo_root(path)
    except InputError:
        where = "--registry" if registry is not None else f"${REGISTRY_ENV}"
        raise InputError(f"{where} {path}: not a git repository (the registry every pipeline shares)") from None
    return path


def plan_ref(digest: str) -> str:
    m = _DIGEST.match(str(digest))
    if not m:
        raise InputError(f"not a plan digest: {str(digest)[:80]!r}")
    return PLAN_PREFIX + m.group(1)


def record_plan(repo: str, token: Mapping[str, Any], *, registry: str | None = None) -> str:
    """Record ``token`` in the registry (default: ``repo``); returns the record's commit id.

    The commit is made in ``repo`` (where the plan's commits are) and, when the registry is
    another repository, pushed there with its objects. Recording the same token twice is fine;
    a different token under the same digest cannot happen (the digest is its content hash).
    """
    ref = plan_ref(str(token["digest"]))
    data = json.dumps(dict(token), indent=2, sort_keys=True).encode() + b"\n"
    tree = gitrefs.write_file_tree(repo, {"token.json": data})
    parents = list(dict.fromkeys(str(token[side]["commit"]) for side in ("head", "base")))
    message = f"plan {token['digest']} {token.get('verdict')}\n\n{', '.join(token.get('devices', []))}\n"
    commit = gitrefs.commit_tree(repo, tree, parents, message, author="validator", date=iso(utcnow()))
    target = registry if registry is not None else repo
    if gitrefs.same_repository(repo, target):
        ok, why = gitrefs.transaction(repo, [gitrefs.RefUpdate(ref, commit, None)])
    else:
        ok, why = gitrefs.push_create(repo, target, commit, ref)
    if not ok and recorded_plan(target, str(token["digest"])) is None:
        raise EngineError(f"cannot record the plan under {ref} in {target}: {why}")
    return commit


def recorded_plan(registry: str, digest: str) -> dict[str, Any] | None:
    """The token recorded under ``digest``, or None when there is none (or it is unreadable)."""
    ref = plan_ref(digest)
    oid = gitrefs.read_ref(registry, ref)
    if oid is None or gitrefs.object_type(registry, oid) != "commit":
        return None
    raw = gitrefs.read_path(registry, oid, "token.json")
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def is_recorded(registry: str, token: Mapping[str, Any]) -> bool:
    """True when the registry holds exactly this token (same body and digest)."""
    digest = str(token.get("digest", ""))
    if not _DIGEST.match(digest):
        return False
    rec = recorded_plan(registry, digest)
    return (
        rec is not None
        and rec.get("digest") == digest
        and canonical_json(body_of(rec)) == canonical_json(body_of(token))
    )


def check_origin(token: Mapping[str, Any], registry: str, key: bytes | None = None) -> None:
    """Refuse (PlanRefused) a token the gate did not issue: edited after issue (digest), a
    signature problem (see ``check_integrity``), or neither recorded in the registry nor signed."""
    key = key if key is not None else key_from_env()
    check_integrity(token, key)
    if not token.get("signature") and not is_recorded(registry, token):
        raise PlanRefused(
            [
                f"token {str(token.get('digest'))[:19]} is neither recorded in the registry "
                f"({plan_ref(str(token.get('digest')))} is absent from {registry}) nor signed: it was not "
                "issued by 'validator check --plan-out' for this registry"
            ],
            remedy=TAMPER_REMEDY + f" (with {REGISTRY_ENV} pointing at the shared repository), or sign plans",
        )


def pass_reasons(token: Mapping[str, Any]) -> list[str]:
    """Why a (genuine) token still must not be acted on: not a pass, or no devices."""
    reasons: list[str] = []
    if token.get("verdict") != "pass":
        reasons.append(f"the gate's verdict was {token.get('verdict')!r}, not 'pass'")
    if not token.get("devices"):
        reasons.append(
            "the plan touches no devices: there is nothing to lease, verify or apply "
            "(a token without devices would skip the generation and lease checks)"
        )
    return reasons


def check_trusted(token: Mapping[str, Any], registry: str, key: bytes | None = None) -> None:
    """``check_origin`` and ``pass_reasons``: the gate's own word for a passing change, or refused."""
    check_origin(token, registry, key)
    reasons = pass_reasons(token)
    if reasons:
        raise PlanRefused(reasons, remedy="fix the change until the gate passes, then issue a new plan")


__all__ = [
    "PLAN_PREFIX",
    "REGISTRY_ENV",
    "check_origin",
    "check_trusted",
    "is_recorded",
    "pass_reasons",
    "plan_ref",
    "record_plan",
    "recorded_plan",
    "registry_of",
]
