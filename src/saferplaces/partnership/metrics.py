"""The KPI metric registry: what a computed KPI's ``metric`` names, and how it is computed.

A metric is ``analysis.column``: a column of the one-row summary an analysis returns for the
workspace's area (``profile``: :func:`saferplaces.analysis.profile.borough_profile`) or for a
locality of ``saferplaces.toml`` (``locality``:
:func:`saferplaces.analysis.locality.locality_profile`, with the KPI parameter ``locality``).
A KPI may also set ``scheme`` (default ``illustrative-category-v1``): harm metrics carry that
scheme's label with every value.

The theme analyses' summaries are metrics too: ``domestic_abuse.*``
(:func:`saferplaces.analysis.domestic_abuse.domestic_abuse`, e.g.
``domestic_abuse.repeat_victim_share``) and ``exploitation.*``
(:func:`saferplaces.analysis.exploitation.exploitation`, e.g. ``exploitation.records``), every
numeric column of their summary frames. Where such a module is missing (an older checkout) its
metrics are *not available yet*: :func:`lookup` raises :class:`MetricNotAvailable` rather than
inventing a figure.

Examples
--------
>>> lookup("locality.share_of_harm").harm, lookup("locality.share_of_harm").parameters
(True, ('locality',))
>>> lookup("profile.rate_per_1000").analysis, lookup("profile.rate_per_1000").column
('profile', 'rate_per_1000')
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from saferplaces.analysis.base import DEFAULT_SCHEME, held_months, make_scope
from saferplaces.analysis.locality import locality_profile
from saferplaces.analysis.profile import borough_profile
from saferplaces.errors import SaferplacesError
from saferplaces.geo.areas import force_slug
from saferplaces.periods import Period
from saferplaces.settings import Settings

__all__ = [
    "METRICS",
    "PENDING_ANALYSES",
    "Evidence",
    "Metric",
    "MetricNotAvailable",
    "MetricValue",
    "lookup",
]


class MetricNotAvailable(SaferplacesError):
    """The metric names an analysis saferplaces does not have yet."""


@dataclass(frozen=True)
class Metric:
    """One registered metric: ``analysis.column`` with its meaning and required parameters."""

    name: str
    description: str
    parameters: tuple[str, ...] = ()

    @property
    def analysis(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def column(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def harm(self) -> bool:
        """Harm metrics carry the harm scheme's label with every value."""
        return "harm" in self.column


@dataclass(frozen=True)
class MetricValue:
    """A metric's value for one period, with what it was computed from."""

    metric: str
    period: str
    value: float
    harm_scheme: str | None  # the scheme's label, for harm metrics
    parameters: dict[str, Any]
    synthetic: bool  # computed from synthetic records


_PROFILE = {
    "crimes": "crimes recorded in the area's LSOAs",
    "asb": "anti-social behaviour incidents",
    "residents": "residents",
    "rate_per_1000": "crimes per 1,000 residents",
    "harm": "harm (sum of the scheme's weights)",
    "harm_per_1000": "harm per 1,000 residents",
    "change": "crimes minus those of the previous period of equal length",
    "change_pct": "percentage change in crimes on the previous period",
    "vs_rest_rate_ratio": "crime rate over the rest of the force area's",
}
_LOCALITY = {
    "crimes": "crimes recorded in the locality",
    "harm": "harm in the locality",
    "asb": "anti-social behaviour incidents in the locality",
    "share_of_crime": "the locality's share (fraction) of the area's crime",
    "share_of_harm": "the locality's share (fraction) of the area's harm",
    "share_of_asb": "the locality's share (fraction) of the area's ASB",
    "share_of_residents": "the locality's share (fraction) of the area's residents",
    "rate_per_1000": "crimes per 1,000 residents of the locality",
    "rest_rate_per_1000": "crimes per 1,000 residents in the rest of the area",
}
METRICS: dict[str, Metric] = {
    **{f"profile.{c}": Metric(f"profile.{c}", d) for c, d in _PROFILE.items()},
    **{f"locality.{c}": Metric(f"locality.{c}", d, ("locality",)) for c, d in _LOCALITY.items()},
}
# The theme analyses (issue #5): every numeric column of their one-row summary is a metric.
PENDING_ANALYSES = {
    "domestic_abuse": "saferplaces.analysis.domestic_abuse",
    "exploitation": "saferplaces.analysis.exploitation",
}
_NUMERIC = ("int64", "Int64", "float64")


def _theme_metrics() -> dict[str, Metric]:
    out = {}
    for analysis, module in PENDING_ANALYSES.items():
        try:
            columns = importlib.import_module(module).SUMMARY_COLUMNS
        except (ImportError, AttributeError):
            continue  # not built in this checkout: lookup() says "not available yet"
        for column, dtype in columns.items():
            if dtype in _NUMERIC:
                name = f"{analysis}.{column}"
                out[name] = Metric(name, f"{column} of the {analysis} summary")
    return out


METRICS.update(_theme_metrics())


