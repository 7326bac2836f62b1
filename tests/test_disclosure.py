"""Disclosure control: suppression, the interval attack, and the independent checker.

The feasible intervals are checked against a brute-force enumeration of every whole-number
table consistent with what is published, written here without the package's relations.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from saferplaces.disclosure import (
    SUPPRESSED,
    DisclosureError,
    Relation,
    feasible_intervals,
    infer_relations,
    people_columns,
    suppress,
)
from saferplaces.disclosure_check import check_disclosure
from tests.conftest import run_cli

COLS = ["female_victims", "male_victims", "unknown_victims", "total_victims"]


def victims() -> pd.DataFrame:
    """Victims by area and sex, with a total column and a total row (North/female is 3)."""
    return pd.DataFrame(
        {
            "area": ["North", "South", "East", "Total"],
            "female_victims": [3, 18, 12, 33],
            "male_victims": [25, 30, 16, 71],
            "unknown_victims": [14, 22, 40, 76],
            "total_victims": [42, 70, 68, 180],
        }
    )


def brute_force(shown: pd.DataFrame) -> dict[tuple[int, str], tuple[int, int]]:
    """Every whole-number filling of the suppressed cells of a 4x4 table with totals that
    makes every row and column add up; the min and max of each cell over them."""
    grid = shown[COLS].to_numpy(dtype=object)
    unknown = [(r, c) for r in range(4) for c in range(4) if grid[r, c] == SUPPRESSED]
    # Counts are non-negative, so a cell is at most any published total it is part of.
    grand = 180 if grid[3, 3] == SUPPRESSED else int(grid[3, 3])
    bounds = [
        min([grand] + [int(t) for t in (grid[r, 3], grid[3, c]) if t != SUPPRESSED])
        for r, c in unknown
    ]
    axes = np.ix_(*[np.arange(b + 1) for b in bounds])
    ok = np.ones([b + 1 for b in bounds], dtype=bool)

    def value(r: int, c: int):
        if (r, c) in unknown:
            return axes[unknown.index((r, c))]
        return int(grid[r, c])

    for r in range(4):  # each row's cells add up to its total
        ok &= (value(r, 0) + value(r, 1) + value(r, 2)) == value(r, 3)
    for c in range(4):  # each column's cells add up to its total
        ok &= (value(0, c) + value(1, c) + value(2, c)) == value(3, c)
    where = np.nonzero(ok)
    return {
        (r, COLS[c]): (int(where[i].min()), int(where[i].max())) for i, (r, c) in enumerate(unknown)
    }


def test_people_columns_and_relations():
    t = victims()
    assert people_columns(t) == COLS
    assert people_columns(pd.DataFrame(columns=["crimes", "share_of_victims", "harm"])) == []
    rels = infer_relations("v", t, COLS)
    # 4 column totals (the total row) and 4 row totals (the total column)
    assert len(rels) == 8
    assert rels[0] == Relation(
        ("v", 3, "female_victims"), tuple(("v", i, "female_victims") for i in range(3))
    )
    row_total = ("v", 3, "total_victims")
    assert rels[-1] == Relation(row_total, tuple(("v", 3, c) for c in COLS[:3]))


def test_primary_and_secondary_suppression_3x3_with_totals():
    s = suppress({"v": victims()})
    shown = s.tables["v"]
    # North/female (3) is primary; a rectangle of three complements protects it: the smallest
    # cells of at least 10 in its column and row, and the cell closing the rectangle.
    assert s.cells[["row", "column", "value", "reason"]].to_dict("records") == [
        {"row": 0, "column": "female_victims", "value": 3.0, "reason": "primary"},
        {"row": 2, "column": "female_victims", "value": 12.0, "reason": "secondary"},
        {"row": 0, "column": "unknown_victims", "value": 14.0, "reason": "secondary"},
        {"row": 2, "column": "unknown_victims", "value": 40.0, "reason": "secondary"},
    ]
    assert shown.loc[0, "female_victims"] == SUPPRESSED
    assert shown.loc[3, "total_victims"] == 180  # totals stay published
    # Schema of the cells frame
    assert list(s.cells.columns) == ["table", "row", "column", "label", "value", "reason",
                                     "protects", "lower", "upper", "width"]  # fmt: skip
    assert s.cells.protects.iloc[1] == "tables/v.csv row 1 (North), column female_victims"
    # Every interval is the brute-force one, and at least the protection range (10) wide
    brute = brute_force(shown)
    got = {(int(r.row), r.column): (r.lower, r.upper) for r in s.cells.itertuples()}
    assert (
        got
        == brute
        == {
            (0, "female_victims"): (0, 15),
            (0, "unknown_victims"): (2, 17),
            (2, "female_victims"): (0, 15),
            (2, "unknown_victims"): (37, 52),
        }
    )
    assert (s.cells.width >= s.protection).all() and s.protection == 10


def test_threshold_protection_and_zeros():
    t = victims()
    t.loc[1, "male_victims"], t.loc[1, "total_victims"] = 0, 40
    t.loc[3, "male_victims"], t.loc[3, "total_victims"] = 41, 150
    # zeros are published by default, suppressed on request
    assert (1, "male_victims") not in suppress({"v": t}).suppressed("v")
    assert (1, "male_victims") in suppress({"v": t}, suppress_zeros=True).suppressed("v")
    # a threshold of 3 leaves North/female (3) published: nothing is suppressed
    assert suppress({"v": t}, threshold=3).cells.empty
    # a wider protection range needs wider intervals
    wide = suppress({"v": victims()}, protection=20)
    assert (wide.cells.width >= 20).all()
    assert len(wide.cells) > 4


def test_feasible_intervals_unbounded_and_inconsistent():
    rel = [Relation(("t", 2, "n"), (("t", 0, "n"), ("t", 1, "n")))]
    iv = feasible_intervals(
        [("t", 0, "n"), ("t", 9, "n")], rel, {("t", 2, "n"): 12, ("t", 1, "n"): 5}
    )
    assert iv[["lower", "upper"]].values.tolist() == [[7.0, 7.0], [0.0, float("inf")]]
    with pytest.raises(DisclosureError, match="no non-negative solution"):
        feasible_intervals([("t", 0, "n")], rel, {("t", 2, "n"): 4, ("t", 1, "n"): 5})


def _publish(folder: Path, tables: dict[str, pd.DataFrame], declaration: dict | None) -> Path:
    (folder / "tables").mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / "tables" / f"{name}.csv", index=False)
    if declaration is not None:
        (folder / "tables" / "relations.json").write_text(json.dumps(declaration))
    return folder


def _unknown_by_area(values: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {"area": ["North", "South", "East", "Total"], "unknown_sex_victims": values}
    )


# Table b repeats table v's unknown-sex column: b's cell r equals v's cell (r, unknown_victims).
CROSS = [
    Relation(("b", r, "unknown_sex_victims"), (("v", r, "unknown_victims"),)) for r in range(4)
]


def test_checker_passes_a_protected_table(tmp_path):
    s = suppress({"v": victims()})
    folder = _publish(tmp_path / "pub", s.tables, s.declaration())
    result = check_disclosure(folder)
    assert result.ok, result.violations
    assert (result.tables, result.suppressed, result.narrowest) == (1, 4, 15.0)


def test_checker_catches_a_differencing_leak(tmp_path):
    # Planted leak: another table publishes North's unknown-sex victims (14). With North's
    # total (42) and male victims (25), North/female is 42 - 25 - 14 = 3 again.
    s = suppress({"v": victims()})
    leak = {"v": s.tables["v"], "b": _unknown_by_area([14, 22, 40, 76])}
    declaration = s.declaration() | {"relations": [r.to_json() for r in CROSS]}
    folder = _publish(tmp_path / "leak", leak, declaration)
    result = check_disclosure(folder)
    assert not result.ok
    assert result.violations[0] == (
        "tables/v.csv row 1 (North), column female_victims: suppressed, but the published "
        "totals give it back within [3, 3] (width 0, protection range 10)"
    )
    cli = run_cli("check-disclosure", str(folder))
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "tables/v.csv row 1 (North), column female_victims" in cli.stdout
    assert len(cli.stdout.strip().splitlines()) == len(result.violations)
    # Suppressing both tables together, with the relation declared, closes the leak
    both = suppress({"v": victims(), "b": _unknown_by_area([14, 22, 40, 76])}, relations=CROSS)
    fixed = _publish(tmp_path / "fixed", both.tables, both.declaration())
    assert check_disclosure(fixed).ok
    assert both.suppressed("b") == {(0, "unknown_sex_victims"), (2, "unknown_sex_victims")}
    ok = run_cli("check-disclosure", str(fixed))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 violation(s)" in ok.stdout


def test_checker_catches_small_counts_in_csv_and_html(tmp_path):
    folder = _publish(tmp_path / "small", {"v": victims()}, None)
    html = (
        '<table id="table-v"><thead><tr><th>area</th><th>female victims</th></tr></thead>'
        "<tbody><tr><td>North</td><td>4</td></tr></tbody></table>"
    )
    (folder / "assessment.html").write_text(html)
    result = check_disclosure(folder)
    assert result.violations == (
        "tables/v.csv row 1 (North), column female_victims: 3 is under the threshold 10 and is "
        "not suppressed",
        "assessment.html table v row 1, column female_victims: 4 is under the threshold 10 and "
        "is not suppressed",
    )
    # the checker's threshold can be raised, never lowered below the declared one
    assert len(check_disclosure(folder, threshold=15).violations) == 4


def test_checker_rejects_point_level_columns(tmp_path):
    points = pd.DataFrame({"crime_id": ["a"], "longitude": [-2.5], "latitude": [52.7]})
    result = check_disclosure(_publish(tmp_path / "pts", {"points": points}, None))
    assert result.violations == (
        "tables/points.csv: column crime_id is point- or person-level",
        "tables/points.csv: column longitude is point- or person-level",
        "tables/points.csv: column latitude is point- or person-level",
    )
