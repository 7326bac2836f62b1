"""Force extract format v1: ``offences.csv``, ``people.csv``, ``involvements.csv`` and manifest.

The format is described for people in ``docs/formats/extract-v1.md`` and for machines in
``data/extract-v1.yaml``, from which the column lists and value sets here are taken. This module
knows the format: the manifest, the marker vocabulary, the row checks (as SQL over the all-text
``stage`` table, see :mod:`saferplaces.sources.csv_checks`) and the SQL that turns a checked row
into typed warehouse columns. Loading is :mod:`saferplaces.warehouse.extract_ingest`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from saferplaces.errors import InputFileError, SaferplacesError
from saferplaces.geo.areas import force_slug
from saferplaces.harm.scheme import canonical_category, home_office_codes
from saferplaces.periods import Period
from saferplaces.sources import csv_checks as cc
from saferplaces.sources.police_uk import _COORD_CHECKS, _LSOA_CHECK, CRIME_TYPES

__all__ = [
    "EXTRACT_FILES",
    "MANIFEST",
    "ExtractManifest",
    "SPECS",
    "involvement_checks",
    "marker_map",
    "marker_vocabulary",
    "offence_checks",
    "offence_columns",
    "person_checks",
    "person_columns",
    "read_manifest",
]

MANIFEST = "extract.toml"
_FORMAT = cc.load_format("extract-v1")
EXTRACT_FILES: tuple[str, ...] = tuple(_FORMAT["files"])  # offences.csv, people.csv, ...
SPECS: dict[str, cc.FileSpec] = {
    name: cc.file_spec(
        "extract-" + name.removesuffix(".csv"), f"an extract {name} (format v1)", f["columns"]
    )
    for name, f in _FORMAT["files"].items()
}
GB_EASTING = (0, 700_000)
GB_NORTHING = (0, 1_300_000)
# Home Office codes look like 8L, 37.1, 105A or 1/4.1/4.10/4.2 (letters, never words).
_CODE_RE = r"[0-9]{1,3}[A-Z]{0,2}(\.[0-9]{1,2}[A-Z]?)?(/[0-9]{1,3}[A-Z]{0,2}(\.[0-9]{1,2}[A-Z]?)?)*"


@dataclass(frozen=True)
class ExtractManifest:
    """What an extract folder says about itself (``extract.toml``), completed by defaults."""

    extract_id: str
    force: str  # data.police.uk slug
    period: Period | None  # None: the months of the offences' recorded dates
    synthetic: bool
    produced: str | None = None
    description: str | None = None


def read_manifest(
    directory: Path, force: str | None = None, period: str | None = None
) -> ExtractManifest:
    """Read ``extract.toml`` if the folder has one; ``force`` and ``period`` fill its gaps.

    Raises
    ------
    InputFileError
        When the manifest is not valid TOML or holds an unknown key or a bad value, or when no
        force is known.
    """
    path = directory / MANIFEST
    raw: dict = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise InputFileError(str(path), f"is not valid UTF-8 TOML ({e})") from None
    known = {f["name"] for f in _FORMAT["manifest"]["fields"]}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputFileError(
            str(path), f"has keys the format does not define: {', '.join(unknown)} "
            f"(expected {', '.join(sorted(known))})",
        )  # fmt: skip
    if raw.get("format", "saferplaces-extract-v1") != "saferplaces-extract-v1":
        raise InputFileError(
            str(path), f"format '{raw['format']}' is not saferplaces-extract-v1; this version of "
            "saferplaces reads extract format v1 only",
        )  # fmt: skip
    where = str(path) if path.is_file() else str(directory)
    force_name = raw.get("force") or force
    if not force_name:
        raise InputFileError(
            where, f"does not say which force produced the extract: add force = \"...\" to "
            f"{MANIFEST} or pass --force",
        )  # fmt: skip
    text = raw.get("period") or period
    try:
        parsed = Period.parse(str(text)) if text else None
    except SaferplacesError as e:
        raise InputFileError(where, f"period: {e}") from None
    synthetic = raw.get("synthetic", "synthetic" in directory.name.lower())
    if not isinstance(synthetic, bool):
        raise InputFileError(where, f"synthetic must be true or false, not {synthetic!r}")
    return ExtractManifest(
        extract_id=str(raw.get("extract_id") or directory.resolve().name),
        force=force_slug(str(force_name)),
        period=parsed,
        synthetic=synthetic,
        produced=str(raw["produced"]) if "produced" in raw else None,
        description=raw.get("description"),
    )


# --- Markers ------------------------------------------------------------------------------------


@cache
def marker_vocabulary() -> dict[str, str]:
    """The saferplaces markers (code -> description) from the bundled ``markers.yaml``.

    Examples
    --------
    >>> marker_vocabulary()["CSE"]
    'Child sexual exploitation.'
    """
    path = resources.files("saferplaces.data").joinpath("markers.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data["markers"].items()}


def marker_map(markers: dict[str, dict[str, str]], force: str) -> dict[str, str]:
    """Upper-cased marker as it may appear in an extract -> saferplaces marker.

    Every vocabulary code stands for itself; the force's local codes from ``saferplaces.toml``
    (``[markers.<force>]``) map onto the vocabulary and win over it.

    Raises
    ------
    SaferplacesError
        When a local code maps onto something that is not a saferplaces marker.
    """
    vocab = marker_vocabulary()
    out = {code.upper(): code for code in vocab}
    for local, target in markers.get(force, {}).items():
        if target.upper() not in out or out[target.upper()] != target.upper():
            raise SaferplacesError(
                f"saferplaces.toml [markers.{force}] maps '{local}' to '{target}', which is not "
                f"a saferplaces marker (one of {', '.join(vocab)})"
            )
        out[local.strip().upper()] = target.upper()
    return out


def _map_literal(m: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{cc.sql_str(k)}: {cc.sql_str(v)}" for k, v in m.items()) + "}"


def _known(markers: dict[str, str]) -> str:
    """SQL: the lambda's ``x`` is a known marker code.

    A MAP literal inside a lambda is built again for every row, ten times slower than IN.
    """
    return "x IN (" + ", ".join(cc.sql_str(k) for k in sorted(markers)) + ")"


def _single_known(markers: dict[str, str], exact: bool = False) -> str:
    """SQL: ``markers`` is one known code as written (``exact``: a saferplaces marker itself).

    The fast path before the list functions: most marked records carry one marker, spelled as
    the vocabulary spells it.
    """
    codes = [k for k, v in markers.items() if not exact or k == v]
    return cc.member("markers", sorted(codes))


def _mapped(markers: dict[str, str]) -> str:
    """SQL: the lambda's ``x`` mapped to its saferplaces marker (identity when it is one)."""
    changes = {k: v for k, v in sorted(markers.items()) if k != v}
    if not changes:
        return "x"
    whens = " ".join(f"WHEN {cc.sql_str(k)} THEN {cc.sql_str(v)}" for k, v in changes.items())
    return f"CASE x {whens} ELSE x END"


