"""data.police.uk ingest: every row loaded or quarantined, partitions replaced, files checked."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saferplaces.warehouse.ingest import ingest_files, ingest_police_uk
from saferplaces.warehouse.schema import connect
from tests.conftest import FIXTURES

PUK = FIXTURES / "police_uk"
STREET = PUK / "2024-03" / "2024-03-test-force-street.csv"
OUTCOMES = PUK / "2024-03" / "2024-03-test-force-outcomes.csv"
SEARCH = PUK / "2024-03" / "2024-03-test-force-stop-and-search.csv"

# line -> reason, written into the fixture by hand (see tests/fixtures/police_uk)
STREET_BAD = {
    7: "month_format",
    8: "coordinates_incomplete",
    9: "coordinates_not_numbers",
    10: "coordinates_outside_uk",
    11: "lsoa_code",
    12: "crime_type",
    13: "crime_id",
    14: "csv_missing_columns",
    15: "csv_too_many_columns",
}


def mem() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_street_file_rows_loaded_or_quarantined_with_line_and_reason():
    con = mem()
    report = ingest_files(con, [STREET])
    [f] = report.files
    assert (f.status, f.kind, f.force, f.months) == ("loaded", "street", "test-force", ["2024-03"])
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (15, 6, 9)
    assert q(con, "SELECT count(*) FROM crime") == [(5,)]
    assert q(con, "SELECT count(*) FROM asb") == [(1,)]
    got = dict(q(con, "SELECT line, reason FROM quarantine ORDER BY line"))
    assert got == STREET_BAD
    # raw text is the file's own line, byte for byte
    lines = STREET.read_text().split("\n")
    for line, raw in q(con, "SELECT line, raw FROM quarantine"):
        assert raw == lines[line - 1]
    # loaded rows know their line, even after the rejected lines 14 and 15
    assert q(con, "SELECT line FROM crime WHERE location = 'On or near Church Street'") == [(16,)]
    assert q(con, "SELECT line FROM crime WHERE location = 'On or near Mill Lane, Wellington'") == [
        (6,)
    ]
    assert q(con, "SELECT line FROM asb") == [(4,)]


def test_quarantine_detail_is_a_sentence_a_person_can_act_on():
    con = mem()
    ingest_files(con, [STREET])
    detail = dict(q(con, "SELECT reason, detail FROM quarantine"))
    assert detail["month_format"] == "Month '2024/03' is not YYYY-MM"
    assert detail["lsoa_code"] == "LSOA code 'X01014171' is not E01 or W01 followed by six digits"
    assert detail["crime_type"] == "Crime type 'Fraud' is not a data.police.uk category"
    assert detail["coordinates_outside_uk"].startswith(
        "Longitude 2.35, Latitude 48.85 is outside the UK"
    )
    assert "64 hexadecimal" in detail["crime_id"]


def test_typed_columns():
    con = mem()
    ingest_files(con, [STREET])
    row = q(
        con,
        "SELECT month, longitude, latitude, crime_type, crime_id IS NULL FROM crime "
        "WHERE location = 'No location'",
    )
    assert str(row[0][0]) == "2024-03-01"
    assert row[0][1:] == (None, None, "Other crime", True)
    types = dict(
        q(con, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'crime'")
    )
    assert types["month"] == "DATE" and types["longitude"] == "DOUBLE"


def test_outcomes_and_stop_search():
    con = mem()
    report = ingest_files(con, [OUTCOMES, SEARCH])
    by_kind = {f.kind: f for f in report.files}
    assert (by_kind["outcomes"].rows_loaded, by_kind["outcomes"].rows_quarantined) == (2, 1)
    assert (
        by_kind["stop-and-search"].rows_loaded,
        by_kind["stop-and-search"].rows_quarantined,
    ) == (2, 3)
    assert dict(q(con, "SELECT line, reason FROM quarantine WHERE kind = 'stop-and-search'")) == {
        4: "date_format",
        5: "search_type",
        6: "boolean",
    }
    assert q(con, "SELECT reason, line FROM quarantine WHERE kind = 'outcomes'") == [
        ("crime_id", 4)
    ]
    # the late-night search from 29 February keeps its own month but the file's partition
    assert sorted(str(m) for (m,) in q(con, "SELECT month FROM stop_search")) == [
        "2024-02-01",
        "2024-03-01",
    ]
    assert q(con, "SELECT kind, strftime(month, '%Y-%m'), rows FROM partition ORDER BY kind") == [
        ("outcomes", "2024-03", 2),
        ("stop-and-search", "2024-03", 2),
    ]
    assert q(con, "SELECT force FROM stop_search GROUP BY force") == [("test-force",)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("2024-04-test-force-street.csv", "is truncated: line 3 stops after"),
        ("2024-05-test-force-street.csv", "is not UTF-8 text (byte 0xE9 on line 2)"),
        ("2024-06-test-force-street.csv", "is empty"),
        ("not-police.csv", "is not a data.police.uk file: its header 'name,value'"),
    ],
)
def test_broken_file_fails_with_one_line_and_rest_of_batch_loads(name: str, message: str):
    con = mem()
    report = ingest_files(con, [PUK / "bad" / name, STREET])
    failed = report.failed
    assert len(failed) == 1
    assert failed[0].file.endswith(name)
    assert message in failed[0].message
    assert "\n" not in failed[0].message
    assert q(con, "SELECT count(*) FROM crime") == [(5,)]
    assert q(con, "SELECT status, count(*) FROM ingest_log GROUP BY 1 ORDER BY 1") == [
        ("failed", 1),
        ("loaded", 1),
    ]


def test_missing_path_is_reported():
    report = ingest_files(mem(), [PUK / "nope.csv"])
    assert [f.message for f in report.failed] == [f"{PUK / 'nope.csv'}: no such file or folder"]


def test_zip_with_stray_file(tmp_path: Path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(STREET, "2024-03/2024-03-test-force-street.csv")
        zf.write(OUTCOMES, "2024-03/2024-03-test-force-outcomes.csv")
        zf.writestr("README.txt", "stray")
    con = mem()
    report = ingest_files(con, [archive])
    assert [s.name for s in report.skipped] == [f"{archive}!README.txt"]
    assert not report.skipped[0].error
    assert not report.failed
    assert q(con, "SELECT file FROM quarantine WHERE line = 7") == [
        (f"{archive}!2024-03/2024-03-test-force-street.csv",)
    ]


def test_damaged_zip_fails_cleanly(tmp_path: Path):
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(STREET, "2024-03/2024-03-test-force-street.csv")
    archive.write_bytes(archive.read_bytes()[:-30])
    report = ingest_files(mem(), [archive])
    assert len(report.failed) == 1
    assert "zip archive" in report.failed[0].message or "damaged" in report.failed[0].message


def _contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Warehouse data without ingest bookkeeping (ids and times differ between runs)."""
    out = {}
    for table in ("crime", "asb", "outcome", "stop_search"):
        cols = [
            c
            for (c,) in q(
                con,
                f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}' "
                "AND column_name <> 'ingest_id'",
            )
        ]
        out[table] = sorted(q(con, f"SELECT {', '.join(cols)} FROM {table}"), key=repr)
    out["quarantine"] = sorted(q(con, "SELECT file, line, reason, raw FROM quarantine"), key=repr)
    out["partition"] = sorted(q(con, "SELECT kind, force, month, sha256, rows FROM partition"))
    return out


