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
    "data_quality_sentences",
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
