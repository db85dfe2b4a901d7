"""Patient-file parsing: the example files load in canonical units; each class of bad input has a clear error."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hpgtwin.errors import ImplausibleValue, InputError, PatientFileError, UnitError, UnknownAnalyte
from hpgtwin.labs import load_patient_file, parse_patient_dict, patient_file_to_dict

DATA = Path(__file__).resolve().parents[1] / "data" / "labs"
TODAY = date(2026, 11, 21)


def _file(*labs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"patient": {"id": "t1", "age_years": 35}, "labs": list(labs), **extra}


def _lab(**fields: Any) -> dict[str, Any]:
    return {"analyte": "testosterone_total", "value": 400, "unit": "ng/dL", "date": "2026-10-01", **fields}


@pytest.mark.parametrize("name", ["obese_high_e2", "si_units", "unit_slips"])
def test_example_files_load(name: str) -> None:
    pf = load_patient_file(DATA / f"{name}.json", today=TODAY)
    assert pf.patient.id.startswith("lab-test-")
    assert pf.source and pf.source.endswith(f"{name}.json")


def test_si_units_become_canonical() -> None:
    pf = load_patient_file(DATA / "si_units.json", today=TODAY)
    tt = pf.latest("testosterone_total")
    assert tt is not None and tt.unit == "ng/dL"
    assert tt.value == pytest.approx(288.42, rel=1e-12)  # 10 nmol/L x 288.42 g/mol / 10 dL/L
    assert (tt.original_value, tt.original_unit, tt.loinc) == (10, "nmol/L", "14913-8")
    e2 = pf.latest("estradiol")
    assert e2 is not None and e2.value == pytest.approx(95 * 272.38 / 1000, rel=1e-12)
    hct = pf.latest("hematocrit")
    assert hct is not None and hct.value == pytest.approx(46.0)


def test_semen_and_vitals_are_routed() -> None:
    pf = parse_patient_dict(
        _file(
            {"analyte": "semen volume", "value": 3, "unit": "mL", "date": "2026-10-01"},
            {"analyte": "9780-8", "value": 20, "unit": "10*6/mL", "date": "2026-10-01"},
            {"analyte": "weight", "value": 200, "unit": "[lb_av]", "date": "2026-10-01"},
            {"analyte": "height", "value": 70, "unit": "[in_i]"},
        ),
        today=TODAY,
    )
    assert pf.labs == ()
    assert pf.semen[0].volume_ml == 3 and pf.semen[0].concentration_million_per_ml == 20
    assert pf.patient.weight_kg == pytest.approx(90.718474)
    assert pf.patient.height_cm == pytest.approx(177.8)


def test_round_trip_to_dict() -> None:
    pf = load_patient_file(DATA / "obese_high_e2.json", today=TODAY)
    again = parse_patient_dict(json.loads(json.dumps(patient_file_to_dict(pf))), today=TODAY)
    assert [(r.analyte, r.value, r.unit, r.date) for r in again.labs] == [
        (r.analyte, r.value, r.unit, r.date) for r in pf.labs
    ]
    assert again.semen == pf.semen and again.patient == pf.patient


@pytest.mark.parametrize(
    ("document", "error", "message"),
    [
        (_file(_lab(analyte="testosteron")), UnknownAnalyte, "did you mean 'testosterone_total'"),
        (_file(_lab(unit=None)), UnitError, "missing unit"),
        (_file(_lab(unit="ng/dLL")), UnitError, "unknown unit 'ng/dLL'"),
        (_file(_lab(analyte="lh", unit="ng/mL")), UnitError, "lh is measured as an activity concentration"),
        (_file(_lab(analyte="prolactin", unit="mIU/L")), UnitError, "never converted to mass"),
        (_file(_lab(value=-3)), ImplausibleValue, "negative"),
        (_file(_lab(value="high")), ImplausibleValue, "not a number"),
        (_file(_lab(value=None)), ImplausibleValue, "not a number"),
        (_file(_lab(value=True)), ImplausibleValue, "not a number"),
        (_file(_lab(value=float("nan"))), ImplausibleValue, "not a finite number"),
        (_file(_lab(date="2027-01-01")), PatientFileError, "in the future"),
        (_file(_lab(date="01/10/2026")), PatientFileError, "not an ISO date"),
        (_file(_lab(), _lab(value=500)), PatientFileError, r"duplicates labs\[0\]"),
        (_file(_lab(valu=3)), PatientFileError, "unknown key 'valu'"),
        ({"labs": []}, PatientFileError, "'patient' object"),
        ({"patient": {"age_years": 30}}, PatientFileError, "'id' is missing"),
        ({"patient": {"id": "x", "age_years": 300}}, ImplausibleValue, "age_years"),
        ({"patient": {"id": "x"}, "lab": []}, PatientFileError, "unknown top-level key 'lab'"),
        (_file(semen={"volume_ml": -1}), ImplausibleValue, "negative"),
        (_file(semen=[{"date": "2026-01-01"}, {"date": "2026-01-01"}]), PatientFileError, "two analyses"),
    ],
)
def test_bad_input_is_refused_with_one_line(document: dict[str, Any], error: type[InputError], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        parse_patient_dict(document, today=TODAY)
    assert "\n" not in str(caught.value)


def test_error_names_the_entry() -> None:
    with pytest.raises(UnitError, match=r"labs\[1\] \(estradiol\)"):
        parse_patient_dict(_file(_lab(), _lab(analyte="estradiol", unit="IU/L")), today=TODAY)


def test_malformed_json_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PatientFileError, match="not valid JSON"):
        load_patient_file(path)
    with pytest.raises(PatientFileError, match="no such file"):
        load_patient_file(tmp_path / "missing.json")
