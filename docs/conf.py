"""Sphinx configuration of the robtheory documentation site.

Build it with ``sphinx-build -W -b html docs docs/_build/html`` after ``pip install -e ".[docs]"``
(``.ci/docs.sh`` does both checks: no warning, every gallery example runs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import robtheory  # noqa: E402

project = "robtheory"
author = "the robtheory authors"
copyright = "2026, the robtheory authors"
release = robtheory.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5",
                    "sg_execution_times.rst"]
templates_path = ["_templates"]

# The API reference is generated from the code at each build (docs/api/generated/, not committed).
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections state the types in words
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# docs/theory.md and docs/ARCHITECTURE.md are the Markdown files of the repository, shown as they are.
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# The gallery: every script of examples/ runs at build time, at the quick settings it states.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every example is executed
    "abort_on_example_error": True,  # a broken example fails the build
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "plot_gallery": os.environ.get("ROBTHEORY_DOCS_GALLERY", "True"),
}

html_theme = "alabaster"
html_title = f"robtheory {release}"
html_static_path: list[str] = []
html_theme_options = {"description": "Machine-checked theory of 'Robustness May Be at Odds with Accuracy'",
                      "page_width": "1100px"}

nitpicky = False


def _link_readme(app, docname, source):
    """ARCHITECTURE.md links the repository's README, which is not a page of this site: in the
    site that link goes to the index (install and quick start), where the README's commands are."""
    if docname == "ARCHITECTURE":
        source[0] = source[0].replace("](../README.md)", "](index.rst)")


def setup(app):
    app.connect("source-read", _link_readme)
