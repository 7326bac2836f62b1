"""Hot spots: Getis-Ord Gi* on LSOAs (crimes, or harm per 1,000 residents) and kernel density.

**Gi\\*** (Getis and Ord 1992; Ord and Getis 1995) is ``esda.G_Local(star=True)`` on binary
queen contiguity weights (libpysal ``Queen`` from the LSOA boundaries in the warehouse; an LSOA
counts itself, as the star says). Inference is by conditional permutation with an explicit
``seed`` (default 999 permutations). esda's ``p_sim`` is one-sided in the direction of the
observed value, so the two-sided p-value is ``min(1, 2 p_sim)``. Benjamini-Hochberg q-values over
the LSOAs control the false discovery rate; an LSOA is a hot (cold) spot at 99%, 95% or 90%
confidence when its q-value is at most 0.01, 0.05 or 0.10 and its z-score is positive
(negative), as ArcGIS Pro's Hot Spot Analysis with its FDR correction does (``gi_bin`` -3..3).

The **harm** measure is the scheme's harm per 1,000 residents, so that the statistic compares
like with like across LSOAs of unequal population (raw harm would mostly map population); LSOAs
without residents are left out of that run (their row has no statistic).

**Kernel density** (:func:`kernel_density`): a quartic (biweight) kernel on a regular grid in
British National Grid metres (EPSG:27700), cell size a parameter; the default bandwidth is the
spatial Silverman rule ArcGIS uses, ``0.9 min(SD, sqrt(1 / ln 2) Dm) n^-0.2`` (``SD`` the
standard distance, ``Dm`` the median distance to the mean centre). data.police.uk points are
snapped to anonymous map points, so a surface is for maps, never for pinpointing.

Examples
--------
>>> from libpysal.weights import lat2W
>>> y = np.zeros(25); y[[0, 1, 5, 6]] = 10.0  # a 2x2 cluster in the corner of a 5x5 grid
>>> g = gi_star(y, lat2W(5, 5, rook=False), permutations=99, seed=1)
>>> g.hot_cold.iloc[[0, 1, 5]].tolist()
['hot', 'hot', 'hot']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console
from statsmodels.stats.multitest import multipletests

from saferplaces.analysis.base import Scope
from saferplaces.display import print_frame, print_synthetic_banner
from saferplaces.errors import SaferplacesError
from saferplaces.geo.shapes import lsoa_frame

__all__ = [
    "DENSITY_COLUMNS",
    "GI_COLUMNS",
    "HOTSPOT_COLUMNS",
    "MEASURES",
    "Hotspots",
    "gi_star",
    "hotspot_table",
    "hotspots",
    "kernel_density",
    "lsoa_shapes",
    "lsoa_values",
    "print_hotspots",
    "queen_weights",
    "silverman_bandwidth",
]

MEASURES = {"count": "crimes", "harm": "harm per 1,000 residents"}
CONFIDENCE = ((0.01, 99), (0.05, 95), (0.10, 90))

GI_COLUMNS = {
    "gi_star": "float64",
    "z_score": "float64",
    "p_value": "float64",
    "q_value": "float64",
    "confidence": "int64",
    "hot_cold": "object",
    "gi_bin": "int64",
}

HOTSPOT_COLUMNS = {
    "lsoa_code": "object",
    "lsoa_name": "object",
    "ward_name": "object",
    "crimes": "int64",
    "harm": "float64",
    "residents": "float64",
    "value": "float64",
    **GI_COLUMNS,
}

DENSITY_COLUMNS = {
    "x": "float64",
    "y": "float64",
    "longitude": "float64",
    "latitude": "float64",
    "density": "float64",
}


def lsoa_shapes(con: duckdb.DuckDBPyConnection, scope: Scope) -> Any:
    """The scope's LSOA boundaries as a GeoDataFrame (``lsoa_code``, geometry; EPSG:4326),
    sorted by code."""
    return lsoa_frame(con, scope.vintage, scope.lsoas, "hot spots")


def queen_weights(shapes: Any) -> Any:
    """Binary queen contiguity (libpysal ``W``) with the frame's row order as ids."""
    from libpysal.weights import Queen

    return Queen.from_dataframe(shapes, use_index=False, silence_warnings=True)


