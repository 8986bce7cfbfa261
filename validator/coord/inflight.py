"""In-flight changes checked together: a lease is refused when, combined with every live lease's
change, this change would break a policy, above all cut a pair the blast radius protects.

Why: leases stop two pipelines touching the *same* device, but redundancy spans devices. Plane A's
transit router and plane B's are different devices; a change to each passes alone and together
they cut the AZs apart. So acquiring a lease with a plan rebuilds the *combined head*: this
plan's head, with the change of every other live lease's plan (its base..head) merged on top by a
three-way tree merge, and runs the whole gate on it against this plan's base and the base's
policies. Any blocking finding refuses the lease, naming the other leases and the cut pair.

Fail closed: a live lease on other devices without a plan, a plan that is not recorded, changes
that touch the same file, or an engine error: the combined change was not understood, so the
lease is refused rather than granted on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from validator.coord.common import iso, utcnow
from validator.snapshot import gitrefs


@dataclass(frozen=True)
class Other:
    """A live lease on other devices, with its plan token when it has a recorded one."""

    owner: str
    lease_id: str
    devices: tuple[str, ...]
    plan_digest: str | None
    token: Mapping[str, Any] | None

    def label(self) -> str:
        plan = f"plan {self.plan_digest[:19]}" if self.plan_digest else "no plan"
        return f"lease {self.lease_id[:8]} of {self.owner} ({plan}, devices {', '.join(self.devices)})"


# (registry, our token, base commit, combined head commit) -> blocking finding texts
Checker = Callable[[str, Mapping[str, Any], str, str], list[str]]


def conflicts(
    registry: str, ours: Mapping[str, Any], others: Sequence[Other], checker: Checker | None = None
) -> list[str]:
    """Reasons to refuse ``ours`` given the ``others`` in flight; [] when they combine safely."""
    if not others:
        return []
    unknown = [o for o in others if o.token is None]
    if unknown:
        return [
            f"{o.label()} holds devices for a change the registry cannot show "
            f"({'its plan is not recorded' if o.plan_digest else 'acquired without --plan'}), so this change "
            "cannot be checked together with it"
            for o in unknown
        ]
    combined = str(ours["head"]["commit"])
    for o in others:
        assert o.token is not None
        tree, clash = gitrefs.merge_change(
            registry, str(o.token["base"]["commit"]), combined, str(o.token["head"]["commit"])
        )
        if tree is None:
            return [f"{o.label()} changes the same files ({', '.join(clash)}): the two changes cannot be combined"]
        combined = gitrefs.commit_tree(
            registry,
            tree,
            [combined, str(o.token["head"]["commit"])],
            f"in-flight union with plan {o.plan_digest}\n",
            author="validator",
            date=iso(utcnow()),
        )
    found = (checker or run_gate)(registry, ours, str(ours["base"]["commit"]), combined)
    if not found:
        return []
    names = "; ".join(o.label() for o in others)
    return [f"together with {names}, the combined change fails: {'; '.join(found)}"]


def run_gate(registry: str, ours: Mapping[str, Any], base_commit: str, head_commit: str) -> list[str]:
    """The gate on base..combined head with the base's policies: blocking findings, as texts.

    The intent of either change is not applied (each change's intent was checked alone; the union
    is by design more than either intent). An error verdict is itself a reason (fail closed).
    """
    from validator.api import run
    from validator.backends import get_backend
    from validator.inputs import resolve_git_inputs

    policies = ours.get("policies", {}).get("path")
    if not isinstance(policies, str):
        return ["the plan does not name its policies inside the repository, so the union cannot be checked"]
    inputs = resolve_git_inputs(
        repo=registry,
        base=base_commit,
        head=head_commit,
        snapshot_path=str(ours.get("snapshot_path") or "."),
        policies=policies,
    )
    inputs = replace(inputs, intent=None, intent_digest=None)
    engine = str(ours.get("engine", {}).get("name") or "builtin")
    backend = get_backend(engine)
    try:
        verdict = run(inputs, backend)
    finally:
        backend.close()
    if verdict.verdict == "pass":
        return []
    if verdict.error:
        return [f"the combined change could not be evaluated: {verdict.error}"]
    out: list[str] = []
    for f in verdict.findings:
        if not f.blocking:
            continue
        pair = f.extra.get("pair")
        cut = f.extra.get("cut_units")
        if pair and cut:
            out.append(f"{f.policy}: failing {', '.join(cut)} together cuts {pair}")
        else:
            out.append(f"{f.policy} ({f.check}): {f.message.splitlines()[0][:300]}")
    return out or [f"verdict {verdict.verdict}"]


__all__ = ["Checker", "Other", "conflicts", "run_gate"]
