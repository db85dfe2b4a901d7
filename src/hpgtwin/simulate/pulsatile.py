"""Optional pulsatile view: a 24 h LH profile drawn from the pulse-averaged model's frequency, amplitude and mean.

The ODE model is pulse-averaged; for one day it reports the GnRH (= LH) pulse frequency, the LH released per pulse
(``lh_pulse_amplitude_iu_l``, a concentration-equivalent burst mass) and the mean LH. Here each pulse is a Gaussian
secretory burst of that mass with a finite half-duration, LH leaves the blood biexponentially (fast and slow
half-lives), and pulse times follow a stationary gamma renewal process with the interpulse CV of men, drawn from a
seeded stream (same seed, same profile). Basal secretion fills the rest so that the 24 h mean (trapezoid over the
drawn grid) equals the model's mean LH; if the pulses alone exceed it, their mass is scaled down. Every number
comes from ``params/pulsatility.yaml`` (value, unit, source, evidence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import log_ndtr

from hpgtwin.errors import InputError
from hpgtwin.simulate.trajectory import Trajectory

FREQUENCY_OUTPUT = "gnrh_pulses_per_day"
AMPLITUDE_OUTPUT = "lh_pulse_amplitude_iu_l"
MEAN_OUTPUT = "lh_iu_l"
TABLE_FILE = "pulsatility.yaml"
HOURS = 24.0
TAIL_HALF_LIVES = 20.0  # pulses this many slow half-lives before the day still add < 2**-20 of their mass
BURST_SDS = 8.0  # a Gaussian burst is taken as over this many SDs from its centre
RENEWAL_BLOCK = 64  # intervals are drawn in fixed blocks so a seed gives the same sequence for every horizon
FWHM_PER_SD = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class PulsatilityEntry:
    """One number of the pulsatility table with its unit and where it comes from."""

    name: str
    value: float
    unit: str
    evidence: str
    source: str
    description: str


@lru_cache(maxsize=1)
def load_pulsatility() -> dict[str, PulsatilityEntry]:
    """The pulsatility table (``params/pulsatility.yaml``) by name (cached)."""
    from hpgtwin.params import read_yaml

    return {str(r["name"]): PulsatilityEntry(str(r["name"]), float(r["value"]), str(r["unit"]), str(r["evidence"]),
                                             " ".join(str(r["source"]).split()), str(r["description"]))
            for r in read_yaml(TABLE_FILE)["parameters"]}


def pulsatility_value(name: str) -> float:
    """The value of one entry of the pulsatility table."""
    return load_pulsatility()[name].value


@dataclass(frozen=True)
class PulseProfile:
    """A 24 h LH profile: ``time_h`` (from the chosen day's start), ``lh_iu_l``, pulse times and the settings."""

    time_h: np.ndarray
    lh_iu_l: np.ndarray
    pulses_per_day: float
    amplitude_iu_l: float
    mean_iu_l: float
    basal_iu_l: float
    pulse_times_h: np.ndarray
    seed: int
    interpulse_cv: float
    burst_half_duration_min: float
    half_lives_min: tuple[float, float]
    fast_fraction: float
    day: float | None = None
    caveat: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "day": self.day,
            "time_h": self.time_h.tolist(),
            "lh_iu_l": self.lh_iu_l.tolist(),
            "pulses_per_day": self.pulses_per_day,
            "amplitude_iu_l": self.amplitude_iu_l,
            "mean_iu_l": self.mean_iu_l,
            "basal_iu_l": self.basal_iu_l,
            "pulse_times_h": self.pulse_times_h.tolist(),
            "seed": self.seed,
            "interpulse_cv": self.interpulse_cv,
            "burst_half_duration_min": self.burst_half_duration_min,
            "lh_half_lives_min": list(self.half_lives_min),
            "lh_fast_fraction": self.fast_fraction,
            "caveat": self.caveat,
            "conventions": "time_h from the start of the day; mean_iu_l is the model's mean LH that day and the "
                           "profile's 24 h mean; amplitude_iu_l is the LH released per pulse (burst mass as a "
                           "concentration); pulse times are one seeded draw of an irregular renewal process",
        }


