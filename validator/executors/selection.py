"""Which executor a run uses: ``--executor local|ray[:ADDRESS]``, else ``VALIDATOR_EXECUTOR``, else local.

The choice is made once at a front door (the CLI's command, or ``validator.check``/``plan``/
``whatif``) and is active for that run (:func:`executor_scope`, a context variable); the sweep asks
for :func:`current_executor` where it dispatches scenario batches. So no layer in between carries
a parameter it does not use, and a run in another thread keeps its own choice.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from validator.errors import InputError
from validator.executors.base import Executor

ENV = "VALIDATOR_EXECUTOR"
USAGE = "local, ray or ray:ADDRESS (ADDRESS: auto, HOST:PORT of a head node, or ray://HOST:PORT)"
_HOST = r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]"
_ADDRESS = re.compile(rf"auto|(?:ray://)?(?:{_HOST})(?::\d{{1,5}})?")

_ACTIVE: ContextVar[Executor | None] = ContextVar("validator_executor", default=None)


@dataclass(frozen=True)
class ExecutorSpec:
    """A parsed ``--executor`` value."""

    kind: str  # local | ray
    address: str | None = None  # ray only; None: a local single-machine Ray instance

    def __str__(self) -> str:
        return self.kind if self.address is None else f"{self.kind}:{self.address}"


def parse_executor_spec(text: str, *, source: str = "--executor") -> ExecutorSpec:
    """``local``, ``ray`` or ``ray:ADDRESS``; anything else is bad usage (exit 2)."""
    value = text.strip()
    if value == "local":
        return ExecutorSpec("local")
    if value == "ray":
        return ExecutorSpec("ray")
    if value.startswith("ray:"):
        address = value[len("ray:") :]
        if _ADDRESS.fullmatch(address) and (not address.startswith("ray://") or len(address) > len("ray://")):
            return ExecutorSpec("ray", address)
        raise InputError(f"{source}: {address!r} is not a Ray address; expected {USAGE}")
    raise InputError(f"{source}: unknown executor {text!r}; expected {USAGE}")


def make_executor(spec: ExecutorSpec) -> Executor:
    if spec.kind == "ray":
        from validator.executors.ray_executor import RayExecutor

        return RayExecutor(spec.address)
    from validator.executors.local import LocalExecutor

    return LocalExecutor()


def current_executor() -> Executor:
    """The executor of the running command or library call; the local one outside any."""
    active = _ACTIVE.get()
    if active is not None:
        return active
    from validator.executors.local import LocalExecutor

    return LocalExecutor()


@contextlib.contextmanager
def executor_scope(choice: str | ExecutorSpec | Executor | None = None) -> Iterator[Executor]:
    """Make ``choice`` the executor of the calls inside; closed on the way out if made here.

    ``None`` keeps the executor of an enclosing scope (the CLI's, around ``api.run``), and
    outside any reads ``VALIDATOR_EXECUTOR`` (default ``local``). A string is parsed as the
    ``--executor`` value. An :class:`Executor` object is used as given and left open (its owner
    closes it).
    """
    active = _ACTIVE.get()
    if choice is None and active is not None:
        yield active
        return
    owned = True
    if choice is None:
        spec = parse_executor_spec(os.environ.get(ENV) or "local", source=ENV)
        executor = make_executor(spec)
    elif isinstance(choice, str):
        executor = make_executor(parse_executor_spec(choice, source="executor"))
    elif isinstance(choice, ExecutorSpec):
        executor = make_executor(choice)
    else:
        executor, owned = choice, False
    token = _ACTIVE.set(executor)
    try:
        yield executor
    finally:
        _ACTIVE.reset(token)
        if owned:
            executor.close()


# --- command line ----------------------------------------------------------------------------------


def add_executor_arg(p: argparse.ArgumentParser) -> None:
    """``--executor`` on a command that runs failure sweeps (check, plan, whatif)."""
    p.add_argument(
        "--executor",
        type=_spec_arg,
        metavar="local|ray[:ADDRESS]",
        help=f"where failure-sweep scenarios run (default: ${ENV}, else local worker processes); "
        "ray needs pip install 'netchange-validator[ray]', see docs/scale-out.md",
    )


def _spec_arg(text: str) -> ExecutorSpec:
    try:
        return parse_executor_spec(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message.removeprefix("--executor: ")) from None


def executor_from_args(args: Any) -> contextlib.AbstractContextManager[Any]:
    """The executor scope of a parsed command line (none for commands without ``--executor``)."""
    if not hasattr(args, "executor"):
        return contextlib.nullcontext()
    return executor_scope(args.executor)
