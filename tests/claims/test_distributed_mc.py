"""The Monte Carlo column on a dask.distributed cluster (``verify --scheduler``, issue 16 item 4).

A run's draws cut into pieces of its stream and combined must give exactly the serial run's totals
(and so its records), whatever the cut; a piece drawn from the wrong rows must be caught. The
distributed column runs on a real LocalCluster of worker processes and on a separately started
``dask scheduler`` + ``dask worker`` (their own processes, as on a real cluster), never a mock.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from robtheory import claims
from robtheory.classifiers import bayes
from robtheory.claims import draws as draws_mod
from robtheory.claims.draws import CallableDraw, LinearDraw, MarginalDraw, MomentsDraw, pieces
from robtheory.cli import main
from robtheory.mc import reference as ref
from robtheory.model import ThreatModel, ToyModel

from dask_cluster import external_cluster

#: One claim per kind of run: linear, Theorem 2.1's trade-off (linear + callable), callable,
#: mean (moments), frontier, training sets and trials (whole runs).
NAMES = ("claim_a", "theorem_2_1", "lemma_d4", "lemma_d2", "theorem_f", "mean_learner_curve",
         "schmidt_theorem_21")
N = 3000
SEED = 11


def _needs_dask():
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'robtheory[dask]')")


# ----------------------------------------------------------------------------- pieces (no dask)
MODEL = ToyModel(0.7, 0.02, 1000)  # mu = 0.63: accuracies far from 1; d = 1000: a NumPy unit is 1048 rows, so n = 5000 spans 5 units


def _stat(X, y):
    """Two per-sample statistics: y x1 and the squared first weak feature."""
    return np.column_stack([y * X[:, 0], X[:, 1] ** 2])


def _draws(start: int, n: int):
    threat = ThreatModel("linf", 0.1)
    clf = bayes(MODEL)
    w, b = ref.linear_weights(MODEL, clf)
    yield LinearDraw(SEED, start, n, MODEL, clf, threat, "numpy")
    yield LinearDraw(SEED, start, n, MODEL, clf, threat, "numba")
    yield CallableDraw(SEED, start, n, MODEL, lambda X: X @ w + b)
    yield MomentsDraw(SEED, start, n, MODEL, _stat, "numpy")
    yield MomentsDraw(SEED, start, n, MODEL, _stat, "numba")
    yield MarginalDraw(SEED, start, n, MODEL, "numpy")


def _same(a, b) -> bool:
    """Totals equal exactly (ints, floats and arrays bit for bit)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b and type(a) is type(b)


def _finished(draw, totals):
    """The quantities the records are computed from."""
    if isinstance(draw, MomentsDraw):
        return draws_mod.finish_moments(totals["parts"], draw.n)
    if isinstance(draw, MarginalDraw):
        return draw.totals(totals)
    return totals


@pytest.mark.parametrize("rows", [333, 1048, 2500, 10**6])
def test_pieces_combine_to_the_serial_totals(rows):
    """Counts equal the whole draw's for every cut; float sums too, bit for bit (pieces are whole units)."""
    for draw in _draws(3 * 2**40 + 17, 5000):
        parts = pieces(draw, rows)
        assert sum(p.n for p in parts) == draw.n and parts[0].start == draw.start
        assert all(a.start + a.n == b.start for a, b in zip(parts, parts[1:]))  # contiguous, in order
        combined = type(draw).combine([p.compute() for p in parts])
        whole = draw.compute()
        assert _same(_finished(draw, combined), _finished(draw, whole)), (type(draw).__name__, draw.backend
                                                                          if hasattr(draw, "backend") else "")


def test_counts_match_materialised_samples():
    """Independent of the draws: the counts of rows start .. start + n - 1 recomputed from the samples."""
    start, n = 5 * 2**40 + 3, 4000
    X, y = ref.sample_dataset(MODEL, n, SEED, start=start)
    clf = bayes(MODEL)
    w, b = ref.linear_weights(MODEL, clf)
    eps = 0.1
    margin = y * (X @ w + b)
    want_std = int(np.sum(margin > 0))
    want_rob = int(np.sum(margin - eps * np.abs(w).sum() > 0))
    for rows in (999, 4000):
        got = LinearDraw.combine([p.compute() for p in pieces(
            LinearDraw(SEED, start, n, MODEL, clf, ThreatModel("linf", eps), "numba"), rows)])
        assert (got["standard"], got["robust"]) == (want_std, want_rob)
    m = MarginalDraw(SEED, start, n, MODEL, "numpy")
    tot = m.totals(MarginalDraw.combine([p.compute() for p in pieces(m, 1100)]))
    assert tot["n_pos"] == int(np.sum(y > 0))
    assert tot["x1_eq_y_pos"] == int(np.sum((X[:, 0] == y) & (y > 0)))


