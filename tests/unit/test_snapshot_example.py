"""Loading Batfish's example snapshots (read from ../shared) with the real IOS parser.

The node-to-file map and formats are checked against Batfish's own ``init.ref`` answer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from snapshot_helpers import BATFISH_EXAMPLE

from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot
from validator.snapshot.git import load_snapshot_at

if not BATFISH_EXAMPLE.is_dir():
    pytest.skip(f"Batfish example not found at {BATFISH_EXAMPLE}", allow_module_level=True)

_FORMATS = {"CISCO_IOS": "cisco_ios", "HOST": "host"}


def _load(name: str) -> Snapshot:
    path = BATFISH_EXAMPLE / name
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return load_snapshot(path)


def test_live_matches_batfish_init_answer() -> None:
    ref_path = BATFISH_EXAMPLE / "answers" / "init.ref"
    if not ref_path.is_file():
        pytest.skip(f"{ref_path} not found")
    parse = json.loads(ref_path.read_text())["answerElements"][0]
    snap = _load("live")
    expected = {node: files[0] for node, files in parse["fileMap"].items() if not node.startswith("iptables/")}
    assert {n: node.file for n, node in snap.nodes.items()} == expected
    for file, fmt in parse["fileFormats"].items():
        if fmt in _FORMATS:
            node = next(n for n in snap.nodes.values() if n.file == file)
            assert node.vendor == _FORMATS[fmt]
        assert file in snap.files
    assert snap.file_errors == ()
    assert snap.layer1 is None and snap.blacklisted_interfaces == frozenset() and snap.bgp_announcements == ()


def test_live_hosts() -> None:
    snap = _load("live")
    host1 = snap.nodes["host1"]
    (route,) = host1.static_routes
    assert (str(route.network), route.next_hop_interface, str(route.next_hop_ip)) == ("0.0.0.0/0", "eth0", "2.128.0.1")
    eth0 = host1.interfaces["eth0"]
    assert (eth0.acl_in, eth0.acl_out, str(eth0.addresses[0])) == ("filter::INPUT", "filter::OUTPUT", "2.128.0.101/24")
    # host1's INPUT (policy DROP) accepts udp/53 and tcp/22 only (semantics §8c REF)
    inp = host1.acls["filter::INPUT"]
    assert [(ln.action, ln.protocol, ln.dst_ports) for ln in inp.lines] == [
        ("permit", 17, ((53, 53),)),
        ("permit", 6, ((22, 22),)),
        ("deny", None, ()),
    ]


def test_interface_outage_blacklist() -> None:
    snap = _load("live-with-interface-outage")
    assert snap.blacklisted_interfaces == frozenset({("as2border2", "GigabitEthernet0/0")})
    assert "GigabitEthernet0/0" in snap.nodes["as2border2"].interfaces


def test_bgp_announcements() -> None:
    snap = _load("live-with-bgp-announcements")
    (ann,) = snap.bgp_announcements
    assert (str(ann.network), ann.dst_node, ann.as_path, ann.med) == (
        "4.0.0.0/8",
        "as1border2",
        ((1239,), (7018, 7019)),
        20,
    )
    assert ann.dst_node in snap.nodes


def test_isp_config_kept_as_dict() -> None:
    snap = _load("live-with-isp")
    assert snap.isp_config is not None
    assert len(snap.isp_config["borderInterfaces"]) == 2
    assert "example-network-isp.png" not in snap.files  # binary picture beside the snapshot is not text


@pytest.mark.skipif(shutil.which("git") is None, reason="git executable not installed")
def test_git_and_folder_loading_agree(tmp_path: Path) -> None:
    folder = _load("live")
    repo = tmp_path / "repo"
    shutil.copytree(BATFISH_EXAMPLE / "live", repo / "snap")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "live"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    from_git = load_snapshot_at(repo, "HEAD", "snap")
    assert from_git.nodes == folder.nodes
    assert from_git.files == folder.files
