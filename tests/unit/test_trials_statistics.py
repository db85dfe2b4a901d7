"""Summary statistics of virtual cohorts: exact on small known samples, weighted forms agree with repetition."""

from __future__ import annotations

import numpy as np
import pytest

from hpgtwin.trials.statistics import effective_sample_size, fraction_below, proportion_ci, roc_auc, summarize


def test_summary_of_a_known_sample() -> None:
    s = summarize(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert s["mean"] == 3.0 and s["median"] == 3.0 and s["n"] == 5
    assert s["sd"] == pytest.approx(np.sqrt(2.5))
    half = 1.959964 * np.sqrt(2.5) / np.sqrt(5)
    assert s["ci95"] == pytest.approx([3 - half, 3 + half], rel=1e-6)


def test_integer_weights_equal_repetition() -> None:
    x = np.array([1.0, 2.0, 7.0])
    w = np.array([1.0, 3.0, 2.0])
    weighted = summarize(x, w)
    assert weighted["mean"] == pytest.approx(np.repeat(x, [1, 3, 2]).mean())
    assert weighted["median"] == pytest.approx(2.0)


def test_non_finite_values_are_dropped_and_empty_is_none() -> None:
    assert summarize(np.array([1.0, np.nan, 3.0]))["n"] == 2
    assert summarize(np.array([np.nan]))["mean"] is None


def test_fraction_below_and_kish() -> None:
    assert fraction_below(np.array([0.05, 0.5, 2, 30]), 1.0) == 0.5
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_wilson_interval() -> None:
    # Wilson 1927; worked value: 10/20 -> [0.299, 0.701] (Newcombe 1998, Stat Med 17:857, method 3)
    lo, hi = proportion_ci(10, 20)
    assert lo == pytest.approx(0.2993, abs=1e-3) and hi == pytest.approx(0.7007, abs=1e-3)


def test_roc_auc_perfect_random_and_reversed() -> None:
    y = np.array([0, 0, 0, 1, 1, 1], dtype=bool)
    assert roc_auc(np.array([1, 2, 3, 4, 5, 6.0]), y)["auc"] == 1.0
    assert roc_auc(np.array([6, 5, 4, 3, 2, 1.0]), y)["auc"] == 0.0
    rng = np.random.default_rng(0)
    auc = roc_auc(rng.normal(size=4000), rng.uniform(size=4000) < 0.5)
    assert abs(auc["auc"] - 0.5) < 0.03 and auc["ci95_low"] < 0.5 < auc["ci95_high"]
    assert roc_auc(np.array([1.0, 2.0]), np.array([True, True]))["auc"] is None
