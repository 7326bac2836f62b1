"""Partitioned ingest of data.police.uk files into the warehouse.

The unit of replacement is the partition (kind, force, month). Each file is loaded in one
transaction that deletes the partitions it brings, inserts its rows, writes its quarantine rows
and its ``ingest_log`` row, and records itself as the owner of those partitions. Ingesting the
same bytes again changes nothing; a revised month replaces the old one.

Nothing is lost: for every file, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from saferplaces.errors import InputFileError
from saferplaces.sources.police_uk import (
    FileInfo,
    InputFile,
    Skipped,
    inspect_file,
    iter_input_files,
    stage_sql,
)
from saferplaces.workspace import Workspace

__all__ = ["FileResult", "IngestReport", "ingest_police_uk", "ingest_files"]

# Which warehouse tables a kind's partition lives in.
KIND_TABLES = {
    "street": ("crime", "asb"),
    "outcomes": ("outcome",),
    "stop-and-search": ("stop_search",),
}

_INSERTS = {
    "crime": """
        INSERT INTO crime (crime_id, month, force, reported_by, falls_within, longitude, latitude,
            location, lsoa_code, lsoa_name, crime_type, last_outcome_category, context, synthetic,
            ingest_id, line)
        SELECT crime_id, month_date, $force, reported_by, falls_within, longitude::DOUBLE,
            latitude::DOUBLE, location, lsoa_code, lsoa_name, crime_type, last_outcome_category,
            context, $synthetic, $ingest_id, line
        FROM stage_lines
        WHERE reason IS NULL AND NOT (crime_id IS NULL AND crime_type = 'Anti-social behaviour')
    """,
    "asb": """
        INSERT INTO asb (month, force, reported_by, falls_within, longitude, latitude, location,
            lsoa_code, lsoa_name, context, synthetic, ingest_id, line)
        SELECT month_date, $force, reported_by, falls_within, longitude::DOUBLE, latitude::DOUBLE,
            location, lsoa_code, lsoa_name, context, $synthetic, $ingest_id, line
        FROM stage_lines
        WHERE reason IS NULL AND crime_id IS NULL AND crime_type = 'Anti-social behaviour'
    """,
    "outcome": """
        INSERT INTO outcome (crime_id, month, force, reported_by, falls_within, longitude,
            latitude, location, lsoa_code, lsoa_name, outcome_type, synthetic, ingest_id, line)
        SELECT crime_id, month_date, $force, reported_by, falls_within, longitude::DOUBLE,
            latitude::DOUBLE, location, lsoa_code, lsoa_name, outcome_type, $synthetic,
            $ingest_id, line
        FROM stage_lines WHERE reason IS NULL
    """,
    "stop_search": """
        INSERT INTO stop_search (type, date, month, force, part_of_policing_operation,
            policing_operation, longitude, latitude, gender, age_range, self_defined_ethnicity,
            officer_defined_ethnicity, legislation, object_of_search, outcome,
            outcome_linked_to_object_of_search, removal_of_more_than_just_outer_clothing,
            synthetic, ingest_id, line)
        SELECT type, date::TIMESTAMPTZ, month_date, $force, part_of_a_policing_operation::BOOLEAN,
            policing_operation, longitude::DOUBLE, latitude::DOUBLE, gender, age_range,
            self_defined_ethnicity, officer_defined_ethnicity, legislation, object_of_search,
            outcome, outcome_linked_to_object_of_search::BOOLEAN,
            removal_of_more_than_just_outer_clothing::BOOLEAN, $synthetic, $ingest_id, line
        FROM stage_lines WHERE reason IS NULL
    """,
}


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    status: str  # loaded | unchanged | failed
    kind: str | None = None
    force: str | None = None
    months: list[str] = field(default_factory=list)
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    ingest_id: int | None = None


@dataclass
class IngestReport:
    """The outcome of one ``ingest police-uk`` call."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    placed: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "loaded": sum(f.status == "loaded" for f in self.files),
            "unchanged": sum(f.status == "unchanged" for f in self.files),
            "failed": len(self.failed),
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "files": [asdict(f) for f in self.files],
            "skipped": [asdict(s) for s in self.skipped],
            "placed": self.placed,
        }

    def print(self, console: Console, err_console: Console) -> None:
        """A table of files, then one line per problem on stderr."""
        table = Table(title="data.police.uk ingest", show_lines=False)
        for col in ("file", "kind", "months", "read", "loaded", "quarantined", "status"):
            table.add_column(
                col, justify="right" if col in ("read", "loaded", "quarantined") else "left"
            )
        for f in self.files:
            months = f"{f.months[0]}..{f.months[-1]}" if len(f.months) > 1 else "".join(f.months)
            table.add_row(
                Path(f.file.split("!")[-1]).name, f.kind or "", months, f"{f.rows_read:,}",
                f"{f.rows_loaded:,}", f"{f.rows_quarantined:,}", f.status,
            )  # fmt: skip
        console.print(table)
        t = self.totals()
        console.print(
            f"{t['files']} files: {t['loaded']} loaded, {t['unchanged']} unchanged, "
            f"{t['failed']} failed. Rows: {t['rows_read']:,} read = {t['rows_loaded']:,} loaded "
            f"+ {t['rows_quarantined']:,} quarantined."
        )
        if t["rows_quarantined"]:
            console.print("See the quarantined rows with `saferplaces quarantine show`.")
        for s in self.skipped:
            (err_console if s.error else console).print(
                f"skipped {s.name}: {s.why}", highlight=False
            )
        for f in self.failed:
            err_console.print(f"[bold red]error:[/] {f.message}", highlight=False, soft_wrap=True)


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
) -> IngestReport:
    """Ingest into an open warehouse connection (see :func:`ingest_police_uk`)."""
    report = IngestReport()
    items = list(iter_input_files(paths))
    inputs = [i for i in items if isinstance(i, InputFile)]
    report.skipped = [i for i in items if isinstance(i, Skipped)]
    for e in items:
        if isinstance(e, InputFileError):
            report.files.append(_failed(con, e))
    total = sum(i.size for i in inputs)
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
        task = bar.add_task("", total=total)
        for f in inputs:
            bar.update(task, description=Path(f.name.split("!")[-1]).name)
            try:
                with f.local_path(Path(tmp)) as path:
                    report.files.append(_ingest_one(con, f, path, force))
            except InputFileError as e:
                report.files.append(_failed(con, e))
            bar.advance(task, f.size)
    return report


