"""Placing police rows by each route (code, lookup, point, outside, unplaced), hand-built rows."""

from __future__ import annotations

import geopandas as gpd
import pytest

from saferplaces.geo.resolve import resolve_places
from saferplaces.sources.geography import load_geography

LSOA21 = "boundaries/lsoa21_telford_and_wrekin.geojson"
LSOA11 = "boundaries/LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson"
EXACT = "lookups/LSOA11_LSOA21PopLookups_telford_and_wrekin.csv"
BEST = "lookups/lsoa11_to_lsoa21_best_fit_v2_telford_and_wrekin.csv"
LONDON = (-0.1276, 51.5072)


@pytest.fixture(scope="module")
def inside(shared_data):
    """A point inside each T&W LSOA21, from geopandas (independent of saferplaces' PIP)."""
    frame = gpd.read_file(shared_data / LSOA21).set_index("LSOA21CD")
    return {code: (p.x, p.y) for code, p in frame.representative_point().items()}


def add_crimes(con, rows, ingest_id=1):
    """rows: (line, lsoa_code, (lon, lat) or None)."""
    for line, code, point in rows:
        lon, lat = point or (None, None)
        con.execute(
            "INSERT INTO crime (month, force, crime_type, lsoa_code, longitude, latitude, "
            "ingest_id, line) VALUES ('2025-01-01', 'west-mercia', 'Burglary', ?, ?, ?, ?, ?)",
            [code, lon, lat, ingest_id, line],
        )


def placed(con):
    return con.execute(
        "SELECT line, lsoa, placed_by FROM crime ORDER BY ingest_id, line"
    ).fetchall()


@pytest.fixture
def crimes(workspace, inside):
    with workspace.connect() as con:
        add_crimes(
            con,
            [
                (1, "E01014102", None),  # a 2021 code as it is
                (2, "E01014141", inside["E01035075"]),  # split LSOA11; the point picks the child
                (3, "E01014141", None),  # split LSOA11, no point: best fit / largest share
                (4, None, inside["E01014171"]),  # coordinates only
                (5, "E01011949", None),  # a valid code far from Telford
                (6, None, LONDON),  # coordinates far from Telford
                (7, None, None),  # nothing to go on
            ],
        )
        add_crimes(con, [(1, "E01014102", None)], ingest_id=2)
    return workspace


def test_every_route_with_best_fit(crimes, shared_data):
    for kind, rel in (("lsoa", LSOA21), ("lsoa-lookup", EXACT), ("lsoa-lookup", BEST)):
        load_geography(crimes, kind, shared_data / rel)
    with crimes.connect() as con:
        counts = resolve_places(con, crimes.settings, ingest_ids=[1])
        assert placed(con) == [
            (1, "E01014102", "code"),
            (2, "E01035075", "lookup"),
            (3, "E01035073", "lookup"),
            (4, "E01014171", "point"),
            (5, None, "outside"),
            (6, None, "outside"),
            (7, None, "unplaced"),
            (1, "E01014102", "code"),  # ingest 2, placed when the boundaries were loaded
        ]
    assert counts["crime"] == {"code": 1, "lookup": 2, "outside": 2, "point": 1, "unplaced": 1}
    assert counts["asb"] == {}


def test_split_without_best_fit_takes_the_largest_share(crimes, shared_data):
    load_geography(crimes, "lsoa", shared_data / LSOA21)
    load_geography(crimes, "lsoa-lookup", shared_data / EXACT)
    with crimes.connect() as con:
        # E01014141's residents: 33.5% E01035073, 41.6% E01035074, 24.9% E01035075
        assert placed(con)[2] == (3, "E01035074", "lookup")


def test_only_the_given_ingests_are_resolved(workspace, shared_data):
    load_geography(workspace, "lsoa", shared_data / LSOA21)
    with workspace.connect() as con:
        add_crimes(con, [(1, "E01014102", None)], ingest_id=1)
        add_crimes(con, [(1, "E01014103", None)], ingest_id=2)
        assert resolve_places(con, workspace.settings, ingest_ids=[2]) == {
            "crime": {"code": 1},
            "asb": {},
            "outcome": {},
            "stop_search": {},
        }
        assert placed(con) == [(1, None, None), (1, "E01014103", "code")]


def test_no_boundaries_leaves_rows_unresolved(crimes):
    with crimes.connect() as con:
        assert resolve_places(con, crimes.settings) == {}
        assert {r[2] for r in placed(con)} == {None}


def test_2011_target_maps_2021_codes_back_through_the_lookup(crimes, shared_data):
    load_geography(crimes, "lsoa", shared_data / LSOA11)
    load_geography(crimes, "lsoa-lookup", shared_data / EXACT)
    with crimes.connect() as con:
        add_crimes(con, [(8, "E01035080", None)], ingest_id=3)
        resolve_places(con, crimes.settings, ingest_ids=[1, 3])
        rows = placed(con)
    assert rows[1] == (2, "E01014141", "code")  # the LSOA11 code is a loaded 2011 boundary
    assert rows[-1] == (8, "E01014147", "lookup")  # E01035080 is a part of E01014147


def test_stop_search_rows_have_only_coordinates(workspace, shared_data, inside):
    load_geography(workspace, "lsoa", shared_data / LSOA21)
    with workspace.connect() as con:
        for line, (lon, lat) in enumerate([inside["E01014102"], LONDON], start=1):
            con.execute(
                "INSERT INTO stop_search (type, date, month, force, longitude, latitude, "
                "ingest_id, line) VALUES ('Person search', '2025-01-02 10:00:00+00', "
                "'2025-01-01', 'west-mercia', ?, ?, 1, ?)",
                [lon, lat, line],
            )
        counts = resolve_places(con, workspace.settings, tables=("stop_search",))
        assert counts == {"stop_search": {"outside": 1, "point": 1}}
        assert con.execute("SELECT lsoa FROM stop_search ORDER BY line").fetchall() == [
            ("E01014102",),
            (None,),
        ]