def test_folder_zip_and_single_files_are_equivalent(tmp_path: Path):
    folder = tmp_path / "dl"
    shutil.copytree(PUK / "2024-03", folder / "2024-03")
    archive = tmp_path / "dl.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted((folder / "2024-03").iterdir()):
            zf.write(p, f"2024-03/{p.name}")
    results = []
    for paths in ([folder], [archive], sorted((folder / "2024-03").iterdir())):
        con = mem()
        ingest_files(con, paths)
        c = _contents(con)
        # file names differ by route; compare the rest
        c["quarantine"] = sorted(
            (Path(f.split("!")[-1]).name, *rest) for f, *rest in c["quarantine"]
        )
        results.append(c)
    assert results[0] == results[1] == results[2]


def test_ingest_again_changes_nothing_and_revision_replaces(tmp_path: Path):
    con = mem()
    ingest_files(con, [STREET])
    before = _contents(con)
    again = ingest_files(con, [STREET])
    assert [f.status for f in again.files] == ["unchanged"]
    assert _contents(con) == before
    # a revised March file: two rows fewer, one outcome changed; the newest wins
    revised = tmp_path / "2024-03" / STREET.name
    revised.parent.mkdir()
    lines = STREET.read_text().split("\n")
    lines = lines[:3] + lines[5:]
    lines = [ln.replace("Under investigation", "Suspect charged") for ln in lines]
    revised.write_text("\n".join(lines))
    ingest_files(con, [revised])
    assert q(con, "SELECT count(*) FROM crime") == [(4,)]
    assert q(con, "SELECT count(*) FROM asb") == [(0,)]
    assert q(con, "SELECT last_outcome_category FROM crime WHERE line = 2") == [
        ("Suspect charged",)
    ]
    # the first file's quarantine went with it; the revision's own is there once
    assert q(con, "SELECT count(*), count(DISTINCT ingest_id) FROM quarantine") == [(9, 1)]
    assert q(con, "SELECT status FROM ingest_log ORDER BY ingest_id") == [
        ("superseded",),
        ("unchanged",),
        ("loaded",),
    ]


