"""Command line: the only place that prints and picks exit codes.

Each subcommand lives in its own module with ``register(subparsers)``; the handler returns the
exit code (0 pass, 1 blocked, 2 bad input or usage, 3 internal or engine error).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence

from validator.errors import ValidatorError

# subcommand modules, in help order; a module missing here is simply not registered yet
_COMMAND_MODULES = (
    "validator.cli.check",
    "validator.cli.engine_cmds",
    "validator.cli.policies",
    "validator.cli.failures",
    "validator.cli.batfish_cmds",
    "validator.cli.coord",
)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from validator.cli.common import EXIT_CHECK, HelpFormatter

    parser = _Parser(
        prog="validator",
        description="Gate for automated network changes: checks a change to device configurations "
        "against declarative policies before it reaches the devices.",
        epilog=f"exit codes:\n  {EXIT_CHECK}\n\nevery command explains itself: validator COMMAND --help",
        formatter_class=HelpFormatter,
    )
    from validator import __version__

    parser.add_argument("--version", action="version", version=f"validator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for mod_name in _COMMAND_MODULES:
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as exc:
            if exc.name == mod_name:
                continue
            raise
        mod.register(sub)
    from validator.cli.common import polish

    polish(parser)  # every subcommand: description, defaults, exit codes, example, -q/-v/--color
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is the verdict's, whatever happens to stdout/stderr."""
    from validator.cli._streams import safe_standard_streams
    from validator.limits import signals_interrupt

    with safe_standard_streams(), signals_interrupt():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from validator.executors import executor_from_args
    from validator.limits import Interrupted, RunTimeout, deadline

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with deadline(getattr(args, "timeout", None)), executor_from_args(args):
            code: int = args.handler(args)
        return code
    except ValidatorError as exc:
        print(f"validator: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except RunTimeout as exc:
        print(f"validator: error: {exc}", file=sys.stderr)
        return 3
    except Interrupted as exc:
        print(f"validator: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("validator: interrupted by SIGINT: no verdict", file=sys.stderr)
        return 3
    except Exception as exc:  # fail closed, never a traceback for users (BrokenPipeError included)
        print(f"validator: internal error: {type(exc).__name__}: {exc}".replace("\n", " "), file=sys.stderr)
        return 3


def run() -> None:
    """The console entry point. SIGTERM and SIGINT end the run with exit 3 from its first line to
    its last, not only inside :func:`main`: a signal while the phase announcer starts or stops
    (or the collector is tuned) would otherwise kill the process with the signal's own status
    (143, 130) or a traceback, which a pipeline cannot tell from a verdict. What remains outside is
    the interpreter's start and this package's import, before any of our code runs."""
    from validator.limits import signals_interrupt

    code = 3
    try:
        with signals_interrupt():
            code = _run()
    except KeyboardInterrupt as exc:  # limits.Interrupted (SIGTERM) is one too
        message = str(exc) if str(exc) else "interrupted by SIGINT: no verdict"
        with contextlib.suppress(OSError, ValueError):  # a closed stderr does not change the exit code
            print(f"validator: {message}", file=sys.stderr)
        code = 3
    sys.exit(code)


def _run() -> int:
    import os

    from validator.phases import announced

    _tune_gc()
    timing = _phase_timing(os.environ.get("VALIDATOR_PROGRESS"), quiet=_quiet(sys.argv[1:]))
    if timing is None:
        return main()
    with announced(*timing):  # a slow phase says so on stderr
        return main()


def _quiet(argv: Sequence[str]) -> bool:
    """``-q``/``--quiet`` anywhere before ``--`` (phases are announced before the options are parsed)."""
    for arg in argv:
        if arg == "--":
            return False
        if arg in ("-q", "--quiet"):
            return True
    return False


def _phase_timing(setting: str | None, *, quiet: bool = False, tty: bool | None = None) -> tuple[float, float] | None:
    """(first announcement after, then every) seconds, or None for silence.

    On a terminal a phase is announced after ~2 s and every 10 s; in a log (CI, where stderr is not
    a terminal) every ``VALIDATOR_PROGRESS_EVERY`` seconds (default 30), so a long run shows it is
    alive without burying a fast run's one error line. ``-q`` or ``VALIDATOR_PROGRESS=0`` silences
    it; ``VALIDATOR_PROGRESS=1`` asks for the terminal's pace in a log."""
    from validator.cli.progress import log_interval

    value = (setting or "").strip().lower()
    if quiet or value in ("0", "no", "false", "off"):
        return None
    if value:
        return (2.0, 10.0)
    if tty is None:
        try:
            tty = sys.stderr.isatty()
        except (AttributeError, ValueError, OSError):
            tty = False
    if tty:
        return (2.0, 10.0)
    every = log_interval()
    return None if every is None else (every, every)


def _tune_gc() -> None:
    """A command builds hundreds of thousands of long-lived objects (a 100,000-line ACL is
    parsed, compiled and painted into interval maps) and frees them at exit. With CPython's
    default thresholds the cyclic collector rescans that growing heap over and over (measured:
    half the run time of a 100,000-line ACL check); collecting young objects 100x less often keeps
    it linear. Only for the command-line process: the library leaves the host's GC alone."""
    import gc

    gc.set_threshold(70_000, 20, 100)
