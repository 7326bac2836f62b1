"""The assessment's sections, one function each, in the seed strategy's order.

Each function takes analysis results (never the warehouse) and returns a :class:`Section`.
Sections whose analyses have not landed yet are placeholders that say which analysis they await
and show no figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry

from saferplaces.analysis.base import Scope
from saferplaces.analysis.domestic_abuse import DomesticAbuseProfile
from saferplaces.analysis.exploitation import ExploitationProfile
from saferplaces.analysis.locality import LocalityProfile
from saferplaces.analysis.places import METHODS, Places
from saferplaces.analysis.profile import BoroughProfile
from saferplaces.analysis.trends import Trends
from saferplaces.periods import Period
from saferplaces.report import charts, maps
from saferplaces.report.parts import Figure, ReportTable, Section, strictest
from saferplaces.report.sentences import (
    borough_sentences,
    candidate_sentences,
    ce_cohort_sentences,
    ce_sentences,
    ce_suspect_sentences,
    da_partner_sentences,
    da_repeat_sentences,
    da_volume_sentences,
    data_quality_sentences,
    emerging_sentences,
    hotspot_sentences,
    locality_detail,
    locality_headline,
    pct,
    theme_sentences,
)
from saferplaces.sensitivity import sensitivity_of

__all__ = [
    "child_exploitation_section",
    "context_section",
    "domestic_abuse_section",
    "localities_section",
    "methods_section",
    "monitoring_section",
    "placeholder_section",
    "priorities_section",
    "slug",
    "theme_ranking",
]

# Sections waiting for analyses still being written: (key, title, what it will hold, issue).
PLACEHOLDERS = {
    "domestic-abuse": (
        "Domestic abuse",
        "the domestic abuse profile (issue #5): offences and crimed incidents with a DA marker, "
        "repeat victims and suspects, volume against harm, aggravating factors, partner service "
        "demand and MARAC referrals (the seed's Charts 2 to 6)",
    ),
    "child-exploitation": (
        "Child exploitation",
        "the child exploitation profile (issue #5): CSE and CCE markers, victims and suspects by "
        "age and gender, children supported by partner services (the seed's Charts 7 and 8)",
    ),
    "monitoring": (
        "Monitoring all crime",
        "the monitoring analysis (issue #6): emerging issues against seasonal baselines and the "
        "hot spot map",
    ),
}


def slug(text: str) -> str:
    """A file- and id-safe name: 'Sutton Hill, Brookside' -> 'sutton-hill-brookside'."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def placeholder_section(key: str) -> Section:
    """A section awaiting its analysis: says which one, shows no numbers."""
    title, awaits = PLACEHOLDERS[key]
    return Section(
        key=key,
        title=title,
        placeholder=(
            f"This section awaits {awaits}. It will be filled when that analysis lands; until "
            "then the assessment makes no statement about it."
        ),
    )


