"""Load geography into the warehouse: ``saferplaces geography load KIND FILE``.

Kinds: ``lsoa`` and ``ward`` boundaries (GeoJSON, GeoPackage, shapefile, any CRS), ``lsoa-ward``
and ``lsoa-lookup`` (LSOA11 -> LSOA21) lookups, ``population`` and ``imd`` (CSV). Loading a file
replaces the rows it covers, so loading it twice is the same as once. Every load is logged in
``geography_log`` with the file's sha256. After boundaries or a lookup are loaded, every police
row is placed again on the boundaries now available
(:func:`saferplaces.geo.resolve.resolve_places`).

Examples
--------
>>> import tempfile, pathlib
>>> from saferplaces.workspace import init_workspace
>>> ws = init_workspace(pathlib.Path(tempfile.mkdtemp()) / "tw", "E06000020")
>>> csv = ws.root / "pop.csv"
>>> _ = csv.write_text("lsoa,pop\\nE01014102,\\"1,917\\"\\n")
>>> load_geography(ws, "population", csv, year=2019).summary()
'Loaded population 2019 for 1 LSOA 2011 from pop.csv (1,917 residents)'
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from saferplaces.errors import InputFileError, SaferplacesError
from saferplaces.geo.areas import bundled_lsoa11_areas
from saferplaces.sources import geography_tables as tables
from saferplaces.sources.geography_tables import Skipped, find_column, lsoa_vintage, norm
from saferplaces.workspace import Workspace

__all__ = ["GeographyLoadResult", "KINDS", "load_geography", "read_boundaries"]

KINDS = ("lsoa", "ward", "lsoa-ward", "lsoa-lookup", "population", "imd")
_BNG = "EPSG:27700"
_LONLAT = "EPSG:4326"


@dataclass
class GeographyLoadResult:
    """What one ``geography load`` did.

    Attributes
    ----------
    kind, file : str
        The kind loaded and the file's name.
    rows : int
        Rows written to the warehouse.
    headline : str
        What was loaded, e.g. ``"115 LSOA 2021 boundaries"``.
    detail : str
        The parenthesised part of the summary (areas, totals).
    skipped : Skipped
        Rows that could not be used, by reason.
    placed : dict
        ``{table: {placed_by: rows}}`` after police rows were placed again (may be empty).
    """

    kind: str
    file: str
    rows: int
    headline: str
    detail: str = ""
    skipped: Skipped = field(default_factory=Skipped)
    placed: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line for people, e.g. ``Loaded 115 LSOA 2021 boundaries from x.geojson (...)``."""
        text = f"Loaded {self.headline} from {self.file}"
        if self.detail:
            text += f" ({self.detail})"
        if self.skipped.total:
            text += f"; {self.skipped.describe()}"
        counts: dict[str, int] = {}
        for table in self.placed.values():
            for how, n in table.items():
                counts[how] = counts.get(how, 0) + n
        if counts:
            text += "; police rows placed: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        return text


def load_geography(
    ws: Workspace,
    kind: str,
    path: Path,
    vintage: int | None = None,
    year: int | None = None,
) -> GeographyLoadResult:
    """Load one geography file into the workspace warehouse.

    Parameters
    ----------
    ws : Workspace
    kind : {"lsoa", "ward", "lsoa-ward", "lsoa-lookup", "population", "imd"}
    path : Path
        GeoJSON, GeoPackage or shapefile for boundaries; CSV for the rest.
    vintage : int, optional
        LSOA vintage (2011 or 2021) of boundaries or population; default from the column names
        (``LSOA21CD``), else from the codes (any code that is not a 2011 LSOA means 2021).
    year : int, optional
        Population year (IMD: edition year, default 2019); default from the columns or the file
        name.

    Returns
    -------
    GeographyLoadResult

    Raises
    ------
    SaferplacesError
        Unknown kind or vintage; :class:`InputFileError` for a file that cannot be used
        (unreadable, no features, required columns missing), naming the file and the problem.
    """
    if kind not in _LOADERS:
        raise SaferplacesError(f"unknown geography kind '{kind}'; expected one of {KINDS}")
    if vintage is not None and vintage not in (2011, 2021):
        raise SaferplacesError(f"LSOA vintage must be 2011 or 2021, not {vintage}")
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "no such file")
    con = ws.connect()
    try:
        # One transaction: a file that fails half-way leaves the warehouse as it was.
        con.begin()
        try:
            result = _LOADERS[kind](con, path, vintage, year)
            _log(con, kind, path, result)
        except BaseException:
            con.rollback()
            raise
        con.commit()
        if kind in ("lsoa", "lsoa-lookup"):
            from saferplaces.geo.resolve import resolve_places

            result.placed = resolve_places(con, ws.settings)
    finally:
        con.close()
    return result


