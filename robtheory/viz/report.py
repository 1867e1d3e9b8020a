"""One self-contained HTML report: the claims table with every verdict column, the frontier and
phase-diagram figures, the Monte Carlo residuals, and any extra sections.

``write_report(out_dir, rows, columns)`` takes the rows ``robtheory verify`` computed
(:class:`robtheory.claims.verify.VerifyRow`, so the report and the table agree) and writes
``index.html``: one self-contained file, every figure embedded as a data URI (SVG, or PNG for the
torch figures), no link to any other file; copies of the figures as PNG, PDF and SVG go to
``figures/`` beside it for use in a paper.

Monte Carlo residuals. When the rows carry the Monte Carlo column (``verify`` without ``--no-mc``),
every two-sided test of that column -- closed-form agreement (exact binomial) and mean (CLT) tests
-- is drawn in standard-error units per claim, :math:`z = (\\hat a - a)/\\mathrm{SE}`, against the
Bonferroni threshold :math:`z_{1-\\alpha/2}` of the run's per-test :math:`\\alpha`
(``figures/mc_residuals``). One-sided bound tests are inequalities, not residuals; they stay in the
table. With ``frontier_mc_n``, a few points of the Theorem F frontier are also estimated by Monte
Carlo (:func:`robtheory.claims.frontier_mc.frontier_mc`), overlaid on the frontier figure and drawn as
residuals (``figures/frontier_mc_residuals``).

Extra sections. ``extra_sections`` is the hook for results produced elsewhere -- the torch bridge's
experiments when that extra is installed -- each a :class:`ReportSection` (title, text, figures that
already exist in ``out_dir``); nothing torch-related is done here.
"""

from __future__ import annotations

import functools
import html
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robtheory.claims.frontier_mc import FrontierMC
from robtheory.claims.verify import VerifyRow

__all__ = ["ReportSection", "figures", "frontier_mc_figures", "mc_residual_figure", "write_report"]


@dataclass(frozen=True)
class ReportSection:
    """An extra section of the report (the hook for e.g. the torch results).

    Parameters
    ----------
    title : str
        The section heading (escaped).
    text : str
        Paragraphs separated by blank lines (escaped: plain text, not HTML).
    figures : sequence of (file name, caption)
        Images (PNG or SVG) already written into the report's folder, by relative path; the
        page embeds them (it links to no file).
    """

    title: str
    text: str = ""
    figures: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def __post_init__(self):
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"a report section needs a non-empty title, got title={self.title!r}")
        figs = tuple((str(a), str(b)) for a, b in self.figures)
        for name, _ in figs:
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise ValueError(f"section figures are relative paths inside the report folder, got {name!r}")
        object.__setattr__(self, "figures", figs)


