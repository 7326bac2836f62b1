"""Partitioned ingest of data.police.uk files into the warehouse.

The unit of replacement is the partition (kind, force, month). Files are read in batches: one
DuckDB scan of every file in the batch checks each row in SQL, and one transaction deletes the
partitions the batch brings, inserts its rows, writes its quarantine rows and ``ingest_log`` rows,
and records each file as the owner of its partitions. A batch never holds two files for the same
partition, so the later file of a partition always replaces the earlier one. Ingesting the same
bytes again changes nothing.

Nothing is lost: for every file, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from saferplaces.errors import InputFileError
from saferplaces.sources.police_uk import (
    FileInfo,
    InputFile,
    Skipped,
    inspect_file,
    iter_input_files,
    stage_sql,
)
from saferplaces.warehouse.report import FileResult, IngestReport
from saferplaces.workspace import Workspace

__all__ = ["BATCH_BYTES", "FileResult", "IngestReport", "ingest_files", "ingest_police_uk"]

# A batch is read in one scan and committed in one transaction: a commit per small monthly
# file would cost more than reading it. The size bounds the memory the scan needs.
BATCH_BYTES = 128 * 2**20

# Which warehouse tables a kind's partition lives in.
KIND_TABLES = {
    "street": ("crime", "asb"),
    "outcomes": ("outcome",),
    "stop-and-search": ("stop_search",),
}

# Rows of the batch joined to their file: ingest_id, force, synthetic and line come from there.
_SOURCE = "stage_lines s JOIN batch_files b USING (file_index)"
_INSERTS = {
    "crime": f"""
        INSERT INTO crime (crime_id, month, force, reported_by, falls_within, longitude, latitude,
            location, lsoa_code, lsoa_name, crime_type, last_outcome_category, context, synthetic,
            ingest_id, line)
        SELECT crime_id, month_date, b.force, reported_by, falls_within, longitude::DOUBLE,
            latitude::DOUBLE, location, lsoa_code, lsoa_name, crime_type, last_outcome_category,
            context, b.synthetic, b.ingest_id, line
        FROM {_SOURCE}
        WHERE reason IS NULL AND NOT (crime_id IS NULL AND crime_type = 'Anti-social behaviour')
    """,
    "asb": f"""
        INSERT INTO asb (month, force, reported_by, falls_within, longitude, latitude, location,
            lsoa_code, lsoa_name, context, synthetic, ingest_id, line)
        SELECT month_date, b.force, reported_by, falls_within, longitude::DOUBLE,
            latitude::DOUBLE, location, lsoa_code, lsoa_name, context, b.synthetic, b.ingest_id,
            line
        FROM {_SOURCE}
        WHERE reason IS NULL AND crime_id IS NULL AND crime_type = 'Anti-social behaviour'
    """,
    "outcome": f"""
        INSERT INTO outcome (crime_id, month, force, reported_by, falls_within, longitude,
            latitude, location, lsoa_code, lsoa_name, outcome_type, synthetic, ingest_id, line)
        SELECT crime_id, month_date, b.force, reported_by, falls_within, longitude::DOUBLE,
            latitude::DOUBLE, location, lsoa_code, lsoa_name, outcome_type, b.synthetic,
            b.ingest_id, line
        FROM {_SOURCE} WHERE reason IS NULL
    """,
    "stop_search": f"""
        INSERT INTO stop_search (type, date, month, force, part_of_policing_operation,
            policing_operation, longitude, latitude, gender, age_range, self_defined_ethnicity,
            officer_defined_ethnicity, legislation, object_of_search, outcome,
            outcome_linked_to_object_of_search, removal_of_more_than_just_outer_clothing,
            synthetic, ingest_id, line)
        SELECT type, date::TIMESTAMPTZ, month_date, b.force,
            part_of_a_policing_operation::BOOLEAN, policing_operation, longitude::DOUBLE,
            latitude::DOUBLE, gender, age_range, self_defined_ethnicity,
            officer_defined_ethnicity, legislation, object_of_search, outcome,
            outcome_linked_to_object_of_search::BOOLEAN,
            removal_of_more_than_just_outer_clothing::BOOLEAN, b.synthetic, b.ingest_id, line
        FROM {_SOURCE} WHERE reason IS NULL
    """,
}


@dataclass
class _Pending:
    """A file that passed its whole-file checks and waits for its batch."""

    file: InputFile
    path: Path
    info: FileInfo
    synthetic: bool

    def partition_key(self) -> tuple[str, str, str | None]:
        return (self.info.kind, self.info.force, self.info.month)


def ingest_police_uk(
    ws: Workspace, paths: list[Path], force: str | None = None, progress: bool = False
) -> IngestReport:
    """Ingest data.police.uk files, folders and archives into the workspace warehouse.

    Parameters
    ----------
    ws : Workspace
    paths : list of Path
        Files, ``YYYY-MM/`` folders (searched recursively) and ``.zip`` archives.
    force : str, optional
        Force slug for files whose name does not carry one (stop-and-search needs it).
    progress : bool
        Show a Rich progress bar (bytes) on stderr.

    Returns
    -------
    IngestReport
        One :class:`FileResult` per file; ``failed`` lists files that could not be read.
    """
    con = ws.connect()
    try:
        report = ingest_files(con, paths, force=force, progress=progress)
        report.placed = _resolve(
            con, ws, [f.ingest_id for f in report.files if f.status == "loaded"]
        )
    finally:
        con.close()
    return report


def _resolve(con: duckdb.DuckDBPyConnection, ws: Workspace, ids: list[int | None]) -> dict:
    """Place the new rows on the loaded boundaries (nothing to do before geography is loaded)."""
    ingest_ids = [i for i in ids if i is not None]
    if not ingest_ids:
        return {}
    try:
        from saferplaces.geo.resolve import resolve_places
    except ImportError:  # geography not part of this build yet
        return {}
    return resolve_places(con, ws.settings, ingest_ids=ingest_ids)


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    force: str | None = None,
    progress: bool = False,
    batch_bytes: int = BATCH_BYTES,
) -> IngestReport:
    """Ingest into an open warehouse connection (see :func:`ingest_police_uk`)."""
    report = IngestReport()
    items = list(iter_input_files(paths))
    inputs = [i for i in items if isinstance(i, InputFile)]
    report.skipped = [i for i in items if isinstance(i, Skipped)]
    for e in items:
        if isinstance(e, InputFileError):
            report.files.append(_failed(con, e))
    with (
        tempfile.TemporaryDirectory(prefix="saferplaces-") as tmp,
        Progress(
            TextColumn("[bold]ingest[/] {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            disable=not progress,
            transient=True,
            console=Console(stderr=True),
        ) as bar,
    ):
        task = bar.add_task("", total=sum(i.size for i in inputs))
        results: dict[int, FileResult] = {}  # by position in `inputs`, so the report keeps order
        pending: list[tuple[int, _Pending]] = []
        extracted = ExitStack()  # archive members stay on disk until their batch is written

        # Hashes logged before: only a file with one of these can be unchanged.
        known = {r[0] for r in con.execute("SELECT DISTINCT sha256 FROM ingest_log").fetchall()}

        def flush() -> None:
            for (pos, _), r in zip(
                pending, _write_batch(con, [p for _, p in pending]), strict=True
            ):
                results[pos] = r
                known.add(r.sha256)
            pending.clear()
            extracted.close()

        for pos, f in enumerate(inputs):
            bar.update(task, description=Path(f.name.split("!")[-1]).name)
            current = ExitStack()  # this file's extracted copy, handed to its batch below
            try:
                path = current.enter_context(f.local_path(Path(tmp)))
                info = inspect_file(f, path, force)
            except InputFileError as e:
                current.close()
                results[pos] = _failed(con, e)
                bar.advance(task, f.size)
                continue
            p = _Pending(f, path, info, synthetic="synthetic" in f.name.lower())
            # One scan reads one layout; a partition appears once per batch; files without a
            # month in their name (partitions known only from their rows) go alone.
            if pending and (
                (pending[0][1].info.kind, pending[0][1].info.header) != (info.kind, info.header)
                or p.partition_key() in {q.partition_key() for _, q in pending}
                or info.month is None
                or pending[0][1].info.month is None
                or sum(q.file.size for _, q in pending) + f.size > batch_bytes
            ):
                flush()
            extracted.enter_context(current.pop_all())
            if info.sha256 in known and _is_unchanged(con, info):
                results[pos] = _unchanged(con, f, info)
            else:
                pending.append((pos, p))
            bar.advance(task, f.size)
        if pending:
            flush()
        extracted.close()
    report.files += [results[i] for i in sorted(results)]
    return report


def _write_batch(con: duckdb.DuckDBPyConnection, batch: list[_Pending]) -> list[FileResult]:
    """Read, check and load a batch in one transaction; on a database error retry file by file."""
    con.begin()
    try:
        results = _load(con, batch)
        _mark_superseded(con)
        con.commit()
        return results
    except duckdb.Error as e:
        con.rollback()
        if len(batch) > 1:
            return [r for p in batch for r in _write_batch(con, [p])]
        return [
            _failed(con, InputFileError(batch[0].file.name, f"cannot be read ({_first_line(e)})"))
        ]
    except BaseException:
        con.rollback()
        raise


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _load(con: duckdb.DuckDBPyConnection, batch: list[_Pending]) -> list[FileResult]:
    kind, header = batch[0].info.kind, batch[0].info.header
    sql, detail = stage_sql(kind, header)
    _fresh_rejects(con)
    con.execute(sql, [[str(p.path) for p in batch]])

    ids = [
        int(r[0])
        for r in con.execute(
            "SELECT nextval('ingest_id_seq') FROM range(?)", [len(batch)]
        ).fetchall()
    ]
    files = pa.table(
        {
            "file_index": pa.array(range(len(batch)), pa.int64()),
            "ingest_id": pa.array(ids, pa.int64()),
            "force": pa.array([p.info.force for p in batch]),
            "synthetic": pa.array([p.synthetic for p in batch]),
        }
    )
    con.register("batch_files_arrow", files)
    con.execute("CREATE OR REPLACE TEMP TABLE batch_files AS SELECT * FROM batch_files_arrow")
    con.unregister("batch_files_arrow")
    rejects = _rejects(con, batch)
    _add_lines(con, batch, rejects)

    months = [_months(con, i, p) for i, p in enumerate(batch)]
    _delete_partitions(
        con, kind, [(p.info.force, m) for p, ms in zip(batch, months, strict=True) for m in ms]
    )
    for table in KIND_TABLES[kind]:
        con.execute(_INSERTS[table])
    _quarantine(con, batch, ids, rejects, detail)

    counts = {
        fi: (int(good), int(bad))
        for fi, good, bad in con.execute(
            "SELECT file_index, count(*) FILTER (WHERE reason IS NULL), "
            "count(*) FILTER (WHERE reason IS NOT NULL) FROM stage GROUP BY file_index"
        ).fetchall()
    }
    results = []
    for i, p in enumerate(batch):
        good, bad = counts.get(i, (0, 0))
        n_rejects = sum(1 for r in rejects if r[0] == i)
        results.append(
            FileResult(
                file=p.file.name,
                status="loaded",
                kind=kind,
                force=p.info.force,
                months=months[i],
                sha256=p.info.sha256,
                rows_read=good + bad + n_rejects,
                rows_loaded=good,
                rows_quarantined=bad + n_rejects,
                ingest_id=ids[i],
            )  # fmt: skip
        )
    _log_and_claim(con, batch, results)
    _check_accounted(con, batch, results, rejects)
    return results


def _months(con: duckdb.DuckDBPyConnection, index: int, p: _Pending) -> list[str]:
    # A data.police.uk file is one partition, named for its month, even when a few rows fall
    # in the month before (stop and search near midnight); a file without that name brings one
    # partition per month found in its rows.
    if p.info.month is not None:
        return [p.info.month]
    rows = con.execute(
        "SELECT DISTINCT strftime(month_date, '%Y-%m') m FROM stage "
        "WHERE file_index = ? AND reason IS NULL ORDER BY m",
        [index],
    ).fetchall()
    return [r[0] for r in rows]


def _log_and_claim(
    con: duckdb.DuckDBPyConnection, batch: list[_Pending], results: list[FileResult]
) -> None:
    """One ``ingest_log`` row per file, and each file recorded as owner of its partitions."""
    now = datetime.now()
    log = pa.table(
        {
            "ingest_id": pa.array([r.ingest_id for r in results], pa.int64()),
            "ingested_at": pa.array([now] * len(results), pa.timestamp("us")),
            "kind": pa.array([r.kind for r in results]),
            "file": pa.array([r.file for r in results]),
            "sha256": pa.array([r.sha256 for r in results]),
            "size_bytes": pa.array([p.file.size for p in batch], pa.int64()),
            "force": pa.array([r.force for r in results]),
            "months": pa.array([r.months for r in results], pa.list_(pa.string())),
            "rows_read": pa.array([r.rows_read for r in results], pa.int64()),
            "rows_loaded": pa.array([r.rows_loaded for r in results], pa.int64()),
            "rows_quarantined": pa.array([r.rows_quarantined for r in results], pa.int64()),
            "synthetic": pa.array([p.synthetic for p in batch]),
        }
    )
    con.register("batch_log", log)
    try:
        con.execute(
            "INSERT INTO ingest_log SELECT ingest_id, ingested_at, kind, file, sha256, size_bytes, "
            "force, months, rows_read, rows_loaded, rows_quarantined, 'loaded', NULL, synthetic "
            "FROM batch_log"
        )
        # Files named for their month own that partition; others own the months of their rows.
        con.execute(
            "INSERT OR REPLACE INTO partition SELECT kind, force, "
            "strptime(months[1], '%Y-%m')::DATE, ingest_id, sha256, rows_loaded FROM batch_log "
            "WHERE len(months) = 1 AND ingest_id IN (SELECT unnest(?))",
            [[r.ingest_id for p, r in zip(batch, results, strict=True) if p.info.month]],
        )
    finally:
        con.unregister("batch_log")
    for i, (p, r) in enumerate(zip(batch, results, strict=True)):
        if p.info.month is None:
            con.execute(
                "INSERT OR REPLACE INTO partition SELECT ?, ?, month_date, ?, ?, count(*) "
                "FROM stage WHERE file_index = ? AND reason IS NULL GROUP BY month_date",
                [p.info.kind, p.info.force, r.ingest_id, p.info.sha256, i],
            )


def _check_accounted(
    con: duckdb.DuckDBPyConnection,
    batch: list[_Pending],
    results: list[FileResult],
    rejects: list[tuple],
) -> None:
    """Nothing is lost: every row DuckDB saw is loaded or quarantined (else roll back)."""
    seen = _scalar(con, "SELECT count(*) FROM stage") + len(rejects)
    accounted = sum(r.rows_read for r in results)
    written = sum(
        _scalar(
            con, f"SELECT count(*) FROM {t} WHERE ingest_id IN (SELECT ingest_id FROM batch_files)"
        )
        for t in KIND_TABLES[batch[0].info.kind]
    ) + _scalar(
        con,
        "SELECT count(*) FROM quarantine WHERE ingest_id IN (SELECT ingest_id FROM batch_files)",
    )
    if not seen == accounted == written:
        raise AssertionError(
            f"batch of {len(batch)} files: read {seen}, accounted {accounted}, written {written}"
        )


def _failed(con: duckdb.DuckDBPyConnection, e: InputFileError) -> FileResult:
    ingest_id = _next_id(con)
    con.execute(
        "INSERT INTO ingest_log (ingest_id, ingested_at, file, status, message) "
        "VALUES (?, ?, ?, 'failed', ?)",
        [ingest_id, datetime.now(), e.file, str(e)],
    )
    return FileResult(file=e.file, status="failed", message=str(e), ingest_id=ingest_id)


def _unchanged(con: duckdb.DuckDBPyConnection, f: InputFile, info: FileInfo) -> FileResult:
    result = FileResult(
        file=f.name, status="unchanged", kind=info.kind, force=info.force, sha256=info.sha256,
        message="the same file was loaded before; nothing changed", ingest_id=_next_id(con),
    )  # fmt: skip
    con.execute(
        "INSERT INTO ingest_log (ingest_id, ingested_at, kind, file, sha256, size_bytes, force, "
        "status, message) VALUES (?, ?, ?, ?, ?, ?, ?, 'unchanged', ?)",
        [result.ingest_id, datetime.now(), info.kind, f.name, info.sha256, f.size, info.force,
         result.message],
    )  # fmt: skip
    return result


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    return _scalar(con, "SELECT nextval('ingest_id_seq')")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _is_unchanged(con: duckdb.DuckDBPyConnection, info: FileInfo) -> bool:
    """The same bytes were loaded before and still own every partition they brought."""
    row = con.execute(
        """
        SELECT l.months FROM ingest_log l
        WHERE l.sha256 = ? AND l.kind = ? AND l.force = ? AND l.status = 'loaded'
        ORDER BY l.ingest_id DESC LIMIT 1
        """,
        [info.sha256, info.kind, info.force],
    ).fetchone()
    if row is None:
        return False
    months = row[0] or []
    owned = _scalar(
        con,
        "SELECT count(*) FROM partition WHERE kind = ? AND force = ? AND sha256 = ? "
        "AND strftime(month, '%Y-%m') IN (SELECT unnest(?))",
        [info.kind, info.force, info.sha256, months],
    )
    return owned == len(months)


def _delete_partitions(
    con: duckdb.DuckDBPyConnection, kind: str, keys: list[tuple[str, str]]
) -> None:
    """Delete the rows of the partitions (force, month) a batch replaces, through their owners.

    An owner that holds one partition (every file named as data.police.uk names them) loses all
    its rows; an owner that holds several (a file without such a name) loses that month's rows.
    """
    if not keys:
        return
    owners = con.execute(
        """
        WITH wanted AS (SELECT unnest(?) AS force, strptime(unnest(?), '%Y-%m')::DATE AS month)
        SELECT p.ingest_id, p.month,
               (SELECT count(*) FROM partition q WHERE q.ingest_id = p.ingest_id) AS held
        FROM partition p JOIN wanted w USING (force, month)
        WHERE p.kind = ?
        """,
        [[k[0] for k in keys], [k[1] for k in keys], kind],
    ).fetchall()
    for owner, month, held in owners:
        for table in KIND_TABLES[kind]:
            if held == 1:
                con.execute(f"DELETE FROM {table} WHERE ingest_id = ?", [owner])
            else:
                con.execute(
                    f"DELETE FROM {table} WHERE ingest_id = ? AND month = ?", [owner, month]
                )


def _mark_superseded(con: duckdb.DuckDBPyConnection) -> None:
    """Ingests that owned partitions and own none now are superseded; their quarantine goes."""
    con.execute(
        """
        UPDATE ingest_log SET status = 'superseded'
        WHERE status = 'loaded' AND len(months) > 0
          AND ingest_id NOT IN (SELECT ingest_id FROM partition)
        """
    )
    con.execute(
        "DELETE FROM quarantine WHERE ingest_id IN "
        "(SELECT ingest_id FROM ingest_log WHERE status = 'superseded')"
    )


def _fresh_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Empty DuckDB's rejects tables: it appends to them on every scan."""
    con.execute("DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_reject_scans")


