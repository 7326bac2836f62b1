"""Warehouse schema. Table and column names are fixed: analyses and reports query them.

Police data (one row per input row that passed its checks):

- ``crime``: data.police.uk street crimes (and, later, force-extract offences live beside them).
- ``asb``: anti-social behaviour incidents (street rows with no Crime ID and type ASB).
- ``outcome``: data.police.uk outcomes.
- ``stop_search``: data.police.uk stop and search.

Every police row carries ``force`` (publishing force slug), ``month`` (first day), the LSOA code
it came with (``lsoa_code``), the LSOA it was resolved to against the loaded boundaries (``lsoa``)
and how (``placed_by``: code, lookup, point, outside, unplaced), plus its provenance
(``ingest_id`` into ``ingest_log`` and the ``line`` of its file).

Bookkeeping: ``ingest_log`` (one row per file per ingest), ``partition`` (which ingest owns each
(kind, force, month)), ``quarantine`` (every rejected row with file, line, raw text and reason).

Geography: ``lsoa`` (boundaries of both vintages), ``ward``, ``lsoa_ward``, ``lsoa_lookup``
(LSOA11 -> LSOA21), ``population``, ``imd``, ``geography_log``.

Harm: ``harm_scheme`` (imported weight tables: name, version, key, status, provenance) and
``harm_weight`` (their weights); bundled schemes are not stored (see ``saferplaces.harm``).

Force extracts (docs/formats/extract-v1.md): ``offence`` (offences and crimed incidents, with
Home Office code, data.police.uk category as ``crime_type``, markers, and the same place columns as
the police tables), ``person``, ``involvement`` (offence x person x role) and ``extract`` (one row
per extract loaded, which owns the partitions (``extract``, force, month) of its period).
``offence``, ``person`` and ``involvement`` are views: the rows are stored in
``extract_offence``, ``extract_person`` and ``extract_involvement``, and the views add the
extract's ``force``, ``extract_id`` and ``synthetic`` to each (one value per extract, so not
stored a million times: that was a tenth of the ingest's time).

Partner data (docs/formats/partner-v1.md): ``partner_da_service``, ``partner_marac``,
``partner_ce_cohort``, each with the ``source`` that sent it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

__all__ = [
    "INTERRUPTED",
    "POLICE_TABLES",
    "TABLES",
    "connect",
    "create_schema",
    "discard_unfinished",
    "rollback",
    "schema_current",
]

_LOCATION = """
    longitude DOUBLE, latitude DOUBLE, location VARCHAR,
    lsoa_code VARCHAR, lsoa_name VARCHAR"""
_PLACE = """
    lsoa VARCHAR,           -- resolved LSOA code in the workspace vintage (NULL if not placed)
    placed_by VARCHAR,      -- code | lookup | point | outside | unplaced | NULL (not resolved yet)
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL"""

DDL = f"""
CREATE SEQUENCE IF NOT EXISTS ingest_id_seq START 1;

