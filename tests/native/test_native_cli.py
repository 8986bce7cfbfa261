"""End to end: VALIDATOR_ENGINE_CORE through the CLI (exit codes of the fail-closed table), and the
same verdict on the region fixture whichever core computes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from native_helpers import FIXTURES, require_core

REGION = FIXTURES / "region"
POLICIES = REGION / "policies" / "region.yaml"


def _check(core: str, head: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["VALIDATOR_ENGINE_CORE"] = core
    args = ["check", "--base-dir", str(REGION / "base"), "--head-dir", str(head), "--policies", str(POLICIES)]
    return subprocess.run(
        [sys.executable, "-m", "validator", *args, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )


def test_misspelt_core_is_bad_input(tmp_path: Path) -> None:
    run = _check("rust", REGION / "changes" / "benign", tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stdout == "" and len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
    assert "VALIDATOR_ENGINE_CORE" in run.stderr


@pytest.mark.parametrize("change,code", [("benign", 0), ("break-required-flow", 1)])
def test_same_verdict_on_either_core(change: str, code: int, tmp_path: Path) -> None:
    require_core()
    runs = {core: _check(core, REGION / "changes" / change, tmp_path) for core in ("python", "native")}
    for core, run in runs.items():
        assert run.returncode == code, (core, run.stderr[-2000:])

    def findings(run: subprocess.CompletedProcess[str]) -> object:
        doc = json.loads(run.stdout)
        doc.pop("timing", None)
        doc.pop("elapsed_seconds", None)
        return doc.get("verdict"), sorted(json.dumps(f, sort_keys=True) for f in doc.get("findings", []))

    assert findings(runs["python"]) == findings(runs["native"])