def _progress_bar(total: int):
    """A tqdm bar over the report's stages on stderr when it is a terminal; a silent no-op otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc="report", unit="step", file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty())


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


#: Where the report also writes each figure as PNG, PDF and SVG (for a paper), inside ``out_dir``;
#: the page itself embeds them and links to no file.
FIGURE_DIR = "figures"


def _save_report_figure(fig: Any, out_dir: Path, stem: str, folder: str = FIGURE_DIR,
                        formats: Sequence[str] = ("png", "pdf", "svg")) -> str:
    """Write ``fig`` as ``folder/stem.{formats}`` inside ``out_dir``; return the SVG's path relative
    to ``out_dir``."""
    from robtheory.viz.style import save

    save(fig, Path(out_dir) / folder, stem, formats)
    return f"{folder}/{stem}.svg" if folder not in ("", ".") else f"{stem}.svg"


@functools.lru_cache(maxsize=8)
def _report_frontier(p: float, eta: float, d: int, family: str, n: int) -> Any:
    """The report's frontiers at eps = 2 eta, computed once per process: the certified linear ones take
    tens of seconds, and a session that writes several reports (the tests) draws the same three."""
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.theory.frontier import frontier

    return frontier(ToyModel(p, eta, d), ThreatModel("linf", 2 * eta), family, n=n)


def figures(out_dir: Path, p: float = 0.95, eta: float = 0.3, d: int = 100,
            frontier_mc: FrontierMC | Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """Draw the report's frontier and phase figures into ``out_dir/figures``; return (file name,
    caption) pairs (the SVG, relative to ``out_dir``; the page embeds it).

    ``frontier_mc`` (a :func:`robtheory.claims.frontier_mc.frontier_mc` result for the Theorem F frontier
    of the same model) is overlaid on the frontier figure.
    """
    import numpy as np

    from robtheory.model import ToyModel
    from robtheory.phase import phase_grid
    from robtheory.viz.figures import _outside_legend
    from robtheory.viz.phase import REGIME_COLORS, plot_phase_map, regime_labels
    from robtheory.viz.plot import _legend_outside, plot_frontier, plot_frontier_mc
    from robtheory.viz.style import label, style

    out = []
    ToyModel(p, eta, d)  # a ValueError naming a bad p, eta or d before any work
    with style():
        plt = _plt()
        fig, ax = plt.subplots(figsize=(7.0, 5.2))
        plot_frontier(ax, _report_frontier(p, eta, d, "all", 401), label="all classifiers (exact, Theorem F)")
        for fam, n, lab in (("linear", 101, r"linear with bias (full $\ell_\infty$ ball)"),
                            ("linear-unbiased", 161, r"linear, no bias (full $\ell_\infty$ ball)")):
            lin = _report_frontier(p, eta, d, fam, n)
            ax.plot(lin.standard_accuracy, lin.robust_accuracy, label=lab)
        if frontier_mc is not None:
            if not isinstance(frontier_mc, FrontierMC):
                frontier_mc = FrontierMC.from_dict(frontier_mc)
            plot_frontier_mc(ax, frontier_mc)
        _legend_outside(ax, "below")
        name = _save_report_figure(fig, out_dir, "frontier")
        cap = (f"Trade-off between standard and robust accuracy at eps = 2 eta for D(p={p}, eta={eta}, d={d}): "
               "the best robust accuracy any classifier reaches at each standard accuracy (exact here, "
               "Theorem F), which lies on the Theorem 2.1 bound p/(1-p)(1 - standard accuracy) (dashed), "
               "and the best linear classifiers with and without a bias against the full l_inf ball.")
        if frontier_mc is not None:
            cap += (f" Points: Monte Carlo estimates (n={frontier_mc.n}) of the rounded rules that attain the "
                    "frontier, with 95% Clopper-Pearson intervals.")
        out.append((name, cap))

        ds = phase_grid([p], [d], mu=np.linspace(0.5, 8, 40), eps_over_eta=np.linspace(0, 3, 31))
        sl = ds.isel(p=0, d=0)
        fig, axs = plt.subplots(1, 3, figsize=(13.5, 4.6))
        for ax, var in zip(axs, ("optimal_robust", "price", "regime")):
            plot_phase_map(ax, sl, var, "mu", "eps_over_eta", colorbar=False)
            if var != "regime":  # the panel's title names the variable
                fig.colorbar(ax.collections[0], ax=ax)
            ax.set_title(label(var, ds[var].attrs) if var != "regime" else
                         r"regime of the per-coordinate budget $\varepsilon$ against $\eta$")
        import matplotlib.patches as mpatches

        extra = [(mpatches.Patch(color=c), lab) for c, lab in zip(REGIME_COLORS, regime_labels(ds["regime"]).values())]
        _outside_legend(fig, list(axs), extra)
        fig.suptitle(f"Phase diagrams over $(\\mu=\\eta\\sqrt{{d}}, \\varepsilon/\\eta)$ at $p = {p:g}$, $d = {d}$")
        name = _save_report_figure(fig, out_dir, "phase")
        out.append((name, f"Phase diagrams at p={p}, d={d}, over mu = eta sqrt(d) and eps/eta. Left: the optimal "
                          "robust accuracy A*_rob over all classifiers (l_inf). Middle: the price of robustness, the "
                          "standard accuracy given up (Bayes standard accuracy minus the best standard accuracy "
                          "of a rule with robust accuracy >= 0.5); grey where eps >= 1, where it is not derived. "
                          "Right: the four regimes of the budget. Lines: eps = eta (solid), eps = 2 eta (dashed), "
                          "eps = 1 (dotted)."))

        # finite-sample learning curves of the difference-of-means learner (exact expectations)
        from robtheory.finite.learning_curve import crossover_exact
        from robtheory.finite.mean_learner import dropped_learner_accuracy, mean_learner_accuracy

        lc_model = ToyModel(0.9, 0.3, 10)
        ns = np.unique(np.round(np.logspace(0, 3, 40)).astype(int))
        std_curve = mean_learner_accuracy(lc_model, ns).accuracy
        odd = np.unique(2 * (ns // 2) + 1)  # the dropped learner loses its ties at even n: its odd-n curve is monotone
        drop_curve = dropped_learner_accuracy(lc_model, odd).accuracy
        n_star = crossover_exact(lc_model).n_star
        fig, ax = plt.subplots(figsize=(7.0, 4.6))
        ax.semilogx(ns, std_curve, "o-", ms=3, label="standard training (all features)")
        ax.semilogx(odd, drop_curve, "s-", ms=3,
                    label=r"weak features dropped ($\ell_\infty$ adversarial training, $\varepsilon_{train} \geq \eta$, "
                          r"$n \to \infty$)")
        if n_star is not None:
            ax.axvline(n_star, color="0.4", ls="--", lw=1, label=f"crossover $n^* = {n_star}$")
        ax.set_xlabel("training-set size $n$")
        ax.set_ylabel("expected standard accuracy")
        ax.set_title(f"Exact learning curves of the difference-of-means learner, "
                     f"D(p={lc_model.p:g}, $\\eta$={lc_model.eta:g}, d={lc_model.d})")
        _legend_outside(ax, "below")
        name = _save_report_figure(fig, out_dir, "learning_curve")
        out.append((name, f"Expected standard test accuracy, over training sets of size n, of the difference-of-means "
                          f"learner w = (1/n) sum y_i x_i trained on all features and with the weak features dropped "
                          f"(its limit under l_inf adversarial training with eps_train >= eta), at p={lc_model.p:g}, "
                          f"eta={lc_model.eta:g}, d={lc_model.d}: exact (binomial sums and Gauss-Hermite quadrature, "
                          f"claim mean_learner_curve), not sampled. The robust learner is ahead below the crossover "
                          f"n* (claim finite_crossover) and behind above it; 'robtheory learning-curve' draws these "
                          f"curves for any parameters, with svm and logistic learners."))
    return out


def _rows(rows: Iterable[VerifyRow | Mapping[str, Any]]) -> list[VerifyRow]:
    """Verify's rows as :class:`VerifyRow` (dicts, as in a ``verify --json`` file, are read back)."""
    return [r if isinstance(r, VerifyRow) else VerifyRow.from_dict(r) for r in rows]


