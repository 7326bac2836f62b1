"""Force extract ingest: every row loaded or quarantined, references checked, periods replaced."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.warehouse.extract_ingest import load_extract
from saferplaces.warehouse.schema import INTERRUPTED, connect
from saferplaces.workspace import Workspace
from tests.conftest import FIXTURES, run_cli

EXTRACT = FIXTURES / "extract" / "2020q1"
MARKERS = {"test-force": {"DV": "DA"}}

# line -> reason, written into the fixture by hand (see tests/fixtures/extract/2020q1)
OFFENCES_BAD = {
    7: "offence_id_missing",
    8: "offence_id_format",
    9: "record_type_missing",
    10: "record_type",
    11: "recorded_date_missing",
    12: "recorded_date_format",
    13: "outside_period",
    14: "committed_from_format",
    15: "committed_to_format",
    16: "committed_order",
    17: "offence_code_missing",
    18: "offence_code",
    19: "police_uk_category",
    20: "lsoa_code",
    21: "grid_incomplete",
    22: "grid_outside_gb",
    23: "coordinates_incomplete",
    24: "coordinates_not_numbers",
    25: "coordinates_outside_uk",
    26: "marker_unknown",
    27: "offence_id_duplicate",
    28: "csv_missing_columns",
    29: "csv_too_many_columns",
}
PEOPLE_BAD = {
    6: "person_id_missing",
    7: "person_id_format",
    8: "year_of_birth_format",
    9: "age_band_format",
    10: "gender",
    11: "resident_in_area",
    12: "person_id_duplicate",
}
INVOLVEMENTS_BAD = {
    7: "offence_id_missing",
    8: "person_id_missing",
    9: "role_missing",
    10: "role",
    11: "age_at_offence_format",
    12: "offence_missing",
    13: "offence_missing",
    14: "person_missing",
    15: "person_missing",
    16: "involvement_duplicate",
}


def mem() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def quarantined(con: duckdb.DuckDBPyConnection, kind: str) -> dict[int, str]:
    return dict(q(con, f"SELECT line, reason FROM quarantine WHERE kind = '{kind}' ORDER BY line"))


def test_every_row_loaded_or_quarantined_with_line_and_reason():
    con = mem()
    report = load_extract(con, EXTRACT, markers=MARKERS)
    got = {Path(f.file).name: (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined)
           for f in report.files}  # fmt: skip
    assert got == {
        "offences.csv": ("loaded", 29, 6, 23),
        "people.csv": ("loaded", 11, 4, 7),
        "involvements.csv": ("loaded", 16, 6, 10),
    }
    assert quarantined(con, "extract-offences") == OFFENCES_BAD
    assert quarantined(con, "extract-people") == PEOPLE_BAD
    assert quarantined(con, "extract-involvements") == INVOLVEMENTS_BAD
    # raw text is the file's own line; loaded rows know theirs, after the rejected ones
    lines = (EXTRACT / "offences.csv").read_text().split("\n")
    for line, raw in q(con, "SELECT line, raw FROM quarantine WHERE kind = 'extract-offences'"):
        assert raw == lines[line - 1]
    assert q(con, "SELECT line FROM offence WHERE offence_id = 'O30'") == [(30,)]
    assert q(con, "SELECT count(*) FROM offence") == [(6,)]
    assert q(con, "SELECT count(*) FROM person") == [(4,)]  # P4 is referenced by nothing: fine
    assert q(con, "SELECT count(*) FROM involvement") == [(6,)]


def test_details_are_sentences_a_person_can_act_on():
    con = mem()
    load_extract(con, EXTRACT, markers=MARKERS)
    detail = dict(q(con, "SELECT kind || ':' || line, detail FROM quarantine"))
    assert detail["extract-offences:13"] == (
        "recorded_date 2019-12-31 is outside the extract period 2020-01..2020-03"
    )
    assert detail["extract-offences:26"] == (
        "marker 'XYZ' is not a saferplaces marker and [markers.test-force] in saferplaces.toml "
        "does not map it"
    )
    assert detail["extract-involvements:13"] == (
        "offence_id 'O12' is not an offence of this extract (not in offences.csv, or "
        "quarantined there)"
    )
    assert detail["extract-involvements:14"] == (
        "person_id 'P9' is not a person of this extract (not in people.csv, or quarantined there)"
    )


def test_typed_values_markers_codes_and_places():
    con = mem()
    load_extract(con, EXTRACT, markers=MARKERS)
    rows = {
        r[0]: r[1:]
        for r in q(
            con,
            "SELECT offence_id, record_type, month::VARCHAR, offence_code, offence_code_listed, "
            "crime_type, markers, round(longitude, 3), round(latitude, 3) FROM offence",
        )
    }
    assert rows["O1"] == ("offence", "2020-01-01", "8L", True, "Violence and sexual offences",
                          ["DA"], -2.45, 52.68)  # fmt: skip
    # a crimed incident without a code; longitude/latitude from easting/northing
    assert rows["O2"] == ("crimed_incident", "2020-02-01", None, None, None,
                          ["CHILD_PRESENT", "DA"], -2.445, 52.687)  # fmt: skip
    assert rows["O3"][5] == ["ALCOHOL", "VIOLENCE_PUBLIC_PLACE"]
    assert rows["O4"][2:4] == ("8S", True)
    # a code newer than the bundled list loads, flagged
    assert rows["O5"][2:5] == ("9Z", False, "Other crime")
    assert q(con, "SELECT gender, resident_in_area FROM person WHERE person_id = 'P1'") == [
        ("female", True)
    ]
    assert q(con, "SELECT role FROM involvement WHERE person_id = 'P1' "
                  "AND offence_id = 'O4'") == [("victim",)]  # fmt: skip
    assert q(
        con,
        "SELECT extract_id, force, period_start::VARCHAR, period_end::VARCHAR, status FROM extract",
    ) == [  # fmt: skip
        ("test-force-2020q1", "test-force", "2020-01-01", "2020-03-01", "loaded")
    ]
    assert q(con, "SELECT strftime(month, '%Y-%m'), rows FROM partition WHERE kind = 'extract' "
                  "ORDER BY 1") == [("2020-01", 2), ("2020-02", 2), ("2020-03", 2)]  # fmt: skip
    types = dict(q(con, "SELECT column_name, data_type FROM duckdb_columns() "
                        "WHERE table_name = 'offence'"))  # fmt: skip
    assert (types["recorded_date"], types["committed_from"], types["markers"]) == (
        "DATE",
        "TIMESTAMP",
        "VARCHAR[]",
    )


def _contents(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    out = {}
    for table in ("offence", "person", "involvement"):
        out[table] = sorted(q(con, f"SELECT * EXCLUDE (ingest_id) FROM {table}"), key=repr)
    out["quarantine"] = sorted(q(con, "SELECT file, line, reason FROM quarantine"))
    out["partition"] = sorted(q(con, "SELECT kind, force, month, rows FROM partition"))
    return out


def test_ingest_twice_is_ingest_once():
    con = mem()
    load_extract(con, EXTRACT, markers=MARKERS)
    before = _contents(con)
    again = load_extract(con, EXTRACT, markers=MARKERS)
    assert [f.status for f in again.files] == ["unchanged"] * 3
    assert _contents(con) == before


def _copy(tmp_path: Path, name: str) -> Path:
    d = tmp_path / name
    shutil.copytree(EXTRACT, d)
    return d


def test_revised_extract_replaces_the_period(tmp_path: Path):
    con = mem()
    load_extract(con, EXTRACT, markers=MARKERS)
    revised = _copy(tmp_path, "revised")
    off = revised / "offences.csv"
    lines = off.read_text().split("\n")
    off.write_text("\n".join(ln for ln in lines if not ln.startswith("O5,"))
                   .replace("Under investigation", "Charged"))  # fmt: skip
    report = load_extract(con, revised, markers=MARKERS)
    assert [f.status for f in report.files] == ["loaded"] * 3
    assert q(con, "SELECT count(*) FROM offence") == [(5,)]
    assert q(con, "SELECT outcome FROM offence WHERE offence_id = 'O1'") == [("Charged",)]
    assert q(con, "SELECT count(*) FROM person") == [(4,)]
    assert q(con, "SELECT count(*) FROM involvement") == [(6,)]
    # the first extract went whole, with its quarantine; the revision's is there once
    assert q(con, "SELECT status FROM extract ORDER BY ingest_id") == [("superseded",), ("loaded",)]
    assert q(con, "SELECT count(*), count(DISTINCT ingest_id) FROM quarantine") == [(40, 3)]
    assert q(con, "SELECT status, count(*) FROM ingest_log GROUP BY 1 ORDER BY 1") == [
        ("loaded", 3),
        ("superseded", 3),
    ]


def test_later_extract_takes_only_its_months(tmp_path: Path):
    con = mem()
    load_extract(con, EXTRACT, markers=MARKERS)
    later = _copy(tmp_path, "later")
    (later / "extract.toml").write_text(
        'extract_id = "q2"\nforce = "test-force"\nperiod = "2020-03..2020-04"\n'
    )
    (later / "offences.csv").write_text(
        (EXTRACT / "offences.csv").read_text().split("\n")[0]
        + "\nO40,offence,2020-04-02,,,8L,,,,,,,,,\n"
    )
    (later / "involvements.csv").write_text("offence_id,person_id,role,age_at_offence\n"
                                            "O40,P1,victim,30\n")  # fmt: skip
    load_extract(con, later, markers=MARKERS)
    # January and February stay with the first extract; March (O3, O4) went to the later one
    assert q(con, "SELECT offence_id FROM offence ORDER BY 1") == [
        ("O1",), ("O2",), ("O30",), ("O40",), ("O5",)
    ]  # fmt: skip
    # the first extract's involvements in March went with their offences; the rest stay
    assert q(con, "SELECT offence_id, person_id, role FROM involvement ORDER BY 1, 2") == [
        ("O1", "P1", "victim"), ("O1", "P2", "suspect"), ("O1", "P3", "involved_party"),
        ("O40", "P1", "victim"),
    ]  # fmt: skip
    assert q(con, "SELECT status FROM extract ORDER BY ingest_id") == [("loaded",), ("loaded",)]
    assert q(con, "SELECT strftime(month, '%Y-%m'), ingest_id FROM partition ORDER BY 1") == [
        ("2020-01", 1), ("2020-02", 1), ("2020-03", 4), ("2020-04", 4)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "damage", "message", "loaded"),
    [
        ("offences.csv", b"O1,offence,2020-01-05,caf\xe9\n", "is not UTF-8 text (byte 0xE9 on "
         "line 2)", set()),
        ("people.csv", b"P1,1990,,fem", "is truncated: line 2 stops after 4 of 5 columns",
         {"offences.csv"}),
        ("involvements.csv", b"offence,person\nO1,P1\n", "is not an extract involvements.csv "
         "(format v1): its header lacks offence_id, person_id, role; has columns the format does "
         "not define: offence, person", {"offences.csv", "people.csv"}),
    ],
)  # fmt: skip
def test_broken_file_fails_with_one_line_and_the_rest_loads(
    tmp_path: Path, name: str, damage: bytes, message: str, loaded: set[str]
):
    d = _copy(tmp_path, "broken")
    header = (d / name).read_bytes().split(b"\n")[0]
    (d / name).write_bytes(damage if damage.startswith(b"offence,") else header + b"\n" + damage)
    con = mem()
    report = load_extract(con, d, markers=MARKERS)
    [broken] = [f for f in report.files if Path(f.file).name == name]
    assert broken.status == "failed" and message in (broken.message or "")
    assert all("\n" not in (f.message or "") for f in report.files)
    assert {Path(f.file).name for f in report.files if f.status == "loaded"} == loaded
    # files that need a failed one are not loaded, and say why
    for f in report.failed:
        if Path(f.file).name != name:
            assert "not loaded" in (f.message or "")


def test_folder_without_offences_or_with_a_bad_manifest_fails_cleanly(tmp_path: Path):
    con = mem()
    empty = tmp_path / "empty"
    empty.mkdir()
    report = load_extract(con, empty, force="test-force")
    assert [f.message for f in report.failed] == [f"{empty / 'offences.csv'}: no such file"]
    d = _copy(tmp_path, "manifest")
    (d / "extract.toml").write_text('force = "test-force"\nregion = "x"\n')
    [f] = load_extract(con, d).failed
    assert "has keys the format does not define: region" in (f.message or "")
    (d / "extract.toml").write_text('period = "2020-01..2020-03"\n')
    [f] = load_extract(con, d).failed
    assert "does not say which force produced the extract" in (f.message or "")


def test_marker_mapping_onto_an_unknown_marker_is_refused():
    with pytest.raises(SaferplacesError, match=r"maps 'DV' to 'DOMESTIC', which is not a"):
        load_extract(mem(), EXTRACT, markers={"test-force": {"DV": "DOMESTIC"}})


def _clean_extract(tmp_path: Path, offences: str) -> Path:
    d = tmp_path / "clean"
    d.mkdir()
    (d / "extract.toml").write_text('extract_id = "c1"\nforce = "test-force"\n')
    header = (EXTRACT / "offences.csv").read_text().split("\n")[0]
    (d / "offences.csv").write_text(header + "\n" + offences)
    return d


def test_clean_file_with_a_repeated_key_keeps_the_first_line(tmp_path: Path):
    """Every row passes its checks (the one-pass load); the repeat still goes to quarantine."""
    d = _clean_extract(tmp_path, "O1,offence,2020-01-05,,,8L,,,,,,,,,\n"
                                 "O2,offence,2020-01-06,,,8L,,,,,,,,,\n"
                                 "O1,offence,2020-01-07,,,105A,,,,,,,,,\n")  # fmt: skip
    con = mem()
    report = load_extract(con, d)
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    assert q(con, "SELECT offence_id, line, offence_code FROM offence ORDER BY line") == [
        ("O1", 2, "8L"), ("O2", 3, "8L")
    ]  # fmt: skip
    assert q(con, "SELECT line, reason, raw FROM quarantine") == [
        (4, "offence_id_duplicate", "O1,offence,2020-01-07,,,105A,,,,,,,,,")
    ]


def test_quoted_line_break_gives_later_rows_their_own_lines(tmp_path: Path):
    """A record over two lines: the one-pass load cannot number lines, the staged load does."""
    d = _clean_extract(tmp_path, 'O1,offence,2020-01-05,,,8L,"Harassment,\nby text",,,,,,,,\n'
                                 "O2,offence,2020-01-06,,,8L,,,,,,,,,\n")  # fmt: skip
    con = mem()
    report = load_extract(con, d)
    assert (report.files[0].rows_read, report.files[0].rows_loaded) == (2, 2)
    assert q(con, "SELECT offence_id, line, offence_description FROM offence ORDER BY line") == [
        ("O1", 2, "Harassment,\nby text"), ("O2", 4, None)
    ]  # fmt: skip


def test_extract_sent_as_a_zip_loads_as_its_folder(tmp_path: Path):
    archive = tmp_path / "q1.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(EXTRACT.iterdir()):
            z.write(p, f"2020q1/{p.name}")
        z.writestr("__MACOSX/2020q1/._offences.csv", b"\x00")
    from_zip, from_folder = mem(), mem()
    report = load_extract(from_zip, archive, markers=MARKERS)
    load_extract(from_folder, EXTRACT, markers=MARKERS)
    assert [f.file for f in report.files] == [
        f"{archive}!2020q1/{n}" for n in ("offences.csv", "people.csv", "involvements.csv")
    ]
    zipped, plain = _contents(from_zip), _contents(from_folder)
    for got in (zipped, plain):  # the files' names differ; their lines and reasons do not
        got["quarantine"] = [(Path(f).name, line, why) for f, line, why in got["quarantine"]]
    assert zipped == plain
    assert q(from_zip, "SELECT DISTINCT file FROM quarantine ORDER BY 1")[0][0].startswith(
        f"{archive}!2020q1/"
    )
    assert q(from_zip, "SELECT folder FROM extract") == [(f"{archive}!2020q1",)]
    # the same bytes again, from the folder this time: nothing changes
    again = load_extract(from_zip, EXTRACT, markers=MARKERS)
    assert {f.status for f in again.files} == {"unchanged"}


def test_extract_zip_with_its_files_at_the_top(tmp_path: Path):
    archive = tmp_path / "top.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(EXTRACT.iterdir()):
            z.write(p, p.name)
    con = mem()
    report = load_extract(con, archive, markers=MARKERS)
    assert [f.file for f in report.files] == [
        f"{archive}!{n}" for n in ("offences.csv", "people.csv", "involvements.csv")
    ]
    assert q(con, "SELECT folder FROM extract") == [(str(archive),)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is not a readable zip archive"),
        ({"a/people.csv": "person_id\n"}, "holds no offences.csv"),
        ({"a/offences.csv": "x\n", "b/offences.csv": "x\n"}, "holds 2 extracts (a, b)"),
    ],
)
def test_unusable_zip_fails_with_one_line(tmp_path: Path, content, message):
    archive = tmp_path / "x.zip"
    if content is None:
        archive.write_bytes(b"PK\x03\x04 not really a zip")
    else:
        with zipfile.ZipFile(archive, "w") as z:
            for name, text in content.items():
                z.writestr(name, text)
    report = load_extract(mem(), archive)
    assert [f.status for f in report.files] == ["failed"]
    assert message in report.files[0].message


def test_no_offence_and_no_period_loads_no_people(tmp_path: Path):
    """Without a month the extract has no row; its people would be loaded but never seen."""
    d = tmp_path / "empty"
    d.mkdir()
    header = (EXTRACT / "offences.csv").read_text().split("\n")[0]
    (d / "offences.csv").write_text(header + "\n")
    shutil.copy(EXTRACT / "people.csv", d / "people.csv")
    con = mem()
    report = load_extract(con, d, force="test-force")
    got = {Path(f.file).name: (f.status, f.message or "") for f in report.files}
    assert got["offences.csv"] == ("loaded", "")
    assert got["people.csv"][0] == "failed"
    assert "covers no month" in got["people.csv"][1]
    assert q(con, "SELECT count(*) FROM extract_person") == [(0,)]


def test_carriage_returns_alone(tmp_path: Path):
    mac = _clean_extract(tmp_path, "O1,offence,2020-01-05,,,8L,,,,,,,,,\n")
    (mac / "offences.csv").write_bytes((mac / "offences.csv").read_bytes().replace(b"\n", b"\r"))
    report = load_extract(mem(), mac)
    assert report.files[0].status == "failed"
    assert "carriage returns alone" in report.files[0].message
    # one stray CR inside a row: DuckDB's parser refuses the file; one line, nothing kept
    stray = tmp_path / "stray"
    shutil.copytree(mac, stray)
    header = (EXTRACT / "offences.csv").read_text().split("\n")[0]
    (stray / "offences.csv").write_bytes(
        header.encode()
        + b"\nO1,offence,2020-01-05,,,8L,a\rb,,,,,,,,\nO2,offence,2020-01-06,,,8L,,,,,,,,,\n"
    )
    con = mem()
    f = load_extract(con, stray).files[0]
    assert (f.status, "cannot be read" in (f.message or "")) == ("failed", True)
    assert q(con, "SELECT count(*) FROM extract_offence") == [(0,)]


# The ingest's two transactions: rows appended in the first, settled in the second.

_KILLED_BETWEEN = """
import os, sys
from saferplaces.warehouse import extract_ingest as ei
from saferplaces.warehouse.schema import connect

