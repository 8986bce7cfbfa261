"""Helpers for the end-to-end gate tests (``validator check`` on folders and git revisions).

A module with a unique name (imported as ``gate_helpers``) so that test modules can import it;
the fixtures built on it live in conftest.py.

The region fixture (fixtures/README.md) is the input. Most tests use the *state* policies:
region.yaml without its ``redundancy`` and ``blast_radius`` policies (derived here, so that it
never drifts from the fixture's file), which keeps them fast; the failure-sweep fixtures are
checked with the full region.yaml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from validator.cli import main

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "fixtures" / "region"
BASE = REGION / "base"
CHANGES = REGION / "changes"
LATENT = REGION / "latent-fault"
REGION_POLICIES = REGION / "policies" / "region.yaml"
EXAMPLE = (ROOT / ".." / "shared" / "reference" / "batfish-example").resolve()

SWEEP_TYPES = ("redundancy", "blast_radius")

# fixtures/README.md's table, restricted to the state policies (no inter-az / staged):
# change -> (verdict, policies with an error finding)
EXPECTED_STATE: dict[str, tuple[str, frozenset[str]]] = {
    "benign": ("pass", frozenset()),
    "break-required-flow": (
        "block",
        frozenset({"web-open", "no-regress-web", "az1-to-az2", "az3-to-az2", "no-regress-region"}),
    ),
    "open-forbidden-flow": ("block", frozenset({"db-closed"})),
    "intent-exact": ("pass", frozenset()),
    "intent-more": ("block", frozenset({"no-regress-web"})),
}


def error_policies(doc: dict[str, Any]) -> set[str]:
    """Policies with an error-severity finding in a verdict JSON document."""
    return {f["policy"] for f in doc["findings"] if f["severity"] == "error"}


def state_policies_text() -> str:
    """region.yaml without the failure-sweep policies (``inter-az``, ``staged``)."""
    doc = yaml.safe_load(REGION_POLICIES.read_text())
    doc["policies"] = [p for p in doc["policies"] if p["type"] not in SWEEP_TYPES]
    assert {p["name"] for p in doc["policies"]} >= {"web-open", "db-closed", "no-regress-web"}
    return yaml.safe_dump(doc, sort_keys=False)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], argv: Sequence[str]) -> Run:
    """``validator`` in process; stdout/stderr as the user sees them."""
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    cap = capsys.readouterr()
    return Run(code, cap.out, cap.err)


def run_subprocess(argv: Sequence[str], cwd: Path | None = None) -> Run:
    """``python -m validator`` in a child process: covers the real entry point and exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.setdefault("VALIDATOR_PROGRESS", "0")  # a slow machine must not add a progress line to stderr
    proc = subprocess.run(
        [sys.executable, "-m", "validator", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(run: Run, *needles: str) -> None:
    """Exit 2, nothing on stdout, exactly one stderr line naming what is wrong, no traceback."""
    assert run.code == 2, (run.code, run.err, run.out[:500])
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    assert lines[0].startswith("validator: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# --- git ---------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # our own `git status` must not refresh the index
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def copy_snapshot(src: Path, dst: Path) -> None:
    """The snapshot part of a fixture folder (hidden files such as .validator/ stay out)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for child in src.iterdir():
        if child.name.startswith("."):
            continue
        if child.is_dir():
            shutil.copytree(child, dst / child.name)
        else:
            shutil.copy2(child, dst / child.name)


@dataclass
class GitRepo:
    path: Path
    branch: str  # the change branch (HEAD)
    base_sha: str  # main's commit
    head_sha: str

    def state(self) -> dict[str, Any]:
        """What a read-only gate must leave exactly as it was."""
        files = {}
        for p in sorted(self.path.rglob("*")):
            rel = p.relative_to(self.path)
            if rel.parts[0] == ".git" or not p.is_file():
                continue
            st = p.stat()
            files[rel.as_posix()] = (p.read_bytes(), st.st_mtime_ns)
        index = self.path / ".git" / "index"
        return {
            "status": git(self.path, "status", "--porcelain", "--untracked-files=all"),
            "head": git(self.path, "symbolic-ref", "HEAD"),
            "refs": git(self.path, "for-each-ref", "--format=%(refname) %(objectname)"),
            "index": (index.read_bytes(), index.stat().st_mtime_ns),
            "files": files,
        }


def make_repo(
    root: Path,
    change: Path,
    *,
    policies_text: str,
    head_policies_text: str | None = None,
    branch: str = "change",
) -> GitRepo:
    """A throwaway repository: main = base as ``network/`` + ``policies/region.yaml``; ``branch`` =
    the change folder's files replacing ``network/`` (and its ``.validator/intent.yaml`` at the
    repository root, where git mode reads it); HEAD on ``branch``.

    ``head_policies_text`` also rewrites the policies on the change branch.
    """
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "gate@example.com")
    git(root, "config", "user.name", "gate tests")
    git(root, "config", "commit.gpgsign", "false")
    copy_snapshot(BASE, root / "network")
    (root / "policies").mkdir()
    (root / "policies" / "region.yaml").write_text(policies_text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base region")
    base_sha = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", branch)
    copy_snapshot(change, root / "network")
    intent = change / ".validator" / "intent.yaml"
    if intent.is_file():
        (root / ".validator").mkdir()
        shutil.copy2(intent, root / ".validator" / "intent.yaml")
    if head_policies_text is not None:
        (root / "policies" / "region.yaml").write_text(head_policies_text)
    commit_all(root, f"change {change.name}")
    head_sha = git(root, "rev-parse", "HEAD")
    return GitRepo(root, branch, base_sha, head_sha)


def commit_all(root: Path, message: str) -> None:
    """Commit the work tree exactly as it is, whatever git's stat cache believes.

    ``copy_snapshot`` replaces files with ``copy2`` (the fixture's mtime is kept). A changed
    config of the same size (``deny   ip`` -> ``permit ip``), on an inode the removed file freed,
    within the same second as the base's entry, matches the index's stat data, and ``git add -A``
    then keeps the *base* blob: the change branch silently held no change, and the gate rightly
    passed it (``test_check_git``'s open-forbidden-flow, about 1 build in 8). Rebuilding the index
    from nothing makes git hash every file.
    """
    git(root, "rm", "-r", "-q", "--cached", "--ignore-unmatch", ".")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    listed = git(root, "ls-files", "-s").splitlines()
    paths = [line.split("\t", 1)[1] for line in listed]
    on_disk = git(root, "hash-object", "--", *paths).splitlines() if paths else []
    committed = [line.split()[1] for line in listed]
    assert on_disk == committed, f"{root}: the commit does not hold the work tree"


def change_dir(name: str) -> Path:
    path = CHANGES / name
    if not (path / "configs").is_dir():
        pytest.skip(f"fixture change not present: {path}")
    return path


def copy_base(dst: Path) -> Path:
    """A writable copy of the base snapshot, for tests that damage it."""
    copy_snapshot(BASE, dst)
    return dst