def _rejects(con: duckdb.DuckDBPyConnection, batch: list[_Pending]) -> list[tuple]:
    """Rows DuckDB could not split into columns: (file_index, line, raw, type, message).

    DuckDB records one reject per missing column; one per line is what a person reads.
    """
    index = {str(p.path): i for i, p in enumerate(batch)}
    rows = con.execute(
        """
        SELECT s.file_path, e.line, arg_min(e.csv_line, coalesce(e.column_idx, -1)),
               arg_min(e.error_type, coalesce(e.column_idx, -1)),
               arg_min(e.error_message, coalesce(e.column_idx, -1))
        FROM csv_rejects e JOIN csv_reject_scans s USING (scan_id, file_id)
        GROUP BY s.file_path, e.line ORDER BY s.file_path, e.line
        """
    ).fetchall()
    return [(index[path], int(line), raw, str(t), msg) for path, line, raw, t, msg in rows]


def _add_lines(con: duckdb.DuckDBPyConnection, batch: list[_Pending], rejects: list[tuple]) -> None:
    """Create ``stage_lines``: the stage with each row's line number in its file.

    Also corrects, in place, the line numbers of ``rejects`` in files with quoted line breaks.

    A row's place in its file is its ``rowid`` less the file's first ``rowid`` (the scan keeps
    file order). When every record is one line (data.police.uk files), its line is that place
    plus the header plus the rejected lines before it; otherwise (quoted line breaks, blank
    lines) each record's first line is taken from Python's csv reader.
    """
    firsts = {
        fi: (first, n)
        for fi, first, n in con.execute(
            "SELECT file_index, min(rowid), count(*) FROM stage GROUP BY 1"
        ).fetchall()
    }
    gaps: list[tuple[int, int]] = []  # (file_index, place among good rows before the reject)
    irregular: list[tuple[int, int, int]] = []  # (file_index, place, line)
    for i, p in enumerate(batch):
        first, n_rows = firsts.get(i, (0, 0))
        file_rejects = [r[1] for r in rejects if r[0] == i]
        physical = p.info.newline_count + (0 if p.info.ends_with_newline else 1)
        if physical == 1 + n_rows + len(file_rejects):
            gaps += [(i, line - 2 - k) for k, line in enumerate(file_rejects)]
        else:
            # DuckDB's reject lines do not count line breaks inside quoted fields: take both the
            # good records' lines and the rejects' from Python's reader, by field count.
            records = _record_starts(p.path)
            ncols = len(p.info.header)
            bad = [ln for ln, n in records if n != ncols]
            positions = [j for j, r in enumerate(rejects) if r[0] == i]
            if len(bad) == len(positions):
                for j, ln in zip(positions, bad, strict=True):
                    rejects[j] = (i, ln, *rejects[j][2:])  # corrected in place for the caller
            kept = [ln for ln, n in records if n == ncols][:n_rows]
            irregular += [(i, place, line) for place, line in enumerate(kept, start=1)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_first AS SELECT file_index, min(rowid) AS first "
        "FROM stage GROUP BY 1"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reject_gaps AS SELECT unnest(?) AS file_index, "
        "unnest(?) AS g",
        [[g[0] for g in gaps], [g[1] for g in gaps]],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE irregular_lines AS SELECT unnest(?) AS file_index, "
        "unnest(?) AS place, unnest(?) AS line",
        [[x[0] for x in irregular], [x[1] for x in irregular], [x[2] for x in irregular]],
    )
    place = "(s.rowid - f.first + 1)"
    if not gaps and not irregular:
        line = f"{place} + 1"
    else:
        line = (
            f"coalesce((SELECT il.line FROM irregular_lines il WHERE il.file_index = s.file_index "
            f"AND il.place = {place}), {place} + 1 + (SELECT count(*) FROM reject_gaps r "
            f"WHERE r.file_index = s.file_index AND r.g < {place}))"
        )
    select = f"SELECT s.*, {line} AS line FROM stage s JOIN stage_first f USING (file_index)"
    if gaps or irregular:
        # Materialise the looked-up lines once: the inserts and the quarantine all read them.
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_lines_table AS {select}")
        select = "SELECT * FROM stage_lines_table"
    con.execute(f"CREATE OR REPLACE TEMP VIEW stage_lines AS {select}")


