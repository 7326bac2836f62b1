"""Places on the real West Mercia 2025 files: figures equal independent DuckDB queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.locality import locality_profile
from saferplaces.analysis.places import places
from saferplaces.harm import category_weights_for
from saferplaces.workspace import Workspace

pytestmark = pytest.mark.shared

# Independent of the placement machinery: data.police.uk's own LSOA name for each record.
IN_TW = "lsoa_name LIKE 'Telford and Wrekin %'"


@pytest.fixture(scope="module")
def demo(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from saferplaces.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("places") / "ws", shared_data)


def test_totals_categories_and_top_lsoas_equal_independent_queries(demo: Workspace):
    with demo.connect(read_only=True) as con:
        scope = make_scope(con, demo.settings)
        result = places(con, scope, top_share=0.1)
        profile = locality_profile(con, scope, "Arleston", settings=demo.settings)
        categories = dict(
            con.execute(
                f"SELECT crime_type, count(*) FROM crime WHERE {IN_TW} GROUP BY 1"
            ).fetchall()
        )
        top5 = con.execute(
            f"SELECT lsoa_code, count(*) AS n FROM crime WHERE {IN_TW} "
            "GROUP BY 1 ORDER BY n DESC, lsoa_code LIMIT 5"
        ).fetchall()
        lsoas = con.execute(
            "SELECT count(*) FROM lsoa WHERE vintage = 2021 AND lad_code = 'E06000020'"
        ).fetchone()[0]
        arleston = con.execute(
            f"SELECT count(*) FROM crime c JOIN lsoa_ward w USING (lsoa_code) "
            f"WHERE {IN_TW} AND w.ward_name = 'Arleston & College'"
        ).fetchone()[0]
    weights = category_weights_for(None, "illustrative-category-v1").weights
    t = result.lsoas
    assert result.period == "2025-01..2025-12" and len(t) == lsoas == 115
    assert t.crimes.sum() == sum(categories.values()) == 15_388
    assert t.harm.sum() == pytest.approx(sum(n * weights[k] for k, n in categories.items()))
    by_rest = profile.categories.set_index("crime_type")
    assert (by_rest.locality_crimes + by_rest.rest_crimes).to_dict() == categories
    assert profile.summary.crimes[0] == arleston == 955
    by_crimes = t.sort_values(["crimes", "lsoa_code"], ascending=[False, True]).head(5)
    assert list(zip(by_crimes.lsoa_code, by_crimes.crimes, strict=True)) == top5
    assert top5[0] == ("E01014157", 1102)  # Telford town centre (Overdale & The Rock)
    assert t.share_of_crime.sum() == pytest.approx(1.0)
    assert t.imd_decile.notna().all() and t.residents.gt(0).all()

    # Concentration: Gini by the mean-difference formula, written out.
    for measure in ("crimes", "harm"):
        x = t[measure].to_numpy(dtype=float)
        g = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
        assert result.concentration.set_index("measure").gini[measure].iloc[0] == pytest.approx(g)
    ten = result.concentration.query("measure == 'harm' and lsoas == 12")
    assert ten.statement.iloc[0] == (
        "10% of LSOAs (12 of 115) hold 29% of harm (illustrative-category-v1, illustrative weights)"
    )

    # Candidates: disjoint clusters of the top 12 LSOAs, most harm first.
    c = result.candidates
    members = [code for codes in c.lsoa_codes for code in codes.split(",")]
    assert len(members) == len(set(members)) == c.lsoas.sum()
    assert set(members) <= set(t.lsoa_code[t.vulnerability_rank <= 12])
    assert c.harm.is_monotonic_decreasing and len(c) == 3
    assert "Madeley & Sutton Hill" in c.name[0]
