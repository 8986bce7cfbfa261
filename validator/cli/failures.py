"""Registration only: ``whatif`` lives in :mod:`validator.cli.whatif`, ``plan`` in
:mod:`validator.cli.plan`, the progress line in :mod:`validator.cli.progress` (re-exported here
for callers that still import it from this module)."""

from __future__ import annotations

from typing import Any

from validator.cli.progress import progress_bar

__all__ = ["progress_bar", "register"]


def register(sub: Any) -> None:
    from validator.cli.plan import register as register_plan
    from validator.cli.whatif import register as register_whatif

    register_whatif(sub)
    register_plan(sub)
