"""Pulsatile view: the 24 h LH profile keeps the model's mean LH, follows its pulse frequency and amplitude, draws
irregular pulse times with the table's interpulse CV, and is reproducible from its seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpgtwin.errors import InputError
from hpgtwin.simulate import simulate
from hpgtwin.simulate.pulsatile import (
    frequency_caveat,
    lh_profile,
    load_pulsatility,
    profile_from_summary,
    pulsatility_value,
    renewal_pulse_times,
)

MEAN_RTOL = 1e-6  # contract: the profile's 24 h mean (trapezoid) equals the model's mean LH
# Synthetic day (assumption): 15 pulses/24 h (Veldhuis JD et al. JCEM 1987;65:929 [seen abstract]: mean LH
# interpulse interval 95 min in 15 normal men -> 24 * 60 / 95 = 15.2 per 24 h), 2 IU/L per pulse, mean LH 4.5 IU/L.
PER_DAY, MASS_IU_L, MEAN_IU_L = 15.0, 2.0, 4.5


def _mean(profile) -> float:
    """The profile's 24 h time average (trapezoid over its grid)."""
    return float(np.trapezoid(profile.lh_iu_l, profile.time_h)) / 24.0


@pytest.fixture(scope="module")
def baseline():
    """The default man for two days, no drug."""
    return simulate(None, days=2)


def test_every_table_entry_has_value_unit_source_and_evidence() -> None:
    """Each number of params/pulsatility.yaml carries its unit, a source and an evidence flag."""
    table = load_pulsatility()
    assert {"lh_burst_half_duration_min", "lh_fast_half_life_min", "lh_fast_fraction", "lh_slow_half_life_min",
            "lh_interpulse_cv", "sampling_step_min", "default_seed"} <= set(table)
    for entry in table.values():
        assert math.isfinite(entry.value) and entry.unit and len(entry.source) > 20
        assert entry.evidence in {"seen", "recalled", "assumption", "derived"}


def test_slow_half_life_matches_the_model_clearance() -> None:
    """The table's slow LH half-life is ln 2 / lh_clearance_per_h of the model table (rounding to 0.1 min)."""
    model = pytest.importorskip("hpgtwin.model").MODEL
    k = model.parameter("lh_clearance_per_h").value
    assert pulsatility_value("lh_slow_half_life_min") == pytest.approx(60.0 * math.log(2.0) / k, abs=0.05)


@pytest.mark.parametrize("regimen, day", [(None, 1), ("anastrozole 1 mg daily", 7), ("clomiphene 25 mg daily", 14)])
def test_profile_mean_is_the_model_mean(regimen: str | None, day: int) -> None:
    """24 h mean of the drawn profile = the model's LH that day (rel 1e-6), with pulses and a non-negative basal."""
    traj = simulate(regimen, days=day)
    prof = lh_profile(traj, day=day)
    assert prof.mean_iu_l == pytest.approx(float(traj["lh_iu_l"][0, day]), rel=1e-12)
    assert _mean(prof) == pytest.approx(prof.mean_iu_l, rel=MEAN_RTOL)
    assert prof.basal_iu_l >= 0.0 and np.min(prof.lh_iu_l) >= 0.0
    assert prof.pulses_per_day == pytest.approx(float(traj["gnrh_pulses_per_day"][0, day]), rel=1e-12)


def test_pulses_that_would_exceed_the_mean_are_scaled_down() -> None:
    """When the pulses alone would carry more than the mean, their mass shrinks, basal is 0, the mean still holds."""
    prof = profile_from_summary(PER_DAY, 50.0 * MASS_IU_L, MEAN_IU_L, seed=3)
    assert prof.amplitude_iu_l < 50.0 * MASS_IU_L
    assert prof.basal_iu_l == pytest.approx(0.0, abs=MEAN_RTOL * MEAN_IU_L)
    assert _mean(prof) == pytest.approx(MEAN_IU_L, rel=MEAN_RTOL)


def test_same_seed_same_profile_other_seed_other_pulses() -> None:
    """Reproducible: a seed gives identical arrays; another seed other pulse times with the same mean."""
    a = profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, seed=11)
    b = profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, seed=11)
    c = profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, seed=12)
    np.testing.assert_array_equal(a.lh_iu_l, b.lh_iu_l)
    np.testing.assert_array_equal(a.pulse_times_h, b.pulse_times_h)
    assert not np.array_equal(a.pulse_times_h, c.pulse_times_h)
    assert _mean(c) == pytest.approx(MEAN_IU_L, rel=MEAN_RTOL)
    default = profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L)
    assert default.seed == int(pulsatility_value("default_seed"))
    np.testing.assert_array_equal(default.lh_iu_l, profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L).lh_iu_l)


