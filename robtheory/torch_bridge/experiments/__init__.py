r"""The catalogue of torch experiments and the runner that gives each one its output folder.

Every experiment is a function ``run(ctx) -> dict`` in a submodule; the catalogue below names
it without importing it, so ``robtheory torch list`` works without torch. The runner writes
``DIR/metrics.json`` with the experiment's numbers, every setting and seed, the figures and
checkpoints it wrote, library versions, the wall time, and an ``effect`` object: whether the
effect the paper describes showed up in this run (``reproduced``) and the numbers behind that
verdict (an honest negative result is recorded as such, never tuned away). Figures are drawn by
:meth:`RunContext.draw` from exactly what is saved (the experiment's results, plus the arrays it
writes to ``figure_data.npz`` beside ``metrics.json``), so ``robtheory plot metrics.json``
redraws them without training.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robtheory._jsonio import write_json
from robtheory.torch_bridge import require_torch

__all__ = ["Experiment", "CATALOGUE", "get", "RunContext", "run_experiment"]


@dataclass(frozen=True)
class Experiment:
    """One experiment: its CLI name, the paper figure it reproduces, and where its code lives."""

    name: str
    figure: str
    summary: str
    target: str  # "module:function"
    @property
    def claims(self) -> tuple[str, ...]:
        """Registry claims whose torch column it feeds: read from the claims' records
        (``Claim.torch_experiment`` names the experiment)."""
        from robtheory.claims import claims_of_experiment

        return claims_of_experiment(self.name)

    def load(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module, __name__), func)


CATALOGUE: dict[str, Experiment] = {e.name: e for e in (
    Experiment("toy", "Thm 2.1, Thm 2.2, Sec. 2.1",
               "linear models and MLPs trained (standard and PGD) on D(p, eta, d): PGD vs the exact "
               "worst case, trained weights against the population optima as n grows, Theorem 2.1 "
               "for trained MLPs under PGD and the shift adversary",
               ".toy:run"),
    Experiment("sample-size", "Fig. 1 / Fig. 6",
               "binary MNIST: standard accuracy against training-set size for several eps_train, "
               "l2 and l_inf adversarial training", ".sample_size:run_sample_size"),
    Experiment("eps-sweep", "Fig. 7",
               "binary MNIST: standard accuracy against eps_train (l2 and l_inf)", ".eps_sweep:run_eps_sweep"),
    Experiment("linear-features", "Fig. 5",
               "binary MNIST 5 vs 7, linear models: weight against feature-label correlation for "
               "standard and robust training; a standard model on the most correlated pixels only",
               ".linear_features:run_linear_features"),
    Experiment("gradients", "Fig. 2",
               "loss gradients with respect to the input, standard vs robust model", ".gradients:run_gradients"),
    Experiment("large-eps", "Fig. 3",
               "large-eps adversarial examples toward the other class, standard vs robust model",
               ".large_eps:run_large_eps"),
    Experiment("interpolation", "Fig. 4",
               "interpolation between an image and its large-eps adversarial example",
               ".interpolation:run_interpolation"),
)}


def get(name: str) -> Experiment:
    """The catalogue entry ``name`` (ValueError listing the known names otherwise)."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"unknown torch experiment {name!r}; known: {', '.join(CATALOGUE)}") from None


