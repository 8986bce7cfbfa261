"""``routes`` and ``trace``: the engine's answers (Batfish's routes and traceroute questions),
through a :class:`~validator.backends.base.Backend` so that ``--engine batfish`` asks Batfish.

Beside :mod:`validator.api`: the CLI and the library (``validator.api.routes`` / ``trace``) both
come through here. A data plane that did not converge is returned as computed; callers say so
(the CLI prints one warning line), never silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address

from validator.backends.base import Backend
from validator.engine.types import DataPlane
from validator.errors import InputError
from validator.model.dataplane import Route
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot


def node_filter(spec: str | None) -> Callable[[str], bool]:
    """A node name (case-insensitive, as Batfish lower-cases them) or ``/regex/``."""
    if spec is None:
        return lambda n: True
    if len(spec) >= 2 and spec.startswith("/") and spec.endswith("/"):
        try:
            rx = re.compile(spec[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"--node {spec!r}: bad regex: {exc}") from None
        return lambda n: rx.search(n) is not None
    name = spec.lower()
    return lambda n: n == name


def routes(snapshot: Snapshot, backend: Backend, node: str | None = None) -> tuple[DataPlane, list[Route]]:
    """The main-RIB routes of the nodes ``node`` selects (all: None)."""
    keep = node_filter(node)
    if node and not any(keep(n) for n in snapshot.nodes):
        raise InputError(f"--node {node!r} matches no node of the snapshot")
    dp = backend.dataplane(snapshot)
    return dp, [r for r in dp.routes() if keep(r.node)]


def traces(
    snapshot: Snapshot,
    backend: Backend,
    *,
    src: str,
    dst: str,
    protocol: str = "udp",
    dst_port: int | None = None,
    fail: Sequence[str] = (),
) -> tuple[DataPlane, list[tuple[Flow, list[Trace]]]]:
    """Batfish-style traceroute from location ``src`` to ``dst`` (an IP or a node name), with the
    elements ``fail`` down."""
    from validator.engine.failspec import parse_fail_specs
    from validator.engine.locations import flows_for

    dp = backend.dataplane(snapshot)
    if fail:
        failures = parse_fail_specs(fail, snapshot, dp.edges)
        dp = backend.dataplane(snapshot, failures)
    target: IPv4Address | str
    try:
        target = IPv4Address(dst)
    except ValueError:
        target = dst
    flows = flows_for(dp, src, target, protocol=protocol, dst_port=dst_port)
    return dp, [(f, backend.trace(dp, f)) for f in flows]