def _two_sided_records(rows: Sequence[VerifyRow], column: str) -> list[tuple[str, str, float | None, float]]:
    """(claim, test kind, z, alpha) of every two-sided test in ``column`` of the rows."""
    recs = []
    for r in rows:
        cell = r.cell(column)
        if cell is None:
            continue
        for c in cell.get("checks") or ():
            if c.get("test") in ("agreement", "mean") and "alpha" in c:
                recs.append((r.name, str(c["test"]), c.get("z"), float(c["alpha"])))
    return recs


def mc_residual_figure(out_dir, rows: Iterable[VerifyRow | Mapping[str, Any]], column: str = "mc",
                       name: str = "mc_residuals", *, folder: str = FIGURE_DIR,
                       formats: Sequence[str] = ("png", "pdf", "svg"),
                       style: Mapping[str, Any] | str | None = None) -> tuple[str, str] | None:
    """Draw the Monte Carlo column's two-sided tests as residuals in SE units, one column per claim.

    Returns ``(file name, caption)``, or None when no row carries a Monte Carlo test (e.g.
    ``verify --no-mc``). The dashed band is the Bonferroni threshold
    :math:`z_{1-\\alpha/2}` of the smallest per-test :math:`\\alpha` (the run's family-wise
    rate split over all its tests), so a correct closed form leaves the band with probability
    at most that family-wise rate.
    """
    from robtheory import stats
    from robtheory.viz.plot import plot_residuals

    rows = _rows(rows)
    recs = _two_sided_records(rows, column)
    if not recs:
        return None
    from robtheory.viz.style import style as _style

    alpha = min(a for *_, a in recs)
    zt = float(stats.two_sided_z(alpha))
    cells = [cell for r in rows if (cell := r.cell(column)) is not None]
    n_vals = sorted({c.get("n") for cell in cells for c in cell.get("checks") or () if c.get("n") is not None})
    with _style(style):
        fig, ax = _plt().subplots(figsize=(9.0, 4.6))
        plot_residuals(ax, [r[0] for r in recs], [r[2] for r in recs], groups=[r[1] for r in recs],
                       threshold=zt, threshold_label=f"Bonferroni +-{zt:.2f} (alpha={alpha:.2g} per test)")
        ax.set_title(f"Monte Carlo residuals per claim ({len(recs)} two-sided tests"
                     + (f", n={n_vals[0]}" if len(n_vals) == 1 else "") + ")")
        path = _save_report_figure(fig, Path(out_dir), Path(name).stem, folder, formats)
    n_fin = sum(r[2] is not None and math.isfinite(r[2]) for r in recs)
    cap = (f"Monte Carlo column: {len(recs)} two-sided tests (closed-form agreement and mean tests) as "
           f"residuals (estimate - closed form) / SE, per claim; dashed: the Bonferroni threshold "
           f"+-{zt:.2f}. One-sided bound tests are in the table."
           + ("" if n_fin == len(recs) else f" {len(recs) - n_fin} infinite residual(s) drawn as red triangles."))
    return path, cap


