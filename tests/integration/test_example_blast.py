"""Batfish's example network (copied to a tmp dir and edited there): a description edit on both
AS1 border routers is inert and passes; ``timers bgp`` on both is not inert and blocks, with the
two BGP processes split into two waves. Skips, naming the path, when the example is absent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import EXAMPLE

from validator.cli import main

POLICY = """\
version: 1
zones:
  as1: {nodes: [as1core1]}
  host1: {nodes: [host1]}
policies:
  # host1's iptables accept ssh (and dns) only
  - {name: as1-to-host1, type: reachability, from: as1, to: host1, protocol: tcp, ports: [22], expect: allow}
  - {name: staged, type: blast_radius, protect: all}
"""
BORDERS = ("as1border1", "as1border2")


def _check(tmp_path: Path, edit: tuple[str, str]) -> tuple[int, Any]:
    live = EXAMPLE / "live"
    if not (live / "configs").is_dir():
        pytest.skip(f"Batfish example not found at {live}")
    head = tmp_path / "head"
    shutil.copytree(live, head)
    old, new = edit
    for node in BORDERS:
        cfg = head / "configs" / f"{node}.cfg"
        text = cfg.read_text()
        assert text.count(old) == 1, (node, old)
        cfg.write_text(text.replace(old, new))
    policies = tmp_path / "p.yaml"
    policies.write_text(POLICY)
    out = tmp_path / "verdict.json"
    argv = ["check", "--base-dir", str(live), "--head-dir", str(head), "--policies", str(policies)]
    code = main([*argv, "--format", "json", "--output", str(out)])
    return code, json.loads(out.read_text())


def test_description_edit_on_both_borders_passes_as_inert(tmp_path: Path) -> None:
    code, doc = _check(
        tmp_path, ("interface GigabitEthernet0/0\n", "interface GigabitEthernet0/0\n description CHG-42\n")
    )
    assert (code, doc["verdict"]) == (0, "pass"), [f["message"] for f in doc["findings"]]
    stanzas = doc["change"]["stanzas"]
    assert sorted(st["device"] for st in stanzas) == list(BORDERS)
    assert all(st.get("inert") is True for st in stanzas)


def test_timers_bgp_on_both_borders_blocks_with_waves_split(tmp_path: Path) -> None:
    code, doc = _check(tmp_path, ("router bgp 1\n", "router bgp 1\n timers bgp 10 30\n"))
    assert (code, doc["verdict"]) == (1, "block")
    findings = [f for f in doc["findings"] if f["severity"] == "error"]
    assert findings and {f["check"] for f in findings} == {"blast_radius"}
    assert findings[0]["waves"] == [["process:as1border1[bgp 1]"], ["process:as1border2[bgp 1]"]]
