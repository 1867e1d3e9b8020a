"""The shared test settings of tests/conftest.py: the ``seed`` fixture and the hypothesis profiles.

Each check runs pytest in a subprocess on a scratch directory holding a copy of the conftest and
a small test module, so the options, the environment and the report header are those a user
sees.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import conftest
import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"  # tests/conftest.py

PROBE = '''
import os
import pytest
from hypothesis import settings


@pytest.fixture(scope="module")
def module_level(seed):
    return seed


def test_module_fixture_may_use_the_seed(module_level, seed):
    assert module_level == seed


@pytest.mark.parametrize("seed", [5])
def test_parametrized_seed_is_not_the_run_seed(seed):
    assert os.environ.get("PROBE_FAIL") != "1"

def test_seed(seed):
    with open(os.environ["PROBE_OUT"], "w") as f:
        f.write(f"{seed} {settings.default.max_examples} {settings.default.derandomize} "
                f"{settings.default.deadline}")

def test_fails_with_seed(seed):
    assert os.environ.get("PROBE_FAIL") != "1"
'''


def run_probe(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str],
                                                                                   list[str]]:
    """Run the probe module under a copy of the conftest; (the process, the fields test_seed wrote)."""
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "probe.txt"
    base = {k: v for k, v in os.environ.items()
            if k not in ("CI", "HYPOTHESIS_PROFILE", "ROBTHEORY_TEST_SEED", "PYTEST_ADDOPTS")}
    base.update(env or {}, PROBE_OUT=str(out))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args, "test_probe.py"],
                          cwd=tmp_path, env=base, capture_output=True, text=True, timeout=120)
    return proc, (out.read_text().split() if out.exists() else [])


def test_default_seed_is_documented_and_printed(tmp_path):
    proc, fields = run_probe(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert fields[0] == "0"
    assert "robtheory test seed: 0 (default" in proc.stdout


def test_env_variable_then_option_override_the_seed(tmp_path):
    proc, fields = run_probe(tmp_path, env={"ROBTHEORY_TEST_SEED": "7"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert fields[0] == "7"
    assert "robtheory test seed: 7 (ROBTHEORY_TEST_SEED" in proc.stdout
    proc, fields = run_probe(tmp_path, "--seed", "123456789012", env={"ROBTHEORY_TEST_SEED": "7"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert fields[0] == "123456789012"
    assert "robtheory test seed: 123456789012 (--seed" in proc.stdout


@pytest.mark.parametrize("bad", ["x", str(2**64)])
def test_bad_seed_is_a_usage_error_naming_the_option(tmp_path, bad):
    proc, fields = run_probe(tmp_path, f"--seed={bad}")
    assert proc.returncode == 4  # pytest's usage-error status
    assert f"--seed must be an integer in [0, 2**64), got {bad!r}" in proc.stderr
    assert fields == []
    proc, fields = run_probe(tmp_path, env={"ROBTHEORY_TEST_SEED": bad})
    assert proc.returncode == 4
    assert f"ROBTHEORY_TEST_SEED must be an integer in [0, 2**64), got {bad!r}" in proc.stderr


def test_failing_test_reports_its_seed(tmp_path):
    proc, _ = run_probe(tmp_path, "--seed", "31", env={"PROBE_FAIL": "1"})
    assert proc.returncode == 1
    assert "2 failed, 2 passed" in proc.stdout
    # under the test that used the run's seed, not under the one that parametrizes its own
    assert proc.stdout.count("this test used seed 31: rerun with --seed 31") == 1


@pytest.mark.parametrize(("env", "profile"), [
    ({}, "dev"),
    ({"CI": "false"}, "dev"),
    ({"CI": "true"}, "ci"),
    ({"CI": "1", "HYPOTHESIS_PROFILE": "dev"}, "dev"),
    ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
])
def test_profile_choice(env, profile):
    assert conftest._profile_from_env(env) == profile


@pytest.mark.parametrize(("env", "profile"), [({}, "dev"), ({"CI": "true"}, "ci")])
def test_hypothesis_profile_is_loaded_from_the_environment(tmp_path, env, profile):
    proc, fields = run_probe(tmp_path, "-k", "test_seed", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"hypothesis profile: {profile} " in proc.stdout
    _, examples, derandomize, deadline = fields
    if profile == "ci":
        # thorough and reproducible: at least the largest count any property used before profiles
        assert (int(examples), derandomize, deadline) == (200, "True", "None")
    else:
        assert (int(examples), derandomize, deadline) == (20, "False", "None")
