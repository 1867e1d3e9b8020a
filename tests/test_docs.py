"""The documentation runs: the README's Python API example, the worked example of the "how to add
a claim" page and the docstring examples of the public modules are doctests, and every public
function of those modules documents what it returns and shows an example (issue 15, item 4)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The modules whose public names (``__all__``) must each have a docstring with an example that
#: runs, and (functions) a Returns section.
DOCUMENTED_MODULES = (
    "robtheory",
    "robtheory.model",
    "robtheory.classifiers",
    "robtheory.theory.closed_form",
    "robtheory.mc",
    "robtheory.mc.engine",
    "robtheory.phase",
    "robtheory.stats",
    "robtheory.training",
)

#: Modules whose docstring examples must run (a superset of the above: their examples are tested
#: even where not every name has one yet).
DOCTESTED_MODULES = DOCUMENTED_MODULES + (
    "robtheory.training.population",
    "robtheory.training.objective",
    "robtheory.training.thresholds",
    "robtheory.training.gaussian_mle",
    "robtheory.training.finite_sample",
    "robtheory.training.logistic",
    "robtheory.stats.intervals",
    "robtheory.stats.resolution",
    "robtheory.stats.tests",
    "robtheory.claims.verify",
)

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _python_blocks(text: str) -> list[str]:
    """The contents of the fenced ```python blocks of a Markdown text."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def _run_examples(source: str, name: str) -> doctest.TestResults:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    runner.run(test)
    return runner.summarize(verbose=False)


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def test_readme_python_api_example_runs():
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Python API")
    blocks = _python_blocks(section)
    assert blocks, "the README's Python API section has no ```python block"
    # one session: the second block uses names of the first
    result = _run_examples("\n".join(blocks), "README.md (Python API)")
    assert result.attempted >= 10
    assert result.failed == 0


def test_readme_names_the_docs_build_command():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[docs]"' in text
    assert "sphinx-build -W -b html docs docs/_build/html" in text


def test_adding_a_claim_page_runs():
    blocks = _python_blocks((ROOT / "docs" / "adding_a_claim.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    result = _run_examples("\n".join(blocks), "docs/adding_a_claim.md")
    assert result.attempted >= 10
    assert result.failed == 0


@pytest.mark.parametrize("name", DOCTESTED_MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests, f"{name} has no docstring example"
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


def _public(name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(name)
    out = []
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((f"{name}.{attr}", obj))
    return out


@pytest.mark.parametrize("qualname,obj", [pair for m in DOCUMENTED_MODULES for pair in _public(m)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_public_docstrings_have_returns_and_an_example(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    assert ">>>" in doc, f"{qualname}: no example"
    if inspect.isfunction(obj):
        assert re.search(r"^Returns\n-------", doc, flags=re.M), f"{qualname}: no Returns section"
        if inspect.signature(obj).parameters:
            assert re.search(r"^Parameters\n----------", doc, flags=re.M), f"{qualname}: no Parameters section"
