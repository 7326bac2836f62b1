"""Loading geography: real files from ../shared/data, bad files from fixtures/geography."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from saferplaces.errors import InputFileError, SaferplacesError
from saferplaces.sources.geography import load_geography
from tests.conftest import FIXTURES, run_cli

GEO = FIXTURES / "geography"
LSOA21 = "boundaries/lsoa21_telford_and_wrekin.geojson"
LSOA11_WM = "boundaries/LSOA_2011_BSC_EW_V3_westmercia.geojson"


def query(ws, sql, params=None):
    with ws.connect(read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# Boundaries -------------------------------------------------------------------------------------


def test_lsoa21_boundaries(workspace, shared_data):
    result = load_geography(workspace, "lsoa", shared_data / LSOA21)
    assert result.rows == 115
    assert result.summary().startswith(
        "Loaded 115 LSOA 2021 boundaries from lsoa21_telford_and_wrekin.geojson "
        "(Telford and Wrekin: 115; 290.3 km²)"
    )
    assert query(
        workspace, "SELECT vintage, lad_code, lad_name, count(*) FROM lsoa GROUP BY ALL"
    ) == [(2021, "E06000020", "Telford and Wrekin", 115)]
    name = query(workspace, "SELECT lsoa_name FROM lsoa WHERE lsoa_code = 'E01035073'")
    assert name == [("Telford and Wrekin 009F",)]


def test_area_km2_matches_an_independent_geopandas_computation(workspace, shared_data):
    load_geography(workspace, "lsoa", shared_data / LSOA21)
    frame = gpd.read_file(shared_data / LSOA21).set_index("LSOA21CD").to_crs(27700)
    expected = frame.area / 1e6
    got = dict(query(workspace, "SELECT lsoa_code, area_km2 FROM lsoa"))
    for code in ("E01035073", "E01014102", "E01014171"):
        assert_allclose(got[code], expected[code], rtol=1e-9)


def test_geometry_is_stored_as_lon_lat_wkb(workspace, shared_data):
    import shapely

    load_geography(workspace, "lsoa", shared_data / LSOA21)
    (wkb,) = query(workspace, "SELECT geometry FROM lsoa WHERE lsoa_code = 'E01035073'")[0]
    x, y = shapely.from_wkb(bytes(wkb)).representative_point().coords[0]
    assert -2.7 < x < -2.3 and 52.6 < y < 52.8


def test_lsoa11_west_mercia_with_local_authorities_from_the_bundled_table(workspace, shared_data):
    result = load_geography(workspace, "lsoa", shared_data / LSOA11_WM)
    assert result.rows == 781
    by_lad = dict(query(workspace, "SELECT lad_name, count(*) FROM lsoa GROUP BY 1"))
    assert by_lad["Shropshire"] == 193
    assert by_lad["Telford and Wrekin"] == 108
    assert by_lad["Herefordshire, County of"] == 116
    assert query(workspace, "SELECT DISTINCT vintage FROM lsoa") == [(2011,)]
    assert query(workspace, "SELECT count(*) FROM lsoa WHERE lad_code IS NULL") == [(0,)]


def test_loading_twice_is_loading_once_and_each_load_is_logged(workspace, shared_data):
    path = shared_data / LSOA21
    load_geography(workspace, "lsoa", path)
    load_geography(workspace, "lsoa", path)
    assert query(workspace, "SELECT count(*) FROM lsoa") == [(115,)]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert query(workspace, "SELECT kind, sha256, rows FROM geography_log") == [
        ("lsoa", digest, 115),
        ("lsoa", digest, 115),
    ]


def test_both_vintages_live_side_by_side(workspace, shared_data):
    load_geography(workspace, "lsoa", shared_data / LSOA21)
    load_geography(
        workspace, "lsoa", shared_data / "boundaries/ukgeojson_lsoa_by_lad_E06000020.geojson"
    )
    assert query(workspace, "SELECT vintage, count(*) FROM lsoa GROUP BY 1 ORDER BY 1") == [
        (2011, 108),
        (2021, 115),
    ]


def test_current_wards(workspace, shared_data):
    path = shared_data / "boundaries/wards_current_telford_and_wrekin.geojson"
    assert load_geography(workspace, "ward", path).rows == 32
    names = {r[0] for r in query(workspace, "SELECT ward_name FROM ward")}
    assert {"Brookside", "Woodside", "Madeley & Sutton Hill", "Arleston & College"} <= names
    assert query(workspace, "SELECT min(ward_code), max(ward_code) FROM ward") == [
        ("E05015207", "E05015238")
    ]


def test_malformed_codes_are_counted_not_dropped_silently(workspace):
    result = load_geography(workspace, "lsoa", GEO / "lsoa_malformed_codes.geojson")
    assert result.rows == 1
    assert result.skipped.total == 2
    assert "2 rows skipped: 2 not an England or Wales LSOA code (e.g. 'E0103507')" in (
        result.summary()
    )
    # No LAD column and a 2021-only code: the local authority comes from the name's prefix.
    assert query(workspace, "SELECT lsoa_code, vintage, lad_code FROM lsoa") == [
        ("E01035073", 2021, "E06000020")
    ]


@pytest.mark.parametrize(
    ("fixture", "kind", "message"),
    [
        ("lsoa_no_code_column.geojson", "lsoa", "has no LSOA code column (expected LSOA21CD"),
        ("not_a_geo_file.geojson", "lsoa", "is not a readable GeoJSON, GeoPackage or shapefile"),
        ("not_a_geo_file.geojson", "ward", "is not a readable GeoJSON, GeoPackage or shapefile"),
        ("population_no_residents_column.csv", "population", "no column for residents"),
        ("empty.csv", "imd", "is empty"),
        ("ons_imd2019_file_1.csv", "lsoa-ward", "no column for a ward code"),
    ],
)
def test_bad_files_fail_with_one_clear_line(workspace, fixture, kind, message):
    with pytest.raises(InputFileError) as e:
        load_geography(workspace, kind, GEO / fixture, year=2020)
    text = str(e.value)
    assert fixture in text and message in text and "\n" not in text
    assert query(workspace, "SELECT count(*) FROM geography_log") == [(0,)]


def test_unknown_kind_and_missing_file(workspace):
    with pytest.raises(SaferplacesError, match="unknown geography kind 'msoa'"):
        load_geography(workspace, "msoa", GEO / "empty.csv")
    with pytest.raises(InputFileError, match="nope.geojson: no such file"):
        load_geography(workspace, "lsoa", GEO / "nope.geojson")


def test_cli_reports_a_bad_file_without_a_traceback(workspace):
    run = run_cli(
        "geography", "load", "lsoa", str(GEO / "not_a_geo_file.geojson"), "-w", str(workspace.root)
    )
    assert run.returncode == 1
    assert "not_a_geo_file.geojson: is not a readable GeoJSON" in run.stderr
    assert "Traceback" not in run.stderr


# Population and IMD -----------------------------------------------------------------------------


def test_census_2011_population_total_for_telford(workspace, shared_data):
    path = shared_data / "population/census_2011_lsoa_population_area.csv"
    result = load_geography(workspace, "population", path)
    assert result.rows == 34_753
    raw = pd.read_csv(path, thousands=",")
    expected = raw.loc[raw["Local authority code"] == "E06000020", "Persons"].sum()
    assert expected == 166_641
    (got,) = query(
        workspace,
        "SELECT sum(residents) FROM population WHERE year = 2011 AND vintage = 2011 "
        "AND lsoa_code IN (SELECT lsoa11_code FROM read_csv_auto(?))",
        [str(_tw_lsoa11_codes(workspace))],
    )[0]
    assert got == expected


def _tw_lsoa11_codes(workspace):
    from saferplaces.geo.areas import bundled_lsoa11_areas

    t = bundled_lsoa11_areas()
    path = workspace.root / "tw_lsoa11.csv"
    t.loc[t.lad_code == "E06000020", ["lsoa11_code"]].to_csv(path, index=False)
    return path


def test_mysociety_2019_population_skips_non_england_wales_rows_and_says_so(workspace, shared_data):
    path = shared_data / "population/mysociety_2019_population.csv"
    result = load_geography(workspace, "population", path)
    assert (result.rows, result.skipped.total) == (34_753, 7_867)
    raw = pd.read_csv(path, encoding="utf-8-sig", thousands=",")
    assert query(
        workspace,
        "SELECT year, vintage, residents FROM population WHERE lsoa_code = ?",
        ["E01011949"],
    ) == [(2019, 2011, float(raw.loc[raw.lsoa == "E01011949", "pop"].iloc[0]))]
    assert raw.loc[raw.lsoa == "E01011949", "pop"].iloc[0] == 1954


def test_ons_mid_year_layout_gives_vintage_from_columns_and_year_from_name(workspace):
    result = load_geography(workspace, "population", GEO / "ons_mid_2022_lsoa21_population.csv")
    assert result.skipped.total == 1
    assert query(
        workspace, "SELECT lsoa_code, vintage, year, residents FROM population ORDER BY 1"
    ) == [
        ("E01014102", 2021, 2022, 1954.0),
        ("E01035073", 2021, 2022, 1612.0),
    ]


def test_mysociety_imd_uses_english_rows(workspace, shared_data):
    path = shared_data / "deprivation/UK_IMD_E.csv"
    assert load_geography(workspace, "imd", path).rows == 32_844
    raw = pd.read_csv(path).set_index("lsoa")
    got = query(
        workspace, "SELECT score, rank, decile, year FROM imd WHERE lsoa_code = 'E01014102'"
    )
    assert got == [
        (
            raw.at["E01014102", "overall_local_score"],
            None,
            raw.at["E01014102", "original_decile"],
            2019,
        )
    ]


def test_ons_imd_file_1_layout(workspace):
    load_geography(workspace, "imd", GEO / "ons_imd2019_file_1.csv")
    assert query(workspace, "SELECT lsoa_code, score, rank, decile FROM imd ORDER BY 1") == [
        ("E01014102", None, 4321, 2),
        ("E01014103", None, 21000, 7),
    ]


# Lookups ----------------------------------------------------------------------------------------


def test_lsoa_ward_lookup(workspace, shared_data):
    path = shared_data / "lookups/LSOA21_WD24_LAD24_EW_LU_telford_and_wrekin.csv"
    assert load_geography(workspace, "lsoa-ward", path).rows == 115
    assert query(workspace, "SELECT count(DISTINCT ward_code), count(*) FROM lsoa_ward") == [
        (32, 115)
    ]
    assert query(
        workspace, "SELECT ward_name, lad_code FROM lsoa_ward WHERE lsoa_code = 'E01014184'"
    ) == [("St Georges", "E06000020")]


def test_exact_and_best_fit_lookups_complement_each_other(workspace, shared_data):
    exact = shared_data / "lookups/LSOA11_LSOA21PopLookups_telford_and_wrekin.csv"
    best = shared_data / "lookups/lsoa11_to_lsoa21_best_fit_v2_telford_and_wrekin.csv"
    assert load_geography(workspace, "lsoa-lookup", exact).rows == 115
    assert load_geography(workspace, "lsoa-lookup", best).rows == 108
    load_geography(workspace, "lsoa-lookup", exact)  # again: no change
    rows = query(
        workspace,
        "SELECT lsoa21_code, change, round(weight, 6), best_fit FROM lsoa_lookup "
        "WHERE lsoa11_code = 'E01014141' ORDER BY 1",
    )
    assert rows == [
        ("E01035073", "S", 0.335198, True),
        ("E01035074", "S", 0.415878, False),
        ("E01035075", "S", 0.248924, False),
    ]
    assert query(workspace, "SELECT count(*), sum(best_fit::INT) FROM lsoa_lookup") == [(115, 108)]
