"""Profile and places benchmark: one area, every area, and a plain pandas/geopandas LSOA table.

The input (built by :mod:`_places_data`) is a Telford and Wrekin workspace whose warehouse holds
all 34,753 LSOA 2011 boundaries of England and Wales, population 2019, IMD 2019 and at least
``BENCH_ROWS`` (default 10,000,000) SYNTHETIC crimes over 2024-01..2025-12. Five contenders, each
in its own Python process so that its peak memory is its own:

- ``saferplaces-area``: open the warehouse read-only, then ``make_scope`` (2025-01..2025-12) +
  ``borough_profile`` + ``places`` (LSOA table, concentration, candidate localities); one cold
  run, then ``REPEATS`` runs whose median is judged.
- ``saferplaces-lsoa-table``: ``make_scope`` + ``lsoa_table`` alone, the same way: the
  saferplaces side of the pandas comparison.
- ``saferplaces-all``: ``places_for_all(con, 2011, Period.parse("2025"))`` once: every local
  authority of England and Wales in one pass.
- ``pandas``: the same LSOA table written plainly (the reference): read the crimes exported to
  Parquet, filter to the period and the area's LSOAs, count and sum harm weights per LSOA, read
  the area's boundaries from a GeoPackage with geopandas and compute ``area_km2`` in
  EPSG:27700, merge population and IMD (the published CSV files), rates, shares, empirical
  Bayes smoothing (the formula reimplemented in pandas, not imported) and rank. One cold run,
  then ``PANDAS_REPEATS`` runs whose median is judged.
- ``pandas-pushdown`` (shown, not judged): the same, with the period and LSOA filter handed to
  the Parquet reader (``read_parquet(filters=...)``), so that only the matching row groups and
  rows become pandas objects. It shows how much of the reference's time is reading rows it
  then drops.

Times cover the work only: not interpreter start-up, imports or opening the warehouse (the
opening is reported beside). Peak memory is the child's own peak resident set
(``getrusage(RUSAGE_SELF).ru_maxrss``), interpreter included. The pandas table must equal
saferplaces' ``lsoa_table`` (same LSOAs in the same order; crimes, harm, shares and
vulnerability within 1e-9), or the benchmark fails.

Targets (issue "Harm, borough profile and places"): profile plus places for one local authority
over 12 months at most 1 s (median); places for every local authority at most 60 s; the LSOA
table at least 5x faster than the pandas reference measured in the same run. Results also go
to ``bench/.work/results-places.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import _common
import _places_data

__all__ = ["main"]

CONTENDERS = (
    "saferplaces-area",
    "saferplaces-lsoa-table",
    "saferplaces-all",
    "pandas",
    "pandas-pushdown",
)
PERIOD = "2025-01..2025-12"
REPEATS = 7  # warm runs after the cold one, saferplaces
PANDAS_REPEATS = 5  # warm runs after the cold one, pandas
TARGET_AREA_S = 1.0  # profile + places for one area, median, at most
TARGET_ALL_S = 60.0  # places for every local authority, at most
TARGET_VS_PANDAS = 5.0  # pandas / saferplaces for the LSOA table, at least
TOLERANCE = 1e-9
RESULTS = "results-places.json"
BUSY_WARNING = 20.0  # % CPU used by others just before a contender: the run is disturbed
COMPARED = ("crimes", "harm", "share_of_crime", "share_of_harm", "share_of_land",
            "share_of_residents", "residents", "area_km2", "vulnerability")  # fmt: skip


# --- contenders (each runs in its own process) -------------------------------------------------


def _open(data: _places_data.PlacesData):
    """The workspace settings and a read-only warehouse connection, and how long opening took."""
    from saferplaces.workspace import open_workspace

    t0 = time.perf_counter()
    ws = open_workspace(data.workspace)
    con = ws.connect(read_only=True)
    return ws.settings, con, time.perf_counter() - t0


def _repeat(run, repeats: int) -> dict[str, Any]:
    """Run ``run()`` once cold and ``repeats`` times warm; each returns {step: seconds}."""
    runs = [run() for _ in range(repeats + 1)]
    cold, warm = runs[0], runs[1:]
    return {
        "cold_s": sum(cold.values()),
        "runs_s": [sum(r.values()) for r in warm],
        "seconds": statistics.median(sum(r.values()) for r in warm),
        "steps_median_s": {k: statistics.median(r[k] for r in warm) for k in cold},
        "steps_cold_s": cold,
    }


def _run_area(data: _places_data.PlacesData, out: Path) -> dict[str, Any]:
    import pandas as pd

    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.places import places
    from saferplaces.analysis.profile import borough_profile

    settings, con, opened = _open(data)
    last: dict[str, Any] = {}

    def run() -> dict[str, float]:
        t0 = time.perf_counter()
        scope = make_scope(con, settings, PERIOD)
        t1 = time.perf_counter()
        profile = borough_profile(con, scope)
        t2 = time.perf_counter()
        p = places(con, scope)
        t3 = time.perf_counter()
        last.update(profile=profile, places=p)
        return {"make_scope": t1 - t0, "borough_profile": t2 - t1, "places": t3 - t2}

    result = _repeat(run, REPEATS)
    summary = last["profile"].summary.iloc[0]
    con.close()
    return result | {
        "open_s": opened,
        "crimes": int(summary.crimes),
        "lsoas": len(last["places"].lsoas),
        "candidates": len(last["places"].candidates),
        "change_computed": bool(pd.notna(summary.previous_crimes)),
    }


def _run_lsoa_table(data: _places_data.PlacesData, out: Path) -> dict[str, Any]:
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.places import lsoa_table

    settings, con, opened = _open(data)
    last: dict[str, Any] = {}

    def run() -> dict[str, float]:
        t0 = time.perf_counter()
        scope = make_scope(con, settings, PERIOD)
        t1 = time.perf_counter()
        last["table"] = lsoa_table(con, scope)
        t2 = time.perf_counter()
        return {"make_scope": t1 - t0, "lsoa_table": t2 - t1}

    result = _repeat(run, REPEATS)
    con.close()
    table = last["table"]
    table.attrs = {}
    table.to_parquet(out / "saferplaces-lsoa-table.parquet", index=False)
    return result | {"open_s": opened, "crimes": int(table.crimes.sum()), "lsoas": len(table)}


def _run_all(data: _places_data.PlacesData, out: Path) -> dict[str, Any]:
    from saferplaces.analysis.batch import places_for_all
    from saferplaces.periods import Period

    _settings, con, opened = _open(data)
    t0 = time.perf_counter()
    table = places_for_all(con, _places_data.VINTAGE, Period.parse("2025"))
    seconds = time.perf_counter() - t0
    con.close()
    return {
        "seconds": seconds,
        "open_s": opened,
        "crimes": int(table.crimes.sum()),
        "lsoas": len(table),
        "local_authorities": int(table.lad_code.nunique()),
    }


def _harm_weights() -> dict[str, float]:
    """The default scheme's category weights, as saferplaces registers them."""
    import duckdb

    from saferplaces.analysis.base import DEFAULT_SCHEME
    from saferplaces.harm.score import category_weights_for, register_harm_weights

    con = duckdb.connect()
    register_harm_weights(con, category_weights_for(None, DEFAULT_SCHEME))
    weights = dict(con.execute("SELECT crime_type, weight FROM harm_weights").fetchall())
    con.close()
    return weights


