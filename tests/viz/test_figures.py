"""Every kind of figure, drawn from a small saved result: each panel has data drawn, no text is a
raw variable name or falls outside the figure, and the issue-15 faults stay fixed (1-D sweeps and
single points drawn, every slice of a 4-D grid drawn, regimes named, boundaries on every plane and
where the mathematics puts them, frontier legends that tell coinciding curves apart, fitted axes,
readable torch titles).

The figures are caught as they are saved (``robtheory.viz.style.save`` is wrapped), so what is
checked is exactly what is written.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.collections import Collection, QuadMesh  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from robtheory.phase import phase_grid, save as save_phase  # noqa: E402
from robtheory.viz import style as vstyle  # noqa: E402
from robtheory.viz.figures import save_frontier_figure, save_phase_figures  # noqa: E402

#: Names that must never be a label as they stand (grid axes, phase.nc variables, frontier keys).
RAW = {"p", "eta", "mu", "eps", "eps_over_eta", "d", "bayes_standard", "bayes_robust", "averaging_standard",
       "averaging_robust", "robust_x1_standard", "robust_x1_robust", "optimal_robust", "frontier_standard",
       "price", "regime", "standard_accuracy", "robust_accuracy", "tau", "adv_training_threshold",
       "eps_train", "digits8"}


@pytest.fixture
def caught(monkeypatch):
    """The figures passed to viz.style.save, (stem, figure) in order, drawn and still open; each
is checked with :func:`check_figure` as it is saved (a problem fails the test at teardown)."""
    figs = []
    real = vstyle.save

    def spy(fig, out_dir, stem, formats=vstyle.FORMATS, *, close=True):
        fig.canvas.draw()
        try:  # checked as drawn, under the style it is drawn in
            check_figure(fig)
        except AssertionError as exc:
            problems.append(f"{stem}: {exc}")
        figs.append((stem, fig))
        return real(fig, out_dir, stem, formats, close=False)

    problems: list[str] = []

    monkeypatch.setattr(vstyle, "save", spy)
    yield figs
    import matplotlib.pyplot as plt

    for _, f in figs:
        plt.close(f)
    assert problems == []  # every figure saved in the test passed check_figure


def _data_axes(fig):
    """The panels (not colour bars, not empty legend holders)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def _has_data(ax) -> bool:
    arts = [a for a in ax.get_children() if a.get_visible()]
    lines = [a for a in arts if isinstance(a, Line2D) and len(np.atleast_1d(a.get_xdata())) > 0]
    coll = [a for a in arts if isinstance(a, Collection) and not isinstance(a, QuadMesh) and len(a.get_paths()) > 0]
    mesh = [a for a in arts if isinstance(a, QuadMesh) and np.ma.count(a.get_array()) > 0]
    bars = [a for a in arts if isinstance(a, Rectangle) and a is not ax.patch and a.get_width() > 0]
    return bool(lines or coll or mesh or bars or [a for a in arts if isinstance(a, AxesImage)])


def _texts(fig):
    """The texts a reader sees: titles, axis labels, drawn tick labels, legends, free texts."""
    out = [*fig.texts, fig._suptitle] if fig._suptitle is not None else list(fig.texts)
    for leg in fig.legends:
        out += leg.get_texts()
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            out += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
        if ax.get_legend() is not None:
            out += ax.get_legend().get_texts()
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def check_figure(fig):
    """Each panel has data; no text is a raw variable name (whole, or as a word with an
    underscore) or reaches outside the figure."""
    axes = _data_axes(fig)
    assert axes, "a figure without panels"
    for ax in axes:
        assert _has_data(ax), f"blank panel: {ax.get_title()!r}"
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    for t in _texts(fig):
        s = t.get_text().strip()
        assert s not in RAW, f"raw variable name as a label: {s!r}"
        for word in re.findall(r"[A-Za-z0-9]+_[A-Za-z0-9_]+", re.sub(r"\$[^$]*\$", "", s)):
            assert word not in RAW, f"raw variable name {word!r} in {s!r}"
        bb = t.get_window_extent(renderer)
        assert bb.x0 >= -1 and bb.y0 >= -1 and bb.x1 <= W + 1 and bb.y1 <= H + 1, f"text outside the figure: {s!r}"


def _legend_texts(fig):
    out = []
    for leg in [*fig.legends, *[ax.get_legend() for ax in fig.axes if ax.get_legend()]]:
        out += [t.get_text() for t in leg.get_texts()]
    return out


