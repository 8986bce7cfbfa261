"""Cut an IOS-style configuration into named stanzas, so a change is reported as "which object".

A stanza is the unit a reviewer thinks in (an interface, one BGP neighbor, one route-map clause,
one ACL), not a text hunk. The segmentation works on raw text only: the diff must be able to name
what changed even in lines the parser does not model, because those are exactly the lines that
make the gate fail closed.

Rules: a line at column 0 starts a block and indented lines belong to it; a column-0 ``!`` ends
the block. Some kinds gather lines from several places (numbered ``access-list N`` lines, one
``ip prefix-list`` name, every ``neighbor X`` line inside ``router bgp`` including its
address-families), so stanzas are keyed by ``(kind, key name)`` and lines with the same key merge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from validator.errors import ConfigParseError
from validator.parsers.cisco_ios.common import canonical_interface
from validator.parsers.junos.flatten import flatten, looks_like_junos


def canonical_interface_name(name: str) -> str:
    """``Gi0/0`` -> ``GigabitEthernet0/0``: the IOS parser's own rule, so stanza names always match
    model interface names; unknown prefixes are kept as typed. Junos unit names (``ge-0/0/0.0``,
    ``lo0.0``, ``ae1.0``) are already what the model uses and are never expanded."""
    if _JUNOS_IFACE.match(name.strip()):
        return name.strip()
    return canonical_interface(name.strip())


_JUNOS_IFACE = re.compile(r"^([a-z]{2,3}-\d+/\d+/\d+(:\d+)?(\.\d+)?|(lo|ae|irb|fxp|em|me|reth)\d+\.\d+)$")


def normalise_line(text: str) -> str:
    """Whitespace-insensitive form of a line: what the comparison sees."""
    return " ".join(text.split())


@dataclass(frozen=True)
class StanzaLine:
    line: int  # 1-based line number in the file
    text: str  # raw text without the line break
    context: str = ""  # enclosing sub-mode that changes meaning (a BGP address-family)

    @property
    def normalised(self) -> str:
        body = normalise_line(self.text)
        return f"{self.context} | {body}" if self.context else body


@dataclass
class Stanza:
    """One named configuration object and the lines that define it."""

    kind: str
    name: str
    key: str  # identity within (file, kind); usually == name, not for singletons like hostname
    lines: list[StanzaLine] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.lines[0].line if self.lines else 0

    @property
    def normalised(self) -> tuple[str, ...]:
        return tuple(n for n in (ln.normalised for ln in self.lines) if n and not n.startswith("!"))


# --- block segmentation -----------------------------------------------------------------------


@dataclass
class _Block:
    header: StanzaLine
    children: list[StanzaLine] = field(default_factory=list)


def _banner_delimiter(words: list[str]) -> str | None:
    if len(words) < 3:
        return None
    token = words[2]
    return "^C" if token.startswith("^C") else token[0]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        num = i + 1
        i += 1
        if not raw.strip():
            continue
        if raw[0] in " \t":
            if current is None:  # orphan indented line: its own block, never silently dropped
                current = _Block(StanzaLine(num, raw))
                blocks.append(current)
            else:
                current.children.append(StanzaLine(num, raw))
            continue
        if raw.startswith("!") or raw.strip() == "end":
            current = None
            continue
        current = _Block(StanzaLine(num, raw))
        blocks.append(current)
        words = raw.split()
        if words[0] == "banner":
            delim = _banner_delimiter(words)
            if delim is None:
                continue
            # the banner text runs until the closing delimiter, whatever its indentation
            after_open = raw.split(delim, 1)[1] if delim in raw else ""
            if delim in after_open:
                current = None
                continue
            while i < len(lines):
                body = lines[i].rstrip()
                current.children.append(StanzaLine(i + 1, body))
                i += 1
                if delim in body:
                    break
            current = None
    return blocks


# --- classification ---------------------------------------------------------------------------


def _is_ip(word: str) -> bool:
    try:
        IPv4Address(word)
    except ValueError:
        return False
    return True


_STATIC_STOP = {"name", "tag", "permanent", "track", "global", "dhcp", "multicast"}


def static_route_name(words: list[str]) -> str:
    """``ip route [vrf V] P M NEXTHOP...`` -> ``[vrf V ]P M NEXTHOP`` (distance, tag, name excluded)."""
    rest = words[2:]
    prefix: list[str] = []
    if len(rest) >= 2 and rest[0] == "vrf":
        prefix = ["vrf", rest[1]]
        rest = rest[2:]
    if not rest:
        return " ".join(prefix)
    net = rest[:1] if "/" in rest[0] else rest[:2]
    hops: list[str] = []
    for w in rest[len(net) :]:
        if _is_ip(w):
            hops.append(w)
        elif w[0].isalpha() and w.lower() not in _STATIC_STOP:
            hops.append(canonical_interface_name(w))
        else:
            break
    return " ".join(prefix + net + hops)


def _first_words(text: str, n: int = 3) -> str:
    return " ".join(text.split()[:n])


def _bgp_units(block: _Block) -> list[tuple[str, str, str, list[StanzaLine]]]:
    """Split ``router bgp`` into the process itself, each neighbor, each network and aggregate."""
    asn = block.header.text.split()[2] if len(block.header.text.split()) > 2 else ""
    process: list[StanzaLine] = [block.header]
    units: list[tuple[str, str, str, list[StanzaLine]]] = []
    af = ""
    # EOS nests ``vrf NAME`` and ``address-family`` blocks by indentation alone (no
    # ``exit-address-family``): a line indented no deeper than the block's head closes it
    vrf, vrf_indent, af_indent = "", -1, -1
    for child in block.children:
        words = child.text.split()
        if not words:
            continue
        head = words[0]
        indent = len(child.text) - len(child.text.lstrip())
        if af and indent <= af_indent:
            af, af_indent = "", -1
        if vrf and indent <= vrf_indent:
            vrf, vrf_indent = "", -1
        if head == "vrf" and len(words) == 2:
            vrf, vrf_indent = normalise_line(child.text), indent
            process.append(child)
            continue
        if head == "address-family":
            af, af_indent = normalise_line(child.text), indent
            process.append(StanzaLine(child.line, child.text, vrf))
            continue
        if head == "exit-address-family":
            af, af_indent = "", -1
            process.append(child)
            continue
        line = StanzaLine(child.line, child.text, " | ".join(x for x in (vrf, af) if x))
        if head == "no" and len(words) >= 3 and words[1] == "neighbor":  # ``no neighbor X activate``
            head, words = "neighbor", words[1:]
        if head == "neighbor" and len(words) >= 2 and vrf:
            units.append(("bgp neighbor", words[1], f"{vrf} {words[1]}", [line]))
        elif head == "neighbor" and len(words) >= 2:
            units.append(("bgp neighbor", words[1], words[1], [line]))
        elif head == "network" and len(words) >= 2:
            name = " ".join(words[1:4:2]) if len(words) >= 4 and words[2] == "mask" else words[1]
            units.append(("bgp network", name, name, [line]))
        elif head == "aggregate-address" and len(words) >= 2:
            name = " ".join(words[1:3]) if len(words) >= 3 and _is_ip(words[2]) else words[1]
            units.append(("bgp aggregate", name, name, [line]))
        else:
            process.append(line)
    # one BGP process per IOS device: key by kind only, so an AS change reads as "modified"
    return [("router bgp", asn, "", process), *units]


def _classify(block: _Block) -> list[tuple[str, str, str, list[StanzaLine]]]:
    """(kind, display name, key, lines) units of one block."""
    text = block.header.text
    words = text.split()
    w = [x.lower() for x in words]
    all_lines = [block.header, *block.children]
    if text[0] in " \t":
        return [("other", normalise_line(text), normalise_line(text), all_lines)]
    if w[0] == "interface" and len(words) >= 2:
        name = canonical_interface_name(" ".join(words[1:]))
        # the header is compared in canonical form so ``Gi0/0`` -> ``GigabitEthernet0/0`` is no change
        header = StanzaLine(block.header.line, f"interface {name}")
        return [("interface", name, name, [header, *block.children])]
    if w[:2] == ["router", "bgp"]:
        return _bgp_units(block)
    if w[:2] == ["router", "ospf"]:
        name = " ".join(words[2:])
        return [("router ospf", name, name, all_lines)]
    if w[0] == "route-map" and len(words) >= 2:
        seq = "10"
        if len(words) >= 4:
            seq = words[3]
        name = f"{words[1]} {seq}"
        return [("route-map", name, name, all_lines)]
    if w[:2] == ["ip", "access-list"] and len(words) >= 3:
        name = words[3] if w[2] in ("extended", "standard") and len(words) >= 4 else words[2]
        return [("acl", name, name, all_lines)]
    if w[0] == "access-list" and len(words) >= 2:
        return [("acl", words[1], words[1], all_lines)]
    if w[:2] == ["ip", "prefix-list"] and len(words) >= 3:
        return [("prefix-list", words[2], words[2], all_lines)]
    if w[:2] == ["ip", "community-list"] and len(words) >= 3:
        name = words[3] if w[2] in ("standard", "expanded") and len(words) >= 4 else words[2]
        return [("community-list", name, name, all_lines)]
    if w[:2] == ["ip", "route"] and len(words) >= 3:
        name = static_route_name(words)
        return [("static route", name, name, all_lines)]
    if w[0] == "hostname":
        return [("hostname", " ".join(words[1:]), "", all_lines)]
    if (w[:2] == ["vrf", "definition"] or w[:2] == ["ip", "vrf"]) and len(words) >= 3:
        return [("vrf", words[2], words[2], all_lines)]
    # blocks with children are named by their whole header (``line vty 0 4``); single lines by their
    # first words so a changed value (``ntp server``, ``ip domain name``) reads as "modified"
    name = normalise_line(text) if block.children else _first_words(text)
    if w[0] == "banner":
        name = _first_words(text, 2)
    return [("other", name, name, all_lines)]


def segment_ios(text: str) -> dict[tuple[str, str], Stanza]:
    """Stanzas of an IOS-style config by (kind, key), lines in file order (a Junos file, in either
    form, is cut by :func:`segment_junos`)."""
    if looks_like_junos(text):
        return segment_junos(text)
    out: dict[tuple[str, str], Stanza] = {}
    for block in _blocks(text):
        for kind, name, key, lines in _classify(block):
            st = out.get((kind, key))
            if st is None:
                out[(kind, key)] = Stanza(kind, name, key, list(lines))
            else:
                st.lines.extend(lines)
                if kind == "hostname":
                    st.name = name
    for st in out.values():
        st.lines.sort(key=lambda ln: ln.line)
    return out


# --- Junos ------------------------------------------------------------------------------------


def _junos_unit(word: str) -> str:
    return word if "." in word else f"{word}.0"


def _classify_junos(w: tuple[str, ...]) -> tuple[str, str, str]:
    """(kind, name, key) of one flat Junos statement, in the IOS stanza vocabulary so change units
    and inertness work unchanged: a unit is an ``interface`` (its OSPF lines too, as IOS keeps
    ``ip ospf cost`` under the interface), a BGP group or neighbour a ``bgp neighbor`` (a group
    by its name, which the model records as the neighbours' peer group), a policy-statement term a
    ``route-map`` clause, a firewall filter an ``acl``."""
    n = len(w)
    if w[0] == "interfaces" and n >= 4 and w[2] == "unit":
        name = f"{w[1]}.{w[3]}"
        return "interface", name, name
    if w[:2] == ("protocols", "ospf"):
        if n >= 6 and w[2] == "area" and w[4] == "interface":
            name = _junos_unit(w[5])
            return "interface", name, name
        return "router ospf", "default", "default"
    if w[:2] == ("protocols", "bgp"):
        if n >= 6 and w[2] == "group" and w[4] == "neighbor":
            return "bgp neighbor", w[5], w[5]
        if n >= 4 and w[2] == "group":
            return "bgp neighbor", w[3], w[3]
        return "router bgp", "", ""
    if w[0] == "policy-options" and n >= 3:
        if w[1] == "policy-statement":
            term = w[4] if n >= 5 and w[3] == "term" else "-"
            name = f"{w[2]} {term}"
            return "route-map", name, name
        kind = {"prefix-list": "prefix-list", "community": "community-list"}.get(w[1])
        if kind is not None:
            return kind, w[2], w[2]
    if w[0] == "firewall":
        name = w[4] if w[1:4] == ("family", "inet", "filter") and n >= 5 else w[2] if n >= 3 else ""
        if name:
            return "acl", name, name
    if w[:3] == ("routing-options", "static", "route") and n >= 4:
        return "static route", w[3], w[3]
    if w[:2] == ("system", "host-name") and n >= 3:
        return "hostname", w[2], ""
    # a leaf read as "modified" when its value changes (``routing-options router-id X``)
    name = " ".join(w[:2] if w[0] == "routing-options" else w[:3])
    return "other", name, name


def segment_junos(text: str) -> dict[tuple[str, str], Stanza]:
    """Stanzas of a Junos config (hierarchical or ``set``): the flat ``set`` statements (as the
    parser reads them) grouped by object, each at the file line it came from. Comparing flat
    statements makes re-indenting or moving a statement between the two forms no change, and a
    changed leaf a change of exactly its object."""
    try:
        flat = flatten(text, "")
    except ConfigParseError:
        return {("other", "unparsable"): Stanza("other", "unparsable", "unparsable", [StanzaLine(1, text[:200])])}
    out: dict[tuple[str, str], Stanza] = {}
    for fl in flat:
        kind, name, key = _classify_junos(fl.words)
        st = out.get((kind, key))
        line = StanzaLine(fl.line, fl.text)
        if st is None:
            out[(kind, key)] = Stanza(kind, name, key, [line])
        else:
            st.lines.append(line)
    for st in out.values():
        st.lines.sort(key=lambda ln: ln.line)
    return out


def junos_changed_lines(base_text: str | None, head_text: str | None) -> tuple[set[int], set[int]]:
    """(head lines, base lines) whose flat statement the other side lacks, for Junos files.

    In the hierarchical form a statement's meaning includes its enclosing blocks: renaming
    ``ge-0/0/0 {`` to ``ge-0/0/9 {`` changes every statement under it although their own text
    lines are untouched. Comparing flat statements marks those lines changed too, so an
    unmodelled statement moved this way still blocks. Empty for non-Junos text.
    """
    texts = [t for t in (base_text, head_text) if t]
    if not texts or not all(looks_like_junos(t) for t in texts):
        return set(), set()
    try:
        base = flatten(base_text or "", "")
        head = flatten(head_text or "", "")
    except ConfigParseError:
        return set(), set()
    in_base = {fl.text for fl in base}
    in_head = {fl.text for fl in head}
    return {fl.line for fl in head if fl.text not in in_base}, {fl.line for fl in base if fl.text not in in_head}
