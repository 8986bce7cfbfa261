"""Huge inputs: a check whose flows cross an ACL of 100,000 lines (issue 10, item 5).

Generates two routers ``a`` — ``b``; ``b`` filters its link with an extended ACL of N lines
(many hosts and subnets across 10.0.0.0/8 and 172.16.0.0/12, a few lines about the protected
loopback, ``permit ip any any`` last), then runs ``validator check`` in a subprocess with the
policies ``ssh-to-b`` (allow) and ``telnet-closed`` (deny), and prints seconds and peak RSS.

    python benchmarks/bench_inputs_acl.py [--lines 100000] [--keep DIR] [--profile OUT.prof]

Figures go to the closing report and benchmarks/README.md, never into tests.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

A_CFG = """hostname a
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
interface GigabitEthernet0/1
 ip address 10.0.0.0 255.255.255.254
router ospf 1
 router-id 10.255.0.1
 network 10.0.0.0 0.0.255.255 area 0
 network 10.255.0.0 0.0.255.255 area 0
end
"""

POLICIES = """version: 1
zones:
  a: {nodes: [a]}
  b-loopback: {prefixes: [10.255.0.2/32]}
policies:
  - {name: ssh-to-b, type: reachability, from: a, to: b-loopback, protocol: tcp, ports: [22], expect: allow}
  - {name: telnet-closed, type: reachability, from: a, to: b-loopback, protocol: tcp, ports: [23], expect: deny}
"""


def acl_lines(n: int, seed: int = 7) -> list[str]:
    """N lines: mostly hosts and /24s elsewhere in the network, some about the loopback."""
    rng = random.Random(seed)
    out = [" deny tcp any host 10.255.0.2 eq 23"]
    while len(out) < n - 1:
        kind = rng.random()
        dst = f"10.{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        src = f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.0"
        port = rng.choice((22, 23, 80, 443, 3389, 8080, 161, 53))
        proto = rng.choice(("tcp", "udp"))
        if kind < 0.5:
            out.append(f" deny {proto} {src} 0.0.0.255 host {dst} eq {port}")
        elif kind < 0.8:
            out.append(f" permit {proto} any host {dst} range {port} {port + 10}")
        elif kind < 0.99:
            out.append(f" deny ip {src} 0.0.0.255 {dst.rsplit('.', 1)[0]}.0 0.0.0.255")
        else:
            out.append(f" deny udp any host 10.255.0.2 eq {rng.randrange(1, 65535)}")
    out.append(" permit ip any any")
    return out


def write_snapshot(root: Path, n: int) -> tuple[Path, Path]:
    snap = root / "snap"
    (snap / "configs").mkdir(parents=True, exist_ok=True)
    (snap / "configs" / "a.cfg").write_text(A_CFG)
    b = [
        "hostname b",
        "interface Loopback0",
        " ip address 10.255.0.2 255.255.255.255",
        "interface GigabitEthernet0/1",
        " ip address 10.0.0.1 255.255.255.254",
        " ip access-group BIG in",
        "ip access-list extended BIG",
        *acl_lines(n),
        "router ospf 1",
        " router-id 10.255.0.2",
        " network 10.0.0.0 0.0.255.255 area 0",
        " network 10.255.0.0 0.0.255.255 area 0",
        "end",
    ]
    (snap / "configs" / "b.cfg").write_text("\n".join(b) + "\n")
    policies = root / "policies.yaml"
    policies.write_text(POLICIES)
    return snap, policies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--keep", metavar="DIR", help="write the snapshot here and keep it")
    ap.add_argument("--profile", metavar="OUT.prof", help="run the check under cProfile")
    args = ap.parse_args(argv)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-acl-"))
    snap, policies = write_snapshot(root, args.lines)
    cmd = [sys.executable]
    if args.profile:
        cmd += ["-m", "cProfile", "-o", args.profile]
    cmd += ["-m", "validator", "check", "--head-dir", str(snap), "--policies", str(policies), "--format", "json"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = usage.ru_maxrss
    print(f"ACL lines        {args.lines}")
    print(f"exit code        {proc.returncode}")
    print(f"seconds          {seconds:.2f} wall, {usage.ru_utime + usage.ru_stime:.2f} CPU")
    print(f"peak RSS         {peak_kb / 1024:.0f} MB")
    if proc.returncode not in (0, 1):
        print(proc.stderr.strip()[-2000:], file=sys.stderr)
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
