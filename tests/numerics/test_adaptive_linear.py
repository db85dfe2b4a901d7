"""Adaptive Rodas4 with the exactly integrated linear (drug) subsystem.

Codegen finds the states whose rates are linear, homogeneous, with constant coefficients and closed under
coupling (the drug depots, compartments and release chains); the adaptive solver advances them by exp(hA) and
controls the error of the others only. Checked here: the subsystem found from the declaration (against a
numerical Jacobian criterion), the block exponentials (against scipy's expm), exactness of the drug states and
accuracy against an independent tight scipy LSODA reference on the real model.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from engine_toymodel import TOY
from scipy.integrate import solve_ivp

from hpgtwin.model.codegen import compile_model
from hpgtwin.model.steady_state import baseline_state

RTOL, ATOL = 1e-6, 1e-9  # the engine's adaptive defaults (hpgtwin.simulate.engine.RTOL/ATOL)
ACCURACY = 1e-5  # brief (issue 4): error vs a tight reference stays at the rtol-1e-6 level (10 x rtol)


def _real_model():
    """The physiology's MODEL, or skip until it exists."""
    try:
        from hpgtwin.model import MODEL
        from hpgtwin.pk import parse_regimen  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only while the physiology/pk parts are missing
        pytest.skip(f"hpgtwin.model.MODEL or hpgtwin.pk not available yet ({exc})")
    return MODEL


def _numerical_linear_set(compiled, p: np.ndarray, seed: int = 0) -> set[int]:
    """Largest set of rows with the same Jacobian row at random states, coupled only among themselves."""
    rng = np.random.default_rng(seed)
    n = compiled.n_states
    jacs = [compiled.jacobian(rng.uniform(0.1, 5.0, n), p) for _ in range(3)]
    f_ones = compiled.rhs(np.ones(n), p)
    members = {
        i for i in range(n)
        if all(np.array_equal(jacs[0][i], j[i]) for j in jacs[1:]) and np.isclose(f_ones[i], jacs[0][i].sum())
    }
    changed = True
    while changed:
        changed = False
        for i in list(members):
            deps = {j for j in range(n) if any(jm[i, j] != 0.0 for jm in jacs)}
            if not deps <= members:
                members.discard(i)
                changed = True
    return members


@pytest.mark.parametrize("which", ["toy", "real"])
def test_linear_subsystem_is_the_closed_constant_coefficient_set(which: str) -> None:
    """LIN_STATES equals the numerically found set; blocks are disjoint, cover it, and are lower triangular."""
    model = TOY if which == "toy" else _real_model()
    compiled = compile_model(model)
    m = compiled.module
    p = model.default_parameters().values[0]
    found = set(m.LIN_STATES.tolist())
    assert found == _numerical_linear_set(compiled, p)
    assert found.isdisjoint(m.NONLIN_STATES.tolist())
    assert found | set(m.NONLIN_STATES.tolist()) == set(range(compiled.n_states))
    amat = np.empty(m.LIN_MAT_SIZE)
    m.linear_blocks(p, amat)
    dense = compiled.jacobian(np.ones(compiled.n_states), p)
    for b in range(m.LIN_PTR.size - 1):
        idx = m.LIN_STATES[m.LIN_PTR[b] : m.LIN_PTR[b + 1]]
        k = idx.size
        block = amat[m.LIN_MAT_PTR[b] : m.LIN_MAT_PTR[b] + k * k].reshape(k, k)
        np.testing.assert_allclose(block, dense[np.ix_(idx, idx)], rtol=1e-14, atol=0)
        assert m.LIN_LOWER[b] == int(np.all(np.triu(block, 1) == 0.0))
    if which == "real":
        assert len(found) > 0 and all(dt.state in {model.states[i].name for i in found} for dt in model.dose_targets)