def _failed(con: duckdb.DuckDBPyConnection, e: InputFileError) -> FileResult:
    ingest_id = _next_id(con)
    con.execute(
        "INSERT INTO ingest_log (ingest_id, ingested_at, file, status, message) "
        "VALUES (?, ?, ?, 'failed', ?)",
        [ingest_id, datetime.now(), e.file, str(e)],
    )
    return FileResult(file=e.file, status="failed", message=str(e), ingest_id=ingest_id)


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT nextval('ingest_id_seq')").fetchone()
    assert row is not None
    return int(row[0])


def _is_unchanged(con: duckdb.DuckDBPyConnection, info: FileInfo) -> bool:
    """The same bytes were loaded before and still own every partition they brought."""
    row = con.execute(
        """
        SELECT l.ingest_id, l.months FROM ingest_log l
        WHERE l.sha256 = ? AND l.kind = ? AND l.force = ? AND l.status = 'loaded'
        ORDER BY l.ingest_id DESC LIMIT 1
        """,
        [info.sha256, info.kind, info.force],
    ).fetchone()
    if row is None:
        return False
    months = row[1] or []
    if not months:
        return True
    owned = con.execute(
        """
        SELECT count(*) FROM partition
        WHERE kind = ? AND force = ? AND sha256 = ?
          AND strftime(month, '%Y-%m') IN (SELECT unnest(?))
        """,
        [info.kind, info.force, info.sha256, months],
    ).fetchone()
    return owned is not None and owned[0] == len(months)


