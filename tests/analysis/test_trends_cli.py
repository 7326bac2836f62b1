"""``saferplaces trends`` on the synthetic borough of test_trends (labelled synthetic)."""

from __future__ import annotations

import pandas as pd

from saferplaces.workspace import Workspace
from tests.analysis.test_trends import borough  # noqa: F401  (fixture)
from tests.conftest import run_cli


def test_trends_prints_the_lockdown_fall(borough: Workspace):  # noqa: F811
    r = run_cli("trends", "-w", str(borough.root), "--period", "2020", "--level", "area")
    assert r.returncode == 0, r.stderr
    assert "Emerging issues, 2020-01..2020-12" in r.stdout
    assert "fall" in r.stdout and "48 months 2016-01..2019-12; model" in r.stdout


def test_trends_writes_csv_files(borough: Workspace, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    r = run_cli(
        "trends",
        "-w",
        str(borough.root),
        "--period",
        "2020",
        "--level",
        "area",
        "--level",
        "ward",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    issues = pd.read_csv(out / "trends_issues.csv")
    table = pd.read_csv(out / "trends_table.csv")
    assert set(table.level) == {"area", "ward"}
    assert ((issues.level == "area") & (issues.direction == "fall")).any()


def test_trends_bad_level_is_one_line(borough: Workspace):  # noqa: F811
    r = run_cli("trends", "-w", str(borough.root), "--level", "county")
    assert r.returncode == 2 and "county" in r.stderr
