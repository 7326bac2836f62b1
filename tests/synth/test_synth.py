"""Determinism, synthetic marking, partner consistency, the CLI and the self-contained demo."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from saferplaces.synth import SynthResult, generate
from tests.conftest import run_cli
from tests.synth.conftest import SEED


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_files_other_seed_differs(borough: SynthResult, tmp_path: Path) -> None:
    again = generate("telford-2019-20", SEED, tmp_path / "again")
    first, second = _digests(borough.out), _digests(again.out)
    assert set(first) == set(second)
    differing = {k for k in first if first[k] != second[k]}
    # only the summary (which names nothing seed-dependent but the same) may differ: none do
    assert differing == set()
    other = generate("telford-2019-20", SEED + 1, tmp_path / "other")
    assert (
        _digests(other.out)["extract-synthetic/involvements.csv"]
        != first["extract-synthetic/involvements.csv"]
    )


def test_every_file_is_marked_synthetic(out: Path) -> None:
    files = [p.relative_to(out) for p in out.rglob("*") if p.is_file()]
    assert len(files) == 24 + 12 + 4 + 3 + 2  # history and period months, extract, partners
    assert all("synthetic" in str(f).lower() for f in files), files
    toml = (out / "extract-synthetic" / "extract.toml").read_text()
    assert "synthetic = true" in toml and "SYNTHETIC DATA" in toml
    assert "SYNTHETIC DATA" in (out / "SYNTHETIC-README.md").read_text()


def test_marac_victims_are_da_victims(out: Path) -> None:
    con = duckdb.connect()
    ex, pa = out / "extract-synthetic", out / "partner-synthetic"
    missing = con.execute(
        f"SELECT count(*) FROM read_csv('{pa}/synthetic-marac.csv') m WHERE m.person_id NOT IN ("
        f"SELECT i.person_id FROM read_csv('{ex}/involvements.csv') i JOIN "
        f"read_csv('{ex}/offences.csv') o USING (offence_id) "
        "WHERE i.role = 'victim' AND o.markers LIKE '%DA%')"
    ).fetchone()
    assert missing == (0,)
    linked = pd.read_csv(pa / "synthetic-da_service.csv").person_id.dropna()
    people = set(pd.read_csv(ex / "people.csv").person_id)
    assert len(linked) > 0 and set(linked) <= people


def test_ce_cohort_overlaps_police_victims_only_partly(out: Path) -> None:
    ex = out / "extract-synthetic"
    inv = pd.read_csv(ex / "involvements.csv")
    off = pd.read_csv(ex / "offences.csv", usecols=["offence_id", "markers"])
    ce_records = off[off.markers.fillna("").str.contains("CSE|CCE")].offence_id
    victims = set(inv[inv.offence_id.isin(ce_records) & (inv.role == "victim")].person_id)
    cohort = set(pd.read_csv(out / "partner-synthetic" / "synthetic-ce_cohort.csv").person_id)
    both = cohort & victims
    assert 0 < len(both) < min(len(cohort), len(victims))
    assert len(both) == round(101 * 0.3)


def test_synth_cli(tmp_path: Path) -> None:
    r = run_cli(
        "synth", "--profile", "telford-2019-20", "--seed", "7", "--out", str(tmp_path / "s")
    )
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC DATA" in r.stdout + r.stderr
    assert "13,667 offences" in r.stdout + r.stderr
    assert "history 2017-11..2019-10 (data.police.uk files only)" in r.stdout + r.stderr
    assert (
        len(list((tmp_path / "s" / "police-uk-synthetic").rglob("*-west-mercia-street.csv"))) == 36
    )
    none = run_cli("synth", "--profile", "telford-2019-20", "--history", "0",
                   "--out", str(tmp_path / "none"))  # fmt: skip
    assert none.returncode == 0, none.stderr
    assert "history" not in none.stdout
    assert len(list((tmp_path / "none" / "police-uk-synthetic").rglob("*.csv"))) == 12
    bad = run_cli("synth", "--profile", "nowhere", "--out", str(tmp_path / "x"))
    assert bad.returncode != 0
    assert "no bundled synthetic profile 'nowhere'" in bad.stdout + bad.stderr


def test_demo_needs_no_shared_data(tmp_path: Path) -> None:
    empty = tmp_path / "empty-shared"
    empty.mkdir()
    r = run_cli("demo", str(tmp_path / "ws"), env={"SAFERPLACES_SHARED_DATA": str(empty)})
    assert r.returncode == 0, r.stdout + r.stderr
    text = r.stdout + r.stderr
    assert "SYNTHETIC DATA" in text and "Demo workspace:" in text
    con = duckdb.connect(str(tmp_path / "ws" / "warehouse.duckdb"), read_only=True)
    assert con.execute(
        "SELECT count(*), bool_and(synthetic) FROM crime WHERE month >= DATE '2019-11-01'"
    ).fetchone() == (13667, True)
    history = con.execute(
        "SELECT count(DISTINCT month), min(month)::VARCHAR, bool_and(synthetic) FROM crime "
        "WHERE month < DATE '2019-11-01'"
    ).fetchone()
    assert history == (24, "2017-11-01", True)
    assert con.execute("SELECT count(*), bool_and(synthetic) FROM offence").fetchone() == (
        15811,
        True,
    )
    con.close()
    # The 24 months before the period give trends its seasonal model; the first lockdown is
    # the one significant fall at area level, and nothing before it is flagged
    out = tmp_path / "trends"
    r = run_cli("trends", "-w", str(tmp_path / "ws"), "--level", "area", "--format", "csv",
                "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    table = pd.read_csv(out / "trends_table.csv", parse_dates=["month"])
    assert set(table.method.dropna()) <= {"glm-poisson", "glm-negbin"}
    all_crime = table[table.crime_type == "All crime"].set_index("month")
    april = all_crime.loc["2020-04-01"]
    assert april.direction == "fall" and april.q_value < 1e-6
    assert 0.5 < april.observed / april.expected < 0.62  # the profile's shock: 55% of expected
    assert (all_crime.loc[:"2020-03-01"].q_value > 0.05).all()


@pytest.mark.shared
def test_demo_real_adds_the_real_files_and_puts_synthetic_crime_where_they_do(
    shared_data: Path, tmp_path: Path
) -> None:
    r = run_cli("demo", str(tmp_path / "ws"), "--real",
                env={"SAFERPLACES_SHARED_DATA": str(shared_data)})  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Crime per LSOA follows the real street files in" in r.stdout + r.stderr
    con = duckdb.connect(str(tmp_path / "ws" / "warehouse.duckdb"), read_only=True)
    got = dict(
        con.execute(
            "SELECT synthetic, count(*) FROM crime WHERE synthetic AND month >= DATE '2019-11-01' "
            "OR NOT synthetic GROUP BY 1"
        ).fetchall()
    )
    assert got[True] == 13667  # the profile's total, wherever the backbone puts it
    assert got[False] > 80_000  # the real West Mercia year (its street crimes, not ASB)
    assert con.execute("SELECT count(*) FROM offence").fetchone() == (15811,)


_KEYS = {
    "offences.csv": ("offence", "ingest_id", ["offence_id"]),
    "people.csv": ("person", "people_ingest_id", ["person_id"]),
    "involvements.csv": (
        "involvement",
        "involvements_ingest_id",
        ["offence_id", "person_id", "role"],
    ),
}


def _check_lines(con: duckdb.DuckDBPyConnection) -> int:
    """Every row the views show is on its line of its extract's file; the rows checked."""
    import csv

    checked = 0
    for folder, *ids in con.execute(
        "SELECT folder, ingest_id, people_ingest_id, involvements_ingest_id FROM extract "
        "WHERE status = 'loaded'"
    ).fetchall():
        for (name, (view, _, cols)), ingest_id in zip(_KEYS.items(), ids, strict=True):
            with (Path(folder) / name).open(newline="", encoding="utf-8") as fh:
                at = {
                    line: tuple(r[c] for c in cols) for line, r in enumerate(csv.DictReader(fh), 2)
                }
            got = con.execute(
                f"SELECT line, {', '.join(cols)} FROM {view} WHERE ingest_id = ?", [ingest_id]
            ).fetchall()
            wrong = [(r[0], r[1:]) for r in got if at.get(r[0]) != r[1:]]
            assert not wrong, (folder, name, len(wrong), wrong[:3])
            checked += len(got)
    return checked