def frontier_mc_figures(out_dir, mc: FrontierMC | Mapping[str, Any],
                        name: str = "frontier_mc_residuals") -> tuple[str, str]:
    """Residuals of :func:`robtheory.claims.frontier_mc.frontier_mc` (standard and robust, per point;
    ``mc`` a :class:`~robtheory.claims.frontier_mc.FrontierMC` or the function's dict)."""
    from robtheory.viz.plot import plot_residuals

    if not isinstance(mc, FrontierMC):
        mc = FrontierMC.from_dict(mc)
    from robtheory.viz.style import style

    labels, z, groups = [], [], []
    for pt in mc.points:
        lab = "tau=inf" if pt.tau is None else f"tau={pt.tau:.3g}"
        for k, c in (("standard", pt.standard), ("robust", pt.robust)):
            labels.append(lab)
            z.append(c.z)
            groups.append(k)
    with style():
        fig, ax = _plt().subplots(figsize=(8.0, 4.0))
        plot_residuals(ax, labels, z, groups=groups, threshold=mc.z_threshold,
                       threshold_label=f"Bonferroni +-{mc.z_threshold:.2f} (alpha={mc.total_alpha:g})")
        ax.set_title(f"Theorem F frontier: Monte Carlo residuals (n={mc.n} per point)")
        path = _save_report_figure(fig, Path(out_dir), Path(name).stem)
    return path, (f"Monte Carlo points of the Theorem F frontier (rounded rules sign(tau sign(x1) + s(x)); robust "
                  f"accuracy under the shift adversary): residuals in SE units, {mc.n_checks} exact binomial "
                  f"tests at family-wise alpha={mc.total_alpha:g} ({_MC_WORDS[mc.verdict]}).")


_MC_WORDS = {"PASS": "all pass", "FAIL": "FAILED", "INCONCLUSIVE": "none fails, some INCONCLUSIVE"}


def _verdict(cell: Mapping[str, Any] | None) -> str:
    """A verdict cell: the one word (PASS, FAIL, INCONCLUSIVE, PARTIAL), its details one click away."""
    if cell is None:
        return '<td class="na">-</td>'
    from robtheory.claims import cell_verdict

    # Monte Carlo cells may be INCONCLUSIVE, proof cells PARTIAL: neither is shown as a pass
    word = cell_verdict(dict(cell))
    cls = {"PASS": "pass", "FAIL": "fail"}.get(word, "inconclusive")
    detail = html.escape(str(cell.get("detail", "")))
    if not detail:
        return f'<td class="{cls}">{word}</td>'
    return f'<td class="{cls}"><details><summary>{word}</summary><div class="detail">{detail}</div></details></td>'


