"""Domestic abuse partner data: DA service demand (Chart 4) and MARAC referrals (Chart 6).

Part of :mod:`saferplaces.analysis.domestic_abuse` (which re-exports these names); kept apart
because these frames come from partner files (``partner_da_service``, ``partner_marac``), not
from the force extract, and have their own periods.

- **Service demand**: contacts per month and channel, every month x channel (zeros included),
  all sources together.
- **MARAC repeat referral** (SafeLives): the same victim's previous referral, at any date (also
  before the period), was within the 12 months before this one, inclusive.
- **Cases per 10,000 adult women**: referrals a year over women aged 16 and over, x 10,000,
  against the SafeLives benchmark of 40. The warehouse does not hold population by sex and age
  yet, so the rate is empty unless the population is given, and the note says why.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from saferplaces.periods import Period

__all__ = [
    "CHANNELS",
    "MARAC_COLUMNS",
    "NO_POPULATION",
    "SAFELIVES_BENCHMARK",
    "SERVICE_COLUMNS",
    "marac_rate_per_10000",
    "marac_referrals",
    "service_demand",
]

SAFELIVES_BENCHMARK = 40.0  # MARAC cases a year per 10,000 adult women (SafeLives)
CHANNELS = ("helpline", "101 triage", "website", "referral", "outreach")
NO_POPULATION = (
    "population by sex and age is not loaded: the rate per 10,000 adult women is not computed"
)

SERVICE_COLUMNS = {
    "month": "datetime64[ns]",
    "channel": "object",
    "contacts": "int64",
}
MARAC_COLUMNS = {
    "month": "datetime64[ns]",
    "referrals": "int64",
    "repeat_referrals": "int64",
    "children": "int64",
}


def marac_rate_per_10000(referrals: int, months: int, adult_female_population: float) -> float:
    """MARAC cases a year per 10,000 adult women (SafeLives benchmark: 40).

    Examples
    --------
    >>> marac_rate_per_10000(300, 12, 75_000)
    40.0
    >>> marac_rate_per_10000(150, 6, 75_000)  # half a year: annualised
    40.0
    """
    if not adult_female_population or adult_female_population <= 0 or months <= 0:
        return math.nan
    return referrals * 12 / months / adult_female_population * 10_000


def service_demand(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """DA service contacts per month of ``period`` and channel (columns: ``SERVICE_COLUMNS``)."""
    counts = con.execute(
        f"""SELECT month, channel, count(*) AS contacts FROM partner_da_service
            WHERE month BETWEEN DATE '{period.start}' AND DATE '{period.end}' GROUP BY ALL"""
    ).df()
    counts["month"] = pd.to_datetime(counts["month"])
    channels = [*CHANNELS, *sorted(set(counts.channel) - set(CHANNELS))]
    grid = pd.DataFrame(
        [(m, c) for m in pd.to_datetime(period.month_starts()) for c in channels],
        columns=["month", "channel"],
    )
    frame = grid.merge(counts, how="left", on=["month", "channel"]).fillna({"contacts": 0})
    return frame[list(SERVICE_COLUMNS)].astype(SERVICE_COLUMNS)


def marac_referrals(
    con: duckdb.DuckDBPyConnection, period: Period, adult_female_population: float | None
) -> tuple[pd.DataFrame, dict[str, object]]:
    """MARAC referrals per month of ``period`` (``MARAC_COLUMNS``) and the ``marac_*`` summary.

    Returns
    -------
    (frame, summary)
        One row per month: referrals, repeat referrals, children in the referred households
        (where recorded); and the summary figures: ``marac_period``, ``marac_referrals``,
        ``marac_repeat_referrals``, ``marac_repeat_rate``, ``marac_children``,
        ``adult_female_population``, ``marac_cases_per_10000_women``, ``safelives_benchmark``,
        ``marac_note``.
    """
    # The previous referral is looked for in the whole table: a referral early in the period is
    # a repeat when the victim was referred in the 12 months before it, inside the period or not.
    counts = con.execute(
        f"""WITH r AS (
                SELECT month, referral_date, children_in_household,
                       lag(referral_date) OVER (PARTITION BY person_id
                                                ORDER BY referral_date, case_id) AS previous
                FROM partner_marac)
            SELECT month, count(*) AS referrals,
                   count(*) FILTER (WHERE previous >= referral_date - INTERVAL 12 MONTH)
                       AS repeat_referrals,
                   coalesce(sum(children_in_household), 0) AS children
            FROM r WHERE month BETWEEN DATE '{period.start}' AND DATE '{period.end}'
            GROUP BY month"""
    ).df()
    counts["month"] = pd.to_datetime(counts["month"])
    months = pd.DataFrame({"month": pd.to_datetime(period.month_starts())})
    frame = months.merge(counts, how="left", on="month").fillna(0)
    frame = frame[list(MARAC_COLUMNS)].astype(MARAC_COLUMNS)
    referrals = int(frame.referrals.sum())
    repeat = int(frame.repeat_referrals.sum())
    pop = float(adult_female_population) if adult_female_population else math.nan
    summary: dict[str, object] = {
        "marac_period": str(period),
        "marac_referrals": referrals,
        "marac_repeat_referrals": repeat,
        "marac_repeat_rate": repeat / referrals if referrals else math.nan,
        "marac_children": int(frame.children.sum()),
        "adult_female_population": pop,
        "marac_cases_per_10000_women": marac_rate_per_10000(referrals, period.months, pop),
        "safelives_benchmark": SAFELIVES_BENCHMARK,
        "marac_note": None if not math.isnan(pop) else NO_POPULATION,
    }
    return frame, summary
