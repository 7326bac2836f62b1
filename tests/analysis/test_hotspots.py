"""Hot spots on a synthetic 10x10 grid of LSOA squares (labelled synthetic): Gi* against esda
called directly, planted clusters found, emerging patterns, kernel density. Seeds are explicit.
"""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
import shapely
from libpysal.weights import Queen
from numpy.testing import assert_allclose

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.emerging_hotspots import (
    EMERGING_HOTSPOT_COLUMNS,
    emerging_hotspots,
    patterns,
    steps_of,
)
from saferplaces.analysis.hotspots import (
    DENSITY_COLUMNS,
    GI_COLUMNS,
    HOTSPOT_COLUMNS,
    gi_star,
    hotspot_table,
    hotspots,
    kernel_density,
    lsoa_shapes,
    silverman_bandwidth,
)
from saferplaces.errors import SaferplacesError
from saferplaces.periods import Period
from saferplaces.workspace import Workspace

N = 10
CODES = [f"E0109{i:04d}" for i in range(N * N)]  # row-major: code i is column i % N, row i // N
PERIOD = "2025-01..2025-12"
STEADY = [r * N + c for r in range(1, 4) for c in range(1, 4)]  # 3x3 block, every month
LATE = [r * N + c for r in range(6, 9) for c in range(6, 9)]  # 3x3 block, Oct-Dec only
MONTHS = pd.date_range("2025-01-01", periods=12, freq="MS")


# Shared edges must be bit-identical for queen contiguity: cells share these coordinates.
XS = [-2.6 + 0.01 * k for k in range(N + 1)]
YS = [52.6 + 0.01 * k for k in range(N + 1)]


def _square(i: int) -> shapely.Polygon:
    x, y = i % N, i // N
    return shapely.box(XS[x], YS[y], XS[x + 1], YS[y + 1])


def _monthly_counts(seed: int) -> np.ndarray:
    """Synthetic crimes (LSOA, month): Poisson 2 background, 25 in the planted blocks."""
    rng = np.random.default_rng(seed)
    mu = np.full((N * N, 12), 2.0)
    mu[STEADY] = 25.0
    mu[np.ix_(LATE, range(9, 12))] = 25.0
    return rng.poisson(mu)


@pytest.fixture
def grid(workspace: Workspace) -> Workspace:
    con = workspace.connect()
    for i, code in enumerate(CODES):
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2, geometry) "
            "VALUES (?, ?, 2021, 'E06000020', 0.8, ?)",
            [code, f"Synthetic {i:03d}", shapely.to_wkb(_square(i))],
        )
        # Residents vary so that harm per 1,000 residents differs from harm.
        con.execute(
            "INSERT INTO population VALUES (?, 2021, 2021, ?, 'test')", [code, 1000 + 10 * i]
        )
    counts = _monthly_counts(seed=7)
    rows = [
        (m, CODES[i], int(counts[i, k]), *_square(i).centroid.coords[0])
        for i in range(N * N)
        for k, m in enumerate(MONTHS)
    ]
    con.register("_c", pd.DataFrame(rows, columns=["month", "lsoa", "n", "lon", "lat"]))
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, placed_by, longitude, "
        "latitude, synthetic, ingest_id, line) SELECT month::DATE, 'west-mercia', "
        "CASE WHEN range % 2 = 0 THEN 'Burglary' ELSE 'Shoplifting' END, lsoa, lsoa, 'code', "
        "lon, lat, true, 1, range FROM _c, range(n)"
    )
    con.close()
    return workspace


def _table(ws: Workspace, **kw) -> pd.DataFrame:
    with ws.connect(read_only=True) as con:
        return hotspot_table(con, make_scope(con, ws.settings, PERIOD), **kw)


