"""One look for every figure robtheory draws: a style (matplotlib rcParams) the user can override,
the mathematical label of each variable, and the one function that writes a figure to disk.

* :data:`STYLE` is the rcParams dict every command draws under (:func:`style` applies it, with
  your overrides on top: ``with style({"font.size": 11}): ...``; ``robtheory plot --style
  FILE.mplstyle`` does the same from a matplotlib style file).
* :data:`LABELS` maps a variable name (a grid axis, a ``phase.nc`` variable, a frontier column) to
  the label an axis shows, written as mathematics (``mu`` is :math:`\\mu=\\eta\\sqrt{d}`); :func:`label`
  looks one up, so no raw variable name reaches an axis.
* :func:`save` writes a figure as PNG and, beside it, the vector formats PDF and SVG.

matplotlib is imported only when a function here runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "LABELS", "STYLE", "label", "parse_formats", "pyplot", "save", "style", "value_label", "wrap"]

#: The formats a figure is written in unless the caller asks otherwise (raster beside vector).
FORMATS = ("png", "pdf", "svg")

#: The rcParams of every robtheory figure; override per call with :func:`style`.
STYLE: dict[str, Any] = {
    "figure.constrained_layout.use": True,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": "medium",  # sizes relative to font.size: overriding it scales every text
    "axes.labelsize": "medium",
    "legend.fontsize": "small",
    "legend.frameon": False,
    "xtick.labelsize": "small",
    "ytick.labelsize": "small",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.formatter.useoffset": False,  # 0.99943, not "1e-5 + 9.994e-1" in a corner
    "lines.linewidth": 1.5,
    "mathtext.fontset": "cm",
    "image.cmap": "viridis",
    # reproducible vector files: the same figure gives the same bytes
    "svg.hashsalt": "robtheory",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}

#: Variable name -> axis label (mathematics in matplotlib's mathtext).
LABELS: dict[str, str] = {
    "p": r"$p = P(x_1 = y)$",
    "eta": r"weak-feature mean $\eta$",
    "mu": r"$\mu=\eta\sqrt{d}$",
    "eps": r"radius $\varepsilon$",
    "eps_over_eta": r"$\varepsilon/\eta$",
    "d": r"number of weak features $d$",
    "bayes_standard": "standard accuracy of the Bayes classifier",
    "bayes_robust": "robust accuracy of the Bayes classifier",
    "averaging_standard": "standard accuracy of the averaging classifier",
    "averaging_robust": "robust accuracy of the averaging classifier",
    "robust_x1_standard": r"standard accuracy of $\mathrm{sign}(x_1)$",
    "robust_x1_robust": r"robust accuracy of $\mathrm{sign}(x_1)$",
    "optimal_robust": r"optimal robust accuracy $A^*_{\mathrm{rob}}$",
    "frontier_standard": "best standard accuracy at the required robust accuracy",
    "price": "price of robustness (standard accuracy given up)",
    "regime": r"regime (per-coordinate budget against $\eta$)",
    "adv_training_threshold": r"adversarial-training threshold $\varepsilon$",
    "adv_training_keeps_weak": "adversarial training keeps the weak features",
    "standard_accuracy": "standard accuracy",
    "robust_accuracy": "robust accuracy",
    "standard": "standard accuracy",
    "robust": "robust accuracy",
    "tau": r"threshold $\tau$",
    "bias": "bias",
    "n": "training-set size $n$",
}

#: Variable name -> the short symbol used in titles and legends ("eps/eta = 2").
_SYMBOLS = {"p": "p", "eta": r"\eta", "mu": r"\mu", "eps": r"\varepsilon", "eps_over_eta": r"\varepsilon/\eta",
            "d": "d", "n": "n"}


def label(name: str, attrs: Mapping[str, Any] | None = None) -> str:
    """The axis label of variable ``name``: :data:`LABELS`, else the ``long_name`` of its netCDF
    attributes ``attrs``, else the name with its underscores read as spaces (never the raw name)."""
    if name in LABELS:
        return LABELS[name]
    if attrs and attrs.get("long_name"):
        return str(attrs["long_name"])
    return str(name).replace("_", " ")


def wrap(text: str, width: int = 30) -> str:
    """Break ``text`` into lines of about ``width`` characters at spaces outside ``$...$`` (a long
    label on a short axis would otherwise run off the figure)."""
    words, inside, cur = [], False, ""
    for ch in text:  # split at spaces outside mathematics
        if ch == "$":
            inside = not inside
        if ch == " " and not inside:
            words.append(cur)
            cur = ""
        else:
            cur += ch
    words.append(cur)
    lines, line = [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines)


def value_label(name: str, value: Any) -> str:
    """``name = value`` as mathematics, for titles and legends (``$\\varepsilon/\\eta = 2$``)."""
    v = float(value)
    text = f"{int(v)}" if name == "d" and v.is_integer() else f"{v:.4g}"
    return f"${_SYMBOLS.get(name, name.replace('_', ' '))} = {text}$"


def pyplot() -> Any:
    """matplotlib.pyplot under the Agg backend (figures are written to files, never shown)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def style(overrides: Mapping[str, Any] | str | Path | None = None) -> Iterator[None]:
    """Draw under :data:`STYLE` with ``overrides`` on top: a dict of rcParams, or the name or path
    of a matplotlib style (``"ggplot"``, ``"my.mplstyle"``)."""
    import matplotlib as mpl

    pyplot()
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]  # mpl types its keys as literals
        if overrides is None:
            yield
        elif isinstance(overrides, Mapping):
            with mpl.rc_context(dict(overrides)):  # type: ignore[arg-type]
                yield
        else:
            import matplotlib.style as mstyle

            try:
                ctx = mstyle.context(str(overrides))
                ctx.__enter__()
            except OSError as exc:
                raise ValueError(f"style {str(overrides)!r} is neither a matplotlib style name nor a "
                                 f"readable style file ({exc})") from None
            try:
                yield
            finally:
                ctx.__exit__(None, None, None)


def parse_formats(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"pdf,svg,png"`` (or a sequence) -> the formats, checked; a ValueError names a bad one."""
    items = [s.strip().lower().lstrip(".") for s in (spec.split(",") if isinstance(spec, str) else spec)]
    items = [s for s in items if s]
    if not items:
        raise ValueError(f"formats: give at least one of png, pdf, svg, got {spec!r}")
    for s in items:
        if s not in FORMATS:
            raise ValueError(f"formats: {s!r} is not one of png, pdf, svg")
    return tuple(dict.fromkeys(items))


def save(fig: Any, out_dir: str | Path, stem: str, formats: Sequence[str] = FORMATS, *,
         close: bool = True) -> list[Path]:
    """Write ``fig`` as ``out_dir/stem.EXT`` for each format (PNG at :data:`STYLE`'s dpi; PDF and
    SVG as vectors, without a creation date so that a rerun writes the same bytes); return the paths."""
    import logging

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # fontTools, subsetting the fonts embedded in a PDF, warns about a date we removed on purpose
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    paths = []
    try:
        for ext in parse_formats(formats):
            path = out / f"{stem}.{ext}"
            meta = {"png": None, "pdf": {"CreationDate": None}, "svg": {"Date": None}}[ext]
            fig.savefig(path, dpi=STYLE["savefig.dpi"], metadata=meta)
            paths.append(path)
    finally:
        if close:
            pyplot().close(fig)
    return paths


def svg_bytes(fig: Any) -> bytes:
    """The figure as SVG (no date: the same figure gives the same bytes), for embedding in a page."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()
