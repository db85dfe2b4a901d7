"""Optional pulsatile view: a 24 h LH profile rebuilt from the pulse-averaged model (impulsive GnRH, Churilov-style).

The ODE model is pulse-averaged; it reports the GnRH pulse frequency, the LH released per pulse and the mean LH.
Here LH is released as an impulse of that amplitude at each pulse and cleared first-order
(LH(t) = basal + sum_i A exp(-k (t - t_i))), with the basal level set so that the 24 h mean equals the model's
mean LH (if the pulses alone would exceed it, their amplitude is scaled down to match). Pulses are evenly spaced (no jitter): the profile shows frequency and amplitude, not pulse irregularity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hpgtwin.errors import InputError
from hpgtwin.simulate.trajectory import Trajectory

FREQUENCY_OUTPUT = "gnrh_pulses_per_day"
AMPLITUDE_OUTPUT = "lh_pulse_amplitude_iu_l"
MEAN_OUTPUT = "lh_iu_l"


@dataclass(frozen=True)
class PulseProfile:
    """A 24 h LH profile: ``time_h`` (from the chosen day's start), ``lh_iu_l``, and the pulse summary."""

    time_h: np.ndarray
    lh_iu_l: np.ndarray
    pulses_per_day: float
    amplitude_iu_l: float
    mean_iu_l: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "time_h": self.time_h.tolist(),
            "lh_iu_l": self.lh_iu_l.tolist(),
            "pulses_per_day": self.pulses_per_day,
            "amplitude_iu_l": self.amplitude_iu_l,
            "mean_iu_l": self.mean_iu_l,
        }


def lh_profile(
    trajectory: Trajectory, *, day: int, clearance_per_h: float, patient: int = 0, step_min: float = 5.0
) -> PulseProfile:
    """The 24 h LH profile of one man on ``day`` (``clearance_per_h``: first-order LH elimination, 1/h)."""
    for name in (FREQUENCY_OUTPUT, AMPLITUDE_OUTPUT, MEAN_OUTPUT):
        if name not in trajectory.outputs:
            raise InputError(f"the trajectory has no {name!r} output needed for the pulsatile view")
    if not 0 <= day < trajectory.days.size:
        raise InputError(f"day {day} outside 0..{trajectory.days.size - 1}")
    if not (math.isfinite(clearance_per_h) and clearance_per_h > 0) or step_min <= 0:
        raise InputError("clearance_per_h and step_min must be positive")
    per_day = float(trajectory[FREQUENCY_OUTPUT][patient, day])
    amplitude = float(trajectory[AMPLITUDE_OUTPUT][patient, day])
    mean = float(trajectory[MEAN_OUTPUT][patient, day])
    pulse_mean = amplitude * per_day / 24.0 / clearance_per_h
    if pulse_mean > mean > 0:
        amplitude *= mean / pulse_mean  # keep the model's mean LH; the pulses then carry all of it
        pulse_mean = mean
    basal = max(mean - pulse_mean, 0.0)
    t = np.arange(0.0, 24.0 + 1e-9, step_min / 60.0)
    pulses = np.zeros_like(t)
    if per_day > 0 and amplitude > 0:
        interval = 24.0 / per_day
        first = -12.0 / clearance_per_h  # start earlier so earlier pulses' tails are included (exp(-12) ~ 6e-6)
        for ti in np.arange(first - (first % interval), 24.0, interval):
            after = t >= ti
            pulses[after] += amplitude * np.exp(-clearance_per_h * (t[after] - ti))
    return PulseProfile(t, basal + pulses, per_day, amplitude, mean)
