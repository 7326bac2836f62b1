"""Chart builders: Altair (Vega-Lite) specs from analysis frames, and their SVG rendering.

One definition, two renderings: the report renders these specs to SVG with vl-convert
(:func:`render_svg`), and the dashboard will embed the same specs live. Builders take the
analysis frames as they are (fixed columns) and never query the warehouse. Every harm axis is
titled with the scheme's label, so no harm figure appears without the name of its scheme.

Examples
--------
>>> monthly = pd.DataFrame({
...     "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
...     "crimes": [10, 20], "asb": [1, 2], "harm": [100.0, 150.0],
... })
>>> chart = rate_harm_chart(monthly, 1000.0, "harm (demo v1, illustrative weights)")
>>> chart.to_dict()["hconcat"][1]["encoding"]["y"]["title"]
'harm (demo v1, illustrative weights)'
"""

from __future__ import annotations

import html
import re
from typing import TypeVar, cast

import altair as alt
import pandas as pd

__all__ = [
    "FONT",
    "category_share_chart",
    "monthly_chart",
    "rate_harm_chart",
    "rate_harm_data",
    "render_svg",
]

FONT = "Arial, Helvetica, sans-serif"
CRIME_COLOUR = "#1f4e79"
HARM_COLOUR = "#b03a2e"


_Chart = TypeVar("_Chart", bound=alt.TopLevelMixin)


def _config(chart: _Chart) -> _Chart:
    """House style: one font, no chart border, readable axis labels when printed."""
    return cast(
        _Chart,
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12, grid=True, gridColor="#e5e5e5")
        .configure_title(fontSize=13, anchor="start"),
    )


def rate_harm_data(monthly: pd.DataFrame, residents: float) -> pd.DataFrame:
    """The data behind :func:`rate_harm_chart`: one row per month.

    Columns: ``month``, ``crimes``, ``crimes_per_1000`` (per 1,000 residents, that month),
    ``harm`` (the scheme's weights summed, that month).
    """
    out = monthly[["month", "crimes", "harm"]].copy()
    out["crimes_per_1000"] = out.crimes / residents * 1000 if residents > 0 else float("nan")
    out = out[["month", "crimes", "crimes_per_1000", "harm"]]
    return out


def rate_harm_chart(
    monthly: pd.DataFrame, residents: float, harm_label: str, width: int = 300
) -> alt.HConcatChart:
    """Chart 1: crimes per 1,000 residents and harm, month by month, side by side.

    Parameters
    ----------
    monthly : DataFrame
        ``borough_profile(...).monthly`` (``month``, ``crimes``, ``harm``).
    residents : float
        The area's residents (the rate's denominator).
    harm_label : str
        ``scope.harm_label``: the harm panel's title and axis name it.
    """
    data = rate_harm_data(monthly, residents)
    base = alt.Chart(data).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45))
    )
    rate = base.mark_line(point=alt.OverlayMarkDef(color=CRIME_COLOUR), color=CRIME_COLOUR).encode(
        y=alt.Y(
            "crimes_per_1000:Q", title="crimes per 1,000 residents", scale=alt.Scale(zero=True)
        ),
        tooltip=[
            alt.Tooltip("month:T", format="%B %Y"),
            alt.Tooltip("crimes:Q", format=","),
            alt.Tooltip("crimes_per_1000:Q", format=".2f"),
        ],
    )
    harm = base.mark_line(point=alt.OverlayMarkDef(color=HARM_COLOUR), color=HARM_COLOUR).encode(
        y=alt.Y("harm:Q", title=harm_label, scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("harm:Q", format=",.0f")],
    )
    chart = alt.hconcat(
        rate.properties(
            width=width,
            height=220,
            title=alt.Title("Crimes per 1,000 residents", subtitle="by month"),
        ),
        harm.properties(
            width=width, height=220, title=alt.Title("Harm by month", subtitle=harm_label)
        ),
    )
    return _config(chart)


def category_share_chart(
    categories: pd.DataFrame, harm_label: str, width: int = 260
) -> alt.FacetChart:
    """Share of crime and share of harm by category: frequency against seriousness.

    Parameters
    ----------
    categories : DataFrame
        ``borough_profile(...).categories`` (``crime_type``, ``share``, ``harm_share``).
    harm_label : str
        ``scope.harm_label``, which names the harm bars.
    """
    order = list(categories.sort_values("crimes", ascending=False).crime_type)
    long = pd.concat(
        [
            pd.DataFrame(
                {"crime_type": categories.crime_type, "measure": "share of crime",
                 "share": categories.share}
            ),
            pd.DataFrame(
                {"crime_type": categories.crime_type, "measure": f"share of {harm_label}",
                 "share": categories.harm_share}
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("crime_type:N", sort=order, title=None),
            x=alt.X("share:Q", title="share", axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(range=[CRIME_COLOUR, HARM_COLOUR]),
                legend=None,
            ),
            tooltip=["crime_type:N", "measure:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=alt.Step(14))
        .facet(column=alt.Column("measure:N", title=None, sort=["share of crime"]))
    )
    return _config(chart)


def monthly_chart(
    monthly: pd.DataFrame, title: str, width: int = 320, height: int = 160
) -> alt.Chart:
    """Crimes per month as bars (a locality's or the area's).

    Parameters
    ----------
    monthly : DataFrame
        A monthly frame with ``month`` and ``crimes`` (``locality_profile(...).monthly``).
    title : str
        The chart's title.
    """
    chart = (
        alt.Chart(monthly[["month", "crimes"]])
        .mark_bar(color=CRIME_COLOUR)
        .encode(
            x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%b %y", labelAngle=0)),
            y=alt.Y("crimes:Q", title="crimes"),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("crimes:Q", format=",")],
        )
        .properties(width=width, height=height, title=title)
    )
    return _config(chart)


_SVG_OPEN = re.compile(r"<svg\b")


def render_svg(chart: alt.TopLevelMixin, description: str) -> str:
    """Render a chart to an SVG string for inlining, labelled for screen readers.

    The root ``<svg>`` gets ``role="img"`` and ``aria-label`` (the description), and a
    ``<title>`` child with the same text. vl-convert renders offline: no fonts or scripts are
    fetched and the SVG holds no external reference.
    """
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_dict())
    label = html.escape(description, quote=True)
    svg = _SVG_OPEN.sub(f'<svg role="img" aria-label="{label}"', svg, count=1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{label}</title>" + svg[head_end:]
