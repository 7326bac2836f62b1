"""Exact comparisons of Poisson counts: change between periods and rate ratios between places.

Both use the conditional binomial method: given ``a + b`` events, ``a`` is binomial with
probability ``E_a / (E_a + E_b)`` when the two rates are equal (E being exposure: months,
residents). The p-value is the exact two-sided binomial test and the rate ratio's confidence
interval is the Clopper-Pearson interval for the proportion, transformed.

Examples
--------
>>> r = rate_ratio(30, 1000, 100, 10000)
>>> round(r.rate_ratio, 2), round(r.ci_low, 2), round(r.ci_high, 2), r.p_value < 0.001
(3.0, 1.93, 4.55, True)
>>> c = poisson_change(120, 100)
>>> round(c.rate_ratio, 2), round(c.p_value, 3), c.significant
(1.2, 0.2, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import binomtest

__all__ = ["RateRatio", "poisson_change", "rate_ratio"]


@dataclass(frozen=True)
class RateRatio:
    """The ratio of two Poisson rates with its exact confidence interval and p-value."""

    a: int
    b: int
    rate_ratio: float  # (a / exposure_a) / (b / exposure_b)
    ci_low: float
    ci_high: float
    p_value: float  # exact two-sided test of rate_ratio = 1
    confidence: float

    @property
    def significant(self) -> bool:
        """True when the interval excludes 1 (equivalently p < 1 - confidence)."""
        return self.ci_low > 1 or self.ci_high < 1


def rate_ratio(
    a: int, exposure_a: float, b: int, exposure_b: float, confidence: float = 0.95
) -> RateRatio:
    """Compare ``a`` events over ``exposure_a`` with ``b`` events over ``exposure_b``.

    Parameters
    ----------
    a, b : int
        Event counts (crimes, say) in the two groups.
    exposure_a, exposure_b : float
        Exposure of each group (residents, months); must be positive.
    confidence : float
        Level of the interval.
    """
    if exposure_a <= 0 or exposure_b <= 0:
        raise ValueError("exposures must be positive")
    a, b = int(a), int(b)
    n = a + b
    scale = exposure_b / exposure_a
    if n == 0:
        return RateRatio(a, b, math.nan, 0.0, math.inf, 1.0, confidence)
    test = binomtest(a, n, exposure_a / (exposure_a + exposure_b))
    ci = test.proportion_ci(confidence_level=confidence, method="exact")

    def odds(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    rr = odds(a / n) if b > 0 else math.inf
    return RateRatio(a, b, rr, odds(ci.low), odds(ci.high), float(test.pvalue), confidence)


def poisson_change(
    current: int, previous: int, confidence: float = 0.95, exposure_ratio: float = 1.0
) -> RateRatio:
    """Test whether ``current`` differs from ``previous`` beyond chance (equal-length periods).

    ``exposure_ratio`` is current exposure over previous exposure (1 for equal periods and an
    unchanged population).
    """
    return rate_ratio(current, exposure_ratio, previous, 1.0, confidence)
