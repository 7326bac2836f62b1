"""Pseudonymisation: keyed, deterministic, blank stays blank, keys kept out of workspaces."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.pseudonymise import pseudonym, pseudonymise_csv
from tests.conftest import FIXTURES
from tests.conftest import run_cli as run

KEY = "a3f1" * 16  # 64 bytes of text, as secrets.token_hex(32) prints


def _key(tmp_path: Path, text: str = KEY, name: str = "key.txt") -> Path:
    d = tmp_path / "keys"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text + "\n")
    return d / name


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8")))


def test_pseudonym_is_truncated_hmac_sha256():
    expected = hmac.new(KEY.encode(), b"AB123", hashlib.sha256).hexdigest()[:32]
    assert pseudonym(KEY.encode(), " AB123 ") == expected
    assert pseudonym(KEY.encode(), "  ") == ""


def test_columns_replaced_others_kept_and_same_key_links(tmp_path: Path):
    src = tmp_path / "marac.csv"
    src.write_text("case_id,referral_date,person_id,children_in_household\n"
                   "M1,2020-01-10,P1,2\nM2,2020-02-11,,0\nM3,2020-02-20,P1,\n")  # fmt: skip
    key = _key(tmp_path)
    out = tmp_path / "out.csv"
    result = pseudonymise_csv(src, out, ["person_id", "case_id"], key)
    assert (result.rows, result.values) == (3, 5)
    rows = _rows(out)
    assert rows[0] == ["case_id", "referral_date", "person_id", "children_in_household"]
    p1 = pseudonym(KEY.encode(), "P1")
    assert [r[2] for r in rows[1:]] == [p1, "", p1]  # blank stays blank; same id, same pseudonym
    assert [r[1] for r in rows[1:]] == ["2020-01-10", "2020-02-11", "2020-02-20"]
    assert all(len(r[0]) == 32 for r in rows[1:])
    # another agency with the same key: the same pseudonym; another key: a different one
    other = tmp_path / "other.csv"
    other.write_text("person_id\nP1\n")
    pseudonymise_csv(other, tmp_path / "o1.csv", ["person_id"], key)
    assert _rows(tmp_path / "o1.csv")[1] == [p1]
    pseudonymise_csv(other, tmp_path / "o2.csv", ["person_id"], _key(tmp_path, "b" * 64, "k2"))
    assert _rows(tmp_path / "o2.csv")[1] != [p1]


def test_key_inside_a_workspace_or_too_short_is_refused(tmp_path: Path, workspace):
    src = FIXTURES / "partner" / "marac.csv"
    inside = workspace.root / "key.txt"
    inside.write_text(KEY)
    with pytest.raises(SaferplacesError, match="is inside the workspace"):
        pseudonymise_csv(src, tmp_path / "o.csv", ["person_id"], inside)
    outside = _key(tmp_path)
    with pytest.raises(SaferplacesError, match="is inside the workspace"):
        pseudonymise_csv(src, tmp_path / "o.csv", ["person_id"], outside, workspace=tmp_path)
    with pytest.raises(SaferplacesError, match="holds 31 bytes; a key needs at least 32"):
        pseudonymise_csv(src, tmp_path / "o.csv", ["person_id"], _key(tmp_path, "x" * 31, "s"))
    with pytest.raises(SaferplacesError, match="not found"):
        pseudonymise_csv(src, tmp_path / "o.csv", ["person_id"], tmp_path / "nope")
    with pytest.raises(SaferplacesError, match="has no column victim"):
        pseudonymise_csv(src, tmp_path / "o.csv", ["victim"], outside)
    assert not (tmp_path / "o.csv").exists()


def test_cli_pseudonymise_then_ingest_extract_and_partner(tmp_path: Path):
    ws = tmp_path / "tw"
    assert run("init", str(ws), "--area", "E06000020").returncode == 0
    (ws / "saferplaces.toml").write_text(
        (ws / "saferplaces.toml").read_text() + '\n[markers.test-force]\nDV = "DA"\n'
    )
    key = _key(tmp_path)
    out = tmp_path / "marac-pseudo.csv"
    r = run("pseudonymise", "--key-file", str(key), "--columns", "person_id,case_id",
            str(FIXTURES / "partner" / "marac.csv"), str(out), "-w", str(ws))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "9 rows, 16 identifiers in person_id, case_id pseudonymised" in r.stdout

    r = run("pseudonymise", "--key-file", str(ws / "saferplaces.toml"), "--columns", "person_id",
            str(out), str(tmp_path / "x.csv"))  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "is inside the workspace" in r.stderr

    r = run("ingest", "extract", str(FIXTURES / "extract" / "2020q1"), "-w", str(ws))
    assert r.returncode == 0, r.stderr
    assert "Rows: 56 read = 16 loaded + 40 quarantined." in r.stdout
    r = run("ingest", "partner", "marac", str(out), "-w", str(ws), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["totals"]["rows_loaded"] == 3

    bad = tmp_path / "da.csv"
    bad.write_bytes(b"date,channel\n2020-01-01,helpline\n2020-01-02,caf\xe9\n")
    r = run("ingest", "partner", "da_service", str(bad), "-w", str(ws))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "is not UTF-8 text (byte 0xE9 on line 3)" in errors[0]
    r = run("quarantine", "show", "-w", str(ws), "--reason", "marker_unknown", "--format", "json")
    assert [(x["line"], x["reason"]) for x in json.loads(r.stdout)] == [(26, "marker_unknown")]
