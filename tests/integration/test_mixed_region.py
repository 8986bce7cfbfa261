"""``validator check`` end to end on the mixed IOS/EOS/Junos region (fixtures/mixed-region/README.md).

Issue 16's "done when": a both-planes edit on the Junos pair blocks, citing the edited line on both
Junos files; a benign EOS change passes. The cross-vendor eBGP sessions (Junos-EOS, Junos-IOS,
EOS-IOS) must come up, and the Junos pair written in ``set`` form must give the same data plane as
the hierarchical files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import run_cli

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "mixed-region"
BASE = ROOT / "base"
POLICIES = ROOT / "policies" / "region.yaml"


def check(capsys: pytest.CaptureFixture[str], change: str) -> tuple[int, dict[str, Any]]:
    run = run_cli(
        capsys,
        [
            "check",
            "--base-dir",
            str(BASE),
            "--head-dir",
            str(ROOT / "changes" / change),
            "--policies",
            str(POLICIES),
            "--format",
            "json",
        ],
    )
    return run.code, json.loads(run.out)


def routes(capsys: pytest.CaptureFixture[str], snapshot: Path) -> list[dict[str, Any]]:
    run = run_cli(capsys, ["routes", "--snapshot-dir", str(snapshot), "--format", "json"])
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert isinstance(doc, list)
    return doc


def stanzas(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(s["device"], s["kind"], s["name"]) for s in doc["change"]["stanzas"]}


def test_base_passes_with_every_cross_vendor_session_up(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(POLICIES), "--format", "json"])
    assert run.code == 0, run.out
    doc = json.loads(run.out)
    assert doc["verdict"] == "pass"
    assert not [f for f in doc["findings"] if f["severity"] == "error"]


def test_routes_cross_every_vendor_boundary(capsys: pytest.CaptureFixture[str]) -> None:
    rib = {(r["node"], r["network"], r["protocol"], r["next_hop"].get("ip")) for r in routes(capsys, BASE)}
    # Junos -> EOS and EOS -> Junos (eBGP, j1-e1 and j2-e2)
    assert ("e1", "10.1.0.0/24", "bgp", "172.16.0.0") in rib
    assert ("e2", "10.1.0.0/24", "bgp", "172.16.0.2") in rib
    assert ("j1", "10.2.0.0/24", "bgp", "172.16.0.1") in rib
    assert ("j2", "10.2.0.0/24", "bgp", "172.16.0.3") in rib
    # IOS <-> Junos (b1-j1) and IOS <-> EOS (b1-e2)
    assert ("b1", "10.1.0.0/24", "bgp", "172.16.0.4") in rib
    assert ("b1", "10.2.0.0/24", "bgp", "172.16.0.6") in rib
    assert ("j1", "198.51.100.0/24", "bgp", "172.16.0.5") in rib
    assert ("e2", "198.51.100.0/24", "bgp", "172.16.0.7") in rib
    # the AZ1 access router reaches AZ2 over iBGP via the primary core (OSPF metric 10 < 100), and
    # the EOS leaf load-shares back to AZ1 over both spines
    assert ("j0", "10.2.0.0/24", "ibgp", "10.1.254.2") in rib
    assert {r for r in rib if r[0] == "e3" and r[1] == "10.1.0.0/24"} == {
        ("e3", "10.1.0.0/24", "bgp", "10.2.255.0"),
        ("e3", "10.1.0.0/24", "bgp", "10.2.255.2"),
    }


def test_trace_takes_the_backup_plane_when_the_primary_core_fails(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trace", "--snapshot-dir", str(BASE), "--from", "j0", "--dst", "10.2.0.10"]
    argv += ["--protocol", "tcp", "--dst-port", "443", "--format", "json"]
    for fail, path in (([], ["j0", "j1", "e1", "e3"]), (["--fail", "node:j1"], ["j0", "j2", "e2", "e3"])):
        run = run_cli(capsys, argv + fail)
        assert run.code == 0, run.err
        answers = json.loads(run.out)
        assert answers
        for answer in answers:
            assert answer["traces"]
            for t in answer["traces"]:
                assert t["disposition"] == "DELIVERED_TO_SUBNET"
                assert [h["node"] for h in t["hops"]] == path


def test_junos_both_planes_edit_blocks_citing_both_junos_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "junos-both-planes")
    assert code == 1 and doc["verdict"] == "block"
    assert stanzas(doc) == {("j1", "acl", "FROM-AZ1"), ("j2", "acl", "FROM-AZ1")}
    edited = {("configs/j1.cfg", 139), ("configs/j2.cfg", 127)}  # destination-port [ telnet https ];
    blocking = [g for g in doc["groups"] if g["blocking"]]
    assert len(blocking) == 1
    assert edited <= {(loc["file"], loc["line"]) for loc in blocking[0]["locations"]}
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert {f["policy"] for f in errors} == {"az1-to-az2", "no-regress", "staged"}
    for f in errors:
        if f["policy"] == "staged":  # the pair's planes fail together: both files' edited lines
            assert edited <= {(loc["file"], loc["line"]) for loc in f["locations"]}
            assert f["failures"] == ["interface:j1[ge-0/0/0.0]", "interface:j2[ge-0/0/0.0]"]
            assert f["waves"] == [["iface:j1[ge-0/0/0.0]"], ["iface:j2[ge-0/0/0.0]"]]  # one core at a time
        else:  # the steady-state flow dies on the primary core's edited term
            assert ("configs/j1.cfg", 139) in {(loc["file"], loc["line"]) for loc in f["locations"]}


def test_benign_eos_change_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "eos-benign")
    assert code == 0 and doc["verdict"] == "pass", doc["findings"]
    assert stanzas(doc) == {("e1", "interface", "Ethernet1"), ("e3", "interface", "Loopback1")}


def test_benign_ios_change_on_the_border_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "ios-benign")
    assert code == 0 and doc["verdict"] == "pass", doc["findings"]
    assert stanzas(doc) == {("b1", "interface", "GigabitEthernet0/0")}


def test_wrong_peer_as_on_eos_blocks_naming_the_eos_line_and_the_junos_peer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = check(capsys, "eos-wrong-peer-as")
    assert code == 1
    assert stanzas(doc) == {("e2", "bgp neighbor", "172.16.0.2")}
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    cited = {(loc["file"], loc["line"]) for f in errors for loc in f["locations"]}
    assert ("configs/e2.cfg", 33) in cited  # neighbor 172.16.0.2 remote-as 65011
    assert {f["policy"] for f in errors} >= {"az-pairs", "hygiene"}
    msgs = " ".join(f["message"] for f in errors)
    assert "j2: BGP session to 172.16.0.3 (AS 65002) is NOT_COMPATIBLE" in msgs


def test_junos_pair_in_set_form_is_the_same_network(capsys: pytest.CaptureFixture[str]) -> None:
    set_form = ROOT / "changes" / "junos-set-form"
    for name in ("j1", "j2"):
        lines = [ln for ln in (set_form / "configs" / f"{name}.cfg").read_text().splitlines() if ln.strip()]
        assert all(ln.startswith(("set ", "#")) for ln in lines)
        assert "{" not in (set_form / "configs" / f"{name}.cfg").read_text()
    assert routes(capsys, set_form) == routes(capsys, BASE)
    code, doc = check(capsys, "junos-set-form")
    assert code == 0 and doc["verdict"] == "pass"
    assert stanzas(doc) == set()  # same stanza-level change sets in both forms: nothing changed


def _variant(tmp_path: Path, source: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    import shutil

    snap = tmp_path / source.name
    shutil.copytree(source, snap)
    for name, pairs in edits.items():
        cfg = snap / "configs" / name
        text = cfg.read_text()
        for old, new in pairs:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        cfg.write_text(text)
    return snap


def test_both_planes_edit_in_set_form_cites_the_set_lines_on_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_form = ROOT / "changes" / "junos-set-form"
    edit = ("term no-telnet from destination-port telnet\n", "term no-telnet from destination-port [ telnet https ]\n")
    head = _variant(tmp_path, set_form, {"j1.cfg": [edit], "j2.cfg": [edit]})
    argv = ["check", "--base-dir", str(set_form), "--head-dir", str(head), "--policies", str(POLICIES)]
    run = run_cli(capsys, [*argv, "--format", "json"])
    assert run.code == 1
    doc = json.loads(run.out)
    assert stanzas(doc) == {("j1", "acl", "FROM-AZ1"), ("j2", "acl", "FROM-AZ1")}
    (group,) = [g for g in doc["groups"] if g["blocking"]]
    cited = {(loc["file"], loc["line"]) for loc in group["locations"]}
    assert {("configs/j1.cfg", 45), ("configs/j2.cfg", 41)} <= cited  # the edited set lines


IOS_JUNOS_OSPF = {
    "j1.cfg": [
        (
            "            interface lo0.0 {\n",
            "            interface ge-0/0/3.0 {\n                interface-type p2p;\n                metric 5;\n"
            "            }\n            interface lo0.0 {\n",
        )
    ],
    "b1.cfg": [
        (
            " ip address 172.16.0.5 255.255.255.254\n",
            " ip address 172.16.0.5 255.255.255.254\n ip ospf network point-to-point\n",
        ),
        (
            "router bgp 65000\n",
            "router ospf 1\n router-id 10.0.254.1\n network 172.16.0.4 0.0.0.1 area 0\n"
            " network 10.0.254.1 0.0.0.0 area 0\n!\nrouter bgp 65000\n",
        ),
    ],
    "j2.cfg": [
        (
            "            interface lo0.0 {\n",
            "            interface ge-0/0/2.0 {\n                interface-type p2p;\n                metric 7;\n"
            "            }\n            interface lo0.0 {\n",
        )
    ],
    "e2.cfg": [
        (
            "   ip address 172.16.0.3/31\n",
            "   ip address 172.16.0.3/31\n   ip ospf network point-to-point\n   ip ospf area 0.0.0.0\n",
        ),
        (
            "ip routing\n",
            "ip routing\n!\nrouter ospf 1\n   router-id 10.2.254.2\n   passive-interface Loopback0\n"
            "   network 10.2.254.2/32 area 0.0.0.0\n",
        ),
    ],
}


def test_ospf_adjacencies_across_vendors_come_up_with_each_vendors_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OSPF area 0 extended over the IOS-Junos (b1-j1) and EOS-Junos (e2-j2) links: each side's
    cost is its own vendor's (Junos lo0 0 and the configured metrics, IOS and EOS 1 per link)."""
    snap = _variant(tmp_path, BASE, IOS_JUNOS_OSPF)
    rib = {(r["node"], r["network"], r["protocol"], r["metric"]) for r in routes(capsys, snap)}
    assert ("b1", "10.1.254.2/32", "ospf", 1) in rib  # Gi 1 + j1 lo0 0
    assert ("b1", "10.1.254.1/32", "ospf", 11) in rib  # + j1 -> j0 metric 10
    assert ("b1", "10.2.254.2/32", "ospf", 19) in rib  # b1 1, j1 -> j2 10, j2 -> e2 7, e2 Loopback0 1
    assert ("j1", "10.0.254.1/32", "ospf", 6) in rib  # metric 5 + b1 Loopback0 1
    assert ("j2", "10.2.254.2/32", "ospf", 8) in rib  # metric 7 + e2 Loopback0 1
    assert ("e2", "10.1.0.0/24", "ospf", 12) in rib  # e2 1, j2 -> j0 10, j0 LAN 1
    assert ("e2", "10.0.254.1/32", "ospf", 17) in rib
