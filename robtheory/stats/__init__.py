r"""Binomial estimates, confidence intervals and agreement tests for Monte Carlo checks.

Every Monte Carlo check in robtheory estimates a probability (an accuracy, a robust
accuracy, a margin-violation rate) as :math:`\hat p = k/n` and compares it with the value
of a closed form. This module supplies the pieces with their tolerances *derived* from
the binomial law (design principle 6):

* :class:`Estimate` and :func:`binomial_estimate` -- :math:`\hat p` with a Wilson or
  Clopper--Pearson interval;
* :func:`wilson_interval`, :func:`clopper_pearson_interval` -- vectorised intervals;
* :func:`agreement_test` -- an exact (or, past :math:`2^{53}` draws, normal) two-sided
  test of :math:`H_0: p = p_0` with its false-alarm rate :math:`\alpha`, the deviation
  in standard errors, and the smallest deviation the test detects at this :math:`n`
  (for the negative controls of principle 7);
* :func:`familywise_alpha`, :func:`n_for_detectable`, :func:`min_detectable` -- to plan
  a campaign: split a total false-alarm budget and size :math:`n`;
* :func:`verdict`, :func:`proportion_resolution`, :func:`mean_resolution` -- the three-way
  verdict of a test with a stated *resolution*: ``"FAIL"`` when it rejects, ``"PASS"``
  when it does not reject and could have detected every deviation of at least the
  resolution, ``"INCONCLUSIVE"`` when it does not reject but could not have (a test
  that cannot fail is not a pass).

Counts are Python ints or int64 and all probability arithmetic is float64, so sample
sizes far beyond :math:`2^{31}` are handled without overflow.

Examples
--------
A count of 79,900 successes in 100,000 trials against a closed form of 0.8, at a false-alarm rate
of 1e-3, judged with a resolution of 0.005:

>>> from robtheory import stats
>>> test = stats.agreement_test(79_900, 100_000, 0.8, 1e-3)
>>> res = stats.proportion_resolution(100_000, 0.8, 1e-3, 0.005)
>>> test.passed, res.resolved, stats.verdict(rejected=not test.passed, resolved=res.resolved)
(True, True, 'PASS')
"""

from __future__ import annotations

from robtheory.stats.intervals import (
    DEFAULT_ALPHA,
    Estimate,
    binomial_estimate,
    clopper_pearson_interval,
    two_sided_z,
    wilson_interval,
)
from robtheory.stats.resolution import (
    DEFAULT_MEAN_RESOLUTION,
    DEFAULT_RESOLUTION,
    FAIL,
    INCONCLUSIVE,
    PASS,
    VERDICTS,
    Resolution,
    mean_resolution,
    min_detectable,
    n_for_detectable,
    proportion_resolution,
    verdict,
    worst_verdict,
)
from robtheory.stats.tests import (
    BERRY_ESSEEN_C,
    EXACT_MAX_N,
    AgreementResult,
    agreement_test,
    berry_esseen_bound,
    binomial_p_value,
    familywise_alpha,
    residuals,
    z_threshold,
)
from robtheory.stats.moments import chunk_moments, mean_z, merge_moments, one_sided_z  # noqa: F401 (streaming moments)

__all__ = [
    "BERRY_ESSEEN_C",
    "DEFAULT_ALPHA",
    "DEFAULT_MEAN_RESOLUTION",
    "DEFAULT_RESOLUTION",
    "EXACT_MAX_N",
    "FAIL",
    "INCONCLUSIVE",
    "PASS",
    "VERDICTS",
    "AgreementResult",
    "Estimate",
    "Resolution",
    "agreement_test",
    "berry_esseen_bound",
    "binomial_estimate",
    "binomial_p_value",
    "clopper_pearson_interval",
    "familywise_alpha",
    "mean_resolution",
    "min_detectable",
    "n_for_detectable",
    "proportion_resolution",
    "residuals",
    "two_sided_z",
    "z_threshold",
    "verdict",
    "wilson_interval",
    "worst_verdict",
]
