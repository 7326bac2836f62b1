"""Harm schemes: reading CSV and YAML, every validation error with file and line, labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferplaces.errors import SaferplacesError
from saferplaces.harm import HarmScheme, illustrative_category_v1, read_scheme
from saferplaces.sources.police_uk import CRIME_TYPES
from tests.conftest import FIXTURES

HARM = FIXTURES / "harm"


def test_read_csv_by_offence_code():
    s = read_scheme(HARM / "codes-small.csv", name="test-codes", status="user")
    assert s.key == "offence_code"
    assert s.version == "1"
    assert dict(s.weights) == {
        "28E": 10.0,
        "28F": 5.0,
        "30C": 7.0,
        "8N": 20.0,
        "105A": 2.0,
        "1/4.1/4.10/4.2": 5000.0,
        "46": 1.5,
    }
    assert s.provenance == "read from codes-small.csv"
    assert s.label == "harm (test-codes v1)"


def test_read_yaml_by_category_normalises_capitalisation():
    s = read_scheme(HARM / "category-small.yaml")
    assert (s.name, s.version, s.key, s.status) == ("test-categories", "2025.1", "category", "user")
    assert dict(s.weights) == {
        "Burglary": 12.5,
        "Violence and sexual offences": 9.0,
        "Anti-social behaviour": 0.0,
        "Robbery": 30.0,
    }
    assert s.provenance == "written by hand for the saferplaces tests"
    assert s.description == "Four categories."


def test_yaml_keeps_offence_codes_as_text(tmp_path: Path):
    # 4.10 would be the float 4.1 with yaml.safe_load; composing keeps the spelling.
    p = tmp_path / "codes.yaml"
    p.write_text("key: offence_code\nweights:\n  1/4.1/4.10/4.2: 100\n  37.1: 50\n  5d: 1\n")
    s = read_scheme(p, name="codes", status="user", version="3")
    assert dict(s.weights) == {"1/4.1/4.10/4.2": 100.0, "37.1": 50.0, "5D": 1.0}
    assert s.version == "3"


CSV_ERRORS = [
    (
        "offence_code,weight\n28E,10\n999,4\n",
        "bad.csv line 3: '999' is not a known offence code;",
    ),
    (
        "offence_code,weight\n28E,10\n4.1,4\n",
        "bad.csv line 3: '4.1' is not a known offence code; the Home Office publishes it only "
        "as part of the combined code '1/4.1/4.10/4.2'; give one weight for '1/4.1/4.10/4.2'",
    ),
    (
        "category,weight\nBurglary,10\nShoplifting,\n",
        "bad.csv line 3: missing weight for 'Shoplifting'; give a number >= 0",
    ),
    (
        "category,weight\nBurglary,10\n\nShoplifting,-1\n",
        "bad.csv line 4: weight -1 for 'Shoplifting' is negative; weights are numbers >= 0",
    ),
    (
        "category,weight\nBurglary,ten\n",
        "bad.csv line 2: weight 'ten' for 'Burglary' is not a number; give a number >= 0",
    ),
    (
        "category,weight\nBurglary,10\nRobbery,30\nburglary,12\n",
        "bad.csv line 4: 'Burglary' already has a weight on line 2; give each category once",
    ),
    (
        "category,weight\nBurglery,10\n",
        "bad.csv line 2: 'Burglery' is not a known category; did you mean 'Burglary'?",
    ),
    (
        "code;weight\n28E;10\n",
        "bad.csv line 1: the header is code;weight; expected a key column",
    ),
]


@pytest.mark.parametrize(("text", "message"), CSV_ERRORS)
def test_csv_errors_name_file_line_and_fix(tmp_path: Path, text: str, message: str):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(SaferplacesError) as e:
        read_scheme(p, name="bad", status="user")
    assert str(e.value).startswith(message)


def test_csv_reports_every_problem_on_one_line(tmp_path: Path):
    p = tmp_path / "bad.csv"
    p.write_text("category,weight\nBurglary,-1\nRobbery,\nBurglary,3\n")
    with pytest.raises(SaferplacesError) as e:
        read_scheme(p, name="bad", status="user")
    assert str(e.value) == (
        "bad.csv: line 2: weight -1 for 'Burglary' is negative; weights are numbers >= 0; "
        "line 3: missing weight for 'Robbery'; give a number >= 0; "
        "line 4: 'Burglary' already has a weight on line 2; give each category once "
        "(delete one of the two lines)"
    )


YAML_HEAD = "name: bad\nstatus: user\nkey: {key}\nweights:\n"
YAML_ERRORS = [
    ("offence_code", "  28E: 10\n  99X: 4\n", "bad.yaml line 6: '99X' is not a known offence code"),
    ("category", "  Burglary: 10\n  Robbery:\n", "bad.yaml line 6: missing weight for 'Robbery'"),
    ("category", "  Burglary: -0.5\n", "bad.yaml line 5: weight -0.5 for 'Burglary' is negative"),
    (
        "category",
        "  Burglary: 10\n  Robbery: 3\n  Burglary: 11\n",
        "bad.yaml line 7: 'Burglary' already has a weight on line 5",
    ),
    ("category", "  Burglary: [1, 2]\n", "bad.yaml line 5: the weight for 'Burglary' should be"),
    ("colour", "  Burglary: 1\n", "bad.yaml line 3: harm scheme key 'colour' is not one of"),
]


@pytest.mark.parametrize(("key", "body", "message"), YAML_ERRORS)
def test_yaml_errors_name_file_line_and_fix(tmp_path: Path, key: str, body: str, message: str):
    p = tmp_path / "bad.yaml"
    p.write_text(YAML_HEAD.format(key=key) + body)
    with pytest.raises(SaferplacesError) as e:
        read_scheme(p)
    assert str(e.value).startswith(message)


def test_yaml_syntax_error_and_unknown_field(tmp_path: Path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: bad\nweights: {Burglary: 1\n")
    with pytest.raises(SaferplacesError, match=r"^bad\.yaml line 3: not valid YAML"):
        read_scheme(p)
    p.write_text("name: bad\nstatsu: user\n")
    with pytest.raises(SaferplacesError, match=r"^bad\.yaml line 2: unknown field 'statsu'"):
        read_scheme(p)


def test_status_from_option_must_not_contradict_the_file():
    with pytest.raises(SaferplacesError, match="says status 'user' but 'official'"):
        read_scheme(HARM / "category-small.yaml", status="official")


def test_csv_needs_name_and_status():
    with pytest.raises(SaferplacesError, match="give --name and --status"):
        read_scheme(HARM / "codes-small.csv")


def test_labels():
    w = {"Burglary": 1.0}
    official_ons = HarmScheme("ons-css-2024", "2024", "category", "official", "ONS", "", w)
    official_other = HarmScheme("cambridge-chi", "2020", "category", "official", "CEBCP", "", w)
    user = HarmScheme("telford-priorities", "2", "category", "user", "CSP board", "", w)
    illus = HarmScheme("teaching", "1", "category", "illustrative", "made up", "", w)
    derived = HarmScheme(
        "ons-css-2024-derived-west-mercia", "2024", "category", "official", "x", "", w,
        derived_from="ons-css-2024 v2024 weighted by the 2017/18 west-mercia offence mix",
    )  # fmt: skip
    assert official_ons.label == "ONS Crime Severity Score (ons-css-2024 v2024)"
    assert official_other.label == "harm (cambridge-chi v2020)"
    assert user.label == "harm (telford-priorities v2)"
    assert illus.label == "harm (teaching v1, illustrative weights)"
    assert (
        derived.label
        == "harm from ONS CSS weights by category (ons-css-2024-derived-west-mercia v2024)"
    )  # noqa: E501
    for s in (official_other, user, illus, derived):
        assert "Crime Severity Score" not in s.label
    assert illustrative_category_v1().label == (
        "harm (illustrative-category-v1, illustrative weights)"
    )


@pytest.mark.parametrize("status", ["user", "illustrative"])
def test_ons_css_names_are_reserved_for_official_weights(status: str):
    with pytest.raises(SaferplacesError, match="reserved for the official ONS Crime Severity"):
        HarmScheme("ons-css-2024", "1", "category", status, "mine", "", {"Burglary": 1.0})  # type: ignore[arg-type]


def test_bundled_scheme_covers_every_category_and_says_illustrative():
    s = illustrative_category_v1()
    assert s.status == "illustrative"
    assert set(s.weights) == set(CRIME_TYPES)
    assert dict(s.weights) == {
        "Anti-social behaviour": 1.0,
        "Bicycle theft": 3.0,
        "Shoplifting": 3.0,
        "Other theft": 4.0,
        "Criminal damage and arson": 6.0,
        "Public order": 6.0,
        "Drugs": 8.0,
        "Theft from the person": 8.0,
        "Vehicle crime": 8.0,
        "Other crime": 10.0,
        "Burglary": 20.0,
        "Possession of weapons": 20.0,
        "Violence and sexual offences": 20.0,
        "Robbery": 40.0,
        "Violent crime": 20.0,
        "Public disorder and weapons": 10.0,
    }
    assert "NOT the ONS Crime Severity Score" in s.provenance
    assert "Crime Severity Score" not in s.label


def test_weights_are_read_only_and_frame_schema_is_fixed():
    s = read_scheme(HARM / "category-small.yaml")
    with pytest.raises(TypeError):
        s.weights["Burglary"] = 1.0  # type: ignore[index]
    f = s.to_frame()
    assert list(f.columns) == ["key_value", "weight"]
    assert [str(t) for t in f.dtypes] == ["object", "float64"]
    assert list(f.key_value) == [
        "Anti-social behaviour",
        "Burglary",
        "Robbery",
        "Violence and sexual offences",
    ]
