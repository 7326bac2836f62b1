"""Partner data formats v1: ``da_service``, ``marac`` and ``ce_cohort`` CSV files.

Described for people in ``docs/formats/partner-v1.md`` and for machines in
``data/partner-v1.yaml`` (column lists and value sets come from there). This module holds the
row checks (SQL over the all-text ``stage`` table, see :mod:`saferplaces.sources.csv_checks`)
and the SQL for the typed warehouse columns; loading is
:mod:`saferplaces.warehouse.extract_ingest`.
"""

from __future__ import annotations

from dataclasses import dataclass

from saferplaces.sources import csv_checks as cc

__all__ = ["PARTNER_KINDS", "PartnerKind"]

_FORMAT = cc.load_format("partner-v1")


@dataclass(frozen=True)
class PartnerKind:
    """One partner dataset: its file layout, checks, warehouse table and replacement unit."""

    name: str
    table: str
    spec: cc.FileSpec
    checks: list[cc.Check]
    columns: dict[str, str]  # warehouse column -> SQL over a checked stage row
    unique: str | None  # column that must be unique in a file (checked after `checks`)
    month: str | None  # SQL for the row's partition month; None: the file is a snapshot


def _kind(name: str, checks: list[cc.Check], columns: dict[str, str], unique: str | None,
          month: str | None) -> PartnerKind:  # fmt: skip
    k = _FORMAT["kinds"][name]
    spec = cc.file_spec(name, f"a {name} file (partner format v1: {k['what']})", k["columns"])
    return PartnerKind(name, k["table"], spec, checks, columns, unique, month)


def _values(kind: str, col: str) -> tuple[str, ...]:
    cols = _FORMAT["kinds"][kind]["columns"]
    return tuple(str(v) for v in next(c for c in cols if c["name"] == col)["values"])


_CHANNELS = _values("da_service", "channel")
_GENDERS = _values("ce_cohort", "gender")
_TYPES = _values("ce_cohort", "type")

PARTNER_KINDS: dict[str, PartnerKind] = {
    "da_service": _kind(
        "da_service",
        [
            cc.empty("date"),
            cc.date("date"),
            cc.empty("channel"),
            cc.one_of("channel", _CHANNELS),
            cc.identifier("person_id"),
        ],
        {
            "date": "date::DATE",
            "month": "date_trunc('month', date::DATE)::DATE",
            "channel": cc.canonical("channel", _CHANNELS),
            "person_id": "person_id",
        },
        unique=None,
        month="date_trunc('month', date::DATE)::DATE",
    ),
    "marac": _kind(
        "marac",
        [
            cc.empty("case_id"),
            cc.identifier("case_id"),
            cc.empty("referral_date"),
            cc.date("referral_date"),
            cc.empty("person_id"),
            cc.identifier("person_id"),
            cc.integer("children_in_household", 0, 20),
        ],
        {
            "case_id": "case_id",
            "referral_date": "referral_date::DATE",
            "month": "date_trunc('month', referral_date::DATE)::DATE",
            "person_id": "person_id",
            "children_in_household": "trim(children_in_household)::INTEGER",
        },
        unique="case_id",
        month="date_trunc('month', referral_date::DATE)::DATE",
    ),
    "ce_cohort": _kind(
        "ce_cohort",
        [
            cc.empty("person_id"),
            cc.identifier("person_id"),
            cc.empty("start"),
            cc.date("start"),
            cc.date("end"),
            (
                "end_before_start",
                '"end"::DATE < "start"::DATE',
                "'end ' || \"end\" || ' is before start ' || \"start\"",
            ),
            cc.one_of("gender", _GENDERS),
            cc.integer("age", 0, 25),
            cc.empty("type"),
            cc.one_of("type", _TYPES),
        ],
        {
            "person_id": "person_id",
            "start_date": '"start"::DATE',
            "end_date": '"end"::DATE',
            "gender": cc.canonical("gender", _GENDERS),
            "age": "trim(age)::INTEGER",
            "type": cc.canonical("type", _TYPES),
        },
        unique="person_id",
        month=None,
    ),
}
