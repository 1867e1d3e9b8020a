"""The HTML report: parse it and check that every image it references exists."""

from html.parser import HTMLParser

from robtheory import claims
from robtheory.report import write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.rows, self.cells = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "tr":
            self.rows += 1
        if tag == "td" and "class" in attrs:
            self.cells.append(attrs["class"])


def test_report_lists_every_claim_and_its_images_exist(tmp_path):
    rows = []
    for c in claims.REGISTRY:
        rows.append({"name": c.name, "reference": c.reference, "statement": c.statement, "notes": c.notes,
                     "analytic": {"passed": True, "n_points": 1, "detail": "stub row for the layout test"},
                     "mc": None})
    rows[0]["mc"] = {"passed": False, "detail": "a failing cell is shown as such"}
    path = write_report(tmp_path, rows, ["mc"])
    parser = _Collect()
    parser.feed(path.read_text())
    assert parser.rows == len(rows) + 1  # header row
    assert len(parser.images) >= 4
    for src in parser.images:
        assert (tmp_path / src).is_file() and (tmp_path / src).stat().st_size > 0, src
    assert parser.cells.count("fail") == 1 and "na" in parser.cells
    text = path.read_text()
    for c in claims.REGISTRY:
        assert f"<code>{c.name}</code>" in text


def test_report_cli_analytic_only(tmp_path, capsys):
    from robtheory.cli import main

    assert main(["verify", "--no-mc", "--claim", "claim_a", "--claim", "lemma_d2", "--report", str(tmp_path)]) == 0
    parser = _Collect()
    parser.feed((tmp_path / "index.html").read_text())
    assert parser.rows == 3
    for src in parser.images:
        assert (tmp_path / src).is_file()
