"""robtheory: machine-checked theory of "Robustness May Be at Odds with Accuracy".

Tsipras, Santurkar, Engstrom, Turner, Madry (ICLR 2019). The public surface is small:

* :class:`ToyModel`, :class:`ThreatModel` -- the distribution D(p, eta, d) and the l_inf/l_2 balls;
* :class:`LinearClassifier`, :class:`StructuredLinear` and the named classifiers;
* :func:`linear_accuracy`, :func:`bayes_accuracy`, :func:`theorem_2_1_bound`,
  :func:`best_robust_classifier` (the highest robust accuracy over *all* classifiers, A*_rob) and
  :func:`best_robust_linear_classifier` (over *linear* classifiers) -- closed forms generated from
  the sympy derivations;
* :mod:`robtheory.claims` -- the registry of the paper's statements.

``optimal_robust_accuracy`` and ``robust_optimal_linear`` are the old names of the last two
(deprecated: they still work and warn). sympy is imported only by :mod:`robtheory.symbolic`
(derivations, code generation, proofs).

Examples
--------
>>> import robtheory
>>> model = robtheory.ToyModel(p=0.95, eta=0.3, d=100)
>>> threat = robtheory.ThreatModel("linf", 0.6)
>>> acc = robtheory.linear_accuracy(model, robtheory.averaging(100), threat)
>>> round(acc.standard_accuracy, 4), round(acc.robust_accuracy, 4)
(0.9987, 0.0013)
>>> robtheory.best_robust_classifier(model, threat).description
'sign(x1)'
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
    best_robust_classifier,
    best_robust_linear_classifier,
    linear_accuracy,
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
    "best_robust_classifier",
    "best_robust_linear_classifier",
    "theorem_2_1_bound",
    "__version__",
]

#: Deprecated top-level names (kept for one release) and the names that replace them.
_DEPRECATED = {"optimal_robust_accuracy": "best_robust_classifier",
               "robust_optimal_linear": "best_robust_linear_classifier"}


def __getattr__(name: str) -> object:
    if name in _DEPRECATED:
        import warnings

        warnings.warn(f"robtheory.{name} is deprecated: it is now robtheory.{_DEPRECATED[name]}",
                      DeprecationWarning, stacklevel=2)
        return globals()[_DEPRECATED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names first-class; submodules already imported show up as attributes too
    return sorted(set(__all__) | {n for n in globals() if not n.startswith("_")} | {"__version__"})
