"""End to end on the zone-based firewall fixture (``fixtures/zbf``): a change to the zone policy is
modelled, so removing a zone-pair or a zone membership changes what the gate proves (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validator.cli import main

ZBF = Path(__file__).resolve().parents[2] / "fixtures" / "zbf"
POLICIES = ZBF / "policies" / "zbf.yaml"


def _check(tmp_path: Path, head: str, base: str | None = "base") -> tuple[int, dict[str, Any]]:
    out = tmp_path / "verdict.json"
    args = ["check", "--head-dir", str(ZBF / head), "--policies", str(POLICIES), "--format", "json"]
    if base is not None:
        args += ["--base-dir", str(ZBF / base)]
    code = main([*args, "--output", str(out)])
    return code, json.loads(out.read_text())


def _failing(doc: dict[str, Any]) -> set[str]:
    return {f["policy"] for f in doc["findings"] if f["severity"] == "error"}


def test_the_zone_firewall_fixture_passes_its_policies(tmp_path: Path) -> None:
    code, doc = _check(tmp_path, "base", base=None)
    assert (code, doc["verdict"], _failing(doc)) == (0, "pass", set())


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        # the web zone-pair is gone: outside -> dmz has no zone-pair, so web traffic is dropped
        ("changes/no-zone-pair", {"web-open"}),
        # the inside LAN leaves its zone: Batfish then applies no zone filter on its interface, so
        # the internet reaches it and the deny-expected policy blocks the change
        ("changes/unzone-inside", {"inside-closed"}),
    ],
)
def test_removing_zone_policy_blocks(tmp_path: Path, change: str, failing: set[str]) -> None:
    code, doc = _check(tmp_path, change)
    assert code == 1 and doc["verdict"] == "block"
    assert _failing(doc) == failing
    # the evidence names the zone filter (a zone-pair removal has no line left: the stanza is cited)
    assert any("configs/fw1.cfg" in json.dumps(f.get("locations", [])) for f in doc["findings"])


def test_header_classes_split_at_the_zone_policy_acls(tmp_path: Path) -> None:
    """Only TCP 8443 to 10.2.0.10 passes the zone policy (ACL WEB inside class-map WEB-CLASS): a
    deny over all traffic must find that slice, so header classes split at WEB's lines although no
    interface applies WEB (the zone step names the ACLs it consulted)."""
    snap = tmp_path / "snap" / "configs"
    snap.mkdir(parents=True)
    text = (ZBF / "base" / "configs" / "fw1.cfg").read_text()
    text = text.replace(" permit tcp any host 10.2.0.10 eq 80\n", "").replace("eq 443", "eq 8443")
    (snap / "fw1.cfg").write_text(text)
    pol = tmp_path / "deny.yaml"
    pol.write_text(
        "version: 1\n"
        "zones:\n"
        '  internet: {interfaces: ["fw1[GigabitEthernet0/0]"]}\n'
        "  web: {prefixes: [10.2.0.10/32]}\n"
        "policies:\n"
        "  - {name: web-closed, type: reachability, from: internet, to: web, expect: deny}\n"
    )
    out = tmp_path / "v.json"
    code = main(
        ["check", "--head-dir", str(snap.parent), "--policies", str(pol), "--format", "json", "--output", str(out)]
    )
    doc = json.loads(out.read_text())
    assert code == 1 and _failing(doc) == {"web-closed"}
    assert {f["flow"]["dst_port"] for f in doc["findings"] if f.get("flow")} == {8443}


def test_unreadable_line_in_a_consulted_zone_class_makes_the_policy_undecided(tmp_path: Path) -> None:
    """The soundness rule for zone policies: web flows are decided by class-map WEB-CLASS, which
    has a line the parser cannot read, so web-open cannot pass and names that line; the inside
    flows never consult it (no zone-pair into inside) and stay decided."""
    snap = tmp_path / "snap" / "configs"
    snap.mkdir(parents=True)
    text = (ZBF / "base" / "configs" / "fw1.cfg").read_text()
    text = text.replace(" match access-group name WEB\n", " match access-group name WEB\n match protocol dns\n")
    (snap / "fw1.cfg").write_text(text)
    out = tmp_path / "v.json"
    code = main(
        ["check", "--head-dir", str(snap.parent), "--policies", str(POLICIES), "--format", "json", "--output", str(out)]
    )
    doc = json.loads(out.read_text())
    assert code == 1
    web = [f for f in doc["findings"] if f["policy"] == "web-open"]
    assert web and all(f["status"] == "undecided" for f in web)
    assert {"file": "configs/fw1.cfg", "line": 10, "text": "match protocol dns"} in web[0]["locations"]
    assert not [f for f in doc["findings"] if f["policy"] == "inside-closed"]
