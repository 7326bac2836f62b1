"""``saferplaces da`` and ``saferplaces ce`` on the hand-made DA/CE workspace: tables, files,
one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from saferplaces.workspace import Workspace
from tests.analysis.test_domestic_abuse import PERIOD, load_da_ce
from tests.conftest import run_cli as run


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    return load_da_ce(workspace)


def test_da_prints_sentences_and_tables(ws: Workspace):
    r = run("da", "-w", str(ws.root), "--period", PERIOD, "--marac-period", "2020")
    assert r.returncode == 0, r.stderr
    assert "4 domestic abuse offences and 2 crimed incidents (40.0% of all offences)" in r.stdout
    assert "4 victims; 1 were victims of more than one offence (mean 2.0 among them)" in r.stdout
    assert "MARAC 2020-01..2020-12: 4 referrals, 2 repeats, 6 children" in r.stdout
    assert "population by sex and age is not loaded" in r.stdout
    for title in ("Chart 2", "Chart 3", "Chart 4", "Chart 5", "Chart 6"):
        assert title in r.stdout


def test_da_writes_every_format(ws: Workspace, tmp_path: Path):
    names = ["ages", "distribution", "factors", "marac", "monthly", "repeats", "service",
             "summary"]  # fmt: skip
    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / fmt
        r = run("da", "-w", str(ws.root), "--period", PERIOD, "--adult-female-population",
                "1000", "--marac-period", "2020", "--format", fmt, "--out", str(out))  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in out.iterdir()) == [f"da_{n}.{fmt}" for n in names]
    summary = pd.read_parquet(tmp_path / "parquet" / "da_summary.parquet")
    assert (summary.victims[0], summary.marac_cases_per_10000_women[0]) == (4, 40.0)
    monthly = json.loads((tmp_path / "json" / "da_monthly.json").read_text())
    assert [m["harm"] for m in monthly] == [40.0, 6.0, 20.0]


def test_ce_prints_and_writes(ws: Workspace, tmp_path: Path):
    r = run("ce", "-w", str(ws.root), "--period", PERIOD, "--cohort-period", "2020")
    assert r.returncode == 0, r.stderr
    assert "4 offences and incidents with a CSE or CCE marker (40.0% of all crime)" in r.stdout
    assert "Age of CSE suspects (Chart 8)" in r.stdout and "Chart 7" in r.stdout
    assert "4 children supported, 2 of them police-recorded CE victims" in r.stdout
    out = tmp_path / "out"
    r = run("ce", "-w", str(ws.root), "--period", PERIOD, "--format", "csv", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ages = pd.read_csv(out / "ce_suspect_ages.csv")
    assert ages[ages.type == "CSE"].suspects.tolist() == [1, 1, 0, 1, 0, 0, 0, 1]
    assert sorted(p.name for p in out.iterdir()) == [
        f"ce_{n}.csv" for n in ("cohort_gender", "summary", "suspect_ages", "victim_ages",
                                "victims")
    ]  # fmt: skip


def test_bad_input_is_one_line(ws: Workspace):
    for args, message in (
        (("da", "--period", "2020-13"), "period '2020-13' is not a month"),
        (("da", "--period", PERIOD, "--marac-period", "soon"), "soon"),
        (("ce", "--period", PERIOD, "--cohort-period", "x"), "'x'"),
    ):
        r = run(*args, "-w", str(ws.root))
        assert r.returncode == 1, r.stdout
        assert message in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
