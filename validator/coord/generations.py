"""Monotonic apply: every applied plan bumps a generation per device it touched.

``refs/validator/generations/<device>`` points at a blob ``{generation, plan_digest, head_commit,
base_commit, applied_at}``. A plan token records, when it is issued, the generation of every device
it touches; applying it moves each of them from exactly that generation to the next by
compare-and-swap. So an old plan can never be applied over a newer one, whatever the timing: the
CAS fails, whoever was first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from validator.coord.common import PlanRefused, iso, parse_iso, utcnow, validate_device, validate_owner
from validator.coord.eventlog import log_update, retry_cas
from validator.coord.lease import lease_ref, read_leases
from validator.coord.plans import check_trusted, registry_of
from validator.coord.target import applied_update, default_target, resolve_target, target_reasons
from validator.coord.token import load_plan_token
from validator.errors import EngineError
from validator.snapshot import gitrefs

GEN_PREFIX = "refs/validator/generations/"
STALE_REMEDY = "re-run the gate on the current base; a newer plan has been applied to these devices"


@dataclass(frozen=True)
class Generation:
    """The last applied plan of one device (generation 0: nothing applied through the gate yet)."""

    device: str
    generation: int = 0
    plan_digest: str | None = None
    head_commit: str | None = None
    base_commit: str | None = None
    applied_at: datetime | None = None
    oid: str | None = None  # the blob the ref points at; the CAS expected value

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "generation": self.generation,
            "plan_digest": self.plan_digest,
            "head_commit": self.head_commit,
            "base_commit": self.base_commit,
            "applied_at": iso(self.applied_at) if self.applied_at else None,
        }


def generation_ref(device: str) -> str:
    return GEN_PREFIX + validate_device(device)


def _load(repo: str, device: str, oid: str) -> Generation:
    raw = gitrefs.read_blob(repo, oid)
    try:
        data = json.loads(raw)
        gen = data["generation"]
        if not isinstance(gen, int) or isinstance(gen, bool) or gen < 1:
            raise ValueError
        applied = parse_iso(data["applied_at"], what="applied_at") if data.get("applied_at") else None
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineError(f"{generation_ref(device)} holds an unreadable generation record ({exc})") from None
    return Generation(
        device=device,
        generation=gen,
        plan_digest=data.get("plan_digest"),
        head_commit=data.get("head_commit"),
        base_commit=data.get("base_commit"),
        applied_at=applied,
        oid=oid,
    )


def read_generations(repo: str | os.PathLike[str], devices: Iterable[str]) -> dict[str, Generation]:
    """Current generation of each device (0 when nothing was applied yet)."""
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    names = sorted({validate_device(d) for d in devices})
    refs = gitrefs.list_refs(repo_s, GEN_PREFIX)
    out: dict[str, Generation] = {}
    for d in names:
        oid = refs.get(generation_ref(d))
        out[d] = _load(repo_s, d, oid) if oid else Generation(device=d)
    return out


def record_apply(
    token: str | os.PathLike[str] | Mapping[str, Any],
    *,
    repo: str | os.PathLike[str] = ".",
    owner: str = "validator",
    now: datetime | None = None,
    key: bytes | None = None,
    registry: str | os.PathLike[str] | None = None,
    target: str | None = None,
    fetch: bool = False,
) -> dict[str, Generation]:
    """Record that the plan was applied: each touched device moves to the next generation.

    Refuses (PlanRefused, exit 1) a token the gate did not issue (not recorded in the registry
    and not signed), a tampered, non-pass or device-less one; one whose base is gone: the
    target's snapshot is neither the plan's base tree nor (after the merge) its head tree, with
    the same texts as ``verify-plan``; a stale one: a device whose generation is no longer the one
    the plan was validated at (a newer plan, or this very plan, was applied since); and one whose
    devices are under another ``owner``'s live lease. All devices, and the target's apply record
    (``refs/validator/targets/<branch>``), move in one transaction, logged in the same transaction.
    """
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    reg = registry_of(repo_s, registry)
    validate_owner(owner)
    data = load_plan_token(token)
    check_trusted(data, reg, key)
    devices = sorted({validate_device(d) for d in data["devices"]})
    expected: dict[str, int] = {}
    for d in devices:
        if d not in data["generations"]:
            raise PlanRefused([f"token records no generation for device {d}"], remedy=STALE_REMEDY)
        expected[d] = int(data["generations"][d])
    snap = str(data["snapshot_path"])
    tgt, behind = resolve_target(repo_s, target or default_target(repo_s, data), fetch=fetch)

    def attempt() -> tuple[bool, dict[str, Generation] | None, str]:
        at = utcnow(now)
        moved = target_reasons(repo_s, reg, data, snap, tgt, behind, head_ok=True)
        current = read_generations(reg, devices)
        stale = [
            f"{d} is at generation {current[d].generation} (plan {current[d].plan_digest or '?'}"
            f"{', this very plan: already recorded' if current[d].plan_digest == data['digest'] else ''}), "
            f"this plan was validated at generation {expected[d]}"
            for d in devices
            if current[d].generation != expected[d]
        ]
        if moved or stale:
            remedy = f"re-run the gate on the new base: validator check --base {tgt.short_ref} --head <your change>"
            raise PlanRefused([*moved, *stale], remedy=STALE_REMEDY if stale and not moved else remedy)
        leases = read_leases(reg, devices)
        foreign = [
            f"{d} is leased by {lz.owner} until {iso(lz.expires_at)}, not by {owner}"
            for d, lz in leases.items()
            if lz.owner != owner and not lz.takeover_allowed(at)
        ]
        if foreign:
            raise PlanRefused(foreign, remedy=f"apply under your own lease and pass its owner (--owner); not {owner!r}")
        # the lease refs are part of the transaction: a lease taken meanwhile makes it retry
        updates: list[gitrefs.RefUpdate] = [
            gitrefs.RefUpdate(lease_ref(d), None, leases[d].oid if d in leases else None, verify_only=True)
            for d in devices
        ]
        result: dict[str, Generation] = {}
        for d in devices:
            record = {
                "device": d,
                "generation": expected[d] + 1,
                "plan_digest": data["digest"],
                "head_commit": data["head"]["commit"],
                "base_commit": data["base"]["commit"],
                "applied_at": iso(at),
            }
            oid = gitrefs.write_blob(reg, json.dumps(record, sort_keys=True, indent=1).encode() + b"\n")
            updates.append(gitrefs.RefUpdate(generation_ref(d), oid, current[d].oid))
            result[d] = Generation(
                device=d,
                generation=expected[d] + 1,
                plan_digest=data["digest"],
                head_commit=data["head"]["commit"],
                base_commit=data["base"]["commit"],
                applied_at=at,
                oid=oid,
            )
        event: dict[str, Any] = {
            "event": "apply",
            "owner": owner,
            "devices": devices,
            "plan_digest": data["digest"],
            "generations": {d: expected[d] + 1 for d in devices},
            "head_commit": data["head"]["commit"],
            "base_commit": data["base"]["commit"],
            "at": iso(at),
        }
        if tgt.branch is not None:
            updates.append(applied_update(reg, data, tgt.branch, owner, at))
            event["target"] = tgt.branch
        updates.append(log_update(reg, event, who=owner, at=at))
        ok, why = gitrefs.transaction(reg, updates)
        return ok, (result if ok else None), why

    return retry_cas(attempt, what="record-apply")


__all__ = ["GEN_PREFIX", "Generation", "generation_ref", "read_generations", "record_apply"]
