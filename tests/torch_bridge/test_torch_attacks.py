"""PGD on confident models: the attack must not stop where a saturating loss would.

A positive rescaling of a model's logits changes neither its decisions nor its exact worst case,
so a correct attack gives the same verdicts at every scale. PGD on the logistic loss does not: its
gradient ``-sigmoid(-m) grad m`` is exactly 0 once the margin exceeds ~104 (float32) or ~745
(float64). These tests compare PGD with the exact minimiser of linear models scaled from 1 to 1e6
in both precisions and both norms, and check that PGD on a non-linear model is invariant to
scaling its logits by powers of two.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")

from robtheory import ToyModel
from robtheory.torch_bridge import data, models
from robtheory.torch_bridge.attacks import AttackConfig, exact_linear_worst_case, margins, pgd

MODEL = ToyModel(0.95, 0.2, 400)  # the toy study's distribution (eps = 2 eta = 0.4)


pytestmark = pytest.mark.usefixtures("torch_one_thread")  # tests/conftest.py


class _Scaled(torch.nn.Module):
    """``c * f(x)``: the same decisions as ``f`` for every ``c > 0``."""

    def __init__(self, net, c: float):
        super().__init__()
        self.net, self.c = net, c

    def forward(self, x):
        return self.c * self.net(x)


def _standard_like_linear(dtype):
    """A linear model shaped like a standardly trained one: x1 weight plus equal-ish weak weights."""
    g = torch.Generator().manual_seed(5)
    net = models.LinearModel(MODEL.d + 1, bias=False).to(dtype)
    w = 0.05 + 0.02 * torch.randn(MODEL.d + 1, generator=g, dtype=dtype)
    w[0] = 0.3
    with torch.no_grad():
        net.linear.weight.copy_(w.reshape(1, -1))
    return net


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("constraint,eps", [("inf", 2 * MODEL.eta), ("2", 1.0)])
@pytest.mark.parametrize("scale", [1.0, 60.0, 1e3, 1e6])
def test_pgd_equals_exact_worst_case_on_scaled_linear_models(dtype, constraint, eps, scale):
    X, y = data.toy_tensors(MODEL, 4000, 11, dtype=dtype)
    net = _standard_like_linear(dtype)
    with torch.no_grad():
        net.linear.weight.mul_(scale)
    cfg = AttackConfig(constraint, eps, attack_steps=10)
    xa = pgd(net, X, y, cfg)
    xe = exact_linear_worst_case(net.weight, X, y, cfg)
    with torch.no_grad():
        m_pgd, m_exact, m_clean = margins(net, xa, y), margins(net, xe, y), margins(net, X, y)
    # the attack moved: at these scales the clean margins of most points are far beyond the
    # logistic loss's saturation, yet every verdict must equal the exact one
    assert int(((m_pgd > 0) != (m_exact > 0)).sum()) == 0
    # and the margins themselves agree to rounding (relative to the scale of the margins)
    tol = 64 * torch.finfo(dtype).eps * float(m_clean.abs().max())
    assert float((m_pgd - m_exact).abs().max()) <= tol
    assert float(m_pgd.max()) < float(m_clean.max())


def test_scaled_linear_model_is_attacked_at_saturating_margins():
    """The case of the issue: weights x 1000 under l_inf at eps = 2 eta; exact robust accuracy ~0."""
    X, y = data.toy_tensors(MODEL, 4000, 12)
    net = _standard_like_linear(torch.float32)
    with torch.no_grad():
        net.linear.weight.mul_(1000.0)
        clean = margins(net, X, y)
    assert float(clean.median()) > 200  # far past float32's softplus saturation (~104)
    cfg = AttackConfig("inf", 2 * MODEL.eta, attack_steps=10)
    robust = float((margins(net, pgd(net, X, y, cfg), y) > 0).double().mean())
    exact = float((margins(net, exact_linear_worst_case(net.weight, X, y, cfg), y) > 0).double().mean())
    assert robust == exact
    assert robust < 0.05


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("constraint,eps", [("inf", 2 * MODEL.eta), ("2", 1.0)])
def test_pgd_on_a_nonlinear_model_is_invariant_to_scaling_its_logits(dtype, constraint, eps):
    torch.manual_seed(3)
    net = models.MLP(MODEL.d + 1, (16,)).to(dtype).eval()
    X, y = data.toy_tensors(MODEL, 600, 13, dtype=dtype)
    cfg = AttackConfig(constraint, eps, attack_steps=8, random_restarts=1)
    base = pgd(net, X, y, cfg, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        base_verdicts = margins(net, base, y) > 0
    for k in (10, 20, 40):  # powers of two: every floating-point operation scales exactly
        scaled = _Scaled(net, float(2**k))
        with torch.no_grad():
            assert float(margins(scaled, X, y).abs().max()) > 800  # saturated in both precisions
        xa = pgd(scaled, X, y, cfg, generator=torch.Generator().manual_seed(0))
        assert torch.equal(xa, base), f"PGD iterates change when the logits are scaled by 2^{k}"
        with torch.no_grad():
            assert torch.equal(margins(scaled, xa, y) > 0, base_verdicts)
    # the attack does something on this model: it changes some verdicts
    with torch.no_grad():
        assert int((margins(net, X, y) > 0).sum()) > int(base_verdicts.sum())
