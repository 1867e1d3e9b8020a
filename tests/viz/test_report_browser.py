"""The HTML report opened in a real browser (headless Chromium; skipped with a reason where absent).

A reader's browser must decode every figure, log no error and fetch nothing outside the one file
(the report is self-contained: copied alone, it loses nothing). The page comes from a small saved
``verify --json`` run through ``report --from``, as a user would make it. Each of the three
checks is shown to fail on a page with that fault planted (negative controls), and a full-page
screenshot is saved as a test artifact (its path is printed; run pytest with -s to see it). Under
print media every verdict's details are laid out (the print stylesheet opens them) and the page
prints to PDF.
"""

from __future__ import annotations

import base64
import re

import pytest

from robtheory.cli import main

from _browser import chromium_path, inspect_page  # tests/viz is on sys.path (rootdir-relative import)

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="no Chromium on PATH (Debian: apt-get install chromium); .ci/run installs it")


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    d = tmp_path_factory.mktemp("report_browser")
    saved = d / "verify.json"
    # a small real run: one claim, the Monte Carlo column at n = 2000 (coarse resolution so it resolves)
    status = main(["verify", "--claim", "claim_a", "--no-proofs", "--no-torch", "--n", "2000",
                   "--resolution", "0.5", "--mean-resolution", "0.5", "--json", str(saved)])
    assert status == 0
    out = d / "report"
    assert main(["report", "--from", str(saved), "--out", str(out)]) == 0
    return out / "index.html"


def test_report_in_chromium_decodes_every_image_logs_nothing_fetches_nothing(report_page):
    shot = report_page.parent / "screenshot.png"
    rep = inspect_page(report_page, shot, pdf=report_page.parent / "printed.pdf")
    print(f"\nreport screenshot: {shot}; printed: {rep.pdf}")
    # the report's five figures: frontier, phase diagrams, learning curves, Monte Carlo residuals,
    # frontier residuals
    assert len(rep.images) == 5, rep.images
    assert rep.problems() == []
    for im in rep.images:
        assert im["src"].startswith("data:image/") and im["naturalWidth"] > 0 and im["naturalHeight"] > 0
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # the print stylesheet opens every verdict's details (a closed <details> prints as one word)
    total, shown = rep.print_details
    assert total > 0 and shown == total
    assert rep.pdf.read_bytes()[:5] == b"%PDF-"


def _planted(page, tmp_path, name, edit):
    text = page.read_text()
    bad = tmp_path / name
    bad.write_text(edit(text))
    return inspect_page(bad)


def test_a_broken_image_fails_the_check(report_page, tmp_path):
    # bytes that are not an image, in place of the first figure
    junk = "data:image/png;base64," + base64.b64encode(b"not a png").decode()
    rep = _planted(report_page, tmp_path, "broken.html", lambda t: re.sub(r'src="data:[^"]*"', f'src="{junk}"', t, count=1))
    assert len(rep.broken_images) == 1 and rep.problems()[0].startswith("image not decoded")


def test_a_link_to_another_file_fails_the_check(report_page, tmp_path):
    # the old report's fault: an image referenced by a path beside the page (here one that exists)
    (tmp_path / "frontier.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))
    rep = _planted(report_page, tmp_path, "linked.html",
                   lambda t: t.replace("<h2>Claims</h2>", '<img src="frontier.png"><h2>Claims</h2>'))
    assert rep.broken_images == []  # the image itself loads: only the request gives it away
    assert [u.rsplit("/", 1)[-1] for u in rep.outside_requests] == ["frontier.png"]
    assert any(p.startswith("request outside the page") for p in rep.problems())
    rep = _planted(report_page, tmp_path, "external.html",
                   lambda t: t.replace("</head>", '<link rel="stylesheet" href="https://example.invalid/s.css"></head>'))
    assert any("example.invalid" in u for u in rep.outside_requests)


def test_a_console_error_fails_the_check(report_page, tmp_path):
    rep = _planted(report_page, tmp_path, "console.html",
                   lambda t: t.replace("</body>", "<script>console.error('planted error')</script></body>"))
    assert rep.console_errors == ["planted error"]
    rep = _planted(report_page, tmp_path, "throw.html",
                   lambda t: t.replace("</body>", "<script>undefinedFunction()</script></body>"))
    assert len(rep.console_errors) == 1 and "undefinedFunction" in rep.console_errors[0]


def test_without_the_print_rules_details_stay_closed_in_print(report_page, tmp_path):
    """Negative control of the print check: the details are hidden in print without the rules."""
    def strip(t):
        for rule in ("  details > div.detail { display: block; }\n",
                     "  details::details-content { content-visibility: visible; display: block; }\n"):
            assert rule in t
            t = t.replace(rule, "")
        return t

    bad = tmp_path / "noprint.html"
    bad.write_text(strip(report_page.read_text()))
    rep = inspect_page(bad, pdf=tmp_path / "noprint.pdf")
    total, shown = rep.print_details
    assert total > 0 and shown == 0
