"""places_for_all scores every area exactly as lsoa_table scores one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.batch import BATCH_COLUMNS, places_for_all
from saferplaces.analysis.places import lsoa_table
from saferplaces.periods import Period


@pytest.mark.shared
def test_batch_equals_single_area_table(shared_data: Path, tmp_path: Path):
    from saferplaces.demo import build_demo

    ws = build_demo(tmp_path / "ws", shared_data)
    with ws.connect(read_only=True) as con:
        batch = places_for_all(con, 2021, Period.parse("2025"))
        single = lsoa_table(con, make_scope(con, ws.settings, "2025"))
    assert list(batch.columns) == list(BATCH_COLUMNS)
    assert batch.lad_code.unique().tolist() == ["E06000020"]
    assert len(batch) == 115 and batch.crimes.sum() == 15_388
    pd.testing.assert_frame_equal(batch.drop(columns="lad_code"), single)
    assert batch.attrs["harm_scheme"] == "harm (illustrative-category-v1, illustrative weights)"
