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
    "ce_cohort_chart",
    "ce_suspect_age_chart",
    "da_factor_chart",
    "da_marac_chart",
    "da_repeats_chart",
    "da_repeats_data",
    "da_service_chart",
    "da_volume_harm_chart",
    "monthly_chart",
    "period_rate_harm_chart",
    "period_rate_harm_data",
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


def period_rate_harm_data(periods: pd.DataFrame) -> pd.DataFrame:
    """The data behind :func:`period_rate_harm_chart`: one row per period, oldest first.

    Columns: ``period`` (``Nov 2019 - Oct 2020``), ``crimes``, ``crimes_per_1000``, ``harm``,
    ``harm_per_1000``.
    """
    label = periods.start.dt.strftime("%b %Y") + " - " + periods.end.dt.strftime("%b %Y")
    return pd.DataFrame(
        {
            "period": label,
            "crimes": periods.crimes,
            "crimes_per_1000": periods.rate_per_1000,
            "harm": periods.harm,
            "harm_per_1000": periods.harm_per_1000,
        }
    )


def period_rate_harm_chart(
    periods: pd.DataFrame, harm_label: str, width: int = 260
) -> alt.HConcatChart:
    """Chart 1 over recent years: crimes and harm per 1,000 residents, period by period.

    Parameters
    ----------
    periods : DataFrame
        ``borough_profile(...).periods`` (the period and the equal periods before it).
    harm_label : str
        ``scope.harm_label``: the harm panel's title and axis name it.
    """
    data = period_rate_harm_data(periods)
    order = list(data.period)
    # each period's label on two lines ("Nov 2019 -", "Oct 2020")
    axis = alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' - ')", labelPadding=4)
    x = alt.X("period:N", title=None, sort=order, axis=axis)

    def panel(
        field: str, count: str, colour: str, axis_title: str, title: str, sub: str
    ) -> alt.Chart:
        return (
            alt.Chart(data)
            .mark_bar(color=colour)
            .encode(
                x=x,
                y=alt.Y(f"{field}:Q", title=axis_title),
                tooltip=[
                    "period:N",
                    alt.Tooltip(f"{count}:Q", format=",.0f"),
                    alt.Tooltip(f"{field}:Q", format=",.1f"),
                ],
            )
            .properties(width=width, height=220, title=alt.Title(title, subtitle=sub))
        )

    return _config(
        alt.hconcat(
            panel(
                "crimes_per_1000",
                "crimes",
                CRIME_COLOUR,
                "crimes per 1,000 residents",
                "Crimes per 1,000 residents",
                "recorded crimes",
            ),
            panel(
                "harm_per_1000",
                "harm",
                HARM_COLOUR,
                harm_label,
                "Harm per 1,000 residents",
                harm_label,
            ),
        )
    )


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


# -- domestic abuse (Charts 2 to 6) and child exploitation (Charts 7 and 8) -------------------

ROLE_TITLES = {"victim": "victims", "suspect": "suspects"}
REPEAT_COLOURS = ["#9ecae1", CRIME_COLOUR]


def da_repeats_data(repeats: pd.DataFrame, counted: str = "offences") -> pd.DataFrame:
    """The data behind :func:`da_repeats_chart`: one row per role and group.

    Columns: ``role`` (victims, suspects), ``group`` ("one DA offence" or fewer, "more than one
    DA offence"), ``people``, ``share`` of the role's people.
    """
    rows = []
    for r in repeats[repeats.counted == counted].to_dict("records"):
        people, repeat = int(r["people"]), int(r["repeat_people"])
        for group, n in (("one or none", people - repeat), ("more than one", repeat)):
            rows.append(
                {
                    "role": ROLE_TITLES.get(str(r["role"]), str(r["role"])),
                    "group": f"{group} DA {counted}",
                    "people": n,
                    "share": n / people if people else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["role", "group", "people", "share"])


def da_repeats_chart(repeats: pd.DataFrame, width: int = 420) -> alt.Chart:
    """Chart 2: victims and suspects, split into repeat (more than one DA offence) and not.

    ``repeats`` is ``domestic_abuse(...).repeats``; the bars count offences (the seed's basis).
    """
    data = da_repeats_data(repeats)
    order = sorted(set(data.group), key=lambda g: "more" in g)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("role:N", title=None, sort=["victims", "suspects"]),
            x=alt.X("people:Q", title="people", stack="zero"),
            color=alt.Color(
                "group:N",
                sort=order,
                scale=alt.Scale(domain=order, range=REPEAT_COLOURS),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("group:N", sort="ascending"),
            tooltip=["role:N", "group:N", alt.Tooltip("people:Q", format=","),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=alt.Step(36))
    )  # fmt: skip
    return _config(chart)


def da_volume_harm_chart(
    monthly: pd.DataFrame, harm_label: str, width: int = 300
) -> alt.HConcatChart:
    """Chart 3: DA offences and crimed incidents by month (stacked), beside their harm.

    ``monthly`` is ``domestic_abuse(...).monthly``; harm is the offences' (incidents carry none).
    """
    long = pd.melt(
        monthly[["month", "offences", "crimed_incidents"]],
        id_vars=["month"], value_vars=["offences", "crimed_incidents"], var_name="record",
        value_name="records",
    ).replace({"record": {"crimed_incidents": "crimed incidents"}})  # fmt: skip
    x = alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%b %y", labelAngle=-45))
    volume = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("records:Q", title="DA records", stack="zero"),
            color=alt.Color(
                "record:N",
                scale=alt.Scale(
                    domain=["offences", "crimed incidents"], range=REPEAT_COLOURS[::-1]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), "record:N",
                     alt.Tooltip("records:Q", format=",")],
        )
        .properties(width=width, height=220, title=alt.Title("Volume", subtitle="records by month"))
    )  # fmt: skip
    harm = (
        alt.Chart(monthly[["month", "harm"]])
        .mark_line(point=alt.OverlayMarkDef(color=HARM_COLOUR), color=HARM_COLOUR)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=-45)),
            y=alt.Y("harm:Q", title=harm_label, scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("harm:Q", format=",.0f")],
        )
        .properties(width=width, height=220, title=alt.Title("Severity", subtitle=harm_label))
    )
    return _config(alt.hconcat(volume, harm))