CREATE TABLE IF NOT EXISTS ingest_log (
    ingest_id BIGINT PRIMARY KEY,
    ingested_at TIMESTAMP NOT NULL,
    kind VARCHAR,            -- street | outcomes | stop-and-search (NULL when the file failed)
    file VARCHAR NOT NULL,   -- as given; archive members as archive.zip!member.csv
    sha256 VARCHAR,
    size_bytes BIGINT,
    force VARCHAR,
    months VARCHAR[],
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_loaded BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    status VARCHAR NOT NULL, -- loaded | unchanged | failed | superseded | loading (not settled)
    message VARCHAR,
    synthetic BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS partition (
    kind VARCHAR NOT NULL,
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    ingest_id BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    PRIMARY KEY (kind, force, month)
);

CREATE TABLE IF NOT EXISTS quarantine (
    ingest_id BIGINT NOT NULL,
    kind VARCHAR,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    raw VARCHAR,
    reason VARCHAR NOT NULL,  -- short code, e.g. month_format
    detail VARCHAR NOT NULL   -- the sentence a person reads
);

CREATE TABLE IF NOT EXISTS crime (
    crime_id VARCHAR,
    month DATE NOT NULL,
    force VARCHAR NOT NULL,
    reported_by VARCHAR, falls_within VARCHAR,{_LOCATION},
    crime_type VARCHAR NOT NULL,
    last_outcome_category VARCHAR,
    context VARCHAR,
    synthetic BOOLEAN NOT NULL DEFAULT false,{_PLACE}
);

CREATE TABLE IF NOT EXISTS asb (
    month DATE NOT NULL,
    force VARCHAR NOT NULL,
    reported_by VARCHAR, falls_within VARCHAR,{_LOCATION},
    context VARCHAR,
    synthetic BOOLEAN NOT NULL DEFAULT false,{_PLACE}
);

CREATE TABLE IF NOT EXISTS outcome (
    crime_id VARCHAR NOT NULL,
    month DATE NOT NULL,
    force VARCHAR NOT NULL,
    reported_by VARCHAR, falls_within VARCHAR,{_LOCATION},
    outcome_type VARCHAR,
    synthetic BOOLEAN NOT NULL DEFAULT false,{_PLACE}
);

CREATE TABLE IF NOT EXISTS stop_search (
    type VARCHAR NOT NULL,
    date TIMESTAMPTZ NOT NULL,
    month DATE NOT NULL,
    force VARCHAR NOT NULL,
    part_of_policing_operation BOOLEAN,
    policing_operation VARCHAR,
    longitude DOUBLE, latitude DOUBLE,
    gender VARCHAR, age_range VARCHAR,
    self_defined_ethnicity VARCHAR, officer_defined_ethnicity VARCHAR,
    legislation VARCHAR, object_of_search VARCHAR, outcome VARCHAR,
    outcome_linked_to_object_of_search BOOLEAN,
    removal_of_more_than_just_outer_clothing BOOLEAN,
    synthetic BOOLEAN NOT NULL DEFAULT false,{_PLACE}
);

CREATE TABLE IF NOT EXISTS lsoa (
    lsoa_code VARCHAR NOT NULL,
    lsoa_name VARCHAR,
    vintage INTEGER NOT NULL,     -- 2011 | 2021
    lad_code VARCHAR,
    lad_name VARCHAR,
    area_km2 DOUBLE,              -- computed in EPSG:27700
    geometry BLOB,                -- WKB, EPSG:4326 (lon/lat)
    source VARCHAR,
    PRIMARY KEY (lsoa_code, vintage)
);

CREATE TABLE IF NOT EXISTS ward (
    ward_code VARCHAR NOT NULL PRIMARY KEY,
    ward_name VARCHAR NOT NULL,
    lad_code VARCHAR,
    area_km2 DOUBLE,
    geometry BLOB,
    source VARCHAR
);

CREATE TABLE IF NOT EXISTS lsoa_ward (
    lsoa_code VARCHAR NOT NULL PRIMARY KEY,  -- LSOA 2021 (or 2011) code
    ward_code VARCHAR NOT NULL,
    ward_name VARCHAR,
    lad_code VARCHAR,
    lad_name VARCHAR,
    source VARCHAR
);

CREATE TABLE IF NOT EXISTS lsoa_lookup (
    lsoa11_code VARCHAR NOT NULL,
    lsoa21_code VARCHAR NOT NULL,
    change VARCHAR,        -- U unchanged, S split, M merged, X irregular (ONS categories)
    weight DOUBLE,         -- share of the LSOA11's residents in this LSOA21 (1 when unchanged)
    best_fit BOOLEAN NOT NULL DEFAULT false,
    source VARCHAR,
    PRIMARY KEY (lsoa11_code, lsoa21_code)
);

CREATE TABLE IF NOT EXISTS population (
    lsoa_code VARCHAR NOT NULL,
    vintage INTEGER NOT NULL,
    year INTEGER NOT NULL,
    residents DOUBLE NOT NULL,
    source VARCHAR,
    PRIMARY KEY (lsoa_code, vintage, year)
);

CREATE TABLE IF NOT EXISTS imd (
    lsoa_code VARCHAR NOT NULL PRIMARY KEY,  -- LSOA 2011
    year INTEGER NOT NULL,                   -- 2019
    score DOUBLE,
    rank INTEGER,
    decile INTEGER,
    source VARCHAR
);

CREATE TABLE IF NOT EXISTS geography_log (
    loaded_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,     -- lsoa | ward | lsoa-ward | lsoa-lookup | population | imd
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    detail VARCHAR
);

CREATE TABLE IF NOT EXISTS harm_scheme (
    name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    key VARCHAR NOT NULL,          -- offence_code | category
    status VARCHAR NOT NULL,       -- official | user | illustrative
    provenance VARCHAR NOT NULL,
    description VARCHAR,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE IF NOT EXISTS harm_weight (
    name VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    key_value VARCHAR NOT NULL,    -- Home Office offence code or data.police.uk category
    weight DOUBLE NOT NULL,
    PRIMARY KEY (name, version, key_value)
);

CREATE TABLE IF NOT EXISTS extract_offence (
    offence_id VARCHAR NOT NULL,
    record_type VARCHAR NOT NULL,     -- offence | crimed_incident
    recorded_date DATE NOT NULL,
    month DATE NOT NULL,              -- first day of the recorded month
    committed_from TIMESTAMP, committed_to TIMESTAMP,
    offence_code VARCHAR,             -- Home Office code, as spelled in the bundled list if there
    offence_code_listed BOOLEAN,      -- in the bundled 2017/18 list (NULL when no code)
    offence_description VARCHAR,
    crime_type VARCHAR,               -- data.police.uk category (given, else from the code)
    easting DOUBLE, northing DOUBLE,  -- British National Grid, as given
    longitude DOUBLE, latitude DOUBLE,-- as given, else from easting/northing
    lsoa_code VARCHAR,
    outcome VARCHAR,
    markers VARCHAR[] NOT NULL,       -- saferplaces markers, sorted, no repeats{_PLACE}
);

CREATE TABLE IF NOT EXISTS extract_person (
    person_id VARCHAR NOT NULL,       -- pseudonymous
    year_of_birth INTEGER,
    age_band VARCHAR,
    gender VARCHAR,                   -- female | male | other | unknown
    resident_in_area BOOLEAN,
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS extract_involvement (
    offence_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,            -- victim | suspect | witness | involved_party
    age_at_offence INTEGER,
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS extract (
    ingest_id BIGINT PRIMARY KEY,     -- the ingest of its offences.csv (owner in `partition`)
    people_ingest_id BIGINT,
    involvements_ingest_id BIGINT,
    extract_id VARCHAR NOT NULL,
    force VARCHAR NOT NULL,
    period_start DATE NOT NULL,       -- first and last month (first days)
    period_end DATE NOT NULL,
    synthetic BOOLEAN NOT NULL,
    digest VARCHAR NOT NULL,          -- sha256 over the manifest and the files
    folder VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL           -- loaded | superseded
);

CREATE TABLE IF NOT EXISTS partner_da_service (
    source VARCHAR NOT NULL,
    date DATE NOT NULL,
    month DATE NOT NULL,
    channel VARCHAR NOT NULL,         -- helpline | 101 triage | website | referral | outreach
    person_id VARCHAR,
    synthetic BOOLEAN NOT NULL DEFAULT false,
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS partner_marac (
    source VARCHAR NOT NULL,
    case_id VARCHAR NOT NULL,
    referral_date DATE NOT NULL,
    month DATE NOT NULL,
    person_id VARCHAR NOT NULL,       -- the victim
    children_in_household INTEGER,
    synthetic BOOLEAN NOT NULL DEFAULT false,
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS partner_ce_cohort (
    source VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    gender VARCHAR,
    age INTEGER,
    type VARCHAR NOT NULL,            -- CSE | CCE | both | missing
    synthetic BOOLEAN NOT NULL DEFAULT false,
    ingest_id BIGINT NOT NULL,
    line BIGINT NOT NULL
);

CREATE VIEW IF NOT EXISTS offence AS SELECT r.*, e.force, e.extract_id, e.synthetic
    FROM extract_offence r JOIN extract e ON e.ingest_id = r.ingest_id;
CREATE VIEW IF NOT EXISTS person AS SELECT r.*, e.force, e.extract_id, e.synthetic
    FROM extract_person r JOIN extract e ON e.people_ingest_id = r.ingest_id;
CREATE VIEW IF NOT EXISTS involvement AS SELECT r.*, e.force, e.extract_id, e.synthetic
    FROM extract_involvement r JOIN extract e ON e.involvements_ingest_id = r.ingest_id;
"""

EXTRACT_TABLES = ("offence", "person", "involvement", "extract")  # the first three are views
EXTRACT_ROWS = {"offence": "extract_offence", "person": "extract_person",
                "involvement": "extract_involvement"}  # fmt: skip
PARTNER_TABLES = ("partner_da_service", "partner_marac", "partner_ce_cohort")

POLICE_TABLES = ("crime", "asb", "outcome", "stop_search")
TABLES = (
    *POLICE_TABLES,
    "quarantine",
    "ingest_log",
    "partition",
    "lsoa",
    "ward",
    "lsoa_ward",
    "lsoa_lookup",
    "population",
    "imd",
    "geography_log",
    "harm_scheme",
    "harm_weight",
    *EXTRACT_TABLES,
    *EXTRACT_ROWS.values(),
    *PARTNER_TABLES,
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every warehouse table and view that does not exist yet (safe to run again).

    A warehouse of an earlier version is brought up to date first: its ``offence``, ``person``
    and ``involvement`` tables become ``extract_*`` without the columns the views now add (and
    without ``involvement.month``, its offence's month).
    """
    tables, views = _relations(con)
    if _current(tables, views):
        return  # the 45 statements of DDL have nothing to do
    # One transaction: an upgrade cut short leaves the warehouse as it was.
    con.begin()
    try:
        _upgrade_extract_tables(con, sorted(tables & set(EXTRACT_ROWS)))
        con.execute(DDL)
        con.commit()
    except BaseException:
        con.rollback()
        raise


_MOVED_COLUMNS = {
    "offence": ("force", "extract_id", "synthetic"),
    "person": ("force", "extract_id", "synthetic"),
    "involvement": ("force", "extract_id", "synthetic", "month"),
}


def schema_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Every table and view of this version is there, and no table of an earlier layout."""
    return _current(*_relations(con))


def _relations(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """The warehouse's table names and view names."""
    db = "database_name = current_database()"
    tables = {
        r[0] for r in con.execute(f"SELECT table_name FROM duckdb_tables() WHERE {db}").fetchall()
    }
    views = {
        r[0]
        for r in con.execute(
            f"SELECT view_name FROM duckdb_views() WHERE {db} AND NOT internal"
        ).fetchall()
    }
    return tables, views


def _current(tables: set[str], views: set[str]) -> bool:
    # offence, person, involvement as tables: the layout before they became views
    return set(TABLES) <= tables | views and not tables & set(EXTRACT_ROWS)


def _upgrade_extract_tables(con: duckdb.DuckDBPyConnection, old: list[str]) -> None:
    """Rename the earlier layout's tables ``old`` and drop the columns the views now add."""
    for table in old:
        con.execute(f"ALTER TABLE {table} RENAME TO extract_{table}")
    for table, columns in _MOVED_COLUMNS.items():
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = "
                "current_database() AND table_name = ?",
                [f"extract_{table}"],
            ).fetchall()
        }
        for column in columns:
            if column in have:
                con.execute(f"ALTER TABLE extract_{table} DROP COLUMN {column}")


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; when writable, create the schema and clear unfinished ingests."""
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        create_schema(con)
        discard_unfinished(con)
    return con


INTERRUPTED = "the ingest stopped before it finished; nothing of it was kept"


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: DuckDB has rolled back a commit that failed."""
    with contextlib.suppress(duckdb.TransactionException):
        con.rollback()


def discard_unfinished(
    con: duckdb.DuckDBPyConnection,
    ids: list[int] | None = None,
    message: str | None = INTERRUPTED,
) -> None:
    """Remove the rows of ingests logged ``loading``: appended, never settled.

    The force-extract ingest appends rows in one transaction and settles them in the next
    (:func:`saferplaces.warehouse.extract_ingest.load_extract`); no view shows them in between.
    ``ids``: those ingests (default: every one logged ``loading``). Their rows and quarantine
    go; their log rows say failed, with ``message`` (``None``: they go too, for a caller that
    logs the failure itself).
    """
    if ids is None:
        ids = [i for (i,) in con.execute(
            "SELECT ingest_id FROM ingest_log WHERE status = 'loading'"
        ).fetchall()]  # fmt: skip
    if not ids:
        return
    con.begin()
    try:
        for table in (*EXTRACT_ROWS.values(), "quarantine"):
            con.execute(f"DELETE FROM {table} WHERE ingest_id IN (SELECT unnest(?))", [ids])
        if message is not None:
            con.execute(
                "UPDATE ingest_log SET status = 'failed', message = file || ': ' || ? "
                "WHERE status = 'loading' AND ingest_id IN (SELECT unnest(?))",
                [message, ids],
            )
        else:
            con.execute(
                "DELETE FROM ingest_log WHERE status = 'loading' AND ingest_id IN "
                "(SELECT unnest(?))",
                [ids],
            )
        con.commit()
    except BaseException:
        rollback(con)
        raise
