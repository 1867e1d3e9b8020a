"""Fixtures and settings every test module shares.

The test seed
-------------
A test that draws random numbers and is correct for every seed (a statistical test whose
tolerance comes from its sample size and a stated false-alarm rate) asks for the ``seed``
fixture instead of writing a number. The seed is :data:`DEFAULT_TEST_SEED` unless a run chooses
another, to rerun the suite on fresh samples or to replay a failure:

    python -m pytest --seed 12345 ...          # or: ROBTHEORY_TEST_SEED=12345 python -m pytest ...

(the option wins over the variable). The seed in use is printed in the report header, and again
under any failing test that used it. The fixture is session-scoped (one seed per run), so module-
and session-scoped fixtures may ask for it too.

Hypothesis profiles
-------------------
``dev``: quick (:data:`DEV_EXAMPLES` examples per property, no deadline), for the edit-test loop.
``ci``: thorough (:data:`CI_EXAMPLES` examples, at least every count the properties used before the
profiles existed; no deadline) and ``derandomize=True``, so a CI run is reproducible.
``HYPOTHESIS_PROFILE`` picks one; without it, ``ci`` when the variable ``CI`` is set (as CI
services do) and ``dev`` otherwise. ``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``. A property that
needs another count than the profile's says so inline (``@settings(max_examples=...)``, with a
comment why); every other setting still comes from the profile.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from typing import Any

import pytest

#: The seed of the ``seed`` fixture when neither ``--seed`` nor ROBTHEORY_TEST_SEED is given.
DEFAULT_TEST_SEED = 0
#: The environment variable that overrides the default test seed (``--seed`` overrides both).
SEED_ENV = "ROBTHEORY_TEST_SEED"

#: Examples per property in the two hypothesis profiles.
DEV_EXAMPLES = 20
CI_EXAMPLES = 200


def _profile_from_env(env: Mapping[str, str]) -> str:
    """The hypothesis profile a run uses: HYPOTHESIS_PROFILE, else ``ci`` if CI is set, else ``dev``."""
    chosen = env.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    ci = env.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    _hypothesis_settings = None

if _hypothesis_settings is not None:
    _hypothesis_settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None)
    _hypothesis_settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=True,
                                          database=None, print_blob=True)
    # Loaded here, before any test module is imported, so that inline @settings(...) in the
    # test modules inherit everything they do not set from the chosen profile.
    _hypothesis_settings.load_profile(_profile_from_env(os.environ))


def _parse_seed(text: str, source: str) -> int:
    """A seed in [0, 2**64) from ``text``; a UsageError naming ``source`` otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"{source} must be an integer in [0, 2**64), got {text!r}") from None
    if not 0 <= value < 2**64:
        raise pytest.UsageError(f"{source} must be an integer in [0, 2**64), got {text!r}")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", action="store", default=None, metavar="N",
                     help=f"seed of the 'seed' fixture (default: ${SEED_ENV}, else {DEFAULT_TEST_SEED})")


_SEED_KEY = pytest.StashKey[tuple[int, str]]()


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("--seed")
    env = os.environ.get(SEED_ENV, "").strip()
    if option is not None:
        seed, origin = _parse_seed(option, "--seed"), "--seed"
    elif env:
        seed, origin = _parse_seed(env, SEED_ENV), SEED_ENV
    else:
        seed, origin = DEFAULT_TEST_SEED, "default"
    config.stash[_SEED_KEY] = (seed, origin)


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed, origin = config.stash[_SEED_KEY]
    lines = [f"robtheory test seed: {seed} ({origin}; rerun with --seed {seed} or {SEED_ENV}={seed})"]
    if _hypothesis_settings is not None:  # (hypothesis prints its own line only with -v)
        lines.append(f"hypothesis profile: {_hypothesis_settings.get_current_profile_name()} "
                     f"(HYPOTHESIS_PROFILE, else 'ci' when CI is set, else 'dev')")
    return lines


@pytest.fixture(scope="session")
def seed(request: pytest.FixtureRequest) -> int:
    """The run's test seed (module doc): DEFAULT_TEST_SEED, ROBTHEORY_TEST_SEED or --seed."""
    return request.config.stash[_SEED_KEY][0]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    params = getattr(getattr(item, "callspec", None), "params", {})
    if report.failed and "seed" in getattr(item, "fixturenames", ()) and "seed" not in params:
        seed = item.config.stash[_SEED_KEY][0]
        report.sections.append(("robtheory test seed", f"this test used seed {seed}: rerun with --seed {seed}"))


@pytest.fixture
def torch_one_thread():
    """torch on one intra-op thread for the duration of a test (the models are tiny; two threads on a
    loaded two-core machine are slower), restored afterwards. Imports torch only when used."""
    torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _verify_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """``robtheory verify`` checks its analytic column in a helper process when it has other columns
    (robtheory.claims.verify._AnalyticAhead). A helper process would not see a test's monkeypatches,
    and under ``pytest -n auto`` every core already runs a test: tests run it in-process.
    tests/claims/test_verify_parallel.py switches the helper back on and compares."""
    monkeypatch.setenv("ROBTHEORY_VERIFY_PROCESSES", "0")
