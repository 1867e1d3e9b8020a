"""The numba probe of the Monte Carlo engine can fail, and "auto" then falls back to NumPy.

The probe was once ``try: pass`` (a lint autofix had removed its unused ``import numba``): it always
said numba was usable, so without numba ``mc --backend auto`` died with a traceback. These tests hide
numba (a ``None`` entry in ``sys.modules``, and an import hook whose import fails as a broken llvmlite
would) and check the probe, the one-line notice of "auto", and the one-line error of ``--backend numba``.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import subprocess
import sys

import pytest

from robtheory import _backend
from robtheory.mc import engine

MC = ["mc", "--p", "0.9", "--eta", "0.2", "--d", "5", "--eps", "0.3", "--classifier", "bayes", "--n", "20000"]


@pytest.fixture
def fresh_probe(monkeypatch):
    monkeypatch.delenv("ROBTHEORY_DISABLE_NUMBA", raising=False)
    monkeypatch.delenv("ROBTHEORY_DISABLE_CUPY", raising=False)
    monkeypatch.setattr(engine, "_NOTICES", set())
    _backend.numba_status.cache_clear()
    yield
    _backend.numba_status.cache_clear()


def test_probe_sees_a_blocked_numba(monkeypatch, fresh_probe):
    monkeypatch.setitem(sys.modules, "numba", None)
    ok, why = _backend.numba_status()
    assert not ok and "numba" in why


class _BrokenNumba(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds 'numba', then fails to execute it, as an install with a broken llvmlite does."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname == "numba" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise OSError("libllvmlite.so: cannot open shared object file")


def test_probe_sees_a_numba_that_fails_to_import(monkeypatch, fresh_probe):
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenNumba(), *sys.meta_path])
    ok, why = _backend.numba_status()
    assert not ok and "OSError" in why and "libllvmlite" in why


def test_probe_accepts_the_installed_numba(fresh_probe):
    pytest.importorskip("numba")
    ok, why = _backend.numba_status()
    assert ok and why.startswith("ok"), why


def test_auto_falls_back_to_numpy_with_one_notice(monkeypatch, capsys, fresh_probe):
    from robtheory.mc import gpu

    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setattr(gpu, "_probe", lambda: (False, "no CUDA device"))
    assert engine.resolve_backend("auto") == "numpy"
    assert engine.resolve_backend("auto") == "numpy"
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "numba is not usable" in err[0] and "NumPy" in err[0], err
    with pytest.raises(ValueError, match="'numba' is not usable here: numba"):
        engine.resolve_backend("numba")


def _cli_without_numba(args):
    code = ("import sys\nsys.modules['numba'] = None\n"
            "from robtheory.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", code, *args], check=False, capture_output=True, text=True,
                          env={**os.environ, "ROBTHEORY_DISABLE_CUPY": "1"}, timeout=300)


def test_mc_auto_without_numba_runs_on_numpy():
    r = _cli_without_numba([*MC, "--backend", "auto"])
    # it ran to a verdict: 0 (PASS), or 3 (INCONCLUSIVE) where a run this short cannot resolve a deviation
    assert r.returncode in (0, 3), r.stderr
    assert "backend numpy" in r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "numba is not usable" in lines[0], r.stderr


def test_mc_backend_numba_without_numba_is_one_line_error():
    r = _cli_without_numba([*MC, "--backend", "numba"])
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "backend 'numba' is not usable" in lines[0], r.stderr


# ------------------------------------------------------------------ one probe, one resolution rule
def test_one_numba_probe():
    """The Philox stream, the engine and the grid ask the same probe (robtheory._backend)."""
    from robtheory.mc import philox

    assert philox.numba_status is _backend.numba_status


def _status(numba, cupy=(False, "no CUDA device")):
    return lambda: {"numpy": (True, "ok"), "numba": numba, "cupy": cupy}


@pytest.mark.parametrize("numba, cupy, want", [
    ((True, "ok"), (True, "ok"), "cupy"),
    ((True, "ok"), (False, "no CUDA device"), "numba"),
    ((False, "numba is not installed"), (True, "ok"), "cupy"),
])
def test_the_rule_auto_takes_the_first_usable(numba, cupy, want):
    assert _backend.resolve("auto", engine.BACKENDS, _status(numba, cupy), ("cupy", "numba")) == want


def test_the_rule_falls_back_to_numpy_with_a_notice_and_refuses_the_unusable():
    said = []
    why = "numba is not installed"
    assert _backend.resolve("auto", engine.BACKENDS, _status((False, why)), ("cupy", "numba"), said.append) == "numpy"
    assert said == [f"backend auto: numba is not usable ({why}); using the NumPy reference (slower)"]
    with pytest.raises(ValueError, match=r"^backend 'numba' is not usable here: numba is not installed$"):
        _backend.resolve("numba", engine.BACKENDS, _status((False, why)), ("numba",))
    with pytest.raises(ValueError, match=r"got backend='gpu'"):
        _backend.resolve("gpu", engine.BACKENDS, _status((True, "ok")), ("numba",))
    # numpy is never probed
    assert _backend.resolve("numpy", engine.BACKENDS, lambda: 1 / 0, ("numba",)) == "numpy"


@pytest.mark.parametrize("disable", ["1", "0", ""])
def test_every_caller_applies_the_rule_the_same_way(monkeypatch, fresh_probe, disable):
    """ROBTHEORY_DISABLE_NUMBA and the "numba" refusal mean the same in the engine, the Philox
    stream and the closed-form grid."""
    from robtheory.mc import gpu, philox
    from robtheory.theory import _grid

    monkeypatch.setattr(gpu, "_probe", lambda: (False, "no CUDA device"))
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", disable)
    want = "numpy" if disable == "1" else "numba"
    assert engine.resolve_backend("auto") == philox._resolve_backend("auto") == _grid.grid_backend("auto") == want
    for resolve in (engine.resolve_backend, philox._resolve_backend, _grid.grid_backend):
        with pytest.raises(ValueError, match="got backend='gpu'"):
            resolve("gpu")
        if disable == "1":
            with pytest.raises(ValueError, match="'numba' is not usable here: disabled by ROBTHEORY_DISABLE_NUMBA"):
                resolve("numba")
        else:
            assert resolve("numba") == "numba"