def gi_star(
    values: np.ndarray | pd.Series, w: Any, permutations: int = 999, seed: int = 12345
) -> pd.DataFrame:
    """Gi* of ``values`` on weights ``w`` with permutation inference and FDR classes (pure).

    Parameters
    ----------
    values : array
        One value per unit, in the order of ``w``'s ids.
    w : libpysal.weights.W
        Contiguity (binary); the star adds each unit to its own neighbourhood.
    permutations : int
        Conditional permutations for the pseudo p-values (0: no inference, every unit not
        significant).
    seed : int
        Seed of the permutations: the same seed gives the same p-values.

    Returns
    -------
    DataFrame
        Columns :data:`GI_COLUMNS`, one row per unit: ``gi_star`` (esda's ``Gs``), ``z_score``
        (``Zs``, analytical standardisation), ``p_value`` (two-sided, ``min(1, 2 p_sim)``),
        ``q_value`` (Benjamini-Hochberg), ``confidence`` (99, 95, 90 or 0), ``hot_cold``
        (``hot``, ``cold`` or ``not significant``) and ``gi_bin`` (-3..3, + hot, - cold).
    """
    import esda

    y = np.asarray(values, dtype=float)
    if len(y) != w.n:
        raise ValueError(f"{len(y)} values for {w.n} units")
    # esda warns about islands and disconnected components; an island is its own neighbourhood.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(
            y,
            w,
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            keep_simulations=False,
            n_jobs=1,
        )
    p = np.ones(len(y))
    if permutations:
        # esda's p_sim is (k + 1) / (permutations + 1) in float32; recover it exactly so that
        # q-values on a class boundary (0.1 exactly) do not fall out of the class.
        k = np.rint(np.asarray(g.p_sim, dtype=float) * (permutations + 1))
        p = np.minimum(1.0, 2 * k / (permutations + 1))
    z = np.asarray(g.Zs, dtype=float)
    p = np.where(np.isnan(z), 1.0, p)
    q = multipletests(p, method="fdr_bh")[1] if len(p) else p
    confidence = np.zeros(len(y), dtype="int64")
    for cut, level in reversed(CONFIDENCE):
        confidence[q <= cut] = level
    sign = np.sign(np.nan_to_num(z)).astype("int64")
    sign[confidence == 0] = 0
    bins = sign * np.select([confidence == 99, confidence == 95, confidence == 90], [3, 2, 1], 0)
    hot_cold = np.select([bins > 0, bins < 0], ["hot", "cold"], "not significant")
    return pd.DataFrame(
        {
            "gi_star": np.asarray(g.Gs, dtype=float),
            "z_score": z,
            "p_value": p,
            "q_value": q,
            "confidence": np.where(bins != 0, confidence, 0),
            "hot_cold": hot_cold.astype(object),
            "gi_bin": bins,
        }
    ).astype(GI_COLUMNS)


def lsoa_values(con: duckdb.DuckDBPyConnection, scope: Scope, period: Any = None) -> pd.DataFrame:
    """Crimes, harm and residents per LSOA of the scope (all LSOAs, sorted by code) in
    ``period`` (default: the scope's), with ``lsoa_name`` and ``ward_name``."""
    frame = con.execute(
        f"""
        WITH c AS (
            SELECT c.lsoa, count(*)::BIGINT AS crimes, coalesce(sum(w.weight), 0) AS harm
            FROM crime c LEFT JOIN harm_weights w USING (crime_type)
            WHERE c.lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter(period)}
            GROUP BY c.lsoa
        )
        SELECT s.lsoa AS lsoa_code, l.lsoa_name, lw.ward_name,
               coalesce(c.crimes, 0)::BIGINT AS crimes, coalesce(c.harm, 0)::DOUBLE AS harm,
               s.residents
        FROM scope_lsoa s
        LEFT JOIN c ON c.lsoa = s.lsoa
        LEFT JOIN lsoa l ON l.lsoa_code = s.lsoa AND l.vintage = ?
        LEFT JOIN lsoa_ward lw ON lw.lsoa_code = s.lsoa
        ORDER BY s.lsoa
        """,
        [scope.vintage],
    ).df()
    return frame


def _measure(frame: pd.DataFrame, measure: str) -> pd.Series:
    if measure not in MEASURES:
        raise SaferplacesError(f"measure '{measure}' is not one of {', '.join(MEASURES)}")
    if measure == "count":
        return frame.crimes.astype(float)
    pop = frame.residents.where(frame.residents > 0)
    return frame.harm / pop * 1000