def context_section(profile: BoroughProfile, scope: Scope) -> Section:
    """Context and borough profile: headline sentences, Chart 1, category chart and table.

    Chart 1 shows volume and severity over recent years, as the seed's does, when the warehouse
    holds at least one whole period before this one (``profile.periods``); the months of the
    period follow it. With the period alone, Chart 1 is the months.
    """
    label = scope.harm_label
    monthly, cats = profile.monthly, profile.categories
    period = scope.period.label
    data = charts.rate_harm_data(monthly, scope.residents)
    counts = data.crimes.to_numpy()
    hi, lo = data.iloc[int(counts.argmax())], data.iloc[int(counts.argmin())]
    by_period = len(profile.periods) > 1
    months_alt = (
        f"Two line charts, {period}. Left: crimes per 1,000 residents of {scope.area_name} "
        f"each month, highest in {hi.month:%B %Y} ({hi.crimes_per_1000:.2f}) and lowest in "
        f"{lo.month:%B %Y} ({lo.crimes_per_1000:.2f}). Right: harm each month, {label}."
    )
    fig_months = Figure(
        key="monthly_rate_and_harm" if by_period else "chart1_rate_and_harm",
        label="" if by_period else "Chart 1",
        title=f"Crimes per 1,000 residents and harm by month, {scope.area_name}, {period}",
        caption=f"Crimes recorded in {scope.area_name}'s LSOAs per 1,000 residents (left) and "
        f"harm (right), month by month. Harm: {label}.",
        alt=months_alt,
        svg=charts.render_svg(charts.rate_harm_chart(monthly, scope.residents, label), months_alt),
        data=data,
    )
    figures = [fig_months]
    if by_period:
        years = charts.period_rate_harm_data(profile.periods)
        first, last = years.iloc[0], years.iloc[-1]
        years_alt = (
            f"Two bar charts, one bar for each of {len(years)} periods from {first.period} to "
            f"{last.period}. Left: crimes per 1,000 residents of {scope.area_name}, "
            f"{first.crimes_per_1000:.1f} in the first and {last.crimes_per_1000:.1f} in the "
            f"last. Right: harm per 1,000 residents, {first.harm_per_1000:,.0f} and "
            f"{last.harm_per_1000:,.0f}, {label}."
        )
        figures.insert(
            0,
            Figure(
                key="chart1_rate_and_harm",
                label="Chart 1",
                title=f"Crimes and harm per 1,000 residents, {scope.area_name}, "
                f"{first.period} to {last.period}",
                caption=f"Volume and severity over recent periods: crimes recorded in "
                f"{scope.area_name}'s LSOAs (left) and their harm (right), per 1,000 residents "
                f"(the same residents for every period). Harm: {label}.",
                alt=years_alt,
                svg=charts.render_svg(
                    charts.period_rate_harm_chart(profile.periods, label), years_alt
                ),
                data=years,
            ),
        )
    shares_alt = (
        f"Bar charts of the share of crime and the share of harm for each of {len(cats)} crime "
        f"categories in {scope.area_name}, {period}; harm is {label}."
    )
    fig_shares = Figure(
        key="categories_share_of_crime_and_harm",
        label="",
        title=f"Share of crime and of harm by category, {period}",
        caption=f"What is frequent is not always what is harmful: each category's share of "
        f"crimes against its share of harm ({label}).",
        alt=shares_alt,
        svg=charts.render_svg(charts.category_share_chart(cats, label), shares_alt),
        data=cats[["crime_type", "crimes", "share", "harm", "harm_share"]],
    )
    table = ReportTable(
        key="categories",
        caption=f"Crime by category, {scope.area_name}, {period}; weight and harm: {label}",
        frame=cats,
        formats={"share": "pct", "harm_share": "pct", "rate_per_1000": "2f", "weight": "1f",
                 "harm": "0f"},
    )  # fmt: skip
    return Section(
        key="context",
        title="Context and borough profile",
        paragraphs=borough_sentences(profile),
        figures=[*figures, fig_shares],
        tables=[table],
    )


def priorities_section(
    pl: Places,
    scope: Scope,
    configured: Mapping[str, Sequence[str]],
    top_share: float,
    themes: pd.DataFrame | None = None,
) -> Section:
    """Priorities drawn from the evidence: candidate localities and the themes.

    ``top_share`` is the share of LSOAs the candidates were drawn from (as given to
    :func:`saferplaces.analysis.places.places`); ``themes`` is :func:`theme_ranking` (none, or
    empty, when the warehouse holds no force extract for the period).
    """
    cands = pl.candidates
    names = list(cands.name)
    intro = (
        f"The evidence points to {len(names)} candidate localit"
        f"{'y' if len(names) == 1 else 'ies'} with the most harm: clusters of touching LSOAs "
        f"among the {pct(top_share)} most vulnerable in {scope.area_name} ({METHODS[pl.method]})."
    )
    table = ReportTable(
        key="candidate_localities",
        caption=f"Candidate priority localities, {scope.period.label}; harm: {scope.harm_label}",
        frame=cands[["rank", "name", "lsoas", "residents", "crimes", "harm", "share_of_land",
                     "share_of_residents", "share_of_crime", "share_of_harm", "wards"]],
        formats={"residents": "0f", "harm": "0f", "share_of_land": "pct",
                 "share_of_residents": "pct", "share_of_crime": "pct", "share_of_harm": "pct"},
    )  # fmt: skip
    return Section(
        key="priorities",
        title="Priorities drawn from the evidence",
        paragraphs=[
            intro,
            *candidate_sentences(cands, scope.area_name, str(scope.period), configured),
        ],
        tables=[table],
        subsections=[_themes_subsection(themes, scope)],
    )


