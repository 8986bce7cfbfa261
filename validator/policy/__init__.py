"""Policies and intent: YAML with line numbers, JSON Schema (package data), typed objects.

Public entry points::

    policies = load_policies("policies/")            # or load_policies_from_bytes({...})
    validate_against(policies, snapshot)             # names must exist in the snapshot
    intent = load_intent(".validator/intent.yaml")
    validate_intent(intent, policies, snapshot)

Every problem is a :class:`PolicyValidationError` (a ``PolicyError``, exit 2) whose
``diagnostics`` each name file, line and key.
"""

from __future__ import annotations

from validator.policy._schema import intent_schema, policy_schema
from validator.policy.diagnostics import Diagnostic, PolicyValidationError
from validator.policy.intent import (
    Intent,
    IntentChange,
    ZoneRef,
    intent_diagnostics,
    load_intent,
    resolve_zone,
    validate_intent,
)
from validator.policy.loader import load_policies, load_policies_from_bytes
from validator.policy.model import (
    BlastRadiusPolicy,
    HeaderSpec,
    HygienePolicy,
    InterfaceSpec,
    NameSpec,
    NodeSpec,
    NoRegressionPolicy,
    Policy,
    PolicyBase,
    PolicySet,
    PolicySource,
    ReachabilityPolicy,
    RedundancyPolicy,
    RiskElement,
    RiskGroup,
    Zone,
)
from validator.policy.semantic import (
    resolve_interfaces,
    resolve_nodes,
    semantic_diagnostics,
    validate_against,
    zone_diagnostics,
)

__all__ = [
    "BlastRadiusPolicy",
    "Diagnostic",
    "HeaderSpec",
    "HygienePolicy",
    "Intent",
    "IntentChange",
    "InterfaceSpec",
    "NameSpec",
    "NoRegressionPolicy",
    "NodeSpec",
    "Policy",
    "PolicyBase",
    "PolicySet",
    "PolicySource",
    "PolicyValidationError",
    "ReachabilityPolicy",
    "RedundancyPolicy",
    "RiskElement",
    "RiskGroup",
    "Zone",
    "ZoneRef",
    "intent_diagnostics",
    "intent_schema",
    "load_intent",
    "load_policies",
    "load_policies_from_bytes",
    "policy_schema",
    "resolve_interfaces",
    "resolve_nodes",
    "resolve_zone",
    "semantic_diagnostics",
    "validate_against",
    "validate_intent",
    "zone_diagnostics",
]