def hotspot_table(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    measure: str = "count",
    permutations: int = 999,
    seed: int = 12345,
) -> pd.DataFrame:
    """Gi* hot and cold spots among the scope's LSOAs in its period.

    Parameters
    ----------
    measure : {"count", "harm"}
        Crimes, or harm per 1,000 residents (see :data:`MEASURES`).
    permutations, seed
        See :func:`gi_star`.

    Returns
    -------
    DataFrame
        Columns :data:`HOTSPOT_COLUMNS`: the LSOA, its ``crimes``, ``harm`` (scheme weights
        summed) and ``residents``, the ``value`` analysed (crimes, or harm per 1,000 residents)
        and the :func:`gi_star` columns. LSOAs without a boundary, or (harm) without residents,
        have no statistic (NaN, class ``not analysed``, confidence 0). Sorted by ``gi_bin``
        (hottest first), then z-score. ``attrs``: ``harm_scheme``, ``measure``, ``period``,
        ``permutations``, ``seed``.
    """
    frame = lsoa_values(con, scope)
    frame["value"] = _measure(frame, measure)
    shapes = lsoa_shapes(con, scope)
    shapes = shapes.merge(frame[["lsoa_code", "value"]], on="lsoa_code")
    shapes = shapes[shapes.value.notna()].reset_index(drop=True)
    if len(shapes) < 3:
        raise SaferplacesError(
            f"hot spots need at least 3 LSOAs with boundaries and values; {len(shapes)} have"
        )
    stats = gi_star(shapes.value.to_numpy(), queen_weights(shapes), permutations, seed)
    stats["lsoa_code"] = shapes.lsoa_code
    out = frame.merge(stats, on="lsoa_code", how="left")
    out["hot_cold"] = out.hot_cold.fillna("not analysed")
    out[["confidence", "gi_bin"]] = out[["confidence", "gi_bin"]].fillna(0)
    out = out.sort_values(
        ["gi_bin", "z_score", "lsoa_code"],
        ascending=[False, False, True],
        na_position="last",
        ignore_index=True,
    )
    out = out[list(HOTSPOT_COLUMNS)].astype(HOTSPOT_COLUMNS)
    out.attrs = {
        "harm_scheme": scope.harm_label,
        "measure": measure,
        "period": str(scope.period),
        "permutations": permutations,
        "seed": seed,
    }
    return out


# -- kernel density -----------------------------------------------------------------------------


