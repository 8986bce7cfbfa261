"""Load policy files (design.md §3) into a :class:`PolicySet`.

Three stages, each reporting every problem it finds with file, line and key: YAML with line
numbers, the JSON Schema, then what the schema cannot say (names unique across files, zones
defined, prefixes and regexes well-formed). Loading never needs a snapshot; matching names against
one is :func:`validator.policy.semantic.validate_against`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from validator.errors import PolicyError
from validator.fileio import check_size, read_regular_file
from validator.policy._build import Builder
from validator.policy._schema import schema_diagnostics
from validator.policy._yaml import LocatedDocument, load_yaml
from validator.policy.diagnostics import Diagnostic, KeyPath, PolicyValidationError
from validator.policy.model import (
    DEFAULT_FAILURE_ELEMENTS,
    BlastRadiusPolicy,
    ElementKind,
    HygienePolicy,
    HygieneRequirement,
    ManagementPolicy,
    MgmtAccess,
    MgmtService,
    NoRegressionPolicy,
    Policy,
    PolicySet,
    PolicySource,
    ReachabilityPolicy,
    RedundancyPolicy,
    RiskGroup,
    RoutingPolicy,
    Zone,
    ZonePair,
)

POLICY_SUFFIXES = (".yaml", ".yml")


def digest_of(files: Mapping[str, bytes]) -> str:
    """sha256 of the one file, or of the ``sha256sum`` manifest of several (see :class:`PolicySet`)."""
    if len(files) == 1:
        return hashlib.sha256(next(iter(files.values()))).hexdigest()
    manifest = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {os.path.basename(n)}\n" for n in sorted(files))
    return hashlib.sha256(manifest.encode()).hexdigest()


def _read_one(path: Path) -> bytes:
    """One policy file: a regular file within the size cap (never a FIFO or a device). Binary or
    non-UTF-8 content is reported by the YAML stage with its line ("unreadable")."""
    return read_regular_file(path, error=PolicyError)


def _read_files(path: Path) -> dict[str, bytes]:
    if not path.exists() and not path.is_symlink():
        raise PolicyError("no such policy file or directory", file=str(path))
    if path.is_dir():
        try:
            entries = sorted(p for p in path.iterdir() if p.suffix in POLICY_SUFFIXES)
        except OSError as exc:
            raise PolicyError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
        if not entries:
            raise PolicyError(f"no policy files (*.yaml, *.yml) in {path}", file=str(path))
        # every *.yaml entry must be a readable regular file: a FIFO or a folder named like a
        # policy file is refused, not skipped (skipping would silently drop a policy)
        return {str(p): _read_one(p) for p in entries}
    return {str(path): _read_one(path)}


def load_policies(path: str | os.PathLike[str]) -> PolicySet:
    """Load one policy file or every ``*.yaml``/``*.yml`` directly in a directory (sorted by name)."""
    p = Path(path)
    files = _read_files(p)
    return _load(files, str(p))


def load_policies_from_bytes(files: Mapping[str, bytes], *, name: str | None = None) -> PolicySet:
    """Load policy files given as ``{display path: bytes}`` (git mode reads them from base blobs).

    ``name`` is the set's ``file`` (default: the single path, or the paths' common directory).
    """
    if not files:
        raise PolicyError("no policy files given", file=name)
    for file, data in files.items():
        check_size(len(data), file, error=PolicyError)
    if name is None:
        name = next(iter(files)) if len(files) == 1 else os.path.commonpath([os.path.dirname(f) or "." for f in files])
    return _load(dict(files), name)


# --- building -----------------------------------------------------------------------------------


class _SetBuilder:
    """Merges several documents into one namespace of zones, risk groups and policy names."""

    def __init__(self) -> None:
        self.zones: dict[str, Zone] = {}
        self.risk_groups: dict[str, RiskGroup] = {}
        self.policies: list[Policy] = []
        self.policy_names: dict[str, PolicySource] = {}
        self.diagnostics: list[Diagnostic] = []

    def definitions(self, b: Builder) -> None:
        data = b.doc.data
        for name, zdata in data.get("zones", {}).items():
            path: KeyPath = ("zones", name)
            if name in self.zones:
                b.error(path, f"zone {name!r} already defined at {self.zones[name].source}")
                continue
            prefixes, nodes, interfaces = b.selectors(path, zdata)
            self.zones[name] = Zone(
                name, b.source(path), prefixes, nodes, interfaces, description=zdata.get("description")
            )
        for name, elements in data.get("risk_groups", {}).items():
            path = ("risk_groups", name)
            if name in self.risk_groups:
                b.error(path, f"risk group {name!r} already defined at {self.risk_groups[name].source}")
                continue
            built = [b.risk_element((*path, i), text) for i, text in enumerate(elements)]
            self.risk_groups[name] = RiskGroup(name, tuple(e for e in built if e is not None), b.source(path))

    def _zone(self, b: Builder, path: KeyPath, name: str) -> str:
        if name not in self.zones:
            known = ", ".join(sorted(self.zones)) or "none defined"
            b.error(path, f"undefined zone {name!r} (zones: {known})")
        return name

    def _pairs(self, b: Builder, path: KeyPath, pairs: list[list[str]]) -> tuple[ZonePair, ...]:
        return tuple(
            (self._zone(b, (*path, i, 0), a), self._zone(b, (*path, i, 1), z)) for i, (a, z) in enumerate(pairs)
        )

    def _elements(
        self, b: Builder, path: KeyPath, raw: list[str] | None, default: tuple[ElementKind, ...]
    ) -> tuple[ElementKind, ...]:
        if raw is None:
            return default
        if "risk_group" in raw and not self.risk_groups:
            b.error((*path, raw.index("risk_group")), "risk_group failures asked for, but no risk_groups are defined")
        return tuple(cast(ElementKind, e) for e in raw)

    def _management(self, b: Builder, path: KeyPath, d: dict[str, Any], common: dict[str, Any]) -> ManagementPolicy:
        devices = d.get("devices", "all")
        max_failures = d.get("max_failures", 0)
        address = d.get("address", "loopback")
        if address != "loopback":
            b.name_spec((*path, "address"), address)
        return ManagementPolicy(
            **common,
            from_zone=self._zone(b, (*path, "from"), d["from"]),
            devices=() if devices == "all" else b.node_specs((*path, "devices"), devices),
            address=address,
            access=tuple(cast(MgmtAccess, a) for a in d.get("access", ("ssh",))),
            services=tuple(cast(MgmtService, x) for x in d.get("services", ())),
            require_local_fallback=bool(d.get("require_local_fallback", False)),
            max_failures=max_failures,
            elements=self._elements(
                b, (*path, "elements"), d.get("elements"), DEFAULT_FAILURE_ELEMENTS if max_failures else ()
            ),
        )

    def policy(self, b: Builder, index: int, d: dict[str, Any]) -> None:
        path: KeyPath = ("policies", index)
        name = d["name"]
        src = b.source(path)
        if name in self.policy_names:
            b.error((*path, "name"), f"policy name {name!r} already used at {self.policy_names[name]}")
            return
        self.policy_names[name] = src
        common: dict[str, Any] = {
            "name": name,
            "source": src,
            "severity": d.get("severity", "error"),
            "description": d.get("description"),
        }
        kind = d["type"]
        policy: Policy
        if kind == "reachability":
            max_failures = d.get("max_failures", 0)
            policy = ReachabilityPolicy(
                **common,
                from_zone=self._zone(b, (*path, "from"), d["from"]),
                to_zone=self._zone(b, (*path, "to"), d["to"]),
                expect=d["expect"],
                headers=b.headers(path, d),
                max_failures=max_failures,
                elements=self._elements(
                    b, (*path, "elements"), d.get("elements"), DEFAULT_FAILURE_ELEMENTS if max_failures else ()
                ),
            )
        elif kind == "redundancy":
            policy = RedundancyPolicy(
                **common,
                pairs=self._pairs(b, (*path, "between"), d["between"]),
                max_failures=d.get("max_failures", 1),
                elements=self._elements(b, (*path, "elements"), d.get("elements"), DEFAULT_FAILURE_ELEMENTS),
                headers=b.headers(path, d),
            )
        elif kind == "blast_radius":
            protect = d.get("protect", "all")
            if protect == "all":
                policy = BlastRadiusPolicy(**common)
            else:
                policy = BlastRadiusPolicy(
                    **common, protect_all=False, pairs=self._pairs(b, (*path, "protect"), protect)
                )
        elif kind == "no_regression":
            policy = NoRegressionPolicy(
                **common,
                from_zone=self._zone(b, (*path, "from"), d["from"]),
                to_zone=self._zone(b, (*path, "to"), d["to"]),
                headers=b.headers(path, d),
            )
        elif kind == "management":
            policy = self._management(b, path, d, common)
        elif kind == "routing":
            policy = _routing(b, path, d, common)
        else:  # hygiene; the schema admits no other type
            policy = HygienePolicy(**common, require=tuple(cast(HygieneRequirement, r) for r in d["require"]))
        self.policies.append(policy)


def _routing(b: Builder, path: KeyPath, d: dict[str, Any], common: dict[str, Any]) -> RoutingPolicy:
    export = d.get("export", {})
    imp = d.get("import", {})
    return RoutingPolicy(
        **common,
        peers=b.peer_selector((*path, "peers"), d["peers"]),
        export_never=b.prefix_ranges((*path, "export", "never"), export.get("never", ())),
        export_only=b.prefix_ranges((*path, "export", "only"), export["only"]) if "only" in export else None,
        import_reject=b.prefix_ranges((*path, "import", "reject"), imp.get("reject", ())),
        import_max_prefix_length=imp.get("max_prefix_length"),
    )


def parse_documents(files: Mapping[str, bytes]) -> list[LocatedDocument]:
    """YAML + schema stage for every file; raises with all diagnostics of all files."""
    docs: list[LocatedDocument] = []
    diagnostics: list[Diagnostic] = []
    for file in sorted(files):
        try:
            doc = load_yaml(files[file], file)
        except PolicyValidationError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        found = schema_diagnostics(doc, "policy")
        diagnostics.extend(found)
        if not found:
            docs.append(doc)
    if diagnostics:
        raise PolicyValidationError(diagnostics)
    return docs


def _load(files: Mapping[str, bytes], name: str) -> PolicySet:
    docs = parse_documents(files)
    sb = _SetBuilder()
    builders = [Builder(doc) for doc in docs]
    for b in builders:  # all zones first: a policy may use a zone defined in another file
        sb.definitions(b)
    for b in builders:
        for i, pdata in enumerate(b.doc.data.get("policies", [])):
            sb.policy(b, i, pdata)
    diagnostics = [d for b in builders for d in b.diagnostics]
    if diagnostics:
        raise PolicyValidationError(diagnostics)
    return PolicySet(
        zones=sb.zones,
        risk_groups=sb.risk_groups,
        policies=tuple(sb.policies),
        file=name,
        digest=digest_of(files),
        files=tuple(sorted(files)),
    )