# --- phase figures ---------------------------------------------------------------------------

def test_a_1d_sweep_is_drawn_as_lines(tmp_path, caught):
    # the 1-D sweep (fewer points): old figures were 12 empty heat maps
    ds = phase_grid([0.95], [100], mu=np.linspace(0.5, 8, 12), eps_over_eta=[2.0])
    paths = save_phase_figures(tmp_path, ds)
    assert {p.suffix for p in paths} == {".png", ".pdf", ".svg"}
    assert len(caught) == 6
    for stem, fig in caught:
        ax = _data_axes(fig)[0]
        line = next(a for a in ax.get_lines() if len(a.get_xdata()) == 12)
        np.testing.assert_allclose(line.get_xdata(), ds["mu"].values)
    # eps = 1 where mu = eta sqrt(d) crosses 0.5 * sqrt(100) = 5 (eps = 2 eta = 1): a vertical line there
    fig = dict(caught)["phase_optimal_robust"]
    xs = [ln.get_xdata()[0] for ln in _data_axes(fig)[0].get_lines() if len(set(ln.get_xdata())) == 1]
    assert len(xs) == 1 and abs(xs[0] - 5.0) < 7.5 / 2000


def test_a_single_point_says_so_with_its_numbers(tmp_path, caught):
    ds = phase_grid([0.95], [100], mu=[2.0], eps_over_eta=[2.0])
    save_phase_figures(tmp_path, ds, formats=("png",))
    ((stem, fig),) = caught
    assert stem == "phase_point"
    ax = _data_axes(fig)[0]
    assert "single grid point" in ax.get_title()
    widths = sorted(round(r.get_width(), 12) for r in ax.patches if isinstance(r, Rectangle))
    assert round(float(ds["optimal_robust"].values.item()), 12) in widths


def test_every_slice_of_a_4d_grid_is_drawn(tmp_path, caught):
    ds = phase_grid([0.9, 0.95], [10, 100], eta=np.linspace(0.1, 0.5, 5), eps=np.linspace(0, 1.2, 7))
    save_phase_figures(tmp_path, ds, variables=("price", "regime"), formats=("png",))
    for stem, fig in caught:
        titles = sorted(ax.get_title() for ax in _data_axes(fig))
        assert len(titles) == 4  # p x d = 2 x 2 panels, each naming its fixed values
        for p in (0.9, 0.95):
            for d in (10, 100):
                assert f"$p = {p:g}$, $d = {d}$" in titles


def test_many_slices_go_one_file_each_named_by_their_values(tmp_path, caught):
    ds = phase_grid([0.7, 0.8, 0.9, 0.95], [10, 100, 1000, 10000], eta=np.linspace(0.1, 0.5, 4),
                    eps=np.linspace(0, 1.2, 4))
    paths = save_phase_figures(tmp_path, ds, variables=("optimal_robust",), formats=("png",))
    assert len(paths) == 16
    assert tmp_path / "phase_optimal_robust__p=0.9_d=1000.png" in paths
    assert len(caught) == 16  # each checked as it was saved (the caught fixture)


def test_regime_is_categorical_with_named_regimes(tmp_path, caught):
    ds = phase_grid([0.95], [100], eta=np.linspace(0.1, 0.5, 9), eps=np.linspace(0, 1.2, 13))
    save_phase_figures(tmp_path, ds, variables=("regime",), formats=("png",))
    ((_, fig),) = caught
    assert not [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]  # no 0-3 colour scale
    legend = _legend_texts(fig)
    for meaning in (r"$\varepsilon < \eta$", r"$\eta \leq \varepsilon < 2\eta$", r"$\varepsilon \geq 2\eta$",
                    r"$\varepsilon \geq 1$"):
        assert any(t.startswith(meaning) for t in legend), (meaning, legend)
    handles = [h for leg in fig.legends for h in leg.legend_handles if isinstance(h, Patch)]
    assert len({tuple(h.get_facecolor()) for h in handles}) == 4
    # the map itself is drawn in those four colours, one per regime code (not a continuous scale)
    mesh = next(c for c in _data_axes(fig)[0].collections if isinstance(c, QuadMesh))
    drawn = {tuple(np.round(c, 6)) for c in mesh.to_rgba(np.array([0, 1, 2, 3]))}
    assert drawn == {tuple(np.round(h.get_facecolor(), 6)) for h in handles}


