"""The HTML report: parse it; every image is embedded (the page links to no file), its figures
are also written as PNG, PDF and SVG under figures/."""

import base64
import re
from html.parser import HTMLParser

import pytest

from robtheory import claims
from robtheory.viz.report import write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.rows, self.cells = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        for key in ("href", "src"):  # nothing the page loads or links is another file
            assert key not in attrs or attrs[key].startswith("data:"), (tag, attrs[key][:80])
        if tag == "tr":
            self.rows += 1
        if tag == "td" and "class" in attrs:
            self.cells.append(attrs["class"])


def _data(path):
    mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _embedded_and_written(out, parser, stems):
    """Each figure ``stem`` is written as PNG, PDF and SVG under figures/, and its SVG is what
    the page embeds."""
    for stem in stems:
        for ext in ("png", "pdf", "svg"):
            assert (out / "figures" / f"{stem}.{ext}").stat().st_size > 0, (stem, ext)
        assert _data(out / "figures" / f"{stem}.svg") in parser.images, stem


def test_report_lists_every_claim_and_its_images_exist(tmp_path):
    rows = []
    for c in claims.REGISTRY:
        rows.append({"name": c.name, "reference": c.reference, "statement": c.statement, "notes": c.notes,
                     "analytic": {"passed": True, "n_points": 1, "detail": "stub row for the layout test"},
                     "mc": None})
    rows[0]["mc"] = {"passed": False, "detail": "a failing cell is shown as such"}
    # Two rows with Monte Carlo tests as verify writes them (an infinite z is None in its JSON).
    check = {"test": "agreement", "alpha": 1e-6 / 20, "n": 10**4}
    rows[1]["mc"] = {"passed": True, "detail": "", "checks": [dict(check, z=0.3), dict(check, z=-1.2),
                                                              {"test": "bound", "alpha": 1e-7, "n": 10**4}]}
    rows[2]["mc"] = {"passed": True, "detail": "", "checks": [dict(check, z=None), dict(check, test="mean", z=2.0)]}
    path = write_report(tmp_path, rows, ["mc"])
    parser = _Collect()
    parser.feed(path.read_text())
    assert parser.rows == len(rows) + 1  # header row
    assert len(parser.images) == 4  # frontier, phase diagrams, learning curves, Monte Carlo residuals
    _embedded_and_written(tmp_path, parser, ["frontier", "phase", "learning_curve", "mc_residuals"])
    assert parser.cells.count("fail") == 1 and "na" in parser.cells
    assert "4 two-sided tests" in path.read_text() and "1 infinite residual" in path.read_text()
    text = path.read_text()
    for c in claims.REGISTRY:
        assert f"<code>{c.name}</code>" in text


def test_report_cli_analytic_only(tmp_path, capsys):
    from robtheory.cli import main

    assert main(["verify", "--no-mc", "--claim", "claim_a", "--claim", "lemma_d2", "--report", str(tmp_path)]) == 0
    parser = _Collect()
    parser.feed((tmp_path / "index.html").read_text())
    assert parser.rows == 3
    _embedded_and_written(tmp_path, parser, ["frontier", "phase", "learning_curve"])
    assert len(parser.images) == 3 and "No Monte Carlo results" in (tmp_path / "index.html").read_text()


def test_report_with_the_real_monte_carlo_column(tmp_path):
    """verify's own Monte Carlo rows feed the residual figure, and every image exists."""
    from robtheory.cli import main

    assert main(["verify", "--no-proofs", "--n", "20000", "--claim", "claim_a", "--claim", "claim_b",
                 "--resolution", "0.05", "--report", str(tmp_path)]) == 0
    parser = _Collect()
    text = (tmp_path / "index.html").read_text()
    parser.feed(text)
    _embedded_and_written(tmp_path, parser, ["frontier", "phase", "learning_curve", "mc_residuals", "frontier_mc_residuals"])
    assert "2 two-sided tests" in text
    # the run's Monte Carlo summary is in the text: n, seed, alpha and how many tests pass
    assert re.search(r"Monte Carlo: (\d+)/\1 tests pass", text)
    assert "n = 20000 samples per run, seed 0" in text and "alpha = 1e-06" in text


