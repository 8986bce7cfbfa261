"""Git plumbing for coordination: refs under ``refs/validator/``, objects, trees. Nothing else.

Why git refs and not a lock file: ``git update-ref --stdin`` transactions give compare-and-swap on
every ref with all-or-nothing semantics, they live in the repository every automation already
shares (and pushes/fetches), and git itself takes care of atomic renames and lock files. This
module is the only place of the coordination layer that runs git. It runs git with an argument
list (no shell), validates every name it is given, never writes the work tree, the index or a
branch: the only refs it updates are under ``refs/validator/``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.errors import EngineError, InputError

REF_PREFIX = "refs/validator/"
_HEX = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
# a ref below refs/validator/: lower-case components of safe characters, no "..", no ".lock"
_REF = re.compile(r"^refs/validator/[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
# environment variables that would redirect git away from the repository we were given
_GIT_ENV_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
)


@dataclass(frozen=True)
class RefUpdate:
    """One step of a ref transaction.

    ``old`` is the value the ref must have for the transaction to go through (compare-and-swap):
    ``None`` means "must not exist". ``new`` ``None`` deletes the ref. ``verify_only`` checks
    ``old`` without changing the ref.
    """

    ref: str
    new: str | None
    old: str | None
    verify_only: bool = False


class _GitFailed(Exception):
    def __init__(self, args: Sequence[str], code: int, stderr: str, stdout: bytes = b"") -> None:
        self.args_ = list(args)
        self.code = code
        self.stderr = stderr
        self.stdout = stdout
        super().__init__(stderr)


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # never refresh the index as a side effect
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def _git(repo: str, args: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
    cmd = ["git", "-C", repo, *args]
    try:
        proc = subprocess.run(cmd, input=input, capture_output=True, env=_env(env), check=False)
    except FileNotFoundError:
        raise EngineError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        raise _GitFailed(args, proc.returncode, proc.stderr.decode("utf-8", "replace").strip(), proc.stdout)
    return proc.stdout


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def _check_ref(ref: str) -> str:
    if not _REF.match(ref) or ".." in ref or ref.endswith((".lock", ".")) or "/." in ref:
        raise InputError(f"refusing to touch ref {ref!r}: only safe names under {REF_PREFIX} are allowed")
    return ref


def _check_oid(oid: str) -> str:
    if not _HEX.match(oid):
        raise InputError(f"not a full git object id: {oid!r}")
    return oid


def check_rev(rev: str) -> str:
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r") or len(rev) > 1024:
        raise InputError(f"not a valid git revision: {rev!r}")
    return rev


def _check_path(path: str) -> str:
    """A path inside the repository: relative, no '..', normalised ('' = the root)."""
    p = path.replace("\\", "/").strip()
    if p.startswith("/") or any(c in p for c in "\0\n\r"):
        raise InputError(f"not a path inside the repository: {path!r}")
    parts = [x for x in p.split("/") if x not in ("", ".")]
    if any(x == ".." for x in parts):
        raise InputError(f"not a path inside the repository: {path!r}")
    return "/".join(parts)


def repo_root(repo: str | os.PathLike[str]) -> str:
    """The repository's git dir check; raises InputError when ``repo`` is not a git repository."""
    path = os.fspath(repo)
    if not os.path.isdir(path):
        raise InputError(f"--repo {path}: not a directory")
    try:
        out = _git(path, ["rev-parse", "--absolute-git-dir"])
    except _GitFailed:
        raise InputError(f"--repo {path}: not a git repository") from None
    return out.decode().strip()


def resolve_commit(repo: str, rev: str) -> str | None:
    """Full commit id of ``rev``, or None when it does not name a commit."""
    check_rev(rev)
    try:
        out = _git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"])
    except _GitFailed:
        return None
    oid = out.decode().strip()
    return oid or None


def object_type(repo: str, oid: str) -> str | None:
    try:
        return _git(repo, ["cat-file", "-t", _check_oid(oid)]).decode().strip()
    except _GitFailed:
        return None


