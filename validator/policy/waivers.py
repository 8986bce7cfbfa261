"""Waivers: ``.validator/waivers.yaml``, read from the *base* revision (a change cannot waive its
own findings), each entry accepting one known finding with a reason, an owner and an expiry.

A live waiver turns a matching finding into ``status: waived`` (severity warning: it no longer
blocks, and every report still lists it). An expired waiver stops working: the finding blocks as
before and says which waiver expired. Schema::

    version: 1
    waivers:
      - match: {policy: web-open, check: reachability, device: az1-r1,
                location: configs/az1-r1.cfg:42, fingerprint: 0123abcd...}   # at least one key
        reason: "ticket NET-123: web tier moves next week"
        owner: netops@example.com
        expires: 2026-12-31
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import yaml

from validator.errors import PolicyError
from validator.model.verdict import Finding

WAIVERS_PATH = ".validator/waivers.yaml"
_MATCH_KEYS = ("policy", "check", "device", "location", "fingerprint")


def finding_fingerprint(f: Finding) -> str:
    """Stable across runs and across unrelated edits: the first location's file and line *text*,
    not its number (SARIF ``partialFingerprints`` and waivers use the same value)."""
    first = f.locations[0] if f.locations else None
    where = f"{first.file}:{(first.text or str(first.line)).strip()}" if first is not None else ""
    key = "\x1f".join([f.check, f.policy, f.message, ",".join(f.failures), where])
    return hashlib.sha1(key.encode()).hexdigest()


@dataclass(frozen=True)
class Waiver:
    match: tuple[tuple[str, str], ...]  # (key, value) pairs, all must hold
    reason: str
    owner: str
    expires: dt.date
    source: str  # file:line of the entry

    def matches(self, f: Finding) -> bool:
        return all(_matches(key, value, f) for key, value in self.match)

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def to_json(self) -> dict[str, Any]:
        return {
            "match": dict(self.match),
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "source": self.source,
        }


def _devices(f: Finding) -> set[str]:
    out = {loc.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for loc in f.locations}
    if f.flow and f.flow.get("ingress_node"):
        out.add(str(f.flow["ingress_node"]))
    return out


def _matches(key: str, value: str, f: Finding) -> bool:
    if key == "policy":
        return f.policy == value
    if key == "check":
        return f.check == value
    if key == "device":
        return value in _devices(f)
    if key == "location":
        return any(f"{loc.file}:{loc.line}" == value for loc in f.locations)
    return finding_fingerprint(f).startswith(value.lower()) and len(value) >= 8


def load_waivers(data: bytes | str, *, file: str = WAIVERS_PATH) -> tuple[Waiver, ...]:
    """Parse the waivers file; any malformed entry is bad input naming file and entry (exit 2)."""
    try:
        doc = yaml.safe_load(data) if data else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(
            f"waivers file is not valid YAML: {getattr(exc, 'problem', exc)}", file=file, line=line
        ) from None
    if doc is None:
        return ()
    if not isinstance(doc, dict) or not isinstance(doc.get("waivers", []), list):
        raise PolicyError("waivers file must be a mapping with a 'waivers' list", file=file)
    unknown = set(doc) - {"version", "waivers"}
    if unknown:
        raise PolicyError(f"unknown key(s) in waivers file: {', '.join(sorted(map(str, unknown)))}", file=file)
    return tuple(_entry(e, i, file) for i, e in enumerate(doc.get("waivers") or [], 1))


def _entry(e: Any, index: int, file: str) -> Waiver:
    where = f"{file} (waiver {index})"
    if not isinstance(e, dict):
        raise PolicyError(f"waiver {index} must be a mapping", file=file)
    unknown = set(e) - {"match", "reason", "owner", "expires"}
    if unknown:
        raise PolicyError(f"waiver {index}: unknown key(s) {', '.join(sorted(map(str, unknown)))}", file=file)
    match = e.get("match")
    if not isinstance(match, dict) or not match:
        raise PolicyError(f"waiver {index}: 'match' must name at least one of {', '.join(_MATCH_KEYS)}", file=file)
    bad = set(match) - set(_MATCH_KEYS)
    if bad:
        raise PolicyError(f"waiver {index}: unknown match key(s) {', '.join(sorted(map(str, bad)))}", file=file)
    for key in ("reason", "owner"):
        if not isinstance(e.get(key), str) or not e[key].strip():
            raise PolicyError(f"waiver {index}: '{key}' is required (a non-empty string)", file=file)
    expires = e.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
        raise PolicyError(f"waiver {index}: 'expires' must be a date (YYYY-MM-DD)", file=file)
    pairs = tuple((str(k), str(v)) for k, v in sorted(match.items()))
    return Waiver(pairs, e["reason"].strip(), e["owner"].strip(), expires, where)


# Findings about what the gate could not read or about the change itself: a waiver written
# before the change cannot vouch for them (fail closed), whatever it matches.
UNWAIVABLE_CHECKS = frozenset(
    {"unmodelled", "unread", "not_understood", "nothing_checked", "no_regression", "blast_radius", "rollout"}
)


def waivable(f: Finding, w: Waiver, changed: Mapping[str, AbstractSet[int]]) -> bool:
    """A waiver may only accept a known, understood problem: never an undecided result, never a
    finding about the change itself. A finding located on a line the change edits is new: only a
    waiver that names its policy explicitly accepts it (a ``location``/``device``/fingerprint
    waiver named the old line or device state, not what the change wrote there)."""
    if f.status == "undecided" or f.check in UNWAIVABLE_CHECKS:
        return False
    if any(key == "policy" for key, _ in w.match):
        return True
    return not any(loc.line in changed.get(loc.file, ()) for loc in f.locations)


def apply_waivers(
    findings: Sequence[Finding],
    waivers: Iterable[Waiver],
    today: dt.date | None = None,
    changed: Mapping[str, AbstractSet[int]] | None = None,
) -> list[Finding]:
    """Waive each blocking finding a live waiver matches; a matching expired waiver is named on
    the finding (which keeps blocking). Non-blocking findings are left as they are, and so are
    findings no waiver may accept (``waivable``; ``changed``: the head lines the change edits,
    per snapshot file)."""
    today = today or dt.date.today()
    rules = list(waivers)
    if not rules:
        return list(findings)
    edited: Mapping[str, AbstractSet[int]] = changed or {}
    out: list[Finding] = []
    for f in findings:
        hits = [w for w in rules if f.blocking and waivable(f, w, edited) and w.matches(f)]
        live = [w for w in hits if not w.expired(today)]
        if live:
            w = live[0]
            extra = {**f.extra, "waiver": w.to_json()}
            out.append(dataclasses.replace(f, status="waived", severity="warning", extra=extra))
        elif hits:
            w = hits[0]
            note = f"waiver expired on {w.expires.isoformat()} ({w.source}, owner {w.owner}): not applied"
            out.append(dataclasses.replace(f, extra={**f.extra, "waiver_expired": note}))
        else:
            out.append(f)
    return out
