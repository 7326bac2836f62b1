"""Borough profile: volume, rate, harm, category mix, months, change, and the rest of the force.

Figures count crimes placed in the area's LSOAs (``crime.lsoa``) in the period; anti-social
behaviour (``asb``) is reported beside crime, never inside it, and carries no harm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console

from saferplaces.analysis.base import MONTHLY_COLUMNS, Scope, monthly_counts
from saferplaces.analysis.stats import poisson_change, rate_ratio
from saferplaces.display import print_frame
from saferplaces.geo.areas import bundled_lsoa11_areas, force_slug
from saferplaces.geo.localities import population_year
from saferplaces.periods import Period

__all__ = [
    "CATEGORY_COLUMNS",
    "MONTHLY_COLUMNS",
    "PERIOD_COLUMNS",
    "SUMMARY_COLUMNS",
    "BoroughProfile",
    "borough_profile",
    "print_profile",
    "profile_sentences",
]

SUMMARY_COLUMNS = {
    "area_code": "object",
    "area_name": "object",
    "period": "object",
    "months": "int64",
    "crimes": "int64",
    "asb": "int64",
    "residents": "float64",
    "rate_per_1000": "float64",
    "harm": "float64",
    "harm_per_1000": "float64",
    "harm_scheme": "object",
    "unweighted_crimes": "int64",
    "synthetic": "bool",
    "previous_period": "object",
    "previous_crimes": "Int64",
    "change": "Int64",
    "change_pct": "float64",
    "change_rate_ratio": "float64",
    "change_ci_low": "float64",
    "change_ci_high": "float64",
    "change_p_value": "float64",
    "change_significant": "boolean",
    "rest_of_force_crimes": "Int64",
    "rest_of_force_residents": "float64",
    "rest_of_force_population_year": "Int64",
    "rest_of_force_rate_per_1000": "float64",
    "vs_rest_rate_ratio": "float64",
    "vs_rest_ci_low": "float64",
    "vs_rest_ci_high": "float64",
    "vs_rest_p_value": "float64",
}
CATEGORY_COLUMNS = {
    "crime_type": "object",
    "crimes": "int64",
    "share": "float64",
    "rate_per_1000": "float64",
    "weight": "float64",
    "harm": "float64",
    "harm_share": "float64",
    "harm_scheme": "object",
}
PERIOD_COLUMNS = {
    "period": "object",
    "start": "datetime64[ns]",
    "end": "datetime64[ns]",
    "crimes": "int64",
    "rate_per_1000": "float64",
    "harm": "float64",
    "harm_per_1000": "float64",
    "harm_scheme": "object",
}
#: How many periods of equal length before the profile's ``periods`` looks back for.
EARLIER_PERIODS = 4


@dataclass(frozen=True)
class BoroughProfile:
    """The profile's three frames (columns fixed: see the ``*_COLUMNS`` mappings).

    summary
        One row. ``rate_per_1000`` and ``harm_per_1000`` are per 1,000 residents for the whole
        period. ``change_*`` compare with the previous period of equal length by the exact
        Poisson (conditional binomial) test; they are empty when the warehouse does not hold
        every month of that period. ``rest_of_force_*`` and ``vs_rest_*`` compare the area's
        crime rate with the rest of its police force area (crimes with an LSOA in the force's
        local authorities, residents of those LSOAs).
    categories
        One row per data.police.uk crime category with crimes in the area: count, share of
        crimes, rate per 1,000, weight and harm under the scheme, share of harm.
    monthly
        One row per month of the period: crimes, ASB incidents and harm.
    periods
        The period and the periods of equal length before it (up to :data:`EARLIER_PERIODS`,
        back to the first one the warehouse does not hold every month of), oldest first:
        crimes, harm, and both per 1,000 of today's residents (the seed's Chart 1: volume and
        severity over recent years). One row when no earlier period is held.
    """

    summary: pd.DataFrame
    categories: pd.DataFrame
    monthly: pd.DataFrame
    periods: pd.DataFrame


def borough_profile(con: duckdb.DuckDBPyConnection, scope: Scope) -> BoroughProfile:
    """Profile the scope's area over its period.

    Parameters
    ----------
    con : duckdb connection
        The warehouse, with the scope's temporary tables (see :func:`make_scope`).
    scope : Scope
    """
    categories = _categories(con, scope)
    monthly = monthly_counts(con, scope)
    crimes = int(categories.crimes.sum())
    harm = float(categories.harm.sum())
    per_1000 = 1000 / scope.residents if scope.residents > 0 else math.nan
    row: dict[str, object] = {
        "area_code": scope.area_code,
        "area_name": scope.area_name,
        "period": str(scope.period),
        "months": scope.period.months,
        "crimes": crimes,
        "asb": int(monthly.asb.sum()),
        "residents": scope.residents,
        "rate_per_1000": crimes * per_1000,
        "harm": harm,
        "harm_per_1000": harm * per_1000,
        "harm_scheme": scope.harm_label,
        # Crimes in categories the scheme gives no weight are in the counts, not in the harm.
        "unweighted_crimes": int(categories.crimes[categories.weight.isna()].sum()),
        "synthetic": scope.synthetic,
    }
    row |= _change(con, scope, crimes)
    row |= _rest_of_force(con, scope, crimes)
    # Figures that cannot be computed (no previous period, no force population) stay empty.
    summary = pd.DataFrame([row]).reindex(columns=list(SUMMARY_COLUMNS)).astype(SUMMARY_COLUMNS)
    return BoroughProfile(
        summary=summary,
        categories=categories,
        monthly=monthly,
        periods=_periods(con, scope, crimes, harm),
    )


def _in_area(scope: Scope, period: Period | None = None) -> str:
    return f"lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter(period)}"


def _categories(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.DataFrame:
    frame = con.execute(
        f"""
        SELECT c.crime_type, count(*)::BIGINT AS crimes, any_value(w.weight) AS weight
        FROM crime c LEFT JOIN harm_weights w USING (crime_type)
        WHERE {_in_area(scope)}
        GROUP BY c.crime_type
        """
    ).df()
    frame["harm"] = frame.crimes * frame.weight
    total, total_harm = frame.crimes.sum(), frame.harm.sum()
    frame["share"] = frame.crimes / total if total else np.nan
    frame["rate_per_1000"] = frame.crimes / scope.residents * 1000 if scope.residents else np.nan
    frame["harm_share"] = frame.harm / total_harm if total_harm else np.nan
    frame = frame.sort_values(["crimes", "crime_type"], ascending=[False, True], ignore_index=True)
    frame["harm_scheme"] = scope.harm_label
    return frame[list(CATEGORY_COLUMNS)].astype(CATEGORY_COLUMNS)


def _held(con: duckdb.DuckDBPyConnection, scope: Scope, period: Period) -> bool:
    """Whether the warehouse holds the force's street data for every month of ``period`` (a
    partly held period would show a fall that is only missing data)."""
    held = con.execute(
        "SELECT count(DISTINCT month) FROM partition WHERE kind = 'street' AND force = ? "
        "AND month BETWEEN ? AND ?",
        [scope.force, period.start, period.end],
    ).fetchone()
    return held is not None and held[0] >= period.months


def _change(con: duckdb.DuckDBPyConnection, scope: Scope, crimes: int) -> dict[str, object]:
    """The previous period of equal length, tested exactly; empty unless every month is held."""
    prev = scope.period.previous()
    out: dict[str, object] = {"previous_period": str(prev)}
    if not _held(con, scope, prev):
        return out
    row = con.execute(f"SELECT count(*) FROM crime WHERE {_in_area(scope, prev)}").fetchone()
    before = int(row[0]) if row else 0
    test = poisson_change(crimes, before)
    return out | {
        "previous_crimes": before,
        "change": crimes - before,
        "change_pct": (crimes - before) / before * 100 if before else math.nan,
        "change_rate_ratio": test.rate_ratio,
        "change_ci_low": test.ci_low,
        "change_ci_high": test.ci_high,
        "change_p_value": test.p_value,
        "change_significant": test.significant,
    }


def _periods(
    con: duckdb.DuckDBPyConnection, scope: Scope, crimes: int, harm: float
) -> pd.DataFrame:
    """:attr:`BoroughProfile.periods`: the period's figures, then each held one before it."""
    rows = [(scope.period, crimes, harm)]
    while len(rows) <= EARLIER_PERIODS and _held(con, scope, p := rows[-1][0].previous()):
        # the harm as the categories compute it: weighted categories only
        row = con.execute(
            "SELECT count(*), coalesce(sum(w.weight), 0) FROM crime c "
            f"LEFT JOIN harm_weights w USING (crime_type) WHERE {_in_area(scope, p)}"
        ).fetchone()
        assert row is not None
        rows.append((p, int(row[0]), float(row[1])))
    per_1000 = 1000 / scope.residents if scope.residents > 0 else math.nan
    frame = pd.DataFrame(
        [
            {
                "period": str(p),
                "start": pd.Timestamp(p.start),
                "end": pd.Timestamp(p.end),
                "crimes": n,
                "rate_per_1000": n * per_1000,
                "harm": h,
                "harm_per_1000": h * per_1000,
                "harm_scheme": scope.harm_label,
            }
            for p, n, h in reversed(rows)
        ]
    )
    return frame.astype(PERIOD_COLUMNS)


