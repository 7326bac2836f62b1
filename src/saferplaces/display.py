"""Printing result frames for people: Rich tables with numbers formatted as a report would."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table

__all__ = ["SYNTHETIC_BANNER", "format_value", "print_frame", "print_synthetic_banner"]


def format_value(value: object, column: str = "") -> str:
    """A cell as text: thousands separators, shares as percentages, 2 decimals for rates.

    Examples
    --------
    >>> format_value(15388), format_value(0.4838, "share"), format_value(85.558, "rate_per_1000")
    ('15,388', '48.4%', '85.56')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    if isinstance(value, int) or (
        hasattr(value, "dtype") and "int" in str(getattr(value, "dtype", ""))
    ):
        return f"{int(value):,}"  # type: ignore[call-overload]
    if isinstance(value, float):
        if "share" in column or column.endswith("_pct_share"):
            return f"{value:.1%}"
        if column.startswith("p_value") or column.endswith("p_value"):
            return f"{value:.3g}"
        if value.is_integer() or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    return str(value)


def print_frame(
    frame: pd.DataFrame, title: str, console: Console, limit: int | None = None
) -> None:
    """Print ``frame`` (its first ``limit`` rows) as a Rich table."""
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(
            frame[col]
        )
        table.add_column(col, justify="right" if numeric else "left")
    rows = frame if limit is None else frame.head(limit)
    for record in rows.itertuples(index=False):
        table.add_row(*[format_value(v, c) for v, c in zip(record, frame.columns, strict=True)])
    console.print(table)


SYNTHETIC_BANNER = "SYNTHETIC DATA: these figures describe no real people or places."


def print_synthetic_banner(synthetic: bool, console: Console) -> None:
    """Print the synthetic-data banner first when any record behind a result is synthetic."""
    if synthetic:
        console.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]", highlight=False)
