"""Places for every local authority at once: one pass over the warehouse, then per-area scoring.

Used for national comparisons and benchmarks: the crime table is aggregated to LSOAs once, and
each local authority's LSOA table is scored by :func:`saferplaces.analysis.places.score_lsoas`,
exactly as ``saferplaces places`` scores one area.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from saferplaces.analysis.places import LSOA_COLUMNS, imd_deciles, score_lsoas
from saferplaces.errors import SaferplacesError
from saferplaces.geo.localities import lsoa_residents
from saferplaces.harm.score import category_weights_for, register_harm_weights
from saferplaces.periods import Period

__all__ = ["BATCH_COLUMNS", "places_for_all"]

BATCH_COLUMNS = {"lad_code": "object", **LSOA_COLUMNS}


def places_for_all(
    con: duckdb.DuckDBPyConnection,
    vintage: int,
    period: Period,
    scheme: str = "illustrative-category-v1",
    method: str = "eb",
) -> pd.DataFrame:
    """The LSOA table of every local authority with loaded boundaries, in one frame.

    Parameters
    ----------
    con : duckdb connection
        The warehouse (read-only is fine: only temporary tables are created).
    vintage : int
        LSOA vintage of the loaded boundaries to use (2011 or 2021).
    period : Period
    scheme : str
        A category-keyed harm scheme (a code-level scheme would need each force's offence mix).
    method : str
        Vulnerability method (see :data:`saferplaces.analysis.places.METHODS`).

    Returns
    -------
    DataFrame
        Columns of :data:`BATCH_COLUMNS`: ``lad_code`` then the columns of ``lsoa_table``, with
        shares, ranks and vulnerability computed within each local authority. ``attrs`` holds
        the scheme label, method and period.
    """
    harm = category_weights_for(con, scheme)
    if harm.key != "category":
        raise SaferplacesError(f"places for all areas needs a category-keyed scheme, not {scheme}")
    register_harm_weights(con, harm)
    residents = lsoa_residents(con, vintage)
    lsoas = con.execute(
        "SELECT lsoa_code AS lsoa, lsoa_name, lad_code, area_km2 FROM lsoa "
        "WHERE vintage = ? AND lad_code IS NOT NULL",
        [vintage],
    ).df()
    if lsoas.empty:
        raise SaferplacesError(f"no LSOA {vintage} boundaries with a local authority are loaded")
    lsoas["residents"] = lsoas.lsoa.map(residents).astype("float64")
    con.register("_batch_lsoa", lsoas)
    con.execute("CREATE OR REPLACE TEMP TABLE batch_lsoa AS SELECT * FROM _batch_lsoa")
    con.unregister("_batch_lsoa")
    # One pass over the period's crimes, grouped by the LSOA they were placed in.
    counts = con.execute(
        f"""
        WITH c AS (
            SELECT c.lsoa, count(*)::BIGINT AS crimes, coalesce(sum(w.weight), 0) AS harm
            FROM crime c LEFT JOIN harm_weights w USING (crime_type)
            WHERE c.month BETWEEN DATE '{period.start}' AND DATE '{period.end}'
              AND c.lsoa IS NOT NULL
            GROUP BY c.lsoa
        )
        SELECT b.lad_code, b.lsoa AS lsoa_code, b.lsoa_name, lw.ward_name,
               coalesce(c.crimes, 0) AS crimes, coalesce(c.harm, 0) AS harm,
               b.residents, b.area_km2
        FROM batch_lsoa b
        LEFT JOIN c ON c.lsoa = b.lsoa
        LEFT JOIN lsoa_ward lw ON lw.lsoa_code = b.lsoa
        """
    ).df()
    counts["imd_decile"] = counts.lsoa_code.map(imd_deciles(con, "batch_lsoa")).astype("Int64")
    tables = [
        score_lsoas(group.drop(columns="lad_code"), method, harm.label).assign(lad_code=lad)
        for lad, group in counts.groupby("lad_code", sort=True)
    ]
    out = pd.concat(tables, ignore_index=True)[list(BATCH_COLUMNS)].astype(BATCH_COLUMNS)
    out.attrs = {"harm_scheme": harm.label, "method": method, "period": str(period)}
    return out
