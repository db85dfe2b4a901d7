"""Pulsatile view: the 24 h LH profile keeps the model's mean LH and shows its pulse frequency."""

from __future__ import annotations

import numpy as np
import pytest

from hpgtwin.simulate import simulate
from hpgtwin.simulate.pulsatile import lh_profile


def test_profile_mean_and_pulse_count_match_the_model() -> None:
    """Mean over whole pulse intervals within 1% of the model's LH (1-min sampling); peaks = pulses/day (+-1)."""
    model = pytest.importorskip("hpgtwin.model").MODEL
    traj = simulate(None, days=1)
    k = model.parameter("lh_clearance_per_h").value
    prof = lh_profile(traj, day=0, clearance_per_h=k, step_min=1.0)
    interval = 24.0 / prof.pulses_per_day
    window = prof.time_h < np.floor(prof.pulses_per_day) * interval
    assert np.mean(prof.lh_iu_l[window]) == pytest.approx(prof.mean_iu_l, rel=0.01)
    rises = np.flatnonzero(np.diff(prof.lh_iu_l) > 0)
    peaks = 1 + np.count_nonzero(np.diff(rises) > 1) if rises.size else 0
    assert abs(peaks - prof.pulses_per_day) <= 1.0
    assert np.min(prof.lh_iu_l) >= 0.0
