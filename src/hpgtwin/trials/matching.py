"""Match a virtual cohort to reported baseline means/SDs by acceptance or by weighting.

After Allen RJ, Rieger TR, Musante CJ. "Efficient generation and selection of virtual populations in quantitative
systems pharmacology models." CPT Pharmacometrics Syst Pharmacol 2016;5:140-146: plausible men are drawn from a
widened ("inflated") parameter distribution; each is accepted with probability proportional to the ratio of the
target density of his baseline observables to their density under the prior population, scaled so that the
largest ratios (above the ``clip_quantile``) are accepted with certainty. Both densities are multivariate normal
in log space (the target has the reported means and SDs, via log-normal moment matching, and the prior's
correlations). An optional inflation of the random effects widens the pool; it is undone by the prior/pool density
ratio of the random effects, so quantities that are not matched keep their prior spread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hpgtwin.trials.spec import Statistic
from hpgtwin.trials.statistics import effective_sample_size

IQR_PER_SD = 1.3489795
"""Width of the interquartile range of a normal distribution in SDs (2 x 0.67449)."""

FLOOR = 1e-9
"""Observables are floored before taking logs (a man with no sperm stays finite in log space)."""


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


def _weighted_gaussian(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    mean = w @ x
    d = x - mean
    cov = (d * w[:, None]).T @ d / (1 - np.sum(w**2))
    return mean, np.atleast_2d(cov)


def _log_normal_pdf(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, (x - mean).T)
    return -0.5 * np.sum(z**2, axis=0) - np.sum(np.log(np.diag(chol)))


@dataclass(frozen=True)
class Acceptor:
    """The fitted matching rule: log-space Gaussians of the prior cohort and of the target, and log K."""

    quantities: tuple[str, ...]
    method: str
    pool_mean: np.ndarray
    pool_cov: np.ndarray
    target_mean: np.ndarray
    target_cov: np.ndarray
    log_k: float
    expected_yield: float

    def log_weight(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Log importance weight of each candidate: target/pool density of his observables times prior/pool."""
        if not self.quantities:
            return np.asarray(log_prior_ratio, dtype=float)
        x = log_observables(observables)
        bad = ~np.all(np.isfinite(x), axis=1)
        x = np.where(np.isfinite(x), x, 0.0)
        lw = (
            np.asarray(log_prior_ratio, dtype=float)
            + _log_normal_pdf(x, self.target_mean, self.target_cov)
            - _log_normal_pdf(x, self.pool_mean, self.pool_cov)
        )
        return np.where(bad, -np.inf, lw)

    def acceptance_probability(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Probability of accepting each candidate, min(1, w / K)."""
        return np.exp(np.minimum(self.log_weight(observables, log_prior_ratio) - self.log_k, 0.0))

    def weight(self, observables: np.ndarray, log_prior_ratio: np.ndarray) -> np.ndarray:
        """Truncated importance weight min(w, K) / K of each candidate (matching by weighting)."""
        return self.acceptance_probability(observables, log_prior_ratio)


def fit_acceptor(
    quantities: tuple[str, ...],
    targets: Mapping[str, Statistic],
    observables: np.ndarray,
    log_prior_ratio: np.ndarray,
    *,
    method: str,
    clip_quantile: float,
) -> Acceptor:
    """Fit the matching rule on a pilot pool (observables: n_pilot x len(quantities), in canonical units)."""
    lpr = np.asarray(log_prior_ratio, dtype=float)
    if not quantities:
        return Acceptor((), method, np.zeros(0), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0)), 0.0, 1.0)
    x = log_observables(observables)
    ok = np.all(np.isfinite(x), axis=1)
    x, lpr_ok = x[ok], lpr[ok]
    prior_w = np.exp(lpr_ok - lpr_ok.max())
    mean_p, cov_p = _weighted_gaussian(x, prior_w)
    sd_p = np.sqrt(np.diag(cov_p))
    moments = [target_log_moments(targets[q], float(sd_p[i])) for i, q in enumerate(quantities)]
    mean_t = np.array([m for m, _ in moments])
    sd_t = np.array([s for _, s in moments])
    corr = cov_p / np.outer(sd_p, sd_p)
    cov_t = corr * np.outer(sd_t, sd_t) + np.eye(len(quantities)) * 1e-12
    lw = lpr_ok + _log_normal_pdf(x, mean_t, cov_t) - _log_normal_pdf(x, mean_p, cov_p)
    log_k = float(np.quantile(lw, clip_quantile))
    expected = float(np.mean(np.exp(np.minimum(lw - log_k, 0.0))) * ok.mean())
    return Acceptor(quantities, method, mean_p, cov_p, mean_t, cov_t, log_k, expected)


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