def test_more_pulses_with_a_higher_model_frequency() -> None:
    """Same seed: pulse counts rise with the model's frequency; over 400 seeds the mean count is the frequency (3 %)."""
    counts = [len(profile_from_summary(f, MASS_IU_L, MEAN_IU_L, seed=5).pulse_times_h) for f in (4.0, 8.0, 16.0, 32.0)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    mean_count = np.mean([len(renewal_pulse_times(24.0 / PER_DAY, pulsatility_value("lh_interpulse_cv"), 0.0, 24.0,
                                                   seed)) for seed in range(400)])
    assert mean_count == pytest.approx(PER_DAY, rel=0.03)  # stationary renewal: E[count] = 24 h / mean interval


def test_pulsatile_part_scales_with_the_model_amplitude() -> None:
    """Same seed and frequency: twice the LH per pulse gives twice the profile above basal (rel 1e-12)."""
    one = profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, seed=9)
    two = profile_from_summary(PER_DAY, 2.0 * MASS_IU_L, MEAN_IU_L, seed=9)
    assert two.basal_iu_l < one.basal_iu_l  # both below the cap: neither is rescaled
    np.testing.assert_allclose(two.lh_iu_l - two.basal_iu_l, 2.0 * (one.lh_iu_l - one.basal_iu_l), rtol=1e-12,
                               atol=1e-12)


def test_interpulse_cv_and_mean_interval_follow_the_table() -> None:
    """Over ~4000 pulses the interval CV is the table's within 0.05 (sampling SE ~0.007) and the mean within 3 %."""
    cv = pulsatility_value("lh_interpulse_cv")
    interval_h = 24.0 / PER_DAY
    times = renewal_pulse_times(interval_h, cv, 0.0, 4000 * interval_h, seed=2026)
    gaps = np.diff(times)
    assert gaps.size > 3500
    assert np.std(gaps, ddof=1) / np.mean(gaps) == pytest.approx(cv, abs=0.05)
    assert np.mean(gaps) == pytest.approx(interval_h, rel=0.03)


def test_bursts_have_a_finite_width() -> None:
    """A lone burst peaks after its centre (burst, then biexponential decay), not as an instantaneous jump."""
    prof = profile_from_summary(1.0, MASS_IU_L, MEAN_IU_L, seed=1, step_min=1.0, interpulse_cv=0.0)
    assert len(prof.pulse_times_h) == 1
    rise = prof.lh_iu_l - prof.basal_iu_l
    peak_time = prof.time_h[np.argmax(rise)]
    assert 0.0 < peak_time - prof.pulse_times_h[0] < pulsatility_value("lh_burst_half_duration_min") / 60.0
    assert np.max(rise) < MASS_IU_L  # the fast phase clears part of the burst while it is still being secreted


def test_legacy_call_with_clearance_still_works(baseline) -> None:
    """The original signature (day, clearance_per_h, step_min) keeps working and keeps the mean."""
    model = pytest.importorskip("hpgtwin.model").MODEL
    prof = lh_profile(baseline, day=0, clearance_per_h=model.parameter("lh_clearance_per_h").value, step_min=1.0)
    assert prof.time_h[0] == 0.0 and prof.time_h[-1] == 24.0 and prof.time_h.size == 24 * 60 + 1
    assert _mean(prof) == pytest.approx(prof.mean_iu_l, rel=MEAN_RTOL)


@pytest.mark.parametrize("day", [-1, 3, 1.5, True])
def test_a_day_outside_the_simulation_is_refused(baseline, day) -> None:
    with pytest.raises(InputError):
        lh_profile(baseline, day=day)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError):
        profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, seed=-1)
    with pytest.raises(InputError):
        profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L, step_min=0.0)
    with pytest.raises(InputError):
        profile_from_summary(float("nan"), MASS_IU_L, MEAN_IU_L)


def _eugonadal_range() -> tuple[float, float]:
    """Published LH pulses per 24 h of eugonadal men, 8-20 (params/pulsatility.yaml: Veldhuis 1986 and 1987,
    Crowley/Spratt)."""
    return pulsatility_value("eugonadal_pulses_per_day_low"), pulsatility_value("eugonadal_pulses_per_day_high")


def test_profile_flags_a_frequency_outside_the_eugonadal_range() -> None:
    """A frequency outside 8-20 per 24 h comes with a caveat naming the model's value and the published range;
    inside it, none."""
    low, high = _eugonadal_range()
    assert profile_from_summary(PER_DAY, MASS_IU_L, MEAN_IU_L).caveat is None
    for per_day in (0.5 * low, 1.5 * high):
        caveat = profile_from_summary(per_day, MASS_IU_L, MEAN_IU_L).to_dict()["caveat"]
        assert f"{per_day:.3g} pulses per 24 h" in caveat and f"{low:g}-{high:g}" in caveat
    assert frequency_caveat(low) is None and frequency_caveat(high) is None


@pytest.mark.xfail(strict=True, reason="model gap: the calibrated default man has 2.3 GnRH pulses/24 h (model "
                   "parameters of 2026-12-06); the published range is 8-20 (docs/model_gaps.md)")
def test_default_man_pulse_frequency_is_in_the_published_range(baseline) -> None:
    low, high = _eugonadal_range()
    assert low <= float(baseline["gnrh_pulses_per_day"][0, 0]) <= high