def _blocks() -> list[np.ndarray]:
    """Test matrices (1/h): depot -> central, equal-rate 2- and 3-stage chains, a 5-state fan-in, a cyclic one."""
    rng = np.random.default_rng(4)
    fan = np.diag(-rng.uniform(0.01, 5.0, 5))
    fan[4, :4] = -np.diag(fan)[:4]
    return [
        np.array([[-4.5, 0.0], [4.5, -0.015]]),
        np.array([[-0.0125, 0.0], [0.0125, -0.0125]]),
        np.array([[-0.3, 0.0, 0.0], [0.3, -0.3, 0.0], [0.0, 0.3, -0.3]]),
        np.array([[-2.0, 0.0, 0.0], [2.0, -2.0000001, 0.0], [0.0, 2.0, -0.7]]),
        fan,
        np.array([[-1.0, 0.5, 0.0], [1.0, -0.8, 0.0], [0.0, 0.3, -0.2]]),
    ]


# Squaring amplifies rounding by about the number of squarings times the condition (Higham 2005, SIAM J Matrix
# Anal Appl 26:1179): 1e-9 of the largest entry is far below the solver's rtol 1e-6 and far above rounding.
EXPM_TOLERANCE = 1e-9


@pytest.mark.parametrize("h", [1e-4, 0.05, 1.0, 24.0, 400.0])
def test_block_exponentials_match_scipy_expm(h: float) -> None:
    """Parlett (when it accepts) and Pade scaling-and-squaring equal scipy.linalg.expm to 1e-9 of max |exp(hA)|."""
    m = compile_model(TOY).module
    for a in _blocks():
        k = a.shape[0]
        expected = scipy.linalg.expm(h * a)
        w = np.zeros((7, k, k))
        m.expm_block(a.ravel().copy(), 0, k, h, w)
        np.testing.assert_allclose(w[0], expected, rtol=0, atol=EXPM_TOLERANCE * np.abs(expected).max())
        if np.all(np.triu(a, 1) == 0.0) and m.expm_lower(a.ravel().copy(), 0, k, h, w):
            np.testing.assert_allclose(w[0], expected, rtol=0, atol=EXPM_TOLERANCE * np.abs(expected).max())


def test_parlett_declines_a_confluent_chain_it_cannot_do_stably() -> None:
    """Three equal-rate stages need the intermediate term divided by a zero gap: Parlett must hand over to Pade."""
    m = compile_model(TOY).module
    chain = _blocks()[2]
    assert not m.expm_lower(chain.ravel().copy(), 0, 3, 1.0, np.zeros((7, 3, 3)))


def _stops(schedule, t_sample: np.ndarray) -> np.ndarray:
    """Dose and sample times after the first sample (doses at a stop are given after integrating to it)."""
    times = np.append(schedule.time_h, t_sample)
    return np.unique(times[(times > t_sample[0]) & (times <= t_sample[-1])])