def _month_file(dirpath: Path, month: str, force: str, n: int) -> Path:
    """A small valid street file for one month and force."""
    import hashlib

    p = dirpath / f"{month}-{force}-street.csv"
    rows = [
        f"{hashlib.sha256(f'{month}{force}{i}'.encode()).hexdigest()},{month},X,X,-2.4,52.6,"
        f"On or near Road {i},E0101{i:04d},Somewhere,Burglary,,"
        for i in range(n)
    ]
    p.write_text(STREET.read_text().split("\n")[0] + "\n" + "\n".join(rows) + "\n")
    return p


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    spec=st.lists(
        st.tuples(
            st.sampled_from(["2024-01", "2024-02", "2024-03"]),
            st.sampled_from(["fa", "fb"]),
            st.integers(0, 4),
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: (t[0], t[1]),
    ),
    data=st.data(),
)
def test_ingest_order_and_repetition_do_not_change_the_result(tmp_path: Path, spec, data):
    d = tmp_path / f"h{abs(hash(tuple(spec)))}"
    d.mkdir(exist_ok=True)
    files = [_month_file(d, m, f, n) for m, f, n in spec] + [STREET]
    shuffled = data.draw(st.permutations(files))
    a, b = mem(), mem()
    ingest_files(a, files)
    ingest_files(b, shuffled)
    ingest_files(b, list(reversed(files)))  # again: nothing changes
    assert _contents(a) == _contents(b)


@pytest.mark.shared
def test_real_west_mercia_year(shared_data: Path, workspace):
    folder = shared_data / "crime" / "west-mercia"
    report = ingest_police_uk(workspace, [folder])
    # independent count with Python's csv module
    expected_rows = expected_asb = 0
    per_month = {}
    for p in sorted(folder.glob("*.csv")):
        with p.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        expected_rows += len(rows)
        expected_asb += sum(
            1 for r in rows if not r["Crime ID"] and r["Crime type"] == "Anti-social behaviour"
        )
        per_month[p.name[:7]] = len(rows)
    assert expected_rows == 102_105
    t = report.totals()
    assert (t["files"], t["failed"], t["rows_read"], t["rows_loaded"]) == (12, 0, 102_105, 102_105)
    con = workspace.connect(read_only=True)
    assert q(con, "SELECT count(*) FROM asb") == [(expected_asb,)]
    assert q(con, "SELECT count(*) FROM crime") == [(expected_rows - expected_asb,)]
    got = dict(q(con, "SELECT strftime(month, '%Y-%m'), rows FROM partition WHERE kind = 'street'"))
    assert got == per_month
    assert (
        q(con, "SELECT count(*) FROM crime WHERE lsoa_name LIKE 'Telford and Wrekin%'")[0][0]
        + q(con, "SELECT count(*) FROM asb WHERE lsoa_name LIKE 'Telford and Wrekin%'")[0][0]
        == 18_388
    )
    # Every loaded row knows its own line in its own file: the 12 files are staged together, and
    # a check that reorders the staged rows (a long IN list becomes a join) would break this.
    by_line = {}
    for p in sorted(folder.glob("*.csv")):
        with p.open(newline="", encoding="utf-8") as fh:
            for line, r in enumerate(csv.DictReader(fh), start=2):
                by_line[(p.name, line)] = (r["Crime ID"] or None, r["Crime type"], r["Location"])
    got_rows = q(
        con,
        "SELECT l.file, c.line, c.crime_id, c.crime_type, c.location FROM crime c "
        "JOIN ingest_log l USING (ingest_id) UNION ALL SELECT l.file, a.line, NULL, "
        "'Anti-social behaviour', a.location FROM asb a JOIN ingest_log l USING (ingest_id)",
    )
    assert len(got_rows) == expected_rows
    wrong = [r for r in got_rows if by_line.get((Path(r[0]).name, r[1])) != r[2:]]
    assert wrong == []


@pytest.mark.shared
def test_real_stop_and_search_files(shared_data: Path):
    folder = shared_data / "crime" / "city-of-london-stop-and-search"
    con = mem()
    report = ingest_files(con, [folder])
    expected = sum(
        len(list(csv.DictReader(p.open(encoding="utf-8")))) for p in folder.glob("*.csv")
    )
    assert expected == 6_855
    assert report.totals()["rows_read"] == expected
    assert (
        report.totals()["rows_read"]
        == report.totals()["rows_loaded"] + report.totals()["rows_quarantined"]
    )
    assert q(con, "SELECT count(*) FROM stop_search")[0][0] == report.totals()["rows_loaded"]
    assert q(con, "SELECT count(*) FROM partition") == [(36,)]