def _log(con: duckdb.DuckDBPyConnection, kind: str, path: Path, r: GeographyLoadResult) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con.execute(
        "INSERT INTO geography_log VALUES (?, ?, ?, ?, ?, ?)",
        [datetime.now(), kind, str(path), digest, r.rows, r.summary()],
    )


# Boundaries -------------------------------------------------------------------------------------


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or shapefile, in EPSG:4326, with one clear error if unusable."""
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as e:  # pyogrio raises several types for files GDAL cannot open
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputFileError(
            str(path), f"is not a readable GeoJSON, GeoPackage or shapefile ({first})"
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all() or frame.empty:
        raise InputFileError(str(path), "has no features with a geometry")
    if frame.crs is None:
        frame = frame.set_crs(_guess_crs(path, frame))
    return frame.to_crs(_LONLAT)


def _guess_crs(path: Path, frame: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    if minx >= -9 and maxx <= 3 and miny >= 49 and maxy <= 61:
        return _LONLAT
    if minx >= 0 and maxx <= 700_000 and miny >= 0 and maxy <= 1_300_000:
        return _BNG
    raise InputFileError(
        str(path), "has no coordinate system and its coordinates are neither lon/lat nor BNG"
    )


def _geometry_columns(frame: gpd.GeoDataFrame, skipped: Skipped, key: str) -> pd.DataFrame:
    """WKB (EPSG:4326) and area_km2 (EPSG:27700); rows without geometry are tallied."""
    has = frame.geometry.notna() & ~frame.geometry.is_empty
    skipped.add("no geometry", frame.loc[~has, key])
    frame = frame[has]
    geoms = shapely.make_valid(frame.geometry.values._data)
    bng = gpd.GeoSeries(geoms, crs=_LONLAT, index=frame.index).to_crs(_BNG)
    return pd.DataFrame(
        {"area_km2": bng.area / 1e6, "geometry": shapely.to_wkb(geoms)}, index=frame.index
    )


def _load_lsoa(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame = read_boundaries(path)
    cols = [c for c in frame.columns if c != frame.geometry.name]
    code = find_column(cols, r"lsoa(11|21)cd", r"lsoa(20)?(11|21)code", r"lsoacode", r"lsoa")
    if code is None:
        raise InputFileError(
            str(path),
            f"has no LSOA code column (expected LSOA21CD or LSOA11CD; found {', '.join(cols)})",
        )
    skipped = Skipped()
    frame[code] = frame[code].astype(str).str.strip()
    frame = frame[tables.valid_lsoa_code(frame[code], skipped)]
    if frame.empty:
        raise InputFileError(str(path), f"has no valid LSOA codes; {skipped.describe()}")
    vintage = vintage or lsoa_vintage(code) or tables.infer_vintage(frame[code])
    name = find_column(cols, rf"lsoa{vintage % 100}nm", r"lsoa(11|21)nm", r"lsoaname", r"name")
    out = pd.DataFrame(
        {
            "lsoa_code": frame[code],
            "lsoa_name": frame[name].astype(str) if name else None,
            "vintage": vintage,
        }
    )
    out = out.join(_lad_columns(frame, cols, out))
    out = out.join(_geometry_columns(frame, skipped, code), how="inner")
    out["source"] = path.name
    out = out.drop_duplicates("lsoa_code", keep="last")
    con.register("new_lsoa", out)
    con.execute(
        "DELETE FROM lsoa WHERE vintage = ? AND lsoa_code IN (SELECT lsoa_code FROM new_lsoa)",
        [vintage],
    )
    con.execute(
        "INSERT INTO lsoa SELECT lsoa_code, lsoa_name, vintage, lad_code, lad_name, area_km2, "
        "geometry, source FROM new_lsoa"
    )
    con.unregister("new_lsoa")
    by_lad = out.groupby(out.lad_name.fillna("local authority unknown"), sort=False).size()
    areas = "; ".join(f"{lad}: {n}" for lad, n in by_lad.sort_values(ascending=False).items())
    return GeographyLoadResult(
        kind="lsoa",
        file=path.name,
        rows=len(out),
        headline=f"{len(out):,} LSOA {vintage} boundaries",
        detail=f"{areas}; {out.area_km2.sum():,.1f} km²",
        skipped=skipped,
    )


def _lad_columns(frame: pd.DataFrame, cols: list[str], out: pd.DataFrame) -> pd.DataFrame:
    """lad_code, lad_name: from the file's columns, else the bundled LSOA11 table by code, else
    by the LSOA name's prefix ("Telford and Wrekin 009F" -> Telford and Wrekin)."""
    lad_col = find_column(cols, r"ladcdactive", r"lad\d\dcd", r"ladcd", r"ladcode")
    name_col = find_column(cols, r"lad\d\dnm", r"ladnm", r"ladname")
    lad = pd.DataFrame(index=out.index, columns=["lad_code", "lad_name"], dtype=object)
    if lad_col:
        lad["lad_code"] = frame[lad_col].astype(str).str.strip().replace("", None)
    if name_col:
        lad["lad_name"] = frame[name_col].astype(str).str.strip().replace("", None)
    table = bundled_lsoa11_areas()
    by_code = table.set_index("lsoa11_code")
    names = table.drop_duplicates("lad_code").set_index("lad_code").lad_name
    lad["lad_code"] = _fill(lad.lad_code, out.lsoa_code.map(by_code.lad_code))
    if out.lsoa_name.notna().any():
        prefix = out.lsoa_name.str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).map(norm)
        code_by_name = pd.Series(names.index, index=names.map(norm).values)
        code_by_name = code_by_name[~code_by_name.index.duplicated()]
        lad["lad_code"] = _fill(lad.lad_code, prefix.map(code_by_name))
    lad["lad_name"] = _fill(lad.lad_name, lad.lad_code.map(names))
    return lad


