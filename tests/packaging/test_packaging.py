"""The installed package (pip install ., not editable) carries every subpackage of the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    dirs = {v: k for k, v in conf["package-dir"].items()}  # folder -> package name
    found = set()
    for init in ROOT.glob("**/__init__.py"):
        rel = init.parent.relative_to(ROOT)
        top = rel.parts[0]
        if top not in dirs or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
            continue
        found.add(".".join([dirs[top], *rel.parts[1:]]))
    missing = found - listed
    assert not missing, f"subpackages missing from [tool.setuptools] packages: {sorted(missing)}"
