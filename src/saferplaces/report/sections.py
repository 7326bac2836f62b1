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
from saferplaces.analysis.locality import LocalityProfile
from saferplaces.analysis.places import METHODS, Places
from saferplaces.analysis.profile import BoroughProfile
from saferplaces.report import charts, maps
from saferplaces.report.parts import Figure, ReportTable, Section
from saferplaces.report.sentences import (
    borough_sentences,
    candidate_sentences,
    data_quality_sentences,
    locality_detail,
    locality_headline,
    pct,
)

__all__ = [
    "context_section",
    "localities_section",
    "methods_section",
    "placeholder_section",
    "priorities_section",
    "slug",
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
    """Context and borough profile: headline sentences, Chart 1, category chart and table."""
    label = scope.harm_label
    monthly, cats = profile.monthly, profile.categories
    period = scope.period.label
    data = charts.rate_harm_data(monthly, scope.residents)
    counts = data.crimes.to_numpy()
    hi, lo = data.iloc[int(counts.argmax())], data.iloc[int(counts.argmin())]
    chart1_alt = (
        f"Two line charts, {period}. Left: crimes per 1,000 residents of {scope.area_name} "
        f"each month, highest in {hi.month:%B %Y} ({hi.crimes_per_1000:.2f}) and lowest in "
        f"{lo.month:%B %Y} ({lo.crimes_per_1000:.2f}). Right: harm each month, {label}."
    )
    fig1 = Figure(
        key="chart1_rate_and_harm",
        label="Chart 1",
        title=f"Crimes per 1,000 residents and harm by month, {scope.area_name}, {period}",
        caption=f"Crimes recorded in {scope.area_name}'s LSOAs per 1,000 residents (left) and "
        f"harm (right), month by month. Harm: {label}.",
        alt=chart1_alt,
        svg=charts.render_svg(charts.rate_harm_chart(monthly, scope.residents, label), chart1_alt),
        data=data,
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
        figures=[fig1, fig_shares],
        tables=[table],
    )


def priorities_section(
    pl: Places, scope: Scope, configured: Mapping[str, Sequence[str]], top_share: float
) -> Section:
    """Priorities drawn from the evidence: candidate localities and the themes.

    ``top_share`` is the share of LSOAs the candidates were drawn from (as given to
    :func:`saferplaces.analysis.places.places`).
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
    themes = Section(
        key="themes",
        title="Themes",
        placeholder=(
            "The thematic priorities (domestic abuse and child exploitation in the seed strategy) "
            "await the domestic abuse and child exploitation profiles (issue #5); this report "
            "does not rank them until those analyses land."
        ),
    )
    return Section(
        key="priorities",
        title="Priorities drawn from the evidence",
        paragraphs=[
            intro,
            *candidate_sentences(cands, scope.area_name, str(scope.period), configured),
        ],
        tables=[table],
        subsections=[themes],
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
