"""``iptables-save`` output → one ACL per ``table::CHAIN``, the way Batfish converts host firewalls.

Batfish keeps only ACCEPT/DROP rules (semantics §8c), ignores ``-i``/``-o`` (a rule applies on every
interface) and ends each chain with a ``default`` line from the chain policy. Whether the host is
"simple" decides if Batfish applies the filters at all, so it is computed here, next to the rules
it depends on. Anything read but not modelled becomes a ParseWarning; a rule we cannot model is
skipped with a warning rather than approximated.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from ipaddress import IPv4Network

from validator.errors import ConfigParseError
from validator.model.config import Acl, AclLine, Action, IpWildcard, PortRange
from validator.model.source import ParseWarning, SourceRef

_PROTOCOLS: dict[str, int | None] = {
    "all": None,
    "ip": None,
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ospf": 89,
    "sctp": 132,
}
_PORT_NAMES = {
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "http": 80,
    "www": 80,
    "ntp": 123,
    "snmp": 161,
    "bgp": 179,
    "https": 443,
}
_ICMP_TYPES = {
    "echo-reply": (0, None),
    "destination-unreachable": (3, None),
    "redirect": (5, None),
    "echo-request": (8, None),
    "time-exceeded": (11, None),
    "port-unreachable": (3, 3),
    "host-unreachable": (3, 1),
    "network-unreachable": (3, 0),
}
# modules whose mere loading (``-m tcp``) matches everything
_NEUTRAL_MODULES = {"tcp", "udp", "icmp", "multiport", "comment"}
_BUILTIN_CHAINS = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}
_SIMPLE_CHECKED_TABLES = {"mangle", "nat", "raw"}
_ANY = IpWildcard.any()


@dataclass(frozen=True)
class IptablesResult:
    """The ACLs of one iptables file and whether Batfish would enforce them on the host.

    ``not_simple_reasons`` explains ``simple == False``; ``interface_matches`` records every
    ``-i``/``-o`` that was ignored as (acl name, where, text) so reports can say so.
    """

    acls: dict[str, Acl]
    simple: bool
    warnings: tuple[ParseWarning, ...] = ()
    not_simple_reasons: tuple[str, ...] = ()
    interface_matches: tuple[tuple[str, SourceRef, str], ...] = ()


class _Skip(Exception):
    """A rule that cannot be modelled faithfully; it is dropped with a warning."""


@dataclass
class _Chain:
    table: str
    name: str
    policy: str  # ACCEPT, DROP or "-" (user-defined chain)
    source: SourceRef
    policy_text: str
    lines: list[AclLine] = field(default_factory=list)

    @property
    def acl_name(self) -> str:
        return f"{self.table}::{self.name}"


def _wildcards(value: str, negated: bool) -> tuple[IpWildcard, ...]:
    nets: list[IPv4Network] = []
    for part in value.split(","):
        try:
            nets.append(IPv4Network(part.strip(), strict=False))
        except ValueError as exc:
            raise _Skip(f"bad address {part!r}") from exc
    if negated:
        if len(nets) != 1:
            raise _Skip("negated address list")
        universe = IPv4Network("0.0.0.0/0")
        nets = [] if nets[0] == universe else sorted(universe.address_exclude(nets[0]))
        if not nets:
            raise _Skip("negation of 0.0.0.0/0 matches nothing")
    return tuple(IpWildcard(n.network_address, n.hostmask) for n in nets)


def _port(text: str) -> int:
    if text.isdigit():
        value = int(text)
        if value > 65535:
            raise _Skip(f"bad port {text!r}")
        return value
    if text in _PORT_NAMES:
        return _PORT_NAMES[text]
    raise _Skip(f"unknown port name {text!r}")


def _port_ranges(value: str, negated: bool, multi: bool) -> tuple[PortRange, ...]:
    parts = value.split(",") if multi else [value]
    ranges: list[PortRange] = []
    for part in parts:
        if ":" in part:
            lo_s, hi_s = part.split(":", 1)
            lo = _port(lo_s) if lo_s else 0
            hi = _port(hi_s) if hi_s else 65535
        else:
            lo = hi = _port(part)
        if lo > hi:
            raise _Skip(f"empty port range {part!r}")
        ranges.append((lo, hi))
    if not negated:
        return tuple(ranges)
    # complement within 0..65535
    out: list[PortRange] = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= 65535:
        out.append((nxt, 65535))
    if not out:
        raise _Skip("negated port set matches nothing")
    return tuple(out)


@dataclass
class _Rule:
    chain: str
    target: str | None = None
    protocol: int | None = None
    src: tuple[IpWildcard, ...] = (_ANY,)
    dst: tuple[IpWildcard, ...] = (_ANY,)
    src_ports: tuple[PortRange, ...] = ()
    dst_ports: tuple[PortRange, ...] = ()
    icmp_type: int | None = None
    icmp_code: int | None = None
    interfaces: list[str] = field(default_factory=list)


def _parse_rule(tokens: list[str]) -> _Rule:
    """Tokens after ``-A``; raises _Skip for matches we do not model."""
    rule = _Rule(chain=tokens[0])
    i = 1
    negate = False
    protocol_negated = False

    def value(opt: str) -> tuple[str, bool]:
        """The option's argument, and whether the old ``-s ! X`` syntax negated it."""
        nonlocal i
        neg = False
        if i + 1 < len(tokens) and tokens[i + 1] == "!":
            neg = True
            i += 1
        if i + 1 >= len(tokens):
            raise _Skip(f"option {opt} without a value")
        i += 1
        return tokens[i], neg

    while i < len(tokens):
        tok = tokens[i]
        if tok == "!":
            negate = True
            i += 1
            continue
        if tok in ("-p", "--protocol"):
            v, neg = value(tok)
            if v.lower() in _PROTOCOLS:
                rule.protocol = _PROTOCOLS[v.lower()]
            elif v.isdigit() and int(v) <= 255:
                rule.protocol = int(v) or None
            else:
                raise _Skip(f"unknown protocol {v!r}")
            if negate or neg:
                protocol_negated = True
        elif tok in ("-s", "--source", "--src"):
            v, neg = value(tok)
            rule.src = _wildcards(v, negate or neg)
        elif tok in ("-d", "--destination", "--dst"):
            v, neg = value(tok)
            rule.dst = _wildcards(v, negate or neg)
        elif tok in ("--dport", "--destination-port"):
            v, neg = value(tok)
            rule.dst_ports = _port_ranges(v, negate or neg, multi=False)
        elif tok in ("--sport", "--source-port"):
            v, neg = value(tok)
            rule.src_ports = _port_ranges(v, negate or neg, multi=False)
        elif tok in ("--dports", "--destination-ports"):
            v, neg = value(tok)
            rule.dst_ports = _port_ranges(v, negate or neg, multi=True)
        elif tok in ("--sports", "--source-ports"):
            v, neg = value(tok)
            rule.src_ports = _port_ranges(v, negate or neg, multi=True)
        elif tok in ("-i", "--in-interface", "-o", "--out-interface"):
            v, neg = value(tok)
            rule.interfaces.append(f"{'! ' if negate or neg else ''}{tok} {v}")
        elif tok in ("-m", "--match"):
            v, _neg = value(tok)
            if v not in _NEUTRAL_MODULES:
                raise _Skip(f"unmodelled match module -m {v}")
        elif tok == "--comment":
            value(tok)
        elif tok == "--icmp-type":
            v, neg = value(tok)
            if negate or neg:
                raise _Skip("negated --icmp-type")
            if v == "any":
                pass
            elif v in _ICMP_TYPES:
                rule.icmp_type, rule.icmp_code = _ICMP_TYPES[v]
            else:
                t, _, c = v.partition("/")
                if not t.isdigit() or (c and not c.isdigit()):
                    raise _Skip(f"unknown icmp type {v!r}")
                rule.icmp_type = int(t)
                rule.icmp_code = int(c) if c else None
        elif tok in ("-j", "--jump", "-g", "--goto"):
            v, _neg = value(tok)
            rule.target = v
            # target options (e.g. --reject-with) follow; they only matter for skipped targets
            if v not in ("ACCEPT", "DROP"):
                return rule
        elif tok.startswith("-"):
            raise _Skip(f"unmodelled option {tok}")
        else:
            raise _Skip(f"unexpected token {tok!r}")
        if negate and tok in ("-m", "--match", "-j", "--jump", "-g", "--goto", "--comment"):
            raise _Skip(f"negated {tok}")
        negate = False
        i += 1
    if protocol_negated:
        raise _Skip("negated protocol")
    if rule.target is None:
        raise _Skip("rule without -j target (counts packets only)")
    return rule


