"""Placing one man's labs on the twin's clock (hpgtwin.fit.history), and the data tables behind the fit."""

from __future__ import annotations

import math
from datetime import date
from importlib import resources

import pytest
import yaml

from hpgtwin.errors import PatientFileError
from hpgtwin.fit.history import error_models, lab_history
from hpgtwin.labs.records import LabResult, Patient, PatientFile, SemenAnalysis

D0, D1, D2 = date(2026, 1, 10), date(2026, 4, 10), date(2026, 7, 10)


def _pf(meds: tuple[str, ...] = (), labs: tuple[LabResult, ...] = (), semen: tuple[SemenAnalysis, ...] = ()):
    return PatientFile(Patient("t1", age_years=35, bmi_kg_m2=29, medications=meds), labs, semen)


def _t(value: float, d: date | None) -> LabResult:
    return LabResult("testosterone_total", value, "ng/dL", d)


def test_first_date_is_baseline_when_medications_and_several_dates() -> None:
    h = lab_history(_pf(("anastrozole 1 mg daily",), (_t(280, D0), _t(450, D1), _t(430, D2))))
    assert h.regimen == "anastrozole 1 mg daily"
    assert h.start == D0
    assert [o.day for o in h.observations] == [0.0, (D1 - D0).days, (D2 - D0).days]
    assert h.days == (D2 - D0).days
    assert any("first lab date" in c for c in h.conventions)


def test_given_regimen_start_puts_earlier_labs_at_baseline() -> None:
    start = date(2026, 2, 1)
    h = lab_history(_pf(("anastrozole 1 mg daily",), (_t(280, D0), _t(450, D1))), regimen_start=start)
    assert [o.day for o in h.observations] == [0.0, float((D1 - start).days)]


def test_single_date_on_medication_is_read_at_steady_state() -> None:
    h = lab_history(_pf(("anastrozole 1 mg daily",), (_t(450, D1),)))
    assert h.observations[0].day == 180.0  # fit/data/plan_defaults.yaml assumed_days_on_treatment
    assert any("one date" in c for c in h.conventions)


def test_no_medication_means_every_lab_is_the_untreated_steady_state() -> None:
    h = lab_history(_pf((), (_t(280, D0), _t(300, D1))))
    assert h.regimen is None
    assert all(o.day == 0.0 for o in h.observations)
    assert h.days == 1


def test_several_medications_combine_with_plus() -> None:
    h = lab_history(_pf(("anastrozole 0.5 mg twice weekly", "clomiphene 25 mg daily"), (_t(280, D0),)))
    assert h.regimen == "anastrozole 0.5 mg twice weekly + clomiphene 25 mg daily"


def test_semen_concentration_is_observed_and_deduplicated() -> None:
    semen = (SemenAnalysis(date=D0, concentration_million_per_ml=8.0, volume_ml=3.0),)
    labs = (_t(280, D0), LabResult("sperm_concentration", 8.0, "10*6/mL", D0))
    h = lab_history(_pf((), labs, semen))
    outputs = sorted(o.output for o in h.observations)
    assert outputs == ["sperm_concentration_million_ml", "testosterone_ng_dl"]


def test_non_positive_and_undated_values_are_left_out_with_a_note() -> None:
    labs = (_t(280, D0), LabResult("estradiol", 0.0, "pg/mL", D0), _t(300, None))
    h = lab_history(_pf((), labs))
    assert len(h.observations) == 1
    assert len(h.conventions) >= 2


def test_unusable_labs_raise_patient_file_error() -> None:
    with pytest.raises(PatientFileError, match="no lab the twin can fit"):
        lab_history(_pf((), (LabResult("prolactin", 8.0, "ng/mL", D0),)))
    with pytest.raises(PatientFileError, match="no positive"):
        lab_history(_pf((), (_t(0.0, D0),)))


def test_regimen_start_after_every_lab_is_an_error() -> None:
    with pytest.raises(PatientFileError, match="after every lab"):
        lab_history(_pf(("anastrozole 1 mg daily",), (_t(280, D0),)), regimen_start=date(2027, 1, 1))


def test_error_table_has_sources_and_plausible_cvs() -> None:
    models = error_models()
    assert {"testosterone_total", "estradiol", "lh", "fsh", "shbg"} <= set(models)
    for em in models.values():
        assert em.source.strip()
        assert 0 < em.cv_within_subject < 1 and 0 <= em.cv_analytical < 1
        # log-normal sigma of the combined CV (e.g. T: sqrt(0.16^2 + 0.05^2) = 0.168 -> sigma 0.166)
        cv = math.hypot(em.cv_within_subject, em.cv_analytical)
        assert em.sigma_log == pytest.approx(math.sqrt(math.log(1 + cv * cv)))


@pytest.mark.parametrize(
    "name", ["prior.yaml", "dose_search.yaml", "plan_defaults.yaml", "measurement_error.yaml"]
)
def test_every_data_table_parses_and_cites_sources(name: str) -> None:
    text = resources.files("hpgtwin.fit").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data
    assert "source" in text
