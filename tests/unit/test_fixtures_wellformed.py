"""The region fixtures are well-formed Batfish snapshots and match what fixtures/README.md says.

End-to-end tests and the README quick start trust these folders blindly, so a typo here (a wrong
hostname, a change folder that silently differs from base in an extra file, a stale line number in
the README table) would make those tests pass or fail for the wrong reason.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import sys
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from validator.policy.intent import load_intent
from validator.policy.loader import load_policies
from validator.snapshot.folder import load_snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
REGION = FIXTURES / "region"
README = FIXTURES / "README.md"
SNAPSHOT_DIRS = ("configs", "hosts", "batfish", "iptables")

EXPECTED_SNAPSHOTS = {
    "base",
    "latent-fault",
    "primary-down",
    "changes/benign",
    "changes/break-required-flow",
    "changes/open-forbidden-flow",
    "changes/intent-exact",
    "changes/intent-more",
    "changes/both-paths-bad-edit",
    "changes/one-path-edit",
    "changes/break-backup",
}


def _snapshots() -> list[str]:
    found = {str(p.parent.relative_to(REGION)) for p in REGION.rglob("configs") if p.is_dir()}
    return sorted(found)


SNAPSHOTS = _snapshots()


def _snapshot_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for sub in SNAPSHOT_DIRS
        if (root / sub).is_dir()
        for p in sorted((root / sub).rglob("*"))
        if p.is_file()
    }


def test_every_expected_snapshot_exists_and_nothing_else() -> None:
    assert set(SNAPSHOTS) == EXPECTED_SNAPSHOTS


@pytest.mark.parametrize("rel", SNAPSHOTS)
def test_snapshot_layout(rel: str) -> None:
    root = REGION / rel
    assert sorted(p.name for p in (root / "configs").iterdir()), f"{rel}: empty configs/"
    assert (root / "hosts").is_dir(), f"{rel}: no hosts/"
    # the same devices everywhere: a change edits devices, it never adds or drops one
    assert sorted(_snapshot_files(root)) == sorted(_snapshot_files(REGION / "base"))


@pytest.mark.parametrize("rel", SNAPSHOTS)
def test_config_hostname_equals_file_stem(rel: str) -> None:
    for cfg in sorted((REGION / rel / "configs").glob("*.cfg")):
        names = re.findall(r"^hostname (\S+)\s*$", cfg.read_text(), flags=re.MULTILINE)
        assert names == [cfg.stem], f"{rel}/configs/{cfg.name}: hostname lines {names}"
        assert cfg.stem == cfg.stem.lower(), "Batfish lower-cases node names; keep files lower-case"


@pytest.mark.parametrize("rel", SNAPSHOTS)
def test_host_json_has_interface_with_prefix_and_gateway(rel: str) -> None:
    hosts = sorted((REGION / rel / "hosts").glob("*.json"))
    assert hosts, f"{rel}: no host JSON"
    for path in hosts:
        doc = json.loads(path.read_text())
        assert doc["hostname"] == path.stem
        ifaces = doc["hostInterfaces"]
        assert ifaces, f"{path}: no interfaces"
        with_gateway = [i for i in ifaces.values() if "gateway" in i]
        assert with_gateway, f"{path}: no interface has a gateway"
        for iface in with_gateway:
            addr = IPv4Interface(iface["prefix"])
            gateway = IPv4Address(iface["gateway"])
            assert gateway in addr.network and gateway != addr.ip, f"{path}: gateway outside its subnet"


@pytest.mark.parametrize("rel", SNAPSHOTS)
def test_snapshot_parses_without_warnings(rel: str) -> None:
    snap = load_snapshot(REGION / rel)
    assert snap.file_errors == ()
    assert [str(w) for w in snap.warnings] == []
    stems = {p.stem for sub in ("configs", "hosts") for p in (REGION / rel / sub).iterdir()}
    assert set(snap.nodes) == stems
    assert all(not n.undefined_references for n in snap.nodes.values())


# ---------------------------------------------------------------------------------------------
# README table: the changed lines it claims are exactly the lines that differ from base.

_ROW = re.compile(r"^\| `(?P<snap>[^`]+)` \| (?P<lines>[^|]*) \|", re.MULTILINE)
_LINE = re.compile(r"`((?:configs|hosts|batfish|iptables)/[^`:]+):(\d+)(?:-(\d+))?`")


def _readme_claims() -> dict[str, set[tuple[str, int]]]:
    section = README.read_text().split("## Snapshots and changes", 1)[1].split("\n## ", 1)[0]
    claims: dict[str, set[tuple[str, int]]] = {}
    for m in _ROW.finditer(section):
        lines: set[tuple[str, int]] = set()
        for file, lo, hi in _LINE.findall(m["lines"]):
            lines.update((file, n) for n in range(int(lo), int(hi or lo) + 1))
        claims[m["snap"]] = lines
    return claims


def _changed_lines(base: dict[str, str], head: dict[str, str]) -> tuple[set[str], set[tuple[str, int]]]:
    files: set[str] = set()
    lines: set[tuple[str, int]] = set()
    for rel in sorted(set(base) | set(head)):
        a, b = base.get(rel, "").splitlines(), head.get(rel, "").splitlines()
        for op, _a1, _a2, b1, b2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            files.add(rel)
            lines.update((rel, n + 1) for n in range(b1, b2))
    return files, lines


def test_readme_lists_every_snapshot() -> None:
    assert set(_readme_claims()) == EXPECTED_SNAPSHOTS


@pytest.mark.parametrize("rel", sorted(EXPECTED_SNAPSHOTS - {"base"}))
def test_change_differs_from_base_exactly_where_readme_says(rel: str) -> None:
    claimed = _readme_claims()[rel]
    files, lines = _changed_lines(_snapshot_files(REGION / "base"), _snapshot_files(REGION / rel))
    assert claimed, f"README claims no changed line for {rel}"
    assert files == {f for f, _ in claimed}
    assert lines == claimed


def test_base_row_claims_no_change() -> None:
    assert _readme_claims()["base"] == set()


# ---------------------------------------------------------------------------------------------
# Intent and policy files.


@pytest.mark.parametrize("rel", SNAPSHOTS)
def test_intent_files_load(rel: str) -> None:
    path = REGION / rel / ".validator" / "intent.yaml"
    if rel not in ("changes/intent-exact", "changes/intent-more"):
        assert not path.exists()
        return
    doc = yaml.safe_load(path.read_text())
    assert doc["version"] == 1
    intent = load_intent(path)
    assert len(intent.changes) == 1
    change = intent.changes[0]
    assert change.from_zone == "internet"
    assert change.expect == "allow"
    assert change.headers.protocols == (6,) and change.headers.dst_ports == ((8443, 8443),)


def test_region_policies_load_and_name_real_interfaces() -> None:
    policies = load_policies(REGION / "policies" / "region.yaml")
    types = {p.type for p in policies.policies}
    assert types == {"reachability", "redundancy", "blast_radius", "no_regression", "hygiene"}
    base = load_snapshot(REGION / "base")
    text = (REGION / "policies" / "region.yaml").read_text()
    for node, iface in re.findall(r"([a-z0-9-]+)\[(GigabitEthernet[0-9/]+)\]", text):
        assert iface in base.nodes[node].interfaces, f"policies name {node}[{iface}], which base lacks"


# ---------------------------------------------------------------------------------------------
# build.py reproduces the committed folders, so regenerating never silently changes a fixture.


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("region_build", REGION / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve string annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_build_script_reproduces_committed_fixtures() -> None:
    build = _build_module()
    base = build.base_files()
    assert _snapshot_files(REGION / "base") == base
    assert _snapshot_files(REGION / "latent-fault") == build.apply(base, build.LATENT_FAULT)
    assert _snapshot_files(REGION / "primary-down") == build.apply(base, build.PRIMARY_DOWN)
    for name, edits in build.CHANGES.items():
        assert _snapshot_files(REGION / "changes" / name) == build.apply(base, edits), name
    for name, text in build.INTENTS.items():
        assert (REGION / "changes" / name / ".validator" / "intent.yaml").read_text() == text