def _contour_vertices(ax):
    return [seg for c in ax.collections if not isinstance(c, QuadMesh) for path in c.get_paths()
            for seg in [path.vertices] if len(seg)]


def test_boundaries_on_the_eta_eps_plane_lie_on_eps_eta_and_2eta(tmp_path, caught):
    ds = phase_grid([0.95], [100], eta=np.linspace(0.1, 0.5, 9), eps=np.linspace(0, 1.2, 13))
    save_phase_figures(tmp_path, ds, variables=("optimal_robust",), formats=("png",))
    ax = _data_axes(caught[0][1])[0]
    verts = np.concatenate(_contour_vertices(ax))
    ratio = verts[:, 1] / verts[:, 0]
    # every boundary vertex is on eps = eta, eps = 2 eta or eps = 1 (to the 301-point mesh)
    on = (np.abs(ratio - 1) < 1e-2) | (np.abs(ratio - 2) < 1e-2) | (np.abs(verts[:, 1] - 1) < 1e-2)
    assert on.all()
    assert (np.abs(ratio - 1) < 1e-2).any() and (np.abs(ratio - 2) < 1e-2).any()


def test_boundaries_are_drawn_on_the_p_eps_over_eta_plane_too(tmp_path, caught):
    # the issue: a (p, eps/eta) grid drew none of the eps = eta, 2 eta lines
    ds = phase_grid(np.linspace(0.55, 0.99, 8), [100], eta=[0.2], eps_over_eta=np.linspace(0, 3, 13))
    save_phase_figures(tmp_path, ds, variables=("bayes_robust",), formats=("png",))
    fig = caught[0][1]
    ax = _data_axes(fig)[0]
    levels = sorted({round(float(np.mean(v[:, 1])), 6) for v in _contour_vertices(ax)})
    assert levels == [1.0, 2.0]
    assert {r"$\varepsilon = \eta$", r"$\varepsilon = 2\eta$"} <= set(_legend_texts(fig))


def test_legends_sit_outside_the_data(tmp_path, caught):
    ds = phase_grid([0.95], [100], mu=np.linspace(0.5, 8, 10), eps_over_eta=np.linspace(0, 3, 7))
    save_phase_figures(tmp_path, ds, variables=("price",), formats=("png",))
    fig = caught[0][1]
    renderer = fig.canvas.get_renderer()
    for leg in fig.legends:
        lb = leg.get_window_extent(renderer)
        for ax in _data_axes(fig):
            assert not lb.overlaps(ax.get_window_extent(renderer))


def test_price_has_attributes_in_phase_nc(tmp_path):
    import xarray as xr

    ds = phase_grid([0.95], [100], mu=[1.0, 2.0], eps_over_eta=[0.5, 2.0])
    paths = save_phase(ds, tmp_path)
    with xr.open_dataset(paths["netcdf"], engine="scipy") as back:
        attrs = back["price"].attrs
    assert attrs["long_name"] and attrs["units"] == "1" and "bayes_standard" in attrs["definition"]


# --- frontier figures --------------------------------------------------------------------------

def _frontier(p, eta, d, eps, norm="linf", family="all", n=41):
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.theory.frontier import frontier

    return frontier(ToyModel(p, eta, d), ThreatModel(norm, eps), family, n=n)


def test_coinciding_frontier_and_bound_are_told_apart(tmp_path, caught):
    front = _frontier(0.95, 0.3, 100, 0.6)  # eps = 2 eta: the exact frontier is the Theorem 2.1 line
    save_frontier_figure(tmp_path, front, formats=("png",))
    fig = caught[0][1]
    labels = _legend_texts(fig)
    assert len(labels) == len(set(labels))
    assert any("coincides with" in t for t in labels)
    # the point at (p, p) is explained in the legend
    assert any(t.startswith(r"$\mathrm{sign}(x_1)$") for t in labels)


def test_the_l2_frontier_fills_its_axes(tmp_path, caught):
    front = _frontier(0.95, 0.3, 100, 0.6, norm="l2")
    save_frontier_figure(tmp_path, front, formats=("png",))
    ax = _data_axes(caught[0][1])[0]
    sa, ra = front.standard_accuracy, front.robust_accuracy
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # the curve spans most of each axis (it was a few pixels in a corner: the axes reached to (p, p))
    assert np.ptp(sa) / (x1 - x0) > 0.7 and np.ptp(ra) / (y1 - y0) > 0.7


