"""The formulas of nyc_cannabis.stats.rates against worked examples from independent sources: R's documented
``poisson.test`` output, the tabled exact Poisson limits, the Benjamini–Hochberg paper's own example, and
hand calculations written out here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from nyc_cannabis.stats import rates


@pytest.mark.parametrize("count, low, high", [
    # exact Poisson 95% limits as tabled (e.g. Ulm 1990; Garwood 1936): k = 0, 1, 5, 10
    (0, 0.0, 3.6889), (1, 0.0253, 5.5716), (5, 1.6235, 11.6683), (10, 4.7954, 18.3904),
])
def test_exact_poisson_limits_match_the_table(count, low, high):
    ci = rates.poisson_ci(count)
    assert ci.low == pytest.approx(low, abs=1e-4)
    assert ci.high == pytest.approx(high, abs=1e-4)


def test_rate_interval_matches_r_poisson_test_smr_example():
    # R documentation, ?poisson.test: poisson.test(137, 24.19893) -> rate 5.661407, CI 4.753125 6.692709
    ci = rates.rate_ci(137, 24.19893, 1, per=1)
    assert rates.rate(137, 24.19893, 1, per=1) == pytest.approx(5.661407, rel=1e-6)
    assert (ci.low, ci.high) == (pytest.approx(4.753125, rel=1e-6), pytest.approx(6.692709, rel=1e-6))


def test_exact_conditional_ratio_matches_r_poisson_test_two_sample_example():
    # R documentation, ?poisson.test (eba1977, Fredericia vs the other three cities, ages 55-59):
    # poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) -> rate ratio 1.971488, CI 0.8584264 4.2772659
    a, pa, b, pb = 11, 800, 21, 1083 + 1050 + 878
    assert rates.rate_ratio(a, pa, b, pb) == pytest.approx(1.971488, rel=1e-6)
    ci = rates.rate_ratio_exact_ci(a, pa, b, pb)
    assert ci.low == pytest.approx(0.8584264, rel=1e-6)
    assert ci.high == pytest.approx(4.2772659, rel=1e-6)
    # small counts: the exact interval is the one reported
    out = rates.compare(a, pa, b, pb)
    assert out["ci_method"] == "exact conditional"
    assert out["ci_low"] == pytest.approx(0.8584264, rel=1e-6)


def test_log_method_by_hand():
    # 300 events in 100,000 vs 100 in 200,000: RR = 6; SE(ln RR) = sqrt(1/300 + 1/100) = 0.115470
    a, pa, b, pb = 300, 100_000, 100, 200_000
    se = math.sqrt(1 / 300 + 1 / 100)
    assert se == pytest.approx(0.1154700, rel=1e-6)
    out = rates.compare(a, pa, b, pb)
    assert out["rate_ratio"] == pytest.approx(6.0)
    assert out["ci_method"] == "log (Wald)"
    assert out["ci_low"] == pytest.approx(6 * math.exp(-1.959964 * se), rel=1e-6)   # 4.7848
    assert out["ci_high"] == pytest.approx(6 * math.exp(1.959964 * se), rel=1e-6)   # 7.5238
    assert out["ci_low"] == pytest.approx(4.7848, abs=1e-4)


def test_exact_interval_edges():
    # zero events in the group: the lower limit is 0; Clopper-Pearson upper for 0 of n is 1 - 0.025**(1/n)
    ci = rates.rate_ratio_exact_ci(0, 1000, 20, 1000)
    assert ci.low == 0.0
    pi = 1 - 0.025 ** (1 / 20)
    assert ci.high == pytest.approx(pi / (1 - pi), rel=1e-9)
    # zero events in the reference: no ratio, no log interval, an open-ended exact interval
    assert rates.rate_ratio(5, 1000, 0, 1000) is None
    assert rates.rate_ratio_log_ci(5, 1000, 0, 1000).low is None
    assert rates.rate_ratio_exact_ci(5, 1000, 0, 1000).high is None


def test_exact_p_value_by_hand():
    # equal populations: a | a + b ~ Binomial(n, 1/2); 9 of 10 -> two-sided p = 2 * (10 + 1) / 1024
    assert rates.rate_ratio_p_value(9, 500, 1, 500) == pytest.approx(22 / 1024)


def test_goodness_of_fit_by_hand():
    # counts 30 / 10 against equal populations: expected 20 / 20; chi2 = 100/20 + 100/20 = 10, df 1
    out = rates.goodness_of_fit([30, 10], [5000, 5000])
    assert out["statistic"] == pytest.approx(10.0)
    assert out["df"] == 1
    assert out["p_value"] == pytest.approx(0.0015654, rel=1e-4)   # P(chi2_1 > 10)


def test_benjamini_hochberg_reproduces_the_papers_example():
    # Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the procedure rejects the first four
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
         0.5719, 0.6528, 0.7590, 1.000]
    q_values, significant = rates.benjamini_hochberg(p, 0.05)
    assert significant == [True] * 4 + [False] * 11
    # q for the 4th: min over j >= 4 of p_j * 15 / j = 0.0095 * 15 / 4
    assert q_values[3] == pytest.approx(0.0095 * 15 / 4)
    # missing p-values stay missing and are not counted
    q2, s2 = rates.benjamini_hochberg([None, 0.01, 0.04], 0.05)
    assert q2[0] is None and s2 == [False, True, True]
    assert q2[1] == pytest.approx(0.02)


def test_wilson_interval_by_hand():
    # 40 of 100: Wilson centre (40 + z²/2) / (100 + z²), half-width z/(100+z²)·sqrt(100·0.4·0.6 + z²/4)
    z = 1.959964
    centre = (40 + z * z / 2) / (100 + z * z)
    half = z / (100 + z * z) * math.sqrt(100 * 0.4 * 0.6 + z * z / 4)
    ci = rates.proportion_ci(40, 100)
    assert ci.low == pytest.approx(centre - half, rel=1e-5)
    assert ci.high == pytest.approx(centre + half, rel=1e-5)


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 25), (3, 25), (25, 25), (37, 812), (5, 100_000),
                                 (99_999, 100_000), (4_321, 9_876)])
def test_clopper_pearson_closed_form_matches_scipy_root_search(k, n):
    # independent computation: scipy's binomtest finds the same limits by root search on the binomial tails
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    low, high = rates.clopper_pearson(k, n)
    assert low == pytest.approx(ci.low, rel=1e-8, abs=1e-12)
    assert high == pytest.approx(ci.high, rel=1e-8, abs=1e-12)


def _grid():
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 10, 37, 100, 1000, 12_345, 250_000, 5_000_000):
        for p in (0.5, 0.003, 0.2, 0.97, *rng.uniform(0.01, 0.99, 3)):
            sd = math.sqrt(n * p * (1 - p))
            for k in {0, n, *(int(round(n * p + z * sd)) for z in (-6, -3, -2, -1, 0, 0.5, 1, 2.5, 4, 7))}:
                if 0 <= k <= n:
                    yield k, n, float(p)


def test_binomial_p_value_matches_scipy_binomtest():
    # independent computation: scipy's binomtest (boost point probabilities, its own tails)
    checked = 0
    for k, n, p in _grid():
        expected = stats.binomtest(k, n, p).pvalue
        got = rates.binomial_p_value(k, n, p)
        assert got == pytest.approx(expected, abs=1e-4), (k, n, p)
        if 1e-250 < expected < 0.1:  # the p-values a significance flag turns on: to 1e-6 relative
            assert got == pytest.approx(expected, rel=1e-6), (k, n, p)
        checked += 1
    assert checked > 500
    # a certain outcome (p = 0 or 1): k is it, or impossible
    for k, n, p in ((0, 5, 0.0), (1, 5, 0.0), (5, 5, 1.0), (4, 5, 1.0)):
        assert rates.binomial_p_value(k, n, p) == stats.binomtest(k, n, p).pvalue
