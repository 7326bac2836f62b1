"""Concentration of crime and harm across LSOAs: Lorenz curves, Gini, top-share statements.

Examples
--------
>>> table = pd.DataFrame({"crimes": [0, 10, 30, 60], "harm": [0.0, 10.0, 10.0, 80.0]})
>>> table.attrs["harm_scheme"] = "harm (example, illustrative weights)"
>>> _, gini = concentration(table)
>>> round(gini["crimes"], 3), round(gini["harm"], 3)
(0.5, 0.6)
>>> concentration_statements(table, (0.25,))
['25% of LSOAs (1 of 4) hold 60% of crime', \
'25% of LSOAs (1 of 4) hold 80% of harm (example, illustrative weights)']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "CONCENTRATION_COLUMNS",
    "LORENZ_COLUMNS",
    "MEASURES",
    "concentration",
    "concentration_statements",
    "concentration_table",
]

MEASURES = ("crimes", "harm")
LORENZ_COLUMNS = {
    "measure": "object",
    "lsoa_share": "float64",
    "cumulative_share": "float64",
    "harm_scheme": "object",  # the scheme's label on the harm rows
}
CONCENTRATION_COLUMNS = {
    "measure": "object",
    "gini": "float64",
    "lsoa_share": "float64",
    "lsoas": "int64",
    "of_lsoas": "int64",
    "share_held": "float64",
    "statement": "object",
    "harm_scheme": "object",
}


def _gini(values: np.ndarray) -> float:
    from inequality.gini import Gini  # imports take a second: only when asked

    if len(values) == 0 or values.sum() <= 0:
        return math.nan
    return float(Gini(values).g)


def concentration(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Lorenz curves and Gini coefficients of crimes and harm across the table's LSOAs.

    Parameters
    ----------
    table : DataFrame
        One row per LSOA with ``crimes`` and ``harm`` (e.g. :func:`lsoa_table`).

    Returns
    -------
    lorenz : DataFrame
        Columns of :data:`LORENZ_COLUMNS`; per measure, ``n + 1`` points from (0, 0) to (1, 1):
        ``lsoa_share`` the share of LSOAs counted from the least (ascending order),
        ``cumulative_share`` the share of the measure they hold. Empty shares (NaN) when the
        total is 0.
    gini : dict
        ``{"crimes": g, "harm": g}``, the Gini coefficient (``inequality.gini.Gini``, the
        mean-difference form Σ|x_i - x_j| / 2n²x̄; 0 = even, towards 1 = concentrated).
    """
    parts, gini = [], {}
    for measure in MEASURES:
        x = np.sort(table[measure].to_numpy(dtype="float64"))
        n, total = len(x), x.sum()
        cumulative = np.concatenate([[0.0], np.cumsum(x)])
        parts.append(
            pd.DataFrame(
                {
                    "measure": measure,
                    "lsoa_share": np.arange(n + 1) / n if n else [0.0],
                    "cumulative_share": cumulative / total if total > 0 else np.nan,
                }
            )
        )
        gini[measure] = _gini(x)
    lorenz = pd.concat(parts, ignore_index=True)
    label = table["harm_scheme"].iloc[0] if "harm_scheme" in table and len(table) else None
    lorenz["harm_scheme"] = lorenz.measure.map({"harm": label})
    return lorenz[list(LORENZ_COLUMNS)].astype(LORENZ_COLUMNS), gini


def _top(share: float, n: int) -> int:
    """The nearest whole number of LSOAs to ``share`` of ``n`` (halves up), at least 1."""
    return max(1, min(n, math.floor(share * n + 0.5)))


def concentration_table(
    table: pd.DataFrame, lsoa_shares: tuple[float, ...] = (0.05, 0.1, 0.2)
) -> pd.DataFrame:
    """How much crime and harm the top LSOAs hold, with the Gini, as sentences and numbers.

    For each measure and each share ``p`` the ``k`` LSOAs with the most of the measure are
    taken, ``k`` being the nearest whole number to ``p × n`` (at least 1), so that every figure
    can be checked by counting.

    Returns
    -------
    DataFrame
        Columns of :data:`CONCENTRATION_COLUMNS`: ``measure`` (crimes or harm), ``gini``,
        ``lsoa_share`` (k / n, the share actually taken), ``lsoas`` (k), ``of_lsoas`` (n),
        ``share_held`` (fraction of the measure they hold), ``statement`` (e.g. "10% of LSOAs
        (12 of 115) hold 41% of harm (illustrative-category-v1, illustrative weights)") and
        ``harm_scheme`` (from ``table.attrs``).
    """
    _, gini = concentration(table)
    label = str(table.attrs.get("harm_scheme", "harm"))
    n = len(table)
    rows = []
    for measure in MEASURES:
        x = np.sort(table[measure].to_numpy(dtype="float64"))[::-1]
        total = x.sum()
        what = "crime" if measure == "crimes" else label
        for p in lsoa_shares if n else ():
            k = _top(p, n)
            held = x[:k].sum() / total if total > 0 else math.nan
            statement = f"{k / n:.0%} of LSOAs ({k} of {n}) hold {held:.0%} of {what}"
            rows.append((measure, gini[measure], k / n, k, n, held, statement, label))
    frame = pd.DataFrame(rows, columns=list(CONCENTRATION_COLUMNS))
    return frame.astype(CONCENTRATION_COLUMNS)


def concentration_statements(
    table: pd.DataFrame, lsoa_shares: tuple[float, ...] = (0.05, 0.1, 0.2)
) -> list[str]:
    """The statements of :func:`concentration_table`, crime first then harm."""
    return list(concentration_table(table, lsoa_shares).statement)