def _cumulative_intervals(rng: np.random.Generator, cv: float, span: float) -> np.ndarray:
    """Cumulative sums of unit-mean gamma intervals (CV ``cv``) until they pass ``span``."""
    sums: list[np.ndarray] = []
    total = 0.0
    while total <= span:
        block = rng.gamma(1.0 / cv**2, cv**2, RENEWAL_BLOCK) if cv > 0 else np.ones(RENEWAL_BLOCK)
        sums.append(total + np.cumsum(block))
        total = float(sums[-1][-1])
    return np.concatenate(sums) if sums else np.zeros(0)


def renewal_pulse_times(interval_h: float, cv: float, start_h: float, end_h: float, seed: int) -> np.ndarray:
    """Pulse times in [start_h, end_h) of a stationary gamma renewal process with mean ``interval_h`` (seeded).

    The interval straddling t = 0 is length-biased (Gamma(k+1)) and split at a uniform point, so the process is
    stationary; all times scale with ``interval_h`` for a given seed, so a higher frequency never loses a pulse.
    """
    if not (math.isfinite(interval_h) and interval_h > 0) or not (math.isfinite(cv) and cv >= 0):
        raise InputError("the mean interpulse interval must be positive and the interpulse CV non-negative")
    if start_h > 0 or end_h < 0:
        raise InputError("the pulse window must contain t = 0")
    anchor, forward, backward = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    straddle = float(anchor.gamma(1.0 / cv**2 + 1.0, cv**2)) if cv > 0 else 1.0
    split = float(anchor.uniform())
    first = split * straddle
    previous = (split - 1.0) * straddle
    after = first + np.concatenate(([0.0], _cumulative_intervals(forward, cv, end_h / interval_h - first)))
    before = previous - np.concatenate(([0.0], _cumulative_intervals(backward, cv, previous - start_h / interval_h)))
    times = interval_h * np.concatenate((before[::-1], after))
    return times[(times >= start_h) & (times < end_h)]


def burst_response(since_h: np.ndarray, burst_sd_h: float, rate_per_h: float) -> np.ndarray:
    """Concentration after a unit-mass Gaussian burst centred at 0 and first-order elimination (exact convolution)."""
    if burst_sd_h <= 0:
        return np.where(since_h >= 0, np.exp(-rate_per_h * np.maximum(since_h, 0.0)), 0.0)
    z = since_h / burst_sd_h - rate_per_h * burst_sd_h
    return np.exp(-rate_per_h * since_h + 0.5 * (rate_per_h * burst_sd_h) ** 2 + log_ndtr(z))


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """``value`` as a float, or InputError when it is not finite and positive (or zero, when allowed)."""
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{name} must be a finite {'non-negative' if allow_zero else 'positive'} number")
    return value


def frequency_caveat(pulses_per_day: float) -> str | None:
    """Why a model frequency outside the eugonadal range should be read with care (None inside the range).

    The calibration fixes mean LH, not how it splits into pulse frequency and amplitude (docs/model_gaps.md).
    """
    low, high = (pulsatility_value(f"eugonadal_pulses_per_day_{end}") for end in ("low", "high"))
    if low <= pulses_per_day <= high:
        return None
    return (f"The model gives {pulses_per_day:.3g} pulses per 24 h; eugonadal men have {low:g}-{high:g} "
            "(Veldhuis 1986, 1987). Mean LH is calibrated, its split into pulse frequency and size is not "
            "(docs/model_gaps.md), so read the number and size of the pulses as indicative.")


