"""KPIs: values computed from the warehouse, values entered by hand, and their RAG.

:func:`refresh_kpis` computes every computed KPI for each period from the warehouse (through the
metric registry, :mod:`saferplaces.partnership.metrics`) and stores the values with their source;
:func:`set_manual_value` records a manual KPI's value; :func:`kpi_rows` lists them.

RAG compares the latest value with the target (or, without one, the baseline). A value at or
better than the reference is green; worse by no more than ``tolerance`` (relative, default 5%)
is amber; worse still is red. "Better" follows the KPI's direction.

Examples
--------
>>> kpi_rag(0.16, direction="down", target=None, baseline=0.17)
'green'
>>> kpi_rag(0.175, direction="down", target=None, baseline=0.17)
'amber'
>>> kpi_rag(90, direction="up", target=100, baseline=None)
'red'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from saferplaces.errors import SaferplacesError
from saferplaces.partnership import models as m
from saferplaces.partnership.audit import current_user
from saferplaces.partnership.services import get_strategy
from saferplaces.periods import Period

if TYPE_CHECKING:
    from saferplaces.partnership.metrics import Evidence

__all__ = [
    "DEFAULT_TOLERANCE",
    "KpiState",
    "RefreshResult",
    "RefreshRow",
    "kpi_rag",
    "kpi_rows",
    "kpi_state",
    "refresh_kpis",
    "refresh_periods",
    "set_manual_value",
]

DEFAULT_TOLERANCE = 0.05


def kpi_rag(
    value: float | None,
    *,
    direction: str,
    target: float | None,
    baseline: float | None,
    tolerance: float | None = None,
) -> str | None:
    """RAG of ``value`` against ``target``, else ``baseline``; None when there is nothing to
    judge."""
    ref = target if target is not None else baseline
    if value is None or ref is None:
        return None
    tol = abs(ref) * (DEFAULT_TOLERANCE if tolerance is None else tolerance)
    worse_by = value - ref if direction == "down" else ref - value
    if worse_by <= 0:
        return "green"
    return "amber" if worse_by <= tol else "red"


@dataclass
class KpiState:
    """A KPI's latest value, the one before, its movement and RAG."""

    key: str
    name: str
    priority: str | None
    unit: str | None
    period: str | None
    value: float | None
    previous: float | None
    movement: str | None  # better | worse | same
    rag: str | None
    against: str | None  # target | baseline

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def kpi_state(kpi: m.Kpi) -> KpiState:
    """Latest value and judgement of one KPI."""
    values = sorted(kpi.values, key=lambda v: v.period)
    latest = values[-1] if values else None
    previous = values[-2].value if len(values) > 1 else None
    movement = None
    if latest is not None and previous is not None:
        delta = latest.value - previous
        if delta == 0:
            movement = "same"
        else:
            movement = "better" if (delta < 0) == (kpi.direction == "down") else "worse"
    value = latest.value if latest else None
    return KpiState(
        key=kpi.key,
        name=kpi.name,
        priority=kpi.priority.key if kpi.priority else None,
        unit=kpi.unit,
        period=latest.period if latest else None,
        value=value,
        previous=previous,
        movement=movement,
        rag=kpi_rag(
            value,
            direction=kpi.direction,
            target=kpi.target,
            baseline=kpi.baseline,
            tolerance=kpi.tolerance,
        ),
        against=None if value is None else ("target" if kpi.target is not None else "baseline"),
    )


# Computing KPIs from the warehouse ----------------------------------------------------------


@dataclass
class RefreshRow:
    """What happened to one KPI for one period (``period`` is None for a whole KPI).

    ``status`` is ``stored``, ``not available yet`` (its analysis is not built) or
    ``not computed`` (``message`` says why: an undefined locality, nothing to divide by).
    """

    kpi: str
    metric: str | None
    period: str | None
    status: str
    value: float | None = None
    harm_scheme: str | None = None
    message: str | None = None


@dataclass
class RefreshResult:
    """The periods refreshed, those left out because the warehouse does not hold them, and one
    row per KPI and period."""

    strategy: str
    periods: list[str]
    not_held: list[str] = field(default_factory=list)
    rows: list[RefreshRow] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(r.status == "stored" for r in self.rows)


def _add_months(d: dt.date, months: int) -> dt.date:
    k = d.year * 12 + d.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, 1)


def _strategy_years(s: m.Strategy) -> list[Period]:
    """The strategy's years: 12 months from its start month, while inside its period."""
    years, start = [], s.period_start.replace(day=1)
    end = s.period_end.replace(day=1)
    while _add_months(start, 11) <= end:
        years.append(Period(start, _add_months(start, 11)))
        start = _add_months(start, 12)
    return years


def refresh_periods(s: m.Strategy, held: set[str]) -> list[Period]:
    """The default periods of a refresh: each computed KPI's baseline period, each year of the
    strategy and the latest 12 months held (in order, without repeats; held or not)."""
    periods: list[Period] = []
    for k in s.kpis:
        if k.kind == "computed" and k.baseline_period:
            try:
                periods.append(Period.parse(k.baseline_period))
            except SaferplacesError:
                continue  # a baseline described in words has no period to compute
    periods += _strategy_years(s)
    if held:
        periods.append(Period.latest(max(held), 12))
    return sorted(set(periods))


def _source(metric: str, parameters: dict[str, Any], period: str, synthetic: bool) -> str:
    params = ", ".join(f"{k}: {v}" for k, v in parameters.items())
    text = f"warehouse: {metric}" + (f" ({params})" if params else "") + f" for {period}"
    return text + (" (SYNTHETIC data)" if synthetic else "")