def silverman_bandwidth(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """ArcGIS's spatial Silverman rule: ``0.9 min(SD, sqrt(1/ln 2) Dm) n^-0.2`` (same units).

    Examples
    --------
    >>> round(silverman_bandwidth(np.array([0.0, 100, 0, 100]), np.array([0.0, 0, 100, 100])), 1)
    48.2
    """
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    n = w.sum()
    if n <= 0 or len(x) < 2:
        raise SaferplacesError("a kernel density needs at least two points")
    cx, cy = np.average(x, weights=w), np.average(y, weights=w)
    d = np.hypot(x - cx, y - cy)
    sd = math.sqrt(np.average(d**2, weights=w))
    order = np.argsort(d)
    cum = np.cumsum(w[order])
    dm = float(d[order][np.searchsorted(cum, cum[-1] / 2)])
    return float(0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * n**-0.2)


def kernel_density(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    cell_size: float = 250.0,
    bandwidth: float | None = None,
    measure: str = "count",
    max_cells: int = 4_000_000,
) -> pd.DataFrame:
    """Quartic kernel density of the scope's crimes (or harm) on a grid in EPSG:27700.

    Parameters
    ----------
    cell_size : float
        Grid cell side in metres.
    bandwidth : float, optional
        Search radius in metres; default :func:`silverman_bandwidth`.
    measure : {"count", "harm"}
        Each crime counts 1, or its harm weight.

    Returns
    -------
    DataFrame
        Columns :data:`DENSITY_COLUMNS`: cell centres ``x``, ``y`` (British National Grid
        metres) and ``longitude``, ``latitude``, and ``density`` (crimes, or harm, per km²),
        over the bounding box of the area's LSOAs, row by row from the south-west. ``attrs``:
        ``bandwidth_m``, ``cell_size_m``, ``points``, ``measure``, ``period``, ``harm_scheme``.
    """
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    if cell_size <= 0:
        raise SaferplacesError(f"cell size must be positive metres, not {cell_size}")
    if measure not in MEASURES:
        raise SaferplacesError(f"measure '{measure}' is not one of {', '.join(MEASURES)}")
    pts = con.execute(
        f"""
        SELECT c.longitude, c.latitude, coalesce(w.weight, 0) AS weight
        FROM crime c LEFT JOIN harm_weights w USING (crime_type)
        WHERE c.lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter()}
          AND c.longitude IS NOT NULL AND c.latitude IS NOT NULL
        """
    ).fetchnumpy()
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    px, py = to_bng.transform(pts["longitude"], pts["latitude"])
    wt = np.ones(len(px)) if measure == "count" else np.asarray(pts["weight"], dtype=float)
    h = float(bandwidth) if bandwidth else silverman_bandwidth(px, py, wt)

    # Create grid: the area's bounding box in metres.
    x0, y0, x1, y1 = lsoa_shapes(con, scope).to_crs("EPSG:27700").total_bounds
    nx, ny = math.ceil((x1 - x0) / cell_size), math.ceil((y1 - y0) / cell_size)
    if nx * ny > max_cells:
        raise SaferplacesError(
            f"a {cell_size:g} m grid over {scope.area_name} has {nx * ny:,} cells (limit "
            f"{max_cells:,}); choose a larger --cell-size"
        )
    gx, gy = np.meshgrid(
        x0 + (np.arange(nx) + 0.5) * cell_size, y0 + (np.arange(ny) + 0.5) * cell_size
    )
    cx, cy = gx.ravel(), gy.ravel()

    # Quartic kernel within the bandwidth: 3 / (pi h²) (1 - d²/h²)², per m², weighted.
    density = np.zeros(len(cx))
    if len(px):
        pairs = cKDTree(np.column_stack([cx, cy])).sparse_distance_matrix(
            cKDTree(np.column_stack([px, py])), h, output_type="coo_matrix"
        )
        k = 3 / (math.pi * h**2) * (1 - (pairs.data / h) ** 2) ** 2 * wt[pairs.col]
        np.add.at(density, pairs.row, k)
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(cx, cy)
    out = pd.DataFrame(
        {"x": cx, "y": cy, "longitude": lon, "latitude": lat, "density": density * 1e6}
    ).astype(DENSITY_COLUMNS)
    out.attrs = {
        "bandwidth_m": h,
        "cell_size_m": float(cell_size),
        "points": len(px),
        "measure": measure,
        "period": str(scope.period),
        "harm_scheme": scope.harm_label,
    }
    return out


# -- the bundle ``saferplaces hotspots`` shows ------------------------------------------------


@dataclass(frozen=True)
class Hotspots:
    """Gi* by LSOA, emerging hot spots over the period, and optionally a density grid."""

    lsoas: pd.DataFrame  # HOTSPOT_COLUMNS
    emerging: pd.DataFrame | None  # see saferplaces.analysis.emerging_hotspots
    density: pd.DataFrame | None  # DENSITY_COLUMNS
    measure: str
    period: str
    harm_scheme: str
    synthetic: bool = False  # any record behind it is synthetic

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {"lsoas": self.lsoas}
        if self.emerging is not None:
            out["emerging"] = self.emerging
        if self.density is not None:
            out["density"] = self.density
        return out


def hotspots(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    measure: str = "count",
    permutations: int = 999,
    seed: int = 12345,
    emerging: bool = True,
    step_months: int = 1,
    cell_size: float | None = None,
) -> Hotspots:
    """:func:`hotspot_table`, emerging hot spots and (with ``cell_size``) a density grid."""
    from saferplaces.analysis.emerging_hotspots import emerging_hotspots

    table = hotspot_table(con, scope, measure, permutations, seed)
    trend = (
        emerging_hotspots(con, scope, measure, step_months, permutations, seed)
        if emerging
        else None
    )
    density = kernel_density(con, scope, cell_size, measure=measure) if cell_size else None
    return Hotspots(
        table, trend, density, measure, str(scope.period), scope.harm_label, scope.synthetic
    )


def print_hotspots(h: Hotspots, console: Console, top: int = 20) -> None:
    """Print the hot and cold spot LSOAs, the class counts and the emerging patterns."""
    print_synthetic_banner(h.synthetic, console)
    counts = h.lsoas.hot_cold.value_counts()
    what = MEASURES[h.measure] + (f" ({h.harm_scheme})" if h.measure == "harm" else "")
    console.print(
        f"Gi* on {what}, {h.period}: {counts.get('hot', 0)} hot and {counts.get('cold', 0)} cold "
        f"spot LSOAs of {len(h.lsoas)} (FDR-corrected; permutations "
        f"{h.lsoas.attrs.get('permutations')}, seed {h.lsoas.attrs.get('seed')}).",
        highlight=False,
    )
    shown = h.lsoas[h.lsoas.gi_bin != 0]
    print_frame(shown, f"Hot and cold spot LSOAs ({what})", console, limit=top)
    if h.emerging is not None:
        patterns = h.emerging[h.emerging.pattern != "no pattern detected"]
        print_frame(patterns, "Emerging hot and cold spots", console, limit=top)
    if h.density is not None:
        console.print(
            f"Density grid: {len(h.density):,} cells of {h.density.attrs['cell_size_m']:g} m, "
            f"bandwidth {h.density.attrs['bandwidth_m']:.0f} m (write it with --format).",
            highlight=False,
        )
