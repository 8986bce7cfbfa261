"""Read snapshots out of git objects at a revision: no checkout, the work tree is never touched.

This is the only module that runs git to read snapshots (design §2). Revisions and paths come
from CI configuration or users, so they are validated before git sees them: a revision such as
``--output=x`` must never be taken for an option. Symlinks stored in the tree are resolved inside
the snapshot folder only; one pointing outside it is an error, as for folders on disk.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

from validator.errors import EngineError, InputError
from validator.fileio import check_size
from validator.model.snapshot import Snapshot
from validator.snapshot.loader import load_snapshot_files

_SAFE_REV = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]*$")
_MAX_REV = 256
_LINK_MODE = 0o120000
_MAX_LINK_HOPS = 16


def _git_module() -> Any:
    """GitPython, imported on use so that folder-only runs never need git installed."""
    try:
        import git
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise InputError("GitPython is required to read snapshots from git") from exc
    return git


_CHECKED_ODB: Any = None


def _checked_odb() -> Any:
    """GitPython's object database with every answer checked against the object asked for.

    GitPython reads objects through one long-lived ``git cat-file --batch`` per repository and
    does not compare the id in an answer with the id it asked for. A request whose answer was
    never read (a signal such as ``--timeout``'s SIGALRM or SIGTERM landing between the write and
    the read, an exception in a reader) leaves that process one answer behind: every later read
    then gets the *previous* object's header and bytes, silently. Read as a snapshot, a change's
    ``permit`` line can come back as the base's ``deny`` and the gate would pass what it must
    block. An answer for another object is an :class:`EngineError` (exit 3), never data.
    """
    global _CHECKED_ODB
    if _CHECKED_ODB is None:
        git = _git_module()

        class CheckedGitCmdObjectDB(git.db.GitCmdObjectDB):  # type: ignore[misc, name-defined]
            def info(self, binsha: bytes) -> Any:
                return _same_object(binsha, super().info(binsha))

            def stream(self, binsha: bytes) -> Any:
                return _same_object(binsha, super().stream(binsha))

        _CHECKED_ODB = CheckedGitCmdObjectDB
    return _CHECKED_ODB


def _same_object(asked: bytes, answer: Any) -> Any:
    if answer.binsha != asked:
        raise EngineError(
            f"git answered a read of object {asked.hex()} with object {bytes(answer.binsha).hex()}: "
            "the repository reader is out of step, refusing to use what it returned"
        )
    return answer


def _check_content(hexsha: str, kind: str, data: bytes, path: str) -> bytes:
    """``data`` must hash to the object id it was read as (git's own object naming)."""
    algo = "sha256" if len(hexsha) == 64 else "sha1"
    digest = hashlib.new(algo, b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()
    if digest != hexsha:
        raise EngineError(f"git object {hexsha} read for {path!r} does not hash to its id: refusing its content")
    return data


def validate_rev(rev: str) -> str:
    """Accept branch/tag names, SHAs and ``~``/``^`` suffixes; refuse anything git could take for more."""
    if not isinstance(rev, str) or not rev:
        raise InputError("empty git revision")
    if len(rev) > _MAX_REV:
        raise InputError("git revision too long")
    if rev.startswith("-"):
        raise InputError(f"invalid git revision {rev!r}: must not start with '-'")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in rev):
        raise InputError(f"invalid git revision {rev!r}: whitespace or control character")
    if ".." in rev:
        raise InputError(f"invalid git revision {rev!r}: ranges ('..') are not revisions")
    if rev.endswith((".", "/", ".lock")) or "//" in rev or ("@{" in rev and not rev.endswith("}")):
        raise InputError(f"invalid git revision {rev!r}")
    if not _SAFE_REV.match(rev):
        raise InputError(f"invalid git revision {rev!r}: unexpected character")
    return rev


def validate_repo_path(path: str) -> str:
    """Normalise a folder path inside the repository ("" is the root); no absolute paths, no ``..``."""
    raw = path.replace("\\", "/") if isinstance(path, str) else ""
    if not isinstance(path, str) or any(ord(ch) < 32 for ch in path):
        raise InputError(f"invalid snapshot path {path!r}")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise InputError(f"snapshot path {path!r} must be relative to the repository root")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InputError(f"snapshot path {path!r} must not contain '..'")
    return "/".join(parts)


def open_repo(path: str | Path) -> Any:
    """The git repository at ``path`` (its work tree root or .git dir)."""
    git = _git_module()
    try:
        repo = git.Repo(str(path), odbt=_checked_odb())
    except (git.NoSuchPathError, git.InvalidGitRepositoryError) as exc:
        raise InputError("not a git repository", file=str(path)) from exc
    # pin the repository for the git subprocesses GitPython runs (a hook's inherited GIT_DIR must
    # not redirect us to another repository)
    repo.git.update_environment(GIT_DIR=repo.git_dir)
    return repo


def locate(path: str | Path) -> tuple[Any, str]:
    """(repository containing ``path``, ``path`` relative to its work tree root) for folder arguments."""
    git = _git_module()
    target = Path(path).resolve()
    try:
        repo = git.Repo(
            str(target if target.is_dir() else target.parent), search_parent_directories=True, odbt=_checked_odb()
        )
    except (git.NoSuchPathError, git.InvalidGitRepositoryError) as exc:
        raise InputError("not inside a git repository", file=str(path)) from exc
    if repo.working_tree_dir is None:
        raise InputError("bare repository has no work tree to locate a folder in", file=str(path))
    repo.git.update_environment(GIT_DIR=repo.git_dir)
    rel = target.relative_to(Path(repo.working_tree_dir).resolve())
    return repo, validate_repo_path(rel.as_posix() if str(rel) != "." else "")


def resolve_commit(repo: Any, rev: str) -> str:
    """Full SHA of the commit ``rev`` names (tags peeled)."""
    validate_rev(rev)
    try:
        return str(repo.commit(rev).hexsha)
    except Exception as exc:  # GitPython raises BadName, ValueError, IndexError, GitCommandError...
        raise InputError(f"unknown revision {rev!r}") from exc


def default_branch(repo: Any) -> str:
    """The branch changes are proposed against: origin/HEAD's target, else main, else master."""
    try:
        origin_head = repo.refs["origin/HEAD"]
        ref = origin_head.reference
        return str(ref.name)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        pass
    heads = {h.name for h in repo.heads}
    for name in ("main", "master"):
        if name in heads:
            return name
    raise InputError("cannot determine the default branch (no origin/HEAD, main or master)")


def merge_base(repo: Any, a: str, b: str) -> str:
    """The best common ancestor of two revisions (the base a change should be judged against)."""
    ca, cb = resolve_commit(repo, a), resolve_commit(repo, b)
    try:
        bases = repo.merge_base(ca, cb)
    except Exception as exc:
        raise InputError(f"cannot compute merge base of {a!r} and {b!r}") from exc
    if not bases:
        raise InputError(f"revisions {a!r} and {b!r} have no common ancestor")
    return str(bases[0].hexsha)


def _object(repo: Any, commit: str, path_in_repo: str) -> Any | None:
    """The tree or blob at ``path_in_repo`` in ``commit`` ("" is the root tree); None if absent."""
    path = validate_repo_path(path_in_repo)
    sha = resolve_commit(repo, commit)
    tree = repo.commit(sha).tree
    if not path:
        return tree
    try:
        return tree / path
    except KeyError:
        return None


def _tree(repo: Any, commit: str, path_in_repo: str) -> Any:
    obj = _object(repo, commit, path_in_repo)
    if obj is None:
        raise InputError(f"no folder {validate_repo_path(path_in_repo)!r} at revision {commit}")
    if obj.type != "tree":
        raise InputError(f"{path_in_repo!r} at revision {commit} is not a folder")
    return obj


def read_file(repo: Any, commit: str, path_in_repo: str) -> bytes | None:
    """Content of one regular file at ``commit``, or None when there is no file at that path."""
    obj = _object(repo, commit, path_in_repo)
    if obj is None or obj.type != "blob" or int(obj.mode) == _LINK_MODE:
        return None
    return _blob_bytes(obj, path_in_repo)


def _blob_bytes(obj: Any, path: str) -> bytes:
    """A blob's content, refused before reading when its size (object header) is over the cap."""
    check_size(int(obj.size), path)
    return _check_content(str(obj.hexsha), "blob", bytes(obj.data_stream.read()), path)


def _entries(tree: Any) -> dict[str, tuple[int, str, Any]]:
    """Snapshot-relative path -> (mode, object id, object) for every non-tree entry."""
    out: dict[str, tuple[int, str, Any]] = {}
    base = tree.path
    for obj in tree.traverse():
        if obj.type == "tree":
            continue
        rel = obj.path[len(base) + 1 :] if base else obj.path
        out[rel] = (int(obj.mode), str(obj.hexsha), obj)
    return out


def _is_hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def read_tree_files(repo: Any, commit: str, path_in_repo: str, *, missing_ok: bool = False) -> dict[str, bytes]:
    """Every file under ``path_in_repo`` at ``commit``, keyed by path relative to that folder.

    Symlinks are replaced by what they point to inside the folder; a link leaving the folder, a
    dangling link or a submodule is an InputError naming it. When ``path_in_repo`` is a single
    regular file the result is ``{"": content}``. A missing path is an InputError, or ``{}`` with
    ``missing_ok``.
    """
    obj = _object(repo, commit, path_in_repo)
    if obj is None:
        if missing_ok:
            return {}
        raise InputError(f"no folder {validate_repo_path(path_in_repo)!r} at revision {commit}")
    if obj.type == "blob":
        if int(obj.mode) == _LINK_MODE:
            raise InputError("a symlink cannot be read as a file or folder", file=path_in_repo)
        return {"": _blob_bytes(obj, path_in_repo)}
    if obj.type != "tree":
        raise InputError("git submodule is not supported", file=path_in_repo)
    tree = obj
    entries = _entries(tree)
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for rel, (mode, _sha, obj) in entries.items():
        if obj.type == "submodule" or obj.type == "commit":
            raise InputError("git submodule inside a snapshot folder is not supported", file=rel)
        data = _blob_bytes(obj, posixpath.join(tree.path, rel) if tree.path else rel)
        if mode == _LINK_MODE and not _is_hidden(rel):
            links[rel] = data.decode("utf-8", errors="replace")
        else:
            files[rel] = data
    for rel, target in links.items():
        files.update(_resolve_link(rel, target, files, links))
    return files


def _resolve_link(rel: str, target: str, files: dict[str, bytes], links: dict[str, str]) -> dict[str, bytes]:
    current_rel, current = rel, target
    for _ in range(_MAX_LINK_HOPS):
        if current.startswith("/"):
            raise InputError(f"symlink to {current!r} points outside the snapshot folder", file=rel)
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current_rel), current))
        if resolved == ".." or resolved.startswith("../"):
            raise InputError(f"symlink to {target!r} points outside the snapshot folder", file=rel)
        if resolved == ".":
            raise InputError("symlink to the snapshot folder itself", file=rel)
        if resolved in links:
            current_rel, current = resolved, links[resolved]
            continue
        if resolved in files:
            return {rel: files[resolved]}
        prefix = resolved + "/"
        under = {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}
        if under:
            return {f"{rel}/{k}": v for k, v in under.items()}
        raise InputError(f"dangling symlink to {target!r}", file=rel)
    raise InputError("symlink chain too long (loop?)", file=rel)


