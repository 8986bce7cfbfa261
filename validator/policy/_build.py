"""From schema-valid plain data to typed objects, collecting the checks a schema cannot express
(prefix syntax, regex syntax, port range order, protocol/port combinations)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import Any, cast

from validator.policy._yaml import LocatedDocument
from validator.policy.diagnostics import Diagnostic, KeyPath
from validator.policy.model import (
    PROTOCOL_NUMBERS,
    HeaderSpec,
    InterfaceSpec,
    NameSpec,
    NodeSpec,
    PeerSelector,
    PolicyPrefixRange,
    PolicySource,
    PortRange,
    RiskElement,
    RiskElementKind,
    is_regex,
    split_interface_spec,
)


class Builder:
    """Typed-object construction for one document; problems go to ``diagnostics``, never raised,
    so one lint run reports all of them."""

    def __init__(self, doc: LocatedDocument) -> None:
        self.doc = doc
        self.diagnostics: list[Diagnostic] = []

    def source(self, path: KeyPath) -> PolicySource:
        return PolicySource(self.doc.file, self.doc.line_of(path), self.doc.key(path))

    def error(self, path: KeyPath, message: str) -> None:
        self.diagnostics.append(self.doc.diag(path, message))

    # --- names and selectors ------------------------------------------------------------------

    def name_spec(self, path: KeyPath, text: str) -> NameSpec | None:
        if is_regex(text):
            try:
                re.compile(text[1:-1])
            except re.error as exc:
                self.error(path, f"bad regex {text}: {exc}")
                return None
        return NameSpec(text)

    def prefixes(self, path: KeyPath, items: Sequence[Any]) -> tuple[IPv4Network, ...]:
        out: list[IPv4Network] = []
        for i, text in enumerate(items):
            item_path = (*path, i)
            try:
                out.append(IPv4Network(text, strict=True))
            except ValueError as exc:
                try:
                    loose = IPv4Network(text, strict=False)
                except ValueError:
                    self.error(item_path, f"not an IPv4 prefix: {text!r} ({exc})")
                else:
                    self.error(item_path, f"{text!r} has host bits set (did you mean {loose}?)")
        return tuple(out)

    def node_specs(self, path: KeyPath, items: Sequence[str]) -> tuple[NodeSpec, ...]:
        out: list[NodeSpec] = []
        for i, text in enumerate(items):
            spec = self.name_spec((*path, i), text)
            if spec is not None:
                out.append(NodeSpec(spec, self.source((*path, i))))
        return tuple(out)

    def interface_specs(self, path: KeyPath, items: Sequence[str]) -> tuple[InterfaceSpec, ...]:
        out: list[InterfaceSpec] = []
        for i, text in enumerate(items):
            item_path = (*path, i)
            parts = split_interface_spec(text)
            if parts is None:
                self.error(item_path, f"an interface is NODE[INTERFACE] or /regex/[INTERFACE] (got {text!r})")
                continue
            node = self.name_spec(item_path, parts[0])
            iface = self.name_spec(item_path, parts[1])
            if node is not None and iface is not None:
                out.append(InterfaceSpec(text, node, iface, self.source(item_path)))
        return tuple(out)

    def selectors(
        self, path: KeyPath, data: Mapping[str, Any]
    ) -> tuple[tuple[IPv4Network, ...], tuple[NodeSpec, ...], tuple[InterfaceSpec, ...]]:
        if not any(k in data for k in ("prefixes", "nodes", "interfaces")):
            self.error(path, "a zone needs prefixes, nodes or interfaces")
        return (
            self.prefixes((*path, "prefixes"), data.get("prefixes", ())),
            self.node_specs((*path, "nodes"), data.get("nodes", ())),
            self.interface_specs((*path, "interfaces"), data.get("interfaces", ())),
        )

    def risk_element(self, path: KeyPath, text: str) -> RiskElement | None:
        kind, _, rest = text.partition(":")
        if kind == "node":
            return RiskElement("node", rest.strip().lower(), self.source(path))
        parts = split_interface_spec(rest)
        if parts is None or is_regex(parts[0]) or is_regex(parts[1]):
            self.error(path, f"a risk group element is link:NODE[IFACE], interface:NODE[IFACE] or node:NAME ({text!r})")
            return None
        return RiskElement(cast(RiskElementKind, kind), parts[0].lower(), self.source(path), interface=parts[1])

    # --- headers ------------------------------------------------------------------------------

    def _ports(self, path: KeyPath, items: Sequence[int | str]) -> tuple[PortRange, ...]:
        out: list[PortRange] = []
        for i, item in enumerate(items):
            if isinstance(item, int):
                out.append((item, item))
                continue
            low_s, _, high_s = item.partition("-")
            low, high = int(low_s), int(high_s or low_s)
            if high > 65535 or low > high:
                self.error((*path, i), f"bad port range {item!r} (LOW-HIGH with LOW <= HIGH <= 65535)")
                continue
            out.append((low, high))
        return tuple(sorted(set(out)))

    def headers(self, path: KeyPath, data: Mapping[str, Any]) -> HeaderSpec:
        if "protocol" in data and "protocols" in data:
            self.error((*path, "protocols"), "give either protocol or protocols, not both")
        raw: list[str | int] = [data["protocol"]] if "protocol" in data else list(data.get("protocols", ()))
        numbers: set[int] = set()
        any_protocol = not raw
        for item in raw:
            if item == "any":
                any_protocol = True
            elif isinstance(item, str):
                numbers.add(PROTOCOL_NUMBERS[item])
            else:
                numbers.add(item)
        protocols: tuple[int, ...] = () if any_protocol else tuple(sorted(numbers))
        dst = self._ports((*path, "ports"), data.get("ports", ()))
        src = self._ports((*path, "src_ports"), data.get("src_ports", ()))
        if (dst or src) and protocols and not {6, 17} & set(protocols):
            key = "ports" if "ports" in data else "src_ports"
            self.error((*path, key), "ports apply to tcp and udp only, and no protocol here is tcp or udp")
        return HeaderSpec(protocols=protocols, dst_ports=dst, src_ports=src)

    # --- routing policies -----------------------------------------------------------------------

    def prefix_ranges(self, path: KeyPath, items: Sequence[str]) -> tuple[PolicyPrefixRange, ...]:
        """``P [le N] [ge M]`` items (prefix-list semantics; host bits set are an error)."""
        from validator.engine.prefix_space import parse_range

        out: list[PolicyPrefixRange] = []
        for i, text in enumerate(items):
            try:
                r = parse_range(text)
            except ValueError as exc:
                self.error((*path, i), f"bad prefix range {text!r}: {exc}")
                continue
            out.append(PolicyPrefixRange(r.prefix, r.lo, r.hi, " ".join(text.split())))
        return tuple(out)

    def peer_selector(self, path: KeyPath, data: Any) -> PeerSelector:
        src = self.source(path)
        if data == "all":
            return PeerSelector(src, all_peers=True)
        neighbors: list[IPv4Address] = []
        for i, text in enumerate(data.get("neighbors", ())):
            try:
                neighbors.append(IPv4Address(text))
            except ValueError:
                self.error((*path, "neighbors", i), f"not an IPv4 address: {text!r}")
        sessions: list[tuple[NameSpec, IPv4Address]] = []
        for i, text in enumerate(data.get("sessions", ())):
            node, _, rest = text.rpartition("[")
            spec = self.name_spec((*path, "sessions", i), node)
            try:
                ip = IPv4Address(rest.rstrip("]"))
            except ValueError:
                self.error((*path, "sessions", i), f"a session is DEVICE[PEER_IP] (got {text!r})")
                continue
            if spec is not None:
                sessions.append((spec, ip))
        return PeerSelector(
            src,
            remote_as=tuple(data.get("remote_as", ())),
            neighbors=tuple(neighbors),
            sessions=tuple(sessions),
            groups=tuple(data.get("groups", ())),
            nodes=self.node_specs((*path, "nodes"), data.get("nodes", ())),
        )