def _is_trivial_permit(line: AclLine) -> bool:
    return (
        line.action == "permit"
        and line.protocol is None
        and line.src == (_ANY,)
        and line.dst == (_ANY,)
        and not line.src_ports
        and not line.dst_ports
        and line.icmp_type is None
        and line.icmp_code is None
        and not line.tcp_established
    )


def parse_iptables(text: str, file: str) -> IptablesResult:
    """Parse ``iptables-save`` text; raises ConfigParseError only when the file is not iptables at all."""
    warnings: list[ParseWarning] = []
    chains: dict[str, _Chain] = {}
    iface_matches: list[tuple[str, SourceRef, str]] = []
    table: str | None = None
    saw_structure = False

    def warn(line_no: int, raw: str, reason: str) -> None:
        warnings.append(ParseWarning(file, line_no, raw, reason))

    for line_no, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("*"):
            table = stripped[1:].strip()
            saw_structure = True
            continue
        if stripped == "COMMIT":
            table = None
            continue
        if table is None:
            warn(line_no, raw, "line outside a *table ... COMMIT block")
            continue
        if stripped.startswith(":"):
            parts = stripped[1:].split()
            if len(parts) < 2 or parts[1] not in ("ACCEPT", "DROP", "-"):
                warn(line_no, raw, "unmodelled chain declaration")
                continue
            name, policy = parts[0], parts[1]
            chains[f"{table}::{name}"] = _Chain(table, name, policy, SourceRef(file, line_no), stripped)
            if policy == "-" and name in _BUILTIN_CHAINS:
                warn(line_no, raw, "builtin chain without a policy")
            continue
        if stripped.startswith("-A ") or stripped.startswith("--append "):
            try:
                tokens = shlex.split(stripped)[1:]
            except ValueError:
                warn(line_no, raw, "unbalanced quotes; rule skipped")
                continue
            if not tokens:
                warn(line_no, raw, "rule without a chain")
                continue
            key = f"{table}::{tokens[0]}"
            chain = chains.get(key)
            if chain is None:
                chain = _Chain(table, tokens[0], "-", SourceRef(file, line_no), "")
                chains[key] = chain
                warn(line_no, raw, f"rule for undeclared chain {key}")
            try:
                rule = _parse_rule(tokens)
            except _Skip as exc:
                warn(line_no, raw, f"rule skipped: {exc}")
                continue
            if rule.target not in ("ACCEPT", "DROP"):
                warn(line_no, raw, f"rule skipped: target {rule.target} not modelled (only ACCEPT/DROP)")
                continue
            src_ref = SourceRef(file, line_no)
            for m in rule.interfaces:
                iface_matches.append((chain.acl_name, src_ref, m))
                warn(line_no, raw, f"interface match '{m}' ignored: the rule applies on every interface")
            action: Action = "permit" if rule.target == "ACCEPT" else "deny"
            chain.lines.append(
                AclLine(
                    action=action,
                    text=stripped,
                    source=src_ref,
                    protocol=rule.protocol,
                    src=rule.src,
                    dst=rule.dst,
                    src_ports=rule.src_ports,
                    dst_ports=rule.dst_ports,
                    icmp_type=rule.icmp_type,
                    icmp_code=rule.icmp_code,
                    name=stripped,
                )
            )
            continue
        warn(line_no, raw, "unmodelled iptables line")

    if not saw_structure and text.strip():
        raise ConfigParseError("not an iptables-save file (no *table line)", file=file, line=1)

    acls: dict[str, Acl] = {}
    reasons: list[str] = []
    for key, chain in chains.items():
        lines = list(chain.lines)
        default: Action = "deny"
        if chain.policy in ("ACCEPT", "DROP"):
            default = "permit" if chain.policy == "ACCEPT" else "deny"
            lines.append(AclLine(action=default, text=chain.policy_text, source=chain.source, name="default"))
        acls[key] = Acl(name=key, lines=tuple(lines), source=chain.source, kind="iptables", default_action=default)
        checked = chain.name == "FORWARD" or (chain.table in _SIMPLE_CHECKED_TABLES and chain.name in _BUILTIN_CHAINS)
        if checked:
            for ln in lines:
                if not _is_trivial_permit(ln):
                    what = "DROP policy" if ln.name == "default" else f"rule at line {ln.source.line}"
                    reasons.append(f"{key} has a {what} that is not a plain ACCEPT")
                    break
    simple = not reasons
    if not simple:
        warnings.append(
            ParseWarning(
                file,
                1,
                "",
                "iptables not simple (" + "; ".join(reasons) + "): Batfish applies no host filter",
            )
        )
    return IptablesResult(
        acls=acls,
        simple=simple,
        warnings=tuple(warnings),
        not_simple_reasons=tuple(reasons),
        interface_matches=tuple(iface_matches),
    )
