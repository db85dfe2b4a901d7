"""``simulate()``: one entry point for one man or a batch, with bolus dosing and daily output sampling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hpgtwin.errors import InputError, SolverError
from hpgtwin.model.codegen import CompiledModel, compile_model
from hpgtwin.model.declaration import Model, ParameterSet
from hpgtwin.model.steady_state import baseline_state
from hpgtwin.simulate.dosing import BolusSchedule, RegimenLike, bolus_schedule
from hpgtwin.simulate.trajectory import Trajectory

if TYPE_CHECKING:
    from hpgtwin.labs.records import Patient

Method = Literal["adaptive", "fast"]
METHODS: tuple[str, ...] = ("adaptive", "fast")
MAX_DAYS = 36_500.0  # assumption: 100 years is beyond any sensible horizon
RTOL = 1e-6  # adaptive default; performance.md used rtol 1e-6 / atol 1e-9 for its adaptive solvers
ATOL = 1e-9
# Rodas4 first step and restart step after a dose (h). The drug states are integrated exactly, so it only has to
# suit the hormones' response: measured on 10 virtual men x 5 regimens, 0.05 h is accepted after nearly every dose
# (0.1 h is rejected after about half of them for some men; 1e-3 h cost ~3 extra steps per dose).
ADAPTIVE_FIRST_STEP_H = 0.05
FAST_STEP_H = 1.2  # lockstep ETDRK4 step (h), divides 24 h; worst output error vs tight Rodas4 ~3.5e-3 (engine toy model), 1.2e-3 (real model, 6 regimens x 32 virtual men); limit 0.5%
_STATUS = {1: "too many steps", 2: "step size underflow", 3: "non-finite state", 4: "singular Jacobian"}


def default_model() -> Model:
    """The physiology's declared HPG model (``hpgtwin.model.MODEL``)."""
    from hpgtwin.model import MODEL

    return MODEL


def resolve_regimen(regimen: str | RegimenLike | None) -> tuple[str, RegimenLike | None]:
    """Regimen text or object -> (text, object with ``dose_events``); None means no treatment."""
    if regimen is None:
        return "none", None
    if isinstance(regimen, str):
        from hpgtwin.pk import parse_regimen

        parsed = parse_regimen(regimen)
        return regimen, parsed
    if not hasattr(regimen, "dose_events"):
        raise InputError(f"regimen must be text or a Regimen, not {type(regimen).__name__}")
    return str(getattr(regimen, "text", "")), regimen


def resolve_parameters(parameters: ParameterSet | Patient | Any | None, model: Model) -> ParameterSet:
    """A ParameterSet, a Patient (via ``individual_parameters``) or None (the default man)."""
    if isinstance(parameters, ParameterSet):
        return parameters.for_model(model)
    if parameters is None and model is not _maybe_default():
        return model.default_parameters()
    from hpgtwin.model import individual_parameters

    return individual_parameters(parameters).for_model(model)


def _maybe_default() -> Model | None:
    """The default model if the physiology has published it yet."""
    try:
        return default_model()
    except ImportError:
        return None


def sample_times_h(days: float, sample_days: Sequence[float] | None = None) -> np.ndarray:
    """Sample times in hours: every 24 h from 0 to floor(days), or day 0 and the given ``sample_days``."""
    if not isinstance(days, int | float) or not math.isfinite(days) or days <= 0 or days > MAX_DAYS:
        raise InputError(f"days must be a number in (0, {MAX_DAYS:g}], got {days!r}")
    if sample_days is None:
        return np.arange(int(math.floor(days)) + 1, dtype=float) * 24.0
    chosen = np.asarray(sample_days, dtype=float).ravel()
    if not np.all(np.isfinite(chosen)) or np.any(chosen < 0) or np.any(chosen > days):
        raise InputError(f"sample_days must lie within [0, {days:g}]")
    return np.unique(np.concatenate([[0.0], chosen])) * 24.0


