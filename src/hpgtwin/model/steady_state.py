"""The drug-free baseline steady state of a model for a batch of men (Newton, with Rodas4 relaxation as fallback)."""

from __future__ import annotations

import numpy as np

from hpgtwin.errors import SolverError
from hpgtwin.model.codegen import CompiledModel, compile_model, model_key
from hpgtwin.model.declaration import Model, ParameterSet

RELAX_HOURS = 20_000.0  # assumption: > 10x the slowest time constant expected (sperm transit ~ 74 d = 1776 h)
RESIDUAL_TOL = 1e-11  # per hour, relative to the state: |f_i| / (|y_i| + atol)
_CACHE_SIZE = 512
_cache: dict[tuple[str, bytes], np.ndarray] = {}


def initial_guess(model: Model, n_patients: int = 1) -> np.ndarray:
    """Declared initial values, and 1.0 (in the state's unit) for states that start at steady state."""
    guess = np.array([1.0 if s.initial is None else s.initial for s in model.states], dtype=float)
    return np.tile(guess, (n_patients, 1))


def _solve(compiled: CompiledModel, y: np.ndarray, p: np.ndarray, relax_hours: float, tol: float) -> np.ndarray:
    """Run the batch kernel in place; returns the status per patient."""
    status = np.zeros(p.shape[0], dtype=np.int64)
    counters = np.zeros((p.shape[0], 4), dtype=np.int64)
    compiled.module.steady_state_batch(y, p, relax_hours, 1e-7, 1e-10, tol, status, counters)
    return status


def baseline_states(
    model: Model, parameters: ParameterSet, *, compiled: CompiledModel | None = None,
    relax_hours: float = RELAX_HOURS, tol: float = RESIDUAL_TOL,
) -> tuple[np.ndarray, np.ndarray]:
    """Initial states (n_pat, n_states) and a found-flag per man, never raising (for virtual populations).

    The first man is solved from the declared guess; the others start Newton from his state, and fall back
    to relaxation by Rodas4 only when Newton fails.
    """
    compiled = compiled or compile_model(model)
    p = np.ascontiguousarray(parameters.for_model(model).values)
    key = model_key(model)
    y = np.empty((p.shape[0], len(model.states)))
    ok = np.ones(p.shape[0], dtype=bool)
    todo = []
    for b in range(p.shape[0]):
        hit = _cache.get((key, p[b].tobytes()))
        if hit is None:
            todo.append(b)
        else:
            y[b] = hit
    if todo:
        first = np.ascontiguousarray(initial_guess(model, 1))
        status_first = _solve(compiled, first, np.ascontiguousarray(p[todo[:1]]), relax_hours, tol)
        guess = first if status_first[0] == 0 else np.ascontiguousarray(initial_guess(model, 1))
        rest = np.ascontiguousarray(np.repeat(guess, len(todo), axis=0))
        status = np.zeros(len(todo), dtype=np.int64)
        status[0] = status_first[0]
        if len(todo) > 1:
            status[1:] = _solve(compiled, rest[1:], np.ascontiguousarray(p[todo[1:]]), relax_hours, tol)
        rest[0] = first[0]
        found = (status == 0) & np.all(np.isfinite(rest), axis=1)
        y[todo] = rest
        ok[todo] = found
        for b, good in zip(todo, found, strict=True):
            if good:
                if len(_cache) >= _CACHE_SIZE:
                    _cache.pop(next(iter(_cache)))
                _cache[(key, p[b].tobytes())] = y[b].copy()
    for j, s in enumerate(model.states):
        if s.initial is not None:
            y[:, j] = s.initial
    return y, ok


def baseline_state(
    model: Model, parameters: ParameterSet, *, compiled: CompiledModel | None = None,
    relax_hours: float = RELAX_HOURS, tol: float = RESIDUAL_TOL,
) -> np.ndarray:
    """Initial states (n_pat, n_states): drug-free steady state; raises SolverError if a man has none."""
    y, ok = baseline_states(model, parameters, compiled=compiled, relax_hours=relax_hours, tol=tol)
    if not np.all(ok):
        bad = int(np.flatnonzero(~ok)[0])
        raise SolverError(f"{model.name}: no baseline steady state for patient {bad}")
    return y