def tree_at(repo: str, commit: str, path: str) -> str | None:
    """Git tree id of folder ``path`` at ``commit`` ('' = root), None when absent or not a folder.

    The tree id is the content hash of the whole snapshot: equal ids, byte-identical folders.
    """
    _check_oid(commit)
    rel = _check_path(path)
    spec = f"{commit}^{{tree}}" if rel == "" else f"{commit}:{rel}"
    try:
        out = _git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", spec])
    except _GitFailed:
        return None
    oid = out.decode().strip()
    if not oid or object_type(repo, oid) != "tree":
        return None
    return oid


def list_blobs(repo: str, commit: str, path: str) -> list[tuple[str, str]]:
    """(path relative to ``path``, blob id) of every file under ``path`` at ``commit``, sorted.

    ``path`` may name a single file; then its base name is the relative path. Missing: [].
    """
    _check_oid(commit)
    rel = _check_path(path)
    args = ["ls-tree", "-r", "-z", "--full-tree", commit]
    if rel:
        args += ["--", rel]
    try:
        out = _git(repo, args)
    except _GitFailed as exc:
        raise InputError(f"cannot list {path!r} at {commit[:12]}: {_first_line(exc.stderr)}") from None
    entries: list[tuple[str, str]] = []
    for rec in out.decode("utf-8", "surrogateescape").split("\0"):
        if not rec:
            continue
        meta, _, name = rec.partition("\t")
        _mode, kind, oid = meta.split()
        if kind != "blob":
            continue  # submodules are not policy files
        if rel and name == rel:
            relname = name.rsplit("/", 1)[-1]
        elif rel:
            if not name.startswith(rel + "/"):
                continue
            relname = name[len(rel) + 1 :]
        else:
            relname = name
        entries.append((relname, oid))
    entries.sort()
    return entries


def read_ref(repo: str, ref: str) -> str | None:
    """Object id the ref points at, None when it does not exist."""
    _check_ref(ref)
    try:
        out = _git(repo, ["for-each-ref", "--format=%(objectname) %(refname)", "--", ref])
    except _GitFailed as exc:
        raise EngineError(f"git for-each-ref failed: {_first_line(exc.stderr)}") from None
    for line in out.decode().splitlines():
        oid, _, name = line.partition(" ")
        if name == ref:
            return oid
    return None


def list_refs(repo: str, prefix: str) -> dict[str, str]:
    """{ref name: object id} of every ref under ``prefix`` (a folder below refs/validator/)."""
    _check_ref(prefix.rstrip("/"))
    try:
        out = _git(repo, ["for-each-ref", "--format=%(objectname) %(refname)", "--", prefix.rstrip("/") + "/"])
    except _GitFailed as exc:
        raise EngineError(f"git for-each-ref failed: {_first_line(exc.stderr)}") from None
    refs: dict[str, str] = {}
    for line in out.decode().splitlines():
        oid, _, name = line.partition(" ")
        refs[name] = oid
    return refs


def write_blob(repo: str, data: bytes) -> str:
    try:
        return _git(repo, ["hash-object", "-w", "--stdin"], input=data).decode().strip()
    except _GitFailed as exc:
        raise EngineError(f"git hash-object failed: {_first_line(exc.stderr)}") from None


def read_blob(repo: str, oid: str) -> bytes:
    try:
        return _git(repo, ["cat-file", "blob", _check_oid(oid)])
    except _GitFailed as exc:
        raise EngineError(f"cannot read object {oid[:12]}: {_first_line(exc.stderr)}") from None


def empty_tree(repo: str) -> str:
    """The empty tree, written to the object store so commits that use it are complete."""
    try:
        return _git(repo, ["hash-object", "-t", "tree", "-w", "--stdin"], input=b"").decode().strip()
    except _GitFailed as exc:
        raise EngineError(f"git hash-object failed: {_first_line(exc.stderr)}") from None


