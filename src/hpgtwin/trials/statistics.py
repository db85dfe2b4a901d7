"""Summary statistics of a virtual cohort: mean, SD, median and 95% CI of the mean, optionally weighted.

``ci95`` is the 95% confidence interval of the mean (normal approximation, mean +/- 1.96 SD / sqrt(n_eff)); it says
how precisely the virtual trial estimates the cohort mean. ``range95`` is the 2.5th-97.5th percentile of the men.
With weights (matching by weighting), n_eff is Kish's effective sample size.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

Z95 = float(sps.norm.ppf(0.975))


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0


def weighted_quantile(values: np.ndarray, q: float | np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Quantile(s) of values; with weights, the inverted weighted empirical CDF (smallest x with CDF >= q)."""
    x = np.asarray(values, dtype=float)
    if weights is None:
        return np.quantile(x, q)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], np.asarray(weights, dtype=float)[order]
    cum = np.cumsum(ws)
    idx = np.searchsorted(cum, np.asarray(q) * cum[-1] * (1 - 1e-12), side="left")
    return xs[np.minimum(idx, xs.size - 1)]


def summarize(values: np.ndarray, weights: np.ndarray | None = None) -> dict[str, object]:
    """{mean, sd, median, ci95, range95, n} of one quantity over the cohort (non-finite values dropped)."""
    x = np.asarray(values, dtype=float)
    keep = np.isfinite(x)
    x = x[keep]
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    if x.size == 0:
        return {"mean": None, "sd": None, "median": None, "ci95": [None, None], "range95": [None, None], "n": 0}
    if w is None:
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
        n_eff = float(x.size)
    else:
        mean = float(np.average(x, weights=w))
        n_eff = effective_sample_size(w)
        var = float(np.average((x - mean) ** 2, weights=w))
        sd = float(np.sqrt(var * n_eff / (n_eff - 1))) if n_eff > 1 else 0.0
    half = Z95 * sd / np.sqrt(n_eff)
    lo, med, hi = weighted_quantile(x, np.array([0.025, 0.5, 0.975]), w)
    return {
        "mean": mean,
        "sd": sd,
        "median": float(med),
        "ci95": [mean - half, mean + half],
        "range95": [float(lo), float(hi)],
        "n": int(x.size),
    }


def fraction_below(values: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> float:
    """Fraction (weighted if weights given) of men whose value is below threshold."""
    x = np.asarray(values, dtype=float)
    below = (x < threshold).astype(float)
    return float(np.average(below, weights=weights))


def proportion_ci(successes: float, n: float) -> list[float]:
    """Wilson 95% interval of a proportion (Wilson 1927, JASA 22:209); n may be an effective sample size."""
    if n <= 0:
        return [0.0, 1.0]
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / denom
    return [float(max(0.0, centre - half)), float(min(1.0, centre + half))]


def roc_auc(score: np.ndarray, positive: np.ndarray) -> dict[str, float | None]:
    """ROC AUC of a baseline score for a binary outcome, with the Hanley-McNeil 1982 (Radiology 143:29) 95% CI."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(positive, dtype=bool)
    keep = np.isfinite(s)
    s, y = s[keep], y[keep]
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return {"auc": None, "ci95_low": None, "ci95_high": None}
    ranks = sps.rankdata(s)
    auc = float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    half = Z95 * np.sqrt(max(var, 0.0))
    return {"auc": auc, "ci95_low": max(0.0, auc - half), "ci95_high": min(1.0, auc + half)}
