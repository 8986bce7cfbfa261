"""``validator routes`` and ``validator trace``: the engine's answers, Batfish-shaped, through the
backend (``--engine builtin|batfish``) like ``check``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from validator.cli.check import add_timeout_arg
from validator.cli.common import add_snapshot_dir
from validator.engine.types import DataPlane
from validator.phases import phase


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """``--engine`` and ``--batfish-host``, as ``check`` has them."""
    p.add_argument("--engine", choices=["builtin", "batfish"], default="builtin")
    p.add_argument("--batfish-host", metavar="HOST", help="Batfish service (default: $BATFISH_HOST)")


def register(sub: Any) -> None:
    p = sub.add_parser("routes", help="main RIB routes of a snapshot (Batfish routes question)")
    add_snapshot_dir(p)
    p.add_argument("--node", metavar="NAME_OR_REGEX", help="a node name or /regex/")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_engine_args(p)
    add_timeout_arg(p)
    p.set_defaults(handler=_routes)

    t = sub.add_parser("trace", help="trace flows from a location (Batfish traceroute)")
    add_snapshot_dir(t)
    t.add_argument(
        "--from", dest="src", required=True, metavar="LOCATION", help="node, node[iface], @enter(node[iface])"
    )
    t.add_argument("--dst", required=True, metavar="IP", help="destination IP or node name")
    t.add_argument("--protocol", default="udp", choices=["udp", "tcp", "icmp"])
    t.add_argument("--dst-port", type=_port, default=None, metavar="0-65535")
    t.add_argument("--fail", action="append", default=[], metavar="SPEC")
    t.add_argument("--format", choices=["text", "json"], default="text")
    add_engine_args(t)
    add_timeout_arg(t)
    t.set_defaults(handler=_trace)


def warn_not_converged(dp: DataPlane) -> None:
    """routes and trace show the state as computed, but never silently: one warning line."""
    from validator.engine.convergence import describe

    message = describe(dp, "data plane")
    if message is not None:
        print(f"validator: warning: {message}", file=sys.stderr)


def _routes(args: argparse.Namespace) -> int:
    from validator.backends import get_backend
    from validator.lookup import routes
    from validator.snapshot.folder import load_snapshot

    with phase("parse snapshot"):
        snapshot = load_snapshot(args.snapshot)
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        dp, found = routes(snapshot, backend, args.node)
    finally:
        backend.close()
    warn_not_converged(dp)
    if args.format == "json":
        json.dump([r.to_json() for r in found], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    header = f"{'Node':<14} {'VRF':<8} {'Network':<19} {'Protocol':<10} {'AD':>4} {'Metric':>7}  Next hop"
    print(header)
    for r in found:
        net = str(r.network)
        print(f"{r.node:<14} {r.vrf:<8} {net:<19} {r.protocol:<10} {r.admin_distance:>4} {r.metric:>7}  {r.next_hop}")
    print(f"{len(found)} routes")
    return 0


def _trace(args: argparse.Namespace) -> int:
    from validator.backends import get_backend
    from validator.lookup import traces
    from validator.snapshot.folder import load_snapshot

    with phase("parse snapshot"):
        snapshot = load_snapshot(args.snapshot)
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        dp, results = traces(
            snapshot,
            backend,
            src=args.src,
            dst=args.dst,
            protocol=args.protocol,
            dst_port=args.dst_port,
            fail=args.fail,
        )
    finally:
        backend.close()
    warn_not_converged(dp)
    if args.format == "json":
        out = [{"flow": f.to_json(), "traces": [t.to_json() for t in ts]} for f, ts in results]
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    for f, ts in results:
        print(f"Flow: {f}")
        for i, t in enumerate(ts, 1):
            lost = ", ".join(map(str, t.undecided))
            undecided = f" (undecided: depends on unparsed lines {lost})" if lost else ""
            print(f"  Trace {i}: {t.disposition}{undecided}")
            for hop in t.hops:
                steps = ", ".join(_step_text(s.to_json()) for s in hop.steps)
                print(f"    {hop.node}: {steps}")
    return 0


def _step_text(step: dict[str, Any]) -> str:
    bits = [f"{step['type']}({step['action']}"]
    for key in ("interface", "filter", "line", "network", "protocol", "arp_ip"):
        if key in step and step[key] is not None and key != "line":
            bits.append(f" {step[key]}")
    loc = step.get("location")
    if loc:
        bits.append(f" @{loc['file']}:{loc['line']}")
    return "".join(bits) + ")"


def _port(text: str) -> int:
    """A TCP/UDP port: out of range is a usage error (exit 2), never a flow to port 99999."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {value}")
    return value
