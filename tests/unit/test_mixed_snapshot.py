"""Mixed snapshots (issue 16, item 3): each file parsed by its own vendor into one model; a file of
an unsupported vendor is reported alone (every one named) and makes what touches it undecided."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest

import validator
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import scenario_dataplane
from validator.engine.types import FailureSet
from validator.errors import ConfigParseError
from validator.snapshot.loader import load_snapshot_files

IOS_R1 = b"""hostname r1
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
interface GigabitEthernet0/0
 ip address 10.0.0.0 255.255.255.254
interface GigabitEthernet0/1
 ip address 10.9.0.1 255.255.255.0
router ospf 1
 network 10.0.0.0 0.0.0.1 area 0
 network 10.255.0.1 0.0.0.0 area 0
router bgp 65001
 neighbor 10.0.0.1 remote-as 65002
 redistribute connected
"""
EOS_SW1 = b"""! device: sw1 (DCS-7050SX3-48YC8, EOS-4.30.2F)
hostname sw1
interface Ethernet1
   no switchport
   ip address 10.0.0.1/31
   ip ospf area 0.0.0.0
interface Loopback0
   ip address 10.255.0.2/32
   ip ospf area 0.0.0.0
router ospf 1
router bgp 65002
   neighbor 10.0.0.0 remote-as 65001
   redistribute connected
"""
F5 = b"#TMSH-VERSION: 13.1.0\nnet self inside {\n    address 10.9.0.7/24\n}\n"
FORTI = b"#config-version=FGT60E-6.0.4\nconfig system interface\n    set ip 172.16.0.1 255.255.255.0\nend\n"


def load(files: dict[str, bytes], strict: bool = False) -> validator.Snapshot:
    return load_snapshot_files(files, name="t", source="mem", strict=strict)


def test_ios_and_eos_in_one_snapshot_each_with_its_own_semantics() -> None:
    snap = load({"configs/r1.cfg": IOS_R1, "configs/sw1.cfg": EOS_SW1})
    assert {n: snap.nodes[n].vendor for n in snap.nodes} == {"r1": "cisco_ios", "sw1": "arista_eos"}
    dp = compute_dataplane(snap)
    by = {(r.node, r.network, r.protocol): r for r in dp.routes()}
    # the loopbacks are learned by OSPF (110) and eBGP: IOS prefers eBGP (20), EOS OSPF (eBGP is 200 there)
    assert by[("r1", IPv4Network("10.255.0.2/32"), "bgp")].admin_distance == 20
    assert ("r1", IPv4Network("10.255.0.2/32"), "ospf") not in by
    assert ("sw1", IPv4Network("10.255.0.1/32"), "ospf") in by
    assert ("sw1", IPv4Network("10.255.0.1/32"), "bgp") not in by
    assert by[("sw1", IPv4Network("10.9.0.0/24"), "bgp")].admin_distance == 200
    # the scenario engine agrees with the reference engine on the mixed snapshot
    assert sorted(map(repr, scenario_dataplane(dp, FailureSet()).routes())) == sorted(map(repr, dp.routes()))


def test_every_foreign_file_is_named_and_the_rest_is_loaded() -> None:
    files = {"configs/r1.cfg": IOS_R1, "configs/lb1.cfg": F5, "configs/fw1.cfg": FORTI}
    snap = load(files)
    assert sorted(snap.nodes) == ["r1"]
    errs = {e.file: e.vendor for e in snap.file_errors}
    assert errs == {"configs/fw1.cfg": "Fortinet", "configs/lb1.cfg": "F5 BIG-IP"}
    # r1's LAN holds an address of the F5 file: that interface is partial, pointing at the F5 line
    lan = snap.nodes["r1"].interfaces["GigabitEthernet0/1"]
    assert [(u.file, u.line) for u in lan.unparsed] == [("configs/lb1.cfg", 3)]
    assert not snap.nodes["r1"].interfaces["GigabitEthernet0/0"].unparsed
    with pytest.raises(ConfigParseError, match=r"2 file\(s\): configs/fw1.cfg \(Fortinet\); configs/lb1.cfg"):
        load(files, strict=True)


def test_a_host_behind_an_unknown_device_is_partial() -> None:
    eth0 = b'{"name": "eth0", "prefix": "10.9.0.20/24", "gateway": "10.9.0.7"}'
    host = b'{"hostname": "h1", "hostInterfaces": {"eth0": ' + eth0 + b"}}"
    snap = load({"configs/r1.cfg": IOS_R1, "configs/lb1.cfg": F5, "hosts/h1.json": host})
    assert [(u.file, u.line) for u in snap.nodes["h1"].interfaces["eth0"].unparsed] == [("configs/lb1.cfg", 3)]


def test_a_routing_peer_of_an_unknown_device_makes_its_routing_domain_partial() -> None:
    ios = IOS_R1 + b" neighbor 10.9.0.7 remote-as 65009\n"
    r9 = b"hostname r9\ninterface GigabitEthernet0/0\n ip address 10.0.0.9 255.255.255.254\n"
    files = {"configs/r1.cfg": ios, "configs/sw1.cfg": EOS_SW1, "configs/lb1.cfg": F5, "configs/r9.cfg": r9}
    snap = load(files)
    # r1 peers with the unknown device; sw1 learns routes from r1 (eBGP and OSPF): one domain
    for name in ("r1", "sw1"):
        assert all(i.unparsed for i in snap.nodes[name].interfaces.values()), name
    # r9 runs no routing protocol with them: its routing tables cannot hold the unknown device's routes
    assert not any(i.unparsed for i in snap.nodes["r9"].interfaces.values())


def test_malformed_input_is_still_exit_2() -> None:
    with pytest.raises(ConfigParseError, match="JSON"):
        load({"configs/r1.cfg": IOS_R1, "configs/x.cfg": b'{"hostname": "h"}'}, strict=True)
    snap = load({"configs/r1.cfg": IOS_R1, "configs/x.cfg": b'{"hostname": "h"}'})
    assert [e.vendor for e in snap.file_errors] == [None]


POLICY = """version: 1
zones:
  r1-lo: {nodes: [r1]}
  sw1-lo: {prefixes: [10.255.0.2/32]}
  lan: {prefixes: [10.9.0.128/25]}
