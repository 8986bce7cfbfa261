"""The gate's result: findings and the ``validator.verdict/1`` document of design.md §4."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
# design.md §8: ``new`` (default), ``pre-existing``, ``waived``, ``undecided`` (depends on config
# lines the gate could not read: never lets a policy pass)
FindingStatus = Literal["new", "pre-existing", "waived", "undecided"]
VerdictKind = Literal["pass", "block", "error"]
SCHEMA = "validator.verdict/1"


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    text: str | None = None  # the config line, for humans

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.text is not None:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class Finding:
    """One reason to block (severity error) or to look (warning/info), with evidence."""

    policy: str
    check: str
    message: str
    severity: Severity = "error"
    failures: tuple[str, ...] = ()  # failure specs of the scenario, e.g. link:a[Gi0/0]
    flow: dict[str, Any] | None = None
    trace: tuple[dict[str, Any], ...] = ()  # traces (JSON form) in the evaluated snapshot
    base_trace: tuple[dict[str, Any], ...] = ()  # traces in the base / no-failure snapshot
    locations: tuple[Location, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    status: FindingStatus = "new"
    # the root-cause group (``FindingGroup.id``) this finding belongs to; set once the run is over
    group: str | None = field(default=None, compare=False, hash=False)

    @property
    def blocking(self) -> bool:
        """An error blocks; an undecided finding blocks whatever its severity (fail closed)."""
        return self.severity == "error" or self.status == "undecided"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "policy": self.policy,
            "check": self.check,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "failures": list(self.failures),
            "flow": self.flow,
            "trace": list(self.trace),
            "locations": [loc.to_json() for loc in self.locations],
        }
        if self.base_trace:
            out["base_trace"] = list(self.base_trace)
        out["group"] = self.group
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class GroupPair:
    """One (source -> destination) pair a root cause breaks, the policies that saw it, how many flows."""

    pair: str
    policies: tuple[str, ...]
    flows: int

    def to_json(self) -> dict[str, Any]:
        return {"pair": self.pair, "policies": list(self.policies), "flows": self.flows}


@dataclass(frozen=True)
class FindingGroup:
    """Findings that share one root cause (the same changed lines, or the same minimal failure set):
    one thing to fix, however many flows it breaks. ``fix`` reads ``fix: FILE:LINE — ...``."""

    id: str
    fix: str
    findings: tuple[int, ...]  # indexes into ``Verdict.findings``
    severity: Severity = "error"
    status: FindingStatus = "new"
    blocking: bool = True
    location: Location | None = None  # the line to fix first
    locations: tuple[Location, ...] = ()  # the cause's lines, on every device it spans
    pairs: tuple[GroupPair, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fix": self.fix,
            "severity": self.severity,
            "status": self.status,
            "blocking": self.blocking,
            "location": self.location.to_json() if self.location else None,
            "locations": [loc.to_json() for loc in self.locations],
            "pairs": [p.to_json() for p in self.pairs],
            "findings": list(self.findings),
        }


@dataclass(frozen=True)
class ChangedStanza:
    device: str
    file: str
    line: int  # line in the head file (base file for removed stanzas)
    kind: str  # interface, router ospf, router bgp, bgp neighbor, route-map, acl, static route, ...
    name: str
    op: Literal["added", "removed", "modified"]
    base_line: int | None = None
    inert: bool = False  # cannot alter behaviour (validator.diff.inert): fails nothing in blast radius

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "device": self.device,
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "name": self.name,
            "op": self.op,
        }
        if self.base_line is not None:
            out["base_line"] = self.base_line
        if self.inert:
            out["inert"] = True
        return out


@dataclass(frozen=True)
class ChangeSet:
    devices: tuple[str, ...] = ()
    stanzas: tuple[ChangedStanza, ...] = ()
    files: tuple[str, ...] = ()  # every changed snapshot file (configs, hosts, side files)
    policies_changed: bool = False
    # changed files the loader does not read (not analysed; each one blocks unless --ignore-path)
    unread: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "devices": list(self.devices),
            "stanzas": [s.to_json() for s in self.stanzas],
            "files": list(self.files),
            "policies_changed": self.policies_changed,
            "unread": list(self.unread),
        }


@dataclass(frozen=True)
class Side:
    source: str
    rev: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "rev": self.rev}


@dataclass
class Verdict:
    """What the gate decided. ``verdict`` is ``block`` iff an error-severity finding exists."""

    head: Side
    base: Side | None = None
    engine: str = "builtin"
    findings: list[Finding] = field(default_factory=list)
    change: ChangeSet | None = None
    policies_run: list[tuple[str, str]] = field(default_factory=list)  # (policy name, check type)
    scenarios: int = 0
    # of ``scenarios``, those relevance pruning proved unable to change a checked flow: never
    # computed, so never checked for convergence either (docs/sweeps.md; ``VALIDATOR_PRUNE=0``)
    pruned: int = 0
    seconds: float = 0.0
    error: str | None = None  # set when the gate itself failed (verdict "error")
    # ``whatif``: the operator's answer (subject, safe, broken pairs, single points of failure)
    whatif: dict[str, Any] | None = None
    # wall-clock seconds per (policy name, check type) that ran (JUnit test-case times)
    policy_seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    # root-cause groups of ``findings`` (validator.checks.grouping); empty until grouped
    groups: list[FindingGroup] = field(default_factory=list)

    @property
    def verdict(self) -> VerdictKind:
        if self.error is not None:
            return "error"
        return "block" if any(f.blocking for f in self.findings) else "pass"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "verdict": self.verdict,
            "engine": self.engine,
            "base": self.base.to_json() if self.base else None,
            "head": self.head.to_json(),
            "change": self.change.to_json() if self.change else None,
            "policies": [{"name": n, "check": c} for n, c in self.policies_run],
            "findings": [f.to_json() for f in self.findings],
            "groups": [g.to_json() for g in self.groups],
            "stats": {"scenarios": self.scenarios, "pruned": self.pruned, "seconds": round(self.seconds, 3)},
        }
        if self.error is not None:
            out["error"] = self.error
        if self.whatif is not None:
            out["whatif"] = self.whatif
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def raise_for_block(self) -> None:
        """For deployment scripts: raise unless the change passed."""
        from validator.errors import ChangeBlocked, EngineError

        if self.error is not None:
            raise EngineError(self.error)
        if not self.passed:
            first = next(f for f in self.findings if f.blocking)
            raise ChangeBlocked(f"change blocked by policy {first.policy!r}: {first.message}", verdict=self)
