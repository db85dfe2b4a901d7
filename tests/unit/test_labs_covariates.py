"""Patient covariates at intake: BMI, weight and height within their plausible ranges (catalogue data, with a unit
hint for inch/pound mix-ups), and only the documented answers for ``desires_fertility``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hpgtwin.errors import ImplausibleValue, InputError
from hpgtwin.labs import intake, parse_patient_dict
from hpgtwin.labs.catalogue import CATALOGUE, SOURCES
from hpgtwin.labs.covariates import FERTILITY_ANSWERS, check_covariate, parse_desires_fertility

TODAY = date(2026, 11, 21)


def _patient(**fields: Any) -> dict[str, Any]:
    return {"patient": {"id": "c1", "age_years": 35, **fields}, "labs": []}


def test_body_measure_limits_are_sourced_catalogue_data() -> None:
    # BMI 10-80 kg/m2, weight 25-400 kg, height 100-250 cm: outer bounds of adult anthropometry [assumption];
    # the web form's BMI input has min=10 max=80.
    for key, (low, high) in {"bmi": (10, 80), "weight": (25, 400), "height": (100, 250)}.items():
        plausible = CATALOGUE[key].plausible
        assert (plausible.low, plausible.high) == (low, high)
        assert "[assumption]" in SOURCES[plausible.source]


@pytest.mark.parametrize("bmi", [2, 9.99, 80.01, 1e308])
def test_implausible_bmi_is_refused_naming_the_field(bmi: float) -> None:
    with pytest.raises(ImplausibleValue, match=r"^patient\.bmi_kg_m2: .* outside the plausible range 10-80 kg/m2") as err:
        parse_patient_dict(_patient(bmi_kg_m2=bmi), today=TODAY)
    assert "\n" not in str(err.value) and "assumption" in str(err.value)


@pytest.mark.parametrize("bmi", [10, 18.5, 35.8, 80])
def test_plausible_bmi_is_kept(bmi: float) -> None:
    assert parse_patient_dict(_patient(bmi_kg_m2=bmi), today=TODAY).patient.bmi_kg_m2 == bmi


@pytest.mark.parametrize("field, value", [("weight_kg", 3), ("weight_kg", 1e308), ("height_cm", 0),
                                          ("height_cm", 400), ("bmi_kg_m2", -25), ("bmi_kg_m2", float("inf"))])
def test_impossible_body_measures_are_refused(field: str, value: float) -> None:
    with pytest.raises(ImplausibleValue, match=rf"^patient\.{field}: "):
        parse_patient_dict(_patient(**{field: value}), today=TODAY)


def test_height_in_inches_and_weight_in_pounds_get_a_unit_hint() -> None:
    # 70 in x 2.54 cm/in = 177.8 cm; 450 lb x 0.45359237 kg/lb = 204.1 kg (exact UCUM factors)
    with pytest.raises(ImplausibleValue, match=r"height_cm: 70 cm .*read as 70 \[in_i\] it would be 177\.8 cm"):
        parse_patient_dict(_patient(height_cm=70), today=TODAY)
    with pytest.raises(ImplausibleValue, match=r"weight_kg: 450 kg .*read as 450 \[lb_av\] it would be 204\.1 kg"):
        parse_patient_dict(_patient(weight_kg=450), today=TODAY)


def test_body_measures_entered_as_labs_are_checked_with_the_entry_named() -> None:
    document = _patient()
    document["labs"] = [{"analyte": "height", "value": 70, "unit": "cm"}]
    with pytest.raises(ImplausibleValue, match=r"^labs\[0\] \(height\): 70 cm .*it would be 177\.8 cm"):
        parse_patient_dict(document, today=TODAY)
    document["labs"] = [{"analyte": "height", "value": 70, "unit": "[in_i]"}]
    assert parse_patient_dict(document, today=TODAY).patient.height_cm == pytest.approx(177.8)


def test_weight_and_height_giving_an_impossible_bmi_are_refused() -> None:
    # 30 kg / (2.40 m)^2 = 5.2 kg/m2 < 10 kg/m2, though 30 kg and 240 cm are each within their ranges
    with pytest.raises(ImplausibleValue, match=r"^patient: weight 30 kg and height 240 cm give a BMI of 5\.208 kg/m2"):
        parse_patient_dict(_patient(weight_kg=30, height_cm=240), today=TODAY)


@pytest.mark.parametrize("age", [5, 111, 1e308])
def test_age_limits_still_hold(age: float) -> None:
    with pytest.raises(ImplausibleValue, match=r"^patient\.age_years: .* outside 12-110 years"):
        check_covariate("age_years", age)


@pytest.mark.parametrize("answer, expected", [
    (True, True), (False, False), (None, None), ("yes", True), ("YES", True), ("true", True), ("no", False),
    ("False", False), ("unknown", None), ("not stated", None), ("", None), (" no ", False),
])
def test_documented_fertility_answers_are_accepted(answer: Any, expected: bool | None) -> None:
    assert parse_desires_fertility(answer) is expected
    pf = parse_patient_dict(_patient(desires_fertility=answer), today=TODAY)
    assert pf.patient.desires_fertility is expected


@pytest.mark.parametrize("answer", ["maybe", "y", "on", "1", 1, 0, 2.5, [], {"a": 1}, "definitely not a yes/no answer"])
def test_any_other_fertility_answer_is_refused(answer: Any) -> None:
    with pytest.raises(InputError, match=r"^patient\.desires_fertility: .* is not an answer; use true/yes") as err:
        parse_patient_dict(_patient(desires_fertility=answer), today=TODAY)
    assert "definitely" not in str(err.value)  # long free text is not echoed back


def test_fertility_answers_table_is_what_the_message_documents() -> None:
    assert {k for k, v in FERTILITY_ANSWERS.items() if v is True} == {"true", "yes"}
    assert {k for k, v in FERTILITY_ANSWERS.items() if v is False} == {"false", "no"}
    assert {k for k, v in FERTILITY_ANSWERS.items() if v is None} == {"", "unknown", "not stated"}


def test_weight_typed_in_pounds_is_flagged_against_the_reported_bmi() -> None:
    # 180 lb x 0.45359237 kg/lb = 81.6 kg; 81.6 kg / (1.78 m)^2 = 25.8 kg/m2 (the reported BMI), while 180 kg would be
    # 56.8 kg/m2; tolerance 10 % (labs/data/consistency.yaml, assumption)
    flagged = intake(parse_patient_dict(_patient(bmi_kg_m2=25.8, weight_kg=180, height_cm=178), today=TODAY))
    alerts = [a for a in flagged.alerts if a.code == "bmi_inconsistent"]
    assert len(alerts) == 1 and "check the weight unit" in alerts[0].message and alerts[0].severity == "warning"
    consistent = intake(parse_patient_dict(_patient(bmi_kg_m2=25.8, weight_kg=81.6, height_cm=178), today=TODAY))
    assert "bmi_inconsistent" not in {a.code for a in consistent.alerts}