def test_same_partition_twice_in_one_call(tmp_path: Path):
    """Within one call (one batch transaction) the later file of a partition wins."""
    revised = tmp_path / "rev" / STREET.name
    revised.parent.mkdir()
    revised.write_text(STREET.read_text().replace("Under investigation", "Suspect charged"))
    archive = tmp_path / "same.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(STREET, f"2024-03/{STREET.name}")
    con = mem()
    report = ingest_files(con, [STREET, archive, revised])
    assert [f.status for f in report.files] == ["loaded", "unchanged", "loaded"]
    assert q(con, "SELECT last_outcome_category FROM crime WHERE line = 2") == [
        ("Suspect charged",)
    ]
    assert q(con, "SELECT count(*) FROM crime") == [(5,)]
    assert q(con, "SELECT count(*), count(DISTINCT ingest_id) FROM quarantine") == [(9, 1)]
    assert q(con, "SELECT count(*) FROM partition") == [(1,)]


def test_line_numbers_with_a_quoted_line_break_and_rejects(tmp_path: Path):
    """A Location with a line break in quotes: every line number is still the file's own."""
    header = STREET.read_text().split("\n")[0]
    good = STREET.read_text().split("\n")[1]  # a valid Burglary row
    cid = good.split(",")[0]
    rows = [
        good,  # line 2
        good.replace(cid, "b" * 64).replace(
            "On or near High Street", '"On or near\nHigh Street"'
        ),  # 3-4
        good.replace(cid, "c" * 64) + ",extra",  # line 5: too many columns
        good.replace(cid, "d" * 64).replace("2024-03", "2024/03"),  # line 6: month
        good.replace(cid, "e" * 64),  # line 7
    ]
    f = tmp_path / "2024-03" / "2024-03-test-force-street.csv"
    f.parent.mkdir()
    f.write_text(header + "\n" + "\n".join(rows) + "\n")
    con = mem()
    [r] = ingest_files(con, [f]).files
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (5, 3, 2)
    assert q(con, "SELECT line, reason FROM quarantine ORDER BY line") == [
        (5, "csv_too_many_columns"),
        (6, "month_format"),
    ]
    assert [x for (x,) in q(con, "SELECT line FROM crime ORDER BY line")] == [2, 3, 7]
    raw = dict(q(con, "SELECT line, raw FROM quarantine"))
    assert raw[5].endswith(",extra") and "2024/03" in raw[6]


def test_warehouse_of_an_earlier_version_is_upgraded(tmp_path: Path):
    """offence/person/involvement tables with per-row force, extract_id and synthetic (and
    involvement.month) become extract_* tables behind views, rows kept."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE offence (offence_id VARCHAR, month DATE, force VARCHAR, "
        "markers VARCHAR[], extract_id VARCHAR, synthetic BOOLEAN, ingest_id BIGINT, line BIGINT);"
        "CREATE TABLE person (person_id VARCHAR, force VARCHAR, extract_id VARCHAR, "
        "synthetic BOOLEAN, ingest_id BIGINT, line BIGINT);"
        "CREATE TABLE involvement (offence_id VARCHAR, person_id VARCHAR, role VARCHAR, "
        "month DATE, force VARCHAR, extract_id VARCHAR, synthetic BOOLEAN, ingest_id BIGINT, "
        "line BIGINT);"
        "INSERT INTO offence VALUES ('O1', '2020-01-01', 'f', ['DA'], 'x1', true, 1, 2);"
        "INSERT INTO person VALUES ('P1', 'f', 'x1', true, 2, 2);"
        "INSERT INTO involvement VALUES ('O1', 'P1', 'victim', '2020-01-01', 'f', 'x1', true, 3, 2)"
    )
    old.close()
    con = connect(path)
    con.execute(
        "INSERT INTO extract VALUES (1, 2, 3, 'x1', 'f', '2020-01-01', '2020-01-01', true, 'd', "
        "'folder', now(), 'loaded')"
    )
    assert q(con, "SELECT offence_id, force, extract_id, synthetic, line FROM offence") == [
        ("O1", "f", "x1", True, 2)
    ]
    assert q(con, "SELECT person_id, force FROM person") == [("P1", "f")]
    assert q(con, "SELECT offence_id, role, extract_id FROM involvement") == [
        ("O1", "victim", "x1")
    ]
    cols = {r[0] for r in q(con, "DESCRIBE extract_involvement")}
    assert {"month", "force", "extract_id", "synthetic"}.isdisjoint(cols)
    con.close()
    connect(path).close()  # and again: nothing left to upgrade
