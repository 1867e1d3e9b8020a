"""The one vocabulary of robtheory's command line: every option and every JSON key, defined once.

A script that drives several commands meets the same name for the same thing everywhere:
``total_alpha`` is the family-wise false-alarm rate in ``mc``, ``verify`` and ``frontier``; ``z``
is always a deviation in standard-error units; a seed is always an integer; the threat ball
that cannot move x1 is always ``weak_only``. :data:`OPTIONS` lists the options with the kind of
value each reads, :data:`KEYS` the JSON keys with the JSON types their values may take, and
:data:`DEPRECATED_KEYS` / :data:`DEPRECATED_OPTIONS` the old names that still work for one
release. The README's vocabulary table is :func:`markdown_table`, and the test suite walks the
``--json`` output of every command and checks each key against :data:`KEYS`.

Deprecated names:

* an old **option** still works and prints one warning line on stderr (once per run, however
  often it is given): ``robtheory frontier: warning: --n is deprecated, use --points``;
* an old **JSON key** is still written next to its new name, and the document lists it in a
  top-level ``deprecated_keys`` array, so a script can look there once instead of reading a
  warning on stderr. :func:`add_deprecated_aliases` writes both.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEPRECATED_KEYS", "DEPRECATED_OPTIONS", "JSON_TYPES", "KEYS", "OPTIONS", "OPTION_TYPES", "Key",
    "Option", "PARAMETERS", "add_deprecated_aliases", "full_table", "option_message", "check_document", "json_type", "markdown_table",
]

#: The JSON types a key may hold ("map": an object whose keys are names chosen by the data,
#: e.g. test names, not vocabulary; its values are checked as usual).
JSON_TYPES = ("integer", "number", "string", "boolean", "array", "object", "map", "null")


@dataclass(frozen=True)
class Key:
    """A JSON key: its name, the JSON types its value may take (``"number|null"``), its meaning."""

    name: str
    type: str
    meaning: str

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.type.split("|"))


@dataclass(frozen=True)
class Option:
    """A command-line option: its name, the kind of value it reads (:data:`OPTION_TYPES`; ``"flag|path"``:
    a flag in some commands, a path in others), its meaning."""

    name: str
    type: str
    meaning: str


#: What each option type accepts.
OPTION_TYPES = {
    "number": "a finite real number (1e-3, -0.5)",
    "count": "a positive whole number, also written 1e6 or 10**6 (1.5 is refused)",
    "samples": "a count of samples, at most 2**64 (1e7 and 10**7 work)",
    "seed": "an integer in [0, 2**64)",
    "rate": "a false-alarm rate in (0, 1)",
    "choice": "one of the listed words",
    "flag": "no value",
    "spec": "a grid SPEC (so are phase's --p, --eta, --eps, --d): a number, a list a,b,c, start:stop:num "
            "or log:start:stop:num",
    "path": "a file or directory name",
    "text": "a name or address",
}

_OPTIONS = (
    Option("--p", "number", "P(x1 = y), in [1/2, 1] (phase: a SPEC of such values)"),
    Option("--eta", "number", "mean of each weak feature, >= 0 (phase: a SPEC)"),
    Option("--mu", "spec", "phase: mu = eta*sqrt(d) instead of --eta"),
    Option("--d", "count", "number of weak features, >= 1 (phase, learning-curve: a SPEC; bench: a list of dimensions)"),
    Option("--eps", "number",
           "radius of the threat ball, >= 0. Default 0 in accuracy and mc (a plain accuracy: the robust one "
           "then equals the standard one); 2*eta in frontier and svm, the paper's adversary (Theorem F is exact "
           "there, and Theorem 2.2 evaluates at it); phase, transfer: a SPEC"),
    Option("--eps-over-eta", "spec", "phase: radii as multiples of eta instead of --eps"),
    Option("--eps-train", "number", "svm: adversarial-training radius, >= 0 (default 0: standard training); "
                                    "learning-curve: a SPEC of such radii"),
    Option("--learner", "choice", "learning-curve: mean (difference of means), svm or logistic"),
    Option("--trials", "count", "learning-curve: training sets per (eps_train, n) point (>= 2)"),
    Option("--norm", "choice", "threat-model norm: linf or l2 (default linf)"),
    Option("--weak-only", "flag", "the adversary cannot move x1 (JSON key weak_only)"),
    Option("--classifier", "choice", "averaging, robust, bayes, robust-optimal or weights"),
    Option("--w", "path", "d+1 weights (.npy or text) for --classifier weights"),
    Option("--b", "number", "bias for --classifier weights (default 0)"),
    Option("--n", "samples", "Monte Carlo samples per run (mc, verify, report); in frontier a deprecated alias "
                             "of --points; transfer, feature-selection, learning-curve: a SPEC of training-set sizes"),
    Option("--points", "count", "frontier: points of the curve before pruning (default 201); for --family "
                                "linear, values per grid axis"),
    Option("--mc", "samples", "frontier, phase: Monte Carlo samples per estimated point (default: off)"),
    Option("--mc-points", "count", "frontier, phase: how many points --mc estimates"),
    Option("--seed", "seed", "seed of every random stream of the run (default 0)"),
    Option("--alpha", "rate", "family-wise false-alarm rate of the run's tests (JSON key total_alpha; "
                              "default 1e-6)"),
    Option("--resolution", "rate", "mc, verify, frontier --mc, phase --mc: the smallest deviation of an accuracy "
                                   "each Monte Carlo test must detect (probability 1/2); below it a test that does "
                                   "not reject is INCONCLUSIVE, not PASS (default 0.005)"),
    Option("--mean-resolution", "number", "verify: the same for the tests of means, in the statistic's own "
                                          "units (default 0.02)"),
    Option("--max-seconds", "number", "mc, verify, report, phase, svm, torch (frontier: its own estimate): refuse, "
                                      "before starting, a run estimated to take longer than this many seconds "
                                      "(default 600)"),
    Option("--clear", "flag", "cache: delete the cached compiled numba kernels"),
    Option("--backend", "choice", "Monte Carlo backend: auto, numpy, numba or cupy (bench: repeatable)"),
    Option("--dtype", "choice", "mc: float64 or float32 arithmetic"),
    Option("--json", "flag|path", "accuracy, mc, svm, frontier, bench: a flag, print JSON instead of a table; "
                                  "verify: write the JSON to FILE ('-' for stdout)"),
    Option("--out", "path", "output directory"),
    Option("--format", "text", "plot: figure formats, a comma-separated list of png, pdf, svg"),
    Option("--style", "path|text", "plot: a matplotlib style name or .mplstyle file over robtheory's style"),
    Option("--report", "path", "verify: also write the HTML report to this directory"),
    Option("--claim", "text", "verify: check only this claim (repeatable)"),
    Option("--no-mc", "flag", "verify, report: skip the Monte Carlo column"),
    Option("--no-proofs", "flag", "verify, report: skip the proof column"),
    Option("--no-torch", "flag", "verify, report: skip the torch column"),
    Option("--torch-results", "path", "report: add the experiments saved by 'robtheory torch --out DIR'"),
    Option("--from", "path", "report: write the report from a saved 'robtheory verify --json FILE' result "
           "instead of running verify"),
    Option("--family", "choice", "frontier: all, linear or linear-unbiased"),
    Option("--lam", "number", "l2 regularisation of the SVM objective (learning-curve: also of logistic regression), > 0"),
    Option("--unit-norm", "flag", "svm: tune lam so that the optimum has unit norm"),
    Option("--loss", "choice", "svm: hinge or logistic"),
    Option("--required-robust", "number", "phase: robust accuracy required when pricing robustness, in [0, 1]"),
    Option("--scheduler", "text", "phase: dask scheduler address for --mc; verify, report: spread the Monte Carlo "
                                  "runs over a dask cluster at this address, or 'local' for a local one (the "
                                  "results equal the serial run's)"),
    Option("--workers", "count", "verify, report: worker processes of --scheduler local (default 2); "
                                 "learning-curve: threads over the training sets of the svm and logistic "
                                 "learners (default the CPU count, at most 8; the results do not depend on it)"),
    Option("--accuracy-tol", "number", "learning-curve --learner svm: each trained model is solved until its "
                                       "exact accuracies are certified within this of the exact optimum's "
                                       "(default 1e-4)"),
    Option("--chunk", "count", "verify, report: with --scheduler, rows of the stream per task (the results do "
                               "not depend on it)"),
    Option("--quick", "flag", "bench, torch: small runs"),
    Option("--device", "choice", "torch: cpu or cuda"),
    Option("--threads", "count", "torch: intra-op threads"),
    Option("--version", "flag", "print robtheory's version and exit"),
    Option("--trials", "count", "transfer: pairs of training sets; feature-selection: training sets (default 100)"),
    Option("--svm-lam", "number", "feature-selection: also train the adversarial SVM with this lam (> 0) as a "
                                  "reference learner"),
    Option("--t", "spec", "feature-selection: a SPEC of thresholds of |empirical correlation with y|, in [0, 1]"),
)
OPTIONS: dict[str, Option] = {o.name: o for o in _OPTIONS}

#: Old option -> (the commands where it is an alias, its new name).
DEPRECATED_OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "--n": (("frontier",), "--points"),
}

_KEYS = (
    # the model and the threat
    Key("p", "number", "P(x1 = y)"),
    Key("eta", "number", "mean of each weak feature"),
    Key("d", "integer", "number of weak features"),
    Key("mu", "number", "eta*sqrt(d)"),
    Key("eps", "number", "radius of the threat ball the robust accuracy is taken under"),
    Key("norm", "string", "threat-model norm: linf or l2"),
    Key("weak_only", "boolean", "the adversary cannot move x1 (option --weak-only)"),
    Key("model", "object", "a model D(p, eta, d): p, eta, d"),
    # classifiers and accuracies
    Key("classifier", "string", "the classifier: a --classifier name, or a description of the rule"),
    Key("standard_accuracy", "number", "P(f(x) = y)"),
    Key("robust_accuracy", "number", "P(f(x + delta) = y for every delta in the threat ball)"),
    Key("standard_error_rate", "number", "1 - standard_accuracy, computed without cancellation"),
    Key("robust_error_rate", "number", "1 - robust_accuracy, computed without cancellation"),
    Key("log_standard_error_rate", "number|null", "natural log of standard_error_rate (null: log 0)"),
    Key("log_robust_error_rate", "number|null", "natural log of robust_error_rate (null: log 0)"),
    Key("tau", "number|null", "frontier: the point's x1 weight (null: infinite, the rule sign(x1))"),
    Key("theorem_2_1_bound", "number|null", "p/(1-p) (1 - standard_accuracy) (null where it does not apply)"),
    Key("weak_weight_ratio", "number|null", "|u|_1/|u|_2 of the point's weak weights"),
    Key("bias", "number", "frontier: the point's bias b/|u|_2; accuracy --classifier robust-optimal: the chosen "
                          "rule's bias b"),
    Key("gap_bound", "number|null", "frontier --family linear|linear-unbiased (optimised): certified bound of "
                                    "the point's distance below the frontier (in robust accuracy where the curve "
                                    "is flatter than 1, else in standard accuracy); exact is true when every "
                                    "point's is <= 1e-9"),
    Key("attained", "boolean", "frontier: false for a point along a step of a staircase frontier (a disconnected "
                               "Pareto set), which no classifier of the family attains but the classifier of point "
                               "attained_by dominates (the frontier is flat there); present only on frontiers with a "
                               "step"),
    Key("attained_by", "integer|null", "frontier: the index (into points) of the attained point that dominates a "
                                       "point with attained false, whose classifier tau, bias and "
                                       "weak_weight_ratio the point repeats (null for attained points)"),
    Key("x1_weight", "number", "accuracy --classifier robust-optimal: the chosen rule's weight a on x1"),
    Key("weak_weight", "number", "accuracy --classifier robust-optimal: the chosen rule's weight c on each "
                                 "weak feature (rule sign(a x1 + c sum x_i + b))"),
    Key("family", "string", "frontier: all, linear or linear-unbiased"),
    Key("exact", "boolean", "frontier: the curve is the exact frontier of its family"),
    Key("note", "string", "a sentence about the result"),
    Key("points", "array|integer", "frontier: its points, most accurate first; bench grid: how many grid "
                                   "points were timed"),
    Key("index", "integer", "position of a point in the frontier's points"),
    Key("estimated_indices", "array", "frontier --mc: indices of the points estimated by Monte Carlo"),
    # training (svm)
    Key("loss", "string", "training loss: hinge or logistic"),
    Key("eps_train", "number", "adversarial-training radius (0: standard training)"),
    Key("unit_norm", "boolean", "lam was tuned for a unit-norm optimum"),
    Key("lam", "number", "l2 regularisation of the objective"),
    Key("w1", "number", "the optimum's weight on x1"),
    Key("v", "number", "the optimum's weight on z = d^(-1/2) sum x_i"),
    Key("c", "number", "each weak weight of the optimum, v/sqrt(d)"),
    Key("weight_norm", "number", "|w| of the optimum"),
    Key("objective", "number", "objective value at the optimum"),
    Key("kkt_residual", "number", "norm of the optimality-condition residual"),
    Key("kkt_floor", "number", "svm: the accuracy of the gradients the residual is computed from (a residual "
                               "below it is not resolved)"),
    Key("distance_bound", "number", "certified bound on |w - w*|"),
    Key("zero_weights", "boolean", "the optimum is w = 0"),
    # Monte Carlo estimates and tests
    Key("n", "integer", "samples (per run, per point or per test)"),
    Key("seed", "integer", "seed of the random streams, in [0, 2**64)"),
    Key("stream_seed", "integer", "seed of this one test's stream, in [0, 2**64)"),
    Key("start", "integer", "index of the first sample of the stream"),
    Key("backend", "string", "Monte Carlo backend that ran: numpy, numba or cupy"),
    Key("backends_used", "array", "backends that ran"),
    Key("executor", "string", "verify: where the Monte Carlo runs were computed: serial (this process) or "
                              "dask.distributed (the cluster)"),
    Key("dtype", "string", "float64 or float32"),
    Key("method", "string", "how a quantity was computed or tested"),
    Key("standard", "object", "the standard-accuracy estimate and its test"),
    Key("robust", "object", "the robust-accuracy estimate and its test"),
    Key("estimate", "number", "Monte Carlo estimate count/n"),
    Key("count", "integer", "samples counted (correct ones, for an accuracy)"),
    Key("ci", "array", "[lower, upper] exact binomial confidence interval"),
    Key("level", "number", "confidence level of ci"),
    Key("analytic", "number|object", "the closed-form value an estimate is tested against; in a verify "
                                     "claim row, the analytic check's result (passed, n_points, detail)"),
    Key("std_error", "number", "standard error of the estimate under the closed form"),
    Key("z", "number|null", "(estimate - closed form)/std_error: the deviation in standard-error units "
                            "(null: infinite)"),
    Key("max_abs_z", "number|null", "largest |z| of a run (null: infinite)"),
    Key("z_threshold", "number", "Bonferroni |z| threshold matching alpha_per_check"),
    Key("critical_z", "number|null", "critical value a mean test's |z| is judged against"),
    Key("p_value", "number", "p-value of the test"),
    Key("alpha", "number", "false-alarm rate of this one test"),
    Key("total_alpha", "number", "family-wise false-alarm rate of the run (option --alpha)"),
    Key("alpha_per_check", "number", "total_alpha divided among the run's tests (Bonferroni)"),
    Key("n_checks", "integer", "tests in the family"),
    Key("correction", "string", "multiple-testing correction"),
    Key("min_detectable", "number|null", "smallest deviation the test detects at its n and alpha "
                                         "(null: none)"),
    Key("min_detectable_above", "number|null", "min_detectable for a deviation upwards"),
    Key("min_detectable_below", "number|null", "min_detectable for a deviation downwards"),
    Key("resolution", "number", "the deviation of an accuracy a test must be able to detect to be conclusive"),
    Key("mean_resolution", "number", "the deviation of a sampled mean a test must be able to detect"),
    Key("min_p_value", "number", "smallest p-value of a run's tests"),
    Key("reason", "string", "why a test was not run or not judged"),
    Key("n_needed", "integer|null", "samples that would make an inconclusive test conclusive (null: none)"),
    Key("verdict", "string", "PASS, FAIL or INCONCLUSIVE"),
    Key("inconclusive", "integer|boolean", "in a summary, how many tests were INCONCLUSIVE; on one test, "
                                           "whether it was"),
    Key("passed", "boolean", "nothing failed"),
    Key("test", "string", "which statistical test"),
    Key("tests", "map", "named tests (keys are test names)"),
    Key("value", "number", "a sampled statistic"),
    Key("quantity", "string", "what was measured"),
    Key("label", "string", "the run a test belongs to"),
    Key("relation", "string", "how a bound test compares (<= or >=)"),
    Key("bound", "string", "the bound a bound test checks"),
    Key("bound_at_closed_form", "number", "the bound evaluated at the closed form"),
    Key("confidence_limit", "number|null", "the confidence limit a bound test judges"),
    Key("skewness_of_mean", "number", "estimated skewness of a sampled mean"),
    Key("mc", "object|null", "Monte Carlo results (a claim's column, a frontier point, a run's summary)"),
    Key("marginals", "object", "verify: the sampler's marginal tests"),
    # verify
    Key("claims", "array", "verify: one row per claim"),
    Key("claim", "string", "name of a claim"),
    Key("name", "string", "name of a claim"),
    Key("title", "string", "a claim's title"),
    Key("reference", "string", "where the claim is in the paper"),
    Key("statement", "string", "the claim"),
    Key("notes", "string", "remarks on a claim"),
    Key("proof", "object|null", "verify: the proof column's result"),
    Key("torch", "object|null", "verify: the torch column's result"),
    Key("checks", "array", "the tests of a claim's Monte Carlo column"),
    Key("n_points", "integer", "parameter points checked; bench grid: points timed"),
    Key("detail", "string", "a sentence about a result"),
    Key("seconds", "number", "wall-clock seconds"),
    # bench
    Key("results", "array", "bench: one row per backend and dimension; transfer, feature-selection: one row per "
                            "grid point"),
    # finite-sample transfer and feature selection (transfer, feature-selection)
    Key("trials", "integer", "transfer: pairs of training sets; feature-selection: training sets; "
                            "learning-curve: training sets per (eps_train, n) point"),
    Key("kind", "string", "transfer: the pair, source->target, each standard or robust (weak features dropped)"),
    Key("fool_rate", "number|null", "transfer: mean over pairs of P(B errs at x + delta_A), delta_A the worst "
                                    "case against A"),
    Key("fool_rate_se", "number|null", "standard error of fool_rate over pairs"),
    Key("transfer_rate", "number|null", "transfer: mean over pairs of P(B errs at x + delta_A | A and B right at x, "
                                        "A wrong at x + delta_A); null where A has no adversarial example"),
    Key("transfer_rate_se", "number|null", "standard error of transfer_rate over pairs"),
    Key("attack_success", "number|null", "transfer: P(A and B right at x, A wrong at x + delta_A)"),
    Key("transfer_joint", "number|null", "transfer: P(that, and B wrong at x + delta_A)"),
    Key("pairs", "integer", "transfer: pairs where transfer_rate is defined"),
    Key("limits", "array", "transfer, feature-selection: the population learners' values (n -> infinity)"),
    Key("t", "number", "feature-selection: threshold of |empirical correlation with y|"),
    Key("standard_accuracy_se", "number|null", "standard error of the mean standard accuracy over training sets"),
    Key("robust_accuracy_se", "number|null", "standard error of the mean robust accuracy over training sets"),
    Key("weak_kept", "number|null", "feature-selection: mean number of weak features kept"),
    Key("weak_kept_exact", "number|null", "feature-selection: its exact expectation, d P(|r_j| >= t)"),
    Key("x1_kept", "number|null", "feature-selection: fraction of training sets keeping x1"),
    Key("x1_kept_exact", "number|null", "feature-selection: its exact value, P(|2K/n - 1| >= t)"),
    Key("reference_learners", "array", "feature-selection: the robust (x1 only) and standard learners per n"),
    Key("learner", "string", "feature-selection: robust_learner, standard_learner or adversarial_svm (--svm-lam); "
                            "learning-curve: the learner (mean, svm, logistic)"),
    Key("n_values", "array", "learning-curve: the training-set sizes n"),
    Key("eps_train_values", "array", "learning-curve: the adversarial-training radii (0: standard training)"),
    Key("crossover_n", "array", "learning-curve: per eps_train, the smallest grid n from which standard training's "
                                "mean standard accuracy stays above adversarial training's (null: none)"),
    Key("crossover_n_exact", "array", "learning-curve: per eps_train, n* by root finding on the exact gap between "
                                      "the standard and the weak-features-dropped mean learner (mean learner, "
                                      "l_inf, eps_train >= eta; null otherwise or when there is none)"),
    Key("curves", "array", "learning-curve: one object per d"),
    Key("files", "array", "learning-curve: the files written"),
    Key("grid", "object", "bench: the closed-form grid timing"),
    Key("machine", "map", "facts about the machine (free-form names: nproc, cpu_model, platform, ...)"),
    Key("date", "string", "ISO 8601 date and time of the run"),
    Key("commit", "string|null", "git commit of the code that ran"),
    # provenance (robtheory._provenance: validation results, torch metrics, bench)
    Key("provenance", "object", "where, when and with which code a result was produced"),
    Key("robtheory_version", "string", "version of robtheory that ran"),
    Key("versions", "map", "versions of the libraries that ran, by name"),
    Key("python", "string", "Python version that ran"),
    Key("numpy", "string|null", "NumPy version that ran"),
    Key("scipy", "string|null", "SciPy version that ran"),
    Key("numba", "string|null", "numba version that ran"),
    Key("quick", "boolean", "bench: tiny runs that check the machinery, not the speed"),
    Key("normals_per_second", "number", "bench: Gaussian samples drawn per second"),
    Key("peak_memory_bytes", "integer", "bench: peak memory"),
    Key("memory_method", "string", "bench: how peak_memory_bytes was measured"),
    Key("ratio_to_numpy", "number", "bench: speed relative to the NumPy reference"),
    Key("peers", "array", "bench: the pipelines a user would write instead (robtheory.experiments.peers), "
        "one row per peer, precision and dimension"),
    Key("peer", "string", "bench: numpy-1thread, numpy-2threads, numpy-bare, torch, torch-bare or robtheory-bare"),
    Key("threads", "integer", "bench: threads the peer ran on"),
    Key("best_peer", "string|null", "bench: the fastest peer pipeline at the same d and precision"),
    Key("ratio_to_best_peer", "number|null", "bench: speed relative to best_peer"),
    Key("ratio_to_bare", "number|null", "bench: numba kernel speed relative to robtheory's bare generator "
        "(1 = fusing labels, score and counts costs nothing)"),
    Key("standard_count", "integer", "bench peers: correctly classified samples of the peer pipeline"),
    Key("robust_count", "integer", "bench peers: samples classified correctly under the worst case"),
    Key("ndtr_seconds", "number", "bench: seconds of bare scipy.special.ndtr on as many points"),
    Key("ratio", "number", "bench: ndtr_seconds/seconds"),
    Key("ndtr_per_point", "integer", "bench: Gaussian tails evaluated per grid point"),
    Key("ratio_per_ndtr", "number", "bench: ratio times ndtr_per_point"),
    Key("cpu_seconds", "number", "bench: CPU seconds"),
    Key("ndtr_cpu_seconds", "number", "bench: CPU seconds of bare ndtr"),
    Key("ratio_cpu", "number|null", "bench: ratio in CPU time"),
    Key("workload", "string", "bench: what was timed"),
    Key("bytes_per_point", "number", "bench: peak memory per grid point"),
    Key("variants", "array", "bench: other grid workloads"),
    Key("cores", "integer|null", "bench: cores the grid timing was pinned to (null: not pinned)"),
    # the vocabulary itself
    Key("deprecated_keys", "array", "old keys this document still writes next to their new names"),
)
KEYS: dict[str, Key] = {k.name: k for k in _KEYS}

#: Old JSON key -> (its replacement, the type the old key holds, how its value relates to the new one).
DEPRECATED_KEYS: dict[str, tuple[str, str, str]] = {
    "alpha_total": ("total_alpha", "number", "same value"),
    "perturb_x1": ("weak_only", "boolean", "the negation: perturb_x1 = not weak_only"),
    "residual": ("z", "number|null", "same value"),
    "max_abs_residual": ("max_abs_z", "number|null", "same value"),
}


#: The Python parameter each option sets, where the names differ or an error message from the
#: library names the parameter: :func:`option_message` rewrites such messages for the CLI.
PARAMETERS: dict[str, str] = {
    "p": "--p", "eta": "--eta", "d": "--d", "eps": "--eps", "norm": "--norm", "w": "--w", "b": "--b",
    "lam": "--lam", "eps_train": "--eps-train", "required_robust": "--required-robust", "seed": "--seed",
    "total_alpha": "--alpha",
}


def option_message(message: str) -> str:
    """``message`` from the library, in the CLI's words: each parameter of :data:`PARAMETERS` that
    a sentence is about becomes its option (``required_robust must lie in [0, 1], got 2`` ->
    ``--required-robust must lie in [0, 1], got 2``; ``got eps=1.5`` -> ``got --eps 1.5``)."""
    import re

    for name, opt in PARAMETERS.items():
        n = re.escape(name)
        message = re.sub(rf"(?<![\w.\[\-']){n}=", f"{opt} ", message)
        message = re.sub(rf"(?:^|(?<=[\s(;,])){n}(?= (?:must|is|has)\b)", opt, message)
    # "--p must lie in [1/2, 1], got --p 0.3": the option once is enough
    return re.sub(r"^(--[\w-]+)( must\b[^;]*?got )\1 ", r"\1\2", message)


def add_deprecated_aliases(doc: dict, old_keys) -> dict:
    """Write each old key of ``old_keys`` next to its new name throughout ``doc``, and list them.

    Every object of ``doc`` (at any depth) that holds the new name of an old key gets the old
    key too, with the old value (``perturb_x1`` is ``not weak_only``); the old keys that were
    written are listed once, in ``doc["deprecated_keys"]``. Returns ``doc`` (changed in place).
    """
    written: list[str] = []

    def walk(obj):
        if isinstance(obj, dict):
            for old in old_keys:
                new = DEPRECATED_KEYS[old][0]
                if new in obj:
                    obj[old] = (not obj[new]) if old == "perturb_x1" else obj[new]
                    if old not in written:
                        written.append(old)
            for v in list(obj.values()):
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(doc)
    if written:
        doc["deprecated_keys"] = written
    return doc


def json_type(value) -> str:
    """The JSON type of a parsed JSON value ("integer" for whole numbers written without a point)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _allowed(value, types: tuple[str, ...]) -> bool:
    t = json_type(value)
    return (t in types or (t == "integer" and "number" in types)
            or (t == "object" and "map" in types))


