"""The Python API explains itself (issue 15, item 4): ``dir()`` of every subpackage lists its public
names, confusable names have clear new ones (the old kept as deprecated aliases), and the closed
forms take what the Monte Carlo engine takes, with a ValueError that says what to pass."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import robtheory
from robtheory import LinearClassifier, ThreatModel, ToyModel
from robtheory.theory import closed_form

#: Every subpackage of robtheory (``viz`` and ``finite`` are being written: they are held to the
#: weaker rule that whatever they list in ``__all__`` is in ``dir()``).
PACKAGES = ("robtheory", "robtheory.symbolic", "robtheory.theory", "robtheory.training", "robtheory.stats",
            "robtheory.mc", "robtheory.claims", "robtheory.experiments", "robtheory.torch_bridge",
            "robtheory.cli")


@pytest.mark.parametrize("name", PACKAGES + ("robtheory.viz", "robtheory.finite"))
def test_dir_lists_every_public_name(name):
    pkg = importlib.import_module(name)
    public = set(getattr(pkg, "__all__", ()))
    assert public <= set(dir(pkg)), sorted(public - set(dir(pkg)))
    for attr in public:  # and every listed name resolves (lazily loaded ones included)
        getattr(pkg, attr)


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_declares_its_public_names(name):
    pkg = importlib.import_module(name)
    assert getattr(pkg, "__all__", None), f"{name} lists no public names"


@pytest.mark.parametrize("name", ["robtheory.theory", "robtheory.symbolic", "robtheory.experiments"])
def test_module_packages_list_their_modules_before_they_are_imported(name):
    import pkgutil

    pkg = importlib.import_module(name)
    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}
    assert modules <= set(dir(pkg)), sorted(modules - set(dir(pkg)))


def test_dir_of_mc_lists_its_engine_names():
    import robtheory.mc

    assert {"estimate_linear", "check_against_closed_form", "resolve_backend"} <= set(dir(robtheory.mc))


OLD_NEW = [
    (robtheory, "optimal_robust_accuracy", "best_robust_classifier"),
    (robtheory, "robust_optimal_linear", "best_robust_linear_classifier"),
    (closed_form, "optimal_robust_accuracy", "best_robust_classifier"),
    (closed_form, "robust_optimal_linear", "best_robust_linear_classifier"),
    (closed_form, "optimal_robust_accuracy_grid", "best_robust_accuracy_grid"),
]


@pytest.mark.parametrize("module,old,new", OLD_NEW)
def test_old_names_are_deprecated_aliases(module, old, new):
    with pytest.warns(DeprecationWarning, match=new):
        fn = getattr(module, old)
    assert fn is getattr(module, new)
    assert old not in module.__all__ and new in module.__all__


def test_old_names_still_import_and_compute_the_same():
    model, threat = ToyModel(0.9, 0.3, 10), ThreatModel("linf", 0.1)
    with pytest.warns(DeprecationWarning):
        from robtheory.theory.closed_form import robust_optimal_linear
    assert robust_optimal_linear(model, threat) == closed_form.best_robust_linear_classifier(model, threat)


def test_new_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from robtheory import best_robust_classifier, best_robust_linear_classifier  # noqa: F401
        closed_form.best_robust_accuracy_grid(0.9, 0.3, 0.1, 10)


MODEL = ToyModel(0.9, 0.3, 4)
W = np.array([0.4, 1.0, -0.5, 2.0, 0.25])


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.2), ThreatModel("l2", 0.3, perturb_x1=False)])
@pytest.mark.parametrize("fn", [closed_form.hinge_loss, closed_form.hinge_gradient])
def test_hinge_closed_forms_take_weights_and_pairs(fn, threat):
    ref = fn(MODEL, LinearClassifier(W, -0.3), threat)
    assert fn(MODEL, (W, -0.3), threat) == ref
    assert fn(MODEL, W, threat) == fn(MODEL, LinearClassifier(W, 0.0), threat)
    assert fn(MODEL, (W, -0.3), threat) != fn(MODEL, W, threat)


@pytest.mark.parametrize("fn", [closed_form.hinge_loss, closed_form.hinge_gradient, closed_form.linear_accuracy])
def test_closed_forms_say_what_to_pass(fn):
    with pytest.raises(ValueError, match=r"weight vector w of length d \+ 1"):
        fn(MODEL, "averaging")
    with pytest.raises(ValueError, match=r"d = 4|length d \+ 1"):
        fn(MODEL, np.ones(3))


@pytest.mark.parametrize("module", ["robtheory.theory.linear_frontier", "robtheory.theory.linear_certificate",
                                    "robtheory.theory.frontier"])
def test_each_theory_module_imports_on_its_own(module):
    # a fresh interpreter: inside the test session another module may have imported frontier first
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-500:]


def test_old_names_work_through_the_old_module_path():
    with pytest.warns(DeprecationWarning):
        import robtheory.closed_form as old_path
        importlib.reload(old_path)
    with pytest.warns(DeprecationWarning, match="best_robust_classifier"):
        fn = old_path.optimal_robust_accuracy
    assert fn is closed_form.best_robust_classifier
