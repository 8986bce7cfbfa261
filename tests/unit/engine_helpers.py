"""Helpers for the engine unit tests: tiny networks written inline as IOS text."""

from __future__ import annotations

import textwrap
from ipaddress import IPv4Network
from typing import Any

from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot
from validator.parsers.cisco_ios import parse_ios


def snapshot(*configs: str, **kwargs: Any) -> Snapshot:
    nodes = {}
    for i, text in enumerate(configs):
        node = parse_ios(textwrap.dedent(text), f"configs/r{i}.cfg")
        nodes[node.name] = node
    return Snapshot(name="unit", source="unit", nodes=nodes, **kwargs)


def dataplane(*configs: str, failures: FailureSet = FailureSet(), **kwargs: Any) -> DataPlane:  # noqa: B008
    return compute_dataplane(snapshot(*configs, **kwargs), failures)


def rows(dp: DataPlane, node: str, prefix: str | None = None) -> list[tuple[str, str, str, int, int]]:
    """(network, protocol, next hop, admin distance, metric) of a node's default-VRF routes."""
    out = []
    for r in dp.ribs[node]["default"]:
        if prefix is None or r.network == IPv4Network(prefix):
            out.append((str(r.network), r.protocol, str(r.next_hop), r.admin_distance, r.metric))
    return out


def protocols(dp: DataPlane, node: str, prefix: str) -> set[str]:
    return {r[1] for r in rows(dp, node, prefix)}


def session_status(dp: DataPlane, node: str, peer: str) -> str:
    return next(s.status for s in dp.bgp_sessions if s.node == node and str(s.remote_ip) == peer)
