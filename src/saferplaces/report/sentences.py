"""Sentences for the assessment, generated from the analysis frames: no number is typed by hand.

Each function takes result frames (fixed columns) and returns plain sentences in the words the
seed strategy uses ("forms 3% of the land area, yet recorded 2,356 crimes"). Every harm figure
is followed by the scheme's label.

Examples
--------
>>> pct(0.1579), pct(0.0084), pct(0.0)
('16%', '0.8%', '0%')
>>> harm_words("harm (demo v1, illustrative weights)")
'harm (demo v1, illustrative weights)'
>>> harm_words("ONS Crime Severity Score (ons-css-2024 v2024)")
'harm (ONS Crime Severity Score (ons-css-2024 v2024))'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from saferplaces.analysis.locality import LocalityProfile, locality_sentences
from saferplaces.analysis.profile import BoroughProfile, profile_sentences
from saferplaces.periods import Period

__all__ = [
    "borough_sentences",
    "candidate_sentences",
    "category_sentences",
    "ce_cohort_sentences",
    "ce_sentences",
    "ce_suspect_sentences",
    "da_partner_sentences",
    "da_repeat_sentences",
    "da_volume_sentences",
    "data_quality_sentences",
    "emerging_sentences",
    "hotspot_sentences",
    "theme_sentences",
    "harm_words",
    "locality_headline",
    "locality_detail",
    "pct",
    "share_sentence",
]


def pct(share: float) -> str:
    """A fraction as a percentage: whole numbers, one decimal below 1% (as the seed writes 0.4%)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "n/a"
    value = share * 100
    if 0 < value < 0.95:
        return f"{value:.1f}%"
    return f"{value:.0f}%"


def harm_words(label: str) -> str:
    """'harm (...)' as the scheme labels it, so that '17% of all <this>' names the scheme."""
    return label if label.startswith("harm") else f"harm ({label})"


def share_sentence(
    name: str,
    area_name: str,
    share_of_land: float,
    crimes: int,
    period: str,
    share_of_crime: float,
    share_of_harm: float,
    harm_label: str,
) -> str:
    """The seed's locality sentence.

    Examples
    --------
    >>> share_sentence("Arleston", "Telford and Wrekin", 0.004, 838, "2019-11..2020-10", 0.06,
    ...                0.07, "harm (demo v1, illustrative weights)")
    'Arleston forms 0.4% of the land area of Telford and Wrekin, yet recorded 838 crimes in November 2019 to October 2020: 6% of all crime and 7% of all harm (demo v1, illustrative weights).'
    """  # noqa: E501
    return (
        f"{name} forms {pct(share_of_land)} of the land area of {area_name}, yet recorded "
        f"{crimes:,} crimes in {Period.parse(period).label}: {pct(share_of_crime)} of all crime "
        f"and {pct(share_of_harm)} of all {harm_words(harm_label)}."
    )


def borough_sentences(p: BoroughProfile) -> list[str]:
    """The profile's headline sentences, then the category ones."""
    label = str(p.summary.harm_scheme.iloc[0])
    return profile_sentences(p) + category_sentences(p.categories, label)


def category_sentences(categories: pd.DataFrame, harm_label: str) -> list[str]:
    """The most frequent category and the most harmful one, each with its shares."""
    if categories.empty:
        return ["No crimes were recorded in the area in the period."]
    top = categories.sort_values(["crimes", "crime_type"], ascending=[False, True]).iloc[0]
    worst = categories.sort_values(["harm", "crime_type"], ascending=[False, True]).iloc[0]
    harm = harm_words(harm_label)
    out = [
        f"The most frequently recorded category was {top.crime_type}: {top.crimes:,} crimes, "
        f"{pct(top.share)} of all crime and {pct(top.harm_share)} of all {harm}."
    ]
    if worst.crime_type != top.crime_type:
        out.append(
            f"Weighted by harm, {worst.crime_type} counts most: {pct(worst.harm_share)} of all "
            f"{harm} from {pct(worst.share)} of crimes ({worst.crimes:,})."
        )
    return out


