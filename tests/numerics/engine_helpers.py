"""Shared helpers of the engine tests: a minimal regimen object and a log-normal test population."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpgtwin.model.declaration import Model, ParameterSet


@dataclass(frozen=True)
class DoseEvents:
    """Parallel arrays like ``hpgtwin.pk.Regimen.dose_events`` returns."""

    time_h: np.ndarray
    drug: np.ndarray
    amount: np.ndarray


@dataclass(frozen=True)
class EveryRegimen:
    """``amount`` of ``drug`` every ``interval_h`` hours from t = 0 (test stand-in for a parsed regimen)."""

    drug: str
    amount: float
    interval_h: float
    text: str = "test regimen"

    def dose_events(self, days: float) -> DoseEvents:
        """Dose times, drugs and amounts over ``days``."""
        t = np.arange(0.0, days * 24.0, self.interval_h)
        return DoseEvents(t, np.array([self.drug] * t.size), np.full(t.size, self.amount))


def population(model: Model, n: int, names: list[str], cv: float = 0.3, seed: int = 0) -> ParameterSet:
    """Log-normal variation (coefficient ``cv``, assumption) of ``names`` around the declared values."""
    rng = np.random.default_rng(seed)
    base = model.default_parameters(n)
    factors = {name: np.exp(rng.normal(0.0, cv, n)) for name in names}
    return base.scaled(factors)