def write_commit(repo: str, message: str, parent: str | None, *, author: str, date: str) -> str:
    """A commit of the empty tree carrying ``message``; used for the append-only event log.

    The identity is given explicitly so the log works in repositories without user.name.
    ``date`` is a git date (e.g. ISO 8601).
    """
    return commit_tree(repo, empty_tree(repo), [parent] if parent else [], message, author=author, date=date)


def write_file_tree(repo: str, files: Mapping[str, bytes]) -> str:
    """A tree of flat files (name -> content), written to the object store."""
    entries = []
    for name, data in sorted(files.items()):
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", name):
            raise InputError(f"not a plain file name: {name!r}")
        entries.append(f"100644 blob {write_blob(repo, data)}\t{name}")
    try:
        return _git(repo, ["mktree"], input=("\n".join(entries) + "\n").encode()).decode().strip()
    except _GitFailed as exc:
        raise EngineError(f"git mktree failed: {_first_line(exc.stderr)}") from None


def read_path(repo: str, rev: str, path: str) -> bytes | None:
    """Content of file ``path`` at commit or tree ``rev``; None when absent."""
    _check_oid(rev)
    rel = _check_path(path)
    try:
        if _git(repo, ["cat-file", "-t", f"{rev}:{rel}"]).decode().strip() != "blob":
            return None
        return _git(repo, ["cat-file", "blob", f"{rev}:{rel}"])
    except _GitFailed:
        return None


def commit_tree(repo: str, tree: str, parents: Sequence[str], message: str, *, author: str, date: str) -> str:
    """A commit of ``tree`` with ``parents``, with an explicit identity (no user.name needed)."""
    args = ["commit-tree", _check_oid(tree)]
    for parent in parents:
        args += ["-p", _check_oid(parent)]
    ident = re.sub(r"[<>\n\r\0]", "", author)[:128] or "validator"
    env = {
        "GIT_AUTHOR_NAME": ident,
        "GIT_AUTHOR_EMAIL": "validator@localhost",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "validator",
        "GIT_COMMITTER_EMAIL": "validator@localhost",
        "GIT_COMMITTER_DATE": date,
    }
    try:
        out = _git(repo, [*args, "-F", "-"], input=message.encode(), env=env)
    except _GitFailed as exc:
        raise EngineError(f"git commit-tree failed: {_first_line(exc.stderr)}") from None
    return out.decode().strip()


def read_commit_message(repo: str, oid: str) -> tuple[str, list[str]]:
    """(message, parent ids) of a commit object."""
    try:
        raw = _git(repo, ["cat-file", "commit", _check_oid(oid)]).decode("utf-8", "replace")
    except _GitFailed as exc:
        raise EngineError(f"cannot read commit {oid[:12]}: {_first_line(exc.stderr)}") from None
    head, _, message = raw.partition("\n\n")
    parents = [line.split()[1] for line in head.splitlines() if line.startswith("parent ")]
    return message, parents


def transaction(repo: str, updates: Sequence[RefUpdate]) -> tuple[bool, str]:
    """Apply every update atomically with compare-and-swap; (True, "") or (False, why).

    A rejected transaction (a ref moved, already exists, or is locked by a concurrent writer)
    changes nothing; the caller re-reads and decides again. Other git failures raise EngineError.
    """
    zero = "0" * 40
    lines = ["start"]
    for u in updates:
        ref = _check_ref(u.ref)
        old = _check_oid(u.old) if u.old is not None else None
        if u.verify_only:
            lines.append(f"verify {ref} {old or zero}")
        elif u.new is None:
            if old is None:
                raise InputError(f"delete of {ref} needs the expected old value")
            lines.append(f"delete {ref} {old}")
        elif old is None:
            lines.append(f"create {ref} {_check_oid(u.new)}")
        else:
            lines.append(f"update {ref} {_check_oid(u.new)} {old}")
    lines += ["prepare", "commit", ""]
    try:
        _git(repo, ["update-ref", "--stdin"], input="\n".join(lines).encode())
    except _GitFailed as exc:
        msg = _first_line(exc.stderr)
        if "cannot lock ref" in msg or "but expected" in msg or "already exists" in msg:
            recover_stale_lock(repo, exc.stderr)
            return False, msg.removeprefix("fatal: ")
        raise EngineError(f"git update-ref failed: {msg}") from None
    return True, ""