def _stub_rows():
    return [{"name": c.name, "reference": c.reference, "statement": c.statement, "notes": c.notes,
             "analytic": {"passed": True, "n_points": 1, "detail": ""}} for c in claims.REGISTRY[:2]]


def test_frontier_monte_carlo_in_the_report(tmp_path):
    path = write_report(tmp_path, _stub_rows(), [], frontier_mc_n=4000, seed=1)
    parser = _Collect()
    parser.feed(path.read_text())
    _embedded_and_written(tmp_path, parser, ["frontier", "phase", "learning_curve", "frontier_mc_residuals"])
    # 10 exact tests at family-wise alpha 1e-6: none rejects, but at n = 4000 they cannot
    # detect a deviation of the default resolution 0.005, so the caption must not say "all pass"
    assert "(none fails, some INCONCLUSIVE)" in path.read_text()


def test_extra_sections_hook(tmp_path):
    """The hook for later sections (the torch results): title, escaped text, figures it wrote."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from robtheory.viz.report import ReportSection

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    fig.savefig(tmp_path / "extra.png")
    plt.close(fig)
    sec = ReportSection("Torch results (placeholder)", "first <paragraph>\n\nsecond", [("extra.png", "a curve")])
    path = write_report(tmp_path, _stub_rows(), [], extra_sections=[sec])
    text = path.read_text()
    parser = _Collect()
    parser.feed(text)
    assert _data(tmp_path / "extra.png") in parser.images  # embedded, not linked
    assert "<h2>Torch results (placeholder)</h2>" in text and "first &lt;paragraph&gt;" in text
    assert text.index("Monte Carlo residuals") < text.index("Torch results")
    with pytest.raises(ValueError, match="title=''"):
        ReportSection("")
    with pytest.raises(ValueError, match="'../x.png'"):
        ReportSection("t", figures=[("../x.png", "outside")])
    with pytest.raises(ValueError, match="ReportSection"):
        write_report(tmp_path, _stub_rows(), [], extra_sections=["not a section"])


def test_report_cells_show_partial_and_inconclusive_not_pass():
    """A proof cell certified in part says PARTIAL (and is not coloured as a pass); a Monte Carlo
    cell that could not resolve its deviation says INCONCLUSIVE."""
    from robtheory.viz.report import _verdict

    partial = _verdict({"passed": True, "mark": "PARTIAL", "detail": "partial (certified: ...)"})
    assert ">PARTIAL<" in partial and 'class="pass"' not in partial
    inconclusive = _verdict({"passed": True, "verdict": "INCONCLUSIVE", "detail": ""})
    assert ">INCONCLUSIVE<" in inconclusive and 'class="pass"' not in inconclusive
    assert 'class="pass"' in _verdict({"passed": True, "detail": ""})
    assert 'class="fail"' in _verdict({"passed": False, "detail": ""})


def test_torch_sections_have_real_captions_and_are_embedded(tmp_path):
    """Captions say what a torch figure shows (not 'toy: theorem 2 1 mlp', made from its file name)."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from robtheory.torch_bridge.report import sections

    res = tmp_path / "torch" / "toy"
    res.mkdir(parents=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    fig.savefig(res / "theorem_2_1_mlp.png")
    plt.close(fig)
    (res / "metrics.json").write_text(json.dumps({"experiment": "toy", "figure": "Theorem 2.1",
                                                  "figures": ["theorem_2_1_mlp.png"], "effect": {}}))
    secs = sections(tmp_path / "torch", tmp_path / "report")
    ((_, cap),) = secs[0].figures
    assert "theorem 2 1 mlp" not in cap and "Theorem 2.1 bound" in cap
    page = write_report(tmp_path / "report", _stub_rows(), [], extra_sections=secs).read_text()
    parser = _Collect()
    parser.feed(page)
    assert _data(res / "theorem_2_1_mlp.png") in parser.images