def theme_ranking(da: DomesticAbuseProfile, ce: ExploitationProfile) -> pd.DataFrame:
    """The themes ranked by their records' share of all offences in scope (the seed's measure).

    Columns: ``rank``, ``theme``, ``records`` (offences and crimed incidents with the theme's
    marker), ``share_of_crime`` (records over all offences), ``victims``, ``period``. Empty when
    the warehouse holds no force extract offence for the period.
    """
    d, c = da.summary.iloc[0], ce.summary.iloc[0]
    columns = ["rank", "theme", "records", "share_of_crime", "victims", "period"]
    if int(d.all_offences) == 0:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        [
            ("Domestic abuse", int(d.records), float(d.records_share_of_crime), int(d.victims)),
            ("Child exploitation", int(c.records), float(c.share_of_crime), int(c.victims)),
        ],
        columns=["theme", "records", "share_of_crime", "victims"],
    )
    frame = frame.sort_values(["share_of_crime", "theme"], ascending=[False, True])
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame["period"] = str(d.period)
    return frame[columns].reset_index(drop=True)


def _themes_subsection(themes: pd.DataFrame | None, scope: Scope) -> Section:
    if themes is None or themes.empty:
        return Section(
            key="themes",
            title="Themes",
            paragraphs=[
                f"The warehouse holds no force extract (offences with domestic abuse and child "
                f"exploitation markers) for {scope.area_name} in {scope.period.label}, so the "
                "thematic priorities cannot be ranked from the evidence. data.police.uk files "
                "carry no such markers; load the force extract (`saferplaces ingest`) to rank them."
            ],
        )
    label = strictest(
        sensitivity_of("domestic_abuse.summary").value,
        sensitivity_of("exploitation.summary").value,
    )
    table = ReportTable(
        key="themes",
        caption=f"Themes ranked by their share of offences, {scope.period.label}",
        frame=themes,
        formats={"share_of_crime": "pct"},
        sensitivity=label,
        source="domestic_abuse.summary, exploitation.summary",
    )
    return Section(
        key="themes",
        title="Themes",
        paragraphs=theme_sentences(themes),
        tables=[table],
        sensitivity=label,
    )


def _frame_table(
    key: str, caption: str, frame: pd.DataFrame, source: str, formats: dict[str, str] | None = None
) -> ReportTable:
    return ReportTable(
        key=key,
        caption=caption,
        frame=frame,
        formats=formats or {},
        sensitivity=sensitivity_of(source).value,
        source=source,
    )


def _frame_figure(
    key: str,
    label: str,
    title: str,
    caption: str,
    alt: str,
    chart: Any,
    data: pd.DataFrame,
    source: str,
) -> Figure:
    return Figure(
        key=key, label=label, title=title, caption=caption, alt=alt,
        svg=charts.render_svg(chart, alt), data=data,
        sensitivity=sensitivity_of(source).value, source=source,
    )  # fmt: skip


def _factor_name(row: Any) -> str:
    text = row.description if isinstance(row.description, str) else str(row.marker)
    return text.rstrip(".")


def _period_label(period: str) -> str:
    return Period.parse(period).label


def _no_extract(scope: Scope, subject: str) -> str:
    return (
        f"The warehouse holds no force extract records for {scope.area_name} in "
        f"{scope.period.label}, so this report makes no statement about {subject}: "
        "data.police.uk files carry no domestic abuse or exploitation markers. Load the force "
        "extract (`saferplaces ingest`) to fill this section."
    )