def _fill(values: pd.Series, fallback: pd.Series) -> pd.Series:
    """``values`` where present, else ``fallback`` (object dtype kept as is)."""
    return values.where(values.notna(), fallback)


def _load_ward(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame = read_boundaries(path)
    cols = [c for c in frame.columns if c != frame.geometry.name]
    code = find_column(cols, r"wd\d\dcd", r"wardcode", r"wardcd")
    name = find_column(cols, r"wd\d\dnm", r"wardname", r"wardnm", r"name")
    if code is None or name is None:
        missing = " and ".join(
            w for w, c in (("a ward code (WD25CD...)", code), ("a ward name", name)) if c is None
        )
        raise InputFileError(str(path), f"has no column for {missing} (found {', '.join(cols)})")
    skipped = Skipped()
    frame[code] = frame[code].astype(str).str.strip()
    ok = frame[code].str.fullmatch(r"[EW]05\d{6}")
    skipped.add("not a ward code", frame.loc[~ok, code])
    frame = frame[ok]
    lad_col = find_column(cols, r"lad\d\dcd", r"ladcdactive", r"ladcd")
    out = pd.DataFrame(
        {
            "ward_code": frame[code],
            "ward_name": frame[name].astype(str).str.strip(),
            "lad_code": frame[lad_col] if lad_col else None,
        }
    ).join(_geometry_columns(frame, skipped, code), how="inner")
    out["source"] = path.name
    out = out.drop_duplicates("ward_code", keep="last")
    _replace(con, "ward", out, ["ward_code"])
    return GeographyLoadResult(
        kind="ward",
        file=path.name,
        rows=len(out),
        headline=f"{len(out):,} ward boundaries",
        detail=f"{out.area_km2.sum():,.1f} km²",
        skipped=skipped,
    )


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: list[str]):
    """Delete the rows with the frame's keys, then insert the frame (columns by name)."""
    con.register("new_rows", frame)
    match = " AND ".join(f"t.{k} = n.{k}" for k in key)
    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM new_rows n WHERE {match})")
    cols = ", ".join(frame.columns)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM new_rows")
    con.unregister("new_rows")


