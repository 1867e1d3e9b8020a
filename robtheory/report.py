"""One self-contained HTML report: the claims table with every verdict column, the frontier and
phase-diagram figures.

``write_report(out_dir, rows)`` takes the rows ``robtheory verify`` computed (so the report and
the table agree) and writes ``index.html`` with its figures beside it; images are referenced by
relative path, so the folder can be moved or zipped as a whole.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

__all__ = ["write_report", "figures"]


def figures(out_dir: Path, p: float = 0.95, eta: float = 0.3, d: int = 100) -> list[tuple[str, str]]:
    """Draw the report's figures into ``out_dir``; return (file name, caption) pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .frontier import frontier
    from .model import ThreatModel, ToyModel
    from .phase import phase_grid
    from .plot import plot_frontier, plot_phase

    out = []
    model = ToyModel(p, eta, d)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    plot_frontier(ax, frontier(model, ThreatModel("linf", 2 * eta), "all", n=401), label="all classifiers (Theorem F)")
    lin = frontier(model, ThreatModel("linf", 2 * eta), "linear", n=161)
    ax.plot(lin.standard_accuracy, lin.robust_accuracy, label="linear, no bias (full l_inf ball)")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(out_dir / "frontier.png", dpi=120)
    plt.close(fig)
    out.append(("frontier.png", f"Trade-off frontier at eps = 2 eta for D(p={p}, eta={eta}, d={d}), with the "
                                "Theorem 2.1 bound (dashed)."))
    import numpy as np

    ds = phase_grid([p], [d], mu=np.linspace(0.5, 8, 40), eps_over_eta=np.linspace(0, 3, 31))
    for var, caption in (("optimal_robust", "Optimal robust accuracy A*_rob over all classifiers (l_inf)."),
                         ("price", "Accuracy price of robustness: Bayes standard accuracy minus the best standard "
                                   "accuracy at robust accuracy >= 0.5."),
                         ("regime", "Regimes: 0 eps < eta, 1 eta <= eps < 2 eta, 2 eps >= 2 eta, 3 eps >= 1.")):
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        plot_phase(ax, ds, var, "mu", "eps_over_eta")
        fig.tight_layout()
        fig.savefig(out_dir / f"phase_{var}.png", dpi=120)
        plt.close(fig)
        out.append((f"phase_{var}.png", caption + f" p={p}, d={d}."))
    return out


def _verdict(cell) -> str:
    if cell is None:
        return '<td class="na">-</td>'
    ok = cell.get("passed")
    cls = "pass" if ok else "fail"
    detail = html.escape(str(cell.get("detail", "")))
    return f'<td class="{cls}" title="{detail}">{"PASS" if ok else "FAIL"}<div class="detail">{detail}</div></td>'


def write_report(out_dir, rows: list[dict], columns: list[str]) -> Path:
    """Write ``out_dir/index.html`` from verify's rows and the names of its verdict columns."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figs = figures(out)
    from .phase import provenance

    prov = provenance()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["claim", "paper", "statement", "analytic", *columns])
    body = []
    for r in rows:
        cells = [f"<td><code>{html.escape(r['name'])}</code></td>", f"<td>{html.escape(r['reference'])}</td>",
                 f"<td>{html.escape(r['statement'])}"
                 + (f"<div class='note'>{html.escape(r['notes'])}</div>" if r.get("notes") else "") + "</td>",
                 _verdict(r["analytic"])]
        cells += [_verdict(r.get(c)) for c in columns]
        body.append("<tr>" + "".join(cells) + "</tr>")
    fig_html = "".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(cap)}"><figcaption>{html.escape(cap)}</figcaption></figure>'
        for name, cap in figs)
    n_pass = sum(bool(r["analytic"]["passed"]) for r in rows)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>robtheory report</title>
<style>
body {{ font-family: sans-serif; max-width: 1100px; margin: 2em auto; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; }}
td.pass {{ background: #e6f4e6; }} td.fail {{ background: #f8d7d7; }} td.na {{ color: #999; }}
.detail, .note {{ font-size: 0.8em; color: #555; }}
figure {{ display: inline-block; width: 48%; margin: 0.5%; }} figure img {{ width: 100%; }}
</style></head><body>
<h1>robtheory: "Robustness May Be at Odds with Accuracy", machine-checked</h1>
<p>{n_pass}/{len(rows)} claims pass the analytic check. Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
by robtheory {html.escape(prov['robtheory_version'])} (commit {html.escape(prov['commit'])}).</p>
<h2>Claims</h2>
<table><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(body)}
</tbody></table>
<h2>Figures</h2>
{fig_html}
</body></html>
"""
    path = out / "index.html"
    path.write_text(page)
    return path
