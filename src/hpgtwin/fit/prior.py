"""The prior of a personal calibration: which parameters are fitted and how much they vary between men.

Each fitted parameter is log-normal around the value ``individual_parameters(patient)`` gives (age, BMI,
conditions), with the between-subject CV from ``params/variability.yaml`` when the trials helper ships one,
otherwise from ``fit/data/prior.yaml``. Bounds are the declared bounds of the model parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from hpgtwin.errors import CalibrationError


@dataclass(frozen=True)
class FittedSpec:
    """One fitted parameter: its role, model name, prior (log scale) and declared bounds."""

    role: str
    name: str
    unit: str
    prior_value: float
    sd_log: float
    lower: float
    upper: float
    informed_by: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Prior:
    """The fitted parameters of one man, with their log-normal prior."""

    specs: tuple[FittedSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Model names of the fitted parameters."""
        return tuple(s.name for s in self.specs)

    @property
    def mean_log(self) -> np.ndarray:
        """Prior means of ln(parameter)."""
        return np.log([s.prior_value for s in self.specs])

    @property
    def sd_log(self) -> np.ndarray:
        """Prior standard deviations of ln(parameter)."""
        return np.array([s.sd_log for s in self.specs])

    @property
    def bounds_log(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of ln(parameter), from the declared parameter bounds."""
        return np.log([s.lower for s in self.specs]), np.log([s.upper for s in self.specs])


def _sd_log(cv: float) -> float:
    """Log-normal sigma for a coefficient of variation."""
    return math.sqrt(math.log1p(cv * cv))


@cache
def _prior_table() -> list[dict[str, Any]]:
    """Rows of fit/data/prior.yaml."""
    text = resources.files("hpgtwin.fit").joinpath("data", "prior.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["parameters"]


def _variability_entry(row: Any) -> tuple[float, str] | None:
    """(sd_log, source) from one entry of params/variability.yaml, whatever its shape."""
    if isinstance(row, (int, float)):
        return _sd_log(float(row)), "params/variability.yaml"
    if not isinstance(row, dict):
        return None
    source = str(row.get("source", "params/variability.yaml"))
    for key in ("sd_log", "omega", "sigma_log"):
        if key in row:
            return float(row[key]), source
    for key in ("cv", "cv_between_subject", "bsv_cv"):
        if key in row:
            return _sd_log(float(row[key])), source
    return None


@cache
def _variability() -> dict[str, tuple[float, str]]:
    """Between-subject variability from params/variability.yaml (trials helper), empty when absent."""
    try:
        path = resources.files("hpgtwin.params").joinpath("variability.yaml")
        if not path.is_file():
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ModuleNotFoundError, yaml.YAMLError):
        return {}
    if isinstance(data, dict) and "parameters" in data:
        data = data["parameters"]
    rows: dict[str, Any] = {}
    if isinstance(data, dict):
        rows = data
    elif isinstance(data, list):
        rows = {r.get("name"): r for r in data if isinstance(r, dict) and r.get("name")}
    out = {}
    for name, row in rows.items():
        entry = _variability_entry(row)
        if entry is not None and entry[0] > 0:
            out[str(name)] = entry
    return out


def build_prior(names: tuple[str, ...], values: np.ndarray, declared: dict[str, Any]) -> Prior:
    """Resolve the fitted parameters against a model's names, prior values (one row) and declared Parameters."""
    index = {n: i for i, n in enumerate(names)}
    variability = _variability()
    specs = []
    for row in _prior_table():
        name = next((c for c in row["parameter"] if c in index), None)
        if name is None:
            continue
        value = float(values[index[name]])
        par = declared.get(name)
        lower = float(getattr(par, "lower", 0.0) or 0.0)
        upper = float(getattr(par, "upper", math.inf) or math.inf)
        if not value > 0:
            raise CalibrationError(
                f"prior value of {name} is {value}; a log-normal prior needs a positive value"
            )
        lower = lower if lower > 0 else value / 1e3
        upper = upper if math.isfinite(upper) and upper > value else value * 1e3
        if name in variability:
            sd, source = variability[name]
        else:
            sd, source = _sd_log(float(row["cv"])), row["source"]
        specs.append(
            FittedSpec(
                role=row["role"],
                name=name,
                unit=str(getattr(par, "unit", "")),
                prior_value=value,
                sd_log=sd,
                lower=min(lower, value),
                upper=max(upper, value),
                informed_by=tuple(row["informed_by"]),
                source=source,
            )
        )
    if not specs:
        raise CalibrationError(
            "none of the identifiable parameters in fit/data/prior.yaml exists in the model"
        )
    return Prior(tuple(specs))
