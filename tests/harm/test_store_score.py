"""Harm schemes in a real DuckDB warehouse: import, list, get, replace; scoring by category."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.harm import (
    category_weights_for,
    get_scheme,
    illustrative_category_v1,
    import_scheme,
    list_schemes,
    register_harm_weights,
)
from saferplaces.workspace import Workspace
from tests.conftest import FIXTURES

HARM = FIXTURES / "harm"


def test_import_list_get_round_trip(workspace: Workspace):
    with workspace.connect() as con:
        stored = import_scheme(
            con, HARM / "codes-small.csv", "test-codes", "user", provenance="the test suite"
        )
        import_scheme(con, HARM / "category-small.yaml", "test-categories", "user")
    assert stored.provenance.startswith("the test suite [imported from codes-small.csv, sha256 ")

    with workspace.connect(read_only=True) as con:
        listing = list_schemes(con)
        got = get_scheme(con, "test-codes")
        cats = get_scheme(con, "test-categories", "2025.1")
    assert list(listing.columns) == [
        "name",
        "version",
        "key",
        "status",
        "label",
        "weights",
        "source",
        "imported_at",
        "provenance",
    ]
    assert [str(t) for t in listing.dtypes][5:8] == ["int64", "object", "datetime64[ns]"]
    assert listing[["name", "version", "key", "status", "weights", "source"]].values.tolist() == [
        ["illustrative-category-v1", "1", "category", "illustrative", 16, "bundled"],
        ["test-categories", "2025.1", "category", "user", 4, "imported"],
        ["test-codes", "1", "offence_code", "user", 7, "imported"],
    ]
    assert got == stored
    assert dict(got.weights)["1/4.1/4.10/4.2"] == 5000.0
    assert dict(cats.weights) == {
        "Anti-social behaviour": 0.0,
        "Burglary": 12.5,
        "Robbery": 30.0,
        "Violence and sexual offences": 9.0,
    }


def test_reimport_same_name_and_version_replaces(workspace: Workspace, tmp_path: Path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("category,weight\nBurglary,10\nRobbery,30\n")
    second.write_text("category,weight\nBurglary,11\n")
    with workspace.connect() as con:
        import_scheme(con, first, "mine", "user")
        import_scheme(con, second, "mine", "user")
        import_scheme(con, first, "mine", "user", version="2")
        rows = con.execute(
            "SELECT version, key_value, weight FROM harm_weight WHERE name = 'mine' ORDER BY ALL"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM harm_scheme").fetchone() == (2,)
        assert dict(get_scheme(con, "mine", "1").weights) == {"Burglary": 11.0}
        # Without a version: the latest import.
        assert get_scheme(con, "mine").version == "2"
    assert rows == [
        ("1", "Burglary", 11.0),
        ("2", "Burglary", 10.0),
        ("2", "Robbery", 30.0),
    ]


def test_bundled_names_cannot_be_imported_over_and_unknown_names_are_listed(
    workspace: Workspace,
):
    with workspace.connect() as con:
        with pytest.raises(SaferplacesError, match="name of a bundled scheme"):
            import_scheme(con, HARM / "category-small.yaml", "illustrative-category-v1", "user")
        with pytest.raises(SaferplacesError) as e:
            get_scheme(con, "ons-css-2024")
    assert str(e.value) == (
        "no harm scheme 'ons-css-2024'; available: illustrative-category-v1 "
        "(see `saferplaces harm list`; import one with `saferplaces harm import`)"
    )


def test_read_only_warehouse_without_harm_tables_lists_bundled(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()  # an empty file: no harm tables yet
    with duckdb.connect(str(path), read_only=True) as con:
        assert list(list_schemes(con).name) == ["illustrative-category-v1"]
        assert get_scheme(con, "illustrative-category-v1") == illustrative_category_v1()


def test_category_weights_for_code_scheme_needs_force(workspace: Workspace):
    with workspace.connect() as con:
        import_scheme(con, HARM / "codes-small.csv", "test-codes", "user")
        with pytest.raises(SaferplacesError, match="give the force"):
            category_weights_for(con, "test-codes")
        with pytest.raises(SaferplacesError, match="has no weight for 105 offence codes"):
            category_weights_for(con, "test-codes", "west-mercia")
        d = category_weights_for(con, "test-codes", "west-mercia", missing="exclude")
        same = category_weights_for(con, "illustrative-category-v1", "west-mercia")
    assert d.name == "test-codes-derived-west-mercia"
    assert d.weights["Shoplifting"] == 1.5
    assert d.coverage["Shoplifting"] == 1.0 and d.coverage["Robbery"] == 0.0
    assert set(d.weights) == {"Burglary", "Shoplifting", "Violence and sexual offences"}
    assert same is illustrative_category_v1()


def test_harm_weights_join_crime(workspace: Workspace):
    with workspace.connect() as con:
        rows = [
            ("Burglary", "E01014141"),
            ("Burglary", "E01014141"),
            ("Robbery", "E01014141"),
            ("Anti-social behaviour", "E01014142"),
            ("Shoplifting", "E01014142"),
            ("Not a category", "E01014142"),
        ]
        for line, (crime_type, lsoa) in enumerate(rows, start=2):
            con.execute(
                "INSERT INTO crime (month, force, crime_type, lsoa, ingest_id, line) "
                "VALUES (?, 'west-mercia', ?, ?, 1, ?)",
                [date(2025, 1, 1), crime_type, lsoa, line],
            )
    with workspace.connect(read_only=True) as con:
        scheme = register_harm_weights(con, category_weights_for(con, "illustrative-category-v1"))
        harm = con.execute(
            "SELECT c.lsoa, sum(w.weight) AS harm, count(w.weight) AS weighted, count(*) AS n "
            "FROM crime c LEFT JOIN harm_weights w USING (crime_type) GROUP BY ALL ORDER BY 1"
        ).fetchall()
        cols = con.execute("DESCRIBE harm_weights").fetchall()
    assert harm == [("E01014141", 80.0, 3, 3), ("E01014142", 4.0, 2, 3)]
    assert [(c[0], c[1]) for c in cols] == [("crime_type", "VARCHAR"), ("weight", "DOUBLE")]
    assert scheme.label == "harm (illustrative-category-v1, illustrative weights)"


def test_register_refuses_code_schemes():
    con = duckdb.connect()
    from saferplaces.harm import read_scheme

    codes = read_scheme(HARM / "codes-small.csv", name="c", status="user")
    with pytest.raises(SaferplacesError, match="keyed by offence code"):
        register_harm_weights(con, codes)
