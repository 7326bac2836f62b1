"""What the theme analyses (domestic abuse, child exploitation) share about people and records.

- **Scope.** :func:`theme_scope` is :func:`~saferplaces.analysis.base.make_scope` with one
  difference: in a workspace holding a force extract but no data.police.uk files, the default
  period is the latest 12 months of the extract (``offence``) rather than an error.
- **Records in scope.** Extract records (``offence``: offences and crimed incidents) placed in the
  area's LSOAs (``offence.lsoa``) and recorded (``offence.month``) in the period. Records placed
  outside the area, or not placed at all, are not counted for it.
- **People.** An involvement links a record, a person (pseudonymous ``person_id``) and a role
  (victim, suspect, witness, involved party). The same pseudonym is the same person in every
  record and every extract, so people are counted by ``person_id``; a person who is a victim in
  one record and a suspect in another counts in both roles.
- **Age at the record.** ``age_at_offence`` when the extract gives it; else the offence year
  minus ``year_of_birth`` (the offence date is ``committed_from`` when given, else the recorded
  date, so historic offences get the age at the time; the year difference is the age reached in
  that year, at most one year over the exact age); else the person's ``age_band`` when it lies
  wholly inside one band of the scheme in use (``25-34`` is an ONS band, but straddles the seed's
  ``18-29`` and ``30-39``: unknown there). A person with none of these is counted as ``unknown``.
- **A person's age band** for a role is the band at their earliest record in scope (by recorded
  date, then offence id) that has one; ``unknown`` when none has.
- **Harm.** See :func:`register_offence_weights`.

Band schemes (lower bound inclusive, upper bound exclusive, in whole years):

``ONS_AGE_BANDS``
    ``under 16``, ``16-17``, ``18-24``, ``25-34``, ``35-44``, ``45-54``, ``55-64``, ``65+``: the
    ONS Crime Survey for England and Wales bands (16 to 24 split at 18, adulthood; under 16 is
    the seed's "children aged under 16").
``SEED_SUSPECT_BANDS``
    ``under 18``, ``18-29``, ``30-39``, ``40-49``, ``50-59``, ``60-69``, ``70+``: the seed
    strategy's Chart 8 (age of CSE suspects).

Examples
--------
>>> band_of(15, ONS_AGE_BANDS), band_of(17, ONS_AGE_BANDS), band_of(70, SEED_SUSPECT_BANDS)
('under 16', '16-17', '70+')
"""

from __future__ import annotations

import duckdb

from saferplaces.analysis.base import DEFAULT_SCHEME, Scope, make_scope
from saferplaces.harm.store import get_scheme
from saferplaces.periods import Period, latest_period
from saferplaces.settings import Settings

__all__ = [
    "ONS_AGE_BANDS",
    "SEED_SUSPECT_BANDS",
    "UNKNOWN",
    "band_of",
    "band_sql",
    "create_involved",
    "in_scope_sql",
    "person_band_sql",
    "register_offence_weights",
    "theme_scope",
]

Bands = tuple[tuple[str, int, int], ...]
_TOP = 200  # above any age

ONS_AGE_BANDS: Bands = (
    ("under 16", 0, 16),
    ("16-17", 16, 18),
    ("18-24", 18, 25),
    ("25-34", 25, 35),
    ("35-44", 35, 45),
    ("45-54", 45, 55),
    ("55-64", 55, 65),
    ("65+", 65, _TOP),
)
SEED_SUSPECT_BANDS: Bands = (
    ("under 18", 0, 18),
    ("18-29", 18, 30),
    ("30-39", 30, 40),
    ("40-49", 40, 50),
    ("50-59", 50, 60),
    ("60-69", 60, 70),
    ("70+", 70, _TOP),
)
UNKNOWN = "unknown"


def band_of(age: int | None, bands: Bands) -> str:
    """The band of one age (``unknown`` for None); the Python twin of :func:`band_sql`."""
    if age is None:
        return UNKNOWN
    for name, lo, hi in bands:
        if lo <= age < hi:
            return name
    return UNKNOWN


def _case(expr: str, bands: Bands) -> str:
    whens = " ".join(f"WHEN {expr} < {hi} THEN '{name}'" for name, _, hi in bands)
    return f"CASE WHEN {expr} IS NULL OR {expr} < 0 THEN NULL {whens} END"


