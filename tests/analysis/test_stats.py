"""Exact Poisson comparisons against an independent computation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import beta, binom

from saferplaces.analysis.stats import poisson_change, rate_ratio


def clopper_pearson_rr(a: int, ea: float, b: int, eb: float, conf: float = 0.95):
    """Rate ratio interval from beta quantiles (the textbook Clopper-Pearson formula)."""
    n, alpha = a + b, 1 - conf
    lo = beta.ppf(alpha / 2, a, n - a + 1) if a > 0 else 0.0
    hi = beta.ppf(1 - alpha / 2, a + 1, n - a) if a < n else 1.0
    f = eb / ea
    return lo / (1 - lo) * f, (hi / (1 - hi) * f if hi < 1 else math.inf)


def test_rate_ratio_literal():
    r = rate_ratio(30, 1000, 100, 10000)
    assert r.rate_ratio == pytest.approx(3.0)
    assert (r.ci_low, r.ci_high) == pytest.approx(clopper_pearson_rr(30, 1000, 100, 10000))
    assert r.ci_low == pytest.approx(1.92517, abs=1e-4)
    assert r.significant


def test_equal_rates_not_significant():
    r = poisson_change(120, 100)
    assert r.rate_ratio == pytest.approx(1.2)
    # two-sided exact binomial p for 120 of 220 at 0.5, summed by hand over the tails
    n = 220
    p_obs = binom.pmf(120, n, 0.5)
    expected = sum(
        binom.pmf(k, n, 0.5) for k in range(n + 1) if binom.pmf(k, n, 0.5) <= p_obs * (1 + 1e-7)
    )
    assert r.p_value == pytest.approx(expected)
    assert not r.significant


def test_a_big_fall_is_significant():
    r = poisson_change(55, 100)
    assert r.rate_ratio == pytest.approx(0.55)
    assert r.ci_high < 1 and r.p_value < 0.001


def test_zero_counts():
    r = rate_ratio(0, 10, 0, 10)
    assert math.isnan(r.rate_ratio) and r.p_value == 1.0 and not r.significant
    r = rate_ratio(5, 10, 0, 10)
    assert r.rate_ratio == math.inf


@given(st.integers(1, 500), st.integers(1, 500), st.floats(0.1, 10), st.floats(0.1, 10))
def test_interval_contains_estimate_and_matches_formula(a, b, ea, eb):
    r = rate_ratio(a, ea, b, eb)
    assert r.ci_low <= r.rate_ratio <= r.ci_high
    lo, hi = clopper_pearson_rr(a, ea, b, eb)
    assert r.ci_low == pytest.approx(lo, rel=1e-6)
    assert r.ci_high == pytest.approx(hi, rel=1e-6)
