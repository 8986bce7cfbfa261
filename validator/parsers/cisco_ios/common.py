"""Line splitting, stanza grouping and the per-file parse context shared by the stanza parsers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from validator.errors import ConfigParseError
from validator.model.config import Community
from validator.model.prefix import Address
from validator.model.prefix import prefix as as_prefix
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.cisco_ios.tables import (
    INTERFACE_PREFIXES,
    WELL_KNOWN_COMMUNITIES,
    Ignorable,
    match_ignorable,
)


@dataclass
class Line:
    """One non-blank configuration line; ``num`` is 1-based."""

    num: int
    indent: int
    text: str  # stripped
    words: list[str]


@dataclass
class Stanza:
    """A top-level line with the indented lines that follow it."""

    head: Line
    children: list[Line] = field(default_factory=list)


class LineError(Exception):
    """A line that could not be understood; the caller turns it into a ParseWarning."""


@dataclass
class Context:
    """Everything a stanza parser may record besides its model objects."""

    file: str
    warnings: list[ParseWarning] = field(default_factory=list)
    # (kind, name, where): resolved against the definitions once the whole file is read
    references: list[tuple[str, str, SourceRef]] = field(default_factory=list)
    recognised: int = 0  # lines modelled or deliberately ignored
    handled: set[int] = field(default_factory=set)  # their line numbers (the fuzz tests account for every line)

    def src(self, line: Line) -> SourceRef:
        return SourceRef(self.file, line.num)

    def warn(self, line: Line, reason: str = "unmodelled line") -> None:
        self.warnings.append(ParseWarning(self.file, line.num, line.text, reason))

    def ok(self, line: Line) -> None:
        """``line`` was modelled or deliberately ignored (tables.py says why)."""
        self.recognised += 1
        self.handled.add(line.num)

    def ref(self, kind: str, name: str, line: Line) -> None:
        self.references.append((kind, name, self.src(line)))

    def ignorable(self, line: Line, table: tuple[Ignorable, ...]) -> bool:
        if match_ignorable(line.words, table) is not None:
            self.ok(line)
            return True
        return False

    def child(self, line: Line, handle: Callable[[Line], bool], table: tuple[Ignorable, ...]) -> bool:
        """One child line of a stanza: modelled by ``handle``, deliberately ignored by ``table``,
        or recorded as a warning (never silently dropped), also when it does not parse.

        Returns False when the line was warned, so the caller can mark its object partial."""
        try:
            if handle(line):
                self.ok(line)
                return True
            if self.ignorable(line, table):
                return True
            self.warn(line)
        except LineError as e:
            self.warn(line, f"unparsable: {e}")
        return False


_CONTROL = re.compile(r"[\x00-\x02\x04-\x08\x0e-\x1a\x1c-\x1f]")  # \x03 (^C) may delimit banners; \x1b ANSI


def split_lines(text: str, file: str) -> list[Line]:
    """Reject binary input, then return the non-blank, non-comment lines."""
    m = _CONTROL.search(text)
    if m is not None:
        line_no = text.count("\n", 0, m.start()) + 1
        raise ConfigParseError("not a text configuration (binary or control characters)", file=file, line=line_no)
    out: list[Line] = []
    for num, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        # comments, and ``exit`` which only leaves a configuration mode (indentation says the same)
        if not stripped or stripped[0] in "!#" or stripped == "exit":
            continue
        body = raw.rstrip()
        indent = len(body) - len(body.lstrip())
        out.append(Line(num, indent, stripped, stripped.split()))
    return out


def group_stanzas(lines: list[Line]) -> list[Stanza]:
    stanzas: list[Stanza] = []
    for line in lines:
        if line.indent == 0 or not stanzas:
            stanzas.append(Stanza(line))
        else:
            stanzas[-1].children.append(line)
    return stanzas


# --- value parsers (raise LineError on bad input) -----------------------------------------------


def ip(word: str) -> IPv4Address:
    try:
        return Address(word)
    except ValueError as e:
        raise LineError(f"bad IPv4 address {word!r}") from e


def is_ip(word: str) -> bool:
    parts = word.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def mask_len(word: str) -> int:
    """Netmask (255.255.255.0) to prefix length; contiguous masks only."""
    m = int(ip(word))
    inv = (~m) & 0xFFFFFFFF
    if inv & (inv + 1):
        raise LineError(f"non-contiguous netmask {word!r}")
    return 32 - inv.bit_length()


def wildcard_len(word: str) -> int:
    """Wildcard (0.0.0.255) to prefix length; contiguous only."""
    w = int(ip(word))
    if w & (w + 1):
        raise LineError(f"non-contiguous wildcard {word!r}")
    return 32 - w.bit_length()


def network(addr: str, mask: str | None = None) -> IPv4Network:
    """``A M``, ``A/len`` or a bare classful ``A``; host bits are cleared."""
    try:
        if mask is None:
            if "/" in addr:
                return as_prefix(addr, strict=False)
            return as_prefix((addr, classful_len(ip(addr))), strict=False)
        return as_prefix((addr, mask_len(mask)), strict=False)
    except ValueError as e:
        raise LineError(f"bad network {addr} {mask or ''}".strip()) from e


def classful_len(addr: IPv4Address) -> int:
    first = int(addr) >> 24
    if first < 128:
        return 8
    if first < 192:
        return 16
    if first < 224:
        return 24
    return 32


def integer(word: str, lo: int = 0, hi: int = 2**32 - 1) -> int:
    try:
        value = int(word)
    except ValueError as e:
        raise LineError(f"expected a number, got {word!r}") from e
    if not lo <= value <= hi:
        raise LineError(f"{value} outside [{lo}, {hi}]")
    return value


def asn(word: str) -> int:
    """Plain or asdot (``1.10``) AS number."""
    if "." in word:
        hi, _, lo = word.partition(".")
        return integer(hi, 0, 65535) * 65536 + integer(lo, 0, 65535)
    return integer(word, 0, 2**32 - 1)


def area(word: str) -> int:
    return int(ip(word)) if "." in word else integer(word)


def community(word: str) -> Community:
    low = word.lower()
    if low in WELL_KNOWN_COMMUNITIES:
        hi, lo = WELL_KNOWN_COMMUNITIES[low]
        return Community(hi, lo)
    if ":" in word:
        a, _, b = word.partition(":")
        return Community(integer(a, 0, 65535), integer(b, 0, 65535))
    value = integer(word)
    return Community(value >> 16, value & 0xFFFF)


# Batfish CiscoConfiguration.canonicalizeInterfaceName: the prefix is the first run of a letter,
# letters/digits/hyphens, and a final letter (``Dot11Radio``, ``HundredGigE``, ``Port-channel``)
_IFPREFIX = re.compile(r"[A-Za-z][-A-Za-z0-9]*[A-Za-z]")
_IFNAME = re.compile(r"^([A-Za-z][A-Za-z\-]*?)\s*([0-9].*)?$")


def canonical_interface(name: str) -> str:
    """Expand an abbreviated interface name (``Gi0/0`` -> ``GigabitEthernet0/0``) as Batfish does.

    This is the one canonicaliser of the project (diff and the parser registry call it). A prefix
    that no known name starts with is kept as written.
    """
    m = _IFPREFIX.match(name)
    if m is not None:
        prefix, rest = m.group(0), name[m.end() :].strip()
    else:
        m2 = _IFNAME.match(name)  # a single-letter prefix (``E0/0``)
        if m2 is None:
            return name
        prefix, rest = m2.group(1), m2.group(2) or ""
    low = prefix.lower()
    for typed, canonical in INTERFACE_PREFIXES:
        if typed.lower().startswith(low):
            return canonical + rest
    return name


def interface_words(words: list[str], i: int) -> tuple[str, int]:
    """Read an interface name at ``words[i]``, allowing IOS's ``GigabitEthernet 0/0`` spacing."""
    first = words[i]
    if (
        i + 1 < len(words)
        and first.replace("-", "").isalpha()
        and words[i + 1][:1].isdigit()
        and not is_ip(words[i + 1])
    ):
        return canonical_interface(first + words[i + 1]), i + 2
    return canonical_interface(first), i + 1