def tree_hash(repo: Any, commit: str, path: str) -> str:
    """The git tree id of the snapshot folder at ``commit``: identical content ⇔ identical id."""
    return str(_tree(repo, commit, path).hexsha)


def list_changed_files(repo: Any, base: str, head: str, path: str) -> list[str]:
    """Snapshot-relative paths whose content or mode differs between two revisions of the folder.

    A folder missing at one side counts as empty there (a snapshot added or removed by the change).
    """

    def entries(rev: str) -> dict[str, tuple[int, str]]:
        try:
            tree = _tree(repo, rev, path)
        except InputError:
            resolve_commit(repo, rev)  # an unknown revision is still an error
            return {}
        return {k: (m, s) for k, (m, s, _o) in _entries(tree).items()}

    a, b = entries(base), entries(head)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def load_snapshot_at(repo: Any, rev: str, snapshot_path: str, *, strict: bool = True) -> Snapshot:
    """Load the snapshot folder ``snapshot_path`` (relative to the repository root) as of ``rev``.

    ``repo`` is a path (opened and closed here) or a repository from ``open_repo`` (left open).
    """
    validate_rev(rev)
    path = validate_repo_path(snapshot_path)
    owned = isinstance(repo, (str, Path))
    r = open_repo(repo) if owned else repo
    try:
        sha = resolve_commit(r, rev)
        if _object(r, sha, path) is None:
            raise InputError(f"no folder {path or '.'!r} at revision {rev}")
        files = read_tree_files(r, sha, path)
        name = posixpath.basename(path) or Path(str(r.working_tree_dir or r.git_dir)).name
    finally:
        if owned:
            r.close()  # ends GitPython's persistent ``git cat-file`` processes
    if not any(k.startswith("configs/") for k in files):
        raise InputError(f"snapshot folder {path or '.'!r} has no configs/ folder at revision {rev}")
    return load_snapshot_files(files, name=name, source=f"git:{rev}:{path or '.'}", strict=strict)


def is_shallow(path: str | Path) -> bool:
    """Whether the repository at ``path`` is a shallow clone (``shallow`` in its git directory, as
    ``git rev-parse --is-shallow-repository`` checks): its history stops short, so a base revision
    or merge-base may be missing from it. False when ``path`` is no repository."""
    try:
        repo = open_repo(path)
    except InputError:
        return False
    dirs = {getattr(repo, "common_dir", None), repo.git_dir}
    return any(d is not None and Path(d, "shallow").is_file() for d in dirs)
