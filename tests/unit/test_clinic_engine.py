"""The clinical engine: fit precedence, the output contract, audiences, and suspect values withheld."""

from __future__ import annotations

import json

import pytest
from clinic_cases import OLIGO_SEMEN, case

from hpgtwin import DISCLAIMER
from hpgtwin.clinic import assess, load_rulebook
from hpgtwin.clinic.engine import Firing, format_value, resolve_fit
from hpgtwin.errors import InputError

INTAKE_KEYS = {"patient", "labs", "derived", "semen", "alerts", "conventions"}


def _firing(fit: str) -> Firing:
    rule = next(r for r in load_rulebook().of_kind("therapy") if r.fit == fit)
    return Firing(rule, "c", "p", None)


@pytest.mark.parametrize(
    ("fits", "expected"),
    [
        (["may_benefit", "indicated"], "indicated"),
        (["indicated", "not_first_line"], "not_first_line"),
        (["not_first_line", "avoid", "indicated"], "avoid"),
        (["caveat", "may_benefit"], "may_benefit"),
        (["caveat"], "not_first_line"),
    ],
)
def test_fit_precedence_restriction_beats_recommendation(fits: list[str], expected: str) -> None:
    assert resolve_fit("anastrozole", [_firing(f) for f in fits]).fit == expected


def test_output_contract_keys_and_sources() -> None:
    rep = assess(case(t=270, e2=32, lh=3.4, fsh=4.8, bmi=31.0, semen=OLIGO_SEMEN)).to_dict()
    assert INTAKE_KEYS | {"phenotype", "therapies", "monitoring", "disclaimer"} <= set(rep)
    assert rep["disclaimer"] == DISCLAIMER
    assert "plain_language" not in rep
    for p in rep["phenotype"]:
        assert set(p) >= {"code", "evidence", "source"} and p["source"]
    for t in rep["therapies"]:
        assert set(t) >= {"agent", "class", "fit", "reasons", "sources"}
        assert t["reasons"] and t["sources"], t["agent"]
    for m in rep["monitoring"]:
        assert set(m) >= {"test", "at_weeks", "why", "source"} and m["source"]
    for a in rep["alerts"]:
        assert set(a) >= {"code", "severity", "message", "source"} and a["source"]
    json.dumps(rep, allow_nan=False)  # the CLI prints it as strict JSON


def test_intake_alerts_are_kept_and_clinical_alerts_appended() -> None:
    pf = case(t=270, e2=32, lh=3.4, fsh=4.8, t_measurements=1)
    from hpgtwin.labs import intake

    before = [a.to_dict() for a in intake(pf).alerts]
    rep = assess(pf).to_dict()
    assert rep["alerts"][: len(before)] == before
    assert "single_measurement" in {a["code"] for a in rep["alerts"][len(before):]}


def test_patient_audience_uses_plain_wording() -> None:
    pf = case(t=270, e2=32, lh=3.4, fsh=4.8, bmi=31.0, semen=OLIGO_SEMEN)
    clinician = assess(pf).to_dict()
    patient = assess(pf, audience="patient").to_dict()
    assert clinician["phenotype"][0]["explanation"] != patient["phenotype"][0]["explanation"]
    assert patient["plain_language"]["disclaimer"] == DISCLAIMER
    assert patient["plain_language"]["summary"]


def test_bad_audience_is_an_input_error() -> None:
    with pytest.raises(InputError, match="audience"):
        assess(case(t=500), audience="nurse")


def test_value_in_the_wrong_unit_is_withheld_from_conclusions() -> None:
    """T 14 'ng/dL' is a nmol/L value: no hypogonadism is concluded from it, and the alert says why."""
    rep = assess(case(t=14.2, e2=24, lh=4.4, fsh=5.0)).to_dict()
    codes = {a["code"] for a in rep["alerts"]}
    assert {"probable_unit_error", "conclusions_need_unit_check"} <= codes
    assert not {"secondary_hypogonadism", "aromatization_excess"} & {p["code"] for p in rep["phenotype"]}


def test_who_edition_is_passed_to_the_semen_classification() -> None:
    """Progressive motility 31 %: above the WHO 2021 limit (30 %) but below the WHO 2010 limit (32 %)."""
    semen = {**OLIGO_SEMEN, "concentration_million_per_ml": 40, "progressive_motility_pct": 31}
    pf = case(t=500, e2=25, lh=4.0, fsh=5.0, semen=semen)
    codes_2021 = {p["code"] for p in assess(pf, who_edition=2021).to_dict()["phenotype"]}
    codes_2010 = {p["code"] for p in assess(pf, who_edition=2010).to_dict()["phenotype"]}
    assert "asthenozoospermia" not in codes_2021
    assert "asthenozoospermia" in codes_2010