@pytest.mark.parametrize(
    "regimen", ["anastrozole 1 mg daily", "testosterone enanthate 200 mg weekly", "hcg 2000 IU 3x/week"]
)
def test_adaptive_matches_tight_reference_and_drug_states_are_exact(regimen: str) -> None:
    """Two varied men, 21 days: outputs within 1e-5 of LSODA at rtol 1e-10; drug states exact up to roundoff
    (1e-10 relative: the dose-by-dose matrix exponentials accumulate about 1e-12 over 21 days)."""
    from benchmarks.scipy_reference import simulate_scipy

    from hpgtwin.pk import parse_regimen
    from hpgtwin.simulate.dosing import bolus_schedule
    from hpgtwin.simulate.engine import run_schedule

    model = _real_model()
    compiled = compile_model(model)
    rng = np.random.default_rng(11)
    names = [p.name for p in model.parameters if "_per_h" in p.name or "ic50" in p.name or "ec50" in p.name]
    params = model.default_parameters(2).scaled({k: np.exp(rng.normal(0.0, 0.25, 2)) for k in names})
    days = 21
    t_sample = np.arange(days + 1) * 24.0
    schedule = bolus_schedule(model, parse_regimen(regimen).dose_events(days), float(t_sample[-1]))
    y0 = baseline_state(model, params, compiled=compiled)
    states, status, _ = run_schedule(compiled, y0, params.values, t_sample, schedule, "adaptive", rtol=RTOL, atol=ATOL)
    assert np.all(status == 0)
    lin = compiled.module.LIN_STATES
    for b in range(2):
        ref = simulate_scipy(compiled, y0[b], params.values[b], t_sample, schedule, rtol=1e-10, atol=1e-12)[0]
        ours_out = compiled.outputs(states[b : b + 1], params.values[b : b + 1])[0]
        ref_out = compiled.outputs(ref[None], params.values[b : b + 1])[0]
        scale = np.maximum(np.abs(ref_out), 1e-3 * np.abs(ref_out).max(axis=0)) + 1e-300
        err = np.abs(ours_out - ref_out) / scale
        active = np.abs(ref_out).max(axis=0) > 1e-9
        assert err[:, active].max() <= ACCURACY, model.outputs[int(np.argmax(err[:, active].max(axis=0)))]
        exact = _exact_linear_states(compiled, params.values[b], y0[b], t_sample, schedule)
        lin_scale = np.abs(exact).max(axis=0) + 1e-300
        assert np.max(np.abs(states[b][:, lin] - exact) / lin_scale) <= 1e-10


def _exact_linear_states(compiled, p: np.ndarray, y0: np.ndarray, t_sample: np.ndarray, schedule) -> np.ndarray:
    """The drug states at the sample times by scipy's expm of the constant linear block, dose by dose."""
    lin = compiled.module.LIN_STATES
    a = compiled.jacobian(y0, p)[np.ix_(lin, lin)]
    where = {int(s): k for k, s in enumerate(lin)}
    scales = compiled.dose_scales(p)
    x, t = y0[lin].copy(), float(t_sample[0])
    out = np.empty((t_sample.size, lin.size))
    out[0] = x
    for stop in _stops(schedule, t_sample):
        for target, amount in zip(schedule.target[schedule.time_h == t], schedule.amount[schedule.time_h == t],
                                  strict=True):
            x[where[int(schedule.target_state[target])]] += amount * scales[target]
        x = scipy.linalg.expm(a * (stop - t)) @ x
        t = float(stop)
        out[t_sample == stop] = x
    return out


def test_model_without_a_linear_subsystem_compiles_and_integrates() -> None:
    """Empty index tables: no state is advanced by exp(hA), the error norm covers every state, results match scipy."""
    from hpgtwin.model.declaration import Model, Parameter, Rate, State
    from hpgtwin.simulate import simulate

    def param(name: str, value: float) -> Parameter:
        return Parameter(name, value, "1/h", value / 10, value * 10, "engine test model", "tests/numerics",
                         "assumption", name)

    model = Model(
        name="engine_nonlinear_only",
        states=(State("x", "1", "logistic state", 0.1), State("z", "1", "driven saturating state", 0.0)),
        parameters=(param("r", 0.3), param("k_z", 0.5)),
        assignments=(),
        rates=(Rate("x", "r*x*(1 - x)"), Rate("z", "x**2 - k_z*z*z")),
        dose_targets=(),
        outputs=("x", "z"),
    )
    m = compile_model(model).module
    assert m.LIN_STATES.size == 0 and m.NONLIN_STATES.tolist() == [0, 1]
    traj = simulate(None, model=model, days=2, initial_state=np.array([0.1, 0.0]))
    p = model.default_parameters().values[0]
    ref = solve_ivp(lambda t, y: [p[0] * y[0] * (1 - y[0]), y[0] ** 2 - p[1] * y[1] ** 2], (0.0, 48.0), [0.1, 0.0],
                    method="LSODA", rtol=1e-11, atol=1e-13, t_eval=[0.0, 24.0, 48.0])
    np.testing.assert_allclose(traj.states[0].T, ref.y, rtol=ACCURACY)