def lookup(name: str) -> Metric:
    """The registered metric ``name``.

    Raises
    ------
    MetricNotAvailable
        The metric belongs to an analysis that is not built (or not wired in) yet.
    SaferplacesError
        Any other unknown metric (the message lists the known ones).
    """
    if name in METRICS:
        return METRICS[name]
    analysis = name.split(".", 1)[0]
    known = [m for m in METRICS if m.startswith(f"{analysis}.")]
    if analysis in PENDING_ANALYSES and not known:
        module = PENDING_ANALYSES[analysis]
        raise MetricNotAvailable(
            f"{name}: not available yet (the {analysis} analysis, {module}, is not built yet)"
        )
    if known:
        raise SaferplacesError(
            f"unknown metric {name!r}: the {analysis} summary has no such column; "
            f"{analysis} metrics include {', '.join(known[:6])}"
            + (f" and {len(known) - 6} more" if len(known) > 6 else "")
        )
    raise SaferplacesError(
        f"unknown metric {name!r}; analyses: "
        f"{', '.join(sorted({m.split('.', 1)[0] for m in METRICS}))}"
    )


def period_months(con: duckdb.DuckDBPyConnection, settings: Settings) -> set[str]:
    """Months (YYYY-MM) the warehouse holds for the area's force."""
    force = force_slug(settings.area.police_force or "")
    held = held_months(con, force)
    if not held:  # no data.police.uk files: the months of the records held (extract, others)
        rows = con.execute(
            "SELECT DISTINCT strftime(month, '%Y-%m') FROM crime UNION "
            "SELECT DISTINCT strftime(month, '%Y-%m') FROM offence"
        ).fetchall()
        held = {r[0] for r in rows if r[0]}
    return held


class Evidence:
    """Computes metrics on one warehouse connection, running each analysis once per period.

    Parameters
    ----------
    con : duckdb connection
        The warehouse (read-only is fine; analyses use temporary tables).
    settings : Settings
        The workspace settings (area, localities).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        self.con = con
        self.settings = settings
        self._scope_key: tuple[str, str] | None = None
        self._scope: Any = None
        self._rows: dict[tuple[str, ...], pd.Series] = {}

    def held(self, period: Period) -> bool:
        """True when the warehouse holds every month of ``period``."""
        held = period_months(self.con, self.settings)
        return bool(held) and all(f"{m:%Y-%m}" in held for m in period.month_starts())

    def _scope_for(self, period: str, scheme: str) -> Any:
        if self._scope_key != (period, scheme):
            # make_scope (re)creates the temporary tables the analyses read.
            self._scope = make_scope(self.con, self.settings, period, scheme)
            self._scope_key = (period, scheme)
        return self._scope

    def summary(self, analysis: str, period: str, scheme: str, locality: str | None) -> pd.Series:
        """The one-row summary of ``analysis`` (``profile`` or ``locality``) as a Series."""
        key = (analysis, period, scheme, locality or "")
        if key not in self._rows:
            scope = self._scope_for(period, scheme)
            if analysis == "profile":
                frame = borough_profile(self.con, scope).summary
            elif analysis in PENDING_ANALYSES:
                module = importlib.import_module(PENDING_ANALYSES[analysis])
                frame = getattr(module, analysis)(self.con, scope).summary
            else:
                assert locality is not None
                frame = locality_profile(self.con, scope, locality, settings=self.settings).summary
            row = frame.iloc[0].copy()
            row["synthetic"] = bool(row.get("synthetic", False)) or bool(scope.synthetic)
            self._rows[key] = row
        return self._rows[key]

    def compute(self, metric: str, parameters: dict[str, Any], period: str) -> MetricValue:
        """The value of ``metric`` for ``period`` (``YYYY-MM..YYYY-MM``).

        Raises
        ------
        MetricNotAvailable
            The metric's analysis is not built yet.
        SaferplacesError
            A missing parameter, an undefined locality, months not held, or no value (a share
            of nothing).
        """
        spec = lookup(metric)
        missing = [p for p in spec.parameters if not parameters.get(p)]
        if missing:
            raise SaferplacesError(f"{metric} needs the parameter {missing[0]!r}")
        p = str(Period.parse(period))
        if spec.analysis in PENDING_ANALYSES:
            # These analyses read force extracts: with none held for the period, their counts
            # would read 0 where the truth is "not known" (never store a figure for that).
            start, end = Period.parse(p).start, Period.parse(p).end
            held = self.con.execute(
                "SELECT count(*) FROM offence WHERE month BETWEEN ? AND ?", [start, end]
            ).fetchone()
            if not held or not held[0]:
                raise SaferplacesError(
                    f"{metric} needs force-extract offences; none are held for {p}"
                )
        scheme = str(parameters.get("scheme") or DEFAULT_SCHEME)
        row = self.summary(spec.analysis, p, scheme, parameters.get("locality"))
        value = row[spec.column]
        if pd.isna(value):
            raise SaferplacesError(f"{metric} has no value for {p} (nothing to divide by)")
        return MetricValue(
            metric=metric,
            period=p,
            value=float(value),
            harm_scheme=str(row["harm_scheme"]) if spec.harm else None,
            parameters=dict(parameters),
            synthetic=bool(row["synthetic"]),
        )