_ITEMS = (
    "list_filter(list_transform(string_split(coalesce(markers, ''), ';'), "
    "x -> upper(trim(x))), x -> x <> '')"
)


# --- Offences -----------------------------------------------------------------------------------


@cache
def _code_maps() -> tuple[str, str]:
    """SQL MAP literals: upper code (or part of a combined code) -> listed code -> category."""
    codes: dict[str, str] = {}
    category: dict[str, str] = {}
    for code, cat in zip(home_office_codes().Offence_Code, home_office_codes()["Police.uk_Cat"],
                         strict=True):  # fmt: skip
        for part in code.split("/") if "/" in code else []:
            codes.setdefault(part.upper(), code)
        codes[code.upper()] = code
        if (c := canonical_category(cat)) is not None:
            category[code] = c
    return _map_literal(codes), _map_literal(category)


def _category_map() -> str:
    return _map_literal({" ".join(t.lower().split()): t for t in CRIME_TYPES})


_CAT_KEY = "regexp_replace(lower(trim(police_uk_category)), ' +', ' ', 'g')"


def _listed(col: str, values: Iterable[str]) -> str:
    """SQL: ``col`` is spelled exactly as one of ``values`` (the fast path before a lookup)."""
    return cc.member(col, sorted(set(values)))


@cache
def _listed_codes() -> str:
    return _listed("offence_code", home_office_codes().Offence_Code)


