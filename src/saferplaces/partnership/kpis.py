"""KPI judgement: RAG of the latest value against the target (or, without one, the baseline).

A value at or better than the reference is green; worse by no more than ``tolerance``
(relative, default 5%) is amber; worse still is red. "Better" follows the KPI's direction.
Computing values from the warehouse (``saferplaces kpi refresh``) will live here too.

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

from dataclasses import dataclass
from typing import Any

from saferplaces.partnership import models as m

__all__ = ["DEFAULT_TOLERANCE", "KpiState", "kpi_rag", "kpi_state"]

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
