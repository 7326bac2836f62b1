"""The command line: help for every command, docs for every command, errors as one line."""

from __future__ import annotations

from pathlib import Path

import typer.main

from saferplaces.cli import app
from tests.conftest import FIXTURES, REPO
from tests.conftest import run_cli as run

PUK = FIXTURES / "police_uk"


def _commands(group, prefix=("saferplaces",)):
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        yield path, cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)


def test_every_command_has_help_and_is_in_the_docs():
    docs = (REPO / "docs" / "cli.md").read_text()
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) >= 11
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
        assert f"## `{' '.join(path)}`" in docs, f"{' '.join(path)} is missing from docs/cli.md"


def test_init_ingest_status_quarantine_end_to_end(tmp_path: Path):
    ws = tmp_path / "tw"
    r = run("init", str(ws), "--area", "Telford and Wrekin")
    assert r.returncode == 0, r.stderr
    assert "Telford and Wrekin (E06000020)" in r.stdout
    assert (ws / "saferplaces.toml").is_file() and (ws / "warehouse.duckdb").is_file()

    r = run("ingest", "police-uk", str(PUK / "2024-03"), "-w", str(ws))
    assert r.returncode == 0, r.stderr
    assert "Rows: 23 read = 10 loaded + 13 quarantined." in r.stdout

    r = run("status", "-w", str(ws), "--format", "json")
    assert r.returncode == 0, r.stderr
    import json

    st = json.loads(r.stdout)
    police = {k: st["tables"][k] for k in ("crime", "asb", "outcome", "stop_search", "quarantine")}
    assert police == {"crime": 5, "asb": 1, "outcome": 2, "stop_search": 2, "quarantine": 13}
    assert st["tables"]["offence"] == 0 and st["synthetic"] == {}
    assert {q["reason"]: q["rows"] for q in st["quarantine"]}["month_format"] == 1

    r = run("quarantine", "show", "-w", str(ws), "--reason", "crime_type", "--format", "json")
    rows = json.loads(r.stdout)
    assert [(x["line"], x["reason"]) for x in rows] == [(12, "crime_type")]


def test_bad_file_gives_one_line_and_nonzero_exit(tmp_path: Path):
    ws = tmp_path / "tw"
    run("init", str(ws), "--area", "E06000020")
    r = run("ingest", "police-uk", str(PUK / "bad" / "2024-05-test-force-street.csv"),
            str(PUK / "2024-03" / "2024-03-test-force-street.csv"), "-w", str(ws))  # fmt: skip
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "is not UTF-8 text" in errors[0]
    assert "1 loaded" in r.stdout  # the rest of the batch still loaded


def test_no_workspace_is_a_clear_error(tmp_path: Path):
    r = run("status", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "no saferplaces workspace in" in r.stderr and "saferplaces init" in r.stderr


def test_unknown_area_is_a_clear_error(tmp_path: Path):
    r = run("init", str(tmp_path / "x"), "--area", "Narnia")
    assert r.returncode == 1
    assert "no local authority in England and Wales has the code or name 'Narnia'" in r.stderr


def test_every_quarantine_reason_is_documented():
    from saferplaces.sources.police_uk import CHECKS

    docs = (REPO / "docs" / "data-formats.md").read_text()
    for checks in CHECKS.values():
        for code, _, _ in checks:
            assert f"`{code}`" in docs, code


def test_environment_overrides_are_not_saved(tmp_path: Path, monkeypatch):
    from saferplaces.workspace import init_workspace, open_workspace

    ws = init_workspace(tmp_path / "w", "E06000020")
    monkeypatch.setenv("SAFERPLACES_GEOGRAPHY__VINTAGE", "2011")
    opened = open_workspace(ws.root)
    assert opened.settings.geography.vintage == 2011  # the override applies to this run
    opened.save_settings()
    monkeypatch.delenv("SAFERPLACES_GEOGRAPHY__VINTAGE")
    assert open_workspace(ws.root).settings.geography.vintage == 2021  # and is not written


def test_read_only_commands_work_on_a_warehouse_from_an_earlier_version(tmp_path: Path):
    import duckdb

    run("init", str(tmp_path / "w"), "--area", "E06000020")
    con = duckdb.connect(str(tmp_path / "w" / "warehouse.duckdb"))
    con.execute("DROP TABLE partner_marac")  # as if made before partner data existed
    con.close()
    r = run("status", "-w", str(tmp_path / "w"), "--format", "json")
    assert r.returncode == 0, r.stderr
    import json

    assert json.loads(r.stdout)["tables"]["partner_marac"] == 0
