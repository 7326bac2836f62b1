"""Monitoring benchmark: emerging trends for a whole force; Gi* on every LSOA in England and Wales.

**Trends** (target: at most 30 s). A synthetic warehouse (labelled synthetic: every row has
``synthetic = true``) with ``--lsoas`` LSOAs (default 800) in 40 wards, the 14 data.police.uk
crime categories and ``--months`` months (default 36: a 24-month baseline and a 12-month
period), seasonal Poisson counts (seed 20250101) with LSOA means drawn from a gamma distribution
(mean 1.5 crimes per category-month, as in a force where most LSOA-categories are sparse).
``saferplaces`` times :func:`saferplaces.analysis.trends.trend_table` at levels area, ward and
LSOA (query, batched GLM fits, tests, q-values). The reference is the same model fitted series by
series in plain statsmodels (``GLM(...).fit()`` and the Pearson check, one call per modelled
series) on a sample of ``--sample`` series, scaled to all modelled series.

**Gi\\*** (target: at most 60 s). The 34,753 LSOAs of
``../shared/data/national/LSOA_2011_BSC_EW_V3.geojson`` with synthetic Poisson counts (seed
20250102). Queen weights are built once (timed on their own). ``saferplaces`` times
:func:`saferplaces.analysis.hotspots.gi_star` with 999 permutations; the reference is
``esda.G_Local(star=True, transform="B")`` called directly on the same weights and values.

Run: ``python bench/bench_trends.py [--lsoas N] [--months M] [--sample S]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from saferplaces.sources.police_uk import CURRENT_CRIME_TYPES

CATEGORIES = list(CURRENT_CRIME_TYPES)
NATIONAL = Path("national") / "LSOA_2011_BSC_EW_V3.geojson"


def shared_data() -> Path:
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _verdict(seconds: float, target: float) -> str:
    return "PASS" if seconds <= target else "MISS"


def build_force(root: Path, lsoas: int, months: int, seed: int = 20250101):  # noqa: ANN201
    """A synthetic workspace: LSOAs, wards and seasonal Poisson crimes (synthetic = true)."""
    from saferplaces.workspace import init_workspace

    ws = init_workspace(root, "E06000020")
    rng = np.random.default_rng(seed)
    codes = [f"E0190{i:04d}" for i in range(lsoas)]
    con = ws.connect()
    con.register(
        "_l",
        pd.DataFrame({"lsoa_code": codes, "ward": [f"Ward {i % 40:02d}" for i in range(lsoas)]}),
    )
    con.execute(
        "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
        "SELECT lsoa_code, lsoa_code, 2021, 'E06000020', 1.0 FROM _l"
    )
    con.execute("INSERT INTO population SELECT lsoa_code, 2021, 2021, 1600, 'bench' FROM _l")
    con.execute(
        "INSERT INTO lsoa_ward (lsoa_code, ward_code, ward_name) "
        "SELECT lsoa_code, ward, ward FROM _l"
    )
    month_index = pd.date_range("2023-01-01", periods=months, freq="MS")
    season = np.exp(0.2 * np.cos(2 * np.pi * (month_index.month.to_numpy() - 7) / 12))
    means = rng.gamma(0.8, 1.5 / 0.8, size=(lsoas, len(CATEGORIES)))
    n = rng.poisson(means[:, :, None] * season[None, None, :])
    li, ci, mi = np.nonzero(n)
    frame = pd.DataFrame(
        {
            "lsoa": np.array(codes)[li],
            "crime_type": np.array(CATEGORIES)[ci],
            "month": month_index[mi],
            "n": n[li, ci, mi],
        }
    )
    con.register("_c", frame)
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, placed_by, synthetic, "
        "ingest_id, line) SELECT month::DATE, 'west-mercia', crime_type, lsoa, lsoa, 'code', "
        "true, 1, 0 FROM _c, range(n)"
    )
    rows = con.execute("SELECT count(*) FROM crime").fetchone()
    con.close()
    return ws, int(rows[0]) if rows else 0, month_index


def bench_trends(lsoas: int, months: int, sample: int) -> bool:
    import statsmodels.api as sm

    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.trends import _design, monthly_series, trend_table
    from saferplaces.periods import Period

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ws, rows, month_index = build_force(Path(tmp) / "ws", lsoas, months)
        print(
            f"synthetic force: {lsoas} LSOAs x {len(CATEGORIES)} categories x {months} months, "
            f"{rows:,} crime rows (built in {time.perf_counter() - t0:.1f} s)"
        )
        period = Period.latest(month_index[-1].date(), 12)
        levels = ("area", "ward", "lsoa")
        with ws.connect(read_only=True) as con:
            scope = make_scope(con, ws.settings, period)
            t0 = time.perf_counter()
            table = trend_table(con, scope, ws.settings, levels)
            ours = time.perf_counter() - t0
            index, counts, _, months_held = monthly_series(con, scope, ws.settings, levels)
    series = table.groupby(["level", "series", "crime_type"]).ngroups
    print(
        f"saferplaces trend_table: {ours:.2f} s for {len(index):,} series ({series:,} modelled), "
        f"{int(table.p_value.notna().sum()):,} months tested"
    )

    # Reference: the same model, one statsmodels GLM per modelled series.
    base = np.flatnonzero(months_held < pd.Timestamp(period.start))
    x = _design(months_held, months_held[base[0]])[base]
    modelled = np.flatnonzero(counts[:, base].mean(axis=1) >= 2.5)
    rng = np.random.default_rng(1)
    picked = rng.choice(modelled, size=min(sample, len(modelled)), replace=False)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in picked:
            y = counts[i, base]
            fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
            if fit.pearson_chi2 / fit.df_resid > 1.5:
                mu = fit.mu
                alpha = max(((y - mu) ** 2 - y).sum() / (mu**2).sum(), 1e-8)
                fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
            fit.get_prediction(x[:1])
    per_series = (time.perf_counter() - t0) / len(picked)
    reference = per_series * len(modelled)
    print(
        f"reference statsmodels loop: {per_series * 1000:.1f} ms per series x "
        f"{len(modelled):,} modelled series = {reference:.1f} s (from {len(picked)} series)"
    )
    print(
        f"trends: saferplaces {ours:.2f} s (target <= 30 s: {_verdict(ours, 30)}); "
        f"statsmodels loop / saferplaces = {reference / ours:.1f}x"
    )
    return True


def bench_gi(permutations: int = 999) -> bool:
    import esda
    import pyogrio

    from saferplaces.analysis.hotspots import gi_star, queen_weights

    path = shared_data() / NATIONAL
    if not path.is_file():
        print(f"Gi*: {path} is missing; skipped (put ../shared/data beside the repository)")
        return False
    shapes = pyogrio.read_dataframe(path, columns=["LSOA11CD"])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = queen_weights(shapes)
    queen = time.perf_counter() - t0
    y = np.random.default_rng(20250102).poisson(40, len(shapes)).astype(float)
    print(f"national LSOAs: {len(shapes):,}; queen weights {queen:.1f} s")

    t0 = time.perf_counter()
    ours = gi_star(y, w, permutations, seed=12345)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(
            y,
            w,
            transform="B",
            star=True,
            permutations=permutations,
            seed=12345,
            keep_simulations=False,
        )
    ref_s = time.perf_counter() - t0
    agree = np.allclose(ours.z_score, ref.Zs) and np.allclose(
        ours.p_value, np.minimum(1, 2 * ref.p_sim), rtol=1e-6
    )
    print(
        f"Gi* {permutations} permutations: saferplaces {ours_s:.2f} s, esda directly {ref_s:.2f} s "
        f"(ratio {ours_s / ref_s:.2f}x; with queen weights {ours_s + queen:.1f} s; "
        f"target <= 60 s: {_verdict(ours_s + queen, 60)}); results agree: {agree}"
    )
    return agree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lsoas", type=int, default=800)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--sample", type=int, default=400)
    args = parser.parse_args()
    bench_trends(args.lsoas, args.months, args.sample)
    return 0 if bench_gi() else 1


if __name__ == "__main__":
    raise SystemExit(main())
