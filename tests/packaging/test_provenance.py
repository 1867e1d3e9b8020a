"""One provenance record (robtheory._provenance) for every output that carries provenance.

The record's facts are checked against independent sources (git run here, the libraries' own
``__version__``, the clock); then every output is shown to carry *that* record: the commit is
replaced by a sentinel in the one home, and each output (phase grid, benchmark, report footer,
the validation campaigns, the torch experiments) must show the sentinel.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy

import robtheory
from robtheory import _provenance
from robtheory._provenance import Provenance, netcdf_attrs, provenance

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "c0ffee1"
KEYS = set(Provenance.__annotations__)


def test_the_record_states_the_facts():
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    prov = provenance()
    after = dt.datetime.now(dt.timezone.utc)
    assert set(prov) == KEYS == {"robtheory_version", "commit", "date", "python", "numpy", "scipy", "numba",
                                 "machine"}
    assert prov["robtheory_version"] == robtheory.__version__
    assert (prov["numpy"], prov["scipy"], prov["numba"]) == (np.__version__, scipy.__version__, numba.__version__)
    assert prov["python"] == "{}.{}.{}".format(*sys.version_info[:3])
    stamp = dt.datetime.strptime(prov["date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert before <= stamp <= after
    assert prov["machine"]["nproc"] >= 1 and prov["machine"]["cpu_model"]
    assert prov["machine"]["architecture"] == platform.machine()
    if shutil.which("git") is None:
        pytest.skip("no git here")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        assert prov["commit"] is None
    else:
        assert prov["commit"] and head.stdout.strip().startswith(prov["commit"])


def test_no_git_gives_none_and_netcdf_says_unknown(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(_provenance.subprocess, "run", no_git)
    prov = provenance()
    assert prov["commit"] is None
    attrs = netcdf_attrs(prov)
    assert attrs["commit"] == "unknown" and "machine" not in attrs
    assert all(isinstance(v, str) for v in attrs.values())


@pytest.fixture
def sentinel_commit(monkeypatch):
    """The one home reports a sentinel commit: an output that shows it took its provenance there."""
    monkeypatch.setattr(_provenance, "git_commit", lambda: SENTINEL)
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def _assert_record(prov):
    assert KEYS <= set(prov), KEYS - set(prov)
    assert prov["commit"] == SENTINEL


def test_phase_grid_attrs(sentinel_commit):
    from robtheory.phase import phase_grid

    ds = phase_grid([0.9], [10], eta=[0.1], eps=[0.2])
    assert ds.attrs["commit"] == SENTINEL
    assert {k for k in KEYS if k != "machine"} <= set(ds.attrs)


def test_bench(sentinel_commit):
    from robtheory.experiments.bench import machine_info, run_benchmark

    report = run_benchmark(quick=True, backends=("numpy",))
    assert report["commit"] == SENTINEL
    prov = provenance()
    info = machine_info(prov)
    assert all(info[k] == v for k, v in prov["machine"].items())
    assert (info["numpy"], info["numba"], info["python"]) == (prov["numpy"], prov["numba"], prov["python"])


def test_report_footer(sentinel_commit, tmp_path):
    from robtheory.viz.report import write_report

    row = {"name": "x", "reference": "r", "statement": "s", "notes": "",
           "analytic": {"passed": True, "n_points": 1, "detail": "stub"}}
    text = write_report(tmp_path, [row], []).read_text()
    assert f"(commit {SENTINEL};" in text and f"NumPy {np.__version__}" in text


@pytest.mark.parametrize("script, argv, name", [
    ("training_convergence", ["--ns", "60", "--seeds", "1", "--d", "8", "--eta", "0.5", "--eps-train", "0.5"],
     "training_convergence.json"),
    ("linear_campaign", ["--n", "2000", "--grid", "small", "--backend", "numpy"], "linear_campaign.json"),
    ("claims_campaign", ["--n", "2000", "--grid", "small", "--claim", "theorem_2_1", "--backend", "numpy"],
     "claims_campaign.json"),
])
def test_validation_scripts(sentinel_commit, tmp_path, script, argv, name):
    import importlib

    mod = importlib.import_module(f"robtheory.validation.{script}")
    assert mod.main([*argv, "--out", str(tmp_path)]) == 0
    _assert_record(json.loads((tmp_path / name).read_text())["provenance"])


def test_torch_metrics(sentinel_commit, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from types import SimpleNamespace

    from robtheory.torch_bridge import experiments

    # the run's bookkeeping around a stub experiment (the real ones train models for a minute)
    stub = SimpleNamespace(name="stub", figure="-", summary="-",
                           load=lambda: lambda ctx: {"effect": {"reproduced": True}})
    monkeypatch.setattr(experiments, "get", lambda name: stub)
    metrics = experiments.run_experiment("stub", tmp_path, quick=True, seed=0, threads=1)
    assert metrics["commit"] == SENTINEL
    assert metrics["versions"]["numpy"] == np.__version__
    assert json.loads((tmp_path / "metrics.json").read_text())["commit"] == SENTINEL
