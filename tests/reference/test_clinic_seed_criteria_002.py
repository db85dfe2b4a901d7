"""Seed 002 ("Fertility restoration ... pre-existing conditions"): both condition tables and the post-TRT protocol.

Each table row (obesity, insulin resistance / type 2 diabetes, thyroid dysfunction, primary and secondary
hypogonadism, hyperprolactinemia, Klinefelter syndrome) is built as a case and its "influence on anastrozole"
conclusion checked. Thresholds are those of the rule table (TSH 0.45-4.5 mIU/L, prolactin 20 ng/mL, LH 9.4 IU/L
EMAS, each with its source there). Inputs are exact; no numerical tolerance.
"""

from __future__ import annotations

import pytest
from clinic_cases import (
    AZOOSPERMIA,
    OLIGO_SEMEN,
    case,
    fits,
    monitoring_rules,
    phenotypes,
    report,
    therapy_rules,
)

HIGH_E2_SECONDARY = {"t": 260, "e2": 38, "lh": 3.0, "fsh": 4.0}  # T/E2 6.8, LH not raised


def test_obesity_row_anastrozole_highly_beneficial() -> None:
    rep = report(case(**HIGH_E2_SECONDARY, bmi=33.0, semen=OLIGO_SEMEN))
    assert {"obesity", "aromatization_excess"} <= phenotypes(rep)
    assert fits(rep)["anastrozole"] == "indicated"


@pytest.mark.parametrize("condition", ["insulin_resistance", "type2_diabetes"])
def test_insulin_resistance_row_benefit_with_metabolic_caveat(condition: str) -> None:
    """'Can improve T/E2 ratio, but metabolic control is paramount'; AI reduces insulin sensitivity (Gibb 2016)."""
    rep = report(case(**HIGH_E2_SECONDARY, bmi=31.0, conditions=(condition,), semen=OLIGO_SEMEN))
    assert "insulin_resistance" in phenotypes(rep)
    entry = next(t for t in rep["therapies"] if t["agent"] == "anastrozole")
    assert entry["fit"] == "indicated"
    assert "THER-AI-INSULIN-CAVEAT" in entry["rules"]
    assert "Gibb 2016" in entry["sources"]


@pytest.mark.parametrize(("tsh", "code"), [(9.5, "hypothyroidism"), (0.05, "hyperthyroidism")])
def test_thyroid_row_euthyroid_state_first(tsh: float, code: str) -> None:
    rep = report(case(**HIGH_E2_SECONDARY, tsh=tsh, semen=OLIGO_SEMEN))
    assert code in phenotypes(rep)
    for agent in ("anastrozole", "clomiphene", "hcg"):
        assert fits(rep)[agent] == "not_first_line"
        assert "THER-THYROID-FIRST" in therapy_rules(rep, agent)
    assert "MON-THYROID" in monitoring_rules(rep)


def test_primary_hypogonadism_row_anastrozole_less_effective() -> None:
    rep = report(case(t=230, e2=30, lh=15.0, fsh=20.0, semen=OLIGO_SEMEN))
    assert "primary_hypogonadism" in phenotypes(rep)
    for agent in ("anastrozole", "clomiphene", "hcg"):
        assert fits(rep)[agent] == "not_first_line"


def test_secondary_hypogonadism_row_anastrozole_effective_when_estrogen_contributes() -> None:
    rep = report(case(**HIGH_E2_SECONDARY, semen=OLIGO_SEMEN))
    assert "secondary_hypogonadism" in phenotypes(rep)
    assert fits(rep)["anastrozole"] == "indicated"


def test_hyperprolactinemia_row_prolactin_normalisation_first() -> None:
    rep = report(case(**HIGH_E2_SECONDARY, prl=75, semen=OLIGO_SEMEN))
    assert "hyperprolactinemia" in phenotypes(rep)
    assert fits(rep)["anastrozole"] == "not_first_line"
    assert "THER-PROLACTIN-FIRST" in therapy_rules(rep, "anastrozole")
    assert "MON-PROLACTIN" in monitoring_rules(rep)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t": 220, "e2": 30, "lh": 25.0, "fsh": 40.0, "inhibin_b": 5, "semen": AZOOSPERMIA},
        {"t": 380, "e2": 25, "lh": 11.0, "fsh": 18.0, "conditions": ("klinefelter",)},
    ],
    ids=["lab_pattern", "recorded_47XXY"],
)
def test_klinefelter_row_limited_efficacy_karyotype_and_referral(kwargs: dict) -> None:
    rep = report(case(**kwargs))
    assert "klinefelter_pattern" in phenotypes(rep)
    assert fits(rep)["anastrozole"] == "not_first_line"
    assert "THER-PRIMARY-FAILURE" in therapy_rules(rep, "anastrozole")
    assert "MON-KARYOTYPE" in monitoring_rules(rep)


def test_post_trt_protocol_components() -> None:
    """'Key Components of Fertility-Stimulating Protocols': gonadorelin, tamoxifen, clomiphene, anastrozole."""
    rep = report(case(t=750, e2=35, lh=0.2, fsh=0.3, medications=("testosterone enanthate 125 mg weekly",),
                      semen=AZOOSPERMIA))
    fit = fits(rep)
    assert fit["testosterone"] == "avoid"
    assert fit["hcg"] == "indicated"
    assert fit["clomiphene"] == "may_benefit"
    assert fit["tamoxifen"] == "may_benefit"
    assert fit["gonadorelin"] == "may_benefit"
    assert "THER-POST-TRT-AI" in therapy_rules(rep, "anastrozole")
    assert "exogenous_androgen_suppression" in phenotypes(rep)


def test_high_t_lh_ratio_broader_application() -> None:
    """'showing promise even in those with a testosterone-luteinizing hormone ratio of 100 or greater'."""
    rep = report(case(t=500, e2=30, lh=5.0, fsh=5.0, semen=OLIGO_SEMEN))  # T/LH = 100 exactly: ">= 100"
    assert "THER-AI-TLH" in therapy_rules(rep, "anastrozole")
