"""``robtheory torch``: the PyTorch experiments that tie trained models to the theory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from robtheory.cli.common import UsageError, _check_cost, _output_dir
from robtheory.cli.options import _positive_int, add_out, add_seed

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    # the names only: importing the catalogue does not import torch
    from robtheory.torch_bridge.experiments import CATALOGUE

    t = sub.add_parser(
        "torch", help="PyTorch experiments that tie trained models to the theory (needs the torch extra)",
        description="Run one experiment of the PyTorch bridge (or 'all'), writing figures, checkpoints "
                    "(state_dict + JSON config) and DIR/metrics.json (numbers, every setting and seed, and "
                    "whether the paper's effect showed up). 'robtheory torch list' prints the experiments, "
                    "one a line, name first. Needs: pip install 'robtheory[torch]'.")
    t.add_argument("experiment", metavar="EXPERIMENT",
                   help=f"one of {', '.join(CATALOGUE)}; 'all' (every experiment, each in DIR/NAME); or "
                        f"'list' (one a line with its figure and summary; ignores the other options)")
    t.add_argument("--quick", action="store_true",
                   help="small configuration: seconds per experiment, sklearn's 8x8 digits instead of MNIST")
    t.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="torch device (default cpu)")
    add_seed(t, "seed of all randomness: data split and subsets, initialisation, shuffling, attacks (default 0)")
    t.add_argument("--threads", type=_positive_int, default=1,
                   help="torch intra-op threads during the run (default 1: faster for these small models)")
    add_out(t, "output directory (required unless EXPERIMENT is 'list')")
    return t


def run(args: argparse.Namespace) -> int:
    from robtheory.torch_bridge import INSTALL_HINT, torch_available
    from robtheory.torch_bridge.experiments import CATALOGUE, run_experiment

    if args.experiment == "list":
        for e in CATALOGUE.values():
            print(f"{e.name:16s} {e.figure:26s} {e.summary}")
        return 0
    names = list(CATALOGUE) if args.experiment == "all" else [args.experiment]
    for n in names:
        if n not in CATALOGUE:
            raise UsageError(f"unknown experiment {n!r}; 'robtheory torch list' shows: {', '.join(CATALOGUE)}")
    if args.out is None:
        raise UsageError("--out DIR is required")
    if not torch_available():
        raise UsageError(f"torch is not installed: {INSTALL_HINT}")
    from robtheory._cost import torch_seconds

    _check_cost(torch_seconds(names, args.quick), args,
                f"torch {args.experiment}{' --quick' if args.quick else ''} on {args.device}")
    _output_dir(args.out, "--out")

    ok = True
    total = 0.0
    for n in names:
        out = Path(args.out) / n if args.experiment == "all" else Path(args.out)
        try:
            m = run_experiment(n, out, quick=args.quick, device=args.device, seed=args.seed,
                               threads=args.threads)
        except (ValueError, ImportError) as exc:  # bad option, or a data package of the extra missing
            raise UsageError(str(exc)) from None
        total += m["seconds"]
        eff = m["effect"]
        ok &= bool(eff["reproduced"])
        print(f"{n:16s} {m['seconds']:8.1f} s  effect {'REPRODUCED' if eff['reproduced'] else 'NOT REPRODUCED'}: "
              f"{eff['detail']}", flush=True)
        print(f"{'':16s} wrote {out / 'metrics.json'} and {len(m['figures'])} figure files", flush=True)
    if len(names) > 1:
        print(f"total {total:.1f} s")
    # A negative result is a result, not a failure of the command.
    return 0