def candidate_sentences(
    candidates: pd.DataFrame,
    area_name: str,
    period: str,
    configured: Mapping[str, Sequence[str]],
) -> list[str]:
    """One sentence per candidate locality, and how it overlaps the configured localities."""
    if candidates.empty:
        return ["No candidate localities were found (no LSOA has a vulnerability score)."]
    out = []
    for c in candidates.to_dict("records"):
        text = f"Candidate {c['rank']} ({c['lsoas']} LSOAs): " + share_sentence(
            str(c["name"]),
            area_name,
            float(c["share_of_land"]),
            int(c["crimes"]),
            period,
            float(c["share_of_crime"]),
            float(c["share_of_harm"]),
            str(c["harm_scheme"]),
        )
        codes = set(str(c["lsoa_codes"]).split(","))
        shared = [
            f"{len(codes & set(lsoas))} of its {len(codes)} LSOAs with {name}"
            for name, lsoas in configured.items()
            if codes & set(lsoas)
        ]
        if shared:
            text += f" It shares {'; '.join(shared)}."
        elif configured:
            text += " It overlaps none of the configured localities."
        out.append(text)
    return out


def locality_headline(p: LocalityProfile) -> str:
    """The seed's sentence for a configured locality, from its summary row."""
    s = p.summary.iloc[0]
    return share_sentence(
        s.locality, s.area_name, s.share_of_land, int(s.crimes), s.period,
        s.share_of_crime, s.share_of_harm, s.harm_scheme,
    )  # fmt: skip


def locality_detail(p: LocalityProfile) -> list[str]:
    """Residents and rate against the rest of the area, months, and categories above the rest."""
    s = p.summary.iloc[0]
    rate = (
        f"It is home to {pct(s.share_of_residents)} of the area's residents; its rate is "
        f"{s.rate_per_1000:,.1f} crimes per 1,000 residents against {s.rest_rate_per_1000:,.1f} "
        f"in the rest of {s.area_name}."
    )
    # The analysis' own sentences after its first (which repeats the headline's shares).
    return [rate, *locality_sentences(p)[1:]]


def data_quality_sentences(status: Mapping[str, Any], synthetic: Mapping[str, int]) -> list[str]:
    """Files, quarantine and placement in the warehouse, and any synthetic rows."""
    files = status["ingest"]["files"]
    quarantined = sum(int(r["rows"]) for r in status["quarantine"])
    crime = status["placement"].get("crime", {})
    unplaced = int(crime.get("unplaced", 0)) + int(crime.get("None", 0))
    held = sum(int(v) for v in crime.values())
    out = [
        "Files ingested into the warehouse: "
        + (", ".join(f"{n:,} {s}" for s, n in sorted(files.items())) or "none")
        + ".",
        f"Quarantined rows (rejected at ingest, kept with their reasons): {quarantined:,}.",
        f"Crime records that could not be placed in an LSOA: {unplaced:,} of {held:,} held "
        f"({pct(unplaced / held) if held else 'n/a'}); they are kept and counted, never dropped, "
        "but no area's figures include them.",
    ]
    if synthetic:
        parts = ", ".join(f"{table} {n:,}" for table, n in synthetic.items())
        out.append(
            f"Synthetic rows in the warehouse (every period and area, not only this report's): "
            f"{parts}."
        )
    return out


# -- domestic abuse, child exploitation, monitoring and the themes ----------------------------


def _label(period: str) -> str:
    return Period.parse(period).label


def da_volume_sentences(monthly: pd.DataFrame, factors: pd.DataFrame, harm_label: str) -> list[str]:
    """DA volume, peak month and harm (from ``.monthly``), and the commonest factor."""
    offences, incidents = int(monthly.offences.sum()), int(monthly.crimed_incidents.sum())
    peak = monthly.iloc[int(monthly.records.to_numpy().argmax())]
    worst = monthly.iloc[int(monthly.harm.to_numpy().argmax())]
    out = [
        f"The police recorded {offences:,} domestic abuse offences and {incidents:,} crimed "
        f"incidents with a domestic abuse marker; the most records in one month were "
        f"{int(peak.records):,} in {peak.month:%B %Y}.",
        f"Their {harm_words(harm_label)} totals {monthly.harm.sum():,.0f}, highest in "
        f"{worst.month:%B %Y} ({worst.harm:,.0f}): volume and severity need not peak together.",
    ]
    if not factors.empty:
        top = factors.iloc[0]
        name = (top.description if isinstance(top.description, str) else top.marker).rstrip(".")
        name = name[:1].lower() + name[1:]
        out.append(
            f"The commonest aggravating factor was {name}: {int(top.records):,} DA records "
            f"({pct(top.share)})."
        )
    return out


