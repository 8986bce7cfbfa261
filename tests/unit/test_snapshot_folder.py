"""Loading snapshot folders from disk, including hostile layouts."""

from __future__ import annotations

import os
import shutil
from ipaddress import IPv4Network
from pathlib import Path

import pytest
from snapshot_helpers import SMALL, fake_parser  # noqa: F401  (fixture)

from validator.errors import ConfigParseError, InputError
from validator.model.snapshot import Layer1Edge
from validator.snapshot.folder import load_snapshot

pytestmark = pytest.mark.usefixtures("fake_parser")


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "snap"
    shutil.copytree(SMALL, dst, symlinks=True)
    return dst


def _tree_state(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in sorted(root.rglob("*"))}


def test_small_fixture_everything() -> None:
    before = _tree_state(SMALL)
    snap = load_snapshot(SMALL)
    assert _tree_state(SMALL) == before  # read only
    assert list(snap.nodes) == ["r1", "r2", "web1"]
    assert snap.nodes["web1"].vendor == "host"
    assert snap.nodes["web1"].interfaces["eth0"].acl_in == "filter::INPUT"
    assert snap.layer1 == (
        Layer1Edge("r1", "GigabitEthernet0/0", "r2", "GigabitEthernet0/0"),
        Layer1Edge("r1", "GigabitEthernet0/1", "web1", "eth0"),  # host names are not IOS-canonicalised
    )
    assert snap.blacklisted_interfaces == frozenset({("r2", "GigabitEthernet0/0")})
    assert snap.blacklisted_nodes == frozenset({"web1"})
    assert snap.runtime_line_down == frozenset({("r1", "GigabitEthernet0/1")})
    (ann,) = snap.bgp_announcements
    assert (ann.network, ann.dst_node, ann.as_path) == (
        IPv4Network("198.51.100.0/24"),
        "r1",
        ((65001,), (65002, 65003)),
    )
    assert snap.isp_config is not None and "borderInterfaces" in snap.isp_config
    assert snap.skipped_files == ("configs/.gitkeep",)
    assert "iptables/web1.iptables" in snap.files and "interface_blacklist" in snap.files
    assert snap.source == str(SMALL) and snap.name == "small"


def test_missing_folder_not_a_dir_no_configs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_snapshot(tmp_path / "nope")
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        load_snapshot(f)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="configs/"):
        load_snapshot(tmp_path / "empty")


def test_empty_configs(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    with pytest.raises(InputError, match="snapshot has no device configurations"):
        load_snapshot(tmp_path)


def test_binary_config(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    (snap / "configs" / "r3.cfg").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00")
    with pytest.raises(ConfigParseError, match="binary") as ei:
        load_snapshot(snap)
    assert ei.value.file == "configs/r3.cfg"


def test_duplicate_hostnames(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    (snap / "configs" / "r1-copy.cfg").write_text("hostname r1\n")
    with pytest.raises(InputError, match=r"configs/r1-copy\.cfg") as ei:
        load_snapshot(snap)
    assert "configs/r1.cfg" in str(ei.value)


def test_symlink_escaping_root(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    secret = tmp_path / "secret.cfg"
    secret.write_text("hostname stolen\n")
    os.symlink(secret, snap / "configs" / "evil.cfg")
    with pytest.raises(InputError, match="outside the snapshot") as ei:
        load_snapshot(snap)
    assert ei.value.file == "configs/evil.cfg"


def test_symlinked_dir_escaping_root(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    os.symlink("../..", snap / "configs" / "up")
    with pytest.raises(InputError, match="outside the snapshot"):
        load_snapshot(snap)


def test_symlink_inside_root_is_followed(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    (snap / "shared").mkdir()
    (snap / "shared" / "r3.cfg").write_text("hostname r3\n")
    os.symlink("../shared/r3.cfg", snap / "configs" / "r3.cfg")
    loaded = load_snapshot(snap)
    assert loaded.nodes["r3"].file == "configs/r3.cfg"


def test_dangling_symlink_and_fifo(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    os.symlink("nowhere.cfg", snap / "configs" / "dangling.cfg")
    with pytest.raises(InputError, match="dangling") as ei:
        load_snapshot(snap)
    assert ei.value.file == "configs/dangling.cfg"
    os.unlink(snap / "configs" / "dangling.cfg")
    os.mkfifo(snap / "configs" / "pipe")
    with pytest.raises(InputError, match="not a regular file"):
        load_snapshot(snap)


def test_lenient_mode_records_bad_config(tmp_path: Path) -> None:
    snap = _copy(tmp_path)
    (snap / "configs" / "bad.cfg").write_text("hostname bad\n!FAIL\n")
    loaded = load_snapshot(snap, strict=False)
    assert [e.file for e in loaded.file_errors] == ["configs/bad.cfg"]
    assert "bad" not in loaded.nodes and "r1" in loaded.nodes
