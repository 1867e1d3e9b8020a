"""Command-line errors found by the CLI audit: one line on stderr and status 2 (never a traceback),
output paths checked before any work, strict JSON, exit status 1 when a test fails, messages
that name the option and value the user gave, and help that says what the commands do."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from robtheory.cli import main

MC = ["--p", "0.9", "--eta", "0.2", "--d", "20", "--eps", "0.1", "--classifier", "bayes"]
PHASE = ["--p", "0.95", "--mu", "1,4", "--eps-over-eta", "2", "--d", "100"]


def run(argv, capsys):
    """``main(argv)``: exit status (argparse errors included), stdout, stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(argv, capsys, *needles):
    code, out, err = run(argv, capsys)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def strict_json(text: str):
    """Parse as JSON proper: Infinity, -Infinity and NaN are not JSON."""
    def reject(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=reject)


# ----------------------------------------------------------------------------- 1. grid size
def test_phase_refuses_a_grid_beyond_the_memory_limit_before_allocating(capsys, tmp_path):
    # 10^9 points: the audit's repro was OOM-killed after 45 s; now refused at once
    err = one_line_error(["phase", "--p", "0.95", "--mu", "log:1:10:1000000000", "--eps-over-eta", "2",
                          "--d", "100", "--out", str(tmp_path / "o")], capsys, "1000000000 points", "GiB", "--mu")
    assert "half the physical memory" in err


def test_phase_grid_and_parse_spec_check_the_size_too(monkeypatch):
    from robtheory import phase

    monkeypatch.setattr(phase, "memory_limit", lambda: 100 * phase.BYTES_PER_POINT)
    with pytest.raises(ValueError, match="101 points"):
        phase.parse_spec("0:1:101", "--eta")
    assert phase.parse_spec("0:1:100", "--eta").size == 100
    assert phase.spec_length("log:1:10:1000000000000") == 10**12  # counted, not built
    with pytest.raises(ValueError, match="120 points"):
        phase.phase_grid([0.9, 0.95], [10, 20, 30], eta=np.linspace(0, 1, 20), eps=[0.1])


