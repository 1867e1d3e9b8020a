"""Redraw a saved result without recomputing it (``robtheory plot FILE``).

:data:`REPLOTTERS` is the dispatch table: one :class:`Replotter` per kind of saved result, each
saying which files it reads (suffix and a test of the loaded content) and how it draws them. A
new kind of result is one more row (``REPLOTTERS.append(Replotter(...))`` or a line in the
table below); :func:`replot` tries the rows in order and uses the first that matches.

Files are loaded once per suffix (``.nc``: an ``xarray.Dataset``; ``.json``: the parsed
document; ``.csv``: the header line), and each row's ``matches`` looks at what was loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robtheory.viz.style import FORMATS

__all__ = ["REPLOTTERS", "Replotter", "load", "replot"]


@dataclass(frozen=True)
class Replotter:
    """One row of the dispatch table.

    Parameters
    ----------
    kind : str
        What the file is, as the command reports it ("phase grid").
    suffix : str
        The file suffix it reads (".nc", ".json", ".csv").
    matches : callable(loaded) -> bool
        Whether a loaded file of that suffix is this kind.
    draw : callable(loaded, path, out_dir, formats, style) -> list of Path
        Draws the figures into ``out_dir`` and returns their paths.
    """

    kind: str
    suffix: str
    matches: Callable[[Any], bool]
    draw: Callable[[Any, Path, Path, Sequence[str], Any], list[Path]]


def load(path: Path) -> Any:
    """The file as its rows see it (see the module docstring); a ValueError says what is wrong."""
    suffix = path.suffix.lower()
    if suffix == ".nc":
        import xarray as xr

        try:
            with xr.open_dataset(path, engine="scipy") as ds:
                return ds.load()
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable netCDF file ({exc})") from None
    if suffix == ".json":
        try:
            return json.loads(path.read_text())
        except ValueError as exc:
            raise ValueError(f"{str(path)!r} is not valid JSON ({exc})") from None
    if suffix == ".csv":
        with open(path) as fh:
            return fh.readline().strip()
    raise ValueError(f"{str(path)!r}: robtheory plot reads .nc, .json and .csv results, not {suffix or 'no suffix'!r}")


# --- the drawers -----------------------------------------------------------------------------

def _phase(ds, path, out, formats, style) -> list[Path]:
    from robtheory.viz.figures import save_phase_figures

    return save_phase_figures(out, ds, formats=formats, style=style)


def _phase_mc(ds, path, out, formats, style) -> list[Path]:
    from robtheory.viz.figures import save_phase_mc_figure

    return save_phase_mc_figure(out, ds, formats=formats, style=style)


def frontier_from_document(doc: Mapping[str, Any]):
    """The :class:`~robtheory.theory.frontier.Frontier` (and its Monte Carlo points, or None) of a
    ``robtheory frontier --json`` document."""
    import numpy as np

    from robtheory.claims.frontier_mc import FrontierMC
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.theory.frontier import Frontier

    pts = doc["points"]

    def col(key, none=np.nan):
        return np.array([none if pt.get(key) is None else float(pt[key]) for pt in pts])

    front = Frontier(model=ToyModel(doc["p"], doc["eta"], int(doc["d"])),
                     threat=ThreatModel(doc["norm"], doc["eps"], perturb_x1=not doc.get("weak_only", False)),
                     family=str(doc["family"]), exact=bool(doc["exact"]), tau=col("tau", np.inf),
                     standard_accuracy=col("standard_accuracy"), robust_accuracy=col("robust_accuracy"),
                     bound=col("theorem_2_1_bound"), note=str(doc.get("note", "")),
                     r=col("weak_weight_ratio") if pts and "weak_weight_ratio" in pts[0] else None,
                     bias=col("bias") if pts and "bias" in pts[0] else None,
                     gap_bound=col("gap_bound") if pts and "gap_bound" in pts[0] else None,
                     attained=(np.array([bool(pt["attained"]) for pt in pts])
                               if pts and "attained" in pts[0] else None),
                     attained_by=(np.array([-1 if pt["attained_by"] is None else int(pt["attained_by"]) for pt in pts])
                                  if pts and "attained_by" in pts[0] else None))
    mc = None
    if doc.get("mc"):
        est = [dict(pt["mc"], index=i, tau=pt.get("tau")) for i, pt in enumerate(pts) if "mc" in pt]
        mc = FrontierMC.from_dict({**doc["mc"], "points": est})
    return front, mc


def _frontier_json(doc, path, out, formats, style) -> list[Path]:
    from robtheory.viz.figures import save_frontier_figure

    front, mc = frontier_from_document(doc)
    return save_frontier_figure(out, front, mc, stem=path.stem, formats=formats, style=style)


def _frontier_csv(header, path, out, formats, style) -> list[Path]:
    """A frontier CSV holds the points but not the model: read them with the parameters of the
    ``frontier.json`` written beside it."""
    import csv

    beside = path.with_suffix(".json")
    if not beside.is_file():
        raise ValueError(f"{str(path)!r} holds the frontier's points but not its model (p, eta, d, eps): "
                         f"redraw from the {beside.name} written beside it by 'robtheory frontier --out'")
    doc = json.loads(beside.read_text())
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    doc = dict(doc, points=[{k: (None if v in ("", "inf") else float(v)) for k, v in r.items()} for r in rows])
    doc.pop("mc", None)  # the CSV's points are what is drawn; Monte Carlo counts are in the JSON only
    return _frontier_json(doc, path, out, formats, style)


def _verify(doc, path, out, formats, style) -> list[Path]:
    from robtheory.claims.verify import VerifyResult
    from robtheory.viz.report import mc_residual_figure

    result = VerifyResult.from_dict(doc)
    fig = mc_residual_figure(out, result.rows, folder=".", formats=formats, style=style)
    if fig is None:
        raise ValueError(f"{str(path)!r} is a verify result without the Monte Carlo column (--no-mc): it has "
                         "no figure; 'robtheory report --from FILE' writes its claims table")
    return [out / f"mc_residuals.{ext}" for ext in formats]


def _learning_curve(ds, path, out, formats, style) -> list[Path]:
    from robtheory.viz.learning_curve import save_learning_curve_figures

    return save_learning_curve_figures(out, [ds], formats=tuple(formats))


def _transfer(ds, path, out, formats, style) -> list[Path]:
    from robtheory.viz.transfer import save_transfer_figure

    return save_transfer_figure(out, ds, formats=tuple(formats))


def _selection(ds, path, out, formats, style) -> list[Path]:
    from robtheory.viz.transfer import save_selection_figure

    return save_selection_figure(out, ds, formats=tuple(formats))


#: The dispatch table, tried in order. Add a row for a new kind of saved result. (A higher layer
#: adds its own rows by passing ``table=``: the torch bridge's is
#: :data:`robtheory.torch_bridge.replot.REPLOTTER`, added by ``robtheory plot``.)
REPLOTTERS: list[Replotter] = [
    Replotter("phase grid (robtheory phase)", ".nc", lambda ds: "regime" in ds.data_vars, _phase),
    Replotter("phase-grid Monte Carlo overlay (robtheory phase --mc)", ".nc",
              lambda ds: "residual" in ds.data_vars and "point" in ds.dims, _phase_mc),
    Replotter("frontier (robtheory frontier --json / --out)", ".json",
              lambda d: isinstance(d, dict) and "points" in d and "family" in d, _frontier_json),
    Replotter("frontier table (robtheory frontier --out)", ".csv",
              lambda h: h.startswith("tau,standard_accuracy,robust_accuracy"), _frontier_csv),
    Replotter("verify result (robtheory verify --json)", ".json",
              lambda d: isinstance(d, dict) and "claims" in d and "verdict" in d, _verify),
    Replotter("learning curves (robtheory learning-curve)", ".nc",
              lambda ds: "crossover_n" in ds.data_vars and "eps_train" in ds.dims, _learning_curve),
    Replotter("transfer rates (robtheory transfer)", ".nc",
              lambda ds: "transfer_rate" in ds.data_vars and "kind" in ds.dims, _transfer),
    Replotter("feature selection (robtheory feature-selection)", ".nc",
              lambda ds: "t" in ds.dims and "n" in ds.dims and any(v.startswith("weak_kept") for v in ds.data_vars),
              _selection),
]


def replot(path: str | Path, out_dir: str | Path | None = None, *, formats: Sequence[str] = FORMATS,
           style: Mapping[str, Any] | str | None = None,
           table: Sequence[Replotter] | None = None) -> tuple[str, list[Path]]:
    """Redraw the saved result ``path`` into ``out_dir`` (default: its folder); return (kind, paths).

    ``table`` is the dispatch table (default :data:`REPLOTTERS`). A ValueError says why a file
    cannot be drawn (unknown kind, unreadable, missing data)."""
    from robtheory.viz.style import parse_formats

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{str(path)!r} does not exist or is not a file")
    formats = parse_formats(formats)
    loaded = load(path)
    out = Path(out_dir) if out_dir is not None else path.parent
    rows = REPLOTTERS if table is None else table
    for row in rows:
        if row.suffix == path.suffix.lower() and row.matches(loaded):
            out.mkdir(parents=True, exist_ok=True)
            return row.kind, row.draw(loaded, path, out, formats, style)
    kinds = "; ".join(f"{r.kind} [{r.suffix}]" for r in rows)
    raise ValueError(f"{str(path)!r} is none of the results robtheory plot draws: {kinds}")