def offence_checks(period: Period | None, markers: dict[str, str], force: str) -> list[cc.Check]:
    """Row checks of ``offences.csv``, in order (a row is quarantined for its first failure).

    ``offence_id_duplicate`` is checked afterwards, among the rows that passed these.
    """
    spec = SPECS["offences.csv"]
    codes, code_cat = _code_maps()
    code = "upper(trim(offence_code))"
    is_offence = f"{cc.canonical('record_type', spec.values['record_type'])} = 'offence'"
    checks = [
        cc.empty("offence_id"),
        cc.identifier("offence_id"),
        cc.empty("record_type"),
        cc.one_of("record_type", spec.values["record_type"]),
        cc.empty("recorded_date"),
        cc.date("recorded_date"),
    ]
    if period is not None:
        checks.append((
            "outside_period",
            f"NOT (recorded_date::DATE BETWEEN DATE '{period.start}' "
            f"AND DATE '{period.month_starts()[-1]}' + INTERVAL 1 MONTH - INTERVAL 1 DAY)",
            f"'recorded_date ' || recorded_date || ' is outside the extract period {period}'",
        ))  # fmt: skip
    checks += [
        cc.datetime_("committed_from"),
        cc.datetime_("committed_to"),
        (
            "committed_order",
            "committed_to IS NOT NULL AND committed_from IS NOT NULL AND "
            "replace(committed_from, 'T', ' ')::TIMESTAMP > replace(committed_to, 'T', ' ')"
            "::TIMESTAMP",
            "'committed_to ' || committed_to || ' is before committed_from ' || committed_from",
        ),
        (
            "offence_code_missing",
            f"offence_code IS NULL AND {is_offence}",
            "'offence_code is empty; an offence (record_type offence) needs its Home Office code'",
        ),
        (
            "offence_code",
            f"offence_code IS NOT NULL AND NOT {_listed_codes()} "
            f"AND NOT map_contains({codes}, {code}) "
            f"AND NOT regexp_full_match({code}, '{_CODE_RE}')",
            f"'offence_code ' || {cc.shown('offence_code')} || ' is not a Home Office offence "
            "code (digits, then optional letters or .digits, e.g. 8L, 37.1, 105A)'",
        ),
        (
            "police_uk_category",
            f"(police_uk_category IS NOT NULL AND NOT {_listed('police_uk_category', CRIME_TYPES)}"
            f" AND NOT map_contains({_category_map()}, {_CAT_KEY}))"
            f" OR (police_uk_category IS NULL AND {is_offence} "
            f"AND ({codes}[{code}] IS NULL OR {code_cat}[{codes}[{code}]] IS NULL))",
            f"CASE WHEN police_uk_category IS NULL THEN 'police_uk_category is empty and offence "
            f"code ' || {cc.shown('offence_code')} || ' is not in the bundled list to take it "
            "from' ELSE 'police_uk_category ' || " + cc.shown("police_uk_category") + " || ' is "
            "not a data.police.uk category' END",
        ),
        _LSOA_CHECK,
        (
            "grid_incomplete",
            "(easting IS NULL) <> (northing IS NULL)",
            f"'easting and northing must both be given or both be empty; got ' || "
            f"{cc.shown('easting')} || ' and ' || {cc.shown('northing')}",
        ),
        (
            "grid_outside_gb",
            f"easting IS NOT NULL AND coalesce(NOT (TRY_CAST(easting AS DOUBLE) BETWEEN "
            f"{GB_EASTING[0]} AND {GB_EASTING[1]} AND TRY_CAST(northing AS DOUBLE) BETWEEN "
            f"{GB_NORTHING[0]} AND {GB_NORTHING[1]}), true)",
            f"'easting ' || easting || ', northing ' || northing || ' is not on the British "
            f"National Grid (metres, easting 0 to {GB_EASTING[1]}, northing 0 to "
            f"{GB_NORTHING[1]})'",
        ),
        *_COORD_CHECKS,
        (
            "marker_unknown",
            f"markers IS NOT NULL AND NOT {_single_known(markers)} "
            f"AND len(list_filter({_ITEMS}, x -> NOT {_known(markers)})) > 0",
            f"'marker ''' || list_filter({_ITEMS}, x -> NOT {_known(markers)})[1] || "
            f"''' is not a saferplaces marker and [markers.{force}] in saferplaces.toml does "
            "not map it'",
        ),
    ]
    return checks