def _store(kpi: m.Kpi, period: str, **fields: Any) -> m.KpiValue:
    existing = next((v for v in kpi.values if v.period == period), None)
    if existing is None:
        existing = m.KpiValue(period=period, **fields)
        kpi.values.append(existing)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
    return existing


def refresh_kpis(
    session: Session,
    evidence: Evidence,
    periods: list[str] | None = None,
    strategy: str | None = None,
    now: dt.datetime | None = None,
) -> RefreshResult:
    """Compute every computed KPI of the strategy for each period and store the values.

    Re-running replaces the values of the same periods (one value per KPI and period); every
    change goes through the audit trail. Manual KPIs are left alone.

    Parameters
    ----------
    session : Session
        The partnership database (the caller commits).
    evidence : Evidence
        The warehouse (:class:`saferplaces.partnership.metrics.Evidence`).
    periods : list of str, optional
        Periods such as ``2019-11..2020-10`` or ``2021``; each must be held in full. Default:
        :func:`refresh_periods`, keeping those the warehouse holds in full.
    strategy : str, optional
        Default: the latest strategy.
    now : datetime, optional
        The time recorded as ``computed_at`` (UTC; default: now).

    Returns
    -------
    RefreshResult
    """
    from saferplaces.partnership.metrics import MetricNotAvailable, lookup, period_months

    s = get_strategy(session, strategy)
    at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    if periods:
        chosen = [Period.parse(p) for p in periods]
        for p in chosen:
            if not evidence.held(p):
                raise SaferplacesError(
                    f"the warehouse does not hold every month of {p}; choose a period it holds "
                    "(`saferplaces status`)"
                )
        result = RefreshResult(s.name, [str(p) for p in chosen])
    else:
        every = refresh_periods(s, period_months(evidence.con, evidence.settings))
        chosen = [p for p in every if evidence.held(p)]
        result = RefreshResult(
            s.name, [str(p) for p in chosen], [str(p) for p in every if p not in chosen]
        )
    computable = []
    for k in s.kpis:
        if k.kind != "computed" or k.metric is None:
            continue
        try:
            lookup(k.metric)
        except MetricNotAvailable as e:
            result.rows.append(
                RefreshRow(k.key, k.metric, None, "not available yet", message=str(e))
            )
            continue
        except SaferplacesError as e:
            result.rows.append(RefreshRow(k.key, k.metric, None, "not computed", message=str(e)))
            continue
        computable.append(k)
    for p in chosen:
        # Grouped by scheme so each analysis scope is built once per period and scheme.
        for k in sorted(computable, key=lambda k: str(k.parameters.get("scheme", ""))):
            assert k.metric is not None
            try:
                v = evidence.compute(k.metric, k.parameters, str(p))
            except SaferplacesError as e:
                result.rows.append(
                    RefreshRow(k.key, k.metric, str(p), "not computed", message=str(e))
                )
                continue
            _store(
                k,
                v.period,
                value=v.value,
                source=_source(k.metric, k.parameters, v.period, v.synthetic),
                metric=k.metric,
                harm_scheme=v.harm_scheme,
                computed_at=at,
            )
            result.rows.append(
                RefreshRow(k.key, k.metric, v.period, "stored", v.value, v.harm_scheme)
            )
    session.flush()
    order = {k.key: i for i, k in enumerate(s.kpis)}
    result.rows.sort(key=lambda r: (order[r.kpi], r.period or ""))
    return result


def set_manual_value(
    session: Session,
    key: str,
    period: str,
    value: float,
    source: str | None = None,
    strategy: str | None = None,
) -> m.KpiValue:
    """Record a manual KPI's value for a period (replacing one already there).

    Computed KPIs are refused: their values come from ``saferplaces kpi refresh``.
    """
    s = get_strategy(session, strategy)
    kpi = next((k for k in s.kpis if k.key == key), None)
    if kpi is None:
        raise SaferplacesError(f"unknown KPI {key!r}; KPIs: {', '.join(k.key for k in s.kpis)}")
    if kpi.kind != "manual":
        raise SaferplacesError(
            f"KPI {key!r} is computed from the warehouse ({kpi.metric}); its values come from "
            "`saferplaces kpi refresh`"
        )
    p = str(Period.parse(period))
    stored = _store(
        kpi,
        p,
        value=float(value),
        source=source or f"entered by {current_user()}",
        metric=None,
        harm_scheme=None,
        computed_at=None,
    )
    session.flush()
    return stored


def kpi_rows(session: Session, strategy: str | None = None) -> list[dict[str, Any]]:
    """Every KPI of the strategy as a flat record: definition, latest value, movement, RAG and
    whether its metric can be computed yet."""
    from saferplaces.partnership.metrics import lookup

    rows = []
    for k in get_strategy(session, strategy).kpis:
        available = None
        if k.kind == "computed" and k.metric is not None:
            try:
                lookup(k.metric)
                available = "yes"
            except SaferplacesError as e:
                available = str(e).split(": ", 1)[-1]
        st = kpi_state(k)
        latest = max(k.values, key=lambda v: v.period) if k.values else None
        rows.append(
            {
                "key": k.key,
                "name": k.name,
                "priority": st.priority,
                "kind": k.kind,
                "metric": k.metric,
                "parameters": k.parameters or None,
                "available": available,
                "unit": k.unit,
                "direction": k.direction,
                "target": k.target,
                "baseline": k.baseline,
                "baseline_period": k.baseline_period,
                "period": st.period,
                "value": st.value,
                "previous": st.previous,
                "movement": st.movement,
                "rag": st.rag,
                "source": latest.source if latest else None,
                "harm_scheme": latest.harm_scheme if latest else None,
                "computed_at": latest.computed_at.isoformat()
                if latest and latest.computed_at
                else None,
            }
        )
    return rows
