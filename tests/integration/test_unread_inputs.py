"""Changes the gate cannot read never pass, and inputs stay bounded (folder and git mode, end to end).

- removing an unmodelled line or stanza blocks (exit 1) naming the base file:line;
- a changed local credential (username, enable) blocks; modelled management lines are analysed;
- a changed file the loader does not read is listed in ``change.unread`` and blocks, unless
  declared with ``--ignore-path``;
- a snapshot checked alone with lines the parser could not read blocks ("not understood");
- FIFOs, devices, directories, binary and oversized files are refused with exit 2, one line.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import BASE, GitRepo, Run, assert_one_line_error, copy_base, git, run_cli, run_subprocess

# reachability only (fast), naming only edge1 and the web hosts
WEB_ONLY = """\
version: 1
zones:
  internet: {interfaces: ["edge1[GigabitEthernet0/0]"]}
  web: {nodes: ["/^az[0-9]+-web$/"]}
policies:
  - {name: web-open, type: reachability, from: internet, to: web, protocol: tcp, ports: [80, 443], expect: allow}
"""
CFG = "configs/az1-r1.cfg"


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    path = tmp_path / "web-only.yaml"
    path.write_text(WEB_ONLY)
    return path


def _check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, head: Path, base: Path | None, policies: Path, *extra: str
) -> tuple[Run, dict[str, object]]:
    out = tmp_path / "verdict.json"
    argv = ["check", "--head-dir", str(head), "--policies", str(policies), "--format", "json", "--output", str(out)]
    if base is not None:
        argv += ["--base-dir", str(base)]
    run = run_cli(capsys, [*argv, *extra])
    doc = json.loads(out.read_text()) if out.exists() else {}
    return run, doc


def _errors(doc: dict[str, object]) -> list[dict[str, object]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["severity"] == "error"]


def _edit(snap: Path, rel: str, old: str, new: str) -> None:
    path = snap / rel
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


# --- removed unmodelled lines -------------------------------------------------------------------

IFACE = "interface GigabitEthernet3/0\n description web LAN gateway for az1-web\n"


@pytest.mark.parametrize(
    ("what", "old", "new", "removed"),
    [
        (
            "nat",
            "!\nrouter ospf 1\n",
            "!\nip nat inside source static 10.1.10.5 198.51.100.5\n!\nrouter ospf 1\n",
            "ip nat inside source static 10.1.10.5 198.51.100.5",
        ),
        ("pbr", IFACE, IFACE + " ip policy route-map PBR\n", "ip policy route-map PBR"),
        ("eigrp", "!\nrouter ospf 1\n", "!\nrouter eigrp 1\n network 10.0.0.0\n!\nrouter ospf 1\n", "router eigrp 1"),
        (
            "username",
            "!\nrouter ospf 1\n",
            "!\nusername noc secret 5 x\n!\nrouter ospf 1\n",
            "username noc secret 5 x",
        ),
    ],
)
def test_removing_an_unmodelled_line_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path, what: str, old: str, new: str, removed: str
) -> None:
    base = copy_base(tmp_path / "base")
    _edit(base, CFG, old, new)
    line = [x.strip() for x in (base / CFG).read_text().splitlines()].index(removed) + 1
    run, doc = _check(capsys, tmp_path, BASE, base, policies)
    assert run.code == 1, run.err
    msgs = [f["message"] for f in _errors(doc) if f["check"] == "unmodelled"]
    assert any(f"unmodelled change at {CFG}:{line} (base revision, line removed)" in m for m in msgs), msgs


@pytest.mark.parametrize(
    ("base_line", "head_line"),
    [
        ("logging host 10.9.9.1\n", "logging host 10.9.9.2\n"),
        ("ntp server 10.9.9.1\n", ""),
        ("snmp-server community public RO\n", "snmp-server community private RO\n"),
        ("line vty 0 4\n transport input ssh\n", "line vty 0 4\n transport input telnet ssh\n"),
        ("aaa new-model\n", ""),
        ("ip tacacs source-interface Loopback0\n", ""),
        ("username noc secret 5 x\n", "username noc secret 5 y\n"),
    ],
)
def test_a_changed_management_plane_line_is_analysed_or_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path, base_line: str, head_line: str
) -> None:
    """Modelled management lines (validator.model.management) are real changes, judged by the
    policies (here reachability only: pass); local credentials are still unmodelled: block."""
    base = copy_base(tmp_path / "base")
    head = copy_base(tmp_path / "head")
    _edit(base, CFG, "!\nrouter ospf 1\n", f"!\n{base_line}!\nrouter ospf 1\n")
    _edit(head, CFG, "!\nrouter ospf 1\n", f"!\n{head_line}!\nrouter ospf 1\n")
    run, doc = _check(capsys, tmp_path, head, base, policies)
    unmodelled = base_line.startswith("username")
    assert run.code == (1 if unmodelled else 0), (run.err, _errors(doc))
    assert any("management-plane line" in str(f["message"]) for f in _errors(doc)) is unmodelled


def test_an_ignored_line_that_cannot_change_behaviour_does_not_block(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path
) -> None:
    base = copy_base(tmp_path / "base")
    head = copy_base(tmp_path / "head")
    _edit(base, CFG, "!\nrouter ospf 1\n", "!\nservice timestamps debug datetime msec\n!\nrouter ospf 1\n")
    run, doc = _check(capsys, tmp_path, head, base, policies)
    assert run.code == 0, (run.err, _errors(doc))


# --- unread files -------------------------------------------------------------------------------


def test_a_changed_unread_file_blocks_unless_ignored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path
) -> None:
    head = copy_base(tmp_path / "head")
    (head / "aws_configs").mkdir()
    (head / "aws_configs" / "vpc.json").write_text('{"Vpcs": []}\n')
    (head / "NOTES.bin").write_bytes(b"\x00\x01binary")
    run, doc = _check(capsys, tmp_path, head, BASE, policies)
    assert run.code == 1, run.err
    change = doc["change"]
    assert isinstance(change, dict)
    assert change["unread"] == ["NOTES.bin", "aws_configs/vpc.json"]
    msgs = [str(f["message"]) for f in _errors(doc) if f["check"] == "unread"]
    assert len(msgs) == 2 and "aws_configs/vpc.json" in msgs[1] and "--ignore-path" in msgs[1]

    ignores = ("--ignore-path", "aws_configs", "--ignore-path", "*.bin")
    run2, doc2 = _check(capsys, tmp_path, head, BASE, policies, *ignores)
    assert run2.code == 0, (run2.err, _errors(doc2))
    change2 = doc2["change"]
    assert isinstance(change2, dict) and change2["unread"] == []


def test_ignore_path_never_hides_a_file_the_loader_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path
) -> None:
    head = copy_base(tmp_path / "head")
    _edit(head, CFG, "!\nrouter ospf 1\n", "!\nip nat inside source static 10.1.10.5 198.51.100.5\n!\nrouter ospf 1\n")
    run, _doc = _check(capsys, tmp_path, head, BASE, policies, "--ignore-path", "configs/*")
    assert run.code == 1


def test_library_ignore_paths(tmp_path: Path, policies: Path) -> None:
    import validator

    head = copy_base(tmp_path / "head")
    (head / "docs").mkdir()
    (head / "docs" / "README.md").write_text("not network state\n")
    assert not validator.check(head=head, base=BASE, policies=policies).passed
    verdict = validator.check(head=head, base=BASE, policies=policies, ignore_paths=["docs/"])
    assert verdict.passed, [f.message for f in verdict.findings]


def test_git_mode_unread_file_blocks_unless_ignored(
    capsys: pytest.CaptureFixture[str], repo_factory: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = repo_factory(BASE)
    (repo.path / "network" / "aws_configs").mkdir()
    (repo.path / "network" / "aws_configs" / "vpc.json").write_text("{}\n")
    git(repo.path, "add", "-A")
    git(repo.path, "commit", "-q", "-m", "aws")
    out = tmp_path / "v.json"
    argv = [
        "check",
        "--repo",
        str(repo.path),
        "--base",
        "main",
        "--snapshot",
        "network",
        "--format",
        "json",
        "--output",
        str(out),
    ]
    run = run_cli(capsys, argv)
    assert run.code == 1, run.err
    assert json.loads(out.read_text())["change"]["unread"] == ["aws_configs/vpc.json"]
    run2 = run_cli(capsys, [*argv, "--ignore-path", "aws_configs/*"])
    assert run2.code == 0, run2.err


# --- state mode ---------------------------------------------------------------------------------


def test_state_mode_with_a_line_not_understood_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path
) -> None:
    head = copy_base(tmp_path / "head")
    _edit(head, CFG, "!\nrouter ospf 1\n", "!\nrouter bgp notanumber\n!\nrouter ospf 1\n")
    line = (head / CFG).read_text().splitlines().index("router bgp notanumber") + 1
    run, doc = _check(capsys, tmp_path, head, None, policies)
    assert run.code == 1, run.err
    assert any(f"not understood at {CFG}:{line}" in str(f["message"]) for f in _errors(doc))
    # the untouched base on its own passes: nothing it cannot read
    run2, doc2 = _check(capsys, tmp_path, BASE, None, policies)
    assert run2.code == 0, _errors(doc2)


# --- hostile inputs -----------------------------------------------------------------------------


def test_policies_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "policies.yaml"
    os.mkfifo(fifo)
    run = run_subprocess(["check", "--head-dir", str(BASE), "--policies", str(fifo)])
    assert_one_line_error(run, str(fifo), "FIFO")
    lint = run_subprocess(["policies", "lint", str(fifo)])
    assert lint.code == 2 and "FIFO" in lint.out + lint.err


def test_policies_device_directory_and_binary_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if os.path.exists("/dev/zero"):
        run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", "/dev/zero"])
        assert_one_line_error(run, "/dev/zero", "device")
    folder = tmp_path / "pols"
    (folder / "x.yaml").mkdir(parents=True)
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(folder)])
    assert_one_line_error(run, "x.yaml", "directory")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"version: 1\x00\x00")
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(binary)])
    assert_one_line_error(run, "bin.yaml:1", "unreadable")


def test_size_cap_for_policies_and_configs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALIDATOR_MAX_FILE_BYTES", "200")
    run = run_cli(capsys, ["policies", "lint", str(policies)])
    assert run.code == 2
    assert "web-only.yaml" in run.out and "limit is 200 bytes" in run.out and "VALIDATOR_MAX_FILE_BYTES" in run.out
    monkeypatch.setenv("VALIDATOR_MAX_FILE_BYTES", str(len(WEB_ONLY) + 10))
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(policies)])
    assert_one_line_error(run, "configs/", "too large")


def test_intent_fifo_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, policies: Path) -> None:
    fifo = tmp_path / "intent.yaml"
    os.mkfifo(fifo)
    run = run_cli(
        capsys,
        ["check", "--head-dir", str(BASE), "--base-dir", str(BASE), "--policies", str(policies), "--intent", str(fifo)],
    )
    assert_one_line_error(run, "intent.yaml", "FIFO")


def test_git_blob_over_the_cap_is_refused_before_reading(
    capsys: pytest.CaptureFixture[str], repo_factory: Callable[..., GitRepo], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(BASE)
    (repo.path / "network" / "configs" / "big.cfg").write_text("!\n" * 5000)
    git(repo.path, "add", "-A")
    git(repo.path, "commit", "-q", "-m", "big")
    monkeypatch.setenv("VALIDATOR_MAX_FILE_BYTES", "5000")
    run = run_cli(capsys, ["check", "--repo", str(repo.path), "--base", "main", "--snapshot", "network"])
    assert_one_line_error(run, "configs/big.cfg", "too large", "limit is 5000 bytes")


def test_policies_kept_inside_the_head_folder_are_not_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = copy_base(tmp_path / "head")
    (head / "policies").mkdir()
    inside = head / "policies" / "web-only.yaml"
    inside.write_text(WEB_ONLY)
    run, doc = _check(capsys, tmp_path, head, BASE, inside)
    assert run.code == 0, (run.err, _errors(doc))


# --- overlay host files -------------------------------------------------------------------------

OVERLAY_POLICIES = """\
version: 1
zones:
  lan1: {interfaces: ["r1[GigabitEthernet0/1]"]}
  lan2: {prefixes: [10.2.0.0/24]}
policies:
  - {name: no-telnet, type: reachability, from: lan1, to: lan2, protocol: tcp, ports: [23], expect: deny}
  - {name: ssh-open, type: reachability, from: lan1, to: lan2, protocol: tcp, ports: [22], expect: allow}
"""


def test_overlay_host_file_filters_the_router_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "overlay"
    policies = tmp_path / "overlay.yaml"
    policies.write_text(OVERLAY_POLICIES)
    run, doc = _check(capsys, tmp_path, fixture, None, policies)
    assert run.code == 0, (run.err, _errors(doc))
    # without the overlay, telnet gets through: the deny policy blocks
    bare = tmp_path / "bare"
    shutil.copytree(fixture, bare)
    (bare / "hosts" / "r1-overlay.json").unlink()
    run2, doc2 = _check(capsys, tmp_path, bare, None, policies)
    assert run2.code == 1
    assert {f["policy"] for f in _errors(doc2)} == {"no-telnet"}
