"""Virtual populations: covariates drawn as reported, parameters from covariates plus correlated random effects.

Age and BMI are drawn from the cohort's reported distribution (truncated normal from mean/SD, two-piece
log-normal from median/IQR, uniform from a range). ``hpgtwin.model.individual_parameters`` turns each man's age, BMI and
conditions into his typical parameters (this is where BMI acts on aromatase and SHBG and age on Leydig and
pituitary efficacy); log-normal random effects from ``params/variability.yaml`` then make every man different.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sps

from hpgtwin.errors import CohortSpecError
from hpgtwin.model.declaration import ParameterSet
from hpgtwin.trials.matching import IQR_PER_SD
from hpgtwin.trials.spec import Covariate, Population
from hpgtwin.trials.variability import Proposal, Variability, load_variability

TypicalParameters = Callable[[np.ndarray, np.ndarray, tuple[str, ...]], ParameterSet]


def sample_covariate(cov: Covariate, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw n values of one covariate from its reported summary (truncated to [min, max] when given).

    mean/SD: normal; median/IQR: two-piece log-normal (each half scaled to its quartile, so median and both
    quartiles are reproduced even when the IQR is skewed); a range alone: uniform; a centre alone: that value.
    """
    lo = -np.inf if cov.min is None else cov.min
    hi = np.inf if cov.max is None else cov.max
    if cov.median is not None and cov.iqr is not None:
        z75 = IQR_PER_SD / 2
        s_low, s_high = np.log(cov.median / cov.iqr[0]) / z75, np.log(cov.iqr[1] / cov.median) / z75

        def cdf(x: float) -> float:
            if x <= 0:
                return 0.0
            if not np.isfinite(x):
                return 1.0
            z = np.log(x / cov.median)
            return float(sps.norm.cdf(z / (s_low if z < 0 else s_high)))

        z = sps.norm.ppf(rng.uniform(cdf(lo), cdf(hi), n))
        return cov.median * np.exp(z * np.where(z < 0, s_low, s_high))
    centre = cov.mean if cov.mean is not None else cov.median
    if centre is not None and cov.sd:
        dist = sps.norm(centre, cov.sd)
        return dist.ppf(rng.uniform(dist.cdf(lo), dist.cdf(hi), n))
    if centre is not None:
        return np.full(n, float(centre))
    return rng.uniform(lo, hi, n)


def model_typical_parameters(ages: np.ndarray, bmis: np.ndarray, conditions: tuple[str, ...]) -> ParameterSet:
    """Typical parameters of each man for his age, BMI and conditions, vectorised over men.

    Applies the ``covariate_effects`` table of ``params/model_parameters.yaml`` with the semantics stated there
    (exp_slope, linear_slope with floor, condition factor), exactly as ``individual_parameters`` does for one man
    (checked against it in tests/unit/test_trials_population.py), then clips to the declared bounds.
    """
    from hpgtwin.model import MODEL
    from hpgtwin.model.individual import covariate_multipliers
    from hpgtwin.params import load_covariate_effects

    # BMI is always drawn, so "obesity" adds nothing beyond it; the call validates the condition codes
    condition_factors = covariate_multipliers(None, None, tuple(c for c in conditions if c != "obesity"))
    base = MODEL.default_parameters(len(ages))
    values = np.array(base.values, copy=True)
    covariates = {"age_years": np.asarray(ages, dtype=float), "bmi_kg_m2": np.asarray(bmis, dtype=float)}
    mult = {name: np.full(len(ages), f) for name, f in condition_factors.items()}
    for e in load_covariate_effects():
        x = covariates.get(e["covariate"])
        if x is None:
            continue
        dx = x - float(e["reference"])
        if e["kind"] == "exp_slope":
            factor = np.exp(float(e["value"]) * (np.maximum(dx, 0.0) if e.get("above_only") else dx))
        elif e["kind"] == "linear_slope":
            factor = np.maximum(1.0 + float(e["value"]) * dx, float(e.get("floor", 0.0)))
        else:
            continue
        mult[e["parameter"]] = mult.get(e["parameter"], 1.0) * factor
    for name, factor in mult.items():
        p = MODEL.parameter(name)
        col = base.index(name)
        values[:, col] = np.clip(values[:, col] * factor, p.lower, p.upper)
    return ParameterSet(base.names, values)


@dataclass(frozen=True)
class Candidates:
    """A batch of virtual men: covariates, parameters and the prior/pool log density ratio of their draws."""

    age_years: np.ndarray
    bmi_kg_m2: np.ndarray
    parameters: ParameterSet
    log_prior_ratio: np.ndarray
    eta: np.ndarray

    def take(self, rows: np.ndarray) -> Candidates:
        """The men at the given rows."""
        return Candidates(self.age_years[rows], self.bmi_kg_m2[rows], self.parameters.patients(rows),
                          self.log_prior_ratio[rows], self.eta[rows])

    @staticmethod
    def concat(parts: list[Candidates]) -> Candidates:
        """Stack batches in order."""
        return Candidates(
            np.concatenate([p.age_years for p in parts]),
            np.concatenate([p.bmi_kg_m2 for p in parts]),
            ParameterSet.concat(p.parameters for p in parts),
            np.concatenate([p.log_prior_ratio for p in parts]),
            np.concatenate([p.eta for p in parts]),
        )


@dataclass(frozen=True)
class VirtualPopulation:
    """A population to draw virtual men from: reported covariates and conditions, and the variability table."""

    population: Population
    variability: Variability = field(default_factory=load_variability)
    typical: TypicalParameters = model_typical_parameters

    @property
    def varied(self) -> Variability:
        """The part of the variability table that this model has."""
        from hpgtwin.model import MODEL

        return self.variability.restricted_to(MODEL.parameter_names)

    def sample(
        self, n: int, rng: np.random.Generator, *, inflation: float = 1.0, proposal: Proposal | None = None
    ) -> Candidates:
        """Draw n men (random effects widened by ``inflation``, or from a matching proposal; Allen 2016)."""
        if n < 1:
            raise CohortSpecError(f"cannot draw {n} virtual men")
        ages = sample_covariate(self.population.age_years, n, rng)
        bmis = sample_covariate(self.population.bmi_kg_m2, n, rng)
        typical = self.typical(ages, bmis, tuple(self.population.conditions))
        var = self.variability.restricted_to(typical.names)
        eta, log_ratio = var.sample(n, rng, inflation, proposal)
        values = np.array(typical.values, copy=True)
        bounds = declared_bounds()
        for j, name in enumerate(var.names):
            col = typical.index(name)
            values[:, col] *= np.exp(eta[:, j])
            if name in bounds:
                values[:, col] = np.clip(values[:, col], *bounds[name])
        return Candidates(ages, bmis, ParameterSet(typical.names, values), log_ratio, eta)


def declared_bounds() -> dict[str, tuple[float, float]]:
    """Declared plausible bounds of the model's parameters: a varied parameter is kept inside them."""
    from hpgtwin.model import MODEL

    return {p.name: (p.lower, p.upper) for p in MODEL.parameters}
