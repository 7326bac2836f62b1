"""Point-in-polygon: edge cases by hand, and the same answers as geopandas.sjoin on real LSOAs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from saferplaces.geo.pip import PolygonIndex, locate_points

BOXES = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 2, 2)]


def test_each_point_gets_its_box_and_outside_points_get_minus_one():
    x = [0.5, 1.5, 1.0, 3.0, -0.1]
    y = [0.5, 0.5, 1.5, 0.5, 0.5]
    assert PolygonIndex(BOXES).locate(x, y).tolist() == [0, 1, 2, -1, -1]


def test_a_point_on_a_shared_edge_goes_to_the_first_polygon():
    assert PolygonIndex(BOXES).locate([1.0, 1.0, 0.5], [0.5, 1.0, 1.0]).tolist() == [0, 0, 0]


def test_result_does_not_depend_on_point_order():
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-0.5, 2.5, 500), rng.uniform(-0.5, 2.5, 500)
    index = PolygonIndex(BOXES)
    order = rng.permutation(500)
    assert (index.locate(x, y)[order] == index.locate(x[order], y[order])).all()


def test_missing_coordinates_holes_and_missing_geometries():
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    index = PolygonIndex([None, ring, shapely.Polygon()])
    got = index.locate([np.nan, 2.0, 0.5, 0.5], [0.5, 2.0, 0.5, np.nan])
    assert got.tolist() == [-1, -1, 1, -1]


def test_no_polygons_and_no_points():
    assert PolygonIndex([]).locate([0.5], [0.5]).tolist() == [-1]
    assert PolygonIndex(BOXES).locate([], []).tolist() == []


def test_labels_and_none():
    got = locate_points([0.5, 5], [0.5, 5], BOXES[:1], ["E01000001"])
    assert got.tolist() == ["E01000001", None]


def test_same_assignment_as_geopandas_sjoin_on_telford_lsoas(shared_data):
    lsoa = gpd.read_file(shared_data / "boundaries/lsoa21_telford_and_wrekin.geojson")
    minx, miny, maxx, maxy = lsoa.total_bounds
    rng = np.random.default_rng(20250101)
    x, y = rng.uniform(minx, maxx, 20_000), rng.uniform(miny, maxy, 20_000)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=lsoa.crs)
    joined = gpd.sjoin(points, lsoa, predicate="within")
    assert joined.index.is_unique
    expected = np.full(len(x), None, dtype=object)
    expected[joined.index.to_numpy()] = joined.LSOA21CD.to_numpy()
    got = locate_points(x, y, lsoa.geometry.array, lsoa.LSOA21CD)
    assert (got == expected).all()
    assert 0 < (got != None).sum() < len(x)  # noqa: E711 - elementwise comparison
