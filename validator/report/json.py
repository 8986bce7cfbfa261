"""The machine-readable verdict (``validator.verdict/1``, design §4): exactly ``Verdict.to_json()``."""

from __future__ import annotations

from validator.model.verdict import Verdict


def render_json(verdict: Verdict) -> str:
    return verdict.to_json()
