"""``verify-plan``, ``lease acquire|release|list``, ``record-apply``; and ``check --plan-out``.

Refusals (a stale plan, a held device) exit 1 with what moved and what to do; bad input exits 2
with one line (raised as InputError and printed by ``validator.cli.main``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from validator.coord import (
    DEFAULT_MAX_AGE,
    LeaseConflict,
    PlanRefused,
    acquire_lease,
    list_leases,
    load_plan_token,
    make_plan_token,
    parse_duration,
    policies_digest_at,
    policies_digest_dir,
    record_apply,
    release_lease,
    verify_plan,
    write_plan_token,
)
from validator.coord.common import iso, utcnow
from validator.coord.plans import REGISTRY_ENV, record_plan, registry_of
from validator.errors import InputError
from validator.model.verdict import Verdict


def register(sub: Any) -> None:
    v = sub.add_parser("verify-plan", help="refuse a stale, superseded or tampered plan token before pushing")
    v.add_argument("token", metavar="TOKEN", help="plan token written by check --plan-out")
    v.add_argument("--repo", default=".", metavar="DIR", help="the configuration repository (default: .)")
    v.add_argument(
        "--target",
        metavar="REF",
        help="the branch the change goes to: a local branch (compared with its upstream when it has one) or a "
        "remote-tracking ref such as origin/main (default: the token's target)",
    )
    v.add_argument("--fetch", action="store_true", help="fetch the target (or its upstream) from its remote first")
    v.add_argument("--head", metavar="REV", help="the commit about to be pushed (default: the validated head)")
    v.add_argument(
        "--max-age", default=None, metavar="AGE", help="oldest acceptable token, e.g. 30m, 2h, or 'none' (default 1h)"
    )
    v.add_argument("--owner", metavar="NAME", help="also require a live lease of NAME on every touched device")
    v.add_argument("--wave", type=int, metavar="N", help="verify wave N of the plan's ordered waves (1-based)")
    v.add_argument("--devices", metavar="A,B", help="with --wave: the devices about to be changed in that wave")
    v.add_argument("--format", choices=["text", "json"], default="text")
    _registry_arg(v)
    v.set_defaults(handler=_verify_plan)

    le = sub.add_parser("lease", help="hold devices exclusively while a change is applied")
    lsub = le.add_subparsers(dest="lease_command", metavar="ACTION")
    lsub.required = True
    a = lsub.add_parser("acquire", help="take every device or none")
    a.add_argument("--devices", metavar="A,B", help="devices to hold (default: the plan's devices)")
    a.add_argument("--owner", required=True, metavar="NAME")
    a.add_argument("--ttl", default="30m", metavar="TTL", help="lease duration: 30s, 30m, 2h, 1d (default 30m)")
    a.add_argument("--plan", metavar="TOKEN", help="record this plan in the lease (its devices must be covered)")
    a.add_argument("--repo", default=".", metavar="DIR")
    a.add_argument("--format", choices=["text", "json"], default="text")
    _registry_arg(a)
    a.set_defaults(handler=_lease_acquire)
    r = lsub.add_parser("release", help="release devices held by OWNER")
    r.add_argument("--devices", metavar="A,B", help="devices to release (default: the plan's devices)")
    r.add_argument("--plan", metavar="TOKEN", help="release the devices this plan touches")
    r.add_argument("--owner", required=True, metavar="NAME")
    r.add_argument("--lease-id", metavar="ID", help="release only this lease")
    r.add_argument("--repo", default=".", metavar="DIR")
    r.add_argument("--force", action="store_true", help="also release leases held by others (logged)")
    _registry_arg(r)
    r.set_defaults(handler=_lease_release)
    li = lsub.add_parser("list", help="current leases (expired ones marked)")
    li.add_argument("--repo", default=".", metavar="DIR")
    li.add_argument("--format", choices=["text", "json"], default="text")
    _registry_arg(li)
    li.set_defaults(handler=_lease_list)

    ra = sub.add_parser("record-apply", help="record that a plan was applied (monotonic generations)")
    ra.add_argument("token", metavar="TOKEN")
    ra.add_argument("--repo", default=".", metavar="DIR")
    ra.add_argument("--owner", default="validator", metavar="NAME", help="who applied it (for the log)")
    ra.add_argument("--target", metavar="REF", help="the branch the plan landed on (as for verify-plan)")
    ra.add_argument("--fetch", action="store_true", help="fetch the target (or its upstream) from its remote first")
    ra.add_argument("--format", choices=["text", "json"], default="text")
    _registry_arg(ra)
    ra.set_defaults(handler=_record_apply)


def _registry_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--registry",
        metavar="DIR",
        help=f"the repository holding leases, plans and generations, shared by every pipeline "
        f"(default: ${REGISTRY_ENV}, else --repo)",
    )


def add_plan_out_option(parser: argparse.ArgumentParser) -> None:
    """For the lead's ``check`` parser: ``--plan-out FILE``."""
    parser.add_argument(
        "--plan-out", metavar="FILE", help="write a plan token bound to what was validated (see verify-plan)"
    )


