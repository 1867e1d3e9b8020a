"""The "proof" verdict column of ``robtheory verify``: re-runs the proof scripts behind a claim.

Each claim is mapped to the proof modules of this package that establish it (or the closed
forms it rests on); the column builds those certificates afresh (sympy and interval
arithmetic, nothing read from disk) and passes when every step of every one is proved.
Claims with no machine proof show ``-``.
"""

from __future__ import annotations

import contextlib
import importlib

from robtheory.claims import CheckResult, Claim, column_registered

__all__ = ["PROOFS_OF", "ProofColumn", "registered"]

#: claim name -> proof modules (in this package) that certify it.
PROOFS_OF = {
    "claim_a": ("derivations",),
    "claim_b": ("derivations",),
    "theorem_2_1": ("theorem_2_1",),
    "tightness": ("theorem_2_1",),
    "theorem_2_2_part1": ("lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4"),
    "theorem_2_2_part2": ("lemma_d5",),
    "lemma_d1": ("lemma_d1",),
    "lemma_d2": ("lemma_d2",),
    "lemma_d3": ("lemma_d3",),
    "lemma_d4": ("lemma_d4",),
    "lemma_d5": ("lemma_d5",),
    "bayes_optimality": ("derivations",),
    "robust_x1": ("derivations",),
    "optimal_robust": ("derivations",),
    "theorem_f": ("theorem_f", "theorem_2_1"),
}


class ProofColumn:
    """Callable ``Claim -> CheckResult | None``; each certificate is built once per run."""

    def __init__(self):
        self._cache = {}

    def certificate(self, name: str):
        if name not in self._cache:
            module = importlib.import_module(f"{__package__}.{name}")
            self._cache[name] = module.build()
        return self._cache[name]

    def __call__(self, claim: Claim) -> CheckResult | None:
        names = PROOFS_OF.get(claim.name)
        if not names:
            return None
        parts, ok, steps = [], True, 0
        for name in names:
            d = self.certificate(name).to_dict()
            proved = sum(bool(s["verdict"]) for s in d["steps"])
            ok &= bool(d["passed"])
            steps += len(d["steps"])
            parts.append(f"{name}: {proved}/{len(d['steps'])} steps")
        return CheckResult(ok, steps, "certificates rebuilt -- " + "; ".join(parts))


@contextlib.contextmanager
def registered(column: ProofColumn | None = None):
    """Register the column as ``"proof"`` for the duration of a ``with`` block."""
    with column_registered("proof", column or ProofColumn()) as col:
        yield col
