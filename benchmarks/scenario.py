"""The benchmark scenario: the default man (or a virtual population) under a regimen, ready for every solver."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hpgtwin.model import MODEL, individual_parameters
from hpgtwin.model.codegen import CompiledModel, compile_model
from hpgtwin.model.declaration import ParameterSet
from hpgtwin.model.steady_state import baseline_state
from hpgtwin.pk import parse_regimen
from hpgtwin.simulate.dosing import BolusSchedule, bolus_schedule

REGIMEN = "anastrozole 1 mg daily"  # the performance.md anchor: daily dosing
DAYS = 180  # the performance.md anchor: one 180-day patient
TIGHT_RTOL = 1e-10  # reference tolerances (performance.md used rtol 1e-11 for its LSODA reference)
TIGHT_ATOL = 1e-12


@dataclass(frozen=True)
class Scenario:
    """Everything a solver needs: compiled model, parameters, initial states, sample times and doses."""

    regimen: str
    days: int
    compiled: CompiledModel
    parameters: ParameterSet
    y0: np.ndarray
    t_sample: np.ndarray
    schedule: BolusSchedule

    @property
    def n(self) -> int:
        """Number of men."""
        return self.parameters.n_patients

    def outputs(self, states: np.ndarray) -> dict[str, np.ndarray]:
        """Output arrays (n_men, n_days+1) from states (n_men, n_days+1, n_states)."""
        values = self.compiled.outputs(
            np.ascontiguousarray(states), self.parameters.values[: states.shape[0]]
        )
        return {name: values[:, :, k] for k, name in enumerate(MODEL.outputs)}


def virtual_population(n: int, seed: int = 1) -> ParameterSet:
    """n men from the trials' default virtual population (covariates and between-man variability)."""
    from hpgtwin.trials import VirtualPopulation
    from hpgtwin.trials.spec import Population

    rng = np.random.default_rng(seed)
    return VirtualPopulation(Population()).sample(n, rng).parameters.for_model(MODEL)


def tiled(parameters: ParameterSet, n: int) -> ParameterSet:
    """``parameters`` repeated up to n men (throughput does not depend on which men are repeated)."""
    reps = math.ceil(n / parameters.n_patients)
    return parameters.repeat(reps).patients(slice(0, n))


def scenario(parameters: ParameterSet | None = None, *, regimen: str = REGIMEN, days: int = DAYS) -> Scenario:
    """Build the scenario for ``parameters`` (default: the default man)."""
    ps = (parameters or individual_parameters(None)).for_model(MODEL)
    compiled = compile_model(MODEL)
    y0 = baseline_state(MODEL, ps, compiled=compiled)
    t_sample = np.arange(days + 1, dtype=float) * 24.0
    schedule = bolus_schedule(MODEL, parse_regimen(regimen).dose_events(days), float(t_sample[-1]))
    return Scenario(regimen, days, compiled, ps, y0, t_sample, schedule)