def run_schedule(
    compiled: CompiledModel, y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, schedule: BolusSchedule,
    method: str, *, rtol: float = RTOL, atol: float = ATOL, step_h: float = FAST_STEP_H,
    max_steps: int = 5_000_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrate a batch; returns states (n_pat, n_t, n_states), status (n_pat,), counters (n_pat, 4)."""
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    n_pat, n_states = y0.shape
    out = np.empty((n_pat, t_sample.shape[0], n_states))
    status = np.zeros(n_pat, dtype=np.int64)
    counters = np.zeros((n_pat, 4), dtype=np.int64)
    y0c = np.ascontiguousarray(y0, dtype=float)
    pc = np.ascontiguousarray(p, dtype=float)
    events = (schedule.time_h, schedule.target, schedule.amount, schedule.target_state)
    if method == "fast":
        _run_lanes(compiled, y0c, pc, t_sample, events, float(step_h), out)
        status[~np.isfinite(out).all(axis=(1, 2))] = 3
        return out, status, counters
    args = (*events, rtol, atol, ADAPTIVE_FIRST_STEP_H, max_steps)
    if n_pat == 1:
        status[0] = compiled.module.run_patient(y0c[0], pc[0], t_sample, *args, out[0], counters[0])
    else:
        compiled.module.run_batch(y0c, pc, t_sample, *args, out, status, counters)
    return out, status, counters


def _run_lanes(
    compiled: CompiledModel, y0: np.ndarray, p: np.ndarray, t_sample: np.ndarray, events: tuple, h: float,
    out: np.ndarray,
) -> None:
    """The fast method: lockstep ETDRK4 over blocks of men (one block on this thread when it fits)."""
    module = compiled.module
    slopes = p[:, module.SLOPE_PARAMS] * 4.0
    quarter = bool(module.LANE_QUARTER_OK) and bool(
        np.all((slopes == np.round(slopes)) & (slopes > 0.0) & (slopes < 32.0))
    )
    lanes = int(module.LANES)
    if y0.shape[0] <= lanes:
        module.run_lanes(y0, p, t_sample, *events, h, quarter, out)
    else:
        module.run_lanes_batch(y0, p, t_sample, *events, h, quarter, lanes, out)


def simulate(
    regimen: str | RegimenLike | None,
    *,
    parameters: ParameterSet | Patient | None = None,
    days: float = 180,
    method: Method = "adaptive",
    model: Model | None = None,
    initial_state: np.ndarray | None = None,
    rtol: float = RTOL,
    atol: float = ATOL,
    step_h: float = FAST_STEP_H,
    sample_days: Sequence[float] | None = None,
) -> Trajectory:
    """Simulate one man or a batch under a regimen from the drug-free baseline; outputs sampled daily (trough).

    ``method="adaptive"``: Rodas4 with the analytic sparse Jacobian at (rtol, atol). ``method="fast"``:
    lockstep ETDRK4 over blocks of men in SIMD lanes (Jacobian diagonal integrated exactly), steps of
    ``step_h`` hours after a ladder of short steps following each dose (for virtual trials and fitting).
    ``initial_state`` replaces the drug-free baseline. ``sample_days`` reports only those days (and day 0).
    Patients whose solve fails get NaN and a non-zero ``Trajectory.status``; if all fail, SolverError.
    """
    model = model or default_model()
    text, reg = resolve_regimen(regimen)
    params = resolve_parameters(parameters, model)
    t_sample = sample_times_h(days, sample_days)
    horizon_h = float(t_sample[-1])
    events = reg.dose_events(float(days)) if reg is not None else None
    schedule = bolus_schedule(model, events, horizon_h)
    compiled = compile_model(model)
    if initial_state is None:
        y0 = baseline_state(model, params, compiled=compiled)
    else:
        y0 = np.atleast_2d(np.asarray(initial_state, dtype=float))
        if y0.shape[1] != len(model.states):
            raise InputError(f"initial_state needs {len(model.states)} values per patient")
        if y0.shape[0] == 1 and params.n_patients > 1:
            y0 = np.repeat(y0, params.n_patients, axis=0)
    states, status, _ = run_schedule(
        compiled, y0, params.values, t_sample, schedule, method, rtol=rtol, atol=atol, step_h=step_h
    )
    if np.all(status != 0):
        code = int(status[0])
        raise SolverError(f"{model.name}: the {method} solver failed ({_STATUS.get(code, code)})")
    out = compiled.outputs(states, params.values)
    outputs = {name: out[:, :, k] for k, name in enumerate(model.outputs)}
    return Trajectory(t_sample / 24.0, outputs, states, model.state_names, text, method, status)
