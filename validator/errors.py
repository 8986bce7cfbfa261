"""One exception hierarchy; every message is user-facing and names file and line where it can.

The CLI maps these to exit codes: InputError -> 2, EngineError/BackendUnavailable -> 3.
"""

from __future__ import annotations


class ValidatorError(Exception):
    """Base of every error the gate raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        return f"{where}{self.message}".replace("\n", " ")


class InputError(ValidatorError):
    """Bad config, policy, snapshot folder, git ref or CLI argument: exit 2."""

    exit_code = 2


class ConfigParseError(InputError):
    """A configuration file could not be parsed at all (binary, truncated, not a config)."""


class UnsupportedVendorError(ConfigParseError):
    """A whole configuration file of a vendor the builtin engine does not read (``vendor`` names
    it). Mixed snapshots report such a file on its own and analyse the rest (design: fail closed
    on any change to it or any path through the device it would be)."""

    def __init__(self, message: str, *, vendor: str, file: str | None = None, line: int | None = None) -> None:
        self.vendor = vendor
        super().__init__(message, file=file, line=line)


class PolicyError(InputError):
    """A policy or intent file is malformed or does not fit the snapshot."""


class EngineError(ValidatorError):
    """The analysis itself failed; never a pass: exit 3."""

    exit_code = 3


class BackendUnavailable(EngineError):
    """The requested backend (e.g. a Batfish server) cannot be reached or used."""


class ChangeBlocked(ValidatorError):
    """Raised by ``Verdict.raise_for_block()``: the gate said no (exit 1)."""

    exit_code = 1

    def __init__(self, message: str, *, verdict: object = None) -> None:
        self.verdict = verdict
        super().__init__(message)


class NotConverged(EngineError):
    """A data plane did not reach a fixed point (oscillating BGP, IGP or sessions): its routes are
    one round of an oscillation, so no verdict computed on them means anything: exit 3."""
