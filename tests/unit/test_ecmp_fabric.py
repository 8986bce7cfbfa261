"""``maximum-paths N ecmp M`` (Arista dialect) on a multi-path eBGP fabric: ``validator routes``
shows every ECMP path (issue 9: without the ``ecmp`` form BGP multipath was lost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validator.cli import main
from validator.parsers import parse_config

FABRIC = Path(__file__).resolve().parents[2] / "fixtures" / "ecmp-fabric"


def test_fabric_configs_parse_without_warnings() -> None:
    files = sorted((FABRIC / "configs").glob("*.cfg"))
    assert len(files) == 6
    for path in files:
        node = parse_config(path.read_text(), f"configs/{path.name}")
        assert node.warnings == (), node.warnings
        assert node.undefined_references == ()
        if node.name.startswith("leaf"):
            assert node.bgp is not None and node.bgp.max_paths_ebgp == 4


def test_routes_json_lists_every_ecmp_path(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["routes", "--snapshot-dir", str(FABRIC), "--format", "json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    hops: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["protocol"] == "bgp":
            hops.setdefault((r["node"], r["network"]), set()).add(r["next_hop"]["ip"])
    for n, other in ((1, 2), (2, 1)):
        spines = {f"10.{m}.{n}.0" for m in range(1, 5)}
        for prefix in (f"10.10{other}.0.0/24", f"10.255.0.{other}/32"):
            assert hops[(f"leaf{n}", prefix)] == spines, prefix
        for m in range(1, 5):  # a spine loopback has one path: its own link
            assert hops[(f"leaf{n}", f"10.255.1.{m}/32")] == {f"10.{m}.{n}.0"}
