"""The drug-free baseline steady state of a model for a batch of men (relaxation by Rodas4, then Newton)."""

from __future__ import annotations

import numpy as np

from hpgtwin.errors import SolverError
from hpgtwin.model.codegen import CompiledModel, compile_model
from hpgtwin.model.declaration import Model, ParameterSet

RELAX_HOURS = 20_000.0  # assumption: > 10x the slowest time constant expected (sperm transit ~ 74 d = 1776 h)


def initial_guess(model: Model, n_patients: int = 1) -> np.ndarray:
    """Declared initial values, and 1.0 (in the state's unit) for states that start at steady state."""
    guess = np.array([1.0 if s.initial is None else s.initial for s in model.states], dtype=float)
    return np.tile(guess, (n_patients, 1))


def baseline_state(
    model: Model, parameters: ParameterSet, *, compiled: CompiledModel | None = None,
    relax_hours: float = RELAX_HOURS, tol: float = 1e-11,
) -> np.ndarray:
    """Initial states (n_pat, n_states): steady state without drug, declared values where ``initial`` is set."""
    compiled = compiled or compile_model(model)
    p = np.ascontiguousarray(parameters.for_model(model).values)
    y = np.ascontiguousarray(initial_guess(model, p.shape[0]))
    status = np.zeros(p.shape[0], dtype=np.int64)
    counters = np.zeros((p.shape[0], 4), dtype=np.int64)
    compiled.module.steady_state_batch(y, p, relax_hours, 1e-8, 1e-10, tol, status, counters)
    if np.any(status != 0):
        bad = int(np.flatnonzero(status != 0)[0])
        raise SolverError(f"{model.name}: no baseline steady state for patient {bad} (solver status {status[bad]})")
    for j, s in enumerate(model.states):
        if s.initial is not None:
            y[:, j] = s.initial
    return y
