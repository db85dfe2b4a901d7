"""Data tables of the twin: the physiology parameter table and covariate effects (the drug table is pk's).

``load_model_parameters()`` reads ``model_parameters.yaml`` once; every entry keeps its unit, bounds, source,
locator, evidence and (for fitted ones) the calibration targets it was fitted to.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from hpgtwin.params.parameter import EVIDENCE_KINDS, Evidence, Parameter

PARAMETER_FILE = "model_parameters.yaml"


def read_yaml(name: str) -> Any:
    """Parse one YAML file shipped in ``hpgtwin/params``."""
    text = resources.files("hpgtwin.params").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _entry(raw: dict[str, Any]) -> Parameter:
    """One Parameter from its YAML mapping (numbers coerced to float)."""
    return Parameter(
        name=str(raw["name"]),
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        lower=float(raw["lower"]),
        upper=float(raw["upper"]),
        source=str(raw["source"]),
        locator=str(raw["locator"]),
        evidence=str(raw["evidence"]),
        description=str(raw["description"]),
        fitted_to=tuple(str(t) for t in raw.get("fitted_to", ()) or ()),
    )


@lru_cache(maxsize=1)
def load_model_parameters() -> tuple[Parameter, ...]:
    """The physiology parameter table in file order (cached)."""
    raw = read_yaml(PARAMETER_FILE)
    return tuple(_entry(r) for r in raw["parameters"])


@lru_cache(maxsize=1)
def load_covariate_effects() -> tuple[dict[str, Any], ...]:
    """Covariate and condition effects used by ``hpgtwin.model.individual_parameters`` (cached)."""
    raw = read_yaml(PARAMETER_FILE)
    return tuple(dict(r) for r in raw.get("covariate_effects", ()))


__all__ = ["EVIDENCE_KINDS", "Evidence", "Parameter", "load_covariate_effects", "load_model_parameters", "read_yaml"]
