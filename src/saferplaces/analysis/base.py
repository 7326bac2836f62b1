"""What every place analysis starts from: the area's LSOAs, residents, period and harm scheme.

A :class:`Scope` is built once per analysis call. It also creates two temporary tables on the
connection (temporary tables never change the warehouse file, so read-only connections work):

- ``scope_lsoa(lsoa, residents, area_km2)``: the area's LSOAs in the workspace vintage;
- ``harm_weights(crime_type, weight)``: the scheme's category weights.

Records are counted where they were placed (``crime.lsoa``); records not placed in the area are
not counted for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.geo.areas import force_slug
from saferplaces.geo.localities import area_lsoas, lsoa_residents
from saferplaces.geo.resolve import target_vintage
from saferplaces.harm import HarmScheme
from saferplaces.harm.score import category_weights_for, register_harm_weights
from saferplaces.periods import Period, latest_period
from saferplaces.settings import Settings

__all__ = ["DEFAULT_SCHEME", "MONTHLY_COLUMNS", "Scope", "make_scope", "monthly_counts"]

DEFAULT_SCHEME = "illustrative-category-v1"


@dataclass(frozen=True)
class Scope:
    """The area, period and harm scheme an analysis covers."""

    area_code: str
    area_name: str
    force: str  # data.police.uk slug of the area's force
    vintage: int
    lsoas: tuple[str, ...]
    residents: float
    area_km2: float
    period: Period
    scheme: HarmScheme
    synthetic: bool  # True when any crime counted in the scope is synthetic

    @property
    def harm_label(self) -> str:
        """The name every harm figure carries (says 'illustrative' for illustrative schemes)."""
        return self.scheme.label

    def month_filter(self, period: Period | None = None, column: str = "month") -> str:
        """SQL condition for records in ``period`` (default: the scope's period)."""
        p = period or self.period
        return f"{column} BETWEEN DATE '{p.start}' AND DATE '{p.end}'"


def make_scope(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: Period | str | None = None,
    scheme: str = DEFAULT_SCHEME,
) -> Scope:
    """Build the scope of an analysis and create its temporary tables.

    Parameters
    ----------
    con : duckdb connection
        The warehouse (read-only is fine).
    settings : Settings
        The workspace settings (area, vintage).
    period : Period or str, optional
        Default: the latest 12 months held in ``crime``.
    scheme : str
        A bundled or imported harm scheme (code-level schemes are derived to categories with
        the area force's offence mix).
    """
    vintage = target_vintage(con, settings)
    if vintage is None:
        raise SaferplacesError(
            "no LSOA boundaries are loaded; load them first "
            "(`saferplaces geography load lsoa FILE`)"
        )
    lsoas = area_lsoas(con, settings)
    if not lsoas:
        raise SaferplacesError(
            f"none of the loaded LSOAs belongs to {settings.area.name} ({settings.area.code}); "
            "load its boundaries (`saferplaces geography load lsoa FILE`)"
        )
    force = force_slug(settings.area.police_force or "")
    if period is None:
        period = latest_period(con, force=force)
    elif isinstance(period, str):
        period = Period.parse(period)
    _check_months_held(con, force, period)
    harm = category_weights_for(con, scheme, force or None)
    register_harm_weights(con, harm)

    residents = lsoa_residents(con, vintage)
    frame = pd.DataFrame({"lsoa": list(lsoas)})
    frame["residents"] = frame.lsoa.map(residents).astype("float64")
    km2 = dict(
        con.execute("SELECT lsoa_code, area_km2 FROM lsoa WHERE vintage = ?", [vintage]).fetchall()
    )
    frame["area_km2"] = frame.lsoa.map(km2).astype("float64")
    con.register("_scope_lsoa", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE scope_lsoa AS SELECT * FROM _scope_lsoa")
    con.unregister("_scope_lsoa")
    synthetic = con.execute(
        f"SELECT count(*) > 0 FROM crime WHERE synthetic AND lsoa IN (SELECT lsoa FROM scope_lsoa) "
        f"AND month BETWEEN DATE '{period.start}' AND DATE '{period.end}'"
    ).fetchone()
    return Scope(
        area_code=settings.area.code,
        area_name=settings.area.name,
        force=force,
        vintage=vintage,
        lsoas=tuple(lsoas),
        residents=float(frame.residents.sum()),
        area_km2=float(frame.area_km2.sum()),
        period=period,
        scheme=harm,
        synthetic=bool(synthetic and synthetic[0]),
    )


def held_months(con: duckdb.DuckDBPyConnection, force: str) -> set[str]:
    """Months (YYYY-MM) for which the warehouse holds the force's street data."""
    rows = con.execute(
        "SELECT DISTINCT strftime(month, '%Y-%m') FROM partition "
        "WHERE kind = 'street' AND force = ?",
        [force],
    ).fetchall()
    return {r[0] for r in rows}


def _check_months_held(con: duckdb.DuckDBPyConnection, force: str, period: Period) -> None:
    """A period with months the warehouse does not hold would show gaps as falls: refuse it."""
    held = held_months(con, force)
    if not held:
        return  # no data.police.uk partitions for the force (records from other sources only)
    missing = [f"{m:%Y-%m}" for m in period.month_starts() if f"{m:%Y-%m}" not in held]
    if missing:
        shown = ", ".join(missing[:6]) + (
            f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        )
        raise SaferplacesError(
            f"period {period} includes months the warehouse holds no {force} street data for "
            f"({shown}); it holds {min(held)} to {max(held)}: choose a period inside that"
        )


MONTHLY_COLUMNS = {
    "month": "datetime64[ns]",
    "crimes": "int64",
    "asb": "int64",
    "harm": "float64",
    "harm_scheme": "object",
}


def monthly_counts(
    con: duckdb.DuckDBPyConnection, scope: Scope, lsoas: str = "scope_lsoa"
) -> pd.DataFrame:
    """Crimes, ASB incidents and harm in every month of the scope's period (zeros included).

    ``lsoas`` names a table with an ``lsoa`` column: the area (default) or a locality within
    it. Columns: :data:`MONTHLY_COLUMNS`.
    """
    if not lsoas.isidentifier():
        raise ValueError(f"not a table name: {lsoas}")
    inside = f"lsoa IN (SELECT lsoa FROM {lsoas}) AND {scope.month_filter()}"
    counts = con.execute(
        f"""SELECT month, count(*)::BIGINT AS crimes, coalesce(sum(w.weight), 0) AS harm
        FROM crime c LEFT JOIN harm_weights w USING (crime_type) WHERE {inside} GROUP BY month"""
    ).df()
    asb = con.execute(
        f"SELECT month, count(*)::BIGINT AS asb FROM asb WHERE {inside} GROUP BY month"
    ).df()
    months = pd.DataFrame({"month": pd.to_datetime(scope.period.month_starts())})
    for part in (counts, asb):
        part["month"] = pd.to_datetime(part["month"])
    frame = months.merge(counts, on="month", how="left").merge(asb, on="month", how="left")
    frame = frame.fillna({"crimes": 0, "asb": 0, "harm": 0.0})
    frame["harm_scheme"] = scope.harm_label
    return frame[list(MONTHLY_COLUMNS)].astype(MONTHLY_COLUMNS)
