"""Offence codes, force offence mixes, and category weights derived from code weights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from saferplaces.errors import SaferplacesError
from saferplaces.harm import (
    HarmScheme,
    derive_category_weights,
    forces,
    offence_codes,
    offence_mix,
)
from saferplaces.sources.police_uk import CRIME_TYPES


def code_scheme(weights: dict[str, float], status: str = "user", name: str = "codes") -> HarmScheme:
    return HarmScheme(name, "1", "offence_code", status, "test weights", "", weights)  # type: ignore[arg-type]


HAND_MIX = pd.DataFrame(
    {
        "offence_code": ["28E", "28F", "30C", "29A", "8N", "105A", "46", "58A"],
        "category": [
            "Burglary",
            "Burglary",
            "Burglary",
            "Burglary",
            "Violence and Sexual Offences",  # Home Office capitalisation
            "Violence and sexual offences",
            "Shoplifting",
            "Criminal damage and arson",
        ],
        "offences": [60, 20, 20, 25, 30, 70, 9, 10],
    }
)
HAND_WEIGHTS = {"28E": 10.0, "28F": 5.0, "30C": 7.0, "8N": 20.0, "105A": 2.0, "46": 1.5}


def test_offence_codes_schema_and_categories():
    codes = offence_codes()
    assert list(codes.columns) == ["code", "description", "group", "subgroup", "category"]
    assert len(codes) == 132
    assert codes.code.is_unique
    assert set(codes.category) <= set(CRIME_TYPES)
    row = codes.set_index("code").loc["28E"]
    assert (row.description, row.group, row.category) == (
        "Burglary Residential",
        "Theft offences",
        "Burglary",
    )
    assert codes.set_index("code").loc["8N", "category"] == "Violence and sexual offences"


def test_offence_mix_schema_and_forces():
    mix = offence_mix("West Mercia Police")
    assert list(mix.columns) == [
        "offence_code",
        "description",
        "category",
        "offences",
        "share_in_category",
    ]
    assert [str(t) for t in mix.dtypes] == ["object", "object", "object", "int64", "float64"]
    assert int(mix.offences.sum()) == 84350
    robbery = mix[mix.category == "Robbery"].set_index("offence_code").offences.to_dict()
    assert robbery == {"34A": 64, "34B": 486}
    assert len(forces()) == 44
    assert {"west-mercia", "city-of-london", "btp", "metropolitan"} <= set(forces())
    assert offence_mix("London, City of").equals(offence_mix("city-of-london"))


def test_unknown_force_lists_close_names():
    with pytest.raises(SaferplacesError) as e:
        offence_mix("West Mercier")
    assert str(e.value) == (
        "no 2017/18 offence mix for force 'West Mercier'; "
        "did you mean west-mercia or west-yorkshire or west-midlands?"
    )


def test_shares_sum_to_one_within_each_category_for_every_force():
    for force in forces():
        mix = offence_mix(force)
        sums = mix.groupby("category").share_in_category.sum()
        assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12, err_msg=force)


def test_derivation_on_a_hand_made_mix():
    scheme = code_scheme(HAND_WEIGHTS)
    with pytest.raises(SaferplacesError) as e:
        derive_category_weights(scheme, "Testshire", mix=HAND_MIX)
    assert str(e.value).startswith(
        "harm scheme codes has no weight for 2 offence codes that testshire recorded "
        "(given offence mix): 29A (25), 58A (10); add weights for them, or exclude them"
    )
    d = derive_category_weights(scheme, "Testshire", missing="exclude", mix=HAND_MIX)
    # By hand: Burglary (60*10 + 20*5 + 20*7) / 100 = 8.4 (29A excluded: 100 of 125 covered);
    # violence (30*20 + 70*2) / 100 = 7.4; shoplifting 1.5; criminal damage: nothing covered.
    assert d.weights == {
        "Burglary": pytest.approx(8.4),
        "Shoplifting": 1.5,
        "Violence and sexual offences": pytest.approx(7.4),
    }
    assert d.coverage == {
        "Burglary": 0.8,
        "Criminal damage and arson": 0.0,
        "Shoplifting": 1.0,
        "Violence and sexual offences": 1.0,
    }
    assert d.name == "codes-derived-testshire"
    assert d.key == "category" and d.status == "user" and d.version == "1"
    assert "share of offences covered: Burglary 80.0%, Criminal damage and arson 0.0%" in (
        d.provenance
    )


def test_derived_official_scheme_keeps_status_but_is_not_called_the_ons_score():
    ons = code_scheme(HAND_WEIGHTS, status="official", name="ons-css-test")
    mix = HAND_MIX[~HAND_MIX.offence_code.isin(["29A", "58A"])]
    d = derive_category_weights(ons, "Testshire", mix=mix)
    assert ons.label == "ONS Crime Severity Score (ons-css-test v1)"
    assert d.status == "official"
    assert d.name == "ons-css-test-derived-testshire"
    assert d.label == "harm from ONS CSS weights by category (ons-css-test-derived-testshire v1)"
    assert d.provenance.startswith(
        "derived: weight(category) = sum over codes of share(code | category, testshire, given)"
        " x weight(code) from ons-css-test v1 weighted by the given testshire offence mix."
    )


def test_only_code_schemes_are_derived():
    cat = HarmScheme("c", "1", "category", "user", "p", "", {"Burglary": 1.0})
    with pytest.raises(SaferplacesError, match="derived only from schemes keyed by offence_code"):
        derive_category_weights(cat, "west-mercia")


def _independent_category_weights(shared_data: Path, weights: dict[str, float]) -> pd.Series:
    raw = pd.read_csv(shared_data / "offences" / "prc-pfa-201718.csv", dtype=str)
    wm = raw[raw.Force_Name == "West Mercia"].copy()
    wm["n"] = wm.Number_of_Offences.astype(int)
    wm["w"] = wm.Offence_Code.map(weights)
    wm["cat"] = wm.Policeuk_Cat.str.lower()
    num = (wm.n * wm.w).groupby(wm.cat).sum()
    return num / wm.groupby("cat").n.sum()


def test_real_west_mercia_mix_against_an_independent_computation(shared_data: Path):
    codes = sorted(offence_codes().code)
    weights = {c: float(1 + (i * 37) % 101) for i, c in enumerate(codes)}
    d = derive_category_weights(code_scheme(weights), "west-mercia")
    expected = _independent_category_weights(shared_data, weights)
    got = pd.Series({k.lower(): v for k, v in d.weights.items()}).sort_index()
    assert list(got.index) == list(expected.index)
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert set(d.coverage.values()) == {1.0}


def test_real_west_mercia_robbery_by_hand():
    # 2017/18 West Mercia: 64 robberies of business property (34A), 486 of personal (34B).
    d = derive_category_weights(
        code_scheme({"34A": 10.0, "34B": 20.0}), "West Mercia", missing="exclude"
    )
    assert d.weights["Robbery"] == pytest.approx((64 * 10 + 486 * 20) / 550)
    assert d.weights["Robbery"] == pytest.approx(18.836363636363636)
    assert set(d.weights) == {"Robbery"}


WM = offence_mix("west-mercia")
WM_CODES = sorted(WM.loc[WM.offences > 0, "offence_code"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0, max_value=1e6, allow_nan=False),
        min_size=len(WM_CODES),
        max_size=len(WM_CODES),
    )
)
def test_derived_weight_lies_between_the_category_code_weights(ws: list[float]):
    weights = dict(zip(WM_CODES, ws, strict=True))
    d = derive_category_weights(code_scheme(weights), "west-mercia")
    recorded = WM[WM.offences > 0]
    for category, group in recorded.groupby("category"):
        code_w = [weights[c] for c in group.offence_code]
        lo, hi = min(code_w), max(code_w)
        tol = 1e-9 * max(1.0, hi)
        assert lo - tol <= d.weights[category] <= hi + tol
