"""Benchmark input for profile and places: a national warehouse of SYNTHETIC crimes.

A Telford and Wrekin workspace (``E06000020``, LSOA vintage 2011) whose warehouse holds:

- all 34,753 LSOA 2011 boundaries of England and Wales
  (``../shared/data/national/LSOA_2011_BSC_EW_V3.geojson``; ``lad_code`` from the bundled ONS
  table), population 2019 (mySociety) and IMD 2019 (mySociety ``UK_IMD_E.csv``), each loaded
  with :func:`saferplaces.sources.geography.load_geography` as a user would;
- at least ``BENCH_ROWS`` (default 10,000,000) **synthetic** crimes over the 24 months
  2024-01 to 2025-12, generated in DuckDB SQL. Each LSOA gets crimes in proportion to its
  residents times a random intensity (log-normal, sigma ``INTENSITY_SIGMA``), so that some
  LSOAs stand out as they do in real data; the month is uniform over the 24 months and the
  category is drawn from the real 2025 West Mercia category mix (anti-social behaviour left
  out: it lives in ``asb``). Rows carry ``lsoa = lsoa_code`` (``placed_by = 'code'``), the
  LSOA's name, the LSOA's force slug (bundled table), ``synthetic = true``, ``ingest_id = 0``
  and ``line`` = row number; ``crime_id``, coordinates and outcomes are left empty (no analysis
  timed here reads them). Rows are stored in (month, force, LSOA) order, as an ingest of
  monthly force files stores them. ``partition`` claims every (force, month) and one
  ``ingest_log`` row (``synthetic = true``) describes the load, so the profile's change test
  sees a complete previous year.

Random numbers are hashes of (``SEED``, LSOA, row number) rather than ``random()``, so the
data are the same on every build whatever the number of threads.

For the plain pandas reference, the same data are also exported (outside any timing):
``crime.parquet`` (the ``crime`` table, in table order) and ``lsoa.gpkg`` (code, name, local
authority and the boundary as stored, EPSG:4326). The reference reads the population and IMD
files from the shared data folder, as published.

Everything is cached in ``bench/.work/places-<rows>/`` with a ``manifest.json`` written last;
a complete cache is reused as is.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _data import bench_rows, shared_data_dir, work_dir

__all__ = ["AREA", "PlacesData", "SEED", "build", "inputs"]

AREA = "E06000020"  # Telford and Wrekin
VINTAGE = 2011
MONTHS = ("2024-01-01", "2025-12-01")  # first days of the first and last month generated
SEED = 20251124
INTENSITY_SIGMA = 0.7  # log-normal spread of crimes per resident between LSOAs
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PlacesData:
    """The built input: folder, workspace, exports and what the warehouse holds."""

    root: Path
    workspace: Path
    crime_parquet: Path
    lsoa_gpkg: Path
    rows: int
    lsoas: int
    meta: dict


def inputs() -> dict[str, Path]:
    """The shared files the input is built from (boundaries, population, IMD, crime mix)."""
    shared = shared_data_dir()
    return {
        "lsoa": shared / "national" / "LSOA_2011_BSC_EW_V3.geojson",
        "population": shared / "population" / "mysociety_2019_population.csv",
        "imd": shared / "deprivation" / "UK_IMD_E.csv",
        "mix": shared / "crime" / "west-mercia",
    }


def _check_inputs() -> dict[str, Path]:
    files = inputs()
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        sys.exit(
            f"benchmark input missing: {', '.join(missing)}; set SAFERPLACES_SHARED_DATA to the "
            "shared data folder (the one holding national/, population/, deprivation/, crime/)"
        )
    return files


def _cached(root: Path, target: int) -> PlacesData | None:
    try:
        meta = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    data = _data_of(root, meta)
    parts = (data.workspace / "warehouse.duckdb", data.crime_parquet, data.lsoa_gpkg)
    if meta.get("target") != target or not all(p.is_file() for p in parts):
        return None
    return data


def _data_of(root: Path, meta: dict) -> PlacesData:
    return PlacesData(
        root=root,
        workspace=root / "workspace",
        crime_parquet=root / "crime.parquet",
        lsoa_gpkg=root / "lsoa.gpkg",
        rows=int(meta.get("rows", 0)),
        lsoas=int(meta.get("lsoas", 0)),
        meta=meta,
    )


def _uniform(*parts: str) -> str:
    """SQL for a uniform number in [0, 1) from a hash of ``SEED`` and ``parts``."""
    return f"((hash({SEED}, {', '.join(parts)}) >> 11)::DOUBLE / 9007199254740992.0)"


def _generate_crimes(con, mix_dir: Path, target: int) -> dict:
    """Insert the synthetic crimes, partitions and ingest log row; return what was made."""
    import pandas as pd

    from saferplaces.geo.areas import bundled_lsoa11_areas, force_slug

    # The real category mix of West Mercia's 2025 street files, anti-social behaviour left out.
    mix = con.execute(
        """
        SELECT "Crime type" AS crime_type, count(*) AS n
        FROM read_csv(?, header = true, all_varchar = true)
        WHERE "Crime type" <> 'Anti-social behaviour'
        GROUP BY 1 ORDER BY n DESC, crime_type
        """,
        [str(mix_dir / "*-street.csv")],
    ).df()
    mix["cum_hi"] = mix.n.cumsum() / mix.n.sum()
    # The last threshold is 1.0 exactly, so every draw in [0, 1) gets a category.
    thresholds = zip(mix.crime_type.iloc[:-1], mix.cum_hi.iloc[:-1], strict=True)
    cases = " ".join(f"WHEN u_type < {hi!r} THEN '{t}'" for t, hi in thresholds)
    category = f"CASE {cases} ELSE '{mix.crime_type.iloc[-1]}' END"

    areas = bundled_lsoa11_areas()
    slugs = pd.DataFrame(
        {"lsoa_code": areas.lsoa11_code, "force": areas.police_force.map(force_slug)}
    )
    con.register("_force_of", slugs)
    # Create LSOA weights: residents x log-normal intensity (Box-Muller from two hashes).
    con.execute(
        f"""
        CREATE TEMP TABLE _lsoa_weight AS
        SELECT l.lsoa_code, l.lsoa_name, f.force,
               p.residents * exp({INTENSITY_SIGMA}
                   * sqrt(-2 * ln(1 - {_uniform("l.lsoa_code", "'a'")}))
                   * cos(2 * pi() * {_uniform("l.lsoa_code", "'b'")})) AS w
        FROM lsoa l
        JOIN population p ON p.lsoa_code = l.lsoa_code AND p.vintage = l.vintage
        JOIN _force_of f ON f.lsoa_code = l.lsoa_code
        WHERE l.vintage = {VINTAGE} AND p.year = 2019
        """
    )
    con.unregister("_force_of")
    # Rows per LSOA: its share of the target, rounded up (so the total is at least the target).
    con.execute(
        f"""
        CREATE TEMP TABLE _lsoa_n AS
        SELECT lsoa_code, lsoa_name, force,
               ceil(w / sum(w) OVER () * {target})::BIGINT AS n
        FROM _lsoa_weight
        """
    )
    # Generate rows: one per (LSOA, k), month and category from hashes of (LSOA, k).
    months = f"date_diff('month', DATE '{MONTHS[0]}', DATE '{MONTHS[1]}') + 1"
    con.execute(
        f"""
        CREATE TEMP TABLE _rows AS
        WITH r AS (
            SELECT lsoa_code, lsoa_name, force, unnest(range(n)) AS k FROM _lsoa_n
        ), d AS (
            SELECT *,
                   (DATE '{MONTHS[0]}' + to_months(
                       floor({_uniform("lsoa_code", "k", "'m'")} * ({months}))::INTEGER
                   ))::DATE AS month,
                   {_uniform("lsoa_code", "k", "'t'")} AS u_type
            FROM r
        )
        SELECT month, force, lsoa_code, lsoa_name, k, {category} AS crime_type FROM d
        """
    )
    forces = dict(zip(areas.police_force.map(force_slug), areas.police_force, strict=False))
    con.register("_force_name", pd.DataFrame({"force": forces.keys(), "name": forces.values()}))
    con.execute(
        """
        INSERT INTO crime (month, force, reported_by, falls_within, lsoa_code, lsoa_name,
                           crime_type, synthetic, lsoa, placed_by, ingest_id, line)
        SELECT month, force, n.name, n.name, lsoa_code, lsoa_name, crime_type, true,
               lsoa_code, 'code', 0, row_number() OVER (ORDER BY month, force, lsoa_code, k)
        FROM _rows JOIN _force_name n USING (force)
        ORDER BY month, force, lsoa_code
        """
    )
    con.unregister("_force_name")
    # Bookkeeping: one synthetic ingest that owns every (force, month) it made.
    con.execute(
        """
        INSERT INTO ingest_log (ingest_id, ingested_at, kind, file, force, rows_read,
                                rows_loaded, status, message, synthetic)
        SELECT 0, now(), 'street', 'bench/_places_data.py (synthetic)', NULL, count(*),
               count(*), 'loaded', 'synthetic benchmark crimes', true
        FROM crime
        """
    )
    con.execute(
        """
        INSERT INTO partition (kind, force, month, ingest_id, sha256, rows)
        SELECT 'street', force, month, 0, 'synthetic', count(*)
        FROM crime GROUP BY force, month
        """
    )
    rows, lsoas, forces_n = con.execute(
        "SELECT count(*), count(DISTINCT lsoa), count(DISTINCT force) FROM crime"
    ).fetchone()
    return {
        "rows": int(rows),
        "lsoas_with_crime": int(lsoas),
        "forces": int(forces_n),
        "category_mix": dict(zip(mix.crime_type, mix.n.astype(int).tolist(), strict=True)),
    }


def _export(con, root: Path) -> None:
    """The crime table to Parquet and the boundaries to a GeoPackage, for the pandas reference."""
    import geopandas as gpd
    import shapely

    con.execute(f"COPY crime TO '{root / 'crime.parquet'}' (FORMAT parquet)")
    frame = con.execute(
        "SELECT lsoa_code, lsoa_name, lad_code, geometry FROM lsoa WHERE vintage = ? "
        "ORDER BY lsoa_code",
        [VINTAGE],
    ).df()
    geoms = shapely.from_wkb(frame.pop("geometry").map(bytes).to_numpy())
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")
    gdf.to_file(root / "lsoa.gpkg", layer="lsoa", driver="GPKG", engine="pyogrio")


def build(target: int | None = None, quiet: bool = False) -> PlacesData:
    """Build (or reuse) the workspace and exports for at least ``target`` synthetic crimes.

    Parameters
    ----------
    target : int, optional
        Minimum number of crime rows; defaults to ``$BENCH_ROWS`` or 10,000,000.
    quiet : bool
        Do not print the build steps.

    Returns
    -------
    PlacesData
    """
    from saferplaces.sources.geography import load_geography
    from saferplaces.workspace import init_workspace

    target = target or bench_rows()
    root = work_dir() / f"places-{target}"
    if (cached := _cached(root, target)) is not None:
        return cached
    files = _check_inputs()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    steps: dict[str, float] = {}
    say(f"building a national warehouse of >= {target:,} SYNTHETIC crimes in {root} ...")
    t0 = time.perf_counter()
    ws = init_workspace(root / "workspace", AREA)
    ws.settings.geography.vintage = VINTAGE
    ws.save_settings()
    for kind, kwargs in (("lsoa", {}), ("population", {"year": 2019}), ("imd", {})):
        t = time.perf_counter()
        result = load_geography(ws, kind, files[kind], **kwargs)
        steps[f"load_{kind}_s"] = round(time.perf_counter() - t, 2)
        say(f"  {result.headline}: {steps[f'load_{kind}_s']:.1f} s")
    t = time.perf_counter()
    con = ws.connect()
    try:
        made = _generate_crimes(con, files["mix"], target)
        steps["generate_crimes_s"] = round(time.perf_counter() - t, 2)
        say(f"  {made['rows']:,} synthetic crimes: {steps['generate_crimes_s']:.1f} s")
        con.execute("CHECKPOINT")
        lsoas = con.execute("SELECT count(*) FROM lsoa WHERE vintage = ?", [VINTAGE]).fetchone()
        t = time.perf_counter()
        _export(con, root)
        steps["export_s"] = round(time.perf_counter() - t, 2)
        say(f"  exports for the pandas reference: {steps['export_s']:.1f} s")
    finally:
        con.close()
    steps["total_s"] = round(time.perf_counter() - t0, 2)
    meta = {
        "target": target,
        "rows": made["rows"],
        "lsoas": int(lsoas[0]) if lsoas else 0,
        "synthetic": True,
        "seed": SEED,
        "months": [MONTHS[0][:7], MONTHS[1][:7]],
        "intensity_sigma": INTENSITY_SIGMA,
        "warehouse_bytes": (ws.warehouse_path).stat().st_size,
        "build": steps,
        **{k: v for k, v in made.items() if k != "rows"},
    }
    # Written last: its presence means the folder is complete.
    (root / MANIFEST).write_text(json.dumps(meta, indent=1))
    return _data_of(root, meta)


if __name__ == "__main__":
    data = build()
    print(
        f"{data.rows:,} synthetic crimes over {data.lsoas:,} LSOAs in {data.workspace} "
        f"({data.meta['warehouse_bytes'] / 2**20:,.0f} MiB)"
    )
