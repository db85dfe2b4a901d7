"""Intake: the dict contract, plausibility alerts (probable unit error naming the unit; implausible value)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hpgtwin.labs import Alert, intake, load_patient_file, parse_patient_dict

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"
TODAY = date(2026, 11, 21)


def _alerts(labs, medications=()):
    pf = parse_patient_dict({"patient": {"id": "p", "medications": list(medications)}, "labs": labs}, today=TODAY)
    return intake(pf).alerts


def test_to_dict_contract() -> None:
    d = intake(load_patient_file(DATA / "obese_high_e2.json", today=TODAY)).to_dict()
    assert list(d) == ["patient", "labs", "derived", "semen", "alerts", "conventions"]
    assert d["derived"]["t_e2_ratio"]["value"] == pytest.approx(268 / 41)
    assert d["semen"][0]["classification"]["codes"] == ["oligozoospermia", "asthenozoospermia", "teratozoospermia"]
    assert "ng/dL" in d["conventions"]["t_e2_ratio"]
    assert d["conventions"]["who_edition"] == 2021
    for alert in d["alerts"]:
        assert set(alert) == {"code", "severity", "message", "source"}


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "likely"),
    [("testosterone_total", 15, "ng/dL", "nmol/L"), ("estradiol", 150, "pg/mL", "pmol/L"),
     ("albumin", 43, "g/dL", "g/L"), ("hematocrit", 0.45, "%", "1")],
)
def test_probable_unit_error_names_the_unit(analyte: str, value: float, unit: str, likely: str) -> None:
    alerts = _alerts([{"analyte": analyte, "value": value, "unit": unit}])
    assert [a.code for a in alerts] == ["probable_unit_error"]
    assert f"check whether the unit was {likely}" in alerts[0].message
    assert alerts[0].source


def test_treated_man_high_estradiol_is_not_called_a_unit_error() -> None:
    alerts = _alerts([{"analyte": "estradiol", "value": 150, "unit": "pg/mL"}], ["testosterone cypionate 100 mg weekly"])
    assert alerts == ()


def test_implausible_in_any_unit() -> None:
    alerts = _alerts([{"analyte": "albumin", "value": 4300, "unit": "g/dL"}])
    assert [a.code for a in alerts] == ["implausible_value"]
    assert alerts[0].severity == "high"


def test_normal_values_raise_no_alert() -> None:
    assert _alerts([{"analyte": "testosterone_total", "value": 500, "unit": "ng/dL"},
                    {"analyte": "estradiol", "value": 25, "unit": "pg/mL"}]) == ()


def test_default_albumin_alert() -> None:
    alerts = _alerts([{"analyte": "testosterone_total", "value": 500, "unit": "ng/dL"},
                      {"analyte": "shbg", "value": 30, "unit": "nmol/L"}])
    assert [a.code for a in alerts] == ["default_albumin_used"]


def test_semen_implausible_percentage() -> None:
    pf = parse_patient_dict({"patient": {"id": "s"}, "semen": {"total_motility_pct": 140}})
    assert [a.code for a in intake(pf).alerts] == ["implausible_value"]


def test_alert_severity_is_checked() -> None:
    with pytest.raises(ValueError):
        Alert("x", "urgent", "m", "s")


def test_who_2010_option() -> None:
    pf = load_patient_file(DATA / "obese_high_e2.json", today=TODAY)
    assert intake(pf, who_edition=2010).to_dict()["semen"][0]["classification"]["who_edition"] == 2010


def test_analog_free_t_fraction_is_flagged() -> None:
    # 23.6 pg/mL vs 888 ng/dL = 0.27 % of total T (clinical.md 1.3 example of an analog assay)
    alerts = _alerts([{"analyte": "testosterone_total", "value": 888, "unit": "ng/dL", "date": "2026-10-01"},
                      {"analyte": "testosterone_free", "value": 23.6, "unit": "pg/mL", "date": "2026-10-01"}])
    assert [a.code for a in alerts] == ["free_testosterone_fraction_unusual"]


def test_semen_inconsistencies_are_flagged() -> None:
    pf = parse_patient_dict({"patient": {"id": "s"}, "semen": {
        "volume_ml": 2, "concentration_million_per_ml": 10, "total_sperm_count_million": 40,
        "total_motility_pct": 30, "progressive_motility_pct": 40}})
    assert [a.code for a in intake(pf).alerts] == ["semen_inconsistent", "semen_inconsistent"]
