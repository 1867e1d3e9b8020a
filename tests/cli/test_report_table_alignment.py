"""The ``verify`` table (the claims table a report is made from) keeps its columns aligned when a
reference is longer than the default width (issue 15: 'theory §3.8 (derived, not in the paper)'
pushed its row's verdict out of line)."""

from __future__ import annotations

import re

from robtheory import claims
from robtheory.cli import main


def test_verdicts_line_up_whatever_the_reference_length(capsys):
    names = ["claim_a", "optimal_robust", "gaussian_robust_mle"]
    longest = max(len(c.reference) for c in claims.REGISTRY if c.name in names)
    assert longest > 34  # the case of the issue: a reference longer than the old fixed width
    argv = ["verify", "--no-mc", "--no-proofs", "--no-torch"]
    for n in names:
        argv += ["--claim", n]
    assert main(argv) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if re.match(r"^(\w+)\s", ln) and ln.split()[0] in names]
    assert len(rows) == 3
    starts = {re.search(r" (PASS|FAIL) ", ln).start() for ln in rows}
    assert len(starts) == 1, rows  # the verdict column starts at one offset in every row
