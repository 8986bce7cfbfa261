"""``.pre-commit-hooks.yaml`` run by ``pre-commit try-repo`` in a temporary configuration
repository (snapshot at its root, ``policies/`` beside it): a bad change fails, a good one passes.

The hooks are ``language: system``: they run the ``validator`` of this environment (put first on
PATH), so pre-commit builds no virtualenv and needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gate_helpers import BASE, ROOT, change_dir, git, state_policies_text

pytest.importorskip("pre_commit")

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _put_snapshot(src: Path, root: Path) -> None:
    for sub in ("configs", "hosts", "batfish"):
        if (root / sub).exists():
            shutil.rmtree(root / sub)
        if (src / sub).is_dir():
            shutil.copytree(src / sub, root / sub)


def _config_repo(root: Path, change: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "gate@example.com")
    git(root, "config", "user.name", "gate tests")
    git(root, "config", "commit.gpgsign", "false")
    _put_snapshot(BASE, root)
    (root / "policies").mkdir()
    (root / "policies" / "region.yaml").write_text(state_policies_text())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    _put_snapshot(change, root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", f"change {change.name}")
    return root


def try_repo(repo: Path, hook: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PRE_COMMIT_HOME"] = str(tmp / "pre-commit-home")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    argv = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files", "--verbose"]
    argv += ["--hook-stage", "manual"]
    return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def test_hook_definitions() -> None:
    by_id = {h["id"]: h for h in HOOKS}
    assert by_id["validator-check"]["pass_filenames"] is False
    assert by_id["validator-policies-lint"].get("pass_filenames", True) is True


@pytest.mark.parametrize(("change", "ok"), [("benign", True), ("break-required-flow", False)])
def test_validator_check_hook(change: str, ok: bool, tmp_path: Path) -> None:
    repo = _config_repo(tmp_path / "net", change_dir(change))
    done = try_repo(repo, "validator-check", tmp_path)
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    assert ("Passed" if ok else "Failed") in done.stdout


def test_policies_lint_hook_takes_the_changed_files(tmp_path: Path) -> None:
    repo = _config_repo(tmp_path / "net", change_dir("benign"))
    (repo / "policies" / "extra.yaml").write_text(state_policies_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second policy file")
    good = try_repo(repo, "validator-policies-lint", tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    (repo / "policies" / "extra.yaml").write_text("policies:\n  - name: x\n    type: no-such-type\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken policy file")
    bad = try_repo(repo, "validator-policies-lint", tmp_path)
    assert bad.returncode != 0
    assert "extra.yaml" in bad.stdout
