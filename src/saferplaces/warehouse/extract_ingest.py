"""Ingest of force extracts and partner data, with the data.police.uk ingest's guarantees.

A force extract (``offences.csv``, ``people.csv``, ``involvements.csv``, ``extract.toml``; see
``docs/formats/extract-v1.md``) is loaded in two transactions: rows appended, then settled
(lines, checks among rows, quarantine, replacement, the extract's row, which makes them visible);
an ingest that stops between them leaves nothing (:func:`schema.discard_unfinished`). Its unit
of replacement is
(extract, force, month) for every month of its period: a newer extract of the same force takes
those months from older ones (their offences and involvements in those months go); an extract
left with no month is superseded and all its rows, people and quarantine go. Loading the same
bytes again changes nothing.

A partner file (``docs/formats/partner-v1.md``) replaces (kind, source, month) for the event kinds
``da_service`` and ``marac``, and the whole (kind, source) for the snapshot kind ``ce_cohort``.

Nothing is lost: for every file, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd
from pyproj import Transformer

from saferplaces.errors import InputFileError, SaferplacesError
from saferplaces.periods import Period
from saferplaces.sources import csv_checks as cc
from saferplaces.sources import extract as ex
from saferplaces.sources.partner import PARTNER_KINDS
from saferplaces.sources.police_uk import ZIP_ERRORS, Skipped
from saferplaces.warehouse.ingest import (
    _first_line,
    _fresh_rejects,
    _is_unchanged,
    _mark_superseded,
    _next_id,
    _Pending,
    _scalar,
    _unchanged,
)
from saferplaces.warehouse.report import FileResult
from saferplaces.warehouse.schema import (
    EXTRACT_ROWS,
    INTERRUPTED,
    discard_unfinished,
    rollback,
)
from saferplaces.warehouse.staged import (
    Appended,
    LoadReport,
    PostCheck,
    append_file,
    checked_file,
    failed,
    load_file,
    number_lines,
    repeated,
    settle_file,
)
from saferplaces.warehouse.staged import log_loaded as _log
from saferplaces.workspace import Workspace

__all__ = ["ingest_extract", "ingest_partner", "load_extract", "load_partner"]

_PARTITION_KIND = "extract"


def ingest_extract(
    ws: Workspace, directory: Path, force: str | None = None, period: str | None = None
) -> LoadReport:
    """Ingest a force extract folder into the workspace warehouse and place its offences.

    Parameters
    ----------
    ws : Workspace
    directory : Path
        The extract folder: ``offences.csv`` and optionally ``people.csv``,
        ``involvements.csv`` and ``extract.toml``; or a ``.zip`` archive holding them (at its
        top or in one folder).
    force : str, optional
        The force, when ``extract.toml`` does not say (default: the workspace's police force).
    period : str, optional
        ``YYYY-MM..YYYY-MM`` when ``extract.toml`` does not say (default: the months of the
        offences' recorded dates).

    Returns
    -------
    LoadReport
        One :class:`FileResult` per file; ``failed`` lists files that could not be loaded.
    """
    con = ws.connect()
    try:
        report = load_extract(
            con, directory, force or ws.settings.area.police_force, period, ws.settings.markers
        )
        ids = [f.ingest_id for f in report.files if f.status == "loaded" and f.kind and
               f.kind.endswith("offences") and f.ingest_id is not None]  # fmt: skip
        if ids:
            from saferplaces.geo.resolve import resolve_places

            report.placed = resolve_places(con, ws.settings, tables=("offence",), ingest_ids=ids)
    finally:
        con.close()
    return report


def load_extract(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    force: str | None = None,
    period: str | None = None,
    markers: dict[str, dict[str, str]] | None = None,
    shown_as: str | None = None,
) -> LoadReport:
    """Ingest an extract into an open warehouse connection (see :func:`ingest_extract`).

    ``markers`` is ``saferplaces.toml``'s ``[markers]``: force slug -> local code -> marker.
    ``shown_as`` names the folder in logs and messages (``archive.zip!folder`` when the folder
    is an archive's, unpacked elsewhere).
    """
    report = LoadReport(title="force extract ingest")
    directory = Path(directory)
    if directory.is_file() and directory.suffix.lower() == ".zip":
        return _load_zip(con, directory, force, period, markers)
    if not directory.is_dir():
        why = (
            "is not a folder or a .zip archive; an extract is a folder holding offences.csv "
            "(extract format v1)"
        )
        report.files.append(failed(con, str(directory), why))
        return report

    def label(path: Path | str) -> str:
        if not shown_as:
            return str(path)
        rest = str(path)[len(str(directory)) :].lstrip("/\\")
        if not rest:
            return shown_as.rstrip("!")
        return shown_as + ("" if shown_as.endswith("!") else "/") + rest

    try:
        manifest = ex.read_manifest(directory, force, period)
    except InputFileError as e:
        report.files.append(failed(con, label(e.file), e.problem))
        return report
    mapping = ex.marker_map(markers or {}, manifest.force)
    known = {*ex.EXTRACT_FILES, ex.MANIFEST}
    report.skipped = [Skipped(label(p), "not part of an extract (format v1)", error=False)
                      for p in sorted(directory.iterdir())
                      if p.name not in known and not p.name.startswith(".")]  # fmt: skip

    # Whole-file checks. Involvements need people, and everything needs offences.
    pending: dict[str, _Pending] = {}
    problems: dict[str, str] = {}
    for name in ex.EXTRACT_FILES:
        path = directory / name
        if not path.exists() and not _FILES_REQUIRED[name]:
            continue
        try:
            pending[name] = checked_file(
                path, ex.SPECS[name], manifest.force, manifest.synthetic, label(path)
            )
        except InputFileError as e:
            problems[name] = e.problem
    if "offences.csv" in problems:
        for name in pending:
            problems[name] = "not loaded: the extract's offences.csv cannot be read"
        pending.clear()
    if "involvements.csv" in pending and "people.csv" not in pending:
        del pending["involvements.csv"]
        problems["involvements.csv"] = "not loaded: it needs the extract's people.csv, which " + (
            "cannot be read" if "people.csv" in problems else "is missing"
        )
    for name in ex.EXTRACT_FILES:
        if name in problems:
            report.files.append(failed(con, label(directory / name), problems[name]))
    if not pending:
        return report

    digest = _digest(directory, pending, complete=not problems)
    if _extract_unchanged(con, digest, manifest.force):
        report.files += [_unchanged(con, p.file, p.info) for p in pending.values()]
        return report
    # Two transactions. The first appends the rows that pass their checks, logged as
    # 'loading' and seen by no view (the views join the extract's row, written by the second).
    # The second numbers and cross-checks them, quarantines, takes the months and writes the
    # bookkeeping. Numbering rows in the transaction that appended them would make DuckDB write
    # every appended row a second time. If the second fails, the first's rows go; if the process
    # dies between them, the next writable connection removes them (schema.discard_unfinished).
    settling = False
    try:
        con.begin()
        try:
            loading = _append_extract(con, manifest, mapping, pending)
            con.commit()
        except BaseException:
            rollback(con)
            raise
        settling = True
        con.begin()
        try:
            results = _settle_extract(con, label(directory), manifest, loading, digest)
            con.commit()
        except BaseException as e:
            rollback(con)
            _discard(con, loading, logged_below=isinstance(e, (duckdb.Error, AssertionError)))
            raise
    except (duckdb.Error, AssertionError) as e:
        # AssertionError: the count check (rows read = loaded + quarantined) failed
        why = (
            f"not loaded: the warehouse could not store the extract ({_first_line(e)}); "
            "nothing of it was kept"
            if settling or isinstance(e, AssertionError)
            else f"cannot be read ({_first_line(e)})"
        )
        results = [failed(con, p.file.name, why) for p in pending.values()]
    report.files += results
    report.files.sort(key=lambda f: ex.EXTRACT_FILES.index(Path(f.file.split("!")[-1]).name))
    return report


def _load_zip(
    con: duckdb.DuckDBPyConnection,
    archive: Path,
    force: str | None,
    period: str | None,
    markers: dict[str, dict[str, str]] | None,
) -> LoadReport:
    """An extract sent as a .zip: its folder unpacked to a temporary folder, then loaded.

    Only the extract's own files are unpacked. Logs and messages name them
    ``archive.zip!folder/offences.csv``, as data.police.uk archives' files are named.
    """
    report = LoadReport(title="force extract ingest")
    with tempfile.TemporaryDirectory(prefix="saferplaces-extract-") as tmp:
        try:
            with zipfile.ZipFile(archive) as z:
                names = [n for n in z.namelist() if not n.startswith("__MACOSX/")]
                folders = sorted({str(PurePosixPath(n).parent) for n in names
                                  if PurePosixPath(n).name == "offences.csv"})  # fmt: skip
                if len(folders) == 1:
                    prefix = "" if folders[0] == "." else folders[0] + "/"
                    wanted = {prefix + f for f in (*ex.EXTRACT_FILES, ex.MANIFEST)}
                    z.extractall(tmp, members=[n for n in names if n in wanted])
        except ZIP_ERRORS as e:
            report.files.append(failed(con, str(archive), f"is not a readable zip archive ({e})"))
            return report
        if len(folders) != 1:
            why = (
                "holds no offences.csv; an extract archive holds offences.csv, people.csv, "
                "involvements.csv and extract.toml, at its top or in one folder"
                if not folders
                else f"holds {len(folders)} extracts ({', '.join(folders)}); send one per archive"
            )
            report.files.append(failed(con, str(archive), why))
            return report
        shown = f"{archive}!{prefix.rstrip('/')}"  # archive.zip! or archive.zip!folder
        return load_extract(con, Path(tmp) / prefix, force, period, markers, shown_as=shown)


_FILES_REQUIRED = {name: f["required"] for name, f in ex._FORMAT["files"].items()}


def _digest(directory: Path, pending: dict[str, _Pending], complete: bool) -> str:
    """sha256 over the manifest and the files; never matches when a file failed."""
    h = hashlib.sha256()
    manifest = directory / ex.MANIFEST
    h.update(manifest.read_bytes() if manifest.is_file() else b"")
    for name, p in sorted(pending.items()):
        h.update(f"\n{name}:{p.info.sha256}".encode())
    return h.hexdigest() if complete else "partial:" + h.hexdigest()


def _extract_unchanged(con: duckdb.DuckDBPyConnection, digest: str, force: str) -> bool:
    """The same extract was loaded before and still owns every month of its period."""
    row = con.execute(
        "SELECT ingest_id, date_diff('month', period_start, period_end) + 1 FROM extract "
        "WHERE digest = ? AND force = ? AND status = 'loaded' ORDER BY ingest_id DESC LIMIT 1",
        [digest, force],
    ).fetchone()
    if row is None:
        return False
    owned = _scalar(
        con,
        "SELECT count(*) FROM partition WHERE kind = ? AND ingest_id = ?",
        [_PARTITION_KIND, row[0]],
    )
    return owned == row[1]


def _literals(**values: object) -> dict[str, str]:
    """Columns every row of a file shares, as SQL literals."""
    out = {}
    for k, v in values.items():
        out[k] = cc.sql_str(v) if isinstance(v, str) else str(v).lower()
    return out


def _unique(col: str) -> PostCheck:
    return repeated(
        f"{col}_duplicate",
        (col,),
        f"'{col} ' || {cc.shown(col)} || ' is on an earlier line of the file too; the first is "
        "loaded'",
    )


@dataclass
class _Loading:
    """What the first transaction appended, for the second to settle."""

    period: Period | None
    appended: dict[str, Appended]  # by file name
    not_loaded: dict[str, str]  # file name -> as shown: files left out, the extract owns no month


def _discard(con: duckdb.DuckDBPyConnection, loading: _Loading, logged_below: bool) -> None:
    """The second transaction failed: the first's rows go (its log rows too when the caller
    logs the failure, else they say the ingest stopped). If even that fails, the next writable
    connection does it (:func:`schema.discard_unfinished`)."""
    ids = [a.ingest_id for a in loading.appended.values()]
    with contextlib.suppress(duckdb.Error):
        discard_unfinished(con, ids, message=None if logged_below else INTERRUPTED)
        for a in loading.appended.values():
            con.execute(f"DROP TABLE IF EXISTS {a.bad}")


def _append_extract(
    con: duckdb.DuckDBPyConnection,
    m: ex.ExtractManifest,
    mapping: dict[str, str],
    pending: dict[str, _Pending],
) -> _Loading:
    """First transaction: each file's passing rows appended, and logged as 'loading'."""
    checks = ex.offence_checks(m.period, mapping, m.force)
    period = m.period or _period_of_rows(con, pending["offences.csv"], checks)
    # No month to own: the extract has no row, and people and involvements nothing to join.
    names = list(pending) if period is not None else ["offences.csv"]
    ids = {name: _next_id(con) for name in names}
    for name in names:
        con.execute(
            "INSERT INTO ingest_log (ingest_id, ingested_at, kind, file, force, status, message) "
            "VALUES (?, ?, ?, ?, ?, 'loading', 'appended; checks among rows not yet run')",
            [ids[name], datetime.now(), pending[name].info.kind, pending[name].file.name, m.force],
        )
    tables = {"offences.csv": "extract_offence", "people.csv": "extract_person",
              "involvements.csv": "extract_involvement"}  # fmt: skip
    columns = {
        "offences.csv": ex.offence_columns(mapping),
        "people.csv": ex.person_columns(),
        "involvements.csv": ex.involvement_columns(),
    }
    all_checks = {
        "offences.csv": checks,
        "people.csv": ex.person_checks(),
        "involvements.csv": ex.involvement_checks(),
    }
    appended = {}
    for name in names:
        cols = {**columns[name], **_literals(ingest_id=ids[name])}
        appended[name] = append_file(
            con, pending[name], ids[name], ex.SPECS[name], all_checks[name], tables[name], cols
        )
    return _Loading(
        period, appended, {n: p.file.name for n, p in pending.items() if n not in names}
    )


def _settle_extract(
    con: duckdb.DuckDBPyConnection,
    folder: str,
    m: ex.ExtractManifest,
    loading: _Loading,
    digest: str,
) -> list[FileResult]:
    """Second transaction: lines, checks among rows, quarantine, months, logs, the extract row."""
    period, appended = loading.period, loading.appended
    months = [d.strftime("%Y-%m") for d in period.month_starts()] if period else []
    ids = {name: a.ingest_id for name, a in appended.items()}
    for a in appended.values():
        number_lines(con, a)
    _take_months(con, m.force, months)
    results: dict[str, FileResult] = {}
    results["offences.csv"] = settle_file(
        con, appended["offences.csv"], post=(_unique("offence_id"),)
    )
    _grid_to_lonlat(con, ids["offences.csv"])
    results["offences.csv"].months = months
    if "people.csv" in appended:
        results["people.csv"] = settle_file(
            con, appended["people.csv"], post=(_unique("person_id"),)
        )
    if "involvements.csv" in appended:
        off, ppl = ids["offences.csv"], ids["people.csv"]
        post = (
            PostCheck(
                "offence_missing",
                "offence_id NOT IN (SELECT offence_id FROM extract_offence "
                f"WHERE ingest_id = {off})",
                "'offence_id ' || " + cc.shown("offence_id") + " || ' is not an offence of this "
                "extract (not in offences.csv, or quarantined there)'",
            ),
            PostCheck(
                "person_missing",
                f"person_id NOT IN (SELECT person_id FROM extract_person WHERE ingest_id = {ppl})",
                "'person_id ' || " + cc.shown("person_id") + " || ' is not a person of this "
                "extract (not in people.csv, or quarantined there)'",
            ),
            repeated(
                "involvement_duplicate",
                ("offence_id", "person_id", "role"),
                "'the same offence_id, person_id and role are on an earlier line of the file "
                "too; the first is loaded'",
            ),
        )
        results["involvements.csv"] = settle_file(con, appended["involvements.csv"], post=post)
    why = (
        "not loaded: no offence of the extract passed its checks and extract.toml gives no "
        "period, so the extract covers no month"
    )
    results |= {n: failed(con, shown, why) for n, shown in loading.not_loaded.items()}

    # Bookkeeping: logs, the months this extract owns, its row, what it superseded.
    con.execute(
        "DELETE FROM ingest_log WHERE status = 'loading' AND ingest_id IN (SELECT unnest(?))",
        [list(ids.values())],
    )
    for name, a in appended.items():
        _log(con, a.p, results[name], m.synthetic)
    con.execute(
        "INSERT OR REPLACE INTO partition SELECT ?, ?, strptime(m, '%Y-%m')::DATE, ?, ?, "
        "(SELECT count(*) FROM extract_offence WHERE ingest_id = ? "
        " AND month = strptime(m, '%Y-%m')::DATE) FROM unnest(?::VARCHAR[]) t(m)",
        [_PARTITION_KIND, m.force, ids["offences.csv"], digest, ids["offences.csv"], months],
    )
    if period is not None:
        con.execute(
            "INSERT INTO extract VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded')",
            [ids["offences.csv"], ids.get("people.csv"), ids.get("involvements.csv"),
             m.extract_id, m.force, period.start, period.end, m.synthetic, digest,
             folder, datetime.now()],
        )  # fmt: skip
    _supersede_extracts(con)
    return list(results.values())


def _period_of_rows(
    con: duckdb.DuckDBPyConnection, p: _Pending, checks: list[cc.Check]
) -> Period | None:
    """First..last month of the recorded dates that pass their checks (no period declared)."""
    scan = cc.scan_sql(ex.SPECS["offences.csv"], p.info.header, checks)
    _fresh_rejects(con)
    row = con.execute(
        "SELECT min(recorded_date::DATE), max(recorded_date::DATE) "
        f"FROM ({scan}) WHERE reason IS NULL",
        [[str(p.path)]],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    first, last = row
    return Period(date(first.year, first.month, 1), date(last.year, last.month, 1))


def _take_months(con: duckdb.DuckDBPyConnection, force: str, months: list[str]) -> None:
    """Delete the offences and involvements older extracts hold in these months."""
    owners = con.execute(
        "SELECT p.ingest_id, list(p.month), any_value(e.involvements_ingest_id) FROM partition p "
        "LEFT JOIN extract e USING (ingest_id) WHERE p.kind = ? AND p.force = ? "
        "AND strftime(p.month, '%Y-%m') IN (SELECT unnest(?::VARCHAR[])) GROUP BY p.ingest_id",
        [_PARTITION_KIND, force, months],
    ).fetchall()
    for owner, owned, involvements in owners:
        # An involvement's month is its offence's: those go first, while the offences are there.
        con.execute(
            "DELETE FROM extract_involvement WHERE ingest_id = ? AND offence_id IN (SELECT "
            "offence_id FROM extract_offence WHERE ingest_id = ? AND month IN (SELECT unnest(?)))",
            [involvements, owner, owned],
        )
        con.execute(
            "DELETE FROM extract_offence WHERE ingest_id = ? AND month IN (SELECT unnest(?))",
            [owner, owned],
        )


def _supersede_extracts(con: duckdb.DuckDBPyConnection) -> None:
    """Extracts that own no month any more: superseded, with all their rows and quarantine."""
    gone = con.execute(
        "SELECT ingest_id, people_ingest_id, involvements_ingest_id FROM extract "
        "WHERE status = 'loaded' AND ingest_id NOT IN "
        "(SELECT ingest_id FROM partition WHERE kind = ?)",
        [_PARTITION_KIND],
    ).fetchall()
    for ids in gone:
        own = [i for i in ids if i is not None]
        for table in (*EXTRACT_ROWS.values(), "quarantine"):
            con.execute(f"DELETE FROM {table} WHERE ingest_id IN (SELECT unnest(?))", [own])
        con.execute("UPDATE ingest_log SET status = 'superseded' WHERE ingest_id IN "
                    "(SELECT unnest(?))", [own])  # fmt: skip
        con.execute("UPDATE extract SET status = 'superseded' WHERE ingest_id = ?", [ids[0]])


_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _grid_to_lonlat(con: duckdb.DuckDBPyConnection, ingest_id: int) -> None:
    """Longitude and latitude from easting and northing where only the grid was given."""
    rows = con.execute(
        "SELECT rowid AS rid, easting, northing FROM extract_offence WHERE ingest_id = ? "
        "AND longitude IS NULL AND easting IS NOT NULL",
        [ingest_id],
    ).fetchdf()
    if rows.empty:
        return
    lon, lat = _TO_WGS84.transform(rows["easting"].to_numpy(), rows["northing"].to_numpy())
    con.register("_grid", pd.DataFrame({"rid": rows["rid"], "lon": lon, "lat": lat}))
    try:
        con.execute("UPDATE extract_offence SET longitude = g.lon, latitude = g.lat FROM _grid g "
                    "WHERE extract_offence.rowid = g.rid")  # fmt: skip
    finally:
        con.unregister("_grid")


# --- Partner data -------------------------------------------------------------------------------


def ingest_partner(ws: Workspace, kind: str, path: Path, source: str | None = None) -> LoadReport:
    """Ingest one partner file (``da_service``, ``marac`` or ``ce_cohort``) into the warehouse.

    Parameters
    ----------
    ws : Workspace
    kind : str
        ``da_service``, ``marac`` or ``ce_cohort``.
    path : Path
        The CSV file (docs/formats/partner-v1.md).
    source : str, optional
        Who sent it, when a partnership has several sources of one kind (default: the kind).
        A file replaces the same kind and source: by month for da_service and marac, whole for
        ce_cohort.
    """
    con = ws.connect()
    try:
        return load_partner(con, kind, path, source)
    finally:
        con.close()


def load_partner(
    con: duckdb.DuckDBPyConnection, kind: str, path: Path, source: str | None = None
) -> LoadReport:
    """Ingest a partner file into an open warehouse connection (see :func:`ingest_partner`)."""
    if kind not in PARTNER_KINDS:
        raise SaferplacesError(
            f"partner data kind '{kind}' is not one of {', '.join(PARTNER_KINDS)}"
        )
    k = PARTNER_KINDS[kind]
    source = source or kind
    report = LoadReport(title=f"partner ingest: {kind} from {source}")
    path = Path(path)
    synthetic = "synthetic" in path.name.lower()
    try:
        p = checked_file(path, k.spec, source, synthetic)
    except InputFileError as e:
        report.files.append(failed(con, e.file, e.problem))
        return report
    if _is_unchanged(con, p.info):
        report.files.append(_unchanged(con, p.file, p.info))
        return report
    con.begin()
    try:
        report.files.append(_load_partner(con, p, kind, source, synthetic))
        con.commit()
    except (duckdb.Error, AssertionError) as e:  # AssertionError: the count check failed
        con.rollback()
        report.files.append(failed(con, p.file.name, f"cannot be read ({_first_line(e)})"))
    except BaseException:
        con.rollback()
        raise
    return report


def _load_partner(
    con: duckdb.DuckDBPyConnection, p: _Pending, kind: str, source: str, synthetic: bool
) -> FileResult:
    k = PARTNER_KINDS[kind]
    ingest_id = _next_id(con)
    # A snapshot replaces its source whole; event kinds replace the months their rows bring,
    # known only after the checks: load, then delete the older owners' rows in those months.
    if k.month is None:
        _supersede_snapshot(con, kind, source, k.table)
    cols = {**k.columns, **_literals(source=source, synthetic=synthetic, ingest_id=ingest_id)}
    post = (_unique(k.unique),) if k.unique else ()
    r = load_file(con, p, ingest_id, k.spec, k.checks, k.table, cols, post=post)
    if k.month is not None:
        r.months = [
            m for (m,) in con.execute(
                f"SELECT DISTINCT strftime(month, '%Y-%m') m FROM {k.table} WHERE ingest_id = ? "
                "ORDER BY m", [ingest_id],
            ).fetchall()
        ]  # fmt: skip
        con.execute(
            f"DELETE FROM {k.table} t USING partition p WHERE p.kind = ? AND p.force = ? "
            "AND t.ingest_id = p.ingest_id AND t.month = p.month "
            "AND strftime(p.month, '%Y-%m') IN (SELECT unnest(?::VARCHAR[]))",
            [kind, source, r.months],
        )
        con.execute(
            "INSERT OR REPLACE INTO partition SELECT ?, ?, month, ?, ?, count(*) "
            f"FROM {k.table} WHERE ingest_id = ? GROUP BY month",
            [kind, source, ingest_id, p.info.sha256, ingest_id],
        )
    _log(con, p, r, synthetic)
    _mark_superseded(con)
    return r


def _supersede_snapshot(con: duckdb.DuckDBPyConnection, kind: str, source: str, table: str) -> None:
    """Remove the current snapshot of (kind, source): its rows, quarantine, and log status."""
    con.execute(f"DELETE FROM {table} WHERE source = ?", [source])
    con.execute(
        "DELETE FROM quarantine WHERE ingest_id IN (SELECT ingest_id FROM ingest_log "
        "WHERE kind = ? AND force = ? AND status = 'loaded')",
        [kind, source],
    )
    con.execute(
        "UPDATE ingest_log SET status = 'superseded' WHERE kind = ? AND force = ? "
        "AND status = 'loaded'",
        [kind, source],
    )