policies:
  - {name: lo, type: reachability, from: r1-lo, to: sw1-lo, protocol: tcp, ports: [22], expect: allow}
  - {name: lan, type: reachability, from: r1-lo, to: lan, protocol: tcp, ports: [22], expect: deny}
"""


def _write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def test_check_with_a_foreign_file_reports_it_alone_and_blocks_paths_through_it(tmp_path: Path) -> None:
    files = {"configs/r1.cfg": IOS_R1, "configs/sw1.cfg": EOS_SW1, "configs/lb1.cfg": F5}
    head = _write(tmp_path / "head", files)
    (tmp_path / "p.yaml").write_text(POLICY)
    verdict = validator.check(head=str(head), policies=str(tmp_path / "p.yaml"))
    foreign = [f for f in verdict.findings if f.check == "unsupported_vendor"]
    assert [f.severity for f in foreign] == ["warning"] and "configs/lb1.cfg" in foreign[0].message
    errors = {f.policy: f.status for f in verdict.findings if f.severity == "error"}
    # the IOS-EOS path is decided and holds; the LAN (next to the F5) is undecided, never "denied"
    assert "lo" not in errors and errors.get("lan") == "undecided"
    assert not verdict.passed


def test_changing_a_foreign_file_blocks_and_an_unchanged_one_does_not(tmp_path: Path) -> None:
    base = {"configs/r1.cfg": IOS_R1, "configs/sw1.cfg": EOS_SW1, "configs/fw1.cfg": FORTI}
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.split("  - {name: lan")[0])
    b = _write(tmp_path / "base", base)
    same = _write(tmp_path / "same", {**base, "configs/sw1.cfg": EOS_SW1.replace(b"hostname sw1", b"hostname sw1\n")})
    assert validator.check(head=str(same), base=str(b), policies=str(policy)).passed
    changed = _write(tmp_path / "changed", {**base, "configs/fw1.cfg": FORTI.replace(b"172.16.0.1", b"172.16.0.2")})
    verdict = validator.check(head=str(changed), base=str(b), policies=str(policy))
    assert not verdict.passed
    assert any("configs/fw1.cfg" in f.message and f.severity == "error" for f in verdict.findings)


def _both_engines(snap: validator.Snapshot) -> list[set[tuple[str, IPv4Network, str]]]:
    dp = compute_dataplane(snap)
    return [{(r.node, r.network, r.protocol) for r in d.routes()} for d in (dp, scenario_dataplane(dp, FailureSet()))]


DEFAULT = IPv4Network("0.0.0.0/0")


def test_eos_local_routes_and_default_route_redistribution_follow_batfish() -> None:
    ios_default = IOS_R1 + b" redistribute static\nip route 0.0.0.0 0.0.0.0 Null0\n"
    eos_default = EOS_SW1 + b"   redistribute static\nip route 0.0.0.0/0 Null0\n"
    for protos in _both_engines(load({"configs/r1.cfg": IOS_R1, "configs/sw1.cfg": eos_default})):
        # Arista addresses make no local /32 route (Batfish generateLocalRoute(false)); IOS ones do
        assert ("r1", IPv4Network("10.0.0.0/32"), "local") in protos
        assert not any(n == "sw1" and p == "local" for n, _, p in protos)
        # EOS redistributes its static default into BGP (Batfish's Arista policy does not exclude it)
        assert ("r1", DEFAULT, "bgp") in protos
    for protos in _both_engines(load({"configs/r1.cfg": ios_default, "configs/sw1.cfg": EOS_SW1})):
        # IOS does not without ``default-information originate``
        assert ("r1", DEFAULT, "static") in protos and ("sw1", DEFAULT, "bgp") not in protos


def test_a_policy_naming_a_device_of_an_unsupported_vendor_says_which_files_were_not_read(tmp_path: Path) -> None:
    from validator.errors import PolicyError

    head = _write(tmp_path / "head", {"configs/r1.cfg": IOS_R1, "configs/lb1.cfg": F5})
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nzones:\n  lb: {nodes: [lb1]}\n  r1: {nodes: [r1]}\n"
        "policies:\n  - {name: x, type: reachability, from: r1, to: lb, expect: allow}\n"
    )
    with pytest.raises(PolicyError, match=r"unsupported vendor: configs/lb1\.cfg"):
        validator.check(head=str(head), policies=str(policy))
