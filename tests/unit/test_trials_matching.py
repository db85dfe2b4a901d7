"""Matching to reported baselines (Allen et al. 2016 CPT:PSP 5:140; moment tilt after Hainmueller 2012):
acceptance and weighting hit the targets.

The candidates here are log-normal draws with known moments, so the test checks the matching arithmetic itself;
the model-driven matching is checked in tests/reference/test_trials_cohorts.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from hpgtwin.trials.matching import fit_acceptor, match_report, target_log_moments
from hpgtwin.trials.spec import Statistic


def _pool(n: int, seed: int) -> np.ndarray:
    """Two correlated log-normal quantities: 'T' median 450, CV ~45%; 'E2' median 25, CV ~40% (assumption)."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([np.log(450), np.log(25)], [[0.18, 0.08], [0.08, 0.15]], size=n)
    return np.exp(z)


TARGETS = {"t": Statistic(mean=343, sd=61), "e2": Statistic(mean=26, sd=8)}  # Leder 2004 baseline


def test_log_moments_reproduce_mean_and_sd() -> None:
    m, s = target_log_moments(Statistic(mean=343, sd=61), 0.3)
    assert np.exp(m + s**2 / 2) == pytest.approx(343)
    assert np.sqrt((np.exp(s**2) - 1) * np.exp(2 * m + s**2)) == pytest.approx(61)
    m, s = target_log_moments(Statistic(median=28.7, iqr=(26.6, 32.2)), 0.3)
    assert np.exp(m) == pytest.approx(28.7)
    assert target_log_moments(Statistic(mean=32), 0.25)[1] == 0.25


@pytest.mark.parametrize("method", ["acceptance", "weighting"])
def test_matched_cohort_hits_reported_means_and_sds(method: str) -> None:
    pilot = _pool(4000, 1)
    acc = fit_acceptor(("t", "e2"), TARGETS, pilot, np.zeros(len(pilot)), method=method, clip_quantile=0.995)
    cand = _pool(60_000, 2)
    rng = np.random.default_rng(3)
    if method == "acceptance":
        keep = rng.uniform(size=len(cand)) < acc.acceptance_probability(cand, np.zeros(len(cand)))
        chosen, weights = cand[keep], None
        assert chosen.shape[0] == pytest.approx(acc.expected_yield * len(cand), rel=0.15)
    else:
        chosen, weights = cand, acc.weight(cand, np.zeros(len(cand)))
    report = match_report(("t", "e2"), TARGETS, {"t": chosen[:, 0], "e2": chosen[:, 1]}, weights,
                          method=method, candidates=len(cand), accepted=len(chosen))
    for q in ("t", "e2"):
        # tolerance: 5% on the mean, 15% on the SD (clipping at the 99.5th percentile distorts the tails a little)
        assert abs(report["quantities"][q]["relative_error_mean"]) < 0.05
        assert abs(report["quantities"][q]["relative_error_sd"]) < 0.15
    assert report["reference"].startswith("Allen")


def test_medians_and_infeasible_targets() -> None:
    pilot = _pool(4000, 5)
    targets = {"t": Statistic(median=300), "e2": Statistic(median=25)}
    acc = fit_acceptor(("t", "e2"), targets, pilot, np.zeros(len(pilot)), method="weighting", clip_quantile=1.0)
    w = acc.weight(pilot, np.zeros(len(pilot)))
    order = np.argsort(pilot[:, 0])
    cum = np.cumsum(w[order])
    # weighted median of T within 5% of 300 (pilot reused: the tilt is exact up to the median's granularity)
    assert pilot[order, 0][np.searchsorted(cum, cum[-1] / 2)] == pytest.approx(300, rel=0.05)
    # a mean far outside the pool stays finite (ridge and bounds on the tilt) instead of failing
    far = fit_acceptor(("t",), {"t": Statistic(mean=1e6)}, pilot[:, :1], np.zeros(len(pilot)), method="acceptance")
    assert np.all(np.isfinite(far.lam)) and 0 < far.expected_yield <= 1


def test_no_quantities_means_every_candidate_is_kept() -> None:
    acc = fit_acceptor((), {}, np.zeros((10, 0)), np.zeros(10), method="acceptance", clip_quantile=0.99)
    assert acc.expected_yield == 1.0
    assert np.all(acc.acceptance_probability(np.zeros((5, 0)), np.zeros(5)) == 1.0)