def domestic_abuse_section(da: DomesticAbuseProfile, scope: Scope) -> Section:
    """Domestic abuse: volume and severity (Chart 3), aggravating factors (Chart 5), repeat
    victims and suspects (Chart 2), service demand (Chart 4) and MARAC (Chart 6).

    Subsections carry the label of the frames their sentences come from, so the public edition
    can keep the public ones only. Without a force extract for the period the section says so
    and shows no number.
    """
    s = da.summary.iloc[0]
    period, label = scope.period.label, scope.harm_label
    intro = (
        "Domestic abuse records are offences and crimed incidents in the force extract with a "
        f"domestic abuse marker, placed in {scope.area_name} and recorded in {period}. Harm "
        f"is counted for offences only (crimed incidents carry none): {label}."
    )
    if int(s.all_offences) == 0:
        return Section(key="domestic-abuse", title="Domestic abuse",
                       paragraphs=[_no_extract(scope, "domestic abuse")])  # fmt: skip
    m, f = da.monthly, da.factors
    peak = m.iloc[int(m.records.to_numpy().argmax())]
    chart3_alt = (
        f"Stacked bars of domestic abuse offences and crimed incidents per month, {period}, most "
        f"in {peak.month:%B %Y} ({int(peak.records):,}); beside it a line of their harm by month "
        f"({label})."
    )
    fig3 = _frame_figure(
        "chart3_da_volume_severity", "Chart 3",
        f"Domestic abuse: volume and severity by month, {period}",
        f"DA records by month (left) and the harm of DA offences (right); harm: {label}.",
        chart3_alt, charts.da_volume_harm_chart(m, label), m, "domestic_abuse.monthly",
    )  # fmt: skip
    volume = Section(
        key="da-volume", title="Volume and severity",
        paragraphs=da_volume_sentences(m, f, label), figures=[fig3],
        sensitivity=sensitivity_of("domestic_abuse.monthly").value,
    )  # fmt: skip
    if not f.empty:
        top = f.iloc[0]
        chart5_alt = (
            f"Horizontal bars: the share of DA records with each of {len(f)} other markers, "
            f"{period}; the most common is {_factor_name(top)} ({pct(top.share)})."
        )
        volume.figures.append(_frame_figure(
            "chart5_da_factors", "Chart 5", f"Domestic abuse: aggravating factors, {period}",
            "Share of DA records carrying each other marker (a record can carry several).",
            chart5_alt, charts.da_factor_chart(f), f, "domestic_abuse.factors",
        ))  # fmt: skip
        volume.tables.append(_frame_table(
            "da_factors", f"Aggravating factors on domestic abuse records, {period}", f,
            "domestic_abuse.factors", {"share": "pct"},
        ))  # fmt: skip
        volume.sensitivity = strictest(
            volume.sensitivity, sensitivity_of("domestic_abuse.factors").value
        )
    rep = da.repeats
    chart2_data = charts.da_repeats_data(rep)
    chart2_alt = (
        f"Stacked horizontal bars for {int(s.victims):,} victims and {int(s.suspects):,} "
        f"suspects of domestic abuse, {period}: {int(s.repeat_victims):,} victims and "
        f"{int(s.repeat_suspects):,} suspects had more than one DA offence."
    )
    repeats = Section(
        key="da-repeats", title="Repeat victims and suspects",
        paragraphs=da_repeat_sentences(da.summary),
        figures=[_frame_figure(
            "chart2_da_repeats", "Chart 2",
            f"Domestic abuse: repeat victims and suspects, {period}",
            "Victims and suspects with one DA offence or none (crimed incidents only) and with "
            "more than one.",
            chart2_alt, charts.da_repeats_chart(rep), chart2_data, "domestic_abuse.repeats",
        )],
        tables=[_frame_table(
            "da_repeats", f"Repeat victims and suspects of domestic abuse, {period} (counted: DA "
            "offences, or offences and crimed incidents together)", rep, "domestic_abuse.repeats",
            {"repeat_share": "pct", "mean_among_repeat": "2f"},
        )],
        sensitivity=strictest(sensitivity_of("domestic_abuse.summary").value,
                              sensitivity_of("domestic_abuse.repeats").value),
    )  # fmt: skip
    has_service = int(da.service.contacts.sum()) > 0
    has_marac = int(da.marac.referrals.sum()) > 0
    partner = Section(
        key="da-services", title="Service demand and MARAC",
        paragraphs=da_partner_sentences(da.summary, has_service, has_marac),
        sensitivity=sensitivity_of("domestic_abuse.summary").value,
    )  # fmt: skip
    if has_service:
        sp = _period_label(str(s.service_period))
        by_channel = da.service.groupby("channel", sort=False).contacts.sum()
        chart4_alt = (
            f"Stacked bars of DA service contacts per month, {sp}, by channel; the busiest "
            f"channel is {by_channel.idxmax()} ({int(by_channel.max()):,} contacts)."
        )
        partner.figures.append(_frame_figure(
            "chart4_da_service", "Chart 4", f"Domestic abuse service demand by channel, {sp}",
            "Contacts with the domestic abuse service each month, by how they came in.",
            chart4_alt, charts.da_service_chart(da.service), da.service, "domestic_abuse.service",
        ))  # fmt: skip
    if has_marac:
        mp = _period_label(str(s.marac_period))
        chart6_alt = (
            f"Bars of MARAC referrals and repeat referrals per month, {mp}: "
            f"{int(s.marac_referrals):,} referrals, {int(s.marac_repeat_referrals):,} repeats."
        )
        partner.figures.append(_frame_figure(
            "chart6_da_marac", "Chart 6", f"MARAC referrals, {mp}",
            "Referrals heard at MARAC each month and the repeats among them (the same victim "
            "referred within the previous 12 months).",
            chart6_alt, charts.da_marac_chart(da.marac), da.marac, "domestic_abuse.marac",
        ))  # fmt: skip
        partner.tables.append(_frame_table(
            "da_marac", f"MARAC referrals by month, {mp}", da.marac, "domestic_abuse.marac"
        ))  # fmt: skip
    return Section(
        key="domestic-abuse",
        title="Domestic abuse",
        paragraphs=[intro],
        subsections=[volume, repeats, partner],
    )


