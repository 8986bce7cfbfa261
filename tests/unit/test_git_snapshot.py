"""Reading snapshots from git objects in a throwaway repository; the work tree must stay untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from snapshot_helpers import SMALL, fake_parser  # noqa: F401  (fixture)

from validator.errors import EngineError, InputError
from validator.snapshot import git as gitsnap

pytestmark = [
    pytest.mark.usefixtures("fake_parser"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git executable not installed"),
]

_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, env=_ENV, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(SMALL, root / "net" / "prod", symlinks=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "v1")
    cfg = root / "net" / "prod" / "configs" / "r2.cfg"
    cfg.write_text(
        cfg.read_text().replace(
            "interface GigabitEthernet0/0", "interface GigabitEthernet0/0\ninterface GigabitEthernet0/9"
        )
    )
    (root / "net" / "prod" / "configs" / "r3.cfg").write_text("hostname r3\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    return root


def test_two_revisions_and_untouched_work_tree(repo: Path) -> None:
    # uncommitted edits: a modified tracked file and an untracked file
    cfg = repo / "net" / "prod" / "configs" / "r1.cfg"
    cfg.write_text("hostname uncommitted\n")
    (repo / "net" / "prod" / "configs" / "wip.cfg").write_text("hostname wip\n")
    status_before = git(repo, "status", "--porcelain")
    head_before = git(repo, "rev-parse", "HEAD")

    old = gitsnap.load_snapshot_at(repo, "v1", "net/prod")
    new = gitsnap.load_snapshot_at(repo, "HEAD", "net/prod/")
    assert list(old.nodes) == ["r1", "r2", "web1"]
    assert list(new.nodes) == ["r1", "r2", "r3", "web1"]
    assert "GigabitEthernet0/9" in new.nodes["r2"].interfaces
    assert "GigabitEthernet0/9" not in old.nodes["r2"].interfaces
    assert old.source == "git:v1:net/prod" and old.name == "prod"
    assert new.nodes["r1"].hostname == "R1"  # from git objects, not the edited work tree
    assert "wip" not in new.nodes
    assert new.blacklisted_interfaces == frozenset({("r2", "GigabitEthernet0/0")})
    assert new.skipped_files == ("configs/.gitkeep",)

    assert git(repo, "status", "--porcelain") == status_before
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert cfg.read_text() == "hostname uncommitted\n"


def test_resolve_tree_hash_and_changed_files(repo: Path) -> None:
    r = gitsnap.open_repo(repo)
    head = gitsnap.resolve_commit(r, "HEAD")
    assert head == git(repo, "rev-parse", "HEAD") and len(head) == 40
    first = gitsnap.resolve_commit(r, "v1")
    assert first == gitsnap.resolve_commit(r, "HEAD~1") == gitsnap.resolve_commit(r, "main^")
    assert gitsnap.tree_hash(r, head, "net/prod") == git(repo, "rev-parse", "HEAD:net/prod")
    assert gitsnap.tree_hash(r, first, "net/prod") != gitsnap.tree_hash(r, head, "net/prod")
    assert gitsnap.list_changed_files(r, "v1", "HEAD", "net/prod") == ["configs/r2.cfg", "configs/r3.cfg"]
    assert gitsnap.list_changed_files(r, "HEAD", "HEAD", "net/prod") == []
    assert gitsnap.merge_base(r, "v1", "HEAD") == first
    assert gitsnap.default_branch(r) == "main"
    files = gitsnap.read_tree_files(r, "v1", "net/prod")
    assert files["configs/r2.cfg"] == (SMALL / "configs" / "r2.cfg").read_bytes()
    assert "configs/r3.cfg" not in files


def test_merge_base_of_diverged_branches(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature", "v1")
    (repo / "net" / "prod" / "configs" / "r4.cfg").write_text("hostname r4\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")
    r = gitsnap.open_repo(repo)
    assert gitsnap.merge_base(r, "main", "feature") == gitsnap.resolve_commit(r, "v1")


def test_default_branch_prefers_origin_head(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], env=_ENV, check=True, capture_output=True)
    git(clone, "branch", "-q", "-m", "main", "local-only")
    assert gitsnap.default_branch(gitsnap.open_repo(clone)) == "origin/main"


@pytest.mark.parametrize(
    "rev",
    [
        "--output=x",
        "-h",
        "HEAD~999",
        "a b",
        "no-such-branch",
        "HEAD..main",
        "HEAD\n",
        "v1:net",
        "",
        "$(id)",
        "deadbeef",
    ],
)
def test_bad_revisions(repo: Path, rev: str) -> None:
    with pytest.raises(InputError):
        gitsnap.load_snapshot_at(repo, rev, "net/prod")
    assert not (repo / "x").exists()


def test_unknown_revision_message(repo: Path) -> None:
    with pytest.raises(InputError, match="unknown revision"):
        gitsnap.resolve_commit(gitsnap.open_repo(repo), "HEAD~999")


@pytest.mark.parametrize("path", ["../etc", "/etc", "net/../../x", "C:/x"])
def test_bad_paths(repo: Path, path: str) -> None:
    with pytest.raises(InputError):
        gitsnap.load_snapshot_at(repo, "HEAD", path)


def test_missing_folder_and_no_configs(repo: Path) -> None:
    with pytest.raises(InputError, match="no folder"):
        gitsnap.load_snapshot_at(repo, "HEAD", "net/staging")
    with pytest.raises(InputError, match="configs/"):
        gitsnap.load_snapshot_at(repo, "HEAD", "net/prod/hosts")
    with pytest.raises(InputError, match="configs/"):
        gitsnap.load_snapshot_at(repo, "HEAD", "net/prod/interface_blacklist")


def test_read_file_and_missing_ok(repo: Path) -> None:
    r = gitsnap.open_repo(repo)
    blacklist = (SMALL / "interface_blacklist").read_bytes()
    assert gitsnap.read_file(r, "HEAD", "net/prod/interface_blacklist") == blacklist
    assert gitsnap.read_file(r, "HEAD", "net/prod/nothing") is None
    assert gitsnap.read_file(r, "HEAD", "net/prod") is None  # a folder is not a file
    assert gitsnap.read_tree_files(r, "HEAD", "net/prod/interface_blacklist") == {"": blacklist}
    assert gitsnap.read_tree_files(r, "HEAD", "policies", missing_ok=True) == {}
    with pytest.raises(InputError, match="no folder"):
        gitsnap.read_tree_files(r, "HEAD", "policies")
    with pytest.raises(InputError, match="unknown revision"):
        gitsnap.read_tree_files(r, "nope", "policies", missing_ok=True)


def test_load_with_open_repo_object(repo: Path) -> None:
    r = gitsnap.open_repo(repo)
    snap = gitsnap.load_snapshot_at(r, gitsnap.resolve_commit(r, "HEAD"), "net/prod")
    assert "r3" in snap.nodes
    assert gitsnap.resolve_commit(r, "v1")  # still usable: not closed by the loader
    root = gitsnap.read_tree_files(r, "HEAD", ".")
    assert "net/prod/configs/r1.cfg" in root


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a git repository"):
        gitsnap.open_repo(tmp_path)
    with pytest.raises(InputError, match="not a git repository"):
        gitsnap.load_snapshot_at(tmp_path / "missing", "HEAD", "x")


def test_symlinks_in_tree(repo: Path) -> None:
    prod = repo / "net" / "prod"
    (prod / "shared").mkdir()
    (prod / "shared" / "r5.cfg").write_text("hostname r5\n")
    os.symlink("../shared/r5.cfg", prod / "configs" / "r5.cfg")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "inside link")
    snap = gitsnap.load_snapshot_at(repo, "HEAD", "net/prod")
    assert snap.nodes["r5"].file == "configs/r5.cfg"

    os.symlink("../../../outside.cfg", prod / "configs" / "evil.cfg")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "escaping link")
    with pytest.raises(InputError, match="outside the snapshot") as ei:
        gitsnap.load_snapshot_at(repo, "HEAD", "net/prod")
    assert ei.value.file == "configs/evil.cfg"
    os.unlink(prod / "configs" / "evil.cfg")
    os.symlink("/etc/passwd", prod / "configs" / "abs.cfg")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "absolute link")
    with pytest.raises(InputError, match="outside the snapshot"):
        gitsnap.load_snapshot_at(repo, "HEAD", "net/prod")


def test_validate_rev_accepts_normal_names() -> None:
    for rev in ["main", "origin/main", "v1.2.3", "HEAD~2", "HEAD^", "a1b2c3d", "release/2024-01", "HEAD@{1}"]:
        assert gitsnap.validate_rev(rev) == rev


def test_locate_folder_in_repo(repo: Path) -> None:
    r, rel = gitsnap.locate(repo / "net" / "prod")
    assert rel == "net/prod"
    assert Path(r.working_tree_dir).resolve() == repo.resolve()


def _leave_reader_one_answer_behind(r: object, hexsha: str) -> None:
    """What a signal between GitPython's request and its read of the answer leaves behind: a
    ``git cat-file --batch`` with one unread answer, which every later read would get instead."""
    cmd = r.git._get_persistent_cmd("cat_file_all", "cat_file", batch=True)  # type: ignore[attr-defined]
    cmd.stdin.write(f"{hexsha}\n".encode())
    cmd.stdin.flush()


def test_a_reader_out_of_step_is_an_engine_error_never_another_objects_bytes(repo: Path) -> None:
    """Found chasing a gate that passed a change it had blocked before: one unread answer shifts
    every later read by one object, so a config is read with the bytes of the file read before it."""
    r = gitsnap.open_repo(repo)
    head = gitsnap.resolve_commit(r, "HEAD")
    r1 = git(repo, "rev-parse", "HEAD:net/prod/configs/r1.cfg")
    tree = gitsnap._object(r, head, "net/prod/configs")  # trees already read: only blobs come after
    entries = gitsnap._entries(tree)
    _leave_reader_one_answer_behind(r, r1)
    with pytest.raises(EngineError, match="out of step"):
        for rel, (_mode, _sha, obj) in entries.items():
            gitsnap._blob_bytes(obj, rel)
    r2 = gitsnap.open_repo(repo)  # a fresh reader, and a whole snapshot read through a shifted one
    _leave_reader_one_answer_behind(r2, r1)
    with pytest.raises(EngineError, match="out of step"):
        gitsnap.load_snapshot_at(r2, head, "net/prod")
    # an intact reader reads the same objects
    assert gitsnap.load_snapshot_at(gitsnap.open_repo(repo), head, "net/prod").nodes


def test_blob_content_must_hash_to_its_object_id() -> None:
    data = b"hostname r1\n"
    sha1 = "8b3d7a0b1e8a1df9bfe4d7e43b3bb4ae0d2f8e1c"  # not git's id of ``data``
    with pytest.raises(EngineError, match="does not hash to its id"):
        gitsnap._check_content(sha1, "blob", data, "configs/r1.cfg")
    import hashlib

    good = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert gitsnap._check_content(good, "blob", data, "configs/r1.cfg") == data
