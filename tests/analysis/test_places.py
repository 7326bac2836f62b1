"""Places on a hand-built 3x2 grid of LSOAs: literal values for every figure, pinned schemas.

The grid (columns left to right, rows top to bottom), residents, area and crimes in Jan-Mar 2025::

    A 1000 1.0 km²  40 burglary (Jan), 10 robbery (Feb)   B 2000 1.0  20 shoplifting (Jan)
    C  500 1.0      15 burglary (Mar)
    D 1500 1.5      60 burglary (Feb), 5 robbery (Mar)    E 2000 1.0  10 shoplifting (Mar)
    F 1000 0.5      no crime

laid out as ``A B C`` over ``D E F``. Harm weights (illustrative-category-v1): burglary 20,
shoplifting 3, robbery 40. A and D touch; C touches neither, so the planted high-vulnerability
LSOAs {A, D, C} form two candidate localities, {A, D} and {C}.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.concentration import (
    CONCENTRATION_COLUMNS,
    LORENZ_COLUMNS,
    concentration,
    concentration_statements,
    concentration_table,
)
from saferplaces.analysis.locality import (
    CANDIDATE_COLUMNS,
    LOCALITY_CATEGORY_COLUMNS,
    LOCALITY_MONTHLY_COLUMNS,
    LOCALITY_SUMMARY_COLUMNS,
    candidate_localities,
    locality_profile,
    locality_sentences,
)
from saferplaces.analysis.places import LSOA_COLUMNS, eb_weights, lsoa_table, places
from saferplaces.analysis.stats import rate_ratio
from saferplaces.errors import SaferplacesError
from saferplaces.settings import LocalitySettings
from saferplaces.workspace import Workspace

A, B, C, D, E, F = (f"E0101417{i}" for i in range(1, 7))
CODES = [A, B, C, D, E, F]
# code: (column, row, residents, km2, ward, IMD decile)
GRID = {
    A: (0, 1, 1000, 1.0, "Brookside", 1),
    B: (1, 1, 2000, 1.0, "Hadley", 5),
    C: (2, 1, 500, 1.0, "Hadley", 3),
    D: (0, 0, 1500, 1.5, "Woodside", 2),
    E: (1, 0, 2000, 1.0, "Lawley", 9),
    F: (2, 0, 1000, 0.5, "Lawley", None),  # a new 2021 code: decile via its 2011 parents
}
LABEL = "harm (illustrative-category-v1, illustrative weights)"
PERIOD = "2025-01..2025-03"


def _crimes(con, n, month, crime_type, lsoa):
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, placed_by, ingest_id, line) "
        "SELECT ?::DATE, 'west-mercia', ?, ?, ?, ?, 1, range FROM range(?)",
        [month, crime_type, lsoa, lsoa, "code" if lsoa else "outside", n],
    )


@pytest.fixture
def grid(workspace: Workspace) -> Workspace:
    con = workspace.connect()
    for code, (x, y, pop, km2, ward, decile) in GRID.items():
        square = shapely.box(-2.5 + 0.01 * x, 52.68 + 0.01 * y, -2.49 + 0.01 * x, 52.69 + 0.01 * y)
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2, geometry) "
            "VALUES (?, ?, 2021, 'E06000020', ?, ?)",
            [code, f"Telford and Wrekin 0{code[-1]}A", km2, shapely.to_wkb(square)],
        )
        con.execute("INSERT INTO population VALUES (?, 2021, 2021, ?, 'test')", [code, pop])
        con.execute(
            "INSERT INTO lsoa_ward (lsoa_code, ward_code, ward_name) VALUES (?, ?, ?)",
            [code, f"W{ward[:3]}", ward],
        )
        if decile is not None:
            con.execute("INSERT INTO imd VALUES (?, 2019, 1.0, 1, ?, 'test')", [code, decile])
    # F merges two 2011 LSOAs; the one contributing more residents (700 > 400) gives the decile.
    for code11, pop11, decile in (("E01099991", 400, 4), ("E01099992", 700, 7)):
        con.execute("INSERT INTO lsoa_lookup VALUES (?, ?, 'M', 1.0, true, 'test')", [code11, F])
        con.execute("INSERT INTO population VALUES (?, 2011, 2011, ?, 'test')", [code11, pop11])
        con.execute("INSERT INTO imd VALUES (?, 2019, 1.0, 1, ?, 'test')", [code11, decile])
    _crimes(con, 40, "2025-01-01", "Burglary", A)
    _crimes(con, 10, "2025-02-01", "Robbery", A)
    _crimes(con, 20, "2025-01-01", "Shoplifting", B)
    _crimes(con, 15, "2025-03-01", "Burglary", C)
    _crimes(con, 60, "2025-02-01", "Burglary", D)
    _crimes(con, 5, "2025-03-01", "Robbery", D)
    _crimes(con, 10, "2025-03-01", "Shoplifting", E)
    _crimes(con, 7, "2024-12-01", "Burglary", A)  # before the period
    _crimes(con, 5, "2025-02-01", "Burglary", None)  # outside the area
    con.execute(
        "INSERT INTO asb (month, force, lsoa, placed_by, ingest_id, line) "
        "SELECT '2025-01-01', 'west-mercia', CASE WHEN range < 4 THEN ? ELSE ? END, 'code', 2, "
        "range FROM range(10)",
        [A, B],
    )
    con.close()
    workspace.settings.localities["West"] = LocalitySettings(lsoas=[A, D])
    workspace.save_settings()
    return workspace


CRIMES = {A: 50, B: 20, C: 15, D: 65, E: 10, F: 0}
HARM = {A: 1200.0, B: 60.0, C: 300.0, D: 1400.0, E: 30.0, F: 0.0}
RESIDENTS = {c: float(v[2]) for c, v in GRID.items()}
KM2 = {c: v[3] for c, v in GRID.items()}


def _table(ws: Workspace, method: str = "eb") -> pd.DataFrame:
    with ws.connect(read_only=True) as con:
        return lsoa_table(con, make_scope(con, ws.settings, PERIOD), method)


def test_lsoa_table_counts_rates_shares_and_imd(grid: Workspace):
    t = _table(grid).set_index("lsoa_code")
    assert t.crimes.to_dict() == CRIMES
    assert t.harm.to_dict() == HARM
    assert t.residents.to_dict() == RESIDENTS
    assert t.loc[A, "rate_per_1000"] == pytest.approx(50.0)
    assert t.loc[D, "harm_per_1000"] == pytest.approx(1400 / 1.5)
    assert t.loc[D, "share_of_crime"] == pytest.approx(65 / 160)
    assert t.loc[A, "share_of_harm"] == pytest.approx(1200 / 2990)
    assert t.loc[F, "share_of_land"] == pytest.approx(0.5 / 6.0)
    assert t.loc[B, "share_of_residents"] == pytest.approx(0.25)
    assert t.loc[A, "ward_name"] == "Brookside"
    assert t.loc[A, "lsoa_name"] == "Telford and Wrekin 01A"
    assert t.imd_decile.to_dict() == {A: 1, B: 5, C: 3, D: 2, E: 9, F: 7}
    assert _table(grid).attrs == {"harm_scheme": LABEL, "method": "eb", "period": PERIOD}


def test_eb_vulnerability_by_hand(grid: Workspace):
    t = _table(grid).set_index("lsoa_code")
    # Marshall's moment estimates, written out: m = 160 / 8000, mean population 8000 / 6.
    m = 0.02
    s2 = (
        1000 * (0.05 - m) ** 2
        + 2000 * (0.01 - m) ** 2
        + 500 * (0.03 - m) ** 2
        + 1500 * (65 / 1500 - m) ** 2
        + 2000 * (0.005 - m) ** 2
        + 1000 * (0 - m) ** 2
    ) / 8000 - m / (8000 / 6)
    assert s2 == pytest.approx(0.000337083333)
    h = 2990 / 8000  # area harm rate per resident
    for code in CODES:
        n = RESIDENTS[code]
        w = s2 / (s2 + m / n)
        rr_crime = (w * CRIMES[code] / n + (1 - w) * m) / m
        rr_harm = (w * HARM[code] / n + (1 - w) * h) / h
        assert t.loc[code, "vulnerability"] == pytest.approx(math.sqrt(rr_crime * rr_harm))
    assert t.loc[A, "vulnerability"] == pytest.approx(
        2.7309, abs=1e-4
    )  # 0.944: A keeps most of its rate
    assert list(t.index) == [A, D, C, B, E, F]
    assert t.vulnerability_rank.tolist() == [1, 2, 3, 4, 5, 6]


def test_eb_weights_reproduce_esda():
    from esda.smoothing import Empirical_Bayes

    e = np.array([50, 20, 15, 65, 10, 0, 3, 120])
    n = np.array([1000, 2000, 500, 1500, 2000, 1000, 40, 2600])
    w = eb_weights(e, n)
    m = e.sum() / n.sum()
    np.testing.assert_allclose(w * e / n + (1 - w) * m, Empirical_Bayes(e, n).r.ravel(), rtol=1e-12)


def test_eb_weights_clamp_and_no_population():
    # Rates exactly proportional to population: no extra-Poisson variation, full shrinkage.
    assert eb_weights(np.array([10, 10]), np.array([1000, 1000])).tolist() == [0.0, 0.0]
    w = eb_weights(np.array([5, 50, 3]), np.array([0, 1000, 2000]))
    assert math.isnan(w[0]) and w[2] > w[1] > 0  # more residents, more credible


def test_other_methods(grid: Workspace):
    raw = _table(grid, "raw").set_index("lsoa_code")
    assert raw.loc[A, "vulnerability"] == pytest.approx(math.sqrt(2.5 * (1.2 / (2990 / 8000))))
    assert raw.loc[F, "vulnerability"] == 0.0
    harm = _table(grid, "harm").set_index("lsoa_code")
    assert harm.loc[C, "vulnerability"] < 0.6 / (2990 / 8000)  # shrunk towards 1
    density = _table(grid, "density").set_index("lsoa_code")
    assert density.vulnerability.to_dict() == pytest.approx(
        {c: HARM[c] / KM2[c] / (2990 / 6.0) for c in CODES}
    )
    assert list(density.index) == [A, D, C, B, E, F]
    with pytest.raises(SaferplacesError, match="not one of eb, raw, harm, density"):
        _table(grid, "best")


def test_concentration_lorenz_gini_and_statements(grid: Workspace):
    t = _table(grid)
    lorenz, gini = concentration(t)
    crimes = lorenz[lorenz.measure == "crimes"]
    assert crimes.lsoa_share.tolist() == pytest.approx([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1])
    assert crimes.cumulative_share.tolist() == pytest.approx(
        [0, 0, 10 / 160, 25 / 160, 45 / 160, 95 / 160, 1]
    )
    for measure, values in (("crimes", CRIMES), ("harm", HARM)):
        x = np.array(list(values.values()), dtype=float)
        independent = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
        assert gini[measure] == pytest.approx(independent)
    assert gini["crimes"] == pytest.approx(900 / 1920)
    assert concentration_statements(t, (0.5,)) == [
        "50% of LSOAs (3 of 6) hold 84% of crime",
        f"50% of LSOAs (3 of 6) hold 97% of {LABEL}",
    ]
    frame = concentration_table(t, (0.2, 0.5))
    assert frame.lsoas.tolist() == [1, 3, 1, 3]
    assert frame.share_held.tolist() == pytest.approx(
        [65 / 160, 135 / 160, 1400 / 2990, 2900 / 2990]
    )


def test_candidate_localities_find_the_planted_clusters(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        t = lsoa_table(con, scope)
        cands = candidate_localities(con, scope, t, n=3, top_share=0.5)
        one = candidate_localities(con, scope, t, n=1, top_share=0.5)
        top = candidate_localities(con, scope, t, n=3, top_share=0.2)
    assert cands.lsoa_codes.tolist() == [f"{A},{D}", C]
    first = cands.iloc[0]
    # D's ward holds 1500 of 2500 residents (60% < 75%), so both wards name the locality.
    assert (first["name"], first.wards) == ("Woodside and Brookside", "Woodside; Brookside")
    assert (first.lsoas, first.crimes, first.harm, first.residents) == (2, 115, 2600.0, 2500.0)
    assert first.area_km2 == pytest.approx(2.5)
    assert first.share_of_crime == pytest.approx(115 / 160)
    assert first.share_of_harm == pytest.approx(2600 / 2990)
    assert first.share_of_land == pytest.approx(2.5 / 6)
    assert first.share_of_residents == pytest.approx(2500 / 8000)
    assert first.harm_scheme == LABEL
    assert (cands.iloc[1]["name"], cands.iloc[1].crimes) == ("Hadley", 15)
    assert cands["rank"].tolist() == [1, 2]
    assert len(one) == 1 and one.lsoa_codes[0] == f"{A},{D}"
    assert top.lsoa_codes.tolist() == [A]  # 20% of 6 LSOAs is one LSOA


def test_locality_profile_against_the_rest(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        p = locality_profile(con, scope, "West", settings=grid.settings)
        same = locality_profile(con, scope, "Planted", [D, A])
    s = p.summary.iloc[0]
    assert (s.locality, s.lsoas, s.residents, s.area_km2) == ("West", 2, 2500.0, 2.5)
    assert (s.crimes, s.harm, s.asb) == (115, 2600.0, 4)
    assert s.share_of_land == pytest.approx(2.5 / 6)
    assert s.share_of_residents == pytest.approx(2500 / 8000)
    assert s.share_of_crime == pytest.approx(115 / 160)
    assert s.share_of_harm == pytest.approx(2600 / 2990)
    assert s.share_of_asb == pytest.approx(0.4)
    assert s.rate_per_1000 == pytest.approx(46.0)
    assert s.rest_rate_per_1000 == pytest.approx(45 / 5.5)
    assert (s.peak_month, s.peak_crimes) == (pd.Timestamp("2025-02-01"), 70)
    assert (s.trough_month, s.trough_crimes) == (pd.Timestamp("2025-03-01"), 5)
    assert s.harm_scheme == LABEL
    assert p.monthly.crimes.tolist() == [40, 70, 5]
    assert p.monthly.harm.tolist() == [800.0, 1600.0, 200.0]
    assert p.monthly.asb.tolist() == [4, 0, 0]

    c = p.categories.set_index("crime_type")
    assert list(c.index) == ["Burglary", "Robbery", "Shoplifting"]
    assert c.locality_crimes.tolist() == [100, 15, 0]
    assert c.rest_crimes.tolist() == [15, 0, 30]
    assert c.loc["Burglary", "rate_ratio"] == pytest.approx((100 / 2500) / (15 / 5500))
    for crime_type, (a, b) in {"Burglary": (100, 15), "Robbery": (15, 0)}.items():
        expected = rate_ratio(a, 2500, b, 5500)
        got = c.loc[crime_type]
        assert (got.rate_ratio, got.ci_low, got.ci_high, got.p_value) == pytest.approx(
            (expected.rate_ratio, expected.ci_low, expected.ci_high, expected.p_value)
        )
    assert c.significantly_higher.to_dict() == {
        "Burglary": True,
        "Robbery": True,
        "Shoplifting": False,
    }
    assert c.more_than_double.to_dict() == {"Burglary": True, "Robbery": True, "Shoplifting": False}
    assert c.loc["Shoplifting", "rate_ratio"] == 0.0
    assert c.loc["Burglary", "locality_rate_per_1000"] == pytest.approx(40.0)
    assert c.loc["Robbery", "locality_harm"] == 600.0
    pd.testing.assert_frame_equal(p.categories, same.categories)
    sentences = locality_sentences(p)
    assert sentences[0].startswith("West forms 42% of the land and 31% of the residents")
    assert "Crime peaked in February 2025 (n = 70) and was lowest in March 2025 (n = 5)." in (
        sentences
    )
    assert "More than double the rest of the area (and beyond chance): Burglary, Robbery." in (
        sentences
    )


def test_locality_errors(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        with pytest.raises(SaferplacesError, match="no locality 'Nowhere'"):
            locality_profile(con, scope, "Nowhere", settings=grid.settings)
        with pytest.raises(SaferplacesError, match="has no LSOAs in Telford and Wrekin"):
            locality_profile(con, scope, "Elsewhere", ["E01000001"])
        whole = locality_profile(con, scope, "All", CODES)
    assert math.isnan(whole.categories.rate_ratio[0])  # no rest of the area to compare with
    assert not whole.categories.significantly_higher.any()


def _dtypes(cols: dict[str, str]) -> dict[str, str]:
    return {c: str(pd.Series(dtype=t).dtype) for c, t in cols.items()}


def test_schemas_are_pinned(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        result = places(con, scope)
        profile = locality_profile(con, scope, "West", settings=grid.settings)
    for frame, cols in (
        (result.lsoas, LSOA_COLUMNS),
        (result.lorenz, LORENZ_COLUMNS),
        (result.concentration, CONCENTRATION_COLUMNS),
        (result.candidates, CANDIDATE_COLUMNS),
        (profile.summary, LOCALITY_SUMMARY_COLUMNS),
        (profile.categories, LOCALITY_CATEGORY_COLUMNS),
        (profile.monthly, LOCALITY_MONTHLY_COLUMNS),
    ):
        assert list(frame.columns) == list(cols)
        assert {c: str(t) for c, t in frame.dtypes.items()} == _dtypes(cols)
    assert list(LSOA_COLUMNS) == [
        "lsoa_code", "lsoa_name", "ward_name", "crimes", "harm", "residents", "area_km2",
        "rate_per_1000", "harm_per_1000", "share_of_crime", "share_of_harm", "share_of_land",
        "share_of_residents", "imd_decile", "vulnerability", "vulnerability_rank", "harm_scheme",
    ]  # fmt: skip
    assert (result.harm_scheme, result.method, result.period) == (LABEL, "eb", PERIOD)
    # every frame with harm names its scheme, so CSV and JSON exports keep the label
    assert set(result.lsoas.harm_scheme) == {LABEL}
    assert set(result.lorenz.harm_scheme.dropna()) == {LABEL}
    assert result.lorenz.harm_scheme.isna().sum() == 7  # the crime curve has no scheme
    assert set(profile.categories.harm_scheme) == set(profile.monthly.harm_scheme) == {LABEL}
    assert len(result.lorenz) == 14  # 7 points per measure


def test_lsoa_without_residents_ranks_last(grid: Workspace):
    with grid.connect() as con:
        con.execute("DELETE FROM population WHERE lsoa_code = ?", [B])
    t = _table(grid).set_index("lsoa_code")
    assert math.isnan(t.loc[B, "vulnerability"]) and math.isnan(t.loc[B, "rate_per_1000"])
    assert t.loc[B, "vulnerability_rank"] == 6 and t.loc[B, "crimes"] == 20
    # The fit and the area rate leave B out: 140 crimes among 6,000 residents.
    assert _table(grid, "raw").set_index("lsoa_code").loc[A, "vulnerability"] == pytest.approx(
        math.sqrt((50 / 1000) / (140 / 6000) * (1200 / 1000) / (2930 / 6000))
    )
