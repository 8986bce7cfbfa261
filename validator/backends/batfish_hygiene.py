"""Batfish's view of the snapshot's health (file parse status, init issues, undefined references),
folded into the model so the soundness rule sees what Batfish did not understand. Split from
``batfish_translate`` so each module stays small."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from validator.backends.batfish_translate import FlowTraces, _int, node_name
from validator.model.dataplane import BgpSession
from validator.model.snapshot import FileError, Snapshot
from validator.model.source import ParseWarning, SourceRef

FAILED_PARSE_STATUSES = frozenset({"FAILED", "UNKNOWN"})


# --- hygiene ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileParseStatus:
    file: str
    status: str  # PASSED, PARTIALLY_UNRECOGNIZED, FAILED, EMPTY, UNKNOWN, IGNORED, ...
    file_format: str | None = None
    nodes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status.upper() in FAILED_PARSE_STATUSES


@dataclass(frozen=True)
class InitIssue:
    """One ``initIssues`` row: a parse or conversion warning or error, with its lines."""

    type: str  # e.g. "Parse warning (unrecognized)", "Convert error", "Convert warning (redflag)"
    details: str
    nodes: tuple[str, ...] = ()
    file: str | None = None
    lines: tuple[int, ...] = ()
    line_text: str | None = None
    parser_context: str | None = None

    @property
    def is_error(self) -> bool:
        return "error" in self.type.lower()


@dataclass(frozen=True)
class UndefinedReference:
    file: str
    struct_type: str
    ref_name: str
    context: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class HygieneReport:
    """What Batfish says about a snapshot's health (``BatfishBackend.hygiene``)."""

    parse_status: tuple[FileParseStatus, ...] = ()
    init_issues: tuple[InitIssue, ...] = ()
    undefined_references: tuple[UndefinedReference, ...] = ()
    bgp_sessions: tuple[BgpSession, ...] = ()
    loops: tuple[FlowTraces, ...] = ()


def _file_lines(value: Any) -> list[tuple[str, tuple[int, ...]]]:
    """FileLines cells (``{"filename", "lines"}``), one or a list."""
    cells = value if isinstance(value, list) else [value] if value is not None else []
    out: list[tuple[str, tuple[int, ...]]] = []
    for c in cells:
        if isinstance(c, Mapping):
            out.append((str(c.get("filename")), tuple(_int(x, "line") for x in c.get("lines") or ())))
    return out


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(node_name(v) for v in items)


def file_parse_status_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[FileParseStatus, ...]:
    return tuple(
        FileParseStatus(
            file=str(r.get("File_Name")),
            status=str(r.get("Status")),
            file_format=str(r["File_Format"]) if r.get("File_Format") is not None else None,
            nodes=_names(r.get("Nodes")),
        )
        for r in rows
    )


def init_issues_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[InitIssue, ...]:
    out: list[InitIssue] = []
    for r in rows:
        sources = _file_lines(r.get("Source_Lines"))
        base = InitIssue(
            type=str(r.get("Type")),
            details=str(r.get("Details") or ""),
            nodes=_names(r.get("Nodes")),
            line_text=str(r["Line_Text"]) if r.get("Line_Text") is not None else None,
            parser_context=str(r["Parser_Context"]) if r.get("Parser_Context") is not None else None,
        )
        if not sources:
            out.append(base)
        out.extend(replace(base, file=f, lines=lines) for f, lines in sources)
    return tuple(out)


def undefined_references_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[UndefinedReference, ...]:
    out: list[UndefinedReference] = []
    for r in rows:
        locations = _file_lines(r.get("Lines")) or [(str(r.get("File_Name")), ())]
        for file, lines in locations:
            out.append(
                UndefinedReference(
                    file=str(r.get("File_Name") or file),
                    struct_type=str(r.get("Struct_Type")),
                    ref_name=str(r.get("Ref_Name")),
                    context=str(r.get("Context") or ""),
                    lines=lines,
                )
            )
    return tuple(out)


def augment_snapshot(
    snapshot: Snapshot,
    *,
    parse_status: Sequence[FileParseStatus] = (),
    init_issues: Sequence[InitIssue] = (),
    undefined: Sequence[UndefinedReference] = (),
) -> Snapshot:
    """The snapshot as the unchanged hygiene check should see it under Batfish: files Batfish
    failed to parse and its init errors become file errors (the gate fails closed on them), its
    warnings become parse warnings and its undefined references join the parser's, each once."""
    errors = list(snapshot.file_errors)
    seen_errors = {(e.file, e.line) for e in errors}

    def add_error(file: str, line: int, message: str) -> None:
        if (file, line) not in seen_errors:
            seen_errors.add((file, line))
            errors.append(FileError(file, line, message))

    for ps in parse_status:
        if ps.failed:
            add_error(ps.file, 1, f"Batfish could not parse the file (status {ps.status})")
    by_file = {n.file: name for name, n in snapshot.nodes.items()}
    warnings: dict[str, list[ParseWarning]] = {}
    for issue in init_issues:
        file = issue.file
        line = issue.lines[0] if issue.lines else 1
        if issue.is_error:
            if file is not None:
                add_error(file, line, f"Batfish {issue.type}: {issue.details}")
            else:
                add_error(",".join(issue.nodes) or "(snapshot)", 1, f"Batfish {issue.type}: {issue.details}")
            continue
        if file is None or file not in by_file:
            continue
        node = snapshot.nodes[by_file[file]]
        known = {(w.file, w.line) for w in node.warnings} | {(w.file, w.line) for w in warnings.get(node.name, [])}
        if (file, line) in known:
            continue
        text = issue.line_text if issue.line_text is not None else issue.details
        warnings.setdefault(node.name, []).append(
            ParseWarning(file, line, text, reason=f"Batfish {issue.type}: {issue.details}")
        )
    undefined_by_node: dict[str, list[tuple[str, str, SourceRef]]] = {}
    for ref in undefined:
        name = by_file.get(ref.file)
        if name is None:
            continue
        node = snapshot.nodes[name]
        known_refs = {(r[1], r[2].file, r[2].line) for r in node.undefined_references}
        for line in ref.lines or (1,):
            key = (ref.ref_name, ref.file, line)
            added = undefined_by_node.get(name, [])
            if key in known_refs or any((a[1], a[2].file, a[2].line) == key for a in added):
                continue
            undefined_by_node.setdefault(name, []).append((ref.struct_type, ref.ref_name, SourceRef(ref.file, line)))
    if not warnings and not undefined_by_node and len(errors) == len(snapshot.file_errors):
        return snapshot
    nodes = dict(snapshot.nodes)
    for name in set(warnings) | set(undefined_by_node):
        node = nodes[name]
        nodes[name] = replace(
            node,
            warnings=node.warnings + tuple(warnings.get(name, ())),
            undefined_references=node.undefined_references + tuple(undefined_by_node.get(name, ())),
        )
    return replace(snapshot, nodes=nodes, file_errors=tuple(errors))