def pandas_lsoa_table(
    crime_parquet: Path,
    lsoa_gpkg: Path,
    population_csv: Path,
    imd_csv: Path,
    area: str,
    start: str,
    end: str,
    weights: dict[str, float],
    pushdown: bool = False,
):
    """The LSOA table of ``area`` as one would write it with pandas and geopandas alone.

    Crimes in ``start``..``end`` (first days of months, inclusive) placed in the area's LSOAs,
    counted and weighted per LSOA; vulnerability is the geometric mean of the crime and harm
    rate ratios, each smoothed by global empirical Bayes (Marshall 1991), as in
    ``docs/places.md``. With ``pushdown`` the Parquet reader filters the period and the LSOAs
    itself. Returns the columns the comparison needs, sorted by rank.
    """
    import datetime as dt

    import geopandas as gpd
    import numpy as np
    import pandas as pd

    # Boundaries of the area, and their land area in British National Grid.
    shapes = gpd.read_file(lsoa_gpkg, where=f"lad_code = '{area}'", engine="pyogrio")
    t = pd.DataFrame(
        {
            "lsoa_code": shapes.lsoa_code,
            "lsoa_name": shapes.lsoa_name,
            "area_km2": shapes.to_crs("EPSG:27700").area / 1e6,
        }
    )
    # Count crimes and harm per LSOA in the period.
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    filters = [("month", ">=", first), ("month", "<=", last), ("lsoa", "in", list(t.lsoa_code))]
    crime = pd.read_parquet(
        crime_parquet,
        columns=["month", "lsoa", "crime_type"],
        filters=filters if pushdown else None,
    )
    keep = (crime.month >= first) & (crime.month <= last) & crime.lsoa.isin(t.lsoa_code)
    crime = crime[keep]
    counts = (
        crime.assign(weight=crime.crime_type.map(weights))
        .groupby("lsoa")
        .agg(crimes=("crime_type", "size"), harm=("weight", "sum"))
    )
    t = t.merge(counts, left_on="lsoa_code", right_index=True, how="left")
    t["crimes"] = t.crimes.fillna(0).astype("int64")
    t["harm"] = t.harm.fillna(0.0)
    # Residents (mySociety 2019, thousands separators) and the IMD decile (English rows).
    pop = pd.read_csv(population_csv, encoding="utf-8-sig", thousands=",")
    t["residents"] = t.lsoa_code.map(pop.set_index("lsoa")["pop"]).astype("float64")
    imd = pd.read_csv(imd_csv, usecols=["nation", "lsoa", "original_decile"])
    imd = imd[imd.nation == "E"].set_index("lsoa").original_decile
    t["imd_decile"] = t.lsoa_code.map(imd).astype("Int64")
    # Rates and shares.
    t["rate_per_1000"] = t.crimes / t.residents * 1000
    t["harm_per_1000"] = t.harm / t.residents * 1000
    shares = {"share_of_crime": "crimes", "share_of_harm": "harm",
              "share_of_land": "area_km2", "share_of_residents": "residents"}  # fmt: skip
    for share, col in shares.items():
        t[share] = t[col] / t[col].sum()
    # Empirical Bayes: s2 = sum n (r - m)^2 / sum n - m / mean(n), w = s2 / (s2 + m / n).
    n = t.residents
    m = t.crimes.sum() / n.sum()
    s2 = max((n * (t.crimes / n - m) ** 2).sum() / n.sum() - m / n.mean(), 0.0)
    w = s2 / (s2 + m / n)
    harm_rate = t.harm.sum() / n.sum()
    rr_crime = (w * t.crimes / n + (1 - w) * m) / m
    rr_harm = (w * t.harm / n + (1 - w) * harm_rate) / harm_rate
    t["vulnerability"] = np.sqrt(rr_crime * rr_harm)
    # Rank: most vulnerable first, ties by harm then code.
    t = t.sort_values(
        ["vulnerability", "harm", "lsoa_code"], ascending=[False, False, True], ignore_index=True
    )
    t["vulnerability_rank"] = np.arange(1, len(t) + 1)
    return t


