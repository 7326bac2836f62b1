"""Localities: named sets of LSOAs, defined in ``saferplaces.toml``; the workspace area is one too.

A locality lists LSOA codes, wards (names, case-insensitive, or codes, through the loaded
LSOA-to-ward lookup) or a polygon file (the LSOAs whose representative point lies inside it);
several of these together mean their union::

    [localities."Sutton Hill, Brookside and Woodside"]
    wards = ["Brookside", "Woodside", "Madeley & Sutton Hill"]

    [localities."Town centre"]
    polygon = "town_centre.geojson"     # relative to the workspace folder

Everything is expressed in the target LSOA vintage
(see :func:`saferplaces.geo.resolve.target_vintage`); codes of the other vintage are mapped
through ``lsoa_lookup``.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyogrio
import shapely

from saferplaces.errors import SaferplacesError
from saferplaces.geo.areas import bundled_lsoa11_areas
from saferplaces.geo.resolve import target_vintage
from saferplaces.geo.shapes import lsoa_geometries
from saferplaces.settings import LocalitySettings, Settings

__all__ = [
    "area_lsoas",
    "list_localities",
    "locality_lsoas",
    "lsoa_residents",
    "population_year",
]


def _vintage(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    return target_vintage(con, settings) or settings.geography.vintage


def _loaded(con: duckdb.DuckDBPyConnection, vintage: int) -> set[str]:
    rows = con.execute("SELECT lsoa_code FROM lsoa WHERE vintage = ?", [vintage]).fetchall()
    return {r[0] for r in rows}


def _to_vintage(con: duckdb.DuckDBPyConnection, codes: list[str], vintage: int) -> list[str]:
    """Codes in ``vintage``: loaded ones kept, others mapped through ``lsoa_lookup`` if possible."""
    loaded = _loaded(con, vintage)
    src, dst = ("lsoa11_code", "lsoa21_code") if vintage == 2021 else ("lsoa21_code", "lsoa11_code")
    other = [c for c in codes if c not in loaded]
    mapped: dict[str, list[str]] = {}
    if other:
        con.register("_codes", pd.DataFrame({"code": other}))
        rows = con.execute(
            f"SELECT m.{src}, m.{dst} FROM lsoa_lookup m JOIN _codes f ON f.code = m.{src}"
        ).fetchall()
        con.unregister("_codes")
        for a, b in rows:
            mapped.setdefault(a, []).append(b)
    out = [m for c in codes for m in (mapped.get(c) or [c])]
    return sorted(set(out))


def area_lsoas(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """The workspace area's LSOAs in the target vintage.

    From the loaded boundaries' ``lad_code``; else the LSOA-to-ward lookup's ``lad_code``; else
    the bundled 2011 table, mapped through ``lsoa_lookup`` when the target vintage is 2021.

    Returns
    -------
    list of str
        Sorted LSOA codes.
    """
    vintage, code = _vintage(con, settings), settings.area.code
    rows = con.execute(
        "SELECT lsoa_code FROM lsoa WHERE vintage = ? AND lad_code = ? ORDER BY 1", [vintage, code]
    ).fetchall()
    if not rows:
        rows = con.execute(
            "SELECT lsoa_code FROM lsoa_ward WHERE lad_code = ? ORDER BY 1", [code]
        ).fetchall()
    if rows:
        return _to_vintage(con, [r[0] for r in rows], vintage)
    table = bundled_lsoa11_areas()
    return _to_vintage(con, list(table.lsoa11_code[table.lad_code == code]), vintage)


def locality_lsoas(con: duckdb.DuckDBPyConnection, settings: Settings, name: str) -> list[str]:
    """The LSOAs of a locality (or of the area, by its name or code), in the target vintage.

    Raises
    ------
    SaferplacesError
        Unknown locality, LSOA or ward, a polygon file that cannot be read, or a locality that
        defines nothing; the message names the locality and the culprit.
    """
    if name not in settings.localities:
        if name in (settings.area.name, settings.area.code):
            return area_lsoas(con, settings)
        known = ", ".join(repr(n) for n in settings.localities) or "none defined"
        raise SaferplacesError(
            f"no locality '{name}' in saferplaces.toml (localities: {known}; the area is "
            f"'{settings.area.name}')"
        )
    loc = settings.localities[name]
    if not (loc.lsoas or loc.wards or loc.polygon):
        raise SaferplacesError(
            f"locality '{name}' lists no lsoas, wards or polygon in saferplaces.toml"
        )
    vintage = _vintage(con, settings)
    codes: set[str] = set()
    if loc.lsoas:
        codes |= set(_by_lsoas(con, name, loc, vintage))
    if loc.wards:
        codes |= set(_by_wards(con, name, loc, vintage, settings.area.code))
    if loc.polygon:
        codes |= set(_by_polygon(con, name, loc.polygon, vintage))
    return sorted(codes)


def _by_lsoas(
    con: duckdb.DuckDBPyConnection, name: str, loc: LocalitySettings, vintage: int
) -> list[str]:
    bad = [c for c in loc.lsoas if not re.fullmatch(r"[EW]01\d{6}", c.strip().upper())]
    codes = [c.strip().upper() for c in loc.lsoas]
    if bad:
        raise SaferplacesError(f"locality '{name}': '{bad[0]}' is not an LSOA code like E01014102")
    mapped = _to_vintage(con, codes, vintage)
    loaded = _loaded(con, vintage)
    if loaded:
        unknown = [c for c in mapped if c not in loaded]
        if unknown:
            raise SaferplacesError(
                f"locality '{name}': LSOA {unknown[0]} is not among the loaded LSOA {vintage} "
                "boundaries (load them with `saferplaces geography load lsoa FILE`)"
            )
    return mapped


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold())


def _by_wards(
    con: duckdb.DuckDBPyConnection,
    name: str,
    loc: LocalitySettings,
    vintage: int,
    area_code: str | None = None,
) -> list[str]:
    # Ward names repeat across the country ("Woodside"): with a national lookup, only the
    # workspace area's wards count.
    lookup = con.execute(
        "SELECT lsoa_code, ward_code, ward_name FROM lsoa_ward "
        "WHERE ? IS NULL OR lad_code IS NULL OR lad_code = ?",
        [area_code, area_code],
    ).df()
    if lookup.empty:
        raise SaferplacesError(
            f"locality '{name}' is defined by wards but no LSOA-to-ward lookup is loaded; "
            "load one with `saferplaces geography load lsoa-ward FILE`"
        )
    names = lookup.ward_name.fillna("").map(_fold)
    codes: list[str] = []
    for ward in loc.wards:
        hit = (lookup.ward_code.str.upper() == ward.strip().upper()) | (names == _fold(ward))
        if not hit.any():
            close = sorted(
                n for n in lookup.ward_name.dropna().unique() if _fold(ward)[:4] in _fold(n)
            )[:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SaferplacesError(
                f"locality '{name}': no ward named or coded '{ward}' in the LSOA-to-ward "
                f"lookup{hint}"
            )
        codes += list(lookup.lsoa_code[hit])
    return _to_vintage(con, codes, vintage)


def _by_polygon(con: duckdb.DuckDBPyConnection, name: str, polygon: str, vintage: int) -> list[str]:
    path = Path(polygon)
    if not path.is_absolute():
        path = _workspace_dir(con) / path
    try:
        shapes = pyogrio.read_dataframe(path)
        if shapes.crs is not None:
            shapes = shapes.to_crs("EPSG:4326")
    except Exception as e:  # pyogrio raises several types for files GDAL cannot open
        raise SaferplacesError(
            f"locality '{name}': polygon file {path} cannot be read "
            f"({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        ) from None
    area = shapely.union_all(shapely.make_valid(np.asarray(shapes.geometry.array)))
    codes, lsoas = lsoa_geometries(con, vintage)
    if len(codes) == 0:
        raise SaferplacesError(
            f"locality '{name}' is defined by a polygon but no LSOA {vintage} boundaries are "
            "loaded; load them with `saferplaces geography load lsoa FILE`"
        )
    # A representative point is always inside its LSOA (a centroid may not be).
    inside = shapely.contains(area, shapely.point_on_surface(lsoas))
    return sorted(codes[inside])


def _workspace_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The folder of the warehouse file: relative polygon paths are read from there."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]).parent if row and row[0] else Path.cwd()


def list_localities(con: duckdb.DuckDBPyConnection, settings: Settings) -> pd.DataFrame:
    """The area and every locality with its LSOA count, residents and area.

    Returns
    -------
    pandas.DataFrame
        ``name`` (str; the area first), ``lsoas`` (int, number of LSOAs), ``residents``
        (float rounded to whole people, latest population year loaded, apportioned to the
        target vintage through the lookup's weights when the population is of the other
        vintage; NaN if none loaded),
        ``area_km2`` (float to 0.01 km², NaN when boundaries are not loaded).
    """
    vintage = _vintage(con, settings)
    pop = lsoa_residents(con, vintage)
    areas = dict(
        con.execute("SELECT lsoa_code, area_km2 FROM lsoa WHERE vintage = ?", [vintage]).fetchall()
    )
    sets = {settings.area.name: area_lsoas(con, settings)}
    sets.update({n: locality_lsoas(con, settings, n) for n in settings.localities})
    rows = []
    for n, codes in sets.items():
        residents = pop.reindex(codes).sum(min_count=1) if not pop.empty else np.nan
        km2 = [areas[c] for c in codes if c in areas]
        rows.append((n, len(codes), float(residents), float(sum(km2)) if km2 else np.nan))
    frame = pd.DataFrame(rows, columns=["name", "lsoas", "residents", "area_km2"])
    # A listing for people: whole residents (apportioned figures are not exact), 0.01 km².
    frame = frame.round({"residents": 0, "area_km2": 2})
    return frame.astype({"lsoas": "int64", "residents": "float64", "area_km2": "float64"})


def population_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest population year loaded (every residents figure uses this one year)."""
    row = con.execute("SELECT max(year) FROM population").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def lsoa_residents(
    con: duckdb.DuckDBPyConnection, vintage: int, year: int | None = None
) -> pd.Series:
    """Residents per LSOA of ``vintage`` (index ``lsoa_code``) for ``year`` (default: latest).

    Population loaded for 2011 LSOAs is shared onto 2021 LSOAs by the lookup's weights (the
    share of each LSOA11's residents living in each LSOA21), so split LSOAs get apportioned
    figures.
    """
    frame = con.execute(
        "SELECT lsoa_code, vintage, residents FROM population WHERE year = ?",
        [year if year is not None else population_year(con)],
    ).df()
    same = frame[frame.vintage == vintage]
    if not same.empty or frame.empty:
        return same.set_index("lsoa_code").residents
    if vintage != 2021:
        return pd.Series(dtype=float)
    # 2011 population onto 2021 LSOAs: each LSOA11's residents shared by the lookup's weights.
    con.register("_pop11", frame)
    shared = con.execute(
        """
        SELECT m.lsoa21_code AS lsoa_code, sum(p.residents * coalesce(m.weight, 1)) AS r
        FROM _pop11 p JOIN lsoa_lookup m ON m.lsoa11_code = p.lsoa_code
        WHERE m.weight IS NOT NULL OR m.lsoa11_code = m.lsoa21_code
        GROUP BY 1
        """
    ).df()
    con.unregister("_pop11")
    return shared.set_index("lsoa_code").r