def _shifted_pieces(draw, rows):
    """A planted bug: each piece's offset taken from row 0 instead of the draw's start."""
    step = draws_mod.piece_rows(draw, rows)
    return [draw.at(off, min(step, draw.n - off)) for off in range(0, draw.n, step)]


def _off_by_one_pieces(draw, rows):
    """A planted bug: every piece after the first starts one row late."""
    step = draws_mod.piece_rows(draw, rows)
    return [draw.at(draw.start + off + (off > 0), min(step, draw.n - off)) for off in range(0, draw.n, step)]


@pytest.mark.parametrize("bad", [_shifted_pieces, _off_by_one_pieces])
def test_a_wrong_piece_offset_is_caught(bad):
    """Negative control: pieces drawn from the wrong rows do not give the serial totals. A count
    cannot see every off-by-one (shifting a piece by a row swaps one row for another, which changes
    the count only when their indicators differ), so that plant is checked on the float sums here
    and on the whole column below; pieces from the wrong stream block change every total."""
    for draw in _draws(7 * 2**40, 5000):
        if bad is _off_by_one_pieces and isinstance(draw, (LinearDraw, CallableDraw)):
            continue
        wrong = type(draw).combine([p.compute() for p in bad(draw, 1048)])
        assert not _same(_finished(draw, wrong), _finished(draw, draw.compute())), type(draw).__name__


def test_piece_rows_validates():
    d = LinearDraw(SEED, 0, 10, MODEL, bayes(MODEL), None, "numpy")
    for bad in (0, -3, 1.5, True):
        with pytest.raises(ValueError, match="rows per piece"):
            pieces(d, bad)
    assert draws_mod.piece_rows(MomentsDraw(SEED, 0, 10, MODEL, _stat, "numpy"), 1) == ref.chunk_rows(MODEL.d)


# ----------------------------------------------------------------------------- the column on a cluster
def _column_results(runner=None, backend="numba"):
    from robtheory.claims.mc_column import MonteCarloColumn

    selected = [claims.get(n) for n in NAMES]
    col = MonteCarloColumn(selected, n=N, seed=SEED, backend=backend, runner=runner)
    rows = {c.name: col(c) for c in selected}
    out = {name: None if r is None else r.to_dict() for name, r in rows.items()}
    out["marginals"] = col.marginals()
    summary = col.summary()
    return json.dumps(out, sort_keys=True, default=str), summary


@pytest.fixture(scope="module")
def serial():
    return _column_results()


@pytest.fixture(scope="module")
def local_runner():
    _needs_dask()
    from robtheory.experiments.distributed import DistributedRunner

    with DistributedRunner(n_workers=2) as runner:
        yield runner


@pytest.mark.parametrize("rows", [700, pytest.param(None, marks=pytest.mark.slow),
                                  pytest.param(1500, marks=pytest.mark.slow)])
def test_local_cluster_equals_serial(serial, local_runner, rows, monkeypatch):
    """Every record of the column (counts, estimates, z, verdicts) and the marginals equal the serial
    run's, for several piece sizes (None: the default of ~2**28 normals, one piece per draw here)."""
    monkeypatch.setattr(local_runner, "piece_rows", rows)
    before = local_runner.pieces_total
    got, summary = _column_results(local_runner)
    assert got == serial[0]
    assert summary["executor"] == "dask.distributed (LocalCluster, 2 worker processes)"
    assert serial[1]["executor"] == "serial"
    assert {k: v for k, v in summary.items() if k != "executor"} == \
        {k: v for k, v in serial[1].items() if k != "executor"}
    if rows == 700:  # the draws were cut: more tasks than runs
        assert local_runner.pieces_total - before > 3 * len(NAMES)


