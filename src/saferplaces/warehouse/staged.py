"""Loading one checked CSV file into one warehouse table, with the police ingest's guarantees.

Shared by the force-extract and partner ingests (:mod:`saferplaces.warehouse.extract_ingest`).
The steps and their helpers are those of the data.police.uk ingest
(:mod:`saferplaces.warehouse.ingest`): one DuckDB scan into the all-text ``stage`` table, the row
checks in SQL, line numbers from ``rowid``, CSV structure errors from DuckDB's rejects table,
quarantine with file, line, raw text and reason, and the count check that nothing is lost.
Callers hold the transactions: :func:`load_file` runs in one; its three steps
(:func:`append_file`, :func:`number_lines`, :func:`settle_file`) may span two, as long as
nothing reads the appended rows before they are settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from saferplaces.errors import InputFileError
from saferplaces.sources import csv_checks as cc
from saferplaces.sources.police_uk import FileInfo, InputFile, detail_sql, reason_sql
from saferplaces.warehouse.ingest import (
    _add_lines,
    _failed,
    _fresh_rejects,
    _Pending,
    _quarantine,
    _rejects,
    _scalar,
)
from saferplaces.warehouse.report import FileResult, IngestReport

__all__ = [
    "Appended",
    "LoadReport",
    "PostCheck",
    "append_file",
    "checked_file",
    "failed",
    "load_file",
    "log_loaded",
    "number_lines",
    "repeated",
    "settle_file",
]


@dataclass
class LoadReport(IngestReport):
    """An :class:`IngestReport` with its own title (extract or partner ingest)."""

    title: str = "ingest"


def checked_file(
    path: Path, spec: cc.FileSpec, force: str, synthetic: bool, name: str | None = None
) -> _Pending:
    """Run the whole-file checks (raises :class:`InputFileError`) and wrap the file for loading.

    ``name``: how logs and messages name the file (default: its path).
    """
    name = name or str(path)
    if not path.is_file():
        raise InputFileError(name, "no such file")
    info: FileInfo = cc.inspect_csv(name, path, spec)
    info.force = force
    return _Pending(InputFile(name, path.stat().st_size, path=path), path, info, synthetic)


def failed(con: duckdb.DuckDBPyConnection, name: str, problem: str) -> FileResult:
    """Log a file that cannot be loaded (one line, status failed)."""
    return _failed(con, InputFileError(name, problem))


@dataclass(frozen=True)
class PostCheck:
    """A check among the rows loaded, after the row checks: failing rows move to the quarantine.

    ``condition`` is SQL over a row of the warehouse table (its values as loaded, so ``Victim``
    and ``victim`` are one role); ``detail`` is the SQL sentence over such a row.
    """

    code: str
    condition: str
    detail: str
    # SQL counting the rows to check further, when that is cheaper than the condition (0: none)
    suspects: str | None = None


def repeated(code: str, columns: tuple[str, ...], detail: str) -> PostCheck:
    """The key ``columns`` is on an earlier line too: the first row stays, later ones go."""
    key = ", ".join(columns)
    return PostCheck(
        code,
        f"line IN (SELECT line FROM (SELECT line, row_number() OVER (PARTITION BY {key} "
        "ORDER BY line) AS n FROM {table} WHERE ingest_id = {ingest_id}) WHERE n > 1)",
        detail,
        # Nearly every file has no repeated key: as many distinct hashes of the key as rows
        # proves it, at a third of the window's cost (a hash collision only costs the window).
        f"SELECT count(*) - count(DISTINCT hash({key})) FROM {{table}} "
        "WHERE ingest_id = {ingest_id}",
    )


@dataclass
class Appended:
    """A file's rows appended to their warehouse table: not yet numbered or checked together.

    Made by :func:`append_file`; :func:`number_lines` then :func:`settle_file` finish it, in
    the same transaction or (the force-extract ingest) in the next one.
    """

    p: _Pending
    ingest_id: int
    table: str
    read: int  # rows DuckDB split into columns (its rejects are not rows)
    rejects: list[tuple]  # DuckDB's rejected lines (CSV structure errors)
    numbered: bool  # the rows carry their lines (staged load); else line is 0 until numbered
    bad: str  # the temporary table of rows that failed their checks


def load_file(
    con: duckdb.DuckDBPyConnection,
    p: _Pending,
    ingest_id: int,
    spec: cc.FileSpec,
    checks: list[cc.Check],
    table: str,
    columns: dict[str, str],
    post: tuple[PostCheck, ...] = (),
) -> FileResult:
    """Check one file's rows, insert those that pass and quarantine the rest (not yet logged).

    :func:`append_file`, :func:`number_lines` and :func:`settle_file` in one transaction.
    """
    a = append_file(con, p, ingest_id, spec, checks, table, columns)
    number_lines(con, a)
    return settle_file(con, a, post)


def append_file(
    con: duckdb.DuckDBPyConnection,
    p: _Pending,
    ingest_id: int,
    spec: cc.FileSpec,
    checks: list[cc.Check],
    table: str,
    columns: dict[str, str],
) -> Appended:
    """Check one file's rows and append those that pass to ``table``; keep the rest aside.

    ``columns`` maps the warehouse columns (all but ``line``) to SQL over a checked row ``s``
    (values every row shares are literals).

    The file is read once, straight into the table: one statement checks every row and inserts
    those that pass, in one parallel pipeline as fast as DuckDB's own CSV-to-table copy. When
    every line of the file was a row and every row passed, the rows' lines are their order of
    insertion (DuckDB keeps a scan's order; nothing in the statement reorders it: see
    :func:`saferplaces.sources.police_uk._member`), given by :func:`number_lines`. Otherwise
    those rows go and the file is read again through the ``stage`` table, which gives each row
    its line and each rejected row its reason.
    """
    bad = f"stage_bad_{ingest_id}"
    read = _load_direct(con, p, ingest_id, spec, checks, table, columns)
    if read is not None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {bad} ({_BAD})")
        return Appended(p, ingest_id, table, read, [], False, bad)
    read, rejects = _load_staged(con, p, spec, checks, table, columns, bad)
    return Appended(p, ingest_id, table, read, rejects, True, bad)


def number_lines(con: duckdb.DuckDBPyConnection, a: Appended) -> None:
    """Give the rows of a one-pass load their lines: their places in the file, after the header.

    One INSERT appended them with contiguous row ids, in the file's order, and nothing has
    deleted any of them since (the checks among rows run after this), so a row's line is its
    row id less the file's first, plus 2. Run in the transaction after the append, this is a
    cheap update of stored rows; in the append's own, DuckDB writes the whole rows again.
    """
    if a.numbered:
        return
    con.execute(
        f"UPDATE {a.table} SET line = rowid - (SELECT min(rowid) FROM {a.table} "
        "WHERE ingest_id = $1) + 2 WHERE ingest_id = $1",
        [a.ingest_id],
    )
    # Lines 2..n+1, each once: the row ids were contiguous (else the caller rolls back)
    n, first, last = con.execute(
        f"SELECT count(*), min(line), max(line) FROM {a.table} WHERE ingest_id = ?", [a.ingest_id]
    ).fetchone() or (0, None, None)
    if n != a.read or (n and (first, last) != (2, n + 1)):
        raise AssertionError(
            f"{a.p.file.name}: {a.read} rows appended, {n} numbered from line {first} to {last}"
        )
    a.numbered = True


def settle_file(
    con: duckdb.DuckDBPyConnection, a: Appended, post: tuple[PostCheck, ...] = ()
) -> FileResult:
    """Run the ``post`` checks among the rows loaded, quarantine every failed row, count.

    The rows must be numbered (:func:`number_lines`). Raises AssertionError when rows read is
    not rows loaded plus rows quarantined (the caller rolls back).
    """
    if not a.numbered:
        raise AssertionError(f"{a.p.file.name}: rows checked before their lines were numbered")
    p, ingest_id, table = a.p, a.ingest_id, a.table
    good = a.read - _scalar(con, f"SELECT count(*) FROM {a.bad}")
    where = {"table": table, "ingest_id": ingest_id}
    for check in post:
        if check.suspects and not _scalar(con, check.suspects.format(**where)):
            continue
        cond = check.condition.format(**where)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stage_post AS SELECT rowid AS rid, line, "
            f"{check.detail} AS detail FROM {table} WHERE ingest_id = ? AND {cond}",
            [ingest_id],
        )
        n = _scalar(con, "SELECT count(*) FROM stage_post")
        if n:
            code = cc.sql_str(check.code)
            con.execute(f"INSERT INTO {a.bad} SELECT 0, line, {code}, detail FROM stage_post")
            con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM stage_post)")
            good -= n
    _quarantine(con, [p], [ingest_id], a.rejects, bad_sql=f"SELECT * FROM {a.bad}")
    con.execute(f"DROP TABLE IF EXISTS {a.bad}")
    result = FileResult(
        file=p.file.name, status="loaded", kind=p.info.kind, force=p.info.force,
        sha256=p.info.sha256, rows_read=a.read + len(a.rejects), rows_loaded=good,
        rows_quarantined=a.read - good + len(a.rejects), ingest_id=ingest_id,
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


_BAD = "file_index BIGINT, line BIGINT, reason VARCHAR, detail VARCHAR"


def _insert(table: str, columns: dict[str, str], line: str, source: str) -> str:
    names = ", ".join([*columns, "line"])
    exprs = ", ".join([*columns.values(), line])
    return f"INSERT INTO {table} ({names}) SELECT {exprs} FROM ({source}) s WHERE s.reason IS NULL"


def _load_direct(
    con: duckdb.DuckDBPyConnection,
    p: _Pending,
    ingest_id: int,
    spec: cc.FileSpec,
    checks: list[cc.Check],
    table: str,
    columns: dict[str, str],
) -> int | None:
    """One pass from file to table; the rows read, or None (nothing kept) if a row failed."""
    if p.info.lone_cr:  # DuckDB breaks rows there too: lines are not rows
        return None
    lines = p.info.newline_count + (0 if p.info.ends_with_newline else 1)
    _fresh_rejects(con)
    scan = cc.scan_sql(spec, p.info.header, checks)
    n = _scalar(con, _insert(table, columns, "0", scan), [[str(p.path)]])
    if n != lines - 1 or _scalar(con, "SELECT count(*) FROM csv_rejects"):
        con.execute(f"DELETE FROM {table} WHERE ingest_id = ?", [ingest_id])
        return None
    return n


def _load_staged(
    con: duckdb.DuckDBPyConnection,
    p: _Pending,
    spec: cc.FileSpec,
    checks: list[cc.Check],
    table: str,
    columns: dict[str, str],
    bad: str,
) -> tuple[int, list[tuple]]:
    """Through ``stage``: each row's line, the rows that pass, and the reasons of the rest.

    The scan into ``stage`` does nothing else, so its row ids are the file's order; the line
    of each row is taken from them (:func:`_add_lines`) before any check can reorder rows.
    The failed rows go to the temporary table ``bad``. Returns the rows read and DuckDB's
    rejected lines (CSV structure errors).
    """
    sql, _ = cc.stage_sql(spec, p.info.header, [])
    _fresh_rejects(con)
    con.execute(sql, [[str(p.path)]])
    rejects = _rejects(con, [p])
    _add_lines(con, [p], rejects)
    checked = f"SELECT *, {reason_sql(checks)} AS reason FROM stage_lines"
    good = _scalar(con, _insert(table, columns, "s.line", checked))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {bad} AS SELECT file_index, line, reason, "
        f"{detail_sql(checks)} AS detail FROM ({checked}) WHERE reason IS NOT NULL"
    )
    return good + _scalar(con, f"SELECT count(*) FROM {bad}"), rejects


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
