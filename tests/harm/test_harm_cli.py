"""`saferplaces harm import | list | show` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES
from tests.conftest import run_cli as run

HARM = FIXTURES / "harm"


def test_import_list_show(tmp_path: Path):
    ws = tmp_path / "tw"
    assert run("init", str(ws), "--area", "E06000020").returncode == 0

    r = run(
        "harm", "import", str(HARM / "codes-small.csv"), "--name", "test-codes",
        "--status", "user", "--version", "7", "-w", str(ws),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0] == (
        "Imported test-codes v7: 7 weights by offence_code, status user. "
        "Figures will be labelled: harm (test-codes v7)"
    )

    r = run("harm", "list", "-w", str(ws), "--format", "json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [(s["name"], s["version"], s["source"], s["weights"]) for s in listed] == [
        ("illustrative-category-v1", "1", "bundled", 16),
        ("test-codes", "7", "imported", 7),
    ]
    assert listed[0]["imported_at"] is None

    r = run("harm", "list", "-w", str(ws))
    assert r.returncode == 0, r.stderr
    assert "harm (illustrative-category-v1, illustrative weights)" in r.stdout

    r = run(
        "harm", "show", "test-codes", "--force", "west-mercia", "--exclude-missing",
        "-w", str(ws), "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["name"] == "test-codes-derived-west-mercia"
    assert shown["label"] == "harm (test-codes-derived-west-mercia v7)"
    assert shown["weights"]["Shoplifting"] == 1.5
    assert shown["coverage"]["Shoplifting"] == 1.0

    r = run("harm", "show", "test-codes", "-w", str(ws))
    assert r.returncode == 0, r.stderr
    assert "harm (test-codes v7)" in r.stdout and "1/4.1/4.10/4.2" in r.stdout


def test_show_bundled_without_a_workspace(tmp_path: Path):
    r = run("harm", "show", "illustrative-category-v1", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["status"] == "illustrative"
    assert shown["label"] == "harm (illustrative-category-v1, illustrative weights)"
    assert shown["weights"]["Robbery"] == 40.0


def test_errors_are_one_line(tmp_path: Path):
    ws = tmp_path / "tw"
    assert run("init", str(ws), "--area", "E06000020").returncode == 0
    bad = tmp_path / "weights.csv"
    bad.write_text("offence_code,weight\n28E,10\n28E,11\n")
    r = run("harm", "import", str(bad), "--name", "x", "--status", "user", "-w", str(ws))
    assert r.returncode == 1
    assert r.stderr.strip() == (
        "error: weights.csv line 3: '28E' already has a weight on line 2; give each offence "
        "code once (delete one of the two lines)"
    )
    r = run(
        "harm", "import", str(HARM / "codes-small.csv"), "--name", "ons-css-mine",
        "--status", "user", "-w", str(ws),
    )  # fmt: skip
    assert r.returncode == 1
    assert "reserved for the official ONS Crime Severity Score weights" in r.stderr
    r = run("harm", "show", "nope", "-w", str(ws))
    assert r.returncode == 1
    assert r.stderr.startswith("error: no harm scheme 'nope'; available: illustrative-category-v1")
