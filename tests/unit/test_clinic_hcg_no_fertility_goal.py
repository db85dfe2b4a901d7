"""hCG gets a sourced verdict in severe hypogonadotropic hypogonadism without a (recorded) fertility goal.

Regression for a hypothesis example of tests/properties/test_clinic_properties.py: T 110 ng/dL, LH 0.2 IU/L,
FSH 1.9 IU/L, no wish for children, normal semen -> no rule rated hCG. Thresholds (rules.yaml): T < 150 ng/dL
(testosterone_severe_low_ng_dl, Endocrine Society 2018) and LH < 1.7 IU/L (lh_lower_iu_l, laboratory interval).
"""

from __future__ import annotations

import pytest
from clinic_cases import AZOOSPERMIA, NORMAL_SEMEN, OLIGO_SEMEN, case

from hpgtwin.clinic import assess

RULE = "THER-HCG-HYPOGONADOTROPIC-NO-FERTILITY-GOAL"
HYPOGONADOTROPIC = {"t": 110.0, "e2": 20.0, "lh": 0.2, "fsh": 1.9, "prl": 3.0}


def _therapy(rep: dict, agent: str) -> dict:
    return next(t for t in rep["therapies"] if t["agent"] == agent)


@pytest.mark.parametrize(
    ("desires", "semen"),
    [(False, NORMAL_SEMEN), (False, None), (None, None), (None, NORMAL_SEMEN)],
    ids=["no-wish-normal-semen", "no-wish-no-semen", "wish-unknown", "wish-unknown-normal-semen"],
)
def test_hcg_is_an_alternative_to_testosterone_without_a_fertility_goal(desires, semen) -> None:
    rep = assess(case(desires_fertility=desires, semen=semen, **HYPOGONADOTROPIC)).to_dict()
    hcg = _therapy(rep, "hcg")
    assert hcg["fit"] == "not_first_line"
    assert RULE in hcg["rules"]
    assert {"Endocrine Society 2018 guideline", "AUA 2018 testosterone deficiency guideline", "hCG US label"} <= set(
        hcg["sources"])
    assert "secondary_hypogonadism" in {p["code"] for p in rep["phenotype"]}


def test_no_wish_for_children_keeps_testosterone_as_the_usual_treatment() -> None:
    rep = assess(case(desires_fertility=False, semen=NORMAL_SEMEN, **HYPOGONADOTROPIC)).to_dict()
    assert _therapy(rep, "testosterone")["fit"] in ("may_benefit", "indicated")


@pytest.mark.parametrize(("desires", "semen"), [(True, NORMAL_SEMEN), (False, OLIGO_SEMEN), (None, AZOOSPERMIA)])
def test_with_a_fertility_context_hcg_is_indicated_instead(desires, semen) -> None:
    rep = assess(case(desires_fertility=desires, semen=semen, **HYPOGONADOTROPIC)).to_dict()
    hcg = _therapy(rep, "hcg")
    assert hcg["fit"] == "indicated"
    assert RULE not in hcg["rules"] and "THER-HCG-HYPOGONADOTROPIC" in hcg["rules"]


def test_on_testosterone_the_rule_does_not_apply() -> None:
    rep = assess(case(desires_fertility=False, semen=NORMAL_SEMEN,
                      medications=("testosterone cypionate 100 mg weekly",), **HYPOGONADOTROPIC)).to_dict()
    assert RULE not in _therapy(rep, "hcg")["rules"]