def test_missing_lh_and_prolactin_alerts() -> None:
    """AUA 2018 statements 6 and 7: LH with low T; prolactin with low T and low/normal LH."""
    no_lh = assess(case(t=250, e2=20)).to_dict()
    assert any(a["code"] == "missing_test" and "LH" in a["message"] for a in no_lh["alerts"])
    no_prl = assess(case(t=250, e2=20, lh=2.0, fsh=3.0)).to_dict()
    assert any(a["code"] == "missing_test" and "Prolactin" in a["message"] for a in no_prl["alerts"])


def test_format_value() -> None:
    assert format_value(None) == "not measured"
    assert format_value(412.4) == "412"
    assert format_value(8.4375) == "8.44"
    assert format_value(frozenset({"b", "a"})) == "a, b"


def test_evidence_names_unmeasured_values_without_a_dangling_unit() -> None:
    rep = assess(case(t=250, e2=20, lh=2.0, fsh=3.0)).to_dict()  # no prolactin, no TSH, BMI given
    pheno = next(p for p in rep["phenotype"] if p["code"] == "secondary_hypogonadism")
    assert pheno["evidence"] == "total T 250 ng/dL < 300 ng/dL with LH 2 IU/L not raised (<= 9.4 IU/L)"
    book = load_rulebook()
    rule = next(r for r in book.rules if r.id == "PHEN-AROMATIZATION")
    from hpgtwin.clinic.engine import Environment, render

    assert render(rule.evidence, Environment(book, {"estradiol_pg_ml": None, "t_e2_ratio": 12.5})).startswith(
        "E2 not measured (criterion > 60)")


def test_normal_testosterone_without_lh_is_eugonadal_but_low_testosterone_without_lh_is_not_classified() -> None:
    """AUA 2018 statement 6 asks for LH only with low T; without it primary and secondary cannot be told apart."""
    normal = {p["code"] for p in assess(case(t=520, e2=25)).to_dict()["phenotype"]}
    low = {p["code"] for p in assess(case(t=250, e2=20)).to_dict()["phenotype"]}
    assert "eugonadal" in normal
    assert not {"primary_hypogonadism", "secondary_hypogonadism", "eugonadal"} & low


@pytest.mark.parametrize(
    ("medications", "expected"),
    [
        (["anastrozole 0.5 mg twice weekly + clomiphene 25 mg daily"], {"anastrozole", "clomiphene"}),
        (["Clomid 50 mg every other day"], {"clomiphene"}),
        (["enclomiphene 12.5 mg daily"], {"enclomiphene"}),
        (["Testosterone cypionate 100 mg weekly", "hCG 2000 IU 3x/week"], {"testosterone", "hcg"}),
        (["metformin 1000 mg twice daily"], set()),
    ],
)
def test_agents_are_recognised_in_regimen_text(medications: list[str], expected: set[str]) -> None:
    from hpgtwin.clinic.facts import recognise_agents

    assert recognise_agents(medications, load_rulebook().agents) == expected


def test_lh_raised_by_a_serm_is_not_called_testicular_failure() -> None:
    on_serm = {p["code"] for p in assess(case(t=650, e2=35, lh=12.0, fsh=11.0, medications=("clomiphene 25 mg daily",))).to_dict()["phenotype"]}
    untreated = {p["code"] for p in assess(case(t=650, e2=35, lh=12.0, fsh=11.0)).to_dict()["phenotype"]}
    assert "compensated_hypogonadism" not in on_serm
    assert "compensated_hypogonadism" in untreated


def test_low_normal_estradiol_without_an_ai_is_not_oversuppression_but_rules_out_an_ai() -> None:
    rep = assess(case(t=450, e2=12, lh=4.0, fsh=5.0, semen=OLIGO_SEMEN)).to_dict()
    assert "estradiol_oversuppressed" not in {p["code"] for p in rep["phenotype"]}
    assert next(t for t in rep["therapies"] if t["agent"] == "anastrozole")["fit"] == "avoid"


def test_semen_codes_are_explained_in_plain_words_for_patients() -> None:
    from hpgtwin.clinic.plain import semen_code_text
    from hpgtwin.labs import SEMEN_CODES

    assert all(semen_code_text(load_rulebook(), code) for code in SEMEN_CODES)
    rep = assess(case(t=500, e2=25, lh=4.0, fsh=5.0, semen=OLIGO_SEMEN), audience="patient").to_dict()
    oligo = next(p for p in rep["phenotype"] if p["code"] == "oligozoospermia")
    assert oligo["explanation"].startswith("Your sperm count is below")
    assert oligo["explanation"] in rep["plain_language"]["summary"]
