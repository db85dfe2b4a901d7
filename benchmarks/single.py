"""One 180-day patient with daily dosing: our adaptive solver vs scipy LSODA (same generated RHS) vs roadrunner."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.common import relative_error, timed
from benchmarks.roadrunner_reference import RoadRunnerLoop, export_sbml_text
from benchmarks.scenario import TIGHT_ATOL, TIGHT_RTOL, scenario
from benchmarks.scipy_reference import simulate_scipy
from hpgtwin.model import MODEL
from hpgtwin.simulate import simulate
from hpgtwin.simulate.engine import ATOL, RTOL, run_schedule


def run(repeats: int = 5) -> dict[str, Any]:
    """Time and check one default man; every solver at the engine's default tolerances (rtol, atol)."""
    sc = scenario()
    p0, y00 = sc.parameters.values[0], sc.y0[0]

    ref_states, ref_nfev = simulate_scipy(
        sc.compiled, y00, p0, sc.t_sample, sc.schedule, rtol=TIGHT_RTOL, atol=TIGHT_ATOL
    )
    reference = sc.outputs(ref_states[None])

    t_simulate, traj = timed(lambda: simulate(sc.regimen, days=sc.days), repeats=repeats)
    t_integrate, (states, _, counters) = timed(
        lambda: run_schedule(sc.compiled, sc.y0, sc.parameters.values, sc.t_sample, sc.schedule, "adaptive"),
        repeats=repeats,
    )
    ours_error = relative_error(sc.outputs(states), reference)

    t_scipy, (scipy_states, scipy_nfev) = timed(
        lambda: simulate_scipy(sc.compiled, y00, p0, sc.t_sample, sc.schedule, rtol=RTOL, atol=ATOL),
        repeats=max(1, repeats // 2),
    )
    scipy_error = relative_error(sc.outputs(scipy_states[None]), reference)

    result: dict[str, Any] = {
        "regimen": sc.regimen,
        "days": sc.days,
        "tolerances": {
            "rtol": RTOL,
            "atol": ATOL,
            "reference_rtol": TIGHT_RTOL,
            "reference_atol": TIGHT_ATOL,
        },
        "reference": "scipy solve_ivp LSODA on the generated RHS + Jacobian at the reference tolerances",
        "reference_rhs_evaluations": ref_nfev,
        "ours_simulate_s": t_simulate,
        "ours_integrate_s": t_integrate,
        "ours_steps_rhs_jac": counters[0].tolist(),
        "ours_exactly_integrated_states": int(sc.compiled.module.LIN_STATES.size),
        "ours_max_rel_error": max(ours_error.values()),
        "ours_error_by_output": ours_error,
        "scipy_lsoda_s": t_scipy,
        "scipy_lsoda_rhs_evaluations": scipy_nfev,
        "scipy_lsoda_max_rel_error": max(scipy_error.values()),
        "speedup_vs_scipy_lsoda": t_scipy / t_integrate,
        "default_trajectory_finite": bool(all(np.all(np.isfinite(v)) for v in traj.outputs.values())),
    }
    result.update(_roadrunner(sc, reference, sc.outputs(states), t_integrate, repeats))
    return result


def _roadrunner(
    sc: Any, reference: dict[str, np.ndarray], ours: dict[str, np.ndarray], t_ours: float, repeats: int
) -> dict[str, Any]:
    """roadrunner on our exported SBML (same man, regimen, tolerances); skipped with the reason if unavailable."""
    sbml, where = export_sbml_text(sc.regimen, sc.days)
    if sbml is None:
        return {"roadrunner": f"skipped: {where}"}
    loop = RoadRunnerLoop.load(
        sbml, MODEL.parameter_names, MODEL.state_names, MODEL.outputs, rtol=RTOL, atol=ATOL
    )
    index = {name: j for j, name in enumerate(MODEL.parameter_names)}
    try:
        t_rr, out = timed(
            lambda: loop.run(sc.parameters.values[0], sc.y0[0], index, sc.days), repeats=repeats
        )
    except RuntimeError as exc:
        return {"roadrunner": f"failed: libroadrunner on SBML from {where}: {str(exc)[:300]}"}
    rr = {k: v[None] for k, v in out.items()}
    rr_error = relative_error(rr, reference)
    return {
        "roadrunner": f"libroadrunner CVODE on SBML from {where}",
        "roadrunner_s": t_rr,
        "roadrunner_max_rel_error": max(rr_error.values()) if rr_error else None,
        "roadrunner_error_by_output": rr_error,
        "speedup_vs_roadrunner": t_rr / t_ours,
        "ours_vs_roadrunner_max_rel_diff": max(relative_error(ours, rr).values(), default=None),
    }