def _ingest_one(
    con: duckdb.DuckDBPyConnection, f: InputFile, path: Path, force: str | None
) -> FileResult:
    info = inspect_file(f, path, force)
    result = FileResult(
        file=f.name, status="loaded", kind=info.kind, force=info.force, sha256=info.sha256
    )
    if _is_unchanged(con, info):
        result.status = "unchanged"
        result.message = "the same file was loaded before; nothing changed"
        result.ingest_id = _next_id(con)
        con.execute(
            "INSERT INTO ingest_log (ingest_id, ingested_at, kind, file, sha256, size_bytes, "
            "force, "
            "status, message) VALUES (?, ?, ?, ?, ?, ?, ?, 'unchanged', ?)",
            [result.ingest_id, datetime.now(), info.kind, f.name, info.sha256, f.size, info.force,
             result.message],
        )  # fmt: skip
        return result

    # Read and check every row in DuckDB.
    sql, _ = stage_sql(info.kind, info.header)
    try:
        # DuckDB appends to its rejects tables on every scan; start each file afresh.
        con.execute("DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_reject_scans")
        con.execute(sql, [str(path)])
    except duckdb.Error as e:
        raise InputFileError(f.name, f"cannot be read as CSV ({str(e).splitlines()[0]})") from None
    # DuckDB records one reject per missing column; one per line is what a person reads.
    rejects = con.execute(
        """
        SELECT line, arg_min(csv_line, column_idx), arg_min(error_type, column_idx),
               arg_min(error_message, column_idx)
        FROM csv_rejects GROUP BY line ORDER BY line
        """
    ).fetchall()
    _add_lines(con, info, rejects)

    ingest_id = _next_id(con)
    result.ingest_id = ingest_id
    # A data.police.uk file is one partition, named for its month, even when a few rows fall
    # in the month before (stop and search near midnight); a file without that name brings one
    # partition per month found in its rows.
    if info.month is not None:
        months = [info.month]
    else:
        months = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT strftime(month_date, '%Y-%m') m FROM stage "
                "WHERE reason IS NULL ORDER BY m"
            ).fetchall()
        ]
    result.months = months
    params = {
        "force": info.force,
        "synthetic": "synthetic" in f.name.lower(),
        "ingest_id": ingest_id,
    }

    # One transaction: replace the partitions, insert rows, quarantine, log, ownership.
    con.begin()
    try:
        _delete_partitions(con, info, months)
        loaded = 0
        for table in KIND_TABLES[info.kind]:
            loaded += _count(con.execute(_INSERTS[table], params))
        quarantined = _quarantine(con, f, info, ingest_id, rejects)
        result.rows_loaded = loaded
        result.rows_quarantined = quarantined
        result.rows_read = loaded + quarantined
        stage_rows = _scalar(con, "SELECT count(*) FROM stage")
        # Nothing is lost: every row DuckDB saw is loaded or quarantined.
        if stage_rows + len(rejects) != result.rows_read:
            raise AssertionError(
                f"{f.name}: read {stage_rows + len(rejects)} rows "
                f"but accounted for {result.rows_read}"
            )
        con.execute(
            "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', NULL, ?)",
            [ingest_id, datetime.now(), info.kind, f.name, info.sha256, f.size, info.force, months,
             result.rows_read, loaded, quarantined, params["synthetic"]],
        )  # fmt: skip
        if info.month is not None:
            con.execute(
                "INSERT OR REPLACE INTO partition "
                "VALUES (?, ?, strptime(?, '%Y-%m')::DATE, ?, ?, ?)",
                [info.kind, info.force, info.month, ingest_id, info.sha256, loaded],
            )
        else:
            con.execute(
                "INSERT OR REPLACE INTO partition SELECT ?, ?, month_date, ?, ?, count(*) "
                "FROM stage WHERE reason IS NULL GROUP BY month_date",
                [info.kind, info.force, ingest_id, info.sha256],
            )
        _mark_superseded(con)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return result


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _delete_partitions(con: duckdb.DuckDBPyConnection, info: FileInfo, months: list[str]) -> None:
    """Delete the rows of the partitions this file replaces, found through their owner ingest.

    An owner that holds one partition (every file named as data.police.uk names them) loses all
    its rows; an owner that holds several (a file without such a name) loses that month's rows.
    """
    owners = con.execute(
        """
        SELECT p.ingest_id, strptime(p.month::VARCHAR, '%Y-%m-%d')::DATE,
               (SELECT count(*) FROM partition q WHERE q.ingest_id = p.ingest_id) AS held
        FROM partition p
        WHERE p.kind = ? AND p.force = ? AND strftime(p.month, '%Y-%m') IN (SELECT unnest(?))
        """,
        [info.kind, info.force, months],
    ).fetchall()
    for owner, month, held in owners:
        for table in KIND_TABLES[info.kind]:
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


