"""Places for a synthetic borough: real LSOA geography, residents, and crime intensity.

The geography is vendored with the package (``saferplaces/data/geography/``: ONS LSOA 2011
boundaries and Census 2011 residents, see data/ATTRIBUTION.md). Intensity per LSOA comes from a
real data.police.uk backbone when one is given, else from residents and a density proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from saferplaces.errors import SaferplacesError

__all__ = [
    "GEOGRAPHY_FILES",
    "Places",
    "backbone_intensity",
    "geography_file",
    "load_places",
    "proxy_intensity",
]

# Vendored files per geography name: (LSOA 2011 boundaries, Census 2011 population).
GEOGRAPHY_FILES = {
    "telford-and-wrekin": (
        "LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson",
        "census_2011_lsoa_population_area_telford_and_wrekin.csv",
    ),
}
SNAP_POINTS = 40  # map points per LSOA; data.police.uk likewise snaps crimes to fixed points


def geography_file(name: str) -> Path:
    """Path of a vendored geography file (``saferplaces/data/geography/NAME``)."""
    ref = resources.files("saferplaces.data").joinpath("geography", name)
    if not ref.is_file():
        raise SaferplacesError(f"the vendored geography file {name} is missing from the package")
    return Path(str(ref))


@dataclass
class Places:
    """LSOAs of the area with residents and the map points crimes are snapped to.

    ``lsoas`` columns: lsoa_code, lsoa_name, residents, hectares, density. ``points`` columns:
    lsoa_index (row of ``lsoas``), longitude, latitude, location.
    """

    lsoas: pd.DataFrame
    points: pd.DataFrame


def load_places(geography: str, rng: np.random.Generator) -> Places:
    """The vendored LSOAs of ``geography`` with residents and random snap points inside each."""
    if geography not in GEOGRAPHY_FILES:
        raise SaferplacesError(
            f"no vendored geography '{geography}'; known: {', '.join(GEOGRAPHY_FILES)}"
        )
    boundary_name, population_name = GEOGRAPHY_FILES[geography]
    shapes = gpd.read_file(geography_file(boundary_name))
    shapes = shapes.sort_values("LSOA11CD").reset_index(drop=True)
    pop = pd.read_csv(geography_file(population_name), dtype=str)
    # columns: ..., LSOA Code, LSOA Name, '', Persons (usual residents), Persons, Persons,
    # Hectares, Persons per hectare, ...
    pop = pd.DataFrame(
        {
            "lsoa_code": pop["LSOA Code"],
            "residents": pd.to_numeric(pop["Persons"].str.replace(",", ""), errors="raise"),
            "hectares": pd.to_numeric(pop["Hectares"].str.replace(",", ""), errors="raise"),
        }
    )
    lsoas = pd.DataFrame({"lsoa_code": shapes.LSOA11CD, "lsoa_name": shapes.LSOA11NM}).merge(
        pop, on="lsoa_code", how="left", validate="1:1"
    )
    if lsoas.residents.isna().any():
        raise SaferplacesError(f"{population_name} lacks residents for some LSOAs")
    lsoas["density"] = lsoas.residents / lsoas.hectares.clip(lower=1)
    points = _snap_points(rng, shapes.geometry.values, SNAP_POINTS)
    return Places(lsoas, points)


def _snap_points(rng: np.random.Generator, polygons: np.ndarray, per: int) -> pd.DataFrame:
    """``per`` random points inside each polygon (rejection sampling, all polygons at once)."""
    n = len(polygons)
    bounds = shapely.bounds(polygons)
    kept_idx: list[np.ndarray] = []
    kept_xy: list[np.ndarray] = []
    need = np.full(n, per)
    for _ in range(50):
        if need.sum() == 0:
            break
        idx = np.repeat(np.arange(n), need * 4)
        x = bounds[idx, 0] + rng.random(len(idx)) * (bounds[idx, 2] - bounds[idx, 0])
        y = bounds[idx, 1] + rng.random(len(idx)) * (bounds[idx, 3] - bounds[idx, 1])
        inside = shapely.contains_xy(polygons[idx], x, y)
        idx, x, y = idx[inside], x[inside], y[inside]
        # keep at most `need` per polygon
        order = np.argsort(idx, kind="stable")
        idx, x, y = idx[order], x[order], y[order]
        rank = np.arange(len(idx)) - np.searchsorted(idx, idx)
        take = rank < need[idx]
        kept_idx.append(idx[take])
        kept_xy.append(np.column_stack([x[take], y[take]]))
        need = need - np.bincount(idx[take], minlength=n)
    if need.sum():  # pragma: no cover - only for slivers; fall back to a point on the surface
        rp = shapely.get_coordinates(shapely.point_on_surface(polygons))
        idx = np.repeat(np.arange(n), need)
        kept_idx.append(idx)
        kept_xy.append(rp[idx])
    idx = np.concatenate(kept_idx)
    xy = np.concatenate(kept_xy)
    order = np.argsort(idx, kind="stable")
    idx, xy = idx[order], xy[order]
    return pd.DataFrame(
        {
            "lsoa_index": idx,
            "longitude": np.round(xy[:, 0], 6),
            "latitude": np.round(xy[:, 1], 6),
            "location": pd.Series(np.arange(len(idx)) + 1).map(
                "On or near Synthetic Place {:04d}".format
            ),
        }
    )


def proxy_intensity(lsoas: pd.DataFrame, density_power: float) -> np.ndarray:
    """Relative crime intensity without a backbone: residents x (density / median) ^ power.

    Deprivation (IMD) is not shipped with the package, so residential density stands in for it:
    denser LSOAs in Telford are the town-centre and estate areas where crime concentrates.
    """
    rel = lsoas.density / lsoas.density.median()
    return (lsoas.residents * rel.clip(lower=0.05) ** density_power).to_numpy(dtype=float)


def backbone_intensity(lsoas: pd.DataFrame, backbone: Path) -> np.ndarray:
    """Relative crime intensity from real data.police.uk street files (crimes per LSOA).

    Crimes (not anti-social behaviour) in every ``*street.csv`` under ``backbone`` are counted
    by LSOA. 2021 LSOA codes that are not 2011 codes (splits) are credited to the 2011 LSOAs of
    the same MSOA name prefix equally. An LSOA with no crimes gets half a crime, so it can
    still receive some.
    """
    files = sorted(str(p) for p in Path(backbone).rglob("*street.csv"))
    if not files:
        raise SaferplacesError(f"no data.police.uk street files (*street.csv) under {backbone}")
    counts = duckdb.sql(
        'SELECT "LSOA code" AS code, "LSOA name" AS name, count(*) AS n '
        "FROM read_csv($files, all_varchar = true, union_by_name = true) "
        'WHERE "Crime type" <> \'Anti-social behaviour\' AND "LSOA code" IS NOT NULL '
        "GROUP BY ALL",
        params={"files": files},
    ).df()
    n = pd.Series(0.0, index=lsoas.lsoa_code)
    direct = counts[counts.code.isin(n.index)]
    n[direct.code] += direct.n.to_numpy(dtype=float)
    msoa = lsoas.lsoa_name.str[:-1]
    other = counts[~counts.code.isin(n.index)]
    for name, k in other.groupby(other.name.str[:-1]).n.sum().items():
        members = lsoas.lsoa_code[msoa == name]
        if len(members):
            n[members] += k / len(members)
    if n.sum() == 0:
        raise SaferplacesError(f"the backbone {backbone} has no crimes in the profile's LSOAs")
    return np.maximum(n.to_numpy(), 0.5)
