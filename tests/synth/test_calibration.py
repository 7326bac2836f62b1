"""The bundled profile reproduces the seed strategy's figures (1 Nov 2019 - 31 Oct 2020).

Every figure is computed here with independent DuckDB queries on the generated CSV files, not
with the generator's own frames. Tolerances are the profile's (and docs/synthetic.md's).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from saferplaces.synth import load_profile

PROFILE = load_profile("telford-2019-20")
TOL = PROFILE["tolerances"]
HO_CODES = Path(__file__).resolve().parents[2] / "src/saferplaces/data/ho_offence_codes.csv"


def close(name: str, got: float, want: float) -> None:
    tol = TOL[name]
    if isinstance(tol, dict):
        assert abs(got - want) <= tol["abs"], f"{name}: {got} vs {want} (abs {tol['abs']})"
    else:
        assert abs(got - want) <= tol * abs(want), f"{name}: {got} vs {want} (rel {tol})"


@pytest.fixture(scope="module")
def db(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ex = out / "extract-synthetic"
    con.execute(f"CREATE VIEW o AS SELECT * FROM read_csv('{ex}/offences.csv', all_varchar=true)")
    con.execute(f"CREATE VIEW p AS SELECT * FROM read_csv('{ex}/people.csv', all_varchar=true)")
    con.execute(
        f"CREATE VIEW i AS SELECT offence_id, person_id, role, "
        f"TRY_CAST(age_at_offence AS INT) AS age FROM read_csv('{ex}/involvements.csv', "
        "all_varchar=true)"
    )
    con.execute(
        "CREATE VIEW om AS SELECT *, list_contains(string_split(coalesce(markers, ''), ';'), 'DA') "
        "AS da, list_contains(string_split(coalesce(markers, ''), ';'), 'CSE') AS cse, "
        "list_contains(string_split(coalesce(markers, ''), ';'), 'CCE') AS cce FROM o"
    )
    # the calibrated period's street records (the files also hold the months before it)
    p = PROFILE.period
    con.execute(
        f"CREATE VIEW street AS SELECT * FROM read_csv('{out}/police-uk-synthetic/*/*.csv', "
        f"all_varchar=true) WHERE Month BETWEEN '{p.start:%Y-%m}' AND '{p.end:%Y-%m}'"
    )
    con.execute(
        f"CREATE VIEW ce AS SELECT * FROM read_csv('{out}/partner-synthetic/"
        "synthetic-ce_cohort.csv', all_varchar=true)"
    )
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> float:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def test_offences_and_violence_shares(db: duckdb.DuckDBPyConnection) -> None:
    n = one(db, "SELECT count(*) FROM o WHERE record_type = 'offence'")
    close("offences", n, 13667)
    assert (
        one(db, "SELECT count(*) FROM street WHERE \"Crime type\" <> 'Anti-social behaviour'") == n
    )
    codes = pd.read_csv(HO_CODES, dtype=str)
    vwi = codes[codes.Offence_Subgroup.isin(["Violence without injury", "Stalking and harassment"])]
    vwinj = codes[codes.Offence_Subgroup.isin(["Violence with injury", "Homicide"])]
    for name, subset, want in (
        ("violence_without_injury_share", vwi, 0.314),
        ("violence_with_injury_share", vwinj, 0.136),
    ):
        db.register("_codes", subset.rename(columns={"Offence_Code": "code"})[["code"]])
        k = one(db, "SELECT count(*) FROM o WHERE offence_code IN (SELECT code FROM _codes)")
        close(name, k / n, want)


def test_domestic_abuse_records(db: duckdb.DuckDBPyConnection) -> None:
    close(
        "da_offences", one(db, "SELECT count(*) FROM om WHERE da AND record_type='offence'"), 3304
    )
    close(
        "da_crimed_incidents",
        one(db, "SELECT count(*) FROM om WHERE da AND record_type='crimed_incident'"),
        2144,
    )


def _per_person(db: duckdb.DuckDBPyConnection, role: str) -> pd.DataFrame:
    # DA records per person: offences counted separately (the seed's repeat figures count offences)
    return db.execute(
        "SELECT person_id, count(*) FILTER (WHERE record_type = 'offence') AS offences, "
        "count(*) AS records FROM i JOIN om USING (offence_id) WHERE om.da AND role = ? "
        "GROUP BY person_id",
        [role],
    ).df()


def test_domestic_abuse_victims(db: duckdb.DuckDBPyConnection) -> None:
    v = _per_person(db, "victim")
    close("da_victims", len(v), 2207)
    repeat = v[v.offences >= 2]
    close("da_repeat_victims", len(repeat), 604)
    close("da_mean_among_repeat_victims", repeat.offences.mean(), 2.7)


def test_domestic_abuse_suspects(db: duckdb.DuckDBPyConnection) -> None:
    s = _per_person(db, "suspect")
    close("da_suspects", len(s), 2118)
    close("da_repeat_suspect_share", (s.offences >= 2).mean(), 0.313)
    close("da_max_suspect", s.offences.max(), 15)


def test_domestic_abuse_ages_and_children(db: duckdb.DuckDBPyConnection) -> None:
    bands = db.execute(
        "SELECT role, CASE WHEN age < 16 THEN 'under 16' WHEN age < 18 THEN '16-17' "
        "WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44' "
        "ELSE '45+' END AS band, count(DISTINCT person_id) AS n "
        "FROM i JOIN om USING (offence_id) WHERE om.da GROUP BY ALL"
    ).df()
    for role in ("victim", "suspect"):
        r = bands[bands.role == role].set_index("band").n
        assert r.idxmax() == "25-34", f"{role}: {r.to_dict()}"
    others = bands[bands.role.isin(["involved_party", "witness"])].groupby("band").n.sum()
    assert others.idxmax() == "under 16", others.to_dict()
    # pairs recur: most repeat victims meet the same suspect every time
    same = one(
        db,
        "WITH pairs AS (SELECT v.person_id AS victim, s.person_id AS suspect, count(*) AS n "
        "FROM i v JOIN i s USING (offence_id) JOIN om USING (offence_id) WHERE om.da "
        "AND v.role = 'victim' AND s.role = 'suspect' GROUP BY ALL) "
        "SELECT avg((n >= 2)::INT) FROM pairs",
    )
    assert same > 0.3


def test_child_exploitation(db: duckdb.DuckDBPyConnection) -> None:
    close("cse_cce_records", one(db, "SELECT count(*) FROM om WHERE cse OR cce"), 142)
    victims = db.execute(
        "SELECT DISTINCT om.cse, om.cce, i.person_id, p.gender, i.age FROM i JOIN om "
        "USING (offence_id) JOIN p USING (person_id) WHERE (om.cse OR om.cce) AND role = 'victim'"
    ).df()
    cse = victims[victims.cse].drop_duplicates("person_id")
    close("cse_victims", len(cse), 69)
    close("cce_victims", victims[victims.cce].person_id.nunique(), 3)
    assert (victims.age < 18).all()
    close("cse_victim_female_share", (cse.gender == "female").mean(), 0.75)
    ages = db.execute(
        "SELECT person_id, min(age) AS age FROM i JOIN om USING (offence_id) "
        "WHERE om.cse AND role = 'suspect' GROUP BY person_id"
    ).df()
    close("cse_suspects", len(ages), 88)
    edges = [0, 18, 30, 40, 50, 60, 70]
    got = pd.cut(ages.age.dropna(), edges, right=False).value_counts(sort=False).tolist()
    assert got == [24, 30, 18, 6, 5, 4]  # Chart 8, exactly
    assert ages.age.isna().sum() == 1  # the seed's 88th suspect, age not given


def test_ce_cohort(db: duckdb.DuckDBPyConnection) -> None:
    n = one(
        db,
        "SELECT count(DISTINCT person_id) FROM ce WHERE start::DATE <= DATE '2020-12-31' "
        'AND ("end" IS NULL OR "end"::DATE >= DATE \'2020-01-01\')',
    )
    close("ce_cohort_children", n, 101)


@pytest.mark.parametrize(
    ("name", "crimes", "share"),
    [
        ("Sutton Hill, Brookside and Woodside", 2356, 0.17),
        ("Dawley and Malinslee", 1040, 0.08),
        ("Arleston", 838, 0.06),
    ],
)
def test_localities(db: duckdb.DuckDBPyConnection, name: str, crimes: int, share: float) -> None:
    lsoas = PROFILE["localities"][name]["lsoas"]
    got = one(
        db,
        "SELECT count(*) FROM street WHERE \"Crime type\" <> 'Anti-social behaviour' "
        'AND "LSOA code" IN (SELECT unnest(?::VARCHAR[]))',
        [lsoas],
    )
    close("locality_crimes", got, crimes)
    total = one(db, "SELECT count(*) FROM street WHERE \"Crime type\" <> 'Anti-social behaviour'")
    assert round(got / total, 2) == share  # the seed's whole-percent shares


def test_april_2020_lockdown_trough(db: duckdb.DuckDBPyConnection) -> None:
    months = db.execute(
        "SELECT Month, count(*) AS n FROM street WHERE \"Crime type\" <> 'Anti-social behaviour' "
        "GROUP BY Month ORDER BY n"
    ).df()
    assert months.Month.iloc[0] == "2020-04"
