"""``python -m robtheory``: the same as the ``robtheory`` console script.

``proofs/`` and ``validation/`` sit at the top of the repository and become ``robtheory.proofs`` and
``robtheory.validation`` only through an install (``pip install -e .`` maps them). Run from a
checkout that was never installed, ``python -m robtheory`` says so in one line (exit status 2)
instead of failing later with ``No module named robtheory.proofs``.
"""

import importlib.util
import sys
from pathlib import Path


def _not_installed() -> str | None:
    """One line telling how to install, if the mapped subpackages cannot be found; else None."""
    missing = [name for name in ("robtheory.proofs", "robtheory.validation")
               if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    root = Path(__file__).resolve().parent.parent
    where = f"cd {root} && " if (root / "pyproject.toml").is_file() else ""
    return (f"robtheory: {', '.join(missing)} not found: this checkout is not installed; "
            f"run `{where}pip install -e .` first")


if __name__ == "__main__":
    message = _not_installed()
    if message is not None:
        print(message, file=sys.stderr)
        sys.exit(2)

    from robtheory.cli import main

    sys.exit(main())