@dataclass
class RunContext:
    """What an experiment receives: where to write, how hard to work, and its randomness.

    ``quick`` selects the small configuration (seconds, smallest data); ``progress`` is None
    (bars only on a terminal), True or False; ``draw_figures`` False skips drawing the figures
    (the numbers and the arrays they are drawn from are still saved, so ``robtheory plot`` can
    draw them later).
    """

    out: Path
    quick: bool = False
    device: str = "cpu"
    seed: int = 0
    progress: bool | None = None
    figures: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    draw_figures: bool = True

    def save_figure(self, fig, stem: str) -> list[str]:
        """Save ``fig`` as ``stem.png`` (and the vector ``stem.pdf`` and ``stem.svg`` unless quick) in
        the output folder, under constrained layout (labels, titles and the suptitle never overlap);
        close it."""
        import matplotlib.pyplot as plt

        tight = {}
        if fig.get_layout_engine() is None:
            fig.set_layout_engine("constrained")
            try:
                fig.canvas.draw()
            except (ZeroDivisionError, ValueError):  # a colour bar made without a layout engine
                fig.set_layout_engine("none")
                tight = {"bbox_inches": "tight"}
        paths = []
        for ext in ("png",) if self.quick else ("png", "pdf", "svg"):
            p = self.out / f"{stem}.{ext}"
            fig.savefig(p, dpi=120, metadata={"png": None, "pdf": {"CreationDate": None}, "svg": {"Date": None}}[ext],
                        **tight)
            paths.append(p.name)
        plt.close(fig)
        self.figures.extend(paths)
        return paths

    def draw(self, experiment: str, result: dict, arrays: dict | None = None) -> None:
        """Draw and save the figures of ``experiment`` from exactly what is saved: ``result`` (the
        experiment's part of ``metrics.json``) and ``arrays`` (written here as the sidecar
        :data:`~robtheory.torch_bridge.figures.ARRAYS_FILE` beside it and named in
        ``result["figure_data"]["arrays"]``). ``robtheory plot metrics.json`` calls the same
        drawing function, so a redrawn figure is the figure of the run."""
        from robtheory.torch_bridge.figures import ARRAYS_FILE, FIGURES

        if arrays:
            import numpy as np

            saved: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
            np.savez_compressed(self.out / ARRAYS_FILE, **saved)
            result.setdefault("figure_data", {})["arrays"] = ARRAYS_FILE
            with np.load(self.out / ARRAYS_FILE) as z:  # draw what was written, as a redraw will
                arrays = {k: z[k] for k in z.files}
        if not self.draw_figures:
            return
        for stem, fig in FIGURES[experiment](result, dict(arrays or {})):
            self.save_figure(fig, stem)

    def save_model(self, model, stem: str, extra: dict | None = None) -> None:
        """Checkpoint ``model`` as ``checkpoints/stem.pt`` (state_dict) + ``.json`` (config)."""
        from robtheory.torch_bridge.models import save_checkpoint

        pt, js = save_checkpoint(model, self.out / "checkpoints" / stem, extra)
        self.checkpoints.extend([str(pt.relative_to(self.out)), str(js.relative_to(self.out))])


def _check_device(device: str) -> str:
    import torch

    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for but torch sees no CUDA device")
    return device


def run_experiment(name: str, out: str | Path, *, quick: bool = False, device: str = "cpu",
                   seed: int = 0, progress: bool | None = None, threads: int | None = 1,
                   figures: bool = True) -> dict:
    """Run one experiment into folder ``out``; returns (and writes) its ``metrics.json`` dict.

    ``figures=False`` saves the numbers without drawing the figures (``metrics.json`` then lists
    none; ``robtheory plot OUT/metrics.json`` draws them from what was saved).

    ``threads`` sets torch's intra-op thread count for the run (restored afterwards). The
    default 1 is deliberate: these models are small, and on a loaded 2-core machine two
    threads made a training step of the linear toy model ten times slower (9.5 ms against
    0.86 ms per step, measured side by side). ``None`` leaves torch's setting alone.
    """
    exp = get(name)
    require_torch()
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    device = _check_device(device)
    import matplotlib

    matplotlib.use("Agg", force=False)
    import torch

    from robtheory._provenance import provenance

    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = RunContext(out=out, quick=quick, device=device, seed=seed, progress=progress, draw_figures=bool(figures))
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        t0 = time.perf_counter()
        result = exp.load()(ctx)
        seconds = time.perf_counter() - t0
        used_threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    prov = provenance()
    metrics = {
        "experiment": exp.name, "figure": exp.figure, "summary": exp.summary,
        "quick": quick, "device": device, "seed": seed, "seconds": round(seconds, 2),
        **result,
        "figures": ctx.figures, "checkpoints": ctx.checkpoints,
        "versions": {"robtheory": prov["robtheory_version"], "torch": torch.__version__,
                     "numpy": prov["numpy"], "python": prov["python"], "scipy": prov["scipy"], "numba": prov["numba"]},
        "commit": prov["commit"], "date": prov["date"], "machine": prov["machine"],
        "torch_threads": used_threads,
    }
    if "effect" not in metrics or "reproduced" not in metrics["effect"]:
        raise RuntimeError(f"experiment {name!r} returned no effect verdict")
    write_json(out / "metrics.json", metrics)  # strict JSON: non-finite numbers are written as null
    return metrics
