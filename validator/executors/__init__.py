"""Executors: where a failure sweep's scenario batches run (this machine's CPUs, or Ray).

See :mod:`validator.executors.base` for the contract (a pure function over batches of items with a
shared read-only state), :mod:`.local` for the default, :mod:`.ray_executor` for Ray, and
:mod:`.selection` for how a run picks one (``--executor``, ``VALIDATOR_EXECUTOR``).
"""

from __future__ import annotations

from validator.executors.base import BatchFn, Executor, Shared
from validator.executors.local import LocalExecutor
from validator.executors.selection import (
    ENV,
    ExecutorSpec,
    add_executor_arg,
    current_executor,
    executor_from_args,
    executor_scope,
    make_executor,
    parse_executor_spec,
)

__all__ = [
    "ENV",
    "BatchFn",
    "Executor",
    "ExecutorSpec",
    "LocalExecutor",
    "Shared",
    "add_executor_arg",
    "current_executor",
    "executor_from_args",
    "executor_scope",
    "make_executor",
    "parse_executor_spec",
]
