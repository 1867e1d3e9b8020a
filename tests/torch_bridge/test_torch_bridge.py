"""The PyTorch bridge core: attacks, models, training, toy data, the toy experiment, the CLI.

Skipped with a reason when torch is not installed; ``test_without_torch`` (in
test_torch_optional.py) checks that the rest of robtheory does not need it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")

from robtheory import LinearClassifier, ThreatModel, ToyModel, linear_accuracy
from robtheory.mc import reference as ref
from robtheory.torch_bridge import data, models
from robtheory.torch_bridge.attacks import (
    AttackConfig,
    evaluate,
    exact_linear_worst_case,
    margins,
    pgd,
    project,
)
from robtheory.torch_bridge.train import TrainConfig, seeded, train


pytestmark = pytest.mark.usefixtures("torch_one_thread")  # tests/conftest.py


def _linear(d_in, seed=0, bias=True, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    net = models.LinearModel(d_in, bias=bias).to(dtype)
    with torch.no_grad():
        net.linear.weight.copy_(torch.randn(1, d_in, generator=g, dtype=dtype))
        if bias:
            net.linear.bias.copy_(torch.randn(1, generator=g, dtype=dtype))
    return net


def _batch(n, d_in, seed=1, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=dtype)
    y = torch.where(torch.rand(n, generator=g) < 0.5, 1.0, -1.0).to(dtype)
    return x, y


# ------------------------------------------------------------------------------- AttackConfig
def test_attack_config_defaults_and_vocabulary():
    cfg = AttackConfig("inf", 0.3, attack_steps=40)
    assert cfg.attack_lr == pytest.approx(2.5 * 0.3 / 40)
    assert AttackConfig("linf", 0.3).constraint == "inf"
    assert AttackConfig("l2", 0.3).constraint == "2"
    d = cfg.to_dict()
    assert set(d) >= {"constraint", "eps", "attack_lr", "attack_steps", "random_restarts", "use_best"}
    assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize("kwargs, bad", [
    ({"constraint": "1", "eps": 0.1}, "'1'"),
    ({"constraint": "inf", "eps": -0.1}, "-0.1"),
    ({"constraint": "inf", "eps": float("nan")}, "nan"),
    ({"constraint": "inf", "eps": 0.1, "attack_steps": 0}, "0"),
    ({"constraint": "inf", "eps": 0.1, "attack_lr": -1.0}, "-1.0"),
    ({"constraint": "inf", "eps": 0.1, "random_restarts": -2}, "-2"),
    ({"constraint": "inf", "eps": 0.1, "bounds": (1.0, 0.0)}, "(1.0, 0.0)"),
])
def test_attack_config_rejects_bad_values(kwargs, bad):
    with pytest.raises(ValueError, match=bad.replace("(", r"\(").replace(")", r"\)")):
        AttackConfig(**kwargs)


# ------------------------------------------------------------------------------- projection
def test_project_linf_clips_and_is_idempotent():
    x, _ = _batch(50, 7)
    p = project(3 * x, "inf", 0.5)
    assert float(p.abs().max()) <= 0.5
    inside = (3 * x).abs() <= 0.5
    assert torch.equal(p[inside], (3 * x)[inside])
    assert torch.equal(project(p, "inf", 0.5), p)


def test_project_l2_is_the_nearest_point_of_the_ball():
    x, _ = _batch(200, 5)
    eps = 1.0
    p = project(x, "2", eps)
    n = x.norm(dim=1)
    assert torch.all(p.norm(dim=1) <= eps * (1 + 1e-12))
    assert torch.equal(p[n <= eps], x[n <= eps])  # inside: untouched
    # outside: no point of the ball is nearer (random candidates on and inside the sphere)
    g = torch.Generator().manual_seed(3)
    cand = torch.randn(2000, 5, generator=g, dtype=x.dtype)
    cand = cand / cand.norm(dim=1, keepdim=True) * torch.rand(2000, 1, generator=g, dtype=x.dtype) ** 0.2
    for i in torch.nonzero(n > eps).flatten()[:20]:
        best = (cand - x[i]).norm(dim=1).min()
        assert float((p[i] - x[i]).norm()) <= float(best) + 1e-12


def test_project_rejects_unknown_constraint():
    with pytest.raises(ValueError, match="'1'"):
        project(torch.zeros(2, 2), "1", 0.1)


# ------------------------------------------------------------------------------- PGD vs exact
@pytest.mark.parametrize("constraint, eps", [("inf", 0.3), ("2", 1.5)])
@pytest.mark.parametrize("fixed", [(), (0,)])
def test_pgd_reaches_the_exact_linear_worst_case(constraint, eps, fixed):
    net = _linear(12)
    x, y = _batch(300, 12)
    cfg = AttackConfig(constraint, eps, attack_steps=30, fixed_features=fixed)
    xa = pgd(net, x, y, cfg)
    xe = exact_linear_worst_case(net.weight, x, y, cfg)
    with torch.no_grad():
        m_pgd, m_exact = margins(net, xa, y), margins(net, xe, y)
    # the exact point is the minimiser: PGD can only match it, and it does
    assert torch.all(m_exact <= m_pgd + 1e-12)
    np.testing.assert_allclose(m_pgd.numpy(), m_exact.numpy(), rtol=0, atol=1e-9)
    if fixed:
        assert torch.equal(xa[:, 0], x[:, 0])
    # and the exact worst case is exact: its robust accuracy is the closed form's margin shift
    w = net.weight.detach()
    wf = w.clone()
    wf[list(fixed)] = 0
    dual = wf.abs().sum() if constraint == "inf" else wf.norm()
    with torch.no_grad():
        np.testing.assert_allclose(m_exact.numpy(), (margins(net, x, y) - eps * dual).numpy(), atol=1e-12)


def test_pgd_exact_with_box_bounds_linf():
    net = _linear(20)
    g = torch.Generator().manual_seed(5)
    x = torch.rand(100, 20, generator=g, dtype=torch.float64)
    y = torch.where(torch.rand(100, generator=g) < 0.5, 1.0, -1.0).double()
    cfg = AttackConfig("inf", 0.3, attack_steps=20, bounds=(0.0, 1.0))
    xa = pgd(net, x, y, cfg)
    xe = exact_linear_worst_case(net.weight, x, y, cfg)
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1
    with torch.no_grad():
        np.testing.assert_allclose(margins(net, xa, y).numpy(), margins(net, xe, y).numpy(), atol=1e-9)
    with pytest.raises(ValueError, match="not separable"):
        exact_linear_worst_case(net.weight, x, y, AttackConfig("2", 0.3, bounds=(0.0, 1.0)))


def test_pgd_negative_control_too_few_steps_misses_the_worst_case():
    # two l_2 steps of the default size 2.5 eps / 40 cannot travel eps: the test above would fail
    net = _linear(12)
    x, y = _batch(100, 12)
    cfg = AttackConfig("2", 1.5, attack_steps=40)
    short = AttackConfig("2", 1.5, attack_steps=2, attack_lr=cfg.attack_lr)
    xe = exact_linear_worst_case(net.weight, x, y, cfg)
    with torch.no_grad():
        gap = margins(net, pgd(net, x, y, short), y) - margins(net, xe, y)
    assert float(gap.min()) > 0.1


@pytest.mark.parametrize("constraint, eps", [("inf", 0.2), ("2", 0.7)])
def test_pgd_stays_in_ball_and_box_with_restarts(constraint, eps):
    net = models.MLP(6, (16,)).double()
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 6, generator=g, dtype=torch.float64)
    y = torch.where(torch.rand(64, generator=g) < 0.5, 1.0, -1.0).double()
    cfg = AttackConfig(constraint, eps, attack_steps=5, random_restarts=3, bounds=(0.0, 1.0))
    xa = pgd(net, x, y, cfg, generator=seeded(1))
    delta = xa - x
    size = delta.abs().amax(dim=1) if constraint == "inf" else delta.norm(dim=1)
    assert torch.all(size <= eps * (1 + 1e-12))
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1
    with torch.no_grad():  # the clean point is a candidate: the attack never makes things better
        assert torch.all(margins(net, xa, y) <= margins(net, x, y))
    # seeded: reproducible
    assert torch.equal(xa, pgd(net, x, y, cfg, generator=seeded(1)))


def test_pgd_eps_zero_returns_the_input():
    net = _linear(4)
    x, y = _batch(10, 4)
    assert torch.equal(pgd(net, x, y, AttackConfig("inf", 0.0)), x)


class _Bowl(torch.nn.Module):
    """f(x) = (x - 1)^2 - 0.5 in one dimension: sign steps from 0 overshoot and come back."""

    def forward(self, x):
        return ((x[:, 0] - 1.0) ** 2 - 0.5)


def test_use_best_keeps_the_worst_iterate():
    x = torch.zeros(1, 1, dtype=torch.float64)
    y = torch.ones(1, dtype=torch.float64)
    # iterates: 0 -> 1.5 (margin -0.25) -> 0 (margin 0.5): the last one is the clean point again
    best = pgd(_Bowl(), x, y, AttackConfig("inf", 2.0, attack_steps=2, attack_lr=1.5, use_best=True))
    last = pgd(_Bowl(), x, y, AttackConfig("inf", 2.0, attack_steps=2, attack_lr=1.5, use_best=False))
    assert float(best[0, 0]) == pytest.approx(1.5)
    assert float(last[0, 0]) == pytest.approx(0.0)


def test_evaluate_reports_settings_and_interval():
    net = _linear(8)
    x, y = _batch(500, 8)
    cfg = AttackConfig("inf", 0.1, attack_steps=5)
    clean, rob = evaluate(net, x, y), evaluate(net, x, y, cfg, batch_size=64)
    assert clean["attack"] is None and rob["attack"] == cfg.to_dict()
    assert rob["correct"] <= clean["correct"]
    assert rob["ci"][0] <= rob["accuracy"] <= rob["ci"][1]
    with torch.no_grad():
        assert clean["correct"] == int((margins(net, x, y) > 0).sum())


# ------------------------------------------------------------------------------- models
def test_two_logit_adapter_matches_the_logistic_loss_and_sign():
    net = _linear(5)
    x, y = _batch(100, 5)
    two = models.TwoLogit(net)
    with torch.no_grad():
        ce = torch.nn.functional.cross_entropy(two(x), models.labels_to_index(y), reduction="none")
        np.testing.assert_allclose(ce.numpy(), torch.nn.functional.softplus(-y * net(x)).numpy(), rtol=1e-12)
        assert torch.equal(two(x).argmax(dim=1) == 1, net(x) > 0)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        models.labels_to_index(torch.tensor([0.0, 1.0]))


@pytest.mark.parametrize("net", [models.LinearModel(7), models.LinearModel(7, bias=False), models.MLP(7, (5, 3))])
def test_checkpoint_round_trip(tmp_path, net):
    x, _ = _batch(9, 7, dtype=torch.float32)
    models.save_checkpoint(net, tmp_path / "m", {"note": "x"})
    back, meta = models.load_checkpoint(tmp_path / "m")
    assert meta["note"] == "x" and meta["model"] == net.config()
    with torch.no_grad():
        assert torch.equal(back(x), net(x))
    assert back(x).shape == (9,)


def test_model_bad_inputs():
    with pytest.raises(ValueError, match="0"):
        models.LinearModel(0)
    with pytest.raises(ValueError, match="hidden"):
        models.MLP(3, ())
    with pytest.raises(ValueError, match="'cnn9'"):
        models.build_model({"kind": "cnn9"})


# ------------------------------------------------------------------------------- training
def _separable(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = torch.where(x[:, 0] + 0.5 * x[:, 1] > 0, 1.0, -1.0)
    return x, y


def test_train_learns_and_is_reproducible():
    x, y = _separable()
    cfg = TrainConfig(epochs=30, lr=0.1, batch_size=32)
    a, b, c = models.LinearModel(3), models.LinearModel(3), models.LinearModel(3)
    ha = train(a, x, y, cfg, seed=7)
    train(b, x, y, cfg, seed=7)
    train(c, x, y, cfg, seed=8)
    assert ha[-1]["train_accuracy"] > 0.97 and ha[-1]["loss"] < ha[0]["loss"]
    assert torch.equal(a.linear.weight, b.linear.weight)
    assert not torch.equal(a.linear.weight, c.linear.weight)


def test_adversarial_training_of_a_linear_model_on_toy_data_drops_weak_features():
    # eps_train = 2 eta > eta: every weak feature is useless against the adversary (Thm 2.2 (2))
    model = ToyModel(0.9, 0.2, 30)
    x, y = data.toy_tensors(model, 2000, 0)
    std, adv = models.LinearModel(31, bias=False), models.LinearModel(31, bias=False)
    common = dict(epochs=60, lr=0.03, batch_size=200, weight_decay=0.1, loss="hinge", lr_schedule="cosine")
    train(std, x, y, TrainConfig(**common), seed=1)
    train(adv, x, y, TrainConfig(**common, attack=AttackConfig("inf", 0.4, attack_steps=1, attack_lr=0.4)),
          seed=1)
    frac = [float(m.weight[1:].detach().norm() / m.weight.detach().norm()) for m in (std, adv)]
    # standard training leans on the weak features (0.35 here), adversarial training does not
    assert frac[0] > 0.25 and frac[1] < 0.05
    acc = linear_accuracy(model, LinearClassifier(adv.weight.detach().double().numpy()),
                          ThreatModel("linf", 0.4))
    assert acc.standard_accuracy == pytest.approx(0.9, abs=2e-3)
    assert acc.robust_accuracy == pytest.approx(0.9, abs=2e-3)


@pytest.mark.parametrize("kwargs, bad", [
    ({"epochs": 0}, "epochs"), ({"lr": -1.0}, "-1.0"), ({"optimizer": "rmsprop"}, "rmsprop"),
    ({"loss": "square"}, "square"), ({"mix": 0.0}, "mix"), ({"lr_schedule": "step"}, "step"),
    ({"attack": "pgd"}, "pgd"),
])
def test_train_config_rejects_bad_values(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        TrainConfig(**kwargs)


def test_train_rejects_bad_labels_and_seed():
    x, y = _separable(10)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        train(models.LinearModel(3), x, (y + 1) / 2, TrainConfig(epochs=1))
    with pytest.raises(ValueError, match="-3"):
        train(models.LinearModel(3), x, y, TrainConfig(epochs=1), seed=-3)


# ------------------------------------------------------------------------------- toy data
def test_toy_tensors_are_the_monte_carlo_stream():
    model = ToyModel(0.8, 0.3, 6)
    X, y = data.toy_tensors(model, 50, 11, start=7, dtype=torch.float64)
    y_ref, X_ref = ref.sample_chunk(model, 11, 7, 50)
    np.testing.assert_array_equal(X.numpy(), X_ref)
    np.testing.assert_array_equal(y.numpy(), y_ref)
    X2, _ = data.toy_tensors(model, 10, 11, start=57, dtype=torch.float64)
    assert not np.any(np.isin(X2.numpy()[:, 1:], X.numpy()[:, 1:]))
    with pytest.raises(ValueError, match="ToyModel"):
        data.toy_tensors("model", 3, 0)