def child_exploitation_section(ce: ExploitationProfile, scope: Scope) -> Section:
    """Child exploitation: records, victims and suspects (Chart 8), and the CE team's cohort
    beside the police-recorded victims (Chart 7); or, without a force extract, says so."""
    s = ce.summary.iloc[0]
    period = scope.period.label
    if int(s.all_offences) == 0:
        return Section(key="child-exploitation", title="Child exploitation",
                       paragraphs=[_no_extract(scope, "child exploitation")])  # fmt: skip
    intro = (
        "Child exploitation records are offences and crimed incidents in the force extract with "
        f"a child sexual exploitation (CSE) or child criminal exploitation (CCE) marker, placed "
        f"in {scope.area_name} and recorded in {period}."
    )
    summary_label = sensitivity_of("exploitation.summary").value
    sa = ce.suspect_ages
    cse = sa[(sa.type == "CSE") & (sa.age_band != "unknown")]
    top = cse.iloc[int(cse.suspects.to_numpy().argmax())] if len(cse) else None
    chart8_alt = (
        f"Grouped bars of CSE and CCE suspects by age band, {period}"
        + (f"; most CSE suspects were {top.age_band} ({int(top.suspects):,})." if top is not None
           else ".")
    )  # fmt: skip
    suspects = Section(
        key="ce-suspects", title="Victims and suspects",
        paragraphs=[*ce_sentences(ce.summary), *ce_suspect_sentences(ce.summary, sa)],
        figures=[_frame_figure(
            "chart8_ce_suspect_ages", "Chart 8", f"Child exploitation suspects by age, {period}",
            "Distinct suspects in CSE and CCE records by the seed strategy's age bands.",
            chart8_alt, charts.ce_suspect_age_chart(sa), sa, "exploitation.suspect_ages",
        )],
        tables=[_frame_table(
            "ce_suspect_ages", f"Child exploitation suspects by age band and type, {period}", sa,
            "exploitation.suspect_ages", {"share": "pct"},
        )],
        sensitivity=strictest(summary_label, sensitivity_of("exploitation.suspect_ages").value),
    )  # fmt: skip
    subsections = [suspects]
    cg = ce.cohort_gender
    if int(s.cohort_children) > 0:
        cp = _period_label(str(s.cohort_period))
        chart7_alt = (
            f"Stacked bars of the share of each gender among {int(s.cohort_children):,} children "
            f"supported by the CE team in {cp}, police-recorded CSE victims and all CE victims."
        )
        subsections.append(Section(
            key="ce-cohort", title="Children supported by the CE team",
            paragraphs=ce_cohort_sentences(ce.summary, cg),
            figures=[_frame_figure(
                "chart7_ce_cohort_gender", "Chart 7",
                f"CE team cohort and police-recorded victims by gender, {cp}",
                "The CE team's cohort beside police-recorded CSE and CE victims, by gender.",
                chart7_alt, charts.ce_cohort_chart(cg), cg, "exploitation.cohort_gender",
            )],
            sensitivity=strictest(
                summary_label, sensitivity_of("exploitation.cohort_gender").value
            ),
        ))  # fmt: skip
    else:
        subsections.append(Section(
            key="ce-cohort", title="Children supported by the CE team",
            paragraphs=["The warehouse holds no CE team cohort (partner data) for this period, "
                        "so Chart 7 is not shown."],
        ))  # fmt: skip
    return Section(
        key="child-exploitation",
        title="Child exploitation",
        paragraphs=[intro],
        subsections=subsections,
    )