def test_gi_star_equals_esda_called_directly(grid: Workspace):
    t = _table(grid, permutations=199, seed=3).set_index("lsoa_code").loc[CODES]
    assert dict(_table(grid, permutations=0).dtypes.astype(str)) == HOTSPOT_COLUMNS
    shapes = pd.DataFrame({"geometry": [_square(i) for i in range(N * N)]})
    import geopandas as gpd

    w = Queen.from_dataframe(gpd.GeoDataFrame(shapes, geometry="geometry"), use_index=False)
    y = _monthly_counts(seed=7).sum(axis=1).astype(float)
    assert t.crimes.tolist() == y.astype(int).tolist()
    ref = esda.G_Local(y, w, transform="B", star=True, permutations=199, seed=3)
    assert_allclose(t.gi_star, ref.Gs)
    assert_allclose(t.z_score, ref.Zs)
    assert_allclose(t.p_value, np.minimum(1, 2 * ref.p_sim), rtol=1e-6)
    # An interior cell's Gi*: its 3x3 neighbourhood's share of the total.
    i = 55
    block = [i + dr * N + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    assert t.gi_star.iloc[i] == pytest.approx(y[block].sum() / y.sum())


def test_planted_cluster_is_found_and_nothing_far_from_it(grid: Workspace):
    t = _table(grid, permutations=999, seed=12345).set_index("lsoa_code")
    hot = set(t.index[t.hot_cold == "hot"])
    # The steady block's centre is hot (a block's corner is not: most of its neighbours are not
    # in it); the late block, hot for three months only, is outweighed over the year.
    # (999 permutations: the smallest two-sided p is 0.002, so 99% needs few rivals under BH.)
    assert t.loc[CODES[22], "confidence"] >= 95 and t.loc[CODES[22], "gi_bin"] >= 2
    assert CODES[22] in hot and CODES[77] not in hot
    # Hot spots are the blocks and their queen neighbours only.
    near = {CODES[i + dr * N + dc] for i in STEADY + LATE for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
    assert hot <= near
    assert t.attrs["permutations"] == 999 and t.attrs["seed"] == 12345


def test_same_seed_same_p_values_different_seed_differs(grid: Workspace):
    a, b = _table(grid, permutations=99, seed=1), _table(grid, permutations=99, seed=1)
    c = _table(grid, permutations=99, seed=2)
    assert a.p_value.tolist() == b.p_value.tolist()
    assert a.p_value.tolist() != c.p_value.tolist()


def test_harm_measure_is_harm_per_1000_residents(grid: Workspace):
    t = _table(grid, measure="harm", permutations=99).set_index("lsoa_code")
    assert_allclose(t.value, t.harm / t.residents * 1000)
    # Burglary 20, shoplifting 3 (illustrative-category-v1): harm lies between 3 and 20 per crime.
    assert ((t.harm >= 3 * t.crimes) & (t.harm <= 20 * t.crimes)).all()
    assert t.loc[CODES[22], "hot_cold"] == "hot"
    with pytest.raises(SaferplacesError, match="measure 'rate'"):
        _table(grid, measure="rate")


def test_fdr_classes_follow_q_values():
    rng = np.random.default_rng(4)
    from libpysal.weights import lat2W

    y = rng.poisson(5, 144).astype(float)
    y[[0, 1, 12, 13]] += 30
    g = gi_star(y, lat2W(12, 12, rook=False), permutations=499, seed=9)
    assert dict(g.dtypes.astype(str)) == GI_COLUMNS
    expected = np.select([g.q_value <= 0.01, g.q_value <= 0.05, g.q_value <= 0.1], [99, 95, 90], 0)
    assert (g.confidence == expected).all()
    assert ((g.gi_bin > 0) == ((g.confidence > 0) & (g.z_score > 0))).all()
    assert (g.hot_cold[g.gi_bin < 0] == "cold").all()


# -- emerging hot spots -------------------------------------------------------------------------


def _z(*rows):
    return np.array(rows, dtype=float)


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 3], "new hot spot"),
        ([0, 0, 0, 0, 0, 0, 0, 3, 3, 3], "consecutive hot spot"),
        ([3, 3, 3, 3, 3.5, 4, 4.5, 5, 5.5, 6], "intensifying hot spot"),
        ([3.3, 3.1, 3.2, 3.0, 3.4, 3.1, 3.3, 3.2, 3.0, 3.1], "persistent hot spot"),
        ([6, 5.5, 5, 4.5, 4, 3.5, 3, 3, 3, 3], "diminishing hot spot"),
        ([3, 0, 0, 3, 0, 0, 3, 0, 0, 3], "sporadic hot spot"),
        ([3, 0, -3, 0, 0, 0, 3, 0, 0, 3], "oscillating hot spot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 0], "historical hot spot"),
        ([0, 0, 0, 0, 0, 0, 0, 0, -3, -3], "consecutive cold spot"),
        ([-3, -3, -3, -3, -3.5, -4, -4.5, -5, -5.5, -6], "intensifying cold spot"),
        ([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], "no pattern detected"),
    ],
)
def test_pattern_rules(z, expected):
    zz = _z(z)
    out = patterns(zz, zz >= 2.5, zz <= -2.5)
    assert out.pattern.iloc[0] == expected