# ----------------------------------------------------------------------------- 2. output paths
def _bad_outputs(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    bad = [("", "empty"), (str(afile), "not a directory"), (str(afile / "sub"), "cannot write")]
    if os.path.isdir("/proc"):
        bad.append(("/proc/x", "cannot write"))
    return bad


OUT_COMMANDS = {
    "frontier": ["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100"],
    "phase": ["phase", *PHASE],
    "prove": ["prove"],
    "report": ["report", "--no-mc", "--no-proofs", "--no-torch"],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_bad_out_directory_is_one_line_before_any_work(command, capsys, tmp_path, monkeypatch):
    from robtheory import phase
    from robtheory.proofs import _certificate

    def no_work(*a, **k):
        raise AssertionError("the output path must be checked first")

    monkeypatch.setattr(_certificate, "run_all", no_work)
    monkeypatch.setattr(phase, "phase_grid", no_work)
    for path, why in _bad_outputs(tmp_path):
        err = one_line_error([*OUT_COMMANDS[command], "--out", path], capsys, "--out", why)
        if path:
            assert repr(path) in err
        assert not (tmp_path / "afile").is_dir()


def test_torch_bad_out_directory(capsys, tmp_path):
    from robtheory.torch_bridge import torch_available

    if not torch_available():
        pytest.skip("torch is not installed (the torch check comes first)")
    for path, why in _bad_outputs(tmp_path):
        one_line_error(["torch", "toy", "--quick", "--out", path], capsys, "--out", why)


def test_verify_bad_json_and_report_paths(capsys, tmp_path):
    base = ["verify", "--no-mc", "--no-proofs", "--no-torch", "--claim", "claim_a"]
    for path, why in _bad_outputs(tmp_path):
        if why == "not a directory":
            continue  # an existing file is a fine --json target
        one_line_error([*base, "--json", path], capsys, "--json")
        one_line_error([*base, "--report", path], capsys, "--report")
    err = one_line_error([*base, "--json", str(tmp_path)], capsys, "--json", "is a directory")
    assert repr(str(tmp_path)) in err
    # a good file is written, and a file that did not exist is not left behind by the check
    code, _, _ = run([*base, "--json", str(tmp_path / "v.json")], capsys)
    assert code == 0 and strict_json((tmp_path / "v.json").read_text())["passed"] is True
    one_line_error([*base, "--json", str(tmp_path / "w.json"), "--claim", "nope"], capsys, "nope")
    assert not (tmp_path / "w.json").exists()


def test_report_checks_torch_results_before_running_verify(capsys, tmp_path):
    code, out, err = run(["report", "--no-mc", "--no-proofs", "--no-torch", "--out", str(tmp_path / "r"),
                          "--torch-results", str(tmp_path / "nonexistent")], capsys)
    assert code == 2 and err.count("\n") == 1 and "--torch-results" in err and "nonexistent" in err
    assert out == ""  # no claim was run
    assert not (tmp_path / "r").exists()


def test_frontier_empty_out_is_not_silently_ignored(capsys):
    one_line_error(["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100", "--out", ""], capsys, "--out", "empty")


# ----------------------------------------------------------------------------- 3. other tracebacks
def test_weights_file_errors(capsys, tmp_path, monkeypatch):
    base = ["accuracy", "--p", "0.9", "--eta", "0.3", "--d", "3", "--classifier", "weights", "--w"]
    two_d = tmp_path / "w2.npy"
    np.save(two_d, np.ones((2, 2)))
    cplx = tmp_path / "wc.npy"
    np.save(cplx, np.ones(4) + 1j)
    fake = tmp_path / "fake.npy"
    fake.write_text("0.1 0.2 0.3 0.4")
    for path, needle in ((tmp_path, "directory"), (two_d, "shape (2, 2)"), (cplx, "real numbers"),
                         (fake, "not a NumPy .npy")):
        err = one_line_error([*base, str(path)], capsys, repr(str(path)), needle)
        assert "pickle" not in err
    text = tmp_path / "w.txt"
    text.write_text("0.1 0.2 0.3 0.4")

    def unreadable(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(text), "read_text", unreadable)
    one_line_error([*base, str(text)], capsys, "--w", "Permission denied")


def test_load_weights_checks_the_file_for_library_users(tmp_path):
    """The checks live in robtheory.classifiers.load_weights, not only in the CLI."""
    from robtheory.classifiers import load_weights

    np.save(tmp_path / "ok.npy", np.arange(4.0))
    assert np.array_equal(load_weights(tmp_path / "ok.npy"), np.arange(4.0))
    np.save(tmp_path / "w2.npy", np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"shape \(1, 4\)"):
        load_weights(tmp_path / "w2.npy")
    np.save(tmp_path / "wc.npy", np.ones(4) + 1j)
    with pytest.raises(ValueError, match="real numbers"):
        load_weights(tmp_path / "wc.npy")
    with pytest.raises(ValueError, match="directory"):
        load_weights(tmp_path)


@pytest.mark.parametrize("argv", [
    ["mc", "--p", "0.95", "--eta", "0.3", "--d", "1000000000000", "--classifier", "averaging", "--n", "1",
     "--backend", "numpy"],
    ["bench", "--quick", "--d", "1000000000000", "--backend", "numpy"],
])
def test_weight_vector_beyond_memory_is_one_line(argv, capsys):
    one_line_error(argv, capsys, "1000000000001", "GiB")


def test_phase_huge_d_round_trips_through_netcdf(tmp_path):
    import xarray as xr

    from robtheory.phase import phase_grid, save

    ds = phase_grid([0.95], [1e12], mu=[1.0, 4.0], eps_over_eta=[2.0])
    back = xr.open_dataset(save(ds, tmp_path)["netcdf"], engine="scipy").load()
    assert float(back["d"][0]) == 1e12
    xr.testing.assert_allclose(back, ds)
    small = phase_grid([0.95], np.geomspace(2, 1024, 10), mu=[1.0], eps_over_eta=[2.0])  # 8.000000000000002
    assert small["d"].values.tolist() == [2**k for k in range(1, 11)]
    back = xr.open_dataset(save(small, tmp_path / "s")["netcdf"], engine="scipy").load()
    assert back["d"].values.tolist() == [2**k for k in range(1, 11)]


def test_unreachable_scheduler_is_one_line(capsys, tmp_path):
    pytest.importorskip("distributed")
    code, _, err = run(["phase", "--p", "0.95", "--mu", "1", "--eps-over-eta", "2", "--d", "10",
                        "--out", str(tmp_path), "--mc", "100", "--scheduler", "tcp://127.0.0.1:1"], capsys)
    assert code == 2 and err.count("\n") == 1 and "tcp://127.0.0.1:1" in err and "--scheduler" in err


def test_closed_pipe_is_not_a_traceback():
    # stdout's reader is gone before the command writes (as with '| head' that has exited)
    proc = subprocess.Popen([sys.executable, "-m", "robtheory", "torch", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 1
    assert err == "", err


# ----------------------------------------------------------------------------- 4. strict JSON
def test_json_ready_and_strict_writer(tmp_path):
    from robtheory._jsonio import dumps, json_ready, write_json

    obj = {"a": math.inf, "b": [-math.inf, math.nan, 1.5], "c": np.float64("nan"), "d": np.float32(2.5),
           "e": np.int64(3), "f": np.bool_(True), "g": np.array([1.0, np.inf]), "h": (1, None), "i": "s",
           "p": tmp_path}
    want = {"a": None, "b": [None, None, 1.5], "c": None, "d": 2.5, "e": 3, "f": True, "g": [1.0, None],
            "h": [1, None], "i": "s", "p": str(tmp_path)}
    assert json_ready(obj) == want
    assert strict_json(dumps(obj)) == want
    write_json(tmp_path / "x.json", obj)
    assert strict_json((tmp_path / "x.json").read_text()) == want


def test_accuracy_json_with_a_zero_error_rate_is_strict(capsys):
    code, out, _ = run(["accuracy", "--p", "1", "--eta", "0.3", "--d", "100", "--eps", "0",
                        "--classifier", "robust", "--json"], capsys)
    data = strict_json(out)
    assert code == 0 and data["robust_error_rate"] == 0.0 and data["log_robust_error_rate"] is None


def test_mc_json_with_an_undetectable_deviation_is_strict(capsys):
    # one sample of sign(x1) (accuracy 0.95): no deviation of 0.005 either way is detectable
    code, out, _ = run(["mc", "--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "0.6", "--classifier",
                        "robust", "--n", "1", "--backend", "numpy", "--json"], capsys)
    data = strict_json(out)
    assert code == 3 and data["verdict"] == "INCONCLUSIVE"
    assert None in (data["standard"]["min_detectable"], data["robust"]["min_detectable"])


def test_frontier_mc_json_is_strict(capsys, tmp_path):
    code, out, _ = run(["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100", "--points", "21", "--mc", "10",
                        "--json", "--out", str(tmp_path)], capsys)
    assert code == 3  # ten samples per point resolve nothing: INCONCLUSIVE
    assert strict_json(out)["mc"]["n"] == 10
    strict_json((tmp_path / "frontier.json").read_text())


def test_torch_metrics_json_is_strict(tmp_path, monkeypatch):
    from robtheory.torch_bridge import torch_available

    if not torch_available():
        pytest.skip("torch is not installed")
    from robtheory.torch_bridge import experiments

    def fake(ctx):
        return {"effect": {"reproduced": False, "detail": "none"}, "z": math.inf, "x": np.float32(0.5)}

    monkeypatch.setattr(experiments.Experiment, "load", lambda self: fake)
    m = experiments.run_experiment("toy", tmp_path, quick=True)
    data = strict_json((tmp_path / "metrics.json").read_text())
    assert data["z"] is None and data["x"] == 0.5 and m["experiment"] == "toy"


# ----------------------------------------------------------------------------- 5. svm certificate
@pytest.mark.parametrize("extra", [["--lam", "1e300"], ["--lam", "1e-300"],
                                   ["--lam", "0.1", "--d", "1000000000000000000000"]])
def test_svm_refuses_an_uncertified_optimum(extra, capsys):
    argv = ["svm", "--p", "0.95", "--eta", "0.4", "--d", "100", *extra]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no numpy overflow warning on the way
        err = one_line_error(argv, capsys, "cannot be certified", "--lam ", "--d ")
    assert "|w - w*|" in err


def test_svm_ordinary_scales_still_print(capsys):
    for lam in ("1e-4", "0.1", "100"):
        code, out, err = run(["svm", "--p", "0.95", "--eta", "0.4", "--d", "100", "--lam", lam], capsys)
        assert code == 0 and "KKT residual" in out and err == ""


def test_svm_unit_norm_ignores_lam_as_help_says(capsys):
    code, out, _ = run(["svm", "--p", "0.95", "--eta", "0.4", "--d", "100", "--unit-norm", "--lam", "-1"], capsys)
    assert code == 0 and "tuned for unit norm" in out
    code, out, _ = run(["svm", "--help"], capsys)
    assert "ignored" in out


# ----------------------------------------------------------------------------- 6. exit status
def test_mc_exits_1_when_a_test_fails(capsys):
    # alpha = 0.99: the critical value is so small that seed 0 fails both tests
    argv = ["mc", *MC, "--n", "2000", "--backend", "numpy", "--seed", "0", "--alpha", "0.99"]
    code, out, _ = run(argv, capsys)
    assert code == 1 and "FAIL" in out
    code, out, _ = run([*argv, "--json"], capsys)
    assert code == 1 and strict_json(out)["passed"] is False
    code, out, _ = run(["mc", *MC, "--n", "2000", "--backend", "numpy", "--resolution", "0.1"], capsys)
    assert code == 0
    code, out, _ = run(["mc", *MC, "--n", "2000", "--backend", "numpy"], capsys)
    assert code == 3 and "INCONCLUSIVE" in out  # 2000 samples cannot resolve 0.005


def test_phase_mc_exits_1_when_a_test_fails(capsys, tmp_path, monkeypatch):
    from robtheory.experiments import phase_mc

    real = phase_mc.mc_overlay

    def failing(ds, n, **kw):
        out = real(ds, n, **{**kw, "serial": True})
        out.attrs["passed"] = 0  # as if a residual had crossed the Bonferroni threshold
        return out

    monkeypatch.setattr(phase_mc, "mc_overlay", failing)
    code, out, _ = run(["phase", "--p", "0.9", "--mu", "1", "--eps-over-eta", "0,2", "--d", "10",
                        "--out", str(tmp_path), "--mc", "200", "--mc-points", "1"], capsys)
    assert code == 1 and "FAIL" in out


def test_help_states_exit_status(capsys):
    for cmd in ("mc", "phase"):
        _, out, _ = run([cmd, "--help"], capsys)
        assert "exit status 1" in " ".join(out.split())


# ----------------------------------------------------------------------------- 7. verify --json -
def test_verify_json_to_stdout_is_pure_json(capsys):
    code, out, err = run(["verify", "--no-mc", "--no-proofs", "--no-torch", "--claim", "claim_a", "--json", "-"],
                         capsys)
    assert code == 0
    assert [c["name"] for c in strict_json(out)["claims"]] == ["claim_a"]
    assert "claim_a" in err and "claims pass" in err


# ----------------------------------------------------------------------------- 8. messages
@pytest.mark.parametrize("opt, value, needle", [
    ("--p", "-inf", "must be finite"), ("--eps", "-inf", "must be finite"), ("--eta", "-nan", "must be finite"),
    ("--eps", "-1e-3", "eps must be >= 0"), ("--b", "-Infinity", "must be finite"),
])
def test_negative_special_values_reach_the_value_check(opt, value, needle, capsys):
    args = {"--p": "0.9", "--eta": "0.3", "--d": "10", "--classifier": "bayes", opt: value}
    err = one_line_error(["accuracy", *(t for kv in args.items() for t in kv)], capsys, needle)
    assert "expected one argument" not in err


def test_negative_values_still_parse(capsys, tmp_path):
    w = tmp_path / "w.txt"
    w.write_text("0.5 0.1 0.1 0.1")
    base = ["accuracy", "--p", "0.9", "--eta", "0.3", "--d", "3", "--classifier", "weights", "--w", str(w),
            "--json"]
    code, spaced, _ = run([*base, "--b", "-0.25"], capsys)
    assert code == 0
    code, glued, _ = run([*base, "--b=-0.25"], capsys)
    assert code == 0 and strict_json(spaced) == strict_json(glued)
    code, exp, _ = run([*base, "--b", "-2.5e-1"], capsys)  # argparse alone took -2.5e-1 for an option
    assert code == 0 and strict_json(exp) == strict_json(glued)


@pytest.mark.parametrize("n", ["10**5000", "1" + "0" * 5000, "1e400", "2**65", "10**-1", "0**-1"])
def test_absurd_sample_counts_name_n(n, capsys):
    err = one_line_error(["mc", *MC, "--n", n], capsys, "--n")
    assert len(err) < 200  # not the 5000 digits back


def test_phase_messages_name_the_option_given(capsys, tmp_path):
    out = ["--out", str(tmp_path)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one_line_error(["phase", "--p", "0.95", "--mu", "1,4", "--eps-over-eta", "2", "--d", "0", *out], capsys,
                       "--d", "got 0")
    one_line_error(["phase", "--p", "0.95", "--mu", "-1", "--eps-over-eta", "2", "--d", "10", *out], capsys,
                   "--mu must be >= 0, got -1")
    one_line_error(["phase", "--p", "0.95", "--mu", "1", "--eps-over-eta", "-1", "--d", "10", *out], capsys,
                   "--eps-over-eta must be >= 0, got -1")
    err = one_line_error(["phase", "--p", "0.95", "--eta", "1", "--eps", "1", "--d", "2.5", *out], capsys,
                         "--d", "2.5")
    assert "np.float64" not in err


def test_frontier_messages(capsys):
    base = ["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100"]
    err = one_line_error([*base, "--mc", "1000", "--alpha", "2"], capsys, "--alpha")
    assert "total_alpha" not in err
    one_line_error(["frontier", "--p", "0.95", "--eta", "0.6", "--d", "100"], capsys,
                   "default 2*eta = 1.2", "--eps")


# ----------------------------------------------------------------------------- 9. consistency
def test_verify_no_mc_still_checks_alpha(capsys):
    one_line_error(["verify", "--no-mc", "--alpha", "5"], capsys, "--alpha", "(0, 1)")


def test_bench_unusable_backend_is_the_error_of_mc(capsys, monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")
    bench = one_line_error(["bench", "--quick", "--d", "10", "--backend", "cupy"], capsys, "cupy")
    mc = one_line_error(["mc", *MC, "--n", "10", "--backend", "cupy"], capsys, "cupy")
    assert bench.split(": error: ")[1] == mc.split(": error: ")[1]


# ----------------------------------------------------------------------------- 10. display
def test_accuracy_table_prints_underflowing_error_rates_and_short_accuracies(capsys):
    code, out, _ = run(["accuracy", "--p", "0.95", "--eta", "4", "--d", "100", "--norm", "linf",
                        "--classifier", "averaging"], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("standard")).split()
    # log error rate -804.60844 nats = 10**-349.437...: 3.655894e-350
    assert row[2].endswith("e-350") and float(row[2][:8]) == pytest.approx(3.655894, abs=1e-6)
    assert float(row[3]) == pytest.approx(-804.60844)
    code, out, _ = run(["accuracy", "--p", "0.95", "--eta", "0.3", "--d", "100", "--classifier", "robust"],
                       capsys)
    assert " 0.95 " in out and "0.9499999" not in out


def test_fmt_rate_rounds_the_mantissa():
    from robtheory.cli import _fmt_rate

    assert _fmt_rate(0.0, -1000 * math.log(10)) == "1.000000e-1000"
    assert _fmt_rate(0.0, math.log(9.9999999) - 1000 * math.log(10)) == "1.000000e-999"
    assert _fmt_rate(0.25, math.log(0.25)) == "2.500000e-01"
    assert _fmt_rate(0.0, -math.inf) == "0.000000e+00"


# ----------------------------------------------------------------------------- 11. help
def test_help_gaps(capsys):
    def help_of(*cmd):
        _, out, _ = run([*cmd, "--help"], capsys)
        return " ".join(out.split())

    phase = help_of("phase")
    assert "[0, 1]" in phase and phase.count("(default: off)") == 2 and "whole number" in phase
    assert "NaN" in phase  # frontier_standard/price for eps >= 1
    assert "(0, 1)" in help_of("mc")
    for cmd in ("mc", "frontier", "svm"):
        assert "(>= 0;" in help_of(cmd)
    assert "(default: off)" in help_of("frontier")
    for cmd in ("verify", "report"):
        assert "auto: cupy with a usable GPU" in help_of(cmd)
    from robtheory.torch_bridge.experiments import CATALOGUE

    torch_help = help_of("torch")
    assert all(name in torch_help for name in CATALOGUE)


def test_mirror_hint_only_when_the_mirror_is_valid():
    """p < 1/2 suggests p' = 1 - p only when 1 - p is a valid p (not for negative p)."""
    from robtheory.model import ToyModel

    with pytest.raises(ValueError, match="mirror image") as e:
        ToyModel(0.2, 0.1, 3)
    assert "0.8" in str(e.value)
    with pytest.raises(ValueError) as e:
        ToyModel(-0.5, 0.1, 3)
    assert "got p=-0.5" in str(e.value) and "mirror" not in str(e.value)


@pytest.mark.parametrize("argv,option", [
    (["accuracy", "--p", "0.3", "--eta", "0.2", "--d", "5", "--classifier", "bayes"], "--p"),
    (["mc", "--p", "0.9", "--eta", "-0.2", "--d", "5", "--classifier", "bayes", "--n", "10"], "--eta"),
    (["accuracy", "--p", "0.9", "--eta", "0.2", "--d", "5", "--eps", "-1", "--classifier", "bayes"], "--eps"),
    (["svm", "--p", "1.2", "--eta", "0.2", "--d", "5", "--lam", "1"], "--p"),
    (["phase", *PHASE, "--required-robust", "2"], "--required-robust"),
    (["phase", *PHASE, "--lam", "-1"], "--lam"),
])
def test_messages_name_the_option_not_the_parameter(argv, option, capsys, tmp_path):
    if argv[0] == "phase":
        argv = [*argv, "--out", str(tmp_path)]
    err = one_line_error(argv, capsys, f"error: {option} must ")
    param = option[2:].replace("-", "_")
    # the parameter's bare name appears only inside the option (and in p's mirror hint: p' = 1 - p)
    bare = re.findall(rf"(?<![\w-]){param}(?![\w'])", err.split("; p < 1/2")[0])
    assert bare == [], err


def test_messages_never_show_a_numpy_repr(capsys, tmp_path):
    w = np.ones(6)
    w[4] = np.nan
    np.save(tmp_path / "w.npy", w)
    err = one_line_error(["accuracy", "--p", "0.9", "--eta", "0.2", "--d", "5", "--classifier", "weights",
                          "--w", str(tmp_path / "w.npy")], capsys, "--w", "w[4] = nan")
    assert "np." not in err
    from robtheory.classifiers import LinearClassifier, RoundedClassifier
    from robtheory.model import ThreatModel, ToyModel

    for make in (lambda: LinearClassifier(np.array([1.0, np.inf]), 0.0), lambda: ToyModel(np.float64(0.2), 0.1, 3),
                 lambda: ToyModel(0.9, np.float64(-1.0), 3), lambda: ToyModel(0.9, 0.1, np.int64(0)),
                 lambda: ThreatModel("linf", np.float64(-0.5)), lambda: ToyModel(0.9, np.float64(np.inf), 3),
                 lambda: RoundedClassifier(np.float64(-1.0), 3)):
        with pytest.raises(ValueError) as e:
            make()
        assert "np." not in str(e.value) and "float64" not in str(e.value), str(e.value)


def test_accuracy_table_columns_never_run_together(capsys):
    """An error rate written from its log (5.575812e-195437) is wider than its column: the columns
    stay separated, and a log error rate of -0.0 is printed as 0."""
    from robtheory.cli import main

    assert main(["accuracy", "--p", "0.95", "--eta", "0.3", "--d", "10000000", "--eps", "0.6",
                 "--classifier", "bayes"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert [r[0] for r in rows] == ["standard", "robust"]
    assert all(len(r) == 4 for r in rows), rows
    std, rob = rows
    assert std[1] == "1.0" and std[2] == "5.575812e-195437"
    assert rob[3] == "0"  # not -0