def monitoring_section(
    tr: Trends,
    hot: pd.DataFrame,
    geoms: Mapping[str, BaseGeometry],
    localities: Mapping[str, Sequence[str]],
    scope: Scope,
    top: int = 10,
) -> Section:
    """Monitoring all crime: the top emerging issues and the Gi* hot spot map.

    ``tr`` is :func:`saferplaces.analysis.trends.trends`, ``hot`` is
    :func:`saferplaces.analysis.hotspots.hotspot_table` (crime counts by LSOA: public, as
    data.police.uk publishes them).
    """
    period = scope.period.label
    tested = int(tr.table.p_value.notna().sum()) if len(tr.table) else 0
    issues = tr.issues.head(top)
    emerging = Section(
        key="emerging-issues", title="Emerging issues",
        paragraphs=emerging_sentences(tr.issues, tr.baseline, tr.q, tested),
    )  # fmt: skip
    if len(issues):
        emerging.tables.append(ReportTable(
            key="emerging_issues",
            caption=f"Top {len(issues)} emerging issues by excess harm, {period}; harm: "
                    f"{scope.harm_label}",
            frame=issues,
            formats={"expected": "1f", "lower": "1f", "upper": "1f", "excess_crimes": "1f",
                     "excess_harm": "0f", "p_value": "2f", "q_value": "2f"},
        ))  # fmt: skip
    measure = str(hot.attrs.get("measure", "count"))
    words = "crimes" if measure == "count" else "harm per 1,000 residents"
    perms = int(hot.attrs.get("permutations", 0))
    n_hot = int((hot.hot_cold == "hot").sum())
    n_cold = int((hot.hot_cold == "cold").sum())
    map_alt = (
        f"Map of {scope.area_name}'s {len(hot)} LSOAs shaded by Gi* z-score of {words}, "
        f"{period} (red hot, blue cold); {n_hot} hot and {n_cold} cold spots are significant "
        "and outlined."
    )
    fig = Figure(
        key="hotspot_map",
        label="",
        title=f"Hot spots of {words} by LSOA, {scope.area_name}, {period}",
        caption=f"Getis-Ord Gi* z-scores (queen contiguity, {perms:,} permutations); significant "
        "hot and cold spots (false discovery rate q <= 0.10) outlined; localities dashed.",
        alt=map_alt,
        svg=charts.render_svg(maps.hotspot_map(hot, geoms, localities, words), map_alt),
        data=hot,
    )
    spots = hot[hot.hot_cold.isin(["hot", "cold"])]
    hotspots = Section(
        key="hot-spots", title="Hot spots",
        paragraphs=hotspot_sentences(hot, words, perms), figures=[fig],
    )  # fmt: skip
    if len(spots):
        hotspots.tables.append(ReportTable(
            key="hot_spots", caption=f"Significant hot and cold spot LSOAs, {period}",
            frame=spots[["lsoa_code", "lsoa_name", "ward_name", "crimes", "value", "z_score",
                         "q_value", "confidence", "hot_cold"]],
            formats={"value": "1f", "z_score": "2f", "q_value": "2f"},
        ))  # fmt: skip
    return Section(
        key="monitoring",
        title="Monitoring all crime",
        paragraphs=[
            f"Every month of {period} is compared with what the months before it lead us to "
            "expect (seasonal model, false discovery rate controlled), and Gi* maps where crime "
            "clusters."
        ],
        subsections=[emerging, hotspots],
    )


