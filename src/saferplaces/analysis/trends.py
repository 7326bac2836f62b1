"""Emerging trends: each month's count against what the months before it lead us to expect.

For every crime category (and all crime together) at each level (the area, each locality, each
ward, each LSOA where counts allow) the monthly counts before the monitored period are the
*baseline*. A log-linear model with month-of-year seasonality and a linear trend is fitted to the
baseline, leaving out the months ``saferplaces.toml`` marks abnormal (``[[monitoring.abnormal]]``,
for example the 2020 lockdowns), and each month of the period is compared with its prediction:

- **Model** (at least ``min_history`` = 24 baseline months): Poisson GLM, log link, columns
  intercept, trend (years) and eleven month-of-year dummies. When the Pearson chi-square over its
  degrees of freedom exceeds ``overdispersion`` (1.5) the series is refitted as a negative
  binomial GLM (variance ``mu + alpha mu²``) with ``alpha`` from the Cameron-Trivedi moment
  regression on the Poisson fit. The fits are exactly statsmodels' ``GLM`` (IRLS; tests compare
  them), run for all series at once because every series shares the design.
- **Predictive distribution**: negative binomial with the predicted mean and
  ``alpha + s² + alpha s²``, where ``s² = exp(v) - 1`` carries the uncertainty ``v`` of the
  predicted log mean (``x' Cov x``) as a gamma mixing term; for a Poisson fit ``alpha = 0``.
- **Test**: two-sided, ``p = min(1, 2 min(P(Y <= y), P(Y >= y)))`` under that distribution;
  interval: its 2.5% and 97.5% quantiles (``level`` = 0.95).
- **Fallback** (fewer than ``min_history`` baseline months): each month against the mean of up
  to the 12 (non-abnormal) months before the period, by the exact conditional test
  :func:`saferplaces.analysis.stats.poisson_change` (which allows for the baseline's own noise);
  interval from the Poisson-gamma predictive distribution (negative binomial, ``r`` = baseline
  crimes, ``p = n / (n + 1)`` for ``n`` baseline months).
- **Multiple testing**: Benjamini-Hochberg q-values over every series and month tested in one
  call; only months whose expected count is at least ``min_expected`` are tested, and series
  whose baseline mean is below half of it are not modelled at all (most LSOA series).
- **Persistence**: ``months_persisting`` counts the months in a row, ending with this one, in
  which the observed count was on the same side of the expected count (above for a rise).

Examples
--------
>>> rng = np.random.default_rng(1)
>>> months = pd.date_range("2021-01-01", periods=48, freq="MS")
>>> y = rng.poisson(40, size=(2, 48))
>>> y[1, -1] = 90  # an unusual last month in the second series
>>> t = series_tests(y, months, Period.parse("2024-01..2024-12"))
>>> t.groupby("series").method.first().tolist()
['glm-poisson', 'glm-poisson']
>>> bool(t.p_value.iloc[-1] < 1e-6), int(t.observed.iloc[-1])
(True, 90)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from saferplaces.analysis.base import Scope
from saferplaces.analysis.stats import poisson_change
from saferplaces.display import print_frame, print_synthetic_banner
from saferplaces.errors import SaferplacesError
from saferplaces.geo.localities import locality_lsoas
from saferplaces.periods import Period
from saferplaces.settings import Settings

__all__ = [
    "ALL_CRIME",
    "EMERGING_COLUMNS",
    "LEVELS",
    "SERIES_TEST_COLUMNS",
    "TREND_COLUMNS",
    "Trends",
    "abnormal_periods",
    "emerging_issues",
    "fit_glm",
    "monthly_series",
    "print_trends",
    "series_tests",
    "trend_table",
    "trends",
]

ALL_CRIME = "All crime"
LEVELS = ("area", "locality", "ward", "lsoa")

SERIES_TEST_COLUMNS = {
    "series": "int64",
    "month": "datetime64[ns]",
    "observed": "int64",
    "expected": "float64",
    "lower": "float64",
    "upper": "float64",
    "p_value": "float64",
    "method": "object",
}

TREND_COLUMNS = {
    "level": "object",
    "series": "object",
    "crime_type": "object",
    "month": "datetime64[ns]",
    "observed": "int64",
    "expected": "float64",
    "lower": "float64",
    "upper": "float64",
    "harm": "float64",
    "excess_crimes": "float64",
    "excess_harm": "float64",
    "p_value": "float64",
    "q_value": "float64",
    "direction": "object",
    "months_persisting": "int64",
    "method": "object",
}

EMERGING_COLUMNS = {
    "level": "object",
    "series": "object",
    "crime_type": "object",
    "month": "datetime64[ns]",
    "direction": "object",
    "observed": "int64",
    "expected": "float64",
    "lower": "float64",
    "upper": "float64",
    "excess_crimes": "float64",
    "excess_harm": "float64",
    "p_value": "float64",
    "q_value": "float64",
    "months_persisting": "int64",
    "method": "object",
}

FALLBACK_MONTHS = 12


# -- the model -------------------------------------------------------------------------------


def _design(months: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    """Intercept, trend in years since ``origin``, and month-of-year dummies (February-December)."""
    t = ((months.year - origin.year) * 12 + months.month - origin.month) / 12.0
    dummies = (np.asarray(months.month)[:, None] == np.arange(2, 13)[None, :]).astype(float)
    return np.column_stack([np.ones(len(months)), t, dummies])


@dataclass(frozen=True)
class GlmFit:
    """Fitted GLMs of many series sharing one design (see :func:`fit_glm`)."""

    params: np.ndarray  # (series, columns)
    cov: np.ndarray  # (series, columns, columns), scale 1
    alpha: np.ndarray  # (series,) negative binomial alpha; 0 for Poisson
    dispersion: np.ndarray  # (series,) Pearson chi-square / df of the Poisson fit
    columns: np.ndarray  # which design columns were used (month dummies absent are dropped)


def _irls(
    x: np.ndarray, y: np.ndarray, alpha: np.ndarray, eta: np.ndarray, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IRLS for a log-link GLM with variance ``mu + alpha mu²``, all series at once.

    A series stops iterating once no fitted log mean moves by more than 1e-10.
    """
    p = x.shape[1]
    ridge = 1e-10 * np.eye(p)
    eta = eta.copy()
    beta = np.zeros((y.shape[0], p))
    active = np.arange(y.shape[0])

    def normal_equations(e: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mu = np.exp(e)
        w = mu / (1 + a[:, None] * mu)
        xw = x.T[None, :, :] * w[:, None, :]  # (series, columns, months)
        return xw @ x + ridge, xw, mu

    for _ in range(max_iter):
        e = eta[active]
        lhs, xw, mu = normal_equations(e, alpha[active])
        z = e + (y[active] - mu) / mu
        new = np.linalg.solve(lhs, (xw @ z[..., None]))[..., 0]
        # Counts that are all zero in one month of year send a dummy to -inf; clip so the
        # series converges to an expected count of ~0 instead of overflowing.
        moved = np.clip(new @ x.T, -30, 30)
        beta[active] = new
        eta[active] = moved
        active = active[np.max(np.abs(moved - e), axis=1) > 1e-10]
        if len(active) == 0:
            break
    lhs, _, mu = normal_equations(eta, alpha)
    return beta, np.linalg.inv(lhs), mu


def fit_glm(
    y: np.ndarray, x: np.ndarray, overdispersion: float = 1.5, family: str = "auto"
) -> GlmFit:
    """Poisson (or negative binomial) log-link GLMs of the rows of ``y`` on the design ``x``.

    Parameters
    ----------
    y : array (series, months)
        Baseline counts.
    x : array (months, columns)
        Design shared by every series; all-zero columns are dropped.
    overdispersion : float
        Pearson chi-square over degrees of freedom above which a series is refitted as negative
        binomial (``family="auto"``).
    family : {"auto", "poisson", "negbin"}

    Returns
    -------
    GlmFit
        Equal to ``statsmodels.api.GLM(y_i, x, family=Poisson())`` (or ``NegativeBinomial(alpha)``
        with the Cameron-Trivedi ``alpha`` of the Poisson fit) for every series ``i``.
    """
    y = np.asarray(y, dtype=float)
    used = np.flatnonzero(np.any(x != 0, axis=0))
    xs = x[:, used]
    n, p = xs.shape
    s = y.shape[0]
    if n <= p:
        raise SaferplacesError(f"{n} baseline months cannot fit {p} model terms")
    mean = y.mean(axis=1, keepdims=True)
    eta0 = np.log(np.maximum((y + mean) / 2, 1e-3))  # statsmodels' starting values
    zero = np.zeros(s)
    beta, cov, mu = _irls(xs, y, zero, eta0)
    dispersion = ((y - mu) ** 2 / mu).sum(axis=1) / (n - p)
    alpha = zero.copy()
    nb = (dispersion > overdispersion) if family == "auto" else np.full(s, family == "negbin")
    if nb.any():
        # Cameron and Trivedi (1990): regress ((y - mu)² - y) / mu on mu without intercept.
        m = mu[nb]
        alpha[nb] = np.maximum(((y[nb] - m) ** 2 - y[nb]).sum(axis=1) / (m**2).sum(axis=1), 1e-8)
        b2, c2, _ = _irls(xs, y[nb], alpha[nb], np.log(m))
        beta[nb], cov[nb] = b2, c2
    return GlmFit(beta, cov, alpha, dispersion, used)


def _nbinom(mean: np.ndarray, alpha: np.ndarray) -> sps.rv_discrete:
    """Negative binomial with ``mean`` and variance ``mean + alpha mean²``."""
    r = 1.0 / np.maximum(alpha, 1e-12)
    return sps.nbinom(r, r / (r + np.maximum(mean, 1e-300)))


def _two_sided(dist: sps.rv_discrete, y: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, 2 * np.minimum(dist.cdf(y), dist.sf(y - 1)))


def series_tests(
    counts: np.ndarray,
    months: Sequence[date] | pd.DatetimeIndex,
    period: Period,
    abnormal: Sequence[Period] = (),
    min_expected: float = 5.0,
    level: float = 0.95,
    min_history: int = 24,
    max_history: int = 60,
    overdispersion: float = 1.5,
) -> pd.DataFrame:
    """Test each month of ``period`` in each series against its baseline (pure: arrays in).

    Parameters
    ----------
    counts : array (series, months)
        Monthly counts; ``months`` labels the columns (gaps allowed; months not listed are
        treated as not held, never as zero).
    period : Period
        The months to test; the baseline is the held months before it.
    abnormal : sequence of Period
        Months left out of the baseline (they are still tested when inside ``period``).
    min_expected : float
        Months expected below this are not tested (p and q left empty); series whose baseline
        mean is below half of it are left out altogether.
    level : float
        Coverage of the ``lower``-``upper`` prediction interval.
    min_history, max_history : int
        Baseline months needed for the model (else the fallback), and the most used (latest).
    overdispersion : float
        Pearson chi-square / df above which a series is fitted as negative binomial.

    Returns
    -------
    DataFrame
        Columns :data:`SERIES_TEST_COLUMNS`: ``series`` (row of ``counts``), ``month``,
        ``observed``, ``expected`` (predicted mean), ``lower``/``upper`` (interval), ``p_value``
        (two-sided; NaN when not tested) and ``method`` (``glm-poisson``, ``glm-negbin`` or
        ``fallback``), one row per modelled series and held month of ``period``.
    """
    y = np.asarray(counts, dtype=float)
    if y.ndim != 2 or y.shape[1] != len(months):
        raise ValueError(f"counts must be (series, {len(months)} months), not {y.shape}")
    idx = pd.DatetimeIndex(pd.to_datetime(list(months)))
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    bad = np.zeros(len(idx), dtype=bool)
    for a in abnormal:
        bad |= (idx >= pd.Timestamp(a.start)) & (idx <= pd.Timestamp(a.end))
    base = np.flatnonzero((idx < start) & ~bad)[-max_history:]
    test = np.flatnonzero((idx >= start) & (idx <= end))
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in SERIES_TEST_COLUMNS.items()})
    if len(test) == 0 or len(base) == 0:
        return empty
    modelled = np.flatnonzero(y[:, base].mean(axis=1) >= min_expected / 2)
    if len(modelled) == 0:
        return empty
    yb, yt = y[np.ix_(modelled, base)], y[np.ix_(modelled, test)]
    alpha = 1 - level

    if len(base) >= min_history:
        x = _design(idx, idx[base[0]])
        fit = fit_glm(yb, x[base], overdispersion)
        xt = x[test][:, fit.columns]
        expected = np.exp(np.clip(fit.params @ xt.T, -30, 30))
        v = np.einsum("kp,spq,kq->sk", xt, fit.cov, xt)
        # A series with a month of year at zero has a huge v there (and expects ~0 crimes, so
        # the month is not tested); cap it to keep the arithmetic finite.
        s2 = np.expm1(np.minimum(v, 20.0))
        nb = fit.alpha[:, None]
        dist = _nbinom(expected, nb + s2 + nb * s2)
        p = _two_sided(dist, yt)
        lower, upper = dist.ppf(alpha / 2), dist.ppf(1 - alpha / 2)
        method = np.where(fit.alpha > 0, "glm-negbin", "glm-poisson")[:, None].repeat(len(test), 1)
    else:
        recent = base[-FALLBACK_MONTHS:]
        n = len(recent)
        total = y[np.ix_(modelled, recent)].sum(axis=1)
        expected = np.repeat((total / n)[:, None], len(test), axis=1)
        p = np.array(
            [
                [poisson_change(int(c), int(t), exposure_ratio=1 / n).p_value for c in row]
                for row, t in zip(yt, total, strict=True)
            ]
        ).reshape(yt.shape)
        r = np.maximum(total, 1e-12)[:, None]
        dist = sps.nbinom(r, n / (n + 1.0))
        lower = np.broadcast_to(dist.ppf(alpha / 2), yt.shape)
        upper = np.broadcast_to(dist.ppf(1 - alpha / 2), yt.shape)
        method = np.full(yt.shape, "fallback", dtype=object)

    p = np.where(expected >= min_expected, p, np.nan)
    k = len(test)
    out = pd.DataFrame(
        {
            "series": np.repeat(modelled, k),
            "month": np.tile(idx[test], len(modelled)),
            "observed": yt.ravel().astype("int64"),
            "expected": expected.ravel(),
            "lower": np.asarray(lower, dtype=float).ravel(),
            "upper": np.asarray(upper, dtype=float).ravel(),
            "p_value": p.ravel(),
            "method": np.asarray(method, dtype=object).ravel(),
        }
    )
    return out.astype(SERIES_TEST_COLUMNS)


