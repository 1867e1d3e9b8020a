"""The "torch" verdict column of ``robtheory verify`` (present when torch is installed).

For the claims that the toy-data experiment speaks to (the catalogue entry's ``claims``), the
column runs that experiment once in its quick mode (seconds, into a temporary folder) and
reports the matching check: Theorem 2.1 for trained MLPs under PGD and the shift adversary
(Monte Carlo, at the experiment's stated false-alarm rate), Theorem 2.2 part 1 for the
SGD-trained standard linear SVM, part 2 for the adversarially trained one. Other claims show
``-``. These are empirical checks of trained models, not proofs: a pass says the trained
models behave as the theorem says at this size.
"""

from __future__ import annotations

import contextlib
import tempfile

from robtheory.claims import CheckResult, Claim, column_registered
from robtheory.torch_bridge.experiments import CATALOGUE, run_experiment

__all__ = ["TorchColumn", "registered"]


class TorchColumn:
    """Callable ``Claim -> CheckResult | None``; each experiment runs once per instance.

    ``figures=False`` runs the experiments without drawing their figures (the checks are the same;
    ``robtheory verify`` draws them only when it writes a report, which shows them).
    """

    def __init__(self, quick: bool = True, seed: int = 0, figures: bool = True):
        self.quick = quick
        self.seed = seed
        self.figures = figures
        self._metrics: dict[str, dict] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None

    @property
    def results_dir(self):
        """Folder holding ``NAME/metrics.json`` and figures of the runs so far (None before any)."""
        return None if self._tmp is None else self._tmp.name

    def metrics(self, name: str) -> dict:
        if name not in self._metrics:
            if self._tmp is None:  # removed when the column is garbage-collected
                self._tmp = tempfile.TemporaryDirectory(prefix="robtheory-torch-")
            self._metrics[name] = run_experiment(name, f"{self._tmp.name}/{name}", quick=self.quick,
                                                 seed=self.seed, progress=False, figures=self.figures)
        return self._metrics[name]

    def __call__(self, claim: Claim) -> CheckResult | None:
        for exp in CATALOGUE.values():
            if claim.name in exp.claims:
                m = self.metrics(exp.name)
                check = m["checks"][claim.name]
                mode = "quick" if self.quick else "full"
                return CheckResult(bool(check["passed"]), 1,
                                   f"torch '{exp.name}' ({mode}, seed {self.seed}): {check['detail']}")
        return None


@contextlib.contextmanager
def registered(column: TorchColumn | None = None):
    """Register the column as ``"torch"`` for the duration of a ``with`` block."""
    with column_registered("torch", column or TorchColumn()) as col:
        yield col
