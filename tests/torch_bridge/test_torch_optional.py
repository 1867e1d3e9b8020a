"""torch stays optional: robtheory imports, lists experiments and verifies without it."""

from __future__ import annotations

import subprocess
import sys

BLOCK = "import sys; sys.modules['torch'] = None; "


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, timeout=300, check=False)


def test_import_and_catalogue_without_torch():
    r = _run("import robtheory, robtheory.torch_bridge as tb, robtheory.torch_bridge.experiments as ex; "
             "assert not tb.torch_available(); print(len(ex.CATALOGUE)); "
             "assert 'torch' not in [k for k, v in sys.modules.items() if v is not None]")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "7"


def test_cli_without_torch_lists_and_refuses_to_run_with_a_hint(tmp_path):
    r = _run("from robtheory.cli import main; raise SystemExit(main(['torch', 'list']))")
    assert r.returncode == 0 and r.stdout.startswith("toy")
    r = _run(f"from robtheory.cli import main; raise SystemExit(main(['torch', 'toy', '--out', {str(tmp_path)!r}]))")
    assert r.returncode == 2 and "robtheory[torch]" in r.stderr


def test_import_robtheory_does_not_import_torch():
    code = "import sys, robtheory, robtheory.cli; print('torch' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "False"
