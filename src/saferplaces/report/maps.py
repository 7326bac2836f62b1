"""Maps: Altair geoshape choropleths by LSOA, with locality outlines.

Boundaries come from the warehouse's ``lsoa`` table (WKB, EPSG:4326) and enter the spec as
inline GeoJSON features, so the rendered SVG needs nothing from the network. A locality's outline
is the union of its LSOAs.

Examples
--------
>>> from shapely.geometry import box
>>> geoms = {"E01000001": box(0, 0, 1, 1), "E01000002": box(1, 0, 2, 1)}
>>> feats = features(geoms, {"E01000001": {"v": 1.5}})
>>> [f["properties"] for f in feats]
[{'lsoa_code': 'E01000001', 'v': 1.5}, {'lsoa_code': 'E01000002', 'v': None}]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import duckdb
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from saferplaces.geo import shapes
from saferplaces.report.charts import FONT

__all__ = [
    "features",
    "hotspot_map",
    "locality_map",
    "lsoa_geometries",
    "outline_features",
    "vulnerability_map",
]

OUTLINE_COLOUR = "#111111"
# ~1 m at these latitudes: enough for a printed map, and keeps the inline data small.
PRECISION = 1e-5


def lsoa_geometries(
    con: duckdb.DuckDBPyConnection, vintage: int, lsoas: Sequence[str]
) -> dict[str, BaseGeometry]:
    """The boundaries of ``lsoas`` in ``vintage``, by LSOA code (LSOAs without one left out)."""
    codes, polygons = shapes.lsoa_geometries(con, vintage, list(lsoas))
    return dict(zip(codes, shapely.set_precision(polygons, PRECISION), strict=True))


def _clean(value: Any) -> Any:
    """JSON-safe property values (NaN and pandas NA become null)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def features(
    geoms: Mapping[str, BaseGeometry], properties: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """GeoJSON features, one per LSOA, with ``lsoa_code`` and the given properties."""
    keys = sorted({k for p in properties.values() for k in p})
    out = []
    for code in sorted(geoms):
        props = properties.get(code, {})
        out.append(
            {
                "type": "Feature",
                "properties": {"lsoa_code": code} | {k: _clean(props.get(k)) for k in keys},
                "geometry": mapping(geoms[code]),
            }
        )
    return out


def outline_features(
    geoms: Mapping[str, BaseGeometry], localities: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """One feature per locality: the union of its LSOAs, with ``name`` and a label point."""
    out = []
    for name, codes in localities.items():
        parts = [geoms[c] for c in codes if c in geoms]
        if not parts:
            continue
        shape = shapely.union_all(parts)
        point = shape.representative_point()
        out.append(
            {
                "type": "Feature",
                "properties": {"name": name, "lon": point.x, "lat": point.y},
                "geometry": mapping(shape),
            }
        )
    return out


def _geo_data(feats: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=feats)


def vulnerability_map(
    table: pd.DataFrame,
    geoms: Mapping[str, BaseGeometry],
    localities: Mapping[str, Sequence[str]],
    method: str,
    width: int = 560,
    height: int = 520,
) -> alt.LayerChart:
    """Chart 9: vulnerability by LSOA (1 = area average), with the localities outlined and named.

    Parameters
    ----------
    table : DataFrame
        ``places(...).lsoas`` (``lsoa_code``, ``lsoa_name``, ``vulnerability``, ...).
    geoms : mapping
        LSOA boundaries (:func:`lsoa_geometries`).
    localities : mapping
        Locality name -> its LSOA codes; each is outlined and labelled.
    method : str
        The vulnerability method, for the legend title.
    """
    props: dict[str, dict[str, Any]] = {
        str(r.lsoa_code): {
            "lsoa_name": r.lsoa_name,
            "vulnerability": r.vulnerability,
            "vulnerability_rank": r.vulnerability_rank,
            "crimes": r.crimes,
        }
        for r in table.itertuples(index=False)
    }
    positive = bool((table.vulnerability.dropna() > 0).all())
    choropleth = (
        alt.Chart(_geo_data(features(geoms, props)))
        .mark_geoshape(stroke="white", strokeWidth=0.3)
        .encode(
            color=alt.Color(
                "properties.vulnerability:Q",
                title=["Vulnerability", f"(1 = area average; {method})"],
                # Ratios read best on a log scale; it needs every value above 0.
                scale=alt.Scale(scheme="orangered", type="log" if positive else "linear"),
                legend=alt.Legend(orient="bottom-left", gradientLength=160),
            ),
            tooltip=[
                alt.Tooltip("properties.lsoa_name:N", title="LSOA"),
                alt.Tooltip("properties.vulnerability:Q", title="vulnerability", format=".2f"),
                alt.Tooltip("properties.crimes:Q", title="crimes", format=","),
            ],
        )
    )
    outlines = outline_features(geoms, localities)
    layers: list[alt.Chart] = [choropleth]
    if outlines:
        data = _geo_data(outlines)
        layers.append(
            alt.Chart(data).mark_geoshape(fill=None, stroke=OUTLINE_COLOUR, strokeWidth=1.6)
        )
        layers.append(
            alt.Chart(data)
            .mark_text(fontSize=11, fontWeight="bold", dy=-4)
            .encode(
                longitude="properties.lon:Q", latitude="properties.lat:Q", text="properties.name:N"
            )
        )
    return (
        alt.layer(*layers)
        .project(type="mercator")
        .properties(width=width, height=height)
        .configure(font=FONT)
        .configure_view(stroke=None)
    )


def locality_map(
    geoms: Mapping[str, BaseGeometry],
    name: str,
    lsoas: Sequence[str],
    width: int = 260,
    height: int = 240,
) -> alt.LayerChart:
    """A small map: the area's LSOAs in grey, the locality's shaded and outlined."""
    inside = set(lsoas)
    props = {code: {"in_locality": code in inside} for code in geoms}
    area = (
        alt.Chart(_geo_data(features(geoms, props)))
        .mark_geoshape(stroke="white", strokeWidth=0.3)
        .encode(
            color=alt.condition(
                "datum.properties.in_locality", alt.value("#e67e22"), alt.value("#d9d9d9")
            )
        )
    )
    outline = alt.Chart(_geo_data(outline_features(geoms, {name: lsoas}))).mark_geoshape(
        fill=None, stroke=OUTLINE_COLOUR, strokeWidth=1.4
    )
    return (
        alt.layer(area, outline)
        .project(type="mercator")
        .properties(width=width, height=height, title=name)
        .configure(font=FONT)
        .configure_view(stroke=None)
    )


def hotspot_map(
    table: pd.DataFrame,
    geoms: Mapping[str, BaseGeometry],
    localities: Mapping[str, Sequence[str]],
    measure: str,
    width: int = 560,
    height: int = 520,
) -> alt.LayerChart:
    """Gi* hot and cold spots: LSOAs shaded by their Gi* z-score (red hot, blue cold), the
    significant ones (FDR-corrected, 90% or more) outlined, and the localities outlined.

    Parameters
    ----------
    table : DataFrame
        ``hotspot_table(...)`` (``lsoa_code``, ``lsoa_name``, ``z_score``, ``hot_cold``,
        ``confidence``, ``value``).
    measure : str
        What was analysed (``crimes``, ``harm per 1,000 residents``), for the legend.
    """
    props: dict[str, dict[str, Any]] = {
        str(r.lsoa_code): {
            "lsoa_name": r.lsoa_name,
            "z_score": r.z_score,
            "hot_cold": r.hot_cold,
            "confidence": r.confidence,
            "value": r.value,
        }
        for r in table.itertuples(index=False)
    }
    z = table.z_score.abs().max()
    bound = float(z) if z == z and z > 0 else 1.0
    choropleth = (
        alt.Chart(_geo_data(features(geoms, props)))
        .mark_geoshape(stroke="white", strokeWidth=0.3)
        .encode(
            color=alt.Color(
                "properties.z_score:Q",
                title=["Gi* z-score", f"({measure})"],
                scale=alt.Scale(scheme="redblue", reverse=True, domain=[-bound, bound]),
                legend=alt.Legend(orient="bottom-left", gradientLength=160),
            ),
            tooltip=[
                alt.Tooltip("properties.lsoa_name:N", title="LSOA"),
                alt.Tooltip("properties.value:Q", title=measure, format=",.1f"),
                alt.Tooltip("properties.z_score:Q", title="z", format=".2f"),
                alt.Tooltip("properties.hot_cold:N", title="class"),
            ],
        )
    )
    layers: list[alt.Chart] = [choropleth]
    significant = [c for c, p in props.items() if p["hot_cold"] in ("hot", "cold")]
    if significant:
        spots = {c: {"hot_cold": props[c]["hot_cold"]} for c in significant if c in geoms}
        layers.append(
            alt.Chart(_geo_data(features({c: geoms[c] for c in spots}, spots)))
            .mark_geoshape(fill=None, strokeWidth=2.2)
            .encode(
                stroke=alt.Stroke(
                    "properties.hot_cold:N",
                    title="significant (q <= 0.10)",
                    scale=alt.Scale(domain=["hot", "cold"], range=["#67000d", "#08306b"]),
                    legend=alt.Legend(orient="top-left"),
                )
            )
        )
    outlines = outline_features(geoms, localities)
    if outlines:
        layers.append(
            alt.Chart(_geo_data(outlines)).mark_geoshape(
                fill=None, stroke=OUTLINE_COLOUR, strokeWidth=1.2, strokeDash=[4, 3]
            )
        )
    return (
        alt.layer(*layers)
        .project(type="mercator")
        .properties(width=width, height=height)
        .configure(font=FONT)
        .configure_view(stroke=None)
    )
