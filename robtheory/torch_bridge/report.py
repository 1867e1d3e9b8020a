"""Sections of the HTML report built from saved torch results (reads JSON only: no torch needed).

``robtheory torch all --out DIR`` writes ``DIR/NAME/metrics.json`` and figures for every
experiment; :func:`sections` turns each into a
:class:`~robtheory.viz.report.ReportSection`, copying its PNG figures into the report folder so
that the report can embed them (the page links to no file).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

__all__ = ["find_metrics", "sections"]


def find_metrics(results_dir) -> list[Path]:
    """``metrics.json`` files at ``results_dir`` itself or one level below, in catalogue order."""
    from robtheory.torch_bridge.experiments import CATALOGUE

    root = Path(results_dir)
    if not root.is_dir():
        raise ValueError(f"torch results folder {str(root)!r} does not exist")
    found = ([root / "metrics.json"] if (root / "metrics.json").is_file() else []) + sorted(
        root.glob("*/metrics.json"))
    order = {name: i for i, name in enumerate(CATALOGUE)}

    def key(p: Path):
        try:
            return order.get(json.loads(p.read_text()).get("experiment"), len(order))
        except (OSError, ValueError):
            return len(order)

    return sorted(found, key=key)


def _summary(m: dict) -> str:
    eff = m.get("effect", {})
    mode = "quick" if m.get("quick") else "full"
    verdict = "REPRODUCED" if eff.get("reproduced") else "NOT reproduced"
    lines = [
        f"{m.get('summary', '')}",
        (f"Paper: {m.get('figure', '?')}. Mode: {mode}, device {m.get('device', '?')}, seed "
         f"{m.get('seed', '?')}, {m.get('seconds', '?')} s (torch {m.get('versions', {}).get('torch', '?')})."),
        f"Effect described by the paper {verdict} in this run: {eff.get('detail', '')}",
    ]
    for name, c in (m.get("checks") or {}).items():
        lines.append(f"{name}: {'pass' if c.get('passed') else 'FAIL'} -- {c.get('detail', '')}")
    return "\n\n".join(lines)


def sections(results_dir, report_dir) -> list:
    """One :class:`~robtheory.viz.report.ReportSection` per saved experiment under ``results_dir``."""
    from robtheory.torch_bridge.figures import caption
    from robtheory.viz.report import ReportSection

    report_dir = Path(report_dir)
    out = []
    for path in find_metrics(results_dir):
        m = json.loads(path.read_text())
        name = str(m.get("experiment", path.parent.name))
        dest = report_dir / "torch" / name
        dest.mkdir(parents=True, exist_ok=True)
        figs = []
        for f in m.get("figures", []):
            if not f.endswith(".png"):
                continue
            src = path.parent / f
            if not src.is_file():
                continue
            if src.resolve() != (dest / f).resolve():
                shutil.copyfile(src, dest / f)
            figs.append((f"torch/{name}/{f}", caption(f[:-4], name)))  # what it shows, not its file name
        out.append(ReportSection(f"PyTorch: {name} ({m.get('figure', '')})", _summary(m), figs))
    return out
