"""Shared vocabulary of the coordination layer: names, durations, time, canonical JSON, errors.

Every name that ends up in a ref (device names) is validated here, before git ever sees it, so a
hostile or sloppy input cannot address refs outside ``refs/validator/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from validator.errors import InputError, ValidatorError

# a lower-case node name usable as one ref component: no '..', no trailing '.', no '.lock'
_DEVICE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]|\.(?=[a-z0-9_-]))*$")
_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+:=-]{0,127}$")
_DURATION = re.compile(r"^([0-9]{1,9})([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DEVICE_LEN = 253
# how far two hosts' clocks may disagree: tokens issued "in the future" beyond it are refused, and
# a lease is taken over only this long after its holder's expiry time
CLOCK_SKEW = timedelta(minutes=5)


class PlanRefused(ValidatorError):
    """The plan must not be applied (stale, tampered, not a pass, or superseded): exit 1.

    ``reasons`` lists everything that moved; ``remedy`` says what to do about it.
    """

    exit_code = 1

    def __init__(self, reasons: Iterable[str], *, remedy: str = "") -> None:
        self.reasons = list(reasons)
        self.remedy = remedy
        text = "plan refused: " + "; ".join(self.reasons)
        if remedy:
            text += f" (remedy: {remedy})"
        super().__init__(text)


class LeaseConflict(ValidatorError):
    """Another holder has (some of) the devices, or our lease was lost: exit 1."""

    exit_code = 1


def validate_device(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InputError("empty device name")
    if name != name.lower():
        raise InputError(f"device name {name!r}: device names are lower-case node names (try {name.lower()!r})")
    if len(name) > MAX_DEVICE_LEN or not _DEVICE.match(name) or name.endswith(".lock"):
        raise InputError(f"device name {name!r}: expected a node name of lower-case letters, digits, '.', '_' and '-'")
    return name


def parse_devices(value: str | Iterable[str]) -> list[str]:
    """Sorted unique device names from a comma list or an iterable; at least one."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = sorted({validate_device(str(x).strip()) for x in items if str(x).strip()})
    if not names:
        raise InputError("no devices given")
    return names


def validate_owner(owner: str) -> str:
    if not isinstance(owner, str) or not _OWNER.match(owner):
        raise InputError(
            f"owner {owner!r}: expected 1-128 characters of letters, digits and ._@+:=- (starting alphanumeric)"
        )
    return owner


def parse_duration(value: str | timedelta, *, what: str = "ttl") -> timedelta:
    """``30s``, ``30m``, ``2h``, ``1d`` (or a timedelta) to a positive timedelta."""
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise InputError(f"{what} must be positive, got {value}")
        return value
    m = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise InputError(f"{what} {value!r}: expected a number and a unit s, m, h or d (e.g. 30m)")
    seconds = int(m.group(1)) * _UNIT[m.group(2)]
    if seconds <= 0:
        raise InputError(f"{what} {value!r} must be positive")
    if seconds > 366 * 86400:
        raise InputError(f"{what} {value!r} is longer than a year")
    return timedelta(seconds=seconds)


def utcnow(now: datetime | None = None) -> datetime:
    """``now`` (for tests and replays) or the wall clock, always timezone-aware UTC."""
    if now is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def iso(t: datetime) -> str:
    return utcnow(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: Any, *, what: str) -> datetime:
    if not isinstance(value, str):
        raise InputError(f"{what}: expected an ISO 8601 time, got {value!r}")
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{what}: expected an ISO 8601 time, got {value!r}") from None
    return utcnow(t)


def canonical_json(obj: Any) -> bytes:
    """The one byte form digests and signatures are computed over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


__all__ = [
    "CLOCK_SKEW",
    "LeaseConflict",
    "PlanRefused",
    "canonical_json",
    "iso",
    "parse_devices",
    "parse_duration",
    "parse_iso",
    "utcnow",
    "validate_device",
    "validate_owner",
]
