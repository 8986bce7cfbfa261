"""Changed files the loader never reads: listed in the verdict and blocking unless declared.

A Batfish snapshot folder can hold more than the builtin loader reads (``aws_configs/``,
``azure_configs/``, ``sonic_configs/``, notes, an iptables file no host points at). A change to
such a file is a change nobody analysed, so it must not pass silently: it is listed in
``change.unread`` and blocks with a finding naming it. A repository declares files that are not
network state with ``--ignore-path GLOB`` (``ignore_paths=`` in :func:`validator.check`).

Glob rules (:func:`ignored`): patterns match the snapshot-relative POSIX path with ``fnmatch``
(``*`` also crosses ``/``), and a pattern also matches everything under a folder it names
(``docs`` or ``docs/`` covers ``docs/a/b.md``). Only unread files can be ignored: a file the loader
reads (a config, a host file, a side file) is analysed whatever the patterns say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from validator.model.snapshot import Snapshot
from validator.model.verdict import Finding, Location

UNREAD_POLICY = "change"
UNREAD_CHECK = "unread"


def ignored(path: str, patterns: Iterable[str]) -> bool:
    """True when ``path`` matches a pattern or lies under a folder a pattern names."""
    for raw in patterns:
        pattern = raw.replace("\\", "/").strip().removeprefix("./")
        if not pattern:
            continue
        folder = pattern.rstrip("/")
        if fnmatchcase(path, pattern) or fnmatchcase(path, folder) or fnmatchcase(path, folder + "/*"):
            return True
    return False


def _content(snap: Snapshot, path: str) -> bytes | None:
    if path in snap.raw_files:
        return snap.raw_files[path]
    text = snap.files.get(path)
    return text.encode("utf-8") if text is not None else None


def unread_changes(base: Snapshot, head: Snapshot, ignore_paths: Sequence[str] = ()) -> list[str]:
    """Snapshot paths the loader does not read (on either side) whose content differs, sorted."""
    candidates = set(base.unread_files) | set(head.unread_files)
    out = []
    for path in sorted(candidates):
        if ignored(path, ignore_paths):
            continue
        if _content(base, path) != _content(head, path):
            out.append(path)
    return out


def unread_findings(paths: Iterable[str], base: Snapshot, head: Snapshot) -> list[Finding]:
    """One blocking finding per unread changed file (pseudo-policy ``change``, check ``unread``)."""
    out: list[Finding] = []
    for path in paths:
        before, after = _content(base, path), _content(head, path)
        op = "added" if before is None else "removed" if after is None else "modified"
        out.append(
            Finding(
                policy=UNREAD_POLICY,
                check=UNREAD_CHECK,
                message=(
                    f"unread file {op}: {path} is not read by the gate, so its change is not analysed; "
                    "if it is not network state, declare it with --ignore-path"
                ),
                locations=(Location(path, 1),),
            )
        )
    return out
