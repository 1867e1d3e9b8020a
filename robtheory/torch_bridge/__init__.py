r"""PyTorch bridge: small experiments that tie trained models to the theory.

Conventions (what users of attack libraries expect, with the binary case done properly):

* a model maps a batch ``(N, ...)`` to **one logit per sample**, shape ``(N,)``; labels are
  ``y in {-1, +1}``; a sample is classified correctly iff ``y * f(x) > 0`` (a score of exactly
  0 is an error, as everywhere in robtheory). :class:`~robtheory.torch_bridge.models.TwoLogit`
  adapts such a model to the two-logit convention of multi-class libraries;
* inputs are unbounded by default (Gaussian features); images pass ``bounds=(0, 1)``;
* attacks speak the MadryLab vocabulary: ``constraint`` (``"inf"`` or ``"2"``), ``eps``,
  ``attack_lr``, ``attack_steps``, ``random_restarts``, ``use_best``
  (:class:`~robtheory.torch_bridge.attacks.AttackConfig`), and every robust accuracy is reported
  together with those settings.

Submodules: :mod:`.data` (toy samples from the Philox stream of :mod:`robtheory.mc`, bundled
digit data), :mod:`.models`, :mod:`.attacks`, :mod:`.train`, :mod:`.experiments`.

torch is an optional dependency (``pip install "robtheory[torch]"``); ``import robtheory``
never imports it. This package and its experiment catalogue import without torch (so that
``robtheory torch list`` works everywhere); the submodules that compute need it.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["torch_available", "require_torch"]

INSTALL_HINT = "pip install 'robtheory[torch]' (torch==2.13.0, mlxtend, scikit-learn)"


def torch_available() -> bool:
    """Whether PyTorch can be imported (checked without importing it).

    A ``None`` entry in ``sys.modules`` (how tests and users block an installed package) counts
    as unavailable.
    """
    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    return importlib.util.find_spec("torch") is not None


def require_torch() -> None:
    """Raise an ImportError that says how to install the extra when torch is missing."""
    if not torch_available():
        raise ImportError(f"the PyTorch bridge needs torch: {INSTALL_HINT}")