# --- report, verify and torch figures ----------------------------------------------------------

def test_report_figures(tmp_path, caught):
    from robtheory.viz.report import figures

    figures(tmp_path)
    assert [s for s, _ in caught] == ["frontier", "phase", "learning_curve"]
    assert len(_data_axes(caught[1][1])) == 3


def test_torch_sample_size_figure_from_metrics(tmp_path, caught):
    from robtheory.torch_bridge.replot import replot_metrics

    curve = {"n": [10, 100, 1000], "mean": [0.9, 0.95, 0.99], "se": [0.01, 0.01, 0.005]}
    metrics = {"experiment": "sample-size", "data": {"source": "digits8", "classes": [5, 7]},
               "settings": {"repeats": [2, 2, 2]},
               "results": {"curves": [dict(curve, constraint=None, eps_train=0.0),
                                      dict(curve, constraint="2", eps_train=0.5, mean=[0.92, 0.94, 0.97]),
                                      dict(curve, constraint="inf", eps_train=0.1, mean=[0.93, 0.9, 0.95])]}}
    paths = replot_metrics(metrics, tmp_path)
    assert {p.name for p in paths} == {f"fig1_fig6_sample_size.{e}" for e in ("png", "pdf", "svg")}
    fig = caught[0][1]
    title = fig.get_suptitle()
    assert "digits8" not in title and "scikit-learn 8x8 digits" in title
    assert "2-2" not in title and "mean over 2 random training subsets" in title
    # no panel's texts overlap another panel's, nor the suptitle a panel title
    r = fig.canvas.get_renderer()
    a, b = _data_axes(fig)
    assert not a.get_tightbbox(r).overlaps(b.get_tightbbox(r))
    sup = fig._suptitle.get_window_extent(r)
    assert not any(sup.overlaps(ax.title.get_window_extent(r)) for ax in (a, b))


def test_torch_experiment_without_saved_arrays_says_so(tmp_path):
    from robtheory.torch_bridge.replot import replot_metrics

    with pytest.raises(ValueError, match="'gradients'.*rerun 'robtheory torch gradients"):
        replot_metrics({"experiment": "gradients", "results": {}}, tmp_path)


def test_the_checker_catches_a_blank_panel_and_a_raw_label():
    """Negative controls for check_figure: the faults of the old figures fail it."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlabel("standard accuracy")
    with pytest.raises(AssertionError, match="blank panel"):
        fig.canvas.draw()
        check_figure(fig)
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("eps_over_eta")
    fig.canvas.draw()
    with pytest.raises(AssertionError, match="raw variable name"):
        check_figure(fig)
    ax.set_ylabel("x")
    fig.suptitle("a title much too long for its figure " * 8)
    fig.canvas.draw()
    with pytest.raises(AssertionError, match="outside the figure"):
        check_figure(fig)
    plt.close(fig)


def test_style_can_be_overridden(tmp_path, caught):
    front = _frontier(0.95, 0.3, 100, 0.6, n=11)
    save_frontier_figure(tmp_path, front, formats=("png",), style={"font.size": 11})
    assert _data_axes(caught[0][1])[0].xaxis.label.get_fontsize() == 11  # "medium" = font.size
    with pytest.raises(ValueError, match="'no-such-style'"):
        with vstyle.style("no-such-style"):
            pass
    with pytest.raises(ValueError, match="'gif'"):
        vstyle.parse_formats("png,gif")


def test_labels_table_covers_every_phase_variable():
    ds = phase_grid([0.95], [100], mu=[1.0], eps_over_eta=[1.0], lam=0.1)
    for name in [*ds.data_vars, *ds.coords]:
        assert vstyle.label(name) != name, name


def test_saved_json_round_trip_is_byte_identical(tmp_path):
    """A frontier redrawn from its JSON is the same SVG as the one drawn from the computed curve."""
    from robtheory.claims.frontier_mc import frontier_document
    from robtheory.viz.replot import replot

    front = _frontier(0.95, 0.3, 100, 0.6, n=21)
    save_frontier_figure(tmp_path / "a", front, formats=("svg",))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "frontier.json").write_text(json.dumps(frontier_document(front)))
    kind, paths = replot(tmp_path / "b" / "frontier.json", formats=("svg",))
    assert kind.startswith("frontier") and paths == [tmp_path / "b" / "frontier.svg"]
    assert (tmp_path / "a" / "frontier.svg").read_bytes() == paths[0].read_bytes()
