"""The calibration prior (hpgtwin.fit.prior): fitted parameters exist in the model, CVs and bounds are sane."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpgtwin.errors import CalibrationError
from hpgtwin.fit.prior import _prior_table, _variability, build_prior
from hpgtwin.labs.records import Patient
from hpgtwin.model import MODEL, individual_parameters

DECLARED = {p.name: p for p in MODEL.parameters}


def _prior(patient: Patient | None = None):
    base = individual_parameters(patient)
    return build_prior(tuple(base.names), np.asarray(base.values)[0], DECLARED)


def test_every_role_resolves_to_a_declared_model_parameter() -> None:
    prior = _prior()
    roles = {s.role for s in prior.specs}
    assert roles == {row["role"] for row in _prior_table()}
    for spec in prior.specs:
        assert spec.name in DECLARED
        assert spec.lower <= spec.prior_value <= spec.upper
        assert 0 < spec.sd_log < 1.5  # log-SD of a between-man CV below ~300 % (assumption: sanity bound)
        assert spec.source.strip()


def test_prior_is_centred_on_individual_parameters() -> None:
    """An obese man's prior median is his covariate-adjusted value, not the reference man's."""
    obese = Patient("p", age_years=50, bmi_kg_m2=38.0)
    base = individual_parameters(obese)
    prior = _prior(obese)
    for spec, mean in zip(prior.specs, prior.mean_log, strict=True):
        assert math.exp(mean) == pytest.approx(float(base[spec.name][0]))


def test_trials_variability_is_used_when_present() -> None:
    prior = _prior()
    variability = _variability()
    for spec in prior.specs:
        if spec.name in variability:
            assert spec.sd_log == pytest.approx(variability[spec.name][0])


def test_no_identifiable_parameter_is_a_calibration_error() -> None:
    with pytest.raises(CalibrationError, match="none of the identifiable parameters"):
        build_prior(("unrelated",), np.array([1.0]), {})
    with pytest.raises(CalibrationError, match="positive"):
        build_prior(("leydig_capacity",), np.array([0.0]), DECLARED)
