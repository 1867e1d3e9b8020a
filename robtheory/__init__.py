"""robtheory: machine-checked theory of "Robustness May Be at Odds with Accuracy".

Tsipras, Santurkar, Engstrom, Turner, Madry (ICLR 2019). The public surface is small:

* :class:`ToyModel`, :class:`ThreatModel` -- the distribution D(p, eta, d) and the l_inf/l_2 balls;
* :class:`LinearClassifier`, :class:`StructuredLinear` and the named classifiers;
* :func:`linear_accuracy`, :func:`bayes_accuracy`, :func:`optimal_robust_accuracy`,
  :func:`robust_optimal_linear` -- closed forms generated from the sympy derivations;
* :mod:`robtheory.claims` -- the registry of the paper's statements.

sympy is imported only by :mod:`robtheory.symbolic` (derivations, code generation, proofs).
"""

from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    RoundedClassifier,
    StructuredLinear,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.theory.closed_form import (
    Accuracy,
    bayes_accuracy,
    linear_accuracy,
    optimal_robust_accuracy,
    robust_optimal_linear,
    theorem_2_1_bound,
)
from robtheory.model import ThreatModel, ToyModel

__version__ = "0.1.0"

__all__ = [
    "ToyModel",
    "ThreatModel",
    "LinearClassifier",
    "StructuredLinear",
    "ConstantClassifier",
    "RoundedClassifier",
    "averaging",
    "robust_x1",
    "bayes",
    "Accuracy",
    "linear_accuracy",
    "bayes_accuracy",
    "optimal_robust_accuracy",
    "robust_optimal_linear",
    "theorem_2_1_bound",
    "__version__",
]
