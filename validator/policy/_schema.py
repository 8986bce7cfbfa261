"""JSON Schema validation mapped to lint diagnostics (file, line, key, a message a person can act on).

jsonschema's own messages quote whole instances (``{...} is not valid under any of the given
schemas``); here each error is pinned to the offending key's line and phrased from the schema's
``x-message`` annotation or from the failing keyword.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from validator.policy._yaml import LocatedDocument
from validator.policy.diagnostics import Diagnostic, KeyPath

SchemaKind = Literal["policy", "intent"]
_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}
# for these keywords the enclosing alternative's x-message explains better than the keyword does
_PREFER_PARENT_MESSAGE = {"pattern", "const", "type", "minLength"}


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    """The policy file schema (package data ``validator/policy/schema.json``)."""
    text = resources.files("validator.policy").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def intent_schema() -> dict[str, Any]:
    """The intent file schema: the ``intent_file`` definition of schema.json made a root, sharing its $defs."""
    base = policy_schema()
    root = dict(base["$defs"]["intent_file"])
    root["$schema"] = base["$schema"]
    root["$defs"] = base["$defs"]
    return root


def _inline_refs(node: Any, defs: dict[str, Any], active: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``#/$defs/X`` reference replaced by the definition itself.

    jsonschema resolves a ``$ref`` on every use (a registry lookup each time); on a policy file
    with tens of thousands of zones that lookup was most of the lint time. Inlining the (acyclic)
    definitions once gives the same verdicts and the same error keywords and x-messages, since a
    ``$ref`` only descends into its target. A reference with sibling keywords becomes
    ``allOf: [target]`` next to them, which is what 2020-12 means by it; a cyclic one stays a ``$ref``.
    """
    if isinstance(node, list):
        return [_inline_refs(x, defs, active) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs and ref[8:] not in active:
        name = ref[8:]
        target = _inline_refs(defs[name], defs, (*active, name))
        rest = {k: _inline_refs(v, defs, active) for k, v in node.items() if k != "$ref"}
        if not rest:
            return target
        return {**rest, "allOf": [*rest.get("allOf", []), target]}
    return {k: (v if k == "$defs" else _inline_refs(v, defs, active)) for k, v in node.items()}


@lru_cache(maxsize=2)
def _validator(kind: SchemaKind) -> Draft202012Validator:
    schema = policy_schema() if kind == "policy" else intent_schema()
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _type_name(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _shown(value: object) -> str:
    if isinstance(value, (dict, list)):
        return _type_name(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _keyword_message(err: ValidationError) -> str:
    v = err.validator
    value: Any = err.validator_value
    inst: Any = err.instance
    if v == "enum":
        return f"must be one of {', '.join(map(str, value))} (got {_shown(inst)})"
    if v == "const":
        return f"must be {value!r} (got {_shown(inst)})"
    if v == "type":
        wanted = " or ".join(_JSON_TYPES.get(t, t) for t in ([value] if isinstance(value, str) else value))
        return f"must be {wanted} (got {_type_name(inst)})"
    if v == "minItems":
        return "must not be empty" if value == 1 else f"needs at least {value} items (got {len(inst)})"
    if v == "maxItems":
        return f"takes at most {value} items (got {len(inst)})"
    if v == "uniqueItems":
        return "has duplicate items"
    if v == "minimum":
        return f"must be at least {value} (got {_shown(inst)})"
    if v == "maximum":
        return f"must be at most {value} (got {_shown(inst)})"
    if v == "minLength":
        return "must not be empty"
    if v == "minProperties":
        return "must not be empty"
    return err.message


def _branch_errors(err: ValidationError) -> list[ValidationError] | None:
    """For anyOf/oneOf: the errors of the one alternative whose JSON type fits the value, if exactly one does."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in err.context or ():
        branch = sub.relative_schema_path[0]
        if isinstance(branch, int):
            by_branch.setdefault(branch, []).append(sub)
    fitting = [
        errs
        for errs in by_branch.values()
        if not any(e.validator == "type" and list(e.absolute_path) == list(err.absolute_path) for e in errs)
    ]
    return fitting[0] if len(fitting) == 1 else None


def _diagnose(err: ValidationError, doc: LocatedDocument, hint: str | None, out: list[Diagnostic]) -> None:
    path: KeyPath = tuple(err.absolute_path)
    schema: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    value: Any = err.validator_value
    xmsg = schema.get("x-message")
    if "propertyNames" in err.absolute_schema_path:
        out.append(doc.diag((*path, str(err.instance)), f"invalid name: {xmsg or err.message}"))
        return
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = schema.get("properties", {})
        allowed = sorted(k for k in known if k not in ("name", "type"))
        for key in err.instance:
            if key not in known:
                out.append(doc.diag((*path, key), f"unknown key (expected one of: {', '.join(allowed)})"))
        return
    if err.validator == "required" and isinstance(err.instance, dict):
        for key in value:
            if key not in err.instance:
                out.append(doc.diag((*path, key), "missing required key"))
        return
    if err.validator == "dependentRequired" and isinstance(err.instance, dict):
        for trigger, needed in value.items():
            if trigger in err.instance:
                for key in needed:
                    if key not in err.instance:
                        out.append(doc.diag((*path, key), f"required when {trigger!r} is given"))
        return
    if err.validator in ("anyOf", "oneOf"):
        inner = _branch_errors(err)
        if inner is not None:
            for sub in inner:
                _diagnose(sub, doc, xmsg or hint, out)
            return
    if xmsg is None and hint is not None and err.validator in _PREFER_PARENT_MESSAGE:
        xmsg = hint
    if xmsg is not None:
        got = "" if isinstance(err.instance, (dict, list)) else f" (got {_shown(err.instance)})"
        out.append(doc.diag(path, f"{xmsg}{got}"))
        return
    out.append(doc.diag(path, _keyword_message(err)))


def schema_diagnostics(doc: LocatedDocument, kind: SchemaKind) -> list[Diagnostic]:
    """All schema violations of ``doc``, one diagnostic per offending key, in file order."""
    if doc.data is None:
        what = "a policy file" if kind == "policy" else "an intent file"
        return [doc.diag((), f"the file is empty; {what} is a mapping starting with 'version: 1'")]
    out: list[Diagnostic] = []
    for err in _validator(kind).iter_errors(doc.data):
        _diagnose(err, doc, None, out)
    return sorted(set(out))
