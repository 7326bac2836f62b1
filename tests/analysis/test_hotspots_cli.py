"""``saferplaces hotspots`` on the synthetic grid of test_hotspots (labelled synthetic)."""

from __future__ import annotations

import json

from saferplaces.workspace import Workspace
from tests.analysis.test_hotspots import CODES, grid  # noqa: F401  (fixture)
from tests.conftest import run_cli


def test_hotspots_prints_hot_spots(grid: Workspace):  # noqa: F811
    r = run_cli("hotspots", "-w", str(grid.root), "--period", "2025", "--permutations", "199")
    assert r.returncode == 0, r.stderr
    assert "Gi* on crimes, 2025-01..2025-12" in r.stdout
    assert "Emerging hot and cold spots" in r.stdout


def test_hotspots_writes_json_with_density(grid: Workspace, tmp_path):  # noqa: F811
    out = tmp_path / "h"
    r = run_cli(
        "hotspots",
        "-w",
        str(grid.root),
        "--period",
        "2025",
        "--measure",
        "harm",
        "--permutations",
        "99",
        "--seed",
        "1",
        "--no-emerging",
        "--cell-size",
        "500",
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    lsoas = json.loads((out / "hotspots_lsoas.json").read_text())
    assert {row["lsoa_code"] for row in lsoas} == set(CODES)
    assert (out / "hotspots_density.json").is_file()
    assert not (out / "hotspots_emerging.json").exists()
