"""saferplaces strategy and saferplaces plan, end to end on the workspace's SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from saferplaces.partnership.services import BUNDLED_STRATEGIES
from saferplaces.workspace import Workspace
from tests.conftest import run_cli

BUNDLED = BUNDLED_STRATEGIES / "telford-and-wrekin-2021-24.yaml"


def _run(ws: Workspace, *args: str, user: str = "analyst"):
    r = run_cli(*args, "-w", str(ws.root), env={"SAFERPLACES_USER": user})
    return r


def test_strategy_and_plan_end_to_end(workspace: Workspace, tmp_path: Path):
    r = _run(workspace, "strategy", "import", "--bundled", "telford-and-wrekin-2021-24")
    assert r.returncode == 0, r.stderr
    assert "Imported Safer Telford and Wrekin Strategy 2021-24 (version 1)" in r.stdout
    assert "17 objectives" in r.stdout
    # no localities in this workspace's saferplaces.toml: a warning per locality, not an error
    assert r.stderr.count("warning: locality") == 3
    assert (workspace.root / "partnership.db").is_file()

    r = _run(workspace, "strategy", "export", str(tmp_path / "out.yaml"))
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load((tmp_path / "out.yaml").read_text()) == yaml.safe_load(
        BUNDLED.read_text()
    )

    r = _run(
        workspace, "plan", "action", "add", "Commission a perpetrator programme",
        "--objective", "domestic-abuse/1", "--owner", "Telford & Wrekin Council",
        "--due", "2021-12-31", "--rag", "red",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Added action 1" in r.stdout
    r = _run(workspace, "plan", "action", "update", "1", "--lead", "Jo Bloggs", user="bob")
    assert r.returncode == 0, r.stderr
    r = _run(workspace, "plan", "progress", "add", "1", "Tender out", "--date", "2021-09-01",
             "--status", "in_progress", user="jo")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "(2021-09-01, jo)" in r.stdout

    r = _run(workspace, "plan", "dhr", "add", "DHR-01", "--notified", "2021-05-10")
    assert r.returncode == 0, r.stderr
    r = _run(
        workspace, "plan", "dhr", "stage", "DHR-01", "decision_to_hold", "--date", "2021-06-01"
    )
    assert r.returncode == 0, r.stderr
    r = _run(workspace, "plan", "action", "add", "Routine enquiry", "--dhr", "DHR-01",
             "--owner", "NHS Shropshire, Telford & Wrekin CCG", "--due", "2022-01-31")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = _run(workspace, "plan", "actions", "--overdue", "--format", "json")
    assert r.returncode == 0, r.stderr
    overdue = json.loads(r.stdout)
    assert [(a["id"], a["belongs_to"], a["status"]) for a in overdue] == [
        (1, "domestic-abuse/1", "in_progress"), (2, "DHR DHR-01", "not_started")
    ]  # fmt: skip

    r = _run(workspace, "plan", "status", "--format", "json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["by_priority"]["domestic-abuse"]["red"] == 1
    assert [d["status"] for d in st["dhrs"]] == ["decision_to_hold"]
    r = _run(workspace, "plan", "status")
    assert r.returncode == 0, r.stderr
    assert "Overdue actions" in r.stdout and "Commission a perpetrator programme" in r.stdout

    r = _run(workspace, "plan", "dhr", "list", "--format", "json")
    (dhr,) = json.loads(r.stdout)
    assert [s["stage"] for s in dhr["stages"]] == ["notified", "decision_to_hold"]
    assert [r["title"] for r in dhr["recommendations"]] == ["Routine enquiry"]

    r = _run(workspace, "strategy", "show")
    assert r.returncode == 0, r.stderr
    assert "To work together to create a safe and confident Telford and Wrekin" in r.stdout
    assert "also reports to Safeguarding Adult Board" in r.stdout


def test_cli_errors_are_one_line(workspace: Workspace, tmp_path: Path):
    r = _run(workspace, "plan", "status")
    assert r.returncode == 1
    assert "holds no strategy yet" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(BUNDLED.read_text().replace("kind: sub_group", "kind: subgroup", 1))
    r = _run(workspace, "strategy", "import", str(bad))
    assert r.returncode == 1
    assert "bad.yaml line " in r.stderr
    assert "groups[2].kind: 'subgroup' is not one of partnership_board, board, sub_group" in (
        r.stderr.replace("\n", "")
    )
    r = _run(workspace, "plan", "action", "add", "x", "--objective", "da/1", "--due", "2021-31-12")
    assert r.returncode == 1 and "'2021-31-12' is not a date; write it as YYYY-MM-DD" in r.stderr
    r = _run(workspace, "plan", "action", "update", "42", "--rag", "red")
    assert r.returncode == 1 and "no action 42" in r.stderr


def test_kpi_and_render_commands(warehouse: Workspace, tmp_path: Path):
    r = _run(warehouse, "strategy", "import", "--bundled", "telford-and-wrekin-2021-24")
    assert r.returncode == 0, r.stderr
    r = _run(warehouse, "kpi", "refresh", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["periods"] == ["2019-11..2020-10"]
    status = {(row["kpi"], row["status"]) for row in out["rows"]}
    assert ("arleston-share-of-harm", "stored") in status
    assert ("da-repeat-victim-share", "not computed") in status  # no DA records here
    r = _run(warehouse, "kpi", "refresh", "--period", "2019-11..2020-10")
    assert r.returncode == 0, r.stderr
    assert "5 values stored for 2019-11..2020-10" in r.stdout
    r = _run(warehouse, "kpi", "refresh", "--period", "2022")
    assert r.returncode == 1 and "does not hold every month of 2022-01..2022-12" in r.stderr

    r = _run(warehouse, "kpi", "set", "cate-children-supported", "--period", "2021", "--value",
             "120", user="cate")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "cate-children-supported 2021-01..2021-12: 120 (entered by cate)" in r.stdout
    r = _run(warehouse, "kpi", "set", "borough-crimes", "--period", "2021", "--value", "1")
    assert r.returncode == 1 and "computed from the warehouse" in r.stderr
    r = _run(warehouse, "kpi", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = {row["key"]: row for row in json.loads(r.stdout)}
    assert rows["borough-crimes"]["value"] == 80 and rows["borough-crimes"]["rag"] == "green"
    assert rows["cate-children-supported"]["value"] == 120
    r = _run(warehouse, "kpi", "list")
    assert r.returncode == 0 and "exploitation.records" in r.stdout

    r = _run(warehouse, "strategy", "render", "--out", str(tmp_path / "plan"))
    assert r.returncode == 0, r.stderr
    assert "evidence for 2019-11..2020-10" in r.stdout
    html = (tmp_path / "plan" / "partnership-plan.html").read_text(encoding="utf-8")
    assert "illustrative weights" in html and "<svg" in html