def _rest_of_force(con: duckdb.DuckDBPyConnection, scope: Scope, crimes: int) -> dict[str, object]:
    """The rest of the area's police force area: crimes and residents outside the area.

    Crimes count when their LSOA name (``Shropshire 012A``) names a local authority of the
    force, so that cross-border records in a force's file are not counted; residents are
    the latest population loaded for those LSOAs (2011 codes, as population is published).
    """
    areas = bundled_lsoa11_areas()
    # Slug each of the ~43 force names once, not every LSOA's.
    slugs = {name: force_slug(name) for name in areas.police_force.unique()}
    rest = areas[
        (areas.police_force.map(slugs) == scope.force) & (areas.lad_code != scope.area_code)
    ]
    if rest.empty:
        return {}
    # Records name their LSOA as "<local authority> 012A"; take the local authority part from
    # the LSOA names themselves (the district names differ: "Herefordshire, County of").
    rest_las = sorted(set(rest.lsoa11_name.str.replace(r" \d{3}[A-Z]$", "", regex=True)))
    row = con.execute(
        f"""
        SELECT count(*) FROM crime
        WHERE force = ? AND {scope.month_filter()}
          AND (lsoa IS NULL OR lsoa NOT IN (SELECT lsoa FROM scope_lsoa))
          AND regexp_extract(lsoa_name, '^(.*) [0-9]{{3}}[A-Z]$', 1) IN (SELECT unnest(?))
        """,
        [scope.force, rest_las],
    ).fetchone()
    rest_crimes = int(row[0]) if row else 0
    # Residents of the same year as the area's when population of that year is held by 2011
    # LSOA (the bundled force table's codes); else the latest year that is, named in the output.
    year_row = con.execute(
        "SELECT coalesce(max(year) FILTER (WHERE year = ?), max(year)) FROM population "
        "WHERE vintage = 2011",
        [population_year(con)],
    ).fetchone()
    year = year_row[0] if year_row else None
    pop = con.execute(
        "SELECT sum(residents) FROM population WHERE vintage = 2011 AND year = ? "
        "AND lsoa_code IN (SELECT unnest(?))",
        [year, rest.lsoa11_code.tolist()],
    ).fetchone()
    rest_residents = float(pop[0]) if pop and pop[0] is not None else math.nan
    out: dict[str, object] = {
        "rest_of_force_crimes": rest_crimes,
        "rest_of_force_residents": rest_residents,
        "rest_of_force_population_year": year,
    }
    if rest_residents > 0 and scope.residents > 0:
        rr = rate_ratio(crimes, scope.residents, rest_crimes, rest_residents)
        out |= {
            "rest_of_force_rate_per_1000": rest_crimes / rest_residents * 1000,
            "vs_rest_rate_ratio": rr.rate_ratio,
            "vs_rest_ci_low": rr.ci_low,
            "vs_rest_ci_high": rr.ci_high,
            "vs_rest_p_value": rr.p_value,
        }
    return out


