"""Whole-file checks and SQL row checks shared by the force-extract and partner readers.

The data.police.uk reader (:mod:`saferplaces.sources.police_uk`) recognises a file among three
fixed layouts. Extract and partner files have one layout each, described in a machine-readable
schema (``data/extract-v1.yaml``, ``data/partner-v1.yaml``): some columns must be in the header,
others may be left out, and no other column is allowed. That last rule keeps names, addresses and
free-text notes that were left in by mistake out of the warehouse.

As for data.police.uk, a file is checked as a whole (not empty, UTF-8, its header, not truncated)
and then read by DuckDB as text, every row checked in SQL.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from saferplaces.errors import InputFileError
from saferplaces.sources.police_uk import (
    FileInfo,
    _check_complete,
    _member,
    _q,
    _shown,
    detail_sql,
    reason_sql,
    text_scan,
)

__all__ = [
    "Check",
    "FileSpec",
    "file_spec",
    "inspect_csv",
    "load_format",
    "member",
    "scan_sql",
    "shown",
    "sql_str",
    "stage_sql",
]

# (reason code, SQL condition that rejects the row, SQL expression of the sentence a person reads)
Check = tuple[str, str, str]
shown = _shown
sql_str = _q
member = _member


@cache
def load_format(name: str) -> dict[str, Any]:
    """A bundled format schema: ``extract-v1`` or ``partner-v1`` (parsed YAML)."""
    path = resources.files("saferplaces.data").joinpath(f"{name}.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class FileSpec:
    """The columns of one file kind: those the header must have, and those it may have."""

    kind: str  # as logged in ingest_log and quarantine, e.g. extract-offences, marac
    what: str  # as a person names the file in messages, e.g. "an extract offences.csv"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    values: dict[str, tuple[str, ...]]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def file_spec(kind: str, what: str, columns: list[dict[str, Any]]) -> FileSpec:
    """A :class:`FileSpec` from the ``columns`` list of a format schema."""
    return FileSpec(
        kind=kind,
        what=what,
        required=tuple(c["name"] for c in columns if c.get("in_header")),
        optional=tuple(c["name"] for c in columns if not c.get("in_header")),
        values={c["name"]: tuple(str(v) for v in c["values"]) for c in columns if "values" in c},
    )


_VISIBLE = re.compile(rb"\S")


def inspect_csv(name: str, path: Path, spec: FileSpec) -> FileInfo:
    """Whole-file checks: not empty, UTF-8, the format's header, not truncated.

    Raises
    ------
    InputFileError
        With one line that says what is wrong and how to fix it.
    """
    data = path.read_bytes()
    if _VISIBLE.search(data) is None:  # (not data.strip(): that copies the whole file)
        raise InputFileError(name, f"is empty; expected {spec.what} starting with its header line")
    try:
        if not data.isascii():  # ASCII is UTF-8; isascii reads the bytes without a copy
            data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputFileError(
            name,
            f"is not UTF-8 text (byte 0x{data[e.start]:02X} on line {line}); save it as UTF-8 "
            "(for example `iconv -f latin1 -t utf-8`) and try again",
        ) from None
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8").removeprefix("\ufeff")
    first_line = first_line.rstrip("\r")
    try:
        header = [h.strip() for h in next(csv.reader([first_line]), [])]
    except csv.Error:  # a line break inside the first line: carriage returns alone
        raise InputFileError(
            name,
            "has line breaks that are carriage returns alone (old Mac text); save it with LF or "
            "CRLF line breaks and try again",
        ) from None
    missing = [c for c in spec.required if c not in header]
    unknown = [c for c in header if c not in spec.columns]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or doubled:
        problems = []
        if missing:
            problems.append("lacks " + ", ".join(missing))
        if unknown:
            problems.append("has columns the format does not define: " + ", ".join(unknown))
        if doubled:
            problems.append("repeats " + ", ".join(doubled))
        raise InputFileError(
            name,
            f"is not {spec.what}: its header {'; '.join(problems)} (expected "
            f"{', '.join(spec.required)}, optionally {', '.join(spec.optional) or 'nothing else'})",
        )
    newlines = data.count(b"\n")
    if not data.endswith(b"\n"):  # only the last line is read again
        last = data.rfind(b"\n") + 1
        _check_complete(name, data[last:].decode("utf-8"), len(header), newlines + 1)
    return FileInfo(
        kind=spec.kind,
        header=header,
        sha256=hashlib.sha256(data).hexdigest(),
        force="",
        month=None,
        newline_count=newlines,
        ends_with_newline=data.endswith(b"\n"),
        lone_cr=b"\r" in data and data.count(b"\r") != data.count(b"\r\n"),
    )


def stage_sql(spec: FileSpec, header: list[str], checks: list[Check]) -> tuple[str, str]:
    """SQL that reads one file into the temporary table ``stage`` (as the police reader does).

    Returns the ``CREATE TEMP TABLE stage`` statement (one parameter: the list of paths) and the
    SQL expression of the quarantine sentence for a row's ``reason``. ``stage`` holds every
    column of the format as text (NULL when the file leaves an optional column out) plus
    ``file_index`` and, when there are ``checks``, ``reason`` (NULL when the row passes every
    check); with no checks its ``rowid`` follows the file's row order.
    """
    sql = f"CREATE OR REPLACE TEMP TABLE stage AS {scan_sql(spec, header, checks)}"
    return sql, detail_sql(checks)


def scan_sql(spec: FileSpec, header: list[str], checks: list[Check]) -> str:
    """The SELECT of :func:`stage_sql` alone: every row of the file, its columns and ``reason``."""
    missing = [c for c in spec.columns if c not in header]
    reason = f", {reason_sql(checks)} AS reason" if checks else ""
    return f"SELECT *{reason} FROM ({text_scan(header, missing)})"


# --- Checks, one family per value type ---------------------------------------------------------


def empty(col: str) -> Check:
    return (f"{col}_missing", f'"{col}" IS NULL', _q(f"{col} is empty"))


def identifier(col: str) -> Check:
    return (
        f"{col}_format",
        f'length("{col}") > 64',
        _q(f"{col} is longer than 64 characters (") + f" || length(\"{col}\") || ')'",
    )


def date(col: str, code: str | None = None) -> Check:
    c = f'"{col}"'
    return (
        code or f"{col}_format",
        f"{c} IS NOT NULL AND (NOT regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
        f"OR TRY_CAST({c} AS DATE) IS NULL)",
        f"{_q(col + ' ')} || {shown(c)} || ' is not a date YYYY-MM-DD'",
    )


def datetime_(col: str) -> Check:
    c = f'"{col}"'
    return (
        f"{col}_format",
        f"{c} IS NOT NULL AND (NOT regexp_full_match({c}, "
        f"'[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([ T][0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}})?)?') "
        f"OR TRY_CAST(replace({c}, 'T', ' ') AS TIMESTAMP) IS NULL)",
        f"{_q(col + ' ')} || {shown(c)} || ' is not a date YYYY-MM-DD or a date and time "
        "YYYY-MM-DD HH:MM[:SS]'",
    )


def integer(col: str, lo: int, hi: int) -> Check:
    """Whole number from ``lo`` to ``hi`` (both at least 0), digits only, spaces around allowed.

    Most values are written plainly (``34``): those pass on a cast and its round trip, and only
    the rest meet the regular expression (a regular expression per row costs three times more).
    """
    if lo < 0:
        raise ValueError("integer checks take digits only: lo must be at least 0")
    c = f'"{col}"'
    plain = f"TRY_CAST({c} AS BIGINT)"
    return (
        f"{col}_format",
        f"{c} IS NOT NULL AND NOT coalesce({plain}::VARCHAR = {c} AND {plain} BETWEEN {lo} "
        f"AND {hi}, false) AND (NOT regexp_full_match(trim({c}), '[0-9]+') "
        f"OR TRY_CAST(trim({c}) AS BIGINT) NOT BETWEEN {lo} AND {hi})",
        f"{_q(col + ' ')} || {shown(c)} || ' is not a whole number from {lo} to {hi}'",
    )


def normalised(col: str) -> str:
    """SQL for a code as compared: lower case, ``_`` and ``-`` as spaces, spaces squeezed.

    A regular expression per row: put an exact comparison before it (see :func:`one_of`).
    """
    spaced = f"""replace(replace("{col}", '_', ' '), '-', ' ')"""
    return f"regexp_replace(lower(trim({spaced})), ' +', ' ', 'g')"


def _as_compared(value: str) -> str:
    """A value as :func:`normalised` makes it, in Python."""
    return " ".join(value.lower().replace("_", " ").replace("-", " ").split())


def one_of(col: str, values: tuple[str, ...], code: str | None = None) -> Check:
    """The column holds one of ``values`` (compared :func:`normalised`), or is empty."""
    allowed = [_as_compared(v) for v in values]
    return (
        code or col,
        # The exact spelling first: the regular expression is ten times slower.
        f'"{col}" IS NOT NULL AND NOT {member(chr(34) + col + chr(34), values)} '
        f"AND NOT {member(normalised(col), allowed)}",
        f"{_q(col + ' ')} || {shown(chr(34) + col + chr(34))} || "
        f"{_q(' is not one of ' + ', '.join(values))}",
    )


def canonical(col: str, values: tuple[str, ...]) -> str:
    """SQL for the value as spelled in ``values`` (NULL when empty)."""
    whens = " ".join(f"WHEN {_q(_as_compared(v))} THEN {_q(v)}" for v in values)
    c = f'"{col}"'
    slow = f"CASE {normalised(col)} {whens} END"
    # Nearly every value is spelled as the format spells it: those skip the regular expression.
    return f"CASE WHEN {member(c, values)} THEN {c} ELSE {slow} END"
