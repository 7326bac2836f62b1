"""Localities by LSOA codes, wards and polygon; the area as a set of LSOAs; the listing."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from saferplaces.errors import SaferplacesError
from saferplaces.geo.localities import area_lsoas, list_localities, locality_lsoas
from saferplaces.settings import LocalitySettings
from saferplaces.sources.geography import load_geography

LSOA21 = "boundaries/lsoa21_telford_and_wrekin.geojson"
WARD_LU = "lookups/LSOA21_WD24_LAD24_EW_LU_telford_and_wrekin.csv"
EXACT = "lookups/LSOA11_LSOA21PopLookups_telford_and_wrekin.csv"
POP2019 = "population/mysociety_2019_population.csv"
SEED_WARDS = ["Brookside", "Woodside", "Madeley & Sutton Hill"]


@pytest.fixture
def tw(workspace, shared_data):
    for kind, rel in (("lsoa", LSOA21), ("lsoa-ward", WARD_LU), ("lsoa-lookup", EXACT)):
        load_geography(workspace, kind, shared_data / rel)
    return workspace


def ward_lsoas(shared_data, wards):
    """The wards' LSOAs read straight from the ONS lookup with pandas."""
    lookup = pd.read_csv(shared_data / WARD_LU, encoding="utf-8-sig")
    return sorted(lookup.LSOA21CD[lookup.WD24NM.isin(wards)])


def define(ws, name, **kwargs):
    ws.settings.localities[name] = LocalitySettings(**kwargs)


def test_by_wards_case_insensitive(tw, shared_data):
    define(tw, "Seed", wards=["brookside", "WOODSIDE", "Madeley & Sutton Hill"])
    expected = ward_lsoas(shared_data, SEED_WARDS)
    assert len(expected) == 15
    with tw.connect(read_only=True) as con:
        assert locality_lsoas(con, tw.settings, "Seed") == expected


def test_by_ward_code(tw, shared_data):
    define(tw, "St Georges", wards=["E05015234"])
    with tw.connect(read_only=True) as con:
        assert locality_lsoas(con, tw.settings, "St Georges") == ward_lsoas(
            shared_data, ["St Georges"]
        )


def test_by_lsoas_with_an_lsoa11_code_mapped_to_its_2021_parts(tw):
    define(tw, "Mixed", lsoas=["E01014102", "e01014141"])
    with tw.connect(read_only=True) as con:
        assert locality_lsoas(con, tw.settings, "Mixed") == [
            "E01014102",
            "E01035073",
            "E01035074",
            "E01035075",
        ]


def test_by_polygon_file_relative_to_the_workspace(tw, shared_data):
    wanted = ward_lsoas(shared_data, ["Brookside"])
    lsoa = gpd.read_file(shared_data / LSOA21)
    shape = lsoa[lsoa.LSOA21CD.isin(wanted)].dissolve()[["geometry"]]
    shape.to_file(tw.root / "brookside.geojson", driver="GeoJSON")
    define(tw, "Brookside by shape", polygon="brookside.geojson")
    with tw.connect(read_only=True) as con:
        assert locality_lsoas(con, tw.settings, "Brookside by shape") == wanted


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"wards": ["Brookside", "Brookeside Park"]}, "no ward named or coded 'Brookeside Park'"),
        ({"lsoas": ["E01011949"]}, "LSOA E01011949 is not among the loaded LSOA 2021"),
        ({"lsoas": ["Telford 001A"]}, "'Telford 001A' is not an LSOA code"),
        ({"polygon": "missing.geojson"}, "polygon file"),
        ({}, "lists no lsoas, wards or polygon"),
    ],
)
def test_bad_definitions_name_the_culprit(tw, definition, message):
    define(tw, "Bad", **definition)
    with tw.connect(read_only=True) as con, pytest.raises(SaferplacesError) as e:
        locality_lsoas(con, tw.settings, "Bad")
    assert message in str(e.value) and "locality 'Bad'" in str(e.value)


def test_unknown_locality(tw):
    with tw.connect(read_only=True) as con, pytest.raises(SaferplacesError, match="no locality"):
        locality_lsoas(con, tw.settings, "Atlantis")


def test_area_lsoas_from_boundaries_bundled_table_and_lookup(workspace, shared_data):
    with workspace.connect(read_only=True) as con:
        bundled = area_lsoas(con, workspace.settings)
    assert len(bundled) == 108 and "E01014141" in bundled  # 2011 codes, nothing loaded yet
    load_geography(workspace, "lsoa-lookup", shared_data / EXACT)
    with workspace.connect(read_only=True) as con:
        mapped = area_lsoas(con, workspace.settings)
    assert len(mapped) == 115 and "E01035073" in mapped and "E01014141" not in mapped
    load_geography(workspace, "lsoa", shared_data / LSOA21)
    with workspace.connect(read_only=True) as con:
        assert area_lsoas(con, workspace.settings) == mapped


def test_list_localities(tw, shared_data):
    load_geography(tw, "population", shared_data / POP2019)
    define(tw, "Seed", wards=SEED_WARDS)
    with tw.connect(read_only=True) as con:
        frame = list_localities(con, tw.settings)
        seed = locality_lsoas(con, tw.settings, "Seed")
    assert list(frame.columns) == ["name", "lsoas", "residents", "area_km2"]
    assert [str(t) for t in frame.dtypes] == ["object", "int64", "float64", "float64"]
    assert frame.name.tolist() == ["Telford and Wrekin", "Seed"]
    assert frame.lsoas.tolist() == [115, 15]
    # 2019 population is by LSOA 2011; a split LSOA's residents are shared out, so the area's
    # total is the plain sum over its 108 LSOA 2011.
    pop = pd.read_csv(shared_data / POP2019, encoding="utf-8-sig", thousands=",")
    lookup = pd.read_csv(shared_data / EXACT)
    expected = pop[pop.lsoa.isin(lookup.LSOA11CD)]["pop"].sum()
    assert expected == 179_854
    assert_allclose(frame.residents[0], expected)
    lsoa = gpd.read_file(shared_data / LSOA21).to_crs(27700).set_index("LSOA21CD")
    expected_km2 = [lsoa.area.sum() / 1e6, lsoa.area[seed].sum() / 1e6]
    assert_allclose(frame.area_km2.tolist(), expected_km2, atol=0.005)
    assert frame.area_km2.tolist() == [290.3, 9.05]


def test_ward_names_of_other_local_authorities_are_ignored(workspace):
    """A national lookup has several 'Woodside' wards: only the area's counts."""
    from saferplaces.geo.localities import locality_lsoas
    from saferplaces.settings import LocalitySettings

    con = workspace.connect()
    for code, lad in (("E01014171", "E06000020"), ("E01000001", "E09000001")):
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
            "VALUES (?, 'x', 2021, ?, 1.0)",
            [code, lad],
        )
    con.execute(
        "INSERT INTO lsoa_ward VALUES ('E01014171', 'E05015238', 'Woodside', 'E06000020', "
        "'Telford and Wrekin', 't'), ('E01000001', 'E05009999', 'Woodside', 'E09000001', "
        "'City of London', 't')"
    )
    workspace.settings.localities["Woodside"] = LocalitySettings(wards=["Woodside"])
    assert locality_lsoas(con, workspace.settings, "Woodside") == ["E01014171"]
    con.close()
