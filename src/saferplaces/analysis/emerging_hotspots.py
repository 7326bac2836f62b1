"""Emerging hot spots: Gi* in each time step of the period, a Mann-Kendall trend, and a pattern.

The period is cut into steps of ``step_months`` months (default 1; at least 4 steps, ten or more
recommended). In each step Gi* is computed on the LSOAs as in
:func:`saferplaces.analysis.hotspots.gi_star` (permutation seed ``seed + step``); a step is a
significant hot (cold) spot when its FDR q-value is at most ``alpha`` (0.10, 90% confidence) and
its z-score is positive (negative). The trend in each LSOA's z-scores is the Mann-Kendall test,
which is Kendall's tau between the z-scores and time (``scipy.stats.kendalltau``, two-sided;
significant at ``p <= alpha``). Space-time neighbourhoods (neighbours in adjacent steps) are not
used: each step's Gi* is spatial only.

Patterns follow ArcGIS Pro's Emerging Hot Spot Analysis definitions; for hot spots, evaluated in
this order (cold spots mirror them, a rising trend being a weakening cold spot):

============= =================================================================================
intensifying  hot in at least 90% of steps including the last; z-scores rising significantly
diminishing   hot in at least 90% of steps including the last; z-scores falling significantly
persistent    hot in at least 90% of steps including the last; no significant trend
new           hot in the last step only
consecutive   one uninterrupted run of hot steps ending with the last (two or more), never hot
              before the run, hot in under 90% of steps
oscillating   hot in the last step, hot in under 90% of steps, and a cold spot in some earlier step
sporadic      hot in the last step, hot in under 90% of steps on and off, never a cold spot
historical    not hot in the last step, but hot in at least 90% of steps
============= =================================================================================

An LSOA that fits no hot or cold pattern is ``no pattern detected``.

Examples
--------
>>> z = np.array([[0.5, 0.4, 0.6, 3.0], [3.2, 3.0, 3.3, 3.1], [0.1, 0.2, 0.0, 0.1]])
>>> patterns(z, z > 2.5, z < -2.5).pattern.tolist()
['new hot spot', 'persistent hot spot', 'no pattern detected']
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from saferplaces.analysis.base import Scope
from saferplaces.analysis.hotspots import _measure, gi_star, lsoa_shapes, queen_weights
from saferplaces.errors import SaferplacesError
from saferplaces.periods import Period

__all__ = ["EMERGING_HOTSPOT_COLUMNS", "PATTERNS", "emerging_hotspots", "patterns", "steps_of"]

PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)

PATTERN_COLUMNS = {
    "pattern": "object",
    "kind": "object",
    "steps": "int64",
    "hot_steps": "int64",
    "cold_steps": "int64",
    "final_z": "float64",
    "mk_tau": "float64",
    "mk_p_value": "float64",
}

EMERGING_HOTSPOT_COLUMNS = {"lsoa_code": "object", "lsoa_name": "object", **PATTERN_COLUMNS}


def _classify(
    z: np.ndarray, hot: np.ndarray, cold: np.ndarray, tau: float, p: float, alpha: float
) -> tuple[str, str]:
    """(pattern, kind) of one location; ``hot``/``cold`` are significant steps, z its scores."""
    n = len(z)
    for kind, on, other, sign in (("hot", hot, cold, 1), ("cold", cold, hot, -1)):
        share = on.sum() / n
        trend = 0 if not (p <= alpha) else int(np.sign(tau)) * sign
        if on[-1]:
            if share >= 0.9:
                name = "intensifying" if trend > 0 else "diminishing" if trend < 0 else "persistent"
            elif not on[:-1].any():
                name = "new"
            else:
                run = n - np.flatnonzero(~on)[-1] - 1  # the final uninterrupted run
                if not on[: n - run].any():
                    name = "consecutive"
                elif other.any():
                    name = "oscillating"
                else:
                    name = "sporadic"
            return f"{name} {kind} spot", kind
        if share >= 0.9:
            return f"historical {kind} spot", kind
    return "no pattern detected", "none"


def patterns(z: np.ndarray, hot: np.ndarray, cold: np.ndarray, alpha: float = 0.10) -> pd.DataFrame:
    """Pattern of each location from its z-scores and significant steps (pure).

    Parameters
    ----------
    z : array (locations, steps)
        Gi* z-scores, steps in time order.
    hot, cold : bool arrays (locations, steps)
        Significant hot and cold spot steps.
    alpha : float
        Significance of the Mann-Kendall trend.

    Returns
    -------
    DataFrame
        Columns ``pattern`` (e.g. ``new hot spot``, ``no pattern detected``), ``kind`` (``hot``,
        ``cold``, ``none``), ``steps``, ``hot_steps``, ``cold_steps``, ``final_z``, ``mk_tau``
        and ``mk_p_value`` (Mann-Kendall: Kendall's tau of z against time, two-sided p).
    """
    z = np.asarray(z, dtype=float)
    n_steps = z.shape[1]
    if n_steps < 4:
        raise SaferplacesError(f"emerging hot spots need at least 4 time steps, not {n_steps}")
    t = np.arange(n_steps)
    rows = []
    for i in range(z.shape[0]):
        zi = np.nan_to_num(z[i])
        if np.ptp(zi) == 0:
            tau, p = 0.0, 1.0
        else:
            res = kendalltau(t, zi)
            tau, p = float(res.statistic), float(res.pvalue)
        pattern, kind = _classify(zi, hot[i], cold[i], tau, p, alpha)
        rows.append((pattern, kind, n_steps, int(hot[i].sum()), int(cold[i].sum()), zi[-1], tau, p))
    return pd.DataFrame(rows, columns=list(PATTERN_COLUMNS)).astype(PATTERN_COLUMNS)


def steps_of(period: Period, step_months: int) -> list[Period]:
    """The period cut into consecutive steps of ``step_months`` (a short last step dropped)."""
    months = period.month_starts()
    return [
        Period(months[i], months[i + step_months - 1])
        for i in range(0, len(months) - step_months + 1, step_months)
    ]


def emerging_hotspots(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    measure: str = "count",
    step_months: int = 1,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.10,
) -> pd.DataFrame:
    """Emerging hot spot patterns of the scope's LSOAs over its period.

    Parameters
    ----------
    measure : {"count", "harm"}
        Crimes, or harm per 1,000 residents, in each step.
    step_months : int
        Months per time step.
    permutations, seed
        Gi* permutations; step ``k`` uses seed ``seed + k``.
    alpha : float
        Significance of a step's hot/cold spot (FDR q-value) and of the trend.

    Returns
    -------
    DataFrame
        Columns :data:`EMERGING_HOTSPOT_COLUMNS` (see :func:`patterns`), one row per LSOA with a
        boundary (and, for harm, residents), sorted by pattern (hot patterns first) and final
        z-score. ``attrs``: ``steps`` (list of periods), ``measure``, ``seed``.
    """
    from saferplaces.analysis.hotspots import lsoa_values

    steps = steps_of(scope.period, step_months)
    if len(steps) < 4:
        raise SaferplacesError(
            f"{scope.period} in steps of {step_months} months gives {len(steps)} steps; "
            "emerging hot spots need at least 4 (ten or more recommended): use a longer "
            "--period or shorter steps"
        )
    shapes = lsoa_shapes(con, scope)
    first = lsoa_values(con, scope, steps[0])
    values = [_measure(first, measure)]
    values += [_measure(lsoa_values(con, scope, s), measure) for s in steps[1:]]
    table = pd.DataFrame(np.column_stack(values), index=first.lsoa_code)
    table = table.reindex(shapes.lsoa_code)
    keep = table.notna().all(axis=1).to_numpy()
    shapes = shapes[keep].reset_index(drop=True)
    table = table[keep]
    w = queen_weights(shapes)
    z = np.zeros(table.shape)
    hot = np.zeros(table.shape, dtype=bool)
    cold = np.zeros(table.shape, dtype=bool)
    for k in range(len(steps)):
        g = gi_star(table.iloc[:, k].to_numpy(), w, permutations, seed + k)
        z[:, k] = g.z_score.to_numpy()
        sig = g.q_value.to_numpy() <= alpha
        hot[:, k] = sig & (z[:, k] > 0)
        cold[:, k] = sig & (z[:, k] < 0)
    out = patterns(z, hot, cold, alpha)
    names = first.set_index("lsoa_code").lsoa_name
    out.insert(0, "lsoa_code", shapes.lsoa_code.to_numpy())
    out.insert(1, "lsoa_name", names.reindex(shapes.lsoa_code).to_numpy())
    order = {k: i for i, k in enumerate(("hot", "cold", "none"))}
    out = out.sort_values(
        ["kind", "final_z", "lsoa_code"],
        key=lambda s: s.map(order) if s.name == "kind" else s,
        ascending=[True, False, True],
        ignore_index=True,
    )
    out = out[list(EMERGING_HOTSPOT_COLUMNS)].astype(EMERGING_HOTSPOT_COLUMNS)
    out.attrs = {"steps": [str(s) for s in steps], "measure": measure, "seed": seed}
    return out
