"""Places: crime, harm and vulnerability by LSOA, and the bundle ``saferplaces places`` shows.

One row per LSOA of the area (LSOAs without crime included), counted where records were placed
(``crime.lsoa``) in the scope's period. Vulnerability combines volume and harm relative to the
area (1 = the area average); the default method smooths small populations towards the area rate
by global empirical Bayes (Marshall 1991) so that a tiny LSOA does not top the list by chance.
See ``docs/places.md`` for the methods and their choices.

Examples
--------
>>> frame = pd.DataFrame({
...     "lsoa_code": ["E01000001", "E01000002", "E01000003"],
...     "crimes": [30, 10, 1], "harm": [300.0, 50.0, 20.0],
...     "residents": [1000.0, 2000.0, 20.0], "area_km2": [1.0, 1.0, 0.1],
... })
>>> score_lsoas(frame, "raw").lsoa_code.tolist()  # 1 crime among 20 residents tops raw rates
['E01000003', 'E01000001', 'E01000002']
>>> score_lsoas(frame, "eb").lsoa_code.tolist()  # smoothed: the tiny LSOA falls back
['E01000001', 'E01000003', 'E01000002']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from rich.console import Console

from saferplaces.analysis.base import Scope
from saferplaces.analysis.concentration import concentration, concentration_table
from saferplaces.analysis.locality import candidate_localities
from saferplaces.display import print_frame, print_synthetic_banner
from saferplaces.errors import SaferplacesError

__all__ = [
    "LSOA_COLUMNS",
    "METHODS",
    "Places",
    "eb_weights",
    "lsoa_table",
    "places",
    "print_places",
    "score_lsoas",
]

LSOA_COLUMNS = {
    "lsoa_code": "object",
    "lsoa_name": "object",
    "ward_name": "object",
    "crimes": "int64",
    "harm": "float64",
    "residents": "float64",
    "area_km2": "float64",
    "rate_per_1000": "float64",
    "harm_per_1000": "float64",
    "share_of_crime": "float64",
    "share_of_harm": "float64",
    "share_of_land": "float64",
    "share_of_residents": "float64",
    "imd_decile": "Int64",
    "vulnerability": "float64",
    "vulnerability_rank": "int64",
    "harm_scheme": "object",  # the scheme's label: every harm figure names its scheme
}

METHODS = {
    "eb": "geometric mean of crime and harm rates, empirical Bayes smoothed, over the area rates",
    "raw": "geometric mean of crime and harm rates (unsmoothed) over the area rates",
    "harm": "harm rate, empirical Bayes smoothed, over the area harm rate",
    "density": "harm per km² over the area's harm per km²",
}


def eb_weights(events: np.ndarray | pd.Series, population: np.ndarray | pd.Series) -> np.ndarray:
    """Credibility weights of global empirical Bayes rate smoothing (Marshall 1991).

    The smoothed rate of unit ``i`` is ``w_i * e_i / n_i + (1 - w_i) * m`` with ``m`` the pooled
    rate and ``w_i = s² / (s² + m / n_i)``, where ``s² = Σ n_i (r_i - m)² / Σ n_i - m / mean(n)``
    estimates the variance of the true rates (the moment estimator ``esda.smoothing.
    Empirical_Bayes`` uses). A negative ``s²`` (no more variation than chance) is taken as 0:
    every unit then gets the pooled rate. Units with no population get NaN and are left out
    of the fit.

    Examples
    --------
    >>> w = eb_weights(np.array([30, 10, 1]), np.array([1000, 2000, 20]))
    >>> [round(float(x), 3) for x in w]
    [0.908, 0.952, 0.164]
    """
    e = np.asarray(events, dtype="float64")
    n = np.asarray(population, dtype="float64")
    out = np.full(len(e), np.nan)
    ok = n > 0  # NaN compares False
    if not ok.any():
        return out
    e, n = e[ok], n[ok]
    m = e.sum() / n.sum()
    if m == 0:
        out[ok] = 1.0  # every rate is 0: nothing to shrink
        return out
    s2 = (n * (e / n - m) ** 2).sum() / n.sum() - m / n.mean()
    s2 = max(s2, 0.0)
    out[ok] = s2 / (s2 + m / n)
    return out


def score_lsoas(
    frame: pd.DataFrame, method: str = "eb", harm_scheme: str | None = None
) -> pd.DataFrame:
    """Rates, shares and vulnerability for per-LSOA counts (pure: no warehouse needed).

    Parameters
    ----------
    frame : DataFrame
        One row per LSOA with ``lsoa_code``, ``crimes``, ``harm``, ``residents``, ``area_km2``;
        ``lsoa_name``, ``ward_name`` and ``imd_decile`` are kept when present.
    method : {"eb", "raw", "harm", "density"}
        See :data:`METHODS`.
    harm_scheme : str, optional
        The harm scheme's label, written into the ``harm_scheme`` column.

    Returns
    -------
    DataFrame
        Columns of :data:`LSOA_COLUMNS`, sorted by ``vulnerability_rank`` (1 = most vulnerable;
        ties by harm, then code; LSOAs with no vulnerability, for want of residents or area,
        come last).
    """
    if method not in METHODS:
        raise SaferplacesError(
            f"vulnerability method '{method}' is not one of {', '.join(METHODS)}"
        )
    t = frame.copy()
    for col in ("lsoa_name", "ward_name"):
        if col not in t:
            t[col] = None
    if "imd_decile" not in t:
        t["imd_decile"] = pd.NA
    t["crimes"] = t.crimes.astype("int64")
    t["harm"] = t.harm.astype("float64")
    pop = t.residents.astype("float64").where(t.residents > 0)
    t["rate_per_1000"] = t.crimes / pop * 1000
    t["harm_per_1000"] = t.harm / pop * 1000
    for share, col in (
        ("share_of_crime", "crimes"),
        ("share_of_harm", "harm"),
        ("share_of_land", "area_km2"),
        ("share_of_residents", "residents"),
    ):
        total = t[col].sum()
        t[share] = t[col] / total if total > 0 else np.nan
    t["vulnerability"] = _vulnerability(t, pop, method)
    t = t.sort_values(
        ["vulnerability", "harm", "lsoa_code"],
        ascending=[False, False, True],
        na_position="last",
        ignore_index=True,
    )
    t["vulnerability_rank"] = np.arange(1, len(t) + 1)
    t["harm_scheme"] = harm_scheme
    return t[list(LSOA_COLUMNS)].astype(LSOA_COLUMNS)


def _vulnerability(t: pd.DataFrame, pop: pd.Series, method: str) -> pd.Series:
    """The vulnerability index (1 = area average) by ``method``; NaN where it cannot be had."""
    if method == "density":
        km2 = t.area_km2.where(t.area_km2 > 0)
        area_density = t.harm[km2.notna()].sum() / km2.sum()
        return t.harm / km2 / area_density if area_density > 0 else km2 * np.nan
    # Rate methods: LSOAs without residents have no rate and stay out of the fit.
    counted = pop.notna()
    people = pop[counted].sum()
    crime_rate = t.crimes[counted].sum() / people if people > 0 else math.nan
    harm_rate = t.harm[counted].sum() / people if people > 0 else math.nan
    if not (crime_rate > 0 and harm_rate > 0):
        return pop * np.nan  # no crime, or no residents: no index
    w = 1.0 if method == "raw" else eb_weights(t.crimes, pop)
    # Harm is a weighted count, so it gets the crime count's credibility weight rather than a
    # Poisson-gamma fit of its own.
    rr_crime = (w * t.crimes / pop + (1 - w) * crime_rate) / crime_rate
    rr_harm = (w * t.harm / pop + (1 - w) * harm_rate) / harm_rate
    return pd.Series(rr_harm if method == "harm" else np.sqrt(rr_crime * rr_harm), index=t.index)


def lsoa_table(con: duckdb.DuckDBPyConnection, scope: Scope, method: str = "eb") -> pd.DataFrame:
    """One row per LSOA of the area: crimes, harm, rates, shares, IMD decile and vulnerability.

    Parameters
    ----------
    con : duckdb connection
        The warehouse, with the scope's temporary tables (see :func:`make_scope`).
    scope : Scope
    method : {"eb", "raw", "harm", "density"}
        How vulnerability is scored (see :data:`METHODS`).

    Returns
    -------
    DataFrame
        Columns of :data:`LSOA_COLUMNS`: ``crimes`` and ``harm`` (scheme weights summed) in the
        period; ``residents`` (latest population, apportioned to the vintage) and ``area_km2``;
        ``rate_per_1000`` and ``harm_per_1000`` per 1,000 residents for the whole period;
        ``share_of_*`` fractions (0-1) of the area's totals; ``imd_decile`` (IMD by LSOA 2011:
        a 2021 LSOA takes its parent's decile, for a merged LSOA the parent contributing most
        residents); ``vulnerability`` (1 = area average) and ``vulnerability_rank``. Sorted by
        rank. ``attrs`` holds ``harm_scheme`` (the scheme's label), ``method`` and ``period``.
    """
    counts = con.execute(
        f"""
        WITH c AS (
            SELECT c.lsoa, count(*)::BIGINT AS crimes, coalesce(sum(w.weight), 0) AS harm
            FROM crime c LEFT JOIN harm_weights w USING (crime_type)
            WHERE c.lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter()}
            GROUP BY c.lsoa
        )
        SELECT s.lsoa AS lsoa_code, l.lsoa_name, lw.ward_name,
               coalesce(c.crimes, 0) AS crimes, coalesce(c.harm, 0) AS harm,
               s.residents, s.area_km2
        FROM scope_lsoa s
        LEFT JOIN c ON c.lsoa = s.lsoa
        LEFT JOIN lsoa l ON l.lsoa_code = s.lsoa AND l.vintage = ?
        LEFT JOIN lsoa_ward lw ON lw.lsoa_code = s.lsoa
        """,
        [scope.vintage],
    ).df()
    deciles = imd_deciles(con)
    counts["imd_decile"] = counts.lsoa_code.map(deciles).astype("Int64")
    table = score_lsoas(counts, method, scope.harm_label)
    table.attrs = {"harm_scheme": scope.harm_label, "method": method, "period": str(scope.period)}
    return table


def imd_deciles(con: duckdb.DuckDBPyConnection, lsoas: str = "scope_lsoa") -> dict[str, int]:
    """IMD decile per LSOA of the table ``lsoas`` (column ``lsoa``): its own code if IMD has it,
    else its LSOA 2011 parent's.

    A 2021 LSOA formed by merging takes the parent contributing most residents (lookup weight
    times the parent's latest 2011 population; ties by code).
    """
    if not lsoas.isidentifier():
        raise ValueError(f"not a table name: {lsoas}")
    rows = con.execute(
        f"""
        WITH pop AS (
            SELECT lsoa_code, residents FROM population
            WHERE vintage = 2011
              AND year = (SELECT max(year) FROM population WHERE vintage = 2011)
        ), parent AS (
            SELECT m.lsoa21_code AS lsoa, m.lsoa11_code AS parent,
                   row_number() OVER (
                       PARTITION BY m.lsoa21_code
                       ORDER BY coalesce(m.weight, 0) * coalesce(p.residents, 1) DESC,
                                m.lsoa11_code
                   ) AS k
            FROM lsoa_lookup m LEFT JOIN pop p ON p.lsoa_code = m.lsoa11_code
            WHERE m.lsoa21_code IN (SELECT lsoa FROM {lsoas})
        )
        SELECT s.lsoa, coalesce(own.decile, via.decile)
        FROM {lsoas} s
        LEFT JOIN imd own ON own.lsoa_code = s.lsoa
        LEFT JOIN parent ON parent.lsoa = s.lsoa AND parent.k = 1
        LEFT JOIN imd via ON via.lsoa_code = parent.parent
        """
    ).fetchall()
    return {code: int(d) for code, d in rows if d is not None}


@dataclass(frozen=True)
class Places:
    """Everything ``saferplaces places`` shows, as frames with fixed columns.

    lsoas
        :func:`lsoa_table` (columns :data:`LSOA_COLUMNS`).
    lorenz
        Lorenz curves of crimes and harm across LSOAs (see :func:`concentration`).
    concentration
        Gini and top-share statements (see :func:`concentration_table`).
    candidates
        Candidate priority localities (see :func:`candidate_localities`).
    """

    lsoas: pd.DataFrame
    lorenz: pd.DataFrame
    concentration: pd.DataFrame
    candidates: pd.DataFrame
    harm_scheme: str
    method: str
    period: str
    synthetic: bool = False  # any record behind it is synthetic

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames by name, for writing files."""
        return {
            "lsoas": self.lsoas,
            "lorenz": self.lorenz,
            "concentration": self.concentration,
            "candidates": self.candidates,
        }


def places(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    method: str = "eb",
    localities: int = 3,
    top_share: float = 0.2,
    lsoa_shares: tuple[float, ...] = (0.05, 0.1, 0.2),
) -> Places:
    """The LSOA table, concentration and candidate localities for the scope.

    Parameters
    ----------
    method : str
        Vulnerability method (see :data:`METHODS`).
    localities : int
        How many candidate localities to return (the seed strategy chose three).
    top_share : float
        Share of LSOAs counted as high-vulnerability when forming candidate localities.
    lsoa_shares : tuple of float
        Shares of LSOAs the concentration statements speak of.
    """
    table = lsoa_table(con, scope, method)
    lorenz, _ = concentration(table)
    return Places(
        lsoas=table,
        lorenz=lorenz,
        concentration=concentration_table(table, lsoa_shares),
        candidates=candidate_localities(con, scope, table, n=localities, top_share=top_share),
        harm_scheme=scope.harm_label,
        method=method,
        period=str(scope.period),
        synthetic=scope.synthetic,
    )


def print_places(p: Places, console: Console, top: int = 20) -> None:
    """Print the top LSOAs, the concentration statements and the candidate localities."""
    print_synthetic_banner(p.synthetic, console)
    shown = p.lsoas[
        [
            "vulnerability_rank",
            "lsoa_code",
            "lsoa_name",
            "ward_name",
            "crimes",
            "harm",
            "residents",
            "rate_per_1000",
            "harm_per_1000",
            "share_of_crime",
            "share_of_harm",
            "imd_decile",
            "vulnerability",
        ]
    ]
    print_frame(
        shown,
        f"Top {min(top, len(shown))} of {len(shown)} LSOAs by vulnerability ({p.method}: "
        f"{METHODS[p.method]}), {p.period}; {p.harm_scheme}",
        console,
        limit=top,
    )
    for measure, g in p.concentration.groupby("measure", sort=False).gini.first().items():
        what = "crime" if measure == "crimes" else p.harm_scheme
        console.print(f"Gini across LSOAs, {what}: {g:.2f}", highlight=False)
    for statement in p.concentration.statement:
        console.print(statement, highlight=False)
    print_frame(
        p.candidates.drop(columns=["lsoa_codes", "harm_scheme"]),
        f"Candidate priority localities (contiguous high-vulnerability LSOAs, by harm); "
        f"{p.harm_scheme}",
        console,
    )
