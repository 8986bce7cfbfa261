"""Exit codes are sacred (issue 10, item 1): a reader that closes the pipe early, or a closed
stderr, never changes the exit code. Real subprocesses; the pipe's read end is closed before the
command starts, so every write fails with EPIPE (the worst case of ``| head -1``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from harden_helpers import OSCILLATION, OSCILLATION_POLICIES, PAIR, ROOT, run_cli

LINK_A = "link:a[GigabitEthernet0/1]"
POL = str(PAIR / "policies.yaml")
BASE = str(PAIR / "base")
BLOCKED = str(PAIR / "blocked")

COMMANDS = [
    ("check-pass", ["check", "--base-dir", BASE, "--head-dir", BASE, "--policies", POL], 0),
    ("check-blocked", ["check", "--base-dir", BASE, "--head-dir", BLOCKED, "--policies", POL], 1),
    ("check-bad-input", ["check", "--head-dir", BASE, "--policies", str(PAIR / "missing.yaml")], 2),
    ("check-not-converged", ["check", "--head-dir", str(OSCILLATION), "--policies", str(OSCILLATION_POLICIES)], 3),
    ("plan", ["plan", "--base-dir", BASE, "--head-dir", BLOCKED, "--policies", POL], 0),
    ("whatif-blocked", ["whatif", "--snapshot-dir", BASE, "--fail", LINK_A, "--policies", POL], 1),
    ("routes", ["routes", "--snapshot-dir", BASE], 0),
    ("trace", ["trace", "--snapshot-dir", BASE, "--from", "a", "--dst", "10.255.0.2"], 0),
    ("lint-bad", ["policies", "lint", str(PAIR / "base" / "configs" / "a.cfg")], 2),
    ("compare-engines-no-batfish", ["compare-engines", "--snapshot-dir", BASE, "--batfish-host", "127.0.0.1:9"], 3),
]


@pytest.mark.parametrize(("args", "code"), [(a, c) for _n, a, c in COMMANDS], ids=[n for n, _a, _c in COMMANDS])
def test_closed_stdout_keeps_the_exit_code(args: list[str], code: int) -> None:
    res = run_cli(args, close=("stdout",))
    assert res.code == code, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [(a, c) for n, a, c in COMMANDS if n in ("check-blocked", "check-bad-input")],
)
def test_closed_stdout_and_stderr_keep_the_exit_code(args: list[str], code: int) -> None:
    assert run_cli(args, close=("stdout", "stderr")).code == code


def test_lease_list_with_closed_stdout(tmp_path: Path) -> None:
    git = shutil.which("git")
    assert git is not None
    repo = tmp_path / "r"
    subprocess.run([git, "init", "-q", str(repo)], check=True)
    assert run_cli(["lease", "list", "--repo", str(repo)], close=("stdout", "stderr")).code == 0
    assert run_cli(["lease", "list", "--repo", str(tmp_path / "missing")], close=("stdout",)).code == 2


def test_head_one_with_pipefail_reports_the_block() -> None:
    """The issue's CI line: ``set -o pipefail; validator check … | head -1`` must fail."""
    bash = shutil.which("bash")
    assert bash is not None
    cmd = (
        f"set -o pipefail; python -m validator check --base-dir {BASE} --head-dir {BLOCKED} --policies {POL}"
        " | head -1 >/dev/null"
    )
    env_python = Path(__import__("sys").executable).parent
    proc = subprocess.run(
        [bash, "-c", cmd], cwd=ROOT, env={"PATH": f"{env_python}:/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    )
    assert proc.returncode == 1


def test_closed_descriptors_keep_the_exit_code() -> None:
    """``>&- 2>&-``: Python starts with sys.stdout/sys.stderr set to None; the block still exits 1."""
    bash = shutil.which("bash")
    assert bash is not None
    env_python = Path(__import__("sys").executable).parent
    cmd = f"python -m validator check --base-dir {BASE} --head-dir {BLOCKED} --policies {POL} >&- 2>&-"
    proc = subprocess.run(
        [bash, "-c", cmd], cwd=ROOT, env={"PATH": f"{env_python}:/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    )
    assert proc.returncode == 1
