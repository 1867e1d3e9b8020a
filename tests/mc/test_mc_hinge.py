"""Monte Carlo hinge losses and gradients against the closed forms, with negative controls."""

from __future__ import annotations

import numpy as np
import pytest

from robtheory import LinearClassifier, ThreatModel, ToyModel
from robtheory.mc.hinge import check_hinge, closed_form_hinge, estimate_hinge

MODEL = ToyModel(0.8, 0.3, 5)
W = np.array([0.7, 0.3, 0.5, 0.2, -0.4, 0.6])
CLF = LinearClassifier(W, 0.1)
THREATS = [None, ThreatModel("linf", 0.1), ThreatModel.weak_only("linf", 0.2),
           ThreatModel("l2", 0.3), ThreatModel.weak_only("l2", 0.3)]


@pytest.mark.parametrize("threat", THREATS, ids=lambda t: "standard" if t is None else
                         f"{t.norm}_{'full' if t.perturb_x1 else 'weak'}")
def test_hinge_loss_and_gradient_agree_with_closed_form(threat):
    res = check_hinge(MODEL, CLF, threat, n=100_000, seed=4)
    assert res["passed"], [(r["quantity"], r["z"]) for r in [res["loss"], *res["grad"]]]
    assert len(res["grad"]) == MODEL.d + 2
    assert res["alpha_per_check"] == pytest.approx(1e-6 / (MODEL.d + 3))
    for r in [res["loss"], *res["grad"]]:
        assert r["ci"][0] <= r["estimate"] <= r["ci"][1] and r["min_detectable"] > 0


def test_negative_control_p_and_1_minus_p_swapped():
    # D(1 - p) with weight a on x1 is D(p) with weight -a: the swapped closed form
    w = W.copy()
    w[0] = -w[0]
    loss_sw, grad_sw = closed_form_hinge(MODEL, LinearClassifier(w, 0.1))
    grad_sw[0] = -grad_sw[0]
    res = check_hinge(MODEL, CLF, None, n=10**6, seed=1, analytic={"loss": loss_sw, "grad": grad_sw})
    assert not res["loss"]["passed"] and not res["grad"][0]["passed"] and not res["passed"]


def test_negative_control_eps_not_applied_to_x1():
    full = ThreatModel("linf", 0.1)
    loss_weak, grad_weak = closed_form_hinge(MODEL, CLF, ThreatModel.weak_only("linf", 0.1))
    good = check_hinge(MODEL, CLF, full, n=10**6, seed=2)
    bad = check_hinge(MODEL, CLF, full, n=10**6, seed=2, analytic={"loss": loss_weak, "grad": grad_weak})
    assert good["passed"]
    assert not bad["loss"]["passed"] and not bad["grad"][0]["passed"]


def test_moments_do_not_depend_on_chunking():
    a = estimate_hinge(MODEL, CLF, ThreatModel("l2", 0.3), n=3001, seed=5, chunk=1000)
    b = estimate_hinge(MODEL, CLF, ThreatModel("l2", 0.3), n=3001, seed=5, chunk=97)
    assert a["loss"]["mean"] == pytest.approx(b["loss"]["mean"], rel=1e-12)
    assert a["loss"]["var"] == pytest.approx(b["loss"]["var"], rel=1e-10)
    np.testing.assert_allclose(a["grad"]["mean"], b["grad"]["mean"], rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(a["grad"]["var"], b["grad"]["var"], rtol=1e-9)


def test_bad_arguments():
    with pytest.raises(ValueError, match="non-zero"):
        estimate_hinge(MODEL, LinearClassifier(np.r_[0.0, W[1:]], 0.0), ThreatModel("linf", 0.1), n=10)
    with pytest.raises(ValueError, match="n must be >= 2"):
        estimate_hinge(MODEL, CLF, None, n=1)
    with pytest.raises(ValueError, match="ToyModel"):
        estimate_hinge("model", CLF, None, n=10)
