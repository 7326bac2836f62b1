"""Borough profile on a hand-built warehouse (literal values) and on the real 2025 files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binom

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.profile import (
    CATEGORY_COLUMNS,
    EARLIER_PERIODS,
    MONTHLY_COLUMNS,
    PERIOD_COLUMNS,
    SUMMARY_COLUMNS,
    borough_profile,
    profile_sentences,
)
from saferplaces.workspace import Workspace

SHROPSHIRE = ["E01028874", "E01028875"]  # two Shropshire LSOAs (rest of West Mercia)


def _crimes(con, n, month, crime_type, lsoa, lsoa_name, force="west-mercia"):
    con.execute(
        "INSERT INTO crime (month, force, crime_type, lsoa, lsoa_code, lsoa_name, placed_by, "
        "ingest_id, line) SELECT ?::DATE, ?, ?, ?, ?, ?, ?, 1, range FROM range(?)",
        [month, force, crime_type, lsoa, lsoa, lsoa_name, "code" if lsoa else "outside", n],
    )


@pytest.fixture
def small(workspace: Workspace) -> Workspace:
    """Three Telford LSOAs (4,000 residents), Jan-Mar 2025 and the three months before."""
    con = workspace.connect()
    for code, km2, pop in (
        ("E01014171", 1.0, 1000),
        ("E01014172", 2.0, 2000),
        ("E01014173", 1.0, 1000),
    ):
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
            "VALUES (?, ?, 2021, 'E06000020', ?)",
            [code, f"Telford and Wrekin {code[-3:]}", km2],
        )
        con.execute("INSERT INTO population VALUES (?, 2021, 2021, ?, 'test')", [code, pop])
    for code, pop in zip(SHROPSHIRE, (3000, 2000), strict=True):
        con.execute("INSERT INTO population VALUES (?, 2011, 2019, ?, 'test')", [code, pop])
    for m in ("2024-10-01", "2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01"):
        con.execute("INSERT INTO partition VALUES ('street', 'west-mercia', ?, 1, 'x', 0)", [m])
    _crimes(con, 30, "2025-01-01", "Burglary", "E01014171", "Telford and Wrekin 001A")
    _crimes(con, 20, "2025-02-01", "Shoplifting", "E01014172", "Telford and Wrekin 001B")
    _crimes(con, 10, "2025-02-01", "Robbery", "E01014173", "Telford and Wrekin 001C")
    _crimes(con, 40, "2024-11-01", "Burglary", "E01014171", "Telford and Wrekin 001A")
    _crimes(con, 25, "2025-03-01", "Burglary", None, "Shropshire 001A")  # rest of force
    _crimes(con, 7, "2025-03-01", "Burglary", None, "Birmingham 001A")  # cross-border: neither
    _crimes(con, 3, "2025-03-01", "Drugs", None, None)  # no location: neither
    _crimes(con, 9, "2025-04-01", "Burglary", "E01014171", "Telford and Wrekin 001A")  # after
    con.execute(
        "INSERT INTO asb (month, force, lsoa, placed_by, ingest_id, line) "
        "SELECT '2025-03-01', 'west-mercia', 'E01014172', 'code', 2, range FROM range(5)"
    )
    con.close()
    return workspace


def test_profile_literal_values(small: Workspace):
    with small.connect(read_only=True) as con:
        p = borough_profile(con, make_scope(con, small.settings, "2025-01..2025-03"))
    s = p.summary.iloc[0]
    assert (s.crimes, s.asb, s.residents, s.months) == (60, 5, 4000.0, 3)
    assert s.rate_per_1000 == pytest.approx(15.0)
    assert s.harm == pytest.approx(30 * 20 + 20 * 3 + 10 * 40)
    assert s.harm_per_1000 == pytest.approx(265.0)
    assert s.harm_scheme == "harm (illustrative-category-v1, illustrative weights)"
    assert (s.unweighted_crimes, s.synthetic) == (0, False)
    assert set(p.categories.harm_scheme) == set(p.monthly.harm_scheme) == {s.harm_scheme}
    assert (s.previous_period, s.previous_crimes, s.change) == ("2024-10..2024-12", 40, 20)
    assert s.change_pct == pytest.approx(50.0)
    assert s.change_rate_ratio == pytest.approx(1.5)
    # exact two-sided binomial test of 60 of 100 at one half, summed by hand
    tail = sum(
        binom.pmf(k, 100, 0.5)
        for k in range(101)
        if binom.pmf(k, 100, 0.5) <= binom.pmf(60, 100, 0.5) * (1 + 1e-7)
    )
    assert s.change_p_value == pytest.approx(tail)
    assert not s.change_significant  # p = 0.057
    assert (s.rest_of_force_crimes, s.rest_of_force_residents) == (25, 5000.0)
    assert s.rest_of_force_population_year == 2019  # the latest year held by 2011 LSOA
    assert s.rest_of_force_rate_per_1000 == pytest.approx(5.0)
    assert s.vs_rest_rate_ratio == pytest.approx(3.0)
    assert s.vs_rest_ci_low > 1

    cats = p.categories.set_index("crime_type")
    assert cats.crimes.to_dict() == {"Burglary": 30, "Shoplifting": 20, "Robbery": 10}
    assert cats.loc["Robbery", "harm_share"] == pytest.approx(400 / 1060)
    assert cats.share.sum() == pytest.approx(1.0) and cats.harm_share.sum() == pytest.approx(1.0)
    assert cats.loc["Shoplifting", "rate_per_1000"] == pytest.approx(5.0)

    m = p.monthly
    assert m.month.dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert m.crimes.tolist() == [30, 30, 0] and m.asb.tolist() == [0, 0, 5]
    assert m.harm.tolist() == [600.0, 460.0, 0.0]


def test_schemas_are_pinned(small: Workspace):
    with small.connect(read_only=True) as con:
        p = borough_profile(con, make_scope(con, small.settings, "2025-01..2025-03"))
    for frame, cols in (
        (p.summary, SUMMARY_COLUMNS),
        (p.categories, CATEGORY_COLUMNS),
        (p.monthly, MONTHLY_COLUMNS),
        (p.periods, PERIOD_COLUMNS),
    ):
        assert list(frame.columns) == list(cols)
        assert {c: str(t) for c, t in frame.dtypes.items()} == {
            c: str(pd.Series(dtype=t).dtype) for c, t in cols.items()
        }


def test_periods_go_back_while_every_month_is_held(small: Workspace):
    with small.connect(read_only=True) as con:
        three = borough_profile(con, make_scope(con, small.settings, "2025-01..2025-03")).periods
        two = borough_profile(con, make_scope(con, small.settings, "2025-02..2025-03")).periods
        march = borough_profile(con, make_scope(con, small.settings, "2025-03"))
    one = march.periods
    # 2024-07..2024-09 is not held: the quarters stop at 2024-10..2024-12
    assert three.period.tolist() == ["2024-10..2024-12", "2025-01..2025-03"]
    assert three.crimes.tolist() == [40, 60]
    assert three.rate_per_1000.tolist() == pytest.approx([10.0, 15.0])
    assert three.harm.tolist() == pytest.approx([40 * 20, 30 * 20 + 20 * 3 + 10 * 40])
    assert three.harm_per_1000.tolist() == pytest.approx([200.0, 265.0])
    assert three.start.dt.strftime("%Y-%m").tolist() == ["2024-10", "2025-01"]
    assert three.end.dt.strftime("%Y-%m").tolist() == ["2024-12", "2025-03"]
    # two-month periods: Dec-Jan and Oct-Nov are held, Aug-Sep is not
    assert two.period.tolist() == ["2024-10..2024-11", "2024-12..2025-01", "2025-02..2025-03"]
    assert two.crimes.tolist() == [40, 30, 30]
    # one-month periods: five earlier months are held, the profile looks back four
    assert len(one) == 1 + EARLIER_PERIODS == 5
    assert one.period.tolist()[0] == "2024-11..2024-11"
    assert one.crimes.tolist() == [40, 0, 30, 30, 0]
    assert (
        "Over the 5 periods from 2024-11..2024-11 to 2025-03..2025-03: 10.0 crimes per 1,000 "
        "residents, then 0.0, 7.5, 7.5, 0.0; harm per 1,000 200, then 0, 150, 115, 0"
    ) in " ".join(profile_sentences(march))


def test_change_left_empty_when_previous_period_not_held(small: Workspace):
    with small.connect(read_only=True) as con:
        p = borough_profile(con, make_scope(con, small.settings, "2024-12..2025-02"))
    s = p.summary.iloc[0]
    assert pd.isna(s.previous_crimes) and pd.isna(s.change_p_value)
    assert s.crimes == 60  # 30 in January, 30 in February; 2024-09 is not held
    assert "not computed" in profile_sentences(p)[1]


def test_period_with_months_not_held_is_refused(small: Workspace):
    from saferplaces.errors import SaferplacesError

    with small.connect(read_only=True) as con, pytest.raises(SaferplacesError) as e:
        make_scope(con, small.settings, "2025-02..2025-05")
    assert "2025-04, 2025-05" in str(e.value) and "2024-10 to 2025-03" in str(e.value)


def test_synthetic_rows_and_unweighted_categories_are_reported(small: Workspace):
    con = small.connect()
    con.execute("UPDATE crime SET synthetic = true WHERE crime_type = 'Robbery'")
    _crimes(con, 4, "2025-01-01", "Violent crime", "E01014171", "Telford and Wrekin 001A")
    con.close()
    from saferplaces.harm import HarmScheme
    from saferplaces.harm.store import save_scheme

    con = small.connect()
    save_scheme(
        con,
        HarmScheme(
            name="test-partial", version="1", key="category", status="user",
            provenance="test", description="", weights={"Burglary": 1.0, "Shoplifting": 1.0,
                                                        "Robbery": 1.0},
        ),
    )  # fmt: skip
    p = borough_profile(con, make_scope(con, small.settings, "2025-01..2025-03", "test-partial"))
    con.close()
    s = p.summary.iloc[0]
    assert (s.crimes, s.harm, s.unweighted_crimes, s.synthetic) == (64, 60.0, 4, True)
    sentences = profile_sentences(p)
    assert sentences[0].startswith("SYNTHETIC DATA")
    assert any(x.startswith("4 crimes are in categories harm (test-partial v1)") for x in sentences)


@pytest.mark.shared
def test_real_telford_2025_equals_independent_query(shared_data: Path, tmp_path: Path):
    from saferplaces.demo import build_demo

    ws = build_demo(tmp_path / "ws", shared_data)
    with ws.connect(read_only=True) as con:
        p = borough_profile(con, make_scope(con, ws.settings))
        # independent: Telford and Wrekin by the LSOA name data.police.uk gives each record
        expected = dict(
            con.execute(
                "SELECT crime_type, count(*) FROM crime "
                "WHERE lsoa_name LIKE 'Telford and Wrekin %' GROUP BY 1"
            ).fetchall()
        )
        asb = con.execute(
            "SELECT count(*) FROM asb WHERE lsoa_name LIKE 'Telford and Wrekin %'"
        ).fetchone()[0]
    s = p.summary.iloc[0]
    assert s.period == "2025-01..2025-12"
    assert s.crimes == sum(expected.values()) == 15_388
    # rest of West Mercia: its seven other local authorities, named as the records name them
    rest = (
        "Herefordshire|Shropshire|Bromsgrove|Malvern Hills|Redditch|Worcester|Wychavon|Wyre Forest"
    )
    assert s.rest_of_force_crimes == 67_730
    with ws.connect(read_only=True) as con:
        assert (
            con.execute(
                f"SELECT count(*) FROM crime WHERE lsoa_name SIMILAR TO '({rest}) [0-9]{{3}}[A-Z]'"
            ).fetchone()[0]
            == 67_730
        )
    assert s.asb == asb == 3_000
    assert p.categories.set_index("crime_type").crimes.to_dict() == expected
    assert p.monthly.crimes.sum() == s.crimes