def localities_section(
    pl: Places,
    scope: Scope,
    profiles: Mapping[str, LocalityProfile],
    lsoas: Mapping[str, Sequence[str]],
    geoms: Mapping[str, BaseGeometry],
) -> Section:
    """Chart 9 (vulnerability by LSOA with the localities outlined), then one profile each."""
    label, period = scope.harm_label, scope.period.label
    top = pl.lsoas.head(10)
    chart9_alt = (
        f"Map of {scope.area_name}'s {len(pl.lsoas)} LSOAs shaded by vulnerability to crime, "
        f"{period} (darker is more vulnerable; 1 is the area average), with "
        f"{len(lsoas)} localities outlined and named: {', '.join(lsoas) or 'none'}. The most "
        f"vulnerable LSOA is {top.lsoa_name.iloc[0]} ({top.vulnerability.iloc[0]:.2f})."
    )
    fig9 = Figure(
        key="chart9_vulnerability_map",
        label="Chart 9",
        title=f"Vulnerability to crime by LSOA, {scope.area_name}, {period}",
        caption=f"Vulnerability by LSOA ({METHODS[pl.method]}; harm: {label}). Outlined: the "
        "localities defined in saferplaces.toml.",
        alt=chart9_alt,
        svg=charts.render_svg(
            maps.vulnerability_map(pl.lsoas, geoms, lsoas, pl.method), chart9_alt
        ),
        data=pl.lsoas,
    )
    top_table = ReportTable(
        key="top_lsoas",
        caption=f"The 10 most vulnerable LSOAs, {period}; harm: {label}",
        frame=top[["vulnerability_rank", "lsoa_code", "lsoa_name", "ward_name", "crimes", "harm",
                   "rate_per_1000", "share_of_crime", "share_of_harm", "imd_decile",
                   "vulnerability"]],
        formats={"harm": "0f", "share_of_crime": "pct", "share_of_harm": "pct",
                 "vulnerability": "2f"},
    )  # fmt: skip
    subsections = [
        _locality_subsection(name, p, lsoas[name], geoms, scope) for name, p in profiles.items()
    ]
    paragraphs = [
        f"{len(profiles)} localities are defined for {scope.area_name} in saferplaces.toml: "
        f"{', '.join(profiles)}."
        if profiles
        else "No localities are defined in saferplaces.toml; define them with `saferplaces "
        "geography localities` to profile them here."
    ]
    return Section(
        key="localities",
        title="Localities",
        paragraphs=paragraphs,
        figures=[fig9],
        tables=[top_table],
        subsections=subsections,
    )


