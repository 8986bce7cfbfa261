"""Helpers for the hardening tests (issue 10): real subprocesses, closed pipes, generated rings.

A module with a unique name (imported as ``harden_helpers``) so test modules can import it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAIR = ROOT / "fixtures" / "unit" / "harden" / "pair"
OSCILLATION = ROOT / "benchmarks" / "repro" / "ibgp-rr-oscillation"
OSCILLATION_POLICIES = ROOT / "fixtures" / "unit" / "harden" / "oscillation-policies.yaml"


@dataclass
class Result:
    code: int
    stderr: str


def run_cli(
    args: Sequence[str], *, close: Sequence[str] = ("stdout",), cwd: Path = ROOT, timeout: float = 120
) -> Result:
    """``python -m validator ARGS`` with the named streams connected to a pipe whose reader is
    already gone (the worst case of ``| head -1``: every write fails with EPIPE). A stream not
    closed is captured (stderr) or discarded (stdout)."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "validator", *args],
            stdin=subprocess.DEVNULL,
            stdout=w if "stdout" in close else subprocess.DEVNULL,
            stderr=w if "stderr" in close else subprocess.PIPE,
            cwd=cwd,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(ROOT), "VALIDATOR_PROGRESS": "0"},
        )
    finally:
        os.close(w)
    err = proc.stderr.decode(errors="replace") if proc.stderr is not None else ""
    return Result(proc.returncode, err)


def ring_snapshot(path: Path, n: int) -> Path:
    """A ring of ``n`` OSPF routers ``r1..rn`` (n links): the smallest network with many links,
    for scenario budgets, timeouts and signals. Returns the snapshot folder."""
    configs = path / "configs"
    configs.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        nxt = i % n + 1
        prv = (i - 2) % n + 1
        lines = [
            f"hostname r{i}",
            "interface Loopback0",
            f" ip address 10.255.{i // 256}.{i % 256} 255.255.255.255",
            "interface GigabitEthernet0/1",
            f" description to r{nxt}",
            f" ip address 10.{i // 256}.{i % 256}.0 255.255.255.254",
            "interface GigabitEthernet0/2",
            f" description to r{prv}",
            f" ip address 10.{prv // 256}.{prv % 256}.1 255.255.255.254",
            "router ospf 1",
            f" router-id 10.255.{i // 256}.{i % 256}",
            " network 10.0.0.0 0.255.255.255 area 0",
            "end",
        ]
        (configs / f"r{i}.cfg").write_text("\n".join(lines) + "\n")
    return path


def ring_policies(path: Path, n: int, max_failures: int) -> Path:
    far = n // 2 + 1
    path.write_text(
        "version: 1\n"
        "zones:\n"
        "  first: {nodes: [r1]}\n"
        f"  far: {{prefixes: [10.255.{far // 256}.{far % 256}/32]}}\n"
        "policies:\n"
        f"  - {{name: ring-redundant, type: redundancy, between: [[first, far]], max_failures: {max_failures},"
        " elements: [link]}\n"
    )
    return path
