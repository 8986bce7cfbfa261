"""The shallow-clone hint: ``actions/checkout`` clones one commit by default, so git mode cannot
find the default branch or the merge-base. The exit-2 message then says what to do instead of
leaving the user with "cannot determine the default branch"."""

from __future__ import annotations

from validator.errors import InputError

SHALLOW_HINT = (
    "the repository is a shallow clone: fetch the history (actions/checkout with 'fetch-depth: 0', "
    "or 'git fetch --unshallow') so the base revision and the merge-base exist"
)
# the messages of validator.snapshot.git that a missing history produces
_HISTORY_ERRORS = ("default branch", "merge base", "common ancestor", "unknown revision")


def needs_history(exc: InputError) -> bool:
    return any(text in exc.message for text in _HISTORY_ERRORS)


def with_shallow_hint(exc: InputError, repo: str) -> InputError:
    """``exc`` with the hint appended when it is about missing history and ``repo`` is shallow."""
    from validator.snapshot.git import is_shallow

    if not needs_history(exc) or not is_shallow(repo):
        return exc
    return type(exc)(f"{exc.message} ({SHALLOW_HINT})", file=exc.file, line=exc.line)
