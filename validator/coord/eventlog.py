"""The append-only event log at ``refs/validator/log``: one commit per acquire, release or apply.

Each event is a commit of the empty tree whose parent is the previous tip and whose message holds
the event as JSON, so ``git log refs/validator/log`` is the audit trail. The log update is put in
the *same* ref transaction as the change it records: an acquire that is not logged cannot happen,
and two writers racing on the tip simply retry.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from validator.coord.common import iso
from validator.errors import EngineError
from validator.snapshot import gitrefs

LOG_REF = "refs/validator/log"
EVENT_SCHEMA = "validator.event/1"
CURRENT_TIP = "current"  # log_update's default: append after whatever the tip is now
T = TypeVar("T")


def log_update(
    repo: str, event: dict[str, Any], *, who: str, at: datetime, tip: str | None = CURRENT_TIP
) -> gitrefs.RefUpdate:
    """A ref update appending ``event`` after the tip (compare-and-swap on the tip).

    ``tip``: the tip the caller's decision was based on (read before the state it looked at);
    by default the current one.
    """
    if tip == CURRENT_TIP:
        tip = gitrefs.read_ref(repo, LOG_REF)
    body = {"schema": EVENT_SCHEMA, **event}
    devices = ",".join(event.get("devices", [])) or "-"
    subject = f"{event.get('event', 'event')} {devices} by {who}"
    message = f"{subject}\n\n{json.dumps(body, sort_keys=True, indent=1)}\n"
    commit = gitrefs.write_commit(repo, message, tip, author=who, date=iso(at))
    return gitrefs.RefUpdate(LOG_REF, commit, tip)


def read_events(repo: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Events, newest first, each with its ``commit`` id; unreadable entries are marked, not hidden."""
    gitrefs.repo_root(repo)
    events: list[dict[str, Any]] = []
    for oid in gitrefs.log_commits(repo, LOG_REF, limit):
        message, _parents = gitrefs.read_commit_message(repo, oid)
        _subject, _, body = message.partition("\n\n")
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            data = {"event": "unreadable", "message": message.strip()}
        data["commit"] = oid
        events.append(data)
    return events


def retry_cas(attempt: Callable[[], tuple[bool, T | None, str]], *, what: str, timeout: float = 60.0) -> T:
    """Run ``attempt`` until it succeeds; it re-reads state each time and raises to give up.

    ``attempt`` returns (done, value, why-not). Backoff is randomised so racers that collided on
    git's lock files do not collide again in lock step.
    """
    deadline = time.monotonic() + timeout
    delay = 0.002
    why = ""
    while True:
        done, value, why = attempt()
        if done:
            assert value is not None
            return value
        if time.monotonic() > deadline:
            raise EngineError(f"{what}: gave up after {timeout:.0f}s of contention: {why}")
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.25)


__all__ = ["EVENT_SCHEMA", "LOG_REF", "log_update", "read_events", "retry_cas"]