def test_ingested_extract_rows_know_their_lines(tmp_path: Path, monkeypatch) -> None:
    """Every loaded extract row carries its own line in its file, for files of many chunks.

    DuckDB reads a file in parallel; a check written as an IN list of five or more values
    becomes a join, which reordered the staged rows so that loaded rows got other rows' lines
    (see saferplaces.sources.police_uk._member). Lines are numbered from row ids in the
    ingest's second transaction: when a checkpoint between its two transactions compacts rows
    an earlier revision deleted, moving row ids, every row must still get its own line.
    """
    from saferplaces.warehouse import extract_ingest as ei
    from saferplaces.warehouse.extract_ingest import ingest_extract
    from saferplaces.workspace import init_workspace

    # Four times the borough (63,244 offences): the size at which the IN-list join reordered.
    first = generate("telford-2019-20", SEED, tmp_path / "out", scale=4).out / "extract-synthetic"
    ws = init_workspace(tmp_path / "ws", "E06000020")
    report = ingest_extract(ws, first)
    assert not report.failed
    con = ws.connect(read_only=True)
    shown = {view: con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
             for view, _, _ in _KEYS.values()}  # fmt: skip
    assert min(shown.values()) > 60_000, shown  # many of DuckDB's 2,048-row chunks
    assert _check_lines(con) > 180_000
    con.close()

    # Two revisions, every file's rows in reverse order, loaded on one connection with a
    # checkpoint between each ingest's transactions: the second's compacts the rows the first
    # revision deleted (every row of the first extract), moving row ids down before numbering
    offences = pd.read_csv(first / "offences.csv", dtype=str, keep_default_na=False)
    involvements = pd.read_csv(first / "involvements.csv", dtype=str, keep_default_na=False)
    people = pd.read_csv(first / "people.csv", dtype=str, keep_default_na=False)
    settle = ei._settle_extract
    spans = []  # extract_offence's row id span before and after each checkpoint

    def checkpoint_then_settle(con: duckdb.DuckDBPyConnection, *args, **kwargs):  # type: ignore[no-untyped-def]
        span = "SELECT max(rowid) + 1 FROM extract_offence"
        con.commit()
        before = con.execute(span).fetchone()[0]
        con.execute("FORCE CHECKPOINT")
        spans.append((before, con.execute(span).fetchone()[0]))
        con.begin()
        return settle(con, *args, **kwargs)

    monkeypatch.setattr(ei, "_settle_extract", checkpoint_then_settle)
    con = ws.connect()
    con.execute("SET wal_autocheckpoint = '1GB'")  # no checkpoint but those of the hook
    for name, first_month, last_month in (
        ("r1", "2019-11", "2020-10"),
        ("r2", "2020-03", "2020-06"),
    ):
        folder = tmp_path / name
        folder.mkdir()
        off = offences[offences.recorded_date.str[:7].between(first_month, last_month)]
        inv = involvements[involvements.offence_id.isin(off.offence_id)]
        for frame, file in ((off, "offences.csv"), (people, "people.csv"),
                            (inv, "involvements.csv")):  # fmt: skip
            frame.iloc[::-1].to_csv(folder / file, index=False)
        (folder / "extract.toml").write_text(
            f'format = "saferplaces-extract-v1"\nextract_id = "{name}"\nforce = "west-mercia"\n'
            f'period = "{first_month}..{last_month}"\nsynthetic = true\n'
        )
        report = ei.load_extract(con, folder)
        assert not report.failed
    assert spans[1][1] < spans[1][0], spans  # row ids did move
    # r1 took every month of the first, r2 four of r1's
    extracts = con.execute("SELECT extract_id, status FROM extract ORDER BY ingest_id").fetchall()
    first_id = f"synthetic-telford-2019-20-x4-seed-{SEED}"
    assert extracts == [(first_id, "superseded"), ("r1", "loaded"), ("r2", "loaded")]
    # the revisions' months replaced the first's, with the same offences and involvements
    assert con.execute("SELECT count(*) FROM offence").fetchone()[0] == shown["offence"]
    assert con.execute("SELECT count(*) FROM involvement").fetchone()[0] == shown["involvement"]
    assert _check_lines(con) > 180_000
    con.close()


