"""Emerging trends: the model against statsmodels, calibration and power on simulated series, and
a synthetic borough (labelled synthetic) with a planted lockdown dip.

Every simulation has an explicit seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.api as sm
from numpy.testing import assert_allclose
from statsmodels.stats.multitest import multipletests

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.stats import poisson_change
from saferplaces.analysis.trends import (
    ALL_CRIME,
    EMERGING_COLUMNS,
    SERIES_TEST_COLUMNS,
    TREND_COLUMNS,
    _design,
    emerging_issues,
    fit_glm,
    series_tests,
    trend_table,
    trends,
)
from saferplaces.periods import Period
from saferplaces.settings import AbnormalPeriod, LocalitySettings
from saferplaces.workspace import Workspace

MONTHS = pd.date_range("2021-01-01", periods=48, freq="MS")
SEASON = np.exp(0.25 * np.sin(2 * np.pi * (MONTHS.month.to_numpy() - 1) / 12))
YEAR = Period.parse("2024")


def _flag(y: np.ndarray) -> pd.DataFrame:
    """series_tests with BH q-values over every test, as trend_table does."""
    r = series_tests(y, MONTHS, YEAR)
    r["q"] = np.nan
    ok = r.p_value.notna()
    r.loc[ok, "q"] = multipletests(r.p_value[ok], method="fdr_bh")[1]
    return r


# -- the model -------------------------------------------------------------------------------


def test_fit_glm_equals_statsmodels_poisson_and_negbin():
    rng = np.random.default_rng(11)
    months = MONTHS[:36]
    x = _design(months, months[0])
    mu = 20 * SEASON[:36]
    y = rng.poisson(mu, size=(4, 36)).astype(float)
    y[3] = rng.negative_binomial(2, 2 / (2 + mu))  # over-dispersed
    fit = fit_glm(y, x)
    assert ((fit.alpha > 0) == (fit.dispersion > 1.5)).all()
    assert fit.alpha[3] > 0 and (fit.alpha == 0).sum() >= 2
    for i in range(4):
        family = (
            sm.families.NegativeBinomial(alpha=fit.alpha[i])
            if fit.alpha[i] > 0
            else sm.families.Poisson()
        )
        ref = sm.GLM(y[i], x, family=family).fit(tol=1e-12)
        assert_allclose(fit.params[i], ref.params, rtol=1e-6, atol=1e-8)
        assert_allclose(fit.cov[i], ref.cov_params(), rtol=1e-5, atol=1e-10)
        pearson = ((y[i] - ref.mu) ** 2 / ref.mu).sum() / ref.df_resid
        if fit.alpha[i] == 0:
            assert fit.dispersion[i] == pytest.approx(pearson, rel=1e-6)


def test_series_tests_schema_interval_and_two_sided_p():
    rng = np.random.default_rng(5)
    y = rng.poisson(30 * SEASON, size=(3, 48))
    y[2] = 1  # baseline mean 1 < 5 / 2: not modelled
    r = series_tests(y, MONTHS, YEAR)
    assert dict(r.dtypes.astype(str)) == SERIES_TEST_COLUMNS
    assert sorted(r.series.unique()) == [0, 1]
    assert len(r) == 24 and (r.method == "glm-poisson").all()
    assert (r.lower <= r.expected).all() and (r.expected <= r.upper).all()
    assert r.p_value.between(0, 1).all()
    # The same month with a much larger count: a smaller p-value.
    y2 = y.copy()
    y2[0, -1] = 120
    r2 = series_tests(y2, MONTHS, YEAR)
    assert r2.p_value.iloc[11] < 1e-10 < r.p_value.iloc[11]
    assert r2.expected.iloc[11] == pytest.approx(r.expected.iloc[11])


def test_min_expected_leaves_months_untested():
    y = np.full((1, 48), 8)
    r = series_tests(y, MONTHS, YEAR, min_expected=10)  # modelled (8 >= 5), expected 8 < 10
    assert len(r) == 12 and r.p_value.isna().all()
    assert r.expected.to_numpy() == pytest.approx(np.full(12, 8.0), rel=1e-6)


def test_fallback_with_short_history_is_the_exact_poisson_change():
    months = MONTHS[24:]  # 2023-01..2024-12: 12 baseline months before 2024
    y = np.array([[10] * 12 + [10, 12, 9, 30, 10, 10, 10, 10, 10, 10, 10, 10]])
    r = series_tests(y, months, YEAR)
    assert (r.method == "fallback").all()
    assert r.expected.tolist() == [10.0] * 12
    assert r.p_value.iloc[3] == pytest.approx(
        poisson_change(30, 120, exposure_ratio=1 / 12).p_value
    )
    assert r.p_value.iloc[3] < 0.001
    # Predictive interval: negative binomial r = 120, p = 12 / 13.
    assert (r.lower.iloc[0], r.upper.iloc[0]) == (4.0, 17.0)


def test_abnormal_months_do_not_move_the_expected_counts():
    rng = np.random.default_rng(8)
    y = rng.poisson(40 * SEASON, size=(5, 48))
    dipped = y.copy()
    dipped[:, 27:30] //= 3  # 2023-04..2023-06
    lockdown = [Period.parse("2023-04..2023-06")]
    clean = series_tests(y, MONTHS, YEAR, abnormal=lockdown)
    marked = series_tests(dipped, MONTHS, YEAR, abnormal=lockdown)
    unmarked = series_tests(dipped, MONTHS, YEAR)
    assert_allclose(marked.expected, clean.expected, rtol=1e-9)
    assert (unmarked.expected.to_numpy() < clean.expected.to_numpy()).mean() > 0.9


# -- calibration and power (seeded simulations) -------------------------------------------------


def test_calibration_no_change_flags_at_most_5_percent_of_series():
    """400 seasonal Poisson series with no change, five times over: the share of series with any
    month at q < 0.05 stays at most 5% in every run (in practice it is about 0-1%)."""
    rng = np.random.default_rng(20250601)
    shares = []
    for mean in (5, 10, 20, 50, 100):
        y = rng.poisson(mean * SEASON, size=(400, 48))
        r = _flag(y)
        shares.append(r[r.q < 0.05].series.nunique() / 400)
    assert max(shares) <= 0.05, shares


def test_power_step_of_50_percent_for_three_months_is_flagged():
    """One series of 200 gets +50% in its last three months (expected 250 a month; see
    docs/monitoring.md for the power at other counts): flagged in at least 90% of 50 runs."""
    rng = np.random.default_rng(20250602)
    hits = 0
    for _ in range(50):
        mu = np.tile(250 * SEASON, (200, 1))
        mu[0, -3:] *= 1.5
        r = _flag(rng.poisson(mu))
        hits += bool(((r.series == 0) & (r.q < 0.05) & (r.month >= "2024-10-01")).any())
    assert hits >= 45, hits


# -- a synthetic borough with a planted lockdown dip --------------------------------------------

CODES = [f"E0101418{i}" for i in range(6)]
TYPES = {"Burglary": 6.0, "Shoplifting": 10.0, "Violence and sexual offences": 14.0}
DIP = ("2020-04-01", "2020-06-01")


def _counts(seed: int, dip: bool) -> pd.DataFrame:
    """Synthetic monthly counts 2016-01..2021-12 by LSOA and category (seasonal Poisson); with
    ``dip``, April-June 2020 thinned to 40% (the same counts otherwise)."""
    rng = np.random.default_rng(seed)
    thin = np.random.default_rng(seed + 1)
    months = pd.date_range("2016-01-01", "2021-12-01", freq="MS")
    in_dip = (months >= DIP[0]) & (months <= DIP[1])
    rows = []
    for code in CODES:
        for crime_type, mean in TYPES.items():
            mu = mean * np.exp(0.2 * np.cos(2 * np.pi * (months.month - 7) / 12))
            n = rng.poisson(mu)
            kept = thin.binomial(n, 0.4)
            if dip:
                n = np.where(in_dip, kept, n)
            rows += [(m, crime_type, code, int(k)) for m, k in zip(months, n, strict=True)]
    return pd.DataFrame(rows, columns=["month", "crime_type", "lsoa", "n"])


def _load(ws: Workspace, counts: pd.DataFrame) -> None:
    con = ws.connect()
    con.execute("DELETE FROM crime")
    con.register("_counts", counts)
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, placed_by, synthetic, "
        "ingest_id, line) SELECT month::DATE, 'west-mercia', crime_type, lsoa, lsoa, 'code', "
        "true, 1, 0 FROM _counts, range(n)"
    )
    con.close()


@pytest.fixture
def borough(workspace: Workspace) -> Workspace:
    """Six LSOAs in two wards; synthetic crimes with a 60% dip in April-June 2020."""
    con = workspace.connect()
    for i, code in enumerate(CODES):
        square = shapely.box(-2.5 + 0.01 * i, 52.68, -2.49 + 0.01 * i, 52.69)
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2, geometry) "
            "VALUES (?, ?, 2021, 'E06000020', 1.0, ?)",
            [code, f"Synthetic {i}", shapely.to_wkb(square)],
        )
        con.execute("INSERT INTO population VALUES (?, 2021, 2021, 1500, 'test')", [code])
        ward = "North" if i < 3 else "South"
        con.execute(
            "INSERT INTO lsoa_ward (lsoa_code, ward_code, ward_name) VALUES (?, ?, ?)",
            [code, f"W{ward}", ward],
        )
    con.close()
    _load(workspace, _counts(seed=2020, dip=True))
    workspace.settings.localities["East"] = LocalitySettings(lsoas=CODES[4:])
    workspace.save_settings()
    return workspace


def _trend_table(ws: Workspace, period: str, **kw) -> pd.DataFrame:
    with ws.connect(read_only=True) as con:
        return trend_table(con, make_scope(con, ws.settings, period), ws.settings, **kw)


def test_borough_schema_levels_and_harm(borough: Workspace):
    t = _trend_table(borough, "2020")
    assert dict(t.dtypes.astype(str)) == TREND_COLUMNS
    assert t.groupby("level").series.nunique().to_dict() == {
        "area": 1,
        "locality": 1,
        "ward": 2,
        "lsoa": 6,
    }
    area = t[(t.level == "area") & (t.crime_type == "Burglary")]
    assert len(area) == 12 and (area.method == "glm-poisson").all()
    assert (area.harm == area.observed * 20.0).all()  # illustrative weight of burglary
    assert_allclose(area.excess_harm, area.excess_crimes * 20.0)
    assert t.attrs["baseline"] == "48 months 2016-01..2019-12; model"
    # Every tested month has a q-value no smaller than its p-value.
    tested = t[t.p_value.notna()]
    assert (tested.q_value >= tested.p_value - 1e-15).all()


def test_lockdown_dip_is_reported_as_a_significant_fall(borough: Workspace):
    with borough.connect(read_only=True) as con:
        result = trends(con, make_scope(con, borough.settings, "2020"), borough.settings)
    issues = result.issues
    assert dict(issues.dtypes.astype(str)) == EMERGING_COLUMNS
    falls = issues[(issues.level == "area") & (issues.direction == "fall")]
    assert set(falls.crime_type) == {ALL_CRIME, *TYPES}
    row = falls[falls.crime_type == ALL_CRIME].iloc[0]
    assert row.month == pd.Timestamp("2020-06-01")  # the latest month of the dip
    assert row.q_value < 1e-6 and row.months_persisting == 3
    assert row.observed < row.lower
    # Ranked by the size of the excess harm.
    assert issues.excess_harm.abs().is_monotonic_decreasing


def test_marking_the_dip_abnormal_keeps_it_out_of_later_baselines(borough: Workspace):
    unmarked = _trend_table(borough, "2021")
    borough.settings.monitoring.abnormal = [
        AbnormalPeriod(period="2020-03..2020-06", reason="first lockdown")
    ]
    borough.save_settings()
    marked = _trend_table(borough, "2021")
    assert (
        marked.attrs["baseline"] == "56 months 2016-01..2020-12, 4 abnormal months left out; model"
    )
    # The same months without any dip: expected counts for 2021 are exactly the same.
    counts = _counts(seed=2020, dip=False)
    _load(borough, counts)
    undipped = _trend_table(borough, "2021")
    assert_allclose(marked.expected, undipped.expected, rtol=1e-9)
    # Left in, the dip drags the expected counts of the next year down.
    area = (unmarked.level == "area") & (unmarked.crime_type == ALL_CRIME)
    assert (unmarked.expected[area].to_numpy() < marked.expected[area].to_numpy()).all()


def test_emerging_issues_keeps_the_latest_significant_month_per_direction():
    table = pd.DataFrame(
        {
            "level": ["area"] * 4,
            "series": ["X"] * 4,
            "crime_type": ["Burglary"] * 4,
            "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]),
            "observed": [30, 31, 5, 40],
            "expected": [10.0, 10.0, 10.0, 10.0],
            "lower": [4.0] * 4,
            "upper": [17.0] * 4,
            "harm": [600.0, 620.0, 100.0, 800.0],
            "excess_crimes": [20.0, 21.0, -5.0, 30.0],
            "excess_harm": [400.0, 420.0, -100.0, 600.0],
            "p_value": [1e-6, 1e-6, 0.2, 1e-9],
            "q_value": [1e-5, 1e-5, 0.3, 1e-8],
            "direction": ["rise", "rise", "fall", "rise"],
            "months_persisting": [1, 2, 1, 1],
            "method": ["glm-poisson"] * 4,
        }
    ).astype(TREND_COLUMNS)
    out = emerging_issues(table, q=0.05)
    assert out.month.tolist() == [pd.Timestamp("2025-04-01")]
    assert out.excess_harm.tolist() == [600.0]
