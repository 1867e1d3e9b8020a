"""Where numba keeps robtheory's compiled kernels: a per-user cache directory, never the package.

numba's ``cache=True`` writes its files next to the source, in the package's ``__pycache__``. For an
installed robtheory that is ``site-packages/robtheory/...``: pip's uninstall does not know those
files, so after ``pip install .`` and then ``pip install -e .`` the left-over
``site-packages/robtheory/mc/__pycache__`` turned ``robtheory`` into an empty namespace package that
hid the editable install. So robtheory's kernels are cached in

* ``$ROBTHEORY_CACHE_DIR`` when set, else
* ``$XDG_CACHE_HOME/robtheory/numba`` (``~/.cache/robtheory/numba`` when XDG_CACHE_HOME is unset;
  ``%LOCALAPPDATA%\\robtheory\\numba`` on Windows, ``~/Library/Caches/robtheory/numba`` on macOS),

one sub-folder per source folder (named after it plus a hash of its path, numba's own scheme), so an
editable checkout and an installed copy never share files. ``robtheory cache`` prints the folder and
its size; ``robtheory cache --clear`` (or deleting the folder) clears it.

Mechanism: numba picks a cache folder by asking its cache-locator classes in turn
(``numba.core.caching.CacheImpl._locator_classes``). :func:`numba_cache` puts one locator in front
of that list that answers only for source files inside this package; every other library's
functions fall through to numba's own locators, so numba's global settings are unchanged. That list
is private to numba: if it is missing (another numba version), if ``NUMBA_CACHE_LOCATOR_CLASSES``
overrides it, or if the cache folder cannot be written, robtheory compiles without an on-disk cache
(a one-line notice on stderr says why) rather than write into the package.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["ENV_VAR", "cache_dir", "cache_status", "clear_cache", "numba_cache"]

#: Environment variable that overrides the cache folder.
ENV_VAR = "ROBTHEORY_CACHE_DIR"
#: The folder of the installed (or checked-out) package; nothing is cached below it.
PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """The folder for robtheory's compiled kernels (see the module docstring)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return (base / "robtheory" / "numba").resolve()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _make_locator(caching, root: Path, package_dir: Path):
    """A numba cache-locator class that sends functions defined under ``package_dir`` to ``root``."""

    class RobtheoryCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(root / self.get_suitable_cache_subpath(py_file))

        def get_cache_path(self):
            return self._cache_path

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _inside(Path(py_file).resolve(), package_dir):
                return None  # not robtheory's: numba's own locators decide
            return super().from_function(py_func, py_file)

    return RobtheoryCacheLocator


def _install(caching, root: Path, package_dir: Path = PACKAGE_DIR) -> tuple[bool, str]:
    """Put the locator for ``package_dir`` in front of numba's list; ``(on, reason)``."""
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    classes = getattr(impl, "_locator_classes", None)
    if not isinstance(classes, list) or not all(
            hasattr(caching, n) for n in ("_CacheLocator", "_SourceFileBackedLocatorMixin")):
        return False, "this numba has no cache-locator list (numba.core.caching.CacheImpl._locator_classes)"
    override = getattr(getattr(caching, "config", None), "CACHE_LOCATOR_CLASSES", None)
    if override:
        return False, f"NUMBA_CACHE_LOCATOR_CLASSES={override!r} replaces numba's cache-locator list"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=root).close()
    except OSError as exc:
        return False, f"cannot write the cache folder {str(root)!r} ({exc.strerror or exc}); set {ENV_VAR}"
    classes.insert(0, _make_locator(caching, root, package_dir))
    return True, f"compiled kernels are cached in {root}"


@functools.cache
def _state() -> tuple[bool, str]:
    from numba.core import caching

    on, reason = _install(caching, cache_dir())
    if not on:
        print(f"robtheory: numba kernels are not cached on disk: {reason}", file=sys.stderr)
    return on, reason


def numba_cache() -> bool:
    """The ``cache=`` flag for robtheory's numba decorators (call it before decorating).

    True once the per-user locator is in place; False (compile in memory only) when it cannot be,
    so that a cache is never written inside the package.
    """
    return _state()[0]


#: The suffixes of numba's cache files (an index and the compiled code).
_SUFFIXES = (".nbi", ".nbc")


def _cache_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file()]


def cache_status() -> dict:
    """``{"dir", "files", "bytes"}``: numba's cache files in the cache folder (which may not exist yet)."""
    root = cache_dir()
    files = _cache_files(root)
    return {"dir": str(root), "files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def clear_cache() -> dict:
    """Delete numba's cache files (``*.nbi``, ``*.nbc``) in the cache folder, then the folders left
    empty; nothing else is touched, whatever ``ROBTHEORY_CACHE_DIR`` points at. Returns
    :func:`cache_status` as it was before."""
    before = cache_status()
    root = Path(before["dir"])
    for f in _cache_files(root):
        f.unlink()
    if root.is_dir():
        for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            if not any(folder.iterdir()):
                folder.rmdir()
        if not any(root.iterdir()):
            root.rmdir()
    return before
