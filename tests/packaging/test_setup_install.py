"""The set-up of the README leaves a working install.

numba's compiled kernels once landed in the package's ``__pycache__`` folders; after ``pip install .``
then ``pip install -e .`` the left-over ``site-packages/robtheory/mc/__pycache__`` shadowed the editable
install as a namespace package. These tests check the mechanism that prevents it: robtheory's kernels
are cached in the per-user folder of :mod:`robtheory._cache`, nothing is written under the package,
other libraries' numba caches are left where numba puts them, and a checkout run without an install
says so in one line. (``.ci/run`` checks the real sequence of README commands in a fresh venv.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "robtheory"
NUMBA_FILES = (".nbi", ".nbc")


def _copy_package(dest: Path) -> Path:
    """A copy of the robtheory package (sources only) under ``dest``."""
    shutil.copytree(PKG, dest / "robtheory", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nb?"))
    return dest / "robtheory"


def _run(code_or_args, cwd: Path, env_extra: dict, isolated_site: bool = False, timeout: float = 300):
    env = dict(os.environ)
    env.update(env_extra)
    env.setdefault("NUMBA_NUM_THREADS", "1")
    args = [sys.executable]
    if isolated_site:
        # -S: no site module, so no .pth file runs (no editable-install finder); the directories
        # the .pth files added (numpy, numba, ...) are passed explicitly instead.
        args.append("-S")
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
    args += code_or_args
    return subprocess.run(args, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _numba_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in NUMBA_FILES]


def test_compiled_kernels_are_cached_outside_the_package(tmp_path):
    """Compile a kernel of each module that caches (Philox, the grid ufuncs, the SVM solver) from a
    fresh copy of the package: the cache files appear under ROBTHEORY_CACHE_DIR, none under the copy.
    (On the old code, cache=True wrote them into the copy's __pycache__ folders.)"""
    pkg = _copy_package(tmp_path / "site")
    cache = tmp_path / "cache"
    code = textwrap.dedent("""
        import numpy as np
        import robtheory
        from robtheory.mc import _philox_numba as pn
        from robtheory import _cache, training
        from robtheory.theory import _grid_numba as gn
        assert robtheory.__file__.startswith(%r), robtheory.__file__
        assert _cache.numba_cache() is True
        pn.philox4x32_nb(1, 2, 3, 4, 5, 6)
        gn.kernel(0, False)(0.9, 0.1, 0.5, 1.0, 1.0)
        Z = np.array([[1.0, 0.5], [0.8, -0.2], [1.0, 1.0]])
        training._dcd_standard(Z, 0.1, 1e-6)
    """) % str(pkg)
    r = _run(["-c", code], tmp_path, {"PYTHONPATH": str(tmp_path / "site"), "ROBTHEORY_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert _numba_files(pkg) == [], "numba wrote cache files inside the package"
    written = {p.parent.name.split("_")[0] for p in _numba_files(cache) if p.suffix == ".nbi"}
    assert written == {"mc", "theory", "training"}, sorted(map(str, _numba_files(cache)))
    names = " ".join(p.name for p in _numba_files(cache))
    for kernel in ("philox4x32_nb", "acc5", "_dcd_standard"):
        assert kernel in names, names


def test_other_libraries_keep_numbas_own_cache_location(tmp_path):
    """robtheory's locator answers only for its own files: another module's cache=True function is
    still cached where numba puts it (its own __pycache__), not in robtheory's folder."""
    other = tmp_path / "otherlib"
    other.mkdir()
    (other / "mod.py").write_text("from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
    cache = tmp_path / "cache"
    code = ("import robtheory._cache as c; assert c.numba_cache()\n"
            "import mod; assert mod.f(1) == 2\n")
    r = _run(["-c", code], tmp_path, {"PYTHONPATH": str(other), "ROBTHEORY_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    assert [p.name.split(".")[0] for p in _numba_files(other / "__pycache__")] == ["mod", "mod"]
    assert not cache.exists() or _numba_files(cache) == []


def test_locator_falls_back_to_no_cache_with_a_reason(tmp_path):
    """Without numba's private locator list, with NUMBA_CACHE_LOCATOR_CLASSES set, or with an
    unwritable folder, robtheory compiles without a disk cache rather than write into the package."""
    from numba.core import caching

    from robtheory._cache import _install

    on, why = _install(types.SimpleNamespace(), tmp_path)
    assert not on and "cache-locator list" in why
    fake = types.SimpleNamespace(CacheImpl=types.SimpleNamespace(_locator_classes=[]),
                                 _CacheLocator=caching._CacheLocator,
                                 _SourceFileBackedLocatorMixin=caching._SourceFileBackedLocatorMixin,
                                 config=types.SimpleNamespace(CACHE_LOCATOR_CLASSES="x.Y"))
    on, why = _install(fake, tmp_path)
    assert not on and "NUMBA_CACHE_LOCATOR_CLASSES" in why and fake.CacheImpl._locator_classes == []
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    fake.config.CACHE_LOCATOR_CLASSES = ""
    on, why = _install(fake, blocker / "cache")
    assert not on and "cannot write the cache folder" in why and fake.CacheImpl._locator_classes == []
    on, why = _install(fake, tmp_path / "cache")
    assert on and len(fake.CacheImpl._locator_classes) == 1


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    from robtheory._cache import cache_dir

    monkeypatch.setenv("ROBTHEORY_CACHE_DIR", str(tmp_path / "x"))
    assert cache_dir() == (tmp_path / "x").resolve()
    monkeypatch.delenv("ROBTHEORY_CACHE_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == (tmp_path / "xdg" / "robtheory" / "numba").resolve()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == (tmp_path / "home" / ".cache" / "robtheory" / "numba").resolve()


def test_no_numba_decorator_caches_next_to_the_source():
    """Every cached numba decorator takes its flag from robtheory._cache.numba_cache(), which first
    points the cache at the per-user folder; a bare cache=True would write into the package."""
    bad = []  # proofs/ and validation/ are installed inside the package too (robtheory.proofs, .validation)
    for path in [f for folder in (PKG, ROOT / "proofs", ROOT / "validation") for f in folder.rglob("*.py")]:
        if path.name == "_cache.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""(\bcache\s*=\s*True|["']cache["']\s*:\s*True)""", line):
                bad.append(f"{path.relative_to(ROOT)}:{i}")
    assert bad == []


def test_cache_command_lists_and_clears_only_numba_files(tmp_path):
    cache = tmp_path / "cache"
    (cache / "mc_x").mkdir(parents=True)
    (cache / "mc_x" / "k.nbi").write_bytes(b"1234")
    (cache / "mc_x" / "k.1.nbc").write_bytes(b"12")
    (cache / "keep.txt").write_text("not numba's")
    env = {"ROBTHEORY_CACHE_DIR": str(cache)}
    r = _run(["-m", "robtheory", "cache"], tmp_path, env)
    assert r.returncode == 0 and r.stdout.strip() == f"{cache.resolve()} holds 2 files, 0.0 MiB", r
    r = _run(["-m", "robtheory", "cache", "--clear"], tmp_path, env)
    assert r.returncode == 0 and "deleted 2 files" in r.stdout, r
    assert sorted(p.name for p in cache.rglob("*")) == ["keep.txt"]


def test_python_m_from_a_checkout_never_installed_says_install(tmp_path):
    """A checkout that was never installed has no robtheory.proofs (pyproject maps proofs/ there
    at install): python -m robtheory says so in one line, exit 2, instead of a traceback."""
    checkout = tmp_path / "checkout"
    _copy_package(checkout)
    shutil.copy(ROOT / "pyproject.toml", checkout)
    shutil.copytree(ROOT / "proofs", checkout / "proofs", ignore=shutil.ignore_patterns("__pycache__"))
    r = _run(["-m", "robtheory", "verify", "--claim", "claim_a", "--no-mc"], checkout,
             {"ROBTHEORY_CACHE_DIR": str(tmp_path / "cache")}, isolated_site=True)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install -e ." in lines[0] and "robtheory.proofs" in lines[0], r.stderr
    assert r.stdout == ""


def test_python_m_works_when_installed(tmp_path):
    r = _run(["-m", "robtheory", "accuracy", "--p", "0.9", "--eta", "0.1", "--d", "4", "--classifier",
              "robust", "--json"], tmp_path, {})
    assert r.returncode == 0, r.stderr
    assert '"standard_accuracy": 0.9' in r.stdout
