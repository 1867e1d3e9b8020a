"""``robtheory prove``: run the sympy proof scripts and print one row per certificate."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory.cli.common import _output_dir, _progress_bar
from robtheory.cli.options import add_out

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    pr = sub.add_parser("prove", help="run the sympy proof scripts and print a table",
                        description="Run every proof script of proofs/ and print one row per certificate; "
                                    "exit status 1 if any step fails.")
    add_out(pr, "write the certificates (JSON) to DIR")
    return pr


def run(args: argparse.Namespace) -> int:
    from robtheory.proofs._certificate import PROOF_MODULES, describe, run_all

    _output_dir(args.out, "--out")
    # a bar over the certificates on a terminal only (the build takes about a minute)
    bar = _progress_bar(len(PROOF_MODULES))
    if bar is not None:
        bar.unit, bar.unit_scale = "certificate", False
        bar.refresh()

    def progress(name: str, cert: Any) -> None:
        if bar is None:
            return
        if cert is None:
            bar.set_description(name)
        else:
            bar.update()

    try:
        certs = run_all(args.out, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    ok = True
    print(f"{'certificate':28s}{'steps':>7s}{'failed':>8s}{'asserted':>10s}  verdict")
    for cert in certs:
        d = cert.to_dict()
        failed = sum(not s["verdict"] for s in d["steps"])
        ok &= cert.passed
        print(f"{cert.name:28s}{len(d['steps']):>7d}{failed:>8d}{cert.asserted_count:>10d}  "
              f"{'PROVED' if cert.passed else 'FAILED'}")
    print()
    for cert in certs:
        print("\n".join(describe(cert)))
    if args.out:
        print(f"certificates written to {args.out}")
    return 0 if ok else 1
