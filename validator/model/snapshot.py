"""A loaded snapshot: parsed nodes plus the Batfish-layout side files."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.model.config import Node
from validator.model.source import ParseWarning


@dataclass(frozen=True)
class Layer1Edge:
    """An undirected physical cable from ``batfish/layer1_topology.json`` (node names lower-cased)."""

    node1: str
    interface1: str
    node2: str
    interface2: str


@dataclass(frozen=True)
class BgpAnnouncement:
    """One entry of ``external_bgp_announcements.json`` (an eBGP route sent to a node by the outside)."""

    network: IPv4Network
    dst_node: str
    dst_ip: IPv4Address
    src_ip: IPv4Address
    next_hop_ip: IPv4Address
    as_path: tuple[tuple[int, ...], ...]
    communities: tuple[int, ...] = ()
    med: int = 0
    local_preference: int = 0
    origin: str = "igp"
    dst_vrf: str = "default"


@dataclass(frozen=True)
class FileError:
    """A file that could not be parsed at all; the snapshot still loads, the gate fails closed on it."""

    file: str
    line: int
    message: str
    # set when the file is a whole configuration of an unsupported vendor (not malformed input):
    # the rest of the snapshot is analysed and the file is reported on its own
    vendor: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Everything read from one snapshot folder (or one git revision of it).

    ``files`` holds the raw text of every text file by snapshot-relative path, so the change-set
    diff and the reports can quote lines without touching the disk again.
    """

    name: str
    source: str  # folder path or "git:REV:PATH"
    nodes: dict[str, Node]
    files: dict[str, str] = field(default_factory=dict)
    layer1: tuple[Layer1Edge, ...] | None = None
    blacklisted_interfaces: frozenset[tuple[str, str]] = frozenset()  # (node, interface)
    blacklisted_nodes: frozenset[str] = frozenset()
    runtime_line_down: frozenset[tuple[str, str]] = frozenset()  # from batfish/runtime_data.json
    bgp_announcements: tuple[BgpAnnouncement, ...] = ()
    isp_config: dict[str, Any] | None = None
    file_errors: tuple[FileError, ...] = ()
    skipped_files: tuple[str, ...] = ()  # hidden files (".gitkeep", ".DS_Store"): not parsed, as in Batfish
    # files of the snapshot folder the loader does not read at all (``aws_configs/x.json``, notes,
    # an unreferenced iptables file, a second copy of a side file): a change to one is not analysed
    unread_files: tuple[str, ...] = ()
    # the exact bytes of every file read (binary side files included), when the loader keeps them:
    # what a server-side engine (Batfish) is given when the snapshot has no folder on disk (git mode)
    raw_files: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def warnings(self) -> list[ParseWarning]:
        return [w for n in sorted(self.nodes) for w in self.nodes[n].warnings]