# -- series from the warehouse ----------------------------------------------------------------


def abnormal_periods(settings: Settings) -> list[Period]:
    """The periods ``saferplaces.toml`` marks abnormal (``[[monitoring.abnormal]]``)."""
    out = []
    for a in settings.monitoring.abnormal:
        try:
            out.append(Period.parse(a.period))
        except SaferplacesError as e:
            raise SaferplacesError(
                f"saferplaces.toml: monitoring.abnormal period '{a.period}': {e}"
            ) from None
    return out


def _members(
    con: duckdb.DuckDBPyConnection, scope: Scope, settings: Settings, levels: Sequence[str]
) -> list[tuple[str, str, list[str]]]:
    """(level, series name, LSOAs) for every series of the requested levels."""
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise SaferplacesError(f"level '{unknown[0]}' is not one of {', '.join(LEVELS)}")
    out: list[tuple[str, str, list[str]]] = []
    if "area" in levels:
        out.append(("area", scope.area_name, list(scope.lsoas)))
    if "locality" in levels:
        for name in settings.localities:
            inside = set(scope.lsoas)
            out.append(
                ("locality", name, [c for c in locality_lsoas(con, settings, name) if c in inside])
            )
    if "ward" in levels:
        wards = con.execute(
            "SELECT coalesce(ward_name, ward_code), lsoa_code FROM lsoa_ward "
            "WHERE lsoa_code IN (SELECT lsoa FROM scope_lsoa) ORDER BY 1, 2"
        ).fetchall()
        by_ward: dict[str, list[str]] = {}
        for ward, code in wards:
            by_ward.setdefault(ward, []).append(code)
        out += [("ward", w, codes) for w, codes in by_ward.items()]
    if "lsoa" in levels:
        out += [("lsoa", c, [c]) for c in scope.lsoas]
    return out


