"""Periods of whole months: ``2019-11..2020-10``, ``2025``, ``2025-03``, or the latest 12 months.

Examples
--------
>>> p = Period.parse("2019-11..2020-10")
>>> p.months, str(p), p.label
(12, '2019-11..2020-10', 'November 2019 to October 2020')
>>> str(p.previous())
'2018-11..2019-10'
>>> str(Period.parse("2025"))
'2025-01..2025-12'
>>> str(Period.latest("2025-12", months=12))
'2025-01..2025-12'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb

from saferplaces.errors import SaferplacesError

__all__ = ["Period", "latest_period"]

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def _month(s: str, what: str) -> date:
    m = _MONTH.fullmatch(s.strip())
    if not m or int(m[1]) < 1:
        raise SaferplacesError(f"{what} '{s}' is not a month like 2025-03")
    return date(int(m[1]), int(m[2]), 1)


def _add(d: date, months: int) -> date:
    k = d.year * 12 + d.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """A run of whole months, ``start`` and ``end`` being first days of months (inclusive)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start.day != 1 or self.end.day != 1:
            raise ValueError("a period starts and ends on the first day of a month")
        if self.end < self.start:
            raise SaferplacesError(f"period {self} ends before it starts")

    @classmethod
    def parse(cls, text: str) -> Period:
        """``YYYY-MM..YYYY-MM``, ``YYYY-MM`` (one month) or ``YYYY`` (a calendar year)."""
        t = text.strip()
        if re.fullmatch(r"\d{4}", t) and int(t) >= 1:
            return cls(date(int(t), 1, 1), date(int(t), 12, 1))
        if ".." in t:
            a, b = t.split("..", 1)
            return cls(_month(a, "period start"), _month(b, "period end"))
        m = _month(t, "period")
        return cls(m, m)

    @classmethod
    def latest(cls, last_month: str | date, months: int = 12) -> Period:
        """The ``months`` months ending with ``last_month``."""
        end = last_month if isinstance(last_month, date) else _month(last_month, "month")
        end = end.replace(day=1)
        return cls(_add(end, -(months - 1)), end)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(_add(self.start, -self.months), _add(self.start, -1))

    def month_starts(self) -> list[date]:
        return [_add(self.start, i) for i in range(self.months)]

    @property
    def label(self) -> str:
        """Words for reports: ``November 2019 to October 2020``."""
        a, b = self.start.strftime("%B %Y"), self.end.strftime("%B %Y")
        return a if a == b else f"{a} to {b}"

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"


def latest_period(
    con: duckdb.DuckDBPyConnection, months: int = 12, table: str = "crime", force: str | None = None
) -> Period:
    """The latest ``months`` complete months held (data.police.uk publishes whole months).

    With ``force``, the latest month of that force's records (another force's later files do
    not move the area's period).
    """
    where = "WHERE force = ?" if force else ""
    row = con.execute(
        f"SELECT max(month) FROM {table} {where}", [force] if force else []
    ).fetchone()
    if row is None or row[0] is None:
        raise SaferplacesError(
            f"the warehouse holds no {table} records yet; ingest data first "
            "(`saferplaces ingest police-uk PATH`)"
        )
    return Period.latest(row[0], months)