def write_check_plan(
    path: str | os.PathLike[str],
    *,
    repo: str | os.PathLike[str],
    base_commit: str,
    head_commit: str,
    snapshot_path: str,
    verdict: Verdict | str,
    engine: str,
    engine_version: str,
    devices: Iterable[str] | None = None,
    policies_path: str | None = None,
    policies_digest: str | None = None,
    intent_file: str | os.PathLike[str] | None = None,
    intent_digest: str | None = None,
    target: str | None = None,
    waves: list[dict[str, Any]] | None = None,
    inputs: Any = None,
    registry: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """``check --plan-out``: issue, record and write the token for a git-mode check; returns it.

    The token is recorded under ``refs/validator/plans/<digest>`` in the registry (``registry``,
    ``$VALIDATOR_REGISTRY`` or ``repo``): only recorded (or signed) tokens are accepted later.
    ``inputs`` (the run's resolved inputs) gives the change units the lease will record.

    ``policies_path`` is the policies folder or file *inside the repository* (read at the base,
    as check does); its digest is computed here unless ``policies_digest`` is given. Policies
    outside the repository: pass ``policies_digest`` (e.g. :func:`policies_digest_dir`) and no
    path, and verify-plan cannot detect policy drift. ``devices`` defaults to the verdict's.
    """
    repo_s = os.fspath(repo)
    if policies_digest is None:
        if policies_path is None:
            raise InputError("--plan-out needs the policies path or digest")
        policies_digest = policies_digest_at(repo_s, base_commit, policies_path)
    if intent_digest is None and intent_file is not None:
        try:
            with open(intent_file, "rb") as fh:
                intent_digest = "sha256:" + hashlib.sha256(fh.read()).hexdigest()
        except OSError as exc:
            raise InputError(f"cannot read intent: {exc.strerror}", file=os.fspath(intent_file)) from None
    if isinstance(verdict, Verdict):
        if devices is None and verdict.change is not None:
            devices = verdict.change.devices
        verdict_s: str = verdict.verdict
        if waves is None:
            waves = rollout_waves(verdict)
    else:
        verdict_s = verdict
    reg = registry_of(repo_s, registry)
    token = make_plan_token(
        registry=reg,
        units=_units(verdict, inputs),
        repo=repo_s,
        base_commit=base_commit,
        head_commit=head_commit,
        snapshot_path=snapshot_path,
        policies_digest=policies_digest,
        intent_digest=intent_digest,
        engine=engine,
        engine_version=engine_version,
        devices=list(devices or ()),
        verdict=verdict_s,
        policies_path=policies_path,
        target=target,
        waves=waves,
    )
    record_plan(repo_s, token, registry=reg)
    write_plan_token(token, path)
    return token


def _units(verdict: Verdict | str, inputs: Any) -> list[str] | None:
    """The change units as the blast radius computes them (None when the inputs are not at hand)."""
    if not isinstance(verdict, Verdict) or verdict.change is None or inputs is None:
        return None
    if getattr(inputs, "base", None) is None or getattr(inputs, "head", None) is None:
        return None
    from validator.diff.impact import analyse_change

    return [u.name for u in analyse_change(verdict.change, inputs.base, inputs.head).units]


def rollout_waves(verdict: Verdict) -> list[dict[str, Any]] | None:
    """The ordered waves the blast radius's rollout search found (``ordered rollout required``)."""
    for f in verdict.findings:
        if (
            f.check == "blast_radius"
            and f.extra.get("ordered_rollout_required")
            and isinstance(f.extra.get("rollout"), list)
        ):
            return list(f.extra["rollout"])
    return None


def _max_age(value: str | None) -> timedelta | None:
    if value is None:
        return DEFAULT_MAX_AGE
    if value.strip().lower() in ("none", "0", "off"):
        return None
    return parse_duration(value, what="--max-age")


def _refused(kind: str, exc: PlanRefused | LeaseConflict) -> int:
    if isinstance(exc, PlanRefused):
        for reason in exc.reasons:
            print(f"validator: {kind} refused: {reason}", file=sys.stderr)
        if exc.remedy:
            print(f"validator: remedy: {exc.remedy}", file=sys.stderr)
    else:
        print(f"validator: {exc.one_line()}", file=sys.stderr)
    return 1


def _verify_plan(args: argparse.Namespace) -> int:
    max_age = _max_age(args.max_age)
    if args.devices is not None and args.wave is None:
        raise InputError("--devices needs --wave N")
    wave_devices = [d.strip() for d in args.devices.split(",") if d.strip()] if args.devices is not None else None
    try:
        token = verify_plan(
            args.token,
            repo=args.repo,
            target=args.target,
            head=args.head,
            max_age=max_age,
            lease_owner=args.owner,
            wave=args.wave,
            wave_devices=wave_devices,
            registry=args.registry,
            fetch=args.fetch,
        )
    except PlanRefused as exc:
        return _refused("plan", exc)
    if args.wave is not None:
        from validator.coord.plan import plan_waves_of

        waves = plan_waves_of(token)
        devices = waves[args.wave - 1]["devices"]
        if args.format == "json":
            print(json.dumps({"ok": True, "digest": token["digest"], "wave": args.wave, "devices": devices}))
        else:
            print(f"plan OK: wave {args.wave} of {len(waves)}: {', '.join(devices) or '(no device)'}")
        return 0
    if args.format == "json":
        print(json.dumps({"ok": True, "digest": token["digest"], "devices": token["devices"]}))
    else:
        devices = ", ".join(token["devices"]) or "(none)"
        print(
            f"plan OK: {token['digest'][:19]} head {token['head']['commit'][:12]} on base tree "
            f"{str(token['base'].get('tree'))[:12]}; devices {devices}"
        )
    return 0


def _devices_arg(args: argparse.Namespace, action: str) -> str | list[str]:
    if args.devices is not None:
        return str(args.devices)
    if args.plan is not None:
        devices = list(load_plan_token(args.plan)["devices"])
        if not devices:
            raise InputError("the plan touches no devices; pass --devices")
        return devices
    raise InputError(f"lease {action}: give --devices or --plan")


def _lease_acquire(args: argparse.Namespace) -> int:
    devices = _devices_arg(args, "acquire")
    try:
        held = acquire_lease(args.repo, devices, args.owner, args.ttl, plan=args.plan, registry=args.registry)
    except LeaseConflict as exc:
        return _refused("lease", exc)
    if args.format == "json":
        print(json.dumps(held.to_json()))
    else:
        print(
            f"lease acquired: {', '.join(held.devices)} by {held.owner} until {iso(held.expires_at)} "
            f"(lease {held.lease_id})"
        )
    return 0


def _lease_release(args: argparse.Namespace) -> int:
    try:
        released = release_lease(
            args.repo,
            _devices_arg(args, "release"),
            args.owner,
            lease_id=args.lease_id,
            force=args.force,
            registry=args.registry,
        )
    except LeaseConflict as exc:
        return _refused("release", exc)
    if released:
        print(f"lease released: {', '.join(released)} by {args.owner}")
    else:
        print("nothing to release: none of these devices is leased")
    return 0


def _lease_list(args: argparse.Namespace) -> int:
    leases = list_leases(registry_of(args.repo, args.registry))
    now = utcnow()
    if args.format == "json":
        out = [{"device": d, **lz.to_json(), "expired": lz.expired(now)} for d, lz in leases.items()]
        print(json.dumps(out, indent=1))
        return 0
    if not leases:
        print("no leases")
        return 0
    for d, lz in leases.items():
        state = "EXPIRED" if lz.expired(now) else "held"
        plan = f" plan {lz.plan_digest[:19]}" if lz.plan_digest else ""
        print(
            f"{d:<20} {state:<8} {lz.owner:<20} until {iso(lz.expires_at)}  lease {lz.lease_id[:8]}{plan}  "
            f"host {lz.host or '?'} clock {iso(lz.acquired_at)} at acquire{_skew(lz.acquired_at, now)}"
        )
    return 0


def _skew(clock: datetime, now: datetime) -> str:
    """The holder's clock against ours, when it was ahead of ours at acquire time (skew shows)."""
    ahead = clock - now
    if ahead > timedelta(seconds=60):
        return f" (holder clock {int(ahead.total_seconds()) // 60}m ahead of this host)"
    return ""


def _record_apply(args: argparse.Namespace) -> int:
    try:
        gens = record_apply(
            args.token, repo=args.repo, owner=args.owner, registry=args.registry, target=args.target, fetch=args.fetch
        )
    except PlanRefused as exc:
        return _refused("record-apply", exc)
    if args.format == "json":
        print(json.dumps({d: g.to_json() for d, g in gens.items()}))
    elif gens:
        print("applied: " + ", ".join(f"{d} -> generation {g.generation}" for d, g in gens.items()))
    else:
        print("applied: the plan touches no devices")
    return 0


__all__ = ["add_plan_out_option", "policies_digest_dir", "register", "write_check_plan"]
