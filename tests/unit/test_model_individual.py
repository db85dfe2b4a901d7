"""Covariates and conditions move parameters (and the baseline) the way physiology says."""

from __future__ import annotations

import pytest

from hpgtwin.errors import InputError
from hpgtwin.labs.records import Patient
from hpgtwin.model import individual_parameters
from hpgtwin.simulate import simulate


def _p(**kw):
    """Parameters of a patient with the given covariates."""
    return individual_parameters(Patient(id="x", **kw)).as_dict()


REF = {"age_years": 30.0, "bmi_kg_m2": 23.0}


def test_bmi_raises_aromatase_lowers_shbg():
    """Obesity: more adipose aromatase, less SHBG (Schneider 1979; Chavarro 2010)."""
    lean, obese = _p(**REF), _p(age_years=30.0, bmi_kg_m2=40.0)
    assert obese["adipose_aromatase_scale"] > lean["adipose_aromatase_scale"]
    assert obese["shbg_production_scale"] < lean["shbg_production_scale"]
    assert obese["sertoli_capacity"] < lean["sertoli_capacity"]


def test_age_lowers_leydig_and_gnrh_drive_raises_shbg():
    """Ageing: weaker LH->T efficacy (Keenan 2006), lower hypothalamic GnRH outflow with the pituitary response
    kept (Mulligan 1999), fewer Sertoli cells (inhibin B falls), higher SHBG (covariate table)."""
    young, old = _p(**REF), _p(age_years=70.0, bmi_kg_m2=23.0)
    assert old["leydig_capacity"] < young["leydig_capacity"]
    assert old["gnrh_drive_scale"] < young["gnrh_drive_scale"]
    assert old["pituitary_capacity"] == young["pituitary_capacity"]
    assert old["sertoli_capacity"] < young["sertoli_capacity"]
    assert old["shbg_production_scale"] > young["shbg_production_scale"]


@pytest.mark.parametrize(("condition", "parameter", "direction"), [
    ("klinefelter", "germline_capacity", -1), ("klinefelter", "leydig_capacity", -1),
    ("primary_testicular_failure", "sertoli_capacity", -1), ("varicocele", "germline_capacity", -1),
    ("hyperprolactinemia", "gnrh_drive_scale", -1), ("type2_diabetes", "shbg_production_scale", -1),
    ("insulin_resistance", "shbg_production_scale", -1), ("hypothyroidism", "shbg_production_scale", -1),
    ("hyperthyroidism", "shbg_production_scale", +1), ("obesity", "adipose_aromatase_scale", +1),
])
def test_condition_direction(condition, parameter, direction):
    """Each condition code changes its parameter in the documented direction."""
    base = _p(age_years=30.0)
    cond = _p(age_years=30.0, conditions=(condition,))
    assert (cond[parameter] - base[parameter]) * direction > 0


def test_neutral_conditions_change_nothing():
    """History codes (prior TRT) do not change parameters."""
    assert _p(conditions=("prior_trt", "gynecomastia")) == _p()


def test_unknown_condition_is_an_input_error():
    """An unknown condition code raises an InputError naming it."""
    with pytest.raises(InputError, match="leprosy"):
        _p(conditions=("leprosy",))


def test_bad_covariate_is_an_input_error():
    """A negative age is rejected."""
    with pytest.raises(InputError):
        _p(age_years=-3.0)


def test_overrides_win():
    """Keyword overrides replace the covariate-derived value."""
    ps = individual_parameters(Patient(id="x", age_years=60.0), leydig_capacity=0.5)
    assert ps["leydig_capacity"][0] == 0.5


def test_baseline_moves_with_conditions():
    """Obese man: higher E2, lower total T than a lean man; Klinefelter: low sperm, high LH and FSH."""
    lean = simulate(None, parameters=Patient(id="a", age_years=35, bmi_kg_m2=23), days=1).outputs
    obese = simulate(None, parameters=Patient(id="b", age_years=35, bmi_kg_m2=40), days=1).outputs
    kf = simulate(None, parameters=Patient(id="c", age_years=35, bmi_kg_m2=23, conditions=("klinefelter",)),
                  days=1).outputs
    assert obese["estradiol_pg_ml"][0, 0] > lean["estradiol_pg_ml"][0, 0]
    assert obese["testosterone_ng_dl"][0, 0] < lean["testosterone_ng_dl"][0, 0]
    assert kf["sperm_concentration_million_ml"][0, 0] < 0.1 * lean["sperm_concentration_million_ml"][0, 0]
    assert kf["lh_iu_l"][0, 0] > lean["lh_iu_l"][0, 0]
    assert kf["fsh_iu_l"][0, 0] > lean["fsh_iu_l"][0, 0]