def _locality_subsection(
    name: str,
    p: LocalityProfile,
    lsoas: Sequence[str],
    geoms: Mapping[str, BaseGeometry],
    scope: Scope,
) -> Section:
    key = slug(name)
    s = p.summary.iloc[0]
    map_alt = f"Map of {scope.area_name} with the {len(lsoas)} LSOAs of {name} shaded and outlined."
    peak = p.monthly.iloc[int(p.monthly.crimes.to_numpy().argmax())]
    month_alt = (
        f"Bar chart of crimes per month in {name}, {scope.period.label}; highest "
        f"{peak.month:%B %Y} ({int(peak.crimes):,})."
    )
    figures = [
        Figure(
            key=f"map_{key}",
            label="",
            title=f"{name}: where it lies",
            caption=f"{name}: its {len(lsoas)} LSOAs within {scope.area_name}.",
            alt=map_alt,
            svg=charts.render_svg(maps.locality_map(geoms, name, lsoas), map_alt),
            data=pd.DataFrame({"lsoa_code": sorted(lsoas)}),
            small=True,
        ),
        Figure(
            key=f"monthly_{key}",
            label="",
            title=f"{name}: crimes by month",
            caption=f"Crimes recorded in {name} each month, {scope.period.label}.",
            alt=month_alt,
            svg=charts.render_svg(charts.monthly_chart(p.monthly, "Crimes by month"), month_alt),
            data=p.monthly,
            small=True,
        ),
    ]
    cats = p.categories
    table = ReportTable(
        key=f"locality_{key}_categories",
        caption=f"{name} against the rest of {s.area_name}: crimes per 1,000 residents by "
        f"category, {scope.period.label} (exact rate ratios, 95% intervals); harm: "
        f"{s.harm_scheme}",
        frame=cats[["crime_type", "locality_crimes", "locality_harm", "locality_rate_per_1000",
                    "rest_rate_per_1000", "rate_ratio", "ci_low", "ci_high",
                    "significantly_higher"]],
        formats={"locality_harm": "0f", "locality_rate_per_1000": "2f",
                 "rest_rate_per_1000": "2f", "rate_ratio": "2f", "ci_low": "2f", "ci_high": "2f"},
    )  # fmt: skip
    return Section(
        key=f"locality-{key}",
        title=name,
        paragraphs=[locality_headline(p), *locality_detail(p)],
        figures=figures,
        tables=[table],
    )


def methods_section(
    scope: Scope,
    pl: Places,
    status: Mapping[str, Any],
    sources: pd.DataFrame,
    synthetic: Mapping[str, int],
) -> Section:
    """Methods and data quality: sources, periods, harm scheme, quarantine, placement."""
    sch = scope.scheme
    facts = [
        ("Area", f"{scope.area_name} ({scope.area_code}), {len(scope.lsoas):,} LSOAs "
                 f"({scope.vintage} boundaries), {scope.residents:,.0f} residents"),
        ("Period", f"{scope.period.label} ({scope.period.months} months, {scope.period})"),
        ("Harm scheme", f"{sch.name} v{sch.version}; every harm figure is labelled "
                        f"“{scope.harm_label}”"),
        ("Scheme status", sch.status + (
            ": weights for demonstration; not the ONS Crime Severity Score"
            if sch.status == "illustrative" else "")),
        ("Scheme provenance", sch.provenance),
        ("Vulnerability", f"{pl.method}: {METHODS[pl.method]}"),
        ("Counting", "crimes are counted where they were placed (their LSOA); anti-social "
                     "behaviour is reported beside crime, never inside it, and carries no harm"),
    ]  # fmt: skip
    if sch.derived_from:
        facts.insert(5, ("Derived from", str(sch.derived_from)))
    partitions = pd.DataFrame(
        status["partitions"],
        columns=["kind", "force", "first_month", "last_month", "months", "months_missing", "rows"],
    )
    quarantine = pd.DataFrame(status["quarantine"], columns=["reason", "rows", "files", "example"])
    placement = pd.DataFrame(
        [
            {"table": t, "placed_by": k, "rows": v}
            for t, counts in status["placement"].items()
            for k, v in counts.items()
        ],
        columns=["table", "placed_by", "rows"],
    )
    tables = [
        ReportTable(
            "sources",
            f"Files behind the period {scope.period}: data.police.uk and other sources, "
            "from the ingest log",
            sources,
        ),
        ReportTable("partitions", "Months held in the warehouse, by kind and force", partitions),
        ReportTable(
            "placement",
            "Records by how they were placed on the loaded LSOA boundaries (whole warehouse)",
            placement,
        ),
    ]
    if not quarantine.empty:
        tables.append(
            ReportTable("quarantine", "Quarantined rows by reason (whole warehouse)", quarantine)
        )
    return Section(
        key="methods",
        title="Methods and data quality",
        paragraphs=data_quality_sentences(status, synthetic),
        facts=facts,
        tables=tables,
    )