def _record_starts(path: Path) -> list[tuple[int, int]]:
    """(first line, number of fields) of each data record (rare path: multi-line or blank lines)."""
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    records = []
    prev_end = reader.line_num
    for row in reader:
        if row:
            records.append((prev_end + 1, len(row)))
        prev_end = reader.line_num
    return records


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    batch: list[_Pending],
    ids: list[int],
    rejects: list[tuple],
    detail: str = "NULL",
    bad_sql: str | None = None,
) -> None:
    """Write rejected rows (CSV structure errors and failed checks) to ``quarantine``.

    The failed rows are those of ``stage_lines`` with a reason (``detail``: the SQL of their
    sentence), or those ``bad_sql`` selects: (file_index, line, reason, detail).
    """
    if bad_sql is None:
        bad_sql = (
            f"SELECT file_index, line, reason, {detail} FROM stage_lines WHERE reason IS NOT NULL"
        )
    bad = con.execute(f"SELECT * FROM ({bad_sql}) ORDER BY 1, 2").fetchall()
    if not bad and not rejects:
        return
    lines_of: dict[int, list[bytes]] = {}

    def raw(i: int, line: int) -> str:
        if i not in lines_of:
            lines_of[i] = batch[i].path.read_bytes().split(b"\n")
        lines = lines_of[i]
        return lines[line - 1].rstrip(b"\r").decode("utf-8") if 0 < line <= len(lines) else ""

    cols: dict[str, list[Any]] = {k: [] for k in ("i", "line", "raw", "reason", "detail")}
    for i, line, raw_text, error_type, message in rejects:
        found = re.search(r"Found: (\d+)", str(message))
        ncols = len(batch[i].info.header)
        cols["i"].append(i)
        cols["line"].append(line)
        # DuckDB's copy of the line may carry the line break of a CRLF file.
        cols["raw"].append(raw_text.strip("\r\n") if raw_text is not None else raw(i, line))
        cols["reason"].append("csv_" + error_type.lower().replace(" ", "_"))
        cols["detail"].append(
            f"the row has {found[1]} columns where the header has {ncols}"
            if found
            else f"the row cannot be split into the header's {ncols} columns ({message})"
        )
    for i, line, reason, text in bad:
        cols["i"].append(i)
        cols["line"].append(int(line))
        cols["raw"].append(raw(i, int(line)))
        cols["reason"].append(reason)
        cols["detail"].append(text)
    table = pa.table(
        {
            "ingest_id": pa.array([ids[i] for i in cols["i"]], pa.int64()),
            "kind": pa.array([batch[i].info.kind for i in cols["i"]]),
            "file": pa.array([batch[i].file.name for i in cols["i"]]),
            "sha256": pa.array([batch[i].info.sha256 for i in cols["i"]]),
            "line": pa.array(cols["line"], pa.int64()),
            "raw": pa.array(cols["raw"], pa.string()),
            "reason": pa.array(cols["reason"]),
            "detail": pa.array(cols["detail"]),
        }
    )
    con.register("quarantine_new", table)
    try:
        con.execute("INSERT INTO quarantine SELECT * FROM quarantine_new")
    finally:
        con.unregister("quarantine_new")
