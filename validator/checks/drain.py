"""``whatif --drain``: what an operator drains, as the failure the what-if evaluates.

The model of a drain is the element **failed**: every adjacency, session and route through it is
gone. A drain that works (OSPF cost-out, BGP graceful shutdown, ``shutdown``) ends in that same
forwarding state, so "does every protected pair still hold once it is drained, and what would one
more failure during the window break?" has the same answer. What it does not model is the
transition (a cost-out moves traffic before the element goes; a failure drops it until routing
converges): the report says so in :data:`DRAIN_MODEL`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from validator.errors import InputError

DRAIN_MODEL = (
    "drained = failed: the element's adjacencies, sessions and routes are gone, the state a working "
    "cost-out or BGP shutdown ends in (the transition itself is not modelled)"
)
_KINDS = ("node", "interface", "link", "group")
_IFACE = re.compile(r"^([^\[\]:\s]+)\[([^\[\]]+)\]$")
_NODE = re.compile(r"^[^\[\]:\s]+$")


def drain_spec(text: str) -> str:
    """``az1-r2`` -> ``node:az1-r2``; ``r1[Gi0/1]`` -> ``interface:r1[Gi0/1]``; a failure spec
    (``node:``, ``interface:``, ``link:``, ``group:``) stays as given."""
    item = text.strip()
    kind, sep, _rest = item.partition(":")
    if sep and kind in _KINDS:
        return item
    if _IFACE.match(item):
        return f"interface:{item}"
    if _NODE.match(item):
        return f"node:{item}"
    raise InputError(
        f"--drain {text!r}: expected NODE, NODE[IFACE], interface:NODE[IFACE], link:NODE[IFACE] or group:NAME"
    )


def drain_specs(items: Sequence[str]) -> list[str]:
    return [drain_spec(x) for x in items]


def drain_label(text: str) -> str:
    """How the answer names a drained element: as the operator wrote it (``az1-r2``)."""
    return text.strip()