def _add_lines(con: duckdb.DuckDBPyConnection, info: FileInfo, rejects: list[tuple]) -> None:
    """Create ``stage_lines``: the stage with each row's line number in its file.

    DuckDB numbers rows, not lines. When every record is one line (data.police.uk files), a row's
    line is its number plus the header plus the rejected lines before it; otherwise (quoted line
    breaks, blank lines) the line of each record is taken from Python's csv reader.
    """
    n_rows = _scalar(con, "SELECT count(*) FROM stage")
    physical = info.newline_count + (0 if info.data.endswith(b"\n") else 1)
    if physical == 1 + n_rows + len(rejects):
        if not rejects:
            con.execute(
                "CREATE OR REPLACE TEMP VIEW stage_lines AS SELECT *, rn + 1 AS line FROM stage"
            )
            return
        # Good row k follows the rejects whose position among good rows is below k.
        gaps = [int(line) - 2 - i for i, (line, *_rest) in enumerate(rejects)]
        con.execute("CREATE OR REPLACE TEMP TABLE reject_gaps AS SELECT unnest(?) AS g", [gaps])
        con.execute(
            """
            CREATE OR REPLACE TEMP VIEW stage_lines AS
            SELECT s.*, s.rn + 1 + (SELECT count(*) FROM reject_gaps WHERE g < s.rn) AS line
            FROM stage s
            """
        )
        return
    starts = _record_start_lines(info.data)
    rejected = {int(r[0]) for r in rejects}
    kept = [ln for ln in starts if ln not in rejected][:n_rows]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE line_map AS SELECT unnest(?) AS line, "
        "generate_subscripts(?, 1) AS rn",
        [kept, kept],
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW stage_lines AS "
        "SELECT s.*, m.line FROM stage s JOIN line_map m USING (rn)"
    )


def _record_start_lines(data: bytes) -> list[int]:
    """Line number on which each data record starts (rare path: multi-line or blank lines)."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    starts = []
    prev_end = reader.line_num
    for row in reader:
        if row:
            starts.append(prev_end + 1)
        prev_end = reader.line_num
    return starts


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    f: InputFile,
    info: FileInfo,
    ingest_id: int,
    rejects: list[tuple],
) -> int:
    """Write rejected rows (CSV structure errors and failed checks) to ``quarantine``."""
    bad = con.execute(
        "SELECT line, reason, detail FROM stage_lines WHERE reason IS NOT NULL ORDER BY line"
    ).fetchall()
    if not bad and not rejects:
        return 0
    lines = info.data.split(b"\n")

    def raw(line: int) -> str:
        return lines[line - 1].rstrip(b"\r").decode("utf-8") if 0 < line <= len(lines) else ""

    rows_line: list[int] = []
    rows_raw: list[str] = []
    rows_reason: list[str] = []
    rows_detail: list[str] = []
    for line, csv_line, error_type, message in rejects:
        rows_line.append(int(line))
        rows_raw.append(csv_line if csv_line is not None else raw(int(line)))
        rows_reason.append("csv_" + str(error_type).lower().replace(" ", "_"))
        found = re.search(r"Found: (\d+)", str(message))
        rows_detail.append(
            f"the row has {found[1]} columns where the header has {len(info.header)}"
            if found
            else f"the row cannot be split into the header's {len(info.header)} columns ({message})"
        )
    for line, reason, detail in bad:
        rows_line.append(int(line))
        rows_raw.append(raw(int(line)))
        rows_reason.append(reason)
        rows_detail.append(detail)
    n = len(rows_line)
    table = pa.table(
        {
            "ingest_id": pa.array([ingest_id] * n, pa.int64()),
            "kind": pa.array([info.kind] * n),
            "file": pa.array([f.name] * n),
            "sha256": pa.array([info.sha256] * n),
            "line": pa.array(rows_line, pa.int64()),
            "raw": pa.array(rows_raw),
            "reason": pa.array(rows_reason),
            "detail": pa.array(rows_detail),
        }
    )
    con.register("quarantine_new", table)
    try:
        con.execute("INSERT INTO quarantine SELECT * FROM quarantine_new")
    finally:
        con.unregister("quarantine_new")
    return n