def _malloc_trim():
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_workers_keep_the_adaptive_mmap_threshold(local_runner):
    """dask's nannies set MALLOC_TRIM_THRESHOLD_ (glibc then mmaps every large NumPy temporary anew:
    twice the CPU time of a NumPy-sampled piece); the runner's own workers start without it."""
    assert set(local_runner.client.run(_malloc_trim).values()) == {None}


def test_local_cluster_catches_a_wrong_offset(serial, local_runner, monkeypatch):
    """The same comparison with the planted offset bug fails (the check can fail)."""
    monkeypatch.setattr(local_runner, "piece_rows", 1000)
    monkeypatch.setattr(draws_mod, "pieces", lambda d, rows: _off_by_one_pieces(d, rows))
    got, _ = _column_results(local_runner)
    assert got != serial[0]


def _verify_json(tmp_path, name, *extra):
    path = tmp_path / f"{name}.json"
    code = main(["verify", "--claim", "claim_a", "--claim", "lemma_d2", "--no-proofs", "--no-torch",
                 "--n", "3e3", "--seed", str(SEED), "--json", str(path), *extra])
    data = json.loads(path.read_text())
    for row in data["claims"]:
        row.pop("seconds")
    return code, data


def test_cli_local_cluster_default(tmp_path, capsys):
    """verify --scheduler local: the JSON equals the serial run's but for the executor."""
    _needs_dask()
    code_s, ser = _verify_json(tmp_path, "serial")
    code_d, dis = _verify_json(tmp_path, "local", "--scheduler", "local", "--chunk", "700")
    out = capsys.readouterr().out
    assert "computed on dask.distributed (LocalCluster, 2 worker processes)" in out
    assert code_s == code_d
    assert ser["mc"].pop("executor") == "serial" and dis["mc"].pop("executor").startswith("dask.distributed")
    assert ser == dis


@pytest.mark.slow
def test_external_scheduler_gives_the_serial_results(serial, tmp_path):
    """A separately started scheduler and two workers (their own processes): the column's records
    equal the serial run's, and so does verify --scheduler ADDRESS's JSON."""
    _needs_dask()
    from robtheory.experiments.distributed import DistributedRunner

    with external_cluster(tmp_path, workers=2) as addr:
        with DistributedRunner(addr, piece_rows=1000) as runner:
            assert runner.workers == 2 and runner.executor == f"dask.distributed ({addr})"
            got, summary = _column_results(runner)
        assert got == serial[0] and summary["executor"] == f"dask.distributed ({addr})"
        code_s, ser = _verify_json(tmp_path, "serial")
        code_d, dis = _verify_json(tmp_path, "external", "--scheduler", addr)
        assert code_s == code_d and dis["mc"].pop("executor") == f"dask.distributed ({addr})"
        ser["mc"].pop("executor")
        assert ser == dis


# ----------------------------------------------------------------------------- errors
@pytest.mark.slow
def test_unreachable_scheduler_is_one_line(capsys):
    """Nothing listens at port 1: exit 2 after the 10 s connect timeout, one line naming the option."""
    _needs_dask()
    code = main(["verify", "--claim", "claim_a", "--no-proofs", "--no-torch", "--n", "100",
                 "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--scheduler 'tcp://127.0.0.1:1': cannot connect" in err


def test_missing_dask_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["verify", "--claim", "claim_a", "--no-proofs", "--no-torch", "--n", "100", "--scheduler", "local"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'robtheory[dask]'" in err


def _exit_code(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own errors
        return exc.code


@pytest.mark.parametrize("argv, message", [
    (["--workers", "3"], "--workers is only used with --scheduler"),
    (["--chunk", "1000"], "--chunk is only used with --scheduler"),
    (["--scheduler", "local", "--no-mc"], "cannot be combined with --no-mc"),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers sets the size of --scheduler local"),
    (["--scheduler", "local", "--chunk", "0"], "--chunk"),
])
def test_cluster_option_errors(argv, message, capsys):
    code = _exit_code(["verify", "--claim", "claim_a", "--no-proofs", "--no-torch", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err


def test_dask_not_imported_by_the_column():
    code = ("import sys, robtheory.claims.mc_column, robtheory.claims.draws, robtheory.cli.verify, "
            "robtheory.experiments.distributed; "
            "sys.exit(int('dask' in sys.modules or 'distributed' in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
