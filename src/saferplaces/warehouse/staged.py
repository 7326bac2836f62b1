"""Loading one checked CSV file into one warehouse table, with the police ingest's guarantees.

Shared by the force-extract and partner ingests (:mod:`saferplaces.warehouse.extract_ingest`).
The steps and their helpers are those of the data.police.uk ingest
(:mod:`saferplaces.warehouse.ingest`): one DuckDB scan into the all-text ``stage`` table, the row
checks in SQL, line numbers from ``rowid``, CSV structure errors from DuckDB's rejects table,
quarantine with file, line, raw text and reason, and the count check that nothing is lost.
Callers hold the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from saferplaces.errors import InputFileError
from saferplaces.sources import csv_checks as cc
from saferplaces.sources.police_uk import FileInfo, InputFile
from saferplaces.warehouse.ingest import (
    _add_lines,
    _failed,
    _Pending,
    _quarantine,
    _rejects,
    _scalar,
)
from saferplaces.warehouse.report import FileResult, IngestReport

__all__ = ["LoadReport", "PostCheck", "checked_file", "failed", "load_file", "log_loaded"]

# (reason code, SQL condition over a ``stage`` row that still passes, SQL sentence)
PostCheck = tuple[str, str, str]


@dataclass
class LoadReport(IngestReport):
    """An :class:`IngestReport` with its own title (extract or partner ingest)."""

    title: str = "ingest"


def checked_file(path: Path, spec: cc.FileSpec, force: str, synthetic: bool) -> _Pending:
    """Run the whole-file checks (raises :class:`InputFileError`) and wrap the file for loading."""
    name = str(path)
    if not path.is_file():
        raise InputFileError(name, "no such file")
    info: FileInfo = cc.inspect_csv(name, path, spec)
    info.force = force
    return _Pending(InputFile(name, path.stat().st_size, path=path), path, info, synthetic)


def failed(con: duckdb.DuckDBPyConnection, name: str, problem: str) -> FileResult:
    """Log a file that cannot be loaded (one line, status failed)."""
    return _failed(con, InputFileError(name, problem))


def load_file(
    con: duckdb.DuckDBPyConnection,
    p: _Pending,
    ingest_id: int,
    spec: cc.FileSpec,
    checks: list[cc.Check],
    post: list[PostCheck],
    table: str,
    columns: dict[str, str],
    source: str = "stage_lines s",
) -> FileResult:
    """Stage, check, insert and quarantine one file; return what happened (not yet logged).

    ``columns`` maps the warehouse columns to SQL over a checked row of ``source`` (the staged
    rows as ``s``, with their ``line``); values every row shares are literals in it. ``post``
    checks run after ``checks``, among the rows still passing, in order.
    """
    sql, _ = cc.stage_sql(spec, p.info.header, checks)
    # DuckDB appends to its rejects tables on every scan; start each file afresh.
    con.execute("DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_reject_scans")
    con.execute(sql, [[str(p.path)]])
    for code, cond, _ in post:
        con.execute(f"UPDATE stage SET reason = {cc.sql_str(code)} WHERE reason IS NULL AND {cond}")
    detail = (
        "CASE reason "
        + " ".join(f"WHEN {cc.sql_str(c)} THEN {t}" for c, _, t in [*checks, *post])
        + " END"
    )
    rejects = _rejects(con, [p])
    _add_lines(con, [p], rejects)
    names = ", ".join(columns)
    exprs = ", ".join(columns.values())
    con.execute(
        f"INSERT INTO {table} ({names}) SELECT {exprs} FROM {source} WHERE s.reason IS NULL"
    )
    _quarantine(con, [p], [ingest_id], rejects, detail)
    good = _scalar(con, "SELECT count(*) FROM stage WHERE reason IS NULL")
    bad = _scalar(con, "SELECT count(*) FROM stage WHERE reason IS NOT NULL")
    result = FileResult(
        file=p.file.name, status="loaded", kind=p.info.kind, force=p.info.force,
        sha256=p.info.sha256, rows_read=good + bad + len(rejects), rows_loaded=good,
        rows_quarantined=bad + len(rejects), ingest_id=ingest_id,
    )  # fmt: skip
    # Nothing is lost: every row DuckDB saw is loaded or quarantined (else the caller rolls back).
    loaded = _scalar(con, f"SELECT count(*) FROM {table} WHERE ingest_id = ?", [ingest_id])
    held = _scalar(con, "SELECT count(*) FROM quarantine WHERE ingest_id = ?", [ingest_id])
    if not (loaded == good and held == result.rows_quarantined):
        raise AssertionError(
            f"{p.file.name}: read {result.rows_read}, loaded {loaded} of {good}, "
            f"quarantined {held} of {result.rows_quarantined}"
        )
    return result


def log_loaded(con: duckdb.DuckDBPyConnection, p: _Pending, r: FileResult, synthetic: bool) -> None:
    """The ``ingest_log`` row of a loaded file (``r.months``: the partitions it owns)."""
    log = pa.table(
        {
            "ingest_id": pa.array([r.ingest_id], pa.int64()),
            "ingested_at": pa.array([datetime.now()], pa.timestamp("us")),
            "kind": pa.array([r.kind]),
            "file": pa.array([r.file]),
            "sha256": pa.array([r.sha256]),
            "size_bytes": pa.array([p.file.size], pa.int64()),
            "force": pa.array([r.force]),
            "months": pa.array([r.months], pa.list_(pa.string())),
            "rows_read": pa.array([r.rows_read], pa.int64()),
            "rows_loaded": pa.array([r.rows_loaded], pa.int64()),
            "rows_quarantined": pa.array([r.rows_quarantined], pa.int64()),
            "synthetic": pa.array([synthetic]),
        }
    )
    con.register("file_log", log)
    try:
        con.execute(
            "INSERT INTO ingest_log SELECT ingest_id, ingested_at, kind, file, sha256, size_bytes, "
            "force, months, rows_read, rows_loaded, rows_quarantined, 'loaded', NULL, synthetic "
            "FROM file_log"
        )
    finally:
        con.unregister("file_log")