def da_repeat_sentences(summary: pd.DataFrame) -> list[str]:
    """Share of crime, victims, suspects and repeats (the seed's Chart 2 text)."""
    s = summary.iloc[0]
    return [
        f"Domestic abuse offences were {pct(s.share_of_crime)} of all {int(s.all_offences):,} "
        f"offences recorded in {s.area_name} in {_label(s.period)}.",
        f"{int(s.victims):,} victims were identified from the {int(s.offences):,} offences and "
        f"{int(s.crimed_incidents):,} crimed incidents; {int(s.repeat_victims):,} "
        f"({pct(s.repeat_victim_share)}) were victims of more than one offence, "
        f"{s.mean_among_repeat_victims:.1f} on average.",
        f"{int(s.suspects):,} suspects were identified; {int(s.repeat_suspects):,} "
        f"({pct(s.repeat_suspect_share)}) were suspects for more than one offence, and one "
        f"suspect for {int(s.max_per_suspect):,}.",
        f"Victims were most often aged {s.victim_modal_band} and suspects "
        f"{s.suspect_modal_band}; {int(s.children_under_16):,} of the "
        f"{int(s.witnesses_and_involved_parties):,} witnesses and involved parties were children "
        "under 16.",
    ]


def da_partner_sentences(summary: pd.DataFrame, has_service: bool, has_marac: bool) -> list[str]:
    """DA service contacts (Chart 4) and MARAC referrals (Chart 6), or that none are held."""
    s = summary.iloc[0]
    out = []
    if has_service:
        out.append(
            f"The domestic abuse service recorded {int(s.service_contacts):,} contacts in "
            f"{_label(s.service_period)}."
        )
    else:
        out.append(
            "The warehouse holds no domestic abuse service contacts (partner data) for this "
            "period, so service demand (Chart 4) is not shown."
        )
    if has_marac:
        text = (
            f"MARAC heard {int(s.marac_referrals):,} referrals in {_label(s.marac_period)}, "
            f"{int(s.marac_repeat_referrals):,} of them repeats ({pct(s.marac_repeat_rate)}), "
            f"with {int(s.marac_children):,} children in the households."
        )
        if isinstance(s.marac_note, str) and s.marac_note:
            text += f" The rate per 10,000 adult women: {s.marac_note}."
        else:
            text += (
                f" That is {s.marac_cases_per_10000_women:.1f} cases a year per 10,000 adult "
                f"women (SafeLives benchmark {s.safelives_benchmark:.0f})."
            )
        out.append(text)
    else:
        out.append(
            "The warehouse holds no MARAC referrals (partner data) for this period, so Chart 6 "
            "is not shown."
        )
    return out


def ce_sentences(summary: pd.DataFrame) -> list[str]:
    """CE records, share of crime, historic records, victims, gender and residence."""
    s = summary.iloc[0]
    return [
        f"{int(s.records):,} offences and incidents recorded in {_label(s.period)} carried a "
        f"child sexual or criminal exploitation marker ({int(s.cse_records):,} CSE, "
        f"{int(s.cce_records):,} CCE), {pct(s.share_of_crime)} of all crime; {int(s.historic):,} "
        "were historic (committed more than 12 months before they were recorded).",
        f"{int(s.cse_victims):,} children were victims of CSE and {int(s.cce_victims):,} of CCE "
        f"({int(s.repeat_victims):,} victims in more than one record); "
        f"{pct(s.cse_female_victim_share)} of CSE victims were female, and "
        f"{int(s.victims_not_resident):,} victims do not live in {s.area_name}.",
    ]


