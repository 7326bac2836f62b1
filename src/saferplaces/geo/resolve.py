"""Place police rows on the loaded LSOA boundaries: set ``lsoa`` and ``placed_by``.

Records keep the code they came with (``lsoa_code``); ``lsoa`` is the LSOA of the target vintage
(``[geography] vintage`` in ``saferplaces.toml`` when its boundaries are loaded, else the vintage
that is loaded) and ``placed_by`` says how it was found, in this order:

``code``
    ``lsoa_code`` is a loaded boundary of the target vintage.
``lookup``
    ``lsoa_code`` maps through ``lsoa_lookup`` onto loaded target boundaries. When it maps onto
    several (a split LSOA11) the row's point decides if it lies in one of them; otherwise the
    best-fit row, else the one with the largest share of residents.
``point``
    The row's longitude/latitude lies in a loaded boundary (point-in-polygon).
``outside``
    The row has a code or coordinates, but no loaded boundary holds it (e.g. force-wide data
    when only one local authority's boundaries are loaded).
``unplaced``
    The row has neither a code nor coordinates. It is kept and counted, never dropped.

With no boundaries loaded, ``placed_by`` stays NULL. Codes and lookups are resolved by SQL joins
in DuckDB; only the rows still unplaced go through point-in-polygon, and the results go back in
one joined UPDATE per table.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from saferplaces.geo.pip import PolygonIndex
from saferplaces.geo.shapes import lsoa_geometries
from saferplaces.settings import Settings
from saferplaces.warehouse.schema import EXTRACT_ROWS, POLICE_TABLES

__all__ = ["PLACED_BY", "resolve_places", "target_vintage"]

PLACED_BY = ("code", "lookup", "point", "outside", "unplaced")


def target_vintage(con: duckdb.DuckDBPyConnection, settings: Settings) -> int | None:
    """The vintage rows are placed on: the configured one if loaded, else the loaded one.

    Returns ``None`` when no LSOA boundaries are loaded.
    """
    loaded = [r[0] for r in con.execute("SELECT DISTINCT vintage FROM lsoa ORDER BY 1").fetchall()]
    if not loaded:
        return None
    wanted = settings.geography.vintage
    return wanted if wanted in loaded else loaded[-1]


def resolve_places(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    tables: tuple[str, ...] = POLICE_TABLES,
    ingest_ids: list[int] | None = None,
) -> dict[str, dict[str, int]]:
    """Set ``lsoa`` and ``placed_by`` on police rows (see the module docstring for the order).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable warehouse connection. Runs in its own transaction unless one is open.
    settings : Settings
        The workspace settings (``geography.vintage``).
    tables : tuple of str
        Police tables to resolve.
    ingest_ids : list of int, optional
        Only rows of these ingests; default all rows.

    Returns
    -------
    dict
        ``{table: {placed_by: rows}}`` for the rows resolved; empty when no boundaries are loaded.
    """
    vintage = target_vintage(con, settings)
    if vintage is None:
        return {}
    own = _begin(con)
    try:
        index, codes = _boundary_index(con, vintage)
        # offence is a view: its rows are stored in extract_offence
        counts = {
            t: _resolve_table(con, EXTRACT_ROWS.get(t, t), vintage, index, codes, ingest_ids)
            for t in tables
        }
        if own:
            con.commit()
    except BaseException:
        if own:
            con.rollback()
        raise
    return counts


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.begin()
    except duckdb.TransactionException:  # the caller's transaction holds the work
        return False
    return True


def _boundary_index(
    con: duckdb.DuckDBPyConnection, vintage: int
) -> tuple[PolygonIndex, np.ndarray]:
    codes, polygons = lsoa_geometries(con, vintage)
    return PolygonIndex(polygons), codes


def _resolve_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    vintage: int,
    index: PolygonIndex,
    codes: np.ndarray,
    ingest_ids: list[int] | None,
) -> dict[str, int]:
    cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    code = "nullif(trim(lsoa_code), '')" if "lsoa_code" in cols else "NULL::VARCHAR"
    scope = "true"
    if ingest_ids is not None:
        scope = f"ingest_id IN ({', '.join(str(int(i)) for i in ingest_ids) or 'NULL'})"
    # Step 1: the rows in scope, with what they carry.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _place AS
        SELECT rowid AS rid, {code} AS code, longitude AS x, latitude AS y,
               NULL::VARCHAR AS lsoa, NULL::VARCHAR AS placed_by, NULL::VARCHAR AS pip
        FROM {table} WHERE {scope}
        """
    )
    # Step 2: by code.
    con.execute(
        "UPDATE _place SET lsoa = code, placed_by = 'code' "
        "WHERE code IN (SELECT lsoa_code FROM lsoa WHERE vintage = ?)",
        [vintage],
    )
    _lookup_candidates(con, vintage)
    # Step 3: point-in-polygon for every row still open that has coordinates.
    _point_in_polygon(con, index, codes)
    _choose_lookup(con)
    # Step 4: what is left.
    con.execute(
        """
        UPDATE _place SET lsoa = pip, placed_by = 'point'
        WHERE placed_by IS NULL AND pip IS NOT NULL;
        UPDATE _place SET placed_by = CASE WHEN code IS NOT NULL OR x IS NOT NULL
                                           THEN 'outside' ELSE 'unplaced' END
        WHERE placed_by IS NULL;
        """
    )
    con.execute(
        f"UPDATE {table} SET lsoa = p.lsoa, placed_by = p.placed_by FROM _place p "
        f"WHERE {table}.rowid = p.rid"
    )
    counts = con.execute("SELECT placed_by, count(*) FROM _place GROUP BY 1 ORDER BY 1").fetchall()
    con.execute("DROP TABLE _place; DROP TABLE IF EXISTS _cand")
    return {str(k): int(n) for k, n in counts}


