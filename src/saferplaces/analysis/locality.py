"""Localities: candidate priority localities from the LSOA table, and a profile of any locality.

A candidate locality is a cluster of contiguous high-vulnerability LSOAs (queen contiguity: LSOAs
touching at an edge or a corner). A locality profile compares a named set of LSOAs with the rest
of the area, category by category, by exact rate ratios per resident.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console

from saferplaces.analysis.base import MONTHLY_COLUMNS, Scope, monthly_counts
from saferplaces.analysis.stats import rate_ratio
from saferplaces.display import print_frame, print_synthetic_banner
from saferplaces.errors import SaferplacesError
from saferplaces.geo.shapes import lsoa_frame
from saferplaces.settings import Settings

__all__ = [
    "CANDIDATE_COLUMNS",
    "LOCALITY_CATEGORY_COLUMNS",
    "LOCALITY_MONTHLY_COLUMNS",
    "LOCALITY_SUMMARY_COLUMNS",
    "LocalityProfile",
    "candidate_localities",
    "locality_profile",
    "locality_sentences",
    "print_locality",
]

CANDIDATE_COLUMNS = {
    "rank": "int64",
    "name": "object",
    "wards": "object",
    "lsoas": "int64",
    "lsoa_codes": "object",
    "crimes": "int64",
    "harm": "float64",
    "residents": "float64",
    "area_km2": "float64",
    "share_of_crime": "float64",
    "share_of_harm": "float64",
    "share_of_land": "float64",
    "share_of_residents": "float64",
    "harm_scheme": "object",
}
# Wards named in a candidate's name: the fewest (largest first) holding this share of residents.
NAME_COVERAGE = 0.75


def _queen_components(con: duckdb.DuckDBPyConnection, scope: Scope, high: list[str]) -> np.ndarray:
    """Component label of each ``high`` LSOA under queen contiguity among the ``high`` set."""
    from libpysal.weights import Queen
    from scipy.sparse.csgraph import connected_components

    shapes = lsoa_frame(con, scope.vintage, scope.lsoas, "candidate localities")
    shapes = shapes[shapes.lsoa_code.isin(high)].reset_index(drop=True)
    # Contiguity only within the high set: two high LSOAs join when they touch each other.
    labels = np.full(len(high), -1)
    if len(shapes) > 1:
        w = Queen.from_dataframe(shapes, use_index=False, silence_warnings=True)
        _, found = connected_components(w.sparse, directed=False)
    else:
        found = np.zeros(len(shapes), dtype=int)
    where = {code: i for i, code in enumerate(high)}
    for code, label in zip(shapes.lsoa_code, found, strict=True):
        labels[where[code]] = label
    # An LSOA without a boundary is a locality on its own.
    missing = labels < 0
    labels[missing] = labels.max(initial=-1) + 1 + np.arange(missing.sum())
    return labels


def _name(members: pd.DataFrame) -> tuple[str, str]:
    """(name, wards): the wards holding most residents, and every ward, largest first."""
    by_ward = (
        members.assign(ward=members.ward_name.fillna("(no ward)"))
        .groupby("ward")
        .residents.sum(min_count=1)
        .fillna(0.0)
        .reset_index()
        .sort_values(["residents", "ward"], ascending=[False, True])
    )
    wards = list(by_ward.ward)
    total = by_ward.residents.sum()
    covered = by_ward.residents.cumsum() / total if total > 0 else pd.Series([1.0] * len(wards))
    k = int((covered.to_numpy() < NAME_COVERAGE - 1e-12).sum()) + 1
    named = wards[:k]
    name = named[0] if k == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return name, "; ".join(wards)


def candidate_localities(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    table: pd.DataFrame,
    n: int = 3,
    top_share: float = 0.2,
) -> pd.DataFrame:
    """Clusters of contiguous high-vulnerability LSOAs, ranked by harm.

    Parameters
    ----------
    con : duckdb connection
        The warehouse (LSOA boundaries), with the scope's temporary tables.
    scope : Scope
    table : DataFrame
        :func:`saferplaces.analysis.places.lsoa_table` for the scope.
    n : int
        How many localities to return (fewer when fewer clusters exist).
    top_share : float
        The high-vulnerability LSOAs are the top ``top_share`` by ``vulnerability_rank`` (the
        nearest whole number of LSOAs, at least 1, among those with a vulnerability).

    Returns
    -------
    DataFrame
        Columns of :data:`CANDIDATE_COLUMNS`, one row per locality: ``rank`` (1 = most harm),
        ``name`` (the fewest wards, by residents in the cluster, that hold at least 75% of its
        residents, e.g. "Woodside, Brookside and Madeley & Sutton Hill"), ``wards`` (all its
        wards, "; "-separated, most residents first), ``lsoas`` (count), ``lsoa_codes``
        (comma-separated), totals and ``share_of_*`` fractions of the area's totals, and
        ``harm_scheme``.
    """
    if n < 1 or not 0 < top_share <= 1:
        raise SaferplacesError(
            f"candidate localities need n >= 1 and 0 < top_share <= 1 (got {n}, {top_share})"
        )
    ranked = table[table.vulnerability.notna()].sort_values("vulnerability_rank")
    k = max(1, min(len(ranked), math.floor(top_share * len(ranked) + 0.5)))
    high = ranked.head(k).copy()
    if high.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS)).astype(CANDIDATE_COLUMNS)
    high["cluster"] = _queen_components(con, scope, list(high.lsoa_code))
    totals = table[["crimes", "harm", "area_km2", "residents"]].sum()
    rows = []
    for _, members in high.groupby("cluster"):
        name, wards = _name(members)
        sums = members[["crimes", "harm", "residents", "area_km2"]].sum()
        rows.append(
            {
                "name": name,
                "wards": wards,
                "lsoas": len(members),
                "lsoa_codes": ",".join(sorted(members.lsoa_code)),
                "crimes": int(sums.crimes),
                "harm": float(sums.harm),
                "residents": float(sums.residents),
                "area_km2": float(sums.area_km2),
                "share_of_crime": _share(sums.crimes, totals.crimes),
                "share_of_harm": _share(sums.harm, totals.harm),
                "share_of_land": _share(sums.area_km2, totals.area_km2),
                "share_of_residents": _share(sums.residents, totals.residents),
                "harm_scheme": scope.harm_label,
            }
        )
    frame = pd.DataFrame(rows).sort_values(
        ["harm", "crimes", "lsoa_codes"], ascending=[False, False, True], ignore_index=True
    )
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame.head(n)[list(CANDIDATE_COLUMNS)].astype(CANDIDATE_COLUMNS)


def _share(part: float, total: float) -> float:
    return float(part / total) if total > 0 else math.nan


LOCALITY_SUMMARY_COLUMNS = {
    "locality": "object",
    "area_name": "object",
    "period": "object",
    "lsoas": "int64",
    "residents": "float64",
    "area_km2": "float64",
    "crimes": "int64",
    "harm": "float64",
    "asb": "int64",
    "share_of_land": "float64",
    "share_of_residents": "float64",
    "share_of_crime": "float64",
    "share_of_harm": "float64",
    "share_of_asb": "float64",
    "rate_per_1000": "float64",
    "rest_rate_per_1000": "float64",
    "peak_month": "datetime64[ns]",
    "peak_crimes": "int64",
    "trough_month": "datetime64[ns]",
    "trough_crimes": "int64",
    "harm_scheme": "object",
    "synthetic": "bool",
}
LOCALITY_CATEGORY_COLUMNS = {
    "crime_type": "object",
    "locality_crimes": "int64",
    "rest_crimes": "int64",
    "share_of_locality_crime": "float64",
    "locality_harm": "float64",
    "locality_rate_per_1000": "float64",
    "rest_rate_per_1000": "float64",
    "rate_ratio": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "p_value": "float64",
    "significantly_higher": "bool",
    "more_than_double": "bool",
    "harm_scheme": "object",
}
LOCALITY_MONTHLY_COLUMNS = MONTHLY_COLUMNS


@dataclass(frozen=True)
class LocalityProfile:
    """A locality against the rest of its area (columns fixed: see the ``LOCALITY_*`` mappings).

    summary
        One row: the locality's LSOAs, residents, land, crimes, harm and ASB, each also as a
        share (fraction) of the area's; crime rates per 1,000 residents in the locality and in
        the rest of the area; the months with most and fewest crimes (the earliest on ties);
        the harm scheme's label.
    categories
        One row per crime category recorded in the area: counts in the locality and the rest,
        rates per 1,000 residents, the exact rate ratio (locality over rest) with its 95%
        interval and p-value; ``significantly_higher`` when the interval lies above 1,
        ``more_than_double`` when the ratio is at least 2 ("more than double", as strategies
        say). Most locality crimes first.
    monthly
        One row per month of the period: the locality's crimes, ASB and harm.
    """

    summary: pd.DataFrame
    categories: pd.DataFrame
    monthly: pd.DataFrame


def locality_profile(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    name: str,
    lsoas: Iterable[str] | None = None,
    *,
    settings: Settings | None = None,
) -> LocalityProfile:
    """Profile a locality against the rest of the scope's area.

    Parameters
    ----------
    con : duckdb connection
        The warehouse, with the scope's temporary tables (see :func:`make_scope`).
    scope : Scope
    name : str
        The locality's name (one in ``saferplaces.toml`` when ``lsoas`` is not given).
    lsoas : iterable of str, optional
        The locality's LSOAs; default: resolved from ``settings`` by name.
    settings : Settings, optional
        Needed when ``lsoas`` is not given.
    """
    if lsoas is None:
        if settings is None:
            raise ValueError("locality_profile needs lsoas or settings")
        from saferplaces.geo.localities import locality_lsoas

        lsoas = locality_lsoas(con, settings, name)
    inside = sorted(set(lsoas) & set(scope.lsoas))
    if not inside:
        raise SaferplacesError(f"locality '{name}' has no LSOAs in {scope.area_name}")
    con.register("_locality", pd.DataFrame({"lsoa": inside}))
    try:
        per_lsoa = con.execute(
            f"""
            SELECT c.crime_type, (c.lsoa IN (SELECT lsoa FROM _locality)) AS inside,
                   count(*)::BIGINT AS crimes, coalesce(sum(w.weight), 0) AS harm
            FROM crime c LEFT JOIN harm_weights w USING (crime_type)
            WHERE c.lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter()}
            GROUP BY ALL
            """
        ).df()
        monthly = monthly_counts(con, scope, "_locality")
        asb = con.execute(
            f"""SELECT count(*) FILTER (WHERE lsoa IN (SELECT lsoa FROM _locality)), count(*)
            FROM asb WHERE lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter()}"""
        ).fetchone()
        land = con.execute(
            "SELECT sum(residents) FILTER (WHERE lsoa IN (SELECT lsoa FROM _locality)), "
            "sum(area_km2) FILTER (WHERE lsoa IN (SELECT lsoa FROM _locality)) FROM scope_lsoa"
        ).fetchone()
    finally:
        con.unregister("_locality")
    residents = float(land[0]) if land and land[0] is not None else math.nan
    km2 = float(land[1]) if land and land[1] is not None else math.nan
    rest_residents = scope.residents - residents
    categories = _categories(per_lsoa, residents, rest_residents, scope.harm_label)
    loc = per_lsoa[per_lsoa.inside]
    crimes, total_crimes = int(loc.crimes.sum()), int(per_lsoa.crimes.sum())
    harm, total_harm = float(loc.harm.sum()), float(per_lsoa.harm.sum())
    asb_in, asb_all = (int(asb[0]), int(asb[1])) if asb else (0, 0)
    # The earliest month wins a tie.
    peak = monthly.iloc[int(monthly.crimes.to_numpy().argmax())] if len(monthly) else None
    trough = monthly.iloc[int(monthly.crimes.to_numpy().argmin())] if len(monthly) else None
    row = {
        "locality": name,
        "area_name": scope.area_name,
        "period": str(scope.period),
        "lsoas": len(inside),
        "residents": residents,
        "area_km2": km2,
        "crimes": crimes,
        "harm": harm,
        "asb": asb_in,
        "share_of_land": _share(km2, scope.area_km2),
        "share_of_residents": _share(residents, scope.residents),
        "share_of_crime": _share(crimes, total_crimes),
        "share_of_harm": _share(harm, total_harm),
        "share_of_asb": _share(asb_in, asb_all),
        "rate_per_1000": crimes / residents * 1000 if residents > 0 else math.nan,
        "rest_rate_per_1000": (
            (total_crimes - crimes) / rest_residents * 1000 if rest_residents > 0 else math.nan
        ),
        "peak_month": peak.month if peak is not None else pd.NaT,
        "peak_crimes": int(peak.crimes) if peak is not None else 0,
        "trough_month": trough.month if trough is not None else pd.NaT,
        "trough_crimes": int(trough.crimes) if trough is not None else 0,
        "harm_scheme": scope.harm_label,
        "synthetic": scope.synthetic,
    }
    summary = pd.DataFrame([row])[list(LOCALITY_SUMMARY_COLUMNS)].astype(LOCALITY_SUMMARY_COLUMNS)
    return LocalityProfile(summary=summary, categories=categories, monthly=monthly)


def _categories(
    per_lsoa: pd.DataFrame, residents: float, rest_residents: float, harm_scheme: str
) -> pd.DataFrame:
    wide = per_lsoa.pivot_table(
        index="crime_type", columns="inside", values=["crimes", "harm"], aggfunc="sum"
    ).fillna(0)

    def get(what: str, flag: bool) -> pd.Series:
        if (what, flag) in wide.columns:
            return wide[(what, flag)]
        return pd.Series(0, index=wide.index)

    frame = pd.DataFrame(
        {
            "locality_crimes": get("crimes", True).astype("int64"),
            "rest_crimes": get("crimes", False).astype("int64"),
            "locality_harm": get("harm", True).astype("float64"),
        }
    ).reset_index()
    total = frame.locality_crimes.sum()
    frame["share_of_locality_crime"] = frame.locality_crimes / total if total else math.nan
    frame["locality_rate_per_1000"] = frame.locality_crimes / residents * 1000
    frame["rest_rate_per_1000"] = (
        frame.rest_crimes / rest_residents * 1000 if rest_residents > 0 else math.nan
    )
    tests = [
        rate_ratio(a, residents, b, rest_residents)
        if residents > 0 and rest_residents > 0
        else None
        for a, b in zip(frame.locality_crimes, frame.rest_crimes, strict=True)
    ]
    for col in ("rate_ratio", "ci_low", "ci_high", "p_value"):
        frame[col] = [getattr(t, col) if t else math.nan for t in tests]
    frame["significantly_higher"] = frame.ci_low > 1
    frame["more_than_double"] = frame.rate_ratio >= 2
    frame = frame.sort_values(
        ["locality_crimes", "crime_type"], ascending=[False, True], ignore_index=True
    )
    frame["harm_scheme"] = harm_scheme
    return frame[list(LOCALITY_CATEGORY_COLUMNS)].astype(LOCALITY_CATEGORY_COLUMNS)


def locality_sentences(p: LocalityProfile) -> list[str]:
    """The profile's headline figures as sentences, in the words strategies use."""
    s = p.summary.iloc[0]
    c = p.categories
    out = [
        f"{s.locality} forms {s.share_of_land:.0%} of the land and {s.share_of_residents:.0%} "
        f"of the residents of {s.area_name}, yet recorded {s.crimes:,} crimes in {s.period}: "
        f"{s.share_of_crime:.0%} of all crime and {s.share_of_harm:.0%} of all "
        f"{s.harm_scheme}. Its rate is {s.rate_per_1000:,.1f} crimes per 1,000 residents "
        f"against {s.rest_rate_per_1000:,.1f} in the rest of {s.area_name}.",
        f"Crime peaked in {s.peak_month:%B %Y} (n = {s.peak_crimes:,}) and was lowest in "
        f"{s.trough_month:%B %Y} (n = {s.trough_crimes:,}).",
    ]
    double = list(c.crime_type[c.more_than_double & c.significantly_higher])
    higher = list(c.crime_type[c.significantly_higher & ~c.more_than_double])
    if double:
        out.append(
            f"More than double the rest of the area (and beyond chance): {', '.join(double)}."
        )
    if higher:
        out.append(f"Significantly higher than the rest of the area: {', '.join(higher)}.")
    return out


def print_locality(p: LocalityProfile, console: Console) -> None:
    """Print the locality's sentences, category comparison and months."""
    print_synthetic_banner(bool(p.summary.synthetic.iloc[0]), console)
    for sentence in locality_sentences(p):
        console.print(sentence, highlight=False)
    s = p.summary.iloc[0]
    # The label is in the titles; the column is for files.
    print_frame(
        p.categories.drop(columns="harm_scheme"),
        f"{s.locality} against the rest of {s.area_name}, per 1,000 residents ({s.period}); "
        f"rate ratios exact, 95% CI; {s.harm_scheme}",
        console,
    )
    print_frame(
        p.monthly.drop(columns="harm_scheme"), f"{s.locality} by month; {s.harm_scheme}", console
    )