@pytest.mark.shared
def test_backbone_places_crime_where_the_real_files_do(shared_data: Path, tmp_path: Path) -> None:
    """--backbone: crime per LSOA follows the real West Mercia street files' counts.

    Against the same profile without a backbone (residents and density), the generated counts
    track the real ones much more closely.
    """
    backbone = shared_data / "crime" / "west-mercia"
    with_bb = generate("telford-2019-20", SEED, tmp_path / "bb", backbone=backbone)
    without = generate("telford-2019-20", SEED, tmp_path / "proxy")
    assert with_bb.summary["backbone"] == str(backbone)
    con = duckdb.connect()
    real = con.execute(
        'SELECT "LSOA code" AS lsoa, count(*)::DOUBLE AS real FROM read_csv(?, all_varchar = '
        'true) WHERE "Crime type" <> \'Anti-social behaviour\' AND "LSOA name" LIKE '
        "'Telford and Wrekin%' GROUP BY 1",
        [[str(p) for p in sorted(backbone.glob("*street.csv"))]],
    ).df()

    def correlation(result: SynthResult) -> float:
        got = con.execute(
            "SELECT lsoa_code AS lsoa, count(*)::DOUBLE AS got FROM read_csv(?, all_varchar = "
            "true) GROUP BY 1",
            [str(result.extract / "offences.csv")],
        ).df()
        both = real.merge(got, on="lsoa")  # LSOAs whose code is in both vintages
        assert len(both) > 100
        return float(np.corrcoef(both.real, both.got)[0, 1])

    r_bb, r_proxy = correlation(with_bb), correlation(without)
    assert r_bb > 0.9, r_bb
    assert r_bb > r_proxy + 0.2, (r_bb, r_proxy)


def test_backbone_without_street_files_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = run_cli(
        "synth",
        "--profile",
        "telford-2019-20",
        "--backbone",
        str(tmp_path / "empty"),
        "--out",
        str(tmp_path / "s"),
    )
    assert r.returncode == 1
    assert "no data.police.uk street files (*street.csv) under" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
