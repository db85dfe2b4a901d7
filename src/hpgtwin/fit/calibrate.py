"""Calibrate the twin to one man: MAP fit of a few identifiable parameters, then a posterior sample.

The labs are log-normal around the twin's prediction (``fit/data/measurement_error.yaml``); the parameters are
log-normal around ``individual_parameters(patient)`` (``fit.prior``). The MAP comes from
``scipy.optimize.least_squares`` on whitened residuals, with a finite-difference Jacobian computed as one batch
simulation. Uncertainty: a Laplace approximation at the MAP, corrected by sampling-importance-resampling against
the exact posterior, so a strongly non-linear posterior is not forced to be Gaussian.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from hpgtwin.errors import CalibrationError, InputError, SolverError
from hpgtwin.fit.history import History, Observation, lab_history
from hpgtwin.fit.prior import Prior, build_prior
from hpgtwin.labs.records import PatientFile

FD_STEP_LOG = (
    1e-3  # forward-difference step in ln(parameter); the fast solver is fixed-step, so outputs are smooth
)
PROPOSAL_INFLATION = 1.5  # SIR proposal = Laplace covariance x 1.5^2 (heavier than the target: assumption)
PROPOSAL_DRAWS_PER_SAMPLE = 2
FAILED_RESIDUAL = 1e3  # whitened residual given to a failed simulation, so the optimizer steps back


def _model_api() -> tuple[Any, Any, Any]:
    """(MODEL, individual_parameters, simulate), imported late so fit loads before the model exists."""
    from hpgtwin.model import MODEL, individual_parameters
    from hpgtwin.simulate import simulate

    return MODEL, individual_parameters, simulate


def with_rows(base: Any, names: tuple[str, ...], log_values: np.ndarray) -> Any:
    """A ParameterSet with one row per row of ``log_values`` (the fitted columns replaced, the rest from row 0)."""
    log_values = np.atleast_2d(log_values)
    index = {n: i for i, n in enumerate(base.names)}
    values = np.repeat(np.asarray(base.values, dtype=float)[:1], log_values.shape[0], axis=0)
    for j, name in enumerate(names):
        values[:, index[name]] = np.exp(log_values[:, j])
    if dataclasses.is_dataclass(base):
        return dataclasses.replace(base, values=values)
    return type(base)(names=tuple(base.names), values=values)


class _Predictor:
    """Predicts every observation of one history for a batch of parameter rows (one simulate call)."""

    def __init__(self, base: Any, prior: Prior, history: History, method: str) -> None:
        _, _, self._simulate = _model_api()
        self.base, self.prior, self.history, self.method = base, prior, history, method
        self.calls = 0
        probe = self._run(prior.mean_log[None, :])
        kept = tuple(o for o in history.observations if o.output in probe.outputs)
        dropped = sorted({o.output for o in history.observations} - {o.output for o in kept})
        if not kept:
            raise CalibrationError("the model produces none of the outputs this man's labs measure")
        notes = (f"left out (the model has no such output): {', '.join(dropped)}",) if dropped else ()
        self.history = dataclasses.replace(
            history, observations=kept, conventions=history.conventions + notes
        )
        self.observed = np.log([o.value for o in kept])
        self.sigma = np.array([o.sigma_log for o in kept])

    def _run(self, log_values: np.ndarray) -> Any:
        self.calls += 1
        params = with_rows(self.base, self.prior.names, log_values)
        return self._simulate(
            self.history.regimen, parameters=params, days=self.history.days, method=self.method
        )

    def log_predictions(self, log_values: np.ndarray) -> np.ndarray:
        """ln(predicted value) of each observation, shape (rows, n_obs)."""
        traj = self._run(log_values)
        cols = []
        for o in self.history.observations:
            series = np.asarray(traj.outputs[o.output], dtype=float)
            cols.append(series[:, int(round(o.day))])
        pred = np.stack(cols, axis=1)
        return np.log(np.clip(pred, 1e-12, None))

    def robust_log_predictions(self, log_values: np.ndarray) -> np.ndarray:
        """As log_predictions, but rows whose simulation fails give NaN instead of failing the batch."""
        try:
            return self.log_predictions(log_values)
        except SolverError:
            if log_values.shape[0] == 1:
                return np.full((1, len(self.observed)), np.nan)
            return np.vstack([self.robust_log_predictions(row[None, :]) for row in log_values])

    def residuals(self, log_values: np.ndarray) -> np.ndarray:
        """Whitened residuals (data then prior), shape (rows, n_obs + n_par); NaN where a simulation failed."""
        log_values = np.atleast_2d(log_values)
        data = (self.robust_log_predictions(log_values) - self.observed) / self.sigma
        prior = (log_values - self.prior.mean_log) / self.prior.sd_log
        return np.concatenate([data, prior], axis=1)


@dataclass(frozen=True)
class FittedParameter:
    """Prior, MAP and posterior summary of one fitted parameter."""

    role: str
    name: str
    unit: str
    prior_value: float
    map_value: float
    posterior_median: float
    lower_95: float
    upper_95: float
    shrinkage: float  # posterior sd / prior sd of ln(parameter): near 1 = the labs say little about it
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class PersonalTwin:
    """A twin calibrated to one man: a posterior sample of parameter sets and how it was obtained."""

    patient_id: str
    parameters: Any  # ParameterSet, one row per posterior draw
    map_parameters: Any  # ParameterSet, one row
    fitted: tuple[FittedParameter, ...]
    history: History
    log_sample: np.ndarray  # (n_samples, n_fitted) ln(parameter) draws
    diagnostics: dict[str, Any] = field(default_factory=dict)
    projection_cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_samples(self) -> int:
        """Number of posterior draws."""
        return int(self.log_sample.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (not the raw sample)."""
        return {
            "patient_id": self.patient_id,
            "n_samples": self.n_samples,
            "parameters": [f.to_dict() for f in self.fitted],
            "history": self.history.to_dict(),
            "diagnostics": self.diagnostics,
        }


