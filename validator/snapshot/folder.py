"""Load a snapshot from a folder on disk (read only).

The folder may come from an untrusted change, so the walk is defensive: symlinks are followed only
while they stay inside the snapshot root, special files (FIFOs, devices) are refused rather than
opened, and nothing is skipped without being reported. Everything else is the shared loader's job.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from validator.errors import InputError
from validator.fileio import check_size, read_regular_file
from validator.model.snapshot import Snapshot
from validator.snapshot.loader import load_snapshot_files

_MAX_DEPTH = 32


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def read_folder_files(root: Path) -> tuple[dict[str, bytes], list[str]]:
    """All regular files under ``root`` by snapshot-relative POSIX path, plus hidden paths not read.

    Hidden directories (``.git``) are not descended into; they are returned as skipped.
    """
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    real_root = root.resolve()

    def walk(directory: Path, rel: str, depth: int, seen: frozenset[Path]) -> None:
        if depth > _MAX_DEPTH:
            raise InputError("folder nesting too deep (symlink loop?)", file=rel or ".")
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"cannot read folder: {exc.strerror}", file=rel or ".") from exc
        for entry in entries:
            rel_path = f"{rel}{entry.name}"
            if entry.name.startswith("."):
                skipped.append(rel_path)
                continue
            full = Path(entry.path)
            if entry.is_symlink():
                try:
                    target = full.resolve(strict=True)
                except (OSError, RuntimeError) as exc:
                    raise InputError("dangling or looping symlink", file=rel_path) from exc
                if not _inside(real_root, target):
                    raise InputError("symlink points outside the snapshot folder", file=rel_path)
            else:
                target = full
            try:
                st = target.stat()
            except OSError as exc:
                raise InputError(f"cannot stat: {exc.strerror}", file=rel_path) from exc
            if stat.S_ISDIR(st.st_mode):
                real = target.resolve()
                if real in seen:
                    raise InputError("symlink loop", file=rel_path)
                walk(target, rel_path + "/", depth + 1, seen | {real})
            elif stat.S_ISREG(st.st_mode):
                check_size(st.st_size, rel_path)
                try:
                    files[rel_path] = read_regular_file(target)
                except InputError as exc:
                    raise InputError(exc.message, file=rel_path) from None
            else:
                raise InputError("not a regular file (device, FIFO or socket)", file=rel_path)

    walk(real_root, "", 0, frozenset({real_root}))
    return files, skipped


def load_snapshot(path: str | Path, *, strict: bool = True) -> Snapshot:
    """Load the Batfish-layout snapshot folder at ``path``."""
    root = Path(path)
    if not root.exists():
        raise InputError("snapshot folder does not exist", file=str(path))
    if not root.is_dir():
        raise InputError("snapshot path is not a folder", file=str(path))
    if not (root / "configs").is_dir():
        raise InputError("snapshot folder has no configs/ folder (Batfish layout expected)", file=str(path))
    files, skipped = read_folder_files(root)
    return load_snapshot_files(files, name=root.resolve().name, source=str(path), strict=strict, skipped_files=skipped)
