"""Between-subject variability of the twin's parameters, read from ``params/variability.yaml``.

Each varying parameter is log-normal around the covariate-driven value of ``individual_parameters`` (age, BMI,
conditions): theta_i = theta(covariates_i) x exp(eta_i), eta ~ N(0, Omega), Omega from the CVs
(omega^2 = ln(1 + CV^2)) and the correlations listed with their physiological reason and source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

from hpgtwin.errors import CohortSpecError


@dataclass(frozen=True)
class RandomEffect:
    """One varying parameter: its between-subject CV and where that number comes from."""

    name: str
    cv: float
    source: str
    evidence: str

    @property
    def omega(self) -> float:
        """Log-normal SD of the parameter, sqrt(ln(1 + CV^2))."""
        return float(np.sqrt(np.log1p(self.cv**2)))


@dataclass(frozen=True)
class Variability:
    """The random effects and their correlation matrix."""

    effects: tuple[RandomEffect, ...]
    correlation: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the varying parameters, in matrix order."""
        return tuple(e.name for e in self.effects)

    @property
    def covariance(self) -> np.ndarray:
        """Omega, the covariance of the log random effects."""
        omega = np.array([e.omega for e in self.effects])
        return self.correlation * np.outer(omega, omega)

    def restricted_to(self, available: Sequence[str]) -> Variability:
        """The part of the table whose parameters exist in a model (the rest is ignored)."""
        keep = [i for i, e in enumerate(self.effects) if e.name in set(available)]
        return Variability(tuple(self.effects[i] for i in keep), self.correlation[np.ix_(keep, keep)])

    def sample(
        self, n: int, rng: np.random.Generator, inflation: float = 1.0, proposal: Proposal | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw eta (n x k) from N(0, inflation^2 Omega), or from a proposal, and log(prior / pool) of each draw."""
        k = len(self.effects)
        if k == 0:
            return np.zeros((n, 0)), np.zeros(n)
        z = rng.standard_normal((n, k))
        if proposal is not None:
            if proposal.names != self.names:
                raise CohortSpecError("matching proposal does not match the variability table")
            eta = proposal.mean + z @ np.linalg.cholesky(proposal.cov).T
            return eta, _log_normal(eta, np.zeros(k), self.covariance) - _log_normal(eta, proposal.mean, proposal.cov)
        chol = np.linalg.cholesky(self.covariance)
        eta = inflation * z @ chol.T
        log_ratio = k * np.log(inflation) - 0.5 * np.sum(z**2, axis=1) * (inflation**2 - 1)
        return eta, log_ratio


@dataclass(frozen=True)
class Proposal:
    """A Gaussian for the random effects that concentrates candidates where the matched cohort lies."""

    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray


def _log_normal(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, (x - mean).T)
    return -0.5 * np.sum(z**2, axis=0) - np.sum(np.log(np.diag(chol)))


def parse_variability(data: dict) -> Variability:
    """Build a Variability from the parsed YAML table (checks CVs, correlations and positive definiteness)."""
    rows = data.get("parameters") or []
    effects = []
    for row in rows:
        cv = float(row["cv"])
        if not 0 < cv < 5:
            raise CohortSpecError(f"variability of {row['name']}: cv {cv} must be in (0, 5)")
        effects.append(RandomEffect(str(row["name"]), cv, str(row["source"]), str(row.get("evidence", "assumption"))))
    names = [e.name for e in effects]
    if len(set(names)) != len(names):
        raise CohortSpecError("variability table lists a parameter twice")
    corr = np.eye(len(effects))
    for row in data.get("correlations") or []:
        a, b = row["between"]
        if a not in names or b not in names:
            continue
        rho = float(row["rho"])
        if not -1 < rho < 1:
            raise CohortSpecError(f"correlation {a}-{b}: rho {rho} must be in (-1, 1)")
        i, j = names.index(a), names.index(b)
        corr[i, j] = corr[j, i] = rho
    if effects and np.min(np.linalg.eigvalsh(corr)) <= 0:
        raise CohortSpecError("variability correlations are not positive definite")
    return Variability(tuple(effects), corr)


@cache
def load_variability() -> Variability:
    """The table shipped in ``hpgtwin/params/variability.yaml``."""
    text = resources.files("hpgtwin.params").joinpath("variability.yaml").read_text(encoding="utf-8")
    return parse_variability(yaml.safe_load(text))