def test_steps_of_a_period():
    steps = steps_of(Period.parse("2025-01..2025-12"), 3)
    assert [str(s) for s in steps] == [
        "2025-01..2025-03",
        "2025-04..2025-06",
        "2025-07..2025-09",
        "2025-10..2025-12",
    ]
    assert len(steps_of(Period.parse("2025-01..2025-11"), 3)) == 3


def test_emerging_hotspots_on_the_grid(grid: Workspace):
    with grid.connect(read_only=True) as con:
        e = emerging_hotspots(con, make_scope(con, grid.settings, PERIOD), permutations=999, seed=5)
    assert dict(e.dtypes.astype(str)) == EMERGING_HOTSPOT_COLUMNS
    assert e.attrs["steps"][0] == "2025-01..2025-01" and len(e.attrs["steps"]) == 12
    p = e.set_index("lsoa_code").pattern
    # The late block turned hot in October and stayed: consecutive; the steady block persists.
    assert p[CODES[77]] == "consecutive hot spot"
    assert p[CODES[22]] in {"persistent hot spot", "intensifying hot spot", "diminishing hot spot"}
    # Far from both blocks, hot spot patterns are rare.
    far = [CODES[r * N + c] for r in range(N) for c in range(N) if abs(r - 5) + abs(c - 0) <= 2]
    assert not p[far].str.endswith("hot spot").any()


# -- kernel density ----------------------------------------------------------------------------


def test_kernel_density_mass_peak_and_bandwidth(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        d = kernel_density(con, scope, cell_size=100, bandwidth=800)
        auto = kernel_density(con, scope, cell_size=500)
    assert dict(d.dtypes.astype(str)) == DENSITY_COLUMNS
    n = int(_monthly_counts(seed=7).sum())
    assert d.attrs["points"] == n
    # Density is per km² and cells are 0.01 km²: the mass inside the grid is at most n, and
    # most of it (points lie inside, the kernel reaches 800 m beyond the edge cells).
    mass = d.density.sum() * 0.01
    assert 0.8 * n < mass <= n
    peak = d.loc[d.density.idxmax()]
    cx, cy = _square(22).centroid.coords[0]
    assert abs(peak.longitude - cx) < 0.015 and abs(peak.latitude - cy) < 0.015
    assert auto.attrs["bandwidth_m"] > 0 and auto.attrs["cell_size_m"] == 500
    with grid.connect(read_only=True) as con, pytest.raises(SaferplacesError, match="cell size"):
        kernel_density(con, make_scope(con, grid.settings, PERIOD), cell_size=0)


def test_silverman_bandwidth_literal():
    x = np.array([0.0, 100, 0, 100])
    y = np.array([0.0, 0, 100, 100])
    # SD = Dm = 70.71 m; 0.9 * 70.71 * 4 ** -0.2
    assert silverman_bandwidth(x, y) == pytest.approx(0.9 * 100 / np.sqrt(2) * 4**-0.2)


def test_hotspots_bundle(grid: Workspace):
    with grid.connect(read_only=True) as con:
        scope = make_scope(con, grid.settings, PERIOD)
        h = hotspots(con, scope, permutations=99, emerging=False, cell_size=1000)
        shapes = lsoa_shapes(con, scope)
    assert set(h.frames()) == {"lsoas", "density"}
    assert len(h.lsoas) == N * N and len(shapes) == N * N