def check_document(doc, where: str = "") -> list[str]:
    """Every way ``doc`` (parsed JSON) departs from the vocabulary, one sentence each ([] if none).

    Each key must be in :data:`KEYS` with a value of one of its types, or be an old key that
    ``doc["deprecated_keys"]`` declares, with a value of its old type.
    """
    declared = set(doc.get("deprecated_keys", ())) if isinstance(doc, dict) else set()
    problems: list[str] = []

    def walk(obj, path):
        if isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, f"{path}[{i}]")
            return
        if not isinstance(obj, dict):
            return
        for k, v in obj.items():
            p = f"{path}.{k}" if path else k
            if k in declared and k in DEPRECATED_KEYS:
                types = tuple(DEPRECATED_KEYS[k][1].split("|"))
            elif k in KEYS:
                types = KEYS[k].types
            elif k in DEPRECATED_KEYS:
                problems.append(f"{p}: old key {k!r} written without being listed in deprecated_keys")
                continue
            else:
                problems.append(f"{p}: key {k!r} is not in the vocabulary")
                continue
            if not _allowed(v, types):
                problems.append(f"{p}: {json_type(v)} where the vocabulary says {'|'.join(types)}")
            if "map" in types and isinstance(v, dict):
                for name, item in v.items():
                    walk(item, f"{p}.{name}")
            else:
                walk(v, p)

    walk(doc, where)
    return problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The README's vocabulary section: the options by the value they read, the JSON keys by their
    type, and the deprecated names (Markdown). :func:`full_table` adds each name's meaning."""
    lines = ["| value | accepted | options |", "|---|---|---|"]
    for t, text in OPTION_TYPES.items():
        names = [o.name for o in _OPTIONS if t in o.type.split("|")]
        if names:
            lines.append(f"| {t} | {text} | {' '.join(f'`{n}`' for n in names)} |")
    lines += ["", "| JSON type | keys |", "|---|---|"]
    for t in dict.fromkeys(k.type for k in _KEYS):
        names = [k.name for k in _KEYS if k.type == t]
        lines.append(f"| {t.replace('|', ' or ')} | {' '.join(f'`{n}`' for n in names)} |")
    lines += ["", "| deprecated | use | note |", "|---|---|---|"]
    for old, (commands, new) in DEPRECATED_OPTIONS.items():
        lines.append(f"| `{old}` ({', '.join(commands)}) | `{new}` | warns once on stderr |")
    for old, (new, _, how) in DEPRECATED_KEYS.items():
        lines.append(f"| `{old}` (JSON) | `{new}` | {how}; listed in `deprecated_keys` |")
    return "\n".join(lines)


def full_table() -> str:
    """Every option and JSON key with its meaning (Markdown): ``python -m robtheory.vocabulary``."""
    lines = ["| option | value | meaning |", "|---|---|---|"]
    lines += [f"| `{o.name}` | {o.type} | {_cell(o.meaning)} |" for o in _OPTIONS]
    lines += ["", "| JSON key | type | meaning |", "|---|---|---|"]
    lines += [f"| `{k.name}` | {k.type.replace('|', ' or ')} | {_cell(k.meaning)} |" for k in _KEYS]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(full_table())