def profile_sentences(p: BoroughProfile) -> list[str]:
    """The profile's headline figures as sentences (every number from the frames)."""
    s = p.summary.iloc[0]
    out = (
        ["SYNTHETIC DATA: these figures describe no real people or places."] if s.synthetic else []
    )
    out += [
        f"{s.area_name}, {Period.parse(s.period).label}: {s.crimes:,} crimes "
        f"({s.rate_per_1000:,.1f} per 1,000 residents) and {s.asb:,} anti-social behaviour "
        f"incidents; harm {s.harm:,.0f} ({s.harm_per_1000:,.1f} per 1,000), {s.harm_scheme}.",
    ]
    if s.unweighted_crimes:
        out.append(
            f"{s.unweighted_crimes:,} crimes are in categories {s.harm_scheme} gives no weight: "
            "they are counted as crimes but not in the harm figures."
        )
    if pd.isna(s.previous_crimes):
        out.append(
            f"Change: not computed, the warehouse does not hold every month of {s.previous_period}."
        )
    else:
        verdict = "beyond chance" if s.change_significant else "within chance"
        out.append(
            f"Change on {s.previous_period}: {s.change:+,} crimes ({s.change_pct:+.1f}%), rate "
            f"ratio {s.change_rate_ratio:.2f} (95% CI {s.change_ci_low:.2f} to "
            f"{s.change_ci_high:.2f}, exact p = {s.change_p_value:.3g}): {verdict}."
        )
    if len(p.periods) > 2:
        first, last = p.periods.iloc[0], p.periods.iloc[-1]
        out.append(
            f"Over the {len(p.periods)} periods from {first.period} to {last.period}: "
            f"{first.rate_per_1000:,.1f} crimes per 1,000 residents, then "
            + ", ".join(f"{r:,.1f}" for r in p.periods.rate_per_1000.iloc[1:])
            + f"; harm per 1,000 {first.harm_per_1000:,.0f}, then "
            + ", ".join(f"{h:,.0f}" for h in p.periods.harm_per_1000.iloc[1:])
            + " (the same residents throughout)."
        )
    if not pd.isna(s.vs_rest_rate_ratio):
        out.append(
            f"Rest of the force area: {s.rest_of_force_rate_per_1000:,.1f} crimes per 1,000; "
            f"{s.area_name}'s rate is {s.vs_rest_rate_ratio:.2f} times it (95% CI "
            f"{s.vs_rest_ci_low:.2f} to {s.vs_rest_ci_high:.2f})."
        )
    return out


def print_profile(p: BoroughProfile, console: Console) -> None:
    """Print the profile: sentences, then the category and monthly tables."""
    for sentence in profile_sentences(p):
        console.print(sentence, highlight=False)
    label = p.summary.harm_scheme[0]
    print_frame(p.categories.drop(columns="harm_scheme"), f"Crime by category; {label}", console)
    print_frame(p.monthly.drop(columns="harm_scheme"), f"By month; {label}", console)
    if len(p.periods) > 1:
        print_frame(
            p.periods.drop(columns=["start", "end", "harm_scheme"]),
            f"The period and the equal periods before it (per 1,000 of the same residents); "
            f"{label}",
            console,
        )