def _lookup_candidates(con: duckdb.DuckDBPyConnection, vintage: int) -> None:
    """``_cand``: for each open row, the loaded target LSOAs its code maps onto."""
    src, dst = ("lsoa11_code", "lsoa21_code") if vintage == 2021 else ("lsoa21_code", "lsoa11_code")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _cand AS
        SELECT p.rid, m.{dst} AS target, m.best_fit, m.weight
        FROM _place p
        JOIN lsoa_lookup m ON m.{src} = p.code
        JOIN lsoa b ON b.lsoa_code = m.{dst} AND b.vintage = ?
        WHERE p.placed_by IS NULL
        """,
        [vintage],
    )
    # One candidate: placed now, without looking at the point.
    con.execute(
        """
        UPDATE _place SET lsoa = c.target, placed_by = 'lookup'
        FROM (SELECT rid, any_value(target) AS target FROM _cand GROUP BY rid
              HAVING count(*) = 1) c
        WHERE _place.rid = c.rid
        """
    )


def _choose_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """Several candidates: the one holding the point, else best fit, else largest weight."""
    con.execute(
        """
        UPDATE _place SET lsoa = c.target, placed_by = 'lookup'
        FROM (
            SELECT c.rid, arg_max(c.target, [
                coalesce(c.target = p.pip, false)::DOUBLE, c.best_fit::DOUBLE,
                coalesce(c.weight, -1)::DOUBLE
            ]) AS target
            FROM _cand c JOIN _place p USING (rid)
            WHERE p.placed_by IS NULL
            GROUP BY c.rid
        ) c
        WHERE _place.rid = c.rid
        """
    )


def _point_in_polygon(
    con: duckdb.DuckDBPyConnection, index: PolygonIndex, codes: np.ndarray
) -> None:
    open_rows = con.execute(
        "SELECT rid, x, y FROM _place WHERE placed_by IS NULL AND x IS NOT NULL AND y IS NOT NULL"
    ).fetchnumpy()
    if len(open_rows["rid"]) == 0:
        return
    found = index.locate(np.asarray(open_rows["x"]), np.asarray(open_rows["y"]))
    hit = found >= 0
    placed = pd.DataFrame({"rid": np.asarray(open_rows["rid"])[hit], "pip": codes[found[hit]]})
    con.register("_pip_rows", placed)
    con.execute("UPDATE _place SET pip = r.pip FROM _pip_rows r WHERE _place.rid = r.rid")
    con.unregister("_pip_rows")
