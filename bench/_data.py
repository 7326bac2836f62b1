"""Benchmark input: at least ``BENCH_ROWS`` street rows built from the 2025 West Mercia files.

The twelve real files of 2025 (102,105 rows) are repeated into earlier years and under several
force slugs until the total reaches ``BENCH_ROWS`` (default 10,000,000). Repeating the 2025 year
98 times into one force would mean months back to 1927; eight real force slugs over about
thirteen years each is closer to what a partnership's warehouse actually holds. Each copy is
written by DuckDB with its ``Month`` column rewritten to the target month and is named and placed
as data.police.uk names files: ``YYYY-MM/YYYY-MM-<force>-street.csv``.

The order of generation is: year 2025, every force; then 2024, every force; and so on, twelve
months at a time, stopping at the first whole file that reaches the target. The output is cached
in ``bench/.work/street-<rows>/`` with a ``manifest.json`` written last; a complete cache is
reused as is.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

__all__ = ["BenchData", "FORCES", "bench_rows", "build", "shared_data_dir", "work_dir"]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SOURCE_FORCE = "west-mercia"
SOURCE_YEAR = 2025
# Real data.police.uk slugs, so the file names look like the custom download's.
FORCES = (
    "west-mercia",
    "warwickshire",
    "staffordshire",
    "west-midlands",
    "gloucestershire",
    "dyfed-powys",
    "derbyshire",
    "leicestershire",
)
DEFAULT_ROWS = 10_000_000
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BenchData:
    """The built input: its folder, its files (sorted) and how many data rows they hold."""

    root: Path
    files: list[Path]
    rows: int
    bytes: int


def work_dir() -> Path:
    """``bench/.work/`` (git-ignored), created on first use."""
    d = BENCH_DIR / ".work"
    d.mkdir(exist_ok=True)
    return d


def bench_rows() -> int:
    """The target row count: ``$BENCH_ROWS`` (underscores allowed) or 10,000,000."""
    raw = os.environ.get("BENCH_ROWS", "").replace("_", "").strip()
    if not raw:
        return DEFAULT_ROWS
    try:
        rows = int(raw)
    except ValueError:
        sys.exit(f"BENCH_ROWS must be a whole number of rows, for example 1000000; got {raw!r}")
    if rows <= 0:
        sys.exit(f"BENCH_ROWS must be positive; got {rows}")
    return rows


def shared_data_dir() -> Path:
    """The shared data folder: ``$SAFERPLACES_SHARED_DATA`` or ``../shared/data``."""
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _source_files() -> list[Path]:
    folder = shared_data_dir() / "crime" / SOURCE_FORCE
    files = [folder / f"{SOURCE_YEAR}-{m:02d}-{SOURCE_FORCE}-street.csv" for m in range(1, 13)]
    missing = [f for f in files if not f.is_file()]
    if missing:
        sys.exit(
            f"benchmark input missing: {len(missing)} of the 12 files "
            f"{SOURCE_YEAR}-MM-{SOURCE_FORCE}-street.csv are not in {folder} "
            f"(first: {missing[0].name}); set SAFERPLACES_SHARED_DATA to the shared data folder "
            "(the one holding crime/west-mercia/)"
        )
    return files


def _plan(per_month: list[int], target: int) -> list[tuple[str, str, int]]:
    """(force, YYYY-MM, source month index) for each file, in generation order."""
    plan: list[tuple[str, str, int]] = []
    total = 0
    year = SOURCE_YEAR
    while True:
        for force in FORCES:
            for m in range(12, 0, -1):
                plan.append((force, f"{year}-{m:02d}", m - 1))
                total += per_month[m - 1]
                if total >= target:
                    return plan
        year -= 1


def _cached(root: Path, target: int) -> BenchData | None:
    manifest = root / MANIFEST
    if not manifest.is_file():
        return None
    try:
        meta = json.loads(manifest.read_text())
        files = [root / f for f in meta["files"]]
        sizes = meta["sizes"]
        complete = meta["target"] == target and all(
            f.is_file() and f.stat().st_size == s for f, s in zip(files, sizes, strict=True)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not complete:
        return None
    return BenchData(root, files, int(meta["rows"]), int(sum(sizes)))


def build(target: int | None = None, quiet: bool = False) -> BenchData:
    """Build (or reuse) the benchmark input of at least ``target`` rows.

    Parameters
    ----------
    target : int, optional
        Minimum number of data rows; defaults to :func:`bench_rows`.
    quiet : bool
        Do not print what is being built.

    Returns
    -------
    BenchData
    """
    target = target or bench_rows()
    root = work_dir() / f"street-{target}"
    if (cached := _cached(root, target)) is not None:
        return cached
    sources = _source_files()
    (root / MANIFEST).unlink(missing_ok=True)
    con = duckdb.connect()
    # Load each real month once as text, exactly as published; the copies are written from here.
    for i, src in enumerate(sources):
        con.execute(
            f"CREATE TABLE m{i} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
            [str(src)],
        )
    per_month = [
        int(con.execute(f"SELECT count(*) FROM m{i}").fetchone()[0])  # type: ignore[index]
        for i in range(12)
    ]
    plan = _plan(per_month, target)
    if not quiet:
        print(
            f"building {len(plan):,} files (>= {target:,} street rows) in {root} ...",
            flush=True,
        )
    files: list[Path] = []
    rows = 0
    for force, month, i in plan:
        rel = Path(month) / f"{month}-{force}-street.csv"
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"""COPY (SELECT * REPLACE ('{month}' AS "Month") FROM m{i})
                TO '{out}' (FORMAT csv, HEADER true, DELIMITER ',')"""
        )
        files.append(rel)
        rows += per_month[i]
    con.close()
    sizes = [(root / f).stat().st_size for f in files]
    meta = {
        "target": target,
        "rows": rows,
        "files": [str(f) for f in files],
        "sizes": sizes,
        "source": f"{SOURCE_YEAR} {SOURCE_FORCE} street files, repeated over {FORCES}",
    }
    # Written last: its presence means the folder is complete.
    (root / MANIFEST).write_text(json.dumps(meta, indent=1))
    return BenchData(root, [root / f for f in files], rows, sum(sizes))


if __name__ == "__main__":
    data = build()
    print(
        f"{len(data.files):,} files, {data.rows:,} rows, {data.bytes / 2**20:,.0f} MiB "
        f"in {data.root}"
    )
