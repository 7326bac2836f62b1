"""The months before the calibrated period (profile ``history``): data.police.uk street records
only, at the period's level without its shocks, a year back ``annual_change`` lower, with
Poisson noise; the period's own files are the same with or without them.

Figures are computed with DuckDB from the generated CSV files, not from the generator's frames.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.synth import SynthResult, generate, load_profile
from tests.synth.conftest import SEED

PROFILE = load_profile("telford-2019-20")
HISTORY = PROFILE["history"]


@pytest.fixture(scope="module")
def street(borough: SynthResult) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW street AS SELECT * FROM read_csv('{borough.police_uk}/*/*.csv', "
        "all_varchar=true)"
    )
    return con


def _crimes(con: duckdb.DuckDBPyConnection, first: str, last: str, where: str = "true") -> int:
    row = con.execute(
        "SELECT count(*) FROM street WHERE \"Crime type\" <> 'Anti-social behaviour' "
        f"AND Month BETWEEN ? AND ? AND {where}",
        [first, last],
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_history_months_are_in_the_street_files_only(borough: SynthResult, street) -> None:
    months = [
        m for (m,) in street.execute("SELECT DISTINCT Month FROM street ORDER BY 1").fetchall()
    ]
    assert len(months) == HISTORY["months"] + 12
    assert (months[0], months[23], months[24]) == ("2017-11", "2019-10", "2019-11")
    dates = street.execute(
        f"SELECT min(recorded_date), max(recorded_date) FROM "
        f"read_csv('{borough.extract}/offences.csv')"
    ).fetchone()
    assert dates is not None and str(dates[0]) >= "2019-11-01" and str(dates[1]) <= "2020-10-31"
    s = borough.summary
    assert s["history_period"] == "2017-11..2019-10"
    assert s["history_crimes"] == _crimes(street, "2017-11", "2019-10")
    assert "history 2017-11..2019-10" in "\n".join(borough.describe())


def test_history_level_and_annual_change(street) -> None:
    crime = PROFILE["crime"]
    season = {m: float(v) for m, v in crime["seasonality"].items()}
    shocks = {m: float(v) for m, v in crime["shocks"].items()}
    period = [f"{m:%Y-%m}" for m in PROFILE.period.month_starts()]
    level = crime["offences"] / sum(season[m[5:]] * shocks.get(m, 1.0) for m in period)
    year = level * sum(season.values())  # a year at the period's level, without its shocks
    change = 1 + HISTORY["annual_change"]
    y1 = _crimes(street, "2018-11", "2019-10")
    y2 = _crimes(street, "2017-11", "2018-10")
    # Poisson counts: within four standard deviations of what the profile asks for
    for got, want in ((y1, year / change), (y2, year / change**2)):
        assert abs(got - want) < 4 * np.sqrt(want), (got, want)
    ratio_sd = change * np.sqrt(1 / y1 + 1 / y2)
    assert abs(y1 / y2 - change) < 4 * ratio_sd, y1 / y2
    # each history month follows the seasonality; no shock is carried back a year
    april, march = _crimes(street, "2019-04", "2019-04"), _crimes(street, "2019-03", "2019-03")
    assert april > 0.8 * march


def test_history_keeps_the_period_mix_and_places(street) -> None:
    violence = "\"Crime type\" = 'Violence and sexual offences'"
    share = {
        span: _crimes(street, *span, violence) / _crimes(street, *span)
        for span in (("2017-11", "2019-10"), ("2019-11", "2020-10"))
    }
    assert abs(share["2017-11", "2019-10"] - share["2019-11", "2020-10"]) < 0.015, share
    for loc in PROFILE["localities"].values():
        inside = '"LSOA code" IN (' + ", ".join(f"'{c}'" for c in loc["lsoas"]) + ")"
        history = _crimes(street, "2017-11", "2019-10", inside) / _crimes(
            street, "2017-11", "2019-10"
        )
        assert abs(history - loc["crimes"] / PROFILE["crime"]["offences"]) < 0.01


def test_period_files_do_not_depend_on_history(borough: SynthResult, tmp_path: Path) -> None:
    bare = generate("telford-2019-20", SEED, tmp_path / "bare", history=0)
    assert bare.summary["history_months"] == 0 and bare.summary["history_crimes"] == 0
    files = sorted(p.relative_to(bare.out) for p in bare.out.rglob("*.csv"))
    assert len(files) == 12 + 3 + 3

    def digest(root: Path, f: Path) -> str:
        return hashlib.sha256((root / f).read_bytes()).hexdigest()

    assert [digest(bare.out, f) for f in files] == [digest(borough.out, f) for f in files]


def test_negative_history_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SaferplacesError, match="history must be 0 or more months"):
        generate("telford-2019-20", SEED, tmp_path / "x", history=-1)
