"""Solvers on the toy model: Rodas4 vs scipy LSODA, fast (ETDRK4) vs tight Rodas4, invariants, batch = single."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import EveryRegimen, population
from engine_toymodel import TOY
from scipy.integrate import solve_ivp

from hpgtwin.errors import InputError
from hpgtwin.model.codegen import compile_model
from hpgtwin.model.steady_state import baseline_state
from hpgtwin.simulate import simulate
from hpgtwin.simulate.dosing import UnsupportedDrug

AI_DAILY = EveryRegimen("anastrozole", 1.0, 24.0)
TE_WEEKLY = EveryRegimen("testosterone_enanthate", 200.0, 168.0)
VARIED = ["ka_ai", "ke_ai", "k_gnrh", "k_lh", "k_t", "vmax_t", "k_arom", "k_e2", "ki_e2", "ka_te", "k_transit"]


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference, relative to |b| floored at 1e-6 of its range (zeros stay comparable)."""
    scale = np.maximum(np.abs(b), 1e-6 * np.max(np.abs(b)) + 1e-300)
    return float(np.max(np.abs(a - b) / scale))


def _lsoda_reference(regimen: EveryRegimen, days: int) -> np.ndarray:
    """Daily states by scipy LSODA (rtol 1e-10, atol 1e-12), restarted at every dose; samples before doses."""
    compiled = compile_model(TOY)
    params = TOY.default_parameters()
    p = params.values[0]
    y = baseline_state(TOY, params, compiled=compiled)[0]
    scale = compiled.dose_scales(p)
    target = [k for k, t in enumerate(TOY.dose_targets) if t.drug == regimen.drug][0]
    state = TOY.state_names.index(TOY.dose_targets[target].state)
    dose_times = set(regimen.dose_events(days).time_h.tolist())
    out = [y.copy()]
    grid = sorted(set(np.arange(days + 1) * 24.0) | dose_times)
    for t0, t1 in zip(grid[:-1], grid[1:], strict=True):
        if t0 in dose_times:
            y[state] += regimen.amount * scale[target]
        sol = solve_ivp(
            lambda _t, u: compiled.rhs(u, p), (t0, t1), y, method="LSODA", rtol=1e-10, atol=1e-12,
            jac=lambda _t, u: compiled.jacobian(u, p),
        )
        y = sol.y[:, -1].copy()
        if t1 % 24.0 == 0.0:
            out.append(y.copy())
    return np.array(out)


@pytest.mark.parametrize("regimen", [AI_DAILY, TE_WEEKLY], ids=["oral-daily", "depot-weekly"])
def test_adaptive_matches_scipy_lsoda(regimen: EveryRegimen) -> None:
    """Rodas4 at rtol 1e-8 equals scipy's LSODA (rtol 1e-10) at every daily sample within 1e-6 relative."""
    days = 21
    ref = _lsoda_reference(regimen, days)
    traj = simulate(regimen, model=TOY, days=days, rtol=1e-8, atol=1e-12)
    assert _max_rel(traj.states[0], ref) < 1e-6


def test_adaptive_default_tolerance_is_tight() -> None:
    """At the default tolerance (rtol 1e-6) outputs stay within 1e-4 of a rtol 1e-11 run over 180 days."""
    ref = simulate(AI_DAILY, model=TOY, days=180, rtol=1e-11, atol=1e-14)
    run = simulate(AI_DAILY, model=TOY, days=180)
    for name in TOY.outputs:
        assert _max_rel(run[name], ref[name]) < 1e-4, name


@pytest.mark.parametrize("regimen", [AI_DAILY, TE_WEEKLY], ids=["oral-daily", "depot-weekly"])
def test_fast_within_half_percent_of_tight_adaptive(regimen: EveryRegimen) -> None:
    """Brief (issue 4): the batch path stays within 0.5% of a tight-tolerance reference, here for 64 varied men."""
    params = population(TOY, 64, VARIED)
    ref = simulate(regimen, model=TOY, parameters=params, days=120, rtol=1e-9, atol=1e-12)
    fast = simulate(regimen, model=TOY, parameters=params, days=120, method="fast")
    assert np.all(fast.status == 0)
    for name in TOY.outputs:
        assert _max_rel(fast[name], ref[name]) < 5e-3, name


@pytest.mark.parametrize("method", ["adaptive", "fast"])
def test_states_stay_non_negative(method: str) -> None:
    """Every state of every man stays >= 0 (adaptive: >= -1e-9, its absolute tolerance) under both regimens."""
    params = population(TOY, 16, VARIED, seed=4)
    for regimen in (AI_DAILY, TE_WEEKLY):
        traj = simulate(regimen, model=TOY, parameters=params, days=90, method=method)
        assert np.min(traj.states) >= (-1e-9 if method == "adaptive" else 0.0)


@pytest.mark.parametrize("method", ["adaptive", "fast"])
def test_zero_dose_keeps_the_baseline(method: str) -> None:
    """A regimen of 0 mg leaves the drug-free steady state unchanged (relative drift < 1e-8)."""
    traj = simulate(EveryRegimen("anastrozole", 0.0, 24.0), model=TOY, days=60, method=method)
    start = traj.states[0, 0]
    drift = np.abs(traj.states[0] - start) / np.maximum(np.abs(start), 1e-12)
    assert np.max(drift) < 1e-8
    none = simulate(None, model=TOY, days=60, method=method)
    np.testing.assert_allclose(none.states, traj.states, rtol=1e-8, atol=1e-15)


def test_batch_equals_single_runs() -> None:
    """The parallel batch gives each man exactly what a single run gives him."""
    params = population(TOY, 5, VARIED, seed=7)
    batch = simulate(AI_DAILY, model=TOY, parameters=params, days=30)
    for i in range(params.n_patients):
        one = simulate(AI_DAILY, model=TOY, parameters=params.patients(i), days=30)
        np.testing.assert_array_equal(one.states[0], batch.states[i])


def test_trajectory_shape_and_dict() -> None:
    """Daily samples 0..days; to_dict gives days plus one list per output."""
    traj = simulate(AI_DAILY, model=TOY, days=10)
    assert traj.days.tolist() == list(range(11))
    assert traj["testosterone_ng_dl"].shape == (1, 11)
    d = traj.to_dict()
    assert list(d) == ["days", *TOY.outputs]
    assert len(d["estradiol_pg_ml"]) == 11


def test_bad_inputs_raise_input_errors() -> None:
    """Unknown drug, bad horizon and unknown method are InputErrors with a clear message."""
    with pytest.raises(UnsupportedDrug, match="letrozole"):
        simulate(EveryRegimen("letrozole", 2.5, 24.0), model=TOY, days=5)
    with pytest.raises(InputError, match="days"):
        simulate(None, model=TOY, days=-1)
    with pytest.raises(InputError, match="method"):
        simulate(None, model=TOY, days=2, method="euler")  # type: ignore[arg-type]


def test_baseline_states_are_steady_for_a_varied_population() -> None:
    """Every man's baseline has |dy/dt| < 1e-9 of the state per hour (solver target 1e-11) and is non-negative."""
    from hpgtwin.model.steady_state import baseline_states

    params = population(TOY, 200, VARIED, seed=11)
    y, ok = baseline_states(TOY, params)
    assert ok.all()
    compiled = compile_model(TOY)
    dy = compiled.rhs(y, params.values)
    assert np.max(np.abs(dy) / (np.abs(y) + 1e-10)) < 1e-9
    assert np.min(y) >= 0.0
