"""Match a virtual cohort to reported baseline means/SDs by acceptance or by weighting.

After Allen RJ, Rieger TR, Musante CJ. "Efficient generation and selection of virtual populations in quantitative
systems pharmacology models." CPT Pharmacometrics Syst Pharmacol 2016;5:140-146: plausible men are drawn from a
(optionally widened) parameter distribution and each is accepted with a probability proportional to a weight,
scaled so that the largest weights (above a quantile K) are accepted with certainty; the scaling is chosen by
goodness of fit. The weight here is the minimum-information tilt of the prior population that reproduces the
reported statistics exactly on a pilot pool (exponential tilting / entropy balancing, Hainmueller J. Political
Analysis 2012;20:25-46): w_i = prior/pool_i x exp(lambda . f_i), with one moment feature per reported statistic
(mean, SD; or median and IQR on the log scale). Quantities that are not reported keep their prior spread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from hpgtwin.trials.spec import Statistic
from hpgtwin.trials.statistics import effective_sample_size

IQR_PER_SD = 1.3489795
"""Width of the interquartile range of a normal distribution in SDs (2 x 0.67449)."""

FLOOR = 1e-9
"""Observables are floored before taking logs (a man with no sperm stays finite in log space)."""

CLIP_QUANTILES = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)
"""Candidate scalings K (quantiles of the pilot's log weights), tried from the highest yield down (Allen 2016)."""

MIN_PILOT_ESS = 50.0
"""A scaling is trusted only if at least this many pilot men carry its weight (Kish effective size)."""


def log_observables(values: np.ndarray) -> np.ndarray:
    """Natural log of observables (n_men x n_quantities), floored at FLOOR."""
    return np.log(np.maximum(np.asarray(values, dtype=float), FLOOR))


def target_log_moments(stat: Statistic, pool_log_sd: float) -> tuple[float, float]:
    """Log-space mean and SD of a reported statistic (log-normal moment matching; pool SD when none reported)."""
    if stat.iqr is not None:
        s = (np.log(stat.iqr[1]) - np.log(stat.iqr[0])) / IQR_PER_SD
    elif stat.sd is not None and stat.mean is not None:
        s = np.sqrt(np.log1p((stat.sd / stat.mean) ** 2))
    else:
        s = pool_log_sd
    if stat.median is not None:
        return float(np.log(stat.median)), float(s)
    assert stat.mean is not None
    return float(np.log(stat.mean) - s**2 / 2), float(s)


def moment_features(observables: np.ndarray, targets: list[Statistic]) -> np.ndarray:
    """Features whose weighted mean is zero exactly when the reported statistics are met (n_men x n_features).

    mean: X/m - 1; mean and SD: also (X/m - 1)^2 - (sd/m)^2; median: ln X - ln median (the log-mean of a
    log-normal); median and IQR: also (ln X - ln median)^2 - s^2 with s = ln(Q3/Q1) / 1.349.
    """
    x = np.maximum(np.asarray(observables, dtype=float), FLOOR)
    cols = []
    for i, t in enumerate(targets):
        if t.mean is not None:
            r = x[:, i] / t.mean - 1
            cols.append(r)
            if t.sd is not None:
                cols.append(r**2 - (t.sd / t.mean) ** 2)
        else:
            d = np.log(x[:, i]) - np.log(t.median)
            cols.append(d)
            if t.iqr is not None:
                cols.append(d**2 - ((np.log(t.iqr[1]) - np.log(t.iqr[0])) / IQR_PER_SD) ** 2)
    return np.column_stack(cols) if cols else np.zeros((x.shape[0], 0))


TILT_RIDGE = 1e-4
"""Ridge on lambda: keeps the tilt finite when the reported statistics lie outside what the model can produce."""

TILT_BOUND = 40.0
"""Bound on each component of lambda (features are O(1), so |lambda| = 40 is already a near-degenerate tilt)."""


def tilt(features: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """lambda of the exponential tilt exp(lambda . f) of the prior weights that zeroes the weighted feature means."""
    k = features.shape[1]
    f = np.clip(features, -1e6, 1e6)

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        z = log_prior + f @ lam
        zmax = z.max()
        w = np.exp(z - zmax)
        total = w.sum()
        value = float(np.log(total) + zmax + 0.5 * TILT_RIDGE * lam @ lam)
        return value, (w @ f) / total + TILT_RIDGE * lam

    res = optimize.minimize(dual, np.zeros(k), jac=True, method="L-BFGS-B",
                            bounds=[(-TILT_BOUND, TILT_BOUND)] * k, options={"maxiter": 1000, "gtol": 1e-10})
    return np.nan_to_num(np.asarray(res.x, dtype=float))


@dataclass(frozen=True)
class Acceptor:
    """The fitted matching rule: the reported statistics, the tilt lambda and the acceptance scale log K."""

    quantities: tuple[str, ...]
    method: str
    targets: tuple[Statistic, ...]
    lam: np.ndarray
    log_k: float
    expected_yield: float
    clip_quantile: float = 1.0

    def log_weight(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Log weight of each candidate: prior/pool ratio plus the tilt of his baseline observables."""
        lpr = np.asarray(log_prior_ratio, dtype=float)
        if not self.quantities:
            return lpr
        obs = np.asarray(observables, dtype=float)
        bad = ~np.all(np.isfinite(obs), axis=1)
        lw = lpr + moment_features(np.where(np.isfinite(obs), obs, 1.0), list(self.targets)) @ self.lam
        return np.where(bad, -np.inf, lw)

    def acceptance_probability(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Probability of accepting each candidate, min(1, w / K)."""
        return np.exp(np.minimum(self.log_weight(observables, log_prior_ratio) - self.log_k, 0.0))

    def weight(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Truncated weight min(w, K) / K of each candidate (matching by weighting)."""
        return self.acceptance_probability(observables, log_prior_ratio)


def _worst_error(p: np.ndarray, observables: np.ndarray, targets: list[Statistic]) -> float:
    """Largest |ln(matched / reported)| of the means (or medians) under acceptance probabilities p."""
    worst = 0.0
    for i, t in enumerate(targets):
        x = observables[:, i]
        if t.mean is not None:
            got = float(np.average(x, weights=p))
            worst = max(worst, abs(np.log(max(got, FLOOR) / t.mean)))
        else:
            order = np.argsort(x)
            cum = np.cumsum(p[order])
            got = float(x[order][np.searchsorted(cum, 0.5 * cum[-1])])
            worst = max(worst, abs(np.log(max(got, FLOOR) / t.median)))
    return worst


def fit_acceptor(
    quantities: tuple[str, ...],
    targets: Mapping[str, Statistic],
    observables: np.ndarray,
    log_prior_ratio: np.ndarray,
    *,
    method: str,
    clip_quantile: float | None = None,
    tolerance: float = 0.05,
    min_yield: float = 0.0,
) -> Acceptor:
    """Fit the matching rule on a pilot pool (observables: n_pilot x len(quantities), in canonical units).

    The tilt is solved on the pilot; K is then the ``clip_quantile`` of the pilot's weights, or (when None) the
    highest-yield quantile of CLIP_QUANTILES whose matched means (medians) are within ``tolerance`` (log scale)
    with at least MIN_PILOT_ESS effective pilot men, failing that the trusted K with the smallest error.
    Scalings whose expected yield is below ``min_yield`` are not considered.
    """
    lpr = np.asarray(log_prior_ratio, dtype=float)
    stats = [targets[q] for q in quantities]
    if not quantities:
        return Acceptor((), method, (), np.zeros(0), 0.0, 1.0)
    obs = np.asarray(observables, dtype=float)
    ok = np.all(np.isfinite(obs), axis=1)
    obs, lpr_ok = obs[ok], lpr[ok]
    lam = tilt(moment_features(obs, stats), lpr_ok)
    lw = lpr_ok + moment_features(obs, stats) @ lam
    quantiles = CLIP_QUANTILES if clip_quantile is None else (clip_quantile,)
    fits = []
    for q in quantiles:
        log_k = float(np.quantile(lw, q))
        p = np.exp(np.minimum(lw - log_k, 0.0))
        fits.append((q, log_k, _worst_error(p, obs, stats), effective_sample_size(p), float(p.mean() * ok.mean())))
    feasible = [f for f in fits if f[4] >= min_yield] or [max(fits, key=lambda f: f[4])]
    trusted = [f for f in feasible if f[3] >= MIN_PILOT_ESS] or [max(feasible, key=lambda f: f[3])]
    good = [f for f in trusted if f[2] <= tolerance]
    q, log_k, _, _, expected = good[0] if good else min(trusted, key=lambda f: f[2])
    return Acceptor(tuple(quantities), method, tuple(stats), lam, log_k, expected, float(q))


def match_report(
    quantities: tuple[str, ...],
    targets: Mapping[str, Statistic],
    baseline: Mapping[str, np.ndarray],
    weights: np.ndarray | None,
    *,
    method: str,
    candidates: int,
    accepted: int,
) -> dict[str, object]:
    """How well the virtual cohort's baseline matches the reported statistics (relative errors of mean and SD)."""
    per_quantity: dict[str, dict[str, float | None]] = {}
    for q in quantities:
        x = np.asarray(baseline[q], dtype=float)
        w = np.ones_like(x) if weights is None else weights
        mean = float(np.average(x, weights=w))
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        median = float(np.median(x)) if weights is None else None
        t = targets[q]
        entry: dict[str, float | None] = {"target_mean": t.mean, "target_sd": t.sd, "target_median": t.median,
                                          "achieved_mean": mean, "achieved_sd": sd, "achieved_median": median}
        if t.mean is not None:
            entry["relative_error_mean"] = mean / t.mean - 1
        if t.sd is not None:
            entry["relative_error_sd"] = sd / t.sd - 1
        if t.median is not None and median is not None:
            entry["relative_error_median"] = median / t.median - 1
        per_quantity[q] = entry
    report: dict[str, object] = {
        "method": method,
        "reference": "Allen RJ et al. CPT Pharmacometrics Syst Pharmacol 2016;5:140-146",
        "quantities": per_quantity,
        "candidates": candidates,
        "accepted": accepted,
        "acceptance_rate": accepted / candidates if candidates else None,
    }
    if weights is not None:
        report["effective_sample_size"] = effective_sample_size(weights)
    return report
