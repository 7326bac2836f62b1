"""The strategy document: lossless round trip, and errors that name the path and the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.partnership import services as sv
from saferplaces.partnership.document import validate
from saferplaces.partnership.yaml_io import DocumentError, load_yaml

BUNDLED = sv.BUNDLED_STRATEGIES / "telford-and-wrekin-2021-24.yaml"


def test_bundled_round_trip_is_lossless(sessions: sessionmaker[Session], tmp_path: Path):
    with sessions() as s, s.begin():
        sv.import_strategy(s, BUNDLED)
    with sessions() as s:
        exported = sv.export_strategy(s)
    assert yaml.safe_load(exported) == yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    # and the export imports back to the same export
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    with sessions() as s, s.begin():
        assert sv.import_strategy(s, path).version == 2
    with sessions() as s:
        assert yaml.safe_load(sv.export_strategy(s)) == yaml.safe_load(exported)


def test_round_trip_keeps_actions_progress_and_kpi_values(
    sessions: sessionmaker[Session], tmp_path: Path
):
    with sessions() as s, s.begin():
        sv.import_strategy(s, BUNDLED)
        a = sv.add_action(
            s, "Perpetrator programme", objective="domestic-abuse/1", owner="Probation Service",
            lead="Head of service", due=dt.date(2022, 3, 31), rag="amber", ref="DA1.1",
        )  # fmt: skip
        sv.add_progress(s, a.id, "Provider chosen", date=dt.date(2021, 10, 1), author="jo")
        sv.add_action(s, "Lighting audit", locality="Arleston", status="in_progress")
        sv.record_kpi_value(s, "borough-crimes", "2021-11..2022-10", 14002, "warehouse run 3")
    with sessions() as s:
        first = yaml.safe_load(sv.export_strategy(s))
    da = next(p for p in first["priorities"] if p["key"] == "domestic-abuse")
    assert da["objectives"][0]["actions"] == [
        {
            "ref": "DA1.1",
            "title": "Perpetrator programme",
            "owner": "Probation Service",
            "lead": "Head of service",
            "due": dt.date(2022, 3, 31),
            "rag": "amber",
            "progress": [{"date": dt.date(2021, 10, 1), "author": "jo", "text": "Provider chosen"}],
        }
    ]
    path = tmp_path / "s.yaml"
    with sessions() as s:
        path.write_text(sv.export_strategy(s), encoding="utf-8")
    with sessions() as s, s.begin():
        sv.import_strategy(s, path)
    with sessions() as s:
        assert yaml.safe_load(sv.export_strategy(s)) == first


BASE = BUNDLED.read_text(encoding="utf-8")


def _error(text: str) -> str:
    with pytest.raises(DocumentError) as e:
        validate(load_yaml(text, "strategy.yaml"))
    return str(e.value)


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth]


def test_unknown_group_names_the_path_line_and_known_groups():
    text = BASE.replace(
        "        text: To embed learning from Domestic Homicide Reviews (DHR's)",
        "        text: To embed learning from Domestic Homicide Reviews (DHR's)\n"
        "        group: DA Sub-Group",
    )
    line = _line_of(text, "group: DA Sub-Group")
    assert _error(text) == (
        f"strategy.yaml line {line}: priorities[2].objectives[5].group: unknown group "
        "'DA Sub-Group'; known groups: Building Safer Stronger Communities Board; Child "
        "Exploitation Sub Group; Domestic Abuse Sub Group; Safeguarding Adult Board; "
        "Safeguarding Children Board; Safer Telford and Wrekin Partnership; Telford and Wrekin "
        "Safeguarding Partnership"
    )


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "    type: probation\n",
            "    type: prison\n",
            "type: prison",
            "organisations[4].type: 'prison' is not one of police, local_authority",
        ),
        (
            "      - number: 4\n        text: To increase",
            "      - number: four\n        text: To increase",
            "number: four",
            "priorities[2].objectives[3].number: expected a whole number, got text 'four'",
        ),
        (
            "    start: 2021-04-01\n    end: 2024-03-31",
            "    start: 2021-04-01\n    end: 31/03/2024",
            "end: 31/03/2024",
            "strategy.period.end: expected a date YYYY-MM-DD, got text '31/03/2024'",
        ),
        (
            "  - key: monitoring\n",
            "  - key: monitoring\n    owner: Safer Telford and Wrekin Partnership\n",
            "owner: Safer Telford",
            "priorities[3].owner: unknown key 'owner'; expected one of key, name, kind, group",
        ),
        (
            "      - funder: West Mercia Police and Crime Commissioner\n",
            "      - funder: West Mercia PCC\n",
            "funder: West Mercia PCC",
            "programmes[0].funding[1].funder: unknown organisation 'West Mercia PCC'",
        ),
        (
            "    objective: domestic-abuse/2\n",
            "    objective: domestic-abuse/7\n",
            "objective: domestic-abuse/7",
            "kpis[7].objective: unknown objective 'domestic-abuse/7'",
        ),
        (
            "        aligns_with:\n          - domestic-abuse\n",
            "        aligns_with:\n          - domestic-violence\n",
            "- domestic-violence",
            "alignment[0].priorities[1].aligns_with[0]: unknown priority 'domestic-violence'",
        ),
        (
            "  - key: monitoring\n",
            "  - key: localities  # again\n",
            "# again",
            "priorities[3].key: 'localities' is given twice",
        ),
    ],
)
def test_invalid_documents_give_path_and_line(old: str, new: str, needle: str, message: str):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    error = _error(text)
    line = _line_of(text, needle)
    assert error.startswith(f"strategy.yaml line {line}: {message}"), error


def test_missing_required_key_points_at_its_record():
    text = BASE.replace(
        "  vision: To work together to create a safe and confident Telford and Wrekin\n", ""
    )
    assert (
        _error(text)
        == f"strategy.yaml line {_line_of(text, 'strategy:')}: strategy: vision is required"
    )


def test_yaml_syntax_error_and_duplicate_key_have_lines():
    with pytest.raises(DocumentError, match=r"^s.yaml line 3: not valid YAML"):
        load_yaml("strategy:\n  name: x\n\tvision: y\n", "s.yaml")
    with pytest.raises(DocumentError, match=r"^s.yaml line 3: strategy.name: given twice"):
        load_yaml("strategy:\n  name: x\n  name: y\n", "s.yaml")
    with pytest.raises(DocumentError, match=r"^s.yaml line 1: expected a mapping of strategy"):
        validate(load_yaml("- just a list\n", "s.yaml"))


def test_bundled_strategy_encodes_the_seed():
    doc = validate(load_yaml(BASE, BUNDLED.name))
    orgs = {o["name"]: o["responsible_authority"] for o in doc["organisations"]}
    assert sum(orgs.values()) == 5 and len(orgs) == 7
    assert not orgs["West Mercia Police and Crime Commissioner"]
    groups = {g["name"]: g for g in doc["groups"]}
    assert groups["Domestic Abuse Sub Group"]["reports_to"] == ["Safeguarding Adult Board"]
    assert groups["Child Exploitation Sub Group"]["reports_to"] == ["Safeguarding Children Board"]
    p = {x["key"]: x for x in doc["priorities"]}
    assert [len(p[k]["objectives"]) for k in p] == [5, 6, 6, 0]
    assert p["domestic-abuse"]["objectives"][5]["text"] == (
        "To embed learning from Domestic Homicide Reviews (DHR's)"
    )
    assert p["localities"]["localities"] == [
        "Sutton Hill, Brookside and Woodside", "Dawley and Malinslee", "Arleston"
    ]  # fmt: skip
    money = {pr["key"]: sum(f["amount"] for f in pr["funding"]) for pr in doc["programmes"]}
    assert money == {
        "safer-communities": 1_500_000, "voluntary-sector": 1_000_000, "cctv": 550_000,
        "brookside-safer-streets": 550_000,
    }  # fmt: skip
    assert doc["programmes"][0]["localities_planned"] == 12
    assert [len(plan["priorities"]) for plan in doc["alignment"]] == [4, 4, 5, 7, 3, 3]