def die(*args, **kwargs):
    os._exit(3)  # the process ends between the two transactions, as a kill would end it

ei._settle_extract = die
ei.load_extract(connect(sys.argv[1]), sys.argv[2], markers={"test-force": {"DV": "DA"}})
"""


def test_a_process_killed_between_the_transactions_leaves_nothing(workspace: Workspace):
    db = workspace.warehouse_path
    run = subprocess.run([sys.executable, "-c", _KILLED_BETWEEN, str(db), str(EXTRACT)])
    assert run.returncode == 3
    # `status` (read-only) says so
    status = run_cli("status", "-w", str(workspace.root))
    assert status.returncode == 0, status.stderr
    assert "Files: 3 loading" in status.stdout
    assert "3 file(s) of an extract ingest that stopped before it finished" in status.stdout
    # What the first transaction stored, seen read-only: rows that no view shows
    con = duckdb.connect(str(db), read_only=True)
    assert q(con, "SELECT count(*) FROM extract_offence") == [(7,)]  # 6 + a repeated offence_id
    assert q(con, "SELECT count(*) FROM extract_involvement") > [(0,)]
    assert q(con, "SELECT count(*) FROM offence") == [(0,)]
    assert q(con, "SELECT count(*) FROM person") == [(0,)]
    assert q(con, "SELECT count(*) FROM involvement") == [(0,)]
    assert q(con, "SELECT DISTINCT status FROM ingest_log") == [("loading",)]
    con.close()
    # The next writable connection removes them and says what happened to each file
    con = connect(db)
    for table in ("extract_offence", "extract_person", "extract_involvement", "quarantine"):
        assert q(con, f"SELECT count(*) FROM {table}") == [(0,)], table
    logged = q(con, "SELECT file, status, message FROM ingest_log ORDER BY ingest_id")
    assert [(Path(f).name, s) for f, s, _ in logged] == [
        ("offences.csv", "failed"), ("people.csv", "failed"), ("involvements.csv", "failed")
    ]  # fmt: skip
    assert all(m == f"{f}: {INTERRUPTED}" for f, _, m in logged)
    # and the same extract then loads as new, not as unchanged
    report = load_extract(con, EXTRACT, markers=MARKERS)
    assert [f.status for f in report.files] == ["loaded"] * 3
    assert q(con, "SELECT count(*) FROM offence") == [(6,)]
    assert q(con, "SELECT line FROM offence WHERE offence_id = 'O30'") == [(30,)]


def test_a_failure_in_the_second_transaction_keeps_nothing(tmp_path: Path, monkeypatch):
    from saferplaces.warehouse import extract_ingest as ei

    con = connect(tmp_path / "warehouse.duckdb")
    load_extract(con, EXTRACT, markers=MARKERS)
    before = _contents(con)
    revised = _copy(tmp_path, "revised")
    (revised / "offences.csv").write_text(
        (EXTRACT / "offences.csv").read_text().replace("Under investigation", "Charged")
    )

    def fail(*args, **kwargs):
        raise duckdb.IOException("No space left on device (injected)")

    monkeypatch.setattr(ei, "_take_months", fail)
    report = ei.load_extract(con, revised, markers=MARKERS)
    why = (
        "not loaded: the warehouse could not store the extract (No space left on device "
        "(injected)); nothing of it was kept"
    )
    assert [(f.status, f.message.split(": ", 1)[1]) for f in report.files] == [("failed", why)] * 3
    # the first extract is whole; the revision left no row, no quarantine, no 'loading' log
    assert _contents(con) == before
    for table, n in (("extract_offence", 6), ("extract_person", 4), ("extract_involvement", 6)):
        assert q(con, f"SELECT count(*) FROM {table}") == [(n,)], table
    assert q(con, "SELECT status, count(*) FROM ingest_log GROUP BY 1 ORDER BY 1") == [
        ("failed", 3), ("loaded", 3)
    ]  # fmt: skip


_COMMIT_FAILS = """
import json, resource, sys
from pathlib import Path
from saferplaces.warehouse import extract_ingest as ei
from saferplaces.warehouse.schema import connect

