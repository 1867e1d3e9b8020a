"""
The torch bridge on toy data
============================

The theory speaks about populations; the torch bridge checks that ordinary training code sees the
same thing. It draws D(p, eta, d) as torch tensors from the same stream as the Monte Carlo engine,
trains a linear model with SGD, clean and adversarially (PGD), and evaluates it under attack.
``robtheory torch list`` names the full experiments (``robtheory torch toy --quick --out DIR``).

This example needs the ``torch`` extra (``pip install ".[torch]"``); without torch it says so and
stops.
"""

# %%
import importlib.util

if importlib.util.find_spec("torch") is None:
    print("torch is not installed: pip install \".[torch]\" to run this example")
else:
    import torch

    from robtheory import ThreatModel, ToyModel, linear_accuracy
    from robtheory.torch_bridge.attacks import AttackConfig, evaluate
    from robtheory.torch_bridge.data import toy_tensors
    from robtheory.torch_bridge.models import LinearModel
    from robtheory.torch_bridge.train import TrainConfig, train

    torch.set_num_threads(1)
    model = ToyModel(0.9, 0.25, 20)
    eps = 2 * model.eta
    X, y = toy_tensors(model, 2000, seed=0)
    X_test, y_test = toy_tensors(model, 2000, seed=0, start=10_000)
    attack = AttackConfig("inf", eps, attack_steps=10)

    results = {}
    for name, adversary in (("standard training", None), ("adversarial training", attack)):
        net = LinearModel(model.d + 1)
        train(net, X, y, TrainConfig(epochs=5, lr=0.05, batch_size=128, attack=adversary,
                                     lr_schedule="cosine"), seed=0, show_progress=False)
        clean = evaluate(net, X_test, y_test)
        robust = evaluate(net, X_test, y_test, attack)
        w = net.weight.detach().double().numpy()
        b = float(net.linear.bias.detach())
        exact = linear_accuracy(model, (w, b), ThreatModel("linf", eps))
        results[name] = (clean["accuracy"], robust["accuracy"], exact)
        print(f"{name:21s} test accuracy {clean['accuracy']:.3f} (closed form {exact.standard_accuracy:.3f}), "
              f"under PGD at eps = {eps}: {robust['accuracy']:.3f} (exact worst case {exact.robust_accuracy:.3f}); "
              f"|w1| / sum |weak w| = {abs(w[0]) / abs(w[1:]).sum():.2f}")

    # %%
    # Standard training leans on the weak features and is not robust; adversarial training moves
    # the weight to x1 and is robust at accuracy about p, as Theorem 2.1 says it must be.
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(layout="constrained")
    names = list(results)
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [results[n][0] for n in names], 0.4, label="standard accuracy (test set)")
    ax.bar([x + 0.2 for x in xs], [results[n][1] for n in names], 0.4, label=r"robust accuracy (PGD, $\ell_\infty$)")
    ax.scatter([x + 0.2 for x in xs], [results[n][2].robust_accuracy for n in names], color="k", zorder=3,
               label="exact worst case of the trained weights")
    ax.set_xticks(list(xs), names)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("accuracy")
    ax.set_title(rf"linear model, $p = {model.p}$, $\eta = {model.eta}$, $d = {model.d}$, $\varepsilon = 2\eta$")
    ax.legend(loc="upper center", fontsize="small", ncols=2)
    plt.show()
