"""Leases on devices: at most one holder per device, ever, with expiry instead of deadlock.

A lease is a JSON blob; ``refs/validator/leases/<device>`` points at it for each device held.
Acquisition is one ``git update-ref --stdin`` transaction over every device (plus the event-log
tip), each ref moved by compare-and-swap from the value we read: absent, or an *expired* lease we
take over. Git locks every ref of the transaction and checks every old value before committing
any, so two racers for overlapping devices cannot both win, and a racer gets all its devices or
none. A holder that crashes leaves a lease that simply expires.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from validator.coord.common import (
    CLOCK_SKEW,
    LeaseConflict,
    iso,
    parse_devices,
    parse_duration,
    parse_iso,
    utcnow,
    validate_device,
    validate_owner,
)
from validator.coord.eventlog import LOG_REF, log_update, retry_cas
from validator.coord.inflight import Checker, Other
from validator.coord.inflight import conflicts as inflight_conflicts
from validator.coord.plans import check_trusted, recorded_plan, registry_of
from validator.coord.token import load_plan_token
from validator.errors import InputError, ValidatorError
from validator.snapshot import gitrefs

LEASE_PREFIX = "refs/validator/leases/"
LEASE_SCHEMA = "validator.lease/1"


@dataclass(frozen=True)
class Lease:
    """One acquisition: who holds which devices until when, for which plan."""

    owner: str
    devices: tuple[str, ...]
    acquired_at: datetime
    expires_at: datetime
    lease_id: str
    plan_digest: str | None = None
    host: str | None = None
    pid: int | None = None
    oid: str | None = None  # the blob the device refs point at (the CAS value for release)
    units: tuple[str, ...] = ()  # the plan's change units (its devices when the token has none)

    def expired(self, now: datetime | None = None) -> bool:
        """Past its expiry on *this* clock: no longer counts as held by its owner."""
        return utcnow(now) >= self.expires_at

    def takeover_allowed(self, now: datetime | None = None) -> bool:
        """Expired by more than the clock-skew margin: only then may another holder take it over.

        The expiry was computed on the holder's clock; a taker whose clock runs up to
        ``CLOCK_SKEW`` ahead must not end a lease that is still live for its holder.
        """
        return utcnow(now) >= self.expires_at + CLOCK_SKEW

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": LEASE_SCHEMA,
            "owner": self.owner,
            "devices": list(self.devices),
            "acquired_at": iso(self.acquired_at),
            "expires_at": iso(self.expires_at),
            "lease_id": self.lease_id,
            "plan_digest": self.plan_digest,
            "host": self.host,
            "pid": self.pid,
            "clock": iso(self.acquired_at),
            "units": list(self.units),
        }


def lease_ref(device: str) -> str:
    return LEASE_PREFIX + validate_device(device)


def _load(repo: str, device: str, oid: str) -> Lease:
    """The lease a ref points at; an unreadable one is reported, never silently ignored."""
    try:
        data = json.loads(gitrefs.read_blob(repo, oid))
        return Lease(
            owner=str(data["owner"]),
            devices=tuple(str(d) for d in data["devices"]),
            acquired_at=parse_iso(data["acquired_at"], what="acquired_at"),
            expires_at=parse_iso(data["expires_at"], what="expires_at"),
            lease_id=str(data["lease_id"]),
            plan_digest=data.get("plan_digest"),
            host=data.get("host"),
            pid=data.get("pid"),
            oid=oid,
            units=tuple(str(u) for u in data.get("units") or ()),
        )
    except (ValueError, KeyError, TypeError, InputError):
        raise LeaseConflict(
            f"{lease_ref(device)} holds an unreadable lease ({oid[:12]}); inspect it with "
            f"'git cat-file -p {lease_ref(device)}' and delete it with 'git update-ref -d {lease_ref(device)}'"
        ) from None


def _held(repo: str) -> dict[str, str]:
    """{device: lease blob id} of every lease ref."""
    return {ref[len(LEASE_PREFIX) :]: oid for ref, oid in gitrefs.list_refs(repo, LEASE_PREFIX).items()}


def _plan(
    plan: str | os.PathLike[str] | Mapping[str, Any] | None, devices: list[str], registry: str
) -> dict[str, Any] | None:
    if plan is None:
        return None
    data = load_plan_token(plan)
    check_trusted(data, registry)
    uncovered = sorted(set(data["devices"]) - set(devices))
    if uncovered:
        raise InputError(f"the plan touches {', '.join(uncovered)}, which the lease does not cover")
    return data


def _others(repo: str, held: Mapping[str, str], names: list[str], at: datetime) -> list[Other]:
    """Live leases on devices other than ``names``, one entry per lease, with their recorded plans."""
    seen: dict[str, Other] = {}
    for d, oid in sorted(held.items()):
        if d in names:
            continue
        cur = _load(repo, d, oid)
        if cur.takeover_allowed(at) or cur.lease_id in seen:
            continue
        token = recorded_plan(repo, cur.plan_digest) if cur.plan_digest else None
        seen[cur.lease_id] = Other(cur.owner, cur.lease_id, cur.devices, cur.plan_digest, token)
    return list(seen.values())


def acquire_lease(
    repo: str | os.PathLike[str],
    devices: str | Iterable[str],
    owner: str,
    ttl: str | timedelta,
    *,
    plan: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    now: datetime | None = None,
    registry: str | os.PathLike[str] | None = None,
    checker: Checker | None = None,
) -> Lease:
    """Take every device or none; LeaseConflict (exit 1) when a live lease holds any of them, or
    when the plan's change, combined with every other live lease's change, breaks a policy.

    Expired leases are taken over (CAS from the expired value, only ``CLOCK_SKEW`` after their
    expiry) and the takeover is logged. A live lease is a conflict whoever holds it, the same
    owner included: owner names are labels, not identities, and two runs of one automation must
    not overlap either. With ``plan`` (a token the gate issued: recorded in the registry or
    signed), the in-flight check (``validator.coord.inflight``) runs on the union of this change
    and the other live leases' changes. The log tip read *before* the leases is the CAS value of
    the log update, so the registry state the check saw is part of the transaction: if anything
    was acquired, released or applied meanwhile, the transaction fails and the check is redone.
    """
    reg = registry_of(repo, registry)
    names = parse_devices(devices)
    validate_owner(owner)
    duration = parse_duration(ttl)
    data = _plan(plan, names, reg)
    digest = str(data["digest"]) if data is not None else None
    units = tuple(str(u) for u in (data or {}).get("units") or (data or {}).get("devices") or ())
    lease_id = uuid.uuid4().hex
    checked: dict[frozenset[str], list[str]] = {}  # memo across CAS retries: lease ids -> reasons

    def attempt() -> tuple[bool, Lease | None, str]:
        at = utcnow(now)
        tip = gitrefs.read_ref(reg, LOG_REF)
        held = _held(reg)
        if gitrefs.read_ref(reg, LOG_REF) != tip:
            return False, None, "the registry moved while it was read"
        conflicts: list[str] = []
        taken_over: list[dict[str, Any]] = []
        for d in names:
            oid = held.get(d)
            if oid is None:
                continue
            old = _load(reg, d, oid)
            if old.takeover_allowed(at):
                taken_over.append(
                    {"device": d, "owner": old.owner, "lease_id": old.lease_id, "expired_at": iso(old.expires_at)}
                )
            else:
                conflicts.append(f"{d} is held by {old.owner} until {iso(old.expires_at)} (lease {old.lease_id[:8]})")
        if conflicts:
            raise LeaseConflict("lease refused: " + "; ".join(conflicts))
        others: list[Other] = []
        if data is not None:
            others = _others(reg, held, names, at)
            key = frozenset(o.lease_id for o in others)
            if key not in checked:
                checked[key] = inflight_conflicts(reg, data, others, checker)
            if checked[key]:
                raise LeaseConflict("lease refused: " + "; ".join(checked[key]))
        lease = Lease(
            owner=owner,
            devices=tuple(names),
            acquired_at=at,
            expires_at=at + duration,
            lease_id=lease_id,
            plan_digest=digest,
            host=socket.gethostname(),
            pid=os.getpid(),
            units=units,
        )
        oid = gitrefs.write_blob(reg, json.dumps(lease.to_json(), sort_keys=True, indent=1).encode() + b"\n")
        updates = [gitrefs.RefUpdate(lease_ref(d), oid, held.get(d)) for d in names]
        # the leases the in-flight check combined with must still be exactly those
        updates += [
            gitrefs.RefUpdate(lease_ref(d), None, held[d], verify_only=True)
            for o in others
            for d in o.devices
            if d in held and d not in names
        ]
        event: dict[str, Any] = {
            "event": "acquire",
            "owner": owner,
            "devices": names,
            "lease_id": lease_id,
            "plan_digest": digest,
            "at": iso(at),
            "expires_at": iso(lease.expires_at),
            "host": lease.host,
        }
        if others:
            event["checked_with"] = sorted(o.lease_id for o in others)
        if taken_over:
            event["took_over"] = taken_over
        updates.append(log_update(reg, event, who=owner, at=at, tip=tip))
        ok, why = gitrefs.transaction(reg, updates)
        if not ok:
            return False, None, why
        return True, replace(lease, oid=oid), ""

    return retry_cas(attempt, what="lease acquire")


def release_lease(
    repo: str | os.PathLike[str],
    devices: str | Iterable[str],
    owner: str,
    *,
    lease_id: str | None = None,
    now: datetime | None = None,
    force: bool = False,
    registry: str | os.PathLike[str] | None = None,
) -> list[str]:
    """Release the named devices held by ``owner`` (and ``lease_id``, when given); all or none.

    Devices nobody holds are skipped (release is idempotent). A device held by someone else,
    e.g. because our lease expired and was taken over, is a LeaseConflict and nothing is
    released, unless ``force``: then the other holders' leases are released too, and the log
    event (``force-release``) names every lease removed and its owner. Returns the devices released.
    """
    reg = registry_of(repo, registry)
    names = parse_devices(devices)
    validate_owner(owner)

    def attempt() -> tuple[bool, list[str] | None, str]:
        at = utcnow(now)
        held = _held(reg)
        conflicts: list[str] = []
        updates: list[gitrefs.RefUpdate] = []
        released: list[str] = []
        ids: set[str] = set()
        forced: list[dict[str, Any]] = []
        for d in names:
            oid = held.get(d)
            if oid is None:
                continue
            cur = _load(reg, d, oid)
            if cur.owner != owner or (lease_id is not None and cur.lease_id != lease_id):
                if not force:
                    conflicts.append(
                        f"{d} is held by {cur.owner} (lease {cur.lease_id[:8]}, until {iso(cur.expires_at)}), "
                        "not by this lease; only its owner may release it (--force overrides, and is logged)"
                    )
                    continue
                forced.append({"device": d, "owner": cur.owner, "lease_id": cur.lease_id})
            updates.append(gitrefs.RefUpdate(lease_ref(d), None, oid))
            released.append(d)
            ids.add(cur.lease_id)
        if conflicts:
            raise LeaseConflict("release refused: " + "; ".join(conflicts))
        if not updates:
            return True, [], ""
        event: dict[str, Any] = {
            "event": "force-release" if forced else "release",
            "owner": owner,
            "devices": released,
            "lease_ids": sorted(ids),
            "at": iso(at),
        }
        if forced:
            event["forced"] = forced
        updates.append(log_update(reg, event, who=owner, at=at))
        ok, why = gitrefs.transaction(reg, updates)
        return ok, (released if ok else None), why

    return retry_cas(attempt, what="lease release")


def list_leases(repo: str | os.PathLike[str], *, now: datetime | None = None) -> dict[str, Lease]:
    """{device: lease} of every lease ref, expired ones included (check ``lease.expired()``)."""
    del now  # leases carry their expiry; kept for a uniform signature
    repo_s = os.fspath(repo)
    gitrefs.repo_root(repo_s)
    return {d: _load(repo_s, d, oid) for d, oid in sorted(_held(repo_s).items())}


def read_leases(repo: str | os.PathLike[str], devices: Iterable[str]) -> dict[str, Lease]:
    """{device: lease} for those of ``devices`` that have a lease ref (live or expired)."""
    repo_s = os.fspath(repo)
    held = _held(repo_s)
    return {d: _load(repo_s, d, held[d]) for d in sorted({validate_device(x) for x in devices}) if d in held}


@contextmanager
def lease(
    repo: str | os.PathLike[str],
    devices: str | Iterable[str],
    owner: str,
    ttl: str | timedelta,
    *,
    plan: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    registry: str | os.PathLike[str] | None = None,
) -> Iterator[Lease]:
    """``with lease(repo, ["core1"], "deploy-42", "30m") as held:`` ... released on exit.

    If the body succeeded but the lease was lost meanwhile (it expired and was taken over), the
    exit raises LeaseConflict: the work may have overlapped another holder's and must be checked.
    If the body raised, release is attempted and the body's exception propagates.
    """
    held = acquire_lease(repo, devices, owner, ttl, plan=plan, registry=registry)
    try:
        yield held
    except BaseException:
        with suppress(ValidatorError):  # the body's exception is the news; the lease will expire
            release_lease(repo, held.devices, owner, lease_id=held.lease_id, registry=registry)
        raise
    released = release_lease(repo, held.devices, owner, lease_id=held.lease_id, registry=registry)
    lost = sorted(set(held.devices) - set(released))
    if lost:
        raise LeaseConflict(
            f"lease {held.lease_id[:8]} on {', '.join(lost)} was gone before release (removed by hand?)"
        )


__all__ = [
    "LEASE_PREFIX",
    "Lease",
    "acquire_lease",
    "lease",
    "lease_ref",
    "list_leases",
    "read_leases",
    "release_lease",
]