def ce_suspect_sentences(summary: pd.DataFrame, suspect_ages: pd.DataFrame) -> list[str]:
    """Chart 8's text: CSE suspects, the commonest band, peer on peer."""
    s = summary.iloc[0]
    cse = suspect_ages[(suspect_ages.type == "CSE") & (suspect_ages.age_band != "unknown")]
    out = [
        f"{int(s.cse_suspects):,} suspects were linked to CSE; {pct(s.cse_peer_on_peer_share)} "
        "were under 18 (peer on peer)."
    ]
    if len(cse) and cse.suspects.sum() > 0:
        top = cse.iloc[int(cse.suspects.to_numpy().argmax())]
        out.append(
            f"The commonest age band among CSE suspects was {top.age_band}: "
            f"{int(top.suspects):,} of {int(s.cse_suspects):,} ({pct(top.share)})."
        )
    return out


def ce_cohort_sentences(summary: pd.DataFrame, cohort_gender: pd.DataFrame) -> list[str]:
    """Chart 7's text: the CE team cohort beside the police-recorded victims."""
    s = summary.iloc[0]
    female = cohort_gender[cohort_gender.gender == "female"]
    text = (
        f"The child exploitation team supported {int(s.cohort_children):,} children in "
        f"{_label(s.cohort_period)}; {int(s.cohort_police_victims):,} of them were "
        "police-recorded CE victims."
    )
    if len(female):
        f = female.iloc[0]
        text += (
            f" {pct(f.cohort_share)} of the cohort were girls, against {pct(f.cse_victim_share)} "
            f"of police-recorded CSE victims."
        )
    return [text]


def emerging_sentences(issues: pd.DataFrame, baseline: str, q: float, tested: int) -> list[str]:
    """The emerging issues: how many, the top one, or why none could be tested."""
    if tested == 0:
        return [
            f"No emerging issues can be identified: {baseline}, so no month of the period could "
            "be compared with an expected count. Load earlier months to monitor trends."
        ]
    out = [
        f"Baseline: {baseline}. {tested:,} series-months were tested; {len(issues):,} series "
        f"changed significantly (false discovery rate q <= {q:g})."
    ]
    if len(issues):
        top = issues.iloc[0]
        out.append(
            f"The largest by excess harm: {top.crime_type} in {top.series} ({top.level}), "
            f"{top.month:%B %Y}: {int(top.observed):,} crimes against {top.expected:,.1f} "
            f"expected ({top.direction})."
        )
    return out


def hotspot_sentences(table: pd.DataFrame, measure: str, permutations: int) -> list[str]:
    """How many hot and cold spots Gi* found, and the hottest LSOA."""
    hot = table[table.hot_cold == "hot"]
    cold = table[table.hot_cold == "cold"]
    text = (
        f"Getis-Ord Gi* on {measure} by LSOA ({permutations:,} permutations, false discovery "
        f"rate controlled) finds {len(hot):,} hot spot LSOAs and {len(cold):,} cold spot LSOAs "
        f"at 90% confidence or more, of {len(table):,}."
    )
    if len(hot):
        h = hot.iloc[0]
        text += (
            f" The strongest hot spot is {h.lsoa_name} ({h.ward_name}): {h.value:,.0f} {measure}, "
            f"z = {h.z_score:.2f}."
        )
    return [text]


def theme_sentences(themes: pd.DataFrame) -> list[str]:
    """The themes ranked by their share of recorded crime (``rank``, ``theme``, ``records``,
    ``share_of_crime``, ``period``)."""
    if themes.empty:
        return []
    ranked = themes.sort_values("rank")
    parts = [
        f"{r['theme']} ({int(r['records']):,} records, {pct(float(r['share_of_crime']))} of all "
        "offences)"
        for r in ranked.to_dict("records")
    ]
    return [
        f"Ranked by their share of the offences recorded in {_label(str(ranked.period.iloc[0]))}, "
        f"the themes are: {'; then '.join(parts)}.",
        "The share of crime is one measure: both themes concentrate harm on victims, many of "
        "them children, and repeat victimisation is shown in each section.",
    ]