def _run_pandas(data: _places_data.PlacesData, out: Path, pushdown: bool = False) -> dict[str, Any]:
    from saferplaces.periods import Period

    files = _places_data.inputs()
    period = Period.parse(PERIOD)
    weights = _harm_weights()
    last: dict[str, Any] = {}

    def run() -> dict[str, float]:
        t0 = time.perf_counter()
        last["table"] = pandas_lsoa_table(
            data.crime_parquet, data.lsoa_gpkg, files["population"], files["imd"],
            _places_data.AREA, str(period.start), str(period.end), weights, pushdown,
        )  # fmt: skip
        return {"lsoa_table": time.perf_counter() - t0}

    result = _repeat(run, PANDAS_REPEATS)
    table = last["table"]
    name = "pandas-pushdown" if pushdown else "pandas"
    table.to_parquet(out / f"{name}-lsoa-table.parquet", index=False)
    return result | {"crimes": int(table.crimes.sum()), "lsoas": len(table)}


_RUNNERS = {
    "saferplaces-area": _run_area,
    "saferplaces-lsoa-table": _run_lsoa_table,
    "saferplaces-all": _run_all,
    "pandas": _run_pandas,
    "pandas-pushdown": lambda data, out: _run_pandas(data, out, pushdown=True),
}


def _child(name: str, out: Path) -> None:
    """Run one contender in this process and print its result as JSON on the last line."""
    data = _places_data.build(quiet=True)
    result = _RUNNERS[name](data, out)
    result["peak_mib"] = _common.peak_mib()
    print(json.dumps(result))