def profile_from_summary(
    pulses_per_day: float, amplitude_iu_l: float, mean_iu_l: float, *, seed: int | None = None,
    clearance_per_h: float | None = None, step_min: float | None = None, interpulse_cv: float | None = None,
    burst_half_duration_min: float | None = None, day: float | None = None,
) -> PulseProfile:
    """The 24 h LH profile for a pulse frequency (1/day), an LH mass per pulse (IU/L) and a mean LH (IU/L).

    ``clearance_per_h`` (1/h) overrides the slow LH elimination rate; the other settings default to the table.
    """
    for name, value in (("pulses_per_day", pulses_per_day), ("amplitude_iu_l", amplitude_iu_l),
                        ("mean_iu_l", mean_iu_l)):
        _positive(f"the model's {name} ({value})", value, allow_zero=True)
    seed = int(pulsatility_value("default_seed")) if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"the pulse seed must be a non-negative whole number, got {seed!r}")
    step = _positive("step_min", pulsatility_value("sampling_step_min") if step_min is None else step_min)
    cv = _positive("interpulse_cv", pulsatility_value("lh_interpulse_cv") if interpulse_cv is None else interpulse_cv,
                   allow_zero=True)
    fwhm_min = _positive("burst_half_duration_min", pulsatility_value("lh_burst_half_duration_min")
                         if burst_half_duration_min is None else burst_half_duration_min, allow_zero=True)
    fast_min = pulsatility_value("lh_fast_half_life_min")
    slow_rate = (math.log(2.0) / (pulsatility_value("lh_slow_half_life_min") / 60.0) if clearance_per_h is None
                 else _positive("clearance_per_h", clearance_per_h))
    fast_rate = math.log(2.0) / (fast_min / 60.0)
    fraction = pulsatility_value("lh_fast_fraction")
    sd_h = fwhm_min / 60.0 / FWHM_PER_SD

    n_steps = max(1, round(HOURS * 60.0 / step))
    t = np.linspace(0.0, HOURS, n_steps + 1)
    mass = float(amplitude_iu_l)
    per_day = float(pulses_per_day)
    mean = float(mean_iu_l)
    pulses = np.zeros_like(t)
    in_day = np.zeros(0)
    if per_day > 0 and mass > 0 and mean > 0:
        back = TAIL_HALF_LIVES * math.log(2.0) / min(slow_rate, fast_rate) + BURST_SDS * sd_h
        times = renewal_pulse_times(HOURS / per_day, cv, -back, HOURS + BURST_SDS * sd_h, seed)
        since = t[:, None] - times[None, :]
        unit = (fraction * burst_response(since, sd_h, fast_rate)
                + (1.0 - fraction) * burst_response(since, sd_h, slow_rate)).sum(axis=1)
        pulses = mass * unit
        in_day = times[(times >= 0.0) & (times < HOURS)]
    pulse_mean = float(np.trapezoid(pulses, t)) / HOURS
    if pulse_mean > mean:
        scale = mean / pulse_mean if pulse_mean > 0 else 0.0
        mass *= scale
        pulses *= scale
        pulse_mean = float(np.trapezoid(pulses, t)) / HOURS
    basal = max(mean - pulse_mean, 0.0)
    return PulseProfile(t, basal + pulses, per_day, mass, mean, basal, in_day, int(seed), cv, fwhm_min,
                        (fast_min, 60.0 * math.log(2.0) / slow_rate), fraction, day, frequency_caveat(per_day))


def lh_profile(
    trajectory: Trajectory, *, day: int, clearance_per_h: float | None = None, patient: int = 0,
    step_min: float | None = None, seed: int | None = None, interpulse_cv: float | None = None,
    burst_half_duration_min: float | None = None,
) -> PulseProfile:
    """The 24 h LH profile of one man on simulated ``day`` (``clearance_per_h``: slow LH elimination, 1/h)."""
    for name in (FREQUENCY_OUTPUT, AMPLITUDE_OUTPUT, MEAN_OUTPUT):
        if name not in trajectory.outputs:
            raise InputError(f"the trajectory has no {name!r} output needed for the pulsatile view")
    if isinstance(day, bool) or not isinstance(day, int | np.integer):
        raise InputError(f"the pulsatile day must be a whole number of days, got {day!r}")
    matches = np.flatnonzero(np.isclose(trajectory.days, float(day)))
    if matches.size == 0:
        raise InputError(f"day {day} is not a simulated day (0..{trajectory.days[-1]:g})")
    if not 0 <= patient < trajectory.n_patients:
        raise InputError(f"patient {patient} outside 0..{trajectory.n_patients - 1}")
    index = int(matches[0])
    summary = [float(trajectory[name][patient, index]) for name in (FREQUENCY_OUTPUT, AMPLITUDE_OUTPUT, MEAN_OUTPUT)]
    return profile_from_summary(*summary, seed=seed, clearance_per_h=clearance_per_h, step_min=step_min,
                                interpulse_cv=interpulse_cv, burst_half_duration_min=burst_half_duration_min,
                                day=float(day))
