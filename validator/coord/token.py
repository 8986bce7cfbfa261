"""Plan token format: loading, content digest and HMAC signature.

A token is JSON. Every field except ``digest`` and ``signature`` is the *body*; ``digest`` is
sha256 over the canonical JSON of the body, so any edit is detected even without a key;
``signature`` is HMAC-SHA256 over the same bytes with ``VALIDATOR_PLAN_KEY``, so only holders of
the key can mint a token that verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from validator.coord.common import PlanRefused, canonical_json
from validator.errors import InputError

TOKEN_SCHEMA = "validator.plan/1"
KEY_ENV = "VALIDATOR_PLAN_KEY"
_NOT_BODY = ("digest", "signature")
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "schema": str,
    "verdict": str,
    "base": dict,
    "head": dict,
    "snapshot_path": str,
    "policies": dict,
    "engine": dict,
    "devices": list,
    "generations": dict,
    "created_at": str,
    "digest": str,
}
TAMPER_REMEDY = "discard this token and re-run the gate (validator check --plan-out) to issue a new one"


def key_from_env() -> bytes | None:
    value = os.environ.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def body_of(token: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in token.items() if k not in _NOT_BODY}


def content_digest(token: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(body_of(token))).hexdigest()


def signature_of(token: Mapping[str, Any], key: bytes) -> str:
    return hmac.new(key, canonical_json(body_of(token)), hashlib.sha256).hexdigest()


def seal(body: Mapping[str, Any], key: bytes | None) -> dict[str, Any]:
    """Body plus digest and (with a key) signature: the token as written."""
    token = dict(body_of(body))
    token["digest"] = content_digest(token)
    token["signature"] = {"alg": "hmac-sha256", "value": signature_of(token, key)} if key else None
    return token


def load_plan_token(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """A token from a file path or an already-parsed mapping; InputError when it is not one."""
    where = "plan token"
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        where = os.fspath(source)
        try:
            with open(where, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise InputError(f"cannot read plan token: {reason}", file=where) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"plan token is not valid JSON: {exc.msg}", file=where, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("plan token must be a JSON object", file=where)
    if data.get("schema") != TOKEN_SCHEMA:
        raise InputError(f"not a plan token (schema {data.get('schema')!r}, expected {TOKEN_SCHEMA!r})", file=where)
    for name, kind in _REQUIRED.items():
        if not isinstance(data.get(name), kind):
            raise InputError(f"plan token field {name!r} is missing or has the wrong type", file=where)
    for side in ("base", "head"):
        if not isinstance(data[side].get("commit"), str):
            raise InputError(f"plan token field {side}.commit is missing", file=where)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in data["generations"].values()):
        raise InputError("plan token field 'generations' must map devices to integers", file=where)
    if not all(isinstance(d, str) for d in data["devices"]):
        raise InputError("plan token field 'devices' must be a list of names", file=where)
    return data


def check_integrity(token: Mapping[str, Any], key: bytes | None) -> None:
    """Refuse a token that was edited, or whose signature does not match the configured key."""
    if not hmac.compare_digest(str(token.get("digest", "")), content_digest(token)):
        raise PlanRefused(["token was modified after it was issued (content digest mismatch)"], remedy=TAMPER_REMEDY)
    sig = token.get("signature")
    if key is None:
        if sig:
            raise PlanRefused(
                [f"token is signed but {KEY_ENV} is not set, so its signature cannot be checked"],
                remedy=f"set {KEY_ENV} to the key the gate signs with",
            )
        return
    if not sig:
        raise PlanRefused(
            [f"token is not signed but {KEY_ENV} is set: only signed plans are accepted"], remedy=TAMPER_REMEDY
        )
    if not isinstance(sig, dict) or sig.get("alg") != "hmac-sha256" or not isinstance(sig.get("value"), str):
        raise PlanRefused(["token signature is malformed"], remedy=TAMPER_REMEDY)
    if not hmac.compare_digest(sig["value"], signature_of(token, key)):
        raise PlanRefused(["token signature does not match (wrong key or tampered token)"], remedy=TAMPER_REMEDY)


__all__ = [
    "KEY_ENV",
    "TOKEN_SCHEMA",
    "check_integrity",
    "content_digest",
    "key_from_env",
    "load_plan_token",
    "seal",
    "signature_of",
]