def _laplace_cov(jac: np.ndarray) -> np.ndarray:
    """Posterior covariance of ln(parameters) from the whitened Jacobian at the MAP: (J^T J)^-1."""
    info = jac.T @ jac
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise CalibrationError(
            "the labs and prior cannot identify the parameters (singular information)"
        ) from exc


def _sir(
    predictor: _Predictor, x_map: np.ndarray, cov: np.ndarray, n_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Sampling-importance-resampling from an inflated Laplace proposal; returns (draws, effective sample size)."""
    lo, hi = predictor.prior.bounds_log
    prop_cov = cov * PROPOSAL_INFLATION**2
    chol = np.linalg.cholesky(prop_cov + 1e-12 * np.eye(len(x_map)))
    m = n_samples * PROPOSAL_DRAWS_PER_SAMPLE
    z = rng.standard_normal((m, len(x_map)))
    draws = x_map + z @ chol.T
    inside = np.all((draws >= lo) & (draws <= hi), axis=1)
    draws = np.where(inside[:, None], draws, x_map)
    r = predictor.residuals(draws)
    log_post = -0.5 * np.sum(r * r, axis=1)
    log_q = -0.5 * np.sum(z * z, axis=1)
    log_w = np.where(inside & np.isfinite(log_post), log_post - log_q, -np.inf)
    if not np.any(np.isfinite(log_w)):
        raise CalibrationError("every posterior draw failed to simulate")
    w = np.exp(log_w - np.max(log_w))
    w /= w.sum()
    ess = float(1.0 / np.sum(w * w))
    idx = rng.choice(m, size=n_samples, replace=True, p=w)
    return draws[idx], ess


def calibrate(
    pf: PatientFile,
    *,
    n_samples: int = 200,
    seed: int = 0,
    regimen_start: date | None = None,
    method: str = "fast",
) -> PersonalTwin:
    """Fit the twin's identifiable parameters to one man's labs (with the regimen he took) and sample the posterior."""
    if not isinstance(pf, PatientFile):
        raise InputError(f"calibrate needs a PatientFile, not {type(pf).__name__}")
    if not isinstance(n_samples, int) or n_samples < 1:
        raise InputError(f"n_samples must be a positive integer, got {n_samples!r}")
    model, individual_parameters, _ = _model_api()
    history = lab_history(pf, regimen_start=regimen_start)
    base = individual_parameters(pf.patient)
    declared = {p.name: p for p in model.parameters}
    prior = build_prior(tuple(base.names), np.asarray(base.values, dtype=float)[0], declared)
    predictor = _Predictor(base, prior, history, method)
    lo, hi = prior.bounds_log
    n_par = len(prior.names)
    eye = np.eye(n_par) * FD_STEP_LOG
    cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = np.asarray(x, dtype=float).tobytes()
        if key not in cache:
            rows = np.vstack([x, x + eye])
            r = predictor.residuals(rows)
            r = np.where(np.isfinite(r), r, FAILED_RESIDUAL)
            cache.clear()
            cache[key] = (r[0], ((r[1:] - r[0]) / FD_STEP_LOG).T)
        return cache[key]

    x0 = np.clip(prior.mean_log, lo, hi)
    result = least_squares(
        lambda x: evaluate(x)[0],
        x0,
        jac=lambda x: evaluate(x)[1],
        bounds=(lo, hi),
        method="trf",
        x_scale=prior.sd_log,
    )
    if not np.all(np.abs(result.fun) < FAILED_RESIDUAL):
        raise CalibrationError("the twin could not be simulated at the fitted parameters")
    x_map = result.x
    cov = _laplace_cov(evaluate(x_map)[1])
    rng = np.random.default_rng(seed)
    sample, ess = _sir(predictor, x_map, cov, n_samples, rng)

    n_obs = len(predictor.history.observations)
    pred_map = np.exp(predictor.log_predictions(x_map[None, :])[0])
    fitted = []
    post_sd = sample.std(axis=0)
    for j, spec in enumerate(prior.specs):
        col = np.exp(sample[:, j])
        fitted.append(
            FittedParameter(
                role=spec.role,
                name=spec.name,
                unit=spec.unit,
                prior_value=spec.prior_value,
                map_value=float(np.exp(x_map[j])),
                posterior_median=float(np.median(col)),
                lower_95=float(np.quantile(col, 0.025)),
                upper_95=float(np.quantile(col, 0.975)),
                shrinkage=float(post_sd[j] / spec.sd_log),
                source=spec.source,
            )
        )
    diagnostics = {
        "converged": bool(result.success),
        "optimizer_message": str(result.message),
        "n_observations": n_obs,
        "n_fitted": n_par,
        "map_objective": float(0.5 * np.sum(result.fun**2)),
        "data_chi2": float(np.sum(result.fun[:n_obs] ** 2)),
        "posterior_method": "Laplace at the MAP, then sampling-importance-resampling against the exact posterior",
        "proposal_draws": n_samples * PROPOSAL_DRAWS_PER_SAMPLE,
        "effective_sample_size": round(ess, 1),
        "simulations": predictor.calls,
        "fit": [
            {
                "date": o.date.isoformat() if o.date else None,
                "day": o.day,
                "output": o.output,
                "observed": o.value,
                "predicted": float(p),
                "z": float((np.log(p) - np.log(o.value)) / o.sigma_log),
            }
            for o, p in zip(predictor.history.observations, pred_map, strict=True)
        ],
    }
    return PersonalTwin(
        patient_id=pf.patient.id,
        parameters=with_rows(base, prior.names, sample),
        map_parameters=with_rows(base, prior.names, x_map[None, :]),
        fitted=tuple(fitted),
        history=predictor.history,
        log_sample=sample,
        diagnostics=diagnostics,
    )


__all__ = ["FittedParameter", "Observation", "PersonalTwin", "calibrate", "with_rows"]
