"""Ingest benchmark: saferplaces against bare DuckDB and against a plain pandas pipeline.

Three contenders read the same street files (built by :mod:`_data`, at least ``BENCH_ROWS``
rows, default 10,000,000), each in its own Python process so that its peak memory is its own:

- ``duckdb-bare``: the reference. ``CREATE TABLE t AS SELECT * FROM read_csv([...])`` of every
  file into a fresh DuckDB file: no checks, no provenance, types guessed by DuckDB.
- ``saferplaces``: :func:`saferplaces.warehouse.ingest.ingest_files` into a fresh warehouse
  (``saferplaces.warehouse.schema.connect``), progress off: whole-file checks, row checks,
  partitions, quarantine, ingest log.
- ``pandas``: what one would write without saferplaces. ``pd.read_csv`` each file, the same row
  checks as vectorised pandas, good rows typed and written to Parquet, bad rows (with their
  reason) to a second Parquet file.

Each time covers opening the output, the work and closing it (DuckDB checkpoints on close), not
interpreter start-up or imports. Peak memory is the child's own peak resident set
(``getrusage(RUSAGE_SELF).ru_maxrss``). The targets from the foundation issue: saferplaces at most
2.0x the reference's time with a peak of at most 2 GiB, and at least 3x faster than pandas.
Results also go to ``bench/.work/results-ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import _common
import _data

__all__ = ["main"]

CONTENDERS = ("duckdb-bare", "saferplaces", "pandas")
TARGET_VS_DUCKDB = 2.0  # saferplaces / duckdb-bare, at most
TARGET_VS_PANDAS = 3.0  # pandas / saferplaces, at least
TARGET_PEAK_MIB = 2048  # saferplaces peak resident memory, at most
RESULTS = "results-ingest.json"
BUSY_WARNING = 20.0  # % CPU used by others just before a contender: the run is disturbed


# --- contenders (each runs in its own process) -------------------------------------------------


def _run_duckdb_bare(files: list[Path], out: Path) -> dict[str, Any]:
    import duckdb

    db = out / "bare.duckdb"
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [[str(f) for f in files]])
    con.close()
    seconds = time.perf_counter() - t0
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
    con.close()
    return {"seconds": seconds, "rows": rows, "rows_bad": 0, "output_bytes": db.stat().st_size}


def _run_saferplaces(files: list[Path], out: Path) -> dict[str, Any]:
    from saferplaces.warehouse.ingest import ingest_files
    from saferplaces.warehouse.schema import connect

    db = out / "warehouse.duckdb"
    t0 = time.perf_counter()
    con = connect(db)
    report = ingest_files(con, list(files), progress=False)
    con.close()
    seconds = time.perf_counter() - t0
    totals = report.totals()
    if totals["failed"]:
        raise RuntimeError(f"saferplaces failed {totals['failed']} files: {report.failed[0]}")
    con = connect(db, read_only=True)
    in_tables = con.execute(
        "SELECT (SELECT count(*) FROM crime) + (SELECT count(*) FROM asb)"
    ).fetchone()[0]  # type: ignore[index]
    con.close()
    if in_tables != totals["rows_loaded"]:
        raise RuntimeError(
            f"saferplaces reported {totals['rows_loaded']:,} rows loaded but the warehouse holds "
            f"{in_tables:,}"
        )
    return {
        "seconds": seconds,
        "rows": totals["rows_loaded"],
        "rows_bad": totals["rows_quarantined"],
        "output_bytes": db.stat().st_size,
    }


def _run_pandas(files: list[Path], out: Path) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from saferplaces.sources.police_uk import CRIME_TYPES, UK_LAT, UK_LON

    good_dir, bad_dir = out / "good", out / "bad"
    good_dir.mkdir()
    bad_dir.mkdir()
    rows = bad_rows = 0
    t0 = time.perf_counter()
    for f in files:
        df = pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""])
        # Validate: the same checks, in the same order, as saferplaces' street checks.
        month, cid, lsoa = df["Month"], df["Crime ID"], df["LSOA code"]
        lon_s, lat_s = df["Longitude"], df["Latitude"]
        lon = pd.to_numeric(lon_s, errors="coerce")
        lat = pd.to_numeric(lat_s, errors="coerce")
        month_ok = month.str.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", na=False)
        complete = lon_s.isna() == lat_s.isna()
        numbers = lon_s.isna() | (lon.notna() & lat.notna())
        in_uk = lon_s.isna() | (lon.between(*UK_LON) & lat.between(*UK_LAT))
        lsoa_ok = lsoa.isna() | lsoa.str.fullmatch(r"[EW]01[0-9]{6}", na=False)
        type_ok = df["Crime type"].isin(CRIME_TYPES)
        id_ok = cid.isna() | cid.str.fullmatch(r"[0-9a-fA-F]{64}", na=False)
        checks = [month_ok, complete, numbers, in_uk, lsoa_ok, type_ok, id_ok]
        codes = [
            "month_format", "coordinates_incomplete", "coordinates_not_numbers",
            "coordinates_outside_uk", "lsoa_code", "crime_type", "crime_id",
        ]  # fmt: skip
        ok = np.logical_and.reduce([c.to_numpy() for c in checks])
        # Split: typed good rows, bad rows with their first failed check.
        good = df[ok].assign(
            Month=pd.to_datetime(month[ok], format="%Y-%m"), Longitude=lon[ok], Latitude=lat[ok]
        )
        good.to_parquet(good_dir / f"{f.stem}.parquet", index=False)
        if not ok.all():
            bad = df[~ok].assign(
                reason=np.select([~c.to_numpy()[~ok] for c in checks], codes, default="")
            )
            bad.to_parquet(bad_dir / f"{f.stem}.parquet", index=False)
        rows += len(good)
        bad_rows += int((~ok).sum())
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    return {"seconds": seconds, "rows": rows, "rows_bad": bad_rows, "output_bytes": size}


_RUNNERS = {
    "duckdb-bare": _run_duckdb_bare,
    "saferplaces": _run_saferplaces,
    "pandas": _run_pandas,
}


def _child(name: str, root: Path, out: Path) -> None:
    """Run one contender in this process and print its result as JSON on the last line."""
    meta = json.loads((root / _data.MANIFEST).read_text())
    files = [root / f for f in meta["files"]]
    result = _RUNNERS[name](files, out)
    result["peak_mib"] = _common.peak_mib()
    print(json.dumps(result))


# --- the run -----------------------------------------------------------------------------------


def _spawn(name: str, root: Path) -> dict[str, Any]:
    out = _data.work_dir() / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--contender", name, "--data", str(root), "--out", str(out)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"contender": name, **result}


def _warm(files: list[Path]) -> None:
    """Read every file once so that no contender pays for a cold page cache."""
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass


def main() -> dict[str, Any]:
    """Build the input if needed, run the three contenders, print and save the comparison.

    Returns
    -------
    dict
        The results as written to ``bench/.work/results-ingest.json``.

    Raises
    ------
    RuntimeError
        When a contender fails or the contenders disagree on the number of rows.
    """
    import psutil
    from rich.console import Console
    from rich.table import Table

    console = Console()
    data = _data.build()
    console.print(
        f"[bold]ingest benchmark[/]: {len(data.files):,} street files, {data.rows:,} rows, "
        f"{data.bytes / 2**20:,.0f} MiB ({data.root})"
    )
    _warm(data.files)
    results = {}
    for name in CONTENDERS:
        # Other work on the machine skews one contender and not the others: say so.
        busy = psutil.cpu_percent(interval=1.0)  # while nothing of ours runs
        if busy > BUSY_WARNING:
            console.print(
                f"  [yellow]warning:[/] the CPUs were {busy:.0f}% busy before {name} started: "
                "other processes are running and the ratios of this run may be off"
            )
        with console.status(f"running {name} ..."):
            results[name] = _spawn(name, data.root)
        results[name]["cpu_busy_before_percent"] = busy
        r = results[name]
        console.print(
            f"  {name}: {r['seconds']:.1f} s, {r['rows']:,} rows, {r['peak_mib']:,.0f} MiB"
        )

    bare, ours, pandas = (results[n] for n in CONTENDERS)
    # Every contender must have seen every row; saferplaces and pandas must agree on the bad ones.
    if not (bare["rows"] == data.rows == ours["rows"] + ours["rows_bad"]):
        raise RuntimeError(
            f"row counts disagree: input {data.rows:,}, duckdb-bare {bare['rows']:,}, "
            f"saferplaces {ours['rows']:,} loaded + {ours['rows_bad']:,} quarantined"
        )
    if (ours["rows"], ours["rows_bad"]) != (pandas["rows"], pandas["rows_bad"]):
        raise RuntimeError(
            f"saferplaces loaded {ours['rows']:,} and quarantined {ours['rows_bad']:,}; pandas "
            f"kept {pandas['rows']:,} and rejected {pandas['rows_bad']:,}"
        )
    vs_duckdb = ours["seconds"] / bare["seconds"]
    vs_pandas = pandas["seconds"] / ours["seconds"]
    checks = {
        "saferplaces / duckdb-bare": (
            vs_duckdb,
            f"<= {TARGET_VS_DUCKDB}",
            vs_duckdb <= TARGET_VS_DUCKDB,
        ),
        "pandas / saferplaces": (
            vs_pandas,
            f">= {TARGET_VS_PANDAS}",
            vs_pandas >= TARGET_VS_PANDAS,
        ),
        "saferplaces peak MiB": (
            ours["peak_mib"],
            f"<= {TARGET_PEAK_MIB}",
            ours["peak_mib"] <= TARGET_PEAK_MIB,
        ),
    }

    table = Table(title=f"Ingest of {data.rows:,} street rows ({len(data.files):,} files)")
    for col in ("contender", "rows", "seconds", "rows/s", "peak MiB", "output MiB"):
        table.add_column(col, justify="left" if col == "contender" else "right")
    for name, r in results.items():
        table.add_row(
            name, f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['rows'] / r['seconds']:,.0f}",
            f"{r['peak_mib']:,.0f}", f"{r['output_bytes'] / 2**20:,.0f}",
        )  # fmt: skip
    console.print(table)
    targets = Table(title="Targets (foundation issue)")
    for col in ("measure", "value", "target", "verdict"):
        targets.add_column(col, justify="left" if col == "measure" else "right")
    for measure, (value, target, ok) in checks.items():
        shown = f"{value:,.0f}" if "MiB" in measure else f"{value:.2f}x"
        targets.add_row(measure, shown, target, _common.verdict(ok))
    console.print(targets)

    out = {
        "benchmark": "ingest",
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": _common.machine("duckdb", "pandas"),
        "input": {"files": len(data.files), "rows": data.rows, "bytes": data.bytes},
        "contenders": results,
        "ratios": {
            "saferplaces_vs_duckdb_bare": vs_duckdb,
            "pandas_vs_saferplaces": vs_pandas,
        },
        "targets": {
            "saferplaces_vs_duckdb_bare_max": TARGET_VS_DUCKDB,
            "pandas_vs_saferplaces_min": TARGET_VS_PANDAS,
            "saferplaces_peak_mib_max": TARGET_PEAK_MIB,
        },
        "pass": {measure: ok for measure, (_v, _t, ok) in checks.items()},
    }
    path = _data.work_dir() / RESULTS
    path.write_text(json.dumps(out, indent=1))
    console.print(f"results written to {path}")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contender", choices=CONTENDERS, help="run one contender (internal)")
    parser.add_argument("--data", type=Path, help="input folder (with --contender)")
    parser.add_argument("--out", type=Path, help="empty output folder (with --contender)")
    args = parser.parse_args()
    if args.contender:
        _child(args.contender, args.data, args.out)
    else:
        main()
