"""Lines the gate could not read, on both sides of a change and in a lone snapshot.

The soundness rule: "I did not understand this line" never becomes a pass. A change that *adds* an
unreadable line is caught on the head side; one that *removes* (or rewrites) an unreadable line
is just as unknown (the base model never knew what the line did, so nobody knows what removing
it does), so the base side's warnings and partial objects count on the removed lines too.

Lines the IOS parser ignores *with a reason* (``parsers/cisco_ios/tables.py``) are not unmodelled,
except those that can still change behaviour (:func:`relevant_ignored_reason`):

- local credentials: ``username`` and ``enable`` decide whether the local fallback of a login
  method list can still log anyone in; they are not modelled, so a change to one blocks, saying so
  (``line``, ``aaa``, TACACS/RADIUS, ``snmp-server``, ``logging``, ``ntp``, ``ip ssh`` are modelled
  in ``validator.model.management`` and proven by the ``management`` policy: real changes, no
  longer unmodelled);
- ``control-plane`` (policing can drop routing-protocol traffic to the device; the model only
  records that the stanza is present and what it says, so a change to it still blocks);
- an interface's ``no switchport`` (without it a switch port is layer 2).

``neighbor X password`` is modelled (a mismatch takes the session down in the builtin engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from validator.model.config import Node
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef
from validator.model.verdict import Finding, Location

STATE_POLICY = "snapshot"
STATE_CHECK = "not_understood"


@dataclass(frozen=True)
class Unmodelled:
    """A changed line the model does not represent (or a file that did not parse)."""

    file: str
    line: int
    text: str
    reason: str = "unmodelled line"
    # "base": a line of the base file that the change removed (or rewrote); ``line`` is then a
    # base line number, and the message says so
    side: Literal["head", "base"] = "head"

    def location(self) -> Location:
        return Location(self.file, self.line, self.text)

    def message(self) -> str:
        where = f"{self.file}:{self.line}" + (" (base revision, line removed)" if self.side == "base" else "")
        return f"unmodelled change at {where}: {self.reason}: {self.text}"

    def __str__(self) -> str:
        return self.message()


def dedupe(items: Iterable[Unmodelled]) -> list[Unmodelled]:
    """One entry per (side, file, line), the first reason kept; head before base, by position."""
    found: dict[tuple[int, str, int], Unmodelled] = {}
    for u in items:
        found.setdefault((0 if u.side == "head" else 1, u.file, u.line), u)
    return [found[k] for k in sorted(found)]


# --- partial objects ---------------------------------------------------------------------------


def unparsed_refs(node: Node) -> Iterator[SourceRef]:
    """Every line a model object of ``node`` records as lost (its ``unparsed`` field)."""
    for table in (node.acls, node.prefix_lists, node.community_lists, node.as_path_lists, node.interfaces):
        for obj in table.values():
            yield from obj.unparsed
    for rm in node.route_maps.values():
        for clause in rm.clauses:
            yield from clause.unparsed
    for zp in node.zone_pairs:
        yield from zp.unparsed
        for cls in zp.classes:
            yield from cls.unparsed


def _not_understood(snap: Snapshot) -> Iterator[tuple[str, int, str, str]]:
    """(file, line, text, reason) of every line the parsers could not read, warnings first."""
    for name in sorted(snap.nodes):
        node = snap.nodes[name]
        for w in node.warnings:
            yield w.file, w.line, w.text.strip(), w.reason
        for ref in unparsed_refs(node):
            yield ref.file, ref.line, _line_text(snap, ref.file, ref.line), "line not understood (partial object)"


def _line_text(snap: Snapshot, file: str, line: int) -> str:
    text = snap.files.get(file)
    if text is None:
        return ""
    lines = text.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def removed_unmodelled(base: Snapshot, changed: dict[str, set[int]]) -> list[Unmodelled]:
    """Base lines the change removed or rewrote that the base model did not understand."""
    out: list[Unmodelled] = []
    for file, line, text, reason in _not_understood(base):
        if line in changed.get(file, ()):
            out.append(Unmodelled(file, line, text, reason, side="base"))
    for err in base.file_errors:
        if err.file in changed:
            out.append(Unmodelled(err.file, err.line, err.message, "base file not parsed", side="base"))
    return out


# --- management plane --------------------------------------------------------------------------

_MANAGEMENT: tuple[tuple[str, ...], ...] = tuple(tuple(words.split()) for words in ("username", "enable"))
MANAGEMENT_REASON = (
    "management-plane line ({what}) is not modelled (local users and the enable secret decide "
    "whether the local login fallback still works): a change to it is not analysed"
)


def management_head(words: list[str]) -> str | None:
    """The management keyword a config line starts with (``no`` forms included), else None."""
    low = [w.lower() for w in words]
    if low[:1] == ["no"]:
        low = low[1:]
    for prefix in _MANAGEMENT:
        if tuple(low[: len(prefix)]) == prefix:
            return " ".join(prefix)
    return None


# ignored lines whose change can still alter forwarding or routing, by enclosing stanza
_CONTROL_PLANE_REASON = (
    "control-plane policing is not modelled (Batfish ignores it) but can drop routing protocol and "
    "management traffic to the device: a change to it is not analysed"
)
_SWITCHPORT_REASON = (
    "layer-2/layer-3 port mode is not modelled (every interface is taken as routed): removing or "
    "changing 'no switchport' can turn the port into a switch port; a change to it is not analysed"
)


_SECRET_REASON = (
    "a shared secret with a management server (TACACS+/RADIUS key, NTP authentication key) is not "
    "modelled: the server's side is outside the snapshot, and a mismatch breaks AAA or time sync; "
    "a change to it is not analysed"
)


def _shared_secret(head: list[str], low: list[str]) -> bool:
    """``key`` under ``tacacs server``/``radius server`` (and ``server-private ... key`` in a
    group), ``tacacs-server [host X] key``, ``radius-server [host X] key``, NTP keys."""
    if head in (["tacacs", "server"], ["radius", "server"]) and low[:1] == ["key"]:
        return True
    if head[:1] == ["aaa"] and low[:1] == ["server-private"] and "key" in low:
        return True
    if low[:1] in (["tacacs-server"], ["radius-server"]) and "key" in low:
        return True
    return low[:2] in (["ntp", "authentication-key"], ["ntp", "trusted-key"])


def relevant_ignored_reason(head_words: list[str], line_words: list[str]) -> str | None:
    """Why a changed line the parser ignores can still change behaviour, or None if it cannot.

    ``head_words`` are the words of the line's stanza header (the line itself at top level).
    """
    what = management_head(head_words)
    if what is not None:
        return MANAGEMENT_REASON.format(what=what)
    head = [w.lower() for w in head_words[:2]]
    low = [w.lower() for w in line_words]
    if head[:1] == ["control-plane"]:
        return _CONTROL_PLANE_REASON
    if _shared_secret(head, low):
        return _SECRET_REASON
    if head[:1] == ["interface"] and low[:2] == ["no", "switchport"]:
        return _SWITCHPORT_REASON
    return None


def _stanza_heads(lines: list[str]) -> list[int]:
    """For each line (0-based), the index of the column-0 line whose block it belongs to (or -1)."""
    heads: list[int] = []
    current = -1
    for i, raw in enumerate(lines):
        if raw.strip() and raw[0] not in " \t":
            current = -1 if raw.startswith("!") else i
        heads.append(current if raw[:1] in (" ", "\t") or i == current else -1)
    return heads


def management_changes(snap: Snapshot, changed: dict[str, set[int]], side: Literal["head", "base"]) -> list[Unmodelled]:
    """Changed config lines that the parser ignores but that can still change behaviour: local
    credentials (``username``, ``enable``), control-plane policing, ``no switchport``."""
    out: list[Unmodelled] = []
    for file in sorted(changed):
        if not file.startswith("configs/") or not changed[file]:
            continue
        text = snap.files.get(file)
        if text is None:
            continue
        lines = text.splitlines()
        heads = _stanza_heads(lines)
        for num in sorted(changed[file]):
            if not 0 < num <= len(lines):
                continue
            head = heads[num - 1]
            line_words = lines[num - 1].split()
            words = lines[head].split() if head >= 0 else line_words
            reason = relevant_ignored_reason(words, line_words) if words else None
            if reason is not None:
                out.append(Unmodelled(file, num, lines[num - 1].strip(), reason, side=side))
    return out


# --- state mode --------------------------------------------------------------------------------


def state_findings(snap: Snapshot) -> list[Finding]:
    """Blocking findings for a snapshot checked on its own (no base): every line not understood.

    Without a base there is no change to compare, so any line the parser could not read might
    carry what the policies depend on: it blocks ("not understood at file:line"). Lines ignored
    with a reason in the parser's tables are not warnings and do not appear here.
    """
    seen: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for file, line, text, reason in _not_understood(snap):
        if (file, line) in seen:
            continue
        seen.add((file, line))
        out.append(
            Finding(
                policy=STATE_POLICY,
                check=STATE_CHECK,
                message=f"not understood at {file}:{line}: {reason}: {text} "
                "(no base to compare with: a snapshot with lines the parser could not read never passes)",
                locations=(Location(file, line, text),),
            )
        )
    return out
