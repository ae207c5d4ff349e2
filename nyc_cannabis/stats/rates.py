"""Rates, rate ratios and their intervals, tests and multiple-comparison control: pure functions, scipy only.

Conventions (documented in ``docs/disparity.md``):

* A *rate* is ``count / (population × years) × 100,000``; its 95% interval is the exact Poisson (Garwood)
  interval from the chi-square quantiles.
* A *rate ratio* of group *a* against reference *b* has two intervals:
  the **log (Wald) method**, ``exp(ln RR ± z·sqrt(1/a + 1/b))``, and the **exact conditional** method:
  given ``a + b`` events, ``a`` is binomial with ``π = RR·Pa / (RR·Pa + Pb)``; the Clopper–Pearson interval
  for ``π`` maps back to RR. The exact interval is the one reported when either count is small
  (:data:`SMALL_COUNT`), the log interval otherwise; both are always returned.
* The exact conditional test of ``RR = 1`` is the two-sided binomial test of ``a`` out of ``a + b`` against
  ``Pa / (Pa + Pb)`` — the same test as R's ``poisson.test(c(a, b), c(Pa, Pb))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

#: below this many events in either group the exact conditional interval is the one reported
SMALL_COUNT = 30


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None

    def as_dict(self, prefix: str = "ci") -> dict[str, float | None]:
        return {f"{prefix}_low": self.low, f"{prefix}_high": self.high}


def poisson_ci(count: int, alpha: float = 0.05) -> Interval:
    """Exact (Garwood) interval for a Poisson mean given ``count`` events: the chi-square quantiles
    ``chi2.ppf(alpha/2, 2k) / 2`` and ``chi2.ppf(1 - alpha/2, 2k + 2) / 2``, taken as the inverse regularised
    gamma functions they are (the same numbers, without scipy.stats' per-call overhead)."""
    low = 0.0 if count == 0 else float(special.gammaincinv(count, alpha / 2))
    high = float(special.gammainccinv(count + 1, alpha / 2))
    return Interval(low, high)


def rate(count: int, population: float, years: float, per: float = 100_000) -> float | None:
    """Events per ``per`` residents per year; None without a denominator."""
    if not population or not years:
        return None
    return count / (population * years) * per


def rate_ci(count: int, population: float, years: float, per: float = 100_000,
            alpha: float = 0.05) -> Interval:
    if not population or not years:
        return Interval(None, None)
    ci = poisson_ci(count, alpha)
    scale = per / (population * years)
    return Interval(ci.low * scale, ci.high * scale)


def rate_ratio(a: int, pop_a: float, b: int, pop_b: float) -> float | None:
    """(a / pop_a) / (b / pop_b); None when the reference rate is zero or a population is missing."""
    if not pop_a or not pop_b or b == 0:
        return None
    return (a / pop_a) / (b / pop_b)


def rate_ratio_log_ci(a: int, pop_a: float, b: int, pop_b: float, alpha: float = 0.05) -> Interval:
    """Wald interval on the log scale; undefined when either count is zero."""
    rr = rate_ratio(a, pop_a, b, pop_b)
    if rr is None or a == 0:
        return Interval(None, None)
    z = special.ndtri(1 - alpha / 2)
    se = math.sqrt(1 / a + 1 / b)
    return Interval(rr * math.exp(-z * se), rr * math.exp(z * se))


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval for a binomial proportion from the beta quantiles — the closed form
    of the interval ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")`` finds by root search
    (the same numbers to ~1e-11, a hundred times faster: a precinct table computes hundreds)."""
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high


def rate_ratio_exact_ci(a: int, pop_a: float, b: int, pop_b: float, alpha: float = 0.05) -> Interval:
    """Exact conditional interval (Clopper–Pearson on a | a + b), as R's ``poisson.test``."""
    n = a + b
    if n == 0 or not pop_a or not pop_b:
        return Interval(None, None)
    low, high = clopper_pearson(a, n, alpha)
    odds = pop_b / pop_a

    def to_rr(p: float) -> float | None:
        return None if p >= 1 else p / (1 - p) * odds

    return Interval(to_rr(low), to_rr(high))


def rate_ratio_p_value(a: int, pop_a: float, b: int, pop_b: float) -> float | None:
    """Two-sided exact conditional test of equal rates."""
    n = a + b
    if n == 0 or not pop_a or not pop_b:
        return None
    return binomial_p_value(a, n, pop_a / (pop_a + pop_b))


def binomial_p_value(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial test of ``k`` successes in ``n`` trials against ``p``: the sum of
    the probabilities of every outcome no more likely than ``k`` (relative tolerance 1e-7), as R's
    ``binom.test`` and ``scipy.stats.binomtest``. The same algorithm as scipy's — the tail of ``k``, and a
    binary search for where the other tail starts — with the point probabilities from log-gamma and the
    tails from ``scipy.special.bdtr``: about 20 times faster, which a precinct table of hundreds of ratios
    needs. ``tests/test_rates.py`` checks it against ``binomtest`` on a grid up to n = 5 million."""
    if p <= 0 or p >= 1:  # one outcome is certain: k is either it (p-value 1) or impossible (0)
        return 1.0 if k == (0 if p <= 0 else n) else 0.0

    def pmf(x: int) -> float:
        return math.exp(math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1)
                        + x * math.log(p) + (n - x) * math.log1p(-p))

    def cdf(x: int) -> float:  # P(X <= x)
        return 0.0 if x < 0 else 1.0 if x >= n else float(special.bdtr(x, n, p))

    def sf(x: int) -> float:  # P(X > x)
        return 1.0 if x < 0 else 0.0 if x >= n else float(special.bdtrc(x, n, p))

    d = pmf(k) * (1 + 1e-7)
    mode = p * n
    if k == mode:
        return 1.0
    if k < mode:  # the upper tail starts at the first x above the mode with pmf(x) <= d
        lo, hi = math.ceil(mode), n
        while lo < hi:
            mid = (lo + hi) // 2
            if pmf(mid) <= d:
                hi = mid
            else:
                lo = mid + 1
        upper_start = lo if pmf(lo) <= d else n + 1
        return min(1.0, cdf(k) + sf(upper_start - 1))
    lo, hi = 0, math.floor(mode)  # the lower tail ends at the last x below the mode with pmf(x) <= d
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pmf(mid) <= d:
            lo = mid
        else:
            hi = mid - 1
    lower_end = lo if pmf(lo) <= d else -1
    return min(1.0, cdf(lower_end) + sf(k - 1))


def compare(a: int, pop_a: float, b: int, pop_b: float, alpha: float = 0.05) -> dict[str, float | str | None]:
    """Rate ratio of ``a`` against ``b`` with both intervals, the reported one and the exact p-value."""
    log = rate_ratio_log_ci(a, pop_a, b, pop_b, alpha)
    exact = rate_ratio_exact_ci(a, pop_a, b, pop_b, alpha)
    small = min(a, b) < SMALL_COUNT
    chosen = exact if small else log
    return {"rate_ratio": rate_ratio(a, pop_a, b, pop_b),
            **chosen.as_dict("ci"), "ci_method": "exact conditional" if small else "log (Wald)",
            **log.as_dict("log_ci"), **exact.as_dict("exact_ci"),
            "p_value": rate_ratio_p_value(a, pop_a, b, pop_b)}


def proportion_ci(successes: int, trials: int, alpha: float = 0.05) -> Interval:
    """Wilson score interval for a share (used for the arrest-vs-summons share)."""
    if trials == 0:
        return Interval(None, None)
    from scipy import stats  # scipy.stats costs half a second to import: only the pages that need it pay

    ci = stats.binomtest(successes, trials).proportion_ci(confidence_level=1 - alpha, method="wilson")
    return Interval(float(ci.low), float(ci.high))


def goodness_of_fit(counts: list[int], populations: list[float]) -> dict[str, float | int | str | None]:
    """Chi-square test that enforcement falls on groups in proportion to their population."""
    obs = np.asarray(counts, dtype=float)
    pop = np.asarray(populations, dtype=float)
    if len(obs) < 2 or obs.sum() == 0 or pop.sum() == 0:
        return {"name": "chi-square goodness of fit to population shares", "statistic": None, "df": None,
                "p_value": None, "note": "needs at least two groups with records and population"}
    expected = obs.sum() * pop / pop.sum()
    statistic = float(((obs - expected) ** 2 / expected).sum())  # Pearson's X², as scipy.stats.chisquare
    df = len(obs) - 1
    return {"name": "chi-square goodness of fit to population shares", "statistic": statistic,
            "df": df, "p_value": float(special.chdtrc(df, statistic)),
            "min_expected": float(expected.min())}


def benjamini_hochberg(p_values: list[float | None], q: float = 0.05) -> tuple[list[float | None], list[bool]]:
    """BH-adjusted p-values (q-values) and whether each is significant at false discovery rate ``q``.
    Missing p-values stay missing and are not counted among the comparisons."""
    idx = [i for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    if idx:
        from scipy import stats

        adj = stats.false_discovery_control([p_values[i] for i in idx], method="bh")
        for i, a in zip(idx, adj):
            adjusted[i] = float(a)
    return adjusted, [a is not None and a <= q for a in adjusted]


__all__ = ["Interval", "poisson_ci", "rate", "rate_ci", "rate_ratio", "rate_ratio_log_ci",
           "binomial_p_value", "clopper_pearson", "rate_ratio_exact_ci", "rate_ratio_p_value", "compare", "proportion_ci", "goodness_of_fit",
           "benjamini_hochberg"]
