"""Partner data ingest: each kind checked row by row, replaced by month or as a snapshot."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.warehouse.extract_ingest import load_partner
from saferplaces.warehouse.schema import connect
from tests.conftest import FIXTURES

PARTNER = FIXTURES / "partner"


def mem() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("kind", "counts", "bad"),
    [
        ("da_service", (10, 5, 5), {6: "date_missing", 7: "date_format", 8: "channel_missing",
                                    9: "channel", 10: "person_id_format"}),
        ("marac", (9, 3, 6), {5: "case_id_missing", 6: "referral_date_missing",
                              7: "referral_date_format", 8: "person_id_missing",
                              9: "children_in_household_format", 10: "case_id_duplicate"}),
        ("ce_cohort", (13, 3, 10), {5: "person_id_missing", 6: "start_missing",
                                    7: "start_format", 8: "end_format", 9: "end_before_start",
                                    10: "gender", 11: "age_format", 12: "type_missing",
                                    13: "type", 14: "person_id_duplicate"}),
    ],
)  # fmt: skip
def test_each_kind_loads_or_quarantines_every_row(kind: str, counts: tuple, bad: dict):
    con = mem()
    [f] = load_partner(con, kind, PARTNER / f"{kind}.csv").files
    assert (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("loaded", *counts)
    assert dict(q(con, "SELECT line, reason FROM quarantine ORDER BY line")) == bad
    assert q(con, f"SELECT count(*) FROM partner_{kind}") == [(counts[1],)]


def test_typed_and_canonical_values():
    con = mem()
    for kind in ("da_service", "marac", "ce_cohort"):
        load_partner(con, kind, PARTNER / f"{kind}.csv")
    assert q(con, "SELECT channel, count(*) FROM partner_da_service GROUP BY 1 ORDER BY 1") == [
        ("101 triage", 2), ("helpline", 1), ("referral", 1), ("website", 1)
    ]  # fmt: skip
    assert q(con, "SELECT case_id, referral_date::VARCHAR, person_id, children_in_household "
                  "FROM partner_marac ORDER BY 1") == [  # fmt: skip
        ("M1", "2020-01-10", "P1", 2),
        ("M2", "2020-02-11", "P5", 0),
        ("M3", "2020-02-20", "P6", None),
    ]  # fmt: skip
    assert q(
        con,
        "SELECT person_id, end_date::VARCHAR, gender, age, type, source "
        "FROM partner_ce_cohort ORDER BY 1",
    ) == [  # fmt: skip
        ("C1", "2020-06-30", "female", 15, "CSE", "ce_cohort"),
        ("C2", None, "male", 16, "CCE", "ce_cohort"),
        ("C3", None, "female", 14, "both", "ce_cohort"),
    ]


def test_events_replace_their_months_and_twice_is_once(tmp_path: Path):
    con = mem()
    load_partner(con, "da_service", PARTNER / "da_service.csv")
    again = load_partner(con, "da_service", PARTNER / "da_service.csv")
    assert [f.status for f in again.files] == ["unchanged"]
    assert q(con, "SELECT count(*) FROM partner_da_service") == [(5,)]
    # a revised February: three contacts; January, March and April stay
    feb = tmp_path / "da-feb.csv"
    feb.write_text("date,channel,person_id\n2020-02-01,helpline,\n2020-02-02,outreach,P2\n"
                   "2020-02-28,website,\n")  # fmt: skip
    [f] = load_partner(con, "da_service", feb).files
    assert f.months == ["2020-02"]
    assert q(
        con,
        "SELECT strftime(month, '%Y-%m'), count(*) FROM partner_da_service GROUP BY 1 ORDER BY 1",
    ) == [  # fmt: skip
        ("2020-01", 2),
        ("2020-02", 3),
        ("2020-03", 1),
        ("2020-04", 1),
    ]
    # another source of the same kind lives beside it
    load_partner(con, "da_service", feb, source="second-provider")
    assert q(con, "SELECT source, count(*) FROM partner_da_service GROUP BY 1 ORDER BY 1") == [
        ("da_service", 7), ("second-provider", 3)
    ]  # fmt: skip


def test_cohort_is_a_snapshot_replaced_whole(tmp_path: Path):
    con = mem()
    load_partner(con, "ce_cohort", PARTNER / "ce_cohort.csv")
    newer = tmp_path / "cohort-2021.csv"
    newer.write_text("person_id,start,end,gender,age,type\nC9,2021-01-04,,female,13,CSE\n")
    load_partner(con, "ce_cohort", newer)
    assert q(con, "SELECT person_id FROM partner_ce_cohort") == [("C9",)]
    assert q(con, "SELECT count(*) FROM quarantine") == [(0,)]
    assert q(con, "SELECT status FROM ingest_log ORDER BY ingest_id") == [
        ("superseded",), ("loaded",)
    ]  # fmt: skip


def test_broken_partner_file_fails_with_one_line(tmp_path: Path):
    bad = tmp_path / "marac.csv"
    bad.write_bytes(b"case_id,referral_date,person_id,children_in_household\nM1,2020-01-1")
    [f] = load_partner(mem(), "marac", bad).failed
    assert f.message == (f"{bad}: is truncated: line 2 stops after 2 of 4 columns and the file "
                         "has no final newline; download it again")  # fmt: skip
    with pytest.raises(SaferplacesError, match="not one of da_service, marac, ce_cohort"):
        load_partner(mem(), "refuge", bad)