def band_sql(bands: Bands, age: str = "age", lo: str = "band_lo", hi: str = "band_hi") -> str:
    """SQL for a record's band: from the age, else from the person's age band if it fits one."""
    from_band = f"CASE WHEN {_case(lo, bands)} = {_case(hi, bands)} THEN {_case(lo, bands)} END"
    return f"coalesce({_case(age, bands)}, {from_band}, '{UNKNOWN}')"


def person_band_sql(bands: Bands) -> str:
    """SQL aggregate: a person's band at their earliest record that has one (see module doc)."""
    band = band_sql(bands)
    return (
        f"coalesce(arg_min({band}, strftime(recorded_date, '%Y-%m-%d') || offence_id) "
        f"FILTER (WHERE {band} <> '{UNKNOWN}'), '{UNKNOWN}')"
    )


def theme_scope(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period | str | None = None,
    scheme: str = DEFAULT_SCHEME,
) -> Scope:
    """:func:`make_scope`, defaulting to the extract's latest 12 months without police.uk data."""
    if period is None:
        row = con.execute("SELECT count(*) FROM crime").fetchone()
        if not row or not row[0]:
            period = latest_period(con, table="offence")
    return make_scope(con, settings, period, scheme)


def in_scope_sql(scope: Scope, alias: str = "o") -> str:
    """SQL condition: extract records placed in the area and recorded in the period."""
    return (
        f"{alias}.lsoa IN (SELECT lsoa FROM scope_lsoa) AND "
        f"{scope.month_filter(column=f'{alias}.month')}"
    )


def create_involved(con: duckdb.DuckDBPyConnection, records: str, table: str) -> None:
    """Temp table ``table``: one row per involvement in the records of temp table ``records``.

    ``records`` needs offence_id, extract_id, record_type, recorded_date, committed_from.
    Columns: offence_id, record_type, recorded_date, person_id, role, age (see the module doc;
    NULL when unknown), band_lo and band_hi (the person's age band bounds), gender,
    resident_in_area.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT r.offence_id, r.record_type, r.recorded_date, i.person_id, i.role,
               CASE WHEN a.age >= 0 THEN a.age END AS age,
               TRY_CAST(regexp_extract(p.age_band, '^([0-9]+)', 1) AS INTEGER) AS band_lo,
               CASE WHEN p.age_band LIKE '%+' THEN {_TOP - 1}
                    ELSE TRY_CAST(regexp_extract(p.age_band, '-([0-9]+)$', 1) AS INTEGER)
               END AS band_hi,
               coalesce(p.gender, '{UNKNOWN}') AS gender, p.resident_in_area
        FROM {records} r
        JOIN involvement i ON i.offence_id = r.offence_id AND i.extract_id = r.extract_id
        LEFT JOIN person p ON p.person_id = i.person_id AND p.extract_id = i.extract_id
        CROSS JOIN LATERAL (
            SELECT coalesce(i.age_at_offence,
                            year(coalesce(r.committed_from, r.recorded_date)) - p.year_of_birth)
                   AS age
        ) a
        """
    )


def register_offence_weights(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, str]:
    """Temp table ``offence_weights(key, weight)`` for weighting extract offences by harm.

    With a scheme keyed by Home Office offence code, offences are weighted by their own
    ``offence_code`` (the scope's category weights were derived from that scheme); with a
    category scheme (the bundled illustrative one, for example), by their data.police.uk
    category (``crime_type``). Crimed incidents are not crimes and carry no harm. An offence
    whose key has no weight is counted but not weighted.

    Returns
    -------
    (key column, label)
        ``("offence_code" | "crime_type", the label every harm figure carries)``.
    """
    scheme = scope.scheme
    key = "crime_type"
    if scheme.derived_from is not None and "-derived-" in scheme.name:
        base = get_scheme(con, scheme.name.rsplit("-derived-", 1)[0], scheme.version)
        if base.key == "offence_code":
            scheme, key = base, "offence_code"
    con.execute("CREATE OR REPLACE TEMP TABLE offence_weights (key VARCHAR, weight DOUBLE)")
    if scheme.weights:
        con.executemany(
            "INSERT INTO offence_weights VALUES (?, ?)", [list(kv) for kv in scheme.weights.items()]
        )
    return key, scheme.label
