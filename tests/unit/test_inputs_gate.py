"""Unit tests of the input gate: unread files, overlay hosts, unmodelled removals, state findings, file I/O."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from validator.diff import compute_changeset, unmodelled_findings
from validator.diff.unmodelled import management_head, state_findings
from validator.diff.unread import ignored, unread_changes, unread_findings
from validator.errors import InputError, PolicyError
from validator.fileio import decode_text, max_file_bytes, read_regular_file
from validator.model.snapshot import Snapshot
from validator.snapshot.loader import load_snapshot_files

R1 = """\
hostname r1
!
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
!
interface GigabitEthernet0/1
 ip address 10.0.1.1 255.255.255.0
!
"""
MANGLE = """\
*mangle
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -s 192.0.2.0/24 -j DROP
-A POSTROUTING -p tcp --dport 23 -j DROP
COMMIT
"""
OVERLAY = b'{"hostname": "R1", "overlay": true, "iptablesFile": "iptables/r1.iptables"}'


def load(files: dict[str, str | bytes]) -> Snapshot:
    raw = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
    return load_snapshot_files(raw, name="t", source="mem", strict=False)


# --- overlay host files (Batfish: the device gets the overlay's mangle chains as filters) -------


def test_overlay_host_adds_iptables_to_the_router_of_the_same_name() -> None:
    snap = load({"configs/r1.cfg": R1, "hosts/r1.json": OVERLAY, "iptables/r1.iptables": MANGLE})
    assert snap.file_errors == ()
    assert list(snap.nodes) == ["r1"]  # no second node, no duplicate-hostname refusal
    node = snap.nodes["r1"]
    for name in ("GigabitEthernet0/0", "GigabitEthernet0/1"):
        iface = node.interfaces[name]
        assert iface.acl_in == f"iptables_{name}_ingress"
        assert iface.acl_out == f"iptables_{name}_egress"
    ingress = node.acls["iptables_GigabitEthernet0/0_ingress"]
    assert [ln.action for ln in ingress.lines] == ["deny", "permit"]  # the rule, then the chain policy
    assert ingress.unparsed == ()
    assert "iptables/r1.iptables" not in snap.unread_files


def test_overlay_rule_with_an_interface_match_makes_the_filter_partial() -> None:
    ipt = MANGLE.replace("-A PREROUTING -s 192.0.2.0/24", "-A PREROUTING -i eth0 -s 192.0.2.0/24")
    snap = load({"configs/r1.cfg": R1, "hosts/r1.json": OVERLAY, "iptables/r1.iptables": ipt})
    acl = snap.nodes["r1"].acls["iptables_GigabitEthernet0/0_ingress"]
    assert [ref.line for ref in acl.unparsed] == [4]


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ({"hosts/r1.json": OVERLAY.replace(b'"R1"', b'"r9"')}, "no device configuration has that hostname"),
        ({"iptables/r1.iptables": "*filter\n:INPUT DROP [0:0]\nCOMMIT\n"}, "only mangle"),
        ({"configs/r1.cfg": R1 + "ip access-list extended X\n permit ip any any\n!\n"}, "already has ACLs"),
    ],
)
def test_overlay_that_batfish_cannot_merge_is_a_file_error(files: dict[str, str | bytes], needle: str) -> None:
    base: dict[str, str | bytes] = {"configs/r1.cfg": R1, "hosts/r1.json": OVERLAY, "iptables/r1.iptables": MANGLE}
    snap = load({**base, **files})
    assert [e.file for e in snap.file_errors] == ["hosts/r1.json"]
    assert needle in snap.file_errors[0].message


# --- unread files -------------------------------------------------------------------------------


def test_loader_lists_what_it_does_not_read() -> None:
    host = '{"hostname": "h1", "iptablesFile": "iptables/h1", "hostInterfaces": {"eth0": {"prefix": "10.0.0.5/24"}}}'
    snap = load(
        {
            "configs/r1.cfg": R1,
            "hosts/h1.json": host,
            "iptables/h1": "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
            "iptables/orphan": "*filter\nCOMMIT\n",
            "aws_configs/vpc.json": "{}",
            "batfish/layer1_topology.json": '{"edges": []}',
            "layer1_topology.json": '{"edges": []}',  # second copy: batfish/ wins, this one is unread
            ".gitkeep": "",
            "photo.png": b"\x89PNG\x00\x00",
        }
    )
    assert snap.unread_files == ("aws_configs/vpc.json", "iptables/orphan", "layer1_topology.json", "photo.png")


def test_unread_changes_compare_bytes_and_respect_globs() -> None:
    base = load({"configs/r1.cfg": R1, "aws_configs/a.json": "{}", "docs/x.md": "a", "same.txt": "s"})
    head = load(
        {"configs/r1.cfg": R1, "aws_configs/a.json": "{ }", "docs/x.md": "b", "same.txt": "s", "new.bin": b"\0"}
    )
    assert unread_changes(base, head) == ["aws_configs/a.json", "docs/x.md", "new.bin"]
    assert unread_changes(base, head, ["docs", "*.bin"]) == ["aws_configs/a.json"]
    [f] = unread_findings(["new.bin"], base, head)
    assert f.check == "unread" and f.severity == "error" and "unread file added: new.bin" in f.message


@pytest.mark.parametrize(
    ("path", "patterns", "want"),
    [
        ("aws_configs/a/b.json", ["aws_configs"], True),
        ("aws_configs/a/b.json", ["aws_configs/"], True),
        ("aws_configs/a/b.json", ["aws_configs/*"], True),
        ("aws_configs/a/b.json", ["*.json"], True),
        ("aws_configs/a/b.json", ["aws"], False),
        ("README.md", ["./README.md"], True),
        ("README.md", [""], False),
    ],
)
def test_ignore_globs(path: str, patterns: list[str], want: bool) -> None:
    assert ignored(path, patterns) is want


# --- removed unmodelled lines and the management plane -----------------------------------------


def _change(base_cfg: str, head_cfg: str) -> list[str]:
    base = load({"configs/r1.cfg": base_cfg})
    head = load({"configs/r1.cfg": head_cfg})
    return [f.message for f in unmodelled_findings(compute_changeset(base, head))]


def test_removed_unmodelled_stanza_names_every_base_line() -> None:
    base = R1 + "router eigrp 1\n network 10.0.0.0\n!\nip nat inside source static 10.0.0.5 198.51.100.5\n"
    msgs = _change(base, R1)
    assert any("configs/r1.cfg:9 (base revision, line removed)" in m and "router eigrp 1" in m for m in msgs)
    assert any("configs/r1.cfg:10 (base revision, line removed)" in m for m in msgs)
    assert any("configs/r1.cfg:12 (base revision, line removed)" in m and "ip nat" in m for m in msgs)


def test_removed_interface_child_line_is_unmodelled() -> None:
    base = R1.replace(
        " ip address 10.0.1.1 255.255.255.0\n", " ip address 10.0.1.1 255.255.255.0\n ip policy route-map PBR\n"
    )
    msgs = _change(base, R1)
    assert len(msgs) == 1 and "configs/r1.cfg:8 (base revision, line removed)" in msgs[0]


def test_modelled_removal_is_not_unmodelled() -> None:
    base = R1 + "ip route 10.9.0.0 255.255.0.0 10.0.0.2\n"
    assert _change(base, R1) == []


@pytest.mark.parametrize(
    ("base_extra", "head_extra", "blocks"),
    [
        # modelled since the management plane is (validator.model.management): real changes,
        # analysed by the management policy, not unmodelled ones
        ("logging host 10.9.9.1\n", "logging host 10.9.9.2\n", False),
        ("ntp server 10.9.9.1\n", "", False),
        ("", "snmp-server community public RO\n", False),
        ("line vty 0 4\n transport input ssh\n", "line vty 0 4\n transport input all\n", False),
        ("aaa new-model\n", "no aaa new-model\n", False),
        ("username admin secret 5 x\n", "", True),
        ("enable secret 5 x\n", "enable secret 5 y\n", True),
        # shared secrets with servers outside the snapshot stay unmodelled
        (
            "tacacs server T\n address ipv4 10.8.0.10\n key 0 a\n",
            "tacacs server T\n address ipv4 10.8.0.10\n key 0 b\n",
            True,
        ),
        ("tacacs-server host 10.8.0.10 key a\n", "tacacs-server host 10.8.0.10 key b\n", True),
        ("ntp authentication-key 1 md5 a\n", "ntp authentication-key 1 md5 b\n", True),
        ("service timestamps debug uptime\n", "", False),
        ("banner motd ^C hi ^C\n", "", False),
        ("ip domain name example.net\n", "ip domain name example.org\n", False),
    ],
)
def test_management_plane_changes_block(base_extra: str, head_extra: str, blocks: bool) -> None:
    msgs = _change(R1 + base_extra, R1 + head_extra)
    assert any("management-plane line" in m or "shared secret" in m for m in msgs) is blocks, msgs


@pytest.mark.parametrize(
    ("base_cfg", "head_cfg", "needle"),
    [
        (R1 + "control-plane\n service-policy input COPP\n", R1 + "control-plane\n", "control-plane policing"),
        (R1.replace(" ip address 10.0.0.1", " no switchport\n ip address 10.0.0.1"), R1, "port mode"),
    ],
)
def test_ignored_lines_that_can_change_behaviour_block(base_cfg: str, head_cfg: str, needle: str) -> None:
    assert any(needle in m for m in _change(base_cfg, head_cfg))


def test_bgp_password_change_is_modelled_not_unmodelled() -> None:
    base = R1 + "router bgp 65001\n neighbor 10.0.0.2 remote-as 65002\n neighbor 10.0.0.2 password a\n"
    assert _change(base, base.replace("password a", "password b")) == []


def test_management_head_words() -> None:
    assert management_head(["username", "admin", "secret", "5", "x"]) == "username"
    assert management_head(["no", "enable", "password"]) == "enable"
    assert management_head(["ip", "tacacs", "source-interface", "Loopback0"]) is None  # modelled
    assert management_head(["lineage", "3"]) is None
    assert management_head(["ip", "route", "0.0.0.0", "0.0.0.0", "10.0.0.1"]) is None


# --- state mode ---------------------------------------------------------------------------------


def test_state_findings_name_every_line_not_understood() -> None:
    snap = load({"configs/r1.cfg": R1 + "router bgp notanumber\nfrobnicate\n"})
    findings = state_findings(snap)
    assert [f.locations[0].line for f in findings] == [9, 10]
    assert all(f.severity == "error" and f.check == "not_understood" for f in findings)
    assert "not understood at configs/r1.cfg:9" in findings[0].message
    assert state_findings(load({"configs/r1.cfg": R1 + "service timestamps debug uptime\n"})) == []


# --- file I/O -----------------------------------------------------------------------------------


def test_read_regular_file_refuses_fifo_directory_and_device(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_regular_file(fifo)
    with pytest.raises(PolicyError, match="directory"):
        read_regular_file(tmp_path, error=PolicyError)
    if os.path.exists("/dev/zero"):
        with pytest.raises(InputError, match="device"):
            read_regular_file("/dev/zero")
    with pytest.raises(InputError, match="no such file"):
        read_regular_file(tmp_path / "missing")
    ok = tmp_path / "ok"
    ok.write_bytes(b"abc")
    assert read_regular_file(ok) == b"abc"


def test_size_cap_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_file_bytes() == 32 * 1024 * 1024
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    monkeypatch.setenv("VALIDATOR_MAX_FILE_BYTES", "10")
    with pytest.raises(InputError, match="11 bytes, the limit is 10 bytes"):
        read_regular_file(path)
    monkeypatch.setenv("VALIDATOR_MAX_FILE_BYTES", "lots")
    with pytest.raises(InputError, match="VALIDATOR_MAX_FILE_BYTES"):
        max_file_bytes()


def test_decode_text_refuses_binary_and_non_utf8() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_text(b"a\nb\x00", "f")
    with pytest.raises(InputError, match="UTF-8") as exc:
        decode_text(b"ok\n\xff\n", "f")
    assert exc.value.line == 2
    assert decode_text("\ufeffhé".encode(), "f") == "hé"


def test_overlay_fixture_filters_traffic_like_batfish() -> None:
    """fixtures/unit/overlay: r1's overlay drops telnet from its LAN entering any interface."""
    from ipaddress import IPv4Address

    from validator.engine.dataplane import compute_dataplane
    from validator.engine.traceroute import trace
    from validator.model.flow import Flow
    from validator.snapshot.folder import load_snapshot

    snap = load_snapshot(Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "overlay")
    assert sorted(snap.nodes) == ["r1", "r2"] and snap.file_errors == ()
    assert snap.warnings == []  # nothing the gate did not understand: a state check may pass
    dp = compute_dataplane(snap)

    def disposition(port: int) -> str:
        flow = Flow(
            "r1", IPv4Address("10.1.0.10"), IPv4Address("10.2.0.10"), "GigabitEthernet0/1", ip_protocol=6, dst_port=port
        )
        return str(trace(dp, flow)[0].disposition)

    assert disposition(23) == "DENIED_IN"
    assert disposition(22) == "DELIVERED_TO_SUBNET"


@pytest.mark.parametrize(
    ("snapshot_path", "policies", "want"),
    [
        (".", "policies", ["policies"]),
        ("net", "net/policies", ["policies"]),
        ("net", "policies", []),
        ("", "p/", ["p"]),
    ],
)
def test_git_mode_policies_inside_the_snapshot_are_not_unread(
    snapshot_path: str, policies: str, want: list[str]
) -> None:
    from validator.inputs import _repo_own_paths

    assert _repo_own_paths(snapshot_path, policies) == want
