"""Registration only: ``routes`` and ``trace`` live in :mod:`validator.cli.inspect`."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    from validator.cli.inspect import register as register_inspect

    register_inspect(sub)
