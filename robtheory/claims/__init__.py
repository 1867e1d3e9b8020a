"""The claims registry: every statement of the paper as one record with all its faces.

Each claim is a :class:`Claim` record (:mod:`robtheory.claims.record`) declared in the module
of its family, next to its analytic check and its Monte Carlo builders:

* :mod:`robtheory.claims.averaging` -- claims (a), (b), Bayes optimality, sign(x1), A*_rob;
* :mod:`robtheory.claims.tradeoff` -- Theorem 2.1, its tightness, Theorem F;
* :mod:`robtheory.claims.svm` -- Theorem 2.2 (both parts), Lemmas D.3 and D.4;
* :mod:`robtheory.claims.svm_lemmas` -- Lemmas D.1, D.2 and D.5 (the hinge objective);
* :mod:`robtheory.claims.gaussian_mle` -- the robust Gaussian MLE (Ilyas et al., not this paper).

:data:`REGISTRY` is the records of :data:`FAMILIES` in the order of their pinned stream blocks.
The CLI (``robtheory verify``), the tests and the README's claims table iterate over it; later
layers (Monte Carlo, proofs, torch) add verdict columns with :func:`register_column`, and read
their tables (plans, proof map, campaign grid, torch claims) from the records.

Adding a claim: declare its record in its family module (a new family module goes into
:data:`FAMILIES`) with the next unused ``stream_block``; every table follows.
"""

from __future__ import annotations

from robtheory.claims import averaging, finite_sample, finite_transfer, gaussian_mle, schmidt, svm, svm_lemmas, tradeoff
from robtheory.claims.averaging import LOG_RTOL
from robtheory.claims.gaussian_mle import GAUSSIAN_ROBUST_MLE
from robtheory.claims.records import Theorem21Sample, theorem_2_1_sampled
from robtheory.claims.record import (
    COLUMNS,
    GRID,
    CheckResult,
    Claim,
    Point,
    cell_verdict,
    column_registered,
    random_linear_stats,
    register_column,
)
from robtheory.claims.svm import adversarial_svm_closed_form, adversarial_svm_optimum, svm_unit_norm_optimum
from robtheory.claims.tradeoff import (
    THEOREM_F,
    THEOREM_F_REL,
    THEOREM_F_TOL,
    log_theorem_2_1_bound,
    supporting_lambda,
    theorem_2_1_gap_tolerance,
    theorem_2_1_log_slack,
    theorem_2_1_scan,
    theorem_f_candidates,
    theorem_f_hypotheses,
    theorem_f_point_check,
)

__all__ = ["Point", "CheckResult", "Claim", "cell_verdict", "REGISTRY", "FAMILIES", "GRID", "get", "register_column",
           "column_registered", "COLUMNS", "svm_unit_norm_optimum", "adversarial_svm_optimum",
           "adversarial_svm_closed_form", "random_linear_stats", "log_theorem_2_1_bound", "theorem_2_1_log_slack",
           "theorem_2_1_gap_tolerance", "theorem_2_1_scan", "theorem_2_1_sampled", "Theorem21Sample", "LOG_RTOL",
           "theorem_f_hypotheses", "supporting_lambda", "THEOREM_F_TOL", "THEOREM_F_REL", "theorem_f_candidates",
           "theorem_f_point_check", "GAUSSIAN_ROBUST_MLE", "THEOREM_F", "markdown_table", "proof_modules",
           "claims_of_experiment"]

#: The family modules; each declares ``RECORDS``.
FAMILIES = (averaging, tradeoff, svm, svm_lemmas, gaussian_mle, finite_sample, finite_transfer, schmidt)


def _collect() -> tuple[Claim, ...]:
    records = [c for fam in FAMILIES for c in fam.RECORDS]
    names = [c.name for c in records]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:  # pragma: no cover - a declaration error, caught at import
        raise ValueError(f"claim names declared twice: {dup}")
    return tuple(sorted(records, key=lambda c: (c.stream_block is None, c.stream_block or 0)))


#: Every claim, ordered by stream block (today's order: claim_a .. optimal_robust, the Gaussian MLE, Theorem F).
REGISTRY: tuple[Claim, ...] = _collect()


def get(name: str) -> Claim:
    for claim in REGISTRY:
        if claim.name == name:
            return claim
    raise KeyError(f"no claim named {name!r}; known: {[c.name for c in REGISTRY]}")


def proof_modules() -> tuple[str, ...]:
    """The proof scripts named by the records, each once, in registry order."""
    out: list[str] = []
    for c in REGISTRY:
        out += [m for m in c.proofs if m not in out]
    return tuple(out)


def claims_of_experiment(experiment: str) -> tuple[str, ...]:
    """Names of the claims whose record names the torch experiment ``experiment``."""
    return tuple(c.name for c in REGISTRY if c.torch_experiment == experiment)


def markdown_table() -> str:
    """The README's claims table, one row per registered claim (a test keeps them in sync)."""
    lines = ["| claim | paper | statement | grid points meeting the hypotheses |",
             "|---|---|---|---|"]
    for c in REGISTRY:
        statement = c.statement.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.reference} | {statement} | {len(c.points())} |")
    return "\n".join(lines)