# git holds a ref's lock file for the milliseconds of one transaction; one this old was left by a
# killed process and would otherwise make every transaction on that ref fail until removed by hand
STALE_LOCK_SECONDS = 10.0
_LOCK_IN_MESSAGE = re.compile(r"Unable to create '([^']+\.lock)': File exists")


def recover_stale_lock(repo: str, stderr: str, *, min_age: float = STALE_LOCK_SECONDS) -> str | None:
    """Remove a stale ``refs/validator/**.lock`` named in a failed transaction's message.

    Only lock files under ``<git dir>/refs/validator/`` older than ``min_age`` seconds are touched.
    Safety against removing a live writer's lock: the file is first *renamed* to a unique name
    (atomic), then its inode is compared with the one judged stale; if it is not the same file (a
    live writer re-created the lock meanwhile) it is linked back, where ``link`` never replaces
    anything. Returns the path removed, or None. The caller simply retries its transaction.
    """
    import time
    import uuid

    m = _LOCK_IN_MESSAGE.search(stderr)
    if not m:
        return None
    path = os.path.realpath(m.group(1))
    try:
        gitdir = os.path.realpath(repo_root(repo))
    except InputError:
        return None
    if not path.startswith(os.path.join(gitdir, "refs", "validator") + os.sep):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None  # already gone: the retry will succeed
    if time.time() - st.st_mtime < min_age:
        return None  # a live writer, or too young to tell: let the caller back off and retry
    aside = f"{path}.stale-{uuid.uuid4().hex}"
    try:
        os.rename(path, aside)
    except OSError:
        return None
    try:
        moved = os.stat(aside)
        if (moved.st_ino, moved.st_dev) != (st.st_ino, st.st_dev):
            with _suppress_os():
                os.link(aside, path)  # not ours to remove: put it back unless a new one exists
            return None
    finally:
        with _suppress_os():
            os.unlink(aside)
    return path


def _suppress_os() -> Any:
    from contextlib import suppress

    return suppress(OSError)


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob with this content (SHA-1 object format), without a repository."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def log_commits(repo: str, ref: str, limit: int | None = None) -> list[str]:
    """Commit ids reachable from ``ref`` along first parents, newest first."""
    _check_ref(ref)
    if read_ref(repo, ref) is None:
        return []
    args = ["rev-list", "--first-parent"]
    if limit is not None:
        args.append(f"--max-count={int(limit)}")
    try:
        out = _git(repo, [*args, ref, "--"])
    except _GitFailed as exc:
        raise EngineError(f"git rev-list failed: {_first_line(exc.stderr)}") from None
    return out.decode().split()


def merge_change(repo: str, merge_base: str, ours: str, theirs: str) -> tuple[str | None, list[str]]:
    """Apply the change ``merge_base``..``theirs`` on top of ``ours``: (tree, []) or (None, conflicts).

    A three-way merge of trees (``git merge-tree --write-tree``), nothing checked out. A conflict
    is returned, never resolved: two in-flight changes to the same file cannot be combined blind.
    """
    args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z"]
    args += [f"--merge-base={_check_oid(merge_base)}", _check_oid(ours), _check_oid(theirs)]
    try:
        out = _git(repo, args)
    except _GitFailed as exc:
        if exc.code == 1:  # conflicts: first the tree, then the conflicted paths
            parts = [p for p in exc.stdout.decode("utf-8", "replace").split("\0") if p.strip()]
            return None, sorted(set(parts[1:])) or ["(conflict)"]
        raise EngineError(f"git merge-tree failed: {_first_line(exc.stderr)}") from None
    return out.decode().split("\0")[0].strip(), []


def is_ancestor(repo: str, older: str, newer: str) -> bool:
    try:
        _git(repo, ["merge-base", "--is-ancestor", _check_oid(older), _check_oid(newer)])
    except _GitFailed as exc:
        if exc.code == 1:
            return False
        raise EngineError(f"git merge-base failed: {_first_line(exc.stderr)}") from None
    return True


