"""Point-in-polygon benchmark: saferplaces' grid PIP against geopandas.sjoin, same points, same run.

1,000,000 random points (seed 20250101) are drawn inside the bounding boxes of randomly chosen
LSOAs, so most fall on land and urban areas get their share, and located among all 34,753 LSOAs
of ``../shared/data/national/LSOA_2011_BSC_EW_V3.geojson``.

Both timings start from the same coordinate arrays and identical polygons already read from the
file (each run its own, never-used copy): reading the boundary file is excluded from both.
saferplaces' time includes building its index; sjoin's time includes building the points
GeoDataFrame (and its spatial index, which sjoin builds itself). sjoin alone, on a points
frame built beforehand, is printed as well.

Each method runs ``--repeats`` times (default 3), interleaved; the best time is reported.

Run: ``python bench/bench_pip.py [--points N] [--seed S] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from saferplaces.geo.pip import PolygonIndex

NATIONAL = Path("national") / "LSOA_2011_BSC_EW_V3.geojson"


def shared_data() -> Path:
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


class PeakRSS:
    """Peak resident memory above the starting level while the block runs (sampled every 2 ms)."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak_mb = 0.0

    def __enter__(self) -> PeakRSS:
        gc.collect()
        self._base = self._proc.memory_info().rss
        self._peak = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self._peak = max(self._peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._proc.memory_info().rss)
        self.peak_mb = (self._peak - self._base) / 2**20


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    with PeakRSS() as mem:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return result, seconds, mem.peak_mb


def random_points(bounds: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in the bounding boxes of uniformly chosen polygons."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(bounds), n)
    x = rng.uniform(bounds[pick, 0], bounds[pick, 2])
    y = rng.uniform(bounds[pick, 1], bounds[pick, 3])
    return x, y


def compare(ours: np.ndarray, joined: gpd.GeoDataFrame, n: int) -> dict[str, int]:
    """Check saferplaces' polygon for every point is the (or one of the) sjoin polygon(s)."""
    left = joined.index.to_numpy()
    right = joined["index_right"].to_numpy()
    matches = np.bincount(left, minlength=n)
    single = matches == 1
    theirs = np.full(n, -1, np.int64)
    theirs[left[single[left]]] = right[single[left]]
    same_single = int(np.sum(single & (ours == theirs)))
    none_both = int(np.sum((matches == 0) & (ours == -1)))
    # Points inside two overlapping generalised polygons: ours must be one of sjoin's.
    multi_pairs = matches[left] > 1
    ok_multi = np.unique(left[multi_pairs & (ours[left] == right)])
    return {
        "points": n,
        "agree": same_single + none_both + len(ok_multi),
        "in_no_lsoa": int(np.sum(matches == 0)),
        "in_two_lsoas": int(np.sum(matches > 1)),
        "disagree": n - (same_single + none_both + len(ok_multi)),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table; exit status 1 if the two methods disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs each")
    args = parser.parse_args(argv)

    path = shared_data() / NATIONAL
    if not path.is_file():
        print(f"bench_pip: {path} not found (set SAFERPLACES_SHARED_DATA)", file=sys.stderr)
        return 2
    lsoa = pyogrio.read_dataframe(path, columns=["LSOA11CD"])
    polygons = np.asarray(lsoa.geometry.array)
    x, y = random_points(lsoa.geometry.bounds.to_numpy(), args.points, args.seed)

    # Every run gets polygons never used before: GEOS prepares a polygon lazily on first use
    # and keeps it, so sharing them would hand one run another's work.
    wkb = shapely.to_wkb(polygons)
    points_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=lsoa.crs)

    def frame() -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"LSOA11CD": lsoa.LSOA11CD}, geometry=shapely.from_wkb(wkb), crs=lsoa.crs
        )

    def ours(polys: np.ndarray) -> np.ndarray:
        return PolygonIndex(polys).locate(x, y)

    def sjoin_from_xy(right: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=lsoa.crs)
        return gpd.sjoin(pts, right, predicate="within")

    def sjoin_only(right: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return gpd.sjoin(points_gdf, right, predicate="within")

    best: dict[str, tuple[float, float]] = {}
    results: dict[str, Any] = {}
    # Interleaved repeats, best of each: the first run of anything pays for warming the heap.
    for _ in range(args.repeats):
        for name, fn, arg in (
            ("ours", ours, shapely.from_wkb(wkb)),
            ("sjoin_xy", sjoin_from_xy, frame()),
            ("sjoin_only", sjoin_only, frame()),
        ):
            results[name], secs, mb = timed(lambda fn=fn, arg=arg: fn(arg))
            prev = best.get(name, (np.inf, 0.0))
            best[name] = (min(prev[0], secs), max(prev[1], mb))
    found, joined = results["ours"], results["sjoin_xy"]
    (t_ours, m_ours), (t_ref, m_ref), (t_only, m_only) = (
        best["ours"],
        best["sjoin_xy"],
        best["sjoin_only"],
    )
    check = compare(found, joined, args.points)

    print(f"Point-in-polygon: {args.points:,} points (seed {args.seed}) in {len(lsoa):,} LSOAs")
    print(
        f"(best of {args.repeats} runs each; boundary file reading excluded from every timing; "
        "peak MB = resident memory above the start of the run)"
    )
    print(f"{'method':<44}{'seconds':>9}{'vs ours':>9}{'peak MB':>9}")
    rows = [
        ("saferplaces PolygonIndex (index + locate)", t_ours, m_ours),
        ("geopandas points_from_xy + sjoin(within)", t_ref, m_ref),
        ("geopandas sjoin(within), points prebuilt", t_only, m_only),
    ]
    for name, secs, mb in rows:
        print(f"{name:<44}{secs:>9.3f}{secs / t_ours:>8.2f}x{mb:>9.0f}")
    print(
        f"check: {check['agree']:,} of {check['points']:,} points agree "
        f"({check['in_no_lsoa']:,} in no LSOA, {check['in_two_lsoas']:,} in two overlapping "
        f"LSOAs); {check['disagree']:,} disagree"
    )
    return 1 if check["disagree"] else 0


if __name__ == "__main__":
    sys.exit(main())