db = Path(sys.argv[1])
con = connect(db)
con.execute("SET wal_autocheckpoint = '1GB'")  # the second commit writes the WAL
settle, rollback = ei._settle_extract, ei.rollback
unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)

def settle_then_fill_the_disk(*args, **kwargs):
    out = settle(*args, **kwargs)
    # no file may grow any more: the commit's write fails as on a full disk (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    return out

def rollback_with_room_again(con):
    resource.setrlimit(resource.RLIMIT_FSIZE, unlimited)
    rollback(con)

ei._settle_extract, ei.rollback = settle_then_fill_the_disk, rollback_with_room_again
report = ei.load_extract(con, sys.argv[2], markers={"test-force": {"DV": "DA"}})
resource.setrlimit(resource.RLIMIT_FSIZE, unlimited)
print(json.dumps({
    "files": [(f.status, f.message) for f in report.files],
    "rows": [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("extract_offence", "extract_person", "extract_involvement", "quarantine")],
    "log": con.execute("SELECT status, count(*) FROM ingest_log GROUP BY 1").fetchall(),
}))
"""


def test_a_second_commit_that_fails_keeps_nothing_and_says_why(tmp_path: Path):
    """The disk fills at the second commit: DuckDB has rolled it back; the first's rows go."""
    import json

    run = subprocess.run(
        [sys.executable, "-c", _COMMIT_FAILS, str(tmp_path / "w.duckdb"), str(EXTRACT)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert len(out["files"]) == 3
    for status, message in out["files"]:
        assert status == "failed"
        assert "not loaded: the warehouse could not store the extract" in message
        assert "File too large" in message  # DuckDB's own words, not a rollback's
    assert out["rows"] == [0, 0, 0, 0]
    assert out["log"] == [["failed", 3]]  # once per file, nothing left 'loading'


def test_an_interrupted_second_transaction_logs_why(tmp_path: Path, monkeypatch):
    from saferplaces.warehouse import extract_ingest as ei

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ei, "_take_months", interrupt)
    con = connect(tmp_path / "warehouse.duckdb")
    with pytest.raises(KeyboardInterrupt):
        ei.load_extract(con, EXTRACT, markers=MARKERS)
    for table in ("extract_offence", "extract_person", "extract_involvement", "quarantine"):
        assert q(con, f"SELECT count(*) FROM {table}") == [(0,)], table
    logged = q(con, "SELECT file, status, message FROM ingest_log ORDER BY ingest_id")
    assert [s for _, s, _ in logged] == ["failed"] * 3
    assert all(m == f"{f}: {INTERRUPTED}" for f, _, m in logged)
    assert q(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'stage_bad%'") == [
        (0,)
    ]