# --- the run -----------------------------------------------------------------------------------


def _spawn(name: str, out: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--contender", name, "--out", str(out)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    return {"contender": name, **json.loads(proc.stdout.strip().splitlines()[-1])}


def _compare(out: Path, name: str) -> dict[str, Any]:
    """Check ``name``'s table against saferplaces' ``lsoa_table``; raise if they differ."""
    import numpy as np
    import pandas as pd

    ours = pd.read_parquet(out / "saferplaces-lsoa-table.parquet")
    ref = pd.read_parquet(out / f"{name}-lsoa-table.parquet")
    if list(ours.lsoa_code) != list(ref.lsoa_code):
        raise RuntimeError(
            f"saferplaces and {name} rank the LSOAs differently ({len(ours)} and {len(ref)} "
            f"LSOAs; first: {list(ours.lsoa_code[:3])} and {list(ref.lsoa_code[:3])})"
        )
    worst = {}
    for col in COMPARED:
        a, b = ours[col].to_numpy("float64"), ref[col].to_numpy("float64")
        diff = np.abs(a - b)
        worst[col] = float(np.nanmax(diff)) if len(diff) else 0.0
        if not np.array_equal(np.isnan(a), np.isnan(b)) or worst[col] > TOLERANCE:
            raise RuntimeError(f"saferplaces and {name} differ on {col} by {worst[col]:.3g}")
    if not ours.imd_decile.astype("Int64").equals(ref.imd_decile.astype("Int64")):
        raise RuntimeError(f"saferplaces and {name} differ on imd_decile")
    return {"lsoas": len(ours), "max_abs_diff": worst}


def main() -> dict[str, Any]:
    """Build the input if needed, run the five contenders, print and save the comparison.

    Returns
    -------
    dict
        The results as written to ``bench/.work/results-places.json``.

    Raises
    ------
    RuntimeError
        When a contender fails or the pandas table differs from saferplaces' ``lsoa_table``.
    """
    import psutil
    from rich.console import Console
    from rich.table import Table

    console = Console()
    data = _places_data.build()
    console.print(
        f"[bold]profile and places benchmark[/]: {data.rows:,} [bold yellow]SYNTHETIC[/] crimes "
        f"({data.meta['months'][0]}..{data.meta['months'][1]}, seed {data.meta['seed']}) over "
        f"{data.lsoas:,} LSOA 2011 of England and Wales; area Telford and Wrekin "
        f"({_places_data.AREA}), period {PERIOD} ({data.root})"
    )
    out = _places_data.work_dir() / "out-places"
    out.mkdir(exist_ok=True)
    results = {}
    for name in CONTENDERS:
        busy = psutil.cpu_percent(interval=1.0)  # while nothing of ours runs
        if busy > BUSY_WARNING:
            console.print(
                f"  [yellow]warning:[/] the CPUs were {busy:.0f}% busy before {name} started: "
                "other processes are running and the figures of this run may be off"
            )
        with console.status(f"running {name} ..."):
            results[name] = _spawn(name, out)
        results[name]["cpu_busy_before_percent"] = busy
        r = results[name]
        console.print(
            f"  {name}: {r['seconds']:.3f} s, {r['crimes']:,} crimes, {r['lsoas']:,} LSOAs, "
            f"{r['peak_mib']:,.0f} MiB"
        )
    agreement = {name: _compare(out, name) for name in ("pandas", "pandas-pushdown")}
    area, table, every, pandas, pushdown = (results[n] for n in CONTENDERS)
    vs_pandas = pandas["seconds"] / table["seconds"]
    checks = {
        "profile + places, one area (median s)": (
            area["seconds"], f"<= {TARGET_AREA_S}", area["seconds"] <= TARGET_AREA_S
        ),
        "places, every local authority (s)": (
            every["seconds"], f"<= {TARGET_ALL_S:.0f}", every["seconds"] <= TARGET_ALL_S
        ),
        "LSOA table: pandas / saferplaces": (
            vs_pandas, f">= {TARGET_VS_PANDAS}", vs_pandas >= TARGET_VS_PANDAS
        ),
    }  # fmt: skip

    shown = Table(title=f"Profile and places on {data.rows:,} synthetic crimes")
    for col in ("contender", "cold s", "median s", "vs saferplaces", "peak MiB"):
        shown.add_column(col, justify="left" if col == "contender" else "right")
    for name, r in results.items():
        ratio = f"{r['seconds'] / table['seconds']:.1f}x" if name.startswith("pandas") else ""
        shown.add_row(
            name, f"{r.get('cold_s', r['seconds']):.3f}", f"{r['seconds']:.3f}", ratio,
            f"{r['peak_mib']:,.0f}",
        )  # fmt: skip
    console.print(shown)
    console.print(
        "  saferplaces-area: make_scope + borough_profile + places; saferplaces-lsoa-table: "
        f"make_scope + lsoa_table (Telford and Wrekin, {REPEATS} warm runs); saferplaces-all: "
        f"places_for_all once ({every['local_authorities']} local authorities, "
        f"{every['lsoas']:,} LSOAs); pandas: the LSOA table in pandas/geopandas, the reference "
        f"({PANDAS_REPEATS} warm runs; vs saferplaces = pandas / saferplaces-lsoa-table); "
        "pandas-pushdown: the same with the filter in read_parquet (shown, not judged)",
        highlight=False,
    )
    steps = Table(title="Where one area's time goes (median of warm runs, s)")
    steps.add_column("contender")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    for name in ("saferplaces-area", "saferplaces-lsoa-table"):
        for step, s in results[name]["steps_median_s"].items():
            steps.add_row(name, step, f"{s:.3f}")
    console.print(steps)
    console.print(
        f"both pandas tables equal saferplaces' on all {agreement['pandas']['lsoas']} LSOAs of the "
        f"area (order, crimes, harm, shares, vulnerability within {TOLERANCE:g})"
    )
    targets = Table(title='Targets (issue "Harm, borough profile and places")')
    for col in ("measure", "value", "target", "verdict"):
        targets.add_column(col, justify="left" if col == "measure" else "right")
    for measure, (value, target, ok) in checks.items():
        value_text = f"{value:.2f}x" if "/" in measure else f"{value:.3f}"
        targets.add_row(measure, value_text, target, _common.verdict(ok))
    console.print(targets)

    result = {
        "benchmark": "places",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": _common.machine("duckdb", "pandas", "geopandas"),
        "input": {
            "synthetic": True,
            "rows": data.rows,
            "lsoas": data.lsoas,
            "area": _places_data.AREA,
            "period": PERIOD,
            "build": data.meta,
        },
        "contenders": results,
        "agreement": agreement,
        "ratios": {
            "pandas_vs_saferplaces_lsoa_table": vs_pandas,
            "pandas_pushdown_vs_saferplaces_lsoa_table": pushdown["seconds"] / table["seconds"],
        },
        "targets": {
            "area_median_s_max": TARGET_AREA_S,
            "all_areas_s_max": TARGET_ALL_S,
            "pandas_vs_saferplaces_min": TARGET_VS_PANDAS,
        },
        "pass": {measure: ok for measure, (_v, _t, ok) in checks.items()},
    }
    path = _places_data.work_dir() / RESULTS
    path.write_text(json.dumps(result, indent=1))
    console.print(f"results written to {path}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contender", choices=CONTENDERS, help="run one contender (internal)")
    parser.add_argument("--out", type=Path, help="output folder (with --contender)")
    args = parser.parse_args()
    if args.contender:
        _child(args.contender, args.out)
    else:
        main()
