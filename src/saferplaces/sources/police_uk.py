"""data.police.uk files: street, outcomes and stop-and-search CSVs.

Files are found in single paths, ``YYYY-MM/`` folders of the custom download and ``.zip``
archives of either. Each file is recognised by its header, checked as a whole (not empty, UTF-8,
not truncated) and then read by DuckDB's CSV reader as text, so that every row can be checked in
SQL and either loaded (typed) or quarantined with its reason. No Python loop touches the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from saferplaces.errors import InputFileError
from saferplaces.geo.areas import force_slug

__all__ = [
    "CRIME_TYPES",
    "CURRENT_CRIME_TYPES",
    "KINDS",
    "InputFile",
    "KindSpec",
    "Skipped",
    "inspect_file",
    "iter_input_files",
    "detail_sql",
    "reason_sql",
    "stage_sql",
    "text_scan",
]


@dataclass(frozen=True)
class KindSpec:
    """The columns of one kind of data.police.uk file."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def matches(self, header: list[str]) -> bool:
        cols = set(header)
        return set(self.required) <= cols and cols <= set(self.required) | set(self.optional)


KINDS: dict[str, KindSpec] = {
    "street": KindSpec(
        "street",
        (
            "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
            "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
        ),
        ("Context",),
    ),
    "outcomes": KindSpec(
        "outcomes",
        (
            "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
            "Location", "LSOA code", "LSOA name", "Outcome type",
        ),
    ),
    "stop-and-search": KindSpec(
        "stop-and-search",
        (
            "Type", "Date", "Latitude", "Longitude", "Gender", "Age range",
            "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
        ),
        (
            "Part of a policing operation", "Policing operation", "Self-defined ethnicity",
            "Outcome linked to object of search", "Removal of more than just outer clothing",
        ),
    ),
}  # fmt: skip

# Every category data.police.uk has published, current and historical (before May 2013 the
# categories "Violent crime" and "Public disorder and weapons" were used).
CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
    "Violent crime",
    "Public disorder and weapons",
)
# The categories data.police.uk publishes now (the historical two were replaced in May 2013).
CURRENT_CRIME_TYPES: tuple[str, ...] = CRIME_TYPES[:14]
SEARCH_TYPES = ("Person search", "Vehicle search", "Person and Vehicle search")

# The UK (with Shetland, Scilly and Northern Ireland) in WGS84. data.police.uk snaps locations
# to map points, so this is a plausibility check, not a boundary.
UK_LON = (-8.7, 1.8)
UK_LAT = (49.8, 60.9)

_NAME = re.compile(
    r"(?P<month>\d{4}-\d{2})-(?P<force>.+)-(?P<kind>street|outcomes|stop-and-search)\.csv$"
)


# What reading a zip archive raises when it is damaged, cut short, encrypted or compressed in a
# way zipfile cannot read: each becomes one line about the archive, never a traceback.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error)


