"""Evidence that cites the lines a change edits, on every device its cause spans.

Checks point at what they know: the filter line that denied, or (for findings without one) the
changed *stanzas* on the path, whose first line is a header such as ``interface Gi1/2`` or
``router ospf 1``, which the change did not edit. And a blast-radius finding about units on two
routers is found on the path of one. Here, once the checks are done, each finding's evidence is
made actionable:

- a cited header of a changed stanza is replaced by the lines of that stanza the change edits;
- a finding about change units (a blast-radius cut, whose failure set is the units it failed
  together) also cites the edited lines of every stanza behind each unit, on every device.

Only locations change; verdicts, statuses and messages do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from validator.diff.stanzas import segment_ios
from validator.diff.units import Unit, parse_unit
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangedStanza, ChangeSet, Finding, Location

_FAILURE_TO_UNIT = {"interface": "iface", "iface": "iface", "node": "node", "session": "session", "process": "process"}
MAX_CAUSE_LINES = 40  # per finding: a renumbering that edits hundreds of lines keeps the first ones


class _Lines:
    """Edited head lines per changed stanza (segmenting each changed config once)."""

    def __init__(self, head: Snapshot, edited: Mapping[str, set[int]]) -> None:
        self.head = head
        self.edited = edited
        self._segments: dict[str, dict[int, list[int]]] = {}

    def _stanza_lines(self, file: str) -> dict[int, list[int]]:
        if file not in self._segments:
            text = self.head.files.get(file)
            table: dict[int, list[int]] = {}
            if text is not None and not file.endswith(".json"):
                try:
                    for stanza in segment_ios(text).values():
                        table.setdefault(stanza.first_line, []).extend(ln.line for ln in stanza.lines)
                except Exception:  # a file the segmenter cannot read keeps its header citations
                    table = {}
            self._segments[file] = table
        return self._segments[file]

    def of(self, st: ChangedStanza) -> list[int]:
        """The head lines of ``st`` the change edits (none for a removed stanza)."""
        if st.op == "removed":
            return []
        edited = self.edited.get(st.file, set())
        lines = self._stanza_lines(st.file).get(st.line, [])
        return sorted(x for x in set(lines) if x in edited)

    def location(self, file: str, line: int) -> Location:
        text = self.head.files.get(file)
        rows = text.splitlines() if text is not None else []
        return Location(file, line, rows[line - 1].strip() if 0 < line <= len(rows) else None)


def _units_of(f: Finding) -> list[Unit]:
    """The change units a finding is about: its ``cut_units``, the units of the waves that no
    rollout order could apply, or for a blast-radius finding the failure set
    (``interface:r1[Gi0/1]`` is the unit ``iface:r1[Gi0/1]``)."""
    names: list[str] = []
    cut = f.extra.get("cut_units")
    if isinstance(cut, list):
        names.extend(str(u) for u in cut)
    waves = f.extra.get("waves")
    if "failing_state" in f.extra and isinstance(waves, list):
        # no safe rollout order: the cause is every unit the waves could not order (a link
        # renumbered on both ends is one cause on two devices)
        names.extend(str(u) for wave in waves if isinstance(wave, list) for u in wave)
    if f.check == "blast_radius":
        for spec in f.failures:
            kind, _, rest = spec.partition(":")
            if kind in _FAILURE_TO_UNIT:
                names.append(f"{_FAILURE_TO_UNIT[kind]}:{rest}")
    out: list[Unit] = []
    for name in names:
        try:
            unit = parse_unit(name)
        except ValueError:
            continue
        if unit not in out:
            out.append(unit)
    return out


def _filters_on_path(f: Finding, acls: Mapping[tuple[str, str], ChangedStanza]) -> list[ChangedStanza]:
    """Changed ACL stanzas that a filter step of the finding's (head) traces evaluated."""
    out: list[ChangedStanza] = []
    if not acls:
        return out
    for trace in f.trace:
        for hop in trace.get("hops") or ():
            for step in hop.get("steps") or ():
                if step.get("type") != "Filter":
                    continue
                st = acls.get((str(hop.get("node")), str(step.get("filter"))))
                if st is not None and st not in out:
                    out.append(st)
    return out


def _dedupe(locs: Iterable[Location]) -> tuple[Location, ...]:
    seen: set[tuple[str, int]] = set()
    out: list[Location] = []
    for loc in locs:
        if (loc.file, loc.line) not in seen:
            seen.add((loc.file, loc.line))
            out.append(loc)
    return tuple(out)


def cite_changed_lines(
    findings: Sequence[Finding],
    *,
    change: ChangeSet,
    head: Snapshot,
    edited: Mapping[str, set[int]],
    impact: Any = None,
) -> list[Finding]:
    """``findings`` with stanza headers replaced by edited lines and unit findings citing the
    edited lines on every device (``impact``: :class:`validator.diff.impact.ChangeImpact`)."""
    from dataclasses import replace

    lines = _Lines(head, edited)
    headers = {(st.file, st.line): st for st in change.stanzas if st.op != "removed"}
    acls = {(st.device, st.name): st for st in change.stanzas if st.kind == "acl" and st.op != "removed"}
    out: list[Finding] = []
    for f in findings:
        locs: list[Location] = []
        if impact is not None:
            # the units the finding failed come first: they are what the change does to the flow
            for unit in _units_of(f):
                for st in impact.stanzas_of(unit):
                    locs.extend(lines.location(st.file, n) for n in lines.of(st))
        if not any(loc.line in edited.get(loc.file, set()) for loc in f.locations):
            # denied by an unchanged line (``deny ip any any``) of an ACL the change edited: the
            # edited lines of that ACL are the cause (a permit that no longer matches)
            for acl in _filters_on_path(f, acls):
                locs.extend(lines.location(acl.file, n) for n in lines.of(acl))
        for loc in f.locations:
            header = headers.get((loc.file, loc.line))
            if header is None or loc.line in edited.get(loc.file, set()):
                locs.append(loc)
                continue
            body = lines.of(header)
            locs.extend(lines.location(header.file, n) for n in body) if body else locs.append(loc)
        new = _dedupe(locs)[: max(MAX_CAUSE_LINES, len(f.locations))]
        out.append(f if new == f.locations else replace(f, locations=new))
    return out
