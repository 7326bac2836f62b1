"""Vectorised random draws the generator is built from: exact apportionment, repeat counts
from a truncated Poisson-gamma process, ages and identifiers.

Every function takes an explicit :class:`numpy.random.Generator`; nothing uses global state.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import optimize, stats

__all__ = [
    "apportion",
    "band_bounds",
    "draw_ages",
    "exact_shuffle",
    "hex_ids",
    "repeat_counts",
    "repeat_pmf",
]


def apportion(total: int, weights: np.ndarray | list[float]) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder).

    Examples
    --------
    >>> apportion(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    >>> int(apportion(13667, [0.314, 0.686]).sum())
    13667
    """
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    rest = int(total - base.sum())
    # ties broken by position, so the result does not depend on a random draw
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


def exact_shuffle(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Indices ``0..len(counts)-1``, each repeated ``counts[i]`` times, in random order."""
    values = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(values)
    return values


def repeat_pmf(mean_among_repeat: float, maximum: int, dispersion: float) -> np.ndarray:
    """Probabilities of 2..maximum events for a repeat person.

    The count is Poisson with a gamma-distributed rate (a negative binomial with shape
    ``dispersion``), conditioned on at least two events and at most ``maximum``. The negative
    binomial's mean is solved so that the conditional mean equals ``mean_among_repeat``.

    Examples
    --------
    >>> p = repeat_pmf(2.7, 15, 0.8)
    >>> round(float((np.arange(2, 16) * p).sum()), 6)
    2.7
    """
    k = np.arange(2, maximum + 1)
    if not 2 < mean_among_repeat < maximum:
        raise ValueError(f"mean among repeats must lie in (2, {maximum}), not {mean_among_repeat}")

    def conditional_mean(log_mu: float) -> float:
        mu = float(np.exp(log_mu))
        p = stats.nbinom.pmf(k, dispersion, dispersion / (dispersion + mu))
        return float((k * p).sum() / p.sum()) - mean_among_repeat

    log_mu = optimize.brentq(conditional_mean, np.log(1e-3), np.log(10.0 * maximum), xtol=1e-12)
    mu = float(np.exp(log_mu))
    p = stats.nbinom.pmf(k, dispersion, dispersion / (dispersion + mu))
    return p / p.sum()


def repeat_counts(
    rng: np.random.Generator,
    people: int,
    repeat: int,
    mean_among_repeat: float,
    maximum: int,
    dispersion: float,
    force_max: bool = True,
) -> np.ndarray:
    """Events per person: ``people - repeat`` ones and ``repeat`` draws of 2..maximum.

    The repeat people's counts come from :func:`repeat_pmf`. With ``force_max`` the most
    prolific person has exactly ``maximum`` events (the figure a strategy quotes). The result is
    in random order.
    """
    counts = np.ones(people, dtype=np.int64)
    if repeat > 0:
        pmf = repeat_pmf(mean_among_repeat, maximum, dispersion)
        draws = rng.choice(np.arange(2, maximum + 1), size=repeat, p=pmf)
        if force_max:
            draws[np.argmax(draws)] = maximum
        counts[:repeat] = draws
    rng.shuffle(counts)
    return counts


def band_bounds(band: str) -> tuple[int, int]:
    """Inclusive ages of a band written ``N-M`` or ``N+`` (``N+`` means N to N+9).

    Examples
    --------
    >>> band_bounds("25-34")
    (25, 34)
    >>> band_bounds("65+")
    (65, 74)
    """
    if band.endswith("+"):
        lo = int(band[:-1])
        return lo, lo + 9
    lo_s, hi_s = band.split("-")
    return int(lo_s), int(hi_s)


def draw_ages(rng: np.random.Generator, n: int, bands: Mapping[str, float]) -> np.ndarray:
    """Ages in whole years: a band by its share, then a uniform age within the band."""
    names = list(bands)
    shares = np.array([bands[b] for b in names], dtype=float)
    which = rng.choice(len(names), size=n, p=shares / shares.sum())
    bounds = np.array([band_bounds(b) for b in names])
    lo, hi = bounds[which, 0], bounds[which, 1]
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint32)


def hex_ids(rng: np.random.Generator, n: int, length: int = 64) -> np.ndarray:
    """``n`` random lowercase hexadecimal strings (data.police.uk Crime ID style)."""
    digits = _HEX[rng.integers(0, 16, size=(n, length))]
    return np.ascontiguousarray(digits).view(f"<U{length}").ravel()
