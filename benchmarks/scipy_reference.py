"""The same generated right-hand side integrated by scipy ``solve_ivp`` (LSODA), restarting at each dose.

This is the "textbook" way to simulate the twin in Python: scipy's adaptive solver calling our numba RHS and
analytic Jacobian from Python. Dosing and sampling follow the engine's convention (a sample at a dose time is
taken before the dose).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from hpgtwin.model.codegen import CompiledModel
from hpgtwin.simulate.dosing import BolusSchedule


def simulate_scipy(
    compiled: CompiledModel,
    y0: np.ndarray,
    p: np.ndarray,
    t_sample: np.ndarray,
    schedule: BolusSchedule,
    *,
    method: str = "LSODA",
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> tuple[np.ndarray, int]:
    """States at ``t_sample`` (n_t, n_states) for one man, and the number of RHS evaluations."""
    module = compiled.module
    n = y0.shape[0]
    p = np.ascontiguousarray(p, dtype=float)
    scales = compiled.dose_scales(p)
    nfev = 0

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        dy = np.empty(n)
        module.rhs(t, np.ascontiguousarray(y), p, dy)
        return dy

    def jac(t: float, y: np.ndarray) -> np.ndarray:
        out = np.zeros((n, n))
        module.jac(t, np.ascontiguousarray(y), p, out)
        return out

    out = np.empty((t_sample.shape[0], n))
    y = np.array(y0, dtype=float)
    t = float(t_sample[0])
    done = t_sample <= t
    out[done] = y
    horizon = float(t_sample[-1])
    dose_times = np.unique(schedule.time_h[(schedule.time_h >= t) & (schedule.time_h < horizon)])
    for stop in np.append(dose_times, horizon):
        if stop > t:
            inside = (t_sample > t) & (t_sample <= stop)
            t_eval = t_sample[inside] if inside.any() and t_sample[inside][-1] == stop else np.append(t_sample[inside], stop)
            sol = solve_ivp(rhs, (t, stop), y, method=method, jac=jac, rtol=rtol, atol=atol, t_eval=t_eval)
            if not sol.success:
                raise RuntimeError(f"scipy {method} failed at t={t}: {sol.message}")
            nfev += int(sol.nfev)
            k = int(inside.sum())
            out[inside] = sol.y[:, :k].T
            y = sol.y[:, -1].copy()
            t = float(stop)
        at = schedule.time_h == stop
        for target, amount in zip(schedule.target[at], schedule.amount[at], strict=True):
            y[schedule.target_state[target]] += amount * scales[target]
    return out, nfev
