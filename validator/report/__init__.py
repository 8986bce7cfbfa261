"""Renderers of a Verdict: text (terminal), json (validator.verdict/1), junit, sarif, markdown."""

from __future__ import annotations

from validator.errors import InputError
from validator.model.verdict import Verdict
from validator.report.json import render_json
from validator.report.junit import render_junit
from validator.report.markdown import render_markdown
from validator.report.sarif import render_sarif
from validator.report.text import render_text

FORMATS: tuple[str, ...] = ("text", "json", "junit", "sarif", "markdown")

__all__ = [
    "FORMATS",
    "render",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
    "render_text",
]


def render(verdict: Verdict, fmt: str, *, color: bool = False, uri_base: str = "", verbosity: int = 0) -> str:
    """Render ``verdict`` as ``fmt``; ``color`` and ``verbosity`` (-1 quiet, 0, 1 verbose) only
    affect text, ``uri_base`` only SARIF URIs."""
    if fmt == "text":
        return render_text(verdict, color=color, verbosity=verbosity)
    if fmt == "json":
        return render_json(verdict)
    if fmt == "junit":
        return render_junit(verdict)
    if fmt == "sarif":
        return render_sarif(verdict, uri_base=uri_base)
    if fmt == "markdown":
        return render_markdown(verdict)
    raise InputError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")