def offence_columns(markers: dict[str, str]) -> dict[str, str]:
    """Warehouse column of ``offence`` -> SQL over a checked ``stage`` row."""
    codes, code_cat = _code_maps()
    code = "upper(trim(offence_code))"
    spec = SPECS["offences.csv"]
    return {
        "offence_id": "offence_id",
        "record_type": cc.canonical("record_type", spec.values["record_type"]),
        "recorded_date": "recorded_date::DATE",
        "month": "date_trunc('month', recorded_date::DATE)::DATE",
        "committed_from": "replace(committed_from, 'T', ' ')::TIMESTAMP",
        "committed_to": "replace(committed_to, 'T', ' ')::TIMESTAMP",
        "offence_code": f"CASE WHEN {_listed_codes()} THEN offence_code "
        f"ELSE coalesce({codes}[{code}], {code}) END",
        "offence_code_listed": f"CASE WHEN offence_code IS NULL THEN NULL WHEN {_listed_codes()} "
        f"THEN true ELSE map_contains({codes}, {code}) END",
        "offence_description": "offence_description",
        "crime_type": f"CASE WHEN {_listed('police_uk_category', CRIME_TYPES)} THEN "
        f"police_uk_category ELSE coalesce({_category_map()}[{_CAT_KEY}], "
        f"{code_cat}[{codes}[{code}]]) END",
        "easting": "easting::DOUBLE",
        "northing": "northing::DOUBLE",
        "longitude": "longitude::DOUBLE",
        "latitude": "latitude::DOUBLE",
        "lsoa_code": "lsoa_code",
        "outcome": "outcome",
        "markers": "CASE WHEN markers IS NULL THEN []::VARCHAR[] "
        f"WHEN {_single_known(markers, exact=True)} THEN [markers] ELSE "
        f"list_sort(list_distinct(list_transform({_ITEMS}, x -> {_mapped(markers)}))) END",
    }


# --- People and involvements --------------------------------------------------------------------


def person_checks() -> list[cc.Check]:
    """Row checks of ``people.csv``; ``person_id_duplicate`` is checked afterwards."""
    spec = SPECS["people.csv"]
    return [
        cc.empty("person_id"),
        cc.identifier("person_id"),
        cc.integer("year_of_birth", 1900, date.today().year),
        (
            "age_band_format",
            "age_band IS NOT NULL AND NOT regexp_full_match(trim(age_band), "
            "'[0-9]{1,3}(-[0-9]{1,3}|\\+)')",
            f"'age_band ' || {cc.shown('age_band')} || ' is not N-M or N+ in whole years "
            "(e.g. 25-34, 65+)'",
        ),
        cc.one_of("gender", spec.values["gender"]),
        cc.one_of("resident_in_area", spec.values["resident_in_area"]),
    ]


def person_columns() -> dict[str, str]:
    """Warehouse column of ``person`` -> SQL over a checked ``stage`` row."""
    spec = SPECS["people.csv"]
    yes, no = ("true", "yes", "y", "1"), ("false", "no", "n", "0")
    return {
        "person_id": "person_id",
        "year_of_birth": "trim(year_of_birth)::INTEGER",
        "age_band": "trim(age_band)",
        "gender": cc.canonical("gender", spec.values["gender"]),
        "resident_in_area": "CASE WHEN resident_in_area IS NULL THEN NULL "
        f"WHEN {cc.member('resident_in_area', yes)} THEN true "
        f"WHEN {cc.member('resident_in_area', no)} THEN false "
        f"ELSE {cc.member(cc.normalised('resident_in_area'), yes)} END",
    }


def involvement_checks() -> list[cc.Check]:
    """Row checks of ``involvements.csv``.

    The referential checks (``offence_missing``, ``person_missing``) and
    ``involvement_duplicate`` follow, against the offences and people loaded from the same
    extract (see :mod:`saferplaces.warehouse.extract_ingest`).
    """
    spec = SPECS["involvements.csv"]
    return [
        cc.empty("offence_id"),
        cc.empty("person_id"),
        cc.empty("role"),
        cc.one_of("role", spec.values["role"]),
        cc.integer("age_at_offence", 0, 120),
    ]


def involvement_columns() -> dict[str, str]:
    """Warehouse column of ``involvement`` -> SQL over a checked ``stage`` row (alias ``s``)."""
    return {
        "offence_id": "s.offence_id",
        "person_id": "s.person_id",
        "role": cc.canonical("role", SPECS["involvements.csv"].values["role"]),
        "age_at_offence": "trim(s.age_at_offence)::INTEGER",
    }