def _data_uri(path: Path) -> str:
    """The file as a ``data:`` URI (SVG or PNG), so that the page needs no other file."""
    import base64

    mime = {".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"report figures are SVG or PNG files, got {str(path)!r}")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _figure_html(out_dir: Path, figs) -> str:
    return "".join(
        f'<figure><img src="{_data_uri(Path(out_dir) / name)}" alt="{html.escape(cap)}">'
        f'<figcaption>{html.escape(cap)}</figcaption></figure>\n' for name, cap in figs)


def _section_html(out_dir: Path, sec: ReportSection) -> str:
    paras = "".join(f"<p>{html.escape(p.strip())}</p>" for p in sec.text.split("\n\n") if p.strip())
    return f"<h2>{html.escape(sec.title)}</h2>\n{paras}\n{_figure_html(out_dir, sec.figures)}\n"


def _mc_summary_html(rows: Sequence[VerifyRow], mc: Mapping[str, Any] | None, column: str = "mc") -> str:
    """The run's Monte Carlo settings and its count of passing tests, as a paragraph."""
    if mc is None:
        return ("<p>No Monte Carlo column in this run (<code>--no-mc</code>): every verdict below is "
                "analytic or a proof certificate.</p>")
    verdicts = [str(c.get("verdict", "PASS" if c.get("passed") else "FAIL"))
                for r in rows if (cell := r.cell(column)) is not None for c in cell.get("checks") or ()]
    marg = mc.get("marginals") or {}
    verdicts += [str(t.get("verdict", "PASS" if t.get("passed") else "FAIL")) for t in (marg.get("tests") or {}).values()]
    count = {v: verdicts.count(v) for v in ("PASS", "INCONCLUSIVE", "FAIL")}
    backends = "/".join(mc.get("backends_used") or []) or str(mc.get("backend", "?"))
    n_checks = mc.get("n_checks", len(verdicts))
    return (f"<p><strong>Monte Carlo: {count['PASS']}/{n_checks} tests pass</strong>, "
            f"{count['INCONCLUSIVE']} inconclusive, {count['FAIL']} fail (verdict {html.escape(str(mc.get('verdict', '?')))}). "
            f"n = {mc.get('n')} samples per run, seed {mc.get('seed')}, backend {html.escape(backends)}; "
            f"family-wise false-alarm rate alpha = {mc.get('total_alpha')} over all {n_checks} tests "
            f"({html.escape(str(mc.get('correction', 'Bonferroni')))}: {float(mc.get('alpha_per_check', 0)):.3g} per test); "
            f"a test is INCONCLUSIVE when it could not have detected a deviation of the resolution "
            f"{mc.get('resolution')} in a probability ({mc.get('mean_resolution')} in a mean) at its n.</p>")


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
td, th { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
td.pass { background: #e6f4e6; } td.fail { background: #f8d7d7; } td.na { color: #999; }
td.inconclusive { background: #fdf3d0; }
summary { cursor: pointer; font-weight: 600; }
.detail, .note { font-size: 0.85em; color: #444; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; display: block; } /* natural size, multi-panel ones full width */
figcaption { font-size: 0.9em; color: #333; margin-top: 0.4em; }
.prov { font-size: 0.85em; color: #555; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  details > div.detail { display: block; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; }
  figure, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


def write_report(out_dir, rows: Iterable[VerifyRow | Mapping[str, Any]], columns: Sequence[str], *, frontier_mc_n: int | None = None,
                 seed: int = 0, extra_sections: Sequence[ReportSection] | None = None,
                 mc_summary: Mapping[str, Any] | None = None) -> Path:
    """Write ``out_dir/index.html`` from verify's rows and the names of its verdict columns.

    The page is one self-contained file: every figure is embedded as a data URI, so it can be
    copied or mailed alone (the figures are also written to ``out_dir/figures`` as PNG, PDF and
    SVG for use elsewhere; the page does not link them).

    Parameters
    ----------
    out_dir : path
        Created if needed; the page goes there, its figures into ``out_dir/figures``.
    rows : sequence of VerifyRow
        ``robtheory verify``'s rows (:attr:`robtheory.claims.verify.VerifyResult.rows`; the
        ``"mc"`` cell's ``checks`` feed the residual figure). Dicts in the ``verify --json``
        layout are read back with :meth:`VerifyRow.from_dict`.
    columns : list of str
        The verdict columns after ``analytic``.
    frontier_mc_n : int, optional
        Also estimate 5 points of the Theorem F frontier by Monte Carlo with this many samples
        each (seeded by ``seed``), overlay them on the frontier figure and draw their residuals.
    extra_sections : sequence of ReportSection, optional
        Appended after the built-in sections, in order (the hook for the torch results).
    mc_summary : mapping, optional
        The Monte Carlo column's run summary (:attr:`robtheory.claims.verify.VerifyResult.mc`:
        n, seed, backend, alpha, ...), stated in the page's text; None for a run without it.
    """
    rows = _rows(rows)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    extra = tuple(extra_sections or ())
    for sec in extra:
        if not isinstance(sec, ReportSection):
            raise ValueError(f"extra_sections must hold ReportSection objects, got {sec!r}")
    fmc = None
    bar = _progress_bar(2 + (frontier_mc_n is not None))
    if frontier_mc_n is not None:
        from robtheory.theory.frontier import frontier
        from robtheory.claims.frontier_mc import frontier_mc
        from robtheory.model import ThreatModel, ToyModel

        bar.set_description("report: frontier Monte Carlo")
        m = ToyModel(0.95, 0.3, 100)
        fmc = FrontierMC.from_dict(frontier_mc(frontier(m, ThreatModel("linf", 2 * m.eta), "all", n=401),
                                               frontier_mc_n, seed=seed))
        bar.update()
    bar.set_description("report: frontier and phase figures")
    figs = figures(out, frontier_mc=fmc)
    bar.update()
    bar.set_description("report: Monte Carlo residual figures")
    mc_figs = [f for f in (mc_residual_figure(out, rows),) if f is not None]
    if fmc is not None:
        mc_figs.append(frontier_mc_figures(out, fmc))
    bar.update()
    bar.close()
    from robtheory._provenance import provenance

    prov = provenance()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["claim", "paper", "statement", "analytic", *columns])
    body = []
    for r in rows:
        a = r.analytic
        note = (f"<details><summary>note</summary><div class='note'>{html.escape(r.notes)}</div></details>"
                if r.notes else "")
        cells = [f"<td><code>{html.escape(r.name)}</code></td>", f"<td>{html.escape(r.reference)}</td>",
                 f"<td>{html.escape(r.statement)}{note}</td>",
                 _verdict({"passed": a.passed, "n_points": a.n_points, "detail": a.detail})]
        cells += [_verdict(r.cell(c)) for c in columns]
        body.append("<tr>" + "".join(cells) + "</tr>")
    n_pass = sum(r.analytic.passed for r in rows)
    mc_html = (_figure_html(out, mc_figs) if mc_figs else
               "<p>No Monte Carlo results in this run (the Monte Carlo column was not run, e.g. "
               "<code>--no-mc</code>).</p>")
    extra_html = "".join(_section_html(out, s) for s in extra)
    machine = prov["machine"]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>robtheory report</title>
<style>{_CSS}</style></head><body>
<h1>robtheory: "Robustness May Be at Odds with Accuracy" (Tsipras et al., ICLR 2019), machine-checked</h1>
<p><strong>{n_pass}/{len(rows)} claims pass the analytic check.</strong> Each row below is one statement of the
paper on the distribution D(p, eta, d); each verdict column is an independent check of it (click a verdict for
its details).</p>
{_mc_summary_html(rows, mc_summary)}
<p class="prov">Generated {html.escape(prov['date'])}
by robtheory {html.escape(prov['robtheory_version'])} (commit {html.escape(prov['commit'] or 'unknown')}; Python
{html.escape(prov['python'])}, NumPy {html.escape(str(prov['numpy']))}, SciPy {html.escape(str(prov['scipy']))},
numba {html.escape(str(prov['numba']))}; {html.escape(machine['cpu_model'])}, {html.escape(str(machine['nproc']))} CPUs,
{html.escape(str(machine['platform']))}). This page is self-contained: its figures are embedded; PNG, PDF and SVG
copies are in the <code>{FIGURE_DIR}</code> folder beside it.</p>
<h2>Claims</h2>
<table><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(body)}
</tbody></table>
<h2>Figures</h2>
{_figure_html(out, figs)}
<h2>Monte Carlo residuals</h2>
{mc_html}
{extra_html}</body></html>
"""
    path = out / "index.html"
    path.write_text(page)
    return path
