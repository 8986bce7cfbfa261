"""Coordination between automations: plan tokens, device leases, monotonic apply generations.

All state lives in the registry (the configuration repository every automation shares) under
``refs/validator/`` and changes only by git ref transactions with compare-and-swap, so it is
shared, atomic and auditable (``git log refs/validator/log``) without a lock server. A lease taken
with a plan is also checked together with every other in-flight change (``inflight``).
"""

from __future__ import annotations

from validator.coord.common import LeaseConflict, PlanRefused, parse_devices, parse_duration
from validator.coord.eventlog import LOG_REF, read_events
from validator.coord.generations import Generation, read_generations, record_apply
from validator.coord.lease import Lease, acquire_lease, lease, list_leases, release_lease
from validator.coord.plan import (
    DEFAULT_MAX_AGE,
    make_plan_token,
    policies_digest_at,
    policies_digest_dir,
    verify_plan,
    write_plan_token,
)
from validator.coord.plans import REGISTRY_ENV, check_trusted, record_plan, registry_of
from validator.coord.token import KEY_ENV, TOKEN_SCHEMA, load_plan_token

__all__ = [
    "DEFAULT_MAX_AGE",
    "KEY_ENV",
    "LOG_REF",
    "REGISTRY_ENV",
    "TOKEN_SCHEMA",
    "Generation",
    "Lease",
    "LeaseConflict",
    "PlanRefused",
    "acquire_lease",
    "check_trusted",
    "lease",
    "list_leases",
    "load_plan_token",
    "make_plan_token",
    "parse_devices",
    "parse_duration",
    "policies_digest_at",
    "policies_digest_dir",
    "read_events",
    "read_generations",
    "record_apply",
    "record_plan",
    "registry_of",
    "release_lease",
    "verify_plan",
    "write_plan_token",
]
