"""Analysis backends behind one protocol; ``get_backend`` picks one by name."""

from __future__ import annotations

import os

from validator.backends.base import Backend
from validator.errors import InputError

ENGINES = ("builtin", "batfish")


def get_backend(name: str = "builtin", *, batfish_host: str | None = None) -> Backend:
    if name == "builtin":
        from validator.backends.builtin import BuiltinBackend

        return BuiltinBackend()
    if name == "batfish":
        from validator.backends.batfish import BatfishBackend

        host = batfish_host or os.environ.get("BATFISH_HOST") or "localhost"
        backend: Backend = BatfishBackend(host)
        return backend
    raise InputError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
