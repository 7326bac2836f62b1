"""Invariants of the places figures, by Hypothesis: shares sum to 1, row order does not matter,
adding a crime to an LSOA never lowers its rank."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from saferplaces.analysis.base import Scope, make_scope
from saferplaces.analysis.concentration import concentration
from saferplaces.analysis.places import METHODS, lsoa_table, score_lsoas
from saferplaces.workspace import init_workspace

CODES = [f"E0101418{i}" for i in range(8)]
TYPES = {"Burglary": 20.0, "Shoplifting": 3.0, "Robbery": 40.0}


@st.composite
def lsoa_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, len(CODES)))
    crimes = draw(st.lists(st.integers(0, 300), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "lsoa_code": CODES[:n],
            "crimes": crimes,
            "harm": [c * draw(st.sampled_from([3.0, 20.0, 40.0])) for c in crimes],
            "residents": draw(st.lists(st.integers(1, 3000), min_size=n, max_size=n)),
            "area_km2": draw(st.lists(st.floats(0.05, 20.0), min_size=n, max_size=n)),
        }
    )


@given(lsoa_frames(), st.sampled_from(sorted(METHODS)))
def test_shares_sum_to_one(frame: pd.DataFrame, method: str):
    t = score_lsoas(frame, method)
    assert t.share_of_land.sum() == pytest.approx(1.0)
    assert t.share_of_residents.sum() == pytest.approx(1.0)
    if t.crimes.sum() > 0:
        assert t.share_of_crime.sum() == pytest.approx(1.0)
        assert t.share_of_harm.sum() == pytest.approx(1.0)
        lorenz, gini = concentration(t)
        assert lorenz.groupby("measure").cumulative_share.last().tolist() == pytest.approx([1, 1])
        assert 0 <= gini["crimes"] < 1
    assert sorted(t.vulnerability_rank) == list(range(1, len(t) + 1))


@given(lsoa_frames(), st.sampled_from(sorted(METHODS)), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(frame: pd.DataFrame, method: str, rnd):
    order = list(range(len(frame)))
    rnd.shuffle(order)
    pd.testing.assert_frame_equal(
        score_lsoas(frame, method), score_lsoas(frame.iloc[order].reset_index(drop=True), method)
    )


# On a real warehouse: crime rows in any order, and one crime more.


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Scope]:
    ws = init_workspace(tmp_path_factory.mktemp("props") / "ws", "E06000020")
    con = ws.connect()
    for i, code in enumerate(CODES):
        square = shapely.box(-2.5 + 0.01 * i, 52.68, -2.49 + 0.01 * i, 52.69)
        con.execute(
            "INSERT INTO lsoa (lsoa_code, vintage, lad_code, area_km2, geometry) "
            "VALUES (?, 2021, 'E06000020', ?, ?)",
            [code, 1.0 + i % 3, shapely.to_wkb(square)],
        )
        con.execute("INSERT INTO population VALUES (?, 2021, 2021, ?, 't')", [code, 800 + 150 * i])
    scope = make_scope(con, ws.settings, "2025-01..2025-03")
    yield con, scope
    con.close()


crime_rows = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(sorted(TYPES)), st.integers(1, 3)),
    min_size=1,
    max_size=60,
)


def _load(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int]]) -> None:
    con.execute("DELETE FROM crime")
    frame = pd.DataFrame(
        {
            "lsoa": [r[0] for r in rows],
            "crime_type": [r[1] for r in rows],
            "month": [f"2025-0{r[2]}-01" for r in rows],
        }
    )
    con.register("_rows", frame)
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, placed_by, ingest_id, line) "
        "SELECT month::DATE, 'west-mercia', crime_type, lsoa, 'code', 1, 0 FROM _rows"
    )
    con.unregister("_rows")


@settings(max_examples=30, deadline=None)
@given(crime_rows, st.randoms(use_true_random=False))
def test_crime_row_order_does_not_matter(warehouse, rows, rnd):
    con, scope = warehouse
    _load(con, rows)
    before = lsoa_table(con, scope)
    rnd.shuffle(rows)
    _load(con, rows)
    pd.testing.assert_frame_equal(before, lsoa_table(con, scope))


@settings(max_examples=30, deadline=None)
@given(crime_rows, st.sampled_from(CODES), st.sampled_from(sorted(TYPES)))
def test_adding_a_crime_never_lowers_its_rank(warehouse, rows, code, crime_type):
    con, scope = warehouse

    def ranks(method: str) -> tuple[int, int]:
        t = lsoa_table(con, scope, method).set_index("lsoa_code")
        crime_rank = int((t.crimes > t.crimes[code]).sum()) + 1
        return crime_rank, int(t.vulnerability_rank[code])

    _load(con, rows)
    before = {m: ranks(m) for m in ("raw", "density")}
    _load(con, [*rows, (code, crime_type, 2)])
    after = {m: ranks(m) for m in ("raw", "density")}
    for m in before:
        assert after[m][0] <= before[m][0]  # crime count rank
        assert after[m][1] <= before[m][1]  # vulnerability rank (unsmoothed methods)
    t = lsoa_table(con, scope).set_index("lsoa_code")
    assert t.crimes[code] == sum(r[0] == code for r in rows) + 1
    assert np.isfinite(t.vulnerability).all()
