"""What every subcommand has: a help page with a description, defaults, exit codes and an
example; ``-q``/``-v``/``--color``; one meaning per option name (``--snapshot-dir DIR`` is a
folder, ``--snapshot PATH_IN_REPO`` a path in the repository).

The subcommand modules register their own options; :func:`polish` walks the finished parser once
and adds the rest, so a new subcommand cannot ship without a help page (a test walks them all).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

EXIT_CHECK = "0 pass, 1 blocked, 2 bad input or usage, 3 internal or engine error (never a pass)"
EXIT_INFO = "0 answered, 2 bad input or usage, 3 internal or engine error"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's and epilog's line breaks and appends each option's default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or "%(default)" in text
            or "default" in text
            or default in (None, False, True, [], argparse.SUPPRESS)
        ):
            return text
        return f"{text} (default: %(default)s)".strip()


# command path -> (description, exit codes, example)
HELP: dict[str, tuple[str, str, str]] = {
    "check": (
        "Check a change against the policies: the pre-merge gate. Folder mode compares two snapshot "
        "folders (--head-dir, --base-dir);\ngit mode reads both revisions from a repository (default base: "
        "the merge-base with the default branch; head: HEAD).\nFindings that share a root cause are one "
        "group led by 'fix: FILE:LINE'.",
        EXIT_CHECK,
        "validator check --base-dir snap/live --head-dir snap/proposed --policies policies/\n"
        "  validator check --repo . --snapshot network --policies policies --format sarif --output gate.sarif",
    ),
    "plan": (
        "Rollout waves for a change: the change units that can be changed together, in an order whose "
        "every intermediate state passes.",
        "0 a safe plan exists, 1 none does (the failing state is named), 2 bad input, 3 engine error",
        "validator plan --base-dir snap/live --head-dir snap/proposed --policies policies/",
    ),
    "whatif": (
        "Before maintenance: is it safe to take these elements down? Evaluates the policies with the "
        "elements failed (drained) on one snapshot folder.",
        "0 safe, 1 not safe (the broken pairs are named), 2 bad input, 3 engine error",
        "validator whatif --snapshot-dir snap/live --drain az1-r2 --policies policies/",
    ),
    "routes": (
        "The main RIB of every node of a snapshot folder, as Batfish's routes question answers it.",
        EXIT_INFO,
        "validator routes --snapshot-dir snap/live --node /^core/ --format json",
    ),
    "trace": (
        "Trace flows from a location to a destination (Batfish's traceroute), optionally with failures.",
        EXIT_INFO,
        "validator trace --snapshot-dir snap/live --from az1-web --dst 10.2.10.10 --protocol tcp --dst-port 443",
    ),
    "policies lint": (
        "Validate policy files (schema, names, zones) and .validator/waivers.yaml; with --snapshot-dir, "
        "also that the nodes and interfaces they name exist. One 'file:line: key: message' line per problem.",
        "0 clean, 2 problems found (or bad usage)",
        "validator policies lint policies/ --snapshot-dir snap/live",
    ),
    "compare-engines": (
        "Compare the builtin engine with a Batfish service on one snapshot folder: routes, and with "
        "--policies the traces of the policies' flows.",
        "0 same answers, 1 differences, 2 bad input, 3 Batfish unusable",
        "validator compare-engines --snapshot-dir snap/live --batfish-host localhost",
    ),
    "verify-plan": (
        "Refuse a stale, superseded or tampered plan token (written by check --plan-out) before pushing.",
        "0 the plan is current, 1 refused (every reason named), 2 bad input, 3 internal error",
        "validator verify-plan gate.plan --repo . --target origin/main",
    ),
    "lease acquire": (
        "Hold devices exclusively while a change is applied: every device or none.",
        "0 acquired, 1 held by someone else, 2 bad input, 3 internal error",
        "validator lease acquire --devices az1-r1,az1-r2 --owner deploy-42 --ttl 30m",
    ),
    "lease release": (
        "Release devices held by OWNER (--force also releases others' leases, logged).",
        "0 released, 1 not held by OWNER, 2 bad input, 3 internal error",
        "validator lease release --devices az1-r1,az1-r2 --owner deploy-42",
    ),
    "lease list": ("Current leases, expired ones marked.", EXIT_INFO, "validator lease list --format json"),
    "record-apply": (
        "Record that a plan was applied: apply generations only grow, so an older plan cannot land later.",
        "0 recorded, 1 refused (stale generation), 2 bad input, 3 internal error",
        "validator record-apply gate.plan --repo . --owner deploy-42",
    ),
}


def subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every (command path, parser) below ``parser``, groups included (``policies``, ``lease``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield " ".join((*path, name)), sub
                yield from subparsers(sub, (*path, name))


def is_group(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def polish(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand its help page and the common options."""
    for path, sub in subparsers(parser):
        sub.formatter_class = HelpFormatter
        if is_group(sub):
            sub.description = sub.description or f"validator {path}: choose an action (see its --help)."
            continue
        description, codes, example = HELP.get(path, (None, EXIT_INFO, f"validator {path} --help"))
        if description and not sub.description:
            sub.description = description
        sub.epilog = f"exit codes:\n  {codes}\n\nexample:\n  {example}"
        add_common_options(sub)
        for action in sub._actions:  # options without a help text still show their default
            if action.help is None and action.option_strings and action.default not in (None, False, []):
                action.help = "(default: %(default)s)"


def add_common_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("output")
    if "-q" not in p._option_string_actions:
        group.add_argument(
            "-q", "--quiet", action="store_true", help="the verdict and its causes only; no progress lines on stderr"
        )
    if "-v" not in p._option_string_actions:
        group.add_argument("-v", "--verbose", action="store_true", help="every finding explained in full")
    group.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour in text output; auto: only on a terminal, never when NO_COLOR is set, always when "
        "FORCE_COLOR is set (default: auto)",
    )


def verbosity(args: argparse.Namespace) -> int:
    """-1 quiet, 0 normal, 1 verbose (``-q`` wins over ``-v``)."""
    if getattr(args, "quiet", False):
        return -1
    return 1 if getattr(args, "verbose", False) else 0


def use_color(args: argparse.Namespace, stream: TextIO | None = None) -> bool:
    """``--color``, then the NO_COLOR / FORCE_COLOR conventions (no-color.org, force-color.org),
    then whether the output is a terminal."""
    choice = getattr(args, "color", "auto")
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    out = stream if stream is not None else sys.stdout
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class SnapshotDir(argparse.Action):
    """``--snapshot-dir DIR`` (a folder); the old spelling ``--snapshot DIR`` still works, with a
    one-line deprecation note on stderr, because ``--snapshot`` means a path in the repository for
    ``check`` and ``plan``."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None
    ) -> None:
        if option == "--snapshot":
            sys.stderr.write(
                f"validator: note: '--snapshot DIR' is deprecated for '{parser.prog.removeprefix('validator ')}': "
                "use '--snapshot-dir DIR' (--snapshot names a path in the repository for check and plan)\n"
            )
        setattr(namespace, self.dest, values)


def add_snapshot_dir(p: argparse.ArgumentParser, *, required: bool = True, help: str | None = None) -> None:
    p.add_argument(
        "--snapshot-dir",
        "--snapshot",
        dest="snapshot",
        action=SnapshotDir,
        required=required,
        metavar="DIR",
        help=help or "snapshot folder (Batfish layout: configs/, hosts/, ...); --snapshot is the old spelling",
    )
