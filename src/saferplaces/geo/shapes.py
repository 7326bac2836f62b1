"""LSOA boundaries from the warehouse, as shapely geometries or a GeoDataFrame.

The ``lsoa`` table stores each boundary as WKB in EPSG:4326; every module that needs the
shapes reads them through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import shapely

from saferplaces.errors import SaferplacesError

__all__ = ["lsoa_frame", "lsoa_geometries"]


def lsoa_geometries(
    con: duckdb.DuckDBPyConnection, vintage: int, lsoas: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """LSOA codes and their polygons (EPSG:4326), sorted by code.

    Parameters
    ----------
    con : duckdb connection
    vintage : int
        2011 or 2021.
    lsoas : sequence of str, optional
        Only these LSOAs (default: every one loaded for the vintage).

    Returns
    -------
    codes, polygons : numpy object arrays of equal length (empty when none are loaded).
    """
    rows = con.execute(
        "SELECT lsoa_code, geometry FROM lsoa WHERE vintage = ? AND geometry IS NOT NULL "
        "AND (? OR lsoa_code IN (SELECT unnest(?))) ORDER BY lsoa_code",
        [vintage, lsoas is None, list(lsoas or [])],
    ).fetchnumpy()
    # DuckDB hands BLOBs back as bytearray; shapely wants bytes.
    wkb = np.array([bytes(g) for g in rows["geometry"]], dtype=object)
    return np.asarray(rows["lsoa_code"], dtype=object), shapely.from_wkb(wkb)


def lsoa_frame(
    con: duckdb.DuckDBPyConnection,
    vintage: int,
    lsoas: Sequence[str] | None = None,
    needed_for: str = "",
) -> Any:
    """:func:`lsoa_geometries` as a GeoDataFrame (``lsoa_code``, geometry; EPSG:4326).

    Raises a clear error when no boundary is loaded (``needed_for`` says what needs them).
    """
    import geopandas as gpd

    codes, polygons = lsoa_geometries(con, vintage, lsoas)
    if len(codes) == 0:
        raise SaferplacesError(
            f"no LSOA {vintage} boundaries with geometry are loaded"
            + (f"; {needed_for} need them" if needed_for else "")
            + " (`saferplaces geography load lsoa FILE`)"
        )
    return gpd.GeoDataFrame({"lsoa_code": codes}, geometry=polygons, crs="EPSG:4326")