def column_name(header: str) -> str:
    """snake_case column name for a file header: ``LSOA code`` -> ``lsoa_code``."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


@dataclass
class InputFile:
    """One CSV to ingest: how the user knows it, and where its bytes are."""

    name: str  # as shown to people: path, or archive.zip!member.csv
    size: int
    path: Path | None = None  # a plain file
    archive: Path | None = None  # or a member of an archive
    member: str | None = None

    @contextmanager
    def local_path(self, tmpdir: Path) -> Iterator[Path]:
        """A readable path for DuckDB; archive members are extracted for the duration."""
        if self.path is not None:
            yield self.path
            return
        assert self.archive is not None and self.member is not None
        out = Path(tempfile.mkdtemp(dir=tmpdir)) / Path(self.member).name
        try:
            with (
                zipfile.ZipFile(self.archive) as zf,
                zf.open(self.member) as src,
                open(out, "wb") as dst,
            ):
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except ZIP_ERRORS as e:
            # A damaged or cut-short archive fails its CRC or ends early here.
            out.unlink(missing_ok=True)
            raise InputFileError(
                self.name, f"cannot be extracted: the archive is damaged ({e})"
            ) from None
        try:
            yield out
        finally:
            out.unlink(missing_ok=True)


@dataclass
class Skipped:
    """Something that was given or found but is not a data.police.uk CSV."""

    name: str
    why: str
    error: bool  # True when the user named it explicitly (a failure), False for strays


@dataclass
class FileInfo:
    """What the whole-file checks learnt about a file."""

    kind: str
    header: list[str]
    sha256: str
    force: str
    month: str | None  # YYYY-MM from a data.police.uk file name: the file's partition month
    newline_count: int
    ends_with_newline: bool
    lone_cr: bool = False  # a carriage return not followed by a line feed (DuckDB: a row break)


def iter_input_files(paths: list[Path]) -> Iterator[InputFile | Skipped | InputFileError]:
    """Expand the user's paths into CSV files, in a stable order.

    Folders are searched recursively for ``*.csv`` and ``*.zip``. Anything else found in a folder
    or archive is yielded as :class:`Skipped`; a path that does not exist or an archive that
    cannot be opened is yielded as :class:`InputFileError`. Nothing is extracted yet.
    """
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_dir() or child.name.startswith("."):
                    continue
                if child.suffix.lower() == ".csv":
                    yield InputFile(str(child), child.stat().st_size, path=child)
                elif child.suffix.lower() == ".zip":
                    yield from _iter_zip(child)
                else:
                    yield Skipped(str(child), "not a .csv or .zip file", error=False)
        elif p.is_file():
            if p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
                yield from _iter_zip(p)
            else:
                yield InputFile(str(p), p.stat().st_size, path=p)
        else:
            yield InputFileError(str(p), "no such file or folder")


def _iter_zip(archive: Path) -> Iterator[InputFile | Skipped | InputFileError]:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = sorted(zf.infolist(), key=lambda i: i.filename)
    except ZIP_ERRORS as e:
        yield InputFileError(str(archive), f"is not a readable zip archive ({e})")
        return
    for info in infos:
        base = Path(info.filename).name
        if info.is_dir() or base.startswith(".") or info.filename.startswith("__MACOSX"):
            continue
        name = f"{archive}!{info.filename}"
        if base.lower().endswith(".csv"):
            yield InputFile(name, info.file_size, archive=archive, member=info.filename)
        else:
            yield Skipped(name, "not a .csv file", error=False)


def inspect_file(f: InputFile, path: Path, force_option: str | None = None) -> FileInfo:
    """Whole-file checks: not empty, UTF-8, a known header, not truncated, a known force.

    Raises
    ------
    InputFileError
        With one line that says what is wrong and how to fix it.
    """
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(
            f.name, "is empty; expected a data.police.uk CSV starting with its header line"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputFileError(
            f.name,
            f"is not UTF-8 text (byte 0x{data[e.start]:02X} on line {line}); data.police.uk files "
            "are UTF-8: convert it (for example `iconv -f latin1 -t utf-8`) or download it again",
        ) from None
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first_line]), [])
    kind = next((k for k, spec in KINDS.items() if spec.matches(header)), None)
    if kind is None:
        shown = first_line if len(first_line) <= 80 else first_line[:77] + "..."
        raise InputFileError(
            f.name,
            f"is not a data.police.uk file: its header '{shown}' is not that of a street, "
            "outcomes or stop-and-search file",
        )
    _check_complete(f.name, text, len(header))
    return FileInfo(
        kind=kind,
        header=header,
        sha256=hashlib.sha256(data).hexdigest(),
        force=_force_of(f, kind, text, force_option),
        month=_month_of(f),
        newline_count=data.count(b"\n"),
        ends_with_newline=data.endswith(b"\n"),
    )


def _check_complete(name: str, text: str, ncols: int, line_no: int | None = None) -> None:
    """A file cut short ends inside its last row: an open quote or too few columns.

    ``text`` is the whole file, or only its last line when ``line_no`` gives that line's number.
    """
    if text.endswith("\n"):
        return
    last_start = text.rfind("\n") + 1
    last = text[last_start:]
    line_no = line_no or text.count("\n") + 1
    try:
        fields = next(csv.reader(io.StringIO(last), strict=True), [])
    except csv.Error:
        fields = []
    if last.count('"') % 2 == 1 or len(fields) < ncols:
        raise InputFileError(
            name,
            f"is truncated: line {line_no} stops after {len(fields)} of {ncols} columns and the "
            "file has no final newline; download it again",
        )


def _month_of(f: InputFile) -> str | None:
    m = _NAME.search(Path(f.name.split("!")[-1]).name)
    return m["month"] if m and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m["month"]) else None


def _force_of(f: InputFile, kind: str, text: str, force_option: str | None) -> str:
    """The publishing force: from the data.police.uk file name, else --force, else the rows."""
    m = _NAME.search(Path(f.name.split("!")[-1]).name)
    if m:
        return m["force"]
    if force_option:
        return force_slug(force_option)
    if kind != "stop-and-search":
        rows = csv.reader(io.StringIO(text))
        next(rows, None)
        first = next(rows, None)
        if first and len(first) > 2 and first[2].strip():
            return force_slug(first[2])  # "Reported by"
    raise InputFileError(
        f.name,
        "cannot tell which force published it: its name is not YYYY-MM-<force>-<kind>.csv; "
        "rename it as data.police.uk names files or pass --force",
    )


# --- SQL --------------------------------------------------------------------------------------


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _shown(col: str) -> str:
    """SQL for a value as a person reads it in a message: quoted, or the word empty."""
    quote = "''''"  # a SQL string literal holding one single quote
    return f"coalesce({quote} || {col} || {quote}, 'empty')"


def _member(expr: str, values: Iterable[str]) -> str:
    """SQL: ``expr`` is one of ``values`` (NULL when ``expr`` is NULL).

    Written as a MAP lookup, not ``expr IN (...)``: DuckDB rewrites an IN list of five or more
    constants over a column into a join, and a join need not keep the file's row order, on which
    the stage's line numbers rest (measured: a check ``offence_code IN (...)`` over the 130 Home
    Office codes left every row of a 181,826-row offences.csv out of place). The MAP lookup
    keeps the order and is as fast.
    """
    keys = ", ".join(f"{_q(v)}: true" for v in dict.fromkeys(values))
    return f"map_contains(MAP {{{keys}}}, {expr})"


_IN_UK = (
    f"TRY_CAST(longitude AS DOUBLE) BETWEEN {UK_LON[0]} AND {UK_LON[1]} "
    f"AND TRY_CAST(latitude AS DOUBLE) BETWEEN {UK_LAT[0]} AND {UK_LAT[1]}"
)

# (reason code, condition that rejects the row, detail sentence as a SQL expression).
# Order matters: a row is quarantined for its first failed check.
_COORD_CHECKS = [
    (
        "coordinates_incomplete",
        "(longitude IS NULL) <> (latitude IS NULL)",
        "'Longitude and Latitude must both be given or both be empty; got ' || "
        f"{_shown('longitude')} || ' and ' || {_shown('latitude')}",
    ),
    (
        "coordinates_not_numbers",
        "longitude IS NOT NULL AND (TRY_CAST(longitude AS DOUBLE) IS NULL "
        "OR TRY_CAST(latitude AS DOUBLE) IS NULL)",
        f"'Longitude ' || {_shown('longitude')} || ' and Latitude ' || {_shown('latitude')} || "
        "' must be decimal degrees'",
    ),
    (
        "coordinates_outside_uk",
        f"longitude IS NOT NULL AND NOT ({_IN_UK})",
        f"'Longitude ' || longitude || ', Latitude ' || latitude || ' is outside the UK "
        f"(longitude {UK_LON[0]} to {UK_LON[1]}, latitude {UK_LAT[0]} to {UK_LAT[1]})'",
    ),
]
_MONTH_CHECK = (
    "month_format",
    "month IS NULL OR NOT regexp_full_match(month, '[0-9]{4}-(0[1-9]|1[0-2])')",
    f"'Month ' || {_shown('month')} || ' is not YYYY-MM'",
)
_LSOA_CHECK = (
    "lsoa_code",
    "lsoa_code IS NOT NULL AND NOT regexp_full_match(lsoa_code, '[EW]01[0-9]{6}')",
    f"'LSOA code ' || {_shown('lsoa_code')} || ' is not E01 or W01 followed by six digits'",
)
_HEX64 = "regexp_full_match(crime_id, '[0-9a-fA-F]{64}')"

CHECKS: dict[str, list[tuple[str, str, str]]] = {
    "street": [
        _MONTH_CHECK,
        *_COORD_CHECKS,
        _LSOA_CHECK,
        (
            "crime_type",
            f"crime_type IS NULL OR NOT {_member('crime_type', CRIME_TYPES)}",
            f"'Crime type ' || {_shown('crime_type')} || ' is not a data.police.uk category'",
        ),
        (
            "crime_id",
            f"crime_id IS NOT NULL AND NOT {_HEX64}",
            f"'Crime ID ' || {_shown('crime_id')} || ' is not 64 hexadecimal characters'",
        ),
    ],
    "outcomes": [
        _MONTH_CHECK,
        *_COORD_CHECKS,
        _LSOA_CHECK,
        (
            "crime_id",
            f"crime_id IS NULL OR NOT {_HEX64}",
            f"'Crime ID ' || {_shown('crime_id')} || "
            "' is not 64 hexadecimal characters (outcomes always have one)'",
        ),
        (
            "outcome_type",
            "outcome_type IS NULL",
            "'Outcome type is empty'",
        ),
    ],
    "stop-and-search": [
        (
            "date_format",
            "date IS NULL OR TRY_CAST(date AS TIMESTAMPTZ) IS NULL "
            "OR NOT regexp_matches(date, '^[0-9]{4}-[0-9]{2}-[0-9]{2}')",
            f"'Date ' || {_shown('date')} || ' is not an ISO 8601 date and time'",
        ),
        (
            "search_type",
            f"type IS NULL OR NOT {_member('type', SEARCH_TYPES)}",
            f"'Type ' || {_shown('type')} || ' is not a stop and search type'",
        ),
        *_COORD_CHECKS,
        (
            "boolean",
            "(part_of_a_policing_operation IS NOT NULL "
            "AND TRY_CAST(part_of_a_policing_operation AS BOOLEAN) IS NULL) "
            "OR (outcome_linked_to_object_of_search IS NOT NULL "
            "AND TRY_CAST(outcome_linked_to_object_of_search AS BOOLEAN) IS NULL) "
            "OR (removal_of_more_than_just_outer_clothing IS NOT NULL "
            "AND TRY_CAST(removal_of_more_than_just_outer_clothing AS BOOLEAN) IS NULL)",
            "'a True/False column holds something else'",
        ),
    ],
}


def stage_sql(kind: str, header: list[str]) -> tuple[str, str]:
    """SQL that reads files of one kind and header into the temporary table ``stage``.

    Returns the ``CREATE TEMP TABLE stage`` statement (one parameter: the list of paths) and the
    SQL expression of the quarantine sentence for a row's ``reason``. ``stage`` holds every
    column as text plus ``file_index`` (position in the path list), ``reason`` (NULL when the
    row passes every check) and ``month_date``. Its ``rowid`` follows the files' row order.
    """
    spec = KINDS[kind]
    cols = [column_name(h) for h in header]
    # Optional columns a given file lacks (older stop-and-search layouts) read as NULL.
    missing = [column_name(c) for c in spec.optional if column_name(c) not in cols]
    month = "substr(date, 1, 7)" if kind == "stop-and-search" else "month"
    sql = f"""
        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT *, CASE WHEN reason IS NULL THEN strptime({month}, '%Y-%m')::DATE END AS month_date
        FROM (
            SELECT *, {reason_sql(CHECKS[kind])} AS reason
            FROM ({text_scan(cols, missing)})
        )
    """
    return sql, detail_sql(CHECKS[kind])


def reason_sql(checks: list[tuple[str, str, str]]) -> str:
    """SQL: the code of a row's first failed check, NULL when it passes them all."""
    if not checks:
        return "NULL::VARCHAR"
    return "CASE " + " ".join(f"WHEN {cond} THEN {_q(code)}" for code, cond, _ in checks) + " END"