# Tables -----------------------------------------------------------------------------------------


def _load_population(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame, skipped, vintage, year = tables.read_population(path, vintage, year)
    if frame.empty:
        raise InputFileError(str(path), f"has no usable population rows; {skipped.describe()}")
    frame = frame.assign(vintage=vintage, year=year, source=path.name)
    _replace(con, "population", frame, ["lsoa_code", "vintage", "year"])
    return GeographyLoadResult(
        kind="population",
        file=path.name,
        rows=len(frame),
        headline=f"population {year} for {len(frame):,} LSOA {vintage}",
        detail=f"{frame.residents.sum():,.0f} residents",
        skipped=skipped,
    )


def _load_imd(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame, skipped = tables.read_imd(path)
    if frame.empty:
        raise InputFileError(str(path), f"has no usable IMD rows; {skipped.describe()}")
    year = year or 2019
    frame = frame.assign(year=year, source=path.name)
    _replace(con, "imd", frame, ["lsoa_code"])
    has = [c for c in ("score", "rank", "decile") if frame[c].notna().any()]
    return GeographyLoadResult(
        kind="imd",
        file=path.name,
        rows=len(frame),
        headline=f"IMD {year} for {len(frame):,} LSOA 2011",
        detail=", ".join(has),
        skipped=skipped,
    )


def _load_lsoa_ward(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame, skipped = tables.read_lsoa_ward(path)
    if frame.empty:
        raise InputFileError(str(path), f"has no usable rows; {skipped.describe()}")
    frame = frame.assign(source=path.name)
    _replace(con, "lsoa_ward", frame, ["lsoa_code"])
    return GeographyLoadResult(
        kind="lsoa-ward",
        file=path.name,
        rows=len(frame),
        headline=f"{len(frame):,} LSOA-to-ward rows",
        detail=f"{frame.ward_code.nunique():,} wards",
        skipped=skipped,
    )


def _load_lsoa_lookup(
    con: duckdb.DuckDBPyConnection, path: Path, vintage: int | None, year: int | None
) -> GeographyLoadResult:
    frame, skipped, best_fit_file = tables.read_lsoa_lookup(path)
    if frame.empty:
        raise InputFileError(str(path), f"has no usable rows; {skipped.describe()}")
    frame = frame.assign(source=path.name)
    con.register("new_lookup", frame)
    if best_fit_file:
        # A best-fit file names the one best LSOA21 per LSOA11: earlier best fits give way.
        con.execute(
            "UPDATE lsoa_lookup SET best_fit = false "
            "WHERE lsoa11_code IN (SELECT lsoa11_code FROM new_lookup)"
        )
    # Merge, so an exact-fit file (weights, categories) and a best-fit file complement each other.
    con.execute(
        """
        INSERT INTO lsoa_lookup (lsoa11_code, lsoa21_code, change, weight, best_fit, source)
        SELECT lsoa11_code, lsoa21_code, change, weight, best_fit, source FROM new_lookup
        ON CONFLICT (lsoa11_code, lsoa21_code) DO UPDATE SET
            change = coalesce(excluded.change, change),
            weight = coalesce(excluded.weight, weight),
            best_fit = excluded.best_fit OR best_fit,
            source = excluded.source
        """
    )
    con.unregister("new_lookup")
    split = frame.lsoa11_code.duplicated(keep=False)
    kind = "best-fit" if best_fit_file else "exact-fit"
    return GeographyLoadResult(
        kind="lsoa-lookup",
        file=path.name,
        rows=len(frame),
        headline=f"{len(frame):,} LSOA 2011-to-2021 {kind} lookup rows",
        detail=f"{frame.lsoa11_code.nunique():,} LSOA 2011, "
        f"{frame[split].lsoa11_code.nunique():,} split",
        skipped=skipped,
    )


_LOADERS: dict[str, Callable[..., GeographyLoadResult]] = {
    "lsoa": _load_lsoa,
    "ward": _load_ward,
    "lsoa-ward": _load_lsoa_ward,
    "lsoa-lookup": _load_lsoa_lookup,
    "population": _load_population,
    "imd": _load_imd,
}
