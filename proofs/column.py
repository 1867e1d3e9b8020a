"""The "proof" verdict column of ``robtheory verify``: re-runs the proof scripts behind a claim.

Each claim is mapped to the proof modules of this package that establish it (or the closed
forms it rests on); the column builds those certificates afresh (sympy and interval
arithmetic, nothing read from disk) and passes when every step of every one is proved and
the steps that conclude the claim (:data:`CONCLUDED_BY`) are among them. Claims with no
machine proof show ``-``.

Where the certificates cover a claim only in part, the verdict is ``PARTIAL`` and the
detail says ``partial (certified: ...; not certified: ...)`` (:data:`PARTIAL`): a ``PASS``
in this column means the whole claim, on its whole region, is certified.
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass

from robtheory.claims import CheckResult, Claim, column_registered

__all__ = ["CONCLUDED_BY", "PARTIAL", "PROOFS_OF", "ProofColumn", "ProofResult", "registered"]

#: claim name -> proof modules (in this package) that certify it.
PROOFS_OF = {
    "claim_a": ("derivations",),
    "claim_b": ("derivations",),
    "theorem_2_1": ("theorem_2_1",),
    "tightness": ("theorem_2_1",),
    "theorem_2_2_part1": ("lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4"),
    "theorem_2_2_part2": ("lemma_d5", "derivations"),
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

#: claim name -> "module:step" labels that conclude the claim; each must exist and pass.
CONCLUDED_BY = {
    "claim_a": ("derivations:claim_a",),
    "claim_b": ("derivations:claim_b",),
    "theorem_2_1": ("theorem_2_1:THM",),
    "tightness": ("theorem_2_1:T.3",),
    "theorem_2_2_part1": ("lemma_d1:LEMMA", "lemma_d2:LEMMA", "lemma_d3:LEMMA", "lemma_d4:LEMMA"),
    "theorem_2_2_part2": ("lemma_d5:THM2.2.part2", "derivations:robust_x1.robust_linf"),
    "lemma_d1": ("lemma_d1:LEMMA",),
    "lemma_d2": ("lemma_d2:LEMMA",),
    "lemma_d3": ("lemma_d3:LEMMA",),
    "lemma_d4": ("lemma_d4:LEMMA",),
    "lemma_d5": ("lemma_d5:LEMMA",),
    "bayes_optimality": ("derivations:standard_optimal.maximum",),
    "robust_x1": ("derivations:robust_x1.robust_linf", "derivations:robust_x1.robust_l2"),
    "optimal_robust": ("derivations:a_star.attained",),
    "theorem_f": ("theorem_f:THM", "theorem_f:CONVERSE"),
}

#: claim name -> (certified, not certified), for claims the certificates cover in part.
PARTIAL = {
    "optimal_robust": (
        "A*_rob for eps < min(eta, 1): the upper bound (Bayes accuracy of D(p, eta - eps, d)) and its "
        "attainment by the rounded rule",
        "the regimes eta <= eps < 1 and eps >= 1 (checked numerically by the analytic column)"),
}


@dataclass(frozen=True)
class ProofResult(CheckResult):
    """A :class:`CheckResult` that may be partial: ``partial`` says what is and is not certified."""

    partial: str = ""

    @property
    def mark(self) -> str:
        return "FAIL" if not self.passed else ("PARTIAL" if self.partial else "PASS")

    def to_dict(self) -> dict:
        d = {"passed": self.passed, "n_points": self.n_points, "detail": self.detail}
        if self.partial:
            d["partial"] = self.partial
            d["mark"] = self.mark
        return d


class ProofColumn:
    """Callable ``Claim -> ProofResult | None``; each certificate is built once per run.

    It counts its verdicts (:attr:`counts`) for the summary line of ``robtheory verify``.
    """

    def __init__(self):
        self._cache = {}
        self.counts = {"PASS": 0, "PARTIAL": 0, "FAIL": 0}

    def certificate(self, name: str):
        if name not in self._cache:
            module = importlib.import_module(f"{__package__}.{name}")
            self._cache[name] = module.build()
        return self._cache[name]

    def __call__(self, claim: Claim) -> ProofResult | None:
        names = PROOFS_OF.get(claim.name)
        if not names:
            return None
        parts, ok, steps = [], True, 0
        for name in names:
            d = self.certificate(name).to_dict()
            proved = sum(bool(s["verdict"]) for s in d["steps"])
            ok &= bool(d["passed"])
            steps += len(d["steps"])
            asserted = len(d["asserted_steps"])
            parts.append(f"{name}: {proved}/{len(d['steps'])} steps" + (f", {asserted} asserted" if asserted else ""))
        missing = []
        for label in CONCLUDED_BY.get(claim.name, ()):
            module, step = label.split(":", 1)
            verdicts = {s.step: s.verdict for s in self.certificate(module).steps}
            if not verdicts.get(step, False):
                missing.append(label)
        ok = ok and not missing
        detail = "certificates rebuilt -- " + "; ".join(parts)
        if missing:
            detail += "; concluding steps missing or failed: " + ", ".join(missing)
        partial = ""
        if claim.name in PARTIAL:
            certified, not_certified = PARTIAL[claim.name]
            partial = f"partial (certified: {certified}; not certified: {not_certified})"
            detail = partial + " -- " + detail
        result = ProofResult(ok, steps, detail, partial)
        self.counts[result.mark] += 1
        return result

    def summary(self) -> str:
        """One line: how many claims are certified in full, in part, or fail."""
        c = self.counts
        return (f"proof column: {c['PASS']} certified in full, {c['PARTIAL']} partial, {c['FAIL']} failed "
                f"({sum(c.values())} claims with a certificate)")


@contextlib.contextmanager
def registered(column: ProofColumn | None = None):
    """Register the column as ``"proof"`` for the duration of a ``with`` block."""
    with column_registered("proof", column or ProofColumn()) as col:
        yield col
