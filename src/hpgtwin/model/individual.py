"""Covariates and conditions -> model parameters: ``individual_parameters(patient, **overrides)``.

Each effect (age, BMI, condition codes of the patient-file contract) is a row of ``covariate_effects`` in
``params/model_parameters.yaml`` with its size, unit, source and evidence; this module only applies them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from hpgtwin.errors import InputError
from hpgtwin.model.declaration import ParameterSet
from hpgtwin.model.hpg import MODEL
from hpgtwin.params import load_covariate_effects

CONTINUOUS_COVARIATES = ("age_years", "bmi_kg_m2")
# Condition codes of the patient-file contract that change no model parameter (they are history, or an
# outcome the model produces itself).
NEUTRAL_CONDITIONS = frozenset({"gynecomastia", "prior_trt", "prior_anabolic_steroids"})
OBESITY_DEFAULT_BMI_KG_M2 = 35.0  # assumption: "obesity" without a measured BMI is read as class II obesity


class UnknownCondition(InputError):
    """A condition code that the model does not know."""


def known_conditions() -> frozenset[str]:
    """Condition codes with a parameter effect, plus the neutral ones and ``obesity``."""
    codes = {e["covariate"] for e in load_covariate_effects() if e["covariate"] not in CONTINUOUS_COVARIATES}
    return frozenset(codes | NEUTRAL_CONDITIONS | {"obesity"})


def covariate_multipliers(
    age_years: float | None = None, bmi_kg_m2: float | None = None, conditions: Iterable[str] = ()
) -> dict[str, float]:
    """Multiplicative change of each affected parameter for one man (1 where nothing applies)."""
    conditions = {c.strip().lower() for c in conditions}
    unknown = conditions - known_conditions()
    if unknown:
        raise UnknownCondition(f"unknown condition {sorted(unknown)[0]!r}; known: {sorted(known_conditions())}")
    if bmi_kg_m2 is None and "obesity" in conditions:
        bmi_kg_m2 = OBESITY_DEFAULT_BMI_KG_M2
    values = {"age_years": age_years, "bmi_kg_m2": bmi_kg_m2}
    for name, v in values.items():
        if v is not None and (not math.isfinite(v) or v <= 0):
            raise InputError(f"{name} must be a positive number, got {v!r}")
    out: dict[str, float] = {}
    for e in load_covariate_effects():
        cov, param, kind, size = e["covariate"], e["parameter"], e["kind"], float(e["value"])
        factor = 1.0
        if cov in CONTINUOUS_COVARIATES:
            x = values[cov]
            if x is None:
                continue
            dx = x - float(e["reference"])
            if kind == "exp_slope":
                factor = math.exp(size * (max(dx, 0.0) if e.get("above_only") else dx))
            elif kind == "linear_slope":
                factor = max(1.0 + size * dx, float(e.get("floor", 0.0)))
        elif cov in conditions and kind == "factor":
            factor = size
        out[param] = out.get(param, 1.0) * factor
    return out


def individual_parameters(patient: Any | None = None, **overrides: float | Iterable[float]) -> ParameterSet:
    """One man's parameter set from his age, BMI and conditions (None = the reference man), then overrides."""
    params = MODEL.default_parameters()
    if patient is not None:
        bmi = getattr(patient, "bmi_kg_m2", None)
        weight, height = getattr(patient, "weight_kg", None), getattr(patient, "height_cm", None)
        if bmi is None and weight and height:
            bmi = weight / (height / 100.0) ** 2
        mult = covariate_multipliers(getattr(patient, "age_years", None), bmi, getattr(patient, "conditions", ()))
        params = params.with_values(**{k: _clip(k, params[k] * f) for k, f in mult.items()})
    return params.with_values(**overrides) if overrides else params


def _clip(name: str, value: np.ndarray) -> np.ndarray:
    """Keep a covariate-adjusted value within the parameter's declared bounds."""
    p = MODEL.parameter(name)
    return np.clip(value, p.lower, p.upper)


__all__ = ["UnknownCondition", "covariate_multipliers", "individual_parameters", "known_conditions"]
