"""``saferplaces places`` and ``saferplaces locality`` on the hand-built grid: tables, files,
one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from saferplaces.workspace import Workspace
from tests.analysis.test_places import LABEL, PERIOD, A, D, grid  # noqa: F401 (fixture)
from tests.conftest import run_cli as run


def test_places_prints_tables_and_statements(grid: Workspace):  # noqa: F811
    r = run("places", "-w", str(grid.root), "--period", PERIOD, "--high-share", "0.5")
    assert r.returncode == 0, r.stderr
    assert "Top 6 of 6 LSOAs by vulnerability (eb:" in r.stdout
    assert LABEL in r.stdout
    assert "50% of LSOAs (3 of 6) hold" not in r.stdout  # default shares: 5%, 10%, 20%
    assert "17% of LSOAs (1 of 6) hold 41% of crime" in r.stdout
    assert "Woodside and Brookside" in r.stdout and "Candidate priority localities" in r.stdout


def test_places_writes_every_format(grid: Workspace, tmp_path: Path):  # noqa: F811
    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / fmt
        r = run("places", "-w", str(grid.root), "--period", PERIOD, "--method", "raw",
                "--localities", "1", "--format", fmt, "--out", str(out))  # fmt: skip
        assert r.returncode == 0, r.stderr
        names = sorted(p.name for p in out.iterdir())
        assert names == [
            f"places_{n}.{fmt}" for n in ("candidates", "concentration", "lorenz", "lsoas")
        ]
    lsoas = pd.read_parquet(tmp_path / "parquet" / "places_lsoas.parquet")
    assert lsoas.lsoa_code[0] == A and lsoas.crimes.sum() == 160
    candidates = json.loads((tmp_path / "json" / "places_candidates.json").read_text())
    assert [c["harm_scheme"] for c in candidates] == [LABEL]


def test_locality_prints_and_writes(grid: Workspace, tmp_path: Path):  # noqa: F811
    r = run("locality", "West", "-w", str(grid.root), "--period", PERIOD)
    assert r.returncode == 0, r.stderr
    assert "West forms 42% of the land and 31% of the residents of Telford and Wrekin" in r.stdout
    assert "Crime peaked in February 2025 (n = 70)" in r.stdout
    r = run("locality", "West", "-w", str(grid.root), "--period", PERIOD, "--format", "csv",
            "--out", str(tmp_path))  # fmt: skip
    assert r.returncode == 0, r.stderr
    summary = pd.read_csv(tmp_path / "locality_summary.csv")
    assert (summary.crimes[0], summary.harm_scheme[0]) == (115, LABEL)
    assert summary.lsoas[0] == len({A, D})


def test_bad_input_is_one_line(grid: Workspace):  # noqa: F811
    for args, message in (
        (("locality", "Nowhere"), "no locality 'Nowhere' in saferplaces.toml"),
        (("places", "--period", "2025-13"), "period '2025-13' is not a month"),
        (("places", "--scheme", "no-such-scheme"), "no-such-scheme"),
    ):
        r = run(*args, "-w", str(grid.root))
        assert r.returncode == 1, r.stdout
        assert "Traceback" not in r.stderr
        errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], r.stderr
    r = run("places", "--method", "best", "-w", str(grid.root))
    assert r.returncode == 2 and "best" in r.stderr
