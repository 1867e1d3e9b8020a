"""The claims registry: every claim passes, checks can fail, and the README lists them all."""

import dataclasses
import math
import re
from pathlib import Path

import pytest

from robtheory import claims

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("claim", claims.REGISTRY, ids=lambda c: c.name)
def test_every_claim_passes_its_analytic_check(claim):
    assert claim.points(), f"{claim.name}: no grid point satisfies the hypotheses"
    res = claim.check()
    assert res.passed, res.detail
    assert res.n_points > 0


def test_registry_names_are_unique_and_cover_the_issue():
    names = [c.name for c in claims.REGISTRY]
    assert len(names) == len(set(names))
    required = {"claim_a", "claim_b", "theorem_2_1", "theorem_2_2_part1", "theorem_2_2_part2",
                "lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4", "lemma_d5", "bayes_optimality",
                "robust_x1", "tightness"}
    assert required <= set(names)


# Negative controls: the same analytic checks, run where the hypotheses are violated, must fail.

def test_claim_a_fails_below_its_threshold():
    weak = dataclasses.replace(claims.get("claim_a"), hypotheses=lambda pt: pt.mu >= 1 - 1e-12)
    res = weak.check()
    assert not res.passed  # Phi(1) = 0.841 < 0.99


def test_claim_b_fails_at_a_smaller_radius():
    small = dataclasses.replace(claims.get("claim_b"),
                                hypotheses=lambda pt: pt.mu >= 3 and math.isclose(pt.eps, pt.eta))
    assert not small.check().passed  # robust accuracy Phi(0) = 1/2 at eps = eta


def test_theorem_2_1_check_fails_when_eps_is_below_2_eta():
    loose = dataclasses.replace(claims.get("theorem_2_1"),
                                hypotheses=lambda pt: pt.p < 1 and math.isclose(pt.eps, pt.eta / 2) and pt.mu >= 3)
    assert not loose.check().passed


def test_theorem_2_2_part2_closed_form_is_zero_beyond_2p_minus_1():
    assert claims.adversarial_svm_closed_form(0.9, 0.8, 0.1) == 0.0
    assert claims.adversarial_svm_closed_form(0.9, 0.5, 0.1) == pytest.approx(1 / 0.5)
    assert claims.adversarial_svm_closed_form(0.9, 0.5, 10.0) == pytest.approx(0.3 / 10.0)


def test_adversarial_svm_numerical_optimum_is_w_zero_in_the_counterexample():
    w1, v, _, _ = claims.adversarial_svm_optimum(0.75, 0.1, 100, 0.6, 0.1)  # eps_train >= 2p - 1 = 0.5
    assert abs(w1) < 1e-4 and abs(v) < 1e-4


def test_readme_claims_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text()
    assert claims.markdown_table() in readme


def test_readme_commands_are_the_ci_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    install_main = block[0].split("&& pip install", 1)[1]
    assert "pip install" + install_main in ci
    assert block[1].split(" && ")[0] in ci and "python -m pytest -q" in ci