def count_commits(repo: str, exclude: str, include: str) -> int:
    """Commits reachable from ``include`` and not from ``exclude``."""
    try:
        out = _git(repo, ["rev-list", "--count", f"{_check_oid(exclude)}..{_check_oid(include)}", "--"])
    except _GitFailed as exc:
        raise EngineError(f"git rev-list failed: {_first_line(exc.stderr)}") from None
    return int(out.decode().strip() or 0)


def upstream_of(repo: str, branch: str) -> str | None:
    """Full name of the upstream of local branch ``branch`` (e.g. refs/remotes/origin/main), or None."""
    check_rev(branch)
    name = branch.removeprefix("refs/heads/")
    try:
        out = _git(repo, ["rev-parse", "--symbolic-full-name", f"{name}@{{upstream}}"])
    except _GitFailed:
        return None
    ref = out.decode().strip()
    return ref or None


def full_ref(repo: str, rev: str) -> str | None:
    """The full ref name ``rev`` abbreviates (refs/heads/main, refs/remotes/origin/main), None if none."""
    check_rev(rev)
    try:
        out = _git(repo, ["rev-parse", "--symbolic-full-name", rev])  # check_rev: never an option
    except _GitFailed:
        return None
    ref = out.decode().strip()
    return ref if ref.startswith("refs/") else None


def remote_branch(repo: str, tracking_ref: str) -> tuple[str, str] | None:
    """(remote, branch) a remote-tracking ref such as refs/remotes/origin/main stands for."""
    if not tracking_ref.startswith("refs/remotes/"):
        return None
    rest = tracking_ref.removeprefix("refs/remotes/")
    try:
        remotes = _git(repo, ["remote"]).decode().split()
    except _GitFailed:
        return None
    for remote in sorted(remotes, key=len, reverse=True):
        if rest.startswith(remote + "/"):
            return remote, rest[len(remote) + 1 :]
    return None


def fetch_branch(repo: str, remote: str, branch: str) -> None:
    """Update ``refs/remotes/<remote>/<branch>`` from the remote (network access: only when asked)."""
    check_rev(remote)
    check_rev(branch)
    spec = f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
    try:
        _git(repo, ["fetch", "--quiet", "--no-tags", "--end-of-options", remote, spec])
    except _GitFailed as exc:
        raise InputError(f"cannot fetch {branch} from {remote}: {_first_line(exc.stderr)}") from None


def same_repository(a: str, b: str) -> bool:
    return os.path.realpath(repo_root(a)) == os.path.realpath(repo_root(b))


def push_create(repo: str, registry: str, oid: str, ref: str) -> tuple[bool, str]:
    """Create ``ref`` in ``registry`` pointing at ``oid`` from ``repo``, carrying its objects.

    Compare-and-swap on the registry: the push is refused when the ref already exists
    (``--force-with-lease=REF:`` with an empty expectation). (True, "") or (False, why).
    """
    _check_ref(ref)
    _check_oid(oid)
    args = ["push", "--quiet", "--porcelain", "--atomic", f"--force-with-lease={ref}:", registry, f"{oid}:{ref}"]
    try:
        _git(repo, args)
    except _GitFailed as exc:
        return False, _first_line(exc.stderr) or "push refused"
    return True, ""


__all__ = [
    "REF_PREFIX",
    "RefUpdate",
    "check_rev",
    "commit_tree",
    "count_commits",
    "empty_tree",
    "fetch_branch",
    "full_ref",
    "git_blob_id",
    "is_ancestor",
    "list_blobs",
    "list_refs",
    "log_commits",
    "merge_change",
    "object_type",
    "push_create",
    "read_blob",
    "read_commit_message",
    "read_path",
    "read_ref",
    "recover_stale_lock",
    "remote_branch",
    "repo_root",
    "resolve_commit",
    "same_repository",
    "transaction",
    "tree_at",
    "upstream_of",
    "write_blob",
    "write_commit",
    "write_file_tree",
]