def monthly_series(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    settings: Settings,
    levels: Sequence[str] = LEVELS,
    end: date | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Monthly crimes and harm of every series: category and all crime, at each level.

    Returns
    -------
    (index, counts, harm, months)
        ``index``: one row per series with ``level``, ``series`` (area, locality or ward name,
        or LSOA code), ``crime_type`` (a category or ``All crime``) and ``weight`` (the
        scheme's category weight; for all crime NaN). ``counts`` and ``harm``: arrays
        (series, months). ``months``: every month held for the area up to ``end`` (default:
        the scope period's end).
    """
    end = end or scope.period.end
    rows = con.execute(
        """
        SELECT c.lsoa, c.crime_type, c.month, count(*)::BIGINT AS n
        FROM crime c WHERE c.lsoa IN (SELECT lsoa FROM scope_lsoa) AND c.month <= ?
        GROUP BY ALL
        """,
        [end],
    ).df()
    weights = dict(con.execute("SELECT crime_type, weight FROM harm_weights").fetchall())
    months = pd.DatetimeIndex(sorted(pd.to_datetime(rows.month.unique())))
    types = sorted(rows.crime_type.unique())
    lsoas = list(scope.lsoas)
    li = pd.Index(lsoas).get_indexer(pd.Index(rows.lsoa))
    ti = pd.Index(types).get_indexer(pd.Index(rows.crime_type))
    mi = months.get_indexer(pd.DatetimeIndex(rows.month))
    cube = np.zeros((len(lsoas), len(types), len(months)))
    np.add.at(cube, (li, ti, mi), rows.n.to_numpy(dtype=float))
    w = np.array([weights.get(t, 0.0) or 0.0 for t in types])

    pos = {c: i for i, c in enumerate(lsoas)}
    members = _members(con, scope, settings, levels)
    index_rows, counts, harm = [], [], []
    for lv, name, codes in members:
        sub = cube[[pos[c] for c in codes if c in pos]].sum(axis=0)  # (types, months)
        for j, t in enumerate(types):
            index_rows.append((lv, name, t, w[j]))
            counts.append(sub[j])
            harm.append(sub[j] * w[j])
        index_rows.append((lv, name, ALL_CRIME, np.nan))
        counts.append(sub.sum(axis=0))
        harm.append((sub * w[:, None]).sum(axis=0))
    index = pd.DataFrame(index_rows, columns=["level", "series", "crime_type", "weight"])
    shape = (len(index), len(months))
    return (
        index,
        np.array(counts).reshape(shape),
        np.array(harm).reshape(shape),
        months,
    )


def _persistence(frame: pd.DataFrame) -> np.ndarray:
    """Months in a row, ending with each row, on the row's side of expected (rows in month order
    within series)."""
    sign = np.sign(frame.observed.to_numpy() - frame.expected.to_numpy())
    group = frame.key.to_numpy()
    out = np.zeros(len(frame), dtype="int64")
    run = 0
    for i in range(len(frame)):
        if i and group[i] == group[i - 1] and sign[i] == sign[i - 1] and sign[i] != 0:
            run += 1
        else:
            run = 1 if sign[i] != 0 else 0
        out[i] = run
    return out


def trend_table(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    settings: Settings,
    levels: Sequence[str] = LEVELS,
    min_expected: float = 5.0,
    level: float = 0.95,
    min_history: int = 24,
    max_history: int = 60,
) -> pd.DataFrame:
    """Every modelled series and month of the scope's period, tested against its baseline.

    Parameters
    ----------
    con : duckdb connection
        The warehouse, with the scope's temporary tables (see :func:`make_scope`).
    scope : Scope
        Its period is the months monitored; the baseline is the months held before it.
    settings : Settings
        Localities and abnormal periods (``monitoring.abnormal``).
    levels : sequence of {"area", "locality", "ward", "lsoa"}
    min_expected, level, min_history, max_history
        See :func:`series_tests`.

    Returns
    -------
    DataFrame
        Columns :data:`TREND_COLUMNS`: ``level``, ``series`` (name, or LSOA code),
        ``crime_type`` (a category or ``All crime``), ``month``, ``observed`` crimes,
        ``expected`` crimes with the ``lower``-``upper`` prediction interval, observed ``harm``,
        ``excess_crimes`` (observed - expected), ``excess_harm`` (excess crimes times the
        category weight; for all crime, times the baseline's harm per crime), ``p_value``,
        ``q_value`` (Benjamini-Hochberg over every test in the table; NaN when the month was
        not tested), ``direction`` (``rise`` or ``fall``: observed above or below expected),
        ``months_persisting`` and ``method``. Sorted by level, series, crime type, month.
        ``attrs`` holds ``harm_scheme``, ``period``, ``baseline`` and ``abnormal``.
    """
    index, counts, harm, months = monthly_series(con, scope, settings, levels)
    abnormal = abnormal_periods(settings)
    tests = series_tests(
        counts, months, scope.period, abnormal, min_expected, level, min_history, max_history
    )
    t = tests.join(index, on="series", rsuffix="_")
    rows = tests.series.to_numpy()
    cols = months.get_indexer(pd.DatetimeIndex(tests.month))
    t["harm"] = harm[rows, cols] if len(t) else np.array([], dtype=float)
    # Harm per crime for all crime: the baseline's own mix (months before the period).
    before = (months < pd.Timestamp(scope.period.start)).astype(float)
    per_crime = (harm @ before) / np.maximum(counts @ before, 1)
    weight = t.weight.to_numpy(dtype=float)
    weight = np.where(np.isnan(weight), per_crime[rows] if len(t) else weight, weight)
    t["series"] = t["series_"]
    t["excess_crimes"] = t.observed - t.expected
    t["excess_harm"] = t.excess_crimes * weight
    t["q_value"] = np.nan
    tested = t.p_value.notna().to_numpy()
    if tested.any():
        t.loc[tested, "q_value"] = multipletests(t.p_value[tested], method="fdr_bh")[1]
    t["direction"] = np.where(t.observed >= t.expected, "rise", "fall")
    t = t.sort_values(["level", "series_", "crime_type", "month"], kind="stable")
    t["key"] = t.level + "\x00" + t.series_ + "\x00" + t.crime_type
    t["months_persisting"] = _persistence(t)
    order = {lv: i for i, lv in enumerate(LEVELS)}
    t = t.sort_values(
        ["level", "series_", "crime_type", "month"],
        key=lambda s: s.map(order) if s.name == "level" else s,
        kind="stable",
        ignore_index=True,
    )
    out = t[list(TREND_COLUMNS)].astype(TREND_COLUMNS)
    out.attrs = {
        "harm_scheme": scope.harm_label,
        "period": str(scope.period),
        "baseline": _baseline_text(months, scope.period, abnormal, min_history, max_history),
        "abnormal": [str(a) for a in abnormal],
    }
    return out


def _baseline_text(
    months: pd.DatetimeIndex,
    period: Period,
    abnormal: Sequence[Period],
    min_history: int,
    max_history: int,
) -> str:
    before = months[months < pd.Timestamp(period.start)]
    bad = np.zeros(len(before), dtype=bool)
    for a in abnormal:
        bad |= (before >= pd.Timestamp(a.start)) & (before <= pd.Timestamp(a.end))
    used = before[~bad][-max_history:]
    if len(used) == 0:
        return "no months before the period are held"
    kind = "model" if len(used) >= min_history else f"fallback (under {min_history} months)"
    left = f", {int(bad.sum())} abnormal months left out" if bad.any() else ""
    return f"{len(used)} months {used[0]:%Y-%m}..{used[-1]:%Y-%m}{left}; {kind}"


def emerging_issues(table: pd.DataFrame, q: float = 0.05) -> pd.DataFrame:
    """The ranked list: each series' latest month with a significant rise, and with a fall.

    Parameters
    ----------
    table : DataFrame
        :func:`trend_table`.
    q : float
        False discovery rate: months with ``q_value <= q`` are significant.

    Returns
    -------
    DataFrame
        Columns :data:`EMERGING_COLUMNS` (as in :func:`trend_table`), one row per series,
        category and direction (its latest significant month), ranked by the size of the
        excess harm, then q value. ``attrs`` as the table's.
    """
    sig = table[table.q_value <= q]
    latest = (
        sig.sort_values("month")
        .groupby(["level", "series", "crime_type", "direction"], sort=False)
        .tail(1)
    )
    ranked = latest.assign(_size=latest.excess_harm.abs()).sort_values(
        ["_size", "q_value", "level", "series", "crime_type"],
        ascending=[False, True, True, True, True],
        ignore_index=True,
    )
    out = ranked[list(EMERGING_COLUMNS)].astype(EMERGING_COLUMNS)
    out.attrs = {**table.attrs, "q": q}
    return out


@dataclass(frozen=True)
class Trends:
    """What ``saferplaces trends`` shows: the ranked emerging issues and the full table."""

    issues: pd.DataFrame  # EMERGING_COLUMNS
    table: pd.DataFrame  # TREND_COLUMNS
    harm_scheme: str
    period: str
    baseline: str
    q: float
    min_expected: float
    synthetic: bool = False  # any record behind it is synthetic

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"issues": self.issues, "table": self.table}


def trends(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    settings: Settings,
    levels: Sequence[str] = LEVELS,
    min_expected: float = 5.0,
    q: float = 0.05,
) -> Trends:
    """Emerging issues of the scope's period (see :func:`trend_table`, :func:`emerging_issues`).

    Examples
    --------
    See ``docs/monitoring.md`` for a session; the method is in this module's docstring.
    """
    table = trend_table(con, scope, settings, levels, min_expected)
    return Trends(
        issues=emerging_issues(table, q),
        table=table,
        harm_scheme=scope.harm_label,
        period=str(scope.period),
        baseline=table.attrs["baseline"],
        q=q,
        min_expected=min_expected,
        synthetic=scope.synthetic,
    )


def print_trends(t: Trends, console: Console, top: int = 20) -> None:
    """Print the top emerging issues and how many months were tested."""
    print_synthetic_banner(t.synthetic, console)
    tested = int(t.table.p_value.notna().sum())
    console.print(
        f"Baseline: {t.baseline}. Tested {tested:,} series-months with expected >= "
        f"{t.min_expected:g}; significant at q <= {t.q:g}: {len(t.issues):,} series.",
        highlight=False,
    )
    if t.issues.empty:
        console.print(f"Emerging issues, {t.period}: none.", highlight=False)
        return
    i = t.issues
    # The columns a reader needs to act on; --format csv/json/parquet writes all of them.
    shown = pd.DataFrame(
        {
            "where": i.series + " (" + i.level + ")",
            "crimes": i.crime_type,
            "month": i.month.dt.strftime("%Y-%m"),
            "change": i.direction,
            "observed": i.observed,
            "expected": i.expected.round(0).astype("int64"),
            "excess harm": i.excess_harm.round(0).astype("int64"),
            "months": i.months_persisting,
        }
    )
    print_frame(
        shown,
        f"Emerging issues, {t.period} (top {min(top, len(shown))} by excess harm; {t.harm_scheme})",
        console,
        limit=top,
    )
    console.print(
        f"Each row: a series' latest month significant at q <= {t.q:g}; months: how many "
        "months in a row, up to that one, were on the same side of expected. "
        "Every column (q values, intervals, method) and every series-month tested: "
        "--format csv.",
        highlight=False,
    )