def detail_sql(checks: list[tuple[str, str, str]]) -> str:
    """SQL: the sentence a person reads for a row's ``reason`` (from :func:`reason_sql`)."""
    if not checks:
        return "NULL::VARCHAR"
    return "CASE reason " + " ".join(f"WHEN {_q(c)} THEN {t}" for c, _, t in checks) + " END"


def text_scan(columns: list[str], missing: list[str]) -> str:
    """SQL reading CSV files (one parameter: the list of paths) with every column as text.

    ``columns`` are the header's, in order; ``missing`` are added as NULL. Rows that do not
    split into the header's columns go to DuckDB's ``csv_rejects`` (with ``csv_reject_scans``);
    ``file_index`` is the file's position in the list. Nothing else happens in the scan, so
    that its rows come in the files' order.
    """
    types = "{" + ", ".join(f"{_q(c)}: 'VARCHAR'" for c in columns) + "}"
    extra = "".join(f', NULL::VARCHAR AS "{c}"' for c in missing)
    return f"""
        SELECT *{extra}, file_index
        FROM read_csv(?, header = true, auto_detect = false, columns = {types},
                      delim = ',', quote = '"', escape = '"', strict_mode = true,
                      store_rejects = true, rejects_table = 'csv_rejects',
                      rejects_scan = 'csv_reject_scans')
    """