def da_service_chart(service: pd.DataFrame, width: int = 520) -> alt.Chart:
    """Chart 4: DA service contacts by month, stacked by channel (``.service``)."""
    channels = list(dict.fromkeys(service.channel))
    chart = (
        alt.Chart(service)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%b %y", labelAngle=0)),
            y=alt.Y("contacts:Q", title="contacts", stack="zero"),
            color=alt.Color("channel:N", sort=channels, scale=alt.Scale(scheme="tableau10"),
                            legend=alt.Legend(title="channel", orient="right")),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), "channel:N",
                     alt.Tooltip("contacts:Q", format=",")],
        )
        .properties(width=width, height=220)
    )  # fmt: skip
    return _config(chart)


def da_factor_chart(factors: pd.DataFrame, width: int = 300) -> alt.Chart:
    """Chart 5: the share of DA records carrying each other marker (``.factors``)."""
    data = factors.assign(factor=factors.description.fillna(factors.marker).str.rstrip("."))
    chart = (
        alt.Chart(data)
        .mark_bar(color=CRIME_COLOUR)
        .encode(
            y=alt.Y("factor:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            x=alt.X("share:Q", title="share of DA records", axis=alt.Axis(format=".0%")),
            tooltip=["factor:N", alt.Tooltip("records:Q", format=","),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=alt.Step(22))
    )  # fmt: skip
    return _config(chart)


def da_marac_chart(marac: pd.DataFrame, width: int = 520) -> alt.Chart:
    """Chart 6: MARAC referrals by month, with the repeat referrals among them (``.marac``)."""
    long = marac.melt(
        id_vars=["month"], value_vars=["referrals", "repeat_referrals"], var_name="measure",
        value_name="count",
    ).replace({"measure": {"repeat_referrals": "repeat referrals"}})  # fmt: skip
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%b %y", labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=["referrals", "repeat referrals"]),
            y=alt.Y("count:Q", title="referrals"),
            color=alt.Color("measure:N", sort=["referrals", "repeat referrals"],
                            scale=alt.Scale(range=[CRIME_COLOUR, HARM_COLOUR]),
                            legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), "measure:N", "count:Q"],
        )
        .properties(width=width, height=200)
    )  # fmt: skip
    return _config(chart)


COHORT_GROUPS = {
    "cohort_share": "CE team cohort",
    "cse_victim_share": "police-recorded CSE victims",
    "victim_share": "police-recorded CE victims",
}


def ce_cohort_chart(cohort_gender: pd.DataFrame, width: int = 420) -> alt.Chart:
    """Chart 7: gender of the CE team's cohort beside police-recorded CSE and CE victims.

    ``cohort_gender`` is ``exploitation(...).cohort_gender``; bars are shares of each group.
    """
    long = cohort_gender.melt(
        id_vars=["gender"], value_vars=list(COHORT_GROUPS), var_name="group", value_name="share"
    ).replace({"group": COHORT_GROUPS})
    groups = list(COHORT_GROUPS.values())
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", sort=groups, title=None),
            x=alt.X("share:Q", title="share", stack="normalize", axis=alt.Axis(format=".0%")),
            color=alt.Color("gender:N", sort=list(cohort_gender.gender),
                            scale=alt.Scale(scheme="set2"),
                            legend=alt.Legend(title="gender", orient="bottom")),
            tooltip=["group:N", "gender:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=alt.Step(30))
    )  # fmt: skip
    return _config(chart)


def ce_suspect_age_chart(suspect_ages: pd.DataFrame, width: int = 420) -> alt.Chart:
    """Chart 8: CE suspects by the seed's age bands, CSE and CCE (``.suspect_ages``)."""
    data = suspect_ages[suspect_ages.type.isin(["CSE", "CCE"])]
    bands = list(dict.fromkeys(suspect_ages.age_band))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("age_band:N", sort=bands, title="suspect's age", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("type:N", sort=["CSE", "CCE"]),
            y=alt.Y("suspects:Q", title="suspects"),
            color=alt.Color("type:N", sort=["CSE", "CCE"],
                            scale=alt.Scale(range=[CRIME_COLOUR, HARM_COLOUR]),
                            legend=alt.Legend(title=None, orient="bottom")),
            tooltip=["type:N", "age_band:N", "suspects:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=width, height=200)
    )  # fmt: skip
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
